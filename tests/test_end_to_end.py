"""The whole product through the CLI: feeds and article pages served by a real HTTP server on
127.0.0.1, contacts imported from a file, a month of nights replayed with --as-of, decisions
taken each morning, and every courtesy rule checked against what was recorded."""

from __future__ import annotations

import datetime as dt
import email.utils
import json

import pytest
from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session

from matcher.config import ThrottleSettings
from matcher.models import Article, Suggestion, Touch
from tests.feedserver import FeedServer, rss

START = dt.date(2026, 11, 2)
T = ThrottleSettings()

# topic -> sentences an article on it is made of (varied per article so each one is its own story)
TOPICS = {
    "coffee": [
        "Green coffee importers renegotiated supply contracts with growers in Brazil",
        "Arabica prices from Minas Gerais cooperatives pushed roasters to new supply terms",
        "Brazilian coffee growers asked for longer contracts and premiums for certified lots",
        "The coffee harvest in Brazil shaped contract negotiations between roasters and growers",
    ],
    "cfo": [
        "Italian manufacturing companies are hiring a new chief financial officer",
        "Finance directors with industrial automation experience are scarce in Lombardy",
        "Executive search firms report record demand for CFO candidates in machinery makers",
        "Manufacturing groups in Emilia replace their finance director ahead of a listing",
    ],
    "cloud": [
        "The company migrated its data platform to Kubernetes clusters in the cloud",
        "Engineers moved the analytics data warehouse to cloud object storage and Kubernetes",
        "A cloud migration of the data platform cut batch times with Kubernetes autoscaling",
        "Data engineering teams rebuilt pipelines on Kubernetes during the cloud migration",
    ],
    "ai": [
        "Banks prepare compliance programmes for the EU AI Act and its high risk systems",
        "The AI Act obliges lenders to document credit scoring models and human oversight",
        "Compliance officers at European banks map AI systems against the AI Act categories",
        "Supervisors expect banks to show AI Act conformity assessments for scoring models",
    ],
    "solar": [
        "Spanish solar farms signed new power purchase agreements with industrial buyers",
        "Corporate PPA prices for solar energy in Spain fell as capacity grew",
        "Developers in Spain negotiate long term solar PPAs with utilities and manufacturers",
        "A wave of solar power purchase agreements in Spain reshapes renewable financing",
    ],
    "ports": [
        "The port of Genoa automated its container terminal with new cranes",
        "Container shipping lines cut dwell times at Genoa thanks to port logistics software",
        "Genoa port logistics operators invest in rail links for container traffic",
        "Shipping companies expand container capacity at the Genoa terminal",
    ],
    "sport": [
        "The football club won the derby with a late goal in the second half",
        "The cycling team prepares for the spring classics after a training camp",
        "Tennis fans queued for tickets to the final of the indoor tournament",
        "The basketball league announced the schedule of the playoffs",
    ],
    "cinema": [
        "The film festival awarded its golden prize to a debut director",
        "A restored silent movie returns to cinemas with live music",
        "The actress talked about her new role in a period drama",
        "Box office receipts rose thanks to a family animation film",
    ],
}
# Words that make each article its own story (a different company, place and number).
PLACES = ["Milano", "Torino", "Bologna", "Verona", "Padova", "Bari", "Napoli", "Trieste", "Parma",
          "Brescia", "Bergamo", "Modena", "Firenze", "Lecce", "Ancona", "Udine"]
NAMES = ["Rossi", "Bianchi", "Gallo", "Greco", "Conti", "Marino", "Costa", "Fontana", "Rizzo",
         "Lombardi", "Moretti", "Barbieri", "Ferrara", "Santoro", "Mariani", "Rinaldi"]
FILLER = "Analysts expect the trend to continue next year."

CONTACTS = """
- name: Anna Caffè
  email: anna@example.com
  kind: recruiter
  projects:
    - text: Renegotiating green coffee supply contracts with growers in Brazil.
      since: 2026-09-01
- name: Bruno Ferri
  email: bruno@example.com
  kind: headhunter
  projects:
    - text: Placing a CFO and finance directors in Italian manufacturing and industrial automation companies.
- name: Carla Nube
  email: carla@example.com
  kind: colleague
  projects:
    - text: Migrating our data platform to the cloud on Kubernetes.
- name: Dario Legge
  email: dario@example.com
  kind: mentor
  projects:
    - text: EU AI Act compliance for a bank's credit scoring models.
- name: Elena Sol
  email: elena@example.com
  kind: colleague
  projects:
    - text: Negotiating solar power purchase agreements (PPAs) in Spain.
- name: Fabio Porto
  email: fabio@example.com
  kind: recruiter
  projects:
    - text: Port logistics and container shipping at the Genoa terminal.
- name: Hugo Vela
  email: hugo@example.com
  kind: friend
  projects:
    - text: Restoring a vintage wooden sailing yacht with varnished teak decks.
- name: Irene Chiusa
  email: irene@example.com
  kind: recruiter
  do_not_contact: true
  projects:
    - text: Green coffee supply contracts with Brazilian growers.
"""


def article_items(topic: str, day: dt.date, n: int, base: str) -> dict:
    """The n-th article on `topic`, published on `day` (midday UTC)."""
    sentences = TOPICS[topic]
    place, name = PLACES[n % 16], NAMES[(n * 7) % 16]
    body = (f"{sentences[n % 4]}. In {place}, the {name} group reported its figures for quarter "
            f"{n % 4 + 1} and hired advisers from {PLACES[(n + 5) % 16]}. Chairman {NAMES[(n + 3) % 16]} "
            f"spoke to shareholders in {PLACES[(n + 9) % 16]} about year {2000 + n}. {FILLER}")
    published = dt.datetime.combine(day, dt.time(12, 0), tzinfo=dt.UTC)
    return {
        "title": f"{sentences[n % 4]} ({topic} {n})",
        "guid": f"{topic}-{n}",
        "link": f"{base}/articles/{topic}-{n}.html",
        "date": email.utils.format_datetime(published),
        "content": "<p>" + body + "</p>",
    }


def items_for(day: dt.date, base: str, topics: list[str]) -> list[dict]:
    """A feed's items as it looks on `day`: one article per topic every two days, 20 days back."""
    items = []
    for back in range(0, 20, 2):
        published = day - dt.timedelta(days=back)
        n = (published - START).days + 40
        items += [article_items(t, published, n, base) for t in topics]
    return items


def page_for(item: dict) -> bytes:
    """The article's web page: the text between navigation, a sidebar and comments."""
    return (
        "<!doctype html><html><head><title>" + item["title"] + "</title></head><body>"
        "<nav><a href='/'>Home</a> | <a href='/business'>Business</a> | <a href='/sport'>Sport</a></nav>"
        "<aside><h3>Most read</h3><ul><li>Football derby ends in a draw</li><li>Film festival prizes</li></ul></aside>"
        f"<article><h1>{item['title']}</h1>{item['content']}"
        "<p>Our correspondents followed the story through the week and spoke to several people "
        "involved, who asked not to be named because the talks are still going on.</p>"
        "<p>The next update is expected after the meeting of the board at the end of the month, "
        "when the final figures will be published.</p></article>"
        "<section class='comments'><h3>Comments</h3><p>First! Great article.</p></section>"
        "<footer>Copyright Example News. All rights reserved.</footer></body></html>"
    ).encode("utf-8")


@pytest.fixture
def world(cli, tmp_path, feed_server, db_url, monkeypatch):
    """A home whose database is `db_url` (a SQLite file, or PostgreSQL when available)."""
    home = tmp_path / "home"
    monkeypatch.setenv("MATCHER_DB", db_url)
    base = feed_server.url("")
    contacts = tmp_path / "contacts.yaml"
    contacts.write_text(CONTACTS, encoding="utf-8")
    cli("init")
    cli("contacts", "import", str(contacts), "--as-of", START.isoformat())
    return home, cli, base, contacts


@pytest.fixture
def engine(world, db_url):
    engine = create_engine(db_url)
    yield engine
    engine.dispose()


def serve_day(server: FeedServer, day: dt.date, base: str):
    """Business Daily carries full text; Tech Daily only a title and a link to the page."""
    server.set("/business.xml", rss("Business Daily", items_for(day, base, ["coffee", "cfo", "solar", "sport"]), link=base))
    tech = items_for(day, base, ["cloud", "ai", "ports", "cinema"])
    for item in tech:
        server.set(f"/articles/{item['guid']}.html", page_for(item), "text/html; charset=utf-8")
    teasers = [{**item, "content": None, "summary": item["title"]} for item in tech]
    server.set("/tech.xml", rss("Tech Daily", teasers, link=base))


@pytest.mark.slow
def test_a_month_of_nights_respects_every_courtesy_rule(world, feed_server, engine):
    home, cli, base, _ = world
    cli("feeds", "add", feed_server.url("/business.xml"), "--category", "Business")
    cli("feeds", "add", feed_server.url("/tech.xml"), "--category", "Tech")
    days = [START + dt.timedelta(days=i) for i in range(0, 45, 3)]
    pending_per_day = []
    for day in days:
        serve_day(feed_server, day, base)
        night = json.loads(cli("run", "--as-of", day.isoformat(), "--json").stdout)[0]
        assert night["feeds_failed"] == []
        assert night["pages_fetched"] >= 4  # Tech Daily's new articles, read from their pages
        pending = json.loads(cli("suggestions", "--json", "--as-of", day.isoformat()).stdout)
        pending_per_day.append(pending)
        # rule 3: never two pending for one person
        names = [s["contact"] for s in pending]
        assert len(names) == len(set(names))
        # the morning: Fabio is left pending (he will block himself), Bruno's are skipped,
        # the others are sent; Dario answers every time.
        for s in pending:
            if s["contact"] == "Bruno Ferri":
                cli("mark", str(s["id"]), "skipped", "--reason", "off-topic", "--as-of", day.isoformat())
            elif s["contact"] != "Fabio Porto":
                cli("mark", str(s["id"]), "sent", "--as-of", day.isoformat())
                if s["contact"] == "Dario Legge":
                    cli("log", "Dario", "reply", "--as-of", day.isoformat())

    with Session(engine) as session:
        suggestions = session.scalars(select(Suggestion).order_by(Suggestion.created_on, Suggestion.id)).all()
        by_contact: dict[str, list[Suggestion]] = {}
        for s in suggestions:
            by_contact.setdefault(s.contact.name, []).append(s)

        # nothing at all for a contact with nothing relevant, nor for a do-not-contact
        assert "Hugo Vela" not in by_contact
        assert "Irene Chiusa" not in by_contact
        # Tech Daily's articles got their text from the page, without the page's furniture
        page_articles = session.scalars(select(Article).where(Article.text_source == "page")).all()
        assert page_articles and all("Chairman" in a.text for a in page_articles)
        assert not any("Most read" in a.text or "First!" in a.text for a in page_articles)
        # everyone with something relevant got something, and only on their topic
        topic_of = {"Anna Caffè": "coffee", "Bruno Ferri": "cfo", "Carla Nube": "cloud",
                    "Dario Legge": "ai", "Elena Sol": "solar", "Fabio Porto": "ports"}
        for name, topic in topic_of.items():
            assert by_contact.get(name), f"{name} got nothing"
            assert all(s.article.title.endswith(f"({topic} {s.article.title.split()[-1]}") for s in by_contact[name])

        # rule 7: never more than the daily cap, and the cap binds on the first night
        per_day: dict[dt.date, int] = {}
        for s in suggestions:
            per_day[s.created_on] = per_day.get(s.created_on, 0) + 1
        assert max(per_day.values()) <= T.daily_cap
        assert per_day[days[0]] == T.daily_cap

        for name, items in by_contact.items():
            contact = items[0].contact
            touches = session.scalars(select(Touch).where(Touch.contact_id == contact.id).order_by(Touch.date, Touch.id)).all()
            # rule 4: never the same article (or story) twice to a person
            assert len({s.article_id for s in items}) == len(items)
            for s in items:
                # rule 5: never a stale article (nor one from the future)
                age = (s.created_on - s.article.published.date()).days
                assert 0 <= age <= T.freshness_days
                # rules 2 and 6: nobody proposed again inside their (possibly doubled) cadence
                before = [t for t in touches if t.date < s.created_on]
                if before:
                    unreplied = 0
                    for t in before:
                        unreplied = 0 if t.direction == "in" else unreplied + 1
                    days_ = T.cadence_by_kind.get(contact.kind, T.cadence_days)
                    if unreplied >= T.no_reply_limit:
                        days_ *= 2
                    assert (s.created_on - before[-1].date).days >= days_, (name, s.created_on)

        # Fabio's suggestions were never decided: each waited alone (rule 3) until its article
        # went stale and it expired; only then came the next one
        fabio = by_contact["Fabio Porto"]
        assert [s.status for s in fabio[:-1]] == ["expired"] * (len(fabio) - 1)
        for earlier, later in zip(fabio, fabio[1:]):
            assert later.created_on >= earlier.decided_on
        # Anna never replied: after 3 sends her cadence doubled (rule 6) — she got 3 in 45 days
        # at most (30 + 30 + 60 days apart needs more than the window)
        assert len(by_contact["Anna Caffè"]) <= 3
        # Carla (colleague, 21 days) was proposed again, with another story
        assert len(by_contact["Carla Nube"]) >= 2
        # skipped and sent marks are kept
        assert {s.status for s in by_contact["Bruno Ferri"]} == {"skipped"}
        assert all(s.skip_reason == "off-topic" for s in by_contact["Bruno Ferri"])

    # why explains Fabio's hold and Anna's doubled cadence
    why = json.loads(cli("why", "Fabio", "--json", "--as-of", days[-1].isoformat()).stdout)[0]
    # (rule 4 when his last one expired and every fresh article that fits him was proposed
    # already: which articles he got depends on the ranking's order, the hold does not)
    assert why["ok"] is False and why["rule"] in (3, 2, 4)
    why_hugo = json.loads(cli("why", "Hugo", "--json", "--as-of", days[-1].isoformat()).stdout)[0]
    assert why_hugo["ok"] is False and why_hugo["rule"] == 5
    why_irene = json.loads(cli("why", "Irene", "--json", "--as-of", days[-1].isoformat()).stdout)[0]
    assert why_irene["rule"] == 1

    # top ignores the throttle: Irene's coffee articles are there, with reasons
    top = json.loads(cli("top", "Irene", "--json", "--limit", "3", "--as-of", days[-1].isoformat()).stdout)
    assert top and all("coffee" in row["title"] for row in top)
    assert all(set(row) >= {"article_url", "title", "score", "reasons"} for row in top)
    assert top == sorted(top, key=lambda r: -r["fit"])  # ordered by fit; score is what the threshold judges


@pytest.mark.slow
def test_second_night_with_nothing_new_gets_304s_and_adds_nothing(world, feed_server, engine):
    home, cli, base, _ = world
    cli("feeds", "add", feed_server.url("/business.xml"))
    cli("feeds", "add", feed_server.url("/tech.xml"))
    serve_day(feed_server, START, base)
    first = json.loads(cli("run", "--as-of", START.isoformat(), "--json").stdout)[0]
    assert first["articles_new"] > 0
    with Session(engine) as session:
        articles = session.scalar(select(Article.id).order_by(Article.id.desc()).limit(1))
        count = session.query(Suggestion).count()
    second = json.loads(cli("run", "--as-of", START.isoformat(), "--json").stdout)[0]
    assert second["not_modified"] == 2 and second["articles_new"] == 0
    assert second["suggestions_new"] == 0
    for path in ("/business.xml", "/tech.xml"):
        last = feed_server.requests_for(path)[-1]
        assert last.status == 304 and "If-None-Match" in last.headers
    with Session(engine) as session:
        assert session.scalar(select(Article.id).order_by(Article.id.desc()).limit(1)) == articles
        assert session.query(Suggestion).count() == count


@pytest.mark.slow
def test_bad_input_gets_one_line_and_loses_nothing(world, feed_server, tmp_path, engine):
    home, cli, base, contacts = world
    cli("feeds", "add", feed_server.url("/business.xml"))
    serve_day(feed_server, START, base)
    feed_server.set("/html.xml", b"<!doctype html><html><body><p>Welcome to our shop</p></body></html>", "text/html")
    feed_server.set("/garbage.xml", bytes(range(256)) * 20, "application/octet-stream")
    cli("feeds", "add", feed_server.url("/html.xml"))
    cli("feeds", "add", feed_server.url("/garbage.xml"))

    run = cli("run", "--as-of", START.isoformat())
    assert run.exit_code == 0
    assert "html.xml" in run.output and "garbage.xml" in run.output
    status = json.loads(cli("feeds", "status", "--json").stdout)
    failing = {r["url"].rsplit("/", 1)[-1]: r for r in status if r["error_count"]}
    assert set(failing) == {"html.xml", "garbage.xml"}
    assert all(r["last_error"] and r["next_check"] for r in failing.values())
    assert next(r for r in status if r["url"].endswith("business.xml"))["status"].startswith("ok")

    bad_opml = tmp_path / "bad.opml"
    bad_opml.write_text('<?xml version="1.0"?>\n<opml version="2.0"><body>\n'
                        '<outline xmlUrl="http://a.example/rss" text="A"/>\n<outline text="broken">\n'
                        "</body></opml>\n", encoding="utf-8")
    result = cli("feeds", "import", str(bad_opml), ok=False)
    assert result.exit_code != 0
    error = result.output.strip().splitlines()
    assert len(error) == 1 and f"{bad_opml}:" in error[0]
    assert len(json.loads(cli("feeds", "list", "--json").stdout)) == 3

    bad_contacts = tmp_path / "bad.yaml"
    bad_contacts.write_text("- name: New Person\n  email: new@example.com\n"
                            "- name: Wrong Date\n  birthday: 1984-13-40\n", encoding="utf-8")
    result = cli("contacts", "import", str(bad_contacts), ok=False)
    assert result.exit_code != 0
    error = result.output.strip().splitlines()
    assert len(error) == 1 and f"{bad_contacts}:4" in error[0]
    names = {c["name"] for c in json.loads(cli("contacts", "list", "--json").stdout)}
    assert "New Person" not in names and "Anna Caffè" in names and len(names) == 8


def test_terminal_escapes_from_a_feed_are_printed_harmlessly(world, feed_server, engine):
    home, cli, base, _ = world
    day = START
    item = article_items("coffee", day, 1, base)
    item["title"] = "\x1b[2J\x1b]0;pwned\x07Coffee growers in Brazil \x1b[31mrenegotiate\x1b[0m supply contracts"
    feed_server.set("/evil.xml", rss("\x1b[5mEvil\x1b[0m Coffee News\x07", [item], link=base))
    cli("feeds", "add", feed_server.url("/evil.xml"))
    cli("run", "--as-of", day.isoformat())
    review = cli("review", "--as-of", day.isoformat(), input="q\n")
    assert "Coffee growers in Brazil renegotiate supply contracts" in review.output
    assert "Evil Coffee News" in review.output
    assert "\x1b" not in review.output and "\x07" not in review.output
    listed = cli("suggestions", "--as-of", day.isoformat())
    assert "\x1b" not in listed.output
    # the review decides: sent records a touch dated the as-of day
    cli("review", "--as-of", day.isoformat(), input="s\n")
    with Session(engine) as session:
        touch = session.scalars(select(Touch)).one()
        assert (touch.kind, touch.date) == ("article", day)
