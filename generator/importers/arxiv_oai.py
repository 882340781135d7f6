"""The arXiv metadata snapshot (OAI export), one JSON object per line, streamed.

The snapshot is several gigabytes, so it is read line by line and filtered as
it goes (`--category`, `--since`, `--limit`); it is never loaded whole.
Authors come from `authors_parsed` (`[last, first, suffix, affiliation...]`,
written "First Last Suffix") when present, else from the `authors` string;
LaTeX in names and titles becomes Unicode. `versions[].created` gives
`published` (first) and `updated` (latest); the record keeps the last
version number. `--since` compares with `update_date`, the day the metadata
last changed.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from .arxiv import arxiv_links, category_tags, load_category_tags
from .base import Entry, ImportOptions, Problem, ReadResult, one_line, optional_text, paragraphs, parse_day
from .latex_text import accents_to_unicode, latex_to_unicode


def read(inputs: Sequence[str], options: ImportOptions) -> Iterator[ReadResult]:
    mapping = load_category_tags(options.content_dir)
    count = 0
    for name in inputs:
        try:
            stream = open(name, encoding="utf-8")
        except OSError as exc:
            yield Problem(name, f"cannot read the file: {exc.strerror or exc}")
            continue
        with stream:
            for number, line in enumerate(stream, start=1):
                if options.limit is not None and count >= options.limit:
                    return
                if not line.strip():
                    continue
                origin = f"{name}:{number}"
                try:
                    data = json.loads(line)
                except json.JSONDecodeError as exc:
                    yield Problem(origin, f"invalid JSON: {exc.msg} at column {exc.colno}")
                    continue
                if not isinstance(data, dict):
                    yield Problem(origin, "expected a JSON object on the line")
                    continue
                if not _wanted(data, options):
                    continue
                result = _entry(data, origin, mapping)
                count += isinstance(result, Entry)
                yield result


def _wanted(data: dict[str, Any], options: ImportOptions) -> bool:
    if options.categories:
        categories = str(data.get("categories") or "").split()
        if not any(_in_category(category, wanted) for category in categories for wanted in options.categories):
            return False
    if options.since:
        changed = parse_day(data.get("update_date"))
        if changed is None or changed < options.since:
            return False
    return True


def _in_category(category: str, wanted: str) -> bool:
    """`cs.CL` matches `cs.CL`; a whole archive `cs` matches `cs.CL` and `cs.LG`."""
    return category.lower() == wanted.lower() or category.lower().startswith(wanted.lower() + ".")


def _entry(data: dict[str, Any], origin: str, mapping: dict[str, str]) -> ReadResult:
    raw_id = data.get("id")
    if not isinstance(raw_id, str) or not raw_id.strip():
        return Problem(origin, "the line has no `id`; skipped")
    versions = [item for item in data.get("versions") or [] if isinstance(item, dict)]
    numbers = [int(match.group(1)) for item in versions if (match := re.fullmatch(r"v(\d+)", str(item.get("version"))))]
    doi = optional_text(data.get("doi"))
    links = arxiv_links(raw_id)
    if doi:
        links["doi"] = f"https://doi.org/{doi}"
    return Entry(
        origin=f"{origin} `{raw_id.strip()}`",
        title=latex_to_unicode(one_line(_text(data.get("title")))),
        authors=_authors(data),
        abstract=accents_to_unicode(paragraphs(_text(data.get("abstract")), indent_starts_paragraph=True)),
        arxiv_id=raw_id.strip(),
        version=max(numbers) if numbers else None,
        published=_created(versions[0]) if versions else None,
        updated=_created(versions[-1]) if versions else None,
        tags=category_tags(str(data.get("categories") or "").split(), mapping),
        links=links,
        doi=doi,
        comments=optional_text(data.get("comments")),
        journal_ref=optional_text(data.get("journal-ref")),
    )


def _text(value: object) -> str:
    return value if isinstance(value, str) else ""


def _authors(data: dict[str, Any]) -> list[str]:
    parsed = data.get("authors_parsed")
    names: list[str] = []
    if isinstance(parsed, list) and parsed:
        for parts in parsed:
            if not isinstance(parts, list) or not parts:
                continue
            last, first, suffix = ([str(part or "") for part in parts] + ["", ""])[:3]
            names.append(" ".join(part for part in (first, last, suffix) if part.strip()))
    else:
        text = re.sub(r"\([^()]*\)", "", _text(data.get("authors")))
        names = re.split(r",\s*(?:and\s+)?|\s+and\s+", text)
    return [name for name in (one_line(latex_to_unicode(name)) for name in names) if name]


def _created(version: dict[str, Any]) -> dt.date | None:
    """`Mon, 2 Apr 2007 19:18:42 GMT` -> 2007-04-02 (RFC 2822, in UTC)."""
    try:
        moment = email.utils.parsedate_to_datetime(str(version.get("created")))
    except (TypeError, ValueError):
        return None
    if moment.tzinfo is not None:
        moment = moment.astimezone(dt.UTC)
    return moment.date()
