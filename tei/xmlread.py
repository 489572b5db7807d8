"""Reading TEI files that anyone may have written, safely.

No DTDs are loaded, no entities are expanded, nothing is fetched from the
network: a hostile file (XXE, entity bombs, remote DTDs) is read as inert text
or rejected with its place named, never followed.
"""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from tei import TEI_NS
from tei.errors import InputError
from tei.files import read_input


class _NothingOutside(etree.Resolver):
    """Every external DTD or entity resolves to nothing: no file outside the one asked for is opened
    (not even a FIFO that would block), no URL is fetched."""

    def resolve(self, url, public_id, context):
        return self.resolve_string("", context)


def _parser() -> etree.XMLParser:
    # Internal entities (declared in the file itself) are expanded, within libxml2's amplification
    # limits, so entity bombs fail; external ones are never resolved.
    parser = etree.XMLParser(resolve_entities="internal", no_network=True, load_dtd=False, dtd_validation=False,
                             attribute_defaults=True,  # the internal subset's defaults apply, as XML requires
                             huge_tree=False, remove_blank_text=False,
                             collect_ids=False)  # a repeated xml:id is a finding (id-unique), not a parse failure
    parser.resolvers.add(_NothingOutside())
    return parser


def parse_xml(path: Path) -> etree._ElementTree:
    """The parsed file, or an InputError naming the file, line and column of the problem."""
    data = read_input(path, "a TEI file")
    if not data.strip():
        raise InputError(path, "is empty, not XML")
    try:
        tree = etree.ElementTree(etree.fromstring(data, _parser(), base_url=str(path)))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        undefined = re.match(r"Entity '([^']+)' not defined", exc.msg or "")
        if undefined and re.search(rf"<!ENTITY\s+{re.escape(undefined.group(1))}\s+(SYSTEM|PUBLIC)\b", data.decode("latin-1")):
            raise InputError(path, f"uses the external entity &{undefined.group(1)};, which is never read: "
                                   "external entities are not followed", line, column) from None
        raise InputError(path, f"is not well-formed XML: {exc.msg}", line, column) from None
    # libxml2 lets an undeclared prefix through in some documents (it recovers from a namespace error when
    # another error follows); a tag that still holds a colon is one, and no lxml name function accepts it.
    for element in tree.iter():
        if isinstance(element.tag, str) and ":" in element.tag.rpartition("}")[2]:
            raise InputError(path, f"is not well-formed XML: the namespace prefix of <{element.tag}> is not "
                                   "declared", element.sourceline)
    return tree


def parse_tei(path: Path) -> etree._ElementTree:
    """Like parse_xml, and the root must be a TEI (or teiCorpus) element in the TEI namespace."""
    tree = parse_xml(path)
    root = tree.getroot()
    if root.tag not in (f"{{{TEI_NS}}}TEI", f"{{{TEI_NS}}}teiCorpus"):
        raise InputError(path, f"is XML but not TEI: its root element is <{etree.QName(root).localname}>"
                         + (f" in namespace {etree.QName(root).namespace}" if etree.QName(root).namespace else
                            " with no namespace") + f", not <TEI> in {TEI_NS}", root.sourceline)
    return tree


def tei_name(element: etree._Element) -> str | None:
    """The TEI local name of an element, or None for comments, PIs and elements in other namespaces."""
    if not isinstance(element.tag, str):
        return None
    name = etree.QName(element)
    return name.localname if name.namespace == TEI_NS else None


def remove_keeping_tail(node: etree._Element) -> None:
    """Remove a node (element, comment, entity reference) but keep the text that follows it."""
    parent = node.getparent()
    if parent is None:
        return
    if node.tail:
        previous = node.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + node.tail
        else:
            parent.text = (parent.text or "") + node.tail
    parent.remove(node)


def source_lines(path: Path) -> list[str]:
    """The file's lines, for pointing at a column; empty if it cannot be read."""
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return []


def tag_column(lines: list[str], line: int | None, name: str | None, attribute: str | None = None,
               occurrence: int = 0) -> int | None:
    """The column of element `name`'s tag (the occurrence-th on its line), or of its `attribute`: validators
    that give only a line (libxml2's grammar errors, Schematron) are pointed at the tag; else at the
    line's first text."""
    if not line or line > len(lines):
        return None
    text = lines[line - 1]
    found = -1
    if name:
        tags = [m.start() for m in re.finditer(rf"<(?:[\w.-]+:)?{re.escape(name)}(?=[\s/>])", text)]
        found = tags[min(occurrence, len(tags) - 1)] if tags else -1
    if found >= 0 and attribute:
        at = re.compile(rf"\s{re.escape(attribute)}\s*=").search(text, found)
        found = at.start() + 1 if at else found
    return found + 1 if found >= 0 else len(text) - len(text.lstrip()) + 1


def column_of(element: etree._Element, lines: list[str], attribute: str | None = None) -> int | None:
    """Where an element (or one of its attributes) starts on its line."""
    if not isinstance(element.tag, str):
        return None
    before = 0
    for other in element.getroottree().iter(element.tag):
        if other is element:
            break
        before += other.sourceline == element.sourceline
    return tag_column(lines, element.sourceline, etree.QName(element).localname, attribute, before)
