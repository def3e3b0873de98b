"""The language a text is sieved in: Finnish, Swedish or English.

Every recognizer that does not depend on language (e-mail, phone, IBAN, identity code, URL,
mention, card, IP, known names) is registered for each of the three, so a text in any other
language (a tweet tagged ``de``, ``ar``, ``und``, or not at all) is sieved in the one its
words look most like and loses nothing but that language's party words and context cues.
"""

from __future__ import annotations

import re

SERVED = ("fi", "sv", "en")

_FI_LETTERS = re.compile(r"[äöÄÖ]")
_FI_WORDS = re.compile(
    r"\b(?:ja|ei|olen|oli|kun|mutta|tämä|mitä|myös|kanssa|sekä|vai|nyt|hyvä|kiitos|minä|sinä|hän|ovat|siitä|"
    r"joka|jos|vielä|kaikki|tai|niin|kuin|mukaan|koska)\b",
    re.IGNORECASE,
)
_SV_WORDS = re.compile(
    r"\b(?:och|att|det|som|är|inte|på|för|med|jag|vi|av|den|till|har|om|kan|ska|också|eller|men|från|när|"
    r"mycket|tack|bara|här|där|vad|hur)\b",
    re.IGNORECASE,
)


def detect_lang(text: str) -> str:
    """A cheap guess among the served languages: frequent Swedish words (two, and more than
    Finnish ones) mean Swedish; ä/ö or two frequent Finnish words, Finnish; else English."""
    swedish, finnish = len(_SV_WORDS.findall(text)), len(_FI_WORDS.findall(text))
    if swedish >= 2 and swedish > finnish:
        return "sv"
    return "fi" if _FI_LETTERS.search(text) or finnish >= 2 else "en"


def served(tag: str | None, text: str) -> str:
    """The language to sieve ``text`` in, given the platform's tag (anything, or nothing)."""
    tag = (tag or "").lower().split("-")[0]
    return tag if tag in SERVED else detect_lang(text)
