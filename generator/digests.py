"""A digest day's own text: `content/digests/<YYYY-MM-DD>.md`, the curator's introduction."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from .errors import BuildError, ContentError
from .frontmatter import decode_text
from .markdown import MarkdownRenderer

DIGESTS_DIR = "digests"


def load_day_intros(content_dir: Path, renderer: MarkdownRenderer) -> dict[str, str]:
    """Day (`2025-03-12`) -> the introduction rendered to HTML."""
    folder = content_dir / DIGESTS_DIR
    if not folder.is_dir():
        return {}
    intros: dict[str, str] = {}
    errors: list[ContentError] = []
    for path in sorted(folder.glob("*.md")):
        if path.name.startswith("."):
            continue
        try:
            day = dt.date.fromisoformat(path.stem)
        except ValueError:
            errors.append(ContentError(str(path), None, None, f"`{path.name}` is not named after a day",
                                       "name it `YYYY-MM-DD.md`, e.g. `2025-03-12.md`"))
            continue
        text, error = decode_text(path.read_bytes(), str(path))
        if error:
            errors.append(error)
            continue
        assert text is not None
        try:
            intros[day.isoformat()] = renderer.render_block(text, id_prefix=f"day-{day.isoformat()}-").html
        except ValueError as exc:
            errors.append(ContentError(str(path), None, None, str(exc)))
    if errors:
        raise BuildError(errors)
    return intros
