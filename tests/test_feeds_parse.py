import datetime as dt
import re

import pytest
from hypothesis import given, settings, strategies as st

from matcher.feeds import parse as P
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


# --- what feedparser's records become ---------------------------------------------------
#
# An article's key comes from its GUID or URL: these records are what the night stores, so a
# change in them (a feedparser upgrade, a change here) shows as every article of a feed stored twice.

FEED_URL = "https://news.example/feeds/rss.xml"
NS = ('xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" '
      'xmlns:media="http://search.yahoo.com/mrss/" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd" '
      'xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dcterms="http://purl.org/dc/terms/"')


def rss_doc(items: str, channel: str = "<title>Notizie &amp; Affari</title><link>/</link>") -> bytes:
    return f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0" {NS}><channel>{channel}{items}</channel></rss>'.encode()



RSS_FULL = rss_doc(
    # content:encoded in CDATA, entities, a relative link, a permalink GUID that is relative
    '<item><title>Caff&#232; &amp; tariffe: &lt;b&gt;su&lt;/b&gt;</title><link>/economia/1?a=1&amp;b=2</link>'
    '<guid>/p/1</guid><pubDate>Thu, 12 Nov 2026 08:30:00 +0100</pubDate>'
    "<description>Breve &amp;amp; chiaro</description>"
    "<content:encoded><![CDATA[<p>Primo <b>paragrafo</b> &amp; altro.</p><p>Secondo.</p><script>x()</script>]]></content:encoded>"
    "<dc:creator>Redazione</dc:creator><category>Economia</category></item>"
    # no date; a GUID that is not a permalink; only content:encoded (copied to the summary)
    '<item><title><![CDATA[Senza <i>data</i>]]></title><link>https://news.example/2</link>'
    '<guid isPermaLink="false">tag:news.example,2026:2</guid>'
    "<content:encoded>&lt;p&gt;Solo contenuto&lt;/p&gt;</content:encoded></item>"
    # a date far in the future, a dc:date too (feedparser: published wins over updated)
    "<item><title>Futuro</title><link>https://news.example/3</link><guid>https://news.example/3</guid>"
    "<pubDate>Sat, 01 Jan 2099 00:00:00 GMT</pubDate><dc:date>2026-11-20T10:00:00Z</dc:date></item>"
    # the same GUID again: one record
    '<item><title>Futuro, di nuovo</title><link>https://news.example/3b</link><guid>https://news.example/3</guid></item>'
    # only dc:date, in W3C-DTF with an offset; a GUID standing in for the missing link
    '<item><title>Solo dc:date</title><guid>https://news.example/5</guid><dc:date>2026-11-19T23:30:00+01:00</dc:date>'
    "<description>Testo</description></item>"
    # an unusual date feedparser reads its own way (a zone name it does not know is UTC)
    '<item><title>Ora CET</title><link>https://news.example/6</link><pubDate>Fri, 20 Nov 2026 13:26:00 CET</pubDate></item>'
    # UTF-8 read as Latin-1 somewhere upstream: feedparser repairs it
    "<item><title>CaffÃ¨ doppio</title><link>https://news.example/7</link><media:thumbnail url=\"https://i.example/7.jpg\"/>"
    '<enclosure url="https://news.example/7.mp3" length="1" type="audio/mpeg"/></item>'
)

ATOM_FULL = (
    b'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom" xml:base="https://atom.example/blog/">'
    b'<title type="html">Il &lt;i&gt;blog&lt;/i&gt;</title><link rel="alternate" type="text/html" href="./"/>'
    b'<link rel="self" href="https://atom.example/feed.atom"/><id>urn:uuid:feed</id><updated>2026-11-20T10:00:00Z</updated>'
    # html summary and content, a relative link resolved against xml:base
    b'<entry><id>urn:uuid:1</id><title>Uno</title><link href="posts/1"/><link rel="enclosure" href="/a.mp3"/>'
    b"<published>2026-11-18T09:00:00+02:00</published><updated>2026-11-19T09:00:00Z</updated>"
    b'<summary type="html">&lt;p&gt;Sommario&lt;/p&gt;</summary><content type="html">&lt;p&gt;Testo &amp;amp; altro&lt;/p&gt;</content>'
    b"<author><name>A</name><email>a@atom.example</email></author><category term=\"x\"/></entry>"
    # XHTML content, no summary (feedparser copies the content into the summary); only <updated>
    b'<entry><id>tag:atom.example,2026:2</id><title type="text">Due &amp; tre</title><link rel="alternate" href="https://atom.example/2"/>'
    b'<updated>2026-11-17T08:00:00Z</updated><content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">'
    b"<p>Primo <b>xhtml</b></p><p>Secondo &amp; ultimo</p></div></content></entry>"
    # no link at all: feedparser takes the id for the link; no date
    b'<entry><id>https://atom.example/3</id><title>Tre</title><content type="text">Solo testo &lt;no&gt;</content></entry>'
    b"</feed>"
)

RDF_FULL = (
    b'<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
    b'xmlns="http://purl.org/rss/1.0/" xmlns:dc="http://purl.org/dc/elements/1.1/">'
    b'<channel rdf:about="https://rdf.example/"><title>RDF</title><link>https://rdf.example/</link>'
    b"<description>d</description><items><rdf:Seq><rdf:li rdf:resource=\"https://rdf.example/1\"/></rdf:Seq></items></channel>"
    b'<item rdf:about="https://rdf.example/1"><title>Uno</title><link>https://rdf.example/1</link>'
    b"<description>Primo &lt;b&gt;uno&lt;/b&gt;</description><dc:date>2026-11-20T08:00:00Z</dc:date></item>"
    b'<item rdf:about="https://rdf.example/2"><title>Due</title><link>https://rdf.example/2</link></item>'
    b"</rdf:RDF>"
)


def test_records_follow_feedparser_rules():
    feed = parse_feed(RSS_FULL, FEED_URL, "application/rss+xml")
    first, second, third, fifth, cet, latin = feed.entries  # the repeated GUID is stored once
    assert feed.title == "Notizie & Affari" and feed.site_url == "https://news.example/"
    assert first.url == "https://news.example/economia/1?a=1&b=2"
    assert first.guid == "https://news.example/p/1"  # a permalink GUID is resolved
    assert first.title == "Caffè & tariffe: su" and first.summary == "Breve & chiaro"
    assert first.content == "Primo paragrafo & altro.\n\nSecondo."
    assert first.published == dt.datetime(2026, 11, 12, 7, 30)
    assert second.published is None and second.summary == second.content == "Solo contenuto"
    assert second.guid == "tag:news.example,2026:2"
    assert third.published == dt.datetime(2099, 1, 1)
    assert fifth.url == "https://news.example/5" and fifth.published == dt.datetime(2026, 11, 19, 22, 30)
    assert cet.published == dt.datetime(2026, 11, 20, 13, 26)
    assert latin.title == "Caffè doppio"
    atom_feed = parse_feed(ATOM_FULL, FEED_URL, "application/atom+xml")
    one, two, three = atom_feed.entries
    assert atom_feed.site_url == "https://atom.example/blog/" and atom_feed.title == "Il blog"
    assert one.url == "https://atom.example/blog/posts/1" and one.published == dt.datetime(2026, 11, 18, 7, 0)
    assert two.summary == two.content == "Primo xhtml\n\nSecondo & ultimo"
    assert two.published == dt.datetime(2026, 11, 17, 8, 0)
    assert three.url == three.guid == "https://atom.example/3" and three.published is None
    rdf_feed = parse_feed(RDF_FULL, FEED_URL, "application/rdf+xml")
    assert [e.guid for e in rdf_feed.entries] == ["https://rdf.example/1", "https://rdf.example/2"]
    assert rdf_feed.entries[0].published == dt.datetime(2026, 11, 20, 8, 0)


BILLION_LAUGHS = (
    '<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY lol "lol">'
    + "".join(f'<!ENTITY lol{i} "' + (f"&lol{i - 1};" if i > 1 else "&lol;") * 10 + '">' for i in range(1, 10))
    + ']><rss version="2.0"><channel><title>Laughs</title>'
    "<item><title>&lol9;</title><link>https://laughs.example/1</link></item>"
    "<item><title>Survivor</title><link>https://laughs.example/2</link></item></channel></rss>"
).encode()
MALFORMED = (
    b'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel><title>Broken</title>'
    b"<item><title>Broken first</title><link>https://broken.example/1</link></item>"
    b"<item><title>Broken & second <b></title><link>https://broken.example/2</link></item>"
    b"<item><title>Broken third</title><link>https://broken.example/3</link>"
)
HTML_PAGE = b"<!DOCTYPE html><html><head><title>x</title></head><body><p>Hi</p></body></html>"


def test_faults_still_behave_as_before():
    laughs = parse_feed(BILLION_LAUGHS, "u", "application/rss+xml")
    assert all(len(e.title) < 1000 for e in laughs.entries)
    assert "Survivor" in [e.title for e in laughs.entries]
    broken = parse_feed(MALFORMED, "u", "application/rss+xml")
    assert "Broken first" in [e.title for e in broken.entries]
    html = parse_feed(HTML_PAGE, "u", "text/html")
    assert html.entries == [] and html.error == "not a feed: the server answered with an HTML page"


def test_external_entities_are_never_read(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-XXE")
    for body in (
        (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY xxe SYSTEM "file://{secret}">]><rss version="2.0"><channel>'
         f"<title>&xxe;</title><item><title>a &xxe;</title><link>https://x.example/1</link>"
         f"<description>&xxe;</description></item></channel></rss>"),
        (f'<?xml version="1.0"?><!DOCTYPE feed SYSTEM "file://{secret}"><feed xmlns="http://www.w3.org/2005/Atom">'
         f"<title>t</title><entry><id>1</id><title>e</title></entry></feed>"),
        (f'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY % p SYSTEM "file://{secret}"> %p;]><rss version="2.0">'
         f"<channel><item><title>t</title></item></channel></rss>"),
    ):
        feed = parse_feed(body.encode(), "https://x.example/feed", "application/rss+xml")
        assert "TOP-SECRET" not in repr(feed)


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=3000).map(lambda b: b'<?xml version="1.0"?><rss version="2.0"><channel><item><title>' + b),
       st.sampled_from(["", "application/rss+xml; charset=utf-8", "text/xml"]))
def test_parse_feed_never_raises_on_xml_prefixed_bytes(body, content_type):
    feed = parse_feed(body, "https://x.example/feed", content_type)
    assert feed.entries or feed.error is None or "\n" not in feed.error


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet=st.sampled_from(list(" \t\n\r\x0b\x0c\x1c\x1f\x85\xa0\u2028\u3000ab\x1b[31m\x9bc<p>&amp;")), max_size=30))
def test_faster_text_cleanup_is_the_same(text):
    from matcher.textsafe import clean

    expected = "\n\n".join(p for p in (" ".join(q.split()) for q in re.split(r"\n\s*\n|\n", clean(text))) if p)
    assert P._paragraphs(P._clean(text)) == expected
    assert P._clean(text, single_line=True) == clean(text, single_line=True)


# html_to_text reads plain markup itself and leaves everything else to html.parser: the output
# must be what the html.parser-only version gave, character for character.

def _html_to_text_reference(html: str) -> str:
    """html_to_text as it was: html.parser for any markup, then clean() and a regex split."""
    from matcher.textsafe import clean

    if not html:
        return ""
    if "<" in html or "&" in html:
        parser = P._TextOnly()
        try:
            parser.feed(html)
            parser.close()
            html = "".join(parser.parts)
        except Exception:  # noqa: BLE001 - as html_to_text did
            html = re.sub(r"<[^>]*>", " ", html)
    text = clean(html)
    return "\n\n".join(p for p in (" ".join(q.split()) for q in re.split(r"\n\s*\n|\n", text)) if p)


_TAG_NAMES = ["p", "P", "div", "br", "b", "a", "span", "script", "SCRIPT", "style", "noscript", "iframe", "svg",
              "template", "table", "tr", "td", "li", "h1", "pre", "x-y", "my:tag", "img", "hr", "title", "textarea"]
_ATTRS = ['', ' class="a"', " id='b'", " x=y", ' d="a>b"', " a", ' a = "b"', " a=b/", " /", "/", ' a="<p>"', " a=`x`",
          ' a="x"b', "\x0b", "\xa0x=1", ' a="', " =x", "\n"]
_ODD = ["<!DOCTYPE html>", "<![CDATA[x<p>y]]>", "<?php x ?>", "<", "< ", "<3", "</>", "</ p>", "<<p>", "<p<b>", "<a href='x'",
        "<!-- c -->", "<!---->", "<!-->", "<!--->", "<!-- a -- b -->", "<!-- x", "<!-- a --!>", "<!-- a -- >", "<!--<p>-->",
        "&", "&amp", "&amp;", "&ampx", "&notin;", "&notit;", "&#233;", "&#xE9;", "&#0;", "&#x80;", "&#xD800;", "&#65",
        "&lt;p&gt;", "&nbsp;", "&Nope;", "&#;", "\x1b[31m", "\x93", "\r\n", "\n", "  ", "é", "\u2028", "a", "b c", "1 < 2",
        "x&y", "tin;", "p;"]


@st.composite
def _markup(draw):
    kind = draw(st.sampled_from(["start", "start", "end", "self", "odd", "odd"]))
    name = draw(st.sampled_from(_TAG_NAMES))
    if kind == "start":
        return f"<{name}{draw(st.sampled_from(_ATTRS))}{draw(st.sampled_from(['>', ' >', '', '/>']))}"
    if kind == "end":
        return f"</{draw(st.sampled_from(['', ' ']))}{name}{draw(st.sampled_from(['>', ' >', chr(11) + '>', '', ' x>']))}"
    if kind == "self":
        return f"<{name}{draw(st.sampled_from(_ATTRS))}/>"
    return draw(st.sampled_from(_ODD))


@settings(max_examples=1500, deadline=None)
@given(st.lists(_markup(), max_size=14).map("".join))
@pytest.mark.slow
def test_html_to_text_is_what_html_parser_gave(html):
    assert html_to_text(html) == _html_to_text_reference(html)


@pytest.mark.parametrize("html", [
    "<p>a &amp; b</p><script>x()</script><p>c</p>", '<div class="x"><p>Un <a href="/a?b=1&amp;c=2">link</a></p></div>',
    "<p>one<br/>two<br>three</p>", "<style>p { color: red }</style>text", "<script>if (a < b) {}</script>after",
    "<!-- wp:paragraph --><p>Gutenberg</p><!-- /wp:paragraph -->", "a < b and c > d", "&#233;t&eacute; &amp",
    "<noscript><p>x</p></noscript>y", "<P CLASS=a>Upper</P>", "<![CDATA[hidden]]>shown", "<p>unclosed <b",
])
def test_html_to_text_examples_are_what_html_parser_gave(html):
    assert html_to_text(html) == _html_to_text_reference(html)
