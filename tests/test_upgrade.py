"""Upgrades that keep data: a home written by the first released schema (0001) is migrated
when opened, keeps every row, and every command of today works on it; a migration that
fails half-way leaves the database as it was."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from pathlib import Path

import pytest
from alembic import command
from sqlalchemy import MetaData, create_engine, insert, inspect, select, text

from matcher.db import alembic_config
from matcher.demo import sample_dir

AS_OF = "2026-11-20"
DAY = dt.date(2026, 11, 1)


def build_0001(url: str) -> None:
    """A database at migration 0001, filled as the first release would have filled it."""
    engine = create_engine(url)
    try:
        existing = MetaData()
        existing.reflect(engine)
        existing.drop_all(engine)  # the suite's PostgreSQL databases come migrated: start empty
        cfg = alembic_config()
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0001")
        meta = MetaData()
        meta.reflect(engine)
        t = meta.tables
        with engine.begin() as conn:
            giulia, luca = (conn.execute(insert(t["contacts"]).values(**row)).inserted_primary_key[0] for row in [
                dict(name="Giulia Conti", email="giulia.conti@example.com", kind="recruiter",
                     company="Caffè Aurora", role="Head of Sourcing", country="IT", language="it", channel="email",
                     notes="met at Host Milano", cadence_days=None, do_not_contact=False, snoozed_until=None,
                     birthday=dt.date(1984, 3, 12), created_on=DAY),
                dict(name="Luca Ferrari", email=None, kind="colleague", company="", role="", country="IT",
                     language="it", channel="", notes="", cadence_days=21, do_not_contact=False, snoozed_until=None,
                     birthday=None, created_on=DAY),
            ])
            project = conn.execute(insert(t["projects"]).values(
                contact_id=giulia, text="Rinegoziare i contratti di fornitura del caffè verde con i coltivatori "
                "brasiliani", since=dt.date(2026, 9, 1), until=None, confirmed_on=DAY)).inserted_primary_key[0]
            conn.execute(insert(t["projects"]).values(
                contact_id=luca, text="Migrating the data warehouse to Kubernetes and Spark on the cloud",
                since=None, until=None, confirmed_on=None))
            feed = conn.execute(insert(t["feeds"]).values(
                url=str(sample_dir() / "feeds" / "economia.xml"), title="Economia", category="", site_url="",
                etag=None, last_modified=None, last_status="ok: 3 new", last_error=None, error_count=0,
                last_checked=dt.datetime(2026, 11, 1, 6), next_check=None,
                created_at=dt.datetime(2026, 10, 1))).inserted_primary_key[0]
            article = conn.execute(insert(t["articles"]).values(
                key="a" * 64, feed_id=feed, url="https://old.example/1", title="Caffè, i prezzi salgono",
                summary="", text="Il prezzo del caffè verde sale ancora.", text_source="feed", language="it",
                published=dt.datetime(2026, 10, 20, 8), fetched_at=dt.datetime(2026, 10, 20, 9))).inserted_primary_key[0]
            suggestion = conn.execute(insert(t["suggestions"]).values(
                contact_id=giulia, article_id=article, project_id=project, score=0.5, reasons=["caffè"],
                draft="Ciao Giulia, ...", status="sent", created_on=dt.date(2026, 10, 20),
                decided_on=dt.date(2026, 10, 21), skip_reason=None)).inserted_primary_key[0]
            conn.execute(insert(t["touches"]).values(
                contact_id=giulia, kind="article", direction="out", date=dt.date(2026, 10, 21),
                note="sent: Caffè, i prezzi salgono", suggestion_id=suggestion))
    finally:
        engine.dispose()


@pytest.fixture
def old_home(tmp_path, monkeypatch):
    """A home whose database is at 0001 (SQLite in the home, or the test's PostgreSQL one)."""
    import os

    home = tmp_path / "home"
    home.mkdir()
    url = os.environ.get("MATCHER_DB") or f"sqlite:///{home / 'matcher.db'}"
    build_0001(url)
    return home, url


@pytest.mark.slow
def test_every_command_of_today_works_on_a_home_from_the_first_release(old_home, tmp_path, cli):
    home, url = old_home
    contacts = json.loads(cli("contacts", "list", "--json", home=home).output)  # opening migrates
    assert [c["name"] for c in contacts] == ["Giulia Conti", "Luca Ferrari"]
    assert contacts[0]["company"] == "Caffè Aurora" and contacts[0]["birthday"] == "1984-03-12"
    assert contacts[0]["projects"][0]["confirmed_on"] == "2026-11-01"
    shown = json.loads(cli("contacts", "show", "Giulia Conti", "--json", home=home).output)[0]
    assert [t["kind"] for t in shown["touches"]] == ["article"]
    sent = json.loads(cli("suggestions", "--status", "sent", "--json", "--as-of", AS_OF, home=home).output)
    assert [s["contact"] for s in sent] == ["Giulia Conti"]

    for feed in sorted((sample_dir() / "feeds").glob("*.xml")):
        cli("feeds", "add", str(feed), home=home)
    cli("feeds", "list", "--json", home=home)
    [night] = json.loads(cli("run", "--json", "--as-of", AS_OF, home=home).output)
    assert night["feeds_failed"] == [] and night["articles_new"] > 0
    cli("feeds", "status", "--json", home=home)
    cli("top", "Luca Ferrari", "--as-of", AS_OF, home=home)
    cli("why", "Giulia Conti", "--json", "--as-of", AS_OF, home=home)
    cli("agenda", "--json", "--as-of", AS_OF, home=home)
    pending = json.loads(cli("suggestions", "--json", "--as-of", AS_OF, home=home).output)
    if pending:
        cli("mark", str(pending[0]["id"]), "skipped", "--reason", "off-topic", "--as-of", AS_OF, home=home)
    cli("review", "--as-of", AS_OF, input="q\n", home=home)
    cli("log", "Luca Ferrari", "call", "--note", "catch-up", "--as-of", AS_OF, home=home)
    cli("occasions", "add", "Luca Ferrari", "2026-12-24", "Vigilia", home=home)
    cli("occasions", "list", "--json", home=home)
    cli("news", "add", "Our team shipped the new Kubernetes platform", "--as-of", AS_OF, home=home)
    cli("news", "list", "--json", home=home)
    cli("contacts", "edit", "Luca Ferrari", "--company", "Acme Cloud", "--as-of", AS_OF, home=home)
    cli("contacts", "add", "Sara Bianchi", "--email", "sara@example.it", "--as-of", AS_OF, home=home)
    cli("report", "--html", str(tmp_path / "report.html"), "--as-of", AS_OF, home=home)
    cli("feeds", "export", home=home)
    after = json.loads(cli("contacts", "list", "--json", home=home).output)
    assert {c["name"] for c in after} == {"Giulia Conti", "Luca Ferrari", "Sara Bianchi"}
    shown = json.loads(cli("contacts", "show", "Giulia Conti", "--json", home=home).output)[0]
    assert "article" in [t["kind"] for t in shown["touches"]]  # the first release's history kept


def test_a_migration_that_fails_half_way_leaves_the_database_as_it_was(old_home, tmp_path, monkeypatch, cli):
    home, url = old_home
    # A copy of today's migrations with one more that changes the schema, then fails.
    scripts = tmp_path / "migrations"
    shutil.copytree(Path(alembic_config().get_main_option("script_location")), scripts,
                    ignore=shutil.ignore_patterns("__pycache__"))
    versions = sorted(p.stem.split("_")[0] for p in (scripts / "versions").glob("0*.py"))
    (scripts / "versions" / "9999_fails_half_way.py").write_text(
        '"""A migration that fails half-way."""\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        f'revision = "9999"\ndown_revision = "{versions[-1]}"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade():\n"
        '    op.create_table("half_way", sa.Column("id", sa.Integer(), primary_key=True))\n'
        '    with op.batch_alter_table("contacts") as batch:\n'
        '        batch.add_column(sa.Column("half_way", sa.Integer(), nullable=True))\n'
        '    op.execute("UPDATE contacts SET name = \'changed\'")\n'
        '    raise RuntimeError("the migration fails here")\n\n\n'
        "def downgrade():\n    pass\n", encoding="utf-8")
    import matcher.db as db_module

    original = db_module.alembic_config

    def failing_config():
        cfg = original()
        cfg.set_main_option("script_location", str(scripts))
        return cfg

    monkeypatch.setattr(db_module, "alembic_config", failing_config)
    result = cli("contacts", "list", ok=False, home=home)
    assert result.exit_code != 0 and "the migration fails here" in result.output

    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == "0001"
            assert "half_way" not in inspect(conn).get_table_names()
            assert "half_way" not in {c["name"] for c in inspect(conn).get_columns("contacts")}
            assert sorted(conn.execute(select(text("name")).select_from(text("contacts")))) == [
                ("Giulia Conti",), ("Luca Ferrari",)]
    finally:
        engine.dispose()
    monkeypatch.setattr(db_module, "alembic_config", original)
    assert "Giulia Conti" in cli("contacts", "list", home=home).output  # and it upgrades fine afterwards
