"""Authority files: people, places and organisations with their variant names and identifiers.

Editors keep them as CSV (one file per kind: people.csv, places.csv, orgs.csv, and
roles.csv for role names such as "the President" that denote one person at a
given date). The package ships a default set; `--authority DIR` adds to it, and a
file there with the same name replaces the default one.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from tei.errors import InputError
from tei.resources import authority_dir

KINDS = {"people.csv": "person", "places.csv": "place", "orgs.csv": "org"}
# Identifier columns and how each becomes an idno and a URL.
IDENTIFIERS = {
    "wikidata": "https://www.wikidata.org/wiki/{}",
    "viaf": "https://viaf.org/viaf/{}",
    "geonames": "https://www.geonames.org/{}",
}


@dataclass(frozen=True)
class Entity:
    id: str
    kind: str  # person, place, org
    name: str
    variants: tuple[str, ...]
    identifiers: tuple[tuple[str, str], ...]  # (type, value), in IDENTIFIERS order
    birth: str = ""
    death: str = ""

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


def _date_range(when: str) -> tuple[str, str]:
    if len(when) == 4:
        return when + "-01-01", when + "-12-31"
    if len(when) == 7:
        return when + "-01", when + "-31"
    return when, when


def load_authority(extra: Path | None = None) -> Authority:
    files = {p.name: p for p in sorted(authority_dir().glob("*.csv"))}
    if extra is not None:
        if not extra.is_dir():
            raise InputError(extra, "is not a folder of authority files (people.csv, places.csv, orgs.csv, roles.csv)")
        files.update({p.name: p for p in sorted(extra.glob("*.csv"))})
    entities: dict[str, Entity] = {}
    roles: list[Role] = []
    for name, path in sorted(files.items()):
        rows = _rows(path)
        if name == "roles.csv":
            roles.extend(Role(r["phrase"], r["id"], r["from"], r["to"]) for _, r in rows)
        elif name in KINDS:
            for line, row in rows:
                entity = _entity(row, KINDS[name])
                if entity.id in entities:
                    raise InputError(path, f"the id {entity.id!r} is used twice in the authority files", line)
                entities[entity.id] = entity
    for role in roles:
        if role.id not in entities:
            raise InputError(files["roles.csv"], f"role {role.phrase!r} names {role.id!r}, which no authority file has")
    return Authority(entities, tuple(roles))


def _rows(path: Path):
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            for line, row in enumerate(csv.DictReader(handle), 2):
                yield line, {k.strip(): (v or "").strip() for k, v in row.items() if k}
    except UnicodeDecodeError:
        raise InputError(path, "is not UTF-8; save the spreadsheet as CSV UTF-8") from None


def _entity(row: dict[str, str], kind: str) -> Entity:
    variants = [v.strip() for v in row.get("variants", "").split("|") if v.strip()]
    if row["name"] not in variants:
        variants.insert(0, row["name"])
    identifiers = tuple((k, row[k]) for k in IDENTIFIERS if row.get(k))
    return Entity(row["id"], kind, row["name"], tuple(variants), identifiers, row.get("birth", ""), row.get("death", ""))
