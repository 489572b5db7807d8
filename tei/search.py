"""The edition's offline full-text search: a small inverted index written as a script.

A static site opened from a USB stick (file://) cannot fetch JSON, so the index
is a JavaScript file that assigns one object; edition.js searches it. Terms are
case- and accent-folded words; each maps to the numbers of the documents that
contain it. The same documents give the same bytes.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Iterable

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: "Sinkiang", "sinkiang" and "Sínkiang" are one term."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def terms(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


def search_index(documents: Iterable[tuple[str, Iterable[str]]]) -> bytes:
    """`documents`: (page address, its terms), in the index page's order."""
    pages: list[str] = []
    postings: dict[str, list[int]] = {}
    for number, (href, words) in enumerate(documents):
        pages.append(href)
        for term in words:
            postings.setdefault(term, []).append(number)
    index = {"pages": pages, "terms": dict(sorted(postings.items()))}
    body = json.dumps(index, ensure_ascii=False, separators=(",", ":"))
    return f"window.TEI_SEARCH = {body};\n".encode("utf-8")
