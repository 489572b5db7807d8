"""How fast the reading edition is rendered, in-process and as a command line.

Makes a corpus of N small, valid TEI files (validate_speed.make_corpus: the two
transcripts in sources/, converted once, then written as variants), and times:

- render_edition(corpus, out) in this process (each run into a fresh folder);
- the whole `tei render CORPUS -o OUT` command line (process start-up included);
- for comparison, when the TEI Consortium's XSLT Stylesheets are on this machine,
  Saxon (saxonche, in this process) applying their html5 conversion
  (html5/html5.xsl, compiled once) to every file of the same corpus.

The TEI Stylesheets are not in any package registry this project reaches (no
`tei-xsl` in Debian bookworm, nothing on npm or PyPI; see --tei-stylesheets):
give a folder of them by hand, or the comparison is skipped with a line saying so.

Each measurement runs --repeat times, in turns; the median is shown, with ms per
document, documents per second and peak resident memory (getrusage's maxrss: of
this process for the in-process runs, of the child for the command line). Prints
numbers only; nothing is asserted about time.

    python benchmarks/render_speed.py [--files 1000] [--repeat 3] [--tei-stylesheets DIR]
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from validate_speed import make_corpus  # noqa: E402  (the same corpus as the validator's benchmark)

from tei.edition import render_edition  # noqa: E402

# Where Debian's old tei-xsl package put the stylesheets (it is not in bookworm).
DEBIAN_TEI_XSL = Path("/usr/share/xml/tei/stylesheet")


def rss_mb(kilobytes: int) -> float:
    return kilobytes / 1024  # ru_maxrss is in KiB on Linux


def time_in_process(paths: list[Path], out: Path) -> float:
    start = time.perf_counter()
    errors = render_edition(paths, out)
    elapsed = time.perf_counter() - start
    if errors:
        sys.exit(f"render_edition reported {len(errors)} unreadable file(s), e.g. {errors[0]}")
    return elapsed


# Runs the command in a small process of its own and prints its wall time and peak RSS. A
# child's ru_maxrss starts at its parent's RSS when it was forked (Linux carries the high-water
# mark across fork and exec), so a child of this big process would report at least our size.
_MEASURE = """import resource, subprocess, sys, time
start = time.perf_counter()
done = subprocess.run(sys.argv[1:], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
elapsed = time.perf_counter() - start
sys.stdout.buffer.write(done.stdout[-2000:])
print(done.returncode, elapsed, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)
"""


def time_command(command: list[str]) -> tuple[float, int]:
    """Wall time (process start-up included) and peak RSS (KiB) of one command line; exits if it fails."""
    done = subprocess.run([sys.executable, "-c", _MEASURE, *command], check=False, capture_output=True, text=True)
    try:
        code, elapsed, peak = done.stderr.split()
    except ValueError:
        sys.exit(f"FAILED to measure: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    if code != "0":
        sys.exit(f"FAILED (exit {code}): {' '.join(command)}\n{done.stdout}")
    return float(elapsed), int(peak)


def find_tei_html5(folder: Path | None) -> Path | None:
    """html5/html5.xsl of the TEI Stylesheets in the folder given, or Debian's; None if neither."""
    for base in ([folder] if folder else []) + [DEBIAN_TEI_XSL]:
        for candidate in (base / "html5" / "html5.xsl", base / "xml" / "tei" / "stylesheet" / "html5" / "html5.xsl"):
            if candidate.is_file():
                return candidate
    return None


def saxon_runner(stylesheet: Path):
    """A function(paths, out) applying the stylesheet (compiled once, here) to each file."""
    import saxonche

    processor = saxonche.PySaxonProcessor(license=False)
    executable = processor.new_xslt30_processor().compile_stylesheet(stylesheet_file=str(stylesheet))

    def run(paths: list[Path], out: Path) -> float:
        out.mkdir(parents=True)
        start = time.perf_counter()
        for path in paths:
            executable.transform_to_file(source_file=str(path), output_file=str(out / f"{path.stem}.html"))
        return time.perf_counter() - start

    return run, processor.version


def row(label: str, seconds: float, count: int, peak_kib: int | None) -> str:
    peak = f"{rss_mb(peak_kib):8.0f}" if peak_kib is not None else f"{'-':>8}"
    return f"{label:52} {seconds:9.2f} {seconds / count * 1000:9.2f} {count / seconds:9.1f} {peak}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="size of the corpus (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the median is shown")
    parser.add_argument("--tei-stylesheets", type=Path, default=None,
                        help="a folder of the TEI Consortium's XSLT Stylesheets (with html5/html5.xsl), "
                             "for the comparison with Saxon")
    args = parser.parse_args()
    tei = shutil.which("tei")
    if tei is None:
        sys.exit("the `tei` command is not on PATH: pip install -e . first")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), {platform.system()} {platform.release()}; "
          f"Python {platform.python_version()}")
    print(f"load average (1, 5, 15 min) at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    stylesheet = find_tei_html5(args.tei_stylesheets)
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = make_corpus(folder, args.files)
        count = len(paths)
        print(f"corpus: {count} files, {sum(p.stat().st_size for p in paths) / count / 1024:.1f} KB each on average; "
              f"median of {args.repeat} run(s)\n")
        saxon = None
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        ours, cli, cli_rss, theirs = [], [], [], []
        for i in range(args.repeat):  # in turns, so that a busy spell on the machine hits every measurement alike
            ours.append(time_in_process(paths, folder / f"ours{i}"))
            if i == 0:  # before Saxon is loaded into this process
                rss_ours = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
            if stylesheet is not None and saxon is None:
                saxon, saxon_version = saxon_runner(stylesheet)
                print(f"TEI Stylesheets: {stylesheet} with {saxon_version}\n")
            elapsed, peak = time_command([tei, "render", str(folder / "corpus"), "-o", str(folder / f"cli{i}")])
            cli.append(elapsed)
            cli_rss.append(peak)
            if saxon is not None:
                theirs.append(saxon(paths, folder / f"saxon{i}"))
        pages = len(list((folder / "ours0").rglob("*.html")))
    print(f"{'measurement':52} {'total s':>9} {'ms/doc':>9} {'docs/s':>9} {'peak MB':>8}")
    print(row("render_edition (in-process)", statistics.median(ours), count, rss_ours))
    print(row("tei render DIR -o OUT (command line)", statistics.median(cli), count, max(cli_rss)))
    print(f"\npages written per run: {pages}; this process's peak RSS was {rss_mb(rss_before):.0f} MB before "
          "rendering (corpus made), so the in-process peak includes it")
    if theirs:
        print(row("Saxon + TEI Stylesheets html5.xsl (in-process)", statistics.median(theirs), count, None))
        print(f"Saxon/TEI Stylesheets time / render_edition time: "
              f"{statistics.median(theirs) / statistics.median(ours):.2f} (> 1: render_edition is faster)")
    else:
        print("TEI Stylesheets (tei-to-html): not compared; they are not obtainable from a package registry "
              "reachable here (no tei-xsl in Debian bookworm, none on npm or PyPI) and none were found at "
              f"{DEBIAN_TEI_XSL} or given with --tei-stylesheets")
    print(f"\nload average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
