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

import contextlib
import os
import re
import sys
import tempfile
import threading
from pathlib import Path

from lxml import etree

from tei.errors import InputError
from tei.findings import Finding
from tei.xmlread import SourcePlaces, parse_xml

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
        self.cannot_run = saxon_cannot_start()  # then each file gets a finding that says its rules were not run
        if self.cannot_run is None:
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
        if self.cannot_run is not None:
            return [_skipped(path, self.name, self.cannot_run, "Raise the limit to check them")]
        exe = self._executable()
        processor = _processor()
        try:
            text = _serialised(tree)
        except MemoryError:  # no room even for the text Saxon would be given
            return [_skipped(path, self.name, "there is not the memory left to hand this file to Saxon, which runs "
                                              "them")]
        skipped = _no_memory_for(text, path, self.name)
        if skipped is not None:
            return [skipped]
        try:
            # Saxon prints its errors to the stderr descriptor as well as raising them: the finding says it once
            with _stderr_held(), _SaxonHeap.measured(sys.getsizeof(text)) as measure:
                document = processor.parse_xml(xml_text=text)
                del text  # Saxon has its own copy
                output = exe.transform_to_string(xdm_node=document)
                measure(output)
        except Exception as exc:
            return [_failure(tree, path, self.name, exc)]
        results = list(etree.fromstring(output.encode("utf-8")))
        # Every finding's node and column are found from indexes made once per document (NodeIndex,
        # SourcePlaces): searching the tree and the file once per finding made thousands of findings quadratic.
        nodes = NodeIndex(tree)
        located = [(nodes.at(r.get("path")), r.get("path") or "") for r in results]
        columns = SourcePlaces(path).columns_of([(node, path_.rpartition("/@")[2] if "/@" in path_ else None)
                                                 for node, path_ in located])
        findings = []
        for result, (node, _), column in zip(results, located, columns):
            line = node.sourceline if node is not None else None
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


# Saxon's memory for one document, beyond what the process holds when it starts (the lxml tree and the text
# handed to Saxon), measured with saxonche 13.1.1: the smallest RLIMIT_DATA under which the project's Schematron
# checks the document, bisected to 8 MB, less the process's VmData just before (the documents are those of
# tests/test_fuzz.py: paragraphs of 150 words, or of 40 elements):
#     TEI                      characters   tags ("<")   Saxon's part
#     1 KB                     0.001 M      0.0001 M      70 MB
#     2 MB, words              2.0 M        0.02 M        86 MB
#     11 MB, words             11.5 M       0.09 M       109 MB
#     41 MB, words             43.0 M       0.35 M       248 MB
#     11 MB, elements          11.5 M       0.84 M       190 MB
#     41 MB, elements          43.0 M       3.1 M        489 MB
# that is about 70 MB (the heap's first growth, which later documents use again) + 4 bytes a character + 80
# bytes a tag: 6 to 17 MB per MB of TEI, more the denser its markup. Out of memory, Saxon's runtime (a GraalVM
# isolate) aborts the whole process (exit 99), so a document is given to it only when the process has room
# for the estimate below, which is rounded up (96 MB + 5 bytes a character + 100 bytes a tag) and counts the
# text twice: better a rule unchecked than a batch lost.
# RLIMIT_DATA, not RLIMIT_AS, is the limit that matters: the isolate reserves 32 GB of address space when it
# starts (under a smaller RLIMIT_AS it cannot start at all) and takes its memory from that reservation.
_SAXON_BASE, _SAXON_PER_CHARACTER, _SAXON_PER_TAG = 96 * 2**20, 5, 100


def saxon_memory(text: str) -> int:
    """Bytes Saxon may take to check this document (see above)."""
    return _SAXON_BASE + _SAXON_PER_CHARACTER * len(text) + _SAXON_PER_TAG * text.count("<")


def _data_size(field: str = "VmData") -> int | None:
    """The process's data (VmData), which RLIMIT_DATA bounds, or another size /proc/self/status gives (VmSize:
    its address space, which RLIMIT_AS bounds); None if it cannot be read (not Linux)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as status:
            return int(re.search(rf"^{field}:\s*(\d+) kB", status.read(), re.MULTILINE).group(1)) * 1024
    except (OSError, AttributeError, ValueError):
        return None


# Saxon's runtime reserves 32 GB of address space when it starts (see above); under a smaller RLIMIT_AS (ulimit -v,
# common on shared computing clusters and CI runners) it cannot, and it ends the whole process (exit 2, "graal_
# create_isolate error") rather than raise. With saxonche 13.1.1 it started with the limit 32.11 GB above the
# process's VmSize and not below: room is asked for with a margin. saxonche has no option to reserve less.
_SAXON_ADDRESS_SPACE = 32 * 2**30 + 512 * 2**20


def saxon_cannot_start() -> str | None:
    """Why Saxon's runtime cannot start in this process (its address space is limited below what the runtime
    reserves), or None when it can, or already has."""
    if getattr(_saxon, "processor", None) is not None:
        return None
    try:
        import resource  # not on Windows

        limit = resource.getrlimit(resource.RLIMIT_AS)[0]
    except (ImportError, AttributeError):
        return None
    used = _data_size("VmSize") or 0
    if limit == resource.RLIM_INFINITY or limit - used >= _SAXON_ADDRESS_SPACE:
        return None
    return (f"Saxon, which runs them, reserves {_SAXON_ADDRESS_SPACE / 2**30:.0f} GB of address space when it starts, "
            f"more than this process's limit of {limit / 2**30:,.1f} GB (RLIMIT_AS, ulimit -v) allows")


def cannot_run_warning() -> str | None:
    """The one warning of a run in which Saxon cannot start (each file's finding says so too), or None."""
    why = saxon_cannot_start()
    return None if why is None else \
        f"warning: the Schematron rules are not checked in this run (the other checks are): {why}"


def memory_left() -> tuple[int, str] | None:
    """Bytes this process can still take, and where ("under its data limit..."): its RLIMIT_DATA less its data
    (VmData), or the memory available on the machine (MemAvailable), whichever is less; None where neither can
    be read."""
    found = []
    try:
        import resource  # not on Windows

        limit = resource.getrlimit(resource.RLIMIT_DATA)[0]
        used = _data_size()
        if limit != resource.RLIM_INFINITY and used is not None:
            found.append((limit - used, f"under its data limit of {limit / 2**20:,.0f} MB (RLIMIT_DATA, ulimit -d)"))
    except (ImportError, AttributeError):
        pass
    try:
        with open("/proc/meminfo", encoding="ascii", errors="replace") as meminfo:
            available = int(re.search(r"^MemAvailable:\s*(\d+) kB", meminfo.read(), re.MULTILINE).group(1)) * 1024
        found.append((available, "in the memory available on this machine"))
    except (OSError, AttributeError, ValueError):
        pass
    return min(found) if found else None


class _SaxonHeap:
    """How much of the process's data Saxon's heap holds after its runs, measured as the growth of VmData
    across each run less the Python strings made or freed meanwhile.

    Of that, only the first growth (_SAXON_BASE) is counted as room for the next document: the heap keeps
    all of it, but what the previous documents left there is freed only when the runtime decides to, and it
    does not know RLIMIT_DATA (a 21 MB document, checked once with 200 MB to spare, aborted the process the
    second time with 44 MB left and 166 MB held)."""

    held = 0

    @classmethod
    def reusable(cls) -> int:
        return min(cls.held, _SAXON_BASE)

    @classmethod
    @contextlib.contextmanager
    def measured(cls, given: int):
        """Around one run of Saxon on a text of `given` bytes, which the block frees; the block calls the function
        it is given with Saxon's output."""
        before = _data_size()
        out: list[int] = []
        yield lambda output: out.append(sys.getsizeof(output))
        after = _data_size()
        if before is not None and after is not None and out:
            cls.held = max(0, cls.held + (after - before) + given - out[0])  # the text was freed, the output made


def _no_memory_for(text: str, path: Path, schema: str) -> Finding | None:
    """A finding instead of Saxon's run when the process has no room for it (see saxon_memory), else None."""
    left = memory_left()
    need = saxon_memory(text)
    if left is None or need <= left[0] + _SaxonHeap.reusable():
        return None
    return _skipped(path, schema, f"Saxon, which runs them, would need about {need / 2**20:,.0f} MB for this file "
                                  f"({len(text) / 2**20:,.1f} million characters), and this process has "
                                  f"{max(0, left[0] + _SaxonHeap.reusable()) / 2**20:,.0f} MB left {left[1]}")


def _skipped(path: Path, schema: str, why: str,
             advice: str = "Give the process more memory, or split the file") -> Finding:
    return Finding(str(path), None, None, f"the Schematron rules were not run: {why}; the other checks ran. {advice}",
                   "schematron-skipped", schema)


@contextlib.contextmanager
def _stderr_held():
    """File descriptor 2 goes to a temporary file for the duration; what was written there is passed on to
    stderr if the block succeeds, and dropped if it raises (the exception says it). Saxon's runtime writes
    to the descriptor itself ("Error on line 1 column 1475 ..."), past sys.stderr."""
    sys.stderr.flush()
    saved = os.dup(2)
    try:
        with tempfile.TemporaryFile() as held:
            os.dup2(held.fileno(), 2)
            try:
                yield
            finally:
                os.dup2(saved, 2)
            held.seek(0)
            written = held.read()
            if written:
                os.write(2, written)
    finally:
        os.close(saved)


# What the XML parser inside SaxonC (the JDK's) refuses, by its message code: a document nested deeper than
# jdk.xml.maxElementDepth (100), an element with more attributes, namespace declarations included, than
# jdk.xml.elementAttributeLimit (200), a name (prefix or local part) longer than jdk.xml.maxXMLNameLimit (1000).
_SAXON_LIMIT = re.compile(r'(JAXP00010006):.*depth of "(\d+)"|(JAXP00010002):.*more than "(\d+)" attributes'
                          r'|(JAXP00010005):.*exceeds the "([\d,]+)" limit')


def _failure(tree: etree._ElementTree, path: Path, schema: str, exc: Exception) -> Finding:
    """The finding for a document Saxon could not check: which of its parser's limits the document is over,
    and the element where it first is, when that is why; else Saxon's own words."""
    match = _SAXON_LIMIT.search(str(exc))
    node, over = None, None
    if match and match.group(1):  # depth: the root is at depth 1
        depth = int(match.group(2))
        node = next(iter(tree.xpath("(//*[count(ancestor::*) = $n])[1]", n=depth - 1)), None)
        over = f"no document whose elements are nested more than {depth - 1} deep, and {{}} is at depth {depth}"
    elif match and match.group(3):
        limit = int(match.group(4))
        node = next((e for e in tree.iter() if isinstance(e.tag, str) and _attributes_written(e) > limit), None)
        over = (f"no element with more than {limit} attributes (namespace declarations included), and {{}} has "
                + (str(_attributes_written(node)) if node is not None else "more"))
    elif match and match.group(5):
        limit = int(match.group(6).replace(",", ""))
        node = next((n for n in tree.iter() if any(len(name) > limit for name in _names_written(n))), None)
        over = (f"no name (prefix or local name) longer than {limit} characters, and {{}} has one of "
                + (str(max(map(len, _names_written(node)))) if node is not None else "more"))
    if over is None:
        return Finding(str(path), None, None, f"the Schematron rules could not run: {_first_line(exc)}",
                       "schematron-failed", schema)
    what = ("this processing instruction" if isinstance(node, etree._ProcessingInstruction) else
            f"this <{etree.QName(node).localname[:40]}>" if node is not None else "one")
    line = node.sourceline if node is not None else None
    column = SourcePlaces(path).columns_of([(node, None)])[0] if node is not None else None
    return Finding(str(path), line, column, "the Schematron rules could not run: Saxon, which runs them, reads "
                   + over.format(what), "schematron-failed", schema)


def _attributes_written(element: etree._Element) -> int:
    """The attributes and namespace declarations the element's tag has when serialised."""
    parent = element.getparent()
    inherited = parent.nsmap if parent is not None else {}
    return len(element.attrib) + sum(inherited.get(prefix) != uri for prefix, uri in element.nsmap.items())


def _names_written(node: etree._Element) -> list[str]:
    """The prefixes and local names in a node's tag: the element's, its attributes' and namespaces' (a
    processing instruction's target)."""
    if isinstance(node, etree._ProcessingInstruction):
        return [node.target]
    if not isinstance(node.tag, str):
        return []
    names = [etree.QName(node).localname, node.prefix or ""] + [etree.QName(a).localname for a in node.attrib]
    return names + [prefix for prefix in node.nsmap if prefix]


def _serialised(tree: etree._ElementTree) -> str:
    """The document for Saxon, from lxml's safe parse (internal entities expanded, external ones refused):
    the root element only, so no DOCTYPE is left to fetch or expand."""
    return etree.tostring(tree.getroot(), encoding="unicode")


class NodeIndex:
    """The elements of a document at paths of child indexes from the root ("1/3/2"), as sv:path writes them.

    Each element's element children are listed once, when a path first passes through it, and kept: listing
    them per finding made a document with thousands of findings under one parent quadratic."""

    def __init__(self, tree: etree._ElementTree):
        self._root = tree.getroot()
        self._children: dict[str, list[etree._Element]] = {}  # a path: the element children of its element

    def at(self, path: str | None) -> etree._Element | None:
        """The element at `path` (its attribute step, if any, ignored); the deepest element found when the path
        goes on past the document; None for no path."""
        if not path:
            return None
        steps = [s for s in path.split("/") if s and not s.startswith("@")]
        node = None
        walked = ""
        for step in steps:
            if node is None:
                children = [self._root]
            else:
                children = self._children.get(walked)
                if children is None:
                    children = self._children[walked] = [c for c in node if isinstance(c.tag, str)]
            index = int(step) - 1
            if index >= len(children):
                return node
            node = children[index]
            walked += "/" + step
        return node


def _saxon_message(exc: Exception) -> str:
    """Saxon's message without the place in the generated stylesheet, which means nothing to the user."""
    return re.sub(r"\s*(?:at|on) line \d+ column \d+ of \S*", "", _first_line(exc))


def _first_line(exc: Exception) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
