"""Shared fixtures: a home in tmp_path, and database URLs for SQLite and (when
$MATCHER_TEST_PG names a server) PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

pytest_plugins = ["tests.feedserver"]

PG = os.environ.get("MATCHER_TEST_PG")


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path, monkeypatch):
    """No test ever touches the user's real home or database."""
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MATCHER_DB", raising=False)


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test (skipped without a server)."""
    if not PG:
        pytest.skip("no PostgreSQL server: set MATCHER_TEST_PG (the CI does)")
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    name = f"matcher_test_{uuid.uuid4().hex[:12]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(PG).set(database=name).render_as_string(hide_password=False)
    try:
        yield url
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request, tmp_path):
    """Run a test on a real SQLite file, and again on PostgreSQL when one is available."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'matcher.db'}"
    return request.getfixturevalue("pg_url")
