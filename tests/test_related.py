"""Related papers (issue 8): TF-IDF cosine of title and abstract, near-duplicates skipped, matches explained."""

from __future__ import annotations

import re
from pathlib import Path

import lxml.html
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator import related, stop_words
from generator.corpus import generate_corpus
from generator.pipeline import RANKING_FILE, TERM_COUNTS_FILE, BuildOptions, build, compute_related, load_site
from generator.related import (CANDIDATE_TERMS, MAX_DOCUMENT_SHARE, Ranking, TextMatrix, best_candidates,
                               heaviest_terms, paper_text, rank_related, related_papers, row_digests, shared_terms,
                               vectorize, words)
from tests.conftest import SAMPLE_CONTENT, BuiltSite

MEDICAL_TAG = "medical-imaging"


def related_links(site: BuiltSite, slug: str) -> list[tuple[str, list[str]]]:
    """(linked page URL, shared terms) of each related paper on a paper page."""
    tree = lxml.html.parse(str(site.output / "papers" / slug / "index.html")).getroot()
    return [(item.xpath("./a/@href")[0], item.xpath('.//span[@class="related-term"]/text()'))
            for item in tree.xpath('//section[@class="paper-related"]//li')]


def test_every_sample_paper_lists_related_papers_that_exist(sample_site: BuiltSite) -> None:
    site = load_site(SAMPLE_CONTENT).site
    for paper in site.papers.values():
        links = related_links(sample_site, paper.slug)
        assert 1 <= len(links) <= 5, paper.slug
        for url, terms in links:
            assert url != f"/digest/papers/{paper.slug}/"
            assert (sample_site.output / url.removeprefix("/digest/") / "index.html").is_file()
            assert 1 <= len(terms) <= 3


def test_medical_papers_list_each_other(sample_site: BuiltSite) -> None:
    site = load_site(SAMPLE_CONTENT).site
    medical = {f"/digest/papers/{p.slug}/": p for p in site.papers.values() if MEDICAL_TAG in p.tags}
    assert len(medical) >= 5
    lists = {url: [link for link, _terms in related_links(sample_site, paper.slug)] for url, paper in medical.items()}
    for url, links in lists.items():
        assert any(link in medical for link in links), f"{url} lists no other medical paper: {links}"
    mutual = {frozenset((a, b)) for a, links in lists.items() for b in links if b in lists and a in lists[b]}
    assert len(mutual) >= 4, mutual
    # Medical papers make up a few percent of the sample, but a good share of each other's lists.
    share = sum(link in medical for links in lists.values() for link in links) / sum(map(len, lists.values()))
    assert share >= 0.3


def test_shared_terms_come_from_both_papers(sample_site: BuiltSite) -> None:
    site = load_site(SAMPLE_CONTENT).site
    by_url = {f"/digest/papers/{p.slug}/": p for p in site.papers.values()}
    for paper in list(site.papers.values())[:20]:
        own = set(words(f"{paper.title} {paper.abstract}"))
        for url, terms in related_links(sample_site, paper.slug):
            other = by_url[url]
            theirs = set(words(f"{other.title} {other.abstract}"))
            assert set(terms) <= own & theirs, (paper.slug, other.slug, terms)



def test_shared_terms_are_the_heaviest_products_of_the_pair_heaviest_first() -> None:
    import numpy as np

    texts = {
        "a": "quokka wombat numbat dingo wallaby self-supervised platypus",
        "b": "quokka wombat numbat dingo wallaby self-supervised supervised koala",
        "c": "wallaby wallaby dingo emu",
        "d": "numbat emu cassowary",
        "e": "quokka quokka quokka lyrebird",
    }
    matrix = vectorize(texts)
    dense = matrix.rows.toarray()
    pairs = [(0, 1), (1, 0), (0, 2), (1, 3), (0, 4), (2, 3)]

    def expected(first: int, second: int) -> tuple[str, ...]:
        weights = dense[first] * dense[second]
        chosen: list[str] = []
        for column in sorted(np.flatnonzero(weights), key=lambda c: (-weights[c], matrix.terms[c])):
            term = matrix.terms[column]
            if not any(term in other.split("-") or other in term.split("-") for other in chosen) and len(chosen) < 3:
                chosen.append(term)
        return tuple(chosen)

    got = shared_terms(matrix, np.array([p[0] for p in pairs]), np.array([p[1] for p in pairs]))
    assert got == [expected(*pair) for pair in pairs]
    # `self`, `self-supervised` and `wombat` weigh the same for this pair: ties go alphabetically, and
    # `self-supervised` adds nothing to `supervised` and `self`.
    assert got[0] == ("supervised", "self", "wombat")

TOPICS = {
    "heart-a": "Cardiac MRI segmentation of the left ventricle with a convolutional network for heart disease.",
    "heart-b": "Left ventricle segmentation in cardiac MRI scans: heart disease diagnosis with deep networks.",
    "heart-c": "A heart disease benchmark of cardiac ultrasound and MRI segmentation for the ventricle.",
    "robot-a": "Robot grasping with reinforcement learning: a gripper learns to pick objects in clutter.",
    "robot-b": "Reinforcement learning for robot manipulation: grasping objects with a two-finger gripper.",
    "copy-of-robot-b": "Reinforcement learning for robot manipulation: grasping objects with a two-finger gripper.",
    "empty": "",
}


def test_related_ranks_by_topic_and_skips_itself_and_near_duplicates() -> None:
    related = related_papers(TOPICS, min_score=0.01)
    assert set(related) == set(TOPICS)
    assert [m.paper_id for m in related["heart-a"]][:2] in (["heart-b", "heart-c"], ["heart-c", "heart-b"])
    assert {m.paper_id for m in related["heart-a"]} <= {"heart-b", "heart-c"}
    # Identical texts are versions of one paper, never "related" to each other.
    assert "copy-of-robot-b" not in [m.paper_id for m in related["robot-b"]]
    assert "robot-b" not in [m.paper_id for m in related["copy-of-robot-b"]]
    assert [m.paper_id for m in related["robot-b"]] == ["robot-a"]
    assert related["empty"] == ()
    for paper_id, matches in related.items():
        assert paper_id not in [m.paper_id for m in matches]
        assert [m.score for m in matches] == sorted((m.score for m in matches), reverse=True)
        assert all(0.01 <= m.score <= 0.9 for m in matches)
    assert set(related["heart-a"][0].terms) <= {"cardiac", "mri", "segmentation", "ventricle", "heart", "disease", "left"}


def test_related_keeps_at_most_the_limit_and_handles_tiny_inputs() -> None:
    documents = {f"p{i}": f"graph neural network message passing variant {i} with attention" for i in range(12)}
    documents.update({f"q{i}": f"graph neural network message passing over molecules, study {i} of pooling {i}" for i in range(12)})
    related = related_papers(documents, limit=5, duplicate_above=1.01, min_score=0.0)
    assert all(len(matches) == 5 for matches in related.values())
    assert related_papers({}) == {}
    assert related_papers({"only": "a single paper about graphs"}) == {"only": ()}
    assert related_papers({"a": "123 456", "b": "789"}) == {"a": (), "b": ()}


def test_compound_words_match_their_parts() -> None:
    assert words("Self-supervised pre-training of vision-language models in 2024") == [
        "self-supervised", "self", "supervised", "pre-training", "pre", "training",
        "vision-language", "vision", "language", "models"]


# What a word is, as one pattern: at least two word characters and hyphens, starting and
# ending with a word character, holding a letter. `words` finds the same ones faster.
WORD_PATTERN = re.compile(r"(?u)\b(?=[\w-]*[^\W\d_])\w[\w-]*\w\b")


def words_by_pattern(text: str) -> list[str]:
    stop = stop_words.ENGLISH_STOP_WORDS
    terms: list[str] = []
    for word in WORD_PATTERN.findall(text.lower()):
        if word not in stop:
            terms.append(word)
        if "-" in word:
            terms.extend(part for part in word.split("-") if len(part) > 1 and part not in stop and not part.isdigit())
    return terms


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab1_-éß²٣İ \n.,Z9'\u00ad\u0301"), max_size=30))
def test_words_are_the_words_one_pattern_finds(text: str) -> None:
    """Digits of other scripts, superscripts, combining marks, underscores, runs of hyphens."""
    assert words(text) == words_by_pattern(text)


def test_words_of_a_bench_corpus_are_the_words_one_pattern_finds() -> None:
    for record in generate_corpus(300, SAMPLE_CONTENT):
        text = paper_text(str(record["title"]), str(record["abstract"]))
        assert words(text) == words_by_pattern(text)


def sample_matrix() -> TextMatrix:
    loaded = load_site(SAMPLE_CONTENT)
    return vectorize({pid: paper_text(p.title, p.abstract) for pid, p in sorted(loaded.site.papers.items())})


def test_candidates_are_each_papers_best_rough_matches_never_itself() -> None:
    """`best_candidates` keeps what the plain sparse product cut to each row's best would."""
    import numpy as np

    matrix = sample_matrix()
    heavy = heaviest_terms(matrix.rows, CANDIDATE_TERMS)
    rough = (heavy @ heavy.T).toarray()
    np.fill_diagonal(rough, 0.0)
    per_row, chunk = 7, np.arange(10, 60)
    found, floors = best_candidates(heavy, heavy.T.tocsr(), chunk, per_row)
    assert found.shape == (len(chunk), rough.shape[1])
    for offset, row in enumerate(chunk):
        columns = found.indices[found.indptr[offset]:found.indptr[offset + 1]]
        assert row not in columns
        shared = np.count_nonzero(rough[row])
        assert min(per_row, shared) <= len(columns) <= per_row + 1  # one more when ties crowd out itself
        best = np.sort(rough[row])[::-1][:len(columns)]
        # The same scores as the best of the full product (ties may pick other papers).
        np.testing.assert_allclose(np.sort(rough[row, columns])[::-1], best, rtol=1e-5)
        # The floor is the lowest score of a full list, itself included: nothing below it is listed.
        with_itself = np.sort(np.append(rough[row], 1.0))[::-1]
        if shared + 1 >= per_row + 1:
            np.testing.assert_allclose(floors[offset], with_itself[per_row], rtol=1e-5)
        else:
            assert floors[offset] == 0.0


def test_exact_cosines_are_the_dot_products_of_the_rows_and_each_pair_its_own(monkeypatch: pytest.MonkeyPatch) -> None:
    """Against the dense product; and the same bits for a pair whatever else is asked with it,
    in any order, split into blocks of any size."""
    import numpy as np
    from scipy import sparse

    matrix = sample_matrix()
    # Two rows without terms: as first and as second rows of pairs.
    rows = sparse.vstack([matrix.rows, sparse.csr_matrix((2, matrix.rows.shape[1]), dtype=np.float32)], format="csr")
    count = rows.shape[0]
    firsts = np.repeat(np.arange(count), 9)
    seconds = np.random.default_rng(7).integers(0, count, size=len(firsts))
    dense = rows.toarray().astype(np.float64)
    cosines = related.exact_cosines(rows, firsts, seconds)
    assert cosines.dtype == np.float32 and len(cosines) == len(firsts)
    np.testing.assert_allclose(cosines, (dense[firsts] * dense[seconds]).sum(axis=1), rtol=1e-5, atol=1e-7)
    assert (cosines[firsts >= count - 2] == 0).all() and (cosines[seconds >= count - 2] == 0).all()
    assert cosines[(seconds == firsts) & (firsts < count - 2)] == pytest.approx(1.0, abs=1e-5)

    order = np.random.default_rng(8).permutation(len(firsts))[:400]  # ungrouped first rows, a part of the pairs
    for block_bytes in (1, 4 * rows.shape[1] * 3, 1 << 23):
        monkeypatch.setattr(related, "COSINE_BLOCK_BYTES", block_bytes)
        assert related.exact_cosines(rows, firsts[order], seconds[order]).tobytes() == cosines[order].tobytes()
    assert len(related.exact_cosines(rows, firsts[:0], seconds[:0])) == 0


def _candidates_in_child(heavy: object, sender: object) -> None:
    import numpy as np

    best_candidates(heavy, heavy.T.tocsr(), np.arange(20), 5)  # type: ignore[attr-defined]
    sender.send("done")  # type: ignore[attr-defined]


def test_candidates_can_be_found_again_in_a_process_forked_after_finding_them() -> None:
    """The build finds candidates in-process for a small site and forks workers later (the preview
    server does both over and over): a threaded kernel would leave the forked one hanging."""
    import multiprocessing

    import numpy as np

    heavy = heaviest_terms(sample_matrix().rows, CANDIDATE_TERMS)
    best_candidates(heavy, heavy.T.tocsr(), np.arange(20), 5)
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_candidates_in_child, args=(heavy, sender))
    child.start()
    try:
        assert receiver.poll(120), "the forked process hung finding candidates"
        assert receiver.recv() == "done"
    finally:
        child.kill()
        child.join()


def sample_documents() -> dict[str, str]:
    loaded = load_site(SAMPLE_CONTENT)
    return {pid: paper_text(p.title, p.abstract) for pid, p in sorted(loaded.site.papers.items())}


def assert_same_bits_as_scikit_learn(documents: dict[str, str]) -> None:
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer

    matrix = vectorize(documents)
    vectorizer = TfidfVectorizer(analyzer=words, sublinear_tf=True, dtype=np.float32, max_df=MAX_DOCUMENT_SHARE)
    expected = vectorizer.fit_transform(documents.values()).tocsr()
    expected.sort_indices()
    assert matrix.terms.tolist() == vectorizer.get_feature_names_out().tolist()
    assert (matrix.rows.indptr == expected.indptr).all() and (matrix.rows.indices == expected.indices).all()
    assert (matrix.rows.data == expected.data).all()


@pytest.mark.parametrize("run", [1000, 7])
def test_vectorize_makes_what_scikit_learns_vectorizer_makes(run: int, monkeypatch: pytest.MonkeyPatch) -> None:
    """Bit for bit, whether the texts are counted in one run or in many (in worker processes)."""
    monkeypatch.setattr(related, "TERMS_RUN", run)
    documents = sample_documents()
    assert len(vectorize(documents).term_counts) == -(-len(documents) // run)
    assert_same_bits_as_scikit_learn(documents)


def test_vectorize_makes_what_scikit_learns_vectorizer_makes_of_a_bench_corpus(monkeypatch: pytest.MonkeyPatch) -> None:
    """Longer rows and a larger vocabulary than the sample's, counted in runs in worker processes."""
    monkeypatch.setattr(related, "TERMS_RUN", 400)
    records = generate_corpus(1500, SAMPLE_CONTENT)
    assert_same_bits_as_scikit_learn({str(r["id"]): paper_text(str(r["title"]), str(r["abstract"])) for r in records})


def test_stop_words_are_scikit_learns_english_stop_words() -> None:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    assert ENGLISH_STOP_WORDS == stop_words.ENGLISH_STOP_WORDS


def test_vectorize_counts_again_only_the_run_holding_an_edit(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(related, "TERMS_RUN", 20)
    documents = sample_documents()
    before = vectorize(documents)
    edited_id = list(documents)[45]  # in the third run
    documents[edited_id] += " A new sentence about protein folding."
    counted: list[int] = []
    count_terms = related.count_terms
    monkeypatch.setattr(related, "count_terms", lambda texts: counted.append(len(texts)) or count_terms(texts))
    after = vectorize(documents, before.term_counts)
    assert counted == [20]  # one run, counted in this process
    assert [key in before.term_counts for key in after.term_counts] == [True, True, False, True, True, True]
    cold = vectorize(documents)
    assert (after.rows != cold.rows).nnz == 0 and after.terms.tolist() == cold.terms.tolist()
    assert "folding" in after.terms.tolist()


def test_the_related_child_sends_back_only_the_papers_whose_matches_changed(tmp_path: Path) -> None:
    documents = sample_documents()
    first, complete = compute_related(documents, tmp_path, None, "first", ("", {}))
    assert complete and list(first) == list(documents)
    edited_id = list(documents)[45]
    documents[edited_id] += " A new sentence about protein folding and tumour segmentation."
    changed, complete = compute_related(documents, tmp_path, None, "second", ("first", first))
    cold, _ = compute_related(documents, tmp_path / "cold", None, "cold", ("", {}))
    assert not complete and edited_id in changed and len(changed) < len(documents)
    assert changed == {paper_id: found for paper_id, found in cold.items() if first[paper_id] != found}
    assert {**first, **changed} == cold
    # Another set of papers: every paper's matches, and only theirs.
    del documents[edited_id]
    every, complete = compute_related(documents, tmp_path, None, "third", ("second", {**first, **changed}))
    assert complete and list(every) == list(documents)


def test_an_incremental_build_lists_the_related_papers_a_cold_build_lists(content_copy: Path, tmp_path: Path,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    output, cache = tmp_path / "output", tmp_path / "cache"
    build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache))
    assert (cache / TERM_COUNTS_FILE).is_file() and (cache / RANKING_FILE).is_file()
    record = content_copy / "papers" / "2405.16537.md"
    record.write_text(record.read_text(encoding="utf-8").replace(
        "The remarkable generative", "Protein folding, segmentation of tumours and remarkable generative"), encoding="utf-8")
    moved: list[int] = []
    rows_an_edit_can_move = related.rows_an_edit_can_move
    monkeypatch.setattr(related, "rows_an_edit_can_move",
                        lambda *args: moved.append(len(found := rows_an_edit_can_move(*args))) or found)
    incremental = build(BuildOptions(content_dir=content_copy, output_dir=output, cache_dir=cache, keep_model=True))
    assert len(moved) == 1 and 0 < moved[0] < 115  # ranked from the last build's ranking: only some rows again
    cold = build(BuildOptions(content_dir=content_copy, output_dir=tmp_path / "cold", keep_model=True))
    assert incremental.model is not None and cold.model is not None
    assert incremental.model.related == cold.model.related
    assert incremental.model.related != build(BuildOptions(content_dir=SAMPLE_CONTENT, output_dir=tmp_path / "sample",
                                                           keep_model=True)).model.related


def ranked_again(documents: dict[str, str], previous: Ranking) -> tuple[Ranking, int]:
    """The ranking of `documents` made from `previous`, and how many rows it ranked again."""
    totals: list[int] = []
    ranking = rank_related(vectorize(documents), previous=previous, chunk_rows=64,
                           progress=lambda _step, _done, total: totals.append(total))
    return ranking, (totals[-1] if totals else 0)


def assert_same_ranking(ranking: Ranking, cold: Ranking) -> None:
    assert ranking.matches == cold.matches
    assert ranking.ids == cold.ids and (ranking.row_digests == cold.row_digests).all()
    assert (ranking.candidates != cold.candidates).nnz == 0  # the same columns, the same rough scores
    assert ranking.candidates.has_sorted_indices and cold.candidates.has_sorted_indices
    assert ranking.cosines.tobytes() == cold.cosines.tobytes()
    assert (ranking.floors == cold.floors).all()


def test_ranking_again_after_edits_gives_what_ranking_from_scratch_gives() -> None:
    """Each edit is ranked from the ranking before it, and must match a cold ranking bit for bit,
    while ranking again only part of the rows when the edit is small."""
    records = generate_corpus(900, SAMPLE_CONTENT)
    documents = {str(r["id"]): paper_text(str(r["title"]), str(r["abstract"])) for r in records}
    ids = list(documents)
    ranking = rank_related(vectorize(documents), chunk_rows=64)
    edits = [
        (ids[450], "Revised " + documents[ids[450]]),  # the bench's edit: one new word
        (ids[10], documents[ids[10]] + " A note on protein folding and tumour segmentation."),
        (ids[700], documents[ids[3]]),  # another paper's text: a near-duplicate, many terms change
        (ids[3], documents[ids[3]].split(".")[0]),  # most of the abstract cut: terms leave the vocabulary
        (ids[-1], "Revised " + documents[ids[-1]]),  # the first and the last rows
        (ids[0], "Revised " + documents[ids[0]]),
        (ids[450], documents[ids[450]]),  # back as it was
    ]
    moved = []
    for paper_id, text in edits:
        documents[paper_id] = text
        ranking, ranked = ranked_again(documents, ranking)
        assert_same_ranking(ranking, rank_related(vectorize(documents), chunk_rows=64))
        moved.append(ranked)
    # One new word moves a few rows; a new sentence moves the many rows holding its words.
    assert 0 < moved[0] < len(ids) // 4 and 0 < moved[-1] < len(ids) // 4, moved
    unchanged, ranked = ranked_again(documents, ranking)
    assert ranked == 0 and unchanged.matches == ranking.matches


def test_a_paper_touched_by_an_edit_of_its_candidate_explains_the_match_anew(monkeypatch: pytest.MonkeyPatch) -> None:
    """A candidate repeating a shared word changes its weights, not the document frequencies: the
    paper listing it keeps its own vector and is only touched, yet the terms explaining the match
    are the new heaviest ones."""
    fillers = {f"q{i:02d}": f"filler{i} study{i} topic{i % 7}" for i in range(30)}
    documents = {"p00": "graph pooling attention kernels", "p01": "graph pooling attention spectra", **fillers}
    ranking = rank_related(vectorize(documents), chunk_rows=8)
    before = {match.paper_id: match.terms for match in ranking.matches["p00"]}
    documents["p01"] = "graph pooling pooling pooling attention spectra"
    touched: list[int] = []
    rescore = related._rescore_touched_rows
    monkeypatch.setattr(related, "_rescore_touched_rows",
                        lambda previous, matrix, heavy, digests, rows, *options: touched.append(len(rows))
                        or rescore(previous, matrix, heavy, digests, rows, *options))
    again, ranked = ranked_again(documents, ranking)
    monkeypatch.undo()
    assert_same_ranking(again, rank_related(vectorize(documents), chunk_rows=8))
    assert touched == [1] and ranked == 1  # p00 touched, only p01 ranked again
    after = {match.paper_id: match.terms for match in again.matches["p00"]}
    assert after["p01"][0] == "pooling" != before["p01"][0]


def test_a_paper_whose_only_candidate_moves_away_is_left_with_none() -> None:
    fillers = {f"q{i:02d}": f"filler{i} study{i} topic{i % 7}" for i in range(30)}
    documents = {"p00": "graph pooling attention kernels", "p01": "graph pooling attention spectra", **fillers}
    ranking = rank_related(vectorize(documents), chunk_rows=8)
    assert [match.paper_id for match in ranking.matches["p00"]] == ["p01"]
    documents["p01"] = "volcanic ash dispersion"
    again, _ = ranked_again(documents, ranking)
    assert again.matches["p00"] == ()
    assert_same_ranking(again, rank_related(vectorize(documents), chunk_rows=8))


def test_ranking_again_when_a_term_becomes_too_common_or_a_paper_comes() -> None:
    documents = {f"p{i:02d}": f"graph study {i} of pooling word{i} and word{i + 1}" + (" alpha" if i < 20 else "")
                 for i in range(40)}
    assert "alpha" in vectorize(documents).terms.tolist()
    ranking = rank_related(vectorize(documents), chunk_rows=8)
    documents["p30"] += " alpha"  # in 21 of 40 papers: over half, no longer a term
    assert "alpha" not in vectorize(documents).terms.tolist()
    ranking, _ = ranked_again(documents, ranking)
    assert_same_ranking(ranking, rank_related(vectorize(documents), chunk_rows=64))
    documents["p40"] = "graph study of pooling word3 and word4"
    ranking, ranked = ranked_again(documents, ranking)
    assert ranked == len(documents)  # other papers: everything is ranked again
    assert_same_ranking(ranking, rank_related(vectorize(documents), chunk_rows=64))


def test_row_digests_tell_vectors_apart_whatever_the_columns() -> None:
    import numpy as np
    from scipy import sparse

    def matrix(terms: list[str], rows: list[list[float]]) -> TextMatrix:
        dense = np.array(rows, dtype=np.float32)
        return TextMatrix(tuple(f"p{i}" for i in range(len(rows))), sparse.csr_matrix(dense), np.array(terms, dtype=object))

    one = row_digests(matrix(["graph", "neural", "pooling"], [[0.6, 0.8, 0.0], [0.0, 0.0, 1.0], [0.0, 0.0, 0.0]]))
    # The same vectors with a new term (a new column) among the others.
    two = row_digests(matrix(["attention", "graph", "neural", "pooling"],
                             [[0.0, 0.6, 0.8, 0.0], [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]]))
    assert (one == two).all() and one[2] == 0
    nudged = np.nextafter(np.float32(0.6), np.float32(1.0))  # the next float32 up
    three = row_digests(matrix(["graph", "neural", "pooling"], [[nudged, 0.8, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 0.0]]))
    assert three[0] != one[0] and three[1] != one[1]  # one weight a bit off; one weight on another term
    assert len(set(one.tolist())) == 3
