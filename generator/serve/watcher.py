"""File-system events in, one rebuild per burst out.

`ChangeWatcher` turns watchdog events into `Change`s; `RebuildQueue` gathers
them and runs the rebuild on its own thread once the events have been quiet
for a moment. An editor's atomic save (write a temporary file, rename it over
the record) or a `git checkout` of 200 files is one rebuild; events that arrive
while a rebuild runs are kept and make exactly one more.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Callable

from watchdog.events import (EVENT_TYPE_CREATED, EVENT_TYPE_DELETED, EVENT_TYPE_MODIFIED, EVENT_TYPE_MOVED,
                             FileSystemEvent, FileSystemEventHandler)
from watchdog.observers import Observer
from watchdog.observers.api import BaseObserver, ObservedWatch

from .changes import Change, WatchedFolders

logger = logging.getLogger(__name__)

QUIET_SECONDS = 0.05
"""A burst is over once no event came for this long (an atomic save spans a few milliseconds)."""
MAX_DELAY_SECONDS = 1.0
"""Rebuild at the latest this long after a burst began, even if a tool keeps writing."""


class _StoppedWatchNotice(logging.Filter):
    """Drops watchdog's ERROR "queue_events() called when the thread is inactive".

    watchdog logs it when an inotify thread wakes after its watch was stopped, as
    `serve` exits or stops watching a theme folder; nothing is lost, and a line
    saying ERROR as the server stops would send users looking for a fault.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        return "called when the thread is inactive" not in record.getMessage()


logging.getLogger("watchdog.observers.inotify").addFilter(_StoppedWatchNotice())

# Opening and reading (`opened`, `closed_no_write`) are what the build itself does to
# every record: reacting to them would rebuild forever.
_CHANGING_EVENTS = frozenset({EVENT_TYPE_CREATED, EVENT_TYPE_MODIFIED, EVENT_TYPE_DELETED, EVENT_TYPE_MOVED})


class RebuildQueue:
    """Collects changes and calls `rebuild(changes)` on a worker thread, one burst at a time."""

    def __init__(self, rebuild: Callable[[list[Change]], None], quiet_seconds: float = QUIET_SECONDS,
                 max_delay_seconds: float = MAX_DELAY_SECONDS) -> None:
        self._rebuild = rebuild
        self._quiet = quiet_seconds
        self._max_delay = max_delay_seconds
        self._condition = threading.Condition()
        self._pending: dict[str, Change] = {}
        self._first_event = 0.0
        self._last_event = 0.0
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="rebuild", daemon=True)

    def start(self) -> None:
        self._thread.start()

    @property
    def running(self) -> bool:
        return self._thread.is_alive()

    def notify(self, change: Change) -> None:
        with self._condition:
            now = time.monotonic()
            if not self._pending:
                self._first_event = now
            self._last_event = now
            # The latest event per path wins: created-then-deleted is a deletion.
            self._pending.pop(change.path, None)
            self._pending[change.path] = change
            self._condition.notify_all()

    def has_pending(self) -> bool:
        """True when changes wait for the next rebuild (the running one may stop early for them)."""
        with self._condition:
            return bool(self._pending) or self._stopping

    def stop(self, timeout: float | None = None) -> bool:
        """Stop after the rebuild in progress, if any; False when it outlasted `timeout`."""
        with self._condition:
            self._stopping = True
            self._condition.notify_all()
        if self._thread.is_alive():
            self._thread.join(timeout)
        return not self._thread.is_alive()

    def _next_batch(self) -> list[Change] | None:
        with self._condition:
            while not self._pending and not self._stopping:
                self._condition.wait()
            while not self._stopping:
                deadline = min(self._last_event + self._quiet, self._first_event + self._max_delay)
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    break
                self._condition.wait(remaining)
            if self._stopping:
                return None
            batch = list(self._pending.values())
            self._pending.clear()
            return batch

    def _run(self) -> None:
        while (batch := self._next_batch()) is not None:
            try:
                self._rebuild(batch)
            except Exception:  # the rebuild reports its own errors; this keeps the loop alive regardless
                logger.exception("rebuild failed")


class _EventHandler(FileSystemEventHandler):
    def __init__(self, watcher: ChangeWatcher) -> None:
        self._watcher = watcher

    def on_any_event(self, event: FileSystemEvent) -> None:
        if event.event_type not in _CHANGING_EVENTS:
            return
        # A folder's own `modified` only says a file inside changed, which has its own event.
        if event.is_directory and event.event_type == EVENT_TYPE_MODIFIED:
            return
        paths = [event.src_path, event.dest_path] if event.event_type == EVENT_TYPE_MOVED else [event.src_path]
        for path in paths:
            text = path.decode() if isinstance(path, bytes) else path
            if text:
                self._watcher.dispatch(text, event.is_directory)


class ChangeWatcher:
    """Watches the content folder and the theme chain; reports each relevant change."""

    def __init__(self, folders: WatchedFolders, notify: Callable[[Change], None]) -> None:
        self._folders = folders
        self._notify = notify
        self._observer: BaseObserver = Observer()
        self._watches: dict[Path, ObservedWatch] = {}
        self._handler = _EventHandler(self)
        self._lock = threading.Lock()

    def start(self) -> None:
        self._schedule(self._folders)
        self._observer.start()

    def update(self, folders: WatchedFolders) -> None:
        """Follow a new theme chain (site.toml named another theme)."""
        with self._lock:
            if folders == self._folders:
                return
            self._folders = folders
        self._schedule(folders)

    @property
    def running(self) -> bool:
        return self._observer.is_alive()

    def dispatch(self, path: str, is_directory: bool) -> None:
        with self._lock:
            change = self._folders.classify(path, is_directory)
        if change is not None:
            logger.debug("%s changed: %s", change.kind.value, path)
            self._notify(change)

    def stop(self) -> None:
        self._observer.stop()
        if self._observer.is_alive():
            self._observer.join()

    def _schedule(self, folders: WatchedFolders) -> None:
        wanted = {root for root in folders.roots() if root.is_dir()}
        for root in list(self._watches):
            if root not in wanted:
                self._observer.unschedule(self._watches.pop(root))
        for root in wanted - set(self._watches):
            self._watches[root] = self._observer.schedule(self._handler, str(root), recursive=True)
