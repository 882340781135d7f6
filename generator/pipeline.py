"""The build: load records -> model the site -> plan pages -> render -> write.

`build()` reads as the list of its steps, each timed (Zola's `Site::build`,
MkDocs' `build`). Content errors are collected and raised together before
anything is written; any failure leaves `output/` as it was.
"""

from __future__ import annotations

import hashlib
import logging
import time
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Callable, Generic, Iterator, TypeVar

from . import __version__
from .assets import collect_assets
from .cache import BuildCache, code_version, load_cache, load_side_cache, save_cache, save_side_cache
from .citations import Citation, bibliography_papers, citation_file_paths, citation_keys, paper_citation_files
from .config import SiteConfig, load_config
from .digests import DayOrder, apply_day_orders, load_day_intros, load_day_orders
from .errors import BuildCancelled, BuildError, ContentError
from .feeds import (ISSUES_FILE, NO_DATE, OPML_FILE, FeedRenderer, feed_paths, feed_sources,
                    forbidden_character_warnings, issue_days, render_issues, render_opml)
from .fingerprint import Fingerprints
from .markdown import MarkdownRenderer
from .newsletter import email_paths, render_day_email_files
from .options import BuildOptions, BuildReport, Progress
from .plan import Assets, FeedLink, PlannedPage, SiteInfo, plan_pages
from .records import Paper, SeenFiles, read_records, record_key
from .related import Ranking, RelatedMatch, paper_text, rank_related, vectorize
from .search import FileKey, KeptTokens, SearchDocument, SearchFiles, Tokeniser, make_search_files
from .page_renderer import render_changed_pages
from .parallel import ChildTask, fork_map, long_lived, mark_long_lived
from .quick import SiteModel
from .render import make_environment, templates_fingerprint
from .site import Site, build_site
from .stamps import Stamp, UpToDateCheck, check_up_to_date, forget_stamp, output_stamp, save_stamp
from .social import paper_citation, write_social_cards
from .themes import theme_dirs
from .urls import Urls
from .views import Link, PaperView, RenderedPaper, make_paper_views, render_paper, view_inputs
from .write import OutputWriter

logger = logging.getLogger(__name__)

StepResult = TypeVar("StepResult")

CHILD_PAPERS = 1000
"""Papers from which related papers and the search index are computed in child processes
(alongside the rest of the build); below, a fresh process costs more than it saves."""
MARKDOWN_CHUNK = 250
PARALLEL_MARKDOWN = 1000
"""Records to render below which forking workers costs more than it saves."""


@dataclass(frozen=True)
class LoadedSite:
    """Everything read from the content folder, validated."""

    config: SiteConfig
    site: Site
    project_dir: Path
    records: list[Paper]
    """The records as read, before tag aliases were applied (what the cache keeps)."""
    orders: dict[str, DayOrder]
    """The curator's order of days that have one."""
    seen: SeenFiles = field(default_factory=SeenFiles)
    """The stat and content hash of each record file as read."""


class Timer:
    def __init__(self, report: BuildReport, options: BuildOptions) -> None:
        self.report = report
        self.options = options

    def progress(self, step: str, done: int, total: int) -> None:
        """What long steps call as they go: shows progress, and stops a cancelled build."""
        self.check_cancelled(step)
        if self.options.progress is not None:
            self.options.progress(step, done, total)

    def check_cancelled(self, step: str) -> None:
        if self.options.cancelled is not None and self.options.cancelled():
            raise BuildCancelled(step)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.check_cancelled(name)
        start = time.perf_counter()
        yield
        self.report.steps[name] = time.perf_counter() - start
        logger.debug("%s: %.3f s", name, self.report.steps[name])
        mark_long_lived()  # what a step made is kept to the build's end: collections skip it


def load_site(content_dir: Path, base_url: str | None = None, known: dict[str, Paper] | None = None,
              progress: Progress | None = None, seen: SeenFiles | None = None) -> LoadedSite:
    """Read and validate the config and every record; raise BuildError listing every problem.
    `known` and `seen` are an earlier build's (see `read_records`)."""
    config, errors = load_config(content_dir, base_url)
    papers, record_errors, seen_now = read_records(
        content_dir, max_chars=config.limits.max_field_chars if config else 100_000, known=known, seen=seen,
        progress=progress)
    errors += record_errors
    if errors or config is None:
        raise BuildError(errors)
    site, errors = build_site(config, papers)
    if errors or site is None:
        raise BuildError(errors)
    orders, errors = load_day_orders(content_dir)
    site, order_errors = apply_day_orders(site, orders)
    if errors or order_errors:
        raise BuildError(errors + order_errors)
    return LoadedSite(config, site, content_dir.absolute().parent, papers, orders, seen_now)


def build(options: BuildOptions, check: UpToDateCheck | None = None) -> BuildReport:
    """Build the site, or report it up to date when nothing it reads or wrote changed since the
    last build. `check` is that finding when the caller made it already (the command line does,
    before importing this module)."""
    check = check or check_up_to_date(options)
    if check.report is not None:
        return check.report
    with long_lived():
        return _build_steps(options, check)


def _build_steps(options: BuildOptions, check: UpToDateCheck) -> BuildReport:
    report = BuildReport()
    timer = Timer(report, options)
    progress = timer.progress
    inputs = check.inputs
    if inputs is not None and options.cache_dir is not None:
        forget_stamp(options.cache_dir)
    cache = load_cache(options.cache_dir, options.output_dir)
    mark_long_lived()  # the cache is kept to the end
    with timer.step("load"):
        loaded = load_site(options.content_dir, options.base_url, cache.records, progress, cache.seen)
    site, config = loaded.site, loaded.config
    urls = Urls.for_config(config)
    report.papers, report.days, report.tags, report.authors = len(site.papers), len(site.days), len(site.tags), len(site.authors)
    with timer.step("markdown"):
        rendered = render_records(site, cache, progress)
        views = make_paper_views(site.papers.values(), rendered, site, urls)
        intros = load_day_intros(options.content_dir, MarkdownRenderer())
    for item in rendered.values():
        report.warnings.extend(item.warnings)

    with timer.step("theme"):
        chain = theme_dirs(config.theme, loaded.project_dir)
        env = make_environment(chain)
        assets = collect_assets(chain)
        info = site_info(config, urls, assets, options.live_reload)
        fingerprints = Fingerprints(templates_fingerprint(chain) + code_version())

    # Related papers take seconds of their own: a child process computes them while
    # this one makes everything that does not show them (citations, feeds, emails).
    # So does the search index, in another.
    with RelatedJob(views, cache, options.cache_dir) as related_job, OutputWriter(options.output_dir) as writer, \
            SearchJob(writer, cache, options.cache_dir, search_documents(site, views, urls),
                      config.search.shard_threshold) as search_job:
        with timer.step("citations"):
            views_made_from = remember_view_digests(fingerprints, options.cache_dir, site, urls, views)
            keys = citation_keys(site.papers.values())
            citations = {pid: paper_citation(config, urls, views[pid], keys[pid]) for pid in site.papers}
        with timer.step("extras"):
            for asset in assets.values():
                writer.write(asset.path, asset.data)
            write_citation_files(writer, cache, options.cache_dir, site, citations, fingerprints)
            write_feeds(writer, cache, site, views, urls)
            report.warnings.extend(forbidden_character_warnings(site))
            write_day_emails(writer, cache, site, views, urls, env, fingerprints)
        with timer.step("search"):  # what is left of it to wait for
            search_job.write(writer, progress)
        with timer.step("related"):  # likewise
            related = related_job.result(progress)
        report.alongside = {job.name: job.seconds for job in (search_job, related_job) if job.seconds is not None}

        with timer.step("plan"):
            pages = plan_pages(site, urls, info, views, intros, related, citations)
        report.pages = len(pages)
        if options.keep_model:
            report.model = SiteModel(loaded, urls, info, env, views, intros, related, citations,
                                     {page.path: page for page in pages})
        with timer.step("render"):
            outcome = render_changed_pages(env, pages, writer, cache.fingerprints, fingerprints, progress)
            report.pages_rendered = outcome.rendered
            write_publishing_files(writer, site, urls, pages)
        if config.social.cards:
            with timer.step("social cards"):
                write_social_cards(writer, views, config.title, options.cache_dir)
        with timer.step("commit"):
            report.removed = writer.commit()
        report.written = list(writer.changed)
        report.files_written = len(writer.changed)
        report.files_unchanged = writer.unchanged
        report.files_removed = len(report.removed)

    # The plan, citations and the writer's list of output/ are done with: let them go
    # before the cache is pickled, as the pickler's memo of every cached object is the last
    # peak of the build's memory (the highest of a build after an edit at 100,000 papers).
    del pages, citations, writer
    cache.fingerprints = outcome.fingerprints
    cache.records = {record_key(p.source, p.content_hash, config.limits.max_field_chars): p for p in loaded.records}
    cache.seen = loaded.seen
    cache.rendered = {site.papers[pid].content_hash: item for pid, item in rendered.items()}
    save_cache(options.cache_dir, cache)
    save_side_cache(options.cache_dir, VIEW_DIGESTS_FILE,
                    {content_hash: (inputs, fingerprints.shared_digest(views[paper_id]))
                     for paper_id, (content_hash, inputs) in views_made_from.items()})
    if inputs is not None and options.cache_dir is not None:
        save_stamp(options.cache_dir, Stamp(inputs.digest, output_stamp(options.output_dir), report.papers, report.days,
                                            report.tags, report.authors, report.pages, report.warnings),
                   inputs, check.started_ns)
    report.seconds = time.perf_counter() - check.started
    return report


def render_records(site: Site, cache: BuildCache, progress: Progress | None) -> dict[str, RenderedPaper]:
    """Markdown and math of every record, reused from the cache when the record is unchanged."""
    renderer = MarkdownRenderer(max_input_chars=site.config.limits.max_field_chars)
    result: dict[str, RenderedPaper] = {}
    todo: list[Paper] = []
    for paper in site.papers.values():
        cached = cache.rendered.get(paper.content_hash)
        if cached is None:
            todo.append(paper)
        else:
            result[paper.id] = cached

    def render_chunk(start: int) -> list[tuple[Paper, RenderedPaper | str]]:
        """Runs in a worker process when there are many: each paper with its rendering or its error."""
        rendered: list[tuple[Paper, RenderedPaper | str]] = []
        for paper in todo[start:start + MARKDOWN_CHUNK]:
            try:
                rendered.append((paper, render_paper(paper, renderer)))
            except ValueError as exc:  # too large, or over the time guard
                rendered.append((paper, str(exc)))
        return rendered

    starts = range(0, len(todo), MARKDOWN_CHUNK)
    errors: list[ContentError] = []
    for done, chunk in enumerate(fork_map(render_chunk, starts) if len(todo) >= PARALLEL_MARKDOWN else map(render_chunk, starts),
                                 start=1):
        for paper, outcome in chunk:
            if isinstance(outcome, str):
                errors.append(ContentError(paper.source, None, None, outcome))
            else:
                result[paper.id] = outcome
        if progress:
            progress("markdown", min(done * MARKDOWN_CHUNK, len(todo)), len(todo))
    if errors:
        raise BuildError(sorted(errors, key=lambda error: error.source))
    return {paper_id: result[paper_id] for paper_id in site.papers}


# Side caches the build reads once its children are forked: at 100,000 papers they take some
# 30 and 60 MB, which each child would count as its own.
VIEW_DIGESTS_FILE = "view-digests.pickle"
BIBTEX_FILE = "bibtex.pickle"


def remember_view_digests(fingerprints: Fingerprints, cache_dir: Path | None, site: Site, urls: Urls,
                          views: dict[str, PaperView]) -> dict[str, tuple[str, str]]:
    """Give `fingerprints` the last build's digest of each view made from the same record and
    `view_inputs`, which is the same view: hashing every view took a quarter of a second at 10,000
    papers. Returns each paper's record content hash and view inputs, for the next build."""
    kept_digests = load_side_cache(cache_dir, VIEW_DIGESTS_FILE)
    made_from: dict[str, tuple[str, str]] = {}
    for paper_id, paper in site.papers.items():
        inputs = view_inputs(paper, site, urls)
        made_from[paper_id] = (paper.content_hash, inputs)
        kept = kept_digests.get(paper.content_hash)
        if kept is not None and kept[0] == inputs:
            fingerprints.remember(views[paper_id], kept[1])
    return made_from


def write_unless_unchanged(writer: OutputWriter, previous: dict[str, str], current: dict[str, str], name: str, key: str,
                           paths: tuple[str, ...], produce: Callable[[], dict[str, bytes]]) -> None:
    """Keep `paths` as they are in `output/` when `key` matches the last build's; else write what `produce` makes.

    The same idea as page fingerprints, for files made outside templates
    (emails, citation files), so a warm build neither renders nor compares them.
    """
    current[name] = key
    tried_keeping = previous.get(name) == key
    if tried_keeping and all(writer.keep(path) for path in paths):
        return
    for path, data in produce().items():
        if not (tried_keeping and writer.is_planned(path)):  # kept above before a missing file was found
            writer.write(path, data)


def write_day_emails(writer: OutputWriter, cache: BuildCache, site: Site, views: dict[str, PaperView], urls: Urls,
                     env: Any, fingerprints: Fingerprints) -> None:
    """Each day's email, rendered again only when the day's papers, the config or the templates changed."""
    keys: dict[str, str] = {}
    for day in site.days:
        write_unless_unchanged(writer, cache.emails, keys, day.key,
                               fingerprints.of(site.config, urls, day.key, [views[p.id] for p in day.papers]),
                               email_paths(day.key), lambda day=day: render_day_email_files(site, day, views, urls, env))
    cache.emails = keys


def write_feeds(writer: OutputWriter, cache: BuildCache, site: Site, views: dict[str, PaperView], urls: Urls) -> None:
    """The site's and each tag's feeds, and `issues.xml`, each made again only when what it shows changed:
    an edit of an older paper leaves every feed as it was."""
    keys: dict[str, str] = {}
    # Salted with the code only: feeds do not come from templates.
    fingerprints = Fingerprints(code_version())
    renderer = FeedRenderer(site, views, urls)
    sources = feed_sources(site, urls)
    for source in sources:
        write_unless_unchanged(writer, cache.feeds, keys, source.folder + "feed.xml",
                               fingerprints.of(site.config, urls, source, [views[pid] for pid in source.papers]),
                               feed_paths(source), lambda source=source: renderer.files(source))
    days = [(day.key, [views[paper.id] for paper in day.papers]) for day in issue_days(site)]
    write_unless_unchanged(writer, cache.feeds, keys, ISSUES_FILE, fingerprints.of(site.config, urls, days), (ISSUES_FILE,),
                           lambda: {ISSUES_FILE: render_issues(site, views, urls)})
    # OPML needs at least one outline: a site without tags lists its own feed.
    listed = sources[1:] or sources[:1]
    writer.write(OPML_FILE, render_opml(site, urls, listed, max(map(renderer.newest, listed), default=NO_DATE)))
    cache.feeds = keys


def write_citation_files(writer: OutputWriter, cache: BuildCache, cache_dir: Path | None, site: Site,
                         citations: dict[str, Citation], fingerprints: Fingerprints) -> None:
    """Each paper's citation files and the bibliographies, made again only when what they are
    made from changed: a citation hashes as what makes it (see `Citation`), its view by the
    digest the pages share."""
    keys: dict[str, str] = {}
    # Salted with the code, not the templates, which citation files do not come from.
    fingerprints = fingerprints.salted(code_version())
    for paper_id, paper in site.papers.items():
        citation = citations[paper_id]
        write_unless_unchanged(writer, cache.citation_files, keys, paper_id, fingerprints.of(citation),
                               citation_file_paths(paper.slug), lambda citation=citation: paper_citation_files(citation))
    cache.citation_files = keys
    # Each paper's BibTeX entry, from the last build when its citation is unchanged: the site's
    # bibliography holds every paper, and making every entry again took 0.2 s at 10,000 papers.
    known = load_side_cache(cache_dir, BIBTEX_FILE)
    entries = {paper_id: known.get(key) or citations[paper_id].bibtex for paper_id, key in keys.items()}
    del known
    save_side_cache(cache_dir, BIBTEX_FILE, {keys[paper_id]: entry for paper_id, entry in entries.items()})
    bibliography_keys: dict[str, str] = {}
    for path, papers in bibliography_papers(site).items():
        # A bibliography is its papers' entries in order: the hashes of their citations, in order, stand for it.
        key = hashlib.blake2b("".join(keys[paper.id] for paper in papers).encode(), digest_size=16).hexdigest()
        write_unless_unchanged(writer, cache.bibliographies, bibliography_keys, path, key, (path,),
                               lambda path=path, papers=papers: {path: "\n".join(entries[paper.id] for paper in papers).encode()})
    cache.bibliographies = bibliography_keys


class ChildStep(Generic[StepResult]):
    """A step made in a child process alongside the build (see `ChildTask`), unless the cache has it."""

    name = ""

    def __init__(self) -> None:
        self.child: ChildTask[StepResult] | None = None
        self.seconds: float | None = None
        """How long making it took, when it was made."""

    def start(self, task: Callable[[Progress], StepResult], papers: int) -> None:
        """Start `task(progress)`, in a child process for a site of many papers."""
        self.child = ChildTask(lambda report: task(lambda _step, done, total: report(done, total)),
                               fork=papers >= CHILD_PAPERS)

    def finish(self, progress: Progress | None) -> StepResult:
        """Wait for the child's result, showing its progress under this step's name."""
        assert self.child is not None
        report = (lambda done, total: progress(self.name, done, total)) if progress else None
        result = self.child.result(report)
        self.seconds, self.child = self.child.seconds, None
        return result

    def __enter__(self) -> ChildStep[StepResult]:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.child is not None:
            self.child.stop()


class SearchJob(ChildStep[SearchFiles]):
    """The search data: kept as it is in `output/` until a document changes (most edits of notes
    leave it alone), else built in a child process while this one goes on, which encodes again
    only the files whose data changed."""

    name = "search"

    def __init__(self, writer: OutputWriter, cache: BuildCache, cache_dir: Path | None, docs: list[SearchDocument],
                 shard_threshold: int) -> None:
        super().__init__()
        self.cache = cache
        self.key = Fingerprints("").of(docs, shard_threshold)
        paths = [f"search/{name}" for name in cache.search_files]
        if not (cache.search_key == self.key and paths and all(writer.keep(path) for path in paths)):
            previous = cache.search_files
            # `holds` answers from the listing of `output/` made before the fork, as `keep` does below.
            in_place = lambda name: writer.holds(f"search/{name}")  # noqa: E731
            self.start(lambda progress: compute_search(docs, shard_threshold, cache_dir, progress, previous, in_place),
                       len(docs))

    def write(self, writer: OutputWriter, progress: Progress | None = None) -> None:
        """Stage the new search data, if it was made again."""
        if self.child is None:
            return
        files = self.finish(progress)
        for name, data in files.made.items():
            path = f"search/{name}"
            if not writer.is_planned(path):  # kept above before a missing file was found
                writer.write(path, data)
        for name in files.unchanged:
            path = f"search/{name}"
            # The child found it in `output/` from the same listing `keep` reads: it is there.
            if not writer.is_planned(path) and not writer.keep(path):
                raise RuntimeError(f"search: `{path}` was to be kept but is not in the output folder")
        self.cache.search_key, self.cache.search_files = self.key, files.keys


class RelatedJob(ChildStep[tuple[dict[str, tuple[RelatedMatch, ...]], bool]]):
    """Related papers of every paper: from the cache until a title or abstract changes, else
    computed in a child process (which also keeps numpy and scipy out of this one's memory)."""

    name = "related"

    def __init__(self, views: dict[str, PaperView], cache: BuildCache, cache_dir: Path | None) -> None:
        super().__init__()
        documents = {pid: paper_text(views[pid].title_text, views[pid].abstract_text) for pid in sorted(views)}
        self.cache = cache
        self.key = Fingerprints("").of(documents)
        if cache.related_key != self.key:
            previous = (cache.related_key, cache.related)
            self.start(lambda progress: compute_related(documents, cache_dir, progress, self.key, previous),
                       len(documents))

    def result(self, progress: Progress | None = None) -> dict[str, tuple[RelatedMatch, ...]]:
        if self.child is not None:
            found, complete = self.finish(progress)
            self.cache.related = found if complete else {**self.cache.related, **found}
            self.cache.related_key = self.key
        return self.cache.related


TOKENS_FILE = "search-tokens.pickle"


def compute_search(docs: list[SearchDocument], shard_threshold: int, cache_dir: Path | None,
                   progress: Progress | None, previous: dict[str, FileKey],
                   in_place: Callable[[str], bool]) -> SearchFiles:
    """The search data, splitting into words only the documents that changed since the last build
    and stemming only the words it did not see (tokenising is most of the work), and encoding only
    the files whose data changed; the tokens are kept by the process that computes them."""
    kept = load_side_cache(cache_dir, TOKENS_FILE).get("tokens")
    tokeniser = Tokeniser(kept if isinstance(kept, KeptTokens) else None)
    files = make_search_files(docs, shard_threshold=shard_threshold, progress=progress, tokeniser=tokeniser,
                              previous=previous, in_place=in_place)
    save_side_cache(cache_dir, TOKENS_FILE, {"tokens": tokeniser.kept})
    return files


TERM_COUNTS_FILE = "related-terms.pickle"
RANKING_FILE = "related-ranking.pickle"


def compute_related(documents: dict[str, str], cache_dir: Path | None, progress: Progress | None, key: str,
                    previous: tuple[str, dict[str, tuple[RelatedMatch, ...]]]
                    ) -> tuple[dict[str, tuple[RelatedMatch, ...]], bool]:
    """Related papers, tokenising only the runs of texts that changed since the last build
    (most of the work before ranking) and ranking again only the rows the change can move.
    The counts and the ranking's own data are kept by the process that computes them; the
    matches of the `previous` build, by their key, come from the build cache.

    Returns the matches of the papers whose matches changed, and whether that is every
    paper (there was no ranking of the same papers to start from): the matches of 100,000
    papers take a second to pickle in the child and over half a second to unpickle here."""
    known = load_side_cache(cache_dir, TERM_COUNTS_FILE)
    matrix = vectorize(documents, known)
    if matrix.term_counts.keys() != known.keys():
        save_side_cache(cache_dir, TERM_COUNTS_FILE, matrix.term_counts)
    kept = load_side_cache(cache_dir, RANKING_FILE)
    last = None
    if previous[0] and kept.get("key") == previous[0] and isinstance(kept.get("ranking"), Ranking):
        last = replace(kept["ranking"], matches=previous[1])
    ranking = rank_related(matrix, previous=last, progress=progress)
    save_side_cache(cache_dir, RANKING_FILE, {"key": key, "ranking": replace(ranking, matches={})})
    if last is None or last.ids != ranking.ids:
        return {paper_id: ranking.matches[paper_id] for paper_id in ranking.ids}, True
    before = previous[1]
    return {paper_id: found for paper_id, found in ranking.matches.items()
            if before.get(paper_id) is not found and before.get(paper_id) != found}, False


def search_documents(site: Site, views: dict[str, PaperView], urls: Urls) -> list[SearchDocument]:
    return [
        SearchDocument(
            ref=view.id, url=view.url, title=view.title_text,
            authors=tuple(link.label for link in view.authors),
            tags=tuple(link.label for link in view.tags),
            tag_slugs=tuple(site.tag_slugs[tag] for tag in site.papers[view.id].tags),
            abstract=view.abstract_text, notes=view.notes_text,
            day=view.day.isoformat(), has_code=view.has_code,
        )
        for view in views.values()
    ]


def site_info(config: SiteConfig, urls: Urls, assets: dict, live_reload: bool) -> SiteInfo:
    return SiteInfo(
        title=config.title, description=config.description, language=config.language, curator=config.curator,
        base=urls.base, home_url=urls.page(""),
        nav=tuple(Link(link.label, urls.page(link.url.lstrip("/")) if link.url.startswith("/") else link.url) for link in config.nav),
        assets=Assets(
            stylesheet=urls.page(assets["style.css"].path),
            app_script=urls.page(assets["app.js"].path),
            search_script=urls.page(assets["search.js"].path),
            lunr_script=urls.page(assets["lunr.min.js"].path),
            search_root=urls.page("search/"),
        ),
        feeds=(FeedLink(f"{config.title} (RSS)", "application/rss+xml", urls.page("feed.xml")),
               FeedLink(f"{config.title} (Atom)", "application/atom+xml", urls.page("atom.xml"))),
        newsletter_url=config.feeds.newsletter_url,
        opml_url=urls.page("feeds.opml"),
        generator=f"paper-digest {__version__}",
        live_reload=live_reload,
    )


SITEMAP_LIMIT = 50_000
"""URLs per sitemap file: the sitemaps.org limit; a larger site gets a sitemap index."""


def write_publishing_files(writer: OutputWriter, site: Site, urls: Urls, pages: list[PlannedPage]) -> None:
    """What GitHub Pages and crawlers expect beside the pages."""
    writer.write(".nojekyll", b"")
    if site.config.publish.cname:
        writer.write_text("CNAME", site.config.publish.cname + "\n")
    writer.write_text("robots.txt", f"User-agent: *\nAllow: /\nSitemap: {urls.absolute(urls.page('sitemap.xml'))}\n")
    entries = sitemap_entries(site, pages)
    if len(entries) <= SITEMAP_LIMIT:
        writer.write_text("sitemap.xml", render_sitemap(entries))
        return
    parts = [entries[start:start + SITEMAP_LIMIT] for start in range(0, len(entries), SITEMAP_LIMIT)]
    for number, part in enumerate(parts, start=1):
        writer.write_text(f"sitemaps/{number}.xml", render_sitemap(part))
    writer.write_text("sitemap.xml", render_sitemap_index(
        [urls.absolute(urls.page(f"sitemaps/{number}.xml")) for number in range(1, len(parts) + 1)]))


def sitemap_entries(site: Site, pages: list[PlannedPage]) -> list[tuple[str, str | None]]:
    """(canonical URL, lastmod) of every page but the 404 page; lastmod is the newest record the page shows."""
    latest = site.days[0].date.isoformat() if site.days else None
    entries: list[tuple[str, str | None]] = []
    for page in pages:
        if page.path == "404.html":
            continue
        paper = getattr(page.context, "paper", None)
        shown = (paper,) if isinstance(paper, PaperView) else getattr(page.context, "papers", ())
        dates = [(view.updated or view.day) for view in shown if isinstance(view, PaperView)]
        entries.append((page.context.page.canonical, max(dates).isoformat() if dates else latest))
    return entries


def render_sitemap(entries: list[tuple[str, str | None]]) -> str:
    from xml.sax.saxutils import escape

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    for url, lastmod in entries:
        lines.append(f"  <url><loc>{escape(url)}</loc>" + (f"<lastmod>{lastmod}</lastmod>" if lastmod else "") + "</url>")
    lines.append("</urlset>")
    return "\n".join(lines) + "\n"


def render_sitemap_index(sitemap_urls: list[str]) -> str:
    from xml.sax.saxutils import escape

    lines = ['<?xml version="1.0" encoding="UTF-8"?>', '<sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">']
    lines.extend(f"  <sitemap><loc>{escape(url)}</loc></sitemap>" for url in sitemap_urls)
    lines.append("</sitemapindex>")
    return "\n".join(lines) + "\n"
