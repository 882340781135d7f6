"""The front-matter loader and record validation: one invalid fixture per error, the exact message."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
from pathlib import Path

import pytest

from generator.pipeline import BuildOptions, build
from generator.records import SeenFiles, load_records, parse_record, read_records, record_key

FIXTURES = Path(__file__).parent / "fixtures" / "invalid"
SHOWN = "tests/fixtures/invalid"

# File -> the one error it must produce, exactly as the build prints it (path:line: field: message).
EXPECTED_ERRORS = {
    "alias.md": "alias.md:4: authors: aliases (`*name`) are not allowed in records\n    hint: write the value out in full",
    "bad-date.md": "bad-date.md:6: date: expected a date YYYY-MM-DD, got `2025-13-45`, which is not a day of the calendar"
                   "\n    hint: check the month and the day",
    "bad-id.md": "bad-id.md:2: id: `Not/An Id` is neither an arXiv id (`2503.10000`, `hep-th/9901001`) "
                 "nor a slug of lower-case letters, digits and single hyphens",
    "binary.md": "binary.md:3: this is a binary file, not UTF-8 text (it holds a NUL byte)"
                 "\n    hint: records are UTF-8 text files; if this one is UTF-16, save it as UTF-8",
    "date-not-on-calendar.md": "date-not-on-calendar.md:6: date: expected a date YYYY-MM-DD, got `2025-02-30`, "
                               "which is not a day of the calendar\n    hint: check the month and the day",
    "date-with-time.md": "date-with-time.md:6: date: expected a date YYYY-MM-DD, got `2025-03-12 09:30:00`",
    "duplicate-key.md": "duplicate-key.md:8: title: duplicate key `title` (first at line 3)\n    hint: remove one of them",
    "empty-title.md": "empty-title.md:3: title: must not be empty",
    "invalid-yaml.md": "invalid-yaml.md:7: invalid YAML: did not find expected key",
    "javascript-link.md": "javascript-link.md:9: links.code: expected an http(s) URL, got `javascript:alert(1)`",
    "latin-1.md": "latin-1.md:3: not UTF-8 text: byte 0xe9 cannot be decoded"
                  "\n    hint: save the file as UTF-8 (Latin-1 and UTF-16 are not accepted)",
    "missing-tags.md": "missing-tags.md: tags: is required\n    hint: use `tags: []` for an untagged paper",
    "negative-upvotes.md": "negative-upvotes.md:8: upvotes: expected a number of at least 0, got -3",
    "no-front-matter.md": "no-front-matter.md:1: the file does not start with front matter"
                          "\n    hint: begin the file with a `---` line, the YAML fields, then another `---` line",
    "python-object.md": "python-object.md:3: title: the YAML tag `!!python/object/apply:os.system` is not allowed"
                        "\n    hint: remove the tag; records hold plain text, lists and dates",
    "string-for-list.md": "string-for-list.md:4: authors: expected a list of text, got a string `Ada Lovelace`"
                          "\n    hint: write a list: `authors: [\"Ada Lovelace\"]`",
    "tag-no.md": "tag-no.md:9: tags[1]: expected text, got a boolean `no`\n    hint: YAML reads `no` as a boolean; quote it: \"no\"",
    "unclosed-front-matter.md": "unclosed-front-matter.md:1: the front matter is not closed"
                                "\n    hint: did you forget the closing `---` line?",
    "unknown-key.md": "unknown-key.md:8: titel: unknown field `titel`\n    hint: did you mean `title`?",
    "unquoted-id.md": "unquoted-id.md:2: id: expected text, got a number `2503.10000`"
                      "\n    hint: YAML reads `2503.10000` as a number; quote it: \"2503.10000\"",
    "utf-16.md": "utf-16.md:1: this file is UTF-16 text, not UTF-8\n    hint: save the file as UTF-8",
    "versioned-id.md": "versioned-id.md:2: id: `2503.10000v2` carries a version; use the id without `v…` (the record keeps `version`)",
}

VALID_RECORD = """---
id: "2503.10000"
title: "A paper about *attention*"
authors: ["Ada Lovelace", "Émile Borel"]
abstract: "We study $x^2$ and **things**."
date: 2025-03-12
tags: ["llm", "Vision-Language"]
published: 2025-03-10
links:
  code: "https://github.com/example/attention"
upvotes: 12
---
Curator's notes with a [link](https://example.org/).
"""


def test_every_invalid_fixture_has_its_expected_message() -> None:
    assert sorted(path.name for path in FIXTURES.iterdir()) == sorted(EXPECTED_ERRORS)


@pytest.mark.parametrize("name", sorted(EXPECTED_ERRORS))
def test_invalid_record_gives_exactly_one_precise_error(name: str) -> None:
    paper, errors = parse_record((FIXTURES / name).read_bytes(), f"{SHOWN}/{name}")
    assert paper is None
    assert [str(error) for error in errors] == [f"{SHOWN}/{EXPECTED_ERRORS[name]}"]


def test_valid_record_is_parsed_into_typed_fields() -> None:
    paper, errors = parse_record(VALID_RECORD.encode(), "content/papers/2503.10000.md")
    assert errors == []
    assert paper is not None
    assert (paper.id, paper.slug, paper.day, paper.published) == ("2503.10000", "2503.10000", dt.date(2025, 3, 12), dt.date(2025, 3, 10))
    assert paper.authors == ("Ada Lovelace", "Émile Borel")
    assert paper.tags == ("llm", "Vision-Language")
    assert paper.links == {"code": "https://github.com/example/attention"}
    assert paper.upvotes == 12
    assert paper.notes == "Curator's notes with a [link](https://example.org/).\n"


def test_empty_authors_and_empty_notes_are_accepted() -> None:
    text = VALID_RECORD.replace('["Ada Lovelace", "Émile Borel"]', "[]").split("---\nCurator")[0] + "---\n"
    paper, errors = parse_record(text.encode(), "content/papers/2503.10000.md")
    assert errors == [] and paper is not None
    assert (paper.authors, paper.notes) == ((), "")


def test_every_error_of_one_record_is_reported_at_once() -> None:
    text = (VALID_RECORD.replace("date: 2025-03-12", "date: 2025-13-45").replace("upvotes: 12", "upvotes: many")
            .replace('tags: ["llm", "Vision-Language"]', 'tags: "llm"\nsummary: "x"'))
    _, errors = parse_record(text.encode(), "r.md")
    assert [(error.line, error.field) for error in sorted(errors, key=lambda e: e.line or 0)] == [
        (6, "date"), (7, "tags"), (8, "summary"), (12, "upvotes")]


def test_errors_name_the_files_line_when_a_value_holds_a_unicode_line_separator() -> None:
    """YAML counts U+2028, U+2029 and U+0085 as line breaks; the file, like every editor, does not."""
    title = 'title: "A\u2028title\u2029with\u0085separators"'
    text = (VALID_RECORD.replace("date: 2025-03-12", "date: 2025-13-45").replace("upvotes: 12", "upvotes: many")
            .replace('tags: ["llm", "Vision-Language"]', 'tags: "llm"\nsummary: "x"'))
    text = re.sub(r"^title: .*$", lambda _: title, text, count=1, flags=re.MULTILINE)
    assert "\u2028" in text
    _, errors = parse_record(text.encode(), "r.md")
    assert [(error.line, error.field) for error in sorted(errors, key=lambda e: e.line or 0)] == [
        (6, "date"), (7, "tags"), (8, "summary"), (12, "upvotes")]
    broken = text.replace('summary: "x"', "summary: [")
    _, errors = parse_record(broken.encode(), "r.md")
    _, plain_errors = parse_record(broken.replace(title, 'title: "A title"').encode(), "r.md")
    assert [error.line for error in errors] == [error.line for error in plain_errors] == [10]


@pytest.mark.parametrize(("label", "transform"), [
    ("BOM", lambda data: b"\xef\xbb\xbf" + data),
    ("CRLF", lambda data: data.replace(b"\n", b"\r\n")),
    ("CR", lambda data: data.replace(b"\n", b"\r")),
])
def test_bom_and_line_ends_give_the_same_record(label: str, transform) -> None:  # type: ignore[no-untyped-def]
    plain, _ = parse_record(VALID_RECORD.encode(), "r.md")
    other, errors = parse_record(transform(VALID_RECORD.encode()), "r.md")
    assert errors == [], label
    assert plain is not None and other is not None
    # Only the content hash (of the bytes) may differ.
    assert dataclasses.replace(other, content_hash="") == dataclasses.replace(plain, content_hash="")


def site_files(output: Path) -> dict[str, str]:
    return {path.relative_to(output).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
            for path in sorted(output.rglob("*")) if path.is_file()}


def test_bom_crlf_and_cr_records_build_byte_identical_sites(tmp_path: Path) -> None:
    variants = {"lf": lambda d: d, "bom": lambda d: b"\xef\xbb\xbf" + d,
                "crlf": lambda d: d.replace(b"\n", b"\r\n"), "cr": lambda d: d.replace(b"\n", b"\r")}
    built: dict[str, dict[str, str]] = {}
    for name, transform in variants.items():
        content = tmp_path / name / "content"
        (content / "papers").mkdir(parents=True)
        (content / "site.toml").write_bytes(transform(b'title = "Encodings"\nbase_url = "https://example.org/d/"\n'))
        (content / "papers" / "2503.10000.md").write_bytes(transform(VALID_RECORD.encode()))
        build(BuildOptions(content_dir=content, output_dir=tmp_path / name / "out"))
        built[name] = site_files(tmp_path / name / "out")
    assert "papers/2503.10000/index.html" in built["lf"]
    for name in ("bom", "crlf", "cr"):
        assert built[name] == built["lf"], name


def test_duplicate_id_names_both_files(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "2503.10000.md").write_text(VALID_RECORD)
    (papers / "2503.10000-copy.md").write_text(VALID_RECORD)
    loaded, errors = load_records(tmp_path)
    assert [p.source for p in loaded] == [str(papers / "2503.10000.md")]
    assert [str(e) for e in errors] == [
        f"{papers / '2503.10000-copy.md'}:2: id: duplicate id `2503.10000`, also used by `{papers / '2503.10000.md'}`"
        "\n    hint: every paper needs its own id; remove or rename one of the files"]


def test_id_must_match_the_file_name(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "2503.99999.md").write_text(VALID_RECORD)
    _, errors = load_records(tmp_path)
    assert [str(e) for e in errors] == [
        f"{papers / '2503.99999.md'}:2: id: `2503.10000` does not match the file name `2503.99999.md`"
        "\n    hint: rename the file to `2503.10000.md`"]


def test_old_style_id_lives_in_its_documented_file_name(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "hep-th-9901001.md").write_text(VALID_RECORD.replace('"2503.10000"', '"hep-th/9901001"'))
    loaded, errors = load_records(tmp_path)
    assert errors == []
    assert [(p.id, p.slug) for p in loaded] == [("hep-th/9901001", "hep-th-9901001")]


def test_editor_files_are_not_records(tmp_path: Path) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "2503.10000.md").write_text(VALID_RECORD)
    for junk in (".#2503.10000.md", "._2503.10000.md", "2503.10000.md~", ".2503.10000.md.swp", "notes.txt"):
        (papers / junk).write_bytes(b"\x00junk")
    loaded, errors = load_records(tmp_path)
    assert errors == [] and len(loaded) == 1


def test_a_file_whose_stat_is_unchanged_is_not_read_again_unless_it_changed_in_the_racy_window(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    papers = tmp_path / "papers"
    papers.mkdir()
    for number in range(3):
        (papers / f"2503.1000{number}.md").write_text(VALID_RECORD.replace("2503.10000", f"2503.1000{number}"))
    first, errors, seen = read_records(tmp_path)
    assert errors == [] and len(seen.files) == 3
    # As if that reading began a second after the files were written, out of the racy window.
    seen = dataclasses.replace(seen, taken_ns=seen.taken_ns + 1_000_000_000)
    known = {record_key(p.source, p.content_hash, 100_000): p for p in first}

    read: list[str] = []
    read_bytes = Path.read_bytes
    monkeypatch.setattr(Path, "read_bytes", lambda path: read.append(path.name) or read_bytes(path))
    again, _, seen_again = read_records(tmp_path, known=known, seen=seen)
    assert read == [] and again == first and seen_again.files == seen.files
    seen_again = dataclasses.replace(seen_again, taken_ns=seen_again.taken_ns + 1_000_000_000)

    # The same number of bytes, the modification time put back: the change time still tells.
    edited = papers / "2503.10001.md"
    status = edited.stat()
    edited.write_text(edited.read_text().replace("paper about", "paper above"))
    os.utime(edited, ns=(status.st_atime_ns, status.st_mtime_ns))
    assert edited.stat().st_size == status.st_size and edited.stat().st_mtime_ns == status.st_mtime_ns
    read.clear()
    after, _, _ = read_records(tmp_path, known=known, seen=seen_again)
    assert read == ["2503.10001.md"] and after[1].title == "A paper above *attention*"

    # A file changed just before a reading began may change again unseen: read every time.
    racy = SeenFiles(seen.files, taken_ns=status.st_mtime_ns)
    read.clear()
    read_records(tmp_path, known=known, seen=racy)
    assert sorted(read) == ["2503.10000.md", "2503.10001.md", "2503.10002.md"]
