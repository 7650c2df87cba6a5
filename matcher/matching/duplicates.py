"""Near-duplicate stories: the same news from two feeds should count as one.

Two articles are one story when the cosine of their TF-IDF rows (from
`ProjectMatcher.transform_articles`) reaches `throttle.near_duplicate`.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from matcher.matching.space import normalize_rows

# Rows compared at once: bounds the dense temporary to CHUNK x n_articles floats.
_CHUNK = 1024


def _rows(matrix) -> sp.csr_matrix:
    matrix = sp.csr_matrix(matrix) if not sp.issparse(matrix) else matrix.tocsr()
    if matrix.shape[0] == 0:
        return matrix.astype(np.float32)
    return normalize_rows(matrix)


def near_duplicate_groups(matrix, threshold: float) -> list[int]:
    """A group id per article row: the index of the first article of its story.

    Articles are joined when their cosine is >= threshold, transitively (union-find),
    so group[i] == i marks the first-seen article of each story.
    """
    rows = _rows(matrix)
    n = rows.shape[0]
    parent = np.arange(n)

    def find(i: int) -> int:
        root = i
        while parent[root] != root:
            root = parent[root]
        while parent[i] != root:  # path compression
            parent[i], i = root, parent[i]
        return root

    transposed = rows.T.tocsc()
    for begin in range(0, n, _CHUNK):
        block = (rows[begin:begin + _CHUNK] @ transposed).toarray()
        left, right = np.nonzero((block >= threshold) & (block > 0))
        left += begin
        # Each pair once, and never an article with itself (an empty row scores 0 anyway).
        keep = right > left
        for i, j in zip(left[keep].tolist(), right[keep].tolist()):
            root_i, root_j = find(i), find(j)
            if root_i != root_j:
                # The smaller index stays root: the group id is the first article.
                parent[max(root_i, root_j)] = min(root_i, root_j)
    return [int(find(i)) for i in range(n)]


def is_near_duplicate(matrix_a_row, matrix_b, threshold: float) -> bool:
    """Whether the article row is the same story as any row of matrix_b."""
    if matrix_b is None or matrix_b.shape[0] == 0:
        return False
    row = _rows(matrix_a_row)
    if row.shape[0] != 1:
        raise ValueError("is_near_duplicate: matrix_a_row must be a single row")
    scores = (row @ _rows(matrix_b).T).toarray()
    return bool((scores >= threshold).any())


def near_duplicates(matrix_a, matrix_b, threshold: float) -> np.ndarray:
    """For each row of matrix_a, whether it is the same story as any row of matrix_b:
    `is_near_duplicate` of many rows in one product (each row's cosines are computed
    exactly as for the row alone)."""
    if matrix_b is None or matrix_b.shape[0] == 0 or matrix_a.shape[0] == 0:
        return np.zeros(matrix_a.shape[0], dtype=bool)
    scores = (_rows(matrix_a) @ _rows(matrix_b).T).toarray()
    return (scores >= threshold).any(axis=1)
