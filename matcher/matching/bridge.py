"""Words across languages: a project's words, given the words the night's articles in another
language use for the same thing ("rame" → "copper", "gomma" → "rubber").

TF-IDF cannot see that "rame" is "copper". The sentence encoder places single words too, in
one space for every language: each word of a project written in one language is given the
word of the night's vocabulary, in another language, whose vector is nearest, when their
cosine reaches `MIN_COSINE`. Some words sit near everything ("bullion" is the nearest English
word to half the Italian words of commodities): a word's cosine with the project's word is
lowered by `HUB_WEIGHT` x its mean cosine with its nearest vocabulary words before the
nearest is chosen. A vocabulary word's language is that of most articles using it.

The ranker scores the project a second time with its bridged words (`Ranker.set_bridged`):
an article in another language takes that score, so a project written in Italian meets
English news in the news's own words (the reasons say them), while an article in the
project's language keeps the score of the project's own words. The sentence vector stays the
project's own. Measured on the evaluation's sets (bench/README.md, "Bridging words across
languages").

The vocabulary's word vectors are kept on disk by word (`WordVectors`), so a night embeds
only the words it has not met; a project's words are embedded when its text is bridged,
once per text (the nightly index keeps the bridged words).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from matcher.matching import semantic
from matcher.private import write_private

WORD = re.compile(r"[^\W\d_]{3,}")  # a word: three letters or more, no digits
MIN_COSINE = 0.6
HUB_WEIGHT = 0.5
HUB_NEIGHBOURS = 10
HUB_SAMPLE = 2000  # the nearest words are looked for in a sample of the vocabulary
UNKNOWN = ""


def is_word(term: str) -> bool:
    return bool(WORD.fullmatch(term))


def word_languages(matrix, languages: Sequence[str]) -> np.ndarray:
    """Each column's language: that of most articles (rows) using it ("" where most are of
    unknown language)."""
    codes_of = np.array([lang if lang and lang != "und" else UNKNOWN for lang in languages], dtype=object)
    codes, which = np.unique(codes_of.astype(str), return_inverse=True)
    n = len(codes_of)
    by_language = sp.csr_matrix((np.ones(n, dtype=np.float32), (np.arange(n), which)), shape=(n, len(codes)))
    used = sp.csr_matrix(matrix, dtype=np.float32, copy=True)
    used.data[:] = 1.0
    counts = (used.T @ by_language).toarray()
    return codes[counts.argmax(axis=1)] if len(codes) else np.full(matrix.shape[1], UNKNOWN)


class WordVectors:
    """Sentence vectors of single words, kept in a file by word (float16), for one model.
    `path` None: nothing is read or written (every word embedded when asked); `write` False:
    read, never written (a command that only reads)."""

    def __init__(self, path: Path | None, workers: int | None = None, write: bool = True):
        self.path = Path(path) if path is not None else None
        self.workers = workers
        self.write = write
        self._known: dict[str, np.ndarray] = {}
        self._loaded = False

    def _load(self) -> None:
        self._loaded = True
        if self.path is None or not self.path.exists():
            return
        try:
            with np.load(self.path, allow_pickle=False) as stored:
                if str(stored["model"]) != semantic.MODEL:
                    return
                self._known = dict(zip(stored["words"].tolist(), stored["vectors"]))
        except Exception:  # damaged, or another numpy: embed again
            self._known = {}

    def vectors(self, words: Sequence[str]) -> np.ndarray:
        """The words' vectors, float32 rows: those not kept are embedded now."""
        if not self._loaded:
            self._load()
        missing = list(dict.fromkeys(w for w in words if w not in self._known))
        if missing:
            made = semantic.embed_many(missing, self.workers).astype(np.float16)
            self._known.update(zip(missing, made))
        if not len(words):
            return np.zeros((0, semantic.DIM), dtype=np.float32)
        return np.stack([self._known[w] for w in words]).astype(np.float32)

    def keep(self, words: Sequence[str]) -> None:
        """Write these words' vectors (those known) to the file, and only them: the file
        follows the vocabulary. A file that cannot be written costs the next night the time."""
        if self.path is None or not self.write:
            return
        kept = [w for w in dict.fromkeys(words) if w in self._known]
        try:
            self.path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            vectors = np.stack([self._known[w] for w in kept]) if kept else np.zeros((0, semantic.DIM), np.float16)
            write_private(self.path, lambda out: np.savez(out, model=np.array(semantic.MODEL),
                                                          words=np.array(kept, dtype=str), vectors=vectors))
        except OSError:
            pass


@dataclass
class Bridge:
    """The night's vocabulary words that a project's words may be bridged to."""

    words: np.ndarray      # str
    languages: np.ndarray  # str, each word's language
    vectors: np.ndarray    # float32 rows, L2-normalised
    hub: np.ndarray        # each word's mean cosine with its nearest vocabulary words

    @classmethod
    def build(cls, terms: Sequence[str], languages: Sequence[str], word_vectors: WordVectors) -> Bridge:
        """The bridge over the vocabulary `terms` (with their languages): its words only."""
        keep = [i for i, t in enumerate(terms) if is_word(str(t)) and languages[i] != UNKNOWN]
        words = np.array([str(terms[i]) for i in keep], dtype=object)
        vectors = word_vectors.vectors(list(words))
        return cls(words, np.array([languages[i] for i in keep], dtype=object), vectors, _hubness(vectors))

    def translate(self, words: Sequence[str], vectors: np.ndarray, language: str) -> list[str]:
        """For each of a project's words (with its vector), the nearest vocabulary word in
        another language than `language`, if near enough; in the words' order, once each."""
        other = self.languages != language
        if not len(words) or not language or not other.any():
            return []
        cosines = vectors @ self.vectors[other].T
        chosen = (cosines - HUB_WEIGHT * self.hub[other]).argmax(axis=1)
        names = self.words[other]
        out = [names[j] for i, j in enumerate(chosen) if cosines[i, j] >= MIN_COSINE and names[j] != words[i]]
        return list(dict.fromkeys(out))


def _hubness(vectors: np.ndarray, seed: int = 0) -> np.ndarray:
    """Each word's mean cosine with its nearest words, among a fixed sample of the vocabulary."""
    out = np.zeros(len(vectors), dtype=np.float32)
    if len(vectors) <= HUB_NEIGHBOURS:
        return out
    rng = np.random.default_rng(seed)
    sample = vectors[rng.choice(len(vectors), size=min(HUB_SAMPLE, len(vectors)), replace=False)]
    k = min(HUB_NEIGHBOURS, len(sample) - 1)
    for start in range(0, len(vectors), 2000):
        cosines = vectors[start:start + 2000] @ sample.T
        # the nearest k besides the word itself (when sampled: its cosine is the largest)
        out[start:start + 2000] = np.sort(cosines, axis=1)[:, -k - 1:-1].mean(axis=1)
    return out
