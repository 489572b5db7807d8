"""The date pass: calendar dates in the text become `date` with an ISO `@when`.

Written as `July 2, 1945`, `2 July 1945`, `July 1945`, `Aug. 14, 1945`, `Nov 18`,
`14th August, 1945`, in capitals (`JULY 3, 1945`), or without a year (`July 2`,
which becomes `--07-02`: the year is not guessed).
"""

from __future__ import annotations

import datetime
import re

from tei.spans import Span

_W3C_DATE = re.compile(r"(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?")

MONTHS = ["january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
          "november", "december"]
# Abbreviations of the period, with their full stop: "Sept. 5", "Aug. 14".
_SHORT = {"jan": 1, "feb": 2, "mar": 3, "apr": 4, "jun": 6, "jul": 7, "aug": 8, "sep": 9, "sept": 9, "oct": 10,
          "nov": 11, "dec": 12}
# Abbreviations of the period, with their full stop ("Sept. 5") or without it, as telegrams write them ("Nov 18").
ABBREVIATIONS = {**{k + ".": v for k, v in _SHORT.items()}, **_SHORT}


def _forms(name: str) -> list[str]:
    return [name.capitalize(), name.upper()]


_MONTH = "|".join(re.escape(f) for name in sorted(MONTHS + list(ABBREVIATIONS), key=len, reverse=True)
                  for f in _forms(name))
_YEAR = r"1[5-9]\d\d|20\d\d"
_DAY = r"[0-3]?\d(?:st|nd|rd|th)?"
_DATE = re.compile(
    rf"(?<![\w.])(?:"
    rf"(?P<month>{_MONTH})(?:\s+(?P<day>{_DAY}))?(?:,?\s+(?P<year>{_YEAR}))"  # July 2, 1945 / July 1945
    rf"|(?P<day2>{_DAY})\s+(?:of\s+)?(?P<month2>{_MONTH}),?\s+(?P<year2>{_YEAR})"  # 2 July 1945
    rf"|(?P<month3>{_MONTH})\s+(?P<day3>{_DAY})"  # July 2
    rf"|(?P<day4>{_DAY})\s+(?:of\s+)?(?P<month4>{_MONTH})"  # 2 July
    rf")(?![\w])"
)


def month_number(name: str) -> int:
    name = name.lower()
    return ABBREVIATIONS[name] if name in ABBREVIATIONS else MONTHS.index(name) + 1


def iso_date(year: str | None, month: str, day: str | None = None) -> str | None:
    """`1945-07-03`; `1945-07` with no day; `--07-03` with no year; None for a day not in the calendar."""
    number = month_number(month)
    if day is not None:
        day = day.rstrip("stndrh")
    if year is None:
        if day is None:
            return None
        try:
            datetime.date(2000, number, int(day))  # a leap year: 29 February is a day of the calendar
        except ValueError:
            return None
        return f"--{number:02d}-{int(day):02d}"
    if day is None:
        return f"{int(year):04d}-{number:02d}"
    try:
        return datetime.date(int(year), number, int(day)).isoformat()
    except ValueError:
        return None


def parse_date(text: str) -> str | None:
    """The ISO form of a document's date written as `July 3, 1945`, `3 July 1945` or `July 1945` (a date
    without its year does not date a document)."""
    match = _DATE.fullmatch(text.strip())
    if not match or not (match.group("year") or match.group("year2")):
        return None
    return _when(match)


def _when(match: re.Match) -> str | None:
    for month, day, year in (("month", "day", "year"), ("month2", "day2", "year2"), ("month3", "day3", None),
                             ("month4", "day4", None)):
        if match.group(month):
            return iso_date(match.group(year) if year else None, match.group(month), match.group(day))
    return None


def date_spans(text: str) -> list[Span]:
    spans = []
    for match in _DATE.finditer(text):
        when = _when(match)
        if when:
            spans.append(Span(match.start(), match.end(), "date", (("when", when),), priority=10, rule="date"))
    return spans


def date_span(value: str | None) -> tuple[datetime.date, datetime.date] | None:
    """The first and last day of YYYY, YYYY-MM or YYYY-MM-DD; None if it is not a real date in that form."""
    match = _W3C_DATE.fullmatch(value or "")
    if not match:
        return None
    year, month, day = (int(g) if g else None for g in match.groups())
    try:
        if month is None:
            return datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        if day is None:
            first = datetime.date(year, month, 1)
            return first, (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1) - datetime.timedelta(1)
        return datetime.date(year, month, day), datetime.date(year, month, day)
    except ValueError:  # year 0, month 13, 31 June
        return None
