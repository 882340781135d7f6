"""Search data: the term index against lunr.py, the shards, the display records,
and lunr.js (through the client's own code under Node) against lunr.py."""

from __future__ import annotations

import dataclasses
import gzip
import json
import re
import shutil
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from lunr import lunr
from lunr.index import Index
from lunr.stemmer import porter_stemmer
from lunr.tokenizer import Tokenizer

from generator import search
from generator.search import (
    SEARCH_FIELDS,
    SearchDocument,
    Tokeniser,
    build_search_files,
    build_term_index,
    document_order,
    make_search_files,
    id_bucket,
    lunr_document,
    partition_terms,
)
from tests.test_search_corpus import fixture_docs, generated_docs

ROOT = Path(__file__).parent.parent
LUNR_DIR = ROOT / "themes" / "default" / "node_modules" / "lunr"
CLIENT = ROOT / "themes" / "default" / "static" / "search.js"
PARITY_SCRIPT = Path(__file__).parent / "search_parity.js"
FIELDS = [name for name, _ in SEARCH_FIELDS]


# --- helpers ----------------------------------------------------------------------


def reference_index(ordered: Sequence[SearchDocument]) -> Index:
    """The index lunr.py's standard `lunr()` builds from the same documents."""
    return lunr(
        ref="ref",
        fields=[{"field_name": name, "boost": boost} for name, boost in SEARCH_FIELDS],
        documents=[lunr_document(d) for d in ordered],
    )


def expand(shards: Sequence[dict], refs: Sequence[str]) -> dict:
    """Shards as lunr's serialised index, refs mapped back to paper ids (search.js's expandShards)."""
    inverted = {}
    vectors: dict[str, list[tuple[int, float]]] = {}
    for shard in shards:
        for term, term_index, *per_field in shard["terms"]:
            posting: dict = {}
            for name, pairs in zip(FIELDS, per_field):
                doc = 0
                posting[name] = {}
                for gap, score in zip(pairs[0::2], pairs[1::2]):
                    doc += gap
                    posting[name][refs[doc]] = {}
                    vectors.setdefault(f"{name}/{refs[doc]}", []).append((term_index, score / 1000))
            posting["_index"] = term_index
            inverted[term] = posting
    return {
        "version": "2.3.9",
        "fields": FIELDS,
        "fieldVectors": [[ref, [x for pair in sorted(v) for x in pair]] for ref, v in vectors.items()],
        "invertedIndex": [[term, inverted[term]] for term in sorted(inverted)],
        "pipeline": ["stemmer"],
    }


def shards_of(files: dict[str, bytes]) -> tuple[list[str], list[dict]]:
    manifest = json.loads(files["manifest.json"])
    return manifest["shards"], [json.loads(files[f"shards/{n}.json"]) for n in range(len(manifest["shards"]))]


def write_site(files: dict[str, bytes], folder: Path) -> Path:
    for name, data in files.items():
        target = folder / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return folder


def run_client(data: Path, queries: Sequence[str] = (), *, fresh: bool = False, stems: Sequence[str] = ()) -> dict:
    """The client's search core in Node with the theme's lunr.js (tests/search_parity.js)."""
    node = shutil.which("node")
    assert node, "search tests need Node.js (`node` on PATH)"
    assert (LUNR_DIR / "lunr.js").exists(), f"`{LUNR_DIR}/lunr.js` is missing (hint: `npm ci` in themes/default)"
    request = data.parent / f"{data.name}-request.json"
    request.write_text(
        json.dumps(
            {
                "lunr": str(LUNR_DIR / "lunr.js"),
                "client": str(CLIENT),
                "data": str(data),
                "queries": list(queries),
                "fresh": fresh,
                "stems": list(stems),
            }
        )
    )
    done = subprocess.run([node, str(PARITY_SCRIPT), str(request)], capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def ranked(results: Sequence[tuple[str, float]]) -> list[tuple[str, float]]:
    """Results by descending score, ties by ref: lunr's order up to its tie order."""
    return sorted(results, key=lambda r: (-r[1], r[0]))


def assert_parity(ordered: Sequence[SearchDocument], data: Path, queries: Sequence[str]) -> dict:
    """lunr.js on the built files answers every query as lunr.py's own index does."""
    reference = reference_index(ordered)
    out = run_client(data, queries)
    for query, row in zip(queries, out["queries"]):
        try:
            expected = ranked([(r["ref"], r["score"]) for r in reference.search(query)])
        except Exception as error:  # lunr.py's QueryParseError and its other refusals
            assert row["error"], f"{query!r}: lunr.py refused it ({error}), lunr.js did not"
            continue
        assert row["error"] is None, f"{query!r}: {row['error']}"
        got = ranked([(ordered[doc].ref, score) for doc, score in row["hits"]])
        assert [r for r, _ in got] == [r for r, _ in expected], query
        for (ref, score), (_, want) in zip(got, expected):
            assert score == pytest.approx(want, abs=1e-6), (query, ref)
    return out


# --- terms and scores -------------------------------------------------------------


def test_terms_are_lunr_tokenizer_and_pipeline_terms() -> None:
    tokeniser = search.Tokeniser()
    for doc in fixture_docs():
        for name, text in lunr_document(doc).items():
            if name == "ref":
                continue
            expected = [str(t) for t in tokeniser.pipeline.run(Tokenizer(text))]
            got = [tokeniser.terms[n] for n in map(tokeniser.word_number, search._SPLIT(text.lower()))]
            assert [term for term in got if term] == expected, (doc.ref, name)


def assert_single_shard_is_lunr_py_index(docs: Sequence[SearchDocument]) -> None:
    files = build_search_files(docs)
    keys, shards = shards_of(files)
    ordered = document_order(docs)
    mine = expand(shards, [d.ref for d in ordered])
    theirs = reference_index(ordered).serialize()
    assert mine["invertedIndex"] == theirs["invertedIndex"]
    nonempty = {ref: v for ref, v in theirs["fieldVectors"] if v}
    assert dict(mine["fieldVectors"]) == nonempty


def test_single_shard_is_exactly_lunr_py_index() -> None:
    docs = fixture_docs()
    assert shards_of(build_search_files(docs))[0] == [""]
    assert_single_shard_is_lunr_py_index(docs)


_TEXT = st.lists(st.sampled_from(["model", "models", "Modelling", "graph-based", "the", "a", "of", "data", "Data",
                                  "self-supervised", "survey", "x", "-", "  ", "\n", "\xa0", "naïve", "2.5",
                                  "attention", "attentive"]), max_size=30).map(" ".join)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_TEXT, _TEXT, _TEXT, _TEXT), min_size=1, max_size=8))
def test_any_small_corpus_is_exactly_lunr_py_index(fields: list[tuple[str, str, str, str]]) -> None:
    """Repeated, stemmed-together, stop and empty words, empty fields: terms, numbers and scores as lunr.py's."""
    docs = [SearchDocument(ref=f"p{n}", url=f"/p{n}/", title=title, authors=(author,) if author else (),
                           tags=(), tag_slugs=(), abstract=abstract, notes=notes, day=f"2025-01-{n + 1:02d}",
                           has_code=False)
            for n, (title, author, abstract, notes) in enumerate(fields)]
    assert_single_shard_is_lunr_py_index(docs)


def test_an_earlier_builds_tokens_are_reused_and_follow_the_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Only the fields of new or changed documents are split, and only words no earlier build saw
    go through lunr's pipeline; the result is the same index, and the words kept are those of the
    documents now."""
    from lunr.pipeline import Pipeline

    docs = fixture_docs()
    tokeniser = Tokeniser()
    assert build_search_files(docs, tokeniser=tokeniser) == build_search_files(docs)
    kept = tokeniser.kept
    assert kept is not None and len(kept.documents) == len(docs)
    assert kept.terms[kept.words.index("models")] == "model" and kept.terms[kept.words.index("the")] == ""

    new = dataclasses.replace(docs[1], ref="p-new", title="Wombats", abstract="Wombats and models")
    edited = [dataclasses.replace(docs[0], abstract="Quokkas and zyzzyvas."), *docs[1:-1], new]
    split: list[str] = []
    split_as_lunr = search._SPLIT
    monkeypatch.setattr(search, "_SPLIT", lambda text: split.append(text) or split_as_lunr(text))
    stemmed: list[str] = []
    run = Pipeline.run
    monkeypatch.setattr(Pipeline, "run", lambda self, tokens: stemmed.extend(map(str, tokens)) or run(self, tokens))
    incremental = build_search_files(edited, tokeniser=Tokeniser(kept))
    monkeypatch.undo()

    assert sorted(split) == sorted(text.lower() for doc in (edited[0], new)
                                   for name, text in lunr_document(doc).items() if name != "ref" and text)
    assert sorted(stemmed) == ["quokkas", "wombats", "zyzzyvas."]  # the trimmer takes the full stop off later
    assert incremental == build_search_files(edited)


def test_search_data_built_again_after_each_of_a_series_of_edits_is_what_a_first_build_makes() -> None:
    docs = generated_docs(300)
    tokeniser = Tokeniser()
    build_search_files(docs, tokeniser=tokeniser)
    words = tokeniser.kept.words
    edits = [
        lambda d: [dataclasses.replace(d[5], abstract=d[5].abstract + " quokkaology"), *d[:5], *d[6:]],  # a new word, a doc moved
        lambda d: [dataclasses.replace(d[0], title=""), *d[1:]],  # a field emptied
        lambda d: [*d[:10], *d[11:]],  # a document gone, with the words only it held
        lambda d: [*d, dataclasses.replace(d[3], ref="copy")],  # the same fields twice
        lambda d: [dataclasses.replace(x, notes=f"{x.notes} Revised.") for x in d],  # every document
        lambda d: d[:1],
    ]
    for edit in edits:
        docs = edit(docs)
        incremental = build_search_files(docs, shard_threshold=100, tokeniser=tokeniser)
        assert incremental == build_search_files(docs, shard_threshold=100)
        assert set(tokeniser.kept.words) == {word for doc in docs for name, text in lunr_document(doc).items()
                                             if name != "ref" and text for word in search._SPLIT(text.lower())}
    assert len(words) > 1000 > len(tokeniser.kept.words)


def test_search_files_encoded_again_only_where_their_data_changed_are_what_a_first_build_makes() -> None:
    """Each build keeps the files whose data did not change since the one before and encodes the
    rest: the folder it leaves must be, file for file, what a first build writes."""
    docs = generated_docs(300)
    made = make_search_files(docs, shard_threshold=100)
    folder, keys = dict(made.made), made.keys
    assert not made.unchanged and folder == build_search_files(docs, shard_threshold=100)
    first_word = lambda text: text.split()[0]  # noqa: E731
    edits = [
        lambda d: [dataclasses.replace(d[7], abstract=f"{d[7].abstract} {first_word(d[7].abstract)}"), *d[:7], *d[8:]],  # a score
        lambda d: [dataclasses.replace(d[5], abstract=d[5].abstract + " quokkaology"), *d[:5], *d[6:]],  # a new word
        lambda d: [dataclasses.replace(d[40], title=d[40].title + "!"), *d[:40], *d[41:]],  # the display record only
        lambda d: [dataclasses.replace(d[3], tags=(*d[3].tags, "Wombats"), tag_slugs=(*d[3].tag_slugs, "wombats")),
                   *d[:3], *d[4:]],  # a facet
        lambda d: [*d[:10], *d[11:]],  # a document gone: the numbers after it move
        lambda d: d,  # nothing
    ]
    for edit in edits:
        docs = edit(docs)
        made = make_search_files(docs, shard_threshold=100, previous=keys, in_place=folder.__contains__)
        assert made.unchanged and not set(made.unchanged) & set(made.made)
        folder = {**{path: folder[path] for path in made.unchanged}, **made.made}
        keys = made.keys
        assert folder == build_search_files(docs, shard_threshold=100)
    assert set(made.made) == {"manifest.json"}
    # A file that is not in place is encoded again, whatever its key says.
    del folder["facets.json"]
    again = make_search_files(docs, shard_threshold=100, previous=keys, in_place=folder.__contains__)
    assert "facets.json" in again.made and "facets.json" not in again.unchanged


def test_a_terms_posting_digest_follows_its_order_fields_gaps_and_scores() -> None:
    import numpy as np

    def digest(postings_per_field: list[list[tuple[int, int]]]) -> int:
        """The digest of one term whose fields hold these (gap, score) postings, after another term's."""
        fields = [[(1, 500)], *[[] for _ in FIELDS[1:]]] + postings_per_field
        starts = np.concatenate(([0], np.cumsum([len(postings) for postings in fields])))
        pairs = np.array([value for postings in fields for pair in postings for value in pair], dtype=np.int32)
        index = search.TermIndex(["other", "term"], starts, pairs)
        return int(index.posting_digests()[1])

    empty = [[] for _ in FIELDS]
    base = digest([[(2, 700), (3, 800)], *empty[1:]])
    assert base == digest([[(2, 700), (3, 800)], *empty[1:]])
    assert base != digest([[(3, 800), (2, 700)], *empty[1:]])  # order
    assert base != digest([[(2, 700), (3, 801)], *empty[1:]])  # a score
    assert base != digest([[(2, 700), (4, 800)], *empty[1:]])  # a gap
    assert base != digest([[(2, 700)], [(3, 800)], *empty[2:]])  # a field


def test_posting_digests_do_not_depend_on_the_batches_they_are_made_in(monkeypatch: pytest.MonkeyPatch) -> None:
    index = build_term_index([lunr_document(d) for d in fixture_docs()])
    whole = index.posting_digests()
    postings = index.posting_counts()
    assert len(whole) == len(index.terms) and max(postings) > 3 and len(set(whole.tolist())) > len(whole) // 3
    for batch in (1, 3, max(postings) + 1):  # a term larger than a batch; batches of several terms
        monkeypatch.setattr(search, "DIGEST_BATCH", batch)
        assert index.posting_digests().tobytes() == whole.tobytes()


def test_scores_are_thousandths_that_read_back_exactly() -> None:
    index = build_term_index([lunr_document(d) for d in fixture_docs()])
    scores = index.pairs[1::2].tolist()
    assert scores
    for score in scores:
        assert isinstance(score, int) and score > 0
        assert round(score / 1000, 3) == score / 1000


def test_thousandths_round_as_lunr_py_does_near_halves() -> None:
    """Values next to a half thousandth: a plain rint of value * 1000 gets about half of these wrong."""
    import numpy as np

    halves = (np.arange(200_000) + 0.5) / 1000
    spread = np.random.default_rng(3).uniform(0, 300, 100_000)
    for values in (halves, np.nextafter(halves, 0), np.nextafter(halves, 1), spread):
        assert search.thousandths(values).tolist() == [round(round(v, 3) * 1000) for v in values.tolist()]


def test_document_order_is_newest_first_then_id() -> None:
    ordered = document_order(fixture_docs())
    days = [d.day for d in ordered]
    assert days == sorted(days, reverse=True)
    for a, b in zip(ordered, ordered[1:]):
        assert a.day > b.day or a.ref < b.ref


def test_duplicate_ids_are_refused() -> None:
    doc = fixture_docs()[0]
    with pytest.raises(ValueError, match="`2503.10000` appears twice"):
        build_search_files([doc, doc])


def test_no_documents_builds_an_empty_search() -> None:
    files = build_search_files([])
    manifest = json.loads(files["manifest.json"])
    assert manifest["shards"] == [] and manifest["docCount"] == 0


# --- shards -----------------------------------------------------------------------


def test_partition_puts_each_term_under_its_longest_key() -> None:
    sizes = {t: 10 for t in ["a", "ab", "abc", "abd", "b", "ba", "bb", "bc", "c"]}
    sizes["abc"] = 100
    shards = partition_terms(sizes, target=30)
    # "abc" alone is over the target; the rest of "a" fits in the root shard.
    assert shards == {"": ["a", "ab", "abd"], "abc": ["abc"], "b": ["b", "ba", "bb"], "bc": ["bc"], "c": ["c"]}
    assert partition_terms(sizes, target=10**6) == {"": sorted(sizes)}


def test_sharded_index_covers_every_term_once_under_longest_key() -> None:
    docs = generated_docs(3000)
    files = build_search_files(docs, shard_threshold=1000)
    keys, shards = shards_of(files)
    assert len(keys) > 20 and keys == sorted(keys)
    index = build_term_index([lunr_document(d) for d in document_order(docs)])
    numbers = index.term_numbers()
    seen: dict[str, str] = {}
    for key, shard in zip(keys, shards):
        for entry in shard["terms"]:
            term = entry[0]
            assert term not in seen
            seen[term] = key
            assert key == max((k for k in keys if term.startswith(k)), key=len)
            assert entry[1] == numbers[term]
    assert seen.keys() == numbers.keys()
    for number, key in enumerate(keys):
        size = len(files[f"shards/{number}.json"])
        assert size <= 2 * search.SHARD_TARGET_BYTES or len(shards[number]["terms"]) == 1, key


@settings(max_examples=40, deadline=None)
@given(
    words=st.lists(st.sampled_from(["model", "models", "learning", "graph", "survey", "key", "attention", "data",
                                    "transformer", "privacy", "the", "quantum", "vision", "zzz", "a"]),
                   min_size=1, max_size=3),
    target=st.sampled_from([200, 2_000, 20_000]),
)
def test_merge_of_needed_shards_scores_as_whole_index(words: list[str], target: int) -> None:
    """Any query's terms' shards, merged, answer exactly as lunr.py's whole index."""
    ordered = document_order(fixture_docs())
    index = build_term_index([lunr_document(d) for d in ordered])
    numbers = index.term_numbers()
    groups = partition_terms(search._term_sizes(index), target)
    keys = sorted(groups)
    needed = {max((k for k in keys if porter_stemmer.stem(w).startswith(k)), key=len, default=None) for w in words}
    shards = [{"terms": [search.shard_entry(index, numbers[t]) for t in groups[k]]} for k in sorted(needed - {None})]
    merged = Index.load(expand(shards, [d.ref for d in ordered]))
    query = " ".join(words)
    want = ranked([(r["ref"], r["score"]) for r in reference_index(ordered).search(query)])
    got = ranked([(r["ref"], r["score"]) for r in merged.search(query)])
    assert got == want


# --- display records, facets, ids ---------------------------------------------------


def test_display_records_are_chunked_in_document_order() -> None:
    docs = fixture_docs()
    files = build_search_files(docs)
    ordered = document_order(docs)
    manifest = json.loads(files["manifest.json"])
    records = [r for n in range(-(-len(docs) // manifest["docChunk"])) for r in json.loads(files[f"docs/{n}.json"])]
    assert [r["id"] for r in records] == [d.ref for d in ordered]
    first = records[0]
    doc = ordered[0]
    assert first["url"] == doc.url and first["title"] == doc.title and first["day"] == doc.day
    assert first["tags"] == [list(p) for p in zip(doc.tags, doc.tag_slugs)]
    assert all(len(r["snippet"]) <= search.SNIPPET_CHARS + 1 for r in records)
    hostile = next(r for r in records if r["id"] == "2501.08520")
    assert hostile["title"].startswith("<img src=x onerror=alert(1)>")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Short abstract.", "Short abstract."),
        ("word " * 60, ("word " * 40).strip() + "…"),
        ("x" * 250, "x" * 200 + "…"),
    ],
)
def test_snippet_cuts_at_a_word(text: str, expected: str) -> None:
    assert search.snippet(text) == expected


def test_facets_count_tags_months_and_code() -> None:
    docs = fixture_docs()
    ordered = document_order(docs)
    table = json.loads(build_search_files(docs)["facets.json"])
    slugs = [slug for slug, _ in table["tags"]]
    for slug, gaps in zip(slugs, table["tagDocs"]):
        numbers = [sum(gaps[: i + 1]) for i in range(len(gaps))]
        assert numbers == [n for n, d in enumerate(ordered) if slug in d.tag_slugs]
    months = [table["months"][m] for m, count in table["monthRuns"] for _ in range(count)]
    assert months == [d.day[:7] for d in ordered]
    code = [sum(table["code"][: i + 1]) for i in range(len(table["code"]))]
    assert code == [n for n, d in enumerate(ordered) if d.has_code]


def test_every_id_is_in_its_bucket() -> None:
    docs = generated_docs(2500)
    files = build_search_files(docs, shard_threshold=10**6)
    manifest = json.loads(files["manifest.json"])
    assert manifest["idBuckets"] == 3
    ordered = document_order(docs)
    for number, doc in enumerate(ordered):
        bucket = json.loads(files[f"ids/{id_bucket(doc.ref, 3)}.json"])
        assert bucket[doc.ref] == number


def test_build_hash_follows_content() -> None:
    docs = fixture_docs()
    first = json.loads(build_search_files(docs)["manifest.json"])["build"]
    again = json.loads(build_search_files(list(reversed(docs)))["manifest.json"])["build"]
    changed = json.loads(build_search_files(docs[1:])["manifest.json"])["build"]
    assert first == again != changed


# --- lunr.js (the client's core under Node) against lunr.py ---------------------------

FIXTURE_QUERIES = [
    "transformer", "transformers", "attention", "survey", "key", "ways", "try", "played", "array",
    "language models", "diffusion privacy", "graph neural networks", "the",
    "title:transformers", "title:survey language", "authors:haddad", "tags:privacy", "notes:useful",
    "+language -survey", "+diffusion +models", "-survey", "-survey -models", "+title:language +abstract:retrieval",
    "trans*", "learn*", "t*", "*former", "*form", "mod*ls", "modl~1", "atention~1", "langauge~2", "x~1",
    "attention^10 transformer", "schrödinger", "zürich", "北京", "王小明", "o'brien", "<img", "$\\omega",
    "zzzz", "+zzzz language", "2503.10000", "hep-th/9901001",
    "title:", "+", "-", "foo:bar", "title:~1",
]


def test_unsharded_lunr_js_matches_lunr_py(tmp_path: Path) -> None:
    docs = fixture_docs()
    data = write_site(build_search_files(docs), tmp_path / "search")
    out = assert_parity(document_order(docs), data, FIXTURE_QUERIES)
    errors = {row["query"] for row in out["queries"] if row["error"]}
    assert errors == {"title:", "+", "-", "foo:bar", "title:~1"}


def corpus_queries(docs: Sequence[SearchDocument]) -> list[str]:
    """Queries drawn from the corpus: frequent and rare words, fields, operators, wildcards, typos."""
    words = sorted({w.lower() for d in docs[:200] for w in re.findall(r"[a-z]{4,}", d.abstract)})
    frequent = ["model", "models", "learning", "data", "training", "language", "attention", "survey", "key"]
    rare = words[::max(1, len(words) // 25)]
    author = docs[5].authors[0].split()[-1].lower()
    queries = frequent + rare + [
        "language models", "diffusion privacy", "graph neural networks", f"{rare[0]} {rare[1]}",
        f"title:{docs[3].title.split()[0].lower()}", f"authors:{author}", "tags:topic", "+tags:privacy",
        "+language -models", "+training +data", "-learning", "+model -tabular -speech",
        "trans*", "learn*", "mo*", "*former", "*tion", "modl~1", "lanuage~1", "trainng~2", "dat~1",
        "attention^5 models", "model~1 trans*", f"{rare[2][:3]}*", "qu*", "zzzz", "+zzzz model",
    ]
    return queries


def test_sharded_lunr_js_matches_lunr_py(tmp_path: Path) -> None:
    docs = generated_docs(3000)
    files = build_search_files(docs)  # 3,000 documents are above the default threshold
    keys, _ = shards_of(files)
    assert len(keys) > 50
    data = write_site(files, tmp_path / "search")
    queries = corpus_queries(document_order(docs))
    out = assert_parity(document_order(docs), data, queries)
    by_query = {row["query"]: row for row in out["queries"]}
    # Download only what a query needs; a leading wildcard needs every shard.
    assert len(by_query["language models"]["shards"]) <= 4
    assert len(by_query["model"]["shards"]) == 1
    assert len(by_query["*former"]["shards"]) == len(keys)
    assert len(by_query["trans*"]["shards"]) < len(keys) // 4


def test_client_finds_papers_by_arxiv_id(tmp_path: Path) -> None:
    docs = generated_docs(2500)
    ordered = document_order(docs)
    data = write_site(build_search_files(docs, shard_threshold=10**6), tmp_path / "search")
    script = f"""
const lunr = require({json.dumps(str(LUNR_DIR / "lunr.js"))});
const client = require({json.dumps(str(CLIENT))});
const fs = require('fs');
const engine = client.createEngine(lunr, async (p) => JSON.parse(fs.readFileSync({json.dumps(str(data))} + '/' + p.split('?')[0])));
(async () => {{
  const out = {{}};
  for (const q of process.argv.slice(1)) out[q] = await engine.lookupId(q);
  out.buckets = {json.dumps([d.ref for d in ordered[:50]])}.map((id) => client.idBucket(id, 3));
  console.log(JSON.stringify(out));
}})();
"""
    ref = ordered[1234].ref
    queries = [ref, f"arXiv:{ref}v2", f"https://arxiv.org/abs/{ref}v3", "2599.99999", "attention"]
    done = subprocess.run(["node", "-e", script, *queries], capture_output=True, text=True, check=True)
    found = json.loads(done.stdout)
    assert [found[q] for q in queries] == [1234, 1234, 1234, None, None]
    assert found["buckets"] == [id_bucket(d.ref, 3) for d in ordered[:50]]


def test_query_stemmer_is_lunr_py_stemmer(tmp_path: Path) -> None:
    vocabulary = {w.lower() for d in generated_docs(300) + fixture_docs()
                  for w in re.findall(r"\w+", f"{d.title} {d.abstract} {' '.join(d.authors)}")}
    vocab_file = LUNR_DIR / "test" / "fixtures" / "stemming_vocab.json"
    if vocab_file.exists():
        vocabulary |= set(json.loads(vocab_file.read_text()))
    vocabulary |= {
        "survey", "surveys", "key", "keys", "ways", "played", "try", "lay", "ies", "sses", "ied", "ing", "eed",
        "agreed", "hopping", "filing", "happy", "sky", "skies", "by", "yy", "yyy", "ion", "sion", "tion",
        "generalization", "rationalisation", "ability", "logi", "analogies", "fully", "bli", "ll", "falll",
        "crème", "naïve", "straße", "𝑥yies", "a𝑥ing", "ɑɑɑs", "x", "", "y", "aies",
    }
    words = sorted(vocabulary)
    stems = run_client(write_site({}, tmp_path / "none"), stems=words)["stems"]
    wrong = {w: (stems[w], porter_stemmer.stem(w)) for w in words if stems[w] != porter_stemmer.stem(w)}
    assert not wrong


# --- scale --------------------------------------------------------------------------

TWO_WORD_QUERIES = ["language models", "training data", "model learning", "attention survey", "neural networks"]


@pytest.mark.slow
def test_ten_thousand_papers(tmp_path: Path) -> None:
    docs = generated_docs(10_000)
    start = time.perf_counter()
    files = build_search_files(docs)
    seconds = time.perf_counter() - start
    keys, _ = shards_of(files)
    data = write_site(files, tmp_path / "search")
    out = run_client(data, TWO_WORD_QUERIES, fresh=True)
    scripts = sum(len(gzip.compress(p.read_bytes(), 6)) for p in (LUNR_DIR / "lunr.min.js", CLIENT))
    facets = len(gzip.compress(files["facets.json"], 6))
    worst = 0
    for row in out["queries"]:
        fetched = sum(len(gzip.compress(files[name], 6)) for name in dict.fromkeys(row["fetched"]))
        worst = max(worst, scripts + facets + fetched)
        print(f"  {row['query']!r}: {len(row['hits'])} hits, {len(row['shards'])} shards, "
              f"{len(row['fetched'])} files, {(scripts + facets + fetched) / 1000:.1f} KB gzipped with scripts and facets")
    print(f"\n10,000 papers: built in {seconds:.2f} s, {len(keys)} shards, "
          f"{sum(len(v) for k, v in files.items() if k.startswith('shards/')) / 1e6:.1f} MB of shards, "
          f"scripts {scripts / 1000:.1f} KB and facets {facets / 1000:.1f} KB gzipped")
    assert len(keys) > 100
    assert worst <= 150_000
