"""Weave proposed spans into TEI elements: overlap is resolved here, and only here.

Spans that would cross are settled by priority (the higher stays); a name that
is exactly the historical form of a `choice` is widened to hold the choice
(`<placeName><choice><orig>Darien</orig><reg>Dalian</reg></choice></placeName>`);
a span repeated inside an equal one is dropped. Every character of the block
ends up in the tree, except delimiters that an element stands for.
"""

from __future__ import annotations

import itertools
import re

from lxml import etree

from tei import TEI_NS
from tei.spans import Part, RangeIndex, Span, end_of_words

_SPACE = re.compile(r"\s+")
NAME_TAGS = {"persName", "placeName", "orgName"}


def resolve(spans: list[Span], text: str) -> tuple[list[Span], list[Span]]:
    """The spans that nest cleanly, sorted for weaving, and those dropped."""
    spans = _widen_names(spans, text)
    accepted = RangeIndex(s.start for s in spans)  # only the spans a new one overlaps can conflict with it
    kept: list[Span] = []
    dropped: list[Span] = []
    for span in sorted(spans, key=lambda s: (-s.priority, s.start, -s.end)):
        if any(_conflict(span, other) for other in accepted.overlapping(span.start, span.end)):
            dropped.append(span)
        else:
            accepted.add(span.start, span.end, span)
            kept.append(span)
    kept.sort(key=lambda s: (s.start, -s.end, -s.priority))
    return kept, dropped


def _widen_names(spans: list[Span], text: str) -> list[Span]:
    """A name that is the historical form in a `choice` (`Darien [Dalian]`), or the supplied end of a name
    given by initials (`T. V. [Soong]`), is widened to hold the whole; so is a marked word that ends a name
    of several words (`Chiang Kai-shek's [?]`)."""
    names_by_end: dict[int, list[Span]] = {}
    for span in spans:
        if span.tag in NAME_TAGS:
            names_by_end.setdefault(span.end, []).append(span)
    spans = [_choice_from_name(s, names_by_end) if s.tag == "choice" else s for s in spans]
    names = RangeIndex.of((s.start, s.end, s) for s in spans if s.tag in NAME_TAGS)
    spans = [_word_mark_over_name(s, names) if is_word_mark(s) else s for s in spans]
    marks = list(enumerate(s for s in spans if s.tag in ("choice", "supplied")))
    choices: dict[tuple[int, int], list[tuple[int, Span]]] = {}
    for i, mark in marks:
        if mark.tag == "choice":
            choices.setdefault((mark.parts[0].start, mark.parts[0].end), []).append((i, mark))
    completions = RangeIndex.of((m.start, m.end, (i, m)) for i, m in marks
                                if m.tag == "supplied" and m.rule == "completed-name")
    widened = [_widen_name(s, choices, completions, text) if s.tag in NAME_TAGS else s for s in spans]
    return _without_repeats(widened)


def _widen_name(span: Span, choices: dict[tuple[int, int], list[tuple[int, Span]]], completions: RangeIndex,
                text: str) -> Span:
    """The name widened by each mark, in the order of the marks, that holds it as it is by then: a `choice`
    whose original form it is, a completed name's supplied end (with the initials before it)."""
    last = -1
    while True:
        holding = [(i, m) for i, m in choices.get((span.start, span.end), ()) if i > last]
        holding += [(i, m) for i, m in completions.overlapping(span.start, span.end)
                    if i > last and m.start < span.start and span.end <= m.end]
        if not holding:
            return span
        last, mark = min(holding, key=lambda pair: pair[0])
        first = mark.start if mark.tag == "choice" else _initials_before(text, mark.start)
        span = Span(first, mark.end, span.tag, span.attrs, (), span.priority, span.rule)


_INITIALS = re.compile(r"(?:[A-Z]\.\s?){1,3}\s*$")


def _initials_before(text: str, end: int) -> int:
    """Where the initials just before `end` start (`T. V. ` of `T. V. [Soong]`); `end` if there are none."""
    # three initials and their spaces take at most 9 characters before the white space that ends them
    initials = _INITIALS.search(text, max(0, end_of_words(text, end) - 9), end)
    return initials.start() if initials else end


def _without_repeats(spans: list[Span]) -> list[Span]:
    """The spans less each that another with the same tag and attributes holds with room to spare: a name
    inside a mark, same as the name around it (Dalian in `Darien [Dalian]`), says nothing new."""
    groups: dict[tuple, list[Span]] = {}
    for span in spans:
        groups.setdefault((span.tag, span.attrs), []).append(span)
    repeated: set[int] = set()
    for group in groups.values():
        group.sort(key=lambda s: s.start)
        before = -1  # the greatest end of the spans that start before the current start
        for _, same_start in itertools.groupby(group, key=lambda s: s.start):
            same_start = list(same_start)
            widest = max(s.end for s in same_start)
            repeated.update(id(s) for s in same_start if before >= s.end or widest > s.end)
            before = max(before, widest)
    return [s for s in spans if id(s) not in repeated]


def _choice_from_name(choice: Span, names_by_end: dict[int, list[Span]]) -> Span:
    """The original form of `Port Arthur [Lüshun]` is the whole name the names pass found, not only `Arthur`."""
    orig, reg = choice.parts
    for name in names_by_end.get(orig.end, ()):
        if name.start < orig.start:
            return Span(name.start, choice.end, "choice", choice.attrs, (Part(name.start, orig.end, "orig"), reg),
                        choice.priority, choice.rule)
    return choice


def is_word_mark(span: Span) -> bool:
    """A mark around a word that a marker after it qualifies: the `sic` of `word [sic]`, the `unclear` of
    `word[?]` (an `unclear` of a bracket's own words has them as its parts)."""
    return span.tag in ("sic", "unclear") and not span.parts


def _word_mark_over_name(mark: Span, names: RangeIndex) -> Span:
    """`Chiang Kai-shek's [?]` doubts the word `Kai-shek's`, which the name `Chiang Kai-shek` crosses: the mark
    holds the whole name, as `Stalin's [?]` holds `Stalin` (a word that is the whole end of a name, as in
    `Chiang Kai-shek[?]`, stays inside it)."""
    starts = [n.start for n in names.overlapping(mark.start, mark.start + 1)
              if n.start < mark.start < n.end < mark.end]
    if not starts:
        return mark
    return Span(min(starts), mark.end, mark.tag, mark.attrs, mark.parts, mark.priority, mark.rule)


def _conflict(span: Span, other: Span) -> bool:
    if span.end <= other.start or other.end <= span.start:
        return False
    if (span.start, span.end) == (other.start, other.end):
        # equal ranges nest with the higher priority outside (the order `resolve` sorts them in)
        outer, inner = (other, span) if other.priority >= span.priority else (span, other)
        if outer.tag == inner.tag:
            return True
    elif other.start <= span.start and span.end <= other.end:
        outer, inner = other, span
    elif span.start <= other.start and other.end <= span.end:
        outer, inner = span, other
    else:
        return True  # they cross
    if outer.tag == "metamark" or any(p.tag == "desc" and p.start <= inner.start and inner.end <= p.end
                                      for p in outer.parts):
        return True  # a marker's or a description's words are the transcript's, with nothing inside
    return not outer.contains(inner)


def weave(parent: etree._Element, text: str, spans: list[Span]) -> tuple[list[Span], list[Span]]:
    """Append `text` to `parent` with the spans as elements; returns the spans woven and those dropped."""
    accepted, dropped = resolve(spans, text)
    _emit(parent, text, 0, len(text), accepted)
    return accepted, dropped


def _emit(parent: etree._Element, text: str, start: int, end: int, spans: list[Span]) -> None:
    position, last, i = start, None, 0
    while i < len(spans):
        span = spans[i]
        j = i + 1
        while j < len(spans) and spans[j].start < span.end:
            j += 1
        inner = spans[i + 1:j]
        last = _append_text(parent, last, text[position:span.start])
        element = etree.SubElement(parent, f"{{{TEI_NS}}}{span.tag}", dict(span.attrs))
        for part in span.content():
            target = element if part.tag is None else etree.SubElement(element, f"{{{TEI_NS}}}{part.tag}")
            _emit(target, text, part.start, part.end,
                  [s for s in inner if part.start <= s.start and s.end <= part.end])
        last, position, i = element, span.end, j
    _append_text(parent, last, text[position:end])


def _append_text(parent: etree._Element, last: etree._Element | None, chunk: str) -> etree._Element | None:
    chunk = _SPACE.sub(" ", chunk)
    if chunk:
        if last is None:
            parent.text = (parent.text or "") + chunk
        else:
            last.tail = (last.tail or "") + chunk
    return last
