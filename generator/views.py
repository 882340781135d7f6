"""Plain data for templates: records with their Markdown rendered and URLs resolved.

A `PaperView` is made once per paper and shared by every page that shows the
paper (its own page, day, tags, authors, feeds). Rendering Markdown and math is
the expensive part of a build, so `RenderedPaper` is what the cache keeps,
keyed by the record's content hash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import pickle
from collections.abc import Callable, Iterable, Mapping
from urllib.parse import quote

from .frozen import frozen
from .ids import is_arxiv_id
from .markdown import MarkdownRenderer
from .records import Paper
from .site import Site
from .urls import Urls

logger = logging.getLogger(__name__)


@frozen
class Link:
    label: str
    url: str


@frozen
class ExternalLink:
    kind: str
    """The record's link name (`code`, `pdf`, …), also the CSS class of its icon."""
    label: str
    url: str


@frozen
class RenderedPaper:
    """The Markdown of one record, rendered; what the cache stores per content hash."""

    title_html: str
    title_text: str
    abstract_html: str
    abstract_text: str
    notes_html: str
    notes_text: str
    warnings: tuple[str, ...]


@frozen
class PaperView:
    id: str
    slug: str
    url: str
    title_html: str
    title_text: str
    authors: tuple[Link, ...]
    day: dt.date
    day_url: str
    tags: tuple[Link, ...]
    abstract_html: str
    abstract_text: str
    notes_html: str
    notes_text: str
    links: tuple[ExternalLink, ...]
    arxiv_id: str | None
    venue: str | None
    upvotes: int | None
    published: dt.date | None
    updated: dt.date | None
    version: int | None
    doi: str | None
    comments: str | None
    journal_ref: str | None

    @property
    def has_code(self) -> bool:
        return any(link.kind == "code" for link in self.links)


LINK_LABELS = {"arxiv": "arXiv", "pdf": "PDF", "code": "Code", "project": "Project page", "doi": "DOI",
               "video": "Video", "slides": "Slides", "blog": "Blog post", "data": "Data", "demo": "Demo"}
LINK_ORDER = ("arxiv", "pdf", "code", "project", "doi")


def render_paper(paper: Paper, renderer: MarkdownRenderer) -> RenderedPaper:
    # Ids are prefixed per record and field so footnotes never clash on a page
    # that shows several papers, and record text cannot choose an element id.
    prefix = "p-" + paper.slug.replace(".", "-")
    title = renderer.render_inline(paper.title)
    abstract = renderer.render_block(paper.abstract, id_prefix=f"{prefix}-abstract-")
    notes = renderer.render_block(paper.notes, id_prefix=f"{prefix}-notes-") if paper.notes.strip() else None
    warnings = tuple(f"{paper.source}: {field}: {message}"
                     for field, rendered in (("title", title), ("abstract", abstract), ("notes", notes)) if rendered
                     for message in rendered.warnings)
    return RenderedPaper(
        title_html=title.html, title_text=title.text,
        abstract_html=abstract.html, abstract_text=abstract.text,
        notes_html=notes.html if notes else "", notes_text=notes.text if notes else "",
        warnings=warnings,
    )


def paper_links(paper: Paper) -> tuple[ExternalLink, ...]:
    """The record's links, with arXiv abstract and PDF derived from an arXiv id when not given."""
    links = dict(paper.links)
    if is_arxiv_id(paper.id):
        links.setdefault("arxiv", f"https://arxiv.org/abs/{paper.id}")
        links.setdefault("pdf", f"https://arxiv.org/pdf/{paper.id}")
    if paper.doi:
        # DOIs may hold `<`, `>` and `"` (`10.1002/(SICI)…<489::AID-JBM9>…`): encode them for the URL.
        links.setdefault("doi", f"https://doi.org/{quote(paper.doi, safe='/()-._;:')}")
    ordered = sorted(links.items(), key=lambda kv: (LINK_ORDER.index(kv[0]) if kv[0] in LINK_ORDER else len(LINK_ORDER), kv[0]))
    return tuple(ExternalLink(kind, LINK_LABELS.get(kind, kind.replace("_", " ").replace("-", " ").capitalize()), url)
                 for kind, url in ordered)


def view_inputs(paper: Paper, site: Site, urls: Urls) -> str:
    """A hash of what a paper's view is made from besides its record's content: its tags as the
    site names them (aliases applied), the pages of its authors and tags, and the site's URLs."""
    inputs = (urls.base, urls.origin, paper.tags, tuple(site.author_slugs[name] for name in paper.authors),
              tuple(site.tag_slugs[tag] for tag in paper.tags))
    return hashlib.blake2b(pickle.dumps(inputs, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()


def make_paper_views(papers: Iterable[Paper], rendered: Mapping[str, RenderedPaper], site: Site,
                     urls: Urls) -> dict[str, PaperView]:
    """The view of each paper, by id. The link to an author's or a tag's page is made once and
    shared by every view that shows it: 100,000 papers hold some 600,000 such links."""
    authors = _Links(lambda name: urls.author(site.author_slugs[name]))
    tags = _Links(lambda name: urls.tag(site.tag_slugs[name]))
    return {paper.id: _paper_view(paper, rendered[paper.id], authors, tags, urls) for paper in papers}


class _Links(dict[str, Link]):
    """Name -> the link to its page, made when first asked for."""

    def __init__(self, page_url: Callable[[str], str]) -> None:
        super().__init__()
        self.page_url = page_url

    def __missing__(self, name: str) -> Link:
        link = self[name] = Link(name, self.page_url(name))
        return link


def make_paper_view(paper: Paper, rendered: RenderedPaper, site: Site, urls: Urls) -> PaperView:
    return make_paper_views([paper], {paper.id: rendered}, site, urls)[paper.id]


def _paper_view(paper: Paper, rendered: RenderedPaper, authors: dict[str, Link], tags: dict[str, Link],
                urls: Urls) -> PaperView:
    return PaperView(
        id=paper.id, slug=paper.slug, url=urls.paper(paper.slug),
        title_html=rendered.title_html, title_text=rendered.title_text,
        authors=tuple(authors[name] for name in dict.fromkeys(paper.authors)),
        day=paper.day, day_url=urls.day(paper.day),
        tags=tuple(tags[tag] for tag in paper.tags),
        abstract_html=rendered.abstract_html, abstract_text=rendered.abstract_text,
        notes_html=rendered.notes_html, notes_text=rendered.notes_text,
        links=paper_links(paper),
        arxiv_id=paper.id if is_arxiv_id(paper.id) else None,
        venue=paper.venue, upvotes=paper.upvotes, published=paper.published, updated=paper.updated,
        version=paper.version, doi=paper.doi, comments=paper.comments, journal_ref=paper.journal_ref,
    )
