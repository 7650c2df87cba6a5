"""Retention: the database keeps what matters and forgets the rest.

Feed articles older than `[retention] article_days` that no suggestion refers to are deleted
at the end of each night; the ingester never stores entries already past that age, so a feed
that keeps old items does not bring them back night after night. What was proposed or sent
stays (rule 4 needs it), and so does the user's own news.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, exists, select

from matcher.config import Settings
from matcher.models import Article, Suggestion

NEWS_SOURCE = "news"  # the user's own news (matcher.news): never pruned here
BATCH = 2000  # rows per statement: short write transactions, so `matcher review` never waits long


def retention_cutoff(settings: Settings, now: dt.datetime) -> dt.datetime | None:
    days = settings.retention.article_days
    return now - dt.timedelta(days=days) if days and days > 0 else None


def prune_articles(db, settings: Settings, now: dt.datetime) -> int:
    """Delete old feed articles no suggestion refers to; the number deleted."""
    cutoff = retention_cutoff(settings, now)
    if cutoff is None:
        return 0
    referenced = exists().where(Suggestion.article_id == Article.id)
    old = (
        select(Article.id)
        .where(Article.published < cutoff, Article.text_source != NEWS_SOURCE, ~referenced)
        .order_by(Article.id)
        .limit(BATCH)
    )
    total = 0
    while True:
        with db.session() as s:
            ids = list(s.scalars(old))
            if not ids:
                return total
            s.execute(delete(Article).where(Article.id.in_(ids)), execution_options={"synchronize_session": False})
        total += len(ids)
