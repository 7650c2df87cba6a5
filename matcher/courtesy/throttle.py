"""The courtesy throttle: pure decisions about writing to a person, each with its reason.

Nothing here touches the database. The caller gathers a `ContactState` (plain facts about
one contact on one day) and asks; every answer is a `Verdict` that says which `Rule` held
the contact or the article back and from which day it would pass, so `matcher why` can
explain it in words.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from enum import IntEnum

from matcher.config import ThrottleSettings


class Rule(IntEnum):
    """The rules, numbered as in PRODUCT.md (8, tact, came with issue 14: see the README);
    the number is what `--json` prints."""

    DO_NOT_CONTACT = 1      # not marked do-not-contact, not snoozed
    CADENCE = 2             # the last touch (any kind, either direction) is the cadence ago
    ONE_IN_FLIGHT = 3       # no other pending suggestion
    ALREADY_SENT = 4        # not sent this article, nor a near-duplicate of it
    FRESH_AND_RELEVANT = 5  # the article is fresh and its score passes the threshold
    NO_REPLY_BACKOFF = 6    # after `no_reply_limit` unreplied touches the cadence doubles
    DAILY_CAP = 7           # at most `daily_cap` new suggestions a day, best first (and
                            # an optional weekly cap on sends)
    TACT = 8                # never bad news about the contact's own company (issue 14)

    @property
    def label(self) -> str:
        """The rule in a few words, for `matcher why`."""
        return _LABELS[self]


_LABELS = {
    Rule.DO_NOT_CONTACT: "do-not-contact / snoozed",
    Rule.CADENCE: "cadence",
    Rule.ONE_IN_FLIGHT: "one thing in flight",
    Rule.ALREADY_SENT: "already sent",
    Rule.FRESH_AND_RELEVANT: "fresh and relevant",
    Rule.NO_REPLY_BACKOFF: "no-reply backoff",
    Rule.DAILY_CAP: "daily cap",
    Rule.TACT: "tact",
}


@dataclass(frozen=True)
class ContactState:
    """What the throttle needs to know about one contact today."""

    kind: str = ""
    cadence_days: int | None = None  # the contact's own override
    do_not_contact: bool = False
    snoozed_until: dt.date | None = None
    last_touch: dt.date | None = None
    unreplied: int = 0               # our touches in a row since their last reply
    pending: int = 0                 # suggestions waiting for review


@dataclass(frozen=True)
class Verdict:
    ok: bool
    rule: Rule | None = None         # the rule that held back, None when ok
    reason: str = ""
    passes_on: dt.date | None = None  # the first day it would pass, when that is knowable

    def __bool__(self) -> bool:
        return self.ok


PASS = Verdict(True, None, "courteous today")


def cadence(state: ContactState, settings: ThrottleSettings) -> tuple[int, bool]:
    """Days to wait between touches, and whether the no-reply backoff (rule 6) doubled it."""
    days = state.cadence_days or settings.cadence_by_kind.get(state.kind, settings.cadence_days)
    backoff = settings.no_reply_limit > 0 and state.unreplied >= settings.no_reply_limit
    return (days * 2 if backoff else days), backoff


def contact_verdict(state: ContactState, today: dt.date, settings: ThrottleSettings) -> Verdict:
    """Rules 1, 2, 3 and 6: may we propose anything at all to this person today?"""
    if state.do_not_contact:
        return Verdict(False, Rule.DO_NOT_CONTACT, "marked do-not-contact")
    if state.snoozed_until and today < state.snoozed_until:
        return Verdict(False, Rule.DO_NOT_CONTACT, f"snoozed until {state.snoozed_until}",
                       state.snoozed_until)
    if state.pending:
        return Verdict(False, Rule.ONE_IN_FLIGHT, "a suggestion is already waiting for your review")
    if state.last_touch is not None:
        days, backoff = cadence(state, settings)
        due = state.last_touch + dt.timedelta(days=days)
        if today < due:
            if backoff:
                return Verdict(
                    False, Rule.NO_REPLY_BACKOFF,
                    f"{state.unreplied} touches in a row with no reply: cadence doubled to "
                    f"{days} days since the last touch on {state.last_touch}",
                    due,
                )
            return Verdict(
                False, Rule.CADENCE, f"last touch on {state.last_touch}, cadence {days} days", due
            )
    return PASS


def courteous_from(state: ContactState, today: dt.date, settings: ThrottleSettings,
                   until: dt.date) -> tuple[dt.date | None, Verdict]:
    """The first day from `today` to `until` on which `contact_verdict` passes, found by
    following each verdict's `passes_on` (a snooze may end inside a cadence); None when
    no day up to `until` passes or the day is unknowable (a suggestion waiting for review).
    Also the last verdict that held, for its reason."""
    day, held = today, contact_verdict(state, today, settings)
    while not held and held.passes_on is not None and day < held.passes_on <= until:
        day = held.passes_on
        verdict = contact_verdict(state, day, settings)
        if verdict:
            return day, held
        held = verdict
    return (day, held) if held else (None, held)


def article_verdict(
    *,
    published: dt.date | None,
    score: float,
    today: dt.date,
    settings: ThrottleSettings,
    already_suggested: bool = False,
    near_duplicate_of: str | None = None,
    semantic: float | None = None,
    lexical: float | None = None,
) -> Verdict:
    """Rules 4 and 5: may this article go to this (otherwise courteous) person?"""
    verdict = news_verdict(published=published, today=today, settings=settings,
                           already_suggested=already_suggested, near_duplicate_of=near_duplicate_of)
    if not verdict:
        return verdict
    if score < settings.min_score:
        return Verdict(False, Rule.FRESH_AND_RELEVANT,
                       f"score {score:.2f} is under the threshold {settings.min_score:.2f}")
    return signals_verdict(semantic, lexical, settings)


def news_verdict(
    *,
    published: dt.date | None,
    today: dt.date,
    settings: ThrottleSettings,
    already_suggested: bool = False,
    near_duplicate_of: str | None = None,
) -> Verdict:
    """Rule 4 and the freshness of rule 5, without the score: all a congratulation on good
    news about the contact's company asks, since the mention itself is its relevance."""
    if already_suggested:
        return Verdict(False, Rule.ALREADY_SENT, "this article was already proposed to them")
    if near_duplicate_of:
        return Verdict(False, Rule.ALREADY_SENT, f"the same story was already proposed: {near_duplicate_of}")
    if published is None or published > today:
        return Verdict(False, Rule.FRESH_AND_RELEVANT, "the article has no usable publication date")
    age = (today - published).days
    if age > settings.freshness_days:
        return Verdict(False, Rule.FRESH_AND_RELEVANT,
                       f"published {age} days ago (fresh means {settings.freshness_days})")
    return PASS


def tact_verdict(tone: str, tone_reason: str, title: str) -> Verdict:
    """Rule 8: an article whose news is bad for the contact's own company (`tone` "bad", from
    the night's mentions) is never proposed to them, whatever its score."""
    if tone == "bad":
        return Verdict(False, Rule.TACT, f"bad news about their company — {tone_reason}: {title}")
    return PASS


def signals_verdict(semantic: float | None, lexical: float | None, settings: ThrottleSettings) -> Verdict:
    """Rule 5's agreement: the meaning (sentence vectors) and the words (TF-IDF, in the
    article's language) must both say the article fits; a shared word alone is not enough,
    and neither is a vague likeness of topic. None: that signal is not available."""
    if semantic is not None and semantic < settings.min_semantic:
        return Verdict(False, Rule.FRESH_AND_RELEVANT,
                       f"the words match but the meaning does not: semantic {semantic:.2f} "
                       f"is under {settings.min_semantic:.2f}")
    if lexical is not None and lexical < settings.min_lexical:
        return Verdict(False, Rule.FRESH_AND_RELEVANT,
                       f"the topic is close but the article's words do not match: lexical "
                       f"{lexical:.2f} is under {settings.min_lexical:.2f}")
    return PASS


def daily_room(
    made_today: int, sent_last_week: int, settings: ThrottleSettings, today: dt.date
) -> Verdict:
    """Rule 7: is there room for one more new suggestion today?"""
    tomorrow = today + dt.timedelta(days=1)
    if made_today >= settings.daily_cap:
        return Verdict(False, Rule.DAILY_CAP,
                       f"already {made_today} new suggestions today (cap {settings.daily_cap})", tomorrow)
    if settings.weekly_send_cap and sent_last_week >= settings.weekly_send_cap:
        return Verdict(
            False, Rule.DAILY_CAP,
            f"already {sent_last_week} sends in the last 7 days (weekly cap {settings.weekly_send_cap})",
        )
    return PASS


def pick_within_cap(candidates: list, made_today: int, settings: ThrottleSettings) -> list:
    """Rule 7's selection: the highest-value candidates that fit under today's cap.

    `candidates` have a `.score` and a `.kind`; at most one per contact is expected (rule 3).
    Congratulations on good news about a contact's company come first, whatever their
    score: such news is rare and does not wait.
    """
    room = max(0, settings.daily_cap - made_today)
    return sorted(candidates, key=lambda c: (c.kind == "congratulation", c.score), reverse=True)[:room]
