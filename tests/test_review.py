"""Deciding suggestions on a day: the library shows that day's suggestions, not later nights'."""

import datetime as dt
import io
from urllib.parse import parse_qs, unquote, urlsplit

import pytest
from rich.console import Console
from sqlalchemy import select

from matcher.contacts.show import contact_card
from matcher.models import Article, Contact, Suggestion, Touch
from matcher.review import Desk, NoClipboard, list_suggestions, mailto_url, review, suggestion_to_dict

DAY = dt.date(2026, 11, 20)


def propose(db, made_on: list[dt.date]) -> None:
    """One pending suggestion to one contact for each day in `made_on`."""
    with db.session() as session:
        for n, day in enumerate(made_on):
            contact = Contact(name=f"Contact {n}")
            article = Article(key=f"a{n}", title=f"Article {n}", url=f"https://r.example/{n}", text="t",
                              published=dt.datetime.combine(day, dt.time(8)))
            session.add_all([contact, article])
            session.flush()
            session.add(Suggestion(contact_id=contact.id, article_id=article.id, score=0.5, reasons=["coffee"],
                                   draft="Hi", status="pending", created_on=day))


def test_a_day_lists_the_suggestions_made_by_then(db):
    propose(db, [DAY - dt.timedelta(days=2), DAY, DAY + dt.timedelta(days=1)])
    with db.session() as session:
        assert [s.created_on for s in list_suggestions(session, "pending", DAY)] == [
            DAY - dt.timedelta(days=2), DAY]
        assert len(list_suggestions(session, "all", DAY - dt.timedelta(days=3))) == 0
        assert len(list_suggestions(session, "pending")) == 3  # no day: every one


def test_review_on_a_replayed_day_decides_only_that_days_suggestions(db):
    propose(db, [DAY - dt.timedelta(days=1), DAY + dt.timedelta(days=1)])
    out = io.StringIO()
    with db.session() as session:
        summary = review(session, DAY, Console(file=out, width=100), Desk(read_key=lambda: "s", ask=lambda _: ""))
    assert (summary.sent, summary.skipped, summary.later) == (1, 0, 0)
    assert "Article 0" in out.getvalue() and "Article 1" not in out.getvalue()
    with db.session() as session:
        statuses = dict(session.execute(select(Suggestion.created_on, Suggestion.status)).all())
        touches = session.scalars(select(Touch.date)).all()
    assert statuses == {DAY - dt.timedelta(days=1): "sent", DAY + dt.timedelta(days=1): "pending"}
    assert touches == [DAY]


# --- the desk: mail, clipboard, profile, editor ---------------------------------------------

def test_a_mailto_url_round_trips_italian_accents_and_line_breaks():
    body = "Ciao Giulia,\nperché non leggi questo? È già là.\n\nA presto"
    url = mailto_url("giulia.conti+news@example.it", "Caffè: più qualità", body)
    parts = urlsplit(url)
    assert parts.scheme == "mailto" and unquote(parts.path) == "giulia.conti+news@example.it"
    assert " " not in url and "\n" not in url and "è" not in url  # all of it percent-encoded
    query = parse_qs(parts.query, keep_blank_values=True)
    assert query["subject"] == ["Caffè: più qualità"]
    assert query["body"] == [body.replace("\n", "\r\n")]  # RFC 6068: CRLF line breaks
    assert "%0D%0A" in url and "+" not in parts.query  # spaces as %20, never "+" (which is a plus)


def test_a_mailto_url_without_an_address_leaves_it_to_the_mail_client():
    assert mailto_url(None, "a b", "c").startswith("mailto:?subject=a%20b&body=c")


def keys(*pressed: str):
    """A read_key that presses these keys, then q."""
    queue = list(pressed)
    return lambda: queue.pop(0) if queue else "q"


def answers(*given: str):
    queue = list(given)
    return lambda prompt: queue.pop(0) if queue else ""


def one_card(db, email="c0@example.it", profile_url="https://www.linkedin.com/in/c0"):
    propose(db, [DAY])
    with db.session() as session:
        contact = session.scalars(select(Contact)).one()
        contact.email, contact.profile_url = email, profile_url


def test_mail_opens_the_mail_client_and_asks_whether_it_was_sent(db):
    one_card(db)
    opened, out = [], io.StringIO()
    desk = Desk(read_key=keys("m", "m"), ask=answers("n", "y"), open_url=lambda url: opened.append(url) or 0)
    with db.session() as session:
        summary = review(session, DAY, Console(file=out, width=100), desk)
    assert summary.sent == 1  # the first "sent?" was no: the card stayed
    assert len(opened) == 2 and opened[0].startswith("mailto:c0@example.it?subject=Article%200&body=Hi")
    with db.session() as session:
        assert session.scalars(select(Suggestion.status)).one() == "sent"
        assert session.scalars(select(Touch.date)).all() == [DAY]


def test_mail_with_print_url_prints_it_and_opens_nothing(db):
    one_card(db, email=None)
    out = io.StringIO()
    desk = Desk(read_key=keys("m", "l"), ask=answers("n"), open_url=lambda url: pytest.fail("opened"),
                print_url=True)
    with db.session() as session:
        summary = review(session, DAY, Console(file=out, width=300), desk)
    assert summary.later == 1 and "mailto:?subject=Article%200&body=Hi" in out.getvalue()
    assert "no e-mail for Contact 0" in out.getvalue()


def test_no_desktop_opener_says_so_shows_the_url_and_asks_nothing(db):
    one_card(db)
    out = io.StringIO()
    desk = Desk(read_key=keys("m", "p", "o"), ask=lambda prompt: pytest.fail(f"asked {prompt}"),
                open_url=lambda url: 1)  # what click.launch returns where it found no opener
    with db.session() as session:
        review(session, DAY, Console(file=out, width=300), desk)
    assert "could not open it (no desktop opener here): mailto:c0@example.it?subject=" in out.getvalue()
    assert "could not open it (no desktop opener here): https://www.linkedin.com/in/c0" in out.getvalue()
    assert "could not open it (no desktop opener here): https://r.example/0" in out.getvalue()


def test_a_contact_without_a_profile_is_not_asked_sent(db):
    one_card(db, profile_url="")
    out = io.StringIO()
    desk = Desk(read_key=keys("p"), ask=lambda prompt: pytest.fail(f"asked {prompt}"))
    with db.session() as session:
        review(session, DAY, Console(file=out, width=100), desk)
    assert "no profile URL for Contact 0" in out.getvalue()


def test_no_clipboard_says_so_and_shows_the_draft(db):
    one_card(db)
    out = io.StringIO()

    def no_clipboard(text):
        raise NoClipboard("no clipboard on this machine (install xclip, xsel or wl-clipboard)")

    desk = Desk(read_key=keys("c"), ask=answers("y"), copy=no_clipboard)
    with db.session() as session:
        assert review(session, DAY, Console(file=out, width=100), desk).sent == 1
    assert "no clipboard on this machine (install xclip, xsel or wl-clipboard); copy the draft from here:\nHi\n" \
        in out.getvalue()


def test_an_edit_is_kept_beside_the_draft_and_is_what_is_mailed(db):
    one_card(db)
    opened, out = [], io.StringIO()
    desk = Desk(read_key=keys("e", "m"), ask=answers("y"), open_url=lambda url: opened.append(url) or 0,
                edit=lambda text: text + " Giulia,\nperché no?\n")
    with db.session() as session:
        summary = review(session, DAY, Console(file=out, width=100), desk)
    assert (summary.sent, summary.edited) == (1, 1)
    with db.session() as session:
        s = session.scalars(select(Suggestion)).one()
        assert (s.draft, s.edited) == ("Hi", "Hi Giulia,\nperché no?")
        assert suggestion_to_dict(s)["edited"] == "Hi Giulia,\nperché no?"
    assert parse_qs(urlsplit(opened[0]).query)["body"] == ["Hi Giulia,\r\nperché no?"]
    touches = contact_card(db, "Contact 0", DAY)["touches"]  # what `contacts show` prints
    assert [(t["kind"], t["message"]) for t in touches] == [("article", "Hi Giulia,\nperché no?")]


def test_an_editor_closed_without_saving_changes_nothing(db):
    one_card(db)
    desk = Desk(read_key=keys("e"), ask=answers(), edit=lambda text: None)
    with db.session() as session:
        review(session, DAY, Console(file=io.StringIO(), width=100), desk)
    with db.session() as session:
        assert session.scalars(select(Suggestion.edited)).one() is None


def test_the_list_comes_first_and_kind_filters_it(db):
    propose(db, [DAY, DAY, DAY])
    with db.session() as session:
        first = session.scalars(select(Suggestion).order_by(Suggestion.id)).first()
        first.kind, first.title, first.article_id = "greeting", "Thanksgiving Day [red]", None
    out = io.StringIO()
    with db.session() as session:
        review(session, DAY, Console(file=out, width=100), Desk(read_key=keys("l"), ask=answers()))
    text = out.getvalue()
    assert text.index("3 pending") < text.index("Thanksgiving Day [red]") < text.index("1 of 3")  # not markup
    assert "2 of 3" in text and "3 of 3" not in text  # later on the first card, quit on the second
    out = io.StringIO()
    with db.session() as session:
        review(session, DAY, Console(file=out, width=100), Desk(read_key=keys(), ask=answers()), kind="greeting")
    assert "1 pending" in out.getvalue() and "greeting 1 · 1 of 1" in out.getvalue()
    assert "Article 1" not in out.getvalue()
