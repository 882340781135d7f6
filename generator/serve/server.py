"""The preview server: build, serve, watch, rebuild, tell the browser.

Every build, the first and each rebuild, is the ordinary incremental
`build()` with the preview's own output and cache folders: pages whose inputs
did not change are not rendered, identical files are not rewritten, removed
records are pruned. A failed rebuild leaves the last good site in place and is
shown in the terminal and in an overlay in the browser.

When a save only edited records' text, the fast path (`quick.py`) first
re-renders the pages that show them from the last build's model, in
milliseconds, and the browser reloads; the full build then runs behind it
without holding up requests, and stops early when newer changes arrive.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import secrets
import threading
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from ..config import load_config
from ..errors import BuildCancelled, BuildError
from ..options import STOPPING_ERRORS, BuildOptions, BuildReport
from ..pipeline import build
from ..quick import SiteModel, quick_update
from ..themes import ThemeError, theme_dirs
from .changes import Change, ChangeKind, WatchedFolders
from .handler import HostPolicy, PreviewHTTPServer, PreviewHTTPServer6, PreviewRequestHandler, is_wildcard
from .reload import ReloadChannel
from .watcher import MAX_DELAY_SECONDS, QUIET_SECONDS, ChangeWatcher, RebuildQueue

logger = logging.getLogger(__name__)

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000
STOP_WAIT_SECONDS = 10.0
"""How long stopping waits for a rebuild in progress to finish its commit."""
MAX_LISTED_PAGES = 1000
"""A reload event names the changed pages up to this many; beyond, every open page reloads."""
QUICK_MAX_RECORDS = 20
"""The fast path takes saves of up to this many records; a larger batch (a `git checkout`) gets the full build."""


@dataclass(frozen=True)
class ServeOptions:
    content_dir: Path
    output_dir: Path
    """The preview's own folder: the site there loads the reload client, so it is never `output/`."""
    cache_dir: Path | None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    """0 picks a free port."""
    quiet_seconds: float = QUIET_SECONDS
    max_delay_seconds: float = MAX_DELAY_SECONDS


@dataclass(frozen=True)
class BuildOutcome:
    """One build of the preview, as the terminal and the browser learn of it."""

    changes: tuple[Change, ...]
    """What triggered it; empty for the first build."""
    report: BuildReport | None
    """None when the build failed."""
    errors: tuple[str, ...]
    """One entry per problem, `path:line: message`: what the overlay shows."""
    details: str
    """What the terminal shows: the errors, or the traceback of a failure in the generator itself."""
    stylesheets: tuple[str, ...] = ()
    """URLs of the new stylesheets, when only CSS changed (the browser swaps them without a reload)."""
    seconds: float = 0.0
    quick_pages: tuple[str, ...] = ()
    """Output paths the fast path rewrote before the build ran."""
    quick_seconds: float | None = None
    """How long the fast path took; None when the change went straight to the build."""
    cancelled: bool = False
    """Stopped for newer changes, which the next build includes."""

    @property
    def ok(self) -> bool:
        return self.report is not None

    @property
    def changed_files(self) -> int:
        return len(self.report.written) + len(self.report.removed) if self.report else 0


def url_host(host: str) -> str:
    """The host part of a URL for the bound address: a wildcard is reached through loopback."""
    if is_wildcard(host):
        return "[::1]" if host == "::" else "127.0.0.1"
    return f"[{host}]" if ":" in host else host


class PreviewServer:
    def __init__(self, options: ServeOptions, on_build: Callable[[BuildOutcome], None] | None = None) -> None:
        self.options = options
        self.output_dir = options.output_dir.absolute()
        self.host = options.host
        self.host_policy = HostPolicy.for_bind(options.host)
        self.base_path = "/"
        """The path part of the configured base_url, where the site is served."""
        self._on_build = on_build
        # A new session per process: pages built by an earlier run reload once they reconnect.
        self._session = secrets.token_hex(4)
        self._generation = 0
        self.channel = ReloadChannel(self._build_id())
        self._idle = threading.Event()
        self._idle.set()
        self._builds = 0
        self._built = threading.Condition()
        self.last_outcome: BuildOutcome | None = None
        self._httpd: PreviewHTTPServer | None = None
        self._serving = threading.Event()
        self._watcher: ChangeWatcher | None = None
        self._queue: RebuildQueue | None = None
        self._stopped = False
        self._model: SiteModel | None = None
        """The last good build's model, for the fast path; None after a failed build."""

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() first"
        return int(self._httpd.server_address[1])

    @property
    def origin(self) -> str:
        return f"http://{url_host(self.host)}:{self.port}"

    @property
    def url(self) -> str:
        return self.origin + self.base_path

    @property
    def running(self) -> bool:
        """True while any part still runs: the HTTP loop, the watcher or the rebuild thread."""
        return (self._serving.is_set() or (self._watcher is not None and self._watcher.running)
                or (self._queue is not None and self._queue.running))

    def start(self) -> BuildOutcome:
        """Bind the port, build the site, start watching; serving starts with `serve_forever()`."""
        server_class = PreviewHTTPServer6 if ":" in self.host else PreviewHTTPServer
        self._httpd = server_class((self.host, self.options.port), PreviewRequestHandler)
        self._httpd.preview = self
        outcome = self.rebuild(())
        self._queue = RebuildQueue(self.rebuild, self.options.quiet_seconds, self.options.max_delay_seconds)
        self._watcher = ChangeWatcher(self._watched_folders(), self._queue.notify)
        self._watcher.start()
        self._queue.start()
        return outcome

    def serve_forever(self) -> None:
        assert self._httpd is not None, "start() first"
        self._serving.set()
        try:
            self._httpd.serve_forever(poll_interval=0.25)
        finally:
            self._serving.clear()

    def stop(self) -> bool:
        """Stop watching, building and serving; close every socket. False if a rebuild was cut short."""
        if self._stopped:
            return True
        self._stopped = True
        self.channel.close()  # reload streams end, so their threads do
        self._idle.set()  # no request keeps waiting for a build
        if self._watcher is not None:
            self._watcher.stop()
        finished = self._queue.stop(STOP_WAIT_SECONDS) if self._queue is not None else True
        if self._httpd is not None:
            if self._serving.is_set():
                self._httpd.shutdown()
            self._httpd.close_connections()
            self._httpd.server_close()
        return finished

    def wait_until_built(self, timeout: float) -> None:
        self._idle.wait(timeout)

    def wait_for_builds(self, count: int, timeout: float) -> bool:
        """Wait until `count` builds (good or failed, the first included) have finished."""
        with self._built:
            return self._built.wait_for(lambda: self._builds >= count, timeout)

    @property
    def builds(self) -> int:
        with self._built:
            return self._builds

    def rebuild(self, changes: tuple[Change, ...] | list[Change]) -> BuildOutcome:
        """Build once, tell the browser, report; never raises for a failing build."""
        changes = tuple(changes)
        base_path = self._configured_base_path()
        start = time.perf_counter()
        quick_pages = self._quick_update(changes, base_path)
        quick_seconds = None if quick_pages is None else time.perf_counter() - start
        if quick_pages is None:
            self._idle.clear()  # requests wait for the build rather than see a half-made site
        elif quick_pages:
            self._generation += 1
            self.channel.reloaded(self._build_id(), pages=self._page_urls(quick_pages, base_path))
        try:
            outcome = self._build(changes, base_path)
        finally:
            self._idle.set()
        outcome = dataclasses.replace(outcome, seconds=time.perf_counter() - start, quick_pages=tuple(quick_pages or ()),
                                      quick_seconds=quick_seconds)
        if outcome.cancelled:
            logger.debug("build stopped for newer changes")
            return outcome
        self._model = outcome.report.model if outcome.report is not None else None
        if outcome.ok:
            self.base_path = base_path
        self.last_outcome = outcome
        self._announce(outcome)
        if self._watcher is not None:  # site.toml may name another theme now
            self._watcher.update(self._watched_folders())
        if self._on_build is not None:
            self._on_build(outcome)
        with self._built:
            self._builds += 1
            self._built.notify_all()
        return outcome

    def _quick_update(self, changes: tuple[Change, ...], base_path: str) -> list[str] | None:
        """The fast path's rewritten output paths, or None when this change needs the full build first."""
        model = self._model
        if (model is None or not changes or len(changes) > QUICK_MAX_RECORDS or base_path != self.base_path
                or any(change.kind is not ChangeKind.RECORD for change in changes)):
            return None
        try:
            return quick_update(model, [Path(change.path) for change in changes], self.output_dir)
        except Exception:  # the full build that follows reports any real problem
            logger.debug("fast path failed", exc_info=True)
            self._model = None
            return None

    def _build(self, changes: tuple[Change, ...], base_path: str) -> BuildOutcome:
        options = BuildOptions(
            content_dir=self.options.content_dir, output_dir=self.output_dir,
            base_url=self.origin + base_path, cache_dir=self.options.cache_dir, live_reload=True,
            keep_model=True, cancelled=self._has_newer_changes,
        )
        try:
            report = build(options)
        except BuildCancelled:
            return BuildOutcome(changes, None, (), "", cancelled=True)
        except BuildError as exc:
            return BuildOutcome(changes, None, tuple(str(error) for error in exc.errors), exc.report())
        except STOPPING_ERRORS as exc:
            return BuildOutcome(changes, None, (str(exc),), f"error: {exc}")
        except Exception as exc:  # a bug in the generator: show where, keep serving the last good site
            frames = traceback.extract_tb(exc.__traceback__)
            where = f"{frames[-1].filename}:{frames[-1].lineno}: " if frames else ""
            return BuildOutcome(changes, None, (f"{where}{type(exc).__name__}: {exc}",),
                                "".join(traceback.format_exception(exc)).rstrip())
        stylesheets: tuple[str, ...] = ()
        if changes and all(change.kind is ChangeKind.STYLESHEET for change in changes):
            stylesheets = tuple(base_path + path for path in report.written
                                if path.startswith("static/") and path.endswith(".css"))
        return BuildOutcome(changes, report, (), report.summary(), stylesheets)

    def _has_newer_changes(self) -> bool:
        return self._queue is not None and self._queue.has_pending()

    @staticmethod
    def _page_urls(paths: list[str], base_path: str) -> tuple[str, ...] | None:
        """The URL paths of the pages among changed output files, as `location.pathname` spells them;
        None (every page may have changed) when there are too many to list."""
        urls = {quote(base_path + path.removesuffix("index.html"), safe="/~!$&'()*+,;=:@")
                for path in paths if path.endswith(".html")}
        if any(path.startswith("search/") for path in paths):
            urls.add(quote(base_path + "search/", safe="/~!$&'()*+,;=:@"))
        return tuple(sorted(urls)) if len(urls) <= MAX_LISTED_PAGES else None

    def _announce(self, outcome: BuildOutcome) -> None:
        if not outcome.ok:
            self.channel.failed(outcome.errors)
        elif outcome.changed_files:
            self._generation += 1
            assert outcome.report is not None
            self.channel.reloaded(self._build_id(), outcome.stylesheets,
                                  self._page_urls(outcome.report.written + outcome.report.removed, self.base_path))
        elif self.channel.errors:
            self.channel.recovered()

    def _build_id(self) -> str:
        return f"{self._session}-{self._generation}"

    def _configured_base_path(self) -> str:
        """The path of site.toml's base_url; the last good one while site.toml is broken."""
        config, _ = load_config(self.options.content_dir)
        return config.base_path if config is not None else self.base_path

    def _watched_folders(self) -> WatchedFolders:
        content_dir = self.options.content_dir.absolute()
        config, _ = load_config(self.options.content_dir)
        chain: list[Path] = []
        if config is not None:
            with contextlib.suppress(ThemeError):
                chain = [path.absolute() for path in theme_dirs(config.theme, content_dir.parent)]
        ignored = tuple(folder.absolute() for folder in (self.output_dir, self.options.cache_dir) if folder is not None)
        return WatchedFolders(content_dir, tuple(chain), ignored)
