"""Hostile and odd input for every command that reads a file: the fuzz targets of fuzz/targets.py.

Each target runs one real command (convert, validate, render, text, export csv/dc/teicorpus) in this process
on the bytes it is given, and fails when the command raises or prints a traceback, exits with a code other
than 0, 1 or 2, fails without naming the file, shows or writes the content of a file it was not given,
connects to a listener on 127.0.0.1, or opens a named pipe (see fuzz/targets.py).

1. every seed of fuzz/corpus/ (fuzz/make_corpus.py) through every target;
2. hypothesis: generated XML-ish documents (TEI names, attributes, entities, odd characters), mutations of the
   sample TEI files and transcripts (byte flips, truncations, inserted DOCTYPEs with entities), and raw bytes,
   through every target: a short run by default, `HYPOTHESIS_PROFILE=thorough` for a long one;
3. the network guard: documents that point at a listener on 127.0.0.1 in every way XML can, for every command;
4. the file-read guard: external entities and XIncludes at a secret file, for every command;
5. memory and time: entity bombs, a 100 MB transcript, and (TEI_FUZZ_LONG=1) a 100 MB TEI file (each within
   120 s) and a 5 MB TEI file with thousands of findings (within 30 s) through `python -m tei` in a subprocess limited to 1 GB of
   data (RLIMIT_DATA: Saxon's runtime reserves more address space than any RLIMIT_AS would allow), ending
   with a message that names the file and no traceback.

The converter's default recogniser (spaCy, when installed) converts about 15 KB a second, and the rules about
1 MB: of the seeds larger than 64 KB, the converter gets only the .txt ones, through `--recogniser rules`, and
long-line-1mb.txt (the paragraph longer than spaCy takes) through both; all of them under the thorough profile.
"""

from __future__ import annotations

import importlib.util
import os
import re
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from conftest import ROOT, SAMPLES, recording_listener


def _load(name: str):
    """A module of fuzz/ (not a package: run_atheris.py runs from there), loaded by its path."""
    spec = importlib.util.spec_from_file_location(f"fuzz_{name}", ROOT / "fuzz" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


targets = _load("targets")
corpus = _load("make_corpus")
TARGETS = list(targets.TARGETS)
XML_TARGETS = [t for t in TARGETS if t not in targets.TRANSCRIPT_TARGETS]
THOROUGH = os.environ.get("HYPOTHESIS_PROFILE") == "thorough"
# The 100 MB TEI and many-findings runs take minutes: TEI_FUZZ_LONG=1 pytest tests/test_fuzz.py runs them.
LONG = os.environ.get("TEI_FUZZ_LONG") == "1"
long_run = pytest.mark.skipif(not LONG, reason="a long run: TEI_FUZZ_LONG=1 runs it")


# --- 1. the seed corpus -----------------------------------------------------------------------

SEEDS = sorted(targets.CORPUS.iterdir())
# The converter takes seconds a megabyte (spaCy a minute): the large .xml seeds, which are only odd transcripts
# to it, are left out of the converter's runs, and so are the large .txt seeds of its spaCy runs but for the
# paragraph longer than spaCy takes; all of them under HYPOTHESIS_PROFILE=thorough.
BIG_SEED_BYTES = 64 * 1024
SPACY_BIG_SEEDS = {"long-line-1mb.txt"}


def test_the_corpus_is_what_make_corpus_writes():
    assert sorted(p.name for p in SEEDS) == sorted(corpus.SEEDS)
    for name, content in corpus.SEEDS.items():
        expected = content.encode("utf-8") if isinstance(content, str) else content
        assert (targets.CORPUS / name).read_bytes() == expected, f"{name}: run python fuzz/make_corpus.py"


def _seed_pairs():
    for seed in SEEDS:
        for name in TARGETS:
            big = seed.stat().st_size > BIG_SEED_BYTES
            if not THOROUGH and name in targets.TRANSCRIPT_TARGETS and big and (
                    seed.suffix != ".txt" or name == "convert" and seed.name not in SPACY_BIG_SEEDS):
                continue
            yield pytest.param(seed, name, id=f"{seed.name}-{name}")


@pytest.mark.parametrize("seed, name", list(_seed_pairs()))
def test_seed(seed, name):
    targets.TARGETS[name](seed.read_bytes())


# --- 2. hypothesis ----------------------------------------------------------------------------

# About 30 examples per target in CI (the "ci" profile's 150 / 5), 600 under HYPOTHESIS_PROFILE=thorough.
FUZZ = settings(max_examples=max(20, settings().max_examples // 5), deadline=None,
                suppress_health_check=list(HealthCheck))

# Documents are well-formed three times in four, so that most reach the code behind the parser; the fourth
# is hostile throughout: raw markup characters, undefined entities, characters XML cannot hold, names with
# unbound prefixes, prologs in the wrong order, an encoding declaration that lies.
NAMES = st.sampled_from([
    "TEI", "teiCorpus", "teiHeader", "fileDesc", "titleStmt", "title", "publicationStmt", "publisher", "sourceDesc",
    "profileDesc", "creation", "correspDesc", "correspAction", "langUsage", "language", "date", "text", "front",
    "body", "back", "div", "p", "head", "hi", "lb", "pb", "note", "persName", "placeName", "orgName", "name", "rs",
    "choice", "sic", "corr", "orig", "reg", "gap", "unclear", "supplied", "metamark", "opener", "closer", "salute",
    "signed", "dateline", "postscript", "standOff", "listPerson", "person", "personGrp", "listPlace", "place",
    "listOrg", "org", "idno", "ref", "ptr", "xi:include", "html", "script", "a",
])
HOSTILE_NAMES = st.one_of(NAMES, st.sampled_from(["x:y", "tei:p", "1p", "p-", "xml", "-", "p\u00e9", "\u0660"]))
ATTRIBUTE_NAMES = st.sampled_from([
    "xml:id", "ref", "when", "notBefore", "notAfter", "from", "to", "rend", "type", "reason", "n", "xml:lang",
    "target", "corresp", "facs", "href", "parse", "style", "onclick", "xml:base", "xml:space", "xmlns",
])
ODD = [
    "&amp;", "&lt;", "&#65;", "&#x10FFFF;", "\u202e", "\ufeff", "\u200b", "\x85", "\u2028", "\r", "\r\n", "\t",
    "𝔘𝔫𝔦𝔠𝔬𝔡𝔢", "北京", "Москва", "\U0010ffff", "\ufffd", "[illegible]", "[sic]", "[?]", "[Dalian]", "[", "]",
    "1945-07-03", "@SECRET@", "@SECRET_PATH@", "@LISTENER@/x", "@FIFO@", "#stalin", "#", "javascript:alert(1)",
    "../../etc/passwd", "index", "'", "&quot;", "x" * 300, " ", "",
]
RAW = ["&#0;", "&#x1;", "&#xD800;", "&#xFFFE;", "&#99999999;", "&undefined;", "&", "<", "]]>", "<!--", "<?",
       "\x00", "\x07", "\x0b", "\x1b", "\ufffe", '"', "</p>", "<p>"]
XML_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\ufffe\uffff").filter(
    lambda c: c >= " " or c in "\t\n\r")


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


SAFE_TEXT = st.one_of(st.text(XML_CHARS, max_size=12).map(_escape), st.sampled_from(ODD))
ANY_TEXT = st.one_of(SAFE_TEXT, st.sampled_from(RAW), st.text(st.characters(exclude_categories=("Cs",)),
                                                            max_size=12))
VALUES = st.one_of(st.sampled_from(["#stalin", "#nobody", "stalin", "1945", "1945-02-30", "99999-99-99", "b",
                                    "illegible", "sent", "document", "en", "x y z", ""]), SAFE_TEXT)


def _attributes(pairs) -> str:
    return "".join(f' {name}="{value}"' for name, value in pairs)


def _element(name: str, attributes, children) -> str:
    inner = "".join(children)
    return f"<{name}{_attributes(attributes)}>{inner}</{name}>" if inner else f"<{name}{_attributes(attributes)}/>"


def trees(text, names=NAMES, hostile: bool = False):
    """Elements with TEI names (and some others), up to 3 attributes each, around `text`."""
    attributes = (st.lists(st.tuples(ATTRIBUTE_NAMES, st.one_of(VALUES, ANY_TEXT)), max_size=3) if hostile else
                  st.dictionaries(ATTRIBUTE_NAMES.filter(lambda a: a != "xmlns"), VALUES, max_size=3)
                  .map(lambda d: sorted(d.items())))
    return st.recursive(text, lambda kids: st.builds(_element, names, attributes, st.lists(kids, max_size=4)),
                        max_leaves=20)


DOCTYPES = [
    '<!DOCTYPE TEI [<!ENTITY e "entity text"><!ENTITY lol "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">]>\n',
    '<!DOCTYPE TEI [<!ENTITY e "<hi>markup</hi>"><!ENTITY lol "<p>&e;">]>\n',
    '<!DOCTYPE TEI [<!ENTITY ext SYSTEM "@SECRET@"><!ENTITY e "x">]>\n',
    '<!DOCTYPE TEI [<!ENTITY ext SYSTEM "@SECRET_PATH@">]>\n',
    '<!DOCTYPE TEI [<!ENTITY ext SYSTEM "@LISTENER@/ext">]>\n',
    '<!DOCTYPE TEI [<!ENTITY ext SYSTEM "@FIFO@">]>\n',
    '<!DOCTYPE TEI [<!ENTITY % p SYSTEM "@LISTENER@/p.dtd"> %p;]>\n',
    '<!DOCTYPE TEI [<!ENTITY % p SYSTEM "@SECRET@"> %p;]>\n',
    '<!DOCTYPE TEI SYSTEM "@LISTENER@/tei.dtd">\n',
    '<!DOCTYPE TEI SYSTEM "@FIFO@">\n',
    '<!DOCTYPE TEI PUBLIC "-//TEI//DTD TEI P5//EN" "@LISTENER@/tei.dtd">\n',
    '<!DOCTYPE TEI [<!ATTLIST p rend CDATA "fixed"><!ATTLIST hi xml:id ID #IMPLIED>]>\n',
    '<!DOCTYPE TEI [' + '<!ENTITY l0 "lol">' + "".join(f'<!ENTITY l{i} "{f"&l{i - 1};" * 10}">'
                                                      for i in range(1, 10)) + '<!ENTITY lol "&l9;">]>\n',
]
MISC = ['<?xml-stylesheet type="text/xsl" href="@LISTENER@/s.xsl"?>\n', '<?xml-model href="@LISTENER@/m.rng"?>\n',
        "<!-- a comment -->\n", "\n"]
# encoding: (the codec, what the XML declaration says)
ENCODINGS = {"utf-8": "UTF-8", "utf-8-sig": "UTF-8", "utf-16": "UTF-16", "latin-1": "ISO-8859-1",
             "cp1252": "windows-1252"}


@st.composite
def tei_documents(draw) -> bytes:
    """A TEI document (now and then a teiCorpus, or another root) whose parts are generated trees."""
    hostile = draw(st.integers(0, 3)) == 0
    codec = draw(st.sampled_from(list(ENCODINGS)))
    doctype = draw(st.sampled_from(["", "", *DOCTYPES]))
    defined = [name for name in re.findall(r"<!ENTITY (\w+)", doctype)]
    text = st.one_of(SAFE_TEXT, *([st.sampled_from([f"&{n};" for n in defined])] if defined else []))
    if hostile:
        text = st.one_of(text, ANY_TEXT)
    tree = trees(text, HOSTILE_NAMES if hostile else NAMES, hostile)
    root = draw(st.sampled_from(["TEI"] * 6 + ["teiCorpus", "html", "tei:TEI"] + (["TEI:TEI", "x"] if hostile else [])))
    namespace = draw(st.sampled_from([' xmlns="http://www.tei-c.org/ns/1.0"'] * 6 + [
        "", ' xmlns="http://www.tei-c.org/ns/2.0"', ' xmlns:tei="http://www.tei-c.org/ns/1.0"']))
    if root == "tei:TEI" and not hostile:
        namespace += ' xmlns:tei="http://www.tei-c.org/ns/1.0"'
    namespace += ' xmlns:xi="http://www.w3.org/2001/XInclude"' if not hostile else ""
    header = (f"<teiHeader><fileDesc><titleStmt><title>{draw(tree)}</title></titleStmt><publicationStmt>"
              f"<publisher>{draw(text)}</publisher></publicationStmt><sourceDesc>{draw(tree)}</sourceDesc>"
              f'</fileDesc><profileDesc><creation><date when="{draw(VALUES)}">{draw(text)}</date></creation>'
              f'<correspDesc><correspAction type="sent">{draw(tree)}</correspAction></correspDesc>'
              "</profileDesc></teiHeader>")
    standoff = ("<standOff><listPerson>" + "".join(
        f'<person xml:id="{draw(VALUES)}">{draw(tree)}</person>' for _ in range(draw(st.integers(0, 2))))
        + "</listPerson></standOff>")
    body = "".join(f"<p>{draw(tree)}</p>" for _ in range(draw(st.integers(0, 4))))
    if draw(st.integers(0, 3)) == 0:  # deep: Saxon stops at 100 levels, libxml2 at 256, Python at 1000 frames
        depth = draw(st.one_of(st.sampled_from([20, 101, 200, 260]), st.integers(240, 252)))
        opening, closing = draw(st.sampled_from([('<hi rend="b">', "</hi>"), ("<seg>", "</seg>"),
                                                 ("<choice>", "</choice>"), ('<note place="foot">', "</note>")]))
        body += f"<p>{opening * depth}{draw(text)}{closing * depth}</p>"
    inner = header + draw(st.sampled_from([standoff, ""])) + f"<text><body><div>{body}</div></body></text>"
    if root == "teiCorpus":
        inner = header + f"<TEI>{inner}</TEI>" * draw(st.integers(0, 2))
    declaration = draw(st.sampled_from(["", f'<?xml version="1.0" encoding="{ENCODINGS[codec]}"?>\n',
                                        f"<?xml version=\"1.{draw(st.integers(0, 1))}\"?>\n"]))
    if codec not in ("utf-8", "utf-8-sig") and not declaration.count("encoding"):
        declaration = f'<?xml version="1.0" encoding="{ENCODINGS[codec]}"?>\n'
    prolog = [declaration, *draw(st.lists(st.sampled_from(MISC), max_size=2)), doctype]
    if hostile:
        prolog = draw(st.permutations(prolog + draw(st.lists(st.sampled_from(DOCTYPES), max_size=1))))
        codec = draw(st.sampled_from([codec, "utf-8", "utf-16-be", "latin-1"]))  # the declaration may lie now
    document = "".join(prolog) + f"<{root}{namespace}>{inner}</{root}>\n"
    if hostile and draw(st.booleans()):  # something of it cut off, or doubled
        cut = draw(st.integers(0, len(document)))
        document = draw(st.sampled_from([document[:cut], document[:cut] + document[cut // 2:]]))
    return document.encode(codec, errors="xmlcharrefreplace" if not hostile else "replace")


BARE = st.builds(lambda misc, tree, codec: (misc + tree).encode(codec, errors="replace"),
                 st.sampled_from(["", *MISC, *DOCTYPES]), trees(ANY_TEXT, HOSTILE_NAMES, hostile=True),
                 st.sampled_from(list(ENCODINGS)))
# what the mutations insert: a fragment that keeps the document well-formed (into content), or anything
CONTENT_INSERTS = st.one_of(SAFE_TEXT, trees(SAFE_TEXT), st.sampled_from([20, 101, 200, 240, 245, 300]).map(
    lambda depth: '<hi rend="b">' * depth + "deep" + "</hi>" * depth), st.sampled_from([
    "&amp;", "<!-- c -->", "<?pi x?>", "<![CDATA[<not> & markup]]>",
    '<xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="@SECRET_PATH@" parse="text"/>',
    '<persName ref="#nobody">N</persName>', '<date when="1945-02-30">d</date>', "word " * 5000,
]))
RAW_INSERTS = st.one_of(st.sampled_from([d.encode() for d in DOCTYPES] + [
    b"&e;", b"&lol;", b"&ext;", b"&undefined;", b"<", b"&", b"]]>", b"\x00", b"\xff\xfe", b"\xc3", b"\xed\xa0\x80",
    b"\r", b'<hi rend="b">' * 300, b"<p>" * 300, b"</p>", b' xml:id="index"', b' ref="#nobody"', b"\xef\xbb\xbf",
]), st.binary(min_size=1, max_size=16))


def _content_positions(data: bytearray) -> list[int]:
    """Offsets just after a tag's '>' inside the root element: text and elements inserted there stay in content."""
    start = max(data.find(b"<TEI"), data.find(b"<teiCorpus"))
    end = max(data.rfind(b"</TEI>"), data.rfind(b"</teiCorpus>"))
    if start < 0 or end < 0:
        return []
    first = data.find(b">", start) + 1
    return [i + 1 for i in range(first, end) if data[i] == ord(">") and data[i - 1] not in b"-?"]


def _start_tag_ends(data: bytearray) -> list[int]:
    """Offsets of the '>' that close start tags (where an attribute can go in)."""
    ends = []
    for i in range(len(data)):
        if data[i] == ord(">") and i and data[i - 1] not in b"/-?]":
            opening = data.rfind(b"<", 0, i)
            if opening >= 0 and data[opening + 1:opening + 2] not in (b"/", b"!", b"?"):
                ends.append(i)
    return ends


@st.composite
def mutated(draw, bases: list[bytes]) -> bytes:
    """One of `bases` with 1-4 mutations. Half of the time only ones that keep it well-formed: text,
    elements, deep nesting, an attribute, a DOCTYPE with entities before the root and one of its entities
    in the text; otherwise also byte flips, truncations, deletions, duplications and raw insertions."""
    data = bytearray(draw(st.sampled_from(bases)))
    gentle = draw(st.booleans())
    ops = ["content", "content", "attribute", "doctype"] + ([] if gentle else [
        "flip", "truncate", "delete", "duplicate", "raw", "raw"])
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(ops))
        at = draw(st.integers(0, len(data)))
        if op == "content":
            places = _content_positions(data)
            if places:
                where = draw(st.sampled_from(places))
                data[where:where] = draw(CONTENT_INSERTS).encode("utf-8")
        elif op == "attribute":
            places = _start_tag_ends(data)
            if places:
                where = draw(st.sampled_from(places))
                name = draw(st.sampled_from(["n", "rend", "type", "ref", "when", "xml:lang", "corresp", "target"]))
                data[where:where] = f' {name}="{draw(VALUES)}"'.encode("utf-8")
        elif op == "doctype" and b"<!DOCTYPE" not in data:
            root = max(data.find(b"<TEI"), data.find(b"<teiCorpus"), 0)
            doctype = draw(st.sampled_from(DOCTYPES))
            data[root:root] = doctype.encode()
            names = re.findall(r"<!ENTITY (\w+)", doctype)
            places = _content_positions(data)
            if names and places:
                where = draw(st.sampled_from(places))
                data[where:where] = f"&{draw(st.sampled_from(names))};".encode()
        elif op == "flip" and data:
            at = min(at, len(data) - 1)
            data[at] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del data[at:]
        elif op == "delete":
            del data[at:at + draw(st.integers(1, 64))]
        elif op == "duplicate":
            data[at:at] = data[at:at + draw(st.integers(1, 256))]
        elif op == "raw":
            data[at:at] = draw(RAW_INSERTS)
    return bytes(data)


WORDS = st.one_of(st.sampled_from([
    "the", "port", "Soong", "Stalin", "Outer Mongolia", "Darien", "Moscow", "July 3, 1945", "the President",
    "[ILLEGIBLE]", "[sic]", "[Dalian]", "[?]", "quote", "unquote", "Mr.", "U.S.S.R.", "Subject:", "TOP SECRET",
    "From:", "To:", "Date:", "Contents:", "Document Information", "Transcript - English", "Skip to content",
]), st.sampled_from(ODD), st.sampled_from(RAW), st.text(XML_CHARS, max_size=12))
LINE_ENDS = st.sampled_from(["\n", "\n", "\r\n", "\r"])


@st.composite
def transcripts(draw) -> bytes:
    """A transcript: lines of words and odd characters, blank lines between paragraphs, now and then a very
    long paragraph, in one of several encodings."""
    end = draw(LINE_ENDS)
    paragraphs = [" ".join(draw(st.lists(WORDS, min_size=1, max_size=30))) for _ in range(draw(st.integers(0, 8)))]
    if draw(st.integers(0, 9)) == 0:
        paragraphs.append("word " * draw(st.integers(1_000, 20_000)))
    text = (end * draw(st.integers(1, 3))).join(p.replace("\n", end) for p in paragraphs)
    return text.encode(draw(st.sampled_from(["utf-8", "utf-8", "utf-8", "utf-8-sig", "utf-16", "latin-1"])),
                       errors="replace")


TEI_BYTES: list[bytes] = [(targets.CORPUS / "valid.xml").read_bytes(), (targets.CORPUS / "teicorpus.xml").read_bytes()]
TRANSCRIPT_BYTES = [path.read_bytes() for path in SAMPLES]


@pytest.fixture(scope="session")
def samples(sample_tei) -> None:
    """Adds the sample TEI files (the samples converted) to TEI_BYTES, the bases of the mutations (kept out of
    the test's arguments, which hypothesis prints with a failing example)."""
    TEI_BYTES.extend(path.read_bytes() for path in sample_tei.values() if path.read_bytes() not in TEI_BYTES)


@pytest.mark.parametrize("name", XML_TARGETS)
@FUZZ
@given(data=st.data())
def test_hypothesis_tei(name, samples, data):
    document = data.draw(st.one_of(tei_documents(), tei_documents(), mutated(TEI_BYTES), mutated(TEI_BYTES),
                                   BARE, st.binary(max_size=512)), label="document")
    targets.TARGETS[name](document)


@pytest.mark.parametrize("name", targets.TRANSCRIPT_TARGETS)
@FUZZ
@given(data=st.data())
def test_hypothesis_transcript(name, samples, data):
    transcript = data.draw(st.one_of(transcripts(), transcripts(), transcripts(), mutated(TRANSCRIPT_BYTES),
                                     tei_documents(), st.binary(max_size=512)), label="transcript")
    targets.TARGETS[name](transcript)


# --- 3. the network guard ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def listener():
    with recording_listener() as guard:
        yield guard


XI = 'xmlns:xi="http://www.w3.org/2001/XInclude"'
# name: the document, given the listener's URL
REMOTE = {
    "dtd": lambda url: corpus.tei("x", f'<!DOCTYPE TEI SYSTEM "{url}/tei.dtd">\n'),
    "dtd-public": lambda url: corpus.tei("x", f'<!DOCTYPE TEI PUBLIC "-//TEI//DTD TEI P5//EN" "{url}/tei.dtd">\n'),
    "entity": lambda url: corpus.tei("&s;", f'<!DOCTYPE TEI [<!ENTITY s SYSTEM "{url}/entity">]>\n'),
    "entity-public": lambda url: corpus.tei("&s;", f'<!DOCTYPE TEI [<!ENTITY s PUBLIC "-//X//Y" "{url}/e">]>\n'),
    "parameter-entity": lambda url: corpus.tei("x", f'<!DOCTYPE TEI [<!ENTITY % p SYSTEM "{url}/p.dtd"> %p;]>\n'),
    "entity-in-attribute-default": lambda url: corpus.tei(
        "x", f'<!DOCTYPE TEI [<!ENTITY % p SYSTEM "{url}/p.dtd"><!ATTLIST p rend CDATA "%p;">]>\n'),
    "xinclude": lambda url: corpus.tei(f'<xi:include {XI} href="{url}/xi.xml"/>'
                                       f'<xi:include {XI} href="{url}/xi.txt" parse="text"/>'),
    "stylesheet": lambda url: corpus.tei("x", f'<?xml-stylesheet type="text/xsl" href="{url}/s.xsl"?>\n'),
    "xml-model": lambda url: corpus.tei("x", f'<?xml-model href="{url}/m.rng" type="application/xml"?>\n'),
    "schema-location": lambda url: corpus.tei(
        "x", "", ' xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
                 f'xsi:schemaLocation="http://www.tei-c.org/ns/1.0 {url}/tei.xsd"'),
    "base-and-pointers": lambda url: corpus.tei(
        f'<ptr target="{url}/ptr"/><ref target="{url}/ref">r</ref><persName ref="{url}/p">N</persName>',
        "", f' xml:base="{url}/"'),
}


@pytest.mark.parametrize("kind", list(REMOTE))
@pytest.mark.parametrize("name", TARGETS)
def test_no_command_touches_the_network(listener, name, kind):
    url, connections = listener
    before = len(connections)
    targets.TARGETS[name](REMOTE[kind](url).encode("utf-8"))
    assert connections[before:] == [], f"tei {name} connected to {url}: {connections[before:]!r}"


# --- 4. the file-read guard -------------------------------------------------------------------

# name: the document, given the secret's absolute path (the document is at <secret's folder>/*/in/doc.xml)
LOCAL = {
    "entity-file-url": lambda secret: corpus.tei("&s;", f'<!DOCTYPE TEI [<!ENTITY s SYSTEM "{secret.as_uri()}">]>\n'),
    "entity-path": lambda secret: corpus.tei("&s;", f'<!DOCTYPE TEI [<!ENTITY s SYSTEM "{secret}">]>\n'),
    "entity-relative": lambda secret: corpus.tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "../../secret.txt">]>\n'),
    "entity-in-title": lambda secret: corpus.tei("x", f'<!DOCTYPE TEI [<!ENTITY s SYSTEM "{secret}">]>\n').replace(
        "<title>t</title>", "<title>&s;</title>"),
    "parameter-entity": lambda secret: corpus.tei("x", f'<!DOCTYPE TEI [<!ENTITY % s SYSTEM "{secret}"> %s;]>\n'),
    "dtd": lambda secret: corpus.tei("x", f'<!DOCTYPE TEI SYSTEM "{secret}">\n'),
    "xinclude-text": lambda secret: corpus.tei(f'<xi:include {XI} href="{secret}" parse="text"/>'),
    "xinclude-relative": lambda secret: corpus.tei(f'<xi:include {XI} href="../../secret.txt" parse="text"/>'),
    "named-pipe": lambda secret: corpus.tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "@FIFO@">]>\n'),
}


@pytest.mark.parametrize("kind", list(LOCAL))
@pytest.mark.parametrize("name", TARGETS)
def test_no_command_reads_a_file_it_was_not_given(tmp_path, name, kind):
    secret_text = f"SECRET{uuid.uuid4().hex}"
    secret = tmp_path / "secret.txt"
    secret.write_text(secret_text + "\n", encoding="utf-8")
    # run() fails when the secret is in the output or in any file written, or the named pipe was opened
    targets.run(name, LOCAL[kind](secret).encode("utf-8"), secrets=(secret_text,), where=tmp_path)


# --- 5. memory and time -----------------------------------------------------------------------

LIMIT_BYTES = 2**30
LIMIT_SECONDS = 120


def _limit_memory() -> None:
    # Not RLIMIT_AS: Saxon's runtime (a GraalVM isolate) reserves over 32 GB of address space at start.
    resource.setrlimit(resource.RLIMIT_DATA, (LIMIT_BYTES, LIMIT_BYTES))


def run_limited(*args, limit: float = LIMIT_SECONDS) -> tuple[subprocess.CompletedProcess | None, float]:
    """`python -m tei ARGS` under RLIMIT_DATA 1 GB; (the process, or None if it outlived `limit` seconds; seconds)."""
    env = {k: v for k, v in os.environ.items() if k not in ("TEI_ALL", "GITHUB_STEP_SUMMARY")}
    start = time.monotonic()
    try:
        done = subprocess.run([sys.executable, "-m", "tei", *map(str, args)], capture_output=True, text=True,
                              errors="replace", timeout=limit, preexec_fn=_limit_memory, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return None, time.monotonic() - start
    return done, time.monotonic() - start


def assert_reported(done, seconds: float, path: Path, args, codes=(1,)) -> None:
    command = f"python -m tei {' '.join(map(str, args))}"
    assert done is not None, f"{command} still ran after {seconds:.0f} s (RLIMIT_DATA 1 GB)"
    output = done.stdout[-3000:] + done.stderr[-3000:]
    assert "Traceback" not in done.stdout + done.stderr, f"{command} ({seconds:.0f} s):\n{output}"
    assert done.returncode in codes, f"{command}: exit code {done.returncode} after {seconds:.0f} s:\n{output}"
    if done.returncode != 0:
        assert str(path) in done.stdout + done.stderr, f"{command} does not name {path}:\n{output}"
    assert len(done.stderr) < 100_000, f"{command} wrote {len(done.stderr)} characters to stderr"


def _reading_commands(path: Path, out: Path) -> dict[str, list]:
    collection = ROOT / "sources" / "collection.toml"
    return {
        "validate": ["validate", path],
        "render": ["render", path, "-o", out / "html"],
        "text": ["text", path],
        "export-csv": ["export", "csv", path, "-o", out / "csv", "--collection", collection],
        "export-dc": ["export", "dc", path, "-o", out / "dc", "--collection", collection],
        "export-teicorpus": ["export", "teicorpus", path, "-o", out / "corpus.xml", "--collection", collection],
    }


@pytest.mark.parametrize("seed", ["billion-laughs.xml", "quadratic-blowup.xml"])
@pytest.mark.parametrize("command", list(_reading_commands(Path(), Path())))
def test_entity_bombs_are_reported_within_bounded_memory(tmp_path, seed, command):
    path = tmp_path / seed
    path.write_bytes((targets.CORPUS / seed).read_bytes())
    args = _reading_commands(path, tmp_path / "out")[command]
    done, seconds = run_limited(*args)
    assert_reported(done, seconds, path, args)


def _write_repeated(path: Path, chunk: bytes, size: int, head: bytes = b"", tail: bytes = b"") -> Path:
    """A file of about `size` bytes: head, chunk as often as it takes, tail; written a MB at a time."""
    block = chunk * max(1, 2**20 // len(chunk))
    with path.open("wb") as handle:
        handle.write(head)
        written = 0
        while written < size:
            handle.write(block)
            written += len(block)
        handle.write(tail)
    return path


def test_a_100_mb_transcript_is_converted_or_refused_within_bounded_memory_and_time(tmp_path):
    """The first sample transcript over and over, 100 MB of it, with the default recogniser."""
    path = _write_repeated(tmp_path / "huge.txt", SAMPLES[0].read_bytes() + b"\n\n", 100 * 2**20)
    args = ["convert", path, "-o", tmp_path / "out"]
    done, seconds = run_limited(*args)
    assert_reported(done, seconds, path, args, codes=(0, 1))


PERSON = ('<standOff><listPerson><person xml:id="stalin"><persName>Joseph Stalin</persName></person></listPerson>'
          "</standOff>")
PARAGRAPH = ('</p>\n<p>Met <persName ref="#stalin">Stalin</persName> on <date when="1945-07-03">3 July</date>; '
             '<gap reason="illegible"/> ' + "word " * 150)


def _big_tei(path: Path, size: int, paragraph: str = PARAGRAPH) -> Path:
    head, tail = corpus.tei("@@").split("@@")
    return _write_repeated(path, paragraph.encode(), size, head.replace("</teiHeader>", "</teiHeader>" + PERSON)
                           .encode(), tail.encode())


@pytest.fixture(scope="module")
def tei_100mb(tmp_path_factory) -> Path:
    """A valid TEI file of 100 MB: one paragraph (a name, a date, a gap) after another, on lines of their own."""
    return _big_tei(tmp_path_factory.mktemp("big") / "huge.xml", 100 * 2**20)


@long_run
@pytest.mark.parametrize("command", list(_reading_commands(Path(), Path())))
def test_a_100_mb_tei_file_is_read_or_refused_within_bounded_memory_and_time(tmp_path, tei_100mb, command):
    args = _reading_commands(tei_100mb, tmp_path / "out")[command]
    done, seconds = run_limited(*args)
    assert_reported(done, seconds, tei_100mb, args, codes=(0, 1))


@long_run
def test_many_findings_take_time_in_proportion(tmp_path):
    """5 MB of paragraphs, each with a name that points nowhere: 5,741 findings, in well under 30 s (a valid
    file of that size takes about a second)."""
    path = _big_tei(tmp_path / "findings.xml", 5 * 2**20, PARAGRAPH.replace("#stalin", "#nobody"))
    args = ["validate", path]
    done, seconds = run_limited(*args, limit=30)
    assert_reported(done, seconds, path, args)
    assert done.stdout.count(f"{path}:") > 5000
