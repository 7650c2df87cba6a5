"""Short draft messages, per kind and language, from Jinja2 templates.

The packaged templates live beside this file as `<kind>.<language>.j2` (Italian and
English); a file with the same name in the home's `drafts/` folder overrides it or adds a
language. A contact whose language has no template gets the English draft, and
`fallback_note` says so. Drafts give, they never ask.
"""

from __future__ import annotations

import re
from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, Template, TemplateNotFound

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


def fallback_note(kind: str, language: str, home: Path | None = None) -> str:
    """'' when the `kind` draft speaks `language` (or no language is set); otherwise the
    note that says the draft is in English, e.g. "no French template: the draft is in English"."""
    language = (language or "").lower()
    if not language:
        return ""
    _, used = _template(_environment(home), kind, language)
    if used == language:
        return ""
    name = LANGUAGE_NAMES.get(language, f"{language!r}")
    return f"no {name} template: the draft is in {LANGUAGE_NAMES[used]}"
