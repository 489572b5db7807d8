"""`tei export datacite` and `tei export zenodo`: the collection's deposit metadata, checked with DataCite's
own JSON schema (the `datacite` package) and Zenodo's rules; nothing written when a check fails."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import datacite.schema45
import pytest
from click.testing import CliRunner

from conftest import ROOT, hand_written_tei as tei
from tei.cli import main
from tei.collection import Agent, load_collection
from tei.export import ExportInvalid, ExportJob, datacite as dc_export, document_order, zenodo
from tei.metadata import read_metadata

DOC_000 = "000_0057ff3e2a2cacb5"
SAMPLE_COLLECTION = ROOT / "sources" / "collection.toml"
EPOCH = {"SOURCE_DATE_EPOCH": "1767225600"}  # 2026-01-01
FULL_TOML = '''title = "Letters"
description = "Some letters.\\n\\nA second paragraph with <angle> & ampersand."
publisher = "Test Press"
publication_year = 2026
licence = "https://creativecommons.org/licenses/by/4.0/"
keywords = ["letters"]
[[creators]]
name = "Doe, Jane"
orcid = "0000-0002-1825-0097"
affiliation = "Test University"
[[contributors]]
name = "Roe, Richard"
role = "editor"
'''


def run(*args, env: dict | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def sent(when: str = "", who: str = "<persName>A. Sender</persName>") -> str:
    return (f'<correspDesc><correspAction type="sent">{who}{when}</correspAction>'
            '<correspAction type="received"><persName>B. Receiver</persName></correspAction></correspDesc>')


def toml(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "collection.toml"
    path.write_text(text, encoding="utf-8")
    return path


def make_job(paths, out: Path, collection_file: Path | None = None, **changes) -> ExportJob:
    docs = tuple(sorted((read_metadata(p) for p in paths), key=document_order))
    collection = load_collection(collection_file or SAMPLE_COLLECTION, list(docs))
    return ExportJob(docs, dataclasses.replace(collection, **changes), out)


@pytest.fixture(scope="module")
def samples(sample_tei, tmp_path_factory) -> dict[str, dict]:
    """The samples exported with the samples' collection.toml, through the command."""
    out = tmp_path_factory.mktemp("deposit")
    records = {}
    for fmt, name in (("datacite", "datacite.json"), ("zenodo", ".zenodo.json")):
        result = run("export", fmt, *sample_tei.values(), "-o", out / name, "--collection", SAMPLE_COLLECTION,
                     env=EPOCH)
        assert result.exit_code == 0, result.output
        records[fmt] = json.loads((out / name).read_text(encoding="utf-8"))
    return records


# --- DataCite ---------------------------------------------------------------------------------------------------

def test_samples_make_a_valid_datacite_record(samples):
    record = samples["datacite"]
    assert datacite.schema45.validate(record)  # the package's validator, exactly as it ships
    assert dc_export.schema_errors(record) == []  # and with its formats checked
    assert record["schemaVersion"] == "http://datacite.org/schema/kernel-4"
    assert record["titles"] == [{"title": "Averell Harriman's cables on the Sino-Soviet talks, July 1945"}]
    assert record["types"] == {"resourceTypeGeneral": "Collection", "resourceType": "TEI edition of archival documents"}
    assert record["creators"] == [{"name": "Editors of the sample edition"}]
    assert record["contributors"] == [{"name": "tei-transcripts", "contributorType": "DataCurator"}]
    assert record["publisher"] == {"name": "Unpublished TEI edition"} and record["publicationYear"] == "2026"
    assert record["dates"] == [{"date": "1945-07", "dateType": "Other", "dateInformation": dc_export.COVERAGE_INFORMATION}]
    assert record["language"] == "en" and record["formats"] == ["application/tei+xml"]
    assert record["rightsList"][0] == {
        "rights": "Creative Commons Attribution 4.0 International",
        "rightsUri": "https://creativecommons.org/licenses/by/4.0/", "rightsIdentifier": "CC-BY-4.0",
        "rightsIdentifierScheme": "SPDX", "schemeUri": "https://spdx.org/licenses/"}
    assert any(r["rights"].startswith("The History and Public Policy Program") for r in record["rightsList"])
    assert record["descriptions"][0]["descriptionType"] == "Abstract"
    assert record["relatedIdentifiers"] == [{
        "relatedIdentifier": "https://wilson-center-digital-archive.dvincitest.com/document/123411",
        "relatedIdentifierType": "URL", "relationType": "IsDerivedFrom", "resourceTypeGeneral": "Text"}]


def test_subjects_are_the_keywords_then_the_entities_once_each_with_their_uris(samples):
    subjects = samples["datacite"]["subjects"]
    assert [s["subject"] for s in subjects[:3]] == ["Cold War", "Sino-Soviet relations", "diplomatic history"]
    by_name = {s["subject"]: s for s in subjects[3:]}
    assert by_name["Joseph Stalin"] == {"subject": "Joseph Stalin", "subjectScheme": "Wikidata",
                                        "schemeUri": "https://www.wikidata.org/",
                                        "valueUri": "http://www.wikidata.org/entity/Q855"}
    assert by_name["Outer Mongolia"]["subjectScheme"] == "GeoNames"  # no Wikidata id: its GeoNames URI
    assert by_name["T. V. Soong"] == {"subject": "T. V. Soong"}  # no authority record: the name alone
    names = [s["subject"] for s in subjects]
    assert names.count("Dalian") == 1 and names.count("Outer Mongolia") == 1  # keyword and entity given once
    entity_names = [s["subject"] for s in subjects[3:]]
    assert entity_names == sorted(entity_names, key=str.casefold)


def test_the_same_input_gives_the_same_bytes(sample_tei, tmp_path):
    for fmt in ("datacite", "zenodo"):
        outputs = []
        for n in (1, 2):
            out = tmp_path / f"{fmt}-{n}.json"
            assert run("export", fmt, *sample_tei.values(), "-o", out, "--collection", SAMPLE_COLLECTION,
                       env=EPOCH).exit_code == 0
            outputs.append(out.read_bytes())
        assert outputs[0] == outputs[1]


def test_a_collection_without_creators_is_invalid_and_writes_nothing(sample_tei, tmp_path):
    collection = toml(tmp_path, 'title = "No one made this"\npublisher = "P"\n'
                                'licence = "https://creativecommons.org/licenses/by/4.0/"\ndescription = "D"\n')
    for fmt in ("datacite", "zenodo"):
        out = tmp_path / f"{fmt}.json"
        out.write_text("the old export\n", encoding="utf-8")
        result = run("export", fmt, *sample_tei.values(), "-o", out, "--collection", collection)
        assert result.exit_code == 1
        assert "nothing was written" in result.stderr and "[[creators]]" in result.stderr
        assert str(collection) in result.stderr  # names the file to add them to
        assert out.read_text(encoding="utf-8") == "the old export\n"


def test_missing_collection_fields_and_document_fields(tmp_path):
    """A collection with only creators and a publisher, documents without date, sender, language, abstract:
    DataCite still gets a valid record, with warnings for what is missing."""
    bare = tei(tmp_path / "in" / "bare.xml")
    collection = toml(tmp_path, '[[creators]]\nname = "Someone"\n')
    job = make_job([bare], tmp_path / "out.json", collection, publisher="A publisher")
    problems = dc_export.export(job)
    record = json.loads(job.out.read_text(encoding="utf-8"))
    assert dc_export.schema_errors(record) == [] and datacite.schema45.validate(record)
    for absent in ("dates", "language", "rightsList", "descriptions", "relatedIdentifiers", "subjects"):
        assert absent not in record
    messages = " | ".join(p.message for p in problems)
    assert "no licence" in messages and "no description" in messages and "no document has a date" in messages


def test_no_publisher_is_invalid(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", publisher="")
    with pytest.raises(ExportInvalid, match="publisher"):
        dc_export.export(job)
    assert not job.out.exists()


def test_people_orcid_affiliation_and_roles(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", toml(tmp_path, FULL_TOML))
    dc_export.export(job)
    record = json.loads(job.out.read_text(encoding="utf-8"))
    assert record["creators"] == [{
        "name": "Doe, Jane", "nameType": "Personal", "givenName": "Jane", "familyName": "Doe",
        "nameIdentifiers": [{"nameIdentifier": "https://orcid.org/0000-0002-1825-0097", "nameIdentifierScheme": "ORCID",
                             "schemeUri": "https://orcid.org"}],
        "affiliation": [{"name": "Test University"}]}]
    assert record["contributors"][0]["contributorType"] == "Editor"  # "editor" in the file


@pytest.mark.parametrize("change, message", [
    ({"contributors": (Agent("X", role="Proofreader"),)}, "'Proofreader' of the contributor X .* DataCurator"),
    ({"creators": (Agent("Y", orcid="0000-0002-1825-0098"),)}, "ORCID iD '0000-0002-1825-0098' of Y"),
    ({"creators": ()}, r"no creators.*\[\[creators\]\]"),
])
def test_bad_people_are_named(tmp_path, change, message):
    for module in (dc_export, zenodo):
        job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", toml(tmp_path, FULL_TOML), **change)
        with pytest.raises(ExportInvalid, match=message):
            module.export(job)
        assert not job.out.exists()


def test_a_contributor_without_a_role_is_other_with_a_warning(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", toml(tmp_path, FULL_TOML),
                   contributors=(Agent("Roe, Richard"),))
    problems = dc_export.export(job)
    assert json.loads(job.out.read_text())["contributors"][0]["contributorType"] == "Other"
    assert any("Roe, Richard has no role" in p.message for p in problems)


def test_the_datacite_check_rejects_broken_records(samples):
    good = samples["datacite"]
    broken = {
        "no creators": ({k: v for k, v in good.items() if k != "creators"}, "'creators' is a required property"),
        "bad dateType": ({**good, "dates": [{"date": "1945-07", "dateType": "Coverage"}]}, "dates/0/dateType"),
        "bad date": ({**good, "dates": [{"date": "1945-13", "dateType": "Other"}]}, "dates/0/date"),
        "bad year": ({**good, "publicationYear": "26"}, "publicationYear"),
        "bad uri": ({**good, "url": "not a uri"}, "url: 'not a uri' is not a 'uri'"),
        "unknown key": ({**good, "creator": []}, "Additional properties"),
    }
    for name, (record, message) in broken.items():
        errors = dc_export.schema_errors(record)
        assert any(message in e for e in errors), (name, errors)
        with pytest.raises(ExportInvalid, match="DataCite 4.5 JSON schema"):
            dc_export.check(record)
    assert not datacite.schema45.validate(broken["no creators"][0])  # the package's own validator agrees


def test_an_invalid_record_writes_nothing(tmp_path, monkeypatch):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", toml(tmp_path, FULL_TOML))
    real = dc_export.datacite_record

    def broken(job):
        record, problems = real(job)
        return {**record, "publicationYear": "MMXXVI"}, problems

    monkeypatch.setattr(dc_export, "datacite_record", broken)
    with pytest.raises(ExportInvalid, match="publicationYear"):
        dc_export.export(job)
    assert not job.out.exists() and not list(tmp_path.glob(".out.json*"))


def test_coverage_of_dates_of_different_precision(tmp_path):
    stub = read_metadata(tei(tmp_path / "stub.xml"))

    def docs(*dates):
        return [dataclasses.replace(stub, date=None, date_range=d) if isinstance(d, tuple)
                else dataclasses.replace(stub, date=d) for d in dates]

    assert dc_export.coverage(docs("1945-07", "1945-07-03"))[0] == "1945-07"  # July covers the 3rd
    assert dc_export.coverage(docs("1945-07-03", "1945-07-10"))[0] == "1945-07-03/1945-07-10"
    assert dc_export.coverage(docs("1945-07-03", "1945-08"))[0] == "1945-07-03/1945-08-31"  # mixed: as days
    assert dc_export.coverage(docs(("1944", "1946-02"), "1945"))[0] == "1944-01-01/1946-02-28"
    assert dc_export.coverage(docs(("1944", None)))[0] == "1944"  # one end known
    assert dc_export.coverage(docs(None))[0] is None
    covered, problems = dc_export.coverage(docs("1945-02-30", "1945"))
    assert covered == "1945" and "1945-02-30" in problems[0].message


@pytest.mark.parametrize("url, spdx, name", [
    ("https://creativecommons.org/licenses/by/4.0/", "CC-BY-4.0", "Creative Commons Attribution 4.0 International"),
    ("http://creativecommons.org/licenses/by-nc-nd/3.0/legalcode", "CC-BY-NC-ND-3.0",
     "Creative Commons Attribution-NonCommercial-NoDerivs 3.0 Unported"),
    ("https://creativecommons.org/publicdomain/zero/1.0/", "CC0-1.0", "Creative Commons Zero v1.0 Universal"),
    ("https://spdx.org/licenses/MIT.html", "MIT", "MIT"),
    ("https://example.org/our-terms", None, "https://example.org/our-terms"),
])
def test_licences_are_named_by_spdx_when_recognisable(url, spdx, name):
    assert (dc_export.licence(url).spdx, dc_export.licence(url).name) == (spdx, name)


def test_a_folder_as_output_is_refused(sample_tei, tmp_path):
    result = run("export", "datacite", *sample_tei.values(), "-o", tmp_path, "--collection", SAMPLE_COLLECTION)
    assert result.exit_code == 1 and "is a folder" in result.stderr


# --- Zenodo -----------------------------------------------------------------------------------------------------

def test_samples_make_a_valid_zenodo_record(samples):
    record = samples["zenodo"]
    assert zenodo.zenodo_errors(record) == []
    assert dc_export.schema_errors(zenodo.as_datacite(record)) == []
    assert (record["upload_type"], record["access_right"], record["license"]) == ("dataset", "open", "cc-by-4.0")
    assert record["publication_date"] == "2026-01-01"  # SOURCE_DATE_EPOCH, in the publication year
    assert record["language"] == "eng"  # ISO 639-3, from "en"
    assert record["description"].startswith("<p>Two cables from W. Averell Harriman")
    assert record["creators"] == [{"name": "Editors of the sample edition"}]
    assert record["contributors"] == [{"name": "tei-transcripts", "type": "DataCurator"}]
    assert record["keywords"][:3] == ["Cold War", "Sino-Soviet relations", "diplomatic history"]
    assert "T. V. Soong" in record["keywords"] and "Dalian" not in record["keywords"]  # Dalian has a URI
    assert {"term": "Joseph Stalin", "identifier": "http://www.wikidata.org/entity/Q855", "scheme": "url"} \
        in record["subjects"]
    assert record["related_identifiers"] == [
        {"identifier": "https://wilson-center-digital-archive.dvincitest.com/document/123411",
         "relation": "isDerivedFrom", "scheme": "url"},
        {"identifier": "https://example.org/harriman-cables/", "relation": "isSourceOf", "scheme": "url"}]
    assert record["notes"] == "The documents are dated 1945-07."


def test_zenodo_people_description_and_publication_date(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1767225600")
    text = FULL_TOML.replace("publication_year = 2026", "publication_year = 2025")
    job = make_job([tei(tmp_path / "in" / "a.xml", profile=sent('<date when="1890-02-03"/>'))],
                   tmp_path / "out.json", toml(tmp_path, text))
    problems = zenodo.export(job)
    record = json.loads(job.out.read_text(encoding="utf-8"))
    assert record["creators"] == [{"name": "Doe, Jane", "affiliation": "Test University", "orcid": "0000-0002-1825-0097"}]
    assert record["contributors"] == [{"name": "Roe, Richard", "type": "Editor"}]
    assert record["description"] == "<p>Some letters.</p><p>A second paragraph with &lt;angle&gt; &amp; ampersand.</p>"
    assert record["publication_date"] == "2025-01-01" and any("publication_date" in p.message for p in problems)
    assert record["notes"] == "The documents are dated 1890-02-03."
    job = make_job([tmp_path / "in" / "a.xml"], tmp_path / "out.json",
                   toml(tmp_path, 'publication_date = "2025-05-17"\n' + text))
    zenodo.export(job)
    assert json.loads(job.out.read_text())["publication_date"] == "2025-05-17"


@pytest.mark.parametrize("change, message", [
    ({"licence": ""}, "no licence, which Zenodo requires"),
    ({"licence": "https://example.org/our-terms"}, "not one this toolkit can name"),
    ({"description": ""}, "no description, which Zenodo requires"),
])
def test_zenodo_requires_a_licence_it_knows_and_a_description(tmp_path, change, message):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", toml(tmp_path, FULL_TOML), **change)
    with pytest.raises(ExportInvalid, match=message):
        zenodo.export(job)
    assert not job.out.exists()
    if "licence" in change:
        dc_export.export(dataclasses.replace(job, out=tmp_path / "datacite.json"))  # DataCite does without


def test_the_zenodo_check_rejects_broken_records(samples):
    good = samples["zenodo"]
    broken = {
        "upload type": ({**good, "upload_type": "edition"}, "upload_type"),
        "open without licence": ({k: v for k, v in good.items() if k != "license"}, "'license' is a required property"),
        "two-letter language": ({**good, "language": "en"}, "language"),
        "bad date": ({**good, "publication_date": "2026-02-30"}, "publication_date"),
        "no creators": ({**good, "creators": []}, "creators"),
        "bad orcid": ({**good, "creators": [{"name": "A", "orcid": "0000-0002-1825-0098"}]}, "check digit"),
        "bad relation": ({**good, "related_identifiers": [{"identifier": "x", "relation": "IsDerivedFrom"}]},
                         "related_identifiers/0/relation"),
        "contributor type": ({**good, "contributors": [{"name": "A", "type": "Proofreader"}]}, "contributors/0/type"),
        "unknown key": ({**good, "licence": "cc-by-4.0"}, "Additional properties"),
    }
    for name, (record, message) in broken.items():
        errors = zenodo.zenodo_errors(record)
        assert any(message in e for e in errors), (name, errors)
        with pytest.raises(ExportInvalid, match="not valid Zenodo deposit metadata"):
            zenodo.check(record)
    # the DataCite side of the check fails too where DataCite's schema says so
    assert any(e.startswith("as DataCite: creators") for e in zenodo.zenodo_errors(broken["no creators"][0]))


@pytest.mark.parametrize("code, expected", [("en", "eng"), ("en-GB", "eng"), ("de", "deu"), ("ger", "deu"),
                                            ("zh", "zho"), ("rus", "rus"), ("xx", None), ("english", None)])
def test_language_codes_become_iso_639_3(code, expected):
    assert zenodo.iso639_3(code) == expected


def test_an_unknown_language_is_left_out_with_a_warning(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out.json", toml(tmp_path, FULL_TOML),
                   languages=("xx",))
    problems = zenodo.export(job)
    assert "language" not in json.loads(job.out.read_text()) and any("'xx'" in p.message for p in problems)


def test_identifiers_and_rights_from_the_headers(tmp_path):
    """Record ids that are DOIs, the documents' own licences, the collection's DOI or other identifier."""
    path = tmp_path / "in" / "a.xml"
    tei(path)
    text = path.read_text(encoding="utf-8").replace(
        "<publicationStmt><p>Unpublished</p></publicationStmt>",
        '<publicationStmt><publisher>P</publisher><idno type="DOI">https://doi.org/10.1234/Archive.5</idno>'
        '<availability><licence target="https://creativecommons.org/publicdomain/zero/1.0/deed.de"/>'
        "</availability></publicationStmt>")
    path.write_text(text, encoding="utf-8")
    collection = toml(tmp_path, FULL_TOML.replace("orcid = \"0000-0002-1825-0097\"",
                                                  "orcid = \"https://orcid.org/0000-0002-1825-0097\""))
    job = make_job([path], tmp_path / "out.json", collection, identifier="https://doi.org/10.5281/zenodo.42")
    dc_export.export(job)
    record = json.loads(job.out.read_text(encoding="utf-8"))
    assert record["doi"] == "10.5281/zenodo.42" and "alternateIdentifiers" not in record
    assert record["creators"][0]["nameIdentifiers"][0]["nameIdentifier"] == "https://orcid.org/0000-0002-1825-0097"
    assert {"relatedIdentifier": "10.1234/Archive.5", "relatedIdentifierType": "DOI", "relationType": "IsDerivedFrom",
            "resourceTypeGeneral": "Text"} in record["relatedIdentifiers"]
    assert [r.get("rightsIdentifier") for r in record["rightsList"]] == ["CC-BY-4.0", "CC0-1.0"]
    job = dataclasses.replace(job, collection=dataclasses.replace(job.collection, identifier="hdl:20.500/1",
                                                                  languages=("not a tag",)))
    problems = dc_export.export(job)
    record = json.loads(job.out.read_text(encoding="utf-8"))
    assert "doi" not in record and "language" not in record
    assert record["alternateIdentifiers"] == [{"alternateIdentifier": "hdl:20.500/1", "alternateIdentifierType": "Local"}]
    assert any("'not a tag' is not an IETF BCP 47 tag" in p.message for p in problems)


@pytest.mark.parametrize("date, valid", [("1945-07-03T10:00:00Z", True), ("1945-07-03T25:00", False),
                                         ("1945/1946", True), ("1945-07/1945-08", True), ("1945/1946-02", False),
                                         ("1945-07-03/1945-07-32", False)])
def test_the_date_formats_are_checked(samples, date, valid):
    record = {**samples["datacite"], "dates": [{"date": date, "dateType": "Other"}]}
    assert (dc_export.schema_errors(record) == []) == valid


def test_urls_that_cannot_be_parsed_are_not_urls():
    assert not dc_export.is_url("http://[unclosed") and not dc_export.is_uri("http://[unclosed")
    assert dc_export.licence("http://[unclosed").spdx is None
