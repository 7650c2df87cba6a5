"""Drafts: one template per kind and language, overridable in the home, short, never an ask."""

import re
from pathlib import Path

import pytest

from matcher.drafts import PACKAGED, fallback_note, render

VALUES = dict(first_name="Giulia", project="il caffè verde", title="Un articolo", url="https://x.example/a",
              sender="Ada", occasion="Natale", company="Caffè Aurora", role="CEO", text="La mia novità",
              link="https://x.example/n")
KINDS = sorted({p.name.split(".")[0] for p in PACKAGED.glob("*.j2")})
ASKS = re.compile(r"opening|position|posizion|opportunit|introduc|present(armi|i a)|cerco lavoro|"
                  r"job for me|lavoro per me|can you|puoi", re.IGNORECASE)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("language", ["it", "en"])
def test_every_kind_has_a_short_draft_in_both_languages_that_never_asks(kind, language):
    assert (PACKAGED / f"{kind}.{language}.j2").exists()
    text = render(kind, language, None, **VALUES)
    assert text and len(text) < 400
    assert not ASKS.search(text), text


def test_the_home_overrides_a_template_and_unknown_languages_fall_back_to_english(tmp_path: Path):
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "article.it.j2").write_text("Ciao {{ first_name }}! {{ url }}", encoding="utf-8")
    assert render("article", "it", tmp_path, **VALUES) == "Ciao Giulia! https://x.example/a"
    assert render("article", "en", tmp_path, **VALUES).startswith("Hi Giulia")
    assert render("article", "de", tmp_path, **VALUES).startswith("Hi Giulia")


def test_a_language_without_a_template_gets_english_and_a_note_that_says_so(tmp_path: Path):
    assert fallback_note("article", "it") == fallback_note("greeting", "en") == ""
    assert fallback_note("article", "") == ""  # no language set: English, nothing to say
    assert fallback_note("greeting", "fr") == "no French template: the draft is in English"
    assert fallback_note("congratulation", "DE") == "no German template: the draft is in English"
    assert fallback_note("article", "xq") == "no 'xq' template: the draft is in English"
    # a language code is never a path
    assert render("article", "../article.it", None, **VALUES).startswith("Hi Giulia")
    # the home may add a language: then it is used, and there is nothing to say
    (tmp_path / "drafts").mkdir()
    (tmp_path / "drafts" / "greeting.fr.j2").write_text("Bonjour {{ first_name }} !", encoding="utf-8")
    assert render("greeting", "fr", tmp_path, **VALUES) == "Bonjour Giulia !"
    assert fallback_note("greeting", "fr", tmp_path) == ""
    assert fallback_note("article", "fr", tmp_path) == "no French template: the draft is in English"


@pytest.mark.parametrize("language, anniversary, work", [
    ("en", "Hi Giulia, happy anniversary to you both: 14 years together!",
     "Hi Giulia, 3 years at Caffè Aurora: congratulations!"),
    ("it", "Ciao Giulia, buon anniversario a entrambi: 14 anni insieme!",
     "Ciao Giulia, 3 anni in Caffè Aurora: complimenti!"),
])
def test_a_personal_anniversary_is_a_greeting_a_work_anniversary_a_congratulation(language, anniversary, work):
    personal = render("greeting", language, None, **{**VALUES, "occasion": "anniversary", "years": 14})
    job = render("congratulation", language, None, **{**VALUES, "occasion": "work-anniversary", "years": 3})
    assert personal.splitlines()[0] == anniversary and job.splitlines()[0] == work
