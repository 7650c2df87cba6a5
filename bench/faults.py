"""A night of faults with the default deadlines: how long the worst servers hold the night.

    python bench/faults.py [--page]

Good feeds beside every way a server can fail (refused, silent, dribbling a byte a second,
garbage, hang-up, 404, 410, 429, 503, a redirect loop, a body too large, a gzip bomb), each
against a real server on 127.0.0.1, ingested once with `FetchSettings()` as shipped. Prints
the night's duration (target: under 40 s) and each feed's status. With --page, one good
feed's article page dribbles too: pages are fetched after the feeds, so the two deadlines
add up (30 + 20 s).
"""

from __future__ import annotations

import datetime as dt
import gzip
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from matcher.config import FetchSettings, Settings  # noqa: E402
from matcher.db import Database  # noqa: E402
from matcher.feeds.ingest import add_feed, ingest, list_feeds  # noqa: E402
from tests.feedserver import LONG, FeedServer, RawServer, rss  # noqa: E402

NOW = dt.datetime(2026, 11, 20, 6, 0)


def main() -> int:
    with_page = "--page" in sys.argv[1:]
    fs = FeedServer().start()
    raw = {b: RawServer(b) for b in ("silent", "dribble", "garbage", "hangup")}
    page = RawServer("dribble")
    try:
        for name in ("alpha", "beta", "gamma"):
            fs.set(f"/{name}.xml", rss(name, [{"title": f"{name} {i}", "guid": f"{name}{i}",
                                                "link": f"https://{name}.example/{i}", "content": LONG}
                                               for i in range(3)]))
        fs.set("/teaser.xml", rss("teaser", [{"title": "teaser", "guid": "t", "link": page.url("/a.html"),
                                              "content": "<p>Short.</p>"}]))
        fs.special("/gone.xml", status=410, body="gone")
        fs.special("/busy.xml", status=429, headers={"Retry-After": "3600"})
        fs.special("/down.xml", status=503)
        fs.redirect("/loop-a.xml", "/loop-b.xml")
        fs.redirect("/loop-b.xml", "/loop-a.xml")
        fs.special("/huge.xml", content_type="application/rss+xml",
                   stream=lambda: (b"<rss>" if i == 0 else b" " * 65536 for i in range(400)))
        fs.special("/bomb.xml", body=gzip.compress(b"<rss>" + b" " * 50_000_000), content_type="application/rss+xml",
                   headers={"Content-Encoding": "gzip"})
        urls = [fs.url(f"/{n}.xml") for n in ("alpha", "beta", "gamma", "gone", "busy", "down",
                                                "loop-a", "huge", "bomb", "missing")]
        if with_page:
            urls.append(fs.url("/teaser.xml"))
        urls += [server.url() for server in raw.values()] + ["http://127.0.0.1:1/refused.xml"]
        with tempfile.TemporaryDirectory() as tmp:
            db = Database(f"sqlite:///{tmp}/m.db")
            for url in urls:
                add_feed(db, url)
            settings = Settings(home=Path(tmp), fetch=FetchSettings())
            start = time.perf_counter()
            report = ingest(db, settings, now=NOW)
            took = time.perf_counter() - start
            f = settings.fetch
            print(f"a night of {len(urls)} feeds ({report.feeds_ok} ok, {len(report.feeds_failed)} failing) "
                  f"with the default deadlines ({f.deadline:g} s a feed, {f.page_deadline:g} s a page): "
                  f"{took:.1f} s (target < 40 s)")
            for feed in list_feeds(db):
                print(f"  {feed.url:<45} {feed.last_status}")
            db.close()
    finally:
        fs.stop()
        for server in [*raw.values(), page]:
            server.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
