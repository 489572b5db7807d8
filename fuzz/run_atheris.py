"""Run a fuzz target under atheris (libFuzzer for Python, coverage-guided over the tei package).

    pip install atheris          # a binary wheel for CPython 3.11 on x86-64 Linux
    python fuzz/run_atheris.py TARGET [libFuzzer options] [corpus folder ...]

TARGET is one of: convert, convert_rules, validate, render, text, export_csv, export_dc, export_teicorpus
(fuzz/targets.py). Examples:

    python fuzz/run_atheris.py validate -max_total_time=600
    python fuzz/run_atheris.py convert_rules -runs=5000 -jobs=2
    python fuzz/run_atheris.py render crash-0123abcd      # run one input again (a file, not a folder)

With no corpus folder, libFuzzer starts from a copy of the seeds (fuzz/corpus/) in fuzz/work/TARGET/ (not
committed), so that what it finds stays out of the seed corpus; copy an interesting input into fuzz/corpus/
(through fuzz/make_corpus.py) to keep it. Unless given otherwise: -max_len=65536 (larger seeds are cut to
that; the seed tests run them whole), -timeout=60 (an input that takes longer is reported as a hang),
-rss_limit_mb=4096 and -dict=fuzz/tei.dict. A failing input is written to crash-<hash> in the current folder
and the failure (command, input, output) printed: see tests/test_fuzz.py for what counts as one.
libFuzzer stops at the first failure, so while a seed still fails (tests/test_fuzz.py says which), give a
corpus folder without it to look for others.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    if len(argv) < 2 or argv[1] in ("-h", "--help"):
        print(__doc__)
        return 0 if len(argv) >= 2 else 2
    try:
        import atheris
    except ImportError:
        print("atheris is not installed: pip install atheris (it has wheels for CPython 3.8-3.11 on Linux; "
              "elsewhere it builds with clang and libFuzzer)", file=sys.stderr)
        return 2

    with atheris.instrument_imports(include=["tei"]):
        import targets
        # the modules the commands import only when they run, so that they are instrumented too
        import tei.edition, tei.export, tei.metadata, tei.render, tei.textout, tei.validate  # noqa: E401,F401
        import tei.export.dublin_core, tei.export.tables, tei.export.teicorpus  # noqa: E401,F401

    name, rest = argv[1], argv[2:]
    if name not in targets.TARGETS:
        print(f"no target {name!r}; the targets are: {', '.join(targets.TARGETS)}", file=sys.stderr)
        return 2
    target = targets.TARGETS[name]

    options = [a for a in rest if a.startswith("-")]
    inputs = [a for a in rest if not a.startswith("-")]
    defaults = {"-max_len": "65536", "-timeout": "60", "-rss_limit_mb": "4096", "-dict": str(HERE / "tei.dict")}
    options += [f"{k}={v}" for k, v in defaults.items() if not any(o.startswith(k + "=") for o in options)]
    if not inputs:
        work = HERE / "work" / name
        if not work.exists():
            shutil.copytree(targets.CORPUS, work)
        inputs = [str(work)]

    def test_one_input(data: bytes) -> None:
        target(data)

    atheris.Setup([argv[0], *options, *inputs], test_one_input)
    atheris.Fuzz()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
