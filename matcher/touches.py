"""Touches: every contact with a person, and the facts the throttle reads from them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.courtesy.throttle import ContactState
from matcher.errors import MatcherError
from matcher.models import Contact, Suggestion, Touch

# kind -> direction. A reply is a touch from them; everything else is ours.
KINDS = {
    "article": "out", "greeting": "out", "congratulation": "out", "news": "out",
    "email": "out", "call": "out", "meeting": "out", "message": "out", "ask": "out",
    "reply": "in",
}
GIVES = {"article", "greeting", "congratulation", "news"}
FEW_CONTACTS = 500  # up to this many, contact_states asks for those contacts' rows only


def contact_state(session: Session, contact: Contact, today: dt.date) -> ContactState:
    """Gather what the throttle needs about `contact` as of `today` (later touches ignored)."""
    return contact_states(session, [contact], today)[0]


def contact_states(session: Session, contacts: list[Contact], today: dt.date) -> list[ContactState]:
    """`contact_state` of many contacts in two queries (the night asks for all of them)."""
    ids = [c.id for c in contacts]
    # A few contacts: ask for theirs; the whole book: read all and skip the IN list.
    few = len(ids) <= FEW_CONTACTS
    touches: dict[int, list[str]] = {}  # contact id -> directions in date order
    last: dict[int, dt.date] = {}
    query = select(Touch.contact_id, Touch.date, Touch.direction).where(Touch.date <= today)
    for contact_id, date, direction in session.execute(
        (query.where(Touch.contact_id.in_(ids)) if few else query).order_by(Touch.contact_id, Touch.date, Touch.id)
    ):
        touches.setdefault(contact_id, []).append(direction)
        last[contact_id] = date
    query = select(Suggestion.contact_id, func.count()).where(Suggestion.status == "pending")
    pending = dict(session.execute(
        (query.where(Suggestion.contact_id.in_(ids)) if few else query).group_by(Suggestion.contact_id)
    ).all())
    states = []
    for contact in contacts:
        unreplied = 0
        for direction in touches.get(contact.id, ()):
            unreplied = 0 if direction == "in" else unreplied + 1
        states.append(ContactState(
            kind=contact.kind or "",
            cadence_days=contact.cadence_days,
            do_not_contact=bool(contact.do_not_contact),
            snoozed_until=contact.snoozed_until,
            last_touch=last.get(contact.id),
            unreplied=unreplied,
            pending=pending.get(contact.id, 0) or 0,
        ))
    return states


def add_touch(
    session: Session, contact: Contact, kind: str, day: dt.date, note: str = "",
    suggestion_id: int | None = None,
) -> Touch:
    if kind not in KINDS:
        raise MatcherError(f"unknown touch kind {kind!r}; one of: {', '.join(sorted(KINDS))}")
    touch = Touch(contact_id=contact.id, kind=kind, direction=KINDS[kind], date=day,
                  note=note or "", suggestion_id=suggestion_id)
    session.add(touch)
    return touch


def gives_since_last_ask(session: Session, contact: Contact, today: dt.date) -> tuple[int, bool]:
    """How many gives since the last ask (and whether there ever was an ask)."""
    touches = session.scalars(
        select(Touch).where(Touch.contact_id == contact.id, Touch.date <= today)
        .order_by(Touch.date, Touch.id)
    ).all()
    gives, asked = 0, False
    for touch in touches:
        if touch.kind == "ask":
            gives, asked = 0, True
        elif touch.kind in GIVES:
            gives += 1
    return gives, asked


@dataclass(frozen=True)
class Balance:
    """Gives (articles, greetings, congratulations, news) against asks, for one contact."""

    gives: int
    asks: int
    gives_since_last_ask: int

    def describe(self) -> str:
        if not self.asks:
            return f"{self.gives} gives, no asks"
        word = "ok" if self.gives >= 2 * self.asks else "ask less, give more"
        return f"{self.gives} gives, {self.asks} asks ({word})"


def give_ask_balance(session: Session, contact: Contact, today: dt.date) -> Balance:
    touches = session.scalars(
        select(Touch).where(Touch.contact_id == contact.id, Touch.date <= today)
    ).all()
    gives = sum(1 for t in touches if t.kind in GIVES)
    asks = sum(1 for t in touches if t.kind == "ask")
    since, _ = gives_since_last_ask(session, contact, today)
    return Balance(gives, asks, since)


def sends_in_week(session: Session, today: dt.date) -> int:
    """Sent suggestions in the 7 days ending `today`, across everyone (for the weekly cap)."""
    start = today - dt.timedelta(days=6)
    return session.scalar(
        select(func.count()).select_from(Suggestion)
        .where(Suggestion.status == "sent", Suggestion.decided_on >= start,
               Suggestion.decided_on <= today)
    ) or 0


@dataclass
class TouchLogged:
    """A touch recorded by `log_touch`, with what the user should know about asking."""

    contact: str
    kind: str
    gives_before: int    # gives since the last ask, before this touch
    asked_before: bool   # whether there was an earlier ask


def log_touch(db, contact_ref: str, kind: str, day: dt.date, note: str = "") -> TouchLogged:
    """Record a touch made outside the tool (`matcher log`), in one transaction."""
    from matcher.contacts.store import find_contact

    with db.session() as session:
        contact = find_contact(session, contact_ref)
        gives, asked = gives_since_last_ask(session, contact, day)
        add_touch(session, contact, kind, day, note)
        return TouchLogged(contact.name, kind, gives, asked)
