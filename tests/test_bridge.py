"""Bridging a project's words into the other languages of the night's news (matching/bridge.py):
"rame" meets "copper", an article in the project's own language keeps its score, and the
nightly index keeps the bridged words so a night bridges a text once."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
import scipy.sparse as sp
from sqlalchemy import select

from matcher.config import Settings
from matcher.home import open_home
from matcher.matching import bridge, semantic
from matcher.matching import index as night_index
from matcher.models import Article, Contact, Project
from matcher.ranking import Ranking, rank_the_night

TODAY = dt.date(2026, 11, 20)
COPPER_IT = "Compra rame e zinco per una fonderia di cavi elettrici; segue i prezzi dei produttori."
ENGLISH = [
    ("Copper producers raise cathode prices", "Copper producers raised the price of cathodes for cable makers."),
    ("Zinc smelter cuts output", "A zinc smelter cut its output after a strike at the mine."),
    ("Coffee growers expect a record crop", "Brazilian coffee growers expect a record harvest this year."),
    ("Airline orders new jets", "The airline ordered forty new jets for its long-haul routes."),
]
ITALIAN = [
    ("Rame, le fonderie di cavi rivedono i prezzi", "Le fonderie di cavi elettrici rivedono i prezzi del rame "
     "dopo il rialzo dei produttori."),
    ("Calcio, il derby finisce in parità", "Il derby si chiude sul due a due dopo un rigore revocato."),
]


def articles(pairs, language, start=0):
    return [Article(id=start + i + 1, key=f"{language}{i}", url=f"https://news.example/{language}/{i}", title=t,
                    text=x, language=language, published=dt.datetime(2026, 11, 18, 7))
            for i, (t, x) in enumerate(pairs)]


def english_night_home(path):
    """A home with the English stories of the day before and Paolo, whose project is Italian."""
    home = open_home(path)
    with home.db.session() as session:
        for a in articles(ENGLISH, "en"):
            a.id, a.published = None, dt.datetime(2026, 11, 19, 7)
            session.add(a)
        session.add(Contact(name="Paolo", language="it", projects=[Project(text=COPPER_IT)]))
    return home


def test_a_word_meets_its_translation_and_never_a_word_of_its_own_language():
    vocabulary = ["copper", "zinc", "coffee", "airline", "rame", "caffe"]
    languages = ["en", "en", "en", "en", "it", "it"]
    built = bridge.Bridge.build(vocabulary, languages, bridge.WordVectors(None))
    words = ["rame", "zinco", "fonderia"]
    bridged = built.translate(words, semantic.embed(words), "it")
    assert "copper" in bridged and "zinc" in bridged
    assert not set(bridged) & {"rame", "caffe"}  # only words of another language
    assert built.translate(words, semantic.embed(words), "") == []  # an unknown language: nothing


def test_a_words_language_is_that_of_most_articles_using_it():
    matrix = sp.csr_matrix(np.array([[1, 1, 0], [1, 0, 0], [0, 1, 1]], dtype=np.float32))
    assert list(bridge.word_languages(matrix, ["en", "en", "it"])) == ["en", "en", "it"]
    assert list(bridge.word_languages(matrix, ["und", "", "it"])) == ["", "", "it"]


def test_word_vectors_are_kept_by_word_and_read_back(tmp_path, monkeypatch):
    path = tmp_path / "cache" / "words.npz"
    first = bridge.WordVectors(path)
    vectors = first.vectors(["copper", "zinc"])
    first.keep(["copper", "zinc"])
    monkeypatch.setattr(semantic, "embed_many", lambda *a, **k: pytest.fail("embedded again"))
    again = bridge.WordVectors(path).vectors(["zinc", "copper"])
    np.testing.assert_allclose(again, vectors[::-1], atol=2e-3)
    reading = bridge.WordVectors(tmp_path / "other.npz", write=False)
    monkeypatch.undo()
    reading.vectors(["tin"])
    reading.keep(["tin"])
    assert not (tmp_path / "other.npz").exists()  # a command that only reads writes nothing


def test_an_italian_project_meets_english_news_in_english_words_and_italian_news_as_before(tmp_path):
    settings = Settings(home=tmp_path)
    mixed = articles(ENGLISH, "en") + articles(ITALIAN, "it", start=len(ENGLISH))
    contact = Contact(id=1, name="Paolo", language="it", projects=[Project(id=1, text=COPPER_IT)])
    contact.suggestions = []
    bridged = Ranking.from_articles(mixed, settings, store=False)
    plain = Ranking.from_articles(articles(ENGLISH, "en") + articles(ITALIAN, "it", start=len(ENGLISH)),
                                  settings, store=False)
    plain.word_vectors = None  # a ranking that bridges nothing
    with_words, without = bridged.scores([contact], TODAY).row(0), plain.scores([contact], TODAY).row(0)
    assert {"copper", "zinc"} <= set(bridged.matcher.bridged(COPPER_IT))
    copper, airline, italian = 0, 3, len(ENGLISH)
    # the English copper story: TF-IDF sees it now, and it ranks above the unrelated ones
    assert with_words.match[copper] > without.match[copper]
    assert with_words.rank[copper] > with_words.rank[airline]
    # the Italian story is scored on the project's own words, as before
    assert with_words.match[italian] == pytest.approx(without.match[italian])
    assert with_words.lexical[italian] == pytest.approx(without.lexical[italian])
    # and the reasons of the English story are in its own words
    reasons = bridged.reasons(COPPER_IT, copper)
    assert reasons and set(reasons) & {"copper", "cathode", "producer", "cable"}


@pytest.mark.slow
def test_the_index_keeps_the_bridged_words_and_the_next_night_reuses_them(tmp_path, monkeypatch):
    home = english_night_home(tmp_path / "home")
    with home.db.session() as session:
        rank_the_night(session, TODAY, home.settings)
    kept = night_index.read(home.settings.index_path)
    assert "copper" in night_index.project_bridges(kept)[COPPER_IT]
    assert home.settings.word_vectors_path.exists()
    calls = []
    real = semantic.embed_many
    monkeypatch.setattr(semantic, "embed_many", lambda texts, workers=None: calls.append(list(texts))
                        or real(texts, workers))
    with home.db.session() as session:  # a new day, a new article: the project's words are not embedded again
        session.add(Article(key="new", url="https://news.example/new", title="Tin prices slide",
                            text="Tin prices slid on the London market.", language="en",
                            published=dt.datetime(2026, 11, 21, 7)))
    with home.db.session() as session:
        ranking = rank_the_night(session, TODAY + dt.timedelta(days=1), home.settings)
    assert "copper" in ranking.matcher.bridged(COPPER_IT)
    assert not any("rame" in texts for texts in calls)
    home.close()


@pytest.mark.slow
def test_a_project_changed_since_the_night_is_bridged_by_top_which_writes_nothing(tmp_path):
    home = english_night_home(tmp_path / "home")
    with home.db.session() as session:
        rank_the_night(session, TODAY, home.settings)
    zinc_it = "Segue lo zinco per una fonderia: la produzione tagliata dopo lo sciopero in miniera."
    with home.db.session() as session:  # during the day, the contact's project changes
        session.scalars(select(Project)).one().text = zinc_it
    before = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in home.settings.home.rglob("*") if p.is_file()
              and p.suffix != ".db"}
    with home.db.session() as session:
        ranking = Ranking.for_reading(session, TODAY, home.settings)
        contact = session.scalars(select(Contact)).one()
        row = ranking.scores([contact], TODAY).row(0)
        assert ranking.matcher.bridged(zinc_it) and "zinc" in ranking.matcher.bridged(zinc_it)
        titles = [a.title for a in ranking.articles]
        zinc, airline = titles.index(ENGLISH[1][0]), titles.index(ENGLISH[3][0])
        assert row.match[zinc] > 0 and row.rank[zinc] > row.rank[airline]
    after = {p: (p.stat().st_mtime_ns, p.stat().st_size) for p in home.settings.home.rglob("*") if p.is_file()
             and p.suffix != ".db"}
    assert after == before
    home.close()


@pytest.mark.slow
def test_a_damaged_word_cache_costs_time_only_and_the_night_writes_it_anew(tmp_path):
    home = english_night_home(tmp_path / "home")
    home.settings.word_vectors_path.parent.mkdir(parents=True, exist_ok=True)
    home.settings.word_vectors_path.write_bytes(b"PK\x03\x04 not a zip: a disk that filled up mid-write")
    with home.db.session() as session:
        ranking = rank_the_night(session, TODAY, home.settings)
    assert "copper" in ranking.matcher.bridged(COPPER_IT)
    with np.load(home.settings.word_vectors_path, allow_pickle=False) as stored:
        assert "copper" in stored["words"].tolist()
    home.close()
