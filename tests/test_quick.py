"""The preview's fast path (`quick.py`) and stopping a build early: what they write must be
exactly what the full build writes, and a stopped build must write nothing."""

from __future__ import annotations

import filecmp
from pathlib import Path

import pytest

from generator.errors import BuildCancelled
from generator.cache import load_side_cache
from generator.pipeline import BIBTEX_FILE, TOKENS_FILE, TERM_COUNTS_FILE, BuildOptions, build
from generator.quick import SiteModel, quick_update
from generator.serve.latency import revise_field
from generator.stamps import STAMP_FILE

RECORD_ID = "2405.16537"
BASE_URL = "http://127.0.0.1:8000/"


def build_with_model(content: Path, workdir: Path) -> tuple[SiteModel, Path]:
    output = workdir / "output"
    report = build(BuildOptions(content, output, base_url=BASE_URL, cache_dir=workdir / "cache",
                                live_reload=True, keep_model=True))
    assert report.model is not None
    return report.model, output


def cold_build(content: Path, output: Path) -> None:
    build(BuildOptions(content, output, base_url=BASE_URL, live_reload=True))


def differing_files(left: Path, right: Path, suffix: str = "") -> list[str]:
    """Relative paths whose bytes differ between two trees, or that only one has."""
    names = {p.relative_to(left).as_posix() for p in left.rglob("*") if p.is_file()}
    names |= {p.relative_to(right).as_posix() for p in right.rglob("*") if p.is_file()}
    return sorted(name for name in names if name.endswith(suffix) and not (
        (left / name).is_file() and (right / name).is_file() and filecmp.cmp(left / name, right / name, shallow=False)))


def record_path(content: Path) -> Path:
    return content / "papers" / f"{RECORD_ID}.md"


def test_an_edited_note_rewrites_its_pages_exactly_as_a_full_build_would(content_copy: Path, tmp_path: Path) -> None:
    model, output = build_with_model(content_copy, tmp_path / "preview")
    record = record_path(content_copy)
    record.write_text(record.read_text(encoding="utf-8") + "\nA note with *emphasis* and `code`.\n", encoding="utf-8")

    written = quick_update(model, [record], output)

    slug = model.site.papers[RECORD_ID].slug
    assert written is not None and f"papers/{slug}/index.html" in written
    cold_build(content_copy, tmp_path / "cold")
    # Notes feed neither related papers nor citations: every page is already final
    # (the day's email is not a page of the site: the build that follows writes it).
    assert [path for path in differing_files(output, tmp_path / "cold", ".html") if path in model.pages] == []


def test_a_new_title_reaches_every_page_that_shows_the_paper(content_copy: Path, tmp_path: Path) -> None:
    model, output = build_with_model(content_copy, tmp_path / "preview")
    paper = model.site.papers[RECORD_ID]
    listing_it = sorted(model.listed_by[RECORD_ID])
    record = record_path(content_copy)
    record.write_text(revise_field(record.read_text(encoding="utf-8"), "title", "Retitled"), encoding="utf-8")

    written = quick_update(model, [record], output)

    assert written is not None
    day = f"digest/{paper.day.isoformat()}/index.html"
    tags = [f"tags/{model.site.tag_slugs[tag]}/index.html" for tag in paper.tags]
    related = [f"papers/{model.site.papers[other].slug}/index.html" for other in listing_it]
    assert listing_it, "the sample paper should be listed as related by another paper"
    for path in [f"papers/{paper.slug}/index.html", day, *tags, *related]:
        assert path in written
        assert "Retitled" in (output / path).read_text(encoding="utf-8"), path
    # The build that follows in the preview brings everything else (search, feeds, related) to a cold build's state.
    build(BuildOptions(content_copy, output, base_url=BASE_URL, cache_dir=tmp_path / "preview" / "cache", live_reload=True))
    cold_build(content_copy, tmp_path / "cold")
    assert differing_files(output, tmp_path / "cold") == []


@pytest.mark.parametrize("edit", [
    lambda text: text.replace('tags: ["video",', 'tags: ["brand-new", "video",', 1),
    lambda text: text.replace("date: 2024-05-28", "date: 2024-05-27", 1),
    lambda text: text.replace('authors: ["Wenqi Ouyang",', 'authors: ["Someone New", "Wenqi Ouyang",', 1),
    lambda text: "---\ntitle: [unclosed\n---\n",
], ids=["tags", "day", "authors", "invalid"])
def test_changes_beyond_a_records_text_are_left_to_the_full_build(content_copy: Path, tmp_path: Path, edit) -> None:
    model, output = build_with_model(content_copy, tmp_path / "preview")
    record = record_path(content_copy)
    before = {path: path.read_bytes() for path in output.rglob("*.html")}
    original = record.read_text(encoding="utf-8")
    record.write_text(edit(original), encoding="utf-8")
    assert record.read_text(encoding="utf-8") != original

    assert quick_update(model, [record], output) is None
    assert {path: path.read_bytes() for path in output.rglob("*.html")} == before


def test_a_new_record_or_an_unchanged_one_is_told_apart(content_copy: Path, tmp_path: Path) -> None:
    model, output = build_with_model(content_copy, tmp_path / "preview")
    record = record_path(content_copy)
    assert quick_update(model, [record], output) == []  # saved without a change: nothing to write
    copy = content_copy / "papers" / "2401.99999.md"
    copy.write_text(record.read_text(encoding="utf-8").replace(RECORD_ID, "2401.99999"), encoding="utf-8")
    assert quick_update(model, [copy], output) is None


def test_a_cancelled_build_writes_nothing_and_keeps_the_cache(content_copy: Path, tmp_path: Path) -> None:
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(BuildOptions(content_copy, output, base_url=BASE_URL, cache_dir=cache))
    before = {path: path.read_bytes() for path in [*output.rglob("*"), *cache.rglob("*")] if path.is_file()}
    record = record_path(content_copy)
    record.write_text(revise_field(record.read_text(encoding="utf-8"), "abstract", "Changed"), encoding="utf-8")
    asked: list[int] = []

    def cancel_at_tenth_question() -> bool:
        asked.append(1)
        return len(asked) >= 10

    with pytest.raises(BuildCancelled):
        build(BuildOptions(content_copy, output, base_url=BASE_URL, cache_dir=cache, cancelled=cancel_at_tenth_question))
    assert len(asked) == 10
    after = {path: path.read_bytes() for path in [*output.rglob("*"), *cache.rglob("*")] if path.is_file()}
    # Only the up-to-date stamp is gone: it is dropped as a build starts, so the next one is a real build.
    # The related papers' term counts, the search's tokens and the BibTeX entries are kept by
    # what they are made from, so a build that stops may leave the edited text's there: the
    # next build finds them.
    side = {cache / name: after[cache / name] for name in (TERM_COUNTS_FILE, TOKENS_FILE, BIBTEX_FILE)
            if cache / name in after}
    assert before.pop(cache / STAMP_FILE) and after == before | side
    assert load_side_cache(cache, TERM_COUNTS_FILE) and load_side_cache(cache, TOKENS_FILE)
    assert not list(tmp_path.glob(".staging-*")), "the staging folder is removed"
