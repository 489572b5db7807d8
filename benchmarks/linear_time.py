"""Conversion time per character, for texts of growing size in each pathological shape.

Every pass of `tei convert` must take time linear (or n log n) in the size of the
text, whatever the text is made of. This converts texts of 1k, 10k, 100k and 1M
characters of each shape below (a mark, a name, a stray bracket repeated, in one
paragraph or many) in this process, through the function `tei convert` uses
(document.convert_text, layout bare, the rules recogniser), and prints the time
per character (µs/char) at each size and the growth of that time from one size to
the next (1.0: linear; a quadratic pass makes it about 10 for each step). The
floor is what lxml alone costs for the same output: parse it and serialize it again.

    python benchmarks/linear_time.py [--sizes 1000,10000,100000,1000000] [--shapes illegible,sic]

Prints numbers only; tests/test_linear.py asserts the growth, counting work, not time.
"""

from __future__ import annotations

import argparse
import platform
import time
from typing import Callable

from lxml import etree

from tei.authority import load_authority
from tei.document import convert_text


def _letters(i: int) -> str:
    """A word of its own for each i: a, b, …, z, ba, bb, …"""
    word = ""
    while True:
        word = chr(ord("a") + i % 26) + word
        i //= 26
        if not i:
            return word


# name -> (the i-th piece of the text, whether the pieces are one paragraph wrapped at 70 columns)
SHAPES: dict[str, tuple[Callable[[int], str], bool]] = {
    "illegible": (lambda i: "the [ILLEGIBLE] word ", True),
    "sic": (lambda i: "export [sic] ", True),
    "choice": (lambda i: "Darien [Dalian] ", True),
    "query": (lambda i: "Yenan[?] ", True),
    "completed": (lambda i: "T. V. [Soong] ", True),
    "unclosed": (lambda i: "[a ", False),
    "open-pair": (lambda i: "a [b", False),
    "names": (lambda i: "Stalin met Chiang Kai-shek. ", True),
    "titled": (lambda i: "Mr. Page met General Tan and Page. ", True),
    "surnames": (lambda i: f"Mr. Q{_letters(i)} met Q{_letters(i)}. ", True),
    "quotes": (lambda i: "quote the ", True),
    "closing-quotes": (lambda i: "said” [sic] ", True),
    "paragraphs": (lambda i: "A short paragraph [sic] on July 2, 1945.\n\n", False),
    "capitals": (lambda i: "HEADING IN CAPITALS [ILLEGIBLE]\n", False),
    "opening-lines": (lambda i: "SECRET\n\n", False),
    "long-line": (lambda i: "the [ILLEGIBLE] word, Stalin [sic] met Darien [Dalian] on July 2, 1945. ", False),
}


def _wrap(text: str, width: int = 70) -> str:
    """Lines of at most `width` characters, broken at spaces (as a typed page is)."""
    lines, line = [], []
    length = 0
    for word in text.split(" "):
        if line and length + 1 + len(word) > width:
            lines.append(" ".join(line))
            line, length = [], -1
        line.append(word)
        length += 1 + len(word)
    lines.append(" ".join(line))
    return "\n".join(lines)


def pieces(shape: str, count: int) -> str:
    """The text of `count` pieces of a shape."""
    piece, wrapped = SHAPES[shape]
    text = "".join(piece(i) for i in range(count))
    return _wrap(text) if wrapped else text


def text_of(shape: str, size: int) -> str:
    """A text of `size` characters (the last piece may be cut) of a shape."""
    piece, _ = SHAPES[shape]
    count = size // len(piece(0)) + 1
    return pieces(shape, count)[:size].strip() or "x"


def convert(text: str, authority) -> bytes:
    """What `tei convert` does with a transcript's text, short of writing the file."""
    return convert_text(text, "bench.txt", authority, layout="bare", recogniser="rules").to_bytes()


def _timed(run: Callable[[], object], at_least: float = 0.2) -> tuple[float, object]:
    """CPU seconds one run takes (not wall time: other processes on the machine do not count), the best of as
    many runs as fit in `at_least` seconds (one for a long run); and what the run returned."""
    best, spent = float("inf"), 0.0
    while spent < at_least:
        start = time.process_time()
        result = run()
        took = time.process_time() - start
        best, spent = min(best, took), spent + took
    return best, result


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000,10000,100000,1000000",
                        help="text sizes in characters, comma-separated (default 1k, 10k, 100k, 1M)")
    parser.add_argument("--shapes", default=",".join(SHAPES), help="shapes to run, comma-separated (default all)")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    shapes = args.shapes.split(",")
    authority = load_authority()
    convert(text_of("names", 1000), authority)  # load the authority's trie and the conventions once

    print(f"Python {platform.python_version()}, lxml {etree.__version__}, {platform.machine()}")
    print("CPU µs per character of text; growth: that time at one size over that at the size before it "
          "(1.0 is linear)")
    head = " | ".join(f"{_size(n)} µs/char" for n in sizes)
    print(f"\n| shape | {head} | largest growth | floor at {_size(sizes[-1])} (lxml) |")
    print("|---" * (len(sizes) + 3) + "|")
    for shape in shapes:
        per_char, floor = [], 0.0
        for size in sizes:
            text = text_of(shape, size)
            seconds, output = _timed(lambda: convert(text, authority))
            per_char.append(seconds / len(text) * 1e6)
            seconds, _ = _timed(lambda: etree.tostring(etree.fromstring(output, etree.XMLParser(huge_tree=True))))
            floor = seconds / len(text) * 1e6
        growth = max((b / a for a, b in zip(per_char, per_char[1:])), default=1.0)
        cells = " | ".join(f"{t:.2f}" for t in per_char)
        print(f"| {shape} | {cells} | {growth:.2f} | {floor:.2f} |", flush=True)


def _size(n: int) -> str:
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k" if n >= 1000 else str(n)


if __name__ == "__main__":
    main()
