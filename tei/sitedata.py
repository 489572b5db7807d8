"""What the edition's shared pages are made from, kept in an SQLite file.

The index, the search index and the entity pages need something of every document:
its title and date, the entities it names, passages around those names, its search
terms. As Python objects that is about 70 MB per 1,000 documents, so a 10,000-document
edition would not fit the goal of memory that does not grow with the corpus. Here each
document's listing is a few rows; the shared pages read them back in edition order, one
document or one entity at a time, and the search index is sorted by SQLite, not in memory.

`tei build` keeps the file between runs (OUT/.tei-build/site.sqlite), so an unchanged
document is not listed again; `tei render` uses a temporary one. Rows are replaced in
transactions, so a killed build leaves the file as it was before the transaction.
"""

from __future__ import annotations

import contextlib
import dataclasses
import errno
import os
import pickle
import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

_SCHEMA = """
CREATE TABLE IF NOT EXISTS documents (
    stem TEXT PRIMARY KEY, listed_from TEXT,
    undated INTEGER NOT NULL, date TEXT NOT NULL, title_key TEXT NOT NULL,  -- the edition order (Page.sort_key)
    href TEXT NOT NULL, title TEXT NOT NULL, head BLOB NOT NULL, position INTEGER);
CREATE TABLE IF NOT EXISTS involved (stem TEXT NOT NULL, id TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS records (stem TEXT NOT NULL, id TEXT NOT NULL, record BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS passages (stem TEXT NOT NULL, id TEXT NOT NULL, seq INTEGER NOT NULL, anchor TEXT NOT NULL,
                                     before TEXT NOT NULL, name TEXT NOT NULL, after TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS counts (stem TEXT NOT NULL, id TEXT NOT NULL, count INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS terms (stem TEXT NOT NULL, term TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS involved_id ON involved (id, stem);
CREATE INDEX IF NOT EXISTS involved_stem ON involved (stem);
CREATE INDEX IF NOT EXISTS records_stem ON records (stem);
CREATE INDEX IF NOT EXISTS passages_id ON passages (id, stem, seq);
CREATE INDEX IF NOT EXISTS passages_stem ON passages (stem);
CREATE INDEX IF NOT EXISTS counts_stem ON counts (stem);
CREATE INDEX IF NOT EXISTS counts_id ON counts (id);
CREATE INDEX IF NOT EXISTS terms_stem ON terms (stem);
"""
_PER_DOCUMENT = ("involved", "records", "passages", "counts", "terms")
# SQLite compares TEXT as UTF-8 bytes, which sorts as Python sorts str (by code point), so ORDER BY
# gives the same edition order as sorted(key=Page.sort_key) and the same term order as sorted().
_ORDER = "undated, date, title_key, stem"


# SQLite's result codes for a file it could not write, as the OSError they stand for (its exception names neither
# the file nor the cause the way every other write's error does).
_OS_ERRORS = {sqlite3.SQLITE_FULL: errno.ENOSPC, sqlite3.SQLITE_READONLY: errno.EROFS, sqlite3.SQLITE_IOERR: errno.EIO,
              sqlite3.SQLITE_CANTOPEN: errno.EACCES}


@contextlib.contextmanager
def os_errors(path: Path):
    """SQLite's "database or disk is full" (and the like) on `path` raised as an OSError naming the file. The
    transaction it broke has been rolled back: the file is as it was before it."""
    try:
        yield
    except sqlite3.OperationalError as exc:
        code = _OS_ERRORS.get((getattr(exc, "sqlite_errorcode", None) or 0) & 0xFF)
        if code is None:
            raise
        raise OSError(code, os.strerror(code), str(path)) from None


class SiteData:
    """The listings of an edition's documents (tei.edition.Listing), in an SQLite file."""

    def __init__(self, path: Path, *, read_only: bool = False):
        self.path = Path(path)
        if read_only:
            self.db = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True)
        else:
            self.db = sqlite3.connect(self.path)
            self.db.executescript(_SCHEMA)

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> "SiteData":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- writing

    def listed_from(self) -> dict[str, str | None]:
        """stem -> what the document was listed from (the build's hash of its TEI)."""
        return dict(self.db.execute("SELECT stem, listed_from FROM documents"))

    def put(self, listing, listed_from: str | None = None) -> None:
        """Add or replace one document's listing (inside the caller's `with data.db:` transaction)."""
        self.remove([listing.stem])
        head = dataclasses.replace(listing, entities={}, passages=[], mention_counts={}, terms=[])
        undated, date, title_key, stem = listing.sort_key
        self.db.execute("INSERT INTO documents VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
                        (stem, listed_from, undated, date, title_key, listing.href, listing.title,
                         pickle.dumps(head, protocol=4)))
        ids = sorted({ident for kind_ids in listing.involved.values() for ident in kind_ids})
        self.db.executemany("INSERT INTO involved VALUES (?, ?)", [(stem, ident) for ident in ids])
        self.db.executemany("INSERT INTO records VALUES (?, ?, ?)",
                            [(stem, ident, pickle.dumps(entity, protocol=4))
                             for ident, entity in listing.entities.items()])
        self.db.executemany("INSERT INTO passages VALUES (?, ?, ?, ?, ?, ?, ?)",
                            [(stem, ident, seq, anchor, before, name, after)
                             for seq, (ident, anchor, before, name, after) in enumerate(listing.passages)])
        self.db.executemany("INSERT INTO counts VALUES (?, ?, ?)",
                            [(stem, ident, count) for ident, count in listing.mention_counts.items()])
        self.db.executemany("INSERT INTO terms VALUES (?, ?)", [(stem, term) for term in listing.terms])

    def keep_only(self, stems) -> list[str]:
        """Drop the documents not among `stems` (deleted, or no longer readable); returns those that went."""
        keep = set(stems)
        gone = [stem for stem in self.listed_from() if stem not in keep]
        self.remove(gone)
        return gone

    def entity_ids(self, stems: list[str]) -> set[str]:
        """The entities these documents name or hold a record of: the entity pages they are part of."""
        found: set[str] = set()
        for i in range(0, len(stems), 500):  # SQLite takes a limited number of parameters
            chunk = stems[i:i + 500]
            marks = ",".join("?" * len(chunk))
            found.update(ident for (ident,) in self.db.execute(
                f"SELECT id FROM involved WHERE stem IN ({marks}) UNION SELECT id FROM records WHERE stem IN ({marks})",
                chunk + chunk))
        return found

    def remove(self, stems: list[str]) -> None:
        for stem in stems:
            if self.db.execute("DELETE FROM documents WHERE stem = ?", (stem,)).rowcount:  # else it has no rows
                for table in _PER_DOCUMENT:
                    self.db.execute(f"DELETE FROM {table} WHERE stem = ?", (stem,))

    def clear(self) -> None:
        for table in ("documents", *_PER_DOCUMENT):
            self.db.execute(f"DELETE FROM {table}")

    def number(self) -> int:
        """Give every document its place in the edition order; returns how many there are."""
        stems = [stem for (stem,) in self.db.execute(f"SELECT stem FROM documents ORDER BY {_ORDER}")]
        self.db.executemany("UPDATE documents SET position = ? WHERE stem = ?", enumerate(stems))
        return len(stems)

    # -- reading (after number())

    def __len__(self) -> int:
        return self.db.execute("SELECT COUNT(*) FROM documents").fetchone()[0]

    def sequence(self) -> Iterator[tuple[str, str, str]]:
        """(stem, href, title) of each document, in edition order: what previous/next links need."""
        return self.db.execute("SELECT stem, href, title FROM documents ORDER BY position")

    def pages(self) -> "Pages":
        """Every document's listing (without passages, terms or entity records), in edition order."""
        return Pages(self, len(self), "", ())

    def merged_entities(self) -> dict:
        """Every entity record, one per id: where documents differ, `richer` of the two, in edition order."""
        from tei.edition import richer

        entities: dict = {}
        for ident, record in self.db.execute("SELECT r.id, r.record FROM records r JOIN documents d USING (stem) "
                                             "ORDER BY r.id, d.position"):
            entity = pickle.loads(record)
            entities[ident] = richer(entities[ident], entity) if ident in entities else entity
        return entities

    def document_counts(self) -> Iterator[tuple[str, int]]:
        """(entity id, number of documents naming it), by id."""
        return self.db.execute("SELECT id, COUNT(*) FROM involved GROUP BY id ORDER BY id")

    def naming(self, ident: str, count: int) -> "Pages":
        """The listings of the documents that name this entity, in edition order."""
        return Pages(self, count, "WHERE stem IN (SELECT stem FROM involved WHERE id = ?)", (ident,))

    def passages(self, ident: str) -> "Passages":
        """stem -> [Passage] quoted for this entity, read per document when asked for (an
        entity named in every document of a big edition has more passages than should be held at once)."""
        return Passages(self, ident)

    def mention_counts(self, ident: str) -> dict[str, int]:
        """stem -> how many names in the document point to this entity."""
        return dict(self.db.execute("SELECT stem, count FROM counts WHERE id = ?", (ident,)))

    def postings(self) -> Iterator[tuple[str, int]]:
        """(term, document number) sorted by term and then number: the search index, sorted on disk."""
        return self.db.execute("SELECT t.term, d.position FROM terms t JOIN documents d USING (stem) "
                               "ORDER BY t.term, d.position")


class Pages(Sequence):
    """Listings read from the file as they are iterated; len() without reading them (templates use both)."""

    def __init__(self, data: SiteData, count: int, where: str, parameters: tuple):
        self.data, self.count, self.where, self.parameters = data, count, where, parameters

    def __len__(self) -> int:
        return self.count

    def __iter__(self):
        for (head,) in self.data.db.execute(f"SELECT head FROM documents {self.where} ORDER BY position",
                                            self.parameters):
            yield pickle.loads(head)

    def __getitem__(self, index):
        if isinstance(index, slice):
            return list(self)[index]
        if index < 0:
            index += self.count
        if not 0 <= index < self.count:
            raise IndexError(index)
        row = self.data.db.execute(f"SELECT head FROM documents {self.where} ORDER BY position LIMIT 1 OFFSET ?",
                                   (*self.parameters, index)).fetchone()
        return pickle.loads(row[0])


class Passage(NamedTuple):
    """Words around one mention of an entity, as its page quotes them."""
    anchor: str
    before: str
    name: str
    after: str


class Passages(Mapping):
    """The passages quoted for one entity, by document stem, each document's read when it is asked for."""

    def __init__(self, data: SiteData, ident: str):
        self.data, self.ident = data, ident

    def __getitem__(self, stem: str) -> list[Passage]:
        found = [Passage(*row) for row in self.data.db.execute(
            "SELECT anchor, before, name, after FROM passages WHERE id = ? AND stem = ? ORDER BY seq", (self.ident, stem))]
        if not found:
            raise KeyError(stem)
        return found

    def __iter__(self):
        return (stem for (stem,) in self.data.db.execute("SELECT DISTINCT stem FROM passages WHERE id = ? ORDER BY stem",
                                                          (self.ident,)))

    def __len__(self) -> int:
        return self.data.db.execute("SELECT COUNT(DISTINCT stem) FROM passages WHERE id = ?", (self.ident,)).fetchone()[0]
