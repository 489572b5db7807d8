"""How name matching scales with the size of the authority.

Converts the sample transcripts with the default authority and with one of
10,000 more entries (people, places and organisations made up deterministically
from a seed), and prints the time per document for each, with their ratio. For
comparison it also times the naive way, one regular expression per name, on the
same texts.

    python benchmarks/authority_scale.py [--entries 10000] [--repeat 20]
"""

from __future__ import annotations

import argparse
import csv
import random
import re
import statistics
import tempfile
import time
from pathlib import Path

from tei.authority import load_authority
from tei.document import convert_text
from tei.files import read_transcript
from tei.names import gazetteer

ROOT = Path(__file__).resolve().parent.parent
SYLLABLES = ["ka", "lo", "mi", "ren", "sto", "vel", "an", "dor", "shi", "tsu", "ba", "gri", "nov", "ev", "li", "ma",
             "chen", "wu", "har", "ris", "ton", "ber", "ski", "ov", "ya", "zhu", "lin", "po", "ter", "sen"]


def _word(rng: random.Random, syllables: int) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(syllables)).capitalize()


def write_big_authority(folder: Path, entries: int, seed: int = 1945) -> None:
    """people-, places- and orgs-synthetic.csv: `entries` rows in all, each with 2-3 variants."""
    rng = random.Random(seed)
    per_kind = {"people": entries // 2, "places": entries * 3 // 10, "orgs": entries - entries // 2 - entries * 3 // 10}
    for kind, count in per_kind.items():
        with (folder / f"{kind}-synthetic.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["id", "name", "variants"])
            for i in range(count):
                if kind == "people":
                    first, last = _word(rng, 2), _word(rng, 3)
                    name, variants = f"{first} {last}", [last, f"Mr. {last}", f"{first[0]}. {last}"]
                elif kind == "places":
                    name = _word(rng, 3)
                    variants = [name + "sk", name + " Province"]
                else:
                    name = f"{_word(rng, 2)} {rng.choice(['Bureau', 'Commission', 'Company', 'League'])}"
                    variants = [name.upper()]
                writer.writerow([f"{kind}-{i}", name, "|".join(variants)])


def per_document(texts, authority, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        for path, text in texts:
            convert_text(text, path, authority, recogniser="rules")
        times.append((time.perf_counter() - start) / len(texts))
    return statistics.median(times)


def naive_per_document(texts, authority, repeat: int) -> float:
    """One regular expression per name, each run over the whole text: what the trie replaces."""
    patterns = [re.compile(r"\b" + re.escape(v) + r"\b") for e in authority.entities.values() for v in e.variants]
    times = []
    for _ in range(max(1, repeat // 5)):
        start = time.perf_counter()
        for _, text in texts:
            for pattern in patterns:
                for _ in pattern.finditer(text):
                    pass
        times.append((time.perf_counter() - start) / len(texts))
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    texts = [(p, read_transcript(p)) for p in sorted((ROOT / "sources").glob("*.txt"))]
    default = load_authority()
    with tempfile.TemporaryDirectory() as folder:
        write_big_authority(Path(folder), args.entries)
        start = time.perf_counter()
        big = load_authority(Path(folder))
        loaded = time.perf_counter() - start
    start = time.perf_counter()
    gazetteer(big)
    built = time.perf_counter() - start
    gazetteer(default)
    small_time = per_document(texts, default, args.repeat)
    big_time = per_document(texts, big, args.repeat)
    naive_small = naive_per_document(texts, default, args.repeat)
    naive_big = naive_per_document(texts, big, args.repeat)
    n_default, n_big = len(default.entities), len(big.entities)
    print(f"documents: {len(texts)} samples, median of {args.repeat} runs")
    print("authority            entries  convert/doc   naive regex per name (matching only)")
    print(f"default              {n_default:7d}  {small_time * 1000:8.2f} ms   {naive_small * 1000:8.2f} ms")
    print(f"default + synthetic  {n_big:7d}  {big_time * 1000:8.2f} ms   {naive_big * 1000:8.2f} ms")
    print(f"ratio big/default             {big_time / small_time:8.2f} x    {naive_big / naive_small:8.2f} x")
    print(f"one-off: loading the big authority {loaded * 1000:.0f} ms, building its trie {built * 1000:.0f} ms")


if __name__ == "__main__":
    main()
