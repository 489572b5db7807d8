"""`tei export csv`: people.csv, places.csv and organisations.csv, for spreadsheets and OpenRefine.

One row per person, place or organisation with a record in the documents (the same xml:id in several
documents is one row, from the richest of its records), with its authority identifiers and where the
texts name it:

    id, name, birth, death, description, wikidata, viaf, geonames, gnd, lc, uris,
    documents, mentions, document_ids

`documents` is the number of documents whose text names the entity, `mentions` the number of names
pointing to it in those texts, `document_ids` those documents (file names without .xml), sorted and
separated by ";". An entity recorded in a document (a sender in the header, say) but never named
in a text has 0 and 0. `uris` are the authority URIs (http://www.wikidata.org/entity/Q855 ...), separated
by spaces. Rows are sorted by name, then id.

The files are RFC 4180 CSV: UTF-8 without a byte order mark, a header row, fields quoted only when they
need it, lines ended by CRLF (RFC 4180's line break; Excel, LibreOffice, OpenRefine, pandas and R read
it). No BOM, because OpenRefine long kept a BOM in the first column's name (`\\ufeffid`; OpenRefine
issue #1241, fixed in 2023, and #6527 in 2024: separators not guessed in files with one), as do R's
read.csv and many CSV libraries; Excel needs Data > From Text/CSV (which detects UTF-8) rather than a
double-click to show non-ASCII names right.

Before anything is written, the tables are read back with the csv module and checked: the header,
the number of fields in every row, one row per entity and each row as meant, ids unique, and the counts
adding up (`documents` = the number of `document_ids`, and each table's mentions = the documents'
mentions of that kind). A table that fails raises ExportInvalid and nothing is written.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field
from pathlib import Path

from tei.export import ExportInvalid, ExportJob, Problem
from tei.files import name_clash, staged_folder
from tei.identifiers import SCHEMES
from tei.metadata import Named
from tei.spreadsheet import csv_bytes, spreadsheet_value

FILES = {"person": "people.csv", "place": "places.csv", "org": "organisations.csv"}
COLUMNS = ("id", "name", "birth", "death", "description", *SCHEMES, "uris", "documents", "mentions",
           "document_ids")
LINE_END = "\r\n"


@dataclass
class _Entry:
    record: Named
    found_in: str  # the stem of the document the record was taken from
    mentions: dict[str, int] = field(default_factory=dict)  # document stem -> names pointing to it (> 0)


def _richness(record: Named) -> tuple[int, int, int]:
    return (len(record.identifiers), sum(bool(v) for v in (record.birth, record.death, record.note)),
            len(record.note))


def entries(job: ExportJob, problems: list[Problem]) -> dict[str, dict[str, _Entry]]:
    """kind -> entity id -> its entry, merged across the documents."""
    tables: dict[str, dict[str, _Entry]] = {kind: {} for kind in FILES}
    stems: dict[str, Path] = {}
    for doc in job.documents:
        clash = name_clash(doc.path, stems, f"{doc.stem} in document_ids (the rows count both)")
        if clash is not None:
            problems.append(Problem(doc.path, clash.message))
        stems.setdefault(doc.stem.casefold(), doc.path)
        seen: set[tuple[str, str]] = set()
        for record in doc.entities:
            if record.kind not in FILES or not record.id or (record.kind, record.id) in seen:
                continue
            seen.add((record.kind, record.id))
            table = tables[record.kind]
            entry = table.get(record.id)
            if entry is None:
                entry = table[record.id] = _Entry(record, doc.stem)
            else:
                if record.name.casefold() != entry.record.name.casefold():
                    problems.append(Problem(doc.path, f"the {record.kind} id {record.id!r} is {record.name!r} here "
                                                      f"but {entry.record.name!r} in {entry.found_in}: one row, "
                                                      "with the richer record"))
                if _richness(record) > _richness(entry.record):
                    entry.record, entry.found_in = record, doc.stem
            count = doc.mentions.get(record.id, 0)
            if count:
                entry.mentions[doc.stem] = entry.mentions.get(doc.stem, 0) + count
    return tables


def row(entry: _Entry) -> list[str]:
    record = entry.record
    schemes = [" ".join(v for k, v in record.identifiers if k == key) for key in SCHEMES]
    return [record.id or "", record.name, record.birth, record.death, record.note, *schemes,
            " ".join(record.uris), str(len(entry.mentions)), str(sum(entry.mentions.values())),
            ";".join(sorted(entry.mentions))]


def rows(table: dict[str, _Entry]) -> list[list[str]]:
    ordered = sorted(table.values(), key=lambda e: (e.record.name.casefold(), e.record.name, e.record.id))
    return [row(e) for e in ordered]


def to_csv(body: list[list[str]], raw: bool = False) -> bytes:
    return csv_bytes(COLUMNS, body, raw, LINE_END)


def check(file: str, data: bytes, expected: list[list[str]], mentions: int, raw: bool = False) -> None:
    """Read a table back as a spreadsheet would and check it; ExportInvalid with the reason if it fails.
    Unless `raw`, a value a spreadsheet would take for a formula must read back made safe."""
    def fail(reason: str):
        raise ExportInvalid(f"{file}: {reason}")

    if data.startswith(b"\xef\xbb\xbf"):
        fail("starts with a byte order mark")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        fail(f"is not UTF-8 (byte {exc.start})")
    if text and not text.endswith(LINE_END):
        fail("does not end with a line break")
    parsed = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    if not parsed or tuple(parsed[0]) != COLUMNS:
        fail(f"the header row is {parsed[0] if parsed else 'missing'}, not {list(COLUMNS)}")
    body = parsed[1:]
    for number, values in enumerate(body, start=2):
        if len(values) != len(COLUMNS):
            fail(f"row {number} has {len(values)} fields, not {len(COLUMNS)}")
    if len(body) != len(expected):
        fail(f"{len(body)} rows read back, {len(expected)} entities written")
    ids = [values[0] for values in body]
    if len(set(ids)) != len(ids) or not all(ids):
        fail("the ids are not unique and non-empty")
    column = {name: i for i, name in enumerate(COLUMNS)}
    total = 0
    for number, (values, meant) in enumerate(zip(body, expected), start=2):
        meant = [spreadsheet_value(value, raw) for value in meant]
        if values != meant:
            fail(f"row {number} reads back as {values}, not {meant}")
        documents = [d for d in values[column["document_ids"]].split(";") if d]
        count = values[column["mentions"]]
        if not (values[column["documents"]].isdigit() and count.isdigit()):
            fail(f"row {number}: documents and mentions are not whole numbers")
        if int(values[column["documents"]]) != len(documents) or int(count) < len(documents):
            fail(f"row {number}: {values[column['documents']]} documents, {count} mentions and "
                 f"{len(documents)} document ids do not add up")
        total += int(count)
    if total != mentions:
        fail(f"the rows count {total} mentions, the documents {mentions}")


def export(job: ExportJob) -> list[Problem]:
    if not job.documents:
        raise ExportInvalid("no TEI documents to take people, places and organisations from")
    problems: list[Problem] = []
    tables = entries(job, problems)
    if not any(tables.values()):
        problems.append(Problem(None, "no document records a person, place or organisation (with an xml:id): "
                                      "the tables have only their header rows"))
    files = {}
    for kind, file in FILES.items():
        body = rows(tables[kind])
        data = to_csv(body, job.csv_raw)
        # Mentions counted from the documents themselves, not from the merged entries.
        mentions = sum(count for doc in job.documents for ident, count in doc.mentions.items()
                       if ident in {e.id for e in doc.entities if e.kind == kind})
        check(file, data, body, mentions, job.csv_raw)
        files[file] = data
    with staged_folder(job.out, "csv", job.force) as folder:
        for file, data in files.items():
            (folder / file).write_bytes(data)
    return problems
