"""A large JSON-lines import: the writer's batch path (one sync for all files) at scale."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from generator.importers import ImportOptions, import_records
from generator.records import parse_record

COUNT = 10_000


@pytest.mark.slow
def test_ten_thousand_lines(tmp_path: Path) -> None:
    lines = tmp_path / "papers.jsonl"
    with lines.open("w", encoding="utf-8") as stream:
        for number in range(COUNT):
            record = {
                "id": f"2501.{number:05d}", "title": f"Paper number {number}", "authors": ["Zoë Ångström", "李雷"],
                "abstract": "A sentence about transformers. " * 40, "date": "2025-01-15", "tags": ["nlp"],
                "links": {"code": f"https://github.com/example/p{number}"}, "version": 2, "upvotes": number % 50,
            }  # fmt: skip
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
    content = tmp_path / "content"
    report = import_records("jsonl", [str(lines)], ImportOptions(content_dir=content))
    assert len(report.with_status("created")) == COUNT and report.problems == []
    assert len(list((content / "papers").glob("*.md"))) == COUNT
    assert len(list((content / ".imported").glob("*.json"))) == COUNT
    assert [p.name for p in (content / "papers").iterdir() if p.name.startswith(".")] == []  # no temporary files left
    for path in sorted((content / "papers").glob("*.md"))[::100]:
        paper, errors = parse_record(path.read_bytes(), str(path))
        assert errors == [] and paper is not None and paper.authors == ("Zoë Ångström", "李雷")
