"""Drafts: one template per kind and language, overridable in the home, short, never an ask."""

import re
from pathlib import Path

import pytest

from matcher.drafts import PACKAGED, render

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
