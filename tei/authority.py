"""Authority files: people, places and organisations with their variant names and identifiers.

Editors keep them as CSV (one file per kind: people.csv, places.csv, orgs.csv, and
roles.csv for role names such as "the President" that denote one person at a
given date). The package ships a default set; `--authority DIR` adds to it, and a
file there with the same name replaces the default one.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from tei.errors import InputError
from tei.files import decode_text, read_input
from tei.identifiers import SCHEMES
from tei.resources import authority_dir
from tei.spreadsheet import plain_value

# Identifier columns of the CSV files (each becomes an idno of that type): (record URL, the form a value takes).
IDENTIFIERS = {key: (SCHEMES[key].page, SCHEMES[key].pattern) for key in ("wikidata", "viaf", "geonames")}


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str  # person, place, org
    name: str
    variants: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]  # (type, value), in IDENTIFIERS order
    birth: str = ""
    death: str = ""
    description: str = ""

    @property
    def tag(self) -> str:
        return {"person": "persName", "place": "placeName", "org": "orgName"}[self.kind]


@dataclass(frozen=True)
class Role:
    phrase: str
    id: str
    start: str  # ISO dates, inclusive
    end: str


@dataclass(frozen=True, eq=False)  # compared and hashed by identity, so passes can cache per authority
class Authority:
    entities: dict[str, Entity]
    roles: tuple[Role, ...]

    def holders(self, phrase: str, when: str | None) -> set[str]:
        """Ids of the people `phrase` can denote at the date `when` (YYYY, YYYY-MM or YYYY-MM-DD)."""
        if not when:
            return set()
        first, last = _date_range(when)
        return {r.id for r in self.roles if r.phrase.casefold() == phrase.casefold() and r.start <= last and first <= r.end}

    def ever_held(self, phrase: str) -> set[str]:
        """Ids of everyone roles.csv lists for `phrase`, at any date."""
        return {r.id for r in self.roles if r.phrase.casefold() == phrase.casefold()}


def _date_range(when: str) -> tuple[str, str]:
    if len(when) == 4:
        return when + "-01-01", when + "-12-31"
    if len(when) == 7:
        return when + "-01", when + "-31"
    return when, when


def load_authority(extra: Path | None = None) -> Authority:
    """The default authority, with the CSV files of `extra` added: a file there named like a default
    one (people.csv) replaces it; any other file whose name starts with a kind (people-1946.csv) adds to it."""
    files = {p.name: p for p in sorted(authority_dir().glob("*.csv"))}
    if extra is not None:
        if not extra.is_dir():
            raise InputError(extra, "is not a folder of authority files (people.csv, places.csv, orgs.csv, roles.csv)")
        for path in sorted(extra.glob("*.csv")):
            files.pop(path.name, None)
            files[path.name] = path  # the defaults first, then the editor's files, in name order
    entities: dict[str, Entity] = {}
    origin: dict[str, str] = {}
    roles: list[tuple[Path, int, Role]] = []
    for name, path in files.items():
        kind = _kind_of(name)
        if kind is None:
            continue
        for line, row in _rows(path, REQUIRED["role" if kind == "role" else "entity"]):
            if kind == "role":
                roles.append((path, line, Role(row["phrase"], row["id"], row["from"], row.get("to") or "9999-12-31")))
                continue
            entity = _entity(row, kind)
            if entity.id in entities:
                raise InputError(path, f"the id {entity.id!r} is already used in {origin[entity.id]}; "
                                       "give each entity its own id", line)
            entities[entity.id] = entity
            origin[entity.id] = f"{path.name}:{line}"
    for path, line, role in roles:
        if role.id not in entities:
            raise InputError(path, f"role {role.phrase!r} names {role.id!r}, which no authority file has", line)
    return Authority(entities, tuple(role for _, _, role in roles))


REQUIRED = {"entity": ("id", "name"), "role": ("phrase", "id", "from")}  # an empty `to`: still in office


def _kind_of(file_name: str) -> str | None:
    """person, place, org or role, from the file name's first word (people, places, orgs, roles)."""
    stem = file_name.removesuffix(".csv")
    for prefix, kind in (("people", "person"), ("places", "place"), ("orgs", "org"), ("roles", "role")):
        if stem == prefix or stem.startswith(prefix + "-") or stem.startswith(prefix + "_"):
            return kind
    return None


MAX_AUTHORITY_BYTES = 50 * 1024 * 1024  # 100,000 entities with long descriptions are ~30 MB


def _rows(path: Path, required: tuple[str, ...]):
    """(line, row) for each row of one CSV file, or an InputError naming its file, line and what is wrong."""
    data = read_input(path, "an authority file (CSV)", MAX_AUTHORITY_BYTES, ", the most an authority file may be")
    text = decode_text(path, data, "a CSV file", "check it again")
    lines = re.split(r"\r\n|\r|\n", text)  # the lines as the csv reader counts them (not str.splitlines)
    # strict: a quote inside an unquoted field, or one never closed, is an error, not a guess; the limit: no
    # field can be longer than the file, so a long description is read, whatever csv's own limit (128 KB)
    csv.field_size_limit(max(csv.field_size_limit(), len(text) + 1))
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    try:
        missing = [c for c in required if c not in [f.strip() for f in reader.fieldnames or []]]
        if missing:
            raise InputError(path, "has no column " + ", ".join(repr(c) for c in missing)
                             + " (the first row must name the columns: " + ",".join(required) + ",...)", 1)
        ended = reader.line_num  # the line the previous row ended on
        for row in reader:
            line = ended + 1 + _blank_lines(lines, ended)  # DictReader skips blank lines silently
            if reader.line_num != line:  # no field of an authority file holds a line break
                raise _runaway_quote(path, lines, line, reader.line_num)
            ended = reader.line_num
            row = {k.strip(): plain_value((v or "").strip()) for k, v in row.items() if isinstance(k, str)}
            if not all(row.get(c) for c in required):
                raise InputError(path, "a row needs " + ", ".join(required), line)
            yield line, row
    except csv.Error as exc:  # strict mode: a quote still open at the end of the file, or text after a closing one
        line = ended + 1 + _blank_lines(lines, ended)  # the row it is in starts here
        if line <= len(lines) and _open_quote(lines[line - 1]):
            raise _runaway_quote(path, lines, line, None) from None
        raise InputError(path, f"is not valid CSV: {exc}", line) from None


def _blank_lines(lines: list[str], after: int) -> int:
    """How many blank lines follow line `after` (1-based), which the CSV reader passes over."""
    count = 0
    while after + count < len(lines) and not lines[after + count]:
        count += 1
    return count


def _runaway_quote(path: Path, lines: list[str], start: int, end: int | None) -> InputError:
    """The error for a quoted field that opens on line `start` and is not closed on it, naming the column of
    its quote and the line it runs on to (the rows in between were taken into it), when the reader got there."""
    column = _open_quote(lines[start - 1]) if start <= len(lines) else None
    runs_on = f"it runs on to line {end}" if end else "it runs on"
    return InputError(path, f"a quoted field opens here and is not closed on this line ({runs_on}, taking the rows "
                            'after it into it): close the quote, or double a quote that is part of the text ("")',
                      start, column)


def _open_quote(line: str) -> int | None:
    """The column of the quote left open at the end of one CSV line, read as csv reads it; None if none is."""
    opened, at_field_start = None, True
    i = 0
    while i < len(line):
        char = line[i]
        if opened is None:
            if char == '"' and at_field_start:
                opened = i
            at_field_start = char == ","  # csv opens a quoted field only at its very first character
        elif char == '"':
            if line[i + 1:i + 2] == '"':
                i += 1  # a doubled quote is a quote in the text
            else:
                opened, at_field_start = None, False
        i += 1
    return opened + 1 if opened is not None else None


def _entity(row: dict[str, str], kind: str) -> Entity:
    variants = [v.strip() for v in row.get("variants", "").split("|") if v.strip()]
    if row["name"] not in variants:
        variants.insert(0, row["name"])
    identifiers = tuple((k, row[k]) for k in IDENTIFIERS if row.get(k))
    return Entity(row["id"], kind, row["name"], tuple(variants), identifiers, row.get("birth", ""), row.get("death", ""),
                  row.get("description", ""))


ID_FORM = re.compile(r"[A-Za-z_][\w.-]*")


def lint(authority: Authority) -> list[str]:
    """Problems an editor should fix: malformed ids and identifiers, a name listed for two entities,
    a role whose dates are not ISO dates."""
    problems = []
    owners: dict[str, set[str]] = {}
    for entity in authority.entities.values():
        if not ID_FORM.fullmatch(entity.id):
            problems.append(f"{entity.id}: the id must start with a letter and hold only letters, digits, - . _")
        for kind, value in entity.identifiers:
            if not IDENTIFIERS[kind][1].fullmatch(value):
                problems.append(f"{entity.id}: {kind} {value!r} is not a {kind} identifier")
        for variant in entity.variants:
            owners.setdefault(variant.casefold(), set()).add(entity.id)
    for variant, ids in sorted(owners.items()):
        if len(ids) > 1:
            problems.append(f"the name {variant!r} is listed for {', '.join(sorted(ids))}: the converter takes the "
                            "first; keep it on one entity, or use a role with dates")
    for role in authority.roles:
        for date in (role.start, role.end):
            if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", date):
                problems.append(f"role {role.phrase!r} ({role.id}): {date!r} is not a date like 1945-04-12")
    return problems
