"""The ranking: how well each article fits what each contact is working on now.

`Ranker` scores projects against articles in a fitted `TermSpace` (TF-IDF cosines, with
pseudo-relevance expansion, the contact's feedback, and the semantic signal blended in),
and says why in the article's own words. It needs numpy and scipy only: the day's read-only
commands rank with the `Ranker` the nightly index keeps, without loading scikit-learn.
`tfidf.ProjectMatcher` is the same ranker as a scikit-learn estimator, whose `fit` learns
the space from the night's articles. Scores are cosines of L2-normalised rows, in [0, 1],
so one threshold (`throttle.min_score`) can keep irrelevant pairs out.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import scipy.sparse as sp

from matcher.matching import documents
from matcher.matching.analysis import analyze, readable_reasons
from matcher.matching.documents import article_parts, language_of
from matcher.matching.feedback import pseudo_relevance, with_feedback
from matcher.matching.language import same_language
from matcher.matching.scores import ArticleSide, ContactScores
from matcher.matching.space import TermSpace, normalize_rows

# Rows of the profile matrix multiplied at once in rank_contacts: bounds the dense
# temporary to CHUNK x n_articles floats.
_CHUNK = 128


class NotFitted(ValueError, AttributeError):
    """A ranker used before it has a term space (as scikit-learn's NotFittedError)."""


class Ranker:
    """TF-IDF cosine between contacts' current projects and articles, in `space_`.

    Parameters
    ----------
    space : the fitted `TermSpace` (vocabulary, IDF); `tfidf.ProjectMatcher.fit` learns it.
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
        that picks the expansion's seed articles (the rest: the TF-IDF match), for a project
        and an article in different languages (or either of unknown language). The bridged
        words (`set_bridged`) make the TF-IDF match across languages the surer guide.
    same_language_seed : the same share where both are written in one language.
    semantic_weight : the share of the semantic signal in the ranking score of a project and
        an article in different languages (or either of unknown language); the rest is the
        expanded TF-IDF score.
    same_language_weight : the same share where the project and the article are written in
        the same language: TF-IDF reads both in their own words there, and the encoder's
        looser sense of topic adds less than it blurs.
    workers : processes analysing the articles that bring no stored terms
        (`terms.analyze_articles`), when there are many; None: one per CPU.

    An article record (ORM row, dataclass, dict) may bring its analysed terms in a `terms`
    field, in the form `terms.analyze_article` stores; they are used when current for this
    record and this title_weight, and the article is analysed otherwise.
    """

    PARAMS = ("title_weight", "top_reasons", "min_shared_terms", "expansion_docs", "expansion_weight",
              "expansion_terms", "sent_weight", "off_topic_weight", "seed_semantic", "same_language_seed",
              "semantic_weight", "same_language_weight", "workers")
    keep_counts = False  # whether documents carry the key under which their counts are kept

    def __init__(self, space: TermSpace | None = None, *, title_weight=2, top_reasons=5, min_shared_terms=2,
                 expansion_docs=10, expansion_weight=1.0, expansion_terms=60, sent_weight=0.5,
                 off_topic_weight=0.5, seed_semantic=0.25, same_language_seed=0.5, semantic_weight=0.5,
                 same_language_weight=0.3,
                 workers=None):
        if space is not None:
            self.space_ = space
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

    def ranker(self) -> Ranker:
        """A plain `Ranker` with this one's space, parameters and analysed project texts (what
        the nightly index keeps)."""
        plain = Ranker(self.space, **{name: getattr(self, name) for name in Ranker.PARAMS})
        plain.profiles_ = dict(self.__dict__.get("profiles_", {}))
        plain.bridged_ = dict(self.__dict__.get("bridged_", {}))
        plain.bridged_rows_ = dict(self.__dict__.get("bridged_rows_", {}))
        return plain

    @property
    def space(self) -> TermSpace:
        self.check_fitted()
        return self.space_

    def check_fitted(self) -> None:
        """Raise NotFitted unless the ranker has its term space."""
        if getattr(self, "space_", None) is None:
            raise NotFitted(f"this {type(self).__name__} has no term space yet: call fit first")

    @property
    def vocabulary_(self) -> dict[str, int]:
        return self.space.vocabulary

    @property
    def terms_(self) -> np.ndarray:
        return self.space.terms

    @property
    def idf_(self) -> np.ndarray:
        return self.space.idf

    # -- input records (documents.py) ----------------------------------------------

    def _article_document(self, article) -> tuple[str, str]:
        return documents.article_document(article, self.title_weight)

    def terms_current(self, article) -> bool:
        """Whether the article record's stored terms serve this ranker."""
        return documents.terms_current(article, self.title_weight)

    def analyze_articles(self, articles) -> list[str]:
        """Each article's terms in their stored form (`Article.terms`), analysed now."""
        return documents.analyze_articles(articles, self.title_weight, self.workers)

    def _article_documents(self, articles) -> list:
        return documents.article_documents(articles, self.title_weight, self.workers, self.keep_counts)

    # -- vectors ---------------------------------------------------------------------

    def transform_articles(self, articles) -> sp.csr_matrix:
        """L2-normalised TF-IDF rows of the articles. A sparse matrix passes through."""
        self.check_fitted()
        if sp.issparse(articles):
            return sp.csr_matrix(articles)
        return self.space.transform(self._article_documents(articles))

    def transform_profiles(self, texts: Sequence[str], languages: Sequence[str] | None = None):
        """L2-normalised TF-IDF rows of project texts (language per text, detected if "")."""
        self.check_fitted()
        if isinstance(texts, str):
            texts = [texts]
        if languages is None:
            languages = [""] * len(texts)
        if len(languages) != len(texts):
            raise ValueError("transform_profiles: one language per text")
        keys = [(text or "", lang or "") for text, lang in zip(texts, languages)]
        # Each text is analysed once per fitted space and remembered with its language: the
        # nightly index keeps them, so a day's `top` neither detects nor lemmatizes projects,
        # and the next night takes their analyses (`remember_profiles`).
        memo = self.__dict__.setdefault("profiles_", {})
        new = list(dict.fromkeys(k for k in keys if k not in memo))
        if new:
            analysed = [self._analysis(text, lang) for text, lang in new]
            rows = self.space.transform([terms for _, terms in analysed])
            memo.update((key, (rows[i], *analysed[i])) for i, key in enumerate(new))
        if not keys:
            return self.space.transform([])
        return sp.vstack([memo[key][0] for key in keys], format="csr")

    def _analysis(self, text: str, language: str = "") -> tuple[str, list[str]]:
        memo = self.__dict__.get("profiles_", {})
        if (text, language) in memo:
            return memo[(text, language)][1:]
        earlier = self.__dict__.get("earlier_profiles_", {}).get(text) if not language else None
        return earlier or self._analyse_profile(text, language)

    def profile_analysis(self, text: str) -> tuple[str, list[str]]:
        """A project text's language (detected) and terms, as its row is made of; kept, so
        that making its row later does not analyse it again."""
        found = self._analysis(text, "")
        self.__dict__.setdefault("earlier_profiles_", {})[text] = found
        return found

    def set_bridged(self, bridged: dict[str, list[str]]) -> None:
        """Words of other languages for these project texts (`matching.bridge`): each such
        text is also scored as its terms and those words together (`bridged_rows`), and an
        article takes the better of the two scores. Its own row stays as it is, so an article
        in the project's language is not matched against a row diluted by other languages."""
        self.__dict__.setdefault("bridged_", {}).update((text, list(words)) for text, words in bridged.items())
        rows = self.__dict__.setdefault("bridged_rows_", {})
        for text in bridged:
            rows.pop(text, None)

    def bridged_rows(self, texts: Sequence[str]) -> tuple[sp.csr_matrix, np.ndarray] | None:
        """The rows of the texts' terms with their bridged words, for the texts that have
        any (and their positions in `texts`); None if none has."""
        bridged = self.__dict__.get("bridged_", {})
        where = np.array([i for i, t in enumerate(texts) if bridged.get(t)], dtype=np.int64)
        if not len(where):
            return None
        memo = self.__dict__.setdefault("bridged_rows_", {})
        new = [texts[i] for i in where if texts[i] not in memo]
        if new:
            rows = self.space.transform([self.profile_analysis(t)[1] + list(bridged[t]) for t in new])
            memo.update((t, rows[k]) for k, t in enumerate(new))
        return sp.vstack([memo[texts[i]] for i in where], format="csr"), where

    def bridged(self, text: str) -> list[str] | None:
        """The words bridged for a project text, or None if it was never bridged."""
        return self.__dict__.get("bridged_", {}).get(text)

    def forget_profiles(self, texts) -> bool:
        """Drop everything kept of these project texts (analyses, rows, bridged words);
        whether there was any."""
        texts = set(texts)
        found = False
        for name in ("profiles_", "earlier_profiles_", "bridged_", "bridged_rows_"):
            kept = self.__dict__.get(name, {})
            gone = [k for k in kept if (k[0] if isinstance(k, tuple) else k) in texts]
            for k in gone:
                del kept[k]
            found = found or bool(gone)
        return found

    @staticmethod
    def _analyse_profile(text: str, language: str) -> tuple[str, list[str]]:
        found = language_of(text, language)
        return found, analyze(text, found or None)

    def profile_analyses(self) -> dict[str, tuple[str, list[str]]]:
        """Each project text analysed so far (its language detected): its language and terms,
        which do not depend on the fitted space."""
        return {text: (language, terms) for (text, given), (_, language, terms)
                in self.__dict__.get("profiles_", {}).items() if not given}

    def remember_profiles(self, analyses: dict[str, tuple[str, list[str]]]) -> None:
        """Take project texts' analyses made under an earlier space (`profile_analyses`):
        a text is detected and lemmatized again only when it changes."""
        self.earlier_profiles_ = dict(analyses)

    def profile_language(self, text: str) -> str:
        """The language a project text was analysed in (detected, unless given)."""
        memo = self.__dict__.get("profiles_", {})
        return memo[(text, "")][1] if (text, "") in memo else language_of(text, "")

    # -- scores ----------------------------------------------------------------------

    def score(self, profile_texts, articles) -> np.ndarray:
        """Cosine scores, shape (n_profiles, n_articles), in [0, 1]."""
        profiles = self.transform_profiles(profile_texts)
        matrix = self.transform_articles(articles)
        return self._scores(profiles, self._prepare(matrix))

    def _words(self, matrix) -> sp.csr_matrix:
        """1 where a row has a word (not a bigram), for counting shared words."""
        words = matrix.tocsr(copy=True)
        words.data = self.space.is_word[words.indices].astype(np.float32)
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
        self.check_fitted()
        k = self.top_reasons if k is None else k
        profile = self.transform_profiles([profile_text])
        if sp.issparse(article):
            return self._reasons(profile, article[0], k)
        if row is None:
            row = self.transform_articles([article])
        terms = self._reasons(profile, sp.csr_matrix(row)[0], 3 * k)
        return readable_reasons(terms, self._article_document(article), profile_text, k,
                                self.profile_language(profile_text))

    def _reasons(self, profile, row, k: int) -> list[str]:
        contribution = profile.multiply(row).tocsr()
        if contribution.nnz == 0 or k <= 0:
            return []
        values = contribution.data
        columns = contribution.indices
        # Ties broken by term, so the reasons are stable from run to run.
        order = np.lexsort((self.terms_[columns], -values))[:k]
        return [str(self.terms_[columns[i]]) for i in order if values[i] > 0]

    # -- the ranking `matcher top` and the night use --------------------------------

    def article_side(self, articles) -> ArticleSide:
        """The articles made ready for scoring any number of profiles (`rank_contacts`):
        a caller scoring contacts group by group prepares them once."""
        matrix = self.transform_articles(articles)
        return ArticleSide(matrix, *self._prepare(matrix))

    def rank_contacts(self, contact_projects: Sequence[Sequence[str]], articles, feedback=None,
                      semantic=None, languages=None) -> ContactScores:
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
        (`semantic_weight`, or `same_language_weight` where `languages`, the articles'
        languages, says the article is in the project's); `lexical` and `semantic` keep the
        two signals apart. A project with words bridged into other languages (`set_bridged`)
        is scored a second time with them, and `match` and `lexical` keep the better score.
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
            sem = None if semantic is None else np.clip(np.asarray(semantic[rows], dtype=np.float32), 0.0, 1.0)
            same = self._same_language(flat[rows], languages)
            seed_share = self._share(same, self.same_language_seed, self.seed_semantic)
            match, lexical = self._lexical(profiles[rows], sem, seed_share, matrix, prepared,
                                           owned[rows] if owned is not None else None)
            bridged = self.bridged_rows(flat[rows])
            if bridged is not None:  # the same projects with their words in other languages: the better score
                variant, where = bridged
                theirs = None if owned is None else [owned[rows][i] for i in where]
                if theirs is not None:
                    variant = self._with_feedback(variant, theirs)
                match_b, lexical_b = self._lexical(variant, None if sem is None else sem[where],
                                                   seed_share[where] if np.ndim(seed_share) else seed_share,
                                                   matrix, prepared, theirs)
                across = self._across(flat[rows], where, languages, same, n_articles)
                match[where] = np.where(across, match_b, np.maximum(match[where], match_b))
                lexical[where] = np.where(across, lexical_b, np.maximum(lexical[where], lexical_b))
            weight = self._share(same, self.same_language_weight, self.semantic_weight) if sem is not None else 0.0
            rank = lexical if sem is None else (1 - weight) * lexical + weight * sem
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

    def _across(self, texts: Sequence[str], where: np.ndarray, languages, same, n_articles: int) -> np.ndarray:
        """Which (bridged project, article) pairs are known to be in two languages: there the
        bridged row's score is the pair's; elsewhere the better of the two. `same`: the
        chunk's `_same_language`."""
        if languages is None:
            return np.zeros((len(where), n_articles), dtype=bool)
        known = np.array([bool(lang) and lang != "und" for lang in languages])
        project_known = np.array([bool(self.profile_language(texts[i])) for i in where])[:, None]
        return known[None, :] & project_known & ~same[where]

    def _lexical(self, profiles, sem, seed_share, matrix, prepared, feedback) -> tuple[np.ndarray, np.ndarray]:
        """The guarded TF-IDF match of profile rows with every article, and the score of the
        rows expanded with their best matches (seeded by both signals)."""
        match = self._scores(profiles, prepared)
        lexical = self._expanded_scores(profiles, self._seeds(match, sem, seed_share), matrix, prepared[0],
                                        feedback)
        return match, lexical

    def _same_language(self, texts: Sequence[str], languages) -> np.ndarray | None:
        """Which (project text, article) pairs are known to be in one language; None without
        the articles' languages."""
        if languages is None:
            return None
        return same_language(languages, [self.profile_language(text) for text in texts])

    @staticmethod
    def _share(same: np.ndarray | None, within: float, across: float) -> np.ndarray | float:
        """A signal's share per pair: `within` where both are in one language, else `across`."""
        if same is None or within == across:
            return across
        return np.where(same, np.float32(within), np.float32(across))

    def _with_feedback(self, profiles, feedback) -> sp.csr_matrix:
        return with_feedback(profiles, feedback, self.sent_weight, self.off_topic_weight, self.expansion_terms)

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

    def _seeds(self, match, semantic, share):
        """The score that picks the expansion's seed articles: the TF-IDF match, blended with
        the semantic cosine (clipped to [0, 1]) when there is one, at `share` (per pair or one)."""
        if semantic is None:
            return match
        return (1 - share) * match + share * semantic

    def _expanded_profiles(self, profiles, seeds, matrix, feedback=None):
        """The profiles moved towards their best matches by `seeds` (`feedback.pseudo_relevance`),
        then the contact's feedback applied again."""
        expanded = pseudo_relevance(profiles, seeds, matrix, int(self.expansion_docs), self.expansion_weight,
                                    self.expansion_terms)
        if feedback is not None:
            expanded = self._with_feedback(expanded, feedback)
        return sp.csr_matrix(expanded)

    def expanded_reasons(self, profile_text: str, side: ArticleSide, semantic_row, j: int,
                         article, k: int | None = None, languages=None) -> list[str]:
        """Why article j matches a project, in the article's own words: the terms that add
        most to the score of the project expanded as `rank_contacts` expands it (so a
        project written in another language has reasons too), the project's own first."""
        self.check_fitted()
        k = self.top_reasons if k is None else k
        profile = self.transform_profiles([profile_text])
        bridged = self.bridged_rows([profile_text])
        if bridged is not None:  # its words in other languages too: they may be what the article says
            profile = bridged[0]
        match = self._scores(profile, (side.matrix_t, side.words_t))
        share = self._share(self._same_language([profile_text], languages), self.same_language_seed,
                            self.seed_semantic)
        seeds = self._seeds(match, None if semantic_row is None else
                            np.clip(np.asarray(semantic_row, dtype=np.float32)[None, :], 0.0, 1.0), share)
        row = side.matrix[j]
        own = self._reasons(profile, row, 3 * k)
        expanded = self._reasons(self._expanded_profiles(profile, seeds, side.matrix), row, 3 * k)
        terms = own + [t for t in expanded if t not in own]
        return readable_reasons(terms, self._article_document(article), profile_text, k,
                                self.profile_language(profile_text))


def _normalize(matrix):
    # Rows are L2-normalised already; again in case a caller built a matrix by hand.
    return normalize_rows(matrix) if matrix.shape[0] else matrix


__all__ = ["ArticleSide", "ContactScores", "NotFitted", "Ranker", "article_parts"]
