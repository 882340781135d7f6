"""The benchmark runs end to end at a tiny size and prints every figure (no timing is asserted)."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
from pathlib import Path

from generator.corpus import CoinedWords, generate_corpus
from generator.hugo_compare import write_hugo_site
from generator.related import paper_text, words
from generator.stop_words import ENGLISH_STOP_WORDS
from tests.conftest import ROOT, SAMPLE_CONTENT


def test_bench_prints_every_figure(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    result = subprocess.run(
        [sys.executable, "build.py", "bench", "--papers", "200", "--keep", str(tmp_path / "work"), "--export", str(corpus),
         "--edits", "2"],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    for label in ("cold full build (empty cache)", "warm rebuild, nothing changed", "one abstract changed",
                  "one title changed", "one template changed"):
        row = re.search(re.escape(label) + r"\s+([\d.]+)\s+(\d+)\s+(\d+)\s+(\d+)", out)
        assert row, f"missing row {label!r} in:\n{out}"
    rendered = {label: int(re.search(re.escape(label) + r"\s+[\d.]+\s+\d+\s+(\d+)", out).group(1))
                for label in ("warm rebuild, nothing changed", "one abstract changed", "one template changed")}
    assert rendered["warm rebuild, nothing changed"] == 0
    assert 0 < rendered["one abstract changed"] < 50
    assert "search index build (cold)" in out and "output" in out and "import of 200 JSON lines" in out
    assert re.search(r"cold build steps: load [\d.]+s, .*render [\d.]+s", out)
    assert re.search(r"steps after one abstract changed: load [\d.]+s, .*render [\d.]+s", out)
    assert re.search(r"first two-word query .* KB gzip", out)
    assert re.search(r"MB in \d+ files; the Pages artifact is a [\d.]+ MB tar .*, stored as [\d.]+ MB compressed", out)
    assert re.search(r"preview server, .*\(median of 2\): abstract \d+ ms, title \d+ ms; a base template edit [\d.]+ s", out)
    assert len(corpus.read_text(encoding="utf-8").splitlines()) == 200
    assert len(list((tmp_path / "work" / "content" / "papers").glob("*.md"))) == 200


def test_bench_runs_again_in_a_kept_folder(tmp_path: Path) -> None:
    for papers in ("30", "20"):
        result = subprocess.run(
            [sys.executable, "build.py", "bench", "--papers", papers, "--keep", str(tmp_path / "work"), "--edits", "1",
             "--no-browser", "--no-serve"],
            cwd=ROOT, capture_output=True, text=True, timeout=600,
        )
        assert result.returncode == 0, result.stderr
        assert f"{papers} papers" in result.stdout
    assert len(list((tmp_path / "work" / "content" / "papers").glob("*.md"))) == 20


def test_corpus_is_deterministic_and_spread_over_days() -> None:
    first = list(generate_corpus(300, SAMPLE_CONTENT))
    assert first == list(generate_corpus(300, SAMPLE_CONTENT))
    assert len({record["id"] for record in first}) == 300
    days = {record["date"] for record in first}
    assert len(days) == 20  # about 15 papers a day
    assert all(1 <= len(record["tags"]) <= 4 for record in first)


def test_corpus_vocabulary_keeps_growing_as_real_abstracts_do() -> None:
    """The sample's vocabulary grows as papers^0.6 (x4 for ten times the papers); sentences
    recombined from it alone would stop at the sample's own terms (x1.2 from 200 to 2,000 papers)."""
    seen: set[str] = set()
    sizes = {}
    for number, record in enumerate(generate_corpus(2000, SAMPLE_CONTENT), start=1):
        seen.update(words(paper_text(str(record["title"]), str(record["abstract"]))))
        if number in (200, 2000):
            sizes[number] = len(seen)
    assert sizes[2000] > 3 * sizes[200]


def test_coined_words_are_never_stop_words() -> None:
    from lunr.stop_word_filter import WORDS

    coined = CoinedWords(random.Random(1))
    ranks = [*range(20_000), *range(20_000, CoinedWords.SIZE, 397)]
    assert not {coined.word(rank) for rank in ranks} & (ENGLISH_STOP_WORDS | set(WORDS))
    assert all(0 <= coined.rank() < CoinedWords.SIZE for _ in range(10_000))


def test_hugo_site_holds_every_paper(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_text("".join(json.dumps(r) + "\n" for r in generate_corpus(30, SAMPLE_CONTENT)), encoding="utf-8")
    write_hugo_site(corpus, tmp_path / "hugo", "http://127.0.0.1/")
    pages = list((tmp_path / "hugo" / "content" / "papers").glob("*.md"))
    assert len(pages) == 30
    front = json.loads(pages[0].read_text(encoding="utf-8").split("\n\n", 1)[0])
    assert set(front) == {"title", "date", "tags", "authors"}
