"""The semantic signal: sentence vectors stored once per article, matching across languages,
and the agreement the threshold asks of both signals."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matcher.config import Settings
from matcher.courtesy.throttle import Rule
from matcher.home import open_home
from matcher.matching import index as night_index
from matcher.matching import semantic
from matcher.models import Article, Contact, Project
from matcher.explain import top
from matcher.ranking import Ranking, embed_fresh, rank_the_night
from matcher.suggest import best_candidate
from tests.test_matching import ARTICLES

TODAY = dt.date(2026, 11, 20)
PUBLISHED = dt.datetime(2026, 11, 18, 7)
# Italian projects; the news: the English stories of the fixture set.
COFFEE_IT = "Rinegozia i contratti di fornitura di caffè verde con i produttori in Brasile."
KUBERNETES_IT = "Porta la piattaforma dei pagamenti dai server in sede a Kubernetes nel cloud."


def records(articles=ARTICLES):
    return [Article(id=i + 1, key=f"a{i}", url=f"https://news.example/{i}", title=a.title, text=a.text,
                    language=a.language, published=PUBLISHED) for i, a in enumerate(articles)]


ENGLISH = [a for a in ARTICLES if a.language == "en"]


@pytest.fixture(scope="module")
def ranking(tmp_path_factory):
    return Ranking.from_articles(records(ENGLISH), Settings(home=tmp_path_factory.mktemp("home")))


def about(ranking, j: int) -> str:
    return ranking.articles[j].title.lower()


def test_vectors_are_normalised_and_cross_the_language_boundary():
    it, en, other = semantic.embed(["Il prezzo del caffè verde sale", "Green coffee prices climb",
                                    "A new smartphone camera"])
    assert np.linalg.norm(it) == pytest.approx(1.0, abs=1e-5)
    assert it @ en > 0.5 > it @ other


def test_stored_form_round_trips_as_float16():
    blobs = semantic.embed_articles(["Green coffee prices climb", "Kubernetes in the cloud"], workers=1)
    assert all(len(b) == semantic.DIM * 2 for b in blobs)
    vectors = semantic.from_stored(blobs)
    np.testing.assert_allclose(vectors, semantic.embed(["Green coffee prices climb", "Kubernetes in the cloud"]),
                               atol=2e-3)


def test_article_text_is_title_and_lead():
    text = semantic.article_text("Title", "", "word " * 200)
    assert text.startswith("Title. word") and len(text) <= len("Title. ") + semantic.LEAD_CHARS
    assert semantic.article_text("", "Only a summary.", "A text") == "Only a summary."


def test_an_italian_project_finds_the_english_story(ranking):
    contacts = [Contact(id=1, name="Giulia", projects=[Project(id=1, text=COFFEE_IT)]),
                Contact(id=2, name="Luca", projects=[Project(id=2, text=KUBERNETES_IT)])]
    for c in contacts:
        c.suggestions = []
    scored = ranking.scores(contacts, TODAY)
    assert "coffee" in about(ranking, int(np.argmax(scored.rank[0])))
    assert "kubernetes" in about(ranking, int(np.argmax(scored.rank[1])))
    # TF-IDF sees the story through the project's words bridged into English (matching/bridge.py)
    assert "coffee" in ranking.matcher.bridged(COFFEE_IT)
    assert scored.match[0][int(np.argmax(scored.rank[0]))] > 0.1
    for i, c in enumerate(contacts):
        candidate, verdict = best_candidate(ranking, c, scored.row(i), [], TODAY, ranking.settings)
        assert verdict and ("coffee", "kubernetes")[i] in candidate.article.title.lower()
        # the reasons are in the article's own words, not the project's
        assert candidate.reasons and all(r.lower() in (candidate.article.title + " " + candidate.article.text).lower()
                                         for r in candidate.reasons)


def test_a_shared_word_without_shared_meaning_is_held_back(ranking):
    bakery = Contact(id=3, name="Anna", projects=[Project(id=3, text="Opens a bakery in New Orleans; new ovens.")])
    bakery.suggestions = []
    scored = ranking.scores([bakery], TODAY).row(0)
    assert not ranking.passing(scored).any()
    candidate, verdict = best_candidate(ranking, bakery, scored, [], TODAY, ranking.settings)
    assert candidate is None and verdict.rule == Rule.FRESH_AND_RELEVANT


def test_the_night_lets_the_encoder_go_once_projects_have_their_vectors(tmp_path):
    # Suggesting needs no encoder: the night's ranking lets it go once every current
    # project text has its vector in the nightly index.
    home = open_home(tmp_path / "home")
    with home.db.session() as session:
        for a in records()[:3]:
            a.id = None
            session.add(a)
        session.add(Contact(name="Giulia", projects=[Project(text=COFFEE_IT)]))
    with home.db.session() as session:
        assert embed_fresh(session, TODAY, home.settings) == 3
    with home.db.session() as session:
        rank_the_night(session, TODAY, home.settings)
    assert semantic.encoder.cache_info().currsize == 0
    kept = night_index.read(home.settings.index_path)
    assert set(kept.project_vectors) == {night_index.text_key(COFFEE_IT)}
    with home.db.session() as session:
        assert embed_fresh(session, TODAY, home.settings) == 0  # stored with the articles
    home.close()


@pytest.mark.slow
def test_an_article_is_embedded_once(tmp_path, monkeypatch):
    """Stored with the article by the first ranking; later rankings (the next nights, `top`)
    read it back."""
    calls: list[int] = []
    real = semantic.embed_articles

    def counting(texts, workers=None):
        calls.append(len(texts))
        return real(texts, workers)

    monkeypatch.setattr(semantic, "embed_articles", counting)
    home = open_home(tmp_path / "home")
    with home.db.session() as session:
        for a in records()[:6]:
            a.id = None
            session.add(a)
        session.add(Contact(name="Giulia", projects=[Project(text=COFFEE_IT)]))
    with home.db.session() as session:
        Ranking.build(session, TODAY, home.settings)
    with home.db.session() as session:
        Ranking.build(session, TODAY + dt.timedelta(days=1), home.settings)
        _, rows = top(session, home.settings, "Giulia", TODAY)
        assert rows and rows[0].semantic > 0
        stored = session.query(Article).all()
        assert all(a.embedded_with == semantic.MODEL and len(a.embedding) == semantic.DIM * 2 for a in stored)
    home.close()
    assert sum(calls) == 6


@pytest.mark.slow
def test_many_texts_are_embedded_in_a_pool_with_the_same_vectors():
    # A first night embeds every contact's project: over POOL_MIN_ARTICLES, in the pool.
    texts = [f"Contract {i}: renegotiating coffee supply with growers in region {i % 7}"
             for i in range(semantic.POOL_MIN_ARTICLES + 50)]
    pooled = semantic.embed_many(texts, workers=2)
    assert pooled.shape == (len(texts), semantic.DIM) and pooled.dtype == np.float32
    assert np.allclose(pooled, semantic.embed(texts), atol=1e-5)
    assert semantic.embed_many([]).shape == (0, semantic.DIM)
