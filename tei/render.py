"""How TEI elements become HTML: the rule table of the reading edition.

The pages themselves (document, index, entity pages) are made in tei.edition;
this module turns one TEI element and its content into HTML. It works on TEI
this toolkit did not write: a TEI element the renderer has no rule for still
shows its text (its children are rendered).

Two views of the text live in every page, and CSS shows one (see `views`):
the *reading* view (regularised forms, gaps as explained marks, notes as
footnotes) and the *diplomatic* view (the transcript as written).

How each TEI element becomes HTML is decided in one place, the rule table
`RULES`: TEI local name -> `rule(ctx, element) -> Markup`, dispatched per
element like XSLT's apply-templates. A rule renders the element itself (never
its tail) and calls `ctx.apply(element)` to render the children. A `Renderer`
takes its own table, so callers can override or add rules without touching
this module::

    def my_hi(ctx, el):
        return Markup("<mark>") + ctx.apply(el) + Markup("</mark>")
    Renderer(rules={**RULES, "hi": my_hi})

A user overrides a rule without Python with a template: `elements/<name>.html`
in the folder given to `tei render --templates DIR` (see `template_rule`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Callable, Mapping
from urllib.parse import quote

import jinja2
from lxml import etree
from markupsafe import Markup, escape

from tei import TEI_NS, XML_NS
from tei.identifiers import SCHEMES, records
from tei.xmlread import tei_name

T = f"{{{TEI_NS}}}"
NS = {"t": TEI_NS}
XML_LANG = f"{{{XML_NS}}}lang"
XML_ID = f"{{{XML_NS}}}id"

Rule = Callable[["Context", etree._Element], Markup]

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
    # escape() and plain joins, not Markup.format: this runs for every element of every page
    return Markup("".join(f' {name}="{escape(value)}"' for name, value in parts))


def _wrap(tag: str, ctx: "Context", el: etree._Element, classes: str = "", **extra: str | None) -> Markup:
    return Markup(f"<{tag}{_attrs(el, classes, **extra)}>{ctx.apply(el)}</{tag}>")


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
    note: str = ""

    @property
    def links(self) -> list[tuple[str, str]]:
        """(label, address) of each authority record: Wikidata, VIAF, GeoNames..., then other web addresses."""
        found = [(scheme.label, scheme.page.format(value)) for scheme, value in records(self.idnos)]
        known = {kind.lower() for kind, _ in self.idnos} & SCHEMES.keys()
        found += [(kind or "link", value) for kind, value in self.idnos
                  if kind.lower() not in known and value.startswith(("https://", "http://"))]
        return found

    @property
    def label(self) -> str:
        if self.birth or self.death:
            return f"{self.name} ({self.birth or '?'}–{self.death or '?'})"
        return self.name

    @property
    def file_name(self) -> str:
        """The entity's page: its id, made safe as a file name (an id from elsewhere may hold anything)."""
        return re.sub(r"^[.]|[^\w.-]", "_", self.id) + ".html"

    @property
    def href(self) -> str:
        """The entity's page, relative to the edition's root folder."""
        return f"entity/{quote(self.file_name)}"


KIND_NAMES = {"person": ("Person", "People", "people"), "place": ("Place", "Places", "places"),
              "org": ("Organisation", "Organisations", "organisations")}


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
            note=_text(el.find(T + "note")),
        )
    return found


# ---------------------------------------------------------------------------
# The rule table


@dataclass
class Mention:
    """A name in the text that points to an entity: where it is, for the entity's page."""
    entity: Entity
    anchor: str  # the HTML id of the mention in its document page
    element: etree._Element


@dataclass
class Context:
    """What a rule can use: the rule table, the document's entities, apply(), and what the page collects."""

    rules: Mapping[str, Rule]
    entities: Mapping[str, Entity] = field(default_factory=dict)
    root: str = ""  # the edition's root folder, relative to the page ("" or "../")
    in_link: int = 0  # > 0 while rendering inside an <a>: no nested links
    in_text: bool = False  # rendering the document's text (not its header): mentions and notes are collected
    notes: list[Markup] = field(default_factory=list)  # footnotes of the reading view, in order
    mentions: list[Mention] = field(default_factory=list)

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
        return Markup("".join(out))  # every part is escaped or Markup already

    def text(self, el: etree._Element) -> Markup:
        """Render a document's <text>: names there are mentions, notes there become footnotes."""
        self.in_text = True
        try:
            return self.render(el)
        finally:
            self.in_text = False

    def link(self, href: str | None, inner: Callable[[], Markup], classes: str = "", el=None, **extra) -> Markup:
        """An <a> to href, or a <span> if there is no (safe) href or we are already inside a link."""
        href = safe_url(href)
        if href is None or self.in_link:
            return Markup(f"<span{_attrs(el, classes, **extra)}>{inner()}</span>")
        self.in_link += 1
        try:
            body = inner()
        finally:
            self.in_link -= 1
        return Markup(f"<a{_attrs(el, classes, href=href, **extra)}>{body}</a>")

    def entity_of(self, el: etree._Element) -> tuple[Entity | None, str | None]:
        """The entity a name's @ref (or @key) points to, or else an outside address it gives."""
        for ref in (el.get("ref") or el.get("key") or "").split():
            if ref.startswith(("http://", "https://")):
                return None, ref
            entity = self.entities.get(ref.rsplit("#", 1)[-1])
            if entity is not None:
                return entity, None
        return None, None


def views(diplomatic: Markup, reading: Markup) -> Markup:
    """Text that differs between the views. Both are in the page and CSS shows one, so every word is
    reachable without JavaScript; the reading view is the default."""
    return Markup('<span class="v-dipl">{}</span><span class="v-read">{}</span>').format(diplomatic, reading)


@lru_cache(maxsize=4096)  # a name is mentioned again and again; its card is the same each time
def card(entity: Entity, root: str) -> Markup:
    """The card shown on hover or focus of a name: preferred name, dates, description, authority links."""
    kind = KIND_NAMES[entity.kind][0]
    parts = [Markup('<span class="card-name">{}</span>').format(entity.name)]
    if entity.birth or entity.death:
        parts.append(Markup('<span class="card-dates">{}–{}</span>').format(entity.birth or "?", entity.death or "?"))
    parts.append(Markup('<span class="card-kind">{}</span>').format(kind))
    if entity.note:
        parts.append(Markup('<span class="card-note">{}</span>').format(entity.note))
    links = [Markup('<a href="{}">{}</a>').format(url, label) for label, url in entity.links if safe_url(url)]
    links.append(Markup('<a href="{}">All mentions</a>').format(root + entity.href))
    parts.append(Markup('<span class="card-links">{}</span>').format(Markup(" · ").join(links)))
    return Markup('<span class="card">{}</span>').format(Markup("").join(parts))


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
    """Reading view: a visible, explained mark (⟨2 words illegible⟩). Diplomatic: the transcript's wording."""
    described = _gap_description(el)
    desc = _text(el.find(T + "desc"))
    written = (f"[{desc}]" if el.get("rend") == "brackets" else desc) if desc else "[…]"
    title = f"Gap in the text: {described}." + (f" The transcript reads “{written}”." if desc else "")
    mark = Markup('<span class="gap-mark">⟨{}⟩</span>').format(described)
    return Markup('<span{}>{}</span>').format(
        _attrs(el, "gap", title=title, data_reason=el.get("reason")),
        views(Markup('<span class="gap-written">{}</span>').format(written), mark))


def _has_marker(el: etree._Element, function: str) -> bool:
    """The transcript's own marker (`<metamark function="sic">[sic]</metamark>`) follows the element."""
    following = el.getnext()
    return (following is not None and tei_name(following) == "metamark" and following.get("function") == function
            and not (el.tail or "").strip())


def rule_sic(ctx: Context, el: etree._Element) -> Markup:
    """The word as written; the reading view adds [sic] unless the transcript's own marker follows."""
    word = Markup('<span class="sic-text">{}</span>').format(ctx.apply(el))
    if _has_marker(el, "sic"):  # the marker renders itself, as the transcript wrote it, in both views
        return Markup('<span{}>{}</span>').format(_attrs(el, "sic"), word)
    mark = Markup('\u00a0<span class="sic-mark" title="so in the original">[sic]</span>')
    return Markup('<span{}>{}{}</span>').format(_attrs(el, "sic"), word, views(Markup(""), mark))


_MARKER_TITLES = {"sic": "so in the original", "unclear": "reading uncertain", "query": "proposed reading"}


def rule_metamark(ctx: Context, el: etree._Element) -> Markup:
    function = el.get("function", "")
    return Markup('<span class="{}" title="{}">{}</span>').format(
        "sic-mark" if function == "sic" else "metamark", _MARKER_TITLES.get(function, "editorial mark"),
        ctx.apply(el))


_WRITTEN = {"orig", "sic", "abbr"}
_EDITED = {"reg": "regularised form", "corr": "correction", "expan": "expansion"}
_AS_WRITTEN = {"reg": "as written", "corr": "the original reads", "expan": "abbreviated in the original"}


def rule_choice(ctx: Context, el: etree._Element) -> Markup:
    """Darien / Dalian: the form as written in the diplomatic view, the editor's form in the reading view."""
    children = [c for c in el if isinstance(c.tag, str)]
    written = [c for c in children if tei_name(c) in _WRITTEN]
    edited = [c for c in children if tei_name(c) in _EDITED]
    if len(written) != 1 or len(edited) != 1 or len(children) != 2:  # an unusual choice: show every part
        parts = [ctx.render(c) for c in written] + [ctx.render(c) for c in children if c not in written]
        return Markup("<span{}>").format(_attrs(el, "choice")) + Markup(" ").join(parts) + Markup("</span>")
    local = tei_name(edited[0])
    as_written = Markup('<span{}>{}</span>').format(_attrs(written[0], tei_name(written[0])), ctx.apply(written[0]))
    title = f"{_AS_WRITTEN[local]}: {_text(written[0])}"
    editors = Markup('<span{}>{}</span>').format(_attrs(edited[0], local, title=title), ctx.apply(edited[0]))
    return Markup("<span{}>{}</span>").format(_attrs(el, "choice"), views(as_written, editors))


def rule_edited(ctx: Context, el: etree._Element) -> Markup:
    local = tei_name(el)
    return Markup('<span{}>[{}]</span>').format(_attrs(el, local, title=_EDITED[local]), ctx.apply(el))


def rule_supplied(ctx: Context, el: etree._Element) -> Markup:
    reason = el.get("reason")
    title = "supplied by the editor" + (f" ({reason})" if reason else "")
    return Markup('<span{}>[<i>{}</i>]</span>').format(_attrs(el, "supplied", title=title), ctx.apply(el))


def rule_note(ctx: Context, el: etree._Element) -> Markup:
    """In the text: a numbered footnote in the reading view, the note in brackets where it stands in the
    diplomatic view. Elsewhere (header, abstract): the note where it stands."""
    kind = el.get("type")
    classes = "note" + (f" note-{kind}" if kind else "")
    block = any(tei_name(d) in _BLOCKS for d in el.iterdescendants())
    if not ctx.in_text:
        tag = "div" if block else "span"
        return Markup("<{0}{1}>{2}</{0}>").format(Markup(tag), _attrs(el, classes), ctx.apply(el))
    number = len(ctx.notes) + 1
    body = ctx.apply(el)  # rendered once (names in it are mentions with ids); the diplomatic view gets its text
    inner = body if block else Markup("<p>{}</p>").format(body)
    ctx.notes.append(Markup('<aside id="fn{0}" class="{1}" role="doc-footnote"><span class="fn-number">'
                            '<a href="#fnref{0}" role="doc-backlink" aria-label="Back to the text, note {0}">{0}'
                            '</a></span>{2}</aside>').format(number, classes, inner))
    ref = Markup('<sup class="noteref"><a id="fnref{0}" href="#fn{0}" role="doc-noteref" '
                 'aria-label="Note {0}">{0}</a></sup>').format(number)
    return views(Markup('<span class="{}">[{}]</span>').format(classes, _text(el)), ref)


_ENTITY_CLASS = {"persName": "person", "placeName": "place", "orgName": "org", "name": "name", "rs": "name"}


def rule_name(ctx: Context, el: etree._Element) -> Markup:
    """persName/placeName/orgName: marked per kind, linked to the entity's page, with a card on hover or focus."""
    local = tei_name(el)
    kind = _ENTITY_CLASS.get(local, "name")
    entity, href = ctx.entity_of(el)
    if entity is None:
        return ctx.link(href, lambda: ctx.apply(el), f"entity {kind}", el)
    kind = entity.kind if local in ("name", "rs") else kind
    if ctx.in_link:  # inside another link: no link and no card (it holds links)
        return Markup("<span{}>").format(_attrs(el, f"entity {kind}", title=entity.label)) + ctx.apply(el) \
            + Markup("</span>")
    anchor = None  # mentions in the text get an id, for the entity's page to link to
    if ctx.in_text:
        anchor = el.get(XML_ID) or f"m{len(ctx.mentions) + 1}"
        ctx.mentions.append(Mention(entity, anchor, el))
    name = ctx.link(ctx.root + entity.href, lambda: ctx.apply(el), "entity-name")
    attrs = _attrs(el, f"entity {kind}", id=None if el.get(XML_ID) else anchor)
    return Markup(f"<span{attrs}>{name}{card(entity, ctx.root)}</span>")


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


def template_rule(template: "jinja2.Template") -> Rule:
    """A rule made from a user's jinja2 template (`elements/<name>.html` in --templates DIR).

    The template sees `element` (the lxml element), `name` (its TEI name), `attrs` (its attributes, with
    `xml:id` and `xml:lang` under those names), `content` (its children rendered, already HTML) and
    `text` (its text content); what it writes replaces the element, its tail follows.
    """
    def rule(ctx: Context, el: etree._Element) -> Markup:
        attrs = {k.replace(f"{{{XML_NS}}}", "xml:"): v for k, v in el.attrib.items()}
        return Markup(template.render(element=el, name=tei_name(el), attrs=attrs, content=ctx.apply(el),
                                      text=_text(el)))
    return rule
