"""How good is the matcher? Rank labelled news per profile, as `matcher top` does, and score it.

    python bench/eval.py                         # Reuters ModApte test + BBC, with baselines
    python bench/eval.py --corpus all            # + the Italian set
    python bench/eval.py --corpus reuters --feedback --timing

For each profile of bench/profiles.yaml the corpus plays one night's fresh articles: the
matcher is fitted on it and ranks it with the same code `matcher top` runs
(`matcher.suggest.Ranking`). Printed per method: mean nDCG@10, P@1, P@5 over the real
profiles; `decoys` = how many decoy profiles would get a suggestion under the threshold
(and, in brackets, how many decoy-article pairs pass it); `silent` = real profiles that
would get nothing; `wrong` = real profiles whose best passing article is irrelevant.
Baselines: plain TfidfVectorizer() cosine and BM25 (bm25s) have no threshold of their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import html
import os
import re
import sys
import time
from dataclasses import dataclass, field
from dataclasses import replace
from pathlib import Path

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from matcher.config import Settings  # noqa: E402
from matcher.models import Article, Contact, Project, Suggestion  # noqa: E402
from matcher.suggest import Ranking  # noqa: E402

EVALDATA = Path(os.environ.get("MATCHER_EVALDATA", ROOT.parent / "shared" / "evaldata"))
TODAY = dt.date(2026, 1, 15)


# -- corpora -------------------------------------------------------------------------


@dataclass
class Doc:
    id: str
    title: str
    text: str
    labels: frozenset[str]
    language: str = ""


def load_reuters(root: Path = EVALDATA / "reuters21578") -> list[Doc]:
    """The ModApte test split: LEWISSPLIT="TEST" and TOPICS="YES" (3,299 stories)."""
    docs = []
    for path in sorted(glob.glob(str(root / "reut2-*.sgm"))):
        sgml = Path(path).read_text(encoding="latin-1")
        for match in re.finditer(r"<REUTERS([^>]*)>(.*?)</REUTERS>", sgml, re.S):
            attrs, body = match.groups()
            if 'LEWISSPLIT="TEST"' not in attrs or 'TOPICS="YES"' not in attrs:
                continue
            topics = re.search(r"<TOPICS>(.*?)</TOPICS>", body, re.S)
            labels = frozenset(re.findall(r"<D>(.*?)</D>", topics.group(1))) if topics else frozenset()
            title = re.search(r"<TITLE>(.*?)</TITLE>", body, re.S)
            text = re.search(r"<BODY>(.*?)</BODY>", body, re.S)
            newid = re.search(r'NEWID="(\d+)"', attrs).group(1)
            clean = lambda m: html.unescape(re.sub(r"<[^>]+>", " ", m.group(1))).strip() if m else ""  # noqa: E731
            docs.append(Doc(f"reuters-{newid}", clean(title).title() if clean(title).isupper() else clean(title),
                            re.sub(r"\s*\bReuter\s*\x03?\s*$", "", clean(text)), labels))
    return docs


def load_folders(root: Path, prefix: str) -> list[Doc]:
    """One folder per label, one story per .txt file: title on the first line."""
    docs = []
    for path in sorted(root.glob("*/*.txt")):
        lines = path.read_text(encoding="utf-8", errors="replace").strip().split("\n")
        docs.append(Doc(f"{prefix}-{path.parent.name}-{path.stem}", lines[0].strip(),
                        "\n".join(lines[1:]).strip(), frozenset({path.parent.name})))
    return docs


def load_bbc(root: Path = EVALDATA / "bbc-news") -> list[Doc]:
    return load_folders(root, "bbc")


def load_italian(root: Path = EVALDATA / "semeval2023-task3-italian") -> list[Doc]:
    """SemEval-2023 task 3 Italian articles (train + dev); ids are the file numbers."""
    docs, seen = [], set()
    for path in sorted(root.glob("*-articles-subtask-*/article*.txt")):
        number = path.stem.removeprefix("article")
        if number in seen:
            continue
        seen.add(number)
        lines = [line for line in path.read_text(encoding="utf-8").split("\n")]
        title = lines[0].strip()
        docs.append(Doc(number, title, "\n".join(lines[1:]).strip(), frozenset({number}), "it"))
    return docs


LOADERS = {"reuters": load_reuters, "bbc": load_bbc, "italian": load_italian}


@dataclass
class Profile:
    name: str
    project: str
    relevant: frozenset[str] = frozenset()
    kind: str = ""
    language: str = ""
    decoy: bool = False
    # Labelled feedback to replay: article ids the person sent / skipped as off-topic.
    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def load_profiles(path: Path, corpus: str) -> list[Profile]:
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))[corpus]
    out = []
    for decoy, key in ((False, "profiles"), (True, "decoys")):
        for row in data.get(key, []):
            out.append(Profile(row["name"], row["project"], frozenset(map(str, row.get("relevant", []))),
                               row.get("kind", ""), row.get("language", ""), decoy))
    return out


# -- metrics -------------------------------------------------------------------------


def ndcg_at(ranked_relevance: list[bool], n_relevant: int, k: int = 10) -> float:
    gains = [1.0 / np.log2(i + 2) for i, rel in enumerate(ranked_relevance[:k]) if rel]
    ideal = sum(1.0 / np.log2(i + 2) for i in range(min(k, n_relevant)))
    return sum(gains) / ideal if ideal else 0.0


def precision_at(ranked_relevance: list[bool], k: int) -> float:
    return sum(ranked_relevance[:k]) / k


@dataclass
class Result:
    method: str
    ndcg10: float
    p1: float
    p5: float
    decoys: int | None = None      # decoy profiles with at least one article over the threshold
    decoy_pairs: int | None = None
    silent: int | None = None      # real profiles with nothing over the threshold
    wrong: int | None = None       # real profiles whose best passing article is irrelevant
    seconds: float = 0.0
    n_profiles: int = 0


def evaluate(method: str, rankings, scores_pass, docs: list[Doc], profiles: list[Profile], seconds: float,
             exclude: list[set[int]] | None = None, stories: list[int] | None = None) -> Result:
    """rankings[i]: article indexes best first; scores_pass[i]: indexes passing the threshold (or None).

    With `stories` (a story id per article, as `top` shows each story once), the ideal
    ranking counts relevant stories, not relevant articles.
    """
    ndcgs, p1s, p5s = [], [], []
    decoys = decoy_pairs = silent = wrong = 0
    for i, profile in enumerate(profiles):
        gone = exclude[i] if exclude else set()
        ranking = [j for j in rankings[i] if j not in gone]
        relevance = [bool(docs[j].labels & profile.relevant) for j in ranking]
        passing = None if scores_pass is None else [j for j in ranking if j in scores_pass[i]]
        if profile.decoy:
            if passing is not None:
                decoys += bool(passing)
                decoy_pairs += len(passing)
            continue
        relevant = [j for j, d in enumerate(docs) if d.labels & profile.relevant and j not in gone]
        n_relevant = len({stories[j] for j in relevant}) if stories else len(relevant)
        ndcgs.append(ndcg_at(relevance, n_relevant))
        p1s.append(precision_at(relevance, 1))
        p5s.append(precision_at(relevance, 5))
        if passing is not None:
            silent += not passing
            wrong += bool(passing) and not (docs[passing[0]].labels & profile.relevant)
    has_threshold = scores_pass is not None
    return Result(method, float(np.mean(ndcgs)), float(np.mean(p1s)), float(np.mean(p5s)),
                  decoys if has_threshold else None, decoy_pairs if has_threshold else None,
                  silent if has_threshold else None, wrong if has_threshold else None,
                  seconds, len(ndcgs))


# -- methods -------------------------------------------------------------------------


def as_articles(docs: list[Doc]) -> list[Article]:
    """The corpus as one night's fresh articles (transient ORM rows, as the night has)."""
    published = dt.datetime.combine(TODAY, dt.time(6))
    return [Article(id=i + 1, key=d.id, url=d.id, title=d.title, text=d.text, summary="",
                    language=d.language, published=published) for i, d in enumerate(docs)]


def as_contact(profile: Profile, index: int, articles: list[Article] | None = None,
               by_id: dict[str, int] | None = None) -> Contact:
    """A contact with one current project; replayed feedback becomes decided suggestions."""
    contact = Contact(id=index + 1, name=profile.name, kind=profile.kind, language=profile.language)
    contact.projects = [Project(id=index + 1, text=profile.project, since=None, until=None)]
    suggestions = []
    for status, ids in (("sent", profile.sent), ("skipped", profile.skipped)):
        for article_id in ids:
            article = articles[by_id[article_id]]
            suggestions.append(Suggestion(contact_id=contact.id, article_id=article.id, article=article,
                                          score=0.0, status=status, created_on=TODAY, decided_on=TODAY,
                                          skip_reason="off-topic" if status == "skipped" else None))
    contact.suggestions = suggestions
    return contact


def rank_matcher(docs, profiles, settings: Settings, limit: int | None = None, group_stories: bool = True):
    """Rank every article for every profile with `matcher top`'s code; also which pass the threshold."""
    articles = as_articles(docs)
    by_id = {d.id: i for i, d in enumerate(docs)}
    contacts = [as_contact(p, i, articles, by_id) for i, p in enumerate(profiles)]
    ranking = Ranking.from_articles(articles, settings)
    scored = ranking.scores(contacts, TODAY)
    passing = ranking.passing(scored.match)
    stories = ranking.stories() if group_stories else list(range(len(docs)))
    rankings = []
    for row in scored.rank:
        # As `top`: positive scores only, each story (near-duplicates) once, best-ranked version.
        shown, ranked = set(), []
        for j in np.argsort(-row, kind="stable"):
            if row[j] <= 0 or (limit and len(ranked) >= limit):
                break
            if stories[j] not in shown:
                shown.add(stories[j])
                ranked.append(int(j))
        rankings.append(ranked)
    passes = [set(np.flatnonzero(passing[i]).tolist()) for i in range(len(profiles))]
    return rankings, passes, scored, ranking, stories


def rank_tfidf(docs, profiles):
    from sklearn.feature_extraction.text import TfidfVectorizer
    vectorizer = TfidfVectorizer()
    matrix = vectorizer.fit_transform([f"{d.title}\n{d.text}" for d in docs])
    scores = (vectorizer.transform([p.project for p in profiles]) @ matrix.T).toarray()
    return [list(np.argsort(-row, kind="stable")) for row in scores], scores


def rank_bm25(docs, profiles):
    import bm25s
    stemmer = None
    corpus_tokens = bm25s.tokenize([f"{d.title}\n{d.text}" for d in docs], stopwords="en", stemmer=stemmer,
                                   show_progress=False)
    retriever = bm25s.BM25()
    retriever.index(corpus_tokens, show_progress=False)
    query_tokens = bm25s.tokenize([p.project for p in profiles], stopwords="en", stemmer=stemmer,
                                  show_progress=False)
    results, scores = retriever.retrieve(query_tokens, k=len(docs), show_progress=False, n_threads=1)
    return [list(row) for row in results], scores


# -- feedback replay -----------------------------------------------------------------


def replay_feedback(docs, profiles, settings, rounds: int = 1, per_round: int = 5):
    """Residual-collection replay: the person judges the top `per_round` articles (relevant →
    sent, irrelevant → skipped off-topic); the rest is re-ranked with and without that feedback."""
    first, _, _, _, stories = rank_matcher(docs, profiles, settings)
    judged = [set() for _ in profiles]
    with_feedback = [Profile(**{**p.__dict__, "sent": [], "skipped": []}) for p in profiles]
    current = first
    for _ in range(rounds):
        for i, p in enumerate(with_feedback):
            fresh = [j for j in current[i] if j not in judged[i]][:per_round]
            for j in fresh:
                judged[i].add(j)
                (p.sent if docs[j].labels & p.relevant else p.skipped).append(docs[j].id)
        current, passes, _, _, _ = rank_matcher(docs, with_feedback, settings)
    before = evaluate("matcher, no feedback", first, None, docs, profiles, 0.0, exclude=judged,
                      stories=stories)
    after = evaluate(f"matcher + feedback ({rounds}x{per_round} judged)", current, passes, docs,
                     with_feedback, 0.0, exclude=judged, stories=stories)
    return before, after


# -- printing ------------------------------------------------------------------------


def table(title: str, results: list[Result]) -> str:
    def cell(value):
        return "—" if value is None else str(value)
    lines = [title, f"{'method':<38} {'nDCG@10':>7} {'P@1':>5} {'P@5':>5} {'decoys':>12} {'silent':>6} "
                    f"{'wrong':>5} {'time':>7}"]
    for r in results:
        decoys = "—" if r.decoys is None else f"{r.decoys} ({r.decoy_pairs})"
        lines.append(f"{r.method:<38} {r.ndcg10:>7.3f} {r.p1:>5.2f} {r.p5:>5.2f} {decoys:>12} "
                     f"{cell(r.silent):>6} {cell(r.wrong):>5} {r.seconds:>6.2f}s")
    return "\n".join(lines)


def run_corpus(name: str, docs: list[Doc], profiles: list[Profile], settings: Settings,
               baselines: bool = True, feedback: bool = False) -> list[Result]:
    n_real = sum(not p.decoy for p in profiles)
    results = []
    start = time.perf_counter()
    rankings, passes, _, _, stories = rank_matcher(docs, profiles, settings)
    results.append(evaluate("matcher (as `matcher top`)", rankings, passes, docs, profiles,
                            time.perf_counter() - start, stories=stories))
    every, _, _, _, _ = rank_matcher(docs, profiles, settings, group_stories=False)
    results.append(evaluate("matcher, near-duplicates not grouped", every, None, docs, profiles, 0.0))
    if baselines:
        start = time.perf_counter()
        tfidf, _ = rank_tfidf(docs, profiles)
        results.append(evaluate("baseline TfidfVectorizer() cosine", tfidf, None, docs, profiles,
                                time.perf_counter() - start))
        try:
            start = time.perf_counter()
            bm25, _ = rank_bm25(docs, profiles)
            results.append(evaluate("baseline BM25 (bm25s)", bm25, None, docs, profiles,
                                    time.perf_counter() - start))
        except ImportError:
            print("bm25s not installed: pip install -e '.[eval]'", file=sys.stderr)
    if feedback:
        results.extend(replay_feedback(docs, profiles, settings))
    print(table(f"{name}: {len(docs)} articles, {n_real} profiles, {len(profiles) - n_real} decoys, "
                f"threshold {settings.throttle.min_score:.2f}", results))
    print()
    return results


def timing(docs: list[Doc], profiles: list[Profile], settings: Settings, n_articles=3000, n_contacts=30,
           repeat: int = 3) -> None:
    docs = docs[:n_articles]
    chosen = [profiles[i % len(profiles)] for i in range(n_contacts)]
    best = {}
    for stored_language in (False, True):
        for _ in range(repeat):
            subset = [Doc(d.id, d.title, d.text, d.labels, "en" if stored_language else d.language) for d in docs]
            articles = as_articles(subset)
            contacts = [as_contact(p, i) for i, p in enumerate(chosen)]
            start = time.perf_counter()
            ranking = Ranking.from_articles(articles, settings)
            ranking.scores(contacts, TODAY)
            elapsed = time.perf_counter() - start
            best[stored_language] = min(best.get(stored_language, elapsed), elapsed)
    print(f"timing: fit + rank {len(docs)} articles for {n_contacts} contacts, best of {repeat}, "
          f"{os.cpu_count()} cores: {best[False]:.2f}s detecting languages, "
          f"{best[True]:.2f}s with languages stored (as the night has them)")
    start = time.perf_counter()
    ranking.stories()
    print(f"timing: near-duplicate stories of {len(docs)} articles (for `matcher top`): "
          f"{time.perf_counter() - start:.2f}s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["reuters", "bbc", "italian", "all", "default"], default="default",
                        help="default: reuters and bbc")
    parser.add_argument("--profiles", type=Path, default=HERE / "profiles.yaml")
    parser.add_argument("--evaldata", type=Path, default=EVALDATA)
    parser.add_argument("--min-score", type=float, default=None, help="override throttle.min_score")
    parser.add_argument("--near-duplicate", type=float, default=None, help="override throttle.near_duplicate")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--feedback", action="store_true", help="also replay labelled feedback")
    parser.add_argument("--timing", action="store_true", help="time 3,000 articles x 30 contacts")
    args = parser.parse_args(argv)
    settings = Settings(home=ROOT)
    if args.min_score is not None:
        settings = replace(settings, throttle=replace(settings.throttle, min_score=args.min_score))
    if args.near_duplicate is not None:
        settings = replace(settings, throttle=replace(settings.throttle, near_duplicate=args.near_duplicate))
    names = {"default": ["reuters", "bbc"], "all": ["reuters", "bbc", "italian"]}.get(args.corpus, [args.corpus])
    loaded = {}
    for name in names:
        root = {"reuters": "reuters21578", "bbc": "bbc-news", "italian": "semeval2023-task3-italian"}[name]
        docs = LOADERS[name](args.evaldata / root)
        loaded[name] = docs
        run_corpus(name, docs, load_profiles(args.profiles, name), settings,
                   baselines=not args.no_baselines, feedback=args.feedback)
    if args.timing:
        docs = loaded.get("reuters") or load_reuters(args.evaldata / "reuters21578")
        timing(docs, load_profiles(args.profiles, "reuters"), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
