"""The build cache is only trusted when this code, for this output folder, wrote it whole."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from generator import cache as cache_module
from generator.cache import (CACHE_FILE, BuildCache, load_cache, load_side_cache, save_cache, save_side_cache,
                             source_digest)


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, Path]:
    cache_dir, output = tmp_path / "cache", tmp_path / "output"
    save_cache(cache_dir, BuildCache(str(output.absolute()), fingerprints={"index.html": "f1"}))
    cache_module._saved_in_this_process.clear()  # as a new process finds it
    return cache_dir, output


def test_a_cache_comes_back_as_it_was_saved(saved: tuple[Path, Path]) -> None:
    cache_dir, output = saved
    assert load_cache(cache_dir, output).fingerprints == {"index.html": "f1"}


def test_a_cache_made_by_other_code_starts_afresh(saved: tuple[Path, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    cache_dir, output = saved
    monkeypatch.setattr(cache_module, "code_version", lambda: "an edited generator")
    assert load_cache(cache_dir, output).fingerprints == {}


def test_a_cache_for_another_output_folder_starts_afresh(saved: tuple[Path, Path], tmp_path: Path) -> None:
    cache_dir, _ = saved
    assert load_cache(cache_dir, tmp_path / "elsewhere").fingerprints == {}


@pytest.mark.parametrize("damage", [b"", b"not a pickle", b"\x80\x05\x95garbage"])
def test_a_damaged_cache_starts_afresh(saved: tuple[Path, Path], damage: bytes, caplog: pytest.LogCaptureFixture) -> None:
    cache_dir, output = saved
    (cache_dir / CACHE_FILE).write_bytes(damage)
    assert load_cache(cache_dir, output).fingerprints == {}
    assert "ignoring unreadable build cache" in caplog.text


def test_a_cache_cut_short_starts_afresh(saved: tuple[Path, Path], caplog: pytest.LogCaptureFixture) -> None:
    cache_dir, output = saved
    path = cache_dir / CACHE_FILE
    path.write_bytes(path.read_bytes()[:-20])
    assert load_cache(cache_dir, output).fingerprints == {}
    assert "ignoring unreadable build cache" in caplog.text


def test_a_cache_of_other_code_is_set_aside_before_the_rest_is_read(tmp_path: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    # The code version comes first in the file: what follows it is never unpickled.
    (tmp_path / CACHE_FILE).write_bytes(pickle.dumps("another generator") + b"\x80\x05\x95garbage")
    assert load_cache(tmp_path, tmp_path / "output") == BuildCache(str((tmp_path / "output").absolute()))
    assert "ignoring unreadable" not in caplog.text


def test_the_code_version_follows_every_source_file(tmp_path: Path) -> None:
    package = tmp_path / "generator"
    (package / "serve").mkdir(parents=True)
    (package / "build.py").write_text("x = 1\n")
    (package / "serve" / "server.py").write_text("y = 2\n")
    before = source_digest(package)
    (package / "serve" / "server.py").write_text("y = 3\n")
    after = source_digest(package)
    (package / "serve" / "server.py").rename(package / "serve" / "other.py")
    assert len({before, after, source_digest(package)}) == 3
    assert cache_module.code_version() == source_digest(Path(cache_module.__file__).parent)


def test_a_side_cache_comes_back_unless_damaged_or_made_by_other_code(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    save_side_cache(tmp_path, "side.pickle", {"run": (1, 2)})
    assert load_side_cache(tmp_path, "side.pickle") == {"run": (1, 2)}
    assert load_side_cache(tmp_path, "missing.pickle") == {}
    assert load_side_cache(None, "side.pickle") == {}
    with monkeypatch.context() as patched:
        patched.setattr(cache_module, "code_version", lambda: "an edited generator")
        assert load_side_cache(tmp_path, "side.pickle") == {}
    (tmp_path / "side.pickle").write_bytes(b"\x80\x05\x95garbage")
    assert load_side_cache(tmp_path, "side.pickle") == {}
    assert "ignoring unreadable cache file" in caplog.text


def test_saving_removes_what_earlier_releases_kept_and_nothing_else(tmp_path: Path) -> None:
    cache_dir = tmp_path / "cache"
    cache_dir.mkdir()
    (cache_dir / "search-stems.pickle").write_bytes(b"stems of an earlier release")
    (cache_dir / "notes.txt").write_text("the curator's own file", encoding="utf-8")
    save_side_cache(cache_dir, "related-terms.pickle", {"kept": 1})
    save_cache(cache_dir, BuildCache(str((tmp_path / "output").absolute())))
    assert sorted(path.name for path in cache_dir.iterdir()) == [CACHE_FILE, "notes.txt", "related-terms.pickle"]
