"""Every file a user gives is input: a FIFO, a device, a file that grows, a file in UTF-16 is named with what is
wrong, never opened when opening blocks, never read past the limit, and the rest of a batch goes through.

The commands run in a child process with a timeout, so that a regression (a FIFO opened, /dev/zero read to
the end) fails the test instead of hanging it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import SAMPLES
from tei.errors import InputError
from tei.files import MAX_TRANSCRIPT_BYTES, read_input, read_transcript

TIMEOUT = float(os.environ.get("TEI_TEST_TIMEOUT", 60))  # seconds a command may take


def tei(*args, timeout: float = TIMEOUT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tei", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, stdin=subprocess.DEVNULL)


def refused(done: subprocess.CompletedProcess, name: str, kind: str) -> None:
    """One error line naming the file and what it is, a non-zero exit, no traceback."""
    assert done.returncode != 0, done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    lines = [line for line in done.stderr.splitlines() if name in line and kind in line]
    assert lines, done.stderr


@pytest.fixture
def fifo(tmp_path) -> Path:
    path = tmp_path / "pipe"
    path.mkdir()
    fifo = path / "cable.txt"
    os.mkfifo(fifo)
    return fifo


def fifo_named(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


# --- 1. not a regular file ----------------------------------------------------------------------------

def test_a_fifo_given_by_name_is_refused_by_convert_and_the_rest_converted(fifo, tmp_path):
    good = tmp_path / SAMPLES[0].name
    good.write_bytes(SAMPLES[0].read_bytes())
    done = tei("convert", fifo, good, "-o", tmp_path / "out", "--recogniser", "rules")
    refused(done, str(fifo), "FIFO")
    assert done.returncode == 1
    assert (tmp_path / "out" / f"{good.stem}.xml").is_file()


def test_a_fifo_inside_an_input_folder_is_named_not_skipped(fifo, tmp_path):
    (fifo.parent / SAMPLES[0].name).write_bytes(SAMPLES[0].read_bytes())
    done = tei("convert", fifo.parent, "-o", tmp_path / "out", "--recogniser", "rules")
    refused(done, str(fifo), "FIFO")
    assert (tmp_path / "out" / f"{SAMPLES[0].stem}.xml").is_file()


def test_a_symlink_to_dev_zero_inside_an_input_folder_is_refused_and_the_rest_converted(tmp_path):
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "zero.txt").symlink_to("/dev/zero")
    (folder / SAMPLES[0].name).write_bytes(SAMPLES[0].read_bytes())
    done = tei("convert", folder, "-o", tmp_path / "out", "--recogniser", "rules")
    refused(done, "zero.txt", "character device")
    assert (tmp_path / "out" / f"{SAMPLES[0].stem}.xml").is_file()


@pytest.mark.parametrize("command", ["validate", "text", "render", "export-csv"])
def test_a_fifo_or_dev_zero_is_refused_by_the_commands_that_read_tei(command, tmp_path, sample_tei):
    pipe = fifo_named(tmp_path, "pipe.xml")
    args = {"validate": ["validate"], "text": ["text"], "render": ["render", "-o", tmp_path / "html"],
            "export-csv": ["export", "csv", "-o", tmp_path / "csv"]}[command]
    for path in (pipe, Path("/dev/zero")):
        if command == "text":
            refused(tei(*args, path), str(path), "not a regular file")
        else:
            done = tei(*args, path, next(iter(sample_tei.values())))
            refused(done, str(path), "not a regular file")


def test_a_fifo_as_an_authority_file_is_refused(tmp_path):
    (tmp_path / "authority").mkdir()  # an input folder: the output may not be inside it
    fifo_named(tmp_path / "authority", "people-x.csv")
    for args in (["authority", "check"], ["convert", SAMPLES[0], "-o", tmp_path / "out"]):
        done = tei(*args, "--authority", tmp_path / "authority")
        refused(done, "people-x.csv", "FIFO")
        assert done.returncode == 2


def test_a_fifo_as_a_conventions_or_collection_file_is_refused(tmp_path, sample_tei):
    conventions = fifo_named(tmp_path, "conventions.toml")
    done = tei("convert", SAMPLES[0], "-o", tmp_path / "out", "--conventions", conventions, "--recogniser", "rules")
    refused(done, str(conventions), "FIFO")
    collection = fifo_named(tmp_path, "collection.toml")
    done = tei("export", "csv", next(iter(sample_tei.values())), "-o", tmp_path / "csv", "--collection", collection)
    refused(done, str(collection), "FIFO")


def test_read_input_never_opens_a_fifo(tmp_path):
    """Opening a FIFO blocks until a writer comes: read_input runs in a thread, and should it still be waiting
    after a while, a writer is let in (so the thread ends) and the test fails."""
    import threading

    pipe = fifo_named(tmp_path, "pipe.txt")
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(_raised(read_input, pipe, "a transcript")), daemon=True)
    thread.start()
    thread.join(10)
    if thread.is_alive():
        os.close(os.open(pipe, os.O_WRONLY | os.O_NONBLOCK))  # the blocked open returns, and reads nothing
        thread.join(10)
        pytest.fail("read_input opened the FIFO and waited for a writer")
    assert isinstance(outcome[0], InputError) and "FIFO" in outcome[0].message


def _raised(function, *args):
    try:
        function(*args)
    except Exception as exc:  # the test looks at what it was
        return exc
    return None


def test_the_limit_counts_what_is_read_not_what_stat_says():
    # /proc files say they are 0 bytes long; a check of stat's size would take all of one
    assert os.stat("/proc/self/maps").st_size == 0
    assert read_input(Path("/proc/self/status"), "a file")
    with pytest.raises(InputError, match="larger than"):
        read_input(Path("/proc/self/maps"), "a file", limit=10)


def test_a_file_that_grows_while_it_is_read_is_read_only_to_the_limit(tmp_path):
    """stat says 10 bytes; by the time it is read the file holds more than the limit."""
    path = tmp_path / "growing.txt"
    path.write_bytes(b"x" * 10)
    real_fstat = os.fstat

    def fstat_then_grow(fd):
        result = real_fstat(fd)
        with open(path, "ab") as more:
            more.write(b"y" * 5000)
        return result

    os.fstat = fstat_then_grow
    try:
        with pytest.raises(InputError, match="larger than"):
            read_input(path, "a file", limit=1000)
    finally:
        os.fstat = real_fstat


def test_a_transcript_over_the_limit_is_refused_by_what_is_read(tmp_path):
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * (MAX_TRANSCRIPT_BYTES // 5 + 1))
    with pytest.raises(InputError, match="the most a transcript may be"):
        read_transcript(path)


# --- 5. UTF-16 and UTF-32 -----------------------------------------------------------------------------

@pytest.mark.parametrize("codec, named", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16LE"),
                                          ("utf-16-be", "UTF-16BE"), ("utf-32", "UTF-32"),
                                          ("utf-32-be", "UTF-32BE")])
def test_a_utf16_or_utf32_transcript_is_named_so_with_how_to_save_it(codec, named, tmp_path):
    path = tmp_path / "wide.txt"
    path.write_bytes(SAMPLES[0].read_text(encoding="utf-8").encode(codec))
    with pytest.raises(InputError) as raised:
        read_transcript(path)
    assert named in raised.value.message and "save it as UTF-8" in raised.value.message
    assert "binary" not in raised.value.message


def test_a_binary_file_is_still_called_binary(tmp_path):
    path = tmp_path / "image.txt"
    path.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    with pytest.raises(InputError, match="binary"):
        read_transcript(path)


def test_a_tei_file_in_utf16_with_a_bom_is_validated_rendered_and_read(sample_tei, tmp_path):
    source = next(iter(sample_tei.values()))
    text = source.read_text(encoding="utf-8").replace('encoding="UTF-8"', 'encoding="UTF-16"')
    wide = tmp_path / "wide.xml"
    wide.write_bytes(text.encode("utf-16"))  # with a BOM
    assert tei("validate", source).returncode == 0
    done = tei("validate", wide)
    assert done.returncode == 0, done.stdout + done.stderr
    assert tei("text", wide).stdout == tei("text", source).stdout
    done = tei("render", wide, "-o", tmp_path / "html")
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "html" / "wide.html").is_file()


# --- 3. authority CSVs ----------------------------------------------------------------------------------

def authority_folder(tmp_path: Path, name: str, text: str | bytes) -> Path:
    folder = tmp_path / "authority"
    folder.mkdir(exist_ok=True)
    (folder / name).write_bytes(text.encode("utf-8") if isinstance(text, str) else text)
    return folder


def authority_error(folder: Path) -> InputError:
    from tei.authority import load_authority

    with pytest.raises(InputError) as raised:
        load_authority(folder)
    return raised.value


def test_an_unclosed_quote_at_the_end_names_its_line_and_column(tmp_path):
    folder = authority_folder(tmp_path, "people-x.csv",
                              'id,name,variants\nsmith,Smith,Smith\n\njdoe,"Doe, Jane,Doe\nroe,Roe,Roe\n')
    error = authority_error(folder)
    assert (error.path, error.line, error.column) == (str(folder / "people-x.csv"), 4, 6)
    assert "quoted field" in error.message


def test_an_unclosed_quote_closed_rows_later_names_the_line_it_opens_on(tmp_path):
    # the quote of line 2 is closed on line 3: csv reads one row, "Smith\nx2,Doe,Doe", and says nothing
    folder = authority_folder(tmp_path, "people-x.csv", 'id,name,variants\nx1,"Smith\nx2,Doe,Doe"\nx3,Roe,Roe\n')
    error = authority_error(folder)
    assert (error.line, error.column) == (2, 4)
    assert "line 3" in error.message


def test_text_after_a_closing_quote_is_named(tmp_path):
    folder = authority_folder(tmp_path, "people-x.csv", 'id,name,variants\nx1,"Smith"son,Smith\n')
    error = authority_error(folder)
    assert error.line == 2 and "not valid CSV" in error.message


def test_a_doubled_quote_and_a_comma_in_quotes_are_text(tmp_path):
    from tei.authority import load_authority

    folder = authority_folder(tmp_path, "people-x.csv",
                              'id,name,variants,description\r\nx1,"Smith, John","Smith","the ""boss"""\r\n')
    assert load_authority(folder).entities["x1"].description == 'the "boss"'


def test_a_10_mb_field_is_read(tmp_path):
    from tei.authority import load_authority

    folder = authority_folder(tmp_path, "people-x.csv", 'id,name,description\nx1,Smith,"' + "d" * 10_000_000 + '"\n')
    assert len(load_authority(folder).entities["x1"].description) == 10_000_000


def test_a_folder_named_like_an_authority_file_is_named(tmp_path):
    folder = tmp_path / "authority"
    (folder / "people-x.csv").mkdir(parents=True)
    error = authority_error(folder)
    assert error.path == str(folder / "people-x.csv") and "folder" in error.message


def test_a_utf16_authority_file_is_named_so(tmp_path):
    folder = authority_folder(tmp_path, "people-x.csv", "id,name\nx1,Smith\n".encode("utf-16"))
    assert "UTF-16" in authority_error(folder).message


def test_an_authority_error_is_one_line_and_exit_2_for_convert_build_and_check(tmp_path):
    folder = authority_folder(tmp_path, "people-x.csv", 'id,name,variants\nx1,"Smith\nx2,Doe,Doe\n')
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / SAMPLES[0].name).write_bytes(SAMPLES[0].read_bytes())
    for args in (["authority", "check"], ["convert", SAMPLES[0], "-o", tmp_path / "out"],
                 ["build", sources, "-o", tmp_path / "build"]):
        done = tei(*args, "--authority", folder, "--recogniser", "rules") if args[0] != "authority" \
            else tei(*args, "--authority", folder)
        assert done.returncode == 2, done.stderr
        assert done.stderr.strip() == f"{folder / 'people-x.csv'}:2:4: error: " + done.stderr.split(": error: ")[1].strip()
        assert "Traceback" not in done.stderr and "Usage:" not in done.stderr


# --- 4. conventions, layout profiles, collection.toml ---------------------------------------------------

CONVENTIONS = Path(__file__).resolve().parent.parent / "converters" / "conventions.toml"


def edited(tmp_path: Path, source: Path, old: str, new: str, name: str | None = None) -> tuple[Path, int]:
    """A copy of `source` with the first `old` replaced by `new`, and the line (1-based) the edit is on."""
    text = source.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / (name or source.name)
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path, text[:text.index(old)].count("\n") + 1


def conventions_error(path: Path) -> InputError:
    from tei.brackets import load_conventions

    with pytest.raises(InputError) as raised:
        load_conventions(path)
    return raised.value


@pytest.mark.parametrize("old, new, key, says", [
    ('encode = "gap"', 'encode = "gapp"', "encode", "'gapp' is not one of"),
    ('brackets = "square"', 'brackets = "curly"', "brackets", "'curly' is not one of"),
    ('reason = "damage"', 'reason = "burnt"', "reason", "'burnt' is not one of"),
    ('review = true', 'review = "yes"', "review", "is not of type 'boolean'"),
    ('encode = "note"', 'encoding = "note"', "encoding", "unknown key"),
    ("pattern = '(?i)^(garble", "pattern = '(?i)^((garble", "pattern", "not a regular expression"),
])
def test_a_conventions_file_is_checked_when_loaded_naming_line_and_key(old, new, key, says, tmp_path):
    path, line = edited(tmp_path, CONVENTIONS, old, new)
    error = conventions_error(path)
    assert (error.path, error.line, error.column) == (str(path), line, 1)
    assert f"{key}: " in error.message and says in error.message


def test_a_missing_key_names_its_table(tmp_path):
    text = CONVENTIONS.read_text(encoding="utf-8")
    path = tmp_path / "conventions.toml"
    first_mark = text.index("[[mark]]")
    pattern_line = text[text.index("pattern = "):].split("\n")[0] + "\n"
    path.write_text(text.replace(pattern_line, "", 1), encoding="utf-8")
    error = conventions_error(path)
    assert error.line == text[:first_mark].count("\n") + 1  # where the [[mark]] is; it has no key `pattern`
    assert "[[mark]] 1 ('illegible'): 'pattern' is required here" in error.message


def test_invalid_toml_is_named_with_line_and_column(tmp_path):
    path, line = edited(tmp_path, CONVENTIONS, 'brackets = "square"', 'brackets = ')
    error = conventions_error(path)
    assert (error.line, error.column) == (line, len("brackets = ") + 1)
    assert "not valid TOML" in error.message


def test_the_gap_reasons_a_convention_may_give_are_those_the_project_schema_accepts(sample_tei):
    """The oracle is the validator: each reason the loader allows validates, one it refuses does not."""
    from lxml import etree

    from tei.datafiles import tei_attribute_values
    from tei.validate import check_tree, default_checks

    source = next(iter(sample_tei.values()))
    allowed = tei_attribute_values("gap", "reason")
    assert "illegible" in allowed and "sensitive" in allowed
    for reason, valid in [*((r, True) for r in allowed), ("burnt", False)]:
        tree = etree.parse(str(source))
        body_p = tree.find(".//{http://www.tei-c.org/ns/1.0}body//{http://www.tei-c.org/ns/1.0}p")
        etree.SubElement(body_p, "{http://www.tei-c.org/ns/1.0}gap", reason=reason)
        findings = [f for f in check_tree(tree, source, default_checks()) if f.level == "error"]
        assert (findings == []) is valid, (reason, findings)


def test_the_units_the_converter_writes_are_those_the_project_schema_accepts():
    from tei.brackets import _UNITS
    from tei.datafiles import tei_attribute_values

    assert set(_UNITS.values()) <= set(tei_attribute_values("gap", "unit"))


def test_the_bracket_kinds_of_the_schema_are_those_the_converter_knows():
    from tei.brackets import _REND
    from tei.datafiles import schema

    assert set(schema("conventions")["properties"]["brackets"]["enum"]) == set(_REND)


def test_every_shipped_toml_passes_its_schema():
    from tei.datafiles import load_toml
    from tei.layout import NOT_LAYOUTS
    from tei.resources import converters_dir

    root = Path(__file__).resolve().parent.parent
    files = sorted(converters_dir().glob("*.toml"))
    checked = 0
    for path in files:
        if path.stem in NOT_LAYOUTS:
            continue
        kind = "conventions" if "conventions" in path.stem else "layout"
        assert load_toml(path, kind, "a data file")
        checked += 1
    assert checked >= 4  # conventions.toml and the bare, citation-page and web-page profiles
    assert load_toml(root / "sources" / "collection.toml", "collection", "a collection file")


def test_a_layout_profile_with_a_typo_is_named(tmp_path):
    from tei.layout import load_profile

    profile = Path(__file__).resolve().parent.parent / "converters" / "citation_page.toml"
    (tmp_path / "conventions.toml").write_bytes(CONVENTIONS.read_bytes())
    path, line = edited(tmp_path, profile, 'heading = "title-line"', 'heading = "title_line"')
    with pytest.raises(InputError) as raised:
        load_profile(path)
    assert (raised.value.line, raised.value.column) == (line, 1) and "heading: " in raised.value.message
    path, line = edited(tmp_path, profile, "[body]", '[body]\nconvention = "x"', "other.toml")
    with pytest.raises(InputError) as raised:
        load_profile(path)
    assert raised.value.line == line + 1 and "unknown key" in raised.value.message


def test_a_profile_naming_conventions_that_are_not_there_is_named(tmp_path):
    from tei.layout import load_profile

    profile = Path(__file__).resolve().parent.parent / "converters" / "bare.toml"
    path = tmp_path / "bare.toml"
    path.write_text(profile.read_text(encoding="utf-8").replace('detect = []', 'detect = []\nconventions = "frus"'))
    with pytest.raises(InputError, match="no frus.toml") as raised:
        load_profile(path)
    assert raised.value.line == profile.read_text().split("\n").index("detect = []") + 2


def test_bad_conventions_and_collection_files_are_one_line_and_exit_2(tmp_path, sample_tei):
    path, line = edited(tmp_path, CONVENTIONS, 'encode = "gap"', 'encode = "gapp"')
    done = tei("convert", SAMPLES[0], "-o", tmp_path / "out", "--conventions", path, "--recogniser", "rules")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{path}:{line}:1: error: [[mark]] 1 ('illegible'), encode: 'gapp'")
    assert not (tmp_path / "out").exists()
    collection = tmp_path / "collection.toml"
    collection.write_text('title = "Cables"\n[[creators]]\nnam = "Doe, Jane"\n')
    done = tei("export", "csv", next(iter(sample_tei.values())), "-o", tmp_path / "csv", "--collection", collection)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"{collection}:2:1: error: [[creators]] 1: 'name' is required here")


# --- 2. what the toolkit writes, it reads back ------------------------------------------------------------

# libxml2 refuses a text node over 10,000,000 bytes unless told XML_PARSE_HUGE. In CI the transcripts are just
# over it: past 10 MB is what the limit is about, and conversion takes some seconds a MB on a shared 2-core
# machine. TEI_FUZZ_LONG=1 (the long runs of tests/test_fuzz.py) converts one at the transcript limit too.
OVER_TEXT_LIMIT = 10_500_000
AT_THE_LIMIT = MAX_TRANSCRIPT_BYTES - 100  # the heading and the line breaks fit in what is left
WORDS = "the talks went on for hours and nothing was agreed about the railway or the port".split()
LONG_RUN = os.environ.get("TEI_FUZZ_LONG") == "1"


def long_transcript(path: Path, line_length: int | None, size: int = OVER_TEXT_LIMIT) -> Path:
    """A transcript of about `size` bytes in one paragraph: one line, or lines of `line_length`."""
    body = " ".join(WORDS[i % len(WORDS)] for i in range(size // 4))[:size].rstrip()
    if line_length:
        body = "\n".join(body[i:i + line_length].strip() for i in range(0, len(body), line_length))
    path.write_text("MEMORANDUM\n\n" + body + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("line_length, size", [
    (None, OVER_TEXT_LIMIT), (70, OVER_TEXT_LIMIT),
    pytest.param(None, AT_THE_LIMIT, marks=pytest.mark.skipif(not LONG_RUN, reason="a long run: TEI_FUZZ_LONG=1")),
], ids=["one-line", "many-lines", "one-line-at-the-limit"])
def test_a_transcript_past_the_xml_text_limit_converts_and_reads_back(line_length, size, tmp_path):
    source = long_transcript(tmp_path / "long.txt", line_length, size)
    assert OVER_TEXT_LIMIT <= source.stat().st_size <= MAX_TRANSCRIPT_BYTES
    done = tei("convert", source, "-o", tmp_path / "tei", "--recogniser", "rules", timeout=1200)  # a shared machine
    assert done.returncode == 0, done.stderr
    converted = tmp_path / "tei" / "long.xml"
    text = tei("text", converted)
    assert text.returncode == 0, text.stderr
    assert text.stdout.split() == source.read_text(encoding="utf-8").split()
    verdict = tei("validate", converted)
    assert verdict.returncode == 0 and "1 of 1 file(s) valid" in verdict.stderr, verdict.stdout + verdict.stderr
    page = tei("render", converted, "-o", tmp_path / "html")
    assert page.returncode == 0, page.stderr
    assert (tmp_path / "html" / "long.html").stat().st_size > OVER_TEXT_LIMIT


def test_the_huge_text_parser_keeps_the_entity_limits_and_the_depth_limit(tmp_path):
    from tei.xmlread import MAX_DEPTH, parse_xml

    long_text = "x" * 10_100_000
    bomb = tmp_path / "bomb.xml"  # a text node over the limit, so the huge parser is the one that reads it
    bomb.write_text('<!DOCTYPE r [<!ENTITY a "' + "y" * 50_000 + '">]><r><p>' + long_text + "</p><p>"
                    + "&a;" * 50_000 + "</p></r>")
    with pytest.raises(InputError, match="amplification"):
        parse_xml(bomb)
    deep = tmp_path / "deep.xml"
    deep.write_text("<r><p>" + long_text + "</p>" + "<d>" * (MAX_DEPTH + 1) + "</d>" * (MAX_DEPTH + 1) + "</r>")
    with pytest.raises(InputError, match="nest more than"):
        parse_xml(deep)
    fine = tmp_path / "fine.xml"
    fine.write_text("<r><p>" + long_text + "</p></r>")
    assert len(parse_xml(fine).getroot()[0].text) == len(long_text)


def test_a_fifo_as_a_template_schema_or_review_report_is_refused(tmp_path, sample_tei):
    templates = tmp_path / "templates"
    (templates / "elements").mkdir(parents=True)
    fifo_named(templates / "elements", "p.html")
    tei_file = next(iter(sample_tei.values()))
    refused(tei("render", tei_file, "-o", tmp_path / "html", "--templates", templates), "p.html", "FIFO")
    schema_fifo = fifo_named(tmp_path, "rules.sch")
    refused(tei("validate", tei_file, "--schema", schema_fifo), str(schema_fifo), "FIFO")
    report = fifo_named(tmp_path, "review.csv")
    refused(tei("authority", "suggest", report), str(report), "FIFO")


def test_a_finding_in_a_utf16_tei_file_has_the_place_it_has_in_utf8(sample_tei, tmp_path):
    from tei.validate import default_checks, validate_file

    text = next(iter(sample_tei.values())).read_text(encoding="utf-8").replace("<p>", '<p  bogus="1">', 1)
    narrow = tmp_path / "narrow.xml"
    narrow.write_text(text, encoding="utf-8")
    wide = tmp_path / "wide.xml"
    wide.write_bytes(text.replace('encoding="UTF-8"', 'encoding="UTF-16"').encode("utf-16"))
    places = [[(f.line, f.column, f.rule) for f in validate_file(path, default_checks())] for path in (narrow, wide)]
    assert places[0] and places[0][0][1] > 1
    assert places[1] == places[0]


@pytest.mark.parametrize("unit_group, says", [("(?P<unit>words?|inch(es)?)", "'inch'"),
                                              (r"(?P<unit>\w+)", "open-ended")])
def test_a_gap_convention_whose_unit_the_schema_would_reject_is_refused_when_loaded(unit_group, says, tmp_path):
    old = "(?P<unit>words?|lines?|letters?|characters?|pages?) (illegible|unreadable)"
    path, line = edited(tmp_path, CONVENTIONS, old, old.replace("(?P<unit>words?|lines?|letters?|characters?|pages?)",
                                                                unit_group))
    error = conventions_error(path)
    assert error.line == line and "pattern: the group `unit`" in error.message and says in error.message


def test_tei_build_names_a_fifo_among_the_transcripts_and_in_the_templates(tmp_path):
    sources = tmp_path / "sources"
    sources.mkdir()
    (sources / SAMPLES[0].name).write_bytes(SAMPLES[0].read_bytes())
    fifo_named(sources, "pipe.txt")
    done = tei("build", sources, "-o", tmp_path / "out", "--recogniser", "rules", "-j", "1")
    refused(done, "pipe.txt", "FIFO")
    assert (tmp_path / "out" / "html" / f"{SAMPLES[0].stem}.html").is_file()  # the rest is built
    templates = tmp_path / "templates"
    (templates / "elements").mkdir(parents=True)
    fifo_named(templates / "elements", "p.html")
    done = tei("build", sources, "-o", tmp_path / "out2", "--templates", templates, "--recogniser", "rules")
    refused(done, "p.html", "FIFO")
    assert done.returncode == 2


def test_a_bad_pattern_in_a_list_names_the_list_and_its_item(tmp_path):
    from tei.layout import load_profile

    profile = Path(__file__).resolve().parent.parent / "converters" / "citation_page.toml"
    (tmp_path / "conventions.toml").write_bytes(CONVENTIONS.read_bytes())
    path, line = edited(tmp_path, profile, "'(?m)^Contents:[ \\t]*$'", "'(?m)^Contents:[ \\t*$'")
    with pytest.raises(InputError) as raised:
        load_profile(path)
    assert raised.value.line == line and raised.value.message.startswith("detect[2]: ")


@pytest.mark.parametrize("written, attributes", [("several words illegible", {"extent": "several words"}),
                                                 ("0 words illegible", {"extent": "0 words"}),
                                                 ("2 words illegible", {"quantity": "2", "unit": "words"})])
def test_a_quantity_that_is_no_number_is_a_size_in_words(tmp_path, written, attributes):
    """A convention whose group `quantity` takes any word (`several`) converts, as TEI's @extent, instead of
    failing on it (a ValueError traceback); the file is valid against the project's schema."""
    from lxml import etree

    from tei.validate import default_checks, validate_file

    old = r"(?P<quantity>\d+(?:\.\d+)?½?|½|one|two|three|four|five|six|seven|eight|nine|ten|a|an|half an?)"
    conventions, _ = edited(tmp_path, CONVENTIONS, old, r"(?P<quantity>\w+)")
    source = tmp_path / "doc.txt"
    source.write_text(f"A HEADING\n\nThe text [{written}] goes on.\n", encoding="utf-8")
    done = tei("convert", source, "-o", tmp_path / "out", "--conventions", conventions, "--recogniser", "rules")
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    converted = tmp_path / "out" / "doc.xml"
    gap = etree.parse(str(converted)).find(".//{http://www.tei-c.org/ns/1.0}gap")
    assert {k: v for k, v in gap.attrib.items() if k not in ("reason", "rend")} == attributes
    assert [f for f in validate_file(converted, default_checks()) if f.level == "error"] == []
