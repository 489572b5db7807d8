"""Where the toolkit keeps its data: layout profiles, schema, authority, templates.

Installed, they are sub-packages of `tei` (see pyproject.toml); run from a
checkout (`python -m tei` in the repository), they are the top-level folders.
"""

from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

_CHECKOUT = Path(__file__).resolve().parent.parent


def _folder(package: str, checkout_folder: str) -> Path:
    try:
        return Path(str(resources.files(package)))
    except ModuleNotFoundError:
        return _CHECKOUT / checkout_folder


def converters_dir() -> Path:
    return _folder("tei.converters", "converters")


def schema_dir() -> Path:
    return _folder("tei.schema", "schema")


def authority_dir() -> Path:
    return _folder("tei.default_authority", "sources/authority")


def templates_dir() -> Path:
    return Path(__file__).resolve().parent / "templates"


def project_schema() -> Path:
    return schema_dir() / "tei_transcripts.rng"


TEI_ALL_ENV = "TEI_ALL"


def tei_all(given: Path | None = None) -> Path:
    """TEI All: the copy `given`, else the one $TEI_ALL names, else the TEI Consortium's TEI All (P5 4.9.0)
    shipped with the toolkit and its licence notice (schema/TEI_ALL.md)."""
    if given is not None:
        return Path(given)
    env = os.environ.get(TEI_ALL_ENV, "").strip()
    return Path(env) if env else schema_dir() / "tei_all.rng"


def project_rules() -> Path:
    """The project rules beyond the grammar (ISO Schematron)."""
    return schema_dir() / "tei_transcripts.sch"
