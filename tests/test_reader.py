"""The reader's tools in Chromium (issue 10): stars and the Starred page with its BibTeX
export, read and new marks, keyboard shortcuts, share links, print, and pages that
work without JavaScript. Everything is kept in the browser; these tests read it back
through the pages themselves.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bibtexparser
import pytest

from tests.conftest import BuiltSite, build_served

pytestmark = pytest.mark.browser

LIST_DAY = "digest/2025-07-16/"


@pytest.fixture
def context(browser: Any) -> Iterator[Any]:
    context = browser.new_context()
    errors: list[str] = []
    context.on("weberror", lambda error: errors.append(str(error.error)))
    yield context
    context.close()
    assert errors == []


def card_ids(page: Any) -> list[str]:
    return page.eval_on_selector_all(".paper-card", "cards => cards.map(c => c.dataset.paperId)")


def stored_keys(page: Any, suffix: str) -> list[str]:
    return page.evaluate("(suffix) => Object.keys(localStorage).filter(k => k.endsWith(suffix))", suffix)


def test_starred_papers_survive_a_reload_and_export_as_bibtex(context: Any, sample_site: BuiltSite) -> None:
    page = context.new_page()
    page.goto(sample_site.base_url + LIST_DAY)
    cards = page.locator(".paper-card")
    chosen = [cards.nth(0), cards.nth(2)]
    expected = {card.get_attribute("data-paper-id"): card.locator(".paper-card-title a").inner_text() for card in chosen}
    hrefs = {card.get_attribute("data-paper-id"): card.locator(".paper-card-title a").evaluate("a => a.href") for card in chosen}
    # A card names six authors at most ("and 3 more"): BibTeX says "and others" for the rest.
    authors = {card.get_attribute("data-paper-id"): card.locator(".paper-authors a").all_inner_texts()
               + (["others"] if "more" in card.locator(".paper-authors").inner_text() else []) for card in chosen}
    for card in chosen:
        card.locator(".star-button").click()
    page.reload()
    pressed = page.eval_on_selector_all(".paper-card:has(.star-button[aria-pressed='true'])",
                                        "cards => cards.map(c => c.dataset.paperId)")
    assert sorted(pressed) == sorted(expected)

    page.click("nav.site-nav >> text=Starred")
    page.wait_for_selector("#starred-list .paper-card")
    listed = page.eval_on_selector_all("#starred-list .paper-card-title a", "links => links.map(a => a.textContent)")
    assert sorted(listed) == sorted(expected.values())
    assert page.inner_text("#starred-status") == "2 starred papers."

    with page.expect_download() as download_info:
        page.click("#starred-download")
    download = download_info.value
    assert download.suggested_filename == "starred-papers.bib"
    library = bibtexparser.parse_string(Path(download.path()).read_text(encoding="utf-8"))
    assert library.failed_blocks == []
    entries = {entry.fields_dict["eprint"].value: entry for entry in library.entries}
    assert sorted(entries) == sorted(expected)
    for paper_id, title in expected.items():
        entry = entries[paper_id]
        assert entry.entry_type == "misc"
        assert entry.fields_dict["title"].value == "{" + title + "}"
        assert entry.fields_dict["year"].value == "2025"
        assert entry.fields_dict["archiveprefix"].value == "arXiv"
        assert entry.fields_dict["url"].value == hrefs[paper_id]
        assert entry.fields_dict["author"].value == " and ".join(authors[paper_id])
    assert len({entry.key for entry in library.entries}) == 2

    page.click("#starred-clear")
    assert page.inner_text("#starred-status").startswith("No starred papers yet")
    assert page.locator("#starred-list .paper-card").count() == 0
    assert page.is_hidden("#starred-tools")
    page.reload()
    assert page.locator("#starred-list .paper-card").count() == 0
    assert stored_keys(page, ":starred") == []


def test_a_star_on_the_paper_page_keeps_every_author(context: Any, sample_site: BuiltSite) -> None:
    page = context.new_page()
    page.goto(sample_site.base_url)
    page.locator(".paper-card-title a").first.click()
    authors = page.eval_on_selector_all("article.paper .paper-authors a", "links => links.map(a => a.textContent)")
    page.click("article.paper .star-button")
    assert page.get_attribute("article.paper .star-button", "aria-pressed") == "true"
    page.goto(sample_site.base_url + "starred/")
    shown = page.inner_text("#starred-list .paper-authors")
    assert shown == ", ".join(authors)
    bibtex = page.input_value("#starred-bibtex")
    assert "author = {" + " and ".join(authors) + "}" in bibtex


def test_read_marks_survive_a_reload(context: Any, sample_site: BuiltSite) -> None:
    page = context.new_page()
    page.goto(sample_site.base_url + LIST_DAY)
    assert page.locator(".paper-card.is-read").count() == 0
    second = page.locator(".paper-card").nth(1)
    paper_id = second.get_attribute("data-paper-id")
    second.locator(".paper-card-title a").click()
    page.wait_for_selector("article.paper .paper-actions")  # app.js has run on the paper page
    page.go_back()
    page.reload()
    assert page.eval_on_selector_all(".paper-card.is-read", "cards => cards.map(c => c.dataset.paperId)") == [paper_id]
    assert page.inner_text(f".paper-card[data-paper-id='{paper_id}'] .badge-read") == "Read"


def test_papers_new_since_the_last_visit_are_highlighted_on_the_home_page(context: Any, sample_site: BuiltSite) -> None:
    first = context.new_page()
    first.goto(sample_site.base_url)
    assert first.locator(".paper-card").count() >= 2
    assert first.locator(".paper-card.is-new").count() == 0, "a first visit has nothing to compare with"
    ids = card_ids(first)
    # As if the last two papers were published after that visit.
    first.evaluate("""(gone) => { for (const key of Object.keys(localStorage)) if (key.endsWith(':seen'))
        localStorage.setItem(key, JSON.stringify(JSON.parse(localStorage.getItem(key)).filter(id => !gone.includes(id)))); }""",
                   ids[-2:])
    first.close()

    later = context.new_page()
    later.goto(sample_site.base_url)
    new_ids = later.eval_on_selector_all(".paper-card.is-new", "cards => cards.map(c => c.dataset.paperId)")
    assert new_ids == ids[-2:]
    assert later.locator(".paper-card.is-new .badge-new").count() == 2
    later.reload()
    assert later.eval_on_selector_all(".paper-card.is-new", "cards => cards.map(c => c.dataset.paperId)") == ids[-2:]
    later.close()

    next_visit = context.new_page()
    next_visit.goto(sample_site.base_url)
    assert next_visit.locator(".paper-card.is-new").count() == 0


def test_keyboard_moves_between_papers_and_opens_one(context: Any, sample_site: BuiltSite) -> None:
    page = context.new_page()
    page.goto(sample_site.base_url + LIST_DAY)
    links = page.eval_on_selector_all(".paper-card-title a", "links => links.map(a => a.href)")
    focused = "() => document.activeElement.href"
    page.keyboard.press("j")
    assert page.evaluate(focused) == links[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("k")
    assert page.evaluate(focused) == links[1]
    assert page.locator(".paper-card.is-current").count() == 1
    page.keyboard.press("s")
    assert page.get_attribute(".paper-card.is-current .star-button", "aria-pressed") == "true"

    page.keyboard.press("?")
    page.wait_for_selector("dialog.shortcuts[open]")
    assert "Next paper" in page.inner_text("dialog.shortcuts")
    page.keyboard.press("Escape")
    page.wait_for_selector("dialog.shortcuts", state="hidden")
    assert page.evaluate(focused) == links[1], "closing the shortcuts gives the focus back"
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.closest('.paper-card') !== null")

    page.focus("#site-search-q")
    page.keyboard.type("jk")
    assert page.input_value("#site-search-q") == "jk"
    assert page.locator(".paper-card.is-current").count() == 1

    page.evaluate("() => document.activeElement.blur()")
    page.keyboard.press("j")
    page.keyboard.press("Enter")
    page.wait_for_url(links[2])


def test_the_shortcuts_button_opens_the_dialog(context: Any, sample_site: BuiltSite) -> None:
    page = context.new_page()
    page.goto(sample_site.base_url + "archive/")
    page.click(".shortcuts-button")
    page.wait_for_selector("dialog.shortcuts[open]")
    assert "j" in page.inner_text("dialog.shortcuts") and page.evaluate("document.querySelector('dialog.shortcuts').open")
    page.click("dialog.shortcuts button:text('Close')")
    page.wait_for_selector("dialog.shortcuts", state="hidden")
    assert not page.evaluate("document.querySelector('dialog.shortcuts').open")


def test_share_copies_the_paper_url(browser: Any, sample_site: BuiltSite) -> None:
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=sample_site.base_url.rstrip("/").rsplit("/", 1)[0])
    try:
        page = context.new_page()
        page.goto(sample_site.base_url + LIST_DAY)
        card = page.locator(".paper-card").nth(1)
        href = card.locator(".paper-card-title a").evaluate("a => a.href")
        card.locator(".share-button").click()
        page.wait_for_selector("[role=status]:text('Link copied')")
        assert page.evaluate("() => navigator.clipboard.readText()") == href

        page.goto(href)
        page.click("article.paper .share-button")
        page.wait_for_selector("[role=status]:text('Link copied')")
        assert page.evaluate("() => navigator.clipboard.readText()") == href
    finally:
        context.close()


def test_share_falls_back_to_a_selection_without_the_clipboard_api(context: Any, sample_site: BuiltSite) -> None:
    context.add_init_script("""
        Object.defineProperty(Navigator.prototype, 'clipboard', { get: () => undefined });
        document.addEventListener('copy', (event) => { window.copiedText = event.target.value; }, true);
    """)
    page = context.new_page()
    page.goto(sample_site.base_url + LIST_DAY)
    card = page.locator(".paper-card").first
    href = card.locator(".paper-card-title a").evaluate("a => a.href")
    card.locator(".share-button").click()
    page.wait_for_selector("[role=status]:text('Link copied')")
    assert page.evaluate("() => window.copiedText") == href
    assert page.evaluate("() => document.activeElement.classList.contains('share-button')")


def test_pages_work_without_javascript(browser: Any, sample_site: BuiltSite) -> None:
    context = browser.new_context(java_script_enabled=False)
    try:
        page = context.new_page()
        page.goto(sample_site.base_url + LIST_DAY)
        assert page.locator(".paper-card").count() > 0
        assert page.locator("button").count() == 0, "buttons that need JavaScript are made by it"
        page.goto(sample_site.base_url + "starred/")
        assert page.is_hidden("#starred-tools")
        assert page.is_hidden("#starred-history")
    finally:
        context.close()
    html = (sample_site.output / "index.html").read_text()
    assert "star-button" not in html and "<button" not in html


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_print_drops_navigation_and_shows_links(browser: Any, sample_site: BuiltSite, scheme: str) -> None:
    context = browser.new_context(color_scheme=scheme)
    try:
        page = context.new_page()
        page.goto(sample_site.base_url)
        page.locator(".paper-card-title a").first.click()
        page.wait_for_selector("article.paper .paper-actions")
        page.emulate_media(media="print")
        for selector in (".site-header", ".site-footer", ".paper-nav", ".paper-actions"):
            assert page.is_hidden(selector), selector
        link = page.locator(".paper-links a").first
        after = link.evaluate("a => getComputedStyle(a, '::after').content")
        assert link.get_attribute("href") in after
        assert page.eval_on_selector(".paper-title", "h => getComputedStyle(h).color") == "rgb(0, 0, 0)"
        assert page.eval_on_selector("body", "b => getComputedStyle(b).backgroundColor") == "rgb(255, 255, 255)"
    finally:
        context.close()


HOSTILE = """---
id: "2608.00001"
title: "Evil <img src=x onerror=\\"window.pwned=1\\"> costs $5 & 10% of {budget_x"
authors: ["Robert <script>window.pwned=2</script> Tables", "Ann and Bob"]
abstract: "Nothing to see."
date: 2026-08-01
tags: ["safety"]
---
"""


@pytest.fixture
def hostile_site(content_copy: Path, tmp_path: Path) -> Iterator[BuiltSite]:
    (content_copy / "papers" / "2608.00001.md").write_text(HOSTILE, encoding="utf-8")
    site, server = build_served(content_copy, tmp_path / "served")
    yield site
    server.stop()


def test_record_text_never_becomes_markup_in_the_reading_list(context: Any, hostile_site: BuiltSite) -> None:
    page = context.new_page()
    page.goto(hostile_site.base_url)
    card = page.locator(".paper-card[data-paper-id='2608.00001']")
    card.locator(".star-button").click()
    page.goto(hostile_site.base_url + "starred/")
    title = page.locator("#starred-list .paper-card-title a")
    assert title.inner_text().startswith("Evil <img src=x")
    assert page.locator("#starred-list img, #starred-list script").count() == 0
    assert page.evaluate("() => window.pwned") is None
    library = bibtexparser.parse_string(page.input_value("#starred-bibtex"))
    assert library.failed_blocks == []
    (entry,) = library.entries
    assert entry.fields_dict["title"].value == '{Evil <img src=x onerror="window.pwned=1"> costs \\$5 \\& 10\\% of budget\\_x}'
    assert entry.fields_dict["author"].value == "Robert <script>window.pwned=2</script> Tables and {Ann and Bob}"


def test_the_search_client_loads_when_the_header_box_is_first_used(context: Any, sample_site: BuiltSite) -> None:
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))
    page.goto(sample_site.base_url + LIST_DAY)
    page.wait_for_load_state("networkidle")
    assert not any("/static/search." in url for url in requested), "the search client waits until it is needed"
    page.keyboard.press("/")
    assert page.evaluate("() => document.activeElement.id") == "site-search-q"
    page.keyboard.type("diffusion")
    page.wait_for_selector(".site-search-suggestions li a")
    assert sum("/static/search." in url for url in requested) == 1
