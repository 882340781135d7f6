"""JSON as the site writes it: UTF-8 (not ASCII escapes), compact, or indented by two.

orjson encodes the thousands of search shards, citation files, feeds and page
metadata of a large digest several times faster than the standard library.
"""

from __future__ import annotations

from typing import Any

import orjson


def compact_json(value: Any) -> bytes:
    return orjson.dumps(value)


def indented_json(value: Any) -> bytes:
    return orjson.dumps(value, option=orjson.OPT_INDENT_2)


def json_for_templates(value: Any, **options: Any) -> str:
    """Jinja's `json.dumps_function` (`tojson`, which then escapes `<`, `>`, `&` and `'` for
    HTML): compact, keys sorted as Jinja's default `json.dumps_kwargs` asks."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS if options.get("sort_keys") else 0).decode("utf-8")
