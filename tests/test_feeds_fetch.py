from dataclasses import replace

import pytest

from matcher.config import FetchSettings
from matcher.feeds.fetch import FetchRequest, fetch_all
from tests.feedserver import rss

FAST = FetchSettings(timeout=2.0, deadline=3.0, user_agent="matcher-test/1")


def test_conditional_get_and_user_agent(feed_server):
    feed_server.set("/a.xml", rss("A", [{"title": "x", "link": "https://x.example/1"}]))
    (first,) = fetch_all([FetchRequest(feed_server.url("/a.xml"))], FAST)
    assert first.status == 200 and first.error is None and first.body.startswith(b"<?xml")
    assert first.etag and first.last_modified and "rss" in first.content_type
    (second,) = fetch_all([FetchRequest(feed_server.url("/a.xml"), first.etag, first.last_modified)], FAST)
    assert second.status == 304 and second.body == b"" and second.error is None
    log = feed_server.requests_for("/a.xml")
    assert log[0].headers["User-Agent"] == "matcher-test/1"
    assert log[1].headers["If-None-Match"] == first.etag
    assert log[1].headers["If-Modified-Since"] == first.last_modified


def test_results_in_order_with_errors(feed_server, tmp_path):
    feed_server.set("/ok.xml", b"<rss/>")
    feed_server.special("/gone.xml", status=410)
    feed_server.special("/busy.xml", status=503, headers={"Retry-After": "120"})
    local = tmp_path / "local.xml"
    local.write_bytes(b"<rss>local</rss>")
    reqs = [
        FetchRequest(feed_server.url("/ok.xml")),
        FetchRequest(feed_server.url("/gone.xml")),
        FetchRequest(feed_server.url("/missing.xml")),
        FetchRequest(feed_server.url("/busy.xml")),
        FetchRequest(local.as_uri()),
        FetchRequest(str(local)),
        FetchRequest(str(tmp_path / "nope.xml")),
        FetchRequest("http://127.0.0.1:1/closed.xml"),
    ]
    res = fetch_all(reqs, FAST)
    assert [r.url for r in res] == [r.url for r in reqs]
    assert res[0].status == 200 and res[0].error is None
    assert res[1].error == "HTTP 410 Gone"
    assert res[2].error == "HTTP 404 Not Found"
    assert res[3].status == 503 and res[3].retry_after == 120.0
    assert res[4].body == res[5].body == b"<rss>local</rss>" and res[4].status == 200
    assert res[6].error.startswith("cannot read") and res[6].status is None
    assert res[7].error.startswith("cannot connect")
    assert all("\n" not in (r.error or "") for r in res)


def test_redirects_permanent_and_temporary(feed_server):
    feed_server.set("/new.xml", b"<rss/>")
    feed_server.redirect("/moved.xml", "/new.xml", status=301)
    feed_server.redirect("/hop.xml", "/moved.xml", status=308)
    feed_server.redirect("/temp.xml", "/new.xml", status=302)
    feed_server.redirect("/mixed.xml", "/temp.xml", status=301)
    moved, hop, temp, mixed = fetch_all(
        [FetchRequest(feed_server.url(p)) for p in ("/moved.xml", "/hop.xml", "/temp.xml", "/mixed.xml")], FAST
    )
    assert moved.final_url == feed_server.url("/new.xml") and moved.permanent_redirect
    assert hop.permanent_redirect and hop.status == 200
    assert temp.final_url == feed_server.url("/new.xml") and not temp.permanent_redirect
    assert not mixed.permanent_redirect


def test_redirect_loop_is_an_error(feed_server):
    feed_server.redirect("/loop.xml", "/loop.xml", status=302)
    (res,) = fetch_all([FetchRequest(feed_server.url("/loop.xml"))], FAST)
    assert res.error == "too many redirects"


def test_body_cap_and_deadline(feed_server):
    feed_server.set("/big.xml", b"x" * 50_000)
    feed_server.special("/slow.xml", body=b"<rss/>", delay=1.5)
    settings = replace(FAST, max_bytes=10_000, deadline=0.5)
    big, slow = fetch_all([FetchRequest(feed_server.url("/big.xml")), FetchRequest(feed_server.url("/slow.xml"))], settings)
    assert big.error == "response larger than 10000 bytes"
    assert slow.error.startswith("timed out")


@pytest.mark.slow
def test_per_host_limit_and_concurrency(feed_server):
    for i in range(6):
        feed_server.special(f"/s{i}.xml", body=b"<rss/>", delay=0.3)
    reqs = [FetchRequest(feed_server.url(f"/s{i}.xml")) for i in range(6)]
    # the server counts the requests it answers at once: the limit is what it sees
    assert all(r.status == 200 for r in fetch_all(reqs, replace(FAST, per_host=2)))
    assert feed_server.most_in_flight == 2
    feed_server.most_in_flight = 0
    assert all(r.status == 200 for r in fetch_all(reqs, replace(FAST, per_host=6)))
    assert feed_server.most_in_flight > 2
