"""Authority identifiers: what each scheme's values look like, where a reader sees the record, and the URI
that linked-data consumers (CMIF, DataCite) expect. One table, used by the authority files, the
reading edition's cards and the exports.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Scheme:
    key: str  # the idno @type, and the authority CSV column
    label: str
    page: str  # a record's page for readers, {} the value
    uri: str  # the record's URI as correspSearch and DataCite use it
    pattern: re.Pattern
    kinds: frozenset[str]  # person, place, org: what the scheme identifies

    def value_in(self, text: str) -> str | None:
        match = self.pattern.search(text)
        return match.group() if match else None


SCHEMES = {s.key: s for s in [
    Scheme("wikidata", "Wikidata", "https://www.wikidata.org/wiki/{}", "http://www.wikidata.org/entity/{}",
           re.compile(r"Q[1-9]\d*"), frozenset({"person", "place", "org"})),
    Scheme("viaf", "VIAF", "https://viaf.org/viaf/{}", "http://viaf.org/viaf/{}", re.compile(r"[1-9]\d{0,21}"),
           frozenset({"person", "org"})),
    Scheme("geonames", "GeoNames", "https://www.geonames.org/{}", "http://www.geonames.org/{}",
           re.compile(r"[1-9]\d{0,9}"), frozenset({"place"})),
    Scheme("gnd", "GND", "https://d-nb.info/gnd/{}", "http://d-nb.info/gnd/{}", re.compile(r"[0-9X-]{3,}"),
           frozenset({"person", "place", "org"})),
    Scheme("lc", "Library of Congress", "https://id.loc.gov/authorities/names/{}.html",
           "http://id.loc.gov/authorities/names/{}", re.compile(r"n[a-z]?\d+"), frozenset({"person", "org"})),
]}


def records(idnos) -> list[tuple[Scheme, str]]:
    """(scheme, value) for each (type, text) pair whose type is a known scheme and whose text holds a value."""
    found = []
    for kind, text in idnos:
        scheme = SCHEMES.get((kind or "").lower())
        value = scheme.value_in(text) if scheme else None
        if value:
            found.append((scheme, value))
    return found
