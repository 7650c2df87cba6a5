"""A home folder: its settings and its database, opened together; `matcher init`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from matcher import config
from matcher.db import Database
from matcher.private import private_dir, private_file, tighten


@dataclass
class Home:
    settings: config.Settings
    db: Database

    @property
    def path(self) -> Path:
        return self.settings.home

    def close(self) -> None:
        self.db.close()


def open_home(path: Path | str | None = None, read_only: bool = False) -> Home:
    """Read the config and open (migrating if needed) the database of a home; `read_only`:
    open a home that exists, its database refusing every write (nothing is migrated)."""
    settings = config.load(path)
    if read_only:  # nothing is created or changed: a read-only copy of a home must do
        return Home(settings, Database(settings.db_url, read_only=True))
    private_dir(settings.home)
    for name in (config.CONFIG_NAME, "contacts.yaml", "cache"):
        tighten(settings.home / name)
    sqlite_file = _sqlite_file(settings.db_url)
    if sqlite_file is not None:
        sqlite_file.parent.mkdir(parents=True, exist_ok=True)
        private_file(sqlite_file)  # SQLite gives its -wal and -shm files the same mode
    return Home(settings, Database(settings.db_url))


def _sqlite_file(url: str) -> Path | None:
    """The file of a SQLite URL, if it is one (not in memory)."""
    if url.startswith("sqlite:///") and url != "sqlite:///:memory:":
        return Path(url.removeprefix("sqlite:///").split("?", 1)[0])
    return None


@dataclass
class InitReport:
    home: Path
    created: list[str]
    database: str


def init_home(path: Path | str | None = None) -> InitReport:
    """Create a home: matcher.toml, the database, a contacts template. Never overwrites."""
    home_path = Path(path).expanduser() if path else config.default_home()
    private_dir(home_path)
    created = []
    cfg = home_path / config.CONFIG_NAME
    if not cfg.exists():
        private_file(cfg).write_text(config.DEFAULT_TOML, encoding="utf-8")
        created.append(cfg.name)
    template = home_path / "contacts.yaml"
    if not template.exists():
        text = resources.files("matcher.contacts").joinpath("template.yaml").read_text("utf-8")
        private_file(template).write_text(text, encoding="utf-8")
        created.append(template.name)
    home = open_home(home_path)
    try:
        return InitReport(home_path, created, home.db.display_url)
    finally:
        home.close()
