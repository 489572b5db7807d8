"""Every editorial convention of issue 3, each with its own case: the TEI it becomes, and the way back."""

from __future__ import annotations

import csv
import re
from html import escape
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ROOT, jing
from tei.cli import main
from tei.document import convert_text
from tei.textout import blocks
from tei.validate import check_tree, default_checks

TEI = "http://www.tei-c.org/ns/1.0"
HEADING = "Memorandum of Conversation\n\n"


def convert(body: str, authority, tmp_path: Path, **options):
    source = tmp_path / "memo.txt"
    source.write_text(HEADING + body + "\n", encoding="utf-8")
    return convert_text(source.read_text(encoding="utf-8"), source, authority, **options), source


def plain(element: etree._Element) -> str:
    """The element's content as XML without the TEI namespace declaration, for comparing by eye."""
    xml = etree.tostring(element, encoding="unicode", with_tail=False)
    xml = xml.replace(f' xmlns="{TEI}"', "")
    return re.sub(r"^<(\w+)[^>]*>|</\w+>$", "", xml)


# (id, paragraph in the transcript, what the paragraph's TEI must contain)
ROWS = [
    ("illegible-caps", "what [ILLEGIBLE] connection",
     '<gap reason="illegible" rend="brackets"><desc>ILLEGIBLE</desc></gap>'),
    ("illegible-lower", "what [illegible] connection",
     '<gap reason="illegible" rend="brackets"><desc>illegible</desc></gap>'),
    ("illegible-word", "he [illegible word] it", '<gap reason="illegible" rend="brackets"><desc>illegible word</desc>'),
    ("illegible-counted", "he [2 words illegible] it",
     '<gap reason="illegible" quantity="2" unit="words" rend="brackets"><desc>2 words illegible</desc></gap>'),
    ("illegible-line", "he said [one line illegible] and",
     '<gap reason="illegible" quantity="1" unit="lines" rend="brackets">'),
    ("garble", "the [garble] group", '<gap reason="garbled" rend="brackets"><desc>garble</desc></gap>'),
    ("garbled", "the [Garbled] group", '<gap reason="garbled" rend="brackets"><desc>Garbled</desc></gap>'),
    ("ellipsis-char", "and so [\u2026] on", '<gap reason="missing" rend="brackets"><desc>\u2026</desc></gap>'),
    ("ellipsis-dots", "and so [...] on", '<gap reason="missing" rend="brackets"><desc>...</desc></gap>'),
    ("text-missing", "and [text missing] on", '<gap reason="missing" rend="brackets"><desc>text missing</desc></gap>'),
    ("page-torn", "and [page torn] on", '<gap reason="damage" rend="brackets"><desc>page torn</desc></gap>'),
    ("not-declassified", "The source [not declassified] said",
     '<gap reason="sensitive" rend="brackets"><desc>not declassified</desc></gap>'),
    ("redacted", "The source [REDACTED] said", '<gap reason="sensitive" rend="brackets"><desc>REDACTED</desc></gap>'),
    ("line-not-declassified", "He said [1 line not declassified] today",
     '<gap reason="sensitive" quantity="1" unit="lines" rend="brackets">'),
    ("fraction-not-declassified", "He said [1\u00bd lines not declassified] today",
     '<gap reason="sensitive" quantity="1.5" unit="lines" rend="brackets">'
     "<desc>1\u00bd lines not declassified</desc></gap>"),
    # FRUS's forms: the extent in parentheses, and what kind of words were withheld
    ("paragraph-not-declassified", "He said [1 paragraph (6 lines) not declassified] today",
     '<gap reason="sensitive" quantity="1" unit="paragraphs" extent="6 lines" rend="brackets">'
     "<desc>1 paragraph (6 lines) not declassified</desc></gap>"),
    ("lines-not-declassified", "He said [2 lines not declassified] today",
     '<gap reason="sensitive" quantity="2" unit="lines" rend="brackets"><desc>2 lines not declassified</desc></gap>'),
    ("name-not-declassified", "He met [name not declassified] in Moscow",
     '<gap reason="sensitive" rend="brackets"><desc>name not declassified</desc></gap>'),
    ("less-than-a-line-not-declassified", "He said [less than 1 line not declassified] today",
     '<gap reason="sensitive" extent="less than 1 line" rend="brackets">'
     "<desc>less than 1 line not declassified</desc></gap>"),
    ("sic-word", "to freely import and export [sic].",
     '<sic>export</sic> <metamark function="sic">[sic]</metamark>.'),
    ("sic-upper", "the goverment [SIC] said", '<sic>goverment</sic> <metamark function="sic">[SIC]</metamark>'),
    ("sic-phrase", 'he wants a "free port under joint" [sic] now',
     '"<sic>free port under joint</sic>" <metamark function="sic">[sic]</metamark>'),
    ("unclear-word", "met at Yenan[?] in June",
     '<placeName ref="#yanan"><unclear>Yenan</unclear></placeName><metamark function="unclear">[?]</metamark>'),
    # a name with a possessive: the doubted word holds the whole name, whether of one word or several
    ("unclear-possessive", "Stalin's [?] views",
     '<unclear><persName ref="#stalin">Stalin</persName>\'s</unclear> <metamark function="unclear">[?]</metamark>'),
    ("unclear-names-possessive", "Chiang Kai-shek's [?] views",
     '<unclear><persName ref="#chiang">Chiang Kai-shek</persName>\'s</unclear> '
     '<metamark function="unclear">[?]</metamark>'),
    ("unclear-possessive-after", "Molotov [?]'s views",
     '<persName ref="#molotov"><unclear>Molotov</unclear></persName> <metamark function="unclear">[?]</metamark>\'s'),
    ("unclear-names-possessive-after", "Chiang Kai-shek [?]'s views",
     '<persName ref="#chiang">Chiang <unclear>Kai-shek</unclear></persName> '
     '<metamark function="unclear">[?]</metamark>\'s'),
    ("sic-names-possessive", "T. V. Soong's [sic] views",
     '<sic><persName ref="#soong">T. V. Soong</persName>\'s</sic> <metamark function="sic">[sic]</metamark>'),
    ("conjecture", "the [railway?] agreement",
     '<unclear cert="low" rend="brackets">railway<metamark function="query">?</metamark></unclear>'),
    ("unclear", "the [unclear] agreement", '<unclear reason="illegible" rend="brackets"><desc>unclear</desc></unclear>'),
    ("regularised-place", "the port of Darien [Dalian] is",
     '<placeName ref="#dalian"><choice rend="brackets"><orig>Darien</orig><reg>Dalian</reg></choice></placeName>'),
    ("regularised-unknown", "the town of Tihwa [Urumqi] is",
     '<choice rend="brackets"><orig>Tihwa</orig><reg>Urumqi</reg></choice>'),
    ("completed-name", "I saw T. V. [Soong] today",
     '<persName ref="#soong">T. V. <supplied reason="omitted" rend="brackets">Soong</supplied></persName>'),
    ("supplied-the", "he went to [the] station", '<supplied reason="omitted" rend="brackets">the</supplied>'),
    ("supplied-and", "Soong [and] Stalin met", '<supplied reason="omitted" rend="brackets">and</supplied>'),
    ("note-sentence", "End of message. [File copy not signed]",
     '<note type="editorial" rend="brackets">File copy not signed</note>'),
    ("note-here-follows", "He read it. [Here follows the text of the agreement.]",
     '<note type="editorial" rend="brackets">Here follows the text of the agreement.</note>'),
    ("note-attachment", "See below. [Attachment]", '<note type="editorial" rend="brackets">Attachment</note>'),
    # a bracket wrapped by the line length, with or without a hyphen: the words stay as written
    ("illegible-wrapped", "the [ILLEG-\nIBLE] word",
     '<gap reason="illegible" rend="brackets"><desc>ILLEG- IBLE</desc></gap>'),
    ("counted-wrapped", "he [2 words\nillegible] it",
     '<gap reason="illegible" quantity="2" unit="words" rend="brackets"><desc>2 words illegible</desc></gap>'),
    ("regularised-wrapped", "the port of Darien [Da-\nlian] is",
     '<placeName ref="#dalian"><choice rend="brackets"><orig>Darien</orig><reg>Da- lian</reg></choice></placeName>'),
    ("not-declassified-wrapped", "He said [1 paragraph (6\nlines) not declassified] today",
     '<gap reason="sensitive" quantity="1" unit="paragraphs" extent="6 lines" rend="brackets">'),
    ("quote-lower", "avoid the term quote lease unquote but", "quote <q>lease</q> unquote"),
    ("quote-upper", "SAID QUOTE WE WILL NOT YIELD UNQUOTE TODAY", "QUOTE <q>WE WILL NOT YIELD</q> UNQUOTE"),
]


@pytest.mark.parametrize("body, expected", [r[1:] for r in ROWS], ids=[r[0] for r in ROWS])
def test_convention(body, expected, authority, tmp_path):
    converted, _ = convert(body, authority, tmp_path)
    paragraph = converted.tree.find(f".//{{{TEI}}}body//{{{TEI}}}p")
    assert expected in plain(paragraph)
    assert blocks(etree.ElementTree(converted.tree))[-1] == " ".join(body.split())  # nothing lost


def test_dateline_place_in_brackets_is_supplied(authority, tmp_path):
    converted, _ = convert("SECRET\n\n[Washington,] July 3, 1945.\n\nThe Secretary met Soong.", authority, tmp_path)
    dateline = converted.tree.find(f".//{{{TEI}}}opener/{{{TEI}}}dateline")
    assert plain(dateline).startswith('<supplied reason="omitted" rend="brackets"><placeName ref="#washington">Washington</placeName>,'
                                     '</supplied> <date')
    assert blocks(etree.ElementTree(converted.tree))[2] == "[Washington,] July 3, 1945."


@pytest.mark.parametrize("body, message", [
    ("the [xyz 12] thing", "matches no editorial convention"),
    ("an [unbalanced bracket here", "never closed"),
    ("a closing] bracket", "without an opening"),
    ("nested [[brackets]] here", "nested brackets"),
    ("[sic] with nothing before", "follows no word"),
], ids=["unclassified", "unclosed", "unopened", "nested", "sic-without-word"])
def test_unclassifiable_brackets_stay_as_text_and_are_reported(body, message, authority, tmp_path):
    converted, source = convert("First paragraph.\n\n" + body, authority, tmp_path)
    assert blocks(etree.ElementTree(converted.tree))[-1] == body
    [warning] = converted.warnings
    assert warning.path == str(source) and warning.line == 5 and message in warning.why
    assert str(warning).startswith(f"{source}:5: warning:")


def test_a_stray_bracket_is_reported_and_the_later_marks_still_read(authority, tmp_path):
    body = "First line of it.\nSee [para 2 above: the [ILLEGIBLE] word,\nexport [sic] and Darien [Dalian]."
    converted, source = convert("First paragraph.\n\n" + body, authority, tmp_path)
    xml = plain(converted.tree.findall(f".//{{{TEI}}}body//{{{TEI}}}p")[-1])
    assert xml.startswith("First line of it. See [para 2 above: the ")  # the stray bracket stays as text
    assert '<gap reason="illegible" rend="brackets"><desc>ILLEGIBLE</desc></gap>' in xml
    assert '<sic>export</sic> <metamark function="sic">[sic]</metamark>' in xml
    assert '<choice rend="brackets"><orig>Darien</orig><reg>Dalian</reg></choice>' in xml
    assert blocks(etree.ElementTree(converted.tree))[-1] == " ".join(body.split())
    [warning] = converted.warnings
    assert warning.path == str(source) and warning.line == 6 and "never closed" in warning.why
    assert warning.source == "[para 2 above: the"
    assert str(warning).startswith(f"{source}:6: warning:")


def test_a_mark_widened_to_a_whole_name_is_reviewed_as_woven(authority, tmp_path):
    converted, _ = convert("He doubted Chiang Kai-shek's [?] views.", authority, tmp_path)
    assert converted.warnings == []
    [item] = [i for i in converted.review if "[?]" in i.source]
    assert (item.line, item.source) == (3, "Chiang Kai-shek's [?]")
    assert item.decision == "unclear around “Chiang Kai-shek's”"


def test_the_header_states_the_conventions_applied(authority, tmp_path):
    converted, _ = convert("He said [2 words illegible] and export [sic].", authority, tmp_path)
    decl = " ".join(converted.tree.find(f".//{{{TEI}}}editorialDecl").itertext())
    assert "[2 words illegible]" in decl and "“word [sic]” as sic" in decl
    assert "Darien [Dalian]" not in decl  # only the conventions this file uses


def test_every_convention_gives_tei_valid_against_the_project_schema_and_tei_all(authority, tmp_path, tei_all):
    body = "\n\n".join(r[1] for r in ROWS)
    converted, source = convert(body, authority, tmp_path)
    assert [w.why for w in converted.warnings] == []
    tree = etree.ElementTree(etree.fromstring(converted.to_bytes()))
    assert check_tree(tree, source, default_checks()) == []
    out = tmp_path / "all.xml"
    out.write_bytes(converted.to_bytes())
    checked = jing(tei_all, out)
    assert checked.returncode == 0, checked.stdout


@pytest.mark.parametrize("name, opening, closing", [("braces", "{", "}"), ("angle", "<", ">")])
def test_another_archive_with_other_brackets_is_a_conventions_file(name, opening, closing, authority, tmp_path):
    """Curly braces or `<illegible>` instead of square brackets: a conventions file, no code."""
    other = tmp_path / f"{name}_conventions.toml"
    other.write_text((ROOT / "converters" / "conventions.toml").read_text().replace(
        'brackets = "square"', f'brackets = "{name}"'))
    body = "He said [illegible] and export [sic] to Darien [Dalian].".replace("[", opening).replace("]", closing)
    converted, _ = convert(body, authority, tmp_path, conventions_file=other)
    xml = plain(converted.tree.find(f".//{{{TEI}}}body//{{{TEI}}}p"))
    assert f'<gap reason="illegible" rend="{name}"><desc>illegible</desc></gap>' in xml
    assert f'<metamark function="sic">{escape(opening)}sic{escape(closing)}</metamark>' in xml
    assert f'<choice rend="{name}"><orig>Darien</orig><reg>Dalian</reg></choice>' in xml
    assert blocks(etree.ElementTree(converted.tree))[-1] == body


def run(*args):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def test_review_report_and_strict(tmp_path):
    source = tmp_path / "in" / "memo.txt"
    source.parent.mkdir()
    source.write_text(HEADING + "Port of Darien [Dalian] and export [sic].\n\nThe [xyz 1] thing.\n")
    report = tmp_path / "review.csv"
    result = run("convert", source, "-o", tmp_path / "out", "--report", report)
    assert result.exit_code == 0  # warnings alone do not fail a conversion...
    assert f"{source}:5: warning:" in result.stderr
    rows = list(csv.DictReader(report.open(encoding="utf-8")))
    assert [(r["line"], r["level"], r["source"]) for r in rows] == [
        ("3", "review", "Darien [Dalian]"), ("3", "review", "export [sic]"), ("5", "warning", "[xyz 1]")]
    assert rows[0]["decision"] == "choice: orig “Darien”, reg “Dalian”"
    assert rows[2]["decision"] == "kept as text" and "no editorial convention" in rows[2]["why"]
    strict = run("convert", source, "-o", tmp_path / "out2", "--strict")
    assert strict.exit_code == 1  # ...but do under --strict
    assert (tmp_path / "out2" / "memo.xml").exists()  # the TEI is still written


FRESH = sorted((ROOT / "tests" / "data" / "fresh").glob("*.txt"))


@pytest.fixture(scope="module")
def fresh(authority, tmp_path_factory):
    """Transcripts in FRUS and archive style that use the conventions, converted as a user would."""
    out = tmp_path_factory.mktemp("fresh")
    report = out / "review.csv"
    result = run("convert", *FRESH, "-o", out / "tei", "--report", report, "--strict")
    assert result.exit_code == 0, result.output  # no warnings even under --strict
    trees = {p.stem: etree.parse(str(out / "tei" / f"{p.stem}.xml")) for p in FRESH}
    return out, trees, list(csv.DictReader(report.open(encoding="utf-8")))


def test_fresh_transcripts_are_valid_and_lose_nothing(fresh, tei_all):
    out, trees, _ = fresh
    for source in FRESH:
        tree = trees[source.stem]
        assert check_tree(tree, source, default_checks()) == []
        expected = [" ".join(p.split()) for p in re.split(r"\n\s*\n", source.read_text(encoding="utf-8")) if p.strip()]
        assert blocks(tree) == expected
    checked = jing(tei_all, *sorted((out / "tei").glob("*.xml")))
    assert checked.returncode == 0, checked.stdout


def test_fresh_telegram_marks_read_as_a_historian_expects(fresh):
    _, trees, rows = fresh
    tree = trees["1945-08-14_hurley_telegram"]

    def xml(xpath):
        return [plain(e) for e in tree.xpath(xpath, namespaces={"t": TEI})]

    assert xml("//t:opener/t:dateline") == ['<supplied reason="omitted" rend="brackets"><placeName ref="#chongqing">'
                                            'Chungking</placeName>,</supplied> <date when="1945-08-14">August 14, '
                                            '1945</date>.']
    assert tree.xpath("string(//t:correspAction[@type='sent']/t:persName/@ref)", namespaces={"t": TEI}) == "#hurley"
    assert xml("//t:placeName[t:choice]") == ['<choice rend="brackets"><orig>Darien</orig><reg>Dalian</reg></choice>',
                                              '<choice rend="brackets"><orig>Port Arthur</orig><reg>Lüshun</reg>'
                                              '</choice>']
    assert [g.get("reason") for g in tree.xpath("//t:body//t:gap", namespaces={"t": TEI})] == \
        ["garbled", "sensitive", "illegible"]
    assert xml("//t:q") == ['to respect the full sovereignty of <placeName ref="#china">China</placeName> over '
                            '<placeName ref="#manchuria">Manchuria</placeName>']
    assert ("19", "Shih-chieh[?]") in [(r["line"], r["source"]) for r in rows]


def test_fresh_memorandum_marks(fresh):
    _, trees, _ = fresh
    tree = trees["1946-03-05_memorandum"]
    ns = {"t": TEI}
    assert tree.xpath("string(//t:sic)", namespaces=ns) == "railway questoin"
    assert tree.xpath("string(//t:unclear[@cert='low'])", namespaces=ns) == "withdraw?"
    assert tree.xpath("//t:gap/@reason", namespaces=ns) == ["illegible", "missing", "damage"]
    assert tree.xpath("string(//t:note[@type='editorial'])", namespaces=ns).startswith("Here follows a discussion")
    assert tree.xpath("//t:placeName[t:choice]/@ref", namespaces=ns) == ["#shenyang", "#urumqi"]
