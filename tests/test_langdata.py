"""The language identifier and lemma dictionaries kept in the user cache (matcher.matching.langdata):
written on first use, read back after, identical to what the libraries give, and never a
reason to fail (unwritable directory, truncated or corrupt file)."""

from __future__ import annotations

import random
import re
import shutil
import sys
from pathlib import Path

import numpy as np
import pytest
import simplemma
from py3langid.langid import MODEL_FILE, LanguageIdentifier

from matcher.matching import analysis, langdata

FIXTURES = Path(__file__).parent / "fixtures"
LANGUAGES = analysis.LANGUAGES


def _fixture_texts() -> list[str]:
    texts = []
    for path in sorted(FIXTURES.rglob("*")):
        if path.is_file():
            text = path.read_text(errors="replace")
            texts += [text[i:i + 400] for i in range(0, len(text), 400)]
    return texts + ["", "ciao", "Contratti di fornitura del caffè verde", "SUPPLY CONTRACTS SIGNED",
                    "¿Dónde está la biblioteca?", "Das ist ein kurzer Test", "2026"]


TEXTS = _fixture_texts()


@pytest.fixture(scope="module")
def library_identifier() -> LanguageIdentifier:
    """What analysis built before the cache."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


@pytest.fixture(scope="module")
def warm_cache(tmp_path_factory, library_identifier) -> Path:
    """A cache directory holding the identifier and the en/it dictionaries."""
    directory = tmp_path_factory.mktemp("warm-cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MATCHER_CACHE_DIR", str(directory))
        mp.setattr(langdata, "_identifier_from_library", lambda languages: library_identifier)
        langdata.identifier(LANGUAGES)
        for lang in analysis.LEMMA_LANGUAGES:
            langdata.lemma_dictionary(lang)
    return directory


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    directory = tmp_path / "cache"
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(directory))
    return directory


@pytest.fixture
def warm(cache, warm_cache) -> Path:
    """`cache`, filled with a copy of `warm_cache`."""
    shutil.copytree(warm_cache, cache)
    return cache


def _no_library(monkeypatch):
    def refuse(*args):
        raise AssertionError("loaded from the library, not the cache")

    monkeypatch.setattr(langdata, "_identifier_from_library", refuse)
    monkeypatch.setattr(langdata, "_library_dictionary", refuse)


def _assert_same_identifier(cached: LanguageIdentifier, library: LanguageIdentifier):
    for name in ("nb_ptc", "nb_pc"):
        mine, theirs = getattr(cached, name), getattr(library, name)
        assert type(mine) is type(theirs) and mine.dtype == theirs.dtype and np.array_equal(mine, theirs)
    for name in ("nb_classes", "tk_nextmove", "tk_row", "tk_output"):
        mine, theirs = getattr(cached, name), getattr(library, name)
        assert type(mine) is type(theirs) and mine == theirs, name
    assert cached.tk_nextmove.typecode == library.tk_nextmove.typecode
    assert cached.tk_row.typecode == library.tk_row.typecode
    for text in TEXTS:
        assert cached.classify(text) == library.classify(text)  # language and probability
        assert cached.rank(text) == library.rank(text)


def test_cache_dir_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(tmp_path / "explicit"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert langdata.cache_dir() == tmp_path / "explicit"
    monkeypatch.delenv("MATCHER_CACHE_DIR")
    assert langdata.cache_dir() == tmp_path / "xdg" / "matcher"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert langdata.cache_dir() == tmp_path / "home" / ".cache" / "matcher"


@pytest.mark.slow
def test_identifier_is_cached_and_identical(cache, library_identifier, monkeypatch):
    assert langdata.identifier(LANGUAGES) is not None  # the real library path, once
    assert langdata.sources["langid"] == "library"
    assert len(list(cache.glob("langid-*.npy"))) == 1

    _no_library(monkeypatch)
    cached = langdata.identifier(LANGUAGES)
    assert langdata.sources["langid"] == "cache"
    _assert_same_identifier(cached, library_identifier)


@pytest.mark.slow
def test_a_corrupt_identifier_file_is_rebuilt(warm, library_identifier, monkeypatch):
    (path,) = warm.glob("langid-*.npy")
    size = path.stat().st_size
    with open(path, "r+b") as file:
        file.truncate(size // 2)
    monkeypatch.setattr(langdata, "_identifier_from_library", lambda languages: library_identifier)
    assert langdata.identifier(LANGUAGES) is library_identifier
    assert langdata.sources["langid"] == "library"
    assert path.stat().st_size == size  # rewritten

    path.write_bytes(b"garbage")
    assert langdata.identifier(LANGUAGES) is library_identifier
    _no_library(monkeypatch)
    _assert_same_identifier(langdata.identifier(LANGUAGES), library_identifier)
    assert langdata.sources["langid"] == "cache"
    assert not list(warm.glob(".*.tmp"))


def test_another_library_version_does_not_read_the_old_file(warm, library_identifier, monkeypatch):
    (old,) = warm.glob("langid-*.npy")
    monkeypatch.setattr(langdata, "version", lambda name: "99.0")
    monkeypatch.setattr(langdata, "_identifier_from_library", lambda languages: library_identifier)
    langdata.identifier(LANGUAGES)
    assert langdata.sources["langid"] == "library"
    (new,) = warm.glob("langid-*.npy")  # the stale one is gone
    assert new != old


def test_unwritable_cache_dir_still_works(tmp_path, monkeypatch, library_identifier):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(blocker / "cache"))
    monkeypatch.setattr(langdata, "_identifier_from_library", lambda languages: library_identifier)
    assert langdata.identifier(LANGUAGES) is library_identifier
    dictionary = langdata.lemma_dictionary("en")
    assert langdata.sources["lemmas-en"] == "library" and dictionary.get("cats") == "cat"
    lemmatizer = langdata.lemmatizer()
    assert lemmatizer.lemmatize("contratti", "it") == simplemma.lemmatize("contratti", lang="it")


def test_a_failed_write_leaves_nothing_behind(cache, library_identifier, monkeypatch):
    monkeypatch.setattr(langdata, "_identifier_from_library", lambda languages: library_identifier)

    def broken(file, key, identifier):
        file.write(b"half a file")
        raise OSError("disk full")

    monkeypatch.setattr(langdata, "_save_identifier", broken)
    assert langdata.identifier(LANGUAGES) is library_identifier
    assert list(cache.iterdir()) == []


def _words() -> list[str]:
    words = set()
    for text in TEXTS:
        words.update(re.findall(r"[^\W_]+", text))
    rng = random.Random(3)
    for lang in analysis.LEMMA_LANGUAGES:
        keys = sorted(langdata._library_dictionary(lang))
        for key in rng.sample(keys, 700):
            words.update({key, key.capitalize(), key.upper(), key + "s", "ri" + key})
    words.discard("")
    return sorted(words)


@pytest.mark.slow
def test_lemma_dictionaries_are_cached_and_identical(cache, monkeypatch):
    for lang in analysis.LEMMA_LANGUAGES:
        langdata.lemma_dictionary(lang)
        assert langdata.sources[f"lemmas-{lang}"] == "library"
        assert len(list(cache.glob(f"lemmas-{lang}-*.lem"))) == 1
    words = _words()
    assert len(words) > 3000

    library = {lang: langdata._library_dictionary(lang) for lang in analysis.LEMMA_LANGUAGES}
    _no_library(monkeypatch)
    for lang in analysis.LEMMA_LANGUAGES:
        cached = langdata.lemma_dictionary(lang)
        assert isinstance(cached, langdata.FrozenLemmas)
        assert langdata.sources[f"lemmas-{lang}"] == "cache"
        assert len(cached) == len(library[lang])
        for word in words:
            assert cached.get(word) == library[lang].get(word)
            assert (word in cached) == (word in library[lang])

    lemmatizer = langdata.lemmatizer()
    for lang in ("en", "it", ("en", "it")):
        for word in words:
            assert lemmatizer.lemmatize(word, lang) == simplemma.lemmatize(word, lang=lang), (word, lang)


@pytest.mark.slow
def test_the_whole_dictionary_round_trips(warm_cache, monkeypatch):
    monkeypatch.setenv("MATCHER_CACHE_DIR", str(warm_cache))
    for lang in analysis.LEMMA_LANGUAGES:
        library = langdata._library_dictionary(lang)
        cached = langdata.lemma_dictionary(lang)
        assert isinstance(cached, langdata.FrozenLemmas)
        assert list(cached) == list(library)
        assert all(cached[key] == value for key, value in library.items())


def _out_of_range(data: bytes) -> bytes:
    """The first slot of the hash table pointing past the entries, the size unchanged."""
    start = data.index(b"\n", len(langdata._LEMMAS_MAGIC)) + 1
    return data[:start] + (2**31 - 1).to_bytes(4, sys.byteorder) + data[start + 4:]


@pytest.mark.slow
@pytest.mark.parametrize("damage", ["truncate", "garbage", "empty", "out_of_range"])
def test_a_corrupt_lemma_file_is_rebuilt(warm, monkeypatch, damage):
    (path,) = warm.glob("lemmas-en-*.lem")
    data = path.read_bytes()
    path.write_bytes({"truncate": data[: len(data) - 100], "garbage": data[:200] + b"x" * 50, "empty": b"",
                      "out_of_range": _out_of_range(data)}[damage])
    dictionary = langdata.lemma_dictionary("en")
    assert langdata.sources["lemmas-en"] == "library"
    assert dictionary.get("cats") == "cat"
    assert path.read_bytes() == data  # rewritten, the same bytes as before

    _no_library(monkeypatch)
    assert isinstance(langdata.lemma_dictionary("en"), langdata.FrozenLemmas)


def test_analysis_goes_through_the_cache(warm, monkeypatch, library_identifier):
    _no_library(monkeypatch)
    monkeypatch.setattr(analysis, "_LEMMATIZER", langdata.lemmatizer())
    analysis._identifier.cache_clear()
    analysis._lemma.cache_clear()
    try:
        assert analysis.detect_language("Contratti di fornitura del caffè verde con i produttori") == "it"
        assert analysis._identifier().classify(TEXTS[0]) == library_identifier.classify(TEXTS[0])
        assert analysis._lemma("contratti", "it") == "contratto"
        assert analysis._lemma("Brasile", "") == simplemma.lemmatize("Brasile", lang=("en", "it")).lower()
    finally:
        analysis._identifier.cache_clear()
        analysis._lemma.cache_clear()
        analysis._term.cache_clear()
        analysis._TERM_CACHES.clear()


@pytest.mark.slow
def test_an_identifier_file_that_would_index_out_of_range_is_rebuilt(warm, library_identifier, monkeypatch):
    (path,) = warm.glob("langid-*.npy")
    good = path.read_bytes()
    lib = library_identifier
    damaged = LanguageIdentifier(lib.nb_ptc, lib.nb_pc, list(lib.nb_classes), lib.tk_nextmove,
                                 [len(lib.nb_ptc) + 5] * len(lib.tk_output), norm_probs=True, tk_row=lib.tk_row)
    key = langdata._key("langid", "py3langid", langdata._model_path(), ",".join(sorted(LANGUAGES)))
    with open(path, "wb") as file:
        langdata._save_identifier(file, key, damaged)
    monkeypatch.setattr(langdata, "_identifier_from_library", lambda languages: library_identifier)
    assert langdata.identifier(LANGUAGES) is library_identifier
    assert path.read_bytes() == good
