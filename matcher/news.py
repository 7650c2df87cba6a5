"""Your own news: projects and achievements worth sharing, matched to contacts like articles.

A piece of news is stored as an `Article` with no feed and `text_source = "news"`, dated the
day it was added, so the same ranking and the same courtesy throttle apply; it stays fresh
for `[occasions] news_freshness_days` and its draft uses the `news` template.
"""

from __future__ import annotations

import datetime as dt
import hashlib

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.errors import MatcherError
from matcher.models import Article
from matcher.ranking import NEWS_SOURCE


def news_title(text: str, limit: int = 120) -> str:
    """The first sentence (or line) of the news, cut at a word near `limit`."""
    first = text.strip().splitlines()[0].strip()
    sentence = first.split(". ")[0].rstrip(".") if len(first) > limit else first
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return sentence


def add_news(session: Session, text: str, today: dt.date, link: str = "") -> Article:
    text = (text or "").strip()
    if not text:
        raise MatcherError("news needs a text, e.g. matcher news add \"I led the move to …\"")
    if link and not link.startswith(("http://", "https://")):
        raise MatcherError(f"--link should be an http(s) URL, got {link!r}")
    key = "news:" + hashlib.sha256(f"{today.isoformat()}|{text}".encode()).hexdigest()[:58]
    if session.scalar(select(Article).where(Article.key == key)):
        raise MatcherError("this news was already added today")
    article = Article(
        key=key, feed_id=None, url=link or "", title=news_title(text), summary=text, text=text,
        text_source=NEWS_SOURCE, language="",
        published=dt.datetime.combine(today, dt.time(12, 0)),
    )
    session.add(article)
    session.flush()
    return article


def list_news(session: Session) -> list[Article]:
    return list(session.scalars(
        select(Article).where(Article.text_source == NEWS_SOURCE)
        .order_by(Article.published.desc(), Article.id.desc())
    ))


def news_to_dict(article: Article) -> dict:
    return {"id": article.id, "date": article.published.date().isoformat() if article.published else None,
            "title": article.title, "text": article.text, "link": article.url}


def add_news_item(db, text: str, today: dt.date, link: str = "") -> dict:
    """Add the user's own news in one transaction; returns it as `news_to_dict` shows it."""
    with db.session() as session:
        article = add_news(session, text, today, link)
        session.flush()
        return news_to_dict(article)


def news_rows(db) -> list[dict]:
    with db.reading() as session:
        return [news_to_dict(a) for a in list_news(session)]
