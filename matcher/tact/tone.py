"""The tone of a piece of news for the company it names: good, bad or neutral, with the words
that decided it. Pure: text (and its sentence vector) in, `ToneVerdict` out.

Two readers, chosen by `bench/tone.py` on the labelled headlines of `bench/tact/`; missing bad
news is the costly error (it would be proposed to someone at that company):

- a lexicon of Italian and English cues (`tone_lexicon.yaml`), matched on lemmas (simplemma)
  and surface forms, that says in words what decided;
- a logistic regression on the article's multilingual sentence vector (`tone_model.npz`,
  fitted by `bench/tone.py --fit`), which catches the bad news the lexicon has no word for:
  on fresh sources the lexicon alone missed 40% of it. It says bad from the probability its
  cross-validation picked (over the lexicon's good only from 0.5); it never makes news good.

Rules of the lexicon beyond single cues:

- a measure going up or down decides ("profit falls" bad, "ricavi in crescita" good); a
  burden going down is a bad thing easing, neutral ("loss narrows"), and so is any burden
  of a company returning to profit;
- a cue right after a negation decides nothing ("no layoffs", "nessuna trattativa");
- a bad cue next to a word of relief is a bad thing ending, neutral ("settles strike");
  a cue set aside once is set aside wherever the text repeats it (the lead retells the
  headline);
- any live bad cue makes the news bad, whatever good sits next to it: held back is the
  cheap mistake;
- told which words name the company, a case it brings or wins is not bad for it ("Parmalat
  sues 45 banks" neutral, "X wins case against Y" good, and bad for Y): the text must name
  it right before the action, with no punctuation between ("Amazon, la denuncia dei
  lavoratori" is still bad).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from functools import lru_cache
from typing import NamedTuple
from importlib import resources

import numpy as np
import yaml

from matcher.matching.analysis import lemmatize


class Tone(StrEnum):
    GOOD = "good"
    BAD = "bad"
    NEUTRAL = "neutral"


@dataclass(frozen=True)
class ToneVerdict:
    tone: Tone
    reason: str = ""  # in words, for `why` and the card: 'bad: "layoffs"'


LANGUAGES = ("it", "en")
KINDS = ("bad", "good", "measures", "burdens", "up", "down", "negators", "relief", "recovery",
         "actions", "wins", "passive", "against", "legal")
# Words of one cue may have this many words between them ("cut 300 jobs" is "cut job").
_GAP = 3
# A negation or a direction acts this many words away; relief a little further ("ratify a
# settlement in a four-day strike").
_REACH = 3
_RELIEF_REACH = 5
# The company's name this many words before an action makes it the side bringing it ("Gencorp
# Inc said it filed suit").
_SUBJECT_REACH = 4
# "doesn't" -> "does", "n't"; a hyphenated word stays whole ("loss-making").
_WORD = re.compile(r"[^\W_]+?(?=n['’]t\b)|n['’]t\b|[^\W_]+(?:-[^\W_]+)*")

Span = tuple[int, int]  # first and last token of a match
MODEL_FILE = "tone_model.npz"


class _Token(NamedTuple):  # a tuple: a long lead has a hundred of them
    patterns: frozenset[str]  # every pattern of the lexicon this word fits
    start: int
    end: int


class _Cues:
    """One list of the lexicon, compiled: each cue a tuple of word patterns."""

    def __init__(self, cues: list[str]):
        self.by_first: dict[str, list[tuple[str, ...]]] = {}
        for cue in cues:
            words = tuple(str(cue).lower().split())
            self.by_first.setdefault(words[0], []).append(words)
        self.single = frozenset(first for first, cues in self.by_first.items()
                                if any(len(c) == 1 for c in cues))

    def matches(self, tokens: list[_Token]) -> list[tuple[Span, tuple[str, ...]]]:
        """Every match: its span and the cue it matched."""
        found = []
        for first, token in enumerate(tokens):
            if not token.patterns:  # most words of a text are in no list
                continue
            for pattern in token.patterns & self.by_first.keys():
                for cue in self.by_first[pattern]:
                    last = _follow(cue[1:], tokens, first)
                    if last is not None:
                        found.append(((first, last), cue))
        return found

    def around(self, tokens: list[_Token], span: Span, reach: int = _REACH,
               before_only: bool = False) -> list[int]:
        """The words within `reach` of the span that are one-word cues of this list."""
        first, last = span
        high = first if before_only else min(len(tokens), last + 1 + reach)
        return [i for i in range(max(0, first - reach), high)
                if not first <= i <= last and tokens[i].patterns & self.single]


def _follow(rest: tuple[str, ...], tokens: list[_Token], at: int) -> int | None:
    """The index of the token matching the last of `rest`, each within _GAP words."""
    for pattern in rest:
        at = next((i for i in range(at + 1, min(len(tokens), at + 2 + _GAP))
                   if pattern in tokens[i].patterns), None)
        if at is None:
            return None
    return at


@dataclass(frozen=True)
class _Lexicon:
    cues: dict[str, _Cues]
    exact: frozenset[str]
    stems: frozenset[str]  # the patterns ending in "*", without it

    def patterns(self, keys: frozenset[str]) -> frozenset[str]:
        found = set(keys & self.exact)
        for key in keys:
            found.update(key[:n] + "*" for n in range(1, len(key) + 1) if key[:n] in self.stems)
        return frozenset(found)


@lru_cache(maxsize=len(LANGUAGES) + 1)
def _lexicon(language: str) -> _Lexicon:
    """The cues of one language, or of both for a text of unknown language."""
    data = yaml.safe_load(resources.files("matcher.tact").joinpath("tone_lexicon.yaml")
                          .read_text(encoding="utf-8"))
    languages = (language,) if language in LANGUAGES else LANGUAGES
    lists = {kind: [str(c) for lang in languages for c in data[kind].get(lang, [])]
             for kind in KINDS}
    words = {w for cues in lists.values() for cue in cues for w in cue.lower().split()}
    return _Lexicon({kind: _Cues(cues) for kind, cues in lists.items()},
                    frozenset(w for w in words if not w.endswith("*")),
                    frozenset(w[:-1] for w in words if w.endswith("*")))


@lru_cache(maxsize=100_000)
def _patterns(word: str, language: str) -> frozenset[str]:
    """The lexicon's patterns one word fits, by itself or by its lemma."""
    lower = word.lower()
    languages = (language,) if language in LANGUAGES else LANGUAGES
    keys = frozenset({lower, *(lemmatize(lower, lang=lang).lower() for lang in languages)})
    return _lexicon(language).patterns(keys)


def judge(text: str, language: str = "", company: str = "",
          embedding: np.ndarray | None = None) -> ToneVerdict:
    """The tone of `text` (a headline and its lead) for the company it is about.

    `language` ("it", "en") picks that language's cues; without it both lists apply, which
    scores about as well on the labelled set and costs no language detection. `company`, the
    words that name the company in the text, lets a case it brings or wins count for it.
    `embedding`, the text's sentence vector as `matcher.matching.semantic` makes it (the
    article's stored one), lets the model say bad where the lexicon has no word; without it
    the lexicon alone decides.
    """
    verdict = _read(text, language, company)
    if embedding is None or verdict.tone is Tone.BAD:
        return verdict
    bad = bad_probability(embedding)
    # a good word of the lexicon gives way only to a model that finds bad the likelier
    if bad >= (model().over_good if verdict.tone is Tone.GOOD else model().bad_from):
        return ToneVerdict(Tone.BAD, f"bad: reads like bad news (model {bad:.2f})")
    return verdict


@dataclass(frozen=True)
class ToneModel:
    """The fitted classifier: a row of weights and a bias per tone, over the sentence vector."""
    weights: np.ndarray  # (tones, dimension) float32
    bias: np.ndarray  # (tones,)
    tones: tuple[str, ...]
    bad_from: float  # the probability of bad from which it says bad
    over_good: float  # ... and from which it overrules the lexicon's good


@lru_cache(maxsize=1)
def model() -> ToneModel:
    """The classifier shipped in `tone_model.npz`."""
    with resources.files("matcher.tact").joinpath(MODEL_FILE).open("rb") as stream:
        data = np.load(stream)
        return ToneModel(data["weights"].astype(np.float32), data["bias"].astype(np.float32),
                         tuple(str(t) for t in data["tones"]), float(data["bad_from"]),
                         float(data["over_good"]))


def bad_probability(embedding: np.ndarray) -> float:
    """The model's probability that the news of this sentence vector is bad."""
    m = model()
    scores = m.weights @ np.asarray(embedding, dtype=np.float32).reshape(-1) + m.bias
    scores = np.exp(scores - scores.max())
    return float(scores[m.tones.index(Tone.BAD)] / scores.sum())


def _read(text: str, language: str, company: str) -> ToneVerdict:
    """The lexicon's verdict."""
    text = text or ""
    language = language if language in LANGUAGES else ""
    lex = _lexicon(language)
    tokens = [_Token(_patterns(m.group(), language), m.start(), m.end())
              for m in _WORD.finditer(text)]
    good_moves, bad_moves, easing = _directions(lex, tokens)
    bad_matches = bad_moves + lex.cues["bad"].matches(tokens)
    own_case, won, lost = _own_case(lex, text, tokens, company) if company else ([], [], [])
    if own_case or won:  # its own case: the words describing it are no bad news for it
        legal = {i for (first, last), _ in lex.cues["legal"].matches(tokens)
                 for i in range(first, last + 1)}
        bad_matches = [(span, cue) for span, cue in bad_matches
                       if not set(range(span[0], span[1] + 1)) <= legal]
    bad, set_aside = _sort(lex, tokens, bad_matches, easing, True)
    bad += lost
    if bad:
        return ToneVerdict(Tone.BAD, _reason(Tone.BAD, text, tokens, bad))
    if won:
        return ToneVerdict(Tone.GOOD, _reason(Tone.GOOD, text, tokens, won))
    set_aside += own_case
    good, negated = _sort(lex, tokens, good_moves + lex.cues["good"].matches(tokens), {}, False)
    if good:
        return ToneVerdict(Tone.GOOD, _reason(Tone.GOOD, text, tokens, good))
    if set_aside or negated:
        return ToneVerdict(Tone.NEUTRAL, _reason(Tone.NEUTRAL, text, tokens, set_aside + negated))
    return ToneVerdict(Tone.NEUTRAL, "neutral: no word of good or bad news")


def _own_case(lex: _Lexicon, text: str, tokens: list[_Token],
              company: str) -> tuple[list[Span], list[Span], list[Span]]:
    """(cases the company brings, cases it wins, cases it loses): each span from the action to
    its name ("Acme wins case against Bolt": lost for Bolt)."""
    words = [w.lower() for w in _WORD.findall(company)]
    surface = [text[t.start:t.end].lower() for t in tokens]
    ends = [k + len(words) - 1 for k in range(len(tokens) - len(words) + 1)
            if words and surface[k:k + len(words)] == words]
    found: dict[str, list[Span]] = {"actions": [], "wins": []}
    for kind, spans in found.items():
        for (first, last), _ in lex.cues[kind].matches(tokens):
            named = [end for end in ends if 0 < first - end <= _SUBJECT_REACH + 1
                     and not re.search(r"[,;:.!?«»\"“”()]", text[tokens[end].end:tokens[first].start])
                     and not any(tokens[i].patterns & lex.cues["passive"].single
                                 for i in [*range(end + 1, first), last + 1] if i < len(tokens))
                     and not (end >= len(words)
                              and tokens[end - len(words)].patterns & lex.cues["against"].single)]
            if named:
                spans.append((named[-1] - len(words) + 1, last))
    lost = [(first, end) for (first, last), _ in lex.cues["wins"].matches(tokens) for end in ends
            if 0 < end - len(words) - last <= _SUBJECT_REACH
            and tokens[end - len(words)].patterns & lex.cues["against"].single]
    return found["actions"], found["wins"], lost


def _directions(lex: _Lexicon, tokens: list[_Token]) -> tuple[list, list, dict[int, Span]]:
    """Measures moving: (good matches, bad matches, burden tokens easing: the words saying so)."""
    good, bad, easing = [], [], {}
    recovering = bool(lex.cues["recovery"].matches(tokens))
    for kind, is_burden in (("measures", False), ("burdens", True)):
        for span, cue in lex.cues[kind].matches(tokens):
            if is_burden and recovering:
                easing.update(dict.fromkeys(range(span[0], span[1] + 1), span))
                continue
            for way, is_up in (("up", True), ("down", False)):
                moves = lex.cues[way].around(tokens, span)
                if not moves:
                    continue
                moved = ((min(span[0], moves[0]), max(span[1], moves[0])), cue)
                if is_burden and not is_up:
                    easing.update(dict.fromkeys(range(span[0], span[1] + 1), moved[0]))
                elif is_up != is_burden:
                    good.append(moved)
                else:
                    bad.append(moved)
    if recovering:
        good += lex.cues["recovery"].matches(tokens)
    return good, bad, easing


def _sort(lex: _Lexicon, tokens: list[_Token], matches: list, easing: dict[int, Span],
          bad: bool) -> tuple[list[Span], list[Span]]:
    """(spans that decide, spans set aside): negated, or for bad news easing or relieved.

    A set-aside span reaches back to the word that set it aside ("no layoffs")."""
    aside: dict[tuple[str, ...], Span] = {}
    for (first, last), cue in matches:
        negation = lex.cues["negators"].around(tokens, (first, last), before_only=True)
        relief = lex.cues["relief"].around(tokens, (first, last), _RELIEF_REACH) if bad else []
        if negation or relief:
            aside.setdefault(cue, (min([first, *negation, *relief]), max([last, *relief])))
        elif bad and (eased := [easing[i] for i in range(first, last + 1) if i in easing]):
            aside.setdefault(cue, eased[0])
    live = [span for span, cue in matches if cue not in aside]
    return live, list(aside.values())


def _reason(tone: Tone, text: str, tokens: list[_Token], spans: list[Span]) -> str:
    """'bad: "cuts 300 jobs", "strike"': the deciding words as written, first two places."""
    phrases: list[str] = []
    for first, last in sorted(spans):
        phrase = " ".join(text[tokens[first].start:tokens[last].end].split())
        if not any(phrase.lower() in seen.lower() or seen.lower() in phrase.lower()
                   for seen in phrases):
            phrases.append(phrase)
    return f"{tone}: " + ", ".join(f'"{p}"' for p in phrases[:2])
