"""A real HTTP server on 127.0.0.1 for feed tests: content, ETag/Last-Modified, specials, a log.

    def test_x(feed_server):
        feed_server.set("/a.xml", b"<rss>...</rss>", "application/rss+xml")
        feed_server.redirect("/old.xml", "/a.xml", status=301)
        feed_server.special("/slow.xml", delay=2.0)
        url = feed_server.url("/a.xml")
        ...
        assert feed_server.requests_for("/a.xml")[-1].headers["If-None-Match"]
"""

from __future__ import annotations

import email.utils
import hashlib
import http.server
import socket
import threading
import time
from dataclasses import dataclass, field

import pytest
from xml.sax.saxutils import escape


@dataclass
class LoggedRequest:
    method: str
    path: str
    headers: dict
    status: int = 0


@dataclass
class Special:
    status: int = 200
    body: bytes = b""
    content_type: str = "text/plain"
    headers: dict = field(default_factory=dict)
    delay: float = 0.0
    # A body too big to hold: a function returning an iterator of chunks, sent without
    # Content-Length and closed after (HTTP/1.0 style); `sent` counts what went out.
    stream: object = None
    sent: int = 0


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        pass  # a client that hangs up mid-request is normal for a fetcher with a deadline

    def get_request(self):
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr


class FeedServer:
    """Serves path → (bytes, content_type); tests change it freely between requests."""

    def __init__(self):
        self.content: dict[str, tuple[bytes, str]] = {}
        self.specials: dict[str, Special] = {}
        self.log: list[LoggedRequest] = []
        self.modified: dict[str, float] = {}
        # Requests being answered now, and the most at once: what a concurrency limit allows.
        self.in_flight = 0
        self.most_in_flight = 0
        self.lock = threading.Lock()
        self._server = _Server(("127.0.0.1", 0), self._handler())
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    # --- what tests use -----------------------------------------------------------
    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def set(self, path: str, body: bytes | str, content_type: str = "application/rss+xml") -> None:
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            self.content[path] = (body, content_type)
            self.modified[path] = time.time()
            self.specials.pop(path, None)

    def special(self, path: str, status: int = 200, body: bytes | str = b"",
                content_type: str = "text/plain", headers: dict | None = None,
                delay: float = 0.0, stream=None) -> Special:
        """Answer `path` with exactly this (a status, a delay, a streamed body…), ahead of its content."""
        if isinstance(body, str):
            body = body.encode("utf-8")
        with self.lock:
            self.specials[path] = Special(status, body, content_type, dict(headers or {}), delay, stream)
            return self.specials[path]

    def redirect(self, path: str, to: str, status: int = 301) -> None:
        target = to if "://" in to else self.url(to)
        self.special(path, status=status, headers={"Location": target})

    def clear_special(self, path: str) -> None:
        with self.lock:
            self.specials.pop(path, None)

    def requests_for(self, path: str) -> list[LoggedRequest]:
        """The logged requests for `path`, whatever their query string."""
        with self.lock:
            return [r for r in self.log if r.path.split("?", 1)[0] == path]

    def start(self) -> "FeedServer":
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # --- serving ------------------------------------------------------------------
    @staticmethod
    def etag_of(body: bytes) -> str:
        return '"' + hashlib.sha1(body).hexdigest()[:16] + '"'

    def _handler(self):
        server = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):  # quiet
                pass

            def do_HEAD(self):
                self._answer(head=True)

            def do_GET(self):
                self._answer(head=False)

            def _send(self, status, body, content_type, headers, head, entry):
                entry.status = status
                self.send_response(status)
                if status != 304:
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                for k, v in headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if not head and status != 304 and body:
                    try:
                        self.wfile.write(body)
                    except (BrokenPipeError, ConnectionResetError):
                        pass

            def _stream(self, special, head, entry):
                entry.status = special.status
                self.close_connection = True
                self.send_response(special.status)
                self.send_header("Content-Type", special.content_type)
                self.send_header("Connection", "close")
                for k, v in special.headers.items():
                    self.send_header(k, v)
                self.end_headers()
                if head:
                    return
                try:
                    for chunk in special.stream():
                        self.wfile.write(chunk)
                        special.sent += len(chunk)
                except (BrokenPipeError, ConnectionResetError, OSError):
                    pass

            def _answer(self, head):
                with server.lock:
                    server.in_flight += 1
                    server.most_in_flight = max(server.most_in_flight, server.in_flight)
                try:
                    self._answer_path(head)
                finally:
                    with server.lock:
                        server.in_flight -= 1

            def _answer_path(self, head):
                path = self.path.split("?", 1)[0]
                entry = LoggedRequest(self.command, self.path, dict(self.headers.items()))
                with server.lock:
                    server.log.append(entry)
                    special = server.specials.get(path)
                    item = server.content.get(path)
                    mtime = server.modified.get(path, time.time())
                if special is not None:
                    if special.delay:
                        time.sleep(special.delay)
                    if special.stream is not None:
                        return self._stream(special, head, entry)
                    return self._send(special.status, special.body, special.content_type,
                                      special.headers, head, entry)
                if item is None:
                    return self._send(404, b"not found", "text/plain", {}, head, entry)
                body, content_type = item
                etag = server.etag_of(body)
                last_modified = email.utils.formatdate(mtime, usegmt=True)
                headers = {"ETag": etag, "Last-Modified": last_modified}
                inm = self.headers.get("If-None-Match")
                ims = self.headers.get("If-Modified-Since")
                if inm is not None:
                    fresh = etag in [t.strip() for t in inm.split(",")] or inm.strip() == "*"
                elif ims is not None:
                    try:
                        fresh = email.utils.parsedate_to_datetime(ims).timestamp() >= int(mtime)
                    except (TypeError, ValueError):
                        fresh = False
                else:
                    fresh = False
                if fresh:
                    return self._send(304, b"", content_type, headers, head, entry)
                return self._send(200, body, content_type, headers, head, entry)

        return Handler


class RawServer:
    """A TCP server on 127.0.0.1 that does not speak HTTP properly, for the fault matrix.

    behaviour: "silent" (reads, never answers), "dribble" (a status line then one byte a
    second, forever), "garbage" (non-HTTP bytes, then hangs up), "hangup" (closes at once).
    """

    def __init__(self, behaviour: str, interval: float = 1.0):
        self.behaviour = behaviour
        self.interval = interval
        self.stopped = threading.Event()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self.bytes_sent = 0
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def url(self, path: str = "/feed.xml") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def _accept(self):
        while not self.stopped.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn):
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        conn.settimeout(0.2)
        try:
            if self.behaviour == "hangup":
                return
            try:
                conn.recv(65536)
            except (TimeoutError, socket.timeout):
                pass
            if self.behaviour == "garbage":
                conn.sendall(b"\x00\xffSSH-2.0-nonsense\r\n\x13\x37" * 50)
                return
            if self.behaviour == "dribble":
                head = b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n\r\n<rss>"
                i = 0
                while not self.stopped.wait(self.interval if i else 0):
                    conn.sendall(head[i : i + 1] if i < len(head) else b" ")
                    self.bytes_sent += 1
                    i += 1
                return
            while not self.stopped.wait(0.1):  # silent: hold the connection open
                pass
        except OSError:
            pass
        finally:
            conn.close()

    def stop(self):
        self.stopped.set()
        self.sock.close()


@pytest.fixture
def raw_server():
    """raw_server("silent") → a started RawServer; all are stopped after the test."""
    started = []

    def start(behaviour: str, interval: float = 1.0) -> RawServer:
        server = RawServer(behaviour, interval)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def feed_server():
    server = FeedServer().start()
    try:
        yield server
    finally:
        server.stop()


# --- small RSS/Atom documents and an article page for feed tests --------------------


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
            + (f'<link href="{escape(e["link"])}"/>' if e.get("link") else "")
            + f"<updated>{e.get('updated', '2026-11-12T10:00:00Z')}</updated>"
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
