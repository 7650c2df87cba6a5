"""Drafts: one template per kind and language, overridable in the home, short, never an ask."""

import re
from pathlib import Path

import pytest

from matcher.drafts import PACKAGED, fallback_note, render

VALUES = dict(first_name="Giulia", project="il caffè verde", title="Un articolo", url="https://x.example/a",
              sender="Ada", occasion="Natale", company="Caffè Aurora", role="CEO", text="La mia novità",
              link="https://x.example/n")
KINDS = sorted({p.name.split(".")[0] for p in PACKAGED.glob("*.j2")})
ASKS = re.compile(r"opening|position|posizion|opportunit|introduc|present(armi|i a)|cerco lavoro|"
                  r"job for me|lavoro per me|can you|puoi", re.IGNORECASE)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["it", "en"])
def test_every_kind_has_a_short_draft_in_both_languages_that_never_asks(kind, language):
    assert (PACKAGED / f"{kind}.{language}.j2").exists()
    text = render(kind, language, None, **VALUES)
    assert text and len(text) < 400
    assert not ASKS.search(text), text


def test_the_home_overrides_a_template_and_unknown_languages_fall_back_to_english(tmp_path: Path):
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "article.it.j2").write_text("Ciao {{ first_name }}! {{ url }}", encoding="utf-8")
    assert render("article", "it", tmp_path, **VALUES) == "Ciao Giulia! https://x.example/a"
    assert render("article", "en", tmp_path, **VALUES).startswith("Hi Giulia")
    assert render("article", "de", tmp_path, **VALUES).startswith("Hi Giulia")


def test_a_language_without_a_template_gets_english_and_a_note_that_says_so(tmp_path: Path):
    assert fallback_note("article", "it") == fallback_note("greeting", "en") == ""
    assert fallback_note("article", "") == ""  # no language set: English, nothing to say
    assert fallback_note("greeting", "fr") == "no French template: the draft is in English"
    assert fallback_note("congratulation", "DE") == "no German template: the draft is in English"
    assert fallback_note("article", "xq") == "no 'xq' template: the draft is in English"
    # a language code is never a path
    assert render("article", "../article.it", None, **VALUES).startswith("Hi Giulia")
    # the home may add a language: then it is used, and there is nothing to say
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "greeting.fr.j2").write_text("Bonjour {{ first_name }} !", encoding="utf-8")
    assert render("greeting", "fr", tmp_path, **VALUES) == "Bonjour Giulia !"
    assert fallback_note("greeting", "fr", tmp_path) == ""
    assert fallback_note("article", "fr", tmp_path) == "no French template: the draft is in English"


@pytest.mark.parametrize("language, anniversary, work", [
    ("en", "Hi Giulia, happy anniversary to you both: 14 years together!",
     "Hi Giulia, 3 years at Caffè Aurora: congratulations!"),
    ("it", "Ciao Giulia, buon anniversario a entrambi: 14 anni insieme!",
     "Ciao Giulia, 3 anni in Caffè Aurora: complimenti!"),
])
def test_a_personal_anniversary_is_a_greeting_a_work_anniversary_a_congratulation(language, anniversary, work):
    personal = render("greeting", language, None, **{**VALUES, "occasion": "anniversary", "years": 14})
    job = render("congratulation", language, None, **{**VALUES, "occasion": "work-anniversary", "years": 3})
    assert personal.splitlines()[0] == anniversary and job.splitlines()[0] == work


# --- the project as a draft quotes it ------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from matcher.config import Settings  # noqa: E402
from matcher.drafts import MIN_CLAUSE, OVERSHOOT, project_phrase  # noqa: E402
from matcher.matching.analysis import FUNCTION_WORDS, fold_accents  # noqa: E402
from matcher.models import Article, Contact, Project  # noqa: E402
from matcher.ranking import Ranking  # noqa: E402
from matcher.suggest import Candidate, draft_for  # noqa: E402


@pytest.mark.parametrize("text, phrase", [
    # cut at a word, never on "into", "di", "in": "models into…" reads as broken
    ("Bringing the bank's credit scoring and fraud detection models into compliance with the EU AI Act "
     "(high-risk AI systems, risk management, human oversight).",
     "bringing the bank's credit scoring and fraud detection models…"),
    ("Cerca CFO e direttori finanziari per aziende manifatturiere e di automazione industriale in Emilia.",
     "cerca CFO e direttori finanziari per aziende manifatturiere…"),
    # a clause that ends a little past the limit is kept whole, without "…"
    ("Hiring operations managers for the container terminals of Genoa and Trieste, now that traffic grows.",
     "hiring operations managers for the container terminals of Genoa and Trieste"),
    ("Responsabile acquisti carni @ Inalca | Bovini e suini — monitora il numero di capi negli allevamenti "
     "USA, i prezzi alla macellazione e le esportazioni di carne.",
     "responsabile acquisti carni @ Inalca | Bovini e suini"),
    # short: the first sentence as it is; an acronym keeps its capitals
    ("EU AI Act compliance for a mid-sized bank. Also fraud models.", "EU AI Act compliance for a mid-sized bank"),
    ("Green coffee contracts", "green coffee contracts"),
])
def test_a_project_is_quoted_up_to_a_clause_or_a_word_that_ends_something(text, phrase):
    assert project_phrase(text) == phrase


def _sentence(text: str) -> str:
    return " ".join(text.split()).split(". ")[0].rstrip(". ")


@settings(max_examples=300, deadline=None)
@given(st.lists(st.sampled_from(["di", "the", "of", "dell'", "supply", "chain", "Kubernetes", "(cloud", "data)",
                                 "EU", "gare,", "—", "porti", "a", "|", "x" * 30, "contratti:", "in", "e"]),
                min_size=1, max_size=40))
def test_a_quoted_project_is_short_balanced_and_a_prefix_of_its_first_sentence(words):
    text = " ".join(words)
    phrase = project_phrase(text)
    sentence = _sentence(text)
    body = phrase.removesuffix("…")
    assert len(phrase) <= 70 + OVERSHOOT + 1
    if len(sentence) > 70:  # a cut never leaves a parenthesis open
        assert body.count("(") <= body.count(")")
    # what is quoted is the sentence's beginning (its first letter may be lowercased)
    assert sentence.replace("(", "").lower().startswith(body.replace("(", "").lower())
    if phrase.endswith("…") and " " in body:
        last = body.rsplit(" ", 1)[1].lower()
        assert fold_accents(last) not in FUNCTION_WORDS and not last.endswith("'")
    if len(sentence) <= 70:
        assert body.lower() == sentence.lower()
    else:
        assert len(body) >= min(MIN_CLAUSE, len(sentence)) or phrase.endswith("…")


@pytest.mark.parametrize("language", ["it", "en"])
@pytest.mark.parametrize("kind", ["article", "news"])
def test_a_draft_without_a_project_to_quote_reads_whole(kind, language):
    text = render(kind, language, None, **{**VALUES, "project": ""})
    assert "()" not in text and "  " not in text and " :" not in text
    assert "il caffè verde" in render(kind, language, None, **VALUES)


@pytest.mark.parametrize("contact_language, project, quoted", [
    ("it", "Rinegozia i contratti di fornitura di caffè verde con i produttori brasiliani.",
     "rinegozia i contratti di fornitura di caffè verde con i produttori…"),
    ("en", "Renegotiating the green coffee supply contracts with Brazilian growers.",
     "renegotiating the green coffee supply contracts with Brazilian growers"),
    # written in another language than the draft: not pasted into it
    ("it", "Renegotiating the green coffee supply contracts with Brazilian growers.", None),
    ("en", "Rinegozia i contratti di fornitura di caffè verde con i produttori brasiliani.", None),
])
def test_an_article_draft_quotes_the_project_only_in_the_drafts_language(tmp_path, contact_language, project, quoted):
    contact = Contact(name="Giulia Conti", language=contact_language)
    article = Article(title="Caffè verde, nuovi contratti", url="https://x.example/a")
    candidate = Candidate(contact, article, Project(text=project), 0.5, Ranking([], None, Settings(home=tmp_path)))
    draft = draft_for(candidate, Settings(home=tmp_path)).splitlines()[0]
    if quoted is None:
        assert "(" not in draft and draft.startswith(("Ciao Giulia, leggendo", "Hi Giulia, this made me think"))
        assert ("di tuo lavoro:" in draft or "tuo lavoro:" in draft) if contact_language == "it" else "your work:" in draft
    else:
        assert f"({quoted})" in draft
