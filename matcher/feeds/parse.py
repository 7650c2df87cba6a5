"""Feed bytes → plain records, with feedparser (which is never allowed to fetch anything)."""

from __future__ import annotations

import calendar
import datetime as dt
import hashlib
import io
import json
import re
from dataclasses import dataclass, field
from html import unescape as html_unescape
from html.parser import HTMLParser
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import feedparser

from matcher.textsafe import CONTROL_CHARACTERS, clean

TRACKING_PARAMS = {
    "fbclid", "gclid", "dclid", "gclsrc", "msclkid", "yclid", "igshid", "twclid", "ttclid",
    "mc_cid", "mc_eid", "ref", "ref_src", "ref_url", "referrer", "cmpid", "ocid", "ncid",
    "_hsenc", "_hsmi", "mkt_tok", "spm", "sr_share", "smid", "cmp", "soc_src", "soc_trk",
    "wt_mc", "wt.mc_id", "at_medium", "at_campaign", "rss", "feature",
}
TRACKING_PREFIXES = ("utm_", "pk_", "mtm_", "hsa_")
# A single entry may not be a book: longer texts are cut (a hostile or broken feed).
MAX_ENTRY_CHARS = 200_000
FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/feed+json",
              "application/rdf+xml", "application/xml", "text/xml")


@dataclass
class EntryRecord:
    key: str
    guid: str
    url: str
    title: str
    summary: str
    content: str
    published: dt.datetime | None


@dataclass
class ParsedFeed:
    title: str
    site_url: str
    entries: list[EntryRecord] = field(default_factory=list)
    error: str | None = None
    alternate: str = ""  # an HTML page's <link rel="alternate"> feed, when it was given one


def _is_tracking(name: str) -> bool:
    name = name.lower()
    return name in TRACKING_PARAMS or name.startswith(TRACKING_PREFIXES)


def canonical_url(url: str) -> str:
    """The URL that identifies an article: no fragment, no tracking, sorted query."""
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        host = (parts.hostname or "").lower()
        port = parts.port
    except ValueError:
        return url
    netloc = host
    if port is not None and not ((scheme, port) in (("http", 80), ("https", 443))):
        netloc = f"{host}:{port}"
    if parts.username is not None:
        userinfo = parts.username + (f":{parts.password}" if parts.password is not None else "")
        netloc = f"{userinfo}@{netloc}"
    if not parts.netloc:
        netloc = ""
    path = parts.path
    if not path and netloc and scheme in ("http", "https"):
        path = "/"
    query = sorted((k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k))
    return urlunsplit((scheme, netloc, path, urlencode(query), ""))


def article_key(guid: str | None, url: str | None, title: str | None, content: str | None) -> str:
    """sha256 hex of the GUID, else the canonical URL, else title+content."""
    guid = (guid or "").strip()
    url = (url or "").strip()
    if guid:
        basis = "guid:" + guid
    elif url:
        basis = "url:" + canonical_url(url)
    else:
        basis = "hash:" + (title or "") + (content or "")
    return hashlib.sha256(basis.encode("utf-8", "surrogatepass")).hexdigest()


class _TextOnly(HTMLParser):
    BLOCK = {
        "p", "div", "br", "li", "ul", "ol", "h1", "h2", "h3", "h4", "h5", "h6", "tr",
        "blockquote", "pre", "section", "article", "header", "footer", "figure", "table", "hr",
    }
    SKIP = {"script", "style", "noscript", "template", "iframe", "svg"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self.skipping += 1
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in self.SKIP:
            self.skipping = max(0, self.skipping - 1)
        elif tag in self.BLOCK:
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def html_to_text(html: str | None) -> str:
    """Plain text of an HTML fragment: paragraphs kept, tags and control characters gone."""
    if not html:
        return ""
    if "<" in html or "&" in html:
        text = _markup_text(html)
        if text is None:
            parser = _TextOnly()
            try:
                parser.feed(html)
                parser.close()
                text = "".join(parser.parts)
            except Exception:
                text = re.sub(r"<[^>]*>", " ", html)
        html = text
    return _paragraphs(_clean(html))


# html.parser reads markup in pure Python, ≈5 µs a tag: on feeds that carry whole articles in
# content:encoded it costs more than parsing the feed. _markup_text gives _TextOnly's very
# output for markup made only of plain tags (name, attributes, quoted or bare values), end
# tags, comments without "--" inside, and "<" that starts no tag, reading it in ≈1.4 µs a
# tag; for anything else (declarations, CDATA, processing instructions, odd names, a "<"
# at the end…) it returns None and html.parser reads it. tests/test_feeds_parse.py checks the
# two against each other on generated markup and on every text of the saved feeds.
_WS = r"[ \t\n\r\f]"  # html.parser's separators in tags; other Unicode spaces fall back
_MARKUP = re.compile(
    rf"<(?:([a-zA-Z][a-zA-Z0-9]*)"  # a start tag: its name, then attributes…
    rf"(?:{_WS}+[^ \t\n\r\f\"'<>/=`]+(?:{_WS}*={_WS}*(?:\"[^\"]*\"|'[^']*'|[^ \t\n\r\f\"'=<>`]+))?)*"
    rf"{_WS}*(/?)>"  # …and its end, maybe self-closing
    rf"|/([a-zA-Z][a-zA-Z0-9]*){_WS}*>"  # an end tag
    r"|!--(?:(?!--).)*-->)",  # a comment
    re.DOTALL,
)
_RAW_END = {tag: re.compile(rf"</\s*{tag}\s*>", re.IGNORECASE) for tag in ("script", "style")}
_TAG_START = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ/!?")


def _markup_text(html: str) -> str | None:
    """What _TextOnly collects from `html`, or None when html.parser must read it."""
    parts: list[str] = []
    append = parts.append
    block, skip = _TextOnly.BLOCK, _TextOnly.SKIP
    skipping = pos = text_from = 0
    n = len(html)
    while True:
        i = html.find("<", pos)
        if i < 0:
            break
        m = _MARKUP.match(html, i)
        if m is None:
            if i + 1 >= n or html[i + 1] in _TAG_START:
                return None
            pos = i + 1  # "<" before a space, digit…: text (html.parser passes it on as such)
            continue
        if i > text_from and not skipping:
            chunk = html[text_from:i]
            append(html_unescape(chunk) if "&" in chunk else chunk)
        pos = text_from = m.end()
        start, self_closing, end = m.group(1, 2, 3)
        if start:
            tag = start.lower()
            if tag in skip:
                skipping += 1
            elif tag in block:
                append("\n")
            if self_closing:  # html.parser: handle_starttag, then handle_endtag
                if tag in skip:
                    skipping = max(0, skipping - 1)
                elif tag in block:
                    append("\n")
            elif tag in _RAW_END:  # <script>, <style>: raw text up to the end tag
                close = _RAW_END[tag].search(html, pos)
                if close is None:
                    return None
                if not skipping:
                    append(html[pos : close.start()])
                pos = text_from = close.start()
        elif end:
            tag = end.lower()
            if tag in skip:
                skipping = max(0, skipping - 1)
            elif tag in block:
                append("\n")
    if text_from < n and not skipping:
        chunk = html[text_from:]
        append(html_unescape(chunk) if "&" in chunk else chunk)
    return "".join(parts)


def _clean(text: str, single_line: bool = False) -> str:
    """clean(), skipping its two substitutions when there is no control character at all
    (every escape sequence it removes starts with one)."""
    if text and CONTROL_CHARACTERS.search(text) is None:
        return " ".join(text.split()) if single_line else text
    return clean(text, single_line=single_line)


def _paragraphs(text: str) -> str:
    """Whitespace collapsed within lines, one blank line between non-empty lines: what splitting
    on the pattern \\n\\s*\\n|\\n then " ".join(p.split()) gave, without the regex."""
    if "\n" not in text:
        return " ".join(text.split())
    paragraphs = (" ".join(p.split()) for p in text.split("\n"))
    return "\n\n".join(p for p in paragraphs if p)


def _published(entry) -> dt.datetime | None:
    for name in ("published_parsed", "updated_parsed", "created_parsed"):
        value = entry.get(name)
        if value:
            try:
                return dt.datetime(1970, 1, 1) + dt.timedelta(seconds=calendar.timegm(value))
            except (TypeError, ValueError, OverflowError):
                continue
    return None


def _entry(entry) -> EntryRecord:
    guid = _clean(str(entry.get("id") or ""), single_line=True)
    link = _clean(str(entry.get("link") or ""), single_line=True)
    title = html_to_text((entry.get("title") or "")[:10_000]).replace("\n\n", " ")[:1000]
    summary = html_to_text((entry.get("summary") or "")[: 4 * MAX_ENTRY_CHARS])[:MAX_ENTRY_CHARS]
    contents = [html_to_text((c.get("value") or "")[: 4 * MAX_ENTRY_CHARS]) for c in entry.get("content") or []]
    content = max(contents, key=len, default="")[:MAX_ENTRY_CHARS]
    return EntryRecord(
        key=article_key(guid, link, title, content or summary),
        guid=guid,
        url=link,
        title=title,
        summary=summary,
        content=content,
        published=_published(entry),
    )


def _looks_like_html(body: bytes, content_type: str) -> bool:
    head = body[:2048].lstrip().lower()
    if head.startswith(b"\xef\xbb\xbf"):
        head = head[3:].lstrip()
    return (
        "html" in content_type.lower() and "xhtml+xml" not in content_type.lower()
    ) or head.startswith((b"<!doctype html", b"<html")) or b"<html" in head[:512]


class _AlternateLinks(HTMLParser):
    """The feeds an HTML page announces with <link rel="alternate" type="…rss+xml" href>."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in ("link", "a"):
            return
        a = {k.lower(): (v or "") for k, v in attrs}
        rels = a.get("rel", "").lower().split()
        kind = a.get("type", "").lower().split(";")[0].strip()
        if "alternate" in rels and kind in FEED_TYPES and a.get("href", "").strip():
            self.links.append(a["href"].strip())


def feed_link(html: bytes, base_url: str) -> str:
    """The first feed an HTML page links to as its alternate, absolute; "" if none."""
    finder = _AlternateLinks()
    try:
        finder.feed(html[:500_000].decode("utf-8", "replace"))
    except Exception:
        pass
    for href in finder.links:
        url = urljoin(base_url, href)
        if urlsplit(url).scheme in ("http", "https"):
            return url
    return ""


def parse_feed(body: bytes, url: str = "", content_type: str = "") -> ParsedFeed:
    """Parse feed bytes; never raises. A body that is not a feed gets a one-line error."""
    try:
        return _parse(body or b"", url, content_type)
    except Exception as exc:  # feedparser on hostile bytes: report, never crash the night
        return ParsedFeed("", "", [], error=f"not a feed: {type(exc).__name__}")


def _json_date(value) -> dt.datetime | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        when = dt.datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is not None:
        when = when.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return when


def _parse_json_feed(doc: dict) -> ParsedFeed:
    """JSON Feed 1.0/1.1 (jsonfeed.org), which feedparser 6.0 does not read."""
    entries, seen = [], set()
    for item in doc.get("items") or []:
        if not isinstance(item, dict):
            continue
        guid = clean(str(item.get("id") or ""), single_line=True)
        link = clean(str(item.get("url") or item.get("external_url") or ""), single_line=True)
        title = html_to_text(str(item.get("title") or "")[:10_000]).replace("\n\n", " ")[:1000]
        if item.get("content_html"):
            content = html_to_text(str(item["content_html"])[: 4 * MAX_ENTRY_CHARS])
        else:
            content = html_to_text(str(item.get("content_text") or "")[: 4 * MAX_ENTRY_CHARS])
        content = content[:MAX_ENTRY_CHARS]
        summary = html_to_text(str(item.get("summary") or "")[: 4 * MAX_ENTRY_CHARS])[:MAX_ENTRY_CHARS]
        record = EntryRecord(
            key=article_key(guid, link, title, content or summary), guid=guid, url=link, title=title,
            summary=summary, content=content,
            published=_json_date(item.get("date_published")) or _json_date(item.get("date_modified")),
        )
        if (record.title or record.url or record.content or record.summary) and record.key not in seen:
            seen.add(record.key)
            entries.append(record)
    title = html_to_text(str(doc.get("title") or "")).replace("\n\n", " ")
    site_url = clean(str(doc.get("home_page_url") or ""), single_line=True)
    return ParsedFeed(title=title, site_url=site_url, entries=entries)


def _parse(body: bytes, url: str, content_type: str) -> ParsedFeed:
    if not body.strip():
        return ParsedFeed("", "", [], error="not a feed: the server answered with an empty body")
    head = body[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        try:
            doc = json.loads(body.decode("utf-8-sig", "replace"))
        except ValueError as exc:
            return ParsedFeed("", "", [], error=f"not a feed: invalid JSON ({clean(str(exc), single_line=True)[:120]})")
        if isinstance(doc, dict) and "jsonfeed.org" in str(doc.get("version", "")):
            return _parse_json_feed(doc)
        return ParsedFeed("", "", [], error="not a feed: a JSON document that is not a JSON Feed")
    return _parse_xml(body, url, content_type)


def _parse_xml(body: bytes, url: str, content_type: str) -> ParsedFeed:
    """RSS, Atom or RDF, read by feedparser; an HTML page names its alternate feed."""
    headers = {"content-location": url} if url else {}
    if content_type:
        headers["content-type"] = content_type
    # A stream, never a str: feedparser would fetch a URL or open a path given as a string.
    # Every HTML field becomes plain text (html_to_text), so feedparser's HTML sanitizer and
    # its relative-URI rewriting inside HTML are work thrown away: off (15 % of the parse).
    parsed = feedparser.parse(io.BytesIO(body), response_headers=headers, sanitize_html=False,
                              resolve_relative_uris=False)
    entries = []
    seen = set()
    for entry in parsed.entries:
        record = _entry(entry)
        if not (record.title or record.url or record.content or record.summary):
            continue
        if record.key in seen:
            continue
        seen.add(record.key)
        entries.append(record)
    title = html_to_text(parsed.feed.get("title") or "").replace("\n\n", " ")
    site_url = clean(str(parsed.feed.get("link") or ""), single_line=True)
    error = None
    if not entries:
        if _looks_like_html(body, content_type) and not parsed.get("version"):
            error = "not a feed: the server answered with an HTML page"
            alternate = feed_link(body, url)
            if alternate:
                return ParsedFeed(title, site_url, [], error=error, alternate=alternate)
        elif parsed.get("bozo") and not parsed.get("version"):
            reason = parsed.get("bozo_exception")
            detail = clean(str(reason), single_line=True)[:200] if reason else "unreadable"
            error = f"not a feed: {detail}"
        elif not parsed.get("version"):
            error = "not a feed: no RSS or Atom document found"
    return ParsedFeed(title=title, site_url=site_url, entries=entries, error=error)
