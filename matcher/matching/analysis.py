"""Text analysis for matching: tokens, stop words, lemmas, bigrams (the language: `language`).

`analyze` turns a text into the terms the TF-IDF matcher counts. It is a plain
module-level function (picklable, usable as a scikit-learn analyzer) and caches
lemmas, because the same few thousand words come back in every article.
"""

from __future__ import annotations

import re
import unicodedata
from collections import Counter
from functools import lru_cache

from simplemma import Lemmatizer
from simplemma.strategies import DefaultStrategy
from simplemma.strategies.dictionaries import DefaultDictionaryFactory

from matcher.matching.language import detect_language

#: Languages simplemma lemmatises for us.
LEMMA_LANGUAGES = ("it", "en")

ITALIAN_STOP_WORDS = frozenset(
    """
    a ad al allo ai agli all alla alle all' da dal dallo dai dagli dall dalla dalle
    di d del dello dei degli dell della delle in nel nello nei negli nell nella nelle
    con col coi su sul sullo sui sugli sull sulla sulle per tra fra
    il lo la i gli le l un uno una un' ed e o od ne né ma se anche
    io tu lui lei noi voi loro me te se sé si ci vi mi ti li glielo gliela gli
    mio mia miei mie tuo tua tuoi tue suo sua suoi sue nostro nostra nostri nostre
    vostro vostra vostri vostre
    questo questa questi queste quello quella quelli quelle quel quei quegli codesto
    stesso stessa stessi stesse altro altra altri altre
    chi che cui quale quali quanto quanta quanti quante cosa come dove quando perché
    perche mentre dunque quindi pero però poi allora infatti inoltre oppure ovvero
    cioè cioe invece anzi sia neanche neppure nemmeno pure tuttavia
    non no sì si già gia ancora sempre mai molto molti molta molte poco pochi poca poche
    più piu meno tanto tanta tanti tante troppo tutto tutta tutti tutte ogni ognuno
    ciascuno nessuno qualche qualcuno niente nulla alcuni alcune alcun alcuna
    qui qua lì li là la ecco oggi ieri domani ora adesso dopo prima sopra sotto dentro
    fuori verso senza contro durante presso secondo circa oltre
    essere sono sei è e' siamo siete era eri ero erano eravamo fu furono sarà saranno
    sarebbe sarebbero sia siano fosse fossero stata stati state essendo
    avere ho hai ha abbiamo avete hanno aveva avevano avrà avranno avrebbe avrebbero
    abbia abbiano avuto avendo
    fare fa fanno faceva fatto fatta fatti fatte facendo
    stare sta stanno stava
    potere può puo possono poteva potrebbe potrebbero
    dovere deve devono doveva dovrebbe dovrebbero
    volere vuole vogliono voleva vorrebbe
    dire dice dicono detto ha detto andare va vanno venire viene vengono
    dare dà danno essendo così cosi bene male solo soltanto quasi proprio
    primo prima secondo volta volte
    """.split()
)

# English stop words: scikit-learn's list (ENGLISH_STOP_WORDS, from the Glasgow Information
# Retrieval Group), written out here so that analysing a text does not load scikit-learn.
ENGLISH_STOP_WORDS = frozenset(
    """
    a about above across after afterwards again against all almost alone along already also
    although always am among amongst amoungst amount an and another any anyhow anyone
    anything anyway anywhere are around as at back be became because become becomes becoming
    been before beforehand behind being below beside besides between beyond bill both bottom
    but by call can cannot cant co con could couldnt cry de describe detail do done down due
    during each eg eight either eleven else elsewhere empty enough etc even ever every
    everyone everything everywhere except few fifteen fifty fill find fire first five for
    former formerly forty found four from front full further get give go had has hasnt have
    he hence her here hereafter hereby herein hereupon hers herself him himself his how
    however hundred i ie if in inc indeed interest into is it its itself keep last latter
    latterly least less ltd made many may me meanwhile might mill mine more moreover most
    mostly move much must my myself name namely neither never nevertheless next nine no
    nobody none noone nor not nothing now nowhere of off often on once one only onto or
    other others otherwise our ours ourselves out over own part per perhaps please put
    rather re same see seem seemed seeming seems serious several she should show side since
    sincere six sixty so some somehow someone something sometime sometimes somewhere still
    such system take ten than that the their them themselves then thence there thereafter
    thereby therefore therein thereupon these they thick thin third this those though three
    through throughout thru thus to together too top toward towards twelve twenty two un
    under until up upon us very via was we well were what whatever when whence whenever
    where whereafter whereas whereby wherein whereupon wherever whether which while whither
    who whoever whole whom whose why will with within without would yet you your yours
    yourself yourselves
    """.split()
)

# The English list carries a few words that are real topics in our feeds (a bill in
# parliament, a computer system, interest rates); keep those.
_KEEP_ENGLISH = frozenset({"bill", "computer", "system", "interest", "fire", "amount"})


# Lemmas every night of news is full of. On a big night their IDF would sink by itself;
# on a small one they are what a short project text meets an unrelated article on.
NEWS_STOP_WORDS = frozenset(
    """
    new year month week day today time company firm business group people percent
    million billion say according include use make take plan expect
    nuovo anno mese settimana giorno oggi tempo azienda impresa societa gruppo persona
    milione miliardo dire includere usare interno
    """.split()
)


def fold_accents(text: str) -> str:
    """'caffè' -> 'caffe': NFKD, then drop the combining marks."""
    if text.isascii():
        return text
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


# Words that carry no topic in either language ("of", "della", "while"), accents folded.
FUNCTION_WORDS = frozenset(
    fold_accents(word.strip("'")) for word in (ITALIAN_STOP_WORDS | (ENGLISH_STOP_WORDS - _KEEP_ENGLISH))
)
STOP_WORDS = FUNCTION_WORDS | frozenset(fold_accents(word) for word in NEWS_STOP_WORDS)

# Segments: bigrams never cross a sentence or clause boundary.
_SEGMENT = re.compile(r"[.!?;:()\[\]{}\"«»“”|\n\r\t]+")
# Words: letters and digits; apostrophes split ("dell'azienda" -> dell, azienda).
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


@lru_cache(maxsize=1)
def _lemmatizer() -> Lemmatizer:
    """simplemma, its dictionaries read as tries it keeps in the user's cache directory
    (`TrieDictionaryFactory`): loaded in about a millisecond, where unpacking the default
    dictionaries takes ~0.2 s per language in every process that lemmatises (`matcher top`
    spent half its time there). The same dictionaries, so the same lemmas; the tries are
    built once per machine and simplemma version (~0.4 s per language)."""
    try:
        from simplemma.strategies.dictionaries import TrieDictionaryFactory

        factory = TrieDictionaryFactory()
    except ImportError:  # marisa-trie missing: the default dictionaries, slower to load
        factory = DefaultDictionaryFactory()
    return Lemmatizer(lemmatization_strategy=DefaultStrategy(dictionary_factory=factory))


def lemmatize(word: str, lang: str | tuple[str, ...]) -> str:
    """simplemma's lemma of `word` in `lang` (or the first of several languages that knows it)."""
    return _lemmatizer().lemmatize(word, lang=lang)


# simplemma's known slips on business news vocabulary: "porto" (port) is not "portare",
# "conti" (accounts) not "conte", "Stati Uniti" not "essere".
_LEMMA_EXCEPTIONS = {
    "it": {"porto": "porto", "stati": "stato", "conti": "conto", "lavori": "lavoro"},
}


@lru_cache(maxsize=200_000)
def _lemma(word: str, language: str) -> str:
    """Lowercase lemma, accents folded afterwards (simplemma needs them).

    A capitalised word is passed as written: simplemma then leaves proper nouns
    alone ("Brasile" stays, "brasile" would become "brasare").
    """
    exception = _LEMMA_EXCEPTIONS.get(language or "it", {}).get(word.lower())
    if exception:
        lemma = exception
    elif language in LEMMA_LANGUAGES:
        lemma = lemmatize(word, lang=language)
    elif language == "":
        # Unknown language (short text): our users write Italian and English.
        lemma = lemmatize(word, lang=("en", "it"))
    else:
        lemma = word
    return fold_accents(lemma.lower())


def _acronym(word: str) -> str | None:
    """"AI", "PPA", "IT" in running text are acronyms, not the Italian "ai" or English "it".

    A plural acronym ("PPAs", "CFOs") counts as its singular.
    """
    if 2 <= len(word) <= 6 and word.isupper():
        return word.lower()
    if 3 <= len(word) <= 7 and word[-1] == "s" and word[:-1].isupper():
        return word[:-1].lower()
    return None


@lru_cache(maxsize=500_000)
def _term(word: str, language: str, shouting: bool) -> str | None:
    """The term one word of running text counts as, or None to drop it.

    Cached per (word, language, shouting): a night repeats the same few thousand words,
    and this is where the analysis spends its time.
    """
    acronym = None if shouting else _acronym(word)
    if acronym:
        return fold_accents(acronym)
    lower = word.lower()
    if len(lower) < 2 or fold_accents(lower) in STOP_WORDS:
        return None
    if any(ch.isdigit() for ch in lower):
        term = lower
    else:
        capitalised = word[0].isupper() and word[1:].islower()
        term = _lemma(word if capitalised else lower, language)
    if term in STOP_WORDS or len(term) < 2:
        return None
    return term


def letter_counts(text: str) -> tuple[int, int]:
    """(capitals, small letters) of a text, as `_shouting` counts them. Additive: the counts
    of "title.\ntext" are the sums of the title's and the text's."""
    if text.isascii():  # the classes' ASCII part, counted in C without a list of matches
        data = text.encode("ascii")
        return len(data) - len(data.translate(None, _ASCII_UPPER)), len(data) - len(data.translate(None, _ASCII_LOWER))
    return len(_UPPER.findall(text)), len(_LOWER.findall(text))


def is_shouting(upper: int, lower: int) -> bool:
    """More capitals than small letters: an ALL-CAPS headline, where every word looks like an acronym."""
    return upper > 0 and upper > lower


def _shouting(text: str) -> bool:
    return is_shouting(*letter_counts(text))


_UPPER = re.compile(r"[A-ZÀ-ÖØ-Þ]")
_LOWER = re.compile(r"[a-zß-öø-ÿ]")
_ASCII_UPPER = bytes(range(ord("A"), ord("Z") + 1))
_ASCII_LOWER = bytes(range(ord("a"), ord("z") + 1))


def analyze(text: str, language: str | None = None) -> list[str]:
    """Terms of a text: lemmas without stop words, then bigrams of adjacent kept words.

    Bigrams bridge dropped stop words ("contratti di fornitura" -> "contratto fornitura",
    the Italian way of saying "supply contract") but never a sentence boundary.

    `language` is an ISO code; None (or "") means detect it. Only Italian and English
    are lemmatised; other languages keep their folded surface forms.
    """
    if not text:
        return []
    if not language:
        language = detect_language(text)
    return analyze_with(text, language, _shouting(text))


_UNSEEN = object()
_TERM_CACHES: dict[tuple[str, bool], dict[str, str | None]] = {}
_TERM_CACHE_SIZE = 500_000


def _term_cache(language: str, shouting: bool) -> dict[str, str | None]:
    """word -> term (None: dropped) for one language: `_term` without building its cache key
    for each of the night's millions of words."""
    cache = _TERM_CACHES.get((language, shouting))
    if cache is None or len(cache) > _TERM_CACHE_SIZE:
        cache = _TERM_CACHES[(language, shouting)] = {}
    return cache


def analyze_with(text: str, language: str, shouting: bool) -> list[str]:
    """`analyze` with the language and the ALL-CAPS verdict decided by the caller: an article's
    title and text are analysed apart (matcher.matching.terms) under the verdict of the whole
    document. Sentence boundaries stop bigrams, so analysing "title.\ntext" is analysing the
    title, then the text."""
    terms: list[str] = []
    bigrams: list[str] = []
    cache = _term_cache(language, shouting)
    for segment in _SEGMENT.split(text):
        previous = None
        for word in _WORD.findall(segment):
            term = cache.get(word, _UNSEEN)
            if term is _UNSEEN:
                term = cache[word] = None if word.isdigit() else _term(word, language, shouting)
            if term is None:
                continue
            terms.append(term)
            if previous is not None:
                bigrams.append(previous + " " + term)
            previous = term
    return terms + bigrams


_PUNCTUATION = re.compile(r"[,;:()\"“”«»]")


def surface_forms(text: str, language: str | None = None) -> dict[str, str]:
    """For each term of `text`, the words a person reads there, so reasons can be shown as
    written: "caffè verde", "contratti di fornitura" rather than "caffe verde", "contratto
    fornitura". The most frequent form wins; a bigram keeps the words it bridges.
    """
    if not text:
        return {}
    if not language:
        language = detect_language(text)
    shouting = _shouting(text)
    seen: dict[str, Counter] = {}
    for segment in _SEGMENT.split(text):
        previous = None
        for match in _WORD.finditer(segment):
            word = match.group()
            term = None if word.isdigit() else _term(word, language, shouting)
            if term is None:
                continue
            seen.setdefault(term, Counter())[word if _acronym(word) else word.lower()] += 1
            if previous is not None:
                p_term, p_start = previous
                span = " ".join(segment[p_start:match.end()].split())
                if len(span) <= 40 and not _PUNCTUATION.search(span):
                    seen.setdefault(f"{p_term} {term}", Counter())[span.lower()] += 1
            previous = (term, match.start())
    return {term: forms.most_common(1)[0][0] for term, forms in seen.items()}


def readable_reasons(terms: list[str], document: tuple[str, str], profile_text: str, k: int,
                     profile_language: str | None = None) -> list[str]:
    """The best `k` of `terms` as a person reads them: in the article's (else the project's)
    own words, and without a word already said by a phrase ("ai system" makes "ai" redundant).
    """
    text, language = document
    forms = {**surface_forms(profile_text, profile_language), **surface_forms(text, language)}
    chosen: list[str] = []
    for term in terms:
        words = set(term.split())
        if len(words) == 1 and any(term in c.split() for c in chosen if " " in c):
            continue
        if len(words) > 1:
            chosen = [c for c in chosen if " " in c or c not in words]
        chosen.append(term)
    return [forms.get(term, term) for term in chosen[:k]]
