"""The nightly index: the night keeps what it fitted; `top`, `why` and `agenda` read it and
write nothing; a missing or stale index is ranked again in memory, never an error."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from sqlalchemy import MetaData, create_engine, select

from matcher.config import load as load_settings

DAY = "2026-11-20"


@pytest.fixture
def demo_home(cli, tmp_path) -> Path:
    home = tmp_path / "demo"
    cli("demo", "--keep", str(home), home=None)
    return home


def database_state(home: Path) -> str:
    """A digest of every row of every table."""
    engine = create_engine(load_settings(home).db_url)
    digest = hashlib.sha256()
    try:
        meta = MetaData()
        meta.reflect(engine)
        with engine.connect() as conn:
            for name in sorted(meta.tables):
                table = meta.tables[name]
                rows = conn.execute(select(table)).all()
                digest.update(name.encode())
                for row in sorted(repr(tuple(r)) for r in rows):
                    digest.update(row.encode())
    finally:
        engine.dispose()
    return digest.hexdigest()


def cache_state(home: Path) -> dict:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted((home / "cache").iterdir())}


def top(cli, home: Path, who: str, day: str = DAY) -> list[dict]:
    return json.loads(cli("top", who, "--json", "--as-of", day, home=home).stdout)


@pytest.mark.slow
def test_the_night_keeps_its_index_and_the_read_only_commands_write_nothing(cli, demo_home):
    assert (demo_home / "cache" / "index.pkl").exists()
    before = database_state(demo_home), cache_state(demo_home)
    rows = top(cli, demo_home, "Francesca Ricci")
    assert rows[0]["title"].startswith("Porti, a Genova") and rows[0]["passes"]
    for command in (["why", "Luca Ferrari"], ["agenda", "--days", "30"], ["top", "Paolo Greco"]):
        cli(*command, "--json", "--as-of", DAY, home=demo_home)
    assert (database_state(demo_home), cache_state(demo_home)) == before


@pytest.mark.slow
def test_a_missing_index_is_ranked_again_in_memory(cli, demo_home):
    with_index = top(cli, demo_home, "Luca Ferrari")
    (demo_home / "cache" / "index.pkl").unlink()
    before = database_state(demo_home)
    assert top(cli, demo_home, "Luca Ferrari") == with_index
    assert not (demo_home / "cache" / "index.pkl").exists()  # read-only: the night writes it
    assert database_state(demo_home) == before
    cli("run", "--quiet", "--as-of", DAY, home=demo_home)
    assert (demo_home / "cache" / "index.pkl").exists()
    assert top(cli, demo_home, "Luca Ferrari") == with_index


@pytest.mark.slow
def test_a_damaged_or_stale_index_is_never_an_error(cli, demo_home):
    expected = top(cli, demo_home, "Giulia Conti")
    (demo_home / "cache" / "index.pkl").write_bytes(b"not a pickle")
    assert top(cli, demo_home, "Giulia Conti") == expected
    # another day: other fresh articles than the index was made for
    later = top(cli, demo_home, "Giulia Conti", "2026-11-28")
    assert later and all(r["published"] >= "2026-11-14" for r in later)
    assert expected[0]["title"].startswith("Caffè verde") and expected[0]["published"] < "2026-11-14"


@pytest.mark.slow
def test_a_second_night_on_the_same_day_takes_the_index_as_it_is(cli, demo_home, monkeypatch):
    from matcher.ranking import Ranking

    fits = []
    real = Ranking.build.__func__
    monkeypatch.setattr(Ranking, "build", classmethod(lambda cls, *a: fits.append(a) or real(cls, *a)))
    expected = top(cli, demo_home, "Francesca Ricci")
    cli("run", "--quiet", "--as-of", DAY, home=demo_home)
    assert fits == []
    assert top(cli, demo_home, "Francesca Ricci") == expected
    # a later day whose window has lost some of the articles: the night fits again
    cli("run", "--quiet", "--as-of", "2026-11-25", home=demo_home)
    assert len(fits) == 1


@pytest.mark.slow
def test_the_next_night_analyses_only_project_texts_it_has_not_met(cli, demo_home, monkeypatch):
    from matcher.matching import ranker
    from matcher.models import Contact, Project

    analysed = []
    real = ranker.Ranker._analyse_profile
    monkeypatch.setattr(ranker.Ranker, "_analyse_profile",
                        staticmethod(lambda text, language: analysed.append(text) or real(text, language)))
    cli("run", "--quiet", "--as-of", "2026-11-25", home=demo_home)  # a new window: the night fits again
    assert analysed == []
    # a changed project is analysed, and only it
    settings = load_settings(demo_home)
    engine = create_engine(settings.db_url)
    with engine.begin() as conn:
        project_id, text = conn.execute(
            select(Project.id, Project.text).join(Contact).where(Contact.name == "Luca Ferrari")).first()
        conn.execute(Project.__table__.update().where(Project.id == project_id).values(text=text + " Also Kafka."))
    engine.dispose()
    cli("run", "--quiet", "--as-of", "2026-11-26", home=demo_home)
    assert analysed == [text + " Also Kafka."]


@pytest.mark.slow
def test_an_article_stored_while_the_index_is_read_is_never_given_another_articles_row(demo_home):
    # The index is checked on the fresh articles' ids, then their rows are loaded: an article
    # stored in between (`matcher news add` during `top`) must not shift every row by one.
    import datetime as dt

    from matcher.home import open_home
    from matcher.matching import index as night_index
    from matcher.models import Article
    from matcher.ranking import Ranking

    home = open_home(demo_home)
    kept = night_index.read(home.settings.index_path)
    day = dt.date.fromisoformat(DAY)
    try:
        with home.db.session() as session:
            assert Ranking.from_index(session, day, home.settings) is not None
            real, calls = session.scalars, []

            def scalars(*args, **kwargs):
                out = real(*args, **kwargs)
                if not calls:  # after the first read: a new fresh article
                    session.add(Article(key="in-between", url="https://example.com/x", title="In between",
                                        published=dt.datetime.combine(day, dt.time(5))))
                    session.flush()
                calls.append(args)
                return out

            session.scalars = scalars
            ranking = Ranking.from_index(session, day, home.settings)
            assert ranking is None or [a.id for a in ranking.articles] == list(kept.article_ids)
            session.rollback()
    finally:
        home.close()
