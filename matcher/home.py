"""A home folder: its settings and its database, opened together; `matcher init`."""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from matcher import config
from matcher.db import Database


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
    if not read_only:
        settings.home.mkdir(parents=True, exist_ok=True)
    return Home(settings, Database(settings.db_url, read_only=read_only))


@dataclass
class InitReport:
    home: Path
    created: list[str]
    database: str


def init_home(path: Path | str | None = None) -> InitReport:
    """Create a home: matcher.toml, the database, a contacts template. Never overwrites."""
    home_path = Path(path).expanduser() if path else config.default_home()
    home_path.mkdir(parents=True, exist_ok=True)
    created = []
    cfg = home_path / config.CONFIG_NAME
    if not cfg.exists():
        cfg.write_text(config.DEFAULT_TOML, encoding="utf-8")
        created.append(cfg.name)
    template = home_path / "contacts.yaml"
    if not template.exists():
        text = resources.files("matcher.contacts").joinpath("template.yaml").read_text("utf-8")
        template.write_text(text, encoding="utf-8")
        created.append(template.name)
    home = open_home(home_path)
    try:
        return InitReport(home_path, created, home.db.display_url)
    finally:
        home.close()
