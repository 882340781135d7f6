"""What the pages show, asserted on built output: the sample site and a small hostile one."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import lxml.html
import pytest

from generator.pipeline import BuildOptions, build
from tests.conftest import BuiltSite

SEED_DAY = "2025-03-12"


def parse(path: Path) -> lxml.html.HtmlElement:
    return lxml.html.parse(str(path)).getroot()


def paper_page(site: BuiltSite | Path, slug: str) -> lxml.html.HtmlElement:
    output: Path = getattr(site, "output", site)
    return parse(output / "papers" / slug / "index.html")


# --- the sample ------------------------------------------------------------------------------------------

def test_paper_page_links_each_author_to_their_page(sample_site: BuiltSite) -> None:
    page = paper_page(sample_site, "2607.11111")
    authors = [(a.text, a.get("href")) for a in page.xpath("//p[@class='paper-authors']/a")]
    assert authors[:2] == [("Haotian Lin", "/digest/authors/haotian-lin/"), ("Silin Chen", "/digest/authors/silin-chen/")]
    assert len(authors) == 11
    author_page = parse(sample_site.output / "authors/haotian-lin/index.html")
    assert author_page.xpath("//main//article/@data-paper-id") == ["2607.11111"]
    assert author_page.findtext(".//h1").startswith("Haotian Lin")


def test_paper_page_shows_title_day_tags_and_abstract(sample_site: BuiltSite) -> None:
    page = paper_page(sample_site, "2607.11111")
    assert page.xpath("string(//h1[@class='paper-title'])") == (
        "Know Before Fix: QA-Driven Repository Knowledge Acquisition for Software Issue Resolution")
    assert page.xpath("//p[@class='paper-day-line']/a/@href") == ["/digest/digest/2026-07-15/"]
    assert page.xpath("//p[@class='paper-day-line']/a/time/@datetime") == ["2026-07-15"]
    assert [(a.text, a.get("href")) for a in page.xpath("//header[@class='paper-header']//a[@class='tag']")] == [
        ("code", "/digest/tags/code/"), ("agents", "/digest/tags/agents/"), ("llm", "/digest/tags/llm/")]
    assert page.xpath("string(//section[@aria-labelledby='abstract-heading']//p)").startswith("LLM-based coding agents")


def test_seed_papers_without_authors_read_well(sample_site: BuiltSite) -> None:
    slug = "a-general-purpose-self-supervised-model-for-computational-pathology"
    page = paper_page(sample_site, slug)
    assert page.xpath("//p[@class='paper-authors']") == []
    assert page.xpath("//ul[@class='paper-links']//a[@class='link-arxiv']") == []  # no arXiv id: no invented arXiv link
    assert "arxiv.org" not in (sample_site.output / "papers" / slug / "index.html").read_text(encoding="utf-8")


def test_previous_and_next_follow_the_days_order(sample_site: BuiltSite) -> None:
    day = parse(sample_site.output / "digest" / SEED_DAY / "index.html")
    order = day.xpath("//main//article[@class='paper-card']/@data-paper-id")
    assert len(order) == 101
    for position, slug in enumerate(order):
        page = paper_page(sample_site, slug)
        previous = page.xpath("//nav[@class='paper-nav']/a[@rel='prev']/@href")
        following = page.xpath("//nav[@class='paper-nav']/a[@rel='next']/@href")
        assert previous == ([f"/digest/papers/{order[position - 1]}/"] if position > 0 else []), slug
        assert following == ([f"/digest/papers/{order[position + 1]}/"] if position + 1 < len(order) else []), slug


def test_day_pages_link_newer_and_older_days(sample_site: BuiltSite) -> None:
    day = parse(sample_site.output / "digest" / "2025-07-16" / "index.html")
    assert day.xpath("//nav[@class='day-nav']/a[@rel='next']/@href") == ["/digest/digest/2026-07-15/"]
    assert day.xpath("//nav[@class='day-nav']/a[@rel='prev']/@href") == [f"/digest/digest/{SEED_DAY}/"]


def test_tags_index_lists_every_tag_with_its_count(sample_site: BuiltSite) -> None:
    index = parse(sample_site.output / "tags/index.html")
    for item in index.xpath("//ul[@class='tag-cloud']/li"):
        slug = item.xpath("a/@href")[0].removeprefix("/digest/tags/").strip("/")
        count = int(item.xpath("string(span[@class='count'])"))
        listing = parse(sample_site.output / "tags" / slug / "index.html")
        assert len(listing.xpath("//main//article[@class='paper-card']")) == min(count, 50), slug


# --- a small site of awkward and hostile records -----------------------------------------------------------

HOSTILE = '<script>alert(1)</script><img src=x onerror=alert(2)> & "quoted"'

RECORDS = {
    "2503.10000": f"""---
id: "2503.10000"
title: 'Attention {HOSTILE}'
authors: ['Eve <b onmouseover=alert(3)>Evil</b>', "Ada Lovelace"]
abstract: 'An abstract with {HOSTILE} and a [link](javascript:alert(4)).'
date: 2025-03-12
tags: ['x"><script>alert(5)</script>']
upvotes: 10
---
Notes with <iframe src="https://evil.example/"></iframe> and {HOSTILE}.
""",
    "2503.10001": """---
id: "2503.10001"
title: "The second paper"
authors: ["Ada Lovelace"]
abstract: "Plain."
date: 2025-03-12
tags: ["llm"]
upvotes: 5
---
""",
    "hep-th-9901001": """---
id: "hep-th/9901001"
title: "An old-style id"
authors: []
abstract: ""
date: 2025-03-12
tags: []
---
""",
}


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    content = tmp_path_factory.mktemp("hostile") / "content"
    (content / "papers").mkdir(parents=True)
    (content / "site.toml").write_text('title = "Digest <b>x</b>"\nbase_url = "https://example.org/sub/"\nday_order = "upvotes"\n')
    for name, text in RECORDS.items():
        (content / "papers" / f"{name}.md").write_text(text, encoding="utf-8")
    output = content.parent / "output"
    build(BuildOptions(content_dir=content, output_dir=output))
    yield output


def test_arxiv_and_pdf_links_are_derived_from_the_id(hostile_site: Path) -> None:
    links = paper_page(hostile_site, "2503.10001").xpath("//ul[@class='paper-links']//a")
    assert [(a.text, a.get("href")) for a in links] == [
        ("arXiv", "https://arxiv.org/abs/2503.10001"), ("PDF", "https://arxiv.org/pdf/2503.10001")]
    old = paper_page(hostile_site, "hep-th-9901001").xpath("//ul[@class='paper-links']//a/@href")
    assert old == ["https://arxiv.org/abs/hep-th/9901001", "https://arxiv.org/pdf/hep-th/9901001"]


def test_hostile_title_is_shown_as_text(hostile_site: Path) -> None:
    page = paper_page(hostile_site, "2503.10000")
    assert page.xpath("string(//h1[@class='paper-title'])") == f"Attention {HOSTILE}"
    assert page.findtext(".//title") == f"Attention {HOSTILE} · Digest <b>x</b>"
    assert page.xpath("//meta[@name='description']/@content")[0].startswith(f"An abstract with {HOSTILE}")
    next_link = paper_page(hostile_site, "2503.10001").xpath("//nav[@class='paper-nav']/a[@rel='prev']")[0]
    assert next_link.text_content() == f"Previous Attention {HOSTILE}"


def test_hostile_author_and_tag_are_text_with_safe_slugs(hostile_site: Path) -> None:
    page = paper_page(hostile_site, "2503.10000")
    authors = [(a.text_content(), a.get("href")) for a in page.xpath("//p[@class='paper-authors']/a")]
    assert authors == [("Eve <b onmouseover=alert(3)>Evil</b>", "/sub/authors/eve-b-onmouseover-alert-3-evil-b/"),
                       ("Ada Lovelace", "/sub/authors/ada-lovelace/")]
    tags = [(a.text_content(), a.get("href")) for a in page.xpath("//header//a[@class='tag']")]
    assert tags == [('x"><script>alert(5)</script>', "/sub/tags/x-script-alert-5-script/")]


def test_no_record_text_becomes_markup_anywhere(hostile_site: Path) -> None:
    pages = sorted(hostile_site.rglob("*.html"))
    assert len(pages) > 8
    for path in pages:
        root = parse(path)
        scripts = root.xpath("//script")
        assert all(s.get("src", "").startswith("/sub/") and not (s.text or "").strip() for s in scripts
                   if s.get("type") != "application/ld+json"), path
        assert root.xpath("//iframe | //img[@onerror] | //b | //*[@onmouseover] | //*[@onerror]") == [], path
        assert [href for href in root.xpath("//a/@href") if href.lower().startswith("javascript:")] == [], path
