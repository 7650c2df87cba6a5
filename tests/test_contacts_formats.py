"""The contacts files people actually have (LinkedIn, Google, vCard), merging on re-import,
job changes and dry runs — against a real SQLite file."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import inspect, select, text

from matcher.contacts import (
    contact_to_dict,
    edit_contact,
    import_contacts,
    list_contacts,
    read_contacts,
)
from matcher.contacts.fields import NO_YEAR, has_year, normalise_url
from matcher.contacts.importer import detect_format
from matcher.db import Database
from matcher.errors import InputFileError
from matcher.models import Contact, JobChange, Project

FIXTURES = Path(__file__).parent / "fixtures" / "contacts"
DAY1 = date(2026, 10, 1)
DAY2 = date(2026, 11, 15)
DAY3 = date(2026, 12, 1)


@pytest.fixture
def db(home_db):
    return home_db


def load(db, name, as_of=DAY1, **kw):
    return import_contacts(db, read_contacts(FIXTURES / name), as_of, **kw)


def by_name(db) -> dict[str, dict]:
    with db.session() as s:
        return {c["name"]: c for c in (contact_to_dict(x) for x in list_contacts(s))}


def count(db, model) -> int:
    with db.session() as s:
        return len(s.scalars(select(model)).all())


# --- reading each format ----------------------------------------------------------------

def test_fixture_layouts_are_what_the_exports_look_like():
    raw = (FIXTURES / "linkedin_connections.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbfNotes:\r\n") and b"\r\n\r\n" in raw
    assert b"\n" not in raw.replace(b"\r\n", b"")
    assert not (FIXTURES / "linkedin_connections_old.csv").read_bytes().startswith(b"\xef")
    assert b"URL" not in (FIXTURES / "linkedin_connections_old.csv").read_bytes().split(b"\r\n")[3]


def test_linkedin_bom_crlf_preamble_blank_rows():
    records = read_contacts(FIXTURES / "linkedin_connections.csv")
    assert [r.name for r in records] == ["Giulia Conti", "Marco Rossi", "Elena Bruno"]
    giulia, marco, elena = records
    assert giulia.email is None and giulia.company == "Caffè Aurora"
    assert giulia.role == "Head of Sourcing"
    assert giulia.profile_url == "https://www.linkedin.com/in/giulia-conti-4a1b2c"
    assert giulia.connected_on == date(2024, 3, 15)
    assert marco.email == "marco.rossi@example.com"
    assert marco.company == "Rossi, Bianchi & Partners"  # a quoted comma
    assert marco.connected_on == date(2023, 1, 2)
    assert elena.connected_on == date(2021, 2, 28)


def test_older_linkedin_export_without_url_column():
    records = read_contacts(FIXTURES / "linkedin_connections_old.csv")
    assert [(r.name, r.profile_url, r.email, r.connected_on) for r in records] == [
        ("Giulia Conti", "", None, date(2024, 3, 15)),
        ("Paolo Greco", "", "paolo.greco@example.com", date(2019, 11, 7)),
    ]


def test_google_current_layout():
    giulia, lars, ana = read_contacts(FIXTURES / "google_contacts.csv")
    assert giulia.name == "Giulia Conti"
    assert giulia.email == "giulia.conti@example.com"  # the first of "a ::: b"
    assert (giulia.company, giulia.role) == ("Caffè Aurora", "Head of Sourcing")
    assert giulia.birthday == date(1984, 3, 12)
    assert giulia.anniversary == date(2012, 6, 9)
    assert giulia.notes == "Met at Host Milano"
    assert giulia.labels == "Recruiters ::: Coffee"  # "* myContacts" is a system group
    assert giulia.country == "IT"  # "Italia"
    assert giulia.profile_url == "https://www.linkedin.com/in/giulia-conti-4a1b2c"
    assert lars.birthday == date(NO_YEAR, 11, 5) and not has_year(lars.birthday)
    assert lars.country == "NO" and lars.labels == ""
    assert ana.birthday == date(NO_YEAR, 2, 29)  # 1904 is a leap year
    assert ana.country == "ES" and ana.name == "Ana García"


def test_google_legacy_layout():
    marco, paolo = read_contacts(FIXTURES / "google_contacts_legacy.csv")
    assert (marco.name, marco.email) == ("Marco Rossi", "marco.rossi@example.com")
    assert (marco.company, marco.role) == ("Rossi, Bianchi & Partners", "Senior Headhunter")
    assert marco.birthday == date(1979, 7, 21)
    assert marco.anniversary == date(NO_YEAR, 9, 14)
    assert marco.labels == "Headhunters" and marco.country == "IT"
    assert marco.notes == "Headhunter, finance"
    assert paolo.name == "Paolo Greco"  # from Given + Family Name when Name is empty
    assert paolo.labels == "Friends ::: Mentors"


def test_vcard_3_and_4():
    giulia, jean, sara = read_contacts(FIXTURES / "contacts.vcf")
    assert giulia.name == "Giulia Conti" and giulia.email == "giulia.conti@example.com"
    assert (giulia.company, giulia.role) == ("Caffè Aurora", "Head of Sourcing")
    assert giulia.birthday == date(NO_YEAR, 3, 12)  # BDAY:--0312
    assert giulia.anniversary == date(2012, 6, 9)  # X-ANNIVERSARY
    assert giulia.notes == "Met at Host Milano, 2023. Loves specialty coffee."
    assert giulia.labels == "Recruiters ::: Coffee"
    assert giulia.profile_url == "https://www.linkedin.com/in/giulia-conti-4a1b2c"
    assert giulia.country == "IT"  # ADR country "Italia"
    assert jean.birthday == date(1980, 2, 29) and jean.anniversary == date(2005, 5, 21)
    assert jean.country == "FR" and jean.company == "Banque du Rhône"
    assert jean.profile_url == "https://jeandupont.example.fr"
    assert sara.name == "Sara Bianchi"  # from N, without the prefix
    assert sara.country == "CH"  # a two-letter code passes through
    assert sara.notes == "Long note folded over two lines."


def test_format_detection_and_override(tmp_path):
    assert detect_format((FIXTURES / "contacts.vcf").read_text()) == "vcard"
    for name in ("linkedin_connections.csv", "linkedin_connections_old.csv"):
        assert detect_format((FIXTURES / name).read_text(encoding="utf-8-sig")) == "linkedin"
    for name in ("google_contacts.csv", "google_contacts_legacy.csv"):
        assert detect_format((FIXTURES / name).read_text(encoding="utf-8-sig")) == "google"
    assert detect_format("name,email\nA,a@b.example\n") is None
    # the content decides, whatever the file is called
    copy = tmp_path / "export.txt"
    shutil.copy(FIXTURES / "contacts.vcf", copy)
    assert len(read_contacts(copy)) == 3
    shutil.copy(FIXTURES / "linkedin_connections.csv", copy)
    assert len(read_contacts(copy, fmt="linkedin")) == 3
    with pytest.raises(InputFileError) as info:
        read_contacts(copy, fmt="outlook")
    assert "unknown contacts format" in info.value.message


def test_plain_csv_and_yaml_take_the_new_fields(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(
        "- name: Giulia Conti\n  birthday: --03-12\n  profile_url: linkedin.com/in/giulia\n"
        "  anniversary: 2012-06-09\n  labels: \"A ::: B\"\n  connected_on: 15 Mar 2024\n",
        encoding="utf-8",
    )
    (record,) = read_contacts(path)
    assert record.birthday == date(NO_YEAR, 3, 12)
    assert record.profile_url == "https://linkedin.com/in/giulia"
    assert record.labels == "A ::: B" and record.connected_on == date(2024, 3, 15)


@pytest.mark.parametrize("name, line, fragment", [
    ("linkedin_bad_date.csv", 6, "not a real day: 31 Feb 2023"),
    ("linkedin_no_header.csv", 1, "no header row with First Name and Last Name"),
    ("google_bad_birthday.csv", 3, "birthday should be YYYY-MM-DD or --MM-DD"),
    ("vcard_missing_end.vcf", 10, "started at line 6 is never closed"),
    ("vcard_bad_bday.vcf", 8, "birthday is not a real day"),
])
@pytest.mark.slow
def test_malformed_files_are_refused_whole_with_the_line(db, name, line, fragment):
    load(db, "google_contacts.csv")
    before = by_name(db)
    with pytest.raises(InputFileError) as info:
        read_contacts(FIXTURES / name)
    assert info.value.line == line and fragment in info.value.message
    assert str(info.value).startswith(f"{FIXTURES / name}:{line}: ")
    assert by_name(db) == before


@pytest.mark.slow
def test_malformed_file_through_the_cli_stores_nothing(cli):
    cli("contacts", "import", str(FIXTURES / "linkedin_connections.csv"), "--as-of", "2026-10-01")
    bad = cli("contacts", "import", str(FIXTURES / "vcard_missing_end.vcf"), ok=False)
    assert bad.exit_code != 0
    assert "vcard_missing_end.vcf:10:" in bad.output
    listed = cli("contacts", "list", "--json")
    assert [c["name"] for c in json.loads(listed.output)] == [
        "Elena Bruno", "Giulia Conti", "Marco Rossi"]


# --- storing and merging ----------------------------------------------------------------

def test_import_stores_the_new_fields(db):
    report = load(db, "contacts.vcf")
    assert (report.added, report.updated) == (3, 0)
    giulia = by_name(db)["Giulia Conti"]
    assert giulia["birthday"] == "--03-12"  # no year: shown as --MM-DD
    assert giulia["anniversary"] == "2012-06-09"
    assert giulia["labels"] == "Recruiters ::: Coffee"
    assert giulia["profile_url"] == "https://www.linkedin.com/in/giulia-conti-4a1b2c"
    assert giulia["country"] == "IT"
    load(db, "linkedin_connections.csv")
    assert by_name(db)["Giulia Conti"]["connected_on"] == "2024-03-15"


def test_reimport_merges_by_email_url_and_name(db):
    load(db, "linkedin_connections.csv")  # Giulia, Marco (email + URL), Elena (URL)
    assert count(db, Contact) == 3
    # by email: Google legacy's Marco has an email, no URL
    report = load(db, "google_contacts_legacy.csv", DAY2)
    assert (report.added, report.updated) == (1, 1)  # Paolo is new
    marco = by_name(db)["Marco Rossi"]
    assert marco["birthday"] == "1979-07-21"
    assert marco["profile_url"] == "https://www.linkedin.com/in/marcorossi"  # kept
    # by profile URL: the vCard's Giulia has an email the stored Giulia lacks
    report = load(db, "contacts.vcf", DAY2)
    assert report.added == 2 and report.updated == 1  # Jean and Sara are new
    giulia = by_name(db)["Giulia Conti"]
    assert giulia["email"] == "giulia.conti@example.com"
    # by name: the old LinkedIn export has no URL; Giulia and Paolo are matched by name/email
    report = load(db, "linkedin_connections_old.csv", DAY2)
    assert report.added == 0
    assert count(db, Contact) == 6
    # the same file twice: nothing changes
    again = load(db, "linkedin_connections_old.csv", DAY2)
    assert (again.added, again.updated, again.unchanged) == (0, 0, 2)


def test_url_match_ignores_scheme_www_and_trailing_slash(db):
    assert normalise_url("https://www.linkedin.com/in/Giulia-Conti/?trk=x") == \
        normalise_url("http://it.linkedin.com/in/giulia-conti")
    load(db, "linkedin_connections.csv")
    load(db, "linkedin_connections_later.csv", DAY2)  # Giulia's URL now ends with "/"
    assert count(db, Contact) == 3


def test_same_name_different_profile_urls_are_two_people(db, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("- name: Marco Rossi\n  profile_url: https://www.linkedin.com/in/marco-rossi-99\n",
                    encoding="utf-8")
    load(db, "linkedin_connections.csv")
    import_contacts(db, read_contacts(path), DAY2)
    with db.session() as s:
        assert len(s.scalars(select(Contact).where(Contact.name == "Marco Rossi")).all()) == 2


# --- job changes ------------------------------------------------------------------------

def test_job_change_is_recorded_dated_and_flags_projects(db):
    load(db, "linkedin_connections.csv")
    edit_contact(db, "Giulia Conti", as_of=DAY1, add_project="Sourcing Brazilian coffee")
    edit_contact(db, "Elena Bruno", as_of=DAY1, add_project="Kafka migration")
    report = load(db, "linkedin_connections_later.csv", DAY2)
    assert (report.added, report.updated, report.unchanged) == (0, 2, 1)
    changes = {j.contact: j for j in report.job_changes}
    assert set(changes) == {"Giulia Conti", "Marco Rossi"}
    giulia = changes["Giulia Conti"]
    assert (giulia.date, giulia.old_company, giulia.old_role, giulia.new_company, giulia.new_role) \
        == (DAY2, "Caffè Aurora", "Head of Sourcing", "Torrefazione Milano", "Procurement Director")
    assert len(giulia.projects_flagged) == 1
    marco = changes["Marco Rossi"]
    assert (marco.old_role, marco.new_role, marco.new_company) == \
        ("Senior Headhunter", "Partner", "Rossi, Bianchi & Partners")
    assert any(line.startswith("job change Giulia Conti:") for line in report.changes)
    with db.session() as s:
        rows = s.scalars(select(JobChange).order_by(JobChange.id)).all()
        assert [(r.contact.name, r.date) for r in rows] == [
            ("Giulia Conti", DAY2), ("Marco Rossi", DAY2)]
        flagged = {p.contact.name: p.needs_review for p in s.scalars(select(Project))}
    assert flagged == {"Giulia Conti": True, "Elena Bruno": False}
    people = by_name(db)
    assert people["Giulia Conti"]["company"] == "Torrefazione Milano"
    assert people["Giulia Conti"]["projects_to_review"] == [people["Giulia Conti"]["projects"][0]["id"]]
    # the same export again: no new job change
    assert load(db, "linkedin_connections_later.csv", DAY3).job_changes == []
    assert count(db, JobChange) == 2
    # confirming the project clears the flag
    edit_contact(db, "Giulia Conti", as_of=DAY3, add_project="Sourcing Brazilian coffee")
    assert by_name(db)["Giulia Conti"]["projects_to_review"] == []


def test_filling_an_empty_company_is_not_a_job_change(db, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text("- name: Giulia Conti\n  profile_url: https://www.linkedin.com/in/giulia-conti-4a1b2c\n",
                    encoding="utf-8")
    import_contacts(db, read_contacts(path), DAY1)
    report = load(db, "linkedin_connections.csv", DAY2)
    assert report.job_changes == [] and count(db, JobChange) == 0


@pytest.mark.slow
def test_new_company_without_role_clears_the_old_role(db, tmp_path):
    load(db, "linkedin_connections.csv")
    path = tmp_path / "c.yaml"
    path.write_text("- name: Marco Rossi\n  email: marco.rossi@example.com\n  company: Hays\n",
                    encoding="utf-8")
    report = import_contacts(db, read_contacts(path), DAY2)
    (job,) = report.job_changes
    assert (job.old_company, job.new_company, job.new_role) == \
        ("Rossi, Bianchi & Partners", "Hays", "")
    assert by_name(db)["Marco Rossi"]["role"] == ""


# --- dry run ----------------------------------------------------------------------------

def test_dry_run_reports_and_changes_nothing(db):
    load(db, "linkedin_connections.csv")
    edit_contact(db, "Giulia Conti", as_of=DAY1, add_project="Sourcing Brazilian coffee")
    before = by_name(db)
    report = load(db, "linkedin_connections_later.csv", DAY2, dry_run=True)
    assert report.dry_run and (report.updated, len(report.job_changes)) == (2, 2)
    assert any("company 'Caffè Aurora' → 'Torrefazione Milano'" in line for line in report.changes)
    report = load(db, "contacts.vcf", DAY2, dry_run=True)
    assert report.added == 2 and "add Jean Dupont (Talent Acquisition Lead at Banque du Rhône)" \
        in report.changes
    assert by_name(db) == before
    assert count(db, JobChange) == 0 and count(db, Contact) == 3


def test_cli_dry_run_and_format(cli, tmp_path):
    copy = tmp_path / "Connections.txt"
    shutil.copy(FIXTURES / "linkedin_connections.csv", copy)
    assert "3 added" in cli("contacts", "import", str(copy), "--format", "linkedin",
                            "--as-of", "2026-10-01").output
    out = cli("contacts", "import", str(FIXTURES / "linkedin_connections_later.csv"),
              "--dry-run", "--as-of", "2026-11-15").output
    assert "dry run, nothing stored" in out and "job change Giulia Conti" in out
    rows = json.loads(cli("contacts", "list", "--json").output)
    assert {r["name"]: r["company"] for r in rows}["Giulia Conti"] == "Caffè Aurora"
    out = cli("contacts", "import", str(FIXTURES / "linkedin_connections_later.csv"),
              "--as-of", "2026-11-15").output
    assert "2 job changes" in out
    rows = json.loads(cli("contacts", "list", "--json").output)
    assert {r["name"]: r["company"] for r in rows}["Giulia Conti"] == "Torrefazione Milano"


# --- the migration ----------------------------------------------------------------------

def test_migration_0002_upgrades_a_0001_database(tmp_path):
    from alembic import command
    from alembic.config import Config

    from matcher.db import MIGRATIONS, make_engine

    url = f"sqlite:///{tmp_path}/old.db"
    engine = make_engine(url)
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0001")
        conn.execute(text(
            "INSERT INTO contacts (name, kind, company, role, country, language, channel, notes,"
            " do_not_contact) VALUES ('Old Friend', '', 'Acme', 'CFO', '', '', '', '', 0)"))
        conn.execute(text("INSERT INTO projects (contact_id, text) VALUES (1, 'Old project')"))
    engine.dispose()
    database = Database(url)
    try:
        assert "job_changes" in database.tables()
        columns = {c["name"] for c in inspect(database.engine).get_columns("contacts")}
        assert {"profile_url", "anniversary", "labels", "connected_on"} <= columns
        old = by_name(database)["Old Friend"]
        assert old["profile_url"] == "" and old["labels"] == "" and old["projects_to_review"] == []
    finally:
        database.close()
