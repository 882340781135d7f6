"""Paper ids, file names and URL slugs.

Every path segment the build writes comes from here, through an allow-list:
a record can never choose a path that leaves `output/` (issue: hostile input).
"""

from __future__ import annotations

import functools
import re
import unicodedata

from unidecode import unidecode

# `\Z`, not `$`: `$` also matches before a final newline, which would let
# `2503.10000\n` through as an id and into a file name.
# New-style arXiv ids (since 2007): YYMM.NNNN or YYMM.NNNNN, optional version.
# re.ASCII: `\d` alone also matches `٠` and other non-ASCII digits (issue 11).
NEW_ARXIV_ID = re.compile(r"^(?P<base>\d{4}\.\d{4,5})(?:v(?P<version>\d+))?\Z", re.ASCII)
# Old-style ids: archive[.SUBJ]/YYMMNNN, e.g. hep-th/9901001 or math.GT/0309136.
OLD_ARXIV_ID = re.compile(r"^(?P<base>[a-z][a-z-]*(?:\.[A-Z]{2})?/\d{7})(?:v(?P<version>\d+))?\Z", re.ASCII)
# Ids of papers that are not on arXiv: a lower-case ASCII slug.
SLUG_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
MAX_ID_LENGTH = 120

# Names Windows refuses as files, whatever the extension (a digest is often
# cloned onto Windows machines before it is pushed).
WINDOWS_DEVICE_NAMES = frozenset(
    ["con", "prn", "aux", "nul"] + [f"com{i}" for i in range(1, 10)] + [f"lpt{i}" for i in range(1, 10)]
)


class InvalidId(ValueError):
    """An id that is neither an arXiv id nor an allowed slug."""


def is_arxiv_id(paper_id: str) -> bool:
    return bool(NEW_ARXIV_ID.match(paper_id) or OLD_ARXIV_ID.match(paper_id))


def normalize_arxiv_id(raw: str) -> tuple[str, int | None]:
    """Strip `arXiv:` prefixes, URLs and versions: ``arXiv:2503.10000v2`` -> (``2503.10000``, 2).

    Raises InvalidId for anything that is not an arXiv id.
    """
    text = raw.strip()
    text = re.sub(r"^https?://(?:www\.|export\.)?arxiv\.org/(?:abs|pdf)/", "", text, flags=re.I)
    text = re.sub(r"\.pdf$", "", text)
    text = re.sub(r"^arxiv:", "", text, flags=re.I)
    for pattern in (NEW_ARXIV_ID, OLD_ARXIV_ID):
        match = pattern.match(text)
        if match:
            version = match.group("version")
            return match.group("base"), int(version) if version else None
    raise InvalidId(f"`{raw}` is not an arXiv id (expected e.g. `2503.10000` or `hep-th/9901001`)")


def check_paper_id(paper_id: str) -> None:
    """Raise InvalidId unless `paper_id` is a version-less arXiv id or an allowed slug."""
    if not paper_id:
        raise InvalidId("the id is empty")
    if len(paper_id) > MAX_ID_LENGTH:
        raise InvalidId(f"the id is {len(paper_id)} characters long; at most {MAX_ID_LENGTH} are allowed")
    if NEW_ARXIV_ID.match(paper_id) or OLD_ARXIV_ID.match(paper_id):
        if re.search(r"v\d+$", paper_id):
            raise InvalidId(f"`{paper_id}` carries a version; use the id without `v…` (the record keeps `version`)")
        return
    if not SLUG_ID.match(paper_id):
        raise InvalidId(
            f"`{paper_id}` is neither an arXiv id (`2503.10000`, `hep-th/9901001`) "
            "nor a slug of lower-case letters, digits and single hyphens"
        )
    if paper_id in WINDOWS_DEVICE_NAMES:
        raise InvalidId(f"`{paper_id}` is a reserved device name on Windows")


def paper_slug(paper_id: str) -> str:
    """The file name stem and URL segment of a paper: `hep-th/9901001` -> `hep-th-9901001`.

    New-style arXiv ids and slugs are used as they are. The old-style slash
    becomes a hyphen; `math.GT/0309136` becomes `math.gt-0309136`, since URLs
    and file names are lower-case (case-insensitive file systems).
    """
    check_paper_id(paper_id)
    return paper_id.replace("/", "-").lower()


@functools.lru_cache(maxsize=1 << 16)  # the same authors and tags come back on thousands of papers
def slugify(text: str, max_length: int = 80) -> str:
    """A stable, lower-case ASCII slug for tags, authors and titles.

    Letters with a transliteration become ASCII (`Schrödinger` -> `schrodinger`,
    `Łukasz` -> `lukasz`); text with none (for example Chinese names) keeps
    unidecode's romanisation, so every slug is non-empty when the text has a
    letter or digit. Returns "" when nothing usable is left; callers treat that
    as an error.
    """
    text = unicodedata.normalize("NFC", text)
    ascii_text = unidecode(text).lower()
    ascii_text = ascii_text.replace("&", " and ").replace("+", " plus ")
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")
    if len(slug) > max_length:
        slug = slug[:max_length].rstrip("-")
    if slug in WINDOWS_DEVICE_NAMES:
        slug = f"{slug}-x"
    return slug


def title_slug(title: str, year: int | None = None) -> str:
    """The id given to a paper without an arXiv id: a slug of its title (and year)."""
    slug = slugify(title, max_length=72)
    if year is not None:
        slug = f"{slug}-{year}"
    return slug
