"""Presidio's card and e-mail recognizers, widened where they miss real data.

- Cards: Presidio's pattern knows the 4/5/6/1/3 prefixes but not Mastercard's 2-series
  (2221–2720, issued since 2017); Luhn validation stays Presidio's.
- E-mail: Presidio accepts an address only if tldextract knows its suffix, so addresses
  at new or reserved domains (``firma.example``) would be stored in clear. Any dotted
  domain with a letter suffix counts here; the check needs no suffix list at all. And
  addresses with ``(at)``/``[at]`` for the @ are addresses too.
"""

from __future__ import annotations

import re

from presidio_analyzer import Pattern
from presidio_analyzer.predefined_recognizers import CreditCardRecognizer, EmailRecognizer

_DOMAIN = re.compile(r"@[\w-]+(?:\.[\w-]+)*\.(?:[^\W\d_]{2,}|xn--[a-z0-9-]+)$", re.IGNORECASE)  # (punycode too)


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


# Addresses written so that harvesters miss them, as Finnish organisations publish their
# staff's: etunimi.sukunimi(at)organisaatio.fi, [at], (dot), with or without spaces.
_AT = r"\s?[(\[]at[)\]]\s?"
_DOT = r"(?:\.|\s?[(\[]dot[)\]]\s?)"
_OBFUSCATED = re.compile(_AT.replace("at", "(at|dot)"), re.IGNORECASE)


class SeulaEmailRecognizer(EmailRecognizer):
    PATTERNS = [
        *EmailRecognizer.PATTERNS,
        Pattern("Email (at)", rf"(?<![\w.+-])[\w+-]+(?:{_DOT}[\w+-]+)*{_AT}[\w-]+(?:{_DOT}[\w-]+)*{_DOT}[^\W\d_]{{2,}}\b", 0.5),
    ]

    def validate_result(self, pattern_text: str) -> bool:
        plain = _OBFUSCATED.sub(lambda m: "@" if m.group(1).lower() == "at" else ".", pattern_text)
        return _DOMAIN.search(plain) is not None
