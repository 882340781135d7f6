"""Strict front matter: a record file's bytes into (fields with their lines, notes body).

YAML is only composed into nodes, never constructed, so a record can never make
a Python object. On top of that we refuse what hides mistakes: aliases (billion
laughs), duplicate keys (the second silently wins in PyYAML), and explicit
tags such as `!!python/object`. Values are returned as YAML nodes so the
record schema can tell `id: 2503.10000` (a float to YAML) from a string and
point at the line.
"""

from __future__ import annotations

import functools
import unicodedata
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import ContentError

FENCE = "---"


@dataclass(frozen=True)
class FrontMatter:
    fields: dict[str, Node]
    """Top-level keys and their YAML nodes."""
    key_lines: dict[str, int]
    """1-based line in the file of each key."""
    body: str
    """The notes, normalised to NFC and LF line ends."""
    body_line: int
    """1-based line where the body starts."""
    yaml_text: str = ""
    """The front matter between the fences, as YAML read it."""

    def line_of(self, node: Node) -> int:
        """1-based line in the file where `node` starts."""
        return file_line(self.yaml_text, node.start_mark)


# YAML also breaks lines at NEL, LINE SEPARATOR and PARAGRAPH SEPARATOR, so its line numbers
# run ahead of the file's (and every editor's) when a value holds one.
_YAML_ONLY_BREAK_CHARACTERS = "\x85\u2028\u2029"


def file_line(yaml_text: str, mark: Any) -> int:
    """1-based line in the file of a YAML mark in the front matter (which starts on line 2)."""
    if _first_yaml_only_break(yaml_text) < mark.index:
        return yaml_text.count("\n", 0, mark.index) + 2
    return mark.line + 2


@functools.lru_cache(maxsize=1)
def _first_yaml_only_break(yaml_text: str) -> int:
    """Where the first break only YAML counts is (the text's length if none): found once for
    every field of a record, where searching up to each field's mark went over the text again."""
    # str.find, not a search of the class: ten times faster over the text of 10,000 records.
    places = [place for place in map(yaml_text.find, _YAML_ONLY_BREAK_CHARACTERS) if place >= 0]
    return min(places, default=len(yaml_text))


# libyaml's composer is thirty times faster than PyYAML's pure-Python one, which
# matters at 10,000 records; fall back to the latter where libyaml is missing.
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def _find_alias(root: Node) -> tuple[Node, Node | None] | None:
    """The first node reached twice (the composer shares one node for an anchor and its
    aliases), with the top-level key under which it is reached again, to name the field."""
    seen: set[int] = set()
    top_level = root.value if isinstance(root, MappingNode) else [(None, root)]
    for top_key, top_value in top_level:
        stack = [top_value] if top_key is None else [top_key, top_value]
        while stack:
            node = stack.pop()
            if id(node) in seen:
                return node, top_key
            seen.add(id(node))
            if isinstance(node, SequenceNode):
                stack.extend(node.value)
            elif isinstance(node, MappingNode):
                for key, value in node.value:
                    stack.extend((key, value))
    return None


def decode_text(data: bytes, path: str) -> tuple[str | None, ContentError | None]:
    """UTF-8 (with or without BOM, any line ends) to NFC text with LF line ends."""
    # Windows editors save "Unicode" as UTF-16 with a byte-order mark: say so,
    # rather than calling the curator's text file binary.
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None, ContentError(path, 1, None, "this file is UTF-16 text, not UTF-8", "save the file as UTF-8")
    if b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        return None, ContentError(path, line, None, "this is a binary file, not UTF-8 text (it holds a NUL byte)",
                                  "records are UTF-8 text files; if this one is UTF-16, save it as UTF-8")
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        return None, ContentError(path, line, None, f"not UTF-8 text: byte 0x{data[exc.start]:02x} cannot be decoded",
                                  "save the file as UTF-8 (Latin-1 and UTF-16 are not accepted)")
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return unicodedata.normalize("NFC", text), None


def parse_front_matter(text: str, path: str) -> tuple[FrontMatter | None, ContentError | None]:
    lines = text.split("\n")
    if not lines or lines[0].rstrip() != FENCE:
        return None, ContentError(path, 1, None, "the file does not start with front matter",
                                  "begin the file with a `---` line, the YAML fields, then another `---` line")
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].rstrip() in (FENCE, "..."))
    except StopIteration:
        return None, ContentError(path, 1, None, "the front matter is not closed", "did you forget the closing `---` line?")
    yaml_text = "\n".join(lines[1:end])
    try:
        root = yaml.compose(yaml_text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = file_line(yaml_text, mark) if mark else None
        problem = exc.problem or exc.context or "invalid YAML"
        return None, ContentError(path, line, None, f"invalid YAML: {problem}")
    except yaml.reader.ReaderError as exc:
        # A raw control character: name its line, not libyaml's character offset.
        line = yaml_text[: exc.position].count("\n") + 2
        return None, ContentError(path, line, None, f"invalid YAML: the control character U+{exc.character:04X} is not allowed",
                                  "remove it; records are plain text")
    except yaml.YAMLError as exc:
        return None, ContentError(path, None, None, f"invalid YAML: {exc}")
    if root is None:
        root = MappingNode("tag:yaml.org,2002:map", [])
    alias = _find_alias(root)
    if alias is not None:
        node, key = alias
        field = key.value if isinstance(key, ScalarNode) else None
        return None, ContentError(path, file_line(yaml_text, (key if key is not None else node).start_mark), field,
                                  "aliases (`*name`) are not allowed in records", "write the value out in full")
    if not isinstance(root, MappingNode):
        return None, ContentError(path, 2, None, "the front matter must be a mapping of `field: value` lines")
    fields: dict[str, Node] = {}
    key_lines: dict[str, int] = {}
    for key_node, value_node in root.value:
        line = file_line(yaml_text, key_node.start_mark)
        if not isinstance(key_node, ScalarNode) or key_node.tag != "tag:yaml.org,2002:str":
            return None, ContentError(path, line, None, f"field names must be plain words, got `{key_node.value}`")
        key = key_node.value
        if key in fields:
            return None, ContentError(path, line, key, f"duplicate key `{key}` (first at line {key_lines[key]})",
                                      "remove one of them")
        fields[key] = value_node
        key_lines[key] = line
    body = "\n".join(lines[end + 1:])
    return FrontMatter(fields, key_lines, body.strip("\n") + ("\n" if body.strip() else ""), end + 2, yaml_text), None


STANDARD_TAGS = {
    "tag:yaml.org,2002:str": "a string",
    "tag:yaml.org,2002:int": "a number",
    "tag:yaml.org,2002:float": "a number",
    "tag:yaml.org,2002:bool": "a boolean",
    "tag:yaml.org,2002:null": "nothing (null)",
    "tag:yaml.org,2002:timestamp": "a date",
    "tag:yaml.org,2002:seq": "a list",
    "tag:yaml.org,2002:map": "a mapping",
}


def describe_node(node: Node) -> str:
    kind = STANDARD_TAGS.get(node.tag, f"a value tagged `{node.tag}`")
    if isinstance(node, ScalarNode) and node.value != "":
        shown = node.value if len(node.value) <= 40 else node.value[:37] + "..."
        return f"{kind} `{shown}`"
    return kind


def is_sequence(node: Node) -> bool:
    return isinstance(node, SequenceNode)
