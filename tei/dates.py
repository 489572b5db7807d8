"""The date pass: calendar dates in the text become `date` with an ISO `@when`."""

from __future__ import annotations

import datetime
import re

from tei.spans import Span

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
_MONTH_NAMES = "|".join(m.capitalize() for m in MONTHS) + "|" + "|".join(m.upper() for m in MONTHS)
_YEAR = r"1[5-9]\d\d|20\d\d"
_DATE = re.compile(
    rf"\b(?:(?P<month>{_MONTH_NAMES})(?:\s+(?P<day>\d{{1,2}}),)?\s+(?P<year>{_YEAR})"
    rf"|(?P<day2>\d{{1,2}})\s+(?P<month2>{_MONTH_NAMES})\s+(?P<year2>{_YEAR}))\b"
)


def iso_date(year: str, month: str, day: str | None = None) -> str | None:
    """`1945-07-03`, or `1945-07` with no day; None for a date that is not in the calendar."""
    number = MONTHS.index(month.lower()) + 1
    if day is None:
        return f"{int(year):04d}-{number:02d}"
    try:
        return datetime.date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The ISO form of a date written as `July 3, 1945`, `3 July 1945` or `July 1945`."""
    match = _DATE.fullmatch(text.strip())
    return _when(match) if match else None


def _when(match: re.Match) -> str | None:
    if match.group("year"):
        return iso_date(match.group("year"), match.group("month"), match.group("day"))
    return iso_date(match.group("year2"), match.group("month2"), match.group("day2"))


def date_spans(text: str) -> list[Span]:
    spans = []
    for match in _DATE.finditer(text):
        when = _when(match)
        if when:
            spans.append(Span(match.start(), match.end(), "date", (("when", when),), priority=10, rule="date"))
    return spans
