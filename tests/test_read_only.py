"""Commands that only read, read: `top`, `why`, `agenda`, `suggestions` and `report` open the
database read-only and write no file of the home, so they work on a read-only copy of one."""

from __future__ import annotations

import hashlib
import shutil
import sqlite3
import stat
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlalchemy.pool import Pool

from tests.test_index import DAY, database_state

READS = [
    ["top", "Francesca Ricci"], ["top", "Francesca Ricci", "--json"],
    ["why", "Luca Ferrari"], ["why", "Luca Ferrari", "--json"],
    ["agenda", "--days", "30"], ["agenda", "--days", "30", "--json"],
    ["suggestions", "--status", "all"], ["suggestions", "--status", "all", "--json"],
]


@pytest.fixture
def night_home(tmp_path, cli) -> Path:
    """A home as the demo's night leaves it (its database is the test's own on PostgreSQL)."""
    home = tmp_path / "demo"
    cli("demo", "--keep", str(home), home=None)
    return home


def files_state(home: Path) -> dict[str, tuple[str, int]]:
    """Every file under the home: its content's digest and its mode."""
    return {str(p.relative_to(home)): (hashlib.sha256(p.read_bytes()).hexdigest(), p.stat().st_mode)
            for p in sorted(home.rglob("*")) if p.is_file()}


def make_read_only(folder: Path) -> None:
    for p in [folder, *folder.rglob("*")]:
        p.chmod(stat.S_IMODE(p.stat().st_mode) & ~0o222)


def try_a_write(outcomes: list[str]):
    """A pool listener that tries a write on each database connection a command takes, and
    notes whether it was refused (the driver's error) or "written"."""
    def listener(dbapi_conn, _record, _proxy):
        cur = dbapi_conn.cursor()
        try:
            if isinstance(dbapi_conn, sqlite3.Connection):
                cur.execute("PRAGMA user_version = 7")  # a write to the file's header
            else:
                cur.execute("CREATE TEMPORARY TABLE tripwire (x int)")
            outcomes.append("written")
        except Exception as exc:  # sqlite3's or psycopg's own error class
            outcomes.append(str(exc))
        finally:
            cur.close()
            dbapi_conn.rollback()
    return listener


def run_reads(cli, home: Path, out: Path) -> list[str]:
    """Run the five commands (text and JSON) on `home`: how each connection met a write."""
    outcomes: list[str] = []
    listener = try_a_write(outcomes)
    event.listen(Pool, "checkout", listener)
    try:
        for args in READS + [["report", "--html", str(out / "report.html")]]:
            cli(*args, "--as-of", DAY, home=home)
    finally:
        event.remove(Pool, "checkout", listener)
    assert "Francesca Ricci" in (out / "report.html").read_text()
    return outcomes


def test_the_read_commands_run_on_a_read_only_copy_of_a_home(night_home, tmp_path, cli):
    copy = tmp_path / "copy"
    shutil.copytree(night_home, copy)
    # news added after the night: the nightly index no longer serves, and the commands rank
    # in memory an article that has no analysis stored yet
    news = ["news", "add", "Ho scritto un'analisi sui porti automatizzati di Genova", "--as-of", DAY]
    cli(*news, home=copy)
    make_read_only(copy)
    before = database_state(copy), files_state(copy)
    try:
        outcomes = run_reads(cli, copy, tmp_path)
        assert outcomes and "written" not in outcomes
        assert (database_state(copy), files_state(copy)) == before
    finally:
        for p in [copy, *copy.rglob("*")]:  # let pytest clean up
            p.chmod(stat.S_IMODE(p.stat().st_mode) | 0o200)


def test_in_a_home_that_may_be_written_they_write_nothing_either(night_home, tmp_path, cli):
    before = database_state(night_home), files_state(night_home)
    outcomes = run_reads(cli, night_home, tmp_path)
    assert outcomes and "written" not in outcomes
    after = files_state(night_home)
    # beside a WAL database a reader leaves SQLite's shared-memory index: not a change of the home
    assert {k: v for k, v in after.items() if not k.endswith(("-shm", "-wal"))} == before[1]
    assert database_state(night_home) == before[0]
