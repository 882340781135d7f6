"""The preview's fast path: an edited record's pages, re-rendered from the last build's model.

A build at 10,000 papers takes seconds even when it renders few pages: it reads
every record and fingerprints every page. When a save changed only the text of
records (not their id, day, tags or authors), the last build's model already
says which pages show them: this plans those pages again, renders the ones
whose data changed and writes them straight into the preview's folder, in
milliseconds. The preview then runs the ordinary build, which brings the rest
up to date (related papers, search data, feeds, citation files) and writes
nothing this already wrote. Hugo's server works the same way ("fast render").
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Iterator

import jinja2

from .citations import Citation, base_key, citation_keys
from .digests import apply_day_orders
from .markdown import MarkdownRenderer
from .plan import Planner, PlannedPage, SiteInfo
from .records import Paper, parse_record
from .related import RelatedMatch
from .render import render_page
from .site import Site, replace_paper
from .social import paper_citation
from .urls import Urls
from .views import PaperView, make_paper_view, render_paper
from .write import check_relative_path

if TYPE_CHECKING:
    from .pipeline import LoadedSite


@dataclass
class SiteModel:
    """What a build knew about the site when it finished, kept in memory by the preview."""

    loaded: LoadedSite
    urls: Urls
    info: SiteInfo
    env: jinja2.Environment
    views: dict[str, PaperView]
    intros: dict[str, str]
    related: dict[str, tuple[RelatedMatch, ...]]
    citations: dict[str, Citation]
    pages: dict[str, PlannedPage]
    """By output path."""
    records: dict[str, Paper] = field(default_factory=dict)
    """Source path -> the record as parsed (before tag aliases)."""
    listed_by: dict[str, set[str]] = field(default_factory=dict)
    """Paper id -> ids of the papers that list it as related."""
    base_keys: dict[str, str] = field(default_factory=dict)
    """Paper id -> the citation key its title and first author give, before clashes are resolved."""

    def __post_init__(self) -> None:
        self.records = {paper.source: paper for paper in self.loaded.records}
        self.base_keys = {paper_id: base_key(paper) for paper_id, paper in self.site.papers.items()}
        # The build rendered in worker processes: compile the templates here, once, not on the first save.
        for name in self.env.list_templates(extensions=["html"]):
            self.env.get_template(name)
        for paper_id, matches in self.related.items():
            for match in matches:
                self.listed_by.setdefault(match.paper_id, set()).add(paper_id)

    @property
    def site(self) -> Site:
        return self.loaded.site


def quick_update(model: SiteModel, changed: list[Path], output_dir: Path) -> list[str] | None:
    """Re-render the pages showing the records at `changed`; the output paths written.

    None when the change is more than an edit of records' text (a new, removed
    or invalid record; another id, day, tag or author), which the full build handles.
    On success `model` describes the site as it now is.
    """
    config = model.loaded.config
    edits: list[Paper] = []
    for path in changed:
        before = model.records.get(str(path))
        if before is None:
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None
        paper, errors = parse_record(data, str(path), max_chars=config.limits.max_field_chars)
        if paper is None or errors:
            return None
        if (paper.id, paper.slug, paper.day, paper.tags, paper.authors) != (
                before.id, before.slug, before.day, before.tags, before.authors):
            return None
        if paper != before:
            edits.append(paper)
    if not edits:
        return []

    site, views, citations = model.site, dict(model.views), dict(model.citations)
    renderer = MarkdownRenderer(max_input_chars=config.limits.max_field_chars)
    changed_ids: set[str] = set()
    for paper in edits:
        canonical = dataclasses.replace(paper, tags=site.papers[paper.id].tags)  # the aliases, as the build applied them
        try:
            rendered = render_paper(canonical, renderer)
        except ValueError:  # too large or too slow: the full build reports it
            return None
        site = replace_paper(site, canonical)
        views[paper.id] = make_paper_view(canonical, rendered, site, model.urls)
        changed_ids.add(paper.id)
    if any(paper.day.isoformat() in model.loaded.orders for paper in edits):
        site, _ = apply_day_orders(site, model.loaded.orders)

    # Citation keys start with a word of the title, so a new title can move other papers' keys.
    base_keys = dict(model.base_keys)
    base_keys.update((paper.id, base_key(site.papers[paper.id])) for paper in edits)
    keys = (citation_keys(site.papers.values(), base_keys) if base_keys != model.base_keys else
            {paper_id: citation.key for paper_id, citation in citations.items()})
    for paper_id in site.papers:
        if paper_id in changed_ids or keys[paper_id] != citations[paper_id].key:
            citations[paper_id] = paper_citation(config, model.urls, views[paper_id], keys[paper_id])
            changed_ids.add(paper_id)

    planner = Planner(site, model.urls, model.info, views, model.intros, model.related, citations)
    written: list[str] = []
    planned: dict[str, PlannedPage] = {}
    for page in pages_showing(planner, site, changed_ids, model.listed_by):
        if page.path in planned or model.pages.get(page.path) == page:
            continue
        planned[page.path] = page
        if replace_file(output_dir, page.path, render_page(model.env, page).encode()):
            written.append(page.path)

    model.loaded = dataclasses.replace(model.loaded, site=site)
    model.views, model.citations, model.base_keys = views, citations, base_keys
    model.pages.update(planned)
    for paper in edits:
        model.records[paper.source] = paper
    return written


def pages_showing(planner: Planner, site: Site, paper_ids: set[str], listed_by: dict[str, set[str]]) -> Iterator[PlannedPage]:
    """Every page that shows one of `paper_ids` (some twice), planned from `site`."""
    day_index = {day.date: index for index, day in enumerate(site.days)}
    papers = [site.papers[paper_id] for paper_id in sorted(paper_ids)]
    for index in sorted({day_index[paper.day] for paper in papers}):
        if index == 0:
            yield planner.home()
        yield from planner.day(index)  # the day and its papers' pages: their previous/next links too
    tags = {name for paper in papers for name in paper.tags}
    for tag in site.tags:
        if tag.name in tags:
            yield from planner.tag(tag)
    authors = {site.author_slugs[name] for paper in papers for name in paper.authors}
    for author in site.authors:
        if author.slug in authors:
            yield from planner.author(author)
    for listing in sorted({other for paper_id in paper_ids for other in listed_by.get(paper_id, ())}):
        paper = site.papers[listing]
        index = day_index[paper.day]
        yield planner.paper(index, [p.id for p in site.days[index].papers].index(listing))


def replace_file(output_dir: Path, path: str, data: bytes) -> bool:
    """Write one file of the site in place, atomically; False when it already holds `data`."""
    target = output_dir / check_relative_path(path)
    try:
        if target.read_bytes() == data:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)
    return True
