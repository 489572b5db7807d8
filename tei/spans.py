"""A span: a pass's proposal to mark a stretch of a block's text as a TEI element.

Passes only propose spans; `weave` decides how they nest and builds the elements,
so no pass can lose a character of the source.
"""

from __future__ import annotations

from dataclasses import dataclass


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
