"""An article's analysed terms, stored with it (`Article.terms`) so a night analyses only
its new articles, and `matcher top` / `matcher why` analyse none.

The matcher's document for an article is its title `title_weight` times, then its text
("title.\\ntitle.\\ntext"). A sentence boundary stops bigrams, so the document's terms are
the title's terms `title_weight` times plus the text's terms; only the ALL-CAPS verdict
(`analysis.is_shouting`) looks at the whole document. So the title's and the text's terms
are stored apart, with the letter counts that verdict needs, and the document is rebuilt
for any title weight; where the verdict (or anything else) would differ, the stored terms
are ignored and the article is analysed again.

Stored form, one line each (a term never holds a line break: words are runs of letters
and digits, lemmatised by simplemma, and bigrams join two with one space)::

    t1|<language>|<weight or *>|<crc32>|<title upper>|<title lower>|<text upper>|<text lower>|<shouting>|<n title terms>
    <title terms>…
    <text terms>…

`language` is the article's stored language ("" if it had none: then it was detected
from the text, and when even that failed from the whole document, which depends on the
title weight: then `weight` is that weight, else "*"). crc32 is of title and text: a
changed article is analysed again.
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Sequence
from concurrent.futures.process import BrokenProcessPool

from matcher.matching import analysis
from matcher.matching.language import detect_language
from matcher.workers import process_pool

VERSION = "t1"
SEPARATOR = "\n"
# Below this many articles to analyse, a process pool costs more than it saves.
POOL_MIN_ARTICLES = 200
# Articles per task sent to a worker: enough to amortise the pickling, small enough to
# spread a night's articles evenly over the workers.
POOL_CHUNK = 400


def _weight(title_weight) -> int:
    return max(int(title_weight), 0)  # a negative weight counts the title 0 times, as a list would


def _checksum(title: str, text: str) -> int:
    return zlib.crc32(text.encode("utf-8", "surrogatepass"),
                      zlib.crc32(title.encode("utf-8", "surrogatepass") + b"\0"))


def document_language(title: str, text: str, language: str, title_weight: int) -> tuple[str, bool]:
    """The language the document is analysed in, and whether it depends on the title weight.

    As the matcher always did: the stored language; else detected on the text (the title
    when there is none); else, as `analyze` does, on the whole document.
    """
    if language:
        return language, False
    language = detect_language(text or title)
    if language:
        return language, False
    return detect_language(document_text(title, text, title_weight)), True


def document_text(title: str, text: str, title_weight: int) -> str:
    """The text the matcher analyses for an article: the title `title_weight` times, then the text."""
    return ".\n".join([title] * _weight(title_weight) + [text]) if title else text


def analyze_article(title: str, text: str, language: str, title_weight: int) -> str:
    """The stored form of an article's terms (see the module's doc)."""
    weight = _weight(title_weight)
    used, weight_bound = document_language(title, text, language, weight)
    # The title is analysed even when it counts 0 times: the stored form serves any weight.
    title_upper, title_lower = analysis.letter_counts(title) if title else (0, 0)
    text_upper, text_lower = analysis.letter_counts(text) if text else (0, 0)
    shouting = analysis.is_shouting(weight * title_upper + text_upper, weight * title_lower + text_lower)
    title_terms = analysis.analyze_with(title, used, shouting) if title else []
    text_terms = analysis.analyze_with(text, used, shouting) if text else []
    header = "|".join(str(field) for field in (
        VERSION, language or "", weight if weight_bound else "*", _checksum(title, text),
        title_upper, title_lower, text_upper, text_lower, int(shouting), len(title_terms)))
    stored = SEPARATOR.join([header, *title_terms, *text_terms])
    if stored.count(SEPARATOR) != len(title_terms) + len(text_terms):
        # Cannot happen (no lemma of simplemma's holds a line break); were it to, one line
        # per term must still hold.
        title_terms, text_terms = ([t.replace(SEPARATOR, " ") for t in part] for part in (title_terms, text_terms))
        stored = SEPARATOR.join([header, *title_terms, *text_terms])
    return stored


def _header(stored: str) -> list[str]:
    end = stored.find(SEPARATOR)
    return (stored if end < 0 else stored[:end]).split("|")


def is_current(stored: str | None, title: str, text: str, language: str, title_weight: int) -> bool:
    """Whether stored terms are those of this title, text and language for this title weight."""
    if not stored:
        return False
    header = _header(stored)
    if len(header) != 10 or header[0] != VERSION:
        return False
    _, stored_language, bound, checksum, t_up, t_low, x_up, x_low, shouting, _ = header
    weight = _weight(title_weight)
    if stored_language != (language or "") or (bound != "*" and bound != str(weight)):
        return False
    try:
        if analysis.is_shouting(weight * int(t_up) + int(x_up), weight * int(t_low) + int(x_low)) != (shouting == "1"):
            return False
    except ValueError:  # not written by analyze_article
        return False
    return checksum == str(_checksum(title, text))


def document_terms(stored: str, title_weight: int) -> list[str]:
    """The document's terms from the stored form (check `is_current` first)."""
    lines = stored.split(SEPARATOR)
    n_title = int(lines[0].rsplit("|", 1)[1])
    weight = _weight(title_weight)
    if not n_title:
        return lines[1:]
    return lines[1:1 + n_title] * weight + lines[1 + n_title:]


# -- many articles at once ---------------------------------------------------------------


def _analyze_chunk(items: Sequence[tuple[str, str, str]], title_weight: int) -> list[str]:
    return [analyze_article(title, text, language, title_weight) for title, text, language in items]


def _warm() -> None:
    """Load the language identifier's model and simplemma's dictionaries before forking, so
    the workers share them instead of each loading its own (about a second)."""
    detect_language("Loading the language identifier before the workers start")
    for language in analysis.LEMMA_LANGUAGES:
        analysis.analyze_with("Contracts contratti", language, False)


def in_chunks(fn: Callable, items: Sequence, *args, workers: int | None = None,
              chunk: int = POOL_CHUNK, pool_min: int = POOL_MIN_ARTICLES, warm: Callable | None = None) -> list:
    """fn(items[i:i+chunk], *args) over all chunks, concatenated, in a process pool of
    `workers` (None: os.cpu_count()) when there are at least `pool_min` items; else here.
    `warm()` loads, before the pool forks, what fn needs, so the workers share it.

    A pool that fails (no fork, a worker killed) leaves its unfinished chunks to this process.
    """
    workers = workers or os.cpu_count() or 1
    if workers <= 1 or len(items) < pool_min:
        return list(fn(items, *args)) if items else []
    # Small enough that every worker gets several chunks (the last one is not a long wait).
    size = max(1, min(chunk, -(-len(items) // (workers * 4))))
    chunks = [items[i:i + size] for i in range(0, len(items), size)]
    results: list = [None] * len(chunks)
    if warm is not None:
        warm()
    try:
        with process_pool(min(workers, len(chunks))) as pool:
            futures = [pool.submit(fn, part, *args) for part in chunks]
            for i, future in enumerate(futures):
                try:
                    results[i] = future.result()
                except (BrokenProcessPool, OSError):
                    pass
    except (BrokenProcessPool, OSError, RuntimeError):
        pass
    out: list = []
    for part, result in zip(chunks, results):
        out.extend(fn(part, *args) if result is None else result)
    return out


def _detect_and_analyze_chunk(items: Sequence[tuple[str, str, str]], title_weight: int) -> list[tuple[str, str]]:
    out = []
    for title, text, language in items:
        if not language:
            language = detect_language(f"{title}. {text}") or "und"
        out.append((language, analyze_article(title, text, language, title_weight)))
    return out


def detect_and_analyze(items: Sequence[tuple[str, str, str]], title_weight: int,
                       workers: int | None = None) -> list[tuple[str, str]]:
    """(language, stored terms) of many (title, text, language): a missing language is
    detected first, on "title. text" ("und" when unsure: it is not tried again), as the
    night stores it with the article; then the terms in that language."""
    return in_chunks(_detect_and_analyze_chunk, list(items), int(title_weight), workers=workers, warm=_warm)


def analyze_articles(items: Sequence[tuple[str, str, str]], title_weight: int,
                     workers: int | None = None) -> list[str]:
    """`analyze_article` of many (title, text, language), in a process pool when many."""
    return in_chunks(_analyze_chunk, list(items), int(title_weight), workers=workers, warm=_warm)
