"""Feeds (issue 4): RSS, Atom, JSON Feed, issues.xml and feeds.opml, for the sample and a hostile site.

feedparser sanitises what it reads, so escaping is proven on the raw bytes;
`feed_problems()` applies the rules the W3C feed validator checks for RSS 2.0
and Atom 1.0 (well-formedness, required elements, date formats, absolute
URLs, `atom:link rel="self"` equal to the feed's own URL).
"""

from __future__ import annotations

import email.utils
import json
import re
from pathlib import Path
from urllib.parse import urlsplit

import feedparser
import pytest
from lxml import etree

from generator import feeds
from generator.feeds import ID_PREFIX, xml_safe
from generator.pipeline import BuildOptions, BuildReport, build, load_site
from hostile_site import BAD_AUTHOR, BASE_URL, RECORDS, SCRIPT_TITLE, write_hostile_content

ROOT = Path(__file__).resolve().parent.parent
ATOM = "{http://www.w3.org/2005/Atom}"
DC = "{http://purl.org/dc/elements/1.1/}"
RFC822 = re.compile(r"(Mon|Tue|Wed|Thu|Fri|Sat|Sun), \d{2} (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) \d{4} "
                    r"\d{2}:\d{2}:\d{2} (?:[+-]\d{4}|GMT|UT)")
RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})")
# RFC 4151 (the validator's own pattern, simplified to what it accepts).
TAG_URI = re.compile(r"tag:[a-z0-9.-]+,\d{4}(?:-\d{2}(?:-\d{2})?)?:[A-Za-z0-9;/?:@&=+$.\-_!~*'()%,]+")
LANGUAGE = re.compile(r"[A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
RSS_CHANNEL_ELEMENTS = {"title", "link", "description", "language", "copyright", "managingEditor", "webMaster", "pubDate",
                        "lastBuildDate", "category", "generator", "docs", "cloud", "ttl", "image", "rating", "textInput",
                        "skipHours", "skipDays", "item", f"{ATOM}link"}
RSS_ITEM_ELEMENTS = {"title", "link", "description", "author", "category", "comments", "enclosure", "guid", "pubDate",
                     "source", f"{DC}creator", "{http://purl.org/rss/1.0/modules/content/}encoded"}
FORBIDDEN_BYTES = re.compile(rb"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def feed_files(output: Path) -> list[Path]:
    """Every RSS and Atom file of a build."""
    names = ("feed.xml", "atom.xml", "issues.xml")
    return sorted([*(output / name for name in names), *output.glob("tags/*/feed.xml"), *output.glob("tags/*/atom.xml")])


def is_absolute(url: str | None) -> bool:
    parts = urlsplit(url or "")
    return parts.scheme in ("http", "https") and bool(parts.netloc)


def html_problems(where: str, fragment: str) -> list[str]:
    """The validator's checks on escaped HTML: no relative references, nothing that runs."""
    problems = [f"{where}: relative URL `{url}`" for url in re.findall(r'\s(?:href|src)="([^"]*)"', fragment) if not is_absolute(url)]
    if re.search(r"<(script|iframe|object|embed|style)\b|\son\w+=|javascript:", fragment, re.IGNORECASE):
        problems.append(f"{where}: markup that runs (script, handler or javascript: URL)")
    return problems


def rfc822_problems(where: str, text: str | None) -> list[str]:
    if text is None or not RFC822.fullmatch(text):
        return [f"{where}: `{text}` is not an RFC 822 date"]
    parsed = email.utils.parsedate_to_datetime(text)
    if text[:3] != ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")[parsed.weekday()]:
        return [f"{where}: `{text}` names the wrong day of the week"]
    return []


def rfc3339_problems(where: str, text: str | None) -> list[str]:
    return [] if text and RFC3339.fullmatch(text) else [f"{where}: `{text}` is not an RFC 3339 date"]


def rss_problems(root: etree._Element, url: str) -> list[str]:
    problems: list[str] = []
    if root.tag != "rss" or root.get("version") != "2.0":
        return ["the root is not <rss version=\"2.0\">"]
    channels = root.findall("channel")
    if len(channels) != 1:
        return [f"{len(channels)} <channel> elements"]
    channel = channels[0]
    for name in ("title", "link", "description"):
        if not (channel.findtext(name) or "").strip():
            problems.append(f"channel: missing <{name}>")
    if not is_absolute(channel.findtext("link")):
        problems.append("channel: <link> is not an absolute URL")
    if not LANGUAGE.fullmatch(channel.findtext("language") or ""):
        problems.append("channel: invalid <language>")
    problems += [f"channel: unknown element <{child.tag}>" for child in channel if child.tag not in RSS_CHANNEL_ELEMENTS]
    for name in ("lastBuildDate", "pubDate"):
        if channel.find(name) is not None:
            problems += rfc822_problems(f"channel {name}", channel.findtext(name))
    selves = [link for link in channel.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selves) != 1 or selves[0].get("href") != url or selves[0].get("type") != "application/rss+xml":
        problems.append(f"channel: atom:link rel=self does not point at {url}")
    guids: set[str] = set()
    for index, item in enumerate(channel.findall("item")):
        where = f"item {index}"
        problems += [f"{where}: unknown element <{child.tag}>" for child in item if child.tag not in RSS_ITEM_ELEMENTS]
        if not (item.findtext("title") or item.findtext("description")):
            problems.append(f"{where}: neither <title> nor <description>")
        if not is_absolute(item.findtext("link")):
            problems.append(f"{where}: <link> is not an absolute URL")
        guid = item.find("guid")
        if guid is None or not guid.text:
            problems.append(f"{where}: no <guid>")
        else:
            if guid.get("isPermaLink", "true") == "true" and not is_absolute(guid.text):
                problems.append(f"{where}: a permalink guid that is not a URL")
            if guid.text in guids:
                problems.append(f"{where}: duplicate guid {guid.text}")
            guids.add(guid.text)
        problems += rfc822_problems(f"{where} pubDate", item.findtext("pubDate"))
        problems += [f"{where}: empty <{child.tag}>" for child in item.findall("category") + item.findall(f"{DC}creator")
                     if not (child.text or "").strip()]
        problems += html_problems(f"{where} description", item.findtext("description") or "")
    return problems


def atom_problems(root: etree._Element, url: str) -> list[str]:
    problems: list[str] = []
    if root.tag != f"{ATOM}feed":
        return ["the root is not an Atom <feed>"]
    if not LANGUAGE.fullmatch(root.get("{http://www.w3.org/XML/1998/namespace}lang") or ""):
        problems.append("feed: invalid xml:lang")

    def required(element: etree._Element, where: str) -> None:
        for name in ("id", "title", "updated"):
            if len(element.findall(f"{ATOM}{name}")) != 1:
                problems.append(f"{where}: needs exactly one <{name}>")
        problems.extend(rfc3339_problems(f"{where} updated", element.findtext(f"{ATOM}updated")))
        if element.find(f"{ATOM}published") is not None:
            problems.extend(rfc3339_problems(f"{where} published", element.findtext(f"{ATOM}published")))
        for link in element.findall(f"{ATOM}link"):
            if not is_absolute(link.get("href")):
                problems.append(f"{where}: link `{link.get('href')}` is not absolute")
        for author in element.findall(f"{ATOM}author"):
            if not (author.findtext(f"{ATOM}name") or "").strip():
                problems.append(f"{where}: an <author> without <name>")

    required(root, "feed")
    if not urlsplit(root.findtext(f"{ATOM}id") or "").scheme:
        problems.append("feed: <id> is not an absolute IRI")
    selves = [link for link in root.findall(f"{ATOM}link") if link.get("rel") == "self"]
    if len(selves) != 1 or selves[0].get("href") != url:
        problems.append(f"feed: link rel=self does not point at {url}")
    if not any(link.get("rel", "alternate") == "alternate" for link in root.findall(f"{ATOM}link")):
        problems.append("feed: no alternate link")
    feed_has_author = root.find(f"{ATOM}author") is not None
    ids: set[str] = set()
    for index, entry in enumerate(root.findall(f"{ATOM}entry")):
        where = f"entry {index}"
        required(entry, where)
        entry_id = entry.findtext(f"{ATOM}id") or ""
        if entry_id.startswith("tag:") and not TAG_URI.fullmatch(entry_id):
            problems.append(f"{where}: `{entry_id}` is not a valid tag: URI")
        if entry_id in ids:
            problems.append(f"{where}: duplicate id {entry_id}")
        ids.add(entry_id)
        if not feed_has_author and entry.find(f"{ATOM}author") is None:
            problems.append(f"{where}: no author, and the feed has none")
        content = entry.find(f"{ATOM}content")
        if content is None and entry.find(f"{ATOM}link") is None:
            problems.append(f"{where}: neither <content> nor an alternate link")
        if content is not None:
            if content.get("type", "text") not in ("text", "html", "xhtml"):
                problems.append(f"{where}: content type `{content.get('type')}`")
            problems += html_problems(f"{where} content", content.text or "")
        problems += [f"{where}: a category without term" for category in entry.findall(f"{ATOM}category") if not category.get("term")]
    return problems


def feed_problems(path: Path, url: str) -> list[str]:
    """What the W3C feed validator would report about the RSS or Atom file at `path`, served at `url`."""
    data = path.read_bytes()
    try:
        root = etree.fromstring(data, etree.XMLParser(resolve_entities=False, no_network=True))
    except etree.XMLSyntaxError as exc:
        return [f"not well-formed: {exc}"]
    problems = rss_problems(root, url) if root.tag == "rss" else atom_problems(root, url)
    return [f"{path.name}: {problem}" for problem in problems]


def feed_url(site_url: str, output: Path, path: Path) -> str:
    return site_url + path.relative_to(output).as_posix()


def build_into(content: Path, output: Path, base_url: str | None = None) -> BuildReport:
    return build(BuildOptions(content_dir=content, output_dir=output, base_url=base_url, cache_dir=None))


def guids(output: Path) -> dict[str, list[str]]:
    """Every feed's ids, in order: RSS guids, Atom ids and JSON Feed ids."""
    result: dict[str, list[str]] = {}
    for path in feed_files(output):
        root = etree.parse(str(path)).getroot()
        result[path.relative_to(output).as_posix()] = ([guid.text for guid in root.iter("guid")] if root.tag == "rss"
                                                       else [e.findtext(f"{ATOM}id") for e in root.iter(f"{ATOM}entry")])
    for path in [output / "feed.json", *output.glob("tags/*/feed.json")]:
        result[path.relative_to(output).as_posix()] = [item["id"] for item in json.loads(path.read_text())["items"]]
    return result


@pytest.fixture(scope="module")
def hostile(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildReport]:
    folder = tmp_path_factory.mktemp("hostile")
    content = write_hostile_content(folder)
    return folder / "output", build_into(content, folder / "output")


# --- the sample site -------------------------------------------------------


def test_feedparser_reads_every_feed_of_the_sample(sample_site) -> None:
    site = load_site(ROOT / "content", sample_site.base_url).site
    limit = site.config.feeds.items
    expected = {"feed.xml": list(site.papers.values())[:limit], "atom.xml": list(site.papers.values())[:limit]}
    for tag in site.tags:
        expected[f"tags/{tag.slug}/feed.xml"] = expected[f"tags/{tag.slug}/atom.xml"] = list(tag.papers[:limit])
    assert sorted(expected) == sorted(p.relative_to(sample_site.output).as_posix() for p in feed_files(sample_site.output)
                                      if p.name != "issues.xml")
    for name, papers in expected.items():
        parsed = feedparser.parse((sample_site.output / name).read_bytes())
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
        assert [entry.id for entry in parsed.entries] == [ID_PREFIX + paper.id for paper in papers], name
        for entry, paper in zip(parsed.entries, papers):
            assert entry.title and entry.link == f"{sample_site.base_url}papers/{paper.slug}/"
            assert entry.published_parsed[:3] == paper.day.timetuple()[:3]
            assert [author.name for author in entry.get("authors", [])] == list(dict.fromkeys(paper.authors)), (name, paper.id)
            assert [tag.term for tag in entry.get("tags", [])] == list(paper.tags)
            content = entry.content[0].value if "content" in entry else entry.summary
            assert entry.link in content and "<p>" in content


def test_issues_feed_has_one_item_per_day(sample_site) -> None:
    site = load_site(ROOT / "content", sample_site.base_url).site
    parsed = feedparser.parse((sample_site.output / "issues.xml").read_bytes())
    assert parsed.bozo == 0
    assert [entry.id for entry in parsed.entries] == [f"{ID_PREFIX}day:{day.key}" for day in site.days]
    for entry, day in zip(parsed.entries, site.days):
        assert entry.link == f"{sample_site.base_url}digest/{day.key}/"
        assert entry.published_parsed[:3] == day.date.timetuple()[:3]
        for paper in day.papers:
            assert f"{sample_site.base_url}papers/{paper.slug}/" in entry.summary


def test_every_feed_follows_the_validator_rules(sample_site, hostile) -> None:
    output, _report = hostile
    problems = [problem for path in feed_files(sample_site.output)
                for problem in feed_problems(path, feed_url(sample_site.base_url, sample_site.output, path))]
    problems += [problem for path in feed_files(output) for problem in feed_problems(path, feed_url(BASE_URL, output, path))]
    assert problems == []
    assert len(feed_files(sample_site.output)) > 3


def test_the_rules_catch_a_broken_feed(sample_site, tmp_path: Path) -> None:
    """The checker can fail: relative links, a wrong self link and a bad date are reported."""
    broken = tmp_path / "feed.xml"
    text = (sample_site.output / "feed.xml").read_text()
    text = text.replace(f"<link>{sample_site.base_url}papers/", "<link>/papers/", 1)
    text = re.sub(r"<pubDate>[^<]+</pubDate>", "<pubDate>2024-05-28</pubDate>", text, count=1)
    broken.write_text(text)
    problems = "\n".join(feed_problems(broken, "https://elsewhere.example/feed.xml"))
    assert "not an absolute URL" in problems and "rel=self" in problems and "not an RFC 822 date" in problems


def test_json_feeds_follow_json_feed_1_1(sample_site) -> None:
    for path in [sample_site.output / "feed.json", *sample_site.output.glob("tags/*/feed.json")]:
        document = json.loads(path.read_text(encoding="utf-8"))
        assert document["version"] == "https://jsonfeed.org/version/1.1"
        assert document["feed_url"] == feed_url(sample_site.base_url, sample_site.output, path)
        assert is_absolute(document["home_page_url"]) and document["items"]
        rss = etree.parse(str(path.with_name("feed.xml"))).getroot()
        assert [item["id"] for item in document["items"]] == [guid.text for guid in rss.iter("guid")]
        for item in document["items"]:
            assert is_absolute(item["url"]) and item["title"] and item["content_html"]
            assert RFC3339.fullmatch(item["date_published"]) and RFC3339.fullmatch(item["date_modified"])
            assert html_problems(item["id"], item["content_html"]) == []


def test_opml_lists_every_tag_feed(sample_site) -> None:
    site = load_site(ROOT / "content", sample_site.base_url).site
    root = etree.parse(str(sample_site.output / "feeds.opml")).getroot()
    assert root.tag == "opml" and root.get("version") == "2.0" and root.findtext("head/title")
    assert rfc822_problems("dateModified", root.findtext("head/dateModified")) == []
    outlines = root.findall("body/outline")
    assert [outline.get("xmlUrl") for outline in outlines] == [f"{sample_site.base_url}tags/{tag.slug}/feed.xml" for tag in site.tags]
    for outline in outlines:
        assert outline.get("type") == "rss" and outline.get("text")
        assert (sample_site.output / outline.get("xmlUrl").removeprefix(sample_site.base_url)).is_file()


def test_feed_links_in_pages_point_at_built_files(sample_site) -> None:
    """`<link rel="alternate">`, the Subscribe block and the OPML link all reach real files."""
    base_path = urlsplit(sample_site.base_url).path
    pages = [sample_site.output / "index.html", sample_site.output / "tags/index.html",
             next(sample_site.output.glob("tags/*/index.html"))]
    targets: set[str] = set()
    for page in pages:
        html = page.read_text(encoding="utf-8")
        targets |= set(re.findall(r'<link rel="alternate" type="application/(?:rss|atom)\+xml"[^>]* href="([^"]+)"', html))
        targets |= set(re.findall(r'href="([^"]+\.(?:xml|opml))"', html))
    assert {f"{base_path}feed.xml", f"{base_path}atom.xml", f"{base_path}feeds.opml"} <= targets
    assert any("/tags/" in target for target in targets)
    for target in targets:
        assert (sample_site.output / target.removeprefix(base_path)).is_file(), target


# --- hostile records --------------------------------------------------------


def test_hostile_feeds_parse_and_keep_text_as_text(hostile) -> None:
    output, _report = hostile
    title = xml_safe(SCRIPT_TITLE).replace("$", "")
    for name in ("feed.xml", "atom.xml", "tags/c-and-d/feed.xml", "tags/c-and-d/atom.xml", "issues.xml"):
        parsed = feedparser.parse((output / name).read_bytes())
        assert parsed.bozo == 0, (name, parsed.get("bozo_exception"))
    atom = feedparser.parse((output / "atom.xml").read_bytes())
    assert len(atom.entries) == len(RECORDS)
    first = atom.entries[0]
    assert first.title == title
    assert first.id == ID_PREFIX + "hostile-one"
    assert [author.name for author in first.authors] == [BAD_AUTHOR, "Bob ]]> Smith"]
    assert [tag.term for tag in first.tags] == ["c&d", "<i>x</i>"]
    assert first.updated_parsed[:3] == (2025, 1, 5) and first.published_parsed[:3] == (2025, 1, 2)


def test_hostile_raw_xml_is_escaped(hostile) -> None:
    output, _report = hostile
    for path in [*feed_files(output), output / "feeds.opml"]:
        raw = path.read_bytes()
        assert not FORBIDDEN_BYTES.search(raw), path.name
        assert b"<script" not in raw and b"<b>" not in raw and b"<i>" not in raw, path.name
        assert b"]]>" not in raw, path.name  # no CDATA is used, so `]]>` in text must be `]]&gt;`
    atom = (output / "atom.xml").read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; Fast &amp; ]]&gt; Loud \\alpha &lt; \\beta</title>" in atom
    assert "<name>Ann O'Brien &amp; &lt;b&gt;Bold&lt;/b&gt;</name>" in atom
    # Content is escaped HTML: record text inside it is escaped twice, markup the build wrote once.
    assert "&amp;lt;script&amp;gt;alert('abs')" in atom and "&amp;lt;script&amp;gt;alert('notes')" in atom
    # LaTeX is MathML with the source as its text alternative, never a broken tag.
    assert '&lt;math alttext="\\frac{a}{b} &amp;lt; c"&gt;' in atom
    # Relative links in the record text became absolute.
    assert f'href="{BASE_URL}papers/hostile-two/"' in atom and 'href="https://hostile.example.org/elsewhere/"' in atom
    rss = (output / "feed.xml").read_text(encoding="utf-8")
    assert "<title>&lt;script&gt;alert(1)&lt;/script&gt; Fast &amp; ]]&gt; Loud \\alpha &lt; \\beta</title>" in rss
    assert "<dc:creator>Bob ]]&gt; Smith</dc:creator>" in rss
    assert json.loads((output / "feed.json").read_text())["items"][0]["title"] == xml_safe(SCRIPT_TITLE).replace("$", "")


def test_removed_characters_are_reported(hostile) -> None:
    _output, report = hostile
    warnings = [w for w in report.warnings if "XML 1.0 forbids" in w]
    assert len(warnings) == 1
    assert "hostile-one.md: notes:" in warnings[0] and "U+0007" in warnings[0] and "U+001B" in warnings[0]


# --- stable ids -------------------------------------------------------------


def test_ids_survive_rebuilds_edits_and_a_new_base_url(content_copy: Path, tmp_path: Path) -> None:
    first = tmp_path / "first"
    build_into(content_copy, first)
    second = tmp_path / "second"
    build_into(content_copy, second)
    for path in [*feed_files(first), first / "feeds.opml", first / "feed.json"]:
        assert path.read_bytes() == (second / path.relative_to(first)).read_bytes(), path.name
    original = guids(first)
    assert original["feed.xml"] and all(ids for ids in original.values())

    record = content_copy / "papers" / "2405.16537.md"
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("The remarkable generative", "The edited, remarkable generative"), encoding="utf-8")
    edited = tmp_path / "edited"
    build_into(content_copy, edited)
    assert guids(edited) == original
    tag_feed = "tags/video/atom.xml"  # the paper's day is too old for the site feed's 50 newest
    assert "The edited, remarkable" in (edited / tag_feed).read_text() and "The edited" not in (first / tag_feed).read_text()

    moved = tmp_path / "moved"
    build_into(content_copy, moved, base_url="https://other.example.net/elsewhere/")
    assert guids(moved) == original
    assert "https://other.example.net/elsewhere/papers/" in (moved / "feed.xml").read_text()
    assert "example.github.io" not in (moved / "feed.xml").read_text()


def test_a_revised_paper_gets_a_newer_updated_date_and_the_same_id(content_copy: Path, tmp_path: Path) -> None:
    record = content_copy / "papers" / "2405.16537.md"
    before = tmp_path / "before"
    build_into(content_copy, before)
    text = record.read_text(encoding="utf-8")
    record.write_text(text.replace("published: 2024-05-26\n", "published: 2024-05-26\nupdated: 2024-06-03\nversion: 2\n"),
                      encoding="utf-8")
    after = tmp_path / "after"
    build_into(content_copy, after)

    def entry(output: Path) -> feedparser.FeedParserDict:
        parsed = feedparser.parse((output / "tags/video/atom.xml").read_bytes())
        return next(e for e in parsed.entries if e.id == ID_PREFIX + "2405.16537")

    assert entry(before).updated_parsed[:3] == (2024, 5, 28)
    assert entry(after).updated_parsed[:3] == (2024, 6, 3)
    assert entry(after).published_parsed[:3] == (2024, 5, 28)
    assert guids(after) == guids(before)


# --- incremental builds ------------------------------------------------------


def test_an_incremental_build_makes_again_only_the_feeds_that_show_the_edit(
        content_copy: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache))
    record = content_copy / "papers" / "2405.16537.md"
    record.write_text(record.read_text(encoding="utf-8").replace("The remarkable generative", "The edited, remarkable generative"),
                      encoding="utf-8")
    (output / "tags" / "audio" / "atom.xml").unlink()  # a feed the edit leaves alone, but gone from output/
    rendered: list[str] = []
    render = feeds.render_rss_and_atom
    monkeypatch.setattr(feeds, "render_rss_and_atom", lambda feed, *args: rendered.append(feed.folder) or render(feed, *args))

    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache))

    site = load_site(content_copy).site
    showing = {f"tags/{tag.slug}/" for tag in site.tags if any(p.id == "2405.16537" for p in tag.papers[:50])}
    assert showing == {"tags/video/", "tags/generative-models/", "tags/computer-vision/"}  # not the site feed: too old
    assert sorted(rendered) == sorted(showing | {"tags/audio/"})
    assert "The edited, remarkable" in (output / "tags/video/feed.json").read_text()
    cold = tmp_path / "cold"
    build_into(content_copy, cold)
    for path in [*feed_files(cold), *cold.glob("**/feed.json"), cold / "feeds.opml"]:
        assert path.read_bytes() == (output / path.relative_to(cold)).read_bytes(), path
