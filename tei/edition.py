"""TEI files --> a static reading edition.

What it writes into the output folder (every page works from file://, a USB
stick or any web server; nothing needs a server):
- `<stem>.html` per document: metadata, the text in two views, notes, citation;
- `index.html`: every document, sortable and filterable, with offline search
  (`search-index.js`);
- `people.html`, `places.html`, `organisations.html` and `entity/<id>.html`:
  the entities and every passage that mentions them;
- `tei/<stem>.xml`: the TEI itself, to download;
- `edition.css`, `edition.js`.

Header parts that are missing leave their field out, so TEI from elsewhere
renders too. The same inputs always give the same bytes.
"""

from __future__ import annotations

import tempfile
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, Mapping, Sequence
from urllib.parse import quote

import jinja2
from lxml import etree
from markupsafe import Markup, escape

from tei.citation import Cited, bibtex, csl_json, reference
from tei.errors import InputError
from tei.files import (decode_text, name_clash, not_regular, output_folder, read_input, remove, remove_leftovers,
                       write_atomic, write_if_changed)
from tei.render import (_BLOCKS, _EDITED, _HTML_DATETIME, _WRITTEN, KIND_NAMES, NS, RULES, XML_LANG, T, Context,
                        Entity, Mention, Rule, _gap_description, _text, card, collect_entities, template_rule)
from tei.resources import templates_dir
from tei.search import search_index, terms
from tei.sitedata import Passage, SiteData
from tei.xmlread import parse_tei, tei_name, too_large

SITE_TITLE = "Reading edition"
STATIC = ("edition.css", "edition.js")  # copied from the templates folder
PAGER_SLOT = "<!--tei-pager-slot-->"


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
    notes: list[Markup] = field(default_factory=list)
    mentions: list[Mention] = field(default_factory=list)
    involved: dict[str, list[str]] = field(default_factory=dict)  # kind -> ids of entities named, sorted
    search_text: str = ""
    entities: Mapping[str, Entity] = field(default_factory=dict)  # the document's own entity records
    cited: Cited | None = None
    tei_href: str = ""
    prev: "Page | None" = None
    next: "Page | None" = None

    @property
    def sort_key(self) -> tuple:
        return (self.date_when is None, self.date_when or "", self.title.casefold(), self.stem)

    @property
    def year(self) -> str:
        return self.date_when[:4] if self.date_when and self.date_when[:4].isdigit() else ""

    @property
    def reference(self) -> str:
        return reference(self.cited) if self.cited else ""

    @property
    def bibtex(self) -> str:
        return bibtex(self.cited) if self.cited else ""

    @property
    def csl_json(self) -> str:
        return csl_json(self.cited) if self.cited else ""


    def listing(self) -> "Listing":
        """What the shared pages need of this document: no text, so a big edition's listings stay small."""
        passages: list[tuple[str, str, str, str, str]] = []
        shown: dict[str, int] = defaultdict(int)
        walks: dict = {}
        for mention in self.mentions:
            shown[mention.entity.id] += 1
            if shown[mention.entity.id] <= PASSAGES_PER_DOCUMENT:
                passages.append((mention.entity.id, mention.anchor, *passage(mention.element, walks=walks)))
        return Listing(stem=self.stem, href=self.href, lang=self.lang, title=self.title, date_when=self.date_when,
                       date_html=self.date_html, senders=self.senders, addressees=self.addressees,
                       summary=self.summary, text_lang=self.text_lang, involved=self.involved,
                       entities=dict(self.entities), passages=passages,
                       mention_counts=dict(sorted(shown.items())), terms=sorted(terms(self.search_text)))


PASSAGES_PER_DOCUMENT = 5  # passages an entity's page quotes from one document; the count says how many more


@dataclass
class Listing:
    """A document as the index, the entity pages and the search see it. Small and picklable: a build keeps
    listings between runs, and a big edition never holds its documents' texts at once."""
    stem: str
    href: str
    lang: str
    title: str
    date_when: str | None
    date_html: Markup | None
    senders: list[Markup]
    addressees: list[Markup]
    summary: Markup | None
    text_lang: str | None
    involved: dict[str, list[str]]
    entities: dict[str, Entity]
    passages: list[tuple[str, str, str, str, str]]  # (entity id, anchor, before, name, after)
    mention_counts: dict[str, int]  # entity id -> names in the text pointing to it
    terms: list[str]  # the search index's terms

    sort_key = Page.sort_key
    year = Page.year


def _first(root: etree._Element, *paths: str) -> etree._Element | None:
    for path in paths:
        found = root.find(path, NS)
        if found is not None:
            return found
    return None


def read_page(tree: etree._ElementTree, stem: str, rules: Mapping[str, Rule], base_url: str = "",
              site_title: str = SITE_TITLE) -> Page:
    root = tree.getroot()
    if tei_name(root) == "teiCorpus":
        header = root.find("t:teiHeader", NS)
        docs = root.findall("t:TEI", NS)
    else:
        header, docs = root.find("t:teiHeader", NS), [root]
    if header is None:
        header = etree.Element(T + "teiHeader")
    ctx = Context(rules, collect_entities(root))

    def show(el: etree._Element) -> Markup:
        return ctx.apply(el)

    title_el = _first(header, "t:fileDesc/t:titleStmt/t:title[@type='main']", "t:fileDesc/t:titleStmt/t:title")
    title = _text(title_el) or stem

    date_el = _first(header, "t:profileDesc/t:creation/t:date",
                     "t:profileDesc/t:correspDesc/t:correspAction[@type='sent']/t:date",
                     "t:fileDesc/t:sourceDesc/t:bibl/t:date")
    date_when, date_html, date_text = None, None, ""
    if date_el is not None:
        date_when = date_el.get("when") or date_el.get("notBefore") or date_el.get("from")
        date_text = _text(date_el) or date_when or ""
        if date_text:
            if date_when and _HTML_DATETIME.match(date_when):
                date_html = Markup('<time datetime="{}">{}</time>').format(date_when, date_text)
            else:
                date_html = Markup("{}").format(date_text)

    def correspondents(action_type: str) -> list[etree._Element]:
        return [el for action in header.iterfind(
                    f"t:profileDesc/t:correspDesc/t:correspAction[@type='{action_type}']", NS)
                for el in action if tei_name(el) in ("persName", "orgName", "name", "rs")]

    senders, addressees = correspondents("sent"), correspondents("received")
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

    texts = [t for t in (d.find("t:text", NS) for d in docs) if t is not None]
    text = Markup("\n").join(ctx.text(t) for t in texts)

    involved: dict[str, set[str]] = defaultdict(set)
    for el in senders + addressees + ([place_el] if place_el is not None else []):
        entity, _ = ctx.entity_of(el)
        if entity is not None:
            involved[entity.kind].add(entity.id)
    for mention in ctx.mentions:
        involved[mention.entity.kind].add(mention.entity.id)

    lang = root.get(XML_LANG) or (docs[0].get(XML_LANG) if docs else None) or "en"
    text_lang = texts[0].get(XML_LANG) if texts else None
    href = quote(stem) + ".html"
    pointer = header.find(f"{fd}/t:sourceDesc/t:bibl/t:ptr", NS)
    source_url = next((_text(u) for u in urls), "") or (pointer.get("target", "") if pointer is not None else "")
    cited = Cited(key=stem, title=title, date_when=date_when, date_text=date_text,
                  authors=tuple(_text(e) for e in senders), recipients=tuple(_text(e) for e in addressees),
                  archive=_text(archive[0]) if archive else "",
                  collection=_text(header.find(f"{ms}/t:collection", NS)),
                  record_id=_text(next(iter(by_value.values()), None)), source_url=source_url,
                  edition=site_title, url=(base_url.rstrip("/") + "/" + href) if base_url else href)
    # Words of both views: elements are joined with a space, so <orig>Darien</orig><reg>Dalian</reg> gives both.
    search_text = " ".join([title, date_text, _text(abstract)] + [" ".join(t.itertext()) for t in texts])
    return Page(stem=stem, href=href, lang=lang, title=title, date_when=date_when, date_html=date_html,
                senders=[ctx.render(e) for e in senders], addressees=[ctx.render(e) for e in addressees],
                place=ctx.render(place_el) if place_el is not None else None, metadata=metadata,
                summary=summary, text=text, text_lang=text_lang if text_lang != lang else None,
                notes=ctx.notes, mentions=ctx.mentions, involved={k: sorted(v) for k, v in involved.items()},
                search_text=search_text, entities=ctx.entities, cited=cited, tei_href=f"tei/{quote(stem)}.xml")


# ---------------------------------------------------------------------------
# Entities across the edition


_PASSAGE = {"p", "ab", "head", "l", "item", "seg", "dateline", "signed", "salute", "note", "q", "quote", "cell"}


def _skipped_in_reading(el: etree._Element) -> bool:
    """What the reading view does not show in the run of the text: the written form of a choice that has
    an editor's form, and notes (footnotes there)."""
    name = tei_name(el)
    if name == "note":
        return True
    parent = el.getparent()
    return (name in _WRITTEN and parent is not None and tei_name(parent) == "choice"
            and any(tei_name(c) in _EDITED for c in parent))


def _squeeze(text: str) -> str:
    """Runs of white space as one space, keeping one at either end if there was any."""
    inner = " ".join(text.split())
    if not inner:
        return " " if text else ""
    return (" " if text[0].isspace() else "") + inner + (" " if text[-1].isspace() else "")


def passage(mention: etree._Element, width: int = 80, walks: dict | None = None) -> tuple[str, str, str]:
    """(before, the name, after): the words around a mention within its paragraph (or line, or cell),
    as the reading view shows them. `walks`: a dict kept across the mentions of one document, so that
    a paragraph naming thirty people is walked once, not thirty times."""
    block = next((a for a in mention.iterancestors() if tei_name(a) in _PASSAGE), mention.getparent())
    walks = {} if walks is None else walks
    if block not in walks:
        walks[block] = _reading_text(block)
    text, marks = walks[block]
    start, end = marks[mention]
    left, name, right = (_squeeze(part) for part in (text[:start], text[start:end], text[end:]))
    left, right = left.lstrip(), right.rstrip()
    if len(left) > width:
        left = "…" + left[-width:].split(" ", 1)[-1]
    if len(right) > width:
        right = right[:width].rsplit(" ", 1)[0] + "…"
    return left, name.strip(), right


def _reading_text(block: etree._Element) -> tuple[str, dict[etree._Element, list[int]]]:
    """The block's words as the reading view shows them, and where in them each element's words begin and
    end (an element's tail is after its end)."""
    pieces: list[str] = []
    marks: dict[etree._Element, list[int]] = {}
    length = skipping = 0
    for event, el in etree.iterwalk(block, events=("start", "end")):
        if event == "start":
            marks[el] = [length, length]
            if skipping or _skipped_in_reading(el):
                skipping += 1
                continue
            if tei_name(el) == "gap":
                piece = f"⟨{_gap_description(el)}⟩"
                skipping += 1  # its <desc> is the transcript's wording, not the reading view's
            elif isinstance(el.tag, str):
                piece = el.text or ""
            else:
                continue
        else:
            if skipping:
                skipping -= 1
            marks[el][1] = length
            if el is block or skipping:
                continue
            piece = el.tail or ""
        pieces.append(piece)
        length += len(piece)
    return "".join(pieces), marks


@dataclass
class EntityEntry:
    entity: Entity
    pages: Sequence[Listing]  # the documents naming it, in edition order (read lazily: see tei.sitedata.Pages)
    passages: Mapping[str, list[Passage]] = field(default_factory=dict)  # page stem -> passages quoted
    more: Mapping[str, int] = field(default_factory=dict)  # page stem -> mentions not quoted

    @property
    def href(self) -> str:
        return self.entity.href

    @property
    def sort_key(self) -> tuple:
        return (self.entity.name.casefold(), self.entity.id)


def richer(a: Entity, b: Entity) -> Entity:
    """The same id in two documents: keep the entry that says more (more identifiers, then dates)."""
    return b if (len(b.idnos), bool(b.birth or b.death), bool(b.note)) > (len(a.idnos), bool(a.birth or a.death),
                                                                           bool(a.note)) else a


# ---------------------------------------------------------------------------
# The edition


class Renderer:
    """Compiled templates and a rule table, reusable across many documents.

    `templates`: a folder whose files override the package's: page templates (`document.html`,
    `index.html`, `entities.html`, `entity.html`, `base.html`), `edition.css`, `edition.js`, and
    `elements/<TEI name>.html`, one per TEI element whose rendering it replaces (see
    tei.render.template_rule).
    """

    def __init__(self, rules: Mapping[str, Rule] | None = None, templates: Path | None = None,
                 base_url: str = "", site_title: str = SITE_TITLE):
        self.rules: dict[str, Rule] = dict(RULES if rules is None else rules)
        self.templates_dir = Path(templates) if templates is not None else None
        loaders: list[jinja2.BaseLoader] = []
        if self.templates_dir is not None:
            if not self.templates_dir.is_dir():
                raise InputError(self.templates_dir, "no such folder of templates")
            for file in sorted(self.templates_dir.rglob("*")):  # jinja would open a FIFO there, and wait
                refused = None if file.is_dir() else not_regular(file, "a template")
                if refused:
                    raise refused
            loaders.append(jinja2.FileSystemLoader(str(self.templates_dir)))
        loaders.append(jinja2.FileSystemLoader(str(templates_dir())))
        self.env = jinja2.Environment(loader=jinja2.ChoiceLoader(loaders), autoescape=True,
                                      keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                                      undefined=jinja2.StrictUndefined)
        self.env.globals.update(site_title=site_title, kinds=KIND_NAMES, card=card)
        self.base_url = base_url
        self.site_title = site_title
        if self.templates_dir is not None and (self.templates_dir / "elements").is_dir():
            for template in sorted((self.templates_dir / "elements").glob("*.html")):
                try:
                    compiled = self.env.from_string(
                        decode_text(template, read_input(template, "a template"), "a template", "render again"))
                except jinja2.TemplateSyntaxError as exc:
                    raise InputError(template, f"is not a usable template: {exc}") from None
                self.rules[template.stem] = template_rule(compiled)

    def static(self, name: str) -> bytes:
        for folder in (self.templates_dir, templates_dir()):
            if folder is not None and (folder / name).is_file():
                return (folder / name).read_bytes()
        raise FileNotFoundError(name)

    def page(self, path: Path) -> Page:
        try:
            return read_page(parse_tei(path), path.stem, self.rules, self.base_url, self.site_title)
        except MemoryError:  # too large for this process: that file's error, and the others still render
            raise too_large(path) from None

    def _render(self, template: str, **values) -> bytes:
        return self.env.get_template(template).render(**values).encode("utf-8")

    def _stream(self, template: str, **values) -> Iterator[bytes]:
        """A page that grows with the edition, in chunks of about 64 KB."""
        pending: list[str] = []
        size = 0
        for piece in self.env.get_template(template).generate(**values):
            pending.append(piece)
            size += len(piece)
            if size > 65536:
                yield "".join(pending).encode("utf-8")
                pending, size = [], 0
        yield "".join(pending).encode("utf-8")

    def render_document(self, page: Page, pager: Markup | None = None) -> bytes:
        if pager is None:
            pager = Markup(self.env.get_template("pager.html").render(page=page))
        return self._render("document.html", page=page, root="", pager=pager)

    def draft_document(self, page: Page) -> bytes:
        """The page with a slot where the previous/next links go: they are known only once every document
        has been read, and filling the slot is much cheaper than rendering the text again."""
        return self.render_document(page, Markup(PAGER_SLOT))

    def finish_document(self, draft: bytes, previous: Listing | None, following: Listing | None) -> bytes | None:
        """The draft with its previous/next links; None if it has no slot (a user's document.html)."""
        slot = PAGER_SLOT.encode("utf-8")
        if draft.count(slot) != 1:
            return None
        links = self.env.get_template("pager.html").render(page={"prev": previous, "next": following})
        return draft.replace(slot, links.encode("utf-8"))

    def render_index(self, pages: Sequence[Listing], entries: Mapping[str, EntityEntry] | None = None
                     ) -> Iterator[bytes]:
        entries = entries or {}
        facets = {kind: sorted((e for e in entries.values() if e.entity.kind == kind), key=lambda e: e.sort_key)
                  for kind in KIND_NAMES}
        years = sorted({p.year for p in pages if p.year})
        return self._stream("index.html", pages=pages, facets=facets, years=years, root="")

    def render_entities(self, kind: str, entries: Sequence[EntityEntry]) -> bytes:
        return self._render("entities.html", kind=kind, entries=entries, root="")

    def render_entity(self, entry: EntityEntry) -> Iterator[bytes]:
        return self._stream("entity.html", entry=entry, root="../")


_RESERVED = {"index", "people", "places", "organisations", "search-index", "edition"}


def page_name_problem(path: Path, taken: Mapping[str, Path]) -> InputError | None:
    """Why a TEI file cannot have its page in the edition (a name the edition uses, or a clash), if it cannot."""
    if path.stem.casefold() in _RESERVED:
        return InputError(path, f"its page would be {path.stem}.html, which is one of the edition's own pages; "
                                "rename the file")
    return name_clash(path, taken, f"{path.stem}.html")


@dataclass(frozen=True)
class Link:
    """A neighbouring document, as its previous/next link shows it."""
    href: str
    title: str


def write_document(renderer: Renderer, path: Path, previous: Link | None, following: Link | None,
                   out_dir: Path, draft: bytes | None = None) -> None:
    """A document's page (from its draft if there is one) and its TEI to download (an InputError if the file
    can no longer be read)."""
    html = renderer.finish_document(draft, previous, following) if draft is not None else None
    if html is None:
        page = renderer.page(path)
        page.prev, page.next = previous, following
        html = renderer.render_document(page)
    write_atomic(out_dir / f"{path.stem}.html", html)
    write_atomic(out_dir / "tei" / f"{path.stem}.xml", read_input(path, "a TEI file"))


def neighbours(data: SiteData) -> Iterator[tuple[str, Link | None, Link | None]]:
    """(stem, previous, next) of every document, in edition order (after data.number())."""
    previous = current = None
    for stem, href, title in data.sequence():
        if current is not None:
            yield current[0], previous, Link(href, title)
            previous = Link(current[1], current[2])
        current = (stem, href, title)
    if current is not None:
        yield current[0], previous, None


def write_site(renderer: Renderer, data: SiteData, out_dir: Path, map_entities=None,
               entities_changed: set[str] | None = None) -> None:
    """The pages made from every document: index, search index, entity lists and pages, and the static files,
    from the listings in `data` (numbered). A page whose bytes are unchanged is not rewritten.
    `map_entities(named)`: writes the page of each (entity, number of documents naming it), as
    write_entity_pages does; a build passes one that spreads them over its workers.
    `entities_changed`: the only entities whose pages may have changed since they were written (those the
    changed documents name, before and after), when the caller knows it; the other pages are left alone."""
    entities = data.merged_entities()
    entries = {ident: EntityEntry(entities[ident], data.naming(ident, count))
               for ident, count in data.document_counts()}
    write_if_changed(out_dir / "index.html", renderer.render_index(data.pages(), entries))
    write_if_changed(out_dir / "search-index.js",
                     search_index((href for _, href, _ in data.sequence()), data.postings()))
    for kind, (_, _, file) in KIND_NAMES.items():
        listed = sorted((e for e in entries.values() if e.entity.kind == kind), key=lambda e: e.sort_key)
        write_if_changed(out_dir / f"{file}.html", renderer.render_entities(kind, listed))
    named = [(entry.entity, len(entry.pages)) for ident, entry in entries.items()
             if entities_changed is None or ident in entities_changed]
    if map_entities is None:
        write_entity_pages(renderer, data, out_dir, named)
    else:
        map_entities(named)
    kept = {entry.entity.file_name for entry in entries.values()}
    if (out_dir / "entity").is_dir():  # entities no document names any more
        for page in (out_dir / "entity").glob("*.html"):
            if page.name not in kept:
                remove(page)
    for name in STATIC:
        write_if_changed(out_dir / name, renderer.static(name))


def site_files(out_dir: Path) -> list[Path]:
    """The files write_site writes (that are there now)."""
    names = ["index.html", "search-index.js", *(f"{file}.html" for _, _, file in KIND_NAMES.values()), *STATIC]
    return [out_dir / name for name in names if (out_dir / name).is_file()] + sorted((out_dir / "entity").glob("*.html"))


def write_entity_pages(renderer: Renderer, data: SiteData, out_dir: Path, batch: Sequence[tuple[Entity, int]]) -> None:
    """The page of each (entity, number of documents naming it): every document, with passages quoted."""
    for entity, count in batch:
        more = {stem: count - PASSAGES_PER_DOCUMENT for stem, count in data.mention_counts(entity.id).items()
                if count > PASSAGES_PER_DOCUMENT}
        entry = EntityEntry(entity, data.naming(entity.id, count), data.passages(entity.id), more)
        write_if_changed(out_dir / "entity" / entity.file_name, renderer.render_entity(entry))


def render_edition(paths: Sequence[Path], out_dir: Path, *, renderer: Renderer | None = None) -> list[InputError]:
    """Write the edition of these TEI files into out_dir (see the module's docstring).

    Two passes, so that no more than one document's text is held at a time: the listings first (into
    an SQLite file, see tei.sitedata; they give the order, hence each page's previous and next), then
    each document's page. A file that cannot be read as TEI is returned as an InputError and skipped;
    the others still render. The same inputs always give the same bytes.
    """
    renderer = renderer or Renderer()
    errors: list[InputError] = []
    taken: dict[str, Path] = {}
    out_dir = Path(out_dir)
    output_folder(out_dir)
    for folder in (out_dir, out_dir / "tei", out_dir / "entity"):  # what a killed render left where it writes
        remove_leftovers(folder)
    with tempfile.TemporaryDirectory(prefix="tei-render-") as work, SiteData(Path(work) / "site.sqlite") as data:
        drafts = Path(work)  # the pages between the two passes
        with data.db:
            for path in map(Path, paths):
                problem = page_name_problem(path, taken)
                if problem is not None:
                    errors.append(problem)
                    continue
                try:
                    page = renderer.page(path)
                    draft = renderer.draft_document(page)
                except InputError as exc:
                    errors.append(exc)
                    continue
                except MemoryError:  # read, but its page too large to make: that file's error, the others go on
                    page = draft = None
                    errors.append(too_large(path))
                    continue
                (drafts / f"{path.stem}.html").write_bytes(draft)
                taken[path.stem.casefold()] = path
                data.put(page.listing())
            data.number()
        for stem, previous, following in neighbours(data):
            try:
                write_document(renderer, taken[stem.casefold()], previous, following, out_dir,
                               (drafts / f"{stem}.html").read_bytes())
            except InputError as exc:  # gone or changed since it was read
                errors.append(exc)
            except MemoryError:
                errors.append(too_large(taken[stem.casefold()]))
        write_site(renderer, data, out_dir)
    return errors
