"""`tei export FORMAT`: the edition in the formats other systems harvest or ingest.

One module per format, each mapping the shared metadata view (tei.metadata)
and the collection (tei.collection) to its format. Every exporter builds its
output in memory (or in a temporary folder), checks it with the receiving
side's rules, and only then writes it: an export that fails its check raises
ExportInvalid and writes nothing. Problems that do not stop an export (a
letter without a date, left out of CMIF) are returned as Problems.

An exporter is `export(job: ExportJob) -> list[Problem]`, registered in FORMATS.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from tei.collection import Collection, export_date
from tei.metadata import DocumentMetadata

__all__ = ["FORMATS", "Problem", "ExportInvalid", "ExportJob", "export_date", "document_order", "exporter"]

# format name -> (module under tei.export, what -o names, one line of help)
FORMATS = {
    "cmif": ("cmif", "file", "one CMIF file (TEI correspDesc per letter) for correspSearch"),
    "teicorpus": ("teicorpus", "file", "one teiCorpus file with every document, valid against TEI All"),
    "bagit": ("bagit_bag", "folder", "a BagIt bag (RFC 8493): TEI, transcripts, HTML and metadata"),
    "datacite": ("datacite", "file", "DataCite 4 JSON for the collection"),
    "zenodo": ("zenodo", "file", "Zenodo's .zenodo.json for the collection"),
    "dc": ("dublin_core", "folder", "one oai_dc Dublin Core record per document"),
    "csv": ("tables", "folder", "people.csv, places.csv, organisations.csv with identifiers and mentions"),
}


@dataclass(frozen=True)
class Problem:
    path: Path | None
    message: str
    level: str = "warning"  # warning: exported anyway or left out; error: the export did not happen

    def __str__(self) -> str:
        return f"{self.path}: {self.level}: {self.message}" if self.path else f"{self.level}: {self.message}"


class ExportInvalid(Exception):
    """The export failed the receiving side's check; nothing was written."""


@dataclass(frozen=True)
class ExportJob:
    documents: tuple[DocumentMetadata, ...]  # in a stable order: by date, then file name
    collection: Collection
    out: Path
    sources: Path | None = None  # the folder of the plain-text transcripts, for formats that carry them
    html: Path | None = None  # a rendered edition, for formats that carry it
    tei_all: Path | None = None  # TEI All (tei_all.rng), to check TEI outputs against (cmif, teicorpus)
    force: bool = False  # replace an output folder that holds files the export did not make (files.staged_folder)
    csv_raw: bool = False  # csv: values as they are, not made safe for spreadsheets (tei.spreadsheet)


def document_order(doc: DocumentMetadata) -> tuple:
    return (doc.date is None and doc.date_range == (None, None), doc.date or doc.date_range[0] or "", doc.stem)


def exporter(name: str):
    """The export function of a format."""
    module, _, _ = FORMATS[name]
    return import_module(f"tei.export.{module}").export
