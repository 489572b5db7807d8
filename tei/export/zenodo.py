"""`tei export zenodo`: the collection as Zenodo deposit metadata, the `.zenodo.json` that Zenodo's GitHub
integration (and its legacy deposit API) reads.

The same sources as `tei export datacite` (see tei/export/datacite.py), in Zenodo's words:

- upload_type "dataset" (the TEI files are data for reuse), access_right "open", license: Zenodo's id of
  the collection's licence (cc-by-4.0), which Zenodo requires for open access;
- title, description (the collection's, as HTML paragraphs; Zenodo requires one), creators and contributors
  (type: the DataCite contributorType of `role`), publication_date;
- keywords: the collection's, and the names of entities without an authority URI; subjects: the people,
  places and organisations with one (scheme "url");
- related_identifiers: the source archive's record of each document (isDerivedFrom), the published edition
  (isSourceOf: it is rendered from these files);
- language: ISO 639-3 (Zenodo wants "eng", not "en");
- notes: the dates the documents cover (Zenodo's dates have no type for that: Collected, Valid, Withdrawn).

Zenodo publishes no schema for this file. It is checked twice before it is written: against the rules of
Zenodo's deposit metadata below (ZENODO_SCHEMA: required keys, vocabularies, date and identifier forms),
and by mapping it to the DataCite record Zenodo registers for it and checking that with the DataCite 4.5
JSON schema of the `datacite` package.
"""

from __future__ import annotations

import html
import re

import jsonschema

from tei.collection import Agent, export_date
from tei.export import ExportInvalid, ExportJob, Problem
from tei.export.datacite import (CONTRIBUTOR_TYPES, FORMAT_CHECKER, check_agents, collection_file, contributor_type,
                                 coverage, entity_subjects, is_url, licence, orcid, schema_errors, source_links,
                                 to_json, write_file)

UPLOAD_TYPE = "dataset"

# ISO 639-1 -> ISO 639-3 (the same as ISO 639-2/T), for the languages archives hold most.
ISO_639_3 = {
    "af": "afr", "am": "amh", "ar": "ara", "az": "aze", "be": "bel", "bg": "bul", "bn": "ben", "bo": "bod",
    "bs": "bos", "ca": "cat", "cs": "ces", "cy": "cym", "da": "dan", "de": "deu", "el": "ell", "en": "eng",
    "eo": "epo", "es": "spa", "et": "est", "eu": "eus", "fa": "fas", "fi": "fin", "fr": "fra", "ga": "gle",
    "gd": "gla", "gl": "glg", "he": "heb", "hi": "hin", "hr": "hrv", "hu": "hun", "hy": "hye", "id": "ind",
    "is": "isl", "it": "ita", "ja": "jpn", "ka": "kat", "kk": "kaz", "km": "khm", "ko": "kor", "ku": "kur",
    "ky": "kir", "la": "lat", "lb": "ltz", "lo": "lao", "lt": "lit", "lv": "lav", "mk": "mkd", "mn": "mon",
    "ms": "msa", "mt": "mlt", "my": "mya", "nb": "nob", "ne": "nep", "nl": "nld", "nn": "nno", "no": "nor",
    "pa": "pan", "pl": "pol", "ps": "pus", "pt": "por", "ro": "ron", "ru": "rus", "sk": "slk", "sl": "slv",
    "sq": "sqi", "sr": "srp", "sv": "swe", "sw": "swa", "ta": "tam", "tg": "tgk", "th": "tha", "tk": "tuk",
    "tl": "tgl", "tr": "tur", "tt": "tat", "ug": "uig", "uk": "ukr", "ur": "urd", "uz": "uzb", "vi": "vie",
    "yi": "yid", "zh": "zho",
}
# ISO 639-2/B codes some catalogues use, to their ISO 639-3 form.
_BIBLIOGRAPHIC = {"alb": "sqi", "arm": "hye", "baq": "eus", "bur": "mya", "chi": "zho", "cze": "ces", "dut": "nld",
                  "fre": "fra", "geo": "kat", "ger": "deu", "gre": "ell", "ice": "isl", "mac": "mkd", "may": "msa",
                  "per": "fas", "rum": "ron", "slo": "slk", "tib": "bod", "wel": "cym"}

RELATIONS = ("isCitedBy", "cites", "isSupplementTo", "isSupplementedBy", "isContinuedBy", "continues",
             "isDescribedBy", "describes", "hasMetadata", "isMetadataFor", "isNewVersionOf", "isPreviousVersionOf",
             "isPartOf", "hasPart", "isReferencedBy", "references", "isDocumentedBy", "documents", "isCompiledBy",
             "compiles", "isVariantFormOf", "isOriginalFormOf", "isIdenticalTo", "isAlternateIdentifier",
             "isReviewedBy", "reviews", "isDerivedFrom", "isSourceOf", "requires", "isRequiredBy", "isObsoletedBy",
             "obsoletes")
UPLOAD_TYPES = ("publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson",
                "physicalobject", "other")
IDENTIFIER_SCHEMES = ("ark", "arxiv", "doi", "handle", "isbn", "issn", "orcid", "purl", "url", "urn")

_PERSON = {
    "type": "object", "additionalProperties": False, "required": ["name"],
    "properties": {"name": {"type": "string", "minLength": 1}, "affiliation": {"type": "string", "minLength": 1},
                   "orcid": {"type": "string", "pattern": r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$"}},
}
# The rules of Zenodo's deposit metadata (developers.zenodo.org, "Deposit metadata") for the keys this
# export writes; a key it does not know is an error, so that a typo cannot slip through.
ZENODO_SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "required": ["upload_type", "title", "creators", "description", "publication_date", "access_right"],
    "properties": {
        "upload_type": {"enum": list(UPLOAD_TYPES)},
        "title": {"type": "string", "minLength": 1},
        "description": {"type": "string", "minLength": 1},
        "creators": {"type": "array", "minItems": 1, "items": _PERSON},
        "contributors": {"type": "array", "items": {
            **_PERSON, "required": ["name", "type"],
            "properties": {**_PERSON["properties"], "type": {"enum": list(CONTRIBUTOR_TYPES)}}}},
        "publication_date": {"type": "string", "format": "date"},
        "access_right": {"enum": ["open", "embargoed", "restricted", "closed"]},
        "license": {"type": "string", "pattern": r"^[a-z0-9][a-z0-9.+-]*$"},
        "keywords": {"type": "array", "uniqueItems": True, "items": {"type": "string", "minLength": 1}},
        "subjects": {"type": "array", "uniqueItems": True, "items": {
            "type": "object", "additionalProperties": False, "required": ["term", "identifier", "scheme"],
            "properties": {"term": {"type": "string", "minLength": 1}, "identifier": {"type": "string", "format": "uri"},
                           "scheme": {"enum": list(IDENTIFIER_SCHEMES)}}}},
        "related_identifiers": {"type": "array", "uniqueItems": True, "items": {
            "type": "object", "additionalProperties": False, "required": ["identifier", "relation"],
            "properties": {"identifier": {"type": "string", "minLength": 1}, "relation": {"enum": list(RELATIONS)},
                           "scheme": {"enum": list(IDENTIFIER_SCHEMES)}}}},
        "language": {"enum": sorted(set(ISO_639_3.values()))},
        "notes": {"type": "string"},
        "version": {"type": "string"},
    },
    "allOf": [{"if": {"properties": {"access_right": {"enum": ["open", "embargoed"]}}, "required": ["access_right"]},
               "then": {"required": ["license"]}}],
}
_VALIDATOR = jsonschema.Draft202012Validator(ZENODO_SCHEMA, format_checker=FORMAT_CHECKER)
_UPLOAD_TO_DATACITE = {"publication": "Text", "poster": "Text", "presentation": "Text", "dataset": "Dataset",
                       "image": "Image", "video": "Audiovisual", "software": "Software", "lesson": "Text",
                       "physicalobject": "PhysicalObject", "other": "Other"}


def iso639_3(code: str) -> str | None:
    """The ISO 639-3 code of a language code (en, en-GB, eng, ger), or None when this toolkit does not know it."""
    primary = code.strip().lower().split("-")[0].split("_")[0]
    if len(primary) == 2:
        return ISO_639_3.get(primary)
    if len(primary) == 3:
        primary = _BIBLIOGRAPHIC.get(primary, primary)
        return primary if primary in ISO_639_3.values() else None
    return None


def _person(agent: Agent) -> dict:
    entry = {"name": agent.name}
    if agent.affiliation:
        entry["affiliation"] = agent.affiliation
    if agent.orcid:
        entry["orcid"] = orcid(agent.orcid) or agent.orcid
    return entry


def _paragraphs(text: str) -> str:
    return "".join(f"<p>{html.escape(' '.join(p.split()), quote=False)}</p>"
                   for p in re.split(r"\n\s*\n", text) if p.strip())


def publication_date(job: ExportJob) -> tuple[str, list[Problem]]:
    """collection.toml's publication_date if it gives one; else the export date (SOURCE_DATE_EPOCH) when it
    falls in the collection's publication year, else 1 January of that year, with a warning."""
    c = job.collection
    given = str(c.extra.get("publication_date", "")).strip()
    if given:
        return given, []  # checked with the rest
    today = export_date()
    if not c.publication_year or c.publication_year == str(today.year):
        return today.isoformat(), []
    return f"{c.publication_year}-01-01", [Problem(c.source, f"publication date taken as {c.publication_year}-01-01; "
                                                             f"add publication_date = \"YYYY-MM-DD\" to "
                                                             f"{collection_file(c)} to give the day")]


def zenodo_record(job: ExportJob) -> tuple[dict, list[Problem]]:
    c, docs = job.collection, job.documents
    errors, problems = check_agents(c, "Zenodo")
    where = collection_file(c)
    if not c.description.strip():
        errors.append(f"the collection has no description, which Zenodo requires: add description = \"...\" to {where}")
    lic = licence(c.licence) if c.licence else None
    if lic is None:
        errors.append(f"the collection has no licence, which Zenodo requires for open access (it would otherwise "
                      f"apply its default): add licence = \"https://creativecommons.org/licenses/by/4.0/\" (or your "
                      f"licence's URL) to {where}")
    elif lic.spdx is None:
        errors.append(f"the licence {c.licence} is not one this toolkit can name for Zenodo: give the URL of a "
                      "Creative Commons, Open Data Commons or spdx.org/licenses/ licence in " + where)
    if errors:
        raise ExportInvalid("; ".join(errors))

    record: dict = {"upload_type": UPLOAD_TYPE, "title": c.title, "description": _paragraphs(c.description),
                    "creators": [_person(a) for a in c.creators]}
    if c.contributors:
        record["contributors"] = [{**_person(a), "type": contributor_type(a.role)} for a in c.contributors]
    record["publication_date"], date_problems = publication_date(job)
    problems += date_problems
    record["access_right"] = "open"
    record["license"] = lic.spdx.lower()

    entities = entity_subjects(docs)
    with_uri = {s.name.casefold() for s in entities if s.uri}
    keywords = [k for k in c.keywords if k.casefold() not in with_uri]
    keywords += [s.name for s in entities if not s.uri]
    if keywords:
        record["keywords"] = list(dict.fromkeys(keywords))
    subjects = [{"term": s.name, "identifier": s.uri, "scheme": "url"} for s in entities if s.uri]
    if subjects:
        record["subjects"] = subjects

    related = [{"identifier": link.removeprefix("doi:"), "relation": "isDerivedFrom",
                "scheme": "doi" if link.startswith("doi:") else "url"} for link in source_links(docs)]
    if c.url and is_url(c.url):
        related.append({"identifier": c.url, "relation": "isSourceOf", "scheme": "url"})
    if related:
        record["related_identifiers"] = related

    if c.languages:
        code = iso639_3(c.languages[0])
        if code:
            record["language"] = code
        else:
            problems.append(Problem(None, f"the language code {c.languages[0]!r} has no ISO 639-3 code this "
                                          "toolkit knows; the record has no language"))
    covered, date_problems = coverage(docs)
    problems += date_problems
    if covered:
        record["notes"] = f"The documents are dated {covered.replace('/', ' to ')}."
    return record, problems


def as_datacite(record: dict) -> dict:
    """The DataCite 4.5 JSON record of a Zenodo deposit, as Zenodo maps its metadata when it registers the
    DOI (Zenodo the publisher), so that DataCite's schema can check what Zenodo will send it."""
    def name(person: dict) -> dict:
        entry = {"name": person["name"]}
        if person.get("orcid"):
            entry["nameType"] = "Personal"
            entry["nameIdentifiers"] = [{"nameIdentifier": person["orcid"], "nameIdentifierScheme": "ORCID",
                                         "schemeUri": "https://orcid.org"}]
        if person.get("affiliation"):
            entry["affiliation"] = [{"name": person["affiliation"]}]
        return entry

    result: dict = {
        "schemaVersion": "http://datacite.org/schema/kernel-4",
        "types": {"resourceTypeGeneral": _UPLOAD_TO_DATACITE.get(record.get("upload_type"), "Other"),
                  "resourceType": record.get("upload_type", "")},
        "titles": [{"title": record.get("title", "")}],
        "creators": [name(p) for p in record.get("creators", [])],
        "publisher": {"name": "Zenodo"},
        "publicationYear": str(record.get("publication_date", ""))[:4],
        "descriptions": [{"description": record.get("description", ""), "descriptionType": "Abstract"}],
    }
    if record.get("contributors"):
        result["contributors"] = [{**name(p), "contributorType": p.get("type", "")} for p in record["contributors"]]
    subjects = [{"subject": k} for k in record.get("keywords", [])]
    subjects += [{"subject": s["term"], "valueUri": s["identifier"]} for s in record.get("subjects", [])]
    if subjects:
        result["subjects"] = subjects
    if record.get("publication_date"):
        result["dates"] = [{"date": record["publication_date"], "dateType": "Issued"}]
    if record.get("language"):
        result["language"] = record["language"]
    if record.get("license"):
        result["rightsList"] = [{"rightsIdentifier": record["license"], "rightsIdentifierScheme": "SPDX"}]
    if record.get("related_identifiers"):
        result["relatedIdentifiers"] = [
            {"relatedIdentifier": r["identifier"], "relationType": r["relation"][:1].upper() + r["relation"][1:],
             "relatedIdentifierType": {"doi": "DOI", "url": "URL", "handle": "Handle", "ark": "ARK", "purl": "PURL",
                                       "urn": "URN", "arxiv": "arXiv", "isbn": "ISBN", "issn": "ISSN"}
             .get(r.get("scheme", "url"), "URL")}
            for r in record["related_identifiers"]]
    return result


def zenodo_errors(record: dict) -> list[str]:
    """What Zenodo's rules and DataCite's schema say is wrong with a deposit record ([] when it is valid)."""
    errors = [f"{'/'.join(map(str, e.absolute_path)) or 'the record'}: {e.message}"
              for e in sorted(_VALIDATOR.iter_errors(record), key=lambda e: (list(map(str, e.absolute_path)), e.message))]
    for key in ("creators", "contributors"):
        for i, person in enumerate(record.get(key, [])):
            if isinstance(person, dict) and person.get("orcid") and orcid(str(person["orcid"])) is None:
                errors.append(f"{key}/{i}/orcid: {person['orcid']!r} is not a valid ORCID iD (its check digit is wrong)")
    errors += [f"as DataCite: {e}" for e in schema_errors(as_datacite(record))]
    return errors


def check(record: dict) -> None:
    errors = zenodo_errors(record)
    if errors:
        raise ExportInvalid("not valid Zenodo deposit metadata: " + "; ".join(errors))


def export(job: ExportJob) -> list[Problem]:
    record, problems = zenodo_record(job)
    check(record)
    write_file(job.out, to_json(record), "zenodo")
    return problems
