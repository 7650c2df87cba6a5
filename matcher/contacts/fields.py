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
