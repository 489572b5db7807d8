"""`tei validate` and `tei build` under an address-space limit (RLIMIT_AS, `ulimit -v`, as shared computing
clusters and CI runners set it). Saxon's runtime reserves 32 GB of address space when it starts and, when it
cannot, ends the whole process; so under such a limit the Schematron rules are not run (one warning, and a
`schematron-skipped` finding per file), and the grammar still is.

Real processes with a real limit (set in the child before it runs the command, as `ulimit -v` does).
"""

from __future__ import annotations

import json
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_build import RULES, make_corpus

GB = 2**30


def run_limited(args: list[str], limit: int | None, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    def limited():
        if limit is not None:
            resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return subprocess.run([sys.executable, "-m", "tei", *args], cwd=cwd, capture_output=True, text=True,
                          preexec_fn=limited, timeout=300)


@pytest.fixture(scope="module")
def tei_files(tmp_path_factory, sample_tei):
    """64 TEI files in a folder (copies of the samples'), and one whose body has an element the grammar refuses."""
    folder = tmp_path_factory.mktemp("limited")
    samples = sorted(sample_tei.values())
    for i in range(64):
        shutil.copy(samples[i % len(samples)], folder / f"copy{i:02d}.xml")
    text = samples[0].read_text(encoding="utf-8")
    bad = folder.parent / f"{folder.name}-bad.xml"
    bad.write_text(text.replace("<body>", "<body><bogus/>", 1), encoding="utf-8")
    assert "<bogus/>" in bad.read_text(encoding="utf-8")
    return folder, bad


def _warnings(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if "Schematron rules are not checked" in line]


@pytest.mark.parametrize("limit", [4 * GB, 16 * GB])
def test_validate_under_an_address_space_limit_checks_the_grammar_without_schematron(tei_files, limit):
    folder, bad = tei_files
    done = run_limited(["validate", "--format", "json", str(bad), str(folder / "copy00.xml")], limit)
    assert done.returncode == 1, done.stderr  # 2 (no findings at all) before
    assert "graal" not in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert len(_warnings(done.stderr)) == 1, done.stderr
    assert "ulimit -v" in _warnings(done.stderr)[0]
    findings = json.loads(done.stdout)
    by_file = {}
    for finding in findings:
        by_file.setdefault(Path(finding["file"]).name, []).append(finding)
    grammar = [f for f in by_file[bad.name] if f["schema"].endswith(".rng") and f["rule"] != "schematron-skipped"]
    assert grammar, f"the grammar's finding for <bogus/> is missing: {by_file[bad.name]}"
    for name in (bad.name, "copy00.xml"):
        skipped = [f for f in by_file[name] if f["rule"] == "schematron-skipped"]
        assert skipped and all("ulimit -v" in f["message"] for f in skipped), by_file[name]
    assert {f["rule"] for f in by_file["copy00.xml"]} == {"schematron-skipped"}


def test_validate_with_workers_under_a_limit(tei_files):
    folder, _ = tei_files
    done = run_limited(["validate", "-j", "2", str(folder)], 16 * GB)
    assert done.returncode == 1, done.stderr
    assert "graal" not in done.stderr and "Traceback" not in done.stderr, done.stderr[-2000:]
    assert len(_warnings(done.stderr)) == 1
    assert done.stdout.count("[schematron-skipped]") >= 64
    assert "0 of 64 file(s) valid" in done.stderr


def test_validate_without_a_limit_runs_the_rules(tei_files):
    """The same file checked without the limit: no finding (so the findings above come from the limit)."""
    folder, _ = tei_files
    done = run_limited(["validate", str(folder / "copy00.xml")], None)
    assert done.returncode == 0, done.stdout + done.stderr
    assert _warnings(done.stderr) == [] and "schematron-skipped" not in done.stdout


@pytest.mark.parametrize("jobs", [2])  # the workers as well as the build's own process
def test_build_under_a_limit_and_after_it(tmp_path, jobs):
    """Under the limit the build converts and renders everything and says the rules were not checked; the next
    build, without the limit, checks every file again (the findings of the limited run are not kept as if they
    were the rules')."""
    src, out = tmp_path / "src", tmp_path / "out"
    make_corpus(src, 20)
    report = tmp_path / "report.json"
    done = run_limited(["build", str(src), "-o", str(out), "-j", str(jobs), *RULES, "--report", str(report)], 16 * GB)
    assert done.returncode == 1, done.stderr[-2000:]
    assert "graal" not in done.stderr and "Traceback" not in done.stderr
    assert len(_warnings(done.stderr)) == 1
    first = json.loads(report.read_text(encoding="utf-8"))
    assert (first["converted"], first["validated"], first["rendered"], first["valid"]) == (20, 20, 20, 0)
    assert all("schematron-skipped" in line for line in first["findings"])
    assert len(list((out / "html").glob("doc*.html"))) == 20

    done = run_limited(["build", str(src), "-o", str(out), "-j", str(jobs), *RULES, "--report", str(report)], None)
    assert done.returncode == 0, done.stderr[-2000:]
    second = json.loads(report.read_text(encoding="utf-8"))
    assert (second["converted"], second["validated"], second["valid"], second["findings"]) == (0, 20, 20, [])
