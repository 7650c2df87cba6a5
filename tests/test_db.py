"""Opening a database: migrations on open, and the start-up that skips Alembic when current."""

from __future__ import annotations

import subprocess
import sys

from alembic import command
from alembic.script import ScriptDirectory
from sqlalchemy import text

from matcher.db import HEAD, Database, alembic_config, make_engine, schema_revision


def test_head_is_alembics_head():
    # A new migration must move HEAD too, or databases would never be upgraded to it.
    assert ScriptDirectory.from_config(alembic_config()).get_current_head() == HEAD


def test_an_older_database_is_upgraded_on_open(db_url):
    Database(db_url).close()
    engine = make_engine(db_url)
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0003")
    assert schema_revision(engine) == "0003"
    engine.dispose()
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


def test_a_current_database_opens_without_importing_alembic(tmp_path):
    url = f"sqlite:///{tmp_path / 'm.db'}"
    Database(url).close()
    code = ("import sys; from matcher.db import Database; Database(sys.argv[1]).close(); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] == 'alembic'))")
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
