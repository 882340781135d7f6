"""The `import` sub-command: `python build.py import SOURCE_KIND INPUT... [options]`.

`add_import_command(subparsers)` registers it on the main CLI's argparse
subparsers; `run_import(args)` runs it and returns the exit status:
0 when every entry was imported, 1 when entries were skipped, `--strict`
stopped the import, or a source could not be read; argparse uses 2 for
usage errors.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from pathlib import Path
from typing import Any, TextIO

from . import SOURCE_KINDS, ImportOptions, ImportReport, SourceError, import_records
from .record_file import RecordFileError

EPILOG = """\
examples:
  import arxiv 2503.10000 hep-th/9901001v2 --date 2025-03-12 --tag reading-group
  import arxiv --query 'cat:cs.CL AND ti:retrieval' --max-results 20
  import arxiv saved-answer.xml
  import hf daily_papers.json --keywords-as-tags
  import hf --fetch-date 2025-07-16 --api-url URL
  import bibtex references.bib --tag thesis
  import arxiv-oai arxiv-metadata-oai-snapshot.json --category cs.CL --since 2025-01-01 --limit 500
  import jsonl papers.jsonl --strict
  import seed page.txt --year 2025

An existing record is merged, never overwritten: fields the curator edited
are kept (and listed as conflicts when the source changed them too), tags
are added, never re-added once removed, and the notes are never touched.
What was imported is remembered in <content>/.imported/<id>.json.
"""

# Options that only mean something for some source kinds: dest -> kinds.
SOURCE_OPTIONS: dict[str, tuple[str, ...]] = {
    "query": ("arxiv",),
    "max_results": ("arxiv",),
    "api_url": ("arxiv", "hf"),
    "delay": ("arxiv", "hf"),
    "fetch_date": ("hf",),
    "keywords_as_tags": ("hf",),
    "category": ("arxiv-oai",),
    "since": ("arxiv-oai",),
    "limit": ("arxiv-oai",),
    "year": ("seed",),
}


def _day(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got `{text}`") from None


def _count(text: str) -> int:
    if not text.isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of at least 1, got `{text}`")
    return int(text)


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected seconds (0 or more), got `{text}`")
    return value


def add_import_command(subparsers: Any) -> argparse.ArgumentParser:
    """Register `import` on the main CLI's subparsers; it runs `run_import`."""
    kinds = "\n".join(f"  {kind.name:<10} {kind.summary}" for kind in SOURCE_KINDS.values())
    parser: argparse.ArgumentParser = subparsers.add_parser(
        "import",
        help="import papers into content/papers/ (arXiv, Daily Papers, BibTeX, JSON lines)",
        description=f"Import papers as record files, merging with existing ones.\n\nsource kinds:\n{kinds}",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("kind", metavar="SOURCE_KIND", choices=list(SOURCE_KINDS), help="one of: " + ", ".join(SOURCE_KINDS))
    parser.add_argument("inputs", metavar="INPUT", nargs="*", help="files to read (arxiv: also ids such as 2503.10000v2)")
    common = parser.add_argument_group("all sources")
    common.add_argument("--content", type=Path, default=Path("content"), metavar="DIR", help="content folder (default: content)")
    common.add_argument("--date", type=_day, metavar="YYYY-MM-DD", help="digest day for papers whose source gives none (default: today)")
    common.add_argument("--tag", action="append", default=[], metavar="T", help="add this tag to every imported paper (repeatable)")
    common.add_argument("--dry-run", action="store_true", help="show what would be created, updated and skipped; write nothing")
    common.add_argument("--strict", action="store_true", help="stop before writing anything if any entry is bad")
    # Not `--verbose`: that is the main CLI's logging switch, and a sub-command
    # default of the same name would silently turn it off.
    common.add_argument("--list-unchanged", action="store_true", help="also list the records that did not change")
    live = parser.add_argument_group("arxiv and hf")
    live.add_argument("--query", metavar="Q", help="arxiv: fetch the results of this arXiv API search query")
    live.add_argument("--max-results", type=_count, default=50, metavar="N", help="arxiv: at most N results for --query (default: 50)")
    live.add_argument(
        "--api-url", metavar="URL",
        help="API base URL (arxiv: default $PAPER_DIGEST_ARXIV_API, else arXiv's export API; hf: default $PAPER_DIGEST_HF_API)",
    )  # fmt: skip
    live.add_argument("--delay", type=_seconds, default=3.0, metavar="S", help="seconds between requests (default: 3, as arXiv asks)")
    live.add_argument("--fetch-date", type=_day, metavar="YYYY-MM-DD", help="hf: fetch the Daily Papers of this day")
    live.add_argument("--keywords-as-tags", action="store_true", help="hf: turn the papers' ai_keywords into tags")
    oai = parser.add_argument_group("arxiv-oai")
    oai.add_argument("--category", action="append", default=[], metavar="CAT", help="keep papers in this category (cs.CL) or archive (cs); repeatable")
    oai.add_argument("--since", type=_day, metavar="YYYY-MM-DD", help="keep papers whose metadata changed on or after this day")
    oai.add_argument("--limit", type=_count, metavar="N", help="stop after N papers")
    seed = parser.add_argument_group("seed")
    seed.add_argument("--year", type=int, default=2025, help="year of the page's day headings (default: 2025)")
    parser.set_defaults(handler=run_import, import_parser=parser)
    return parser


def run_import(args: argparse.Namespace, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    parser: argparse.ArgumentParser | None = getattr(args, "import_parser", None)
    usage_error = _usage_error(args)
    if usage_error:
        if parser:
            parser.error(usage_error)
        print(f"error: {usage_error}", file=sys.stderr)
        return 2
    options = ImportOptions(
        content_dir=args.content,
        day=args.date,
        tags=tuple(args.tag),
        dry_run=args.dry_run,
        strict=args.strict,
        api_url=args.api_url,
        query=args.query,
        max_results=args.max_results,
        request_delay=args.delay,
        fetch_date=args.fetch_date,
        keywords_as_tags=args.keywords_as_tags,
        categories=tuple(args.category),
        since=args.since,
        limit=args.limit,
        year=args.year,
    )
    try:
        report = import_records(args.kind, args.inputs, options)
    except (SourceError, RecordFileError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was half-written", file=sys.stderr)
        return 130
    print_report(report, out, list_unchanged=args.list_unchanged)
    return 1 if report.problems or report.aborted else 0


def _usage_error(args: argparse.Namespace) -> str | None:
    defaults = {"max_results": 50, "delay": 3.0, "year": 2025, "keywords_as_tags": False, "category": [], "limit": None}
    for dest, kinds in SOURCE_OPTIONS.items():
        value = getattr(args, dest, None)
        if args.kind not in kinds and value not in (None, defaults.get(dest)):
            return f"--{dest.replace('_', '-')} does not apply to `{args.kind}` (only to {', '.join(kinds)})"
    if not args.inputs and not args.query and not args.fetch_date:
        hint = {"arxiv": " or --query", "hf": " or --fetch-date"}.get(args.kind, "")
        return f"give at least one INPUT{hint}"
    if args.kind == "seed" and not 1 <= args.year <= 9999:
        return f"--year must be a year, got {args.year}"
    return None


def print_report(report: ImportReport, out: TextIO, *, list_unchanged: bool = False) -> None:
    """The import's outcome, file by file, then one summary line."""
    would = "would " if report.dry_run else ""
    for outcome in report.outcomes:
        if outcome.status == "unchanged" and not list_unchanged:
            continue
        verb = {"created": "create", "updated": "update", "unchanged": "unchanged"}[outcome.status]
        label = f"{would}{verb}" if report.dry_run and outcome.status != "unchanged" else outcome.status
        print(f"{label:<15} {outcome.path}", file=out)
        if outcome.status == "updated":
            for change in outcome.changes:
                print(f"    {change.field}: {_short(change.old)} -> {_short(change.new)}", file=out)
    for outcome, conflict in report.conflicts:
        print(
            f"conflict        {outcome.path}: {conflict.field}: kept your {_short(conflict.kept)}; "
            f"the source now says {_short(conflict.imported)}",
            file=out,
        )
    for problem in report.problems:
        print(f"skipped         {problem}", file=out)
    if report.aborted:
        print(f"--strict: {len(report.problems)} bad entr{'y' if len(report.problems) == 1 else 'ies'}; nothing was written", file=out)
        return
    counts = [f"{len(report.with_status(status))} {status}" for status in ("created", "updated", "unchanged")]
    counts += [f"{len(report.problems)} skipped", f"{len(report.conflicts)} conflict{'' if len(report.conflicts) == 1 else 's'}"]
    print(("dry run, nothing written: " if report.dry_run else "") + ", ".join(counts), file=out)


def _short(value: Any, limit: int = 70) -> str:
    if value is None:
        return "(none)"
    if isinstance(value, dt.date):
        return value.isoformat()
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= limit else text[: limit - 1] + "…"
