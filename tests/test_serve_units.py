"""The preview server's parts on their own: path mapping, Host/Origin policy, change kinds, debouncing."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from generator.pipeline import BuildReport
from generator.serve.command import print_outcome
from generator.serve.server import BuildOutcome, PreviewServer
from generator.serve.changes import Change, ChangeKind, WatchedFolders, is_temporary_name
from generator.serve.handler import HostPolicy, NotFound, Redirect, ServeFile, origin_allowed, resolve_target
from generator.serve.reload import ReloadChannel
from generator.serve.watcher import RebuildQueue

WAIT = 30.0


@pytest.fixture
def site_root(tmp_path: Path) -> Path:
    root = tmp_path / "output"
    (root / "papers" / "x").mkdir(parents=True)
    (root / "papers" / "x" / "index.html").write_text("paper")
    (root / "index.html").write_text("home")
    (tmp_path / "secret.txt").write_text("TOP-SECRET")
    (tmp_path / "output-other").mkdir()
    (tmp_path / "output-other" / "secret.txt").write_text("TOP-SECRET")
    (root / "leak.txt").symlink_to(tmp_path / "secret.txt")
    (root / "other").symlink_to(tmp_path / "output-other")
    (root / "inside.html").symlink_to(root / "index.html")
    return root


def test_paths_inside_the_output_are_served(site_root: Path) -> None:
    assert resolve_target("/digest/", "/digest/", site_root) == ServeFile(site_root.resolve() / "index.html")
    assert resolve_target("/digest/papers/x/?q=1#top", "/digest/", site_root) == \
        ServeFile(site_root.resolve() / "papers" / "x" / "index.html")
    # A link that stays inside is fine: only leaving the folder is refused.
    assert resolve_target("/digest/inside.html", "/digest/", site_root) == ServeFile(site_root.resolve() / "index.html")


@pytest.mark.parametrize("target", [
    "/digest/../secret.txt", "/digest/papers/../../secret.txt", "/digest/%2e%2e/secret.txt",
    "/digest/%2E%2E/secret.txt", "/digest/.%2e/secret.txt", "/digest/..%2fsecret.txt", "/digest/%2e%2e%2fsecret.txt",
    "/digest/%252e%252e/secret.txt", "/digest/%252e%252e%252fsecret.txt", "/digest/..\\secret.txt",
    "/digest/%5c..%5csecret.txt", "/digest/..%5csecret.txt", "/digest/secret.txt%00.html", "/digest/%00",
    "/digest/index.html\x00", "/digest//etc/passwd", "/digest/%2fetc%2fpasswd", "//etc/passwd", "/etc/passwd",
    "http://127.0.0.1/digest/../secret.txt", "/digest/../output-other/secret.txt", "/digest/leak.txt",
    "/digest/other/secret.txt", "/digest/other/", "/digest/%c0%ae%c0%ae/secret.txt", "/digest/./index.html",
    "digest/index.html", "/digest/nothing-here/",
])
def test_requests_leaving_the_output_are_not_found(site_root: Path, target: str) -> None:
    assert resolve_target(target, "/digest/", site_root) == NotFound()


def test_the_sibling_prefix_folder_is_outside_even_at_the_root_path(site_root: Path) -> None:
    # Served at `/`, `/../output-other` must not pass a string-prefix check against `/…/output`.
    assert resolve_target("/other/secret.txt", "/", site_root) == NotFound()
    assert resolve_target("/../output-other/secret.txt", "/", site_root) == NotFound()


@pytest.mark.parametrize(("target", "location"), [
    ("/digest/papers", "/digest/papers/"),
    ("/digest/papers/x?ref=1", "/digest/papers/x/?ref=1"),
    ("/digest", "/digest/"),
    ("/", "/digest/"),
])
def test_folders_redirect_to_their_slash_form(site_root: Path, target: str, location: str) -> None:
    assert resolve_target(target, "/digest/", site_root) == Redirect(location)


@pytest.mark.parametrize("target", ["//evil.example/", "/digest//evil.example", "/digest/%2f%2fevil.example",
                                    "/%2fevil.example", "/\\evil.example"])
def test_no_redirect_points_at_another_host(site_root: Path, target: str) -> None:
    result = resolve_target(target, "/", site_root)
    assert not (isinstance(result, Redirect) and result.location.startswith("//")), result
    assert result == NotFound()


def test_host_policy_accepts_only_this_machine() -> None:
    local = HostPolicy.for_bind("127.0.0.1")
    for host in ("127.0.0.1:8000", "localhost:8000", "localhost", "[::1]:8000", "preview.localhost:8000"):
        assert local.allows(host), host
    for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example", "192.168.1.5:8000", "", None,
                 "127.0.0.1:notaport", "user@evil.example"):
        assert not local.allows(host), host


def test_a_wildcard_bind_accepts_addresses_but_not_foreign_names() -> None:
    wildcard = HostPolicy.for_bind("0.0.0.0")
    assert wildcard.allows("192.168.1.5:8000")
    assert wildcard.allows("[fe80::1]:8000")
    assert not wildcard.allows("rebind.evil.example:8000")


def test_the_reload_channel_refuses_foreign_origins() -> None:
    policy = HostPolicy.for_bind("127.0.0.1")
    assert origin_allowed(None, policy, 8000)
    assert origin_allowed("http://127.0.0.1:8000", policy, 8000)
    assert origin_allowed("http://localhost:8000", policy, 8000)
    for origin in ("http://evil.example", "http://evil.example:8000", "http://127.0.0.1:3000", "null",
                   "https://127.0.0.1:8000", "http://127.0.0.1:bad"):
        assert not origin_allowed(origin, policy, 8000), origin


@pytest.mark.parametrize("name", [".2405.1.md.swp", "2405.1.md~", "#2405.1.md#", ".#2405.1.md", "4913",
                                  "2405.1.md.tmp", "2405.1.md___jb_tmp___", "~2405.1.md"])
def test_editor_scratch_files_are_not_changes(tmp_path: Path, name: str) -> None:
    assert is_temporary_name(name)
    folders = WatchedFolders(tmp_path / "content", (tmp_path / "theme",))
    assert folders.classify(str(tmp_path / "content" / "papers" / name)) is None


def test_changes_are_classified_by_what_they_touch(tmp_path: Path) -> None:
    content, theme = tmp_path / "content", tmp_path / "theme"
    folders = WatchedFolders(content, (theme,), ignored=(content / "out",))

    def kind(path: Path, is_directory: bool = False) -> ChangeKind | None:
        change = folders.classify(str(path), is_directory)
        return change.kind if change else None

    assert kind(content / "papers" / "2405.1.md") is ChangeKind.RECORD
    assert kind(content / "papers" / "notes.txt") is None
    assert kind(content / "digests" / "2025-03-12.md") is ChangeKind.DAY_INTRO
    assert kind(content / "site.toml") is ChangeKind.CONFIG
    assert kind(theme / "templates" / "paper.html") is ChangeKind.TEMPLATE
    assert kind(theme / "static" / "style.css") is ChangeKind.STYLESHEET
    assert kind(theme / "static" / "app.js") is ChangeKind.STATIC
    assert kind(theme / "README.md") is None
    assert kind(content / ".imported" / "state.json") is None
    assert kind(content / "out" / "index.html") is None  # the build's own writes
    assert kind(content / "papers", is_directory=True) is ChangeKind.OTHER  # a folder moved in or out
    assert kind(tmp_path / "elsewhere.md") is None


class RecordingRebuild:
    """A stand-in rebuild that records each batch and can be held to simulate a slow build."""

    def __init__(self) -> None:
        self.batches: list[list[str]] = []
        self.condition = threading.Condition()
        self.started = threading.Event()
        self.release = threading.Event()
        self.release.set()

    def __call__(self, changes: list[Change]) -> None:
        self.started.set()
        self.release.wait(WAIT)
        with self.condition:
            self.batches.append(sorted(change.path for change in changes))
            self.condition.notify_all()

    def wait_for(self, count: int) -> bool:
        with self.condition:
            return self.condition.wait_for(lambda: len(self.batches) >= count, WAIT)


def test_a_burst_of_events_is_one_rebuild() -> None:
    rebuild = RecordingRebuild()
    queue = RebuildQueue(rebuild, quiet_seconds=0.3, max_delay_seconds=10)
    queue.start()
    try:
        # A `git checkout` of 200 files, each written twice (content, then mode).
        for index in range(200):
            queue.notify(Change(ChangeKind.RECORD, f"/c/papers/{index:03}.md"))
            queue.notify(Change(ChangeKind.RECORD, f"/c/papers/{index:03}.md"))
        assert rebuild.wait_for(1)
        queue.notify(Change(ChangeKind.CONFIG, "/c/site.toml"))
        assert rebuild.wait_for(2)
    finally:
        assert queue.stop(WAIT)
    assert rebuild.batches[0] == [f"/c/papers/{index:03}.md" for index in range(200)]
    assert rebuild.batches[1] == ["/c/site.toml"]


def test_events_during_a_rebuild_make_exactly_one_more() -> None:
    rebuild = RecordingRebuild()
    rebuild.release.clear()
    queue = RebuildQueue(rebuild, quiet_seconds=0.01, max_delay_seconds=10)
    queue.start()
    try:
        queue.notify(Change(ChangeKind.RECORD, "/c/papers/first.md"))
        assert rebuild.started.wait(WAIT)
        for index in range(50):  # all arrive while the first rebuild is still running
            queue.notify(Change(ChangeKind.RECORD, f"/c/papers/during-{index:02}.md"))
        rebuild.release.set()
        assert rebuild.wait_for(2)
        queue.notify(Change(ChangeKind.RECORD, "/c/papers/later.md"))
        assert rebuild.wait_for(3)
    finally:
        assert queue.stop(WAIT)
    assert rebuild.batches == [["/c/papers/first.md"], [f"/c/papers/during-{index:02}.md" for index in range(50)],
                               ["/c/papers/later.md"]]


def test_a_new_client_learns_the_current_state_first() -> None:
    channel = ReloadChannel("s-1")
    channel.failed(("content/papers/x.md:3: title: expected text",))
    stream = channel.stream(heartbeat_seconds=0.01)
    opening = next(stream)
    assert 'event: hello\ndata: {"build": "s-1"}' in opening
    assert "event: failed" in opening and "content/papers/x.md:3" in opening
    assert next(stream) == ":\n\n"  # a heartbeat, nothing new
    channel.reloaded("s-2", pages=("/papers/x/",))
    assert next(stream).startswith('event: reload\ndata: {"build": "s-2", "stylesheets": [], "pages": ["/papers/x/"]}')
    channel.close()
    assert list(stream) == []
    assert channel.clients == 0


def test_the_terminal_tells_the_fast_path_from_the_build(capsys: pytest.CaptureFixture[str]) -> None:
    change = (Change(ChangeKind.RECORD, "content/papers/x.md"),)
    report = BuildReport(written=["feed.xml", "search/manifest.json"])
    print_outcome(BuildOutcome(change, report, (), "", seconds=4.5, quick_pages=("papers/x/index.html",), quick_seconds=0.08))
    print_outcome(BuildOutcome(change, report, (), "", seconds=4.5))
    first, second = capsys.readouterr().out.splitlines()
    assert first == "record `content/papers/x.md` changed: 1 page shown in 0.08 s, rebuilt in 4.50 s, 2 files written, 0 removed"
    assert second == "record `content/papers/x.md` changed: rebuilt in 4.50 s, 2 files written, 0 removed"


def test_reload_events_name_the_changed_pages_as_the_browser_spells_them() -> None:
    urls = PreviewServer._page_urls(["papers/2401.1/index.html", "404.html", "feed.xml", "search/docs/0.json"], "/my digest/")
    assert urls == ("/my%20digest/404.html", "/my%20digest/papers/2401.1/", "/my%20digest/search/")
    assert PreviewServer._page_urls([f"papers/{n}/index.html" for n in range(1001)], "/") is None


def test_watchdogs_notice_of_a_stopped_watch_is_dropped_and_its_other_errors_kept(caplog: pytest.LogCaptureFixture) -> None:
    import logging

    import generator.serve.watcher  # noqa: F401  (installs the filter)

    inotify_logger = logging.getLogger("watchdog.observers.inotify")
    with caplog.at_level(logging.ERROR, logger="watchdog.observers.inotify"):
        inotify_logger.error("InotifyEmitter.queue_events() called when the thread is inactive")
        inotify_logger.error("inotify watch limit reached")
    assert [record.getMessage() for record in caplog.records] == ["inotify watch limit reached"]
