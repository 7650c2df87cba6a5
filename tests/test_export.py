"""matcher export --json, read back by `contacts import` and `import-history`: nothing lost."""

from __future__ import annotations

import json
import re
import sys

import pytest
from click.testing import CliRunner

from matcher.cli import main
from matcher.db import migration_head
from matcher.demo import sample_dir

DATA_DIR = sample_dir()
AS_OF = "2026-11-20"


def cli_on(home, env=None):
    """The CLI on `home` for a module-scoped fixture (the `cli` fixture is per test)."""
    runner = CliRunner()

    def run(*args, ok=True, input=None):
        result = runner.invoke(main, ["--home", str(home), *args], env=env, input=input, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result
    return run


def without_ids(value):
    """The export as it should survive a move: ids and the export's date are the database's."""
    if isinstance(value, dict):
        return {k: without_ids(v) for k, v in value.items() if k not in ("id", "exported_on")}
    if isinstance(value, list):
        return [without_ids(v) for v in value]
    return value


@pytest.fixture(scope="module")
def exported(tmp_path_factory, _session_cache_dir):
    """A home filled through every path: two imports (a job change), a night, a sent and a
    skipped suggestion, a reply, a custom date, a snooze; and its export. Made once, on
    SQLite (the homes reading it back are on SQLite and PostgreSQL)."""
    tmp = tmp_path_factory.mktemp("source")
    run = cli_on(tmp / "home", env={"MATCHER_DB": None, "MATCHER_CACHE_DIR": str(_session_cache_dir)})
    run("init")
    for feed in sorted((DATA_DIR / "feeds").glob("*.xml")):
        run("feeds", "add", str(feed))
    run("contacts", "import", str(DATA_DIR / "contacts.yaml"), "--as-of", "2026-11-01")
    moved = (DATA_DIR / "contacts.yaml").read_text(encoding="utf-8").replace(
        "company: Banca Lombarda del Nord", "company: Banca Adriatica")
    (tmp / "moved.yaml").write_text(moved, encoding="utf-8")
    run("contacts", "import", str(tmp / "moved.yaml"), "--as-of", "2026-11-10")
    run("contacts", "edit", "Francesca Ricci", "--snooze-until", "2026-12-24")
    run("occasions", "add", "Elena Marchetti", "2026-12-03", "Elena's promotion party")
    run("run", "--as-of", AS_OF)
    editor = tmp / "edit.py"  # the review's [e]dit: appends a line, as a person would
    editor.write_text("import sys\nopen(sys.argv[1], 'a', encoding='utf-8').write('\\nA presto!\\n')\n",
                      encoding="utf-8")
    command = f"{sys.executable} {editor}"
    cli_on(tmp / "home", env={"MATCHER_DB": None, "MATCHER_CACHE_DIR": str(_session_cache_dir),
                              "EDITOR": command, "VISUAL": command})("review", "--as-of", AS_OF, input="e\nq\n")
    pending = json.loads(run("suggestions", "--json", "--as-of", AS_OF).output)
    articles = [s for s in pending if s["kind"] == "article"]
    greetings = [s for s in pending if s["kind"] != "article"]
    assert len(articles) >= 2 and greetings, pending
    for s in (articles[0], greetings[0]):
        run("mark", str(s["id"]), "sent", "--as-of", AS_OF)
    run("mark", str(articles[1]["id"]), "skipped", "--reason", "off-topic", "--as-of", AS_OF)
    run("log", articles[0]["contact"], "reply", "--note", "grazie!", "--as-of", "2026-11-22")
    path = tmp / "export.json"
    run("export", "--json", str(path))
    assert path.stat().st_mode & 0o777 == 0o600
    assert run("export", "--json").output == path.read_text(encoding="utf-8")
    return path, json.loads(path.read_text(encoding="utf-8"))


def test_the_export_holds_everything(exported):
    _path, doc = exported
    assert doc["matcher_export"] == 1 and doc["schema"] == migration_head()
    elena = next(c for c in doc["contacts"] if c["name"] == "Elena Marchetti")
    assert elena["company"] == "Banca Adriatica"
    assert {"since", "until", "confirmed_on", "text", "needs_review"} <= set(elena["projects"][0])
    assert elena["projects"][0]["confirmed_on"] == "2026-11-10"
    francesca = next(c for c in doc["contacts"] if c["name"] == "Francesca Ricci")
    assert francesca["snoozed_until"] == "2026-12-24"
    history = doc["history"]
    assert [j["new_company"] for j in history["job_changes"]] == ["Banca Adriatica"]
    assert [o["title"] for o in history["occasions"]] == ["Elena's promotion party"]
    marks = {s["status"] for s in history["suggestions"]}
    assert {"sent", "skipped"} <= marks
    skipped = next(s for s in history["suggestions"] if s["status"] == "skipped")
    assert skipped["skip_reason"] == "off-topic" and skipped["decided_on"] == AS_OF
    assert skipped["article"]["url"] and skipped["article"]["title"] and skipped["article"]["feed_url"]
    edited = [s for s in history["suggestions"] if s["edited"]]
    assert len(edited) == 1 and edited[0]["edited"] == edited[0]["draft"].rstrip() + "\n\nA presto!"
    sent = [t for t in history["touches"] if t["suggestion"]]
    assert sorted(t["kind"] for t in sent) == ["article", "congratulation"]
    assert any(t["kind"] == "reply" and t["direction"] == "in" for t in history["touches"])


def test_round_trip_to_a_new_home_loses_nothing(exported, tmp_path, db_url):
    path, doc = exported
    run = cli_on(tmp_path / "new", env={"MATCHER_DB": db_url})
    run("init")
    for feed in sorted((DATA_DIR / "feeds").glob("*.xml")):  # subscriptions move with OPML
        run("feeds", "add", str(feed))
    assert "8 added" in run("contacts", "import", str(path)).output
    first = json.loads(run("import-history", str(path), "--json").output)[0]
    assert first["added"] == {name: len(doc["history"][name]) for name in first["added"]}
    assert first["articles_created"] == len([s for s in doc["history"]["suggestions"] if s["article"]])
    again = json.loads(run("import-history", str(path), "--json").output)[0]
    assert sum(again["added"].values()) == 0 and again["articles_created"] == 0
    assert again["already_there"] == first["added"]
    run("contacts", "import", str(path))  # the contacts again: merged, not doubled

    moved = json.loads(run("export", "--json").output)
    assert without_ids(moved) == without_ids(doc)
    # and the new home goes on: the throttle knows who was written to
    why = json.loads(run("why", "Elena Marchetti", "--json", "--as-of", AS_OF).output)[0]
    assert why["last_touch"] is not None


def test_a_malformed_history_is_refused_whole(exported, tmp_path):
    path, doc = exported
    run = cli_on(tmp_path / "home")
    run("init")
    run("contacts", "import", str(path))
    before = run("export", "--json").output

    broken = json.loads(json.dumps(doc))
    broken["history"]["touches"][-1]["date"] = "22/11/2026"
    (tmp_path / "bad-date.json").write_text(json.dumps(broken), encoding="utf-8")
    (tmp_path / "bad-json.json").write_text(json.dumps(doc, indent=1)[:-40], encoding="utf-8")
    stranger = json.loads(json.dumps(doc))
    stranger["history"]["occasions"][0].update(contact="Nobody Known", email="nobody@example.com")
    (tmp_path / "stranger.json").write_text(json.dumps(stranger), encoding="utf-8")
    typo = json.loads(json.dumps(doc))
    typo["history"]["suggestions"][0]["statuss"] = "sent"
    (tmp_path / "typo.json").write_text(json.dumps(typo), encoding="utf-8")
    n = len(doc["history"]["touches"]) - 1
    cases = {
        "bad-date.json": f"history.touches[{n}].date",
        "bad-json.json": "invalid JSON",
        "stranger.json": "history.occasions[0]: no contact 'Nobody Known'",
        "typo.json": "history.suggestions[0].statuss: unknown key",
    }
    for name, says in cases.items():
        result = run("import-history", str(tmp_path / name), ok=False)
        assert result.exit_code == 1 and name in result.output and says in result.output, result.output
        assert len(result.output.strip().splitlines()) == 1
    assert re.search(r"bad-json\.json:\d+: invalid JSON", run("import-history", str(tmp_path / "bad-json.json"),
                                                              ok=False).output)
    assert run("export", "--json").output == before  # nothing stored from any of them


def test_contacts_import_reads_an_export_but_not_any_mapping(exported, tmp_path):
    path, doc = exported
    run = cli_on(tmp_path / "home")
    run("init")
    run("contacts", "import", str(path))
    rows = json.loads(run("contacts", "list", "--json").output)
    assert len(rows) == len(doc["contacts"])
    (tmp_path / "other.yaml").write_text("people:\n  - name: A\n", encoding="utf-8")
    refused = run("contacts", "import", str(tmp_path / "other.yaml"), ok=False)
    assert refused.exit_code == 1 and "other.yaml:1" in refused.output and "contacts" in refused.output
