"""Reading TEI files that anyone may have written, safely.

No DTDs are loaded, no entities are expanded, nothing is fetched from the
network: a hostile file (XXE, entity bombs, remote DTDs) is read as inert text
or rejected with its place named, never followed.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Sequence
from pathlib import Path

from lxml import etree

from tei import TEI_NS
from tei.errors import InputError
from tei.files import MAX_INPUT_BYTES, read_input, wide_encoding


class _NothingOutside(etree.Resolver):
    """Every external DTD or entity resolves to nothing: no file outside the one asked for is opened
    (not even a FIFO that would block), no URL is fetched."""

    def resolve(self, url, public_id, context):
        return self.resolve_string("", context)


def _parser(huge: bool = False) -> etree.XMLParser:
    # Internal entities (declared in the file itself) are expanded, within libxml2's amplification
    # limits, so entity bombs fail; external ones are never resolved. `huge` lifts libxml2's 10 MB limit on
    # one text node, and with it its limits on depth and name length; see parse_xml for when it is used.
    parser = etree.XMLParser(resolve_entities="internal", no_network=True, load_dtd=False, dtd_validation=False,
                             attribute_defaults=True,  # the internal subset's defaults apply, as XML requires
                             huge_tree=huge, remove_blank_text=False,
                             collect_ids=False)  # a repeated xml:id is a finding (id-unique), not a parse failure
    parser.resolvers.add(_NothingOutside())
    return parser


# libxml2 from 2.11 keeps its entity amplification limits under XML_PARSE_HUGE (before, HUGE turned them off).
_HUGE_KEEPS_ENTITY_LIMITS = etree.LIBXML_VERSION >= (2, 11)
MAX_DEPTH = 256  # libxml2's own limit without XML_PARSE_HUGE, kept when a huge text node needs it


def parse_xml(path: Path, max_bytes: int = MAX_INPUT_BYTES, too_large_hint: str = "") -> etree._ElementTree:
    """The parsed file, or an InputError naming the file, line and column of the problem. At most `max_bytes`
    are read (`too_large_hint` ends the message for a larger file)."""
    try:
        data = read_input(path, "a TEI file", max_bytes, too_large_hint)
        if not data.strip():
            raise InputError(path, "is empty, not XML")
        try:
            root = etree.fromstring(data, _parser(), base_url=str(path))
        except etree.XMLSyntaxError as exc:
            # One paragraph of more than 10 MB (a transcript of one long line makes one): read it again with
            # the huge-text parser, the size already bounded by max_bytes, the depth checked after.
            if not (_HUGE_KEEPS_ENTITY_LIMITS and "Text node too long" in (exc.msg or "")):
                raise
            root = etree.fromstring(data, _parser(huge=True), base_url=str(path))
            _check_depth(path, root)
        tree = etree.ElementTree(root)
    except MemoryError:
        raise too_large(path) from None
    except etree.XMLSyntaxError as exc:
        if exc.code == etree.ErrorTypes.ERR_NO_MEMORY:  # libxml2 ran out of memory ("unknown error" at 0:0)
            raise too_large(path) from None
        line, column = exc.position if exc.position else (None, None)
        undefined = re.match(r"Entity '([^']+)' not defined", exc.msg or "")
        reference = _external_reference(data.decode("latin-1"), undefined.group(1), line) if undefined else None
        if reference:
            raise InputError(path, f"uses the external entity {reference}, which is refused: external entities "
                                   "are never read or fetched", line, column) from None
        raise InputError(path, f"is not well-formed XML: {exc.msg}", line, column) from None
    # libxml2 lets an undeclared prefix through in some documents (it recovers from a namespace error when
    # another error follows); a tag that still holds a colon is one, and no lxml name function accepts it.
    for element in tree.iter():
        if isinstance(element.tag, str) and ":" in element.tag.rpartition("}")[2]:
            raise InputError(path, f"is not well-formed XML: the namespace prefix of <{element.tag}> is not "
                                   "declared", element.sourceline)
    return tree


def _check_depth(path: Path, root: etree._Element) -> None:
    """An InputError if elements nest deeper than libxml2 allows without XML_PARSE_HUGE (the code that walks
    a tree recursively relies on that limit)."""
    depth = 0
    for event, element in etree.iterwalk(root, events=("start", "end")):
        depth += 1 if event == "start" else -1
        if depth > MAX_DEPTH:
            raise InputError(path, f"is not well-formed XML: its elements nest more than {MAX_DEPTH} deep",
                             element.sourceline)


def too_large(path: Path) -> InputError:
    """The error for a file that could not be read, or worked on, in the memory this process may use."""
    try:
        size = f" ({path.stat().st_size / 2**20:,.0f} MB)"
    except OSError:
        size = ""
    return InputError(path, f"is too large{size} for the memory this process may use: give it more memory "
                            "(a higher ulimit), or split the file")


def _external_reference(text: str, name: str, line: int | None) -> str | None:
    """The reference, &name; or %name;, to an entity that `text` declares external (SYSTEM or PUBLIC): such an
    entity is never read, so libxml2 reports it as "not defined", which is not why it fails. None if `name` is
    not declared so, or not referred to. A parameter entity (%name;, in the DOCTYPE) is a way to an outside
    file as much as a general one (&name;, in the text)."""
    declared = re.finditer(rf"<!ENTITY\s+(%\s+)?{re.escape(name)}\s+(?:SYSTEM|PUBLIC)\b", text)
    kinds = {"%" if match.group(1) else "&" for match in declared} & {k for k in "%&" if f"{k}{name};" in text}
    if len(kinds) > 1 and line:  # a general and a parameter entity of that name: the one used on the error's line
        on_line = (text.splitlines()[line - 1:line] or [""])[0]
        kinds = {k for k in kinds if f"{k}{name};" in on_line} or kinds
    return f"{'&' if '&' in kinds else '%'}{name};" if kinds else None


def parse_tei(path: Path, max_bytes: int = MAX_INPUT_BYTES, too_large_hint: str = "") -> etree._ElementTree:
    """Like parse_xml, and the root must be a TEI (or teiCorpus) element in the TEI namespace."""
    tree = parse_xml(path, max_bytes, too_large_hint)
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
        data = read_input(path, "a TEI file")
    except InputError:
        return []
    return data.decode(wide_encoding(data) or "utf-8", errors="replace").lstrip("\ufeff").splitlines()  # UTF-16 XML too


def _tag_starts(text: str, name: str) -> list[int]:
    """Offsets of the start tags named `name` (with any prefix) in one line."""
    return [m.start() for m in re.finditer(rf"<(?:[\w.-]+:)?{re.escape(name)}(?=[\s/>])", text)]


def _attribute_starts(text: str, attribute: str) -> list[int]:
    """Offsets of the whitespace before each `attribute=` in one line (matches of `\\sNAME\\s*=` cannot
    overlap, so these are exactly the places a search from any offset could find)."""
    return [m.start() for m in re.finditer(rf"\s{re.escape(attribute)}\s*=", text)]


class SourcePlaces:
    """Columns in one file, for validators that give only a line (libxml2's grammar errors, Schematron) or
    only an element: each finding is pointed at its element's tag, or the tag's attribute.

    A file may have thousands of findings, so nothing is scanned once per finding: the file is read once,
    each line is searched once per tag or attribute name asked about (the results kept), and the elements
    of a whole batch of findings are placed among the same-named tags of their lines in one walk of the tree
    (walking it per finding made 5 MB with 5,741 findings take a minute).
    """

    def __init__(self, path: Path):
        self.path = path
        self._lines: list[str] | None = None
        self._found: dict[tuple, list[int] | int] = {}  # (what, line, name): the offsets, or the indent

    @property
    def lines(self) -> list[str]:
        if self._lines is None:
            self._lines = source_lines(self.path)
        return self._lines

    def _cached(self, what: str, line: int, name: str) -> list[int] | int:
        key = (what, line, name)
        if key not in self._found:
            text = self.lines[line - 1]
            self._found[key] = (_tag_starts(text, name) if what == "tag" else _attribute_starts(text, name)
                                if what == "attribute" else len(text) - len(text.lstrip()))
        return self._found[key]

    def tag_column(self, line: int | None, name: str | None, attribute: str | None = None,
                   occurrence: int = 0) -> int | None:
        """The column of element `name`'s tag (the occurrence-th on its line), or of its `attribute` (the first
        one written after the tag starts); else of the line's first text."""
        if not line or line > len(self.lines):
            return None
        found = -1
        if name:
            tags = self._cached("tag", line, name)
            found = tags[min(occurrence, len(tags) - 1)] if tags else -1
        if found >= 0 and attribute:
            starts = self._cached("attribute", line, attribute)
            after = bisect_left(starts, found)
            found = starts[after] + 1 if after < len(starts) else found
        return found + 1 if found >= 0 else self._cached("indent", line, "") + 1

    def columns_of(self, wanted: Sequence[tuple[etree._Element | None, str | None]]) -> list[int | None]:
        """Where each element (or the attribute named with it) starts on its line; None for a node that is
        not an element, or None. An element is the n-th tag of its name on its line when n - 1 elements
        with its tag come before it there; all of them are counted in one walk of the tree."""
        elements = [e for e, _ in wanted if e is not None and isinstance(e.tag, str)]
        before: dict[etree._Element, int] = {}
        if elements:
            asked = set(elements)  # lxml hands out the same proxy for a node while one is held, so `in` works
            keys = {(e.tag, e.sourceline) for e in elements}
            counts: dict[tuple, int] = {}
            for other in elements[0].getroottree().iter(*{tag for tag, _ in keys}):
                key = (other.tag, other.sourceline)
                if key in keys:
                    if other in asked:
                        before[other] = counts.get(key, 0)
                    counts[key] = counts.get(key, 0) + 1
        return [self.tag_column(e.sourceline, etree.QName(e).localname, attribute, before[e])
                if e is not None and isinstance(e.tag, str) else None for e, attribute in wanted]
