"""Contacts in the database: import with merge, find, list, add, edit, remove.

The merge rule on re-import: a record is the same person as a stored contact with the same
email (case-insensitive); else with the same normalised name, unless both have an email and
the emails differ (two Marco Rossi are two people). Re-importing never deletes anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matcher.contacts import fields as F
from matcher.contacts.records import TEXT_FIELDS, ContactRecord, ProjectRecord
from matcher.errors import MatcherError, NotFound
from matcher.models import Contact, Project

EDITABLE = (
    "name", "email", *TEXT_FIELDS, "cadence_days", "do_not_contact", "birthday",
    "snoozed_until",
)
_CANDIDATES = 5


@dataclass
class ImportReport:
    added: int = 0
    updated: int = 0
    unchanged: int = 0


# --- import -----------------------------------------------------------------------------

class _Index:
    """Stored contacts by email and by normalised name, kept current while importing."""

    def __init__(self, contacts: list[Contact]):
        self.by_email: dict[str, Contact] = {}
        self.by_name: dict[str, list[Contact]] = {}
        for contact in contacts:
            self.add(contact)

    def add(self, contact: Contact) -> None:
        if contact.email:
            self.by_email.setdefault(contact.email.casefold(), contact)
        same = self.by_name.setdefault(F.normalise_text(contact.name), [])
        if contact not in same:
            same.append(contact)

    def match(self, record: ContactRecord) -> Contact | None:
        if record.email and record.email.casefold() in self.by_email:
            return self.by_email[record.email.casefold()]
        same = [
            c for c in self.by_name.get(F.normalise_text(record.name), [])
            if not (record.email and c.email)  # both have emails, and they differ
        ]
        if len(same) > 1:
            ids = ", ".join(f"#{c.id}" for c in same[:_CANDIDATES])
            raise MatcherError(
                f"{record.name} matches {len(same)} stored contacts ({ids}); "
                "give an email in the file to tell them apart"
            )
        return same[0] if same else None


def import_contacts(db, records: list[ContactRecord], as_of: date) -> ImportReport:
    """Store the records in one transaction, merging with the contacts already stored."""
    report = ImportReport()
    with db.session() as session:
        stored = session.scalars(select(Contact).options(selectinload(Contact.projects))).all()
        index = _Index(list(stored))
        for record in records:
            contact = index.match(record)
            if contact is None:
                contact = _new_contact(record, as_of)
                session.add(contact)
                report.added += 1
            elif _merge(contact, record, as_of):
                report.updated += 1
            else:
                report.unchanged += 1
            session.flush()
            index.add(contact)
    return report


def _new_contact(record: ContactRecord, as_of: date) -> Contact:
    contact = Contact(
        name=record.name,
        email=record.email,
        cadence_days=record.cadence_days,
        do_not_contact=record.do_not_contact,
        birthday=record.birthday,
        created_on=as_of,
        **{name: getattr(record, name) for name in TEXT_FIELDS},
    )
    contact.projects = [
        Project(text=p.text, since=p.since, until=p.until, confirmed_on=as_of)
        for p in record.projects
    ]
    return contact


def _merge(contact: Contact, record: ContactRecord, as_of: date) -> bool:
    """Fill/replace what the record gives; True if anything but a confirmation changed.

    do_not_contact is only ever switched on by an import: switching it off is a decision
    for `contacts edit`, never a side effect of an old spreadsheet.
    """
    changed = False
    given = {
        "name": record.name,
        "email": record.email,
        "cadence_days": record.cadence_days,
        "birthday": record.birthday,
        **{name: getattr(record, name) for name in TEXT_FIELDS},
    }
    if record.do_not_contact:
        given["do_not_contact"] = True
    for name, value in given.items():
        if value in (None, "") or getattr(contact, name) == value:
            continue
        setattr(contact, name, value)
        changed = True
    for project in record.projects:
        changed |= _confirm_project(contact, project, as_of)
    return changed


def _confirm_project(contact: Contact, record: ProjectRecord, as_of: date,
                     keep_dates: bool = False) -> bool:
    """Keep (and confirm) a project with the same text, else add it. True if not just confirmed."""
    key = F.normalise_project(record.text)
    for project in contact.projects:
        if F.normalise_project(project.text) == key:
            project.confirmed_on = as_of
            changed = False
            if keep_dates:
                return changed
            for name in ("since", "until"):
                value = getattr(record, name)
                if value is not None and getattr(project, name) != value:
                    setattr(project, name, value)
                    changed = True
            return changed
    contact.projects.append(
        Project(text=record.text, since=record.since, until=record.until, confirmed_on=as_of)
    )
    return True


# --- find and list ----------------------------------------------------------------------

def find_contact(session: Session, ref: str) -> Contact:
    """By id, else email, else exact name, else a unique part of a name (accents and case ignored)."""
    ref = str(ref).strip()
    if not ref:
        raise NotFound("no contact given")
    if ref.lstrip("#").isdigit() and ref.lstrip("#").isascii():
        contact = session.get(Contact, int(ref.lstrip("#")))
        if contact is None:
            raise NotFound(f"no contact with id {ref.lstrip('#')}")
        return contact
    if "@" in ref:
        found = session.scalars(
            select(Contact).where(func.lower(Contact.email) == ref.lower())
        ).all()
        if len(found) == 1:
            return found[0]
        if len(found) > 1:
            raise NotFound(_ambiguous(ref, found))
    wanted = F.normalise_text(ref)
    contacts = session.scalars(select(Contact)).all()
    exact = [c for c in contacts if F.normalise_text(c.name) == wanted]
    if len(exact) == 1:
        return exact[0]
    if exact:
        raise NotFound(_ambiguous(ref, exact))
    partial = [c for c in contacts if wanted in F.normalise_text(c.name)]
    if len(partial) == 1:
        return partial[0]
    if partial:
        raise NotFound(_ambiguous(ref, partial))
    raise NotFound(f"no contact matches {ref!r} (try `matcher contacts list`)")


def _ambiguous(ref: str, contacts: list[Contact]) -> str:
    contacts = sorted(contacts, key=_sort_key)
    shown = ", ".join(
        f"{c.name} (#{c.id}{', ' + c.email if c.email else ''})" for c in contacts[:_CANDIDATES]
    )
    more = f" and {len(contacts) - _CANDIDATES} more" if len(contacts) > _CANDIDATES else ""
    return f"{ref!r} matches {len(contacts)} contacts: {shown}{more}; use the id or the email"


def _sort_key(contact: Contact):
    return (F.normalise_text(contact.name), contact.id or 0)


def list_contacts(session: Session) -> list[Contact]:
    """Every contact with its projects loaded, ordered by name (accents and case ignored)."""
    contacts = session.scalars(select(Contact).options(selectinload(Contact.projects))).all()
    return sorted(contacts, key=_sort_key)


# --- add, edit, remove ------------------------------------------------------------------

def _check(record: ContactRecord) -> ContactRecord:
    """The same checks as a file import, for records built elsewhere (the command line)."""
    try:
        name = F.parse_name(record.name)
        email = F.parse_email(record.email)
        cadence = F.parse_cadence(record.cadence_days)
        country = F.parse_country(record.country)
        language = F.parse_language(record.language)
        kind = F.parse_kind(record.kind)
        birthday = F.parse_date(record.birthday, "birthday")
        for p in record.projects:
            if not (p.text or "").strip():
                raise ValueError("a project needs a text")
            if p.since and p.until and p.since > p.until:
                raise ValueError(f"project since {p.since} is after until {p.until}")
    except ValueError as exc:
        raise MatcherError(str(exc)) from None
    return ContactRecord(
        name=name, email=email, kind=kind, company=F.parse_text(record.company),
        role=F.parse_text(record.role), country=country, language=language,
        channel=F.parse_text(record.channel), notes=F.parse_text(record.notes),
        cadence_days=cadence, do_not_contact=bool(record.do_not_contact), birthday=birthday,
        projects=list(record.projects),
    )


def _email_taken(session: Session, email: str | None, other_than: int | None = None):
    if not email:
        return None
    query = select(Contact).where(func.lower(Contact.email) == email.lower())
    if other_than is not None:
        query = query.where(Contact.id != other_than)
    return session.scalars(query).first()


def add_contact(db, record: ContactRecord, as_of: date) -> Contact:
    """Store one new contact; refused if another contact has the same email."""
    record = _check(record)
    with db.session() as session:
        taken = _email_taken(session, record.email)
        if taken:
            raise MatcherError(
                f"{taken.name} (#{taken.id}) already has the email {record.email}; "
                "use `matcher contacts edit`"
            )
        contact = _new_contact(record, as_of)
        session.add(contact)
        session.flush()
        contact.projects  # loaded now: the contact is used after the session closes
    return contact


_EDIT_PARSERS = {
    "name": F.parse_name,
    "email": F.parse_email,
    "kind": F.parse_kind,
    "company": lambda v: F.parse_text(v, "company"),
    "role": lambda v: F.parse_text(v, "role"),
    "country": F.parse_country,
    "language": F.parse_language,
    "channel": lambda v: F.parse_text(v, "channel"),
    "notes": lambda v: F.parse_text(v, "notes"),
    "cadence_days": F.parse_cadence,
    "do_not_contact": lambda v: F.parse_bool(v, "do_not_contact"),
    "birthday": lambda v: F.parse_date(v, "birthday"),
    "snoozed_until": lambda v: F.parse_date(v, "snoozed_until"),
}


def edit_contact(db, ref: str, *, as_of: date | None = None, **changes) -> Contact:
    """Change fields of one contact (text or typed values; "" or None clears a field).

    Besides the fields: add_project="text" adds a project starting as_of (or confirms the
    one with that text), end_project=<project id> ends that project on as_of.
    """
    as_of = as_of or date.today()
    add_project = changes.pop("add_project", None)
    end_project = changes.pop("end_project", None)
    unknown = set(changes) - set(EDITABLE)
    if unknown:
        raise TypeError(f"cannot edit {', '.join(sorted(unknown))}; editable: {', '.join(EDITABLE)}")
    try:
        values = {name: _EDIT_PARSERS[name](value) for name, value in changes.items()}
        project_text = F.parse_text(add_project, "project") if add_project is not None else None
    except ValueError as exc:
        raise MatcherError(str(exc)) from None
    if add_project is not None and not project_text:
        raise MatcherError("a project needs a text")
    with db.session() as session:
        contact = find_contact(session, ref)
        if values.get("email"):
            taken = _email_taken(session, values["email"], other_than=contact.id)
            if taken:
                raise MatcherError(f"{taken.name} (#{taken.id}) already has the email {values['email']}")
        for name, value in values.items():
            setattr(contact, name, value)
        if project_text:
            # A new project starts as_of; one with the same text is confirmed, dates kept.
            _confirm_project(contact, ProjectRecord(text=project_text, since=as_of), as_of,
                             keep_dates=True)
        if end_project is not None:
            _end_project(contact, end_project, as_of)
        session.flush()
        contact.projects
    return contact


def _end_project(contact: Contact, project_id, as_of: date) -> None:
    try:
        project_id = int(project_id)
    except (TypeError, ValueError):
        raise MatcherError(f"a project id is a number, got {project_id!r}") from None
    for project in contact.projects:
        if project.id == project_id:
            if project.since and project.since > as_of:
                raise MatcherError(
                    f"project #{project_id} starts on {project.since}, after {as_of}"
                )
            project.until = as_of
            return
    ids = ", ".join(f"#{p.id}" for p in contact.projects) or "none"
    raise NotFound(f"{contact.name} has no project #{project_id} (their projects: {ids})")


def remove_contact(db, ref: str) -> Contact:
    """Delete one contact with its projects, touches and suggestions; returns what was removed."""
    with db.session() as session:
        contact = find_contact(session, ref)
        contact.projects
        session.delete(contact)
    return contact


# --- for scripts ------------------------------------------------------------------------

def _day(value: date | None) -> str | None:
    return value.isoformat() if value else None


def contact_to_dict(contact: Contact) -> dict:
    """The stable JSON shape of a contact (`--json`); dates as YYYY-MM-DD."""
    return {
        "id": contact.id,
        "name": contact.name,
        "email": contact.email,
        "company": contact.company or "",
        "role": contact.role or "",
        "kind": contact.kind or "",
        "country": contact.country or "",
        "language": contact.language or "",
        "channel": contact.channel or "",
        "notes": contact.notes or "",
        "cadence_days": contact.cadence_days,
        "do_not_contact": bool(contact.do_not_contact),
        "snoozed_until": _day(contact.snoozed_until),
        "birthday": _day(contact.birthday),
        "created_on": _day(contact.created_on),
        "projects": [
            {
                "id": p.id,
                "text": p.text,
                "since": _day(p.since),
                "until": _day(p.until),
                "confirmed_on": _day(p.confirmed_on),
            }
            for p in contact.projects
        ],
    }
