"""`matcher report --html`: one static page, charts inline, every untrusted string escaped,
and — when Debian's chromium is installed — rendered by a real headless browser."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

from matcher.models import Article, Suggestion

CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if os.path.exists("/usr/bin/chromium") else None)
EVIL = '<script>alert("x")</script> & <b>bold</b>'


@pytest.fixture
def world(cli, tmp_path):
    home = tmp_path / "home"
    cli("init")
    people = [("Giulia Conti", "recruiter"), ("Bruno <img src=x onerror=alert(1)>", "headhunter"),
              ("Carla Nube", "colleague"), ("Dario Legge", "mentor"), ("Elena Sol", "colleague")]
    for name, kind in people:
        cli("contacts", "add", name, "--kind", kind, "--company", "ACME & Sons", "--as-of", "2026-01-01")
    # a year of touches, replies and asks
    for month in range(1, 12):
        cli("log", "Giulia", "email", "--as-of", f"2026-{month:02d}-03")
        if month % 2:
            cli("log", "Giulia", "reply", "--as-of", f"2026-{month:02d}-05")
        if month % 3 == 0:
            cli("log", "Carla", "call", "--as-of", f"2026-{month:02d}-10")
    cli("log", "Dario", "ask", "--as-of", "2026-06-01")
    cli("log", "Dario", "ask", "--as-of", "2026-09-01")
    cli("log", "Elena", "meeting", "--as-of", "2026-11-20")
    # suggestions with a hostile feed title: one sent, one skipped, one pending
    engine = create_engine(os.environ.get("MATCHER_DB") or f"sqlite:///{home / 'matcher.db'}")
    with Session(engine) as session:
        for i, status in enumerate(("sent", "skipped", "pending")):
            a = Article(key=f"k{i}", url=f"https://example.com/{i}?a=1&b=2", title=EVIL if i == 0 else f"Story {i}",
                        published=dt.datetime(2026, 11, 10))
            session.add(a)
            session.flush()
            session.add(Suggestion(contact_id=i + 1, article_id=a.id, score=0.5, reasons=["coffee"], draft="",
                                   status=status, created_on=dt.date(2026, 11, 10),
                                   decided_on=None if status == "pending" else dt.date(2026, 11, 11)))
        session.commit()
    engine.dispose()
    return cli, tmp_path


@pytest.mark.slow
def test_report_is_one_escaped_static_page(world):
    cli, tmp_path = world
    out = tmp_path / "health.html"
    result = cli("report", "--html", str(out), "--as-of", "2026-11-25")
    assert "5 contacts" in result.stdout
    html = out.read_text(encoding="utf-8")
    assert "<script" not in html.lower()  # not ours, and not the feed's
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "<img" not in html and "Bruno &lt;img src=x onerror=alert(1)&gt;" in html
    assert "ACME &amp; Sons" in html
    assert 'href="https://example.com/0?a=1&amp;b=2"' in html
    # self-contained: no external assets of any kind
    assert not re.search(r'(src|href)="(?!https://example\.com/)', html)
    assert "@import" not in html and "url(" not in html
    # the four charts
    assert html.count("<svg") >= 4
    for label in ("days since last touch per contact", "touches per month", "sent and skipped funnel"):
        assert f'aria-label="{label}"' in html
    assert "give more before asking" in html  # Dario: two asks, no gives
    assert "Giulia Conti: 20 days (cadence 30)" in html  # the reply of 2026-11-05


@pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)")
def test_report_renders_in_headless_chromium(world):
    cli, tmp_path = world
    out = tmp_path / "health.html"
    cli("report", "--html", str(out), "--as-of", "2026-11-25")
    shot = tmp_path / "health.png"
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
             "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={profile}",
             f"--screenshot={shot}", "--window-size=1200,1600", out.resolve().as_uri()],
            check=True, capture_output=True, timeout=120,
        )
    data = shot.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    assert (width, height) == (1200, 1600)
    assert len(data) > 20_000  # charts and text, not a blank page
    keep = os.environ.get("MATCHER_REPORT_SCREENSHOT")
    if keep:
        Path(keep).write_bytes(data)
