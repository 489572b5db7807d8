"""Property tests: any transcript made of realistic pieces converts, stays valid, and loses nothing.

A short run by default (CI); `HYPOTHESIS_PROFILE=thorough pytest tests/test_properties.py` runs thousands.
"""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from test_conventions import ROWS
from tei.document import convert_text
from tei.errors import InputError
from tei.files import line_and_column, read_transcript
from tei.textout import blocks
from tei.validate import check_tree, default_checks

WORDS = st.sampled_from([
    "the", "port", "agreement", "Soong", "Stalin", "Stalin's", "Outer Mongolia", "Darien", "Moscow", "China",
    "Generalissimo", "the President", "July 3, 1945", "2 July 1945", "export", "quote", "unquote", "QUOTE",
    "&", "<", ">", "]]>", "&amp;", "<p>", '"x"', "“free port”", "'", "Lüshun", "Chungking", "café", "—", "1945",
    "a.m.", "(Soong)", "Mr.", "U.S.S.R.", "T. V.", "Q&A", "北京", "Москва", "½", "\t", "?", ".", ",",
])
# every bracket form of the conventions table, case variants, and the broken ones
MARKS = st.sampled_from(sorted({m for _, body, _ in ROWS for m in re.findall(r"\[[^\]]*\]", body)} | {
    "[illegible]", "[ILLEGIBLE]", "[Illegible]", "[ illegible ]", "[sic]", "[SIC]", "[sic!]", "[?]", "[the]",
    "[Dalian]", "[Soong]", "[", "]", "[[nested]]", "[x 1]", "[]", "[ ]", "[Washington,]", "[Received July 4]",
}))
PARAGRAPH = st.lists(st.one_of(WORDS, WORDS, MARKS), min_size=1, max_size=25).map(" ".join)
TRANSCRIPT = st.lists(PARAGRAPH, min_size=1, max_size=6)


@pytest.fixture(scope="session")
def tei_all_lxml(tei_all):
    """TEI All compiled once by libxml2 (about 6 s), then fast for each example."""
    return etree.RelaxNG(etree.parse(str(tei_all)))


@given(TRANSCRIPT)
def test_any_transcript_converts_validly_and_round_trips(tmp_path_factory, authority, tei_all_lxml, paragraphs):
    source = tmp_path_factory.mktemp("p") / "generated.txt"
    text = "\n\n".join(paragraphs) + "\n"
    if not text.strip():
        with pytest.raises(InputError, match="no transcript text"):
            convert_text(text, source, authority)
        return
    converted = convert_text(text, source, authority)
    tree = etree.ElementTree(etree.fromstring(converted.to_bytes()))
    assert check_tree(tree, source, default_checks()) == []
    assert tei_all_lxml.validate(tree), tei_all_lxml.error_log
    expected = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    assert blocks(tree) == expected


@given(TRANSCRIPT, st.integers(min_value=0), st.sampled_from(["\x00", "\x01", "\x07", "\x0b", "\x1b", "\ufffe"]))
def test_characters_xml_cannot_hold_are_reported_with_their_place(tmp_path_factory, paragraphs, where, char):
    text = "\n\n".join(paragraphs)
    position = where % (len(text) + 1)
    text = text[:position] + char + text[position:]
    source = tmp_path_factory.mktemp("c") / "bad.txt"
    source.write_bytes(text.encode("utf-8"))
    with pytest.raises(InputError) as raised:
        read_transcript(source)
    line, column = line_and_column(text.replace("\r", "\n"), position)
    assert (raised.value.line, raised.value.column) == (line, column)
    assert raised.value.path == str(source)
