"""What `contacts list` and `contacts show` print: contacts as plain records."""

from __future__ import annotations

import datetime as dt

from matcher.contacts.store import contact_to_dict, find_contact, list_contacts
from matcher.models import Suggestion
from matcher.touches import give_ask_balance, gives_since_last_ask


def contact_rows(db) -> list[dict]:
    """Every contact, ordered by name, as `contact_to_dict` shows it."""
    with db.reading() as session:
        return [contact_to_dict(c) for c in list_contacts(session)]


def sent_message(suggestion: Suggestion | None) -> str | None:
    """What a touch from a sent suggestion sent: the edited draft, else the draft."""
    if suggestion is None:
        return None
    return suggestion.edited if suggestion.edited is not None else suggestion.draft


def contact_card(db, ref: str, today: dt.date) -> dict:
    """One contact (name, e-mail or id) with their touches and give/ask balance."""
    with db.reading() as session:
        contact = find_contact(session, ref)
        row = contact_to_dict(contact)
        sent = {s.id: s for s in contact.suggestions}
        row["touches"] = [{"date": t.date.isoformat(), "kind": t.kind, "direction": t.direction, "note": t.note,
                           "message": sent_message(sent.get(t.suggestion_id))}
                          for t in contact.touches]
        row["gives_since_last_ask"], _ = gives_since_last_ask(session, contact, today)
        balance = give_ask_balance(session, contact, today)
        row["gives"], row["asks"] = balance.gives, balance.asks
        row["balance"] = balance.describe()
    return row
