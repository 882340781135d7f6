"""Ids, slugs and the writer's path checks: any input is a safe path segment or an error.

The property tests feed arbitrary text to every function that turns record
text into a path; each must return a valid slug or raise its own error, never
crash and never name a path outside the build folder.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from pathlib import Path, PurePosixPath

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.config import SiteConfig
from generator.errors import ContentError
from generator.ids import (InvalidId, check_paper_id, is_arxiv_id, normalize_arxiv_id, paper_slug, slugify,
                           title_slug)
from generator.records import Paper
from generator.site import build_site, group_authors
from generator.write import OutputWriter, UnsafePath, check_relative_path

# unidecode skips lone surrogates (which arbitrary text holds) and warns about each.
pytestmark = pytest.mark.filterwarnings("ignore:Surrogate character:RuntimeWarning")

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*\Z")
PAPER_SLUG = re.compile(r"^[a-z0-9][a-z0-9.-]*\Z")
WINDOWS_DEVICES = {"con", "prn", "aux", "nul", *(f"com{i}" for i in range(1, 10)), *(f"lpt{i}" for i in range(1, 10))}
CONFIG = SiteConfig(title="T", base_url="https://example.org/")

# Text that exercises the awkward corners: separators, dots, case, accents, scripts without Latin letters.
awkward_text = st.lists(
    st.one_of(st.sampled_from(list("/\\.:-_ ~\x00\n\r\t?#%&+0123456789") + ["..", "con", "COM1", "hep-th", "2503.", "é", "ß", "İ", "ﬁ", "王", "🙂"]),
              st.characters()),
    max_size=20,
).map("".join)
any_text = st.one_of(awkward_text, st.text(max_size=200))


def paper(paper_id: str = "2503.10000", *, tags: tuple[str, ...] = (), authors: tuple[str, ...] = (),
          source: str | None = None) -> Paper:
    slug = paper_slug(paper_id)
    return Paper(id=paper_id, slug=slug, title=f"Paper {paper_id}", authors=authors, abstract="", day=dt.date(2025, 3, 12),
                 tags=tags, notes="", source=source or f"content/papers/{slug}.md", content_hash=slug)


def stays_inside(root: Path, relative: str) -> bool:
    joined = os.path.normpath(os.path.join(root, relative))
    return joined.startswith(str(root) + os.sep)


# --- paper ids ----------------------------------------------------------------------------------

@pytest.mark.parametrize(("paper_id", "slug"), [
    ("2503.10000", "2503.10000"),
    ("0704.0001", "0704.0001"),
    ("hep-th/9901001", "hep-th-9901001"),
    ("math.GT/0309136", "math.gt-0309136"),
    ("attention-is-all-you-need", "attention-is-all-you-need"),
])
def test_paper_slug_of_valid_ids(paper_id: str, slug: str) -> None:
    assert paper_slug(paper_id) == slug


@pytest.mark.parametrize(("paper_id", "message"), [
    ("", "the id is empty"),
    ("2503.10000v2", "`2503.10000v2` carries a version; use the id without `v…` (the record keeps `version`)"),
    ("../../etc/passwd", "`../../etc/passwd` is neither an arXiv id (`2503.10000`, `hep-th/9901001`) "
                         "nor a slug of lower-case letters, digits and single hyphens"),
    ("2503.10000\n", "`2503.10000\n` is neither an arXiv id (`2503.10000`, `hep-th/9901001`) "
                     "nor a slug of lower-case letters, digits and single hyphens"),
    ("Some-Title", "`Some-Title` is neither an arXiv id (`2503.10000`, `hep-th/9901001`) "
                   "nor a slug of lower-case letters, digits and single hyphens"),
    ("con", "`con` is a reserved device name on Windows"),
    ("a" * 121, "the id is 121 characters long; at most 120 are allowed"),
])
def test_invalid_ids_are_refused_with_a_reason(paper_id: str, message: str) -> None:
    with pytest.raises(InvalidId) as raised:
        check_paper_id(paper_id)
    assert str(raised.value) == message


@pytest.mark.parametrize(("raw", "expected"), [
    ("arXiv:2503.10000v2", ("2503.10000", 2)),
    ("https://arxiv.org/abs/2503.10000", ("2503.10000", None)),
    ("https://arxiv.org/pdf/hep-th/9901001v3.pdf", ("hep-th/9901001", 3)),
    ("  2503.1000  ", ("2503.1000", None)),
])
def test_normalize_arxiv_id(raw: str, expected: tuple[str, int | None]) -> None:
    assert normalize_arxiv_id(raw) == expected


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_any_id_gives_a_safe_slug_or_invalid_id(text: str) -> None:
    try:
        slug = paper_slug(text)
    except InvalidId:
        return
    assert PAPER_SLUG.match(slug) and ".." not in slug and slug not in WINDOWS_DEVICES
    assert stays_inside(Path("/build"), f"papers/{slug}/index.html")
    check_relative_path(f"papers/{slug}/index.html")
    assert is_arxiv_id(text) or SLUG.match(text)


@settings(max_examples=300, deadline=None)
@given(any_text)
def test_normalize_arxiv_id_returns_a_valid_id_or_invalid_id(text: str) -> None:
    try:
        base, version = normalize_arxiv_id(text)
    except InvalidId:
        return
    check_paper_id(base)
    assert version is None or version >= 0


# --- tag and author slugs -------------------------------------------------------------------------

@pytest.mark.parametrize(("text", "slug"), [
    ("Large Language Models", "large-language-models"),
    ("Schrödinger", "schrodinger"),
    ("Łukasz Kaiser", "lukasz-kaiser"),
    ("王小明", "wang-xiao-ming"),
    ("C++", "c-plus-plus"),
    ("R&D", "r-and-d"),
    ("  --Vision--Language--  ", "vision-language"),
    ("con", "con-x"),
    ("🙂", ""),
])
def test_slugify_is_lower_case_ascii(text: str, slug: str) -> None:
    assert slugify(text) == slug


def test_title_slug_gives_valid_paper_ids() -> None:
    slug = title_slug("Attention Is All You Need: Transformers, Revisited!", 2025)
    assert slug == "attention-is-all-you-need-transformers-revisited-2025"
    check_paper_id(slug)


@settings(max_examples=200, deadline=None)
@given(any_text)
def test_slugify_of_any_text_is_a_valid_slug_or_empty(text: str) -> None:
    slug = slugify(text)
    assert slug == "" or SLUG.match(slug)
    assert len(slug) <= 80 and slug not in WINDOWS_DEVICES
    assert slugify(slug) == slug  # stable: a slug is its own slug


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(any_text, min_size=1, max_size=6))
def test_any_tags_give_valid_unique_slugs_or_content_errors(tags: list[str]) -> None:
    papers = [paper("2503.10000", tags=tuple(tags[: len(tags) // 2])), paper("2503.10001", tags=tuple(tags[len(tags) // 2:]))]
    site, errors = build_site(CONFIG, papers)  # any exception fails the test
    if errors:
        assert site is None
        assert all(isinstance(e, ContentError) and e.field == "tags" and e.path.endswith(".md") for e in errors)
        return
    assert site is not None
    slugs = [tag.slug for tag in site.tags]
    assert len(slugs) == len(set(slugs))
    for slug in slugs:
        assert SLUG.match(slug) and slug not in WINDOWS_DEVICES
        check_relative_path(f"tags/{slug}/page/2/index.html")


@settings(max_examples=200, deadline=None)
@given(st.lists(any_text, max_size=8))
def test_any_author_names_give_one_valid_slug_each(names: list[str]) -> None:
    authors, slugs = group_authors([paper("2503.10000", authors=tuple(names))])
    assert set(slugs) == set(names)
    assert len({a.slug for a in authors}) == len(authors)
    for author in authors:
        assert SLUG.match(author.slug) and author.slug not in WINDOWS_DEVICES
        check_relative_path(f"authors/{author.slug}/index.html")


def test_tag_without_letters_is_an_error() -> None:
    _, errors = build_site(CONFIG, [paper("2503.10000", tags=("🙂",))])
    assert [str(e) for e in errors] == ["content/papers/2503.10000.md: tags: the tag `🙂` has no letters or digits to make a URL from"]


# --- the writer's path checks ---------------------------------------------------------------------

@pytest.mark.parametrize("path", [
    "", "/etc/passwd", "../outside.html", "a/../../outside.html", "papers/../../x", "C:/x.html", "c:x", "a\\..\\b",
    "a/./b", "papers/con/index.html", "papers/NUL.txt", "a/b./index.html", "a/b /c", "a\x00b", "x/" + "a" * 256, "tags/\ud800/index.html",
])
def test_writer_refuses_unsafe_paths(path: str) -> None:
    with pytest.raises(UnsafePath):
        check_relative_path(path)


@settings(max_examples=300, deadline=None)
@given(st.one_of(awkward_text, st.lists(awkward_text, max_size=5).map("/".join)))
def test_any_accepted_writer_path_stays_inside_the_build_folder(path: str) -> None:
    try:
        checked = check_relative_path(path)
    except UnsafePath:
        return
    assert stays_inside(Path("/build/output"), checked)
    assert ".." not in PurePosixPath(checked).parts and ".." not in checked.split("/")


def test_writer_refuses_a_second_write_differing_only_by_case_or_unicode_form(tmp_path: Path) -> None:
    with OutputWriter(tmp_path / "out") as writer:
        writer.write_text("tags/llm/index.html", "a")
        with pytest.raises(UnsafePath, match="twice"):
            writer.write_text("tags/LLM/index.html", "b")
        writer.write_text("tags/caf\u00e9/index.html", "c")
        with pytest.raises(UnsafePath, match="twice"):
            writer.write_text("tags/cafe\u0301/index.html", "d")


def test_writer_never_writes_through_a_link_in_the_output_folder(tmp_path: Path) -> None:
    output, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    output.mkdir()
    elsewhere.mkdir()
    (elsewhere / "keep.txt").write_text("not ours")
    (output / "papers").symlink_to(elsewhere, target_is_directory=True)
    (output / "robots.txt").symlink_to(elsewhere / "keep.txt")
    with OutputWriter(output) as writer:
        writer.write_text("papers/x/index.html", "page")
        writer.write_text("robots.txt", "not ours")  # the same bytes as the link's target: must still be written
        writer.commit()
    assert sorted(p.name for p in elsewhere.iterdir()) == ["keep.txt"]
    assert (elsewhere / "keep.txt").read_text() == "not ours"
    assert not (output / "papers").is_symlink() and (output / "papers/x/index.html").read_text() == "page"
    assert not (output / "robots.txt").is_symlink() and (output / "robots.txt").read_text() == "not ours"


def test_writer_commits_and_prunes_only_at_the_end(tmp_path: Path) -> None:
    output = tmp_path / "out"
    with OutputWriter(output) as writer:
        writer.write_text("a/index.html", "one")
        writer.write_text("old.html", "old")
        writer.commit()
    with OutputWriter(output) as writer:
        assert writer.write_text("a/index.html", "one") is False
        writer.write_text("b/index.html", "two")
        assert not (output / "b").exists()  # nothing visible before the commit
        removed = writer.commit()
    assert removed == ["old.html"]
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*") if p.is_file()) == ["a/index.html", "b/index.html"]


def test_pruning_removes_unplanned_files_and_the_folders_they_leave_empty(tmp_path: Path) -> None:
    output, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    with OutputWriter(output) as writer:
        writer.write_text("keep/index.html", "kept")
        writer.write_text("keep/deep/a.html", "kept")
        writer.commit()
    (output / "keep" / "deep" / "stale.html").write_text("stale")
    (output / "gone" / "deeper" / "deepest").mkdir(parents=True)
    (output / "gone" / "deeper" / "deepest" / "stale.html").write_text("stale")
    (output / "gone" / "stale.html").write_text("stale")
    (output / "empty" / "inner").mkdir(parents=True)
    elsewhere.mkdir()
    (elsewhere / "mine.txt").write_text("not ours")
    (output / "keep" / "linked").symlink_to(elsewhere, target_is_directory=True)
    with OutputWriter(output) as writer:
        writer.write_text("keep/index.html", "kept")
        writer.write_text("keep/deep/a.html", "kept")
        removed = writer.commit()
    assert sorted(removed) == ["gone/deeper/deepest/stale.html", "gone/stale.html", "keep/deep/stale.html"]
    assert sorted(p.relative_to(output).as_posix() for p in output.rglob("*")) == [
        "keep", "keep/deep", "keep/deep/a.html", "keep/index.html"]
    assert (elsewhere / "mine.txt").read_text() == "not ours"
