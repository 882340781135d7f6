"""Load stage: `content/papers/*.md` into validated, typed `Paper` records.

Every problem is a `ContentError` naming the file, the line, the field and
what was expected; all of them are collected before the build stops.
"""

from __future__ import annotations

import datetime as dt
import difflib
import hashlib
import logging
import os
import re
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .characters import first_forbidden
from .frozen import frozen
from .parallel import fork_map
from .errors import ContentError
from .frontmatter import FrontMatter, decode_text, describe_node, parse_front_matter
from .ids import InvalidId, check_paper_id, paper_slug
from .stamps import RACY_NANOSECONDS

logger = logging.getLogger(__name__)

PAPERS_DIR = "papers"
RECORD_SUFFIX = ".md"
LOAD_CHUNK = 500
PARALLEL_LOAD = 2000
"""Records below which parsing them in worker processes costs more than it saves."""
# `\Z`, not `$`, which also matches before a final newline.
LINK_NAME = re.compile(r"^[a-z0-9_-]+\Z")
# Titles and names longer than this are certainly pasted by mistake.
MAX_SHORT_TEXT = 1000
# Characters HTML and XML forbid (controls other than tab and line ends, C1,
# lone surrogates, non-characters). Raw ones are refused by YAML already; these
# are the ones a YAML escape such as `"\e"` writes (issue 11).
@frozen
class Paper:
    """One paper record, exactly as the curator wrote it (validated, NFC text)."""

    id: str
    slug: str
    title: str
    authors: tuple[str, ...]
    abstract: str
    day: dt.date
    tags: tuple[str, ...]
    notes: str
    source: str
    """The record's path as shown in messages (`content/papers/2503.10000.md`)."""
    content_hash: str
    published: dt.date | None = None
    updated: dt.date | None = None
    version: int | None = None
    links: dict[str, str] = field(default_factory=dict)
    venue: str | None = None
    upvotes: int | None = None
    doi: str | None = None
    comments: str | None = None
    journal_ref: str | None = None


QUOTE_HINT = "quote the value, e.g. `id: \"2503.10000\"`"


class _FieldReader:
    """Typed access to front-matter nodes, recording an error for each mismatch."""

    def __init__(self, front: FrontMatter, path: str, max_chars: int) -> None:
        self.front = front
        self.path = path
        self.max_chars = max_chars
        self.errors: list[ContentError] = []

    def error(self, name: str, node: Node | None, message: str, hint: str | None = None) -> None:
        line = self.front.line_of(node) if node is not None else self.front.key_lines.get(name)
        self.errors.append(ContentError(self.path, line, name, message, hint))

    def string(self, name: str, node: Node, *, limit: int | None = None) -> str | None:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str":
            hint = None
            if isinstance(node, ScalarNode) and node.tag in (
                "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
                "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:null",
            ):
                hint = f"YAML reads `{node.value}` as {describe_node(node).split(' `')[0]}; quote it: \"{node.value}\""
            self.error(name, node, f"expected text, got {describe_node(node)}", hint)
            return None
        value = node.value.strip()
        forbidden = first_forbidden(value)
        if forbidden:
            self.error(name, node, f"holds the character U+{ord(forbidden.group()):04X}, which HTML and XML do not allow",
                       "remove it (YAML escapes such as `\\e`, `\\x07` or `\\0` write one)")
            return None
        limit = limit or self.max_chars
        if len(value) > limit:
            self.error(name, node, f"is {len(value)} characters long; at most {limit} are allowed",
                       "raise `limits.max_field_chars` in site.toml if this is intended" if limit == self.max_chars else None)
            return None
        return value

    def required_string(self, name: str, node: Node, *, limit: int | None = None) -> str | None:
        value = self.string(name, node, limit=limit)
        if value == "":
            self.error(name, node, "must not be empty")
            return None
        return value

    def string_list(self, name: str, node: Node) -> tuple[str, ...] | None:
        if not isinstance(node, SequenceNode):
            hint = None
            if isinstance(node, ScalarNode) and node.tag == "tag:yaml.org,2002:str":
                hint = f"write a list: `{name}: [\"{node.value}\"]`"
            self.error(name, node, f"expected a list of text, got {describe_node(node)}", hint)
            return None
        items: list[str] = []
        for index, item in enumerate(node.value):
            value = self.required_string(f"{name}[{index}]", item, limit=MAX_SHORT_TEXT)
            if value is None:
                return None
            items.append(" ".join(value.split()))
        return tuple(items)

    def day(self, name: str, node: Node) -> dt.date | None:
        text = node.value if isinstance(node, ScalarNode) else None
        if text is None or node.tag not in ("tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:str"):
            self.error(name, node, f"expected a date YYYY-MM-DD, got {describe_node(node)}")
            return None
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text.strip()):
            self.error(name, node, f"expected a date YYYY-MM-DD, got `{text}`")
            return None
        try:
            return dt.date.fromisoformat(text.strip())
        except ValueError:
            self.error(name, node, f"expected a date YYYY-MM-DD, got `{text.strip()}`, which is not a day of the calendar",
                       "check the month and the day")
            return None

    def count(self, name: str, node: Node) -> int | None:
        if not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:int":
            self.error(name, node, f"expected a whole number, got {describe_node(node)}")
            return None
        value = int(node.value.replace("_", ""), 0)
        if value < 0:
            self.error(name, node, f"expected a number of at least 0, got {value}")
            return None
        return value

    def links(self, name: str, node: Node) -> dict[str, str] | None:
        if not isinstance(node, MappingNode):
            self.error(name, node, f"expected a mapping of link names to URLs, got {describe_node(node)}",
                       "for example:\n      links:\n        code: \"https://github.com/owner/repo\"")
            return None
        links: dict[str, str] = {}
        for key_node, value_node in node.value:
            key = key_node.value if isinstance(key_node, ScalarNode) else ""
            if not LINK_NAME.match(key):
                self.error(f"{name}.{key}", key_node, f"link names are lower-case letters, digits, `_` and `-`; got `{key}`")
                continue
            url = self.required_string(f"{name}.{key}", value_node, limit=2000)
            if url is None:
                continue
            if not is_safe_url(url):
                self.error(f"{name}.{key}", value_node, f"expected an http(s) URL, got `{url}`")
                continue
            links[key] = url
        return links


# The ASCII characters a valid URL may hold as they are (WHATWG URL "URL code
# points", plus `[]` for IPv6 hosts); `"`, `<`, `>`, `` ` ``, `{`, `}`, `|`, `^`
# and `\` must be percent-encoded. Pages stay valid HTML, and a quote can never
# end the attribute it lands in (issue 11).
_URL_ASCII = re.compile(r"[A-Za-z0-9!$&'()*+,\-./:;=?@_~#\[\]]|%[0-9A-Fa-f]{2}")


def is_safe_url(url: str) -> bool:
    """http(s) URLs with a host, nothing else: no `javascript:`, no `data:`, no spaces, controls or quotes."""
    if any(ch.isspace() or ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in url):
        return False
    position = 0
    while position < len(url):
        if ord(url[position]) >= 160:  # non-ASCII: an IRI, which browsers encode themselves
            position += 1
            continue
        match = _URL_ASCII.match(url, position)
        if match is None:
            return False
        position = match.end()
    return bool(re.match(r"^https?://[^/?#\\]+", url, flags=re.I)) and not url.lower().startswith(("http:///", "https:///"))


# name -> (required, reader). The reader returns the converted value or None on error.
Reader = Callable[[_FieldReader, str, Node], object]
SCHEMA: dict[str, tuple[bool, Reader]] = {
    "id": (True, lambda r, n, v: r.required_string(n, v, limit=MAX_SHORT_TEXT)),
    "title": (True, lambda r, n, v: r.required_string(n, v, limit=MAX_SHORT_TEXT)),
    "authors": (True, _FieldReader.string_list),
    "abstract": (True, _FieldReader.string),
    "date": (True, _FieldReader.day),
    "tags": (True, _FieldReader.string_list),
    "published": (False, _FieldReader.day),
    "updated": (False, _FieldReader.day),
    "version": (False, _FieldReader.count),
    "links": (False, _FieldReader.links),
    "venue": (False, lambda r, n, v: r.required_string(n, v, limit=MAX_SHORT_TEXT)),
    "upvotes": (False, _FieldReader.count),
    "doi": (False, lambda r, n, v: r.required_string(n, v, limit=MAX_SHORT_TEXT)),
    "comments": (False, lambda r, n, v: r.required_string(n, v, limit=MAX_SHORT_TEXT)),
    "journal_ref": (False, lambda r, n, v: r.required_string(n, v, limit=MAX_SHORT_TEXT)),
}
# `date` is the digest day; the Paper field is `day` so it never shadows the module.
FIELD_NAMES = {"date": "day"}


def parse_record(data: bytes, path: str, *, max_chars: int = 100_000) -> tuple[Paper | None, list[ContentError]]:
    """Parse one record file's bytes; `path` is only shown in messages."""
    text, error = decode_text(data, path)
    if error:
        return None, [error]
    assert text is not None
    front, error = parse_front_matter(text, path)
    if error:
        return None, [error]
    assert front is not None
    reader = _FieldReader(front, path, max_chars)
    values: dict[str, object] = {}
    for name, node in front.fields.items():
        if name not in SCHEMA:
            close = difflib.get_close_matches(name, SCHEMA, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known fields: {', '.join(SCHEMA)}"
            reader.error(name, None, f"unknown field `{name}`", hint)
            continue
        if node.tag not in _ALLOWED_TAGS:
            shown_tag = node.tag.replace("tag:yaml.org,2002:", "!!", 1)
            reader.error(name, node, f"the YAML tag `{shown_tag}` is not allowed", "remove the tag; records hold plain text, lists and dates")
            continue
        value = SCHEMA[name][1](reader, name, node)
        if value is not None:
            values[FIELD_NAMES.get(name, name)] = value
    for name, (required, _) in SCHEMA.items():
        if required and name not in front.fields:
            reader.errors.append(ContentError(path, None, name, "is required", _missing_hint(name)))
    paper_id = values.get("id")
    if isinstance(paper_id, str):
        try:
            check_paper_id(paper_id)
            values["slug"] = paper_slug(paper_id)
        except InvalidId as exc:
            reader.error("id", front.fields["id"], str(exc))
    if len(front.body) > max_chars:
        reader.errors.append(ContentError(path, front.body_line, "notes", f"are {len(front.body)} characters long; at most {max_chars} are allowed"))
    if reader.errors:
        return None, reader.errors
    digest = content_hash(data)
    return Paper(notes=front.body, source=path, content_hash=digest, **values), []  # type: ignore[arg-type]


_ALLOWED_TAGS = {
    "tag:yaml.org,2002:str", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float", "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null", "tag:yaml.org,2002:timestamp", "tag:yaml.org,2002:seq", "tag:yaml.org,2002:map",
}


def _missing_hint(name: str) -> str | None:
    return {
        "authors": "use `authors: []` when the authors are not known",
        "tags": "use `tags: []` for an untagged paper",
        "abstract": "use `abstract: \"\"` when there is none",
        "date": "the digest day the paper appears in, e.g. `date: 2025-03-12`",
    }.get(name)


def content_hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def record_key(source: str, digest: str, max_chars: int) -> str:
    """What a parsed record depends on: its path, its bytes' hash and the size limit."""
    return f"{source}\0{digest}\0{max_chars}"


def is_record_file(name: str) -> bool:
    """Record files end in `.md`; editor and system files (`.#x.md`, `._x.md`, `x.md~`, `.x.md.swp`) are skipped."""
    return name.endswith(RECORD_SUFFIX) and not name.startswith((".", "~"))


def record_files(content_dir: Path) -> tuple[list[Path], list[ContentError]]:
    """Every record file under `content/papers/`, sorted; links that leave the content folder are errors."""
    papers_dir = content_dir / PAPERS_DIR
    errors: list[ContentError] = []
    if not papers_dir.is_dir():
        return [], []
    root = content_dir.resolve()
    # `papers/` itself may be the link (issue 11): its files would all look local.
    folder_error = link_leaving(papers_dir, root)
    if folder_error:
        return [], [folder_error]
    files: list[Path] = []
    for entry in sorted(os.scandir(papers_dir), key=lambda e: e.name):
        if not is_record_file(entry.name):
            continue
        if entry.is_symlink():
            error = link_leaving(Path(entry.path), root)
            if error:
                errors.append(error)
                continue
        if entry.is_file():  # from the folder listing: no stat call, but for a link
            files.append(Path(entry.path))
    return files, errors


def link_leaving(path: Path, root: Path) -> ContentError | None:
    """An error naming `path` when it is a link (or lies in a linked folder) resolving outside `root`.

    A content folder cloned from elsewhere could link `~/.ssh/id_rsa`; the build would publish it.
    """
    target = path.resolve()
    if target.is_relative_to(root):
        return None
    kind = "folder" if target.is_dir() else "file"
    return ContentError(str(path), None, None, f"the link points outside the content folder, to `{target}`",
                        f"copy the {kind} into the content folder instead of linking it")


FileStat = tuple[int, int, int, int]
"""A file's size, modification and change times (ns) and inode."""


@dataclass(frozen=True)
class SeenFiles:
    """Each record file's stat and content hash as a build read them, and when it began.

    The next build takes a file whose stat is unchanged to hold the same bytes without
    reading it, as git's index does, unless the file changed so close to that beginning
    that a second change within the file system's clock tick could have left the same
    stat behind (git's "racily clean" entries): such a file is read again.
    """

    files: dict[str, tuple[FileStat, str]] = field(default_factory=dict)
    taken_ns: int = 0

    def content_hash(self, source: str, stat: FileStat) -> str | None:
        """The content hash of `source` if its stat says it is unchanged, else None."""
        entry = self.files.get(source)
        if entry is None or entry[0] != stat or max(stat[1], stat[2]) >= self.taken_ns - RACY_NANOSECONDS:
            return None
        return entry[1]


def load_records(content_dir: Path, *, max_chars: int = 100_000, known: dict[str, Paper] | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> tuple[list[Paper], list[ContentError]]:
    """Read and validate every record; duplicate ids are errors naming both files (see `read_records`)."""
    papers, errors, _ = read_records(content_dir, max_chars=max_chars, known=known, progress=progress)
    return papers, errors


def read_records(content_dir: Path, *, max_chars: int = 100_000, known: dict[str, Paper] | None = None,
                 seen: SeenFiles | None = None, progress: Callable[[str, int, int], None] | None = None,
                 ) -> tuple[list[Paper], list[ContentError], SeenFiles]:
    """Read and validate every record; duplicate ids are errors naming both files.

    `known` maps `record_key()` of records parsed by an earlier build to their
    Paper; a file whose bytes are unchanged is taken from it without parsing, and
    without reading it when `seen` (that build's) vouches for its stat. Returns what
    this reading saw, for the next.
    """
    taken_ns = time.time_ns()
    files, errors = record_files(content_dir)

    def read_chunk(start: int) -> tuple[int, list[tuple[Paper | None, list[ContentError], FileStat, str]]]:
        """Runs in a worker process on a first build: parsing is most of its time."""
        read: list[tuple[Paper | None, list[ContentError], FileStat, str]] = []
        for path in files[start:start + LOAD_CHUNK]:
            source = str(path)
            status = os.stat(path)  # before reading: a change after it changes the next build's stat
            stat = (status.st_size, status.st_mtime_ns, status.st_ctime_ns, status.st_ino)
            digest = seen.content_hash(source, stat) if seen else None
            data = None
            if digest is None:
                data = path.read_bytes()
                digest = content_hash(data)
            paper = known.get(record_key(source, digest, max_chars)) if known else None
            if paper is None:
                if data is None:  # the stat vouched for a file whose parse is not known (another size limit)
                    data = path.read_bytes()
                    digest = content_hash(data)
                paper, record_errors = parse_record(data, source, max_chars=max_chars)
            else:
                record_errors = []
            read.append((paper, record_errors, stat, digest))
        return start, read

    # A warm build finds most records in `known`: sending them back from workers would cost more than reading them.
    starts = range(0, len(files), LOAD_CHUNK)
    chunks = fork_map(read_chunk, starts) if not known and len(files) >= PARALLEL_LOAD else map(read_chunk, starts)
    by_start: dict[int, list[tuple[Paper | None, list[ContentError], FileStat, str]]] = {}
    for done, (start, chunk) in enumerate(chunks, start=1):
        by_start[start] = chunk
        if progress:
            progress("load", min(done * LOAD_CHUNK, len(files)), len(files))
    papers: list[Paper] = []
    seen_now: dict[str, tuple[FileStat, str]] = {}
    for start in sorted(by_start):
        for path, (paper, record_errors, stat, digest) in zip(files[start:start + LOAD_CHUNK], by_start[start]):
            errors.extend(record_errors)
            seen_now[str(path)] = (stat, digest)
            if paper:
                papers.append(paper)
    unique, identity_errors = check_identities(papers)
    return unique, errors + identity_errors, SeenFiles(seen_now, taken_ns)


def check_identities(papers: list[Paper]) -> tuple[list[Paper], list[ContentError]]:
    """Each id once, each in the file named after it; one error per offending file."""
    # Slugs fold case, so `Math.GT/…` and `math.gt/…` would share one page.
    groups: dict[str, list[Paper]] = {}
    for paper in papers:
        groups.setdefault(paper.slug.casefold(), []).append(paper)
    unique: list[Paper] = []
    errors: list[ContentError] = []
    for group in groups.values():
        # Only one file can be named after the id, so a copied record always also
        # mismatches its file name: report it as the duplicate it is, naming the
        # file that keeps the id.
        owner = next((p for p in group if _file_stem(p) == p.slug), None)
        for paper in group:
            if paper is owner:
                unique.append(paper)
            elif len(group) > 1:
                other = owner or next(p for p in group if p is not paper)
                errors.append(ContentError(paper.source, _id_line(paper), "id",
                                           f"duplicate id `{paper.id}`, also used by `{other.source}`",
                                           "every paper needs its own id; remove or rename one of the files"))
            else:
                errors.append(ContentError(paper.source, _id_line(paper), "id",
                                           f"`{paper.id}` does not match the file name `{_file_stem(paper)}{RECORD_SUFFIX}`",
                                           f"rename the file to `{paper.slug}{RECORD_SUFFIX}`"))
    return unique, errors


def _file_stem(paper: Paper) -> str:
    return os.path.basename(paper.source)[: -len(RECORD_SUFFIX)]


def field_line(source: str, name: str) -> int | None:
    """The line of the top-level field `name:` in a record file, read again for a site-wide message."""
    try:
        text = Path(source).read_bytes().decode("utf-8-sig")
    except (OSError, UnicodeDecodeError):
        return None
    # Only CR and LF end lines, as in `decode_text` (`splitlines` also splits on U+2028).
    for number, line in enumerate(text.replace("\r\n", "\n").replace("\r", "\n").split("\n"), start=1):
        if line.startswith(f"{name}:"):
            return number
    return None


def _id_line(paper: Paper) -> int | None:
    """The line of `id:` in the record, read again only for this rare message."""
    try:
        for number, line in enumerate(Path(paper.source).read_text(encoding="utf-8-sig").splitlines(), start=1):
            if line.startswith("id:"):
                return number
    except OSError:
        return None
    return None
