"""Every internal URL of the built site answers 200, under a sub-path and at a root domain (issue 6)."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlsplit

from tests.conftest import SAMPLE_CONTENT, BuiltSite, build_served, serve_folder
from tests.crawl import crawl, describe

def unreached(site: BuiltSite, fetched: dict[str, int]) -> list[str]:
    """Pages (`…/index.html`) and search data files of the built site the crawl never requested.

    Other files (an email edition, a download) may rightly be linked from nowhere.
    """
    base_path = urlsplit(site.base_url).path
    reached = {unquote(path)[len(base_path):] for path in fetched}
    missing = []
    for file in site.output.rglob("*"):
        relative = file.relative_to(site.output).as_posix()
        if relative == "index.html" or relative.endswith("/index.html"):
            if relative[: -len("index.html")] not in reached:
                missing.append(relative)
        elif relative.startswith("search/") and file.is_file() and relative not in reached:
            missing.append(relative)
    return sorted(missing)


def test_every_url_answers_under_a_sub_path(sample_site: BuiltSite) -> None:
    assert urlsplit(sample_site.base_url).path == "/digest/"
    report = crawl(sample_site.base_url, sample_site.output)
    assert report.ok, describe(report)
    assert unreached(sample_site, report.fetched) == []
    assert report.pages > 100


def test_every_url_answers_at_a_root_domain(tmp_path: Path) -> None:
    site, server = build_served(SAMPLE_CONTENT, tmp_path, sub_path="")
    try:
        assert urlsplit(site.base_url).path == "/"
        report = crawl(site.base_url, site.output)
    finally:
        server.stop()
    assert report.ok, describe(report)
    assert unreached(site, report.fetched) == []


def test_the_sample_published_at_a_github_sub_path_links_within_it(tmp_path: Path) -> None:
    """Built for https://example.github.io/digest/: canonical links, sitemap and feeds name that host."""
    from generator.pipeline import BuildOptions, build

    output = tmp_path / "digest"
    build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=output, base_url="https://example.github.io/digest/"))
    server = serve_folder(tmp_path)
    try:
        report = crawl(f"{server.origin}/digest/", output, public_url="https://example.github.io/digest/")
    finally:
        server.stop()
    assert report.ok, describe(report)
    assert unreached(BuiltSite(output, "http://127.0.0.1/digest/", None), report.fetched) == []  # type: ignore[arg-type]


# A hand-made site with one fault of each kind the crawler must find.
BROKEN_SITE = {
    "index.html": """<!doctype html><html><head><title>t</title>
<link rel="stylesheet" href="/digest/static/style.css">
<link rel="alternate" type="application/rss+xml" href="/digest/feed.xml">
<script src="/static/app.js"></script>
</head><body>
<a href="papers/one/">relative, fine</a>
<a href="/digest/papers/two">a folder without its slash</a>
<a href="/digest/papers/missing/">missing</a>
<a href="/digest/listing/">a folder without index.html</a>
<a href="https://elsewhere.example/x">another site</a> <a href="mailto:a@example.org">mail</a> <a href="#top">top</a>
<img alt="" src="/digest/img/a.png" srcset="/digest/img/a.png 1x, /digest/img/b.png 2x">
<form action="/digest/search/" data-search-root="/digest/search/"></form>
</body></html>""",
    "static/style.css": "body { background: url('../img/bg.png'); } h1 { background: url(data:image/png;base64,AAAA); }",
    "img/a.png": "png",
    "papers/one/index.html": '<!doctype html><title>one</title><a href="../../">home</a>',
    "papers/two/index.html": '<!doctype html><title>two</title><a href="{base}">home</a>',
    "listing/notes.txt": "no index here",
    "search/index.html": '<!doctype html><title>search</title>',
    "search/manifest.json": '{"shards": ["", "a"], "docCount": 2, "docChunk": 1, "idBuckets": 1}',
    "search/shards/0.json": "{}",
    "search/docs/0.json": '[{"url": "/digest/papers/one/"}]',
    "search/ids/0.json": "{}",
    "search/facets.json": "{}",
    "feed.xml": """<?xml version="1.0"?><rss version="2.0"><channel><title>t</title><link>{base}</link>
<item><title>one</title><link>/digest/papers/one/</link>
<description>&lt;p&gt;&lt;a href="/digest/papers/two/"&gt;two&lt;/a&gt;&lt;/p&gt;</description></item>
</channel></rss>""",
    "sitemap.xml": """<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
<url><loc>{base}papers/one/</loc></url><url><loc>{base}papers/gone/</loc></url></urlset>""",
    "robots.txt": "User-agent: *\nSitemap: {base}sitemap.xml\n",
    "404.html": '<!doctype html><title>not found</title><link rel="stylesheet" href="static/style.css">'
                '<a href="/digest/">home</a>',
}


def test_the_crawler_reports_each_kind_of_broken_url(tmp_path: Path) -> None:
    server = serve_folder(tmp_path)
    base = f"{server.origin}/digest/"
    for name, text in BROKEN_SITE.items():
        path = tmp_path / "digest" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text.replace("{base}", base))
    try:
        report = crawl(base, tmp_path / "digest")
    finally:
        server.stop()
    problems = {finding.url: finding.problem for finding in report.findings}
    assert set(problems) == {
        "/static/app.js", "/digest/papers/two", "/digest/papers/missing/", "/digest/listing/",
        "/digest/img/b.png", "/digest/img/bg.png", "/digest/search/shards/1.json", "/digest/search/docs/1.json",
        "/digest/papers/one/", "/digest/papers/two/", "/digest/papers/gone/", "/digest/a/b/c/static/style.css",
    }, describe(report)
    assert problems["/static/app.js"].startswith("ignores the site's path `/digest/`")
    assert problems["/digest/papers/two"].startswith("answered 301, a redirect to `/digest/papers/two/`")
    assert problems["/digest/papers/missing/"] == "answered 404"
    assert problems["/digest/papers/one/"].startswith("is not an absolute URL")  # the feed's item link
    assert problems["/digest/papers/two/"].startswith("is not an absolute URL")  # inside the item's HTML
    assert problems["/digest/listing/"].startswith("is a folder without `index.html`")
    not_found_asset = next(f for f in report.findings if f.url == "/digest/a/b/c/static/style.css")
    assert not_found_asset.referrers == ("the 404 page at /digest/a/b/c/missing",)
    # What is fine was fetched and passed: relative links, the search data, the external link skipped.
    assert report.fetched["/digest/papers/one/"] == 200
    assert report.fetched["/digest/search/ids/0.json"] == 200
    assert not any("elsewhere" in path for path in report.fetched)
