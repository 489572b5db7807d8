"""`tei export csv`: people.csv, places.csv, organisations.csv read back as a spreadsheet or OpenRefine would."""

from __future__ import annotations

import csv
import dataclasses
import io
from pathlib import Path

import pytest
from conftest import hand_written_tei as tei
from click.testing import CliRunner
from lxml import etree

from tei.cli import main
from tei.collection import Collection
from tei.export import ExportInvalid, ExportJob, document_order, tables
from tei.metadata import read_metadata

COLUMNS = ["id", "name", "birth", "death", "description", "wikidata", "viaf", "geonames", "gnd", "lc", "uris",
           "documents", "mentions", "document_ids"]
FILES = ["organisations.csv", "people.csv", "places.csv"]


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def read(path: Path) -> list[dict[str, str]]:
    data = path.read_bytes()
    assert not data.startswith(b"\xef\xbb\xbf")
    with io.StringIO(data.decode("utf-8"), newline="") as text:
        reader = csv.DictReader(text, strict=True)
        assert reader.fieldnames == COLUMNS
        return list(reader)


def job(paths, out: Path) -> ExportJob:
    docs = tuple(sorted((read_metadata(p) for p in paths), key=document_order))
    return ExportJob(docs, Collection(title="Test"), out)


@pytest.fixture(scope="module")
def exported(sample_tei, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("csv") / "tables"
    result = run("export", "csv", *sample_tei.values(), "-o", out)
    assert result.exit_code == 0, result.output
    return out


def test_three_rfc4180_tables_with_a_header_row(exported):
    assert sorted(p.name for p in exported.iterdir()) == [".tei-export", *FILES]  # the export's list of its files
    for file in FILES:
        data = (exported / file).read_bytes()
        assert data.startswith(b"id,name,birth,death,description,wikidata,viaf,geonames,gnd,lc,uris,documents,"
                               b"mentions,document_ids\r\n")
        assert data.endswith(b"\r\n") and b"\n" not in data.replace(b"\r\n", b"")  # CRLF, RFC 4180
        data.decode("utf-8")  # UTF-8, no BOM (read() checks)
        assert read(exported / file)
    places = {r["id"]: r for r in read(exported / "places.csv")}
    assert places["port-arthur"]["name"] == "Lüshun"  # non-ASCII kept as UTF-8
    raw = (exported / "places.csv").read_text(encoding="utf-8")
    assert '"port city in Liaoning, China"' in raw  # a comma in a field: quoted


def test_rows_carry_identifiers_uris_and_mentions(exported, sample_tei):
    people = {r["id"]: r for r in read(exported / "people.csv")}
    stalin = people["stalin"]
    assert (stalin["name"], stalin["birth"], stalin["death"], stalin["wikidata"]) == ("Joseph Stalin", "1878",
                                                                                       "1953", "Q855")
    assert stalin["uris"] == "http://www.wikidata.org/entity/Q855"
    stems = sorted(sample_tei)
    assert stalin["documents"] == "2" and stalin["document_ids"] == ";".join(stems)
    # The mentions counted from the TEI itself: every name in the text pointing to #stalin.
    counted = sum(len(etree.parse(str(p)).xpath("//t:text//*[@ref='#stalin']",
                                                namespaces={"t": "http://www.tei-c.org/ns/1.0"}))
                  for p in sample_tei.values())
    assert int(stalin["mentions"]) == counted > 0
    places = {r["id"]: r for r in read(exported / "places.csv")}
    assert places["china"]["geonames"] == "1814991"
    assert places["china"]["uris"].split() == ["http://www.wikidata.org/entity/Q13426199",
                                               "http://www.geonames.org/1814991"]
    byrnes = people["byrnes"]  # a record without identifiers: empty cells, not missing ones
    assert [byrnes[c] for c in ("wikidata", "viaf", "geonames", "gnd", "lc", "uris")] == [""] * 6
    assert byrnes["description"] == "United States Secretary of State (1945-47)"


def test_counts_add_up_and_rows_sort_by_name(exported, sample_tei):
    docs = [read_metadata(p) for p in sample_tei.values()]
    for file, kind in (("people.csv", "person"), ("places.csv", "place"), ("organisations.csv", "org")):
        rows = read(exported / file)
        ids = {e.id for d in docs for e in d.entities_of(kind)}
        assert {r["id"] for r in rows} == ids  # one row per entity, merged across documents
        for r in rows:
            listed = [s for s in r["document_ids"].split(";") if s]
            assert int(r["documents"]) == len(listed)
            assert int(r["mentions"]) == sum(d.mentions.get(r["id"], 0) for d in docs)
            assert set(listed) == {d.stem for d in docs if d.mentions.get(r["id"])}
        assert [r["name"].casefold() for r in rows] == sorted(r["name"].casefold() for r in rows)


def test_the_same_export_twice_gives_the_same_bytes(sample_tei, exported, tmp_path):
    again = tmp_path / "again"
    assert run("export", "csv", *reversed(list(sample_tei.values())), "-o", again).exit_code == 0
    for file in FILES:
        assert (again / file).read_bytes() == (exported / file).read_bytes()


def test_records_missing_fields_and_the_same_id_in_two_documents(tmp_path):
    thin = ('<listPerson><person xml:id="ada"><persName>Ada Lovelace</persName></person></listPerson>'
            '<listPlace><place xml:id="nowhere"><placeName>Nowhere</placeName></place></listPlace>')
    rich = ('<listPerson><person xml:id="ada"><persName>Ada Lovelace</persName><birth when="1815"/>'
            '<idno type="wikidata">Q7259</idno><idno type="viaf">51688902</idno>'
            '<note>mathematician, "the first programmer", of London</note></person></listPerson>'
            '<listOrg><org xml:id="club"><orgName>Club</orgName></org></listOrg>')
    files = [tei(tmp_path / "a.xml", records=thin, body='<p><persName ref="#ada">Ada</persName> and '
                                                          '<persName ref="#ada">she</persName>.</p>'),
             tei(tmp_path / "b.xml", records=rich, body='<p><persName ref="#ada">Lady Lovelace</persName>.</p>'),
             tei(tmp_path / "empty.xml")]  # a document without any entity
    out = tmp_path / "out"
    problems = tables.export(job(files, out))
    assert problems == []
    people = read(out / "people.csv")
    assert len(people) == 1
    ada = people[0]
    assert (ada["birth"], ada["wikidata"], ada["viaf"]) == ("1815", "Q7259", "51688902")  # the richer record
    assert ada["description"] == 'mathematician, "the first programmer", of London'
    assert '"mathematician, ""the first programmer"", of London"' in (out / "people.csv").read_text("utf-8")
    assert (ada["documents"], ada["mentions"], ada["document_ids"]) == ("2", "3", "a;b")
    places, orgs = read(out / "places.csv"), read(out / "organisations.csv")
    assert [(r["id"], r["uris"], r["documents"], r["mentions"], r["document_ids"]) for r in places] == \
        [("nowhere", "", "0", "0", "")]  # recorded but never named in a text
    assert [r["id"] for r in orgs] == ["club"]


def test_one_id_for_two_names_is_reported(tmp_path):
    files = [tei(tmp_path / "a.xml", records='<listPerson><person xml:id="p1"><persName>Ann</persName></person>'
                                             '</listPerson>'),
             tei(tmp_path / "b.xml", records='<listPerson><person xml:id="p1"><persName>Bob</persName></person>'
                                             '</listPerson>')]
    problems = tables.export(job(files, tmp_path / "out"))
    assert len(problems) == 1 and "'p1'" in problems[0].message and problems[0].level == "warning"
    assert len(read(tmp_path / "out" / "people.csv")) == 1


def test_documents_without_entities_give_header_rows_and_a_warning(tmp_path):
    out = tmp_path / "out"
    problems = tables.export(job([tei(tmp_path / "bare.xml")], out))
    assert any("header rows" in p.message for p in problems)
    for file in FILES:
        assert (out / file).read_bytes() == (",".join(COLUMNS) + "\r\n").encode()


def test_no_collection_file_is_needed(sample_tei, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no collection.toml nor sources/collection.toml here
    result = run("export", "csv", *sample_tei.values(), "-o", "out")
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [".tei-export", *FILES]


def test_no_documents_is_an_invalid_export(tmp_path):
    with pytest.raises(ExportInvalid):
        tables.export(ExportJob((), Collection(title="Test"), tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_the_check_catches_tables_that_do_not_add_up():
    body = [["ada", "Ada", "", "", "", "", "", "", "", "", "", "2", "3", "a;b"]]
    good = tables.to_csv(body)
    tables.check("people.csv", good, body, 3)
    miscounted = [body[0][:11] + ["1", "3", "a;b"]]
    cases = [
        (good.replace(b"document_ids", b"docs"), body, 3, "header row"),
        (b"\xef\xbb\xbf" + good, body, 3, "byte order mark"),
        (good.replace(b",a;b", b",a;b,extra"), body, 3, "has 15 fields"),
        (good, [], 3, "1 rows read back, 0 entities written"),
        (good.replace(b"Ada", b"Bea"), body, 3, "reads back as"),
        (tables.to_csv(miscounted), miscounted, 3, "do not add up"),
        (good, body, 4, "the rows count 3 mentions, the documents 4"),
    ]
    for data, expected, mentions, reason in cases:
        with pytest.raises(ExportInvalid, match=f"^people.csv: .*{reason}"):
            tables.check("people.csv", data, expected, mentions)


def test_an_export_that_fails_its_check_writes_nothing(sample_tei, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "people.csv").write_text("the old table\n")

    def failing(file, *args):
        raise ExportInvalid(f"{file}: made to fail")

    monkeypatch.setattr(tables, "check", failing)
    with pytest.raises(ExportInvalid, match="made to fail"):
        tables.export(dataclasses.replace(job(sample_tei.values(), out), force=True))
    result = run("export", "csv", *sample_tei.values(), "-o", out, "--force")  # a failed export replaces nothing
    assert result.exit_code == 1
    assert "not valid, so nothing was written" in result.stderr and "made to fail" in result.stderr
    assert [p.name for p in out.iterdir()] == ["people.csv"]
    assert (out / "people.csv").read_text() == "the old table\n"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind
