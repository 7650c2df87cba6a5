"""Opening a database: migrations on open (up to Alembic's head), what 0006 reads from
the feeds' messages, and 0007's edited drafts."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from alembic import command
from sqlalchemy import inspect, text

from matcher.db import Database, alembic_config, make_engine, migration_head, schema_revision
from matcher.errors import ConfigError
from matcher.models import Contact, Suggestion

HEAD = migration_head()


def database_at(db_url: str, revision: str):
    """An engine on `db_url` whose schema is at `revision` (made at head, then downgraded)."""
    Database(db_url).close()
    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, revision)
    assert schema_revision(engine) == revision
    return engine


def test_an_older_database_is_upgraded_on_open(db_url):
    database_at(db_url, "0003").dispose()
    database = Database(db_url)
    try:
        assert schema_revision(database.engine) == HEAD
        with database.engine.connect() as conn:
            conn.execute(text("SELECT terms FROM articles"))  # 0004's column is back
    finally:
        database.close()


def test_a_new_database_is_created_at_head(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'new.db'}")
    try:
        assert schema_revision(database.engine) == HEAD
        assert "articles" in database.tables()
    finally:
        database.close()


FEEDS_0005 = sa.table(
    "feeds", *(sa.column(name) for name in (
        "id", "url", "title", "category", "site_url", "last_status", "last_error", "error_count",
        "last_checked", "created_at")))
CHECKED = dt.datetime(2026, 11, 3, 5, 0)
# The messages 0005's ingest wrote, and what 0006 makes of them: (health, retired_on).
MESSAGES = {
    "new": ("new", None),
    "ok: 3 new": ("ok", None),
    "ok: 0 new, moved to https://example.com/feed": ("ok", None),
    "not modified": ("not_modified", None),
    "error: HTTP 404 Not Found (failure 2, next try in 4h)": ("failing", None),
    "retired: HTTP 410 Gone, no longer fetched": ("gone", CHECKED.date()),
}


def test_feed_health_is_read_from_the_messages_of_0005(db_url):
    engine = database_at(db_url, "0005")
    with engine.begin() as conn:
        conn.execute(FEEDS_0005.insert(), [
            dict(id=i, url=f"https://feeds.example/{i}", title="", category="", site_url="",
                 last_status=message, error_count=int(message.startswith(("error", "retired"))),
                 last_checked=None if message == "new" else CHECKED, created_at=CHECKED)
            for i, message in enumerate(MESSAGES, 1)])
        conn.execute(text("INSERT INTO articles (key, feed_id, url, title, summary, text, text_source, "
                          "language, fetched_at) VALUES ('a', :gone, '', 'A', '', '', 'feed', '', :at)"),
                     {"gone": len(MESSAGES), "at": CHECKED})
    engine.dispose()

    database = Database(db_url)  # upgrades
    try:
        with database.engine.connect() as conn:
            rows = conn.execute(text("SELECT last_status, health, retired_on FROM feeds ORDER BY id")).all()
            kept = conn.execute(text("SELECT feed_id FROM articles")).scalar()
    finally:
        database.close()
    got = {message: (health, retired_on) for message, health, retired_on in rows}
    # PostgreSQL gives back dates, SQLite their ISO text
    assert {m: (h, str(r) if r else None) for m, (h, r) in got.items()} == {
        m: (h, str(r) if r else None) for m, (h, r) in MESSAGES.items()}
    assert kept == len(MESSAGES)  # no rebuild of `feeds` detached its articles

    engine = database_at(db_url, "0005")  # and back: the messages are as they were
    with engine.connect() as conn:
        assert [r for r, in conn.execute(text("SELECT last_status FROM feeds ORDER BY id"))] == list(MESSAGES)
        assert conn.execute(text("SELECT feed_id FROM articles")).scalar() == len(MESSAGES)
    engine.dispose()


def test_a_read_only_database_refuses_writes_and_names_an_old_schema(db_url):
    database_at(db_url, "0005").dispose()
    database = Database(db_url, read_only=True)
    try:
        assert schema_revision(database.engine) == "0005"  # opening did not migrate it
        with pytest.raises(sa.exc.DBAPIError), database.engine.begin() as conn:
            conn.execute(text("DELETE FROM alembic_version"))
        with pytest.raises(ConfigError, match=f"at revision 0005 and this matcher needs {HEAD}"):
            with database.reading() as session:
                session.execute(text("SELECT health FROM feeds")).all()
    finally:
        database.close()


def test_0007_adds_the_edited_draft_and_its_downgrade_keeps_the_draft(db_url):
    database = Database(db_url)
    with database.session() as session:
        contact = Contact(name="Giulia")
        session.add(contact)
        session.flush()
        session.add(Suggestion(contact_id=contact.id, score=0.5, draft="Ciao Giulia", status="pending",
                               created_on=dt.date(2026, 11, 20), edited="lost on the way down"))
    database.close()
    database_at(db_url, "0006").dispose()
    database = Database(db_url)  # opened for writing: migrated to head again
    try:
        with database.session() as session:
            suggestion = session.scalars(sa.select(Suggestion)).one()
            assert (suggestion.draft, suggestion.edited) == ("Ciao Giulia", None)
            suggestion.edited = "Cara Giulia, perché no?"
        with database.reading() as session:
            assert session.scalars(sa.select(Suggestion.edited)).one() == "Cara Giulia, perché no?"
    finally:
        database.close()
    engine = database_at(db_url, "0006")
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT draft FROM suggestions")).scalar() == "Ciao Giulia"
            assert "edited" not in {c["name"] for c in inspect(conn).get_columns("suggestions")}
    finally:
        engine.dispose()
