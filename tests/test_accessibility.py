"""axe-core on every page kind of the sample site, in light and dark mode (issue 10).

axe-core comes from the repository's npm tools (package.json) and is injected into
each page by Playwright in Debian's Chromium. Only the WCAG 2.1 A and AA rules run:
a violation of any of them fails the test with the rule, the elements and axe's
explanation. The reader's state (two starred papers, one read, every home paper
new) is set through the pages' own buttons first, so the badges and pressed stars
are checked too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import ROOT, BuiltSite

pytestmark = pytest.mark.browser

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def first_dir(folder: Path) -> str:
    return sorted(p.name for p in folder.iterdir() if p.is_dir() and p.name != "page")[0]


def paper_with_math(site: BuiltSite) -> str:
    for page in sorted((site.output / "papers").glob("*/index.html")):
        if "<math" in page.read_text():
            return page.parent.name
    pytest.fail("the sample has no paper with a formula; the math check needs one")


def search_with_results(page: Any) -> None:
    page.fill("#search-q", "diffusion")
    page.wait_for_selector(".search-result")


def show_suggestions(page: Any) -> None:
    page.fill("#site-search-q", "diffusion")
    page.wait_for_selector(".site-search-suggestions li a")


def open_shortcuts(page: Any) -> None:
    page.keyboard.press("?")
    page.wait_for_selector("dialog.shortcuts[open]")


def page_kinds(site: BuiltSite) -> dict[str, tuple[str, Callable[[Any], None] | None]]:
    """Page kind -> (path under the site, what to do before the check)."""
    return {
        "home": ("", None),
        "home-shortcuts": ("", open_shortcuts),
        "home-suggestions": ("", show_suggestions),
        "day": ("digest/2025-07-16/", None),
        "archive": ("archive/", None),
        "paper": (f"papers/{paper_with_math(site)}/", None),
        "tags": ("tags/", None),
        "tag": (f"tags/{first_dir(site.output / 'tags')}/", None),
        "authors": ("authors/", None),
        "author": (f"authors/{first_dir(site.output / 'authors')}/", None),
        "search": ("search/", search_with_results),
        "starred": ("starred/", lambda page: page.wait_for_selector("#starred-list .paper-card")),
        "404": ("404.html", None),
    }


KINDS = ["home", "home-shortcuts", "home-suggestions", "day", "archive", "paper", "tags", "tag", "authors", "author",
         "search", "starred", "404"]


@pytest.fixture(scope="module", params=["light", "dark"])
def reader_context(request: pytest.FixtureRequest, browser: Any, sample_site: BuiltSite) -> Iterator[Any]:
    """A browser context in one colour scheme, with a reader's history in it."""
    if not AXE.is_file():
        pytest.fail(f"axe-core is missing at `{AXE}`: run `npm ci` in the repository (make test does)")
    context = browser.new_context(color_scheme=request.param)
    page = context.new_page()
    page.goto(sample_site.base_url)
    stars = page.locator(".paper-card .star-button")
    stars.nth(0).click()
    stars.nth(1).click()
    page.locator(".paper-card-title a").first.click()
    page.wait_for_selector("article.paper .star-button[aria-pressed='true']")
    # Forget what the home page showed, so its next visit marks every paper new.
    page.evaluate("""() => { for (const key of Object.keys(localStorage))
        if (key.endsWith(':seen')) localStorage.setItem(key, '[]'); }""")
    page.close()
    yield context
    context.close()


def describe(violations: list[dict[str, Any]]) -> str:
    lines = []
    for violation in violations:
        lines.append(f"{violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"  {' '.join(map(str, node['target']))}: {node['failureSummary'].splitlines()[-1].strip()}")
            lines.append(f"    {node['html'][:160]}")
    return "\n".join(lines)


@pytest.mark.parametrize("kind", KINDS)
def test_page_kind_has_no_wcag_violations(kind: str, reader_context: Any, sample_site: BuiltSite) -> None:
    path, prepare = page_kinds(sample_site)[kind]
    page = reader_context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        page.goto(sample_site.base_url + path)
        page.wait_for_load_state("load")
        if prepare:
            prepare(page)
        if kind == "home":
            page.wait_for_selector(".paper-card.is-new .badge-new")
        page.add_script_tag(path=str(AXE))
        result = page.evaluate(
            "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
            WCAG_21_AA,
        )
        assert result["violations"] == [], describe(result["violations"])
        assert errors == []
    finally:
        page.close()


def test_math_has_a_text_alternative(sample_site: BuiltSite) -> None:
    html = (sample_site.output / "papers" / paper_with_math(sample_site) / "index.html").read_text()
    tags = re.findall(r"<math\b[^>]*>", html)
    assert tags
    assert all(re.search(r'\balttext="[^"]+"', tag) for tag in tags), tags
