"""HTTP for the preview: map a request onto the output folder, safely, and answer it.

Requests that try to leave the output folder (`..` in any encoding,
backslashes, NUL, absolute paths, links pointing outside, a sibling folder
sharing the output folder's name as a prefix) get the 404 page and are never
opened. A `Host` other than this machine's is refused, so a web page cannot
read the preview through DNS rebinding; the reload channel also refuses a
foreign `Origin`.
"""

from __future__ import annotations

import contextlib
import http.server
import ipaddress
import logging
import mimetypes
import socket
import sys
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Union
from urllib.parse import quote, unquote, urlsplit

from .reload import BUILD_TIMING_NAME, client_script

if TYPE_CHECKING:
    from .server import PreviewServer

logger = logging.getLogger(__name__)

RELOAD_SCRIPT = "__live-reload.js"
RELOAD_EVENTS = "__live-reload"
WILDCARD_HOSTS = frozenset({"0.0.0.0", "::", ""})
BUILD_WAIT_SECONDS = 30.0
"""A request that arrives during a rebuild waits for it (never a half-written site), at most this long."""

CONTENT_TYPES = {
    ".html": "text/html; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".json": "application/json",
    ".xml": "application/xml; charset=utf-8",
    ".opml": "text/x-opml; charset=utf-8",
    ".txt": "text/plain; charset=utf-8",
    ".bib": "application/x-bibtex; charset=utf-8",
    ".ris": "application/x-research-info-systems; charset=utf-8",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
    ".ico": "image/x-icon",
    ".woff2": "font/woff2",
    ".webmanifest": "application/manifest+json",
}


def content_type(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in CONTENT_TYPES:
        return CONTENT_TYPES[suffix]
    guessed, _ = mimetypes.guess_type(path.name, strict=True)
    return guessed or "application/octet-stream"


@dataclass(frozen=True)
class ServeFile:
    path: Path


@dataclass(frozen=True)
class Redirect:
    location: str


@dataclass(frozen=True)
class NotFound:
    pass


Resolution = Union[ServeFile, Redirect, NotFound]


def resolve_target(target: str, base_path: str, root: Path) -> Resolution:
    """What a request target (`/digest/papers/x/?q=1`) names inside `root`, served at `base_path`."""
    path, _, query = target.partition("?")
    path = path.partition("#")[0]
    suffix = f"?{query}" if query else ""
    # Origin-form only: an absolute-form target (`http://host/x`) or a raw backslash or NUL is refused outright.
    if not path.startswith("/") or "\\" in path or "\x00" in path:
        return NotFound()
    try:
        decoded = unquote(path, errors="strict")
    except UnicodeDecodeError:
        return NotFound()
    if "\\" in decoded or "\x00" in decoded:
        return NotFound()
    if decoded == "/" and base_path != "/":
        return Redirect(base_path)
    if decoded + "/" == base_path:
        return Redirect(base_path + suffix)
    if not decoded.startswith(base_path):
        return NotFound()
    rest = decoded[len(base_path):]
    wants_folder = rest == "" or rest.endswith("/")
    segments = rest.split("/")[:-1] if wants_folder else rest.split("/")
    # Empty, `.` and `..` segments (decoded, so `%2e%2e` and `..%2f` too) never reach the file system.
    # `%252e` decodes once to the literal name `%2e`, which no build writes: it is simply not found.
    if any(segment in ("", ".", "..") for segment in segments):
        return NotFound()
    found = contained_path(root, root.joinpath(*segments))
    if found is None:
        return NotFound()
    if found.is_dir():
        if not wants_folder:
            return Redirect(safe_location(base_path + "/".join(segments) + "/") + suffix)
        found = contained_path(root, found / "index.html")
        if found is None:
            return NotFound()
    return ServeFile(found) if found.is_file() else NotFound()


def contained_path(root: Path, candidate: Path) -> Path | None:
    """`candidate` with every link resolved, if it exists and stays inside `root`; else None.

    `is_relative_to` compares whole path segments, so `/site/output-other` is not inside `/site/output`.
    """
    try:
        real_root = root.resolve(strict=True)
        real = candidate.resolve(strict=True)
    except (OSError, RuntimeError):  # missing, a link loop, a name too long
        return None
    return real if real.is_relative_to(real_root) else None


def safe_location(path: str) -> str:
    """A same-site `Location`: `//host/x` would send the browser to another host."""
    return "/" + quote(path, safe="/!$&'()*+,;=:@-._~").lstrip("/")


def is_wildcard(host: str) -> bool:
    return host in WILDCARD_HOSTS


@dataclass(frozen=True)
class HostPolicy:
    """The names a request's `Host` may carry: this machine's, never a stranger's domain."""

    names: frozenset[str]
    wildcard: bool

    @classmethod
    def for_bind(cls, bound_host: str) -> HostPolicy:
        names = {"localhost", "127.0.0.1", "::1", bound_host.lower().strip("[]")}
        wildcard = is_wildcard(bound_host)
        if wildcard:  # reachable from the network: the machine's own names too
            names |= {socket.gethostname().lower(), socket.getfqdn().lower()}
        return cls(frozenset(names - {""}), wildcard)

    def allows(self, host_header: str | None) -> bool:
        """DNS rebinding needs a domain name, so IP literals are safe to accept on a wildcard
        bind; `*.localhost` always resolves to loopback."""
        if not host_header:
            return False
        try:
            parts = urlsplit("//" + host_header)
            parts.port  # noqa: B018 - raises on a malformed port
        except ValueError:
            return False
        hostname = parts.hostname
        if not hostname:
            return False
        if hostname in self.names or hostname.endswith(".localhost"):
            return True
        if self.wildcard:
            with contextlib.suppress(ValueError):
                ipaddress.ip_address(hostname)
                return True
        return False


def origin_allowed(origin: str | None, policy: HostPolicy, port: int) -> bool:
    """No `Origin` (a same-origin EventSource, curl) or this server's own."""
    if origin is None:
        return True
    try:
        parts = urlsplit(origin)
        origin_port = parts.port or 80
    except ValueError:
        return False
    return parts.scheme == "http" and origin_port == port and policy.allows(parts.netloc)


class PreviewHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    # The default backlog of 5 drops connections when a page's assets, or a test, open dozens at once.
    request_queue_size = 128
    preview: PreviewServer

    def __init__(self, address: tuple[str, int], handler: type[http.server.BaseHTTPRequestHandler]) -> None:
        super().__init__(address, handler)
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()

    def process_request(self, request: socket.socket, client_address: object) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.add(request)
        super().process_request(request, client_address)

    def shutdown_request(self, request: socket.socket) -> None:  # type: ignore[override]
        with self._connections_lock:
            self._connections.discard(request)
        super().shutdown_request(request)

    def close_connections(self) -> None:
        """End open keep-alive and reload connections, so no handler thread outlives the server."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)

    def handle_error(self, request: object, client_address: object) -> None:
        error = sys.exc_info()[1]
        if isinstance(error, (ConnectionError, TimeoutError)):
            return  # the browser went away
        logger.exception("error while answering %s", client_address)


class PreviewHTTPServer6(PreviewHTTPServer):
    address_family = socket.AF_INET6


class PreviewRequestHandler(http.server.BaseHTTPRequestHandler):
    server: PreviewHTTPServer
    protocol_version = "HTTP/1.1"
    server_version = "paper-digest-preview"
    timeout = 60  # idle keep-alive connections end, so their threads do

    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        logger.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self.answer(with_body=True)

    def do_HEAD(self) -> None:
        self.answer(with_body=False)

    def do_POST(self) -> None:
        self.send_plain(405, "Method not allowed\n", {"Allow": "GET, HEAD"})

    do_PUT = do_DELETE = do_PATCH = do_OPTIONS = do_POST

    def answer(self, with_body: bool) -> None:
        preview = self.server.preview
        if not preview.host_policy.allows(self.headers.get("Host")):
            self.send_plain(403, "This preview answers only requests addressed to this machine.\n")
            return
        base_path = preview.base_path
        path = unquote(self.path.partition("?")[0])  # base_url's path may hold characters the browser escapes
        if path == base_path + RELOAD_SCRIPT:
            body = client_script(base_path + RELOAD_EVENTS).encode()
            self.send_bytes(200, body, "text/javascript; charset=utf-8", with_body)
            return
        if path == base_path + RELOAD_EVENTS:
            self.stream_events()
            return
        preview.wait_until_built(BUILD_WAIT_SECONDS)
        build_id = preview.channel.build_id  # read before the file: a stale page then reloads itself
        resolution = resolve_target(self.path, base_path, preview.output_dir)
        if isinstance(resolution, Redirect):
            self.send_response(302)
            self.send_header("Location", resolution.location)
            self.send_header("Content-Length", "0")
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            return
        if isinstance(resolution, ServeFile):
            try:
                body = resolution.path.read_bytes()
            except OSError:  # removed by a rebuild since it was found, or unreadable
                body = None
            if body is not None:
                self.send_bytes(200, body, content_type(resolution.path), with_body, build_id)
                return
        self.send_not_found(with_body, build_id)

    def send_not_found(self, with_body: bool, build_id: str) -> None:
        preview = self.server.preview
        page = contained_path(preview.output_dir, preview.output_dir / "404.html")
        body: bytes | None = None
        if page is not None:
            with contextlib.suppress(OSError):
                body = page.read_bytes()
        if body is None:  # nothing built yet (the first build failed): still load the client, for the overlay
            body = (f'<!doctype html><html lang="en"><meta charset="utf-8"><title>Not found</title>'
                    f'<p>Nothing is built at this address.</p>'
                    f'<script src="{quote(preview.base_path)}{RELOAD_SCRIPT}" defer></script></html>').encode()
        self.send_bytes(404, body, "text/html; charset=utf-8", with_body, build_id)

    def send_bytes(self, status: int, body: bytes, kind: str, with_body: bool, build_id: str | None = None,
                   headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        self.send_header("Content-Type", kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if build_id is not None:
            self.send_header("Server-Timing", f'{BUILD_TIMING_NAME};desc="{build_id}"')
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        if with_body:
            self.wfile.write(body)

    def send_plain(self, status: int, text: str, headers: dict[str, str] | None = None) -> None:
        self.send_bytes(status, text.encode(), "text/plain; charset=utf-8", self.command != "HEAD", headers=headers)

    def stream_events(self) -> None:
        preview = self.server.preview
        if (not origin_allowed(self.headers.get("Origin"), preview.host_policy, preview.port)
                or self.headers.get("Sec-Fetch-Site") == "cross-site"):
            self.send_plain(403, "The reload channel is for this preview's own pages.\n")
            return
        self.close_connection = True  # the stream has no length: it ends when the connection does
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream; charset=utf-8")
        self.send_header("Cache-Control", "no-store")
        self.send_header("Connection", "close")
        self.end_headers()
        events = preview.channel.stream()
        try:
            for chunk in events:
                self.wfile.write(chunk.encode())
                self.wfile.flush()
        except (ConnectionError, TimeoutError):
            pass
        finally:
            events.close()
