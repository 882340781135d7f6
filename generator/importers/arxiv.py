"""arXiv: Atom answers of the arXiv API, from files or fetched by id or by query.

One entry is one paper at its latest version: the id loses its `vN`, which
becomes `version`; `<published>` is the first version's date and `<updated>`
the latest version's. `arxiv:comment`, `arxiv:journal_ref` and `arxiv:doi` are
kept. An `Error` entry (id `.../api/errors#...`) is reported, not imported.

Categories (primary first, then cross-lists) become tags through a mapping:
the built-in `DEFAULT_CATEGORY_TAGS`, overridden by `content/categories.toml`
(`"cs.CL" = "nlp"`; `""` drops a category). A category with no mapping becomes
its own name in lower case (`math.ST` -> `math.st`), so nothing is lost and
the curator sees which categories to map.

Live requests go to `--api-url`, else the environment variable
PAPER_DIGEST_ARXIV_API, else arXiv's export API; ids are sent 100 to a
request, one request every `request_delay` seconds (3, as arXiv asks).
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
import urllib.parse
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..ids import InvalidId, normalize_arxiv_id
from .base import Entry, ImportOptions, Problem, ReadResult, SourceError, normalize_tag, one_line, optional_text, paragraphs, parse_day, unique
from .fetch import HttpClient, check_base_url
from .latex_text import accents_to_unicode, latex_to_unicode

logger = logging.getLogger(__name__)

DEFAULT_API_URL = "https://export.arxiv.org/api/query"
API_URL_VARIABLE = "PAPER_DIGEST_ARXIV_API"
CATEGORIES_FILE = "categories.toml"
IDS_PER_REQUEST = 100
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
OPENSEARCH = "{http://a9.com/-/spec/opensearch/1.1/}"

# Categories with a tag of the sample digest's vocabulary (scripts/sample_tags.toml).
# The broad ones (`cs.LG`, `cs.AI`, `stat.ML`) are left to the curator's mapping.
DEFAULT_CATEGORY_TAGS: dict[str, str] = {
    "cs.CV": "computer-vision",
    "eess.IV": "computer-vision",
    "cs.CL": "nlp",
    "cs.RO": "robotics",
    "cs.IR": "retrieval",
    "cs.SD": "audio",
    "eess.AS": "audio",
    "cs.MM": "multimodal",
    "cs.CR": "safety",
    "cs.MA": "agents",
    "cs.GR": "3d",
    "cs.SI": "graph-learning",
    "q-bio.QM": "biomedical",
}


def read(inputs: Sequence[str], options: ImportOptions) -> Iterator[ReadResult]:
    mapping = load_category_tags(options.content_dir)
    ids: list[str] = []
    for name in inputs:
        if Path(name).is_file():
            try:
                data = Path(name).read_bytes()
            except OSError as exc:
                yield Problem(name, f"cannot read the file: {exc.strerror or exc}")
                continue
            yield from parse_feed(data, name, mapping)
            continue
        try:
            ids.append(normalize_arxiv_id(name)[0])
        except InvalidId:
            yield Problem(name, "neither a file nor an arXiv id", "ids look like `2503.10000`, `2503.10000v2` or `hep-th/9901001`")
    if not ids and not options.query:
        return
    client = HttpClient(delay=options.request_delay, timeout=options.timeout, retries=options.retries)
    base = check_base_url(options.api_url or os.environ.get(API_URL_VARIABLE) or DEFAULT_API_URL, "arXiv")
    if ids:
        yield from _fetch_ids(unique(ids), base, client, mapping)
    if options.query:
        yield from _fetch_query(options.query, options.max_results, base, client, mapping)


def _fetch_ids(ids: list[str], base: str, client: HttpClient, mapping: dict[str, str]) -> Iterator[ReadResult]:
    for start in range(0, len(ids), IDS_PER_REQUEST):
        batch = ids[start: start + IDS_PER_REQUEST]
        url = f"{base}?{urllib.parse.urlencode({'id_list': ','.join(batch), 'max_results': len(batch)}, safe=',/')}"
        response = client.get(url)
        found: set[str] = set()
        for item in parse_feed(response.body, url, mapping, status=response.status):
            if isinstance(item, Entry) and item.arxiv_id:
                found.add(normalize_arxiv_id(item.arxiv_id)[0])
            yield item
        if response.status == 200:
            for paper_id in batch:
                if paper_id not in found:
                    yield Problem(f"id `{paper_id}`", "arXiv has no paper with this id; skipped")


def _fetch_query(query: str, wanted: int, base: str, client: HttpClient, mapping: dict[str, str]) -> Iterator[ReadResult]:
    start = 0
    while start < wanted:
        size = min(IDS_PER_REQUEST, wanted - start)
        parameters = {"search_query": query, "start": start, "max_results": size, "sortBy": "submittedDate", "sortOrder": "descending"}
        url = f"{base}?{urllib.parse.urlencode(parameters)}"
        response = client.get(url)
        count = 0
        for item in parse_feed(response.body, url, mapping, status=response.status):
            count += isinstance(item, Entry)
            yield item
        if response.status != 200 or count < size:
            return
        start += size


def parse_feed(data: bytes, origin: str, mapping: dict[str, str] | None = None, *, status: int = 200) -> Iterator[ReadResult]:
    """Entries of one arXiv API answer; a Problem per bad entry, or one for an unreadable answer."""
    mapping = DEFAULT_CATEGORY_TAGS if mapping is None else mapping
    # Atom has no DTD; refusing one rules out entity-expansion tricks.
    if b"<!DOCTYPE" in data[:4096].upper():
        yield Problem(origin, "not an arXiv API answer: it has a DOCTYPE")
        return
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        yield Problem(origin, f"not an arXiv API answer (HTTP {status}): invalid XML: {exc}")
        return
    if root.tag != f"{ATOM}feed":
        yield Problem(origin, f"not an arXiv API answer: the root element is `{root.tag}`, not an Atom `feed`")
        return
    entries = root.findall(f"{ATOM}entry")
    if status != 200 and not entries:
        yield Problem(origin, f"the arXiv API answered HTTP {status}")
    for number, element in enumerate(entries, start=1):
        yield _entry(element, f"{origin}: entry {number}", mapping)


def _entry(element: ET.Element, position: str, mapping: dict[str, str]) -> ReadResult:
    raw_id = (element.findtext(f"{ATOM}id") or "").strip()
    title = one_line(element.findtext(f"{ATOM}title"))
    if "/api/errors" in raw_id or (title == "Error" and not raw_id.startswith("http://arxiv.org/abs/")):
        message = one_line(element.findtext(f"{ATOM}summary")) or raw_id
        return Problem(position, f"the arXiv API reported an error: {message}")
    if not raw_id:
        return Problem(position, "the entry has no `<id>`; skipped")
    try:
        paper_id, version = normalize_arxiv_id(raw_id)
    except InvalidId as exc:
        return Problem(position, f"{exc}; skipped")
    categories = [element.find(f"{ARXIV}primary_category")]
    categories += element.findall(f"{ATOM}category")
    terms = unique([category.get("term", "") for category in categories if category is not None])
    doi = optional_text(element.findtext(f"{ARXIV}doi"))
    links = arxiv_links(paper_id)
    if doi:
        links["doi"] = f"https://doi.org/{urllib.parse.quote(doi, safe='/:;()._-')}"
    authors = [one_line(_repaired(author, f"{ATOM}name")) for author in element.findall(f"{ATOM}author")]
    return Entry(
        origin=f"{position} `{paper_id}`",
        title=latex_to_unicode(one_line(_repaired(element, f"{ATOM}title"))),
        authors=[latex_to_unicode(name) for name in authors if name],
        abstract=accents_to_unicode(paragraphs(_repaired(element, f"{ATOM}summary"), indent_starts_paragraph=True)),
        arxiv_id=raw_id,
        version=version,
        published=parse_day(element.findtext(f"{ATOM}published")),
        updated=parse_day(element.findtext(f"{ATOM}updated")),
        tags=category_tags(terms, mapping),
        links=links,
        doi=doi,
        comments=optional_text(_repaired(element, f"{ARXIV}comment")),
        journal_ref=optional_text(_repaired(element, f"{ARXIV}journal_ref")),
    )


def _repaired(element: ET.Element, tag: str) -> str:
    # Before any clean-up: that would drop the C1 control half of `Ï\x80` (π).
    return repair_mojibake(element.findtext(tag) or "")


def arxiv_links(raw_id: str) -> dict[str, str]:
    """`arxiv` and `pdf` links of a paper, without a version so they follow its latest one."""
    try:
        paper_id = normalize_arxiv_id(raw_id)[0]
    except InvalidId:
        return {}
    return {"arxiv": f"https://arxiv.org/abs/{paper_id}", "pdf": f"https://arxiv.org/pdf/{paper_id}"}


def load_category_tags(content_dir: Path) -> dict[str, str]:
    """The built-in category mapping, updated from `<content>/categories.toml` when there is one."""
    mapping = dict(DEFAULT_CATEGORY_TAGS)
    path = content_dir / CATEGORIES_FILE
    if not path.is_file():
        return mapping
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SourceError(f"{path}: {exc}") from exc
    for category, tag in table.items():
        if not isinstance(tag, str):
            raise SourceError(f'{path}: `{category}`: expected a tag name in quotes, e.g. `"cs.CL" = "nlp"`, got {tag!r}')
        mapping[category] = tag
    return mapping


def category_tags(categories: Sequence[str], mapping: dict[str, str]) -> list[str]:
    """Tags for arXiv categories, in order: mapped, or the category lower-cased; `""` drops one."""
    tags = []
    for category in categories:
        tag = mapping.get(category, category.lower())
        if tag:
            tags.append(normalize_tag(tag))
    return unique(tags)


# A run of characters from U+0080..U+00FF: where UTF-8 read as Latin-1 shows up.
_LATIN1_RUN = re.compile(r"[\u0080-\u00ff]{2,}")


def repair_mojibake(text: str) -> str:
    """Undo UTF-8 that was decoded as Latin-1 (`GÃ¶tz` -> `Götz`, `$Î±$` -> `$α$`).

    Only runs of two or more Latin-1 characters that form valid UTF-8 are
    changed; real Latin-1 text such as `Götz` or `café` never forms valid UTF-8
    and stays as it is. (Seen in recorded API answers; see tests.)
    """

    def fix(match: re.Match[str]) -> str:
        try:
            return match.group(0).encode("latin-1").decode("utf-8")
        except UnicodeDecodeError:
            return match.group(0)

    return _LATIN1_RUN.sub(fix, text)
