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
from collections.abc import Iterable, Iterator
from itertools import groupby
from operator import itemgetter

_WORD = re.compile(r"\w+")


def fold(text: str) -> str:
    """Lower case without accents: "Sinkiang", "sinkiang" and "Sínkiang" are one term."""
    decomposed = unicodedata.normalize("NFKD", text.casefold())
    return _NON_ASCII.sub(_strip_marks, decomposed)  # only the rare non-ASCII runs are looked at char by char


_NON_ASCII = re.compile(r"[^\x00-\x7f]+")


def _strip_marks(run: re.Match) -> str:
    return "".join(c for c in run.group() if not unicodedata.combining(c))


def terms(text: str) -> set[str]:
    return set(_WORD.findall(fold(text)))


def search_index(hrefs: Iterable[str], postings: Iterable[tuple[str, int]]) -> Iterator[bytes]:
    """The index as chunks of the script: `hrefs`, the page addresses in the index page's order;
    `postings`, (term, number of a page that has it) sorted by term and then number. Streamed, so a
    big edition's index is never held in memory whole."""
    def dump(value) -> str:
        return json.dumps(value, ensure_ascii=False)

    yield f"window.TEI_SEARCH = {{\"pages\":[{','.join(map(dump, hrefs))}],\"terms\":{{".encode("utf-8")
    for number, (term, group) in enumerate(groupby(postings, key=itemgetter(0))):
        numbers = ",".join(str(page) for _, page in group)
        yield f"{',' if number else ''}{dump(term)}:[{numbers}]".encode("utf-8")
    yield b"}};\n"
