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
  more and the text is not all capitals, else only after an exchange ("(NYSE: GM)",
  "Borsa: ENI", "$GM");
- a name followed by more words still names the company ("Fiat Chrysler" for a contact at
  Fiat, "Generali Italia" for one at Generali), but a different name that only begins
  the same does not ("General Mills" is not "General Motors").

Speed: the text is cut into words once; only a word that begins some name (a dict lookup)
costs more. 10,000 articles × 2,000 contacts take about a second (bench/mentions.py).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from matcher.config import Settings
from matcher.contacts.fields import split_names
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
_LONGEST_FORM = max(len(form) for form in LEGAL_FORMS)

_WORD = re.compile(r"[\w\u0300-\u036f]+")
# What may stand between two words of one name: spaces, an apostrophe, a dot, a hyphen,
# an ampersand ("CAFFE' AURORA", "S.p.A", "Coca-Cola", "Procter & Gamble"); not a line.
_GAP = re.compile(r"[ \t\u00a0'’.\-&]{1,3}")
_EXCHANGE = re.compile(
    r"(?:\b(?:NYSE|NASDAQ|Nasdaq|AMEX|LSE|LON|BIT|MIL|Borsa|Milano|Piazza Affari|Euronext|"
    r"XETRA|ETR|FRA|EPA|TSX|ASX|OTC|SIX|BME)\s*:\s*|\$)$")


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
        if len(words) > 1 and words[0] in _PREFIXES:
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
        # by the first word: folded for names, as written for tickers
        self._names: dict[str, list[_Name]] = {}
        self._tickers: dict[str, list[_Name]] = {}
        for name in self.names:
            (self._tickers if name.ticker else self._names).setdefault(name.words[0], []).append(name)
        self._folded: dict[str, str] = {}
        entries = sorted(f"{'ticker' if n.ticker else 'name'}:{' '.join(n.words)}:{sorted(n.contact_ids)}"
                         for n in self.names)
        digest = hashlib.sha1("\n".join([VERSION, *entries]).encode()).hexdigest()
        self.fingerprint = digest[:16]  # Article.mentions_checked

    def find(self, text: str) -> list[Found]:
        """The contacts whose company `text` names, each once (its first mention), in the
        order they appear."""
        raws = _WORD.findall(text)
        folded = self._folded
        for raw in raws:
            if raw not in folded:
                folded[raw] = fold(raw)
        names, tickers = self._names, self._tickers
        if not any(folded[raw] in names or raw in tickers for raw in raws):
            return []  # the common case: no word begins a name
        spans = [(m.group(), m.start(), m.end()) for m in _WORD.finditer(text)]
        found: dict[int, Found] = {}
        shouting = _shouting(text)
        for i, (raw, _, _) in enumerate(spans):
            candidates = names.get(folded[raw], []) + tickers.get(raw, [])
            for name in sorted(candidates, key=lambda n: -len(n.words)):  # the longest first
                end = self._match(name, text, spans, i, shouting)
                if end is not None:
                    words = text[spans[i][1]:_with_legal_form(text, spans, end)][:300]
                    for contact_id in name.contact_ids:
                        found.setdefault(contact_id, Found(contact_id, words))
        return list(found.values())

    def _match(self, name: _Name, text: str, spans, i: int, shouting: bool) -> int | None:
        """The index of the last word of `name` read from word i on, or None."""
        last = i + len(name.words) - 1
        if last >= len(spans):
            return None
        for k in range(1, len(name.words)):
            if not _joined(text, spans, i + k):
                return None
            raw = spans[i + k][0]
            if (raw if name.ticker else self._folded.get(raw) or fold(raw)) != name.words[k]:
                return None
        first = spans[i][0]
        if name.ticker:
            if first != name.words[0]:
                return None
            after_exchange = bool(_EXCHANGE.search(text, max(0, spans[i][1] - 20), spans[i][1]))
            alone = len(name.words) > 1 or (len(first) >= 3 and not shouting)
            return last if after_exchange or alone else None
        if len(name.words) == 1 and not (first[:1].isupper() or first == name.written):
            return None
        return last


def _add(ids: list[int], contact_id: int) -> None:
    if contact_id not in ids:
        ids.append(contact_id)


def _joined(text: str, spans, k: int) -> bool:
    """Whether word k follows word k-1 within one name (a short gap, no line break)."""
    return bool(_GAP.fullmatch(text, spans[k - 1][2], spans[k][1]))


def _with_legal_form(text: str, spans, last: int) -> int:
    """Where the words naming a company end: after a legal form that follows the name."""
    end = spans[last][2]
    words: tuple[str, ...] = ()
    for k in range(last + 1, min(last + 1 + _LONGEST_FORM, len(spans))):
        if not _joined(text, spans, k):
            break
        words += (fold(spans[k][0]),)
        if words in LEGAL_FORMS:
            end = spans[k][2]
    return end


def _shouting(text: str) -> bool:
    """Whether a text is written in capitals (where any word looks like a ticker): more
    words of two letters or more in capitals than words with a small letter."""
    words = [w for w in _WORD.findall(text) if sum(ch.isalpha() for ch in w) >= 2]
    capitals = sum(1 for w in words if w.isupper())
    return capitals > len(words) - capitals


def companies_of(contacts: Iterable[Contact]) -> list[Company]:
    """Each contact's company, aliases and tickers, for `CompanyNames`."""
    return [Company(c.id, c.company or "", tuple(split_names(c.company_aliases)),
                    tuple(split_names(c.company_tickers))) for c in contacts]


def lead(summary: str | None, text: str | None) -> str:
    """An article's lead: its summary, else the beginning of its text."""
    return ((summary or "").strip() or (text or "").strip())[:LEAD_CHARS]


# --- the night's stage, and what the day's commands read --------------------------------

def check_mentions(session: Session, as_of, settings: Settings) -> int:
    """The night's tact stage: each fresh article not yet checked against today's company
    names (`Article.mentions_checked`) gets its `Mention` rows replaced, with the tone of its
    headline and lead for the company, and today's fingerprint. A new article is checked
    once; when the contacts' companies change, the fresh articles are checked again.
    Takes the night's session and never commits. Returns how many articles were checked."""
    contacts = session.scalars(select(Contact).where(or_(
        Contact.company != "", Contact.company_aliases != "", Contact.company_tickers != ""))).all()
    names = CompanyNames(companies_of(contacts))
    rows = session.execute(
        select(Article.id, Article.title, Article.summary, func.substr(Article.text, 1, LEAD_CHARS),
               Article.language, Article.text_source)
        .where(is_fresh(as_of, settings),
               or_(Article.mentions_checked.is_(None), Article.mentions_checked != names.fingerprint))
        .order_by(Article.id)).all()
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        ids = [r[0] for r in chunk]
        session.execute(delete(Mention).where(Mention.article_id.in_(ids)))
        for article_id, title, summary, text, language, source in chunk:
            if source == NEWS_SOURCE:
                continue  # the user's own news is not news about a contact's company
            opening = lead(summary, text)
            found = names.find(f"{title or ''}\n{opening}")
            if found:
                verdict = judge(f"{title or ''} {opening[:TONE_CHARS]}".strip(), language or "")
                session.add_all(Mention(article_id=article_id, contact_id=f.contact_id, words=f.words,
                                        tone=str(verdict.tone), tone_reason=verdict.reason[:500])
                                for f in found)
        session.execute(update(Article).where(Article.id.in_(ids))
                        .values(mentions_checked=names.fingerprint)
                        .execution_options(synchronize_session=False))
    return len(rows)


@dataclass(frozen=True)
class MentionInfo:
    """A stored mention as the day's commands show it."""

    article_id: int
    contact_id: int
    contact: str
    company_words: str
    tone: str
    tone_reason: str

    def to_dict(self) -> dict:
        return {"contact": self.contact, "company_words": self.company_words, "tone": self.tone,
                "tone_reason": self.tone_reason}


def mentions_of(session: Session, article_ids: Iterable[int],
                contact_id: int | None = None) -> dict[int, list[MentionInfo]]:
    """The stored mentions of these articles (of one contact's company with `contact_id`),
    by article id."""
    ids = sorted({i for i in article_ids if i is not None})
    out: dict[int, list[MentionInfo]] = {}
    for start in range(0, len(ids), CHUNK):
        query = (select(Mention, Contact.name).join(Contact, Contact.id == Mention.contact_id)
                 .where(Mention.article_id.in_(ids[start:start + CHUNK])))
        if contact_id is not None:
            query = query.where(Mention.contact_id == contact_id)
        for m, name in session.execute(query.order_by(Mention.article_id, Mention.id)):
            out.setdefault(m.article_id, []).append(
                MentionInfo(m.article_id, m.contact_id, name, m.words, m.tone, m.tone_reason))
    return out
