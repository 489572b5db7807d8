"""Where the toolkit keeps its data: layout profiles, schema, authority, templates.

Installed, they are sub-packages of `tei` (see pyproject.toml); run from a
checkout (`python -m tei` in the repository), they are the top-level folders.
"""

from __future__ import annotations

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


def project_rules() -> Path:
    """The project rules beyond the grammar (ISO Schematron)."""
    return schema_dir() / "tei_transcripts.sch"
