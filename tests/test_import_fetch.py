"""Live sources against a local HTTP server that answers with recorded arXiv responses."""

from __future__ import annotations

import datetime as dt
import re
import socket
import sys
import threading
import urllib.parse
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from generator.importers import ImportOptions, SourceError, arxiv, import_records
from generator.importers.fetch import HttpClient

FIXTURES = Path(__file__).parent / "fixtures" / "import"
Answer = tuple[int, bytes]


def recorded_entries() -> dict[str, str]:
    """Every recorded Atom entry, by arXiv id without version."""
    entries = {}
    for name in ("arxiv_api_2016_search_au_del_maestro.xml", "arxiv_api_2026_id_astro-ph_0601001.xml"):
        text = (FIXTURES / name).read_text(encoding="utf-8")
        for entry in re.findall(r"<entry>.*?</entry>", text, re.DOTALL):
            paper_id = re.search(r"<id>https?://arxiv\.org/abs/(.+?)v\d+</id>", entry)
            assert paper_id
            entries[paper_id.group(1)] = entry
    return entries


ENTRIES = recorded_entries()
HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
    'xmlns:arxiv="http://arxiv.org/schemas/atom" xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">\n'
    "<title>arXiv Query</title><opensearch:totalResults>{total}</opensearch:totalResults>\n"
)


def feed(entries: list[str]) -> bytes:
    return (HEAD.format(total=len(entries)) + "\n".join(entries) + "\n</feed>\n").encode("utf-8")


def answer_ids(query: dict[str, str]) -> Answer:
    """What the arXiv API answers for `id_list`, from the recordings (unknown ids are left out)."""
    ids = query.get("id_list", "").split(",")
    return 200, feed([ENTRIES[paper_id] for paper_id in ids if paper_id in ENTRIES])


class QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (the timeout tests) leaves a late answer nowhere to go.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)  # type: ignore[arg-type]


class RecordedServer:
    """An HTTP server on 127.0.0.1 whose answers come from a list of callables, one per request (the last repeats)."""

    def __init__(self) -> None:
        self.requests: list[dict[str, str]] = []
        self.answers: list[Callable[[dict[str, str]], Answer]] = [answer_ids]
        self.release = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(self.path).query))
                server.requests.append({"path": urllib.parse.urlsplit(self.path).path, **query})
                respond = server.answers.pop(0) if len(server.answers) > 1 else server.answers[0]
                status, body = respond(query)
                self.send_response(status)
                self.send_header("Content-Type", "application/atom+xml; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.httpd = QuietServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}/api/query"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)

    def hang(self, query: dict[str, str]) -> Answer:
        self.release.wait(10)
        return 200, feed([])


@pytest.fixture
def server() -> Iterator[RecordedServer]:
    recorded = RecordedServer()
    recorded.thread.start()
    yield recorded
    recorded.release.set()
    recorded.httpd.shutdown()
    recorded.httpd.server_close()


def options(content: Path, url: str | None, **extra: object) -> ImportOptions:
    return ImportOptions(content_dir=content, api_url=url, request_delay=0, today=dt.date(2026, 1, 2), **extra)  # type: ignore[arg-type]


def test_import_by_ids(server: RecordedServer, tmp_path: Path) -> None:
    report = import_records("arxiv", ["astro-ph/0601001v1", "arXiv:1201.4869", "1201.4869v3", "0000.0000"], options(tmp_path, server.url))
    assert sorted(o.paper_id for o in report.with_status("created")) == ["1201.4869", "astro-ph/0601001"]
    assert [str(problem) for problem in report.problems] == ["id `0000.0000`: arXiv has no paper with this id; skipped"]
    # Versions and prefixes dropped, duplicates folded, one batch.
    assert server.requests == [{"path": "/api/query", "id_list": "astro-ph/0601001,1201.4869,0000.0000", "max_results": "3"}]
    record = (tmp_path / "papers" / "astro-ph-0601001.md").read_text(encoding="utf-8")
    assert 'title: "Frequency of Hot Jupiters and Very Hot Jupiters from the OGLE-III Transit Surveys' in record


def test_ids_are_sent_in_batches(server: RecordedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(arxiv, "IDS_PER_REQUEST", 2)
    report = import_records("arxiv", ["1201.4869", "1005.5383", "1303.6954"], options(tmp_path, server.url))
    assert len(report.with_status("created")) == 3
    assert [request["id_list"] for request in server.requests] == ["1201.4869,1005.5383", "1303.6954"]


def test_503_then_success(server: RecordedServer, tmp_path: Path) -> None:
    server.answers = [lambda query: (503, b"busy"), answer_ids]
    report = import_records("arxiv", ["1303.6954"], options(tmp_path, server.url))
    assert [o.paper_id for o in report.with_status("created")] == ["1303.6954"]
    assert report.problems == []
    assert len(server.requests) == 2


def test_gives_up_after_the_retries(server: RecordedServer, tmp_path: Path) -> None:
    server.answers = [lambda query: (503, b"busy")]
    with pytest.raises(SourceError) as raised:
        import_records("arxiv", ["1303.6954"], options(tmp_path, server.url, retries=2))
    assert str(raised.value) == f"gave up on `{server.url}?id_list=1303.6954&max_results=1` after 3 attempts: the server answered 503 Service Unavailable"
    assert len(server.requests) == 3
    assert not (tmp_path / "papers").exists()


def test_timeout_is_retried_then_reported(server: RecordedServer, tmp_path: Path) -> None:
    server.answers = [server.hang]
    with pytest.raises(SourceError, match=r"after 2 attempts: no answer within 0\.2 s$"):
        import_records("arxiv", ["1303.6954"], options(tmp_path, server.url, retries=1, timeout=0.2))


def test_error_answer_is_reported(server: RecordedServer, tmp_path: Path) -> None:
    server.answers = [lambda query: (400, (FIXTURES / "arxiv_api_2026_error_400_id_abc.xml").read_bytes())]
    report = import_records("arxiv", ["2501.00001"], options(tmp_path, server.url))
    assert report.outcomes == []
    assert [problem.message for problem in report.problems] == ["the arXiv API reported an error: incorrect id format for abc"]


def test_not_an_id_is_reported_without_a_request(server: RecordedServer, tmp_path: Path) -> None:
    report = import_records("arxiv", ["abc"], options(tmp_path, server.url))
    assert [str(problem).split(" (hint")[0] for problem in report.problems] == ["abc: neither a file nor an arXiv id"]
    assert server.requests == []


def test_offline_is_one_clear_line(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(SourceError) as raised:
        import_records("arxiv", ["1303.6954"], options(tmp_path, f"http://127.0.0.1:{port}/api/query"))
    message = str(raised.value)
    assert message.startswith(f"cannot reach `http://127.0.0.1:{port}/api/query?id_list=1303.6954&max_results=1`: ")
    assert message.endswith("(are you offline?)")
    assert "\n" not in message


def test_query_pages_and_environment_url(server: RecordedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    ordered = list(ENTRIES.values())

    def answer_query(query: dict[str, str]) -> Answer:
        start, size = int(query["start"]), int(query["max_results"])
        return 200, feed(ordered[start: start + size])

    server.answers = [answer_query]
    monkeypatch.setattr(arxiv, "IDS_PER_REQUEST", 2)
    monkeypatch.setenv("PAPER_DIGEST_ARXIV_API", server.url)
    report = import_records("arxiv", [], options(tmp_path, None, query="au:del_maestro", max_results=3))
    assert len(report.with_status("created")) == 3
    assert [(r["search_query"], r["start"], r["max_results"], r["sortBy"]) for r in server.requests] == [
        ("au:del_maestro", "0", "2", "submittedDate"),
        ("au:del_maestro", "2", "1", "submittedDate"),
    ]


def test_requests_are_spaced_by_the_delay(server: RecordedServer) -> None:
    waits: list[float] = []
    client = HttpClient(delay=3.0, sleep=waits.append, clock=lambda: 100.0)
    client.get(server.url + "?id_list=1303.6954")
    client.get(server.url + "?id_list=1201.4869")
    assert waits == [3.0]


def test_hf_fetch_date(server: RecordedServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    answer = (FIXTURES / "hf_daily_papers_2026-07-15.json").read_bytes()
    server.answers = [lambda query: (200, answer)]
    monkeypatch.setenv("PAPER_DIGEST_HF_API", server.url)
    report = import_records("hf", [], options(tmp_path, None, fetch_date=dt.date(2026, 7, 15)))
    assert sorted(o.paper_id for o in report.with_status("created")) == ["2607.11111", "2607.11886"]
    assert server.requests == [{"path": "/api/query", "date": "2026-07-15"}]


def test_hf_fetch_needs_an_address(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("PAPER_DIGEST_HF_API", raising=False)
    with pytest.raises(SourceError, match="pass --api-url or set PAPER_DIGEST_HF_API"):
        import_records("hf", [], options(tmp_path, None, fetch_date=dt.date(2026, 7, 15)))
