"""RELAX NG validation with lxml, fast on big grammars such as TEI All.

libxml2 takes seconds to compile TEI All's 600 element patterns, although a
batch of documents uses a few dozen of them. So the grammar is compiled for the
element names the documents use: every other element pattern is stubbed (its
content becomes `empty`, see `prune`) and what is then unreachable is dropped.
For a document whose elements all have names in that set, the pruned grammar
accepts exactly what the full grammar accepts (a valid document can only have
used patterns whose names it contains; a stub can match none of its elements),
and it compiles in milliseconds.
A compiled grammar serves every later document whose names it covers.

Grammars that include other files (`include`, `externalRef`, nested `grammar`)
are compiled whole, as they are.
"""

from __future__ import annotations

import copy
import re
from pathlib import Path

from lxml import etree

from tei.errors import InputError
from tei.findings import Finding
from tei.xmlread import SourcePlaces, parse_xml, remove_keeping_tail

RNG_NS = "http://relaxng.org/ns/structure/1.0"
_R = f"{{{RNG_NS}}}"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_COMPILED_KEPT = 16  # pruned grammars kept per schema; a batch needs a handful


def element_names(tree: etree._ElementTree) -> frozenset[tuple[str, str]]:
    """The (namespace, local name) of every element in a document."""
    tags = {e.tag for e in tree.iter() if isinstance(e.tag, str)}
    return frozenset((t[1:].split("}", 1)[0], t.split("}", 1)[1]) if t[0] == "{" else ("", t) for t in tags)


class RelaxNGSchema:
    def __init__(self, path: Path, tree: etree._ElementTree | None = None):
        """`tree`: the grammar already parsed, if the caller has it; it is changed (annotations dropped)."""
        self.path = path
        self.name = path.name
        tree = tree if tree is not None else parse_xml(path)
        root = tree.getroot()
        if root.tag not in (_R + "grammar", _R + "element"):
            raise InputError(path, "is not a RELAX NG grammar (XML syntax): its root is "
                                   f"<{etree.QName(root).localname}>")
        self._base = tree
        self._id_attributes = _id_attributes(root)
        self._compiled: list[tuple[frozenset, etree.RelaxNG]] = []
        self._full: etree.RelaxNG | None = None
        self.prunable = (root.tag == _R + "grammar"
                         and not any(root.iter(_R + "include", _R + "externalRef", _R + "parentRef"))
                         and not any(True for _ in root.iterdescendants(_R + "grammar")))
        if self.prunable:
            _strip_foreign(root)
        else:
            self._compiled.append((frozenset(), self._compile(tree)))

    def _compile(self, tree: etree._ElementTree) -> etree.RelaxNG:
        try:
            return etree.RelaxNG(tree)
        except etree.RelaxNGParseError as exc:
            raise InputError(self.path, f"is not a usable RELAX NG schema: {exc}") from None

    def compiled_for(self, names: frozenset) -> etree.RelaxNG:
        """A compiled grammar that judges documents using only `names` as the full grammar would."""
        if not self.prunable:
            return self._compiled[0][1]
        for covered, grammar in self._compiled:
            if names <= covered:
                return grammar
        # Take in the names seen so far, so that a batch compiles a few times, not once per document.
        wanted = names.union(*(covered for covered, _ in self._compiled[-2:]))
        grammar = self._compile(prune(self._base, wanted))
        self._compiled = (self._compiled + [(wanted, grammar)])[-_COMPILED_KEPT:]
        return grammar

    def check(self, tree: etree._ElementTree, path: Path) -> list[Finding]:
        names = element_names(tree)
        duplicates = _duplicate_ids(tree, path, self._id_attributes, self.name)
        if self.compiled_for(names).validate(tree):
            return duplicates
        # The pruned grammar's verdict is the full grammar's, but libxml2 words its errors worse on it
        # (it reports a failure at the root, not at the faulty element). So an invalid document is
        # judged again by the full grammar, compiled once, only when some document needs it.
        grammar = self._full_grammar()
        grammar.validate(tree)
        places = SourcePlaces(path)
        findings = duplicates
        errors = list(grammar.error_log)
        values = _attribute_values(tree, errors)  # one walk of the tree for all errors, not one per error
        guesses: dict[str | None, list] = {}
        for entry in errors:
            line, message = entry.line, _with_value(values, entry.line, entry.message)
            if not line:
                line, message = _guess_line(tree, message, guesses)
            findings.append(Finding(str(path), line, entry.column or places.tag_column(line, _element_named(entry.message)),
                                    message, rule_of(entry.message), self.name))
        return findings

    def _full_grammar(self) -> etree.RelaxNG:
        if self._full is None:
            self._full = self._compiled[0][1] if not self.prunable else self._compile(self._base)
        return self._full


def _id_attributes(root: etree._Element) -> frozenset[str]:
    """Attributes the grammar types as xsd:ID (xml:id in TEI), as Clark names."""
    found = set()
    for data in root.iter(_R + "data"):
        attribute = data.getparent()
        if data.get("type") == "ID" and attribute.tag == _R + "attribute" and attribute.get("name"):
            namespace, local = _qualified(attribute, attribute.get("name"))
            if attribute.get("ns") is None and ":" not in attribute.get("name"):
                namespace = ""  # unprefixed attribute names are in no namespace, whatever @ns says
            found.add(f"{{{namespace}}}{local}" if namespace else local)
    return frozenset(found)


def _duplicate_ids(tree, path: Path, attributes: frozenset[str], schema: str) -> list[Finding]:
    """ID uniqueness, which jing checks for xsd:ID attributes and libxml2 (without a DTD) does not."""
    if not attributes:
        return []
    first: dict[str, int | None] = {}
    repeated: list[tuple[etree._Element, str, str]] = []  # (element, attribute, value)
    for element in tree.iter():
        if not isinstance(element.tag, str):
            continue
        for name in attributes.intersection(element.attrib):
            value = element.get(name).strip()
            if value in first:
                repeated.append((element, name, value))
            else:
                first[value] = element.sourceline
    if not repeated:
        return []
    columns = SourcePlaces(path).columns_of([(element, name_of(name)) for element, name, _ in repeated])
    return [Finding(str(path), element.sourceline, column,
                    f'ID "{value}" has already been defined (first on line {first[value]})', "duplicate-id", schema)
            for (element, _, value), column in zip(repeated, columns)]


def name_of(clark: str) -> str:
    """An attribute's name as written: {http://www.w3.org/XML/1998/namespace}id is xml:id."""
    return clark.replace(f"{{{_XML_NS}}}", "xml:").rpartition("}")[2]


def prune(grammar: etree._ElementTree, names: frozenset) -> etree._ElementTree:
    """A copy of a flat grammar for documents whose element names are all in `names`.

    An element pattern no such document can match is stubbed: its attributes and content become
    `empty`, so what it referred to becomes unreachable and is dropped. In a choice, stubbed
    alternatives are all equal (none can match), so one is kept and the rest removed. Stubs, not
    `notAllowed`: libxml2 compiles a content model into a fast automaton only when it holds no
    `notAllowed`, and removing `notAllowed` from choices (RELAX NG simplification) made it hang on
    some grammars; keeping one element alternative leaves each choice's shape as the full grammar's.
    """
    tree = copy.deepcopy(grammar)
    root = tree.getroot()
    stubs = set()
    for element in root.iter(_R + "element"):
        if not _may_match(element, names):
            for child in list(element)[0 if element.get("name") is not None else 1:]:
                element.remove(child)
            etree.SubElement(element, _R + "empty")
            stubs.add(element)
    defines: dict[str, list[etree._Element]] = {}
    for define in root.iter(_R + "define"):  # defines may sit in <div>s
        defines.setdefault(define.get("name"), []).append(define)
    _drop_repeated_stubs(root, stubs, defines)
    reached: set[str] = set()
    todo = list(root.iter(_R + "start"))
    while todo:
        for ref in todo.pop().iter(_R + "ref"):
            if ref.get("name") not in reached:
                reached.add(ref.get("name"))
                todo.extend(defines.get(ref.get("name"), []))
    for name, found in defines.items():
        if name not in reached:
            for define in found:
                define.getparent().remove(define)
    return tree


def _drop_repeated_stubs(root: etree._Element, stubs: set, defines: dict) -> None:
    """In every choice keep the first alternative that can only match a stub, and drop the others."""
    known: dict[str, bool] = {}

    def stub_only(pattern: etree._Element, seen: frozenset = frozenset()) -> bool:
        if pattern.tag == _R + "element":
            return pattern in stubs
        if pattern.tag == _R + "choice":
            return all(stub_only(p, seen) for p in pattern)
        if pattern.tag == _R + "ref":
            name = pattern.get("name")
            if name not in known:
                if name in seen:  # a cycle: not known to be stub-only, which is the safe answer
                    return False
                found = defines.get(name, [])
                known[name] = (len(found) == 1 and found[0].get("combine") is None and len(found[0]) == 1
                               and stub_only(found[0][0], seen | {name}))
            return known[name]
        return False

    for choice in root.iter(_R + "choice"):
        alternatives = [p for p in choice if stub_only(p)]
        for pattern in alternatives[1:]:
            choice.remove(pattern)


def _may_match(element: etree._Element, names: frozenset) -> bool:
    name = element.get("name")
    if name is not None:
        return _qualified(element, name) in names
    name_class = next((c for c in element if isinstance(c.tag, str) and c.tag.startswith(_R)), None)
    return name_class is None or _class_may_match(name_class, names)


def _class_may_match(name_class: etree._Element, names: frozenset) -> bool:
    tag = etree.QName(name_class).localname
    if tag == "name":
        return _qualified(name_class, (name_class.text or "").strip()) in names
    if tag == "choice":
        return any(_class_may_match(c, names) for c in name_class if isinstance(c.tag, str))
    return True  # anyName, nsName: kept, which is always safe


def _qualified(node: etree._Element, name: str) -> tuple[str, str]:
    if ":" in name:
        prefix, local = name.split(":", 1)
        return (_XML_NS if prefix == "xml" else node.nsmap.get(prefix, "")), local
    holder = next((a for a in node.iterancestors() if a.get("ns") is not None), None) \
        if node.get("ns") is None else node
    return (holder.get("ns") if holder is not None else ""), name


def _strip_foreign(root: etree._Element) -> None:
    """Documentation, comments and embedded Schematron are not grammar: dropped, so copies are smaller."""
    for node in list(root.iter()):
        if node is not root and (not isinstance(node.tag, str) or not node.tag.startswith(_R)):
            remove_keeping_tail(node)


# libxml2's messages, mapped to rule ids a CI log can be filtered on.
_RULES = [
    (re.compile(r"Did not expect element"), "unexpected-element"),
    (re.compile(r"Expecting element .* got nothing|Expecting an element .* got nothing"), "missing-element"),
    (re.compile(r"Expecting element"), "wrong-element"),
    (re.compile(r"Invalid attribute|failed to validate attributes|Element .* attribute|Attribute"),
     "invalid-attribute"),
    (re.compile(r"Did not expect text|has extra content: text"), "text-not-allowed"),
    (re.compile(r"has extra content"), "extra-content"),
    (re.compile(r"Error validating datatype|Type .* doesn't allow value|Error validating value|value"), "invalid-value"),
    (re.compile(r"failed to validate content|Invalid sequence"), "invalid-content"),
]


_INVALID_ATTRIBUTE = re.compile(r"Invalid attribute (\S+) for element (\S+)$")


def _attribute_values(tree: etree._ElementTree, errors) -> dict[tuple[int, str, str], str]:
    """For libxml2's "Invalid attribute A for element E" errors: the value of A on the first E of the error's
    line that has it, keyed (line, E, A); gathered in one walk of the tree for all the errors, not one walk
    per error (which made a file with thousands of them quadratic)."""
    wanted: dict[tuple[int, str], set[str]] = {}  # (line, element): attributes
    for entry in errors:
        match = _INVALID_ATTRIBUTE.match(entry.message)
        if match and entry.line:
            wanted.setdefault((entry.line, match.group(2)), set()).add(match.group(1))
    values: dict[tuple[int, str, str], str] = {}
    if wanted:
        for node in tree.iter():
            if not isinstance(node.tag, str):
                continue
            element = node.tag.rpartition("}")[2]
            for attribute in wanted.get((node.sourceline, element), ()):
                clark = f"{{{_XML_NS}}}{attribute}" if attribute in ("id", "lang", "space", "base") else attribute
                value = node.get(clark) if node.get(clark) is not None else node.get(attribute)
                if value is not None:
                    values.setdefault((node.sourceline, element, attribute), value)
    return values


def _with_value(values: dict[tuple[int, str, str], str], line: int | None, message: str) -> str:
    """libxml2 says "Invalid attribute when for element date" for a bad value too: quote the value
    (`values`: from _attribute_values)."""
    match = _INVALID_ATTRIBUTE.match(message)
    if not match or not line:
        return message
    attribute, element = match.groups()
    value = values.get((line, element, attribute))
    if value is not None:
        return f'{message} (value "{value}": not allowed here, or not a valid value)'
    return message


def rule_of(message: str) -> str:
    return next((rule for pattern, rule in _RULES if pattern.search(message)), "grammar")


_NAMED = re.compile(r"(?:Element|Expecting element|Did not expect element|Invalid attribute \S+ for element"
                    r"|Extra element) (\S+?)(?:[ :,]|$)")


def _element_named(message: str) -> str | None:
    """The local name of the element a libxml2 grammar message is about."""
    match = _NAMED.match(message)
    return match.group(1).split(":")[-1] if match else None


def _guess_line(tree: etree._ElementTree, message: str, searched: dict[str | None, list]) -> tuple[int | None, str]:
    """libxml2 gives no line for some errors. When the element named occurs once, it is that one;
    when it occurs more often, the first is given and the message says the line is a guess.
    `searched`: the elements found for each name so far (one search of the tree per name, not per error)."""
    name = _element_named(message)
    if name not in searched:
        searched[name] = tree.xpath("//*[local-name() = $name]", name=name) if name else []
    found = searched[name]
    if len(found) > 1:
        return found[0].sourceline, f"{message} (libxml2 gives no line: the first of {len(found)} <{name}> is here)"
    return (found[0].sourceline if found else None), message
