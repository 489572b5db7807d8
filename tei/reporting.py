"""Findings written for people and for machines: human, json, junit, github, and a Markdown summary.

Each writer takes the files checked (in order) and their findings, and returns text.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Sequence

from lxml import etree

from tei.findings import Finding

FORMATS = ("human", "json", "junit", "github")
_COLOURS = {"error": "red", "warning": "yellow", "info": "cyan"}

Results = Sequence[tuple[str, Sequence[Finding]]]  # (file, its findings), every file checked


def counts(results: Results) -> Counter:
    tally = Counter(f.level for _, findings in results for f in findings)
    tally["files"] = len(results)
    tally["failed"] = sum(any(f.level == "error" for f in findings) for _, findings in results)
    return tally


def summary_line(results: Results, schemas: Sequence[str]) -> str:
    tally = counts(results)
    valid = tally["files"] - tally["failed"]
    return (f"{valid} of {tally['files']} file(s) valid against {', '.join(schemas)}: "
            f"{tally['error']} error(s), {tally['warning']} warning(s)"
            + (f", {tally['info']} note(s)" if tally["info"] else ""))


def human(results: Results, colour: bool = False) -> str:
    """`file:line:column: level: message [rule]`, files in order, a blank line between files with findings."""
    import click

    blocks = []
    for _, findings in results:
        if findings:
            lines = []
            for finding in findings:
                text = str(finding)
                if colour:
                    head, _, rest = text.partition(f" {finding.level}: ")
                    text = f"{head} {click.style(finding.level + ':', fg=_COLOURS[finding.level], bold=True)} {rest}"
                lines.append(text)
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks) + ("\n" if blocks else "")


def as_json(results: Results) -> str:
    """A JSON array with one object per finding: file, line, column, level, message, rule, schema."""
    return json.dumps([f.as_dict() for _, findings in results for f in findings], indent=1, ensure_ascii=False) + "\n"


def junit(results: Results, name: str = "tei validate") -> str:
    """JUnit XML: one test case per file, a <failure> for its errors; warnings go to <system-out>."""
    tally = counts(results)
    suites = etree.Element("testsuites", name=name, tests=str(tally["files"]), failures=str(tally["failed"]))
    suite = etree.SubElement(suites, "testsuite", name=name, tests=str(tally["files"]),
                             failures=str(tally["failed"]), errors="0", skipped="0")
    for path, findings in results:
        case = etree.SubElement(suite, "testcase", name=path, classname="tei.validate", file=path)
        errors = [f for f in findings if f.level == "error"]
        if errors:
            failure = etree.SubElement(case, "failure", type=errors[0].rule,
                                       message=f"{len(errors)} error(s); first: {errors[0].message}")
            failure.text = "\n".join(map(str, errors))
        others = [f for f in findings if f.level != "error"]
        if others:
            etree.SubElement(case, "system-out").text = "\n".join(map(str, others))
    return etree.tostring(suites, xml_declaration=True, encoding="UTF-8", pretty_print=True).decode("utf-8")


def github(results: Results) -> str:
    """GitHub Actions workflow commands: `::error file=…,line=…,col=…,title=…::message`."""
    out = []
    for _, findings in results:
        for f in findings:
            level = {"error": "error", "warning": "warning"}.get(f.level, "notice")
            props = [f"file={_property(f.path)}"]
            if f.line:
                props.append(f"line={f.line}")
                if f.column:
                    props.append(f"col={f.column}")
            props.append(f"title={_property(f'{f.rule} ({f.schema})')}")
            out.append(f"::{level} {','.join(props)}::{_data(f.message)}")
    return "\n".join(out) + ("\n" if out else "")


def _data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")


WRITERS = {"human": human, "json": as_json, "junit": junit, "github": github}


def markdown_summary(results: Results, schemas: Sequence[str], limit: int = 50) -> str:
    """The job summary GitHub shows (GITHUB_STEP_SUMMARY): a table of files with findings."""
    lines = ["## TEI validation", "", summary_line(results, schemas), ""]
    with_findings = [(p, fs) for p, fs in results if fs]
    if with_findings:
        lines += ["| File | Errors | Warnings | First finding |", "|---|---:|---:|---|"]
        for path, findings in with_findings[:limit]:
            tally = Counter(f.level for f in findings)
            first = findings[0]
            where = f"{first.line}" if first.line else ""
            lines.append(f"| `{_cell(path)}` | {tally['error']} | {tally['warning']} | "
                         f"{where}: {_cell(first.message)} `{first.rule}` |")
        if len(with_findings) > limit:
            lines.append(f"\n… and {len(with_findings) - limit} more file(s) with findings.")
    return "\n".join(lines) + "\n"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")
