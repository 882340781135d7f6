"""Page weight in Chromium, first visit and repeat visit (issue 10).

Budgets: a paper page transfers at most 30 KB on a first visit and 10 KB on a repeat
visit; the home page and the 101-paper day at most 80 KB on a first visit.

How it is measured:
- The sample site is served by a plain static server that, like a real host set up
  for this generator, marks content-hashed files (`static/name.<hash>.ext`) as
  long-lived (`Cache-Control: max-age=31536000, immutable`) and every other file
  `no-store`, so HTML is downloaded again on every visit.
- Chromium's DevTools protocol says which responses came from its cache
  (`Network.requestServedFromCache`, `fromDiskCache`, `fromPrefetchCache`); every
  other response the page loaded counts, whatever its type (HTML, CSS, scripts,
  fonts, images, a missing favicon).
- The local server does not compress, so each counted response body is fetched
  back from Chromium and gzip-compressed here at level 6 (the usual server
  default); the sum of those sizes is the page's weight. Headers are not counted.
- First visit: a new browser context (empty cache). Repeat visit: a reload in
  the same context.
"""

from __future__ import annotations

import functools
import gzip
import http.server
import re
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from tests.conftest import BuiltSite, QuietHandler, StaticServer, free_port

pytestmark = pytest.mark.browser

KB = 1000
HASHED_STATIC = re.compile(r"/static/[^/]+\.[0-9a-f]{8}\.[A-Za-z0-9]+$")


class CachingHandler(QuietHandler):
    def end_headers(self) -> None:
        path = self.path.split("?", 1)[0]
        self.send_header("Cache-Control", "public, max-age=31536000, immutable" if HASHED_STATIC.search(path) else "no-store")
        super().end_headers()


@pytest.fixture(scope="module")
def caching_server(sample_site: BuiltSite) -> Iterator[str]:
    """The sample site again, from a server with long-lived caching of hashed names; yields its base URL."""
    root = sample_site.output.parent
    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), functools.partial(CachingHandler, directory=str(root)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{port}/{sample_site.output.name}/"
    StaticServer(root, port, thread, server).stop()


@dataclass(frozen=True)
class Transfer:
    url: str
    status: int
    compressed: int


@dataclass
class Visit:
    transfers: list[Transfer]
    cached: list[str]

    @property
    def total(self) -> int:
        return sum(t.compressed for t in self.transfers)

    def report(self) -> str:
        lines = [f"{t.compressed:>7} B  {t.status}  {t.url}" for t in self.transfers]
        lines += [f"  cached  {url}" for url in self.cached]
        return "\n".join(lines)


class WeightMeter:
    """Which responses a page load fetched from the network, and their gzip size."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.responses: dict[str, Any] = {}
        self.from_cache: set[str] = set()
        self.urls: dict[str, str] = {}
        page.on("response", lambda response: self.responses.setdefault(response.url, response))
        cdp = page.context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.requestServedFromCache", lambda event: self.from_cache.add(event["requestId"]))
        cdp.on("Network.responseReceived", self._received)

    def _sent(self, event: dict[str, Any]) -> None:
        self.urls[event["requestId"]] = event["request"]["url"]

    def _received(self, event: dict[str, Any]) -> None:
        response = event["response"]
        if response.get("fromDiskCache") or response.get("fromPrefetchCache") or response.get("fromServiceWorker"):
            self.from_cache.add(event["requestId"])

    def visit(self, go: Any) -> Visit:
        self.responses.clear()
        self.from_cache.clear()
        self.urls.clear()
        go()
        self.page.wait_for_load_state("networkidle")
        cached_urls = {self.urls[request_id] for request_id in self.from_cache if request_id in self.urls}
        transfers = []
        for url, response in self.responses.items():
            if url in cached_urls or url.startswith("data:"):
                continue
            body = response.body()
            transfers.append(Transfer(url, response.status, len(gzip.compress(body, compresslevel=6))))
        return Visit(transfers, sorted(cached_urls))


def first_and_repeat(browser: Any, url: str) -> tuple[Visit, Visit]:
    context = browser.new_context()
    try:
        page = context.new_page()
        meter = WeightMeter(page)
        first = meter.visit(lambda: page.goto(url))
        repeat = meter.visit(lambda: page.reload())
        return first, repeat
    finally:
        context.close()


def any_paper_path(site: BuiltSite) -> str:
    # The paper with the longest page: the budget holds for the heaviest one.
    pages = sorted((site.output / "papers").glob("*/index.html"), key=lambda p: p.stat().st_size)
    return f"papers/{pages[-1].parent.name}/"


def test_paper_page_weight(browser: Any, sample_site: BuiltSite, caching_server: str) -> None:
    first, repeat = first_and_repeat(browser, caching_server + any_paper_path(sample_site))
    kinds = {t.url.rsplit(".", 1)[-1] for t in first.transfers if "/static/" in t.url}
    assert {"css", "js"} <= kinds, first.report()
    assert first.total <= 30 * KB, first.report()
    assert repeat.cached, "hashed static files should come from the cache on a repeat visit:\n" + repeat.report()
    assert not any("/static/" in t.url for t in repeat.transfers), repeat.report()
    assert repeat.total <= 10 * KB, repeat.report()


@pytest.mark.parametrize("path", ["", "digest/2025-03-12/"], ids=["home", "day-of-101-papers"])
def test_list_page_weight(browser: Any, sample_site: BuiltSite, caching_server: str, path: str) -> None:
    first, _ = first_and_repeat(browser, caching_server + path)
    cards = (sample_site.output / path / "index.html").read_text().count('class="paper-card"')
    assert cards >= (101 if path else 1)
    assert first.total <= 80 * KB, first.report()
