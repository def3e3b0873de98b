"""Person names from a gazetteer, found without an NER model.

The gazetteer is the display names of the accounts collected in an engagement. The lake
keeps them only as keyed hashes, so this recognizer asks a resolver (keyed hash lookup)
about every run of 2–4 words instead of holding a list of clear names.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from privacy.text import WORD, find_names


class KeyedNameRecognizer(EntityRecognizer):
    def __init__(
        self, resolve: Callable[[str], str | None], starts: Callable[[str], bool] = lambda _: True,
        supported_language: str = "fi",
    ) -> None:
        self.resolve = resolve
        self.starts = starts
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language, name="KeyedNameRecognizer")

    def load(self) -> None:  # nothing to load: the resolver is given
        pass

    def candidate_texts(self, joined: str) -> list[int]:
        """Offsets in ``joined`` of words that begin a known name: where a name can be.

        One pass over many texts instead of a word-by-word walk through each of them.
        """
        starters = {w for w in set(WORD.findall(joined)) if self.starts(w)}
        if not starters:
            return []
        alternation = re.compile("|".join(re.escape(w) for w in sorted(starters, key=len, reverse=True)))
        return [m.start() for m in alternation.finditer(joined)]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        return [
            RecognizerResult("PERSON", start, end, 0.85, recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
            for start, end, _ in find_names(text, self.resolve, self.starts)
        ]
