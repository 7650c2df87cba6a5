"""parse_feed's fast path: well-formed feeds read by fastfeedparser, with feedparser's records.

feedparser takes ≈15–18 ms for a 50-item feed, this path ≈1.9 ms; on every evaldata feed it
accepts (243 of 2,188) the records are identical to feedparser's (`python bench/corpora.py
--parsers`). They must be: an article's key is its GUID or URL, so a feed read by one path one
night and by the other the next would otherwise bring its articles twice.

The rule: a strict lxml parse (no DTD, no entities, no network) must show a document on whose
records both parsers agree (UTF-8 RSS 2.0, RSS 1.0 or Atom 1.0, each entry with at most one
plain-text title, summary, content and id, where both look), and fastfeedparser's entries must
line up with its items. Otherwise parse_fast returns None and parse.py reads the feed with
feedparser, as it does for every feed when FAST_PATH is False."""

from __future__ import annotations

import datetime as dt
import re

from matcher.feeds.parse import (
    MAX_ENTRY_CHARS,
    ParsedFeed,
    _entry,
    _published,
    html_to_text,
)
from matcher.textsafe import clean

# fastfeedparser's rules are not feedparser's: it recovers malformed XML silently, keeps the
# first of repeated elements where feedparser keeps the last, gives an entry without an id its
# link as id, takes a date out of a GUID, makes a content up from the description, resolves no
# relative link, reads dates with dateutil. So a feed takes this path only when the strict
# parse shows a document on whose records the two parsers must agree:
#   * well-formed XML, no DOCTYPE, read as UTF-8 (or ASCII) by both: feedparser's RFC 3023
#     choice from the Content-Type charset, the XML declaration and the BOM, and lxml's;
#   * RSS 2.0 (<rss><channel><item>), RSS 1.0 (<rdf:RDF>, without content:encoded, which
#     fastfeedparser drops there) or Atom 1.0, every <item>/<entry> where both look for it;
#   * in each entry at most one title, summary, content and id, each plain text (no child
#     element, no base64 or out-of-line content, no XHTML title or summary); no element that
#     feedparser maps onto a field from where fastfeedparser does not look (media:title,
#     media:description, itunes:summary, dc:title, an <image> or <source> with children…);
#     the element fastfeedparser picks by local name the one feedparser reads;
#   * fastfeedparser's entries line up one to one with the items (same id, same title).
# fastfeedparser then gives the titles, summaries and contents: the very text feedparser
# reads. The id, the link and the dates come from the strict parse by feedparser's rules and
# with its functions (isPermaLink, the link a GUID stands for, relative links resolved against
# the feed URL and xml:base, its date parser), and every text gets the two repairs feedparser
# makes (UTF-8 read as Latin-1, cp1252 controls). Everything else, and any feed for which
# fastfeedparser raises or finds no entry, is read by feedparser exactly as before.

try:
    import fastfeedparser
    from feedparser import encodings as _fp_encodings
    from feedparser.api import StrictFeedParser as _FP
    from feedparser.datetimes import _parse_date as _fp_parse_date
    from feedparser.encodings import parse_content_type as _fp_content_type
    from feedparser.html import _cp1252 as _FP_CP1252
    from feedparser.urls import _urljoin as _fp_urljoin
    from feedparser.urls import make_safe_absolute_uri as _fp_safe_uri
    from lxml import etree
except ImportError:  # pragma: no cover - without them every feed takes feedparser's path
    fastfeedparser = None

# False: every feed is read by feedparser (an escape hatch; the tests compare the two paths).
FAST_PATH = fastfeedparser is not None

_ATOM_NS = "http://www.w3.org/2005/Atom"
_RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_RSS1_NS = "http://purl.org/rss/1.0/"
_CONTENT_NS = "http://purl.org/rss/1.0/modules/content/"
_XML_NS = "http://www.w3.org/XML/1998/namespace"
_RDF_ABOUT = f"{{{_RDF_NS}}}about"
_XML_BASE = f"{{{_XML_NS}}}base"

# What feedparser makes of an element in an entry, by the name it calls it ("prefix_local").
_TITLE, _SUMMARY, _CONTENT, _ID, _LINK, _PUB, _UPD, _CRE, _LEAF, _CONTAINER, _UNKNOWN, _REJECT = range(12)
_ROLES = {
    "title": _TITLE, "dc_title": _TITLE, "media_title": _TITLE,
    "description": _SUMMARY, "summary": _SUMMARY, "dc_description": _SUMMARY,
    "itunes_summary": _SUMMARY, "media_description": _SUMMARY, "abstract": _SUMMARY,
    "content_encoded": _CONTENT, "content": _CONTENT, "fullitem": _CONTENT, "body": _CONTENT,
    "xhtml_body": _CONTENT,
    "guid": _ID, "id": _ID, "link": _LINK,
    "pubdate": _PUB, "published": _PUB, "issued": _PUB, "dcterms_issued": _PUB,
    "updated": _UPD, "modified": _UPD, "lastbuilddate": _UPD, "dc_date": _UPD,
    "dcterms_modified": _UPD,
    "created": _CRE, "dcterms_created": _CRE,
}
# feedparser handlers that may hold elements, which are then checked in turn…
_CONTAINERS = {
    "author", "contributor", "media_group", "media_content", "itunes_owner", "itunes_category",
    "georss_where", "where", "psc_chapters", "gml_point", "gml_linestring", "gml_polygon",
    "gml_exterior", "gml_linearring", "gml_pos", "gml_poslist",
}
# …and the ones that store nothing a record reads, as long as they hold only text.
_LEAVES = {
    "category", "cc_license", "creativecommons_license", "copyright", "dc_author",
    "dc_contributor", "dc_creator", "dc_language", "dc_publisher", "dc_rights", "dc_subject",
    "email", "enclosure", "expirationdate", "georss_box", "georss_line", "georss_point",
    "georss_polygon", "homepage", "itunes_author", "itunes_block", "itunes_email",
    "itunes_explicit", "itunes_image", "itunes_keywords", "itunes_link", "itunes_name",
    "itunes_subtitle", "keywords", "language", "managingeditor", "media_category",
    "media_credit", "media_keywords", "media_license", "media_player", "media_rating",
    "media_restriction", "media_thumbnail", "name", "rights", "subtitle", "tagline", "tags",
    "uri", "url", "webmaster", "width", "height", "generator", "info", "dcterms_valid",
    "psc_chapter", "feedburner_browserfriendly", "image", "source", "cloud", "newlocation",
}
# Names under which feedparser would store an unknown element on top of a field it keeps.
_COLLIDING = {"links", "tags", "enclosures", "authors", "contributors", "guidislink"}
_TEXT_TYPES = {"text", "html", "text/plain", "text/html"}
_XHTML_TYPES = {"xhtml", "application/xhtml+xml"}
_HTML_TYPES = {"text/html", "application/xhtml+xml"}
_TYPE_NAMES = {"text": "text/plain", "plain": "text/plain", "html": "text/html", "xhtml": "application/xhtml+xml"}
_UTF8 = {"utf-8", "utf8", "utf_8", "u8"}
_BASE_ATTR = re.compile(rb"base\s*=")
_NS_DECL = re.compile(rb"xmlns:([^\s=/>]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
_ENTITY_REF = re.compile(r"&([A-Za-z0-9_]+);")
_ROOT_START = re.compile(rb"<\w")

if fastfeedparser is not None:
    _FP_NAMESPACES = {uri.lower(): prefix for uri, prefix in _FP.namespaces.items()}
    _FP_HANDLED = {n.split("_", 2)[2].lower() for n in dir(_FP) if n.startswith(("_start_", "_end_"))}
    _FP_STD_PREFIXES = {prefix.lower() for prefix in _FP_NAMESPACES.values() if prefix}
    # feedparser guesses with chardet (when installed) before trying UTF-8
    _FP_CHARDET = getattr(_fp_encodings, "lazy_chardet_encoding", True)

    class _Refuse(etree.Resolver):
        """Every external resource resolves to nothing."""

        def resolve(self, system_url, public_id, context):
            return self.resolve_string("", context)


class _Decline(Exception):
    """Not a document the fast path may read: feedparser reads it."""


def _fp_text(text: str) -> str:
    """feedparser's last touches on every text: UTF-8 read as Latin-1 undone, cp1252 mapped."""
    if text.isascii():
        return text
    try:
        text = text.encode("iso-8859-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.translate(_FP_CP1252)


_MONTHS = {m: i for i, m in enumerate(("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"), 1)}
_RFC822 = re.compile(
    r"(?:(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), )?(\d\d?) (Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) "
    r"(\d{4}) (\d\d):(\d\d):(\d\d) (?:GMT|UT|Z|([+-])(\d\d)(\d\d))"
)
_W3DTF = re.compile(r"(\d{4})-(\d\d)-(\d\d)T(\d\d):(\d\d):(\d\d)(?:Z|([+-])(\d\d):(\d\d))")
_NOT_FAST = object()


def _fast_date(text: str):
    """The UTC time feedparser's date parser then _published() give, for the two shapes nearly
    every feed uses (RFC 822 with GMT or a numeric zone; W3C-DTF with Z or an offset);
    _NOT_FAST for anything else. Equal to feedparser's on these (tests/test_feeds_parse.py)."""
    m = _RFC822.fullmatch(text)
    if m:
        day, month, year, hour, minute, second, sign, zh, zm = m.groups()
        month = _MONTHS[month]
    else:
        m = _W3DTF.fullmatch(text)
        if m is None:
            return _NOT_FAST
        year, month, day, hour, minute, second, sign, zh, zm = m.groups()
        month = int(month)
    year = int(year)
    if not 1900 <= year <= 9000:
        return _NOT_FAST
    try:
        stamp = dt.datetime(year, month, int(day), int(hour), int(minute), int(second))
    except ValueError:
        return _NOT_FAST
    if sign:
        offset = dt.timedelta(hours=int(zh), minutes=int(zm))
        stamp = stamp - offset if sign == "+" else stamp + offset
    return stamp


def _fp_published(raw: list) -> dt.datetime | None:
    """_published() over feedparser's published/updated/created dates, from their texts."""
    for text in raw:
        if text is None:
            continue
        when = _fast_date(text)
        if when is not _NOT_FAST:
            return when
        when = _published({"published_parsed": _fp_parse_date(text)})
        if when is not None:
            return when
    return None


# Absolute http(s) URLs that urljoin gives back unchanged (parsed and unparsed again, or not
# touched at all when the scheme differs from the base's): the common case, without the cost.
_PLAIN_URL = re.compile(r"https?://[A-Za-z0-9.\-_~:@%]+(?:/[^?#;\s\x00-\x1f\x7f]*)?(?:\?[^#\s\x00-\x1f\x7f]+)?(?:#[^\s\x00-\x1f\x7f]+)?")


def _fp_resolve(base: str, uri: str) -> str:
    """feedparser's _urljoin(base, uri)."""
    if _PLAIN_URL.fullmatch(uri) and (not base or base.startswith(("http://", "https://"))):
        return uri
    return _fp_urljoin(base, uri)


def _map_type(kind: str) -> str:
    kind = kind.lower()
    return _TYPE_NAMES.get(kind, kind)


_ASCII_SUPERSETS: dict[str, bool] = {}


def _ascii_superset(encoding: str) -> bool:
    known = _ASCII_SUPERSETS.get(encoding)
    if known is None:
        probe = bytes(range(0x20, 0x7F)) + b"\t\r\n"
        try:
            known = probe.decode(encoding) == probe.decode("ascii")
        except (LookupError, UnicodeDecodeError):
            known = False
        if len(_ASCII_SUPERSETS) < 256:
            _ASCII_SUPERSETS[encoding] = known
    return known


def _utf8_for_both(body: bytes, url: str, content_type: str) -> bool:
    """True if feedparser (RFC 3023) and lxml (declaration, BOM) both read `body` as UTF-8.

    feedparser decodes with the first of (RFC 3023 charset, declared, BOM, chardet, utf-8…)
    that works; lxml with the declared one. A non-UTF-8 body that lxml reads as UTF-8 fails
    the strict parse, so here only the names are compared."""
    data = body
    if data[:3] == b"\xef\xbb\xbf":
        data = data[3:]
    elif data[:2] in (b"\xfe\xff", b"\xff\xfe") or data[:4] in (
        b"\x00\x00\xfe\xff", b"\x4c\x6f\xa7\x94", b"\x00\x3c\x00\x3f", b"\x3c\x00\x3f\x00",
        b"\x00\x00\x00\x3c", b"\x3c\x00\x00\x00",
    ):
        return False
    declared = _xml_pi_encoding(data)
    xml_encoding = declared.decode("utf-8", "replace").lower() if declared is not None else ""
    has_headers = bool(url or content_type)
    media_type, http_encoding = _fp_content_type(content_type or "")
    if media_type in ("application/xml", "application/xml-dtd", "application/xml-external-parsed-entity") or (
        media_type.startswith("application/") and media_type.endswith("+xml")
    ):
        rfc3023 = http_encoding or xml_encoding or "utf-8"
    elif media_type.startswith("text/"):
        rfc3023 = http_encoding or "us-ascii"
    elif has_headers and not content_type:
        rfc3023 = xml_encoding or "iso-8859-1"
    else:
        rfc3023 = xml_encoding or "utf-8"
    rfc3023 = rfc3023.lower()
    if data.isascii():
        return _ascii_superset(rfc3023) and (not xml_encoding or _ascii_superset(xml_encoding))
    if xml_encoding and xml_encoding not in _UTF8:
        return False
    if rfc3023 in _UTF8:
        return True
    # US-ASCII (text/* without a charset) fails on these bytes: the declared encoding is next,
    # then (with no chardet installed to guess first) UTF-8.
    if rfc3023 not in ("us-ascii", "ascii", "ansi_x3.4-1968"):
        return False
    return xml_encoding in _UTF8 or (not xml_encoding and _FP_CHARDET is None)


def _xml_pi_encoding(data: bytes) -> bytes | None:
    """What feedparser's RE_XML_PI_ENCODING (^<\\?.*encoding=['"](.*?)['"].*\\?>) captures,
    without its two scans of a one-line document."""
    if not data.startswith(b"<?"):
        return None
    nl = data.find(b"\n")
    line = data if nl < 0 else data[:nl]
    end = line.rfind(b"?>")  # the last "?>": the one ".*\\?>" can reach from furthest back
    p = line.rfind(b"encoding=", 2)
    while p >= 2:
        first = p + 9
        if first < len(line) and line[first] in b"'\"":
            quotes = [i for i in (line.find(b"'", first + 1), line.find(b'"', first + 1)) if i >= 0]
            if quotes and min(quotes) < end:
                return line[first + 1 : min(quotes)]
        p = line.rfind(b"encoding=", 2, p + 8)
    return None


def _fp_base(url: str) -> str:
    """The base URI feedparser resolves relative links against, given the feed's URL."""
    base = _fp_safe_uri("", url) or _fp_safe_uri(url) or ""
    for _ in range(8):  # each element start derives it again from its parent's: a fixed point
        nxt = (_fp_safe_uri(base, base) or base) if base else _fp_urljoin(base, base)
        if nxt == base:
            return base
        base = nxt
    raise _Decline("base URI")


def _attrs_lower(el) -> dict:
    """An element's attributes as feedparser names them: lower case, rel/type values too."""
    attrs = {}
    for key, value in el.attrib.items():
        if key.startswith("{"):
            uri, _, local = key[1:].partition("}")
            prefix = _FP_NAMESPACES.get(uri.lower(), "")
            key = f"{prefix}:{local}" if prefix else local
        key = key.lower()
        if key in attrs:
            raise _Decline("attributes that feedparser would merge")
        attrs[key] = value.lower() if key in ("rel", "type") and value else value
    return attrs


class _Walk:
    """The strict-parse half of the fast path: the shape checks, and feedparser's id, link,
    dates, feed title and feed link."""

    def __init__(self, url: str, has_base: bool, remap: dict):
        self.base0 = _fp_base(url)
        if has_base and not self.base0:
            raise _Decline("xml:base without a feed URL")
        self.has_base = has_base
        self.remap = remap  # prefix → standard prefix, for known namespaces under other prefixes
        self.kinds: dict = {}

    def kind(self, el) -> tuple:
        """(feedparser's name, role, local name in lower case) of an element."""
        key = (el.tag, el.prefix)
        kind = self.kinds.get(key)
        if kind is None:
            tag = el.tag
            uri, _, local = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
            lower = uri.lower()
            if "backend.userland.com/rss" in lower:
                lower = "http://backend.userland.com/rss"
            prefix = _FP_NAMESPACES.get(lower)
            if prefix is None:
                prefix = el.prefix or ""
            prefix = prefix.lower()
            prefix = self.remap.get(prefix, prefix)
            name = f"{prefix}_{local.lower()}" if prefix else local.lower()
            role = _ROLES.get(name)
            if role is None:
                if name in _CONTAINERS:
                    role = _CONTAINER
                elif name in _LEAVES:
                    role = _LEAF
                elif name in _FP_HANDLED or name in _COLLIDING or name.endswith(("_parsed", "_detail")):
                    role = _REJECT
                else:
                    role = _UNKNOWN
            kind = self.kinds[key] = (name, role, local.lower())
        return kind

    def base(self, el, parent: str) -> str:
        """feedparser's base URI inside `el` (xml:base, or any "base" attribute)."""
        if not self.has_base:
            return parent
        given = el.get(_XML_BASE)
        if given is None:
            for key, value in el.attrib.items():
                uri, _, local = key[1:].partition("}") if key.startswith("{") else ("", "", key)
                if local.lower() == "base" and (not uri or uri.lower() not in _FP_NAMESPACES):
                    given = value
        given = given or parent
        return (_fp_safe_uri(parent, given) or parent) if parent else _fp_urljoin(parent, given)

    def nested(self, el) -> None:
        """Nothing below an element may be something feedparser reads into a record."""
        for sub in el.iterdescendants():
            if isinstance(sub.tag, str) and self.kind(sub)[1] < _LEAF or (
                isinstance(sub.tag, str) and self.kind(sub)[1] == _REJECT
            ):
                raise _Decline(f"<{self.kind(sub)[0]}> nested")

    def other(self, child, role: int) -> None:
        if role == _LEAF:
            if len(child):
                raise _Decline(f"<{self.kind(child)[0]}> holds elements")
        elif role == _REJECT:
            raise _Decline(f"<{self.kind(child)[0]}>")
        elif len(child):
            self.nested(child)

    def link(self, el, base: str, in_entry: bool, current):
        """feedparser's _start_link/pop: the link this element leaves in its context."""
        if len(el):
            raise _Decline("a link holding elements")
        if not el.attrib:  # <link>text</link>
            text = (el.text or "").strip()
            if text:
                text = _fp_text(_fp_resolve(base, text))
                if "&" in text:
                    if in_entry:
                        text = text.replace("&amp;", "&")
                    text = _ENTITY_REF.sub(r"&\1", text)
            return text
        attrs = _attrs_lower(el)
        if "url" in attrs or "uri" in attrs:
            raise _Decline("a link with url/uri")
        if "href" in attrs:
            rel = attrs.setdefault("rel", "alternate")
            kind = attrs.get("type") or ("application/atom+xml" if rel == "self" else "text/html")
            if "type" in attrs and attrs["type"] == "":
                kind = ""
            if rel == "alternate" and _map_type(kind) in _HTML_TYPES:
                return _fp_resolve(base, attrs["href"])
            return current
        text = (el.text or "").strip()
        if text:
            text = _fp_resolve(base, text)
        text = _fp_text(text)
        if in_entry:
            text = text.replace("&amp;", "&")
        return _ENTITY_REF.sub(r"&\1", text)

    def ident(self, el, base: str) -> tuple:
        """feedparser's _start_guid/pop: (id, whether it stands for the link)."""
        if len(el):
            raise _Decline("an id holding elements")
        guidislink = not el.attrib or _attrs_lower(el).get("ispermalink", "true") == "true"
        value = (el.text or "").strip()
        if value and guidislink:
            value = _fp_resolve(base, value)
        return _fp_text(value), guidislink

    def text_role(self, el, name: str, xhtml_ok: bool = False) -> str | None:
        """A title/summary/content: plain text, a type both read alike. Its mapped type."""
        kind = None
        for key, value in el.attrib.items():
            if key == "type":
                if value not in _TEXT_TYPES and not (xhtml_ok and value in _XHTML_TYPES):
                    raise _Decline(f"<{name} type={value[:20]!r}>")
                kind = value
            elif key.lower() in ("mode", "src", "type"):
                raise _Decline(f"<{name} {key}=…>")
        if len(el) and not (kind in _XHTML_TYPES):
            raise _Decline(f"<{name}> holds elements")
        return kind

    def entry(self, item, fmt: str, parent_base: str) -> dict:
        """One item/entry: its shape checked; what feedparser reads for id, link and dates."""
        for key in item.attrib:
            if not key.startswith("{") and key.lower() in ("href", "lastmod"):
                raise _Decline("CDF item attributes")
        base = self.base(item, parent_base)
        about = item.get(_RDF_ABOUT)
        ident = about  # feedparser keeps rdf:about as it is, until a guid replaces it
        id_text = link = title = content_type = None
        summary_empty = False
        dates = [None, None, None]
        seen = []
        first_desc = first_sum = None
        for child in item:
            if not isinstance(child.tag, str):
                continue  # comments and processing instructions
            name, role, local = self.kind(child)
            if fmt == "rss":
                # fastfeedparser takes the first child of a local name, whatever its namespace
                if local == "description" and first_desc is None:
                    first_desc = name
                elif local == "summary" and first_sum is None:
                    first_sum = name
            if role >= _LEAF:
                self.other(child, role)
                continue
            if role <= _ID:
                if role in seen:
                    raise _Decline(f"two <{name}> alike")
                seen.append(role)
            tag = child.tag
            if role == _TITLE:
                if tag not in _TITLE_TAGS[fmt]:
                    raise _Decline(f"<{name}> as the title")
                self.text_role(child, name)
                title = child.text or ""
            elif role == _SUMMARY:
                if tag not in _SUMMARY_TAGS[fmt]:
                    raise _Decline(f"<{name}> as the summary")
                self.text_role(child, name)
                summary_empty = not (child.text or "").strip()
            elif role == _CONTENT:
                if tag not in _CONTENT_TAGS[fmt]:
                    raise _Decline(f"<{name}> as the content")
                kind = self.text_role(child, name, xhtml_ok=fmt == "atom")
                content_type = _map_type(kind or ("text/plain" if fmt == "atom" else "text/html"))
                if content_type == "application/xhtml+xml":
                    for sub in child.iterdescendants():
                        if isinstance(sub.tag, str) and (sub.prefix or not sub.tag.startswith("{http://www.w3.org/1999/xhtml}")):
                            raise _Decline("XHTML content feedparser serialises otherwise")
            elif role == _ID:
                ident, guidislink = self.ident(child, self.base(child, base))
                id_text = (child.text or "").strip()
                if guidislink and link is None:
                    link = ident
            elif role == _LINK:
                link = self.link(child, self.base(child, base), True, link)
            else:  # a date: feedparser keeps the last of each kind, parsed by its own parser
                if len(child):
                    raise _Decline(f"<{name}> holds elements")
                dates[role - _PUB] = _fp_text((child.text or "").strip())
        if fmt == "rss" and ((first_desc or first_sum) not in (None, "description")):
            raise _Decline("fastfeedparser would read another description")
        return {
            "id": ident, "id_text": id_text, "about": about, "link": link, "title": title,
            "has_id": _ID in seen, "has_summary": _SUMMARY in seen, "summary_empty": summary_empty,
            "content_type": content_type,
            "published": _fp_published(dates),
        }

    def feed(self, fmt: str, channel, base: str, extra=()) -> tuple[str, str]:
        """The feed's title and link, as feedparser reads them."""
        title = link = None
        for child in list(channel) + list(extra):
            if not isinstance(child.tag, str):
                continue
            name, role, _ = self.kind(child)
            if name in ("item", "entry"):
                continue
            if name in ("image", "textinput"):
                # inside these feedparser files title and link away from the feed's…
                allowed = _IMAGE_CHILDREN if name == "image" else _TEXTINPUT_CHILDREN
                for sub in child:
                    if isinstance(sub.tag, str) and (len(sub) or self.kind(sub)[0] not in allowed):
                        raise _Decline(f"<{name}> with <{self.kind(sub)[0]}>")  # …unless this
                continue
            if role == _TITLE:
                if title is not None or child.tag not in _TITLE_TAGS[fmt]:
                    raise _Decline("the feed's title")
                self.text_role(child, name)
                title = _fp_text((child.text or "").strip())
            elif role == _LINK:
                link = self.link(child, self.base(child, base), False, link)
            elif role == _ID:
                value, guidislink = self.ident(child, self.base(child, base))
                if guidislink and link is None:
                    link = value
            elif role < _LEAF:
                if len(child):
                    raise _Decline(f"<{name}> holds elements")
            else:
                self.other(child, role)
        return title or "", link or ""


_TITLE_TAGS = {"rss": {"title"}, "rdf": {f"{{{_RSS1_NS}}}title"}, "atom": {f"{{{_ATOM_NS}}}title"}}
_SUMMARY_TAGS = {"rss": {"description"}, "rdf": {f"{{{_RSS1_NS}}}description"}, "atom": {f"{{{_ATOM_NS}}}summary"}}
_CONTENT_TAGS = {"rss": {f"{{{_CONTENT_NS}}}encoded"}, "rdf": set(), "atom": {f"{{{_ATOM_NS}}}content"}}
_IMAGE_CHILDREN = {"title", "link", "description", "url", "href", "width", "height"}
_TEXTINPUT_CHILDREN = {"title", "link", "description", "name"}
_STRICT = None


def _strict_parser():
    """An lxml parser per thread: strict, no DTD, no entity expansion, no network, and no file
    either (libxml2 would still open an external subset or parameter entity given as a path).
    Documents with a DOCTYPE never reach it (_prolog_checks); this is the second lock."""
    global _STRICT
    if _STRICT is None:
        import threading

        _STRICT = threading.local()
    parser = getattr(_STRICT, "parser", None)
    if parser is None:
        parser = _STRICT.parser = etree.XMLParser(
            resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
            huge_tree=False, recover=False, collect_ids=False,
        )
        parser.resolvers.add(_Refuse())
    return parser


def parse_fast(body: bytes, url: str, content_type: str) -> ParsedFeed | None:
    """The feed read by fastfeedparser, or None when feedparser must read it (see above)."""
    try:
        return _read_fast(body, url, content_type)
    except Exception:  # noqa: BLE001 - _Decline, or lxml/fastfeedparser refusing the document
        return None


def _prolog_checks(body: bytes, url: str, content_type: str) -> tuple[bool, dict]:
    """Byte-level part of the rule: (whether any xml:base is there, the prefix remapping)."""
    start = _ROOT_START.search(body, 0, 65536)
    if start is None or b"<!" in body[: start.start()].replace(b"<!--", b""):
        raise _Decline("no root element, or a DOCTYPE")
    if not _utf8_for_both(body, url, content_type):
        raise _Decline("charset")
    has_base = any(m.start() and body[m.start() - 1] in b" \t\r\n:" for m in _BASE_ATTR.finditer(body))
    # feedparser maps a known namespace declared under another prefix to its own prefix, for
    # the whole document (namespacemap). That changes an element only if the prefix is itself
    # the standard prefix of another namespace: then it must be declared on the root element.
    remap: dict = {}
    declared: dict = {}
    for m in _NS_DECL.finditer(body):
        prefix = m.group(1).decode("utf-8", "replace")
        uri = (m.group(2) if m.group(2) is not None else m.group(3)).decode("utf-8", "replace")
        if declared.setdefault(prefix, uri) != uri:
            raise _Decline("a prefix bound to two namespaces")
        std = _FP_NAMESPACES.get(uri.lower())
        if std is not None and prefix != std.lower() and prefix in _FP_STD_PREFIXES:
            remap[prefix] = std.lower()
    return has_base, remap


def _read_fast(body: bytes, url: str, content_type: str) -> ParsedFeed | None:
    has_base, remap = _prolog_checks(body, url, content_type)
    root = etree.fromstring(body, _strict_parser())
    if any(p not in root.nsmap for p in remap):
        raise _Decline("a namespace remapped below the root")
    tag = root.tag
    extra = ()
    if tag == "rss":
        fmt = "rss"
        kids = [c for c in root if isinstance(c.tag, str)]
        if len(kids) != 1 or kids[0].tag != "channel":
            raise _Decline("not one <channel>")
        channel = kids[0]
        items = [c for c in channel if c.tag == "item"]
    elif tag == f"{{{_ATOM_NS}}}feed":
        fmt = "atom"
        channel = root
        items = [c for c in root if c.tag == f"{{{_ATOM_NS}}}entry"]
    elif tag == f"{{{_RDF_NS}}}RDF":
        fmt = "rdf"
        channels = [c for c in root if c.tag == f"{{{_RSS1_NS}}}channel"]
        if len(channels) != 1:
            raise _Decline("not one <channel>")
        channel = channels[0]
        items = [c for c in root if c.tag == f"{{{_RSS1_NS}}}item"]
        extra = [c for c in root if c is not channel and c.tag != f"{{{_RSS1_NS}}}item"]
        if any(c.tag == f"{{{_CONTENT_NS}}}encoded" for item in items for c in item):
            raise _Decline("RSS 1.0 with content:encoded")  # which fastfeedparser drops
    else:
        raise _Decline("root element")
    if not items or sum(1 for _ in root.iter("{*}item", "{*}entry")) != len(items):
        raise _Decline("items elsewhere")
    for el in (root, channel):
        if any(not k.startswith("{") and k.lower() in ("href", "lastmod") for k in el.attrib):
            raise _Decline("CDF attributes")

    walk = _Walk(url, has_base, remap)
    base = walk.base(root, walk.base0)
    channel_base = base if channel is root else walk.base(channel, base)
    item_parent = channel_base if fmt == "rss" else base
    facts = [walk.entry(item, fmt, item_parent) for item in items]
    feed_title, feed_link = walk.feed(fmt, channel, channel_base, extra)

    parsed = fastfeedparser.parse(body, include_tags=False, include_media=False, include_enclosures=False)
    got_entries = parsed.get("entries") or []
    if len(got_entries) != len(facts):
        raise _Decline("fastfeedparser found other entries")
    entries, seen = [], set()
    for fact, got in zip(facts, got_entries):
        # fastfeedparser's entries must be these very items, in this order
        got_id = got.get("id") or ""
        if fact["id_text"]:
            if got_id != fact["id_text"]:
                raise _Decline("fastfeedparser read another id")
        elif fact["about"] and got_id != fact["about"].strip():
            raise _Decline("fastfeedparser read another rdf:about")
        if (got.get("title") or "") != (fact["title"] or "").strip():
            raise _Decline("fastfeedparser read another title")
        content, summary = [], None
        if fact["content_type"]:
            values = got.get("content") or []
            if len(values) != 1:
                raise _Decline("fastfeedparser read another content")
            value = values[0].get("value") or ""
            if fact["content_type"] == "application/xhtml+xml" and len(value) > MAX_ENTRY_CHARS:
                raise _Decline("long XHTML content")  # feedparser's own serialisation is cut elsewhere
            value = _fp_text(value.strip())
            content = [{"value": value}]
            if fact["content_type"] in ("text/plain", "text/html", "application/xhtml+xml"):
                summary = value  # feedparser copies the content into a missing summary
        if fact["has_summary"]:  # (fastfeedparser makes one up from the content for an empty one)
            summary = "" if fact["summary_empty"] else _fp_text(got.get("description") or "")
        record = _entry({
            "id": fact["id"], "link": fact["link"], "title": _fp_text(got.get("title") or ""),
            "summary": summary, "content": content,
        }, published=fact["published"])
        if not (record.title or record.url or record.content or record.summary) or record.key in seen:
            continue
        seen.add(record.key)
        entries.append(record)
    if not entries:
        return None
    title = html_to_text(feed_title).replace("\n\n", " ")
    return ParsedFeed(title=title, site_url=clean(feed_link, single_line=True), entries=entries)
