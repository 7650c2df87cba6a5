"""Contacts in the database: import with merge, find, list (add, edit, remove: edit.py).

The merge rule on re-import: a record is the same person as a stored contact with the same
email (case-insensitive); else with the same profile URL (scheme, www., query and trailing
slash ignored); else with the same normalised name, unless both have an email and the
emails differ, or both have a profile URL and the URLs differ (two Marco Rossi are two
people). Re-importing never deletes anything.

Job changes: when a re-import gives a stored contact a different company (accents and case
ignored) or a different role, where the stored one was not empty, a JobChange is recorded
dated with the import's as-of day, and the contact's current projects that the file does not
list are flagged `needs_review` (they may have ended with the old job; confirming a project
clears the flag). A new company given without a role clears the old role (it belonged to
the old job).

`import_contacts(..., dry_run=True)` does the same work in a transaction that is rolled
back: the report says what would change, nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matcher.contacts import fields as F
from matcher.contacts.records import EXTRA_FIELDS, TEXT_FIELDS, ContactRecord, ProjectRecord
from matcher.errors import MatcherError, NotFound
from matcher.models import Contact, JobChange, Project

_CANDIDATES = 5


@dataclass
class JobChangeInfo:
    """A job change seen on import, as plain data (usable after the session closes)."""

    contact_id: int | None
    contact: str
    date: date
    old_company: str
    old_role: str
    new_company: str
    new_role: str
    projects_flagged: list[int] = field(default_factory=list)  # project ids now needs_review

    def describe(self) -> str:
        return (f"{self.contact}: {_job(self.old_role, self.old_company)} → "
                f"{_job(self.new_role, self.new_company)}")


def _job(role: str, company: str) -> str:
    if role and company:
        return f"{role} at {company}"
    return role or company or "?"


@dataclass
class ImportReport:
    """Counts, and (not part of equality) what changed, line by line, and the job changes."""

    added: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[str] = field(default_factory=list, compare=False)
    job_changes: list[JobChangeInfo] = field(default_factory=list, compare=False)
    dry_run: bool = field(default=False, compare=False)


# --- import -----------------------------------------------------------------------------

class _Index:
    """Stored contacts by email and by normalised name, kept current while importing."""

    def __init__(self, contacts: list[Contact]):
        self.by_email: dict[str, Contact] = {}
        self.by_url: dict[str, Contact] = {}
        self.by_name: dict[str, list[Contact]] = {}
        for contact in contacts:
            self.add(contact)

    def add(self, contact: Contact) -> None:
        if contact.email:
            self.by_email.setdefault(contact.email.casefold(), contact)
        if contact.profile_url:
            self.by_url.setdefault(F.normalise_url(contact.profile_url), contact)
        same = self.by_name.setdefault(F.normalise_text(contact.name), [])
        if contact not in same:
            same.append(contact)

    def match(self, record: ContactRecord) -> Contact | None:
        if record.email and record.email.casefold() in self.by_email:
            return self.by_email[record.email.casefold()]
        url = F.normalise_url(record.profile_url)
        if url and url in self.by_url:
            return self.by_url[url]
        same = [
            c for c in self.by_name.get(F.normalise_text(record.name), [])
            if not (record.email and c.email)  # both have emails, and they differ
            and not (url and c.profile_url)  # both have profile URLs, and they differ
        ]
        if len(same) > 1:
            ids = ", ".join(f"#{c.id}" for c in same[:_CANDIDATES])
            raise MatcherError(
                f"{record.name} matches {len(same)} stored contacts ({ids}); "
                "give an email in the file to tell them apart"
            )
        return same[0] if same else None


def import_contacts(db, records: list[ContactRecord], as_of: date, *,
                    dry_run: bool = False) -> ImportReport:
    """Store the records in one transaction, merging with the contacts already stored.

    With dry_run the same work is done and rolled back: the report (counts, `changes`
    lines, `job_changes`) says what the import would do, and nothing is stored.
    """
    report = ImportReport(dry_run=dry_run)
    with db.sessions() as session:
        try:
            _import(session, records, as_of, report)
            if dry_run:
                session.rollback()
            else:
                session.commit()
        except BaseException:
            session.rollback()
            raise
    return report


def _import(session: Session, records: list[ContactRecord], as_of: date,
            report: ImportReport) -> None:
    stored = session.scalars(select(Contact).options(selectinload(Contact.projects))).all()
    index = _Index(list(stored))
    for record in records:
        contact = index.match(record)
        if contact is None:
            contact = new_contact(record, as_of)
            session.add(contact)
            report.added += 1
            report.changes.append(f"add {_who(record)}")
            session.flush()
        else:
            job = _job_change(contact, record, as_of)
            if job is not None:
                session.add(job)
            changed = _merge(contact, record, as_of)
            if job is not None and (contact.role or "") != job.new_role:
                # a new company given without a role: the old role belonged to the old job
                changed.append(f"role {_shown(contact.role)} → (empty)")
                contact.role = job.new_role
            if changed:
                report.updated += 1
                report.changes.append(f"update {contact.name} (#{contact.id}): {'; '.join(changed)}")
            else:
                report.unchanged += 1
            session.flush()
            if job is not None:
                report.job_changes.append(JobChangeInfo(
                    contact_id=contact.id, contact=contact.name, date=job.date,
                    old_company=job.old_company, old_role=job.old_role,
                    new_company=job.new_company, new_role=job.new_role,
                    projects_flagged=[p.id for p in contact.projects if p.needs_review],
                ))
                report.changes.append(f"job change {report.job_changes[-1].describe()}")
        index.add(contact)


def _who(record: ContactRecord) -> str:
    job = _job(record.role, record.company) if (record.role or record.company) else ""
    return record.name + (f" ({job})" if job else "")


def _job_change(contact: Contact, record: ContactRecord, as_of: date) -> JobChange | None:
    """A JobChange if the record shows a new company or role; flags the projects for review.

    Called before the merge, so the contact still has the old job. Only a change from a
    known company/role counts: filling in an empty one is not a job change.
    """
    old_company, old_role = contact.company or "", contact.role or ""
    new_company = record.company or old_company
    new_company_seen = bool(
        record.company and old_company
        and F.normalise_text(record.company) != F.normalise_text(old_company)
    )
    new_role = record.role or ("" if new_company_seen else old_role)
    new_role_seen = bool(
        record.role and old_role and F.normalise_text(record.role) != F.normalise_text(old_role)
    )
    if not (new_company_seen or new_role_seen):
        return None
    listed = {F.normalise_project(p.text) for p in record.projects}
    for project in contact.projects:
        if project.is_current(as_of) and F.normalise_project(project.text) not in listed:
            project.needs_review = True
    return JobChange(
        contact_id=contact.id, date=as_of, old_company=old_company, old_role=old_role,
        new_company=new_company, new_role=new_role,
    )


def new_contact(record: ContactRecord, as_of: date) -> Contact:
    contact = Contact(
        name=record.name,
        email=record.email,
        cadence_days=record.cadence_days,
        do_not_contact=record.do_not_contact,
        birthday=record.birthday,
        snoozed_until=record.snoozed_until,
        created_on=record.created_on or as_of,
        **{name: getattr(record, name) for name in TEXT_FIELDS},
        **{name: getattr(record, name) for name in EXTRA_FIELDS},
    )
    contact.projects = [
        Project(text=p.text, since=p.since, until=p.until, confirmed_on=p.confirmed_on or as_of,
                needs_review=p.needs_review)
        for p in record.projects
    ]
    return contact


def _merge(contact: Contact, record: ContactRecord, as_of: date) -> list[str]:
    """Fill/replace what the record gives; what changed (empty if only confirmations).

    do_not_contact is only ever switched on by an import: switching it off is a decision
    for `contacts edit`, never a side effect of an old spreadsheet.
    """
    changed: list[str] = []
    given = {
        "name": record.name,
        "email": record.email,
        "cadence_days": record.cadence_days,
        "birthday": record.birthday,
        "snoozed_until": record.snoozed_until,
        **{name: getattr(record, name) for name in TEXT_FIELDS},
        **{name: getattr(record, name) for name in EXTRA_FIELDS},
    }
    if record.do_not_contact:
        given["do_not_contact"] = True
    for name, value in given.items():
        old = getattr(contact, name)
        if value in (None, "") or old == value:
            continue
        if name == "profile_url" and F.normalise_url(old) == F.normalise_url(value):
            continue  # the same profile written another way
        setattr(contact, name, value)
        changed.append(f"{name} {_shown(old)} → {_shown(value)}")
    for project in record.projects:
        if confirm_project(contact, project, as_of):
            changed.append(f"project {project.text!r}")
    return changed


def _shown(value) -> str:
    if value in (None, ""):
        return "(empty)"
    if isinstance(value, date):
        return F.show_day(value)
    text = str(value)
    return repr(text if len(text) <= 60 else text[:57] + "...")


def confirm_project(contact: Contact, record: ProjectRecord, as_of: date,
                     keep_dates: bool = False) -> bool:
    """Keep (and confirm) a project with the same text, else add it. True if not just confirmed."""
    key = F.normalise_project(record.text)
    for project in contact.projects:
        if F.normalise_project(project.text) == key:
            if record.confirmed_on:  # an export says when it was confirmed: not today
                project.confirmed_on = max(record.confirmed_on, project.confirmed_on or record.confirmed_on)
                project.needs_review = project.needs_review and record.needs_review
            else:
                project.confirmed_on = as_of
                project.needs_review = False
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
        Project(text=record.text, since=record.since, until=record.until,
                confirmed_on=record.confirmed_on or as_of, needs_review=record.needs_review)
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
        "birthday": F.show_day(contact.birthday),
        "created_on": _day(contact.created_on),
        "profile_url": contact.profile_url or "",
        "anniversary": F.show_day(contact.anniversary),
        "labels": contact.labels or "",
        "company_aliases": contact.company_aliases or "",
        "company_tickers": contact.company_tickers or "",
        "connected_on": _day(contact.connected_on),
        # ids of projects flagged by a job change ("still current?"); kept out of the
        # project objects so their keys stay as they were
        "projects_to_review": [p.id for p in contact.projects if p.needs_review],
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
