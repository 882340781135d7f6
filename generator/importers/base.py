"""What every source reader produces, and the text clean-up they share.

A reader turns its input into `Entry` values (one paper as the source gives it)
and `Problem` values (one bad entry, with its position). Ids, digest days and
tags are settled later, in one place (`generator.importers.settle_entry`).
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from ..characters import FORBIDDEN_CHARACTERS
from ..records import LINK_NAME, is_safe_url


@dataclass
class Entry:
    """One paper as a source gives it, before its id, day and tags are settled."""

    origin: str
    """Where it came from, for messages: `papers.jsonl:12`, `refs.bib: entry \\`smith20\\``."""
    title: str
    authors: list[str] = field(default_factory=list)
    abstract: str = ""
    arxiv_id: str | None = None
    """An arXiv id as the source spells it (`arXiv:2503.10000v2` is fine)."""
    paper_id: str | None = None
    """An explicit record id (the `jsonl` source); wins over everything else."""
    day: dt.date | None = None
    """The digest day, when the source knows it."""
    year: int | None = None
    """The paper's year, for the title slug of a paper without an arXiv id."""
    tags: list[str] = field(default_factory=list)
    published: dt.date | None = None
    updated: dt.date | None = None
    version: int | None = None
    links: dict[str, str] = field(default_factory=dict)
    venue: str | None = None
    upvotes: int | None = None
    doi: str | None = None
    comments: str | None = None
    journal_ref: str | None = None
    notes: str = ""
    """Notes for a new record (the `jsonl` source); never written over existing notes."""


@dataclass(frozen=True)
class Problem:
    """One input entry that cannot be imported, with its position."""

    origin: str
    message: str
    hint: str | None = None

    def __str__(self) -> str:
        hint = f" (hint: {self.hint})" if self.hint else ""
        return f"{self.origin}: {self.message}{hint}"


ReadResult = Entry | Problem


class SourceError(Exception):
    """A whole input cannot be read (wrong shape, unreachable server): one line for the user."""


# Control characters other than line breaks, plus the characters YAML and
# browsers read as line or paragraph separators.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")


def _normalize(text: str) -> str:
    """NFC, LF line ends, tabs as spaces, control characters as spaces, no characters HTML forbids.

    The loader refuses non-characters and lone surrogates (issue 11), so an
    import must never write one: they are dropped here.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))
    return FORBIDDEN_CHARACTERS.sub("", _CONTROL.sub(" ", text.replace("\t", " ")))


def clean_text(text: str) -> str:
    """Normalised text without trailing spaces on its lines or blank lines around it (notes)."""
    return "\n".join(line.rstrip() for line in _normalize(text).split("\n")).strip()


def one_line(text: str | None) -> str:
    """A title, name or short field: normalised, every run of whitespace one space.

    arXiv hard-wraps titles with `\\n  `; this puts them back on one line.
    """
    return " ".join(_normalize(text).split()) if text else ""


def paragraphs(text: str | None, *, indent_starts_paragraph: bool = False) -> str:
    """Un-wrap hard-wrapped text into paragraphs separated by one blank line.

    With `indent_starts_paragraph`, an indented line also starts a paragraph:
    arXiv writes abstracts that way (`...end.\\n  Next paragraph`), with
    continuation lines at column 0.
    """
    result: list[list[str]] = [[]]
    for number, line in enumerate(_normalize(text or "").split("\n")):
        starts_new = not line.strip() or (indent_starts_paragraph and number > 0 and line[:1] == " ")
        if starts_new and result[-1]:
            result.append([])
        if line.strip():
            result[-1].append(line.strip())
    return "\n\n".join(" ".join(" ".join(lines).split()) for lines in result if lines)


def optional_text(text: object) -> str | None:
    """A short optional field (comments, venue, DOI): None when missing, not text or empty."""
    if not isinstance(text, str):
        return None
    return one_line(text) or None


def parse_day(text: object) -> dt.date | None:
    """The UTC calendar day of an ISO date or timestamp (`2024-05-28T03:14:41.021Z`), or None.

    `2016-10-09T23:00:00-04:00` is the 10th: days are counted in UTC, as arXiv does.
    """
    if not isinstance(text, str):
        return None
    try:
        moment = dt.datetime.fromisoformat(text.strip())
    except ValueError:
        return None
    return (moment.astimezone(dt.UTC) if moment.tzinfo else moment).date()


def normalize_tag(tag: str) -> str:
    """`Computer Vision ` -> `computer-vision`: lower-case, spaces as hyphens, nothing else changed."""
    return "-".join(one_line(tag).lower().split())


def unique(items: list[str]) -> list[str]:
    """Items in first-seen order, without repeats or empty strings."""
    seen: set[str] = set()
    result = []
    for item in items:
        if item and item not in seen:
            seen.add(item)
            result.append(item)
    return result


# A URL ends at whitespace, a quote, a bracket or a LaTeX brace; trailing
# punctuation belongs to the sentence, not the URL.
_URL = re.compile(r"https?://[^\s<>\"'{}\\]+", re.IGNORECASE)
_TRAILING = ".,;:!?*_"
_CODE_HOSTS = ("github.com", "gitlab.com", "bitbucket.org", "codeberg.org")
_VIDEO_HOSTS = ("youtube.com", "youtu.be", "vimeo.com")


def urls_in_text(text: str) -> list[str]:
    """http(s) URLs named in running text, trailing punctuation and unbalanced brackets removed."""
    return unique([url for url, _ in _find_urls(text)])


def _find_urls(text: str) -> list[tuple[str, int]]:
    found = []
    for match in _URL.finditer(text):
        url = match.group(0)
        while url:
            closing = {")": "(", "]": "["}.get(url[-1])
            if url[-1] not in _TRAILING and not (closing and url.count(closing) < url.count(url[-1])):
                break
            url = url[:-1]
        if is_safe_url(url) and re.match(r"https?://[^/]+\.[a-z]{2,}", url, re.IGNORECASE):
            found.append((url, match.start()))
    return found


def links_from_text(text: str) -> dict[str, str]:
    """Name the URLs an abstract mentions: `code` for repositories, `video`, `demo`, else `project`.

    A second link of the same kind is `code-2`, and so on. "demo" is taken
    from the words just before the URL ("The online demo is available at ...").
    """
    links: dict[str, str] = {}
    for url, start in _find_urls(text):
        if url in links.values():
            continue
        host = re.sub(r"^www\.", "", url.split("/")[2].lower())
        before = _URL.sub(" ", text[max(0, start - 40): start]).lower()
        if host in _CODE_HOSTS:
            name = "code"
        elif host in _VIDEO_HOSTS:
            name = "video"
        elif "demo" in before:
            name = "demo"
        else:
            name = "project"
        number = 1
        key = name
        while key in links:
            number += 1
            key = f"{name}-{number}"
        links[key] = url
    return links


def check_links(links: dict[str, str]) -> str | None:
    """None when every link has an allowed name and an http(s) URL, else what is wrong."""
    for name, url in links.items():
        if not LINK_NAME.match(name):
            return f"link name `{name}` is not lower-case letters, digits, `_` and `-`"
        if not is_safe_url(url):
            return f"link `{name}` is not an http(s) URL: `{url}`"
    return None


@dataclass(frozen=True)
class ImportOptions:
    """Everything `import_records` needs besides the inputs; the CLI fills it from its flags."""

    content_dir: Path = Path("content")
    """The content folder: records go to `<content>/papers/`, sidecars to `<content>/.imported/`."""
    day: dt.date | None = None
    """`--date`: the digest day of papers whose source gives none (default: today)."""
    tags: tuple[str, ...] = ()
    """`--tag`: tags added to every imported paper."""
    dry_run: bool = False
    """Report what would change, write nothing."""
    strict: bool = False
    """Any bad entry stops the import before anything is written."""
    today: dt.date | None = None
    """The day used when neither the source nor `--date` gives one (None: the real today)."""
    api_url: str | None = None
    """Base URL of the source's web API (`arxiv`, `hf`); None: the source's default or environment variable."""
    query: str | None = None
    """`arxiv --query`: an arXiv API search query, e.g. `cat:cs.CL AND ti:retrieval`."""
    max_results: int = 50
    """`arxiv --max-results`: how many papers a query imports at most."""
    request_delay: float = 3.0
    """Seconds between two requests to the same API (arXiv asks for 3)."""
    timeout: float = 30.0
    """Seconds to wait for one HTTP response."""
    retries: int = 3
    """How often a request is retried after a timeout or a 5xx answer."""
    fetch_date: dt.date | None = None
    """`hf --fetch-date`: fetch the Daily Papers of this day instead of reading files."""
    keywords_as_tags: bool = False
    """`hf --keywords-as-tags`: turn `ai_keywords` into tags (there are often ten or more)."""
    categories: tuple[str, ...] = ()
    """`arxiv-oai --category`: keep papers in one of these categories (`cs.CL`, or a whole archive: `cs`)."""
    since: dt.date | None = None
    """`arxiv-oai --since`: keep papers whose metadata changed on or after this day (`update_date`)."""
    limit: int | None = None
    """`arxiv-oai --limit`: stop after this many papers."""
    year: int = 2025
    """`seed --year`: the year of the day headings (`Mar 12`), which the page format leaves out."""
