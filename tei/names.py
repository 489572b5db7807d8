"""The names pass: mentions of people, places and organisations, linked to the authority.

Every variant in the authority is looked for as a whole word, as written, with a
capital first letter (at the start of a sentence), or in capitals (cable
headings). Role names ("the President") are resolved by the document's date.
"""

from __future__ import annotations

import re
from functools import cache

from tei.authority import Authority
from tei.spans import Span


@cache
def _gazetteer(authority: Authority) -> tuple[re.Pattern, dict[str, tuple[str, str | None]]]:
    """One pattern for every name, longest first, and the name -> (entity id or '', role phrase) table."""
    table: dict[str, tuple[str, str | None]] = {}
    for entity in authority.entities.values():
        for variant in entity.variants:
            table.setdefault(variant.casefold(), (entity.id, None))
    for role in authority.roles:
        table[role.phrase.casefold()] = ("", role.phrase)
    names = sorted(table, key=len, reverse=True)
    pattern = re.compile(r"(?<![\w.])(?:" + "|".join(re.escape(n) for n in names) + r")(?![\w])", re.IGNORECASE)
    written = {}
    for entity in authority.entities.values():
        for variant in entity.variants:
            written.setdefault(variant.casefold(), set()).add(variant)
    for role in authority.roles:
        written.setdefault(role.phrase.casefold(), set()).add(role.phrase)
    return pattern, table, written


def _as_written(found: str, forms: set[str]) -> bool:
    """Accept `found` only in a form a name takes: as listed, capitalised, or all in capitals."""
    return any(found in (form, form[0].upper() + form[1:], form.upper()) for form in forms)


def name_spans(text: str, authority: Authority, when: str | None) -> list[Span]:
    if not authority.entities:
        return []
    pattern, table, written = _gazetteer(authority)
    spans = []
    for match in pattern.finditer(text):
        found = match.group()
        key = found.casefold()
        if not _as_written(found, written[key]):
            continue
        entity_id, role = table[key]
        if role is not None:
            holders = authority.holders(role, when)
            if len(holders) != 1:
                continue  # the date does not settle who is meant: leave it unmarked
            entity_id = holders.pop()
        entity = authority.entities[entity_id]
        spans.append(Span(match.start(), match.end(), entity.tag, (("ref", "#" + entity.id),), priority=40,
                          rule="role" if role else "name"))
    return spans
