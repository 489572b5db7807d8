"""The edition's shared pages from listings kept in SQLite (tei.sitedata): the same order, entity pages and
search index as the documents themselves give, rows that follow their document when it changes or goes,
and a killed transaction that leaves the listings as they were.

Each expectation is computed here the plain way, in memory, from the listings, and compared with what
the store gives back.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from lxml import etree

from conftest import SOURCES
from tei.cli import main
from tei.edition import (PASSAGES_PER_DOCUMENT, Renderer, neighbours, passage, render_edition, write_entity_pages,
                         write_site)
from tei.search import search_index
from tei.sitedata import SiteData

from test_render import tei_doc

TITLES = ["Zebra", "apple", "Äpfel", "Émile", "émile", "Ωmega", "北京", "Apple", "zebra", "Émile"]


def listing(stem: str, title: str, when: str | None, renderer: Renderer, tmp_path: Path, body: str = ""):
    date = f'<date when="{when}">{when}</date>' if when else ""
    header = f"<title>{title}</title>"
    path = tmp_path / f"{stem}.xml"
    path.write_text(tei_doc(body or f"<p>{title} {date}</p>", header=header), encoding="utf-8")
    return renderer.page(path).listing()


@pytest.fixture
def listings(tmp_path):
    renderer = Renderer()
    dates = ["1945-07-03", None, "1945-07-03", "1946", "1945-07-03", None, "1945-01-01", "1945-07-03", None,
             "1945-07-03"]
    return [listing(f"d{i}", title, when, renderer, tmp_path) for i, (title, when) in enumerate(zip(TITLES, dates))]


def test_the_edition_order_is_pythons_sort_even_for_accents_case_and_scripts(listings, tmp_path):
    with SiteData(tmp_path / "site.sqlite") as data:
        with data.db:
            for item in reversed(listings):
                data.put(item)
            assert data.number() == len(listings)
        expected = sorted(listings, key=lambda item: item.sort_key)
        assert [page.stem for page in data.pages()] == [item.stem for item in expected]
        assert [stem for stem, _, _ in neighbours(data)] == [item.stem for item in expected]
        first, *_, last = neighbours(data)
        assert first[1] is None and first[2].title == expected[1].title
        assert last[2] is None and last[1].title == expected[-2].title


@pytest.fixture
def stored(listings, tmp_path):
    """The listings in a store, numbered."""
    with SiteData(tmp_path / "site.sqlite") as data:
        with data.db:
            for item in listings:
                data.put(item)
            data.number()
        yield data


def test_pages_are_a_sequence_read_lazily(listings, stored):
    with stored as data:
        pages = data.pages()
        assert len(pages) == len(listings)
        assert pages[0].stem == list(pages)[0].stem and pages[-1].stem == list(pages)[-1].stem
        with pytest.raises(IndexError):
            pages[len(listings)]
        assert pages[0].passages == [] and pages[0].terms == []  # heads only: the big parts stay in the file


def test_the_search_index_is_the_inverted_index_of_the_terms(listings, stored):
    with stored as data:
        streamed = b"".join(search_index((page.href for page in data.pages()), data.postings()))
    ordered = sorted(listings, key=lambda item: item.sort_key)
    postings: dict[str, list[int]] = {}
    for number, item in enumerate(ordered):
        for term in item.terms:
            postings.setdefault(term, []).append(number)
    expected = {"pages": [item.href for item in ordered], "terms": dict(sorted(postings.items()))}
    assert streamed.startswith(b"window.TEI_SEARCH = ") and streamed.endswith(b";\n")
    assert json.loads(streamed[len(b"window.TEI_SEARCH = "):-2]) == expected
    assert list(json.loads(streamed[len(b"window.TEI_SEARCH = "):-2])["terms"]) == sorted(postings)


def test_a_replaced_or_removed_document_takes_its_rows_with_it(listings, tmp_path):
    with SiteData(tmp_path / "site.sqlite") as data:
        with data.db:
            for item in listings:
                data.put(item, listed_from="v1")
            data.put(dataclasses.replace(listings[0], title="Renamed", terms=["renamed"]), listed_from="v2")
            data.keep_only([item.stem for item in listings[:3]])
            data.number()
        assert data.listed_from() == {"d0": "v2", "d1": "v1", "d2": "v1"}
        terms = {term for term, _ in data.postings()}
        assert "renamed" in terms and "zebra" not in terms  # d0's old terms are gone with it
        assert {table: data.db.execute(f"SELECT COUNT(DISTINCT stem) FROM {table}").fetchone()[0]
                for table in ("documents", "terms")} == {"documents": 3, "terms": 3}


def test_a_transaction_that_dies_leaves_the_listings_as_they_were(listings, tmp_path):
    with SiteData(tmp_path / "site.sqlite") as data:
        with data.db:
            data.put(listings[0], listed_from="v1")
        with pytest.raises(KeyboardInterrupt):
            with data.db:
                data.put(dataclasses.replace(listings[0], title="half done"), listed_from="v2")
                data.put(listings[1], listed_from="v1")
                raise KeyboardInterrupt  # as a build killed in the middle
    with SiteData(tmp_path / "site.sqlite") as data:
        assert data.listed_from() == {"d0": "v1"}
        data.number()
        assert [page.title for page in data.pages()] == [listings[0].title]


def test_many_mentions_in_one_paragraph_give_the_passages_one_walk_each_would(tmp_path):
    """passage() walks a paragraph once for all its mentions (`walks`); the words must be those of a walk
    per mention: before, the name and after, in the reading view (regularised, gaps described, notes out)."""
    names = [f'<persName ref="#p{i}">Person {i}</persName>' for i in range(12)]
    body = ("<p>" + " met ".join(names[:6]) + ', <choice><orig>Darien</orig><reg>Dalian</reg></choice> '
            '<note>an editor</note> <gap reason="illegible" quantity="2" unit="words"/> '
            + " and ".join(names[6:]) + ".</p>")
    path = tmp_path / "d.xml"
    path.write_text(tei_doc(body), encoding="utf-8")
    root = etree.parse(str(path)).getroot()
    mentions = root.findall(".//{http://www.tei-c.org/ns/1.0}persName")
    walks: dict = {}
    shared = [passage(m, walks=walks) for m in mentions]
    alone = [passage(m) for m in mentions]
    assert shared == alone and len(walks) == 1
    assert shared[0] == ("", "Person 0", " met Person 1 met Person 2 met Person 3 met Person 4 met Person 5, Dalian ⟨2…")
    assert shared[5] == ("Person 0 met Person 1 met Person 2 met Person 3 met Person 4 met ", "Person 5",
                         ", Dalian ⟨2 words illegible⟩ Person 6 and Person 7 and Person 8 and Person 9…")
    assert shared[11] == ("…illegible⟩ Person 6 and Person 7 and Person 8 and Person 9 and Person 10 and ",
                          "Person 11", ".")


def test_entity_pages_count_the_mentions_they_do_not_quote(tmp_path):
    """A document naming one person more than PASSAGES_PER_DOCUMENT times: its entity page quotes the first
    ones and says how many more, read from the store."""
    many = PASSAGES_PER_DOCUMENT + 3
    body = "".join(f'<p>Talk {i} with <persName ref="#molotov">Molotov</persName>.</p>' for i in range(many))
    standoff = ("<standOff><listPerson><person xml:id='molotov'><persName>Vyacheslav Molotov</persName>"
                "</person></listPerson></standOff>")
    source = tmp_path / "src"
    source.mkdir()
    (source / "talks.xml").write_text(tei_doc(body).replace("</teiHeader>", "</teiHeader>" + standoff),
                                      encoding="utf-8")
    out = tmp_path / "out"
    assert render_edition([source / "talks.xml"], out) == []
    pages = list((out / "entity").glob("*.html"))
    assert pages, "an entity page for Molotov"
    html = pages[0].read_text(encoding="utf-8")
    assert html.count("<mark>") == PASSAGES_PER_DOCUMENT
    assert re.search(rf"and {many - PASSAGES_PER_DOCUMENT} more mentions", html)


def test_the_site_can_be_written_with_entity_pages_mapped_elsewhere(tmp_path):
    """write_site hands the entity pages to `map_entities` (a build's pool); the pages are the same bytes."""
    done = CliRunner().invoke(main, ["convert", str(SOURCES), "-o", str(tmp_path / "tei"), "--recogniser", "rules"])
    assert done.exit_code == 0, done.output
    tei_files = sorted((tmp_path / "tei").glob("*.xml"))
    render_edition(tei_files, tmp_path / "here")
    renderer = Renderer()
    with SiteData(tmp_path / "site.sqlite") as data:
        with data.db:
            for path in tei_files:
                data.put(renderer.page(path).listing())
            data.number()
        handed: list = []

        def elsewhere(named):
            handed.extend(named)
            for one in named:
                write_entity_pages(renderer, data, tmp_path / "there", [one])

        write_site(renderer, data, tmp_path / "there", elsewhere)
    assert handed, "the samples name entities"
    for page in (tmp_path / "here" / "entity").glob("*.html"):
        assert page.read_bytes() == (tmp_path / "there" / "entity" / page.name).read_bytes()
    for name in ("index.html", "search-index.js", "people.html", "places.html", "organisations.html"):
        assert (tmp_path / "here" / name).read_bytes() == (tmp_path / "there" / name).read_bytes()
