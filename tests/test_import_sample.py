"""The sample digest's records (content/papers/) as scripts/make_sample.py makes them."""

from __future__ import annotations

import collections
import datetime as dt
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest
import yaml

from generator.records import load_records

ROOT = Path(__file__).parent.parent
PAPERS = ROOT / "content" / "papers"


@pytest.fixture(scope="module")
def make_sample() -> ModuleType:
    spec = importlib.util.spec_from_file_location("make_sample", ROOT / "scripts" / "make_sample.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_sample"] = module
    spec.loader.exec_module(module)
    return module


def front(path: Path) -> dict[str, object]:
    return yaml.safe_load(path.read_text(encoding="utf-8").split("---\n")[1])


def test_sample_is_up_to_date(make_sample: ModuleType, capsys: pytest.CaptureFixture[str]) -> None:
    assert make_sample.main(["--check"]) == 0
    assert capsys.readouterr().out.startswith("115 sample records; 0 would change\n")


def test_sample_regenerates_identically(make_sample: ModuleType, tmp_path: Path) -> None:
    assert make_sample.main(["--content", str(tmp_path)]) == 0
    made = sorted((tmp_path / "papers").glob("*.md"))
    assert len(made) == 115
    for path in made:
        assert path.read_bytes() == (PAPERS / path.name).read_bytes(), path.name
    assert not (tmp_path / ".imported").exists()


def test_sample_records_load_and_follow_the_vocabulary(make_sample: ModuleType) -> None:
    papers, errors = load_records(ROOT / "content")
    assert [str(error) for error in errors] == []
    table = make_sample.TagTable.load(make_sample.TAG_RULES)
    sample = {path.stem: front(path) for path in PAPERS.glob("*.md") if path.stem in {p.slug for p in papers}}
    ids = [str(fields["id"]) for fields in sample.values()]
    assert len(ids) == len(set(ids)) >= 115
    days = collections.Counter(fields["date"] for fields in sample.values())
    assert days[dt.date(2025, 3, 12)] == 101
    assert (days[dt.date(2024, 5, 28)], days[dt.date(2025, 7, 16)], days[dt.date(2026, 7, 15)]) == (6, 6, 2)
    for fields in sample.values():
        tags = fields["tags"]
        assert isinstance(tags, list) and 1 <= len(tags) <= table.max_tags, fields["id"]
        assert set(tags) <= table.vocabulary, fields["id"]
        if fields["date"] == dt.date(2025, 3, 12):
            assert fields["authors"] == []  # the page names no authors, and none are invented


def test_vocabulary_size(make_sample: ModuleType) -> None:
    table = make_sample.TagTable.load(make_sample.TAG_RULES)
    assert 15 <= len(table.vocabulary) <= 25
    assert all(rule.tag in table.vocabulary for rule in table.rules)
