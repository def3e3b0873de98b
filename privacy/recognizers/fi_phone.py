"""Finnish phone numbers in their usual written forms, and international E.164 numbers."""

from __future__ import annotations

import re

from presidio_analyzer import Pattern, PatternRecognizer

_HETU_SHAPE = re.compile(r"^\d{6}[-+A-FYXWVU]\d{3}[0-9A-Y]$")


class FiPhoneRecognizer(PatternRecognizer):
    PATTERNS = [
        # +358 40 123 4567, +35891234567, +358 (0)9 123 4567
        Pattern("FI international", r"(?<![\w+\-])\+358[\s-]?(?:\(0\))?\d{1,3}(?:[\s-]?\d{2,4}){1,3}(?![\w\-])", 0.7),
        # 040 1234567, 050-123 4567, 045 123 4567, 0401234567
        Pattern("FI national", r"(?<![\w+\-.,])0\d{1,2}[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w\-]|[.,]\d)", 0.6),
        # (09) 123 4567
        Pattern("FI area code", r"(?<![\w+\-])\(0\d{1,2}\)\s?\d{3}[\s-]?\d{3,4}(?![\w\-])", 0.6),
        # +4915112345678, +44 20 7946 0958
        Pattern("E.164", r"(?<![\w+\-])\+[1-9]\d{0,2}(?:[\s-]?\d{1,4}){2,5}(?![\w\-])", 0.5),
    ]
    CONTEXT = ["puh", "puhelin", "soita", "numero", "tekstaa", "tel", "phone", "call", "mobile", "whatsapp"]

    def __init__(self, supported_language: str = "fi") -> None:
        super().__init__(
            supported_entity="PHONE_NUMBER", patterns=self.PATTERNS, context=self.CONTEXT,
            supported_language=supported_language, name="FiPhoneRecognizer",
        )

    def validate_result(self, pattern_text: str) -> bool | None:
        if _HETU_SHAPE.match(pattern_text):
            return False  # a personal identity code (valid or not), never a phone number
        digits = sum(c.isdigit() for c in pattern_text)
        return None if 7 <= digits <= 15 else False
