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
from dataclasses import fields
from typing import Any, Callable, Iterator

from .citations import Citation, short_description
from .frozen import frozen
from .related import RelatedMatch
from .site import Author, Site, Tag
from .urls import Urls, output_path
from .views import Link, PaperView


@frozen
class FeedLink:
    title: str
    type: str
    url: str


@frozen
class Assets:
    stylesheet: str
    app_script: str
    search_script: str
    lunr_script: str
    search_root: str


@frozen
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


@frozen
class PageMeta:
    kind: str
    title: str
    url: str
    canonical: str
    description: str
    feeds: tuple[FeedLink, ...] = ()
    """Feeds of this page beyond the site-wide ones (a tag's own feeds)."""


@frozen
class DaySummary:
    date: dt.date
    url: str
    count: int


@frozen
class Month:
    label: str
    days: tuple[DaySummary, ...]
    count: int


@frozen
class PageLink:
    number: int
    url: str


@frozen
class Pagination:
    number: int
    total: int
    previous: str | None
    next: str | None
    pages: tuple[PageLink | None, ...]
    """The pages linked from this one (see `shown_page_numbers`), None where a run of pages is left out."""


PAGES_AT_ENDS = 2
PAGES_AROUND = 3


def shown_page_numbers(number: int, total: int, around: int = PAGES_AROUND, ends: int = PAGES_AT_ENDS) -> list[int | None]:
    """The pages a listing's page `number` links to: every page when there are few; else the first
    and last `ends`, `around` on each side of this one, and None for each run of pages left out.

    A tag of 12,000 papers has 240 pages: linking each from each puts 57,600 links in its
    pages, which no reader scans. In the bench corpus at 100,000 papers they were 227 MB of
    the tag pages' 636 MB.
    """
    if total <= 2 * (around + ends) + 1:
        return list(range(1, total + 1))
    kept = {*range(1, ends + 1), *range(max(1, number - around), min(total, number + around) + 1),
            *range(total - ends + 1, total + 1)}
    shown: list[int | None] = []
    last = 0
    for page in sorted(kept):
        if page == last + 2:  # one page left out: a link takes no more room than the gap would
            shown.append(last + 1)
        elif page > last + 2:
            shown.append(None)
        shown.append(page)
        last = page
    return shown


@frozen
class CountedLink:
    label: str
    url: str
    count: int


@frozen
class PageContext:
    site: SiteInfo
    page: PageMeta


@frozen
class HomeContext(PageContext):
    day: DaySummary | None
    papers: tuple[PaperView, ...]
    earlier_days: tuple[DaySummary, ...]
    intro_html: str = ""


@frozen
class DayContext(PageContext):
    day: DaySummary
    papers: tuple[PaperView, ...]
    newer: DaySummary | None
    older: DaySummary | None
    intro_html: str = ""


@frozen
class ArchiveContext(PageContext):
    months: tuple[Month, ...]
    total_papers: int


@frozen
class RelatedPaper:
    paper: PaperView
    terms: tuple[str, ...]
    """The shared terms that explain the match."""


@frozen
class PaperContext(PageContext):
    paper: PaperView
    previous: PaperView | None
    next: PaperView | None
    day: DaySummary
    related: tuple[RelatedPaper, ...] = ()
    citation: Citation | None = None


@frozen
class IndexContext(PageContext):
    """The tags index and the authors index."""

    entries: tuple[CountedLink, ...]


@frozen
class ListingContext(PageContext):
    """A tag's or an author's papers, one page of them."""

    name: str
    description: str
    total: int
    papers: tuple[PaperView, ...]
    pagination: Pagination


@frozen
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
    return list(Planner(site, urls, info, views, intros, related or {}, citations or {}).every_page())


class Planner:
    """Plans the site's pages, all of them or one group at a time.

    The groups (a day with its papers' pages, a tag's listing, an author's) are
    what the preview's fast path plans again when one record's text changes.
    """

    def __init__(self, site: Site, urls: Urls, info: SiteInfo, views: dict[str, PaperView], intros: dict[str, str],
                 related: dict[str, tuple[RelatedMatch, ...]], citations: dict[str, Citation]) -> None:
        self.site, self.urls, self.info, self.views = site, urls, info, views
        self.intros, self.related, self.citations = intros, related, citations
        self.summaries = [day_summary(site, urls, i) for i in range(len(site.days))]

    def every_page(self) -> Iterator[PlannedPage]:
        site = self.site
        yield self.home()
        for index in range(len(site.days)):
            yield from self.day(index)
        yield self.archive()
        yield self.tags_index()
        for tag in site.tags:
            yield from self.tag(tag)
        yield self.authors_index()
        for author in site.authors:
            yield from self.author(author)
        yield from self.fixed_pages()

    def home(self) -> PlannedPage:
        config, latest = self.site.config, self.site.latest_day
        return PlannedPage("index.html", "home.html", HomeContext(
            self.info, _meta(self.urls, "home", config.title, "", config.description),
            day=self.summaries[0] if self.summaries else None,
            papers=tuple(self.views[p.id] for p in latest.papers) if latest else (),
            earlier_days=tuple(self.summaries[1:15]),
            intro_html=self.intros.get(latest.key, "") if latest else "",
        ))

    def day(self, index: int) -> Iterator[PlannedPage]:
        """The day's page, then the page of each of its papers."""
        day, summary, summaries = self.site.days[index], self.summaries[index], self.summaries
        path = f"digest/{day.key}/"
        yield PlannedPage(output_path(path), "day.html", DayContext(
            self.info, _meta(self.urls, "day", f"Papers of {format_day(day.date)}", path,
                             f"{len(day.papers)} papers in {self.site.config.title} on {format_day(day.date)}."),
            day=summary,
            papers=tuple(self.views[p.id] for p in day.papers),
            newer=summaries[index - 1] if index > 0 else None,
            older=summaries[index + 1] if index + 1 < len(summaries) else None,
            intro_html=self.intros.get(day.key, ""),
        ))
        for position in range(len(day.papers)):
            yield self.paper(index, position)

    def paper(self, day_index: int, position: int) -> PlannedPage:
        day, views = self.site.days[day_index], self.views
        paper = day.papers[position]
        view = views[paper.id]
        path = f"papers/{paper.slug}/"
        return PlannedPage(output_path(path), "paper.html", PaperContext(
            self.info, _meta(self.urls, "paper", view.title_text, path, short_description(view.abstract_text)),
            paper=view,
            previous=views[day.papers[position - 1].id] if position > 0 else None,
            next=views[day.papers[position + 1].id] if position + 1 < len(day.papers) else None,
            day=self.summaries[day_index],
            related=tuple(RelatedPaper(views[match.paper_id], match.terms) for match in self.related.get(paper.id, ())),
            citation=self.citations.get(paper.id),
        ))

    def archive(self) -> PlannedPage:
        months: dict[tuple[int, int], list[DaySummary]] = {}
        for summary in self.summaries:
            months.setdefault((summary.date.year, summary.date.month), []).append(summary)
        return PlannedPage("archive/index.html", "archive.html", ArchiveContext(
            self.info, _meta(self.urls, "archive", "Archive", "archive/", f"Every digest day of {self.site.config.title}."),
            months=tuple(Month(f"{MONTHS[m - 1]} {y}", tuple(days), sum(d.count for d in days))
                         for (y, m), days in months.items()),
            total_papers=len(self.site.papers),
        ))

    def tags_index(self) -> PlannedPage:
        urls = self.urls
        return PlannedPage("tags/index.html", "tags.html", IndexContext(
            self.info, _meta(urls, "tags", "Tags", "tags/", f"Topics of {self.site.config.title}."),
            entries=tuple(CountedLink(tag.name, urls.tag(tag.slug), len(tag.papers)) for tag in self.site.tags),
        ))

    def tag(self, tag: Tag) -> Iterator[PlannedPage]:
        urls, title = self.urls, self.site.config.title
        feeds = (FeedLink(f"{title}: {tag.name} (RSS)", "application/rss+xml", urls.page(f"tags/{tag.slug}/feed.xml")),
                 FeedLink(f"{title}: {tag.name} (Atom)", "application/atom+xml", urls.page(f"tags/{tag.slug}/atom.xml")))
        return self._listing("tag", tag.name, tag.description, tag.papers, lambda n: urls.tag(tag.slug, n),
                             f"tags/{tag.slug}/", f"Papers tagged “{tag.name}”", feeds)

    def authors_index(self) -> PlannedPage:
        urls = self.urls
        return PlannedPage("authors/index.html", "authors.html", IndexContext(
            self.info, _meta(urls, "authors", "Authors", "authors/", f"Authors of the papers in {self.site.config.title}."),
            entries=tuple(CountedLink(author.name, urls.author(author.slug), len(author.papers))
                          for author in self.site.authors),
        ))

    def author(self, author: Author) -> Iterator[PlannedPage]:
        urls = self.urls
        return self._listing("author", author.name, "", author.papers, lambda n: urls.author(author.slug, n),
                             f"authors/{author.slug}/", f"Papers by {author.name}", ())

    def fixed_pages(self) -> Iterator[PlannedPage]:
        info, urls, title = self.info, self.urls, self.site.config.title
        yield PlannedPage("search/index.html", "search.html", PageContext(
            info, _meta(urls, "search", "Search", "search/", f"Search the papers of {title}.")))
        # The reading list is kept in the browser (issue 10): the page is a frame app.js fills.
        yield PlannedPage("starred/index.html", "starred.html", PageContext(
            info, _meta(urls, "starred", "Starred papers", "starred/", "Papers you starred, kept in this browser.")))
        yield PlannedPage("404.html", "404.html", PageContext(info, _meta(urls, "404", "Page not found", "404.html")))

    def _listing(self, kind: str, name: str, description: str, papers: tuple, page_url: Callable[[int], str],
                 base_path: str, title: str, feeds: tuple[FeedLink, ...]) -> Iterator[PlannedPage]:
        per_page = self.site.config.papers_per_page
        total_pages = max(1, math.ceil(len(papers) / per_page))
        links = [PageLink(n, page_url(n)) for n in range(1, total_pages + 1)]
        for number in range(1, total_pages + 1):
            path = base_path + (f"page/{number}/" if number > 1 else "")
            chunk = papers[(number - 1) * per_page: number * per_page]
            page_title = title if number == 1 else f"{title} (page {number} of {total_pages})"
            yield PlannedPage(output_path(path), f"{kind}.html", ListingContext(
                self.info, _meta(self.urls, kind, page_title, path, description or f"{title}: {len(papers)} in all.", feeds),
                name=name, description=description, total=len(papers),
                papers=tuple(self.views[p.id] for p in chunk),
                pagination=Pagination(number, total_pages,
                                      page_url(number - 1) if number > 1 else None,
                                      page_url(number + 1) if number < total_pages else None,
                                      tuple(None if n is None else links[n - 1]
                                            for n in shown_page_numbers(number, total_pages))),
            ))


def _meta(urls: Urls, kind: str, title: str, path: str, description: str = "", feeds: tuple[FeedLink, ...] = ()) -> PageMeta:
    url = urls.page(path)
    return PageMeta(kind, title, url, urls.absolute(url), description, feeds)

