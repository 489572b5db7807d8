"""ISO Schematron without Java: compiled to XSLT 3 here, run with SaxonC-HE (saxonche).

lxml's isoschematron runs only XSLT 1 Schematron; the Schematron that TEI
customisations generate declares `queryBinding="xslt2"`. So a schema is
translated into one XSLT 3 stylesheet (the way SchXslt does it) and Saxon runs
that, for every query binding: `xslt`/`xpath` rules are evaluated in XPath 1.0
compatibility mode, the others as XPath 2/3.

The stylesheet walks each document once. Every rule is a template; a node runs
through all matching templates by `xsl:next-match`, and a `fired` list keeps
ISO's rule that within a pattern only the first matching rule applies. Each
failed assert or successful report becomes a `<sv:f>` element with the rule's
id, role and the node's position (child indexes from the root), which
tei.schematron turns into a Finding at the node's line.

Schematron embedded in a RELAX NG grammar (TEI All carries about 90 such
constraints, which RELAX NG validators ignore) is extracted and run the same way.
"""

from __future__ import annotations

import re
import threading
from pathlib import Path

from lxml import etree

from tei.errors import InputError
from tei.findings import Finding
from tei.xmlread import column_of, parse_xml, source_lines

SCH_NS = "http://purl.oclc.org/dsdl/schematron"
XSL_NS = "http://www.w3.org/1999/XSL/Transform"
SV_NS = "urn:x-tei-transcripts:schematron"
_S, _X = f"{{{SCH_NS}}}", f"{{{XSL_NS}}}"
XPATH1_BINDINGS = {"xslt", "xslt1", "xpath", "exslt", "stx"}
XPATH2_BINDINGS = {"xslt2", "xslt3", "xpath2", "xpath3", "xpath31"}
_LEVEL_OF_ROLE = {"fatal": "error", "error": "error", "warning": "warning", "warn": "warning",
                  "nonfatal": "warning", "info": "info", "information": "info"}


class SchematronSchema:
    """A Schematron schema (.sch, or the rules embedded in a .rng) ready to check documents."""

    def __init__(self, path: Path, schema: etree._Element | None = None, name: str | None = None):
        self.path = path
        self.name = name or path.name
        root = schema if schema is not None else parse_xml(path).getroot()
        if root.tag != _S + "schema":
            raise InputError(path, "is not an ISO Schematron schema: its root is not "
                                   f"<schema> in {SCH_NS}")
        self.stylesheet = compile_schematron(root, path)
        self._local = threading.local()
        self._executable()  # an XPath error in the schema is a usage error now, not a failure per file

    def _executable(self):
        if getattr(self._local, "exe", None) is None:
            processor = _processor()
            compiler = processor.new_xslt30_processor()
            try:
                self._local.exe = compiler.compile_stylesheet(stylesheet_text=self.stylesheet.decode("utf-8"))
            except Exception as exc:  # saxonche raises PySaxonApiError; its text names the XPath at fault
                raise InputError(self.path, f"has a rule that cannot be compiled: {_saxon_message(exc)}") from None
        return self._local.exe

    def check(self, tree: etree._ElementTree, path: Path) -> list[Finding]:
        exe = self._executable()
        processor = _processor()
        try:
            document = processor.parse_xml(xml_text=_serialised(tree))
            output = exe.transform_to_string(xdm_node=document)
        except Exception as exc:
            return [Finding(str(path), None, None, f"the Schematron rules could not run: {_first_line(exc)}",
                            "schematron-failed", self.name)]
        findings = []
        lines: list[str] | None = None
        for result in etree.fromstring(output.encode("utf-8")):
            node = _node_at(tree, result.get("path"))
            line = node.sourceline if node is not None else None
            if lines is None:
                lines = source_lines(path)
            attribute = (result.get("path") or "").rpartition("/@")[2] if "/@" in (result.get("path") or "") else None
            column = column_of(node, lines, attribute) if node is not None else None
            level = _LEVEL_OF_ROLE.get((result.get("role") or "").lower(), "error")
            message = " ".join("".join(result.itertext()).split())
            findings.append(Finding(str(path), line, column, message, result.get("id"), self.name, level))
        return findings


def embedded_schematron(grammar: etree._ElementTree) -> etree._Element | None:
    """The Schematron patterns embedded in a RELAX NG grammar, as one schema (None if there are none)."""
    root = grammar.getroot()
    schema = etree.Element(_S + "schema", queryBinding="xslt2", nsmap={"sch": SCH_NS})
    for ns in root.iter(_S + "ns"):
        schema.append(etree.Element(_S + "ns", prefix=ns.get("prefix"), uri=ns.get("uri")))
    count = 0
    for node in root.iter(_S + "pattern", _S + "rule"):
        if node.tag == _S + "rule" and any(a.tag == _S + "pattern" for a in node.iterancestors()):
            continue
        pattern = _copy(node) if node.tag == _S + "pattern" else etree.Element(_S + "pattern")
        if node.tag == _S + "rule":
            pattern.append(_copy(node))
        schema.append(pattern)
        count += 1
    return schema if count else None


def _copy(node: etree._Element) -> etree._Element:
    copied = etree.fromstring(etree.tostring(node))
    copied.tail = None
    return copied


# --- compiling ---------------------------------------------------------------------------------

def compile_schematron(schema: etree._Element, path: Path) -> bytes:
    """The XSLT 3 stylesheet that checks a document against `schema` (see the module docstring)."""
    binding = (schema.get("queryBinding") or "xslt").lower()
    if binding not in XPATH1_BINDINGS | XPATH2_BINDINGS:
        raise InputError(path, f"uses the query binding {binding!r}, which this validator does not run "
                               f"(it runs {', '.join(sorted(XPATH1_BINDINGS | XPATH2_BINDINGS))})")
    for unsupported in ("include", "extends"):
        found = next(schema.iter(_S + unsupported), None)
        if found is not None:
            raise InputError(path, f"uses <sch:{unsupported}>, which this validator does not resolve: "
                                   "give it a schema with the parts included", found.sourceline)
    if any(p.get("abstract") == "true" or p.get("is-a") for p in schema.iter(_S + "pattern")):
        raise InputError(path, "uses abstract patterns, which this validator does not instantiate")
    nsmap = {"xsl": XSL_NS, "xs": "http://www.w3.org/2001/XMLSchema", "sv": SV_NS}
    for ns in schema.iter(_S + "ns"):
        nsmap[ns.get("prefix")] = ns.get("uri")
    xslt = etree.Element(_X + "stylesheet", version="3.0", nsmap=nsmap)
    xslt.set("exclude-result-prefixes", "#all")
    compat = {"version": "1.0"} if binding in XPATH1_BINDINGS else {}
    for foreign in schema:  # xsl:key, xsl:function and the like, as TEI's Schematron uses them
        if isinstance(foreign.tag, str) and foreign.tag.startswith(_X):
            xslt.append(_copy(foreign))
    for let in schema.iterchildren(_S + "let"):
        xslt.append(_variable(let, compat))
    etree.SubElement(xslt, _X + "function", name="sv:path", attrib={"as": "xs:string"}).extend([
        etree.Element(_X + "param", name="n", attrib={"as": "node()"}),
        etree.Element(_X + "sequence", select=(
            "string-join(($n/ancestor-or-self::*/string(count(preceding-sibling::*) + 1),"
            " if ($n instance of attribute()) then concat('@', name($n)) else ()), '/')")),
    ])
    start = etree.SubElement(xslt, _X + "template", match="/")
    findings = etree.SubElement(start, f"{{{SV_NS}}}findings")
    etree.SubElement(findings, _X + "apply-templates", select=".", mode="sv:check")
    walk = etree.SubElement(xslt, _X + "template", match="document-node()|node()|@*", mode="sv:check",
                            priority="-1000000")
    etree.SubElement(walk, _X + "apply-templates", select="@*|node()", mode="sv:check")
    rules = [(index, pattern, rule) for index, pattern in enumerate(schema.iter(_S + "pattern"))
             for rule in pattern.iterchildren(_S + "rule")]
    for order, (index, pattern, rule) in enumerate(rules):
        xslt.append(_rule_template(rule, pattern, f"p{index}", len(rules) - order, compat))
    return etree.tostring(xslt, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _rule_template(rule, pattern, pattern_key: str, priority: int, compat: dict) -> etree._Element:
    template = etree.Element(_X + "template", match=rule.get("context"), mode="sv:check", priority=str(priority))
    etree.SubElement(template, _X + "param", name="fired", select="()", attrib={"as": "xs:string*"})
    choose = etree.SubElement(template, _X + "choose")
    skip = etree.SubElement(choose, _X + "when", test=f"'{pattern_key}' = $fired")
    _next_match(skip, "$fired")
    run = etree.SubElement(choose, _X + "otherwise")
    attempt = etree.SubElement(run, _X + "try")
    for child in rule:
        if child.tag == _S + "let":
            attempt.append(_variable(child, compat))
        elif child.tag in (_S + "assert", _S + "report"):
            test = child.get("test")
            check = etree.SubElement(attempt, _X + "if", test=f"not({test})" if child.tag == _S + "assert" else test,
                                     attrib=compat)
            rule_id = child.get("id") or rule.get("id") or pattern.get("id") or pattern_key
            found = etree.SubElement(check, f"{{{SV_NS}}}f", id=rule_id, role=child.get("role") or rule.get("role")
                                     or "")
            etree.SubElement(found, _X + "attribute", name="path", select="sv:path(.)")
            _message(child, found, compat)
    catch = etree.SubElement(attempt, _X + "catch")
    failed = etree.SubElement(catch, f"{{{SV_NS}}}f", id=rule.get("id") or pattern.get("id") or pattern_key,
                              role="error")
    etree.SubElement(failed, _X + "attribute", name="path", select="sv:path(.)")
    etree.SubElement(failed, _X + "value-of", select="concat('this rule could not be evaluated: ', $err:description)",
                     nsmap={"err": "http://www.w3.org/2005/xqt-errors"})
    _next_match(run, f"($fired, '{pattern_key}')")
    return template


def _next_match(parent, fired: str) -> None:
    etree.SubElement(etree.SubElement(parent, _X + "next-match"), _X + "with-param", name="fired", select=fired)


def _variable(let, compat: dict) -> etree._Element:
    return etree.Element(_X + "variable", name=let.get("name"), select=let.get("value") or "()", attrib=compat)


def _message(source: etree._Element, target: etree._Element, compat: dict) -> None:
    """The assert's text, with <sch:name/> and <sch:value-of/> as XSLT."""
    def text(value: str | None) -> None:
        if value:
            etree.SubElement(target, _X + "text").text = value

    text(source.text)
    for child in source:
        if child.tag == _S + "name":
            etree.SubElement(target, _X + "value-of", select=f"name({child.get('path') or '.'})", attrib=compat)
        elif child.tag == _S + "value-of":
            etree.SubElement(target, _X + "value-of", select=child.get("select"), attrib=compat)
        elif isinstance(child.tag, str):  # emph, dir, span: their text
            _message(child, target, compat)
        text(child.tail)


# --- running -----------------------------------------------------------------------------------

_saxon = threading.local()


def _processor():
    """One Saxon processor per thread (each worker process has its own)."""
    if getattr(_saxon, "processor", None) is None:
        from saxonche import PySaxonProcessor

        _saxon.processor = PySaxonProcessor(license=False)
    return _saxon.processor


def _serialised(tree: etree._ElementTree) -> str:
    """The document for Saxon, from lxml's safe parse (internal entities expanded, external ones refused):
    the root element only, so no DOCTYPE is left to fetch or expand."""
    return etree.tostring(tree.getroot(), encoding="unicode")


def _node_at(tree: etree._ElementTree, path: str | None) -> etree._Element | None:
    """The element at a path of child indexes from the root ("1/3/2"), as sv:path wrote it."""
    if not path:
        return None
    steps = [s for s in path.split("/") if s and not s.startswith("@")]
    node = None
    for step in steps:
        children = [tree.getroot()] if node is None else [c for c in node if isinstance(c.tag, str)]
        index = int(step) - 1
        if index >= len(children):
            return node
        node = children[index]
    return node


def _saxon_message(exc: Exception) -> str:
    """Saxon's message without the place in the generated stylesheet, which means nothing to the user."""
    return re.sub(r"\s*(?:at|on) line \d+ column \d+ of \S*", "", _first_line(exc))


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
