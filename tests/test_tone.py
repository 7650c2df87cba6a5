"""The tone of company news (`matcher.tact.tone.judge`): clear good and bad news in Italian
and English, negation and a bad thing easing or ending, the words named as the reason, and
never a crash on any text. Headlines written for these tests, not the bench's labelled set."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from matcher.tact.tone import Tone, ToneVerdict, judge


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


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=400), st.sampled_from(["", "it", "en", "fr", "xx"]))
def test_judge_never_raises_and_always_answers_a_tone(text, language):
    verdict = judge(text, language)
    assert isinstance(verdict.tone, Tone)
    assert verdict.reason.startswith(f"{verdict.tone}: ")
