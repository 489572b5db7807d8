"""`tei export cmif`: a CMIF file correspSearch can harvest, checked before it is written.

The rules are CMIF's (TEI Correspondence SIG: its ODD, schema and Schematron) and correspSearch's:
one correspDesc per letter with a sent action (a name and a date as YYYY, YYYY-MM or YYYY-MM-DD) and a
received one, @ref only as an http URI of VIAF, GND, LC or Wikidata (people, organisations) or GeoNames
(places), a licence, sourceDesc/bibl with @xml:id and @type. The file is TEI too: valid against TEI All
(lxml here, jing once).
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ROOT, jing
from tei.cli import main
from tei.collection import Agent, Collection, load_collection
from tei.export import ExportInvalid, ExportJob, document_order, cmif
from tei.metadata import read_metadata

COLLECTION = ROOT / "sources" / "collection.toml"
DOC_000, DOC_001 = "000_0057ff3e2a2cacb5", "001_e5f868fdedea9438"
EPOCH = "1767225600"  # 2026-01-01
TEI_NS = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI_NS}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tei_all):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("TEI_ALL", str(tei_all))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def letter(folder: Path, stem: str, sent: str = "", received: str = '<persName>Someone</persName>',
           date: str = '<date when="1801-02-03">3 February 1801</date>', records: str = "") -> Path:
    """A small TEI letter; `sent`/`received`: the correspActions' names, `records`: a listPerson's persons."""
    path = folder / f"{stem}.xml"
    standoff = f"<standOff><listPerson>{records}</listPerson></standOff>" if records else ""
    path.write_text(
        f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>{stem}</title></titleStmt>'
        "<publicationStmt><p>Test</p></publicationStmt><sourceDesc><p>Test</p></sourceDesc></fileDesc>"
        f'<profileDesc><correspDesc><correspAction type="sent">{sent}{date}</correspAction>'
        f'<correspAction type="received">{received}</correspAction></correspDesc></profileDesc></teiHeader>'
        f"{standoff}<text><body><p>Text.</p></body></text></TEI>", encoding="utf-8")
    return path


def collection(**changes) -> Collection:
    base = Collection(title="Letters for the tests", creators=(Agent("Doe, Jane"),), publisher="Test Press",
                      licence=cmif.CC_BY_4, url="https://example.org/letters/", email="jane@example.org")
    return dataclasses.replace(base, **changes)


def job_of(paths, out: Path, **changes) -> ExportJob:
    documents = tuple(sorted((read_metadata(p) for p in paths), key=document_order))
    return ExportJob(documents, collection(**changes), out)


def parse(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def actions(root, kind: str):
    return root.findall(f".//t:correspDesc/t:correspAction[@type='{kind}']", NS)


# ---------------------------------------------------------------------------
# The samples, through the command
# ---------------------------------------------------------------------------

def test_samples_make_a_harvestable_cmif_file(sample_tei, tmp_path, tei_all):
    out = tmp_path / "cmif.xml"
    result = run("export", "cmif", *sample_tei.values(), "-o", out, "--collection", COLLECTION)
    assert result.exit_code == 0, result.output
    root = parse(out)
    assert cmif.cmif_errors(root) == []
    assert jing(tei_all, out).returncode == 0  # TEI All, by the reference validator too

    header = root.find("t:teiHeader/t:fileDesc", NS)
    assert header.findtext("t:titleStmt/t:title", namespaces=NS).startswith("Averell Harriman's cables")
    editor = header.find("t:titleStmt/t:editor", NS)
    assert editor.text.strip() == "Editors of the sample edition"
    assert editor.findtext("t:email", namespaces=NS) == "editor@example.org"
    publication = header.find("t:publicationStmt", NS)
    assert publication.findtext("t:publisher", namespaces=NS) == "Unpublished TEI edition"
    assert publication.find("t:idno", NS).attrib == {"type": "url"}
    assert publication.findtext("t:idno", namespaces=NS) == "https://example.org/harriman-cables/cmif.xml"
    assert publication.find("t:date", NS).get("when") == "2026-01-01"  # SOURCE_DATE_EPOCH
    assert publication.find("t:availability/t:licence", NS).get("target") == cmif.CC_BY_4
    bibl = header.find("t:sourceDesc/t:bibl", NS)
    assert bibl.get("type") == "online" and bibl.get(XML_ID)[0].isalpha()
    assert bibl.find("t:ref", NS).get("target") == "https://example.org/harriman-cables/"

    letters = root.findall(".//t:correspDesc", NS)
    assert [c.get("ref") for c in letters] == [f"https://example.org/harriman-cables/{s}.html"
                                               for s in (DOC_001, DOC_000)]  # the export's order: by date
    assert {c.get("source") for c in letters} == {f"#{bibl.get(XML_ID)}"}
    sent = actions(root, "sent")[1]
    assert [(e.tag.split("}")[1], e.text, e.get("ref")) for e in sent] == [
        ("persName", "W. Averell Harriman", None),  # no authority id in the samples' authority
        ("placeName", "Moscow", "http://www.geonames.org/524901"),
        ("date", None, None)]
    assert sent.find("t:date", NS).attrib == {"when": "1945-07-03"}
    assert actions(root, "sent")[0].find("t:date", NS).attrib == {"when": "1945-07"}
    truman = actions(root, "received")[1].find("t:persName", NS)
    assert (truman.text, truman.get("ref")) == ("Harry S. Truman", "http://www.wikidata.org/entity/Q11613")
    assert root.find("t:text/t:body/t:p", NS) is not None and not len(root.find("t:text/t:body/t:p", NS))

    # the names correspSearch cannot index are reported, file by file; the export still succeeds
    lines = result.stderr.splitlines()
    assert any(str(sample_tei[DOC_000]) in line and "W. Averell Harriman" in line and "without @ref" in line
               for line in lines)
    assert any("James F. Byrnes" in line for line in lines)


def test_the_same_input_gives_the_same_bytes(sample_tei, tmp_path):
    outs = [tmp_path / name / "cmif.xml" for name in ("a", "b")]
    for out in outs:
        assert run("export", "cmif", *sample_tei.values(), "-o", out, "--collection", COLLECTION).exit_code == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()
    assert outs[0].read_bytes().startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<TEI xmlns=')


def test_a_collection_without_a_licence_writes_nothing(sample_tei, tmp_path):
    unlicensed = tmp_path / "collection.toml"
    unlicensed.write_text(COLLECTION.read_text(encoding="utf-8").replace("licence =", "# licence ="),
                          encoding="utf-8")
    out = tmp_path / "cmif.xml"
    result = run("export", "cmif", *sample_tei.values(), "-o", out, "--collection", unlicensed)
    assert result.exit_code == 1
    assert "not valid, so nothing was written" in result.stderr and "licence" in result.stderr
    assert "collection.toml" in result.stderr
    assert not out.exists() and not list(tmp_path.glob(".cmif.xml*"))


def test_an_older_file_is_left_alone_when_the_export_fails(sample_tei, tmp_path):
    out = tmp_path / "cmif.xml"
    out.write_bytes(b"the previous export")
    job = job_of(sample_tei.values(), out, licence="")
    with pytest.raises(ExportInvalid, match="licence"):
        cmif.export(job)
    assert out.read_bytes() == b"the previous export"


# ---------------------------------------------------------------------------
# Letters that miss fields
# ---------------------------------------------------------------------------

def test_letters_without_sender_or_date_are_left_out_and_named(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    good = letter(folder, "good", sent='<persName ref="https://d-nb.info/gnd/118540238">Goethe</persName>')
    undated = letter(folder, "undated", sent="<persName>Schiller</persName>", date="")
    no_sender = letter(folder, "nosender", sent="")
    bad_date = letter(folder, "baddate", sent="<persName>Herder</persName>", date='<date when="1801-02-30"/>')
    text_only = letter(folder, "textdate", sent="<persName>Wieland</persName>", date="<date>spring 1801</date>")
    out = tmp_path / "cmif.xml"
    problems = cmif.export(job_of([good, undated, no_sender, bad_date, text_only], out))
    root = parse(out)
    assert [c.get("ref") for c in root.findall(".//t:correspDesc", NS)] == ["https://example.org/letters/good.html"]
    left_out = {p.path.name: p.message for p in problems if "left out" in p.message}
    assert set(left_out) == {"undated.xml", "nosender.xml", "baddate.xml", "textdate.xml"}
    assert "no date" in left_out["undated.xml"] and "no sender" in left_out["nosender.xml"]
    assert "1801-02-30" in left_out["baddate.xml"] and "not a real date" in left_out["baddate.xml"]
    assert "spring 1801" in left_out["textdate.xml"]
    assert all(p.level == "warning" for p in problems)  # reported, the rest exported
    # ... and through the command: the file names are in the messages, the exit code is 0
    result = run("export", "cmif", folder, "-o", tmp_path / "cli.xml", "--collection", write_collection(tmp_path))
    assert result.exit_code == 0, result.output
    assert sum("left out of the CMIF" in line for line in result.stderr.splitlines()) == 4
    assert f"{undated}: warning: left out of the CMIF: it has no date" in result.stderr


def test_no_letter_to_export_is_an_invalid_export(tmp_path):
    undated = letter(tmp_path, "undated", sent="<persName>Schiller</persName>", date="")
    out = tmp_path / "cmif.xml"
    with pytest.raises(ExportInvalid, match=r"no letter can go into the CMIF: undated\.xml: .*no date"):
        cmif.export(job_of([undated], out))
    assert not out.exists()


def test_authority_uris_in_ref_as_correspsearch_wants_them(tmp_path):
    records = ('<person xml:id="humboldt"><persName>Alexander von Humboldt</persName>'
               '<idno type="wikidata">Q6694</idno><idno type="viaf">41849765</idno></person>'
               '<person xml:id="nobody"><persName>Nobody Known</persName></person>')
    path = letter(tmp_path, "a", records=records,
                  sent='<persName ref="#humboldt">A. v. Humboldt</persName>'
                       '<placeName ref="https://www.geonames.org/2950159">Berlin</placeName>',
                  received='<persName ref="https://d-nb.info/gnd/118540238">Goethe</persName>'
                           '<persName ref="#nobody"/>'  # empty: the record's name is used
                           '<placeName ref="http://www.wikidata.org/entity/Q3955">Weimar</placeName>')
    out = tmp_path / "cmif.xml"
    problems = cmif.export(job_of([path], out))
    root = parse(out)
    sent, received = actions(root, "sent")[0], actions(root, "received")[0]
    assert [(e.text, e.get("ref")) for e in sent.findall("t:persName", NS)] == [
        ("A. v. Humboldt", "http://viaf.org/viaf/41849765")]  # VIAF before Wikidata
    assert sent.find("t:placeName", NS).get("ref") == "http://www.geonames.org/2950159"
    assert [(e.text, e.get("ref")) for e in received.findall("t:persName", NS)] == [
        ("Goethe", "http://d-nb.info/gnd/118540238"),  # a GND URI straight in @ref, as http
        ("Nobody Known", None)]
    weimar = received.find("t:placeName", NS)
    assert (weimar.text, weimar.get("ref")) == ("Weimar", None)  # Wikidata is no place authority for CMIF
    messages = [p.message for p in problems]
    assert any(m.startswith("Nobody Known: no VIAF, GND, Library of Congress or Wikidata") for m in messages)
    assert any(m.startswith("Weimar: no GeoNames identifier") for m in messages)
    assert cmif.cmif_errors(root) == []


def test_an_organisation_sends_and_nobody_known_receives(tmp_path):
    path = letter(tmp_path, "org", received="",
                  sent='<orgName ref="http://id.loc.gov/authorities/names/n79021164">Royal Society</orgName>')
    out = tmp_path / "cmif.xml"
    problems = cmif.export(job_of([path], out))
    root = parse(out)
    org = actions(root, "sent")[0].find("t:orgName", NS)
    assert (org.text, org.get("ref")) == ("Royal Society", "http://id.loc.gov/authorities/names/n79021164")
    assert actions(root, "received")[0].findtext("t:persName", namespaces=NS) == "Unknown"  # as CMIF asks
    assert any("no addressee" in p.message for p in problems)


def test_uncertain_dates_as_not_before_and_not_after(tmp_path):
    path = letter(tmp_path, "range", sent="<persName>A</persName>",
                  date='<date notBefore="1801-02" notAfter="1801">early 1801</date>')
    out = tmp_path / "cmif.xml"
    cmif.export(job_of([path], out))
    assert actions(parse(out), "sent")[0].find("t:date", NS).attrib == {"notBefore": "1801-02", "notAfter": "1801"}


# ---------------------------------------------------------------------------
# The collection's part
# ---------------------------------------------------------------------------

def write_collection(folder: Path, keys: str = "", tables: str = "") -> Path:
    path = folder / "collection.toml"
    path.write_text('title = "Letters for the tests"\npublisher = "Test Press"\n'
                    'licence = "https://creativecommons.org/licenses/by/4.0/"\n'
                    'url = "https://example.org/letters/"\nemail = "jane@example.org"\n' + keys +
                    '[[creators]]\nname = "Doe, Jane"\n' + tables, encoding="utf-8")
    return path


def test_collection_without_url_email_or_creators(tmp_path, sample_tei):
    out = tmp_path / "cmif.xml"
    job = job_of(sample_tei.values(), out, url="", email="", creators=())
    problems = cmif.export(job)
    root = parse(out)
    assert root.findtext(".//t:publicationStmt/t:idno", namespaces=NS) == out.resolve().as_uri()
    assert root.find(".//t:titleStmt/t:editor", NS).text == "Test Press"  # the publisher, when no one else
    assert root.find(".//t:titleStmt/t:editor/t:email", NS) is None
    refs = [c.get("ref") for c in root.findall(".//t:correspDesc", NS)]
    assert refs[1] == read_metadata(sample_tei[DOC_000]).source_url  # no edition URL: the source's
    assert refs[0] is None  # 001 has no source URL at all
    assert root.find(".//t:sourceDesc/t:bibl/t:ref", NS) is None
    messages = " | ".join(p.message for p in problems)
    assert "no url" in messages and "no email" in messages and "no creators" in messages
    assert "has no URL" in messages
    assert cmif.cmif_errors(root) == []


def test_the_file_url_may_be_given_and_the_contact_person_chosen(tmp_path, sample_tei):
    folder = tmp_path / "c"
    folder.mkdir()
    path = write_collection(folder, 'cmif_url = "https://example.org/cmif/letters.xml"\n',
                                    '[[contributors]]\nname = "Roe, Richard"\nrole = "ContactPerson"\n'
                                    'email = "richard@example.org"\n')
    docs = [read_metadata(p) for p in sample_tei.values()]
    job = ExportJob(tuple(docs), load_collection(path, docs), tmp_path / "cmif.xml")
    cmif.export(job)
    root = parse(job.out)
    assert root.findtext(".//t:publicationStmt/t:idno", namespaces=NS) == "https://example.org/cmif/letters.xml"
    editor = root.find(".//t:titleStmt/t:editor", NS)
    assert (editor.text.strip(), editor.findtext("t:email", namespaces=NS)) == ("Roe, Richard", "richard@example.org")


def test_licences_correspsearch_does_not_harvest_are_reported(tmp_path, sample_tei):
    out = tmp_path / "cmif.xml"
    problems = cmif.export(job_of(sample_tei.values(), out, licence="https://creativecommons.org/licenses/by-nc/4.0/"))
    assert any("neither CC BY 4.0 nor CC0" in p.message for p in problems)
    assert parse(out).find(".//t:licence", NS).get("target") == "https://creativecommons.org/licenses/by-nc/4.0/"
    cc0 = "http://creativecommons.org/publicdomain/zero/1.0/legalcode"  # another way to write CC0 1.0
    cc0 = cmif.export(job_of(sample_tei.values(), out, licence=cc0))
    assert not any("neither" in p.message for p in cc0)
    with pytest.raises(ExportInvalid, match="not a URL"):
        cmif.export(job_of(sample_tei.values(), out, licence="CC BY 4.0"))
    with pytest.raises(ExportInvalid, match="publisher"):
        cmif.export(job_of(sample_tei.values(), out, publisher=""))


def test_the_bibl_id_is_a_stable_uuid_beginning_with_a_letter():
    ids = {cmif.bibl_id(collection(url=f"https://example.org/{n}/")) for n in range(200)}
    assert len(ids) == 200 and all(i[0] in "abcdef" and len(i) == 36 for i in ids)
    assert cmif.bibl_id(collection()) == cmif.bibl_id(collection(title="Another title"))  # by URL when there is one
    assert cmif.bibl_id(collection(url="")) != cmif.bibl_id(collection(url="", title="Another title"))


# ---------------------------------------------------------------------------
# The check before writing
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def valid_cmif(sample_tei, tmp_path_factory) -> etree._Element:
    out = tmp_path_factory.mktemp("cmif") / "cmif.xml"
    mp = pytest.MonkeyPatch()
    mp.setenv("SOURCE_DATE_EPOCH", EPOCH)
    cmif.export(job_of(sample_tei.values(), out))
    mp.undo()
    return parse(out)


def _broken(root, change) -> list[str]:
    root = copy.deepcopy(root)
    change(root)
    return cmif.cmif_errors(root)


def _drop_children(parent, name):
    for child in parent.findall(f"t:{name}", NS):
        parent.remove(child)


def _find(root, path):
    return root.find(path, NS)


@pytest.mark.parametrize("change, expected", [
    (lambda r: _find(r, ".//t:availability").remove(_find(r, ".//t:licence")), "licence"),
    (lambda r: _find(r, ".//t:correspAction/t:persName").set("ref", "https://www.wikidata.org/wiki/Q11613"),
     "not an http URI of VIAF, GND, Library of Congress or Wikidata"),
    (lambda r: _find(r, ".//t:correspAction/t:placeName").set("ref", "http://www.wikidata.org/entity/Q649"),
     "not an http URI of GeoNames"),
    (lambda r: _find(r, ".//t:correspAction/t:date").set("when", "3 July 1945"), "YYYY-MM-DD"),
    (lambda r: setattr(_find(r, ".//t:correspAction/t:date"), "text", "July 1945"), "date must be empty"),
    (lambda r: _find(r, ".//t:correspAction/t:date").set("notAfter", "1946"), "@when cannot go with"),
    (lambda r: _find(r, ".//t:correspDesc").remove(_find(r, ".//t:correspAction[@type='sent']")),
     'one correspAction type="sent"'),
    (lambda r: _find(r, ".//t:correspAction[@type='sent']").remove(_find(r, ".//t:correspAction/t:date")),
     "the sent action needs one date"),
    (lambda r: _drop_children(_find(r, ".//t:correspAction[@type='sent']"), "persName"), "persName or orgName"),
    (lambda r: _find(r, ".//t:sourceDesc/t:bibl").attrib.pop(XML_ID), "@xml:id"),
    (lambda r: _find(r, ".//t:sourceDesc/t:bibl").set("type", "digital"), "bibl/@type"),
    (lambda r: _find(r, ".//t:correspDesc").set("source", "#elsewhere"), "@source does not point"),
    (lambda r: _find(r, ".//t:titleStmt").remove(_find(r, ".//t:editor")), "editor"),
    (lambda r: _find(r, ".//t:publicationStmt/t:idno").set("type", "URI"), 'type="url"'),
    (lambda r: etree.SubElement(_find(r, "t:teiHeader"), f"{{{TEI_NS}}}encodingDesc"), "only fileDesc and profileDesc"),
])
def test_each_cmif_rule_is_checked(valid_cmif, change, expected):
    assert cmif.cmif_errors(valid_cmif) == []
    errors = _broken(valid_cmif, change)
    assert any(expected in e for e in errors), errors


@pytest.mark.parametrize("tei_all_given", [True, False], ids=["TEI_ALL set", "the shipped TEI All"])
def test_what_tei_all_rejects_is_not_written(sample_tei, tmp_path, monkeypatch, tei_all_given):
    """TEI All is checked whether or not TEI_ALL names a copy: without one, the toolkit's own copy is used."""
    if not tei_all_given:
        monkeypatch.delenv("TEI_ALL")
    build = cmif.build

    def with_a_repeated_id(job):
        root, problems = build(job)
        bibl_id = root.find(".//t:bibl", NS).get(XML_ID)
        root.find(".//t:correspDesc", NS).set(XML_ID, bibl_id)  # CMIF's own rules do not look at this
        return root, problems

    monkeypatch.setattr(cmif, "build", with_a_repeated_id)
    out = tmp_path / "cmif.xml"
    result = run("export", "cmif", *sample_tei.values(), "-o", out, "--collection", COLLECTION)
    assert result.exit_code == 1
    assert "not valid against TEI All (tei_all.rng)" in result.stderr and "has already been defined" in result.stderr
    assert not out.exists()


def test_without_tei_all_set_the_shipped_copy_checks_the_export_and_no_warning_is_given(sample_tei, tmp_path,
                                                                                          monkeypatch):
    monkeypatch.delenv("TEI_ALL")
    out = tmp_path / "cmif.xml"
    problems = cmif.export(job_of(sample_tei.values(), out))
    assert not any("TEI All" in p.message for p in problems)
    assert cmif.cmif_errors(parse(out)) == []


def test_an_output_that_is_a_folder_is_refused(sample_tei, tmp_path):
    result = run("export", "cmif", *sample_tei.values(), "-o", tmp_path, "--collection", COLLECTION)
    assert result.exit_code == 1 and f"{tmp_path}: error: is a folder" in result.stderr
