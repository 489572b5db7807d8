"""TEI -> the transcript body as plain text, from the TEI alone.

The inverse of the bracket pass: each editorial element is written back with the
delimiters its `@rend` records, and markers (`[sic]`, `[?]`) are kept literally in
`metamark`, so `[ILLEGIBLE]`, `Darien [Dalian]` and `export [sic]` come back as
the transcript had them.
"""

from __future__ import annotations

import re

from lxml import etree

from tei import TEI_NS
from tei.spans import DELIMITERS
from tei.xmlread import tei_name

# Containers whose children are the body's blocks (paragraph-like elements).
_CONTAINERS = {"body", "div", "opener", "closer", "front", "back", "group", "text", "postscript"}


def blocks(tree: etree._ElementTree) -> list[str]:
    """Each block of the body (head, opener line, paragraph, signature) as one line of text."""
    out = []
    for body in tree.getroot().iter(f"{{{TEI_NS}}}body"):
        _collect(body, out)
    return out


def _collect(container: etree._Element, out: list[str]) -> None:
    for child in container:
        if not isinstance(child.tag, str):
            continue
        if tei_name(child) in _CONTAINERS:
            _collect(child, out)
        else:
            text = re.sub(r"\s+", " ", inline(child)).strip()
            if text:
                out.append(text)


def inline(element: etree._Element) -> str:
    """An element's text with the editorial delimiters it stands for (its `@rend`) written back."""
    name = tei_name(element)
    opening, closing = DELIMITERS.get(element.get("rend", ""), ("", ""))

    def inner(el: etree._Element) -> str:
        return (el.text or "") + "".join(inline(c) + (c.tail or "") for c in el if isinstance(c.tag, str))

    if name in ("gap", "unclear"):
        desc = element.find(f"{{{TEI_NS}}}desc")
        if desc is not None:
            return (opening or "[") + inner(desc) + (closing or "]")
        if name == "gap":
            return "[" + element.get("reason", "gap") + "]"
    if name == "choice":
        parts = {tei_name(c): inner(c) for c in element if isinstance(c.tag, str)}
        for shown, edited in (("orig", "reg"), ("sic", "corr"), ("abbr", "expan")):
            if shown in parts:
                return f"{parts[shown]} {opening}{parts.get(edited, '')}{closing}" if opening else parts[shown]
        return next(iter(parts.values()), "")
    if name == "lb":
        return "\n"
    return opening + inner(element) + closing


def body_text(tree: etree._ElementTree) -> str:
    """The body as the transcript had it: blocks separated by blank lines."""
    return "\n\n".join(blocks(tree)) + "\n"
