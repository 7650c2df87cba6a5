"""Scores + courtesy → suggestions. Also the two read-only views on the same ranking:
`top` (best fresh articles for one contact, no throttle) and `why` (the throttle's word).

One ranking serves all three, so `matcher top` shows exactly what the night would weigh.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
from sqlalchemy import func, select
from sqlalchemy.orm import Session, selectinload

from matcher.config import Settings
from matcher.contacts.store import find_contact
from matcher.courtesy import throttle
from matcher.drafts import first_name, render
from matcher.matching.analysis import detect_language
from matcher.matching.duplicates import is_near_duplicate
from matcher.matching.tfidf import ProjectMatcher
from matcher.models import Article, Contact, Project, Suggestion
from matcher.touches import contact_state, sends_in_week


def day_end(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.max)


def fresh_articles(session: Session, today: dt.date, settings: Settings) -> list[Article]:
    """Articles published within the freshness window ending `today` (rule 5's first half)."""
    start = dt.datetime.combine(today - dt.timedelta(days=settings.throttle.freshness_days), dt.time.min)
    return list(session.scalars(
        select(Article).where(Article.published >= start, Article.published <= day_end(today))
        .order_by(Article.published.desc(), Article.id)
    ))


def fill_languages(articles: list[Article]) -> None:
    """Detect the language of articles that do not have one yet (stored with them)."""
    for article in articles:
        if not article.language:
            article.language = detect_language(f"{article.title}. {article.text or article.summary}") or "und"


def current_projects(contact: Contact, today: dt.date) -> list[Project]:
    return [p for p in contact.projects if p.is_current(today) and p.text.strip()]


@dataclass
class Ranking:
    """The fitted matcher over one day's fresh articles."""

    articles: list[Article]
    matcher: ProjectMatcher | None

    @classmethod
    def build(cls, session: Session, today: dt.date, settings: Settings) -> Ranking:
        articles = fresh_articles(session, today, settings)
        fill_languages(articles)
        matcher = ProjectMatcher().fit(articles) if articles else None
        return cls(articles, matcher)

    def scores(self, contacts: list[Contact], today: dt.date):
        """(best score, best project index) per contact × article; zeros where no project."""
        projects = [[p.text for p in current_projects(c, today)] for c in contacts]
        if self.matcher is None or not contacts:
            shape = (len(contacts), len(self.articles))
            return np.zeros(shape), np.zeros(shape, dtype=int)
        return self.matcher.score_contacts(projects, self.articles)


@dataclass
class Candidate:
    contact: Contact
    article: Article
    project: Project
    score: float
    reasons: list[str]


@dataclass
class SuggestReport:
    created: list[int] = field(default_factory=list)
    expired: int = 0
    held: dict[int, int] = field(default_factory=dict)  # rule -> contacts held back by it
    considered: int = 0


def expire_stale(session: Session, today: dt.date, settings: Settings) -> int:
    """Pending suggestions whose article is no longer fresh become `expired`."""
    limit = day_end(today - dt.timedelta(days=settings.throttle.freshness_days + 1))
    stale = session.scalars(
        select(Suggestion).join(Article)
        .where(Suggestion.status == "pending", Article.published <= limit)
    ).all()
    for suggestion in stale:
        suggestion.status, suggestion.decided_on = "expired", today
    return len(stale)


def _earlier_suggestions(session: Session, contact_ids: list[int]) -> dict[int, list[Suggestion]]:
    rows = session.scalars(
        select(Suggestion).options(selectinload(Suggestion.article))
        .where(Suggestion.contact_id.in_(contact_ids))
    ).all() if contact_ids else []
    out: dict[int, list[Suggestion]] = {}
    for s in rows:
        out.setdefault(s.contact_id, []).append(s)
    return out


def _best_candidate(
    ranking: Ranking, contact: Contact, row_scores, row_projects, earlier: list[Suggestion],
    today: dt.date, settings: Settings,
) -> tuple[Candidate | None, throttle.Verdict]:
    """The best article that passes rules 4 and 5 for one courteous contact."""
    projects = current_projects(contact, today)
    if not projects:
        return None, throttle.Verdict(False, 5, "no current project to match articles against")
    seen_ids = {s.article_id for s in earlier}
    earlier_matrix = (
        ranking.matcher.transform_articles([s.article for s in earlier]) if earlier else None
    )
    last = throttle.Verdict(False, 5, "no fresh article")
    for j in np.argsort(-row_scores, kind="stable"):
        article, score = ranking.articles[j], float(row_scores[j])
        if score < settings.throttle.min_score:
            if last.rule != 4:
                last = throttle.article_verdict(
                    published=article.published.date(), score=score, today=today,
                    settings=settings.throttle)
            break
        dup = None
        if earlier_matrix is not None and article.id not in seen_ids:
            row = ranking.matcher.transform_articles([article])
            hit = is_near_duplicate(row, earlier_matrix, settings.throttle.near_duplicate)
            dup = "an earlier version of this story" if hit else None
        verdict = throttle.article_verdict(
            published=article.published.date(), score=score, today=today,
            settings=settings.throttle, already_suggested=article.id in seen_ids,
            near_duplicate_of=dup,
        )
        if verdict:
            project = projects[int(row_projects[j])]
            reasons = ranking.matcher.reasons(project.text, article)
            return Candidate(contact, article, project, score, reasons), verdict
        last = verdict
    return None, last


def draft_for(candidate: Candidate, settings: Settings) -> str:
    contact = candidate.contact
    language = contact.language or settings.user.language
    return render(
        "article", language, settings.home,
        first_name=first_name(contact.name), project=project_phrase(candidate.project.text),
        title=candidate.article.title, url=candidate.article.url, sender=settings.user.name,
    )


def project_phrase(text: str, limit: int = 70) -> str:
    """The first sentence of a project, cut at a word near `limit`, for a draft."""
    sentence = text.strip().split(". ")[0].rstrip(". ")
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return f"{sentence[:1].lower()}{sentence[1:]}"


def suggest(session: Session, settings: Settings, today: dt.date) -> SuggestReport:
    """The night's suggestions: courteous contacts, their best fresh article, under the cap."""
    report = SuggestReport(expired=expire_stale(session, today, settings))
    session.flush()
    made_today = session.scalar(
        select(func.count()).select_from(Suggestion).where(Suggestion.created_on == today)
    ) or 0
    room = throttle.daily_room(made_today, sends_in_week(session, today), settings.throttle, today)
    contacts = list(session.scalars(
        select(Contact).options(selectinload(Contact.projects)).order_by(Contact.id)
    ))
    courteous = []
    for contact in contacts:
        verdict = throttle.contact_verdict(contact_state(session, contact, today), today, settings.throttle)
        if verdict:
            courteous.append(contact)
        else:
            report.held[verdict.rule] = report.held.get(verdict.rule, 0) + 1
    report.considered = len(courteous)
    if not room or not courteous:
        if not room and courteous:
            report.held[7] = report.held.get(7, 0) + len(courteous)
        return report
    ranking = Ranking.build(session, today, settings)
    if not ranking.articles:
        return report
    best, best_project = ranking.scores(courteous, today)
    earlier = _earlier_suggestions(session, [c.id for c in courteous])
    candidates = []
    for i, contact in enumerate(courteous):
        candidate, verdict = _best_candidate(
            ranking, contact, best[i], best_project[i], earlier.get(contact.id, []), today, settings)
        if candidate:
            candidates.append(candidate)
        else:
            report.held[verdict.rule] = report.held.get(verdict.rule, 0) + 1
    chosen = throttle.pick_within_cap(candidates, made_today, settings.throttle)
    if len(chosen) < len(candidates):
        report.held[7] = report.held.get(7, 0) + len(candidates) - len(chosen)
    for candidate in chosen:
        suggestion = Suggestion(
            contact_id=candidate.contact.id, article_id=candidate.article.id,
            project_id=candidate.project.id, score=round(candidate.score, 4),
            reasons=candidate.reasons, draft=draft_for(candidate, settings),
            status="pending", created_on=today,
        )
        session.add(suggestion)
        session.flush()
        report.created.append(suggestion.id)
    return report


@dataclass
class TopRow:
    article: Article
    score: float
    reasons: list[str]
    project: Project

    def to_dict(self) -> dict:
        return {
            "article_url": self.article.url, "title": self.article.title,
            "score": round(self.score, 4), "reasons": self.reasons,
            "published": self.article.published.date().isoformat() if self.article.published else None,
            "feed": self.article.feed.title if self.article.feed else "",
            "project": self.project.text,
        }


def top(session: Session, settings: Settings, contact_ref: str, today: dt.date, limit: int = 10) -> tuple[Contact, list[TopRow]]:
    """The best-scoring fresh articles for one contact, ignoring the throttle."""
    contact = find_contact(session, contact_ref)
    projects = current_projects(contact, today)
    if not projects:
        return contact, []
    ranking = Ranking.build(session, today, settings)
    if not ranking.articles:
        return contact, []
    best, best_project = ranking.scores([contact], today)
    rows = []
    for j in np.argsort(-best[0], kind="stable")[:limit]:
        if best[0][j] <= 0:
            break
        project = projects[int(best_project[0][j])]
        article = ranking.articles[j]
        rows.append(TopRow(article, float(best[0][j]), ranking.matcher.reasons(project.text, article), project))
    return contact, rows


@dataclass
class WhyReport:
    contact: Contact
    verdict: throttle.Verdict
    cadence_days: int
    last_touch: dt.date | None
    unreplied: int
    best: Candidate | None = None

    def to_dict(self) -> dict:
        v = self.verdict
        return {
            "contact": self.contact.name, "ok": v.ok, "rule": v.rule,
            "rule_name": throttle.RULE_NAMES.get(v.rule, ""), "reason": v.reason,
            "passes_on": v.passes_on.isoformat() if v.passes_on else None,
            "cadence_days": self.cadence_days,
            "last_touch": self.last_touch.isoformat() if self.last_touch else None,
            "unreplied": self.unreplied,
            "best_article_url": self.best.article.url if self.best else None,
            "best_article_title": self.best.article.title if self.best else None,
            "best_score": round(self.best.score, 4) if self.best else None,
        }


def why(session: Session, settings: Settings, contact_ref: str, today: dt.date) -> WhyReport:
    """What the throttle says about one contact today, rule by rule, as the night would."""
    contact = find_contact(session, contact_ref)
    state = contact_state(session, contact, today)
    days, _ = throttle.cadence(state, settings.throttle)
    report = WhyReport(contact, throttle.PASS, days, state.last_touch, state.unreplied)
    verdict = throttle.contact_verdict(state, today, settings.throttle)
    if not verdict:
        report.verdict = verdict
        return report
    ranking = Ranking.build(session, today, settings)
    if ranking.articles:
        best, best_project = ranking.scores([contact], today)
        earlier = _earlier_suggestions(session, [contact.id]).get(contact.id, [])
        report.best, verdict = _best_candidate(
            ranking, contact, best[0], best_project[0], earlier, today, settings)
    else:
        verdict = throttle.Verdict(False, 5, "no fresh article in the last "
                                   f"{settings.throttle.freshness_days} days")
    if verdict:
        made_today = session.scalar(
            select(func.count()).select_from(Suggestion).where(Suggestion.created_on == today)) or 0
        room = throttle.daily_room(made_today, sends_in_week(session, today), settings.throttle, today)
        verdict = verdict if room else room
    report.verdict = verdict
    return report
