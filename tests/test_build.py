"""Whole builds of the sample: what pages exist, that links resolve under a sub-path,
that a failing build leaves output/ untouched, and that rebuilds write only what changed."""

from __future__ import annotations

import gc
import hashlib
import re
import shutil
import subprocess
import sys
from functools import cache
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urljoin, urlsplit

import pytest

from generator.pipeline import BuildOptions, BuildReport, build
from tests.conftest import ROOT, SAMPLE_CONTENT, BuiltSite

SEED_DAY = "2025-03-12"
REAL_DAYS = {"2024-05-28": 6, "2025-07-16": 6, "2026-07-15": 2}


def html_files(output: Path) -> list[Path]:
    return sorted(output.rglob("*.html"))


def card_ids(page: Path) -> list[str]:
    return re.findall(r'<article class="paper-card" data-paper-id="([^"]+)"', page.read_text(encoding="utf-8"))


def file_hashes(folder: Path) -> dict[str, str]:
    return {path.relative_to(folder).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(folder.rglob("*")) if path.is_file() or path.is_symlink()}


# --- the sample site -----------------------------------------------------------------------------------

def test_sample_builds_115_paper_pages(sample_site: BuiltSite) -> None:
    papers = sorted(p.parent.name for p in (sample_site.output / "papers").glob("*/index.html"))
    assert len(papers) == 115
    arxiv = [p for p in papers if re.fullmatch(r"\d{4}\.\d{4,5}", p)]
    assert len(arxiv) == 14  # the real papers keep their arXiv ids; the seed's get title slugs
    assert sample_site.report.papers == 115


def test_sample_has_the_seed_day_and_the_real_days(sample_site: BuiltSite) -> None:
    digest = sample_site.output / "digest"
    days = {folder.name: len(card_ids(folder / "index.html")) for folder in digest.iterdir()}
    assert days == {SEED_DAY: 101, **REAL_DAYS}
    assert sample_site.report.days == 4


def test_a_build_leaves_what_its_steps_made_out_of_collections_until_it_ends(tmp_path: Path) -> None:
    frozen_while_rendering: list[int] = []

    def progress(step: str, done: int, total: int) -> None:
        if step == "render":
            frozen_while_rendering.append(gc.get_freeze_count())

    build(BuildOptions(SAMPLE_CONTENT, tmp_path / "output", progress=progress))
    assert frozen_while_rendering and min(frozen_while_rendering) > 0
    assert gc.get_freeze_count() == 0



def test_the_command_line_leaves_what_it_made_out_of_the_collections_at_exit(tmp_path: Path) -> None:
    # An exit handler registered before the command runs is called after it, as Python exits.
    script = ("import atexit, gc, sys\n"
              "atexit.register(lambda: print('frozen at exit:', gc.get_freeze_count()))\n"
              "sys.argv = ['build.py', 'build', '--content', sys.argv[1], '--output', sys.argv[2], '--no-cache']\n"
              "from generator.cli import run\n"
              "run()\n")
    result = subprocess.run([sys.executable, "-c", script, str(SAMPLE_CONTENT), str(tmp_path / "output")],
                            cwd=ROOT, capture_output=True, text=True, check=True)
    assert "Built 115 papers" in result.stdout
    frozen = int(re.search(r"frozen at exit: (\d+)", result.stdout).group(1))
    assert frozen > 10_000  # the records, views and pages of the build, besides the modules
def test_sample_home_shows_the_latest_day_and_links_earlier_days(sample_site: BuiltSite) -> None:
    home = (sample_site.output / "index.html").read_text(encoding="utf-8")
    assert card_ids(sample_site.output / "index.html") == card_ids(sample_site.output / "digest/2026-07-15/index.html")
    for day in (SEED_DAY, "2025-07-16", "2024-05-28"):
        assert f'href="/digest/digest/{day}/"' in home


def test_sample_archive_groups_days_by_month_with_counts(sample_site: BuiltSite) -> None:
    archive = (sample_site.output / "archive/index.html").read_text(encoding="utf-8")
    months = re.findall(r'<h2 id="month-\d+">([^<]+) <span class="count">(\d+) papers?</span>', archive)
    assert months == [("July 2026", "2"), ("July 2025", "6"), ("March 2025", "101"), ("May 2024", "6")]


def test_sample_has_tag_and_author_pages_and_a_404(sample_site: BuiltSite) -> None:
    output = sample_site.output
    tag_slugs = re.findall(r'<a class="tag" href="/digest/tags/([^/"]+)/">', (output / "tags/index.html").read_text(encoding="utf-8"))
    assert len(tag_slugs) == sample_site.report.tags > 10
    author_slugs = re.findall(r'href="/digest/authors/([^/"]+)/"', (output / "authors/index.html").read_text(encoding="utf-8"))
    assert len(set(author_slugs)) == sample_site.report.authors > 50
    for slug in tag_slugs:
        assert card_ids(output / "tags" / slug / "index.html"), slug
    for slug in author_slugs:
        assert card_ids(output / "authors" / slug / "index.html"), slug
    assert "Page not found" in (output / "404.html").read_text(encoding="utf-8")


# --- every internal link and asset, on disk, under /digest/ ------------------------------------------

class LinkCollector(HTMLParser):
    URL_ATTRIBUTES = {"href", "src", "action", "data-lunr", "data-search-root", "poster"}

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []
        self.ids: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name == "id" and value:
                self.ids.add(value)
            elif name in self.URL_ATTRIBUTES and value is not None:
                self.urls.append(value)
            elif name == "srcset" and value:
                self.urls.extend(candidate.split()[0] for candidate in value.split(",") if candidate.strip())


@cache
def parsed(page: Path) -> LinkCollector:
    collector = LinkCollector()
    collector.feed(page.read_text(encoding="utf-8"))
    return collector


def page_url(site: BuiltSite, page: Path) -> str:
    relative = page.relative_to(site.output).as_posix()
    return site.base_url + (relative.removesuffix("index.html") if relative.endswith("index.html") else relative)


def broken_links(site: BuiltSite, page: Path) -> list[str]:
    """The links of one page whose target file (or #fragment) is missing from the output."""
    base = urlsplit(site.base_url)
    problems = []
    for raw in parsed(page).urls:
        url = urlsplit(urljoin(page_url(site, page), raw))
        if url.scheme not in ("http", "https") or url.netloc != base.netloc:
            continue  # another site, mailto:, javascript: is caught by the hostile-input tests
        path = unquote(url.path)
        if not path.startswith(base.path):
            problems.append(f"{raw}: outside the site's sub-path {base.path}")
            continue
        target = site.output / path[len(base.path):]
        if path.endswith("/"):
            target = target / "index.html"
        if not target.is_file():
            problems.append(f"{raw}: no file {target.relative_to(site.output)}")
        elif url.fragment and target.suffix == ".html" and url.fragment not in parsed(target).ids:
            problems.append(f"{raw}: no element with id `{url.fragment}`")
    return problems


def test_every_internal_link_and_asset_resolves_under_the_sub_path(sample_site: BuiltSite) -> None:
    pages = html_files(sample_site.output)
    problems = {str(page.relative_to(sample_site.output)): broken for page in pages if (broken := broken_links(sample_site, page))}
    assert problems == {}
    checked = sum(len(parsed(page).urls) for page in pages)
    assert checked > 10 * len(pages)  # the check saw the links, it did not pass for want of them


def test_404_page_links_are_root_relative(sample_site: BuiltSite) -> None:
    # GitHub Pages serves 404.html at any missing address: a relative link would break there.
    urls = parsed(sample_site.output / "404.html").urls
    assert urls
    assert [u for u in urls if not u.startswith(("/digest/", "#", "http://", "https://"))] == []


def test_the_link_check_can_fail(sample_site: BuiltSite, tmp_path: Path) -> None:
    page = tmp_path / "index.html"
    page.write_text('<a href="/digest/papers/no-such-paper/">x</a><a href="/papers/">y</a><a href="#nowhere">z</a>'
                    '<img src="../static/missing.png" alt="">', encoding="utf-8")
    fake = BuiltSite(tmp_path, sample_site.base_url, sample_site.report)
    assert broken_links(fake, page) == [
        "/digest/papers/no-such-paper/: no file papers/no-such-paper/index.html",
        "/papers/: outside the site's sub-path /digest/",
        "#nowhere: no element with id `nowhere`",
        "../static/missing.png: outside the site's sub-path /digest/",
    ]


# --- a failing build ---------------------------------------------------------------------------------

BROKEN_DATE = """---
id: "2503.20001"
title: "A paper with a broken date"
authors: []
abstract: ""
date: 2025-02-30
tags: []
---
"""
UNKNOWN_KEY = """---
id: "2503.20002"
title: "A paper with a typo"
authors: []
abstract: ""
date: 2025-03-12
tags: []
categroy: "cs.CL"
---
"""


def test_three_bad_records_fail_the_build_with_three_errors_and_leave_output_as_it_was(content_copy: Path, tmp_path: Path) -> None:
    output = tmp_path / "output"
    build(BuildOptions(content_dir=content_copy, output_dir=output))
    before = file_hashes(output)
    papers = content_copy / "papers"
    (papers / "2503.20001.md").write_text(BROKEN_DATE, encoding="utf-8")
    (papers / "2503.20002.md").write_text(UNKNOWN_KEY, encoding="utf-8")
    shutil.copy(papers / "2405.16537.md", papers / "2405.16537-again.md")

    result = subprocess.run([sys.executable, "build.py", "build", "--content", str(content_copy), "--output", str(output),
                             "--cache", str(tmp_path / "cache")], cwd=ROOT, capture_output=True, text=True, timeout=120)

    assert result.returncode != 0
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert errors == [
        f"error: {papers / '2405.16537-again.md'}:2: id: duplicate id `2405.16537`, also used by `{papers / '2405.16537.md'}`",
        f"error: {papers / '2503.20001.md'}:6: date: expected a date YYYY-MM-DD, got `2025-02-30`, which is not a day of the calendar",
        f"error: {papers / '2503.20002.md'}:8: categroy: unknown field `categroy`",
    ]
    assert "3 errors in the content" in result.stderr
    assert result.stdout == ""
    assert file_hashes(output) == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".staging-")] == []


# --- rebuilds ------------------------------------------------------------------------------------------

@pytest.fixture
def real_papers_content(tmp_path: Path) -> Path:
    """The sample's config and its 14 real papers: a small site, quick to build three times."""
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    shutil.copy(SAMPLE_CONTENT / "site.toml", content / "site.toml")
    for record in (SAMPLE_CONTENT / "papers").glob("[0-9]*.md"):
        shutil.copy(record, content / "papers" / record.name)
    return content


def test_deleting_a_record_leaves_no_stale_file(real_papers_content: Path, tmp_path: Path) -> None:
    content_copy = real_papers_content
    output, cache_dir = tmp_path / "output", tmp_path / "cache"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache_dir))
    gone = "2607.11111"  # a real paper with authors of its own
    (content_copy / "papers" / f"{gone}.md").unlink()

    report = build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache_dir))
    fresh = tmp_path / "fresh"
    build(BuildOptions(content_dir=content_copy, output_dir=fresh))

    assert not (output / "papers" / gone).exists()
    assert f"papers/{gone}/index.html" in report.removed
    assert any(path.startswith("authors/") for path in report.removed)  # its authors' pages went with it
    assert sorted(file_hashes(output)) == sorted(file_hashes(fresh))  # nothing left over, nothing missing
    assert file_hashes(output) == file_hashes(fresh)
    assert not [p for p in output.rglob("*.html") if f"/papers/{gone}/" in p.read_text(encoding="utf-8")]


def test_identical_rebuild_writes_nothing(tmp_path: Path) -> None:
    output = tmp_path / "output"
    first = build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output))
    mtimes = {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()}
    second = build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output))
    assert first.files_written > 0
    assert (second.files_written, second.files_removed) == (0, 0)
    assert second.files_unchanged == first.files_written
    assert {p: p.stat().st_mtime_ns for p in output.rglob("*") if p.is_file()} == mtimes


def test_second_build_all_builds_nothing(tmp_path: Path) -> None:
    """With the cache, an unchanged site renders no page and writes no file."""
    output, cache_dir = tmp_path / "output", tmp_path / "cache"
    first = build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output, cache_dir=cache_dir))
    second = build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output, cache_dir=cache_dir))
    assert first.pages_rendered == first.pages > 0
    assert (second.pages_rendered, second.files_written, second.files_removed) == (0, 0, 0)


def test_changing_one_record_rerenders_the_pages_that_show_it(real_papers_content: Path, tmp_path: Path) -> None:
    content_copy = real_papers_content
    output, cache_dir = tmp_path / "output", tmp_path / "cache"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache_dir))
    record = content_copy / "papers" / "2607.11111.md"
    record.write_text(record.read_text(encoding="utf-8").replace('\ntitle: "', '\ntitle: "Renamed: ', 1), encoding="utf-8")
    report: BuildReport = build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache_dir))
    assert "papers/2607.11111/index.html" in report.written
    assert 0 < report.pages_rendered < report.pages // 4
    assert "Renamed: " in (output / "papers/2607.11111/index.html").read_text(encoding="utf-8")


def test_a_view_keeps_its_digest_only_while_what_makes_it_is_the_same(content_copy: Path, tmp_path: Path) -> None:
    """A build takes the last build's digest of a paper's view when its record and the names and
    pages of its tags and authors are the same; an edit of those alone, in the config or in another
    record, makes the site a cold build makes."""
    options = BuildOptions(content_copy, tmp_path / "output", cache_dir=tmp_path / "cache")
    build(options)
    config = content_copy / "site.toml"
    # The first record read spells a tag another way: the tag's name on every paper holding it.
    first = sorted((content_copy / "papers").glob("*.md"))[0]
    edits = {
        "a tag's spelling": lambda: first.write_text(first.read_text(encoding="utf-8").replace(
            "tags: [", 'tags: ["Video", ', 1), encoding="utf-8"),
        "an alias": lambda: config.write_text(config.read_text(encoding="utf-8")
                                              + '\n[tags.aliases]\n"computer-vision" = "vision"\n', encoding="utf-8"),
        "the site's address": lambda: config.write_text(config.read_text(encoding="utf-8").replace(
            "https://example.github.io/digest/", "https://papers.example.org/reading/"), encoding="utf-8"),
    }
    for number, (name, edit) in enumerate(edits.items()):
        edit()
        report = build(options)
        cold = tmp_path / f"cold-{number}"
        build(BuildOptions(content_copy, cold, cache_dir=None))
        assert file_hashes(options.output_dir) == file_hashes(cold), name
        assert report.pages_rendered > 1, name
