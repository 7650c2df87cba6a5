"""Short draft messages, per kind and language, from Jinja2 templates.

The packaged templates live beside this file as `<kind>.<language>.j2` (Italian and
English); a file with the same name in the home's `drafts/` folder overrides it or adds a
language. A contact whose language has no template gets the English draft, and
`fallback_note` says so. Drafts give, they never ask.

An article's draft quotes the contact's project (`project_phrase`) as `project`, which is
empty when the project is written in another language than the draft: a template writes
it inside `{% if project %}`.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, Template, TemplateNotFound

from matcher.matching.analysis import FUNCTION_WORDS, fold_accents

PACKAGED = Path(__file__).parent
FALLBACK = "en"
# Names for the notes; any other code is shown as the code.
LANGUAGE_NAMES = {
    "it": "Italian", "en": "English", "fr": "French", "de": "German", "es": "Spanish",
    "pt": "Portuguese", "nl": "Dutch", "ca": "Catalan", "ro": "Romanian", "pl": "Polish",
    "sv": "Swedish", "da": "Danish", "no": "Norwegian", "fi": "Finnish", "el": "Greek",
    "ja": "Japanese", "zh": "Chinese", "ru": "Russian", "ar": "Arabic", "tr": "Turkish",
}
_CODE = re.compile(r"[a-z]{2,3}")  # a language code, never a path


def _environment(home: Path | None) -> Environment:
    loaders = [FileSystemLoader(str(home / "drafts"))] if home else []
    loaders.append(FileSystemLoader(str(PACKAGED)))
    # Plain text, not HTML: autoescape off; the review prints drafts through textsafe.clean.
    return Environment(loader=ChoiceLoader(loaders), autoescape=False, trim_blocks=True,
                       keep_trailing_newline=False)


def first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


# Where a clause ends inside a sentence: a colon, a semicolon, a dash between spaces, a
# parenthesis, a comma, a vertical bar (a LinkedIn headline's separator).
_CLAUSE_END = re.compile(r"\s*(?:[:;,|(]|\s[-–—]\s)")
MIN_CLAUSE = 25  # a shorter first clause says too little ("Senior buyer:")
OVERSHOOT = 20   # a clause may run this far past the limit rather than be cut inside


def project_phrase(text: str, limit: int = 70) -> str:
    """A project as a draft quotes it: its first sentence; when longer than `limit`, up to
    the last clause boundary (comma, colon, dash, parenthesis…) a little past it, else cut
    at a word with "…", never on a word like "of" or "della" ("models into…" reads as
    broken). The first letter is lowercased unless the first word is an acronym ("EU")."""
    sentence = " ".join((text or "").split()).split(". ")[0].rstrip(". ")
    if len(sentence) > limit:
        ends = [m.start() for m in _CLAUSE_END.finditer(sentence)
                if MIN_CLAUSE <= m.start() <= limit + OVERSHOOT and _balanced(sentence[: m.start()])]
        if ends:
            sentence = sentence[: ends[-1]]
        else:
            # the words wholly within the limit, not leaving a parenthesis open
            cut = " ".join(sentence[: limit + 1].split(" ")[:-1]) or sentence[:limit]
            while not _balanced(cut) and cut.rfind("(") > 0:
                cut = cut[: cut.rfind("(")].rstrip()
            words = (cut if _balanced(cut) else cut.replace("(", "")).split(" ")
            while len(words) > 1 and _ends_nothing(words[-1]):
                words.pop()
            sentence = " ".join(words).rstrip(",;:|-–— ") + "…"
    head = sentence.split(" ", 1)[0]
    if head[:1].isupper() and head[1:] == head[1:].lower():
        sentence = sentence[:1].lower() + sentence[1:]
    return sentence


def _balanced(text: str) -> bool:
    return text.count("(") <= text.count(")")


def _ends_nothing(word: str) -> bool:
    """Whether a phrase cannot end on this word: a function word, an elided one ("dell'"),
    a dash."""
    word = word.strip(",;:").lower()
    if not any(ch.isalnum() for ch in word):
        return True  # a dash or a bar alone
    return word.endswith(("'", "’")) or fold_accents(word) in FUNCTION_WORDS


def _template(env: Environment, kind: str, language: str) -> tuple[Template, str]:
    """The `kind` template in `language` when one exists (packaged or the home's), else
    English; and the language it is in."""
    language = (language or "").lower()
    if _CODE.fullmatch(language):
        try:
            return env.get_template(f"{kind}.{language}.j2"), language
        except TemplateNotFound:
            pass
    return env.get_template(f"{kind}.{FALLBACK}.j2"), FALLBACK


def render(kind: str, language: str, home: Path | None = None, **values) -> str:
    """Render the `kind` draft in `language` (English when there is no template for it)."""
    template, _ = _template(_environment(home), kind, language)
    return template.render(**values).strip()


def draft_language(kind: str, language: str, home: Path | None = None) -> str:
    """The language the `kind` draft for a contact speaking `language` is written in: that
    one when it has a template (packaged or the home's), else English."""
    return _template(_environment(home), kind, language)[1]


def fallback_note(kind: str, language: str, home: Path | None = None) -> str:
    """'' when the `kind` draft speaks `language` (or no language is set); otherwise the
    note that says the draft is in English, e.g. "no French template: the draft is in English"."""
    language = (language or "").lower()
    if not language:
        return ""
    used = draft_language(kind, language, home)
    if used == language:
        return ""
    name = LANGUAGE_NAMES.get(language, f"{language!r}")
    return f"no {name} template: the draft is in {LANGUAGE_NAMES[used]}"
