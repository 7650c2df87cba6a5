"""The night's greetings and congratulations: open occasions → suggestions of their kind.

A greeting is a `Suggestion` without an article (kind greeting or congratulation), keyed by
its occasion so each is proposed once. It keeps its own window instead of the cadence, is
not counted against the daily cap of articles, respects do-not-contact and snooze, and
becomes a touch when marked sent. Once its day has passed unsent it expires.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.config import Settings
from matcher.courtesy.occasions import (
    ContactDates, CustomDay, JobDay, Occasion, greeting_verdict, is_expired, open_occasions,
)
from matcher.courtesy.throttle import Rule, Verdict
from matcher.drafts import fallback_note, first_name, render
from matcher.models import Contact, Suggestion

OCCASION_KINDS = ("greeting", "congratulation")


def contact_dates(contact: Contact, settings: Settings) -> ContactDates:
    """The plain facts occasions need, with the user's country and language as defaults."""
    return ContactDates(
        country=(contact.country or settings.user.country or "IT").upper(),
        language=(contact.language or settings.user.language or "it").lower(),
        birthday=contact.birthday,
        anniversary=contact.anniversary,
        company=contact.company or "",
        custom=tuple(CustomDay(c.id, c.title, c.date, bool(c.yearly)) for c in contact.custom_dates),
        job_changes=tuple(JobDay(j.id, j.date, j.new_company or "", j.new_role or "")
                          for j in contact.job_changes),
    )


def greeting_draft(contact: Contact, occasion: Occasion, dates: ContactDates, settings: Settings) -> str:
    return render(
        occasion.message, dates.language, settings.home,
        first_name=first_name(contact.name), occasion=occasion.slug,
        occasion_name=occasion.local_title, years=occasion.years,
        company=occasion.company or contact.company or "", role=occasion.role,
        sender=settings.user.name,
    )


@dataclass
class GreetingReport:
    created: list[int] = field(default_factory=list)
    expired: int = 0
    held: Counter[Rule] = field(default_factory=Counter)  # greetings held back by each rule


def expire_greetings(session: Session, today: dt.date, settings: Settings) -> int:
    pending = session.scalars(
        select(Suggestion).where(Suggestion.status == "pending", Suggestion.kind.in_(OCCASION_KINDS))
    ).all()
    n = 0
    for s in pending:
        if is_expired(s.kind, s.occasion, s.occasion_on, today, settings.occasions):
            s.status, s.decided_on = "expired", today
            n += 1
    return n


def _last_holiday_greeting(earlier: list[Suggestion], today: dt.date) -> dt.date | None:
    days = [s.created_on for s in earlier
            if (s.occasion or "").startswith("holiday:") and s.status in ("pending", "sent")
            and s.created_on <= today]
    return max(days) if days else None


def occasion_verdict(contact: Contact, occasion: Occasion, earlier: list[Suggestion],
                     today: dt.date, settings: Settings) -> Verdict:
    """May the night propose `occasion` to `contact` today, given the contact's earlier
    greetings (`earlier`: their suggestions with an occasion)?"""
    return greeting_verdict(
        occasion, today, settings.occasions,
        do_not_contact=bool(contact.do_not_contact), snoozed_until=contact.snoozed_until,
        already_proposed=any(s.occasion == occasion.key for s in earlier),
        last_holiday_greeting=_last_holiday_greeting(earlier, today),
    )


def propose_greetings(session: Session, settings: Settings, today: dt.date) -> GreetingReport:
    """Propose the greetings whose window contains `today` (each occasion once per person)."""
    report = GreetingReport(expired=expire_greetings(session, today, settings))
    contacts = session.scalars(
        select(Contact).options(selectinload(Contact.custom_dates), selectinload(Contact.job_changes))
        .order_by(Contact.id)
    ).all()
    earlier_rows = session.scalars(select(Suggestion).where(Suggestion.occasion.is_not(None))).all()
    earlier: dict[int, list[Suggestion]] = {}
    for s in earlier_rows:
        earlier.setdefault(s.contact_id, []).append(s)
    for contact in contacts:
        dates = contact_dates(contact, settings)
        mine = earlier.get(contact.id, [])
        keys = {s.occasion for s in mine}
        for occasion in open_occasions(dates, today, settings.occasions):
            verdict = occasion_verdict(contact, occasion, mine, today, settings)
            if not verdict:
                report.held[verdict.rule] += 1
                continue
            note = fallback_note(occasion.message, dates.language, settings.home)
            suggestion = Suggestion(
                contact_id=contact.id, article_id=None, project_id=None, score=1.0,
                reasons=[occasion.reason] + ([note] if note else []),
                draft=greeting_draft(contact, occasion, dates, settings),
                status="pending", created_on=today, kind=occasion.message,
                occasion=occasion.key, occasion_on=occasion.date, title=occasion.title,
            )
            session.add(suggestion)
            session.flush()
            mine.append(suggestion)
            keys.add(occasion.key)
            report.created.append(suggestion.id)
    return report


# --- custom dates -----------------------------------------------------------------------

def add_custom_date(session: Session, contact_ref: str, day: str, title: str, yearly: bool = True):
    from matcher.contacts import fields as F
    from matcher.contacts.store import find_contact
    from matcher.errors import MatcherError
    from matcher.models import CustomDate

    contact = find_contact(session, contact_ref)
    title = " ".join((title or "").split())
    if not title:
        raise MatcherError("an occasion needs a title")
    day = (day or "").strip()
    if len(day) == 5 and day[2] == "-" and day.replace("-", "").isdigit():
        day = "--" + day  # MM-DD: a yearly date without a year
    try:
        date = F.parse_occasion_date(day, "date")
    except ValueError as exc:
        raise MatcherError(str(exc)) from None
    if date is None:
        raise MatcherError(f"date should be YYYY-MM-DD or --MM-DD, got {day!r}")
    if not yearly and not F.has_year(date):
        raise MatcherError("a one-time occasion needs a year (YYYY-MM-DD)")
    custom = CustomDate(contact_id=contact.id, title=title, date=date, yearly=yearly)
    session.add(custom)
    session.flush()
    return custom


def list_custom_dates(session: Session, contact_ref: str | None = None):
    from matcher.contacts.store import find_contact
    from matcher.models import CustomDate

    query = select(CustomDate).options(selectinload(CustomDate.contact)).order_by(CustomDate.contact_id, CustomDate.id)
    if contact_ref:
        query = query.where(CustomDate.contact_id == find_contact(session, contact_ref).id)
    return list(session.scalars(query))


def custom_date_to_dict(custom) -> dict:
    from matcher.contacts.fields import show_day

    return {"id": custom.id, "contact": custom.contact.name, "contact_id": custom.contact_id,
            "date": show_day(custom.date), "title": custom.title, "yearly": bool(custom.yearly)}


def remove_custom_date(session: Session, custom_id: int) -> None:
    from matcher.errors import NotFound
    from matcher.models import CustomDate

    custom = session.get(CustomDate, custom_id)
    if custom is None:
        raise NotFound(f"no occasion with id {custom_id}")
    session.delete(custom)


def add_occasion(db, contact_ref: str, day: str, title: str, yearly: bool = True) -> dict:
    """Add a custom date in one transaction; returns it as `custom_date_to_dict` shows it."""
    with db.session() as session:
        custom = add_custom_date(session, contact_ref, day, title, yearly)
        session.flush()
        return custom_date_to_dict(custom)


def occasion_rows(db, contact_ref: str | None = None) -> list[dict]:
    """The custom dates (of one contact, or everyone's)."""
    with db.reading() as session:
        return [custom_date_to_dict(c) for c in list_custom_dates(session, contact_ref)]


def remove_occasion(db, custom_id: int) -> None:
    with db.session() as session:
        remove_custom_date(session, custom_id)
