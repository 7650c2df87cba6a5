"""The nightly index: what the night fitted, kept in the home's `cache/` for the day's
read-only commands (`top`, `why`, `agenda`), so they neither refit nor write.

One file, `cache/index.pkl`: the fitted `Ranker` (vocabulary, IDF, parameters), the fresh
articles' TF-IDF matrix and sentence vectors with their ids in ranking order, the vectors of
the contacts' project texts, and what it was made for (day, model, settings). It serves a
command only when the fresh articles of the command's day are exactly those ids; otherwise
the command ranks in memory as the night would, and the file stays as it was. Deleting it
is always safe. A pickle of plain numpy and scipy objects (reading it loads no
scikit-learn): it is the home's own file, written by this program, and any trouble reading
it (another library version) means "rebuild".
"""

from __future__ import annotations

import hashlib
import pickle
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matcher.matching import semantic, terms
from matcher.matching.ranker import Ranker
from matcher.private import write_private

FORMAT = 6  # 2: a plain Ranker, no longer the estimator; 3: project texts keep their terms;
# 4: the ranker weighs the semantic signal by language (same_language_weight); 5: project
# texts keep the words bridged into other languages (matching/bridge.py); 6: the expansion's
# seeds weigh it by language too (same_language_seed)


def text_key(text: str) -> str:
    """A project text's key in the index (the text itself need not be kept twice)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass
class NightIndex:
    made_for: dict                 # day, model, settings fingerprint (see `fingerprint`)
    article_ids: list[int]
    matcher: Ranker                # the fitted ranker (no scikit-learn in it)
    matrix: object                 # TF-IDF rows of the articles, in `article_ids` order
    embeddings: np.ndarray | None  # float16 rows, same order
    project_vectors: dict[str, np.ndarray] = field(default_factory=dict)  # text_key -> vector


def fingerprint(settings) -> dict:
    """What else the index depends on: a changed setting or model makes it stale."""
    return {"format": FORMAT, "model": semantic.MODEL, "terms": terms.VERSION,
            "freshness_days": settings.throttle.freshness_days,
            "news_freshness_days": settings.occasions.news_freshness_days}


def save(path: Path, index: NightIndex) -> None:
    """Write the index atomically (a reader never sees half a file), private to the user."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)  # the home's cache: private
    write_private(path, lambda out: pickle.dump(index, out, protocol=pickle.HIGHEST_PROTOCOL))


def read(path: Path) -> NightIndex | None:
    """The index kept at `path`, whatever it was made for; None if there is none to read."""
    try:
        with open(path, "rb") as f:
            index = pickle.load(f)
    except Exception:  # missing, damaged, or written by other library versions: rebuild
        return None
    return index if isinstance(index, NightIndex) else None


def serves(index: NightIndex | None, settings, article_ids: list[int]) -> bool:
    """Whether the index was made for these fresh articles under these settings."""
    if index is None:
        return False
    made_for = dict(index.made_for)
    made_for.pop("day", None)
    return made_for == fingerprint(settings) and list(index.article_ids) == list(article_ids)


def project_vectors(index: NightIndex | None) -> dict[str, np.ndarray]:
    """The project vectors an index kept, whatever day it was for (same model), else {}."""
    if index is None or index.made_for.get("model") != semantic.MODEL:
        return {}
    return dict(index.project_vectors)


def project_analyses(index: NightIndex | None) -> dict[str, tuple[str, list[str]]]:
    """The project texts' languages and terms an index kept, whatever day it was for (same
    analysis), else {}."""
    if index is None or index.made_for.get("terms") != terms.VERSION or index.made_for.get("format") != FORMAT:
        return {}
    return index.matcher.profile_analyses()


def project_bridges(index: NightIndex | None) -> dict[str, list[str]]:
    """The words an index bridged for project texts (matching/bridge.py), whatever day it was
    for (same model and format), else {}: a text is bridged again only when it changes."""
    if index is None or index.made_for.get("model") != semantic.MODEL or index.made_for.get("format") != FORMAT:
        return {}
    return dict(index.matcher.__dict__.get("bridged_", {}))
