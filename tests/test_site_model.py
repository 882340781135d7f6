"""The site model: days, their order, tags, authors, and pagination of the pages built from them."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

import lxml.html
import pytest

from generator.config import SiteConfig, TagConfig
from generator.ids import paper_slug
from generator.pipeline import BuildOptions, build
from generator.plan import shown_page_numbers
from generator.records import Paper
from generator.site import build_site
from tests.nu_checker import nu_errors

CONFIG = SiteConfig(title="T", base_url="https://example.org/")


def paper(paper_id: str, day: str = "2025-03-12", *, title: str | None = None, upvotes: int | None = None,
          tags: tuple[str, ...] = (), authors: tuple[str, ...] = ()) -> Paper:
    slug = paper_slug(paper_id)
    return Paper(id=paper_id, slug=slug, title=title or f"Paper {paper_id}", authors=authors, abstract="",
                 day=dt.date.fromisoformat(day), tags=tags, notes="", source=f"content/papers/{slug}.md",
                 content_hash=slug, upvotes=upvotes)


def model(papers: list[Paper], **config: object):  # type: ignore[no-untyped-def]
    site, errors = build_site(dataclasses.replace(CONFIG, **config), papers)
    assert errors == []
    assert site is not None
    return site


def test_days_are_newest_first_and_each_holds_its_papers() -> None:
    site = model([paper("2503.10000", "2025-03-12"), paper("2406.00001", "2024-06-01"), paper("2503.10001", "2025-03-12"),
                  paper("2607.00001", "2026-07-15")])
    assert [day.key for day in site.days] == ["2026-07-15", "2025-03-12", "2024-06-01"]
    assert site.latest_day is site.days[0]
    assert {p.id for p in site.days[1].papers} == {"2503.10000", "2503.10001"}
    assert list(site.papers) == ["2607.00001", "2503.10000", "2503.10001", "2406.00001"]


@pytest.mark.parametrize(("order", "expected"), [
    ("upvotes", ["banana", "cherry", "apple"]),  # most upvotes first, ties by title
    ("title", ["apple", "banana", "cherry"]),
    ("file", ["cherry", "banana", "apple"]),  # file name = id order
])
def test_day_order(order: str, expected: list[str]) -> None:
    papers = [paper("2503.10002", title="apple", upvotes=1), paper("2503.10001", title="banana", upvotes=9),
              paper("2503.10000", title="cherry", upvotes=9)]
    site = model(papers, day_order=order)
    assert [p.title for p in site.days[0].papers] == expected


def test_tags_merge_by_casefold_and_keep_the_first_spelling() -> None:
    site = model([paper("2503.10000", tags=("LLM",)), paper("2503.10001", tags=("llm", "Straße")),
                  paper("2503.10002", tags=("STRASSE", "straße"))])
    assert [(t.name, t.slug, [p.id for p in t.papers]) for t in site.tags] == [
        ("LLM", "llm", ["2503.10000", "2503.10001"]), ("Straße", "strasse", ["2503.10001", "2503.10002"])]
    assert site.papers["2503.10002"].tags == ("Straße",)  # one tag, not two spellings of it


def test_tag_aliases_and_descriptions_apply() -> None:
    site = model([paper("2503.10000", tags=("VLM",)), paper("2503.10001", tags=("vision-language",))],
                 tags=TagConfig(aliases={"vlm": "vision-language"}, descriptions={"Vision-Language": "Images and text."}))
    assert [(t.name, len(t.papers), t.description) for t in site.tags] == [("vision-language", 2, "Images and text.")]


def test_tag_papers_are_newest_first() -> None:
    site = model([paper("2406.00001", "2024-06-01", tags=("llm",)), paper("2607.00001", "2026-07-15", tags=("llm",)),
                  paper("2503.10000", "2025-03-12", tags=("llm",))])
    assert [p.id for p in site.tags[0].papers] == ["2607.00001", "2503.10000", "2406.00001"]


def test_tag_slug_collision_is_an_error_naming_both_files() -> None:
    site, errors = build_site(CONFIG, [paper("2503.10000", tags=("Vision Language",)), paper("2503.10001", tags=("vision-language",))])
    assert site is None
    assert [str(e) for e in errors] == [
        "content/papers/2503.10001.md: tags: the tag `vision-language` has the same URL slug `vision-language` as the tag "
        "`Vision Language` in `content/papers/2503.10000.md`"
        "\n    hint: use one spelling, or declare one as an alias in site.toml `[tags.aliases]`"]


def test_authors_are_grouped_by_slug_under_their_most_frequent_spelling() -> None:
    site = model([paper("2503.10000", authors=("José García", "Ada Lovelace")), paper("2503.10001", authors=("Jose Garcia",)),
                  paper("2503.10002", "2025-03-13", authors=("José García",))])
    assert [(a.name, a.slug, [p.id for p in a.papers]) for a in site.authors] == [
        ("Ada Lovelace", "ada-lovelace", ["2503.10000"]),
        ("José García", "jose-garcia", ["2503.10002", "2503.10000", "2503.10001"]),
    ]
    assert site.author_slugs == {"José García": "jose-garcia", "Ada Lovelace": "ada-lovelace", "Jose Garcia": "jose-garcia"}


def test_a_paper_listing_an_author_twice_is_counted_once() -> None:
    site = model([paper("2503.10000", authors=("Ada Lovelace", "Ada Lovelace"))])
    assert [(a.name, len(a.papers)) for a in site.authors] == [("Ada Lovelace", 1)]


# --- pagination, on real output -----------------------------------------------------------------------

RECORD = """---
id: "{id}"
title: "Paper {n}"
authors: ["Ada Lovelace"]
abstract: "Abstract {n}."
date: {date}
tags: ["llm"]
---
"""


def card_ids(page: Path) -> list[str]:
    return lxml.html.parse(str(page)).getroot().xpath("//main//article[@class='paper-card']/@data-paper-id")


def build_listing(tmp_path: Path, papers: int, per_page: int, base_url: str) -> Path:
    """The output of a site of `papers` papers, one a day from 2025-03-01, all by one author with one tag."""
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    (content / "site.toml").write_text(f'title = "T"\nbase_url = "{base_url}"\npapers_per_page = {per_page}\n')
    for n in range(papers):
        paper_id = f"2503.100{n:02d}"
        (content / "papers" / f"{paper_id}.md").write_text(RECORD.format(id=paper_id, n=n, date=f"2025-03-{n + 1:02d}"))
    output = tmp_path / "out"
    build(BuildOptions(content_dir=content, output_dir=output))
    return output


def test_tag_and_author_pages_are_paginated(tmp_path: Path) -> None:
    output = build_listing(tmp_path, 5, 2, "https://example.org/sub/")

    for listing in ("tags/llm", "authors/ada-lovelace"):
        pages = [output / listing / "index.html", output / listing / "page/2/index.html", output / listing / "page/3/index.html"]
        assert [card_ids(page) for page in pages] == [["2503.10004", "2503.10003"], ["2503.10002", "2503.10001"], ["2503.10000"]]
        assert not (output / listing / "page/4").exists()
        assert not (output / listing / "page/1").exists()  # page 1 is the listing itself
        second = lxml.html.parse(str(pages[1])).getroot()
        assert second.xpath("//nav[@class='pagination']/a[@rel='prev']/@href") == [f"/sub/{listing}/"]
        assert second.xpath("//nav[@class='pagination']/a[@rel='next']/@href") == [f"/sub/{listing}/page/3/"]
        assert second.xpath("//nav[@class='pagination']//span[@aria-current='page']/text()") == ["2"]
        assert re.search(r"\(page 2 of 3\)", second.findtext(".//title"))


def test_a_long_listing_links_its_ends_and_the_pages_around_the_current_one(tmp_path: Path) -> None:
    output = build_listing(tmp_path, 20, 1, "https://example.org/")

    tenth = lxml.html.parse(str(output / "tags/llm/page/10/index.html")).getroot()
    items = [item.text_content().strip() for item in tenth.xpath("//nav[@class='pagination']/ul/li")]
    assert items == ["1", "2", "…", "7", "8", "9", "10", "11", "12", "13", "…", "19", "20"]
    links = tenth.xpath("//nav[@class='pagination']/ul/li/a/@href")
    assert links[:2] == ["/tags/llm/", "/tags/llm/page/2/"] and links[-1] == "/tags/llm/page/20/"
    assert tenth.xpath("//nav[@class='pagination']//span[@aria-current='page']/text()") == ["10"]
    assert nu_errors([output / "tags/llm/page/10/index.html"]) == []


@pytest.mark.parametrize(("number", "total", "shown"), [
    (1, 1, [1]),
    (5, 11, list(range(1, 12))),  # few pages: all of them
    (1, 12, [1, 2, 3, 4, None, 11, 12]),
    (5, 12, [1, 2, 3, 4, 5, 6, 7, 8, None, 11, 12]),
    (6, 12, list(range(1, 13))),  # a single page left out shows as itself
    (120, 240, [1, 2, None, 117, 118, 119, 120, 121, 122, 123, None, 239, 240]),
    (240, 240, [1, 2, None, 237, 238, 239, 240]),
])
def test_shown_page_numbers(number: int, total: int, shown: list[int | None]) -> None:
    assert shown_page_numbers(number, total) == shown
