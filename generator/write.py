"""Write stage: the one writer every output byte goes through.

A build stages the files that changed in a hidden folder beside `output/`,
then commits: staged files are renamed into place and files the plan no
longer has are pruned. Until the commit nothing in `output/` changes, so a
build that fails half-way (a template error, a full disk, Ctrl+C) leaves the
previous site byte for byte as it was; unchanged files are never rewritten,
so their timestamps stay and a preview server or an upload sees only real
changes. The commit is renames only, with SIGINT/SIGTERM held off meanwhile.
"""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
from pathlib import Path

from . import stop_signals
from .characters import fold

logger = logging.getLogger(__name__)

STAGING_PREFIX = ".staging-"
RESERVED_NAMES = frozenset({"con", "prn", "aux", "nul"} | {f"com{i}" for i in range(1, 10)} | {f"lpt{i}" for i in range(1, 10)})


class UnsafePath(ValueError):
    """A path that would leave the output folder, or that is written twice."""


def check_relative_path(path: str) -> str:
    """`path` when it is a relative, normalised POSIX path that stays inside the output folder."""
    if not path or "\\" in path or "\x00" in path or path.startswith("/") or ":" in path.split("/")[0]:
        raise UnsafePath(f"refusing to write `{path}`: not a plain relative path")
    try:
        path.encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate (from an escaped JSON string) names no file
        raise UnsafePath(f"refusing to write {path!r}: not valid Unicode text") from None
    # The raw segments, not `PurePosixPath.parts`, which drops `.` and empty segments:
    # `a/./b` and `a//b` would pass as other names for `a/b` and dodge the
    # second-write check, which compares path strings.
    for part in path.split("/"):
        if part in ("", ".", "..") or part.endswith((".", " ")) or part.split(".")[0].lower() in RESERVED_NAMES:
            raise UnsafePath(f"refusing to write `{path}`: the segment `{part}` is not allowed")
        if len(part.encode()) > 255:
            raise UnsafePath(f"refusing to write `{path}`: a segment is longer than 255 bytes")
    return path


class OutputWriter:
    """Stage, then commit, the files of one build into `output_dir`."""

    def __init__(self, output_dir: Path) -> None:
        self.output_dir = output_dir.absolute()
        self.staging_dir = self.output_dir.parent / f"{STAGING_PREFIX}{self.output_dir.name}-{os.getpid()}"
        self.planned: dict[str, str] = {}
        """Folded path -> path as written, for every file of this build."""
        self.changed: list[str] = []
        self.unchanged = 0
        self.existing: frozenset[str] = frozenset()
        """Relative paths of the regular files `output/` held when the build began (none behind a link)."""
        self.links: tuple[str, ...] = ()
        """Symbolic links found inside `output/`, relative: what lies behind them is not ours."""
        self.new_output = False
        """`output/` was missing or empty: every file is new, none is compared, the commit is one rename."""
        self._staged_folders: set[str] = set()

    def __enter__(self) -> OutputWriter:
        remove_stale_staging(self.output_dir)
        self.staging_dir.mkdir(parents=True)
        self.new_output = self._output_is_new()
        # One walk of output/ answers every "is this file there?" of the build: at 10,000
        # papers an incremental build asks it of some 45,000 files, one stat call each.
        # A link inside output/ (`output/papers -> /elsewhere`) would make the commit write
        # outside the build folder, and the comparison read foreign files: files behind a
        # link count as missing, and the commit replaces the links by real folders.
        if not self.new_output:
            self.existing, self.links = list_output(str(self.output_dir))
        return self

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        shutil.rmtree(self.staging_dir, ignore_errors=True)

    def claim(self, path: str) -> None:
        """Add `path` to this build's files; refuses unsafe paths and a second claim."""
        self._add_planned(check_relative_path(path))

    def _add_planned(self, path: str) -> None:
        # Two pages whose paths differ only by case or Unicode form would overwrite
        # each other on macOS and Windows: refuse the second one everywhere.
        folded = fold(path)
        if folded in self.planned:
            raise UnsafePath(f"refusing to write `{path}` twice (it clashes with `{self.planned[folded]}`)")
        self.planned[folded] = path

    def is_planned(self, path: str) -> bool:
        return fold(path) in self.planned

    def stage_file(self, path: str, data: bytes) -> bool:
        """Stage a claimed path's bytes unless `output/` already holds them; True if staged.

        Touches only the file system, so forked render workers may call it.
        """
        if path in self.existing:
            current = os.path.join(self.output_dir, path)
            try:
                if os.stat(current).st_size == len(data):
                    with open(current, "rb") as handle:
                        if handle.read() == data:
                            return False
            except OSError:
                pass
        # Plain os calls: at 10,000 papers this runs for some 48,000 files.
        folder = os.path.dirname(path)
        if folder not in self._staged_folders:
            make_folder(os.path.join(self.staging_dir, folder))
            self._staged_folders.add(folder)
        write_new_file(os.path.join(self.staging_dir, path), data)
        return True

    def stage(self, path: str, data: bytes) -> bool:
        if self.stage_file(path, data):
            self.changed.append(path)
            return True
        self.unchanged += 1
        return False

    def write(self, path: str, data: bytes) -> bool:
        """Plan `path` with `data`; stage it only if it differs from what `output/` holds. True if changed."""
        self.claim(path)
        return self.stage(path, data)

    def write_text(self, path: str, text: str) -> bool:
        return self.write(path, text.encode("utf-8"))

    def keep(self, path: str) -> bool:
        """Plan `path` as it already is in `output/` (an incremental build skipped rendering it).

        Returns False when the file is missing, so the caller renders it after all.
        """
        check_relative_path(path)
        if not self.holds(path):
            return False
        self._add_planned(path)
        self.unchanged += 1
        return True

    def holds(self, path: str) -> bool:
        """True when `output/` had `path` as a file of its own (not behind a link) when the build began."""
        return path in self.existing

    def commit(self) -> list[str]:
        """Move staged files into `output/` and prune what the plan no longer has; returns pruned paths."""
        with stop_signals.held():  # a commit never stops half-way
            if self.new_output and self._output_is_new():
                # A first build staged every file: the staging folder becomes `output/` in one rename.
                with contextlib.suppress(FileNotFoundError):
                    self.output_dir.rmdir()
                os.replace(self.staging_dir, self.output_dir)
                return []
            self.output_dir.mkdir(parents=True, exist_ok=True)
            for link in self.links:
                (self.output_dir / link).unlink(missing_ok=True)
            # Plain os calls on strings: a template edit moves every page, 12,565 at 10,000 papers.
            made: set[str] = set()
            for path in self.changed:
                target = os.path.join(self.output_dir, path)
                if os.path.isdir(target) and not os.path.islink(target):
                    shutil.rmtree(target)
                folder = os.path.dirname(target)
                if folder not in made:
                    make_folder(folder)
                    made.add(folder)
                os.replace(os.path.join(self.staging_dir, path), target)
            return self._prune()

    def _output_is_new(self) -> bool:
        """True when `output/` is missing or empty, so the staging folder holds the whole site."""
        if self.output_dir.is_symlink():
            return False
        try:
            with os.scandir(self.output_dir) as entries:
                return next(entries, None) is None
        except FileNotFoundError:
            return True

    def _prune(self) -> list[str]:
        """Remove the files the plan does not have, then the folders left empty; returns the removed files.

        Bottom-up, so a folder's subfolders are settled before it: a folder is empty once
        none of its files is kept and each of its subfolders went (no second listing of it).
        """
        removed: list[str] = []
        base = str(self.output_dir)
        gone: set[str] = set()
        for root, dirs, files in os.walk(base, topdown=False):
            prefix = "" if root == base else root[len(base) + 1:].replace(os.sep, "/") + "/"
            empty = True
            for name in files:
                relative = prefix + name
                if fold(relative) in self.planned:
                    empty = False
                else:
                    os.unlink(os.path.join(root, name))
                    removed.append(relative)
            for name in dirs:
                folder = os.path.join(root, name)
                if os.path.islink(folder):
                    os.unlink(folder)
                elif folder in gone:
                    try:
                        os.rmdir(folder)
                    except OSError:  # a file appeared in it meanwhile (the preview writes pages directly)
                        empty = False
                else:
                    empty = False
            if empty:
                gone.add(root)
        return removed


def make_folder(path: str) -> None:
    """`os.makedirs(path, exist_ok=True)`, with one call when the parent exists (most of the
    ten thousand folders a build stages): makedirs first checks every parent."""
    try:
        os.mkdir(path)
    except FileExistsError:
        if not os.path.isdir(path):
            raise
    except FileNotFoundError:
        os.makedirs(path, exist_ok=True)


# O_BINARY: Windows would otherwise write each line break as two characters.
_NEW_FILE = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0)


def write_new_file(path: str, data: bytes) -> None:
    """Write a file through the descriptor alone: a third faster than `open()`'s buffered file
    object, for the tens of thousands of small files a build stages."""
    descriptor = os.open(path, _NEW_FILE, 0o666)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(descriptor, view):]
    finally:
        os.close(descriptor)


def list_output(root: str) -> tuple[frozenset[str], tuple[str, ...]]:
    """The regular files and the symbolic links under `root`, as paths relative to it; links are not followed."""
    files: list[str] = []
    links: list[str] = []
    pending = [""]
    while pending:
        relative = pending.pop()
        try:
            entries = list(os.scandir(os.path.join(root, relative) if relative else root))
        except OSError:  # no output/ yet, or a folder removed meanwhile
            continue
        for entry in entries:
            path = relative + entry.name
            if entry.is_symlink():
                links.append(path)
            elif entry.is_dir():
                pending.append(path + "/")
            elif entry.is_file():
                files.append(path)
    return frozenset(files), tuple(links)


def remove_stale_staging(output_dir: Path) -> None:
    """Remove staging folders a killed build left behind (SIGKILL cannot be caught)."""
    parent = output_dir.parent
    if not parent.is_dir():
        return
    for entry in parent.iterdir():
        if entry.name.startswith(f"{STAGING_PREFIX}{output_dir.name}-") and entry.is_dir():
            pid = entry.name.rsplit("-", 1)[-1]
            if pid.isdigit() and _process_alive(int(pid)) and int(pid) != os.getpid():
                continue
            shutil.rmtree(entry, ignore_errors=True)


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
