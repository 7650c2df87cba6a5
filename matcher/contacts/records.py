"""Plain records a contacts file is read into, before anything touches the database."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date


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
    connected_on: date | None = None  # LinkedIn `Connected On`
    snoozed_until: date | None = None
    created_on: date | None = None  # given by an export; else the import's day


# The text fields, in the order a file or a listing shows them.
TEXT_FIELDS = ("kind", "company", "role", "country", "language", "channel", "notes")
# Fields the richer imports bring (LinkedIn, Google, vCard); also accepted in YAML/CSV.
EXTRA_FIELDS = ("profile_url", "anniversary", "labels", "connected_on")
