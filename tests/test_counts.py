"""Term counts kept between fits (matching/counts.py): a fit that reuses them equals one
that counts everything again, and a bad or foreign file is only a cache miss."""

from __future__ import annotations

import random
from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.matching import counts, terms
from matcher.matching.space import StoredDocument
from matcher.matching.tfidf import ProjectMatcher
from tests.test_matching import ARTICLES
from tests.test_terms_cache import assert_same_matrix

fit_kept = counts.fit_transform_kept

FILE = "counts.npz"


def record(i: int, weight: int = 2, text_suffix: str = "") -> SimpleNamespace:
    a = ARTICLES[i % len(ARTICLES)]
    text = a.text + text_suffix
    return SimpleNamespace(id=i, title=a.title, text=text, summary="", language=a.language,
                           terms=terms.analyze_article(a.title, text, a.language, weight))


def assert_same_fit(cached: ProjectMatcher, matrix, articles, **params):
    plain = ProjectMatcher(**params)
    expected = plain.fit_transform(articles)
    assert cached.vocabulary_ == plain.vocabulary_
    assert np.array_equal(cached.idf_, plain.idf_)
    assert_same_matrix(matrix, expected)


@pytest.fixture
def counted(monkeypatch):
    """The ids of the documents whose terms a fit counted (not taken from kept counts)."""
    seen: list[int] = []
    original = StoredDocument.terms

    def terms_(self):
        seen.append(self.key[0] if self.key else None)
        return original(self)

    monkeypatch.setattr(StoredDocument, "terms", terms_)
    return seen


@pytest.mark.slow
@settings(max_examples=25, deadline=None)
@given(st.integers(0, 2**32), st.sampled_from([{}, {"min_df": 1, "max_df": 1.0}, {"max_df": 3}]))
def test_a_fit_with_kept_counts_equals_a_fit_counting_everything(tmp_path_factory, seed, params):
    rng = random.Random(seed)
    path = tmp_path_factory.mktemp("cache") / FILE
    pool = list(range(2 * len(ARTICLES)))
    nights = [rng.sample(pool, rng.randint(1, len(pool))) for _ in range(3)]
    for night in nights:
        articles = [record(i) for i in night]
        matcher = ProjectMatcher(keep_counts=True, **params)
        assert_same_fit(matcher, fit_kept(matcher, articles, path), articles, **params)


def test_the_next_fit_counts_only_new_or_changed_articles(tmp_path, counted):
    path = tmp_path / "cache" / FILE
    first = [record(i) for i in range(20)]
    fit_kept(ProjectMatcher(keep_counts=True), first, path)
    assert sorted(counted) == list(range(20)) and path.exists()
    counted.clear()
    # 5 leave the window, 5 come, 1 changed its text (so its stored terms).
    second = [record(i) for i in range(5, 20) if i != 7] + [record(7, text_suffix=" Roasters agree.")] \
        + [record(i) for i in range(20, 25)]
    matcher = ProjectMatcher(keep_counts=True)
    matrix = fit_kept(matcher, second, path)
    assert sorted(counted) == [7, 20, 21, 22, 23, 24]
    counted.clear()
    assert_same_fit(matcher, matrix, second)


def test_the_kept_vocabulary_is_only_the_last_fits(tmp_path, counted):
    path = tmp_path / FILE
    fit_kept(ProjectMatcher(keep_counts=True), [record(i) for i in range(0, 12)], path)
    # Other articles under other ids: nothing to reuse, and the terms only the old ones had
    # are not kept for ever (nor are they tonight's vocabulary).
    for night in (range(12, 30), range(25, 31)):
        counted.clear()
        articles = [record(i, text_suffix=" Freight rates rise.") for i in night]
        matcher = ProjectMatcher(keep_counts=True)
        matrix = fit_kept(matcher, articles, path)
        assert_same_fit(matcher, matrix, articles)
        assert set(counts.load(path, 2).vocabulary) == {
            term for a in articles for term in terms.document_terms(a.terms, 2)}
    assert sorted(c for c in counted if c is not None) == [30]  # 25..29 were kept from the night before


def test_another_title_weight_counts_everything_again(tmp_path, counted):
    path = tmp_path / FILE
    fit_kept(ProjectMatcher(keep_counts=True), [record(i) for i in range(10)], path)
    counted.clear()
    articles = [record(i, weight=3) for i in range(10)]
    matcher = ProjectMatcher(keep_counts=True, title_weight=3)
    matrix = fit_kept(matcher, articles, path)
    assert sorted(counted) == list(range(10))
    assert_same_fit(matcher, matrix, articles, title_weight=3)


@pytest.mark.parametrize("damage", [b"", b"not a zip file", "truncate"])
def test_a_damaged_file_is_a_miss_and_is_written_anew(tmp_path, counted, damage):
    path = tmp_path / FILE
    articles = [record(i) for i in range(12)]
    fit_kept(ProjectMatcher(keep_counts=True), articles, path)
    path.write_bytes(path.read_bytes()[:200] if damage == "truncate" else damage)
    counted.clear()
    matcher = ProjectMatcher(keep_counts=True)
    matrix = fit_kept(matcher, articles, path)
    assert sorted(counted) == list(range(12))
    assert_same_fit(matcher, matrix, articles)
    assert counts.load(path, 2) is not None  # rewritten whole


def test_a_cache_that_cannot_be_written_is_no_error(tmp_path):
    (tmp_path / "file").write_text("in the way")
    articles = [record(i) for i in range(8)]
    matcher = ProjectMatcher(keep_counts=True)
    assert_same_fit(matcher, fit_kept(matcher, articles, tmp_path / "file" / FILE), articles)


def test_a_killed_writer_leaves_no_temporary_file_for_long(tmp_path):
    path = tmp_path / FILE
    (tmp_path / f".counts-left-by-a-killed-run{path.suffix}").write_bytes(b"half")
    fit_kept(ProjectMatcher(keep_counts=True), [record(i) for i in range(8)], path)
    assert sorted(p.name for p in tmp_path.iterdir()) == [FILE]


def test_records_without_ids_are_counted_and_not_kept(tmp_path):
    path = tmp_path / FILE
    articles = [record(i) for i in range(6)] + [{"title": "Coffee growers", "text": "Growers sign contracts."}]
    matcher = ProjectMatcher(keep_counts=True)
    assert_same_fit(matcher, fit_kept(matcher, articles, path), articles)
    assert counts.load(path, 2).ids.tolist() == list(range(6))
    # A plain string has no stored terms: such a fit keeps nothing.
    path.unlink()
    articles[-1] = "Coffee growers sign supply contracts"
    matcher = ProjectMatcher(keep_counts=True)
    assert_same_fit(matcher, fit_kept(matcher, articles, path), articles)
    assert not path.exists()


@pytest.mark.slow
def test_the_nights_ranking_counts_only_its_new_articles(db, tmp_path, counted):
    from matcher.config import Settings
    from matcher.ranking import Ranking
    from tests.test_terms_cache import TODAY, add_night

    with db.session() as session:
        add_night(session)
    settings = Settings(home=tmp_path)
    with db.session() as session:
        first = Ranking.build(session, TODAY, settings)
        ids = sorted(a.id for a in first.articles)
    assert sorted(counted) == ids and settings.counts_path.exists()
    counted.clear()
    with db.session() as session:
        add_night(session, start=100)
    with db.session() as session:
        again = Ranking.build(session, TODAY, settings)
        new = sorted(a.id for a in again.articles if a.id not in ids)
        assert len(new) == len(ARTICLES) and sorted(counted) == new
        matcher = ProjectMatcher()
        expected = matcher.fit_transform(again.articles)
    assert again.matcher.vocabulary_ == matcher.vocabulary_
    assert_same_matrix(again.matrix, expected)
