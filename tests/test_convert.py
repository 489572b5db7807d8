"""What the TEI of the two samples must hold (issue 2), checked as an editor reads it."""

from __future__ import annotations

import pytest
from lxml import etree

from conftest import ROOT, SAMPLES
from tei.document import convert_text
from tei.files import read_transcript

NS = {"t": "http://www.tei-c.org/ns/1.0"}
CITATION, WEB = "000_0057ff3e2a2cacb5", "001_e5f868fdedea9438"


@pytest.fixture(scope="module")
def docs(sample_tei):
    return {stem: etree.parse(str(path)) for stem, path in sample_tei.items()}


def one(doc, xpath):
    found = doc.xpath(xpath, namespaces=NS)
    assert len(found) == 1, f"{xpath}: expected one, found {len(found)}"
    return found[0]


def text(element) -> str:
    return " ".join("".join(element.itertext()).split())


def test_header_of_the_citation_page(docs):
    doc = docs[CITATION]
    assert text(one(doc, "//t:titleStmt/t:title")) == "Cable, Summary of Averell Harriman Meeting with T. V. Soong"
    assert one(doc, "//t:profileDesc/t:creation/t:date/@when") == "1945-07-03"
    assert text(one(doc, "//t:titleStmt/t:funder")) == "Chun & Jane Chiu Family Foundation"
    bibl = one(doc, "//t:sourceDesc/t:bibl")
    assert text(bibl).startswith('"Cable, Summary of Averell Harriman Meeting with T. V. Soong", July 3, 1945')
    assert one(doc, "//t:sourceDesc/t:bibl/t:ptr/@target") == \
        "https://wilson-center-digital-archive.dvincitest.com/document/123411"
    assert text(one(doc, "//t:msIdentifier/t:repository")) == "Library of Congress"
    assert text(one(doc, "//t:msIdentifier/t:collection")) == "W. A. Harriman Papers"
    assert text(one(doc, "//t:profileDesc/t:abstract")).startswith("Harriman reports on his meeting with Dr. Soong")
    assert one(doc, "//t:langUsage/t:language/@ident") == "en"
    assert text(one(doc, "//t:textClass/t:keywords[@scheme='#classification']/t:term")) == "Top Secret"
    assert one(doc, "/t:TEI/@xml:lang") == "en"


def test_correspondence_of_the_citation_page(docs):
    doc = docs[CITATION]
    sent = one(doc, "//t:correspAction[@type='sent']")
    assert one(sent, "t:persName/@ref") == "#harriman"
    assert one(sent, "t:placeName/@ref") == "#moscow"
    assert one(sent, "t:date/@when") == "1945-07-03"
    received = doc.xpath("//t:correspAction[@type='received']/t:persName", namespaces=NS)
    assert len(received) == 2  # THE PRESIDENT and THE SECRETARY OF STATE
    assert received[0].get("ref") == "#truman"  # the President on 3 July 1945


def test_header_of_the_web_page(docs):
    doc = docs[WEB]
    assert text(one(doc, "//t:titleStmt/t:title")) == \
        "Message from Averell Harriman to the President and Secretary of State"
    assert one(doc, "//t:creation/t:date/@when") == "1945-07"  # only the month is known
    assert text(one(doc, "//t:msIdentifier/t:repository")) == "Library of Congress"
    assert text(one(doc, "//t:textClass//t:term")) == "Top Secret"
    assert "welcomes reuse of Digital Archive materials" in text(one(doc, "//t:availability"))
    assert text(one(doc, "//t:abstract")).startswith("Harriman reports on Chiang Kai-Shek and Stalin's bartering")
    assert one(doc, "//t:correspAction[@type='sent']/t:persName/@ref") == "#harriman"
    # labels without a value in the transcript are left out, not filled
    assert not doc.xpath("//t:idno[@type='record']", namespaces=NS)
    assert not doc.xpath("//t:note[@type='uploaded']", namespaces=NS)


def test_web_page_boilerplate_stays_out_of_the_body(docs):
    body = text(one(docs[WEB], "//t:body"))
    for furniture in ("Skip to content", "Document Information", "Original Archive", "Original Classification",
                      "made possible with support", "Harriman reports on"):
        assert furniture not in body
    assert body.startswith("Soong invited")
    assert body.endswith("Soong hopes to see Stalin tonight.")


def test_cable_structure_of_the_citation_page(docs):
    div = one(docs[CITATION], "//t:body/t:div")
    assert [etree.QName(c).localname for c in div][:3] == ["head", "opener", "p"]
    assert text(one(div, "t:head")) == "PARAPHRASE OF NAVY CABLE JULY 3, 1945, FROM MOSCOW"
    assert text(one(div, "t:opener/t:seg[@type='classification']")) == "TOP SECRET"
    assert text(one(div, "t:opener/t:seg[@type='address']")).startswith("TOP SECRET AND PERSONAL FROM HARRIMAN TO")
    assert text(one(div, "t:closer/t:signed")) == "RPM"
    assert len(div.xpath("t:p", namespaces=NS)) == 10


@pytest.mark.parametrize("stem, gaps", [(CITATION, 2), (WEB, 1)])
def test_illegible_is_a_gap(docs, stem, gaps):
    found = docs[stem].xpath("//t:body//t:gap", namespaces=NS)
    assert len(found) == gaps
    assert all(g.get("reason") == "illegible" and text(g) == "ILLEGIBLE" for g in found)
    assert "[ILLEGIBLE]" not in text(one(docs[stem], "//t:body"))


def test_regularised_name_is_a_choice_inside_the_place(docs):
    choice = one(docs[CITATION], "//t:body//t:choice")
    assert text(one(choice, "t:orig")) == "Darien" and text(one(choice, "t:reg")) == "Dalian"
    assert etree.QName(choice.getparent()).localname == "placeName"
    assert choice.getparent().get("ref") == "#dalian"


def test_sic_marks_the_word(docs):
    sic = one(docs[WEB], "//t:body//t:sic")
    assert text(sic) == "export"
    marker = sic.getnext()  # the transcript's own marker, kept literally after the word
    assert etree.QName(marker).localname == "metamark" and marker.get("function") == "sic"
    assert marker.text == "[sic]" and sic.tail == " "


def test_names_are_marked_and_listed(docs):
    doc = docs[CITATION]
    refs = set(doc.xpath("//t:body//@ref", namespaces=NS))
    assert {"#stalin", "#soong", "#molotov", "#moscow", "#outer-mongolia", "#chiang"} <= refs
    listed = set(doc.xpath("//t:standOff//@xml:id", namespaces=NS))
    assert {r[1:] for r in doc.xpath("//@ref", namespaces=NS)} == listed  # every mention listed, nothing more
    assert one(doc, "//t:person[@xml:id='stalin']/t:idno[@type='wikidata']").text == "Q855"
    # demonyms are not places
    assert not [p for p in doc.xpath("//t:placeName", namespaces=NS) if text(p) in ("Chinese", "Soviet", "Russian")]


@pytest.mark.parametrize("source", SAMPLES, ids=lambda p: p.stem)
def test_converting_twice_gives_identical_bytes(source, authority):
    text_ = read_transcript(source)
    assert convert_text(text_, source, authority).to_bytes() == convert_text(text_, source, authority).to_bytes()


def test_bare_layout_heading_and_paragraphs(authority, tmp_path):
    source = tmp_path / "memo.txt"
    source.write_text("Memorandum on the Yalta talks\n\nFirst paragraph [sic] here.\n\nSecond, with [illegible].\n")
    doc = convert_text(read_transcript(source), source, authority)
    assert doc.profile.name == "bare"
    tree = etree.ElementTree(doc.tree)
    assert text(one(tree, "//t:titleStmt/t:title")) == "Memorandum on the Yalta talks"
    assert text(one(tree, "//t:body/t:div/t:head")) == "Memorandum on the Yalta talks"
    assert len(tree.xpath("//t:body//t:p", namespaces=NS)) == 2
    assert one(tree, "//t:gap/t:desc").text == "illegible"


def test_forced_layout(authority):
    source = SAMPLES[0]
    doc = convert_text(read_transcript(source), source, authority, layout="bare")
    assert doc.profile.name == "bare"


def test_cable_parts_of_a_telegram(authority):
    """Heading, classification, precedence, number, dateline, [Received] line and signature."""
    source = ROOT / "tests" / "data" / "telegram.txt"
    tree = etree.ElementTree(convert_text(read_transcript(source), source, authority).tree)
    div = one(tree, "//t:body/t:div")
    assert text(one(div, "t:head")).startswith("TELEGRAM FROM THE AMBASSADOR IN CHINA")
    kinds = [c.get("type") or etree.QName(c).localname for c in one(div, "t:opener")]
    assert kinds == ["classification", "precedence", "number", "dateline", "received"]
    assert one(div, "t:opener/t:dateline/t:date/@when") == "1945-08-14"
    assert text(one(div, "t:closer/t:signed")) == "HURLEY"
    sent = one(tree, "//t:correspAction[@type='sent']")
    assert one(sent, "t:placeName/@ref") == "#chongqing" and one(sent, "t:date/@when") == "1945-08-14"
    assert one(tree, "//t:gap[@unit='words']/@quantity") == "2"
    assert text(one(tree, "//t:supplied[@reason='omitted']")) == "the"


# The same cable body in each layout: the metadata around it as each archive's export gives it.
LAYOUTS = {
    "citation-page": "July 3, 1945\n**Cable from Harriman**\n\nCitation:\n\n\"Cable from Harriman\", July 3, 1945.\n\n"
                     "Contents:\n\nTranscript - English\n\n{body}\n",
    "web-page": "Skip to content\n\nJuly 1945\n\nCable from Harriman\n\n{body}\n\nHarriman reports on Soong.\n\n"
                "Document Information\n\nLibrary of Congress.\n",
    "bare": "{body}\n",
}


def convert_in(layout: str, body: str, authority, tmp_path):
    source = tmp_path / f"{layout}.txt"
    source.write_text(LAYOUTS[layout].format(body=body), encoding="utf-8")
    converted = convert_text(read_transcript(source), source, authority)
    assert converted.profile.name == layout
    return converted, etree.ElementTree(converted.tree)


@pytest.mark.parametrize("layout", LAYOUTS)
@pytest.mark.parametrize("heading", ["PARAPHRASE OF NAVY CABLE JULY 3, 1945,\nFROM MOSCOW",
                                     "TELEGRAM FROM THE AMBASSADOR IN THE SOVIET UNION TO THE SECRETARY OF\nSTATE"])
def test_a_heading_in_capitals_wrapped_over_two_lines_is_the_heading(layout, heading, authority, tmp_path):
    body = f"{heading}\n\nTOP SECRET\n\n[Moscow,] July 3, 1945.\n\nThis morning I called on Soong."
    converted, tree = convert_in(layout, body, authority, tmp_path)
    div = one(tree, "//t:body/t:div")
    assert text(one(div, "t:head")) == " ".join(heading.split())
    assert text(one(div, "t:opener/t:seg[@type='classification']")) == "TOP SECRET"
    assert text(one(div, "t:opener/t:dateline/t:supplied")) == "Moscow,"
    assert [text(p) for p in div.xpath("t:p", namespaces=NS)] == ["This morning I called on Soong."]
    assert converted.warnings == []
    if layout == "bare":  # the heading is the title when the layout has no other
        assert text(one(tree, "//t:titleStmt/t:title")) == " ".join(heading.split())


@pytest.mark.parametrize("layout", ["citation-page", "web-page"])
@pytest.mark.parametrize("heading", ["Memorandum of Conversation, by the Ambassador in the Soviet Union",
                                     "Memorandum by Henry Morgenthau, Jr.", "Letter from Harriman to Hopkins"])
def test_a_heading_in_mixed_case_is_the_heading(layout, heading, authority, tmp_path):
    body = (f"{heading}\n\n[Moscow,] July 3, 1945.\n\n"
            "Participants: Generalissimo Stalin; Mr. Molotov.\n\nThe Generalissimo opened the talk.")
    converted, tree = convert_in(layout, body, authority, tmp_path)
    div = one(tree, "//t:body/t:div")
    assert text(one(div, "t:head")) == heading
    assert text(one(div, "t:opener/t:dateline/t:supplied")) == "Moscow,"
    assert one(div, "t:opener/t:dateline/t:date/@when") == "1945-07-03"
    assert len(div.xpath("t:p", namespaces=NS)) == 2
    assert text(one(tree, "//t:titleStmt/t:title")) == "Cable from Harriman"  # the page's own title stays
    assert converted.warnings == []


@pytest.mark.parametrize("layout", ["citation-page", "web-page"])
@pytest.mark.parametrize("first", ["Soong hopes to see Stalin tonight.", "Dear Mr. Secretary:",
                                   "1. The Generalissimo opened the talk", "See the attached note [A]",
                                   "From Harriman to Hopkins"])
def test_a_first_line_that_reads_as_a_sentence_is_no_heading(layout, first, authority, tmp_path):
    _, tree = convert_in(layout, f"{first}\n\nThe Generalissimo opened the talk.", authority, tmp_path)
    assert not tree.xpath("//t:body//t:head", namespaces=NS)
    assert text(tree.xpath("//t:body//t:p", namespaces=NS)[0]) == first
