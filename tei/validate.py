"""Validate TEI files against RELAX NG (.rng, with lxml) or XSD (.xsd, with xmlschema).

Compiled schemas are kept for the life of the process: TEI All takes seconds to
compile and is then used for every file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import xmlschema
from lxml import etree

from tei.errors import InputError, format_location
from tei.resources import project_schema
from tei.xmlread import parse_tei, parse_xml


@dataclass(frozen=True)
class Finding:
    path: str
    line: int | None
    column: int | None
    message: str
    schema: str
    level: str = "error"

    def __str__(self) -> str:
        return f"{format_location(self.path, self.line, self.column)}: {self.level}: {self.message}"


class Schema:
    """A compiled schema that turns a parsed document into findings."""

    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        if path.suffix == ".rng":
            try:
                self._rng = etree.RelaxNG(parse_xml(path))
            except etree.RelaxNGParseError as exc:
                raise InputError(path, f"is not a usable RELAX NG schema: {exc}") from None
            self._xsd = None
        elif path.suffix == ".xsd":
            try:
                self._xsd = xmlschema.XMLSchema(str(path))
            except (xmlschema.XMLSchemaException, etree.XMLSyntaxError, OSError) as exc:
                raise InputError(path, f"is not a usable XML Schema: {exc}") from None
            self._rng = None
        else:
            raise InputError(path, "is not a schema this validator reads (.rng or .xsd)")

    def check(self, tree: etree._ElementTree, path: Path) -> list[Finding]:
        if self._rng is not None:
            self._rng.validate(tree)
            lines = _source_lines(path) if len(self._rng.error_log) else []
            findings = []
            for e in self._rng.error_log:
                line = e.line or _only_element_line(tree, e.message)
                findings.append(Finding(str(path), line, e.column or _column(lines, line, e.message), e.message,
                                        self.name))
            return findings
        return [Finding(str(path), getattr(e, "sourceline", None), None,
                        e.reason or str(e).splitlines()[0], self.name)
                for e in self._xsd.iter_errors(tree)]


def _source_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


_NAMED = re.compile(r"(?:Element|Expecting element|Did not expect element) (\S+?)[ :,]")


def _element_named(message: str) -> str | None:
    """The local name of the element a libxml2 grammar message is about."""
    match = _NAMED.match(message)
    return match.group(1).split(":")[-1] if match else None


def _only_element_line(tree: etree._ElementTree, message: str) -> int | None:
    """libxml2 loses the line of some attribute errors; when the element named occurs once, it is that one."""
    name = _element_named(message)
    if name is None:
        return None
    found = tree.xpath("//*[local-name() = $name]", name=name)
    return found[0].sourceline if len(found) == 1 else None


def _column(lines: list[str], line: int | None, message: str) -> int | None:
    """libxml2 gives no column for grammar errors: point at the element's tag on its line."""
    name = _element_named(message)
    if not line or line > len(lines):
        return None
    found = lines[line - 1].find(f"<{name}") if name else -1
    return found + 1 if found >= 0 else len(lines[line - 1]) - len(lines[line - 1].lstrip()) + 1


@cache
def load_schema(path: Path) -> Schema:
    if not path.exists():
        raise InputError(path, "no such schema file")
    return Schema(path)


def default_schema() -> Schema:
    return load_schema(project_schema())


def validate_file(path: Path, schemas: list[Schema]) -> list[Finding]:
    """Findings for one file; a file that is not TEI or not XML is one finding that says so."""
    try:
        tree = parse_tei(path)
    except InputError as exc:
        return [Finding(exc.path, exc.line, exc.column, exc.message, "xml")]
    return [finding for schema in schemas for finding in schema.check(tree, path)]
