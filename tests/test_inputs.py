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

TIMEOUT = 60


def tei(*args, cwd: Path | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "tei", *map(str, args)], capture_output=True, text=True,
                          timeout=TIMEOUT, cwd=cwd, stdin=subprocess.DEVNULL)


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
    fifo_named(tmp_path, "people-x.csv")
    for args in (["authority", "check"], ["convert", SAMPLES[0], "-o", tmp_path / "out"]):
        done = tei(*args, "--authority", tmp_path)
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
    pipe = fifo_named(tmp_path, "pipe.txt")
    with pytest.raises(InputError, match="FIFO"):
        read_input(pipe, "a transcript")  # opening a FIFO blocks: were it opened, this would hang (the CLI
        # tests above have the timeout)


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
