"""The reading edition: what a reader sees in a real browser, plus the renderer's contract.

Browser tests drive Debian's Chromium (/usr/bin/chromium) through Playwright's sync
API; Playwright's own browser download is not used. One browser per test session.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tei import TEI_NS
from tei.edition import render_edition

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

DOC_000 = "000_0057ff3e2a2cacb5"
DOC_001 = "001_e5f868fdedea9438"
TITLES = {
    DOC_000: "Cable, Summary of Averell Harriman Meeting with T. V. Soong",
    DOC_001: "Message from Averell Harriman to the President and Secretary of State",
}
DATES = {DOC_000: "July 3, 1945", DOC_001: "July 1945"}
CITATION_URL = "https://wilson-center-digital-archive.dvincitest.com/document/123411"


def tei_doc(body: str, header: str = "", lang: str | None = None) -> str:
    """A small hand-written TEI document (not made by this toolkit)."""
    lang_attr = f' xml:lang="{lang}"' if lang else ""
    return (f'<TEI xmlns="{TEI_NS}"{lang_attr}><teiHeader><fileDesc>{header}</fileDesc></teiHeader>'
            f"<text><body>{body}</body></text></TEI>")


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def edition(sample_tei, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("html")
    errors = render_edition([sample_tei[k] for k in sorted(sample_tei)], out)
    assert errors == []
    return out


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


@pytest.fixture
def page(browser):
    context = browser.new_context()
    page = context.new_page()
    yield page
    context.close()


def open_page(page, edition: Path, name: str):
    page.goto((edition / name).as_uri())
    return page


def visible(locator):
    return locator.filter(visible=True)


# --------------------------------------------------------------------------- in the browser


def test_index_lists_both_documents_and_links_to_them(page, edition):
    from playwright.sync_api import expect

    open_page(page, edition, "index.html")
    entries = page.locator("main li")
    for stem, title in TITLES.items():
        link = page.get_by_role("link", name=title, exact=True)
        expect(link).to_be_visible()
        entry = entries.filter(has=link)
        expect(entry).to_contain_text(DATES[stem])
        expect(entry).to_contain_text("W. Averell Harriman")
        expect(entry).to_contain_text("Harry S. Truman")
    # sorted by date: July 1945 (month only) before July 3, 1945
    text = page.locator("main").inner_text()
    assert text.index(TITLES[DOC_001]) < text.index(TITLES[DOC_000])

    for stem, title in TITLES.items():
        open_page(page, edition, "index.html")
        page.get_by_role("link", name=title, exact=True).click()
        page.wait_for_load_state()
        assert page.url.endswith(f"/{stem}.html")
        expect(page.locator("h1")).to_have_text(title)


@pytest.mark.parametrize("stem, count", [(DOC_000, 2), (DOC_001, 1)])
def test_gaps_are_visible_explained_marks(page, edition, stem, count):
    open_page(page, edition, f"{stem}.html")
    gaps = visible(page.locator("main .gap"))
    assert gaps.count() == count
    for i in range(count):
        gap = gaps.nth(i)
        assert "illegible" in gap.inner_text()
        box = gap.bounding_box()
        assert box and box["width"] > 5 and box["height"] > 5
        assert "illegible" in (gap.get_attribute("title") or "").lower()
        assert "ILLEGIBLE" in gap.text_content()  # the transcript's own wording stays reachable


def test_regularised_name_shows_both_forms(page, edition):
    from playwright.sync_api import expect

    open_page(page, edition, f"{DOC_000}.html")
    text = page.locator("section.text")
    expect(text.get_by_text("Darien", exact=True)).to_be_visible()
    dalian = text.get_by_text("[Dalian]", exact=True)
    expect(dalian).to_be_visible()
    assert "Darien [Dalian]" in text.inner_text().replace("\xa0", " ")
    # the regularised form is marked, not just appended
    orig_style = text.get_by_text("Darien", exact=True).evaluate("e => getComputedStyle(e).fontStyle + getComputedStyle(e).color")
    reg_style = dalian.evaluate("e => getComputedStyle(e).fontStyle + getComputedStyle(e).color")
    assert orig_style != reg_style


def test_sic_marker_follows_the_word(page, edition):
    from playwright.sync_api import expect

    open_page(page, edition, f"{DOC_001}.html")
    text = page.locator("section.text")
    assert "export [sic]" in text.inner_text().replace("\xa0", " ")
    word = text.get_by_text("export", exact=True)
    marker = text.get_by_text("[sic]", exact=True)
    expect(word).to_be_visible()
    expect(marker).to_be_visible()
    w, m = word.bounding_box(), marker.bounding_box()
    assert m["x"] >= w["x"] + w["width"] - 1, "the [sic] marker should come right after the word"
    assert abs((m["y"] + m["height"]) - (w["y"] + w["height"])) < w["height"], "on the same line"


STYLE_JS = """e => { const s = getComputedStyle(e);
  return [s.textDecorationLine, s.textDecorationStyle, s.textDecorationColor,
          s.borderBottomStyle, s.borderBottomColor, s.color].join('|'); }"""


def test_names_are_visibly_marked_with_authority_names(page, edition):
    from playwright.sync_api import expect

    open_page(page, edition, f"{DOC_000}.html")
    para = page.locator("section.text p", has_text="second talk with")
    stalin = para.get_by_text("Stalin", exact=True)
    expect(stalin).to_be_visible()
    assert stalin.evaluate(STYLE_JS) != para.evaluate(STYLE_JS)
    assert "Joseph Stalin" in (stalin.get_attribute("title") or "")
    assert stalin.get_attribute("href") == "https://www.wikidata.org/wiki/Q855"

    soong = para.get_by_text("Soong", exact=True)  # in the authority, without a Wikidata ID
    assert soong.evaluate(STYLE_JS) != para.evaluate(STYLE_JS)
    assert "T. V. Soong" in (soong.get_attribute("title") or "")

    place_para = page.locator("section.text p", has_text="What most disturbed")
    mongolia = place_para.get_by_text("Outer Mongolia", exact=True).first
    expect(mongolia).to_be_visible()
    assert mongolia.evaluate(STYLE_JS) != place_para.evaluate(STYLE_JS)
    assert mongolia.evaluate(STYLE_JS) != stalin.evaluate(STYLE_JS), "places look different from people"


def test_metadata_panel(page, edition):
    from playwright.sync_api import expect

    open_page(page, edition, f"{DOC_000}.html")
    panel = page.get_by_role("region", name="About this document")
    expect(panel).to_be_visible()
    for text in ("Library of Congress", "W. A. Harriman Papers", "Top Secret", "English",
                 "Chun & Jane Chiu Family Foundation"):
        expect(panel).to_contain_text(text)
    citation = panel.locator("dd", has_text="Wilson Center Digital Archive")
    link = citation.get_by_role("link")
    expect(link).to_be_visible()
    assert link.get_attribute("href") == CITATION_URL

    open_page(page, edition, f"{DOC_001}.html")
    panel = page.get_by_role("region", name="About this document")
    expect(panel).to_contain_text("Top Secret")
    expect(panel).to_contain_text("Library of Congress")
    expect(panel).to_contain_text("welcomes reuse")  # rights


def test_print_keeps_text_and_metadata_and_hides_navigation(page, edition):
    from playwright.sync_api import expect

    open_page(page, edition, f"{DOC_000}.html")
    expect(page.locator("nav")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.locator("nav")).to_be_hidden()
    expect(page.locator("h1")).to_be_visible()
    expect(page.get_by_role("region", name="About this document")).to_be_visible()
    expect(page.locator("section.text p").first).to_be_visible()
    expect(visible(page.locator("main .gap"))).to_have_count(2)
    background = page.evaluate("getComputedStyle(document.querySelector('.metadata')).backgroundColor")
    assert background in ("rgba(0, 0, 0, 0)", "transparent")


# --------------------------------------------------------------------------- without a browser


def test_rendering_is_deterministic(sample_tei, tmp_path):
    paths = [sample_tei[k] for k in sorted(sample_tei)]
    render_edition(paths, tmp_path / "a")
    render_edition(list(reversed(paths)), tmp_path / "b")
    files_a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert files_a == sorted(p.name for p in (tmp_path / "b").iterdir())
    assert files_a == sorted([f"{DOC_000}.html", f"{DOC_001}.html", "index.html", "edition.css"])
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
