"""Scores + courtesy → suggestions: the night's proposals, at most one courteous article
per contact, through the throttle's rules (`suggest`)."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field, replace

import numpy as np
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session, selectinload

from matcher.config import Settings
from matcher.courtesy import throttle
from matcher.courtesy.throttle import Rule
from matcher.drafts import fallback_note, first_name, render
from matcher.matching.duplicates import near_duplicates
from matcher.matching.ranker import ContactScores
from matcher.models import Article, Contact, Project, Suggestion
from matcher.ranking import NEWS_SOURCE, Ranking, current_projects, day_end
from matcher.touches import contact_states, sends_in_week


def throttle_for(article: Article, settings: Settings) -> throttle.ThrottleSettings:
    """The throttle settings for one article: own news has its own freshness window."""
    if article.text_source == NEWS_SOURCE:
        return replace(settings.throttle, freshness_days=settings.occasions.news_freshness_days)
    return settings.throttle



# Greetings keep their own window and do not use up the daily cap of articles (rule 7).
CAPPED_KINDS = ("article", "news")

@dataclass
class Candidate:
    contact: Contact
    article: Article
    project: Project
    score: float
    ranking: Ranking = field(repr=False, compare=False, default=None)
    row: int = -1  # the article's index in ranking.articles
    semantic: float = 0.0  # the two signals behind the score (see Ranking.passing)
    lexical: float = 0.0
    _reasons: list[str] | None = field(default=None, repr=False)

    @property
    def reasons(self) -> list[str]:
        """Why the article matches the project. Computed when asked: of the night's
        candidates, only those under the daily cap become suggestions."""
        if self._reasons is None:
            self._reasons = self.ranking.reasons(self.project.text, self.row)
        return self._reasons


@dataclass
class SuggestReport:
    created: list[int] = field(default_factory=list)
    expired: int = 0
    held: Counter[Rule] = field(default_factory=Counter)  # contacts held back by each rule
    considered: int = 0


def expire_stale(session: Session, today: dt.date, settings: Settings) -> int:
    """Pending suggestions whose article is no longer fresh become `expired`."""
    limit = day_end(today - dt.timedelta(days=settings.throttle.freshness_days + 1))
    news_limit = day_end(today - dt.timedelta(days=settings.occasions.news_freshness_days + 1))
    stale = session.scalars(
        select(Suggestion).join(Article)
        .where(Suggestion.status == "pending",
               or_(and_(Article.text_source != NEWS_SOURCE, Article.published <= limit),
                   and_(Article.text_source == NEWS_SOURCE, Article.published <= news_limit)))
    ).all()
    for suggestion in stale:
        suggestion.status, suggestion.decided_on = "expired", today
    return len(stale)


def earlier_suggestions(session: Session, contact_ids: list[int]) -> dict[int, list[Suggestion]]:
    rows = session.scalars(
        select(Suggestion).options(selectinload(Suggestion.article))
        .where(Suggestion.contact_id.in_(contact_ids), Suggestion.article_id.is_not(None))
    ).all() if contact_ids else []
    out: dict[int, list[Suggestion]] = {}
    for s in rows:
        out.setdefault(s.contact_id, []).append(s)
    return out


# Candidates checked against a contact's earlier suggestions at once (one sparse product):
# usually the first passes; a contact whose best articles retell an earlier story needs more.
_DUPLICATE_BLOCK = 32


def best_candidate(
    ranking: Ranking, contact: Contact, scores: ContactScores, earlier: list[Suggestion],
    today: dt.date, settings: Settings,
) -> tuple[Candidate | None, throttle.Verdict]:
    """The best-ranked article that passes rules 4 and 5 for one courteous contact
    (`scores`: the contact's row of `Ranking.scores`)."""
    row_rank, row_projects = scores.rank, scores.project
    projects = current_projects(contact, today, settings.occasions.retire_project_days)
    if not projects:
        return None, throttle.Verdict(False, Rule.FRESH_AND_RELEVANT,
                                      "no current project to match articles against")
    seen_ids = {s.article_id for s in earlier}
    earlier_matrix = ranking.rows([s.article for s in earlier]) if earlier else None
    last = throttle.Verdict(False, Rule.FRESH_AND_RELEVANT, "no fresh article")
    passes = ranking.passing(scores)
    # The passing articles, best-ranked first (ties: the earlier row), without sorting all.
    passing = np.flatnonzero(passes)
    order = passing[np.argsort(-row_rank[passing], kind="stable")]
    duplicates = {}  # block of `order` -> near-duplicate flags, computed when the loop gets there
    for n, j in enumerate(order):
        article, score = ranking.articles[j], float(row_rank[j])
        dup = None
        if earlier_matrix is not None and article.id not in seen_ids:
            block = n // _DUPLICATE_BLOCK
            if block not in duplicates:
                rows = ranking.matrix[order[block * _DUPLICATE_BLOCK:(block + 1) * _DUPLICATE_BLOCK]]
                duplicates[block] = near_duplicates(rows, earlier_matrix, settings.throttle.near_duplicate)
            hit = duplicates[block][n % _DUPLICATE_BLOCK]
            dup = "an earlier version of this story" if hit else None
        verdict = throttle.article_verdict(
            published=article.published.date(), score=score, today=today,
            settings=throttle_for(article, settings), already_suggested=article.id in seen_ids,
            near_duplicate_of=dup, **ranking.signals(scores, j),
        )
        if verdict:
            project = projects[int(row_projects[j])]
            return Candidate(contact, article, project, score, ranking, int(j),
                             float(scores.semantic[j]), float(scores.lexical[j])), verdict
        last = verdict
    if last.rule != Rule.ALREADY_SENT and not passes.all():
        # Held by the threshold: the verdict of the best-ranked article under it.
        under = np.flatnonzero(~passes)
        j = under[np.argmax(row_rank[under])]
        last = throttle.article_verdict(
            published=ranking.articles[j].published.date(), score=float(row_rank[j]), today=today,
            settings=settings.throttle, **ranking.signals(scores, j))
    return None, last


def draft_for(candidate: Candidate, settings: Settings) -> str:
    contact = candidate.contact
    language = contact.language or settings.user.language
    return render(
        suggestion_kind(candidate.article), language, settings.home,
        first_name=first_name(contact.name), project=project_phrase(candidate.project.text),
        title=candidate.article.title, url=candidate.article.url, sender=settings.user.name,
    )


def draft_notes(candidate: Candidate, settings: Settings) -> list[str]:
    """What the card should say about the draft itself (written in English for a language
    without a template), kept beside the reasons."""
    language = candidate.contact.language or settings.user.language
    note = fallback_note(suggestion_kind(candidate.article), language, settings.home)
    return [note] if note else []


def suggestion_kind(article: Article) -> str:
    return "news" if article.text_source == NEWS_SOURCE else "article"


def project_phrase(text: str, limit: int = 70) -> str:
    """The first sentence of a project, cut at a word near `limit`, for a draft."""
    sentence = text.strip().split(". ")[0].rstrip(". ")
    if len(sentence) > limit:
        sentence = sentence[:limit].rsplit(" ", 1)[0] + "…"
    return f"{sentence[:1].lower()}{sentence[1:]}"


SCORE_GROUP = 256  # contacts scored at once by the night


def suggest(session: Session, settings: Settings, today: dt.date, ranking: Ranking | None = None) -> SuggestReport:
    """The night's suggestions: courteous contacts, their best fresh article, under the cap.
    `ranking`: the night's, when the caller fitted it already (else fitted here if needed)."""
    report = SuggestReport(expired=expire_stale(session, today, settings))
    session.flush()
    made_today = session.scalar(
        select(func.count()).select_from(Suggestion)
        .where(Suggestion.created_on == today, Suggestion.kind.in_(CAPPED_KINDS))
    ) or 0
    room = throttle.daily_room(made_today, sends_in_week(session, today), settings.throttle, today)
    contacts = list(session.scalars(
        select(Contact).options(
            selectinload(Contact.projects),
            selectinload(Contact.suggestions).selectinload(Suggestion.article),  # feedback
        ).order_by(Contact.id)
    ))
    courteous = []
    for contact, state in zip(contacts, contact_states(session, contacts, today)):
        verdict = throttle.contact_verdict(state, today, settings.throttle)
        if verdict:
            courteous.append(contact)
        else:
            report.held[verdict.rule] += 1
    report.considered = len(courteous)
    if not room or not courteous:
        if not room and courteous:
            report.held[Rule.DAILY_CAP] += len(courteous)
        return report
    ranking = ranking or Ranking.build(session, today, settings)
    if not ranking.articles:
        return report
    # The contacts came with their suggestions (and articles): no second query for them.
    earlier = {c.id: [s for s in c.suggestions if s.article_id is not None] for c in courteous}
    ranking.rows([s.article for c in courteous for s in earlier[c.id]])  # one batch
    candidates = []
    # Scored a group of contacts at a time: the scores of 2,000 contacts x 11,000 articles
    # would be 220 MB at once; a contact's scores do not depend on the others'.
    for start in range(0, len(courteous), SCORE_GROUP):
        group = courteous[start:start + SCORE_GROUP]
        scored = ranking.scores(group, today)
        for i, contact in enumerate(group):
            candidate, verdict = best_candidate(
                ranking, contact, scored.row(i), earlier.get(contact.id, []), today, settings)
            if candidate:
                candidates.append(candidate)
            else:
                report.held[verdict.rule] += 1
        del scored
    chosen = throttle.pick_within_cap(candidates, made_today, settings.throttle)
    if len(chosen) < len(candidates):
        report.held[Rule.DAILY_CAP] += len(candidates) - len(chosen)
    for candidate in chosen:
        suggestion = Suggestion(
            contact_id=candidate.contact.id, article_id=candidate.article.id,
            project_id=candidate.project.id, score=round(candidate.score, 4),
            reasons=candidate.reasons + draft_notes(candidate, settings), draft=draft_for(candidate, settings),
            status="pending", created_on=today, kind=suggestion_kind(candidate.article),
        )
        session.add(suggestion)
        session.flush()
        report.created.append(suggestion.id)
    return report
