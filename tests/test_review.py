"""Deciding suggestions on a day: the library shows that day's suggestions, not later nights'."""

import datetime as dt
import io

from rich.console import Console
from sqlalchemy import select

from matcher.models import Article, Contact, Suggestion, Touch
from matcher.review import list_suggestions, review

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
        summary = review(session, DAY, Console(file=out, width=100), read_key=lambda: "s", ask=lambda _: "")
    assert (summary.sent, summary.skipped, summary.later) == (1, 0, 0)
    assert "Article 0" in out.getvalue() and "Article 1" not in out.getvalue()
    with db.session() as session:
        statuses = dict(session.execute(select(Suggestion.created_on, Suggestion.status)).all())
        touches = session.scalars(select(Touch.date)).all()
    assert statuses == {DAY - dt.timedelta(days=1): "sent", DAY + dt.timedelta(days=1): "pending"}
    assert touches == [DAY]
