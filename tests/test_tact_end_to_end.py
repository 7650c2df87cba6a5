"""Tact end to end (issue 14): nights run through the CLI on feeds served by a real HTTP server,
with one good and one bad article about a contact's company. The congratulation is proposed;
the bad news is never proposed to anyone at that company, night after night, while a contact
at another company whose work it fits may still receive it."""

from __future__ import annotations

import datetime as dt
import email.utils
import json

from tests.feedserver import rss

DAY = dt.date(2026, 11, 20)

CONTACTS = """
- name: Giulia Conti
  email: giulia@example.com
  kind: recruiter
  company: Caffè Aurora S.p.A.
  language: it
  cadence_days: 1
  projects:
    - text: Rinegozia i contratti di fornitura di caffè verde con i produttori in Brasile.
- name: Paolo Neri
  email: paolo@example.com
  kind: colleague
  company: Studio Neri Consulenza
  language: it
  cadence_days: 1
  projects:
    - text: Segue le crisi aziendali delle torrefazioni di caffè e i tagli di posti di lavoro nei
        contratti di fornitura con i produttori brasiliani.
"""

GOOD = ("CAFFE' AURORA apre a Verona il nuovo stabilimento di tostatura",
        "La torrefazione Caffè Aurora SpA ha inaugurato il nuovo stabilimento: due linee e quaranta "
        "assunzioni, grazie ai nuovi contratti di fornitura di caffè verde con i produttori brasiliani.")
BAD = ("Caffè Aurora, 120 licenziamenti dopo il crollo dei contratti di fornitura in Brasile",
       "Caffè Aurora annuncia 120 licenziamenti: i contratti di fornitura di caffè verde con i "
       "produttori brasiliani sono saltati e la torrefazione taglia i posti di lavoro.")
OTHER = [
    ("Serie A, il derby finisce in parità tra polemiche arbitrali",
     "Il derby si è chiuso sul due a due dopo novanta minuti e un rigore revocato dal VAR."),
    ("Film review: a quiet drama about a lighthouse keeper wins the festival",
     "The jury praised the restrained direction and the score of the debut feature."),
    ("Il maltempo chiude le strade di montagna in Trentino",
     "Neve e ghiaccio hanno bloccato i passi alpini per tutta la giornata di ieri."),
]


def items(base: str) -> list[dict]:
    published = email.utils.format_datetime(dt.datetime.combine(DAY, dt.time(8, 0), tzinfo=dt.UTC))
    return [{"title": title, "guid": f"n{i}", "link": f"{base}/n{i}.html", "date": published,
             "content": f"<p>{lead}</p>"}
            for i, (title, lead) in enumerate([GOOD, BAD, *OTHER])]


def night_and_morning(cli, day: dt.date) -> list[dict]:
    """One night, then every new proposal marked sent in the morning; returns the proposals."""
    cli("run", "--as-of", day.isoformat())
    pending = json.loads(cli("suggestions", "--json", "--as-of", day.isoformat()).output)
    for s in pending:
        cli("mark", str(s["id"]), "sent", "--as-of", day.isoformat())
    return pending


def test_good_news_is_a_congratulation_and_bad_news_never_reaches_the_company(
        cli, tmp_path, feed_server, db_url, monkeypatch):
    monkeypatch.setenv("MATCHER_DB", db_url)
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(CONTACTS, encoding="utf-8")
    feed_server.set("/economia.xml", rss("Economia", items(feed_server.url(""))))
    cli("init")
    cli("contacts", "import", str(contacts), "--as-of", DAY.isoformat())
    cli("feeds", "add", feed_server.url("/economia.xml"))

    first = night_and_morning(cli, DAY)
    giulia = [s for s in first if s["contact"] == "Giulia Conti"]
    assert [(s["kind"], s["article_title"]) for s in giulia] == [("congratulation", GOOD[0])]
    assert giulia[0]["mention"]["tone"] == "good"
    assert "Caffè Aurora" in giulia[0]["draft"] or "Caffè Aurora" in " ".join(giulia[0]["reasons"])

    # A week of nights with the bad article still fresh: Giulia never gets it, and `why`
    # says it was held back for her company; Paolo, at another company, is not shielded.
    proposed = first
    for n in range(1, 7):
        day = DAY + dt.timedelta(days=n)
        proposed += night_and_morning(cli, day)
        [report] = json.loads(cli("why", "Giulia Conti", "--json", "--as-of", day.isoformat()).output)
        reasons = [report["reason"], (report["held_back"] or {}).get("reason", "")]
        assert any("bad news about their company" in r for r in reasons), report
    assert all(s["article_title"] != BAD[0] for s in proposed if s["contact"] == "Giulia Conti")
    assert any(s["article_title"] == BAD[0] for s in proposed if s["contact"] == "Paolo Neri")
