"""matcher backup / restore: a consistent copy while a night writes, and back, on SQLite;
on PostgreSQL a refusal that says what to use instead."""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, text

from matcher.cli import main
from matcher.db import alembic_config, migration_head
from matcher.demo import sample_dir

@pytest.fixture
def home_cli(cli):
    """The one CLI fixture on an initialised home."""
    cli("init")
    return cli


DATA_DIR = sample_dir()
sqlite_home = pytest.mark.sqlite_home  # these are about the home's SQLite file


def contacts_of(run) -> list[tuple]:
    rows = json.loads(run("contacts", "list", "--json").output)
    return sorted((r["name"], r["email"], tuple(p["text"] for p in r["projects"])) for r in rows)


def open_ro(path: Path) -> sqlite3.Connection:
    return sqlite3.connect(f"file:{path}?mode=ro", uri=True)


@sqlite_home
@pytest.mark.slow
def test_backup_while_a_night_is_writing(home_cli, tmp_path):
    home = tmp_path / "home"
    for feed in sorted((DATA_DIR / "feeds").glob("*.xml")):
        home_cli("feeds", "add", str(feed))
    home_cli("contacts", "import", str(DATA_DIR / "contacts.yaml"), "--as-of", "2026-11-01")
    night = subprocess.Popen(
        [sys.executable, "-m", "matcher", "--home", str(home), "run", "--as-of", "2026-11-20", "--quiet"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])},
    )
    seen = []  # (status of the night in the backup, suggestions) for every backup taken
    try:
        while night.poll() is None or not seen:
            target = tmp_path / f"backup-{len(seen)}.db"
            result = home_cli("backup", str(target), "--json")
            facts = json.loads(result.output)[0]
            with open_ro(target) as conn:
                assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
                assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
                assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migration_head()
                counts = conn.execute("SELECT (SELECT count(*) FROM contacts), "
                                      "(SELECT count(*) FROM suggestions)").fetchone()
                status = conn.execute("SELECT status FROM runs ORDER BY id DESC").fetchone()
            assert (facts["contacts"], facts["suggestions"]) == counts == (8, counts[1])
            assert facts["schema"] == migration_head() and facts["bytes"] == target.stat().st_size
            assert target.stat().st_mode & 0o777 == 0o600
            seen.append((status[0] if status else None, counts[1]))
    finally:
        output = night.communicate(timeout=600)[0]
    assert night.returncode == 0, output
    # at least one copy was taken while the night was running, and the night then finished
    assert any(status == "running" for status, _ in seen), seen
    assert not list(tmp_path.glob(".backup-*")), "no temporary file left beside the backups"
    final = home_cli("backup", str(tmp_path / "after.db"), "--json")
    assert json.loads(final.output)[0]["suggestions"] >= max(n for _, n in seen)


def filled_home(home_cli, tmp_path):
    home_cli("contacts", "import", str(DATA_DIR / "contacts.yaml"), "--as-of", "2026-11-01")
    home_cli("log", "Elena Marchetti", "meeting", "--as-of", "2026-11-05")
    return tmp_path / "home"


@sqlite_home
def test_restore_brings_the_backup_back(home_cli, tmp_path):
    home = filled_home(home_cli, tmp_path)
    before = contacts_of(home_cli)
    home_cli("backup", str(tmp_path / "b.db"))
    home_cli("contacts", "add", "Nuovo Contatto", "--email", "nuovo@example.com")
    home_cli("contacts", "forget", "Elena Marchetti", "--yes")
    for cache in ("cache/index.pkl", "cache/counts.npz"):
        (home / cache).parent.mkdir(exist_ok=True)
        (home / cache).write_bytes(b"describes the database before the restore")
    backup_bytes = (tmp_path / "b.db").read_bytes()

    result = home_cli("restore", str(tmp_path / "b.db"), "--json", "--yes")
    done = json.loads(result.output)[0]
    assert done["contacts"] == 8 and done["migrated_from"] is None
    assert contacts_of(home_cli) == before
    shown = json.loads(home_cli("contacts", "show", "Elena Marchetti", "--json").output)[0]
    assert [t["kind"] for t in shown["touches"]] == ["meeting"]
    assert not (home / "cache/index.pkl").exists() and not (home / "cache/counts.npz").exists()
    safety = home / "matcher.db.before-restore"
    assert Path(done["safety_copy"]) == safety and safety.stat().st_mode & 0o777 == 0o600
    with open_ro(safety) as conn:
        names = {r[0] for r in conn.execute("SELECT name FROM contacts")}
    assert "Nuovo Contatto" in names and "Elena Marchetti" not in names
    assert (tmp_path / "b.db").read_bytes() == backup_bytes, "the backup file is not touched"
    home_cli("contacts", "add", "Dopo Restore")  # the live database still takes writes
    assert len(contacts_of(home_cli)) == 9


@sqlite_home
def test_restore_asks_first_and_refuses_what_it_cannot_restore(home_cli, tmp_path):
    home = filled_home(home_cli, tmp_path)
    home_cli("backup", str(tmp_path / "b.db"))
    home_cli("contacts", "add", "Nuovo Contatto")
    before = contacts_of(home_cli)

    asked = home_cli("restore", str(tmp_path / "b.db"), ok=False, input="n\n")
    assert asked.exit_code != 0 and "8 contacts" in asked.output

    newer = tmp_path / "newer.db"
    newer.write_bytes((tmp_path / "b.db").read_bytes())
    with sqlite3.connect(newer) as conn:
        conn.execute("UPDATE alembic_version SET version_num = '9999'")
    refused = home_cli("restore", str(newer), "--yes", ok=False)
    assert refused.exit_code == 1 and "9999" in refused.output and "newer" in refused.output

    (tmp_path / "notes.db").write_text("not a database at all\n")
    sqlite3.connect(tmp_path / "other.db").execute("CREATE TABLE t (x)").connection.close()
    for path, says in (("notes.db", "not a SQLite database"), ("other.db", "not a matcher database")):
        refused = home_cli("restore", str(tmp_path / path), "--yes", ok=False)
        assert refused.exit_code == 1 and says in refused.output, refused.output
    assert contacts_of(home_cli) == before
    assert not (home / "matcher.db.before-restore").exists()


@sqlite_home
@pytest.mark.slow
def test_restore_migrates_an_older_backup_and_the_home_works(home_cli, tmp_path):
    from alembic import command

    old = tmp_path / "old-0001.db"
    engine = create_engine(f"sqlite:///{old}")
    with engine.begin() as conn:
        cfg = alembic_config()
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text(
            "INSERT INTO contacts (name, email, kind, company, role, country, language, channel, "
            "notes, do_not_contact, created_on) VALUES ('Giulia Conti', 'giulia@example.com', "
            "'recruiter', 'Caffè Aurora', 'Head of sourcing', 'IT', 'it', '', '', 0, '2026-01-02')"))
        contact_id = conn.execute(text("SELECT id FROM contacts")).scalar()
        conn.execute(text("INSERT INTO projects (contact_id, text, since) VALUES "
                          f"({contact_id}, 'Green coffee supply contracts in Brazil', '2026-01-02')"))
    engine.dispose()
    digest = hashlib.sha256(old.read_bytes()).hexdigest()

    done = json.loads(home_cli("restore", str(old), "--yes", "--json").output)[0]
    assert done["migrated_from"] == "0001" and done["schema"] == migration_head()
    assert hashlib.sha256(old.read_bytes()).hexdigest() == digest, "FILE itself is never migrated"
    assert contacts_of(home_cli) == [
        ("Giulia Conti", "giulia@example.com", ("Green coffee supply contracts in Brazil",))]
    with open_ro(tmp_path / "home" / "matcher.db") as conn:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()[0] == migration_head()
    for feed in sorted((DATA_DIR / "feeds").glob("*.xml")):
        home_cli("feeds", "add", str(feed))
    night = json.loads(home_cli("run", "--as-of", "2026-11-20", "--json").output)[0]
    assert night["feeds_ok"] == 3 and night["articles_new"] > 0
    home_cli("why", "Giulia Conti", "--as-of", "2026-11-20")


@pytest.mark.parametrize("command", ["backup", "restore"])
def test_on_postgresql_both_refuse_with_what_to_use(pg_url, tmp_path, command):
    from sqlalchemy.engine import make_url

    url = make_url(pg_url).set(password="s3cret-pw").render_as_string(hide_password=False)
    (tmp_path / "b.db").write_bytes(b"")
    args = ["--home", str(tmp_path / "home"), command, str(tmp_path / "b.db")]
    if command == "restore":
        args.append("--yes")
    result = CliRunner().invoke(main, args, env={"MATCHER_DB": url}, catch_exceptions=False)
    assert result.exit_code == 1
    assert "s3cret-pw" not in result.output
    line = result.output.strip()
    assert "\n" not in line
    if command == "backup":
        assert "pg_dump" in line and "matcher export --json" in line and "+psycopg" not in line
    else:
        assert "pg_restore" in line and "import-history" in line
