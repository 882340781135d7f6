"""Render the planned pages that changed, in parallel when there are many.

A page's fingerprint hashes its template name and its context, salted with the
templates and the generator's code (see `fingerprint.py`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

import jinja2

from .fingerprint import Fingerprints
from .parallel import can_fork, fork_map
from .plan import PlannedPage
from .render import render_page
from .write import OutputWriter

# Below this many pages to render, forking workers costs more than it saves.
PARALLEL_THRESHOLD = 400
SLICE_PAGES = 250


@dataclass
class RenderOutcome:
    fingerprints: dict[str, str] = field(default_factory=dict)
    rendered: int = 0


def render_changed_pages(env: jinja2.Environment, pages: list[PlannedPage], writer: OutputWriter,
                         previous: dict[str, str], fingerprints: Fingerprints,
                         progress: Callable[[str, int, int], None] | None = None) -> RenderOutcome:
    """Render pages whose fingerprint differs from `previous`; keep the rest as they are in `output/`.

    Fingerprinting every page costs about a third of rendering them, so on a large
    site workers do both: each takes a slice, fingerprints it, and renders what changed.
    """
    for page in pages:  # refuse an unsafe or clashing path before any work
        writer.claim(page.path)

    def settle(bounds: tuple[int, int]) -> list[tuple[str, str, bool, bool]]:
        """(path, fingerprint, rendered, staged) of each page of the slice; may run in a worker."""
        settled: list[tuple[str, str, bool, bool]] = []
        for page in pages[bounds[0]:bounds[1]]:
            value = fingerprints.of(page.template, page.context)
            if previous.get(page.path) == value and writer.holds(page.path):
                settled.append((page.path, value, False, False))
            else:
                settled.append((page.path, value, True, writer.stage_file(page.path, render_page(env, page).encode())))
        return settled

    slices = [(start, min(start + SLICE_PAGES, len(pages))) for start in range(0, len(pages), SLICE_PAGES)]
    parallel = len(pages) >= PARALLEL_THRESHOLD and can_fork()
    outcome = RenderOutcome()
    for done, settled in enumerate(fork_map(settle, slices) if parallel else map(settle, slices), start=1):
        for path, value, rendered, staged in settled:
            outcome.fingerprints[path] = value
            outcome.rendered += rendered
            if staged:
                writer.changed.append(path)
            else:
                writer.unchanged += 1
        if progress:
            progress("render", min(done * SLICE_PAGES, len(pages)), len(pages))
    # Same order as the plan whichever worker finished first, so the cache is deterministic.
    outcome.fingerprints = {page.path: outcome.fingerprints[page.path] for page in pages}
    return outcome
