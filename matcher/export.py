"""The portable export: everything about the user's contacts, as one JSON document.

    {"matcher_export": 1, "schema": "0006", "exported_on": "2026-11-20",
     "contacts": [...],                      # every field, with their projects
     "history": {"occasions": [...], "job_changes": [...], "touches": [...],
                 "suggestions": [...]}}      # with their marks and their articles

`matcher contacts import FILE` reads the contacts back, `matcher import-history FILE`
(matcher.history) the rest. History items name their contact by `contact` (the name) and
`email`, and an article by `key`, `url`, `title`, `published` and `feed_url`, so they
mean the same in another database; lists are in a stable order, so two exports of the
same data are equal but for ids and the export date.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.contacts import fields as F
from matcher.models import Article, Contact, CustomDate, JobChange, Suggestion, Touch
from matcher.private import write_private
from matcher.suggest import NEWS_SOURCE

FORMAT = 1
CONTACT_FIELDS = (
    "name", "email", "kind", "company", "role", "country", "language", "channel", "notes",
    "cadence_days", "do_not_contact", "snoozed_until", "birthday", "created_on",
    "profile_url", "anniversary", "labels", "connected_on", "company_aliases", "company_tickers",
)
OCCASION_DAYS = ("birthday", "anniversary")  # may be stored without a year (--MM-DD)


def export_document(session: Session, schema: str, today: dt.date) -> dict:
    """The whole export of one database, as plain JSON-ready data."""
    contacts = session.scalars(select(Contact).options(
        selectinload(Contact.projects), selectinload(Contact.touches),
        selectinload(Contact.custom_dates), selectinload(Contact.job_changes),
        selectinload(Contact.suggestions).selectinload(Suggestion.article).selectinload(Article.feed),
        selectinload(Contact.suggestions).selectinload(Suggestion.project),
    )).all()
    contacts = sorted(contacts, key=lambda c: (F.normalise_text(c.name), c.email or "", c.id))
    history: dict[str, list] = {"occasions": [], "job_changes": [], "touches": [], "suggestions": []}
    for c in contacts:
        who = {"contact": c.name, "email": c.email}
        history["occasions"] += [occasion_to_dict(who, o) for o in c.custom_dates]
        history["job_changes"] += [job_change_to_dict(who, j) for j in c.job_changes]
        by_id = {s.id: s for s in c.suggestions}
        history["touches"] += [touch_to_dict(who, t, by_id.get(t.suggestion_id)) for t in c.touches]
        history["suggestions"] += [suggestion_to_dict(who, s) for s in c.suggestions]
    for items in history.values():
        items.sort(key=_order)
    return {
        "matcher_export": FORMAT, "schema": schema, "exported_on": today.isoformat(),
        "contacts": [contact_to_dict(c) for c in contacts], "history": history,
    }


def _order(item: dict) -> str:
    """A stable order for history items whatever their ids: by what they say."""
    return repr(sorted((k, str(v)) for k, v in item.items()))


def _day(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def contact_to_dict(c: Contact) -> dict:
    """A contact with every field and every project, in `contacts import`'s field names."""
    row: dict = {"id": c.id}
    for name in CONTACT_FIELDS:
        value = getattr(c, name)
        if name in OCCASION_DAYS:
            value = F.show_day(value)
        elif isinstance(value, dt.date):
            value = value.isoformat()
        elif name == "do_not_contact":
            value = bool(value)
        row[name] = value
    row["projects"] = [
        {"id": p.id, "text": p.text, "since": _day(p.since), "until": _day(p.until),
         "confirmed_on": _day(p.confirmed_on), "needs_review": bool(p.needs_review)}
        for p in c.projects
    ]
    return row


def occasion_to_dict(who: dict, o: CustomDate) -> dict:
    return {**who, "title": o.title, "date": F.show_day(o.date), "yearly": bool(o.yearly)}


def job_change_to_dict(who: dict, j: JobChange) -> dict:
    return {**who, "date": _day(j.date), "old_company": j.old_company, "old_role": j.old_role,
            "new_company": j.new_company, "new_role": j.new_role}


def touch_to_dict(who: dict, t: Touch, suggestion: Suggestion | None) -> dict:
    """A touch; one recorded by sending a suggestion names that suggestion by its article
    (or occasion), as the suggestion itself does."""
    link = None
    if suggestion is not None:
        link = {"article": article_ref(suggestion.article), "occasion": suggestion.occasion}
    return {**who, "date": _day(t.date), "kind": t.kind, "direction": t.direction,
            "note": t.note or "", "suggestion": link}


def suggestion_to_dict(who: dict, s: Suggestion) -> dict:
    """A suggestion with its marks and the article it proposed (None for a greeting)."""
    return {
        **who, "kind": s.kind or "article", "status": s.status, "score": s.score,
        "reasons": list(s.reasons or []), "draft": s.draft or "",
        "created_on": _day(s.created_on), "decided_on": _day(s.decided_on),
        "skip_reason": s.skip_reason, "occasion": s.occasion, "occasion_on": _day(s.occasion_on),
        "title": s.title or "", "edited": s.edited, "project": s.project.text if s.project else None,
        "article": article_to_dict(s.article) if s.article else None,
    }


def article_ref(a: Article | None) -> dict | None:
    """Enough to find the article in another database: its key and URL."""
    return {"key": a.key, "url": a.url} if a is not None else None


def article_to_dict(a: Article) -> dict:
    row = {
        **article_ref(a), "title": a.title,
        "published": a.published.isoformat(timespec="seconds") if a.published else None,
        "feed_url": a.feed.url if a.feed else None, "text_source": a.text_source,
    }
    if a.text_source == NEWS_SOURCE:  # the user's own words: the only copy of them
        row["text"] = a.text
    return row


def export_json(home, today: dt.date) -> str:
    """The export of a home as JSON text."""
    import json

    from matcher.db import schema_revision

    with home.db.reading() as session:
        document = export_document(session, schema_revision(home.db.engine), today)
    return json.dumps(document, ensure_ascii=False, indent=2) + "\n"


def write_export(text: str, path: Path) -> None:
    """Write the export to `path` (0600), whole or not at all."""
    write_private(Path(path).expanduser(), lambda out: out.write(text.encode("utf-8")))
