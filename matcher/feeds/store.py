"""Storing a night's feeds: their new articles, a few thousand per transaction, and each
feed's health after tonight's answer (status, validators, backoff, retirement)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select

from matcher.feeds.fetch import FetchResult
from matcher.feeds.parse import EntryRecord, ParsedFeed
from matcher.models import Article, Feed, FeedHealth
from matcher.textsafe import clean

MAX_BACKOFF = dt.timedelta(days=7)
STORE_BATCH = 2000  # articles stored per transaction


@dataclass
class FeedWork:
    """One due feed through the night: its answer, what parsed, the entries new to us."""

    feed_id: int
    url: str
    result: FetchResult
    parsed: ParsedFeed | None = None
    discovered: str = ""  # the feed an HTML page pointed to, fetched in its place
    error: str | None = None
    new: list[EntryRecord] = field(default_factory=list)

    @property
    def usable(self) -> bool:
        """Parsed without an error: its entries count tonight."""
        return self.parsed is not None and not self.error


@dataclass
class Story:
    """A new entry's full text and where it came from (feed, summary or page)."""

    entry: EntryRecord
    text: str
    source: str
    url: str = ""  # the entry's canonical link
    page_url: str | None = None


def store_batches(works: list[FeedWork]):
    """The feeds in groups of about STORE_BATCH articles (a commit per feed cost a fifth of
    the store)."""
    batch, size = [], 0
    for w in works:
        batch.append(w)
        size += 1 + len(w.new)
        if size >= STORE_BATCH:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


def store_batch(db, works: list[FeedWork], stories: dict[str, Story], now: dt.datetime) -> list[list[int]]:
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


def _store_feeds(s, works: list[FeedWork], stories: dict[str, Story], now: dt.datetime) -> list[list[int]]:
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


def _update_feed(s, w: FeedWork, stories: dict[str, Story], now: dt.datetime):
    """A feed's state (status, validators, backoff) after tonight's answer, in session `s`;
    when it brought entries, (feed, the rows of its new articles, "moved" note) to insert."""
    feed = s.get(Feed, w.feed_id)
    if feed is None:  # removed while we were fetching
        return None
    feed.last_checked = now
    if w.result.status == 410:
        _retire(feed, w, now)
        return None
    if w.error:
        _fail(feed, w, now)
        return None
    moved = _answered(s, feed, w)
    if w.result.status == 304:
        feed.last_status, feed.health = "not modified", FeedHealth.NOT_MODIFIED
        return None
    if w.parsed:
        if not feed.title and w.parsed.title:
            feed.title = w.parsed.title[:500]
        if not feed.site_url and w.parsed.site_url:
            feed.site_url = w.parsed.site_url[:2000]
    return feed, [_article_row(feed.id, e, stories[e.key], now) for e in w.new], moved


def _retire(feed: Feed, w: FeedWork, now: dt.datetime) -> None:
    """The server says the feed is gone for good: stop asking (re-adding it resumes)."""
    feed.error_count = (feed.error_count or 0) + 1
    feed.last_error = _short(w.error or "HTTP 410 Gone", 1000)
    feed.last_status = "retired: HTTP 410 Gone, no longer fetched"
    feed.health, feed.retired_on, feed.next_check = FeedHealth.GONE, now.date(), None


def _fail(feed: Feed, w: FeedWork, now: dt.datetime) -> None:
    """A failed check: counted, and the next one waits longer each time (or as the server asks)."""
    feed.error_count = (feed.error_count or 0) + 1
    feed.last_error = _short(w.error, 1000)
    wait = _backoff(feed.error_count)
    if w.result.retry_after:
        wait = min(max(wait, dt.timedelta(seconds=w.result.retry_after)), MAX_BACKOFF)
    feed.health, feed.next_check = FeedHealth.FAILING, now + wait
    feed.last_status = (_short(f"error: {w.error}", 140)
                        + f" (failure {feed.error_count}, next try in {_duration(wait)})")


def _answered(s, feed: Feed, w: FeedWork) -> str:
    """A good answer (200 or 304): errors forgotten, validators kept, a permanent move
    followed; the "moved" note for the status ("" if it did not move)."""
    res = w.result
    feed.error_count = 0
    feed.last_error = None
    feed.next_check = None
    if res.status != 304 or res.etag:
        feed.etag = res.etag[:500] if res.etag else None
    if res.status != 304 or res.last_modified:
        feed.last_modified = res.last_modified[:100] if res.last_modified else None
    new_url = w.discovered or (res.final_url if res.permanent_redirect else "")
    if new_url and new_url != feed.url:
        taken = s.scalar(select(Feed.id).where(Feed.url == new_url, Feed.id != feed.id))
        if taken is None:
            feed.url = new_url[:2000]
            return f", moved to {_short(new_url, 100)}"
    return ""


def _article_row(feed_id: int, e: EntryRecord, story: Story, now: dt.datetime) -> dict:
    published = min(e.published or now, now)  # never in the future, never missing
    return dict(
        key=e.key, feed_id=feed_id, url=story.url[:2000],
        title=e.title[:1000], summary=e.summary, text=story.text, text_source=story.source,
        language="", published=published, fetched_at=now,
    )


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
