"""The processes the toolkit starts import only the toolkit and its libraries, never code from the folder the
command is run from (tei.workers; `python -m tei` in tei/__main__.py).

A folder holding a `select.py`, `json.py` or `types.py` (a student's exercise, a script beside the data) is
the current folder of a real `tei validate -j 2` over 64 files and a real `tei build -j 2` over 20
transcripts, both big enough to use the worker pools; each of those files writes a marker when imported.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from test_build import RULES, make_corpus

SHADOWS = ("select", "json", "types")  # select: multiprocessing's own start-up; json: the toolkit's


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
