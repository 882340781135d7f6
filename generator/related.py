"""Related papers: TF-IDF cosine similarity of title and abstract, with the terms that explain it.

Computed once per build over every paper (issue 8). At 10,000 papers a dense
similarity matrix would hold 10^8 floats, so similarities are taken one chunk
of rows at a time from sparse TF-IDF matrices and only each row's best few
are kept.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import TYPE_CHECKING, Callable

from .frozen import frozen
from .parallel import fork_map

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# numpy, scipy and scikit-learn take over half a second to import: they are
# imported where they are used, so a build that reuses cached related papers
# (and every other command) never pays for them.

logger = logging.getLogger(__name__)

RELATED_LIMIT = 5
DUPLICATE_ABOVE = 0.9
"""Above this cosine a paper is taken as another version of the same text, not as related."""
MIN_SCORE = 0.05
"""Below this cosine two papers share little more than common words."""
EXPLAINING_TERMS = 3
CHUNK_ROWS = 512
CANDIDATE_TERMS = 40
"""Terms per paper used to find candidates."""
CANDIDATES = 60
"""Candidates per paper ranked by their exact cosine."""
# Words of at least two characters holding a letter, hyphenated compounds whole;
# digits-only tokens (years, table numbers) say nothing about the topic.
WORD = re.compile(r"(?u)\b(?=[\w-]*[^\W\d_])\w[\w-]*\w\b")
# A term in more than this share of the papers explains no match (`model`,
# `results`); only applied when there are enough papers for shares to mean anything.
MAX_DOCUMENT_SHARE = 0.5
MIN_PAPERS_FOR_SHARE = 20


@frozen
class RelatedMatch:
    paper_id: str
    score: float
    """Cosine similarity of the two papers' TF-IDF vectors, rounded to 4 places."""
    terms: tuple[str, ...]
    """The shared terms that weigh most in the match, heaviest first."""


@frozen
class TextMatrix:
    """TF-IDF rows (L2-normalised, CSR with sorted indices) of a list of documents."""

    ids: tuple[str, ...]
    rows: sparse.csr_matrix
    terms: np.ndarray
    """Term of each column."""


def paper_text(title: str, abstract: str) -> str:
    # The title names the topic in a few words: count it twice.
    return f"{title}\n{title}\n{abstract}"


@functools.cache
def stop_words() -> frozenset[str]:
    from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

    return frozenset(ENGLISH_STOP_WORDS)


def words(text: str) -> list[str]:
    """Terms of a text: `self-supervised` counts as itself and as `self` and `supervised`,
    so it matches both its own spelling and papers that write the parts apart."""
    stop = stop_words()
    terms: list[str] = []
    for word in WORD.findall(text.lower()):
        if word not in stop:
            terms.append(word)
        if "-" in word:
            terms.extend(part for part in word.split("-") if len(part) > 1 and part not in stop
                         and not part.isdigit())
    return terms


def vectorize(documents: dict[str, str]) -> TextMatrix:
    """TF-IDF of each document, by id; an empty input or vocabulary gives an empty matrix."""
    import numpy as np
    from scipy import sparse
    from sklearn.feature_extraction.text import TfidfVectorizer

    ids = tuple(documents)
    vectorizer = TfidfVectorizer(
        analyzer=words, sublinear_tf=True, dtype=np.float32,
        max_df=MAX_DOCUMENT_SHARE if len(ids) >= MIN_PAPERS_FOR_SHARE else 1.0,
    )
    try:
        rows = vectorizer.fit_transform(documents[i] for i in ids)
    except ValueError:  # no document holds a single term
        return TextMatrix(ids, sparse.csr_matrix((len(ids), 0), dtype=np.float32), np.array([], dtype=object))
    rows = sparse.csr_matrix(rows)
    rows.sort_indices()
    return TextMatrix(ids, rows, vectorizer.get_feature_names_out())


def related_papers(documents: dict[str, str], *, limit: int = RELATED_LIMIT, duplicate_above: float = DUPLICATE_ABOVE,
                   min_score: float = MIN_SCORE, chunk_rows: int = CHUNK_ROWS,
                   progress: Callable[[str, int, int], None] | None = None) -> dict[str, tuple[RelatedMatch, ...]]:
    """Up to `limit` most similar other documents for each id, best first.

    `documents` maps a paper id to its text (see `paper_text`). Papers whose
    cosine exceeds `duplicate_above` are near-duplicates and never listed.

    Candidates come from each paper's heaviest terms (see `best_candidates`),
    then are ranked by their exact cosine. On a sample of the bench corpus this
    finds 92% of the exact top 5 at 10,000 papers and 96% at 100,000.
    """
    import numpy as np

    matrix = vectorize(documents)
    result: dict[str, tuple[RelatedMatch, ...]] = {paper_id: () for paper_id in matrix.ids}
    count = len(matrix.ids)
    if count < 2 or matrix.rows.shape[1] == 0:
        return result
    rows = matrix.rows
    heavy = heaviest_terms(rows, CANDIDATE_TERMS)
    postings = heavy.T.tocsr()  # term -> the papers where it is heavy
    candidates_per_row = min(CANDIDATES, count - 1)

    def chunk_matches(start: int) -> list[tuple[str, tuple[RelatedMatch, ...]]]:
        """The related papers of rows `start` to `start + chunk_rows`; runs in a worker process."""
        stop = min(start + chunk_rows, count)
        candidates = best_candidates(heavy, postings, start, stop, candidates_per_row)
        all_rows = start + np.repeat(np.arange(stop - start), np.diff(candidates.indptr))
        all_columns = candidates.indices
        # Exact cosines of (row, candidate) pairs: row-wise dot products of two gathered matrices.
        exact = np.asarray(rows[all_rows].multiply(rows[all_columns]).sum(axis=1)).ravel()
        wanted = (exact >= min_score) & (exact <= duplicate_above)
        all_rows, all_columns, scores = all_rows[wanted], all_columns[wanted], np.round(exact[wanted].astype(np.float64), 4)
        # Best first within each row; ids are sorted, so ties go to the lower column, the smaller id.
        order = np.lexsort((all_columns, -scores, all_rows))
        all_rows, all_columns, scores = all_rows[order], all_columns[order], scores[order]
        first_of_row = np.searchsorted(all_rows, all_rows)
        top = np.arange(len(all_rows)) - first_of_row < limit
        all_rows, all_columns, scores = all_rows[top], all_columns[top], scores[top]
        explanations = shared_terms(matrix, all_rows, all_columns)
        matches: dict[int, list[RelatedMatch]] = {row: [] for row in range(start, stop)}
        for row, column, score, terms in zip(all_rows.tolist(), all_columns.tolist(), scores.tolist(), explanations):
            matches[row].append(RelatedMatch(matrix.ids[column], score, terms))
        return [(matrix.ids[row], tuple(found)) for row, found in matches.items()]

    starts = range(0, count, chunk_rows)
    for done, found in enumerate(fork_map(chunk_matches, starts), start=1):
        result.update(found)
        if progress:
            progress("related", min(done * chunk_rows, count), count)
    return result


def best_candidates(heavy: sparse.csr_matrix, postings: sparse.csr_matrix, start: int, stop: int,
                    per_row: int) -> sparse.csr_matrix:
    """For rows `start` to `stop`, the `per_row` other rows sharing most of their heaviest terms.

    The full product of the TF-IDF matrix with itself is nearly dense (common
    words link every pair): too slow at 10,000 papers. Papers sharing none of a
    paper's heaviest terms are never candidates, so this product is sparser;
    sparse_dot_topn keeps each row's best while it multiplies instead of storing
    whole rows of rough scores. In one thread: its OpenMP threads would hang a
    process forked after them, and the build forks its workers.
    """
    import numpy as np
    from sparse_dot_topn import sp_matmul_topn

    # One more than wanted: a paper is its own best match.
    found = sp_matmul_topn(heavy[start:stop], postings, top_n=per_row + 1)
    itself = found.indices == start + np.repeat(np.arange(stop - start), np.diff(found.indptr))
    found.data[itself] = 0.0
    found.eliminate_zeros()
    return found


def heaviest_terms(rows: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row cut to its `keep` heaviest terms, normalised again."""
    import numpy as np
    from sklearn.preprocessing import normalize

    pruned = rows.copy()
    for row in np.nonzero(np.diff(pruned.indptr) > keep)[0]:
        weights = pruned.data[pruned.indptr[row]:pruned.indptr[row + 1]]
        threshold = np.partition(weights, len(weights) - keep)[len(weights) - keep]
        weights[weights < threshold] = 0.0
    pruned.eliminate_zeros()
    return normalize(pruned)


def shared_terms(matrix: TextMatrix, firsts: np.ndarray, seconds: np.ndarray,
                 count: int = EXPLAINING_TERMS) -> list[tuple[str, ...]]:
    """For each pair of rows, the terms of both whose weight products add most to their cosine."""
    import numpy as np
    from scipy import sparse

    if not len(firsts):
        return []
    # One row per pair, non-zero only on the terms both papers hold.
    products = sparse.csr_matrix(matrix.rows[firsts].multiply(matrix.rows[seconds]))
    products.eliminate_zeros()
    pair_of_entry = np.repeat(np.arange(len(firsts)), np.diff(products.indptr))
    # Heaviest first within each pair; columns are in alphabetical order of their terms, so ties go alphabetically.
    order = np.lexsort((products.indices, -products.data, pair_of_entry))
    columns = products.indices[order].tolist()
    terms = matrix.terms
    explanations: list[tuple[str, ...]] = []
    for pair in range(len(firsts)):
        chosen: list[str] = []
        for column in columns[products.indptr[pair]:products.indptr[pair + 1]]:
            term = str(terms[column])
            # `self-supervised` explains as much as `self-supervised`, `self`, `supervised`.
            if not any(term in other.split("-") or other in term.split("-") for other in chosen):
                chosen.append(term)
                if len(chosen) == count:
                    break
        explanations.append(tuple(chosen))
    return explanations
