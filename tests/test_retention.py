import datetime as dt

from sqlalchemy import select

from matcher.config import RetentionSettings, Settings, load
from matcher.feeds.ingest import add_feed, ingest
from matcher.models import Article, Contact, Suggestion
from matcher.retention import prune_articles
from tests.feedserver import LONG, rss

NOW = dt.datetime(2026, 11, 20, 23, 0)


def settings(tmp_path, days=30):
    return Settings(home=tmp_path, retention=RetentionSettings(article_days=days))


def add_article(s, key, age_days, source="feed"):
    a = Article(key=key, title=key, url=f"https://r.example/{key}", text="t", text_source=source,
                published=NOW - dt.timedelta(days=age_days), fetched_at=NOW - dt.timedelta(days=age_days))
    s.add(a)
    s.flush()
    return a


def titles(db):
    with db.session() as s:
        return set(s.scalars(select(Article.title)))


def test_old_unreferenced_articles_are_pruned_the_rest_kept(db, tmp_path):
    with db.session() as s:
        c = Contact(name="Anna")
        s.add(c)
        s.flush()
        for key, age in [("fresh", 1), ("edge", 29), ("old", 31), ("ancient", 400)]:
            add_article(s, key, age)
        sent = add_article(s, "old-but-sent", 200)
        pending = add_article(s, "old-but-proposed", 45)
        add_article(s, "my-news", 200, source="news")
        s.add(Suggestion(contact_id=c.id, article_id=sent.id, score=0.5, status="sent", created_on=dt.date(2026, 5, 1)))
        s.add(Suggestion(contact_id=c.id, article_id=pending.id, score=0.5, status="expired", created_on=dt.date(2026, 10, 1)))
        s.add(Suggestion(contact_id=c.id, article_id=None, score=1.0, status="pending", created_on=dt.date(2026, 11, 20)))
    assert prune_articles(db, settings(tmp_path), NOW) == 2
    assert titles(db) == {"fresh", "edge", "old-but-sent", "old-but-proposed", "my-news"}
    assert prune_articles(db, settings(tmp_path), NOW) == 0
    assert prune_articles(db, settings(tmp_path, days=0), NOW + dt.timedelta(days=900)) == 0  # 0 = keep all


def test_prune_in_batches(db, tmp_path, monkeypatch):
    from matcher import retention

    monkeypatch.setattr(retention, "BATCH", 7)
    with db.session() as s:
        for i in range(30):
            add_article(s, f"a{i}", 100)
    assert prune_articles(db, settings(tmp_path), NOW) == 30 and titles(db) == set()


def test_entries_past_the_retention_age_are_never_stored(db, tmp_path, feed_server):
    feed_server.set("/f.xml", rss("F", [
        {"title": "recent", "guid": "r", "link": "https://f.example/r", "content": LONG,
         "date": "Wed, 18 Nov 2026 08:00:00 GMT"},
        {"title": "from last year", "guid": "o", "link": "https://f.example/o", "content": LONG,
         "date": "Tue, 18 Nov 2025 08:00:00 GMT"},
    ]))
    add_feed(db, feed_server.url("/f.xml"))
    report = ingest(db, settings(tmp_path), now=NOW)
    assert len(report.new_article_ids) == 1 and titles(db) == {"recent"}


def test_retention_is_configurable(tmp_path):
    (tmp_path / "matcher.toml").write_text("[retention]\narticle_days = 45\n", encoding="utf-8")
    assert load(tmp_path).retention.article_days == 45
    assert load(tmp_path / "nowhere").retention.article_days == 90
