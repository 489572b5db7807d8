"""Precision and recall of the names and dates the converter marks, on a hand-marked development set.

Each file in benchmarks/devset/ is a transcript (FRUS documents, public domain;
see devset/SOURCES.md) with the mentions a historian would mark written inline
as ⟦person|Stalin⟧, ⟦place|Darien⟧, ⟦org|the Soviet Government⟧,
⟦date|July 2, 1945⟧. The marks are removed, the plain text converted, and the
converter's persName/placeName/orgName/date elements compared with the marks,
per document, as bags of (kind, words):

- strict: the same words (a leading "the" and a possessive "'s" aside);
- overlap: one holds the other ("Mr. Molotov" for "Molotov").

    python benchmarks/ner_eval.py [--recogniser rules|spacy|none] [--authority DIR] [--show]
"""

from __future__ import annotations

import argparse
import re
from collections import Counter
from pathlib import Path

from lxml import etree

from tei import TEI_NS
from tei.authority import load_authority
from tei.document import convert_text
from tei.textout import inline

DEVSET = Path(__file__).resolve().parent / "devset"
MARK = re.compile(r"⟦(person|place|org|date)\|(.*?)⟧", re.S)
TAGS = {"persName": "person", "placeName": "place", "orgName": "org", "date": "date"}
KINDS = ("person", "place", "org", "date")


def gold(marked: str) -> tuple[str, list[tuple[str, str]]]:
    """The plain text and its (kind, words) marks."""
    return MARK.sub(lambda m: m.group(2), marked), [(m.group(1), m.group(2)) for m in MARK.finditer(marked)]


def predicted(tree: etree._Element) -> list[tuple[str, str]]:
    body = tree.find(f".//{{{TEI_NS}}}body")
    found = []
    for element in body.iter(*(f"{{{TEI_NS}}}{t}" for t in TAGS)):
        found.append((TAGS[etree.QName(element).localname], inline(element)))
    return found


def norm(words: str) -> str:
    words = " ".join(words.split())
    words = re.sub(r"^(the|The|THE) ", "", words)
    return re.sub(r"['’]s$", "", words)


def match(gold_items, found_items, lenient: bool) -> int:
    """How many found mentions pair with a gold one (each gold mention used once)."""
    left = list(gold_items)
    hits = 0
    for kind, words in found_items:
        for i, (g_kind, g_words) in enumerate(left):
            a, b = norm(words), norm(g_words)
            if g_kind == kind and (a == b or (lenient and (a in b or b in a))):
                hits += 1
                del left[i]
                break
    return hits


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recogniser", default="rules", choices=("rules", "spacy", "auto", "none"))
    parser.add_argument("--authority", type=Path)
    parser.add_argument("--show", action="store_true", help="print the misses and the extras of each file")
    args = parser.parse_args()
    authority = load_authority(args.authority)
    totals = {mode: {k: Counter() for k in KINDS} for mode in ("strict", "overlap")}
    files = sorted(DEVSET.glob("*.txt"))
    words = 0
    for path in files:
        text, marks = gold(path.read_text(encoding="utf-8"))
        words += len(text.split())
        found = predicted(convert_text(text, path, authority, layout="bare", recogniser=args.recogniser).tree)
        for mode in totals:
            for kind in KINDS:
                g = [m for m in marks if m[0] == kind]
                f = [m for m in found if m[0] == kind]
                c = totals[mode][kind]
                c["gold"] += len(g)
                c["found"] += len(f)
                c["hit"] += match(g, f, mode == "overlap")
        if args.show:
            missed = Counter((k, norm(w)) for k, w in marks) - Counter((k, norm(w)) for k, w in found)
            extra = Counter((k, norm(w)) for k, w in found) - Counter((k, norm(w)) for k, w in marks)
            print(f"== {path.name}\n  missed: {sorted(missed.elements())}\n  extra:  {sorted(extra.elements())}")
    print(f"{len(files)} documents, {words} words; recogniser: {args.recogniser}")
    print(f"{'':8} {'':7} {'gold':>5} {'found':>5} {'precision':>9} {'recall':>6} {'F1':>5}")
    for mode, per_kind in totals.items():
        overall = sum(per_kind.values(), Counter())
        for kind, c in list(per_kind.items()) + [("all", overall)]:
            p = c["hit"] / c["found"] if c["found"] else 0.0
            r = c["hit"] / c["gold"] if c["gold"] else 0.0
            f1 = 2 * p * r / (p + r) if p + r else 0.0
            print(f"{mode:8} {kind:7} {c['gold']:5d} {c['found']:5d} {p:9.2f} {r:6.2f} {f1:5.2f}")


if __name__ == "__main__":
    main()
