"""TEI -> the transcript body as plain text, from the TEI alone.

The inverse of the bracket conventions: each editorial element is written back
with the brackets it stands for, so `[ILLEGIBLE]`, `Darien [Dalian]` and
`export [sic]` come back as the transcript had them.
"""

from __future__ import annotations

import re

from lxml import etree

from tei import TEI_NS
from tei.brackets import conventions

# Containers whose children are the body's blocks (paragraph-like elements).
_CONTAINERS = {"body", "div", "opener", "closer", "front", "back", "group", "text", "postscript"}


def _local(element: etree._Element) -> str:
    return etree.QName(element).localname if isinstance(element.tag, str) else ""


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
        if _local(child) in _CONTAINERS:
            _collect(child, out)
        else:
            text = re.sub(r"\s+", " ", inline(child)).strip()
            if text:
                out.append(text)


def inline(element: etree._Element) -> str:
    """An element's text with the editorial brackets it stands for written back."""
    conv = conventions()
    name = _local(element)

    def inner(el: etree._Element) -> str:
        return (el.text or "") + "".join(inline(c) + (c.tail or "") for c in el if isinstance(c.tag, str))

    if name == "gap":
        desc = element.find(f"{{{TEI_NS}}}desc")
        return conv.open + (inner(desc) if desc is not None else element.get("reason", "gap")) + conv.close
    if name == "sic" and _local(element.getparent()) != "choice":
        return inner(element) + f" {conv.open}sic{conv.close}"
    if name == "choice":
        parts = {_local(c): inner(c) for c in element if isinstance(c.tag, str)}
        for shown, bracketed in (("orig", "reg"), ("sic", "corr"), ("abbr", "expan")):
            if shown in parts and bracketed in parts:
                return f"{parts[shown]} {conv.open}{parts[bracketed]}{conv.close}"
        return " ".join(parts.values())
    if name == "supplied" or (name == "note" and element.get("type") == "editorial"):
        return conv.open + inner(element) + conv.close
    if name == "lb":
        return "\n"
    return inner(element)


def body_text(tree: etree._ElementTree) -> str:
    """The body as the transcript had it: blocks separated by blank lines."""
    return "\n\n".join(blocks(tree)) + "\n"
