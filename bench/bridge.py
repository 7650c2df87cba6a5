"""An experiment, not (yet) the matcher: bridge a project's words into the articles' language
with the sentence encoder, and measure what it does to pairs across languages.

    python bench/bridge.py                    # dev sets, then the test set
    python bench/bridge.py --set dev --min-cosine 0.65 --hub 0.5

TF-IDF cannot see that "rame" is "copper": across languages the matcher leans on the sentence
encoder and on an expansion seeded by it. The encoder also places single words: USE
multilingual v3 puts "rame" next to "copper" (cosine 0.72), "gomma" next to "rubber" (0.94),
"disoccupazione" next to "unemployment" (0.84). So each word of a project is given the word
of the night's vocabulary, in another language than the project's, whose vector is nearest
(a hub — a word near everything, such as "bullion" — is penalised by `--hub` x its mean
cosine with its 10 nearest vocabulary words), when the cosine reaches `--min-cosine`; those
words join the project text, and the ranking is the matcher's own (`bench/eval.py`'s
`rank_matcher`). A word's language is the language of most articles that use it.

Printed per corpus and set, for the profiles written in another language than the corpus
(and the decoys written so): nDCG@10, P@1 and the threshold's decoys / silent / wrong, as
`matcher top` ranks now and with the bridged words. Vectors of the vocabulary's words are
cached beside eval.py's. What the matcher would need to do it every night: see
bench/README.md.
"""

from __future__ import annotations

import argparse
import hashlib
import re
from dataclasses import replace

import numpy as np
import scipy.sparse as sp

import eval as ev  # bench/eval.py: corpora, profiles, metrics, the matcher's ranking
from matcher.matching import semantic
from matcher.matching.analysis import analyze
from matcher.ranking import Ranking

WORD = re.compile(r"[^\W\d_]{3,}")  # a word of three letters or more, no digits


def vocabulary_words(ranking: Ranking, articles) -> tuple[list[str], np.ndarray]:
    """The fitted space's words, and each one's language: that of most articles using it."""
    terms = ranking.matcher.space_.terms
    keep = np.array([bool(WORD.fullmatch(t)) for t in terms])
    languages = np.array([a.language if a.language not in ("", "und") else "?" for a in articles])
    codes, which = np.unique(languages, return_inverse=True)
    by_language = sp.csr_matrix((np.ones(len(articles)), (np.arange(len(articles)), which)),
                                shape=(len(articles), len(codes)))
    used = sp.csr_matrix(ranking.matrix, copy=True)
    used.data[:] = 1
    counts = (used.T @ by_language).toarray()
    majority = codes[counts.argmax(axis=1)]
    return [str(t) for t in terms[keep]], majority[keep]


def word_vectors(words: list[str]) -> np.ndarray:
    key = hashlib.sha1("\0".join([semantic.MODEL, *words]).encode()).hexdigest()[:16]
    path = ev.cache_dir() / f"words-{key}.npy"
    if path.exists():
        return np.load(path)
    vectors = semantic.embed_many(words)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, vectors)
    return vectors


def hubness(vectors: np.ndarray, neighbours: int = 10, sample: int = 2000, seed: int = 0) -> np.ndarray:
    """Each word's mean cosine with its nearest words (among a sample of the vocabulary)."""
    rng = np.random.default_rng(seed)
    others = vectors[rng.choice(len(vectors), size=min(sample, len(vectors)), replace=False)]
    out = np.empty(len(vectors), dtype=np.float32)
    for start in range(0, len(vectors), 2000):
        cosines = vectors[start:start + 2000] @ others.T
        out[start:start + 2000] = np.sort(cosines, axis=1)[:, -neighbours - 1:-1].mean(axis=1)
    return out


def bridged(text: str, language: str, words, languages, vectors, hub, min_cosine: float, hub_weight: float) -> list[str]:
    """The vocabulary's words, in other languages than `language`, nearest the text's words."""
    own = [t for t in dict.fromkeys(analyze(text, language or None)) if WORD.fullmatch(t)]
    other = languages != language
    if not own or not other.any():
        return []
    cosines = semantic.embed(own) @ vectors[other].T
    chosen = (cosines - hub_weight * hub[other]).argmax(axis=1)
    names = np.asarray(words, dtype=object)[other]
    return [names[j] for i, j in enumerate(chosen) if cosines[i, j] >= min_cosine and names[j] != own[i]]


def measure(docs, profiles, settings) -> str:
    rankings, passes, _, _, stories = ev.rank_matcher(docs, profiles, settings)
    r = ev.evaluate("matcher", rankings, passes, docs, profiles, 0.0, stories=stories)
    return f"{r.ndcg10:.3f} / {r.p1:.2f}   {r.decoys}d {r.silent}s {r.wrong}w /{r.n_profiles}"


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", choices=["dev", "test", "both"], default="both")
    parser.add_argument("--min-cosine", type=float, default=0.6)
    parser.add_argument("--hub", type=float, default=0.5)
    args = parser.parse_args(argv)
    settings = ev.Settings(home=ev.ROOT)
    sets = {"dev": [ev.HERE / "profiles.yaml", ev.HERE / "profiles_dev_headlines.yaml", ev.HERE / "profiles_dev_cross.yaml"],
            "test": [ev.HERE / "profiles_test.yaml"]}
    print(f"min cosine {args.min_cosine}, hub penalty {args.hub}; nDCG@10 / P@1, threshold: decoys silent wrong")
    for corpus, load in (("reuters", ev.load_reuters), ("bbc", ev.load_bbc), ("italian", ev.load_italian)):
        docs = load()
        articles = ev.as_articles(docs)
        ranking = Ranking.from_articles(articles, settings)
        words, languages = vocabulary_words(ranking, articles)
        vectors = word_vectors(words)
        hub = hubness(vectors)
        for name in ("dev", "test") if args.set == "both" else (args.set,):
            profiles = [p for path in sets[name] for p in ev.load_profiles(path, corpus)
                        if ev.is_cross(p, corpus)]
            if not [p for p in profiles if not p.decoy]:
                continue
            with_words = [replace(p, project=p.project + " " + " ".join(
                bridged(p.project, p.language, words, languages, vectors, hub, args.min_cosine, args.hub)))
                for p in profiles]
            pair = f"{profiles[0].language}→{ev.CORPUS_LANGUAGE[corpus]}"
            print(f"{corpus} {name} {pair}: as now {measure(docs, profiles, settings)}"
                  f" | bridged {measure(docs, with_words, settings)}")


if __name__ == "__main__":
    main()
