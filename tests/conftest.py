"""Shared fixtures: a home in tmp_path, and database URLs for SQLite and (when
$MATCHER_TEST_PG names a server) PostgreSQL.

Two ways to use PostgreSQL:
- MATCHER_TEST_PG=postgresql+psycopg://…  tests taking `db_url` run on SQLite and again on
  PostgreSQL; everything else on SQLite.
- and MATCHER_TEST_DB=postgresql          the whole suite on PostgreSQL: every test's home
  gets a fresh PostgreSQL database ($MATCHER_DB), and `db_url` is that database. Tests that
  are about a SQLite file itself still use one.
"""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytest_plugins = ["tests.feedserver"]


def pytest_configure(config):
    config.addinivalue_line("markers", "sqlite_home: the test is about the home's SQLite file (kept on SQLite)")

PG = os.environ.get("MATCHER_TEST_PG")
ALL_PG = bool(PG) and os.environ.get("MATCHER_TEST_DB", "").lower() in ("postgresql", "postgres", "pg")
TEMPLATE = f"matcher_template_{os.getpid()}"


def _create_database(template: str | None = None) -> str:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"matcher_test_{uuid.uuid4().hex[:12]}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else "")))
    finally:
        admin.dispose()
    return make_url(PG).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)'))
    finally:
        admin.dispose()


@pytest.fixture(scope="session")
def _pg_template():
    """A database migrated to head once; each test's database is a copy (fast)."""
    if not ALL_PG:
        yield None
        return
    from matcher.db import Database

    url = _create_database()
    Database(url).close()
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'ALTER DATABASE "{make_url(url).database}" RENAME TO "{TEMPLATE}"'))
    admin.dispose()
    template_url = make_url(url).set(database=TEMPLATE).render_as_string(hide_password=False)
    try:
        yield TEMPLATE
    finally:
        _drop_database(template_url)


@pytest.fixture(scope="session")
def _session_cache_dir(tmp_path_factory):
    """One user cache ($MATCHER_CACHE_DIR) for the whole session."""
    return tmp_path_factory.mktemp("cache")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch, request, _session_cache_dir):
    """No test ever touches the user's real home, database or cache."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(_session_cache_dir))
    monkeypatch.delenv("MATCHER_DB", raising=False)
    if not ALL_PG:
        yield
        return
    if request.node.get_closest_marker("sqlite_home"):
        yield  # a test about the SQLite file of the home keeps it
        return
    url = _create_database(request.getfixturevalue("_pg_template"))
    monkeypatch.setenv("MATCHER_DB", url)
    try:
        yield
    finally:
        _drop_database(url)


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test (skipped without a server)."""
    if not PG:
        pytest.skip("no PostgreSQL server: set MATCHER_TEST_PG (the CI does)")
    if ALL_PG:
        yield os.environ["MATCHER_DB"]
        return
    url = _create_database()
    try:
        yield url
    finally:
        _drop_database(url)


@pytest.fixture(params=["postgresql"] if ALL_PG else ["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Run a test on a real SQLite file, and again on PostgreSQL when one is available."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'matcher.db'}"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def home_db_url(tmp_path):
    """The database a test should open: SQLite in tmp_path, or the PostgreSQL database of
    this test when the whole suite runs on PostgreSQL (MATCHER_TEST_DB=postgresql)."""
    return os.environ.get("MATCHER_DB") or f"sqlite:///{tmp_path / 'm.db'}"


@pytest.fixture
def cli(tmp_path):
    """`cli(*args, input=None, ok=True, home=…)`: the matcher CLI in this process, returning
    click's Result. `--home` is this test's home (tmp_path/"home", not initialised) unless
    `home` names another, or is None for no `--home` at all. With ok=True a non-zero exit
    fails the test and shows the command's output."""
    from click.testing import CliRunner

    from matcher.cli import main

    runner = CliRunner()

    def run(*args, input=None, ok=True, home=tmp_path / "home"):
        where = [] if home is None else ["--home", str(home)]
        result = runner.invoke(main, [*where, *args], input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return run


def _opened(url):
    from matcher.db import Database

    database = Database(url)
    yield database
    database.close()


@pytest.fixture
def db(db_url):
    """A migrated database on `db_url` (SQLite file, and PostgreSQL when available)."""
    yield from _opened(db_url)


@pytest.fixture
def home_db(home_db_url):
    """A migrated database where the test's home would keep it."""
    yield from _opened(home_db_url)
