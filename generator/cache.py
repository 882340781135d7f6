"""The build cache: rendered Markdown per record content hash, and page fingerprints.

Kept outside `output/` (`.cache/` by default). A cache written by other code
(another version of the generator, or an edited one), for another output
folder, or that fails to load is ignored and rebuilt, never trusted.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import logging
import os
import pickle
from dataclasses import dataclass, field, fields
from pathlib import Path

from .parallel import collections_paused
from .records import Paper, SeenFiles
from .related import RelatedMatch
from .search import FileKey
from .views import RenderedPaper

logger = logging.getLogger(__name__)

CACHE_FILE = "build-cache.pickle"
RETIRED_FILES = ("search-stems.pickle",)
"""Files of the cache folder that earlier releases kept and this one does not read: removed on save."""


@dataclass
class BuildCache:
    # A build assigns these fields and never changes what they hold in place:
    # the preview's in-memory copy relies on it (see `_saved_in_this_process`).
    output_dir: str
    records: dict[str, Paper] = field(default_factory=dict)
    """`records.record_key()` -> the parsed record, so unchanged files are not parsed again."""
    seen: SeenFiles = field(default_factory=SeenFiles)
    """Each record file's stat and content hash when last read, so unchanged files are not read again."""
    rendered: dict[str, RenderedPaper] = field(default_factory=dict)
    """Record content hash -> its rendered Markdown."""
    fingerprints: dict[str, str] = field(default_factory=dict)
    """Output path -> fingerprint of what was written there."""
    search_key: str = ""
    """Hash of the search documents the files in `search_files` were built from."""
    search_files: dict[str, FileKey] = field(default_factory=dict)
    """Each file of `search/` (by path in it) -> what it was encoded from, and its bytes' hash."""
    related_key: str = ""
    """Hash of the texts `related` was computed from."""
    related: dict[str, tuple[RelatedMatch, ...]] = field(default_factory=dict)
    """Paper id -> its related papers (issue 8): the same for every build until a title or abstract changes."""
    emails: dict[str, str] = field(default_factory=dict)
    """Digest day -> hash of what its email files were rendered from."""
    citation_files: dict[str, str] = field(default_factory=dict)
    """Paper id -> hash of what its cite.bib/.ris/.json were made from."""
    bibliographies: dict[str, str] = field(default_factory=dict)
    """A bibliography's output path -> hash of what it was made from."""
    feeds: dict[str, str] = field(default_factory=dict)
    """A feed's RSS path (and `issues.xml`) -> hash of what its files were made from."""
    code: str = ""
    """`code_version()` of the build that saved it."""


SAVED_FIELDS = ("code", "output_dir", *(item.name for item in fields(BuildCache) if item.name not in ("code", "output_dir")))
"""The order the cache file holds the fields in: first what says whether the rest is any use."""


@functools.cache
def code_version() -> str:
    """A hash of the generator's own source files.

    What the cache holds and what page fingerprints cover is only valid for the code
    that made it: pages read some values (citation tags) from the model when they are
    rendered. Any change to the code, released or not, starts the cache afresh and
    renders every page again.
    """
    return source_digest(Path(__file__).parent)


def source_digest(package: Path) -> str:
    """A hash of the names and bytes of the Python files under `package`."""
    digest = hashlib.blake2b(digest_size=16)
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


_saved_in_this_process: dict[str, tuple[tuple[int, int, int], BuildCache]] = {}
"""Cache file -> (its stat when this process wrote it, the object written).

The preview builds again and again in one process: it takes the cache back from
memory instead of unpickling tens of megabytes, as long as the file is still the
one it wrote. A build only ever assigns the cache's fields, never changes what
they hold, so each build gets a shallow copy: one that stops half-way leaves
the remembered cache as the file has it.
"""


def _file_key(path: Path) -> tuple[int, int, int] | None:
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_ino, stat.st_size, stat.st_mtime_ns


def load_cache(cache_dir: Path | None, output_dir: Path) -> BuildCache:
    empty = BuildCache(str(output_dir.absolute()))
    if cache_dir is None:
        return empty
    path = cache_dir / CACHE_FILE
    remembered = _saved_in_this_process.get(str(path.absolute()))
    if remembered is not None and remembered[0] == _file_key(path) and remembered[1].output_dir == empty.output_dir:
        return copy.copy(remembered[1])
    try:
        with path.open("rb") as handle, collections_paused():
            code = pickle.load(handle)
            output = pickle.load(handle) if code == code_version() else None
            if output != empty.output_dir:
                logger.info("build cache %s is for another version or output folder; starting afresh", path)
                return empty
            values = {name: pickle.load(handle) for name in SAVED_FIELDS[2:]}
    except FileNotFoundError:
        return empty
    except Exception as exc:  # a truncated or foreign file: start again, never trust it
        logger.warning("ignoring unreadable build cache %s (%s)", path, exc)
        return empty
    return BuildCache(code=code, output_dir=output, **values)


def save_cache(cache_dir: Path | None, cache: BuildCache) -> None:
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    cache.code = code_version()
    temporary = cache_dir / f".{CACHE_FILE}.{os.getpid()}"
    with temporary.open("wb") as handle:
        # One pickle per field: pickling the whole cache at once, the pickler's memo of every
        # object in it was the highest point of a build's memory (320 MB more at 100,000
        # papers); one field's memo at a time is a fifth of that.
        for name in SAVED_FIELDS:
            pickle.dump(getattr(cache, name), handle, protocol=pickle.HIGHEST_PROTOCOL)
    path = cache_dir / CACHE_FILE
    os.replace(temporary, path)
    for name in RETIRED_FILES:
        (cache_dir / name).unlink(missing_ok=True)
    key = _file_key(path)
    if key is not None:
        _saved_in_this_process[str(path.absolute())] = (key, cache)


def load_side_cache(cache_dir: Path | None, name: str) -> dict:
    """A dict a step keeps for itself beside the build cache (a child process's, which the build
    never holds); empty when missing, unreadable or written by other code."""
    if cache_dir is None:
        return {}
    path = cache_dir / name
    try:
        with path.open("rb") as handle, collections_paused():
            code, value = pickle.load(handle)
    except FileNotFoundError:
        return {}
    except Exception as exc:  # a truncated or foreign file: start again, never trust it
        logger.warning("ignoring unreadable cache file %s (%s)", path, exc)
        return {}
    return value if code == code_version() and isinstance(value, dict) else {}


def save_side_cache(cache_dir: Path | None, name: str, value: dict) -> None:
    if cache_dir is None:
        return
    cache_dir.mkdir(parents=True, exist_ok=True)
    temporary = cache_dir / f".{name}.{os.getpid()}"
    with temporary.open("wb") as handle:
        pickle.dump((code_version(), value), handle, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(temporary, cache_dir / name)
