"""Authority files: people, places and organisations with their variant names and identifiers.

Editors keep them as CSV (one file per kind: people.csv, places.csv, orgs.csv, and
roles.csv for role names such as "the President" that denote one person at a
given date). The package ships a default set; `--authority DIR` adds to it, and a
file there with the same name replaces the default one.
"""

from __future__ import annotations

import csv
import re
from dataclasses import dataclass
from pathlib import Path

from tei.errors import InputError
from tei.identifiers import SCHEMES
from tei.resources import authority_dir

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


def _rows(path: Path, required: tuple[str, ...]):
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:  # -sig: spreadsheets often write a BOM
            reader = csv.DictReader(handle)
            missing = [c for c in required if c not in [f.strip() for f in reader.fieldnames or []]]
            if missing:
                raise InputError(path, "has no column " + ", ".join(repr(c) for c in missing)
                                 + " (the first row must name the columns: " + ",".join(required) + ",...)", 1)
            for line, row in enumerate(reader, 2):
                row = {k.strip(): (v or "").strip() for k, v in row.items() if isinstance(k, str)}
                if not all(row.get(c) for c in required):
                    raise InputError(path, "a row needs " + ", ".join(required), line)
                yield line, row
    except UnicodeDecodeError:
        raise InputError(path, "is not UTF-8; save the spreadsheet as CSV UTF-8") from None


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
