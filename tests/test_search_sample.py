"""Search on the sample digest itself: the built index answers in lunr.js as in lunr.py,
and a reader finds, filters and opens papers in Chromium."""

from __future__ import annotations

import re

import pytest

from generator.search import document_order
from generator.pipeline import load_site, search_documents
from generator.markdown import MarkdownRenderer
from generator.urls import Urls
from generator.views import make_paper_views, render_paper
from pathlib import Path

from generator.pipeline import BuildOptions, build
from tests.conftest import SAMPLE_CONTENT, BuiltSite
from tests.test_search_index import assert_parity

SAMPLE_QUERIES = [
    "segmentation", "language models", "title:diffusion", "authors:lee", "tags:medical",
    "+video -generation", "multi*", "embeding~1", "retrieval augmented generation", "zzzz",
]


def sample_documents():  # type: ignore[no-untyped-def]
    loaded = load_site(SAMPLE_CONTENT)
    urls = Urls.for_config(loaded.config)
    renderer = MarkdownRenderer()
    papers = loaded.site.papers.values()
    views = make_paper_views(papers, {p.id: render_paper(p, renderer) for p in papers}, loaded.site, urls)
    return search_documents(loaded.site, views, urls)


def test_lunr_js_answers_the_sample_index_as_lunr_py(sample_site: BuiltSite) -> None:
    docs = sample_documents()
    out = assert_parity(document_order(docs), sample_site.output / "search", SAMPLE_QUERIES)
    hits = {row["query"]: row["hits"] for row in out["queries"]}
    assert hits["segmentation"] and hits["language models"] and not hits["zzzz"]


def test_after_an_edit_the_search_files_are_a_first_builds_and_few_are_written(content_copy: Path,
                                                                             tmp_path: Path) -> None:
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache))
    record = content_copy / "papers" / "2405.16537.md"
    record.write_text(record.read_text(encoding="utf-8").replace("The remarkable generative", "The remarkable wombat"),
                      encoding="utf-8")
    edited = build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache))
    cold = tmp_path / "cold"
    build(BuildOptions(content_dir=content_copy, output_dir=cold))

    def files(root: Path) -> dict[str, bytes]:
        return {path.relative_to(root).as_posix(): path.read_bytes() for path in root.rglob("*") if path.is_file()}

    assert files(output / "search") == files(cold / "search")
    written = [path for path in edited.written if path.startswith("search/")]
    assert "search/manifest.json" in written and len(written) < len(files(cold / "search")) / 2


@pytest.mark.browser
def test_reader_searches_filters_and_opens_a_paper(page, sample_site: BuiltSite) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    page.goto(sample_site.base_url + "search/")
    page.fill("#search-q", "NV-Embed")
    first = page.locator("#search-results .search-result-title").first
    expect(first).to_contain_text("NV-Embed", timeout=20_000)
    # The query lives in the URL, so the result list can be linked.
    page.wait_for_url(re.compile(r"q=NV-Embed"))

    page.fill("#search-q", "segmentation")
    expect(page.locator("#search-results li").first).to_be_visible(timeout=20_000)
    all_count = page.locator("#search-results > li").count()
    page.locator("#search-facet-tag").select_option(value="medical-imaging")
    expect(page.locator("#search-status")).to_contain_text(re.compile(r"\d"))
    page.wait_for_url(re.compile(r"tag=medical-imaging"))
    filtered = page.locator("#search-results .search-result-tags")
    expect(filtered.first).to_contain_text("medical-imaging")
    assert page.locator("#search-results > li").count() <= all_count
    for tags in filtered.all_inner_texts():
        assert "medical-imaging" in tags

    link = page.locator("#search-results a.search-result-title").first
    title = link.inner_text()
    link.click()
    expect(page.locator("h1.paper-title")).to_have_text(title)
    assert not page.page_errors
