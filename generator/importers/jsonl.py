"""JSON lines with the record's own field names: the route for any other tool.

One JSON object per line, blank lines ignored. The fields are the record
schema's (see `docs/importing.md`), plus `notes` for a new
record. Unknown fields and wrongly typed values make the line a problem,
reported as `file:line`, never a guess.
"""

from __future__ import annotations

import datetime as dt
import difflib
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from .base import Entry, ImportOptions, Problem, ReadResult, clean_text, optional_text, paragraphs

TEXT_FIELDS = ("venue", "doi", "comments", "journal_ref")
DATE_FIELDS = ("date", "published", "updated")
COUNT_FIELDS = ("version", "upvotes")
KNOWN_FIELDS = (
    "id", "title", "authors", "abstract", "date", "tags", "links",
    *DATE_FIELDS[1:], *COUNT_FIELDS, *TEXT_FIELDS, "notes",
)  # fmt: skip


class _BadLine(ValueError):
    pass


def read(inputs: Sequence[str], options: ImportOptions) -> Iterator[ReadResult]:
    for name in inputs:
        try:
            stream = open(name, encoding="utf-8-sig")
        except OSError as exc:
            yield Problem(name, f"cannot read the file: {exc.strerror or exc}")
            continue
        with stream:
            try:
                for number, line in enumerate(stream, start=1):
                    if line.strip():
                        yield parse_line(line, f"{name}:{number}")
            except UnicodeDecodeError as exc:
                yield Problem(name, f"not UTF-8 text: {exc}")


def parse_line(line: str, origin: str) -> ReadResult:
    try:
        data = json.loads(line)
    except json.JSONDecodeError as exc:
        return Problem(origin, f"invalid JSON: {exc.msg} at column {exc.colno}")
    if not isinstance(data, dict):
        return Problem(origin, "expected a JSON object (`{...}`) on the line")
    if isinstance(data.get("id"), str):
        origin = f"{origin} `{data['id']}`"
    try:
        return _entry(data, origin)
    except _BadLine as exc:
        return Problem(origin, str(exc))


def _entry(data: dict[str, Any], origin: str) -> Entry:
    for key in data:
        if key not in KNOWN_FIELDS:
            close = difflib.get_close_matches(key, KNOWN_FIELDS, n=1)
            hint = f"; did you mean `{close[0]}`?" if close else f"; known fields: {', '.join(KNOWN_FIELDS)}"
            raise _BadLine(f"unknown field `{key}`{hint}")
    title = _text(data, "title")
    if not title or not title.strip():
        raise _BadLine("`title` is required")
    paper_id = _text(data, "id")
    entry = Entry(
        origin=origin,
        title=title,
        paper_id=paper_id,
        authors=_strings(data, "authors"),
        abstract=paragraphs(_text(data, "abstract") or ""),
        tags=_strings(data, "tags"),
        links=_links(data),
        notes=clean_text(_text(data, "notes") or ""),
    )
    entry.day, entry.published, entry.updated = (_date(data, name) for name in DATE_FIELDS)
    entry.version, entry.upvotes = (_count(data, name) for name in COUNT_FIELDS)
    entry.venue, entry.doi, entry.comments, entry.journal_ref = (optional_text(_text(data, name)) for name in TEXT_FIELDS)
    return entry


def _text(data: dict[str, Any], name: str) -> str | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _BadLine(f"`{name}`: expected text, got {_kind(value)}")
    return value


def _strings(data: dict[str, Any], name: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise _BadLine(f'`{name}`: expected a list of text, e.g. ["a", "b"], got {_kind(value)}')
    return value


def _date(data: dict[str, Any], name: str) -> dt.date | None:
    value = _text(data, name)
    if value is None:
        return None
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
            raise ValueError
        return dt.date.fromisoformat(value)
    except ValueError:
        raise _BadLine(f"`{name}`: expected a date YYYY-MM-DD, got `{value}`") from None


def _count(data: dict[str, Any], name: str) -> int | None:
    value = data.get(name)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise _BadLine(f"`{name}`: expected a whole number of at least 0, got {_kind(value)}")
    return value


def _links(data: dict[str, Any]) -> dict[str, str]:
    value = data.get("links")
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(isinstance(url, str) for url in value.values()):
        raise _BadLine(f'`links`: expected an object of names to URLs, e.g. {{"code": "https://..."}}, got {_kind(value)}')
    return {str(name): url.strip() for name, url in value.items()}


def _kind(value: object) -> str:
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, (int, float)):
        return f"the number {value}"
    if isinstance(value, str):
        return f"text `{value[:40]}`"
    if isinstance(value, list):
        return "a list"
    return "an object" if isinstance(value, dict) else "null"
