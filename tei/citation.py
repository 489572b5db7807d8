"""How to cite a document of the edition: a reference line, BibTeX and CSL-JSON.

Made from a small view of the document (`Cited`), so the formats stay in one
place. The address is the page's stable address when the edition's base URL is
known (`tei render --base-url`), else the page's file name.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cited:
    key: str  # the file stem: a citation key that stays the same
    title: str
    date_when: str | None  # ISO date (YYYY, YYYY-MM or YYYY-MM-DD)
    date_text: str
    authors: tuple[str, ...]
    recipients: tuple[str, ...]
    archive: str
    collection: str
    record_id: str
    source_url: str
    edition: str  # the edition's title
    url: str  # the page's address


def reference(c: Cited) -> str:
    parts = [", ".join(c.authors) + ("," if c.authors else ""), f"“{c.title}”,", (c.date_text or "n.d.") + "."]
    held = ", ".join(p for p in (c.archive, c.collection, c.record_id) if p)
    if held:
        parts.append(held + ".")
    parts.append(f"In: {c.edition}. {c.url}")
    return " ".join(p for p in parts if p)


def _bib_escape(value: str) -> str:
    return re.sub(r"([{}%&$#_\\])", r"\\\1", value)


def bibtex(c: Cited) -> str:
    fields = [("title", f"{{{_bib_escape(c.title)}}}")]
    if c.authors:
        fields.append(("author", " and ".join(f"{{{_bib_escape(a)}}}" for a in c.authors)))
    if c.date_when:
        fields.append(("date", c.date_when))
        fields.append(("year", c.date_when[:4]))
    if c.archive or c.collection:
        fields.append(("organization", _bib_escape(", ".join(p for p in (c.archive, c.collection) if p))))
    if c.record_id:
        fields.append(("number", _bib_escape(c.record_id)))
    fields.append(("howpublished", _bib_escape(c.edition)))
    fields.append(("url", c.url))
    body = ",\n".join(f"  {name} = {{{value}}}" if not value.startswith("{") else f"  {name} = {value}"
                      for name, value in fields)
    key = re.sub(r"[^A-Za-z0-9_:-]", "_", c.key)
    return f"@misc{{{key},\n{body}\n}}"


def csl_json(c: Cited) -> str:
    item: dict = {"id": c.key, "type": "manuscript", "title": c.title}
    if c.authors:
        item["author"] = [{"literal": a} for a in c.authors]
    if c.recipients:
        item["recipient"] = [{"literal": r} for r in c.recipients]
    if c.date_when and re.fullmatch(r"\d{4}(-\d{2}(-\d{2})?)?", c.date_when):
        item["issued"] = {"date-parts": [[int(p) for p in c.date_when.split("-")]]}
    if c.archive:
        item["archive"] = c.archive
    if c.collection or c.record_id:
        item["archive_location"] = ", ".join(p for p in (c.collection, c.record_id) if p)
    if c.source_url:
        item["source"] = c.source_url
    item["container-title"] = c.edition
    item["URL"] = c.url
    return json.dumps([item], ensure_ascii=False, indent=2)
