"""Presidio's card and e-mail recognizers, widened where they miss real data.

- Cards: Presidio's pattern knows the 4/5/6/1/3 prefixes but not Mastercard's 2-series
  (2221–2720, issued since 2017); Luhn validation stays Presidio's.
- E-mail: Presidio accepts an address only if tldextract knows its suffix, so addresses
  at new or reserved domains (``firma.example``) would be stored in clear. Any dotted
  domain with a letter suffix counts here; the check needs no suffix list at all.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer

_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.[^\W\d_]{2,}$")


class SeulaCreditCardRecognizer(CreditCardRecognizer):
    PATTERNS = [
        Pattern(
            "All Credit Cards (weak)",
            r"\b(?!1\d{12}(?!\d))((4\d{3})|(5[0-5]\d{2})|(2[2-7]\d{2})|(6\d{3})|(1\d{3})|(3\d{3}))[- ]?(\d{3,4})[- ]?(\d{3,4})[- ]?(\d{3,5})\b",  # noqa: E501
            0.3,
        ),
    ]

    def __init__(self, supported_language: str = "en") -> None:
        super().__init__(patterns=self.PATTERNS, supported_language=supported_language)


class SeulaEmailRecognizer(EmailRecognizer):
    def validate_result(self, pattern_text: str) -> bool:
        return _DOMAIN.search(pattern_text) is not None
