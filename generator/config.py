"""Site configuration: `content/site.toml` loaded into frozen dataclasses, validated at load.

Every section is a dataclass whose fields carry their meaning as a docstring
(the README's config reference is written from these). Unknown keys are
rejected with a "did you mean" hint and every error is collected before the
build stops.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import tomllib
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from .errors import ContentError

CONFIG_FILE = "site.toml"


@dataclass(frozen=True)
class NavLink:
    label: str
    """Text of the link in the site header."""
    url: str
    """Site path (`/archive/`, resolved under base_url) or an absolute http(s) URL."""


@dataclass(frozen=True)
class FeedConfig:
    items: int = 50
    """How many papers the site-wide and per-tag feeds carry (newest first)."""
    newsletter_url: str = ""
    """Optional sign-up page shown in the Subscribe block."""


@dataclass(frozen=True)
class SearchConfig:
    shard_threshold: int = 2000
    """Below this many papers the search index is one file; above it is split by term."""


@dataclass(frozen=True)
class TagConfig:
    aliases: dict[str, str] = field(default_factory=dict)
    """Tag spellings folded into one tag, e.g. `vlm = "vision-language"`."""
    descriptions: dict[str, str] = field(default_factory=dict)
    """A sentence shown on a tag's page, keyed by tag name."""


@dataclass(frozen=True)
class PublishConfig:
    cname: str = ""
    """Custom domain for GitHub Pages (writes `CNAME`); empty for `user.github.io`."""


@dataclass(frozen=True)
class SocialConfig:
    cards: bool = False
    """Draw a link-preview image per paper (`papers/<id>/card.png`); cached, but costly on a first build."""


@dataclass(frozen=True)
class LimitsConfig:
    max_field_chars: int = 100_000
    """Longest title, abstract or notes accepted, in characters (a guard against runaway input)."""


@dataclass(frozen=True)
class SiteConfig:
    title: str
    """Name of the digest, shown in the header, feeds and page titles."""
    base_url: str
    """Absolute URL the site is published at, with its path: `https://user.github.io/digest/`."""
    description: str = ""
    """One sentence about the digest, for the home page, feeds and search engines."""
    language: str = "en"
    """BCP 47 language tag of the site (`en`, `en-GB`, `de`)."""
    curator: str = ""
    """Who curates the digest; shown in the footer and feeds."""
    theme: str = "default"
    """Theme folder under `themes/`; templates missing there fall back to `default`."""
    papers_per_page: int = 50
    """Papers listed per page on tag and author pages."""
    day_order: str = "upvotes"
    """Order of the papers of a day: `upvotes` (most first), `title`, or `file` (file name)."""
    nav: tuple[NavLink, ...] = ()
    """Extra links in the header, as `[[nav]]` tables with `label` and `url`."""
    feeds: FeedConfig = FeedConfig()
    search: SearchConfig = SearchConfig()
    tags: TagConfig = TagConfig()
    publish: PublishConfig = PublishConfig()
    social: SocialConfig = SocialConfig()
    limits: LimitsConfig = LimitsConfig()

    @property
    def base_path(self) -> str:
        """The path part of base_url, always starting and ending with `/`."""
        path = urlsplit(self.base_url).path or "/"
        return path if path.endswith("/") else path + "/"

    @property
    def origin(self) -> str:
        """`https://host[:port]` of base_url, for absolute URLs in feeds and sitemaps."""
        parts = urlsplit(self.base_url)
        return f"{parts.scheme}://{parts.netloc}"

    def with_base_url(self, base_url: str) -> SiteConfig:
        return dataclasses.replace(self, base_url=normalize_base_url(base_url))


def normalize_base_url(url: str) -> str:
    return url if url.endswith("/") else url + "/"


LANGUAGE_TAG = re.compile(r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$")
DAY_ORDERS = ("upvotes", "title", "file")


def load_config(content_dir: Path, base_url_override: str | None = None) -> tuple[SiteConfig | None, list[ContentError]]:
    """Read `site.toml`; return the config, or None and every error found."""
    path = content_dir / CONFIG_FILE
    shown = str(path)
    if not path.is_file():
        return None, [ContentError(shown, None, None, "the site configuration is missing",
                                   f"create `{CONFIG_FILE}` with at least `title` and `base_url`")]
    try:
        # Old Mac editors end lines with a bare CR, which TOML refuses; records accept
        # it, so the config does too.
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
        raw = tomllib.loads(text)
    except UnicodeDecodeError as exc:
        return None, [ContentError(shown, None, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})")]
    except tomllib.TOMLDecodeError as exc:
        line = _toml_error_line(str(exc))
        return None, [ContentError(shown, line, None, f"invalid TOML: {exc}")]
    if base_url_override:
        raw["base_url"] = base_url_override
    errors: list[ContentError] = []
    config = _build(SiteConfig, raw, "", shown, errors)
    if config is not None:
        # Check the values too when keys were already wrong, so one run reports
        # everything; a key that already has an error is not reported twice.
        reported = {error.field for error in errors}
        errors.extend(e for e in _check_values(config, shown) if e.field not in reported)
    if errors:
        return None, errors
    assert isinstance(config, SiteConfig)
    return dataclasses.replace(config, base_url=normalize_base_url(config.base_url)), []


def _toml_error_line(message: str) -> int | None:
    match = re.search(r"line (\d+)", message)
    return int(match.group(1)) if match else None


def _build(cls: type, raw: Any, prefix: str, path: str, errors: list[ContentError]) -> Any:
    """Build dataclass `cls` from a TOML table, collecting type and key errors."""
    if not isinstance(raw, dict):
        errors.append(ContentError(path, None, prefix.rstrip(".") or None, f"expected a table, got {_describe(raw)}"))
        return None
    hints = typing.get_type_hints(cls)
    known = {f.name: f for f in dataclasses.fields(cls)}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        name = prefix + key
        if key not in known:
            close = difflib.get_close_matches(key, known, n=1)
            hint = f"did you mean `{close[0]}`?" if close else f"known keys: {', '.join(sorted(known))}"
            errors.append(ContentError(path, None, name, f"unknown key `{key}`", hint))
            continue
        converted = _convert(hints[key], value, name, path, errors)
        if converted is not _INVALID:
            values[key] = converted
    for name, spec in known.items():
        if name not in values and spec.default is dataclasses.MISSING and spec.default_factory is dataclasses.MISSING:
            if name not in raw:
                errors.append(ContentError(path, None, prefix + name, "is required"))
            # A stand-in, already reported, so the remaining values can still be checked.
            values[name] = ""
    try:
        return cls(**values)
    except TypeError:
        return None


_INVALID = object()


def _convert(hint: Any, value: Any, name: str, path: str, errors: list[ContentError]) -> Any:
    origin = typing.get_origin(hint)
    if dataclasses.is_dataclass(hint):
        built = _build(hint, value, name + ".", path, errors)  # type: ignore[arg-type]
        return _INVALID if built is None else built
    if origin is tuple:
        (item_type, _ellipsis) = typing.get_args(hint)
        if not isinstance(value, list):
            errors.append(ContentError(path, None, name, f"expected a list, got {_describe(value)}"))
            return _INVALID
        items = [_convert(item_type, item, f"{name}[{i}]", path, errors) for i, item in enumerate(value)]
        return _INVALID if _INVALID in items else tuple(items)
    if origin is dict:
        if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
            errors.append(ContentError(path, None, name, f"expected a table of strings, got {_describe(value)}"))
            return _INVALID
        return dict(value)
    if origin in (types.UnionType, typing.Union):
        hint = next(arg for arg in typing.get_args(hint) if arg is not type(None))
    expected = {str: "a string", int: "a whole number", bool: "true or false"}[hint]
    # bool is an int in Python; a TOML `true` is never a valid count.
    if not isinstance(value, hint) or (hint is int and isinstance(value, bool)):
        errors.append(ContentError(path, None, name, f"expected {expected}, got {_describe(value)}"))
        return _INVALID
    return value


def _describe(value: Any) -> str:
    kind = {str: "a string", int: "a number", float: "a number", bool: "a boolean",
            list: "a list", dict: "a table"}.get(type(value), type(value).__name__)
    if isinstance(value, bool):  # shown as TOML spells it, not as Python does
        return f"{kind} `{str(value).lower()}`"
    return f"{kind} `{value!r}`" if not isinstance(value, (dict, list)) else kind


def _check_values(config: SiteConfig, path: str) -> list[ContentError]:
    errors: list[ContentError] = []

    def bad(name: str, message: str, hint: str | None = None) -> None:
        errors.append(ContentError(path, None, name, message, hint))

    parts = urlsplit(config.base_url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        bad("base_url", f"expected an absolute http(s) URL, got `{config.base_url}`",
            "for example `https://user.github.io/digest/`")
    if parts.query or parts.fragment:
        bad("base_url", f"must not carry a query or fragment: `{config.base_url}`")
    if not config.title.strip():
        bad("title", "must not be empty")
    if not LANGUAGE_TAG.match(config.language):
        bad("language", f"expected a language tag such as `en` or `en-GB`, got `{config.language}`")
    if config.papers_per_page < 1:
        bad("papers_per_page", f"expected a number of at least 1, got {config.papers_per_page}")
    if config.feeds.items < 1:
        bad("feeds.items", f"expected a number of at least 1, got {config.feeds.items}")
    if config.limits.max_field_chars < 1000:
        bad("limits.max_field_chars", f"expected at least 1000, got {config.limits.max_field_chars}")
    if config.day_order not in DAY_ORDERS:
        bad("day_order", f"expected one of {', '.join(DAY_ORDERS)}, got `{config.day_order}`")
    if not re.fullmatch(r"[A-Za-z0-9_-]+", config.theme):
        bad("theme", f"expected a folder name under `themes/`, got `{config.theme}`")
    if config.feeds.newsletter_url and not _is_http_url(config.feeds.newsletter_url):
        bad("feeds.newsletter_url", f"expected an http(s) URL, got `{config.feeds.newsletter_url}`")
    for i, link in enumerate(config.nav):
        if not (link.url.startswith("/") and not link.url.startswith("//")) and not _is_http_url(link.url):
            bad(f"nav[{i}].url", f"expected a site path such as `/archive/` or an http(s) URL, got `{link.url}`")
    if config.publish.cname and not re.fullmatch(r"[a-z0-9.-]+\.[a-z]{2,}", config.publish.cname):
        bad("publish.cname", f"expected a domain name such as `digest.example.org`, got `{config.publish.cname}`")
    return errors


def _is_http_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.netloc)
