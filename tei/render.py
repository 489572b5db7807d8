"""TEI files --> a static HTML reading edition (one page per document, an index, a stylesheet).

Rendering reads TEI from disk, so it works on TEI this toolkit did not write:
header parts that are missing simply leave their field out, and a TEI element
the renderer has no rule for still shows its text (its children are rendered).

How each TEI element becomes HTML is decided in one place, the rule table
`RULES`: TEI local name -> `rule(ctx, element) -> Markup`, dispatched per
element like XSLT's apply-templates. A rule renders the element itself (never
its tail) and calls `ctx.apply(element)` to render the children. A `Renderer`
takes its own table, so callers can override or add rules without touching
this module::

    def my_hi(ctx, el):
        return Markup("<mark>") + ctx.apply(el) + Markup("</mark>")
    Renderer(rules={**RULES, "hi": my_hi})

Page templates (`document.html`, `index.html`, `base.html`) and `edition.css`
are loaded from `tei/templates/`; `Renderer(templates=DIR)` looks in DIR first.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence
from urllib.parse import quote

import jinja2
from lxml import etree
from markupsafe import Markup, escape

from tei import TEI_NS, XML_NS
from tei.errors import InputError
from tei.files import write_atomic
from tei.resources import templates_dir
from tei.xmlread import parse_tei, tei_name

T = f"{{{TEI_NS}}}"
NS = {"t": TEI_NS}
XML_LANG = f"{{{XML_NS}}}lang"
XML_ID = f"{{{XML_NS}}}id"

Rule = Callable[["Context", etree._Element], Markup]

SITE_TITLE = "Reading edition"
CSS_NAME = "edition.css"

# ---------------------------------------------------------------------------
# Small helpers


def _norm(text: str | None) -> str:
    return " ".join((text or "").split())


def _text(el: etree._Element | None) -> str:
    """The element's text content with whitespace normalised ("" for None)."""
    if el is None:
        return ""
    return _norm("".join(el.itertext()))


_SAFE_URL = re.compile(r"^(https?:|mailto:|#|[^:/?#]*(?:[/?#]|$))", re.IGNORECASE)


def safe_url(url: str | None) -> str | None:
    """The URL if it is http(s), mailto, or relative; None for javascript: and the like."""
    url = (url or "").strip()
    if not url or not _SAFE_URL.match(url):
        return None
    return url


_HTML_DATETIME = re.compile(r"^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?)?)?)?$")


def _attrs(el: etree._Element | None, classes: str = "", **extra: str | None) -> Markup:
    """` class=".." id=".." lang=".."` for an output element made from `el` (escaped)."""
    parts: list[tuple[str, str]] = []
    if classes:
        parts.append(("class", classes))
    if el is not None:
        if el.get(XML_ID):
            parts.append(("id", el.get(XML_ID)))
        if el.get(XML_LANG):
            parts.append(("lang", el.get(XML_LANG)))
    for name, value in extra.items():
        if value is not None:
            parts.append((name.rstrip("_").replace("_", "-"), value))
    return Markup("").join(Markup(' {}="{}"').format(name, value) for name, value in parts)


def _wrap(tag: str, ctx: "Context", el: etree._Element, classes: str = "", **extra: str | None) -> Markup:
    return Markup("<{}{}>").format(Markup(tag), _attrs(el, classes, **extra)) + ctx.apply(el) + Markup(f"</{tag}>")


# ---------------------------------------------------------------------------
# Authority: person / place / org entries the text's @ref points to


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str  # person | place | org
    name: str
    birth: str = ""
    death: str = ""
    idnos: tuple[tuple[str, str], ...] = ()

    @property
    def wikidata(self) -> str | None:
        for kind, value in self.idnos:
            if kind.lower() == "wikidata":
                m = re.search(r"Q\d+", value)
                if m:
                    return m.group()
        return None

    @property
    def label(self) -> str:
        if self.birth or self.death:
            return f"{self.name} ({self.birth or '?'}–{self.death or '?'})"
        return self.name


_ENTITY_TAGS = {"person": "person", "personGrp": "person", "place": "place", "org": "org"}
_NAME_TAGS = {"person": "persName", "personGrp": "persName", "place": "placeName", "org": "orgName"}


def _name_text(el: etree._Element) -> str:
    if len(el):  # forename/surname parts: keep them apart
        return _norm(" ".join(t.strip() for t in el.itertext() if t.strip()))
    return _text(el)


def _year(el: etree._Element | None) -> str:
    if el is None:
        return ""
    when = el.get("when") or el.get("notBefore") or el.get("from") or ""
    return when.split("-")[0] if when and not when.startswith("-") else (when or _text(el))


def collect_entities(root: etree._Element) -> dict[str, Entity]:
    """Every person, place and org with an xml:id, in standOff or the header."""
    found: dict[str, Entity] = {}
    for el in root.iter(*(T + tag for tag in _ENTITY_TAGS)):
        ident = el.get(XML_ID)
        if not ident or ident in found:
            continue
        local = etree.QName(el).localname
        names = el.findall(T + _NAME_TAGS[local])
        name_el = next((n for n in names if n.get("type") in ("preferred", "main", "reg")), names[0] if names else None)
        name = _name_text(name_el) if name_el is not None else _text(el.find("t:name", NS)) or ident
        found[ident] = Entity(
            id=ident,
            kind=_ENTITY_TAGS[local],
            name=name,
            birth=_year(el.find(T + "birth")),
            death=_year(el.find(T + "death")),
            idnos=tuple((i.get("type") or "", _text(i)) for i in el.findall(T + "idno")),
        )
    return found


# ---------------------------------------------------------------------------
# The rule table


@dataclass
class Context:
    """What a rule can use: the rule table, the document's entities, and apply()."""

    rules: Mapping[str, Rule]
    entities: Mapping[str, Entity] = field(default_factory=dict)
    in_link: int = 0  # > 0 while rendering inside an <a>: no nested links

    def render(self, el: etree._Element) -> Markup:
        """One element (without its tail), by its rule; unknown elements give their children."""
        if not isinstance(el.tag, str):  # comment or processing instruction
            return Markup("")
        local = tei_name(el)
        rule = self.rules.get(local) if local else None
        return rule(self, el) if rule else self.apply(el)

    def apply(self, el: etree._Element) -> Markup:
        """The element's content: its text, and each child rendered followed by its tail."""
        out = [escape(el.text or "")]
        for child in el:
            out.append(self.render(child))
            out.append(escape(child.tail or ""))
        return Markup("").join(out)

    def link(self, href: str | None, inner: Callable[[], Markup], classes: str = "", el=None, **extra) -> Markup:
        """An <a> to href, or a <span> if there is no (safe) href or we are already inside a link."""
        href = safe_url(href)
        if href is None or self.in_link:
            return Markup("<span{}>").format(_attrs(el, classes, **extra)) + inner() + Markup("</span>")
        self.in_link += 1
        try:
            body = inner()
        finally:
            self.in_link -= 1
        return Markup("<a{}>").format(_attrs(el, classes, href=href, **extra)) + body + Markup("</a>")


def _block(tag: str, classes: str = "") -> Rule:
    return lambda ctx, el: _wrap(tag, ctx, el, classes)


def _inline(classes: str, tag: str = "span") -> Rule:
    return lambda ctx, el: _wrap(tag, ctx, el, classes)


_BLOCKS = {"p", "ab", "list", "table", "lg", "quote", "div", "floatingText", "note", "figure", "head", "closer",
           "opener", "cit", "sp", "listBibl", "dateline", "signed", "salute", "postscript"}


def rule_p(ctx: Context, el: etree._Element) -> Markup:
    # HTML <p> cannot hold block content; TEI <p> can (lists, quotes with paragraphs...).
    has_block = any(tei_name(d) in _BLOCKS - {"note"} for d in el.iterdescendants())
    return _wrap("div" if has_block else "p", ctx, el, "p" if has_block else "")


def rule_head(ctx: Context, el: etree._Element) -> Markup:
    depth = sum(1 for a in el.iterancestors() if tei_name(a) in ("div", "div1", "div2", "div3", "div4"))
    level = min(6, 2 + max(depth, 1))  # h1 is the document's title, h2 the page's sections
    return _wrap(f"h{level}", ctx, el, "head")


def rule_seg(ctx: Context, el: etree._Element) -> Markup:
    kind = el.get("type")
    return _wrap("span", ctx, el, "seg" + (f" seg-{kind}" if kind else ""))


def _gap_description(el: etree._Element) -> str:
    reason = _norm((el.get("reason") or "").replace("-", " ").replace("_", " ")) or "omitted"
    quantity, unit, extent = el.get("quantity"), el.get("unit"), el.get("extent")
    if quantity and unit:
        amount = f"{quantity} {unit}" + ("" if quantity == "1" or unit.endswith("s") else "s")
    else:
        amount = _norm(extent)
    return f"{amount} {reason}" if amount else reason


def rule_gap(ctx: Context, el: etree._Element) -> Markup:
    """A visible, explained mark: ⟨illegible⟩, ⟨2 words illegible⟩; the transcript's wording kept."""
    described = _gap_description(el)
    desc = _text(el.find(T + "desc"))
    title = f"Gap in the text: {described}." + (f" The transcript reads “{desc}”." if desc else "")
    hidden = Markup('<span class="visually-hidden"> (the transcript reads: {})</span>').format(desc) if desc else ""
    return Markup('<span{}><span class="gap-mark">⟨{}⟩</span>{}</span>').format(
        _attrs(el, "gap", title=title, data_reason=el.get("reason")), described, hidden)


def _has_marker(el: etree._Element, function: str) -> bool:
    """The transcript's own marker (`<metamark function="sic">[sic]</metamark>`) follows the element."""
    following = el.getnext()
    return (following is not None and tei_name(following) == "metamark" and following.get("function") == function
            and not (el.tail or "").strip())


def rule_sic(ctx: Context, el: etree._Element) -> Markup:
    if _has_marker(el, "sic"):  # the marker renders itself, as the transcript wrote it
        return Markup('<span{}><span class="sic-text">{}</span></span>').format(_attrs(el, "sic"), ctx.apply(el))
    return Markup('<span{}><span class="sic-text">{}</span>\u00a0<span class="sic-mark" title="{}">[sic]</span></span>'
                  ).format(_attrs(el, "sic"), ctx.apply(el), "so in the original")


_MARKER_TITLES = {"sic": "so in the original", "unclear": "reading uncertain", "query": "proposed reading"}


def rule_metamark(ctx: Context, el: etree._Element) -> Markup:
    function = el.get("function", "")
    return Markup('<span class="{}" title="{}">{}</span>').format(
        "sic-mark" if function == "sic" else "metamark", _MARKER_TITLES.get(function, "editorial mark"),
        ctx.apply(el))


_WRITTEN = {"orig", "sic", "abbr"}
_EDITED = {"reg": "regularised form", "corr": "correction", "expan": "expansion"}


def rule_choice(ctx: Context, el: etree._Element) -> Markup:
    """Darien [Dalian]: the form as written, then the editor's form in brackets, marked."""
    children = [c for c in el if isinstance(c.tag, str)]
    written = [c for c in children if tei_name(c) in _WRITTEN]
    others = [c for c in children if c not in written]
    parts = [ctx.render(c) for c in written] + [ctx.render(c) for c in others]
    return Markup("<span{}>").format(_attrs(el, "choice")) + Markup(" ").join(parts) + Markup("</span>")


def rule_edited(ctx: Context, el: etree._Element) -> Markup:
    local = tei_name(el)
    return Markup('<span{}>[{}]</span>').format(_attrs(el, local, title=_EDITED[local]), ctx.apply(el))


def rule_supplied(ctx: Context, el: etree._Element) -> Markup:
    reason = el.get("reason")
    title = "supplied by the editor" + (f" ({reason})" if reason else "")
    return Markup('<span{}>[<i>{}</i>]</span>').format(_attrs(el, "supplied", title=title), ctx.apply(el))


def rule_note(ctx: Context, el: etree._Element) -> Markup:
    kind = el.get("type")
    classes = "note" + (f" note-{kind}" if kind else "")
    title = "editorial note" if kind == "editorial" else "note"
    if any(tei_name(d) in _BLOCKS for d in el.iterdescendants()):
        return Markup('<div{}>').format(_attrs(el, classes, title=title)) + ctx.apply(el) + Markup("</div>")
    return Markup('<span{}>[{}]</span>').format(_attrs(el, classes, title=title), ctx.apply(el))


_ENTITY_CLASS = {"persName": "person", "placeName": "place", "orgName": "org", "name": "name", "rs": "name"}


def rule_name(ctx: Context, el: etree._Element) -> Markup:
    """persName/placeName/orgName: marked per kind, titled with the authority's name, linked to Wikidata."""
    local = tei_name(el)
    kind = _ENTITY_CLASS.get(local, "name")
    ref = (el.get("ref") or el.get("key") or "").split()
    entity, href = None, None
    if ref:
        first = ref[0]
        if first.startswith("#") or "#" in first and not first.startswith("http"):
            entity = ctx.entities.get(first.split("#", 1)[1])
        elif first.startswith(("http://", "https://")):
            href = first
        else:
            entity = ctx.entities.get(first)
    title = None
    if entity is not None:
        kind = entity.kind if local in ("name", "rs") else kind
        title = entity.label
        if entity.wikidata:
            href = f"https://www.wikidata.org/wiki/{entity.wikidata}"
            title += f" — Wikidata {entity.wikidata}"
    return ctx.link(href, lambda: ctx.apply(el), f"entity {kind}", el, title=title)


def rule_date(ctx: Context, el: etree._Element) -> Markup:
    when = el.get("when")
    if when and _HTML_DATETIME.match(when):
        return _wrap("time", ctx, el, "date", datetime=when)
    return _wrap("span", ctx, el, "date", data_when=when)


def rule_lb(ctx: Context, el: etree._Element) -> Markup:
    return Markup("<br>")


def rule_pb(ctx: Context, el: etree._Element) -> Markup:
    n = el.get("n")
    return Markup('<span class="pb" title="page break">[{}]</span>').format(f"p. {n}" if n else "page break")


def rule_q(ctx: Context, el: etree._Element) -> Markup:
    return _wrap("q", ctx, el, "q")


def rule_hi(ctx: Context, el: etree._Element) -> Markup:
    rend = (el.get("rend") or el.get("rendition") or "").lower()
    for key, tag in (("bold", "strong"), ("italic", "em"), ("sup", "sup"), ("sub", "sub"), ("under", "u")):
        if key in rend:
            return _wrap(tag, ctx, el, "hi")
    return _wrap("em", ctx, el, "hi")


def rule_foreign(ctx: Context, el: etree._Element) -> Markup:
    return _wrap("i", ctx, el, "foreign")


def rule_ref(ctx: Context, el: etree._Element) -> Markup:
    target = (el.get("target") or "").split()
    return ctx.link(target[0] if target else None, lambda: ctx.apply(el), "ref", el)


def rule_ptr(ctx: Context, el: etree._Element) -> Markup:
    target = (el.get("target") or "").split()
    if not target:
        return Markup("")
    return ctx.link(target[0], lambda: escape(target[0]), "ptr", el)


def rule_list(ctx: Context, el: etree._Element) -> Markup:
    ordered = (el.get("type") or el.get("rend") or "").lower() in ("ordered", "numbered")
    return _wrap("ol" if ordered else "ul", ctx, el, "list")


def rule_unclear(ctx: Context, el: etree._Element) -> Markup:
    reason = el.get("reason")
    return _wrap("span", ctx, el, "unclear", title="unclear" + (f" ({reason})" if reason else ""))


def rule_nothing(ctx: Context, el: etree._Element) -> Markup:
    return Markup("")


RULES: dict[str, Rule] = {
    # structure
    "text": lambda ctx, el: ctx.apply(el),
    "body": lambda ctx, el: ctx.apply(el),
    "front": _block("section", "front"),
    "back": _block("section", "back"),
    "group": lambda ctx, el: ctx.apply(el),
    "div": _block("section", "div"),
    "head": rule_head,
    "p": rule_p,
    "ab": _block("div", "ab"),
    "opener": _block("div", "opener"),
    "closer": _block("div", "closer"),
    "dateline": _block("div", "dateline"),
    "salute": _block("div", "salute"),
    "signed": _block("div", "signed"),
    "postscript": _block("div", "postscript"),
    "seg": rule_seg,
    "list": rule_list,
    "item": _block("li"),
    "lg": _block("div", "lg"),
    "l": _block("div", "l"),
    "quote": _block("blockquote", "quote"),
    # editorial interventions
    "gap": rule_gap,
    "sic": rule_sic,
    "choice": rule_choice,
    "orig": _inline("orig"),
    "abbr": _inline("abbr"),
    "reg": rule_edited,
    "corr": rule_edited,
    "expan": rule_edited,
    "supplied": rule_supplied,
    "unclear": rule_unclear,
    "metamark": rule_metamark,
    "note": rule_note,
    "del": _inline("del", "del"),
    "add": _inline("add", "ins"),
    # phrases
    "q": rule_q,
    "said": rule_q,
    "hi": rule_hi,
    "foreign": rule_foreign,
    "title": _inline("title", "cite"),
    "persName": rule_name,
    "placeName": rule_name,
    "orgName": rule_name,
    "name": rule_name,
    "rs": rule_name,
    "date": rule_date,
    "ref": rule_ref,
    "ptr": rule_ptr,
    "lb": rule_lb,
    "pb": rule_pb,
    "cb": rule_nothing,
    "milestone": rule_nothing,
    "desc": lambda ctx, el: ctx.apply(el),
}


# ---------------------------------------------------------------------------
# Reading one TEI document into what the templates show


@dataclass
class Field:
    label: str
    values: list[Markup]


@dataclass
class Page:
    stem: str
    href: str
    lang: str
    title: str
    date_when: str | None
    date_html: Markup | None
    senders: list[Markup]
    addressees: list[Markup]
    place: Markup | None
    metadata: list[Field]
    summary: Markup | None
    text: Markup
    text_lang: str | None
    prev: "Page | None" = None
    next: "Page | None" = None

    @property
    def sort_key(self) -> tuple:
        return (self.date_when is None, self.date_when or "", self.title.casefold(), self.stem)


def _first(root: etree._Element, *paths: str) -> etree._Element | None:
    for path in paths:
        found = root.find(path, NS)
        if found is not None:
            return found
    return None


def read_page(tree: etree._ElementTree, stem: str, ctx_rules: Mapping[str, Rule]) -> Page:
    root = tree.getroot()
    if tei_name(root) == "teiCorpus":
        header = root.find("t:teiHeader", NS)
        docs = root.findall("t:TEI", NS)
    else:
        header, docs = root.find("t:teiHeader", NS), [root]
    if header is None:
        header = etree.Element(T + "teiHeader")
    ctx = Context(ctx_rules, collect_entities(root))

    def show(el: etree._Element) -> Markup:
        return ctx.apply(el)

    title_el = _first(header, "t:fileDesc/t:titleStmt/t:title[@type='main']", "t:fileDesc/t:titleStmt/t:title")
    title = _text(title_el) or stem

    date_el = _first(header, "t:profileDesc/t:creation/t:date",
                     "t:profileDesc/t:correspDesc/t:correspAction[@type='sent']/t:date",
                     "t:fileDesc/t:sourceDesc/t:bibl/t:date")
    date_when, date_html = None, None
    if date_el is not None:
        date_when = date_el.get("when") or date_el.get("notBefore") or date_el.get("from")
        shown = _text(date_el) or date_when or ""
        if shown:
            if date_when and _HTML_DATETIME.match(date_when):
                date_html = Markup('<time datetime="{}">{}</time>').format(date_when, shown)
            else:
                date_html = Markup("{}").format(shown)

    def names(action_type: str) -> list[Markup]:
        out = []
        for action in header.iterfind(f"t:profileDesc/t:correspDesc/t:correspAction[@type='{action_type}']", NS):
            for el in action:
                if tei_name(el) in ("persName", "orgName", "name", "rs"):
                    out.append(ctx.render(el))
        return out

    place_el = header.find("t:profileDesc/t:correspDesc/t:correspAction[@type='sent']/t:placeName", NS)

    metadata: list[Field] = []

    def add(label: str, els) -> None:
        values = [show(e) for e in els if _text(e) or len(e)]
        if values:
            metadata.append(Field(label, values))

    fd, pd = "t:fileDesc", "t:profileDesc"
    add("Citation", header.findall(f"{fd}/t:sourceDesc/t:bibl", NS) + header.findall(f"{fd}/t:sourceDesc/t:biblStruct", NS))
    ms = f"{fd}/t:sourceDesc/t:msDesc/t:msIdentifier"
    archive = header.findall(f"{ms}/t:institution", NS) + header.findall(f"{ms}/t:repository", NS)
    add("Archive", archive)
    add("Collection", header.findall(f"{ms}/t:collection", NS))
    idnos = header.findall(f"{fd}/t:publicationStmt/t:idno", NS) + header.findall(f"{ms}/t:idno", NS)
    record = [i for i in idnos if (i.get("type") or "").lower() not in ("url", "uri")]
    urls = [i for i in idnos if (i.get("type") or "").lower() in ("url", "uri")]
    by_value: dict[str, etree._Element] = {}
    for idno in record:  # the same ID in publicationStmt and msIdentifier: show it once
        by_value.setdefault(_text(idno), idno)
    add("Record ID", list(by_value.values()))
    if urls:
        metadata.append(Field("URL", [ctx.link(_text(u), lambda u=u: escape(_text(u)), "url") for u in urls]))
    add("Classification", header.findall(f"{pd}/t:textClass/t:keywords/t:term", NS)
        + header.findall(f"{pd}/t:textClass/t:classCode", NS))
    languages = header.findall(f"{pd}/t:langUsage/t:language", NS)
    lang_values = [show(e) if _text(e) else escape(e.get("ident") or "") for e in languages]
    if any(lang_values):
        metadata.append(Field("Language", [v for v in lang_values if v]))
    availability = header.findall(f"{fd}/t:publicationStmt/t:availability", NS)
    rights = []
    for av in availability:
        parts = [c for c in av if tei_name(c) in ("p", "licence", "ab")]
        rights.extend(parts if parts else [av])
    add("Rights", rights)
    add("Funder", header.findall(f"{fd}/t:titleStmt/t:funder", NS))

    abstract = header.find(f"{pd}/t:abstract", NS)
    summary = None
    if abstract is not None and _text(abstract):
        inner = show(abstract)
        summary = inner if any(tei_name(c) in _BLOCKS for c in abstract) else Markup("<p>{}</p>").format(inner)

    texts = [d.find("t:text", NS) for d in docs]
    text = Markup("\n").join(ctx.render(t) for t in texts if t is not None)

    lang = root.get(XML_LANG) or (docs[0].get(XML_LANG) if docs else None) or "en"
    text_el = texts[0] if texts else None
    text_lang = text_el.get(XML_LANG) if text_el is not None else None
    return Page(stem=stem, href=quote(stem) + ".html", lang=lang, title=title, date_when=date_when,
                date_html=date_html, senders=names("sent"), addressees=names("received"),
                place=ctx.render(place_el) if place_el is not None else None, metadata=metadata,
                summary=summary, text=text, text_lang=text_lang if text_lang != lang else None)


# ---------------------------------------------------------------------------
# The edition


class Renderer:
    """Compiled templates and a rule table, reusable across many documents."""

    def __init__(self, rules: Mapping[str, Rule] | None = None, templates: Path | None = None):
        self.rules: dict[str, Rule] = dict(RULES if rules is None else rules)
        loaders: list[jinja2.BaseLoader] = []
        if templates is not None:
            loaders.append(jinja2.FileSystemLoader(str(templates)))
        loaders.append(jinja2.FileSystemLoader(str(templates_dir())))
        self.env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                                      undefined=jinja2.StrictUndefined)
        self.env.globals.update(site_title=SITE_TITLE, css=CSS_NAME)
        self.templates_dir = templates

    def css(self) -> bytes:
        for folder in (self.templates_dir, templates_dir()):
            if folder is not None and (folder / CSS_NAME).is_file():
                return (folder / CSS_NAME).read_bytes()
        raise FileNotFoundError(CSS_NAME)

    def page(self, path: Path) -> Page:
        return read_page(parse_tei(path), path.stem, self.rules)

    def render_document(self, page: Page) -> bytes:
        return self.env.get_template("document.html").render(page=page).encode("utf-8")

    def render_index(self, pages: Sequence[Page]) -> bytes:
        return self.env.get_template("index.html").render(pages=pages).encode("utf-8")


_RESERVED = {"index"}


def render_edition(paths: Sequence[Path], out_dir: Path, *, renderer: Renderer | None = None) -> list[InputError]:
    """Write out_dir/<stem>.html for each TEI file, out_dir/index.html and out_dir/edition.css.

    A file that cannot be read as TEI is returned as an InputError and skipped;
    the others still render. The same inputs always give the same bytes.
    """
    renderer = renderer or Renderer()
    errors: list[InputError] = []
    pages: list[Page] = []
    taken: dict[str, Path] = {}
    for path in paths:
        path = Path(path)
        key = path.stem.casefold()
        if key in _RESERVED:
            errors.append(InputError(path, f"its page would be {path.stem}.html, which is the edition's own "
                                           "index page; rename the file"))
            continue
        if key in taken:
            errors.append(InputError(path, f"has the same name as {taken[key]}, so its page would overwrite that "
                                           f"one ({path.stem}.html); rename one of them"))
            continue
        try:
            page = renderer.page(path)
        except InputError as exc:
            errors.append(exc)
            continue
        taken[key] = path
        pages.append(page)
    pages.sort(key=lambda p: p.sort_key)
    for before, after in zip(pages, pages[1:]):
        before.next, after.prev = after, before
    out_dir = Path(out_dir)
    for page in pages:
        write_atomic(out_dir / f"{page.stem}.html", renderer.render_document(page))
    write_atomic(out_dir / "index.html", renderer.render_index(pages))
    write_atomic(out_dir / CSS_NAME, renderer.css())
    return errors
