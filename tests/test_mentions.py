"""Company mentions (issue 14): the contacts file's aliases and tickers, the finder's rules,
the night's stage (each fresh article checked once, again when the companies change) and
what `top` and the review card show."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from hypothesis import given, settings as hypothesis_settings, strategies as st
from rich.console import Console
from sqlalchemy import select

from matcher.config import Settings
from matcher.contacts import import_contacts, read_contacts
from matcher.contacts.edit import edit_contact
from matcher.errors import InputFileError
from matcher.export import export_document
from matcher.models import Article, Contact, Mention, Suggestion
from matcher.review import card, suggestion_to_dict
from matcher.tact.mentions import Company, CompanyNames, check_mentions, variants
from matcher.tact.tone import judge

DAY = dt.date(2026, 11, 20)


def found(names: CompanyNames, text: str) -> dict[int, str]:
    return {f.contact_id: f.words for f in names.find(text)}


AURORA = CompanyNames([Company(1, "Caffè Aurora")])


# --- the finder ---------------------------------------------------------------------------

def test_legal_forms_are_optional_on_either_side():
    assert found(AURORA, "Nuovo stabilimento per CAFFE' AURORA S.p.A. a Verona") == {1: "CAFFE' AURORA S.p.A"}
    spa = CompanyNames([Company(2, "Caffè Aurora S.p.A.")])
    assert found(spa, "Caffè Aurora apre a Verona") == {2: "Caffè Aurora"}
    assert variants("Assicurazioni Generali S.p.A.") == {("assicurazioni", "generali", "s", "p", "a"),
                                                         ("assicurazioni", "generali")}
    assert variants("The Coca-Cola Company") == {("coca", "cola"), ("coca", "cola", "company")}
    assert found(CompanyNames([Company(3, "Eni S.p.A.")]), "Eni SpA, utile in crescita") == {3: "Eni SpA"}


def test_accents_and_case_are_folded_and_only_whole_words_count():
    for text in ("caffe aurora", "CAFFÈ AURORA", "Caffe\u0300 Aurora", "il caffè Aurora di Verona"):
        assert 1 in found(AURORA, text), text
    for text in ("Caffè Auroras", "Caffèaurora", "Caffè\nAurora", "Caffè, Aurora", "decaffè Aurora"):
        assert found(AURORA, text) == {}, text
    assert found(CompanyNames([Company(4, "Eni")]), "L'Enigma dei geni: Ente Nazionale") == {}


def test_a_one_word_name_counts_only_written_as_a_proper_noun():
    generali = CompanyNames([Company(1, "Generali")])
    assert found(generali, "Generali, utile record nel trimestre") == {1: "Generali"}
    assert found(generali, "Le elezioni generali del 2013 e i generali russi") == {}
    assert found(generali, "GENERALI: UTILE RECORD") == {1: "GENERALI"}
    ebay = CompanyNames([Company(2, "eBay")])
    assert found(ebay, "sites such as Google, eBay and Yahoo") == {2: "eBay"}
    assert found(ebay, "an ebay listing") == {}


def test_similar_names_are_other_companies_people_and_places():
    names = CompanyNames([Company(1, "General Motors Corp"), Company(2, "Caffè Aurora"),
                          Company(3, "Ford Motor Company", ("Ford",)), Company(4, "Virgin Group"),
                          Company(5, "Shell plc")])
    assert found(names, "General Mills and General Electric cut jobs") == {}
    assert found(names, "General Motors said sales rose") == {1: "General Motors"}
    assert found(names, "Aurora boreale: the Aurora limped back to its dock") == {}
    assert found(names, "He advised President Gerald Ford on the economy.") == {}
    assert found(names, "Ford made a profit-sharing distribution.") == {3: "Ford"}
    assert found(names, "The Virgin Islands offer tax incentives.") == {}
    assert found(names, "The auction was won by an unknown shell company.") == {}
    assert found(names, "Shell Canada raised crude prices.") == {5: "Shell"}  # its unit: Canada


def test_tickers_count_only_in_capitals_and_short_ones_only_beside_an_exchange():
    names = CompanyNames([Company(1, "Apple Inc.", (), ("AAPL",)), Company(2, "General Motors", (), ("GM",)),
                          Company(3, "Eni", (), ("ENI.MI",))])
    assert found(names, "AAPL rose 3% on Tuesday") == {1: "AAPL"}
    assert found(names, "aapl rose") == {}
    assert found(names, "GM cut its forecast") == {}
    assert found(names, "shares of the carmaker (NYSE: GM) fell") == {2: "GM"}
    assert found(names, "sales at GM <GM> fell") == {2: "GM"}
    assert found(names, "ENI.MI in rialzo a Milano") == {3: "ENI.MI"}
    assert found(names, "UAW SAYS STOPPAGE POSSIBLE AT GM, AAPL SAYS NOTHING") == {}  # a line in capitals


def test_every_contact_at_a_company_is_mentioned_once_with_the_first_words():
    names = CompanyNames([Company(1, "Caffè Aurora"), Company(2, "Caffè Aurora S.r.l.", ("Aurora Caffè",))])
    assert found(names, "Aurora Caffè e poi Caffè Aurora") == {2: "Aurora Caffè", 1: "Caffè Aurora"}


def test_the_fingerprint_is_the_names_and_who_works_there():
    a = CompanyNames([Company(1, "Caffè Aurora"), Company(2, "Eni", (), ("ENI",))])
    assert a.fingerprint == CompanyNames([Company(2, "Eni", (), ("ENI",)), Company(1, "Caffè Aurora")]).fingerprint
    assert a.fingerprint != CompanyNames([Company(1, "Caffè Aurora"), Company(2, "Eni")]).fingerprint
    assert a.fingerprint != CompanyNames([Company(2, "Caffè Aurora"), Company(1, "Eni", (), ("ENI",))]).fingerprint
    assert len(a.fingerprint) <= Article.mentions_checked.type.length


NAMES = CompanyNames([Company(1, "Caffè Aurora S.p.A."), Company(2, "Generali"), Company(3, "GM", (), ("GM", "ENI.MI")),
                      Company(4, "Ab"), Company(5, "É")])


@hypothesis_settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(st.text(max_size=12), st.sampled_from(
    ["Caffè", "AURORA", "Aurora", "S.p.A.", "Generali", "GM", "(NYSE: ", "ENI.MI", "\n", "'", " ", "É", "ab", "AB"])),
    max_size=30))
def test_the_finder_never_raises_and_its_words_are_the_texts_own(parts):
    text = "".join(parts)
    for f in NAMES.find(text):
        assert f.words and f.words in text


# --- the contacts file --------------------------------------------------------------------

YAML = """\
- name: Giulia Conti
  company: Caffè Aurora S.r.l.
  company_aliases: [Aurora Caffè, "Caffè Aurora Group"]
  company_tickers: caur
- name: Marco Bianchi
  company: Eni
  company_tickers: "ENI; ENI.MI"
"""


def test_aliases_and_tickers_from_yaml_and_csv(tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(YAML, encoding="utf-8")
    giulia, marco = read_contacts(path)
    assert (giulia.company_aliases, giulia.company_tickers) == ("Aurora Caffè ::: Caffè Aurora Group", "CAUR")
    assert (marco.company_aliases, marco.company_tickers) == ("", "ENI ::: ENI.MI")
    csv = tmp_path / "c.csv"
    csv.write_text("name,company,company_aliases,company_tickers\n"
                   "Anna,Generali,Assicurazioni Generali ::: Generali Group,G.MI\n"
                   "Ben,Apple Inc.,Apple Computer; APPLE COMPUTER,AAPL ; aapl\n", encoding="utf-8")
    anna, ben = read_contacts(csv)
    assert anna.company_aliases == "Assicurazioni Generali ::: Generali Group" and anna.company_tickers == "G.MI"
    assert ben.company_aliases == "Apple Computer" and ben.company_tickers == "AAPL"  # each once


@pytest.mark.parametrize("text, line, words", [
    ("- name: A\n  company: X\n  company_tickers:\n    - AAPL\n    - Apple Inc\n", 5, "a ticker is"),
    ("- name: A\n  company_aliases:\n    - ok\n    - {a: b}\n", 4, "single value"),
    ("- name: A\n  company_aliases: [fine, '---']\n", 2, "no letter or digit"),
])
def test_a_malformed_alias_or_ticker_refuses_the_file_with_its_line(tmp_path, text, line, words):
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InputFileError) as refused:
        read_contacts(path)
    assert f":{line}:" in str(refused.value) and words in str(refused.value)
    csv = tmp_path / "c.csv"
    csv.write_text("name,company_tickers\nA,AAPL\nB,BAD TICKER\n", encoding="utf-8")
    with pytest.raises(InputFileError, match=r"c\.csv:3: .*ticker"):
        read_contacts(csv)


def test_aliases_and_tickers_are_stored_shown_edited_and_exported(db, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(YAML, encoding="utf-8")
    import_contacts(db, read_contacts(path), DAY)
    edit_contact(db, "Marco Bianchi", company_aliases="Ente Nazionale Idrocarburi; Eni")
    with db.reading() as session:
        document = export_document(session, "0008", DAY)
    marco = next(c for c in document["contacts"] if c["name"] == "Marco Bianchi")
    assert marco["company_aliases"] == "Ente Nazionale Idrocarburi ::: Eni"
    assert marco["company_tickers"] == "ENI ::: ENI.MI"
    exported = tmp_path / "export.json"
    exported.write_text(json.dumps(document), encoding="utf-8")
    again = {r.name: r for r in read_contacts(exported)}
    assert again["Giulia Conti"].company_aliases == "Aurora Caffè ::: Caffè Aurora Group"


def test_contacts_show_and_edit_on_the_command_line(cli, tmp_path):
    path = tmp_path / "c.yaml"
    path.write_text(YAML, encoding="utf-8")
    cli("contacts", "import", str(path))
    cli("contacts", "edit", "Giulia Conti", "--company-tickers", "CAUR; AUR.MI")
    shown = json.loads(cli("contacts", "show", "Giulia Conti", "--json").stdout)[0]
    assert shown["company_tickers"] == "CAUR ::: AUR.MI"
    assert shown["company_aliases"] == "Aurora Caffè ::: Caffè Aurora Group"
    refused = cli("contacts", "edit", "Giulia Conti", "--company-tickers", "not a ticker", ok=False)
    assert refused.exit_code != 0 and "ticker" in refused.output


# --- the night's stage --------------------------------------------------------------------

GOOD = "Caffè Aurora inaugura il nuovo stabilimento di Verona"
BAD = "CAFFE' AURORA S.p.A.: licenziamenti nello stabilimento"


def fill(db) -> dict[str, int]:
    """Giulia at Caffè Aurora, Marco at Eni; two fresh articles about Aurora, one about
    nothing, one old one about Aurora, and the user's own news naming Aurora."""
    at = dt.datetime.combine(DAY, dt.time(7))
    with db.session() as session:
        session.add_all([Contact(name="Giulia Conti", company="Caffè Aurora"),
                         Contact(name="Marco Bianchi", company="Eni S.p.A.")])
        articles = {
            "good": Article(key="good", title=GOOD, summary="La produzione raddoppia.", published=at),
            "bad": Article(key="bad", title=BAD, summary="Sessanta posti a rischio.", published=at),
            "none": Article(key="none", title="Il prezzo del caffè", summary="Aurora boreale.", published=at),
            "old": Article(key="old", title=GOOD, published=at - dt.timedelta(days=60)),
            "news": Article(key="news", title="Ho parlato a Caffè Aurora", text_source="news", published=at),
        }
        session.add_all(articles.values())
        session.flush()
        return {k: a.id for k, a in articles.items()}


def stored(db) -> dict[tuple[int, str], tuple]:
    with db.reading() as session:
        rows = session.execute(select(Mention, Contact.name).join(Contact, Contact.id == Mention.contact_id)).all()
        return {(m.article_id, name): (m.words, m.tone, m.tone_reason, m.id) for m, name in rows}


@pytest.fixture
def settings(tmp_path) -> Settings:
    return Settings(home=tmp_path / "home")


def check(db, settings: Settings) -> int:
    with db.session() as session:
        return check_mentions(session, DAY, settings)


def test_each_fresh_article_is_checked_once_with_its_tone(db, settings):
    ids = fill(db)
    assert check(db, settings) == 4  # the fresh ones, the user's news among them; not the old one
    mentions = stored(db)
    good = judge(f"{GOOD} La produzione raddoppia.", "")
    bad = judge(f"{BAD} Sessanta posti a rischio.", "")
    assert {k: v[:3] for k, v in mentions.items()} == {
        (ids["good"], "Giulia Conti"): ("Caffè Aurora", str(good.tone), good.reason),
        (ids["bad"], "Giulia Conti"): ("CAFFE' AURORA S.p.A", str(bad.tone), bad.reason),
    }
    assert check(db, settings) == 0  # unchanged articles are not checked again
    assert stored(db) == mentions  # the very same rows
    with db.reading() as session:
        fingerprints = set(session.scalars(select(Article.mentions_checked).where(Article.key != "old")))
        assert len(fingerprints) == 1 and None not in fingerprints
        assert session.scalars(select(Article.mentions_checked).where(Article.key == "old")).one() is None


def test_fresh_articles_are_checked_again_when_a_company_changes(db, settings):
    ids = fill(db)
    check(db, settings)
    with db.session() as session:
        session.add(Article(key="later", title="Eni, accordo in Algeria", published=dt.datetime.combine(DAY, dt.time(9))))
    edit_contact(db, "Marco Bianchi", company="Caffè Aurora")  # Marco moves to Aurora
    assert check(db, settings) == 5
    mentions = stored(db)
    assert set(mentions) == {(ids["good"], "Giulia Conti"), (ids["bad"], "Giulia Conti"),
                             (ids["good"], "Marco Bianchi"), (ids["bad"], "Marco Bianchi")}
    assert check(db, settings) == 0
    edit_contact(db, "Giulia Conti", company_aliases="Torrefazione Aurora")  # an alias counts too
    assert check(db, settings) == 5


def test_a_night_stores_the_mentions_of_its_fresh_articles(tmp_path):
    from matcher.home import init_home, open_home
    from matcher.night import run_night

    init_home(tmp_path / "home")
    home = open_home(tmp_path / "home")
    try:
        ids = fill(home.db)
        run_night(home, DAY)
        assert set(stored(home.db)) == {(ids["good"], "Giulia Conti"), (ids["bad"], "Giulia Conti")}
        assert check(home.db, home.settings) == 0  # the night checked them all
    finally:
        home.close()


# --- shown --------------------------------------------------------------------------------

def test_the_card_and_the_json_say_the_article_is_about_their_company(db, settings):
    ids = fill(db)
    check(db, settings)
    with db.session() as session:
        giulia = session.scalars(select(Contact).where(Contact.name == "Giulia Conti")).one()
        for key in ("good", "none"):
            session.add(Suggestion(contact_id=giulia.id, article_id=ids[key], score=0.5, reasons=["caffè"],
                                   draft="Ciao", status="pending", created_on=DAY))
    with db.reading() as session:
        good, plain = session.scalars(select(Suggestion).order_by(Suggestion.article_id)).all()
        reason = judge(f"{GOOD} La produzione raddoppia.", "").reason
        assert suggestion_to_dict(good)["mention"] == {
            "contact": "Giulia Conti", "company_words": "Caffè Aurora", "tone": str(judge(GOOD).tone),
            "tone_reason": reason}
        assert suggestion_to_dict(plain)["mention"] is None
        out = io.StringIO()
        Console(file=out, width=200).print(card(good))
        assert f"About their company: Caffè Aurora — {reason}" in out.getvalue()
        out = io.StringIO()
        Console(file=out, width=200).print(card(plain))
        assert "About their company" not in out.getvalue()


def test_top_rows_carry_the_mention_of_the_contacts_company(db, settings):
    from matcher.explain import top_rows

    with db.session() as session:
        giulia = Contact(name="Giulia Conti", company="Caffè Aurora")
        giulia.projects = []
        session.add(giulia)
    edit_contact(db, "Giulia Conti", add_project="Roasting specialty coffee and green coffee supply",
                 as_of=DAY - dt.timedelta(days=30))
    at = dt.datetime.combine(DAY, dt.time(7))
    with db.session() as session:
        session.add_all([
            Article(key="a", title="Caffè Aurora wins an award for specialty coffee roasting",
                    summary="The roaster's green coffee supply from Brazil.", published=at),
            Article(key="b", title="Green coffee supply tightens for specialty roasters",
                    summary="Coffee prices rise in Brazil.", published=at)])
    check(db, settings)
    name, rows = top_rows(db, settings, "Giulia Conti", DAY)
    by_title = {r["title"]: r for r in rows}
    about = by_title["Caffè Aurora wins an award for specialty coffee roasting"]["mentions"]
    verdict = judge("Caffè Aurora wins an award for specialty coffee roasting The roaster's green coffee supply from Brazil.")
    assert about == [{"contact": "Giulia Conti", "company_words": "Caffè Aurora", "tone": str(verdict.tone),
                      "tone_reason": verdict.reason}]
    assert by_title["Green coffee supply tightens for specialty roasters"]["mentions"] == []


def test_top_does_not_count_bad_news_about_their_company_as_proposable(db, settings):
    from matcher.explain import top_rows

    with db.session() as session:
        session.add(Contact(name="Giulia Conti", company="Caffè Aurora"))
    edit_contact(db, "Giulia Conti", add_project="Green coffee supply contracts with growers in Brazil",
                 as_of=DAY - dt.timedelta(days=30))
    at = dt.datetime.combine(DAY, dt.time(7))
    lead = "Green coffee supply contracts with growers in Brazil collapsed and the roaster cuts 200 jobs."
    with db.session() as session:
        session.add_all([
            Article(key="a", title="Caffè Aurora announces layoffs after its green coffee supply contracts collapse",
                    summary=lead, published=at),
            Article(key="b", title="Torrefazione Rossi announces layoffs after its green coffee supply contracts collapse",
                    summary=lead, published=at)])
    check(db, settings)
    _, rows = top_rows(db, settings, "Giulia Conti", DAY)
    passes = {r["title"].split()[0]: r["passes"] for r in rows}
    assert passes == {"Torrefazione": True, "Caffè": False}


def test_forgetting_a_person_removes_the_mentions_of_their_company(db, settings):
    from sqlalchemy import func, select

    from matcher.contacts.forget import forget

    settings.home.mkdir(parents=True, exist_ok=True)
    with db.session() as session:
        session.add_all([Contact(name="Giulia Conti", company="Caffè Aurora"),
                         Contact(name="Paolo Neri", company="Caffè Aurora")])
        session.add(Article(key="a", title="Caffè Aurora opens a new roasting plant in Verona",
                            published=dt.datetime.combine(DAY, dt.time(7))))
    check(db, settings)
    done = forget(db, settings, "Giulia Conti")
    assert done.removed["mentions"] == 1
    with db.reading() as session:
        left = session.scalars(select(Mention.contact_id)).all()
        paolo = session.scalar(select(Contact.id).where(Contact.name == "Paolo Neri"))
        assert left == [paolo] and session.scalar(select(func.count()).select_from(Article)) == 1
