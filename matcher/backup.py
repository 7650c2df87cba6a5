"""Backup and restore of a home's SQLite database, with SQLite's online backup API.

A backup is a consistent copy even while a night is writing: the backup API copies the
pages of one read snapshot (WAL lets the night go on meanwhile). It is written beside the
target as a temporary file and renamed, so a half-written backup never has the target's
name. A restore checks the file is a matcher database of a schema this version knows,
migrates an older one on a private copy (the given file is never touched), keeps the
current database as `matcher.db.before-restore`, and copies the backup into the live
database under the night's lock (a running night is not overwritten). PostgreSQL has its
own tools: both commands refuse with the line to use instead.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from contextlib import closing, contextmanager
from dataclasses import dataclass
from pathlib import Path

from matcher.db import alembic_config, make_engine, migrate, migration_head
from matcher.errors import MatcherError
from matcher.home import Home
from matcher.private import private_file

SQLITE_MAGIC = b"SQLite format 3\x00"
BEFORE_RESTORE = ".before-restore"


@dataclass
class DatabaseFacts:
    """What a backup holds: its size, schema revision and how many contacts and suggestions."""

    path: Path
    size: int
    schema: str
    contacts: int
    suggestions: int

    def to_dict(self) -> dict:
        return {"file": str(self.path), "bytes": self.size, "schema": self.schema,
                "contacts": self.contacts, "suggestions": self.suggestions}


@dataclass
class RestoreReport:
    restored: DatabaseFacts          # the file as it was read (its own schema revision)
    migrated_from: str | None        # the older revision it was migrated from, if any
    safety_copy: Path                # the database as it was before the restore
    caches_removed: list[str]

    def to_dict(self) -> dict:
        return {**self.restored.to_dict(), "schema": migration_head(), "migrated_from": self.migrated_from,
                "safety_copy": str(self.safety_copy), "caches_removed": self.caches_removed}


def backup(home: Home, target: Path | str) -> DatabaseFacts:
    """Copy the home's database to `target` (0600), consistent even while a night runs."""
    live = _live_sqlite(home, "backup")
    target = Path(target).expanduser()
    if target.resolve() == live.resolve():
        raise MatcherError(f"{target} is the home's database itself: choose another file")
    if not target.parent.is_dir():
        raise MatcherError(f"cannot write {target}: no folder {target.parent}")
    with _temporary_beside(target) as tmp:
        raw = home.db.engine.raw_connection()
        try:
            _copy(raw.driver_connection, tmp)
        finally:
            raw.close()
        os.replace(tmp, target)
    return read_facts(target)


def restore(home: Home, source: Path | str) -> RestoreReport:
    """Replace the home's database with the backup `source` (never modified), keeping the
    current one as matcher.db.before-restore; refused if `source` is not a matcher database
    or comes from a newer matcher."""
    from matcher.night import run_lock

    live = _live_sqlite(home, "restore")
    source = Path(source).expanduser()
    facts = restorable(home, source)
    with _temporary_beside(live) as copy:
        with closing(sqlite3.connect(f"file:{source}?mode=ro", uri=True)) as src:
            _copy(src, copy)
        migrated_from = None
        if facts.schema != migration_head():
            _migrate_file(copy)
            migrated_from = facts.schema
        with closing(sqlite3.connect(copy)) as conn:
            check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        if check != "ok":
            raise MatcherError(f"{source} is damaged (integrity check: {check}); nothing restored")
        with run_lock(home.settings.lock_path):
            safety = live.with_name(live.name + BEFORE_RESTORE)
            with _temporary_beside(safety) as tmp:
                raw = home.db.engine.raw_connection()
                try:
                    _copy(raw.driver_connection, tmp)
                    os.replace(tmp, safety)
                    with closing(sqlite3.connect(copy)) as src:
                        src.backup(raw.driver_connection)
                finally:
                    raw.close()
            removed = _remove_caches(home)
    return RestoreReport(facts, migrated_from, safety, removed)


def restorable(home: Home, source: Path | str) -> DatabaseFacts:
    """What `source` holds, if it can be restored into this home; else MatcherError why not."""
    _live_sqlite(home, "restore")
    facts = read_facts(Path(source).expanduser())
    if facts.schema not in known_revisions():
        raise MatcherError(
            f"{source} has schema revision {facts.schema}, unknown to this matcher: a newer "
            "version wrote it; upgrade matcher, then restore")
    return facts


def read_facts(path: Path | str) -> DatabaseFacts:
    """The schema revision and counts of a matcher database file, opened read only."""
    path = Path(path)
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as exc:
        raise MatcherError(f"cannot read {path}: {exc.strerror or exc}") from None
    if magic != SQLITE_MAGIC:
        raise MatcherError(f"{path} is not a SQLite database (nor a matcher backup)")
    try:
        with closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as conn:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            if not {"alembic_version", "contacts", "suggestions"} <= tables:
                raise MatcherError(f"{path} is a SQLite database but not a matcher database")
            schema = conn.execute("SELECT version_num FROM alembic_version").fetchone()
            contacts = conn.execute("SELECT count(*) FROM contacts").fetchone()[0]
            suggestions = conn.execute("SELECT count(*) FROM suggestions").fetchone()[0]
    except sqlite3.DatabaseError as exc:
        raise MatcherError(f"{path} cannot be read as a database: {exc}") from None
    if schema is None:
        raise MatcherError(f"{path} has no schema revision: not a matcher database")
    return DatabaseFacts(path, path.stat().st_size, schema[0], contacts, suggestions)


def known_revisions() -> set[str]:
    """Every schema revision this version's migrations know."""
    from alembic.script import ScriptDirectory

    return {s.revision for s in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


def pg_dump_line(home: Home) -> str:
    """The pg_dump command for the home's PostgreSQL database, without its password."""
    from sqlalchemy.engine import URL

    url = home.db.engine.url
    bare = URL.create("postgresql", username=url.username, host=url.host, port=url.port,
                      database=url.database)  # no password, no driver: what pg_dump reads
    return f"pg_dump --format=custom --file FILE '{bare.render_as_string(hide_password=False)}'"


def _live_sqlite(home: Home, verb: str) -> Path:
    url = home.db.engine.url
    if url.get_backend_name() != "sqlite":
        if verb == "backup":
            raise MatcherError(
                f"the database is PostgreSQL: back it up with `{pg_dump_line(home)}` "
                "(or a portable copy: `matcher export --json FILE`)")
        raise MatcherError(
            "the database is PostgreSQL: restore a pg_dump file with `pg_restore --clean "
            "--dbname URL FILE`, or an export with `matcher contacts import FILE` then "
            "`matcher import-history FILE`")
    if not url.database or url.database == ":memory:":
        raise MatcherError(f"cannot {verb} an in-memory database")
    return Path(url.database)


def _copy(source: sqlite3.Connection, target: Path) -> None:
    """The whole of `source` into the file `target`, as one self-contained file (no WAL)."""
    with closing(sqlite3.connect(target)) as dest:
        source.backup(dest)  # all pages in one step: one consistent snapshot
        dest.execute("PRAGMA journal_mode=DELETE")


def _migrate_file(path: Path) -> None:
    engine = make_engine(f"sqlite:///{path}")
    try:
        migrate(engine)
    except Exception as exc:
        raise MatcherError(f"cannot migrate the backup to this version: {exc}") from None
    finally:
        engine.dispose()
    # migrate opened it in WAL mode: back to one file, so it can be read as a whole
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("PRAGMA journal_mode=DELETE")


@contextmanager
def _temporary_beside(path: Path):
    """A private temporary file name in the folder of `path`, removed unless renamed."""
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = private_file(Path(name))
    try:
        yield tmp
    finally:
        for leftover in (tmp, tmp.with_name(tmp.name + "-journal"), tmp.with_name(tmp.name + "-wal"),
                         tmp.with_name(tmp.name + "-shm")):
            leftover.unlink(missing_ok=True)


def _remove_caches(home: Home) -> list[str]:
    """The caches describe the old database; the next night rebuilds them."""
    removed = []
    for path in (home.settings.index_path, home.settings.counts_path):
        if path.exists():
            path.unlink()
            removed.append(str(path))
    return removed
