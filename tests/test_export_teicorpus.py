"""`tei export teicorpus`: one teiCorpus with a corpus header and every document's TEI, valid against TEI All.

Documents converted alike share xml:ids (both samples have a person xml:id="stalin"), which a single file
cannot: the export prefixes each document's ids and rewrites its pointers, and these tests prove that
every pointer still reaches the element it reached in its own file.
"""

from __future__ import annotations

import copy
import dataclasses
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ROOT, jing
from tei.cli import main
from tei.collection import Agent, Collection
from tei.export import ExportInvalid, ExportJob, document_order, teicorpus
from tei.export.teicorpus import POINTER_ATTRIBUTES
from tei.metadata import read_metadata
from tei.validate import check_tree, load_checks
from tei.xmlread import parse_tei

COLLECTION = ROOT / "sources" / "collection.toml"
DOC_000, DOC_001 = "000_0057ff3e2a2cacb5", "001_e5f868fdedea9438"
EPOCH = "1767225600"  # 2026-01-01
TEI_NS = "http://www.tei-c.org/ns/1.0"
NS = {"t": TEI_NS}
XML_ID = "{http://www.w3.org/XML/1998/namespace}id"


@pytest.fixture(autouse=True)
def environment(monkeypatch, tei_all):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", EPOCH)
    monkeypatch.setenv("TEI_ALL", str(tei_all))


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def job_of(paths, out: Path, **changes) -> ExportJob:
    base = Collection(title="Letters for the tests", creators=(Agent("Doe, Jane", orcid="0000-0002-1825-0097"),),
                      publisher="Test Press", licence="https://creativecommons.org/licenses/by/4.0/",
                      url="https://example.org/letters/", languages=("de",))
    documents = tuple(sorted((read_metadata(p) for p in paths), key=document_order))
    return ExportJob(documents, dataclasses.replace(base, **changes), out)


def _header(title: str, date: str, k: str = "") -> str:
    return (f"<teiHeader><fileDesc><titleStmt><title>{title}</title></titleStmt><publicationStmt><p>Test</p>"
            '</publicationStmt><sourceDesc><p>Test</p></sourceDesc></fileDesc><encodingDesc><classDecl>'
            f'<taxonomy xml:id="{k}topics"><category xml:id="{k}war"><catDesc>War</catDesc></category></taxonomy>'
            f'</classDecl></encodingDesc><profileDesc><creation>{date}</creation><textClass>'
            f'<catRef scheme="#{k}topics" target="#{k}war"/></textClass></profileDesc></teiHeader>')


def _tei(title: str, date: str, k: str = "", namespace: bool = True) -> str:
    """A document that points to its own ids from many attributes; `k` begins each of its ids."""
    xmlns = f' xmlns="{TEI_NS}"' if namespace else ""
    return (f'<TEI{xmlns}>{_header(title, date, k)}'
            f'<standOff><listPerson><person xml:id="{k}stalin"><persName>Joseph Stalin</persName></person>'
            f'<person xml:id="{k}molotov" sameAs="#{k}stalin"><persName>Vyacheslav Molotov</persName></person>'
            '</listPerson></standOff>'
            f'<text><body><div xml:id="{k}body"><p xml:id="{k}p1" corresp="#{k}p2">'
            f'<persName ref="#{k}stalin">Stalin</persName> met <persName ref="#{k}molotov #{k}stalin">them</persName>.'
            f'<note target="#{k}p1 #{k}p2">See <ptr target="#{k}body"/> and <ref target="other.xml#stalin">elsewhere'
            '</ref> and <ref target="https://example.org/#stalin">a page</ref>.</note></p>'
            f'<sp who="#{k}stalin"><speaker>Stalin</speaker><p xml:id="{k}p2">No.</p></sp></div></body></text></TEI>')


@pytest.fixture
def colliding(tmp_path) -> list[Path]:
    """Two documents with the same xml:ids, pointing to them from @ref, @target, @corresp, @who, @scheme,
    @sameAs; and a teiCorpus file of two more."""
    folder = tmp_path / "in"
    folder.mkdir()
    one, two, corpus = folder / "one.xml", folder / "2 two.xml", folder / "bundle.xml"
    one.write_text(_tei("One", '<date when="1945-07-03">3 July 1945</date>'), encoding="utf-8")
    two.write_text(_tei("Two", '<date notBefore="1944" notAfter="1945-06">1944-45</date>'), encoding="utf-8")
    inner = [_tei(f"Inner {n}", '<date when="1946">1946</date>', k=f"n{n}-", namespace=False) for n in (1, 2)]
    bundle_date = '<date when="1946"/>'
    corpus.write_text(f'<teiCorpus xmlns="{TEI_NS}">{_header("Bundle", bundle_date)}{"".join(inner)}</teiCorpus>',
                      encoding="utf-8")
    return [one, two, corpus]


def pointers(tei: etree._Element):
    """(element, attribute, id) for every same-document pointer under `tei`."""
    for el in tei.iter():
        if not isinstance(el.tag, str):
            continue
        for name in POINTER_ATTRIBUTES.intersection(el.attrib):
            for token in el.get(name).split():
                if token.startswith("#"):
                    yield el, name, token[1:]


def targets(tree_root: etree._Element, scope: etree._Element) -> dict[tuple, str]:
    """What each pointer in `scope` reaches: (path of the pointing element, attribute, n) -> text of the target."""
    ids = {el.get(XML_ID): el for el in tree_root.iter() if isinstance(el.tag, str) and el.get(XML_ID)}
    found = {}
    for n, (el, name, ident) in enumerate(pointers(scope)):
        target = ids.get(ident)
        found[(n, name)] = None if target is None else (etree.QName(target).localname,
                                                        " ".join("".join(target.itertext()).split()))
    return found


def unprefixed(tei: etree._Element) -> etree._Element:
    """A copy of a corpus's TEI element with its prefix taken off its xml:ids and pointers again."""
    prefix = tei.get(XML_ID).split(".")[0]
    tei = copy.deepcopy(tei)
    del tei.attrib[XML_ID]  # given by the export
    for el in tei.iter():
        if isinstance(el.tag, str) and el.get(XML_ID):
            el.set(XML_ID, el.get(XML_ID).removeprefix(prefix + "."))
    for el, name, _ in list(pointers(tei)):
        el.set(name, el.get(name).replace(f"#{prefix}.", "#"))
    return tei


def canonical(el: etree._Element) -> bytes:
    el = copy.deepcopy(el)
    el.tail = None
    return etree.tostring(el, method="c14n")


def assert_tei_all_valid(path: Path, tei_all: Path) -> None:
    findings = [f for f in check_tree(etree.parse(str(path)), path, load_checks(tei_all)) if f.level == "error"]
    assert findings == []


# ---------------------------------------------------------------------------
# The samples, through the command
# ---------------------------------------------------------------------------

def test_samples_make_a_valid_corpus(sample_tei, tmp_path, tei_all):
    out = tmp_path / "corpus.xml"
    result = run("export", "teicorpus", *sample_tei.values(), "-o", out, "--collection", COLLECTION)
    assert result.exit_code == 0, result.output
    assert_tei_all_valid(out, tei_all)
    root = etree.parse(str(out)).getroot()
    assert etree.QName(root).localname == "teiCorpus" and [etree.QName(c).localname for c in root] == \
        ["teiHeader", "TEI", "TEI"]
    header = root.find("t:teiHeader", NS)
    assert header.findtext("t:fileDesc/t:titleStmt/t:title", namespaces=NS).startswith("Averell Harriman")
    assert [r.findtext("t:name", namespaces=NS) for r in header.findall(".//t:titleStmt/t:respStmt", NS)] == \
        ["Editors of the sample edition", "tei-transcripts"]
    publication = header.find("t:fileDesc/t:publicationStmt", NS)
    assert publication.findtext("t:publisher", namespaces=NS) == "Unpublished TEI edition"
    assert publication.find("t:date", NS).get("when") == "2026-01-01"
    assert publication.find("t:availability/t:licence", NS).get("target") == \
        "https://creativecommons.org/licenses/by/4.0/"
    assert publication.findtext("t:idno[@type='URL']", namespaces=NS) == "https://example.org/harriman-cables/"
    # July 1945 ends after 3 July 1945: the range is the month
    assert header.find("t:profileDesc/t:creation/t:date", NS).attrib == {"from": "1945-07", "to": "1945-07"}
    bibls = header.findall(".//t:sourceDesc/t:listBibl/t:bibl", NS)
    assert [b.findtext("t:idno[@type='file']", namespaces=NS) for b in bibls] == [f"{DOC_001}.xml", f"{DOC_000}.xml"]
    for bibl, tei in zip(bibls, root.findall("t:TEI", NS)):
        assert bibl.get("corresp") == f"#{tei.get(XML_ID)}"

    # each document's text is the same as in its own file, and its pointers reach the same elements
    for tei in root.findall("t:TEI", NS):
        stem = tei.get(XML_ID).removeprefix("d")
        source = etree.parse(str(sample_tei[stem])).getroot()
        assert canonical(unprefixed(tei)) == canonical(source)  # the document as it was, but for its ids
        assert targets(root, tei) == targets(source, source) and None not in targets(root, tei).values()
    for stem in (DOC_000, DOC_001):  # the person both samples call xml:id="stalin", once for each
        assert len(root.xpath(f"//t:person[@xml:id='d{stem}.stalin']", namespaces=NS)) == 1


def test_the_same_input_gives_the_same_bytes(sample_tei, tmp_path):
    outs = [tmp_path / name / "corpus.xml" for name in ("a", "b")]
    for out in outs:
        assert run("export", "teicorpus", *sample_tei.values(), "-o", out, "--collection", COLLECTION).exit_code == 0
    assert outs[0].read_bytes() == outs[1].read_bytes()


# ---------------------------------------------------------------------------
# xml:id collisions and teiCorpus inputs
# ---------------------------------------------------------------------------

def test_colliding_ids_are_prefixed_and_every_pointer_still_resolves(colliding, tmp_path, tei_all):
    # put together naively, the documents are not a valid corpus: the reason for the prefixes
    naive = tmp_path / "naive.xml"
    naive.write_text(f'<teiCorpus xmlns="{TEI_NS}">{_header("All", "")}'
                     + "".join(p.read_text(encoding="utf-8") for p in colliding[:2]) + "</teiCorpus>")
    assert any("already been defined" in f.message
               for f in check_tree(parse_tei(naive), naive, load_checks(tei_all)))

    out = tmp_path / "corpus.xml"
    problems = teicorpus.export(job_of(colliding, out))
    assert problems == []
    assert_tei_all_valid(out, tei_all)
    checked = jing(tei_all, out)  # and by the reference validator (which checks xml:id uniqueness)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    root = etree.parse(str(out)).getroot()
    teis = root.findall("t:TEI", NS)
    # the export's order is by date: "2 two" (1944-45), "one" (1945-07-03), then the bundle's two (1946)
    assert [t.get(XML_ID) for t in teis] == ["d2_two", "one", "bundle.1", "bundle.2"]
    ids = [el.get(XML_ID) for el in root.iter() if isinstance(el.tag, str) and el.get(XML_ID)]
    assert len(ids) == len(set(ids))
    one = teis[1]
    assert one.find(".//t:persName[@ref]", NS).get("ref") == "#one.stalin"
    assert one.find(".//t:persName[@ref='#one.molotov #one.stalin']", NS) is not None
    assert one.find(".//t:note", NS).get("target") == "#one.p1 #one.p2"
    assert one.find(".//t:catRef", NS).attrib == {"scheme": "#one.topics", "target": "#one.war"}
    assert one.find(".//t:sp", NS).get("who") == "#one.stalin"
    assert one.find(".//t:person[@sameAs]", NS).get("sameAs") == "#one.stalin"
    # pointers to other files and to web pages are left as they are
    assert [r.get("target") for r in one.findall(".//t:ref", NS)] == ["other.xml#stalin", "https://example.org/#stalin"]

    sources = [etree.parse(str(p)).getroot() for p in colliding]
    originals = [sources[1], sources[0], *sources[2].findall("t:TEI", NS)]
    for tei, source in zip(teis, originals):
        assert targets(root, tei) == targets(source.getroottree().getroot(), source)
        assert None not in targets(root, tei).values()
    # a teiCorpus file's TEI documents keep pointing within themselves, with the file's prefix
    assert teis[2].find(".//t:persName[@ref]", NS).get("ref") == "#bundle.n1-stalin"
    assert teis[3].find(".//t:persName[@ref]", NS).get("ref") == "#bundle.n2-stalin"

    header = root.find("t:teiHeader", NS)
    assert header.find(".//t:creation/t:date", NS).attrib == {"from": "1944", "to": "1946"}
    assert [b.get("corresp") for b in header.findall(".//t:listBibl/t:bibl", NS)] == \
        ["#d2_two", "#one", "#bundle.1", "#bundle.2"]
    assert [b.findtext("t:title", namespaces=NS) for b in header.findall(".//t:listBibl/t:bibl", NS)] == \
        ["Two", "One", "Inner 1", "Inner 2"]  # a teiCorpus file's documents by their own headers
    assert header.find(".//t:titleStmt/t:respStmt/t:name", NS).get("ref") == "https://orcid.org/0000-0002-1825-0097"


def test_prefixes_are_unique_ncnames_without_a_full_stop():
    stems = ["000_a", "a.b", "a_b", "a b", "-x", "", "é", "x", "x", "x-2"]
    found = teicorpus.prefixes(stems)
    assert found == ["d000_a", "a_b", "a_b-2", "a_b-3", "d-x", "d", "_", "x", "x-2", "x-2-2"]
    assert len(set(found)) == len(found) and not any("." in p for p in found)


@pytest.mark.parametrize("dates, expected", [
    ([("1945-07-03", None, None), ("1945-07", None, None)], ("1945-07", "1945-07")),
    ([("1945-07-03", None, None), ("1945-06-30", None, None)], ("1945-06-30", "1945-07-03")),
    ([(None, "1944", "1945-06"), ("1945-07-03", None, None)], ("1944", "1945-07-03")),
    ([(None, "1801-02", None), ("1801-02-30", None, None)], ("1801-02", "1801-02")),  # not a real date: ignored
    ([(None, None, None)], None),
])
def test_the_date_range_is_judged_by_the_days_each_date_covers(dates, expected):
    class Doc:
        def __init__(self, date, before, after):
            self.date, self.date_range = date, (before, after)

    assert teicorpus.date_range([Doc(*d) for d in dates]) == expected


# ---------------------------------------------------------------------------
# Missing fields, invalid documents
# ---------------------------------------------------------------------------

def test_a_bare_collection_and_undated_documents_still_make_a_valid_corpus(tmp_path, tei_all):
    bare = tmp_path / "bare.xml"
    bare.write_text(f'<TEI xmlns="{TEI_NS}"><teiHeader><fileDesc><titleStmt><title>Bare</title></titleStmt>'
                    "<publicationStmt><p>Test</p></publicationStmt><sourceDesc><p>Test</p></sourceDesc>"
                    "</fileDesc></teiHeader><text><body><p>Hello.</p></body></text></TEI>", encoding="utf-8")
    out = tmp_path / "corpus.xml"
    problems = teicorpus.export(job_of([bare], out, creators=(), licence="", url="", publisher="", languages=()))
    assert_tei_all_valid(out, tei_all)
    header = etree.parse(str(out)).getroot().find("t:teiHeader", NS)
    assert header.find(".//t:licence", NS) is None and header.find(".//t:availability/t:p", NS) is not None
    assert header.find("t:profileDesc", NS) is None  # no dates, no languages, no keywords
    assert header.find(".//t:publicationStmt/t:idno", NS) is None
    messages = " | ".join(p.message for p in problems)
    assert "no licence" in messages and "no creators" in messages and "no document has a date" in messages


def test_an_invalid_document_makes_an_invalid_corpus_and_nothing_is_written(sample_tei, tmp_path):
    invalid = tmp_path / "in" / "invalid.xml"
    invalid.parent.mkdir()
    text = sample_tei[DOC_001].read_text(encoding="utf-8")
    invalid.write_text(text.replace('<gap reason="illegible"', '<gap colour="red"'), encoding="utf-8")
    out = tmp_path / "corpus.xml"
    out.write_bytes(b"the previous export")
    result = run("export", "teicorpus", sample_tei[DOC_000], invalid, "-o", out, "--collection", COLLECTION)
    assert result.exit_code == 1
    assert "not valid, so nothing was written" in result.stderr and "not valid against TEI All" in result.stderr
    assert f"(in {invalid})" in result.stderr and "colour" in result.stderr  # the document is named, as given
    assert out.read_bytes() == b"the previous export" and not list(tmp_path.glob(".corpus.xml*"))


def test_a_pointer_into_a_corpus_header_that_is_not_carried_is_reported(tmp_path):
    corpus = tmp_path / "bundle.xml"
    inner = _tei("Inner", '<date when="1946"/>', namespace=False).replace(
        '<catRef scheme="#topics" target="#war"/>', '<catRef scheme="#outer" target="#war"/>')
    corpus.write_text(f'<teiCorpus xmlns="{TEI_NS}">{_header("Bundle", "", k="outer-")}'.replace(
        'xml:id="outer-topics"', 'xml:id="outer"') + inner + "</teiCorpus>", encoding="utf-8")
    out = tmp_path / "corpus.xml"
    problems = teicorpus.export(job_of([corpus], out))
    assert [(p.path.name, p.message) for p in problems] == [
        ("bundle.xml", "a pointer to #outer no longer resolves: its target is not in the corpus")]


def test_no_documents_is_an_invalid_export(tmp_path):
    with pytest.raises(ExportInvalid, match="no documents"):
        teicorpus.export(job_of([], tmp_path / "corpus.xml"))
    assert not (tmp_path / "corpus.xml").exists()


def test_an_output_that_is_a_folder_is_refused(sample_tei, tmp_path):
    result = run("export", "teicorpus", *sample_tei.values(), "-o", tmp_path, "--collection", COLLECTION)
    assert result.exit_code == 1 and f"{tmp_path}: error: is a folder" in result.stderr
