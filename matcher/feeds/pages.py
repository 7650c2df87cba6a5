"""The page round: an entry whose feed gives little text gets its article page fetched and
its main text extracted, in a process pool while the next pages download."""

from __future__ import annotations

from dataclasses import replace
from typing import Callable
from urllib.parse import urlsplit

from matcher.config import FetchSettings
from matcher.feeds.extract import extract_text
from matcher.feeds.fetch import FetchRequest, FetchResult, is_local
from matcher.feeds.parse import canonical_url
from matcher.feeds.rounds import InFlight, collect, fetch_and_submit, new_pool
from matcher.feeds.store import FeedWork, Story

PAGE_BATCH = 400  # article pages held in memory at once (≈30 MB of HTML)


def feed_texts(works: list[FeedWork], fs: FetchSettings) -> tuple[dict[str, Story], list[Story]]:
    """Each new entry's text as the feed gives it (its content, else its summary), by key;
    and the stories whose page is worth fetching (too little text in the feed)."""
    stories: dict[str, Story] = {}
    page_wanted: list[Story] = []
    for w in works:
        remote_feed = not is_local(w.url)
        for e in w.new:
            text = e.content if len(e.content) >= len(e.summary) else e.summary
            source = "feed" if e.content and text is e.content else "summary"
            link = canonical_url(e.url) if e.url else ""
            story = Story(e, text, source, link)
            stories[e.key] = story
            # A local feed is the offline demo: its links are never fetched.
            if len(e.content) < fs.min_feed_text and remote_feed and link.startswith(("http://", "https://")):
                story.page_url = link
                page_wanted.append(story)
    return stories, page_wanted


def across_hosts(stories: list[Story]) -> list[Story]:
    """Round-robin over the pages' hosts: a batch of pages from one or two sites would be
    held to their per-host limits while the other slots wait."""
    by_host: dict[str, list[Story]] = {}
    for story in stories:
        by_host.setdefault((urlsplit(story.page_url).hostname or "").lower(), []).append(story)
    queues = list(by_host.values())
    return [q[i] for i in range(max(map(len, queues))) for q in queues if i < len(q)]


def _extract_args(page: FetchResult):
    if page.error is not None or not page.body:
        return None
    return (page.body, page.final_url or page.url)


def _use(batch: list[Story], work: InFlight) -> int:
    """Take a batch's extracted texts where longer than the feed's; the pages fetched."""
    pages, texts = collect(work)
    for story, text in zip(batch, texts):
        if text and len(text) > len(story.text):
            story.text, story.source = text, "page"
    return sum(1 for p in pages if p.error is None and p.body)


def fetch_pages(wanted: list[Story], fs: FetchSettings, tell: Callable[[str, int, int], None]) -> int:
    """Fetch and extract the stories' pages (their text replaces the feed's when longer);
    returns how many pages were fetched."""
    wanted = across_hosts(wanted)
    tell("pages", 0, len(wanted))
    pool = new_pool(fs.workers, len(wanted))
    page_fs = replace(fs, deadline=fs.page_deadline)  # a page waits less than a feed
    fetched = 0
    try:
        # In batches, so that the HTML of 10,000 pages is never all in memory at once; the
        # next batch downloads while the pool still extracts the last one, so it never idles.
        previous = None
        for start in range(0, len(wanted), PAGE_BATCH):
            batch = wanted[start : start + PAGE_BATCH]
            work = fetch_and_submit([FetchRequest(s.page_url) for s in batch], page_fs, extract_text,
                                    _extract_args, pool)
            if previous is not None:
                fetched += _use(*previous)
                tell("pages", start, len(wanted))
            previous = (batch, work)
        if previous is not None:
            fetched += _use(*previous)
            tell("pages", len(wanted), len(wanted))
    finally:
        if pool is not None:
            pool.shutdown(wait=True, cancel_futures=True)
    return fetched
