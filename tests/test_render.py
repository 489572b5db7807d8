"""The reading edition: what a reader sees in a real browser, plus the renderer's contract.

Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright's sync
API; Playwright's own browser download is not used. One browser per test session.
What a test expects of the sample documents (who is named where, which words are in
which text) is read from their TEI files, not written down twice.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROOT
from lxml import etree

from tei import TEI_NS, XML_NS
from tei.cli import main as tei_command
from tei.edition import Renderer, render_edition

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
SCREENSHOTS = ROOT / "build" / "screenshots"
README_PICTURE = SCREENSHOTS / "document-top.png"  # docs/edition.png, the README's picture, is a copy

DOC_000 = "000_0057ff3e2a2cacb5"
DOC_001 = "001_e5f868fdedea9438"
TITLES = {
    DOC_000: "Cable, Summary of Averell Harriman Meeting with T. V. Soong",
    DOC_001: "Message from Averell Harriman to the President and Secretary of State",
}
DATES = {DOC_000: "July 3, 1945", DOC_001: "July 1945"}
BY_DATE = [DOC_001, DOC_000]  # July 1945 (month only) before July 3, 1945
CITATION_URL = "https://wilson-center-digital-archive.dvincitest.com/document/123411"
BASE_URL = "https://example.org/ed/"
VIEW_KEY = "tei-edition-view"
NS = {"t": TEI_NS, "xml": XML_NS}


def tei_doc(body: str, header: str = "", lang: str | None = None) -> str:
    """A small hand-written TEI document (not made by this toolkit)."""
    lang_attr = f' xml:lang="{lang}"' if lang else ""
    return (f'<TEI xmlns="{TEI_NS}"{lang_attr}><teiHeader><fileDesc>{header}</fileDesc></teiHeader>'
            f"<text><body>{body}</body></text></TEI>")


# A hand-written letter with every metadata field, a footnote, and a person with VIAF and Wikidata IDs.
FILLER = "".join(f"<p>Paragraph {n} of the letter, long enough to push the notes below the fold.</p>"
                 for n in range(1, 25))
LETTER_HEADER = (
    "<titleStmt><title>Letter about the harbour</title><funder>A Small Foundation</funder></titleStmt>"
    "<publicationStmt><publisher>Nobody</publisher><idno type='URL'>https://example.com/letter/7</idno>"
    "<availability><p>Free to reuse for research.</p></availability></publicationStmt>"
    "<sourceDesc><bibl>Letter, 5 May 1921, Example Archive.</bibl>"
    "<msDesc><msIdentifier><institution>Example Archive</institution><collection>Harbour Papers</collection>"
    "<idno>HP-42/7</idno></msIdentifier></msDesc></sourceDesc>")
LETTER_PROFILE = (
    "<profileDesc><creation><date when='1921-05-05'>5 May 1921</date></creation>"
    "<langUsage><language ident='en'>English</language></langUsage>"
    "<textClass><keywords><term>Confidential</term></keywords></textClass></profileDesc>")
LETTER_STANDOFF = (
    "<standOff><listPerson><person xml:id='hoover'><persName>Herbert Hoover</persName>"
    "<birth when='1874'/><death when='1964'/><idno type='viaf'>71395483</idno>"
    "<idno type='wikidata'>Q35236</idno><note>Secretary of Commerce</note></person></listPerson></standOff>")
NOTE_TEXT = "Received in Washington on 9 May."
LETTER = (f'<TEI xmlns="{TEI_NS}" xml:lang="en"><teiHeader><fileDesc>{LETTER_HEADER}</fileDesc>{LETTER_PROFILE}'
          f"</teiHeader>{LETTER_STANDOFF}<text><body>"
          f"<p>The letter<note>{NOTE_TEXT}</note> was sent to <persName ref='#hoover'>Mr Hoover</persName>.</p>"
          f"{FILLER}</body></text></TEI>")


# --------------------------------------------------------------------------- the TEI, read independently


def tei_root(path: Path) -> etree._Element:
    return etree.parse(str(path)).getroot()


def named_in(sample_tei, tag: str, ident: str) -> set[str]:
    """The documents that name the entity: in their text, or as a correspondent (sender, addressee, place)."""
    return {stem for stem, path in sample_tei.items()
            if tei_root(path).xpath(f"(//t:text|//t:correspDesc)//t:{tag}[@ref='#{ident}']", namespaces=NS)}


def words_of(path: Path) -> set[str]:
    """Every word anywhere in the file's text (header, standOff and text), lower case."""
    return {w.casefold() for w in re.findall(r"\w+", " ".join(tei_root(path).itertext()))}


def entities_of_kind(sample_tei, tag: str) -> dict[str, str]:
    """{id: preferred name} of the entities (person/place/org) that the documents name."""
    local = {"persName": "person", "placeName": "place", "orgName": "org"}[tag]
    found: dict[str, str] = {}
    for path in sample_tei.values():
        root = tei_root(path)
        for el in root.iterfind(f".//t:standOff//t:{local}", NS):
            ident = el.get(f"{{{XML_NS}}}id")
            if root.xpath(f"(//t:text|//t:correspDesc)//t:{tag}[@ref='#{ident}']", namespaces=NS):
                found[ident] = " ".join("".join(el.find(f"t:{tag}", NS).itertext()).split())
    return found


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def edition(sample_tei, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    errors = render_edition([sample_tei[k] for k in sorted(sample_tei)], out)
    assert errors == []
    return out


@pytest.fixture(scope="session")
def based_edition(sample_tei, tmp_path_factory) -> Path:
    """The sample edition, rendered for publication at BASE_URL."""
    out = tmp_path_factory.mktemp("html-based")
    assert render_edition([sample_tei[k] for k in sorted(sample_tei)], out,
                          renderer=Renderer(base_url=BASE_URL)) == []
    return out


@pytest.fixture(scope="session")
def letter(tmp_path_factory) -> tuple[Path, Path]:
    """(the hand-written letter's TEI file, its edition)."""
    folder = tmp_path_factory.mktemp("letter")
    src = folder / "letter.xml"
    src.write_text(LETTER, encoding="utf-8")
    assert render_edition([src], folder / "out") == []
    return src, folder / "out"


@pytest.fixture(scope="session")
def served_edition(edition):
    """The sample edition on a local web server, as readers get a published edition: its address."""
    import functools
    import http.server
    import threading

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(edition)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()
    thread.join()


@pytest.fixture(scope="session")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"the browser tests need Debian's Chromium at {CHROMIUM}: install it with "
                    "`sudo apt-get install chromium` (Playwright's own browser download is not used)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("the browser tests need the playwright Python package: pip install -e '.[test]'")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


TIMEOUT_MS = 5000  # a page of this edition is local and small: five seconds is plenty, and failures come fast


def new_context(browser, **options):
    context = browser.new_context(**options)
    context.set_default_timeout(TIMEOUT_MS)
    return context


@pytest.fixture
def page(browser):
    context = new_context(browser)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture
def page_without_js(browser):
    context = new_context(browser, java_script_enabled=False)
    page = context.new_page()
    yield page
    context.close()


def open_page(page, edition: Path, name: str):
    page.goto((edition / name).as_uri())
    return page


def visible(locator):
    return locator.filter(visible=True)


def expect(*args, **kwargs):
    """Playwright's expect (imported when a browser test runs, so the other tests need no Playwright)."""
    from playwright.sync_api import expect as playwright_expect
    return playwright_expect(*args, **kwargs)


def shown_text(locator) -> str:
    """What a reader sees of an element: its rendered text (hidden parts left out), spaces normalised."""
    return " ".join(locator.inner_text().replace("\xa0", " ").split())


def choose_view(page, view: str):
    """Click the view's label, as a reader would."""
    page.get_by_label("Diplomatic" if view == "diplomatic" else "Reading").check()


# --------------------------------------------------------------------------- index: list, search, filters, sort


def listed_titles(page):
    return visible(page.locator("ol.documents > li")).locator("h2 a")


def test_index_lists_both_documents_and_links_to_them(page, edition):
    open_page(page, edition, "index.html")
    entries = page.locator("ol.documents > li")
    expect(entries).to_have_count(2)
    for stem, title in TITLES.items():
        link = page.get_by_role("link", name=title, exact=True)
        expect(link).to_be_visible()
        entry = entries.filter(has=link)
        assert entry.get_attribute("data-href") == f"{stem}.html"
        expect(entry).to_contain_text(DATES[stem])
        expect(entry.locator(".correspondents")).to_be_visible()
        assert re.search(r"W\. Averell Harriman →.*Harry S\. Truman", shown_text(entry.locator(".correspondents")))
        expect(entry.locator(".summary")).to_be_visible()
    expect(listed_titles(page)).to_have_text([TITLES[s] for s in BY_DATE])

    for stem, title in TITLES.items():
        open_page(page, edition, "index.html")
        page.get_by_role("link", name=title, exact=True).click()
        expect(page).to_have_url(re.compile(rf"/{stem}\.html$"))
        expect(page.locator("h1")).to_have_text(title)


def test_index_filter_by_person_and_place(page, edition, sample_tei):
    open_page(page, edition, "index.html")
    expect(page.locator("form.finder")).to_be_visible()
    count = page.locator("#count")
    expect(count).to_have_text("2 documents, by date.")
    assert count.get_attribute("aria-live") == "polite"

    for kind, tag in (("person", "persName"), ("place", "placeName")):
        select = page.locator(f"select#filter-{kind}")
        ids = [v for v in select.locator("option").evaluate_all("os => os.map(o => o.value)") if v]
        assert set(ids) == set(entities_of_kind(sample_tei, tag)), f"the {kind} filter offers everyone named"
        narrowing = 0
        for ident in ids:
            expected = named_in(sample_tei, tag, ident)
            select.select_option(ident)
            expect(listed_titles(page)).to_have_text([TITLES[s] for s in BY_DATE if s in expected])
            shown = f"{len(expected)} of 2" if len(expected) < 2 else "2"
            expect(count).to_have_text(f"{shown} documents, by date.")
            expect(page).to_have_url(re.compile(rf"\?{kind}={re.escape(ident)}$"))
            narrowing += len(expected) < 2
        assert narrowing, f"some {kind} is named in one document only, so the filter narrows the list"
        select.select_option("")
        expect(listed_titles(page)).to_have_count(2)

    assert "dalian" in page.locator("select#filter-place option").evaluate_all("os => os.map(o => o.value)")
    years = page.locator("select#filter-year option").evaluate_all("os => os.map(o => o.value)")
    assert years == ["", "1945"]
    page.locator("select#filter-year").select_option("1945")
    expect(listed_titles(page)).to_have_count(2)
    expect(page).to_have_url(re.compile(r"\?year=1945$"))


@pytest.mark.parametrize("person", ["stalin", "lozovsky"])
def test_index_opens_prefiltered_from_the_url(page, edition, sample_tei, person):
    expected = named_in(sample_tei, "persName", person)
    page.goto((edition / "index.html").as_uri() + f"?person={person}")
    expect(page.locator("select#filter-person")).to_have_value(person)
    expect(listed_titles(page)).to_have_text([TITLES[s] for s in BY_DATE if s in expected])
    expect(page.locator("#count")).to_have_text(
        f"{len(expected)} of 2 documents, by date." if len(expected) < 2 else "2 documents, by date.")


def test_index_search_sort_and_clear(page, edition, sample_tei):
    words = {stem: words_of(path) for stem, path in sample_tei.items()}
    only_000 = "sinkiang"  # a word of one document's text; the other file has no word starting like it
    assert only_000 in words[DOC_000] and not any(w.startswith("sinki") for w in words[DOC_001])
    assert "dairen" in words[DOC_001] and "dairen" not in words[DOC_000]

    open_page(page, edition, "index.html")
    search, count = page.locator("#search"), page.locator("#count")
    for query in ("Sinkiang", "SÍNKIANG", "sinki"):  # case, accents, the start of a word
        search.fill(query)
        expect(listed_titles(page)).to_have_text([TITLES[DOC_000]])
        expect(count).to_contain_text("1 of 2 documents")
        expect(count).to_contain_text("by date.")
    expect(page).to_have_url(re.compile(r"\?q=sinki$"))
    search.fill("sinkiang dairen")  # every word must match: no document has both
    expect(listed_titles(page)).to_have_count(0)
    expect(count).to_contain_text("0 of 2 documents")
    search.fill("soong stalin")
    expect(listed_titles(page)).to_have_count(2)

    search.fill("")
    sort_date, sort_title = page.locator("button[data-sort=date]"), page.locator("button[data-sort=title]")
    expect(sort_date).to_have_attribute("aria-pressed", "true")
    expect(sort_title).to_have_attribute("aria-pressed", "false")
    sort_title.click()
    expect(listed_titles(page)).to_have_text(sorted(TITLES.values(), key=str.casefold))
    assert sorted(TITLES.values(), key=str.casefold) != [TITLES[s] for s in BY_DATE]  # the order does change
    expect(sort_title).to_have_attribute("aria-pressed", "true")
    expect(sort_date).to_have_attribute("aria-pressed", "false")
    expect(count).to_have_text("2 documents, by title.")
    expect(page).to_have_url(re.compile(r"\?sort=title$"))

    search.fill("sinkiang")
    page.locator("select#filter-person").select_option("stalin")
    expect(page).to_have_url(re.compile(r"\?q=sinkiang&person=stalin&sort=title$"))
    page.get_by_role("button", name="Clear").click()
    expect(search).to_have_value("")
    expect(page.locator("select#filter-person")).to_have_value("")
    expect(listed_titles(page)).to_have_text([TITLES[s] for s in BY_DATE])
    expect(sort_date).to_have_attribute("aria-pressed", "true")
    expect(count).to_have_text("2 documents, by date.")
    expect(page).to_have_url(re.compile(r"/index\.html$"))


@pytest.mark.parametrize("word, stem", [("Dalian", DOC_000), ("Darien", DOC_000), ("Dairen", DOC_001)])
def test_index_search_finds_the_names_a_reader_sees(page, edition, word, stem):
    """Doc 000 reads Dalian (reading view) and Darien (diplomatic view): both words find it."""
    open_page(page, edition, f"{stem}.html")
    views = []
    for view in ("reading", "diplomatic"):
        choose_view(page, view)
        views.append(shown_text(page.locator("section.text")))
    assert any(re.search(rf"\b{word}\b", v) for v in views), f"{word} is a word of the page's text"
    open_page(page, edition, "index.html")
    page.locator("#search").fill(word)
    expect(page.locator("#count")).to_contain_text(f"containing “{word}”")
    expect(listed_titles(page).filter(has_text=TITLES[stem])).to_have_count(1)


# --------------------------------------------------------------------------- document page


def test_metadata_panel(page, edition, served_edition, sample_tei):
    page.goto(f"{served_edition}{DOC_000}.html")
    panel = page.get_by_role("region", name="About this document")
    expect(panel).to_be_visible()
    labels = panel.locator("dt").all_inner_texts()
    for label in ("Citation", "Archive", "Collection", "URL", "Classification", "Language", "Funder"):
        assert label in labels
    for text in ("Library of Congress", "W. A. Harriman Papers", "Top Secret", "English",
                 "Chun & Jane Chiu Family Foundation"):
        expect(panel).to_contain_text(text)
    citation = panel.locator("dd", has_text="Wilson Center Digital Archive")
    link = citation.get_by_role("link")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == CITATION_URL

    download = panel.get_by_role("link", name="Download the TEI file")
    expect(download).to_be_visible()
    assert download.get_attribute("href") == f"tei/{DOC_000}.xml"
    with page.expect_download() as info:
        download.click()
    assert info.value.suggested_filename == f"{DOC_000}.xml"
    assert Path(info.value.path()).read_bytes() == sample_tei[DOC_000].read_bytes()
    assert (edition / "tei" / f"{DOC_000}.xml").read_bytes() == sample_tei[DOC_000].read_bytes()

    open_page(page, edition, f"{DOC_001}.html")
    panel = page.get_by_role("region", name="About this document")
    expect(panel).to_contain_text("Top Secret")
    expect(panel).to_contain_text("Library of Congress")
    assert "Rights" in panel.locator("dt").all_inner_texts()
    expect(panel).to_contain_text("welcomes reuse")
    assert (edition / "tei" / f"{DOC_001}.xml").read_bytes() == sample_tei[DOC_001].read_bytes()


def test_metadata_panel_with_every_field(page, letter):
    src, out = letter
    open_page(page, out, "letter.html")
    panel = page.locator("section.metadata")
    expect(panel).to_be_visible()
    values = {dt: panel.locator("dt", has_text=dt).locator("xpath=following-sibling::dd[1]").inner_text()
              for dt in ("Citation", "Archive", "Collection", "Record ID", "URL", "Classification", "Language",
                         "Rights", "Funder")}
    assert values == {"Citation": "Letter, 5 May 1921, Example Archive.", "Archive": "Example Archive",
                      "Collection": "Harbour Papers", "Record ID": "HP-42/7", "URL": "https://example.com/letter/7",
                      "Classification": "Confidential", "Language": "English",
                      "Rights": "Free to reuse for research.", "Funder": "A Small Foundation"}
    href = panel.get_by_role("link", name="Download the TEI file").get_attribute("href")
    assert href == "tei/letter.xml" and (out / href).read_bytes() == src.read_bytes()
    expect(page.locator("h1")).to_have_text("Letter about the harbour")


def test_footnote_ref_and_backlink(browser, letter):
    _, out = letter
    context = new_context(browser, viewport={"width": 900, "height": 600})
    try:
        page = open_page(context.new_page(), out, "letter.html")
        ref = page.locator("section.text a[role=doc-noteref]")
        expect(ref).to_have_count(1)
        expect(ref).to_be_visible()
        expect(ref).to_have_text("1")
        footnote = page.locator("section.notes aside[role=doc-footnote]")
        expect(footnote).to_have_count(1)
        expect(footnote).to_contain_text(NOTE_TEXT)
        expect(footnote).not_to_be_in_viewport()  # below the fold, after 24 paragraphs
        assert NOTE_TEXT not in shown_text(page.locator("section.text"))  # not in the running text

        ref.click()
        expect(page).to_have_url(re.compile(r"#fn1$"))
        expect(footnote).to_be_in_viewport()
        back = footnote.locator("a[role=doc-backlink]")
        back.click()
        expect(page).to_have_url(re.compile(r"#fnref1$"))
        expect(ref).to_be_in_viewport()
        expect(footnote).not_to_be_in_viewport()

        # the diplomatic view gives the note where it stands, in brackets, and no footnotes
        choose_view(page, "diplomatic")
        expect(ref).to_be_hidden()
        expect(page.locator("section.notes")).to_be_hidden()
        assert f"The letter[{NOTE_TEXT}] was sent" in shown_text(page.locator("section.text"))
    finally:
        context.close()


def test_cite_this_document(page, edition):
    open_page(page, edition, f"{DOC_000}.html")
    cite = page.locator("section.cite")
    expect(cite.get_by_role("heading", name="Cite this document")).to_be_visible()
    reference = cite.locator(".reference")
    expect(reference).to_be_visible()
    for part in (TITLES[DOC_000], DATES[DOC_000], "W. Averell Harriman", "Library of Congress", f"{DOC_000}.html"):
        expect(reference).to_contain_text(part)

    code = cite.locator("code.csl-json")
    expect(code).to_be_hidden()  # folded away until asked for
    cite.get_by_text("CSL-JSON").click()
    expect(code).to_be_visible()
    [item] = json.loads(code.inner_text())
    assert item["title"] == TITLES[DOC_000]
    assert item["issued"] == {"date-parts": [[1945, 7, 3]]}
    cite.get_by_text("BibTeX", exact=True).click()
    bib = cite.locator("code.bibtex")
    expect(bib).to_be_visible()
    expect(bib).to_contain_text(f"title = {{{TITLES[DOC_000]}}}")
    expect(bib).to_contain_text(f"url = {{{DOC_000}.html}}")

    open_page(page, edition, f"{DOC_001}.html")
    page.locator("section.cite").get_by_text("CSL-JSON").click()
    [item] = json.loads(page.locator("section.cite code.csl-json").inner_text())
    assert item["title"] == TITLES[DOC_001]
    assert item["issued"] == {"date-parts": [[1945, 7]]}


def test_citation_uses_the_base_url(page, based_edition):
    for stem, title in TITLES.items():
        url = f"{BASE_URL}{stem}.html"
        open_page(page, based_edition, f"{stem}.html")
        cite = page.locator("section.cite")
        expect(cite.locator(".reference")).to_contain_text(url)
        cite.get_by_text("CSL-JSON").click()
        [item] = json.loads(cite.locator("code.csl-json").inner_text())
        assert item["URL"] == url
        assert item["title"] == title
        cite.get_by_text("BibTeX", exact=True).click()
        expect(cite.locator("code.bibtex")).to_contain_text(f"url = {{{url}}}")


# --------------------------------------------------------------------------- two views


def test_views_switch_between_regularised_and_written_forms(page, edition):
    open_page(page, edition, f"{DOC_000}.html")
    switch = page.locator("fieldset.view-switch")
    expect(switch).to_be_visible()
    expect(page.locator("#view-reading")).to_be_checked()
    expect(page.locator("#view-diplomatic")).not_to_be_checked()
    text = page.locator("section.text")
    assert "the port of Dalian." in shown_text(text)
    assert "Darien" not in shown_text(text)
    reg = text.locator(".choice .reg")
    expect(reg).to_be_visible()
    assert "Darien" in (reg.get_attribute("title") or "")  # the form as written, on hover

    choose_view(page, "diplomatic")
    expect(page.locator("#view-diplomatic")).to_be_checked()
    expect(text.locator(".choice .orig")).to_be_visible()
    expect(reg).to_be_hidden()
    assert "the port of Darien." in shown_text(text)
    assert "Dalian" not in shown_text(text)

    choose_view(page, "reading")
    expect(reg).to_be_visible()
    assert "Darien" not in shown_text(text)


@pytest.mark.parametrize("stem, count", [(DOC_000, 2), (DOC_001, 1)])
def test_gaps_in_both_views(page, edition, stem, count):
    open_page(page, edition, f"{stem}.html")
    text = page.locator("section.text")
    marks = visible(text.locator(".gap-mark"))
    expect(marks).to_have_count(count)
    expect(visible(text.locator(".gap-written"))).to_have_count(0)
    for i in range(count):
        mark = marks.nth(i)
        expect(mark).to_have_text("⟨illegible⟩")
        box = mark.bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5
        title = mark.evaluate("e => e.closest('[title]') && e.closest('[title]').title")
        assert title and title.startswith("Gap in the text: illegible")
        assert mark.evaluate("e => getComputedStyle(e).color") != text.evaluate("e => getComputedStyle(e).color")
    assert shown_text(text).count("⟨illegible⟩") == count
    assert "[ILLEGIBLE]" not in shown_text(text)

    choose_view(page, "diplomatic")
    written = visible(text.locator(".gap-written"))
    expect(written).to_have_count(count)
    expect(written).to_have_text(["[ILLEGIBLE]"] * count)
    expect(visible(text.locator(".gap-mark"))).to_have_count(0)
    assert shown_text(text).count("[ILLEGIBLE]") == count
    assert "⟨illegible⟩" not in shown_text(text)


def test_sic_marker_follows_the_word_in_both_views(page, edition):
    open_page(page, edition, f"{DOC_001}.html")
    text = page.locator("section.text")
    for view in ("reading", "diplomatic"):
        choose_view(page, view)
        assert "import and export [sic]." in shown_text(text), view
        word = visible(text.locator(".sic")).get_by_text("export", exact=True)
        marker = visible(text.locator(".sic-mark"))
        expect(word).to_be_visible()
        expect(marker).to_have_count(1)
        expect(marker).to_have_text("[sic]")
        w, m = word.bounding_box(), marker.bounding_box()
        assert m["x"] >= w["x"] + w["width"] - 1, "the [sic] marker should come right after the word"
        assert abs((m["y"] + m["height"]) - (w["y"] + w["height"])) < w["height"], "on the same line"


def test_the_chosen_view_is_remembered(page, edition):
    open_page(page, edition, f"{DOC_000}.html")
    expect(page.locator("#view-reading")).to_be_checked()
    choose_view(page, "diplomatic")
    assert page.evaluate(f"localStorage.getItem('{VIEW_KEY}')") == "diplomatic"

    page.reload()
    expect(page.locator("#view-diplomatic")).to_be_checked()
    assert "the port of Darien." in shown_text(page.locator("section.text"))

    open_page(page, edition, f"{DOC_001}.html")  # another document opens in the same view
    expect(page.locator("#view-diplomatic")).to_be_checked()
    expect(visible(page.locator("section.text .gap-written"))).to_have_count(1)

    choose_view(page, "reading")
    assert page.evaluate(f"localStorage.getItem('{VIEW_KEY}')") == "reading"
    open_page(page, edition, f"{DOC_000}.html")
    expect(page.locator("#view-reading")).to_be_checked()
    assert "the port of Dalian." in shown_text(page.locator("section.text"))


def test_without_javascript_views_switch_and_the_list_stays(page_without_js, edition):
    page = open_page(page_without_js, edition, f"{DOC_000}.html")
    text = page.locator("section.text")
    expect(page.locator("#view-reading")).to_be_checked()
    assert "the port of Dalian." in shown_text(text)
    expect(visible(text.locator(".gap-mark"))).to_have_count(2)
    choose_view(page, "diplomatic")  # CSS alone
    assert "the port of Darien." in shown_text(text)
    expect(visible(text.locator(".gap-written"))).to_have_count(2)
    choose_view(page, "reading")
    assert "the port of Dalian." in shown_text(text)
    dalian = text.locator(".entity.place", has=page.locator(".choice"))
    dalian.locator("a.entity-name").hover()  # cards are CSS too
    expect(dalian.locator(".card")).to_be_visible()

    open_page(page, edition, "index.html")
    expect(page.locator("form.finder")).to_be_hidden()
    expect(page.locator("ol.documents > li")).to_have_count(2)
    expect(listed_titles(page)).to_have_text([TITLES[s] for s in BY_DATE])
    expect(page.locator("#count")).to_have_text("2 documents, by date.")


# --------------------------------------------------------------------------- entities


STYLE_JS = """e => { const s = getComputedStyle(e);
  return [s.textDecorationLine, s.textDecorationStyle, s.textDecorationColor,
          s.borderBottomStyle, s.borderBottomColor, s.color].join('|'); }"""


def test_names_are_visibly_marked_and_linked(page, edition):
    open_page(page, edition, f"{DOC_000}.html")
    para = page.locator("section.text p", has_text="second talk with")
    stalin = para.locator("span.entity.person").filter(has=page.get_by_role("link", name="Stalin", exact=True))
    expect(stalin).to_have_count(1)
    assert stalin.evaluate(STYLE_JS) != para.evaluate(STYLE_JS)
    name = stalin.locator("a.entity-name")
    assert name.get_attribute("href") == "entity/stalin.html"
    card = stalin.locator(".card")
    expect(card).to_be_hidden()
    expect(card.locator(".card-name")).to_have_text("Joseph Stalin")
    expect(card.locator(".card-dates")).to_have_text("1878–1953")
    expect(card.locator(".card-kind")).to_have_text("Person")
    assert card.locator("a", has_text="Wikidata").get_attribute("href") == "https://www.wikidata.org/wiki/Q855"
    assert card.locator("a", has_text="All mentions").get_attribute("href") == "entity/stalin.html"

    soong = para.locator("span.entity.person", has_text="Soong").first  # no Wikidata ID
    assert soong.evaluate(STYLE_JS) != para.evaluate(STYLE_JS)
    expect(soong.locator(".card-name")).to_have_text("T. V. Soong")

    place_para = page.locator("section.text p", has_text="What most disturbed")
    mongolia = place_para.locator("span.entity.place", has_text="Outer Mongolia").first
    expect(mongolia).to_be_visible()
    assert mongolia.evaluate(STYLE_JS) != place_para.evaluate(STYLE_JS)
    assert mongolia.evaluate(STYLE_JS) != stalin.evaluate(STYLE_JS), "places look different from people"
    org = place_para.locator("span.entity.org").first
    assert org.evaluate(STYLE_JS) not in (stalin.evaluate(STYLE_JS), mongolia.evaluate(STYLE_JS))


def dalian_in(page):
    return page.locator("section.text .entity.place").filter(has=page.locator(".choice"))


def test_card_shows_on_hover(page, edition, sample_tei):
    open_page(page, edition, f"{DOC_000}.html")
    dalian = dalian_in(page)
    card = dalian.locator(".card")
    expect(card).to_be_hidden()
    dalian.locator("a.entity-name").hover()
    expect(card).to_be_visible()
    expect(card.locator(".card-name")).to_have_text("Dalian")
    expect(card.locator(".card-kind")).to_have_text("Place")
    expect(card.locator(".card-note")).to_have_text("port city in Liaoning, China")
    geonames = tei_root(sample_tei[DOC_000]).findtext(".//t:place[@xml:id='dalian']/t:idno[@type='geonames']", namespaces=NS)
    assert card.get_by_role("link", name="GeoNames").get_attribute("href") == f"https://www.geonames.org/{geonames}"
    assert card.get_by_role("link", name="All mentions").get_attribute("href") == "entity/dalian.html"
    page.mouse.move(0, 0)
    expect(card).to_be_hidden()


def test_card_shows_on_keyboard_focus(page, edition):
    open_page(page, edition, f"{DOC_000}.html")
    dalian = dalian_in(page)
    card, name = dalian.locator(".card"), dalian.locator("a.entity-name")
    before = page.locator("section.text .entity").filter(has_text="United States Government").locator("a.entity-name")
    before.focus()  # the name just before Dalian; from there on, only the keyboard
    for _ in range(10):
        if name.evaluate("e => e === document.activeElement"):
            break
        page.keyboard.press("Tab")
    expect(name).to_be_focused()
    expect(card).to_be_visible()
    expect(card.locator(".card-name")).to_have_text("Dalian")
    page.keyboard.press("Tab")  # into the card's own links: it stays open
    expect(card.get_by_role("link", name="Wikidata")).to_be_focused()
    expect(card).to_be_visible()


def test_card_wikidata_link_leads_to_the_record(page, edition, sample_tei):
    qid = tei_root(sample_tei[DOC_000]).findtext(".//t:place[@xml:id='dalian']/t:idno[@type='wikidata']", namespaces=NS)
    assert qid == "Q74881"
    page.route("https://www.wikidata.org/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body=f"<title>Wikidata {qid}</title>"))
    open_page(page, edition, f"{DOC_000}.html")
    dalian = dalian_in(page)
    dalian.locator("a.entity-name").hover()
    dalian.locator(".card").get_by_role("link", name="Wikidata").click()
    expect(page).to_have_url(f"https://www.wikidata.org/wiki/{qid}")
    expect(page).to_have_title(f"Wikidata {qid}")


def test_card_links_viaf(page, letter):
    _, out = letter
    open_page(page, out, "letter.html")
    hoover = page.locator("section.text .entity.person")
    hoover.locator("a.entity-name").hover()
    card = hoover.locator(".card")
    expect(card).to_be_visible()
    expect(card.locator(".card-name")).to_have_text("Herbert Hoover")
    expect(card.locator(".card-dates")).to_have_text("1874–1964")
    expect(card.locator(".card-note")).to_have_text("Secretary of Commerce")
    assert card.get_by_role("link", name="VIAF").get_attribute("href") == "https://viaf.org/viaf/71395483"
    assert card.get_by_role("link", name="Wikidata").get_attribute("href") == "https://www.wikidata.org/wiki/Q35236"


@pytest.mark.parametrize("file, tag", [("people", "persName"), ("places", "placeName"), ("organisations", "orgName")])
def test_entity_index_pages(page, edition, sample_tei, file, tag):
    expected = entities_of_kind(sample_tei, tag)
    open_page(page, edition, f"{file}.html")
    expect(page.locator("h1")).to_have_text(file.capitalize())
    rows = page.locator("table.entities tbody tr")
    expect(rows).to_have_count(len(expected))
    seen = {}
    for i in range(rows.count()):
        row = rows.nth(i)
        link = row.locator("th a")
        ident = re.fullmatch(r"entity/(.+)\.html", link.get_attribute("href")).group(1)
        seen[ident] = (link.inner_text(), int(row.locator("td.number").inner_text()))
    assert seen == {ident: (name, len(named_in(sample_tei, tag, ident))) for ident, name in expected.items()}
    names = [name for name, _ in seen.values()]
    assert names == sorted(names, key=str.casefold)

    first = rows.first.locator("th a")
    name = first.inner_text()
    first.click()
    expect(page.locator("h1")).to_have_text(name)


@pytest.mark.parametrize("stem", [DOC_000, DOC_001])
def test_entity_page_lists_every_mention_and_leads_to_it(page, edition, sample_tei, stem):
    """Dalian: written "Darien [Dalian]" in 000 (a choice of orig and reg), "Dairen" in 001."""
    mentions = {s: len(tei_root(path).xpath("//t:text//t:placeName[@ref='#dalian']", namespaces=NS))
                for s, path in sample_tei.items()}
    assert mentions[stem]
    open_page(page, edition, "entity/dalian.html")
    expect(page.locator("h1")).to_have_text("Dalian")
    docs = page.locator("ol.mentioned-in > li")
    expect(docs.locator("h3 a")).to_have_text([TITLES[s] for s in BY_DATE if mentions[s]])
    passages = docs.filter(has=page.get_by_role("link", name=TITLES[stem], exact=True)).locator("ul.passages li a")
    expect(passages).to_have_count(mentions[stem])

    problems = []
    for i in range(mentions[stem]):
        open_page(page, edition, "entity/dalian.html")
        link = passages.nth(i)
        anchor = re.fullmatch(rf"\.\./{stem}\.html#(m\d+)", link.get_attribute("href")).group(1)
        marked = link.locator("mark").inner_text()
        passage = shown_text(link)

        link.click()  # lands on the mention
        expect(page).to_have_url(re.compile(rf"/{stem}\.html#{anchor}$"))
        target = page.locator(f"[id='{anchor}']")
        expect(target).to_have_count(1)
        expect(target).to_be_in_viewport()
        expect(target.locator(".card .card-name")).to_have_text("Dalian")
        readings = []
        for view in ("reading", "diplomatic"):
            choose_view(page, view)
            readings.append(shown_text(target.locator("a.entity-name")))
        choose_view(page, "reading")

        # the passage shows the name as the document has it, with the words around it spaced as they are there
        if marked not in readings:
            problems.append(f"the passage marks {marked!r}; the document reads {readings} ({passage!r})")
        before, _, after = passage.partition(marked)
        if not re.fullmatch(r"(.*[\s(“\"])?", before):
            problems.append(f"no space before the name: {passage!r}")
        if not re.match(r"([\s.,;:!?'’)”\"…]|$)", after):
            problems.append(f"no space after the name: {passage!r}")
    assert not problems, "\n".join(problems)


def test_ids_are_unique_on_every_page(edition):
    for path in sorted(edition.rglob("*.html")):
        ids = re.findall(r'\sid="([^"]+)"', path.read_text(encoding="utf-8"))
        doubled = sorted({i for i in ids if ids.count(i) > 1})
        assert not doubled, f"{path.relative_to(edition)}: the same id more than once: {doubled}"


# --------------------------------------------------------------------------- print


def test_print_keeps_text_and_metadata_and_hides_navigation(page, edition):
    open_page(page, edition, f"{DOC_000}.html")
    site_nav, pager = page.locator("header.site nav[aria-label=Edition]"), page.locator("nav.pager")
    expect(site_nav).to_be_visible()
    expect(pager).to_be_visible()
    expect(page.locator("fieldset.view-switch")).to_be_visible()
    page.emulate_media(media="print")
    expect(site_nav).to_be_hidden()
    expect(pager).to_be_hidden()
    expect(page.locator("fieldset.view-switch")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("region", name="About this document")).to_be_visible()
    expect(page.locator("section.text p").first).to_be_visible()
    expect(visible(page.locator("section.text .gap-mark"))).to_have_count(2)
    dalian = dalian_in(page)
    dalian.locator("a.entity-name").hover()
    expect(dalian.locator(".card")).to_be_hidden()
    assert visible(page.locator(".card")).count() == 0
    background = page.evaluate("getComputedStyle(document.querySelector('.metadata')).backgroundColor")
    assert background in ("rgba(0, 0, 0, 0)", "transparent")

    open_page(page, edition, "index.html")
    page.emulate_media(media="print")
    expect(page.locator("form.finder")).to_be_hidden()
    expect(listed_titles(page)).to_have_count(2)


# --------------------------------------------------------------------------- screenshots


def test_screenshots(browser, edition):
    """Pictures of the edition for people to look at: build/screenshots/ (whole pages: the index, a document in
    each view, and the top of a document as a reader first sees it, of which docs/edition.png is a copy for the README).
    The tests never write into the repository's own files."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    README_PICTURE.parent.mkdir(parents=True, exist_ok=True)
    context = new_context(browser, viewport={"width": 1100, "height": 1300})
    try:
        page = open_page(context.new_page(), edition, "index.html")
        expect(page.locator("form.finder")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "index.png"), full_page=True)
        open_page(page, edition, f"{DOC_000}.html")
        expect(page.locator("#view-reading")).to_be_checked()
        page.screenshot(path=str(README_PICTURE))
        page.screenshot(path=str(SCREENSHOTS / "document-reading.png"), full_page=True)
        choose_view(page, "diplomatic")
        expect(page.locator("section.text .choice .orig")).to_be_visible()
        page.screenshot(path=str(SCREENSHOTS / "document-diplomatic.png"), full_page=True)
    finally:
        context.close()
    for path in (SCREENSHOTS / "index.png", SCREENSHOTS / "document-reading.png",
                 SCREENSHOTS / "document-diplomatic.png", README_PICTURE):
        assert path.read_bytes().startswith(b"\x89PNG"), path
    assert (SCREENSHOTS / "document-reading.png").read_bytes() != (SCREENSHOTS / "document-diplomatic.png").read_bytes()


# --------------------------------------------------------------------------- templates and languages


def test_templates_override_elements_and_stylesheet(page, sample_tei, tmp_path):
    tei_dir = tmp_path / "tei"
    tei_dir.mkdir()
    shutil.copy(sample_tei[DOC_000], tei_dir)
    (tei_dir / "hand.xml").write_text(tei_doc(
        "<p>Before <foo>keep me</foo> and <bar xmlns='urn:x'>other <b>words</b></bar> after "
        "<persName>Nobody</persName>.</p>"), encoding="utf-8")
    templates = tmp_path / "templates"
    (templates / "elements").mkdir(parents=True)
    (templates / "elements" / "persName.html").write_text(
        '<b class="my-person" data-name="{{ name }}" data-ref="{{ attrs.get("ref", "") }}">{{ content }}</b>',
        encoding="utf-8")
    css = "body { background: rgb(1, 2, 3); } .my-person { color: rgb(200, 0, 0); }\n"
    (templates / "edition.css").write_text(css, encoding="utf-8")
    out = tmp_path / "out"
    out.mkdir()
    result = CliRunner().invoke(tei_command, ["render", str(tei_dir), "-o", str(out), "--templates", str(templates)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert (out / "edition.css").read_text(encoding="utf-8") == css

    open_page(page, out, f"{DOC_000}.html")
    text = page.locator("section.text")
    people = text.locator("b.my-person")
    expect(people.first).to_be_visible()
    expect(text.locator("span.entity.person")).to_have_count(0)
    expect(text.locator("span.entity.place").first).to_be_visible()  # other names keep their rule
    stalin = people.filter(has_text="Stalin").first
    assert stalin.get_attribute("data-name") == "persName" and stalin.get_attribute("data-ref") == "#stalin"
    assert stalin.evaluate("e => getComputedStyle(e).color") == "rgb(200, 0, 0)"
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") == "rgb(1, 2, 3)"

    open_page(page, out, "hand.html")
    assert shown_text(page.locator("section.text p")) == "Before keep me and other words after Nobody."
    expect(page.locator("section.text b.my-person")).to_have_text("Nobody")


def test_document_language_and_english_interface(page, tmp_path):
    src = tmp_path / "brief.xml"
    src.write_text(tei_doc(
        "<p>Der Brief an <persName>Herrn Müller</persName> kam <gap reason='illegible'/> an.</p>",
        header="<titleStmt><title>Ein Brief</title></titleStmt><publicationStmt><idno>B-1</idno></publicationStmt>",
        lang="de"), encoding="utf-8")
    assert render_edition([src], tmp_path / "out") == []
    open_page(page, tmp_path / "out", "brief.html")
    lang_of = "e => e.closest('[lang]').getAttribute('lang')"
    assert page.locator("html").get_attribute("lang") == "de"
    assert page.locator("section.text p").evaluate(lang_of) == "de"
    assert page.locator("h1").evaluate(lang_of) == "de"
    for ui in ("header.site nav", "fieldset.view-switch", "section.metadata", "section.cite",
               "footer.site", "#text-heading", ".skip-link"):
        assert page.locator(ui).first.evaluate(lang_of) == "en", ui

    open_page(page, tmp_path / "out", "index.html")
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("ol.documents > li").get_attribute("lang") == "de"


# --------------------------------------------------------------------------- without a browser


def test_rendering_is_deterministic(sample_tei, tmp_path):
    paths = [sample_tei[k] for k in sorted(sample_tei)]
    render_edition(paths, tmp_path / "a")
    render_edition(list(reversed(paths)), tmp_path / "b")

    def files(root: Path) -> list[str]:
        return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())

    files_a = files(tmp_path / "a")
    assert files_a == files(tmp_path / "b")
    top = {f for f in files_a if "/" not in f}
    assert top == {f"{DOC_000}.html", f"{DOC_001}.html", "index.html", "people.html", "places.html",
                   "organisations.html", "search-index.js", "edition.css", "edition.js"}
    assert {f"tei/{DOC_000}.xml", f"tei/{DOC_001}.xml", "entity/dalian.html", "entity/stalin.html"} <= set(files_a)
    for name in files_a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name


@pytest.mark.parametrize("content", [
    "<TEI xmlns='http://www.tei-c.org/ns/1.0'><text><body><p>unclosed</body></text></TEI>",
    "<html><body/></html>",
    "",
])
def test_bad_file_is_reported_and_the_others_still_render(sample_tei, tmp_path, content):
    bad = tmp_path / "in" / "broken.xml"
    bad.parent.mkdir()
    bad.write_text(content)
    out = tmp_path / "out"
    errors = render_edition([sample_tei[DOC_000], bad, sample_tei[DOC_001]], out)
    assert len(errors) == 1
    assert "broken.xml" in str(errors[0])
    assert not (out / "broken.html").exists()
    assert not (out / "tei" / "broken.xml").exists()
    index = (out / "index.html").read_text()
    for stem, title in TITLES.items():
        assert (out / f"{stem}.html").exists()
        assert title in index
    assert "broken" not in index


def test_missing_file_and_clashing_names_are_reported(sample_tei, tmp_path):
    clash = tmp_path / "other" / f"{DOC_000}.xml"
    clash.parent.mkdir()
    clash.write_bytes(sample_tei[DOC_001].read_bytes())
    errors = render_edition([sample_tei[DOC_000], tmp_path / "missing.xml", clash], tmp_path / "out")
    assert [Path(e.path).name for e in errors] == ["missing.xml", f"{DOC_000}.xml"]
    assert TITLES[DOC_000] in (tmp_path / "out" / f"{DOC_000}.html").read_text()
    assert (tmp_path / "out" / "tei" / f"{DOC_000}.xml").read_bytes() == sample_tei[DOC_000].read_bytes()


def test_foreign_tei_unknown_elements_keep_their_text(tmp_path):
    src = tmp_path / "hand.xml"
    src.write_text(tei_doc(
        '<div><p>Before <foo>keep me</foo> and <bar xmlns="urn:x">other <b>namespace</b></bar>'
        ' <!-- a comment --><?pi x?>after <persName>Nobody</persName>'
        ' <gap reason="illegible" quantity="2" unit="word"/> <supplied>the</supplied>'
        ' <note type="editorial">File copy not signed</note> <q>lease</q> <lb/>end.</p></div>'))
    errors = render_edition([src], tmp_path / "out")
    assert errors == []
    html = (tmp_path / "out" / "hand.html").read_text()
    for text in ("keep me", "other namespace", "after", "Nobody", "2 words illegible", "[<i>the</i>]",
                 "File copy not signed", "<q", "lease", "<br>", "end."):
        assert text in html, text
    assert "a comment" not in html
    # missing header parts: the title falls back to the file name, the language to English, no empty panel
    assert '<html lang="en">' in html
    assert "<h1>hand</h1>" in html
    assert "About this document" not in html


def test_language_escaping_and_unsafe_links(tmp_path):
    src = tmp_path / "de.xml"
    src.write_text(tei_doc(
        '<p>Text <ref target="javascript:alert(1)">click</ref> <ref target="https://example.org/">ok</ref></p>',
        header="<titleStmt><title>&lt;script&gt;alert(1)&lt;/script&gt; Brief</title></titleStmt>",
        lang="de"))
    assert render_edition([src], tmp_path / "out") == []
    html = (tmp_path / "out" / "de.html").read_text()
    assert '<html lang="de">' in html
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt; Brief" in html
    assert "javascript:" not in html and "click" in html
    assert 'href="https://example.org/"' in html
    assert 'lang="en"' in html  # the English interface labels are marked as English
