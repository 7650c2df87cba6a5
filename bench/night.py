"""The night benchmark: matcher's whole `matcher run` and its peers, on one loopback farm.

    python bench/night.py --feeds 200 --latency 0.05 --repeat 3
    python bench/night.py --quick          # 40 feeds, 1 repetition, small retention replay

Starts bench/farm.py (N feeds × 50 items, article pages of ≈50/130 KB, ETag/Last-Modified,
latency, TCP_NODELAY, spread over loopback hosts 127.0.0.2…), then measures, `--repeat` times
each, and prints medians, ratios against the targets of issue 5, the machine and the library
versions. Nothing leaves 127.0.0.1/8. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

DAY = dt.date(2026, 11, 20)


# --- the farm -----------------------------------------------------------------------------


class FarmProcess:
    def __init__(self, feeds: int, latency: float, hosts: int = 50):
        self.feeds = feeds
        self.hosts = min(hosts, feeds)
        self.proc = subprocess.Popen(
            [sys.executable, str(HERE / "farm.py"), "--feeds", str(feeds), "--latency", str(latency),
             "--hosts", str(self.hosts), "--day", DAY.isoformat()],
            stdout=subprocess.PIPE, text=True,
        )
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "port", "the farm did not start"
        self.port = int(line[1])

    def host(self, i: int) -> str:
        return f"127.0.0.{2 + i % self.hosts}"

    def feed_urls(self) -> list[str]:
        return [f"http://{self.host(i)}:{self.port}/feed/{i}.xml" for i in range(self.feeds)]

    def page_urls(self, n: int, big: bool = False) -> list[str]:
        out = []
        for k in range(50):
            if (k % 4 == 3) != big:
                continue
            for i in range(self.feeds):
                out.append(f"http://{self.host(i)}:{self.port}/page/{i}/{k}.html")
                if len(out) == n:
                    return out
        return out

    def call(self, path: str) -> bytes:
        with urllib.request.urlopen(f"http://127.0.0.2:{self.port}{path}", timeout=30) as r:
            return r.read()

    def advance(self, new: int, day: dt.date) -> None:
        self.call(f"/_advance?new={new}&day={day.isoformat()}")

    def stats(self) -> dict:
        return json.loads(self.call("/_stats"))

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


# --- helpers ------------------------------------------------------------------------------


def median(values):
    return statistics.median(values) if values else float("nan")


def timed(fn, *args, **kwargs):
    t0 = time.perf_counter()
    out = fn(*args, **kwargs)
    return time.perf_counter() - t0, out


def versions() -> dict:
    from importlib.metadata import version

    out = {}
    for name in ("feedparser", "aiohttp", "trafilatura", "scikit-learn", "SQLAlchemy", "numpy", "lxml"):
        try:
            out[name] = version(name)
        except Exception:
            out[name] = "?"
    nb = shutil.which("newsboat")
    if nb:
        out["newsboat"] = subprocess.run([nb, "--version"], capture_output=True, text=True).stdout.split(" - ")[0].strip()
    return out


def machine() -> str:
    cpu = platform.processor() or ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        mem = f", {kb / 1024 / 1024:.1f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (f"{platform.system()} {platform.release()}, {os.cpu_count()} cores ({cpu}){mem}, "
            f"Python {platform.python_version()}, load average now {os.getloadavg()[0]:.2f}")


def contacts_yaml(n: int) -> str:
    """`n` contacts, each with a project on one of the farm's topics and a company the farm's
    news names (one item in five), so the night's tact stage finds mentions and judges tone."""
    from farm import COMPANIES, TOPICS

    import random

    rng = random.Random(1)
    names = list(TOPICS)
    out = []
    for i in range(n):
        words = TOPICS[names[i % len(names)]].split()
        text = "Working on " + " ".join(rng.sample(words, 7)) + "."
        out.append(f"- name: Contact {i}\n  email: c{i}@example.com\n  kind: colleague\n"
                   f"  company: {COMPANIES[i % len(COMPANIES)]} S.p.A.\n"
                   f"  projects:\n    - text: {text}\n      since: 2026-01-01\n")
    return "".join(out)


def new_home(root: Path, farm: FarmProcess | None, contacts: int, extra_toml: str = "") -> Path:
    """A home with the farm's feeds and `contacts` contacts, through the library the CLI uses."""
    home = Path(tempfile.mkdtemp(dir=root))
    (home / "matcher.toml").write_text(extra_toml, encoding="utf-8")
    from click.testing import CliRunner

    from matcher.cli import main

    runner = CliRunner()
    if farm is not None:
        opml = home / "farm.opml"
        opml.write_text('<?xml version="1.0"?><opml version="2.0"><head><title>farm</title></head><body>'
                        + "".join(f'<outline type="rss" text="f{i}" xmlUrl="{u}"/>' for i, u in enumerate(farm.feed_urls()))
                        + "</body></opml>", encoding="utf-8")
        res = runner.invoke(main, ["--home", str(home), "feeds", "import", str(opml)])
        assert res.exit_code == 0, res.output
    if contacts:
        path = home / "contacts.yaml"
        path.write_text(contacts_yaml(contacts), encoding="utf-8")
        res = runner.invoke(main, ["--home", str(home), "contacts", "import", str(path), "--as-of", "2026-10-01"])
        assert res.exit_code == 0, res.output
    return home


# --- one night in a child process: wall time, stage times, peak memory --------------------


def child_night(home: str, as_of: str) -> None:
    """(child) run_night with stage timestamps; prints one JSON line."""
    from matcher.cli import fast_exit
    from matcher.home import open_home
    from matcher.night import run_night

    fast_exit()  # as the `matcher` script does

    t0 = time.perf_counter()
    stages: dict[str, list[float]] = {}

    peaks: dict[str, float] = {}  # peak RSS (MB) reached by the end of each stage
    busy: dict[str, list[float]] = {}  # the machine's busy CPU seconds at each stage's start and end

    def progress(stage, done, total):
        now = time.perf_counter() - t0
        span = stages.setdefault(stage, [now, now])
        span[1] = now
        peaks[stage] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        cpu = busy.setdefault(stage, [machine_busy(), 0.0])
        cpu[1] = machine_busy()

    h = open_home(Path(home))
    report = run_night(h, dt.date.fromisoformat(as_of), progress=progress)
    h.close()
    wall = time.perf_counter() - t0
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    # CPU seconds of the night and its workers: steadier than the wall on a shared machine.
    cpu = sum(getattr(resource.getrusage(who), f) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
              for f in ("ru_utime", "ru_stime"))
    print(json.dumps({"wall": wall, "stages": {k: v[1] - v[0] for k, v in stages.items()},
                      "starts": {k: v[0] for k, v in stages.items()},
                      "report": report.to_dict() | {"suggestion_ids": None}, "rss_mb": own, "worker_rss_mb": kids, "cpu_s": cpu,
                      "peaks": peaks, "busy": {k: v[1] - v[0] for k, v in busy.items()}}))


def machine_busy() -> float:
    """CPU seconds the whole machine (the farm too) has spent busy since boot, from /proc/stat:
    a stage's share of it says whether the stage was bound by the cores or by waiting."""
    try:
        with open("/proc/stat") as f:
            fields = [int(x) for x in f.readline().split()[1:]]
    except OSError:
        return float("nan")
    idle = fields[3] + (fields[4] if len(fields) > 4 else 0)
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far, from /proc."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def night(home: Path, as_of: dt.date, farm: FarmProcess | None = None) -> dict:
    farm_cpu = process_cpu(farm.proc.pid) if farm is not None else float("nan")
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, __file__, "--child-night", str(home), as_of.isoformat()],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    data = json.loads(out.stdout.strip().splitlines()[-1])
    data["process_wall"] = time.perf_counter() - t0
    data["farm_cpu"] = process_cpu(farm.proc.pid) - farm_cpu if farm is not None else float("nan")
    return data


# --- the peers ----------------------------------------------------------------------------


def naive_loop(urls: list[str]) -> int:
    import feedparser

    return sum(len(feedparser.parse(u).entries) for u in urls)


def _get(url: str) -> bytes:
    with urllib.request.urlopen(url, timeout=30) as r:
        return r.read()


def _parse_count(body: bytes) -> int:
    import feedparser

    return len(feedparser.parse(body).entries)


def threads_and_pool(urls: list[str], threads: int = 32, procs: int = 2) -> int:
    with ProcessPoolExecutor(procs) as pool, ThreadPoolExecutor(threads) as fetchers:
        parsed = [pool.submit(_parse_count, f.result()) for f in as_completed(fetchers.submit(_get, u) for u in urls)]
        return sum(p.result() for p in parsed)


def _extract(body: bytes) -> int:
    import trafilatura

    return len(trafilatura.extract(body) or "")


def _get_extract(url: str) -> int:
    return _extract(_get(url))


def pages_threads_and_pool(urls: list[str], threads: int = 32, procs: int = 2) -> float:
    """The reference design: 32 fetch threads, trafilatura.extract in a 2-process pool."""
    t0 = time.perf_counter()
    with ProcessPoolExecutor(procs) as pool, ThreadPoolExecutor(threads) as fetchers:
        done = [pool.submit(_extract, f.result()) for f in as_completed(fetchers.submit(_get, u) for u in urls)]
        assert all(d.result() for d in done)
    return time.perf_counter() - t0


def pages_in_threads(urls: list[str], threads: int = 32) -> float:
    """The same with extraction inside the fetch threads (the GIL serialises it)."""
    t0 = time.perf_counter()
    with ThreadPoolExecutor(threads) as fetchers:
        assert all(fetchers.map(_get_extract, urls))
    return time.perf_counter() - t0


def newsboat(urls: list[str], workdir: Path) -> tuple[float, float] | None:
    nb = shutil.which("newsboat")
    if not nb:
        return None
    workdir.mkdir(parents=True, exist_ok=True)
    (workdir / "urls").write_text("\n".join(urls) + "\n")
    (workdir / "config").write_text("reload-threads 16\n")
    cache = workdir / "cache.db"
    cmd = [nb, "-x", "reload", "-u", str(workdir / "urls"), "-c", str(cache), "-C", str(workdir / "config")]
    env = {**os.environ, "HOME": str(workdir), "XDG_CONFIG_HOME": str(workdir), "XDG_DATA_HOME": str(workdir)}
    first, _ = timed(subprocess.run, cmd, capture_output=True, env=env, check=True)
    again, _ = timed(subprocess.run, cmd, capture_output=True, env=env, check=True)
    return first, again


def matcher_ingest(urls_home: Path, settings) -> tuple[float, dict]:
    from matcher.db import Database
    from matcher.feeds.ingest import ingest

    db = Database(f"sqlite:///{urls_home / 'matcher.db'}")
    stages: dict[str, list[float]] = {}
    t0 = time.perf_counter()

    def progress(stage, done, total):
        now = time.perf_counter() - t0
        span = stages.setdefault(stage, [now, now])
        span[1] = now

    seconds, report = timed(ingest, db, settings, dt.datetime.combine(DAY, dt.time(23)), progress)
    db.close()
    return seconds, {"report": report, "stages": {k: v[1] - v[0] for k, v in stages.items()}}


def pages_per_second(farm: FarmProcess, n: int, settings) -> dict:
    from matcher.feeds.extract import extract_text
    from matcher.feeds.fetch import FetchRequest
    from matcher.feeds.rounds import fetch_and_process

    urls = farm.page_urls(n)
    t0 = time.perf_counter()
    # exactly what the night does: extraction in the process pool as pages arrive
    pages, texts = fetch_and_process([FetchRequest(u) for u in urls], settings.fetch, extract_text,
                                     lambda p: (p.body, p.url) if p.body else None, settings.fetch.workers)
    total = time.perf_counter() - t0
    ok = sum(1 for t in texts if t)
    return {"pages": len(urls), "extracted": ok, "total_s": total, "pages_per_s": len(urls) / total}


def extraction_timing(farm: FarmProcess, n: int = 20) -> dict:
    import trafilatura

    from matcher.feeds.extract import extract_text

    out = {}
    for big in (False, True):
        bodies = [_get(u) for u in farm.page_urls(n, big=big)]
        extract_text(bodies[0])  # warm
        mine = [timed(extract_text, b)[0] for b in bodies]
        plain = [timed(trafilatura.extract, b)[0] for b in bodies]
        out["130KB" if big else "50KB"] = {"size": statistics.mean(len(b) for b in bodies),
                                            "matcher_ms": 1000 * median(mine), "trafilatura_default_ms": 1000 * median(plain)}
    return out


def child_tfidf(n_articles: int, n_contacts: int) -> None:
    """(child) fit TF-IDF on n articles and rank them for n contacts as the night does (without
    the semantic signal); prints time and peak memory."""
    import random

    from farm import FILLER, TOPICS, sentence

    from matcher.matching.tfidf import ProjectMatcher

    rng = random.Random(2)
    names = list(TOPICS)
    articles = []
    for i in range(n_articles):
        words = TOPICS[names[i % len(names)]].split()
        articles.append({"title": " ".join(rng.sample(words, 6)), "language": "en",
                         "text": " ".join(sentence(rng, words + FILLER) for _ in range(30))})
    projects = [["Working on " + " ".join(rng.sample(TOPICS[names[c % len(names)]].split(), 7))]
                for c in range(n_contacts)]
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    t0 = time.perf_counter()
    matcher = ProjectMatcher()
    matrix = matcher.fit_transform(articles)
    fit = time.perf_counter() - t0
    matcher.rank_contacts(projects, matrix)
    total = time.perf_counter() - t0
    print(json.dumps({"fit_s": fit, "total_s": total, "rss_before_mb": before,
                      "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))


def tfidf(n_articles: int, n_contacts: int) -> dict:
    out = subprocess.run([sys.executable, __file__, "--child-tfidf", str(n_articles), str(n_contacts)],
                         capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    return json.loads(out.stdout.strip().splitlines()[-1])


def add_old_articles(home: Path, n: int) -> None:
    """Pad the database with n stored articles from weeks ago (inside retention, not fresh)."""
    from sqlalchemy import insert

    from matcher.db import Database
    from matcher.models import Article

    db = Database(f"sqlite:///{home / 'matcher.db'}")
    text = ("An older story about markets, contracts and logistics. " * 60).strip()
    base = dt.datetime.combine(DAY, dt.time(6)) - dt.timedelta(days=20)
    with db.engine.begin() as conn:
        for start in range(0, n, 5000):
            conn.execute(insert(Article), [
                {"key": f"old-{start + j}", "url": f"https://old.example/{start + j}", "title": f"Old {start + j}",
                 "summary": "", "text": text, "text_source": "feed", "language": "en",
                 "published": base - dt.timedelta(minutes=start + j), "fetched_at": base}
                for j in range(min(5000, n - start))
            ])
    db.close()


def db_size(home: Path) -> int:
    return sum(p.stat().st_size for p in home.glob("matcher.db*"))


# --- the report ---------------------------------------------------------------------------


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds", type=int, default=200)
    ap.add_argument("--latency", type=float, default=0.05)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--naive-repeat", type=int, default=1, help="the naive loop is slow: fewer runs")
    ap.add_argument("--night-repeat", type=int, default=0, help="repetitions of the whole-night series (default: --repeat)")
    ap.add_argument("--contacts", type=int, default=2000)
    ap.add_argument("--pages", type=int, default=2000)
    ap.add_argument("--stored", type=int, default=50_000)
    ap.add_argument("--retention-nights", type=int, default=100)
    ap.add_argument("--retention-feeds", type=int, default=10)
    ap.add_argument("--quick", action="store_true", help="40 feeds, 200 contacts, 1 repetition")
    ap.add_argument("--skip", default="", help="comma list: naive,threads,newsboat,night,pages,pagepeers,extract,tfidf,retention")
    ap.add_argument("--child-night", nargs=2, help=argparse.SUPPRESS)
    ap.add_argument("--child-tfidf", nargs=2, type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child_night:
        return child_night(*args.child_night)
    if args.child_tfidf:
        return child_tfidf(*args.child_tfidf)
    if args.quick:
        args.feeds, args.repeat, args.contacts, args.pages, args.stored = 40, 1, 200, 400, 10_000
        args.retention_nights, args.retention_feeds = 30, 10
    skip = set(filter(None, args.skip.split(",")))

    from matcher.config import FetchSettings, Settings

    print(f"# matcher night benchmark: {args.feeds} feeds × 50 items, latency {args.latency * 1000:.0f} ms, "
          f"repeat {args.repeat}")
    print(f"machine: {machine()}")
    print("versions: " + ", ".join(f"{k} {v}" for k, v in versions().items()))
    print(f"command: python bench/night.py {' '.join(argv if argv is not None else sys.argv[1:])}")
    rows: list[tuple[str, str, str]] = []

    def row(name, value, note=""):
        rows.append((name, value, note))
        print(f"  {name:<58} {value:>14}  {note}", flush=True)

    root = Path(tempfile.mkdtemp(prefix="matcher-bench-"))
    farm = FarmProcess(args.feeds, args.latency)
    results: dict[str, float] = {}
    try:
        urls = farm.feed_urls()
        print("\n## ingest of the feeds (fetch, parse, store; no article pages)")
        if "naive" not in skip:
            times = [timed(naive_loop, urls)[0] for _ in range(args.naive_repeat)]
            results["naive"] = median(times)
            row("naive sequential feedparser.parse(url) loop", f"{results['naive']:.2f} s", "reference 13.8 s")
        if "threads" not in skip:
            times = [timed(threads_and_pool, urls)[0] for _ in range(args.repeat)]
            results["threads"] = median(times)
            row("32 fetch threads feeding a 2-process parse pool", f"{results['threads']:.2f} s", "reference 1.4 s")
        if "newsboat" not in skip:
            nb = [newsboat(urls, root / f"newsboat{r}") for r in range(args.repeat)]
            if nb[0] is None:
                row("newsboat", "absent", "apt-get install newsboat to compare")
            else:
                results["newsboat"] = median([a for a, _ in nb])
                results["newsboat304"] = median([b for _, b in nb])
                row("newsboat -x reload (reload-threads 16)", f"{results['newsboat']:.2f} s", "reference 2.9 s")
                row("newsboat, every feed 304", f"{results['newsboat304']:.2f} s", "reference 1.7 s")
        ingest_settings = Settings(home=root, fetch=FetchSettings(min_feed_text=0))
        first, again, fetch304 = [], [], []
        for r in range(args.repeat):
            d = root / f"ingest{r}"
            d.mkdir()
            from matcher.db import Database
            from matcher.feeds.ingest import add_feed

            db = Database(f"sqlite:///{d / 'matcher.db'}")
            for u in urls:
                add_feed(db, u)
            db.close()
            s1, info1 = matcher_ingest(d, ingest_settings)
            s2, info2 = matcher_ingest(d, ingest_settings)
            assert info2["report"].not_modified == len(urls), info2["report"]
            first.append(s1)
            again.append(s2)
            fetch304.append(info2["stages"].get("fetch", s2))
        results["ingest"] = median(first)
        row("matcher ingest (fetch, parse, store)", f"{results['ingest']:.2f} s",
            f"{len(info1['report'].new_article_ids)} articles; stages " + ", ".join(f"{k} {v:.2f}" for k, v in info1["stages"].items()))
        if "naive" in results:
            row("  ratio naive / matcher", f"{results['naive'] / results['ingest']:.1f}x", "target ≥ 8x")
        if "newsboat" in results:
            row("  ratio newsboat / matcher", f"{results['newsboat'] / results['ingest']:.2f}x", "target > 1 (faster than newsboat)")
        row("matcher ingest, every feed 304 (whole)", f"{median(again):.2f} s")
        row("  of which fetching", f"{median(fetch304):.2f} s", "target < 0.5 s")

        if "extract" not in skip:
            print("\n## article pages")
            ex = extraction_timing(farm)
            for size, e in ex.items():
                row(f"extract one {size} page (matcher settings; trafilatura defaults)",
                    f"{e['matcher_ms']:.1f} ms", f"{e['trafilatura_default_ms']:.1f} ms default; page {e['size'] / 1000:.0f} KB; reference {'4' if size == '50KB' else '10'} ms")
        if "pages" not in skip:
            settings = Settings(home=root)
            runs = [pages_per_second(farm, args.pages, settings) for _ in range(args.repeat)]
            pps = median([r["pages_per_s"] for r in runs])
            row(f"matcher: {args.pages} pages of 50 KB fetched ({settings.fetch.concurrency} in flight) + extracted (2 procs)",
                f"{median([r['total_s'] for r in runs]):.2f} s", f"{pps:.0f} pages/s (target ≥ 300); reference 5.5 s")
            urls = farm.page_urls(args.pages)
            if "pagepeers" not in skip:
                t = median([pages_threads_and_pool(urls) for _ in range(args.repeat)])
                row("32 fetch threads + trafilatura.extract (defaults) in 2 procs", f"{t:.2f} s",
                    f"{len(urls) / t:.0f} pages/s; reference 5.5 s")
                t = median([pages_in_threads(urls) for _ in range(max(1, args.repeat - 1))])
                row("32 fetch threads extracting inside the threads", f"{t:.2f} s",
                    f"{len(urls) / t:.0f} pages/s; reference 18.7 s")

        if "tfidf" not in skip:
            print("\n## matching")
            t = [tfidf(10_000 if not args.quick else 2000, args.contacts) for _ in range(max(1, args.repeat - 1))]
            row(f"TF-IDF {10_000 if not args.quick else 2000} articles × {args.contacts} contacts",
                f"{median([x['total_s'] for x in t]):.2f} s",
                f"fit {median([x['fit_s'] for x in t]):.2f} s; peak {median([x['peak_rss_mb'] for x in t]):.0f} MB "
                f"(process, {median([x['rss_before_mb'] for x in t]):.0f} MB before); reference ≈4 s, 350–500 MB")

        if "night" not in skip:
            print(f"\n## the whole `matcher run` ({args.feeds} feeds, {args.contacts} contacts, pages fetched for every new article)")
            full, n304, tenth, padded = [], [], [], []
            for r in range(args.night_repeat or args.repeat):
                farm.stop()
                farm = FarmProcess(args.feeds, args.latency)
                home = new_home(root, farm, args.contacts)
                full.append(night(home, DAY, farm))
                n304.append(night(home, DAY, farm))
                if args.stored:
                    # The same 10 %-new night on a copy of the home padded with old articles:
                    # the only difference between the two nights is what is stored.
                    padded_home = Path(tempfile.mkdtemp(dir=root)) / "home"
                    shutil.copytree(home, padded_home)
                    add_old_articles(padded_home, args.stored - 10_000 - 1_000 if args.stored > 11_000 else args.stored)
                farm.advance(5, DAY + dt.timedelta(days=1))
                tenth.append(night(home, DAY + dt.timedelta(days=1), farm))
                if args.stored:
                    padded.append(night(padded_home, DAY + dt.timedelta(days=1), farm))
                    padded[-1]["size"] = db_size(padded_home)

            def show(label, runs, note=""):
                w = median([x["process_wall"] for x in runs])
                rep = runs[0]["report"]
                stages = {k: median([x["stages"].get(k, 0.0) for x in runs]) for k in runs[0]["stages"]}
                row(label, f"{w:.2f} s",
                    f"{rep['articles_new']} new, {rep['pages_fetched']} pages, {rep['suggestions_new']} suggestions; "
                    f"CPU {median([x.get('cpu_s', float('nan')) for x in runs]):.1f} s (night + workers); "
                    f"peak {median([x['rss_mb'] for x in runs]):.0f} MB + workers {median([x['worker_rss_mb'] for x in runs]):.0f} MB; "
                    + ", ".join(f"{k} {v:.2f}" for k, v in stages.items()) + (f"; {note}" if note else ""))
                peaks = runs[0].get("peaks", {})
                row("    peak memory by the end of each stage", "",
                    ", ".join(f"{k} {v:.0f} MB" for k, v in peaks.items()))
                cores = os.cpu_count() or 1
                busy = {k: median([x["busy"].get(k, 0.0) for x in runs]) for k in runs[0].get("busy", {})}
                row(f"    cores busy during each stage (of {cores}; the farm's share too)", "",
                    ", ".join(f"{k} {v / max(stages.get(k, 0), 1e-9):.1f}" for k, v in busy.items() if stages.get(k, 0) > 0.05)
                    + f"; the farm serving the night used {median([x['farm_cpu'] for x in runs]):.1f} CPU-s")
                if "embed" in stages:
                    row("    of which embedding the new articles", f"{stages['embed']:.2f} s",
                        f"{rep['articles_new']} articles, sentence vectors of title + lead, 1 thread per process")
                if "tact" in stages:
                    row("    of which company mentions and tone", f"{stages['tact']:.2f} s",
                        "the contacts' companies looked for in every new article, tone judged where named")
                return w

            f = show("full night (new home, everything new)", full, "target ≤ 60 s, ≤ 700 MB")
            show("next night, nothing new (all 304)", n304, f"fetch stage {median([x['stages'].get('fetch', 0) for x in n304]):.2f} s (target < 0.5 s)")
            t = show("next night, 10 % new articles", tenth)
            cpu_ratio = median([x.get("cpu_s", float("nan")) for x in tenth]) / median([x.get("cpu_s", float("nan")) for x in full])
            row("  ratio 10 %-night / full night", f"{100 * t / f:.0f} %", f"target ≤ 20 %; by CPU seconds {100 * cpu_ratio:.0f} %")
            if padded:
                p = show(f"10 %-new night with {args.stored:,} articles stored", padded,
                         f"db {padded[0]['size'] / 1e6:.0f} MB")
                row("  ratio to the same night without them", f"{p / t:.2f}x",
                    "target ≈ 1 (cost grows with new articles only)")

        if "retention" not in skip:
            print(f"\n## retention: {args.retention_nights} replayed nights, {args.retention_feeds} feeds, "
                  f"5 new items/feed/night, [retention] article_days = 30")
            farm.stop()
            farm = FarmProcess(args.retention_feeds, 0.0, hosts=10)
            # Feed text only (no pages): this measures what is kept, not extraction.
            home = new_home(root, farm, 20, "[retention]\narticle_days = 30\n[fetch]\nmin_feed_text = 0\n")
            from matcher.home import open_home
            from matcher.night import run_night
            from sqlalchemy import func, select

            from matcher.models import Article

            sizes = []
            h = open_home(home)
            t0 = time.perf_counter()
            for n in range(args.retention_nights):
                day = DAY + dt.timedelta(days=n)
                if n:
                    farm.advance(5, day)
                rep = run_night(h, day)
                if (n + 1) % 10 == 0 or n == 0:
                    with h.db.session() as s:
                        count = s.scalar(select(func.count()).select_from(Article))
                    sizes.append((n + 1, count, db_size(home)))
                    print(f"    night {n + 1:>3}: {count:>6} articles stored, database {db_size(home) / 1e6:6.2f} MB, "
                          f"{rep.articles_pruned} pruned tonight", flush=True)
            h.close()
            grow = sizes[-1][2] / max(1, sizes[len(sizes) // 2][2])
            row("database size, last night / middle night", f"{grow:.2f}x",
                f"{sizes[-1][1]} articles after {args.retention_nights} nights (≈{30 * 5 * args.retention_feeds} kept by 30 days); "
                f"{time.perf_counter() - t0:.0f} s")
    finally:
        farm.stop()
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
