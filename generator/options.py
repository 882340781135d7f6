"""What a build is asked to do (`BuildOptions`) and what it reports (`BuildReport`).

Apart from the pipeline so that the command line can find a site up to date
without importing the build's stages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from .parallel import WorkerLost
from .themes import ThemeError
from .write import UnsafePath

if TYPE_CHECKING:
    from .quick import SiteModel

STOPPING_ERRORS = (ThemeError, UnsafePath, WorkerLost)
"""Errors, besides `BuildError`, that stop a build and say all there is to say: reported without a traceback."""

Progress = Callable[[str, int, int], None]
"""progress(step, done, total): called while long steps run."""


@dataclass
class BuildOptions:
    content_dir: Path
    output_dir: Path
    base_url: str | None = None
    cache_dir: Path | None = None
    """None builds cold and keeps no cache."""
    live_reload: bool = False
    """Only the preview server sets this: pages then load its reload client."""
    progress: Progress | None = None
    keep_model: bool = False
    """Return the site model in the report, for the preview's fast path (`quick.py`)."""
    cancelled: Callable[[], bool] | None = None
    """Asked between steps and during long ones; True stops the build with `BuildCancelled`
    before anything is written (the preview has newer changes to build)."""


@dataclass
class BuildReport:
    papers: int = 0
    days: int = 0
    tags: int = 0
    authors: int = 0
    pages: int = 0
    """HTML pages planned."""
    files_written: int = 0
    files_unchanged: int = 0
    files_removed: int = 0
    pages_rendered: int = 0
    seconds: float = 0.0
    steps: dict[str, float] = field(default_factory=dict)
    """Seconds of each step, in order; their sum is about `seconds`."""
    alongside: dict[str, float] = field(default_factory=dict)
    """Seconds of work done in child processes while the steps ran (related papers, the search index)."""
    warnings: list[str] = field(default_factory=list)
    written: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    up_to_date: bool = False
    """True when nothing the build reads or wrote had changed, so it did nothing."""
    model: SiteModel | None = None
    """With `keep_model`: what the preview's fast path starts from."""

    def summary(self) -> str:
        if self.up_to_date:
            return (f"Up to date: {self.papers} papers, {self.days} days, {self.tags} tags, {self.authors} authors, "
                    f"{self.pages} pages; nothing changed since the last build ({self.seconds:.2f} s)")
        return (f"Built {self.papers} papers, {self.days} days, {self.tags} tags, {self.authors} authors: "
                f"{self.pages} pages; {self.files_written} files written, {self.files_unchanged} unchanged, "
                f"{self.files_removed} removed in {self.seconds:.2f} s")
