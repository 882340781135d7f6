"""Property tests (issue 11): whatever a record file holds, the loader gives a Paper or errors, never an
exception; whatever an id or a path is, what the build writes stays inside the build folder.
"""

from __future__ import annotations

import os
import posixpath
from pathlib import PureWindowsPath

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from generator.errors import ContentError
from generator.ids import NEW_ARXIV_ID, OLD_ARXIV_ID, InvalidId, check_paper_id, paper_slug, slugify
from generator.characters import FORBIDDEN_CHARACTERS, first_forbidden, without_forbidden
from generator.records import SCHEMA, Paper, parse_record
from generator.write import UnsafePath, check_relative_path

PATH = "content/papers/x.md"
ROOT = "/srv/site/output"
SETTINGS = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Text that stresses loaders: YAML syntax, quotes, controls, line ends, BOMs, Unicode forms.
tricky_text = st.lists(
    st.one_of(
        st.sampled_from(list("-:'\"[]{}#&*!|>%@`,?\\ \t\n\r") + ["---", "...", "\ufeff", "\u2028", "\x00", "\x07",
                                                                 "\x85", "\ufffe", "e\u0301", "é", "<script>", "{{ 7*7 }}"]),
        st.characters(),
    ),
    max_size=30,
).map("".join)

# A YAML value as a curator (or an attacker) might write it.
yaml_value = st.one_of(
    tricky_text.map(lambda text: '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    tricky_text.map(lambda text: "'" + text.replace("'", "''") + "'"),
    tricky_text,
    st.sampled_from(["2503.10000", "no", "on", "~", "null", "2025-03-12", "2025-13-45", "12", "-1", "0x1f", "1e3",
                     "[]", "{}", "[a, b]", "!!python/object/apply:os.system ['true']", "&a x", "*a", "!foo x",
                     "|\n  block", ">-\n  folded", "\n  - one\n  - two", "\n  code: https://example.org/"]),
)
VALID_FIELDS = (("id", '"2503.10000"'), ("title", '"A title"'), ("authors", '["Ada Lovelace"]'),
                ("abstract", '"An abstract."'), ("date", "2025-03-12"), ("tags", '["llm"]'))
field_name = st.one_of(st.sampled_from(list(SCHEMA) + ["date", "links", "onload"]), tricky_text)


@st.composite
def record_files(draw: st.DrawFn) -> bytes:
    """Front matter with schema and random fields, a notes body, in any encoding form we accept or refuse."""
    # Each required field is either valid or anything at all, so many files load and many do not.
    fields = [(name, draw(yaml_value) if draw(st.integers(0, 3)) == 0 else valid) for name, valid in VALID_FIELDS]
    fields += draw(st.lists(st.tuples(field_name, yaml_value), max_size=2))
    fields = draw(st.permutations(fields))
    body = draw(tricky_text)
    text = "---\n" + "".join(f"{name}: {value}\n" for name, value in fields) + draw(st.sampled_from(["---\n", "---\n", "...\n", ""])) + body
    newline = draw(st.sampled_from(["\n", "\r\n", "\r"]))
    data = text.replace("\n", newline).encode("utf-8", "surrogatepass")
    return draw(st.sampled_from([b"", b"", b"\xef\xbb\xbf", b"\xff\xfe"])) + data


def check_outcome(paper: Paper | None, errors: list[ContentError], data: bytes) -> None:
    assert (paper is None) == bool(errors)
    for error in errors:
        assert isinstance(error, ContentError) and error.path == PATH and error.message
        assert error.line is None or 1 <= error.line <= data.count(b"\n") + data.count(b"\r") + 2
    if paper is not None:
        check_paper_id(paper.id)
        assert paper.slug == paper_slug(paper.id)
        assert_inside(f"papers/{paper.slug}/index.html")
        texts = [paper.title, paper.abstract, *paper.authors, *paper.tags, *paper.links.values(),
                 *(value for value in (paper.venue, paper.doi, paper.comments, paper.journal_ref) if value)]
        assert not [text for text in texts if FORBIDDEN_CHARACTERS.search(text)]


def assert_inside(path: str) -> None:
    """`path`, accepted by the writer, lands inside the build folder on POSIX and on Windows."""
    checked = check_relative_path(path)
    joined = posixpath.normpath(posixpath.join(ROOT, checked))
    assert joined.startswith(ROOT + "/"), path
    windows = PureWindowsPath(path)
    assert not windows.drive and not windows.root and ".." not in windows.parts, path


@SETTINGS
@given(st.binary(max_size=400))
def test_any_bytes_give_a_paper_or_errors(data: bytes) -> None:
    paper, errors = parse_record(data, PATH)
    check_outcome(paper, errors, data)


@SETTINGS
@given(st.text(max_size=400))
def test_any_text_gives_a_paper_or_errors(text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    paper, errors = parse_record(data, PATH)
    check_outcome(paper, errors, data)


@SETTINGS
@given(record_files())
def test_any_front_matter_gives_a_paper_or_errors(data: bytes) -> None:
    paper, errors = parse_record(data, PATH, max_chars=1000)
    check_outcome(paper, errors, data)


def one_hostile(valid: str, hostile: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Mostly the valid value, so a record often loads with one or two hostile fields."""
    return st.one_of(st.just(valid), st.just(valid), hostile)


@SETTINGS
@given(st.fixed_dictionaries({
    "id": st.one_of(st.from_regex(NEW_ARXIV_ID, fullmatch=True), st.from_regex(OLD_ARXIV_ID, fullmatch=True),
                    tricky_text),
    "title": one_hostile("A title", tricky_text), "abstract": one_hostile("", tricky_text),
    "tag": one_hostile("llm", tricky_text), "author": one_hostile("Ada", tricky_text),
    "url": one_hostile("https://example.org/", tricky_text.map(lambda text: "https://example.org/" + text)),
}))
def test_records_with_hostile_values_load_safely(values: dict[str, str]) -> None:
    """Valid structure, hostile values: many of these load, and what loads is safe to write."""
    def quoted(text: str) -> str:
        return '"' + "".join(c if c.isprintable() and c not in '"\\' else f"\\U{ord(c):08x}" for c in text) + '"'

    data = (f"---\nid: {quoted(values['id'])}\ntitle: {quoted(values['title'] or 'x')}\n"
            f"authors: [{quoted(values['author'])}]\nabstract: {quoted(values['abstract'])}\ndate: 2025-03-12\n"
            f"tags: [{quoted(values['tag'])}]\nlinks:\n  code: {quoted(values['url'])}\n---\nNotes.\n").encode("utf-8", "surrogatepass")
    paper, errors = parse_record(data, PATH)
    check_outcome(paper, errors, data)


@SETTINGS
@given(st.one_of(st.from_regex(NEW_ARXIV_ID, fullmatch=True), st.from_regex(OLD_ARXIV_ID, fullmatch=True), tricky_text,
                 st.lists(st.sampled_from(["..", ".", "", "a", "con", "b.", "%2e%2e", "\\", "c:", "hep-th", "9901001"]),
                          max_size=5).map("/".join)))
def test_any_id_gives_a_slug_inside_the_build_folder_or_invalid_id(paper_id: str) -> None:
    try:
        slug = paper_slug(paper_id)
    except InvalidId:
        return
    assert "/" not in slug and slug == slug.lower() and slug.isascii()
    for path in (f"papers/{slug}/index.html", f"papers/{slug}/cite.json"):
        assert_inside(path)


@SETTINGS
@given(tricky_text)
def test_any_tag_or_author_slug_stays_inside_the_build_folder(text: str) -> None:
    slug = slugify(text)
    if slug:
        assert_inside(f"tags/{slug}/index.html")
        assert_inside(f"authors/{slug}/page/2/index.html")


segments = st.sampled_from(["..", ".", "", "a", "A", "con", "CON.txt", "lpt1", "b.", "x ", "%2e%2e", "..\\x", "c:",
                            "\x00", "é", "e\u0301", "index.html", "~", "a" * 256])


@SETTINGS
@given(st.one_of(tricky_text, st.lists(segments, min_size=1, max_size=6).map("/".join),
                 st.lists(segments, min_size=1, max_size=6).map(lambda parts: "/" + "/".join(parts))))
def test_any_path_the_writer_accepts_stays_inside_the_build_folder(path: str) -> None:
    try:
        checked = check_relative_path(path)
    except UnsafePath:
        return
    assert checked == path and "\x00" not in path
    assert_inside(path)
    assert os.path.join(ROOT, path) == posixpath.join(ROOT, path)


@settings(max_examples=2000, deadline=None)
@given(st.text(alphabet=st.characters(codec=None), max_size=8) | st.text(
    alphabet=st.sampled_from(["a", "\n", "\t", "\x07", "\x85", "\ud800", "\ufdd0", "\ufffe", "\U0001fffe", "\u00a0", "é"]),
    max_size=8))
def test_forbidden_characters_are_found_and_removed_whatever_the_text(text: str) -> None:
    """`first_forbidden` and `without_forbidden` take a printable text as it is: none is forbidden."""
    found = FORBIDDEN_CHARACTERS.search(text)
    assert (first_forbidden(text) is None) == (found is None)
    if found:
        assert first_forbidden(text).group() == found.group()  # type: ignore[union-attr]
    assert without_forbidden(text) == FORBIDDEN_CHARACTERS.sub("", text)
