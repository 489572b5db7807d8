"""`tei build` as an archivist checks it: a rebuild redoes only what changed and leaves the rest untouched,
--jobs changes nothing in the outputs, and faults (bad transcripts, two builds at once, a killed build,
a full or read-only disk, an output folder inside the inputs) never leave half-written files or touch
the inputs.

The corpora are small copies of the two sample transcripts with other dates (each copy gets its own
place in the edition's order). The rules recogniser is used throughout: spaCy (`auto` when installed)
takes ~250 ms a transcript, the rules ~10 ms, and nothing here is about name recognition.

Builds run in this process (click's CliRunner) when that is enough, and as `python -m tei build` when
the test needs a fresh process (the build keeps its authority, schema and templates per process: see
test_a_second_build_in_the_same_process_sees_a_changed_authority) or has to kill one.

Read-only outputs cannot be made with chmod here: the tests run as root, who can write anyway. A full
or read-only disk is simulated by making the file system calls of tei.files.write_atomic fail.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ROOT, SAMPLES, SOURCES
from tei.build import PARALLEL_FROM, STATE_DIR
from tei.cli import main

RULES = ("--recogniser", "rules")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
          "November", "December")
CITATION, WEB_PAGE = (p.read_text(encoding="utf-8") for p in SAMPLES)  # sample 0 names Molotov, sample 1 does not
NOTE = ("August 5, 1945\n\nNote on a conversation in Moscow\n\n"
        "The secretary reported that Koba had received the delegation from Irkutsk late in the evening "
        "and that the talks would continue.\n")  # Koba: no authority variant (yet); Irkutsk: only here


# ---------------------------------------------------------------------------------------------- corpora


def transcript(i: int, when: str | None = None) -> str:
    """Copy i of a sample: even i the citation-page sample dated in 1945, odd i the web-page one in 1946."""
    month, day = MONTHS[i % 12], 1 + i // 12 * 7 + i % 3  # a different date for each of the first 48
    if i % 2 == 0:
        when = when or f"{month} {day}, 1945"
        return CITATION.replace("July 3, 1945", when).replace("JULY 3, 1945", when.upper())
    return WEB_PAGE.replace("July 1945", when or f"{month} {day}, 1946")


def make_corpus(folder: Path, n: int) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for i in range(n):
        path = folder / f"doc{i:03d}.txt"
        path.write_text(transcript(i), encoding="utf-8")
        paths.append(path)
    return paths


# ---------------------------------------------------------------------------------------------- running


def tree(folder: Path) -> dict[str, str]:
    """Every file under folder (hidden ones too): relative path -> sha256 of the bytes."""
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def build(src: Path, out: Path, *options, jobs: int = 1):
    """`tei build src -o out` in this process: (click result, the --report as a dict or None)."""
    report = out.parent / f"{out.name}-report.json"
    report.unlink(missing_ok=True)
    before = tree(src)
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-j", str(jobs), *RULES,
                                       "--report", str(report), *map(str, options)], catch_exceptions=False)
    assert tree(src) == before, "the build changed its inputs"
    return result, (json.loads(report.read_text(encoding="utf-8")) if report.exists() else None)


def build_process(src: Path, out: Path, *options, jobs: int = 1):
    """`python -m tei build src -o out` in a new process: (completed process, report dict, seconds)."""
    report = out.parent / f"{out.name}-report.json"
    report.unlink(missing_ok=True)
    before = tree(src)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "tei", "build", str(src), "-o", str(out), "-j", str(jobs), *RULES,
                           "--report", str(report), *map(str, options)], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - started
    assert tree(src) == before, "the build changed its inputs"
    return done, (json.loads(report.read_text(encoding="utf-8")) if report.exists() else None), seconds


def outputs(out: Path) -> dict[str, bytes]:
    """The published files: OUT/tei and OUT/html (not the build's own state)."""
    return {str(p.relative_to(out)): p.read_bytes()
            for folder in (out / "tei", out / "html") if folder.is_dir()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def stamps(out: Path) -> dict[str, tuple[int, int]]:
    """(mtime_ns, inode) of each published file: a file written again (write_atomic renames) gets a new inode."""
    return {str(p.relative_to(out)): (p.stat().st_mtime_ns, p.stat().st_ino)
            for folder in (out / "tei", out / "html") if folder.is_dir()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def rewritten(before: dict, after: dict) -> set[str]:
    return {name for name in after if before.get(name) != after[name]}


def temp_files(out: Path) -> list[str]:
    """Dot files ending .tmp in the published folders (write_atomic's are .NAME.XXXXXXXX.tmp): a web server
    serves them."""
    return sorted(str(p.relative_to(out)) for folder in (out / "tei", out / "html") if folder.is_dir()
                  for p in folder.rglob(".*.tmp"))


def neighbours(out: Path) -> dict[str, tuple[str | None, str | None]]:
    """Each document page's (previous, next) links."""
    result = {}
    for page in sorted((out / "html").glob("doc*.html")) + sorted((out / "html").glob("note*.html")):
        html = page.read_text(encoding="utf-8")
        prev = re.search(r'<a href="([^"]+)" rel="prev"', html)
        nxt = re.search(r'<a href="([^"]+)" rel="next"', html)
        result[page.name] = (prev and prev.group(1), nxt and nxt.group(1))
    return result


def index_order(out: Path) -> list[str]:
    """The document pages in the order the index lists them."""
    found = re.findall(r'href="((?:doc|note)[^"/]*\.html)"', (out / "html" / "index.html").read_text(encoding="utf-8"))
    return list(dict.fromkeys(found))


def assert_complete(out: Path) -> None:
    """Every published file is whole: the XML parses, every page ends as a page ends."""
    for path in sorted(out.rglob("*.xml")):
        if STATE_DIR not in path.parts and not path.name.startswith("."):
            etree.parse(str(path))  # raises on a truncated file
    for path in sorted((out / "html").rglob("*.html")) if (out / "html").is_dir() else []:
        if not path.name.startswith("."):
            assert path.read_bytes().endswith(b"</html>\n"), f"{path} is cut short"


@pytest.fixture(autouse=True)
def sources_untouched():
    """No test may change the sample transcripts or the default authority files."""
    before = tree(SOURCES)
    yield
    assert tree(SOURCES) == before, "sources/ changed during the test"


@pytest.fixture(scope="module")
def corpus40(tmp_path_factory):
    """40 transcripts (well over PARALLEL_FROM, so --jobs 2 uses the pool) and a clean -j 1 build of them, made by
    a fresh process: (sources, the build's published files, the build's seconds)."""
    base = tmp_path_factory.mktemp("corpus40")
    src = base / "src"
    make_corpus(src, 40)
    assert len(list(src.glob("*.txt"))) >= 2 * PARALLEL_FROM
    done, report, seconds = build_process(src, base / "clean", jobs=1)
    assert done.returncode == 0, done.stderr
    assert report["converted"] == report["validated"] == report["rendered"] == report["valid"] == 40
    return src, outputs(base / "clean"), seconds


# ---------------------------------------------------------------------------------------------- 1. incremental


def test_a_second_build_with_nothing_changed_does_nothing(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 6)
    started = time.perf_counter()
    result, first = build(src, out)
    first_seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert (first["documents"], first["converted"], first["validated"], first["rendered"], first["valid"]) == (6,) * 5
    files, before = outputs(out), stamps(out)

    started = time.perf_counter()
    result, second = build(src, out)
    second_seconds = time.perf_counter() - started
    assert result.exit_code == 0, result.output
    assert (second["converted"], second["validated"], second["rendered"]) == (0, 0, 0)
    assert (second["documents"], second["valid"], second["failures"]) == (6, 6, [])
    assert outputs(out) == files
    assert rewritten(before, stamps(out)) == set(), "files were written again though nothing changed"
    assert second_seconds < first_seconds, (second_seconds, first_seconds)
    assert sum(second["stages"].values()) < sum(first["stages"].values()) / 2, (second["stages"], first["stages"])


def test_a_changed_transcript_redoes_its_page_and_only_the_neighbours_whose_links_change(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 6)
    assert build(src, out)[0].exit_code == 0
    # dates: doc000 Jan 1945, doc002 Mar 1945, doc004 May 1945, doc001 Feb 1946, doc003 Apr 1946, doc005 Jun 1946
    assert index_order(out) == [f"doc{i:03d}.html" for i in (0, 2, 4, 1, 3, 5)]

    # The body of one transcript changes, not its title or date: that document only, and the search index.
    before, links = stamps(out), neighbours(out)
    (src / "doc002.txt").write_text(transcript(2).replace("Molotov interjected", "Molotov, ornithopter in hand, "
                                                                                   "interjected"), encoding="utf-8")
    result, report = build(src, out)
    assert result.exit_code == 0, result.output
    assert (report["converted"], report["validated"], report["rendered"]) == (1, 1, 1)
    changed = rewritten(before, stamps(out))
    assert {c for c in changed if c.endswith(".html") and c.startswith("html/doc")} == {"html/doc002.html"}
    assert {"tei/doc002.xml", "html/tei/doc002.xml", "html/search-index.js"} <= changed
    assert not {c for c in changed if c.startswith("tei/") and c != "tei/doc002.xml"}
    assert "ornithopter" in (out / "html" / "search-index.js").read_text(encoding="utf-8")
    assert "ornithopter" in (out / "html" / "doc002.html").read_text(encoding="utf-8")
    assert neighbours(out) == links

    # Its date moves it to the end: its page, its old neighbours and its new one, nothing else.
    before = stamps(out)
    (src / "doc002.txt").write_text(transcript(2, "December 30, 1946"), encoding="utf-8")
    result, report = build(src, out)
    assert result.exit_code == 0, result.output
    after_links = neighbours(out)
    order = [f"doc{i:03d}.html" for i in (0, 4, 1, 3, 5, 2)]
    assert index_order(out) == order
    assert after_links == {page: (order[i - 1] if i else None, order[i + 1] if i + 1 < len(order) else None)
                           for i, page in enumerate(order)}
    links_changed = {page for page in after_links if after_links[page] != links[page]}
    assert links_changed == {"doc000.html", "doc004.html", "doc005.html", "doc002.html"}
    assert (report["converted"], report["validated"], report["rendered"]) == (1, 1, len(links_changed))
    changed_pages = {c.split("/")[-1] for c in rewritten(before, stamps(out)) if re.fullmatch(r"html/doc\d+\.html", c)}
    assert changed_pages == links_changed
    assert "1946-12-30" in (out / "html" / "index.html").read_text(encoding="utf-8")
    assert "ornithopter" not in (out / "html" / "search-index.js").read_text(encoding="utf-8")

    # And the result is what a clean build of the same transcripts gives.
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    assert outputs(out) == outputs(tmp_path / "clean")


def test_a_changed_transcript_remakes_only_the_entity_pages_of_the_names_it_holds(tmp_path, monkeypatch):
    """The entity pages (most of the shared pages' time at 10,000 documents) are made again only for the
    entities the changed document names, before the change and after it; the edition is still a clean build's."""
    import tei.edition

    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 4)  # doc000 and doc002 name Molotov; doc001 and doc003 (the web page) do not
    assert build(src, out)[0].exit_code == 0
    made: list[str] = []
    write_entity_pages = tei.edition.write_entity_pages

    def recording(renderer, data, out_dir, batch):
        made.extend(entity.id for entity, _ in batch)
        return write_entity_pages(renderer, data, out_dir, batch)

    monkeypatch.setattr(tei.edition, "write_entity_pages", recording)
    (src / "doc001.txt").write_text(transcript(1).replace("Soong hopes to see Stalin tonight.",
                                                          "Soong hopes to leave for Irkutsk tonight."), encoding="utf-8")
    result, report = build(src, out)
    assert result.exit_code == 0, result.output
    assert "irkutsk" in made and "stalin" in made  # named after the change, and before it
    assert "molotov" not in made and "soong" in made
    assert (out / "html" / "entity" / "irkutsk.html").is_file()
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    assert outputs(out) == outputs(tmp_path / "clean")

    made.clear()  # a document that goes: the pages of its names are made again, or go if it was the only one
    (src / "doc001.txt").unlink()
    assert build(src, out)[0].exit_code == 0
    assert "soong" in made and "molotov" not in made and "irkutsk" not in made
    assert not (out / "html" / "entity" / "irkutsk.html").exists()
    shutil.rmtree(tmp_path / "clean")
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    assert outputs(out) == outputs(tmp_path / "clean")


def test_a_changed_authority_reconverts_all_but_redoes_only_the_documents_it_changes(tmp_path):
    src, out, authority = tmp_path / "src", tmp_path / "out", tmp_path / "authority"
    make_corpus(src, 4)  # doc000 and doc002 name Molotov; doc001 and doc003 do not
    (src / "note.txt").write_text(NOTE, encoding="utf-8")
    authority.mkdir()
    for csv in sorted((SOURCES / "authority").glob("*.csv")):
        shutil.copy(csv, authority)
    result, report = build(src, out, "--authority", authority)  # in this process: the next build is a fresh one
    assert result.exit_code == 0, result.output
    assert 'ref="#stalin">Koba' not in (out / "tei" / "note.xml").read_text(encoding="utf-8")
    files, before = outputs(out), stamps(out)

    people = authority / "people.csv"
    text = people.read_text(encoding="utf-8")
    assert ",Q132899," in text  # Molotov's Wikidata id
    text = text.replace(",Q132899,", ",Q4242424242,")
    text = text.replace("Chairman Stalin,Q855,", "Chairman Stalin|Koba,Q855,")  # a variant name the note uses
    assert "|Koba," in text
    people.write_text(text, encoding="utf-8")
    done, report, _ = build_process(src, out, "--authority", authority)
    assert done.returncode == 0, done.stderr
    assert report["converted"] == 5
    tei_changed = {name for name in files if name.startswith("tei/") and outputs(out)[name] != files[name]}
    assert tei_changed == {"tei/doc000.xml", "tei/doc002.xml", "tei/note.xml"}
    assert "Q4242424242" in (out / "tei" / "doc000.xml").read_text(encoding="utf-8")
    assert 'ref="#stalin">Koba' in (out / "tei" / "note.xml").read_text(encoding="utf-8")
    assert report["validated"] == report["rendered"] == 3
    pages = {c for c in rewritten(before, stamps(out)) if re.fullmatch(r"html/(doc\d+|note)\.html", c)}
    assert pages == {"html/doc000.html", "html/doc002.html", "html/note.html"}
    assert "Q4242424242" in (out / "html" / "entity" / "molotov.html").read_text(encoding="utf-8") \
        or "Q4242424242" in (out / "html" / "doc000.html").read_text(encoding="utf-8")


def test_a_second_build_in_the_same_process_sees_a_changed_authority(tmp_path):
    """tei.build keeps the authority (and schema checks, and the renderer with its templates) in a per-process
    cache that is only refreshed when the BuildSettings differ; the settings hold the authority *folder*,
    not its contents. So a second build in one process (CliRunner, a watch loop, a server calling
    tei.build.build) sees the new conversion key, reconverts everything with the old authority, and records
    the new key: the change never reaches the TEI, not even at later builds in new processes (their key
    matches the state), until something else makes them convert again."""
    src, out, authority = tmp_path / "src", tmp_path / "out", tmp_path / "authority"
    make_corpus(src, 2)
    authority.mkdir()
    shutil.copy(SOURCES / "authority" / "people.csv", authority)
    assert build(src, out, "--authority", authority)[0].exit_code == 0
    people = authority / "people.csv"
    people.write_text(people.read_text(encoding="utf-8").replace(",Q132899,", ",Q4242424242,"), encoding="utf-8")
    result, report = build(src, out, "--authority", authority)
    assert result.exit_code == 0, result.output
    assert report["converted"] == 2
    assert "Q4242424242" in (out / "tei" / "doc000.xml").read_text(encoding="utf-8"), \
        "the second build in this process converted with the authority it had cached from the first"


def test_a_deleted_transcript_takes_its_outputs_with_it(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 4)
    (src / "note.txt").write_text(NOTE, encoding="utf-8")
    assert build(src, out)[0].exit_code == 0
    assert (out / "html" / "note.html").is_file() and (out / "html" / "entity" / "irkutsk.html").is_file()

    (src / "note.txt").unlink()
    result, report = build(src, out)
    assert result.exit_code == 0, result.output
    assert report["documents"] == 4
    for gone in ("tei/note.xml", "html/note.html", "html/tei/note.xml"):
        assert not (out / gone).exists(), gone
    assert "note.html" not in (out / "html" / "index.html").read_text(encoding="utf-8")
    assert "note.html" not in (out / "html" / "search-index.js").read_text(encoding="utf-8")
    assert not [page for page, links in neighbours(out).items() if "note.html" in links]


def test_a_deleted_transcript_leaves_no_page_that_links_to_it(tmp_path):
    """The note is the only document that names Irkutsk: once it is deleted, entity/irkutsk.html (which lists
    it) should go too, as a clean build of the remaining transcripts has no such page."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 4)
    (src / "note.txt").write_text(NOTE, encoding="utf-8")
    assert build(src, out)[0].exit_code == 0
    assert (out / "html" / "entity" / "irkutsk.html").is_file()
    (src / "note.txt").unlink()
    assert build(src, out)[0].exit_code == 0
    linking = sorted(name for name, data in outputs(out).items() if b"note.html" in data or b"note.xml" in data)
    assert linking == [], f"pages still link to the deleted document: {linking}"
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    assert sorted(outputs(out)) == sorted(outputs(tmp_path / "clean")), "files a clean build does not have"
    assert outputs(out) == outputs(tmp_path / "clean")


def test_published_files_removed_by_hand_come_back_at_the_next_build(tmp_path):
    """The module's promise: "the next build redoes what is missing" - a page, its downloadable TEI, an entity page."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 3)
    assert build(src, out)[0].exit_code == 0
    files = outputs(out)
    for name in ("html/doc001.html", "html/tei/doc002.xml", "html/entity/molotov.html"):
        (out / name).unlink()
    result, _ = build(src, out)
    assert result.exit_code == 0, result.output
    missing = sorted(set(files) - set(outputs(out)))
    assert missing == [], f"not restored: {missing}"
    assert outputs(out) == files


@pytest.mark.parametrize("name", ["html/entity/molotov.html", "html/index.html", "html/search-index.js"])
def test_a_shared_page_altered_by_hand_is_made_again_though_no_document_changed(tmp_path, name):
    """A rebuild with no document changed skips the shared pages (index, search, entity pages) only while
    they hold what the last build wrote."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 3)
    assert build(src, out)[0].exit_code == 0
    files = outputs(out)
    (out / name).write_bytes((out / name).read_bytes() + b"\n/* edited by hand */\n")
    assert outputs(out) != files
    result, _ = build(src, out)
    assert result.exit_code == 0, result.output
    assert outputs(out) == files


def test_transcripts_with_the_same_name_in_two_folders_are_not_silently_merged(tmp_path):
    """box1/letter.txt and box2/letter.txt (the build reads SOURCES recursively) would both be tei/letter.xml:
    the build must keep both or say that it cannot, never publish one and report success."""
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "box1").mkdir(parents=True)
    (src / "box2").mkdir()
    (src / "box1" / "letter.txt").write_text(transcript(0), encoding="utf-8")
    (src / "box2" / "letter.txt").write_text(transcript(1), encoding="utf-8")
    result, report = build(src, out)
    published = sorted(p.name for p in (out / "tei").glob("*.xml")) if (out / "tei").is_dir() else []
    named = "box1" in result.stderr and "box2" in result.stderr
    assert len(published) == 2 or (result.exit_code != 0 and named), \
        (f"exit {result.exit_code}, {report['documents']} documents, TEI published: {published}, "
         f"validated {report['validated']}, failures {report['failures']}, stderr {result.stderr!r}")


def test_a_changed_template_rerenders_the_pages_but_converts_nothing(tmp_path):
    src, out, templates = tmp_path / "src", tmp_path / "out", tmp_path / "templates"
    make_corpus(src, 4)
    templates.mkdir()
    shutil.copy(ROOT / "tei" / "templates" / "document.html", templates)
    result, _ = build(src, out, "--templates", templates)  # in this process: the next build is a fresh one
    assert result.exit_code == 0, result.output
    before = stamps(out)

    page = templates / "document.html"
    page.write_text(page.read_text(encoding="utf-8").replace("{% block main %}",
                                                             "{% block main %}\n<!-- house style 2 -->", 1),
                    encoding="utf-8")
    done, report, _ = build_process(src, out, "--templates", templates)
    assert done.returncode == 0, done.stderr
    assert (report["converted"], report["validated"], report["rendered"]) == (0, 0, 4)
    changed = rewritten(before, stamps(out))
    assert {f"html/doc{i:03d}.html" for i in range(4)} <= changed
    assert not {c for c in changed if c.startswith("tei/")}, "the TEI was written again"
    for i in range(4):
        assert "<!-- house style 2 -->" in (out / "html" / f"doc{i:03d}.html").read_text(encoding="utf-8")


# ---------------------------------------------------------------------------------------------- 2. jobs


def test_two_jobs_give_the_same_bytes_as_one(corpus40, tmp_path):
    src, clean, _ = corpus40
    done, report, _ = build_process(src, tmp_path / "out", jobs=2)
    assert done.returncode == 0, done.stderr
    assert report["converted"] == report["validated"] == report["rendered"] == report["valid"] == 40
    files = outputs(tmp_path / "out")
    assert sorted(files) == sorted(clean)
    assert [name for name in files if files[name] != clean[name]] == []


# ---------------------------------------------------------------------------------------------- 3. faults


def test_bad_transcripts_are_reported_and_the_good_ones_built(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 3)
    (src / "binary.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    (src / "latin1.txt").write_bytes("July 4, 1945\n\nSoong met Stalin \xe0 Moscou.\n".encode("latin-1"))
    (src / "empty.txt").write_bytes(b"")
    result, report = build(src, out)
    assert result.exit_code == 1
    failures = {Path(f["file"]).name: f for f in report["failures"]}
    assert sorted(failures) == ["binary.txt", "empty.txt", "latin1.txt"]
    assert {f["stage"] for f in failures.values()} == {"convert"}
    assert "binary" in failures["binary.txt"]["message"] and "empty" in failures["empty.txt"]["message"]
    assert "UTF-8" in failures["latin1.txt"]["message"] and failures["latin1.txt"]["line"] == 3
    for name in ("binary", "latin1", "empty"):
        assert name in result.stderr
        assert not (out / "tei" / f"{name}.xml").exists() and not (out / "html" / f"{name}.html").exists()
    assert sorted(p.name for p in (out / "tei").glob("*.xml")) == ["doc000.xml", "doc001.xml", "doc002.xml"]
    assert index_order(out) == ["doc000.html", "doc002.html", "doc001.html"]
    assert report["valid"] == 3
    assert "3 converted" in result.stdout


def test_the_report_counts_as_converted_what_the_summary_line_does(tmp_path):
    """The summary line says "2 converted" (transcripts that became TEI); --report's `converted` counts the
    transcripts the build tried, failures included."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 2)
    (src / "empty.txt").write_bytes(b"")
    result, report = build(src, out)
    assert result.exit_code == 1 and "2 converted" in result.stdout
    assert report["converted"] == 2, \
        f"the report says {report['converted']} converted where 2 TEI were made (the summary line says 2)"


def test_bad_transcripts_are_reported_again_by_the_next_build(tmp_path):
    """The incremental logic must not forget a failure: a rebuild still names it and still fails."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 2)
    (src / "empty.txt").write_bytes(b"")
    assert build(src, out)[0].exit_code == 1
    result, report = build(src, out)
    assert result.exit_code == 1
    assert [(Path(f["file"]).name, f["stage"]) for f in report["failures"]] == [("empty.txt", "convert")]
    assert "empty.txt" in result.stderr


def _lock_holder(lock: Path) -> set[int]:
    """The pids holding a flock on this file (from /proc/locks, without touching the lock)."""
    inode = lock.stat().st_ino
    holders = set()
    for line in Path("/proc/locks").read_text().splitlines():
        fields = line.split()
        if len(fields) >= 6 and fields[1] == "FLOCK" and fields[5].rsplit(":", 1)[-1] == str(inode):
            holders.add(int(fields[4]))
    return holders


def test_a_second_build_while_one_holds_the_lock_exits_2(tmp_path):
    import fcntl

    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 2)
    (out / STATE_DIR).mkdir(parents=True)
    with open(out / STATE_DIR / "lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        result, report = build(src, out)
    assert result.exit_code == 2
    assert str(out) in result.stderr and "another tei build" in result.stderr
    assert "Traceback" not in result.output
    assert not (out / "tei").exists() and not (out / "html").exists()


def test_two_builds_at_once_the_second_exits_2_and_the_first_completes(corpus40, tmp_path):
    src, clean, _ = corpus40
    out = tmp_path / "out"
    first = subprocess.Popen([sys.executable, "-m", "tei", "build", str(src), "-o", str(out), "-j", "1", *RULES],
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        deadline = time.monotonic() + 30
        while not ((out / STATE_DIR / "lock").exists() and first.pid in _lock_holder(out / STATE_DIR / "lock")):
            assert first.poll() is None and time.monotonic() < deadline, "the first build never took the lock"
            time.sleep(0.01)
        first.send_signal(signal.SIGSTOP)  # it holds the lock for as long as the second build needs
        try:
            result, _ = build(src, out)
        finally:
            first.send_signal(signal.SIGCONT)
        assert result.exit_code == 2
        assert str(out) in result.stderr and "another tei build" in result.stderr
        stdout, stderr = first.communicate(timeout=60)
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
    assert first.returncode == 0, stderr
    assert outputs(out) == clean


def _processes_in_group(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                if os.getpgid(int(entry.name)) == pgid and "Z" not in (entry / "stat").read_text().split()[2]:
                    pids.append(int(entry.name))
            except (OSError, IndexError):
                pass
    return pids


def _workers(pgid: int) -> list[int]:
    """The pool workers (multiprocessing's spawn_main) among a process group."""
    found = []
    for pid in _processes_in_group(pgid):
        try:
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(pid)
        except OSError:
            pass
    return found


def _end_group(pgid: int) -> list[int]:
    """Kill what is left of a process group this test started; the pids that were left."""
    left = _processes_in_group(pgid)
    if left:
        try:
            os.killpg(pgid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    return left


# 20 kills here (about 40 s); TEI_FUZZ_LONG=1 (as for tests/test_fuzz.py) makes it 100.
KILLS, CHAIN = (100, 5) if os.environ.get("TEI_FUZZ_LONG") == "1" else (20, 5)


def assert_state_whole(out: Path) -> None:
    """The build's own files are whole too: state.json parses, site.sqlite passes SQLite's integrity check."""
    import sqlite3

    if (out / STATE_DIR / "state.json").exists():
        json.loads((out / STATE_DIR / "state.json").read_text(encoding="utf-8"))
    if (out / STATE_DIR / "site.sqlite").exists():
        with sqlite3.connect(out / STATE_DIR / "site.sqlite") as db:
            assert db.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_a_build_killed_at_any_moment_leaves_complete_files(corpus40, tmp_path):
    """SIGKILLs at random moments of builds of 40 transcripts, with one and with two jobs, in chains of five: each
    build carries on from what the killed one before it left, and is killed in its turn. After each kill the
    published files are whole and each is the clean build's version, and the build's own state is whole; after
    each chain a normal build gives the clean build's bytes, without the temporary files a kill can leave behind.
    The transcripts are never touched."""
    src, clean, seconds = corpus40
    sources = tree(src)
    orphans = {}
    for chain in range(KILLS // CHAIN):
        out = tmp_path / f"killed{chain}"
        for k in range(CHAIN):
            seed = chain * CHAIN + k
            rng = random.Random(seed)
            jobs = 1 + seed % 2
            # the first of a chain has the most to do: the chains' first kills fall in successive quarters of a build
            quarter = 0.15 + 0.25 * (chain % 4)
            delay = seconds * (rng.uniform(quarter, quarter + 0.25) if k == 0 else rng.uniform(0.03, 0.6))
            process = subprocess.Popen([sys.executable, "-m", "tei", "build", str(src), "-o", str(out), "-j",
                                        str(jobs), *RULES], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                       cwd=ROOT, start_new_session=True)
            time.sleep(delay)
            process.kill()
            process.wait()
            deadline = time.monotonic() + 2  # a worker still starting ends itself once it sees (_die_with_parent)
            while _processes_in_group(process.pid) and time.monotonic() < deadline:
                time.sleep(0.05)
            left = _end_group(process.pid)
            if left:
                orphans[seed] = left
            print(f"kill {seed}: -j {jobs}, after {delay:.2f} s of {seconds:.2f}:",
                  "nothing written" if not out.exists() else
                  f"{len(list(out.glob('tei/*.xml')))} TEI, {len(list(out.glob('html/*.html')))} pages, "
                  f"temporary files {temp_files(out)}")
            if not out.exists():
                continue
            assert_complete(out)
            assert_state_whole(out)
            files = outputs(out)
            assert [name for name in files if not Path(name).name.startswith(".") and files[name] != clean.get(name)] \
                == [], f"kill {seed}: a published file is not the clean build's version"
        result, _ = build(src, out)
        assert result.exit_code == 0, result.output
        assert temp_files(out) == [], f"chain {chain}: the rebuild left the killed builds' temporary files"
        assert outputs(out) == clean, f"chain {chain}: the build after the kills differs from a clean build"
    assert tree(src) == sources
    if orphans:
        warnings.warn(f"pool workers outlived the killed build (killed by the test): {orphans}")


@pytest.mark.parametrize("command", ["build", "convert", "render"])
def test_a_rerun_removes_temporary_files_a_killed_run_left_and_nothing_else(tmp_path, command):
    """A run killed between write_atomic's mkstemp and its rename leaves .NAME.XXXXXXXX.tmp beside the file; a
    web server publishing OUT/html serves dot files unless told not to, so the next run removes them, in the
    folders it writes into, and nothing else (a user's own dot files stay)."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 2)
    args = {"build": ["build", str(src), "-o", str(out)], "convert": ["convert", str(src), "-o", str(out / "tei")],
            "render": ["render", str(tmp_path / "tei"), "-o", str(out / "html")]}[command]
    if command == "render":
        assert _run("convert", str(src), "-o", str(tmp_path / "tei"), *RULES).returncode == 0
    assert _run(*args, *([] if command == "render" else RULES)).returncode == 0
    leftovers = {"build": ["html/.index.html.k2j4x9ab.tmp", "html/entity/.stalin.html.a8b7c6_d.tmp",
                           "tei/.doc001.xml.q1w2e3r4.tmp"],
                 "convert": ["tei/.doc001.xml.q1w2e3r4.tmp"],
                 "render": ["html/.index.html.k2j4x9ab.tmp", "html/entity/.stalin.html.a8b7c6_d.tmp",
                            "html/tei/.doc000.xml.zzzzzzzz.tmp"]}[command]
    folder = out / ("tei" if command == "convert" else "html")
    own = [folder / ".notes.tmp", folder / ".my.draft.tmp"]  # not named as the toolkit names its own
    for path in [*(out / name for name in leftovers), *own]:
        path.write_bytes(b"<!DOCTYPE html>\n<html><head><title>half")
    assert _run(*args, *([] if command == "render" else RULES)).returncode == 0
    assert sorted(temp_files(out)) == sorted(str(p.relative_to(out)) for p in own), \
        "temporary files of an interrupted run are still there, or a user's own were removed"
    assert all(path.is_file() for path in own), "a file the toolkit did not make was removed"


def test_a_terminated_build_leaves_no_worker_processes(corpus40, tmp_path):
    """`timeout`, systemd and CI runners stop a build with SIGTERM to the build's own process. Its pool
    workers (spawned, -j 2) should not outlive it."""
    src, _, _ = corpus40
    process = subprocess.Popen([sys.executable, "-m", "tei", "build", str(src), "-o", str(tmp_path / "out"), "-j", "2",
                                *RULES], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT,
                               start_new_session=True)
    try:
        deadline = time.monotonic() + 30
        while len(_workers(process.pid)) < 2 or not list((tmp_path / "out" / "tei").glob("*.xml")):
            assert process.poll() is None and time.monotonic() < deadline, "the build never set its workers going"
            time.sleep(0.02)
        process.terminate()
        process.wait(timeout=30)
        deadline = time.monotonic() + 3
        while _processes_in_group(process.pid) and time.monotonic() < deadline:
            time.sleep(0.1)
    finally:
        left = _end_group(process.pid)
    assert left == [], f"{len(left)} process(es) of the terminated build were still running 3 s later"


@pytest.fixture
def rebuild_case(tmp_path):
    """A built corpus whose transcripts have all changed since: (src, out, files before, a clean build's files)."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 6)
    assert build(src, out)[0].exit_code == 0
    old = outputs(out)
    for path in sorted(src.glob("*.txt")):
        path.write_text(path.read_text(encoding="utf-8").replace("Stalin", "Stalin (ornithopter)", 1), encoding="utf-8")
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    return src, out, old, outputs(tmp_path / "clean")


@pytest.mark.parametrize("cause, after", [(errno.ENOSPC, 0), (errno.ENOSPC, 5), (errno.ENOSPC, 15),
                                          (errno.ENOSPC, 30), (errno.EROFS, 0), (errno.EROFS, 20)])
def test_a_full_or_read_only_disk_is_one_clear_error_and_the_files_stay_whole(rebuild_case, monkeypatch, cause, after):
    """ENOSPC as a write's data is flushed (os.replace is the first call after it in write_atomic), EROFS as the
    temporary file is created, after `after` files were written; root cannot make a folder read-only with chmod."""
    src, out, old, new = rebuild_case
    calls = {"n": 0}
    real_replace, real_mkstemp = os.replace, tempfile.mkstemp

    def failing_replace(source, target, *args, **kwargs):
        if cause == errno.ENOSPC and calls["n"] >= after:
            raise OSError(cause, os.strerror(cause))
        calls["n"] += 1
        return real_replace(source, target, *args, **kwargs)

    def failing_mkstemp(*args, dir=None, **kwargs):
        if cause == errno.EROFS and calls["n"] >= after:
            raise OSError(cause, os.strerror(cause), str(dir))
        return real_mkstemp(*args, dir=dir, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    monkeypatch.setattr(tempfile, "mkstemp", failing_mkstemp)
    result, report = build(src, out)
    monkeypatch.undo()

    assert result.exit_code == 1
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and os.strerror(cause) in lines[0], result.stderr
    assert str(out) in lines[0] or "/" in lines[0]
    assert temp_files(out) == []
    assert_complete(out)
    files = outputs(out)
    assert set(old) <= set(files), "a file built before is gone"
    assert [name for name in files if files[name] not in (old.get(name), new.get(name))] == []

    result, _ = build(src, out)
    assert result.exit_code == 0, result.output
    assert outputs(out) == new


def test_a_report_that_cannot_be_written_is_one_clear_error(tmp_path, monkeypatch):
    """The disk fills up just as --report is written (after the build itself succeeded)."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 2)
    report = tmp_path / "report.json"
    real_replace = os.replace

    def failing_replace(source, target, *args, **kwargs):
        if Path(target) == report:
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_replace(source, target, *args, **kwargs)

    monkeypatch.setattr(os, "replace", failing_replace)
    try:
        result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-j", "1", *RULES,
                                           "--report", str(report)], catch_exceptions=False)
    except OSError as exc:
        pytest.fail(f"the OSError of writing --report escaped tei build (a traceback for the user): {exc!r}")
    finally:
        monkeypatch.undo()
    assert result.exit_code == 1
    assert os.strerror(errno.ENOSPC) in result.stderr and "report" in result.stderr


@pytest.mark.parametrize("where", ["out inside", "out is", "report inside"])
def test_an_output_inside_the_inputs_is_a_usage_error_and_writes_nothing(tmp_path, where):
    src = tmp_path / "src"
    make_corpus(src, 2)
    before = tree(src)
    out, report = tmp_path / "out", tmp_path / "report.json"
    if where == "out inside":
        out = src / "build"
    elif where == "out is":
        out = src
    else:
        report = src / "report.json"
    result = CliRunner().invoke(main, ["build", str(src), "-o", str(out), "-j", "1", *RULES, "--report", str(report)],
                                catch_exceptions=False)
    assert result.exit_code == 2
    assert "inside the input" in result.stderr
    assert tree(src) == before and sorted(p.name for p in src.iterdir()) == ["doc000.txt", "doc001.txt"]


def test_the_sample_sources_are_only_read(tmp_path):
    """The repository's own sources/ (transcripts, the authority with its __init__.py, collection.toml):
    same names, bytes and modes after a build, and nothing added (no __pycache__)."""
    def listing():
        return {str(p.relative_to(SOURCES)): (p.stat().st_mode, hashlib.sha256(p.read_bytes()).hexdigest()
                                              if p.is_file() else None) for p in sorted(SOURCES.rglob("*"))}

    before = listing()
    result, report = build(SOURCES, tmp_path / "out", "--authority", SOURCES / "authority")
    assert result.exit_code == 0, result.output
    assert report["documents"] == len(SAMPLES)
    assert listing() == before


def _interrupt_when(process: subprocess.Popen, ready, what: str, timeout: float = 60) -> None:
    """Ctrl-C, as a terminal sends it (SIGINT to the whole process group), once `ready()` holds."""
    deadline = time.monotonic() + timeout
    while not ready():
        assert process.poll() is None, f"the build ended before {what}"
        assert time.monotonic() < deadline, f"no {what} after {timeout} s"
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)


def _as_from_a_terminal() -> None:
    """For a process the tests Ctrl-C: SIGINT as a terminal leaves it. A shell's background job (a CI step run
    with `&`, `nohup`...) starts its children with SIGINT ignored, and Python then never raises
    KeyboardInterrupt: the interruption the test makes would not reach the command at all."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def interrupted_run(args: list[str], ready, cwd: Path, timeout: float = 60) -> tuple[int, str, list[int]]:
    """`python -m tei ARGS` in a process group of its own, Ctrl-C'd (SIGINT to the group, as a terminal sends it)
    once `ready(process)` holds: (its exit status, its stderr, the pids of its group still there after it)."""
    process = subprocess.Popen([sys.executable, "-m", "tei", *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               text=True, cwd=cwd, start_new_session=True, preexec_fn=_as_from_a_terminal)
    try:
        _interrupt_when(process, lambda: ready(process), "the moment to interrupt it")
        _, stderr = process.communicate(timeout=timeout)
        time.sleep(0.3)
    finally:
        left = _end_group(process.pid)
    return process.returncode, stderr, left


def _once_workers_run(delay: float):
    """A `ready` for interrupted_run: `delay` seconds after the first worker process appears."""
    return lambda process: bool(_workers(process.pid)) and time.sleep(delay) is None


def assert_stopped_in_one_line(command: str, returncode: int, stderr: str, left: list[int]) -> None:
    """Exit 130 and one line saying it stops; no traceback from the command, a worker or the pool's thread; no
    process left."""
    assert returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr and "Error" not in stderr, stderr
    assert stderr.strip().count("\n") == 0 and f"tei {command}: interrupted, stopping" in stderr, stderr
    assert left == []


@pytest.mark.parametrize("jobs", [2])  # one job: test_ctrl_c_while_the_pages_are_written_the_next_build_writes_the_rest
def test_ctrl_c_keeps_the_finished_work_and_the_next_build_does_only_the_rest(tmp_path, jobs):
    """Ctrl-C while the transcripts are being converted: exit 130, one line saying it stops, no traceback, no
    worker left, the lock released; the next build converts only the transcripts whose TEI the first did not
    finish (its workers hand results back in chunks of up to 32, so those in hand may be done again)."""
    n = 200
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, n)
    process = subprocess.Popen([sys.executable, "-m", "tei", "build", str(src), "-o", str(out), "-j", str(jobs),
                                *RULES], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True, preexec_fn=_as_from_a_terminal)
    try:
        _interrupt_when(process, lambda: len(list((out / "tei").glob("*.xml"))) >= 40, "40 TEI files")
        stdout, stderr = process.communicate(timeout=30)
        time.sleep(0.5)
    finally:
        left = _end_group(process.pid)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and "KeyboardInterrupt" not in stderr, stderr
    assert stderr.strip().count("\n") == 0 and "interrupted, stopping" in stderr and str(out) in stderr, stderr
    assert left == [], f"{len(left)} process(es) of the interrupted build were still running"
    assert _lock_holder(out / STATE_DIR / "lock") == set()
    assert_complete(out)
    kept = {p.name: p.stat().st_ino for p in (out / "tei").glob("*.xml")}
    assert len(kept) < n, "the build had finished converting before it was interrupted: nothing to test"

    result, report = build(src, out, jobs=jobs)
    assert result.exit_code == 0, result.output
    redone = {p.name for p in (out / "tei").glob("*.xml") if kept.get(p.name) != p.stat().st_ino}
    assert report["converted"] == len(redone), (report["converted"], len(redone))
    in_hand = 0 if jobs == 1 else 2 * 32
    assert report["converted"] <= n - len(kept) + in_hand, \
        f"the next build converted {report['converted']} transcripts; {len(kept)} of {n} were done before Ctrl-C"
    assert report["valid"] == n


# ---------------------------------------------------------------------------------------------- a full disk, for real
# A tmpfs of a few hundred KB, mounted for the test (this needs root, as CI runs; where mounting is not allowed the
# tests skip, and test_a_full_or_read_only_disk_is_one_clear_error_and_the_files_stay_whole, which simulates ENOSPC
# in write_atomic, is what checks the build then).

PAGE = 4096  # tmpfs counts whole pages


@pytest.fixture
def small_disk():
    """mount(folder, kilobytes): a tmpfs of that size at folder; remount(folder, kilobytes) resizes it; all are
    unmounted after the test."""
    mounted: list[Path] = []

    def mount(folder: Path, kilobytes: int) -> Path:
        folder.mkdir(parents=True, exist_ok=True)
        done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={kilobytes}k", "tmpfs", str(folder)],
                              capture_output=True, text=True)
        if done.returncode != 0:
            pytest.skip(f"cannot mount a small file system here ({done.stderr.strip()}): the simulated full disk "
                        "(test_a_full_or_read_only_disk_is_one_clear_error_and_the_files_stay_whole) covers this")
        mounted.append(folder)
        return folder

    def remount(folder: Path, kilobytes: int) -> None:
        subprocess.run(["mount", "-o", f"remount,size={kilobytes}k", str(folder)], check=True)

    yield mount, remount
    for folder in reversed(mounted):
        subprocess.run(["umount", "-l", str(folder)], check=False)


def _fill(folder: Path, leave: int = PAGE) -> None:
    """Take all of the file system's space but `leave` bytes."""
    free = os.statvfs(folder).f_bavail * os.statvfs(folder).f_frsize
    (folder / "filler").write_bytes(b"\0" * max(0, free - leave))


def _one_disk_full_line(stderr: str, inside: Path) -> Path:
    """The one line a full disk gives: `FILE: cannot write: No space left on device; ...`; returns FILE."""
    assert "Traceback" not in stderr and "OperationalError" not in stderr, stderr
    lines = stderr.strip().splitlines()
    full = [line for line in lines if "cannot write: No space left on device" in line]
    assert len(full) == 1, stderr
    named = Path(full[0].split(": cannot write:")[0])
    assert str(named).startswith(str(inside)), f"the error names {named}, not a file in {inside}"
    return named


def _left_over(folder: Path) -> list[str]:
    """Temporary files and folders (write_atomic's .NAME.XXXX.tmp, staged_folder's) anywhere under folder."""
    return sorted(str(p.relative_to(folder)) for p in folder.rglob(".*") if p.name.endswith((".tmp", ".old")))


@pytest.mark.parametrize("kilobytes", [48, 400, 800])
def test_a_build_on_a_real_full_disk_is_one_clear_error_and_the_next_build_carries_on(tmp_path, small_disk, kilobytes):
    """OUT on a file system too small for the edition (about 1.3 MB): it fills up converting, validating or
    rendering, depending on the size. Once it is made bigger, the next build gives a clean build's files."""
    mount, remount = small_disk
    src = tmp_path / "src"
    make_corpus(src, 6)
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    clean = outputs(tmp_path / "clean")
    out = mount(tmp_path / "disk", kilobytes) / "out"
    result, _ = build(src, out)  # the inputs are checked by build()
    assert result.exit_code == 1, result.output
    named = _one_disk_full_line(result.stderr, out)
    assert named != out, "the error names the output folder, not the file"
    assert _left_over(out) == []
    assert_complete(out)
    files = outputs(out)
    assert [name for name in files if files[name] != clean.get(name)] == []
    remount(tmp_path / "disk", 8192)
    result, _ = build(src, out)
    assert result.exit_code == 0, result.output
    assert outputs(out) == clean


def test_a_full_disk_as_the_site_data_is_written_is_the_same_clear_error(tmp_path, small_disk):
    """The build's own folder (OUT/.tei-build) on a file system with room for the page drafts and the state but
    not for site.sqlite: SQLite's "database or disk is full" is the same one line as any other full disk, naming
    the file; the transaction is rolled back and the next build, with room, completes."""
    mount, remount = small_disk
    src = tmp_path / "src"
    make_corpus(src, 6)
    assert build(src, tmp_path / "clean")[0].exit_code == 0
    clean = outputs(tmp_path / "clean")
    own = tmp_path / "clean" / STATE_DIR
    pages = sum(-(-p.stat().st_size // PAGE) * PAGE for p in [own / "state.json", *own.glob("drafts/*")])
    site = (own / "site.sqlite").stat().st_size
    out = tmp_path / "out"
    mount(out / STATE_DIR, (pages + site * 3 // 4) // 1024)  # the drafts fit, the site data does not
    result, _ = build(src, out)
    assert result.exit_code == 1, result.output
    assert _one_disk_full_line(result.stderr, out) == out / STATE_DIR / "site.sqlite"
    assert_complete(out)
    assert not (out / STATE_DIR / "site.sqlite-journal").exists() or \
        (out / STATE_DIR / "site.sqlite-journal").stat().st_size == 0
    remount(out / STATE_DIR, 8192)
    result, _ = build(src, out)
    assert result.exit_code == 0, result.output
    assert outputs(out) == clean


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tei", *args], capture_output=True, text=True, cwd=ROOT, timeout=300)


@pytest.mark.parametrize("command", ["convert", "render", "export bagit", "export csv"])
def test_the_other_writing_commands_on_a_real_full_disk(tmp_path, small_disk, command):
    """Each writes over its earlier outputs on a file system that is full but for one page: one clear error naming
    the file (or the export folder), exit 1, every file the old version or the new, the inputs untouched, no
    temporary file left; a folder export is the old folder, whole."""
    src, tei = tmp_path / "src", tmp_path / "tei"
    make_corpus(src, 4)
    assert _run("convert", str(src), "-o", str(tei), *RULES).returncode == 0
    disk = mount_point = small_disk[0](tmp_path / "disk", 2048)
    target = disk / "out"
    inputs = src if command == "convert" else tei

    def run(into: Path) -> subprocess.CompletedProcess:
        words = command.split()
        return _run(*words, str(inputs), "-o", str(into), *(RULES if command == "convert" else ()))

    first = run(target)
    assert first.returncode == 0, first.stderr
    old = tree(target)
    for path in sorted(inputs.glob("*.*")):  # new inputs: new outputs
        path.write_text(path.read_text(encoding="utf-8").replace("Stalin", "Stalin (ornithopter)"), encoding="utf-8")
    assert run(tmp_path / "new").returncode == 0
    new = tree(tmp_path / "new")
    before = tree(inputs)
    _fill(mount_point)

    done = run(target)
    assert done.returncode == 1, done.stdout + done.stderr
    named = _one_disk_full_line(done.stderr, disk)
    assert tree(inputs) == before, "the inputs changed"
    assert _left_over(disk) == []
    after = tree(target)
    if command.startswith("export"):
        assert named == target and after == old, "a folder export on a full disk is not the old folder, whole"
    else:
        assert named.parent == target and named.name in new
        assert set(old) <= set(after)
        assert [name for name in after if after[name] not in (old.get(name), new.get(name))] == []
        assert_complete(target) if command == "render" else [etree.parse(str(p)) for p in target.glob("*.xml")]


OTHER_KILLS = 10 if os.environ.get("TEI_FUZZ_LONG") == "1" else 2


@pytest.mark.parametrize("command", ["convert", "render", "export bagit", "export csv"])
def test_the_other_writing_commands_killed_at_random_moments(tmp_path, command):
    """tei convert, render and export, each writing over its earlier outputs, SIGKILLed at random moments: every
    published file is then the old version or the new one, whole, none is gone, and the inputs are untouched;
    a folder export is the old folder or the new one, whole."""
    src, tei = tmp_path / "src", tmp_path / "tei"
    make_corpus(src, 12)
    assert _run("convert", str(src), "-o", str(tei), *RULES).returncode == 0
    inputs = src if command == "convert" else tei
    words = [*command.split(), str(inputs), "-o"]
    extra = list(RULES) if command == "convert" else []
    assert _run(*words, str(tmp_path / "old"), *extra).returncode == 0
    old = tree(tmp_path / "old")
    for path in sorted(inputs.glob("*.*")):  # new inputs: new outputs
        path.write_text(path.read_text(encoding="utf-8").replace("Stalin", "Stalin (ornithopter)"), encoding="utf-8")
    started = time.perf_counter()
    assert _run(*words, str(tmp_path / "new"), *extra).returncode == 0
    seconds = time.perf_counter() - started
    new = tree(tmp_path / "new")
    before = tree(inputs)

    def published(folder: Path) -> dict[str, str]:
        return {name: digest for name, digest in tree(folder).items() if not Path(name).name.startswith(".")}

    for seed in range(OTHER_KILLS):
        target = tmp_path / f"killed{seed}"
        shutil.copytree(tmp_path / "old", target)
        delay = seconds * random.Random(seed).uniform(0.3, 1.0)
        process = subprocess.Popen([sys.executable, "-m", "tei", *words, str(target), *extra], cwd=ROOT,
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(delay)
        process.kill()
        process.wait()
        after = published(target)
        print(f"{command}, killed after {delay:.2f} s of {seconds:.2f}: {sum(after[n] == new.get(n) for n in after)} "
              f"of {len(after)} files new; left behind: {sorted(str(p.name) for p in tmp_path.glob('.*'))} "
              f"{[n for n in tree(target) if Path(n).name.startswith('.')]}")
        assert tree(inputs) == before, "the inputs changed"
        if command.startswith("export"):
            assert after in (published(tmp_path / "old"), published(tmp_path / "new")), \
                "the export folder is neither the old one nor the new one"
        else:
            assert set(old) <= set(after), "a file written before is gone"
            assert [name for name in after if after[name] not in (old.get(name), new.get(name))] == []


def test_ctrl_c_while_the_pages_are_written_the_next_build_writes_the_rest(tmp_path):
    """Ctrl-C once some document pages are written: the next build writes the pages that were not (a page is
    recorded as made only once it is written), and the edition is whole."""
    n = 60
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, n)
    process = subprocess.Popen([sys.executable, "-m", "tei", "build", str(src), "-o", str(out), "-j", "1", *RULES],
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT,
                               start_new_session=True, preexec_fn=_as_from_a_terminal)
    try:
        _interrupt_when(process, lambda: len(list((out / "html").glob("doc*.html"))) >= 10, "10 pages")
        _, stderr = process.communicate(timeout=30)
    finally:
        _end_group(process.pid)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr and stderr.strip().count("\n") == 0 and "interrupted, stopping" in stderr
    kept = {p.name: p.stat().st_ino for p in (out / "html").glob("doc*.html")}
    assert len(kept) < n, "the build had written every page before it was interrupted: nothing to test"

    result, report = build(src, out)
    assert result.exit_code == 0, result.output
    pages = sorted(p.name for p in (out / "html").glob("doc*.html"))
    assert pages == [f"doc{i:03d}.html" for i in range(n)], f"{n - len(pages)} pages are missing"
    assert_complete(out)
    assert (report["converted"], report["validated"]) == (0, 0)
    rewritten_pages = [name for name in pages if kept.get(name) != (out / "html" / name).stat().st_ino]
    assert report["rendered"] == len(rewritten_pages) < n
    order = index_order(out)
    assert len(order) == n and neighbours(out) == {
        page: (order[i - 1] if i else None, order[i + 1] if i + 1 < n else None) for i, page in enumerate(order)}


def test_ctrl_c_as_the_workers_start_is_one_line(corpus40, tmp_path):
    """Ctrl-C reaches the workers too (the whole process group), within moments of their start, before they have
    set themselves up, or while the build is handing them their start: still one line, no traceback from any
    process (a worker's KeyboardInterrupt, the pool's thread), none left, exit 130. Five tries, each a little
    later."""
    src, _, _ = corpus40
    for attempt, delay in enumerate((0, 0.01, 0.02, 0.03, 0.05)):
        args = ["build", str(src), "-o", str(tmp_path / f"out{attempt}"), "-j", "2", *RULES]
        assert_stopped_in_one_line("build", *interrupted_run(args, _once_workers_run(delay), ROOT, timeout=30))
