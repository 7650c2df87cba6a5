"""Company mentions: which contacts' companies an article names, with the words that named
it, and the night stage that stores them (`check_mentions`) with the news's tone.

The names of a contact's company are its company field, its `company_aliases` and its
`company_tickers`. A legal form at the end of a name is optional (`LEGAL_FORMS`: S.p.A.,
Srl, Inc., Ltd, GmbH, AG, SA, NV, Corp., Co., PLC, LLC…, and "Group", "Holding": a group
is news for the people of its companies), and so is a leading "The" or "Gruppo": a contact
at "Caffè Aurora S.p.A." is found in "Caffè Aurora ha aperto…" and a contact at "Caffè
Aurora" in "CAFFE' AURORA S.p.A.".

How a name is found, in an article's headline and lead (a passing mention deeper in the
text does not make the article news about the company):

- whole words only, accents and case folded: Caffè = caffe = CAFFÈ;
- a name of one word only where the article writes it capitalised, as a proper noun
  ("Generali", "GENERALI", not "elezioni generali"), or exactly as the contact file does
  ("eBay"); a name of two or more words in any case, so "Aurora" alone (a dawn) never
  names "Caffè Aurora";
- a ticker only as written, in capitals: standing alone when it has three characters or
  more and the text is not all capitals, else only after an exchange or in brackets
  ("(NYSE: GM)", "Borsa: ENI", "$GM", "(GM)", "<GM>");
- a name followed by more words still names the company ("Fiat Chrysler" for a contact at
  Fiat, "Generali Italia" for one at Generali), but a different name that only begins
  the same does not ("General Mills" is not "General Motors").

Speed: the text is cut into words and gaps once (one regex split), and only a word that
begins some name (set operations, then a trie of name words) costs more. bench/mentions.py
measures 10,000 Reuters stories against 2,000 contacts whose companies those stories name
(three mentions a story): about 2.5 s of CPU on a loaded machine; a story naming no
contact's company costs a split and a few set operations.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from itertools import accumulate

from sqlalchemy import delete, func, insert, or_, select, update
from sqlalchemy.orm import Session

from matcher.config import Settings
from matcher.contacts.fields import split_names
from matcher.matching import semantic
from matcher.models import Article, Contact, Mention
from matcher.ranking import NEWS_SOURCE, is_fresh
from matcher.tact.tone import judge

VERSION = "1"  # part of the fingerprint: a change of these rules checks fresh articles again
LEAD_CHARS = 600  # how much of the lead (summary, else text) is searched
TONE_CHARS = 400  # how much of it the tone reads, after the headline
CHUNK = 500

_LEGAL = (
    "spa", "s p a", "societa per azioni", "srl", "s r l", "srls", "sas", "s a s", "snc",
    "s n c", "sapa", "s a p a", "scarl", "inc", "incorporated", "ltd", "limited", "llc",
    "l l c", "llp", "lp", "plc", "p l c", "gmbh", "ag", "kgaa", "se", "sa", "s a", "sarl",
    "sl", "nv", "n v", "bv", "b v", "ab", "asa", "oyj", "corp", "corporation", "co",
    "company", "group", "holding", "holdings",
)
LEGAL_FORMS = frozenset(tuple(form.split()) for form in _LEGAL)
_PREFIXES = frozenset({"the", "gruppo", "groupe", "grupo"})
# Words after a one-word company name that still name the company: its country units, its
# businesses, its people ("Shell Canada", "Fiat Finance", "Shell Chairman Peter Holmes").
UNIT_WORDS = frozenset("""
    italia italy uk usa us america americas europe deutschland germany france espana spain
    japan china india australia brasil brazil canada international global worldwide
    oil gas energy power chemicals finance financial capital credit bank banca banking
    auto automobiles motor motors insurance assicurazioni vita investments trading trade
    services technologies technology digital retail pharma mobile telecom foods
    chairman president chief ceo cfo spokesman spokeswoman presidente amministratore
    """.split())
_LONGEST_FORM = max(len(form) for form in LEGAL_FORMS)

_WORD = re.compile(r"[\w\u0300-\u036f]+")
_SPLIT = re.compile(r"([\w\u0300-\u036f]+)")  # words kept between the gaps
# What may stand between two words of one name: spaces, an apostrophe, a dot, a hyphen,
# an ampersand ("CAFFE' AURORA", "S.p.A", "Coca-Cola", "Procter & Gamble"); not a line.
_GAP = re.compile(r"[ \t\u00a0'’.\-&]{1,3}")
_JOINED: dict[str, bool] = {}  # whether a gap joins two words of one name, by gap
_EXCHANGE = re.compile(
    r"(?:\b(?:NYSE|NASDAQ|Nasdaq|AMEX|LSE|LON|BIT|MIL|Borsa|Milano|Piazza Affari|Euronext|"
    r"XETRA|ETR|FRA|EPA|TSX|ASX|OTC|SIX|BME)\s*:\s*|\$|[(<])$")


def fold(word: str) -> str:
    """A word without accents and case: 'Caffè' and 'CAFFE' are 'caffe'."""
    decomposed = unicodedata.normalize("NFKD", word)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch)).casefold()


def name_words(name: str) -> tuple[str, ...]:
    """A name as folded words: 'Caffè Aurora S.p.A.' → ('caffe', 'aurora', 's', 'p', 'a')."""
    return tuple(fold(w) for w in _WORD.findall(name))


def variants(name: str) -> set[tuple[str, ...]]:
    """The name's words, and without its legal forms at the end and "The"/"Gruppo" in front."""
    words = name_words(name)
    found = {words} if words else set()
    todo = [words]
    while todo:
        words = todo.pop()
        shorter = []
        if len(words) > 1 and words[0] in _PREFIXES:  # "The Coca-Cola Company" is found from "Coca"
            found.discard(words)
            shorter.append(words[1:])
        for n in range(1, min(_LONGEST_FORM, len(words) - 1) + 1):
            if words[-n:] in LEGAL_FORMS:
                shorter.append(words[:-n])
        for s in shorter:
            if s not in found:
                found.add(s)
                todo.append(s)
    return found


@dataclass(frozen=True)
class Company:
    """What one contact's company is called: the company field, aliases, tickers."""

    contact_id: int
    company: str = ""
    aliases: tuple[str, ...] = ()
    tickers: tuple[str, ...] = ()


@dataclass(frozen=True)
class Found:
    """A contact whose company an article names, and the words that named it, as written."""

    contact_id: int
    words: str


@dataclass
class _Name:
    words: tuple[str, ...]  # folded; for a ticker, as written
    written: str  # a one-word name as the contact file writes it (eBay)
    ticker: bool
    contact_ids: list[int]


class CompanyNames:
    """Every contact's company names, ready to find in many texts."""

    def __init__(self, companies: Iterable[Company]):
        names: dict[tuple, _Name] = {}
        for c in companies:
            for text in (c.company, *c.aliases):
                for words in variants(text):
                    written = text.strip() if len(words) == 1 and len(name_words(text)) == 1 else ""
                    name = names.setdefault(("name", words), _Name(words, written, False, []))
                    _add(name.contact_ids, c.contact_id)
            for ticker in c.tickers:
                words = tuple(_WORD.findall(ticker.upper()))
                if words:
                    _add(names.setdefault(("ticker", words), _Name(words, "", True, [])).contact_ids,
                         c.contact_id)
        self.names = sorted(names.values(), key=lambda n: (-len(n.words), n.words))
        # Two tries of words: names by folded words, tickers by words as written. A node is
        # a dict of the next words; its None key holds the names that end there.
        self._names: dict = {}
        self._tickers: dict = {}
        for name in self.names:
            node = self._tickers if name.ticker else self._names
            for word in name.words:
                node = node.setdefault(word, {})
            node.setdefault(None, []).append(name)
        self._folded: dict[str, str] = {}  # every word seen, folded
        self._seen: set[str] = set()  # the same words, as a set
        self._starting: set[str] = set()  # the words seen that begin a name
        entries = sorted(f"{'ticker' if n.ticker else 'name'}:{' '.join(n.words)}:{sorted(n.contact_ids)}"
                         for n in self.names)
        digest = hashlib.sha1("\n".join([VERSION, *entries]).encode()).hexdigest()
        self.fingerprint = digest[:16]  # Article.mentions_checked

    def find(self, text: str) -> list[Found]:
        """The contacts whose company `text` names, each once (its first mention), in the
        order they appear."""
        words = _Words(text, self._folded)
        present = set(words.words)
        for raw in present - self._seen:  # set operations: each word is folded once
            self._seen.add(raw)
            self._folded[raw] = fold(raw)
            if self._folded[raw] in self._names or raw in self._tickers:
                self._starting.add(raw)
        starting = present & self._starting
        if not starting:
            return []  # the common case: no word of the text begins a name
        found: dict[int, Found] = {}
        for i in [i for i, raw in enumerate(words.words) if raw in starting]:
            for last, name in reversed(self._read(words, i)):  # the longest first
                if _counts(name, words, i):
                    named = text[words.start(i):_with_legal_form(words, last)][:300]
                    for contact_id in name.contact_ids:
                        found.setdefault(contact_id, Found(contact_id, named))
        return list(found.values())

    def _read(self, words: _Words, i: int) -> list[tuple[int, _Name]]:
        """The names that read from word i on, each with the index of its last word."""
        out = []
        for node, as_written in ((self._names, False), (self._tickers, True)):
            k = i
            node = node.get(words.words[k] if as_written else self._folded[words.words[k]])
            while node is not None:
                out += [(k, name) for name in node.get(None, ())]
                k += 1
                if k == len(words.words) or not words.joined(k):
                    break
                raw = words.words[k]
                node = node.get(raw if as_written else self._folded[raw])
        return out


class _Words:
    """A text cut into its words and the gaps between them, in one pass (gaps[k] is what
    comes before word k); where each word starts is only counted when a name is found."""

    def __init__(self, text: str, folded: dict[str, str]):
        self.text, self.folded = text, folded
        parts = _SPLIT.split(text)
        self.words, self.gaps = parts[1::2], parts[0::2]
        self._parts = parts
        self._offsets: list[int] | None = None
        self._capitals: dict[int, bool] = {}

    def start(self, k: int) -> int:
        if self._offsets is None:
            self._offsets = [0, *accumulate(map(len, self._parts))]
        return self._offsets[2 * k + 1]

    def end(self, k: int) -> int:
        return self.start(k) + len(self.words[k])

    def joined(self, k: int) -> bool:
        """Whether word k follows word k-1 within one name (a short gap, no line break)."""
        gap = self.gaps[k]
        joined = _JOINED.get(gap)
        if joined is None:
            joined = bool(_GAP.fullmatch(gap))
            if len(gap) <= 3:  # the gaps that can join are few: " ", "' ", " & "…
                _JOINED[gap] = joined
        return joined

    def capitalised(self, k: int) -> bool:
        """Whether word k is written with a capital (a proper noun, or a capitalised line)."""
        return self.words[k][:1].isupper()

    def in_capitals(self, k: int) -> bool:
        """Whether the line of word k is written in capitals or Title Case, where a capital
        does not tell a proper noun."""
        start = self.text.rfind("\n", 0, self.start(k)) + 1
        if start not in self._capitals:
            end = self.text.find("\n", start)
            line = [w for w in _WORD.findall(self.text, start, len(self.text) if end < 0 else end)
                    if len(w) >= 4 and not w.isdigit()]
            # Title Case: hardly a longer word in small letters (sentences have many)
            self._capitals[start] = sum(w[0].islower() for w in line) * 5 <= len(line)
        return self._capitals[start]

    def starts_sentence(self, k: int) -> bool:
        before = self.text[:self.start(k)].rstrip(" \t\u00a0\"“'‘«(")
        return not before or before[-1] in ".!?:;\n"


def _counts(name: _Name, words: _Words, i: int) -> bool:
    """Whether the name read at word i names the company (the rules of the module's doc)."""
    first = words.words[i]
    if name.ticker:
        if len(name.words) > 1 or _EXCHANGE.search(words.text, max(0, words.start(i) - 20), words.start(i)):
            return True
        return len(first) >= 3 and not words.in_capitals(i)
    if len(name.words) > 1:
        return True
    if not (words.capitalised(i) or first == name.written):
        return False
    if words.in_capitals(i):
        return True
    # One capitalised word inside a longer proper name names someone else: "Gerald Ford",
    # "Continental Airlines", "Virgin Islands"; not "Shell Canada", "Fiat Finance", "Eni SpA".
    after = i + 1
    if (after < len(words.words) and words.joined(after) and words.capitalised(after)
            and words.folded[words.words[after]] not in UNIT_WORDS and _with_legal_form(words, i) == words.end(i)):
        return False
    return not (i > 0 and words.gaps[i] == " " and words.capitalised(i - 1)
                and not words.starts_sentence(i - 1))


def _add(ids: list[int], contact_id: int) -> None:
    if contact_id not in ids:
        ids.append(contact_id)


def _with_legal_form(words: _Words, last: int) -> int:
    """Where the words naming a company end: after a legal form that follows the name."""
    end, form = words.end(last), ()
    for k in range(last + 1, min(last + 1 + _LONGEST_FORM, len(words.words))):
        if not words.joined(k):
            break
        form += (words.folded[words.words[k]],)
        if form in LEGAL_FORMS:
            end = words.end(k)
    return end


def companies_of(contacts: Iterable[Contact]) -> list[Company]:
    """Each contact's company, aliases and tickers, for `CompanyNames`."""
    return [Company(c.id, c.company or "", tuple(split_names(c.company_aliases)),
                    tuple(split_names(c.company_tickers))) for c in contacts]


def lead(summary: str | None, text: str | None) -> str:
    """An article's lead: its summary, else the beginning of its text."""
    return ((summary or "").strip() or (text or "").strip())[:LEAD_CHARS]


def sentence_vector(stored: bytes | None, model: str | None, title: str | None, summary: str | None,
                    text: str | None):
    """The article's sentence vector for the tone's model: the one the night stored, else (no
    vector yet, or another model's) its title and lead embedded now."""
    if stored is not None and model == semantic.MODEL:
        return semantic.from_stored([stored])[0]
    return semantic.embed([semantic.article_text(title or "", summary or "", text or "")])[0]


# --- the night's stage --------------------------------

def check_mentions(session: Session, as_of, settings: Settings) -> int:
    """The night's tact stage: each fresh article not yet checked against today's company
    names (`Article.mentions_checked`) gets its `Mention` rows replaced, with the tone of its
    headline and lead (and of its stored sentence vector) for the company, and today's
    fingerprint. A new article is checked once; when the contacts' companies change, the
    fresh articles are checked again.
    Takes the night's session and never commits. Returns how many articles were checked."""
    contacts = session.scalars(select(Contact).where(or_(
        Contact.company != "", Contact.company_aliases != "", Contact.company_tickers != ""))).all()
    names = CompanyNames(companies_of(contacts))
    rows = session.execute(
        select(Article.id, Article.title, Article.summary, func.substr(Article.text, 1, LEAD_CHARS),
               Article.language, Article.text_source, Article.embedding, Article.embedded_with)
        .where(is_fresh(as_of, settings),
               or_(Article.mentions_checked.is_(None), Article.mentions_checked != names.fingerprint))
        .order_by(Article.id)).all()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids = [r[0] for r in chunk]
        session.execute(delete(Mention).where(Mention.article_id.in_(ids)))
        mentions = []
        for article_id, title, summary, text, language, source, stored, model in chunk:
            if source == NEWS_SOURCE:
                continue  # the user's own news is not news about a contact's company
            opening = lead(summary, text)
            found = names.find(f"{title or ''}\n{opening}")
            if found:
                # judged for each company named: a case one brings is bad news for the other
                told = f"{title or ''} {opening[:TONE_CHARS]}".strip()
                vector = sentence_vector(stored, model, title, summary, text)
                # once per company named, not per contact there (a company may employ dozens)
                verdicts = {words: judge(told, language or "", words, vector) for words in {f.words for f in found}}
                mentions += [dict(article_id=article_id, contact_id=f.contact_id, words=f.words,
                                  tone=str(verdicts[f.words].tone), tone_reason=verdicts[f.words].reason[:500])
                             for f in found]
        if mentions:  # one executemany, not an object per mention
            session.execute(insert(Mention), mentions)
        session.execute(update(Article).where(Article.id.in_(ids))
                        .values(mentions_checked=names.fingerprint)
                        .execution_options(synchronize_session=False))
    return len(rows)
