"""Checks shared by the exports that are TEI themselves (cmif, teicorpus): well-formedness, TEI All, dates.

TEI All is the copy the job names (`tei export --tei-all`), else the one the environment variable TEI_ALL
names, else the one shipped with the toolkit (tei.resources.tei_all). Its grammar and its embedded Schematron
rules are run (tei.validate, pruned to the elements the export uses, so a check takes milliseconds once the
grammar is read).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from lxml import etree

from tei import TEI_NS, XML_NS
from tei.dates import date_span
from tei.export import ExportInvalid, ExportJob, Problem

T = f"{{{TEI_NS}}}"
XML_ID = f"{{{XML_NS}}}id"
_SHOWN = 8  # findings quoted in an ExportInvalid message


def indent(el: etree._Element, level: int = 0, space: str = "  ") -> None:
    """Indent an element built in memory, leaving mixed content (an element with text) exactly as it is."""
    children = [c for c in el]
    if not children or (el.text or "").strip() or any((c.tail or "").strip() for c in children):
        return
    el.text = "\n" + space * (level + 1)
    for child in children:
        indent(child, level + 1, space)
        child.tail = "\n" + space * (level + 1)
    children[-1].tail = "\n" + space * level


def parse_export(data: bytes, what: str) -> etree._ElementTree:
    """The serialised export parsed back: it must be well-formed (an ExportInvalid if not)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True,
                             collect_ids=False)
    try:
        return etree.ElementTree(etree.fromstring(data, parser))
    except etree.XMLSyntaxError as exc:
        raise ExportInvalid(f"the {what} is not well-formed XML: {exc}") from None


def check_tei_all(tree: etree._ElementTree, job: ExportJob, what: str,
                  where: Callable[[int | None], str] = lambda line: "") -> list[Problem]:
    """Validate against TEI All (grammar and embedded rules). Errors raise ExportInvalid quoting them
    (`where(line)` may name the part of the export a line belongs to); warnings are returned."""
    from tei.resources import tei_all
    from tei.validate import check_tree, load_checks  # the validator is only needed here

    path = tei_all(job.tei_all)

    checks = load_checks(path.resolve())  # an InputError if the file is missing or not a grammar
    label = Path(f"{job.out.name} (not written)")  # never read: columns are not needed
    findings = check_tree(tree, label, checks)
    errors = [f for f in findings if f.level == "error"]
    if errors:
        shown = [f"line {f.line}{where(f.line)}: {f.message}" if f.line else f.message for f in errors[:_SHOWN]]
        more = f" (and {len(errors) - _SHOWN} more)" if len(errors) > _SHOWN else ""
        raise ExportInvalid(f"the {what} is not valid against TEI All ({path.name}): " + "; ".join(shown) + more)
    return [Problem(None, f"TEI All, line {f.line}{where(f.line)}: {f.message}") for f in findings]


def tei_element(parent: etree._Element | None, name: str, text: str | None = None,
                **attributes) -> etree._Element:
    """A TEI element (a root when parent is None) with its attributes (xml_id= for xml:id) and text;
    attributes that are None are left out."""
    attrs = {(XML_ID if k == "xml_id" else k): v for k, v in attributes.items() if v is not None}
    el = etree.Element(T + name, attrs, nsmap={None: TEI_NS}) if parent is None \
        else etree.SubElement(parent, T + name, attrs)
    if text:
        el.text = text
    return el


def date_attributes(doc) -> dict[str, str]:
    """A document's date as TEI dating attributes: @when when it is exact, else @notBefore/@notAfter
    (only those that are calendar dates); {} when it has none."""
    if date_span(doc.date):
        return {"when": doc.date}
    earliest, latest = doc.date_range
    return {k: v for k, v in (("notBefore", earliest), ("notAfter", latest)) if date_span(v)}
