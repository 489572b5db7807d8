"""A span: a pass's proposal to mark a stretch of a block's text as a TEI element.

Passes only propose spans; `weave` decides how they nest and builds the elements,
so no pass can lose a character of the source.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass
from typing import Any, Iterable, Iterator


@dataclass(frozen=True, order=True)
class Part:
    """Where the element's content comes from: source[start:end], inside child `tag` (None: directly)."""

    start: int
    end: int
    tag: str | None = None


@dataclass(frozen=True)
class Span:
    """Source characters [start, end) become element `tag` with `attrs`.

    `parts` are the stretches that become its content; characters of the span
    outside every part are delimiters (brackets, a `[sic]` marker) that the
    element stands for, and that `tei text` writes back from the element.
    """

    start: int
    end: int
    tag: str
    attrs: tuple[tuple[str, str], ...] = ()
    parts: tuple[Part, ...] = ()
    priority: int = 0
    rule: str = ""  # which convention proposed it, for the editorialDecl and reports

    def content(self) -> tuple[Part, ...]:
        return self.parts or (Part(self.start, self.end),)

    def contains(self, other: "Span") -> bool:
        return any(p.start <= other.start and other.end <= p.end for p in self.content())

    def crosses(self, other: "Span") -> bool:
        return self.start < other.start < self.end < other.end or other.start < self.start < other.end < self.end


# The delimiters a transcript may use for editorial marks, by the name recorded in `@rend`.
DELIMITERS = {"brackets": ("[", "]"), "braces": ("{", "}"), "angle": ("<", ">"), "parens": ("(", ")")}


class RangeIndex:
    """Items stored by their range [start, end), found by the ranges they overlap.

    A query costs O(log n) plus the items it finds, so that checking each of n
    spans against the others is not n² (a segment tree over the possible
    starts, each node keeping the greatest end stored below it).
    """

    def __init__(self, starts: Iterable[int]):
        self._starts = sorted(set(starts))
        self._leaf = {start: i for i, start in enumerate(self._starts)}
        self._size = 1 << max(0, len(self._starts) - 1).bit_length()
        self._max_end = [-1] * (2 * self._size)
        self._items: dict[int, list[tuple[int, Any]]] = {}

    @classmethod
    def of(cls, entries: Iterable[tuple[int, int, Any]]) -> RangeIndex:
        """An index holding each (start, end, item) of `entries`."""
        entries = list(entries)
        index = cls(start for start, _, _ in entries)
        for start, end, item in entries:
            index.add(start, end, item)
        return index

    def add(self, start: int, end: int, item: Any) -> None:
        """Store `item` at [start, end); `start` must be one of the starts the index was made for."""
        leaf = self._leaf[start]
        self._items.setdefault(leaf, []).append((end, item))
        node = self._size + leaf
        while node and self._max_end[node] < end:
            self._max_end[node] = end
            node //= 2

    def overlapping(self, start: int, end: int) -> Iterator[Any]:
        """The items whose range overlaps [start, end): item_start < end and start < item_end."""
        limit = bisect_left(self._starts, end)  # the leaves of the items that start before `end`
        stack = [(1, 0, self._size)]
        while stack:
            node, low, high = stack.pop()
            if low >= limit or self._max_end[node] <= start:
                continue
            if node >= self._size:
                yield from (item for item_end, item in self._items[low] if item_end > start)
            else:
                middle = (low + high) // 2
                stack += ((2 * node + 1, middle, high), (2 * node, low, middle))


def end_of_words(text: str, end: int) -> int:
    """Where text[:end] ends once the white space just before `end` is left out (`len(text[:end].rstrip())`,
    without copying the text before it)."""
    while end > 0 and text[end - 1].isspace():
        end -= 1
    return end
