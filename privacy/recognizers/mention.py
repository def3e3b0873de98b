"""Social-media handles: ``@name``, as X and Instagram write them (not the @ of an e-mail)."""

from __future__ import annotations

from presidio_analyzer import Pattern, PatternRecognizer


class MentionRecognizer(PatternRecognizer):
    # .@name (the dot-reply convention) too; not the @ of first.last@example.fi
    PATTERNS = [Pattern("handle", r"(?<![\w@+\-])(?<!\w\.)@[A-Za-z0-9_]{1,30}(?![\w@]|\.[A-Za-z]{2,})", 0.9)]

    def __init__(self, supported_language: str = "fi") -> None:
        super().__init__(
            supported_entity="MENTION", patterns=self.PATTERNS, supported_language=supported_language,
            name="MentionRecognizer",
        )
