"""`matcher demo`: the whole pipeline, offline, on the sample in data/.

A throwaway home is built from the sample feeds (local files) and contacts, the night runs
as of the sample's day, and the suggestions it made are returned.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from dataclasses import dataclass
from pathlib import Path

import matcher
from matcher.contacts.importer import read_contacts
from matcher.contacts.store import import_contacts
from matcher.errors import MatcherError
from matcher.feeds.subscriptions import add_feed
from matcher.home import init_home, open_home
from matcher.night import NightReport, run_night
from matcher.review import list_suggestions, suggestion_to_dict

# The sample feeds are dated up to this day; the demo replays it so they are fresh.
SAMPLE_DAY = dt.date(2026, 11, 20)


def sample_dir() -> Path:
    """data/ beside the package (a clone or an editable install), else ./data."""
    for candidate in (Path(matcher.__file__).resolve().parent.parent / "data", Path.cwd() / "data"):
        if (candidate / "contacts.yaml").exists():
            return candidate
    raise MatcherError("the sample data/ folder was not found: run from a clone of matcher or pass --data")


@dataclass
class DemoResult:
    home: Path
    as_of: dt.date
    night: NightReport
    suggestions: list[dict]


def run_demo(keep: Path | None = None, data: Path | None = None, as_of: dt.date = SAMPLE_DAY) -> DemoResult:
    data = data or sample_dir()
    home_path = Path(keep) if keep else Path(tempfile.mkdtemp(prefix="matcher-demo-"))
    init_home(home_path)
    home = open_home(home_path)
    try:
        for feed in sorted((data / "feeds").glob("*.xml")):
            add_feed(home.db, str(feed))  # already subscribed (a kept home): unchanged
        import_contacts(home.db, read_contacts(data / "contacts.yaml"), as_of)
        night = run_night(home, as_of)
        with home.db.session() as session:
            rows = [suggestion_to_dict(s) for s in list_suggestions(session, "pending")]
        return DemoResult(home_path, as_of, night, rows)
    finally:
        home.close()
