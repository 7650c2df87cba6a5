"""The CLI contract: the home, init, help texts, the demo, one-line errors, the run's lock and log."""

import fcntl
import gc
import json
import os

import click
import pytest
from click.testing import CliRunner

from matcher.cli import main
from matcher.config import CONFIG_NAME, DB_NAME, LOCK_NAME, LOG_NAME


def invoke(*args, input=None):
    return CliRunner().invoke(main, list(args), input=input, catch_exceptions=False)


def all_commands(group=main, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path,command", list(all_commands()), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_help_with_an_example(path, command):
    assert command.help and "Example:" in command.help, f"matcher {' '.join(path)} needs help with an example"
    assert invoke(*path, "--help").exit_code == 0


@pytest.mark.sqlite_home  # about the SQLite file in the home
def test_home_option_wins_over_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "from-env"))
    assert invoke("--home", str(tmp_path / "from-option"), "init").exit_code == 0
    assert (tmp_path / "from-option" / CONFIG_NAME).exists()
    assert not (tmp_path / "from-env").exists()
    assert invoke("init").exit_code == 0
    assert (tmp_path / "from-env" / DB_NAME).exists()


@pytest.mark.sqlite_home  # about the SQLite file in the home
def test_init_creates_config_database_and_importable_template(tmp_path):
    home = tmp_path / "h"
    result = invoke("--home", str(home), "init")
    assert result.exit_code == 0
    assert {CONFIG_NAME, DB_NAME, "contacts.yaml"} <= set(os.listdir(home))
    # it subscribes to nothing
    assert json.loads(invoke("--home", str(home), "feeds", "list", "--json").stdout) == []
    # a second init keeps what is there
    (home / CONFIG_NAME).write_text("[user]\nname = \"Ada\"\n")
    invoke("--home", str(home), "init")
    assert "Ada" in (home / CONFIG_NAME).read_text()
    # the template imports as it is
    result = invoke("--home", str(home), "contacts", "import", str(home / "contacts.yaml"))
    assert result.exit_code == 0, result.output


def test_a_bad_config_is_one_line(tmp_path):
    home = tmp_path / "h"
    home.mkdir()
    (home / CONFIG_NAME).write_text("[throttle]\ndaily_cap = 'five'\n")
    result = invoke("--home", str(home), "suggestions")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "daily_cap" in result.output


def test_demo_runs_offline_and_proposes_the_right_people(tmp_path):
    result = invoke("demo", "--keep", str(tmp_path / "demo"))
    assert result.exit_code == 0, result.output
    home = str(tmp_path / "demo")
    rows = json.loads(invoke("--home", home, "suggestions", "--json", "--as-of", "2026-11-20").stdout)
    assert len(rows) == 5  # the daily cap binds: six people have something relevant
    assert {r["contact"] for r in rows} <= {
        "Giulia Conti", "Marco Bellini", "Luca Ferrari", "Elena Marchetti", "Javier Ortega", "Francesca Ricci"}
    assert all(set(r) >= {"id", "contact", "article_url", "article_title", "score", "reasons", "status"} for r in rows)
    by_name = {r["contact"]: r for r in rows}
    assert "caff" in by_name["Giulia Conti"]["article_title"].lower()
    # across languages: a project written in Italian reaches an English article, and back
    assert by_name["Luca Ferrari"]["article_title"].startswith("Moving a legacy data warehouse to Kubernetes")
    assert by_name["Francesca Ricci"]["article_title"].startswith("Porti, a Genova e Trieste")
    assert by_name["Giulia Conti"]["draft"].startswith("Ciao Giulia")
    # the friend restoring a boat and the do-not-contact headhunter get nothing
    assert not {"Paolo Greco", "Stefano Moretti"} & set(by_name)


def test_mark_twice_is_one_clear_line(tmp_path):
    home = str(tmp_path / "demo")
    invoke("demo", "--keep", home)
    first = json.loads(invoke("--home", home, "suggestions", "--json", "--as-of", "2026-11-20").stdout)[0]
    assert invoke("--home", home, "mark", str(first["id"]), "sent", "--as-of", "2026-11-21").exit_code == 0
    again = invoke("--home", home, "mark", str(first["id"]), "skipped")
    assert again.exit_code == 1 and "already sent (on 2026-11-21)" in again.output
    missing = invoke("--home", home, "mark", "999", "sent")
    assert missing.exit_code == 1 and "no suggestion with id 999" in missing.output
    contact = json.loads(invoke("--home", home, "contacts", "show", first["contact"], "--json").stdout)[0]
    assert contact["touches"] == [{"date": "2026-11-21", "kind": "article", "direction": "out",
                                   "note": first["article_title"]}]


def test_a_second_run_while_one_holds_the_lock_fails_cleanly(tmp_path):
    home = tmp_path / "h"
    invoke("--home", str(home), "init")
    with open(home / LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = invoke("--home", str(home), "run", "--quiet")
    assert result.exit_code == 1
    assert "another `matcher run` is in progress" in result.output
    # and with the lock free, the (empty) night works, is logged and leaves the log behind
    frozen, threshold = gc.get_freeze_count(), gc.get_threshold()
    result = invoke("--home", str(home), "run", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)[0]["feeds_ok"] == 0
    assert "ok" in (home / LOG_NAME).read_text()
    # the night tuned the garbage collector (matcher.night._night_gc) and undid it
    assert gc.get_freeze_count() == frozen and gc.get_threshold() == threshold


def test_unknown_contact_and_bad_date_are_one_line(tmp_path):
    home = str(tmp_path / "h")
    invoke("--home", home, "init")
    result = invoke("--home", home, "why", "Nobody")
    assert result.exit_code == 1 and result.output.count("\n") == 1
    result = invoke("--home", home, "top", "Nobody", "--as-of", "2026-02-30")
    assert result.exit_code == 2 and "2026-02-30" in result.output


def test_markup_and_escapes_in_user_text_are_printed_literally(tmp_path):
    home = str(tmp_path / "h")
    invoke("--home", home, "init")
    name = "Evil [/bold] [red]Name\x1b[31m"
    assert invoke("--home", home, "contacts", "add", name, "--project", "[link=http://x]Kubernetes[/link]").exit_code == 0
    listed = invoke("--home", home, "contacts", "list")
    assert listed.exit_code == 0 and "[/bold]" in listed.output and "\x1b" not in listed.output
    shown = invoke("--home", home, "contacts", "show", "Evil")
    assert "[link=http://x]Kubernetes[/link]" in shown.output and "\x1b" not in shown.output


def test_the_script_leaves_the_heap_to_the_os_and_loses_no_output(tmp_path, monkeypatch):
    import atexit
    import subprocess
    import sys

    from matcher import cli

    registered = []
    monkeypatch.setattr(atexit, "register", registered.append)
    monkeypatch.setattr(sys, "argv", ["matcher", "--version"])
    with pytest.raises(SystemExit):
        cli.entry()
    assert registered == [gc.freeze]
    # and the real script, exiting that way, still writes its home and says so
    home = tmp_path / "h"
    out = subprocess.run([sys.executable, "-m", "matcher", "--home", str(home), "init"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and f"home: {home}" in out.stdout
    assert (home / CONFIG_NAME).exists()
