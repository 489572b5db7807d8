"""The processes the toolkit starts import only the toolkit and its libraries, never code from the folder the
command is run from (tei.workers; `python -m tei` in tei/__main__.py).

A folder holding a `select.py`, `json.py` or `types.py` (a student's exercise, a script beside the data) is
the current folder of a real `tei validate -j 2` over 64 files and a real `tei build -j 2` over 20
transcripts, both big enough to use the worker pools; each of those files writes a marker when imported.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ROOT
from test_build import RULES, _once_workers_run, assert_stopped_in_one_line, interrupted_run, make_corpus

SHADOWS = ("select", "json", "types")  # select: multiprocessing's own start-up; json: the toolkit's
# `python -m` itself (Python's runpy) imports types, functools, collections... with the current folder on the
# path, before any code of the toolkit runs: no program run with -m can guard against those
BEFORE_THE_TOOLKIT = {"types"}


@pytest.fixture(scope="module")
def hostile_folder(tmp_path_factory):
    """A folder with modules named as the standard library's, 20 transcripts (src/) and 80 TEI files (tei1..4/)."""
    folder = tmp_path_factory.mktemp("hostile")
    make_corpus(folder / "src", 20)
    done = subprocess.run([sys.executable, "-m", "tei", "convert", "src", "-o", "tei1", *RULES], cwd=folder,
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for n in (2, 3, 4):
        shutil.copytree(folder / "tei1", folder / f"tei{n}")
    for name in SHADOWS:  # written after the conversion, which ran with the folder clean
        (folder / f"{name}.py").write_text(
            f"import os, sys\nopen({str(folder / 'IMPORTED')!r}, 'a').write(f'{name}.py in {{os.getpid()}} "
            f"{{sys.argv}}\\n')\n", encoding="utf-8")
    return folder


@contextlib.contextmanager
def _without(folder: Path, names: set[str]):
    """The hostile folder without these modules for a moment."""
    for name in names:
        (folder / f"{name}.py").rename(folder / f"{name}.away")
    try:
        yield
    finally:
        for name in names:
            (folder / f"{name}.away").rename(folder / f"{name}.py")


def _tei_command() -> list[str]:
    script = shutil.which("tei", path=str(Path(sys.executable).parent))
    assert script is not None, "the tei console script is not installed beside this Python"
    return [script]


@pytest.mark.parametrize("how", ["tei", "python -m tei"])
@pytest.mark.parametrize("command", ["validate", "build"])
def test_workers_import_nothing_from_the_current_folder(hostile_folder, command, how):
    folder = hostile_folder
    (folder / "IMPORTED").unlink(missing_ok=True)
    shutil.rmtree(folder / "out", ignore_errors=True)
    tei = _tei_command() if how == "tei" else [sys.executable, "-m", "tei"]
    args = ["validate", "-j", "2", "tei1", "tei2", "tei3", "tei4"] if command == "validate" \
        else ["build", "src", "-o", "out", "-j", "2", *RULES]
    with _without(folder, BEFORE_THE_TOOLKIT if how == "python -m tei" else set()):
        done = subprocess.run(tei + args, cwd=folder, capture_output=True, text=True, timeout=300)
    imported = (folder / "IMPORTED").read_text() if (folder / "IMPORTED").exists() else ""
    assert imported == "", f"code from the current folder was run:\n{imported}"
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    if command == "validate":
        assert "80 of 80 file(s) valid" in done.stderr
    else:
        assert "20 converted, 20 valid, 0 problem(s)" in done.stdout
        assert len(list((folder / "out" / "html").glob("doc*.html"))) == 20


def test_a_source_checkout_run_from_its_folder_gives_its_workers_its_own_toolkit(hostile_folder, tmp_path):
    """`python -m tei` in a checkout that is not installed (tei.resources supports it): the workers import the
    toolkit from the checkout as the command does, though the checkout is the current folder, and still not a
    select.py or json.py there in place of the standard library's."""
    from conftest import ROOT

    checkout = tmp_path / "checkout"
    for part in ("tei", "schema", "converters", "sources/authority"):
        shutil.copytree(ROOT / part, checkout / part, ignore=shutil.ignore_patterns("__pycache__"))
    loaded = tmp_path / "loaded"
    init = checkout / "tei" / "__init__.py"
    record_pid = f"\nopen({str(loaded)!r}, 'a').write(f'{{__import__(\"os\").getpid()}}\\n')\n"
    init.write_text(init.read_text(encoding="utf-8") + record_pid, encoding="utf-8")
    for name in set(SHADOWS) - BEFORE_THE_TOOLKIT:  # run with python -m
        shutil.copy(hostile_folder / f"{name}.py", checkout)
    (hostile_folder / "IMPORTED").unlink(missing_ok=True)
    done = subprocess.run([sys.executable, "-m", "tei", "validate", "-j", "2",
                           *(str(hostile_folder / f"tei{n}") for n in (1, 2, 3, 4))],
                          cwd=checkout, capture_output=True, text=True, timeout=300)
    imported = (hostile_folder / "IMPORTED").read_text() if (hostile_folder / "IMPORTED").exists() else ""
    assert imported == "", f"code from the current folder was run:\n{imported}"
    assert done.returncode == 0, done.stderr
    assert "80 of 80 file(s) valid" in done.stderr
    processes = set(loaded.read_text(encoding="utf-8").split())
    assert len(processes) == 3, f"the command and its two workers did not all take the checkout's toolkit: {processes}"


def test_ctrl_c_during_validate_with_workers_is_one_line_and_leaves_no_worker(tmp_path):
    """Ctrl-C (SIGINT to the whole process group, as a terminal sends it) while `tei validate -j 2` works
    through 2,000 files: the workers ignore it and are stopped by the command, which says it stops in one line
    and exits 130; no traceback from the command, a worker or the pool's thread; no process left."""
    folder = tmp_path / "tei"
    done = subprocess.run([sys.executable, "-m", "tei", "convert", *map(str, sorted(ROOT.glob("sources/*.txt"))),
                           "-o", str(folder / "0"), *RULES], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    for n in range(1, 1000):  # 2,000 files: some seconds of work, so that the Ctrl-C comes while it goes on
        shutil.copytree(folder / "0", folder / str(n))
    for delay in (0, 0.1, 0.4):
        args = ["validate", str(folder), "-j", "2"]
        assert_stopped_in_one_line("validate", *interrupted_run(args, _once_workers_run(delay), tmp_path))


def test_python_m_tei_in_a_folder_holding_a_tei_folder_runs_the_toolkit(tmp_path):
    """`tei convert sources -o tei` then `python -m tei validate tei`: the folder of TEI files named `tei` in the
    current folder is not taken for the toolkit (an editable install imported it as a namespace package)."""
    done = subprocess.run([sys.executable, "-m", "tei", "convert", str(ROOT / "sources"), "-o", "tei", *RULES],
                          cwd=tmp_path, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    done = subprocess.run([sys.executable, "-m", "tei", "validate", "tei"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0 and "2 of 2 file(s) valid" in done.stderr, done.stderr


@pytest.mark.parametrize("command", ["convert", "render"])
def test_ctrl_c_in_a_command_without_workers_is_one_line_and_exit_130(tmp_path, command):
    """Every command stops on Ctrl-C with one line and exit status 130 (not click's "Aborted!" and 1)."""
    make_corpus(tmp_path / "src", 200)
    if command == "render":
        done = subprocess.run([sys.executable, "-m", "tei", "convert", "src", "-o", "in", *RULES], cwd=tmp_path,
                              capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
    args = ["convert", "src", "-o", "out", *RULES] if command == "convert" else ["render", "in", "-o", "out"]
    five_written = lambda process: len(list((tmp_path / "out").glob("*.*"))) >= 5  # noqa: E731
    assert_stopped_in_one_line(command, *interrupted_run(args, five_written, tmp_path))
