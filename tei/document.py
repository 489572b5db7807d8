"""Transcript text -> TEI document: the one place where layout, passes, weaving and header meet."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from tei import TEI_NS, XML_NS
from tei.authority import Authority
from tei.brackets import bracket_spans, conventions, describe, load_conventions, quote_spans
from tei.dates import date_spans, parse_date
from tei.errors import ReviewItem
from tei.files import Lines
from tei.header import E, Correspondence, HeaderFacts, build_header, one_line, text_language
from tei.layout import Profile, detect, profiles, read_layout
from tei.candidates import candidate_spans, recogniser_tool, surnames, uses_spacy
from tei.names import RoleReader, gazetteer, name_spans
from tei.spans import RangeIndex
from tei.structure import Part, cable_rules, classify
from tei.weave import NAME_TAGS, is_word_mark, weave

OPENER_KINDS = ("classification", "precedence", "number", "address", "dateline", "received")
CLASSIFICATIONS = ("top secret", "secret", "confidential", "restricted", "unclassified")
DEFAULT_PUBLISHER = "Unpublished TEI edition"


@dataclass
class Converted:
    tree: etree._Element
    profile: Profile
    review: list[ReviewItem] = field(default_factory=list)

    @property
    def warnings(self) -> list[ReviewItem]:
        return [item for item in self.review if item.level == "warning"]

    def to_bytes(self) -> bytes:
        return serialize(self.tree)


def convert_text(text: str, path: Path | str, authority: Authority, layout: str | None = None,
                 publisher: str = DEFAULT_PUBLISHER, conventions_file: Path | None = None,
                 recogniser: str = "auto") -> Converted:
    """Convert one transcript's text. Raises InputError for a transcript that cannot be read as its layout.

    The editorial conventions are the profile's, or those of `conventions_file`; `recogniser` says how
    names the authority does not know are found (see tei.candidates)."""
    path = Path(path)
    profile = profiles()[layout] if layout else detect(text)
    conv = load_conventions(conventions_file) if conventions_file else conventions(profile.conventions)
    read = read_layout(text, path, profile)
    parts = classify(read.body, profile.heading)
    fields = {name: read.value(name) for name in read.fields if read.value(name)}

    date_text = one_line(fields["date"]) if fields.get("date") else None
    when = parse_date(date_text) if date_text else None
    if when is None:
        for part in parts:
            found = [s for s in date_spans(part.block.text) if not dict(s.attrs)["when"].startswith("--")] \
                if part.kind in ("head", "dateline") else None  # a date without its year dates no document
            if found:
                span = found[0]
                date_text, when = part.block.text[span.start:span.end], dict(span.attrs)["when"]
                break
    review: list[ReviewItem] = []
    used_rules: set[str] = set()
    roles = RoleReader(authority, when, [part.block.text for part in parts])
    titled_surnames = surnames([part.block.text for part in parts]) if recogniser != "none" else frozenset()

    def annotate(element: etree._Element, block_text: str, line: int, context: str) -> None:
        block_text = block_text.strip()
        lines = Lines(block_text)

        def line_of(offset: int) -> int:
            return line + lines.line(offset) - 1

        spans, decisions = bracket_spans(block_text, conv, context)
        found = gazetteer(authority).find(block_text)
        names = name_spans(block_text, authority, roles, found)
        known = [(f.start, f.end) for f in found] + [(s.start, s.end) for s in names]
        for f in found:
            holder, why = roles.holder(f.target) if f.is_role else ("", "")
            if holder is None:
                review.append(ReviewItem(str(path), line_of(f.start), block_text[f.start:f.end], "left unmarked", why))
        candidates = candidate_spans(block_text, known, recogniser, titled_surnames)
        spans += quote_spans(block_text, conv) + date_spans(block_text) + names + candidates
        woven, dropped_spans = weave(element, block_text, spans)
        for span in woven:
            if span.rule == "role" and roles.by_context(block_text[span.start:span.end]):
                review.append(ReviewItem(str(path), line_of(span.start), block_text[span.start:span.end],
                                         f"{span.tag} {dict(span.attrs)['ref']}",
                                         roles.holder(block_text[span.start:span.end])[1]))
            elif span.rule.startswith("candidate"):
                review.append(ReviewItem(str(path), line_of(span.start), block_text[span.start:span.end],
                                         f"{span.tag} candidate", f"not in the authority; found by the "
                                         f"{span.rule.split('-', 1)[1]} rule in: {_context(block_text, span)}"))
        # a mark the weaver widened to a whole name (`Port Arthur [Lüshun]`, `Chiang Kai-shek's [?]`) is
        # reviewed as woven
        choices = {s.end: s for s in woven if s.tag == "choice"}
        word_marks = RangeIndex.of((s.start, s.end, (order, s)) for order, s in enumerate(woven) if is_word_mark(s))
        for d in decisions:
            if d.decision.startswith("choice"):
                widened = choices.get(d.offset + len(d.source))
            else:  # the first in woven order
                widened = min(((order, s) for order, s in word_marks.overlapping(d.offset, d.offset + 1)
                               if s.rule == d.rule and s.start < d.offset < s.end), default=(0, None))[1]
            source, decision = (block_text[widened.start:d.offset + len(d.source)], describe(block_text, [widened])) \
                if widened else (d.source, d.decision)
            review.append(ReviewItem(str(path), line_of(d.offset), source, decision, d.why, d.level))
        for dropped in dropped_spans:
            if dropped.tag not in NAME_TAGS and dropped.tag not in ("date", "q"):
                review.append(ReviewItem(str(path), line_of(dropped.start), block_text[dropped.start:dropped.end],
                                         "kept as text", "overlaps another mark", "warning"))
        used_rules.update(s.rule for s in spans)

    div = E("div", type="document")
    opener = closer = None
    for part in parts:
        block = part.block
        if part.kind == "head":
            element = etree.SubElement(div, f"{{{TEI_NS}}}head")
        elif part.kind in OPENER_KINDS:
            if opener is None:
                opener = etree.SubElement(div, f"{{{TEI_NS}}}opener")
            tag = "dateline" if part.kind == "dateline" else "seg"
            element = etree.SubElement(opener, f"{{{TEI_NS}}}{tag}", {} if tag == "dateline" else {"type": part.kind})
        elif part.kind == "signed":
            if closer is None:
                closer = etree.SubElement(div, f"{{{TEI_NS}}}closer")
            element = etree.SubElement(closer, f"{{{TEI_NS}}}signed")
        else:
            element = etree.SubElement(div, f"{{{TEI_NS}}}p")
        annotate(element, block.text, block.line, part.kind)

    title = one_line(fields["title"]) if fields.get("title") else None
    if title is None:
        head = next((p for p in parts if p.kind == "head"), None)
        title = one_line(head.block.text) if head else _first_words(parts[0].block.text)
    classification = _classification(parts, fields)
    described = {m.name: m.description for m in conv.marks}
    if conv.quote:
        described["quotation"] = f"“{conv.quote[0]} … {conv.quote[1]}” as q around the quoted words"
    facts = HeaderFacts(
        fields=fields,
        source_name=path.name,
        profile=profile.name,
        digital_archive=profile.digital_archive,
        when=when,
        date_text=date_text,
        title=title,
        classification=classification,
        correspondence=_correspondence(parts, title, authority, roles),
        conventions=[(name, described[name]) for name in described if name in used_rules],
        omitted=[b.text for b in read.omitted],
        publisher=publisher,
        tools=(recogniser_tool(),) if uses_spacy(recogniser) else (),
    )
    header = build_header(facts)
    text_el = E("text", E("body", div))
    language = text_language(fields)
    root = E("TEI", header)
    if language:
        root.set(f"{{{XML_NS}}}lang", language)
    stand_off = _stand_off(authority, [header, text_el])
    if stand_off is not None:
        root.append(stand_off)
    root.append(text_el)
    return Converted(root, profile, review)


def _first_words(text: str, limit: int = 80) -> str:
    text = one_line(text)
    return text if len(text) <= limit else text[:limit].rsplit(" ", 1)[0] + " …"


def _classification(parts: list[Part], fields: dict[str, str]) -> str | None:
    line = next((p.block.text for p in parts if p.kind == "classification"), None) or fields.get("classification")
    if not line:
        return None
    level = one_line(line).rstrip(".")
    return level.title() if level.casefold() in CLASSIFICATIONS else level


def _context(text: str, span, width: int = 60) -> str:
    """The words around a span, on one line, for a reviewer."""
    before = one_line(text[max(0, span.start - width):span.start])
    after = one_line(text[span.end:span.end + width])
    return f"…{before} «{one_line(text[span.start:span.end])}» {after}…"


# An unnamed sender or addressee that is an institution, not a person (`the Embassy in China`).
_INSTITUTION = re.compile(r"\b(?:Embassy|Legation|Consulate|Department|Government|Ministry|Office|Mission|Commission|"
                          r"Committee|Council|Chiefs of Staff|Headquarters)\b")


def _resolve(text: str, authority: Authority, roles: RoleReader) -> tuple[str, str | None, str | None]:
    """A name as the header shows it, with its entity id and element: the authority's preferred name when the
    text names one entity (or names it in parentheses, as in `THE AMBASSADOR IN CHINA (HURLEY)`)."""
    text = one_line(text).strip(" .,:;[]")
    named = re.search(r"\(([^()]+)\)$", text)
    if named:
        inside = _resolve(named.group(1), authority, roles)
        if inside[1]:
            return inside
    for span in name_spans(text, authority, roles):
        rest = (text[:span.start] + text[span.end:]).strip(" .,")
        if not rest or rest.casefold() == "the":
            entity = authority.entities[dict(span.attrs)["ref"][1:]]
            return entity.name, entity.id, entity.tag
    return text, None, "orgName" if _INSTITUTION.search(text) else None


def _correspondence(parts: list[Part], title: str, authority: Authority, roles: RoleReader) -> Correspondence:
    rules = cable_rules()
    corr = Correspondence()
    address = next((p.block.text for p in parts if p.kind == "address"), None)
    match = rules.address.search(one_line(address)) if address else None
    match = match or rules.address.search(title) or rules.title_address.search(title)
    if match:
        corr.sender = _resolve(match.group("sender"), authority, roles)
        corr.addressees = [_resolve(a, authority, roles)
                           for a in rules.addressee_separator.split(match.group("addressees")) if a.strip(" .")]
    head = next((p.block.text for p in parts if p.kind == "head"), None)
    place = rules.heading_place.search(one_line(head)) if head else None
    dateline = next((p.block.text for p in parts if p.kind == "dateline"), None)
    if place:
        corr.place = _resolve(place.group("place"), authority, roles)
    elif dateline:
        corr.place = _resolve(dateline.split(",")[0], authority, roles)
    return corr


_LISTS = (("person", "listPerson", "persName"), ("place", "listPlace", "placeName"), ("org", "listOrg", "orgName"))


def _stand_off(authority: Authority, trees: list[etree._Element]) -> etree._Element | None:
    """One list of the entities the document mentions, nothing else."""
    refs = sorted({ref[1:] for tree in trees for ref in tree.xpath("//@ref") if ref.startswith("#")})
    mentioned = [authority.entities[r] for r in refs if r in authority.entities]
    lists = []
    for kind, list_tag, name_tag in _LISTS:
        entries = []
        for entity in (e for e in mentioned if e.kind == kind):
            entry = E(kind, E(name_tag, entity.name), xml__id=entity.id)
            if entity.birth:
                entry.append(E("birth", when=entity.birth))
            if entity.death:
                entry.append(E("death", when=entity.death))
            for id_type, value in entity.identifiers:
                entry.append(E("idno", value, type=id_type))
            if entity.description:
                entry.append(E("note", entity.description))
            entries.append(entry)
        if entries:
            lists.append(E(list_tag, *entries))
    return E("standOff", *lists) if lists else None


# Elements whose content is only other elements: these are indented, mixed content never is.
_STRUCTURAL = {
    "TEI", "teiHeader", "fileDesc", "titleStmt", "publicationStmt", "notesStmt", "sourceDesc", "msDesc",
    "msIdentifier", "encodingDesc", "appInfo", "application", "editorialDecl", "classDecl", "taxonomy",
    "profileDesc", "creation", "abstract", "correspDesc", "correspAction", "langUsage", "textClass", "keywords",
    "availability", "standOff", "listPerson", "listPlace", "listOrg", "person", "place", "org", "text", "body",
    "div", "opener", "closer",
}


def _indent(element: etree._Element, level: int = 0) -> None:
    if etree.QName(element).localname not in _STRUCTURAL or not len(element) or (element.text or "").strip():
        return
    if any((child.tail or "").strip() for child in element):
        return
    inner = "\n" + "  " * (level + 1)
    element.text = inner
    for child in element:
        _indent(child, level + 1)
        child.tail = inner
    element[-1].tail = "\n" + "  " * level


def serialize(root: etree._Element) -> bytes:
    """The same tree always gives the same bytes: fixed declaration, indentation and attribute order."""
    etree.cleanup_namespaces(root)
    _indent(root)
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + etree.tostring(root, encoding="UTF-8") + b"\n"
