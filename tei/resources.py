"""Where the installed package keeps its data: layout profiles, schema, authority, templates."""

from __future__ import annotations

from importlib import resources
from pathlib import Path


def _folder(package: str) -> Path:
    return Path(str(resources.files(package)))


def converters_dir() -> Path:
    return _folder("tei.converters")


def schema_dir() -> Path:
    return _folder("tei.schema")


def authority_dir() -> Path:
    return _folder("tei.default_authority")


def templates_dir() -> Path:
    return _folder("tei.templates")


def project_schema() -> Path:
    return schema_dir() / "tei_transcripts.rng"
