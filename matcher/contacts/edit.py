"""Contacts changed one at a time, from the command line: add, edit, confirm, remove."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from matcher.contacts import fields as F
from matcher.contacts.records import (
    EXTRA_FIELDS, FIELD_PARSERS, TEXT_FIELDS, ContactRecord, ProjectRecord, check_length,
)
from matcher.contacts.store import confirm_project, find_contact, new_contact
from matcher.errors import MatcherError, NotFound
from matcher.models import Contact, Project

EDITABLE = (
    "name", "email", *TEXT_FIELDS, "cadence_days", "do_not_contact", "birthday",
    "snoozed_until", *EXTRA_FIELDS,
)


def _check(record: ContactRecord) -> ContactRecord:
    """The same checks as a file import, for records built elsewhere (the command line)."""
    try:
        name = F.parse_name(record.name)
        email = F.parse_email(record.email)
        cadence = F.parse_cadence(record.cadence_days)
        country = F.parse_country(record.country)
        language = F.parse_language(record.language)
        kind = F.parse_kind(record.kind)
        birthday = F.parse_occasion_date(record.birthday, "birthday")
        profile_url = F.parse_url(record.profile_url)
        anniversary = F.parse_occasion_date(record.anniversary, "anniversary")
        labels = F.parse_labels(record.labels)
        aliases = F.parse_company_aliases(record.company_aliases)
        tickers = F.parse_company_tickers(record.company_tickers)
        connected_on = F.parse_date(record.connected_on, "connected_on")
        for key in ("name", "email", "kind", "company", "role", "country", "language", "channel", "profile_url"):
            check_length(key, getattr(record, key))
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
        projects=list(record.projects), profile_url=profile_url, anniversary=anniversary,
        labels=labels, connected_on=connected_on, company_aliases=aliases, company_tickers=tickers,
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
        contact = new_contact(record, as_of)
        session.add(contact)
        session.flush()
        contact.projects  # loaded now: the contact is used after the session closes
    return contact


_EDIT_PARSERS = {
    **FIELD_PARSERS,
    "name": F.parse_name,
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
        for name, value in values.items():
            check_length(name, value)
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
            confirm_project(contact, ProjectRecord(text=project_text, since=as_of), as_of,
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


def _projects_to_confirm(contact: Contact, project: str | None, as_of: date) -> list[Project]:
    """The projects `project` names: an id, or a unique part of a current project's text;
    None names every current project."""
    current = [p for p in contact.projects if p.is_current(as_of) and p.text.strip()]
    listed = "; ".join(f"#{p.id} {p.text}" for p in current) or "none"
    if project is None or not project.strip():
        if not current:
            raise NotFound(f"{contact.name} has no current project on {as_of}")
        return current
    project = project.strip()
    if project.lstrip("#").isdigit() and project.isascii():
        wanted = int(project.lstrip("#"))
        for p in contact.projects:
            if p.id == wanted:
                if p.until is not None and p.until < as_of:
                    raise MatcherError(f"project #{p.id} ended on {p.until}: nothing to confirm")
                return [p]
        raise NotFound(f"{contact.name} has no project #{wanted} (current: {listed})")
    needle = " ".join(project.split()).casefold()
    found = [p for p in current if needle in " ".join(p.text.split()).casefold()]
    if not found:
        raise NotFound(f"no current project of {contact.name} contains {project!r} (current: {listed})")
    if len(found) > 1:
        raise MatcherError(f"{project!r} is in {len(found)} projects of {contact.name}: "
                           + "; ".join(f"#{p.id} {p.text}" for p in found) + "; give its id")
    return found


def confirm_projects(db, ref: str, project: str | None = None, *,
                     as_of: date | None = None) -> tuple[str, list[dict]]:
    """Confirm that a contact's project is still current (all current ones without
    `project`): confirmed on `as_of`, no longer flagged for review by a job change.
    Returns the contact's name and each project confirmed as {id, text, confirmed_on}."""
    as_of = as_of or date.today()
    with db.session() as session:
        contact = find_contact(session, ref)
        confirmed = _projects_to_confirm(contact, project, as_of)
        for p in confirmed:
            p.confirmed_on, p.needs_review = as_of, False
        return contact.name, [{"id": p.id, "text": p.text, "confirmed_on": as_of.isoformat()}
                              for p in confirmed]


def remove_contact(db, ref: str) -> Contact:
    """Delete one contact with its projects, touches and suggestions; returns what was removed."""
    with db.session() as session:
        contact = find_contact(session, ref)
        contact.projects
        session.delete(contact)
    return contact
