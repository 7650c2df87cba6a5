"""One night's ingest, stages in order: which feeds are due → the fetch round (feeds fetched
and parsed as they arrive) → entries new to us → their full text (the page round) → stored.

The feed-management functions live in `subscriptions.py`; they are importable from here too.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Callable

from sqlalchemy import or_, select

from matcher.config import FetchSettings, Settings
from matcher.feeds.fetch import FetchRequest, FetchResult, fetch_all
from matcher.feeds.pages import feed_texts, fetch_pages
from matcher.feeds.parse import parse_feed
from matcher.feeds.rounds import fetch_and_process
from matcher.feeds.store import FeedWork, Story, store_batch, store_batches
from matcher.feeds.subscriptions import (  # noqa: F401  (the CLI, the demo and tests import them from here)
    ImportSummary, add_feed, export_opml, import_opml, list_feeds, remove_feed,
)
from matcher.models import Article, Feed
from matcher.retention import retention_cutoff

Progress = Callable[[str, int, int], None]
KEYS_PER_QUERY = 500  # article keys looked up per SELECT … IN (…)


@dataclass
class IngestReport:
    feeds_ok: int = 0
    feeds_failed: list[tuple[str, str]] = field(default_factory=list)
    not_modified: int = 0
    new_article_ids: list[int] = field(default_factory=list)
    pages_fetched: int = 0


def ingest(
    db,
    settings: Settings,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Refresh every feed that is due; one failing feed is recorded and the night goes on."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    tell = progress or (lambda stage, done, total: None)
    report = IngestReport()
    due = _due_feeds(db, now)
    if not due:
        return report
    works = _fetch_round(due, settings.fetch, tell)
    _drop_expired(works, retention_cutoff(settings, now))
    _keep_new(db, works)
    stories, page_wanted = feed_texts(works, settings.fetch)
    if page_wanted:
        report.pages_fetched = fetch_pages(page_wanted, settings.fetch, tell)
        tell("extract", report.pages_fetched, report.pages_fetched)  # extracted while fetching
    _store_round(db, works, stories, now, report, tell)
    return report


def _due_feeds(db, now: dt.datetime) -> list:
    """(id, url, etag, last_modified) of the feeds to check now (retired ones never)."""
    with db.session() as s:
        return s.execute(
            select(Feed.id, Feed.url, Feed.etag, Feed.last_modified)
            .where(or_(Feed.next_check.is_(None), Feed.next_check <= now))
            .where(Feed.retired_on.is_(None))
            .order_by(Feed.id)
        ).all()


def _parse_args(res: FetchResult):
    if res.error is not None or res.status == 304:
        return None
    return (res.body, res.final_url or res.url, res.content_type)


def _fetch_round(due: list, fs: FetchSettings, tell: Progress) -> list[FeedWork]:
    """Fetch the due feeds, conditionally, and parse what changed in the process pool as it
    arrives; an HTML page in place of a feed is followed to the feed it names."""
    tell("fetch", 0, len(due))
    results, parsed = fetch_and_process(
        [FetchRequest(url, etag, lm) for _, url, etag, lm in due], fs, parse_feed, _parse_args, fs.workers
    )
    tell("fetch", len(due), len(due))
    works = [FeedWork(fid, url, res) for (fid, url, _, _), res in zip(due, results)]
    for w, p in zip(works, parsed):
        if w.result.error:
            w.error = w.result.error
        elif p is not None:
            w.parsed = p
            w.error = p.error or None
    n_parsed = sum(1 for p in parsed if p is not None)
    tell("parse", n_parsed, n_parsed)  # parsed while fetching
    _follow_alternates([w for w in works if w.parsed and w.parsed.alternate], fs)
    return works


def _follow_alternates(works: list[FeedWork], fs: FetchSettings) -> None:
    """An HTML page instead of a feed: fetch and parse the feed it names as its alternate."""
    if not works:
        return
    results = fetch_all([FetchRequest(w.parsed.alternate) for w in works], fs)
    ok = [(w, r) for w, r in zip(works, results) if r.error is None and r.status == 200]
    for w, r in zip(works, results):
        if r.error is not None or r.status != 200:
            w.error = f"{w.error}; its alternate feed {w.parsed.alternate[:200]}: {r.error or r.status}"
    parsed = [parse_feed(r.body, r.final_url or w.parsed.alternate, r.content_type) for w, r in ok]
    for (w, r), p in zip(ok, parsed):
        if p.error:
            w.error = f"{w.error}; its alternate feed {w.parsed.alternate[:200]}: {p.error}"
            continue
        w.discovered = r.final_url or w.parsed.alternate
        w.result, w.parsed, w.error = r, p, None


def _drop_expired(works: list[FeedWork], cutoff: dt.datetime | None) -> None:
    """Entries older than the retention age would be pruned tonight: never store them."""
    if cutoff is None:
        return
    for w in works:
        if w.usable:
            w.parsed.entries = [e for e in w.parsed.entries if e.published is None or e.published >= cutoff]


def _keep_new(db, works: list[FeedWork]) -> None:
    """Each feed's `new`: its entries not already stored, nor claimed by an earlier feed tonight."""
    keys = sorted({e.key for w in works if w.usable for e in w.parsed.entries})
    known: set[str] = set()
    with db.session() as s:
        for i in range(0, len(keys), KEYS_PER_QUERY):
            known.update(s.scalars(select(Article.key).where(Article.key.in_(keys[i : i + KEYS_PER_QUERY]))))
    for w in works:
        if w.usable:
            for e in w.parsed.entries:
                if e.key not in known:
                    known.add(e.key)
                    w.new.append(e)


def _store_round(db, works: list[FeedWork], stories: dict[str, Story], now: dt.datetime,
                 report: IngestReport, tell: Progress) -> None:
    """Store the feeds, a few thousand articles per transaction, and tally them in `report`."""
    tell("store", 0, len(works))
    done = 0
    for batch in store_batches(works):
        for w, ids in zip(batch, store_batch(db, batch, stories, now)):
            if w.error:
                report.feeds_failed.append((w.url, w.error))
            elif w.result.status == 304:
                report.not_modified += 1
            else:
                report.feeds_ok += 1
            report.new_article_ids.extend(ids)
        done += len(batch)
        tell("store", done, len(works))
