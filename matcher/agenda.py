"""The agenda: occasions, due follow-ups and stale projects in the days ahead, and .ics.

A due follow-up is a contact whose cadence has passed with nothing suitable to send (no
fresh article matches): the moment for a check-in or a piece of your own news. Only today
can say that, so follow-ups are dated the as-of day. A follow-up falling due is the day
the throttle lets you write again to a contact with projects who is held today (its own
`passes_on` dates), so the week can be planned. Occasions and stale projects are dated
their own day.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.config import Settings
from matcher.courtesy import throttle
from matcher.courtesy.occasions import occasions_between
from matcher.greetings import contact_dates
from matcher.models import Contact
from matcher.ranking import Ranking, current_projects, project_confirmed
from matcher.suggest import company_news, earlier_suggestions, proposal
from matcher.touches import contact_states


@dataclass(frozen=True)
class AgendaItem:
    date: dt.date
    contact: str
    kind: str      # an occasion's kind | follow-up | follow-up-due | stale-project
    title: str
    contact_id: int
    detail: str = ""

    def to_dict(self) -> dict:
        return {"date": self.date.isoformat(), "contact": self.contact, "kind": self.kind,
                "title": self.title, "contact_id": self.contact_id, "detail": self.detail}


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def stale_projects(contact: Contact, start: dt.date, end: dt.date, settings: Settings) -> list[AgendaItem]:
    """Projects to confirm: unconfirmed for `stale_project_days`, or flagged by a job change."""
    out = []
    occ = settings.occasions
    for p in contact.projects:
        if not p.text.strip() or (p.until is not None and p.until < start):
            continue
        confirmed = project_confirmed(p)
        if p.needs_review:
            out.append(AgendaItem(start, contact.name, "stale-project", f"still current? {_short(p.text)}",
                                  contact.id, f"project {p.id}: {contact.name} changed job"))
            continue
        if confirmed is None:
            continue
        stale_on = confirmed + dt.timedelta(days=occ.stale_project_days)
        if stale_on > end:
            continue
        day = max(stale_on, start)
        retired = (day - confirmed).days > occ.retire_project_days
        detail = f"project {p.id}: last confirmed {confirmed.isoformat()}"
        if retired:
            detail += "; no longer drives matching"
        out.append(AgendaItem(day, contact.name, "stale-project", f"still current? {_short(p.text)}",
                              contact.id, detail))
    return out


def follow_ups_falling_due(contacts: list[Contact], states: list[throttle.ContactState],
                           today: dt.date, end: dt.date, settings: Settings) -> list[AgendaItem]:
    """For each contact with current projects whom the throttle holds today: the day it
    would let you write again, when that day is known and falls by `end`."""
    out = []
    retire = settings.occasions.retire_project_days
    for c, state in zip(contacts, states):
        if not current_projects(c, today, retire):
            continue
        day, held = throttle.courteous_from(state, today, settings.throttle, end)
        if day is None or day == today:
            continue
        out.append(AgendaItem(day, c.name, "follow-up-due", "courteous again: a follow-up falls due",
                              c.id, f"held by rule {int(held.rule)} ({held.rule.label}) until then: "
                                    f"{held.reason}"))
    return out


def due_follow_ups(session: Session, contacts: list[Contact], states: list[throttle.ContactState],
                   today: dt.date, settings: Settings) -> list[AgendaItem]:
    """Contacts the throttle would write to today, for whom no fresh article is suitable (nor
    good news about their company to congratulate them on)."""
    courteous = [(c, state) for c, state in zip(contacts, states)
                 if throttle.contact_verdict(state, today, settings.throttle)]
    if not courteous:
        return []
    ranking = Ranking.for_reading(session, today, settings)
    people = [c for c, _ in courteous]
    scores = ranking.scores(people, today) if ranking.articles else None
    earlier = earlier_suggestions(session, [c.id for c in people])
    news = company_news(session, today, settings) if scores is not None else {}
    out = []
    for i, (c, state) in enumerate(courteous):
        if scores is not None:
            candidate, _ = proposal(ranking, c, scores.row(i), earlier.get(c.id, []), news.get(c.id, []),
                                    today, settings)
            if candidate:
                continue  # the night will propose an article or a congratulation: no check-in
        days, _ = throttle.cadence(state, settings.throttle)
        detail = (f"last touch {state.last_touch.isoformat()}, cadence {days} days"
                  if state.last_touch else "no touch yet")
        out.append(AgendaItem(today, c.name, "follow-up", "check in, or share your own news",
                              c.id, detail))
    return out


def agenda(session: Session, settings: Settings, today: dt.date, days: int = 30) -> list[AgendaItem]:
    """Occasions, due follow-ups (today's, and those falling due) and stale projects in the
    `days` days starting `today`.
    Do-not-contact people are left out: nothing is ever planned for them."""
    end = today + dt.timedelta(days=max(days, 1) - 1)
    contacts = list(session.scalars(
        select(Contact).options(selectinload(Contact.projects), selectinload(Contact.custom_dates),
                                selectinload(Contact.job_changes))
        .where(Contact.do_not_contact.is_(False)).order_by(Contact.id)
    ))
    items: list[AgendaItem] = []
    for c in contacts:
        for o in occasions_between(contact_dates(c, settings), today, end, settings.occasions):
            items.append(AgendaItem(o.date, c.name, o.kind, o.title, c.id, o.reason))
        items += stale_projects(c, today, end, settings)
    states = contact_states(session, contacts, today)
    items += due_follow_ups(session, contacts, states, today, settings)
    items += follow_ups_falling_due(contacts, states, today, end, settings)
    order = {"follow-up": 0, "follow-up-due": 0}
    return sorted(items, key=lambda i: (i.date, order.get(i.kind, 1), i.contact, i.kind, i.title))


# --- iCalendar (RFC 5545), written by hand: all-day events ------------------------------

def ics_escape(text: str) -> str:
    """TEXT value escaping (RFC 5545 3.3.11); control characters dropped."""
    text = "".join(ch for ch in text if ch == "\n" or ord(ch) >= 32 and ord(ch) != 127)
    return (text.replace("\\", "\\\\").replace(";", "\\;").replace(",", "\\,")
            .replace("\r\n", "\n").replace("\n", "\\n"))


def _fold(line: str) -> str:
    """Lines longer than 75 octets continue on the next line after a space (3.1)."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return line
    parts, current, size = [], "", 0
    for ch in line:
        n = len(ch.encode("utf-8"))
        if size + n > (75 if not parts else 74):
            parts.append(current)
            current, size = "", 0
        current += ch
        size += n
    parts.append(current)
    return "\r\n ".join(parts)


def to_ics(items: list[AgendaItem], stamp: dt.datetime | None = None) -> str:
    stamp = stamp or dt.datetime.now(dt.UTC)
    lines = ["BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//matcher//agenda//EN", "CALSCALE:GREGORIAN"]
    for item in items:
        uid = hashlib.sha1(f"{item.contact_id}|{item.kind}|{item.date}|{item.title}".encode()).hexdigest()
        lines += [
            "BEGIN:VEVENT",
            f"UID:{uid}@matcher",
            f"DTSTAMP:{stamp:%Y%m%dT%H%M%SZ}",
            f"DTSTART;VALUE=DATE:{item.date:%Y%m%d}",
            f"DTEND;VALUE=DATE:{item.date + dt.timedelta(days=1):%Y%m%d}",
            f"SUMMARY:{ics_escape(f'{item.contact}: {item.title}')}",
            f"DESCRIPTION:{ics_escape(f'{item.kind}. {item.detail}'.strip())}",
            f"CATEGORIES:{ics_escape(item.kind)}",
            "TRANSP:TRANSPARENT",
            "END:VEVENT",
        ]
    lines.append("END:VCALENDAR")
    return "\r\n".join(_fold(line) for line in lines) + "\r\n"


def agenda_in(db, settings: Settings, today: dt.date, days: int = 30) -> list[AgendaItem]:
    """`agenda` in a session that only reads."""
    with db.reading() as session:
        return agenda(session, settings, today, days)
