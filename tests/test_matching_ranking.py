"""The ranking the night, `top` and `why` share: expansion, threshold, feedback, stories."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matcher.config import Settings
from matcher.matching.feedback import is_off_topic
from matcher.matching.feedback import Feedback
from matcher.matching.tfidf import ProjectMatcher
from tests.test_matching import ARTICLES, MIN_SCORE, UNRELATED_PROJECTS

KUBERNETES = "Migrating our payment platform from on-premise servers to Kubernetes in the cloud."
COFFEE = "Renegotiating green coffee supply contracts with growers in Brazil."


@pytest.fixture(scope="module")
def matcher():
    return ProjectMatcher().fit(ARTICLES)


def test_match_is_the_guarded_cosine_and_rank_puts_real_matches_first(matcher):
    scored = matcher.rank_contacts([[KUBERNETES], [COFFEE]], ARTICLES)
    np.testing.assert_allclose(scored.match, matcher.score([KUBERNETES, COFFEE], ARTICLES), atol=1e-6)
    assert scored.rank.shape == scored.match.shape == scored.project.shape == (2, len(ARTICLES))
    assert np.argmax(scored.rank[0]) in (8, 24)          # the Kubernetes story, either feed
    assert np.argmax(scored.rank[1]) in (0, 2)
    assert ((scored.rank >= 0) & (scored.rank <= 1)).all()


def test_articles_prepared_once_score_as_records_do(matcher):
    side = matcher.article_side(ARTICLES)
    projects = [[KUBERNETES], [COFFEE, KUBERNETES], []]
    feedback = [None, Feedback(sent=side.matrix[[2]]), None]
    for a, b in [(matcher.rank_contacts(projects, side, feedback), matcher.rank_contacts(projects, ARTICLES, feedback)),
                 (matcher.rank_contacts(projects[:1], side), matcher.rank_contacts(projects[:1], side.matrix))]:
        assert np.array_equal(a.rank, b.rank) and np.array_equal(a.match, b.match)
        assert np.array_equal(a.project, b.project)


def test_expansion_off_ranks_by_match(matcher):
    plain = ProjectMatcher(expansion_docs=0).fit(ARTICLES)
    scored = plain.rank_contacts([[KUBERNETES]], ARTICLES)
    np.testing.assert_allclose(scored.rank, scored.match)


def test_the_semantic_share_depends_on_whether_project_and_article_share_a_language():
    # An English project: English articles blend with same_language_weight, the others
    # (another language, or none known) with semantic_weight.
    matcher = ProjectMatcher(semantic_weight=0.5, same_language_weight=0.2).fit(ARTICLES)
    semantic = np.linspace(0.1, 0.9, len(ARTICLES), dtype=np.float32)[None, :]
    languages = ["en" if j % 3 == 0 else "it" if j % 3 == 1 else "" for j in range(len(ARTICLES))]
    scored = matcher.rank_contacts([[KUBERNETES]], ARTICLES, semantic=semantic, languages=languages)
    share = np.array([0.2 if lang == "en" else 0.5 for lang in languages], dtype=np.float32)
    np.testing.assert_allclose(scored.rank[0], (1 - share) * scored.lexical[0] + share * semantic[0], atol=1e-6)
    unknown = matcher.rank_contacts([[KUBERNETES]], ARTICLES, semantic=semantic)
    np.testing.assert_allclose(unknown.rank[0], 0.5 * unknown.lexical[0] + 0.5 * semantic[0], atol=1e-6)


def test_the_expansion_seeds_weigh_the_semantic_signal_by_language_as_well():
    # Every article in the project's language: only same_language_seed decides the seeds, so
    # it plays the part seed_semantic plays for articles in another language.
    semantic = np.linspace(0.9, 0.1, len(ARTICLES), dtype=np.float32)[None, :]
    english = ["en"] * len(ARTICLES)
    within = ProjectMatcher(seed_semantic=0.0, same_language_seed=1.0).fit(ARTICLES)
    across = ProjectMatcher(seed_semantic=1.0, same_language_seed=0.0).fit(ARTICLES)
    seeded_by_semantic = within.rank_contacts([[KUBERNETES]], ARTICLES, semantic=semantic, languages=english)
    seeded_by_match = across.rank_contacts([[KUBERNETES]], ARTICLES, semantic=semantic, languages=english)
    assert not np.allclose(seeded_by_semantic.lexical, seeded_by_match.lexical)
    np.testing.assert_allclose(seeded_by_semantic.lexical,
                               across.rank_contacts([[KUBERNETES]], ARTICLES, semantic=semantic).lexical, atol=1e-6)


@pytest.mark.parametrize("text", UNRELATED_PROJECTS)
def test_threshold_keeps_unrelated_contacts_silent(matcher, text):
    scored = matcher.rank_contacts([[text]], ARTICLES)
    assert scored.match.max() < MIN_SCORE


def test_contact_without_projects_scores_zero(matcher):
    scored = matcher.rank_contacts([[], [COFFEE, KUBERNETES]], ARTICLES)
    assert (scored.rank[0] == 0).all() and (scored.project[0] == -1).all()
    assert scored.project[1][8] == 1 and scored.project[1][0] == 0


def test_off_topic_skip_pushes_similar_articles_down(matcher):
    matrix = matcher.transform_articles(ARTICLES)
    before = matcher.rank_contacts([[KUBERNETES]], matrix)
    # Skipped as off-topic: the story (8) — its other version (24) falls with it, in the
    # ranking and under the threshold's score.
    after = matcher.rank_contacts([[KUBERNETES]], matrix, [Feedback(off_topic=matrix[[8]])])
    assert after.rank[0][24] < before.rank[0][24]
    assert after.match[0][24] < before.match[0][24]


def test_sent_article_pulls_similar_ones_up(matcher):
    matrix = matcher.transform_articles(ARTICLES)
    before = matcher.rank_contacts([[COFFEE]], matrix)
    after = matcher.rank_contacts([[COFFEE]], matrix, [Feedback(sent=matrix[[2]])])
    assert after.match[0][2] > before.match[0][2]
    # Nothing unrelated is pulled over the threshold by it.
    assert after.match[0][[9, 10, 21]].max() < MIN_SCORE


def test_feedback_none_changes_nothing(matcher):
    a = matcher.rank_contacts([[COFFEE]], ARTICLES)
    b = matcher.rank_contacts([[COFFEE]], ARTICLES, [None])
    np.testing.assert_array_equal(a.rank, b.rank)


@pytest.mark.parametrize("reason,expected", [
    ("off-topic", True), ("Off topic", True), ("fuori tema", True), ("non pertinente", True),
    ("not relevant to her", True), ("not now", False), ("", False), (None, False),
])
def test_is_off_topic(reason, expected):
    assert is_off_topic(reason) is expected


# -- through the database: top, why, the night -----------------------------------------


@pytest.fixture
def home(tmp_path):
    from matcher.home import open_home
    from matcher.models import Article, Contact, Project

    home = open_home(tmp_path / "home")
    today = dt.date(2026, 11, 20)
    with home.db.session() as session:
        for i, a in enumerate(ARTICLES):
            session.add(Article(key=f"a{i}", url=f"https://example.com/{i}", title=a.title, text=a.text,
                                language=a.language,
                                published=dt.datetime.combine(today - dt.timedelta(days=1), dt.time(6))))
        session.add(Contact(name="Luca Ferrari", projects=[Project(text=KUBERNETES)]))
    yield home, today
    home.close()


@pytest.mark.slow
def test_top_shows_a_story_once(home):
    from matcher.explain import top

    home, today = home
    with home.db.session() as session:
        _, rows = top(session, home.settings, "Luca Ferrari", today, limit=10)
        urls = [r.article.url for r in rows]
    assert len(urls) == len(set(urls))
    # 8 and 24 are the same Kubernetes story from two feeds: one of them, once.
    assert sum(u.endswith(("/8", "/24")) for u in urls) == 1


@pytest.mark.slow
def test_night_never_sends_a_second_version_of_a_story(home):
    from sqlalchemy import select

    from matcher.models import Article, Contact, Suggestion
    from matcher.explain import why

    home, today = home
    with home.db.session() as session:
        contact = session.scalar(select(Contact))
        first = session.scalar(select(Article).where(Article.key == "a8"))
        session.add(Suggestion(contact_id=contact.id, article_id=first.id, score=0.5, status="skipped",
                               skip_reason="not now", created_on=today - dt.timedelta(days=40),
                               decided_on=today - dt.timedelta(days=40)))
    with home.db.session() as session:
        report = why(session, home.settings, "Luca Ferrari", today)
    assert report.best is None or report.best.article.key not in ("a8", "a24")


@pytest.mark.slow
def test_feedback_reaches_top(home):
    from sqlalchemy import select

    from matcher.models import Article, Contact, Suggestion
    from matcher.explain import top

    home, today = home
    with home.db.session() as session:
        _, before = top(session, home.settings, "Luca Ferrari", today, limit=30)
        best = before[0].article.key
        contact = session.scalar(select(Contact))
        article = session.scalar(select(Article).where(Article.key == best))
        session.add(Suggestion(contact_id=contact.id, article_id=article.id, score=0.5, status="skipped",
                               skip_reason="off-topic", created_on=today, decided_on=today))
    with home.db.session() as session:
        _, after = top(session, home.settings, "Luca Ferrari", today, limit=30)
    score = {r.article.key: r.score for r in after}
    assert score.get(best, 0.0) < before[0].score


def test_settings_threshold_is_the_one_used(home):
    from matcher.ranking import Ranking

    home, today = home
    ranking = Ranking.from_articles([], Settings(home=home.path))
    assert ranking.matcher is None and ranking.stories() == []


def test_only_topical_proposals_teach_the_ranking():
    """A sent congratulation on their company's news says nothing about what they work on."""
    from types import SimpleNamespace

    from matcher.matching.feedback import contact_feedback

    def proposal(kind, status="sent", reason=None):
        return SimpleNamespace(kind=kind, status=status, skip_reason=reason, article=object())

    transform = lambda articles: np.ones((len(articles), 3))  # noqa: E731
    assert contact_feedback([proposal("congratulation"), proposal("congratulation", "skipped", "off-topic")],
                            transform) is None
    learned = contact_feedback([proposal("congratulation"), proposal("article")], transform)
    assert learned.sent.shape[0] == 1 and learned.off_topic is None
