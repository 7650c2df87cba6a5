"""How good is the matcher? Rank labelled news per profile, as `matcher top` does, and score it.

    python bench/eval.py                         # Reuters ModApte test + BBC, with baselines
    python bench/eval.py --corpus all            # + the Italian set
    python bench/eval.py --corpus reuters --feedback --timing

For each profile of bench/profiles.yaml the corpus plays one night's fresh articles: the
matcher is fitted on it and ranks it with the same code `matcher top` runs
(`matcher.ranking.Ranking`). Printed per method: mean nDCG@10, P@1, P@5 over the real
profiles; `decoys` = how many decoy profiles would get a suggestion under the threshold
(and, in brackets, how many decoy-article pairs pass it); `silent` = real profiles that
would get nothing; `wrong` = real profiles whose best passing article is irrelevant.
Baselines: plain TfidfVectorizer() cosine and BM25 (bm25s) have no threshold of their own.
"""

from __future__ import annotations

import argparse
import datetime as dt
import glob
import hashlib
import html
import os
import re
import sys
import tempfile
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
from matcher.matching import semantic  # noqa: E402
from matcher.models import Article, Contact, Project, Suggestion  # noqa: E402
from matcher.ranking import Ranking  # noqa: E402

EVALDATA = Path(os.environ.get("MATCHER_EVALDATA", ROOT.parent / "shared" / "evaldata"))
TODAY = dt.date(2026, 1, 15)


def cache_dir() -> Path:
    """Where the corpora's sentence vectors are kept: $MATCHER_EVAL_CACHE, else `eval/` in
    matcher's user cache ($MATCHER_CACHE_DIR, else ~/.cache/matcher)."""
    if os.environ.get("MATCHER_EVAL_CACHE"):
        return Path(os.environ["MATCHER_EVAL_CACHE"])
    return Path(os.environ.get("MATCHER_CACHE_DIR") or Path.home() / ".cache" / "matcher") / "eval"


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


def load_profiles(path: Path, corpus: str, translations: bool = True) -> list[Profile]:
    """A corpus's profiles then decoys; with `translations`, each entry's `project_<language>`
    versions too (the same person, written in another language: `cross` profiles)."""
    data = yaml.safe_load(Path(path).read_text(encoding="utf-8")).get(corpus, {})
    out = []
    for decoy, key in ((False, "profiles"), (True, "decoys")):
        for row in data.get(key, []):
            versions = [(row.get("language", ""), row["project"])]
            if translations:
                versions += [(k.removeprefix("project_"), v) for k, v in row.items() if k.startswith("project_")]
            for language, text in versions:
                out.append(Profile(row["name"], text, frozenset(map(str, row.get("relevant", []))),
                                   row.get("kind", ""), language, decoy))
    return out


CORPUS_LANGUAGE = {"reuters": "en", "bbc": "en", "italian": "it"}


def is_cross(profile: Profile, corpus: str) -> bool:
    """Whether the profile is written in another language than the corpus."""
    return (profile.language or CORPUS_LANGUAGE[corpus]) != CORPUS_LANGUAGE[corpus]


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
    """The corpus as one night's fresh articles (transient ORM rows, as the night has), with
    their sentence vectors from the evaluation's cache (`embedded`)."""
    published = dt.datetime.combine(TODAY, dt.time(6))
    articles = [Article(id=i + 1, key=d.id, url=d.id, title=d.title, text=d.text, summary="",
                        language=d.language, published=published) for i, d in enumerate(docs)]
    for article, vector in zip(articles, embedded(articles)):
        article.embedding, article.embedded_with = vector, semantic.MODEL
    return articles


def embedded(articles: list[Article]) -> list[bytes]:
    """The articles' stored vectors, as the night computes them, kept in a cache file by the
    text embedded: the encoder takes ~20 s for the Reuters test split on two cores."""
    texts = [semantic.article_text(a.title, a.summary, a.text) for a in articles]
    keys = [hashlib.sha1(f"{semantic.MODEL}\0{t}".encode()).hexdigest()[:16] for t in texts]
    path = cache_dir() / "embeddings.npz"
    cache: dict[str, bytes] = {}
    if path.exists():
        with np.load(path) as stored:
            cache = dict(zip(stored["keys"].tolist(), stored["vectors"]))
        cache = {k: v.tobytes() for k, v in cache.items()}
    missing = [i for i, k in enumerate(keys) if k not in cache]
    if missing:
        vectors = semantic.embed_articles([texts[i] for i in missing])
        cache.update((keys[i], v) for i, v in zip(missing, vectors))
        path.parent.mkdir(parents=True, exist_ok=True)
        rows = list(cache.items())
        np.savez(path, keys=np.array([k for k, _ in rows]),
                 vectors=np.stack([np.frombuffer(v, dtype=np.float16) for _, v in rows]))
    return [cache[k] for k in keys]


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
    passing = ranking.passing(scored)
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


def rank_semantic(docs, profiles):
    """The sentence encoder alone: cosine of the project's vector and the article's."""
    vectors = semantic.from_stored(embedded(as_articles(docs)))
    scores = semantic.embed([p.project for p in profiles]) @ vectors.T
    return [list(np.argsort(-row, kind="stable")) for row in scores], scores


def rank_lexical_only(docs, profiles, settings: Settings):
    """The matcher without the semantic signal (TF-IDF, expansion, its threshold)."""
    articles = as_articles(docs)
    ranking = Ranking.from_articles(articles, settings)
    ranking.embeddings = None
    scored = ranking.scores([as_contact(p, i) for i, p in enumerate(profiles)], TODAY)
    return [[int(j) for j in np.argsort(-row, kind="stable") if row[j] > 0] for row in scored.rank]


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


# -- 14 nights replayed through the real night ---------------------------------------


@dataclass
class Replay:
    proposals: int = 0
    on_topic: int = 0
    decoy_proposals: int = 0
    reached: int = 0          # real profiles sent at least one relevant article
    reachable: int = 0        # real profiles with a relevant article fresh during the replay
    wrong: list = field(default_factory=list)  # (profile, article title) of off-topic proposals


def replay_nights(docs: list[Doc], profiles: list[Profile], settings: Settings, home: Path,
                  nights: int = 14, seed: int = 0) -> Replay:
    """The corpus published over `nights` + freshness days, the profiles as contacts in a real
    SQLite home; each night `matcher.suggest.suggest` runs (throttle, cadence, daily cap) and
    every proposal is marked sent, as the person would. On-topic = the article carries a label
    of the profile."""
    from matcher.home import open_home
    from matcher.review import mark
    from matcher.suggest import suggest

    rng = np.random.default_rng(seed)
    first = TODAY - dt.timedelta(days=settings.throttle.freshness_days)
    days = (TODAY + dt.timedelta(days=nights) - first).days
    published = {i: dt.datetime.combine(first + dt.timedelta(days=int(rng.integers(days))), dt.time(6))
                  for i in range(len(docs))}
    vectors = embedded(as_articles(docs))
    home_ = open_home(home)
    out = Replay()
    with home_.db.session() as session:
        for i, d in enumerate(docs):
            session.add(Article(key=d.id, url=d.id, title=d.title, text=d.text, language=d.language,
                                published=published[i], embedding=vectors[i], embedded_with=semantic.MODEL))
        for i, p in enumerate(profiles):
            session.add(Contact(name=f"{p.name} #{i}", kind=p.kind, language=p.language,
                                projects=[Project(text=p.project)]))
    by_key = {d.id: d for d in docs}
    reached = set()
    for night in range(nights):
        today = TODAY + dt.timedelta(days=night)
        with home_.db.session() as session:
            report = suggest(session, replace(home_.settings, home=home), today)
            session.flush()
            for sid in report.created:
                s = session.get(Suggestion, sid)
                profile = profiles[int(s.contact.name.rsplit("#", 1)[1])]
                doc = by_key[s.article.key]
                out.proposals += 1
                if profile.decoy:
                    out.decoy_proposals += 1
                elif doc.labels & profile.relevant:
                    out.on_topic += 1
                    reached.add(id(profile))
                else:
                    out.wrong.append((profile.name, doc.title))
                mark(session, sid, "sent", today)
    home_.close()
    last = TODAY + dt.timedelta(days=nights - 1)
    for p in profiles:
        if not p.decoy and any(d.labels & p.relevant and published[i].date() <= last
                               for i, d in enumerate(docs)):
            out.reachable += 1
    out.reached = len(reached)
    return out


# -- printing ------------------------------------------------------------------------


METHODS = ("matcher (as `matcher top`)", "matcher, TF-IDF signal only", "semantic encoder only",
           "baseline TfidfVectorizer() cosine", "baseline BM25 (bm25s)")


def rank_all(docs, profiles, settings, baselines: bool = True) -> dict:
    """Every method's rankings (and the matcher's passing sets, story ids) for the profiles."""
    rankings, passes, _, _, stories = rank_matcher(docs, profiles, settings)
    out = {METHODS[0]: (rankings, passes, stories)}
    out[METHODS[1]] = (rank_lexical_only(docs, profiles, settings), None, None)
    out[METHODS[2]] = (rank_semantic(docs, profiles)[0], None, None)
    if baselines:
        out[METHODS[3]] = (rank_tfidf(docs, profiles)[0], None, None)
        try:
            out[METHODS[4]] = (rank_bm25(docs, profiles)[0], None, None)
        except ImportError:
            print("bm25s not installed: pip install -e '.[eval]'", file=sys.stderr)
    return out


def run_corpus(name: str, docs: list[Doc], sets: dict[str, list[Profile]], settings: Settings,
               baselines: bool = True, feedback: bool = False) -> dict:
    """Dev and test profiles side by side, each split into native and cross-language ones.
    Returns {(set, group): {method: Result}}."""
    results: dict = {}
    columns = []
    for set_name, profiles in sets.items():
        if not profiles:
            continue
        ranked = rank_all(docs, profiles, settings, baselines)
        for group in ("native", "cross"):
            keep = [i for i, p in enumerate(profiles) if is_cross(p, name) == (group == "cross")]
            if not any(not profiles[i].decoy for i in keep):
                continue
            languages = sorted({profiles[i].language or CORPUS_LANGUAGE[name] for i in keep})
            column = f"{set_name} {'/'.join(languages)}→{CORPUS_LANGUAGE[name]}"
            columns.append(column)
            subset = [profiles[i] for i in keep]
            for method, (rankings, passes, stories) in ranked.items():
                results.setdefault(column, {})[method] = evaluate(
                    method, [rankings[i] for i in keep], None if passes is None else [passes[i] for i in keep],
                    docs, subset, 0.0, stories=stories)
        if feedback:
            before, after = replay_feedback(docs, profiles, settings)
            results.setdefault(f"{set_name} feedback", {}).update({before.method: before, after.method: after})
    counts = ", ".join(f"{k} {sum(not p.decoy for p in v)} profiles + {sum(p.decoy for p in v)} decoys"
                       for k, v in sets.items() if v)
    t = settings.throttle
    print(f"{name}: {len(docs)} articles; {counts}; thresholds score {t.min_score:.2f}, "
          f"semantic {t.min_semantic:.2f}, lexical {t.min_lexical:.2f}")
    print(table(columns, results))
    for key in [k for k in results if k.endswith("feedback")]:
        for r in results[key].values():
            print(f"  {key}: {r.method:<40} nDCG@10 {r.ndcg10:.3f}  P@1 {r.p1:.2f}  P@5 {r.p5:.2f}")
    print()
    return results


def table(columns: list[str], results: dict) -> str:
    """nDCG@10 / P@1 per method and column; then the matcher's threshold outcomes."""
    width = 15
    lines = [f"{'nDCG@10 / P@1':<36}" + "".join(f"{c:>{width}}" for c in columns)]
    methods = [m for m in METHODS if any(m in results[c] for c in columns)]
    for method in methods:
        cells = []
        for c in columns:
            r = results[c].get(method)
            cells.append(f"{r.ndcg10:.3f} / {r.p1:.2f}" if r else "—")
        lines.append(f"{method:<36}" + "".join(f"{cell:>{width}}" for cell in cells))
    outcome = []
    for c in columns:
        r = results[c][METHODS[0]]
        outcome.append(f"{r.decoys}d {r.silent}s {r.wrong}w /{r.n_profiles}")
    lines.append(f"{'threshold: decoys, silent, wrong':<36}" + "".join(f"{o:>{width}}" for o in outcome))
    return "\n".join(lines)


def timing(docs: list[Doc], profiles: list[Profile], settings: Settings, n_articles=3000, n_contacts=30,
           repeat: int = 3) -> None:
    docs = docs[:n_articles]
    chosen = [profiles[i % len(profiles)] for i in range(n_contacts)]
    best = {}
    # The vocabulary's word vectors (for bridging projects across languages) are kept on disk
    # as a night keeps them: the first run fills the file, the best of the runs reads it.
    words = Path(tempfile.mkdtemp()) / "words.npz"
    for stored_language in (False, True):
        for _ in range(repeat):
            subset = [Doc(d.id, d.title, d.text, d.labels, "en" if stored_language else d.language) for d in docs]
            articles = as_articles(subset)
            contacts = [as_contact(p, i) for i, p in enumerate(chosen)]
            start = time.perf_counter()
            ranking = Ranking.from_articles(articles, settings, words_path=words)
            ranking.scores(contacts, TODAY)
            elapsed = time.perf_counter() - start
            best[stored_language] = min(best.get(stored_language, elapsed), elapsed)
    print(f"timing: fit + rank {len(docs)} articles for {n_contacts} contacts, best of {repeat}, "
          f"{os.cpu_count()} cores: {best[False]:.2f}s detecting languages, "
          f"{best[True]:.2f}s with languages stored (as the night has them); the vocabulary's word vectors "
          f"read from the file the first run kept, as a night reads them")
    start = time.perf_counter()
    ranking.stories()
    print(f"timing: near-duplicate stories of {len(docs)} articles (for `matcher top`): "
          f"{time.perf_counter() - start:.2f}s")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--corpus", choices=["reuters", "bbc", "italian", "all", "default"], default="all",
                        help="default: reuters and bbc")
    parser.add_argument("--profiles", type=Path, default=HERE / "profiles.yaml", help="the development set")
    parser.add_argument("--test-profiles", type=Path, default=HERE / "profiles_test.yaml",
                        help="the test set (never tuned on)")
    parser.add_argument("--set", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--evaldata", type=Path, default=EVALDATA)
    parser.add_argument("--min-score", type=float, default=None, help="override throttle.min_score")
    parser.add_argument("--near-duplicate", type=float, default=None, help="override throttle.near_duplicate")
    parser.add_argument("--no-baselines", action="store_true")
    parser.add_argument("--feedback", action="store_true", help="also replay labelled feedback")
    parser.add_argument("--replay", type=int, default=0, metavar="NIGHTS",
                        help="also replay NIGHTS nights of `matcher run` (every proposal marked sent)")
    parser.add_argument("--timing", action="store_true", help="time 3,000 articles x 30 contacts")
    args = parser.parse_args(argv)
    settings = Settings(home=ROOT)
    if args.min_score is not None:
        settings = replace(settings, throttle=replace(settings.throttle, min_score=args.min_score))
    if args.near_duplicate is not None:
        settings = replace(settings, throttle=replace(settings.throttle, near_duplicate=args.near_duplicate))
    names = {"default": ["reuters", "bbc"], "all": ["reuters", "bbc", "italian"]}.get(args.corpus, [args.corpus])
    paths = {"dev": args.profiles, "test": args.test_profiles}
    chosen = ["dev", "test"] if args.set == "both" else [args.set]
    loaded = {}
    replays: dict = {}
    for name in names:
        root = {"reuters": "reuters21578", "bbc": "bbc-news", "italian": "semeval2023-task3-italian"}[name]
        docs = LOADERS[name](args.evaldata / root)
        loaded[name] = docs
        sets = {k: load_profiles(paths[k], name) if paths[k].exists() else [] for k in chosen}
        run_corpus(name, docs, sets, settings, baselines=not args.no_baselines, feedback=args.feedback)
        if args.replay:
            import tempfile
            for k, profiles in sets.items():
                with tempfile.TemporaryDirectory() as tmp:
                    replays.setdefault(k, []).append((name, replay_nights(docs, profiles, settings, Path(tmp),
                                                                          args.replay)))
    for k, rows in replays.items():
        total = Replay()
        for name, r in rows:
            print(f"replay {k} {name}: {args.replay} nights, {r.proposals} proposals, {r.on_topic} on-topic, "
                  f"{r.decoy_proposals} to decoys, reached {r.reached}/{r.reachable}")
            for who, title in r.wrong:
                print(f"    off-topic: {who} <- {title[:70]}")
            total.proposals += r.proposals
            total.on_topic += r.on_topic
            total.decoy_proposals += r.decoy_proposals
            total.reached += r.reached
            total.reachable += r.reachable
        print(f"replay {k} all: on-topic {total.on_topic}/{total.proposals - total.decoy_proposals} "
              f"({total.on_topic / max(total.proposals - total.decoy_proposals, 1):.2f}), "
              f"decoy proposals {total.decoy_proposals}, "
              f"reach {total.reached}/{total.reachable} ({total.reached / max(total.reachable, 1):.2f})")
    if args.timing:
        docs = loaded.get("reuters") or load_reuters(args.evaldata / "reuters21578")
        timing(docs, load_profiles(args.profiles, "reuters"), settings)
    return 0


if __name__ == "__main__":
    sys.exit(main())
