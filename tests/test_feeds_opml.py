from pathlib import Path

import pytest
from sqlalchemy import func, select

from matcher.errors import InputFileError, NotFound
from matcher.feeds.ingest import add_feed, export_opml, import_opml, list_feeds, remove_feed
from matcher.feeds.opml import FeedRecord, read_opml, write_opml
from matcher.models import Feed

NESTED = """<?xml version="1.0" encoding="UTF-8"?>
<opml version="2.0">
  <head><title>my feeds</title></head>
  <body>
    <outline text="News">
      <outline text="Economia">
        <outline type="rss" text="Il Sole" xmlUrl="https://example.org/sole.xml" htmlUrl="https://example.org/"/>
        <outline type="rss" text="Borsa" xmlUrl="https://example.org/borsa.xml"/>
      </outline>
      <outline type="rss" title="Tech &amp; Co" text="ignored" xmlUrl="https://example.org/tech.xml"/>
    </outline>
    <outline type="rss" text="Loose" xmlUrl="https://example.org/loose.xml"/>
    <outline type="rss" text="Tagged" category="Work/Jobs" xmlUrl="https://example.org/jobs.xml"/>
  </body>
</opml>
"""


@pytest.fixture
def db(home_db):
    return home_db


def test_read_nested_categories(tmp_path):
    path = tmp_path / "f.opml"
    path.write_text(NESTED)
    feeds = read_opml(path)
    assert [(f.url.rsplit("/", 1)[1], f.title, f.category) for f in feeds] == [
        ("sole.xml", "Il Sole", "News/Economia"),
        ("borsa.xml", "Borsa", "News/Economia"),
        ("tech.xml", "Tech & Co", "News"),
        ("loose.xml", "Loose", ""),
        ("jobs.xml", "Tagged", "Work/Jobs"),
    ]
    assert feeds[0].site_url == "https://example.org/"


def test_import_then_reimport(db, tmp_path):
    path = tmp_path / "f.opml"
    path.write_text(NESTED)
    first = import_opml(db, path)
    assert (first.added, first.existing) == (5, 0)
    again = import_opml(db, path)
    assert (again.added, again.existing) == (0, 5)
    cats = {f.url.rsplit("/", 1)[1]: f.category for f in list_feeds(db)}
    assert cats["sole.xml"] == "News/Economia"


def test_malformed_opml_refused_with_line_and_nothing_stored(db, tmp_path):
    good = tmp_path / "good.opml"
    good.write_text(NESTED)
    import_opml(db, good)
    bad = tmp_path / "bad.opml"
    bad.write_text(NESTED.replace('<outline type="rss" text="Loose"', '<outline type="rss" text="Loose" <'))
    bad.write_text(bad.read_text().replace("example.org/jobs", "example.org/new"))
    with pytest.raises(InputFileError) as err:
        import_opml(db, bad)
    assert err.value.line == 12
    assert str(err.value).startswith(f"{bad}:12: not valid OPML: error parsing attribute name (column 38)")
    with db.session() as s:
        assert s.scalar(select(func.count()).select_from(Feed)) == 5


def test_opml_without_feeds_is_refused(tmp_path):
    path = tmp_path / "empty.opml"
    path.write_text('<opml version="2.0"><head/><body><outline text="x"/></body></opml>')
    with pytest.raises(InputFileError, match="no feeds"):
        read_opml(path)


def test_entities_are_not_expanded(tmp_path):
    path = tmp_path / "evil.opml"
    path.write_text(
        '<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        '<opml version="2.0"><body><outline text="&x;" xmlUrl="https://e.org/a.xml"/></body></opml>'
    )
    try:
        feeds = read_opml(path)
    except InputFileError:
        return
    assert "root:" not in feeds[0].title


def test_round_trip():
    feeds = [
        FeedRecord("https://a.example/rss", "A & <b>", "News/Economia", "https://a.example/"),
        FeedRecord("https://b.example/rss", "B", "News"),
        FeedRecord("https://c.example/rss", "", ""),
        FeedRecord("https://d.example/rss?x=1&y=\"2\"", "D", "Tech"),
    ]
    text = write_opml(feeds)
    import tempfile

    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / "x.opml"
        p.write_text(text)
        back = read_opml(p)
    assert sorted(back, key=lambda f: f.url) == sorted(feeds, key=lambda f: f.url)


def test_export_from_db_round_trips(db, tmp_path):
    path = tmp_path / "f.opml"
    path.write_text(NESTED)
    import_opml(db, path)
    out = tmp_path / "out.opml"
    out.write_text(export_opml(db))
    assert sorted((f.url, f.category) for f in read_opml(out)) == sorted(
        (f.url, f.category) for f in read_opml(path)
    )


def test_add_and_remove(db):
    feed = add_feed(db, "https://example.org/x.xml", title="X", category="Tech")
    assert add_feed(db, "https://example.org/x.xml").id == feed.id
    assert [f.url for f in list_feeds(db)] == ["https://example.org/x.xml"]
    remove_feed(db, str(feed.id))
    assert list_feeds(db) == []
    with pytest.raises(NotFound):
        remove_feed(db, "https://example.org/x.xml")


def test_an_entity_reference_is_refused_with_its_line(tmp_path):
    path = tmp_path / "entity.opml"
    path.write_text('<?xml version="1.0"?><!DOCTYPE opml [<!ENTITY x "y">]>\n<opml version="2.0"><body>\n'
                    '<outline text="a" xmlUrl="https://e.org/a.xml"/>&x;</body></opml>')
    with pytest.raises(InputFileError, match="entities are not allowed") as raised:
        read_opml(path)
    assert raised.value.line == 3
