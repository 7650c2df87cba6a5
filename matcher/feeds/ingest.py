"""One night's ingest (fetch → parse → extract → store) and the feed-management functions."""

from __future__ import annotations

import datetime as dt
import os
import pickle
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field, replace
from typing import Callable
from urllib.parse import urlsplit

from sqlalchemy import or_, select

from matcher.config import Settings
from matcher.errors import FeedError, NotFound
from matcher.feeds.extract import extract_text
from matcher.feeds.fetch import FetchRequest, FetchResult, fetch_all, is_local
from matcher.feeds.opml import FeedRecord, read_opml, write_opml
from matcher.feeds.parse import EntryRecord, ParsedFeed, canonical_url, parse_feed
from matcher.models import Article, Feed, FeedHealth
from matcher.retention import retention_cutoff
from matcher.textsafe import clean
from matcher.workers import process_pool

MAX_BACKOFF = dt.timedelta(days=7)
POOL_MIN_BATCH = 4  # below this, a process pool costs more than it saves
PAGE_BATCH = 400  # article pages held in memory at once (≈30 MB of HTML)
STORE_BATCH = 2000  # articles stored per transaction

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
    feeds = list_feeds(db)
    return write_opml([FeedRecord(f.url, f.title, f.category, f.site_url) for f in feeds])


# --- the night --------------------------------------------------------------------------


def _new_pool(workers: int, size: int) -> ProcessPoolExecutor | None:
    workers = workers or os.cpu_count() or 1
    if workers > 1 and size >= POOL_MIN_BATCH:
        return process_pool(workers)
    return None


@dataclass
class _InFlight:
    """Requests fetched, their processing handed to the pool and not yet collected."""

    answers: list[FetchResult]
    futures: dict
    fn: Callable
    args_for: Callable


def _fetch_and_submit(requests: list[FetchRequest], fs, fn, args_for, pool) -> _InFlight:
    """Fetch every request and, as each answer arrives, submit fn(*args_for(answer)) to the
    pool: parsing and extraction overlap the downloads instead of waiting for the last one."""
    futures: dict = {}

    def on_result(i: int, answer: FetchResult) -> None:
        args = args_for(answer)
        if args is not None and pool is not None:
            try:
                futures[i] = pool.submit(fn, *args)
            except (BrokenProcessPool, RuntimeError, OSError):
                pass  # done in _collect, in this process

    return _InFlight(fetch_all(requests, fs, on_result=on_result), futures, fn, args_for)


def _collect(work: _InFlight) -> tuple[list[FetchResult], list]:
    """(answers, outputs); outputs[i] is None where args_for(answer) is None."""
    outputs: list = [None] * len(work.answers)
    for i, answer in enumerate(work.answers):
        args = work.args_for(answer)
        if args is None:
            continue
        if i in work.futures:
            try:
                outputs[i] = work.futures[i].result()
                continue
            except (BrokenProcessPool, pickle.PicklingError, OSError):
                pass  # a pool that cannot work must not cost the night
        outputs[i] = work.fn(*args)
    return work.answers, outputs


def _fetch_and_process(requests: list[FetchRequest], fs, fn, args_for, workers: int):
    """Fetch every request and run fn(*args_for(answer)) on each answer in a process pool
    (made when worth it), as answers arrive. Returns (answers, outputs)."""
    pool = _new_pool(workers, len(requests))
    try:
        return _collect(_fetch_and_submit(requests, fs, fn, args_for, pool))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)


def _backoff(error_count: int) -> dt.timedelta:
    return min(dt.timedelta(hours=2 ** min(error_count, 16)), MAX_BACKOFF)


def _duration(wait: dt.timedelta) -> str:
    seconds = int(wait.total_seconds())
    if seconds >= 86400:
        return f"{seconds / 86400:.3g} d"
    if seconds >= 3600:
        return f"{seconds / 3600:.3g} h"
    return f"{max(1, seconds // 60)} min"


def _short(text: str, limit: int = 190) -> str:
    text = clean(text, single_line=True)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class _FeedWork:
    feed_id: int
    url: str
    result: FetchResult
    parsed: ParsedFeed | None = None
    discovered: str = ""  # the feed an HTML page pointed to, fetched in its place
    error: str | None = None
    new: list[EntryRecord] = field(default_factory=list)


@dataclass
class _Story:
    entry: EntryRecord
    text: str
    source: str
    url: str = ""  # the entry's canonical link
    page_url: str | None = None


def _store_insert(session, rows: list[dict]) -> dict[str, int]:
    """Insert articles, skipping keys another writer stored first; key -> id of those inserted."""
    if not rows:
        return {}
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        if dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            from sqlalchemy.dialects.postgresql import insert
        stmt = insert(Article).on_conflict_do_nothing(index_elements=["key"]).returning(Article.key, Article.id)
        # One statement for the batch (SQLAlchemy sends it as multi-row VALUES).
        return {key: id_ for key, id_ in session.execute(stmt, rows)}
    ids = {}
    for values in rows:
        if session.scalar(select(Article.id).where(Article.key == values["key"])) is not None:
            continue
        article = Article(**values)
        session.add(article)
        session.flush()
        ids[values["key"]] = article.id
    return ids


def _follow_alternates(works: list[_FeedWork], fs) -> None:
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
            .where(Feed.retired_on.is_(None))
            .order_by(Feed.id)
        ).all()
    if not due:
        return report

    # 1. fetch, conditionally; 2. parse what changed in the process pool, as it arrives
    tell("fetch", 0, len(due))

    def parse_args(res: FetchResult):
        if res.error is not None or res.status == 304:
            return None
        return (res.body, res.final_url or res.url, res.content_type)

    results, parsed = _fetch_and_process(
        [FetchRequest(url, etag, lm) for _, url, etag, lm in due], fs, parse_feed, parse_args, fs.workers
    )
    tell("fetch", len(due), len(due))
    works = [_FeedWork(fid, url, res) for (fid, url, _, _), res in zip(due, results)]
    to_parse = []
    for w, p in zip(works, parsed):
        if w.result.error:
            w.error = w.result.error
        elif p is not None:
            w.parsed = p
            to_parse.append(w)
            if p.error:
                w.error = p.error
    tell("parse", len(to_parse), len(to_parse))  # parsed while fetching
    _follow_alternates([w for w in to_parse if w.parsed.alternate], fs)

    # Entries older than the retention age would be pruned tonight: never store them.
    cutoff = retention_cutoff(settings, now)
    if cutoff is not None:
        for w in works:
            if w.parsed and not w.error:
                w.parsed.entries = [e for e in w.parsed.entries if e.published is None or e.published >= cutoff]

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
            link = canonical_url(e.url) if e.url else ""
            story = _Story(e, text, source, link)
            stories[e.key] = story
            # A local feed is the offline demo: its links are never fetched.
            if len(e.content) < fs.min_feed_text and remote_feed and link.startswith(("http://", "https://")):
                story.page_url = link
                page_wanted.append(story)
    if page_wanted:
        page_wanted = _across_hosts(page_wanted)
        # Pages are extracted in the process pool while the rest are still downloading.
        tell("pages", 0, len(page_wanted))

        def extract_args(page: FetchResult):
            if page.error is not None or not page.body:
                return None
            return (page.body, page.final_url or page.url)

        pool = _new_pool(fs.workers, len(page_wanted))
        page_fs = replace(fs, deadline=fs.page_deadline)  # a page waits less than a feed

        def use(batch: list[_Story], work: _InFlight) -> None:
            pages, texts = _collect(work)
            report.pages_fetched += sum(1 for p in pages if p.error is None and p.body)
            for story, text in zip(batch, texts):
                if text and len(text) > len(story.text):
                    story.text, story.source = text, "page"

        try:
            # In batches, so that the HTML of 10,000 pages is never all in memory at once; the
            # next batch downloads while the pool still extracts the last one, so it never idles.
            previous = None
            for start in range(0, len(page_wanted), PAGE_BATCH):
                batch = page_wanted[start : start + PAGE_BATCH]
                work = _fetch_and_submit([FetchRequest(s.page_url) for s in batch], page_fs, extract_text,
                                         extract_args, pool)
                if previous is not None:
                    use(*previous)
                    tell("pages", start, len(page_wanted))
                previous = (batch, work)
            if previous is not None:
                use(*previous)
                tell("pages", len(page_wanted), len(page_wanted))
        finally:
            if pool is not None:
                pool.shutdown(wait=True, cancel_futures=True)
        tell("extract", report.pages_fetched, report.pages_fetched)  # extracted while fetching

    # 5. store, a few thousand articles per transaction (a commit per feed cost a fifth of it)
    tell("store", 0, len(works))
    done = 0
    for batch in _store_batches(works):
        for w, ids in zip(batch, _store_batch(db, batch, stories, now)):
            if w.error:
                report.feeds_failed.append((w.url, w.error))
            elif w.result.status == 304:
                report.not_modified += 1
            else:
                report.feeds_ok += 1
            report.new_article_ids.extend(ids)
        done += len(batch)
        tell("store", done, len(works))
    return report


def _across_hosts(stories: list[_Story]) -> list[_Story]:
    """Round-robin over the pages' hosts: a batch of pages from one or two sites would be
    held to their per-host limits while the other slots wait."""
    by_host: dict[str, list[_Story]] = {}
    for story in stories:
        by_host.setdefault((urlsplit(story.page_url).hostname or "").lower(), []).append(story)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]


def _store_batches(works: list[_FeedWork]):
    batch, size = [], 0
    for w in works:
        batch.append(w)
        size += 1 + len(w.new)
        if size >= STORE_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def _store_batch(db, works: list[_FeedWork], stories: dict[str, _Story], now: dt.datetime) -> list[list[int]]:
    """Store the feeds' articles and state in one transaction; the new article ids per feed.

    If that fails, each feed is stored in its own, so that a database hiccup on one feed is
    that feed's failure alone. A run killed meanwhile leaves the batch unstored and its feeds
    unmarked: the next run fetches and stores them again.
    """
    try:
        with db.session() as s:
            return _store_feeds(s, works, stories, now)
    except Exception:
        pass
    out = []
    for w in works:
        try:
            with db.session() as s:
                [ids] = _store_feeds(s, [w], stories, now)
        except Exception as exc:
            w.error = f"cannot store: {type(exc).__name__}: {_short(str(exc), 150)}"
            w.new = []
            with db.session() as s:
                [ids] = _store_feeds(s, [w], stories, now)
        out.append(ids)
    return out


def _store_feeds(s, works: list[_FeedWork], stories: dict[str, _Story], now: dt.datetime) -> list[list[int]]:
    """The feeds' new articles and their states, in session `s`; the new article ids per feed.
    One query loads the feeds and one INSERT stores the articles (a statement per feed was
    most of a small night's store)."""
    s.scalars(select(Feed).where(Feed.id.in_([w.feed_id for w in works]))).all()  # s.get finds them
    updated = [_update_feed(s, w, stories, now) for w in works]
    inserted = _store_insert(s, [row for u in updated if u for row in u[1]])
    out = []
    for u in updated:
        if u is None:
            out.append([])
            continue
        feed, rows, moved = u
        ids = [inserted[row["key"]] for row in rows if row["key"] in inserted]
        feed.last_status, feed.health = f"ok: {len(ids)} new{moved}", FeedHealth.OK
        out.append(ids)
    return out


def _update_feed(s, w: _FeedWork, stories: dict[str, _Story], now: dt.datetime):
    """A feed's state (status, validators, backoff) after tonight's answer, in session `s`;
    when it brought entries, (feed, the rows of its new articles, "moved" note) to insert."""
    feed = s.get(Feed, w.feed_id)
    if feed is None:  # removed while we were fetching
        return None
    res = w.result
    feed.last_checked = now
    if res.status == 410:
        # The server says the feed is gone for good: stop asking (re-add it to resume).
        feed.error_count = (feed.error_count or 0) + 1
        feed.last_error = _short(w.error or "HTTP 410 Gone", 1000)
        feed.last_status = "retired: HTTP 410 Gone, no longer fetched"
        feed.health, feed.retired_on, feed.next_check = FeedHealth.GONE, now.date(), None
        return None
    if w.error:
        feed.error_count = (feed.error_count or 0) + 1
        feed.last_error = _short(w.error, 1000)
        wait = _backoff(feed.error_count)
        if res.retry_after:
            wait = min(max(wait, dt.timedelta(seconds=res.retry_after)), MAX_BACKOFF)
        feed.health, feed.next_check = FeedHealth.FAILING, now + wait
        feed.last_status = _short(f"error: {w.error}", 140) + f" (failure {feed.error_count}, next try in {_duration(wait)})"
        return None

    feed.error_count = 0
    feed.last_error = None
    feed.next_check = None
    if res.status != 304 or res.etag:
        feed.etag = res.etag[:500] if res.etag else None
    if res.status != 304 or res.last_modified:
        feed.last_modified = res.last_modified[:100] if res.last_modified else None
    moved = ""
    new_url = w.discovered or (res.final_url if res.permanent_redirect else "")
    if new_url and new_url != feed.url:
        taken = s.scalar(select(Feed.id).where(Feed.url == new_url, Feed.id != feed.id))
        if taken is None:
            feed.url = new_url[:2000]
            moved = f", moved to {_short(new_url, 100)}"
    if res.status == 304:
        feed.last_status, feed.health = "not modified", FeedHealth.NOT_MODIFIED
        return None

    parsed = w.parsed
    if parsed:
        if not feed.title and parsed.title:
            feed.title = parsed.title[:500]
        if not feed.site_url and parsed.site_url:
            feed.site_url = parsed.site_url[:2000]
    rows = []
    for e in w.new:
        story = stories[e.key]
        published = min(e.published or now, now)  # never in the future, never missing
        rows.append(dict(
            key=e.key, feed_id=feed.id, url=story.url[:2000],
            title=e.title[:1000], summary=e.summary, text=story.text, text_source=story.source,
            language="", published=published, fetched_at=now,
        ))
    return feed, rows, moved
