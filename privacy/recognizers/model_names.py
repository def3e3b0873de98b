"""Person names found by a spaCy model's named-entity recognizer (the ``[nlp]`` extra brings a
Finnish one), run only on the texts where a name can be, its PERSON spans filtered.

The model alone manages a few hundred short posts a second, so it sees only texts with two
capitalised words in a row, with only the pipes its NER needs. It also tags parties,
organisations and single first names as PERSON; a span is kept only if it is two or more
capitalised words, none a party, weekday, place or function word, and no digit.
"""

from __future__ import annotations

import spacy
from presidio_analyzer import EntityRecognizer, RecognizerResult
from presidio_analyzer.nlp_engine import NlpArtifacts

from seula.privacy.recognizers.first_names import NOT_SURNAMES
from seula.privacy.recognizers.political import PARTY_STEMS

_NEEDED = ("tok2vec", "ner")
MODEL_RECOGNIZER = "ModelNameRecognizer"


def _capitalised_pair(text: str) -> bool:
    """Two capitalised words in a row: where a full name can stand."""
    words = text.split()
    return any(a[:1].isupper() and b[:1].isupper() for a, b in zip(words, words[1:]))


def _person(span: str) -> bool:
    words = span.split()
    return (len(words) >= 2 and all(w[:1].isupper() and not w.isupper() for w in words)
            and not any(c.isdigit() for c in span)
            and not any(w.lower().strip(":.,") in NOT_SURNAMES or w.lower().startswith(PARTY_STEMS) for w in words))


class ModelNameRecognizer(EntityRecognizer):
    def __init__(self, model: str, supported_language: str = "fi") -> None:
        self.model = model
        self._nlp: spacy.language.Language | None = None
        self._found: dict[str, list[tuple[int, int]]] = {}
        super().__init__(supported_entities=["PERSON"], supported_language=supported_language,
                         name=MODEL_RECOGNIZER)

    def load(self) -> None:  # the model is loaded when first needed: building an engine stays fast
        pass

    def _pipeline(self) -> spacy.language.Language:
        if self._nlp is None:
            every = spacy.util.get_model_meta(spacy.util.get_package_path(self.model)).get("pipeline", [])
            self._nlp = spacy.load(self.model, exclude=[p for p in every if p not in _NEEDED])
        return self._nlp

    def _people(self, doc: spacy.tokens.Doc) -> list[tuple[int, int]]:
        return [(e.start_char, e.end_char) for e in doc.ents if e.label_ in ("PERSON", "PER") and _person(e.text)]

    def candidate_posts(self, texts: list[str]) -> list[int]:
        """The texts with two capitalised words in a row; the model reads them all at once here."""
        chosen = [i for i, text in enumerate(texts) if _capitalised_pair(text)]
        todo = list(dict.fromkeys(texts[i] for i in chosen))
        self._found.clear()  # it bridges one batch's look-up and its per-post calls, no more
        for text, doc in zip(todo, self._pipeline().pipe(todo, batch_size=64)):
            self._found[text] = self._people(doc)
        return chosen

    def analyze(self, text: str, entities: list[str], nlp_artifacts: NlpArtifacts | None = None) -> list[RecognizerResult]:
        if not _capitalised_pair(text):
            return []
        spans = self._found.pop(text, None)
        if spans is None:
            spans = self._people(self._pipeline()(text))
        return [RecognizerResult("PERSON", a, b, 0.85, recognition_metadata={
            RecognizerResult.RECOGNIZER_NAME_KEY: self.name, RecognizerResult.RECOGNIZER_IDENTIFIER_KEY: self.id})
            for a, b in spans]
