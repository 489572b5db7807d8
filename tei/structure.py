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


def classify(blocks: list[Block], heading: str = "capitals") -> list[Part]:
    """Label each body block with its part of a cable (or `p`)."""
    rules = cable_rules()
    parts: list[Part] = []
    rest = list(blocks)
    # The first block is the heading unless it is one of the short marker lines; an address-like
    # heading ("TELEGRAM FROM X TO Y") is still the heading.
    if rest and _kind(rest[0], rules.front) in (None, "address"):
        first = rest[0]
        if rules.heading.fullmatch(first.text) or (heading == "first-line" and "\n" not in first.text and len(rest) > 1):
            parts.append(Part("head", rest.pop(0)))
    while rest and (kind := _kind(rest[0], rules.front)):
        parts.append(Part(kind, rest.pop(0)))
    closing = []
    while len(rest) > 1 and (kind := _kind(rest[-1], rules.back)):
        closing.insert(0, Part(kind, rest.pop()))
    parts.extend(Part("p", block) for block in rest)
    return parts + closing
