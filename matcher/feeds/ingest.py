"""One night's ingest (fetch → parse → extract → store) and the feed-management functions."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import or_, select

from matcher.config import Settings
from matcher.errors import FeedError, NotFound
from matcher.feeds.extract import extract_text
from matcher.feeds.fetch import FetchRequest, FetchResult, fetch_all, is_local
from matcher.feeds.opml import FeedRecord, read_opml, write_opml
from matcher.feeds.parse import EntryRecord, ParsedFeed, canonical_url, parse_feed
from matcher.models import Article, Feed
from matcher.textsafe import clean

MAX_BACKOFF = dt.timedelta(days=7)
POOL_MIN_BATCH = 4  # below this, a process pool costs more than it saves

Progress = Callable[[str, int, int], None]


@dataclass
class ImportSummary:
    added: int
    existing: int


@dataclass
class IngestReport:
    feeds_ok: int = 0
    feeds_failed: list[tuple[str, str]] = field(default_factory=list)
    not_modified: int = 0
    new_article_ids: list[int] = field(default_factory=list)
    pages_fetched: int = 0


# --- feed management -------------------------------------------------------------------


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
    """Subscribe to one feed; an already subscribed URL returns the existing feed."""
    url = _check_url(url)
    with db.session() as s:
        feed = s.scalar(select(Feed).where(Feed.url == url))
        if feed is None:
            feed = _new_feed(url, title, category)
            s.add(feed)
            s.flush()
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


def list_feeds(db) -> list[Feed]:
    with db.session() as s:
        return list(s.scalars(select(Feed).order_by(Feed.category, Feed.title, Feed.id)))


def export_opml(db) -> str:
    feeds = list_feeds(db)
    return write_opml([FeedRecord(f.url, f.title, f.category, f.site_url) for f in feeds])


# --- the night --------------------------------------------------------------------------


def _pool_map(fn, arglists: list[tuple], workers: int) -> list:
    """fn(*args) for each args, in a process pool when the batch is worth it."""
    if not arglists:
        return []
    workers = workers or os.cpu_count() or 1
    if workers > 1 and len(arglists) >= POOL_MIN_BATCH:
        try:
            with ProcessPoolExecutor(max_workers=min(workers, len(arglists))) as pool:
                return list(pool.map(fn, *zip(*arglists)))
        except (BrokenProcessPool, OSError, pickle.PicklingError):
            pass  # a pool that cannot start must not cost the night; do it here
    return [fn(*args) for args in arglists]


def _backoff(error_count: int) -> dt.timedelta:
    return min(dt.timedelta(hours=2 ** min(error_count, 16)), MAX_BACKOFF)


def _short(text: str, limit: int = 190) -> str:
    text = clean(text, single_line=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _FeedWork:
    feed_id: int
    url: str
    result: FetchResult
    parsed: ParsedFeed | None = None
    error: str | None = None
    new: list[EntryRecord] = field(default_factory=list)


@dataclass
class _Story:
    entry: EntryRecord
    text: str
    source: str
    page_url: str | None = None


def _store_insert(session, values: dict) -> int | None:
    """Insert one article, skipping (None) a key another writer stored first."""
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(Article).values(**values).on_conflict_do_nothing(index_elements=["key"])
        return session.scalar(stmt.returning(Article.id))
    if session.scalar(select(Article.id).where(Article.key == values["key"])) is not None:
        return None
    article = Article(**values)
    session.add(article)
    session.flush()
    return article.id


def ingest(
    db,
    settings: Settings,
    now: dt.datetime | None = None,
    progress: Progress | None = None,
) -> IngestReport:
    """Refresh every feed that is due; one failing feed is recorded and the night goes on."""
    now = now or dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    tell = progress or (lambda stage, done, total: None)
    fs = settings.fetch
    report = IngestReport()

    with db.session() as s:
        due = s.execute(
            select(Feed.id, Feed.url, Feed.etag, Feed.last_modified)
            .where(or_(Feed.next_check.is_(None), Feed.next_check <= now))
            .order_by(Feed.id)
        ).all()
    if not due:
        return report

    # 1. fetch, conditionally
    tell("fetch", 0, len(due))
    results = fetch_all([FetchRequest(url, etag, lm) for _, url, etag, lm in due], fs)
    tell("fetch", len(due), len(due))
    works = [_FeedWork(fid, url, res) for (fid, url, _, _), res in zip(due, results)]

    # 2. parse what changed, in the process pool
    to_parse = [w for w in works if w.result.error is None and w.result.status != 304]
    for w in works:
        if w.result.error:
            w.error = w.result.error
    tell("parse", 0, len(to_parse))
    parsed = _pool_map(
        parse_feed,
        [(w.result.body, w.result.final_url or w.url, w.result.content_type) for w in to_parse],
        fs.workers,
    )
    tell("parse", len(to_parse), len(to_parse))
    for w, p in zip(to_parse, parsed):
        w.parsed = p
        if p.error:
            w.error = p.error

    # 3. keep only entries not already stored (nor claimed by an earlier feed tonight)
    keys = {e.key for w in works if w.parsed and not w.error for e in w.parsed.entries}
    known: set[str] = set()
    with db.session() as s:
        key_list = sorted(keys)
        for i in range(0, len(key_list), 500):
            chunk = key_list[i : i + 500]
            known.update(s.scalars(select(Article.key).where(Article.key.in_(chunk))))
    for w in works:
        if w.parsed and not w.error:
            for e in w.parsed.entries:
                if e.key not in known:
                    known.add(e.key)
                    w.new.append(e)

    # 4. full text: the feed's, else the page's (fetched and extracted only for new entries)
    stories: dict[str, _Story] = {}
    page_wanted: list[_Story] = []
    for w in works:
        remote_feed = not is_local(w.url)
        for e in w.new:
            text = e.content if len(e.content) >= len(e.summary) else e.summary
            source = "feed" if e.content and text is e.content else "summary"
            story = _Story(e, text, source)
            stories[e.key] = story
            link = canonical_url(e.url) if e.url else ""
            # A local feed is the offline demo: its links are never fetched.
            if len(e.content) < fs.min_feed_text and remote_feed and link.startswith(("http://", "https://")):
                story.page_url = link
                page_wanted.append(story)
    if page_wanted:
        tell("pages", 0, len(page_wanted))
        pages = fetch_all([FetchRequest(s.page_url) for s in page_wanted], fs)
        tell("pages", len(page_wanted), len(page_wanted))
        got = [(s, p) for s, p in zip(page_wanted, pages) if p.error is None and p.body]
        report.pages_fetched = len(got)
        tell("extract", 0, len(got))
        texts = _pool_map(extract_text, [(p.body, p.final_url or s.page_url) for s, p in got], fs.workers)
        tell("extract", len(got), len(got))
        for (story, _), text in zip(got, texts):
            if text and len(text) > len(story.text):
                story.text, story.source = text, "page"

    # 5. store: each feed's articles and state in one transaction
    tell("store", 0, len(works))
    for i, w in enumerate(works, 1):
        try:
            ids = _store_feed(db, w, stories, now)
        except Exception as exc:  # a database hiccup on one feed is that feed's failure
            w.error = f"cannot store: {type(exc).__name__}: {_short(str(exc), 150)}"
            w.new = []
            ids = _store_feed(db, w, stories, now)
        if w.error:
            report.feeds_failed.append((w.url, w.error))
        elif w.result.status == 304:
            report.not_modified += 1
        else:
            report.feeds_ok += 1
        report.new_article_ids.extend(ids)
        tell("store", i, len(works))
    return report


def _store_feed(db, w: _FeedWork, stories: dict[str, _Story], now: dt.datetime) -> list[int]:
    ids: list[int] = []
    with db.session() as s:
        feed = s.get(Feed, w.feed_id)
        if feed is None:  # removed while we were fetching
            return []
        res = w.result
        feed.last_checked = now
        if w.error:
            feed.error_count = (feed.error_count or 0) + 1
            feed.last_error = _short(w.error, 1000)
            feed.last_status = _short("error: " + w.error)
            wait = _backoff(feed.error_count)
            if res.retry_after:
                wait = min(max(wait, dt.timedelta(seconds=res.retry_after)), MAX_BACKOFF)
            feed.next_check = now + wait
            return []

        feed.error_count = 0
        feed.last_error = None
        feed.next_check = None
        if res.status != 304 or res.etag:
            feed.etag = res.etag[:500] if res.etag else None
        if res.status != 304 or res.last_modified:
            feed.last_modified = res.last_modified[:100] if res.last_modified else None
        if res.permanent_redirect and res.final_url and res.final_url != feed.url:
            taken = s.scalar(select(Feed.id).where(Feed.url == res.final_url, Feed.id != feed.id))
            if taken is None:
                feed.url = res.final_url[:2000]
        if res.status == 304:
            feed.last_status = "not modified"
            return []

        parsed = w.parsed
        if parsed:
            if not feed.title and parsed.title:
                feed.title = parsed.title[:500]
            if not feed.site_url and parsed.site_url:
                feed.site_url = parsed.site_url[:2000]
        for e in w.new:
            story = stories[e.key]
            published = e.published or now
            if published > now:
                published = now
            article_id = _store_insert(
                s,
                dict(
                    key=e.key,
                    feed_id=feed.id,
                    url=(canonical_url(e.url) if e.url else "")[:2000],
                    title=e.title[:1000],
                    summary=e.summary,
                    text=story.text,
                    text_source=story.source,
                    language="",
                    published=published,
                    fetched_at=now,
                ),
            )
            if article_id is not None:
                ids.append(article_id)
        feed.last_status = f"ok: {len(ids)} new"
    return ids
