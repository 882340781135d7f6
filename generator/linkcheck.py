"""Link checker: crawl a served site and report every internal URL that does not answer 200.

The crawl starts at the home page (and `sitemap.xml`, `robots.txt`) and follows
every URL a page, feed, sitemap, stylesheet or search data file names: links,
scripts, stylesheets, images, feeds, the search form's `data-search-root`
and the search data its manifest lists. Redirects count as failures: GitHub
Pages answers a folder URL without its slash with a redirect, and a link that
only works after a redirect is a link to fix.

The site is served at the same path it is published under (`/digest/`), so
absolute URLs naming the published address (canonical links, sitemap entries,
feed links) are checked against the local server.
"""

from __future__ import annotations

import json
import logging
import math
import re
import urllib.error
import urllib.request
import xml.etree.ElementTree as ElementTree
from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import quote, unquote, urljoin, urlsplit, urlunsplit

logger = logging.getLogger(__name__)

SKIPPED_SCHEMES = ("mailto:", "tel:", "javascript:", "data:", "blob:", "about:")
NOT_FOUND_PROBE = "a/b/c/missing"
"""A deep path that does not exist: the 404 page must work there, not just at the top."""
REFERRERS_SHOWN = 3

# (tag, attribute) pairs whose value is a URL (or a srcset of URLs).
URL_ATTRIBUTES = {
    ("a", "href"), ("area", "href"), ("link", "href"), ("script", "src"), ("img", "src"), ("img", "srcset"),
    ("source", "src"), ("source", "srcset"), ("iframe", "src"), ("embed", "src"), ("object", "data"),
    ("video", "src"), ("video", "poster"), ("audio", "src"), ("track", "src"), ("input", "src"),
    ("form", "action"), ("image", "href"), ("use", "href"), ("blockquote", "cite"), ("q", "cite"),
}
# Attributes the theme's scripts read URLs from: the search data folder and lunr.
DATA_URL_ATTRIBUTES = {"data-search-root", "data-lunr"}
JSON_LD_URL_KEYS = {"url", "@id", "image", "mainEntityOfPage", "contentUrl", "thumbnailUrl", "sameAs"}
# XML elements whose text is a URL (sitemap `loc`, RSS `link`/`guid`/`comments`, Atom `uri`/`icon`/`logo`).
XML_URL_TEXT = {"loc", "link", "guid", "comments", "uri", "icon", "logo"}
XML_URL_ATTRIBUTES = {"href", "url", "xmlUrl", "htmlUrl", "src"}
# XML elements whose text is escaped HTML (RSS `description`, `content:encoded`, Atom `content`/`summary`).
XML_HTML_TEXT = {"description", "encoded", "content", "summary"}
CSS_URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)|@import\s+(['"])([^'"]+)\3""")


@dataclass(frozen=True)
class Reference:
    raw: str
    """The URL as written."""
    source: str
    """URL of the document it was found in."""
    base: str
    """URL it resolves against (the page, or `<base href>`)."""
    must_be_absolute: bool = False
    """Feeds and sitemaps are read elsewhere: their URLs must carry the host."""
    search_root: bool = False
    """A `data-search-root` folder: its `manifest.json` lists the search data files."""


@dataclass
class Target:
    """One internal URL and where it was found."""

    url: str
    referrers: list[str] = field(default_factory=list)
    count: int = 0
    status: int | None = None
    problem: str = ""

    def add_referrer(self, source: str) -> None:
        self.count += 1
        if len(self.referrers) < REFERRERS_SHOWN and source not in self.referrers:
            self.referrers.append(source)


@dataclass(frozen=True)
class Finding:
    url: str
    """The URL at fault, as written or as resolved."""
    problem: str
    referrers: tuple[str, ...] = ()
    count: int = 0

    def __str__(self) -> str:
        where = ""
        if self.referrers:
            others = self.count - len(self.referrers)
            where = " (on " + ", ".join(self.referrers) + (f" and {others} more" if others > 0 else "") + ")"
        return f"`{self.url}` {self.problem}{where}"


@dataclass
class CrawlReport:
    findings: list[Finding] = field(default_factory=list)
    fetched: dict[str, int] = field(default_factory=dict)
    """Local URL path -> HTTP status."""
    pages: int = 0
    """HTML documents parsed."""

    @property
    def ok(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class Response:
    url: str
    status: int
    content_type: str
    body: bytes
    location: str = ""
    error: str = ""


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: object, **kwargs: object) -> None:
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def fetch(url: str, timeout: float = 10.0) -> Response:
    try:
        with _OPENER.open(urllib.request.Request(url, headers={"User-Agent": "paper-digest-check"}), timeout=timeout) as answer:
            return Response(url, answer.status, answer.headers.get_content_type(), answer.read())
    except urllib.error.HTTPError as exc:
        body = exc.read() if exc.fp else b""
        return Response(url, exc.code, exc.headers.get_content_type() if exc.headers else "", body,
                        location=exc.headers.get("Location", "") if exc.headers else "")
    except (urllib.error.URLError, OSError) as exc:
        return Response(url, 0, "", b"", error=str(getattr(exc, "reason", exc)))


class SiteCrawler:
    """Crawl the site served at `served_url`, published at `public_url` (same path, other host)."""

    def __init__(self, served_url: str, public_url: str | None = None, workers: int = 4) -> None:
        self.served = urlsplit(_as_folder(served_url))
        self.public = urlsplit(_as_folder(public_url)) if public_url else self.served
        if unquote(self.public.path) != unquote(self.served.path):
            raise ValueError(f"the site must be served under its published path `{self.public.path}`, "
                             f"not `{self.served.path}`")
        self.base_path = self.served.path
        self.workers = workers
        self.targets: dict[str, Target] = {}
        self.findings: list[Finding] = []
        self.search_roots: set[str] = set()
        self.report = CrawlReport()

    @property
    def served_root(self) -> str:
        return urlunsplit((self.served.scheme, self.served.netloc, self.base_path, "", ""))

    def crawl(self, seeds: Iterable[str] = ("", "sitemap.xml", "robots.txt"), not_found_status: int | None = 404) -> CrawlReport:
        """Fetch everything reachable from `seeds` (site paths) and the 404 page at depth.

        `not_found_status`: the status the server answers a missing page with, serving
        `404.html` as GitHub Pages does; None for a plain file server, whose 404 page
        is then read from `404.html` and checked as if served at a deep URL.
        """
        queue = [self._add_target(self.served_root + seed, "(start)") for seed in seeds]
        queue.extend(self._not_found_page_references(not_found_status))
        while queue:
            batch = [target for target in dict.fromkeys(queue) if target is not None]
            queue = []
            with ThreadPoolExecutor(max_workers=self.workers) as pool:
                responses = list(pool.map(fetch, [self._fetch_url(target) for target in batch]))
            for target, response in zip(batch, responses):
                queue.extend(self._record(target, response))
        for target in self.targets.values():
            if target.problem:
                self.findings.append(Finding(target.url, target.problem, tuple(target.referrers), target.count))
        self.report.findings = self.findings
        return self.report

    # -- targets -------------------------------------------------------------

    def _add_target(self, url: str, source: str) -> str | None:
        """Register an internal URL (already resolved and local); return its key if it is new."""
        parts = urlsplit(url)
        key = unquote(parts.path)
        target = self.targets.get(key)
        is_new = target is None
        if target is None:
            target = self.targets[key] = Target(parts.path)
        target.add_referrer(source)
        return key if is_new else None

    def _fetch_url(self, key: str) -> str:
        return urlunsplit((self.served.scheme, self.served.netloc, quote(key, safe="/%:@!$&'()*+,;=-._~"), "", ""))

    def _record(self, key: str, response: Response) -> list[str]:
        target = self.targets[key]
        target.status = response.status
        self.report.fetched[key] = response.status
        if response.status != 200:
            if response.error:
                target.problem = f"could not be fetched: {response.error}"
            elif response.location:
                target.problem = f"answered {response.status}, a redirect to `{response.location}`: link to the final URL"
            else:
                target.problem = f"answered {response.status}"
            return []
        return [new for new in (self._resolve(ref) for ref in self._references(response)) if new is not None]

    def _resolve(self, ref: Reference) -> str | None:
        """Check one reference; register it when it is internal. Returns the key of a new target."""
        raw = ref.raw.strip()
        if not raw or raw.startswith("#") or raw.lower().startswith(SKIPPED_SCHEMES):
            return None
        absolute = urljoin(ref.base, raw)
        parts = urlsplit(absolute)
        if parts.scheme not in ("http", "https"):
            return None
        origin = (parts.scheme, parts.netloc)
        if origin not in ((self.served.scheme, self.served.netloc), (self.public.scheme, self.public.netloc)):
            return None  # another site: not ours to check offline
        if ref.must_be_absolute and not urlsplit(raw).scheme:
            self._finding(raw, "is not an absolute URL: feed readers and search engines need the full address", ref.source)
        if not unquote(parts.path).startswith(unquote(self.base_path)):
            self._finding(raw, f"ignores the site's path `{self.base_path}`: it leaves the site when published "
                               f"there (use `{self.base_path}…` or a relative link)", ref.source)
            return None
        if ref.search_root:
            self.search_roots.add(unquote(parts.path))
        local = urlunsplit((self.served.scheme, self.served.netloc, parts.path, "", ""))
        return self._add_target(local, self._shown(ref.source))

    def _finding(self, url: str, problem: str, source: str) -> None:
        for index, finding in enumerate(self.findings):
            if finding.url == url and finding.problem == problem:
                referrers = finding.referrers
                if len(referrers) < REFERRERS_SHOWN and self._shown(source) not in referrers:
                    referrers += (self._shown(source),)
                self.findings[index] = Finding(url, problem, referrers, finding.count + 1)
                return
        self.findings.append(Finding(url, problem, (self._shown(source),), 1))

    def _shown(self, url: str) -> str:
        parts = urlsplit(url)
        return parts.path if parts.netloc == self.served.netloc else url

    # -- documents -----------------------------------------------------------

    def _references(self, response: Response) -> Iterator[Reference]:
        path = urlsplit(response.url).path
        kind = response.content_type
        if kind in ("text/html", "application/xhtml+xml"):
            self.report.pages += 1
            yield from html_references(response.body.decode("utf-8", "replace"), response.url)
            return
        if kind == "text/css":
            yield from css_references(response.body.decode("utf-8", "replace"), response.url, response.url)
        elif "xml" in kind or path.endswith((".xml", ".opml", ".rss", ".atom")):
            yield from self._xml_references(response)
        elif path.endswith("/robots.txt"):
            for line in response.body.decode("utf-8", "replace").splitlines():
                name, _, value = line.partition(":")
                if name.strip().lower() == "sitemap":
                    yield Reference(value.strip(), response.url, response.url, must_be_absolute=True)
        elif kind == "application/json" or path.endswith(".json"):
            yield from self._json_references(response)

    def _xml_references(self, response: Response) -> Iterator[Reference]:
        try:
            root = ElementTree.fromstring(response.body)
        except ElementTree.ParseError as exc:
            self._finding(urlsplit(response.url).path, f"is not well-formed XML: {exc}", response.url)
            return
        yield from xml_references(root, response.url)

    def _json_references(self, response: Response) -> Iterator[Reference]:
        try:
            data = json.loads(response.body)
        except ValueError as exc:
            self._finding(urlsplit(response.url).path, f"is not valid JSON: {exc}", response.url)
            return
        folder = response.url.rsplit("/", 1)[0] + "/"
        if response.url.endswith("/manifest.json") and unquote(urlsplit(folder).path) in self.search_roots:
            for name in search_data_files(data):
                yield Reference(name, response.url, folder)
        for value in _json_strings(data, {"url", "href"}):
            yield Reference(value, response.url, response.url)

    def _not_found_page_references(self, not_found_status: int | None) -> list[str]:
        """Fetch the 404 page as a reader meets it, at a deep missing URL, and queue its URLs."""
        deep_url = self.served_root + NOT_FOUND_PROBE
        if not_found_status is None:
            response = fetch(self.served_root + "404.html")
            if response.status != 200:
                self._finding(f"{self.base_path}404.html", f"answered {response.status or response.error}", "(start)")
                return []
        else:
            response = fetch(deep_url)
            if response.status != not_found_status or "html" not in response.content_type:
                self._finding(f"{self.base_path}{NOT_FOUND_PROBE}", f"answered {response.status or response.error} "
                              f"({response.content_type or 'no body'}), expected the site's 404 page", "(start)")
                return []
        source = f"the 404 page at {self.base_path}{NOT_FOUND_PROBE}"
        text = response.body.decode("utf-8", "replace")
        keys = [self._resolve(Reference(ref.raw, source, ref.base, ref.must_be_absolute, ref.search_root))
                for ref in html_references(text, deep_url)]
        return [key for key in keys if key is not None]


def _as_folder(url: str) -> str:
    return url if url.endswith("/") else url + "/"


def search_data_files(manifest: object) -> list[str]:
    """The files the search client may fetch, from `search/manifest.json` (see generator/search.py)."""
    if not isinstance(manifest, dict):
        return []
    names = ["facets.json"]
    names += [f"shards/{n}.json" for n in range(len(manifest.get("shards", [])))]
    doc_count, chunk = manifest.get("docCount", 0), manifest.get("docChunk", 1) or 1
    names += [f"docs/{n}.json" for n in range(math.ceil(doc_count / chunk))]
    names += [f"ids/{n}.json" for n in range(manifest.get("idBuckets", 0))]
    return names


def _json_strings(data: object, keys: set[str]) -> Iterator[str]:
    if isinstance(data, dict):
        for key, value in data.items():
            if key in keys and isinstance(value, str):
                yield value
            else:
                yield from _json_strings(value, keys)
    elif isinstance(data, list):
        for item in data:
            yield from _json_strings(item, keys)


class _LinkParser(HTMLParser):
    def __init__(self, url: str) -> None:
        super().__init__(convert_charrefs=True)
        self.url = url
        self.base = url
        self.found: list[tuple[str, str]] = []
        """(raw URL, kind) in document order; kind is `url`, `search-root`, `css` or `json-ld`."""
        self.in_element = ""
        self.text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "base" and values.get("href"):
            self.base = urljoin(self.url, values["href"])
        for name, value in values.items():
            if (tag, name) in URL_ATTRIBUTES:
                if name.endswith("srcset"):
                    self.found.extend((candidate.split()[0], "url") for candidate in value.split(",") if candidate.split())
                else:
                    self.found.append((value, "url"))
            elif name in DATA_URL_ATTRIBUTES:
                self.found.append((value, "search-root" if name == "data-search-root" else "url"))
            elif name == "style":
                self.found.append((value, "css"))
        if tag == "meta" and values.get("http-equiv", "").lower() == "refresh":
            match = re.search(r"url\s*=\s*['\"]?([^'\"]+)", values.get("content", ""), re.IGNORECASE)
            if match:
                self.found.append((match.group(1), "url"))
        if tag == "style" or (tag == "script" and values.get("type") == "application/ld+json"):
            self.in_element = "css" if tag == "style" else "json-ld"
            self.text = []

    def handle_endtag(self, tag: str) -> None:
        if self.in_element and tag in ("style", "script"):
            self.found.append(("".join(self.text), self.in_element))
            self.in_element = ""

    def handle_data(self, data: str) -> None:
        if self.in_element:
            self.text.append(data)


def html_references(text: str, url: str, must_be_absolute: bool = False) -> Iterator[Reference]:
    parser = _LinkParser(url)
    parser.feed(text)
    parser.close()
    for raw, kind in parser.found:
        if kind == "css":
            yield from css_references(raw, url, parser.base)
        elif kind == "json-ld":
            try:
                data = json.loads(raw)
            except ValueError:
                continue
            for value in _json_strings(data, JSON_LD_URL_KEYS):
                yield Reference(value, url, parser.base, must_be_absolute=True)
        else:
            yield Reference(raw, url, parser.base, must_be_absolute, search_root=kind == "search-root")
            if kind == "search-root":
                root = urljoin(parser.base, raw)
                yield Reference(urljoin(root if root.endswith("/") else root + "/", "manifest.json"),
                                url, parser.base, must_be_absolute=must_be_absolute)


def css_references(text: str, source: str, base: str) -> Iterator[Reference]:
    for match in CSS_URL.finditer(text):
        yield Reference(match.group(2) or match.group(4), source, base)


def xml_references(root: ElementTree.Element, url: str) -> Iterator[Reference]:
    """URLs of a sitemap, RSS or Atom feed or OPML list, including those inside escaped item HTML."""
    for element in root.iter():
        name = element.tag.rsplit("}", 1)[-1] if isinstance(element.tag, str) else ""
        xhtml = isinstance(element.tag, str) and element.tag.startswith("{http://www.w3.org/1999/xhtml}")
        for attribute, value in element.attrib.items():
            if attribute in XML_URL_ATTRIBUTES:
                yield Reference(value, url, url, must_be_absolute=not xhtml)
        text = (element.text or "").strip()
        if not text or xhtml:
            continue
        if name in XML_URL_TEXT and not (name == "guid" and element.get("isPermaLink") == "false"):
            yield Reference(text, url, url, must_be_absolute=True)
        elif name in XML_HTML_TEXT and "<" in text:
            # Readers show item HTML on their own pages: its links must carry the host too.
            yield from html_references(text, url, must_be_absolute=True)
