"""Shared fixtures: the sample site built once, a static server for it, and Chromium."""

from __future__ import annotations

import functools
import http.server
import shutil
import socket
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from generator.pipeline import BuildOptions, BuildReport, build

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CONTENT = ROOT / "content"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


@dataclass
class StaticServer:
    """A plain static file server over `root`, like GitHub Pages without its 404 handling."""

    root: Path
    port: int
    thread: threading.Thread
    server: http.server.ThreadingHTTPServer

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def serve_folder(root: Path) -> StaticServer:
    port = free_port()
    handler = functools.partial(QuietHandler, directory=str(root))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    return StaticServer(root, port, thread, server)


@dataclass
class BuiltSite:
    output: Path
    """The built site's folder."""
    base_url: str
    """Where the site is served, e.g. `http://127.0.0.1:PORT/digest/`."""
    report: BuildReport


def build_served(content: Path, root: Path, sub_path: str = "digest") -> tuple[BuiltSite, StaticServer]:
    """Build `content` into `root/<sub_path>` and serve `root`, so the site lives under a sub-path."""
    server = serve_folder(root)
    output = root / sub_path if sub_path else root
    base_url = f"{server.origin}/{sub_path + '/' if sub_path else ''}"
    report = build(BuildOptions(content_dir=content, output_dir=output, base_url=base_url, cache_dir=None))
    return BuiltSite(output, base_url, report), server


@pytest.fixture(scope="session")
def sample_site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BuiltSite]:
    """The sample digest built under `/digest/` and served on 127.0.0.1 for the whole session."""
    root = tmp_path_factory.mktemp("served")
    site, server = build_served(SAMPLE_CONTENT, root)
    yield site
    server.stop()


@pytest.fixture
def content_copy(tmp_path: Path) -> Path:
    """A writable copy of the sample content, for tests that change records."""
    target = tmp_path / "content"
    shutil.copytree(SAMPLE_CONTENT, target, ignore=shutil.ignore_patterns(".imported"))
    return target


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian's Chromium driven by Playwright; never a downloaded browser."""
    if not CHROMIUM.exists():
        pytest.fail("Chromium is missing: run `make system-deps` (Debian's `chromium` package)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: object) -> Iterator[object]:
    context = browser.new_context()  # type: ignore[attr-defined]
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.page_errors = errors  # type: ignore[attr-defined]
    yield tab
    context.close()
