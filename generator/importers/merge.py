"""Merge an imported paper into its existing record without losing the curator's work.

Three versions of each field meet here: what the record file holds now
(`current`), what the importer wrote last time (`last`, from the sidecar in
`content/.imported/`), and what the source says now (`imported`).

- current == last: the curator has not touched the field, so it follows the source.
- current != last: the curator edited it; their value is kept. If the source
  changed too, that is a conflict, reported so they can decide.
- The source gives nothing for a field: the record keeps what it has.
- Tags are a union: the curator's tags, plus imported tags, minus those the
  curator removed (imported before, missing from the file now).
- Links are merged name by name, each like a field of its own.
- The notes body and the id are never changed.

Without a sidecar (a record written by hand, or by `scripts/make_sample.py`)
every non-empty field the file already has counts as the curator's.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .base import unique
from .record_file import FIELD_ORDER, Fields


@dataclass(frozen=True)
class FieldChange:
    """One field the import sets: `old` is None for a new field or a new record."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class Conflict:
    """The curator edited a field the source has since changed: the curator's value was kept."""

    field: str
    kept: Any
    imported: Any


@dataclass(frozen=True)
class MergeResult:
    fields: Fields
    """The record's new front matter."""
    sidecar: Fields
    """What to remember as imported: everything ever imported, the latest value of each field."""
    changes: list[FieldChange]
    conflicts: list[Conflict]


def same(a: Any, b: Any) -> bool:
    """Equal as record values: text compared without surrounding whitespace (YAML block scalars add a newline)."""
    if isinstance(a, str) and isinstance(b, str):
        return a.strip() == b.strip()
    return bool(a == b)


def merge(imported: Fields, current: Fields | None, last: Fields | None) -> MergeResult:
    """Merge `imported` into the record `current` (None: a new record), given the sidecar `last`."""
    sidecar = _remember(imported, last)
    if current is None:
        created = [FieldChange(name, None, imported[name]) for name in FIELD_ORDER if imported.get(name) is not None]
        return MergeResult(dict(imported), sidecar, created, [])
    fields = dict(current)
    changes: list[FieldChange] = []
    conflicts: list[Conflict] = []
    for name in FIELD_ORDER:
        if name in ("id", "tags", "links") or imported.get(name) is None:
            continue
        value = _merge_value(name, imported[name], current.get(name), last, (last or {}).get(name), changes, conflicts)
        fields[name] = value
    fields["tags"] = _merge_tags(imported.get("tags") or [], current.get("tags"), last, changes, conflicts)
    if imported.get("links"):
        fields["links"] = _merge_links(imported["links"], current.get("links"), last, changes, conflicts)
    return MergeResult(fields, sidecar, changes, conflicts)


def _merge_value(
    name: str, new: Any, cur: Any, last: Fields | None, lst: Any,
    changes: list[FieldChange], conflicts: list[Conflict],
) -> Any:  # fmt: skip
    if same(cur, new):
        return cur
    # Without a sidecar, an empty value is what the record format asks for
    # when a field is unknown (`authors: []`, `abstract: ""`): not a choice.
    curator_edited = cur not in (None, "", []) if last is None else not same(cur, lst)
    if not curator_edited:
        changes.append(FieldChange(name, cur, new))
        return new
    if last is None or not same(new, lst):
        conflicts.append(Conflict(name, cur, new))
    return cur


def _merge_tags(
    new: list[str], cur: Any, last: Fields | None, changes: list[FieldChange], conflicts: list[Conflict]
) -> Any:
    if cur is None:
        cur = []
    if not isinstance(cur, list):
        conflicts.append(Conflict("tags", cur, new))
        return cur
    removed = set((last or {}).get("tags") or []) - set(cur)
    added = [tag for tag in new if tag not in cur and tag not in removed]
    if not added:
        return cur
    merged = cur + added
    changes.append(FieldChange("tags", cur, merged))
    return merged


def _merge_links(
    new: dict[str, str], cur: Any, last: Fields | None, changes: list[FieldChange], conflicts: list[Conflict]
) -> Any:
    if cur is None:
        cur = {}
    if not isinstance(cur, dict):
        conflicts.append(Conflict("links", cur, new))
        return cur
    last_links = (last or {}).get("links") or {}
    merged = dict(cur)
    for name, url in new.items():
        merged[name] = _merge_value(
            f"links.{name}", url, cur.get(name), None if last is None else last_links, last_links.get(name), changes, conflicts
        )
    return merged


def _remember(imported: Fields, last: Fields | None) -> Fields:
    remembered = dict(last or {})
    remembered.update({name: value for name, value in imported.items() if value is not None})
    if last:
        remembered["tags"] = unique((last.get("tags") or []) + (imported.get("tags") or []))
        remembered["links"] = {**(last.get("links") or {}), **(imported.get("links") or {})}
    return {name: remembered[name] for name in FIELD_ORDER if remembered.get(name) not in (None, {}, [])}
