"""The courtesy throttle's pure rules, each with the reason and the day it would pass."""

import datetime as dt
import json

from hypothesis import given
from hypothesis import strategies as st

from matcher.config import ThrottleSettings
from matcher.courtesy.throttle import (
    ContactState,
    Rule,
    article_verdict,
    cadence,
    contact_verdict,
    courteous_from,
    daily_room,
    news_verdict,
    pick_within_cap,
    tact_verdict,
)

T = ThrottleSettings()
TODAY = dt.date(2026, 11, 25)


def test_rules_keep_the_numbers_of_the_product():
    """Scripts read the number (`why --json`, `run --json`'s held): it is PRODUCT.md's."""
    assert {r.name: int(r) for r in Rule} == {
        "DO_NOT_CONTACT": 1, "CADENCE": 2, "ONE_IN_FLIGHT": 3, "ALREADY_SENT": 4,
        "FRESH_AND_RELEVANT": 5, "NO_REPLY_BACKOFF": 6, "DAILY_CAP": 7, "TACT": 8,
    }
    assert json.dumps({"rule": Rule.DAILY_CAP}) == '{"rule": 7}'
    assert Rule.ONE_IN_FLIGHT.label == "one thing in flight"


def test_a_new_contact_is_courteous():
    assert contact_verdict(ContactState(), TODAY, T).ok


def test_rule_1_do_not_contact_and_snooze():
    v = contact_verdict(ContactState(do_not_contact=True), TODAY, T)
    assert (v.ok, v.rule) == (False, Rule.DO_NOT_CONTACT)
    v = contact_verdict(ContactState(snoozed_until=TODAY + dt.timedelta(days=3)), TODAY, T)
    assert (v.ok, v.rule, v.passes_on) == (False, Rule.DO_NOT_CONTACT, TODAY + dt.timedelta(days=3))
    assert contact_verdict(ContactState(snoozed_until=TODAY), TODAY, T).ok


def test_rule_2_cadence_by_kind_and_override():
    last = TODAY - dt.timedelta(days=25)
    assert contact_verdict(ContactState(kind="colleague", last_touch=last), TODAY, T).ok  # 21 days
    v = contact_verdict(ContactState(kind="recruiter", last_touch=last), TODAY, T)
    assert (v.rule, v.passes_on) == (Rule.CADENCE, last + dt.timedelta(days=30))
    v = contact_verdict(ContactState(kind="headhunter", last_touch=last), TODAY, T)
    assert v.passes_on == last + dt.timedelta(days=45)
    v = contact_verdict(ContactState(kind="colleague", cadence_days=60, last_touch=last), TODAY, T)
    assert v.passes_on == last + dt.timedelta(days=60)
    assert contact_verdict(ContactState(kind="stranger", last_touch=TODAY - dt.timedelta(days=30)), TODAY, T).ok


def test_rule_3_one_thing_in_flight():
    v = contact_verdict(ContactState(pending=1), TODAY, T)
    assert (v.ok, v.rule) == (False, Rule.ONE_IN_FLIGHT)


def test_rule_6_no_reply_backoff_doubles_cadence():
    last = TODAY - dt.timedelta(days=40)
    assert contact_verdict(ContactState(kind="recruiter", last_touch=last, unreplied=2), TODAY, T).ok
    v = contact_verdict(ContactState(kind="recruiter", last_touch=last, unreplied=3), TODAY, T)
    assert (v.rule, v.passes_on) == (Rule.NO_REPLY_BACKOFF, last + dt.timedelta(days=60))
    assert cadence(ContactState(kind="recruiter", unreplied=3), T) == (60, True)


def test_rules_4_and_5_on_articles():
    fresh = TODAY - dt.timedelta(days=2)
    assert article_verdict(published=fresh, score=0.5, today=TODAY, settings=T).ok
    sent = article_verdict(published=fresh, score=0.5, today=TODAY, settings=T, already_suggested=True)
    assert sent.rule == Rule.ALREADY_SENT
    same_story = article_verdict(published=fresh, score=0.5, today=TODAY, settings=T, near_duplicate_of="x")
    assert same_story.rule == Rule.ALREADY_SENT
    stale = article_verdict(published=TODAY - dt.timedelta(days=15), score=0.9, today=TODAY, settings=T)
    assert (stale.rule, "15 days" in stale.reason) == (Rule.FRESH_AND_RELEVANT, True)
    weak = article_verdict(published=fresh, score=T.min_score / 2, today=TODAY, settings=T)
    assert weak.rule == Rule.FRESH_AND_RELEVANT and "threshold" in weak.reason
    undated = article_verdict(published=TODAY + dt.timedelta(days=1), score=0.9, today=TODAY, settings=T)
    assert undated.rule == Rule.FRESH_AND_RELEVANT


def test_rule_7_daily_and_weekly_caps():
    assert daily_room(4, 0, T, TODAY).ok
    v = daily_room(5, 0, T, TODAY)
    assert (v.rule, v.passes_on) == (Rule.DAILY_CAP, TODAY + dt.timedelta(days=1))
    weekly = ThrottleSettings(weekly_send_cap=3)
    assert daily_room(0, 2, weekly, TODAY).ok and not daily_room(0, 3, weekly, TODAY).ok
    assert daily_room(0, 100, T, TODAY).ok  # the weekly cap is off by default


class C:
    def __init__(self, score, kind="article"):
        self.score, self.kind = score, kind


def test_cap_keeps_the_best():
    picked = pick_within_cap([C(0.2), C(0.9), C(0.5), C(0.3), C(0.8), C(0.1), C(0.7)], 1, T)
    assert [c.score for c in picked] == [0.9, 0.8, 0.7, 0.5]


def test_cap_picks_congratulations_on_company_news_first():
    picked = pick_within_cap([C(0.9), C(0.1, "congratulation"), C(0.8), C(0.7)], 3, T)
    assert [(c.kind, c.score) for c in picked] == [("congratulation", 0.1), ("article", 0.9)]


def test_rule_8_tact_holds_bad_news_with_its_reason():
    v = tact_verdict("bad", 'bad: "licenziamenti"', "Nordica Retail, 300 licenziamenti")
    assert (v.ok, v.rule, v.rule.label) == (False, Rule.TACT, "tact")
    assert v.reason == 'bad news about their company — bad: "licenziamenti": Nordica Retail, 300 licenziamenti'
    assert tact_verdict("good", "", "x").ok and tact_verdict("neutral", "", "x").ok


def test_news_verdict_is_rule_4_and_freshness_without_a_score():
    fresh = TODAY - dt.timedelta(days=2)
    assert news_verdict(published=fresh, today=TODAY, settings=T).ok
    assert news_verdict(published=fresh, today=TODAY, settings=T, already_suggested=True).rule == Rule.ALREADY_SENT
    stale = news_verdict(published=TODAY - dt.timedelta(days=15), today=TODAY, settings=T)
    assert stale.rule == Rule.FRESH_AND_RELEVANT


states = st.builds(
    ContactState,
    kind=st.sampled_from(["", "colleague", "recruiter", "headhunter", "mentor"]),
    cadence_days=st.none() | st.integers(1, 400),
    do_not_contact=st.booleans(),
    snoozed_until=st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2028, 1, 1)),
    last_touch=st.none() | st.dates(dt.date(2025, 1, 1), dt.date(2026, 11, 25)),
    unreplied=st.integers(0, 10),
    pending=st.integers(0, 2),
)


@given(states, st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)))
def test_property_a_verdict_always_explains_itself(state, today):
    v = contact_verdict(state, today, T)
    if v.ok:
        assert not state.do_not_contact and not state.pending
        if state.last_touch:
            assert (today - state.last_touch).days >= cadence(state, T)[0]
    else:
        assert v.rule in (Rule.DO_NOT_CONTACT, Rule.CADENCE, Rule.ONE_IN_FLIGHT, Rule.NO_REPLY_BACKOFF)
        assert v.reason
        if v.passes_on is not None:
            assert v.passes_on > today
            # the day it says it passes, that rule no longer holds
            later = contact_verdict(state, v.passes_on, T)
            assert (later.ok or later.rule != v.rule
                    or v.rule == Rule.DO_NOT_CONTACT and later.passes_on != v.passes_on)


@given(states, st.dates(dt.date(2026, 1, 1), dt.date(2027, 12, 31)), st.integers(0, 200))
def test_property_never_inside_the_cadence(state, today, offset):
    """Whatever the history, no one is courteous again inside their (possibly doubled) cadence."""
    touched = ContactState(**{**state.__dict__, "last_touch": today})
    days, _ = cadence(touched, T)
    verdict = contact_verdict(touched, today + dt.timedelta(days=offset), T)
    if offset < days:
        assert not verdict.ok
    elif not touched.do_not_contact and not touched.pending and not touched.snoozed_until:
        assert verdict.ok


def test_courteous_from_follows_each_rule_to_the_first_day_that_passes():
    end = TODAY + dt.timedelta(days=60)
    touched = dict(kind="recruiter", last_touch=dt.date(2026, 11, 20))
    day, held = courteous_from(ContactState(**touched), TODAY, T, end)
    assert day == dt.date(2026, 12, 20) and held.rule == Rule.CADENCE
    # a snooze ending inside the cadence: the cadence still decides
    day, held = courteous_from(ContactState(**touched, snoozed_until=dt.date(2026, 12, 1)), TODAY, T, end)
    assert day == dt.date(2026, 12, 20) and held.rule == Rule.CADENCE
    day, held = courteous_from(ContactState(**touched, snoozed_until=dt.date(2027, 1, 3)), TODAY, T, end)
    assert day == dt.date(2027, 1, 3) and held.rule == Rule.DO_NOT_CONTACT
    # three unreplied touches double the cadence (rule 6)
    day, held = courteous_from(ContactState(**touched, unreplied=3), TODAY, T, end)
    assert day == dt.date(2027, 1, 19) and held.rule == Rule.NO_REPLY_BACKOFF
    # past the window, or unknowable (a suggestion waiting), or never: no day
    assert courteous_from(ContactState(**touched), TODAY, T, dt.date(2026, 12, 19))[0] is None
    assert courteous_from(ContactState(pending=1), TODAY, T, end)[0] is None
    assert courteous_from(ContactState(do_not_contact=True), TODAY, T, end)[0] is None
    assert courteous_from(ContactState(), TODAY, T, end) == (TODAY, contact_verdict(ContactState(), TODAY, T))
