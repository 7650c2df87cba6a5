import datetime as dt

from hypothesis import given, settings, strategies as st

from matcher.feeds.extract import extract_text
from matcher.feeds.parse import article_key, canonical_url, html_to_text, parse_feed
from tests.feedserver import LONG, PAGE, atom, rss


def test_canonical_url_drops_tracking_and_sorts():
    url = "HTTPS://News.Example.COM:443/a/b?utm_source=x&b=2&fbclid=abc&a=1&ref=tw&gclid=1#frag"
    assert canonical_url(url) == "https://news.example.com/a/b?a=1&b=2"
    assert canonical_url("http://x.example") == "http://x.example/"
    assert canonical_url("http://x.example:8080/p?mc_cid=1&mc_eid=2&ocid=3&cmpid=4") == "http://x.example:8080/p"


def test_article_key_prefers_guid_then_url_then_hash():
    assert len(article_key("g1", "http://a/", "t", "c")) == 64
    assert article_key("g1", "http://a/", "t", "c") == article_key("g1", "http://b/", "u", "d")
    assert article_key("", "http://a.example/x?utm_medium=rss", "t", "c") == article_key(
        None, "HTTP://A.EXAMPLE/x#top", "other", "other"
    )
    assert article_key("", "", "t", "c") != article_key("", "", "t", "d")


def test_parse_rss_with_content_encoded():
    body = rss("Economia", [
        {"title": "Caffè <b>verde</b>", "link": "https://n.example/1?utm_source=rss", "guid": "id-1",
         "date": "Thu, 12 Nov 2026 08:30:00 +0100", "summary": "<p>Short.</p>", "content": LONG},
        {"title": "No date", "link": "https://n.example/2"},
    ])
    feed = parse_feed(body, "https://n.example/rss")
    assert feed.error is None
    assert feed.title == "Economia" and feed.site_url == "https://news.example/"
    first, second = feed.entries
    assert first.title == "Caffè verde"
    assert first.published == dt.datetime(2026, 11, 12, 7, 30)
    assert "<p>" not in first.content and first.content.count("\n\n") == 7
    assert first.summary == "Short."
    assert first.key == article_key("id-1", "", "", "")
    assert second.published is None and second.content == ""
    assert second.key == article_key("", "https://n.example/2", "", "")


def test_parse_atom():
    feed = parse_feed(atom("A", [{"id": "urn:1", "title": "T", "link": "https://a.example/1",
                                   "content": "<p>Hello <i>world</i></p>"}]), "https://a.example/atom")
    assert feed.error is None
    (entry,) = feed.entries
    assert entry.content == "Hello world"
    assert entry.published == dt.datetime(2026, 11, 12, 10, 0)


def test_html_and_garbage_are_not_feeds():
    html = parse_feed(b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", "u", "text/html")
    assert html.entries == [] and html.error == "not a feed: the server answered with an HTML page"
    junk = parse_feed(b"\x00\x01\x02 this is not xml at all }{", "u", "application/octet-stream")
    assert junk.entries == [] and junk.error.startswith("not a feed")
    assert "\n" not in junk.error
    assert parse_feed(b"", "u").error.startswith("not a feed")


def test_bozo_feed_with_entries_keeps_them():
    body = rss("Broken", [{"title": "Still here", "link": "https://n.example/1"}]).replace(
        b"</channel></rss>", b"<oops></channel>"
    )
    feed = parse_feed(body, "u")
    assert [e.title for e in feed.entries] == ["Still here"]
    assert feed.error is None


def test_control_sequences_are_stripped_from_text():
    body = rss("F", [{"title": "Bad \x1b[31mred\x1b[0m title", "link": "https://n.example/1"}])
    (entry,) = parse_feed(body, "u").entries
    assert "\x1b" not in entry.title


def test_feed_path_string_is_never_opened(tmp_path):
    secret = tmp_path / "secret.xml"
    secret.write_bytes(rss("Secret", [{"title": "x", "link": "https://s.example/"}]))
    assert parse_feed(str(secret).encode(), "u").entries == []


def test_extract_text_from_page():
    text = extract_text(PAGE, "https://port.example/a")
    assert "automated cranes" in text and "Copyright" not in text
    assert extract_text(b"") == "" and extract_text(b"\x00\xff garbage") == ""


def test_html_to_text_keeps_paragraphs():
    assert html_to_text("<p>a &amp; b</p><script>x()</script><p>c</p>") == "a & b\n\nc"


# --- properties -----------------------------------------------------------------------

_names = st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=8)
_values = st.text(alphabet="abcXYZ019-._~ %&=+", max_size=8)
_tracking = st.sampled_from(["utm_source", "utm_campaign", "fbclid", "gclid", "mc_cid", "ref", "ocid"])


@st.composite
def urls(draw):
    scheme = draw(st.sampled_from(["http", "https", "HTTP", "Https"]))
    host = draw(st.from_regex(r"[A-Za-z][A-Za-z0-9-]{0,10}(\.[A-Za-z]{2,5}){1,2}", fullmatch=True))
    path = draw(st.from_regex(r"(/[A-Za-z0-9._~-]{0,8}){0,3}", fullmatch=True))
    params = draw(st.lists(st.tuples(st.one_of(_names, _tracking), _values), max_size=5))
    frag = draw(st.sampled_from(["", "#top", "#a=b"]))
    from urllib.parse import urlencode

    return f"{scheme}://{host}{path}" + (f"?{urlencode(params)}" if params else "") + frag


@settings(max_examples=150, deadline=None)
@given(urls())
def test_canonical_url_properties(url):
    c = canonical_url(url)
    assert canonical_url(c) == c
    assert "#" not in c
    assert "utm_" not in c and "fbclid" not in c and "gclid" not in c
    assert c.split("://")[0] in ("http", "https")
    assert c.split("://")[1].split("/")[0] == c.split("://")[1].split("/")[0].lower()


@settings(max_examples=200, deadline=None)
@given(st.text())
def test_canonical_url_never_raises(text):
    assert isinstance(canonical_url(text), str)


@settings(max_examples=150, deadline=None)
@given(st.one_of(st.none(), st.text()), st.one_of(st.none(), st.text()), st.text(), st.text())
def test_article_key_is_sha256_hex(guid, url, title, content):
    key = article_key(guid, url, title, content)
    assert len(key) == 64 and all(ch in "0123456789abcdef" for ch in key)
    assert key == article_key(guid, url, title, content)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=2000), st.sampled_from(["", "text/html", "application/rss+xml", "text/xml"]))
def test_parse_feed_never_raises(body, content_type):
    feed = parse_feed(body, "https://x.example/feed", content_type)
    assert feed.entries or feed.error is None or "\n" not in feed.error


@settings(max_examples=60, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=4))
def test_parse_feed_never_raises_on_rss_like_text(titles):
    body = rss("T", [{"title": t, "link": "https://x.example/" + str(i)} for i, t in enumerate(titles)])
    feed = parse_feed(body, "u")
    assert all(len(e.key) == 64 for e in feed.entries)
