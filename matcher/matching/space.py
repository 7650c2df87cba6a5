"""The term space: documents counted into rows of terms, weighted by IDF, L2-normalised.

TF-IDF's arithmetic on numpy and scipy alone, the same numbers as scikit-learn's
`TfidfVectorizer(sublinear_tf=..., smooth_idf=True, norm="l2")` (tests/test_space.py
compares them). Written here rather than borrowed for two reasons the benchmarks show:
a night counts millions of already analysed terms, which `map()` over a dict does in C
where the vectorizer's loop runs in Python; and the day's read-only commands (`top`, `why`,
`agenda`) rank from the nightly index without importing scikit-learn, about 1.3 s of a
command that should take less than a second.

A document is a list of terms, or a `StoredDocument` (an article's stored terms, read one
document at a time so a night's terms never sit in memory all at once).
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from matcher.matching import counts as kept_counts
from matcher.matching import terms as stored_terms

DTYPE = np.float32
NORMALIZE_ROWS = 2048  # rows normalised at once (normalize_rows)


class StoredDocument:
    """An article's document as its stored terms (`terms.analyze_article`), for one title
    weight, with the key under which its counts may be kept between fits."""

    __slots__ = ("stored", "title_weight", "key")

    def __init__(self, stored: str, title_weight: int, key: tuple[int, int] | None = None):
        self.stored = stored
        self.title_weight = title_weight
        # (article id, counts.document_key(stored)), or None: not kept
        self.key = key

    def terms(self) -> list[str]:
        return stored_terms.document_terms(self.stored, self.title_weight)


def document_terms(document: list[str] | StoredDocument) -> list[str]:
    return document if type(document) is list else document.terms()


@dataclass
class TermCounts:
    """Documents counted: `matrix[i, j]` is how often `vocabulary[j]` occurs in document i.
    `kept` is what a next fit may reuse (`counts.Counts`), when the documents had keys."""

    vocabulary: list[str]       # sorted
    matrix: sp.csr_matrix
    kept: kept_counts.Counts | None = None


def count(documents: Sequence, kept: kept_counts.Counts | None = None, keep: bool = False) -> TermCounts:
    """Count the documents' terms into a vocabulary of their own (sorted). The row of a
    `StoredDocument` whose key is in `kept` is taken from there instead of counted; with
    `keep`, the result carries the counts of every keyed document for the next fit."""
    if kept is not None and documents and type(documents[0]) is StoredDocument \
            and kept.title_weight != documents[0].title_weight:
        kept = None
    # Term ids: the kept vocabulary's first (it is sorted), then new terms as they come.
    vocabulary = defaultdict()
    if kept is not None:
        vocabulary.update(zip(kept.vocabulary, range(len(kept.vocabulary))))
    vocabulary.default_factory = vocabulary.__len__
    lookup = vocabulary.__getitem__
    kept_row = kept.rows() if kept is not None else {}
    reused: list[tuple[int, int]] = []  # (document, kept row)
    counted: list[int] = []              # documents counted here
    indices = array("i")  # term ids: a vocabulary is far below 2**31 terms
    indptr = [0]
    for i, doc in enumerate(documents):
        row = kept_row.get(doc.key) if type(doc) is StoredDocument and doc.key is not None else None
        if row is not None:
            reused.append((i, row))
            continue
        indices.extend(map(lookup, document_terms(doc)))
        indptr.append(len(indices))
        counted.append(i)
    terms = list(vocabulary)
    # Columns in alphabetical order; the kept ones are sorted already, so their rows stay sorted.
    order = sorted(range(len(terms)), key=terms.__getitem__)
    rank = np.empty(len(terms), dtype=np.int64)
    rank[order] = np.arange(len(terms))
    index_dtype = np.int32 if len(indices) + (kept.matrix.nnz if kept else 0) <= np.iinfo(np.int32).max else np.int64
    matrix = sp.csr_matrix(
        (np.ones(len(indices), dtype=DTYPE), rank[np.frombuffer(indices, dtype=np.intc)].astype(index_dtype),
         np.asarray(indptr, dtype=index_dtype)),
        shape=(len(counted), len(terms)),
    )
    matrix.sum_duplicates()  # the counts, indices sorted within each row
    if reused:
        old = kept.matrix[[row for _, row in reused]]
        old = sp.csr_matrix((old.data.astype(DTYPE), rank[old.indices].astype(index_dtype), old.indptr),
                            shape=(len(reused), len(terms)))
        position = np.empty(len(documents), dtype=np.int64)  # document -> row of the stack
        position[[i for i, _ in reused] + counted] = np.arange(len(documents))
        matrix = sp.vstack([old, matrix], format="csr")[position]
    if kept is not None:
        matrix, order = _without_unused_terms(matrix, order, rank)
    matrix.has_sorted_indices = True
    vocabulary_sorted = [terms[j] for j in order]
    return TermCounts(vocabulary_sorted, matrix, _to_keep(documents, vocabulary_sorted, matrix) if keep else None)


def _to_keep(documents, vocabulary: list[str], matrix: sp.csr_matrix) -> kept_counts.Counts | None:
    """The counts of the keyed documents, all of one title weight; else None (nor a term
    holding a line break, which a plain list of terms might)."""
    weights = {doc.title_weight if type(doc) is StoredDocument else None for doc in documents}
    if len(weights) != 1 or None in weights:
        return None
    keyed = [i for i, doc in enumerate(documents) if doc.key is not None]
    return kept_counts.Counts(
        vocabulary, np.array([documents[i].key[0] for i in keyed], dtype=np.int64),
        np.array([documents[i].key[1] for i in keyed], dtype=np.int64),
        matrix[keyed] if len(keyed) < len(documents) else matrix, weights.pop())


def _without_unused_terms(matrix: sp.csr_matrix, order: list[int], rank: np.ndarray):
    """The matrix and the term order without the terms no row has (those only kept articles
    no longer in the window had): tonight's vocabulary is tonight's articles' terms."""
    used = np.bincount(matrix.indices, minlength=matrix.shape[1]) > 0
    if used.all():
        return matrix, order
    new_id = (np.cumsum(used) - 1).astype(matrix.indices.dtype)  # monotonic: rows stay sorted
    matrix = sp.csr_matrix((matrix.data, new_id[matrix.indices], matrix.indptr),
                           shape=(matrix.shape[0], int(used.sum())))
    return matrix, [j for j in order if used[rank[j]]]


@dataclass
class TermSpace:
    """A fitted vocabulary with its IDF: turns documents into L2-normalised TF-IDF rows."""

    terms: np.ndarray          # column j's term (str), sorted
    idf: np.ndarray            # column j's inverse document frequency
    sublinear_tf: bool = True  # 1 + log(tf)
    vocabulary: dict[str, int] = field(init=False, repr=False)
    is_word: np.ndarray = field(init=False, repr=False)  # a word, not a bigram

    def __post_init__(self):
        self.vocabulary = {str(t): j for j, t in enumerate(self.terms)}
        self.is_word = np.char.find(self.terms.astype(str), " ") < 0 if len(self.terms) else np.zeros(0, bool)

    def count(self, documents: Sequence) -> sp.csr_matrix:
        """Term counts of the documents over this vocabulary (unknown terms left out)."""
        get = self.vocabulary.get
        indices, indptr = [], [0]
        for doc in documents:
            ids = [j for j in map(get, document_terms(doc)) if j is not None]
            indices.extend(ids)
            indptr.append(len(indices))
        matrix = sp.csr_matrix((np.ones(len(indices), dtype=DTYPE), np.asarray(indices, dtype=np.int32),
                                np.asarray(indptr, dtype=np.int64)), shape=(len(documents), len(self.terms)))
        matrix.sum_duplicates()
        return matrix

    def weigh(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """TF-IDF rows of term counts, L2-normalised."""
        matrix = sp.csr_matrix(counts, dtype=DTYPE, copy=True)
        matrix.sum_duplicates()
        if self.sublinear_tf:
            np.log(matrix.data, out=matrix.data)
            matrix.data += 1
        matrix.data *= self.idf[matrix.indices]
        return normalize_rows(matrix)

    def transform(self, documents: Sequence) -> sp.csr_matrix:
        return self.weigh(self.count(documents))


def fit(counted: TermCounts, min_df: int = 1, max_df: float | int = 1.0,
        sublinear_tf: bool = True) -> tuple[TermSpace, sp.csr_matrix]:
    """The space of the counted documents, keeping the terms found in at least `min_df` and
    at most `max_df` (a count, or a share when a float) documents; and their TF-IDF rows.
    IDF is scikit-learn's smooth one: ln((1 + n) / (1 + df)) + 1. Raises ValueError when no
    term is left."""
    matrix = counted.matrix
    n = matrix.shape[0]
    df = np.bincount(matrix.indices, minlength=matrix.shape[1])
    most = max_df * n if isinstance(max_df, float) else max_df
    least = min_df * n if isinstance(min_df, float) else min_df
    kept = (df >= least) & (df <= most)
    if not kept.any():
        raise ValueError("no term left: the documents are empty, or min_df/max_df removed every term")
    columns = np.flatnonzero(kept)
    matrix = matrix[:, columns] if len(columns) < matrix.shape[1] else matrix
    # In float32 as scikit-learn computes it, so the numbers are the same to the bit.
    idf = np.log((n + 1) / (df[columns].astype(DTYPE) + 1)) + 1
    space = TermSpace(np.asarray(counted.vocabulary, dtype=object)[columns].astype(str), idf, sublinear_tf)
    return space, space.weigh(matrix)


def normalize_rows(matrix) -> sp.csr_matrix:
    """A copy of the matrix with each row scaled to unit length (an all-zero row stays zero)."""
    matrix = sp.csr_matrix(matrix, dtype=DTYPE, copy=True)
    if not matrix.nnz:
        return matrix
    # As scikit-learn's `normalize`: squares in the data's precision, summed and divided in
    # double, so both give the same rows to the bit.
    lengths = np.diff(matrix.indptr)
    filled = lengths > 0  # reduceat over the rows that have terms: each sums up to the next
    norms = np.ones(matrix.shape[0])
    norms[filled] = np.sqrt(np.add.reduceat(matrix.data * matrix.data, matrix.indptr[:-1][filled],
                                            dtype=np.float64))
    # In slices of rows: the double-precision temporaries stay small on a night's matrix.
    for start in range(0, matrix.shape[0], NORMALIZE_ROWS):
        rows = slice(start, start + NORMALIZE_ROWS)
        a, b = matrix.indptr[start], matrix.indptr[min(start + NORMALIZE_ROWS, matrix.shape[0])]
        matrix.data[a:b] = matrix.data[a:b] / np.repeat(norms[rows], lengths[rows])
    return matrix


def top_terms(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
    """Keep each row's n heaviest terms (a centroid of long articles is mostly noise)."""
    matrix = sp.csr_matrix(matrix, dtype=np.float32)
    if n <= 0:
        return matrix
    for i in range(matrix.shape[0]):
        start, end = matrix.indptr[i], matrix.indptr[i + 1]
        if end - start > n:
            data = matrix.data[start:end]
            cut = np.partition(data, end - start - n)[end - start - n]
            data[data < cut] = 0
    matrix.eliminate_zeros()
    return matrix
