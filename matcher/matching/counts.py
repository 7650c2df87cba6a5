"""The articles' term counts, kept from one fit to the next (`Settings.counts_path`).

The IDF is refitted every night over the freshness window, and counting every fresh
article's stored terms again was a second of a night where nine articles in ten were
counted the night before. So a fit writes each article's counts here, keyed by the
article's id and a checksum of its stored terms (`Article.terms`, of which the counts are
a function for a given title weight), and the next fit reuses the row of an article whose
stored terms are the very same; anything else is counted again.

The file is a cache and nothing else: missing, unreadable, of another format or title
weight, it is ignored, and the fit writes a new one (atomically: a run killed meanwhile
leaves the old file or the new one, never half of one).
"""

from __future__ import annotations

import os
import tempfile
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

FORMAT = 1


def document_key(stored: str) -> int:
    """A checksum of stored terms: crc32 and length, so a changed analysis is never reused."""
    return zlib.crc32(stored.encode("utf-8", "surrogatepass")) | (len(stored) << 32)


@dataclass
class Counts:
    """Rows of term counts: row i is the article `ids[i]` whose stored terms had `keys[i]`."""

    vocabulary: list[str]      # column j's term; sorted
    ids: np.ndarray            # int64
    keys: np.ndarray           # int64 (document_key)
    matrix: sp.csr_matrix      # counts, rows × len(vocabulary), indices sorted in each row
    title_weight: int

    def rows(self) -> dict[tuple[int, int], int]:
        """(article id, key) -> row."""
        return {pair: i for i, pair in enumerate(zip(self.ids.tolist(), self.keys.tolist()))}


def load(path: Path | str, title_weight: int) -> Counts | None:
    """The counts kept at `path` for this title weight, or None (none, or not usable)."""
    try:
        with np.load(path, allow_pickle=False) as f:
            if int(f["format"]) != FORMAT or int(f["title_weight"]) != title_weight:
                return None
            vocabulary = f["vocabulary"].tobytes().decode("utf-8", "surrogatepass").split("\n") \
                if f["vocabulary"].size else []
            indptr, indices, data = f["indptr"], f["indices"], f["data"]
            ids, keys = f["ids"], f["keys"]
        matrix = sp.csr_matrix((data, indices, indptr), shape=(len(ids), len(vocabulary)))
        matrix.has_sorted_indices = True  # written sorted (save)
        return Counts(vocabulary, ids, keys, matrix, title_weight)
    except (OSError, KeyError, ValueError, TypeError, UnicodeDecodeError, zipfile.BadZipFile, zlib.error, EOFError):
        return None


def save(path: Path | str, counts: Counts) -> None:
    """Keep the counts at `path` (best effort: a cache that cannot be written is no error)."""
    path = Path(path)
    vocabulary = "\n".join(counts.vocabulary).encode("utf-8", "surrogatepass")
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the home's cache: private
        # A run killed while writing left its temporary file: remove it. (A writer running
        # at this very moment then fails to replace the file: it is a cache, that is fine.)
        for stale in path.parent.glob(f".{path.stem}-*{path.suffix}"):
            stale.unlink(missing_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}-", suffix=path.suffix, dir=path.parent)
    except OSError:
        return
    try:
        with os.fdopen(fd, "wb") as out:
            np.savez(out, format=FORMAT, title_weight=counts.title_weight,
                     vocabulary=np.frombuffer(vocabulary, dtype=np.uint8),
                     ids=np.asarray(counts.ids, dtype=np.int64), keys=np.asarray(counts.keys, dtype=np.int64),
                     indptr=counts.matrix.indptr, indices=counts.matrix.indices, data=counts.matrix.data)
        os.replace(tmp, path)
    except OSError:
        try:
            os.unlink(tmp)
        except OSError:
            pass


def fit_transform_kept(matcher, articles, path: Path | str):
    """`matcher.fit_transform(articles)` (a `ProjectMatcher` with `keep_counts`), reusing the
    counts kept at `path` and keeping the new ones there for the next fit."""
    matrix = matcher.fit_transform(articles, kept_counts=load(path, matcher.title_weight))
    if matcher.counts_ is not None:
        save(path, matcher.counts_)
    return matrix
