"""`tei authority suggest`: the review report's name candidates as rows for the authority files.

Candidates are grouped by the name without its title (`Mr. Page` and `Page` are one
person); each group becomes one row with an id made from the name, every form
seen as a variant, empty identifier cells for the editor to look up, and a
description that says where the name was seen.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from tei.authority import Authority
from tei.candidates import name_rules
from tei.errors import InputError
from tei.files import decode_text, read_input
from tei.spreadsheet import csv_bytes, plain_value

# The columns of each authority file, as the shipped files have them.
COLUMNS = {
    "people.csv": ("id", "name", "variants", "wikidata", "viaf", "birth", "death", "description"),
    "places.csv": ("id", "name", "variants", "wikidata", "geonames", "description"),
    "orgs.csv": ("id", "name", "variants", "wikidata", "description"),
}
FILE_FOR = {"persName": "people.csv", "placeName": "places.csv", "orgName": "orgs.csv"}


@dataclass
class Suggestion:
    file: str
    name: str
    forms: set[str] = field(default_factory=set)
    seen: list[str] = field(default_factory=list)  # file:line of each mention

    def row(self, id_: str) -> dict[str, str]:
        variants = sorted(self.forms | {self.name}, key=lambda v: (v != self.name, v))
        where = ", ".join(self.seen[:3]) + (f" and {len(self.seen) - 3} more" if len(self.seen) > 3 else "")
        return {"id": id_, "name": self.name, "variants": "|".join(variants),
                "description": f"TO CHECK: {len(self.seen)} mention(s) in {where}"}


def read_candidates(reports: list[Path]) -> dict[tuple[str, str], Suggestion]:
    """Candidates from review reports, keyed by (authority file, name without title)."""
    found: dict[tuple[str, str], Suggestion] = {}
    for report in reports:
        text = decode_text(report, read_input(report, "a review report (CSV)"), "a CSV file", "try again")
        reader = csv.DictReader(io.StringIO(text, newline=""))
        try:
            if not {"file", "line", "source", "decision"} <= set(reader.fieldnames or ()):
                raise InputError(report, "is not a review report (tei convert --report): "
                                         "it needs the columns file, line, source, decision", 1)
            for row in reader:
                row = {k: plain_value(v or "") for k, v in row.items()}  # as the report was written: made safe
                tag, _, what = (row["decision"] or "").partition(" ")
                if what != "candidate" or tag not in FILE_FOR:
                    continue
                form = " ".join(row["source"].split())
                name = _without_title(form) if tag == "persName" else form
                item = found.setdefault((FILE_FOR[tag], name.casefold()), Suggestion(FILE_FOR[tag], name))
                item.forms.add(form)
                item.seen.append(f"{row['file']}:{row['line']}")
        except csv.Error as exc:
            raise InputError(report, f"is not valid CSV: {exc}", reader.line_num) from None
    return found


def _without_title(form: str) -> str:
    for title in sorted(name_rules().titles, key=len, reverse=True):
        for written in (title, title.upper()):
            if form.startswith(written + " "):
                return form[len(written) + 1:]
    return form


def slug(name: str) -> str:
    """An id from a name: ASCII letters, digits and hyphens (`Wang Shih-chieh` -> `wang-shih-chieh`)."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    words = re.findall(r"[A-Za-z0-9]+", ascii_name.lower())
    return "-".join(words) or "entity"


def suggestion_tables(reports: list[Path], authority: Authority, raw: bool = False) -> dict[str, str]:
    """Per authority file, CSV text (header row first) of one new row per candidate name; cells a spreadsheet
    would take for formulas made safe unless `raw` (tei.spreadsheet)."""
    taken = set(authority.entities)
    rows: dict[str, list[dict[str, str]]] = {}
    known = {v.casefold() for e in authority.entities.values() for v in e.variants}
    for (file, key), item in sorted(read_candidates(reports).items()):
        if key in known:
            continue  # added to the authority since the report was written
        base = id_ = slug(item.name)
        n = 2
        while id_ in taken:
            id_, n = f"{base}-{n}", n + 1
        taken.add(id_)
        rows.setdefault(file, []).append(item.row(id_))
    tables = {}
    for file, found in rows.items():
        body = ([row.get(column, "") for column in COLUMNS[file]] for row in found)
        tables[file] = csv_bytes(COLUMNS[file], body, raw).decode("utf-8")
    return tables
