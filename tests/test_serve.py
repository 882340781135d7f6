"""The preview server running over a copy of the sample: rebuilds, errors, safety, shutdown."""

from __future__ import annotations

import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Iterator

import pytest

from generator.pipeline import BuildOptions, build, load_site
from generator.serve import PreviewServer
from generator.serve.command import wildcard_warning
from generator.serve.latency import measure_edit_latency, revise_field
from serve_helpers import REBUILD_TIMEOUT, EventStream, atomic_write, raw_request, running_preview, wait_until

ROOT = Path(__file__).resolve().parent.parent
RECORD_ID = "2405.16537"

# Every file opened while recording: proves traversal attempts are never read, not only refused.
_opened: list[str] = []
_recording = threading.Event()


def _audit(event: str, args: tuple[object, ...]) -> None:
    if event == "open" and _recording.is_set() and args and isinstance(args[0], (str, bytes, os.PathLike)):
        _opened.append(os.fsdecode(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def preview(content_copy: Path, tmp_path: Path) -> Iterator[PreviewServer]:
    with running_preview(content_copy, tmp_path) as server:
        yield server


def paper_url(server: PreviewServer, content: Path, paper_id: str = RECORD_ID) -> str:
    return f"{server.base_path}papers/{load_site(content).site.papers[paper_id].slug}/"


def test_pages_come_with_types_no_caching_and_the_reload_client(preview: PreviewServer, content_copy: Path) -> None:
    page = raw_request(preview.port, paper_url(preview, content_copy))
    assert page.status == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-store"
    assert f'<script src="{preview.base_path}__live-reload.js" defer></script>' in page.text
    assert "I2VEdit" in page.text
    client = raw_request(preview.port, f"{preview.base_path}__live-reload.js")
    assert client.status == 200 and client.headers["content-type"].startswith("text/javascript")
    assert "new EventSource" in client.text and "innerHTML" not in client.text
    stylesheet = next((preview.output_dir / "static").glob("style.*.css"))
    assert raw_request(preview.port, f"{preview.base_path}static/{stylesheet.name}").headers["content-type"] == \
        "text/css; charset=utf-8"
    assert raw_request(preview.port, f"{preview.base_path}feed.json").headers["content-type"] == "application/json"
    head = raw_request(preview.port, preview.base_path, method="HEAD")
    assert head.status == 200 and head.body == b"" and int(head.headers["content-length"]) > 0


def test_missing_paths_get_the_404_page_and_folders_their_index(preview: PreviewServer) -> None:
    missing = raw_request(preview.port, f"{preview.base_path}papers/no-such-paper/")
    assert missing.status == 404
    assert missing.body == (preview.output_dir / "404.html").read_bytes()
    folder = raw_request(preview.port, f"{preview.base_path}tags")
    assert folder.status == 302 and folder.headers["location"] == f"{preview.base_path}tags/"
    assert raw_request(preview.port, f"{preview.base_path}tags/").body == \
        (preview.output_dir / "tags" / "index.html").read_bytes()
    assert raw_request(preview.port, "/").headers["location"] == preview.base_path
    assert raw_request(preview.port, preview.base_path, method="POST").status == 405


def test_the_site_is_served_under_its_base_path_on_this_machine(preview: PreviewServer) -> None:
    assert preview.base_path == "/digest/"
    assert preview.url == f"http://127.0.0.1:{preview.port}/digest/"
    home = raw_request(preview.port, preview.base_path).text
    assert f'href="http://127.0.0.1:{preview.port}/digest/"' in home  # the canonical link works locally


TRAVERSALS = [
    "/digest/../secret.txt", "/digest/papers/../../secret.txt", "/digest/%2e%2e/secret.txt", "/digest/%2E%2E/secret.txt",
    "/digest/..%2fsecret.txt", "/digest/%252e%252e/secret.txt", "/digest/%252e%252e%252fsecret.txt",
    "/digest/..\\secret.txt", "/digest/%5c..%5csecret.txt", "/digest/secret.txt%00", "/digest/%00/../secret.txt",
    "/digest//etc/passwd", "/digest/%2fetc%2fpasswd", "//etc/passwd", "/etc/passwd",
    "/digest/../serve-output-other/secret.txt", "/digest/leak.txt", "/digest/other/secret.txt",
    "/digest/%c0%ae%c0%ae/secret.txt", "/digest/./../secret.txt",
]


def test_requests_leaving_the_output_get_404_and_are_never_read(preview: PreviewServer, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET")
    sibling = tmp_path / "serve-output-other"  # shares the output folder's name as a prefix
    sibling.mkdir()
    (sibling / "secret.txt").write_text("TOP-SECRET")
    (preview.output_dir / "leak.txt").symlink_to(secret)
    (preview.output_dir / "other").symlink_to(sibling)
    (preview.output_dir / "inside.html").symlink_to(preview.output_dir / "robots.txt")
    targets = [*TRAVERSALS, "/digest/" + str(secret), f"http://127.0.0.1:{preview.port}/digest/../secret.txt"]
    _opened.clear()
    _recording.set()
    try:
        responses = {target: raw_request(preview.port, target) for target in targets}
        raw_nul = raw_request(preview.port, "/digest/index.html\x00")
        inside = raw_request(preview.port, "/digest/inside.html")
    finally:
        _recording.clear()
    for target, response in responses.items():
        assert response.status == 404, target
        assert "TOP-SECRET" not in response.text, target
    assert raw_nul.status in (400, 404)
    assert inside.status == 200 and b"User-agent" in inside.body  # links inside the output still work
    assert any(path.endswith("robots.txt") for path in _opened)  # the recording works
    assert not [path for path in _opened if "secret" in path or "passwd" in path]


def test_a_foreign_host_is_refused(preview: PreviewServer) -> None:
    for host in ("evil.example", f"evil.example:{preview.port}", f"127.0.0.1.evil.example:{preview.port}", None):
        response = raw_request(preview.port, preview.base_path, host=host)
        assert response.status == 403, host
        assert b"<html" not in response.body
    for host in (f"localhost:{preview.port}", f"127.0.0.1:{preview.port}"):
        assert raw_request(preview.port, preview.base_path, host=host).status == 200


def test_the_reload_channel_refuses_a_foreign_origin(preview: PreviewServer) -> None:
    events = f"{preview.base_path}__live-reload"
    for origin in ("http://evil.example", f"http://evil.example:{preview.port}", "http://127.0.0.1:1", "null"):
        assert raw_request(preview.port, events, extra_headers={"Origin": origin}).status == 403, origin
    assert raw_request(preview.port, events, extra_headers={"Sec-Fetch-Site": "cross-site"}).status == 403
    own = EventStream(preview.port, events)
    try:
        assert own.status == 200
        assert json.loads(own.wait_for("hello"))["build"] == preview.channel.build_id
    finally:
        own.close()


def test_fifty_concurrent_requests_are_all_served(preview: PreviewServer) -> None:
    files = sorted((preview.output_dir / "papers").glob("*/index.html"))[:50]
    assert len(files) == 50
    start = threading.Barrier(50)

    def fetch(path: Path) -> tuple[int, bytes]:
        start.wait(REBUILD_TIMEOUT)
        url = f"{preview.origin}{preview.base_path}{path.parent.relative_to(preview.output_dir).as_posix()}/"
        with urllib.request.urlopen(url, timeout=REBUILD_TIMEOUT) as response:
            return response.status, response.read()

    with ThreadPoolExecutor(max_workers=50) as pool:
        results = list(pool.map(fetch, files))
    assert [status for status, _ in results] == [200] * 50
    assert [body for _, body in results] == [path.read_bytes() for path in files]


def test_an_edited_record_reloads_the_browser_with_its_new_text(preview: PreviewServer, content_copy: Path) -> None:
    url = paper_url(preview, content_copy)
    events = EventStream(preview.port, f"{preview.base_path}__live-reload")
    try:
        events.wait_for("hello")
        record = content_copy / "papers" / f"{RECORD_ID}.md"
        atomic_write(record, record.read_text(encoding="utf-8").replace("I2VEdit:", "Renamed I2VEdit:", 1))
        reload = json.loads(events.wait_for("reload"))
        assert reload["stylesheets"] == []
        assert reload["build"] == preview.channel.build_id
        page = raw_request(preview.port, url)
        assert "Renamed I2VEdit:" in page.text
        assert page.headers["server-timing"] == f'live-build;desc="{preview.channel.build_id}"'
    finally:
        events.close()


def test_a_deleted_record_answers_404_and_leaves_its_tag_page(preview: PreviewServer, content_copy: Path) -> None:
    loaded = load_site(content_copy)
    paper = loaded.site.papers[RECORD_ID]
    url = paper_url(preview, content_copy)
    tag_url = f"{preview.base_path}tags/{loaded.site.tag_slugs[paper.tags[0]]}/"
    assert raw_request(preview.port, url).status == 200
    assert f'href="{url}"' in raw_request(preview.port, tag_url).text
    (content_copy / "papers" / f"{RECORD_ID}.md").unlink()
    assert wait_until(preview, lambda: raw_request(preview.port, url).status == 404)
    assert f'href="{url}"' not in raw_request(preview.port, tag_url).text
    assert not (preview.output_dir / url.removeprefix(preview.base_path) / "index.html").exists()


def test_a_broken_record_keeps_the_last_good_site_until_fixed(preview: PreviewServer, content_copy: Path) -> None:
    url = paper_url(preview, content_copy)
    record = content_copy / "papers" / f"{RECORD_ID}.md"
    good = record.read_text(encoding="utf-8")
    events = EventStream(preview.port, f"{preview.base_path}__live-reload")
    try:
        events.wait_for("hello")
        record.write_text(good.replace('title: "I2VEdit:', 'title: [<b>unclosed "I2VEdit:', 1), encoding="utf-8")
        errors = json.loads(events.wait_for("failed"))["errors"]
        assert any(f"{RECORD_ID}.md:" in error for error in errors), errors  # file and line
        assert not preview.last_outcome.ok  # type: ignore[union-attr]
        still = raw_request(preview.port, url)
        assert still.status == 200 and "I2VEdit" in still.text
        # A client connecting now learns of the failure at once.
        late = EventStream(preview.port, f"{preview.base_path}__live-reload")
        try:
            late.wait_for("hello")
            assert json.loads(late.wait_for("failed"))["errors"] == errors
        finally:
            late.close()
        record.write_text(good.replace("I2VEdit:", "Fixed I2VEdit:", 1), encoding="utf-8")
        events.wait_for("reload")
        assert preview.channel.errors == ()
        assert "Fixed I2VEdit:" in raw_request(preview.port, url).text
        # Breaking and then restoring the very same text changes no file: the overlay is cleared all the same.
        record.write_text("---\ntitle: [\n---\n", encoding="utf-8")
        events.wait_for("failed")
        record.write_text(good.replace("I2VEdit:", "Fixed I2VEdit:", 1), encoding="utf-8")
        events.wait_for("recovered")
    finally:
        events.close()


def test_a_template_error_is_reported_with_its_file_and_line(content_copy: Path, tmp_path: Path) -> None:
    templates = tmp_path / "themes" / "default" / "templates"  # a project theme beside the content
    templates.mkdir(parents=True)
    paper_template = ROOT / "themes" / "default" / "templates" / "paper.html"
    (templates / "paper.html").write_text(paper_template.read_text(encoding="utf-8"), encoding="utf-8")
    with running_preview(content_copy, tmp_path) as server:
        events = EventStream(server.port, f"{server.base_path}__live-reload")
        try:
            events.wait_for("hello")
            (templates / "paper.html").write_text("{% extends 'base.html' %}\n{% block content %}{% if %}\n",
                                                  encoding="utf-8")
            errors = json.loads(events.wait_for("failed"))["errors"]
            assert any("paper.html:2" in error for error in errors), errors
            assert raw_request(server.port, paper_url(server, content_copy)).status == 200
        finally:
            events.close()


def test_a_stylesheet_change_swaps_the_stylesheet(content_copy: Path, tmp_path: Path) -> None:
    static = tmp_path / "themes" / "default" / "static"
    static.mkdir(parents=True)
    stylesheet = static / "style.css"
    stylesheet.write_text((ROOT / "themes" / "default" / "static" / "style.css").read_text(encoding="utf-8"),
                          encoding="utf-8")
    with running_preview(content_copy, tmp_path) as server:
        events = EventStream(server.port, f"{server.base_path}__live-reload")
        try:
            events.wait_for("hello")
            atomic_write(stylesheet, stylesheet.read_text(encoding="utf-8") + "\n.preview-marker { color: red }\n")
            reload = json.loads(events.wait_for("reload"))
        finally:
            events.close()
        [url] = reload["stylesheets"]
        assert url.startswith(f"{server.base_path}static/style.") and url.endswith(".css")
        assert ".preview-marker" in raw_request(server.port, url).text


def test_build_output_has_no_reload_client(content_copy: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content_copy, output_dir=output))
    files = [path for path in output.rglob("*") if path.is_file()]
    assert files
    assert not [path for path in files if b"__live-reload" in path.read_bytes()]
    served = tmp_path / "served"
    with running_preview(content_copy, served) as server:
        assert b"__live-reload.js" in (server.output_dir / "index.html").read_bytes()  # the check can fail
        assert not list(server.output_dir.rglob("*live-reload*"))  # the client is served, never written


def test_stop_closes_the_watcher_the_streams_and_the_port(content_copy: Path, tmp_path: Path) -> None:
    with running_preview(content_copy, tmp_path) as server:
        port = server.port
        events = EventStream(port, f"{server.base_path}__live-reload")
        events.wait_for("hello")
        keep_alive = socket.create_connection(("127.0.0.1", port))
        keep_alive.sendall(f"GET {server.base_path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        assert keep_alive.recv(12).startswith(b"HTTP/1.1 200")
        assert server.channel.wait_for_clients(1, REBUILD_TIMEOUT)
    assert not server.running
    assert events.at_end()
    events.close()
    keep_alive.settimeout(REBUILD_TIMEOUT)
    while keep_alive.recv(65536):  # the rest of the page, then the end: the server closed it
        pass
    keep_alive.close()
    assert server.channel.clients == 0
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line)
    lines.put("")


def test_ctrl_c_stops_the_command_cleanly(content_copy: Path, tmp_path: Path) -> None:
    process = subprocess.Popen(
        [sys.executable, "build.py", "serve", "--content", str(content_copy), "--port", "0",
         "--output", str(tmp_path / "out"), "--cache", str(tmp_path / "cache")],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    try:
        printed = []
        while not any(line.startswith("Serving ") for line in printed):
            line = lines.get(timeout=REBUILD_TIMEOUT)
            assert line, f"serve ended early: {process.stderr.read() if process.stderr else ''}"
            printed.append(line)
        url = next(line for line in printed if line.startswith("Serving ")).split()[1]
        port = int(url.split(":")[2].split("/")[0])
        assert raw_request(port, "/digest/").status == 200
        events = EventStream(port, "/digest/__live-reload")
        events.wait_for("hello")
        process.send_signal(signal.SIGINT)
        assert process.wait(timeout=REBUILD_TIMEOUT) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    stderr = process.stderr.read() if process.stderr else ""
    rest = "".join(iter(lambda: lines.get(timeout=5), ""))
    assert "Traceback" not in stderr, stderr
    assert "Stopped." in rest
    assert events.at_end()
    events.close()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=5)


def test_a_wildcard_bind_warns() -> None:
    assert "reachable from other machines" in (wildcard_warning("0.0.0.0") or "")
    assert wildcard_warning("::") is not None
    assert wildcard_warning("127.0.0.1") is None
    assert wildcard_warning("localhost") is None


def test_edit_latency_is_measured_through_the_running_preview(content_copy: Path, tmp_path: Path) -> None:
    record = content_copy / "papers" / f"{RECORD_ID}.md"
    base = tmp_path / "themes" / "default" / "templates" / "base.html"  # a project copy of the theme's base
    base.parent.mkdir(parents=True)
    base.write_bytes((ROOT / "themes" / "default" / "templates" / "base.html").read_bytes())
    before, base_before = record.read_bytes(), base.read_bytes()
    results = measure_edit_latency(content_copy, tmp_path / "latency", edits=2, paper_id=RECORD_ID, base_template=base)
    assert sorted(results) == ["abstract", "template", "title"]
    assert [len(results[name].seconds) for name in ("abstract", "title", "template")] == [2, 2, 1]
    assert record.read_bytes() == before and base.read_bytes() == base_before  # restored


def test_revise_field_edits_quoted_and_block_fields() -> None:
    record = 'title: "A: b"\nabstract: |-\n  First line.\n  Second.\n'
    assert revise_field(record, "title", "X1") == 'title: "X1 A: b"\nabstract: |-\n  First line.\n  Second.\n'
    assert revise_field(record, "abstract", "X2") == 'title: "A: b"\nabstract: |-\n  X2 First line.\n  Second.\n'
