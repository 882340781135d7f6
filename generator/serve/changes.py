"""What a file-system event means for the site (Zola's `ChangeKind`).

The preview server rebuilds through the same incremental `build()` for every
kind; the kind decides whether an event matters at all and what the browser
is told afterwards (a stylesheet swap for CSS-only changes, a reload otherwise).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from pathlib import Path, PurePath

from ..config import CONFIG_FILE
from ..digests import DIGESTS_DIR
from ..records import PAPERS_DIR, is_record_file


class ChangeKind(enum.Enum):
    RECORD = "record"
    DAY_INTRO = "day intro"
    CONFIG = "config"
    TEMPLATE = "template"
    STYLESHEET = "stylesheet"
    STATIC = "static"
    OTHER = "other"
    """Anything else inside a watched folder: rebuilt, since the build decides what it reads."""


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    path: str


# Files editors and tools write beside the real one while saving: vim's swap files
# and its `4913` write probe, Emacs' `#x#` autosaves, JetBrains' safe-write copies,
# partial downloads. Dotfiles (`.#x.md` locks, `.x.md.swp`) are caught by the dot rule.
_TEMPORARY_SUFFIXES = ("~", ".swp", ".swx", ".swo", ".tmp", ".temp", ".part", ".crdownload", ".bak",
                       "___jb_tmp___", "___jb_old___")


def is_temporary_name(name: str) -> bool:
    """True for editor and system scratch files, which never take part in a build."""
    return (name.startswith((".", "~", "#")) or name.endswith(_TEMPORARY_SUFFIXES)
            or name == "4913" or name.lower() in ("thumbs.db", "desktop.ini"))


@dataclass(frozen=True)
class WatchedFolders:
    """The folders a build reads, each with the classifier of its own layout."""

    content_dir: Path
    theme_dirs: tuple[Path, ...]
    ignored: tuple[Path, ...] = ()
    """Folders the build writes (output, cache): never a change, even when placed inside a watched folder."""

    def roots(self) -> tuple[Path, ...]:
        return (self.content_dir, *self.theme_dirs)

    def classify(self, path: str, is_directory: bool = False) -> Change | None:
        """The change an event on `path` (absolute) stands for, or None when it cannot affect the site."""
        pure = Path(path)
        if any(pure.is_relative_to(folder) for folder in self.ignored):
            return None
        for root in self.roots():
            if pure.is_relative_to(root):
                relative = pure.relative_to(root)
                if relative.parts and any(is_temporary_name(part) for part in relative.parts):
                    return None
                kind = (classify_content(relative, is_directory) if root == self.content_dir
                        else classify_theme(relative, is_directory))
                return Change(kind, path) if kind else None
        return None


def classify_content(relative: PurePath, is_directory: bool) -> ChangeKind | None:
    parts = relative.parts
    if not parts:
        return ChangeKind.OTHER  # the content folder itself moved or went away
    if is_directory:
        return ChangeKind.OTHER  # a folder moved in or out carries files no event names
    if parts == (CONFIG_FILE,):
        return ChangeKind.CONFIG
    if len(parts) == 2 and parts[0] == PAPERS_DIR:
        return ChangeKind.RECORD if is_record_file(parts[1]) else None
    if len(parts) == 2 and parts[0] == DIGESTS_DIR:
        return ChangeKind.DAY_INTRO if parts[1].endswith(".md") else None
    if parts[0] in (PAPERS_DIR, DIGESTS_DIR):
        return None  # deeper files are not read by the build
    return ChangeKind.OTHER


def classify_theme(relative: PurePath, is_directory: bool) -> ChangeKind | None:
    parts = relative.parts
    if not parts or is_directory:
        return ChangeKind.OTHER
    if parts[0] == "templates":
        return ChangeKind.TEMPLATE
    if parts[0] == "static":
        return ChangeKind.STYLESHEET if relative.suffix == ".css" else ChangeKind.STATIC
    if parts[0] == "node_modules":
        return ChangeKind.STATIC
    return None  # a theme's README, package.json: not part of the site
