"""The teiHeader, made from the fields a transcript has; nothing is invented.

Each field read by the layout profile has one place in the header; a field the
header has no place for goes to `notesStmt`, so no metadata is lost.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from lxml import etree

from tei import TEI_NS, XML_NS, __version__
from tei.dates import parse_date

# ISO 639-1 codes for the language names that archive pages write out.
LANGUAGES = {
    "english": "en", "russian": "ru", "chinese": "zh", "japanese": "ja", "korean": "ko", "french": "fr",
    "german": "de", "spanish": "es", "italian": "it", "polish": "pl", "czech": "cs", "hungarian": "hu",
    "romanian": "ro", "bulgarian": "bg", "serbian": "sr", "mongolian": "mn", "vietnamese": "vi",
    "portuguese": "pt", "arabic": "ar", "persian": "fa", "hebrew": "he", "german (gdr)": "de",
}
_URL = re.compile(r"<?(https?://[^\s>]+)>?")
_FUNDER = re.compile(r"(?i)support from\s+(?P<name>.+?)\.?$")
# Fields that have their own place in the header; any other goes to notesStmt.
MAPPED = {"title", "date", "citation", "source", "summary", "credits", "language", "rights", "classification",
          "record_id", "contents"}


def E(tag: str, *children, **attrs) -> etree._Element:
    """A TEI element: E('title', 'text', E('ptr', target=...), ...); xml__id gives xml:id."""
    names = {"xml__id": f"{{{XML_NS}}}id", "xml__lang": f"{{{XML_NS}}}lang"}
    element = etree.Element(f"{{{TEI_NS}}}{tag}", {names.get(k, k): v for k, v in attrs.items()},
                            nsmap={None: TEI_NS})
    last = None
    for child in children:
        if child is None:
            continue
        if isinstance(child, str):
            if last is None:
                element.text = (element.text or "") + child
            else:
                last.tail = (last.tail or "") + child
        else:
            element.append(child)
            last = child
    return element


def one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Correspondence:
    """Who sent the document to whom, from where, as the text states it."""

    sender: tuple[str, str | None, str | None] | None = None  # (name, entity id, element)
    addressees: list[tuple[str, str | None, str | None]] = field(default_factory=list)
    place: tuple[str, str | None, str | None] | None = None


@dataclass
class HeaderFacts:
    """What the header is made from: the layout's fields plus what the body told us."""

    fields: dict[str, str]
    source_name: str
    profile: str
    digital_archive: str | None
    when: str | None
    date_text: str | None
    title: str
    classification: str | None
    correspondence: Correspondence
    conventions: list[tuple[str, str]]  # (name, description) of the editorial conventions applied
    omitted: list[str]
    publisher: str
    tools: tuple[tuple[str, str, str], ...] = ()  # (ident, version, label) of other software that marked the text


def text_language(fields: dict[str, str]) -> str | None:
    """The language of the text we hold: the transcript's ('Transcript - English'), else the original's."""
    for name in ("contents", "language"):
        value = fields.get(name)
        if value:
            for word in re.split(r"[\s,;-]+", value.casefold()):
                if word in LANGUAGES:
                    return LANGUAGES[word]
    return None


def split_citation(text: str, digital_archive: str | None) -> tuple[str | None, str | None]:
    """(collection, repository) from a citation's tail: `..., W. A. Harriman Papers, Library of Congress.`"""
    text = _URL.sub("", text)
    text = re.sub(r'^\s*["“][^"”]*["”],?', "", text)  # the quoted title
    parts = [p.strip(" .") for p in re.split(r",\s+", one_line(text)) if p.strip(" .")]
    parts = [p for p in parts if not parse_date(p) and p != digital_archive and not re.fullmatch(r"\d{4}", p)]
    if not parts:
        return None, None
    return (parts[-2] if len(parts) > 1 else None), parts[-1]


def build_header(facts: HeaderFacts) -> etree._Element:
    f = facts.fields
    funder = None
    if f.get("credits"):
        match = _FUNDER.search(one_line(f["credits"]))
        funder = match.group("name") if match else one_line(f["credits"])

    title_stmt = E("titleStmt", E("title", facts.title), E("funder", funder) if funder else None)

    citation = f.get("citation") or f.get("source")
    url = _URL.search(citation).group(1) if citation and _URL.search(citation) else None
    availability = None
    if f.get("rights"):
        availability = E("availability", *[E("p", one_line(p)) for p in f["rights"].split("\n\n")])
    publication = E(
        "publicationStmt",
        E("publisher", facts.publisher),
        E("idno", f["record_id"].strip(), type="record") if f.get("record_id") else None,
        E("idno", url, type="URL") if url else None,
        availability,
    )
    notes = [E("note", one_line(value), type=name.replace("_", "-")) for name, value in sorted(f.items())
             if name not in MAPPED and value.strip()]
    notes_stmt = E("notesStmt", *notes) if notes else None

    source_parts = []
    if citation:
        source_parts.append(E("bibl", one_line(_URL.sub("", citation)), *([" ", E("ptr", target=url)] if url else [])))
        collection, repository = split_citation(citation, facts.digital_archive)
        if repository:
            source_parts.append(E("msDesc", E("msIdentifier",
                                              E("repository", repository),
                                              E("collection", collection) if collection else None,
                                              E("idno", f["record_id"].strip()) if f.get("record_id") else None)))
    else:
        source_parts.append(E("p", f"The plain-text transcript {facts.source_name}."))
    file_desc = E("fileDesc", title_stmt, publication, notes_stmt, E("sourceDesc", *source_parts))

    decl = [E("p", f"Converted by tei-transcripts {__version__} from the plain-text transcript "
                   f"{facts.source_name} (layout: {facts.profile}). The text of the transcript is kept in full; "
                   "whitespace within paragraphs is normalised.")]
    if facts.conventions:
        decl.append(E("p", "Editorial conventions of the transcript, as encoded: "
                      + "; ".join(f"{name}: {description}" for name, description in facts.conventions) + "."))
    if facts.omitted:
        decl.append(E("p", "Left out of the text as page furniture: "
                      + "; ".join(f"“{one_line(o)}”" for o in facts.omitted) + "."))
    encoding = E(
        "encodingDesc",
        E("appInfo", E("application", E("label", "tei-transcripts"), ident="tei-transcripts", version=__version__),
          *(E("application", E("label", label), ident=ident, version=version) for ident, version, label in facts.tools)),
        E("editorialDecl", *decl),
        E("classDecl", E("taxonomy", E("desc", "Security classification of the original document"),
                         xml__id="classification")) if facts.classification else None,
    )

    profile = E("profileDesc")
    if facts.when:
        profile.append(E("creation", E("date", facts.date_text or facts.when, when=facts.when)))
    if f.get("summary"):
        profile.append(E("abstract", *[E("p", one_line(p)) for p in f["summary"].split("\n\n")]))
    corr = _correspondence(facts)
    if corr is not None:
        profile.append(corr)
    language = text_language(f)
    if f.get("language") or language:
        written = one_line(f.get("language") or "")
        original = LANGUAGES.get(written.casefold())
        profile.append(E("langUsage", E("language", written or language, ident=original or language)))
    if facts.classification:
        profile.append(E("textClass", E("keywords", E("term", facts.classification), scheme="#classification")))
    header = E("teiHeader", file_desc, encoding)
    if len(profile):
        header.append(profile)
    return header


def _name(tag: str, name: tuple[str, ...]) -> etree._Element:
    """(text, entity id or None[, element]): the element is the entity's kind when the text says it."""
    text, ref, *kind = name
    tag = kind[0] if kind and kind[0] else tag
    return E(tag, text, ref=f"#{ref}") if ref else E(tag, text)


def _correspondence(facts: HeaderFacts) -> etree._Element | None:
    c = facts.correspondence
    sent = [_name(tag, name) for tag, name in (("persName", c.sender), ("placeName", c.place)) if name]
    if facts.when and sent:
        sent.append(E("date", facts.date_text or facts.when, when=facts.when))
    received = [_name("persName", a) for a in c.addressees]
    if not sent and not received:
        return None
    return E("correspDesc",
             E("correspAction", *sent, type="sent") if sent else None,
             E("correspAction", *received, type="received") if received else None)


__all__ = ["E", "HeaderFacts", "Correspondence", "build_header", "one_line", "XML_NS"]
