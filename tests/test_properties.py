"""Property tests: any transcript made of realistic pieces converts, and nothing is lost."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from tei.document import convert_text
from tei.textout import blocks
from tei.validate import default_schema

WORDS = st.sampled_from([
    "the", "port", "agreement", "Soong", "Stalin", "Stalin's", "Outer Mongolia", "Darien", "Moscow", "China",
    "Generalissimo", "July 3, 1945", "2 July 1945", "export", "quote", "unquote", "&", "<", ">", "]]>", "\"x\"",
    "Lüshun", "Chungking", "café", "—", "1945", "a.m.", "(Soong)", "Mr.", "U.S.S.R.", "Q&A",
])
MARKS = st.sampled_from([
    "[ILLEGIBLE]", "[illegible]", "[garble]", "[2 words illegible]", "[sic]", "[Dalian]", "[the]",
    "[File copy not signed]", "[", "]", "[[nested]]", "[?]", "[x 1]",
])
PARAGRAPH = st.lists(st.one_of(WORDS, WORDS, MARKS), min_size=1, max_size=25).map(" ".join)
TRANSCRIPT = st.lists(PARAGRAPH, min_size=1, max_size=6)


@given(TRANSCRIPT)
def test_any_transcript_converts_validly_and_round_trips(tmp_path_factory, authority, paragraphs):
    source = tmp_path_factory.mktemp("p") / "generated.txt"
    text = "\n\n".join(paragraphs) + "\n"
    converted = convert_text(text, source, authority)
    tree = etree.ElementTree(etree.fromstring(converted.to_bytes()))
    assert default_schema().check(tree, source) == []
    expected = [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]
    assert blocks(tree) == expected
