"""The bracket pass: editorial marks in brackets become gap, unclear, sic, choice, supplied or note.

The conventions are data (converters/conventions.toml, or another file a layout
profile names); this module only applies them. Words inside the brackets stay
in the element; the delimiters are recorded in `@rend` (`brackets`, `braces`,
…); a marker that qualifies the word before it (`[sic]`, `[?]`) is kept
literally in a `metamark`. So `tei text` writes every mark back as it was.
A bracket no convention matches, and an unbalanced or nested bracket, is left in
the text as written and reported.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tei.resources import converters_dir
from tei.spans import DELIMITERS, Part, Span

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "half a": 0.5, "half an": 0.5, "½": 0.5}
_UNITS = {"word": "words", "line": "lines", "letter": "letters", "character": "characters", "page": "pages",
          "group": "words", "paragraph": "paragraphs", "sentence": "sentences"}
_ENCODINGS = {"gap", "unclear", "unclear-word", "conjecture", "sic", "choice", "supplied", "note"}


@dataclass(frozen=True)
class Mark:
    name: str
    description: str
    pattern: re.Pattern
    encode: str
    reason: str | None = None
    after: re.Pattern | None = None
    context: str | None = None
    review: bool = False


@dataclass(frozen=True)
class Conventions:
    rend: str  # a key of DELIMITERS
    marks: tuple[Mark, ...]
    quote: tuple[str, str] | None  # telegraphese quotation words, e.g. ("quote", "unquote")

    @property
    def open(self) -> str:
        return DELIMITERS[self.rend][0]

    @property
    def close(self) -> str:
        return DELIMITERS[self.rend][1]


@dataclass(frozen=True)
class Decision:
    """A mark an editor may want to check (`review`), or a bracket left as text (`warning`)."""

    offset: int
    source: str
    decision: str
    why: str
    level: str = "review"


_REND = {"square": "brackets", "braces": "braces", "angle": "angle", "parens": "parens"}


@cache
def load_conventions(path: Path) -> Conventions:
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    marks = []
    for m in data["mark"]:
        if m["encode"] not in _ENCODINGS:
            raise ValueError(f"{path}: mark {m['name']!r} has unknown encoding {m['encode']!r}")
        marks.append(Mark(m["name"], m["description"], re.compile(m["pattern"]), m["encode"], m.get("reason"),
                          re.compile(m["after"]) if "after" in m else None, m.get("context"), m.get("review", False)))
    quote = data.get("quotation")
    return Conventions(_REND[data.get("brackets", "square")], tuple(marks),
                       (quote["open"], quote["close"]) if quote else None)


def conventions(name: str = "conventions") -> Conventions:
    return load_conventions(converters_dir() / f"{name}.toml")


def bracket_spans(text: str, conv: Conventions, context: str | None = None) -> tuple[list[Span], list[Decision]]:
    """Spans for the bracketed marks in `text`, and the decisions an editor may review."""
    spans: list[Span] = []
    decisions: list[Decision] = []
    for start, end, problem in _brackets(text, conv.open, conv.close):
        source = text[start:end]
        if problem:
            decisions.append(Decision(start, source, "kept as text", problem, "warning"))
            continue
        found = _classify(text, start, end, conv, context)
        if isinstance(found, str):
            decisions.append(Decision(start, source, "kept as text", found, "warning"))
            continue
        mark, new = found
        spans.extend(new)
        if mark.review:
            decisions.append(Decision(new[0].start, text[new[0].start:end], describe(text, new), mark.description))
    return spans, decisions


def describe(text: str, spans: list[Span]) -> str:
    main = spans[0]
    if main.tag == "choice":
        orig, reg = main.parts
        return f"choice: orig “{text[orig.start:orig.end]}”, reg “{text[reg.start:reg.end]}”"
    return f"{main.tag} around “{text[main.start:main.end]}”"


def _brackets(text: str, open_: str, close: str):
    """(start, end, problem) for each top-level bracket pair; problem names an unbalanced or nested one."""
    depth, start = 0, 0
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


def _quantity(groups: dict) -> list[tuple[str, str]]:
    if not groups.get("quantity"):
        return []
    quantity = groups["quantity"].lower()
    if quantity in _NUMBERS:
        value = _NUMBERS[quantity]
    elif quantity.endswith("½"):
        value = float(quantity[:-1]) + 0.5
    else:
        value = float(quantity)
    unit = groups["unit"].lower()
    return [("quantity", f"{value:g}"), ("unit", _UNITS[unit.rstrip("s") if unit.endswith("s") else unit])]


def _word_before(text: str, start: int) -> tuple[int, int] | None:
    """The word (or the "quoted phrase") that a marker at `start` follows."""
    before = text[:start].rstrip()
    if before.endswith(('"', "”")):
        opening = max(before.rfind('"', 0, len(before) - 1), before.rfind("“", 0, len(before) - 1))
        if opening >= 0 and len(before) - opening > 2:
            return opening + 1, len(before) - 1
    match = re.search(r"([\w’'-]+(?:\.(?=\w))?[\w’'-]*)[^\w\s]*$", before)
    return (match.start(1), match.end(1)) if match else None


def _classify(text: str, start: int, end: int, conv: Conventions, context: str | None):
    """(mark, spans) for the first convention that applies, or a reason it is kept as text."""
    inner = text[start + 1:end - 1].strip()
    before = text[:start]
    rend = ("rend", conv.rend)
    content = Part(start + 1, end - 1)
    for mark in conv.marks:
        match = mark.pattern.match(inner)
        if not match or (mark.context and mark.context != context):
            continue
        if mark.after is not None and not (before[-1:].isspace() and mark.after.search(before.rstrip())):
            continue
        if mark.encode == "gap":
            attrs = (("reason", mark.reason or "illegible"), *_quantity(match.groupdict()), rend)
            return mark, [Span(start, end, "gap", attrs, (Part(start + 1, end - 1, "desc"),), 30, mark.name)]
        if mark.encode == "unclear":
            attrs = (("reason", mark.reason or "illegible"), rend)
            return mark, [Span(start, end, "unclear", attrs, (Part(start + 1, end - 1, "desc"),), 30, mark.name)]
        if mark.encode == "conjecture":
            query = text.rindex("?", start, end)
            return mark, [Span(start, end, "unclear", (("cert", "low"), rend), (content,), 30, mark.name),
                          Span(query, query + 1, "metamark", (("function", "query"),), (), 30, mark.name)]
        if mark.encode in ("sic", "unclear-word"):
            word = _word_before(text, start)
            if word is None:
                return f"{text[start:end]!r} follows no word it could mark; kept as text"
            tag = "sic" if mark.encode == "sic" else "unclear"
            function = "sic" if mark.encode == "sic" else "unclear"
            return mark, [Span(word[0], word[1], tag, (), (), 20, mark.name),
                          Span(start, end, "metamark", (("function", function),), (), 30, mark.name)]
        if mark.encode == "choice":
            word = re.search(r"\S+$", before.rstrip())
            return mark, [Span(word.start(), end, "choice", (rend,),
                               (Part(word.start(), word.end(), "orig"), Part(start + 1, end - 1, "reg")), 20,
                               mark.name)]
        if mark.encode == "supplied":
            return mark, [Span(start, end, "supplied", (("reason", mark.reason or "omitted"), rend), (content,), 30,
                               mark.name)]
        return mark, [Span(start, end, "note", (("type", "editorial"), rend), (content,), 30, mark.name)]
    return f"bracket {text[start:end]!r} matches no editorial convention; kept as text"


def quote_spans(text: str, conv: Conventions) -> list[Span]:
    """Telegraphese quotation, `quote lease unquote`: the words stay, `q` marks what is quoted."""
    if conv.quote is None:
        return []
    opening, closing = (re.escape(w) for w in conv.quote)
    pattern = re.compile(rf"\b{opening}\s+(.+?)\s+{closing}\b", re.IGNORECASE | re.DOTALL)
    return [Span(m.start(1), m.end(1), "q", (), (), 5, "quotation") for m in pattern.finditer(text)]
