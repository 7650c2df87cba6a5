"""Pure parsers for one contact field: a value from a file or the command line → a clean value.

Each raises ValueError with a short message naming what is wrong; the caller adds the
file and line (importer) or turns it into a MatcherError (store).
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

from matcher.textsafe import clean

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# Deliberately loose: one @, no spaces, a dot in the domain. Mail servers decide the rest.
_EMAIL = re.compile(r"[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;.]+")
_WHOLE = re.compile(r"\+?[0-9]{1,9}")
_COUNTRY = re.compile(r"[A-Za-z]{2}")
_LANGUAGE = re.compile(r"[A-Za-z]{2,3}")
_TRUE = {"true", "yes", "y", "1", "on", "si", "sì"}
_FALSE = {"false", "no", "n", "0", "off", ""}


def normalise_text(text: str) -> str:
    """Casefold, drop accents, collapse whitespace: 'Caffè  Aurora' and 'caffe aurora' are one."""
    text = unicodedata.normalize("NFKD", text)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    return " ".join(text.casefold().split())


def normalise_project(text: str) -> str:
    """Project texts also ignore a trailing full stop, which people add or not at random."""
    return normalise_text(text).rstrip(" .")


def _text(value, what: str) -> str:
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{what} should be text, got {_show(value)}")
    # Exports from other tools can carry control characters; they have no place in a name.
    return clean(str(value)).strip()


def _show(value) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_text(value, what: str = "value") -> str:
    """Free text (kind, company, role, channel, notes): stripped; None → ''."""
    return _text(value, what)


def parse_name(value) -> str:
    name = " ".join(_text(value, "name").split())
    if not name:
        raise ValueError("a contact needs a name")
    return name


def parse_date(value, what: str = "date") -> date | None:
    """YYYY-MM-DD text or a date; empty → None. A datetime is refused: a day is wanted."""
    if value is None:
        return None
    if isinstance(value, datetime):
        raise ValueError(f"{what} should be a day YYYY-MM-DD, got a date and time {value}")
    if isinstance(value, date):
        return value
    text = _text(value, what)
    if not text:
        return None
    if not _DATE.fullmatch(text):
        raise ValueError(f"{what} should be YYYY-MM-DD, got {_show(text)}")
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"{what} is not a real day: {text}") from None


def parse_email(value) -> str | None:
    text = _text(value, "email")
    if not text:
        return None
    if not _EMAIL.fullmatch(text):
        raise ValueError(f"email does not look like an email address: {_show(text)}")
    return text


def parse_cadence(value) -> int | None:
    """Days between touches for this person: a positive whole number; empty → None."""
    if value is None:
        return None
    if isinstance(value, bool):
        raise ValueError(f"cadence_days should be a whole number of days, got {value}")
    if isinstance(value, int):
        days = value
    else:
        text = _text(value, "cadence_days")
        if not text:
            return None
        if not _WHOLE.fullmatch(text):
            raise ValueError(f"cadence_days should be a whole number of days, got {_show(text)}")
        days = int(text)
    if days <= 0:
        raise ValueError(f"cadence_days should be positive, got {days}")
    if days > 3650:
        raise ValueError(f"cadence_days should be at most 3650 (ten years), got {days}")
    return days


def parse_bool(value, what: str = "value") -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    text = _text(value, what).casefold()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError(f"{what} should be true or false, got {_show(text)}")


def parse_country(value) -> str:
    """A two-letter ISO country code (IT, ES, GB…), upper-cased; empty → ''."""
    text = _text(value, "country")
    if text and not _COUNTRY.fullmatch(text):
        raise ValueError(f"country should be a two-letter code like IT or ES, got {_show(text)}")
    return text.upper()


def parse_language(value) -> str:
    """A two- or three-letter ISO language code (it, en, es…), lower-cased; empty → ''."""
    text = _text(value, "language")
    if text and not _LANGUAGE.fullmatch(text):
        raise ValueError(f"language should be a code like it or en, got {_show(text)}")
    return text.lower()


def parse_kind(value) -> str:
    """recruiter, headhunter, colleague, mentor, friend… (any word; lower-cased)."""
    return _text(value, "kind").lower()


# --- fields the richer imports bring (LinkedIn, Google, vCard) --------------------------

# A birthday without a year (vCard `--0312`, Google `--03-12`) is stored with this year.
# 1904 is a leap year, so 29 February fits; it is far enough back never to be a real
# birth year of a working contact. Use `has_year()` before computing an age.
NO_YEAR = 1904
_NO_YEAR_DATE = re.compile(r"--(\d{2})-?(\d{2})")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            ("jan", "january", "gen", "gennaio"),
            ("feb", "february", "febbraio"),
            ("mar", "march", "marzo"),
            ("apr", "april", "aprile"),
            ("may", "mag", "maggio"),
            ("jun", "june", "giu", "giugno"),
            ("jul", "july", "lug", "luglio"),
            ("aug", "august", "ago", "agosto"),
            ("sep", "sept", "september", "set", "settembre"),
            ("oct", "october", "ott", "ottobre"),
            ("nov", "november", "novembre"),
            ("dec", "december", "dic", "dicembre"),
        ),
        start=1,
    )
    for name in names
}
_DAY_MONTH_YEAR = re.compile(r"(\d{1,2})[ \-]([A-Za-z]{3,9})\.?[ \-,]+(\d{4}|\d{2})")


def has_year(day: date | None) -> bool:
    """False for a birthday (or anniversary) stored without its year (see NO_YEAR)."""
    return day is not None and day.year != NO_YEAR


def show_day(day: date | None) -> str | None:
    """YYYY-MM-DD, or --MM-DD for a day stored without its year; None stays None."""
    if day is None:
        return None
    return day.isoformat() if has_year(day) else f"--{day.month:02d}-{day.day:02d}"


def parse_occasion_date(value, what: str = "date") -> date | None:
    """A birthday or anniversary: YYYY-MM-DD, YYYYMMDD, or --MM-DD / --MMDD without the year.

    A time part (vCard `1984-03-12T00:00:00Z`) is dropped; the day is what matters.
    Empty → None. Without a year the day is stored in NO_YEAR.
    """
    if value is None or isinstance(value, (date, datetime)):
        return parse_date(value, what)
    text = _text(value, what)
    if not text:
        return None
    if "T" in text[8:]:
        text = text.split("T", 1)[0]
    month_day = _NO_YEAR_DATE.fullmatch(text)
    if month_day:
        month, day = int(month_day[1]), int(month_day[2])
        try:
            return date(NO_YEAR, month, day)
        except ValueError:
            raise ValueError(f"{what} is not a real day: {text}") from None
    compact = _COMPACT_DATE.fullmatch(text)
    if compact:
        text = f"{compact[1]}-{compact[2]}-{compact[3]}"
    if not _DATE.fullmatch(text):
        raise ValueError(f"{what} should be YYYY-MM-DD or --MM-DD, got {_show(text)}")
    return parse_date(text, what)


def parse_day_month_year(value, what: str = "date") -> date | None:
    """LinkedIn's `15 Mar 2024` (also `15-Mar-24`, full month names, or YYYY-MM-DD)."""
    text = _text(value, what)
    if not text:
        return None
    if _DATE.fullmatch(text):
        return parse_date(text, what)
    found = _DAY_MONTH_YEAR.fullmatch(text)
    month = _MONTHS.get(found[2].casefold()) if found else None
    if not found or month is None:
        raise ValueError(f"{what} should be a day like 15 Mar 2024, got {_show(text)}")
    year = int(found[3]) + (2000 if len(found[3]) == 2 else 0)
    try:
        return date(year, month, int(found[1]))
    except ValueError:
        raise ValueError(f"{what} is not a real day: {text}") from None


# Country names as address books write them (English, Italian and the local name) → ISO
# 3166 codes. Small on purpose: a two-letter code passes through, a name not listed here
# leaves the country empty (the user's country from the config applies).
COUNTRY_NAMES = {
    "IT": ("italy", "italia", "italie", "italien"),
    "ES": ("spain", "spagna", "espana", "españa", "espagne"),
    "FR": ("france", "francia"),
    "DE": ("germany", "germania", "deutschland", "allemagne"),
    "GB": ("united kingdom", "uk", "great britain", "regno unito", "england", "inghilterra",
           "scotland", "wales", "gran bretagna"),
    "US": ("united states", "united states of america", "usa", "u.s.a.", "stati uniti",
           "stati uniti d'america"),
    "CH": ("switzerland", "svizzera", "schweiz", "suisse"),
    "AT": ("austria", "osterreich", "österreich"),
    "NL": ("netherlands", "the netherlands", "holland", "paesi bassi", "olanda", "nederland"),
    "BE": ("belgium", "belgio", "belgique", "belgie", "belgië"),
    "PT": ("portugal", "portogallo"),
    "IE": ("ireland", "irlanda", "eire", "éire"),
    "NO": ("norway", "norvegia", "norge"),
    "SE": ("sweden", "svezia", "sverige"),
    "DK": ("denmark", "danimarca", "danmark"),
    "FI": ("finland", "finlandia", "suomi"),
    "PL": ("poland", "polonia", "polska"),
    "GR": ("greece", "grecia", "hellas", "ellada"),
    "BR": ("brazil", "brasile", "brasil"),
    "CA": ("canada",),
    "MX": ("mexico", "messico", "méxico"),
    "AR": ("argentina",),
    "AU": ("australia",),
    "JP": ("japan", "giappone"),
    "CN": ("china", "cina"),
    "IN": ("india",),
    "SM": ("san marino",),
    "VA": ("vatican city", "città del vaticano", "vaticano"),
    "LU": ("luxembourg", "lussemburgo"),
    "SI": ("slovenia",),
    "HR": ("croatia", "croazia", "hrvatska"),
    "MT": ("malta",),
}
_COUNTRY_BY_NAME = {
    normalise_text(name): code for code, names in COUNTRY_NAMES.items() for name in names
}


def country_from_name(value) -> str:
    """A country as an address book writes it → ISO code; '' when not recognised."""
    text = _text(value, "country")
    if not text:
        return ""
    if _COUNTRY.fullmatch(text):
        return text.upper()
    return _COUNTRY_BY_NAME.get(normalise_text(text), "")


def parse_url(value, what: str = "profile_url") -> str:
    """A profile or web address: http(s) URL or a bare `www.`/`linkedin.com/...`; '' if empty."""
    text = _text(value, what)
    if not text:
        return ""
    if any(ch.isspace() for ch in text) or "." not in text:
        raise ValueError(f"{what} does not look like a web address: {_show(text)}")
    if "://" not in text:
        text = "https://" + text
    elif not text.lower().startswith(("http://", "https://")):
        raise ValueError(f"{what} should be an http(s) address, got {_show(text)}")
    return text


def normalise_url(url: str | None) -> str:
    """The identity of a profile URL: no scheme, no www., no query, no trailing slash, casefolded.

    https://www.linkedin.com/in/Giulia-Conti/ and linkedin.com/in/giulia-conti are one.
    """
    if not url:
        return ""
    text = url.strip().casefold()
    text = re.sub(r"^[a-z][a-z0-9+.\-]*://", "", text)
    text = text.split("#", 1)[0].split("?", 1)[0]
    text = re.sub(r"^(www\.|[a-z]{2}\.)(?=linkedin\.com)", "", text)
    text = text.removeprefix("www.")
    return text.rstrip("/")


LABEL_SEPARATOR = " ::: "


def parse_labels(value, what: str = "labels") -> str:
    """Labels as Google writes them, `A ::: B`, cleaned; system groups (`* myContacts`) dropped."""
    if isinstance(value, (list, tuple)):
        parts = [_text(v, what) for v in value]
    else:
        parts = _text(value, what).split(":::")
    seen = []
    for part in parts:
        part = " ".join(part.split())
        if part and not part.startswith("*") and part not in seen:
            seen.append(part)
    return LABEL_SEPARATOR.join(seen)


# A ticker as exchanges write it: AAPL, ENI, BRK.B, ENI.MI, 7203.T (one letter at least).
_TICKER = re.compile(r"[A-Z0-9]{1,10}(?:[.\-][A-Z0-9]{1,4})?")
_SEPARATORS = re.compile(r":::|;")


def _name_list(value, what: str) -> list[str]:
    """A YAML list, or text joined with " ::: " or ";" (CSV cells), as clean items."""
    if isinstance(value, (list, tuple)):
        parts = [_text(v, what) for v in value]
    else:
        parts = _SEPARATORS.split(_text(value, what))
    return [" ".join(part.split()) for part in parts]


def parse_company_aliases(value, what: str = "company_aliases") -> str:
    """Other names of the contact's company (`Caffè Aurora`, `Aurora Caffè`), joined with
    " ::: "; each needs a letter or digit, and is kept once (accents and case ignored)."""
    seen: dict[str, str] = {}
    for part in _name_list(value, what):
        if part and not any(ch.isalnum() for ch in part):
            raise ValueError(f"{what}: {_show(part)} has no letter or digit")
        if part:
            seen.setdefault(normalise_text(part), part)
    return LABEL_SEPARATOR.join(seen.values())


def parse_company_tickers(value, what: str = "company_tickers") -> str:
    """Stock tickers of the contact's company (`AAPL`, `ENI.MI`), upper-cased, joined with " ::: "."""
    seen: list[str] = []
    for part in _name_list(value, what):
        ticker = part.upper()
        if ticker and not (_TICKER.fullmatch(ticker) and any(ch.isalpha() for ch in ticker)):
            raise ValueError(f"{what}: a ticker is letters and digits like AAPL or ENI.MI, got {_show(part)}")
        if ticker and ticker not in seen:
            seen.append(ticker)
    return LABEL_SEPARATOR.join(seen)


def split_names(joined: str | None) -> list[str]:
    """The items of a field joined with " ::: " (labels, company aliases and tickers)."""
    return [part.strip() for part in (joined or "").split(":::") if part.strip()]
