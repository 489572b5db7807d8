"""The bracket pass: editorial marks in brackets become gap, unclear, sic, choice, supplied or note.

The conventions are data (converters/conventions.toml, or another file a layout
profile names); this module only applies them. Words inside the brackets stay
in the element; the delimiters are recorded in `@rend` (`brackets`, `braces`,
…); a marker that qualifies the word before it (`[sic]`, `[?]`) is kept
literally in a `metamark`. So `tei text` writes every mark back as it was.
A bracket no convention matches, and an unbalanced or nested bracket, is left in
the text as written and reported; a stray bracket does not stop the marks after it
from being read. A bracket wrapped over a line end (`[2 words\nillegible]`,
`[ILLEG-\nIBLE]`) is read as if on one line; its words stay as written.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_left
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from tei.datafiles import group_words, load_toml
from tei.resources import converters_dir
from tei.spans import DELIMITERS, Part, Span, end_of_words

_NUMBERS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
            "eight": 8, "nine": 9, "ten": 10, "half a": 0.5, "half an": 0.5, "½": 0.5}
_UNITS = {"word": "words", "line": "lines", "letter": "letters", "character": "characters", "page": "pages",
          "group": "words", "paragraph": "paragraphs", "sentence": "sentences"}
# How far before a bracket the word it follows is looked for: a pattern searched on all the text before each
# bracket would read the text once per bracket. A word or a name is far shorter.
LOOKBEHIND = 200
_OPENING_QUOTES = re.compile('["“]')
_WORD = re.compile(r"([\w’'-]+(?:\.(?=\w))?[\w’'-]*)[^\w\s]*$")


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
    rule: str = ""  # the convention that decided (a review)


_REND = {"square": "brackets", "braces": "braces", "angle": "angle", "parens": "parens"}


@cache
def load_conventions(path: Path) -> Conventions:
    """The conventions of a TOML file, checked against converters/conventions.schema.json (an InputError
    names the file, line and key of a problem)."""
    data = load_toml(path, "conventions", "a conventions file", _unknown_unit)
    marks = []
    for m in data["mark"]:
        marks.append(Mark(m["name"], m["description"], re.compile(m["pattern"]), m["encode"], m.get("reason"),
                          re.compile(m["after"]) if "after" in m else None, m.get("context"), m.get("review", False)))
    quote = data.get("quotation")
    return Conventions(_REND[data.get("brackets", "square")], tuple(marks),
                       (quote["open"], quote["close"]) if quote else None)


def _unit(word: str) -> str | None:
    """The TEI unit (@unit) of a unit word of a transcript (`Lines`, `group`), None for one it has none for."""
    word = word.lower()
    return _UNITS.get(word[:-1] if word.endswith("s") else word)


def _unknown_unit(data: dict):
    """(keys, message) for a gap convention whose group `unit` can match a word with no TEI unit (the ones in
    _UNITS, all of which schema/tei_transcripts.rng allows), or matches open-ended text; else None."""
    for i, mark in enumerate(data["mark"]):
        words = group_words(mark["pattern"], "unit")
        if words is None:
            return ("mark", i, "pattern"), "the group `unit` must list the units it matches (words?|lines?), " \
                                           "not open-ended text: each must be one the TEI schema knows"
        unknown = sorted(w for w in words if _unit(w) is None)
        if unknown:
            return ("mark", i, "pattern"), f"the group `unit` matches {unknown[0]!r}, which is no unit the TEI " \
                                           f"schema knows; the units are {', '.join(sorted(_UNITS))} (or plurals)"
    return None


def conventions(name: str = "conventions") -> Conventions:
    return load_conventions(converters_dir() / f"{name}.toml")


def bracket_spans(text: str, conv: Conventions, context: str | None = None) -> tuple[list[Span], list[Decision]]:
    """Spans for the bracketed marks in `text`, and the decisions an editor may review."""
    spans: list[Span] = []
    decisions: list[Decision] = []
    openings = [m.start() for m in _OPENING_QUOTES.finditer(text)]
    for start, end, problem in _brackets(text, conv.open, conv.close):
        source = text[start:end]
        if problem:
            decisions.append(Decision(start, _stray(text, start, end, conv), "kept as text", problem, "warning"))
            continue
        found = _classify(text, start, end, conv, context, openings)
        if isinstance(found, str):
            decisions.append(Decision(start, source, "kept as text", found, "warning"))
            continue
        mark, new = found
        spans.extend(new)
        if mark.review:
            decisions.append(Decision(new[0].start, text[new[0].start:end], describe(text, new), mark.description,
                                      rule=mark.name))
    return spans, decisions


def describe(text: str, spans: list[Span]) -> str:
    main = spans[0]
    if main.tag == "choice":
        orig, reg = main.parts
        return f"choice: orig “{text[orig.start:orig.end]}”, reg “{text[reg.start:reg.end]}”"
    return f"{main.tag} around “{text[main.start:main.end]}”"


def _brackets(text: str, open_: str, close: str):
    """(start, end, problem) for each top-level bracket pair, in order; problem names a nested pair, or a
    bracket without its partner (then only that character). Brackets pair from the innermost out, so an
    opening bracket that is never closed leaves the pairs after it whole."""
    found, opened, pairs = [], [], []  # opened: [start, holds a pair]; pairs: (start, end, enclosing start, nested)
    for i, char in enumerate(text):
        if char == open_:
            opened.append([i, False])
        elif char == close:
            if not opened:
                found.append((i, i + 1, f"closing {close!r} without an opening {open_!r}; kept as text"))
                continue
            start, nested = opened.pop()
            if opened:
                opened[-1][1] = True
            pairs.append((start, i + 1, opened[-1][0] if opened else None, nested))
    found += [(start, start + 1, f"{open_!r} is never closed; kept as text") for start, _ in opened]
    # a pair inside another pair is reported with it; one inside a bracket never closed is read on its own
    closed = {start for start, _, _, _ in pairs}
    found += [(start, end, f"nested brackets {text[start:end]!r}; kept as text" if nested else None)
              for start, end, around, nested in pairs if around not in closed]
    yield from sorted(found)


def _stray(text: str, start: int, end: int, conv: Conventions) -> str:
    """What a warning shows of a bracket kept as text: a pair whole, a lone bracket with the words up to the
    next bracket on its line (the pairs after an unclosed bracket are read on their own)."""
    if end - start > 1 or text[start] != conv.open:
        return text[start:end]
    rest = _line_rest(conv.open + conv.close).match(text, end).group()
    return (text[start] + rest).rstrip()


@cache
def _line_rest(brackets: str) -> re.Pattern:
    return re.compile(rf"[^{re.escape(brackets)}\n]*")


def _extent(groups: dict) -> list[tuple[str, str]]:
    """@quantity and @unit from the groups `quantity` and `unit`; @extent, a size in words
    (`less than 1 line`, the `(6 lines)` of `1 paragraph (6 lines)`), from a group `extent` or `extent_…`."""
    described = [" ".join(v.split()) for k, v in groups.items() if k.startswith("extent") and v]
    return _quantity(groups) + [("extent", d) for d in described[:1]]


def _quantity(groups: dict) -> list[tuple[str, str]]:
    if not groups.get("quantity"):
        return []
    quantity = groups["quantity"].lower()
    try:
        value = _NUMBERS[quantity] if quantity in _NUMBERS else \
            float(quantity[:-1]) + 0.5 if quantity.endswith("½") else float(quantity)
    except ValueError:
        value = math.nan
    if not 0 < value < math.inf:  # `several` (a convention's group open to any word), 0: a size in words, @extent
        return [("extent", " ".join(f"{groups['quantity']} {groups.get('unit') or ''}".split()))]
    return [("quantity", f"{value:g}"), ("unit", _unit(groups["unit"]))]


def _word_before(text: str, start: int, openings: list[int]) -> tuple[int, int] | None:
    """The word (or the "quoted phrase") that a marker at `start` follows; `openings`: where the text has
    an opening quotation mark, in order."""
    end = end_of_words(text, start)
    if end and text[end - 1] in '"”':
        before = bisect_left(openings, end - 1)  # the last opening mark before the closing one
        opening = openings[before - 1] if before else -1
        if opening >= 0 and end - opening > 2:
            return opening + 1, end - 1
    # the word holds no white space: the search starts where the text before `end` last has some
    match = _WORD.search(text, _word_start(text, end, max(0, end - LOOKBEHIND)), end)
    return (match.start(1), match.end(1)) if match else None


def _word_start(text: str, end: int, stop: int = 0) -> int:
    """Where the run of characters other than white space that ends at `end` starts (at `stop` at the
    earliest)."""
    while end > stop and not text[end - 1].isspace():
        end -= 1
    return end


def _one_line(inner: str) -> str:
    """A bracket's words as the conventions read them: a bracket wrapped by the line length is read as on one
    line, and a word hyphenated at the line end as one word (`ILLEG-\nIBLE`: `ILLEGIBLE`)."""
    return " ".join(re.sub(r"(?<=\w)-[ \t]*\n\s*(?=\w)", "", inner).split())


def _classify(text: str, start: int, end: int, conv: Conventions, context: str | None, openings: list[int]):
    """(mark, spans) for the first convention that applies, or a reason it is kept as text."""
    inner = _one_line(text[start + 1:end - 1])
    words_end = end_of_words(text, start)  # the text before the bracket ends here, less white space
    rend = ("rend", conv.rend)
    content = Part(start + 1, end - 1)
    for mark in conv.marks:
        match = mark.pattern.match(inner)
        if not match or (mark.context and mark.context != context):
            continue
        if mark.after is not None and not (start and text[start - 1].isspace() and
                                           mark.after.search(text, max(0, words_end - LOOKBEHIND), words_end)):
            continue
        if mark.encode == "gap":
            attrs = (("reason", mark.reason or "illegible"), *_extent(match.groupdict()), rend)
            return mark, [Span(start, end, "gap", attrs, (Part(start + 1, end - 1, "desc"),), 30, mark.name)]
        if mark.encode == "unclear":
            attrs = (("reason", mark.reason or "illegible"), rend)
            return mark, [Span(start, end, "unclear", attrs, (Part(start + 1, end - 1, "desc"),), 30, mark.name)]
        if mark.encode == "conjecture":
            query = text.rindex("?", start, end)
            return mark, [Span(start, end, "unclear", (("cert", "low"), rend), (content,), 30, mark.name),
                          Span(query, query + 1, "metamark", (("function", "query"),), (), 30, mark.name)]
        if mark.encode in ("sic", "unclear-word"):
            word = _word_before(text, start, openings)
            if word is None:
                return f"{text[start:end]!r} follows no word it could mark; kept as text"
            tag = "sic" if mark.encode == "sic" else "unclear"
            function = "sic" if mark.encode == "sic" else "unclear"
            return mark, [Span(word[0], word[1], tag, (), (), 20, mark.name),
                          Span(start, end, "metamark", (("function", function),), (), 30, mark.name)]
        if mark.encode == "choice":
            word = _word_start(text, words_end)
            return mark, [Span(word, end, "choice", (rend,),
                               (Part(word, words_end, "orig"), Part(start + 1, end - 1, "reg")), 20, mark.name)]
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
    # no quotation ends after the last closing word: an opening word after it would be read to the end of
    # the text, once for each such word
    last = None
    for last in re.finditer(rf"\s{closing}\b", text, re.IGNORECASE):
        pass
    if last is None:
        return []
    return [Span(m.start(1), m.end(1), "q", (), (), 5, "quotation") for m in pattern.finditer(text, 0, last.end())]
