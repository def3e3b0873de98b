"""The model route for names (issue 12): a Finnish spaCy NER model from the ``[nlp]`` extra,
run only on the texts where a full name can stand, its PERSON spans filtered. The test
command installs the extra; without it these tests have nothing to test and say so."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import spacy

from seula.privacy.analyzer import build_analyzer
from seula.privacy.gazetteer import Gazetteer
from seula.privacy.recognizers.model_names import ModelNameRecognizer

MODEL = "spacy_fi_experimental_web_md"
pytestmark = pytest.mark.skipif(not spacy.util.is_package(MODEL), reason="the [nlp] extra (Finnish model) is not installed")
FORMATS = Path(__file__).parent / "data" / "formats_eval.jsonl"


@pytest.fixture(scope="module")
def model() -> ModelNameRecognizer:
    return ModelNameRecognizer(MODEL)


@pytest.fixture(autouse=True)
def model_route(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEULA_SPACY_MODELS", raising=False)  # the suite's default is the route without


def test_the_model_finds_finnish_names_with_recall_and_precision_over_085(model: ModelNameRecognizer) -> None:
    records = [r for r in map(json.loads, FORMATS.read_text(encoding="utf-8").splitlines()) if r["lang"] == "fi"]
    model.candidate_posts([r["text"] for r in records])
    tp = fp = fn = 0
    for r in records:
        gold = {(e["start"], e["end"]) for e in r["entities"] if e["type"] == "PERSON"}
        found = {(x.start, x.end) for x in model.analyze(r["text"], [])}
        tp, fp, fn = tp + len(gold & found), fp + len(found - gold), fn + len(gold - found)
    assert tp + fn >= 100
    assert tp / (tp + fn) >= 0.85 and tp / (tp + fp) >= 0.85, (tp, fp, fn)


@pytest.mark.parametrize("text", ["Kokoomus ja Perussuomalaiset sopivat hallituksesta", "Kiitos Anna!",
                                  "SDP:n Sanna", "Helsingin Sanomat kertoi maanantaina", "Vihreät ja Vasemmistoliitto"])
def test_parties_organisations_and_lone_first_names_are_no_people(model: ModelNameRecognizer, text: str) -> None:
    model.candidate_posts([text])
    assert model.analyze(text, []) == []


def test_the_model_reads_only_texts_where_a_full_name_can_stand(model: ModelNameRecognizer,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    read: list[str] = []
    pipeline = model._pipeline()
    monkeypatch.setattr(model, "_pipeline", lambda: type("Spy", (), {
        "pipe": lambda self, texts, batch_size: [read.append(t) or pipeline(t) for t in texts],
        "__call__": lambda self, text: read.append(text) or pipeline(text)})())
    texts = ["kiitos kaikille tästä päivästä", "Hyvä päivä tänään", "Tapasin Matti Meikäläinen torilla"]
    assert model.candidate_posts(texts) == [2]
    assert read == ["Tapasin Matti Meikäläinen torilla"]
    assert [(r.start, r.end) for r in model.analyze(texts[2], [])] == [(8, 25)]


def test_the_engine_uses_the_model_for_finnish_unless_told_not_to(monkeypatch: pytest.MonkeyPatch) -> None:
    names = lambda engine: {type(r).__name__ for r in engine.registry.recognizers  # noqa: E731
                            if r.supported_language == "fi"}
    assert "ModelNameRecognizer" in names(build_analyzer(Gazetteer.from_names([])))
    monkeypatch.setenv("SEULA_SPACY_MODELS", "blank")
    assert "ModelNameRecognizer" not in names(build_analyzer(Gazetteer.from_names([])))


def test_a_batch_without_the_model_leaves_only_its_names_out() -> None:
    from seula.privacy.detect import Detector

    detector = Detector(build_analyzer(Gazetteer.from_names([])))
    texts = ["Tapasin tänään Aino Kallion torilla, puh. 040 123 4567."]
    with_model, without = detector.analyze_batch(texts, ["fi"])[0], detector.analyze_batch(texts, ["fi"], with_model=False)[0]
    model = [f for f in with_model if f.entity_type == "PERSON" and f.score == 0.85]  # the model's score
    assert model and not [f for f in without if f.score == 0.85]
    assert [f for f in without if f.entity_type != "PERSON"] == [f for f in with_model if f.entity_type != "PERSON"]
