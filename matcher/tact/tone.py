"""The tone of a piece of news for the company it names: good, bad or neutral, with the words
that decided it. Pure: text in, `ToneVerdict` out.

PLACEHOLDER lexicon (to be replaced by the measured method, see bench/tone.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum


class Tone(StrEnum):
    GOOD = "good"
    BAD = "bad"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class ToneVerdict:
    tone: Tone
    reason: str = ""  # in words, for `why` and the card: 'bad: "layoffs"'


_BAD = ("layoff", "layoffs", "loss", "losses", "strike", "lawsuit", "bankruptcy", "recall",
        "licenziamenti", "perdita", "perdite", "sciopero", "fallimento", "indagine")
_GOOD = ("award", "record", "growth", "funding", "contract", "expansion", "premio", "crescita",
         "nuovo stabilimento", "contratto", "apre", "inaugura")


def judge(text: str, language: str = "") -> ToneVerdict:
    """The tone of `text` (a headline and its lead) for the company it is about."""
    low = text.lower()
    for words, tone in ((_BAD, Tone.BAD), (_GOOD, Tone.GOOD)):
        hits = [w for w in words if re.search(rf"\b{re.escape(w)}\b", low)]
        if hits:
            return ToneVerdict(tone, f'{tone}: "{hits[0]}"')
    return ToneVerdict(Tone.NEUTRAL, "neutral: no word of good or bad news")
