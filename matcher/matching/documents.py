"""Article records as the ranking reads them: their text, language and analysed terms.

An article record is an ORM row, a dataclass or a dict (whatever the caller has) with
title, text, summary, language and, optionally, its analysed terms in the form
`terms.analyze_article` stores (`Article.terms`): they are used when current for the
record and the title weight, and the article is analysed otherwise. A plain string is
analysed as it is (tests and notebooks pass strings).
"""

from __future__ import annotations

from collections.abc import Mapping

from matcher.matching import counts as kept_counts
from matcher.matching import terms as stored_terms
from matcher.matching.analysis import analyze
from matcher.matching.language import detect_language
from matcher.matching.space import StoredDocument

_FIELDS = ("title", "text", "summary", "language", "terms")


def article_fields(article) -> tuple[str, str, str, str | None]:
    """(title, text, stored language, stored terms) of an article record; the summary
    stands in for a missing text."""
    if isinstance(article, Mapping):
        title, text, summary, language, terms = (article.get(name) for name in _FIELDS)
    else:
        title, text, summary, language, terms = (getattr(article, name, None) for name in _FIELDS)
    return title or "", text or summary or "", language or "", terms


def article_parts(article) -> tuple[str, str, str]:
    """(title, text, stored language) of an article record; the summary stands in for a missing text."""
    return article_fields(article)[:3]


def language_of(text: str, language: str | None) -> str:
    """The stored language, else the detected one."""
    return language or detect_language(text)


def article_document(article, title_weight: int) -> tuple[str, str]:
    """The text the ranking reads for an article, with its language (for reasons)."""
    if isinstance(article, str):
        return article, language_of(article, "")
    title, text, language = article_parts(article)
    # Detect on the body only: the repeated title would skew a short text.
    language, _ = stored_terms.document_language(title, text, language, title_weight)
    return stored_terms.document_text(title, text, title_weight), language


def terms_current(article, title_weight: int) -> bool:
    """Whether the article record's stored terms serve this title weight."""
    if isinstance(article, str):
        return False
    title, text, language, stored = article_fields(article)
    return stored_terms.is_current(stored, title, text, language, title_weight)


def analyze_articles(articles, title_weight: int, workers: int | None = None) -> list[str]:
    """Each article's terms in their stored form (`Article.terms`), analysed now: in a
    process pool of `workers` when there are many."""
    return stored_terms.analyze_articles([article_parts(a) for a in articles], title_weight, workers)


def article_documents(articles, title_weight: int, workers: int | None = None, keep_counts: bool = False) -> list:
    """The documents `space.count` reads: stored terms where current, the others analysed
    here (all at once, so a pool can share the work). With `keep_counts`, an article with an
    id carries the key under which its counts are kept (`counts.py`)."""
    documents: list = [None] * len(articles)
    missing = []
    for i, article in enumerate(articles):
        if isinstance(article, str):
            documents[i] = analyze(article, language_of(article, "") or None)
            continue
        title, text, language, stored = article_fields(article)
        if stored_terms.is_current(stored, title, text, language, title_weight):
            documents[i] = _stored_document(article, stored, title_weight, keep_counts)
        else:
            missing.append(i)
    if missing:
        analysed = analyze_articles([articles[i] for i in missing], title_weight, workers)
        for i, stored in zip(missing, analysed):
            documents[i] = _stored_document(articles[i], stored, title_weight, keep_counts)
    return documents


def _stored_document(article, stored: str, title_weight: int, keep_counts: bool) -> StoredDocument:
    article_id = getattr(article, "id", None)
    key = (article_id, kept_counts.document_key(stored)) if keep_counts and isinstance(article_id, int) else None
    return StoredDocument(stored, title_weight, key)
