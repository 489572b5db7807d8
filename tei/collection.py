"""What an export says about the collection as a whole: its title, creators, publisher, licence...

Kept as data, in a TOML file the editors write once (`collection.toml`; the
samples' is `sources/collection.toml`). Whatever it leaves out is taken from
the documents where they say it (publisher, languages, dates covered) or left
empty; an exporter that needs a field which is missing reports it.

    title = "Harriman cables, 1945"
    description = "..."
    publisher = "..."
    publication_year = 2026
    licence = "https://creativecommons.org/licenses/by/4.0/"
    url = "https://example.org/edition/"        # where the edition is published
    email = "editor@example.org"                # CMIF asks for the editor's address
    source_organization = "..."                 # BagIt's Source-Organization
    keywords = ["Cold War", "diplomacy"]
    [[creators]]
    name = "Doe, Jane"
    orcid = "0000-0002-1825-0097"
    affiliation = "..."
    [[contributors]]
    name = "..."
    role = "Editor"                             # a DataCite contributorType
"""

from __future__ import annotations

import datetime
import os
from dataclasses import dataclass, field
from pathlib import Path

from tei.datafiles import load_toml
from tei.metadata import DocumentMetadata


def export_date() -> datetime.date:
    """Today, or the date of SOURCE_DATE_EPOCH when set, so that a rebuild gives the same bytes."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch and epoch.strip().isdigit():
        return datetime.datetime.fromtimestamp(int(epoch), datetime.timezone.utc).date()
    return datetime.date.today()

DEFAULT_FILES = (Path("collection.toml"), Path("sources") / "collection.toml")


@dataclass(frozen=True)
class Agent:
    name: str
    orcid: str = ""
    affiliation: str = ""
    role: str = ""  # for contributors: a DataCite contributorType (Editor, DataCurator, ...)
    email: str = ""


@dataclass(frozen=True)
class Collection:
    title: str
    description: str = ""
    creators: tuple[Agent, ...] = ()
    contributors: tuple[Agent, ...] = ()
    publisher: str = ""
    publication_year: str = ""
    licence: str = ""  # the licence's URL
    url: str = ""  # where the edition is published
    email: str = ""
    identifier: str = ""  # a DOI, if the collection has one
    source_organization: str = ""
    keywords: tuple[str, ...] = ()
    languages: tuple[str, ...] = ()
    dates: tuple[str | None, str | None] = (None, None)  # the earliest and latest document dates
    source: Path | None = None  # the file it was read from
    extra: dict = field(default_factory=dict)  # keys this version does not know, kept for the exporters


_KNOWN = {"title", "description", "creators", "contributors", "publisher", "publication_year", "licence", "license",
          "url", "email", "identifier", "doi", "source_organization", "keywords", "languages"}


def _agents(rows) -> tuple[Agent, ...]:  # tables each with a name: collection.schema.json says so
    if rows is None:
        return ()
    return tuple(Agent(name=r["name"], orcid=str(r.get("orcid", "")), affiliation=str(r.get("affiliation", "")),
                       role=str(r.get("role", "")), email=str(r.get("email", ""))) for r in rows)


def load_collection(path: Path | None, documents: list[DocumentMetadata]) -> Collection:
    """The collection described by `path` (or the first of DEFAULT_FILES that exists), completed from the
    documents. With no file at all, a collection titled after its documents' publisher."""
    if path is None:
        path = next((p for p in DEFAULT_FILES if p.is_file()), None)
    data: dict = {}
    if path is not None:
        data = load_toml(path, "collection", "a collection file")  # checked against collection.schema.json
    dates = [d for doc in documents for d in (doc.date, *doc.date_range) if d]
    # "1945-07" starts before "1945-07-03" and ends after it: compare the first and last day each can mean.
    first = min(dates, key=lambda d: d + "-00" * (2 - d.count("-")), default=None)
    last = max(dates, key=lambda d: d + "-99" * (2 - d.count("-")), default=None)
    publishers = [d.publisher for d in documents if d.publisher]
    languages = tuple(dict.fromkeys(lang for d in documents for lang in d.languages))
    title = str(data.get("title") or (f"Documents from {publishers[0]}" if publishers else "TEI documents"))
    return Collection(
        title=title, description=str(data.get("description", "")),
        creators=_agents(data.get("creators")),
        contributors=_agents(data.get("contributors")),
        publisher=str(data.get("publisher") or (publishers[0] if publishers else "")),
        publication_year=str(data.get("publication_year") or export_date().year),
        licence=str(data.get("licence") or data.get("license") or ""),
        url=str(data.get("url", "")), email=str(data.get("email", "")),
        identifier=str(data.get("identifier") or data.get("doi") or ""),
        source_organization=str(data.get("source_organization") or data.get("publisher") or ""),
        keywords=tuple(str(k) for k in data.get("keywords", ())),
        languages=tuple(str(k) for k in data.get("languages", ())) or languages,
        dates=(first, last),
        source=path, extra={k: v for k, v in data.items() if k not in _KNOWN})
