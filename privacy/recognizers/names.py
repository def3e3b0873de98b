"""Person names from a gazetteer, found without an NER model.

The gazetteer is the display names of the accounts collected in an engagement. The lake
keeps them only as keyed hashes, so this recognizer asks a resolver (keyed hash lookup)
about every run of 2–4 words instead of holding a list of clear names.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from seula.privacy.text import WORD, breaks_apart, find_names

# No word character here: stripped off a token, they leave its words as they were.
PUNCTUATION = ".,;:!?\"'’()[]{}-–—…«»"


class KeyedNameRecognizer(EntityRecognizer):
    def __init__(
        self, resolve: Callable[[str], str | None], starts: Callable[[str], bool] = lambda _: True,
        supported_language: str = "fi", starting: Callable[[Collection[str]], set[str]] | None = None,
    ) -> None:
        self.resolve = resolve
        self.starts = starts
        self.starting = starting or (lambda words: {w for w in words if self.starts(w)})
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language, name="KeyedNameRecognizer")

    def load(self) -> None:  # nothing to load: the resolver is given
        pass

    def candidate_posts(self, texts: list[str]) -> list[int]:
        """Indexes of the texts with a word that begins a known name: where a name can be.

        Each distinct whitespace-separated token of the batch is looked at once (reposts and
        replies repeat most of them); only tokens that are more than letters within
        punctuation go through the word pattern.
        """
        tokens = [breaks_apart(text).split() for text in texts]
        cores = {token: token.strip(PUNCTUATION) for token in set().union(*tokens)}
        plain = {core for core in cores.values() if core.isalpha()}  # each one word
        other = {token: WORD.findall(token) for token, core in cores.items() if not core.isalpha()}
        starters = self.starting(plain.union(*other.values()))
        if not starters:
            return []
        named = {token for token, core in cores.items() if core in starters} | {
            token for token, found in other.items() if not starters.isdisjoint(found)}
        return [i for i, found in enumerate(tokens) if not named.isdisjoint(found)]

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        return [
            RecognizerResult("PERSON", start, end, 0.85, recognition_metadata={
                RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
            for start, end, _ in find_names(text, self.resolve, self.starts)
        ]
