"""What recording a build's progress costs: the saves of OUT/.tei-build/state.json during a fresh `tei build`.

    python benchmarks/state_saves.py [--count 1000] [--jobs 2]

Builds a generated corpus (benchmarks/make_corpus.py) in a temporary folder with the rules recogniser and
prints the number of saves, the seconds they took and their share of the build, and the size of the state.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import tei.build as build  # noqa: E402
from make_corpus import make_corpus  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    saves: list[tuple[float, int]] = []  # (seconds, bytes)
    real_save = build._save_state

    def timed_save(out: Path, state: dict) -> None:
        started = time.perf_counter()
        real_save(out, state)
        saves.append((time.perf_counter() - started, (out / build.STATE_DIR / "state.json").stat().st_size))

    build._save_state = timed_save
    with tempfile.TemporaryDirectory(prefix="tei-state-saves-") as work:
        src, out = Path(work) / "src", Path(work) / "out"
        make_corpus(src, args.count, 1945)
        settings = build.BuildSettings(sources=src, out=out, recogniser="rules", jobs=args.jobs)
        started = time.perf_counter()
        result = build.build(settings, sorted(src.rglob("*.txt")))
        total = time.perf_counter() - started
    seconds = sum(s for s, _ in saves)
    print(f"{result.documents} documents, -j {args.jobs}: build {total:.1f} s; {len(saves)} saves of the state took "
          f"{seconds:.2f} s ({100 * seconds / total:.1f} %); state.json up to {max(b for _, b in saves) / 1024:.0f} KB")


if __name__ == "__main__":  # the build's workers import this module again (spawn)
    main()
