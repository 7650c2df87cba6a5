"""Occasions: pure windows and verdicts, then replayed nights that propose greetings on the
right days for Italy, the United States and Germany, birthdays without a year (vCard
`--MMDD`), congratulations for new roles, and never anything to a do-not-contact."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from alembic import command
from sqlalchemy import select, text
from sqlalchemy.orm import Session

from matcher.config import OccasionSettings
from matcher.contacts.fields import NO_YEAR
from matcher.courtesy.occasions import (
    ContactDates, CustomDay, JobDay, greeting_verdict, is_expired, occasions_between,
    open_occasions, same_day_in,
)
from matcher.courtesy.throttle import Rule
from matcher.db import alembic_config, make_engine
from matcher.models import Suggestion, Touch

S = OccasionSettings()
D = dt.date


# --- pure functions -------------------------------------------------------------------

def keys_opening(dates: ContactDates, start: D, end: D) -> dict[D, list[str]]:
    """For each day in [start, end], the occasion keys whose window opens that day."""
    out: dict[D, list[str]] = {}
    day = start
    while day <= end:
        opening = [o.key for o in open_occasions(dates, day, S) if o.opens == day]
        if opening:
            out[day] = opening
        day += dt.timedelta(days=1)
    return out


def test_italian_holidays_open_their_window_on_the_right_day():
    it = ContactDates(country="IT", language="it")
    opening = keys_opening(it, D(2026, 11, 1), D(2027, 4, 30))
    assert opening == {
        D(2026, 12, 22): ["holiday:christmas-day:2026"],        # 3 days before
        D(2026, 12, 31): ["holiday:new-year-s-day:2027"],       # 1 day before
        D(2027, 3, 26): ["holiday:easter-sunday:2027"],         # Easter 2027 is 28 March
    }
    christmas = open_occasions(it, D(2026, 12, 24), S)[0]
    assert christmas.local_title == "Natale" and christmas.closes == D(2026, 12, 25)
    assert "Christmas Day in IT on 2026-12-25" in christmas.reason


def test_us_thanksgiving_and_a_country_without_its_own_list():
    us = ContactDates(country="US", language="en")
    assert keys_opening(us, D(2026, 11, 1), D(2026, 11, 30)) == {
        D(2026, 11, 25): ["holiday:thanksgiving-day:2026"]}  # fourth Thursday: 26 November
    de = ContactDates(country="DE", language="de")  # takes the "*" list
    titles = [o.title for o in occasions_between(de, D(2026, 1, 1), D(2026, 12, 31), S)]
    assert titles == ["New Year's Day", "Christmas Day"]
    # an unknown country has no holidays, and no error
    assert occasions_between(ContactDates(country="ZZ"), D(2026, 1, 1), D(2026, 12, 31), S) == []


def test_greeted_holidays_are_configurable():
    settings = OccasionSettings(greet={"IT": ["Republic Day"]}, lead_days={}, holiday_lead_days=0)
    got = occasions_between(ContactDates("IT", "it"), D(2026, 1, 1), D(2026, 12, 31), settings)
    assert [(o.date, o.title, o.local_title) for o in got] == [
        (D(2026, 6, 2), "Republic Day", "Festa della Repubblica")]


def test_birthdays_with_and_without_a_year_and_29_february():
    with_year = ContactDates(birthday=D(1984, 3, 12))
    (o,) = occasions_between(with_year, D(2027, 3, 1), D(2027, 3, 31), OccasionSettings(greet={}))
    assert (o.date, o.kind, o.years, o.key) == (D(2027, 3, 12), "birthday", 43, "birthday:2027")
    no_year = ContactDates(birthday=D(NO_YEAR, 3, 12))
    (o,) = occasions_between(no_year, D(2027, 3, 1), D(2027, 3, 31), OccasionSettings(greet={}))
    assert o.years is None and "(--03-12)" in o.reason
    leap = ContactDates(birthday=D(1980, 2, 29))
    dates = [o.date for o in occasions_between(leap, D(2027, 1, 1), D(2028, 12, 31), OccasionSettings(greet={}))]
    assert dates == [D(2027, 2, 28), D(2028, 2, 29)]
    assert same_day_in(2027, D(NO_YEAR, 2, 29)) == D(2027, 2, 28)


def test_work_anniversary_custom_dates_and_new_roles():
    dates = ContactDates(
        country="IT", language="en", anniversary=D(2012, 6, 9), company="Caffè Aurora",
        custom=(CustomDay(1, "name day", D(NO_YEAR, 6, 29)), CustomDay(2, "book launch", D(2027, 6, 20), yearly=False)),
        job_changes=(JobDay(5, D(2027, 6, 1), "Torrefazione Nord", "CFO"),),
    )
    got = occasions_between(dates, D(2027, 6, 1), D(2027, 6, 30), OccasionSettings(greet={}))
    assert [(o.date, o.kind, o.message) for o in got] == [
        (D(2027, 6, 1), "new-role", "congratulation"),
        (D(2027, 6, 9), "anniversary", "greeting"),  # a vCard ANNIVERSARY is personal
        (D(2027, 6, 20), "custom", "greeting"),
        (D(2027, 6, 29), "custom", "greeting"),
    ]
    assert got[1].years == 15 and got[1].title == "anniversary" and got[1].slug == "anniversary"
    # a new role is congratulated for job_change_days after it was seen, then it is too late
    job = got[0]
    assert job.closes == D(2027, 7, 1)
    assert [o.key for o in open_occasions(dates, D(2027, 6, 30), OccasionSettings(greet={}))] == ["job:5"]
    assert open_occasions(dates, D(2027, 7, 2), OccasionSettings(greet={})) == []
    assert is_expired("congratulation", "job:5", D(2027, 6, 1), D(2027, 7, 2), S)
    assert not is_expired("congratulation", "job:5", D(2027, 6, 1), D(2027, 7, 1), S)
    assert is_expired("greeting", "birthday:2027", D(2027, 3, 12), D(2027, 3, 13), S)


def test_personal_and_work_anniversaries_are_kept_apart():
    """A personal anniversary (vCard, Google) is greeted; a year since the latest new role is
    congratulated; neither takes the other's kind, key or draft."""
    dates = ContactDates(
        country="IT", language="it", anniversary=D(2012, 6, 9), company="Torrefazione Nord",
        job_changes=(JobDay(4, D(2025, 3, 2), "Caffè Aurora", "Buyer"),
                     JobDay(5, D(2026, 6, 9), "Torrefazione Nord", "CFO")),
    )
    got = occasions_between(dates, D(2027, 1, 1), D(2027, 12, 31), OccasionSettings(greet={}))
    assert [(o.date, o.kind, o.message, o.key, o.slug, o.local_title, o.years) for o in got] == [
        (D(2027, 6, 9), "anniversary", "greeting", "anniversary:2027", "anniversary", "anniversario", 15),
        (D(2027, 6, 9), "work-anniversary", "congratulation", "work-anniversary:5:2027", "work-anniversary",
         "anniversario di lavoro", 1),
    ]  # the role of 2025 has ended: only the latest one has anniversaries
    work = got[1]
    assert (work.title, work.company, work.role) == ("work anniversary at Torrefazione Nord", "Torrefazione Nord", "CFO")
    assert work.reason == "work anniversary as CFO at Torrefazione Nord on 2027-06-09 (2026-06-09, 1 year)"
    # the year the role was seen is its new-role congratulation, not an anniversary
    same_year = occasions_between(dates, D(2026, 1, 1), D(2026, 12, 31), OccasionSettings(greet={}))
    assert [o.kind for o in same_year if o.date == D(2026, 6, 9)] == ["anniversary", "new-role"]
    # no anniversary on the card: no personal greeting, whatever the job changes
    assert [o.kind for o in occasions_between(ContactDates(job_changes=dates.job_changes), D(2027, 1, 1),
                                              D(2027, 12, 31), OccasionSettings(greet={}))] == ["work-anniversary"]


def test_greeting_verdict_gives_its_reason():
    it = ContactDates("IT", "it")
    xmas = open_occasions(it, D(2026, 12, 22), S)[0]
    today = D(2026, 12, 22)
    assert greeting_verdict(xmas, today, S)
    v = greeting_verdict(xmas, today, S, do_not_contact=True)
    assert (v.ok, v.rule, v.reason) == (False, Rule.DO_NOT_CONTACT, "marked do-not-contact")
    v = greeting_verdict(xmas, today, S, snoozed_until=D(2026, 12, 24))
    assert (v.rule, v.passes_on) == (Rule.DO_NOT_CONTACT, D(2026, 12, 24))
    v = greeting_verdict(xmas, today, S, snoozed_until=D(2027, 1, 10))
    assert v.passes_on is None  # the snooze outlasts the occasion
    assert greeting_verdict(xmas, today, S, already_proposed=True).rule == Rule.ALREADY_SENT
    new_year = open_occasions(it, D(2026, 12, 31), S)[0]
    v = greeting_verdict(new_year, D(2026, 12, 31), S, last_holiday_greeting=D(2026, 12, 22))
    assert (v.ok, v.rule) == (False, Rule.CADENCE) and "covers the season" in v.reason
    assert greeting_verdict(new_year, D(2026, 12, 31), S, last_holiday_greeting=D(2026, 11, 25))
    v = greeting_verdict(xmas, D(2026, 12, 20), S)
    assert (v.rule, v.passes_on) == (Rule.CADENCE, D(2026, 12, 22))


# --- replayed nights ------------------------------------------------------------------

CONTACTS = """
- name: Giulia Conti
  email: giulia@example.com
  kind: recruiter
  company: Caffè Aurora
  role: Head of sourcing
  country: IT
  language: it
- name: John Miller
  email: john@example.com
  kind: headhunter
  country: US
  language: en
  birthday: 1979-12-02
- name: Hans Weber
  email: hans@example.com
  kind: colleague
  country: DE
  language: de
- name: Irene Chiusa
  email: irene@example.com
  kind: recruiter
  do_not_contact: true
  birthday: 1990-03-15
"""

VCARD = """BEGIN:VCARD\r
VERSION:3.0\r
FN:Giulia Conti\r
N:Conti;Giulia;;;\r
EMAIL;TYPE=INTERNET:giulia@example.com\r
BDAY:--0315\r
END:VCARD\r
"""


@pytest.fixture
def home(cli, tmp_path, db_url, monkeypatch):
    monkeypatch.setenv("MATCHER_DB", db_url)
    cli("init")
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(CONTACTS, encoding="utf-8")
    cli("contacts", "import", str(contacts), "--as-of", "2026-11-01")
    card = tmp_path / "giulia.vcf"
    card.write_text(VCARD, encoding="utf-8")
    cli("contacts", "import", str(card), "--as-of", "2026-11-01")
    return cli, tmp_path


def days(start: D, end: D):
    while start <= end:
        yield start
        start += dt.timedelta(days=1)


def replay(cli, nights) -> dict[str, list[tuple[str, str, str]]]:
    """Run each night; every morning mark the new greetings sent. {day: [(contact, kind, title)]}"""
    seen: dict[str, list[tuple[str, str, str]]] = {}
    for day in nights:
        report = json.loads(cli("run", "--as-of", day.isoformat(), "--json").stdout)[0]
        pending = json.loads(cli("suggestions", "--json", "--as-of", day.isoformat()).stdout)
        new = [s for s in pending if s["id"] in report["greeting_ids"]]
        assert report["greetings_new"] == len(new)
        if new:
            seen[day.isoformat()] = sorted((s["contact"], s["kind"], s["article_title"]) for s in new)
        for s in new:
            assert s["article_url"] is None and s["kind"] in ("greeting", "congratulation")
            cli("mark", str(s["id"]), "sent", "--as-of", day.isoformat())
    return seen


@pytest.mark.slow
def test_replayed_nights_greet_on_the_right_days(home):
    cli, _ = home
    nights = [*days(D(2026, 11, 23), D(2026, 12, 3)), *days(D(2026, 12, 19), D(2027, 1, 2)),
              *days(D(2027, 3, 13), D(2027, 3, 29))]
    seen = replay(cli, nights)
    assert seen == {
        "2026-11-25": [("John Miller", "greeting", "Thanksgiving Day")],
        "2026-12-02": [("John Miller", "greeting", "birthday")],
        "2026-12-22": [("Giulia Conti", "greeting", "Christmas Day"),
                       ("Hans Weber", "greeting", "Christmas Day"),
                       ("John Miller", "greeting", "Christmas Day")],
        # New Year's Day (window from 31 December) is covered by the Christmas greeting
        "2027-03-15": [("Giulia Conti", "greeting", "birthday")],  # vCard BDAY:--0315
        "2027-03-26": [("Giulia Conti", "greeting", "Easter Sunday")],  # Easter 2027: 28 March
    }
    everything = json.loads(cli("suggestions", "--status", "all", "--json", "--as-of", "2027-03-29").stdout)
    assert not [s for s in everything if s["contact"] == "Irene Chiusa"]  # do-not-contact, birthday 03-15
    drafts = {(s["contact"], s["article_title"]): s["draft"] for s in everything}
    assert drafts[("Giulia Conti", "Christmas Day")].startswith("Ciao Giulia, ti auguro un sereno Natale")
    assert drafts[("John Miller", "Thanksgiving Day")].startswith("Hi John, happy Thanksgiving")
    assert drafts[("Giulia Conti", "birthday")].startswith("Ciao Giulia, tanti auguri di buon compleanno")
    assert drafts[("Hans Weber", "Christmas Day")].startswith("Hi Hans")  # no German template: English
    notes = {(s["contact"], s["article_title"]): s["reasons"][1:] for s in everything}
    assert notes[("Hans Weber", "Christmas Day")] == ["no German template: the draft is in English"]
    assert notes[("Giulia Conti", "Christmas Day")] == [] and notes[("John Miller", "Christmas Day")] == []
    # sent greetings are touches of their kind
    shown = json.loads(cli("contacts", "show", "Giulia", "--json", "--as-of", "2027-03-29").stdout)[0]
    assert [t["kind"] for t in shown["touches"]] == ["greeting"] * 3
    assert shown["gives"] == 3 and shown["asks"] == 0


@pytest.mark.slow
def test_an_unsent_greeting_expires_after_its_day_and_new_year_then_comes(home):
    cli, _ = home
    for day in (D(2026, 12, 22), D(2026, 12, 26), D(2026, 12, 31)):
        cli("run", "--as-of", day.isoformat())
    rows = json.loads(cli("suggestions", "--status", "all", "--json", "--as-of", "2026-12-31").stdout)
    giulia = [(s["article_title"], s["status"]) for s in rows if s["contact"] == "Giulia Conti"]
    assert giulia == [("Christmas Day", "expired"), ("New Year's Day", "pending")]


@pytest.mark.slow
def test_snoozed_contact_is_greeted_when_the_snooze_ends_inside_the_window(home):
    cli, _ = home
    cli("contacts", "edit", "Giulia", "--snooze-until", "2026-12-24", "--as-of", "2026-12-01")
    cli("run", "--as-of", "2026-12-22")
    rows = json.loads(cli("suggestions", "--json", "--as-of", "2026-12-22").stdout)
    assert "Giulia Conti" not in [s["contact"] for s in rows]
    cli("run", "--as-of", "2026-12-24")
    rows = json.loads(cli("suggestions", "--json", "--as-of", "2026-12-24").stdout)
    assert ("Giulia Conti", "Christmas Day") in [(s["contact"], s["article_title"]) for s in rows]


def test_greetings_do_not_use_up_the_daily_cap_nor_go_to_do_not_contact(home, tmp_path):
    cli, _ = home
    (tmp_path / "home" / "matcher.toml").write_text("[throttle]\ndaily_cap = 1\n", encoding="utf-8")
    out = json.loads(cli("run", "--as-of", "2026-12-22", "--json").stdout)[0]
    assert out["greetings_new"] == 3  # Giulia, John, Hans; not Irene


@pytest.mark.slow
def test_a_job_change_is_congratulated_once_within_its_window(home, tmp_path):
    cli, _ = home
    later = tmp_path / "later.yaml"
    later.write_text(CONTACTS.replace("company: Caffè Aurora\n  role: Head of sourcing",
                                      "company: Torrefazione Nord\n  role: Chief Procurement Officer"),
                     encoding="utf-8")
    cli("contacts", "import", str(later), "--as-of", "2027-02-01")
    seen = replay(cli, [D(2027, 2, 1), D(2027, 2, 2)])
    assert seen == {"2027-02-01": [("Giulia Conti", "congratulation",
                                    "new role: Chief Procurement Officer at Torrefazione Nord")]}
    rows = json.loads(cli("suggestions", "--status", "sent", "--json", "--as-of", "2027-02-02").stdout)
    (congrats,) = [s for s in rows if s["kind"] == "congratulation"]
    assert congrats["draft"].startswith("Ciao Giulia, ho visto la novità: Chief Procurement Officer in Torrefazione Nord")
    assert "?" not in congrats["draft"]  # never an ask


def test_an_old_job_change_is_not_congratulated_late(home, tmp_path):
    cli, _ = home
    later = tmp_path / "later.yaml"
    later.write_text(CONTACTS.replace("role: Head of sourcing", "role: CFO"), encoding="utf-8")
    cli("contacts", "import", str(later), "--as-of", "2027-02-01")
    out = json.loads(cli("run", "--as-of", "2027-03-10", "--json").stdout)[0]
    assert out["greetings_new"] == 0


@pytest.mark.slow
def test_custom_dates_from_the_command_line(home):
    cli, _ = home
    cli("occasions", "add", "Hans", "06-29", "Namenstag")
    cli("occasions", "add", "Hans", "2027-05-10", "book launch", "--once")
    bad = cli("occasions", "add", "Hans", "06-31", "nope", ok=False)
    assert bad.exit_code == 1 and "not a real day" in bad.output
    rows = json.loads(cli("occasions", "list", "--json").stdout)
    assert [(r["date"], r["title"], r["yearly"]) for r in rows] == [
        ("--06-29", "Namenstag", True), ("2027-05-10", "book launch", False)]
    seen = replay(cli, [D(2027, 5, 10), D(2027, 6, 29)])
    assert seen == {"2027-05-10": [("Hans Weber", "greeting", "book launch")],
                    "2027-06-29": [("Hans Weber", "greeting", "Namenstag")]}
    cli("occasions", "remove", str(rows[0]["id"]))
    assert len(json.loads(cli("occasions", "list", "--json").stdout)) == 1


def test_review_card_for_a_greeting(home):
    cli, _ = home
    cli("run", "--as-of", "2026-11-25")
    out = cli("review", "--as-of", "2026-11-25", input="o\ns\n")
    # [o]pen does nothing for a greeting (no article), [s]ent records the touch
    assert "greeting 1" in out.output and "Thanksgiving Day" in out.output
    assert "1 sent, 0 skipped" in out.output
    shown = json.loads(cli("contacts", "show", "John", "--json", "--as-of", "2026-11-25").stdout)[0]
    assert [(t["kind"], t["note"]) for t in shown["touches"]] == [("greeting", "Thanksgiving Day")]


def test_a_vcard_anniversary_is_greeted_and_a_work_anniversary_congratulated(home, tmp_path):
    cli, _ = home
    card = tmp_path / "marta.vcf"
    card.write_text("BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Marta Sala\r\nN:Sala;Marta;;;\r\n"
                    "EMAIL:marta@example.com\r\nANNIVERSARY:20050521\r\nEND:VCARD\r\n", encoding="utf-8")
    cli("contacts", "import", str(card), "--as-of", "2026-05-01")
    moved = tmp_path / "moved.yaml"  # Giulia's new job, seen on 2026-05-21
    moved.write_text("- name: Giulia Conti\n  email: giulia@example.com\n  company: Torrefazione Nord\n",
                     encoding="utf-8")
    cli("contacts", "import", str(moved), "--as-of", "2026-05-21")
    rows = json.loads(cli("agenda", "--as-of", "2027-05-21", "--days", "1", "--json").stdout)
    assert sorted((r["contact"], r["kind"], r["title"]) for r in rows if "anniversary" in r["kind"]) == [
        ("Giulia Conti", "work-anniversary", "work anniversary at Torrefazione Nord"),
        ("Marta Sala", "anniversary", "anniversary")]
    cli("run", "--as-of", "2027-05-21")
    got = {s["contact"]: s for s in json.loads(cli("suggestions", "--json", "--as-of", "2027-05-21").stdout)}
    marta, giulia = got["Marta Sala"], got["Giulia Conti"]
    assert (marta["kind"], marta["article_title"]) == ("greeting", "anniversary")
    assert marta["draft"].startswith("Ciao Marta, buon anniversario a entrambi: 22 anni insieme!")
    assert (giulia["kind"], giulia["article_title"]) == ("congratulation", "work anniversary at Torrefazione Nord")
    assert giulia["draft"].startswith("Ciao Giulia, 1 anno in Torrefazione Nord: complimenti!")


def test_why_speaks_of_greetings_too(home):
    cli, _ = home

    def why(name, day):
        return json.loads(cli("why", name, "--json", "--as-of", day).stdout)[0]

    w = why("John", "2026-11-10")  # nothing open yet: the next occasion is named
    assert w["occasions"] == [] and w["next_occasion"] == {
        "date": "2026-11-26", "kind": "holiday", "message": "greeting", "title": "Thanksgiving Day",
        "opens": "2026-11-25"}
    assert ("no occasion in its greeting window today; next: Thanksgiving Day on 2026-11-26 "
            "(a greeting, proposed from 2026-11-25)") in cli("why", "John", "--as-of", "2026-11-10").stdout
    (christmas,) = why("Giulia", "2026-12-22")["occasions"]
    assert (christmas["title"], christmas["kind"], christmas["message"], christmas["ok"]) == (
        "Christmas Day", "holiday", "greeting", True)
    assert why("Giulia", "2026-12-22")["next_occasion"] is None
    assert "would propose a greeting for Christmas Day (2026-12-25)" in cli(
        "why", "Giulia", "--as-of", "2026-12-22").stdout
    hans = why("Hans", "2026-12-22")  # German: no template, the drafts are in English
    assert hans["draft_note"] == hans["occasions"][0]["draft_note"] == "no German template: the draft is in English"
    assert why("Giulia", "2026-12-22")["draft_note"] == ""
    assert ("would propose a greeting for Christmas Day (2026-12-25); no German template: the draft is in English"
            in cli("why", "Hans", "--as-of", "2026-12-22").stdout)
    (held,) = why("Irene", "2026-12-22")["occasions"]  # do-not-contact: never greeted
    assert (held["ok"], held["rule"], held["reason"]) == (False, 1, "marked do-not-contact")
    cli("contacts", "edit", "Giulia", "--snooze-until", "2026-12-24", "--as-of", "2026-12-01")
    (held,) = why("Giulia", "2026-12-22")["occasions"]
    assert (held["rule"], held["passes_on"]) == (1, "2026-12-24")
    assert ("greeting for Christmas Day (2026-12-25) held back by rule 1 (do-not-contact / snoozed): "
            "snoozed until 2026-12-24; passes from 2026-12-24") in cli("why", "Giulia", "--as-of", "2026-12-22").stdout
    cli("run", "--as-of", "2026-12-22")
    (held,) = why("John", "2026-12-23")["occasions"]  # the night proposed it: once only
    assert (held["rule"], held["rule_name"], held["reason"]) == (4, "already sent", "already proposed: Christmas Day")


# --- the migration keeps what was there --------------------------------------------------

def test_migration_0003_keeps_suggestions_and_touch_links(db_url):
    engine = make_engine(db_url)  # foreign keys on, as in real use
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0002")
        conn.execute(text("INSERT INTO contacts (id, name, email, kind, company, role, country, language, "
                          "channel, notes, do_not_contact, profile_url, labels) VALUES "
                          "(1, 'A', 'a@example.com', '', '', '', '', '', '', '', false, '', '')"))
        conn.execute(text("INSERT INTO articles (id, key, url, title, summary, text, text_source, language, "
                          "fetched_at) VALUES (1, 'k', 'u', 't', '', '', 'feed', 'en', '2026-01-01')"))
        conn.execute(text("INSERT INTO suggestions (id, contact_id, article_id, score, reasons, draft, status, "
                          "created_on) VALUES (1, 1, 1, 0.5, '[]', 'd', 'sent', '2026-01-02')"))
        conn.execute(text("INSERT INTO touches (id, contact_id, kind, direction, date, note, suggestion_id) "
                          "VALUES (1, 1, 'article', 'out', '2026-01-02', '', 1)"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    with Session(engine) as session:
        assert session.get(Touch, 1).suggestion_id == 1
        s = session.get(Suggestion, 1)
        assert (s.kind, s.article_id, s.occasion) == ("article", 1, None)
        session.add(Suggestion(id=2, contact_id=1, article_id=None, score=1.0, reasons=[], draft="", status="pending",
                               created_on=D(2026, 12, 22), kind="greeting", occasion="holiday:x:2026"))
        session.commit()
        assert session.scalar(select(Suggestion).where(Suggestion.occasion == "holiday:x:2026")).kind == "greeting"
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.downgrade(cfg, "0002")
        assert conn.execute(text("SELECT count(*) FROM suggestions")).scalar() == 1
        assert conn.execute(text("SELECT suggestion_id FROM touches")).scalar() == 1
    engine.dispose()
