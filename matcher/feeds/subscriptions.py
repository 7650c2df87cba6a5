"""Subscriptions: the feeds a home follows (import and export as OPML, add, remove, list)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from sqlalchemy import select

from matcher.errors import FeedError, NotFound
from matcher.feeds.fetch import is_local
from matcher.feeds.opml import FeedRecord, read_opml, write_opml
from matcher.models import Feed, FeedHealth
from matcher.textsafe import clean


@dataclass
class ImportSummary:
    added: int
    existing: int


def import_opml(db, path) -> ImportSummary:
    """Subscribe to every feed of an OPML file, all or nothing."""
    records = read_opml(path)  # raises InputFileError before anything is stored
    added = existing = 0
    with db.session() as s:
        known = set(s.scalars(select(Feed.url)))
        for rec in records:
            if rec.url in known:
                existing += 1
                continue
            known.add(rec.url)
            s.add(_new_feed(rec.url, rec.title, rec.category, rec.site_url))
            added += 1
    return ImportSummary(added=added, existing=existing)


def _new_feed(url: str, title: str = "", category: str = "", site_url: str = "") -> Feed:
    return Feed(
        url=url,
        title=clean(title, single_line=True)[:500],
        category=clean(category, single_line=True)[:500],
        site_url=site_url[:2000],
        last_status="new",
        health=FeedHealth.NEW,
        error_count=0,
    )


def _check_url(url: str) -> str:
    url = (url or "").strip()
    if not url:
        raise FeedError("a feed needs a URL")
    if is_local(url):
        return url
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise FeedError(f"not a feed URL: {clean(url, single_line=True)}")
    return url


def add_feed(db, url: str, title: str = "", category: str = "") -> Feed:
    """Subscribe to one feed; an already subscribed URL returns the existing feed (a retired
    one is tried again)."""
    url = _check_url(url)
    with db.session() as s:
        feed = s.scalar(select(Feed).where(Feed.url == url))
        if feed is None:
            feed = _new_feed(url, title, category)
            s.add(feed)
            s.flush()
        elif feed.retired_on is not None:
            # Subscribing again to a retired feed is asking to try it again.
            feed.last_status, feed.health, feed.retired_on = "new", FeedHealth.NEW, None
            feed.error_count, feed.next_check = 0, None
        return feed


def remove_feed(db, url_or_id) -> Feed:
    """Unsubscribe (by id or URL); its articles stay, detached from the feed."""
    with db.session() as s:
        feed = None
        if isinstance(url_or_id, int) or str(url_or_id).strip().isdigit():
            feed = s.get(Feed, int(url_or_id))
        if feed is None:
            feed = s.scalar(select(Feed).where(Feed.url == str(url_or_id).strip()))
        if feed is None:
            raise NotFound(f"no feed {clean(str(url_or_id), single_line=True)!r}")
        s.delete(feed)
        return feed


def list_feeds(db, failing: bool = False) -> list[Feed]:
    """The feeds (`failing`: only those whose last check failed, retired ones included)."""
    query = select(Feed).order_by(Feed.category, Feed.title, Feed.id)
    if failing:
        query = query.where(Feed.health.in_([FeedHealth.FAILING, FeedHealth.GONE]))
    with db.session() as s:
        return list(s.scalars(query))


def export_opml(db) -> str:
    """The subscriptions as an OPML document."""
    feeds = list_feeds(db)
    return write_opml([FeedRecord(f.url, f.title, f.category, f.site_url) for f in feeds])
