"""Cable structure: which body blocks are the heading, the opening lines, paragraphs, the signature.

The patterns are data (converters/cable.toml).
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from tei.layout import Block
from tei.resources import converters_dir


@dataclass(frozen=True)
class CableRules:
    heading: re.Pattern
    title_line: re.Pattern
    front: tuple[tuple[str, re.Pattern], ...]
    back: tuple[tuple[str, re.Pattern], ...]
    address: re.Pattern
    heading_place: re.Pattern
    title_address: re.Pattern
    addressee_separator: re.Pattern


@cache
def cable_rules() -> CableRules:
    data = tomllib.loads((converters_dir() / "cable.toml").read_text(encoding="utf-8"))
    corr = data["correspondence"]
    return CableRules(
        heading=re.compile(data["heading"]),
        title_line=re.compile(data["title_line"]),
        front=tuple((f["kind"], re.compile(f["pattern"])) for f in data["front"]),
        back=tuple((b["kind"], re.compile(b["pattern"])) for b in data["back"]),
        address=re.compile(corr["address"]),
        heading_place=re.compile(corr["heading_place"]),
        title_address=re.compile(corr["title_address"]),
        addressee_separator=re.compile(corr["addressee_separator"]),
    )


@dataclass(frozen=True)
class Part:
    kind: str  # head, classification, precedence, number, address, dateline, received, p, signed
    block: Block


def _kind(block: Block, rules: tuple[tuple[str, re.Pattern], ...]) -> str | None:
    return next((kind for kind, pattern in rules if pattern.fullmatch(block.text)), None)


def _is_heading(blocks: list[Block], heading: str, rules: CableRules) -> bool:
    """Whether the first block is the heading, by the profile's `heading`: "capitals" (a line in capitals),
    "title-line" (that, or one line in mixed case that reads as a title) or "first-line" (any one line)."""
    first = blocks[0]
    kind = _kind(first, rules.front)
    if kind not in (None, "address"):
        return False  # one of the short marker lines; an address-like heading ("TELEGRAM FROM X TO Y") is one
    if rules.heading.fullmatch(first.text):
        return True
    if len(blocks) < 2 or "\n" in first.text:
        return False
    if heading == "first-line":
        return True
    return heading == "title-line" and kind is None and bool(rules.title_line.fullmatch(first.text))


def classify(blocks: list[Block], heading: str = "capitals") -> list[Part]:
    """Label each body block with its part of a cable (or `p`)."""
    rules = cable_rules()
    parts: list[Part] = []
    first, last = 0, len(blocks)  # the blocks not yet labelled (indexes: popping from a list's front is slow)
    if blocks and _is_heading(blocks, heading, rules):
        parts.append(Part("head", blocks[0]))
        first = 1
    while first < last and (kind := _kind(blocks[first], rules.front)):
        parts.append(Part(kind, blocks[first]))
        first += 1
    closing = []
    while last - first > 1 and (kind := _kind(blocks[last - 1], rules.back)):
        closing.append(Part(kind, blocks[last - 1]))
        last -= 1
    parts.extend(Part("p", block) for block in blocks[first:last])
    return parts + closing[::-1]
