"""The up-to-date check: a build with nothing to do says so and touches nothing; any change
to what a build reads or wrote makes the next build a real one."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from generator.pipeline import BuildOptions, BuildReport, build
from generator.stamps import STAMP_FILE

RECORD_ID = "2405.16537"
ROOT = Path(__file__).resolve().parent.parent


def run(content: Path, workdir: Path, base_url: str = "https://example.org/digest/") -> BuildReport:
    return build(BuildOptions(content, workdir / "output", base_url=base_url, cache_dir=workdir / "cache"))


def snapshot(folder: Path) -> dict[str, tuple[int, bytes]]:
    return {p.relative_to(folder).as_posix(): (p.stat().st_mtime_ns, p.read_bytes()) for p in folder.rglob("*") if p.is_file()}


@pytest.fixture
def built(content_copy: Path, tmp_path: Path) -> Path:
    # Records copied a moment ago are "racily clean" (see stamps.py); age them as a real checkout would be.
    past = time.time() - 3600
    for path in content_copy.rglob("*"):
        os.utime(path, (past, past))
    first = run(content_copy, tmp_path)
    assert not first.up_to_date and first.files_written > 0
    assert (tmp_path / "cache" / STAMP_FILE).is_file()
    return tmp_path


def test_a_second_build_with_nothing_changed_is_up_to_date_and_writes_nothing(content_copy: Path, built: Path) -> None:
    before = snapshot(built / "output")
    report = run(content_copy, built)
    assert report.up_to_date
    assert (report.papers, report.files_written, report.pages_rendered) == (115, 0, 0)
    assert report.summary().startswith("Up to date: 115 papers")
    assert snapshot(built / "output") == before


def test_an_edited_record_is_built(content_copy: Path, built: Path) -> None:
    record = content_copy / "papers" / f"{RECORD_ID}.md"
    record.write_text(record.read_text(encoding="utf-8").replace("I2VEdit:", "Edited I2VEdit:", 1), encoding="utf-8")
    report = run(content_copy, built)
    assert not report.up_to_date and report.files_written > 0
    page = built / "output" / "papers" / RECORD_ID / "index.html"
    assert "Edited I2VEdit:" in page.read_text(encoding="utf-8")


def test_a_deleted_output_file_is_written_again(content_copy: Path, built: Path) -> None:
    page = built / "output" / "papers" / RECORD_ID / "index.html"
    good = page.read_bytes()
    page.unlink()
    assert not run(content_copy, built).up_to_date
    assert page.read_bytes() == good
    assert run(content_copy, built).up_to_date


def test_a_template_or_the_base_url_changes_the_build(content_copy: Path, built: Path) -> None:
    assert not run(content_copy, built, base_url="https://example.org/other/").up_to_date
    templates = content_copy.parent / "themes" / "default" / "templates"
    templates.mkdir(parents=True)
    (templates / "404.html").write_text("{% extends 'base.html' %}{% block content %}<p>Gone.</p>{% endblock %}\n",
                                        encoding="utf-8")
    report = run(content_copy, built, base_url="https://example.org/other/")
    assert not report.up_to_date
    assert "<p>Gone.</p>" in (built / "output" / "404.html").read_text(encoding="utf-8")


def test_a_record_changed_as_the_build_started_leaves_no_stamp(content_copy: Path, built: Path) -> None:
    record = content_copy / "papers" / f"{RECORD_ID}.md"
    record.write_text(record.read_text(encoding="utf-8") + "\nA note.\n", encoding="utf-8")  # modified just now
    assert not run(content_copy, built).up_to_date
    # Another save within the same tick of the file system's clock would not change the stat: no stamp is trusted.
    assert not (built / "cache" / STAMP_FILE).exists()
    assert not run(content_copy, built).up_to_date


UP_TO_DATE_IMPORTS = """
import sys
from generator.cli import main
code = main(sys.argv[1:])
print("exit", code)
print("imported", *sorted(name for name in sys.modules if name.startswith(("generator.", "jinja2", "markdown_it"))))
"""


def test_the_command_line_finds_a_site_up_to_date_without_importing_the_build(content_copy: Path, built: Path) -> None:
    # A fresh interpreter: this one has imported everything already.
    arguments = ["build", "--content", str(content_copy), "--output", str(built / "output"), "--cache", str(built / "cache"),
                 "--base-url", "https://example.org/digest/"]
    result = subprocess.run([sys.executable, "-c", UP_TO_DATE_IMPORTS, *arguments], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.startswith("Up to date: 115 papers") and "exit 0" in result.stdout
    imported = set(result.stdout.split("imported", 1)[1].split())
    assert {"generator.cli", "generator.stamps"} <= imported
    # Neither the stages nor the other commands' modules (the bench, the importers, the server).
    assert imported.isdisjoint({"generator.pipeline", "generator.render", "generator.bench", "generator.importers",
                                "generator.serve", "generator.publish", "jinja2", "markdown_it"}), imported

    record = content_copy / "papers" / f"{RECORD_ID}.md"
    record.write_text(record.read_text(encoding="utf-8").replace("I2VEdit:", "Edited I2VEdit:", 1), encoding="utf-8")
    result = subprocess.run([sys.executable, "-c", UP_TO_DATE_IMPORTS, *arguments], cwd=ROOT, capture_output=True,
                            text=True, check=True)
    assert result.stdout.startswith("Built 115 papers") and "exit 0" in result.stdout
    assert "generator.pipeline" in result.stdout.split("imported", 1)[1].split()
