"""Which language a text is written in: py3langid restricted to the languages our users meet."""

from __future__ import annotations

import os
import tempfile
from array import array
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np
import py3langid
from platformdirs import user_cache_dir
from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: Languages the detector may answer; anything else would be noise for our users.
LANGUAGES = ("it", "en", "es", "fr", "de", "pt")

# Below this many letters a language guess is a coin toss.
_MIN_LETTERS_FOR_DETECTION = 12
_MIN_CONFIDENCE = 0.5
# The classifier's time grows with the text; the first paragraphs say the language.
_DETECTION_CHARS = 600


@lru_cache(maxsize=1)
def _identifier() -> LanguageIdentifier:
    """py3langid's model restricted to LANGUAGES, once per process.

    `set_languages` keeps the whole model beside the restricted one; an identifier made
    from the restricted tables alone holds 6 of the model's 142 columns and lets the whole
    model go. Unpacking the whole model to restrict it takes ~0.4 s, so the restricted
    tables are kept in the user's cache directory (one file per py3langid version, as
    simplemma keeps its tries) and read back by the next process in ~0.07 s.
    """
    path = _identifier_cache()
    try:
        with np.load(path) as kept:
            tables = {name: kept[name] for name in _IDENTIFIER_TABLES}
    except Exception:  # missing, damaged, written by another numpy: made again
        tables = _restricted_tables()
        _keep_tables(path, tables)
    return LanguageIdentifier(
        tables["nb_ptc"], tables["nb_pc"], [str(c) for c in tables["nb_classes"]],
        array("I", tables["tk_nextmove"].astype(np.uint32).tobytes()), tables["tk_output"].tolist(),
        norm_probs=True, tk_row=array("H", tables["tk_row"].astype(np.uint16).tobytes()))


_IDENTIFIER_TABLES = ("nb_ptc", "nb_pc", "nb_classes", "tk_nextmove", "tk_output", "tk_row")


def _identifier_cache() -> Path:
    version = getattr(py3langid, "__version__", "unknown")
    return Path(user_cache_dir("matcher")) / f"langid-{version}-{'-'.join(LANGUAGES)}.npz"


def _restricted_tables() -> dict[str, np.ndarray]:
    whole = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    whole.set_languages(list(LANGUAGES))
    return {"nb_ptc": np.asarray(whole.nb_ptc), "nb_pc": np.asarray(whole.nb_pc),
            "nb_classes": np.asarray(whole.nb_classes, dtype=str),
            "tk_nextmove": np.frombuffer(whole.tk_nextmove, dtype=np.uint32) if whole.tk_nextmove.itemsize == 4
            else np.asarray(whole.tk_nextmove, dtype=np.uint32),
            "tk_output": np.asarray(whole.tk_output, dtype=np.int32),
            "tk_row": np.asarray(whole.tk_row, dtype=np.uint16)}


def _keep_tables(path: Path, tables: dict[str, np.ndarray]) -> None:
    """Write the tables for the next process, atomically; a cache that cannot be written
    only costs the next process the same 0.4 s."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=path.parent, suffix=".tmp", delete=False) as out:
            np.savez(out, **tables)
        os.replace(out.name, path)
    except OSError:
        pass


def detect_language(text: str) -> str:
    """ISO 639-1 code of the text among LANGUAGES, or "" when too short or unsure."""
    if not text:
        return ""
    # map(str.isalpha): the count in C; a prefix with enough letters spares the rest.
    if (sum(map(str.isalpha, text[:40])) < _MIN_LETTERS_FOR_DETECTION
            and sum(map(str.isalpha, text[:2000])) < _MIN_LETTERS_FOR_DETECTION):
        return ""
    language, confidence = _identifier().classify(text[:_DETECTION_CHARS])
    return language if confidence >= _MIN_CONFIDENCE else ""


def same_language(articles: Sequence[str], projects: Sequence[str]) -> np.ndarray:
    """Which (project, article) pairs are known to be written in one language: a boolean
    matrix, projects x articles; an unknown language ("" or None) matches nothing."""
    code: dict[str, int] = {}
    article_codes = np.fromiter((code.setdefault(lang, len(code)) if lang else -1 for lang in articles),
                                dtype=np.int32, count=len(articles))
    project_codes = np.fromiter((code.get(lang, -2) if lang else -2 for lang in projects),
                                dtype=np.int32, count=len(projects))
    return project_codes[:, None] == article_codes[None, :]


__all__ = ["LANGUAGES", "detect_language", "same_language"]
