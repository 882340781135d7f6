"""Render stage: Jinja2 templates of the theme chain into page bytes.

Autoescaping is on for every template whatever its name (`.html`, `.xml`,
`.j2`): record text is untrusted and only HTML the build produced from
Markdown is marked safe, in the templates, by field name (`*_html`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path
from typing import Any, Callable

import jinja2
from markupsafe import Markup

from .json_text import json_for_templates
from .plan import PlannedPage, format_day
from .themes import ThemeError


def make_environment(chain: list[Path]) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader([str(path / "templates") for path in chain], followlinks=False),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        auto_reload=False,
    )
    env.filters["long_date"] = lambda value: format_day(value) if isinstance(value, dt.date) else value
    env.filters["iso_date"] = lambda value: value.isoformat() if isinstance(value, dt.date) else value
    env.filters["plural"] = lambda count, word, plural=None: f"{count} {word if count == 1 else (plural or word + 's')}"
    env.policies["json.dumps_function"] = json_for_templates
    env.globals["paper_card"] = card_renderer(env)
    return env


def card_renderer(env: jinja2.Environment) -> Callable[..., Markup]:
    """`paper_card(paper, heading, show_day)` from the theme's macros.html, each card rendered once.

    A paper appears on its day, every tag and every author page: at 10,000 papers
    that is ~80,000 cards, mostly the same ones. A card depends only on the paper's
    view and the templates, both fixed for one environment, so it is memoised.
    The key is the view object itself (by identity, kept alive in the entry): the
    preview's fast path reuses the environment with new views of edited papers.
    """
    memo: dict[tuple[int, str, bool], tuple[Any, Markup]] = {}

    def paper_card(paper: Any, heading: str = "h2", show_day: bool = False) -> Markup:
        key = (id(paper), heading, show_day)
        entry = memo.get(key)
        if entry is None or entry[0] is not paper:
            macro = env.get_template("macros.html").module.paper_card  # type: ignore[attr-defined]
            entry = memo[key] = (paper, Markup(macro(paper, heading, show_day)))
        return entry[1]

    return paper_card


def templates_fingerprint(chain: list[Path]) -> str:
    """A hash of every template file in the chain; any change re-renders every page."""
    digest = hashlib.blake2b(digest_size=16)
    for root in chain:
        for path in sorted((root / "templates").rglob("*")):
            if path.is_file():
                digest.update(str(path.relative_to(root)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def render_page(env: jinja2.Environment, page: PlannedPage) -> str:
    try:
        template = env.get_template(page.template)
        return template.render(page.template_variables())
    except jinja2.TemplateSyntaxError as exc:
        raise ThemeError(f"{exc.filename or exc.name}:{exc.lineno}: template syntax error: {exc.message}") from exc
    except jinja2.TemplateError as exc:
        raise ThemeError(f"{page.template}: while rendering `{page.path}`: {exc}") from exc
