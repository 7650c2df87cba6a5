"""The TF-IDF matcher as a scikit-learn estimator.

`ProjectMatcher` follows the estimator contract: `__init__` only stores its parameters,
`fit` learns the term space (vocabulary, IDF) from the night's articles and returns self,
learned state ends in `_`. Everything else — scoring, ranking, reasons — is the `Ranker`
it derives from (`ranker.py`), which the nightly index keeps without this class, so that
reading it needs no scikit-learn.
"""

from __future__ import annotations

import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

from matcher.matching import space as term_space
from matcher.matching.counts import Counts
from matcher.matching.ranker import Ranker


class ProjectMatcher(BaseEstimator, Ranker):
    """TF-IDF cosine between contacts' current projects and articles.

    Parameters: those of `Ranker`, and
    sublinear_tf : use 1 + log(tf); a long article repeating a word is not 10x more relevant.
    min_df, max_df : as in TfidfVectorizer; max_df drops terms in most of the night's
        articles (they tell nothing apart). With too few articles for max_df to make
        sense, every term is kept. min_df applies only to a night of at least
        `MIN_DF_FROM` articles: on a small night a word seen once is still worth matching.
    keep_counts : `fit` leaves the articles' term counts in `counts_`, for the next fit to
        reuse (`counts.py`: a night recounts only its new articles).
    """

    MIN_DF_FROM = 200

    def __init__(
        self,
        sublinear_tf=True,
        min_df=2,
        max_df=0.5,
        title_weight=2,
        top_reasons=5,
        min_shared_terms=2,
        expansion_docs=10,
        expansion_weight=1.0,
        expansion_terms=60,
        sent_weight=0.5,
        off_topic_weight=0.5,
        seed_semantic=0.25,
        same_language_seed=0.5,
        semantic_weight=0.5,
        same_language_weight=0.3,
        workers=None,
        keep_counts=False,
    ):
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.max_df = max_df
        self.title_weight = title_weight
        self.top_reasons = top_reasons
        self.min_shared_terms = min_shared_terms
        self.expansion_docs = expansion_docs
        self.expansion_weight = expansion_weight
        self.expansion_terms = expansion_terms
        self.sent_weight = sent_weight
        self.off_topic_weight = off_topic_weight
        self.seed_semantic = seed_semantic
        self.same_language_seed = same_language_seed
        self.semantic_weight = semantic_weight
        self.same_language_weight = same_language_weight
        self.workers = workers
        self.keep_counts = keep_counts

    def fit(self, articles, y=None, kept_counts: Counts | None = None):
        """Learn vocabulary and IDF from the articles (title + text); returns self.
        `kept_counts`: an earlier fit's `counts_`, whose rows are reused where an article's
        stored terms are the same."""
        self.fit_transform(articles, kept_counts=kept_counts)
        return self

    def fit_transform(self, articles, y=None, kept_counts: Counts | None = None) -> sp.csr_matrix:
        """fit, then transform_articles, analysing each article once (analysis is the slow part)."""
        if not len(articles):
            raise ValueError("ProjectMatcher.fit needs at least one article")
        documents = self._article_documents(articles)
        counted = term_space.count(documents, kept_counts, keep=self.keep_counts)
        min_df = self.min_df if len(documents) >= self.MIN_DF_FROM else 1
        max_df = self.max_df
        max_count = max_df * len(documents) if isinstance(max_df, float) else max_df
        if max_count < min_df or max_count < 1:
            max_df = 1.0
        try:
            self.space_, matrix = term_space.fit(counted, min_df, max_df, self.sublinear_tf)
        except ValueError:
            # Only stop words, or pruning removed everything: keep every term.
            self.space_, matrix = term_space.fit(counted, 1, 1.0, self.sublinear_tf)
        self.counts_ = counted.kept
        self.profiles_ = {}  # project texts analysed in this space (Ranker.transform_profiles)
        return matrix

    def check_fitted(self) -> None:
        """scikit-learn's check: NotFittedError before `fit`."""
        check_is_fitted(self, "space_")


__all__ = ["ProjectMatcher"]
