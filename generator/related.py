"""Related papers: TF-IDF cosine similarity of title and abstract, with the terms that explain it.

Computed once per build over every paper (issue 8). At 10,000 papers a dense
similarity matrix would hold 10^8 floats, so similarities are taken one chunk
of rows at a time from sparse TF-IDF matrices and only each row's best few
are kept.
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable

from .frozen import frozen
from .hashing import GOLDEN, mix64, run_sums
from .parallel import fork_map
from .stop_words import ENGLISH_STOP_WORDS

if TYPE_CHECKING:
    import numpy as np
    from scipy import sparse

# numpy and scipy take a quarter of a second to import: they are imported where
# they are used, so a build that reuses cached related papers (and every other
# command) never pays for them. scikit-learn is not used at run time: importing
# it takes over half a second more, and the little of it this needs (a stop
# list, counting, tf-idf weights, L2 norms) is done here, to the same bits.

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
COSINE_BLOCK_BYTES = 1 << 23
"""Size of the dense rows `exact_cosines` looks weights up in: a block that fits the
processor's cache was fastest (8 MB: a quarter of the time 128 MB takes)."""
TERMS_RUN = 1000
"""Documents tokenised together, in one worker, and cached together."""
# Words of at least two characters holding a letter, hyphenated compounds whole;
# digits-only tokens (years, table numbers) say nothing about the topic. A word is a
# run of word characters and hyphens without its outer hyphens: finding runs and
# trimming them is a third faster than a pattern that finds the words themselves.
WORD_RUN = re.compile(r"[\w-]+")
WITHOUT_LETTER = re.compile(r"[\d_-]*")
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
    term_counts: dict[str, TermCounts] = field(default_factory=dict)
    """The counts the rows were made from, by `texts_key` of each run of documents (see `vectorize`)."""


def paper_text(title: str, abstract: str) -> str:
    # The title names the topic in a few words: count it twice.
    return f"{title}\n{title}\n{abstract}"


def words(text: str) -> list[str]:
    """Terms of a text: `self-supervised` counts as itself and as `self` and `supervised`,
    so it matches both its own spelling and papers that write the parts apart."""
    stop = ENGLISH_STOP_WORDS
    terms: list[str] = []
    for run in WORD_RUN.findall(text.lower()):
        word = run.strip("-")
        if len(word) < 2 or not (word[0].isalpha() or not WITHOUT_LETTER.fullmatch(word)):
            continue
        if word not in stop:
            terms.append(word)
        if "-" in word:
            terms.extend(part for part in word.split("-") if len(part) > 1 and part not in stop
                         and not part.isdigit())
    return terms


@frozen
class TermCounts:
    """How often each term occurs in each of a run of documents."""

    terms: tuple[str, ...]
    """Sorted; the term of each column."""
    counts: sparse.csr_matrix
    """Documents x terms, float32."""


def count_terms(texts: list[str]) -> TermCounts:
    """The terms of each text counted: what scikit-learn's CountVectorizer makes with `words`
    as its analyzer: columns in term order, float32 counts, and each row's values in the order
    their terms were first seen."""
    import numpy as np
    from scipy import sparse

    first_seen: dict[str, int] = {}
    columns: list[int] = []
    counts: list[int] = []
    row_starts = [0]
    for text in texts:
        for term, count in Counter(words(text)).items():
            columns.append(first_seen.setdefault(term, len(first_seen)))
            counts.append(count)
        row_starts.append(len(columns))
    terms = sorted(first_seen)
    sorted_column = np.empty(len(terms), dtype=np.int32)
    sorted_column[[first_seen[term] for term in terms]] = np.arange(len(terms), dtype=np.int32)
    # Each row's values in the order of their terms' first appearance, as CountVectorizer
    # leaves them: the L2 norms of `tf_idf` add squares up in this order.
    by_first_seen = sparse.csr_matrix((np.array(counts, dtype=np.float32), np.array(columns, dtype=np.int32),
                                       np.array(row_starts)), shape=(len(texts), len(terms)))
    by_first_seen.sort_indices()
    matrix = sparse.csr_matrix((by_first_seen.data, sorted_column[by_first_seen.indices], by_first_seen.indptr),
                               shape=by_first_seen.shape)
    return TermCounts(tuple(terms), matrix)


def texts_key(texts: list[str]) -> str:
    """A hash of a run of texts, in order: what `vectorize` finds their counts by."""
    digest = hashlib.blake2b(digest_size=16)
    for text in texts:
        digest.update(text.encode("utf-8", "surrogatepass") + b"\0")
    return digest.hexdigest()


def vectorize(documents: dict[str, str], known: dict[str, TermCounts] | None = None) -> TextMatrix:
    """TF-IDF of each document, by id; an empty input or vocabulary gives an empty matrix.

    What scikit-learn's TfidfVectorizer makes with these settings, but its slow part,
    tokenising every text, is done in runs of `TERMS_RUN` documents spread over
    worker processes; a run whose texts are in `known` (by `texts_key`) is not
    counted again. The matrix keeps the counts of its runs, for the next build.
    """
    import numpy as np
    from scipy import sparse

    ids = tuple(documents)
    texts = [documents[i] for i in ids]
    starts = range(0, len(texts), TERMS_RUN)
    keys = [texts_key(texts[start:start + TERMS_RUN]) for start in starts]
    runs = {key: known[key] for key in keys if known and key in known}
    missing = [start for start, key in zip(starts, keys) if key not in runs]
    for start, counted in fork_map(lambda start: (start, count_terms(texts[start:start + TERMS_RUN])), missing):
        runs[keys[start // TERMS_RUN]] = counted

    # One vocabulary, sorted as the vectorizer sorts it, then each run's columns moved into it.
    terms = np.array(sorted(set().union(*(run.terms for run in runs.values()))), dtype=object)
    column = {term: index for index, term in enumerate(terms.tolist())}
    blocks = []
    for key in keys:
        run = runs[key]
        moved = np.array([column[term] for term in run.terms], dtype=np.int32)
        blocks.append(sparse.csr_matrix((run.counts.data, moved[run.counts.indices], run.counts.indptr),
                                        shape=(run.counts.shape[0], len(terms))))
    counts = sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, 0), dtype=np.float32)
    if len(ids) >= MIN_PAPERS_FOR_SHARE:
        common = np.bincount(counts.indices, minlength=len(terms)) > MAX_DOCUMENT_SHARE * len(ids)
        if common.any():
            counts, terms = counts[:, np.flatnonzero(~common)], terms[~common]
    in_order = {key: runs[key] for key in keys}
    if not len(terms):
        return TextMatrix(ids, sparse.csr_matrix((len(ids), 0), dtype=np.float32), terms, in_order)
    return TextMatrix(ids, tf_idf(counts), terms, in_order)


def tf_idf(counts: sparse.csr_matrix) -> sparse.csr_matrix:
    """Term counts weighed as scikit-learn's TfidfTransformer(sublinear_tf=True) weighs them:
    (1 + log tf) * (1 + log((n + 1) / (df + 1))), rows L2-normalised, with the same float32
    operations in the same order, so the same bits."""
    import numpy as np

    rows = counts.astype(np.float32)  # a copy
    frequency = np.bincount(rows.indices, minlength=rows.shape[1]).astype(np.float32)
    frequency += 1.0
    idf = np.full_like(frequency, rows.shape[0] + 1)
    idf /= frequency
    np.log(idf, out=idf)
    idf += 1.0
    np.log(rows.data, out=rows.data)
    rows.data += 1.0
    rows.data *= idf[rows.indices]
    normalize_rows(rows)
    rows.sort_indices()
    return rows


def normalize_rows(rows: sparse.csr_matrix) -> None:
    """Divide each row of a float32 matrix by its L2 norm, in place, as scikit-learn's `normalize`
    does: squares in float32, added up in double in the order the row stores them, each value
    divided in double."""
    import numpy as np

    lengths = np.diff(rows.indptr)
    squares = (rows.data * rows.data).astype(np.float64)
    sums = np.zeros(len(lengths))
    for position in range(int(lengths.max(initial=0))):  # the k-th value of every row that has one, at once
        holding = np.flatnonzero(lengths > position)
        sums[holding] += squares[rows.indptr[holding] + position]
    norms = np.sqrt(sums)
    norms[norms == 0.0] = 1.0  # an empty row stays as it is
    rows.data[:] = rows.data / np.repeat(norms, lengths)


@dataclass(frozen=True)
class Ranking:
    """Every row's related papers, and what lets the next ranking, after an edit, rank again
    only the rows the edit can move (see `rows_an_edit_can_move`) and score again only the
    candidates that changed of the rows it merely touches (see `_rescore_touched_rows`)."""

    matches: dict[str, tuple[RelatedMatch, ...]]
    ids: tuple[str, ...]
    row_digests: np.ndarray
    """A digest of each TF-IDF row ranked (see `row_digests`)."""
    candidates: sparse.csr_matrix
    """Each row's candidates (see `best_candidates`) as the columns of a row, holding their
    rough scores (float32, as sp_matmul_topn gave them)."""
    cosines: np.ndarray
    """The exact cosine of each entry of `candidates` (float32, aligned with its data)."""
    floors: np.ndarray
    """Each row's lowest rough score in its full list of candidates (itself included), or 0 when
    fewer papers share its heaviest terms than the list holds: a paper scoring below a row's
    floor cannot enter its list."""


def related_papers(documents: dict[str, str], **options: Any) -> dict[str, tuple[RelatedMatch, ...]]:
    """Up to `limit` most similar other documents for each id, best first (see `rank_related`).

    `documents` maps a paper id to its text (see `paper_text`).
    """
    return rank_related(vectorize(documents), **options).matches


def rank_related(matrix: TextMatrix, *, limit: int = RELATED_LIMIT, duplicate_above: float = DUPLICATE_ABOVE,
                 min_score: float = MIN_SCORE, chunk_rows: int = CHUNK_ROWS, previous: Ranking | None = None,
                 progress: Callable[[str, int, int], None] | None = None) -> Ranking:
    """Up to `limit` most similar other rows of `matrix` for each of its ids, best first.

    Papers whose cosine exceeds `duplicate_above` are near-duplicates and never listed.
    Candidates come from each paper's heaviest terms (see `best_candidates`),
    then are ranked by their exact cosine. On 300 papers of the bench corpus this
    finds 80% of the exact top 5 at 10,000 papers and 89% at 100,000; at 10,000
    the papers listed add up to 98% of the cosines of the exact top 5, on average.
    Taking 60 terms would find 95% and 98%, at two and a half times the cost at
    100,000 papers.

    Given the `previous` ranking (made with the same options), only the rows an edit
    can move are ranked again, and the rows it only touches through a changed candidate
    have that candidate scored again; the others keep their matches. Each is what ranking
    from scratch would give, bit for bit.
    """
    import numpy as np
    from scipy import sparse

    count = len(matrix.ids)
    if count < 2 or matrix.rows.shape[1] == 0:
        return Ranking({paper_id: () for paper_id in matrix.ids}, matrix.ids, row_digests(matrix),
                       sparse.csr_matrix((count, count), dtype=np.float32), np.zeros(0, dtype=np.float32),
                       np.zeros(count, dtype=np.float32))
    rows = matrix.rows
    heavy = heaviest_terms(rows, CANDIDATE_TERMS)
    postings = heavy.T.tocsr()  # term -> the papers where it is heavy
    candidates_per_row = min(CANDIDATES, count - 1)
    digests = row_digests(matrix)
    touched = None
    if previous is not None and previous.ids == matrix.ids:
        moved, touched = rows_an_edit_can_move(previous, digests, heavy)
        rescored, failed = _rescore_touched_rows(previous, matrix, heavy, digests, touched, limit, min_score,
                                                 duplicate_above)
        selected = np.union1d(moved, failed)
    else:
        selected = np.arange(count)

    chunks = [selected[start:start + chunk_rows] for start in range(0, len(selected), chunk_rows)]

    def chunk_matches(index: int) -> tuple[int, list[tuple[str, tuple[RelatedMatch, ...]]], sparse.csr_matrix,
                                           np.ndarray, np.ndarray]:
        """The related papers of the rows of one chunk, their candidates, cosines and floors; runs in a worker process."""
        chunk = chunks[index]
        candidates, floors = best_candidates(heavy, postings, chunk, candidates_per_row)
        chunk_rows_of = chunk[entry_rows(candidates)]
        cosines = exact_cosines(rows, chunk_rows_of, candidates.indices)
        # Kept with each row's candidates in column order: sp_matmul_topn leaves them in the order of their scores.
        order = np.lexsort((candidates.indices, chunk_rows_of))
        kept = sparse.csr_matrix((candidates.data[order], candidates.indices[order], candidates.indptr),
                                 shape=candidates.shape)
        found = best_matches(matrix, chunk, chunk_rows_of, candidates.indices, cosines, limit, min_score, duplicate_above)
        return index, found, kept, cosines[order], floors

    result: dict[str, tuple[RelatedMatch, ...]] = (
        {paper_id: () for paper_id in matrix.ids} if previous is None else dict(previous.matches))
    blocks: list[sparse.csr_matrix] = [sparse.csr_matrix((0, count), dtype=np.float32)] * len(chunks)
    block_cosines: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(chunks)
    floors: list[np.ndarray] = [np.zeros(0, dtype=np.float32)] * len(chunks)
    for done, (index, found, candidates, cosines, chunk_floors) in enumerate(fork_map(chunk_matches, range(len(chunks))), 1):
        result.update(found)
        blocks[index], block_cosines[index], floors[index] = candidates, cosines, chunk_floors
        if progress:
            progress("related", min(done * chunk_rows, len(selected)), len(selected))
    # Chunks finish in any order; their rows are put back in the order of `selected`.
    ranked = sparse.vstack(blocks, format="csr") if blocks else sparse.csr_matrix((0, count), dtype=np.float32)
    ranked_cosines = np.concatenate(block_cosines) if block_cosines else np.zeros(0, dtype=np.float32)
    new_floors = np.concatenate(floors) if floors else np.zeros(0, dtype=np.float32)
    if previous is None or touched is None:
        return Ranking(result, matrix.ids, digests, ranked, ranked_cosines, new_floors)
    result.update(rescored.matches)
    merged, merged_cosines, merged_floors = _with_rows_replaced(rescored, selected, ranked, ranked_cosines, new_floors)
    return Ranking(result, matrix.ids, digests, merged, merged_cosines, merged_floors)


def exact_cosines(rows: sparse.csr_matrix, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The cosine of each (first, second) pair of rows. Each pair's value depends on its two rows
    alone, whatever else is computed with it: the second row's terms, in their stored order, each
    times the first row's weight of the term, added up by `np.add.reduceat`.

    A few first rows at a time are spread into a dense block (`COSINE_BLOCK_BYTES`), so the
    first row's weight of a term is one lookup. Gathering both rows of every pair as sparse
    matrices and multiplying them took five times as long.
    """
    import numpy as np

    found = np.zeros(len(firsts), dtype=np.float32)
    terms = rows.shape[1]
    if not len(firsts) or not terms:
        return found
    indptr, indices, data = rows.indptr, rows.indices, rows.data
    per_block = max(1, COSINE_BLOCK_BYTES // (4 * terms))
    block = np.zeros(per_block * terms, dtype=np.float32)
    # Pairs mostly come grouped by their first row: each run of one first row takes a slot of a block.
    runs = np.flatnonzero(np.r_[True, firsts[1:] != firsts[:-1]])
    run_ends = np.r_[runs[1:], len(firsts)]
    for start in range(0, len(runs), per_block):
        block_runs = slice(start, start + per_block)
        low, high = runs[block_runs][0], run_ends[block_runs][-1]
        firsts_here = firsts[runs[block_runs]]
        slot_starts = np.arange(len(firsts_here)) * terms
        lengths = indptr[firsts_here + 1] - indptr[firsts_here]
        stored = _ranges(indptr[firsts_here], lengths)
        cells = np.repeat(slot_starts, lengths) + indices[stored]
        block[cells] = data[stored]
        seconds_here = seconds[low:high]
        second_lengths = indptr[seconds_here + 1] - indptr[seconds_here]
        second_stored = _ranges(indptr[seconds_here], second_lengths)
        pair_slots = np.repeat(slot_starts, run_ends[block_runs] - runs[block_runs])
        products = block[np.repeat(pair_slots, second_lengths) + indices[second_stored]] * data[second_stored]
        nonempty = second_lengths > 0
        if len(products):
            found[low:high][nonempty] = np.add.reduceat(products, (np.cumsum(second_lengths) - second_lengths)[nonempty])
        block[cells] = 0.0
    return found


def entry_rows(matrix: sparse.csr_matrix) -> np.ndarray:
    """The row of each stored entry of a CSR matrix, in storage order."""
    import numpy as np

    return np.repeat(np.arange(matrix.shape[0], dtype=np.int64), np.diff(matrix.indptr))


def _ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """`starts[i], starts[i] + 1, …` for `lengths[i]` values each, all one after another."""
    import numpy as np

    return np.repeat(starts - (np.cumsum(lengths) - lengths), lengths) + np.arange(int(lengths.sum()))


def best_matches(matrix: TextMatrix, rows: np.ndarray, firsts: np.ndarray, seconds: np.ndarray, cosines: np.ndarray,
                 limit: int, min_score: float, duplicate_above: float,
                 known: Callable[[int, int], tuple[str, ...] | None] = lambda first, second: None,
                 ) -> list[tuple[str, tuple[RelatedMatch, ...]]]:
    """The related papers of each of `rows`, from its (first, second) pairs and their cosines: its
    best `limit` pairs, with the terms that explain them (`known` gives those it already has)."""
    import numpy as np

    wanted = (cosines >= min_score) & (cosines <= duplicate_above)
    kept_firsts, kept_seconds = firsts[wanted], seconds[wanted]
    scores = np.round(cosines[wanted].astype(np.float64), 4)
    # Best first within each row; ids are sorted, so ties go to the lower column, the smaller id.
    order = np.lexsort((kept_seconds, -scores, kept_firsts))
    kept_firsts, kept_seconds, scores = kept_firsts[order], kept_seconds[order], scores[order]
    first_of_row = np.searchsorted(kept_firsts, kept_firsts)
    top = np.arange(len(kept_firsts)) - first_of_row < limit
    kept_firsts, kept_seconds, scores = kept_firsts[top], kept_seconds[top], scores[top]
    explained: list[tuple[str, ...] | None] = [known(first, second) for first, second
                                               in zip(kept_firsts.tolist(), kept_seconds.tolist())]
    missing = [position for position, terms in enumerate(explained) if terms is None]
    for position, terms in zip(missing, shared_terms(matrix, kept_firsts[missing], kept_seconds[missing])):
        explained[position] = terms
    matches: dict[int, list[RelatedMatch]] = {row: [] for row in rows.tolist()}
    for row, column, score, terms in zip(kept_firsts.tolist(), kept_seconds.tolist(), scores.tolist(), explained):
        matches[row].append(RelatedMatch(matrix.ids[column], score, terms or ()))
    return [(matrix.ids[row], tuple(found)) for row, found in matches.items()]


ROUGH_SCORE_SLACK = 1e-4
"""How far below a row's floor a changed paper's rough score may fall and still have the row
ranked again: the floor and the score are sums of the same float32 products taken in other
orders. Ranking a row again that did not need it costs time, never exactness."""


def rows_an_edit_can_move(previous: Ranking, digests: np.ndarray, heavy: sparse.csr_matrix) -> tuple[np.ndarray, np.ndarray]:
    """The rows whose list of candidates may differ from `previous`'s, and the rows that only hold
    a changed paper among their candidates (sorted). A row's list may move when its own TF-IDF
    vector changed (its text did, or the document frequency of one of its terms), or when a changed
    paper that is not its candidate now scores near its floor. Every other row has the same vector
    and the same candidates: those holding a changed one are only touched (see `_rescore_touched_rows`)."""
    import numpy as np

    changed = np.flatnonzero(digests != previous.row_digests)
    if not len(changed):
        return changed, changed
    count = len(digests)
    candidates = previous.candidates
    is_changed = np.isin(candidates.indices, changed)
    holding = entry_rows(candidates)[is_changed]
    rough = (heavy @ heavy[changed].T).tocoo()
    near_floor = rough.data >= previous.floors[rough.row] - ROUGH_SCORE_SLACK
    pairs = rough.row[near_floor].astype(np.int64) * count + changed[rough.col[near_floor]]
    # A changed paper already among a row's candidates is checked exactly by `_rescore_touched_rows`.
    gaining = pairs[~np.isin(pairs, holding.astype(np.int64) * count + candidates.indices[is_changed])] // count
    moved = np.union1d(changed, gaining)
    return moved, np.setdiff1d(holding, moved)


def _rescore_touched_rows(previous: Ranking, matrix: TextMatrix, heavy: sparse.csr_matrix, digests: np.ndarray,
                          touched: np.ndarray, limit: int, min_score: float,
                          duplicate_above: float) -> tuple[Ranking, np.ndarray]:
    """`previous` with each touched row's changed candidates scored again, and the touched rows
    whose list of candidates this cannot vouch for (to rank again from scratch).

    A touched row's own vector did not change, so neither did its rough score with a candidate
    that did not, nor the exact cosine. Its list stays the same when each changed candidate still
    scores above the row's floor (both rough scores exact, as sp_matmul_topn sums them): nothing
    else could move across the floor. The floor is a score that did not change, unless the changed
    candidate alone held it and rose: the lowest score of the list is then the new floor. With
    another paper at the floor as well, which of the papers at that score the list keeps is up
    to sp_matmul_topn: the row is ranked again. Its related papers are then the best of the same
    candidates' cosines.
    """
    import numpy as np

    candidates = previous.candidates
    row_of_entry = entry_rows(candidates)
    changed = digests != previous.row_digests
    entries = np.flatnonzero(np.isin(row_of_entry, touched) & changed[candidates.indices])
    firsts, seconds = row_of_entry[entries], candidates.indices[entries]
    rough = pair_rough_scores(heavy, firsts, seconds)
    floors = previous.floors[firsts]
    # The floor's own entry may rise, when it alone holds the floor: the next lowest becomes the floor.
    at_floor = np.bincount(row_of_entry[candidates.data == previous.floors[row_of_entry]], minlength=len(digests))
    failing = (rough <= floors) | ((candidates.data[entries] == floors) & (floors > 0) & (at_floor[firsts] > 1))
    failed = np.unique(firsts[failing])
    vouched = ~np.isin(firsts, failed)
    scores = candidates.data.copy()
    scores[entries[vouched]] = rough[vouched]
    new_floors = previous.floors.copy()
    rising = np.unique(firsts[vouched][candidates.data[entries[vouched]] == floors[vouched]])
    rising = rising[previous.floors[rising] > 0]
    if len(rising):
        new_floors[rising] = [scores[candidates.indptr[row]:candidates.indptr[row + 1]].min() for row in rising.tolist()]
    cosines = previous.cosines.copy()
    cosines[entries[vouched]] = exact_cosines(matrix.rows, firsts[vouched], seconds[vouched])
    # A row's list moves only where a changed candidate was on it, or now scores at least its last.
    firsts, seconds, new_cosines = firsts[vouched], seconds[vouched], cosines[entries[vouched]]
    ids = matrix.ids
    old = {row: {match.paper_id: match for match in previous.matches[ids[row]]} for row in np.unique(firsts).tolist()}
    lowest = np.array([found[-1].score if len(found := previous.matches[ids[row]]) == limit else -1.0
                       for row in firsts.tolist()])
    scores_now = np.round(new_cosines.astype(np.float64), 4)
    entering = (new_cosines >= min_score) & (new_cosines <= duplicate_above) & (scores_now >= lowest)
    listed = np.array([ids[second] in old[first] for first, second in zip(firsts.tolist(), seconds.tolist())], dtype=bool)
    moving = np.unique(firsts[entering | listed])
    in_moving = np.flatnonzero(np.isin(row_of_entry, moving))

    def known(first: int, second: int) -> tuple[str, ...] | None:
        """The terms of a pair listed before, when neither paper's vector changed since."""
        match = None if changed[second] else old[first].get(ids[second])
        return match.terms if match else None

    matches = best_matches(matrix, moving, row_of_entry[in_moving], candidates.indices[in_moving], cosines[in_moving],
                           limit, min_score, duplicate_above, known)
    updated = candidates.copy()
    updated.data = scores
    return Ranking(dict(matches), previous.ids, digests, updated, cosines, new_floors), failed


def pair_rough_scores(heavy: sparse.csr_matrix, firsts: np.ndarray, seconds: np.ndarray) -> np.ndarray:
    """The rough score of each (first, second) pair of rows of `heavy`, to the bit as `best_candidates`
    finds it: sp_matmul_topn itself sums them, from a product where each pair meets only its own row.

    Row p of the left matrix holds the first row's weights, one column per weight; column p of the
    right one holds, in the rows of those columns, the second row's weights of the same terms. So the
    products are added up in the first row's order of terms, as when it meets every row at once.
    """
    import numpy as np
    from scipy import sparse
    from sparse_dot_topn import sp_matmul_topn

    if not len(firsts):
        return np.zeros(0, dtype=np.float32)
    left = heavy[firsts]
    weights = left.nnz
    pair_of_weight = entry_rows(left)
    seconds_weights = np.asarray(heavy[seconds[pair_of_weight], left.indices]).ravel().astype(np.float32)
    held = seconds_weights != 0
    right = sparse.csr_matrix((seconds_weights[held], pair_of_weight[held].astype(np.int32),
                               np.concatenate(([0], np.cumsum(held)))), shape=(weights, len(firsts)))
    spread = sparse.csr_matrix((left.data, np.arange(weights, dtype=np.int32), left.indptr), shape=(len(firsts), weights))
    # `sort` keeps sp_matmul_topn off its plain product, which it takes for a single pair otherwise.
    product = sp_matmul_topn(spread, right, top_n=1, sort=True)
    scores = np.zeros(len(firsts), dtype=np.float32)
    has = np.flatnonzero(np.diff(product.indptr))
    scores[has] = product.data[product.indptr[has]]
    return scores


DIGEST_ROWS = 8192
"""Rows digested at once: bounds the digest's arrays of 8 bytes a weight."""


def row_digests(matrix: TextMatrix) -> np.ndarray:
    """A 64-bit digest of each row's terms and their weights, the same whatever the columns'
    order (see `hashing`): each (term, weight) is mixed into one number and a row's are added up."""
    import numpy as np

    rows = matrix.rows
    term_digests = np.frombuffer(b"".join(hashlib.blake2b(term.encode(), digest_size=8).digest()
                                          for term in matrix.terms.tolist()), dtype=np.uint64)
    digests = np.zeros(rows.shape[0], dtype=np.uint64)
    for first in range(0, rows.shape[0], DIGEST_ROWS):
        bounds = rows.indptr[first:first + DIGEST_ROWS + 1]
        start, stop = int(bounds[0]), int(bounds[-1])
        mixed = mix64(term_digests[rows.indices[start:stop]] ^ (rows.data[start:stop].view(np.uint32).astype(np.uint64)
                                                                * np.uint64(GOLDEN)))
        digests[first:first + len(bounds) - 1] = run_sums(mixed, bounds - start)
    return digests


def _with_rows_replaced(previous: Ranking, selected: np.ndarray, ranked: sparse.csr_matrix, cosines: np.ndarray,
                        floors: np.ndarray) -> tuple[sparse.csr_matrix, np.ndarray, np.ndarray]:
    """`previous`'s candidates, cosines and floors, with those of the `selected` rows (sorted) ranked
    again. The rows between two selected ones are copied as one block."""
    import numpy as np
    from scipy import sparse

    old = previous.candidates
    count = old.shape[0]
    lengths = np.diff(old.indptr)
    lengths[selected] = np.diff(ranked.indptr)
    indptr = np.zeros(count + 1, dtype=np.int64)
    np.cumsum(lengths, out=indptr[1:])
    merged = [(np.empty(int(indptr[-1]), dtype=np.int32), old.indices, ranked.indices),
              (np.empty(int(indptr[-1]), dtype=np.float32), old.data, ranked.data),
              (np.empty(int(indptr[-1]), dtype=np.float32), previous.cosines, cosines)]
    after_last = 0  # the first row not yet copied
    for position, row in enumerate(selected.tolist()):
        for target, before, again in merged:
            target[indptr[after_last]:indptr[row]] = before[old.indptr[after_last]:old.indptr[row]]
            target[indptr[row]:indptr[row + 1]] = again[ranked.indptr[position]:ranked.indptr[position + 1]]
        after_last = row + 1
    for target, before, _ in merged:
        target[indptr[after_last]:] = before[old.indptr[after_last]:]
    (indices, _, _), (data, _, _), (merged_cosines, _, _) = merged
    candidates = sparse.csr_matrix((data, indices, indptr), shape=(count, count))
    merged_floors = previous.floors.copy()
    merged_floors[selected] = floors
    return candidates, merged_cosines, merged_floors


def best_candidates(heavy: sparse.csr_matrix, postings: sparse.csr_matrix, chunk: np.ndarray,
                    per_row: int) -> tuple[sparse.csr_matrix, np.ndarray]:
    """For the rows in `chunk`, the `per_row` other rows sharing most of their heaviest terms,
    and each row's floor (see `Ranking.floors`).

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
    found = sp_matmul_topn(heavy[chunk], postings, top_n=per_row + 1)
    lengths = np.diff(found.indptr)
    floors = np.zeros(len(chunk), dtype=np.float32)
    nonempty = np.flatnonzero(lengths)
    if len(nonempty):
        lowest = np.minimum.reduceat(found.data, found.indptr[nonempty])
        full = lengths[nonempty] == per_row + 1
        floors[nonempty[full]] = lowest[full]
    itself = found.indices == chunk[entry_rows(found)]
    found.data[itself] = 0.0
    found.eliminate_zeros()
    return found, floors


def heaviest_terms(rows: sparse.csr_matrix, keep: int) -> sparse.csr_matrix:
    """Each row cut to its `keep` heaviest terms, normalised again."""
    import numpy as np

    pruned = rows.copy()
    for row in np.nonzero(np.diff(pruned.indptr) > keep)[0]:
        weights = pruned.data[pruned.indptr[row]:pruned.indptr[row + 1]]
        threshold = np.partition(weights, len(weights) - keep)[len(weights) - keep]
        weights[weights < threshold] = 0.0
    pruned.eliminate_zeros()
    normalize_rows(pruned)
    return pruned


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
    pair_of_entry = entry_rows(products)
    # Heaviest first within each pair, in one sort of integer keys: the bits of a positive float32
    # are in the order of its value. The sort is stable and each pair's columns are in
    # alphabetical order of their terms, so ties go alphabetically.
    heaviest_first = np.uint32(0xFFFFFFFF) - products.data.astype(np.float32, copy=False).view(np.uint32)
    order = np.argsort((pair_of_entry << 32) | heaviest_first, kind="stable")
    columns = products.indices[order]
    bounds = products.indptr.tolist()
    terms = matrix.terms
    explanations: list[tuple[str, ...]] = []
    for start, end in zip(bounds, bounds[1:]):
        chosen: list[str] = []
        for term in terms[columns[start:end]].tolist():
            # `self-supervised` explains as much as `self-supervised`, `self`, `supervised`.
            if not any(term in other.split("-") or other in term.split("-") for other in chosen):
                chosen.append(term)
                if len(chosen) == count:
                    break
        explanations.append(tuple(chosen))
    return explanations
