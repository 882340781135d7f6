"""BibTeX and biblatex files, parsed by bibtexparser 2.

LaTeX in every field becomes Unicode (`Schr{\\"o}dinger` -> `Schrödinger`,
`\\ch{TiO2}` -> `TiO₂`); math stays TeX (`$\\kappa$`). The arXiv id comes from
`eprint` with `archivePrefix` (BibTeX) or `eprinttype` (biblatex) `arXiv`, from
an arxiv.org `url`, or from a `journal` like `arXiv preprint arXiv:2503.10000`.
`url`, `doi` and `pdf` become links, `keywords` (and the arXiv category of
`primaryClass`/`eprintclass`, mapped as in the arxiv source) become tags, `journal` with
`volume` becomes `journal_ref`, else `journal`/`booktitle` is the `venue`, and
`note` is kept as `comments`. An entry without a title is reported and skipped.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import bibtexparser
from bibtexparser.middlewares.names import InvalidNameError, parse_single_name_into_parts, split_multiple_persons_names
from bibtexparser.model import DuplicateBlockKeyBlock, Entry as BibEntry

from ..ids import InvalidId, normalize_arxiv_id
from .arxiv import arxiv_links, category_tags, load_category_tags
from .base import Entry, ImportOptions, Problem, ReadResult, one_line, optional_text, paragraphs
from .latex_text import latex_to_unicode

logger = logging.getLogger(__name__)

MONTHS = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_ARXIV_URL = re.compile(r"arxiv\.org/(?:abs|pdf)/([^\s?#]+?)(?:\.pdf)?$", re.IGNORECASE)
_ARXIV_JOURNAL = re.compile(r"arxiv(?:\s+preprint)?\s*:?\s*(?:arxiv:)?\s*(\S+)", re.IGNORECASE)


def read(inputs: Sequence[str], options: ImportOptions) -> Iterator[ReadResult]:
    mapping = load_category_tags(options.content_dir)
    for name in inputs:
        try:
            text = Path(name).read_text(encoding="utf-8-sig")
        except (OSError, UnicodeDecodeError) as exc:
            yield Problem(name, f"cannot read the file as UTF-8 text: {exc}")
            continue
        yield from parse_bibtex(text, name, mapping)


def parse_bibtex(text: str, origin: str, mapping: dict[str, str] | None = None) -> Iterator[ReadResult]:
    library = bibtexparser.parse_string(text)  # type: ignore[attr-defined]  # exported, but not in `__all__`
    results: list[tuple[int, ReadResult]] = []
    for block in library.failed_blocks:
        line = (block.start_line or 0) + 1
        if isinstance(block, DuplicateBlockKeyBlock):
            message = f"a second entry with the key `{block.key}`; skipped"
        else:
            message = f"cannot parse this entry: {_first_line(block.error)}; skipped"
        results.append((line, Problem(f"{origin}:{line}", message, "check the braces and commas above this line")))
    for entry in library.entries:
        results.append(((entry.start_line or 0) + 1, _entry(entry, origin, mapping)))
    for _, result in sorted(results, key=lambda pair: pair[0]):
        yield result


def _first_line(error: object) -> str:
    reason = getattr(error, "abort_reason", None) or str(error)
    return " ".join(str(reason).split()) or type(error).__name__


def _entry(entry: BibEntry, origin: str, mapping: dict[str, str] | None) -> ReadResult:
    position = f"{origin}:{(entry.start_line or 0) + 1} entry `{entry.key}`"
    fields = {field.key.lower(): str(field.value) for field in entry.fields}
    title = _latex_line(fields.get("title"))
    if not title:
        return Problem(position, "the entry has no title; skipped")
    year = _year(fields.get("year"))
    arxiv_id = _arxiv_id(fields)
    doi = _doi(fields.get("doi"))
    links = arxiv_links(arxiv_id) if arxiv_id else {}
    url = one_line(fields.get("url"))
    if url.lower().startswith(("http://", "https://")) and not _ARXIV_URL.search(url):
        links["doi" if "doi.org/" in url.lower() else "url"] = url
    pdf = one_line(fields.get("pdf"))
    if pdf.lower().startswith(("http://", "https://")):
        links["pdf"] = pdf
    if doi:
        links["doi"] = f"https://doi.org/{doi}"
    journal = _latex_line(fields.get("journal") or fields.get("journaltitle"))
    if arxiv_id and journal and _ARXIV_JOURNAL.match(journal):
        journal = ""
    volume = _latex_line(fields.get("volume"))
    journal_ref = None
    if journal and volume:
        pages = _latex_line(fields.get("pages"))
        journal_ref = f"{journal} {volume}" + (f", {pages}" if pages else "") + (f" ({year})" if year else "")
    return Entry(
        origin=position,
        title=title,
        authors=_authors(fields.get("author") or fields.get("editor") or ""),
        abstract=paragraphs(latex_to_unicode(fields.get("abstract") or "")),
        arxiv_id=arxiv_id,
        year=year,
        published=_published(fields, year),
        tags=_tags(fields, arxiv_id, mapping),
        links=links,
        venue=None if journal_ref else (journal or _latex_line(fields.get("booktitle")) or None),
        doi=doi,
        comments=optional_text(latex_to_unicode(fields.get("note") or "")),
        journal_ref=journal_ref,
    )


def _latex_line(value: str | None) -> str:
    return one_line(latex_to_unicode(value)) if value else ""


def _tags(fields: dict[str, str], arxiv_id: str | None, mapping: dict[str, str] | None) -> list[str]:
    """`keywords`, then the arXiv category (`primaryClass`, biblatex `eprintclass`) mapped as the arxiv source does."""
    tags = [tag for tag in re.split(r"[,;]", _latex_line(fields.get("keywords"))) if tag.strip()]
    category = (fields.get("primaryclass") or fields.get("eprintclass") or "").strip()
    if arxiv_id and category and mapping is not None:
        tags += category_tags([category], mapping)
    return tags


def _authors(value: str) -> list[str]:
    names = []
    for person in split_multiple_persons_names(value):
        if person.strip().lower() == "others":
            continue
        try:
            parts = parse_single_name_into_parts(person)
            name = " ".join([*parts.first, *parts.von, *parts.last, *parts.jr])
        except InvalidNameError:
            name = person
        name = _latex_line(name).replace("{", "").replace("}", "")
        if name:
            names.append(name)
    return names


def _arxiv_id(fields: dict[str, str]) -> str | None:
    prefix = (fields.get("archiveprefix") or fields.get("eprinttype") or "").strip().lower()
    candidates = []
    if fields.get("eprint") and prefix in ("", "arxiv"):
        candidates.append(fields["eprint"])
    match = _ARXIV_URL.search(fields.get("url") or "")
    if match:
        candidates.append(match.group(1))
    match = _ARXIV_JOURNAL.match(fields.get("journal") or "")
    if match:
        candidates.append(match.group(1))
    for candidate in candidates:
        try:
            return normalize_arxiv_id(candidate.strip())[0]
        except InvalidId:
            continue
    return None


def _doi(value: str | None) -> str | None:
    if not value:
        return None
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:)", "", value.strip(), flags=re.IGNORECASE)
    return doi or None


def _year(value: str | None) -> int | None:
    match = re.search(r"\b(\d{4})\b", value or "")
    return int(match.group(1)) if match else None


def _published(fields: dict[str, str], year: int | None) -> dt.date | None:
    """A full date when the entry gives one (`date`, or `year` + `month` + `day`); a year alone is not a day."""
    match = re.fullmatch(r"\s*(\d{4}-\d{2}-\d{2})\s*", fields.get("date") or "")
    if match:
        try:
            return dt.date.fromisoformat(match.group(1))
        except ValueError:
            return None
    month_text = (fields.get("month") or "").strip().lower()
    day_text = (fields.get("day") or "").strip()
    if not (year and month_text and day_text.isdigit()):
        return None
    month = int(month_text) if month_text.isdigit() else (MONTHS.index(month_text[:3]) + 1 if month_text[:3] in MONTHS else 0)
    try:
        return dt.date(year, month, int(day_text))
    except ValueError:
        return None
