"""The commands as a user runs them: exit codes, error lines, nothing half-written, inputs untouched."""

from __future__ import annotations

import hashlib
import resource
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from conftest import ROOT, SAMPLES, SOURCES, jing
from tei.cli import main


def run(*args: str):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def bad_inputs(tmp_path) -> dict[str, Path]:
    folder = tmp_path / "in"
    folder.mkdir()
    files = {
        "empty": folder / "empty.txt",
        "latin1": folder / "latin1.txt",
        "binary": folder / "binary.txt",
        "control": folder / "control.txt",
        "good": folder / SAMPLES[0].name,
    }
    files["empty"].write_bytes(b"")
    files["latin1"].write_bytes("Heading\n\nSoong met Stalin \xe0 Moscou.\n".encode("latin-1"))
    files["binary"].write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR")
    files["control"].write_bytes(b"Heading\n\nA bell \x07 rings.\n")
    files["good"].write_bytes(SAMPLES[0].read_bytes())
    return files


def test_bad_inputs_are_named_and_the_rest_converted(bad_inputs, tmp_path):
    out = tmp_path / "out"
    result = run("convert", *bad_inputs.values(), tmp_path / "missing.txt", "-o", out)
    assert result.exit_code == 1
    lines = result.stderr.splitlines()
    assert any(str(bad_inputs["empty"]) in l and "empty" in l for l in lines)
    assert any(f"{bad_inputs['latin1']}:3:" in l and "not UTF-8" in l for l in lines)  # line of the bad byte
    assert any(str(bad_inputs["binary"]) in l and "binary" in l for l in lines)
    assert any(f"{bad_inputs['control']}:3:8:" in l and "U+0007" in l for l in lines)
    assert any("missing.txt" in l and "no such file" in l for l in lines)
    assert sorted(p.name for p in out.iterdir()) == [SAMPLES[0].stem + ".xml"]  # nothing for the bad ones


def test_a_folder_of_transcripts_converts_each(tmp_path):
    result = run("convert", SOURCES, "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in tmp_path.glob("*.xml")) == [f"{s.stem}.xml" for s in SAMPLES]
    assert not list(tmp_path.glob(".*.tmp"))  # no temporary files left behind


def test_output_inside_the_input_folder_is_refused(bad_inputs):
    folder = bad_inputs["good"].parent
    result = run("convert", folder, "-o", folder / "tei")
    assert result.exit_code == 2
    assert "inside the input" in result.output
    assert not (folder / "tei").exists()


def test_validate_exit_codes_and_messages(sample_tei, tmp_path):
    assert run("validate", *sample_tei.values()).exit_code == 0
    broken = tmp_path / "broken.xml"
    broken.write_text('<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader>\n<oops></TEI>')
    not_tei = tmp_path / "html.xml"
    not_tei.write_text("<html><body/></html>")
    result = run("validate", broken, not_tei)
    assert result.exit_code == 1
    assert f"{broken}:2:" in result.output and "not well-formed" in result.output
    assert f"{not_tei}:1:" in result.output and "not TEI" in result.output
    assert run("validate", sample_tei["000_0057ff3e2a2cacb5"], "--schema", tmp_path / "nope.rng").exit_code == 2
    assert run("validate").exit_code == 2


def test_validate_reports_line_and_column_of_an_invalid_file(sample_tei, tmp_path):
    invalid = tmp_path / "invalid.xml"
    invalid.write_text(sample_tei["001_e5f868fdedea9438"].read_text().replace('<gap reason="illegible"', "<gap"))
    result = run("validate", invalid)
    assert result.exit_code == 1
    line = next(i for i, l in enumerate(invalid.read_text().splitlines(), 1) if "<gap " in l)
    column = invalid.read_text().splitlines()[line - 1].index("<gap") + 1
    assert f"{invalid}:{line}:{column}: error:" in result.output


def test_validate_against_tei_all_with_schema_option(sample_tei, tei_all):
    result = run("validate", "--schema", tei_all, *sample_tei.values())
    assert result.exit_code == 0, result.output


def test_text_prints_the_body(sample_tei):
    result = run("text", sample_tei["001_e5f868fdedea9438"])
    assert result.exit_code == 0
    assert result.output.startswith("Soong invited [ILLEGIBLE] to tell me")
    assert "export [sic]" in result.output


def test_python_dash_m_runs_the_command():
    result = subprocess.run([sys.executable, "-m", "tei", "--help"], capture_output=True, text=True)
    assert result.returncode == 0
    assert "convert" in result.stdout and "build" in result.stdout


def test_render_names_a_file_too_large_for_its_memory_and_renders_the_others(sample_tei, tmp_path):
    """With 300 MB of data, 20 MB of TEI is read but its page does not fit: an error naming it, no traceback,
    and the other file's page is written."""
    paragraph = '<persName ref="#stalin">Stalin</persName> on <date when="1945-07-03">3 July</date>; ' + "word " * 150
    head, tail = sample_tei[SAMPLES[0].stem].read_text(encoding="utf-8").split("<body>")[0], "</p></body></text></TEI>\n"
    big = tmp_path / "big.xml"
    big.write_text(head + "<body><p>" + "</p>\n<p>".join([paragraph] * (20 * 2**20 // len(paragraph))) + tail,
                   encoding="utf-8")
    small = sample_tei[SAMPLES[0].stem]

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (300 * 2**20, 300 * 2**20))

    out = tmp_path / "html"
    done = subprocess.run([sys.executable, "-m", "tei", "render", str(big), str(small), "-o", str(out)],
                          capture_output=True, text=True, timeout=120, preexec_fn=limit, cwd=ROOT)
    assert (done.returncode, "Traceback" in done.stderr) == (1, False), done.stderr[-2000:]
    assert done.stderr.startswith(f"{big}: error: is too large (20 MB) for the memory"), done.stderr[-2000:]
    assert (out / f"{small.stem}.html").is_file() and not (out / "big.html").exists()


def digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.rglob("*")) if p.is_file()}


def test_build_converts_validates_and_renders(tmp_path, tei_all):
    before = digest(SOURCES)
    out = tmp_path / "build"
    result = subprocess.run(["tei", "build", "sources", "-o", str(out)], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1].startswith("2 converted, 2 valid, 0 problem(s)")
    tei_files = sorted((out / "tei").glob("*.xml"))
    assert [p.stem for p in tei_files] == [s.stem for s in SAMPLES]
    assert (out / "html" / "index.html").exists()
    assert all((out / "html" / f"{s.stem}.html").exists() for s in SAMPLES)
    checked = jing(tei_all, *tei_files)  # an independent validator agrees: valid against TEI All
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert digest(SOURCES) == before  # the inputs are never modified


def test_build_twice_gives_identical_bytes(tmp_path):
    for name in ("a", "b"):
        assert subprocess.run(["tei", "build", str(SOURCES), "-o", str(tmp_path / name)],
                              capture_output=True).returncode == 0
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
