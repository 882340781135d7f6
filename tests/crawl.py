"""Crawl a served site from its home page; any test can assert that every internal URL answers 200.

    site, server = build_served(content, tmp_path)        # tests/conftest.py
    report = crawl(site.base_url, site.output)
    assert report.ok, describe(report)

The crawl follows links, scripts, stylesheets, images, feeds, `data-search-root`
and the search data its manifest lists, the sitemap and robots.txt; it reports
root-absolute links that ignore the site's sub-path, redirects, and the 404
page's URLs as resolved at a deep missing address.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from generator.linkcheck import CrawlReport, Finding, SiteCrawler


def crawl(site_url: str, output: Path | None = None, public_url: str | None = None) -> CrawlReport:
    """Crawl the site served by a plain static file server at `site_url`.

    `output`: the folder served at `site_url`. A plain file server lists a folder
    that has no `index.html` where GitHub Pages answers 404, so with `output` every
    folder URL that answered must have its `index.html`.
    `public_url`: the site's base_url when it differs from `site_url` by host only.
    """
    report = SiteCrawler(site_url, public_url).crawl(not_found_status=None)
    if output is not None:
        base_path = urlsplit(site_url).path
        for path, status in report.fetched.items():
            if status == 200 and path.endswith("/") and not (output / path[len(base_path):] / "index.html").is_file():
                report.findings.append(Finding(path, "is a folder without `index.html`: GitHub Pages answers 404"))
    return report


def describe(report: CrawlReport) -> str:
    return "\n".join(str(finding) for finding in report.findings)
