"""Builds that fail half-way (issue 11): `output/` stays byte-identical, nothing temporary is left
behind, and the next build succeeds. After every build, `output/` holds exactly the planned files.

The faults: a template error on the 500th page, a full disk while staging, SIGINT and
SIGTERM to a build process, and a signal during the commit itself.
"""

from __future__ import annotations

import datetime as dt
import errno
import hashlib
import multiprocessing
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import generator.pipeline
import generator.write
from generator.cli import make_parser
from generator.pipeline import BuildOptions, build
from generator.themes import THEMES_DIR, ThemeError
from generator.write import STAGING_PREFIX, OutputWriter, make_folder, write_new_file

ROOT = Path(__file__).resolve().parent.parent
HOSTILE_CONTENT = Path(__file__).parent / "hostile" / "content"
OTHER_BASE_URL = "https://other.example/digest/"
"""Building with another base URL changes every page, so an interrupted build has real changes staged."""
TAGS = ("llm", "vision", "robotics", "theory", "audio", "graphs", "rl", "data")


def generate_content(folder: Path, count: int) -> Path:
    """A content folder of `count` generated papers, 25 per day."""
    papers = folder / "papers"
    papers.mkdir(parents=True)
    (folder / "site.toml").write_text('title = "Generated"\nbase_url = "https://example.org/digest/"\n')
    abstract = "We study a problem with $x^2$ and `code`, and report results. " * 6
    for n in range(count):
        day = dt.date(2025, 1, 1) + dt.timedelta(days=n // 25)
        (papers / f"gen-{n:05d}.md").write_text(
            f'---\nid: "gen-{n:05d}"\ntitle: "Generated paper {n} on *{TAGS[n % 8]}*"\n'
            f'authors: ["Author {n % 97}", "Author {n % 89}"]\nabstract: "{abstract}"\n'
            f'date: {day.isoformat()}\ntags: ["{TAGS[n % 8]}", "{TAGS[(n // 8) % 8]}"]\nupvotes: {n % 50}\n---\n'
            f"Notes for paper {n} with a [link](https://example.org/{n}).\n")
    return folder


def snapshot(folder: Path) -> dict[str, str]:
    """Every file and folder under `folder` with a hash of its bytes: equal snapshots, identical trees."""
    state: dict[str, str] = {}
    for path in sorted(folder.rglob("*")):
        name = path.relative_to(folder).as_posix()
        if path.is_symlink():
            state[name] = "link:" + os.readlink(path)
        elif path.is_dir():
            state[name] = "folder"
        else:
            state[name] = hashlib.blake2b(path.read_bytes(), digest_size=16).hexdigest()
    return state


def staging_folders(output: Path) -> list[str]:
    return sorted(p.name for p in output.parent.iterdir() if p.name.startswith(STAGING_PREFIX))


def files_in(output: Path) -> set[str]:
    return {p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file() or p.is_symlink()}


class PlannedFiles:
    """Records the files each build planned, read from the writer as it commits."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.last: set[str] = set()
        original = OutputWriter.commit

        def commit(writer: OutputWriter) -> list[str]:
            self.last = set(writer.planned.values())
            return original(writer)

        monkeypatch.setattr(OutputWriter, "commit", commit)


@pytest.fixture
def planned(monkeypatch: pytest.MonkeyPatch) -> PlannedFiles:
    return PlannedFiles(monkeypatch)


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 120.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.005)


# --- a site of 600 papers: more than 500 pages, rendered by forked workers -------------------


class GeneratedSite:
    def __init__(self, root: Path) -> None:
        self.content = generate_content(root / "content", 600)
        self.output = root / "output"
        pages: list = []
        original = generator.pipeline.plan_pages

        def spy(*args: object, **kwargs: object) -> list:
            pages.extend(original(*args, **kwargs))  # type: ignore[arg-type]
            return pages

        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(generator.pipeline, "plan_pages", spy)
            build(BuildOptions(content_dir=self.content, output_dir=self.output, base_url=OTHER_BASE_URL))
        self.page_500 = pages[499]
        self.pages = len(pages)

    def copy(self, target: Path) -> tuple[Path, Path]:
        """A content copy and an output copy to break."""
        shutil.copytree(self.content, target / "content")
        shutil.copytree(self.output, target / "output")
        return target / "content", target / "output"


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> GeneratedSite:
    return GeneratedSite(tmp_path_factory.mktemp("generated"))


def test_template_error_on_the_500th_page_leaves_output_untouched(tmp_path: Path, generated: GeneratedSite,
                                                                   planned: PlannedFiles) -> None:
    assert generated.pages > 500
    content, output = generated.copy(tmp_path)
    before = snapshot(output)
    # A theme whose base.html fails on exactly one page: the 500th of the plan.
    base = (THEMES_DIR / "default" / "templates" / "base.html").read_text(encoding="utf-8")
    broken, count = re.subn(r"(<body[^>]*>\n)", lambda m: m.group(1) + '{% if page.url == "'
                            + generated.page_500.context.page.url + '" %}{{ no_such_variable }}{% endif %}\n', base, count=1)
    assert count == 1
    theme = tmp_path / "themes" / "broken" / "templates"
    theme.mkdir(parents=True)
    (theme / "base.html").write_text(broken, encoding="utf-8")
    config = (content / "site.toml").read_text()
    (content / "site.toml").write_text(config + 'theme = "broken"\n')

    with pytest.raises(ThemeError, match=re.escape(f"while rendering `{generated.page_500.path}`")):
        build(BuildOptions(content_dir=content, output_dir=output))
    assert snapshot(output) == before
    assert staging_folders(output) == []

    (content / "site.toml").write_text(config)
    build(BuildOptions(content_dir=content, output_dir=output))
    assert files_in(output) == planned.last and snapshot(output) != before


_KILL_THE_WORKER_OF_ONE_PAGE = """
import os, signal, sys
import generator.page_renderer
from generator.cli import main

parent, render_page = os.getpid(), generator.page_renderer.render_page

def render_page_or_die(env, page):
    if page.path == sys.argv[1] and os.getpid() != parent:
        os.kill(os.getpid(), signal.SIGKILL)  # as the system does to free memory
    return render_page(env, page)

generator.page_renderer.render_page = render_page_or_die
sys.exit(main(sys.argv[2:]))
"""


def test_a_render_worker_killed_half_way_stops_the_build_with_a_plain_error(tmp_path: Path, generated: GeneratedSite) -> None:
    """Instead of waiting forever for the lost pages."""
    content, output = generated.copy(tmp_path)
    before = snapshot(output)
    done = subprocess.run([sys.executable, "-c", _KILL_THE_WORKER_OF_ONE_PAGE, generated.page_500.path,
                           "build", "--content", str(content), "--output", str(output), "--no-cache"],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 1, done.stderr
    assert "error: a worker process ended before its task was done" in done.stderr
    assert "The build stopped;" in done.stderr and "Traceback" not in done.stderr
    assert snapshot(output) == before
    assert staging_folders(output) == []


@pytest.mark.parametrize("site", ["generated", "hostile"])
def test_full_disk_half_way_leaves_output_untouched(tmp_path: Path, request: pytest.FixtureRequest,
                                                    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str],
                                                    site: str) -> None:
    if site == "generated":  # forked render workers
        content, output = request.getfixturevalue("generated").copy(tmp_path)
    else:  # rendered in this process
        content, output = tmp_path / "content", tmp_path / "output"
        shutil.copytree(HOSTILE_CONTENT, content)
        build(BuildOptions(content_dir=content, output_dir=output, base_url=OTHER_BASE_URL))
    before = snapshot(output)
    # Shared with forked workers, so "half-way" counts every file staged by any process.
    staged = multiprocessing.get_context("fork").Value("i", 0)
    half = len(files_in(output)) // 2
    original = OutputWriter.stage_file

    def stage_file(writer: OutputWriter, path: str, data: bytes) -> bool:
        with staged.get_lock():
            staged.value += 1
            if staged.value > half:
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC), str(writer.staging_dir / path))
        return original(writer, path, data)

    monkeypatch.setattr(OutputWriter, "stage_file", stage_file)
    parser, handlers = make_parser()
    args = parser.parse_args(["build", "--content", str(content), "--output", str(output), "--no-cache"])
    assert handlers["build"](args) == 1
    err = capsys.readouterr().err
    assert "error: cannot write the site: [Errno 28] No space left on device" in err
    assert f"`{output}` is unchanged" in err and "Traceback" not in err
    assert staged.value > half > 0
    assert snapshot(output) == before
    assert staging_folders(output) == []

    monkeypatch.setattr(OutputWriter, "stage_file", original)
    tracker = PlannedFiles(monkeypatch)
    assert handlers["build"](args) == 0
    assert files_in(output) == tracker.last and snapshot(output) != before


def test_signal_during_the_commit_waits_for_the_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                                                       planned: PlannedFiles) -> None:
    content, output = tmp_path / "content", tmp_path / "output"
    shutil.copytree(HOSTILE_CONTENT, content)
    build(BuildOptions(content_dir=content, output_dir=output, base_url=OTHER_BASE_URL))
    renames = 0
    original = os.replace

    def replace(source: str | Path, target: str | Path) -> None:
        nonlocal renames
        renames += 1
        if renames == 10:
            signal.raise_signal(signal.SIGINT)
        original(source, target)

    monkeypatch.setattr(generator.write.os, "replace", replace)
    with pytest.raises(KeyboardInterrupt):
        build(BuildOptions(content_dir=content, output_dir=output))
    monkeypatch.setattr(generator.write.os, "replace", original)
    assert renames > 10
    # The interrupt came after the commit finished: the new site is whole, not half of each.
    interrupted = snapshot(output)
    assert files_in(output) == planned.last and staging_folders(output) == []
    build(BuildOptions(content_dir=content, output_dir=output))
    assert snapshot(output) == interrupted


# --- SIGINT and SIGTERM to a build process ---------------------------------------------------


class SlowSite:
    """2,000 generated papers: rendering takes seconds, so a signal lands mid-way."""

    def __init__(self, root: Path) -> None:
        self.content = generate_content(root / "content", 2000)
        self.output = root / "output"
        build(BuildOptions(content_dir=self.content, output_dir=self.output))
        self.before = snapshot(self.output)


@pytest.fixture(scope="module")
def slow_site(tmp_path_factory: pytest.TempPathFactory) -> SlowSite:
    return SlowSite(tmp_path_factory.mktemp("slow"))


def build_process(site: SlowSite) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "build.py", "build", "--content", str(site.content), "--output", str(site.output),
         "--no-cache", "--base-url", OTHER_BASE_URL],
        cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)


def wait_for_rendering(site: SlowSite, process: subprocess.Popen[bytes]) -> None:
    staging = site.output.parent / f"{STAGING_PREFIX}{site.output.name}-{process.pid}"

    def pages_staged() -> bool:
        if process.poll() is not None:
            raise AssertionError(f"the build ended before it was interrupted: {process.stderr.read().decode()}")  # type: ignore[union-attr]
        return (staging / "papers").is_dir() and sum(1 for _ in (staging / "papers").iterdir()) >= 100

    wait_for(pages_staged, "the build to stage 100 paper pages")


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


@pytest.mark.slow
@pytest.mark.parametrize(("name", "to_group", "exit_code"), [
    ("SIGINT", True, 130),    # Ctrl+C in a terminal reaches the whole process group
    ("SIGTERM", False, 143),  # `kill PID`
    ("SIGTERM", True, 143),   # a service manager stopping the job
])
def test_signal_half_way_leaves_output_untouched(slow_site: SlowSite, name: str, to_group: bool, exit_code: int) -> None:
    process = build_process(slow_site)
    wait_for_rendering(slow_site, process)
    sig = getattr(signal, name)
    if to_group:
        os.killpg(process.pid, sig)
    else:
        process.send_signal(sig)
    _, err = process.communicate(timeout=120)
    assert process.returncode == exit_code, err.decode()
    assert "Traceback" not in err.decode()
    wait_for(lambda: not group_alive(process.pid), "the render workers to end", timeout=30)
    assert staging_folders(slow_site.output) == []
    assert snapshot(slow_site.output) == slow_site.before


@pytest.mark.slow
def test_build_after_interrupted_builds_succeeds(slow_site: SlowSite, planned: PlannedFiles) -> None:
    report = build(BuildOptions(content_dir=slow_site.content, output_dir=slow_site.output, base_url=OTHER_BASE_URL))
    assert report.papers == 2000 and report.files_written > 2000
    assert files_in(slow_site.output) == planned.last and staging_folders(slow_site.output) == []
    slow_site.before = snapshot(slow_site.output)


# --- output/ is exactly the planned set ------------------------------------------------------


@pytest.fixture
def small(tmp_path: Path) -> Iterator[tuple[Path, Path, Path]]:
    content = tmp_path / "content"
    shutil.copytree(HOSTILE_CONTENT, content)
    yield content, tmp_path / "output", tmp_path / "cache"


@pytest.mark.parametrize("cached", [True, False])
def test_output_is_exactly_the_planned_files_after_every_build(small: tuple[Path, Path, Path], planned: PlannedFiles,
                                                               cached: bool) -> None:
    content, output, cache = small
    options = BuildOptions(content_dir=content, output_dir=output, cache_dir=cache if cached else None)

    def check() -> None:
        assert files_in(output) == planned.last
        assert not [p for p in output.rglob("*") if p.is_dir() and not any(p.iterdir())]
        assert staging_folders(output) == []

    build(options)
    check()
    assert (output / "tags" / "code" / "index.html").is_file()
    # A deleted record: its page and its only tag's pages go.
    (content / "papers" / "hostile-code.md").unlink()
    build(options)
    check()
    assert not (output / "papers" / "hostile-code").exists() and not (output / "tags" / "code").exists()
    # A renamed record: the old page goes, the new one comes.
    old = content / "papers" / "hostile-controls.md"
    (content / "papers" / "renamed-controls.md").write_text(old.read_text().replace('"hostile-controls"', '"renamed-controls"'))
    old.unlink()
    build(options)
    check()
    assert not (output / "papers" / "hostile-controls").exists() and (output / "papers" / "renamed-controls").is_dir()
    # Files nobody planned (by hand, or from an older version) are pruned.
    (output / "old" / "page").mkdir(parents=True)
    (output / "old" / "page" / "index.html").write_text("stale")
    (output / "papers" / "stale.html").write_text("stale")
    build(options)
    check()
    # A build with nothing to do changes nothing.
    before = snapshot(output)
    report = build(options)
    check()
    assert report.files_written == 0 and report.files_removed == 0 and snapshot(output) == before


def test_staged_files_and_folders_are_written_as_makedirs_and_open_write_them(tmp_path: Path) -> None:
    nested = tmp_path / "a" / "b" / "c"
    make_folder(str(nested))  # parents missing
    make_folder(str(nested))  # already there
    write_new_file(str(nested / "page.html"), b"first, and longer")
    write_new_file(str(nested / "page.html"), b"second")  # replaced whole, not overwritten in place
    assert (nested / "page.html").read_bytes() == b"second"
    write_new_file(str(tmp_path / "big.bin"), bytes(range(256)) * 40_000)
    assert (tmp_path / "big.bin").read_bytes() == bytes(range(256)) * 40_000
    (tmp_path / "file").write_bytes(b"")
    with pytest.raises(FileExistsError):
        make_folder(str(tmp_path / "file"))  # a file where a folder goes
