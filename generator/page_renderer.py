"""Render the planned pages that changed, in parallel when there are many.

A page's fingerprint hashes its template chain and its context. Paper views
and the site info are shared by thousands of pages, so they are hashed once
and stand in the page's hash by their digest (a pickle persistent id), which
keeps fingerprinting the whole plan cheap enough for a warm build.
"""

from __future__ import annotations

import hashlib
import io
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable

import jinja2

from .parallel import can_fork, fork_map
from .plan import PlannedPage, SiteInfo
from .render import render_page
from .views import PaperView
from .write import OutputWriter

# Below this many pages to render, forking workers costs more than it saves.
PARALLEL_THRESHOLD = 400
SLICE_PAGES = 250


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
    if len(todo) < PARALLEL_THRESHOLD or not can_fork():
        for done, page in enumerate(todo, start=1):
            writer.stage(page.path, render_page(env, page).encode())
            if progress and done % 1000 == 0:
                progress("render", done, len(todo))
        return outcome

    def render_slice(bounds: tuple[int, int]) -> list[str]:
        """Runs in a worker: stages the slice's pages, returns the paths that changed."""
        return [page.path for page in todo[bounds[0]:bounds[1]]
                if writer.stage_file(page.path, render_page(env, page).encode())]

    slices = [(start, min(start + SLICE_PAGES, len(todo))) for start in range(0, len(todo), SLICE_PAGES)]
    changed: list[str] = []
    for done, paths in enumerate(fork_map(render_slice, slices), start=1):
        changed.extend(paths)
        if progress:
            progress("render", min(done * SLICE_PAGES, len(todo)), len(todo))
    writer.changed.extend(changed)
    writer.unchanged += len(todo) - len(changed)
    return outcome
