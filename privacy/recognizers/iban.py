"""IBANs as people write them: Presidio's validation (check digits, each country's format)
and python-stdnum's (each country's length and structure),
for IBANs in lower case too, and with words after them that look like more groups.

Presidio's recognizer matches upper case only, and of a match it tries three ends (its
pattern's groups). Written by hand, "fi55 0333 0926 9583 54" is as much an IBAN (one in
mixed case is not), and "… 1249
with" may take the next word as a group; here every end between two groups is tried, the
longest first, and the first that validates is the IBAN.
"""

from __future__ import annotations

import regex as re
from presidio_analyzer import EntityRecognizer, Pattern, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts
from presidio_analyzer.predefined_recognizers import IbanRecognizer
from stdnum import iban


# Two letters, two digits, then groups: what an IBAN looks like in any case, valid or not.
IBAN_SHAPE = r"(?<![A-Za-z0-9])[A-Za-z]{2}[0-9]{2}(?:[ -]?[A-Za-z0-9]{4}){2,7}(?:[ -]?[A-Za-z0-9]{1,3})?"


class SeulaIbanRecognizer(IbanRecognizer):
    PATTERNS = [Pattern("IBAN any case", IBAN_SHAPE + r"(?![A-Za-z0-9])", 0.5)]

    def __init__(self, supported_language: str = "fi") -> None:
        super().__init__(patterns=self.PATTERNS, supported_language=supported_language, name="SeulaIbanRecognizer")

    def validate_result(self, pattern_text: str) -> bool | None:
        letters = [c for c in pattern_text if c.isalpha()]
        if not (all(c.isupper() for c in letters) or all(c.islower() for c in letters)):
            return False  # "LV80 bANK …": one letter's case off is a typo Presidio's own tests reject
        value = pattern_text.upper()
        # Presidio's format check finds its country's pattern inside the candidate, so
        # "ES22 … 8325 eilisest" would pass 1 time in 97; python-stdnum's registry knows each
        # country's length and structure.
        return super().validate_result(value) and iban.is_valid(value, check_country=False)

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None,
                regex_flags: int | None = None) -> list[RecognizerResult]:
        found = []
        for m in re.finditer(self.PATTERNS[0].regex, text):
            ends = [m.start() + i for i, c in enumerate(m.group()) if c in " -"] + [m.end()]
            end = next((e for e in reversed(ends) if self.validate_result(text[m.start():e]) is True), None)
            if end is not None:
                found.append(RecognizerResult(self.supported_entities[0], m.start(), end, EntityRecognizer.MAX_SCORE,
                                              recognition_metadata={RecognizerResult.RECOGNIZER_NAME_KEY: self.name,
                                                                    RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id}))
        return found
