"""Stored mentions as the day's commands show them (`top`, the review card, `--json`)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.models import Contact, Mention

CHUNK = 500


@dataclass(frozen=True)
class MentionInfo:
    """A stored mention as the day's commands show it."""

    article_id: int
    contact_id: int
    contact: str
    company_words: str
    tone: str
    tone_reason: str

    def to_dict(self) -> dict:
        return {"contact": self.contact, "company_words": self.company_words, "tone": self.tone,
                "tone_reason": self.tone_reason}


def mentions_of(session: Session, article_ids: Iterable[int],
                contact_id: int | None = None) -> dict[int, list[MentionInfo]]:
    """The stored mentions of these articles (of one contact's company with `contact_id`),
    by article id."""
    ids = sorted({i for i in article_ids if i is not None})
    out: dict[int, list[MentionInfo]] = {}
    for start in range(0, len(ids), CHUNK):
        query = (select(Mention, Contact.name).join(Contact, Contact.id == Mention.contact_id)
                 .where(Mention.article_id.in_(ids[start:start + CHUNK])))
        if contact_id is not None:
            query = query.where(Mention.contact_id == contact_id)
        for m, name in session.execute(query.order_by(Mention.article_id, Mention.id)):
            out.setdefault(m.article_id, []).append(
                MentionInfo(m.article_id, m.contact_id, name, m.words, m.tone, m.tone_reason))
    return out


def mention_of(session: Session, article_id: int | None, contact_id: int) -> MentionInfo | None:
    """The stored mention of one contact's company in one article, if any."""
    if article_id is None:
        return None
    found = mentions_of(session, [article_id], contact_id).get(article_id)
    return found[0] if found else None
