"""The project's schema, schema/tei_transcripts.rng: a strict subset of TEI All.

1. Every converted sample is valid against the project schema (lxml and jing agree)
   and against TEI All (jing).
2. Hand-written documents: valid ones pass both schemas; each invalid variant is
   rejected by the project schema, one test per stricter rule.
3. Documents generated at random from the project grammar itself are all valid
   against TEI All: the subset claim, checked for every element and content model,
   not only for the ones a hand-written example happens to use.
"""

from __future__ import annotations

import itertools
import random
from pathlib import Path

import pytest
from lxml import etree

from conftest import ROOT, jing

SCHEMA = ROOT / "schema" / "tei_transcripts.rng"
TEI_NS = "http://www.tei-c.org/ns/1.0"


@pytest.fixture(scope="session")
def project_schema() -> etree.RelaxNG:
    return etree.RelaxNG(etree.parse(str(SCHEMA)))


def lxml_valid(schema: etree.RelaxNG, path: Path) -> tuple[bool, str]:
    ok = schema.validate(etree.parse(str(path)))
    return ok, "" if ok else str(schema.error_log)


def assert_jing_valid(schema: Path, *files: Path) -> None:
    result = jing(schema, *files)
    assert result.returncode == 0, f"jing {schema.name}:\n{result.stdout}{result.stderr}"


# ---------------------------------------------------------------------------
# 1. The converted samples
# ---------------------------------------------------------------------------

def test_schema_is_valid_relax_ng_for_both_validators(project_schema):
    result = jing(SCHEMA)  # jing with a schema and no instance only checks the schema
    assert result.returncode == 0, result.stdout + result.stderr


def test_samples_valid_against_project_schema_lxml(sample_tei, project_schema):
    assert sample_tei, "no sample transcripts were converted"
    for stem, path in sample_tei.items():
        ok, log = lxml_valid(project_schema, path)
        assert ok, f"{stem}: {log}"


def test_samples_valid_against_project_schema_jing(sample_tei):
    assert_jing_valid(SCHEMA, *sample_tei.values())


def test_samples_valid_against_tei_all(sample_tei, tei_all):
    assert_jing_valid(tei_all, *sample_tei.values())


# ---------------------------------------------------------------------------
# 2. Hand-written documents
# ---------------------------------------------------------------------------

HEADER = """<teiHeader>
    <fileDesc>
      <titleStmt>{title}</titleStmt>
      <publicationStmt><publisher>Unpublished TEI edition</publisher></publicationStmt>
      <sourceDesc><p>The plain-text transcript letter.txt.</p></sourceDesc>
    </fileDesc>
  </teiHeader>"""


def tei(body: str, title: str = "<title>A letter</title>", header: str | None = None, stand_off: str = "") -> str:
    """A whole TEI document around `body` (the content of one div)."""
    return (f'<TEI xmlns="{TEI_NS}" xml:lang="en">\n  {header or HEADER.format(title=title)}\n  {stand_off}\n'
            f'  <text><body><div type="document">\n{body}\n  </div></body></text>\n</TEI>\n')


FULL_HEADER = """<teiHeader>
    <fileDesc>
      <titleStmt>
        <title>Cable, Harriman to Truman</title>
        <title type="sub">Paraphrase</title>
        <funder>Chun &amp; Jane Chiu Family Foundation</funder>
        <respStmt><resp>Encoded by</resp><persName>A. Editor</persName></respStmt>
      </titleStmt>
      <publicationStmt>
        <publisher>Unpublished TEI edition</publisher>
        <distributor>An archive</distributor>
        <idno type="record">123411</idno>
        <idno type="URL">https://example.org/document/123411</idno>
        <availability status="restricted">
          <p>Reuse for research permitted.</p>
          <licence target="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</licence>
        </availability>
      </publicationStmt>
      <notesStmt><note type="uploaded">2011-11-04</note></notesStmt>
      <sourceDesc>
        <bibl>"Cable", July 3, 1945. <ptr target="https://example.org/document/123411"/></bibl>
        <msDesc>
          <msIdentifier>
            <repository>Library of Congress</repository>
            <collection>W. A. Harriman Papers</collection>
            <idno>123411</idno>
          </msIdentifier>
        </msDesc>
      </sourceDesc>
    </fileDesc>
    <encodingDesc>
      <appInfo>
        <application ident="tei-transcripts" version="0.1.0"><label>tei-transcripts</label></application>
      </appInfo>
      <editorialDecl><p>Brackets as gap, sic, choice, supplied, note.</p></editorialDecl>
      <classDecl>
        <taxonomy xml:id="classification">
          <desc>Security classification</desc>
          <category xml:id="top-secret"><catDesc>Top Secret</catDesc></category>
        </taxonomy>
      </classDecl>
    </encodingDesc>
    <profileDesc>
      <creation><date when="1945-07-03">July 3, 1945</date></creation>
      <abstract><p>Harriman reports on <persName ref="#soong">Soong</persName>.</p></abstract>
      <correspDesc>
        <correspAction type="sent">
          <persName ref="#harriman">W. Averell Harriman</persName>
          <placeName ref="#moscow">Moscow</placeName>
          <date when="1945-07-03">July 3, 1945</date>
        </correspAction>
        <correspAction type="received">
          <persName ref="#truman">Harry S. Truman</persName>
          <roleName>The Secretary of State</roleName>
        </correspAction>
        <correspAction type="transmitted"><orgName ref="#navy">Navy</orgName></correspAction>
      </correspDesc>
      <langUsage><language ident="en">English</language><language ident="zh-Hant">Chinese</language></langUsage>
      <textClass><keywords scheme="#classification"><term>Top Secret</term></keywords></textClass>
    </profileDesc>
    <revisionDesc><change when="2025-01-02" who="#editor">Checked the names.</change></revisionDesc>
  </teiHeader>"""

STAND_OFF = """<standOff>
    <listPerson>
      <person xml:id="harriman">
        <persName>W. Averell Harriman</persName>
        <persName type="variant">Averell Harriman</persName>
        <birth when="1891"/><death when="1986-07-26"/>
        <idno type="wikidata">Q380900</idno>
        <idno type="viaf">95207079</idno>
        <note>United States Ambassador to the Soviet Union, 1943-1946.</note>
      </person>
      <person xml:id="soong"><persName>T. V. Soong</persName><birth when="1894-12"/></person>
      <person xml:id="truman"><persName>Harry S. Truman</persName></person>
    </listPerson>
    <listPlace>
      <place xml:id="dalian">
        <placeName>Dalian</placeName>
        <placeName type="historical">Darien</placeName>
        <placeName type="historical">Dairen</placeName>
        <idno type="geonames">1814087</idno>
      </place>
      <place xml:id="moscow"><placeName>Moscow</placeName><idno type="wikidata">Q649</idno></place>
    </listPlace>
    <listOrg>
      <org xml:id="navy"><orgName>United States Navy</orgName><idno type="URL">https://www.navy.mil/</idno></org>
    </listOrg>
  </standOff>"""

VALID = {
    "minimal-letter": tei("<p>Dear Sir, the letter.</p>"),
    "empty-division": tei(""),
    "full-header-and-standoff": tei(
        '<p><persName ref="#harriman">Harriman</persName> in <placeName ref="#moscow">Moscow</placeName>.</p>',
        header=FULL_HEADER, stand_off=STAND_OFF),
    "cable-structure": tei("""
      <head>PARAPHRASE OF NAVY CABLE <date when="1945-07-03">JULY 3, 1945</date></head>
      <opener>
        <seg type="classification">TOP SECRET</seg>
        <seg type="address">FROM <persName ref="#harriman">HARRIMAN</persName> TO THE PRESIDENT.</seg>
        <dateline><placeName ref="#moscow">Moscow</placeName>, <date when="1945-07-03">July 3, 1945</date></dateline>
        <salute>Dear Mr. President:</salute>
      </opener>
      <p>The text.</p>
      <closer><salute>Yours,</salute><signed>HARRIMAN</signed><dateline>Moscow</dateline></closer>"""),
    "gap": tei('<p><gap reason="illegible" rend="brackets"><desc>ILLEGIBLE</desc></gap> and <gap reason="garbled"/></p>'),
    "gap-counted": tei('<p><gap reason="illegible" quantity="2" unit="words"><desc>2 words illegible</desc></gap> '
                       '<gap reason="sensitive" quantity="1.5" unit="lines"/></p>'),
    "gap-extent": tei('<p><gap reason="sensitive" extent="less than one line"/><gap reason="damage"/>'
                      '<gap reason="missing"/><gap reason="omitted"/><gap reason="cancelled"/></p>'),
    "choice-orig-reg": tei('<p>port of <placeName ref="#dalian"><choice><orig>Darien</orig><reg>Dalian</reg>'
                           '</choice></placeName></p>'),
    "choice-reg-orig": tei('<p><choice><reg>Dalian</reg><orig>Darien</orig></choice></p>'),
    "choice-sic-corr": tei('<p>absence <choice><sic>form</sic><corr cert="high">from</corr></choice> Chungking</p>'),
    "sic-alone": tei("<p>freely import and <sic>export</sic>.</p>"),
    "unclear": tei('<p><unclear reason="illegible" cert="low">Lozovsky</unclear> and <unclear>word</unclear></p>'),
    "supplied": tei('<p>He told <supplied reason="omitted">the</supplied> Generalissimo.</p>'),
    "q": tei("<p>avoid the term quote <q>lease</q> unquote</p>"),
    "note-editorial": tei('<p>Signed. <note type="editorial">File copy not signed</note></p>'),
    "names-and-roles": tei('<p><persName ref="#chiang"><roleName>the Generalissimo</roleName></persName>, '
                           '<orgName ref="#kmt">Kuomintang</orgName>, <persName cert="low">Mr. Nobody</persName>, '
                           '<persName ref="#soong #stalin">the two</persName></p>'),
    "dates": tei('<p><date when="1945-07-03">July 3, 1945</date>, <date when="1945-07">July 1945</date>, '
                 '<date when="1945">1945</date>, <date notBefore="1945-06" notAfter="1945-08">summer 1945</date>, '
                 "<date>the 2nd</date></p>"),
    "seg-hi-lb": tei('<p><seg type="received">Received 10:40 a.m.</seg><lb/><hi rend="underline caps">Urgent</hi></p>'),
    "nested-divisions": tei('<p>Covering note.</p><div type="attachment"><head>Attachment</head><p>Text.</p></div>'
                            "<closer><signed>RPM</signed></closer>"),
    "global-attributes": tei('<p xml:id="p1" n="1" rend="indent" xml:lang="en-US">Text '
                             '<seg xml:lang="ru" n="a">да</seg></p>'),
}


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / f"{name}.xml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("name", sorted(VALID))
def test_valid_document_passes_project_schema(name, tmp_path, project_schema):
    ok, log = lxml_valid(project_schema, write(tmp_path, name, VALID[name]))
    assert ok, log


def test_valid_documents_pass_both_schemas_in_jing(tmp_path, tei_all):
    files = [write(tmp_path, name, text) for name, text in sorted(VALID.items())]
    assert_jing_valid(SCHEMA, *files)
    assert_jing_valid(tei_all, *files)


# Invalid documents, named by the rule each breaks.
INVALID = {
    "gap-without-reason": tei("<p><gap/></p>"),
    "gap-reason-not-in-list": tei('<p><gap reason="bogus"/></p>'),
    "gap-two-reasons": tei('<p><gap reason="illegible damage"/></p>'),
    "gap-unit-not-in-list": tei('<p><gap reason="illegible" quantity="2" unit="word"/></p>'),
    "gap-quantity-not-a-number": tei('<p><gap reason="illegible" quantity="two" unit="words"/></p>'),
    "gap-quantity-without-unit": tei('<p><gap reason="illegible" quantity="2"/></p>'),
    "choice-two-orig": tei("<p><choice><orig>Darien</orig><orig>Dairen</orig></choice></p>"),
    "choice-orig-without-reg": tei("<p><choice><orig>Darien</orig></choice></p>"),
    "choice-three-parts": tei("<p><choice><orig>Darien</orig><reg>Dalian</reg><reg>Dalny</reg></choice></p>"),
    "choice-orig-with-corr": tei("<p><choice><orig>Darien</orig><corr>Dalian</corr></choice></p>"),
    "reg-outside-choice": tei("<p><reg>Dalian</reg></p>"),
    "ref-not-local-pointer": tei('<p><persName ref="stalin">Stalin</persName></p>'),
    "ref-external-url": tei('<p><placeName ref="https://www.geonames.org/524901">Moscow</placeName></p>'),
    "when-not-a-date": tei('<p><date when="1945-13-45">the date</date></p>'),
    "when-with-time": tei('<p><date when="1945-07-03T10:00:00">the date</date></p>'),
    "when-and-notbefore": tei('<p><date when="1945-07" notBefore="1945-07-01">July</date></p>'),
    "title-missing": tei("<p>Text.</p>", title=""),
    "title-empty": tei("<p>Text.</p>", title="<title></title>"),
    "title-blank": tei("<p>Text.</p>", title="<title>   </title>"),
    "publication-stmt-missing": tei("<p>Text.</p>", header=HEADER.replace(
        "<publicationStmt><publisher>Unpublished TEI edition</publisher></publicationStmt>", "")),
    "source-desc-missing": tei("<p>Text.</p>", header=HEADER.replace(
        "<sourceDesc><p>The plain-text transcript letter.txt.</p></sourceDesc>", "")),
    "correspaction-type-not-in-list": tei("<p>Text.</p>", header=FULL_HEADER.replace(
        'correspAction type="transmitted"', 'correspAction type="copied"')),
    "correspaction-without-type": tei("<p>Text.</p>", header=FULL_HEADER.replace(
        'correspAction type="transmitted"', "correspAction")),
    "language-without-ident": tei("<p>Text.</p>", header=FULL_HEADER.replace(
        '<language ident="en">', "<language>")),
    "wikidata-id-malformed": tei("<p>Text.</p>", stand_off=STAND_OFF.replace(
        '<idno type="wikidata">Q649</idno>', '<idno type="wikidata">649</idno>')),
    "entity-without-id": tei("<p>Text.</p>", stand_off=STAND_OFF.replace(
        '<person xml:id="truman">', "<person>")),
    "hi-without-rend": tei("<p><hi>Urgent</hi></p>"),
    # not TEI at all: the project schema must reject these too
    "element-not-in-subset": tei("<p><foo>x</foo></p>"),
    "text-directly-in-div": tei("Loose text."),
}

# The invalid variants that are also invalid TEI All (the rest are valid TEI All: the rules are the project's own).
NOT_TEI_ALL = {"title-missing", "publication-stmt-missing", "source-desc-missing", "choice-orig-without-reg",
               "element-not-in-subset", "text-directly-in-div", "gap-quantity-not-a-number", "language-without-ident",
               "when-not-a-date"}


@pytest.mark.parametrize("name", sorted(INVALID))
def test_invalid_document_is_rejected(name, tmp_path, project_schema):
    path = write(tmp_path, name, INVALID[name])
    ok, _ = lxml_valid(project_schema, path)
    assert not ok, f"{name}: accepted by the project schema (lxml)"
    assert jing(SCHEMA, path).returncode != 0, f"{name}: accepted by the project schema (jing)"


def test_invalid_variants_are_rules_of_our_own(tmp_path, tei_all):
    """Most variants are valid TEI All: the project schema is stricter, not merely different."""
    files = {name: write(tmp_path, name, text) for name, text in INVALID.items()}
    stricter = [files[name] for name in sorted(set(INVALID) - NOT_TEI_ALL)]
    assert_jing_valid(tei_all, *stricter)
    for name in sorted(NOT_TEI_ALL):
        assert jing(tei_all, files[name]).returncode != 0, f"{name}: unexpectedly valid TEI All"


# ---------------------------------------------------------------------------
# 3. Random documents from the grammar are valid TEI All
# ---------------------------------------------------------------------------

RNG = "{http://relaxng.org/ns/structure/1.0}"
XML_NS = "http://www.w3.org/XML/1998/namespace"

# A value of each datatype, and of each pattern the grammar uses.
_VALUES = {"language": "en", "date": "1945-07-03", "gYearMonth": "1945-07", "gYear": "1945", "gMonthDay": "--07-02",
           "decimal": "1.5",
           "double": "0.5", "string": "some text", "Name": "app", "anyURI": "https://example.org/x",
           "token": "A few words"}
_PATTERN_VALUES = {"Q[1-9][0-9]*": "Q855", "[1-9][0-9]*": "95207079", "\\S+": "https://example.org/x",
                   "[^\\p{C}\\p{Z}]+": "word"}


class RandomDocuments:
    """Random instances of a RELAX NG grammar (the constructs tei_transcripts.rng uses).

    Below `max_depth`, each optional/repeated part is taken 0-3 times and each choice at
    random; deeper, the smallest alternative is taken, so every document is finite.
    """

    def __init__(self, path: Path, seed: int, max_depth: int = 8):
        self.tree = etree.parse(str(path))
        self.defines = {d.get("name"): d for d in self.tree.iter(RNG + "define")}
        self.ns = self.tree.getroot().get("ns")
        self.random = random.Random(seed)
        self.max_depth = max_depth
        self.ids = itertools.count(1)
        self.sizes: dict[str, float] = {}

    @staticmethod
    def kids(node) -> list:
        return [c for c in node if isinstance(c.tag, str) and c.tag.startswith(RNG)
                and c.tag not in (RNG + "param", RNG + "except")]

    def size(self, node, stack: tuple = ()) -> float:
        """The fewest elements a pattern can produce (infinite for a pattern that must recurse)."""
        tag = node.tag[len(RNG):]
        if tag == "ref":
            name = node.get("name")
            if name in stack:
                return float("inf")
            if name not in self.sizes:
                self.sizes[name] = sum(self.size(k, stack + (name,)) for k in self.kids(self.defines[name]))
            return self.sizes[name]
        if tag in ("optional", "zeroOrMore", "empty", "text", "data", "value", "attribute", "list"):
            return 0
        if tag == "choice":
            return min(self.size(k, stack) for k in self.kids(node))
        return (tag == "element") + sum(self.size(k, stack) for k in self.kids(node))

    def document(self) -> etree._Element:
        holder = etree.Element("holder")
        self.build(self.kids(next(self.tree.iter(RNG + "start")))[0], holder, 0)
        return holder[0]

    def build(self, node, parent, depth: int) -> None:
        tag = node.tag[len(RNG):]
        deep = depth >= self.max_depth
        kids = self.kids(node)
        if tag == "ref":
            kids = self.kids(self.defines[node.get("name")])
        if tag == "element":
            parent = etree.SubElement(parent, f"{{{self.ns}}}{node.get('name')}", nsmap={None: self.ns})
            depth += 1
        elif tag == "attribute":
            name = node.get("name")
            parent.set(f"{{{XML_NS}}}{name[4:]}" if name.startswith("xml:") else name, self.value(kids[0]))
            return
        elif tag == "choice":
            if deep:
                least = min(self.size(k) for k in kids)
                kids = [k for k in kids if self.size(k) == least]
            kids = [self.random.choice(kids)]
        elif tag == "interleave":
            self.random.shuffle(kids)
        elif tag in ("optional", "zeroOrMore", "oneOrMore"):
            low = int(tag == "oneOrMore")
            kids = kids * self.random.randint(low, low if deep else 3 if tag != "optional" else 1)
        elif tag in ("text", "data", "value", "list"):
            text = self.random.choice(["text", " more "]) if tag == "text" else self.value(node)
            if len(parent):
                parent[-1].tail = (parent[-1].tail or "") + text
            else:
                parent.text = (parent.text or "") + text
            return
        for kid in kids:
            self.build(kid, parent, depth)

    def value(self, node) -> str:
        tag = node.tag[len(RNG):]
        kids = self.kids(node)
        if tag == "ref":
            return self.value(self.kids(self.defines[node.get("name")])[0])
        if tag == "value":
            return node.text or ""
        if tag == "choice":
            return self.value(self.random.choice(kids))
        if tag == "list":
            return " ".join(self.value(kids[0]) for _ in range(self.random.randint(1, 2)))
        if tag == "oneOrMore":
            return self.value(kids[0])
        if tag == "data":
            type_, pattern = node.get("type"), node.findtext(RNG + "param[@name='pattern']")
            if type_ == "ID":
                return f"id{next(self.ids)}"
            if pattern is None:
                return _VALUES[type_]
            if pattern.startswith("#"):
                return "#an-entity"
            if pattern.startswith("[\\d]+"):
                return "0.1.0"
            return _PATTERN_VALUES[pattern]
        raise ValueError(f"the generator does not know <{tag}>")


def test_random_documents_from_the_grammar_are_valid_tei_all(tmp_path, tei_all, project_schema):
    files, elements = [], set()
    for seed in range(4):
        generator = RandomDocuments(SCHEMA, seed)
        for i in range(25):
            document = generator.document()
            elements.update(etree.QName(e).localname for e in document.iter())
            assert project_schema.validate(etree.ElementTree(document)), str(project_schema.error_log)
            files.append(tmp_path / f"random-{seed}-{i:02}.xml")
            files[-1].write_bytes(etree.tostring(document))
    declared = {e.get("name") for e in etree.parse(str(SCHEMA)).iter(RNG + "element")}
    assert elements == declared, f"never generated: {sorted(declared - elements)}"
    assert_jing_valid(tei_all, *files)
