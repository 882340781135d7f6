"""The search client in Chromium, on a small standalone harness page.

The page templates do not exist yet: the harness writes the markup contract from
the top of search.js by hand, under a base path (/digest/), and serves the files
over HTTP on 127.0.0.1.
"""

from __future__ import annotations

import functools
import http.server
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from generator.search import build_search_files, document_order
from tests.test_search_corpus import fixture_docs
from tests.test_search_index import reference_index

pytestmark = pytest.mark.browser

ROOT = Path(__file__).parent.parent
CHROMIUM = Path("/usr/bin/chromium")
LUNR = ROOT / "themes" / "default" / "node_modules" / "lunr" / "lunr.min.js"
CLIENT = ROOT / "themes" / "default" / "static" / "search.js"
BASE = "/digest/"

HEADER = f"""<header>
<form class="site-search" role="search" action="{BASE}search/" method="get" data-search-root="{BASE}search/">
<label for="site-search-q">Search papers</label>
<input id="site-search-q" type="search" name="q" autocomplete="off">
</form>
</header>"""
SCRIPT = f'<script src="{BASE}static/search.js" defer data-lunr="{BASE}static/lunr.min.js"></script>'
HOME = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Digest</title>{SCRIPT}</head>
<body>{HEADER}<main><h1>Digest</h1><p><a href="{BASE}search/">Search</a></p></main></body></html>"""
SEARCH_PAGE = f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Search</title>{SCRIPT}</head>
<body>{HEADER}<main>
<div id="search-app" data-search-root="{BASE}search/">
<form class="search-page-form" role="search" action="{BASE}search/" method="get">
<label for="search-q">Search papers</label>
<input id="search-q" type="search" name="q" autocomplete="off">
</form>
<div id="search-facets"></div>
<p id="search-status" aria-live="polite"></p>
<ol id="search-results"></ol>
<noscript><p>Search needs JavaScript; browse the papers by day or by tag instead.</p></noscript>
</div></main></body></html>"""


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    if not CHROMIUM.exists():
        pytest.fail(f"`{CHROMIUM}` is not installed: run `make system-deps`")
    root = tmp_path_factory.mktemp("site")
    out = root / BASE.strip("/")
    for name, data in build_search_files(fixture_docs()).items():
        target = out / "search" / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    (out / "static").mkdir()
    shutil.copy(LUNR, out / "static" / "lunr.min.js")
    shutil.copy(CLIENT, out / "static" / "search.js")
    (out / "index.html").write_text(HOME)
    (out / "search" / "index.html").write_text(SEARCH_PAGE)

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Quiet, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}{BASE}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    """The shared Chromium (tests/conftest.py), with dialogs and page errors failing the test."""
    context = browser.new_context()
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append(f"dialog: {dialog.message}") or dialog.dismiss())
    page.errors = errors
    yield page
    context.close()
    assert not errors


def titles(page: object) -> list[str]:
    return page.locator("#search-results .search-result-title").all_inner_texts()


def test_nothing_is_fetched_before_the_box_is_focused(page: object, site: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(site)
    page.wait_for_load_state("networkidle")
    assert not [u for u in requests if "lunr" in u or "/search/" in u]
    with page.expect_request(lambda r: r.url.split("?")[0].endswith("/search/manifest.json")):
        page.focus("#site-search-q")
    assert any(u.endswith("/static/lunr.min.js") for u in requests)
    assert not [u for u in requests if "/shards/" in u]


def test_header_box_suggests_and_enter_opens_the_search_page(page: object, site: str) -> None:
    page.goto(site)
    page.fill("#site-search-q", "transformers")
    suggestions = page.locator(".site-search-suggestions a")
    suggestions.first.wait_for()
    assert 1 <= suggestions.count() <= 5
    page.press("#site-search-q", "Enter")
    page.wait_for_url("**/search/?q=transformers")
    page.locator("#search-results .search-result").first.wait_for()
    assert page.input_value("#search-q") == "transformers"
    assert "papers match" in page.inner_text("#search-status")


def test_results_come_as_you_type_with_highlights_and_url(page: object, site: str) -> None:
    page.goto(site + "search/")
    page.locator("#search-q").press_sequentially("survey", delay=20)
    page.wait_for_function("document.querySelectorAll('#search-results .search-result').length === 2")
    assert page.url.endswith("/search/?q=survey")
    marks = page.locator("#search-results .search-result-title mark").all_inner_texts()
    assert marks and all(m.lower() == "survey" for m in marks)
    assert page.locator("#search-results .search-result-tags button").count() >= 2
    assert page.inner_text("#search-status") == "2 papers match “survey”."


def test_record_text_is_never_html(page: object, site: str) -> None:
    page.goto(site + "search/?q=" + "%3Cimg%20escaping%20untrusted")
    page.locator("#search-results .search-result").first.wait_for()
    assert titles(page)[0].startswith("<img src=x onerror=alert(1)>")
    assert page.locator("#search-results img, #search-results script, #search-results b").count() == 0
    assert "“<img escaping untrusted”" in page.inner_text("#search-status")


def test_arxiv_id_offers_that_paper_first(page: object, site: str) -> None:
    page.goto(site + "search/")
    page.fill("#search-q", "arXiv:2502.09612v2")
    page.wait_for_function("document.querySelector('#search-results .search-result-meta')?.textContent.startsWith('paper 2502.09612')")
    assert titles(page)[0] == "Key-Value Cache Compression for Long-Context Inference"


def test_unknown_arxiv_id_says_so(page: object, site: str) -> None:
    page.goto(site + "search/?q=arXiv%3A2599.99999v1")
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('No paper with the id 2599.99999')")
    assert titles(page) == []


def test_filter_without_words_lists_the_tag_newest_first(page: object, site: str) -> None:
    page.goto(site + "search/?tag=survey")
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('2 papers')")
    assert titles(page) == ["A Survey of Retrieval-Augmented Generation", "Reinforcement Learning from Human Feedback: A Critical Survey"]
    assert page.inner_text("#search-status") == "2 papers with tag “Survey”."


def test_tag_facet_filters_counts_and_back_restores(page: object, site: str) -> None:
    page.goto(site + "search/?q=models")
    page.locator("#search-facet-tag").wait_for()
    before = len(titles(page))
    assert page.locator("#search-facet-tag option", has_text="Privacy (").count() == 1
    page.select_option("#search-facet-tag", "efficiency")
    page.wait_for_url("**/search/?q=models&tag=efficiency")
    page.wait_for_function(f"document.querySelectorAll('#search-results .search-result').length < {before}")
    tagged = {d.ref for d in fixture_docs() if "efficiency" in d.tag_slugs}
    expected = [r["ref"] for r in reference_index(document_order(fixture_docs())).search("models") if r["ref"] in tagged]
    assert len(expected) > 1
    assert page.inner_text("#search-status") == f"{len(expected)} papers match “models” with tag “Efficiency”."
    assert len(titles(page)) == len(expected)
    page.go_back()
    page.wait_for_function(f"document.querySelectorAll('#search-results .search-result').length === {before}")
    assert page.input_value("#search-facet-tag") == ""


def test_empty_result_suggests_removing_a_filter(page: object, site: str) -> None:
    page.goto(site + "search/?q=quantum&tag=privacy")
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('No papers')")
    assert page.inner_text("#search-status") == "No papers match “quantum” with tag “Privacy”. Try removing a filter."
    page.check("#search-facet-code")
    page.uncheck("#search-facet-code")
    page.select_option("#search-facet-tag", "")
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('1 paper matches')")


@pytest.mark.parametrize("query", ["title:", "+", "foo:bar"])
def test_unreadable_query_gets_a_gentle_message(page: object, site: str, query: str) -> None:
    page.goto(site + "search/")
    page.fill("#search-q", query)
    page.wait_for_function("document.querySelector('#search-status').textContent.startsWith('That query could not be read')")
    assert page.locator("#search-results li").count() == 0


def test_keyboard_slash_arrows_enter_escape(page: object, site: str) -> None:
    page.goto(site + "search/?q=diffusion")
    page.locator("#search-results .search-result").first.wait_for()
    # Focus leaves the search box (a click could land on a result and follow it).
    page.evaluate("document.activeElement.blur()")
    assert page.evaluate("document.activeElement === document.body")
    page.keyboard.press("/")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.press("ArrowDown")
    first = titles(page)[0]
    assert page.evaluate("document.activeElement.textContent") == first
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == titles(page)[1]
    page.keyboard.press("ArrowUp")
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.id") == "search-q"
    page.keyboard.press("Escape")
    page.wait_for_function("document.querySelectorAll('#search-results li').length === 0")
    assert page.input_value("#search-q") == ""
    # Typing "/" into the box is a character, not a shortcut.
    page.keyboard.type("a/b")
    assert page.input_value("#search-q") == "a/b"
    page.fill("#search-q", "diffusion")
    page.locator("#search-results .search-result").first.wait_for()
    page.keyboard.press("ArrowDown")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "/digest/papers/" in page.url


def test_ten_results_at_a_time(page: object, site: str) -> None:
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url.split("?")[0]))
    page.goto(site + "search/?q=t*")
    page.locator("#search-results .search-more").wait_for()
    assert len(titles(page)) == 10
    first_chunks = {u for u in requests if "/search/docs/" in u}
    assert 1 <= len(first_chunks) <= 10
    page.click("#search-results .search-more")
    page.wait_for_function("document.querySelectorAll('#search-results .search-result').length === 20")
    assert page.evaluate("document.activeElement.textContent") == titles(page)[10]
