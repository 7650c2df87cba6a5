"""Real saved feeds (../shared/evaldata) through the ingest, from a loopback server: no crash,
every feed gets a status, the readable ones yield entries. The whole corpora: bench/corpora.py."""

import datetime as dt
import os
from pathlib import Path

import pytest

from matcher.config import FetchSettings, RetentionSettings, Settings
from matcher.db import Database
from matcher.feeds.ingest import add_feed, ingest, list_feeds

EVALDATA = Path(os.environ.get("MATCHER_EVALDATA") or Path(__file__).resolve().parents[2] / "shared" / "evaldata")
SUFFIXES = {".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
            ".rdf": "application/rdf+xml", ".json": "application/json"}

pytestmark = pytest.mark.skipif(not EVALDATA.is_dir(), reason=f"no evaldata at {EVALDATA}")


def sample() -> list[Path]:
    def files(corpus):
        return sorted(p for p in (EVALDATA / corpus).rglob("*") if p.is_file() and p.suffix.lower() in SUFFIXES)

    # every 40th of feedparser's 2,100 tests; all of the others
    return (files("feedparser-tests")[::40] + files("feedjira-sample-feeds") + files("rsparser-test-feeds")
            + files("italian-feeds-regenerated"))


@pytest.mark.slow
def test_saved_real_world_feeds_ingest_without_a_crash(db_url, tmp_path, feed_server):
    files = sample()
    assert len(files) > 100
    db = Database(db_url)
    names = {}
    for i, path in enumerate(files):
        feed_server.set(f"/{i}/{path.name}", path.read_bytes(), SUFFIXES[path.suffix.lower()])
        names[add_feed(db, feed_server.url(f"/{i}/{path.name}")).id] = path
    settings = Settings(home=tmp_path, fetch=FetchSettings(min_feed_text=0, workers=2),
                        retention=RetentionSettings(article_days=0))  # saved feeds are old; no page fetched
    report = ingest(db, settings, now=dt.datetime(2026, 11, 20, 23, 0))
    feeds = list_feeds(db)
    db.close()
    assert all(f.health != "new" for f in feeds)
    ok = [f for f in feeds if f.health == "ok"]
    failed = [f for f in feeds if f.health == "failing"]
    assert len(ok) + len(failed) == len(files) and len(ok) >= 0.85 * len(files)
    assert all("not a feed" in f.last_error for f in failed), [f.last_error for f in failed]
    assert len(report.new_article_ids) > 1000
    ansa = next(f for f in feeds if names[f.id].name == "ansa.xml")
    assert ansa.last_status.startswith("ok: ") and int(ansa.last_status.split()[1]) >= 10
