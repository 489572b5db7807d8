"""Nothing lost: `tei text` gives back every paragraph of the transcript body, word for word."""

from __future__ import annotations

import re

import pytest
from lxml import etree

from conftest import SOURCES
from tei.textout import blocks


def paragraphs(text: str) -> list[str]:
    return [" ".join(p.split()) for p in re.split(r"\n\s*\n", text) if p.strip()]


def body_of_citation_page(raw: str) -> list[str]:
    """Everything after the 'Contents:' section's 'Transcript - English' line."""
    return paragraphs(raw.split("Transcript - English", 1)[1])


def body_of_web_page(raw: str) -> list[str]:
    """Between the funder line at the top and the summary that precedes 'Document Information'."""
    top, _ = raw.split("Document Information", 1)
    after_funder = top.split("Chun & Jane Chiu Family Foundation", 1)[1]
    return paragraphs(after_funder)[:-1]  # the last block is the page's summary


@pytest.mark.parametrize("stem, extract", [("000_0057ff3e2a2cacb5", body_of_citation_page),
                                           ("001_e5f868fdedea9438", body_of_web_page)])
def test_text_gives_back_every_paragraph(sample_tei, stem, extract):
    expected = extract((SOURCES / f"{stem}.txt").read_text(encoding="utf-8"))
    got = blocks(etree.parse(str(sample_tei[stem])))
    assert got == expected
    joined = "\n".join(got)
    for mark in ("[ILLEGIBLE]", "[Dalian]", "[sic]"):
        assert mark in joined or mark not in "\n".join(expected)


def test_marks_come_back_as_written(sample_tei):
    citation = "\n".join(blocks(etree.parse(str(sample_tei["000_0057ff3e2a2cacb5"]))))
    assert citation.count("[ILLEGIBLE]") == 2
    assert "port of Darien [Dalian]." in citation
    web = "\n".join(blocks(etree.parse(str(sample_tei["001_e5f868fdedea9438"]))))
    assert "freely import and export [sic]." in web
