"""A loopback farm of feeds and article pages for the night benchmark (bench/night.py).

    python bench/farm.py --feeds 200 --latency 0.05     # prints "port 41234", serves until killed

N feeds of 50 items each, spread over `--hosts` loopback addresses (127.0.0.2, 127.0.0.3, …)
so that per-host politeness limits behave as on the real internet; every item links to an
article page of ≈50 KB or ≈130 KB (one in four) with navigation, a sidebar, comments and a
footer around the text. Feeds and pages carry ETag and Last-Modified and answer 304 to a
conditional GET. Every answer waits `--latency` seconds first. TCP_NODELAY on every socket.

Control (from the benchmark, on 127.0.0.2): GET /_advance?new=5&day=2026-11-21 publishes `new`
items in every feed dated that day; GET /_stats returns request counts as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime as dt
import email.utils
import hashlib
import json
import random
import socket
import sys
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape

ITEMS = 50
TOPICS = {
    "coffee": "green coffee supply contracts growers Brazil arabica cooperative roasters harvest premium certified lots futures",
    "cloud": "data platform migration Kubernetes clusters cloud object storage pipelines autoscaling warehouse engineers",
    "solar": "solar power purchase agreements Spain renewable developers utilities capacity financing grid auctions",
    "ports": "port Genoa container terminal automation cranes shipping logistics rail freight dwell times",
    "ai": "EU AI Act compliance bank credit scoring models human oversight conformity assessment supervisors",
    "cfo": "chief financial officer search Italian manufacturing industrial automation listing finance director",
    "wine": "wine exports Piedmont Barolo vineyards harvest tariffs distributors Asia premium bottles cellars",
    "fashion": "fashion houses Milan luxury supply chain leather artisans sustainability collections retail",
    "pharma": "pharmaceutical plant Lombardy generic drugs regulatory approval clinical trials biotech investment",
    "rail": "high speed rail tender Frecciarossa rolling stock signalling ERTMS infrastructure concession",
    "fintech": "fintech payments instant transfers open banking licence startup funding round wallets",
    "food": "food delivery platforms riders regulation restaurants dark kitchens subscription margins",
    "steel": "green steel electric arc furnace hydrogen decarbonisation Taranto plant emissions quotas",
    "tourism": "tourism Venice visitor fee cruise ships hotels occupancy short term rentals overtourism",
    "auto": "electric vehicles battery gigafactory Turin suppliers components chips incentives dealers",
    "gas": "natural gas LNG terminal regasification storage prices Algeria pipeline contracts",
    "space": "space industry satellites launchers Avio constellation earth observation contracts agency",
    "retail": "supermarket chains private label inflation promotions discount stores logistics centres",
    "insurance": "insurance climate risk catastrophe bonds reinsurance floods premiums underwriting models",
    "textbooks": "publishing schools digital textbooks teachers curriculum platforms licences education",
}
# Companies the news names (one item in five leads with one, with good, bad or neutral news):
# the night's tact stage looks for the contacts' companies (bench/night.py gives each contact
# one of these) in every new article.
COMPANIES = [f"{a} {b}" for a in ("Aurora", "Brenta", "Cervino", "Dolomia", "Etna", "Fenice", "Garda",
                                  "Iride", "Ligure", "Monviso")
             for b in ("Meccanica", "Logistica", "Energia", "Alimentare", "Tessile", "Digitale",
                       "Farmaceutica", "Costruzioni", "Trasporti", "Servizi")]
COMPANY_NEWS = ["opens a new plant", "wins an award", "announces layoffs", "reports a loss",
                "names a new chief executive", "signs a supply contract", "faces a strike", "holds its annual meeting"]
FILLER = ("the company said in a statement that the plan would be reviewed by the board next quarter "
          "while analysts expect margins to improve as demand recovers across european markets").split()
NAV = "".join(f'<li><a href="/section/{i}">Section {i}</a></li>' for i in range(60))
SIDEBAR = "".join(
    f'<div class="promo"><a href="/promo/{i}"><img src="/img/{i}.jpg" alt="promo {i}">'
    f"<span>Most read story number {i} of the week</span></a></div>" for i in range(40)
)
FOOTER = "".join(f'<a href="/legal/{i}">Legal notice {i}</a> ' for i in range(40))


def sentence(rng: random.Random, words: list[str], n: int = 18) -> str:
    return " ".join(rng.choice(words) for _ in range(n)).capitalize() + "."


# Banks of sentences and comments made once: a page is then assembled by choosing from them,
# so serving thousands of pages costs the farm little CPU (the client is what is measured).
_BANK: dict[str, list[str]] = {}
_COMMENTS: list[str] = []


def bank(topic: str) -> list[str]:
    if topic not in _BANK:
        rng = random.Random(topic)
        words = TOPICS[topic].split() + FILLER
        _BANK[topic] = [sentence(rng, words) for _ in range(400)]
    return _BANK[topic]


def comments() -> list[str]:
    if not _COMMENTS:
        rng = random.Random(7)
        _COMMENTS.extend(
            f'<div class="comment"><span class="author">reader{n}</span><p>{sentence(rng, FILLER, 25)}</p>'
            f'<a href="/reply/{n}">Reply</a></div>' for n in range(600)
        )
    return _COMMENTS


class Farm:
    def __init__(self, feeds: int, hosts: int, latency: float, port: int, day: dt.date):
        self.nfeeds, self.nhosts, self.latency, self.port = feeds, hosts, latency, port
        self.totals = [ITEMS] * feeds
        self.dates: list[list[dt.datetime]] = []
        for i in range(feeds):
            start = dt.datetime.combine(day - dt.timedelta(days=9), dt.time(6, 0))
            self.dates.append([start + dt.timedelta(minutes=int(k * 9.5 * 24 * 60 / ITEMS)) for k in range(ITEMS)])
        self.feed_cache: dict[int, tuple[bytes, str, str]] = {}
        self.stats = {"feed": 0, "feed304": 0, "page": 0, "page304": 0, "other": 0}
        self.modified = email.utils.formatdate(1_700_000_000, usegmt=True)
        for topic in TOPICS:  # warm the banks before the clock starts
            bank(topic)
        comments()

    def generate_feeds(self) -> None:
        """Every feed's document, made now (the links in them need the port): a feed is a
        file on a real server, and making 200 of them while a client fetched them took 0.4 s
        of the cores the client runs on."""
        self.feed_cache.clear()
        for i in range(self.nfeeds):
            self.feed(i)

    def host(self, feed: int) -> str:
        return f"127.0.0.{2 + feed % self.nhosts}"

    def feed_url(self, feed: int) -> str:
        return f"http://{self.host(feed)}:{self.port}/feed/{feed}.xml"

    def topic(self, feed: int, k: int) -> str:
        names = list(TOPICS)
        return names[(feed * 7 + k * 3) % len(names)]

    def advance(self, new: int, day: dt.date) -> None:
        for i in range(self.nfeeds):
            for j in range(new):
                self.dates[i].append(dt.datetime.combine(day, dt.time(6, 0)) + dt.timedelta(minutes=10 * j))
            self.totals[i] += new
        self.generate_feeds()

    # --- documents ----------------------------------------------------------------------
    def feed(self, i: int) -> tuple[bytes, str, str]:
        if i not in self.feed_cache:
            total = self.totals[i]
            items = []
            for k in range(total - 1, max(-1, total - 1 - ITEMS), -1):
                rng = random.Random(i * 1_000_003 + k)
                topic = self.topic(i, k)
                words = TOPICS[topic].split()
                title = f"{topic.title()} {k}: " + " ".join(rng.sample(words, 6))
                if k % 5 == 0:
                    title = f"{COMPANIES[(i + k) % len(COMPANIES)]} {rng.choice(COMPANY_NEWS)}: {title}"
                summary = " ".join(sentence(rng, words + FILLER) for _ in range(3))
                date = email.utils.format_datetime(self.dates[i][k].replace(tzinfo=dt.timezone.utc), usegmt=True)
                link = f"http://{self.host(i)}:{self.port}/page/{i}/{k}.html"
                items.append(f"<item><title>{escape(title)}</title><link>{link}</link>"
                             f'<guid isPermaLink="false">farm-{i}-{k}</guid><pubDate>{date}</pubDate>'
                             f"<description>{escape(summary)}</description></item>")
            body = ('<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
                    f"<title>Farm feed {i}</title><link>http://{self.host(i)}:{self.port}/</link>"
                    f"<description>Feed {i}</description>" + "".join(items) + "</channel></rss>").encode()
            etag = '"' + hashlib.sha1(body).hexdigest()[:16] + '"'
            self.feed_cache[i] = (body, etag, "application/rss+xml; charset=utf-8")
        return self.feed_cache[i]

    def page(self, i: int, k: int) -> tuple[bytes, str, str]:
        rng = random.Random(i * 1_000_003 + k)
        topic = self.topic(i, k)
        words = TOPICS[topic].split()
        big = k % 4 == 3
        target = 130_000 if big else 50_000
        title = f"{topic.title()} {k}: " + " ".join(rng.sample(words, 6))
        sentences = bank(topic)
        paragraphs = "".join(f"<p>{' '.join(rng.choices(sentences, k=4))}</p>" for _ in range(12 if big else 6))
        chosen = []
        head = (f'<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>{escape(title)}</title>'
                f'<meta property="og:title" content="{escape(title)}"><link rel="stylesheet" href="/s.css">'
                f"<script>var config = {{\"section\": \"{topic}\", \"id\": {k}}};</script></head><body>"
                f'<header><nav><ul class="menu">{NAV}</ul></nav></header><main><article>'
                f"<h1>{escape(title)}</h1><p class=\"byline\">By Farm Reporter</p>{paragraphs}</article>"
                f'<aside class="sidebar">{SIDEBAR}</aside><section class="comments"><h2>Comments</h2>')
        tail = f"</section></main><footer>{FOOTER}</footer></body></html>"
        size = len(head) + len(tail)
        pool = comments()
        start = rng.randrange(len(pool))
        n = 0
        while size < target:
            c = pool[(start + n) % len(pool)]
            chosen.append(c)
            size += len(c)
            n += 1
        body = (head + "".join(chosen) + tail).encode()
        return body, f'"p{i}-{k}"', "text/html; charset=utf-8"

    # --- serving --------------------------------------------------------------------------
    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        sock = writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                lines = head.decode("latin-1").split("\r\n")
                method, target, _ = (lines[0].split(" ") + ["", ""])[:3]
                headers = {}
                for line in lines[1:]:
                    if ":" in line:
                        k, v = line.split(":", 1)
                        headers[k.strip().lower()] = v.strip()
                if self.latency:
                    await asyncio.sleep(self.latency)
                status, body, extra = self.route(target, headers)
                out = [f"HTTP/1.1 {status} {'OK' if status == 200 else 'Not Modified' if status == 304 else 'Not Found'}"]
                out += [f"{k}: {v}" for k, v in extra.items()]
                out.append(f"Content-Length: {len(body)}")
                writer.write(("\r\n".join(out) + "\r\n\r\n").encode() + (body if method != "HEAD" else b""))
                await writer.drain()
                if headers.get("connection", "").lower() == "close":
                    break
        except (asyncio.IncompleteReadError, ConnectionError, asyncio.LimitOverrunError):
            pass
        finally:
            writer.close()

    def route(self, target: str, headers: dict) -> tuple[int, bytes, dict]:
        parts = urlsplit(target)
        path = parts.path
        try:
            if path.startswith("/feed/"):
                kind, doc = "feed", self.feed(int(path[6:].split(".")[0]))
            elif path.startswith("/page/"):
                i, k = path[6:].split(".")[0].split("/")
                kind, doc = "page", self.page(int(i), int(k))
            elif path == "/_advance":
                q = parse_qs(parts.query)
                self.advance(int(q.get("new", ["5"])[0]), dt.date.fromisoformat(q["day"][0]))
                return 200, b"ok", {"Content-Type": "text/plain"}
            elif path == "/_stats":
                return 200, json.dumps(self.stats).encode(), {"Content-Type": "application/json"}
            else:
                self.stats["other"] += 1
                return 404, b"not found", {"Content-Type": "text/plain"}
        except (ValueError, IndexError, KeyError):
            return 404, b"not found", {"Content-Type": "text/plain"}
        body, etag, ctype = doc
        extra = {"ETag": etag, "Last-Modified": self.modified}
        if headers.get("if-none-match") == etag or (
            "if-none-match" not in headers and headers.get("if-modified-since") == self.modified and kind == "page"
        ):
            self.stats[kind + "304"] += 1
            return 304, b"", extra
        self.stats[kind] += 1
        extra["Content-Type"] = ctype
        return 200, body, extra


async def serve(farm: Farm, port: int) -> None:
    first = await asyncio.start_server(farm.handle, "127.0.0.2", port, backlog=1024)
    farm.port = first.sockets[0].getsockname()[1]
    servers = [first] + [
        await asyncio.start_server(farm.handle, f"127.0.0.{2 + h}", farm.port, backlog=1024)
        for h in range(1, farm.nhosts)
    ]
    farm.generate_feeds()
    print(f"port {farm.port}", flush=True)
    await asyncio.gather(*(s.serve_forever() for s in servers))


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--hosts", type=int, default=50)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--day", default="2026-11-20", help="the day of the newest items")
    args = ap.parse_args(argv)
    farm = Farm(args.feeds, min(args.hosts, 250), args.latency, args.port, dt.date.fromisoformat(args.day))
    try:
        asyncio.run(serve(farm, args.port))
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
