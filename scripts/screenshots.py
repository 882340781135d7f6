"""Screenshots of the sample digest for the README: `make screenshots`.

    python scripts/screenshots.py [--output docs/screenshots]

Builds `content/` into a temporary folder, serves it on 127.0.0.1 under `/digest/`
(as on GitHub Pages), and takes the home page, its first paper and the search page
with a query, each at phone (390 px) and desktop (1280 px) width, in Debian's
Chromium through Playwright. Files: `<page>-<phone|desktop>.png`.
"""

from __future__ import annotations

import argparse
import functools
import http.server
import sys
import tempfile
import threading
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.pipeline import BuildOptions, build  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
WIDTHS = {"phone": (390, 844), "desktop": (1280, 800)}
SEARCH_QUERY = "diffusion"


class QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - the stdlib's name
        pass


def take_screenshots(output: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written: list[Path] = []
    with tempfile.TemporaryDirectory(prefix="digest-screenshots-") as folder:
        root = Path(folder)
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(QuietHandler, directory=str(root)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        base_url = f"http://127.0.0.1:{server.server_address[1]}/digest/"
        try:
            build(BuildOptions(content_dir=ROOT / "content", output_dir=root / "digest", base_url=base_url))
            output.mkdir(parents=True, exist_ok=True)
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
                try:
                    for device, (width, height) in WIDTHS.items():
                        context = browser.new_context(viewport={"width": width, "height": height},
                                                      color_scheme="light", reduced_motion="reduce")
                        page = context.new_page()
                        page.goto(base_url)
                        page.wait_for_selector(".paper-card .star-button")  # the reader tools are in place
                        paper_url = page.locator(".paper-card-title a").first.evaluate("a => a.href")
                        written.append(shoot(page, output / f"home-{device}.png"))

                        page.goto(paper_url)
                        page.wait_for_selector("article.paper .star-button")
                        written.append(shoot(page, output / f"paper-{device}.png"))

                        page.goto(base_url + "search/")
                        page.fill("#search-q", SEARCH_QUERY)
                        page.wait_for_selector(".search-result")
                        page.evaluate("() => document.activeElement.blur()")
                        written.append(shoot(page, output / f"search-{device}.png"))
                        context.close()
                finally:
                    browser.close()
        finally:
            server.shutdown()
            server.server_close()
    return written


def shoot(page: object, path: Path) -> Path:
    page.screenshot(path=str(path), animations="disabled")  # type: ignore[attr-defined]
    return path


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "screenshots", help="folder for the PNG files")
    args = parser.parse_args(argv)
    if not CHROMIUM.exists():
        print(f"`{CHROMIUM}` is missing: run `make system-deps` (Debian's `chromium` package)", file=sys.stderr)
        return 1
    for path in take_screenshots(args.output):
        print(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
