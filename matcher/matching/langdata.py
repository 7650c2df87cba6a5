"""The language identifier and the lemma dictionaries, kept ready to load in a user cache.

py3langid ships its model LZMA-compressed (68 MB of npz) and simplemma its dictionaries
front-coded and LZMA-compressed; decoding them costs about 0.9 s of CPU in every process
that analyses a text. The first process writes what it decoded to the cache directory
($MATCHER_CACHE_DIR, else $XDG_CACHE_HOME/matcher, else ~/.cache/matcher); later ones read
that back in a few tens of milliseconds:

- ``langid-<key>.npy``: the identifier's arrays, restricted to our languages, as consecutive
  uncompressed ``np.save`` records (the first one a JSON header);
- ``lemmas-<lang>-<key>.lem``: a simplemma dictionary as an open-addressing hash table over
  two blobs (keys, values) that `FrozenLemmas` looks words up in without unpacking it into
  a dict (building a dict of 360,000 Italian words alone would take over 0.1 s).

The key in each name (and again in the header) covers the library's version, the size and
mtime of the file the data came from, the format below and this machine's byte order: an
upgraded library never reads an old cache. Whatever goes wrong with the cache (no
directory, no permission, a truncated or corrupt file) the data come from the library as
before, and a bad file is rewritten; files are written to a temporary name and renamed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import sys
import tempfile
import zlib
from array import array
from collections.abc import Callable, Iterator, Mapping, Sequence
from importlib.metadata import version
from pathlib import Path
from typing import BinaryIO

import numpy as np
import py3langid.langid
import simplemma
from py3langid.langid import MODEL_FILE, LanguageIdentifier

#: Bump when what is written changes; part of every cache key.
FORMAT = 1

_LOG = logging.getLogger(__name__)

#: Where each kind of data last came from: {"langid": "cache", "lemmas-it": "library", ...}.
#: For tests and curious people; nothing depends on it.
sources: dict[str, str] = {}


def cache_dir() -> Path:
    """$MATCHER_CACHE_DIR, else $XDG_CACHE_HOME/matcher, else ~/.cache/matcher."""
    explicit = os.environ.get("MATCHER_CACHE_DIR")
    if explicit:
        return Path(explicit).expanduser()
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and Path(xdg).is_absolute():  # the XDG spec ignores relative paths
        return Path(xdg) / "matcher"
    return Path.home() / ".cache" / "matcher"


def _key(kind: str, library: str, data_file: Path, extra: str = "") -> str:
    st = os.stat(data_file)
    return (f"{kind}|format={FORMAT}|{library}={version(library)}"
            f"|{data_file.name}:{st.st_size}:{st.st_mtime_ns}|{extra}|{sys.byteorder}")


def _cache_path(stem: str, key: str, suffix: str) -> Path:
    return cache_dir() / f"{stem}-{hashlib.sha1(key.encode()).hexdigest()[:16]}{suffix}"


def _write_atomically(path: Path, write: Callable[[BinaryIO], None]) -> bool:
    """write(file) into a temporary file beside `path`, then rename it to `path`; older
    versions (same stem, another key) are removed. False if any of it failed."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except Exception as error:  # not writable, no home...: do without
        _LOG.debug("cache %s not writable: %s", path, error)
        return False
    done = False
    try:
        with os.fdopen(fd, "wb") as file:
            write(file)
        os.replace(tmp, path)
        done = True
    except Exception as error:
        _LOG.debug("cannot write cache %s: %s", path, error)
        return False
    finally:
        if not done:
            try:
                os.unlink(tmp)
            except OSError:
                pass
    stem = path.name.rsplit("-", 1)[0]
    try:
        for old in path.parent.glob(f"{stem}-*{path.suffix}"):
            if old != path and old.name.rsplit("-", 1)[0] == stem:
                old.unlink(missing_ok=True)
    except OSError:
        pass
    return True


# --- py3langid ---------------------------------------------------------------------------

def _identifier_from_library(languages: Sequence[str]) -> LanguageIdentifier:
    """What analysis did before the cache: decompress the shipped model, restrict it."""
    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(languages))
    return identifier


def _model_path() -> Path:
    """The file `from_model_file(MODEL_FILE)` reads (relative to py3langid's MODEL_DIR)."""
    path = Path(MODEL_FILE)
    if path.is_absolute():
        return path
    return Path(getattr(py3langid.langid, "MODEL_DIR", Path(py3langid.langid.__file__).parent)) / path


def _save_identifier(file: BinaryIO, key: str, identifier: LanguageIdentifier) -> None:
    nextmove, row, output = identifier.tk_nextmove, identifier.tk_row, identifier.tk_output
    # Only the layout of py3langid 0.4 is known to rebuild exactly; anything else: no cache.
    if not (isinstance(identifier.nb_ptc, np.ndarray) and isinstance(identifier.nb_pc, np.ndarray)
            and isinstance(identifier.nb_classes, list) and isinstance(nextmove, array)
            and isinstance(row, array) and isinstance(output, list)
            and all(isinstance(c, str) for c in identifier.nb_classes)):
        raise TypeError("unexpected py3langid model layout")
    header = {"key": key, "nextmove": nextmove.typecode, "row": row.typecode}
    np.save(file, np.array(json.dumps(header)), allow_pickle=False)
    np.save(file, identifier.nb_ptc, allow_pickle=False)
    np.save(file, identifier.nb_pc, allow_pickle=False)
    np.save(file, np.array(identifier.nb_classes, dtype=str), allow_pickle=False)
    np.save(file, np.asarray(memoryview(nextmove)), allow_pickle=False)
    np.save(file, np.asarray(memoryview(row)), allow_pickle=False)
    np.save(file, np.array(output, dtype=np.int64), allow_pickle=False)


def _to_array(typecode: str, values: np.ndarray) -> array:
    out = array(typecode)
    if values.dtype.itemsize != out.itemsize or values.ndim != 1:
        raise ValueError("cached array of the wrong type")
    out.frombytes(memoryview(np.ascontiguousarray(values)).cast("B"))
    return out


def _load_identifier(path: Path, key: str) -> LanguageIdentifier:
    with open(path, "rb") as file:
        header = json.loads(str(np.load(file, allow_pickle=False)[()]))
        if header.get("key") != key:
            raise ValueError("cache key mismatch")
        ptc, pc, classes, nextmove, row, output = (np.load(file, allow_pickle=False) for _ in range(6))
        if file.read(1):
            raise ValueError("trailing data")
    classes = classes.tolist()
    # Whatever a damaged file holds, classify() must not index out of range on it.
    if not (ptc.ndim == 2 and ptc.shape[1] == len(pc) == len(classes) and len(row) == len(output)
            and len(nextmove) % 256 == 0 and len(output) and len(nextmove)
            and int(nextmove.max()) < len(output) and int(row.max()) < len(nextmove) // 256
            and int(output.max()) < len(ptc)):
        raise ValueError("inconsistent cached model")
    return LanguageIdentifier(ptc, pc, classes, _to_array(header["nextmove"], nextmove),
                              output.tolist(), norm_probs=True,
                              tk_row=_to_array(header["row"], row))


def identifier(languages: Sequence[str]) -> LanguageIdentifier:
    """py3langid's identifier with norm_probs=True, restricted to `languages`: the one
    `LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)` then
    `set_languages(languages)` builds, from the cache when there is a valid one."""
    try:
        key = _key("langid", "py3langid", _model_path(), ",".join(sorted(languages)))
        path = _cache_path("langid", key, ".npy")
    except Exception as error:
        _LOG.debug("no cache for the language identifier: %s", error)
        sources["langid"] = "library"
        return _identifier_from_library(languages)
    try:
        loaded = _load_identifier(path, key)
        sources["langid"] = "cache"
        return loaded
    except Exception as error:  # missing, unreadable, corrupt or truncated: (re)built below
        _LOG.debug("no usable cache %s: %s", path, error)
    built = _identifier_from_library(languages)
    sources["langid"] = "library"
    _write_atomically(path, lambda file: _save_identifier(file, key, built))
    return built


# --- simplemma ---------------------------------------------------------------------------

_LEMMAS_MAGIC = b"matcher-lemmas\n"


class FrozenLemmas(Mapping):
    """A read-only str -> str mapping over a hash table (array of entry numbers, linear
    probing on crc32 of the key's UTF-8) and two blobs: the keys' UTF-8 bytes and the values
    as one str, cut by offset arrays. Looks a word up like simplemma's own mapping does
    (UTF-8 encode, then compare bytes), without a dict to build. A lookup costs about 0.3 us
    more than in simplemma's dict (~0.85 vs ~0.5-0.85 us for a word that is there, ~0.37 vs
    ~0.2-0.3 us for one that is not): ~13% on a lemmatisation, paid once per distinct word."""

    # `get` is a closure over the arrays, per instance: the lookup is simplemma's hot path.
    __slots__ = ("_key_offsets", "_keys", "_table", "_value_offsets", "_values", "get")

    def __init__(self, table: array, key_offsets: array, keys: bytes,
                 value_offsets: array, values: str) -> None:
        self._table, self._key_offsets, self._keys = table, key_offsets, keys
        self._value_offsets, self._values = value_offsets, values
        mask, crc32 = len(table) - 1, zlib.crc32

        def get(key: str, default=None):
            encoded = key.encode()
            slot = crc32(encoded) & mask
            entry = table[slot]
            while entry >= 0:
                if keys[key_offsets[entry]:key_offsets[entry + 1]] == encoded:
                    return values[value_offsets[entry]:value_offsets[entry + 1]]
                slot = (slot + 1) & mask
                entry = table[slot]
            return default

        self.get = get

    def __getitem__(self, key: str) -> str:
        value = self.get(key)
        if value is None:
            raise KeyError(key)
        return value

    def __contains__(self, key: object) -> bool:
        return isinstance(key, str) and self.get(key) is not None

    def __iter__(self) -> Iterator[str]:
        offsets, keys = self._key_offsets, self._keys
        for entry in range(len(offsets) - 1):
            yield keys[offsets[entry]:offsets[entry + 1]].decode()

    def __len__(self) -> int:
        return len(self._key_offsets) - 1

    @classmethod
    def build(cls, mapping: Mapping[str, str]) -> FrozenLemmas:
        key_offsets, value_offsets = array("I", [0]), array("I", [0])
        keys, values = [], []
        key_end = value_end = 0
        hashes = []
        for key, value in mapping.items():
            encoded = key.encode()
            keys.append(encoded)
            values.append(value)
            key_end += len(encoded)
            value_end += len(value)
            key_offsets.append(key_end)
            value_offsets.append(value_end)
            hashes.append(zlib.crc32(encoded))
        size = 8
        while size < 4 * len(keys):  # at most a quarter full: most misses end on an empty slot
            size *= 2
        table, mask = array("i", [-1]) * size, size - 1
        for entry, hashed in enumerate(hashes):
            slot = hashed & mask
            while table[slot] >= 0:
                slot = (slot + 1) & mask
            table[slot] = entry
        return cls(table, key_offsets, b"".join(keys), value_offsets, "".join(values))

    def save(self, file: BinaryIO, key: str) -> None:
        values = self._values.encode()
        header = {"key": key, "slots": len(self._table), "entries": len(self),
                  "key_bytes": len(self._keys), "value_bytes": len(values)}
        file.write(_LEMMAS_MAGIC + json.dumps(header).encode() + b"\n")
        for part in (self._table, self._key_offsets, self._value_offsets):
            part.tofile(file)
        file.write(self._keys)
        file.write(values)

    @classmethod
    def load(cls, file: BinaryIO, key: str) -> FrozenLemmas:
        if file.read(len(_LEMMAS_MAGIC)) != _LEMMAS_MAGIC:
            raise ValueError("not a lemma cache")
        header = json.loads(file.readline(1 << 16))
        if header.get("key") != key:
            raise ValueError("cache key mismatch")
        slots, entries = header["slots"], header["entries"]
        if slots < 8 or slots & (slots - 1) or entries >= slots:
            raise ValueError("bad table size")

        def read(typecode: str, count: int) -> array:
            out = array(typecode)
            out.frombytes(_read_exactly(file, count * out.itemsize))
            return out

        table = read("i", slots)
        key_offsets, value_offsets = read("I", entries + 1), read("I", entries + 1)
        keys = _read_exactly(file, header["key_bytes"])
        values = _read_exactly(file, header["value_bytes"]).decode()
        if file.read(1):
            raise ValueError("trailing data")
        entries_in_table = np.frombuffer(table, dtype=f"i{table.itemsize}")
        # Whatever a damaged file holds, a lookup must neither index out of range nor loop.
        if not (key_offsets[0] == value_offsets[0] == 0 and key_offsets[-1] == len(keys)
                and value_offsets[-1] == len(values) and int(entries_in_table.max()) < entries
                and int(np.count_nonzero(entries_in_table >= 0)) == entries):
            raise ValueError("inconsistent lemma cache")
        return cls(table, key_offsets, keys, value_offsets, values)


def _read_exactly(file: BinaryIO, size: int) -> bytes:
    data = file.read(size)
    if len(data) != size:
        raise ValueError("truncated cache file")
    return data


def _library_dictionary(lang: str) -> Mapping[str, str]:
    """simplemma's own dictionary, shared with simplemma.lemmatize (as before the cache)."""
    from simplemma.strategies import DEFAULT_DICTIONARY_FACTORY

    return DEFAULT_DICTIONARY_FACTORY.get_dictionary(lang)


def _simplemma_data_file(lang: str) -> Path:
    from importlib.resources import files

    return Path(str(files("simplemma.strategies.dictionaries") / "data" / f"{lang}.plzma"))


def lemma_dictionary(lang: str) -> Mapping[str, str]:
    """simplemma's dictionary for `lang` (str -> str), from the cache when there is a valid
    one; else simplemma's own, written to the cache for the next process."""
    name = f"lemmas-{lang}"
    try:
        key = _key(name, "simplemma", _simplemma_data_file(lang))
        path = _cache_path(name, key, ".lem")
    except Exception as error:  # an unknown language ends up here too: simplemma says why
        _LOG.debug("no cache for the %s dictionary: %s", lang, error)
        sources[name] = "library"
        return _library_dictionary(lang)
    try:
        with open(path, "rb") as file:
            loaded = FrozenLemmas.load(file, key)
        sources[name] = "cache"
        return loaded
    except Exception as error:  # missing, unreadable, corrupt or truncated: (re)built below
        _LOG.debug("no usable cache %s: %s", path, error)
    dictionary = _library_dictionary(lang)
    sources[name] = "library"
    _write_atomically(path, lambda file: FrozenLemmas.build(dictionary).save(file, key))
    return dictionary


class CachedDictionaryFactory:
    """A simplemma DictionaryFactory (`get_dictionary(lang) -> Mapping[str, str]`) serving
    `lemma_dictionary`, each language loaded once."""

    def __init__(self) -> None:
        self._dictionaries: dict[str, Mapping[str, str]] = {}

    def get_dictionary(self, lang: str) -> Mapping[str, str]:
        dictionary = self._dictionaries.get(lang)
        if dictionary is None:
            dictionary = self._dictionaries[lang] = lemma_dictionary(lang)
        return dictionary


def lemmatizer():
    """Something with simplemma's `lemmatize(token, lang)`, lemmas identical to
    `simplemma.lemmatize`'s: a `simplemma.Lemmatizer` (the settings `simplemma.lemmatize`
    uses) over the cached dictionaries. Before simplemma 2, whose factories may hand out
    other mappings, simplemma itself."""
    try:
        if int(str(simplemma.__version__).split(".")[0]) >= 2:
            from simplemma.strategies import DefaultStrategy

            return simplemma.Lemmatizer(
                lemmatization_strategy=DefaultStrategy(dictionary_factory=CachedDictionaryFactory()))
    except Exception as error:
        _LOG.debug("simplemma without a cache: %s", error)
    return simplemma
