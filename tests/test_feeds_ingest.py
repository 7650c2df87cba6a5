import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import select

from matcher.config import FetchSettings, Settings
from matcher.feeds.ingest import add_feed, ingest, list_feeds
from matcher.models import Article
from tests.feedserver import LONG, PAGE, atom, rss

NOW = dt.datetime(2026, 11, 20, 6, 0)


@pytest.fixture(autouse=True)
def offline(monkeypatch):
    """Nothing here may reach past 127.0.0.1: an outside name fails to resolve."""
    import socket

    real = socket.getaddrinfo

    def local_only(host, *args, **kwargs):
        if host not in ("127.0.0.1", "localhost", b"127.0.0.1"):
            raise socket.gaierror(f"test is offline: {host}")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", local_only)


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path, fetch=FetchSettings(timeout=2.0, deadline=3.0, workers=2))


def articles(db):
    with db.session() as s:
        return {a.title: a for a in s.scalars(select(Article))}


def feeds(db):
    return {f.id: f for f in list_feeds(db)}


@pytest.mark.slow
def test_two_feeds_page_fetch_then_304(db, settings, feed_server):
    feed_server.set("/eco.xml", rss("Economia", [
        {"title": "Caffè verde, nuovi contratti", "link": "https://eco.example/1", "guid": "eco-1",
         "date": "Thu, 12 Nov 2026 08:30:00 +0100", "summary": "Sintesi.", "content": LONG},
        {"title": "Porti automatizzati", "link": feed_server.url("/port.html?utm_source=rss&b=1"),
         "date": "Fri, 13 Nov 2026 09:00:00 GMT", "summary": "Porti: breve sintesi."},
        {"title": "Dal futuro", "link": feed_server.url("/missing.html"), "content": "<p>Short</p>",
         "date": "Mon, 30 Nov 2026 09:00:00 GMT"},
    ]))
    feed_server.set("/port.html", PAGE, "text/html; charset=utf-8")
    feed_server.set("/tech.xml", atom("Tech", [
        {"id": "urn:t1", "title": "Kubernetes migration", "link": "", "content": "<p>" + "cloud " * 150 + "</p>"},
        {"id": "urn:t2", "title": "Undated-ish", "link": "", "content": "<p>Plain text.</p>"},
    ]), "application/atom+xml")
    eco = add_feed(db, feed_server.url("/eco.xml"))
    add_feed(db, feed_server.url("/tech.xml"), category="Tech")

    stages = []
    report = ingest(db, settings, now=NOW, progress=lambda *a: stages.append(a))
    assert report.feeds_failed == [] and report.feeds_ok == 2 and report.not_modified == 0
    assert len(report.new_article_ids) == 5
    assert report.pages_fetched == 1
    assert {"fetch", "parse", "pages", "extract", "store"} <= {s[0] for s in stages}

    arts = articles(db)
    coffee, port, future = arts["Caffè verde, nuovi contratti"], arts["Porti automatizzati"], arts["Dal futuro"]
    assert coffee.text_source == "feed" and "Minas Gerais" in coffee.text and coffee.summary == "Sintesi."
    assert coffee.published == dt.datetime(2026, 11, 12, 7, 30)
    assert port.text_source == "page" and "automated cranes" in port.text and "Copyright" not in port.text
    assert port.url == feed_server.url("/port.html?b=1")  # tracking params dropped
    assert future.published == NOW  # clamped
    assert future.text_source == "feed" and future.text == "Short"  # its page was a 404
    assert arts["Kubernetes migration"].text_source == "feed"
    assert arts["Undated-ish"].feed_id is not None

    f = feeds(db)[eco.id]
    assert f.last_status == "ok: 3 new" and f.etag and f.last_modified and f.error_count == 0
    assert f.health == "ok" and f.retired_on is None
    assert f.title == "Economia" and f.site_url == "https://news.example/"
    assert f.last_checked == NOW

    # second night: the server answers 304 to the conditional requests; nothing is added
    report = ingest(db, settings, now=NOW + dt.timedelta(days=1))
    assert report.not_modified == 2 and report.new_article_ids == [] and report.pages_fetched == 0
    last = feed_server.requests_for("/eco.xml")[-1]
    assert last.headers.get("If-None-Match") == f.etag and last.status == 304
    assert feeds(db)[eco.id].last_status == "not modified" and feeds(db)[eco.id].health == "not_modified"
    assert len(feed_server.requests_for("/port.html")) == 1

    # a changed feed: only the new entry is stored; old ones are not re-extracted
    feed_server.set("/eco.xml", rss("Economia", [
        {"title": "Caffè verde, nuovi contratti", "link": "https://eco.example/1", "guid": "eco-1", "content": LONG},
        {"title": "Porti automatizzati", "link": feed_server.url("/port.html?utm_source=rss&b=1")},
        {"title": "Nuovo", "link": "https://eco.example/4", "guid": "eco-4", "content": LONG},
    ]))
    report = ingest(db, settings, now=NOW + dt.timedelta(days=2))
    assert len(report.new_article_ids) == 1 and report.pages_fetched == 0
    assert feeds(db)[eco.id].last_status == "ok: 1 new"


@pytest.mark.slow
def test_pages_in_overlapping_batches(db, settings, feed_server, monkeypatch):
    # Pages go in batches, the next downloading while the last is extracted: every page's text
    # must land on its own article, through the pool (4 pages >= POOL_MIN_BATCH) and across batches.
    from matcher.feeds import pages

    monkeypatch.setattr(pages, "PAGE_BATCH", 2)
    items = []
    for i in range(5):
        feed_server.set(f"/p{i}.html", PAGE.replace(b"Genoa and Valencia", f"Genoa and Valencia {i}".encode()),
                        "text/html; charset=utf-8")
        items.append({"title": f"Teaser {i}", "link": feed_server.url(f"/p{i}.html"), "summary": "Short."})
    feed_server.set("/teasers.xml", rss("Teasers", items))
    add_feed(db, feed_server.url("/teasers.xml"))
    report = ingest(db, replace(settings, fetch=replace(settings.fetch, workers=2)), now=NOW)
    assert report.pages_fetched == 5 and len(report.new_article_ids) == 5
    arts = articles(db)
    for i in range(5):
        assert arts[f"Teaser {i}"].text_source == "page"
        assert f"Genoa and Valencia {i} invest" in arts[f"Teaser {i}"].text


@pytest.mark.slow
def test_broken_feeds_are_recorded_and_good_one_still_ingested(db, settings, feed_server):
    feed_server.set("/html.xml", b"<!DOCTYPE html><html><body>Login</body></html>", "text/html")
    feed_server.set("/junk.xml", b"\x00\x13garbage{{{", "application/octet-stream")
    feed_server.set("/good.xml", rss("Good", [{"title": "Solar PPA in Spain", "link": "https://g.example/1", "content": LONG}]))
    html = add_feed(db, feed_server.url("/html.xml"))
    junk = add_feed(db, feed_server.url("/junk.xml"))
    gone = add_feed(db, feed_server.url("/gone.xml"))
    add_feed(db, feed_server.url("/good.xml"))

    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 1 and len(report.new_article_ids) == 1
    failed = dict(report.feeds_failed)
    assert failed[html.url] == "not a feed: the server answered with an HTML page"
    assert failed[junk.url].startswith("not a feed")
    assert failed[gone.url] == "HTTP 404 Not Found"
    by_id = feeds(db)
    for feed_id in (html.id, junk.id, gone.id):
        f = by_id[feed_id]
        assert f.error_count == 1 and f.last_error and f.last_status.startswith("error: ")
        assert f.health == "failing" and f.retired_on is None
        assert f.next_check == NOW + dt.timedelta(hours=2)

    # not due yet: skipped; when due and still broken, the backoff grows
    assert ingest(db, settings, now=NOW + dt.timedelta(hours=1)).feeds_failed == []
    ingest(db, settings, now=NOW + dt.timedelta(hours=3))
    f = feeds(db)[html.id]
    assert f.error_count == 2 and f.next_check == NOW + dt.timedelta(hours=3 + 4)

    # it recovers: the count is reset
    feed_server.set("/html.xml", rss("Fixed", [{"title": "Back", "link": "https://h.example/1", "content": LONG}]))
    ingest(db, settings, now=NOW + dt.timedelta(days=1))
    f = feeds(db)[html.id]
    assert f.error_count == 0 and f.last_error is None and f.last_status == "ok: 1 new" and f.health == "ok"


def test_permanent_redirect_updates_url_temporary_does_not(db, settings, feed_server):
    feed_server.set("/new.xml", rss("N", [{"title": "a", "link": "https://n.example/a", "content": LONG}]))
    feed_server.set("/other.xml", rss("O", [{"title": "b", "link": "https://n.example/b", "content": LONG}]))
    feed_server.redirect("/old.xml", "/new.xml", status=301)
    feed_server.redirect("/temp.xml", "/other.xml", status=302)
    moved = add_feed(db, feed_server.url("/old.xml"))
    temp = add_feed(db, feed_server.url("/temp.xml"))
    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 2
    by_id = feeds(db)
    assert by_id[moved.id].url == feed_server.url("/new.xml")
    assert by_id[temp.id].url == feed_server.url("/temp.xml")


def test_local_feeds_file_url_and_path(db, settings, tmp_path):
    a = tmp_path / "a.xml"
    a.write_bytes(rss("A", [{"title": "From a file URL", "link": "https://a.example/1", "summary": "short"}]))
    b = tmp_path / "b.xml"
    b.write_bytes(rss("B", [{"title": "From a path", "link": "https://b.example/1", "content": LONG}]))
    add_feed(db, a.as_uri())
    add_feed(db, str(b))
    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 2 and report.pages_fetched == 0  # local feeds never reach out
    arts = articles(db)
    assert arts["From a file URL"].text_source == "summary" and arts["From a file URL"].text == "short"
    assert arts["From a path"].text_source == "feed"


def test_same_story_in_two_feeds_is_stored_once(db, settings, tmp_path):
    item = {"title": "Shared", "link": "https://s.example/1?utm_campaign=x", "content": LONG}
    for name in ("a", "b"):
        (tmp_path / f"{name}.xml").write_bytes(rss(name, [item]))
        add_feed(db, str(tmp_path / f"{name}.xml"))
    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 2 and len(report.new_article_ids) == 1


def test_duplicate_key_race_is_skipped(db, settings, tmp_path, monkeypatch):
    path = tmp_path / "a.xml"
    path.write_bytes(rss("A", [{"title": "Raced", "link": "https://r.example/1", "content": LONG}]))
    add_feed(db, str(path))
    from matcher.feeds import store

    real = store._update_feed

    def racing(session, work, stories, now):
        # another writer stores the same article between our check and our insert
        for e in work.new:
            with db.session() as s:
                s.add(Article(key=e.key, title="by another run", url=e.url))
        return real(session, work, stories, now)

    monkeypatch.setattr(store, "_update_feed", racing)
    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 1 and report.new_article_ids == []
    assert list(articles(db)) == ["by another run"]


def test_a_feed_that_cannot_be_stored_fails_alone(db, settings, tmp_path, monkeypatch):
    # Feeds are stored several per transaction; one feed's database error must not cost the others.
    for i in range(3):
        p = tmp_path / f"s{i}.xml"
        p.write_bytes(rss(f"S{i}", [{"title": f"Stored {i}", "link": f"https://s.example/{i}", "content": LONG}]))
        add_feed(db, str(p))
    from matcher.feeds import store

    real = store._update_feed

    def flaky(session, work, stories, now):
        if work.url.endswith("s1.xml") and work.new:
            raise RuntimeError("disk says no")
        return real(session, work, stories, now)

    monkeypatch.setattr(store, "_update_feed", flaky)
    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 2 and len(report.new_article_ids) == 2
    assert sorted(articles(db)) == ["Stored 0", "Stored 2"]
    broken = next(f for f in feeds(db).values() if f.url.endswith("s1.xml"))
    assert "cannot store: RuntimeError: disk says no" in broken.last_error and broken.error_count == 1


@pytest.mark.slow
def test_process_pool_batch(db, settings, tmp_path):
    for i in range(5):
        p = tmp_path / f"f{i}.xml"
        p.write_bytes(rss(f"F{i}", [{"title": f"Item {i}", "link": f"https://p.example/{i}", "content": LONG}]))
        add_feed(db, str(p))
    report = ingest(db, replace(settings, fetch=replace(settings.fetch, workers=2)), now=NOW)
    assert report.feeds_ok == 5 and len(report.new_article_ids) == 5


@pytest.mark.slow
def test_bundled_sample_feeds_ingest_offline(db, settings):
    from pathlib import Path

    sample = sorted((Path(__file__).parent.parent / "data" / "feeds").glob("*.xml"))
    assert len(sample) >= 3
    for path in sample:
        add_feed(db, str(path))
    report = ingest(db, settings, now=NOW)
    assert report.feeds_failed == [] and report.feeds_ok == len(sample) and report.pages_fetched == 0
    arts = articles(db)
    assert len(arts) >= 8 * len(sample)
    assert all(dt.datetime(2026, 11, 10) <= a.published <= NOW for a in arts.values())
    assert any("Brasil" in a.text for a in arts.values())


def test_pages_go_round_robin_over_hosts():
    from matcher.feeds.pages import across_hosts
    from matcher.feeds.store import Story

    stories = [Story(None, "", "summary", page_url=f"https://{h}.example/{i}")
               for i, h in enumerate("aaabbc")]
    order = [s.page_url for s in across_hosts(stories)]
    assert order == ["https://a.example/0", "https://b.example/3", "https://c.example/5",
                     "https://a.example/1", "https://b.example/4", "https://a.example/2"]
