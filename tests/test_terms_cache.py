"""Stored article terms (Article.terms, migration 0004): analysed once, reused by every
later ranking, and rankings identical to analysing every article again."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from pathlib import Path

import numpy as np
import pytest
import scipy.sparse as sp
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.feature_extraction.text import TfidfVectorizer
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from matcher.config import Settings
from matcher.db import alembic_config, make_engine
from matcher.matching import analysis, terms
from matcher.matching import space
from matcher.matching.space import StoredDocument
from matcher.matching.tfidf import ProjectMatcher
from matcher.models import Article, Contact, Project, Suggestion, Touch
from matcher.ranking import Ranking
from matcher.suggest import suggest
from matcher.touches import contact_state, contact_states
from tests.test_matching import ARTICLES

TODAY = dt.date(2026, 11, 20)
KUBERNETES = "Migrating our payment platform from on-premise servers to Kubernetes in the cloud."
COFFEE = "Renegotiating green coffee supply contracts with growers in Brazil."


def analysed_as_before(record: dict, weight: int) -> Counter:
    """What the matcher analysed for an article before terms were stored: analyze() of the
    joined document, in the language it chose."""
    body, language = ProjectMatcher(title_weight=weight)._article_document(record)
    return Counter(analysis.analyze(body, language or None))


def stored_document(record: dict, weight: int, stored_with: int | None = None) -> Counter | None:
    stored = terms.analyze_article(record["title"], record["text"], record["language"],
                                   weight if stored_with is None else stored_with)
    if not terms.is_current(stored, record["title"], record["text"], record["language"], weight):
        return None
    return Counter(terms.document_terms(stored, weight))


# -- the stored form rebuilds the document's analysis --------------------------------------

EDGE_CASES = [
    {"title": a.title, "text": a.text, "language": a.language} for a in ARTICLES
] + [
    {"title": "", "text": "", "language": ""},
    {"title": "EU AI ACT: BANKS REVIEW CREDIT MODELS", "text": "The AI Act asks for human oversight.", "language": "en"},
    {"title": "NEW PPA DEALS IN SPAIN", "text": "", "language": ""},
    {"title": "Solar PPAs", "text": "SOLAR PPAS SIGNED BY UTILITIES IN SPAIN TODAY", "language": "en"},
    {"title": "Caffè", "text": "", "language": ""},          # too short to detect: the whole document decides
    {"title": "", "text": "Contratti di fornitura del caffè verde con i coltivatori", "language": ""},
    {"title": "Port of Genoa", "text": "Cranes (automated); rail freight! Dwell times?", "language": "und"},
]


@pytest.mark.slow
@pytest.mark.parametrize("weight", [0, 1, 2, 3])
@pytest.mark.parametrize("record", EDGE_CASES)
def test_stored_terms_rebuild_the_documents_analysis(record, weight):
    assert stored_document(record, weight) == analysed_as_before(record, weight)
    # Stored for the default weight: serves this weight too, unless the ALL-CAPS verdict differs.
    again = stored_document(record, weight, stored_with=2)
    assert again is None or again == analysed_as_before(record, weight)


_WORDS = st.sampled_from(["Coffee", "COFFEE", "caffè", "AI", "ai", "PPAs", "contratti", "di", "the",
                          "Growers", "Brasile", "2025", "k8s", "IT", "fornitura", "supply", "x"])
_TEXT = st.lists(st.one_of(_WORDS, st.sampled_from([" ", ". ", "\n", "; ", "(", ") ", "'"])),
                 max_size=40).map("".join)


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(title=_TEXT, text=_TEXT, language=st.sampled_from(["", "en", "it", "und"]),
       weight=st.integers(0, 3))
def test_stored_terms_equal_the_analysis_on_any_text(title, text, language, weight):
    record = {"title": title, "text": text, "language": language}
    assert stored_document(record, weight) == analysed_as_before(record, weight)


def test_stale_terms_are_not_used():
    stored = terms.analyze_article("Coffee supply", "Growers sign contracts.", "en", 2)
    assert terms.is_current(stored, "Coffee supply", "Growers sign contracts.", "en", 2)
    assert terms.is_current(stored, "Coffee supply", "Growers sign contracts.", "en", 3)
    assert not terms.is_current(stored, "Coffee supply", "Growers signed contracts.", "en", 2)
    assert not terms.is_current(stored, "Coffee supplies", "Growers sign contracts.", "en", 2)
    assert not terms.is_current(stored, "Coffee supply", "Growers sign contracts.", "it", 2)
    assert not terms.is_current(None, "Coffee supply", "Growers sign contracts.", "en", 2)
    assert not terms.is_current("garbage", "Coffee supply", "Growers sign contracts.", "en", 2)
    assert not terms.is_current("t1|en|*|0|x|0|0|0|0|0\nterm", "Coffee supply", "Growers sign contracts.", "en", 2)
    assert not terms.is_current("t0" + stored[2:], "Coffee supply", "Growers sign contracts.", "en", 2)
    # An ALL-CAPS title shouts at weight 3 but not at weight 0: analysed again.
    shouting = terms.analyze_article("EU AI ACT IS HERE", "Banks use models for credit.", "en", 3)
    assert not terms.is_current(shouting, "EU AI ACT IS HERE", "Banks use models for credit.", "en", 0)


def test_a_term_never_holds_the_separator():
    for record in EDGE_CASES:
        stored = terms.analyze_article(record["title"], record["text"], record["language"], 2)
        assert all(stored.split("\n")[1:])  # one non-empty term a line
        assert stored.count(terms.SEPARATOR) == len(terms.document_terms(stored, 1))


# -- the matcher: stored terms in, the same matrix out -----------------------------------


def records(with_terms: bool) -> list[dict]:
    out = []
    for a in ARTICLES:
        record = {"title": a.title, "text": a.text, "language": a.language}
        if with_terms:
            record["terms"] = terms.analyze_article(a.title, a.text, a.language, 2)
        out.append(record)
    return out


def assert_same_matrix(a, b):
    a, b = sp.csr_matrix(a), sp.csr_matrix(b)
    a.sort_indices()
    b.sort_indices()
    assert a.shape == b.shape and a.dtype == b.dtype
    assert np.array_equal(a.indptr, b.indptr) and np.array_equal(a.indices, b.indices)
    assert np.array_equal(a.data, b.data)


def test_rankings_with_stored_terms_equal_rankings_without(monkeypatch):
    plain = ProjectMatcher()
    plain_matrix = plain.fit_transform(ARTICLES)  # dataclasses: no terms field at all
    night = records(with_terms=True)
    calls = []
    monkeypatch.setattr(analysis, "analyze", lambda *a, **k: calls.append(a) or [])
    monkeypatch.setattr(terms, "analyze_article", lambda *a, **k: calls.append(a) or "")
    stored = ProjectMatcher()
    stored_matrix = stored.fit_transform(night)
    assert calls == []  # nothing analysed: every article brought its terms
    assert stored.vocabulary_ == plain.vocabulary_
    assert np.array_equal(stored.idf_, plain.idf_)
    assert_same_matrix(stored_matrix, plain_matrix)
    monkeypatch.undo()
    projects = [[KUBERNETES], [COFFEE, KUBERNETES], []]
    a, b = plain.rank_contacts(projects, plain_matrix), stored.rank_contacts(projects, stored_matrix)
    for name in ("rank", "match", "project"):
        assert np.array_equal(getattr(a, name), getattr(b, name))


def test_fit_transform_rows_equal_transform_rows():
    # Ranking.rows() takes a fresh article's row from fit_transform where the night took
    # transform_articles([article]): the same bits.
    matcher = ProjectMatcher()
    fitted = matcher.fit_transform(records(with_terms=True))
    for i in (0, 8, 24):
        assert_same_matrix(fitted[i], matcher.transform_articles([records(with_terms=False)[i]]))


def test_the_term_space_equals_scikit_learns_tfidf():
    stored = ProjectMatcher()._article_documents(records(with_terms=True)) * 3
    assert all(isinstance(d, StoredDocument) for d in stored)
    for documents, options in [
        (stored, {"min_df": 2, "max_df": 0.5}), (stored, {"min_df": 1, "max_df": 1.0}),
        ([d.terms() for d in stored], {"min_df": 1, "max_df": 3}),
        ([d.terms() for d in stored], {"min_df": 0.1, "max_df": 0.9}),
    ]:
        for sublinear_tf in (True, False):
            stock = TfidfVectorizer(analyzer=space.document_terms, sublinear_tf=sublinear_tf, dtype=np.float32,
                                    **options)
            expected = stock.fit_transform(documents)
            fitted, matrix = space.fit(space.count(documents), sublinear_tf=sublinear_tf, **options)
            assert fitted.vocabulary == stock.vocabulary_
            assert np.array_equal(fitted.idf, stock.idf_)
            assert_same_matrix(matrix, expected)
            assert_same_matrix(fitted.transform(documents[:7]), stock.transform(documents[:7]))
    with pytest.raises(ValueError):
        space.fit(space.count([[], []]))


def test_estimator_keeps_accepting_strings_and_dicts_without_terms():
    night = ["Coffee growers sign supply contracts", {"title": "Coffee", "text": "Growers."}]
    matcher = ProjectMatcher(max_df=1.0).fit(night)
    assert {"coffee", "grower", "supply"} <= set(matcher.vocabulary_)
    assert matcher.transform_articles(night).shape == (2, len(matcher.vocabulary_))


def test_pool_analysis_equals_in_process():
    items = [(a.title, a.text, a.language) for a in ARTICLES]
    here = terms.in_chunks(terms._analyze_chunk, items, 2, workers=1)
    pooled = terms.in_chunks(terms._analyze_chunk, items, 2, workers=2, chunk=4, pool_min=1)
    assert pooled == here == [terms.analyze_article(*item, 2) for item in items]
    detected = terms.in_chunks(terms._detect_and_analyze_chunk, [(t, x, "") for t, x, _ in items], 2,
                               workers=2, chunk=4, pool_min=1)
    assert [language for language, _ in detected] == [
        analysis.detect_language(f"{t}. {x}") or "und" for t, x, _ in items]


def test_a_pool_is_warmed_with_what_its_task_needs_and_nothing_else():
    # The parent loads a task's data (language data, the encoder) only for a pool that will
    # share it: never for work done in this process.
    items = [(a.title, a.text, a.language) for a in ARTICLES[:6]]
    warmed: list[int] = []
    terms.in_chunks(terms._analyze_chunk, items, 2, workers=1, warm=lambda: warmed.append(1))
    assert warmed == []
    pooled = terms.in_chunks(terms._analyze_chunk, items, 2, workers=2, chunk=2, pool_min=1,
                             warm=lambda: warmed.append(1))
    assert warmed == [1] and pooled == [terms.analyze_article(*item, 2) for item in items]


# -- the night: terms stored, then reused --------------------------------------------------


def add_night(session, start: int = 0, day: dt.date = TODAY):
    for i, a in enumerate(ARTICLES):
        session.add(Article(key=f"a{start + i}", url=f"https://example.com/{start + i}", title=a.title, text=a.text,
                            language="", published=dt.datetime.combine(day - dt.timedelta(days=1), dt.time(6))))


def test_ranking_stores_terms_and_the_next_one_analyses_nothing(db, monkeypatch, tmp_path):
    with db.session() as session:
        add_night(session)
    settings = Settings(home=tmp_path)
    with db.session() as session:
        first = Ranking.build(session, TODAY, settings)
        first_matrix = first.matrix
    with db.session() as session:
        stored = session.scalars(select(Article)).all()
        assert all(a.terms and a.language for a in stored)
        assert all(terms.is_current(a.terms, a.title, a.text, a.language, 2) for a in stored)

    calls = []
    real = terms.analyze_article
    monkeypatch.setattr(terms, "analyze_article", lambda *a: calls.append(a[0]) or real(*a))
    monkeypatch.setattr(analysis, "analyze", lambda *a, **k: pytest.fail("analysed again"))
    with db.session() as session:
        again = Ranking.build(session, TODAY, settings)
    assert calls == []
    assert_same_matrix(again.matrix, first_matrix)

    with db.session() as session:  # one new article: only it is analysed
        session.add(Article(key="new", url="https://example.com/new", title="Kubernetes news",
                            text="Banks migrate platforms to Kubernetes clusters.", language="en",
                            published=dt.datetime.combine(TODAY, dt.time(5))))
    with db.session() as session:
        Ranking.build(session, TODAY, settings)
    assert calls == ["Kubernetes news"]


def add_contacts_and_night(db) -> None:
    with db.session() as session:
        add_night(session)
        session.add_all([Contact(name=f"P{i}", kind="colleague", projects=[Project(text=text)])
                         for i, text in enumerate([KUBERNETES, COFFEE, KUBERNETES + " " + COFFEE])])


def night_suggestions(db, settings) -> list[tuple]:
    """The night's suggestions, rolled back: nothing kept, not the suggestions, not the terms."""
    with db.sessions() as session:
        report = suggest(session, settings, TODAY)
        made = [session.get(Suggestion, i) for i in report.created]
        out = [(s.contact_id, s.article_id, s.score, s.reasons, s.draft) for s in made]
        session.rollback()
        return out


@pytest.mark.slow
def test_suggestions_are_the_same_with_stored_terms(db, tmp_path):
    add_contacts_and_night(db)
    settings = Settings(home=tmp_path)
    without = night_suggestions(db, settings)
    with db.session() as session:
        Ranking.build(session, TODAY, settings)  # stores the terms
    with db.session() as session:
        assert session.scalar(select(Article).where(Article.terms.is_(None))) is None
    assert without and night_suggestions(db, settings) == without


@pytest.mark.slow
def test_contacts_scored_in_groups_get_the_same_suggestions(db, monkeypatch, tmp_path):
    import matcher.suggest as suggest_module

    add_contacts_and_night(db)
    settings = Settings(home=tmp_path)
    together = night_suggestions(db, settings)
    monkeypatch.setattr(suggest_module, "SCORE_GROUP", 1)
    assert together and night_suggestions(db, settings) == together


@pytest.mark.parametrize("few", [500, 0])
def test_contact_states_for_a_few_or_the_whole_book(db, monkeypatch, few):
    import matcher.touches as touches_module

    monkeypatch.setattr(touches_module, "FEW_CONTACTS", few)
    with db.session() as session:
        contacts = [Contact(name=f"C{i}", kind="colleague", cadence_days=i or None) for i in range(4)]
        session.add_all(contacts)
        session.flush()
        a = Article(key="k", url="u", title="t", published=dt.datetime(2026, 11, 1))
        session.add(a)
        session.flush()
        for day, kind, who in [(1, "email", 0), (2, "reply", 0), (3, "call", 0), (4, "email", 1),
                               (5, "email", 1), (30, "email", 1), (6, "reply", 2)]:
            session.add(Touch(contact_id=contacts[who].id, kind=kind, direction="in" if kind == "reply" else "out",
                              date=dt.date(2026, 11, day)))
        session.add(Suggestion(contact_id=contacts[1].id, article_id=a.id, score=0.5, status="pending",
                               created_on=dt.date(2026, 11, 2)))
    with db.session() as session:
        contacts = session.scalars(select(Contact).order_by(Contact.id)).all()
        states = contact_states(session, contacts[:3], TODAY)
        assert [(s.last_touch, s.unreplied, s.pending) for s in states] == [
            (dt.date(2026, 11, 3), 1, 0), (dt.date(2026, 11, 5), 2, 1), (dt.date(2026, 11, 6), 0, 0)]
        assert contact_state(session, contacts[3], TODAY).last_touch is None


# -- migration 0004 ------------------------------------------------------------------------


def test_migration_0004_adds_terms_to_existing_articles(db_url):
    engine = make_engine(db_url)  # foreign keys on, as in real use
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0003")
        for i, a in enumerate(ARTICLES[:3]):
            conn.execute(text("INSERT INTO articles (id, key, url, title, summary, text, text_source, language, "
                              "published, fetched_at) VALUES (:id, :key, 'u', :title, '', :text, 'feed', :lang, "
                              ":published, '2026-11-19')"),
                         {"id": i + 1, "key": f"k{i}", "title": a.title, "text": a.text, "lang": a.language,
                          "published": dt.datetime(2026, 11, 19, 6)})
        conn.execute(text("INSERT INTO contacts (id, name, email, kind, company, role, country, language, "
                          "channel, notes, do_not_contact, profile_url, labels) VALUES "
                          "(1, 'A', 'a@example.com', '', '', '', '', '', '', '', false, '', '')"))
        conn.execute(text("INSERT INTO suggestions (id, contact_id, article_id, score, reasons, draft, status, "
                          "created_on, kind, title) VALUES (1, 1, 1, 0.5, '[]', 'd', 'sent', '2026-11-19', "
                          "'article', '')"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with Session(engine) as session:
        articles = session.scalars(select(Article).order_by(Article.id)).all()
        assert [a.terms for a in articles] == [None, None, None]
        Ranking.from_articles(articles, Settings(home=Path("/nonexistent")))
        session.commit()
    with Session(engine) as session:
        assert all(a.terms for a in session.scalars(select(Article)))
        assert session.get(Suggestion, 1).article_id == 1
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
        assert conn.execute(text("SELECT count(*) FROM articles")).scalar() == 3
        assert conn.execute(text("SELECT count(*) FROM suggestions")).scalar() == 1
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
        assert conn.execute(text("SELECT count(*) FROM articles WHERE terms IS NULL")).scalar() == 3
    engine.dispose()


# -- the night's other costs, cut without changing a result ---------------------------------


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from("aZz AÀÖØÞßöøÿé.\n1_Éx"), max_size=40) | st.text(max_size=40))
def test_letter_counts_equal_the_regular_expressions(text):
    assert analysis.letter_counts(text) == (len(analysis._UPPER.findall(text)), len(analysis._LOWER.findall(text)))


def test_near_duplicates_of_many_rows_equal_one_row_at_a_time():
    from matcher.matching.duplicates import is_near_duplicate
    from matcher.matching.duplicates import _rows, near_duplicates

    matrix = ProjectMatcher().fit_transform(ARTICLES)
    earlier = matrix[[8, 15, 3]]
    cosines = (_rows(matrix) @ _rows(earlier).T).toarray()
    # Thresholds at the very cosines: a result one bit off would flip.
    for threshold in [0.5, *np.unique(cosines)[-6:]]:
        many = near_duplicates(matrix, earlier, float(threshold))
        one = [is_near_duplicate(matrix[i], earlier, float(threshold)) for i in range(matrix.shape[0])]
        assert many.tolist() == one
    assert near_duplicates(matrix, earlier[:0], 0.5).tolist() == [False] * matrix.shape[0]


def test_feedback_for_many_profiles_equals_one_at_a_time():
    from matcher.matching.feedback import Feedback
    from matcher.matching.space import normalize_rows as _normalize
    from matcher.matching.space import top_terms as _top_terms

    matcher = ProjectMatcher()
    matrix = matcher.fit_transform(ARTICLES)
    profiles = matcher.transform_profiles([KUBERNETES, COFFEE, "Wine exports", KUBERNETES])
    feedback = [None, Feedback(sent=matrix[[0, 2]]), None, Feedback(off_topic=matrix[[8]], sent=matrix[[24]])]

    def one_at_a_time(profiles, feedback):  # the code before: each row normalised alone
        rows = []
        for i, fb in enumerate(feedback):
            row = _normalize(profiles[i])
            if fb is not None:
                for articles, weight in ((fb.sent, matcher.sent_weight), (fb.off_topic, -matcher.off_topic_weight)):
                    if articles is not None and articles.shape[0] and weight:
                        centroid = _top_terms(sp.csr_matrix(articles.mean(axis=0)), matcher.expansion_terms)
                        row = row + weight * _normalize(centroid)
                row = sp.csr_matrix(row)
                row.data = np.maximum(row.data, 0)
                row.eliminate_zeros()
            rows.append(sp.csr_matrix(row, dtype=np.float32))
        return _normalize(sp.vstack(rows).tocsr())

    for fb in (feedback, [None] * 4):
        for rows in (profiles, sp.csr_matrix(profiles, dtype=np.float64)):
            assert_same_matrix(matcher._with_feedback(rows, fb), one_at_a_time(rows, fb))


def test_ranking_rows_and_reasons_equal_the_matchers(db, tmp_path):
    with db.session() as session:
        add_night(session)
        add_night(session, start=100, day=TODAY - dt.timedelta(days=30))  # out of the window
    settings = Settings(home=tmp_path)
    with db.session() as session:
        ranking = Ranking.build(session, TODAY, settings)
        old = session.scalars(select(Article).where(Article.key.in_(["a108", "a100"]))).all()
        assert old and all(a.terms is None for a in old)
        fresh = ranking.articles[:3]
        rows = ranking.rows([*old, *fresh, old[0]])
        assert all(a.terms for a in old)  # analysed once, and stored too
        assert_same_matrix(rows, ranking.matcher.transform_articles([*old, *fresh, old[0]]))
        assert ranking.rows([]).shape == (0, ranking.matrix.shape[1])
        # The reasons read off the kept rows are those of the articles analysed afresh
        fresh_side = ranking.matcher.article_side(ranking.matcher.transform_articles(list(ranking.articles)))
        semantic_row = ranking.semantic_scores([KUBERNETES])[0]
        languages = [a.language for a in ranking.articles]
        for j in (0, 8):
            article = ranking.articles[j]
            assert ranking.reasons(KUBERNETES, j) == ranking.matcher.expanded_reasons(
                KUBERNETES, fresh_side, semantic_row, j, article, languages=languages)
        assert set(ranking.matcher.reasons(KUBERNETES, ranking.articles[8])) <= set(ranking.reasons(KUBERNETES, 8))
