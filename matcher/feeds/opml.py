"""Reading and writing OPML subscription lists."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from matcher.errors import InputFileError


@dataclass
class FeedRecord:
    url: str
    title: str = ""
    category: str = ""
    site_url: str = ""


def _parser() -> etree.XMLParser:
    # No entity expansion, no DTD, no network: an OPML file is untrusted input.
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False, recover=False
    )


def _title(el) -> str:
    return (el.get("title") or el.get("text") or "").strip()


def read_opml(path) -> list[FeedRecord]:
    """Every feed outline in the file; the category is the path of enclosing outline titles."""
    path = Path(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputFileError(path, f"cannot read: {exc.strerror or exc}") from None
    try:
        root = etree.fromstring(data, _parser())
    except etree.XMLSyntaxError as exc:
        msg = ((exc.msg or str(exc)).strip().splitlines() or ["syntax error"])[0]
        msg = re.sub(r",? line \d+, column (\d+)$", r" (column \1)", msg)
        raise InputFileError(path, f"not valid OPML: {msg}", line=exc.lineno or None) from None
    if root is None or not isinstance(root.tag, str) or etree.QName(root).localname != "opml":
        line = getattr(root, "sourceline", None)
        raise InputFileError(path, "not valid OPML: the root element is not <opml>", line=line)
    entity = next(root.iter(etree.Entity), None)  # lxml's public way to find entity references
    if entity is not None:
        raise InputFileError(path, "not valid OPML: entities are not allowed", line=entity.sourceline)

    feeds: list[FeedRecord] = []
    seen: set[str] = set()
    body = next((c for c in root if isinstance(c.tag, str) and etree.QName(c).localname == "body"), None)
    if body is None:
        raise InputFileError(path, "not valid OPML: no <body>", line=root.sourceline)

    def walk(el, trail: list[str]) -> None:
        for child in el:
            if not isinstance(child.tag, str) or etree.QName(child).localname != "outline":
                continue
            url = (child.get("xmlUrl") or child.get("xmlurl") or "").strip()
            if url:
                category = (child.get("category") or "").strip().strip("/") or "/".join(trail)
                if url not in seen:
                    seen.add(url)
                    feeds.append(
                        FeedRecord(
                            url=url,
                            title=_title(child),
                            category=category,
                            site_url=(child.get("htmlUrl") or "").strip(),
                        )
                    )
            else:
                name = _title(child)
                walk(child, trail + [name] if name else trail)

    walk(body, [])
    if not feeds:
        raise InputFileError(path, "no feeds found (no <outline> with an xmlUrl)")
    return feeds


def write_opml(feeds: list[FeedRecord], title: str = "matcher feeds") -> str:
    """An OPML 2.0 document, feeds grouped by category as nested outlines."""
    tree: dict = {"feeds": [], "children": {}}
    for feed in feeds:
        node = tree
        for part in [p for p in feed.category.split("/") if p]:
            node = node["children"].setdefault(part, {"feeds": [], "children": {}})
        node["feeds"].append(feed)

    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        f"  <head><title>{_text(title)}</title></head>",
        "  <body>",
    ]

    def emit(node, depth: int) -> None:
        pad = "  " * depth
        for name, child in node["children"].items():
            lines.append(f"{pad}<outline text={quoteattr(name)} title={quoteattr(name)}>")
            emit(child, depth + 1)
            lines.append(f"{pad}</outline>")
        for feed in node["feeds"]:
            attrs = f' type="rss" text={quoteattr(feed.title)} title={quoteattr(feed.title)}'
            attrs += f" xmlUrl={quoteattr(feed.url)}"
            if feed.site_url:
                attrs += f" htmlUrl={quoteattr(feed.site_url)}"
            lines.append(f"{pad}<outline{attrs}/>")

    emit(tree, 2)
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _text(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
