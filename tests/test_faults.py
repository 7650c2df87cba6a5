"""The fault matrix: every way the internet breaks a feed, each against a real loopback server.

One night ingests all the faulty feeds beside good ones: the night completes, every good
feed is ingested, and each faulty feed ends with a clear status in `matcher feeds status`.
"""

import datetime as dt
import email.utils
import gzip
import json
import time
import zlib

import pytest
from sqlalchemy import func, select

from matcher.config import FetchSettings, Settings
from matcher.feeds.ingest import add_feed, ingest, list_feeds
from matcher.feeds.parse import MAX_ENTRY_CHARS
from matcher.models import Article
from tests.feedserver import LONG, rss

NOW = dt.datetime(2026, 11, 20, 6, 0)
# Short limits so the whole matrix runs in seconds: 2 s between bytes, 3 s per feed.
FAST = FetchSettings(timeout=2.0, deadline=3.0, max_bytes=2_000_000, workers=2)


@pytest.fixture
def settings(tmp_path):
    return Settings(home=tmp_path / "home", fetch=FAST)


def by_url(db):
    return {f.url: f for f in list_feeds(db)}


def stored(db):
    with db.session() as s:
        return {a.title: a for a in s.scalars(select(Article))}


def good_feed(name, n=3):
    return rss(name, [{"title": f"{name} story {i}", "link": f"https://{name}.example/{i}",
                       "guid": f"{name}-{i}", "content": LONG,
                       "date": "Wed, 18 Nov 2026 08:00:00 GMT"} for i in range(n)])


def gzip_bomb(size=300_000_000) -> bytes:
    """~300 kB of gzip that inflates to 300 MB of zeros."""
    z = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(1 << 20)
    return b"".join(z.compress(block) for _ in range(size >> 20)) + z.flush()


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><title>Laughs</title>'
    '<item><title>&lol9;</title><link>https://laughs.example/1</link></item>'
    '<item><title>Laughs survivor</title><link>https://laughs.example/2</link><description>'
    + "kept " * 200 + "</description></item></channel></rss>"
).encode()

INVALID_XML = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Broken</title>'
    b"<item><title>Broken first</title><link>https://broken.example/1</link></item>"
    b"<item><title>Broken & second <b></title><link>https://broken.example/2</link></item>"
    b"<item><title>Broken third</title><link>https://broken.example/3</link>"  # never closed
)

LATIN1_SAYS_UTF8 = (
    '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Caffè</title>'
    "<item><title>Perché la città cambia</title><link>https://latin.example/1</link>"
    "<description>Un caffè è più caro</description></item></channel></rss>"
).encode("latin-1")

NO_CHARSET = (
    '<?xml version="1.0"?><rss version="2.0"><channel><title>Senza</title>'
    "<item><title>Società senza charset</title><link>https://nocharset.example/1</link></item>"
    "</channel></rss>"
).encode("utf-8")


@pytest.mark.slow
def test_fault_matrix_night_completes_with_clear_statuses(db, db_url, settings, feed_server, raw_server, monkeypatch,
                                                         cli):
    fs = feed_server
    # the good ones
    for name in ("alpha", "beta", "gamma"):
        fs.set(f"/{name}.xml", good_feed(name))
    # HTTP errors and redirects
    fs.special("/gone.xml", status=410, body="gone")
    fs.special("/busy.xml", status=429, headers={"Retry-After": str(5 * 3600)})
    in_3_days = email.utils.formatdate(time.time() + 3 * 86400, usegmt=True)
    fs.special("/down.xml", status=503, headers={"Retry-After": in_3_days})
    fs.set("/moved-here.xml", good_feed("moved"))
    fs.redirect("/moved.xml", "/moved-here.xml", status=301)
    fs.set("/temp-here.xml", good_feed("temp"))
    fs.redirect("/temp.xml", "/temp-here.xml", status=302)
    fs.redirect("/loop-a.xml", "/loop-b.xml", status=301)
    fs.redirect("/loop-b.xml", "/loop-a.xml", status=302)
    # bodies that try to eat the memory
    huge = fs.special("/huge.xml", content_type="application/rss+xml",
                      stream=lambda: (b"<rss>" if i == 0 else b" " * 65536 for i in range(200 * 16 + 1)))
    fs.special("/bomb.xml", body=gzip_bomb(), content_type="application/rss+xml",
               headers={"Content-Encoding": "gzip"})
    fs.set("/laughs.xml", BILLION_LAUGHS)
    # broken documents whose readable entries are kept
    fs.set("/broken.xml", INVALID_XML)
    fs.set("/latin.xml", LATIN1_SAYS_UTF8, "application/rss+xml; charset=utf-8")
    fs.set("/nocharset.xml", NO_CHARSET, "application/octet-stream")
    fs.set("/gzipped.xml", b"", "application/rss+xml")
    fs.special("/gzipped.xml", body=gzip.compress(good_feed("zipped")), content_type="application/rss+xml",
               headers={"Content-Encoding": "gzip"})
    # an HTML page that names its feed
    fs.set("/site.html", '<!DOCTYPE html><html><head><title>Site</title><link rel="alternate" '
           'type="application/rss+xml" href="/site-feed.xml"></head><body>Hello</body></html>', "text/html")
    fs.set("/site-feed.xml", good_feed("site"))
    fs.set("/login.html", "<!DOCTYPE html><html><body>Please log in</body></html>", "text/html")
    # entries that are odd but fine
    fs.set("/odd.xml", rss("Odd", [
        {"title": "Odd dup", "guid": "same", "link": "https://odd.example/1", "content": LONG},
        {"title": "Odd dup again", "guid": "same", "link": "https://odd.example/2", "content": LONG},
        {"title": "Odd undated", "guid": "undated", "content": "<p>No link, no date.</p>"},
        {"title": "Odd future", "guid": "future", "link": "https://odd.example/f",
         "date": "Sat, 01 Jan 2033 00:00:00 GMT", "content": LONG},
        {"title": "Odd huge", "guid": "huge", "link": "https://odd.example/h",
         "content": "<p>" + "enormous entry text " * 40_000 + "</p>"},
    ]))
    fs.set("/odd-copy.xml", rss("Odd copy", [
        {"title": "Odd dup from elsewhere", "guid": "same", "link": "https://copy.example/1", "content": LONG},
    ]))

    silent, dribble, garbage, hangup = (raw_server(b) for b in ("silent", "dribble", "garbage", "hangup"))
    feeds = {
        "refused": "http://127.0.0.1:1/feed.xml",
        "silent": silent.url(), "dribble": dribble.url(), "garbage": garbage.url(), "hangup": hangup.url(),
    }
    for path in ("alpha", "beta", "gamma", "gone", "busy", "down", "moved", "temp", "loop-a", "huge",
                 "bomb", "laughs", "broken", "latin", "nocharset", "gzipped", "odd", "odd-copy"):
        feeds[path] = fs.url(f"/{path}.xml")
    feeds["missing"] = fs.url("/missing.xml")
    feeds["site"] = fs.url("/site.html")
    feeds["login"] = fs.url("/login.html")
    ids = {name: add_feed(db, url).id for name, url in feeds.items()}

    # The deadline bounds the night: the feeds that stall or drip end "timed out" (below).
    report = ingest(db, settings, now=NOW)

    feeds_now = {f.id: f for f in list_feeds(db)}
    status = {name: feeds_now[i].last_status for name, i in ids.items()}
    errors = {name: feeds_now[i].error_count for name, i in ids.items()}
    nxt = {name: feeds_now[i].next_check for name, i in ids.items()}

    # every good feed is in, whatever happened to the others
    arts = stored(db)
    for name in ("alpha", "beta", "gamma", "moved", "temp", "zipped", "site"):
        assert {f"{name} story {i}" for i in range(3)} <= set(arts), name
    ok = {"alpha", "beta", "gamma", "moved", "temp", "gzipped", "site", "laughs", "broken",
          "latin", "nocharset", "odd", "odd-copy"}
    for name in ok:
        assert status[name].startswith("ok: ") and errors[name] == 0 and nxt[name] is None, (name, status[name])
    assert report.feeds_ok == len(ok)

    failed = set(feeds) - ok
    for name in failed - {"gone"}:
        assert status[name].startswith("error: ") and errors[name] == 1, (name, status[name])
        assert "next try in" in status[name] and nxt[name] > NOW
    assert {u for u, _ in report.feeds_failed} == {feeds[n] for n in failed}

    assert "cannot connect" in status["refused"]
    for name in ("silent", "dribble"):
        assert "timed out" in status[name], status[name]
    assert status["garbage"].startswith("error: network error") or "protocol" in status["garbage"].lower()
    assert status["missing"].startswith("error: HTTP 404 Not Found")
    assert status["gone"] == "retired: HTTP 410 Gone, no longer fetched"
    assert status["busy"].startswith("error: HTTP 429") and nxt["busy"] == NOW + dt.timedelta(hours=5)
    assert status["down"].startswith("error: HTTP 503")
    assert abs(nxt["down"] - (NOW + dt.timedelta(days=3))) < dt.timedelta(minutes=5)
    assert "too many redirects" in status["loop-a"]
    assert "larger than 2000000 bytes" in status["huge"] and huge.sent < 20_000_000
    assert "larger than 2000000 bytes" in status["bomb"]
    assert "HTML page" in status["login"]

    # 301 updates the stored URL, 302 does not; the page's alternate becomes the feed
    assert feeds_now[ids["moved"]].url == fs.url("/moved-here.xml")
    assert feeds_now[ids["temp"]].url == fs.url("/temp.xml")
    assert feeds_now[ids["site"]].url == fs.url("/site-feed.xml") and "moved to" in status["site"]

    # the broken documents: readable entries kept, text decoded
    assert "Laughs survivor" in arts and all(len(a.title) < 1000 for a in arts.values())
    assert {"Broken first"} <= set(arts)
    assert "Perché la città cambia" in arts and "Società senza charset" in arts
    # odd entries: one per GUID across feeds, dates never in the future nor missing, text capped
    assert "Odd dup" in arts and "Odd dup again" not in arts and "Odd dup from elsewhere" not in arts
    assert arts["Odd undated"].published == NOW and arts["Odd undated"].url == ""
    assert arts["Odd future"].published == NOW
    assert MAX_ENTRY_CHARS // 2 < len(arts["Odd huge"].text) <= MAX_ENTRY_CHARS
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Article).where(Article.key.is_(None))) == 0

    # `matcher feeds status` says it, one line a feed, for people and scripts
    monkeypatch.setenv("MATCHER_DB", db_url)
    res = cli("feeds", "status", "--json", home=settings.home)
    rows = {r["url"]: r for r in json.loads(res.output)}
    assert rows[feeds["missing"]]["status"].startswith("error: HTTP 404")
    assert rows[feeds["gone"]]["status"].startswith("retired")
    res = cli("feeds", "status", "--failing", "--json", home=settings.home)
    failing = {r["url"] for r in json.loads(res.output)}
    assert feeds["missing"] in failing and feeds["alpha"] not in failing


@pytest.mark.slow
def test_failing_feed_backs_off_exponentially_and_recovers(db, settings, feed_server):
    feed_server.special("/flaky.xml", status=500)
    feed = add_feed(db, feed_server.url("/flaky.xml"))
    now, waits = NOW, []
    for _ in range(4):
        ingest(db, settings, now=now)
        f = by_url(db)[feed.url]
        waits.append(f.next_check - now)
        # not due yet: not even asked
        asked = len(feed_server.requests_for("/flaky.xml"))
        ingest(db, settings, now=now + (f.next_check - now) / 2)
        assert len(feed_server.requests_for("/flaky.xml")) == asked
        now = f.next_check
    assert waits == [dt.timedelta(hours=h) for h in (2, 4, 8, 16)]
    assert by_url(db)[feed.url].error_count == 4
    feed_server.set("/flaky.xml", good_feed("flaky"))
    ingest(db, settings, now=now)
    f = by_url(db)[feed.url]
    assert f.error_count == 0 and f.next_check is None and f.last_status == "ok: 3 new"


def test_retired_feed_is_never_fetched_again(db, settings, feed_server):
    feed_server.special("/gone.xml", status=410)
    feed = add_feed(db, feed_server.url("/gone.xml"))
    ingest(db, settings, now=NOW)
    for days in (1, 2, 30):
        ingest(db, settings, now=NOW + dt.timedelta(days=days))
    assert len(feed_server.requests_for("/gone.xml")) == 1
    retired = by_url(db)[feed.url]
    assert retired.last_status.startswith("retired") and retired.health == "gone"
    assert retired.retired_on == NOW.date()
    # subscribing again tries it again
    feed_server.set("/gone.xml", good_feed("back"))
    add_feed(db, feed.url)
    assert by_url(db)[feed.url].health == "new" and by_url(db)[feed.url].retired_on is None
    ingest(db, settings, now=NOW + dt.timedelta(days=2))
    assert by_url(db)[feed.url].last_status == "ok: 3 new"


def test_retry_after_longer_than_backoff_is_honoured(db, settings, feed_server):
    feed_server.special("/slow-down.xml", status=429, headers={"Retry-After": str(2 * 86400)})
    feed = add_feed(db, feed_server.url("/slow-down.xml"))
    ingest(db, settings, now=NOW)
    assert by_url(db)[feed.url].next_check == NOW + dt.timedelta(days=2)
    ingest(db, settings, now=NOW + dt.timedelta(days=1))  # a night in between: not asked
    assert len(feed_server.requests_for("/slow-down.xml")) == 1


def test_json_feed_is_read(db, settings, feed_server):
    feed_server.set("/feed.json", json.dumps({
        "version": "https://jsonfeed.org/version/1.1", "title": "JSON news", "home_page_url": "https://j.example/",
        "items": [
            {"id": "j1", "url": "https://j.example/1", "title": "Solar PPAs in Spain",
             "content_html": LONG, "date_published": "2026-11-18T08:00:00+01:00"},
            {"id": "j2", "content_text": "A note without title or link."},
            {"id": "j1", "title": "duplicate id"},
        ],
    }), "application/feed+json")
    feed_server.set("/other.json", '{"hello": "world"}', "application/json")
    good = add_feed(db, feed_server.url("/feed.json"))
    other = add_feed(db, feed_server.url("/other.json"))
    report = ingest(db, settings, now=NOW)
    assert report.feeds_ok == 1 and len(report.new_article_ids) == 2
    arts = stored(db)
    assert arts["Solar PPAs in Spain"].published == dt.datetime(2026, 11, 18, 7, 0)
    assert "Minas Gerais" in arts["Solar PPAs in Spain"].text
    assert by_url(db)[good.url].title == "JSON news"
    assert "not a JSON Feed" in by_url(db)[other.url].last_status
