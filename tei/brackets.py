"""The bracket pass: editorial marks in brackets become gap, sic, choice, supplied or note.

The conventions are data (converters/conventions.toml); this module only applies
them. A bracket no convention matches, and an unbalanced or nested bracket, is
left in the text as written and reported.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache

from tei.resources import converters_dir
from tei.spans import Part, Span

_NUMBERS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
            "ten": 10}


@dataclass(frozen=True)
class Mark:
    name: str
    description: str
    pattern: re.Pattern
    encode: str
    reason: str | None = None
    after: re.Pattern | None = None


@dataclass(frozen=True)
class Conventions:
    open: str
    close: str
    marks: tuple[Mark, ...]


@cache
def conventions() -> Conventions:
    data = tomllib.loads((converters_dir() / "conventions.toml").read_text(encoding="utf-8"))
    marks = tuple(
        Mark(m["name"], m["description"], re.compile(m["pattern"]), m["encode"], m.get("reason"),
             re.compile(m["after"]) if "after" in m else None)
        for m in data["mark"]
    )
    return Conventions(data["open"], data["close"], marks)


def bracket_spans(text: str, conv: Conventions | None = None) -> tuple[list[Span], list[tuple[int, str]]]:
    """Spans for the bracketed marks in `text`, and (offset, message) warnings for those left as text."""
    conv = conv or conventions()
    spans, warnings = [], []
    for start, end, problem in _brackets(text, conv.open, conv.close):
        if problem:
            warnings.append((start, problem))
            continue
        inner = text[start + 1: end - 1]
        span = _classify(text, start, end, inner.strip(), conv)
        if span is None:
            warnings.append((start, f"bracket {text[start:end]!r} matches no editorial convention; kept as text"))
        else:
            spans.append(span)
    return spans, warnings


def _brackets(text: str, open_: str, close: str):
    """(start, end, problem) for each top-level bracket pair; problem names an unbalanced or nested one."""
    depth, start = 0, None
    for i, char in enumerate(text):
        if char == open_:
            if depth == 0:
                start = i
            depth += 1
        elif char == close:
            if depth == 0:
                yield i, i + 1, f"closing {close!r} without an opening {open_!r}; kept as text"
                continue
            depth -= 1
            if depth == 0:
                if open_ in text[start + 1: i]:
                    yield start, i + 1, f"nested brackets {text[start:i + 1]!r}; kept as text"
                else:
                    yield start, i + 1, None
    if depth:
        yield start, len(text), f"{open_!r} is never closed; kept as text"


def _classify(text: str, start: int, end: int, inner: str, conv: Conventions) -> Span | None:
    before = text[:start].rstrip()
    for mark in conv.marks:
        match = mark.pattern.match(inner)
        if not match:
            continue
        if mark.after is not None and not (before and text[start - 1].isspace() and mark.after.search(before)):
            continue
        # classified on the stripped text, but padding stays in the element: `[ the ]` comes back as written
        inner_start, inner_end = start + 1, end - 1
        if mark.encode == "gap":
            attrs = [("reason", mark.reason or "illegible")]
            groups = match.groupdict()
            if groups.get("quantity"):
                quantity = groups["quantity"].lower()
                attrs.append(("quantity", str(_NUMBERS.get(quantity, quantity))))
                attrs.append(("unit", groups["unit"].lower().rstrip("s") + "s"))
            return Span(start, end, "gap", tuple(attrs), (Part(inner_start, inner_end, "desc"),), 30, mark.name)
        if mark.encode == "sic":
            word = re.search(r"(\S+)\s*$", text[:start])
            if not word:
                continue
            return Span(word.start(1), end, "sic", (), (Part(word.start(1), word.end(1)),), 20, mark.name)
        if mark.encode == "choice":
            word = mark.after.search(before)
            return Span(word.start(), end, "choice", (),
                        (Part(word.start(), word.end(), "orig"), Part(inner_start, inner_end, "reg")), 20, mark.name)
        if mark.encode == "supplied":
            return Span(start, end, "supplied", (("reason", mark.reason or "omitted"),),
                        (Part(inner_start, inner_end),), 30, mark.name)
        if mark.encode == "note":
            return Span(start, end, "note", (("type", "editorial"),), (Part(inner_start, inner_end),), 30, mark.name)
        raise ValueError(f"conventions.toml: mark {mark.name!r} has unknown encoding {mark.encode!r}")
    return None
