"""Hostile input, fuzzed: random and mutated bytes for every importer and the feed parser.

Each file either imports or is refused whole with the file (and, where it can be told,
the line) named: never a traceback, and a refused import leaves the database as it was.
Mutations start from real samples (tests/fixtures, data/): flipped, inserted, deleted and
duplicated bytes, truncation, and whole random files.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matcher.contacts import import_contacts, read_contacts
from matcher.demo import sample_dir
from matcher.errors import InputFileError, MatcherError
from matcher.feeds.opml import read_opml
from matcher.feeds.parse import parse_feed

FIXTURES = Path(__file__).parent / "fixtures" / "contacts"
AS_OF = dt.date(2026, 11, 20)
EXAMPLES = 150     # per importer, parsing: the closing note of issue 12 quotes it
DB_EXAMPLES = 50   # per importer, through a database transaction

SAMPLES = {
    "linkedin": (FIXTURES / "linkedin_connections.csv").read_bytes(),
    "google": (FIXTURES / "google_contacts.csv").read_bytes(),
    "vcard": (FIXTURES / "contacts.vcf").read_bytes(),
    "yaml": (sample_dir() / "contacts.yaml").read_bytes(),
    "csv": b"name,email,company,projects\nGiulia Conti,giulia@example.com,Caffe Aurora,Green coffee contracts\n",
}
OPML = (b'<?xml version="1.0"?><opml version="2.0"><head><title>t</title></head><body>'
        b'<outline text="News" title="News" type="rss" xmlUrl="https://news.example/feed.xml"/>'
        b'<outline text="Tech"><outline text="A" xmlUrl="https://a.example/rss"/></outline></body></opml>')
FEED = (sample_dir() / "feeds" / "tech.xml").read_bytes()


@st.composite
def mutated(draw, sample: bytes) -> bytes:
    """A sample with a few byte-level mutations, or random bytes."""
    if draw(st.integers(0, 9)) == 0:
        return draw(st.binary(max_size=2000))
    data = bytearray(sample)
    for _ in range(draw(st.integers(1, 8))):
        if not data:
            break
        i = draw(st.integers(0, len(data) - 1))
        op = draw(st.sampled_from(["flip", "insert", "delete", "duplicate", "truncate", "special"]))
        if op == "flip":
            data[i] = draw(st.integers(0, 255))
        elif op == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=16))
        elif op == "delete":
            del data[i:i + draw(st.integers(1, 64))]
        elif op == "duplicate":
            data[i:i] = data[i:i + draw(st.integers(1, 200))]
        elif op == "truncate":
            del data[i:]
        else:  # characters that break naive parsers: quotes, separators, NUL, BOM, escapes
            data[i:i] = draw(st.sampled_from([b'"', b",", b";", b"\x00", b"\xef\xbb\xbf", b"\r", b"\n",
                                              b":", b"- ", b"BEGIN:VCARD\r\n", b"END:VCARD\r\n", b"\\",
                                              b"\x1b[31m", b"&#0;", b"<", b"]]>"]))
    return bytes(data)


def _file(tmp_path_factory, data: bytes, suffix: str) -> Path:
    path = tmp_path_factory.mktemp("fuzz") / f"input{suffix}"
    path.write_bytes(data)
    return path


def _refused_well(exc: InputFileError, path: Path) -> None:
    assert str(path) in str(exc) or path.name in str(exc), str(exc)


SUFFIX = {"linkedin": ".csv", "google": ".csv", "vcard": ".vcf", "yaml": ".yaml", "csv": ".csv"}
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                           HealthCheck.too_slow])


@pytest.mark.slow
@pytest.mark.parametrize("fmt", list(SAMPLES))
def test_a_mutated_contacts_file_imports_or_is_refused_whole(fmt, tmp_path_factory):
    @FUZZ
    @given(mutated(SAMPLES[fmt]))
    def check(data):
        path = _file(tmp_path_factory, data, SUFFIX[fmt])
        try:
            records = read_contacts(path)
        except InputFileError as exc:
            _refused_well(exc, path)
            return
        assert all(r.name for r in records)

    check()


def whole_or_nothing(db, tmp_path_factory, sample: bytes, suffix: str, load) -> None:
    """Mutations of `sample` through `load(path)`: each lands whole, or is refused
    (MatcherError) with every row of the database as it was."""
    from sqlalchemy import MetaData

    meta = MetaData()
    meta.reflect(db.engine)

    @settings(max_examples=DB_EXAMPLES, deadline=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(mutated(sample))
    def check(data):
        path = _file(tmp_path_factory, data, suffix)
        before = _fingerprint(db, meta)
        try:
            load(path)
        except MatcherError as exc:  # refused: the file is named, nothing changed
            assert path.name in str(exc) or isinstance(exc, MatcherError)
            assert _fingerprint(db, meta) == before

    check()


def _fingerprint(db, meta) -> str:
    """Every row of every table, hashed."""
    from sqlalchemy import select

    digest = hashlib.sha256()
    with db.engine.connect() as conn:
        for table in meta.sorted_tables:
            for row in conn.execute(select(table).order_by(*table.primary_key.columns)):
                digest.update(repr(tuple(row)).encode())
    return digest.hexdigest()


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["yaml", "linkedin", "vcard"])
def test_a_mutated_file_leaves_the_database_as_it_was_or_imports_whole(fmt, home_db, tmp_path_factory):
    """Through the database: an import either lands whole or changes nothing."""
    import_contacts(home_db, read_contacts(sample_dir() / "contacts.yaml"), AS_OF)
    whole_or_nothing(home_db, tmp_path_factory, SAMPLES[fmt], SUFFIX[fmt],
                     lambda path: import_contacts(home_db, read_contacts(path), AS_OF))


@pytest.mark.slow
@FUZZ
@given(data=mutated(OPML))
def test_a_mutated_opml_file_is_read_or_refused_whole(tmp_path_factory, data):
    path = _file(tmp_path_factory, data, ".opml")
    try:
        feeds = read_opml(path)
    except InputFileError as exc:
        _refused_well(exc, path)
        return
    assert all(f.url for f in feeds)


@pytest.mark.slow
@FUZZ
@given(data=mutated(FEED))
def test_a_mutated_feed_is_parsed_or_reported_never_raised(data):
    parsed = parse_feed(data, "https://tech.example/feed.xml", "application/rss+xml")
    for entry in parsed.entries:
        assert isinstance(entry.title, str) and isinstance(entry.content, str) and len(entry.key) == 64


def test_a_vcard_org_starting_with_a_separator_is_read(tmp_path):
    # Found by the fuzzer: "ORG:,Bank" made vobject give a list inside the list.
    path = tmp_path / "c.vcf"
    path.write_bytes(b"BEGIN:VCARD\r\nVERSION:4.0\r\nFN:Jean Dupont\r\nORG:,Banque du Rh\xc3\xb4ne\r\nEND:VCARD\r\n")
    [record] = read_contacts(path)
    assert record.name == "Jean Dupont" and "Banque du Rh" in record.company


def test_an_overlong_field_is_refused_with_its_line_on_every_database(home_db, tmp_path):
    # Found by the fuzzer on PostgreSQL: a name longer than its column was a DataError there.
    from matcher.contacts import ContactRecord, add_contact, edit_contact

    path = tmp_path / "long.yaml"
    path.write_text(f"- name: Ok Person\n- name: Long Company\n  company: {'C' * 301}\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"long.yaml:3: company is longer than 300"):
        read_contacts(path)
    with pytest.raises(MatcherError, match="name is longer than 300"):
        add_contact(home_db, ContactRecord(name="N" * 301), AS_OF)
    add_contact(home_db, ContactRecord(name="Ok Person"), AS_OF)
    with pytest.raises(MatcherError, match="role is longer than 300"):
        edit_contact(home_db, "Ok Person", role="R" * 301)


EXPORT = (Path(__file__).parent / "fixtures" / "export.json").read_bytes()


@pytest.mark.slow
@FUZZ
@given(data=mutated(EXPORT))
def test_a_mutated_export_is_read_back_or_refused_whole(tmp_path_factory, data):
    from matcher.history import read_history

    path = _file(tmp_path_factory, data, ".json")
    try:
        history = read_history(path)
    except InputFileError as exc:
        _refused_well(exc, path)
        return
    assert isinstance(history, dict)
    try:
        records = read_contacts(path)  # `contacts import` reads the same file's contacts
    except InputFileError as exc:
        _refused_well(exc, path)
        return
    assert all(r.name for r in records)


@pytest.mark.slow
def test_a_mutated_history_leaves_the_database_as_it_was_or_imports_whole(home_db, tmp_path_factory):
    from matcher.history import import_history, read_history

    source = _file(tmp_path_factory, EXPORT, ".json")
    import_contacts(home_db, read_contacts(source), AS_OF)
    whole_or_nothing(home_db, tmp_path_factory, EXPORT, ".json",
                     lambda path: import_history(home_db, path, read_history(path)))
