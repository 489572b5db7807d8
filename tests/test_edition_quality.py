"""The reading edition is valid HTML (the Nu Html Checker) and has no serious or critical
accessibility faults (axe-core in Debian's Chromium), page by page.

Every *.html file under the edition's folder is checked, however deep, so pages added
later (entity pages in sub-folders, ...) are covered without changing this file. The
tools are npm packages pinned in tests/js, installed on first use (tests/htmlcheck.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from htmlcheck import axe_pages
from tei.edition import render_edition


@pytest.fixture(scope="module")
def quality_edition(sample_tei, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("quality")
    errors = render_edition([sample_tei[k] for k in sorted(sample_tei)], out)
    assert errors == []
    return out


@pytest.fixture(scope="module")
def edition_pages(quality_edition) -> list[Path]:
    found = sorted(quality_edition.rglob("*.html"))
    assert found, f"the edition in {quality_edition} has no HTML pages"
    return found


def by_page(findings, root: Path) -> dict[str, list]:
    """{page relative to the edition: its findings}, pages without findings left out."""
    grouped: dict[str, list] = {}
    for item in findings:
        grouped.setdefault(Path(item["file"]).relative_to(root).as_posix(), []).append(item)
    return grouped


def test_every_page_is_valid_html(vnu, quality_edition, edition_pages):
    """One run of the Nu Html Checker over all pages; its errors, grouped by page."""
    errors = by_page(vnu(edition_pages), quality_edition)
    assert errors == {}, "the Nu Html Checker found errors:\n" + "\n".join(
        f"  {page}:\n" + "\n".join(f"    line {m['line']}, column {m['column']}: {m['message']}" for m in found)
        for page, found in errors.items())


def test_the_stylesheet_is_valid_css(vnu, quality_edition):
    sheets = sorted(quality_edition.rglob("*.css"))
    errors = by_page(vnu(sheets), quality_edition)
    assert errors == {}, "the Nu Html Checker found CSS errors:\n" + "\n".join(
        f"  {page}:\n" + "\n".join(f"    line {m['line']}, column {m['column']}: {m['message']}" for m in found)
        for page, found in errors.items())


def test_no_page_has_serious_accessibility_faults(js_tools, quality_edition, edition_pages):
    """axe-core's serious and critical violations on every page, each page loaded in Chromium."""
    results = axe_pages(edition_pages, impacts=("serious", "critical"))
    faults = {path.relative_to(quality_edition).as_posix(): found for path, found in results.items() if found}
    assert faults == {}, "axe-core found serious or critical violations:\n" + "\n".join(
        f"  {page}:\n" + "\n".join(f"    {v!r}" for v in found) for page, found in faults.items())


def _diplomatic_with_a_card_open(page) -> None:
    """The state a page is not loaded in: the diplomatic view, and a name's card shown by keyboard focus."""
    page.check("#view-diplomatic")
    page.locator(".text a.entity-name").first.focus()
    assert page.locator(".text .card").first.is_visible()


def test_the_diplomatic_view_and_cards_have_no_serious_accessibility_faults(js_tools, quality_edition,
                                                                             sample_tei):
    documents = [quality_edition / f"{stem}.html" for stem in sorted(sample_tei)]
    results = axe_pages(documents, impacts=("serious", "critical"), prepare=_diplomatic_with_a_card_open)
    faults = {path.name: found for path, found in results.items() if found}
    assert faults == {}, "axe-core found serious or critical violations:\n" + "\n".join(
        f"  {page}:\n" + "\n".join(f"    {v!r}" for v in found) for page, found in faults.items())
