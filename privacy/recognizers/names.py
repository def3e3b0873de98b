"""Person names from a gazetteer, found without an NER model.

The gazetteer is the display names of the accounts collected in an engagement. The lake
keeps them only as keyed hashes, so this recognizer asks a resolver (keyed hash lookup)
about every run of 2–4 words instead of holding a list of clear names.
"""

from __future__ import annotations

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

    def candidate_posts(self, texts: list[str]) -> list[int]:
        """Indexes of the texts with a word that begins a known name: where a name can be.

        The words of many texts are looked up once each, instead of a walk through every text.
        """
        words = [WORD.findall(text) for text in texts]
        starters = {w for w in set().union(*words) if self.starts(w)}
        return [i for i, found in enumerate(words) if not starters.isdisjoint(found)] if starters else []

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        return [
            RecognizerResult("PERSON", start, end, 0.85, recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
            for start, end, _ in find_names(text, self.resolve, self.starts)
        ]
