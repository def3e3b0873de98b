"""Phone numbers as Presidio finds them: the ``phonenumbers`` library's matcher, valid numbers
only, for the countries Seula's posts come from (Finland, Sweden, the UK, the US, Germany;
any number written with its +country code is found whatever the country).

The matcher also takes numbers that are part of something else for phone numbers: an IP
address, an identity code, a card number, a date, a price, a case number, the digits of a
link. A number must stand on its own here, and have the shape of none of those.
"""

from __future__ import annotations

import re

from presidio_analyzer import RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

_FIVE_DIGITS = re.compile(r"(?:\d\D*){5}")  # no valid number of any region has fewer
_NOT_A_PHONE = re.compile(
    r"\d{6}[-+A-FYXWVU]\d{3}[0-9A-Y]?"  # a personal identity code (valid or not)
    r"|\d{1,3}(?:\.\d{1,3}){3}"  # an IPv4 address
    r"|\d{1,2}[./]\d{1,2}[./]\d{2,4}"  # a date
    r"|(?:19|20)\d\d-\d+"  # a case or order number: year-number
)
# Part of a number, a link, an address or a sum ("tel.040…" and "is415-…" are still numbers).
_JOINED_BEFORE = re.compile(r"[\d/\-_#+=@&%~]|(?<=\d)\.")
_JOINED_AFTER = re.compile(r"[\w/\-_@%+]|[.,]\d|\s?[€$£]")


class SeulaPhoneRecognizer(PhoneRecognizer):
    REGIONS = ("FI", "SE", "GB", "US", "DE")
    CONTEXT = ["puh", "puhelin", "puhelinnumero", "soita", "numero", "tekstaa", "gsm", "tel", "telefon", "ring",
               "mobil", "nummer", "phone", "call", "mobile", "whatsapp", "signal"]

    def __init__(self, supported_language: str = "fi", regions: tuple[str, ...] = REGIONS, leniency: int = 1) -> None:
        super().__init__(context=self.CONTEXT, supported_language=supported_language, supported_regions=regions,
                         leniency=leniency)

    def candidate_posts(self, texts: list[str]) -> list[int]:
        """The texts the matcher can find anything in (the batch route runs it on these only)."""
        return [i for i, text in enumerate(texts) if _FIVE_DIGITS.search(text)]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        return [r for r in super().analyze(text, entities, nlp_artifacts) if _alone(text, r.start, r.end)]


def _alone(text: str, start: int, end: int) -> bool:
    span = text[start:end]
    return not (
        (start and _JOINED_BEFORE.match(text, start - 1) and not span.startswith("+"))
        or _JOINED_AFTER.match(text, end)
        or _NOT_A_PHONE.fullmatch(span)
        or sum(c.isdigit() for c in span) > 15  # longer than any number (E.164): a card, an account
    )
