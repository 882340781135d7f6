"""Related papers: TF-IDF cosine similarity of title and abstract, with the terms that explain it.

Computed once per build over every paper (issue 8). At 10,000 papers a dense
similarity matrix would hold 10^8 floats, so similarities are taken one chunk
of rows at a time from the sparse TF-IDF matrix and only each row's best few
are kept.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

logger = logging.getLogger(__name__)

RELATED_LIMIT = 5
DUPLICATE_ABOVE = 0.9
"""Above this cosine a paper is taken as another version of the same text, not as related."""
MIN_SCORE = 0.05
"""Below this cosine two papers share little more than common words."""
EXPLAINING_TERMS = 3
CHUNK_ROWS = 512
# Words of at least two characters holding a letter; digits-only tokens (years,
# table numbers) say nothing about the topic.
TOKEN_PATTERN = r"(?u)\b(?=\w*[^\W\d_])\w\w+\b"
# A term in more than this share of the papers explains no match (`model`,
# `results`); only applied when there are enough papers for shares to mean anything.
MAX_DOCUMENT_SHARE = 0.5
MIN_PAPERS_FOR_SHARE = 20


@dataclass(frozen=True)
class RelatedMatch:
    paper_id: str
    score: float
    """Cosine similarity of the two papers' TF-IDF vectors, rounded to 4 places."""
    terms: tuple[str, ...]
    """The shared terms that weigh most in the match, heaviest first."""


@dataclass(frozen=True)
class TextMatrix:
    """TF-IDF rows (L2-normalised, CSR with sorted indices) of a list of documents."""

    ids: tuple[str, ...]
    rows: sparse.csr_matrix
    terms: np.ndarray
    """Term of each column."""


def paper_text(title: str, abstract: str) -> str:
    # The title names the topic in a few words: count it twice.
    return f"{title}\n{title}\n{abstract}"


def vectorize(documents: dict[str, str]) -> TextMatrix:
    """TF-IDF of each document, by id; an empty input or vocabulary gives an empty matrix."""
    ids = tuple(documents)
    vectorizer = TfidfVectorizer(
        stop_words="english", sublinear_tf=True, token_pattern=TOKEN_PATTERN, dtype=np.float32,
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
                   min_score: float = MIN_SCORE, chunk_rows: int = CHUNK_ROWS) -> dict[str, tuple[RelatedMatch, ...]]:
    """Up to `limit` most similar other documents for each id, best first.

    `documents` maps a paper id to its text (see `paper_text`). Papers whose
    cosine exceeds `duplicate_above` are near-duplicates and never listed.
    """
    matrix = vectorize(documents)
    result: dict[str, tuple[RelatedMatch, ...]] = {paper_id: () for paper_id in matrix.ids}
    count = len(matrix.ids)
    if count < 2 or matrix.rows.shape[1] == 0:
        return result
    transposed = matrix.rows.T.tocsc()
    keep = min(limit, count - 1)
    for start in range(0, count, chunk_rows):
        stop = min(start + chunk_rows, count)
        scores = (matrix.rows[start:stop] @ transposed).toarray()
        scores[scores > duplicate_above] = 0.0  # itself (cosine 1) and its near-duplicates
        scores[np.arange(stop - start), np.arange(start, stop)] = 0.0  # itself, even when its vector is empty
        best = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
        for offset, candidates in enumerate(best):
            row = start + offset
            ranked = sorted(((round(float(scores[offset, j]), 4), int(j)) for j in candidates
                             if scores[offset, j] >= min_score),
                            key=lambda pair: (-pair[0], matrix.ids[pair[1]]))
            result[matrix.ids[row]] = tuple(
                RelatedMatch(matrix.ids[j], score, shared_terms(matrix, row, j)) for score, j in ranked[:limit])
    return result


def shared_terms(matrix: TextMatrix, first: int, second: int, count: int = EXPLAINING_TERMS) -> tuple[str, ...]:
    """The terms of both rows whose weight products add most to their cosine."""
    rows = matrix.rows
    a = slice(rows.indptr[first], rows.indptr[first + 1])
    b = slice(rows.indptr[second], rows.indptr[second + 1])
    common, in_a, in_b = np.intersect1d(rows.indices[a], rows.indices[b], assume_unique=True, return_indices=True)
    if not len(common):
        return ()
    weights = rows.data[a][in_a] * rows.data[b][in_b]
    order = sorted(range(len(common)), key=lambda k: (-float(weights[k]), str(matrix.terms[common[k]])))
    return tuple(str(matrix.terms[common[k]]) for k in order[:count])
