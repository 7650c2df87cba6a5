"""The two read-only views on the day's ranking: `top` (the best fresh articles for one
contact, no throttle) and `why` (the throttle's word on proposing to them today: an article
or a congratulation on good news about their company, the bad news held back, and a greeting
or congratulation when an occasion's window is open). One ranking
serves the night and both, so `matcher top` shows exactly what the night would weigh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import select
from sqlalchemy.orm import Session

from matcher.config import Settings
from matcher.contacts.store import find_contact
from matcher.courtesy import throttle
from matcher.courtesy.occasions import occasions_between, open_occasions
from matcher.courtesy.throttle import Rule
from matcher.drafts import fallback_note
from matcher.greetings import contact_dates, occasion_verdict
from matcher.models import Article, Contact, Project, Suggestion
from matcher.ranking import Ranking, current_projects
from matcher.suggest import Candidate, company_news, earlier_suggestions, made_on, proposal
from matcher.tact.shown import MentionInfo, mentions_of
from matcher.touches import contact_state, sends_in_week


@dataclass
class TopRow:
    """One of `top`'s rows. `score` orders the rows and is what the threshold judges: the
    blend of `lexical` (the project's words, expanded in the article's language) and
    `semantic` (the sentence vectors' cosine); `passes` says whether the night could propose it
    (not bad news about their company, whatever the score).
    `mentions`: the contact's company named in the article (matcher.tact), with the tone."""

    article: Article
    score: float
    reasons: list[str]
    project: Project
    lexical: float = 0.0
    semantic: float = 0.0
    passes: bool = False
    mentions: list[MentionInfo] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "article_url": self.article.url, "title": self.article.title,
            "score": round(self.score, 4), "fit": round(self.score, 4), "reasons": self.reasons,
            "lexical": round(self.lexical, 4), "semantic": round(self.semantic, 4), "passes": self.passes,
            "published": self.article.published.date().isoformat() if self.article.published else None,
            "feed": self.article.feed.title if self.article.feed else "",
            "project": self.project.text,
            "mentions": [m.to_dict() for m in self.mentions],
        }


def top(session: Session, settings: Settings, contact_ref: str, today: dt.date, limit: int = 10) -> tuple[Contact, list[TopRow]]:
    """The best-scoring fresh articles for one contact, ignoring the throttle."""
    contact = find_contact(session, contact_ref)
    projects = current_projects(contact, today, settings.occasions.retire_project_days)
    if not projects:
        return contact, []
    ranking = Ranking.for_reading(session, today, settings)
    if not ranking.articles:
        return contact, []
    scored = ranking.scores([contact], today).row(0)
    passes = ranking.passing(scored)
    stories, shown = ranking.stories(), set()
    rows = []
    for j in np.argsort(-scored.rank, kind="stable"):
        if len(rows) >= limit or scored.rank[j] <= 0:
            break
        if stories[j] in shown:  # the same story from another feed: shown once, best-ranked
            continue
        shown.add(stories[j])
        project = projects[int(scored.project[j])]
        rows.append(TopRow(ranking.articles[j], float(scored.rank[j]), ranking.reasons(project.text, int(j)),
                           project, float(scored.lexical[j]), float(scored.semantic[j]), bool(passes[j])))
    about = mentions_of(session, [r.article.id for r in rows], contact.id)
    for r in rows:
        r.mentions = about.get(r.article.id, [])
        # bad news about their company: the night never proposes it to them (rule 8)
        r.passes = r.passes and not any(m.tone == "bad" for m in r.mentions)
    return contact, rows


@dataclass
class WhyReport:
    contact: Contact
    verdict: throttle.Verdict
    cadence_days: int
    last_touch: dt.date | None
    unreplied: int
    best: Candidate | None = None  # what the night would propose: a congratulation or an article
    held_back: throttle.Verdict | None = None  # rule 8 on an article that would have been the best
    occasions: list[dict] = field(default_factory=list)  # open today, each with its verdict
    next_occasion: dict | None = None                    # the next one, when none is open
    draft_note: str = ""                                 # e.g. an article's draft is in English

    def to_dict(self) -> dict:
        v = self.verdict
        return {
            "contact": self.contact.name, "ok": v.ok, "rule": int(v.rule) if v.rule else None,
            "rule_name": v.rule.label if v.rule else "", "reason": v.reason,
            "passes_on": v.passes_on.isoformat() if v.passes_on else None,
            "cadence_days": self.cadence_days,
            "last_touch": self.last_touch.isoformat() if self.last_touch else None,
            "unreplied": self.unreplied,
            "best_kind": self.best.kind if self.best else None,
            "best_article_url": self.best.article.url if self.best else None,
            "best_article_title": self.best.article.title if self.best else None,
            "best_score": round(self.best.score, 4) if self.best else None,
            "best_semantic": round(self.best.semantic, 4) if self.best else None,
            "best_lexical": round(self.best.lexical, 4) if self.best else None,
            "best_reasons": self.best.reasons if self.best else None,
            "occasions": self.occasions, "next_occasion": self.next_occasion,
            "draft_note": self.draft_note,
            # rule 8 held back an article that ranked above what would be proposed
            "held_back": {"rule": int(self.held_back.rule), "rule_name": self.held_back.rule.label,
                          "reason": self.held_back.reason} if self.held_back is not None else None,
        }


def why(session: Session, settings: Settings, contact_ref: str, today: dt.date) -> WhyReport:
    """What the throttle says about one contact today, rule by rule, as the night would."""
    contact = find_contact(session, contact_ref)
    state = contact_state(session, contact, today)
    days, _ = throttle.cadence(state, settings.throttle)
    report = WhyReport(contact, throttle.PASS, days, state.last_touch, state.unreplied)
    report.occasions, report.next_occasion = occasions_today(session, settings, contact, today)
    language = contact.language or settings.user.language
    report.draft_note = fallback_note("article", language, settings.home)
    verdict = throttle.contact_verdict(state, today, settings.throttle)
    if not verdict:
        report.verdict = verdict
        return report
    ranking = Ranking.for_reading(session, today, settings)
    if ranking.articles:
        scored = ranking.scores([contact], today)
        earlier = earlier_suggestions(session, [contact.id]).get(contact.id, [])
        news = company_news(session, today, settings, [contact.id]).get(contact.id, [])
        report.best, verdict = proposal(ranking, contact, scored.row(0), earlier, news, today, settings)
        report.held_back = report.best.held_back if report.best else (verdict if verdict.rule == Rule.TACT else None)
        if report.best:
            report.draft_note = fallback_note(report.best.kind, language, settings.home)
    else:
        verdict = throttle.Verdict(False, Rule.FRESH_AND_RELEVANT, "no fresh article in the last "
                                   f"{settings.throttle.freshness_days} days")
    if verdict:
        room = throttle.daily_room(made_on(session, today), sends_in_week(session, today), settings.throttle, today)
        verdict = verdict if room else room
    report.verdict = verdict
    return report


def occasions_today(session: Session, settings: Settings, contact: Contact,
                    today: dt.date) -> tuple[list[dict], dict | None]:
    """The occasions whose greeting window is open today, each with the verdict the night
    would give; when none is open, the next occasion within a year (None if there is none)."""
    dates = contact_dates(contact, settings)
    earlier = list(session.scalars(select(Suggestion).where(
        Suggestion.contact_id == contact.id, Suggestion.occasion.is_not(None))))
    rows = []
    for o in open_occasions(dates, today, settings.occasions):
        v = occasion_verdict(contact, o, earlier, today, settings)
        rows.append({
            "date": o.date.isoformat(), "kind": o.kind, "message": o.message, "title": o.title,
            "occasion_reason": o.reason, "ok": v.ok, "rule": int(v.rule) if v.rule else None,
            "rule_name": v.rule.label if v.rule else "", "reason": v.reason,
            "passes_on": v.passes_on.isoformat() if v.passes_on else None,
            "draft_note": fallback_note(o.message, dates.language, settings.home),
        })
    if rows:
        return rows, None
    ahead = occasions_between(dates, today, today + dt.timedelta(days=365), settings.occasions)
    if not ahead:
        return [], None
    o = ahead[0]
    return [], {"date": o.date.isoformat(), "kind": o.kind, "message": o.message, "title": o.title,
                "opens": o.opens.isoformat()}


def top_rows(db, settings: Settings, contact_ref: str, today: dt.date, limit: int = 10) -> tuple[str, list[dict]]:
    """`top` in a session that only reads: the contact's name and the rows as dicts."""
    with db.reading() as session:
        contact, rows = top(session, settings, contact_ref, today, limit)
        return contact.name, [r.to_dict() for r in rows]


def why_row(db, settings: Settings, contact_ref: str, today: dt.date) -> dict:
    """`why` in a session that only reads, as a dict."""
    with db.reading() as session:
        return why(session, settings, contact_ref, today).to_dict()
