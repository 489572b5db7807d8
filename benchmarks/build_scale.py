"""How `tei build` scales: 1,000 and 10,000 transcripts, one and two jobs, and rebuilds.

For each size it generates a corpus (benchmarks/make_corpus.py: the three layouts,
one paragraph to 50 pages, every editorial convention, names from the authority) and
times the whole `tei build` command line (process start-up included):

  (a) fresh, --jobs 1             (b) fresh, --jobs 2
  (c) --jobs 2 again on (b)'s output, nothing changed: the no-op rebuild
  (d) --jobs 2 after one transcript's text changed
  (e) --jobs 2 after one transcript was touched (new modification time, same bytes)

Each row gives wall and CPU seconds, documents per second, ms per document, the peak memory
of the whole process tree (the sum of the resident sets of the build and every
process under it, polled from /proc every 50 ms, so a spike shorter than that can be
missed) and of its largest process (getrusage's maxrss of the waited-for children, in
a small wrapper process: a forked child's maxrss starts at its parent's size, so the
build is not started from this process), and the seconds per stage (convert, validate,
render) and what was redone, read from the build's `--report` JSON. Then the ratios the
build's issue sets goals for:

  jobs 2 vs jobs 1, fresh build       speedup >= 1.7x
  no-op rebuild vs first build        >= 10x faster
  ms per document, smallest vs largest size     flat
  peak memory, smallest vs largest size         not growing

A `tei build` without --jobs or --report (see `tei build --help`) is run without them,
and what they would give is printed as n/a. Names the authority lacks are found with
`--recogniser rules` unless --recogniser says otherwise: `auto`, the build's default,
uses spaCy when it is installed, which makes conversion many times slower.

    python benchmarks/build_scale.py [--sizes 1000 10000] [--quick] [--seed 1945]
                                     [--recogniser rules] [--workdir DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from make_corpus import make_corpus

# Runs the command under it, polls /proc for the memory of its process tree, and prints one JSON line on
# standard error: exit code, wall seconds, peak tree RSS and the largest process's maxrss (KiB), CPU seconds
# (user + system, of every process under it). Kept in
# a process of its own, small, because a forked child's ru_maxrss starts at its parent's size.
_MEASURE = r"""
import json, os, resource, subprocess, sys, time
PAGE_KIB = os.sysconf("SC_PAGE_SIZE") // 1024

def tree_kib(root):
    children, rss = {}, {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        fields = data[data.rindex(b")") + 2:].split()
        pid = int(entry.name)
        children.setdefault(int(fields[1]), []).append(pid)
        rss[pid] = int(fields[21]) * PAGE_KIB
    total, todo = 0, [root]
    while todo:
        pid = todo.pop()
        total += rss.get(pid, 0)
        todo += children.get(pid, [])
    return total

log = open(sys.argv[1], "wb")
start = time.perf_counter()
child = subprocess.Popen(sys.argv[2:], stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
peak = samples = 0
while True:
    try:
        child.wait(timeout=0.05)
        break
    except subprocess.TimeoutExpired:
        peak, samples = max(peak, tree_kib(child.pid)), samples + 1
elapsed = time.perf_counter() - start
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({"code": child.returncode, "elapsed": elapsed, "tree_peak_kib": peak, "samples": samples,
                  "maxrss_kib": usage.ru_maxrss, "cpu": usage.ru_utime + usage.ru_stime}), file=sys.stderr)
"""

STAGES = ("convert", "validate", "render")


@dataclass
class Run:
    size: int
    label: str
    jobs: str
    code: int = 0
    elapsed: float = 0.0
    cpu: float = 0.0
    tree_peak_kib: int = 0
    maxrss_kib: int = 0
    report: dict | None = None
    log: str = ""
    notes: list[str] = field(default_factory=list)

    @property
    def documents(self) -> int:
        return int((self.report or {}).get("documents") or self.size)

    def stage(self, name: str) -> str:
        stages = (self.report or {}).get("stages")
        return f"{stages[name]:.2f}" if isinstance(stages, dict) and name in stages else "n/a"

    def redone(self) -> str:
        report = self.report or {}
        if "redone" in report:
            return json.dumps(report["redone"], separators=(",", ":"))[:40]
        if all(k in report for k in ("converted", "validated", "rendered")):
            return f"{report['converted']}/{report['validated']}/{report['rendered']}"
        return "n/a"


def tei_command() -> list[str]:
    found = shutil.which("tei")
    return [found] if found else [sys.executable, "-m", "tei"]


def build_options(tei: list[str]) -> tuple[bool, bool]:
    """Whether this `tei build` takes --jobs and --report (the latter writing JSON, not the old review CSV)."""
    text = subprocess.run([*tei, "build", "--help"], capture_output=True, text=True, check=False).stdout
    jobs = re.search(r"(^|\s)(-j, )?--jobs\b", text) is not None
    report = re.search(r"--report\b", text) is not None
    return jobs, report


def measure(command: list[str], log: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", _MEASURE, str(log), *command], capture_output=True, text=True,
                          check=False)
    try:
        return json.loads(done.stderr.strip().splitlines()[-1])
    except (ValueError, IndexError):
        sys.exit(f"FAILED to measure: {' '.join(command)}\n{done.stdout[-2000:]}{done.stderr[-2000:]}")


def build(tei: list[str], corpus: Path, out: Path, run: Run, work: Path, options: list[str],
          jobs: int | None, has_report: bool) -> Run:
    report = work / f"report-{run.size}-{run.label}.json"
    report.unlink(missing_ok=True)
    command = [*tei, "build", str(corpus), "-o", str(out), *options]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    if has_report:
        command += ["--report", str(report)]
    log = work / f"log-{run.size}-{run.label}.txt"
    result = measure(command, log)
    run.code, run.elapsed, run.cpu = result["code"], result["elapsed"], result["cpu"]
    run.tree_peak_kib, run.maxrss_kib = result["tree_peak_kib"], result["maxrss_kib"]
    run.log = log.read_text(encoding="utf-8", errors="replace")
    if has_report and report.exists():
        try:
            run.report = json.loads(report.read_text(encoding="utf-8"))
        except ValueError:
            run.notes.append("--report did not write JSON")
    if run.code != 0:
        run.notes.append(f"exit {run.code}: {run.log.strip().splitlines()[-1] if run.log.strip() else ''}")
        failures = (run.report or {}).get("failures") or []
        if failures:
            run.notes.append(f"{len(failures)} failure(s), e.g. {json.dumps(failures[0], ensure_ascii=False)[:200]}")
    return run


def change_one(corpus: Path, paths: list[Path]) -> Path:
    """Add a sentence to a long paragraph of the transcript in the middle of the corpus."""
    path = paths[len(paths) // 2]
    text = path.read_bytes().decode("utf-8")  # as it is: CRLF line ends stay CRLF
    blocks = text.split("\r\n\r\n" if "\r\n" in text else "\n\n")
    longest = max(range(len(blocks)), key=lambda i: len(blocks[i]) if "[" not in blocks[i][:1] else 0)
    blocks[longest] = blocks[longest].rstrip() + " The Embassy will report further on this point."
    path.write_bytes(("\r\n\r\n" if "\r\n" in text else "\n\n").join(blocks).encode("utf-8"))
    return path


def machine() -> list[str]:
    from lxml import etree

    memory = ""
    try:
        with open("/proc/meminfo", encoding="ascii") as handle:
            total = int(handle.readline().split()[1])
        memory = f", {total / 1024 / 1024:.1f} GiB of memory"
    except (OSError, ValueError, IndexError):
        pass
    version = subprocess.run([*tei_command(), "--version"], capture_output=True, text=True, check=False)
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    return [f"machine: {platform.machine()}, {os.cpu_count()} CPU(s){memory}, {platform.system()} {platform.release()}",
            f"versions: Python {platform.python_version()}; lxml {etree.__version__} (libxml2 {libxml2}); "
            + (version.stdout.strip() or version.stderr.strip())]


def load() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def mb(kib: int) -> str:
    return f"{kib / 1024:.0f}" if kib else "n/a"


HEADER = (f"{'docs':>6} {'run':24} {'jobs':>4} {'wall s':>8} {'cpu s':>8} {'docs/s':>8} {'ms/doc':>8} "
          f"{'tree MB':>8} {'proc MB':>8} {'convert':>8} {'validate':>8} {'render':>8}  "
          "redone (converted/validated/rendered)")


def row(run: Run) -> str:
    seconds = run.elapsed
    line = (f"{run.documents:6d} {run.label:24} {run.jobs:>4} {seconds:8.2f} {run.cpu:8.2f} "
            f"{run.documents / seconds:8.1f} {seconds / run.documents * 1000:8.2f} "
            f"{mb(run.tree_peak_kib):>8} {mb(run.maxrss_kib):>8} "
            + " ".join(f"{run.stage(s):>8}" for s in STAGES) + f"  {run.redone()}")
    return line + "".join(f"\n{'':6} ! {note}" for note in run.notes)


def ratio(label: str, value: float | None, goal: str, met: bool | None) -> str:
    shown = f"{value:6.2f}x" if value is not None else "    n/a"
    verdict = "" if met is None else ("  met" if met else "  NOT met")
    return f"  {label:58} {shown}   goal: {goal}{verdict}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000],
                        help="corpus sizes (default: 1000 10000)")
    parser.add_argument("--quick", action="store_true", help="sizes 200 and 1000")
    parser.add_argument("--seed", type=int, default=1945, help="seed of the generated corpora (default 1945)")
    parser.add_argument("--recogniser", choices=["auto", "rules", "spacy", "none"], default="rules",
                        help="passed to tei build (default rules; auto, the build's default, uses spaCy if installed)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep corpora, outputs, logs and reports here (default: a temporary folder)")
    args = parser.parse_args()
    sizes = [200, 1000] if args.quick else args.sizes
    tei = tei_command()
    has_jobs, has_report = build_options(tei)
    for line in machine():
        print(line)
    print(f"tei build options: --jobs {'yes' if has_jobs else 'no (runs without it; jobs n/a)'}, "
          f"--report {'yes' if has_report else 'no (stage times n/a)'}; --recogniser {args.recogniser}")
    print(f"load average (1, 5, 15 min) at the start: {load()}")
    if os.getloadavg()[0] > 0.5:
        print("  (something else is running: the times, and the jobs 2 speedup most, will be noisy)")
    options = ["--recogniser", args.recogniser]
    work = args.workdir or Path(tempfile.mkdtemp(prefix="build_scale."))
    work.mkdir(parents=True, exist_ok=True)
    runs: dict[tuple[int, str], Run] = {}
    failed = False
    try:
        print(f"\n{HEADER}")
        for size in sizes:
            corpus = work / f"corpus-{size}"
            if corpus.exists():
                shutil.rmtree(corpus)
            start = time.perf_counter()
            paths = make_corpus(corpus, size, args.seed)
            total = sum(p.stat().st_size for p in paths)
            print(f"{size:6d} corpus: {total / 1e6:.1f} MB, {total / size / 1024:.1f} KB per transcript on average, "
                  f"largest {max(p.stat().st_size for p in paths) / 1024:.0f} KB (made in "
                  f"{time.perf_counter() - start:.1f} s)", flush=True)
            plan = [("a fresh, 1 job", 1, True), ("b fresh, 2 jobs", 2, True), ("c no-op rebuild", 2, False),
                    ("d one text changed", 2, False), ("e one file touched", 2, False)]
            if not has_jobs:
                plan = [("a fresh", None, True), ("c no-op rebuild", None, False), ("d one text changed", None, False),
                        ("e one file touched", None, False)]
            out = work / f"out-{size}"
            for label, jobs, fresh in plan:
                if fresh and out.exists():
                    shutil.rmtree(out)
                if label.startswith("d"):
                    change_one(corpus, paths)
                elif label.startswith("e"):
                    touched = paths[len(paths) // 3]
                    stamp = touched.stat().st_mtime + 60
                    os.utime(touched, (stamp, stamp))
                run = build(tei, corpus, out, Run(size, label, str(jobs) if jobs else "n/a"), work, options, jobs,
                            has_report)
                runs[size, label[0]] = run
                failed |= run.code != 0
                print(row(run), flush=True)
            shutil.rmtree(out, ignore_errors=True)
    finally:
        if args.workdir is None:
            shutil.rmtree(work, ignore_errors=True)
    print("\ncpu s: user + system seconds of the whole tree; tree MB: peak of the summed resident memory of the "
          "build's\nprocess tree (polled every 50 ms; pages shared by forked workers count once per process); "
          "proc MB: its largest process's maxrss")

    def get(size: int, key: str) -> Run | None:
        run = runs.get((size, key))
        return run if run is not None and run.code == 0 else None

    print("\nratios")
    for size in sizes:
        a, b, c, d = (get(size, k) for k in "abcd")
        first = b or a
        speedup = a.elapsed / b.elapsed if a and b else None
        print(ratio(f"{size}: jobs 2 vs jobs 1, fresh (speedup)", speedup, ">= 1.7x",
                    None if speedup is None else speedup >= 1.7))
        noop = first.elapsed / c.elapsed if first and c else None
        print(ratio(f"{size}: no-op rebuild vs first build (times faster)", noop, ">= 10x",
                    None if noop is None else noop >= 10))
        one = first.elapsed / d.elapsed if first and d else None
        print(ratio(f"{size}: one text changed vs first build (times faster)", one, "(none set)", None))
    if len(sizes) > 1:
        small, large = min(sizes), max(sizes)
        for key, what in (("b", "jobs 2"), ("a", "jobs 1" if has_jobs else "without --jobs")):
            s, l = get(small, key), get(large, key)
            if not (s and l):
                continue
            per_doc = (l.elapsed / l.documents) / (s.elapsed / s.documents)
            print(ratio(f"ms/doc {what}, {large} vs {small} ({l.elapsed / l.documents * 1000:.1f} vs "
                        f"{s.elapsed / s.documents * 1000:.1f})", per_doc, "flat (~1.0x)", per_doc <= 1.15))
            if s.tree_peak_kib and l.tree_peak_kib:
                memory = l.tree_peak_kib / s.tree_peak_kib
                print(ratio(f"peak tree memory {what}, {large} vs {small} ({mb(l.tree_peak_kib)} vs "
                            f"{mb(s.tree_peak_kib)} MB)", memory, "not growing (~1.0x)", memory <= 1.15))
        print("  (met: within 15 % for 'flat' and 'not growing')")
    print(f"\nload average (1, 5, 15 min) at the end: {load()}")
    if failed:
        sys.exit(1)


if __name__ == "__main__":
    main()
