"""Crash safety: `matcher run` killed with SIGKILL at random moments, again and again.

After every kill the database is whole (SQLite's integrity check), no article or suggestion
is stored twice, no sent/skipped mark taken between kills is lost, and the next run completes
the night. Also: `matcher mark` and `matcher suggestions` work while a run is in progress.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from matcher.models import Article, Run, Suggestion, Touch
from tests.feedserver import rss

pytestmark = pytest.mark.slow  # minutes of real runs killed and restarted

KILLS = int(os.environ.get("MATCHER_CRASH_KILLS", "30"))
START = dt.date(2026, 11, 2)
TOPICS = {
    "coffee": "green coffee supply contracts with growers in Brazil arabica cooperatives roasters",
    "cloud": "data platform migration to Kubernetes clusters in the cloud object storage pipelines",
    "solar": "solar power purchase agreements PPA in Spain renewable developers utilities",
    "ports": "port of Genoa container terminal automation cranes shipping logistics rail",
    "ai": "EU AI Act compliance for bank credit scoring models and human oversight",
    "cfo": "chief financial officer search in Italian manufacturing industrial automation",
}
PLACES = ["Milano", "Torino", "Bologna", "Verona", "Padova", "Bari", "Napoli", "Trieste", "Parma", "Lecce"]


def contacts_yaml() -> str:
    out = []
    for i in range(24):
        topic = list(TOPICS)[i % len(TOPICS)]
        out.append(f"- name: Person {i}\n  email: p{i}@example.com\n  kind: colleague\n"
                   f"  projects:\n    - text: {TOPICS[topic]}\n")
    return "".join(out)


def publish(server, day: int) -> None:
    """Feeds as they are on `day`: each night brings new stories; some need their page."""
    when = START + dt.timedelta(days=day)
    for t, (topic, words) in enumerate(TOPICS.items()):
        items = []
        for d in range(max(0, day - 3), day + 1):
            date = START + dt.timedelta(days=d)
            for k in range(4):
                place = PLACES[(d * 7 + k * 3 + t) % len(PLACES)]
                body = " ".join(f"{words} in {place} on day {d} item {k}." for _ in range(8))
                item = {"title": f"{topic} {place} day {d} #{k}", "guid": f"{topic}-{d}-{k}",
                        "link": server.url(f"/p/{topic}-{d}-{k}.html"),
                        "date": f"{date:%a, %d %b %Y} 07:00:00 GMT", "summary": body[:200]}
                if k % 2 == 0:
                    item["content"] = f"<p>{body}</p>"
                else:  # too short in the feed: the page is fetched and extracted
                    server.set(f"/p/{topic}-{d}-{k}.html",
                               f"<html><body><nav>Home</nav><article><h1>{topic}</h1>"
                               + "".join(f"<p>{body} Paragraph {n}.</p>" for n in range(5))
                               + "</article><footer>c</footer></body></html>", "text/html")
                items.append(item)
        server.set(f"/{topic}.xml", rss(topic, items))
    assert when


# A pre-imported interpreter that forks one `matcher ... run` per request: a cold start costs
# ~2 s of imports (scikit-learn), which would make 30+ kills take minutes. Each forked child
# runs the CLI's own main() exactly as `python -m matcher` does, and dies by SIGKILL the same.
ZYGOTE = r"""
import json, os, sys, threading
import matcher.cli, matcher.night, matcher.ranking, matcher.suggest, matcher.feeds.ingest  # the slow imports, once
out = sys.stdout
lock = threading.Lock()
def reap(pid):
    _, status = os.waitpid(pid, 0)
    with lock:
        out.write(f"exit {pid} {os.waitstatus_to_exitcode(status)}\n"); out.flush()
for line in sys.stdin:
    args = json.loads(line)
    pid = os.fork()
    if pid == 0:
        sys.stdin.close()
        devnull = os.open(os.devnull, os.O_WRONLY)
        err = os.open(os.environ.get("ZYGOTE_STDERR", os.devnull), os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.dup2(devnull, 1); os.dup2(err, 2)
        try:
            matcher.cli.main(args, prog_name="matcher")
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
        except BaseException:
            code = 70
        os._exit(code)
    with lock:
        out.write(f"pid {pid}\n"); out.flush()
    threading.Thread(target=reap, args=(pid,), daemon=True).start()
"""


class Zygote:
    def __init__(self, stderr_path: Path):
        self.stderr_path = stderr_path
        self.proc = subprocess.Popen([sys.executable, "-c", ZYGOTE], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True, bufsize=1,
                                     env={**os.environ, "ZYGOTE_STDERR": str(stderr_path)})
        self.exits: dict[int, int] = {}

    def _line(self) -> str:
        line = self.proc.stdout.readline()
        assert line, "the zygote died"
        return line.split()

    def start(self, args: list[str]) -> int:
        self.proc.stdin.write(json.dumps(args) + "\n")
        self.proc.stdin.flush()
        while True:
            kind, pid, *rest = self._line()
            if kind == "pid":
                return int(pid)
            self.exits[int(pid)] = int(rest[0])

    def wait(self, pid: int, timeout: float) -> int | None:
        """The exit code, or None if still running after `timeout` seconds."""
        import selectors

        deadline = time.monotonic() + timeout
        with selectors.DefaultSelector() as sel:
            sel.register(self.proc.stdout, selectors.EVENT_READ)
            while pid not in self.exits:
                left = deadline - time.monotonic()
                if left <= 0 or not sel.select(left):
                    return None
                kind, other, *rest = self._line()
                if kind == "exit":
                    self.exits[int(other)] = int(rest[0])
        return self.exits[pid]

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)


def matcher_run(home: Path, day: int) -> subprocess.Popen:
    as_of = (START + dt.timedelta(days=day)).isoformat()
    return subprocess.Popen(
        [sys.executable, "-m", "matcher", "--home", str(home), "run", "--quiet", "--as-of", as_of],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, env={**os.environ, "MATCHER_HOME": str(home)},
    )


@pytest.fixture
def crash_home(cli, tmp_path, db_url, feed_server):
    home = tmp_path / "home"
    cli("init")
    (home / "matcher.toml").write_text(
        f'[database]\nurl = "{db_url}"\n[fetch]\nworkers = 2\ntimeout = 2.0\ndeadline = 4.0\n'
        f"[throttle]\ndaily_cap = 8\nmin_score = 0.05\ncadence_days = 1\n"
        f"[throttle.cadence_by_kind]\ncolleague = 1\n",
        encoding="utf-8",
    )
    (tmp_path / "c.yaml").write_text(contacts_yaml(), encoding="utf-8")
    cli("contacts", "import", str(tmp_path / "c.yaml"), "--as-of", "2026-10-01")
    for topic in TOPICS:
        cli("feeds", "add", feed_server.url(f"/{topic}.xml"))
    return home


def check_whole(db_url: str, marks: dict[int, str]) -> dict:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            if engine.dialect.name == "sqlite":
                assert s.execute(text("PRAGMA integrity_check")).scalar() == "ok"
            total, keys = s.execute(select(func.count(), func.count(func.distinct(Article.key)))).one()
            assert total == keys, "an article stored twice"
            linked = s.execute(select(func.count(), func.count(func.distinct(Article.url)))
                               .where(Article.url != "")).one()
            assert linked[0] == linked[1], "one URL stored as two articles"
            pairs = s.execute(select(Suggestion.contact_id, Suggestion.article_id)).all()
            assert len(pairs) == len(set(pairs)), "a suggestion proposed twice"
            pending = [c for (c,) in s.execute(select(Suggestion.contact_id).where(Suggestion.status == "pending"))]
            assert len(pending) == len(set(pending)), "two things in flight for one person"
            for sid, status in marks.items():
                assert s.get(Suggestion, sid).status == status, f"the mark of suggestion {sid} was lost"
            touched = [t for (t,) in s.execute(select(Touch.suggestion_id).where(Touch.suggestion_id.is_not(None)))]
            assert len(touched) == len(set(touched)), "one send recorded as two touches"
            return {
                "articles": total, "suggestions": len(pairs),
                "runs": dict(s.execute(select(Run.status, func.count()).group_by(Run.status)).all()),
            }
    finally:
        engine.dispose()


def test_sigkill_at_random_moments_never_corrupts(crash_home, db_url, feed_server, cli):
    rng = random.Random(5)
    zygote = Zygote(crash_home.parent / "runs-stderr.log")
    marks: dict[int, str] = {}
    killed = completed = 0
    durations = []
    day = 0
    publish(feed_server, day)
    started = time.monotonic()
    while killed < KILLS:
        as_of = (START + dt.timedelta(days=day)).isoformat()
        # Kill anywhere in a run: fetch, parse, extract, store or suggest. A few are cold
        # `python -m matcher` processes, the rest forked from the pre-imported zygote.
        cold = killed % 15 == 0
        limit = (sorted(durations)[len(durations) // 2] if durations else 1.0) * 1.1
        if cold:
            proc = matcher_run(crash_home, day)
            try:
                proc.wait(timeout=rng.uniform(1.5, 2.0 + limit))
                completed += 1
                out, err = proc.communicate()
                assert proc.returncode == 0, err.decode()
            except subprocess.TimeoutExpired:
                proc.send_signal(signal.SIGKILL)
                proc.communicate()
                killed += 1
        else:
            pid = zygote.start(["--home", str(crash_home), "run", "--quiet", "--as-of", as_of])
            code = zygote.wait(pid, rng.uniform(0.02, limit))
            if code is None:
                os.kill(pid, signal.SIGKILL)
                code = zygote.wait(pid, 10)
            if code == -signal.SIGKILL:
                killed += 1
            else:  # it finished (possibly just before the kill landed)
                assert code == 0, f"a run exited with {code}: {zygote.stderr_path.read_text()[-2000:]}"
                completed += 1
        check_whole(db_url, marks)
        # The person decides a few things between runs.
        res = cli("suggestions", "--json", "--as-of", (START + dt.timedelta(days=day)).isoformat())
        for row in json.loads(res.output)[:2]:
            status = rng.choice(["sent", "skipped"])
            cli("mark", str(row["id"]), status, "--as-of", (START + dt.timedelta(days=day)).isoformat())
            marks[row["id"]] = status
        if killed % 5 == 4 or rng.random() < 0.1:
            # Every so often a run is let finish: it completes what the killed ones left.
            t0 = time.monotonic()
            pid = zygote.start(["--home", str(crash_home), "run", "--quiet", "--as-of", as_of])
            code = zygote.wait(pid, 60)
            assert code == 0, f"a run exited with {code}: {zygote.stderr_path.read_text()[-2000:]}"
            durations.append(time.monotonic() - t0)
            completed += 1
            day += 1
            publish(feed_server, day)

    zygote.close()
    proc = matcher_run(crash_home, day)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    figures = check_whole(db_url, marks)
    elapsed = time.monotonic() - started
    print(f"\ncrash test ({db_url.split(':')[0]}): {killed} kills, {completed + 1} completed runs, "
          f"{day + 1} days, {len(marks)} marks kept, {figures}, {elapsed:.1f} s, full run median {sorted(durations)[len(durations) // 2]:.2f} s")
    assert killed >= KILLS and len(marks) >= 10 and figures["suggestions"] >= 10
    assert figures["runs"].get("running", 0) == 0 and figures["runs"].get("interrupted", 0) >= 1
    assert figures["articles"] >= len(TOPICS) * 4 * (day + 1)


def test_mark_and_review_work_while_a_run_is_in_progress(crash_home, db_url, feed_server, cli):
    publish(feed_server, 0)
    proc = matcher_run(crash_home, 0)
    assert proc.wait(timeout=60) == 0
    pending = json.loads(cli("suggestions", "--json", "--as-of", "2026-11-02").output)
    assert len(pending) >= 2
    # The next night's feeds answer slowly: the run holds its lock and writes as feeds arrive.
    publish(feed_server, 1)
    for topic in list(TOPICS)[:3]:
        feed_server.special(f"/{topic}.xml", body=b"<rss/>", delay=2.5)
    proc = matcher_run(crash_home, 1)
    try:
        time.sleep(1.2)
        assert proc.poll() is None, "the run ended before the test could overlap it"
        cli("mark", str(pending[0]["id"]), "sent", "--as-of", "2026-11-03")
        cli("review", "--as-of", "2026-11-03", input="s\nq\n")
        res = cli("suggestions", "--status", "all", "--json", "--as-of", "2026-11-03")
        assert proc.poll() is None, "the decisions were not taken while the run was going"
        statuses = {r["id"]: r["status"] for r in json.loads(res.output)}
        assert statuses[pending[0]["id"]] == "sent"
        # a second run at the same time is refused, not queued
        second = matcher_run(crash_home, 1)
        out, err = second.communicate(timeout=30)
        assert second.returncode != 0 and b"in progress" in err
    finally:
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err.decode()
    check_whole(db_url, {pending[0]["id"]: "sent"})
