"""`tei export dc`: one Dublin Core record per document, `<stem>.xml`, in the oai_dc form an OAI-PMH data
provider serves (the metadata part of a GetRecord answer).

Each record describes the document as edited in TEI, in the fifteen elements' order:

- title; creator: the senders; subject: the document's keywords (textClass), then the people and
  organisations it has a record for, other than its senders;
- description: the abstract, and "Addressed to: ..." with the addressees (Dublin Core has no element for a
  recipient: a recipient did not make the document, so is neither its creator nor a contributor);
- publisher: the TEI header's publisher (else the collection's); contributor: the edition's creators and
  contributors (collection.toml), who made the TEI;
- date: the ISO date, or the interval notBefore/notAfter ("1945-07/1945-08"; ".." for an open end);
- type "Text", format "application/tei+xml";
- identifier: the document's page in the published edition (collection url + <stem>.html), and its record
  ids; source: the source citation and the archive's URL of the document;
- language: the langUsage codes; relation: the collection (its DOI, its url);
- coverage: the places: where it was sent from and to, then every place it has a record for;
- rights: the licence URL (the document's, else the collection's) and the availability statement.

An element the document has nothing for is left out: Dublin Core requires none. Each record is checked
against the OAI-PMH oai_dc schema (tei/export/schemas/oai_dc.xsd with the DCMI simple DC schema it
imports, local copies: no network) before any is written; the folder is then replaced whole.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from urllib.parse import quote

from lxml import etree

from tei.collection import Collection
from tei.export import ExportInvalid, ExportJob, Problem
from tei.export.datacite import TEI_MEDIA_TYPE, doi
from tei.files import staged_folder, unique_names
from tei.metadata import DocumentMetadata

OAI_DC = "http://www.openarchives.org/OAI/2.0/oai_dc/"
DC = "http://purl.org/dc/elements/1.1/"
XSI = "http://www.w3.org/2001/XMLSchema-instance"
SCHEMA_LOCATION = f"{OAI_DC} http://www.openarchives.org/OAI/2.0/oai_dc.xsd"
SCHEMAS = Path(__file__).resolve().parent / "schemas"
ELEMENTS = ("title", "creator", "subject", "description", "publisher", "contributor", "date", "type", "format",
            "identifier", "source", "language", "relation", "coverage", "rights")
_W3CDTF = re.compile(r"\d{4}(-\d{2}(-\d{2})?)?")


def _date(doc: DocumentMetadata) -> str | None:
    if doc.date:
        return doc.date
    first, last = doc.date_range
    if first or last:
        return f"{first or '..'}/{last or '..'}"
    return None


def edition_page(collection: Collection, doc: DocumentMetadata) -> str | None:
    """The document's page in the published edition (tei render names it <stem>.html), if the edition's
    URL is known."""
    if not collection.url:
        return None
    return collection.url.rstrip("/") + "/" + quote(doc.stem) + ".html"


def dc_fields(doc: DocumentMetadata, collection: Collection) -> list[tuple[str, str]]:
    """(element, value) pairs of the document's record, in ELEMENTS order, each value once per element."""
    senders = {s.id for s in doc.senders if s.id}
    places = [p.name for p in (doc.place_sent, doc.place_received) if p is not None]
    places += sorted((e.name for e in doc.entities_of("place")), key=lambda n: (n.casefold(), n))
    people = sorted((e.name for e in doc.entities if e.kind in ("person", "org") and e.id not in senders),
                    key=lambda n: (n.casefold(), n))
    licence = doc.licence or collection.licence
    addressees = "; ".join(a.name for a in doc.addressees if a.name)
    relation = []
    if collection.identifier:
        relation.append(f"https://doi.org/{doi(collection.identifier)}" if doi(collection.identifier)
                        else collection.identifier)
    relation.append(collection.url)
    values = {
        "title": [doc.title],
        "creator": [s.name for s in doc.senders],
        "subject": [*doc.classification, *people],
        "description": [doc.abstract, f"Addressed to: {addressees}" if addressees else ""],
        "publisher": [doc.publisher or collection.publisher],
        "contributor": [a.name for a in (*collection.creators, *collection.contributors)],
        "date": [_date(doc)],
        "type": ["Text"],
        "format": [TEI_MEDIA_TYPE],
        "identifier": [edition_page(collection, doc), *doc.record_ids],
        "source": [doc.source_citation, doc.source_url],
        "language": list(doc.languages),
        "relation": relation,
        "coverage": places,
        "rights": [licence, doc.rights],
    }
    fields = []
    for element in ELEMENTS:
        for value in dict.fromkeys(" ".join(v.split()) for v in values[element] if v and v.strip()):
            fields.append((element, value))
    return fields


def dc_record(doc: DocumentMetadata, collection: Collection) -> etree._Element:
    root = etree.Element(f"{{{OAI_DC}}}dc", nsmap={"oai_dc": OAI_DC, "dc": DC, "xsi": XSI})
    root.set(f"{{{XSI}}}schemaLocation", SCHEMA_LOCATION)
    for element, value in dc_fields(doc, collection):
        etree.SubElement(root, f"{{{DC}}}{element}").text = value
    return root


@cache
def oai_dc_schema() -> etree.XMLSchema:
    """The OAI-PMH oai_dc schema, from the package's copies (oai_dc.xsd imports simpledc20021212.xsd, which
    imports xml.xsd, all beside it), so validating needs no network."""
    parser = etree.XMLParser(no_network=True, resolve_entities=False)
    return etree.XMLSchema(etree.parse(str(SCHEMAS / "oai_dc.xsd"), parser))


def record_errors(root: etree._Element) -> list[str]:
    """What the oai_dc schema, and the rules it cannot say, find wrong with a record ([] when it is valid)."""
    schema = oai_dc_schema()
    errors = [] if schema.validate(root) else [f"line {e.line}: {e.message}" for e in schema.error_log]
    if root.tag != f"{{{OAI_DC}}}dc":  # the schema also accepts a lone dc:title, which is no oai_dc record
        errors.append(f"the record is {root.tag}, not oai_dc:dc")
    for child in root:
        name = etree.QName(child).localname
        if not (child.text or "").strip():
            errors.append(f"dc:{name} is empty")
        elif name == "date" and not all(part == ".." or _W3CDTF.fullmatch(part) for part in child.text.split("/")):
            errors.append(f"dc:date {child.text!r} is not an ISO 8601 date or interval")
    return errors


def to_bytes(root: etree._Element) -> bytes:
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def export(job: ExportJob) -> list[Problem]:
    if not job.documents:
        raise ExportInvalid("there are no documents to describe, so no records were made")
    by_path = {doc.path: doc for doc in job.documents}
    kept, clashes = unique_names(by_path, f"{job.out.name}/{{stem}}.xml")
    problems = [Problem(Path(clash.path), clash.message, "error") for clash in clashes]  # the others still go
    by_name = {f"{path.stem}.xml": by_path[path] for path in kept}
    records, errors = {}, []
    for name, doc in by_name.items():
        try:
            root = dc_record(doc, job.collection)
        except ValueError as exc:  # a string XML cannot hold
            errors.append(f"{doc.path}: {exc}")
            continue
        errors += [f"{doc.path}: {e}" for e in record_errors(root)]
        records[name] = to_bytes(root)
    if errors:
        raise ExportInvalid("not valid oai_dc: " + "; ".join(errors))
    with staged_folder(job.out, "dc", job.force) as folder:
        for name, data in sorted(records.items()):
            (folder / name).write_bytes(data)
    return problems
