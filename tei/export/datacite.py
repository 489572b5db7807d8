"""`tei export datacite`: the collection as a DataCite 4.5 JSON record, ready to register a DOI for it.

What it says, and where from (collection = collection.toml, documents = the TEI headers):

- titles, descriptions (Abstract), publisher, publicationYear, url, doi: the collection;
- creators (ORCID and affiliation when given) and contributors with their contributorType (`role`): the
  collection; DataCite requires at least one creator;
- types: resourceTypeGeneral Collection, resourceType "TEI edition of archival documents";
- subjects: the collection's keywords, then every person, place and organisation the documents have a
  record for, with its Wikidata, GeoNames, VIAF, GND or LCNAF URI when it has one;
- dates: the dates the documents cover (dateType Other: DataCite 4.5 has no Coverage yet);
- language: the collection's first language; formats, sizes: TEI XML, how many documents;
- rightsList: the collection's licence (with its SPDX identifier when recognisable) and the documents' own
  licences and rights statements;
- relatedIdentifiers: the source archive's record of each document (IsDerivedFrom).

The record is checked with the DataCite JSON schema that the `datacite` package ships (datacite.schema45),
with its formats (dates, URIs) checked too, before it is written.
"""

from __future__ import annotations

import datetime
import json
import re
from collections import Counter
from dataclasses import dataclass
from functools import cache
from importlib import resources
from urllib.parse import urlsplit

import jsonschema
from datacite import schema45
from datacite.jsonutils import validator_factory

from tei.collection import Agent, Collection
from tei.dates import date_span
from tei.errors import InputError
from tei.export import ExportInvalid, ExportJob, Problem
from tei.files import write_atomic
from tei.metadata import DocumentMetadata

SCHEMA_VERSION = "4.5"
RESOURCE_TYPE = "TEI edition of archival documents"
TEI_MEDIA_TYPE = "application/tei+xml"
CONTRIBUTOR_TYPES: tuple[str, ...] = tuple(schema45.validator.schema["definitions"]["contributorType"]["enum"])
DEFAULT_CONTRIBUTOR_TYPE = "Other"
COVERAGE_INFORMATION = "Coverage: the dates of the documents in the collection"

# Authority schemes as subject schemes, in the order a subject's URI is chosen.
SUBJECT_SCHEMES = {
    "wikidata": ("Wikidata", "https://www.wikidata.org/"),
    "geonames": ("GeoNames", "https://www.geonames.org/"),
    "viaf": ("VIAF", "https://viaf.org/"),
    "gnd": ("GND", "https://d-nb.info/gnd/"),
    "lc": ("LCNAF", "https://id.loc.gov/authorities/names/"),
}

_DOI = re.compile(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)?(10\.\d{4,9}/\S+)$", re.IGNORECASE)
_ORCID = re.compile(r"^(?:https?://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")


def collection_file(collection: Collection) -> str:
    """How to name the collection file in a message."""
    return str(collection.source) if collection.source else "collection.toml"


# --- identifiers -------------------------------------------------------------------------------------------

def orcid(value: str) -> str | None:
    """The bare ORCID iD (0000-0002-1825-0097) of an iD or its URL, if its check digit is right; else None."""
    match = _ORCID.match(value.strip())
    if not match:
        return None
    digits = match.group(1).replace("-", "")
    total = 0
    for digit in digits[:-1]:
        total = (total + int(digit)) * 2
    check = (12 - total % 11) % 11
    return match.group(1) if digits[-1] == ("X" if check == 10 else str(check)) else None


def doi(value: str) -> str | None:
    """The DOI (10.1234/abc) in a DOI, doi: name or doi.org URL; else None."""
    match = _DOI.match(value.strip())
    return match.group(1) if match else None


def _split(value: str):
    try:
        return urlsplit(value)
    except ValueError:  # an unclosed [ in the host, say
        return None


def is_url(value: str) -> bool:
    parts = _split(value)
    return (parts is not None and parts.scheme in ("http", "https") and bool(parts.netloc)
            and not any(c.isspace() for c in value))


def is_uri(value: str) -> bool:
    parts = _split(value)
    return (parts is not None and bool(parts.scheme) and not any(c.isspace() for c in value)
            and (bool(parts.netloc) or parts.scheme in ("urn", "mailto", "info", "doi")))


@dataclass(frozen=True)
class Licence:
    url: str
    spdx: str | None  # SPDX identifier (CC-BY-4.0), when recognisable
    name: str


_CC_KINDS = {
    "by": "Attribution", "by-sa": "Attribution-ShareAlike", "by-nd": "Attribution-NoDerivatives",
    "by-nc": "Attribution-NonCommercial", "by-nc-sa": "Attribution-NonCommercial-ShareAlike",
    "by-nc-nd": "Attribution-NonCommercial-NoDerivatives",
}
_CC_SCOPE = {"4.0": "International", "3.0": "Unported", "2.5": "Generic", "2.0": "Generic", "1.0": "Generic"}
_OTHER_LICENCES = {
    ("creativecommons.org", "/publicdomain/zero/1.0"): ("CC0-1.0", "Creative Commons Zero v1.0 Universal"),
    ("opensource.org", "/licenses/mit"): ("MIT", "MIT License"),
    ("opendatacommons.org", "/licenses/by/1-0"): ("ODC-By-1.0", "Open Data Commons Attribution License v1.0"),
    ("opendatacommons.org", "/licenses/odbl/1-0"): ("ODbL-1.0", "Open Data Commons Open Database License v1.0"),
    ("opendatacommons.org", "/licenses/pddl/1-0"): ("PDDL-1.0",
                                                    "Open Data Commons Public Domain Dedication & License 1.0"),
}


def licence(url: str) -> Licence:
    """A licence URL with its SPDX identifier and name when this toolkit recognises it (Creative Commons,
    CC0, Open Data Commons, MIT, spdx.org/licenses/...)."""
    parts = _split(url.strip())
    if parts is None:
        return Licence(url, None, url)
    host = parts.netloc.lower().removeprefix("www.")
    path = re.sub(r"/(legalcode|deed)(\.[\w-]+)?$", "", parts.path.rstrip("/"))  # .../by/4.0/deed.de
    path = path.rstrip("/").removesuffix(".html").removesuffix(".php")
    cc = re.fullmatch(r"/licenses/(by(?:-nc)?(?:-sa|-nd)?)/(\d\.\d)", path.lower())
    if host == "creativecommons.org" and cc and cc.group(2) in _CC_SCOPE:
        kind, version = cc.groups()
        name = _CC_KINDS[kind]
        if version != "4.0":
            name = name.replace("NoDerivatives", "NoDerivs")
        return Licence(url, f"CC-{kind.upper()}-{version}",
                       f"Creative Commons {name} {version} {_CC_SCOPE[version]}")
    if (host, path.lower()) in _OTHER_LICENCES:
        return Licence(url, *_OTHER_LICENCES[(host, path.lower())])
    spdx = re.fullmatch(r"/licenses/([A-Za-z0-9.+-]+)", path)
    if host == "spdx.org" and spdx:
        return Licence(url, spdx.group(1), spdx.group(1))
    return Licence(url, None, url)


# --- what the documents say about the collection -------------------------------------------------------------

def coverage(documents: tuple[DocumentMetadata, ...] | list[DocumentMetadata]) -> tuple[str | None, list[Problem]]:
    """The dates the documents cover as ISO 8601: a date (1945-07) or an interval (1945-07-03/1945-08-10),
    each end as precise as the documents say when both ends are equally precise, else as days. A document
    dated "1945-07" ends the coverage on 31 July, not before a document dated "1945-07-03"."""
    problems: list[Problem] = []
    starts: list[tuple[datetime.date, int, str]] = []
    ends: list[tuple[datetime.date, int, str]] = []
    for doc in documents:
        first = doc.date or doc.date_range[0] or doc.date_range[1]
        last = doc.date or doc.date_range[1] or doc.date_range[0]
        if not first:
            continue
        first_span, last_span = date_span(first), date_span(last)
        if first_span and last_span:
            starts.append((first_span[0], len(first), first))
            ends.append((last_span[1], -len(last), last))
        else:
            problems.append(Problem(doc.path, f"the date {doc.date or '/'.join(filter(None, doc.date_range))} is "
                                              "not a calendar date; it is left out of the dates covered"))
    if not starts:
        return None, problems
    start, end = min(starts), max(ends)
    if len(start[2]) != len(end[2]):
        return f"{start[0].isoformat()}/{end[0].isoformat()}", problems
    return (start[2] if start[2] == end[2] else f"{start[2]}/{end[2]}"), problems


@dataclass(frozen=True)
class Subject:
    name: str
    kind: str | None
    scheme: str | None  # a key of SUBJECT_SCHEMES
    uri: str | None


def entity_subjects(documents) -> list[Subject]:
    """Every person, place and organisation the documents have a record for, once: by its authority URI when
    it has one (named as most documents name it), else by kind and name; sorted by name."""
    named: dict[tuple, Counter] = {}
    found: dict[tuple, Subject] = {}
    for doc in documents:
        for entity in doc.entities:
            scheme = next((key for key in SUBJECT_SCHEMES if any(have == key for have, _ in entity.identifiers)),
                          None)
            uri = entity.uri(scheme) if scheme else None
            key = ("uri", uri) if uri else ("name", entity.kind, entity.name.casefold())
            named.setdefault(key, Counter())[entity.name] += 1
            found.setdefault(key, Subject(entity.name, entity.kind, scheme, uri))
    subjects = []
    for key, subject in found.items():
        name = min(named[key].items(), key=lambda item: (-item[1], item[0]))[0]
        subjects.append(Subject(name, subject.kind, subject.scheme, subject.uri))
    return sorted(subjects, key=lambda s: (s.name.casefold(), s.name, s.uri or ""))


def source_links(documents) -> list[str]:
    """The source archive's records of the documents: their source URLs, and their record ids that are DOIs
    (as "doi:10..."), sorted, once each."""
    links = set()
    for doc in documents:
        if doc.source_url and is_url(doc.source_url):
            links.add(doc.source_url)
        for record in doc.record_ids:
            if doi(record):
                links.add(f"doi:{doi(record)}")
    return sorted(links)


# --- the DataCite record ---------------------------------------------------------------------------------------

def _name(agent: Agent) -> dict:
    entry: dict = {"name": agent.name}
    given = None
    if "," in agent.name:
        family, _, given = (p.strip() for p in agent.name.partition(","))
    if agent.orcid or given:
        entry["nameType"] = "Personal"
    if given:
        entry["givenName"], entry["familyName"] = given, family
    if agent.orcid:
        entry["nameIdentifiers"] = [{"nameIdentifier": f"https://orcid.org/{orcid(agent.orcid) or agent.orcid}",
                                     "nameIdentifierScheme": "ORCID", "schemeUri": "https://orcid.org"}]
    if agent.affiliation:
        entry["affiliation"] = [{"name": agent.affiliation}]
    return entry


def check_agents(collection: Collection, needs_creators: str) -> tuple[list[str], list[Problem]]:
    """What is wrong with the collection's creators and contributors (reasons an export is invalid), and
    warnings; shared by datacite and zenodo."""
    where = collection_file(collection)
    errors, problems = [], []
    if not collection.creators:
        errors.append(f"the collection has no creators, and {needs_creators} requires at least one: add to {where} "
                      '[[creators]] with name = "Family, Given" (and orcid = "...", affiliation = "..." if known)')
    for key, agents in (("creators", collection.creators), ("contributors", collection.contributors)):
        for agent in agents:
            if not agent.name.strip():
                errors.append(f"a [[{key}]] entry in {where} has an empty name")
            if agent.orcid and orcid(agent.orcid) is None:
                errors.append(f"the ORCID iD {agent.orcid!r} of {agent.name} in {where} is not a valid ORCID iD "
                              "(0000-0002-1825-0097: sixteen digits, the last a check digit)")
    for agent in collection.contributors:
        if not agent.role:
            problems.append(Problem(collection.source, f"the contributor {agent.name} has no role; exported as "
                                                       f"{DEFAULT_CONTRIBUTOR_TYPE} (add role = \"Editor\" or another "
                                                       "DataCite contributorType)"))
        elif contributor_type(agent.role) is None:
            errors.append(f"the role {agent.role!r} of the contributor {agent.name} in {where} is not a DataCite "
                          f"contributorType; use one of: {', '.join(CONTRIBUTOR_TYPES)}")
    return errors, problems


def contributor_type(role: str) -> str | None:
    """The DataCite contributorType a role names (any case), DEFAULT_CONTRIBUTOR_TYPE for none, else None."""
    if not role.strip():
        return DEFAULT_CONTRIBUTOR_TYPE
    wanted = role.replace(" ", "").casefold()
    return next((t for t in CONTRIBUTOR_TYPES if t.casefold() == wanted), None)


def rights_entry(lic: Licence) -> dict:
    entry = {"rights": lic.name, "rightsUri": lic.url}
    if lic.spdx:
        entry.update(rightsIdentifier=lic.spdx, rightsIdentifierScheme="SPDX", schemeUri="https://spdx.org/licenses/")
    return entry


def datacite_record(job: ExportJob) -> tuple[dict, list[Problem]]:
    """The DataCite record of the collection, and warnings; an ExportInvalid if the collection lacks what
    DataCite requires."""
    c, docs = job.collection, job.documents
    errors, problems = check_agents(c, "DataCite")
    if not c.publisher.strip():
        errors.append(f"the collection has no publisher, which DataCite requires: add publisher = \"...\" to "
                      f"{collection_file(c)} (or a publisher to the TEI headers' publicationStmt)")
    if errors:
        raise ExportInvalid("; ".join(errors))

    record: dict = {"schemaVersion": "http://datacite.org/schema/kernel-4"}
    if c.identifier and doi(c.identifier):
        record["doi"] = doi(c.identifier)
    if c.url:
        record["url"] = c.url
    record["types"] = {"resourceTypeGeneral": "Collection", "resourceType": RESOURCE_TYPE}
    record["titles"] = [{"title": c.title}]
    record["creators"] = [_name(a) for a in c.creators]
    if c.contributors:
        record["contributors"] = [{**_name(a), "contributorType": contributor_type(a.role)} for a in c.contributors]
    record["publisher"] = {"name": c.publisher}
    record["publicationYear"] = c.publication_year

    entities = entity_subjects(docs)
    with_uri = {s.name.casefold() for s in entities if s.uri}
    subjects = [{"subject": k} for k in dict.fromkeys(c.keywords) if k.casefold() not in with_uri]
    for s in entities:  # a keyword that names an entity with a URI is given once, with the URI
        entry = {"subject": s.name}
        if s.uri:
            label, scheme_uri = SUBJECT_SCHEMES[s.scheme]
            entry.update(subjectScheme=label, schemeUri=scheme_uri, valueUri=s.uri)
        if entry not in subjects:
            subjects.append(entry)
    if subjects:
        record["subjects"] = subjects

    covered, date_problems = coverage(docs)
    problems += date_problems
    if covered:
        record["dates"] = [{"date": covered, "dateType": "Other", "dateInformation": COVERAGE_INFORMATION}]
    else:
        problems.append(Problem(None, "no document has a date: the record says nothing of the dates covered"))

    if c.languages:
        if bcp47(c.languages[0]):
            record["language"] = c.languages[0]
        else:
            problems.append(Problem(None, f"the language code {c.languages[0]!r} is not an IETF BCP 47 tag; "
                                          "the record has no language"))
    if c.identifier and not doi(c.identifier):
        record["alternateIdentifiers"] = [{"alternateIdentifier": c.identifier,
                                           "alternateIdentifierType": "URL" if is_url(c.identifier) else "Local"}]
    record["formats"] = [TEI_MEDIA_TYPE]
    record["sizes"] = [f"{len(docs)} TEI document{'s' if len(docs) != 1 else ''}"]

    rights = []
    if c.licence:
        rights.append(rights_entry(licence(c.licence)))
    else:
        problems.append(Problem(c.source, f"the collection has no licence: add licence = \"https://...\" (the "
                                          f"licence's URL) to {collection_file(c)}"))
    for url in sorted({d.licence for d in docs if d.licence} - {c.licence}):
        rights.append(rights_entry(licence(url)))
    for statement in sorted({d.rights for d in docs if d.rights}):
        rights.append({"rights": statement})
    if rights:
        record["rightsList"] = rights

    if c.description:
        record["descriptions"] = [{"description": c.description, "descriptionType": "Abstract"}]
    else:
        problems.append(Problem(c.source, f"the collection has no description: add description = \"...\" to "
                                          f"{collection_file(c)} (DataCite recommends an abstract)"))
    related = [{"relatedIdentifier": link.removeprefix("doi:"),
                "relatedIdentifierType": "DOI" if link.startswith("doi:") else "URL",
                "relationType": "IsDerivedFrom", "resourceTypeGeneral": "Text"} for link in source_links(docs)]
    if related:
        record["relatedIdentifiers"] = related
    return record, problems


# --- the check --------------------------------------------------------------------------------------------------

_YEAR, _MONTH = re.compile(r"\d{4}"), re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")
FORMAT_CHECKER = jsonschema.FormatChecker(formats=())


def _is_day(value: str) -> bool:
    if not _DAY.fullmatch(value):
        return False
    try:
        datetime.date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _is_datetime(value: str) -> bool:
    if "T" not in value or not _is_day(value.split("T", 1)[0]):
        return False
    try:
        datetime.datetime.fromisoformat(value)
    except ValueError:
        return False
    return True


_SINGLE = {"year": lambda v: bool(_YEAR.fullmatch(v)), "yearmonth": lambda v: bool(_MONTH.fullmatch(v)),
           "date": _is_day, "datetime": _is_datetime}


def _checks(name, test):
    FORMAT_CHECKER.checks(name)(lambda value: not isinstance(value, str) or test(value))


for _format, _test in _SINGLE.items():
    _checks(_format, _test)
    _checks(f"{_format}-range", lambda v, t=_test: v.count("/") == 1 and all(t(part) for part in v.split("/")))
_checks("uri", is_uri)

# The validator the datacite package ships for its DataCite 4.5 JSON schema, made to check formats too: as
# shipped it leaves them to the caller, and then every date and URI would pass.
VALIDATOR = schema45.validator.evolve(format_checker=FORMAT_CHECKER)


@cache
def _bcp47():
    return validator_factory(resources.files("datacite") / "schemas" / "ietf-bcp-47.json")


def bcp47(tag: str) -> bool:
    """Whether a language tag is an IETF BCP 47 tag, by the pattern the datacite package ships."""
    return _bcp47().is_valid(tag)


def _where(error: jsonschema.ValidationError) -> str:
    return "/".join(str(p) for p in error.absolute_path) or "the record"


def schema_errors(record: dict) -> list[str]:
    """What the DataCite 4.5 JSON schema says is wrong with a record ([] when it is valid)."""
    errors = sorted(VALIDATOR.iter_errors(record), key=lambda e: (list(map(str, e.absolute_path)), e.message))
    return [f"{_where(e)}: {e.message}" for e in errors]


def check(record: dict) -> None:
    """An ExportInvalid, with every reason, when the record is not valid DataCite 4.5 JSON."""
    errors = schema_errors(record)
    if errors:
        raise ExportInvalid(f"not valid against the DataCite {SCHEMA_VERSION} JSON schema: " + "; ".join(errors))


def to_json(record: dict) -> bytes:
    return (json.dumps(record, indent=2, ensure_ascii=False) + "\n").encode("utf-8")


def write_file(out, data: bytes, fmt: str) -> None:
    if out.is_dir():
        raise InputError(out, f"is a folder; the {fmt} export writes one file: name the file to write")
    write_atomic(out, data)


def export(job: ExportJob) -> list[Problem]:
    record, problems = datacite_record(job)
    check(record)
    write_file(job.out, to_json(record), "datacite")
    return problems
