"""Real-world corpora: every saved feed of ../shared/evaldata through matcher's ingest, and
matcher's article extraction scored on the article-extraction benchmark.

    python bench/corpora.py                  # both parts
    python bench/corpora.py --feeds-only     # or --extraction-only
    python bench/corpora.py --parse          # parse_feed's time per saved feed

Feeds: every feed file of feedparser's test suite, feedjira's and RSParser's saved feeds and
the ANSA feed is served by a loopback HTTP server and ingested in one night (no page is
fetched, nothing leaves 127.0.0.1); it reports, per corpus, how many feeds yield entries, how
many parse with none, how many fail (and why), and that nothing crashed.

Parsing: every saved feed parsed by parse_feed in this process, per corpus: how many yield
entries and the time per feed (best of 3), parsing alone, without the server or the store.

Extraction: precision, recall and F1 over 4-word shingles exactly as the benchmark's
evaluate.py defines them (per-page TP/FP/FN normalised, then averaged), for matcher's
extractor and for several trafilatura settings, beside trafilatura's published output.
"""

from __future__ import annotations

import argparse
import collections
import datetime as dt
import gzip
import json
import os
import re
import socket
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

CORPORA = ["feedparser-tests", "feedjira-sample-feeds", "rsparser-test-feeds", "italian-feeds-regenerated"]
FEED_SUFFIXES = {".xml": "application/xml", ".rss": "application/rss+xml", ".atom": "application/atom+xml",
                 ".rdf": "application/rdf+xml", ".json": "application/json"}


def evaldata() -> Path:
    return Path(os.environ.get("MATCHER_EVALDATA") or HERE.parent.parent / "shared" / "evaldata")


def feed_files(root: Path, corpus: str) -> list[Path]:
    return sorted(p for p in (root / corpus).rglob("*") if p.is_file() and p.suffix.lower() in FEED_SUFFIXES)


def loopback_only() -> None:
    """Any name or address outside 127.0.0.0/8 fails to resolve: nothing can leave the machine."""
    real = socket.getaddrinfo

    def local(host, *args, **kwargs):
        h = host.decode() if isinstance(host, bytes) else str(host)
        if not (h == "localhost" or h.startswith("127.")):
            raise socket.gaierror(f"offline benchmark: {h}")
        return real(host, *args, **kwargs)

    socket.getaddrinfo = local


def ingest_corpus(files: list[Path], root: Path) -> dict:
    """Serve the files on loopback, subscribe to all, run one ingest; a summary per corpus."""
    from matcher.config import FetchSettings, RetentionSettings, Settings
    from matcher.db import Database
    from matcher.feeds.ingest import add_feed, ingest, list_feeds
    from matcher.feeds.parse import parse_feed
    from tests.feedserver import FeedServer

    server = FeedServer().start()
    tmp = Path(tempfile.mkdtemp(prefix="matcher-corpora-"))
    db = Database(f"sqlite:///{tmp / 'corpora.db'}")
    # Old saved feeds must not be cut by retention; min_feed_text=0: never fetch a page.
    settings = Settings(home=tmp, fetch=FetchSettings(min_feed_text=0, timeout=10, deadline=20),
                        retention=RetentionSettings(article_days=0))
    try:
        paths = {}
        for i, path in enumerate(files):
            rel = path.relative_to(root).as_posix()
            url_path = f"/{i}/{path.name}"
            server.set(url_path, path.read_bytes(), FEED_SUFFIXES[path.suffix.lower()])
            paths[add_feed(db, server.url(url_path)).id] = (rel, path)
        t0 = time.perf_counter()
        report = ingest(db, settings, now=dt.datetime(2026, 11, 20, 23, 0))
        seconds = time.perf_counter() - t0
        out: dict[str, dict] = {}
        for feed in list_feeds(db):
            rel, path = paths[feed.id]
            corpus = rel.split("/", 1)[0]
            c = out.setdefault(corpus, {"files": 0, "with_entries": 0, "no_entries": 0, "failed": 0,
                                        "entries": 0, "errors": collections.Counter()})
            c["files"] += 1
            # Entries found in the document (a GUID shared with another test file is stored once).
            n = len(parse_feed(path.read_bytes(), feed.url, FEED_SUFFIXES[path.suffix.lower()]).entries)
            if feed.health == "ok":
                c["with_entries" if n else "no_entries"] += 1
                c["entries"] += n
            else:
                c["failed"] += 1
                c["errors"][re.sub(r"\(failure.*", "", feed.last_error or feed.last_status)[:70]] += 1
        return {"by_corpus": out, "seconds": seconds, "articles_stored": len(report.new_article_ids),
                "feeds_failed": len(report.feeds_failed)}
    finally:
        db.close()
        server.stop()


# --- parsing ---------------------------------------------------------------------------------


def parse_timing(files: list[Path], root: Path, repeat: int = 3) -> dict:
    """Per corpus: feeds, feeds with entries, and parse_feed's time per feed (best of `repeat`)."""
    from matcher.feeds.parse import parse_feed

    out: dict[str, dict] = {}
    for i, path in enumerate(files):
        corpus = path.relative_to(root).as_posix().split("/", 1)[0]
        c = out.setdefault(corpus, {"feeds": 0, "with_entries": 0, "seconds": 0.0})
        body = path.read_bytes()
        url, content_type = f"http://127.0.0.1:8000/{i}/{path.name}", FEED_SUFFIXES[path.suffix.lower()]
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            feed = parse_feed(body, url, content_type)
            times.append(time.perf_counter() - t0)
        c["feeds"] += 1
        c["with_entries"] += bool(feed.entries)
        c["seconds"] += min(times)
    return out


def print_parse_timing(by_corpus: dict) -> None:
    rows = list(by_corpus.items())
    total = {k: sum(c[k] for _, c in rows) for k in rows[0][1]}
    print(f"  {'corpus':<28}{'feeds':>6}{'entries>0':>11}{'ms/feed':>9}")
    for corpus, c in rows + [("all", total)]:
        print(f"  {corpus:<28}{c['feeds']:>6}{c['with_entries']:>11}{1000 * c['seconds'] / c['feeds']:>9.2f}")


# --- extraction ------------------------------------------------------------------------------

_TOKEN = re.compile(r"\w+", re.UNICODE | re.MULTILINE | re.IGNORECASE | re.DOTALL)


def shingles(text: str, n: int = 4) -> collections.Counter:
    tokens = _TOKEN.findall(text or "")
    return collections.Counter(tuple(tokens[i : i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i : i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = shingles(true), shingles(pred)
    tp = fp = fn = 0.0
    for key in set(t) | set(p):
        tp += min(t[key], p[key])
        fp += max(0, p[key] - t[key])
        fn += max(0, t[key] - p[key])
    s = tp + fp + fn
    return (tp / s, fp / s, fn / s) if s else (0.0, 0.0, 0.0)


def prf(triples) -> dict:
    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)

    p = statistics.mean(precision(*x) for x in triples if x[0] + x[1] > 0)
    r = statistics.mean(recall(*x) for x in triples if x[0] + x[2] > 0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r) if p + r else 0.0}


def extraction(root: Path) -> list[tuple[str, dict, float]]:
    import trafilatura

    from matcher.feeds.extract import extract_text

    bench = root / "article-extraction-benchmark"
    truth = json.loads((bench / "ground-truth.json").read_text(encoding="utf-8"))
    pages = {k: gzip.decompress((bench / "html" / f"{k}.html.gz").read_bytes()).decode("utf-8", "replace") for k in truth}
    candidates = {
        "matcher (extract_text)": lambda html, url: extract_text(html, url),
        "trafilatura defaults": lambda html, url: trafilatura.extract(html, url=url) or "",
        "trafilatura favor_precision": lambda html, url: trafilatura.extract(html, url=url, favor_precision=True) or "",
        "trafilatura favor_recall": lambda html, url: trafilatura.extract(html, url=url, favor_recall=True) or "",
        "trafilatura fast (no fallback)": lambda html, url: trafilatura.extract(html, url=url, fast=True) or "",
        "trafilatura fast + favor_precision": lambda html, url: trafilatura.extract(html, url=url, fast=True, favor_precision=True) or "",
    }
    rows = []
    published = json.loads((bench / "output" / "trafilatura.json").read_text(encoding="utf-8"))
    version = published.get("version", "?") if "output" in published else "?"
    published = published.get("output", published)
    rows.append((f"trafilatura {version} published output", prf([tp_fp_fn(truth[k]["articleBody"], published[k].get("articleBody", "")) for k in truth]), float("nan")))
    for name, fn in candidates.items():
        t0 = time.perf_counter()
        preds = {k: fn(pages[k], truth[k].get("url", "")) for k in truth}
        ms = 1000 * (time.perf_counter() - t0) / len(truth)
        rows.append((name, prf([tp_fp_fn(truth[k]["articleBody"], preds[k]) for k in truth]), ms))
    return rows


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--feeds-only", action="store_true")
    ap.add_argument("--extraction-only", action="store_true")
    ap.add_argument("--parse", action="store_true", help="only time parse_feed on every saved feed")
    args = ap.parse_args(argv)
    root = evaldata()
    if not root.is_dir():
        sys.exit(f"no evaldata at {root} (set $MATCHER_EVALDATA)")
    loopback_only()
    if args.parse:
        files = [p for corpus in CORPORA for p in feed_files(root, corpus)]
        print(f"# {len(files)} feed files from {', '.join(CORPORA)}: parse_feed, one process")
        print_parse_timing(parse_timing(files, root))
        return
    if not args.extraction_only:
        files = [p for corpus in CORPORA for p in feed_files(root, corpus)]
        print(f"# {len(files)} feed files from {', '.join(CORPORA)} ingested from a loopback server")
        result = ingest_corpus(files, root)
        print(f"one night: {result['seconds']:.1f} s, {result['articles_stored']} articles stored, no crash")
        print(f"  {'corpus':<28}{'files':>6}{'entries>0':>11}{'0 entries':>11}{'failed':>8}{'entries':>9}")
        for corpus, c in result["by_corpus"].items():
            print(f"  {corpus:<28}{c['files']:>6}{c['with_entries']:>11}{c['no_entries']:>11}{c['failed']:>8}{c['entries']:>9}")
            for error, n in c["errors"].most_common(4):
                print(f"      {n:>4} × {error}")
    if not args.feeds_only:
        print("\n# article-extraction-benchmark: 181 pages, 4-word shingles (its evaluate.py definitions)")
        print(f"  {'extractor':<40}{'precision':>10}{'recall':>8}{'F1':>7}{'ms/page':>9}")
        for name, m, ms in extraction(root):
            print(f"  {name:<40}{m['precision']:>10.3f}{m['recall']:>8.3f}{m['f1']:>7.3f}{ms:>9.1f}")


if __name__ == "__main__":
    main()
