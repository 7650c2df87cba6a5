"""Deciding suggestions: list them, mark one sent or skipped, or go through them one card
at a time. Everything printed from an article passes through `textsafe.clean`."""

from __future__ import annotations

import datetime as dt
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass

from rich.console import Console
from rich.panel import Panel
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from matcher.errors import MatcherError, NotFound
from matcher.models import Article, Suggestion
from matcher.textsafe import clean
from matcher.touches import add_touch

STATUSES = ("pending", "sent", "skipped", "expired")


def list_suggestions(session: Session, status: str = "pending", as_of: dt.date | None = None) -> list[Suggestion]:
    """Suggestions with `status` ("all": any), oldest first, best first within a day; with
    `as_of`, only those made by that day, so a replayed day does not see later nights'."""
    query = select(Suggestion).options(
        selectinload(Suggestion.contact), selectinload(Suggestion.article).selectinload(Article.feed),
        selectinload(Suggestion.project),
    )
    if status != "all":
        if status not in STATUSES:
            raise MatcherError(f"unknown status {status!r}; one of: {', '.join(STATUSES)}, all")
        query = query.where(Suggestion.status == status)
    if as_of is not None:
        query = query.where(Suggestion.created_on <= as_of)
    return list(session.scalars(query.order_by(Suggestion.created_on, Suggestion.score.desc(), Suggestion.id)))


def suggestion_to_dict(s: Suggestion) -> dict:
    """The stable JSON shape. A greeting has no article: article_url is None and
    article_title is the occasion's title; `kind` tells them apart."""
    a = s.article
    return {
        "id": s.id,
        "contact": s.contact.name,
        "contact_id": s.contact_id,
        "kind": s.kind or "article",
        "article_url": a.url if a else None,
        "article_title": a.title if a else s.title,
        "occasion_on": s.occasion_on.isoformat() if s.occasion_on else None,
        "published": a.published.date().isoformat() if a and a.published else None,
        "feed": a.feed.title if a and a.feed else "",
        "project": s.project.text if s.project else "",
        "score": s.score,
        "reasons": list(s.reasons or []),
        "draft": s.draft,
        "status": s.status,
        "created_on": s.created_on.isoformat(),
        "decided_on": s.decided_on.isoformat() if s.decided_on else None,
        "skip_reason": s.skip_reason,
    }


def mark(session: Session, suggestion_id: int, status: str, today: dt.date, reason: str | None = None) -> Suggestion:
    """Decide one suggestion. Sent records a touch dated `today`."""
    if status not in ("sent", "skipped"):
        raise MatcherError(f"a suggestion can be marked sent or skipped, not {status!r}")
    suggestion = session.get(Suggestion, suggestion_id)
    if suggestion is None:
        raise NotFound(f"no suggestion with id {suggestion_id}")
    if suggestion.status != "pending":
        raise MatcherError(
            f"suggestion {suggestion_id} is already {suggestion.status}"
            + (f" (on {suggestion.decided_on})" if suggestion.decided_on else "")
        )
    suggestion.status, suggestion.decided_on = status, today
    if status == "skipped":
        suggestion.skip_reason = reason or None
    else:
        # the touch has the suggestion's kind: article, news, greeting or congratulation
        title = suggestion.article.title if suggestion.article else suggestion.title
        add_touch(session, suggestion.contact, suggestion.kind or "article", today,
                  note=clean(title, single_line=True), suggestion_id=suggestion.id)
    return suggestion


def card(s: Suggestion) -> Panel:
    """One suggestion as a terminal card; feed text is cleaned of control sequences."""
    a = s.article
    body = Text()
    body.append(f"{clean(s.contact.name, single_line=True)}", style="bold")
    extra = ", ".join(x for x in (clean(s.contact.role, single_line=True), clean(s.contact.company, single_line=True)) if x)
    body.append(f"  {extra}\n" if extra else "\n")
    if s.project:
        body.append("working on: ", style="dim")
        body.append(clean(s.project.text, single_line=True) + "\n")
    body.append("\n")
    if a is None:  # a greeting or congratulation: the occasion instead of an article
        body.append(clean(f"{s.kind}: {s.title}", single_line=True) + "\n", style="bold magenta")
        if s.occasion_on:
            body.append(f"on {s.occasion_on.isoformat()}\n", style="dim")
        body.append("\nwhy: ", style="dim")
        body.append(", ".join(clean(r, single_line=True) for r in (s.reasons or [])) + "\n")
    else:
        body.append(clean(a.title, single_line=True) + "\n", style="bold cyan")
        source = clean(a.feed.title, single_line=True) if a.feed else ("your news" if s.kind == "news" else "")
        date = a.published.date().isoformat() if a.published else "undated"
        body.append(f"{source}  {date}\n", style="dim")
        body.append(clean(a.url, single_line=True) + "\n")
        body.append(f"\nscore {s.score:.2f}  matching: ", style="dim")
        body.append(", ".join(clean(r, single_line=True) for r in (s.reasons or [])) + "\n")
    body.append("\ndraft:\n", style="dim")
    body.append(clean(s.draft) + "\n")
    label = "suggestion" if (s.kind or "article") == "article" else s.kind
    return Panel(body, title=f"{label} {s.id}", title_align="left")


@dataclass
class ReviewSummary:
    sent: int = 0
    skipped: int = 0
    later: int = 0


KEYS = "[s]ent  s[k]ip  [l]ater  [o]pen  [q]uit"


def review(
    session: Session,
    today: dt.date,
    console: Console,
    read_key: Callable[[], str],
    ask: Callable[[str], str],
    open_url: Callable[[str], object] = webbrowser.open,
) -> ReviewSummary:
    """Go through the suggestions pending on `today` one card at a time; each decision is
    committed at once."""
    summary = ReviewSummary()
    for s in list_suggestions(session, "pending", today):
        console.print(card(s))
        while True:
            console.print(KEYS, style="dim", markup=False)
            key = (read_key() or "").lower()
            if key == "s":
                mark(session, s.id, "sent", today)
                summary.sent += 1
            elif key == "k":
                reason = ask("reason (optional, e.g. off-topic)").strip()
                mark(session, s.id, "skipped", today, reason or None)
                summary.skipped += 1
            elif key == "l":
                summary.later += 1
            elif key == "o":
                if s.article and s.article.url:
                    open_url(s.article.url)
                continue
            elif key in ("q", "\x03", "\x04", ""):
                return summary
            else:
                continue
            session.commit()
            break
    return summary


def suggestion_rows(db, status: str = "pending", as_of: dt.date | None = None) -> list[dict]:
    """The suggestions with `status` made by `as_of`, as `suggestion_to_dict` shows them."""
    with db.reading() as session:
        return [suggestion_to_dict(s) for s in list_suggestions(session, status, as_of)]


def mark_one(db, suggestion_id: int, status: str, today: dt.date, reason: str | None = None) -> dict:
    """Decide one suggestion in one transaction; returns it as `suggestion_to_dict` shows it."""
    with db.session() as session:
        return suggestion_to_dict(mark(session, suggestion_id, status, today, reason))


def review_in(db, today: dt.date, console: Console, read_key: Callable[[], str],
              ask: Callable[[str], str]) -> ReviewSummary:
    """`review` on the home's database: each decision is its own transaction, so quitting
    half-way keeps what was decided."""
    with db.session() as session:
        return review(session, today, console, read_key, ask)
