"""Occasions: the dates worth a greeting, as pure functions of plain data, with reasons.

An occasion is a public holiday that merits a greeting in the contact's country (the
`holidays` library; which ones, and how early, is configuration), a birthday, a personal
anniversary (vCard ANNIVERSARY, Google's "Anniversary": a greeting), a work anniversary (a
year since a new role was seen: a congratulation), a custom date, or a new role seen on
re-import. The two anniversaries never share a kind, a key or a draft. Each has a window — from
`opens` to `closes` — in which a greeting is proposed; outside it the moment has passed.

Nothing here touches the database: the caller builds a `ContactDates` and asks.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from dataclasses import dataclass, replace

import holidays

from matcher.config import OccasionSettings
from matcher.contacts.fields import NO_YEAR, has_year
from matcher.courtesy.throttle import PASS, Rule, Verdict

# Occasion kinds, and the draft template each one uses.
MESSAGE = {
    "holiday": "greeting",
    "birthday": "greeting",
    "anniversary": "greeting",
    "custom": "greeting",
    "work-anniversary": "congratulation",
    "new-role": "congratulation",
}
LOCAL_TITLES = {
    "it": {"birthday": "compleanno", "anniversary": "anniversario",
           "work-anniversary": "anniversario di lavoro", "new-role": "nuovo ruolo"},
    "en": {"birthday": "birthday", "anniversary": "anniversary", "work-anniversary": "work anniversary",
           "new-role": "new role"},
}


@dataclass(frozen=True)
class CustomDay:
    id: int
    title: str
    date: dt.date          # year NO_YEAR when unknown
    yearly: bool = True


@dataclass(frozen=True)
class JobDay:
    id: int
    date: dt.date          # the day the change was seen (the import's as-of day)
    company: str = ""
    role: str = ""


@dataclass(frozen=True)
class ContactDates:
    """What occasions need to know about one contact (country and language resolved)."""

    country: str = "IT"
    language: str = "it"
    birthday: dt.date | None = None
    anniversary: dt.date | None = None  # personal (wedding…): never a work anniversary
    company: str = ""
    custom: tuple[CustomDay, ...] = ()
    job_changes: tuple[JobDay, ...] = ()


@dataclass(frozen=True)
class Occasion:
    date: dt.date          # the day itself
    kind: str              # holiday | birthday | anniversary | work-anniversary | custom | new-role
    key: str               # unique per contact, e.g. "holiday:christmas-day:2026"
    title: str             # for lists (English holiday names, the custom title…)
    local_title: str       # in the contact's language, for drafts
    slug: str              # christmas-day, birthday, new-role… (what templates switch on)
    opens: dt.date         # first day a greeting is proposed
    closes: dt.date        # last day it still makes sense
    reason: str
    years: int | None = None
    company: str = ""
    role: str = ""

    @property
    def message(self) -> str:
        """The draft template kind, also the kind of the touch once sent."""
        return MESSAGE[self.kind]


def slugify(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.casefold()).strip("-")


def same_day_in(year: int, day: dt.date) -> dt.date:
    """`day`'s month and day in `year`; 29 February is kept on the 28th in other years."""
    try:
        return day.replace(year=year)
    except ValueError:
        return dt.date(year, 2, 28)


@functools.lru_cache(maxsize=512)
def _calendar(country: str, year: int, language: str) -> tuple[tuple[dt.date, tuple[str, ...]], ...]:
    """(day, names) of `country`'s public holidays in `year`; empty for an unknown country."""
    try:
        probe = holidays.country_holidays(country, years=year)
    except NotImplementedError:
        return ()
    chosen = None
    if language:
        for code in probe.supported_languages:
            if code == language or code.split("_")[0] == language:
                chosen = code
                break
    cal = holidays.country_holidays(country, years=year, language=chosen) if chosen else probe
    return tuple(sorted((day, tuple(n.strip() for n in name.split(";"))) for day, name in cal.items()))


def holidays_in(country: str, year: int, language: str = "en") -> dict[dt.date, list[tuple[str, str]]]:
    """{day: [(English name, local name)…]} for one country and year."""
    english = dict(_calendar(country, year, "en"))
    local = dict(_calendar(country, year, language))
    out = {}
    for day, names in english.items():
        local_names = local.get(day, names)
        if len(local_names) != len(names):
            local_names = names
        out[day] = list(zip(names, local_names, strict=True))
    return out


def greeted_holidays(country: str, settings: OccasionSettings) -> list[str]:
    greet = settings.greet
    return list(greet.get(country.upper(), greet.get("*", [])))


def _lead(name: str, settings: OccasionSettings) -> int:
    return int(settings.lead_days.get(name, settings.holiday_lead_days))


def _holiday_occasions(dates: ContactDates, year: int, settings: OccasionSettings) -> list[Occasion]:
    greeted = tuple(greeted_holidays(dates.country, settings))
    leads = tuple(_lead(name, settings) for name in greeted)
    return list(_country_holiday_occasions(dates.country, dates.language, year, greeted, leads))


@functools.lru_cache(maxsize=512)
def _country_holiday_occasions(country: str, language: str, year: int, greeted: tuple[str, ...],
                               leads: tuple[int, ...]) -> tuple[Occasion, ...]:
    """The greeted holidays of a country and year: the same for every contact there (a night
    asks for them once per contact, and thousands of contacts live in one or two countries)."""
    wanted = {n.casefold(): lead for n, lead in zip(greeted, leads)}
    out = []
    for day, names in holidays_in(country, year, language).items():
        for english, local in names:
            if english.casefold() not in wanted:
                continue
            lead = wanted[english.casefold()]
            slug = slugify(english)
            out.append(Occasion(
                date=day, kind="holiday", key=f"holiday:{slug}:{year}", title=english,
                local_title=local, slug=slug, opens=day - dt.timedelta(days=lead), closes=day,
                reason=f"{english} in {country} on {day.isoformat()}"
                       + (f", greeted from {lead} day(s) before" if lead else ""),
            ))
    return tuple(out)


def _yearly(kind: str, key: str, title: str, local: str, slug: str, origin: dt.date, year: int,
            lead: int, what: str) -> Occasion | None:
    day = same_day_in(year, origin)
    years = year - origin.year if has_year(origin) else None
    if years is not None and years <= 0:
        return None
    shown = origin.isoformat() if has_year(origin) else f"--{origin:%m-%d}"
    return Occasion(
        date=day, kind=kind, key=f"{key}:{year}", title=title, local_title=local, slug=slug,
        opens=day - dt.timedelta(days=lead), closes=day, years=years,
        reason=f"{what} on {day.isoformat()} ({shown}"
               + (f", {years} year{'' if years == 1 else 's'})" if years else ")"),
    )


def _work_anniversary(dates: ContactDates, year: int, local: str, lead: int) -> list[Occasion]:
    """The yearly return of the latest new role (the day it was seen, the nearest we know
    to its start); earlier roles have ended."""
    if not dates.job_changes:
        return []
    job = max(dates.job_changes, key=lambda j: (j.date, j.id))
    what = " at ".join(x for x in (job.role, job.company) if x)
    o = _yearly("work-anniversary", f"work-anniversary:{job.id}",
                "work anniversary" + (f" at {job.company}" if job.company else ""), local,
                "work-anniversary", job.date, year, lead,
                "work anniversary" + (f" as {what}" if what else " of the new role"))
    return [replace(o, company=job.company, role=job.role)] if o else []


def occasions_in_year(dates: ContactDates, year: int, settings: OccasionSettings) -> list[Occasion]:
    """Every occasion of one contact whose day falls in `year` (job changes aside)."""
    lang = dates.language if dates.language in LOCAL_TITLES else "en"
    names = LOCAL_TITLES[lang]
    lead = settings.birthday_lead_days
    out = _holiday_occasions(dates, year, settings)
    if dates.birthday:
        o = _yearly("birthday", "birthday", "birthday", names["birthday"], "birthday",
                    dates.birthday, year, lead, "birthday")
        out += [o] if o else []
    if dates.anniversary:
        o = _yearly("anniversary", "anniversary", "anniversary", names["anniversary"],
                    "anniversary", dates.anniversary, year, lead, "anniversary")
        out += [o] if o else []
    out += _work_anniversary(dates, year, names["work-anniversary"], lead)
    for custom in dates.custom:
        if custom.yearly:
            o = _yearly("custom", f"custom:{custom.id}", custom.title, custom.title, "custom",
                        custom.date, year, lead, custom.title)
            # a yearly custom date is greeted from its first year (years 0 is the day itself)
            if o is None and has_year(custom.date) and custom.date.year == year:
                o = Occasion(custom.date, "custom", f"custom:{custom.id}:{year}", custom.title,
                             custom.title, "custom", custom.date - dt.timedelta(days=lead),
                             custom.date, f"{custom.title} on {custom.date.isoformat()}")
            out += [o] if o else []
        elif custom.date.year == year:
            out.append(Occasion(custom.date, "custom", f"custom:{custom.id}", custom.title,
                                custom.title, "custom", custom.date - dt.timedelta(days=lead),
                                custom.date, f"{custom.title} on {custom.date.isoformat()}"))
    return out


def job_occasions(dates: ContactDates, settings: OccasionSettings) -> list[Occasion]:
    lang = dates.language if dates.language in LOCAL_TITLES else "en"
    out = []
    for job in dates.job_changes:
        what = " at ".join(x for x in (job.role, job.company) if x) or "a new role"
        out.append(Occasion(
            date=job.date, kind="new-role", key=f"job:{job.id}", title=f"new role: {what}",
            local_title=LOCAL_TITLES[lang]["new-role"], slug="new-role", opens=job.date,
            closes=job.date + dt.timedelta(days=settings.job_change_days),
            reason=f"new role seen on {job.date.isoformat()}: {what}",
            company=job.company, role=job.role,
        ))
    return out


def occasions_between(dates: ContactDates, start: dt.date, end: dt.date,
                      settings: OccasionSettings) -> list[Occasion]:
    """Occasions whose day falls in [start, end], in date order (for the agenda)."""
    out = []
    for year in range(start.year, end.year + 1):
        out += occasions_in_year(dates, year, settings)
    out += job_occasions(dates, settings)
    return sorted((o for o in out if start <= o.date <= end), key=lambda o: (o.date, o.key))


def open_occasions(dates: ContactDates, today: dt.date, settings: OccasionSettings) -> list[Occasion]:
    """Occasions whose greeting window contains `today` (what the night may propose)."""
    out = []
    for year in {today.year, today.year + 1}:
        out += occasions_in_year(dates, year, settings)
    out += job_occasions(dates, settings)
    return sorted((o for o in out if o.opens <= today <= o.closes), key=lambda o: (o.date, o.key))


def greeting_verdict(
    occasion: Occasion,
    today: dt.date,
    settings: OccasionSettings,
    *,
    do_not_contact: bool = False,
    snoozed_until: dt.date | None = None,
    already_proposed: bool = False,
    last_holiday_greeting: dt.date | None = None,
) -> Verdict:
    """May we propose a greeting for `occasion` today? Greetings keep their own window,
    not the cadence; do-not-contact and snooze always hold."""
    if do_not_contact:
        return Verdict(False, Rule.DO_NOT_CONTACT, "marked do-not-contact")
    if snoozed_until and today < snoozed_until:
        passes = snoozed_until if snoozed_until <= occasion.closes else None
        return Verdict(False, Rule.DO_NOT_CONTACT, f"snoozed until {snoozed_until}", passes)
    if not occasion.opens <= today <= occasion.closes:
        return Verdict(False, Rule.CADENCE, f"the greeting window is {occasion.opens} to {occasion.closes}",
                       occasion.opens if today < occasion.opens else None)
    if already_proposed:
        return Verdict(False, Rule.ALREADY_SENT, f"already proposed: {occasion.title}")
    if occasion.kind == "holiday" and last_holiday_greeting is not None:
        gap = (today - last_holiday_greeting).days
        if 0 <= gap < settings.greeting_gap_days:
            return Verdict(False, Rule.CADENCE, f"a holiday greeting was proposed on {last_holiday_greeting}: "
                                     f"one greeting covers the season")
    return PASS


def is_expired(kind: str, occasion_key: str | None, occasion_on: dt.date | None,
               today: dt.date, settings: OccasionSettings) -> bool:
    """A pending greeting whose moment has passed (a new role keeps its grace period)."""
    if occasion_on is None:
        return False
    grace = settings.job_change_days if (occasion_key or "").startswith("job:") else 0
    return today > occasion_on + dt.timedelta(days=grace)


__all__ = [
    "NO_YEAR", "ContactDates", "CustomDay", "JobDay", "Occasion", "occasions_between",
    "open_occasions", "greeting_verdict", "is_expired", "holidays_in", "same_day_in",
]
