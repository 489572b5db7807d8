"""One step per stage, on files: convert a transcript to a TEI file; the checks on output folders."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from tei.authority import Authority
from tei.document import DEFAULT_PUBLISHER, convert_text
from tei.errors import InputError, ReviewItem
from tei.files import is_inside, read_transcript, write_atomic


class OutputFolderError(Exception):
    """The output folder would write into the inputs: a usage error."""


def check_output_folder(out: Path, inputs: list[Path]) -> None:
    """Refuse an output folder that is an input folder or inside one: inputs are never written to."""
    for given in inputs:
        folder = given if given.is_dir() else given.parent
        if given.exists() and is_inside(out, folder) and (given.is_dir() or out.resolve() == folder.resolve()):
            raise OutputFolderError(f"the output folder {out} is inside the input {given}; "
                                    "choose a folder outside the inputs (nothing is ever written into them)")


def convert_file(source: Path, out_dir: Path, authority: Authority, layout: str | None = None,
                 publisher: str = DEFAULT_PUBLISHER, conventions_file: Path | None = None,
                 recogniser: str = "auto") -> tuple[Path, list[ReviewItem]]:
    """Convert one transcript to `out_dir/<stem>.xml`. Raises InputError; then nothing is written."""
    text = read_transcript(source)
    converted = convert_text(text, source, authority, layout, publisher, conventions_file, recogniser)
    target = out_dir / f"{source.stem}.xml"
    write_atomic(target, converted.to_bytes())
    return target, converted.review


REPORT_COLUMNS = ("file", "line", "level", "source", "decision", "why")


def write_report(path: Path, items: list[ReviewItem], errors: list[InputError]) -> None:
    """The review list as CSV, one row per item, in file and line order (a spreadsheet opens it)."""
    rows = [(i.path, i.line, i.level, i.source, i.decision, i.why) for i in items]
    rows += [(e.path, e.line or "", "error", "", "not converted", e.message) for e in errors]
    rows.sort(key=lambda r: (r[0], int(r[1] or 0)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(REPORT_COLUMNS)
    writer.writerows(rows)
    write_atomic(path, buffer.getvalue().encode("utf-8"))
