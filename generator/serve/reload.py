"""The reload channel (server-sent events) and the small client the preview pages load.

Only the preview server serves the client, at `{base}__live-reload.js`; a
`build` never writes it. The channel carries four events:

- `hello` {build}: sent on connect. The client compares it with the build the
  page came from (stamped on each HTML response in a `Server-Timing` entry),
  so a change that landed between the page load and the connection, or while
  the server was restarting, still reloads the page.
- `reload` {build, stylesheets, pages}: the site changed. With `stylesheets` (a
  CSS-only change) the client swaps those links and keeps the page. `pages`
  lists the URL paths of the pages that changed (null: any may have); a page
  not among them stays as it is, scroll and all.
- `failed` {errors}: the build failed; the client shows the messages in an
  overlay, built from text nodes only (they quote record text).
- `recovered` {}: a good build after a failure that changed no file.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass
from typing import Iterator

HEARTBEAT_SECONDS = 15.0
"""A comment line this often lets a dead connection fail and its thread end."""
KEPT_MESSAGES = 32
BUILD_TIMING_NAME = "live-build"


@dataclass(frozen=True)
class Message:
    sequence: int
    text: str
    """The whole server-sent event, `event: …\\ndata: …\\n\\n`."""


def format_event(event: str, data: dict[str, object]) -> str:
    # json.dumps never emits a raw newline, so the data stays on its one `data:` line.
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n"


class ReloadChannel:
    """The current state of the preview (build id, errors) and the events that changed it."""

    def __init__(self, build_id: str) -> None:
        self._condition = threading.Condition()
        self._messages: list[Message] = []
        self._sequence = 0
        self._closed = False
        self._clients = 0
        self.build_id = build_id
        self.errors: tuple[str, ...] = ()

    @property
    def clients(self) -> int:
        with self._condition:
            return self._clients

    def wait_for_clients(self, count: int, timeout: float) -> bool:
        with self._condition:
            return self._condition.wait_for(lambda: self._clients >= count, timeout)

    def reloaded(self, build_id: str, stylesheets: tuple[str, ...] = (), pages: tuple[str, ...] | None = None) -> None:
        with self._condition:
            self.build_id = build_id
            self.errors = ()
            self._publish(format_event("reload", {"build": build_id, "stylesheets": list(stylesheets),
                                                  "pages": None if pages is None else list(pages)}))

    def failed(self, errors: tuple[str, ...]) -> None:
        with self._condition:
            self.errors = errors
            self._publish(format_event("failed", {"errors": list(errors)}))

    def recovered(self) -> None:
        with self._condition:
            self.errors = ()
            self._publish(format_event("recovered", {}))

    def close(self) -> None:
        """End every stream; their handler threads then return."""
        with self._condition:
            self._closed = True
            self._condition.notify_all()

    def stream(self, heartbeat_seconds: float = HEARTBEAT_SECONDS) -> Iterator[str]:
        """The events for one client: the current state first, then each change, with heartbeats."""
        with self._condition:
            if self._closed:
                return
            self._clients += 1
            self._condition.notify_all()
            seen = self._sequence
            opening = "retry: 1000\n\n" + format_event("hello", {"build": self.build_id})
            if self.errors:
                opening += format_event("failed", {"errors": list(self.errors)})
        try:
            yield opening
            while True:
                with self._condition:
                    self._condition.wait_for(lambda: self._closed or self._sequence > seen, heartbeat_seconds)
                    if self._closed:
                        return
                    fresh = [message for message in self._messages if message.sequence > seen]
                    seen = self._sequence
                yield "".join(message.text for message in fresh) if fresh else ":\n\n"
        finally:
            with self._condition:
                self._clients -= 1
                self._condition.notify_all()

    def _publish(self, text: str) -> None:
        self._sequence += 1
        self._messages.append(Message(self._sequence, text))
        del self._messages[:-KEPT_MESSAGES]
        self._condition.notify_all()


def client_script(events_url: str) -> str:
    """The reload client; `events_url` is the channel's path, e.g. `/digest/__live-reload`."""
    return _CLIENT.replace("__EVENTS_URL__", json.dumps(events_url)).replace("__TIMING__", json.dumps(BUILD_TIMING_NAME))


_CLIENT = """\
// Preview-only live reload client, served by `build.py serve`; never part of a build.
(() => {
  "use strict";
  const EVENTS_URL = __EVENTS_URL__;
  const SCROLL_KEY = "live-reload-scroll:" + location.pathname;
  const OVERLAY_ID = "live-reload-overlay";

  // Put the page back where it was before the reload.
  const saved = sessionStorage.getItem(SCROLL_KEY);
  if (saved !== null) {
    sessionStorage.removeItem(SCROLL_KEY);
    try {
      const [x, y] = JSON.parse(saved);
      const restore = () => window.scrollTo(x, y);
      restore();
      if (document.readyState !== "complete") window.addEventListener("load", restore, { once: true });
    } catch (error) { /* a value from an older client: ignore it */ }
  }

  const navigation = performance.getEntriesByType("navigation")[0];
  const timing = navigation && navigation.serverTiming
    ? navigation.serverTiming.find((entry) => entry.name === __TIMING__) : undefined;
  let pageBuild = timing ? timing.description : null;

  function reload() {
    sessionStorage.setItem(SCROLL_KEY, JSON.stringify([window.scrollX, window.scrollY]));
    location.reload();
  }

  function stylesheetKey(href) {
    const url = new URL(href, location.href);
    return url.pathname.replace(/\\.[0-9a-f]{8}\\.css$/, ".css");
  }

  // Swap each matching <link>, dropping the old one only once the new one applies: no flash.
  function swapStylesheets(urls) {
    const links = Array.from(document.querySelectorAll('link[rel~="stylesheet"]'));
    let swapped = 0;
    for (const url of urls) {
      for (const link of links) {
        if (stylesheetKey(link.href) !== stylesheetKey(url)) continue;
        const fresh = link.cloneNode(false);
        fresh.href = url;
        fresh.addEventListener("load", () => link.remove(), { once: true });
        link.after(fresh);
        swapped += 1;
      }
    }
    return swapped > 0;
  }

  function clearErrors() {
    const overlay = document.getElementById(OVERLAY_ID);
    if (overlay) overlay.remove();
  }

  // Error text quotes record text: it goes in as text nodes only, never as markup.
  function showErrors(errors) {
    clearErrors();
    const overlay = document.createElement("div");
    overlay.id = OVERLAY_ID;
    overlay.setAttribute("role", "alert");
    Object.assign(overlay.style, {
      position: "fixed", inset: "0", zIndex: "2147483647", overflow: "auto", margin: "0",
      padding: "2rem", background: "rgba(20, 20, 20, 0.94)", color: "#fff",
      font: "14px/1.5 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace",
    });
    const heading = document.createElement("h2");
    heading.textContent = "The site could not be rebuilt";
    Object.assign(heading.style, { font: "bold 18px/1.3 system-ui, sans-serif", margin: "0 0 1rem", color: "#ff8a80" });
    overlay.append(heading);
    for (const error of errors) {
      const block = document.createElement("pre");
      block.textContent = String(error);
      Object.assign(block.style, { whiteSpace: "pre-wrap", margin: "0 0 1rem", font: "inherit" });
      overlay.append(block);
    }
    const note = document.createElement("p");
    note.textContent = "The last good build is shown underneath. Save a fix and this page updates by itself.";
    const dismiss = document.createElement("button");
    dismiss.type = "button";
    dismiss.textContent = "Hide";
    dismiss.addEventListener("click", clearErrors);
    overlay.append(note, dismiss);
    document.body.append(overlay);
  }

  const source = new EventSource(EVENTS_URL);
  source.addEventListener("hello", (event) => {
    const { build } = JSON.parse(event.data);
    if (pageBuild === null) pageBuild = build;
    else if (build !== pageBuild) reload();
  });
  // `/papers/x/index.html` and `/papers/x/` are one page.
  const pagePath = location.pathname.replace(/index\\.html$/, "");

  source.addEventListener("reload", (event) => {
    const { build, stylesheets, pages } = JSON.parse(event.data);
    if (stylesheets.length && swapStylesheets(stylesheets)) {
      pageBuild = build;
      clearErrors();
    } else if (Array.isArray(pages) && !pages.includes(pagePath)) {
      pageBuild = build;  // other pages changed; this one is still current
      clearErrors();
    } else {
      reload();
    }
  });
  source.addEventListener("failed", (event) => showErrors(JSON.parse(event.data).errors));
  source.addEventListener("recovered", clearErrors);
})();
"""
