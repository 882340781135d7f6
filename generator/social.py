"""Social cards: a 1200x630 PNG per paper (title, authors, digest name) for link previews.

Drawing ten thousand images costs far more than the 10% of a build the
reader-experience issue allows, so cards are off unless `[social] cards = true`,
and each PNG is kept in the build cache under a hash of what it shows: a
warm build draws only the cards of papers whose title or authors changed.
"""

from __future__ import annotations

import hashlib
import io
import logging
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

from .citations import Citation, PreviewImage
from .parallel import fork_map
from .config import SiteConfig
from .urls import Urls
from .views import PaperView
from .write import OutputWriter

logger = logging.getLogger(__name__)

WIDTH, HEIGHT = 1200, 630
MARGIN = 72
BACKGROUND = (246, 248, 250)
INK = (27, 31, 36)
MUTED = (87, 96, 106)
ACCENT = (11, 87, 208)
# Debian's DejaVu covers Latin, Greek and Cyrillic names; Pillow's own font is the fallback.
FONT_DIRS = (Path("/usr/share/fonts/truetype/dejavu"),)
CARD_VERSION = "2"
CARDS_PER_CHUNK = 40


@lru_cache(maxsize=None)
def _font(size: int, bold: bool = False) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    name = "DejaVuSans-Bold.ttf" if bold else "DejaVuSans.ttf"
    for folder in FONT_DIRS:
        if (folder / name).is_file():
            return ImageFont.truetype(str(folder / name), size)
    return ImageFont.load_default(size=size)


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: ImageFont.ImageFont, width: int, max_lines: int) -> list[str]:
    """Greedy word wrap by measured width; the last line ends with an ellipsis when text is left."""
    lines: list[str] = []
    current = ""
    words = text.split()
    for index, word in enumerate(words):
        candidate = f"{current} {word}".strip()
        if draw.textlength(candidate, font=font) <= width or not current:
            current = candidate
            continue
        lines.append(current)
        current = word
        if len(lines) == max_lines:
            lines[-1] = lines[-1].rstrip(",.;:") + " …"
            return lines
    if current:
        lines.append(current)
    return lines[:max_lines]


def card_png(title: str, authors: tuple[str, ...], site_title: str) -> bytes:
    image = Image.new("RGB", (WIDTH, HEIGHT), BACKGROUND)
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 0, WIDTH, 12), fill=ACCENT)
    draw.text((MARGIN, MARGIN), site_title, font=_font(34, bold=True), fill=ACCENT)
    title_font = _font(58, bold=True)
    y = MARGIN + 80
    for line in _wrap(draw, title, title_font, WIDTH - 2 * MARGIN, 5):
        draw.text((MARGIN, y), line, font=title_font, fill=INK)
        y += 72
    if authors:
        shown = ", ".join(authors[:4]) + (f" and {len(authors) - 4} more" if len(authors) > 4 else "")
        author_lines = _wrap(draw, shown, _font(32), WIDTH - 2 * MARGIN, 2)
        y = HEIGHT - MARGIN - 44 * len(author_lines)
        for line in author_lines:
            draw.text((MARGIN, y), line, font=_font(32), fill=MUTED)
            y += 44
    buffer = io.BytesIO()
    # A few flat colours: a 16-colour palette keeps a card near 15 KB instead of 45
    # (the fast octree method: median cut took three quarters of a card's time).
    image.quantize(colors=16, method=Image.Quantize.FASTOCTREE).save(buffer, format="PNG")
    return buffer.getvalue()


def card_key(view: PaperView, site_title: str) -> str:
    text = "\0".join((CARD_VERSION, site_title, view.title_text, *(link.label for link in view.authors)))
    return hashlib.blake2b(text.encode(), digest_size=16).hexdigest()


def write_social_cards(writer: OutputWriter, views: dict[str, PaperView], site_title: str, cache_dir: Path | None) -> int:
    """Write `papers/<slug>/card.png` for every paper, drawing only cards the cache lacks; returns how many were drawn.

    Each card goes to the writer as soon as it is read or drawn: ten thousand
    PNGs held at once would cost hundreds of megabytes.
    """
    folder = cache_dir / "social-cards" if cache_dir else None
    if folder:
        folder.mkdir(parents=True, exist_ok=True)
    missing: list[PaperView] = []
    for view in views.values():
        cached = folder / f"{card_key(view, site_title)}.png" if folder else None
        if cached and cached.is_file():
            writer.write(f"papers/{view.slug}/card.png", cached.read_bytes())
        else:
            missing.append(view)

    def draw_chunk(start: int) -> list[tuple[PaperView, bytes]]:
        """Runs in a worker process when there are many cards to draw."""
        return [(view, card_png(view.title_text, tuple(link.label for link in view.authors), site_title))
                for view in missing[start:start + CARDS_PER_CHUNK]]

    starts = range(0, len(missing), CARDS_PER_CHUNK)
    for chunk in fork_map(draw_chunk, starts):
        for view, data in chunk:
            if folder:
                (folder / f"{card_key(view, site_title)}.png").write_bytes(data)
            writer.write(f"papers/{view.slug}/card.png", data)
    return len(missing)


def paper_citation(config: SiteConfig, urls: Urls, view: PaperView, key: str) -> Citation:
    """A paper's citation, its link-preview tags pointing at its card when the site makes cards."""
    image = None
    if config.social.cards:
        image = PreviewImage(urls.absolute(view.url + "card.png"), f"{view.title_text} — {config.title}", WIDTH, HEIGHT)
    return Citation(view, key, urls, config.title, image)
