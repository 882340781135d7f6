"""Model stage: validated records into the site's structure (days, tags, authors).

Nothing here reads files or renders text: it only groups and orders papers and
gives every tag and author a stable, collision-free slug.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import field, replace

from .characters import fold
from .config import SiteConfig
from .errors import ContentError
from .frozen import frozen
from .ids import slugify
from .records import Paper, field_line


@frozen
class Tag:
    name: str
    slug: str
    papers: tuple[Paper, ...]
    """Newest digest day first."""
    description: str = ""


@frozen
class Author:
    name: str
    slug: str
    papers: tuple[Paper, ...]
    """Newest digest day first."""


@frozen
class Day:
    date: dt.date
    papers: tuple[Paper, ...]
    """In the day's reading order (config `day_order`)."""

    @property
    def key(self) -> str:
        return self.date.isoformat()


@frozen
class Site:
    config: SiteConfig
    papers: dict[str, Paper]
    """By id."""
    days: tuple[Day, ...]
    """Newest first."""
    tags: tuple[Tag, ...]
    """Alphabetical."""
    authors: tuple[Author, ...]
    """Alphabetical by slug."""
    tag_slugs: dict[str, str] = field(default_factory=dict)
    """Tag name -> slug, for every name a paper carries."""
    author_slugs: dict[str, str] = field(default_factory=dict)
    """Author name -> slug."""

    @property
    def latest_day(self) -> Day | None:
        return self.days[0] if self.days else None

    def day_of(self, paper: Paper) -> Day:
        return next(day for day in self.days if day.date == paper.day)


def _newest_key(paper: Paper) -> tuple[int, int, str, str]:
    return -paper.day.toordinal(), -(paper.upvotes or 0), paper.title.casefold(), paper.id


def newest_first(papers: list[Paper]) -> tuple[Paper, ...]:
    return tuple(sorted(papers, key=_newest_key))


def day_order_key(order: str):  # type: ignore[no-untyped-def]
    if order == "title":
        return lambda p: (p.title.casefold(), p.id)
    if order == "file":
        return lambda p: p.slug
    return lambda p: (-(p.upvotes or 0), p.title.casefold(), p.id)


def canonical_tags(papers: list[Paper], config: SiteConfig) -> tuple[list[Paper], list[ContentError]]:
    """Apply aliases and merge tags equal after casefold+NFC (the first spelling seen wins).

    Two different tags whose slugs coincide (`C++` and `c`) are an error naming both files.
    """
    aliases = {fold(k): v for k, v in config.tags.aliases.items()}
    spelling: dict[str, str] = {}
    slug_owner: dict[str, tuple[str, str]] = {}
    errors: list[ContentError] = []
    result: list[Paper] = []
    for paper in sorted(papers, key=lambda p: p.source):
        tags: list[str] = []
        for raw in paper.tags:
            name = aliases.get(fold(raw), raw)
            name = spelling.setdefault(fold(name), name)
            slug = slugify(name)
            if not slug:
                errors.append(ContentError(paper.source, field_line(paper.source, "tags"), "tags", f"the tag `{raw}` has no letters or digits to make a URL from"))
                continue
            owner = slug_owner.setdefault(slug, (name, paper.source))
            if owner[0] != name:
                errors.append(ContentError(paper.source, field_line(paper.source, "tags"), "tags",
                                           f"the tag `{name}` has the same URL slug `{slug}` as the tag `{owner[0]}` in `{owner[1]}`",
                                           "use one spelling, or declare one as an alias in site.toml `[tags.aliases]`"))
                continue
            if name not in tags:
                tags.append(name)
        result.append(replace(paper, tags=tuple(tags)) if tuple(tags) != paper.tags else paper)
    return result, errors


def build_site(config: SiteConfig, papers: list[Paper]) -> tuple[Site | None, list[ContentError]]:
    papers, errors = canonical_tags(papers, config)
    if errors:
        return None, errors

    by_day: dict[dt.date, list[Paper]] = {}
    by_tag: dict[str, list[Paper]] = {}
    for paper in papers:
        by_day.setdefault(paper.day, []).append(paper)
        for tag in paper.tags:
            by_tag.setdefault(tag, []).append(paper)

    order = day_order_key(config.day_order)
    days = tuple(Day(date, tuple(sorted(items, key=order))) for date, items in sorted(by_day.items(), reverse=True))
    descriptions = {fold(k): v for k, v in config.tags.descriptions.items()}
    tags = tuple(
        Tag(name, slugify(name), newest_first(items), descriptions.get(fold(name), ""))
        for name, items in sorted(by_tag.items(), key=lambda kv: (slugify(kv[0]), kv[0]))
    )
    authors, author_slugs = group_authors(papers)
    return Site(
        config=config,
        papers={paper.id: paper for paper in newest_first(papers)},
        days=days,
        tags=tags,
        authors=authors,
        tag_slugs={tag.name: tag.slug for tag in tags},
        author_slugs=author_slugs,
    ), []


def group_authors(papers: list[Paper]) -> tuple[tuple[Author, ...], dict[str, str]]:
    """One page per author slug.

    Author names come from imports, where one person is often spelt with and
    without accents (`José García`, `Jose Garcia`). Names that slug alike are
    taken as one person, shown under their most frequent spelling, so each
    slug has exactly one page and slugs never collide.
    """
    by_slug: dict[str, list[Paper]] = {}
    spellings: dict[str, Counter[str]] = {}
    author_slugs: dict[str, str] = {}
    for paper in papers:
        for name in dict.fromkeys(paper.authors):
            slug = slugify(name) or "unnamed"
            author_slugs[name] = slug
            by_slug.setdefault(slug, []).append(paper)
            spellings.setdefault(slug, Counter())[name] += 1
    authors = tuple(
        Author(spellings[slug].most_common(1)[0][0], slug, newest_first(items))
        for slug, items in sorted(by_slug.items())
    )
    return authors, author_slugs


def replace_paper(site: Site, paper: Paper) -> Site:
    """The site with a new version of one paper: same id, day, tags and authors, other text.

    The preview's fast path (`quick.py`) uses it to avoid modelling the whole
    site again; its lists are sorted again, since titles and upvotes order them.
    """
    old = site.papers[paper.id]
    papers = dict(site.papers)
    papers[paper.id] = paper
    if _newest_key(old) != _newest_key(paper):
        papers = {p.id: p for p in newest_first(list(papers.values()))}

    def swapped(items: tuple[Paper, ...]) -> list[Paper]:
        return [paper if p.id == paper.id else p for p in items]

    order = day_order_key(site.config.day_order)
    author_slugs = {site.author_slugs[name] for name in paper.authors}
    return replace(
        site, papers=papers,
        days=tuple(Day(day.date, tuple(sorted(swapped(day.papers), key=order))) if day.date == paper.day else day
                   for day in site.days),
        tags=tuple(replace(tag, papers=newest_first(swapped(tag.papers))) if tag.name in paper.tags else tag
                   for tag in site.tags),
        authors=tuple(replace(author, papers=newest_first(swapped(author.papers))) if author.slug in author_slugs else author
                      for author in site.authors),
    )
