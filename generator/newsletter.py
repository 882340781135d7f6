"""The email-ready digest: `email/<YYYY-MM-DD>.html` and `.txt` for every digest day,
and the `email` command that sends one day as a multipart/alternative message.

Mail clients are not browsers: the HTML template uses tables and inline styles,
no scripts and no stylesheets, and every link is absolute. Most clients drop
MathML, so a formula is shown as its TeX source (the `alttext` the renderer wrote).
Not named `email.py`: that would shadow the standard library's `email` package.
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import os
import re
import smtplib
import ssl
import sys
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path
from typing import TYPE_CHECKING, Callable
from urllib.parse import urlsplit

import jinja2

from .feeds import absolute_links, xml_safe
from .frozen import frozen
from .plan import format_day
from .site import Day, Site
from .urls import Urls
from .views import Link, PaperView

if TYPE_CHECKING:
    from .pipeline import LoadedSite

logger = logging.getLogger(__name__)

EMAIL_DIR = "email"
HTML_TEMPLATE = "email/day.html"
TEXT_TEMPLATE = "email/day.txt"
PASSWORD_VARIABLE = "PAPER_DIGEST_SMTP_PASSWORD"
DEFAULT_SMTP = "localhost:25"
TEXT_WIDTH = 72
# Our renderer writes each formula as one <math alttext="TeX">…</math>, never nested.
_MATH = re.compile(r'<math\b[^>]*?\salttext="([^"]*)"[^>]*>.*?</math>', re.DOTALL)

Command = Callable[[argparse.Namespace], int]


@frozen
class EmailPaper:
    title: str
    url: str
    authors: tuple[str, ...]
    abstract_html: str
    """Rendered abstract, links absolute, math as its TeX source."""
    notes_html: str
    text_title: str
    """The text part's fields, wrapped at `TEXT_WIDTH` columns."""
    text_authors: str
    text_abstract: str
    text_notes: str
    links: tuple[Link, ...]
    tags: tuple[Link, ...]


@frozen
class EmailContext:
    site_title: str
    site_url: str
    curator: str
    day_label: str
    day_url: str
    subject: str
    language: str
    papers: tuple[EmailPaper, ...]
    feeds: tuple[Link, ...]


@frozen
class DayEmail:
    subject: str
    html: str
    text: str


def email_html(fragment: str, page_url: str) -> str:
    """Rendered record HTML made fit for mail clients."""
    without_math = _MATH.sub(lambda match: f"<code>{match.group(1)}</code>", fragment)
    return absolute_links(without_math, page_url).strip()


def wrap_text(text: str, width: int = TEXT_WIDTH) -> str:
    """Greedy word wrap; long words (URLs) stay whole. Jinja's `wordwrap` (textwrap) is
    ten times slower, which shows at thousands of papers."""
    lines: list[str] = []
    words: list[str] = []
    length = -1  # of the line in `words`, with its spaces
    for word in text.split():
        if words and length + 1 + len(word) > width:
            lines.append(" ".join(words))
            words, length = [word], len(word)
        else:
            words.append(word)
            length += 1 + len(word)
    if words:
        lines.append(" ".join(words))
    return "\n".join(lines)


def email_paper(view: PaperView, urls: Urls) -> EmailPaper:
    page = urls.absolute(view.url)
    return EmailPaper(
        title=xml_safe(view.title_text),
        url=page,
        authors=tuple(xml_safe(author.label) for author in view.authors),
        abstract_html=email_html(view.abstract_html, page),
        notes_html=email_html(view.notes_html, page) if view.notes_html else "",
        text_title=wrap_text(xml_safe(view.title_text)),
        text_authors=wrap_text(", ".join(xml_safe(author.label) for author in view.authors)),
        text_abstract=wrap_text(xml_safe(view.abstract_text)),
        text_notes=wrap_text(xml_safe(view.notes_text)),
        links=tuple(Link(link.label, link.url) for link in view.links) + (Link("On the site", page),),
        tags=tuple(Link(xml_safe(tag.label), urls.absolute(tag.url)) for tag in view.tags),
    )


def email_context(site: Site, day: Day, views: dict[str, PaperView], urls: Urls) -> EmailContext:
    config = site.config
    title = xml_safe(config.title)
    label = format_day(day.date)
    return EmailContext(
        site_title=title,
        site_url=urls.absolute(urls.page("")),
        curator=xml_safe(config.curator),
        day_label=label,
        day_url=urls.absolute(urls.day(day.date)),
        subject=f"{title}: papers of {label}",
        language=config.language,
        papers=tuple(email_paper(views[paper.id], urls) for paper in day.papers),
        feeds=(Link("RSS", urls.absolute(urls.page("feed.xml"))), Link("Atom", urls.absolute(urls.page("atom.xml"))),
               Link("Daily issues", urls.absolute(urls.page("issues.xml")))),
    )


def render_day_email(site: Site, day: Day, views: dict[str, PaperView], urls: Urls, env: jinja2.Environment) -> DayEmail:
    context = email_context(site, day, views, urls)
    variables = {"email": context}
    return DayEmail(context.subject, env.get_template(HTML_TEMPLATE).render(variables),
                    env.get_template(TEXT_TEMPLATE).render(variables))


def email_paths(day_key: str) -> tuple[str, str]:
    return f"{EMAIL_DIR}/{day_key}.html", f"{EMAIL_DIR}/{day_key}.txt"


def render_day_email_files(site: Site, day: Day, views: dict[str, PaperView], urls: Urls,
                           env: jinja2.Environment) -> dict[str, bytes]:
    """`email/<YYYY-MM-DD>.html` and `.txt` of one digest day."""
    digest = render_day_email(site, day, views, urls, env)
    html_path, text_path = email_paths(day.key)
    return {html_path: digest.html.encode("utf-8"), text_path: digest.text.encode("utf-8")}


def compose_message(digest: DayEmail, sender: str, recipients: list[str], base_url: str) -> EmailMessage:
    message = EmailMessage()
    message["Subject"] = digest.subject
    message["From"] = sender
    message["To"] = ", ".join(recipients)
    message["Date"] = format_datetime(dt.datetime.now(dt.timezone.utc))
    message["Message-ID"] = make_msgid(domain=urlsplit(base_url).hostname or "localhost")
    message.set_content(digest.text)
    message.add_alternative(digest.html, subtype="html")
    return message


def send_message(message: EmailMessage, server: str, *, starttls: bool, user: str | None, password: str | None) -> None:
    host, port = parse_server(server)
    with smtplib.SMTP(host, port, timeout=60) as smtp:
        if starttls:
            smtp.starttls(context=ssl.create_default_context())
        if user:
            smtp.login(user, password or "")
        smtp.send_message(message)
    logger.info("sent `%s` to %s via %s:%d", message["Subject"], message["To"], host, port)


def parse_server(server: str) -> tuple[str, int]:
    """`host:port` (or `host`, port 25; `[::1]:25` for IPv6)."""
    match = re.fullmatch(r"\[([^\]]+)\](?::(\d+))?|([^:\[\]]+)(?::(\d+))?", server)
    if not match:
        raise ValueError(f"expected HOST:PORT, got `{server}`")
    host = match.group(1) or match.group(3)
    port = int(match.group(2) or match.group(4) or 25)
    if not 0 < port < 65536:
        raise ValueError(f"port {port} is out of range in `{server}`")
    return host, port


def day_email_for(loaded: LoadedSite, date: dt.date) -> DayEmail:
    """The email of one digest day, from a loaded site (the `email` command's model)."""
    from .cache import BuildCache
    from .pipeline import render_records
    from .render import make_environment
    from .themes import theme_dirs
    from .views import make_paper_views

    site = loaded.site
    day = next((day for day in site.days if day.date == date), None)
    if day is None:
        latest = ", ".join(day.key for day in site.days[:3]) or "none"
        raise LookupError(f"there is no digest day `{date.isoformat()}` (latest days: {latest})")
    urls = Urls.for_config(site.config)
    rendered = render_records(site, BuildCache(""), None)
    views = make_paper_views(day.papers, rendered, site, urls)
    env = make_environment(theme_dirs(site.config.theme, loaded.project_dir))
    return render_day_email(site, day, views, urls, env)


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a date YYYY-MM-DD, got `{text}`") from None


def register(subparsers: argparse._SubParsersAction) -> dict[str, Command]:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "email", help="send one digest day by email",
        description=f"Send the digest of one day as one email (HTML and plain text). With --user, the password "
                    f"is read from the environment variable {PASSWORD_VARIABLE}.")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="folder with site.toml and papers/ (default: content)")
    parser.add_argument("--base-url", metavar="URL", help="override site.toml's base_url for the links")
    parser.add_argument("--date", type=_date, required=True, metavar="YYYY-MM-DD", help="the digest day to send")
    parser.add_argument("--to", action="append", required=True, metavar="ADDR", help="recipient (repeat for several)")
    parser.add_argument("--from", dest="sender", metavar="ADDR", help="sender (default: --user, else the first --to)")
    parser.add_argument("--smtp", default=DEFAULT_SMTP, metavar="HOST:PORT", help=f"SMTP server (default: {DEFAULT_SMTP})")
    parser.add_argument("--starttls", action="store_true", help="upgrade the connection with STARTTLS before sending")
    parser.add_argument("--user", metavar="U", help=f"log in as U, with the password in ${PASSWORD_VARIABLE}")
    return {"email": command_email}


def command_email(args: argparse.Namespace) -> int:
    # Imported here: the pipeline imports this module to write the email files.
    from .errors import BuildError
    from .pipeline import load_site

    password = os.environ.get(PASSWORD_VARIABLE)
    if args.user and password is None:
        print(f"error: --user needs the password in the environment variable {PASSWORD_VARIABLE}", file=sys.stderr)
        return 2
    try:
        parse_server(args.smtp)
        loaded = load_site(args.content, args.base_url)
        digest = day_email_for(loaded, args.date)
    except BuildError as exc:
        print(exc.report(), file=sys.stderr)
        return 1
    except (LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    sender = args.sender or (args.user if args.user and "@" in args.user else args.to[0])
    try:
        message = compose_message(digest, sender, args.to, loaded.config.base_url)
        send_message(message, args.smtp, starttls=args.starttls, user=args.user, password=password)
    except (OSError, smtplib.SMTPException, ValueError) as exc:
        print(f"error: could not send the email via `{args.smtp}`: {exc}", file=sys.stderr)
        return 1
    print(f"Sent “{digest.subject}” to {', '.join(args.to)}.")
    return 0
