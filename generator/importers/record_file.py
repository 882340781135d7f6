"""Record files and their import sidecars: render, read, and write atomically.

A record is `content/papers/<slug>.md`: YAML front matter in a fixed key
order, then the curator's notes. The YAML is emitted by PyYAML's safe dumper
from nodes built here, so every style is chosen, not guessed: text is
double-quoted (`no`, `on`, `2503.10000` and `null` stay text), lists of names
and tags are flow lists, the abstract is a literal block, dates are plain.

Next to each imported record the importer keeps what it last imported, in
`content/.imported/<slug>.json`; see `generator.importers.merge` for why.
The build only reads `content/papers/*.md` and never looks at the sidecars.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ..frontmatter import FENCE

logger = logging.getLogger(__name__)

PAPERS_DIR = "papers"
SIDECAR_DIR = ".imported"
FIELD_ORDER = (
    "id", "title", "authors", "abstract", "date", "tags", "published", "updated", "version",
    "links", "venue", "upvotes", "doi", "comments", "journal_ref",
)  # fmt: skip
DATE_FIELDS = frozenset({"date", "published", "updated"})
LIST_FIELDS = frozenset({"authors", "tags"})
INT_FIELDS = frozenset({"version", "upvotes"})

# libyaml's emitter is ten times faster than the pure-Python one and writes the
# same bytes for the node styles chosen here (tests/test_import_record_file.py),
# except that it takes characters beyond U+FFFF (emoji, math letters) for
# unprintable and escapes them, which also rules out the literal block. Text
# with such characters therefore goes through the pure-Python emitter.
_Dumper: Any = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")

Fields = dict[str, Any]
"""Record values by front-matter name: str, int, datetime.date, list[str], dict[str, str]."""


class RecordFileError(ValueError):
    """An existing record file the importer cannot read, so it will not touch it."""


@dataclass(frozen=True)
class RecordFile:
    fields: Fields
    """The front matter as YAML reads it (safe loader; dates are `datetime.date`)."""
    body: str
    """Everything after the closing `---` line, byte for byte: the curator's notes."""


def _text(value: str) -> ScalarNode:
    # Double quotes escape characters beyond U+FFFF (`\U0001F917`); single
    # quotes keep them readable and are just as unambiguous.
    return ScalarNode("tag:yaml.org,2002:str", value, style="'" if _ASTRAL.search(value) else '"')


def _value_node(name: str, value: Any) -> Node:
    if name in DATE_FIELDS:
        return ScalarNode("tag:yaml.org,2002:timestamp", value.isoformat())
    if name in INT_FIELDS:
        return ScalarNode("tag:yaml.org,2002:int", str(value))
    if name in LIST_FIELDS:
        return SequenceNode("tag:yaml.org,2002:seq", [_text(item) for item in value], flow_style=True)
    if name == "links":
        pairs = [(ScalarNode("tag:yaml.org,2002:str", key), _text(url)) for key, url in value.items()]
        return MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)
    if name == "abstract" and value:
        # The literal block keeps paragraphs readable in the file; text is
        # cleaned before this (no trailing spaces, tabs or controls), which
        # is what lets the emitter choose the literal style.
        return ScalarNode("tag:yaml.org,2002:str", value, style="|")
    if isinstance(value, str):
        return _text(value)
    # Keys the importer does not know, kept from the curator's file as they were.
    return yaml.representer.SafeRepresenter().represent_data(value)


def render_front_matter(fields: Fields) -> str:
    """The YAML between the `---` lines, keys in FIELD_ORDER, unknown keys after them."""
    names = [name for name in FIELD_ORDER if fields.get(name) is not None]
    names += [name for name in fields if name not in FIELD_ORDER and fields[name] is not None]
    pairs = [(ScalarNode("tag:yaml.org,2002:str", name), _value_node(name, fields[name])) for name in names]
    root = MappingNode("tag:yaml.org,2002:map", pairs, flow_style=False)
    dumper = yaml.SafeDumper if _has_astral(list(fields.values())) else _Dumper
    return str(yaml.serialize(root, Dumper=dumper, allow_unicode=True, width=1_000_000, indent=2))


def _has_astral(value: Any) -> bool:
    if isinstance(value, str):
        return bool(_ASTRAL.search(value))
    if isinstance(value, dict):
        return _has_astral(list(value.values()))
    return isinstance(value, list) and any(_has_astral(item) for item in value)


def render_record(fields: Fields, body: str) -> str:
    """A whole record file: front matter, then the notes exactly as given."""
    return f"{FENCE}\n{render_front_matter(fields)}{FENCE}\n{body}"


def read_record(path: Path) -> RecordFile:
    """Split a record into front matter (parsed with the safe loader) and body; RecordFileError if unreadable."""
    try:
        text = path.read_bytes().decode("utf-8-sig").replace("\r\n", "\n")
    except (OSError, UnicodeDecodeError) as exc:
        raise RecordFileError(f"cannot read `{path}`: {exc}") from exc
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        raise RecordFileError(f"`{path}` does not start with a `---` line")
    end = next((i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE, "...")), None)
    if end is None:
        raise RecordFileError(f"`{path}`: the front matter is not closed by a `---` line")
    try:
        fields = yaml.load("\n".join(lines[1:end]), Loader=_Loader) or {}
    except yaml.YAMLError as exc:
        raise RecordFileError(f"`{path}`: invalid YAML: {exc}".replace("\n", " ")) from exc
    if not isinstance(fields, dict):
        raise RecordFileError(f"`{path}`: the front matter is not a mapping of `field: value` lines")
    return RecordFile(fields, "\n".join(lines[end + 1:]))


def sidecar_path(content_dir: Path, slug: str) -> Path:
    return content_dir / SIDECAR_DIR / f"{slug}.json"


def record_path(content_dir: Path, slug: str) -> Path:
    return content_dir / PAPERS_DIR / f"{slug}.md"


def render_sidecar(source: str, fields: Fields) -> str:
    """What was imported, as JSON: one field a line (readable diffs), keys in record order, dates as `YYYY-MM-DD`."""
    # Each value through the C encoder: `json.dumps(..., indent=...)` falls
    # back to the pure-Python one, which was a third of a 10,000-paper import.
    lines = [
        f"  {json.dumps(name)}: {json.dumps(value.isoformat() if isinstance(value, dt.date) else value, ensure_ascii=False)}"
        for name, value in fields.items()
    ]
    return '{\n  "source": ' + json.dumps(source) + ',\n  "fields": {\n' + ",\n".join("  " + line for line in lines) + "\n  }\n}\n"


def read_sidecar(path: Path) -> Fields | None:
    """The fields last imported for a record, or None when there is no usable sidecar."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except (OSError, ValueError) as exc:
        logger.warning("ignoring the unreadable import sidecar `%s`: %s", path, exc)
        return None
    fields = data.get("fields") if isinstance(data, dict) else None
    if not isinstance(fields, dict):
        logger.warning("ignoring the import sidecar `%s`: it has no `fields` mapping", path)
        return None
    for name in DATE_FIELDS & fields.keys():
        try:
            fields[name] = dt.date.fromisoformat(fields[name])
        except (TypeError, ValueError):
            del fields[name]
    return fields


class AtomicWriter:
    """Writes many files so that each is either its old or its new self, never half of one.

    Every file first goes to a hidden temporary file in its own folder (the
    loader skips names that start with `.`). `commit()` makes all of them
    durable with one `os.sync()` where the platform has it (one flush instead
    of one `fsync` per file: 10,000 records would otherwise cost seconds),
    then renames each over its target in the order staged, and syncs each
    folder once so the renames survive a crash. `discard()` (also on Ctrl+C,
    through `with`) removes the temporary files and leaves the targets alone.
    """

    def __init__(self) -> None:
        self._staged: list[tuple[Path, Path]] = []
        self._folders: set[Path] = set()

    def __enter__(self) -> AtomicWriter:
        return self

    def __exit__(self, exc_type: object, exc: object, traceback: object) -> None:
        if exc_type is None:
            self.commit()
        else:
            self.discard()

    def stage(self, path: Path, text: str) -> None:
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        try:
            with os.fdopen(handle, "wb") as stream:
                stream.write(text.encode("utf-8"))
                if not hasattr(os, "sync"):
                    stream.flush()
                    os.fsync(stream.fileno())
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
        self._staged.append((Path(temporary), path))

    def commit(self) -> None:
        if not self._staged:
            return
        if hasattr(os, "sync"):
            os.sync()
        folders: dict[Path, None] = {}
        try:
            while self._staged:
                temporary, target = self._staged[0]
                os.replace(temporary, target)
                self._staged.pop(0)
                folders[target.parent] = None
        finally:
            self.discard()
            for folder in folders:
                _sync_folder(folder)

    def discard(self) -> None:
        for temporary, _ in self._staged:
            temporary.unlink(missing_ok=True)
        self._staged.clear()


def _sync_folder(folder: Path) -> None:
    # A rename is only durable once its folder is; Windows cannot open folders.
    try:
        handle = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(handle)
    except OSError:
        pass
    finally:
        os.close(handle)


def write_atomic(path: Path, text: str) -> None:
    """Write one file atomically (see AtomicWriter)."""
    with AtomicWriter() as writer:
        writer.stage(path, text)
