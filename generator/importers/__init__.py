"""Importers: papers from arXiv, Hugging Face Daily Papers, BibTeX and JSON lines into record files.

Each source kind is one module with a `read(inputs, options)` generator of
`Entry` (a paper) and `Problem` (a bad entry, with its position). Everything
after reading is shared and lives here: the id, digest day and tags of each
paper are settled, duplicates in one import are folded together, each paper
is merged into its existing record (`merge.py`: never lose the curator's
edits), and the files are written atomically (`record_file.py`).

    report = import_records("arxiv", ["2503.10000"], ImportOptions(content_dir=Path("content")))
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..ids import InvalidId, check_paper_id, is_arxiv_id, normalize_arxiv_id, paper_slug, title_slug
from . import arxiv, arxiv_oai, bibtex, hf, jsonl, seed
from .base import (
    Entry, ImportOptions, Problem, ReadResult, SourceError, check_links, normalize_tag, one_line, optional_text, paragraphs, unique,
)  # fmt: skip
from .merge import Conflict, FieldChange, merge
from .record_file import (
    PAPERS_DIR, AtomicWriter, Fields, RecordFileError, read_record, read_sidecar, record_path,
    render_record, render_sidecar, sidecar_path,
)  # fmt: skip

logger = logging.getLogger(__name__)

__all__ = [
    "SOURCE_KINDS", "Conflict", "Entry", "FieldChange", "ImportOptions", "ImportReport", "Problem",
    "RecordOutcome", "SourceError", "import_entries", "import_records", "read_entries", "settle_entry",
]  # fmt: skip


@dataclass(frozen=True)
class SourceKind:
    name: str
    summary: str
    """One line for `import --help`."""
    read: Callable[[Sequence[str], ImportOptions], Iterator[ReadResult]]


SOURCE_KINDS: dict[str, SourceKind] = {
    kind.name: kind
    for kind in (
        SourceKind("arxiv", "arXiv API: Atom files, or ids / --query fetched live", arxiv.read),
        SourceKind("hf", "Hugging Face Daily Papers JSON: files, or --fetch-date", hf.read),
        SourceKind("bibtex", "BibTeX / biblatex files", bibtex.read),
        SourceKind("arxiv-oai", "arXiv metadata snapshot, JSON lines (streamed)", arxiv_oai.read),
        SourceKind("jsonl", "JSON lines with the record's field names", jsonl.read),
        SourceKind("seed", "the sample digest's plain-text page format", seed.read),
    )
}


@dataclass(frozen=True)
class RecordOutcome:
    """What the import did (or, in a dry run, would do) to one record file."""

    status: str
    """`created`, `updated` or `unchanged`."""
    path: Path
    paper_id: str
    changes: tuple[FieldChange, ...] = ()
    conflicts: tuple[Conflict, ...] = ()


@dataclass
class ImportReport:
    outcomes: list[RecordOutcome] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    """Entries (or whole inputs) that were skipped, with their positions."""
    aborted: bool = False
    """True when `strict` found problems and nothing was written."""
    dry_run: bool = False

    def with_status(self, status: str) -> list[RecordOutcome]:
        return [outcome for outcome in self.outcomes if outcome.status == status]

    @property
    def conflicts(self) -> list[tuple[RecordOutcome, Conflict]]:
        return [(outcome, conflict) for outcome in self.outcomes for conflict in outcome.conflicts]


def read_entries(kind: str, inputs: Sequence[str], options: ImportOptions) -> tuple[list[Entry], list[Problem]]:
    """Read every entry of `inputs` with the reader of source `kind` (SourceError for a fatal one)."""
    if kind not in SOURCE_KINDS:
        raise SourceError(f"unknown source kind `{kind}`; known kinds: {', '.join(SOURCE_KINDS)}")
    entries: list[Entry] = []
    problems: list[Problem] = []
    for item in SOURCE_KINDS[kind].read(inputs, options):
        if isinstance(item, Problem):
            logger.info("skipped %s", item)
            problems.append(item)
        else:
            entries.append(item)
    return entries, problems


def import_records(kind: str, inputs: Sequence[str], options: ImportOptions) -> ImportReport:
    """Read `inputs` as source `kind` and merge every paper into `options.content_dir`."""
    entries, problems = read_entries(kind, inputs, options)
    return import_entries(entries, options, source=kind, problems=problems)


@dataclass
class SettledRecord:
    """An entry with its id, file name and front-matter fields decided."""

    slug: str
    fields: Fields
    notes: str
    origin: str
    day_defaulted: bool
    """The digest day is today's by default, not the source's or `--date`: it never moves an existing record."""


def import_entries(
    entries: Iterable[Entry], options: ImportOptions, *, source: str, problems: Sequence[Problem] = ()
) -> ImportReport:
    """Settle, merge and write already-read entries: the part every source shares."""
    report = ImportReport(problems=list(problems), dry_run=options.dry_run)
    doi_index = _DoiIndex(options.content_dir)
    records: dict[str, SettledRecord] = {}
    for entry in entries:
        settled = settle_entry(entry, options, doi_index)
        if isinstance(settled, Problem):
            report.problems.append(settled)
            continue
        key = settled.slug.casefold()
        records[key] = _fold(records[key], settled) if key in records else settled
    writes: list[tuple[str, str, str]] = []
    for record in records.values():
        planned = _plan(record, options.content_dir, source, report)
        if planned:
            writes.append(planned)
    if options.strict and report.problems:
        report.aborted = True
        report.outcomes.clear()
        return report
    if not options.dry_run and writes:
        # Records before sidecars: after a crash between the two, a sidecar
        # that runs ahead of its record would make imported tags look removed
        # by the curator; one that lags behind only repeats an update.
        with AtomicWriter() as writer:
            for slug, record_text, _ in writes:
                if record_text:
                    writer.stage(record_path(options.content_dir, slug), record_text)
            for slug, _, sidecar_text in writes:
                if sidecar_text:
                    writer.stage(sidecar_path(options.content_dir, slug), sidecar_text)
    return report


def settle_entry(entry: Entry, options: ImportOptions, doi_index: _DoiIndex | None = None) -> SettledRecord | Problem:
    """Decide an entry's id, day, tags and fields; a Problem when it cannot be a record."""
    title = one_line(entry.title)
    if not title:
        return Problem(entry.origin, "no title; skipped")
    version = entry.version
    try:
        if entry.paper_id:
            paper_id = entry.paper_id.strip()
            if is_arxiv_id(paper_id) or paper_id.lower().startswith("arxiv:"):
                paper_id, id_version = normalize_arxiv_id(paper_id)
                version = version or id_version
        elif entry.arxiv_id:
            paper_id, id_version = normalize_arxiv_id(entry.arxiv_id)
            version = version or id_version
        else:
            known = doi_index.find(entry.doi) if doi_index and entry.doi else None
            paper_id = known or title_slug(title, entry.year)
        check_paper_id(paper_id)
        slug = paper_slug(paper_id)
    except InvalidId as exc:
        return Problem(entry.origin, f"id: {exc}")
    problem = check_links(entry.links)
    if problem:
        return Problem(entry.origin, problem)
    day = entry.day or options.day
    fields: Fields = {
        "id": paper_id,
        "title": title,
        "authors": unique([one_line(name) for name in entry.authors]),
        "abstract": paragraphs(entry.abstract),
        "date": day or options.today or dt.date.today(),
        "tags": unique([normalize_tag(tag) for tag in [*entry.tags, *options.tags]]),
        "published": entry.published,
        "updated": entry.updated if entry.updated != entry.published else None,
        "version": version,
        "links": dict(entry.links) or None,
        "venue": optional_text(entry.venue),
        "upvotes": entry.upvotes,
        "doi": optional_text(entry.doi),
        "comments": optional_text(entry.comments),
        "journal_ref": optional_text(entry.journal_ref),
    }
    if doi_index and entry.doi:
        doi_index.add(entry.doi, paper_id)
    return SettledRecord(slug, fields, entry.notes, entry.origin, day_defaulted=day is None)


def _fold(first: SettledRecord, second: SettledRecord) -> SettledRecord:
    """Two entries for one paper in one import: the later version wins, tags and links are pooled."""
    newer, older = (first, second) if (first.fields.get("version") or 0) > (second.fields.get("version") or 0) else (second, first)
    fields = {name: older.fields.get(name) if value is None else value for name, value in newer.fields.items()}
    fields["tags"] = unique(older.fields["tags"] + newer.fields["tags"])
    fields["links"] = {**(older.fields.get("links") or {}), **(newer.fields.get("links") or {})} or None
    logger.info("%s and %s are the same paper `%s`; merged", older.origin, newer.origin, fields["id"])
    return SettledRecord(newer.slug, fields, newer.notes or older.notes, newer.origin, newer.day_defaulted and older.day_defaulted)


def _plan(record: SettledRecord, content_dir: Path, source: str, report: ImportReport) -> tuple[str, str, str] | None:
    """Merge one record with its file and note the outcome; what to write: (slug, record text, sidecar text), "" for no change."""
    path = record_path(content_dir, record.slug)
    side_path = sidecar_path(content_dir, record.slug)
    imported = {name: value for name, value in record.fields.items() if value is not None}
    current = None
    if path.exists():
        try:
            current = read_record(path)
        except RecordFileError as exc:
            report.problems.append(Problem(record.origin, f"{exc}; the record was left as it is", "fix the file, then import again"))
            return None
        if record.day_defaulted:
            del imported["date"]
    last = read_sidecar(side_path)
    known_version = max(_version(current.fields), _version(last)) if current else 0
    if imported.get("version") and imported["version"] < known_version:
        # An older version of a paper already imported at a newer one (a saved
        # answer imported late): its title and abstract are out of date.
        logger.info("%s: version %s is older than the record's %s; only tags and links are merged", record.origin, imported["version"], known_version)
        imported = {name: value for name, value in imported.items() if name in ("id", "tags", "links")}
    result = merge(imported, current.fields if current else None, last)
    sidecar_text = render_sidecar(source, result.sidecar)
    old_sidecar = side_path.read_text(encoding="utf-8") if side_path.exists() else None
    if current is None:
        record_text = render_record(result.fields, _notes_body(record.notes))
        status = "created"
    elif result.changes:
        record_text = render_record(result.fields, current.body)
        status = "updated"
    else:
        record_text = ""
        status = "unchanged"
    report.outcomes.append(RecordOutcome(status, path, record.fields["id"], tuple(result.changes), tuple(result.conflicts)))
    if not record_text and sidecar_text == old_sidecar:
        return None
    return record.slug, record_text, "" if sidecar_text == old_sidecar else sidecar_text


def _version(fields: Fields | None) -> int:
    version = (fields or {}).get("version")
    return version if isinstance(version, int) and not isinstance(version, bool) else 0


def _notes_body(notes: str) -> str:
    notes = notes.strip("\n")
    return f"{notes}\n" if notes.strip() else ""


class _DoiIndex:
    """DOI -> id of existing records, so a paper without an arXiv id finds its record by DOI.

    Built on first use from the `doi:` lines of the records' front matter (a
    line scan, not a YAML parse: only papers without an arXiv id need it).
    """

    _LINE = re.compile(r'^doi:\s*["\']?(.+?)["\']?\s*$')
    _ID = re.compile(r'^id:\s*["\']?(.+?)["\']?\s*$')

    def __init__(self, content_dir: Path) -> None:
        self.content_dir = content_dir
        self._index: dict[str, str] | None = None
        self._added: dict[str, str] = {}
        """DOIs of papers settled in this import, which are not on disk yet."""

    def _load(self) -> dict[str, str]:
        index: dict[str, str] = {}
        folder = self.content_dir / PAPERS_DIR
        for path in sorted(folder.glob("*.md")) if folder.is_dir() else []:
            doi = paper_id = None
            with path.open(encoding="utf-8", errors="replace") as stream:
                for number, line in enumerate(stream):
                    if number and line.rstrip() == "---":
                        break
                    doi = doi or (m.group(1) if (m := self._LINE.match(line)) else None)
                    paper_id = paper_id or (m.group(1) if (m := self._ID.match(line)) else None)
            if doi and paper_id:
                index.setdefault(doi.lower(), paper_id)
        return index

    def find(self, doi: str) -> str | None:
        key = doi.strip().lower()
        if key in self._added:
            return self._added[key]
        if self._index is None:
            self._index = self._load()
        return self._index.get(key)

    def add(self, doi: str, paper_id: str) -> None:
        self._added.setdefault(doi.strip().lower(), paper_id)
