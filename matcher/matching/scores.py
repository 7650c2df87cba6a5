"""The records the ranking works with: the articles made ready for scoring, and the scores
of every article for every contact (`Ranker.rank_contacts`)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


@dataclass(frozen=True)
class ArticleSide:
    """Articles ready for scoring profiles: their rows, and the transposes the products use."""

    matrix: sp.csr_matrix
    matrix_t: sp.csr_matrix
    words_t: sp.csr_matrix | None


@dataclass
class ContactScores:
    """Per contact x article: `rank` orders, `match` is the TF-IDF cosine with the project as
    written, `project` explains; `lexical` (the expanded TF-IDF score) and `semantic` (the
    embeddings' cosine) are the two signals of the project that ranks the article best."""

    rank: np.ndarray
    match: np.ndarray
    project: np.ndarray
    lexical: np.ndarray
    semantic: np.ndarray

    def row(self, i: int) -> ContactScores:
        """Contact i's scores (1-D arrays, one value per article)."""
        return ContactScores(self.rank[i], self.match[i], self.project[i], self.lexical[i], self.semantic[i])
