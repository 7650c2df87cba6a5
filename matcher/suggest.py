"""Scores + courtesy → suggestions: the night's proposals, at most one per courteous contact,
through the throttle's rules (`suggest`): a congratulation when their company has good news,
else their best article; bad news about their company is never proposed to them (rule 8)."""

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
from matcher.drafts import draft_language, fallback_note, first_name, project_phrase, render
from matcher.matching.duplicates import near_duplicates
from matcher.matching.ranker import ContactScores
from matcher.models import Article, Contact, Mention, Project, Suggestion
from matcher.ranking import NEWS_SOURCE, Ranking, current_projects, day_end, is_fresh
from matcher.tact.tone import Tone
from matcher.touches import contact_states, sends_in_week


def throttle_for(article: Article, settings: Settings) -> throttle.ThrottleSettings:
    """The throttle settings for one article: own news has its own freshness window."""
    if article.text_source == NEWS_SOURCE:
        return replace(settings.throttle, freshness_days=settings.occasions.news_freshness_days)
    return settings.throttle


# Greetings keep their own window and do not use up the daily cap of articles (rule 7);
# a congratulation on company news has an article, and counts (`capped`).
CAPPED_KINDS = ("article", "news")
CONGRATULATION = "congratulation"


def capped():
    """The SQL condition of the suggestions rule 7 counts."""
    return or_(Suggestion.kind.in_(CAPPED_KINDS),
               and_(Suggestion.kind == CONGRATULATION, Suggestion.article_id.is_not(None)))


def made_on(session: Session, today: dt.date) -> int:
    """How many suggestions made on `today` count against the daily cap."""
    return session.scalar(select(func.count()).select_from(Suggestion)
                          .where(Suggestion.created_on == today, capped())) or 0


@dataclass
class Candidate:
    contact: Contact
    article: Article
    project: Project | None  # None for a congratulation: the company's news is the reason
    score: float
    ranking: Ranking = field(repr=False, compare=False, default=None)
    row: int = -1  # the article's index in ranking.articles
    semantic: float = 0.0  # the two signals behind the score (see Ranking.passing)
    lexical: float = 0.0
    _reasons: list[str] | None = field(default=None, repr=False)
    good_news: CompanyNews | None = None  # set for a congratulation on the company's good news
    held_back: throttle.Verdict | None = None  # rule 8 held a better-ranked article back

    @property
    def kind(self) -> str:
        return CONGRATULATION if self.good_news else suggestion_kind(self.article)

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


@dataclass(frozen=True)
class CompanyNews:
    """A fresh article that names a contact's company (a stored `Mention`), with its tone."""

    article_id: int
    words: str  # the words that named the company, as written
    tone: str
    tone_reason: str


def company_news(session: Session, today: dt.date, settings: Settings,
                 contact_ids: list[int] | None = None) -> dict[int, list[CompanyNews]]:
    """The fresh articles that bring good or bad news about each contact's company (the
    night's mentions; a neutral one ranks as any article), newest first, by contact id; of
    `contact_ids` only, when given."""
    # Plain rows, not Mention objects: a company named in many articles, at a company where
    # many contacts work, makes tens of thousands of them on a night.
    query = (select(Mention.contact_id, Mention.article_id, Mention.words, Mention.tone, Mention.tone_reason)
             .join(Mention.article)
             .where(is_fresh(today, settings), Mention.tone.in_((Tone.GOOD, Tone.BAD)))
             .order_by(Article.published.desc(), Article.id))
    if contact_ids is not None:
        query = query.where(Mention.contact_id.in_(contact_ids))
    out: dict[int, list[CompanyNews]] = {}
    for contact_id, *news in session.execute(query):
        out.setdefault(contact_id, []).append(CompanyNews(*news))
    return out


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
RETOLD = "an earlier version of this story"  # rule 4's reason for a near-duplicate


def best_candidate(
    ranking: Ranking, contact: Contact, scores: ContactScores, earlier: list[Suggestion],
    today: dt.date, settings: Settings, news: list[CompanyNews] = (),
) -> tuple[Candidate | None, throttle.Verdict]:
    """The best-ranked article that passes rules 4, 5 and 8 for one courteous contact
    (`scores`: the contact's row of `Ranking.scores`; `news`: the fresh articles naming their
    company, whose bad news is held back)."""
    row_rank, row_projects = scores.rank, scores.project
    projects = current_projects(contact, today, settings.occasions.retire_project_days)
    if not projects:
        return None, throttle.Verdict(False, Rule.FRESH_AND_RELEVANT,
                                      "no current project to match articles against")
    seen_ids = {s.article_id for s in earlier}
    bad_news = {m.article_id: m for m in news if m.tone == Tone.BAD}
    last = throttle.Verdict(False, Rule.FRESH_AND_RELEVANT, "no fresh article")
    held = None  # the best-ranked article rule 8 held back
    passes = ranking.passing(scores)
    # The passing articles, best-ranked first (ties: the earlier row), without sorting all.
    passing = np.flatnonzero(passes)
    order = passing[np.argsort(-row_rank[passing], kind="stable")]
    duplicate = StoryCheck(ranking, order, earlier, settings)
    for n, j in enumerate(order):
        article, score = ranking.articles[j], float(row_rank[j])
        if article.id in bad_news:
            mention = bad_news[article.id]
            if held is None:
                held = throttle.tact_verdict(mention.tone, mention.tone_reason, article.title)
            continue
        verdict = throttle.article_verdict(
            published=article.published.date(), score=score, today=today,
            settings=throttle_for(article, settings), already_suggested=article.id in seen_ids,
            near_duplicate_of=None if article.id in seen_ids else duplicate(n),
            **ranking.signals(scores, j),
        )
        if verdict:
            project = projects[int(row_projects[j])]
            return Candidate(contact, article, project, score, ranking, int(j), float(scores.semantic[j]),
                             float(scores.lexical[j]), held_back=held), verdict
        last = verdict
    if held is not None:  # the article that would have been proposed is bad news for them
        return None, held
    if last.rule != Rule.ALREADY_SENT and not passes.all():
        # Held by the threshold: the verdict of the best-ranked article under it.
        under = np.flatnonzero(~passes)
        j = under[np.argmax(row_rank[under])]
        last = throttle.article_verdict(
            published=ranking.articles[j].published.date(), score=float(row_rank[j]), today=today,
            settings=settings.throttle, **ranking.signals(scores, j))
    return None, last


class StoryCheck:
    """Whether the n-th of a contact's candidate articles (`order`: rows of the ranking) retells
    a story already proposed to them: in blocks of `_DUPLICATE_BLOCK` (one sparse product
    each), computed when the loop over candidates gets there."""

    def __init__(self, ranking: Ranking, order, earlier: list[Suggestion], settings: Settings):
        self.ranking, self.order, self.threshold = ranking, order, settings.throttle.near_duplicate
        self.earlier = ranking.rows([s.article for s in earlier]) if earlier else None
        self.blocks: dict[int, np.ndarray] = {}

    def __call__(self, n: int) -> str | None:
        if self.earlier is None:
            return None
        block = n // _DUPLICATE_BLOCK
        if block not in self.blocks:
            rows = self.ranking.matrix[self.order[block * _DUPLICATE_BLOCK:(block + 1) * _DUPLICATE_BLOCK]]
            self.blocks[block] = near_duplicates(rows, self.earlier, self.threshold)
        return RETOLD if self.blocks[block][n % _DUPLICATE_BLOCK] else None


def congratulation(ranking: Ranking, contact: Contact, news: list[CompanyNews], earlier: list[Suggestion],
                   today: dt.date, settings: Settings) -> Candidate | None:
    """The newest good news about the contact's company that passes rule 4 and is fresh, as a
    congratulation: whatever its topical score, since the mention itself is the relevance."""
    good = [m for m in news if m.tone == Tone.GOOD]
    if not good:
        return None
    seen_ids = {s.article_id for s in earlier}
    earlier_rows = ranking.rows([s.article for s in earlier]) if earlier else None
    for mention in good:
        article = ranking.fresh_article(mention.article_id)
        if article is None:  # not among the ranking's fresh articles
            continue
        retold = (article.id not in seen_ids and earlier_rows is not None
                  and near_duplicates(ranking.rows([article]), earlier_rows, settings.throttle.near_duplicate)[0])
        verdict = throttle.news_verdict(
            published=article.published.date() if article.published else None, today=today,
            settings=throttle_for(article, settings), already_suggested=article.id in seen_ids,
            near_duplicate_of=RETOLD if retold else None)
        if verdict:
            company = contact.company or mention.words
            return Candidate(contact, article, None, 1.0, ranking,
                             _reasons=[f"good news about {company}: {mention.tone_reason}"], good_news=mention)
    return None


def proposal(ranking: Ranking, contact: Contact, scores: ContactScores, earlier: list[Suggestion],
             news: list[CompanyNews], today: dt.date, settings: Settings) -> tuple[Candidate | None, throttle.Verdict]:
    """What the night proposes to one courteous contact: a congratulation on good news about
    their company first, else their best article (`best_candidate`)."""
    candidate = congratulation(ranking, contact, news, earlier, today, settings)
    if candidate:
        return candidate, throttle.PASS
    return best_candidate(ranking, contact, scores, earlier, today, settings, news)


def draft_for(candidate: Candidate, settings: Settings) -> str:
    contact, article = candidate.contact, candidate.article
    language = contact.language or settings.user.language
    if candidate.good_news:
        return render(CONGRATULATION, language, settings.home, occasion="company-news",
                      first_name=first_name(contact.name), company=contact.company or candidate.good_news.words,
                      title=article.title, url=article.url, sender=settings.user.name)
    return render(
        candidate.kind, language, settings.home,
        first_name=first_name(contact.name), project=quoted_project(candidate, language, settings),
        title=article.title, url=article.url, sender=settings.user.name,
    )


def quoted_project(candidate: Candidate, language: str, settings: Settings) -> str:
    """The project as the draft quotes it (`project_phrase`), or "" when it is written in
    another language than the draft: an English clause inside an Italian message reads as
    pasted, and the draft says the same without it."""
    text = candidate.project.text
    written_in = candidate.ranking.project_language(text) if candidate.ranking is not None else ""
    if written_in and written_in != draft_language(candidate.kind, language, settings.home):
        return ""
    return project_phrase(text)


def draft_notes(candidate: Candidate, settings: Settings) -> list[str]:
    """What the card should say about the draft itself (written in English for a language
    without a template), kept beside the reasons."""
    language = candidate.contact.language or settings.user.language
    note = fallback_note(candidate.kind, language, settings.home)
    return [note] if note else []


def suggestion_kind(article: Article) -> str:
    return "news" if article.text_source == NEWS_SOURCE else "article"


SCORE_GROUP = 256  # contacts scored at once by the night


def courteous_contacts(session: Session, today: dt.date, settings: Settings, report: SuggestReport) -> list[Contact]:
    """The contacts rules 1, 2, 3 and 6 let the night write to today (with their projects and
    suggestions); those held are counted in `report.held`."""
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
    return courteous


def candidates(session: Session, ranking: Ranking, courteous: list[Contact], today: dt.date,
               settings: Settings, report: SuggestReport) -> list[Candidate]:
    """Each courteous contact's proposal, if any (`proposal`); those with none are counted in
    `report.held` under the rule that held them."""
    # The contacts came with their suggestions (and articles): no second query for them.
    earlier = {c.id: [s for s in c.suggestions if s.article_id is not None] for c in courteous}
    ranking.rows([s.article for c in courteous for s in earlier[c.id]])  # one batch
    news = company_news(session, today, settings)
    out = []
    # Scored a group of contacts at a time: the scores of 2,000 contacts x 11,000 articles
    # would be 220 MB at once; a contact's scores do not depend on the others'.
    for start in range(0, len(courteous), SCORE_GROUP):
        group = courteous[start:start + SCORE_GROUP]
        scored = ranking.scores(group, today)
        for i, contact in enumerate(group):
            candidate, verdict = proposal(ranking, contact, scored.row(i), earlier[contact.id],
                                          news.get(contact.id, []), today, settings)
            if candidate:
                out.append(candidate)
            else:
                report.held[verdict.rule] += 1
        del scored
    return out


def suggest(session: Session, settings: Settings, today: dt.date, ranking: Ranking | None = None) -> SuggestReport:
    """The night's suggestions: courteous contacts, their congratulation or best fresh article,
    under the cap. `ranking`: the night's, when the caller fitted it already (else fitted here
    if needed)."""
    report = SuggestReport(expired=expire_stale(session, today, settings))
    session.flush()
    made_today = made_on(session, today)
    room = throttle.daily_room(made_today, sends_in_week(session, today), settings.throttle, today)
    courteous = courteous_contacts(session, today, settings, report)
    report.considered = len(courteous)
    if not room or not courteous:
        if not room and courteous:
            report.held[Rule.DAILY_CAP] += len(courteous)
        return report
    ranking = ranking or Ranking.build(session, today, settings)
    if not ranking.articles:
        return report
    found = candidates(session, ranking, courteous, today, settings, report)
    chosen = throttle.pick_within_cap(found, made_today, settings.throttle)
    if len(chosen) < len(found):
        report.held[Rule.DAILY_CAP] += len(found) - len(chosen)
    for candidate in chosen:
        suggestion = Suggestion(
            contact_id=candidate.contact.id, article_id=candidate.article.id,
            project_id=candidate.project.id if candidate.project else None, score=round(candidate.score, 4),
            reasons=candidate.reasons + draft_notes(candidate, settings), draft=draft_for(candidate, settings),
            status="pending", created_on=today, kind=candidate.kind,
        )
        session.add(suggestion)
        session.flush()
        report.created.append(suggestion.id)
    return report
