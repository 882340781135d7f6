"""Feeds: RSS 2.0, Atom 1.0 and JSON Feed 1.1 for the site and for each tag,
`issues.xml` (one item per digest day) and `feeds.opml` (every tag's feed).

RSS and Atom are written by feedgen (lxml underneath, so every text is
escaped and every file is well-formed); JSON Feed by orjson, the OPML list
by ElementTree. Nothing here reads the wall clock: dates come from the
records, so two builds of the same content are byte-identical.

Ids (issue 4): every entry's RSS `guid`, Atom `id` and JSON Feed `id` is
`tag:paper-digest,2024:<paper id>` (RFC 4151). It is derived from the paper's
id only, so it survives rebuilds, edits of the record and a move to another
`base_url`; its authority is a fixed name, never the site's host. A day of
`issues.xml` is `tag:paper-digest,2024:day:<YYYY-MM-DD>` (paper ids never hold
a `:`, so the two cannot meet). A feed's own Atom `id` is its URL: unlike an
entry, a feed moved to another address is another subscription anyway.

Revisions: an entry's `published` is its digest day and its `updated` the
later of that day and the record's `updated` date, so a new arXiv version
(the importers set `updated` with `version`) updates the entry in readers.
"""

from __future__ import annotations

import datetime as dt
import html
import logging
import re
import xml.etree.ElementTree as ElementTree
from urllib.parse import urljoin

from feedgen.feed import FeedGenerator

from . import __version__
from .characters import FORBIDDEN_CHARACTERS, first_forbidden, without_forbidden
from .frozen import frozen
from .json_text import indented_json
from .plan import format_day
from .site import Day, Site
from .urls import Urls
from .views import PaperView

logger = logging.getLogger(__name__)

ID_PREFIX = "tag:paper-digest,2024:"
GENERATOR_NAME = "paper-digest"
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
RSS_TYPE = "application/rss+xml"
ATOM_TYPE = "application/atom+xml"
# Feeds of a site without papers still need a date; a fixed one keeps builds reproducible.
NO_DATE = dt.datetime(1970, 1, 1, tzinfo=dt.timezone.utc)
# Attributes holding URLs in the HTML our Markdown renderer writes (always double-quoted).
_URL_ATTRIBUTE = re.compile(r'(\s(?:href|src)=")([^"]*)(")')


@frozen
class Entry:
    """One paper as every feed format shows it: plain, XML-safe data."""

    id: str
    url: str
    title: str
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    summary: str
    content_html: str
    published: dt.datetime
    updated: dt.datetime


@frozen
class FeedSource:
    """One feed before its entries are made: its title, its place and the papers it carries."""

    title: str
    description: str
    home_url: str
    folder: str
    """Output folder of the three files: "" for the site, `tags/<slug>/` for a tag."""
    papers: tuple[str, ...]
    """Ids of the papers it carries, newest first."""


@frozen
class Feed:
    """One feed, written as RSS, Atom and JSON beside each other."""

    title: str
    description: str
    home_url: str
    folder: str
    entries: tuple[Entry, ...]


def paper_entry_id(paper_id: str) -> str:
    return ID_PREFIX + paper_id


def day_entry_id(date: dt.date) -> str:
    return f"{ID_PREFIX}day:{date.isoformat()}"


def xml_safe(text: str) -> str:
    """`text` without the characters XML 1.0 forbids (and the controls HTML rejects)."""
    return without_forbidden(text)


def at_midnight(date: dt.date) -> dt.datetime:
    return dt.datetime(date.year, date.month, date.day, tzinfo=dt.timezone.utc)


def rfc3339(moment: dt.datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def absolute_links(fragment: str, base_url: str) -> str:
    """Resolve every `href`/`src` of rendered HTML against `base_url` (feeds and email leave the site)."""

    def resolve(match: re.Match[str]) -> str:
        url = urljoin(base_url, html.unescape(match.group(2)))
        return match.group(1) + html.escape(url, quote=True) + match.group(3)

    return _URL_ATTRIBUTE.sub(resolve, fragment)


def forbidden_character_warnings(site: Site) -> list[str]:
    """One warning per record field holding characters XML 1.0 forbids, which feeds and email drop."""
    warnings: list[str] = []
    for paper in site.papers.values():
        fields: dict[str, tuple[str, ...]] = {
            "title": (paper.title,), "authors": paper.authors, "abstract": (paper.abstract,), "tags": paper.tags,
            "notes": (paper.notes,), "venue": (paper.venue or "",), "comments": (paper.comments or "",),
            "journal_ref": (paper.journal_ref or "",),
        }
        for name, values in fields.items():
            found = sorted({char for value in values if first_forbidden(value)
                            for char in FORBIDDEN_CHARACTERS.findall(value)})
            if found:
                codes = ", ".join(f"U+{ord(char):04X}" for char in found)
                warnings.append(f"{paper.source}: {name}: removed characters XML 1.0 forbids ({codes}) "
                                "from the feeds and the email digest")
    return warnings


def entry_updated(view: PaperView) -> dt.datetime:
    # A revised paper (a later `updated` than its digest day) is a newer entry with the same id.
    return at_midnight(max(view.day, view.updated or view.day))


def paper_entry(view: PaperView, urls: Urls, site_title: str) -> Entry:
    page = urls.absolute(view.url)
    return Entry(
        id=paper_entry_id(view.id),
        url=page,
        title=xml_safe(view.title_text),
        authors=tuple(xml_safe(author.label) for author in view.authors),
        tags=tuple(xml_safe(tag.label) for tag in view.tags),
        summary=xml_safe(view.abstract_text),
        content_html=xml_safe(paper_content_html(view, page, site_title)),
        published=at_midnight(view.day),
        updated=entry_updated(view),
    )


def paper_content_html(view: PaperView, page_url: str, site_title: str) -> str:
    """The abstract, the notes and the links, with every URL absolute."""
    parts = [absolute_links(view.abstract_html, page_url)]
    if view.notes_html:
        parts.append("<p><strong>Notes</strong></p>")
        parts.append(absolute_links(view.notes_html, page_url))
    links = [f'<a href="{html.escape(link.url)}">{html.escape(link.label)}</a>' for link in view.links]
    links.append(f'<a href="{html.escape(page_url)}">Read on {html.escape(site_title)}</a>')
    parts.append("<p>" + " · ".join(links) + "</p>")
    return "\n".join(part.strip() for part in parts if part.strip())


FEED_FILES = ("feed.xml", "atom.xml", "feed.json")
ISSUES_FILE = "issues.xml"
OPML_FILE = "feeds.opml"


def feed_sources(site: Site, urls: Urls) -> list[FeedSource]:
    """The site's feed, then one feed per tag."""
    config = site.config
    title = xml_safe(config.title)
    limit = config.feeds.items
    sources = [FeedSource(title, xml_safe(config.description) or title, urls.absolute(urls.page("")), "",
                          tuple(paper.id for paper in list(site.papers.values())[:limit]))]
    for tag in site.tags:
        name = xml_safe(tag.name)
        description = xml_safe(tag.description) or f"Papers tagged “{name}” in {title}."
        sources.append(FeedSource(f"{title}: {name}", description, urls.absolute(urls.tag(tag.slug)), f"tags/{tag.slug}/",
                                  tuple(paper.id for paper in tag.papers[:limit])))
    return sources


def feed_paths(source: FeedSource) -> tuple[str, ...]:
    return tuple(source.folder + name for name in FEED_FILES)


class FeedRenderer:
    """Makes the files of one feed at a time; a paper's entry is made once, whichever feeds carry it."""

    def __init__(self, site: Site, views: dict[str, PaperView], urls: Urls) -> None:
        self.site, self.views, self.urls = site, views, urls
        self.site_title = xml_safe(site.config.title)
        self.entries: dict[str, Entry] = {}

    def entry(self, paper_id: str) -> Entry:
        entry = self.entries.get(paper_id)
        if entry is None:
            entry = self.entries[paper_id] = paper_entry(self.views[paper_id], self.urls, self.site_title)
        return entry

    def files(self, source: FeedSource) -> dict[str, bytes]:
        """`feed.xml`, `atom.xml` and `feed.json` of one feed, by output path."""
        feed = Feed(source.title, source.description, source.home_url, source.folder,
                    tuple(self.entry(paper_id) for paper_id in source.papers))
        rss, atom = render_rss_and_atom(feed, self.site, self.urls)
        rss_path, atom_path, json_path = feed_paths(source)
        return {rss_path: rss, atom_path: atom, json_path: render_json_feed(feed, self.site, self.urls)}

    def newest(self, source: FeedSource) -> dt.datetime:
        """`newest()` of the feed's entries, without making them."""
        return max((entry_updated(self.views[paper_id]) for paper_id in source.papers), default=NO_DATE)


def newest(entries: tuple[Entry, ...]) -> dt.datetime:
    """The feed's date: its newest entry's, never the wall clock (reproducible builds)."""
    return max((entry.updated for entry in entries), default=NO_DATE)


def _channel(site: Site, title: str, description: str, home_url: str, last_build: dt.datetime) -> FeedGenerator:
    config = site.config
    generator = FeedGenerator()
    generator.title(title)
    generator.description(description)
    generator.subtitle(description)
    generator.language(config.language)
    generator.author({"name": xml_safe(config.curator) or xml_safe(config.title)})
    generator.generator(GENERATOR_NAME, version=__version__)
    generator.lastBuildDate(last_build)
    generator.updated(last_build)
    return generator


def _self_links(generator: FeedGenerator, home_url: str, self_url: str, media_type: str) -> None:
    # feedgen takes the RSS <link> from the last link given: the page, not the feed.
    generator.link([{"href": self_url, "rel": "self", "type": media_type}, {"href": home_url, "rel": "alternate"}],
                   replace=True)


def render_rss_and_atom(feed: Feed, site: Site, urls: Urls) -> tuple[bytes, bytes]:
    generator = _channel(site, feed.title, feed.description, feed.home_url, newest(feed.entries))
    # dc:creator is RSS's way to name authors without an email address; Atom has <author>.
    generator.load_extension("dc", atom=False, rss=True)
    categories = urls.absolute(urls.page("tags/"))
    for entry in feed.entries:
        item = generator.add_entry(order="append")
        item.id(entry.id)
        item.guid(entry.id, permalink=False)
        item.title(entry.title)
        item.link(href=entry.url, rel="alternate")
        item.content(entry.content_html, type="html")
        item.published(entry.published)
        item.updated(entry.updated)
        if entry.authors:
            item.author([{"name": name} for name in entry.authors])
            item.dc.dc_creator(list(entry.authors))
        if entry.tags:
            item.category([{"term": tag, "scheme": categories} for tag in entry.tags])
    folder_url = urls.absolute(urls.page(feed.folder))
    _self_links(generator, feed.home_url, folder_url + "feed.xml", RSS_TYPE)
    rss = generator.rss_str(pretty=True)
    _self_links(generator, feed.home_url, folder_url + "atom.xml", ATOM_TYPE)
    generator.id(folder_url + "atom.xml")
    atom = generator.atom_str(pretty=True)
    return rss, atom


def render_json_feed(feed: Feed, site: Site, urls: Urls) -> bytes:
    config = site.config
    document: dict[str, object] = {
        "version": JSON_FEED_VERSION,
        "title": feed.title,
        "home_page_url": feed.home_url,
        "feed_url": urls.absolute(urls.page(feed.folder + "feed.json")),
        "description": feed.description,
        "language": config.language,
        "authors": [{"name": xml_safe(config.curator) or xml_safe(config.title)}],
        "items": [
            {
                "id": entry.id,
                "url": entry.url,
                "title": entry.title,
                "content_html": entry.content_html,
                "summary": entry.summary,
                "date_published": rfc3339(entry.published),
                "date_modified": rfc3339(entry.updated),
                **({"authors": [{"name": name} for name in entry.authors]} if entry.authors else {}),
                **({"tags": list(entry.tags)} if entry.tags else {}),
            }
            for entry in feed.entries
        ],
    }
    return indented_json(document) + b"\n"


def issue_content_html(papers: list[PaperView], urls: Urls) -> str:
    """A whole day as one item: each paper's linked title, authors, abstract and links."""
    parts: list[str] = []
    for view in papers:
        page = urls.absolute(view.url)
        parts.append(f'<h3><a href="{html.escape(page)}">{html.escape(view.title_text)}</a></h3>')
        if view.authors:
            parts.append(f"<p><em>{html.escape(', '.join(author.label for author in view.authors))}</em></p>")
        parts.append(absolute_links(view.abstract_html, page).strip())
        links = [f'<a href="{html.escape(link.url)}">{html.escape(link.label)}</a>' for link in view.links]
        if links:
            parts.append("<p>" + " · ".join(links) + "</p>")
    return xml_safe("\n".join(part for part in parts if part))


def issue_days(site: Site) -> list[Day]:
    """The days `issues.xml` carries: the latest, as many as a feed has items."""
    return site.days[: site.config.feeds.items]


def render_issues(site: Site, views: dict[str, PaperView], urls: Urls) -> bytes:
    """`issues.xml`: one RSS item per digest day, for readers who want one notification a day."""
    config = site.config
    title = xml_safe(config.title)
    days = issue_days(site)
    dates = [at_midnight(max([day.date] + [p.updated for p in day.papers if p.updated])) for day in days]
    home = urls.absolute(urls.page(""))
    generator = _channel(site, f"{title}: daily issues",
                         f"One item per digest day of {title}, holding that day's papers.", home, max(dates, default=NO_DATE))
    for day in days:
        item = generator.add_entry(order="append")
        entry_id = day_entry_id(day.date)
        item.id(entry_id)
        item.guid(entry_id, permalink=False)
        count = len(day.papers)
        item.title(f"{format_day(day.date)}: {count} paper{'s' if count != 1 else ''}")
        item.link(href=urls.absolute(urls.day(day.date)), rel="alternate")
        item.content(issue_content_html([views[paper.id] for paper in day.papers], urls), type="html")
        item.published(at_midnight(day.date))
    _self_links(generator, home, urls.absolute(urls.page("issues.xml")), RSS_TYPE)
    return generator.rss_str(pretty=True)


def rfc822(moment: dt.datetime) -> str:
    # Day and month names are fixed English in RFC 822, whatever the locale.
    days = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
    months = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
    return (f"{days[moment.weekday()]}, {moment.day:02d} {months[moment.month - 1]} {moment.year} "
            f"{moment:%H:%M:%S} +0000")


def render_opml(site: Site, urls: Urls, tag_feeds: list[FeedSource], date: dt.datetime) -> bytes:
    """`feeds.opml` (OPML 2.0): every tag's RSS feed, to subscribe to several topics at once; `date` is the
    newest entry's of those feeds."""
    config = site.config
    root = ElementTree.Element("opml", version="2.0")
    head = ElementTree.SubElement(root, "head")
    ElementTree.SubElement(head, "title").text = f"{xml_safe(config.title)}: feeds by tag"
    ElementTree.SubElement(head, "dateModified").text = rfc822(date)
    if config.curator:
        ElementTree.SubElement(head, "ownerName").text = xml_safe(config.curator)
    ElementTree.SubElement(head, "docs").text = "http://opml.org/spec2.opml"
    body = ElementTree.SubElement(root, "body")
    for feed in tag_feeds:
        ElementTree.SubElement(body, "outline", {
            "type": "rss", "text": feed.title, "title": feed.title,
            "xmlUrl": urls.absolute(urls.page(feed.folder + "feed.xml")), "htmlUrl": feed.home_url,
        })
    ElementTree.indent(root)
    return ElementTree.tostring(root, encoding="UTF-8", xml_declaration=True) + b"\n"
