"""`matcher log`: a reply resets the no-reply backoff; asks are weighed against gives."""

from __future__ import annotations

import json

import pytest


@pytest.fixture
def cli(cli):
    """The CLI on a home holding one headhunter, Bruno Ferri."""
    cli("init")
    cli("contacts", "add", "Bruno Ferri", "--kind", "headhunter", "--as-of", "2026-01-01")
    return cli


def why(cli, day):
    return json.loads(cli("why", "Bruno", "--json", "--as-of", day).stdout)[0]


def test_a_reply_resets_the_no_reply_backoff(cli):
    for day in ("2026-01-01", "2026-02-15", "2026-04-01"):  # 45 days apart: three unanswered
        cli("log", "Bruno", "email", "--as-of", day)
    w = why(cli, "2026-05-16")  # 45 days after the last touch, but the cadence doubled
    assert (w["rule"], w["cadence_days"], w["unreplied"], w["passes_on"]) == (6, 90, 3, "2026-06-30")
    cli("log", "Bruno", "reply", "--as-of", "2026-05-20")
    w = why(cli, "2026-05-21")
    assert (w["rule"], w["cadence_days"], w["unreplied"]) == (2, 45, 0)  # back to the plain cadence
    assert w["passes_on"] == "2026-07-04"  # 45 days after the reply (a touch from them)


def test_asking_warns_until_two_gives_since_the_last_ask(cli):
    first = cli("log", "Bruno", "ask", "--note", "intro to X", "--as-of", "2026-01-02")
    assert "warning: only 0 give(s) so far to Bruno Ferri" in " ".join(first.stderr.split())
    cli("log", "Bruno", "greeting", "--as-of", "2026-01-10")
    again = cli("log", "Bruno", "ask", "--as-of", "2026-02-01")
    assert "warning: only 1 give(s) since your last ask to Bruno Ferri: give before you ask again" in " ".join(again.stderr.split())
    cli("log", "Bruno", "greeting", "--as-of", "2026-03-01")
    cli("log", "Bruno", "congratulation", "--as-of", "2026-04-01")
    fine = cli("log", "Bruno", "ask", "--as-of", "2026-05-01")
    assert "warning" not in fine.stderr
    shown = json.loads(cli("contacts", "show", "Bruno", "--json", "--as-of", "2026-05-01").stdout)[0]
    assert (shown["gives"], shown["asks"], shown["gives_since_last_ask"]) == (3, 3, 0)
    assert shown["balance"] == "3 gives, 3 asks (ask less, give more)"
    text = cli("contacts", "show", "Bruno", "--as-of", "2026-05-01").stdout
    assert "3 gives, 3 asks" in text
