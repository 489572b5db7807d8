"""`tei export dc`: one oai_dc record per document, valid against the OAI-PMH schema (the package's local
copies, no network); the folder replaced whole, or untouched when a record is invalid."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
import xmlschema
from click.testing import CliRunner
from lxml import etree

from conftest import ROOT, hand_written_tei as tei
from tei.cli import main
from tei.collection import Agent, load_collection
from tei.errors import OutputRefused
from tei.export import ExportInvalid, ExportJob, document_order, dublin_core
from tei.metadata import read_metadata

DOC_000, DOC_001 = "000_0057ff3e2a2cacb5", "001_e5f868fdedea9438"
SAMPLE_COLLECTION = ROOT / "sources" / "collection.toml"
NS = {"oai_dc": dublin_core.OAI_DC, "dc": dublin_core.DC}


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def make_job(paths, out: Path, **changes) -> ExportJob:
    docs = tuple(sorted((read_metadata(p) for p in paths), key=document_order))
    collection = load_collection(SAMPLE_COLLECTION, list(docs))
    return ExportJob(docs, dataclasses.replace(collection, **changes), out)


def fields(path: Path) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for child in etree.parse(str(path)).getroot():
        found.setdefault(etree.QName(child).localname, []).append(child.text)
    return found


@pytest.fixture(scope="module")
def exported(sample_tei, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("dc") / "records"
    result = run("export", "dc", *sample_tei.values(), "-o", out, "--collection", SAMPLE_COLLECTION)
    assert result.exit_code == 0, result.output
    return out


def test_one_valid_record_per_sample(exported):
    assert sorted(p.name for p in exported.iterdir()) == [".tei-export", f"{DOC_000}.xml", f"{DOC_001}.xml"]
    other = xmlschema.XMLSchema10(str(dublin_core.SCHEMAS / "oai_dc.xsd"), allow="local")  # a second validator
    for path in exported.glob("*.xml"):
        tree = etree.parse(str(path))
        assert dublin_core.record_errors(tree.getroot()) == []
        other.validate(str(path))
        root = tree.getroot()
        assert root.tag == f"{{{dublin_core.OAI_DC}}}dc"
        assert root.get(f"{{{dublin_core.XSI}}}schemaLocation") == (
            "http://www.openarchives.org/OAI/2.0/oai_dc/ http://www.openarchives.org/OAI/2.0/oai_dc.xsd")
        names = [etree.QName(c).localname for c in root]
        assert names == sorted(names, key=dublin_core.ELEMENTS.index)  # in the fifteen elements' order


def test_what_a_sample_record_says(exported):
    record = fields(exported / f"{DOC_000}.xml")
    assert record["title"] == ["Cable, Summary of Averell Harriman Meeting with T. V. Soong"]
    assert record["creator"] == ["W. Averell Harriman"]
    assert record["date"] == ["1945-07-03"] and record["language"] == ["en"]
    assert record["description"][0].startswith("Harriman reports on his meeting with Dr. Soong")
    assert record["description"][1] == "Addressed to: Harry S. Truman; James F. Byrnes"
    assert "Joseph Stalin" in record["subject"] and "W. Averell Harriman" not in record["subject"]  # sender: creator
    assert record["coverage"][0] == "Moscow" and "Outer Mongolia" in record["coverage"]  # where sent, then places
    assert record["type"] == ["Text"] and record["format"] == ["application/tei+xml"]
    assert record["identifier"] == [f"https://example.org/harriman-cables/{DOC_000}.html"]
    assert record["source"][1] == "https://wilson-center-digital-archive.dvincitest.com/document/123411"
    assert record["source"][0].endswith("W. A. Harriman Papers, Library of Congress.")
    assert record["rights"] == ["https://creativecommons.org/licenses/by/4.0/"]
    assert record["publisher"] == ["Unpublished TEI edition"]
    assert record["contributor"] == ["Editors of the sample edition", "tei-transcripts"]
    assert record["relation"] == ["https://example.org/harriman-cables/"]
    other = fields(exported / f"{DOC_001}.xml")
    assert other["date"] == ["1945-07"] and "language" not in other  # this one's header names no language
    assert other["rights"][1].startswith("The History and Public Policy Program")


def test_a_document_with_little_in_its_header(tmp_path):
    """No date, sender, addressee, abstract, language, source: a record with what there is, still valid."""
    job = make_job([tei(tmp_path / "in" / "bare.xml")], tmp_path / "out", url="", licence="", contributors=(),
                   creators=())
    assert dublin_core.export(job) == []
    record = fields(tmp_path / "out" / "bare.xml")
    assert record == {"title": ["A letter"], "publisher": ["Unpublished TEI edition"], "type": ["Text"],
                      "format": ["application/tei+xml"]}


@pytest.mark.parametrize("date, expected", [
    ('<date notBefore="1945-07" notAfter="1945-08"/>', "1945-07/1945-08"),
    ('<date notBefore="1945-07"/>', "1945-07/.."),
    ('<date notAfter="1945"/>', "../1945"),
])
def test_uncertain_dates_are_intervals(tmp_path, date, expected):
    profile = (f'<correspDesc><correspAction type="sent"><persName>A</persName>{date}</correspAction>'
               '</correspDesc>')
    job = make_job([tei(tmp_path / "in" / "a.xml", profile=profile)], tmp_path / "out")
    dublin_core.export(job)
    assert fields(tmp_path / "out" / "a.xml")["date"] == [expected]


def test_the_collection_doi_is_the_relation(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out", identifier="doi:10.5281/zenodo.123")
    dublin_core.export(job)
    assert fields(tmp_path / "out" / "a.xml")["relation"] == ["https://doi.org/10.5281/zenodo.123",
                                                              "https://example.org/harriman-cables/"]


def test_the_same_input_gives_the_same_bytes(sample_tei, exported, tmp_path):
    again = tmp_path / "again"
    assert run("export", "dc", *sample_tei.values(), "-o", again, "--collection", SAMPLE_COLLECTION).exit_code == 0
    for path in exported.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes()


def test_the_folder_is_replaced_whole(tmp_path):
    out = tmp_path / "out"
    dublin_core.export(make_job([tei(tmp_path / "in" / "a.xml"), tei(tmp_path / "in" / "b.xml")], out))
    dublin_core.export(make_job([tei(tmp_path / "in" / "a.xml")], out))  # its own earlier export: replaced
    assert sorted(p.name for p in out.iterdir()) == [".tei-export", "a.xml"]
    (out / "notes.txt").write_text("a user's file", encoding="utf-8")
    with pytest.raises(OutputRefused, match="notes.txt.*--force"):
        dublin_core.export(make_job([tei(tmp_path / "in" / "b.xml")], out))
    dublin_core.export(dataclasses.replace(make_job([tei(tmp_path / "in" / "b.xml")], out), force=True))
    assert sorted(p.name for p in out.iterdir()) == [".tei-export", "b.xml"]


def test_an_invalid_record_writes_nothing(tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.xml").write_text("the old export", encoding="utf-8")
    job = make_job([tei(tmp_path / "in" / "a.xml"), tei(tmp_path / "in" / "b.xml")], out)
    real = dublin_core.dc_fields
    monkeypatch.setattr(dublin_core, "dc_fields",
                        lambda doc, c: real(doc, c) + ([("creators", "not a DC element")] if doc.stem == "b" else []))
    with pytest.raises(ExportInvalid, match=r"b\.xml: line \d+: .*creators.*not expected"):
        dublin_core.export(job)
    assert [p.name for p in out.iterdir()] == ["old.xml"]  # neither a.xml nor b.xml
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".out.")]  # no staging folder left


def test_the_schema_and_the_rules_reject_what_oai_dc_does_not_allow():
    def record(inner: str, attrs: str = "") -> etree._Element:
        return etree.fromstring(f'<oai_dc:dc xmlns:oai_dc="{dublin_core.OAI_DC}" xmlns:dc="{dublin_core.DC}" {attrs}>'
                                f"{inner}</oai_dc:dc>")

    assert dublin_core.record_errors(record('<dc:title xml:lang="en">A</dc:title><dc:date>1945-07</dc:date>')) == []
    assert dublin_core.record_errors(record("<dc:title><b>bold</b></dc:title>"))  # elements hold text only
    assert dublin_core.record_errors(record('<dc:title type="x">A</dc:title>'))  # no attribute but xml:lang
    assert dublin_core.record_errors(record("<dc:dc>A</dc:dc>"))  # not one of the fifteen
    assert dublin_core.record_errors(record("", 'xmlns:x="urn:x" x:y="1"'))  # nor on the record
    assert dublin_core.record_errors(record("<dc:title> </dc:title>")) == ["dc:title is empty"]
    assert dublin_core.record_errors(record("<dc:date>3 July 1945</dc:date>")) == [
        "dc:date '3 July 1945' is not an ISO 8601 date or interval"]
    wrong_root = etree.fromstring(f'<dc:title xmlns:dc="{dublin_core.DC}">A</dc:title>')
    assert dublin_core.record_errors(wrong_root)


def test_the_local_schema_is_the_oai_pmh_one():
    schema = etree.parse(str(dublin_core.SCHEMAS / "oai_dc.xsd"))
    xs = {"xs": "http://www.w3.org/2001/XMLSchema"}
    refs = [r.split(":")[1] for r in schema.xpath("//xs:complexType[@name='oai_dcType']/xs:choice/xs:element/@ref",
                                                  namespaces=xs)]
    assert tuple(refs) == dublin_core.ELEMENTS
    assert schema.xpath("//xs:import/@schemaLocation", namespaces=xs) == ["simpledc20021212.xsd"]
    simple = etree.parse(str(dublin_core.SCHEMAS / "simpledc20021212.xsd"))
    assert simple.xpath("//xs:import/@schemaLocation", namespaces=xs) == ["xml.xsd"]
    assert (dublin_core.SCHEMAS / "xml.xsd").is_file()


def test_two_documents_with_one_name_are_both_named_and_the_others_exported(tmp_path):
    job = make_job([tei(tmp_path / "a" / "x.xml"), tei(tmp_path / "b" / "x.xml"), tei(tmp_path / "a" / "y.xml")],
                   tmp_path / "out")
    problems = dublin_core.export(job)
    assert [(p.level, str(p.path)) for p in problems] == [("error", str(tmp_path / "b" / "x.xml"))]
    assert str(tmp_path / "a" / "x.xml") in problems[0].message and "same name" in problems[0].message
    assert sorted(p.name for p in (tmp_path / "out").glob("*.xml")) == ["x.xml", "y.xml"]


def test_no_documents_is_refused(tmp_path):
    job = make_job([], tmp_path / "out")
    with pytest.raises(ExportInvalid, match="no documents"):
        dublin_core.export(job)


def test_a_file_where_the_folder_goes_is_refused(sample_tei, tmp_path):
    out = tmp_path / "records"
    out.write_text("a file", encoding="utf-8")
    result = run("export", "dc", *sample_tei.values(), "-o", out, "--collection", SAMPLE_COLLECTION)
    assert result.exit_code == 2 and "not a folder" in result.stderr
    assert out.read_text(encoding="utf-8") == "a file"


def test_editors_are_contributors(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out", creators=(Agent("Doe, Jane"),),
                   contributors=(Agent("Roe, Richard", role="Editor"),))
    dublin_core.export(job)
    assert fields(tmp_path / "out" / "a.xml")["contributor"] == ["Doe, Jane", "Roe, Richard"]


def test_a_string_xml_cannot_hold_is_reported_not_written(tmp_path):
    job = make_job([tei(tmp_path / "in" / "a.xml")], tmp_path / "out")
    job = dataclasses.replace(job, documents=(dataclasses.replace(job.documents[0], title="A bell \x07 rings"),))
    with pytest.raises(ExportInvalid, match="a.xml: All strings must be XML compatible"):
        dublin_core.export(job)
    assert not (tmp_path / "out").exists()
