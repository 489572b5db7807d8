"""What every export stands on: the metadata view of a document, the collection file, and `tei export`'s
handling of bad input (named, the rest exported, nothing half-written)."""

from __future__ import annotations

import dataclasses
import datetime

import pytest
from click.testing import CliRunner

from conftest import ROOT
from tei.collection import export_date, load_collection
from tei.errors import InputError
from tei.export import FORMATS, document_order
from tei.metadata import read_metadata
from tei.cli import main

DOC_000, DOC_001 = "000_0057ff3e2a2cacb5", "001_e5f868fdedea9438"
TEI_NS = "http://www.tei-c.org/ns/1.0"


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_metadata_of_the_samples(sample_tei):
    doc = read_metadata(sample_tei[DOC_000])
    assert doc.title == "Cable, Summary of Averell Harriman Meeting with T. V. Soong"
    assert (doc.date, doc.date_text, doc.year) == ("1945-07-03", "July 3, 1945", "1945")
    assert [s.name for s in doc.senders] == ["W. Averell Harriman"]
    assert [a.name for a in doc.addressees][:1] == ["Harry S. Truman"]
    truman = doc.addressees[0]
    assert truman.uri("viaf", "wikidata") == "http://www.wikidata.org/entity/Q11613"
    assert doc.place_sent.name == "Moscow" and doc.place_sent.uri("geonames") == "http://www.geonames.org/524901"
    assert doc.languages == ("en",) and doc.repository == "Library of Congress"
    assert doc.source_url.startswith("https://")
    dalian = next(e for e in doc.entities if e.id == "dalian")
    assert dalian.kind == "place" and ("geonames", "1814087") in dalian.identifiers
    assert doc.mentions["dalian"] == 1 and doc.mentions["stalin"] > 5
    assert read_metadata(sample_tei[DOC_001]).date == "1945-07"


def test_metadata_of_a_bare_tei_file_is_empty_not_an_error(tmp_path):
    path = tmp_path / "bare.xml"
    path.write_text(f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title/></titleStmt>'
                    '</fileDesc></teiHeader><text><body><p>Hello <persName ref="#nobody">X</persName></p>'
                    '</body></text></TEI>', encoding="utf-8")
    doc = read_metadata(path)
    assert doc.title == "bare" and doc.date is None and doc.senders == () and doc.place_sent is None
    assert doc.entities == () and doc.mentions == {} and doc.licence is None and doc.year is None
    assert document_order(doc) > document_order(dataclasses.replace(doc, date="1900"))  # undated ones last


def test_uncertain_dates_keep_their_range(tmp_path):
    path = tmp_path / "range.xml"
    path.write_text(f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>T</title></titleStmt>'
                    '</fileDesc><profileDesc><correspDesc><correspAction type="sent"><persName>A</persName>'
                    '<date notBefore="1945-07" notAfter="1945-08">summer 1945</date></correspAction>'
                    '</correspDesc></profileDesc></teiHeader><text><body><p/></body></text></TEI>', encoding="utf-8")
    doc = read_metadata(path)
    assert (doc.date, doc.date_range, doc.year, doc.date_text) == (None, ("1945-07", "1945-08"), "1945", "summer 1945")


def test_collection_file_and_its_defaults(sample_tei, tmp_path, monkeypatch):
    docs = [read_metadata(p) for p in sample_tei.values()]
    samples = load_collection(ROOT / "sources" / "collection.toml", docs)
    assert samples.title.startswith("Averell Harriman") and samples.creators and samples.licence.startswith("https://")
    assert samples.dates == ("1945-07", "1945-07") and samples.languages == ("en",)  # July ends after the 3rd
    monkeypatch.chdir(tmp_path)  # no collection.toml here: everything from the documents
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "0")
    bare = load_collection(None, docs)
    assert bare.title == "Documents from Unpublished TEI edition" and bare.creators == ()
    assert bare.publication_year == "1970" and export_date() == datetime.date(1970, 1, 1)
    broken = tmp_path / "broken.toml"
    broken.write_text("title = [unclosed\n", encoding="utf-8")
    with pytest.raises(InputError, match="broken.toml.*TOML"):
        load_collection(broken, docs)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('creators = ["just a string"]\n', encoding="utf-8")
    with pytest.raises(InputError, match=r"\[\[creators\]\]"):
        load_collection(wrong, docs)


def test_export_lists_its_formats_and_refuses_unknown_ones(sample_tei, tmp_path):
    result = run("export", "--help")
    for name in FORMATS:
        assert name in result.output
    result = CliRunner().invoke(main, ["export", "marc", str(sample_tei[DOC_000]), "-o", str(tmp_path / "x")])
    assert result.exit_code == 2 and "marc" in result.output


def test_outputs_get_the_usual_permissions(tmp_path):
    """Written files and folders follow the umask (a web server must read an edition), not mkstemp's 0600."""
    import os
    import stat

    from tei.files import staged_folder, write_atomic

    old = os.umask(0o022)
    try:
        write_atomic(tmp_path / "page.html", b"<p>x</p>")
        with staged_folder(tmp_path / "bag", "bagit") as folder:
            write_atomic(folder / "data.txt", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "page.html").stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / "bag").stat().st_mode) == 0o755
    assert stat.S_IMODE((tmp_path / "bag" / "data.txt").stat().st_mode) == 0o644


def test_a_folder_export_is_swapped_in_one_step_with_no_moment_without_a_folder(tmp_path, monkeypatch):
    """The old export is exchanged with the new one (renameat2 RENAME_EXCHANGE), never first moved aside: a
    kill between two renames would have left the old export only in a hidden .NAME.XXXX.old folder."""
    import os

    from tei import files

    with files.staged_folder(tmp_path / "bag", "bagit") as folder:
        (folder / "data.txt").write_text("old", encoding="utf-8")
    moved = []
    real_replace = os.replace
    monkeypatch.setattr(files.os, "replace", lambda a, b: (moved.append((str(a), str(b))), real_replace(a, b)))
    with files.staged_folder(tmp_path / "bag", "bagit") as folder:
        (folder / "data.txt").write_text("new", encoding="utf-8")
    assert (tmp_path / "bag" / "data.txt").read_text(encoding="utf-8") == "new"
    assert not [a for a, _ in moved if a == str(tmp_path / "bag")], "the old folder was moved aside first"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bag"]  # nothing left beside it


def test_the_staging_folder_a_killed_export_left_is_removed_by_the_next_and_nothing_else(tmp_path):
    from tei import files

    leftover = tmp_path / ".bag.k2j4x9ab.tmp"  # as mkdtemp names it
    (leftover / "data").mkdir(parents=True)
    (leftover / "data" / "half.xml").write_text("<half", encoding="utf-8")
    mine = tmp_path / ".bag.notes.tmp"  # not named as the toolkit names its own
    mine.mkdir()
    with files.staged_folder(tmp_path / "bag", "bagit") as folder:
        (folder / "data.txt").write_text("new", encoding="utf-8")
    assert not leftover.exists() and mine.is_dir()
