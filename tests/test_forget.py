"""Forgetting a person: no trace of them left in the home, everyone else untouched."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from matcher.demo import sample_dir

DATA_DIR = sample_dir()

AS_OF = "2026-11-20"
NAME, EMAIL = "Elena Marchetti", "elena.marchetti@example.org"


@pytest.fixture
def filled(tmp_path, cli):
    """A home filled through every path that stores personal data: an import and a
    re-import with a new job, a night with suggestions and drafts, a decision, a touch, a
    custom date, a vCard import, the nightly index and the log."""
    tmp = tmp_path
    home = tmp / "home"

    def run(*args):
        return cli(*args, home=home).output

    run("init")
    for feed in sorted((DATA_DIR / "feeds").glob("*.xml")):
        run("feeds", "add", str(feed))
    run("contacts", "import", str(DATA_DIR / "contacts.yaml"), "--as-of", "2026-11-01")
    moved = (DATA_DIR / "contacts.yaml").read_text(encoding="utf-8").replace(
        "company: Banca Lombarda del Nord", "company: Banca Adriatica")
    (tmp / "moved.yaml").write_text(moved, encoding="utf-8")
    run("contacts", "import", str(tmp / "moved.yaml"), "--as-of", "2026-11-10")
    (tmp / "elena.vcf").write_text(
        "BEGIN:VCARD\r\nVERSION:3.0\r\nFN:Elena Marchetti\r\nEMAIL:elena.marchetti@example.org\r\n"
        "BDAY:1975-03-14\r\nNOTE:met at the MBA reunion\r\nEND:VCARD\r\n", encoding="utf-8")
    run("contacts", "import", str(tmp / "elena.vcf"), "--as-of", "2026-11-11")
    run("log", NAME, "meeting", "--note", "lunch with Elena Marchetti in Milano", "--as-of", "2026-11-12")
    run("occasions", "add", NAME, "2026-12-03", "Elena's promotion party")
    run("run", "--as-of", AS_OF)
    pending = json.loads(run("suggestions", "--json", "--as-of", AS_OF))
    assert any(s["contact"] == NAME for s in pending), "the demo night proposes something to her"
    for s in pending:
        run("mark", str(s["id"]), "sent" if s["contact"] == NAME else "skipped", "--as-of", AS_OF)
    return home, run


def traces(home: Path, needles: list[str]) -> list[str]:
    """Files of the home (database, WAL, cache, log, config) holding any of the needles."""
    found = []
    for path in sorted(p for p in home.rglob("*") if p.is_file()):
        data = path.read_bytes().lower()
        for needle in needles:
            if needle.lower().encode() in data or needle.lower().encode("utf-16-le") in data:
                found.append(f"{path.relative_to(home)}: {needle}")
    return found


def rows_mentioning(home: Path, needles: list[str]) -> list[str]:
    """Rows of any table of the home's database (SQLite or PostgreSQL) holding a needle."""
    from sqlalchemy import MetaData, select

    from matcher.home import open_home

    opened = open_home(home)
    try:
        meta = MetaData()
        meta.reflect(opened.db.engine)
        found = []
        with opened.db.engine.connect() as conn:
            for table in meta.sorted_tables:
                for row in conn.execute(select(table)):
                    text = repr(tuple(row)).lower()
                    found += [f"{table.name}: {n}" for n in needles if n.lower() in text]
        return found
    finally:
        opened.close()


@pytest.mark.slow
def test_forget_leaves_no_trace_and_keeps_everyone_else(filled):
    home, run = filled
    before = json.loads(run("contacts", "list", "--json"))
    assert rows_mentioning(home, [NAME, EMAIL]), "the filled home mentions her before"
    if not os.environ.get("MATCHER_DB"):  # a SQLite home: its file holds her
        assert traces(home, [NAME]), "the database file mentions her before"

    preview = json.loads(run("contacts", "forget", EMAIL, "--dry-run", "--json"))[0]
    assert preview["dry_run"] and preview["removed"]["suggestions"] >= 1 and preview["removed"]["touches"] >= 2
    assert preview["removed"]["job changes"] == 1 and preview["removed"]["dates"] == 1
    assert any(c["name"] == NAME for c in json.loads(run("contacts", "list", "--json")))

    done = json.loads(run("contacts", "forget", NAME, "--yes", "--json"))[0]
    assert done["removed"] == preview["removed"] and not done["dry_run"]

    # her project's text too: the nightly index kept its analysis and its words bridged into Italian
    gone = [NAME, EMAIL, "Marchetti", "met at the MBA reunion", "credit scoring and fraud detection"]
    assert traces(home, gone) == [] and rows_mentioning(home, gone) == []
    after = json.loads(run("contacts", "list", "--json"))
    assert after == [c for c in before if c["name"] != NAME]
    for command in (["suggestions", "--status", "all", "--json"], ["agenda", "--json"]):
        assert "Marchetti" not in run(*command, "--as-of", AS_OF)
    # The others' history is intact, and the home still works.
    assert json.loads(run("suggestions", "--status", "skipped", "--json", "--as-of", AS_OF))
    run("top", "Luca Ferrari", "--as-of", AS_OF)


@pytest.mark.slow
def test_forget_asks_first_and_names_an_unknown_person(filled, cli):
    home, run = filled
    refused = cli("contacts", "forget", "Giulia Conti", input="n\n", ok=False, home=home)
    assert refused.exit_code != 0
    assert any(c["name"] == "Giulia Conti" for c in json.loads(run("contacts", "list", "--json")))
    unknown = cli("contacts", "forget", "Nobody Atall", "--yes", ok=False, home=home)
    assert unknown.exit_code != 0 and "Nobody Atall" in unknown.output


def test_forget_on_the_library_removes_only_that_person(home_db, tmp_path):
    from matcher.config import Settings
    from matcher.contacts import import_contacts, read_contacts
    from matcher.contacts.forget import forget
    from matcher.contacts.store import list_contacts
    import datetime as dt

    import_contacts(home_db, read_contacts(DATA_DIR / "contacts.yaml"), dt.date(2026, 11, 1))
    with home_db.session() as s:
        others = sorted(c.name for c in list_contacts(s) if c.name != NAME)
    settings = Settings(home=tmp_path)
    done = forget(home_db, settings, EMAIL)
    assert done.name == NAME and done.removed["contact"] == 1
    with home_db.session() as s:
        assert sorted(c.name for c in list_contacts(s)) == others
