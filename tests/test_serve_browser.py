"""Live reload in Chromium: a page follows edits, shows a failing build, and recovers, on its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.pipeline import load_site
from serve_helpers import REBUILD_TIMEOUT, atomic_write, running_preview

ROOT = Path(__file__).resolve().parent.parent
RECORD_ID = "2405.16537"
TIMEOUT_MS = REBUILD_TIMEOUT * 1000


@pytest.mark.browser
def test_a_paper_page_follows_edits_failures_and_fixes(page: object, content_copy: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    # A project theme holding only a stylesheet, so the CSS edit below touches no real theme.
    stylesheet = tmp_path / "themes" / "default" / "static" / "style.css"
    stylesheet.parent.mkdir(parents=True)
    stylesheet.write_text((ROOT / "themes" / "default" / "static" / "style.css").read_text(encoding="utf-8"),
                          encoding="utf-8")
    record = content_copy / "papers" / f"{RECORD_ID}.md"
    original = record.read_text(encoding="utf-8")
    slug = load_site(content_copy).site.papers[RECORD_ID].slug

    with running_preview(content_copy, tmp_path) as server:
        page.set_viewport_size({"width": 800, "height": 300})  # type: ignore[attr-defined]
        page.goto(f"{server.url}papers/{slug}/")  # type: ignore[attr-defined]
        title = page.locator("h1.paper-title")  # type: ignore[attr-defined]
        expect(title).to_contain_text("I2VEdit: First-Frame-Guided")
        assert server.channel.wait_for_clients(1, REBUILD_TIMEOUT)
        # The page knows which build it came from, so a change it missed while connecting still reloads it.
        assert page.evaluate(  # type: ignore[attr-defined]
            "performance.getEntriesByType('navigation')[0].serverTiming.map((entry) => entry.description)"
        ) == [server.channel.build_id]
        page.evaluate("window.sameDocument = true; window.scrollTo(0, 250)")  # type: ignore[attr-defined]

        # CSS only: the stylesheet is swapped in place, the page is not reloaded.
        atomic_write(stylesheet, stylesheet.read_text(encoding="utf-8")
                     + "\n.paper-title { outline: 3px solid rgb(1, 2, 3); }\n")
        page.wait_for_function(  # type: ignore[attr-defined]
            "getComputedStyle(document.querySelector('h1.paper-title')).outlineColor === 'rgb(1, 2, 3)'",
            timeout=TIMEOUT_MS)
        assert page.evaluate("window.sameDocument === true")  # type: ignore[attr-defined]

        # A new title: the page reloads by itself, where it was scrolled to.
        atomic_write(record, original.replace('title: "I2VEdit:', 'title: "Live-Edited I2VEdit:', 1))
        expect(title).to_contain_text("Live-Edited I2VEdit:", timeout=TIMEOUT_MS)
        assert page.evaluate("window.sameDocument === undefined")  # type: ignore[attr-defined]
        page.wait_for_function("window.scrollY === 250", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]

        # Broken: the overlay names the file and line, shows record text as text, the old page stays.
        record.write_text(original.replace("date: 2024-05-28", 'date: "<img src=x onerror=window.pwned=1>"', 1),
                          encoding="utf-8")
        overlay = page.locator("#live-reload-overlay")  # type: ignore[attr-defined]
        expect(overlay).to_be_visible(timeout=TIMEOUT_MS)
        expect(overlay).to_contain_text(f"{RECORD_ID}.md:7: date:")
        expect(overlay).to_contain_text("<img src=x onerror=window.pwned=1>")
        assert overlay.locator("img").count() == 0
        assert page.evaluate("window.pwned === undefined")  # type: ignore[attr-defined]
        expect(title).to_contain_text("Live-Edited I2VEdit:")

        # Fixed: the overlay goes and the page shows the fixed record.
        atomic_write(record, original.replace('title: "I2VEdit:', 'title: "Fixed I2VEdit:', 1))
        expect(title).to_contain_text("Fixed I2VEdit:", timeout=TIMEOUT_MS)
        expect(overlay).to_have_count(0)
    assert page.page_errors == []  # type: ignore[attr-defined]


@pytest.mark.browser
def test_only_pages_that_show_the_edited_record_reload(page: object, content_copy: Path, tmp_path: Path) -> None:
    from playwright.sync_api import expect

    record = content_copy / "papers" / f"{RECORD_ID}.md"
    paper = load_site(content_copy).site.papers[RECORD_ID]
    with running_preview(content_copy, tmp_path) as server:
        day_page = page
        other_page = page.context.new_page()  # type: ignore[attr-defined]
        try:
            day_page.goto(f"{server.url}digest/{paper.day.isoformat()}/")  # type: ignore[attr-defined]
            other_page.goto(f"{server.url}starred/")
            assert server.channel.wait_for_clients(2, REBUILD_TIMEOUT)
            for each in (day_page, other_page):
                each.evaluate("window.sameDocument = true")  # type: ignore[attr-defined]
            # A second listener on the other page counts the reload events it is sent.
            other_page.evaluate("""(url) => {
                window.reloadEvents = 0;
                new EventSource(url).addEventListener("reload", () => { window.reloadEvents += 1; });
            }""", f"{server.base_path}__live-reload")
            assert server.channel.wait_for_clients(3, REBUILD_TIMEOUT)
            builds = server.builds

            atomic_write(record, record.read_text(encoding="utf-8").replace('title: "I2VEdit:', 'title: "Renamed I2VEdit:', 1))
            # The day lists the paper: it reloads with the new title.
            expect(day_page.locator("main")).to_contain_text("Renamed I2VEdit:", timeout=TIMEOUT_MS)  # type: ignore[attr-defined]
            assert day_page.evaluate("window.sameDocument === undefined")  # type: ignore[attr-defined]
            # Two events (the fast path, then the build's feeds and search data) reached the page
            # that does not show the paper, and it was reloaded by neither.
            assert server.wait_for_builds(builds + 1, REBUILD_TIMEOUT)
            assert server.last_outcome is not None and server.last_outcome.quick_pages
            other_page.wait_for_function("window.reloadEvents >= 2", timeout=TIMEOUT_MS)
            assert other_page.evaluate("window.sameDocument === true")
        finally:
            other_page.close()
