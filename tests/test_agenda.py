"""`matcher agenda`: occasions, due follow-ups and stale projects, as JSON and as .ics."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import vobject

from matcher.agenda import AgendaItem, ics_escape, to_ics
from matcher.models import Contact, Project
from matcher.ranking import current_projects

CONTACTS = """
- name: Giulia Conti
  email: giulia@example.com
  kind: recruiter
  country: IT
  birthday: 1984-12-05
  projects:
    - text: Renegotiating green coffee supply contracts with growers in Brazil.
      since: 2026-01-10
- name: John Miller
  email: john@example.com
  kind: headhunter
  country: US
  language: en
- name: Irene Chiusa
  email: irene@example.com
  do_not_contact: true
  birthday: 1990-12-03
"""


@pytest.fixture
def people_cli(cli, tmp_path):
    """The CLI on a home holding CONTACTS."""
    cli("init")
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(CONTACTS, encoding="utf-8")
    cli("contacts", "import", str(contacts), "--as-of", "2026-03-01")
    return cli


@pytest.mark.slow
def test_agenda_json_rows_and_their_days(people_cli):
    people_cli("log", "Giulia", "email", "--as-of", "2026-11-20")  # Giulia is within her cadence
    rows = json.loads(people_cli("agenda", "--as-of", "2026-11-25", "--days", "31", "--json").stdout)
    assert all(set(r) >= {"date", "contact", "kind", "title"} for r in rows)
    got = [(r["date"], r["contact"], r["kind"], r["title"]) for r in rows]
    assert got == [
        ("2026-11-25", "John Miller", "follow-up", "check in, or share your own news"),
        # confirmed on import 2026-03-01, so unconfirmed for more than 182 days
        ("2026-11-25", "Giulia Conti", "stale-project",
         "still current? Renegotiating green coffee supply contracts with growers in…"),
        ("2026-11-26", "John Miller", "holiday", "Thanksgiving Day"),
        ("2026-12-05", "Giulia Conti", "birthday", "birthday"),
        # her cadence (recruiter, 30 days) since the touch of 2026-11-20 ends
        ("2026-12-20", "Giulia Conti", "follow-up-due", "courteous again: a follow-up falls due"),
        ("2026-12-25", "Giulia Conti", "holiday", "Christmas Day"),
        ("2026-12-25", "John Miller", "holiday", "Christmas Day"),
    ]  # nothing for Irene (do-not-contact), though her birthday falls in the window
    # --days counts the as-of day: 2026-11-25 + 1 day is just that day
    one = json.loads(people_cli("agenda", "--as-of", "2026-11-26", "--days", "1", "--json").stdout)
    assert [r["kind"] for r in one] == ["follow-up", "stale-project", "holiday"]
    text = people_cli("agenda", "--as-of", "2026-11-25", "--days", "31").stdout
    assert "2026-12-05  Giulia Conti" in text


def test_follow_up_only_when_nothing_suitable_and_cadence_passed(people_cli):
    people_cli("log", "John", "call", "--as-of", "2026-11-01")
    rows = json.loads(people_cli("agenda", "--as-of", "2026-11-20", "--days", "1", "--json").stdout)
    assert [r["contact"] for r in rows if r["kind"] == "follow-up"] == ["Giulia Conti"]
    # headhunter cadence is 45 days: due again from 2026-12-16
    rows = json.loads(people_cli("agenda", "--as-of", "2026-12-16", "--days", "1", "--json").stdout)
    assert {r["contact"] for r in rows if r["kind"] == "follow-up"} == {"Giulia Conti", "John Miller"}


def test_follow_ups_falling_due_are_forecast_from_the_throttle(people_cli, tmp_path):
    """A contact with projects held today shows on the day the throttle lets you write again."""
    def due(as_of="2026-11-25", days="31"):
        rows = json.loads(people_cli("agenda", "--as-of", as_of, "--days", days, "--json").stdout)
        return [(r["date"], r["contact"], r["detail"]) for r in rows if r["kind"] == "follow-up-due"]

    assert due() == []  # Giulia is courteous today; John has no project to follow up on
    people_cli("log", "Giulia", "email", "--as-of", "2026-11-20")
    assert due() == [("2026-12-20", "Giulia Conti", "held by rule 2 (cadence) until then: "
                                                    "last touch on 2026-11-20, cadence 30 days")]
    assert due(days="25") == []  # 2026-12-20 is past the window's last day, 2026-12-19
    # a snooze ending inside the cadence changes nothing: the cadence still holds to 12-20
    people_cli("contacts", "edit", "Giulia", "--snooze-until", "2026-12-01")
    assert [d[0] for d in due()] == ["2026-12-20"]
    # a snooze ending after the cadence: due when the snooze ends
    people_cli("contacts", "edit", "Giulia", "--snooze-until", "2026-12-22")
    assert due() == [("2026-12-22", "Giulia Conti", "held by rule 1 (do-not-contact / snoozed) until then: "
                                                    "snoozed until 2026-12-22")]
    ics = tmp_path / "agenda.ics"
    people_cli("agenda", "--as-of", "2026-11-25", "--days", "31", "--ics", str(ics))
    (event,) = [e for e in vobject.readOne(ics.read_text(encoding="utf-8")).vevent_list
                if e.categories.value == ["follow-up-due"]]
    assert event.dtstart.value == dt.date(2026, 12, 22)
    text = people_cli("agenda", "--as-of", "2026-11-25", "--days", "31").stdout
    assert "2026-12-22  Giulia Conti" in text and "follow-up-due" in text


def test_stale_projects_are_asked_about_then_stop_driving_matching(people_cli, tmp_path):
    # Giulia's project was confirmed on import, 2026-03-01: stale from 2026-08-30 (182 days)
    rows = json.loads(people_cli("agenda", "--as-of", "2026-08-20", "--days", "30", "--json").stdout)
    stale = [r for r in rows if r["kind"] == "stale-project"]
    assert [(r["date"], r["title"][:40]) for r in stale] == [
        ("2026-08-30", "still current? Renegotiating green coffe")]
    later = json.loads(people_cli("agenda", "--as-of", "2027-03-10", "--days", "3", "--json").stdout)
    (row,) = [r for r in later if r["kind"] == "stale-project"]
    assert row["date"] == "2027-03-10" and "no longer drives matching" in row["detail"]
    # re-importing the same project confirms it: no longer stale
    people_cli("contacts", "import", str(tmp_path / "contacts.yaml"), "--as-of", "2027-03-10")
    again = json.loads(people_cli("agenda", "--as-of", "2027-03-10", "--days", "3", "--json").stdout)
    assert not [r for r in again if r["kind"] == "stale-project"]


def test_contacts_confirm_answers_the_stale_project(people_cli):
    def stale():
        rows = json.loads(people_cli("agenda", "--as-of", "2026-09-10", "--days", "1", "--json").stdout)
        return [r["contact"] for r in rows if r["kind"] == "stale-project"]

    assert stale() == ["Giulia Conti"]
    out = people_cli("contacts", "confirm", "Giulia", "coffee supply", "--as-of", "2026-09-10").stdout
    assert out.startswith("confirmed project ") and "of Giulia Conti on 2026-09-10: Renegotiating" in out
    assert stale() == []
    (done,) = json.loads(people_cli("contacts", "confirm", "Giulia", "--as-of", "2026-09-11", "--json").stdout)
    assert done["confirmed_on"] == "2026-09-11"
    bad = people_cli("contacts", "confirm", "John", "--as-of", "2026-09-11", ok=False)
    assert bad.exit_code == 1 and "John Miller has no current project" in bad.output


def test_current_projects_drop_a_project_unconfirmed_for_a_year():
    contact = Contact(name="A")
    contact.projects = [Project(text="old thing", since=dt.date(2025, 1, 1), confirmed_on=dt.date(2025, 1, 1)),
                        Project(text="never dated")]
    day = dt.date(2026, 1, 1)
    assert [p.text for p in current_projects(contact, day)] == ["old thing", "never dated"]
    day = dt.date(2026, 1, 2)  # 366 days later
    assert [p.text for p in current_projects(contact, day)] == ["never dated"]
    assert [p.text for p in current_projects(contact, day, retire_days=0)] == ["old thing", "never dated"]


def test_ics_export_parses_and_escapes(people_cli, tmp_path):
    people_cli("contacts", "add", "Rossi, Mario; \\ Jr", "--country", "IT", "--birthday", "1970-12-10")
    ics = tmp_path / "agenda.ics"
    out = people_cli("agenda", "--as-of", "2026-12-01", "--days", "30", "--ics", str(ics))
    assert "events to" in out.stdout
    raw = ics.read_bytes()
    assert raw.startswith(b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\n") and raw.endswith(b"END:VCALENDAR\r\n")
    assert all(len(line) <= 75 for line in raw.split(b"\r\n"))
    assert b"SUMMARY:Rossi\\, Mario\\; \\\\ Jr: birthday" in raw
    cal = vobject.readOne(raw.decode("utf-8"))
    events = cal.vevent_list
    rows = json.loads(people_cli("agenda", "--as-of", "2026-12-01", "--days", "30", "--json").stdout)
    assert len(events) == len(rows)
    summaries = {(e.dtstart.value, e.summary.value) for e in events}
    assert (dt.date(2026, 12, 10), "Rossi, Mario; \\ Jr: birthday") in summaries
    assert (dt.date(2026, 12, 25), "Giulia Conti: Christmas Day") in summaries
    assert len({e.uid.value for e in events}) == len(events)


def test_ics_folding_and_escaping_by_hand():
    assert ics_escape("a,b;c\\d\ne\x1b[31m") == "a\\,b\\;c\\\\d\\ne[31m"
    item = AgendaItem(dt.date(2027, 1, 1), "Zoë " * 30, "custom", "è" * 50, 1)
    text = to_ics([item], stamp=dt.datetime(2026, 1, 1, tzinfo=dt.UTC))
    for line in text.split("\r\n"):
        assert len(line.encode("utf-8")) <= 75
    (event,) = vobject.readOne(text).vevent_list
    assert event.summary.value == f"{'Zoë ' * 30}: {'è' * 50}"


@pytest.mark.slow
def test_follow_ups_on_a_night_with_fresh_articles(cli, tmp_path):
    """Only the courteous people with nothing suitable to send are due a check-in."""
    home = tmp_path / "demo"
    cli("demo", "--keep", str(home), home=None)
    result = cli("agenda", "--json", "--as-of", "2026-11-20", "--days", "1", home=home)
    follow_ups = {row["contact"] for row in json.loads(result.stdout) if row["kind"] == "follow-up"}
    # Paolo's boat matches no news; Marco has a fitting article, held only by the daily cap;
    # Stefano is do-not-contact
    assert follow_ups == {"Paolo Greco"}
