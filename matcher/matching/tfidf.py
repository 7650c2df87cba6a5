"""The TF-IDF matcher: how well an article fits what a contact is working on now.

`ProjectMatcher` follows the scikit-learn estimator contract: `__init__` only stores
its parameters, `fit` learns the vocabulary and IDF from the night's articles and
returns self, learned state ends in `_`. Scores are cosines of L2-normalised TF-IDF
rows, so they lie in [0, 1] and one threshold (`throttle.min_score`) can keep
irrelevant pairs out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from matcher.matching.analysis import analyze, detect_language

# Rows of the profile matrix multiplied at once in score_contacts: bounds the dense
# temporary to CHUNK x n_articles floats.
_CHUNK = 512


def _field(record, name: str, default=None):
    """A field of an ORM row, a dataclass, a dict: whatever the caller has."""
    if isinstance(record, Mapping):
        return record.get(name, default)
    return getattr(record, name, default)


def analyze_document(document: tuple[str, str]) -> list[str]:
    """The vectorizer's analyzer: a (text, language) pair, so each document keeps its language."""
    text, language = document
    return analyze(text, language or None)


def _language(text: str, language) -> str:
    # Detect once here, so the stored pair carries the answer and analyze does not redo it.
    return language or detect_language(text)


class ProjectMatcher(BaseEstimator):
    """TF-IDF cosine between contacts' current projects and articles.

    Parameters
    ----------
    sublinear_tf : use 1 + log(tf); a long article repeating a word is not 10x more relevant.
    min_df, max_df : as in TfidfVectorizer; max_df drops terms in most of the night's
        articles (they tell nothing apart). With too few articles for max_df to make
        sense, every term is kept.
    title_weight : how many times the title counts (it says what the article is about).
    top_reasons : default number of reasons (matched terms) per pair.
    min_shared_terms : a pair sharing fewer distinct words (lemmas, not bigrams) scores 0.
        A short project text that meets an article on one word only ("New Orleans" and a
        "new smartphone") can otherwise score like a real match; 1 turns the guard off.
    """

    def __init__(
        self,
        sublinear_tf=True,
        min_df=1,
        max_df=0.5,
        title_weight=2,
        top_reasons=5,
        min_shared_terms=2,
    ):
        self.sublinear_tf = sublinear_tf
        self.min_df = min_df
        self.max_df = max_df
        self.title_weight = title_weight
        self.top_reasons = top_reasons
        self.min_shared_terms = min_shared_terms

    # -- input records ---------------------------------------------------------------

    def _article_document(self, article) -> tuple[str, str]:
        if isinstance(article, str):
            return article, _language(article, "")
        title = _field(article, "title") or ""
        text = _field(article, "text") or _field(article, "summary") or ""
        body = ".\n".join([title] * int(self.title_weight) + [text]) if title else text
        language = _field(article, "language") or ""
        # Detect on the body only: the repeated title would skew a short text.
        return body, _language(text or title, language)

    def _article_documents(self, articles) -> list[tuple[str, str]]:
        return [self._article_document(article) for article in articles]

    # -- fitting ---------------------------------------------------------------------

    def fit(self, articles, y=None):
        """Learn vocabulary and IDF from the articles (title + text); returns self."""
        self._fit(self._article_documents(articles))
        return self

    def fit_transform(self, articles, y=None) -> sp.csr_matrix:
        """fit, then transform_articles, analysing each article once (analysis is the slow part)."""
        return self._fit(self._article_documents(articles)).tocsr()

    def _fit(self, documents):
        if not documents:
            raise ValueError("ProjectMatcher.fit needs at least one article")
        max_df = self.max_df
        max_count = max_df * len(documents) if isinstance(max_df, float) else max_df
        if max_count < self.min_df or max_count < 1:
            max_df = 1.0
        self.vectorizer_ = TfidfVectorizer(
            analyzer=analyze_document,
            sublinear_tf=self.sublinear_tf,
            min_df=self.min_df,
            max_df=max_df,
            dtype=np.float32,
            norm="l2",
        )
        try:
            matrix = self.vectorizer_.fit_transform(documents)
        except ValueError:
            # Only stop words, or pruning removed everything: retry keeping every term.
            self.vectorizer_.set_params(max_df=1.0, min_df=1)
            matrix = self.vectorizer_.fit_transform(documents)
        self.idf_ = self.vectorizer_.idf_
        self.terms_ = self.vectorizer_.get_feature_names_out()
        self.is_word_ = np.char.find(self.terms_.astype(str), " ") < 0
        return matrix

    @property
    def vocabulary_(self) -> dict[str, int]:
        check_is_fitted(self, "vectorizer_")
        return self.vectorizer_.vocabulary_

    # -- vectors ---------------------------------------------------------------------

    def transform_articles(self, articles) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows of the articles. A sparse matrix passes through."""
        check_is_fitted(self, "vectorizer_")
        if sp.issparse(articles):
            return sp.csr_matrix(articles)
        return self._transform(self._article_documents(articles))

    def transform_profiles(self, texts: Sequence[str], languages: Sequence[str] | None = None):
        """L2-normalised TF-IDF rows of project texts (language per text, detected if "")."""
        check_is_fitted(self, "vectorizer_")
        if isinstance(texts, str):
            texts = [texts]
        if languages is None:
            languages = [""] * len(texts)
        if len(languages) != len(texts):
            raise ValueError("transform_profiles: one language per text")
        documents = [(text or "", _language(text or "", lang)) for text, lang in zip(texts, languages)]
        return self._transform(documents)

    def _transform(self, documents) -> sp.csr_matrix:
        if not documents:  # the vectorizer refuses an empty batch; an empty night is normal
            return sp.csr_matrix((0, len(self.terms_)), dtype=np.float32)
        return self.vectorizer_.transform(documents).tocsr()

    # -- scores ----------------------------------------------------------------------

    def score(self, profile_texts, articles) -> np.ndarray:
        """Cosine scores, shape (n_profiles, n_articles), in [0, 1]."""
        profiles = self.transform_profiles(profile_texts)
        matrix = self.transform_articles(articles)
        return self._scores(profiles, self._prepare(matrix))

    def _words(self, matrix) -> sp.csr_matrix:
        """1 where a row has a word (not a bigram), for counting shared words."""
        words = matrix.tocsr(copy=True)
        words.data = self.is_word_[words.indices].astype(np.float32)
        words.eliminate_zeros()
        return words

    def _prepare(self, matrix):
        """The article side of the products, transposed once for every chunk of profiles."""
        matrix = _normalize(matrix)
        words = self._words(matrix).T.tocsc() if self.min_shared_terms > 1 else None
        return matrix.T.tocsc(), words

    def _scores(self, profiles, prepared) -> np.ndarray:
        matrix_t, words_t = prepared
        profiles = _normalize(profiles)
        scores = (profiles @ matrix_t).toarray()
        np.clip(scores, 0.0, 1.0, out=scores)
        if words_t is not None:
            shared = (self._words(profiles) @ words_t).toarray()
            scores[shared < self.min_shared_terms] = 0.0
        return scores

    def reasons(self, profile_text: str, article, k: int | None = None) -> list[str]:
        """The k terms that add most to the score (profile weight x article weight), best first."""
        check_is_fitted(self, "vectorizer_")
        k = self.top_reasons if k is None else k
        profile = self.transform_profiles([profile_text])
        row = self.transform_articles(article if sp.issparse(article) else [article])
        return self._reasons(profile, row[0], k)

    def _reasons(self, profile, row, k: int) -> list[str]:
        contribution = profile.multiply(row).tocsr()
        if contribution.nnz == 0 or k <= 0:
            return []
        values = contribution.data
        columns = contribution.indices
        # Ties broken by term, so the reasons are stable from run to run.
        order = np.lexsort((self.terms_[columns], -values))[:k]
        return [str(self.terms_[columns[i]]) for i in order if values[i] > 0]

    def rank(self, profile_text: str, articles, limit: int = 10) -> list[tuple[int, float, list[str]]]:
        """The best articles for one project: (article index, score, reasons), score desc.

        Articles with no term in common (score 0) are left out.
        """
        profile = self.transform_profiles([profile_text])
        matrix = self.transform_articles(articles)
        scores = self._scores(profile, self._prepare(matrix))[0]
        order = np.argsort(-scores, kind="stable")[:limit]
        return [
            (int(i), float(scores[i]), self._reasons(profile, matrix[i], self.top_reasons))
            for i in order
            if scores[i] > 0
        ]

    def score_contacts(self, contact_projects: Sequence[Sequence[str]], articles):
        """Best score of each contact for each article, over the contact's projects.

        Returns (best_scores, best_project_index), both (n_contacts, n_articles);
        best_project_index says which of the contact's projects gave the score
        (-1 for a contact without projects, whose scores are all 0).
        `articles` may be records or the matrix from transform_articles.
        """
        matrix = self.transform_articles(articles)
        prepared = self._prepare(matrix)
        n_contacts, n_articles = len(contact_projects), matrix.shape[0]
        best = np.zeros((n_contacts, n_articles), dtype=np.float32)
        best_index = np.full((n_contacts, n_articles), -1, dtype=np.int32)

        counts = np.array([len(projects) for projects in contact_projects], dtype=np.int64)
        flat = [text for projects in contact_projects for text in projects]
        if not flat or n_articles == 0:
            return best, best_index
        profiles = self.transform_profiles(flat)
        starts = np.concatenate(([0], np.cumsum(counts)[:-1]))
        # One pass per project slot: slot j holds the j-th project of every contact
        # that has one; each pass is one sparse product, chunked to bound memory.
        for slot in range(int(counts.max())):
            contacts = np.flatnonzero(counts > slot)
            rows = starts[contacts] + slot
            for begin in range(0, len(contacts), _CHUNK):
                who = contacts[begin:begin + _CHUNK]
                scores = self._scores(profiles[rows[begin:begin + _CHUNK]], prepared)
                if slot == 0:
                    best[who] = scores
                    best_index[who] = 0
                else:
                    current = best[who]
                    better = scores > current
                    best[who] = np.where(better, scores, current)
                    best_index[who] = np.where(better, slot, best_index[who])
        return best, best_index


def _normalize(matrix):
    # Rows are L2-normalised already; again in case a caller built a matrix by hand.
    return normalize(matrix) if matrix.shape[0] else matrix


__all__ = ["ProjectMatcher", "analyze_document", "NotFittedError"]
