"""Regenerate the sample digest's records in `content/papers/`.

    python scripts/make_sample.py [--check]

The inputs are real data kept with the importer tests (tests/fixtures/import/):
the 101 papers of a copied Daily Papers page (the `seed` source, day
2025-03-12) and the 14 papers of three Daily Papers API answers (the `hf`
source, each on its own digest day). Tags come from scripts/sample_tags.toml.

The script owns the front matter of these records and rewrites it whole;
notes written below the front matter are kept. It writes no import sidecars:
the records count as the curator's own if they are imported again later.
Running it twice gives identical files. `--check` writes nothing and exits 1
when a file would change.
"""

from __future__ import annotations

import argparse
import collections
import re
import sys
import tomllib
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.importers import ImportOptions, Problem, read_entries, settle_entry  # noqa: E402
from generator.importers.base import Entry  # noqa: E402
from generator.importers.record_file import AtomicWriter, RecordFileError, read_record, record_path, render_record  # noqa: E402
from generator.records import parse_record  # noqa: E402

FIXTURES = ROOT / "tests" / "fixtures" / "import"
SEED_PAGE = FIXTURES / "seed_000_e47c6733711ba83b.txt"
HF_ANSWERS = [
    FIXTURES / "hf_daily_papers_2024-05-28_first6.json",
    FIXTURES / "hf_daily_papers_2025-07-16.json",
    FIXTURES / "hf_daily_papers_2026-07-15.json",
]
TAG_RULES = ROOT / "scripts" / "sample_tags.toml"
CONTENT = ROOT / "content"
SEED_YEAR = 2025


@dataclass(frozen=True)
class Rule:
    tag: str
    title: tuple[re.Pattern[str], ...]
    abstract: tuple[re.Pattern[str], ...]


@dataclass(frozen=True)
class TagTable:
    vocabulary: frozenset[str]
    max_tags: int
    rules: tuple[Rule, ...]
    papers: dict[str, dict[str, list[str]]]

    @classmethod
    def load(cls, path: Path) -> TagTable:
        data = tomllib.loads(path.read_text(encoding="utf-8"))

        def compile_all(patterns: list[str]) -> tuple[re.Pattern[str], ...]:
            return tuple(re.compile(pattern, re.IGNORECASE) for pattern in patterns)

        rules = tuple(Rule(rule["tag"], compile_all(rule.get("title", [])), compile_all(rule.get("abstract", []))) for rule in data["rule"])
        return cls(frozenset(data["vocabulary"]), int(data["max_tags"]), rules, data.get("papers", {}))

    def tags_for(self, paper_id: str, title: str, abstract: str) -> list[str]:
        tags = [
            rule.tag for rule in self.rules
            if any(p.search(title) for p in rule.title) or any(p.search(abstract) for p in rule.abstract)
        ]  # fmt: skip
        override = self.papers.get(paper_id, {})
        if "tags" in override:
            tags = list(override["tags"])
        tags = [tag for tag in tags + override.get("add", []) if tag not in override.get("remove", [])]
        return list(dict.fromkeys(tags))[: self.max_tags]


def sample_entries() -> list[Entry]:
    seed_entries, seed_problems = read_entries("seed", [str(SEED_PAGE)], ImportOptions(year=SEED_YEAR))
    hf_entries, hf_problems = read_entries("hf", [str(path) for path in HF_ANSWERS], ImportOptions())
    problems = seed_problems + hf_problems
    if problems:
        raise SystemExit("make_sample: the sample inputs have problems:\n" + "\n".join(f"  {p}" for p in problems))
    return seed_entries + hf_entries


def sample_records(content: Path, table: TagTable) -> tuple[dict[Path, str], collections.Counter[str], list[str]]:
    """Every sample record file's text by path, the tag counts, and what is wrong."""
    options = ImportOptions(content_dir=content)
    errors: list[str] = []
    origins: dict[str, str] = {}
    files: dict[Path, str] = {}
    tag_counts: collections.Counter[str] = collections.Counter()
    for entry in sample_entries():
        settled = settle_entry(entry, options)
        if isinstance(settled, Problem):
            errors.append(str(settled))
            continue
        paper_id = settled.fields["id"]
        if settled.slug in origins:
            errors.append(f"{entry.origin}: the id `{paper_id}` is also the id of {origins[settled.slug]}")
            continue
        origins[settled.slug] = entry.origin
        tags = table.tags_for(paper_id, settled.fields["title"], settled.fields["abstract"])
        if not tags or not set(tags) <= table.vocabulary:
            errors.append(f"{entry.origin}: `{paper_id}` has the tags {tags}; every paper needs 1 to {table.max_tags} tags from the vocabulary")
            continue
        tag_counts.update(tags)
        fields = {name: value for name, value in settled.fields.items() if value is not None} | {"tags": tags}
        path = record_path(content, settled.slug)
        try:
            body = read_record(path).body if path.exists() else ""
        except RecordFileError as exc:
            errors.append(str(exc))
            continue
        files[path] = render_record(fields, body)
        _, record_errors = parse_record(files[path].encode("utf-8"), str(path))
        errors.extend(str(error) for error in record_errors)
    return files, tag_counts, errors


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="write nothing; exit 1 if a file would change")
    parser.add_argument("--content", type=Path, default=CONTENT, help="content folder (default: content/)")
    args = parser.parse_args(argv)
    files, tag_counts, errors = sample_records(args.content, TagTable.load(TAG_RULES))
    if errors:
        print("make_sample: " + "\n  ".join(["errors:", *errors]), file=sys.stderr)
        return 1
    changed = [path for path, text in files.items() if not path.exists() or path.read_text(encoding="utf-8") != text]
    if not args.check:
        with AtomicWriter() as writer:
            for path in changed:
                writer.stage(path, files[path])
    print(f"{len(files)} sample records; {len(changed)} {'would change' if args.check else 'changed'}")
    print("tags: " + ", ".join(f"{tag} {count}" for tag, count in sorted(tag_counts.items(), key=lambda item: (-item[1], item[0]))))
    papers = args.content / "papers"
    others = sorted(path.name for path in papers.glob("*.md") if path not in files) if papers.is_dir() else []
    if others:
        print(f"not from the sample (left alone): {', '.join(others)}")
    return 1 if args.check and changed else 0


if __name__ == "__main__":
    raise SystemExit(main())
