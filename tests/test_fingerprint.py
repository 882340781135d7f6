"""Fingerprints decide which files a warm build keeps: equal inputs must hash equal, any change must not."""

from __future__ import annotations

import copy
import dataclasses
import pickle
from pathlib import Path

import pytest

from generator.fingerprint import Fingerprints
from generator.frozen import frozen
from generator.pipeline import BuildOptions, SiteModel, build

SAMPLE_CONTENT = Path(__file__).resolve().parent.parent / "content"


@frozen
class Empty:
    pass


@frozen
class One:
    name: str


@frozen
class Many:
    name: str
    count: int
    parts: tuple[str, ...] = ()


@pytest.mark.parametrize("value", [Empty(), One("a"), Many("b", 2, ("x", "y")), Many("c", 3)])
def test_frozen_values_pickle_and_copy_back_equal(value: object) -> None:
    assert pickle.loads(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)) == value
    assert copy.deepcopy(value) == value
    assert dataclasses.replace(value) == value


def test_frozen_values_are_immutable_and_slotted() -> None:
    value = Many("b", 2)
    with pytest.raises(dataclasses.FrozenInstanceError):
        value.count = 3  # type: ignore[misc]
    assert not hasattr(value, "__dict__")
    assert pickle.loads(pickle.dumps(Many("b", 2))) != Many("b", 3)


@pytest.fixture(scope="module")
def model(tmp_path_factory: pytest.TempPathFactory) -> SiteModel:
    report = build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=tmp_path_factory.mktemp("out"), keep_model=True))
    assert report.model is not None
    return report.model


def test_equal_pages_hash_equal_across_builds_and_differ_from_each_other(model: SiteModel) -> None:
    first, second = Fingerprints("salt"), Fingerprints("salt")
    hashes = [first.of(page.template, page.context) for page in model.pages.values()]
    assert hashes == [second.of(page.template, page.context) for page in model.pages.values()]
    assert len(set(hashes)) == len(hashes)


def test_a_changed_view_changes_the_hash_of_every_page_holding_it(model: SiteModel) -> None:
    paper_id, view = next(iter(model.views.items()))
    edited = dataclasses.replace(view, title_text=view.title_text + " (revised)")
    fingerprints = Fingerprints("salt")
    assert fingerprints.of([view]) != fingerprints.of([edited])
    assert fingerprints.of([view]) == Fingerprints("salt").of([copy.deepcopy(view)])
    assert fingerprints.shared_digest(view) != fingerprints.shared_digest(edited)


def test_the_salt_changes_every_hash(model: SiteModel) -> None:
    page = next(iter(model.pages.values()))
    assert Fingerprints("templates 1").of(page.template, page.context) != Fingerprints("templates 2").of(page.template, page.context)
