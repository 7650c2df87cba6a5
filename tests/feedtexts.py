"""Small RSS/Atom documents for the feed tests."""

from xml.sax.saxutils import escape


def rss(title: str, items: list[dict], link: str = "https://news.example/") -> bytes:
    parts = []
    for it in items:
        x = [f"<title>{escape(it['title'])}</title>"]
        if it.get("link"):
            x.append(f"<link>{escape(it['link'])}</link>")
        if it.get("guid"):
            x.append(f'<guid isPermaLink="false">{escape(it["guid"])}</guid>')
        if it.get("date"):
            x.append(f"<pubDate>{it['date']}</pubDate>")
        if it.get("summary"):
            x.append(f"<description>{escape(it['summary'])}</description>")
        if it.get("content"):
            x.append(f"<content:encoded><![CDATA[{it['content']}]]></content:encoded>")
        parts.append("<item>" + "".join(x) + "</item>")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link><description>d</description>"
        + "".join(parts)
        + "</channel></rss>"
    ).encode("utf-8")


def atom(title: str, entries: list[dict]) -> bytes:
    parts = []
    for e in entries:
        parts.append(
            f"<entry><id>{escape(e['id'])}</id><title>{escape(e['title'])}</title>"
            f'<link href="{escape(e.get("link", ""))}"/>'
            f"<updated>{e.get('updated', '2026-11-12T10:00:00Z')}</updated>"
            f'<content type="html">{escape(e.get("content", ""))}</content></entry>'
        )
    return (
        '<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom">'
        f"<title>{escape(title)}</title><id>urn:x</id><updated>2026-11-12T10:00:00Z</updated>"
        '<link href="https://atom.example/"/>' + "".join(parts) + "</feed>"
    ).encode("utf-8")


LONG = "".join(
    f"<p>Paragraph {i}: the cooperative of growers in Minas Gerais renegotiated its green coffee "
    f"supply contracts, with prices indexed to the New York arabica futures and a premium for "
    f"certified lots.</p>"
    for i in range(8)
)

PAGE = (
    "<html><head><title>Page</title></head><body><nav>Home | News | Contact</nav>"
    "<article><h1>Ports of Genoa and Valencia invest in automation</h1>"
    + "".join(
        f"<p>Section {i}. The port authority announced new automated cranes and a shared data "
        f"platform for shipping lines, freight forwarders and rail operators, aiming to cut "
        f"container dwell times by a third within two years.</p>"
        for i in range(6)
    )
    + "</article><footer>Copyright Example News</footer></body></html>"
).encode("utf-8")
