"""bench/eval.py on small fixtures: loaders, metrics, and one whole run."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures" / "eval"


@pytest.fixture(scope="module")
def bench_eval():
    spec = importlib.util.spec_from_file_location("bench_eval", ROOT / "bench" / "eval.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["bench_eval"] = module  # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


def test_reuters_loader_keeps_the_modapte_test_split(bench_eval):
    docs = bench_eval.load_reuters(FIXTURES / "reuters21578")
    assert [d.id for d in docs] == ["reuters-14826", "reuters-14827"]
    coffee = docs[0]
    assert coffee.labels == {"coffee"} and coffee.title == "Brazil Coffee Exports Rise"
    assert "<IBC>" in coffee.text and not coffee.text.endswith("Reuter")
    assert docs[1].labels == frozenset()


def test_folder_loader_and_profiles(bench_eval):
    docs = bench_eval.load_bbc(FIXTURES / "bbc-news")
    assert len(docs) == 12 and {label for d in docs for label in d.labels} == {"business", "tech", "sport"}
    profiles = bench_eval.load_profiles(FIXTURES / "profiles.yaml", "bbc")
    assert [p.decoy for p in profiles] == [False, False, False, True]


def test_the_repo_profiles_are_realistic_enough(bench_eval):
    path = ROOT / "bench" / "profiles.yaml"
    for corpus, least in (("reuters", 20), ("bbc", 8), ("italian", 5)):
        profiles = bench_eval.load_profiles(path, corpus)
        real = [p for p in profiles if not p.decoy]
        assert len(real) >= least and sum(p.decoy for p in profiles) >= 3
        assert all(p.relevant for p in real) and not any(p.relevant for p in profiles if p.decoy)


def test_metrics(bench_eval):
    assert bench_eval.ndcg_at([True, True], 2) == pytest.approx(1.0)
    assert bench_eval.ndcg_at([False, True], 1) == pytest.approx(1 / 1.5849625, rel=1e-6)
    assert bench_eval.ndcg_at([False] * 10, 0) == 0.0
    assert bench_eval.precision_at([True, False, True, False, False], 5) == pytest.approx(0.4)


def test_a_whole_run_prints_the_table(bench_eval, capsys):
    code = bench_eval.main(["--corpus", "bbc", "--evaldata", str(FIXTURES), "--set", "dev",
                            "--profiles", str(FIXTURES / "profiles.yaml"), "--feedback"])
    assert code == 0
    out = capsys.readouterr().out
    assert "bbc: 12 articles; dev 3 profiles + 1 decoys;" in out
    row = next(line for line in out.splitlines() if line.startswith("matcher (as `matcher top`)"))
    ndcg, _, p1 = row.split()[4:7]
    assert float(p1) == 1.0 and float(ndcg) > 0.8
    outcome = next(line for line in out.splitlines() if line.startswith("threshold: decoys"))
    assert outcome.split()[4] == "0d"  # the wedding planner gets nothing
    assert "baseline TfidfVectorizer() cosine" in out and "semantic encoder only" in out
    assert "matcher + feedback" in out


@pytest.mark.slow
def test_eval_ranks_as_matcher_top_does(bench_eval, cli, tmp_path):
    """`matcher top CONTACT --json` returns exactly the ranking the evaluation scores."""
    import datetime as dt
    import json

    from matcher.config import Settings
    from matcher.home import open_home
    from matcher.models import Article, Contact, Project

    docs = bench_eval.load_bbc(FIXTURES / "bbc-news")
    profiles = bench_eval.load_profiles(FIXTURES / "profiles.yaml", "bbc")
    rankings, _, _, _, _ = bench_eval.rank_matcher(docs, profiles, Settings(home=tmp_path))

    home = open_home(tmp_path / "home")
    published = dt.datetime.combine(bench_eval.TODAY, dt.time(6))
    with home.db.session() as session:
        for d in docs:
            session.add(Article(key=d.id, url=d.id, title=d.title, text=d.text, published=published))
        for p in profiles:
            session.add(Contact(name=p.name, projects=[Project(text=p.project)]))
    home.close()
    for i, p in enumerate(profiles):
        res = cli("top", p.name, "--json", "--limit", "50", "--as-of", bench_eval.TODAY.isoformat())
        urls = [row["article_url"] for row in json.loads(res.output)]
        assert urls == [docs[j].id for j in rankings[i]]
