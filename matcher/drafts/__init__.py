"""Short draft messages, per kind and language, from Jinja2 templates.

The packaged templates live beside this file as `<kind>.<language>.j2`; a file with the
same name in the home's `drafts/` folder overrides it. Drafts give, they never ask.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import ChoiceLoader, Environment, FileSystemLoader, TemplateNotFound

PACKAGED = Path(__file__).parent
LANGUAGES = ("it", "en")


def _environment(home: Path | None) -> Environment:
    loaders = [FileSystemLoader(str(home / "drafts"))] if home else []
    loaders.append(FileSystemLoader(str(PACKAGED)))
    # Plain text, not HTML: autoescape off; the review prints drafts through textsafe.clean.
    return Environment(loader=ChoiceLoader(loaders), autoescape=False, trim_blocks=True,
                       keep_trailing_newline=False)


def first_name(name: str) -> str:
    return (name or "").split()[0] if (name or "").split() else ""


def render(kind: str, language: str, home: Path | None = None, **values) -> str:
    """Render the `kind` draft in `language` (English when there is no template for it)."""
    env = _environment(home)
    lang = language if language in LANGUAGES else "en"
    try:
        template = env.get_template(f"{kind}.{lang}.j2")
    except TemplateNotFound:
        template = env.get_template(f"{kind}.en.j2")
    return template.render(**values).strip()
