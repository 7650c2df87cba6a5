"""Whole-request deadlines: a feed waits at most `deadline`, an article page `page_deadline`,
so a server that dribbles or never answers cannot hold the night."""

from __future__ import annotations

import datetime as dt

from matcher.config import FetchSettings, Settings
from matcher.feeds.ingest import add_feed, ingest, list_feeds
from tests.feedserver import rss

NOW = dt.datetime(2026, 11, 20, 6, 0)


def test_the_defaults_are_those_of_feed_readers_people_trust():
    # newsboat gives a feed 30 s, Miniflux a page 20 s (bench/faults.py times a night of faults).
    assert (FetchSettings().deadline, FetchSettings().page_deadline) == (30.0, 20.0)


def test_a_dribbling_article_page_is_cut_at_the_page_deadline(home_db, tmp_path, feed_server, raw_server):
    page = raw_server("dribble", interval=0.1)  # one byte every 0.1 s, forever
    feed_server.set("/news.xml", rss("News", [
        {"title": "Short teaser", "guid": "t1", "link": page.url("/article.html"), "content": "<p>Teaser.</p>"},
    ]))
    feed = add_feed(home_db, feed_server.url("/news.xml"))
    fetch = FetchSettings(timeout=10.0, deadline=10.0, page_deadline=1.0, workers=1)
    report = ingest(home_db, Settings(home=tmp_path / "home", fetch=fetch), now=NOW)

    assert report.feeds_ok == 1 and report.pages_fetched == 0
    assert page.connections == 1
    # Cut after ~1 s (about 10 bytes), not after the feed's 10 s (about 100).
    assert page.bytes_sent < 50, page.bytes_sent
    status = {f.id: f.last_status for f in list_feeds(home_db)}[feed.id]
    assert status.startswith("ok: 1 new"), status
