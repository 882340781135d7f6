"""Render the planned pages that changed, in parallel when there are many.

A page's fingerprint hashes its template chain and its context. Paper views
and the site info are shared by thousands of pages, so they are hashed once
and stand in the page's hash by their digest (a pickle persistent id), which
keeps fingerprinting the whole plan cheap enough for a warm build.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import pickle
import signal
from dataclasses import dataclass, field
from typing import Any, Callable

import jinja2

from .plan import PlannedPage, SiteInfo
from .render import render_page
from .views import PaperView
from .write import OutputWriter

# Below this many pages to render, forking workers costs more than it saves.
PARALLEL_THRESHOLD = 400


@dataclass
class RenderOutcome:
    fingerprints: dict[str, str] = field(default_factory=dict)
    rendered: int = 0


class _Fingerprinter:
    def __init__(self, salt: str) -> None:
        self.salt = salt.encode()
        self.shared: dict[int, str] = {}

    def _shared_digest(self, obj: Any) -> str | None:
        if not isinstance(obj, (PaperView, SiteInfo)):
            return None
        digest = self.shared.get(id(obj))
        if digest is None:
            digest = hashlib.blake2b(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL), digest_size=16).hexdigest()
            self.shared[id(obj)] = digest
        return digest

    def __call__(self, page: PlannedPage) -> str:
        buffer = io.BytesIO()
        pickler = pickle.Pickler(buffer, protocol=pickle.HIGHEST_PROTOCOL)
        pickler.persistent_id = self._shared_digest  # type: ignore[method-assign]
        pickler.dump(page.context)
        digest = hashlib.blake2b(self.salt, digest_size=16)
        digest.update(page.template.encode())
        digest.update(buffer.getvalue())
        return digest.hexdigest()


def render_changed_pages(env: jinja2.Environment, pages: list[PlannedPage], writer: OutputWriter,
                         previous: dict[str, str], salt: str,
                         progress: Callable[[str, int, int], None] | None = None) -> RenderOutcome:
    """Render pages whose fingerprint differs from `previous`; keep the rest as they are in `output/`."""
    fingerprint = _Fingerprinter(salt)
    outcome = RenderOutcome()
    todo: list[PlannedPage] = []
    for number, page in enumerate(pages, start=1):
        if progress and number % 1000 == 0:
            progress("fingerprints", number, len(pages))
        value = fingerprint(page)
        outcome.fingerprints[page.path] = value
        if previous.get(page.path) == value and writer.keep(page.path):
            continue
        writer.claim(page.path)
        todo.append(page)
    outcome.rendered = len(todo)
    workers = min(os.cpu_count() or 1, 8)
    if len(todo) < PARALLEL_THRESHOLD or workers < 2 or "fork" not in multiprocessing.get_all_start_methods():
        for done, page in enumerate(todo, start=1):
            writer.stage(page.path, render_page(env, page).encode())
            if progress and done % 1000 == 0:
                progress("render", done, len(todo))
        return outcome
    changed = _render_in_workers(env, todo, writer, workers, progress)
    writer.changed.extend(changed)
    writer.unchanged += len(todo) - len(changed)
    return outcome


# Read by forked workers, which inherit it: the plan is never pickled across.
_JOB: tuple[jinja2.Environment, list[PlannedPage], OutputWriter] | None = None


def _render_slice(bounds: tuple[int, int]) -> list[str]:
    assert _JOB is not None
    env, todo, writer = _JOB
    changed: list[str] = []
    for page in todo[bounds[0]:bounds[1]]:
        if writer.stage_file(page.path, render_page(env, page).encode()):
            changed.append(page.path)
    return changed


def _worker_signals() -> None:
    """Ctrl+C reaches the whole process group; only the parent acts on it (it stops the
    pool and removes the staging folder), so workers do not each print a traceback."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _render_in_workers(env: jinja2.Environment, todo: list[PlannedPage], writer: OutputWriter, workers: int,
                       progress: Callable[[str, int, int], None] | None) -> list[str]:
    global _JOB  # noqa: PLW0603 - the fork hands this to the workers without pickling the plan
    _JOB = (env, todo, writer)
    step = 250
    slices = [(start, min(start + step, len(todo))) for start in range(0, len(todo), step)]
    changed: list[str] = []
    try:
        with multiprocessing.get_context("fork").Pool(workers, initializer=_worker_signals) as pool:
            for done, paths in enumerate(pool.imap_unordered(_render_slice, slices), start=1):
                changed.extend(paths)
                if progress:
                    progress("render", min(done * step, len(todo)), len(todo))
    finally:
        _JOB = None
    return changed
