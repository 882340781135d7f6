"""Search stage: papers into the static files the browser's search reads.

The index is lunr's (lunr.py builds the same terms and scores; lunr.js 2.3.9
queries it in the browser), partitioned by term so that a query downloads only
the shards holding its terms. Layout of the `search/` folder:

- `manifest.json`: fields, document count, shard keys and the other file counts.
- `shards/N.json`: the terms whose longest shard key is `shards[N]`; each term
  carries its whole-corpus lunr term index and, per field, the documents it
  occurs in with their lunr field-vector scores.
- `docs/N.json`: display records (title, URL, authors, day, tags, snippet,
  has_code) of documents `N * docChunk ...`, fetched only for results shown.
- `facets.json`: tag, month and has-code facets of every document, for counts.
- `ids/N.json`: paper id -> document number, bucketed by a hash of the id, so
  typing an arXiv id can offer that paper first.

Why a compact shard encoding instead of lunr's serialised JSON: lunr writes
each posting twice (in `invertedIndex`, and as a `fieldVectors` entry keyed by
`field/ref`). Measured on 10,000 generated papers, the shards of "training
data" are 117 KB gzipped as lunr JSON and 29 KB here: lunr's form would leave
too little of the 150 KB budget for scripts and display data. The client expands shards back to
lunr's serialised form (`expandShards` in search.js) and calls
`lunr.Index.load`; the tests check the expansion is exactly lunr.py's index
and that lunr.js answers as lunr.py does, score for score.
"""

from __future__ import annotations

import hashlib
import logging
import math
import pickle
import re
from array import array
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from lunr import get_default_builder
from lunr.token import Token
from lunr.tokenizer import SEPARATOR_CHARS

from .frozen import frozen
from .hashing import GOLDEN, mix64, run_sums
from .json_text import compact_json

if TYPE_CHECKING:
    import numpy as np

logger = logging.getLogger(__name__)

# Field name and lunr boost, in index order. A title hit outweighs many
# abstract hits; tags and authors are short fields, so a hit there is a strong
# signal too.
SEARCH_FIELDS: tuple[tuple[str, int], ...] = (
    ("title", 10),
    ("authors", 3),
    ("tags", 5),
    ("abstract", 1),
    ("notes", 1),
)
FIELD_NAMES = tuple(name for name, _ in SEARCH_FIELDS)
# lunr's BM25 parameters (Builder defaults, identical in lunr.js).
K1 = 1.2
B = 0.75
# Display records per `docs/N.json`. A results page of 10 touches up to 10
# chunks, so small chunks keep a first query's bytes low (a record is about
# 250 bytes gzipped; 10 chunks of 8 cost 20 KB, of 4 about 11 KB).
DOC_CHUNK = 4
# Target size of one shard file in bytes before gzip; a single term bigger
# than this gets a shard of its own.
SHARD_TARGET_BYTES = 24_000
# Paper ids per `ids/N.json` bucket, on average.
IDS_PER_BUCKET = 1024
SNIPPET_CHARS = 200
MAX_AUTHORS_SHOWN = 8
FORMAT_VERSION = 1

# lunr's tokenizer splits on exactly these characters (after lower-casing the
# whole string); one regex split gives the same tokens without a Token object
# per word.
_SPLIT = re.compile("[" + re.escape(SEPARATOR_CHARS) + "]+").split


@frozen
class SearchDocument:
    """What the search knows of one paper."""

    ref: str
    """The paper id, e.g. "2503.10000", "hep-th/9901001" or a slug."""
    url: str
    """The page URL, root-relative including the site's base path."""
    title: str
    """Plain text (math as TeX source)."""
    authors: tuple[str, ...]
    tags: tuple[str, ...]
    """Tag display names."""
    tag_slugs: tuple[str, ...]
    abstract: str
    """Plain text."""
    notes: str
    """Plain text, may be empty."""
    day: str
    """Digest day, YYYY-MM-DD."""
    has_code: bool


def lunr_document(doc: SearchDocument) -> dict[str, str]:
    """The document as lunr sees it: one string per field.

    Authors and tags are joined into one string so that lunr's tokenizer splits
    the names into words (lunr keeps each list element as a single token).
    """
    return {
        "ref": doc.ref,
        "title": doc.title,
        "authors": ", ".join(doc.authors),
        "tags": ", ".join(doc.tags),
        "abstract": doc.abstract,
        "notes": doc.notes,
    }


def document_order(docs: Sequence[SearchDocument]) -> list[SearchDocument]:
    """Documents in index order: newest day first, then by id.

    The document number (the lunr ref in the shards) is the position in this
    list, so display chunks and facet runs follow the digest's own order.
    """
    # sorted() is stable with reverse=True too: equal days keep id order.
    return sorted(sorted(docs, key=lambda d: d.ref), key=lambda d: d.day, reverse=True)


@dataclass(frozen=True)
class KeptTokens:
    """What splitting a corpus into words gave, kept for the next build: each document's raw
    tokens, as numbers into one list of words, found by a hash of its fields (`document_key`)."""

    words: list[str]
    """Each distinct raw token: lower-cased and split as lunr's tokenizer splits."""
    terms: list[str]
    """The lunr term of each word; "" when lunr's pipeline drops it."""
    documents: dict[bytes, int]
    """`document_key` -> the document's row in `counts`."""
    counts: np.ndarray
    """Raw tokens in each field of each document (documents x fields, int32)."""
    tokens: np.ndarray
    """The word number of every raw token, document by document, field by field (int32)."""


def document_key(doc: dict[str, str]) -> bytes:
    """A hash of a lunr document's fields: what its tokens are kept by."""
    return hashlib.blake2b("\0".join(doc[name] for name in FIELD_NAMES).encode("utf-8", "surrogatepass"),
                           digest_size=16).digest()


class Tokeniser:
    """Splits lunr documents into raw tokens and gives each word its term through lunr.py's own
    pipeline, once per word.

    Trimmer, stop-word filter and stemmer look at one token only, so a term depends on
    its word alone; stemming the same word over and over would be most of lunr.py's
    build time. Given what an earlier build kept (`KeptTokens`), a document whose
    fields are unchanged is not split again and a word seen then is not stemmed again.
    """

    def __init__(self, kept: KeptTokens | None = None) -> None:
        self.pipeline = get_default_builder().pipeline
        self._remember(kept)

    def _remember(self, kept: KeptTokens | None) -> None:
        self.kept = kept
        """The corpus split last: what the next build's `Tokeniser` takes."""
        self.words: list[str] = list(kept.words) if kept else []
        self.terms: list[str] = list(kept.terms) if kept else []
        self._numbers = {word: number for number, word in enumerate(self.words)}

    def word_number(self, raw: str) -> int:
        """The number of a raw token in `words`, which it joins (with its term) when new."""
        number = self._numbers.get(raw)
        if number is None:
            out = self.pipeline.run([Token(raw)]) if raw else []
            if len(out) > 1:
                raise ValueError(f"the lunr pipeline expanded `{raw}` into {len(out)} terms")
            number = self._numbers[raw] = len(self.words)
            self.words.append(raw)
            self.terms.append(str(out[0]) if out else "")
        return number

    def split(self, lunr_docs: Sequence[dict[str, str]],
              progress: Callable[[str, int, int], None] | None = None) -> KeptTokens:
        """The raw tokens of every document, field by field, which the tokeniser then keeps:
        those of a document split last time are taken from what it kept."""
        import numpy as np

        kept = self.kept
        kept_starts = np.concatenate(([0], np.cumsum(kept.counts.sum(axis=1)))) if kept else None
        keys = [document_key(doc) for doc in lunr_docs]
        pieces: list[np.ndarray] = []
        counts = np.zeros((len(lunr_docs), len(FIELD_NAMES)), dtype=np.int32)
        documents: dict[bytes, int] = {}
        number_of = self.word_number
        for doc_number, (doc, key) in enumerate(zip(lunr_docs, keys)):
            if progress and doc_number % 1000 == 999:
                progress("search", doc_number + 1, len(lunr_docs))
            documents.setdefault(key, doc_number)
            row = kept.documents.get(key) if kept else None
            if row is not None:
                counts[doc_number] = kept.counts[row]
                pieces.append(kept.tokens[kept_starts[row]:kept_starts[row + 1]])
                continue
            tokens = array("i")
            for field, name in enumerate(FIELD_NAMES):
                raw = _SPLIT(doc[name].lower()) if doc[name] else ()
                counts[doc_number, field] = len(raw)
                tokens.extend(map(number_of, raw))
            pieces.append(np.frombuffer(tokens, dtype=np.int32))
        tokens = np.concatenate(pieces) if pieces else np.zeros(0, dtype=np.int32)
        # Keep only the words these documents hold, numbered again in their order.
        held = np.bincount(tokens, minlength=len(self.words)) > 0
        renumbered = np.cumsum(held, dtype=np.int32) - 1
        words = [word for word, keep in zip(self.words, held.tolist()) if keep]
        terms = [term for term, keep in zip(self.terms, held.tolist()) if keep]
        corpus = KeptTokens(words, terms, documents, counts, renumbered[tokens])
        self._remember(corpus)
        return corpus


@dataclass
class TermIndex:
    """lunr's index of a corpus, as flat arrays of postings rather than lunr objects.

    Postings are ordered by term number, then field, then document; those of
    term `n` in field `f` are numbers `starts[n * F + f]` to `starts[n * F + f + 1]`
    (F fields).
    """

    terms: list[str]
    """Each term at its lunr term index."""
    starts: np.ndarray
    pairs: np.ndarray
    """[document gap, score * 1000, ...] per posting (int32); a gap is from the
    previous document of the same term and field (the first from 0)."""

    def term_numbers(self) -> dict[str, int]:
        return {term: n for n, term in enumerate(self.terms)}

    def field_pairs(self, n: int) -> list[list[int]]:
        """Term `n`'s gap-coded [gap, score, ...] list of each field."""
        fields = len(FIELD_NAMES)
        bounds = self.starts[n * fields:(n + 1) * fields + 1].tolist()
        first = bounds[0]
        pairs = self.pairs[2 * first:2 * bounds[-1]].tolist()
        return [pairs[2 * (a - first):2 * (b - first)] for a, b in zip(bounds, bounds[1:])]

    def posting_digests(self) -> np.ndarray:
        """A 64-bit digest of each term's postings (see `hashing`): each posting's document
        gap and score, mixed with its field and its place among the term's postings.

        Made for whole terms of up to `DIGEST_BATCH` postings at a time: arrays of every
        posting at once were the search child's peak, 900 MB above what it inherits at
        100,000 papers."""
        import numpy as np

        term_starts = self.starts[::len(FIELD_NAMES)]
        digests = np.zeros(len(self.terms), dtype=np.uint64)
        first = 0
        while first < len(self.terms):
            ending = int(np.searchsorted(term_starts, term_starts[first] + DIGEST_BATCH, side="right")) - 1
            last = max(first + 1, ending)  # a term of more postings than a batch is a batch of its own
            digests[first:last] = self._posting_digests(first, last)
            first = last
        return digests

    def _posting_digests(self, first: int, last: int) -> np.ndarray:
        """`posting_digests` of terms `first` to `last` (excluded)."""
        import numpy as np

        fields = len(FIELD_NAMES)
        starts = self.starts[first * fields:last * fields + 1]
        low = int(starts[0])
        term_starts = starts[::fields] - low
        count = int(term_starts[-1])
        # Each posting's field and place, from where each (term, field) list begins.
        field = np.repeat(np.tile(np.arange(fields, dtype=np.uint64), last - first), np.diff(starts))
        place = np.arange(count, dtype=np.uint64) - np.repeat(term_starts[:-1], np.diff(term_starts)).astype(np.uint64)
        pair = self.pairs[2 * low:2 * (low + count)].view(np.uint32).astype(np.uint64)
        mixed = mix64((pair[0::2] << np.uint64(32)) | pair[1::2])
        mixed += place * np.uint64(GOLDEN) + field
        return run_sums(mix64(mixed), term_starts)

    def posting_counts(self) -> list[int]:
        """Postings of each term, over all fields."""
        starts = self.starts[::len(FIELD_NAMES)].tolist()
        return [b - a for a, b in zip(starts, starts[1:])]


# Postings scored at once: bounds the float arrays of `_Scores.of` (8 bytes a posting each).
SCORE_BATCH = 1 << 20
DIGEST_BATCH = 1 << 20
"""Postings digested at once, in whole terms: bounds the uint64 arrays of `TermIndex.posting_digests`."""


def build_term_index(lunr_docs: Sequence[dict[str, str]], progress: Callable[[str, int, int], None] | None = None,
                     tokeniser: Tokeniser | None = None) -> TermIndex:
    """Terms, term indices and field-vector scores exactly as lunr.py's `lunr()` makes them.

    Same tokenizer split, same pipeline, same first-seen term numbering, same
    BM25 arithmetic in the same order, same rounding to 3 decimals; scores are
    kept as integers (round(score, 3) * 1000), which lunr reads back as
    `k / 1000`, the same double. Tokenising is Python (`Tokeniser`, which can
    reuse an earlier build's); numbering, counting and scoring run over arrays of
    every token at once.
    """
    import numpy as np

    corpus = (tokeniser or Tokeniser()).split(lunr_docs, progress)
    # Each word's term as a number, then terms numbered again in the order lunr first sees them.
    term_numbers: dict[str, int] = {}
    term_of_word = np.array([term_numbers.setdefault(term, len(term_numbers)) if term else -1 for term in corpus.terms],
                            dtype=np.int32)
    term_of = term_of_word[corpus.tokens]
    group = np.repeat(np.arange(corpus.counts.size, dtype=np.int32), corpus.counts.ravel())
    indexed = term_of >= 0  # not a word lunr's pipeline drops
    term_of, group = term_of[indexed], group[indexed]
    del indexed
    # Each term's first place, found without sorting the tokens (np.unique would, to the same end).
    first_place = np.full(len(term_numbers), len(term_of), dtype=np.int64)
    np.minimum.at(first_place, term_of, np.arange(len(term_of)))
    seen = np.flatnonzero(first_place < len(term_of))
    in_order = seen[np.argsort(first_place[seen])]
    renumbered = np.empty(len(term_numbers), dtype=np.int32)
    renumbered[in_order] = np.arange(len(in_order), dtype=np.int32)
    term_of = renumbered[term_of]
    named = list(term_numbers)
    terms = [named[number] for number in in_order.tolist()]
    doc_count, fields, term_count = len(lunr_docs), len(FIELD_NAMES), len(terms)
    lengths = np.bincount(group, minlength=doc_count * fields).reshape(doc_count, fields)  # in terms
    # One key per (term, field, document), sorted in posting order; its count is the term frequency.
    keys = term_of * np.int64(fields * doc_count) + group % fields * doc_count + group // fields
    del term_of, group  # before the sort, the search child's peak at 100,000 papers
    keys, tf = np.unique(keys, return_counts=True)
    term = (keys // (fields * doc_count)).astype(np.int32)
    term_field = (keys // doc_count).astype(np.int32)
    doc = (keys % doc_count).astype(np.int32)
    del keys
    field = term_field - term * fields
    scores = _Scores(lengths, np.bincount(term, minlength=term_count))

    pairs = np.empty(2 * len(doc), dtype=np.int32)
    for start in range(0, len(doc), SCORE_BATCH):
        batch = slice(start, start + SCORE_BATCH)
        pairs[2 * start:2 * (start + SCORE_BATCH):2] = doc[batch]
        pairs[2 * start + 1:2 * (start + SCORE_BATCH):2] = scores.of(term[batch], field[batch], doc[batch], tf[batch])
    starts = np.searchsorted(term_field, np.arange(term_count * fields + 1))
    # Documents as gaps from the previous one of the same term and field.
    gaps = pairs[0::2]
    gaps[1:] -= doc[:-1]
    firsts = starts[:-1][np.diff(starts) > 0]
    gaps[firsts] = doc[firsts]
    return TermIndex(terms, starts, pairs)


class _Scores:
    """lunr's BM25 field-vector scores, as thousandths (lunr.Builder._create_field_vectors).

    Each float operation is the one lunr performs, in the same order, on IEEE
    doubles: the results are bit-identical.
    """

    def __init__(self, lengths: np.ndarray, with_term: np.ndarray) -> None:
        """`lengths[doc, field]`: terms in each field of each document; `with_term`: postings
        of each term, over all fields."""
        import numpy as np

        doc_count = len(lengths)
        self.lengths = lengths
        self.idf = np.array([math.log(1 + abs((doc_count - n + 0.5) / (n + 0.5))) for n in with_term.tolist()])
        self.averages = np.array([int(total) / doc_count for total in lengths.sum(axis=0)] if doc_count else [])
        self.boosts = np.array([float(boost) for _, boost in SEARCH_FIELDS])

    def of(self, term: np.ndarray, field: np.ndarray, doc: np.ndarray, tf: np.ndarray) -> np.ndarray:
        """The score of each posting (term, field, document, term frequency)."""
        import numpy as np

        frequency = tf.astype(np.float64)
        denominator = K1 * (1 - B + B * (self.lengths[doc, field] / self.averages[field]))
        return thousandths(self.idf[term] * ((K1 + 1) * frequency) / (denominator + frequency) * self.boosts[field])


def thousandths(values: np.ndarray) -> np.ndarray:
    """`round(round(v, 3) * 1000)` of each value, as lunr.py stores a score: the integer
    nearest the exact value times 1000, halves to even."""
    import numpy as np

    # rint of the float product is that integer, unless the product lies within
    # its rounding error of a half: those few are rounded as Python rounds them.
    scaled = values * 1000
    rounded = np.rint(scaled)
    near_half = np.flatnonzero(np.abs(scaled - np.floor(scaled) - 0.5) < 1e-6)
    rounded[near_half] = [round(round(v, 3) * 1000) for v in values[near_half].tolist()]
    return rounded.astype(np.int64)


def partition_terms(sizes: dict[str, int], target: int) -> dict[str, list[str]]:
    """Shard key -> terms, where each term goes to the longest key that prefixes it.

    Keys grow one character at a time where a prefix holds more than `target`
    bytes, so common prefixes ("co", "pr") are split finely and rare ones share
    a shard; what a split prefix leaves over joins its parent's shard when it
    fits. A single term larger than `target` gets a shard of its own.
    """
    shards: dict[str, list[str]] = {}

    def split(prefix: str, group: list[str], size: int) -> tuple[list[str], int]:
        """Emit shards below `prefix`; return the terms left for `prefix` or an ancestor."""
        if size <= target or len(group) == 1:
            return group, size
        depth = len(prefix)
        rest = [t for t in group if len(t) == depth]
        rest_size = sum(sizes[t] for t in rest)
        children: dict[str, list[str]] = {}
        for term in group:
            if len(term) > depth:
                children.setdefault(term[: depth + 1], []).append(term)
        # Largest children first: each either fits beside the rest or is split.
        ranked = sorted(children.items(), key=lambda kv: (-sum(sizes[t] for t in kv[1]), kv[0]))
        for key, terms in ranked:
            child_size = sum(sizes[t] for t in terms)
            if rest_size + child_size > target:
                terms, child_size = split(key, terms, child_size)
                if rest_size + child_size > target:
                    shards[key] = terms
                    continue
            rest += terms
            rest_size += child_size
        return rest, rest_size

    left, _ = split("", sorted(sizes), sum(sizes.values()))
    if left:
        shards[""] = left
    return {key: sorted(terms) for key, terms in shards.items()}


def shard_entry(index: TermIndex, number: int) -> list[object]:
    """One term as stored in a shard: [term, lunr term index, per-field gap-coded pairs...]."""
    return [index.terms[number], number, *index.field_pairs(number)]


def id_bucket(paper_id: str, buckets: int) -> int:
    """FNV-1a over the id's characters, modulo `buckets`; search.js computes the same."""
    h = 0x811C9DC5
    for ch in paper_id:
        h = ((h ^ ord(ch)) * 0x01000193) & 0xFFFFFFFF
    return h % buckets


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    """The start of `text`, cut at a word boundary, at most about `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit].rstrip(" ,;:.") + "…"


def display_record(doc: SearchDocument) -> dict[str, object]:
    """What the results list shows of one paper."""
    record: dict[str, object] = {
        "id": doc.ref,
        "url": doc.url,
        "title": doc.title,
        "authors": list(doc.authors[:MAX_AUTHORS_SHOWN]),
        "day": doc.day,
        "tags": [[name, slug] for name, slug in zip(doc.tags, doc.tag_slugs)],
        "snippet": snippet(doc.abstract),
    }
    if len(doc.authors) > MAX_AUTHORS_SHOWN:
        record["moreAuthors"] = len(doc.authors) - MAX_AUTHORS_SHOWN
    if doc.has_code:
        record["code"] = 1
    return record


def facet_table(docs: Sequence[SearchDocument]) -> dict[str, object]:
    """Tag, month and has-code of every document, compactly, for facet counts.

    `tags[i]` is [slug, name] and `tagDocs[i]` the documents with that tag;
    `monthRuns` are [month index, document count] over document numbers
    (documents are in day order, so a month is one run); `code` lists the
    documents with code. Document lists are gap-coded: per-tag gaps gzip
    better than per-document tag lists (31 KB against 35 KB at 10,000 papers).
    """
    names: dict[str, str] = {}
    for doc in docs:
        for name, slug in zip(doc.tags, doc.tag_slugs):
            names.setdefault(slug, name)
    tag_slugs = sorted(names, key=lambda s: (names[s].casefold(), s))
    tag_number = {slug: i for i, slug in enumerate(tag_slugs)}
    tag_docs: list[list[int]] = [[] for _ in tag_slugs]
    for n, doc in enumerate(docs):
        for slug in dict.fromkeys(doc.tag_slugs):
            tag_docs[tag_number[slug]].append(n)
    months = sorted({doc.day[:7] for doc in docs}, reverse=True)
    month_number = {month: i for i, month in enumerate(months)}
    runs: list[list[int]] = []
    for doc in docs:
        m = month_number[doc.day[:7]]
        if runs and runs[-1][0] == m:
            runs[-1][1] += 1
        else:
            runs.append([m, 1])
    return {
        "tags": [[slug, names[slug]] for slug in tag_slugs],
        "tagDocs": [_gaps(numbers) for numbers in tag_docs],
        "months": months,
        "monthRuns": runs,
        "code": _gaps([n for n, doc in enumerate(docs) if doc.has_code]),
    }


def _gaps(numbers: list[int]) -> list[int]:
    """Increasing numbers as differences from the previous one (the first from 0)."""
    return [b - a for a, b in zip([0, *numbers], numbers)]


def build_search_files(
    docs: Sequence[SearchDocument], *, shard_threshold: int = 2000, workers: int = 1,
    progress: Callable[[str, int, int], None] | None = None, tokeniser: Tokeniser | None = None,
) -> dict[str, bytes]:
    """Every file of the search data, keyed by its path relative to the output's `search/` folder.

    Below `shard_threshold` documents the index is a single shard (key "");
    the client is the same either way. `workers` is accepted for the build's
    uniform step signature; one process builds 10,000 papers well within the
    time budget, so it is not used yet. `tokeniser` may hold what an earlier
    build kept (see `build_term_index`).
    """
    del workers
    return make_search_files(docs, shard_threshold=shard_threshold, progress=progress, tokeniser=tokeniser).made


@frozen
class FileKey:
    """What one search file was made from, and what it holds."""

    source: str
    """A hash of the data the file is encoded from."""
    content: str
    """A hash of the file's bytes."""


@dataclass
class SearchFiles:
    made: dict[str, bytes]
    """The files encoded by this build, by path in `search/`."""
    unchanged: list[str]
    """Files left out of `made`: made from the same data as last time, and still in place."""
    keys: dict[str, FileKey]
    """Every file's key, for the next build."""


def make_search_files(
    docs: Sequence[SearchDocument], *, shard_threshold: int = 2000,
    progress: Callable[[str, int, int], None] | None = None, tokeniser: Tokeniser | None = None,
    previous: dict[str, FileKey] | None = None, in_place: Callable[[str], bool] = lambda path: False,
) -> SearchFiles:
    """The files of `build_search_files`, encoding again only the shards and document chunks whose data
    changed since the build that made `previous` (most of them, after most edits, are the same);
    `in_place(path)` says whether a file of that build is still there to keep."""
    import numpy as np

    ordered = document_order(docs)
    _check_unique(ordered)
    index = build_term_index([lunr_document(d) for d in ordered], progress, tokeniser)
    numbers = index.term_numbers()
    if len(ordered) < shard_threshold:
        groups = {"": sorted(index.terms)} if index.terms else {}
    else:
        groups = partition_terms(_term_sizes(index), SHARD_TARGET_BYTES)

    result = SearchFiles({}, [], {})

    def add(path: str, source: str, encode: Callable[[], bytes]) -> None:
        """Encode the file, unless it would be made from the same data as the one in place."""
        before = (previous or {}).get(path)
        if before is not None and before.source == source and in_place(path):
            result.unchanged.append(path)
            result.keys[path] = before
        else:
            data = result.made[path] = encode()
            result.keys[path] = FileKey(source, _hash(data))

    keys = sorted(groups)
    postings = index.posting_digests()
    for number, key in enumerate(keys):
        terms = [numbers[term] for term in sorted(groups[key])]
        # The shard's terms, their lunr indices and their postings are what it is encoded from.
        source = _hash("\0".join(index.terms[n] for n in terms).encode("utf-8", "surrogatepass") +
                       np.array(terms, dtype=np.int64).tobytes() + postings[terms].tobytes())
        add(f"shards/{number}.json", source, lambda terms=terms: compact_json({"terms": [shard_entry(index, n) for n in terms]}))
    chunks = math.ceil(len(ordered) / DOC_CHUNK)
    for number in range(chunks):
        chunk = ordered[number * DOC_CHUNK : (number + 1) * DOC_CHUNK]
        add(f"docs/{number}.json", _hash(pickle.dumps(chunk, protocol=pickle.HIGHEST_PROTOCOL)),
            lambda chunk=chunk: compact_json([display_record(d) for d in chunk]))
    buckets = max(1, math.ceil(len(ordered) / IDS_PER_BUCKET))
    by_bucket: dict[int, dict[str, int]] = {b: {} for b in range(buckets)}
    for number, doc in enumerate(ordered):
        by_bucket[id_bucket(doc.ref, buckets)][doc.ref] = number
    for bucket, ids in by_bucket.items():
        data = compact_json(ids)
        add(f"ids/{bucket}.json", _hash(data), lambda data=data: data)  # small: always made, kept when the same
    facets = compact_json(facet_table(ordered))
    add("facets.json", _hash(facets), lambda: facets)

    # The build's version changes with any file's bytes: a hash of their hashes.
    digest = hashlib.sha256()
    for path in sorted(result.keys):
        digest.update(path.encode() + b"\0" + result.keys[path].content.encode() + b"\0")
    manifest = compact_json(
        {
            "format": FORMAT_VERSION,
            "lunr": "2.3.9",
            "build": digest.hexdigest()[:16],
            "fields": list(FIELD_NAMES),
            "docCount": len(ordered),
            "docChunk": DOC_CHUNK,
            "idBuckets": buckets,
            "shards": keys,
        }
    )
    result.made["manifest.json"] = manifest
    result.keys["manifest.json"] = FileKey("", _hash(manifest))
    logger.debug("search: %d documents, %d terms, %d shards, %d files kept", len(ordered), len(index.terms),
                 len(keys), len(result.unchanged))
    return result


def _hash(data: bytes) -> str:
    return hashlib.blake2b(data, digest_size=16).hexdigest()


def _term_sizes(index: TermIndex) -> dict[str, int]:
    """Approximate encoded bytes of each term's shard entry (digits plus separators per posting)."""
    return {term: len(term.encode()) + 16 + 7 * count for term, count in zip(index.terms, index.posting_counts())}


def _check_unique(docs: Iterable[SearchDocument]) -> None:
    seen: set[str] = set()
    for doc in docs:
        if doc.ref in seen:
            raise ValueError(f"search: paper id `{doc.ref}` appears twice (hint: ids must be unique)")
        seen.add(doc.ref)


__all__: list[str] = [
    "KeptTokens",
    "SearchDocument",
    "Tokeniser",
    "build_search_files",
    "make_search_files",
    "SearchFiles",
    "FileKey",
    "lunr_document",
    "document_order",
    "build_term_index",
    "partition_terms",
    "id_bucket",
    "SEARCH_FIELDS",
]
