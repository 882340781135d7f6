"""Merge, never lose: importing into existing records keeps the curator's work."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from pathlib import Path

import yaml

from generator.importers import ImportOptions, ImportReport, import_records
from generator.importers.merge import Conflict, FieldChange, merge

FIXTURES = Path(__file__).parent / "fixtures" / "import"
HF_2024 = FIXTURES / "hf_daily_papers_2024-05-28_first6.json"
HF_2025 = FIXTURES / "hf_daily_papers_2025-07-16.json"


def run(kind: str, inputs: list[Path], content: Path, **options: object) -> ImportReport:
    return import_records(kind, [str(path) for path in inputs], ImportOptions(content_dir=content, **options))  # type: ignore[arg-type]


def snapshot(folder: Path) -> dict[str, str]:
    """Every file under `folder` (hidden ones too) with a hash of its bytes."""
    return {str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest() for path in sorted(folder.rglob("*")) if path.is_file()}


def front(path: Path) -> dict[str, object]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def changed_answer(tmp_path: Path, source: Path, paper_id: str, **paper_fields: object) -> Path:
    """A copy of a Daily Papers answer in which one paper's fields changed."""
    items = json.loads(source.read_text(encoding="utf-8"))
    for item in items:
        if item["paper"]["id"] == paper_id:
            item["paper"].update(paper_fields)
    path = tmp_path / f"changed-{source.name}"
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_importing_twice_changes_nothing(tmp_path: Path) -> None:
    content = tmp_path / "content"
    first = run("hf", [HF_2024, HF_2025], content, keywords_as_tags=True)
    assert len(first.with_status("created")) == 12
    before = snapshot(content)
    assert ".imported/2405.17428.json" in before
    second = run("hf", [HF_2024, HF_2025], content, keywords_as_tags=True)
    assert len(second.with_status("unchanged")) == 12
    assert second.with_status("created") == second.with_status("updated") == []
    assert snapshot(content) == before


def test_curator_note_and_tag_survive_and_abstract_is_refreshed(tmp_path: Path) -> None:
    content = tmp_path / "content"
    run("hf", [HF_2025], content, keywords_as_tags=True)
    record = content / "papers" / "2507.07104.md"
    imported_tags = front(record)["tags"]
    assert isinstance(imported_tags, list) and "vlv-auto-encoder" in imported_tags
    # The curator writes a note, adds a tag and removes an imported one.
    kept_tags = [tag for tag in imported_tags if tag != "vlv-auto-encoder"]
    edit(record, f"tags: {json.dumps(imported_tags)}", f"tags: {json.dumps(['favourite', *kept_tags])}")
    record.write_text(record.read_text(encoding="utf-8") + "A **great** read.\n\nSecond paragraph of notes.\n", encoding="utf-8")
    # The source then revises the abstract and the upvotes.
    answer = changed_answer(tmp_path, HF_2025, "2507.07104", summary="A revised\nabstract.", upvotes=42)
    report = run("hf", [answer], content, keywords_as_tags=True)

    [outcome] = [o for o in report.outcomes if o.paper_id == "2507.07104"]
    assert outcome.status == "updated"
    assert [change.field for change in outcome.changes] == ["abstract", "upvotes"]
    assert outcome.conflicts == ()
    updated = front(record)
    assert updated["abstract"] == "A revised abstract."
    assert updated["upvotes"] == 42
    assert updated["tags"][0] == "favourite"
    assert "vlv-auto-encoder" not in updated["tags"]  # removed by the curator: stays removed
    assert record.read_text(encoding="utf-8").endswith("---\nA **great** read.\n\nSecond paragraph of notes.\n")
    # Nothing else in the folder moved.
    assert all(o.status == "unchanged" for o in report.outcomes if o.paper_id != "2507.07104")


def test_a_field_the_curator_edited_is_kept_and_a_source_change_is_a_conflict(tmp_path: Path) -> None:
    content = tmp_path / "content"
    run("hf", [HF_2024], content)
    record = content / "papers" / "2405.17430.md"
    edit(record, 'title: "Matryoshka Multimodal Models"', 'title: "Matryoshka Multimodal Models (M3)"')

    # The source did not change the title: the curator's title stands, quietly.
    report = run("hf", [HF_2024], content)
    assert report.conflicts == []
    assert front(record)["title"] == "Matryoshka Multimodal Models (M3)"

    # The source changes it: still the curator's, now reported as a conflict, once.
    answer = changed_answer(tmp_path, HF_2024, "2405.17430", title="Matryoshka Multimodal Models, revised")
    report = run("hf", [answer], content)
    [(outcome, conflict)] = report.conflicts
    assert outcome.path == record
    assert conflict == Conflict("title", "Matryoshka Multimodal Models (M3)", "Matryoshka Multimodal Models, revised")
    assert front(record)["title"] == "Matryoshka Multimodal Models (M3)"
    assert run("hf", [answer], content).conflicts == []


def test_dry_run_writes_nothing_and_lists_the_changes(tmp_path: Path) -> None:
    content = tmp_path / "content"
    assert run("hf", [HF_2024], content, dry_run=True).with_status("created")
    assert not content.exists()
    run("hf", [HF_2024], content)
    before = snapshot(content)
    answer = changed_answer(tmp_path, HF_2024, "2405.17247", upvotes=99)
    report = run("hf", [answer, HF_2025], content, dry_run=True)
    assert snapshot(content) == before
    [updated] = report.with_status("updated")
    assert updated.changes == (FieldChange("upvotes", 33, 99),)
    assert len(report.with_status("created")) == 6


def test_strict_stops_before_writing(tmp_path: Path) -> None:
    content = tmp_path / "content"
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"id": "2501.00001", "title": "Fine"}\n{"id": "2501.00002"}\n', encoding="utf-8")
    report = run("jsonl", [bad], content, strict=True)
    assert report.aborted and report.outcomes == []
    assert [str(problem) for problem in report.problems] == [f"{bad}:2 `2501.00002`: `title` is required"]
    assert not content.exists()
    report = run("jsonl", [bad], content)
    assert not report.aborted
    assert (content / "papers" / "2501.00001.md").exists()


def test_default_day_never_moves_an_existing_record(tmp_path: Path) -> None:
    content = tmp_path / "content"
    atom = FIXTURES / "arxiv_api_2026_id_astro-ph_0601001.xml"
    run("arxiv", [atom], content, today=dt.date(2026, 1, 1))
    record = content / "papers" / "astro-ph-0601001.md"
    assert front(record)["date"] == dt.date(2026, 1, 1)
    assert run("arxiv", [atom], content, today=dt.date(2026, 2, 2)).with_status("unchanged")
    assert front(record)["date"] == dt.date(2026, 1, 1)
    report = run("arxiv", [atom], content, day=dt.date(2026, 3, 3))  # an explicit --date does move it
    assert report.outcomes[0].changes == (FieldChange("date", dt.date(2026, 1, 1), dt.date(2026, 3, 3)),)


def test_latest_version_wins_and_an_older_one_never_downgrades(tmp_path: Path) -> None:
    content = tmp_path / "content"
    feed = (FIXTURES / "arxiv_api_2016_search_au_del_maestro.xml").read_text(encoding="utf-8")
    start = feed.index("<entry>", feed.index("1303.6954") - 400)
    entry = feed[start: feed.index("</entry>", start) + len("</entry>")]
    older = entry.replace("1303.6954v2", "1303.6954v1").replace("<title>Local Superfluidity", "<title>Old Local Superfluidity")
    both = tmp_path / "both.xml"
    both.write_text(feed[: feed.index("<entry>")] + older + entry + "</feed>", encoding="utf-8")
    run("arxiv", [both], content, today=dt.date(2026, 1, 1))
    record = content / "papers" / "1303.6954.md"
    assert (front(record)["version"], front(record)["title"]) == (2, "Local Superfluidity at the Nanoscale")
    only_old = tmp_path / "old.xml"
    only_old.write_text(feed[: feed.index("<entry>")] + older + "</feed>", encoding="utf-8")
    report = run("arxiv", [only_old], content, today=dt.date(2026, 1, 1))
    assert report.outcomes[0].status == "unchanged"
    assert front(record)["version"] == 2


def test_record_written_by_hand_is_filled_in_not_overwritten(tmp_path: Path) -> None:
    content = tmp_path / "content"
    (content / "papers").mkdir(parents=True)
    record = content / "papers" / "2405.17399.md"
    record.write_text(
        '---\nid: "2405.17399"\ntitle: "Arithmetic, my title"\nauthors: []\nabstract: ""\ndate: 2024-06-01\ntags: [math]\n---\nMine.\n',
        encoding="utf-8",
    )
    report = run("hf", [HF_2024], content)
    [outcome] = [o for o in report.outcomes if o.paper_id == "2405.17399"]
    assert {conflict.field for conflict in outcome.conflicts} == {"title", "date"}
    fields = front(record)
    assert fields["title"] == "Arithmetic, my title"
    assert fields["date"] == dt.date(2024, 6, 1)
    assert fields["authors"][0] == "Sean McLeish"  # `authors: []` means unknown: filled in
    assert fields["tags"] == ["math"]
    assert record.read_text(encoding="utf-8").endswith("---\nMine.\n")


def test_unreadable_record_is_left_alone(tmp_path: Path) -> None:
    content = tmp_path / "content"
    run("hf", [HF_2024], content)
    record = content / "papers" / "2405.17247.md"
    record.write_text("---\ntitle: [unclosed\n---\n", encoding="utf-8")
    report = run("hf", [HF_2024], content)
    [problem] = report.problems
    assert problem.message.startswith(f"`{record}`: invalid YAML")
    assert record.read_text(encoding="utf-8") == "---\ntitle: [unclosed\n---\n"


def test_paper_without_arxiv_id_is_found_by_doi(tmp_path: Path) -> None:
    content = tmp_path / "content"
    first = tmp_path / "first.jsonl"
    first.write_text('{"title": "A Study", "doi": "10.1000/XYZ", "date": "2025-01-01"}\n', encoding="utf-8")
    run("jsonl", [first], content)
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{s, title = {A Study, Published Version}, doi = {10.1000/xyz}, year = 2025, journal = {J}}\n", encoding="utf-8")
    report = run("bibtex", [bib], content)
    assert [(o.status, o.paper_id) for o in report.outcomes] == [("updated", "a-study")]
    assert front(content / "papers" / "a-study.md")["venue"] == "J"


def test_merge_rules() -> None:
    last = {"id": "x", "title": "T", "tags": ["a", "b"], "links": {"code": "https://c/1"}, "upvotes": 1}
    current = {"id": "x", "title": "T", "tags": ["b", "mine"], "links": {"code": "https://c/1", "blog": "https://b"}, "upvotes": 5, "venue": "V"}
    imported = {"id": "x", "title": "T2", "tags": ["a", "b", "c"], "links": {"code": "https://c/2", "pdf": "https://p"}, "upvotes": 2}
    result = merge(imported, current, last)
    assert result.fields["title"] == "T2"  # untouched by the curator: follows the source
    assert result.fields["upvotes"] == 5  # edited by the curator: kept...
    assert result.conflicts == [Conflict("upvotes", 5, 2)]  # ...and reported, since the source moved too
    assert result.fields["tags"] == ["b", "mine", "c"]  # `a` was removed by the curator
    assert result.fields["links"] == {"code": "https://c/2", "blog": "https://b", "pdf": "https://p"}
    assert result.fields["venue"] == "V"
    assert result.sidecar["tags"] == ["a", "b", "c"]
    assert result.sidecar["upvotes"] == 2
