"""`tei export bagit`: a BagIt bag (RFC 8493) that the Library of Congress validator accepts, and that
catches a changed, missing or added file."""

from __future__ import annotations

import datetime
import hashlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import bagit
import pytest
from click.testing import CliRunner

from conftest import SOURCES, hand_written_tei as tei
from tei.cli import main
from tei.collection import Agent, Collection, load_collection
from tei.edition import render_edition
from tei.export import ExportInvalid, ExportJob, bagit_bag, document_order
from tei.metadata import read_metadata

EPOCH = "1700000000"  # 2023-11-14
COLLECTION = SOURCES / "collection.toml"


def run(*args: str, env: dict | None = None):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, env=env)


def files_of(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def validate_with_bagit_cli(folder: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "bagit", "--validate", "--quiet", str(folder)],
                          capture_output=True, text=True, check=False)


def job(paths, out: Path, collection: Collection | None = None, **kwargs) -> ExportJob:
    docs = tuple(sorted((read_metadata(p) for p in paths), key=document_order))
    return ExportJob(docs, collection or Collection(title="Test"), out, **kwargs)


@pytest.fixture(scope="module")
def bag(sample_tei, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bagit") / "bag"
    result = run("export", "bagit", *sample_tei.values(), "-o", out, "--sources", SOURCES,
                 "--collection", COLLECTION, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output
    return out


def test_bagit_validates_the_bag(bag):
    bagit.Bag(str(bag)).validate(processes=1)  # full: structure, completeness, Payload-Oxum, checksums
    checked = validate_with_bagit_cli(bag)
    assert checked.returncode == 0, checked.stderr
    assert (bag / "bagit.txt").read_bytes() == b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"


def test_the_payload_is_the_tei_the_transcripts_the_html_and_the_metadata(bag, sample_tei):
    for stem, path in sample_tei.items():
        assert (bag / "data" / "tei" / f"{stem}.xml").read_bytes() == path.read_bytes()  # byte for byte
        assert (bag / "data" / "transcripts" / f"{stem}.txt").read_bytes() == (SOURCES / f"{stem}.txt").read_bytes()
        assert (bag / "data" / "html" / f"{stem}.html").is_file()
    index = (bag / "data" / "html" / "index.html").read_text(encoding="utf-8")
    assert "<title>Averell Harriman&#39;s cables on the Sino-Soviet talks, July 1945" in index  # the collection's
    page = (bag / "data" / "html" / f"{min(sample_tei)}.html").read_text(encoding="utf-8")
    assert f"https://example.org/harriman-cables/{min(sample_tei)}.html" in page  # cited at the collection's url
    metadata = json.loads((bag / "data" / "metadata.json").read_text(encoding="utf-8"))
    assert metadata["collection"]["title"] == "Averell Harriman's cables on the Sino-Soviet talks, July 1945"
    assert "source" not in metadata["collection"]  # no path of the exporting machine
    documents = {d["stem"]: d for d in metadata["documents"]}
    assert set(documents) == set(sample_tei)
    for stem, doc in documents.items():
        assert doc["files"] == {"tei": f"tei/{stem}.xml", "transcript": f"transcripts/{stem}.txt",
                                "html": f"html/{stem}.html"}
        for name in doc["files"].values():
            assert (bag / "data" / name).is_file()
    stalin = next(e for e in documents[min(sample_tei)]["entities"] if e["id"] == "stalin")
    assert stalin["uris"] == ["http://www.wikidata.org/entity/Q855"]


def test_bag_info_is_filled_from_the_collection(bag):
    info = dict(line.split(": ", 1) for line in (bag / "bag-info.txt").read_text(encoding="utf-8").splitlines())
    collection = load_collection(COLLECTION, [])
    assert info["Source-Organization"] == collection.source_organization
    assert info["External-Description"] == " ".join(collection.description.split())
    assert info["Contact-Email"] == "editor@example.org"
    assert info["Bagging-Date"] == datetime.datetime.fromtimestamp(int(EPOCH), datetime.UTC).date().isoformat()
    assert info["Bag-Software-Agent"].startswith("bagit.py")
    assert "External-Identifier" not in info  # the samples' collection has no identifier: left out, not empty
    payload = [p for p in (bag / "data").rglob("*") if p.is_file()]
    assert info["Payload-Oxum"] == f"{sum(p.stat().st_size for p in payload)}.{len(payload)}"


def test_both_manifests_list_every_payload_file_with_its_checksum(bag):
    payload = sorted(p.relative_to(bag).as_posix() for p in (bag / "data").rglob("*") if p.is_file())
    for algorithm in ("sha256", "sha512"):
        lines = (bag / f"manifest-{algorithm}.txt").read_text(encoding="utf-8").splitlines()
        listed = dict(reversed(line.split(maxsplit=1)) for line in lines)
        assert sorted(listed) == payload
        for name, digest in listed.items():
            assert hashlib.new(algorithm, (bag / name).read_bytes()).hexdigest() == digest
        tags = [line.split(maxsplit=1)[1] for line in
                (bag / f"tagmanifest-{algorithm}.txt").read_text(encoding="utf-8").splitlines()]
        assert tags == sorted(["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt"])


@pytest.mark.parametrize("damage", ["change a byte", "delete a file", "add a file", "edit bag-info.txt"])
def test_bagit_catches_a_damaged_copy(bag, tmp_path, damage):
    copy = tmp_path / "copy"
    shutil.copytree(bag, copy)
    tei_file = next((copy / "data" / "tei").glob("*.xml"))
    if damage == "change a byte":
        data = bytearray(tei_file.read_bytes())
        data[100] ^= 1
        tei_file.write_bytes(bytes(data))
    elif damage == "delete a file":
        tei_file.unlink()
    elif damage == "edit bag-info.txt":
        info = copy / "bag-info.txt"
        info.write_text(info.read_text(encoding="utf-8").replace("Bagging-Date: 2023", "Bagging-Date: 2024"),
                        encoding="utf-8")
    else:
        (copy / "data" / "tei" / "stowaway.xml").write_text("<TEI/>")
    with pytest.raises(bagit.BagValidationError):
        bagit.Bag(str(copy)).validate(processes=1)
    assert validate_with_bagit_cli(copy).returncode != 0


def test_the_same_export_twice_gives_the_same_bytes(bag, sample_tei, tmp_path):
    again = tmp_path / "again"
    result = run("export", "bagit", *reversed(list(sample_tei.values())), "-o", again, "--sources", SOURCES,
                 "--collection", COLLECTION, env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output
    first, second = files_of(bag), files_of(again)
    assert list(first) == list(second)
    for name in first:
        assert first[name] == second[name], name


def test_a_given_html_edition_is_carried_as_it_is(sample_tei, tmp_path):
    html = tmp_path / "html"
    assert render_edition(list(sample_tei.values()), html) == []
    (html / ".DS_Store").write_bytes(b"\0")  # a hidden file is no part of the edition
    out = tmp_path / "bag"
    problems = bagit_bag.export(job(sample_tei.values(), out, load_collection(COLLECTION, []), sources=SOURCES,
                                    html=html))
    assert problems == []
    carried = files_of(out / "data" / "html")
    assert carried == {k: v for k, v in files_of(html).items() if k != ".DS_Store"}
    bagit.Bag(str(out)).validate(processes=1)


@pytest.mark.parametrize("target", ["/dev/zero", "secret.txt", "folder"])
def test_a_link_in_a_given_html_edition_is_refused_not_followed(sample_tei, tmp_path, target):
    """`html/x -> /dev/zero` would never end; `html/x -> ~/secret` would deposit what it points to. The export
    names the link and writes nothing."""
    html = tmp_path / "html"
    assert render_edition(list(sample_tei.values()), html) == []
    (tmp_path / "secret.txt").write_text("a private note", encoding="utf-8")
    (tmp_path / "folder").mkdir()
    (tmp_path / "folder" / "also-secret.txt").write_text("another", encoding="utf-8")
    link = html / "entity" / "x"
    link.symlink_to(target if target.startswith("/") else tmp_path / target)
    out = tmp_path / "bag"
    done = subprocess.run([sys.executable, "-m", "tei", "export", "bagit", *map(str, sample_tei.values()), "-o",
                           str(out), "--html", str(html), "--sources", str(SOURCES), "--collection", str(COLLECTION)],
                          capture_output=True, text=True, timeout=120, cwd=tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    assert f"{link}: error: is a symbolic link" in done.stderr
    assert not out.exists()


def test_a_missing_transcript_is_a_warning_and_the_tei_still_goes_in(sample_tei, tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    first, second = sorted(sample_tei)
    shutil.copy(SOURCES / f"{first}.txt", sources)
    out = tmp_path / "bag"
    problems = bagit_bag.export(job(sample_tei.values(), out, sources=sources))
    missing = [p for p in problems if "transcript" in p.message]
    assert [(p.path, p.level) for p in missing] == [(sample_tei[second], "warning")]
    assert f"{second}.txt" in missing[0].message
    assert sorted(p.name for p in (out / "data" / "transcripts").iterdir()) == [f"{first}.txt"]
    assert (out / "data" / "tei" / f"{second}.xml").is_file()
    documents = {d["stem"]: d for d in json.loads((out / "data" / "metadata.json").read_text())["documents"]}
    assert documents[second]["files"]["transcript"] is None
    bagit.Bag(str(out)).validate(processes=1)


def test_the_transcript_named_in_the_tei_is_found_under_another_name(sample_tei, tmp_path):
    renamed = tmp_path / "tei" / "renamed.xml"  # the TEI renamed; its editorialDecl still names the transcript
    renamed.parent.mkdir()
    stem = min(sample_tei)
    shutil.copy(sample_tei[stem], renamed)
    out = tmp_path / "bag"
    problems = bagit_bag.export(job([renamed], out, sources=SOURCES))
    assert not [p for p in problems if "transcript" in p.message]
    assert [p.name for p in (out / "data" / "transcripts").iterdir()] == [f"{stem}.txt"]


def test_no_sources_no_collection_file_and_a_bare_document(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # no collection.toml here: the collection comes from the documents alone
    bare = tei(tmp_path / "in" / "bare.xml")
    result = run("export", "bagit", bare, "-o", "bag", env={"SOURCE_DATE_EPOCH": EPOCH})
    assert result.exit_code == 0, result.output  # warnings only
    assert "no folder of transcripts given" in result.stderr
    assert "Source-Organization" in result.stderr and "Contact-Email" in result.stderr
    bag = tmp_path / "bag"
    bagit.Bag(str(bag)).validate(processes=1)
    assert validate_with_bagit_cli(bag).returncode == 0
    info = (bag / "bag-info.txt").read_text(encoding="utf-8")
    assert "External-Description: TEI documents\n" in info and "Source-Organization" not in info
    assert not (bag / "data" / "transcripts").exists()
    doc = json.loads((bag / "data" / "metadata.json").read_text())["documents"][0]
    assert (doc["date"], doc["entities"], doc["senders"], doc["files"]["transcript"]) == (None, [], [], None)


def test_bag_info_takes_contact_and_identifier_fields(tmp_path):
    collection = Collection(title="T", description="Line one\nline two", identifier="10.5281/zenodo.1",
                            contributors=(Agent("Jane Doe", role="ContactPerson", email="jane@example.org"),),
                            extra={"organization_address": "1 Main St", "contact_phone": "+1 555 0100"})
    problems = []
    info = bagit_bag.bag_info(collection, problems)
    assert [p.message for p in problems] == [("no source_organization (or publisher) in the collection: "
                                              "bag-info.txt has no Source-Organization")]
    assert info["External-Description"] == "Line one line two"  # one line: bag-info.txt cannot fold it back
    assert (info["External-Identifier"], info["Contact-Name"], info["Contact-Email"]) == \
        ("10.5281/zenodo.1", "Jane Doe", "jane@example.org")
    assert (info["Organization-Address"], info["Contact-Phone"]) == ("1 Main St", "+1 555 0100")


def test_the_same_file_name_twice_is_left_out_with_a_warning(sample_tei, tmp_path):
    stem = min(sample_tei)
    twin = tmp_path / "elsewhere" / f"{stem}.xml"
    twin.parent.mkdir()
    shutil.copy(sample_tei[stem], twin)
    out = tmp_path / "bag"
    problems = bagit_bag.export(job([*sample_tei.values(), twin], out, sources=SOURCES))
    assert any("same name" in p.message for p in problems)
    assert sorted(p.name for p in (out / "data" / "tei").iterdir()) == [f"{s}.xml" for s in sorted(sample_tei)]
    bagit.Bag(str(out)).validate(processes=1)


def test_a_name_manifests_cannot_list_as_it_is_is_left_out(sample_tei, tmp_path):
    odd = tmp_path / "in" / "100%.xml"  # RFC 8493 wants % percent-encoded in manifests; bagit.py does not
    odd.parent.mkdir()
    shutil.copy(sample_tei[min(sample_tei)], odd)
    out = tmp_path / "bag"
    problems = bagit_bag.export(job([*sample_tei.values(), odd], out))
    assert any(p.path == odd and "%" in p.message for p in problems)
    assert sorted(p.name for p in (out / "data" / "tei").iterdir()) == [f"{s}.xml" for s in sorted(sample_tei)]
    bagit.Bag(str(out)).validate(processes=1)


def test_no_documents_is_an_invalid_export(tmp_path):
    with pytest.raises(ExportInvalid):
        bagit_bag.export(ExportJob((), Collection(title="Test"), tmp_path / "out"))
    assert not (tmp_path / "out").exists()


def test_a_bag_that_fails_validation_writes_nothing(sample_tei, tmp_path, monkeypatch):
    out = tmp_path / "out"
    out.mkdir()
    (out / "old.txt").write_text("the old bag\n")

    def failing(self, *args, **kwargs):
        raise bagit.BagValidationError("made to fail", [bagit.ChecksumMismatch("data/tei/x.xml", "sha256", "0", "1")])

    monkeypatch.setattr(bagit.Bag, "validate", failing)
    with pytest.raises(ExportInvalid, match="made to fail.*data/tei/x.xml"):
        bagit_bag.export(job(sample_tei.values(), out, sources=SOURCES, force=True))
    result = run("export", "bagit", *sample_tei.values(), "-o", out, "--sources", SOURCES, "--force")
    assert result.exit_code == 1
    assert "not valid, so nothing was written" in result.stderr and "made to fail" in result.stderr
    assert files_of(out) == {"old.txt": b"the old bag\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no staging folder left behind


def test_a_bag_the_version_check_rejects_writes_nothing(sample_tei, tmp_path, monkeypatch):
    monkeypatch.setattr(bagit_bag, "_declare_and_sort", lambda folder: None)  # bagit.py's own 0.97 left as it is
    out = tmp_path / "out"
    with pytest.raises(ExportInvalid, match="BagIt 0.97, not 1.0"):
        bagit_bag.export(job(sample_tei.values(), out, sources=SOURCES))
    assert not out.exists()
