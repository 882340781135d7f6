"""Record files as the importer writes them: what YAML reads back, what the loader accepts, atomic writes."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.importers import record_file
from generator.importers.base import one_line, paragraphs
from generator.importers.record_file import AtomicWriter, read_record, render_record, render_sidecar
from generator.records import parse_record

SAMPLE = Path(__file__).parent.parent / "content" / "papers"


def base_fields(**changes: object) -> dict[str, object]:
    fields: dict[str, object] = {
        "id": "2503.10000", "title": "T", "authors": [], "abstract": "", "date": dt.date(2025, 3, 12), "tags": [],
    }  # fmt: skip
    fields.update(changes)
    return fields


def front_matter(text: str) -> dict[str, object]:
    return yaml.safe_load(text.split("---\n")[1])


def test_layout_and_quoting() -> None:
    text = render_record(
        base_fields(
            title='NV-Embed: "Improved" # not a comment', authors=["Oscar Mañas", "null"], abstract="First <EOS> $x$.\n\nSecond: yes",
            tags=["no", "on", "2025"], published=dt.date(2025, 3, 11), version=2, links={"code": "https://github.com/a/b"},
            upvotes=7, doi="10.1/x", comments="10 pages", journal_ref="Phys. Rev. B 1, 2 (2005)", venue="NeurIPS 2024",
        ),
        "Notes.\n",
    )  # fmt: skip
    assert text == (
        "---\n"
        'id: "2503.10000"\n'
        'title: "NV-Embed: \\"Improved\\" # not a comment"\n'
        'authors: ["Oscar Mañas", "null"]\n'
        "abstract: |-\n"
        "  First <EOS> $x$.\n"
        "\n"
        "  Second: yes\n"
        "date: 2025-03-12\n"
        'tags: ["no", "on", "2025"]\n'
        "published: 2025-03-11\n"
        "version: 2\n"
        "links:\n"
        '  code: "https://github.com/a/b"\n'
        'venue: "NeurIPS 2024"\n'
        "upvotes: 7\n"
        'doi: "10.1/x"\n'
        'comments: "10 pages"\n'
        'journal_ref: "Phys. Rev. B 1, 2 (2005)"\n'
        "---\n"
        "Notes.\n"
    )
    paper, errors = parse_record(text.encode("utf-8"), "content/papers/2503.10000.md")
    assert errors == []
    assert paper is not None and paper.tags == ("no", "on", "2025") and paper.authors == ("Oscar Mañas", "null")


def test_empty_abstract_is_an_empty_string() -> None:
    assert 'abstract: ""\n' in render_record(base_fields(), "")


# Any text a source might hand over, after the importer's own clean-up.
texts = st.text(st.characters(blacklist_categories=("Cs",)), max_size=300)


@settings(max_examples=300, deadline=None)
@given(title=texts, abstract=texts, author=texts, tag=texts, comments=texts)
def test_any_text_survives_the_round_trip(title: str, abstract: str, author: str, tag: str, comments: str) -> None:
    fields = base_fields(
        title=one_line(title) or "T", abstract=paragraphs(abstract), authors=[one_line(author) or "A"],
        tags=[one_line(tag) or "t"], comments=one_line(comments) or None,
    )  # fmt: skip
    fields = {name: value for name, value in fields.items() if value is not None}
    text = render_record(fields, "")
    assert front_matter(text) == fields
    if fields["abstract"]:
        assert "\nabstract: |" in text  # always the literal block, never a fallback style
    paper, errors = parse_record(text.encode("utf-8"), "x.md")
    assert errors == []
    assert paper is not None and paper.abstract == fields["abstract"] and paper.title == fields["title"]


@pytest.mark.skipif(not hasattr(yaml, "CSafeDumper"), reason="PyYAML without libyaml")
def test_libyaml_and_python_dumpers_write_the_same_bytes(monkeypatch: pytest.MonkeyPatch) -> None:
    records = [read_record(path) for path in sorted(SAMPLE.glob("*.md"))]
    assert records, "the sample content is missing"
    with_c = [render_record(record.fields, record.body) for record in records]
    monkeypatch.setattr(record_file, "_Dumper", yaml.SafeDumper)
    assert [render_record(record.fields, record.body) for record in records] == with_c


def test_sample_records_are_in_the_importers_own_format() -> None:
    for path in sorted(SAMPLE.glob("*.md")):
        record = read_record(path)
        assert render_record(record.fields, record.body) == path.read_text(encoding="utf-8"), path


def test_atomic_writer_commits_all_or_leaves_everything(tmp_path: Path) -> None:
    first, second = tmp_path / "papers" / "a.md", tmp_path / ".imported" / "a.json"
    with AtomicWriter() as writer:
        writer.stage(first, "one\n")
        writer.stage(second, "{}\n")
        assert not first.exists()  # nothing is visible before the commit
    assert first.read_text() == "one\n" and second.read_text() == "{}\n"

    with pytest.raises(KeyboardInterrupt), AtomicWriter() as writer:
        writer.stage(first, "two\n")
        raise KeyboardInterrupt
    assert first.read_text() == "one\n"
    assert sorted(p.name for p in tmp_path.rglob("*") if p.is_file()) == ["a.json", "a.md"]  # no temporary files left


def test_sidecar_is_readable_json(tmp_path: Path) -> None:
    path = tmp_path / "x.json"
    path.write_text(render_sidecar("hf", {"id": "2503.10000", "date": dt.date(2025, 3, 12), "tags": ["a"]}), encoding="utf-8")
    assert record_file.read_sidecar(path) == {"id": "2503.10000", "date": dt.date(2025, 3, 12), "tags": ["a"]}
    path.write_text("not json", encoding="utf-8")
    assert record_file.read_sidecar(path) is None


def test_characters_beyond_the_basic_plane_stay_readable() -> None:
    text = render_record(base_fields(title="Hugging 🤗 Face's 𝒳", authors=["Zoë 🤗"], abstract="We 🤗 it."), "")
    assert "title: 'Hugging 🤗 Face''s 𝒳'\n" in text
    assert "abstract: |-\n  We 🤗 it.\n" in text
    assert front_matter(text)["title"] == "Hugging 🤗 Face's 𝒳"
