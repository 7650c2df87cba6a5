"""The CLI contract: the home, init, help texts, the demo, one-line errors, the run's lock and log."""

import fcntl
import json
import os

import click
import pytest

from matcher.cli import main
from matcher.config import CONFIG_NAME, DB_NAME, LOCK_NAME, LOG_NAME


def all_commands(group=main, prefix=()):
    for name, command in group.commands.items():
        yield prefix + (name,), command
        if isinstance(command, click.Group):
            yield from all_commands(command, prefix + (name,))


@pytest.mark.parametrize("path,command", list(all_commands()), ids=lambda x: " ".join(x) if isinstance(x, tuple) else "")
def test_every_command_has_help_with_an_example(path, command, cli):
    assert command.help and "Example:" in command.help, f"matcher {' '.join(path)} needs help with an example"
    cli(*path, "--help", home=None)


@pytest.mark.sqlite_home  # about the SQLite file in the home
def test_home_option_wins_over_environment(cli, tmp_path, monkeypatch):
    monkeypatch.setenv("MATCHER_HOME", str(tmp_path / "from-env"))
    cli("init", home=tmp_path / "from-option")
    assert (tmp_path / "from-option" / CONFIG_NAME).exists()
    assert not (tmp_path / "from-env").exists()
    cli("init", home=None)
    assert (tmp_path / "from-env" / DB_NAME).exists()


@pytest.mark.sqlite_home  # about the SQLite file in the home
def test_init_creates_config_database_and_importable_template(cli, tmp_path):
    home = tmp_path / "home"
    cli("init")
    assert {CONFIG_NAME, DB_NAME, "contacts.yaml"} <= set(os.listdir(home))
    # it subscribes to nothing
    assert json.loads(cli("feeds", "list", "--json").stdout) == []
    # a second init keeps what is there
    (home / CONFIG_NAME).write_text("[user]\nname = \"Ada\"\n")
    cli("init")
    assert "Ada" in (home / CONFIG_NAME).read_text()
    # the template imports as it is
    cli("contacts", "import", str(home / "contacts.yaml"))


def test_a_bad_config_is_one_line(cli, tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / CONFIG_NAME).write_text("[throttle]\ndaily_cap = 'five'\n")
    result = cli("suggestions", ok=False)
    assert result.exit_code == 1
    assert result.output.count("\n") == 1 and "daily_cap" in result.output


@pytest.mark.slow  # the demo loads the sentence encoder: ~10 s before the first answer
def test_demo_runs_offline_and_proposes_the_right_people(cli, tmp_path):
    home = tmp_path / "demo"
    cli("demo", "--keep", str(home), home=None)
    rows = json.loads(cli("suggestions", "--json", "--as-of", "2026-11-20", home=home).stdout)
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


@pytest.mark.slow
def test_mark_twice_is_one_clear_line(cli, tmp_path):
    home = tmp_path / "demo"
    cli("demo", "--keep", str(home), home=None)
    first = json.loads(cli("suggestions", "--json", "--as-of", "2026-11-20", home=home).stdout)[0]
    cli("mark", str(first["id"]), "sent", "--as-of", "2026-11-21", home=home)
    again = cli("mark", str(first["id"]), "skipped", home=home, ok=False)
    assert again.exit_code == 1 and "already sent (on 2026-11-21)" in again.output
    missing = cli("mark", "999", "sent", home=home, ok=False)
    assert missing.exit_code == 1 and "no suggestion with id 999" in missing.output
    contact = json.loads(cli("contacts", "show", first["contact"], "--json", home=home).stdout)[0]
    # the demo's first is the congratulation on Caffè Aurora's news: the touch has its kind
    assert contact["touches"] == [{"date": "2026-11-21", "kind": first["kind"], "direction": "out",
                                   "note": first["article_title"], "message": first["draft"]}]


def test_a_second_run_while_one_holds_the_lock_fails_cleanly(cli, tmp_path):
    home = tmp_path / "home"
    cli("init")
    with open(home / LOCK_NAME, "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        result = cli("run", "--quiet", ok=False)
    assert result.exit_code == 1
    assert "another `matcher run` is in progress" in result.output
    # and with the lock free, the (empty) night works, is logged and leaves the log behind
    result = cli("run", "--json")
    assert json.loads(result.stdout)[0]["feeds_ok"] == 0
    assert "ok" in (home / LOG_NAME).read_text()


def test_unknown_contact_and_bad_date_are_one_line(cli):
    cli("init")
    result = cli("why", "Nobody", ok=False)
    assert result.exit_code == 1 and result.output.count("\n") == 1
    result = cli("top", "Nobody", "--as-of", "2026-02-30", ok=False)
    assert result.exit_code == 2 and "2026-02-30" in result.output


def test_markup_and_escapes_in_user_text_are_printed_literally(cli):
    cli("init")
    name = "Evil [/bold] [red]Name\x1b[31m"
    cli("contacts", "add", name, "--project", "[link=http://x]Kubernetes[/link]")
    listed = cli("contacts", "list")
    assert "[/bold]" in listed.output and "\x1b" not in listed.output
    shown = cli("contacts", "show", "Evil")
    assert "[link=http://x]Kubernetes[/link]" in shown.output and "\x1b" not in shown.output


@pytest.mark.slow
def test_the_script_loses_no_output_on_its_quick_exit(tmp_path):
    """`python -m matcher` ends as the `matcher` script does (matcher.cli.entry): it still
    writes its home and says so."""
    import subprocess
    import sys

    home = tmp_path / "h"
    out = subprocess.run([sys.executable, "-m", "matcher", "--home", str(home), "init"],
                         capture_output=True, text=True)
    assert out.returncode == 0 and f"home: {home}" in out.stdout
    assert (home / CONFIG_NAME).exists()
