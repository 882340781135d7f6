"""Plan stage: every HTML page of the site, with its template and its context.

The plan is the dependency map: a page's context holds exactly the data it
shows, so its fingerprint (a hash of the context and of the templates) changes
exactly when the page would. A full build renders every page; a warm build or
the preview server renders only pages whose fingerprint changed. One mechanism
for both (Lektor's source -> artifact table, without its ambient context).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields
from typing import Any, Iterator

from .citations import Citation
from .related import RelatedMatch
from .site import Site
from .urls import Urls, output_path
from .views import Link, PaperView


@dataclass(frozen=True)
class FeedLink:
    title: str
    type: str
    url: str


@dataclass(frozen=True)
class Assets:
    stylesheet: str
    app_script: str
    search_script: str
    lunr_script: str
    search_root: str


@dataclass(frozen=True)
class SiteInfo:
    title: str
    description: str
    language: str
    curator: str
    base: str
    home_url: str
    nav: tuple[Link, ...]
    assets: Assets
    feeds: tuple[FeedLink, ...]
    newsletter_url: str
    opml_url: str
    generator: str
    live_reload: bool = False


@dataclass(frozen=True)
class PageMeta:
    kind: str
    title: str
    url: str
    canonical: str
    description: str
    feeds: tuple[FeedLink, ...] = ()
    """Feeds of this page beyond the site-wide ones (a tag's own feeds)."""


@dataclass(frozen=True)
class DaySummary:
    date: dt.date
    url: str
    count: int


@dataclass(frozen=True)
class Month:
    label: str
    days: tuple[DaySummary, ...]
    count: int


@dataclass(frozen=True)
class Pagination:
    number: int
    total: int
    previous: str | None
    next: str | None
    pages: tuple[Link, ...]


@dataclass(frozen=True)
class CountedLink:
    label: str
    url: str
    count: int


@dataclass(frozen=True)
class PageContext:
    site: SiteInfo
    page: PageMeta


@dataclass(frozen=True)
class HomeContext(PageContext):
    day: DaySummary | None
    papers: tuple[PaperView, ...]
    earlier_days: tuple[DaySummary, ...]
    intro_html: str = ""


@dataclass(frozen=True)
class DayContext(PageContext):
    day: DaySummary
    papers: tuple[PaperView, ...]
    newer: DaySummary | None
    older: DaySummary | None
    intro_html: str = ""


@dataclass(frozen=True)
class ArchiveContext(PageContext):
    months: tuple[Month, ...]
    total_papers: int


@dataclass(frozen=True)
class RelatedPaper:
    paper: PaperView
    terms: tuple[str, ...]
    """The shared terms that explain the match."""


@dataclass(frozen=True)
class PaperContext(PageContext):
    paper: PaperView
    previous: PaperView | None
    next: PaperView | None
    day: DaySummary
    related: tuple[RelatedPaper, ...] = ()
    citation: Citation | None = None


@dataclass(frozen=True)
class IndexContext(PageContext):
    """The tags index and the authors index."""

    entries: tuple[CountedLink, ...]


@dataclass(frozen=True)
class ListingContext(PageContext):
    """A tag's or an author's papers, one page of them."""

    name: str
    description: str
    total: int
    papers: tuple[PaperView, ...]
    pagination: Pagination


@dataclass(frozen=True)
class PlannedPage:
    path: str
    """Output file, relative to output/ (`papers/x/index.html`)."""
    template: str
    context: PageContext

    def template_variables(self) -> dict[str, Any]:
        # A shallow view of the context: templates see plain fields, never the build.
        return {f.name: getattr(self.context, f.name) for f in fields(self.context)}


MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def day_summary(site: Site, urls: Urls, index: int) -> DaySummary:
    day = site.days[index]
    return DaySummary(day.date, urls.day(day.date), len(day.papers))


def format_day(date: dt.date) -> str:
    return f"{MONTHS[date.month - 1]} {date.day}, {date.year}"


def plan_pages(site: Site, urls: Urls, info: SiteInfo, views: dict[str, PaperView], intros: dict[str, str],
               related: dict[str, tuple[RelatedMatch, ...]] | None = None,
               citations: dict[str, Citation] | None = None) -> list[PlannedPage]:
    """Every HTML page, in a stable order."""
    return list(_plan(site, urls, info, views, intros, related or {}, citations or {}))


def _meta(urls: Urls, kind: str, title: str, path: str, description: str = "", feeds: tuple[FeedLink, ...] = ()) -> PageMeta:
    url = urls.page(path)
    return PageMeta(kind, title, url, urls.absolute(url), description, feeds)


def _plan(site: Site, urls: Urls, info: SiteInfo, views: dict[str, PaperView], intros: dict[str, str],
          related: dict[str, tuple[RelatedMatch, ...]], citations: dict[str, Citation]) -> Iterator[PlannedPage]:
    config = site.config
    summaries = [day_summary(site, urls, i) for i in range(len(site.days))]

    latest = site.days[0] if site.days else None
    yield PlannedPage("index.html", "home.html", HomeContext(
        info, _meta(urls, "home", config.title, "", config.description),
        day=summaries[0] if summaries else None,
        papers=tuple(views[p.id] for p in latest.papers) if latest else (),
        earlier_days=tuple(summaries[1:15]),
        intro_html=intros.get(latest.key, "") if latest else "",
    ))

    for index, day in enumerate(site.days):
        summary = summaries[index]
        path = f"digest/{day.key}/"
        yield PlannedPage(output_path(path), "day.html", DayContext(
            info, _meta(urls, "day", f"Papers of {format_day(day.date)}", path,
                        f"{len(day.papers)} papers in {config.title} on {format_day(day.date)}."),
            day=summary,
            papers=tuple(views[p.id] for p in day.papers),
            newer=summaries[index - 1] if index > 0 else None,
            older=summaries[index + 1] if index + 1 < len(summaries) else None,
            intro_html=intros.get(day.key, ""),
        ))
        for position, paper in enumerate(day.papers):
            view = views[paper.id]
            paper_path = f"papers/{paper.slug}/"
            yield PlannedPage(output_path(paper_path), "paper.html", PaperContext(
                info, _meta(urls, "paper", view.title_text, paper_path, _description(view.abstract_text)),
                paper=view,
                previous=views[day.papers[position - 1].id] if position > 0 else None,
                next=views[day.papers[position + 1].id] if position + 1 < len(day.papers) else None,
                day=summary,
                related=tuple(RelatedPaper(views[match.paper_id], match.terms) for match in related.get(paper.id, ())),
                citation=citations.get(paper.id),
            ))

    months: dict[tuple[int, int], list[DaySummary]] = {}
    for summary in summaries:
        months.setdefault((summary.date.year, summary.date.month), []).append(summary)
    yield PlannedPage("archive/index.html", "archive.html", ArchiveContext(
        info, _meta(urls, "archive", "Archive", "archive/", f"Every digest day of {config.title}."),
        months=tuple(Month(f"{MONTHS[m - 1]} {y}", tuple(days), sum(d.count for d in days)) for (y, m), days in months.items()),
        total_papers=len(site.papers),
    ))

    yield PlannedPage("tags/index.html", "tags.html", IndexContext(
        info, _meta(urls, "tags", "Tags", "tags/", f"Topics of {config.title}."),
        entries=tuple(CountedLink(tag.name, urls.tag(tag.slug), len(tag.papers)) for tag in site.tags),
    ))
    for tag in site.tags:
        feeds = (FeedLink(f"{config.title}: {tag.name} (RSS)", "application/rss+xml", urls.page(f"tags/{tag.slug}/feed.xml")),
                 FeedLink(f"{config.title}: {tag.name} (Atom)", "application/atom+xml", urls.page(f"tags/{tag.slug}/atom.xml")))
        yield from _listing(urls, info, views, "tag", tag.name, tag.description, tag.papers,
                            lambda n, slug=tag.slug: urls.tag(slug, n), f"tags/{tag.slug}/",
                            config.papers_per_page, f"Papers tagged “{tag.name}”", feeds)

    yield PlannedPage("authors/index.html", "authors.html", IndexContext(
        info, _meta(urls, "authors", "Authors", "authors/", f"Authors of the papers in {config.title}."),
        entries=tuple(CountedLink(author.name, urls.author(author.slug), len(author.papers)) for author in site.authors),
    ))
    for author in site.authors:
        yield from _listing(urls, info, views, "author", author.name, "", author.papers,
                            lambda n, slug=author.slug: urls.author(slug, n), f"authors/{author.slug}/",
                            config.papers_per_page, f"Papers by {author.name}", ())

    yield PlannedPage("search/index.html", "search.html", PageContext(
        info, _meta(urls, "search", "Search", "search/", f"Search the papers of {config.title}.")))
    # The reading list is kept in the browser (issue 10): the page is a frame app.js fills.
    yield PlannedPage("starred/index.html", "starred.html", PageContext(
        info, _meta(urls, "starred", "Starred papers", "starred/", "Papers you starred, kept in this browser.")))
    yield PlannedPage("404.html", "404.html", PageContext(
        info, _meta(urls, "404", "Page not found", "404.html")))


def _listing(urls: Urls, info: SiteInfo, views: dict[str, PaperView], kind: str, name: str, description: str,
             papers: tuple, page_url: Any, base_path: str, per_page: int, title: str,
             feeds: tuple[FeedLink, ...]) -> Iterator[PlannedPage]:
    total_pages = max(1, math.ceil(len(papers) / per_page))
    links = tuple(Link(str(n), page_url(n)) for n in range(1, total_pages + 1))
    for number in range(1, total_pages + 1):
        path = base_path + (f"page/{number}/" if number > 1 else "")
        chunk = papers[(number - 1) * per_page: number * per_page]
        page_title = title if number == 1 else f"{title} (page {number} of {total_pages})"
        yield PlannedPage(output_path(path), f"{kind}.html", ListingContext(
            info, _meta(urls, kind, page_title, path, description or f"{title}: {len(papers)} in all.", feeds),
            name=name, description=description, total=len(papers),
            papers=tuple(views[p.id] for p in chunk),
            pagination=Pagination(number, total_pages,
                                  page_url(number - 1) if number > 1 else None,
                                  page_url(number + 1) if number < total_pages else None,
                                  links),
        ))


def _description(text: str, limit: int = 200) -> str:
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit].rsplit(" ", 1)[0]
    return cut + "…"
