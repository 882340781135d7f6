"""The plain-text page format of the sample digest (a copied Daily Papers page).

    New
    Get trending papers in your email inbox!
    ...                      <- page furniture, ignored until the first day heading
    Mar 12                   <- a day heading: month abbreviation and day
    Title of the first paper
    Its abstract, one paragraph on one line.
    Title of the second paper
    ...

Blank lines do not matter; after a day heading, non-blank lines alternate
title / abstract. The page gives no year: it is `--year` (2025 unless told).
Nothing else is known about these papers: no authors, no arXiv ids (the id is
a slug of the title), no links but the URLs their abstracts name.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from .base import Entry, ImportOptions, Problem, ReadResult, links_from_text, one_line, paragraphs
from .latex_text import accents_to_unicode, latex_to_unicode

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
DAY_HEADING = re.compile(r"^(?P<month>[A-Za-z]{3})[a-z]*\.? (?P<day>\d{1,2})$")
# A title line longer than this is an abstract out of step: a title or abstract is missing.
MAX_TITLE_CHARS = 400


def read(inputs: Sequence[str], options: ImportOptions) -> Iterator[ReadResult]:
    for name in inputs:
        try:
            text = Path(name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            yield Problem(name, f"cannot read the file as UTF-8 text: {exc}")
            continue
        yield from parse_page(text, name, options.year)


def parse_page(text: str, origin: str, year: int) -> Iterator[ReadResult]:
    day: dt.date | None = None
    title: tuple[int, str] | None = None
    for number, line in enumerate(text.splitlines(), start=1):
        line = line.strip()
        if not line:
            continue
        heading = _day_heading(line, year)
        if heading:
            if title:
                yield Problem(f"{origin}:{title[0]}", f"`{title[1][:60]}` has no abstract line; skipped")
            day, title = heading, None
            continue
        if day is None:
            continue
        if title is None:
            if len(line) > MAX_TITLE_CHARS:
                yield Problem(f"{origin}:{number}", "expected a title line, found a paragraph; skipped", "is a title missing above it?")
                continue
            title = (number, line)
            continue
        yield Entry(
            origin=f"{origin}:{title[0]}",
            title=latex_to_unicode(one_line(title[1])),
            abstract=accents_to_unicode(paragraphs(line)),
            day=day,
            links=links_from_text(line),
        )
        title = None
    if title:
        yield Problem(f"{origin}:{title[0]}", f"`{title[1][:60]}` has no abstract line; skipped")


def _day_heading(line: str, year: int) -> dt.date | None:
    match = DAY_HEADING.match(line)
    if not match or match.group("month").lower() not in MONTHS:
        return None
    try:
        return dt.date(year, MONTHS.index(match.group("month").lower()) + 1, int(match.group("day")))
    except ValueError:
        return None
