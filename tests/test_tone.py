"""The tone of company news (`matcher.tact.tone.judge`): clear good and bad news in Italian
and English, negation and a bad thing easing or ending, a case the company brings or wins, the words
named as the reason, the model reading the sentence vector where the lexicon has no word, and
never a crash on any text. Headlines written for these tests, not the bench's labelled set."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.matching import semantic
from matcher.tact.tone import Tone, ToneVerdict, bad_probability, judge, model


def quotes(reason: str) -> list[str]:
    """The phrases a reason quotes: 'bad: "a", "b"' -> ["a", "b"]."""
    return reason.split('"')[1::2]

BAD = [
    ("Acme to cut 300 jobs at its Leeds plant", "en", "cut 300 jobs"),
    ("Acme files for Chapter 11 bankruptcy protection", "en", "Chapter 11"),
    ("Union workers strike at Acme's Ohio mill", "en", "strike"),
    ("Acme recalls 40,000 cars over faulty brakes", "en", "recalls"),
    ("Acme quarterly profit falls 20 pct on weak demand", "en", "profit falls"),
    ("Rossi Spa annuncia 120 licenziamenti nello stabilimento di Brescia", "it", "licenziamenti"),
    ("Antitrust, maxi multa a Rossi Spa per pratiche scorrette", "it", "multa"),
    ("Rossi Spa, ricavi in calo del 12% nel primo semestre", "it", "ricavi in calo"),
    ("Sciopero di otto ore alla Rossi Spa contro la cassa integrazione", "it", "Sciopero"),
]

GOOD = [
    ("Acme wins 40 mln dlr Army contract", "en", "contract"),
    ("Acme to build new plant in Indiana, hiring 500", "en", "new plant"),
    ("Acme first quarter earnings up 37 pct", "en", "earnings up"),
    ("Acme returns to profit after two years of losses", "en", "returns to profit"),
    ("Rossi Spa, utili in crescita del 15% e dividendo record", "it", "utili in crescita"),
    ("Rossi Spa inaugura un nuovo stabilimento a Bari: 200 assunzioni", "it", "inaugura"),
]

NEUTRAL = [
    ("Acme says no layoffs are planned this year", "en", "no layoffs"),
    ("Acme settles strike with machinists' union", "en", "settles strike"),
    ("Acme third quarter loss narrows", "en", "loss narrows"),
    ("Acme holds its annual meeting in Denver", "en", ""),
    ("Rossi Spa smentisce: nessun licenziamento a Brescia", "it", "nessun licenziamento"),
    ("Rossi Spa, il consiglio di amministrazione si riunisce giovedì", "it", ""),
]


@pytest.mark.parametrize(("text", "language", "words"), BAD)
def test_bad_news_is_bad_and_the_reason_quotes_the_words(text, language, words):
    verdict = judge(text, language)
    assert verdict.tone is Tone.BAD
    assert verdict.reason.startswith("bad: ")
    assert any(words in phrase for phrase in quotes(verdict.reason)), verdict.reason


@pytest.mark.parametrize(("text", "language", "words"), GOOD)
def test_good_news_is_good_and_the_reason_quotes_the_words(text, language, words):
    verdict = judge(text, language)
    assert verdict.tone is Tone.GOOD
    assert verdict.reason.startswith("good: ")
    assert any(words in phrase for phrase in quotes(verdict.reason)), verdict.reason


@pytest.mark.parametrize(("text", "language", "words"), NEUTRAL)
def test_negated_ended_or_routine_news_is_neutral(text, language, words):
    verdict = judge(text, language)
    assert verdict.tone is Tone.NEUTRAL
    if words:  # the words set aside are named, with what set them aside
        assert any(words in phrase for phrase in quotes(verdict.reason)), verdict.reason
    else:
        assert verdict.reason == "neutral: no word of good or bad news"


@pytest.mark.parametrize(("text", "language", "words"), BAD + GOOD + NEUTRAL)
def test_the_language_need_not_be_given(text, language, words):
    assert judge(text).tone is judge(text, language).tone


def test_bad_news_wins_over_good_news_in_the_same_text():
    verdict = judge("Acme profit rises 10 pct, but it will close its Ohio plant and cut 200 jobs",
                    "en")
    assert verdict.tone is Tone.BAD
    assert "close" in verdict.reason or "cut 200 jobs" in verdict.reason


def test_a_bad_thing_set_aside_in_the_headline_stays_aside_in_the_lead():
    text = ("Workers to end four-day strike at Acme. The strike had halted production at two "
            "truck plants.")
    assert judge(text, "en").tone is Tone.NEUTRAL
    assert judge("The strike had halted production at two truck plants.", "en").tone is Tone.BAD


def test_the_reason_quotes_the_words_as_written():
    verdict = judge("ACME <ACM> TO CUT WORKFORCE BY 33 PCT", "en")
    assert verdict == ToneVerdict(Tone.BAD, 'bad: "CUT WORKFORCE"')


# (text, company, tone for that company, the other company named, its tone)
OWN_CASES = [
    ("Acme sues Bolt Corp over patent infringement", "Acme", Tone.NEUTRAL, "Bolt Corp", Tone.BAD),
    ("Acme Inc said it filed suit against Bolt Corp seeking damages", "Acme", Tone.NEUTRAL,
     "Bolt Corp", Tone.BAD),
    ("Acme wins court case against Bolt Corp over the lawsuit", "Acme", Tone.GOOD,
     "Bolt Corp", Tone.BAD),
    ("Rossi Spa fa causa a Bianchi Srl: chiesti danni per 10 milioni", "Rossi Spa", Tone.NEUTRAL,
     "Bianchi Srl", Tone.BAD),
    ("Rossi Spa vince la causa contro Bianchi Srl in tribunale", "Rossi Spa", Tone.GOOD,
     "Bianchi Srl", Tone.BAD),
]


@pytest.mark.parametrize(("text", "company", "tone", "other", "other_tone"), OWN_CASES)
def test_a_case_is_not_bad_news_for_the_side_bringing_or_winning_it(text, company, tone, other,
                                                                     other_tone):
    verdict = judge(text, "", company)
    assert verdict.tone is tone
    assert company in quotes(verdict.reason)[0], verdict.reason  # the reason names who acts
    assert judge(text, "", other).tone is other_tone


@pytest.mark.parametrize(("text", "company", "tone", "other", "other_tone"), OWN_CASES[:4])
def test_without_the_company_a_case_reads_as_bad_as_before(text, company, tone, other, other_tone):
    assert judge(text).tone is Tone.BAD


@pytest.mark.parametrize(("text", "company"), [
    ("Acme sued by shareholders over accounting", "Acme"),           # the side sued
    ("Acme is being sued for patent infringement", "Acme"),
    ("Rossi Spa viene denunciata da Bianchi Srl per danni", "Rossi Spa"),
    ("Acme, the union files suit over unpaid wages", "Acme"),        # not Acme acting
    ("Acme sues Bolt Corp as its quarterly loss widens", "Acme"),    # other bad news stays bad
])
def test_a_case_against_the_company_or_other_bad_news_stays_bad(text, company):
    assert judge(text, "", company).tone is Tone.BAD


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["", "it", "en", "fr", "xx"]),
       st.sampled_from(["", "Acme", "Rossi Spa", "a", "  "]))
def test_judge_never_raises_and_always_answers_a_tone(text, language, company):
    verdict = judge(text, language, company)
    assert isinstance(verdict.tone, Tone)
    assert verdict.reason.startswith(f"{verdict.tone}: ")


# Bad news in words the lexicon does not list: it reads the first as good ("orders"), the second
# as nothing; the model, given the headline's sentence vector, says bad.
UNLISTED_BAD = [("Acme workers fear for their future as orders dry up", "en"),
                ("Rossi Spa, operai senza stipendio da tre mesi", "it")]


def test_the_model_file_loads_with_a_row_per_tone_over_the_encoders_dimension():
    shipped = model()
    assert shipped.weights.shape == (3, semantic.DIM)
    assert shipped.bias.shape == (3,)
    assert set(shipped.tones) == {"bad", "good", "neutral"}
    assert 0 < shipped.bad_from < 1


@pytest.mark.parametrize(("text", "language"), UNLISTED_BAD)
def test_given_the_vector_of_bad_news_the_model_says_bad_and_says_so(text, language):
    assert judge(text, language).tone is not Tone.BAD  # the lexicon alone misses it
    vector = semantic.embed([text])[0]
    verdict = judge(text, language, "Acme", vector)
    assert verdict.tone is Tone.BAD
    assert verdict.reason == f"bad: reads like bad news (model {bad_probability(vector):.2f})"


def test_without_a_vector_the_lexicon_alone_decides():
    for text, language in UNLISTED_BAD:
        assert judge(text, language, "", None) == judge(text, language)


def test_the_lexicons_words_and_good_news_stand_whatever_the_vector():
    bad = "Acme to cut 300 jobs at its Leeds plant"
    assert judge(bad, "en", "", semantic.embed([bad])[0]) == judge(bad, "en")
    good = "Rossi Spa vince il premio per l'innovazione"
    vector = semantic.embed([good])[0]
    assert bad_probability(vector) < model().bad_from
    assert judge(good, "it", "", vector) == ToneVerdict(Tone.GOOD, judge(good, "it").reason)
