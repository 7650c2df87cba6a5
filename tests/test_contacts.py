"""Contacts in a real SQLite file: import and merge, find, list, add, edit, confirm, remove."""

from datetime import date

import pytest
from sqlalchemy import select

from matcher.contacts import (
    ContactRecord,
    ImportReport,
    ProjectRecord,
    add_contact,
    confirm_projects,
    contact_to_dict,
    edit_contact,
    find_contact,
    import_contacts,
    list_contacts,
    read_contacts,
    remove_contact,
)
from matcher.errors import InputFileError, MatcherError, NotFound
from matcher.models import Contact, Project, Touch

DAY1 = date(2026, 10, 1)
DAY2 = date(2026, 11, 1)

FIRST = """\
- name: Giulia Conti
  email: giulia.conti@example.com
  kind: recruiter
  company: Caffè Aurora
  projects:
    - text: Renegotiating green coffee supply contracts with growers in Brazil.
      since: 2026-09-01
- name: Luca Ferrari
  kind: colleague
  projects:
    - Migrating the data platform to Kubernetes
- name: Paolo Greco
  kind: friend
"""


@pytest.fixture
def db(home_db):
    return home_db


def load(db, tmp_path, text, name="c.yaml", as_of=DAY1) -> ImportReport:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return import_contacts(db, read_contacts(path), as_of)


def snapshot(db):
    with db.session() as s:
        return [contact_to_dict(c) for c in list_contacts(s)]


def test_import_stores_contacts_and_projects(db, tmp_path):
    assert load(db, tmp_path, FIRST) == ImportReport(added=3, updated=0, unchanged=0)
    rows = snapshot(db)
    assert [r["name"] for r in rows] == ["Giulia Conti", "Luca Ferrari", "Paolo Greco"]
    giulia = rows[0]
    assert giulia["email"] == "giulia.conti@example.com"
    assert giulia["company"] == "Caffè Aurora"
    assert giulia["created_on"] == "2026-10-01"
    assert giulia["projects"] == [{
        "id": giulia["projects"][0]["id"],
        "text": "Renegotiating green coffee supply contracts with growers in Brazil.",
        "since": "2026-09-01", "until": None, "confirmed_on": "2026-10-01",
    }]
    assert set(giulia) >= {
        "id", "name", "email", "company", "role", "kind", "country", "language", "channel",
        "cadence_days", "do_not_contact", "snoozed_until", "birthday", "projects",
    }


def test_bad_file_is_refused_whole_and_stored_data_is_intact(db, tmp_path):
    load(db, tmp_path, FIRST)
    before = snapshot(db)
    bad = "- name: Nuova Persona\n  email: nuova@example.com\n- name: Altra\n  birthday: 1990-02-31\n"
    with pytest.raises(InputFileError) as info:
        load(db, tmp_path, bad, name="bad.yaml", as_of=DAY2)
    assert info.value.line == 4 and info.value.path.endswith("bad.yaml")
    assert snapshot(db) == before


def test_failure_inside_the_transaction_rolls_back(db, tmp_path):
    load(db, tmp_path, FIRST)
    add_contact(db, ContactRecord(name="Luca Ferrari", email="luca.other@example.com"), DAY1)
    before = snapshot(db)
    records = [
        ContactRecord(name="Someone New"),
        ContactRecord(name="Giulia Conti", role="Changed"),
        ContactRecord(name="luca ferrari"),  # two stored Luca Ferrari could be meant
    ]
    with pytest.raises(MatcherError, match="matches 2 stored contacts"):
        import_contacts(db, records, DAY2)
    assert snapshot(db) == before


def test_reimport_merges(db, tmp_path):
    load(db, tmp_path, FIRST)
    first = {r["name"]: r for r in snapshot(db)}
    second = """\
- name: GIULIA conti
  email: Giulia.Conti@Example.com
  role: Head of sourcing
  projects:
    - text: renegotiating green coffee supply contracts with growers in brazil
      since: 2026-09-01
      until: 2026-12-31
    - text: Opening a roastery in Turin
- name: Luca  Ferràri
  email: luca.ferrari@example.com
  country: it
  projects:
    - Migrating the data platform to Kubernetes.
- name: Paolo Greco
  kind: friend
- name: Elena Marchetti
  kind: mentor
"""
    report = load(db, tmp_path, second, as_of=DAY2)
    assert report == ImportReport(added=1, updated=2, unchanged=1)
    rows = {r["name"]: r for r in snapshot(db)}
    assert len(rows) == 4
    giulia = rows["GIULIA conti"]  # the file's spelling wins, the person is the same
    assert giulia["id"] == first["Giulia Conti"]["id"]
    assert giulia["company"] == "Caffè Aurora"  # not in the file: kept
    assert giulia["role"] == "Head of sourcing"  # filled
    coffee, roastery = giulia["projects"]
    assert coffee["id"] == first["Giulia Conti"]["projects"][0]["id"]
    assert coffee["confirmed_on"] == "2026-11-01" and coffee["until"] == "2026-12-31"
    assert coffee["since"] == "2026-09-01"
    assert roastery == {**roastery, "text": "Opening a roastery in Turin",
                        "confirmed_on": "2026-11-01", "since": None}
    luca = rows["Luca Ferràri"]
    assert luca["id"] == first["Luca Ferrari"]["id"]
    assert luca["email"] == "luca.ferrari@example.com" and luca["country"] == "IT"
    assert len(luca["projects"]) == 1 and luca["projects"][0]["confirmed_on"] == "2026-11-01"
    assert rows["Paolo Greco"]["created_on"] == "2026-10-01"
    assert rows["Elena Marchetti"]["created_on"] == "2026-11-01"
    # The same file again changes nothing but confirmations.
    assert load(db, tmp_path, second, as_of=DAY2) == ImportReport(0, 0, 4)


def test_projects_missing_from_the_file_are_left_alone(db, tmp_path):
    load(db, tmp_path, FIRST)
    load(db, tmp_path, "- name: Luca Ferrari\n  projects: [A new thing]\n", as_of=DAY2)
    luca = next(r for r in snapshot(db) if r["name"] == "Luca Ferrari")
    assert [(p["text"], p["confirmed_on"]) for p in luca["projects"]] == [
        ("Migrating the data platform to Kubernetes", "2026-10-01"),
        ("A new thing", "2026-11-01"),
    ]


def test_same_name_different_email_is_another_person(db, tmp_path):
    load(db, tmp_path, "- name: Marco Rossi\n  email: marco@example.com\n")
    report = load(db, tmp_path, "- name: Marco Rossi\n  email: mrossi@example.org\n")
    assert report.added == 1 and len(snapshot(db)) == 2


def test_import_only_switches_do_not_contact_on(db, tmp_path):
    load(db, tmp_path, "- name: A\n  do_not_contact: true\n")
    load(db, tmp_path, "- name: A\n  do_not_contact: false\n")
    assert snapshot(db)[0]["do_not_contact"] is True


def test_csv_import(db, tmp_path):
    text = "name,email,projects\nGiulia Conti,giulia.conti@example.com,Coffee | Tea\n"
    assert load(db, tmp_path, text, name="c.csv").added == 1
    assert [p["text"] for p in snapshot(db)[0]["projects"]] == ["Coffee", "Tea"]


def test_sample_data_imports(db):
    from pathlib import Path

    records = read_contacts(Path(__file__).parent.parent / "data" / "contacts.yaml")
    report = import_contacts(db, records, DAY1)
    assert report.added == len(records) and report.updated == report.unchanged == 0


# --- find -------------------------------------------------------------------------------

@pytest.fixture
def people(db, tmp_path):
    load(db, tmp_path, """\
- name: Giulia Conti
  email: giulia.conti@example.com
- name: Giulio Contini
- name: Marco Rossi
- name: Marco Rossini
- name: Élodie Martin
""")
    return db


@pytest.mark.parametrize(
    "ref, name",
    [
        ("GIULIA.CONTI@example.com", "Giulia Conti"),
        ("giulia conti", "Giulia Conti"),
        ("  Marco   Rossi ", "Marco Rossi"),   # exact beats the substring of Rossini
        ("rossini", "Marco Rossini"),
        ("elodie", "Élodie Martin"),
        ("contini", "Giulio Contini"),
    ],
)
@pytest.mark.slow
def test_find_contact(people, ref, name):
    with people.session() as s:
        assert find_contact(s, ref).name == name


def test_find_contact_by_id(people):
    with people.session() as s:
        marco = find_contact(s, "Marco Rossi")
        assert find_contact(s, str(marco.id)) is marco
        assert find_contact(s, f"#{marco.id}") is marco
        with pytest.raises(NotFound, match="no contact with id 999"):
            find_contact(s, "999")


def test_find_contact_ambiguous_lists_candidates(people):
    with people.session() as s:
        with pytest.raises(NotFound) as info:
            find_contact(s, "marco")
    message = str(info.value)
    assert "'marco' matches 2 contacts" in message
    assert "Marco Rossi (#" in message and "Marco Rossini (#" in message
    assert "\n" not in message


def test_find_contact_lists_at_most_five(db, tmp_path):
    load(db, tmp_path, "".join(f"- name: Anna {i}\n" for i in range(7)))
    with db.session() as s, pytest.raises(NotFound, match="matches 7 contacts.*and 2 more"):
        find_contact(s, "anna")


def test_find_contact_nothing(people):
    with people.session() as s, pytest.raises(NotFound, match="no contact matches 'zeta'"):
        find_contact(s, "zeta")


# --- add, edit, remove ------------------------------------------------------------------

@pytest.mark.slow
def test_add_contact(db):
    contact = add_contact(
        db, ContactRecord(name=" Anna  Bianchi ", email="anna@example.com", country="es",
                          projects=[ProjectRecord("Solar PPAs", since=date(2026, 1, 1))]),
        DAY1,
    )
    assert contact.id and contact.name == "Anna Bianchi" and contact.country == "ES"
    assert contact_to_dict(contact)["projects"][0]["confirmed_on"] == "2026-10-01"
    with pytest.raises(MatcherError, match="already has the email"):
        add_contact(db, ContactRecord(name="Other", email="ANNA@example.com"), DAY1)
    with pytest.raises(MatcherError, match="needs a name"):
        add_contact(db, ContactRecord(name=" "), DAY1)
    with pytest.raises(MatcherError, match="email"):
        add_contact(db, ContactRecord(name="X", email="nope"), DAY1)


@pytest.mark.slow
def test_edit_contact(people):
    contact = edit_contact(
        people, "giulia conti", role="Head of sourcing", cadence_days="45",
        snoozed_until="2026-12-01", birthday=date(1984, 3, 12), email="",
        add_project="Opening a roastery", as_of=DAY2,
    )
    row = contact_to_dict(contact)
    assert row["role"] == "Head of sourcing" and row["cadence_days"] == 45
    assert row["snoozed_until"] == "2026-12-01" and row["birthday"] == "1984-03-12"
    assert row["email"] is None
    (project,) = row["projects"]
    assert project["text"] == "Opening a roastery"
    assert project["since"] == "2026-11-01" and project["confirmed_on"] == "2026-11-01"

    contact = edit_contact(people, str(contact.id), end_project=project["id"],
                           as_of=date(2026, 11, 20))
    assert contact_to_dict(contact)["projects"][0]["until"] == "2026-11-20"
    # Stored, not just returned.
    with people.session() as s:
        assert find_contact(s, "giulia conti").projects[0].until == date(2026, 11, 20)


def test_edit_contact_refuses_bad_changes(people):
    before = snapshot(people)
    with pytest.raises(MatcherError, match="YYYY-MM-DD"):
        edit_contact(people, "giulia conti", snoozed_until="next week")
    with pytest.raises(MatcherError, match="positive"):
        edit_contact(people, "giulia conti", cadence_days=-3)
    with pytest.raises(NotFound, match="no project #999"):
        edit_contact(people, "giulia conti", role="Changed", end_project=999, as_of=DAY2)
    with pytest.raises(TypeError, match="cannot edit"):
        edit_contact(people, "giulia conti", shoe_size=42)
    with pytest.raises(MatcherError, match="already has the email"):
        edit_contact(people, "marco rossi", email="Giulia.Conti@example.com")
    with pytest.raises(NotFound):
        edit_contact(people, "marco", role="x")
    assert snapshot(people) == before


def test_remove_contact_with_its_projects_and_touches(people):
    with people.session() as s:
        giulia = find_contact(s, "giulia conti")
        giulia.projects.append(Project(text="Coffee", confirmed_on=DAY1))
        s.add(Touch(contact=giulia, kind="email", date=DAY1))
    removed = remove_contact(people, "giulia.conti@example.com")
    assert removed.name == "Giulia Conti"
    with people.session() as s:
        assert s.scalars(select(Contact.name).where(Contact.name == "Giulia Conti")).all() == []
        assert s.scalars(select(Project)).all() == []
        assert s.scalars(select(Touch)).all() == []
        assert len(list_contacts(s)) == 4
    with pytest.raises(NotFound):
        remove_contact(people, "giulia conti")


@pytest.mark.slow
def test_list_contacts_orders_by_name_ignoring_accents_and_case(people):
    with people.session() as s:
        names = [c.name for c in list_contacts(s)]
    assert names == ["Élodie Martin", "Giulia Conti", "Giulio Contini", "Marco Rossi",
                     "Marco Rossini"]


def test_confirm_projects_one_by_id_or_text_or_all(db, tmp_path):
    load(db, tmp_path, FIRST)
    # a job change flags Giulia's project for review
    load(db, tmp_path, "- name: Giulia Conti\n  email: giulia.conti@example.com\n"
                       "  company: Torrefazione Nord\n", name="job.yaml", as_of=DAY2)
    (coffee,) = snapshot(db)[0]["projects"]
    assert snapshot(db)[0]["projects_to_review"] == [coffee["id"]]
    day = date(2026, 11, 15)
    name, done = confirm_projects(db, "giulia", "GREEN coffee", as_of=day)
    assert (name, done) == ("Giulia Conti", [{"id": coffee["id"], "text": coffee["text"],
                                              "confirmed_on": "2026-11-15"}])
    giulia = snapshot(db)[0]
    assert giulia["projects_to_review"] == [] and giulia["projects"][0]["confirmed_on"] == "2026-11-15"
    edit_contact(db, "luca", add_project="Hiring two data engineers", as_of=DAY2)
    name, done = confirm_projects(db, "luca", as_of=day)  # every current project
    assert [p["text"] for p in done] == ["Migrating the data platform to Kubernetes", "Hiring two data engineers"]
    assert confirm_projects(db, "luca", f"#{done[1]['id']}", as_of=date(2026, 11, 16))[1][0]["confirmed_on"] == "2026-11-16"


def test_confirm_projects_refuses_what_it_cannot_name(db, tmp_path):
    load(db, tmp_path, FIRST)
    edit_contact(db, "luca", add_project="Migrating the CI to Kubernetes", as_of=DAY2)
    before = snapshot(db)
    with pytest.raises(MatcherError, match="in 2 projects of Luca Ferrari"):
        confirm_projects(db, "luca", "kubernetes", as_of=DAY2)
    with pytest.raises(NotFound, match="no current project of Luca Ferrari contains 'cobol'"):
        confirm_projects(db, "luca", "cobol", as_of=DAY2)
    with pytest.raises(NotFound, match="has no project #999"):
        confirm_projects(db, "luca", "999", as_of=DAY2)
    with pytest.raises(NotFound, match="Paolo Greco has no current project"):
        confirm_projects(db, "paolo", as_of=DAY2)
    luca = before[[c["name"] for c in before].index("Luca Ferrari")]
    edit_contact(db, "luca", end_project=luca["projects"][0]["id"], as_of=DAY2)
    with pytest.raises(MatcherError, match="ended on 2026-11-01"):
        confirm_projects(db, "luca", str(luca["projects"][0]["id"]), as_of=date(2026, 11, 2))
