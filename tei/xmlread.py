"""Reading TEI files that anyone may have written, safely.

No DTDs are loaded, no entities are expanded, nothing is fetched from the
network: a hostile file (XXE, entity bombs, remote DTDs) is read as inert text
or rejected with its place named, never followed.
"""

from __future__ import annotations

from pathlib import Path

from lxml import etree

from tei import TEI_NS
from tei.errors import InputError


def _parser() -> etree.XMLParser:
    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=False, remove_blank_text=False)


def parse_xml(path: Path) -> etree._ElementTree:
    """The parsed file, or an InputError naming the file, line and column of the problem."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(path, "no such file") from None
    except IsADirectoryError:
        raise InputError(path, "is a folder, not a TEI file") from None
    except OSError as exc:
        raise InputError(path, f"cannot be read: {exc.strerror}") from None
    if not data.strip():
        raise InputError(path, "is empty, not XML")
    try:
        return etree.ElementTree(etree.fromstring(data, _parser(), base_url=str(path)))
    except etree.XMLSyntaxError as exc:
        line, column = exc.position if exc.position else (None, None)
        raise InputError(path, f"is not well-formed XML: {exc.msg}", line, column) from None


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
