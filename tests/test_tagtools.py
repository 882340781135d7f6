"""Tags that stay tidy (issue 8): `tags`, `tags --suggest`, aliases and descriptions from site.toml."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import lxml.html
import pytest

from generator.cli import main
from generator.pipeline import BuildOptions, build, load_site
from generator.records import load_records
from generator.tagtools import singular, tag_form
from tests.conftest import SAMPLE_CONTENT

MEDICAL = ("rad-dino-exploring-scalable-medical-image-encoders-beyond-text-supervisi",
           "interactive-medical-image-segmentation-a-benchmark-dataset-and-baseline")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out, err = capsys.readouterr()
    return code, out, err


def set_tags(content: Path, stem: str, tags: str) -> None:
    path = content / "papers" / f"{stem}.md"
    text = path.read_text(encoding="utf-8")
    path.write_text(re.sub(r"(?m)^tags: .*$", lambda _m: f"tags: {tags}", text, count=1), encoding="utf-8")


def test_tags_lists_every_sample_tag_with_its_count(capsys: pytest.CaptureFixture[str]) -> None:
    papers, _errors = load_records(SAMPLE_CONTENT)
    counts = Counter(tag for paper in papers for tag in paper.tags)
    code, out, _err = run(capsys, "tags", "--content", str(SAMPLE_CONTENT))
    assert code == 0
    lines = out.splitlines()
    assert lines[0] == f"{len(counts)} tags:"
    listed = {m.group(2): int(m.group(1)) for m in (re.fullmatch(r"\s+(\d+)  (\S.*)", line) for line in lines[1:]) if m}
    assert listed == dict(counts)
    assert "No near-duplicate tags." in out


def test_tags_flags_case_plural_and_hyphen_duplicates(content_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_tags(content_copy, MEDICAL[0], '["LLMs", "medical imaging"]')
    set_tags(content_copy, MEDICAL[1], '["Medical-Imaging"]')
    code, out, _err = run(capsys, "tags", "--content", str(content_copy))
    assert code == 0
    assert re.search(r"`llm` \(\d+\), `LLMs` \(1\): differ in case, plural\n", out), out
    assert re.search(r"`medical-imaging` \(6\), `medical imaging` \(1\), `Medical-Imaging` \(1\): differ in case, hyphen/space\n", out), out
    assert '"medical imaging" = "medical-imaging"' in out and '"LLMs" = "llm"' in out
    # The same records stop the build (two tags, one slug); the listing still works and helps.
    with pytest.raises(Exception):
        load_site(content_copy)


def test_aliases_apply_to_listing_and_site_and_descriptions_show(content_copy: Path, tmp_path: Path,
                                                                  capsys: pytest.CaptureFixture[str]) -> None:
    set_tags(content_copy, MEDICAL[0], '["med-imaging", "multimodal"]')
    with (content_copy / "site.toml").open("a", encoding="utf-8") as toml:
        toml.write('\n[tags.aliases]\n"med-imaging" = "medical-imaging"\n')
    _code, out, _err = run(capsys, "tags", "--content", str(content_copy))
    assert "med-imaging" not in out.replace("medical-imaging", "")
    assert re.search(r"(?m)^\s+8  medical-imaging$", out)

    output = tmp_path / "out"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=None))
    assert not (output / "tags" / "med-imaging").exists()
    tag_page = lxml.html.parse(str(output / "tags" / "medical-imaging" / "index.html")).getroot()
    assert f"/papers/{MEDICAL[0]}/" in " ".join(tag_page.xpath("//main//a/@href"))
    description = "Models and data sets for images from medicine: scans, slides and surgery video."
    assert description in tag_page.text_content()
    assert tag_page.xpath('//meta[@name="description"]/@content') == [description]


def test_suggest_prints_and_writes_only_when_asked(content_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for stem in MEDICAL:
        set_tags(content_copy, stem, "[]")
    before = {stem: (content_copy / "papers" / f"{stem}.md").read_bytes() for stem in MEDICAL}

    code, out, _err = run(capsys, "tags", "--content", str(content_copy), "--suggest")
    assert code == 0
    vocabulary = {tag for paper in load_records(content_copy)[0] for tag in paper.tags}
    for stem in MEDICAL:
        line = next(line for line in out.splitlines() if line.startswith(str(content_copy / "papers" / f"{stem}.md")))
        suggested = re.findall(r"([\w-]+) \((\d\.\d\d)\)", line)
        assert suggested and {tag for tag, _share in suggested} <= vocabulary
        assert (content_copy / "papers" / f"{stem}.md").read_bytes() == before[stem]
    assert "medical-imaging" in out
    assert "Nothing was written" in out

    code, out, _err = run(capsys, "tags", "--content", str(content_copy), "--suggest", "--write")
    assert code == 0 and out.count("  written") == 2
    papers = {paper.slug: paper for paper in load_records(content_copy)[0]}
    for stem in MEDICAL:
        assert papers[stem].tags, stem
        changed = (content_copy / "papers" / f"{stem}.md").read_bytes()
        # Only the tags line changed.
        assert [a for a, b in zip(before[stem].splitlines(), changed.splitlines()) if a != b] == [b"tags: []"]
    load_site(content_copy)
    _code, out, _err = run(capsys, "tags", "--content", str(content_copy), "--suggest")
    assert "Every record has tags" in out


def test_write_needs_suggest(capsys: pytest.CaptureFixture[str]) -> None:
    code, _out, err = run(capsys, "tags", "--content", str(SAMPLE_CONTENT), "--write")
    assert code == 2 and "--write goes with --suggest" in err


@pytest.mark.parametrize(("word", "expected"), [
    ("transformers", "transformer"), ("studies", "study"), ("LLMs", "LLM"), ("boxes", "box"),
    ("class", "class"), ("corpus", "corpus"), ("analysis", "analysis"), ("gas", "gas"),
])
def test_singular(word: str, expected: str) -> None:
    assert singular(word) == expected


def test_tag_form_tells_which_difference_matters() -> None:
    assert tag_form("Vision Transformers") == tag_form("vision-transformer")
    assert tag_form("Vision Transformers", case=False) != tag_form("vision-transformer", case=False)
    assert tag_form("vision language", separators=False) != tag_form("vision-language", separators=False)
    assert tag_form("graph") != tag_form("graphs-x")
