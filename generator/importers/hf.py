"""Hugging Face Daily Papers: the API's JSON, from files or fetched for one day.

The API answers a list of items, each with a `paper` object (`id` is the
arXiv id, `title`, `summary`, `authors[].name`, `upvotes`, `githubRepo`,
`projectPage`, `ai_keywords`, `publishedAt`). The digest day is the paper's
`submittedOnDailyAt`; the oldest shape (2024) has no such key, and there the
item's own `publishedAt` is the day the paper was featured. Text may hold HTML
entities (`&amp;`), which are decoded: the site escapes on output.

There is no built-in API address: give it with `--api-url` or the
environment variable PAPER_DIGEST_HF_API (the `daily_papers` endpoint, which
takes `?date=YYYY-MM-DD`).
"""

from __future__ import annotations

import html
import json
import logging
import os
import urllib.parse
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from .arxiv import arxiv_links
from .base import Entry, ImportOptions, Problem, ReadResult, SourceError, paragraphs, parse_day
from .fetch import HttpClient, check_base_url
from .latex_text import accents_to_unicode, latex_to_unicode

logger = logging.getLogger(__name__)

API_URL_VARIABLE = "PAPER_DIGEST_HF_API"
SHAPE_HINT = "expected a JSON list of items, each with a `paper` object, as the Daily Papers API serves it"


def read(inputs: Sequence[str], options: ImportOptions) -> Iterator[ReadResult]:
    if options.fetch_date:
        base = options.api_url or os.environ.get(API_URL_VARIABLE)
        if not base:
            raise SourceError(f"--fetch-date needs the Daily Papers API address: pass --api-url or set {API_URL_VARIABLE}")
        url = f"{check_base_url(base, 'Daily Papers')}?{urllib.parse.urlencode({'date': options.fetch_date.isoformat()})}"
        client = HttpClient(delay=options.request_delay, timeout=options.timeout, retries=options.retries)
        response = client.get(url)
        if response.status != 200:
            raise SourceError(f"`{url}` answered HTTP {response.status}")
        for item in read_json(response.body, url, keywords_as_tags=options.keywords_as_tags):
            if isinstance(item, Entry) and item.day is None:
                item.day = options.fetch_date
            yield item
    for name in inputs:
        try:
            data = Path(name).read_bytes()
        except OSError as exc:
            yield Problem(name, f"cannot read the file: {exc.strerror or exc}")
            continue
        yield from read_json(data, name, keywords_as_tags=options.keywords_as_tags)


def read_json(data: bytes, origin: str, *, keywords_as_tags: bool = False) -> Iterator[ReadResult]:
    """Entries of one Daily Papers answer; one Problem for the whole input if it is not that shape."""
    try:
        items = json.loads(data.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        yield Problem(origin, f"not JSON: {exc}", SHAPE_HINT)
        return
    if not isinstance(items, list):
        yield Problem(origin, f"not the Daily Papers API shape: {_describe(items)}", _shape_hint(items))
        return
    for number, item in enumerate(items, start=1):
        position = f"{origin}: item {number}"
        paper = item.get("paper") if isinstance(item, dict) else None
        if not isinstance(paper, dict):
            yield Problem(position, f"not a Daily Papers item ({_describe(item)}); skipped", SHAPE_HINT)
            continue
        yield _entry(item, paper, position, keywords_as_tags)


def _entry(item: dict[str, Any], paper: dict[str, Any], position: str, keywords_as_tags: bool) -> ReadResult:
    paper_id = paper.get("id")
    if not isinstance(paper_id, str) or not paper_id.strip():
        return Problem(position, "the paper has no `id`; skipped")
    title = _text(paper.get("title")) or _text(item.get("title"))
    authors = [_text(author.get("name")) for author in paper.get("authors") or [] if isinstance(author, dict)]
    links = arxiv_links(paper_id)
    for name, key in (("code", "githubRepo"), ("project", "projectPage")):
        url = paper.get(key)
        if isinstance(url, str) and url.strip().lower().startswith(("http://", "https://")):
            links[name] = url.strip()
        elif url:
            logger.warning("%s: ignored `%s` %r: not an http(s) URL", position, key, url)
    upvotes = paper.get("upvotes")
    keywords = paper.get("ai_keywords") if keywords_as_tags else None
    return Entry(
        origin=f"{position} `{paper_id}`",
        title=latex_to_unicode(title),
        authors=[latex_to_unicode(name) for name in authors if name],
        abstract=accents_to_unicode(paragraphs(html.unescape(str(paper.get("summary") or "")), indent_starts_paragraph=True)),
        arxiv_id=paper_id,
        day=parse_day(paper.get("submittedOnDailyAt")) or parse_day(item.get("publishedAt")),
        published=parse_day(paper.get("publishedAt")),
        upvotes=upvotes if isinstance(upvotes, int) and not isinstance(upvotes, bool) and upvotes >= 0 else None,
        links=links,
        tags=[_text(keyword) for keyword in keywords if isinstance(keyword, str)] if isinstance(keywords, list) else [],
    )


def _text(value: object) -> str:
    return " ".join(html.unescape(value).split()) if isinstance(value, str) else ""


def _describe(value: object) -> str:
    if isinstance(value, dict):
        keys = ", ".join(f"`{key}`" for key in list(value)[:6])
        return f"an object with keys {keys}" if keys else "an empty object"
    return {list: "a list", str: "text", int: "a number", float: "a number", bool: "true/false"}.get(type(value), "null")


def _shape_hint(value: object) -> str:
    data = value.get("data") if isinstance(value, dict) else None
    if isinstance(data, list) and data and all(isinstance(item, str) for item in data):
        return (
            "its `data` items are text holding Python `repr()` of dicts (`'isPro': False`), "
            "not JSON; export the API answer itself, e.g. with `json.dump(answer, file)`"
        )
    return SHAPE_HINT
