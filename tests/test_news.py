"""`matcher news`: your own news, matched like articles and proposed through the same throttle."""

from __future__ import annotations

import json

import pytest


CONTACTS = """
- name: Giulia Conti
  email: giulia@example.com
  kind: recruiter
  language: it
  projects:
    - text: Renegotiating green coffee supply contracts with growers in Brazil.
      since: 2026-09-01
- name: Carla Nube
  email: carla@example.com
  kind: colleague
  language: en
  projects:
    - text: Migrating our data platform to the cloud on Kubernetes.
- name: Irene Chiusa
  email: irene@example.com
  do_not_contact: true
  projects:
    - text: Green coffee supply contracts with Brazilian growers.
"""

NEWS = "I published an analysis of green coffee supply contracts with growers in Brazil"


@pytest.fixture
def cli(cli, tmp_path):
    """The CLI on a home holding CONTACTS."""
    cli("init")
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(CONTACTS, encoding="utf-8")
    cli("contacts", "import", str(contacts), "--as-of", "2026-10-01")
    return cli


@pytest.mark.slow
def test_news_is_proposed_to_the_contact_it_fits_and_counts_as_a_give(cli):
    out = cli("news", "add", NEWS, "--link", "https://example.com/coffee", "--as-of", "2026-10-20")
    assert "added news" in out.stdout
    rows = json.loads(cli("news", "list", "--json").stdout)
    assert [(r["date"], r["title"], r["link"]) for r in rows] == [("2026-10-20", NEWS, "https://example.com/coffee")]
    report = json.loads(cli("run", "--as-of", "2026-10-20", "--json").stdout)[0]
    assert report["suggestions_new"] == 1
    (s,) = json.loads(cli("suggestions", "--json", "--as-of", "2026-10-20").stdout)
    assert (s["contact"], s["kind"], s["article_url"], s["article_title"]) == (
        "Giulia Conti", "news", "https://example.com/coffee", NEWS)
    assert any("coffee" in reason for reason in s["reasons"])
    assert s["draft"].startswith("Ciao Giulia, una novità da parte mia")
    cli("mark", str(s["id"]), "sent", "--as-of", "2026-10-21")
    shown = json.loads(cli("contacts", "show", "Giulia", "--json", "--as-of", "2026-10-21").stdout)[0]
    assert [t["kind"] for t in shown["touches"]] == ["news"] and shown["gives"] == 1


@pytest.mark.slow
def test_news_stays_fresh_longer_than_an_article_but_not_forever(cli):
    cli("news", "add", NEWS, "--as-of", "2026-09-01")
    cli("log", "Giulia", "email", "--as-of", "2026-09-01")  # recruiter cadence: 30 days
    cli("run", "--as-of", "2026-10-05")  # 34 days old: an article would be stale, news is not
    (s,) = json.loads(cli("suggestions", "--json", "--as-of", "2026-10-05").stdout)
    assert (s["kind"], s["article_url"]) == ("news", "")  # no --link: no URL
    cli("mark", str(s["id"]), "skipped", "--as-of", "2026-10-05")
    cli("news", "add", NEWS + " (part two)", "--as-of", "2026-09-02")
    cli("run", "--as-of", "2026-11-15")  # 74 days old: past news_freshness_days (60)
    assert json.loads(cli("suggestions", "--json", "--as-of", "2026-11-15").stdout) == []


@pytest.mark.slow
def test_news_respects_the_throttle(cli):
    cli("log", "Giulia", "call", "--as-of", "2026-10-15")
    cli("news", "add", NEWS, "--as-of", "2026-10-20")
    cli("run", "--as-of", "2026-10-20")
    assert json.loads(cli("suggestions", "--json", "--as-of", "2026-10-20").stdout) == []  # cadence
    why = json.loads(cli("why", "Giulia", "--json", "--as-of", "2026-10-20").stdout)[0]
    assert why["rule"] == 2 and why["passes_on"] == "2026-11-14"
    cli("run", "--as-of", "2026-11-14")
    rows = json.loads(cli("suggestions", "--json", "--as-of", "2026-11-14").stdout)
    assert [(r["contact"], r["kind"]) for r in rows] == [("Giulia Conti", "news")]  # never Irene


def test_bad_news_input(cli):
    assert "needs a text" in cli("news", "add", "  ", ok=False).output
    assert "http(s) URL" in cli("news", "add", "x", "--link", "javascript:alert(1)", ok=False).output
    cli("news", "add", "same", "--as-of", "2026-10-01")
    assert "already added" in cli("news", "add", "same", "--as-of", "2026-10-01", ok=False).output
