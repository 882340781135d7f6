"""Where every page lives: output paths and URLs, always under base_url's path.

Links inside pages are root-relative to the base path (`/digest/papers/x/`),
so one build works on GitHub Pages under a sub-path and from any depth (the
404 page is served at arbitrary URLs).
"""

from __future__ import annotations

import datetime as dt

from .config import SiteConfig
from .frozen import frozen


@frozen
class Urls:
    base: str
    """`/` or `/digest/`."""
    origin: str
    """`https://example.github.io`."""

    @classmethod
    def for_config(cls, config: SiteConfig) -> Urls:
        return cls(config.base_path, config.origin)

    def page(self, path: str) -> str:
        """URL of a site path: `papers/x/` -> `/digest/papers/x/`; "" is the home page."""
        return self.base + path

    def absolute(self, url: str) -> str:
        """Root-relative URL to absolute, for feeds, sitemaps and canonical links."""
        return self.origin + url if url.startswith("/") else url

    def paper(self, slug: str) -> str:
        return self.page(f"papers/{slug}/")

    def day(self, date: dt.date) -> str:
        return self.page(f"digest/{date.isoformat()}/")

    def tag(self, slug: str, page: int = 1) -> str:
        return self.page(f"tags/{slug}/" + (f"page/{page}/" if page > 1 else ""))

    def author(self, slug: str, page: int = 1) -> str:
        return self.page(f"authors/{slug}/" + (f"page/{page}/" if page > 1 else ""))


def output_path(site_path: str) -> str:
    """The file behind a site path: `papers/x/` -> `papers/x/index.html`; files stay files."""
    if site_path == "" or site_path.endswith("/"):
        return site_path + "index.html"
    return site_path
