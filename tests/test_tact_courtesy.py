"""Tact in the courtesy (issue 14): bad news about a contact's own company is never proposed to
them (rule 8), and good news about it becomes a congratulation, ahead of their ordinary best
article, through the same throttle. The mentions are written here as the night's tact stage
writes them (one `Mention` row per article and contact, with its tone)."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace

import pytest
from sqlalchemy import delete, select

from matcher.agenda import agenda
from matcher.config import Settings
from matcher.demo import run_demo
from matcher.courtesy.throttle import Rule
from matcher.explain import why
from matcher.home import open_home
from matcher.models import Article, Contact, Mention, Project, Suggestion, Touch
from matcher.review import card, list_suggestions, mark, suggestion_to_dict
from matcher.suggest import expire_stale, suggest

TODAY = dt.date(2026, 11, 20)

COFFEE = "Rinegozia i contratti di fornitura di caffè verde con i produttori in Brasile."
CLOUD_IT = ("Porta la piattaforma dati dell'azienda dal vecchio cluster Hadoop in sede al cloud, su "
            "Kubernetes, con i job Spark e un data lakehouse.")
CLOUD_ANNA = "Migra la piattaforma dati da un cluster Hadoop in sede al cloud su Kubernetes, con job Spark."

ARTICLES = {
    "coffee": (
        "Caffè verde, i torrefattori italiani rinegoziano i contratti con i produttori brasiliani",
        "Le torrefazioni italiane stanno riaprendo i contratti di fornitura di caffè verde con i produttori "
        "brasiliani. Dopo due raccolti difficili i responsabili degli acquisti chiedono accordi pluriennali "
        "con le cooperative del Minas Gerais, con prezzi agganciati ai future dell'arabica.", 3),
    "plant": (
        "Caffè Aurora inaugura a Verona il nuovo stabilimento di tostatura",
        "La torrefazione veronese Caffè Aurora ha inaugurato ieri il nuovo stabilimento di tostatura: "
        "due linee, quaranta assunzioni e un laboratorio di assaggio aperto alle scuole del territorio.", 1),
    "layoffs": (
        "Nordica Retail, 200 licenziamenti nell'IT dopo la migrazione della piattaforma dati al cloud",
        "Nordica Retail annuncia 200 licenziamenti nella divisione IT. L'azienda ha portato la piattaforma "
        "dati dal vecchio cluster Hadoop in sede al cloud, su Kubernetes, con i job Spark e un data "
        "lakehouse, e ora taglia i team che gestivano i server.", 2),
    "derby": (
        "Serie A, il derby finisce in parità tra polemiche arbitrali",
        "Il derby si è chiuso sul due a due dopo novanta minuti intensi e un rigore revocato dal VAR.", 4),
    "film": (
        "Film review: a quiet drama about a lighthouse keeper wins the festival",
        "The jury praised the restrained direction and the score of the debut feature.", 5),
}


@pytest.fixture
def settings(tmp_path):
    (tmp_path / "home").mkdir()
    return Settings(home=tmp_path / "home")


def company_person(name, company, project, language="it", kind="colleague"):
    since = dt.date(2026, 9, 1)
    return Contact(name=name, company=company, language=language, kind=kind,
                   projects=[Project(text=project, since=since)])


@pytest.fixture
def night(db):
    return store_night(db)


def store_night(db) -> dict[str, int]:
    """Giulia (Caffè Aurora, coffee), Luca (Nordica Retail, cloud) and Anna (another company, a
    cloud project too; she writes in English), and the day's articles; ids by short name."""
    with db.session() as session:
        people = [company_person("Giulia Conti", "Caffè Aurora", COFFEE, kind="recruiter"),
                  company_person("Luca Ferrari", "Nordica Retail", CLOUD_IT),
                  company_person("Anna Galli", "Verdi Data", CLOUD_ANNA, language="en")]
        articles = {key: Article(key=key, url=f"https://news.example/{key}", title=title, text=text,
                                 published=dt.datetime.combine(TODAY - dt.timedelta(days=age), dt.time(8)))
                    for key, (title, text, age) in ARTICLES.items()}
        session.add_all(people + list(articles.values()))
        session.flush()
        return {c.name.split()[0]: c.id for c in people} | {k: a.id for k, a in articles.items()}


def mention(db, ids, article, contact, tone, reason, words):
    with db.session() as session:
        session.add(Mention(article_id=ids[article], contact_id=ids[contact], words=words, tone=tone,
                            tone_reason=reason))


def bad_news(db, ids):
    mention(db, ids, "layoffs", "Luca", "bad", 'bad: "licenziamenti"', "Nordica Retail")


def good_news(db, ids):
    mention(db, ids, "plant", "Giulia", "good", 'good: "nuovo stabilimento"', "Caffè Aurora")


def proposed(db, day=TODAY) -> dict[str, dict]:
    """The pending suggestions by the contact's first name."""
    with db.session() as session:
        return {s["contact"].split()[0]: s for s in map(suggestion_to_dict, list_suggestions(session, "pending", day))}


def night_run(db, settings, day=TODAY):
    with db.session() as session:
        return suggest(session, settings, day)


def test_bad_news_about_their_company_is_never_proposed_to_them_but_still_to_others(db, settings, night):
    with db.reading() as session:  # without the mention, it is Luca's best article
        assert why(session, settings, "Luca", TODAY).best.article.id == night["layoffs"]
    bad_news(db, night)
    report = night_run(db, settings)
    rows = proposed(db)
    assert rows["Anna"]["article_url"] == "https://news.example/layoffs"  # another company: it fits her work
    assert "Luca" not in rows and report.held[Rule.TACT] == 1
    with db.session() as session:
        assert session.scalars(select(Suggestion.article_id).where(Suggestion.contact_id == night["Luca"])).all() == []


def test_why_names_rule_8_and_the_reason(db, settings, night):
    bad_news(db, night)
    with db.reading() as session:
        row = why(session, settings, "Luca Ferrari", TODAY).to_dict()
    assert (row["ok"], row["rule"], row["rule_name"]) == (False, 8, "tact")
    assert row["reason"] == ('bad news about their company — bad: "licenziamenti": '
                             + ARTICLES["layoffs"][0])
    assert row["best_article_url"] is None


def test_why_says_it_in_words(cli, tmp_path):
    home = open_home(tmp_path / "h")
    ids = store_night(home.db)
    bad_news(home.db, ids)
    good_news(home.db, ids)
    home.close()
    luca = cli("why", "Luca", "--as-of", TODAY.isoformat(), home=tmp_path / "h").output
    assert ('Luca Ferrari: held back by rule 8 (tact): bad news about their company — bad: "licenziamenti": '
            "Nordica Retail, 200 licenziamenti") in luca
    giulia = cli("why", "Giulia", "--as-of", TODAY.isoformat(), home=tmp_path / "h").output
    assert ("would propose a congratulation: Caffè Aurora inaugura a Verona il nuovo stabilimento di tostatura "
            '(good news about Caffè Aurora: good: "nuovo stabilimento")') in giulia


def test_why_shows_the_held_back_article_beside_what_would_be_proposed(db, settings, night):
    """When a weaker article still passes, that one is proposed; the bad news above it is named."""
    with db.session() as session:
        session.add(Article(key="k8s", url="https://news.example/k8s", published=dt.datetime(2026, 11, 18, 9),
                            title="Moving a legacy Hadoop data warehouse to Kubernetes: lessons from a retailer",
                            text="The retailer moved its on-premise Hadoop cluster to the cloud, on Kubernetes; "
                                 "Spark jobs now run on a lakehouse."))
    bad_news(db, night)
    with db.reading() as session:
        row = why(session, settings, "Luca", TODAY).to_dict()
    assert row["ok"] and row["best_article_url"] == "https://news.example/k8s"
    assert row["held_back"]["rule"] == 8 and ARTICLES["layoffs"][0] in row["held_back"]["reason"]


def test_good_news_is_a_congratulation_ahead_of_their_best_article(db, settings, night):
    with db.reading() as session:  # her best article is the coffee one; the plant is no topical match
        assert why(session, settings, "Giulia", TODAY).best.article.id == night["coffee"]
    good_news(db, night)
    with db.reading() as session:
        row = why(session, settings, "Giulia", TODAY).to_dict()
    assert (row["best_kind"], row["best_article_url"]) == ("congratulation", "https://news.example/plant")
    night_run(db, settings)
    giulia = proposed(db)["Giulia"]
    assert (giulia["kind"], giulia["article_url"], giulia["project"]) == (
        "congratulation", "https://news.example/plant", "")
    assert giulia["reasons"] == ['good news about Caffè Aurora: good: "nuovo stabilimento"']
    assert giulia["draft"].startswith('Ciao Giulia, ho visto la notizia su Caffè Aurora: "'
                                      + ARTICLES["plant"][0] + '" https://news.example/plant')
    assert "Complimenti" in giulia["draft"]
    with db.reading() as session:
        panel = card(next(s for s in list_suggestions(session, "pending") if s.id == giulia["id"]))
        assert panel.title.startswith("congratulation ")
        assert "why: good news about Caffè Aurora" in str(panel.renderable)


def test_a_congratulation_in_english_for_an_english_speaker(db, settings, night):
    mention(db, night, "plant", "Anna", "good", 'good: "nuovo stabilimento"', "Caffè Aurora")
    night_run(db, settings)
    anna = proposed(db)["Anna"]
    assert anna["kind"] == "congratulation"
    assert anna["draft"].startswith("Hi Anna, I saw the news about Verdi Data:")


def test_the_cap_takes_congratulations_first(db, settings, night):
    good_news(db, night)
    night_run(db, replace(settings, throttle=replace(settings.throttle, daily_cap=1)))
    assert [(name, s["kind"]) for name, s in proposed(db).items()] == [("Giulia", "congratulation")]


def test_a_congratulation_goes_through_the_cadence(db, settings, night):
    good_news(db, night)
    with db.session() as session:
        session.add(Touch(contact_id=night["Giulia"], kind="email", date=TODAY - dt.timedelta(days=1)))
    report = night_run(db, settings)
    assert "Giulia" not in proposed(db) and report.held[Rule.CADENCE] == 1
    with db.reading() as session:
        assert why(session, settings, "Giulia", TODAY).verdict.rule == Rule.CADENCE


def test_neutral_mentions_rank_as_ordinary_articles(db, settings, night):
    mention(db, night, "layoffs", "Luca", "neutral", "neutral: no word of good or bad news", "Nordica Retail")
    night_run(db, settings)
    luca = proposed(db)["Luca"]
    assert (luca["kind"], luca["article_url"]) == ("article", "https://news.example/layoffs")


def test_not_twice_nor_the_same_story_again(db, settings, night):
    good_news(db, night)
    night_run(db, settings)
    with db.session() as session:
        first = list_suggestions(session, "pending")
        giulia = next(s for s in first if s.contact.name == "Giulia Conti")
        mark(session, giulia.id, "skipped", TODAY)
        # the same story from another feed, named in the news too
        retold = Article(key="plant2", url="https://other.example/plant", title=ARTICLES["plant"][0],
                         text=ARTICLES["plant"][1], published=dt.datetime(2026, 11, 20, 10))
        session.add(retold)
        session.flush()
        session.add(Mention(article_id=retold.id, contact_id=night["Giulia"], words="Caffè Aurora",
                            tone="good", tone_reason='good: "nuovo stabilimento"'))
    night_run(db, settings, TODAY + dt.timedelta(days=1))
    with db.session() as session:
        congratulated = session.scalars(select(Article.url).join(Suggestion, Suggestion.article_id == Article.id)
                                        .where(Suggestion.contact_id == night["Giulia"],
                                               Suggestion.kind == "congratulation")).all()
    assert congratulated == ["https://news.example/plant"]
    assert proposed(db, TODAY + dt.timedelta(days=1))["Giulia"]["kind"] == "article"  # she was courteous


def test_a_congratulation_expires_with_the_freshness_of_its_article(db, settings, night):
    good_news(db, night)
    night_run(db, settings)
    published = TODAY - dt.timedelta(days=ARTICLES["plant"][2])
    last_fresh = published + dt.timedelta(days=settings.throttle.freshness_days)

    def status_on(day):
        with db.session() as session:
            expire_stale(session, day, settings)
            return session.scalars(select(Suggestion.status).where(Suggestion.kind == "congratulation")).one()

    assert status_on(last_fresh) == "pending"
    assert status_on(last_fresh + dt.timedelta(days=1)) == "expired"


def test_agenda_plans_no_check_in_for_a_contact_with_good_news(db, settings, night):
    with db.session() as session:  # a colleague of Giulia's, no project, nothing to send
        session.add(Contact(name="Sara Neri", company="Caffè Aurora", language="it"))
    with db.reading() as session:
        before = {(i.contact, i.kind) for i in agenda(session, settings, TODAY, days=1)}
    assert ("Sara Neri", "follow-up") in before
    with db.session() as session:
        sara = session.scalars(select(Contact.id).where(Contact.name == "Sara Neri")).one()
    mention(db, night | {"Sara": sara}, "plant", "Sara", "good", 'good: "nuovo stabilimento"', "Caffè Aurora")
    with db.reading() as session:
        after = {(i.contact, i.kind) for i in agenda(session, settings, TODAY, days=1)}
    assert ("Sara Neri", "follow-up") not in after


@pytest.mark.slow  # the demo loads the sentence encoder
def test_the_demo_congratulates_giulia_and_never_sends_luca_the_layoffs(tmp_path):
    """The sample has good news about Caffè Aurora (Giulia's company) and layoffs at Nordica
    Retail (Luca's) that fit Luca's project better than anything else. With their mentions (as
    the night's stage finds them; kept when it did), the night congratulates Giulia first and
    sends Luca his next-best article."""
    result = run_demo(keep=tmp_path / "demo")
    home = open_home(result.home)
    try:
        with home.db.session() as session:
            for title, name, tone, reason, words in (
                    ("Caffè Aurora inaugura", "Giulia Conti", "good", 'good: "inaugura"', "Caffè Aurora"),
                    ("Nordica Retail, 180 licenziamenti", "Luca Ferrari", "bad", 'bad: "licenziamenti"',
                     "Nordica Retail")):
                article = session.scalars(select(Article).where(Article.title.startswith(title))).one()
                contact = session.scalars(select(Contact).where(Contact.name == name)).one()
                if not session.scalars(select(Mention).where(
                        Mention.article_id == article.id, Mention.contact_id == contact.id)).first():
                    session.add(Mention(article_id=article.id, contact_id=contact.id, words=words, tone=tone,
                                        tone_reason=reason))
            session.execute(delete(Suggestion))  # the night again, with the mentions
        with home.db.session() as session:
            suggest(session, home.settings, result.as_of)
            rows = [suggestion_to_dict(s) for s in list_suggestions(session, "pending")]
    finally:
        home.close()
    assert (rows[0]["contact"], rows[0]["kind"]) == ("Giulia Conti", "congratulation")
    assert rows[0]["draft"].startswith("Ciao Giulia, ho visto la notizia su Caffè Aurora")
    luca = next(r for r in rows if r["contact"] == "Luca Ferrari")
    assert luca["article_title"].startswith("Moving a legacy data warehouse to Kubernetes")
    assert not any("licenziamenti" in r["article_title"] for r in rows)
