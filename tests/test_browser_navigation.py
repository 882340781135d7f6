"""In Chromium, under the /digest/ sub-path: home -> a paper -> one of its tags -> the paper is listed there."""

from __future__ import annotations

import re

import pytest

from tests.conftest import BuiltSite

pytestmark = pytest.mark.browser


def test_home_to_paper_to_tag_lists_the_paper(page, sample_site: BuiltSite) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import expect

    response = page.goto(sample_site.base_url)
    assert response is not None and response.status == 200
    expect(page).to_have_title(re.compile("Daily Papers Digest"))

    first_card = page.locator("main article.paper-card").first
    paper_id = first_card.get_attribute("data-paper-id")
    title = first_card.locator(".paper-card-title a").inner_text()
    first_card.locator(".paper-card-title a").click()

    expect(page).to_have_url(f"{sample_site.base_url}papers/{paper_id}/")
    expect(page.locator("h1.paper-title")).to_have_text(title)
    tag_link = page.locator("header.paper-header a.tag").first
    tag_name = tag_link.inner_text()
    tag_link.click()

    expect(page).to_have_url(re.compile(re.escape(f"{sample_site.base_url}tags/") + r"[a-z0-9-]+/$"))
    expect(page.locator("main h1")).to_contain_text(tag_name)
    listed = page.locator(f'main article.paper-card[data-paper-id="{paper_id}"]')
    expect(listed).to_have_count(1)
    expect(listed.locator(".paper-card-title a")).to_have_text(title)
    assert page.page_errors == []
