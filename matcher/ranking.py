"""The day's ranking: the fresh articles, analysed and embedded once, scored against every
contact's current projects (`Ranking`). The night fits it and keeps it in the nightly index
(`rank_the_night`); `top`, `why` and `agenda` read it from there (`Ranking.for_reading`).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp
from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session, defer, object_session, selectinload

from matcher.config import OccasionSettings, Settings
from matcher.matching import index as night_index
from matcher.matching import semantic
from matcher.matching.bridge import Bridge, WordVectors, is_word, word_languages
from matcher.matching.duplicates import near_duplicate_groups
from matcher.matching.feedback import contact_feedback
from matcher.matching.language import detect_language
from matcher.matching.terms import detect_and_analyze
from matcher.matching import counts as kept_counts
from matcher.matching.ranker import ContactScores, Ranker, article_parts
from matcher.models import Article, Contact, Project


def day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max)


def fresh_articles(session: Session, today: dt.date, settings: Settings) -> list[Article]:
    """Articles published within the freshness window ending `today` (rule 5's first half)."""
    return list(session.scalars(
        select(Article).where(is_fresh(today, settings)).order_by(Article.published.desc(), Article.id)))


def is_fresh(today: dt.date, settings: Settings):
    """The SQL condition of `fresh_articles`."""
    start = dt.datetime.combine(today - dt.timedelta(days=settings.throttle.freshness_days), dt.time.min)
    # your own news (matcher news add) stays worth sharing longer than a feed's article
    news_start = dt.datetime.combine(
        today - dt.timedelta(days=settings.occasions.news_freshness_days), dt.time.min)
    return and_(or_(Article.published >= start,
                    and_(Article.text_source == NEWS_SOURCE, Article.published >= news_start)),
                Article.published <= day_end(today))


def fill_analysis(articles: list[Article], matcher: Ranker) -> int:
    """Store with each article what the matcher needs of it and it lacks: its language and
    its analysed terms (`Article.terms`). The session's commit keeps
    them for the next night, `matcher top` and `matcher why`; only new articles cost an
    analysis. Many are analysed in a process pool (the first night: the whole window).
    Returns how many articles were analysed."""
    todo = [a for a in articles if not a.language or not matcher.terms_current(a)]
    done = detect_and_analyze([article_parts(a) for a in todo], matcher.title_weight, matcher.workers)
    for article, (language, terms) in zip(todo, done):
        if article.language != language:
            article.language = language
        article.terms = terms
    return len(todo)


def fill_embeddings(articles: list[Article], workers: int | None = None) -> int:
    """Store with each article its sentence vector (`Article.embedding`) where it has none
    from the current model: embedded once, from title and lead, many in a process pool.
    Returns how many articles were embedded."""
    todo = [a for a in articles if a.embedding is None or a.embedded_with != semantic.MODEL]
    vectors = semantic.embed_articles(
        [semantic.article_text(a.title or "", a.summary or "", a.text or "") for a in todo], workers)
    for article, vector in zip(todo, vectors):
        article.embedding, article.embedded_with = vector, semantic.MODEL
    return len(todo)


def rank_the_night(session: Session, today: dt.date, settings: Settings) -> Ranking:
    """The night's ranking, fitted once: it makes the suggestions and is kept as the nightly
    index (with every current project's vector) for the day's `top`, `why` and `agenda`.
    A second run on the same day, with the same fresh articles, takes the index as it is."""
    kept = night_index.read(settings.index_path)  # read once: the index, or its project vectors
    ranking = Ranking.from_index(session, today, settings, kept)
    contacts = session.scalars(select(Contact).options(selectinload(Contact.projects))).all()
    retire = settings.occasions.retire_project_days
    texts = [p.text for c in contacts for p in current_projects(c, today, retire)]
    refit = ranking is None
    if refit:
        vectors, analyses = night_index.project_vectors(kept), night_index.project_analyses(kept)
        bridged = night_index.project_bridges(kept)
        kept = None  # the old index's matrix and ranker are not held through the fit
        if session.scalar(select(Article.id).where(is_fresh(today, settings)).limit(1)) is not None:
            # Before the fit, with the encoder the embedding stage loaded (loading it costs
            # 1.5 s): the project texts the last index did not know (a first night: all).
            vectors.update(embed_projects(texts, vectors, settings.fetch.workers or None))
        semantic.release()  # not held through the fit
        ranking = Ranking.build(session, today, settings)
        ranking.add_project_vectors(vectors)
        ranking.reuse_bridged(bridged)
        if ranking.matcher is not None:
            ranking.matcher.remember_profiles(analyses)
    if refit or not ranking.knows_projects(texts):
        ranking.save_index(today, texts)
    semantic.release()  # every current project has its vector now: suggesting needs no encoder
    return ranking


def embed_projects(texts: list[str], known: dict, workers: int | None = None) -> dict:
    """The vectors of the project texts whose key (`text_key`) is not in `known`, made now."""
    new: dict = {}
    for text in texts:
        key = night_index.text_key(text)
        if key not in known:
            new.setdefault(key, text)
    if not new:
        return {}
    return dict(zip(new, semantic.embed_many(list(new.values()), workers)))


def embed_fresh(session: Session, today: dt.date, settings: Settings) -> int:
    """The night's embedding stage: the fresh articles that have no vector yet get one
    (new articles, and the window's articles after an upgrade); committed with the session.
    The encoder stays loaded for the project texts the ranking has not met
    (`rank_the_night`, which lets it go)."""
    todo = list(session.scalars(select(Article).where(
        is_fresh(today, settings),
        or_(Article.embedding.is_(None), Article.embedded_with.is_(None), Article.embedded_with != semantic.MODEL))))
    return fill_embeddings(todo, settings.fetch.workers or None)


def fill_terms(articles: list[Article], matcher: Ranker) -> None:
    """Store the analysed terms of articles that lack current ones (languages left as they are)."""
    todo = [a for a in articles if not matcher.terms_current(a)]
    for article, terms in zip(todo, matcher.analyze_articles(todo)):
        article.terms = terms



NEWS_SOURCE = "news"  # Article.text_source of the user's own news (matcher.news)
RETIRE_PROJECT_DAYS = OccasionSettings().retire_project_days


def project_confirmed(project: Project) -> dt.date | None:
    """The last day the project was known to be current: confirmed, else started."""
    return project.confirmed_on or project.since


def current_projects(contact: Contact, today: dt.date,
                     retire_days: int = RETIRE_PROJECT_DAYS) -> list[Project]:
    """Projects that drive matching today: within their dates, and confirmed within
    `retire_days` (a project nobody confirmed for a year is probably over)."""
    out = []
    for p in contact.projects:
        if not (p.is_current(today) and p.text.strip()):
            continue
        confirmed = project_confirmed(p)
        if confirmed is not None and retire_days and (today - confirmed).days > retire_days:
            continue
        out.append(p)
    return out


def _article_key(article) -> tuple:
    """One article, however many times it is loaded: by id (a transient one by identity)."""
    article_id = getattr(article, "id", None)
    return ("id", article_id) if article_id is not None else ("object", id(article))


def _release_texts(articles) -> None:
    """Once the matrix is made, the articles' texts and terms are not needed in memory (the
    night ranks 10,000 of them): write what the analysis added, and let the ORM reload a
    text on the rare access (the reasons of a chosen article)."""
    sessions = {id(s): s for s in map(object_session, articles) if s is not None}
    for session in sessions.values():
        session.flush()
    for article in articles:
        session = object_session(article)
        if session is not None and article in session and not session.is_modified(article):
            session.expire(article, ["text", "summary", "terms", "embedding"])


@dataclass
class Ranking:
    """The fitted matcher over one day's fresh articles."""

    articles: list[Article]
    matcher: Ranker | None
    settings: Settings | None = None
    matrix: object = None  # the articles' TF-IDF rows, analysed once
    embeddings: np.ndarray | None = None  # the articles' sentence vectors, a row each
    # rows(): the fresh articles' rows, then those of other articles asked for (earlier
    # suggestions), each transformed once; key -> row of _known.
    _row_of: dict = field(default=None, init=False, repr=False)
    _known: object = field(default=None, init=False, repr=False)
    _others: list = field(default_factory=list, init=False, repr=False)  # keeps keyed objects alive
    _side: object = field(default=None, init=False, repr=False)  # matrix, ready for scoring contacts
    _project_vectors: dict = field(default_factory=dict, init=False, repr=False)  # text_key -> vector
    # Bridging project words into the night's other languages (matching/bridge.py): the word
    # vectors (None: a ranking that bridges no new text), the bridge (made when first
    # needed), the vocabulary's languages, and the words bridged by an earlier index.
    word_vectors: WordVectors | None = field(default=None, repr=False)
    _word_languages: object = field(default=None, init=False, repr=False)  # made when first needed
    _bridge: Bridge | None = field(default=None, init=False, repr=False)
    _known_bridged: dict = field(default_factory=dict, init=False, repr=False)

    @classmethod
    def build(cls, session: Session, today: dt.date, settings: Settings) -> Ranking:
        """The ranking over the fresh articles of the database; their term counts are kept
        in the home's cache for the next ranking (`counts.py`)."""
        return cls.from_articles(fresh_articles(session, today, settings), settings,
                                 counts_path=settings.counts_path, words_path=settings.word_vectors_path)

    @classmethod
    def for_reading(cls, session: Session, today: dt.date, settings: Settings) -> Ranking:
        """The ranking for a command that only reads (`top`, `why`, `agenda`): the night's
        index when it was made for exactly today's fresh articles, else ranked in memory as
        the night would (nothing written: not the database, not the cache)."""
        kept = cls.from_index(session, today, settings)
        if kept is not None:
            return kept
        return cls.from_articles(fresh_articles(session, today, settings), settings, store=False,
                                 words_path=settings.word_vectors_path)

    @classmethod
    def from_index(cls, session: Session, today: dt.date, settings: Settings,
                   kept: night_index.NightIndex | None = None) -> Ranking | None:
        """The ranking the nightly index keeps (`kept`, else the home's), if it was made for
        exactly today's fresh articles under these settings; else None. Articles come without
        their texts (loaded if asked)."""
        kept = kept if kept is not None else night_index.read(settings.index_path)
        # The ids first: a night's index is a day old, and it costs only them to know it.
        fresh = select(Article).where(is_fresh(today, settings)).order_by(Article.published.desc(), Article.id)
        ids = list(session.scalars(fresh.with_only_columns(Article.id)))
        if not ids or not night_index.serves(kept, settings, ids):
            return None
        light = list(session.scalars(fresh.options(
            defer(Article.text), defer(Article.summary), defer(Article.terms), defer(Article.embedding))))
        if [a.id for a in light] != ids:  # written to between the two reads
            return None
        embeddings = None if kept.embeddings is None else np.asarray(kept.embeddings, dtype=np.float32)
        ranking = cls(light, kept.matcher, settings, kept.matrix, embeddings)
        ranking.add_project_vectors(kept.project_vectors)
        # A project changed since the night is bridged as the night would, reading the word
        # cache and writing nothing (the texts the night knew keep their bridged words).
        ranking.word_vectors = WordVectors(settings.word_vectors_path, kept.matcher.workers, write=False)
        return ranking

    def save_index(self, today: dt.date, project_texts: list[str]) -> None:
        """Keep what this ranking fitted for the day's read-only commands, with the vectors
        and TF-IDF rows of `project_texts` (made now for those this ranking has not met yet:
        the night scores only the contacts it may write to)."""
        if self.matcher is None:
            Path(self.settings.index_path).unlink(missing_ok=True)
            return
        if self.embeddings is not None:
            self._embed_projects(project_texts)  # only their vectors: no scores needed here
        self.bridge_projects(project_texts)
        self.matcher.transform_profiles(project_texts)  # analyses the new ones
        wanted = {night_index.text_key(t) for t in project_texts}
        night_index.save(self.settings.index_path, night_index.NightIndex(
            {**night_index.fingerprint(self.settings), "day": today.isoformat()},
            [a.id for a in self.articles], self.matcher.ranker(), self.matrix,
            None if self.embeddings is None else self.embeddings.astype(np.float16),
            {k: v for k, v in self._project_vectors.items() if k in wanted}))

    def add_project_vectors(self, vectors: dict) -> None:
        """Take the project vectors an earlier index kept: a project is embedded again only
        when its text changes."""
        self._project_vectors.update(vectors)

    def knows_projects(self, texts: list[str]) -> bool:
        """Whether every one of the project texts has its vector already."""
        return all(night_index.text_key(t) in self._project_vectors for t in texts)

    @classmethod
    def from_articles(cls, articles: list[Article], settings: Settings, counts_path=None,
                      store: bool = True, words_path=None) -> Ranking:
        """The ranking over given articles (the night's fresh ones; bench/eval.py's corpus).
        Their languages and analysed terms are stored with them (`fill_analysis`): flushed
        into their session, unless `store` is False (a command that only reads: in memory).
        With `counts_path`, their term counts are kept there for the next ranking."""
        if not articles:
            return cls(articles, None, settings)
        # Here only: a command that reads the nightly index never loads scikit-learn.
        from matcher.matching.tfidf import ProjectMatcher

        matcher = ProjectMatcher(keep_counts=counts_path is not None)
        fill_analysis(articles, matcher)
        fill_embeddings(articles, matcher.workers)
        kept = kept_counts.load(counts_path, matcher.title_weight) if counts_path is not None else None
        matrix = matcher.fit_transform(articles, kept_counts=kept)
        kept = None  # last night's counts, reused: not held through the rest of the night
        if counts_path is not None and matcher.counts_ is not None:
            kept_counts.save(counts_path, matcher.counts_)
        matcher.counts_ = None  # kept on disk: not held through the rest of the night
        embeddings = semantic.from_stored([a.embedding for a in articles])
        if store:
            _release_texts(articles)
        ranking = cls(articles, matcher, settings, matrix, embeddings)
        # The words' vectors are read from `words_path` and, unless the command only reads, kept there.
        ranking.word_vectors = WordVectors(words_path, matcher.workers, write=store)
        return ranking

    def rows(self, articles) -> sp.csr_matrix:
        """The TF-IDF rows of any articles: a fresh one's row of `matrix`, another's
        transformed once (its terms stored with it too) and kept for the next call.
        Ask for many at once: the new ones are transformed in one batch."""
        if self._row_of is None:
            self._row_of = {_article_key(a): j for j, a in enumerate(self.articles)}
            self._known = self.matrix
        new: dict = {}
        for article in articles:
            key = _article_key(article)
            if key not in self._row_of and key not in new:
                new[key] = article
        if new:
            others = list(new.values())
            fill_terms(others, self.matcher)
            start = self._known.shape[0]
            self._known = sp.vstack([self._known, self.matcher.transform_articles(others)], format="csr")
            self._row_of.update((key, start + i) for i, key in enumerate(new))
            self._others.extend(others)
        if not len(articles):
            return self._known[:0]
        return self._known[[self._row_of[_article_key(a)] for a in articles]]

    def fresh_article(self, article_id: int) -> Article | None:
        """The fresh article with this id, if the ranking has it."""
        if not self.articles:
            return None
        if self._row_of is None:
            self.rows([])
        j = self._row_of.get(("id", article_id))
        return self.articles[j] if j is not None and j < len(self.articles) else None

    def reasons(self, project_text: str, j: int) -> list[str]:
        """Why fresh article j matches the project, in the article's words (its row is at
        hand: not analysed again)."""
        if self._side is None:
            self._side = self.matcher.article_side(self.matrix)
        self.bridge_projects([project_text])
        semantic_row = self.semantic_scores([project_text])
        return self.matcher.expanded_reasons(project_text, self._side,
                                             None if semantic_row is None else semantic_row[0], j, self.articles[j],
                                             languages=[a.language for a in self.articles])

    def passing(self, scores: ContactScores) -> np.ndarray:
        """Which (contact, article) pairs pass the matcher's threshold (rule 5's second half):
        the score, and both signals agreeing (`throttle.signals_verdict`)."""
        t = self.settings.throttle
        ok = np.asarray(scores.rank) >= t.min_score
        if self.embeddings is not None:
            ok &= (np.asarray(scores.semantic) >= t.min_semantic) & (np.asarray(scores.lexical) >= t.min_lexical)
        return ok

    def signals(self, scores: ContactScores, j: int) -> dict:
        """The two signals of article j in a contact's row, for the throttle's verdict."""
        if self.embeddings is None:
            return {}
        return {"semantic": float(scores.semantic[j]), "lexical": float(scores.lexical[j])}

    def feedback(self, contact: Contact):
        """What the contact's sent and off-topic suggestions teach the ranking (None if nothing)."""
        return contact_feedback(contact.suggestions, self.rows)

    def stories(self) -> list[int]:
        """A story id per article: near-duplicates from several feeds share one."""
        if self.matcher is None:
            return []
        return near_duplicate_groups(self.matrix, self.settings.throttle.near_duplicate)

    def scores(self, contacts: list[Contact], today: dt.date) -> ContactScores:
        """Per contact × article: `rank` orders, `match` passes the threshold, `project` says
        which current project; zeros (and -1) where the contact has no project."""
        retire = self.settings.occasions.retire_project_days if self.settings else RETIRE_PROJECT_DAYS
        projects = [[p.text for p in current_projects(c, today, retire)] for c in contacts]
        if self.matcher is None or not contacts:
            shape = (len(contacts), len(self.articles))
            return ContactScores(np.zeros(shape), np.zeros(shape), np.full(shape, -1), np.zeros(shape),
                                 np.zeros(shape))
        # Every decided article at once: those out of the window are transformed in one batch.
        self.rows([s.article for c in contacts for s in c.suggestions
                   if s.article is not None and s.status in ("sent", "skipped")])
        if self._side is None:
            self._side = self.matcher.article_side(self.matrix)
        self.bridge_projects([t for texts in projects for t in texts])
        return self.matcher.rank_contacts(projects, self._side, [self.feedback(c) for c in contacts],
                                          self.semantic_scores([t for texts in projects for t in texts]),
                                          [a.language for a in self.articles])

    def reuse_bridged(self, bridged: dict[str, list[str]]) -> None:
        """Take the words an earlier index bridged for project texts: a text is bridged again
        only when it changes (or the index is gone)."""
        self._known_bridged.update(bridged)

    def bridge_projects(self, texts: list[str]) -> None:
        """Give the project texts not bridged yet their words in the night's other languages
        (`matching.bridge`): an earlier index's, else made now (the project's words embedded,
        the vocabulary's from the word cache). A ranking read from the index bridges nothing new."""
        if self.matcher is None or self.word_vectors is None:
            return
        todo = [t for t in dict.fromkeys(texts) if self.matcher.bridged(t) is None]
        reused = {t: self._known_bridged[t] for t in todo if t in self._known_bridged}
        todo = [t for t in todo if t not in reused]
        made = {}
        # Only a text in a known language, with news in another, has words to bridge (the
        # others are asked again another night: the feeds may bring another language).
        analyses = {t: self.matcher.profile_analysis(t) for t in todo}
        known = [t for t in todo if analyses[t][0]]
        news = set(self.vocabulary_languages().tolist()) - {""} if known else set()
        todo = [t for t in known if news - {analyses[t][0]}]
        if todo:
            if self._bridge is None:
                self._bridge = Bridge.build(self.matcher.space.terms, self.vocabulary_languages(), self.word_vectors)
                self.word_vectors.keep(self._bridge.words)
            words = {t: [w for w in dict.fromkeys(analyses[t][1]) if is_word(w)] for t in todo}
            unique = list(dict.fromkeys(w for ws in words.values() for w in ws))
            # A project's words are embedded here and not kept in the word cache: they are the person's.
            row = {w: i for i, w in enumerate(unique)}
            vectors = semantic.embed_many(unique, self.matcher.workers) if unique else None
            made = {t: self._bridge.translate(ws, vectors[[row[w] for w in ws]], analyses[t][0]) if ws else []
                    for t, ws in words.items()}
        if reused or made:
            self.matcher.set_bridged({**reused, **made})

    def vocabulary_languages(self) -> np.ndarray:
        """Each vocabulary word's language, that of most fresh articles using it (`word_languages`)."""
        if self._word_languages is None:
            self._word_languages = word_languages(self.matrix, [a.language or "" for a in self.articles])
        return self._word_languages

    def project_language(self, text: str) -> str:
        """The language a project text is written in, as the ranking read it ("" if unsure)."""
        language = self.matcher.profile_language(text) if self.matcher is not None else detect_language(text)
        return "" if language == "und" else language

    def semantic_scores(self, texts: list[str]) -> np.ndarray | None:
        """Cosines of each project text's sentence vector with every fresh article's; a
        text is embedded once per ranking."""
        if self.embeddings is None:
            return None
        keys = self._embed_projects(texts)
        if not texts:
            return np.zeros((0, len(self.articles)), dtype=np.float32)
        return np.stack([self._project_vectors[k] for k in keys]).astype(np.float32) @ self.embeddings.T

    def _embed_projects(self, texts: list[str]) -> list:
        """The texts' keys, each text's vector made if this ranking has not met it yet."""
        workers = (self.settings.fetch.workers or None) if self.settings else None
        self._project_vectors.update(embed_projects(texts, self._project_vectors, workers))
        return [night_index.text_key(t) for t in texts]
