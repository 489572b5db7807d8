"""`tei validate` as a user checks it by eye: what it finds, where, how it says it, and that no input can hurt it.

Sections:
 1. the project rules (schema/tei_transcripts.sch): one small document per rule, breaking only that rule;
 2. the report formats (human, json, junit, github, -o FILE) on a three-file corpus;
 3. exit codes;
 4. the GitHub job summary (GITHUB_STEP_SUMMARY);
 5. --changed-since, in a temporary git repository;
 6. --unique-ids;
 7. --jobs: the same bytes from one process as from two;
 8. other schemas: XSD 1.1, Schematron with XPath 1 and 2, the Schematron features TEI uses
    (schemas in tests/data/validate/);
 9. TEI All (--tei-all) and its embedded Schematron;
10. hostile input (run as `python -m tei validate` in a subprocess, with a timeout and a memory limit);
11. TEI this toolkit did not write (teiCorpus, XInclude, processing instructions, an internal DTD subset);
12. thousands of findings in one file: located in time proportional to their number.

Documents are built from DOC, a minimal file valid against the project grammar and rules; each test
names the one change it makes (`variant`), and positions are found in the text itself (`place`).
"""

from __future__ import annotations

import json
import os
import re
import resource
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import ROOT, SAMPLES, recording_listener
from tei.cli import main
from tei.findings import Finding
from tei.reporting import github

DATA = Path(__file__).resolve().parent / "data" / "validate"
PROJECT = "tei_transcripts.rng, tei_transcripts.sch"

# A small document valid against the project's grammar and rules. Line 25 is the second person,
# line 31 the paragraph (the tests below point into both).
DOC = """<?xml version="1.0" encoding="UTF-8"?>
<TEI xmlns="http://www.tei-c.org/ns/1.0">
  <teiHeader>
    <fileDesc>
      <titleStmt>
        <title>A memorandum</title>
      </titleStmt>
      <publicationStmt>
        <publisher>Unpublished TEI edition</publisher>
      </publicationStmt>
      <sourceDesc>
        <p>A typed copy.</p>
      </sourceDesc>
    </fileDesc>
    <profileDesc>
      <creation><date when="1945-07-03">3 July 1945</date></creation>
      <correspDesc>
        <correspAction type="sent"><persName ref="#harriman">Harriman</persName><date when="1945-07-03">3 July 1945</date></correspAction>
      </correspDesc>
    </profileDesc>
  </teiHeader>
  <standOff>
    <listPerson>
      <person xml:id="harriman"><persName>W. Averell Harriman</persName></person>
      <person xml:id="stalin"><persName>Joseph Stalin</persName></person>
    </listPerson>
  </standOff>
  <text>
    <body>
      <div type="document">
        <p>Met <persName ref="#stalin">Stalin</persName> on <date when="1945-07-03">3 July</date>; <gap reason="illegible"/> <choice><orig>Darien</orig><reg>Dalian</reg></choice> and <choice><sic>teh</sic><corr>the</corr></choice>.</p>
      </div>
    </body>
  </text>
</TEI>
"""

# Not well-formed: the teiHeader is never closed (line 3).
BROKEN = '<TEI xmlns="http://www.tei-c.org/ns/1.0">\n  <teiHeader>\n  </TEI>\n'

NOBODY = ('<persName ref="#stalin">Stalin</persName> on', '<persName ref="#nobody">Stalin</persName> on')
EMPTY_NAME = ("<persName>Joseph Stalin</persName>", "<persName></persName>")
REF_MESSAGE = ('The persName "Stalin" points to #nobody in @ref, but nothing in this file has that id: add the entry '
               "to the lists of people, places and organisations, or correct the pointer.")
EMPTY_MESSAGE = ("An empty persName marks no name: give the name as the document writes it, or remove the "
                 "element.")


# --- helpers ----------------------------------------------------------------------------------

def validate(*args, env: dict | None = None, catch_exceptions: bool = False):
    """`tei validate ARGS` with click's runner (result.stdout, result.stderr, result.exit_code)."""
    return CliRunner(env=env).invoke(main, ["validate", *map(str, args)], catch_exceptions=catch_exceptions)


def variant(*changes: tuple[str, str], text: str = DOC) -> str:
    """`text` with each (old, new) made; every old occurs exactly once, so the change is the one meant."""
    for old, new in changes:
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times"
        text = text.replace(old, new)
    return text


def write(path: Path, text: str | bytes) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    return path


def place(text: str, anchor: str) -> tuple[int, int]:
    """(line, column), 1-based, where `anchor` (which occurs once) starts in `text`."""
    assert text.count(anchor) == 1, f"{anchor!r} occurs {text.count(anchor)} times"
    at = text.index(anchor)
    return text.count("\n", 0, at) + 1, at - (text.rfind("\n", 0, at) + 1) + 1


def findings(result) -> list[dict]:
    """The findings of a `--format json` run."""
    return json.loads(result.stdout)


def brief(found: list[dict]) -> list[tuple]:
    """What to show when an assertion about findings fails."""
    return [(Path(f["file"]).name, f["line"], f["column"], f["rule"], f["schema"], f["message"][:80]) for f in found]


# --- 1. the project rules ---------------------------------------------------------------------

# rule id; the change to DOC; the text at whose start the finding must be; words its message must contain;
# whether the grammar catches the same fault (then the grammar's findings are expected too). A rule reports at
# its context: the header rules at <teiHeader>, header-date-agrees at <profileDesc>, id-unique at each element
# that has the id (here, the second).
RULES = [
    ("ref-resolves", [NOBODY], 'ref="#nobody"', ["#nobody", "persName", "@ref"], False),
    ("id-unique", [('<person xml:id="stalin"><persName>Joseph Stalin</persName></person>',
                    '<person xml:id="stalin"><persName>Joseph Stalin</persName></person>\n'
                    '      <person xml:id="stalin" n="again"><persName>J. Stalin</persName></person>')],
     '<person xml:id="stalin" n="again">', ['"stalin"', "2 times"], True),
    ("when-real-date", [('<date when="1945-07-03">3 July</date>', '<date when="1945-02-30">3 July</date>')],
     'when="1945-02-30"', ['"1945-02-30"', "@when", "date"], True),
    ("header-date-agrees", [('<date when="1945-07-03">3 July 1945</date></correspAction>',
                             '<date when="1945-08-09">9 August 1945</date></correspAction>')],
     "<profileDesc>", ["1945-07-03", "1945-08-09"], False),
    ("gap-reason", [('<gap reason="illegible"/>', "<gap/>")], "<gap/>", ["@reason"], True),
    ("name-not-empty", [('<persName ref="#stalin">Stalin</persName>', '<persName ref="#stalin"> </persName>')],
     '<persName ref="#stalin"> </persName>', ["persName"], False),
    ("choice-orig-reg", [("<reg>Dalian</reg>", "<orig>Dalian</orig>")], "<choice><orig>", ["orig, orig"], True),
    ("choice-sic-corr", [("<corr>the</corr></choice>", "<corr>the</corr><corr>thee</corr></choice>")],
     "<choice><sic>", ["sic, corr, corr"], True),
    ("header-title", [("<title>A memorandum</title>", "<title> </title>")], "<teiHeader>", ["title"], True),
    ("header-publication", [("      <publicationStmt>\n        <publisher>Unpublished TEI edition</publisher>\n"
                             "      </publicationStmt>\n", "")], "<teiHeader>", ["publicationStmt"], True),
    ("header-source", [("      <sourceDesc>\n        <p>A typed copy.</p>\n      </sourceDesc>\n", "")],
     "<teiHeader>", ["sourceDesc"], True),
]


def test_the_rules_cover_every_rule_of_the_schema():
    ids = set(re.findall(r'<sch:assert id="([^"]+)"', (ROOT / "schema" / "tei_transcripts.sch").read_text()))
    assert ids == {rule for rule, *_ in RULES}


@pytest.mark.parametrize("rule, changes, anchor, words, overlaps_grammar", RULES, ids=[r[0] for r in RULES])
def test_a_broken_rule_is_reported_at_its_place(tmp_path, rule, changes, anchor, words, overlaps_grammar):
    text = variant(*changes)
    result = validate(write(tmp_path / f"{rule}.xml", text), "--format", "json")
    assert result.exit_code == 1, result.output
    found = findings(result)
    rules = [f for f in found if f["schema"] == "tei_transcripts.sch"]
    assert {f["rule"] for f in rules} == {rule}, brief(found)
    line, column = place(text, anchor)
    at = [f for f in rules if (f["line"], f["column"]) == (line, column)]
    assert at, f"no {rule} at {line}:{column}: {brief(found)}"
    for word in words:
        assert word in at[0]["message"]
    others = [f for f in found if f["schema"] != "tei_transcripts.sch"]
    if overlaps_grammar:
        assert others and {f["schema"] for f in others} == {"tei_transcripts.rng"}, brief(found)
    else:
        assert others == [], brief(found)


# The grammar's own finding for a fault the rules also catch names the element at fault, as libxml2 does
# with the whole grammar ("Invalid attribute when for element date", "Element gap failed to validate
# attributes": the README shows the latter), not an ancestor ("Element div has extra content: p").
# rule: (the element named, the text whose line the finding is on)
GRAMMAR_NAMES = {"when-real-date": ("date", 'when="1945-02-30"'), "gap-reason": ("gap", "<gap/>"),
                 "choice-orig-reg": ("choice", "<choice><orig>"), "choice-sic-corr": ("choice", "<choice><sic>"),
                 "header-title": ("title", "<title> </title>")}


@pytest.mark.parametrize("rule, changes", [(r[0], r[1]) for r in RULES if r[0] in GRAMMAR_NAMES],
                         ids=[r[0] for r in RULES if r[0] in GRAMMAR_NAMES])
def test_the_grammar_names_the_element_at_fault(tmp_path, rule, changes):
    element, anchor = GRAMMAR_NAMES[rule]
    text = variant(*changes)
    found = findings(validate(write(tmp_path / f"{rule}.xml", text), "--format", "json"))
    grammar = [f for f in found if f["schema"] == "tei_transcripts.rng"]
    line = place(text, anchor)[0]
    assert any(f["line"] == line and re.search(rf"\b{element}\b", f["message"]) for f in grammar), brief(grammar)


@pytest.mark.parametrize("rule, changes", [(r[0], r[1]) for r in RULES], ids=[r[0] for r in RULES])
def test_every_finding_has_a_line(tmp_path, rule, changes):
    found = findings(validate(write(tmp_path / f"{rule}.xml", variant(*changes)), "--format", "json"))
    assert all(f["line"] for f in found), brief(found)


@pytest.mark.parametrize("stem", [None] + [s.stem for s in SAMPLES], ids=["DOC"] + [s.stem for s in SAMPLES])
def test_a_valid_document_gives_nothing(tmp_path, sample_tei, stem):
    path = write(tmp_path / "doc.xml", DOC) if stem is None else sample_tei[stem]
    result = validate(path)
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert result.stderr == f"1 of 1 file(s) valid against {PROJECT}: 0 error(s), 0 warning(s)\n"


# --- 2. formats -------------------------------------------------------------------------------

@pytest.fixture
def corpus(tmp_path) -> dict[str, Path]:
    """One valid file, one with two errors (lines 25 and 31), one not well-formed; in this order in the folder."""
    folder = tmp_path / "corpus"
    return {"folder": folder,
            "valid": write(folder / "a_valid.xml", DOC),
            "two": write(folder / "b_two_errors.xml", variant(NOBODY, EMPTY_NAME)),
            "broken": write(folder / "c_broken.xml", BROKEN)}


def test_human_format(corpus):
    result = validate(corpus["folder"])
    assert result.exit_code == 1
    two, broken = corpus["two"], corpus["broken"]
    blocks = result.stdout.split("\n\n")  # one block per file with findings
    assert len(blocks) == 2, result.stdout
    assert blocks[0].splitlines() == [f"{two}:25:31: error: {EMPTY_MESSAGE} [name-not-empty]",
                                      f"{two}:31:26: error: {REF_MESSAGE} [ref-resolves]"]
    assert re.fullmatch(rf"{re.escape(str(broken))}:3:\d+: error: is not well-formed XML: .* \[not-well-formed\]\n",
                        blocks[1]), blocks[1]
    assert str(corpus["valid"]) not in result.stdout
    assert "\x1b[" not in result.output  # no colours off a terminal
    assert result.stderr == f"1 of 3 file(s) valid against {PROJECT}: 3 error(s), 0 warning(s)\n"


def test_json_format(corpus):
    result = validate(corpus["folder"], "--format", "json")
    found = findings(result)
    assert all(set(f) == {"file", "line", "column", "level", "message", "rule", "schema"} for f in found)
    assert [(f["file"], f["line"], f["column"], f["level"], f["rule"], f["schema"]) for f in found] == [
        (str(corpus["two"]), 25, 31, "error", "name-not-empty", "tei_transcripts.sch"),
        (str(corpus["two"]), 31, 26, "error", "ref-resolves", "tei_transcripts.sch"),
        (str(corpus["broken"]), 3, found[2]["column"], "error", "not-well-formed", "xml"),
    ]
    assert found[1]["message"] == REF_MESSAGE
    assert isinstance(found[2]["column"], int)


def test_junit_format(corpus):
    result = validate(corpus["folder"], "--format", "junit")
    suites = etree.fromstring(result.stdout_bytes)
    suite = suites.find("testsuite")
    assert (suites.get("tests"), suites.get("failures")) == ("3", "2")
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "2", "0")
    cases = suite.findall("testcase")
    assert [c.get("name") for c in cases] == [str(corpus[k]) for k in ("valid", "two", "broken")]
    assert [c.find("failure") is not None for c in cases] == [False, True, True]
    failure = cases[1].find("failure")
    assert failure.get("message").startswith("2 error(s); first: An empty persName")
    assert failure.text.splitlines() == [f"{corpus['two']}:25:31: error: {EMPTY_MESSAGE} [name-not-empty]",
                                         f"{corpus['two']}:31:26: error: {REF_MESSAGE} [ref-resolves]"]
    assert cases[2].find("failure").get("type") == "not-well-formed"


def test_junit_warnings_are_not_failures(corpus):
    result = validate(corpus["valid"], "--schema", DATA / "percent.sch", "--format", "junit")
    assert result.exit_code == 0
    case = etree.fromstring(result.stdout_bytes).find("testsuite/testcase")
    assert case.find("failure") is None
    assert "[title-seen]" in case.findtext("system-out")


GITHUB_LINE = re.compile(r"::(error|warning|notice) file=[^,:]+,line=\d+,col=\d+,title=[^,:]+::.*")


def test_github_format(corpus):
    lines = validate(corpus["folder"], "--format", "github").stdout.splitlines()
    assert len(lines) == 3 and all(GITHUB_LINE.fullmatch(line) for line in lines), lines
    assert lines[1] == f"::error file={corpus['two']},line=31,col=26,title=ref-resolves (tei_transcripts.sch)::" \
                       + REF_MESSAGE
    assert lines[2].startswith(f"::error file={corpus['broken']},line=3,col=")


def test_github_format_escapes(tmp_path):
    odd = write(tmp_path / "odd, name: 100%.xml", DOC)
    result = validate(odd, "--schema", DATA / "percent.sch", "--format", "github")
    assert result.stdout == (f"::warning file={tmp_path}/odd%2C name%3A 100%25.xml,line=6,col=9,"
                             'title=title-seen (percent.sch)::100%25 sure: a title, "A memorandum"\n')
    # Messages from the XML parser may hold line breaks: the writer itself, with one.
    finding = Finding("a,b:c.xml", 1, 2, "50% done\r\nnext: line", "some-rule", "x,y:z.sch")
    assert github([("a,b:c.xml", [finding])]) == \
        "::error file=a%2Cb%3Ac.xml,line=1,col=2,title=some-rule (x%2Cy%3Az.sch)::50%25 done next: line\n"


def test_output_file(corpus, tmp_path):
    report = tmp_path / "out" / "report.json"
    result = validate(corpus["folder"], "--format", "json", "-o", report)
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr.startswith("1 of 3 file(s) valid")  # the summary still on stderr
    assert report.read_text(encoding="utf-8") == validate(corpus["folder"], "--format", "json").stdout


# --- 3. exit codes ----------------------------------------------------------------------------

def test_exit_codes(corpus, tmp_path):
    assert validate(corpus["valid"]).exit_code == 0
    assert validate(corpus["two"]).exit_code == 1
    assert validate().exit_code == 2  # no path: a usage error
    missing_schema = validate(corpus["valid"], "--schema", tmp_path / "nope.sch")
    assert missing_schema.exit_code == 2
    assert "nope.sch" in missing_schema.stderr and "no such schema file" in missing_schema.stderr


def test_warn_only_reports_but_exits_0(corpus):
    result = validate(corpus["folder"], "--warn-only")
    assert result.exit_code == 0
    assert f"{corpus['two']}:31:26: error: {REF_MESSAGE} [ref-resolves]" in result.stdout.splitlines()


def test_a_missing_input_is_exit_2_and_the_others_are_validated(corpus, tmp_path):
    missing = tmp_path / "missing.xml"
    result = validate(corpus["valid"], missing, corpus["two"])
    assert result.exit_code == 2
    assert f"{missing}: error: no such file or folder" in result.stderr.splitlines()
    assert f"{corpus['two']}:31:26: error: {REF_MESSAGE} [ref-resolves]" in result.stdout.splitlines()
    assert validate(corpus["valid"], missing, "--warn-only").exit_code == 2  # --warn-only does not hide it


# --- 4. the GitHub job summary ----------------------------------------------------------------

def test_step_summary_is_a_markdown_table(corpus, tmp_path):
    summary = write(tmp_path / "summary.md", "# Earlier step\n")
    result = validate(corpus["folder"], env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 1
    text = summary.read_text(encoding="utf-8")
    assert text.startswith("# Earlier step\n## TEI validation\n")  # appended
    lines = text.splitlines()
    header = lines.index("| File | Errors | Warnings | First finding |")
    assert lines[header + 1] == "|---|---:|---:|---|"
    rows = lines[header + 2:]
    assert rows[0].startswith(f"| `{corpus['two']}` | 2 | 0 | 25: An empty persName")
    assert rows[1].startswith(f"| `{corpus['broken']}` | 1 | 0 | 3: is not well-formed XML")
    assert str(corpus["valid"]) not in text


def test_step_summary_row_survives_a_pipe_in_the_file_name(tmp_path):
    odd = write(tmp_path / "a|b.xml", variant(NOBODY))
    summary = tmp_path / "summary.md"
    validate(odd, env={"GITHUB_STEP_SUMMARY": str(summary)})
    row = next(line for line in summary.read_text(encoding="utf-8").splitlines() if "a" in line and ".xml" in line)
    assert len(re.findall(r"(?<!\\)\|", row)) == 5, row  # the four cells' borders only


# --- 5. --changed-since -----------------------------------------------------------------------

def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", "-c", "user.email=a@b", "-c", "user.name=t", *args], cwd=repo, check=True,
                   capture_output=True)


@pytest.fixture
def repo(tmp_path) -> Path:
    """A git repository: one.xml and two.xml committed; then one.xml changed and new.xml added, untracked."""
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q")
    write(repo / "one.xml", DOC)
    write(repo / "two.xml", DOC)
    git(repo, "add", ".")
    git(repo, "commit", "-q", "-m", "two files")
    write(repo / "one.xml", DOC + "<!-- changed -->\n")
    write(repo / "new.xml", variant(NOBODY))
    return repo


def test_changed_since_validates_only_changed_and_untracked_files(repo):
    result = validate(repo, "--changed-since", "HEAD", "--format", "junit")
    assert result.exit_code == 1  # new.xml has an error
    cases = etree.fromstring(result.stdout_bytes).findall("testsuite/testcase")
    assert sorted(Path(c.get("name")).name for c in cases) == ["new.xml", "one.xml"]
    assert result.stderr.rstrip().endswith("(2 changed since HEAD)")


def test_changed_since_a_bad_revision(repo):
    result = validate(repo, "--changed-since", "no-such-rev")
    assert result.exit_code == 2
    assert "'no-such-rev' is not a revision of this repository" in result.stderr


# --- 6. --unique-ids --------------------------------------------------------------------------

def test_an_id_used_in_two_files(tmp_path):
    first = write(tmp_path / "a.xml", DOC)
    second = write(tmp_path / "b.xml", DOC.replace("harriman", "truman"))  # shares only "stalin"
    result = validate(first, second, "--unique-ids", "--format", "json")
    assert result.exit_code == 1
    assert [(f["file"], f["line"], f["rule"], f["schema"]) for f in findings(result)] == [
        (str(second), 25, "corpus-id-collision", "corpus")]
    message = findings(result)[0]["message"]
    assert '"stalin"' in message and f"{first}:25" in message
    plain = validate(first, second)
    assert (plain.exit_code, plain.stdout) == (0, "")


def test_a_file_named_twice_does_not_collide_with_itself(tmp_path):
    only = write(tmp_path / "corpus" / "only.xml", DOC)
    result = validate(tmp_path / "corpus", only, "--unique-ids")  # the folder, and a file in it
    assert "corpus-id-collision" not in result.stdout
    assert result.exit_code == 0, result.output


# --- 7. --jobs --------------------------------------------------------------------------------

def test_two_processes_give_the_same_bytes_as_one(tmp_path):
    kinds = [DOC, variant(NOBODY), variant(EMPTY_NAME), BROKEN,
             variant(('<date when="1945-07-03">3 July</date>', '<date when="1945-13-45">3 July</date>')),
             variant(("<reg>Dalian</reg>", "<orig>Dalian</orig>")), "<html/>"]
    folder = tmp_path / "many"
    for i in range(100):
        write(folder / f"{i:03d}.xml", kinds[i % len(kinds)])
    one = validate(folder, "--jobs", "1", "--unique-ids")
    two = validate(folder, "--jobs", "2", "--unique-ids")
    assert one.exit_code == two.exit_code == 1
    assert one.stdout_bytes.count(b"\n") > 100
    assert two.stdout_bytes == one.stdout_bytes
    assert two.stderr_bytes == one.stderr_bytes


# --- 8. other schemas -------------------------------------------------------------------------

def test_xsd_11_assertion(tmp_path):
    schema = DATA / "assert_n.xsd"
    bad = write(tmp_path / "bad.xml", variant(("<TEI xmlns", '<TEI n="12" xmlns')))
    good = write(tmp_path / "good.xml", variant(("<TEI xmlns", '<TEI n="3" xmlns')))
    result = validate(bad, good, "--schema", schema, "--format", "json")
    assert result.exit_code == 1
    assert [(Path(f["file"]).name, f["line"], f["rule"], f["schema"]) for f in findings(result)] == [
        ("bad.xml", 2, "assertion", "assert_n.xsd")]
    assert result.stderr.startswith("1 of 2 file(s) valid against assert_n.xsd:")


def test_schematron_xpath_1(tmp_path):
    doc = write(tmp_path / "doc.xml", variant(("<TEI xmlns", '<TEI n="12" xmlns')))
    result = validate(doc, "--schema", DATA / "xpath1.sch", "--format", "json")
    assert [(f["line"], f["column"], f["rule"], f["schema"], f["message"]) for f in findings(result)] == [
        (2, 1, "n-below-nine", "xpath1.sch", "@n is 12, not below 9 (2 digits)")]
    # The same test under XPath 2 compares strings: nothing, which shows the binding was honoured.
    assert validate(doc, "--schema", DATA / "xpath1_as_xpath2.sch").exit_code == 0


def test_schematron_xpath_2(tmp_path):
    text = variant(('<date when="1945-07-03">3 July</date>', '<date when="1945-07">July</date>'))
    result = validate(write(tmp_path / "doc.xml", text), "--schema", DATA / "xpath2.sch", "--format", "json")
    assert result.exit_code == 1
    body_date = place(text, '<date when="1945-07">')
    assert [(f["line"], f["column"], f["rule"], f["message"]) for f in findings(result)] == [
        (16, 17, "long-date", "the date is written in 3 words"),  # creation
        (18, 81, "long-date", "the date is written in 3 words"),  # correspAction
        (*body_date, "full-date", '@when "1945-07" is not a full date'),
    ]
    assert {f["schema"] for f in findings(result)} == {"xpath2.sch"}


def test_schematron_let_value_of_name_role_and_key(tmp_path):
    text = variant(NOBODY)
    result = validate(write(tmp_path / "doc.xml", text), "--schema", DATA / "features.sch", "--format", "json")
    assert result.exit_code == 0  # a warning only
    assert [(f["line"], f["column"], f["level"], f["rule"], f["schema"], f["message"]) for f in findings(result)] == [
        (*place(text, '<persName ref="#nobody">'), "warning", "ref-is-person", "features.sch",
         "persName points to nobody, who is not one of the 2 people listed")]
    assert validate(tmp_path / "doc.xml", "--schema", DATA / "features.sch").stderr.endswith(
        "0 error(s), 1 warning(s)\n")


def test_schematron_only_the_first_matching_rule_of_a_pattern_fires(tmp_path):
    result = validate(write(tmp_path / "doc.xml", DOC), "--schema", DATA / "first_rule.sch", "--format", "json")
    assert sorted((f["line"], f["rule"], f["message"]) for f in findings(result)) == [
        (24, "other-pattern", "other pattern: harriman"),
        (24, "second-rule", "second rule: harriman"),
        (25, "first-rule", "first rule: stalin"),  # and not the second rule, which also matches
        (25, "other-pattern", "other pattern: stalin"),
    ]


def test_a_schematron_that_does_not_compile_is_exit_2(tmp_path):
    schema = DATA / "broken_xpath.sch"
    result = validate(write(tmp_path / "doc.xml", DOC), "--schema", schema, catch_exceptions=True)
    assert result.exit_code == 2, f"exit {result.exit_code}: {result.exception!r}"
    assert str(schema) in result.stderr


# --- 9. TEI All -------------------------------------------------------------------------------

WHEN_AND_NOT_BEFORE = ('<date when="1945-07-03">3 July</date>', '<date when="1945-07-03" notBefore="1945-07-01">3 July</date>')


def test_the_samples_are_valid_against_tei_all(sample_tei, tei_all):
    result = validate(*sample_tei.values(), "--tei-all", tei_all)
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert result.stderr == (f"{len(sample_tei)} of {len(sample_tei)} file(s) valid against tei_all.rng, {PROJECT}: "
                             "0 error(s), 0 warning(s)\n")


@pytest.mark.parametrize("where", ["before the files", "after the files", "with a path"])
def test_tei_all_needs_no_path_and_a_word_after_it_that_is_no_grammar_is_a_file(sample_tei, tei_all, monkeypatch,
                                                                                 where):
    """`--tei-all` alone is the toolkit's own TEI All; the word after it is taken as the grammar only when it
    ends in .rng, so `--tei-all doc.xml` checks doc.xml."""
    monkeypatch.delenv("TEI_ALL", raising=False)
    files = [str(p) for p in sample_tei.values()]
    args = {"before the files": ["--tei-all", *files], "after the files": [*files, "--tei-all"],
            "with a path": ["--tei-all", str(tei_all), *files]}[where]
    result = validate(*args)
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert result.stderr == (f"{len(files)} of {len(files)} file(s) valid against tei_all.rng, {PROJECT}: "
                             "0 error(s), 0 warning(s)\n")


def test_tei_all_from_the_environment_is_the_one_checked(sample_tei, tmp_path, monkeypatch):
    """$TEI_ALL names another copy (another TEI version): that one is read, and a missing one is an error."""
    monkeypatch.setenv("TEI_ALL", str(tmp_path / "elsewhere" / "tei_all.rng"))
    result = validate("--tei-all", *sample_tei.values())
    assert result.exit_code == 2 and "elsewhere" in result.stderr, result.output


def test_no_files_to_check_is_a_usage_error():
    result = validate("--tei-all")
    assert result.exit_code == 2 and "Missing argument" in result.stderr


def test_tei_all_embedded_schematron(tmp_path, tei_all):
    text = variant(WHEN_AND_NOT_BEFORE)
    doc = write(tmp_path / "doc.xml", text)
    found = [f for f in findings(validate(doc, "--tei-all", tei_all, "--format", "json"))
             if f["schema"] == "tei_all.rng"]
    assert [(f["line"], f["column"], f["level"]) for f in found] == [(*place(text, '<date when="1945-07-03" not'),
                                                                      "warning")], brief(found)
    assert "@when" in found[0]["message"] and "when" in found[0]["rule"]
    without = findings(validate(doc, "--tei-all", tei_all, "--no-embedded-rules", "--format", "json"))
    assert [f for f in without if f["schema"] == "tei_all.rng"] == []


def test_tei_all_named_twice_reports_each_finding_once(tmp_path, tei_all):
    doc = write(tmp_path / "doc.xml", variant(WHEN_AND_NOT_BEFORE))
    found = findings(validate(doc, "--schema", tei_all, "--tei-all", tei_all, "--format", "json"))
    assert len(found) == 1, brief(found)


# --- 10. hostile input ------------------------------------------------------------------------

def _limit_memory() -> None:
    # 2 GB of heap. Not RLIMIT_AS: Saxon's runtime (a GraalVM isolate) reserves over 32 GB of address
    # space at start and cannot run at all under an address-space limit; RLIMIT_DATA bounds what is used.
    resource.setrlimit(resource.RLIMIT_DATA, (2 * 2**30, 2 * 2**30))


def run_process(*args, timeout: float = 20, data_mb: int | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """`python -m tei validate ARGS` in a process with bounded memory (2 GB, or `data_mb`) and time; and how
    long it took."""
    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_DATA, (data_mb * 2**20, data_mb * 2**20))

    start = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "tei", "validate", *map(str, args)], capture_output=True,
                          text=True, errors="replace", timeout=timeout, cwd=ROOT,
                          preexec_fn=_limit_memory if data_mb is None else limit)
    return done, time.monotonic() - start


def tei(body: str = "x", prolog: str = "") -> str:
    """A TEI document valid against the project schema whose paragraph holds `body`, after `prolog`."""
    return (f'<?xml version="1.0"?>\n{prolog}<TEI xmlns="http://www.tei-c.org/ns/1.0"><teiHeader><fileDesc>'
            "<titleStmt><title>t</title></titleStmt><publicationStmt><publisher>p</publisher></publicationStmt>"
            f"<sourceDesc><p>s</p></sourceDesc></fileDesc></teiHeader><text><body><div><p>{body}</p></div></body>"
            "</text></TEI>\n")


def _bomb() -> str:
    entities = '<!ENTITY lol0 "lol">' + "".join(f'<!ENTITY lol{i} "{f"&lol{i - 1};" * 10}">' for i in range(1, 10))
    return tei("&lol9;", f"<!DOCTYPE TEI [{entities}]>\n")


@pytest.fixture
def listener():
    with recording_listener() as guard:
        yield guard


# name: (the file's content, given its folder and a listening URL; extra options; the rule expected, or None
# for any). The folder holds secret.txt and fifo.dtd, a named pipe.
HOSTILE = {
    "malformed": (lambda d, url: '<TEI xmlns="http://www.tei-c.org/ns/1.0">\n<teiHeader>\n<p>x</div>\n', [],
                  "not-well-formed"),
    "not-tei": (lambda d, url: '<?xml version="1.0"?>\n<html><body/></html>\n', [], "not-tei"),
    "empty": (lambda d, url: "", [], None),
    "binary": (lambda d, url: b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 64, [], "not-well-formed"),
    "over-max-size": (lambda d, url: tei("x" * (2 * 2**20)), ["--max-size", "1"], "too-large"),
    "xxe-file": (lambda d, url: tei("&s;", f'<!DOCTYPE TEI [<!ENTITY s SYSTEM "file://{d}/secret.txt">]>\n'), [], None),
    "xxe-http": (lambda d, url: tei("&s;", '<!DOCTYPE TEI [<!ENTITY s SYSTEM "http://127.0.0.1:9/x">]>\n'), [], None),
    "xxe-http-listening": (lambda d, url: tei("&s;", f'<!DOCTYPE TEI [<!ENTITY s SYSTEM "{url}/x">]>\n'), [], None),
    "xxe-parameter-entity": (lambda d, url: tei("x", f'<!DOCTYPE TEI [<!ENTITY % s SYSTEM "file://{d}/secret.txt"> %s;]>\n'),
                             [], "external-entity"),
    "billion-laughs": (lambda d, url: _bomb(), [], None),
    # An external DTD is not fetched, and the document is judged on what it holds (here a pointer to nobody).
    "dtd-at-url": (lambda d, url: tei('<persName ref="#nobody">N</persName>', f'<!DOCTYPE TEI SYSTEM "{url}/tei.dtd">\n'),
                   [], "ref-resolves"),
    # Nor read from disk: a named pipe never answers, a reader would wait for ever.
    "dtd-on-disk": (lambda d, url: tei('<persName ref="#nobody">N</persName>', '<!DOCTYPE TEI SYSTEM "fifo.dtd">\n'),
                    [], "ref-resolves"),
    "deep-nesting": (lambda d, url: tei('<hi rend="b">' * 10_000 + "x" + "</hi>" * 10_000), [], None),
    "huge-attribute": (lambda d, url: tei(f'<hi rend="{"b" * (20 * 2**20)}">x</hi>'), [], None),
}


@pytest.mark.parametrize("name", list(HOSTILE))
def test_hostile_input_gives_a_finding_quickly(tmp_path, listener, name):
    content, options, rule = HOSTILE[name]
    url, connections = listener
    secret = f"SECRET-{uuid.uuid4()}"
    write(tmp_path / "secret.txt", secret + "\n")
    os.mkfifo(tmp_path / "fifo.dtd")
    path = write(tmp_path / f"{name}.xml", content(tmp_path, url))
    done, seconds = run_process(path, *options, timeout=10 if name == "dtd-on-disk" else 20)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line for line in done.stdout.splitlines() if line]
    assert lines, done.stderr
    assert all(line.startswith(f"{path}:") for line in lines), lines  # one line per finding
    if rule is not None:
        assert any(line.endswith(f"[{rule}]") for line in lines), lines
    assert secret not in done.stdout + done.stderr
    assert connections == []  # nothing fetched
    assert seconds < 15


# What Saxon's XML parser refuses (libxml2 reads it): the body, one element a line after the <p> at line 2, and
# the number of the line the finding names (the first element over the limit: depth 101 is the 96th <hi>, below
# TEI, text, body, div and p).
BEYOND_SAXON = {
    "nested-101-deep": ("".join("\n<hi>" for _ in range(101)) + "x" + "</hi>" * 101, 2 + 96,
                        "nested more than 100 deep, and this <hi> is at depth 101"),
    "201-attributes": ("\n<hi/>\n<hi " + " ".join(f'n{i}="1"' for i in range(201)) + "/>", 4,
                       "more than 200 attributes (namespace declarations included), and this <hi> has 201"),
    "a-long-name": ("\n<hi/>\n<hi/>\n<" + "x" * 1001 + ' xmlns="urn:x"/>', 5,
                    "no name (prefix or local name) longer than 1000 characters"),
}


@pytest.mark.parametrize("name", list(BEYOND_SAXON))
def test_what_saxon_cannot_read_is_one_finding_at_its_line_and_nothing_on_stderr(tmp_path, name):
    body, line, words = BEYOND_SAXON[name]
    path = write(tmp_path / f"{name}.xml", tei(body))
    done, _ = run_process(path, "--format", "json")
    [found] = [f for f in json.loads(done.stdout) if f["schema"] == "tei_transcripts.sch"]
    assert (found["rule"], found["line"]) == ("schematron-failed", line)
    assert words in found["message"] and "Saxon" in found["message"]
    # Saxon printed its error to the stderr descriptor too ("Error on line 1 column 1475 ..."): no more
    summary = (f"0 of 1 file(s) valid against tei_transcripts.rng, tei_transcripts.sch: "
               f"{len(json.loads(done.stdout))} error(s), 0 warning(s)")
    assert done.stderr.splitlines() == [summary]


def test_a_file_saxon_has_no_memory_for_is_checked_without_it_and_the_batch_goes_on(tmp_path):
    """Out of memory, Saxon's runtime ends the whole process (exit 99, a heap dump on stderr). With 300 MB of
    data, 20 MB of TEI is read and checked against the grammar, but Saxon would need more than is left: its
    Schematron rules are not run, which a finding says, and the next file is checked in full."""
    paragraph = '<persName ref="#nobody">Stalin</persName> on <date when="1945-07-03">3 July</date>; ' + "word " * 150
    big = write(tmp_path / "big.xml", tei("</p>\n<p>".join([paragraph] * (20 * 2**20 // len(paragraph)))))
    small = write(tmp_path / "small.xml", variant(NOBODY))
    done, _ = run_process(big, small, "--format", "json", timeout=120, data_mb=300)
    assert (done.returncode, "Traceback" in done.stderr) == (1, False), done.stderr[-2000:]
    found = json.loads(done.stdout)
    [skipped] = [f for f in found if f["file"] == str(big)]
    assert skipped["rule"] == "schematron-skipped"
    assert "would need about" in skipped["message"] and "RLIMIT_DATA" in skipped["message"]
    assert [f["rule"] for f in found if f["file"] == str(small)] == ["ref-resolves"]  # Saxon ran for it


def test_malformed_xml_names_line_and_column(tmp_path):
    path = write(tmp_path / "bad.xml", HOSTILE["malformed"][0](tmp_path, ""))
    result = validate(path, "--format", "json")
    assert [(f["line"], f["rule"]) for f in findings(result)] == [(3, "not-well-formed")]
    assert isinstance(findings(result)[0]["column"], int)


@pytest.mark.parametrize("declaration, reference", [
    ('<!ENTITY s SYSTEM "file:///etc/passwd">', "&s;"),
    ('<!ENTITY % s SYSTEM "file:///etc/passwd"> %s;', "%s;"),  # a parameter entity, used in the DOCTYPE
    ('<!ENTITY % s PUBLIC "-//X//Y" "http://127.0.0.1:9/p.dtd">\n%s;', "%s;"),
], ids=["general", "parameter", "parameter-public"])
def test_an_external_entity_is_named_as_refused(tmp_path, declaration, reference):
    text = tei("&s;" if reference == "&s;" else "x", f"<!DOCTYPE TEI [{declaration}]>\n")
    [found] = findings(validate(write(tmp_path / "xxe.xml", text), "--format", "json"))
    used = next(number for number, line in enumerate(text.splitlines(), 1) if reference in line)
    assert (found["rule"], found["line"]) == ("external-entity", used)
    assert f"uses the external entity {reference}, which is refused" in found["message"]


# --- 11. TEI written elsewhere ----------------------------------------------------------------

HEADER = ("<teiHeader><fileDesc><titleStmt><title>{}</title></titleStmt><publicationStmt><p>Published</p>"
          "</publicationStmt><sourceDesc><p>Born digital</p></sourceDesc></fileDesc></teiHeader>")
FOREIGN = {
    "teiCorpus": ('<?xml version="1.0"?>\n<teiCorpus xmlns="http://www.tei-c.org/ns/1.0">\n' + HEADER.format("Corpus")
                  + "\n<TEI>" + HEADER.format("One") + "<text><body><p>one</p></body></text></TEI>\n<TEI>"
                  + HEADER.format("Two") + "<text><body><p>two</p></body></text></TEI>\n</teiCorpus>\n"),
    "processing-instructions": (
        '<?xml version="1.0"?>\n'
        '<?xml-model href="http://www.tei-c.org/release/xml/tei/custom/schema/relaxng/tei_all.rng" '
        'type="application/xml" schematypens="http://relaxng.org/ns/structure/1.0"?>\n'
        '<?xml-stylesheet type="text/xsl" href="http://127.0.0.1:9/tei.xsl"?>\n'
        '<TEI xmlns="http://www.tei-c.org/ns/1.0">' + HEADER.format("PIs")
        + "<text><body><p>a<?editor check this?>b</p></body></text></TEI>\n<?trailing?>\n"),
    "internal-subset": (
        '<?xml version="1.0"?>\n<!DOCTYPE TEI [\n  <!ENTITY wc "Wilson Center">\n'
        "  <!ATTLIST p rend CDATA #IMPLIED>\n]>\n"
        '<TEI xmlns="http://www.tei-c.org/ns/1.0">' + HEADER.format("Subset")
        + "<text><body><p>Published by the &wc;.</p></body></text></TEI>\n"),
}


@pytest.mark.parametrize("name", list(FOREIGN))
def test_tei_from_elsewhere_is_valid_against_tei_all(tmp_path, tei_all, name):
    result = validate(write(tmp_path / f"{name}.xml", FOREIGN[name]), "--tei-all", tei_all, "--schema", tei_all)
    assert (result.exit_code, result.stdout) == (0, ""), result.output
    assert result.stderr == "1 of 1 file(s) valid against tei_all.rng: 0 error(s), 0 warning(s)\n"


def test_xinclude_is_not_followed(tmp_path, tei_all):
    secret = f"INCLUDED-SECRET-{uuid.uuid4()}"
    write(tmp_path / "included.xml", f'<p xmlns="http://www.tei-c.org/ns/1.0">{secret}</p>\n')
    doc = write(tmp_path / "including.xml",
                '<?xml version="1.0"?>\n<TEI xmlns="http://www.tei-c.org/ns/1.0" '
                'xmlns:xi="http://www.w3.org/2001/XInclude">' + HEADER.format("XInclude")
                + '<text><body><p>before</p><xi:include href="included.xml"/></body></text></TEI>\n')
    result = validate(doc, "--tei-all", tei_all, "--schema", tei_all)
    # Not expanded, xi:include is an element TEI All does not allow there (jing says the same).
    assert result.exit_code == 1
    assert "include" in result.stdout
    assert secret not in result.output


# --- 12. many findings ------------------------------------------------------------------------

# Each paragraph breaks three rules: a pointer to nobody (Schematron), an attribute the grammar does not allow,
# an xml:id used before (the grammar's duplicate-id and Schematron's id-unique): five findings a paragraph.
MANY = '<persName ref="#nobody">N</persName> <date when="1945-07-03" foo="1">d</date> <hi xml:id="twice">t</hi>'
MANY_RULES = ["duplicate-id", "id-unique", "invalid-attribute", "invalid-attribute", "ref-resolves"]


def _work_of_checking(path: Path, checks: list) -> tuple[int, list[Finding]]:
    """The findings of a file, and how many Python lines and calls checking it ran (sys.settrace events):
    a count of the work that does not depend on how busy the machine is."""
    from tei.validate import check_tree
    from tei.xmlread import parse_tei

    tree = parse_tei(path)
    events = 0

    def count(frame, event, arg):
        nonlocal events
        events += 1
        return count

    sys.settrace(count)
    try:
        found = check_tree(tree, path, checks)
    finally:
        sys.settrace(None)
    return events, found


@pytest.mark.parametrize("between", ["\n", ""], ids=["a-line-each", "all-on-one-line"])
def test_thousands_of_findings_take_work_in_proportion(tmp_path, between):
    """Locating each finding (its element, line and column) once scanned the whole tree or line again, so
    twice the findings took four times the work (5 MB with 5,741 findings: a minute). Now twice the findings
    take twice the work, and each is where it was."""
    from tei.validate import check_tree, default_checks
    from tei.xmlread import parse_tei

    checks = default_checks()
    work = {}
    for paragraphs in (600, 1200):  # 3,000 and 6,000 findings
        text = tei(("</p>" + between + "<p>").join([MANY] * paragraphs))
        path = write(tmp_path / f"many-{paragraphs}.xml", text)
        check_tree(parse_tei(path), path, checks)  # the grammar compiled for these names: not counted
        work[paragraphs], found = _work_of_checking(path, checks)
        lines = text.splitlines()
        first = next(i for i, line in enumerate(lines, 1) if "#nobody" in line)
        # Every finding is reported, on its paragraph's line, at the attribute or tag it is about.
        expected = [(first + i if between else first, rule) for i in range(paragraphs) for rule in MANY_RULES
                    if i or rule != "duplicate-id"]  # the first "twice" is not a duplicate
        assert sorted((f.line, f.rule) for f in found) == sorted(expected)
        refs = [m.start() + 2 for m in re.finditer(' ref="#nobody"', lines[first - 1])]
        assert [f.column for f in found if f.rule == "ref-resolves" and f.line == first] == refs[:1 if between else None]
    assert work[1200] < 2.5 * work[600], f"twice the findings took {work[1200] / work[600]:.1f} times the work"
