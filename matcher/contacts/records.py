"""Plain records a contacts file is read into, before anything touches the database,
and the checks that make them: every format (YAML and CSV in `importer`, LinkedIn, Google
and vCard in `formats`) walks its file into `Fields` and gets its records here."""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from matcher.contacts import fields as F
from matcher.errors import InputFileError
from matcher.models import Contact


@dataclass
class ProjectRecord:
    """What a contact is working on, in their own words, with optional dates."""

    text: str
    since: date | None = None
    until: date | None = None
    confirmed_on: date | None = None  # given by an export; else the import's day
    needs_review: bool = False


@dataclass
class ContactRecord:
    """One person as a file (or the command line) describes them; empty means "not given"."""

    name: str
    email: str | None = None
    kind: str = ""
    company: str = ""
    role: str = ""
    country: str = ""
    language: str = ""
    channel: str = ""
    notes: str = ""
    cadence_days: int | None = None
    do_not_contact: bool = False
    birthday: date | None = None  # without a year: stored in fields.NO_YEAR (1904)
    projects: list[ProjectRecord] = field(default_factory=list)
    profile_url: str = ""  # LinkedIn (or other) profile: an identity for merging
    anniversary: date | None = None  # wedding or other anniversary (vCard, Google events)
    labels: str = ""  # address-book labels/groups/categories joined with " ::: "
    company_aliases: str = ""  # other names of the company, joined with " ::: "
    company_tickers: str = ""  # its stock tickers (AAPL, ENI.MI), joined with " ::: "
    connected_on: date | None = None  # LinkedIn `Connected On`
    snoozed_until: date | None = None
    created_on: date | None = None  # given by an export; else the import's day


# The text fields, in the order a file or a listing shows them.
TEXT_FIELDS = ("kind", "company", "role", "country", "language", "channel", "notes")
# Fields the richer imports bring (LinkedIn, Google, vCard); also accepted in YAML/CSV.
EXTRA_FIELDS = ("profile_url", "anniversary", "labels", "connected_on", "company_aliases",
                "company_tickers")
# Fields whose value may be a YAML list (or text joined with " ::: " or ";").
LIST_FIELDS = ("labels", "company_aliases", "company_tickers")


# --- fields → records: the checks every format shares -----------------------------------

CONTACT_KEYS = (
    "name", "email", "kind", "company", "role", "country", "language", "channel", "notes",
    "cadence_days", "do_not_contact", "birthday", "projects",
    "profile_url", "anniversary", "labels", "connected_on", "snoozed_until", "created_on",
    "company_aliases", "company_tickers",
)
PROJECT_KEYS = ("text", "since", "until", "confirmed_on", "needs_review")


# A contact on its way to a record: (key, value, line) triples. Scalar values are text,
# None or already-typed values; the value of "projects" is a list of (item, line) where
# an item is text or a list of (key, value, line) triples.
Fields = list[tuple[str, Any, int | None]]


class InvalidField(Exception):
    """A problem found while walking one contact, with the line it belongs to."""

    def __init__(self, message: str, line: int | None):
        super().__init__(message)
        self.message = message
        self.line = line


def unknown_key(key, keys: tuple[str, ...], what: str) -> str:
    """The refusal of an unknown key, with the closest known one as a hint."""
    close = difflib.get_close_matches(str(key), keys, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown {what} key {key!r}{hint}; known: {', '.join(keys)}"


FIELD_PARSERS = {  # one checker per contact field, shared with contacts edit
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
    "birthday": lambda v: F.parse_occasion_date(v, "birthday"),
    "profile_url": F.parse_url,
    "anniversary": lambda v: F.parse_occasion_date(v, "anniversary"),
    "labels": F.parse_labels,
    "company_aliases": F.parse_company_aliases,
    "company_tickers": F.parse_company_tickers,
    "connected_on": lambda v: (F.parse_date(v, "connected_on") if not isinstance(v, str)
                               else F.parse_day_month_year(v, "connected_on")),
    "snoozed_until": lambda v: F.parse_date(v, "snoozed_until"),
    "created_on": lambda v: F.parse_date(v, "created_on"),
}


# The longest text each contact field may hold: its database column's (PostgreSQL refuses
# longer text, SQLite would keep it), so every database gets the same, clear refusal.
MAX_LENGTH = {c.name: c.type.length for c in Contact.__table__.columns if getattr(c.type, "length", None)}


def check_length(key: str, value) -> None:
    """ValueError if a text is longer than the field `key` can hold."""
    limit = MAX_LENGTH.get(key)
    if limit and isinstance(value, str) and len(value) > limit:
        raise ValueError(f"{key} is longer than {limit} characters ({len(value)})")


def record_from_fields(fields: Fields, line: int | None) -> ContactRecord:
    """One contact's fields checked into a record, or InvalidField naming the line."""
    values: dict[str, Any] = {}
    name = None
    projects: list[ProjectRecord] = []
    for key, value, value_line in fields:
        try:
            if key == "name":
                name = F.parse_name(value)
                check_length(key, name)
            elif key == "projects":
                projects = [_project(item, item_line) for item, item_line in value]
            elif key in FIELD_PARSERS:
                values[key] = FIELD_PARSERS[key](value)
                check_length(key, values[key])
            else:
                raise ValueError(unknown_key(key, CONTACT_KEYS, "contact"))
        except ValueError as exc:
            raise InvalidField(str(exc), value_line) from None
    if name is None:
        raise InvalidField("a contact needs a name", line)
    return ContactRecord(name=name, projects=projects, **values)


def _project(item, line: int | None) -> ProjectRecord:
    if not isinstance(item, list):  # written as plain text
        item = [("text", item, line)]
    values: dict[str, Any] = {}
    for key, value, value_line in item:
        try:
            if key == "text":
                values["text"] = " ".join(F.parse_text(value, "project text").split())
            elif key in ("since", "until", "confirmed_on"):
                values[key] = F.parse_date(value, f"project {key}")
            elif key == "needs_review":
                values[key] = F.parse_bool(value, "project needs_review")
            else:
                raise ValueError(unknown_key(key, PROJECT_KEYS, "project"))
        except ValueError as exc:
            raise InvalidField(str(exc), value_line) from None
    if not values.get("text"):
        raise InvalidField("a project needs a text", line)
    project = ProjectRecord(**values)
    if project.since and project.until and project.since > project.until:
        raise InvalidField(
            f"project since {project.since} is after until {project.until}", line
        )
    return project


def records_from_fields(contacts: list[tuple[Fields, int]], path) -> list[ContactRecord]:
    """Every contact of a file checked into records, each person once, or InputFileError."""
    records = []
    seen: dict[str, int] = {}
    for fields, line in contacts:
        try:
            record = record_from_fields(fields, line)
        except InvalidField as exc:
            raise InputFileError(path, exc.message, line=exc.line) from None
        key = ((record.email or "").casefold() or F.normalise_url(record.profile_url)
               or F.normalise_text(record.name))
        if key in seen:
            raise InputFileError(
                path, f"{record.name} appears twice (also at line {seen[key]})", line=line
            )
        seen[key] = line
        records.append(record)
    return records
