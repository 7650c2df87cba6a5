"""Reading contacts files: YAML and CSV, and refusing bad ones with the right line."""

from datetime import date
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.contacts import TEMPLATE_PATH, read_contacts
from matcher.contacts.importer import CSV_COLUMNS, parse_csv, parse_row, parse_yaml
from matcher.contacts.records import ContactRecord, ProjectRecord
from matcher.errors import InputFileError

SAMPLE = Path(__file__).parent.parent / "data" / "contacts.yaml"

GOOD_YAML = """\
# a comment
- name: Giulia Conti
  email: giulia.conti@example.com
  kind: Recruiter
  company: Caffè Aurora
  role: Head of sourcing
  country: it
  language: IT
  cadence_days: 30
  do_not_contact: no
  birthday: 1984-03-12
  projects:
    - text: Renegotiating green coffee supply contracts with growers in Brazil.
      since: 2026-09-01
    - Restoring a boat
- name: Lars Olsen
  country: NO
  language: no
"""


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def refused(path, fmt=None) -> InputFileError:
    with pytest.raises(InputFileError) as info:
        read_contacts(path, fmt=fmt)
    assert info.value.path == str(path)
    return info.value


def test_yaml_happy_path(tmp_path):
    records = read_contacts(write(tmp_path, "c.yaml", GOOD_YAML))
    assert records == [
        ContactRecord(
            name="Giulia Conti", email="giulia.conti@example.com", kind="recruiter",
            company="Caffè Aurora", role="Head of sourcing", country="IT", language="it",
            cadence_days=30, do_not_contact=False, birthday=date(1984, 3, 12),
            projects=[
                ProjectRecord(
                    "Renegotiating green coffee supply contracts with growers in Brazil.",
                    since=date(2026, 9, 1),
                ),
                ProjectRecord("Restoring a boat"),
            ],
        ),
        # YAML 1.1 would read NO as false: codes are taken as written.
        ContactRecord(name="Lars Olsen", country="NO", language="no"),
    ]


def test_yml_extension_and_fmt_override(tmp_path):
    assert len(read_contacts(write(tmp_path, "c.yml", GOOD_YAML))) == 2
    assert len(read_contacts(write(tmp_path, "c.txt", GOOD_YAML), fmt="yaml")) == 2
    error = refused(write(tmp_path, "c.txt", GOOD_YAML))
    assert "unknown contacts format" in error.message


def test_template_and_sample_are_importable():
    assert read_contacts(TEMPLATE_PATH)[0].name == "Giulia Conti"
    sample = read_contacts(SAMPLE)
    assert 6 <= len(sample) <= 8
    assert {r.kind for r in sample} >= {"recruiter", "headhunter", "colleague", "mentor", "friend"}
    assert any(r.do_not_contact for r in sample)
    assert all(r.projects for r in sample)


def test_csv_happy_path(tmp_path):
    text = (
        "name,email,kind,company,country,birthday,project,project_since,project_until,projects\n"
        'Giulia Conti,giulia.conti@example.com,recruiter,"Caffè Aurora, Milano",IT,1984-03-12,'
        "Coffee contracts,2026-09-01,,Trade fair | Sailing \n"
        "Marco Rossi,,,,,,,,,\n"
        "\n"
        '"Anna\nBianchi",,,,,,Old job,2020-01-01,2021-01-01,\n'
    )
    records = read_contacts(write(tmp_path, "c.csv", text))
    assert records[0] == ContactRecord(
        name="Giulia Conti", email="giulia.conti@example.com", kind="recruiter",
        company="Caffè Aurora, Milano", country="IT", birthday=date(1984, 3, 12),
        projects=[
            ProjectRecord("Coffee contracts", since=date(2026, 9, 1)),
            ProjectRecord("Trade fair"),
            ProjectRecord("Sailing"),
        ],
    )
    assert records[1] == ContactRecord(name="Marco Rossi")
    assert records[2].name == "Anna Bianchi"
    assert records[2].projects == [ProjectRecord("Old job", date(2020, 1, 1), date(2021, 1, 1))]


def test_csv_semicolons_and_bom(tmp_path):
    path = tmp_path / "c.csv"
    path.write_bytes("\ufeffName;Email;Company\nGiulia;g@example.com;Caffè, Aurora\n".encode())
    assert read_contacts(path) == [
        ContactRecord(name="Giulia", email="g@example.com", company="Caffè, Aurora")
    ]


@pytest.mark.parametrize("text", ["", "\n", "# nothing yet\n"])
def test_empty_yaml_is_an_empty_list(tmp_path, text):
    assert read_contacts(write(tmp_path, "c.yaml", text)) == []


def test_empty_csv_is_an_empty_list(tmp_path):
    assert read_contacts(write(tmp_path, "c.csv", "")) == []
    assert read_contacts(write(tmp_path, "c.csv", "name,email\n")) == []


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("- name: A\n- name: B\n  birthday: 12/03/1984\n", 3, "birthday should be YYYY-MM-DD"),
        ("- name: A\n  birthday: 2026-02-30\n", 2, "not a real day"),
        ("- name: A\n  projects:\n    - text: x\n      since: 2026-9-1\n", 4, "project since"),
        ("- name: A\n  projects:\n    - text: x\n      since: 2026-09-01\n"
         "      until: 2026-01-01\n", 3, "after until"),
        ("- name: A\n  emial: a@example.com\n", 2, "did you mean 'email'"),
        ("- name: A\n  projects:\n    - txt: x\n", 3, "did you mean 'text'"),
        ("- name: A\n- email: b@example.com\n  kind: friend\n", 2, "needs a name"),
        ("- name: '  '\n", 1, "needs a name"),
        ("- name: A\n  email: not-an-email\n", 2, "does not look like an email"),
        ("- name: A\n  cadence_days: 0\n", 2, "positive"),
        ("- name: A\n  cadence_days: often\n", 2, "whole number"),
        ("- name: A\n  do_not_contact: maybe\n", 2, "true or false"),
        ("- name: A\n  country: Italy\n", 2, "two-letter"),
        ("- name: A\n  name: B\n", 2, "given twice"),
        ("- name: [A, B]\n", 1, "single value"),
        ("- name: A\n  projects:\n    - since: 2026-01-01\n", 3, "needs a text"),
        ("- name: A\n  email: a@example.com\n- name: B\n  email: A@Example.com\n", 3,
         "appears twice (also at line 1)"),
        ("name: A\n", 1, "expected a list of contacts"),
        ("- just a string\n", 1, "should be a mapping"),
    ],
)
def test_bad_yaml_contact_names_file_and_line(tmp_path, text, line, words):
    error = refused(write(tmp_path, "c.yaml", text))
    assert error.line == line
    assert words in error.message
    assert str(error).startswith(f"{tmp_path / 'c.yaml'}:{line}: ")


@pytest.mark.parametrize(
    "text, line",
    [
        ("- name: A\n  email: [unclosed\n- name: B\n", 3),
        ("- name: A\n   kind: x\n", 2),
        ("- name: A\n  notes: \"bad \\q escape\"\n", 2),
        ("- name: A\n---\n- name: B\n", 2),
        ("- name: A\x07\n", 1),
    ],
)
def test_bad_yaml_syntax(tmp_path, text, line):
    error = refused(write(tmp_path, "c.yaml", text))
    assert error.message.startswith("invalid YAML")
    assert error.line == line


def test_not_utf8(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_bytes(b"- name: A\n- name: Caff\xe8\n")
    error = refused(path)
    assert error.line == 2 and "UTF-8" in error.message


def test_missing_file(tmp_path):
    assert "cannot read" in refused(tmp_path / "nope.yaml").message


@pytest.mark.parametrize(
    "text, line, words",
    [
        ("name,emial\nA,a@example.com\n", 1, "did you mean 'email'"),
        ("email\na@example.com\n", 1, "no 'name' column"),
        ("name,name\nA,B\n", 1, "twice"),
        ("name,birthday\nA,1984-03-12\n\nB,1984-13-01\n", 4, "not a real day"),
        ('name,notes\n"A","two\nlines"\nB,x,y\n', 4, "3 cells but the header has 2"),
        ("name,project,project_since,project_until\nA,x,2026-02-01,2026-01-01\n", 2, "after"),
        ("name,project_since\nA,2026-02-01\n", 2, "needs a text"),
        ("name,email\n,a@example.com\n", 2, "needs a name"),
        ("name,\nA,oops\n", 2, "no header"),
    ],
)
def test_bad_csv_names_file_and_line(tmp_path, text, line, words):
    error = refused(write(tmp_path, "c.csv", text))
    assert error.line == line
    assert words in error.message


@pytest.mark.parametrize("text, line", [('name\nA\n"B\n', 3), ('name\n"A"B\n', 2)])
def test_bad_csv_syntax(tmp_path, text, line):
    error = refused(write(tmp_path, "c.csv", text))
    assert error.message.startswith("invalid CSV") and error.line == line


def test_control_characters_are_dropped(tmp_path):
    path = write(tmp_path, "c.csv", "name,company\nA\x1b[31m,Ev\x00il\n")
    assert read_contacts(path) == [ContactRecord(name="A", company="Evil")]


# --- properties: whatever the values, the only failure is InputFileError -------------------

VALUES = st.one_of(
    st.none(),
    st.text(max_size=30),
    st.from_regex(r"\d{4}-\d{2}-\d{2}", fullmatch=True),
    st.dates(),
    st.datetimes(),
    st.integers(),
    st.booleans(),
    st.floats(),
    st.lists(st.text(max_size=5), max_size=2),
)
KEYS = st.one_of(st.sampled_from(CSV_COLUMNS), st.text(max_size=10))


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, VALUES, max_size=8))
def test_row_parser_only_raises_input_file_error(row):
    try:
        record = parse_row(row, "p.csv", 7)
    except InputFileError as exc:
        assert exc.line == 7 and exc.path == "p.csv" and exc.message
        return
    assert record.name.strip()
    for project in record.projects:
        assert project.text
        assert not (project.since and project.until and project.since > project.until)


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_any_text_is_a_contacts_file_or_a_clear_error(text):
    for parse in (parse_yaml, parse_csv):
        try:
            records = parse(text, "c")
        except InputFileError as exc:
            assert exc.message
        else:
            assert all(isinstance(r, ContactRecord) for r in records)


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(st.dictionaries(st.sampled_from(["name", "email", "birthday", "cadence_days",
                                        "do_not_contact", "country", "projects"]),
                       st.text(max_size=20), min_size=1))
def test_yaml_values_only_raise_input_file_error(values):
    import yaml

    text = yaml.safe_dump([values], allow_unicode=True)
    try:
        parse_yaml(text, "c.yaml")
    except InputFileError:
        pass
