"""A digest day's own text: `content/digests/<YYYY-MM-DD>.md`, the curator's introduction.

The file may start with front matter holding the curator's order of the day's
papers (issue 8):

    ---
    order: ["2503.10002", "2503.10000"]
    ---
    Today's introduction…

Listed papers come first, in that order; the rest follow in `day_order`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
from pathlib import Path

from yaml.nodes import ScalarNode, SequenceNode

from .errors import BuildError, ContentError
from .frontmatter import FENCE, decode_text, describe_node, parse_front_matter
from .frozen import frozen
from .markdown import MarkdownRenderer
from .records import link_leaving
from .site import Site

DIGESTS_DIR = "digests"
DAY_FIELDS = ("order",)


@frozen
class DayOrder:
    """The curator's order of one day's papers, as written in its digest file."""

    source: str
    ids: tuple[str, ...]
    lines: tuple[int, ...]
    """The line of each id, for messages."""


def digest_files(content_dir: Path) -> list[Path]:
    folder = content_dir / DIGESTS_DIR
    if not folder.is_dir():
        return []
    return [path for path in sorted(folder.glob("*.md")) if not path.name.startswith(".")]


def split_day_file(text: str, path: str) -> tuple[DayOrder | None, str, list[ContentError]]:
    """(the order, if any; the introduction's Markdown; errors) of a digest file's text."""
    if text.split("\n", 1)[0].rstrip() != FENCE:
        return None, text, []
    front, error = parse_front_matter(text, path)
    if error:
        return None, "", [error]
    assert front is not None
    errors: list[ContentError] = []
    for name in front.fields:
        if name not in DAY_FIELDS:
            close = difflib.get_close_matches(name, DAY_FIELDS, n=1)
            errors.append(ContentError(path, front.key_lines[name], name, f"unknown field `{name}`",
                                       f"did you mean `{close[0]}`?" if close else "a digest file knows only `order`"))
    order = None
    node = front.fields.get("order")
    if node is not None:
        if not isinstance(node, SequenceNode) or not all(
                isinstance(item, ScalarNode) and item.tag == "tag:yaml.org,2002:str" and item.value.strip()
                for item in node.value):
            errors.append(ContentError(path, front.line_of(node), "order", f"expected a list of paper ids, got {describe_node(node)}",
                                       'quote each id: `order: ["2503.10002", "2503.10000"]`'))
        else:
            order = DayOrder(path, tuple(item.value.strip() for item in node.value),
                             tuple(front.line_of(item) for item in node.value))
    return order, front.body, errors


def load_day_intros(content_dir: Path, renderer: MarkdownRenderer) -> dict[str, str]:
    """Day (`2025-03-12`) -> the introduction rendered to HTML."""
    intros: dict[str, str] = {}
    errors: list[ContentError] = []
    for path in digest_files(content_dir):
        link_error = link_leaving(path, content_dir.resolve())
        if link_error:  # never read, let alone publish, a file from outside the content folder
            errors.append(link_error)
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
        _order, text, _errors = split_day_file(text, str(path))  # front matter errors: load_day_orders
        try:
            intros[day.isoformat()] = renderer.render_block(text, id_prefix=f"day-{day.isoformat()}-").html
        except ValueError as exc:
            errors.append(ContentError(str(path), None, None, str(exc)))
    if errors:
        raise BuildError(errors)
    return intros


def load_day_orders(content_dir: Path) -> tuple[dict[str, DayOrder], list[ContentError]]:
    """Day (`2025-03-12`) -> the curator's order from its digest file, for files that give one."""
    orders: dict[str, DayOrder] = {}
    errors: list[ContentError] = []
    for path in digest_files(content_dir):
        link_error = link_leaving(path, content_dir.resolve())
        if link_error:  # a link out of the content folder (also a linked `digests/`): issue 11
            errors.append(link_error)
            continue
        try:
            day = dt.date.fromisoformat(path.stem)
        except ValueError:
            continue  # reported by load_day_intros
        text, _error = decode_text(path.read_bytes(), str(path))  # reported by load_day_intros
        if text is None:
            continue
        order, _body, file_errors = split_day_file(text, str(path))
        errors += file_errors
        if order is not None:
            orders[day.isoformat()] = order
    return orders, errors


def apply_day_orders(site: Site, orders: dict[str, DayOrder]) -> tuple[Site, list[ContentError]]:
    """The site with each ordered day's papers in the curator's order; every id that is
    not a paper of that day is an error naming the digest file and line."""
    errors: list[ContentError] = []
    days = list(site.days)
    for index, day in enumerate(days):
        order = orders.get(day.key)
        if order is None:
            continue
        of_day = {paper.id: paper for paper in day.papers}
        listed: list[str] = []
        for paper_id, line in zip(order.ids, order.lines):
            if paper_id in listed:
                errors.append(ContentError(order.source, line, "order", f"`{paper_id}` is listed twice"))
            elif paper_id in of_day:
                listed.append(paper_id)
            elif paper_id in site.papers:
                errors.append(ContentError(order.source, line, "order",
                                           f"`{paper_id}` is a paper of {site.papers[paper_id].day.isoformat()}, not of {day.key}",
                                           "move it to that day's digest file, or change the paper's `date`"))
            else:
                close = difflib.get_close_matches(paper_id, list(of_day), n=1)
                errors.append(ContentError(order.source, line, "order", f"unknown paper id `{paper_id}`",
                                           f"did you mean `{close[0]}`?" if close else _day_ids_hint(day.key, list(of_day))))
        chosen = set(listed)
        rest = tuple(paper for paper in day.papers if paper.id not in chosen)
        ordered = tuple(of_day[paper_id] for paper_id in listed) + rest
        days[index] = dataclasses.replace(day, papers=ordered)
    known_days = {day.key for day in site.days}
    for key, order in orders.items():
        if key not in known_days:
            for paper_id, line in zip(order.ids, order.lines):
                errors.append(ContentError(order.source, line, "order", f"`{paper_id}` is not a paper of {key}: no paper has that date"))
    return dataclasses.replace(site, days=tuple(days)), errors


def _day_ids_hint(day: str, ids: list[str], shown: int = 5) -> str:
    listed = ", ".join(f"`{paper_id}`" for paper_id in ids[:shown])
    return f"the papers of {day} are {listed}" + (f" and {len(ids) - shown} more" if len(ids) > shown else "")
