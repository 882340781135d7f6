"""Keeping tags tidy (issue 8): `python build.py tags` and `python build.py tags --suggest`.

`tags` lists every tag with its number of papers, after the aliases of
`site.toml`, and flags spellings that are probably one tag: differing in case,
in a plural `s`, or in hyphen versus space. It reads the records only, not the
site model, so it also works when two such spellings stop the build.

`tags --suggest` proposes tags for untagged records from the tags the site
already uses: each untagged paper takes the tags of the tagged papers whose
title and abstract are most like its own. It prints and writes nothing, unless
`--write` is given; then each record's `tags: []` line is replaced.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import re
import sys
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .characters import fold
from .config import SiteConfig, load_config
from .errors import ContentError
from .records import Paper, load_records, parse_record
from .related import paper_text, vectorize

logger = logging.getLogger(__name__)

Command = Callable[[argparse.Namespace], int]

NEIGHBOURS = 10
"""Tagged papers consulted for each untagged one."""
MIN_SHARE = 0.3
"""A tag is suggested when its papers hold at least this share of the neighbours' similarity."""
MAX_SUGGESTIONS = 3
_SEPARATORS = re.compile(r"[\s_-]+")
_EMPTY_TAGS_LINE = re.compile(r"^tags:[ \t]*\[[ \t]*\][ \t]*(?=\r?$)", re.MULTILINE)


# --- near-duplicates ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TagCount:
    name: str
    papers: int


@dataclass(frozen=True)
class NearDuplicates:
    """Spellings that are probably one tag; `names[0]` is the most used."""

    names: tuple[TagCount, ...]
    reasons: tuple[str, ...]
    """Which of `case`, `plural`, `hyphen/space` tell them apart."""


def singular(word: str) -> str:
    """A plural English word's singular, by the rules tags need (`transformers`, `studies`)."""
    lower = word.lower()
    if len(word) > 4 and lower.endswith("ies"):
        return word[:-3] + ("Y" if word[-3:].isupper() else "y")
    if len(word) > 4 and lower.endswith(("sses", "xes", "ches", "shes")):
        return word[:-2]
    if len(word) > 3 and lower.endswith("s") and not lower.endswith(("ss", "us", "is")):
        return word[:-1]
    return word


def tag_form(name: str, *, case: bool = True, separators: bool = True, plural: bool = True) -> str:
    """`name` with the chosen differences normalised away; all three give the near-duplicate key."""
    if separators:
        name = _SEPARATORS.sub("-", name.strip())
    if plural:
        head, sep, last = name.rpartition("-" if separators else " ")
        name = head + sep + singular(last)
    return fold(name) if case else name


def tag_counts(papers: list[Paper], config: SiteConfig) -> list[TagCount]:
    """Papers per tag spelling, aliases applied, most used first."""
    aliases = {fold(k): v for k, v in config.tags.aliases.items()}
    counts: Counter[str] = Counter()
    for paper in papers:
        counts.update({aliases.get(fold(tag), tag) for tag in paper.tags})
    return [TagCount(name, count) for name, count in sorted(counts.items(), key=lambda kv: (-kv[1], fold(kv[0]), kv[0]))]


def near_duplicates(counts: list[TagCount]) -> list[NearDuplicates]:
    groups: dict[str, list[TagCount]] = {}
    for item in counts:
        groups.setdefault(tag_form(item.name), []).append(item)
    found: list[NearDuplicates] = []
    for members in groups.values():
        if len(members) < 2:
            continue
        reasons = [reason for reason, options in (("case", {"case": False}), ("plural", {"plural": False}),
                                                   ("hyphen/space", {"separators": False}))
                   if len({tag_form(m.name, **options) for m in members}) > 1]
        found.append(NearDuplicates(tuple(members), tuple(reasons)))
    return found


def toml_string(text: str) -> str:
    # A JSON string is a valid TOML basic string.
    return json.dumps(text, ensure_ascii=False)


def tags_report(counts: list[TagCount], duplicates: list[NearDuplicates]) -> str:
    width = max((len(str(item.papers)) for item in counts), default=1)
    lines = [f"{len(counts)} tags:"] + [f"  {item.papers:>{width}}  {item.name}" for item in counts]
    if duplicates:
        lines += ["", f"{len(duplicates)} possible near-duplicates:"]
        for group in duplicates:
            names = ", ".join(f"`{item.name}` ({item.papers})" for item in group.names)
            lines.append(f"  {names}: differ in {', '.join(group.reasons)}")
            target = group.names[0].name
            lines += [f"    to merge, add under [tags.aliases] in site.toml: {toml_string(item.name)} = {toml_string(target)}"
                      for item in group.names[1:]]
    else:
        lines += ["", "No near-duplicate tags."]
    return "\n".join(lines)


# --- suggestions --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Suggestion:
    paper: Paper
    tags: tuple[tuple[str, float], ...]
    """Suggested tags with their share of the neighbours' similarity, best first."""


def suggest_tags(papers: list[Paper], config: SiteConfig, *, neighbours: int = NEIGHBOURS,
                 min_share: float = MIN_SHARE, limit: int = MAX_SUGGESTIONS) -> list[Suggestion]:
    """A suggestion for each untagged paper (possibly with no tags, when nothing is alike enough)."""
    import numpy as np  # only this command needs it; see `related`

    aliases = {fold(k): v for k, v in config.tags.aliases.items()}
    untagged = [paper for paper in papers if not paper.tags]
    tagged = [paper for paper in papers if paper.tags]
    if not untagged or not tagged:
        return [Suggestion(paper, ()) for paper in untagged]
    ordered = untagged + tagged
    matrix = vectorize({paper.id: paper_text(paper.title, paper.abstract) for paper in ordered})
    rows = matrix.rows
    similarity = (rows[: len(untagged)] @ rows[len(untagged):].T).toarray()
    tag_sets = [{aliases.get(fold(tag), tag) for tag in paper.tags} for paper in tagged]
    suggestions: list[Suggestion] = []
    for paper, scores in zip(untagged, similarity):
        nearest = [int(i) for i in np.argsort(-scores, kind="stable")[:neighbours] if scores[i] > 0]
        total = float(sum(scores[i] for i in nearest))
        weights: Counter[str] = Counter()
        for i in nearest:
            for tag in tag_sets[i]:
                weights[tag] += float(scores[i])
        ranked = sorted(((tag, weight / total) for tag, weight in weights.items() if total and weight / total >= min_share),
                        key=lambda pair: (-pair[1], pair[0]))
        suggestions.append(Suggestion(paper, tuple((tag, round(share, 2)) for tag, share in ranked[:limit])))
    return suggestions


def write_tags(path: Path, tags: tuple[str, ...], max_chars: int) -> str | None:
    """Replace the record's `tags: []` line with `tags`; None when done, else why not.

    Only that line changes (the rest of the file, its line ends and BOM stay), and
    the result is parsed again before it replaces the file.
    """
    data = path.read_bytes()
    text = data.decode("utf-8")
    match = _EMPTY_TAGS_LINE.search(text)
    if match is None:
        return "its `tags` line is not `tags: []`"
    new_text = text[: match.start()] + "tags: " + json.dumps(list(tags), ensure_ascii=False) + text[match.end():]
    new_data = new_text.encode("utf-8")
    paper, errors = parse_record(new_data, str(path), max_chars=max_chars)
    if paper is None or paper.tags != tags:
        return "the edited record would not read back: " + "; ".join(str(error) for error in errors)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(new_data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return None


# --- command ------------------------------------------------------------------------------------


def register(subparsers: "argparse._SubParsersAction[argparse.ArgumentParser]") -> dict[str, Command]:
    parser = subparsers.add_parser(
        "tags", help="list tags with counts and near-duplicates; --suggest tags for untagged papers",
        description="List every tag with its number of papers and flag near-duplicate spellings (case, plural, "
                    "hyphen/space). With --suggest, propose tags for untagged records from the tags in use; "
                    "nothing is written unless --write is given.")
    parser.add_argument("--content", type=Path, default=Path("content"), metavar="DIR",
                        help="folder with site.toml and papers/ (default: content)")
    parser.add_argument("--suggest", action="store_true", help="propose tags for records with `tags: []`")
    parser.add_argument("--write", action="store_true", help="with --suggest: write the suggested tags into the records")
    return {"tags": run_tags}


def _load(content: Path) -> tuple[SiteConfig | None, list[Paper], list[ContentError]]:
    config, errors = load_config(content)
    max_chars = config.limits.max_field_chars if config else 100_000
    papers, record_errors = load_records(content, max_chars=max_chars)
    return config, papers, errors + record_errors


def run_tags(args: argparse.Namespace) -> int:
    if args.write and not args.suggest:
        print("error: --write goes with --suggest", file=sys.stderr)
        return 2
    config, papers, errors = _load(args.content)
    if errors or config is None:
        for error in errors:
            print(f"error: {error}", file=sys.stderr)
        return 1
    if not args.suggest:
        counts = tag_counts(papers, config)
        print(tags_report(counts, near_duplicates(counts)))
        return 0
    suggestions = suggest_tags(papers, config)
    if not suggestions:
        print("Every record has tags; nothing to suggest.")
        return 0
    if not any(paper.tags for paper in papers):
        print("No record has tags yet, so there is no vocabulary to suggest from.")
        return 0
    failed = 0
    for suggestion in suggestions:
        source = suggestion.paper.source
        if not suggestion.tags:
            print(f"{source}: no suggestion (no tagged paper is alike enough)")
            continue
        shown = ", ".join(f"{tag} ({share:.2f})" for tag, share in suggestion.tags)
        print(f"{source}: {shown}")
        if args.write:
            problem = write_tags(Path(source), tuple(tag for tag, _share in suggestion.tags), config.limits.max_field_chars)
            if problem:
                failed += 1
                print(f"  not written: {problem}", file=sys.stderr)
            else:
                print("  written")
    if not args.write:
        print("Nothing was written; run again with --write to add these tags to the records.")
    return 1 if failed else 0
