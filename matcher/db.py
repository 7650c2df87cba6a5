"""Opening the database: engine, sessions, and the Alembic migrations applied on open.

A database opened for writing is first brought to the newest migration. One opened
read-only (the commands that only read) refuses every write, and is not migrated: its
revision is compared with Alembic's head only when a query fails (`Database.reading`), so
those commands start without importing Alembic.
"""

from __future__ import annotations

import functools
import os
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import create_engine, event, inspect, make_url, text
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import sessionmaker

from matcher.errors import ConfigError

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

MIGRATIONS = Path(__file__).parent / "migrations"


def _sqlite_pragmas(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    # WAL lets `matcher review` read and write while a night run is going;
    # the busy timeout makes a writer wait for the other instead of failing.
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA busy_timeout=30000")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_reading(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA busy_timeout=30000")  # wait for a night's write to end, as writers do
    cur.close()


def _postgresql_reading(dbapi_conn, _record):
    cur = dbapi_conn.cursor()
    cur.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    cur.close()
    dbapi_conn.commit()  # a SET in a transaction that is rolled back would be undone with it


def _sqlite_read_only_url(url: URL) -> URL:
    """The URL opening the SQLite file `url` names read-only (`mode=ro`)."""
    path = Path(url.database).resolve()
    query = {"mode": "ro", "uri": "true"}
    folder = path.parent
    read_only_folder = not os.access(folder, os.W_OK) or not folder.stat().st_mode & 0o222
    if read_only_folder and not Path(f"{path}-shm").exists():
        # SQLite reads a WAL database through a -shm file beside it, which it cannot create
        # in a folder we may not write, and should not leave in a folder no one may write
        # (a read-only copy of a home). Without one, the file is read as immutable, that is
        # without locks: a writer meanwhile would go unseen, and no one should write there.
        query["immutable"] = "1"
    return url.set(database=path.as_uri(), query={**url.query, **query})


def make_engine(url: str, read_only: bool = False) -> Engine:
    """The engine of database `url`; `read_only`: one whose connections refuse to write."""
    try:
        parsed = make_url(url)
        if read_only and parsed.get_backend_name() == "sqlite":
            parsed = _sqlite_read_only_url(parsed)
        engine = create_engine(parsed)
    except Exception as exc:  # bad URL or missing driver
        raise ConfigError(f"cannot use database {url!r}: {exc}") from None
    backend = engine.dialect.name
    if backend == "sqlite":
        event.listen(engine, "connect", _sqlite_reading if read_only else _sqlite_pragmas)
    elif read_only and backend == "postgresql":
        event.listen(engine, "connect", _postgresql_reading)
    elif read_only:
        raise ConfigError(f"cannot open a {backend} database read-only (SQLite and PostgreSQL can)")
    return engine


def alembic_config() -> AlembicConfig:
    """The Alembic configuration of matcher's migrations (give it a connection to run them)."""
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    return cfg


def schema_revision(engine: Engine) -> str | None:
    """The database's Alembic revision (None: a new database, or one Alembic never stamped)."""
    with engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


@functools.cache
def migration_head() -> str:
    """The newest revision of matcher's migrations, as Alembic reads it from their scripts."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest Alembic revision (idempotent). A migration that fails
    half-way leaves the database as it was: PostgreSQL rolls the DDL back with the
    transaction; SQLite commits some DDL as it goes, so its file is copied first (SQLite's
    backup API) and copied back on failure."""
    revision = schema_revision(engine)
    if revision == migration_head():
        return
    from alembic import command

    cfg = alembic_config()
    before = _sqlite_copy(engine) if revision is not None else None
    try:
        with engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
    except BaseException:
        if before is not None:
            _sqlite_copy_back(engine, before)
        raise
    finally:
        if before is not None:
            before.unlink(missing_ok=True)


def _sqlite_copy(engine: Engine) -> Path | None:
    """A private copy of a SQLite database file beside it (None for other databases)."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return None
    import sqlite3
    import tempfile

    path = Path(engine.url.database)
    fd, name = tempfile.mkstemp(prefix=f".{path.name}-before-upgrade-", dir=path.parent)  # 0600
    os.close(fd)
    source = engine.raw_connection()
    try:
        with closing(sqlite3.connect(name)) as copy:
            source.driver_connection.backup(copy)
    finally:
        source.close()
    return Path(name)


def _sqlite_copy_back(engine: Engine, copy: Path) -> None:
    """Put the copy's content back into the database, then drop the connections that saw
    the half-done schema."""
    import sqlite3

    engine.dispose()
    target = engine.raw_connection()
    try:
        with closing(sqlite3.connect(copy)) as source:
            source.backup(target.driver_connection)
    finally:
        target.close()
        engine.dispose()


class Database:
    """One database: an engine whose schema is current (or that only reads), and a session
    factory."""

    def __init__(self, url: str, read_only: bool = False):
        self.url = url
        sqlite_file = url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None
        if sqlite_file and read_only and not Path(sqlite_file).is_file():
            raise ConfigError(f"no database at {sqlite_file} yet (`matcher init` creates it)")
        if sqlite_file and not read_only:
            Path(sqlite_file).parent.mkdir(parents=True, exist_ok=True)
        self.engine = make_engine(url, read_only)
        if not read_only:
            try:
                migrate(self.engine)
            except Exception as exc:
                raise ConfigError(f"cannot open database {self.display_url}: {exc}") from None
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @property
    def display_url(self) -> str:
        return make_url(self.url).render_as_string(hide_password=True)

    @contextmanager
    def session(self):
        """A session whose work is committed on success and rolled back on any error."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    @contextmanager
    def reading(self):
        """A session for commands that only read: what they change on its objects (an
        article's analysis made on the way) stays in memory, never flushed, and is dropped."""
        with self.sessions(autoflush=False) as session:
            try:
                yield session
            except DBAPIError:
                self.check_schema()  # an older schema is the likelier cause than a bug
                raise
            finally:
                session.rollback()

    def check_schema(self) -> None:
        """Raise ConfigError when the schema is not at the newest migration."""
        revision, head = schema_revision(self.engine), migration_head()
        if revision != head:
            raise ConfigError(
                f"the database {self.display_url} is at revision {revision or 'none'} and this matcher "
                f"needs {head}: a command that may write (e.g. `matcher run`) upgrades it") from None

    def tables(self) -> set[str]:
        return set(inspect(self.engine).get_table_names())

    def close(self) -> None:
        self.engine.dispose()
