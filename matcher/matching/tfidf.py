"""The TF-IDF matcher: how well an article fits what a contact is working on now.

`ProjectMatcher` follows the scikit-learn estimator contract: `__init__` only stores
its parameters, `fit` learns the vocabulary and IDF from the night's articles and
returns self, learned state ends in `_`. Scores are cosines of L2-normalised TF-IDF
rows, so they lie in [0, 1] and one threshold (`throttle.min_score`) can keep
irrelevant pairs out.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator
from sklearn.exceptions import NotFittedError
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize
from sklearn.utils.validation import check_is_fitted

from matcher.matching import counts as kept_counts
from matcher.matching import terms as stored_terms
from matcher.matching.analysis import analyze, detect_language, surface_forms

# Rows of the profile matrix multiplied at once in score_contacts: bounds the dense
# temporary to CHUNK x n_articles floats.
_CHUNK = 128


class StoredDocument:
    """An article's document as its stored terms (`terms.analyze_article`), for one title
    weight: the vectorizer reads the terms one document at a time, so a night's millions
    of terms never sit in memory all at once."""

    __slots__ = ("stored", "title_weight", "key")

    def __init__(self, stored: str, title_weight: int, key: tuple[int, int] | None = None):
        self.stored = stored
        self.title_weight = title_weight
        # (article id, counts.document_key(stored)): where its counts may be kept between fits
        self.key = key

    def terms(self) -> list[str]:
        return stored_terms.document_terms(self.stored, self.title_weight)


def analyze_document(document: tuple[str, str] | list[str] | StoredDocument) -> list[str]:
    """The vectorizer's analyzer: a (text, language) pair, so each document keeps its language;
    or terms analysed already: a list of them, taken as it is, or an article's stored terms."""
    if isinstance(document, list):
        return document
    if isinstance(document, StoredDocument):
        return document.terms()
    text, language = document
    return analyze(text, language or None)


_FIELDS = ("title", "text", "summary", "language", "terms")


def _article_fields(article) -> tuple[str, str, str, str | None]:
    """(title, text, stored language, stored terms) of an article record (an ORM row, a
    dataclass, a dict: whatever the caller has); the summary stands in for a missing text."""
    if isinstance(article, Mapping):
        title, text, summary, language, terms = (article.get(name) for name in _FIELDS)
    else:
        title, text, summary, language, terms = (getattr(article, name, None) for name in _FIELDS)
    return title or "", text or summary or "", language or "", terms


def article_parts(article) -> tuple[str, str, str]:
    """(title, text, stored language) of an article record; the summary stands in for a missing text."""
    return _article_fields(article)[:3]


def _language(text: str, language) -> str:
    # Detect once here, so the stored pair carries the answer and analyze does not redo it.
    return language or detect_language(text)


class _Vectorizer(TfidfVectorizer):
    """TfidfVectorizer, counting a night of pre-analysed documents (lists of terms) in C.

    scikit-learn's counting loop runs in Python for every term (a night: millions);
    here the term ids are looked up with map() and summed by scipy, and the counts of
    documents counted by an earlier fit are taken from `counts_path` (`counts.py`) when
    set. The same matrix and vocabulary (tests/test_terms_cache.py compares it with the
    stock loop); anything else goes to scikit-learn's own.
    """

    counts_path = None  # set by ProjectMatcher: not a parameter of the estimator

    def _count_vocab(self, raw_documents, fixed_vocab):
        if fixed_vocab or not isinstance(raw_documents, list) \
                or not all(type(doc) in (list, StoredDocument) for doc in raw_documents):
            return super()._count_vocab(raw_documents, fixed_vocab)
        weight = _weight_of(raw_documents) if self.counts_path else None
        kept = kept_counts.load(self.counts_path, weight) if weight is not None else None
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
        for i, doc in enumerate(raw_documents):
            row = kept_row.get(doc.key) if type(doc) is StoredDocument and doc.key is not None else None
            if row is not None:
                reused.append((i, row))
                continue
            indices.extend(map(lookup, doc if type(doc) is list else doc.terms()))
            indptr.append(len(indices))
            counted.append(i)
        terms = list(vocabulary)
        if not terms:
            raise ValueError("empty vocabulary; perhaps the documents only contain stop words")
        # Columns in alphabetical order, as scikit-learn sorts them anyway (a no-op then); the
        # kept ones are sorted already, so their rows stay sorted.
        order = sorted(range(len(terms)), key=terms.__getitem__)
        rank = np.empty(len(terms), dtype=np.int64)
        rank[order] = np.arange(len(terms))
        index_dtype = np.int32 if len(indices) + (kept.matrix.nnz if kept else 0) <= np.iinfo(np.int32).max else np.int64
        fresh = sp.csr_matrix(
            (np.ones(len(indices), dtype=self.dtype), rank[np.frombuffer(indices, dtype=np.intc)].astype(index_dtype),
             np.asarray(indptr, dtype=index_dtype)),
            shape=(len(counted), len(terms)),
        )
        fresh.sum_duplicates()  # the counts, indices sorted within each row
        matrix = fresh
        if reused:
            old = kept.matrix[[row for _, row in reused]]
            old = sp.csr_matrix((old.data.astype(self.dtype), rank[old.indices].astype(index_dtype), old.indptr),
                                shape=(len(reused), len(terms)))
            position = np.empty(len(raw_documents), dtype=np.int64)  # document -> row of the stack
            position[[i for i, _ in reused] + counted] = np.arange(len(raw_documents))
            matrix = sp.vstack([old, fresh], format="csr")[position]
        if kept is not None:
            matrix, order = _without_unused_terms(matrix, order, rank)
        matrix.has_sorted_indices = True
        sorted_terms = [terms[j] for j in order]
        if weight is not None:
            keyed = [i for i, doc in enumerate(raw_documents) if doc.key is not None]
            kept_counts.save(self.counts_path, kept_counts.Counts(
                sorted_terms, np.array([raw_documents[i].key[0] for i in keyed], dtype=np.int64),
                np.array([raw_documents[i].key[1] for i in keyed], dtype=np.int64),
                matrix[keyed] if len(keyed) < len(raw_documents) else matrix, weight))
        return dict(zip(sorted_terms, range(len(sorted_terms)))), matrix


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


def _weight_of(documents) -> int | None:
    """The title weight of a fit of stored documents only, all of one weight; else None:
    then no counts are kept (nor a term holding a line break, which a list of terms might)."""
    weights = {doc.title_weight if type(doc) is StoredDocument else None for doc in documents}
    return weights.pop() if len(weights) == 1 and None not in weights else None


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
    expansion_docs, expansion_weight, expansion_terms : pseudo-relevance feedback for the
        ranking (`rank_contacts`): the project vector is moved towards the centroid of its
        `expansion_docs` best matches (Rocchio, weight `expansion_weight`, centroid cut to
        its `expansion_terms` heaviest terms). A two-line project text misses the words
        the news uses for the same thing; its best matches know them. 0 docs turns it off.
    sent_weight, off_topic_weight : Rocchio feedback from the contact's decided
        suggestions: articles sent pull the profile towards them, articles skipped as
        off-topic push it away.
    seed_semantic : with a semantic signal (`rank_contacts`), the share of it in the score
        that picks the expansion's seed articles (the rest: the TF-IDF match).
    semantic_weight : the share of the semantic signal in the ranking score; the rest is
        the expanded TF-IDF score.
    workers : processes analysing the articles that bring no stored terms
        (`terms.analyze_articles`), when there are many; None: one per CPU.
    counts_path : a file where `fit` keeps each article's term counts for the next fit
        (`counts.py`: a night recounts only its new articles), or None.
    min_df applies only to a night of at least `MIN_DF_FROM` articles: on a small night a
    word seen once is still a word worth matching.

    An article record (ORM row, dataclass, dict) may bring its analysed terms in a `terms`
    field, in the form `terms.analyze_article` stores; they are used when current for this
    record and this title_weight, and the article is analysed otherwise.
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
        seed_semantic=0.5,
        semantic_weight=0.5,
        workers=None,
        counts_path=None,
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
        self.semantic_weight = semantic_weight
        self.workers = workers
        self.counts_path = counts_path

    # -- input records ---------------------------------------------------------------

    def _article_document(self, article) -> tuple[str, str]:
        """The text the matcher reads for an article, with its language (for reasons)."""
        if isinstance(article, str):
            return article, _language(article, "")
        title, text, language = article_parts(article)
        # Detect on the body only: the repeated title would skew a short text.
        language, _ = stored_terms.document_language(title, text, language, self.title_weight)
        return stored_terms.document_text(title, text, self.title_weight), language

    def terms_current(self, article) -> bool:
        """Whether the article record's stored terms serve this matcher (see `analyze_articles`)."""
        if isinstance(article, str):
            return False
        title, text, language, stored = _article_fields(article)
        return stored_terms.is_current(stored, title, text, language, self.title_weight)

    def analyze_articles(self, articles) -> list[str]:
        """Each article's terms in their stored form (`Article.terms`), analysed now: in a
        process pool of `workers` when there are many."""
        return stored_terms.analyze_articles([article_parts(a) for a in articles], self.title_weight,
                                             self.workers)

    def _article_documents(self, articles) -> list:
        """The vectorizer's documents: stored terms where current, the others analysed here
        (all at once, so a pool can share the work); a plain string is left to the analyzer."""
        documents: list = [None] * len(articles)
        missing = []
        for i, article in enumerate(articles):
            if isinstance(article, str):
                documents[i] = (article, _language(article, ""))
                continue
            title, text, language, stored = _article_fields(article)
            if stored_terms.is_current(stored, title, text, language, self.title_weight):
                documents[i] = self._stored_document(article, stored)
            else:
                missing.append(i)
        if missing:
            analysed = self.analyze_articles([articles[i] for i in missing])
            for i, stored in zip(missing, analysed):
                documents[i] = self._stored_document(articles[i], stored)
        return documents

    def _stored_document(self, article, stored: str) -> StoredDocument:
        """An article's stored document, keyed for the kept counts when it has an id."""
        article_id = getattr(article, "id", None)
        key = None
        if self.counts_path is not None and isinstance(article_id, int):
            key = (article_id, kept_counts.document_key(stored))
        return StoredDocument(stored, self.title_weight, key)

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
        min_df = self.min_df if len(documents) >= self.MIN_DF_FROM else 1
        max_count = max_df * len(documents) if isinstance(max_df, float) else max_df
        if max_count < min_df or max_count < 1:
            max_df = 1.0
        self.vectorizer_ = _Vectorizer(
            analyzer=analyze_document,
            sublinear_tf=self.sublinear_tf,
            min_df=min_df,
            max_df=max_df,
            dtype=np.float32,
            norm="l2",
        )
        self.vectorizer_.counts_path = self.counts_path
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
        """The article side of the products, transposed once for every chunk of profiles
        (as CSR: scipy would convert a CSC operand again for every product)."""
        matrix = _normalize(matrix)
        words = self._words(matrix).T.tocsr() if self.min_shared_terms > 1 else None
        return matrix.T.tocsr(), words

    def _scores(self, profiles, prepared) -> np.ndarray:
        matrix_t, words_t = prepared
        profiles = _normalize(profiles)
        scores = (profiles @ matrix_t).toarray()
        np.clip(scores, 0.0, 1.0, out=scores)
        if words_t is not None:
            shared = (self._words(profiles) @ words_t).toarray()
            scores[shared < self.min_shared_terms] = 0.0
        return scores

    def reasons(self, profile_text: str, article, k: int | None = None, row=None) -> list[str]:
        """The k terms that add most to the score (profile weight x article weight), best first.

        `row`: the article's row of `transform_articles`, when the caller has it already.
        """
        check_is_fitted(self, "vectorizer_")
        k = self.top_reasons if k is None else k
        profile = self.transform_profiles([profile_text])
        if sp.issparse(article):
            return self._reasons(profile, article[0], k)
        if row is None:
            row = self.transform_articles([article])
        terms = self._reasons(profile, sp.csr_matrix(row)[0], 3 * k)
        return readable_reasons(terms, self._article_document(article), profile_text, k)

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

    # -- the ranking `matcher top` and the night use --------------------------------

    def article_side(self, articles) -> ArticleSide:
        """The articles made ready for scoring any number of profiles (`rank_contacts`):
        a caller scoring contacts group by group prepares them once."""
        matrix = self.transform_articles(articles)
        return ArticleSide(matrix, *self._prepare(matrix))

    def rank_contacts(self, contact_projects: Sequence[Sequence[str]], articles, feedback=None,
                      semantic=None) -> ContactScores:
        """Scores of every article for every contact, over the contact's projects.

        `match` is the guarded cosine with what the person wrote (plus their feedback):
        the threshold applies to it. `rank` orders the articles: the same profile
        expanded with its best matches (pseudo-relevance feedback). `feedback` is one
        `Feedback` (or None) per contact. `project` is the index of the contact's project
        that ranks the article best (-1 for a contact without projects).
        `articles` may be records, the matrix from transform_articles, or an `article_side`.

        `semantic`: the sentence-embedding cosines of every project (flattened, in order) with
        every article, or None. With it the expansion is seeded by both signals, so a
        project in one language expands with the words its closest articles use in theirs,
        and `rank` blends the expanded TF-IDF score with the semantic one
        (`semantic_weight`); `lexical` and `semantic` keep the two signals apart.
        """
        side = articles if isinstance(articles, ArticleSide) else self.article_side(articles)
        matrix, prepared = side.matrix, (side.matrix_t, side.words_t)
        n_contacts, n_articles = len(contact_projects), matrix.shape[0]
        out = ContactScores(
            np.zeros((n_contacts, n_articles), dtype=np.float32),
            np.zeros((n_contacts, n_articles), dtype=np.float32),
            np.full((n_contacts, n_articles), -1, dtype=np.int16),  # a project index: small
            np.zeros((n_contacts, n_articles), dtype=np.float32),
            np.zeros((n_contacts, n_articles), dtype=np.float32),
        )
        flat = [text for projects in contact_projects for text in projects]
        if not flat or n_articles == 0:
            return out
        owner = np.repeat(np.arange(n_contacts), [len(p) for p in contact_projects])
        slot = np.concatenate([np.arange(len(p)) for p in contact_projects if p]).astype(np.int16)
        profiles = self.transform_profiles(flat)
        owned = [feedback[i] for i in owner] if feedback is not None else None
        if owned is not None:
            profiles = self._with_feedback(profiles, owned)
        for begin in range(0, len(flat), _CHUNK):
            rows = slice(begin, begin + _CHUNK)
            match = self._scores(profiles[rows], prepared)
            sem = None if semantic is None else np.clip(np.asarray(semantic[rows], dtype=np.float32), 0.0, 1.0)
            seeds = self._seeds(match, sem)
            lexical = self._expanded_scores(profiles[rows], seeds, matrix, prepared[0],
                                            owned[rows] if owned is not None else None)
            rank = lexical if sem is None else (1 - self.semantic_weight) * lexical + self.semantic_weight * sem
            for k, i in enumerate(owner[rows]):
                better = rank[k] > out.rank[i]
                if (out.project[i] < 0).all():
                    better[:] = True
                out.rank[i] = np.where(better, rank[k], out.rank[i])
                out.project[i] = np.where(better, slot[begin + k], out.project[i])
                # The signals of the project that ranks the article best: they must agree
                out.lexical[i] = np.where(better, lexical[k], out.lexical[i])
                if sem is not None:
                    out.semantic[i] = np.where(better, sem[k], out.semantic[i])
                np.maximum(out.match[i], match[k], out=out.match[i])
        return out

    def _with_feedback(self, profiles, feedback) -> sp.csr_matrix:
        """Rocchio: profile + sent_weight * centroid(sent) - off_topic_weight * centroid(off-topic)."""
        if not len(feedback):
            return profiles
        # Row by row only where there is feedback: normalising all rows at once gives each
        # row the same values as normalising it alone, at a fraction of the cost.
        normalized = _normalize(sp.csr_matrix(profiles))
        if all(fb is None for fb in feedback):
            return _normalize(sp.csr_matrix(normalized, dtype=np.float32))
        rows = []
        for i, fb in enumerate(feedback):
            row = normalized[i]
            if fb is not None:
                for articles, weight in ((fb.sent, self.sent_weight), (fb.off_topic, -self.off_topic_weight)):
                    if articles is not None and articles.shape[0] and weight:
                        centroid = _top_terms(sp.csr_matrix(articles.mean(axis=0)), self.expansion_terms)
                        row = row + weight * _normalize(centroid)
                row = sp.csr_matrix(row)
                row.data = np.maximum(row.data, 0)
                row.eliminate_zeros()
            rows.append(sp.csr_matrix(row, dtype=np.float32))
        return _normalize(sp.vstack(rows).tocsr()) if rows else profiles

    def _expanded_scores(self, profiles, match, matrix, matrix_t, feedback=None) -> np.ndarray:
        """Cosines of the profiles moved towards the centroid of their best matches.

        Feedback applies again after the expansion: the best matches of a coffee buyer
        may be the very futures stories they skipped, and would pull them back up.
        """
        if min(int(self.expansion_docs), matrix.shape[0]) <= 0 or not self.expansion_weight:
            return match.copy()
        expanded = self._expanded_profiles(profiles, match, matrix, feedback)
        scores = (expanded @ matrix_t).toarray()
        np.clip(scores, 0.0, 1.0, out=scores)
        return scores

    def _seeds(self, match, semantic):
        """The score that picks the expansion's seed articles: the TF-IDF match, blended with
        the semantic cosine (clipped to [0, 1]) when there is one."""
        if semantic is None:
            return match
        return (1 - self.seed_semantic) * match + self.seed_semantic * semantic

    def _expanded_profiles(self, profiles, seeds, matrix, feedback=None):
        """The profiles plus the centroid of the articles their `seeds` scores rank best:
        the words the news uses, in its own language, for what the project says."""
        k = min(int(self.expansion_docs), matrix.shape[0])
        if k <= 0 or not self.expansion_weight:
            return _normalize(sp.csr_matrix(profiles))
        best = np.argpartition(-seeds, k - 1, axis=1)[:, :k]
        taken = np.take_along_axis(seeds, best, axis=1) > 0   # only real matches expand
        counts = np.maximum(taken.sum(axis=1, keepdims=True), 1)
        weights = sp.csr_matrix(
            ((taken / counts).ravel(), (np.repeat(np.arange(seeds.shape[0]), k), best.ravel())),
            shape=seeds.shape,
        )
        centroids = _top_terms((weights @ matrix).tocsr(), self.expansion_terms)
        expanded = _normalize(_normalize(profiles) + self.expansion_weight * _normalize(centroids))
        if feedback is not None:
            expanded = self._with_feedback(sp.csr_matrix(expanded), feedback)
        return sp.csr_matrix(expanded)

    def expanded_reasons(self, profile_text: str, side: ArticleSide, semantic_row, j: int,
                         article, k: int | None = None) -> list[str]:
        """Why article j matches a project, in the article's own words: the terms that add
        most to the score of the project expanded as `rank_contacts` expands it (so a
        project written in another language has reasons too), the project's own first."""
        check_is_fitted(self, "vectorizer_")
        k = self.top_reasons if k is None else k
        profile = self.transform_profiles([profile_text])
        match = self._scores(profile, (side.matrix_t, side.words_t))
        seeds = self._seeds(match, None if semantic_row is None else
                            np.clip(np.asarray(semantic_row, dtype=np.float32)[None, :], 0.0, 1.0))
        row = side.matrix[j]
        own = self._reasons(profile, row, 3 * k)
        expanded = self._reasons(self._expanded_profiles(profile, seeds, side.matrix), row, 3 * k)
        terms = own + [t for t in expanded if t not in own]
        return readable_reasons(terms, self._article_document(article), profile_text, k)


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


@dataclass
class Feedback:
    """A contact's decided suggestions as article rows: sent ones pull, off-topic skips push."""

    sent: sp.csr_matrix | None = None
    off_topic: sp.csr_matrix | None = None


def _top_terms(matrix: sp.csr_matrix, n: int) -> sp.csr_matrix:
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


def _normalize(matrix):
    # Rows are L2-normalised already; again in case a caller built a matrix by hand.
    return normalize(matrix) if matrix.shape[0] else matrix


__all__ = ["ArticleSide", "ContactScores", "Feedback", "ProjectMatcher", "StoredDocument", "analyze_document", "NotFittedError"]


def readable_reasons(terms: list[str], document: tuple[str, str], profile_text: str, k: int) -> list[str]:
    """The best `k` of `terms` as a person reads them: in the article's (else the project's)
    own words, and without a word already said by a phrase ("ai system" makes "ai" redundant).
    """
    text, language = document
    forms = {**surface_forms(profile_text), **surface_forms(text, language)}
    chosen: list[str] = []
    for term in terms:
        words = set(term.split())
        if len(words) == 1 and any(term in c.split() for c in chosen if " " in c):
            continue
        if len(words) > 1:
            chosen = [c for c in chosen if " " in c or c not in words]
        chosen.append(term)
    return [forms.get(term, term) for term in chosen[:k]]
