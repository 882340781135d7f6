"""Every HTML page of the sample site is valid HTML, by the Nu HTML checker.

The checker is slow to start, so it runs once, over every page plus one
deliberately invalid page that proves its report is read.
"""

from __future__ import annotations

from pathlib import Path

from tests.conftest import BuiltSite
from tests.nu_checker import nu_errors


def test_nu_checker_finds_no_error_on_any_page(sample_site: BuiltSite, tmp_path: Path) -> None:
    pages = sorted(sample_site.output.rglob("*.html"))
    kinds = {page.relative_to(sample_site.output).parts[0] for page in pages}
    assert {"index.html", "404.html", "digest", "papers", "archive", "tags", "authors", "search"} <= kinds
    canary = tmp_path / "invalid.html"
    canary.write_text("<!doctype html><html lang=en><head><title>x</title></head><body><p><div></p></body></html>")

    errors = nu_errors([*pages, canary])

    canary_errors = [error for error in errors if error.startswith(f"{canary.as_uri().replace('file:///', 'file:/')}:")]
    assert canary_errors, errors
    assert [error for error in errors if error not in canary_errors] == []
