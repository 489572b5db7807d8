"""Validating TEI files: the checks a schema file brings, and batches of files over all cores.

A schema file becomes one or more checks, each with `.name` and
`.check(tree, path) -> list[Finding]`:
- `.rng`: the grammar (tei.grammar), plus the Schematron rules embedded in it;
- `.xsd`: the XML Schema, XSD 1.1 with assertions (xmlschema);
- `.sch`: ISO Schematron (tei.schematron).
Checks are compiled once per process and kept.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache, partial
from pathlib import Path

from lxml import etree

from tei.errors import InputError
from tei.files import MAX_INPUT_BYTES, not_regular
from tei.findings import Finding
from tei.grammar import RelaxNGSchema
from tei.resources import project_rules, project_schema
from tei.schematron import SchematronSchema, embedded_schematron
from tei.workers import WorkerPool
from tei.xmlread import parse_tei, parse_xml, too_large

SCHEMA_SUFFIXES = (".rng", ".xsd", ".sch")
MAX_BYTES = MAX_INPUT_BYTES  # a TEI file larger than this is reported, not read (see --max-size)
PARALLEL_FROM = 64  # files per batch below which --jobs auto stays in one process


class XSDSchema:
    def __init__(self, path: Path):
        self.path = path
        self.name = path.name
        import xmlschema  # only when an .xsd is asked for: it takes a fifth of a second to import

        try:
            self._xsd = xmlschema.XMLSchema11(str(path))
        except (xmlschema.XMLSchemaException, etree.XMLSyntaxError, OSError) as exc:
            raise InputError(path, f"is not a usable XML Schema: {str(exc).splitlines()[0]}") from None

    def check(self, tree: etree._ElementTree, path: Path) -> list[Finding]:
        return [Finding(str(path), getattr(e, "sourceline", None), None, e.reason or str(e).splitlines()[0],
                        _xsd_rule(e), self.name)
                for e in self._xsd.iter_errors(tree)]


def _xsd_rule(error) -> str:
    validator = type(getattr(error, "validator", None)).__name__
    return {"XsdAssert": "assertion", "XsdAttribute": "invalid-attribute", "XsdElement": "invalid-element",
            "XsdGroup": "invalid-content"}.get(validator, "xsd")


@cache
def load_checks(path: Path, embedded_rules: bool = True) -> tuple:
    """The checks of one schema file; an InputError if it is missing or unusable."""
    refused = not_regular(path, "a schema")  # xmlschema and Saxon would open a FIFO and wait
    if refused:
        raise InputError(path, "no such schema file") if "no such" in refused.message else refused
    if path.suffix == ".rng":
        tree = parse_xml(path)
        rules = embedded_schematron(tree) if embedded_rules else None  # copied out before the grammar strips them
        grammar = RelaxNGSchema(path, tree)
        return (grammar,) + ((SchematronSchema(path, rules, path.name),) if rules is not None else ())
    if path.suffix == ".xsd":
        return (XSDSchema(path),)
    if path.suffix == ".sch":
        return (SchematronSchema(path),)
    raise InputError(path, f"is not a schema this validator reads ({', '.join(SCHEMA_SUFFIXES)})")


def default_schema_files() -> list[Path]:
    """The project's grammar and its rules, used when no --schema is given."""
    return [project_schema(), project_rules()]


def default_checks() -> list:
    return [check for path in default_schema_files() for check in load_checks(path)]


def check_tree(tree: etree._ElementTree, path: Path, checks: Iterable) -> list[Finding]:
    return sorted((f for check in checks for f in check.check(tree, path)), key=Finding.sort_key)


def validate_file(path: Path, checks: Iterable, max_bytes: int = MAX_BYTES) -> list[Finding]:
    """Findings for one file; a file that is not TEI or not XML is one finding that says so."""
    return _validate(path, list(checks), max_bytes).findings


@dataclass
class FileResult:
    path: Path
    findings: list[Finding]
    ids: list[tuple[str, int]] = field(default_factory=list)  # (xml:id, line), for checks across files


def _validate(path: Path, checks: list, max_bytes: int, want_ids: bool = False) -> FileResult:
    try:
        tree = parse_tei(path, max_bytes, ", the most this run reads (raise it with --max-size)")
    except InputError as exc:
        rule = "not-well-formed" if "well-formed" in exc.message else "not-tei" if "not TEI" in exc.message \
            else "external-entity" if "external entity" in exc.message \
            else "too-large" if "too large" in exc.message or "--max-size" in exc.message else "unreadable"
        return FileResult(path, [Finding(exc.path, exc.line, exc.column, exc.message, rule, "xml")])
    try:
        ids = [(e.get(_XML_ID), e.sourceline) for e in tree.iter() if isinstance(e.tag, str) and e.get(_XML_ID)] \
            if want_ids else []
        return FileResult(path, check_tree(tree, path, checks), ids)
    except MemoryError:  # read, but too large to check: this file's finding, and the batch goes on
        del tree
        return FileResult(path, [Finding(str(path), None, None, too_large(path).message, "too-large", "xml")])


_XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


# --- batches ----------------------------------------------------------------------------------

_worker_checks: list = []


def _start_worker(schema_files: list[Path], embedded_rules: bool) -> None:
    global _worker_checks
    _worker_checks = [c for p in schema_files for c in load_checks(p, embedded_rules)]


def _validate_here(path: Path, max_bytes: int, want_ids: bool) -> FileResult:
    """One file, with the checks this worker set up."""
    return _validate(path, _worker_checks, max_bytes, want_ids)


def validate_batch(paths: list[Path], schema_files: list[Path], jobs: int = 0, embedded_rules: bool = True,
                   max_bytes: int = MAX_BYTES, want_ids: bool = False) -> Iterator[FileResult]:
    """Each file's result, in the order given. jobs=0: one process per core for big batches."""
    jobs = jobs or (min(os.cpu_count() or 1, 8) if len(paths) >= PARALLEL_FROM else 1)
    jobs = max(1, min(jobs, len(paths)))
    if jobs == 1:
        _start_worker(schema_files, embedded_rules)
        for path in paths:
            yield _validate(path, _worker_checks, max_bytes, want_ids)
        return
    pool = WorkerPool(jobs, _start_worker, (schema_files, embedded_rules))
    stopped = True  # until every result is given: Ctrl-C, or a caller that stops reading, stops the workers
    try:
        # Chunks big enough to amortise the hand-over, small enough to share the work evenly.
        yield from pool.map(partial(_validate_here, max_bytes=max_bytes, want_ids=want_ids), paths,
                            max(1, min(64, len(paths) // (jobs * 4))))
        stopped = False
    finally:
        pool.close(interrupted=stopped)


def id_collisions(results: Iterable[FileResult]) -> list[Finding]:
    """An xml:id used in more than one file: a corpus whose files are combined needs each id once."""
    first: dict[str, tuple[FileResult, int]] = {}  # id: where it was first used
    findings = []
    for result in results:
        for value, line in result.ids:
            if value not in first:
                first[value] = (result, line)
            elif first[value][0] is not result:
                where, where_line = first[value]
                findings.append(Finding(str(result.path), line, None,
                                        f'the id "{value}" is also used in {where.path}:{where_line}; '
                                        "ids must be unique across the corpus", "corpus-id-collision", "corpus"))
    return findings
