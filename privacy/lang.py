"""Finnish or English, for texts that come without a language tag."""

from __future__ import annotations

import re

_LETTERS = re.compile(r"[äöÄÖ]")
_WORDS = re.compile(
    r"\b(?:ja|ei|olen|oli|kun|mutta|tämä|mitä|myös|kanssa|sekä|vai|nyt|hyvä|kiitos|minä|sinä|hän|ovat|siitä|"
    r"joka|jos|vielä|kaikki|tai|niin|kuin|mukaan|koska)\b",
    re.IGNORECASE,
)


def detect_lang(text: str) -> str:
    """A cheap two-way guess: ä/ö or two frequent Finnish words mean Finnish, else English."""
    return "fi" if _LETTERS.search(text) or len(_WORDS.findall(text)) >= 2 else "en"
