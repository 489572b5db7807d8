"""A small view of one TEI document's metadata, shared by every export format.

Each exporter (tei/export/*) maps this view to its format, so what the header
means is read in one place. It works on TEI this toolkit did not write: a part
the header lacks is empty (""), None or (), never an error.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from lxml import etree

from tei import TEI_NS, XML_NS
from tei.identifiers import SCHEMES, records
from tei.xmlread import parse_tei, tei_name

NS = {"t": TEI_NS}
XML_ID = f"{{{XML_NS}}}id"
_ISO_DATE = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")
_KINDS = {"person": "person", "personGrp": "person", "place": "place", "org": "org"}
_NAME_KIND = {"persName": "person", "placeName": "place", "orgName": "org"}


def text_of(el: etree._Element | None) -> str:
    """Text content with whitespace normalised; "" for None."""
    return " ".join("".join(el.itertext()).split()) if el is not None else ""


@dataclass(frozen=True)
class Named:
    """A person, place or organisation as the document names it, with its authority record if it has one."""
    name: str
    kind: str | None  # person | place | org; None when the document does not say
    id: str | None = None  # the xml:id of its record in the document (standOff, or the header)
    identifiers: tuple[tuple[str, str], ...] = ()  # (scheme key, value), e.g. ("wikidata", "Q855")
    birth: str = ""
    death: str = ""
    note: str = ""

    @property
    def uris(self) -> tuple[str, ...]:
        """Authority URIs (http://www.wikidata.org/entity/Q855, http://www.geonames.org/...), in scheme order."""
        return tuple(SCHEMES[key].uri.format(value) for key, value in self.identifiers)

    def uri(self, *schemes: str) -> str | None:
        """The first URI from one of these schemes (in the order given), or None."""
        for key in schemes:
            for have, value in self.identifiers:
                if have == key:
                    return SCHEMES[key].uri.format(value)
        return None


@dataclass(frozen=True)
class DocumentMetadata:
    path: Path
    stem: str
    title: str
    date: str | None  # ISO: YYYY, YYYY-MM or YYYY-MM-DD; None if the document has no such date
    date_text: str  # the date as written
    date_range: tuple[str | None, str | None]  # (notBefore, notAfter) when there is no exact date
    senders: tuple[Named, ...]
    addressees: tuple[Named, ...]
    place_sent: Named | None
    place_received: Named | None
    languages: tuple[str, ...]  # language codes (langUsage/language/@ident)
    language_names: tuple[str, ...]
    abstract: str
    classification: tuple[str, ...]  # subject keywords (keywords/term, classCode)
    security: tuple[str, ...]  # the original's security classification (keywords scheme="#classification")
    rights: str  # the availability statement
    licence: str | None  # availability/licence/@target
    publisher: str
    funders: tuple[str, ...]
    repository: str
    collection: str
    institution: str
    settlement: str
    record_ids: tuple[str, ...]
    source_url: str | None
    source_citation: str  # sourceDesc/bibl as text
    entities: tuple[Named, ...]  # every person, place and organisation with a record in the document
    mentions: dict[str, int] = field(default_factory=dict)  # entity id -> names pointing to it in the text

    @property
    def year(self) -> str | None:
        when = self.date or self.date_range[0] or self.date_range[1]
        return when[:4] if when else None

    def entities_of(self, kind: str) -> tuple[Named, ...]:
        return tuple(e for e in self.entities if e.kind == kind)


def _iso(value: str | None) -> str | None:
    return value if value and _ISO_DATE.fullmatch(value) else None


def _record(el: etree._Element) -> Named:
    kind = _KINDS[tei_name(el)]
    names = [c for c in el if tei_name(c) in ("persName", "placeName", "orgName", "name")]
    preferred = next((n for n in names if n.get("type") in ("preferred", "main", "reg")), names[0] if names else None)
    if preferred is not None and len(preferred):
        name = " ".join(t.strip() for t in preferred.itertext() if t.strip())  # forename and surname apart
    else:
        name = text_of(preferred)
    identifiers = tuple((scheme.key, value) for scheme, value in
                        records((i.get("type"), text_of(i)) for i in el.findall("t:idno", NS)))

    def year(tag: str) -> str:
        found = el.find(f"t:{tag}", NS)
        if found is None:
            return ""
        return found.get("when") or found.get("notBefore") or text_of(found)

    return Named(name or el.get(XML_ID, ""), kind, el.get(XML_ID), identifiers, year("birth"), year("death"),
                 text_of(el.find("t:note", NS)))


def _named(el: etree._Element, records_by_id: dict[str, Named]) -> Named:
    """A name in the header (correspAction): its record if @ref points to one, else just the name."""
    for ref in (el.get("ref") or el.get("key") or "").split():
        record = records_by_id.get(ref.rsplit("#", 1)[-1])
        if record is not None:
            return Named(text_of(el), record.kind, record.id, record.identifiers, record.birth, record.death,
                         record.note)
        for scheme in SCHEMES.values():  # @ref straight to an authority URI
            prefix = scheme.uri.split("{}")[0].split("://", 1)[1]
            if prefix in ref:
                value = scheme.value_in(ref.split(prefix, 1)[1])
                if value:
                    return Named(text_of(el), _NAME_KIND.get(tei_name(el)), None, ((scheme.key, value),))
    return Named(text_of(el), _NAME_KIND.get(tei_name(el)))


def read_metadata(path: Path, tree: etree._ElementTree | None = None) -> DocumentMetadata:
    """The metadata of one TEI file (an InputError if it cannot be read as TEI)."""
    tree = tree if tree is not None else parse_tei(path)
    root = tree.getroot()
    header = root.find("t:teiHeader", NS)
    if header is None:
        header = etree.Element(f"{{{TEI_NS}}}teiHeader")

    def find(xpath: str) -> etree._Element | None:
        return header.find(xpath, NS)

    def texts(xpath: str) -> tuple[str, ...]:
        return tuple(t for t in (text_of(e) for e in header.findall(xpath, NS)) if t)

    entities = tuple(_record(el) for el in root.iter(*(f"{{{TEI_NS}}}{k}" for k in _KINDS)) if el.get(XML_ID))
    by_id = {e.id: e for e in entities}

    sent = "t:profileDesc/t:correspDesc/t:correspAction[@type='sent']"
    received = "t:profileDesc/t:correspDesc/t:correspAction[@type='received']"
    names = ("persName", "orgName", "name", "rs")
    senders = tuple(_named(el, by_id) for action in header.findall(sent, NS) for el in action if tei_name(el) in names)
    addressees = tuple(_named(el, by_id) for action in header.findall(received, NS) for el in action
                       if tei_name(el) in names)
    place_sent, place_received = find(f"{sent}/t:placeName"), find(f"{received}/t:placeName")

    date_el = find(f"{sent}/t:date")
    if date_el is None:
        date_el = find("t:profileDesc/t:creation/t:date")
    date = _iso(date_el.get("when")) if date_el is not None else None
    date_range = ((_iso(date_el.get("notBefore") or date_el.get("from")),
                   _iso(date_el.get("notAfter") or date_el.get("to"))) if date_el is not None and not date
                  else (None, None))

    languages = header.findall("t:profileDesc/t:langUsage/t:language", NS)
    licence = find("t:fileDesc/t:publicationStmt/t:availability/t:licence")
    ms = "t:fileDesc/t:sourceDesc/t:msDesc/t:msIdentifier"
    idnos = header.findall("t:fileDesc/t:publicationStmt/t:idno", NS) + header.findall(f"{ms}/t:idno", NS)
    urls = [text_of(i) for i in idnos if (i.get("type") or "").lower() in ("url", "uri")]
    record_ids = tuple(dict.fromkeys(text_of(i) for i in idnos
                                     if (i.get("type") or "").lower() not in ("url", "uri") and text_of(i)))
    pointer = find("t:fileDesc/t:sourceDesc/t:bibl/t:ptr")
    title = find("t:fileDesc/t:titleStmt/t:title[@type='main']")
    if title is None:
        title = find("t:fileDesc/t:titleStmt/t:title")

    mentions: Counter[str] = Counter()
    text = root.find("t:text", NS)
    if text is not None:
        for el in text.iter(*(f"{{{TEI_NS}}}{n}" for n in ("persName", "placeName", "orgName", "name", "rs"))):
            for ref in (el.get("ref") or "").split():
                if ref.rsplit("#", 1)[-1] in by_id:
                    mentions[ref.rsplit("#", 1)[-1]] += 1
                    break

    return DocumentMetadata(
        path=Path(path), stem=Path(path).stem, title=text_of(title) or Path(path).stem,
        date=date, date_text=text_of(date_el) if date_el is not None else "", date_range=date_range,
        senders=senders, addressees=addressees,
        place_sent=_named(place_sent, by_id) if place_sent is not None else None,
        place_received=_named(place_received, by_id) if place_received is not None else None,
        languages=tuple(lang.get("ident") for lang in languages if lang.get("ident")),
        language_names=tuple(text_of(lang) for lang in languages if text_of(lang)),
        abstract=text_of(find("t:profileDesc/t:abstract")),
        classification=tuple(t for t in (text_of(e) for e in header.xpath(
            "t:profileDesc/t:textClass/t:keywords[not(@scheme='#classification')]/t:term", namespaces=NS)) if t)
        + texts("t:profileDesc/t:textClass/t:classCode"),
        security=texts("t:profileDesc/t:textClass/t:keywords[@scheme='#classification']/t:term"),
        rights=text_of(find("t:fileDesc/t:publicationStmt/t:availability")),
        licence=licence.get("target") if licence is not None and licence.get("target") else None,
        publisher=text_of(find("t:fileDesc/t:publicationStmt/t:publisher")),
        funders=texts("t:fileDesc/t:titleStmt/t:funder"),
        repository=text_of(find(f"{ms}/t:repository")), collection=text_of(find(f"{ms}/t:collection")),
        institution=text_of(find(f"{ms}/t:institution")), settlement=text_of(find(f"{ms}/t:settlement")),
        record_ids=record_ids,
        source_url=urls[0] if urls else (pointer.get("target") if pointer is not None else None) or None,
        source_citation=text_of(find("t:fileDesc/t:sourceDesc/t:bibl")),
        entities=entities, mentions=dict(sorted(mentions.items())))
