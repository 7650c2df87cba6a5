"""Deciding suggestions: list them, mark one sent or skipped, or go through them one card
at a time. Everything printed from an article passes through `textsafe.clean`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import click
from rich.console import Console
from rich.panel import Panel
from rich.table import Table
from rich.text import Text
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session, selectinload

from matcher.errors import MatcherError, NotFound
from matcher.models import Article, Suggestion
from matcher.tact.shown import MentionInfo, mention_of
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


def mention(s: Suggestion) -> MentionInfo | None:
    """The suggestion's article naming the contact's company (matcher.tact), if it does."""
    session = object_session(s)
    return mention_of(session, s.article_id, s.contact_id) if session is not None else None


def suggestion_to_dict(s: Suggestion) -> dict:
    """The stable JSON shape. A greeting has no article: article_url is None and
    article_title is the occasion's title; `kind` tells them apart. `mention`: the
    article names the contact's company ({contact, company_words, tone, tone_reason}), or None."""
    a = s.article
    about = mention(s)
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
        "edited": s.edited,
        "mention": about.to_dict() if about else None,
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


def card(s: Suggestion, position: str = "") -> Panel:
    """One suggestion as a terminal card ("3 of 7" in `position`); feed text is cleaned of
    control sequences."""
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
        about = mention(s)
        if about is not None:
            body.append("About their company: ", style="dim")
            body.append(clean(f"{about.company_words} — {about.tone_reason}", single_line=True) + "\n")
        # a congratulation on company news: the news is the reason, not a topical score
        body.append("\nwhy: " if s.kind == "congratulation" else f"\nscore {s.score:.2f}  matching: ", style="dim")
        body.append(", ".join(clean(r, single_line=True) for r in (s.reasons or [])) + "\n")
    body.append("\nedited draft:\n" if s.edited is not None else "\ndraft:\n", style="dim")
    body.append(clean(message(s)) + "\n")
    label = "suggestion" if (s.kind or "article") == "article" else s.kind
    return Panel(body, title=f"{label} {s.id}" + (f" · {position}" if position else ""), title_align="left")


@dataclass
class ReviewSummary:
    sent: int = 0
    skipped: int = 0
    later: int = 0
    edited: int = 0


KINDS = ("article", "news", "greeting", "congratulation")
KEYS = "[s]ent  s[k]ip  [l]ater  [o]pen  [m]ail  [c]opy  [p]rofile  [e]dit  [q]uit"
TABLE_ROWS = 20  # the list before the cards fits one screen; the cards show the rest


class NoClipboard(MatcherError):
    """This machine has no clipboard the clipboard library can use."""


def copy_to_clipboard(text: str) -> None:
    """Put `text` on the clipboard (pyperclip); NoClipboard where there is none."""
    import pyperclip  # only the review copies: other commands never load it
    try:
        pyperclip.copy(text)
    except pyperclip.PyperclipException as e:
        raise NoClipboard("no clipboard on this machine (install xclip, xsel or wl-clipboard)") from e


def message(s: Suggestion) -> str:
    """What is sent: the user's edit of the draft when there is one, else the draft."""
    return s.edited if s.edited is not None else (s.draft or "")


def subject(s: Suggestion) -> str:
    """The e-mail's subject: the article's title, or the occasion's."""
    return clean(s.article.title if s.article else s.title, single_line=True)


def mailto_url(to: str | None, subject: str, body: str) -> str:
    """A `mailto:` URL (RFC 6068): subject and body percent-encoded as UTF-8, line breaks
    as CRLF; without an address the mail client asks for one."""
    body = "\r\n".join(body.splitlines())
    query = urlencode({"subject": subject, "body": body}, quote_via=quote)
    return f"mailto:{quote(to or '', safe='@')}?{query}"


def pending_table(suggestions: list[Suggestion]) -> Table:
    """The day's pending proposals and greetings on one screen: who, what, score, kind."""
    table = Table(title=f"{len(suggestions)} pending", title_justify="left", expand=True)
    # one line a row: the title gives way (ellipsis), the short columns never do
    table.add_column("#", justify="right", no_wrap=True, min_width=2)
    table.add_column("who", no_wrap=True, min_width=12, max_width=24, overflow="ellipsis")
    table.add_column("what", no_wrap=True, overflow="ellipsis", ratio=1)
    table.add_column("score", justify="right", no_wrap=True, min_width=5)
    table.add_column("kind", no_wrap=True, min_width=14)
    for n, s in enumerate(suggestions[:TABLE_ROWS], 1):
        # Text, not str: a name or title with [brackets] is shown as it is, never as markup
        table.add_row(str(n), Text(clean(s.contact.name, single_line=True)), Text(subject(s)), f"{s.score:.2f}",
                      s.kind or "article")
    if len(suggestions) > TABLE_ROWS:
        table.add_row("…", f"and {len(suggestions) - TABLE_ROWS} more", "", "", "")
    return table


@dataclass
class Desk:
    """What a card reaches: the user's keys and answers, the desktop's opener (article, mail,
    profile), the clipboard and the editor. `print_url` prints the mail URL instead of
    opening it, for a machine without a desktop. Tests pass fakes."""
    read_key: Callable[[], str]
    ask: Callable[[str], str]
    open_url: Callable[[str], object] = click.launch
    copy: Callable[[str], None] = copy_to_clipboard
    edit: Callable[[str], str | None] = click.edit
    print_url: bool = False


def review(session: Session, today: dt.date, console: Console, desk: Desk, kind: str | None = None) -> ReviewSummary:
    """The list of the suggestions pending on `today` (of one `kind`, or all), then one card
    at a time; each decision is committed at once."""
    if kind is not None and kind not in KINDS:
        raise MatcherError(f"unknown kind {kind!r}; one of: {', '.join(KINDS)}")
    pending = [s for s in list_suggestions(session, "pending", today) if kind in (None, s.kind or "article")]
    summary = ReviewSummary()
    if not pending:
        console.print("nothing pending" + (f" of kind {kind}" if kind else ""))
        return summary
    console.print(pending_table(pending))
    for n, s in enumerate(pending, 1):
        console.print(card(s, f"{n} of {len(pending)}"))
        decision = decide(session, s, today, console, desk, summary)
        if decision == "quit":
            break
        session.commit()
    return summary


def decide(session: Session, s: Suggestion, today: dt.date, console: Console, desk: Desk,
           summary: ReviewSummary) -> str:
    """Keys on one card until a decision: "sent", "skipped", "later" or "quit". Mail, copy
    and profile ask "sent?" after, so the mark follows what happened."""
    while True:
        console.print(KEYS, style="dim", markup=False)
        key = (desk.read_key() or "").lower()
        if key in ("q", "\x03", "\x04", ""):
            return "quit"
        if key == "l":
            summary.later += 1
            return "later"
        if key == "k":
            reason = desk.ask("reason (optional, e.g. off-topic)").strip()
            mark(session, s.id, "skipped", today, reason or None)
            summary.skipped += 1
            return "skipped"
        if key == "o":
            if s.article and s.article.url:
                show_opened(console, desk.open_url(s.article.url), s.article.url)
            continue
        if key == "e":
            edit_message(s, console, desk, summary)
            session.commit()  # the edit is kept even if the card is left for later
            continue
        if key in ("m", "c", "p"):
            if not hand_over(key, s, console, desk):
                continue
            if not desk.ask("sent? [y/N]").strip().lower().startswith("y"):
                continue
        elif key != "s":
            continue
        mark(session, s.id, "sent", today)
        summary.sent += 1
        return "sent"


def hand_over(key: str, s: Suggestion, console: Console, desk: Desk) -> bool:
    """Mail (m), copy (c) or the profile (p): True when it was done (or the draft shown to
    copy by hand), so it may have been sent."""
    if key == "m":
        url = mailto_url(s.contact.email, subject(s), message(s))
        if not s.contact.email:
            console.print(f"no e-mail for {clean(s.contact.name, single_line=True)}: the mail has no address yet")
        if desk.print_url:
            console.print(url, markup=False, soft_wrap=True)
            return True
        return show_opened(console, desk.open_url(url), url)
    if key == "c":
        try:
            desk.copy(message(s))
        except NoClipboard as e:
            console.print(f"{e}; copy the draft from here:", markup=False, soft_wrap=True)
            console.print(clean(message(s)), markup=False, soft_wrap=True)
        else:
            console.print("draft copied to the clipboard")
        return True
    profile = clean(s.contact.profile_url or "", single_line=True)
    if not profile:
        console.print(f"no profile URL for {clean(s.contact.name, single_line=True)}")
        return False
    return show_opened(console, desk.open_url(profile), profile)


def show_opened(console: Console, status: object, url: str) -> bool:
    """Say what the opener did, True when it opened: `click.launch` returns non-zero where
    it found no opener (for http URLs it falls back to `webbrowser` and returns 0)."""
    if status:
        console.print(f"could not open it (no desktop opener here): {clean(url, single_line=True)}", markup=False,
                      soft_wrap=True)
        return False
    console.print(f"opening {clean(url, single_line=True)}", markup=False, soft_wrap=True)
    return True


def edit_message(s: Suggestion, console: Console, desk: Desk, summary: ReviewSummary) -> None:
    """Open the message in the editor and keep the edit with the suggestion (the draft stays)."""
    text = desk.edit(message(s))
    if text is None:  # closed without saving
        console.print("not changed")
        return
    text = text.rstrip()
    s.edited = None if text == (s.draft or "").rstrip() else text
    summary.edited += 1
    console.print("edited draft:", style="dim")
    console.print(clean(message(s)), markup=False, soft_wrap=True)


def suggestion_rows(db, status: str = "pending", as_of: dt.date | None = None) -> list[dict]:
    """The suggestions with `status` made by `as_of`, as `suggestion_to_dict` shows them."""
    with db.reading() as session:
        return [suggestion_to_dict(s) for s in list_suggestions(session, status, as_of)]


def mark_one(db, suggestion_id: int, status: str, today: dt.date, reason: str | None = None) -> dict:
    """Decide one suggestion in one transaction; returns it as `suggestion_to_dict` shows it."""
    with db.session() as session:
        return suggestion_to_dict(mark(session, suggestion_id, status, today, reason))


def review_in(db, today: dt.date, console: Console, desk: Desk, kind: str | None = None) -> ReviewSummary:
    """`review` on the home's database: each decision is its own transaction, so quitting
    half-way keeps what was decided."""
    with db.session() as session:
        return review(session, today, console, desk, kind)
