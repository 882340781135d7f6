"""HTTP GET for the live sources: polite spacing, retries with backoff, one-line errors.

Only the standard library (urllib). A source API gets one client, which keeps
at least `delay` seconds between the starts of two requests (arXiv asks for
3 s) and retries timeouts and 5xx answers, waiting `delay`, then twice, four
times as long (or what a `Retry-After` header asks, up to 5 minutes). A 4xx answer
other than 429 (too many requests, retried) is returned, not raised, because
arXiv explains a bad request in an Atom body.
"""

from __future__ import annotations

import logging
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field

from .base import SourceError

logger = logging.getLogger(__name__)

USER_AGENT = "paper-digest-importer/0.1 (static site generator for paper digests)"
# Larger answers are not API pages; stop before they fill the memory.
MAX_RESPONSE_BYTES = 64 * 1024 * 1024


@dataclass(frozen=True)
class Response:
    status: int
    body: bytes
    url: str


@dataclass
class HttpClient:
    delay: float = 3.0
    """Seconds between the starts of two requests."""
    timeout: float = 30.0
    retries: int = 3
    """Further attempts after a timeout or a 5xx answer."""
    sleep: Callable[[float], None] = time.sleep
    clock: Callable[[], float] = time.monotonic
    _last_start: float | None = field(default=None, repr=False)

    def get(self, url: str) -> Response:
        """GET `url`; SourceError with one line when it cannot be had."""
        attempt = 0
        while True:
            self._wait_turn()
            problem = None
            try:
                return self._get_once(url)
            except urllib.error.HTTPError as exc:
                if exc.code < 500 and exc.code != 429:
                    return Response(exc.code, _read_limited(exc), url)
                problem = f"the server answered {exc.code} {exc.reason}"
                retry_after = _retry_after(exc.headers.get("Retry-After") if exc.headers else None)
            except TimeoutError:
                problem, retry_after = f"no answer within {self.timeout:g} s", None
            except urllib.error.URLError as exc:
                if isinstance(exc.reason, TimeoutError):
                    problem, retry_after = f"no answer within {self.timeout:g} s", None
                else:
                    # DNS failures and refused connections will not heal in a few seconds.
                    raise SourceError(f"cannot reach `{url}`: {exc.reason} (are you offline?)") from exc
            except OSError as exc:  # reset or broken connections, mid-answer
                problem, retry_after = f"the connection failed: {exc}", None
            if attempt >= self.retries:
                raise SourceError(f"gave up on `{url}` after {attempt + 1} attempts: {problem}")
            wait = max(retry_after or 0.0, self.delay * 2**attempt)
            logger.warning("%s: %s; retrying in %g s", url, problem, wait)
            self.sleep(wait)
            attempt += 1

    def _wait_turn(self) -> None:
        now = self.clock()
        if self._last_start is not None and now - self._last_start < self.delay:
            self.sleep(self.delay - (now - self._last_start))
        self._last_start = self.clock()

    def _get_once(self, url: str) -> Response:
        request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
        logger.info("GET %s", url)
        with urllib.request.urlopen(request, timeout=self.timeout) as answer:
            return Response(answer.status, _read_limited(answer), url)


def _read_limited(stream: object) -> bytes:
    data = stream.read(MAX_RESPONSE_BYTES + 1)  # type: ignore[attr-defined]
    if len(data) > MAX_RESPONSE_BYTES:
        raise SourceError(f"the answer is larger than {MAX_RESPONSE_BYTES // (1024 * 1024)} MiB; not an API page")
    return bytes(data)


def _retry_after(value: str | None) -> float | None:
    try:
        return min(float(value), 300.0) if value else None
    except ValueError:
        return None


def check_base_url(url: str, what: str) -> str:
    """The API base URL, if it is http(s); SourceError otherwise."""
    if not url.lower().startswith(("http://", "https://")):
        raise SourceError(f"the {what} API URL must start with http:// or https://, got `{url}`")
    return url
