"""A preview server running in a thread over a content copy, and raw HTTP to poke at it."""

from __future__ import annotations

import os
import socket
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from generator.serve import PreviewServer, ServeOptions

REBUILD_TIMEOUT = 60.0
"""Generous: the machine is shared and a rebuild may queue behind another."""


@contextmanager
def running_preview(content: Path, workdir: Path, **options: object) -> Iterator[PreviewServer]:
    server = PreviewServer(ServeOptions(content, workdir / "serve-output", workdir / "serve-cache", port=0,
                                        **options))  # type: ignore[arg-type]
    outcome = server.start()
    assert outcome.ok, outcome.details
    thread = threading.Thread(target=server.serve_forever, name="test-preview", daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(10)


def wait_until(server: PreviewServer, check: Callable[[], bool], timeout: float = REBUILD_TIMEOUT) -> bool:
    """Re-check after every finished build until `check()` holds; no polling on a clock."""
    deadline = time.monotonic() + timeout
    while True:
        seen = server.builds
        if check():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0 or not server.wait_for_builds(seen + 1, remaining):
            return check()


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")


def raw_request(port: int, target: str, host: str | None = "default", method: str = "GET",
                extra_headers: dict[str, str] | None = None) -> Response:
    """One request with the target sent byte for byte (no client-side normalising of `..`)."""
    lines = [f"{method} {target} HTTP/1.1"]
    if host == "default":
        host = f"127.0.0.1:{port}"
    if host is not None:
        lines.append(f"Host: {host}")
    lines += [f"{name}: {value}" for name, value in (extra_headers or {}).items()]
    lines += ["Connection: close", "", ""]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall("\r\n".join(lines).encode("latin-1"))
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    head, _, body = b"".join(chunks).partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in header_lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return Response(int(status_line.split()[1]), headers, body)


class EventStream:
    """A reload-channel connection read event by event."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=REBUILD_TIMEOUT)
        self.sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
        self.buffer = b""
        head = self._read_until(b"\r\n\r\n")
        self.status = int(head.split(b" ", 2)[1])

    def _read_until(self, marker: bytes) -> bytes:
        while marker not in self.buffer:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("the server closed the stream")
            self.buffer += chunk
        part, _, self.buffer = self.buffer.partition(marker)
        return part

    def next_event(self) -> tuple[str, str]:
        """(event name, data) of the next named event; comments and `retry:` lines are skipped."""
        while True:
            block = self._read_until(b"\n\n").decode()
            fields = dict(line.split(": ", 1) for line in block.split("\n") if ": " in line and not line.startswith(":"))
            if "event" in fields:
                return fields["event"], fields.get("data", "")

    def wait_for(self, name: str) -> str:
        while True:
            event, data = self.next_event()
            if event == name:
                return data

    def at_end(self) -> bool:
        """True once the server has closed the connection."""
        try:
            while self.sock.recv(65536):
                pass
        except TimeoutError:
            return False
        except OSError:  # reset: closed too
            return True
        return True

    def close(self) -> None:
        self.sock.close()


def atomic_write(path: Path, text: str) -> None:
    """Save the way many editors do: write a temporary file beside it, then rename it over."""
    temporary = path.with_name(f".{path.name}.swp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, path)
