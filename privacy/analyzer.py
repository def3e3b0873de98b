"""The Presidio AnalyzerEngine Seula uses, for Finnish, Swedish and English, offline.

Each language's engine pipeline is a blank spaCy one (made on first use and kept under the
data folder): pattern and gazetteer recognizers need only tokens. Where a spaCy model with
named-entity recognition is installed (the ``[nlp]`` extra's ``spacy_fi_experimental_web_md``,
``fi_core_news_*``, ``sv_core_news_*``, ``en_core_web_*``, or the ones named in
``SEULA_SPACY_MODELS="fi=…,en=…"``), its NER adds PERSON findings through
``ModelNameRecognizer``, on the texts where a name can be. ``SEULA_SPACY_MODELS=blank`` turns
the models off.
"""

from __future__ import annotations

import gc
import os

import spacy
from presidio_analyzer import AnalyzerEngine, EntityRecognizer, RecognizerRegistry
from presidio_analyzer.nlp_engine import NlpEngineProvider
from presidio_analyzer.predefined_recognizers import (
    FiPersonalIdentityCodeRecognizer,
    IpRecognizer,
    UrlRecognizer,
)

from seula.lake.home import seula_home
from seula.privacy.gazetteer import Gazetteer
from seula.privacy.lang import SERVED
from seula.privacy.recognizers import (
    FirstNameRecognizer,
    KeyedNameRecognizer,
    MentionRecognizer,
    ModelNameRecognizer,
    PoliticalAffiliationRecognizer,
    SeulaCreditCardRecognizer,
    SeulaEmailRecognizer,
    SeulaIbanRecognizer,
    SeulaPhoneRecognizer,
)

LANGUAGES = SERVED
DEFAULT_MODELS = {"fi": ("fi_core_news_lg", "fi_core_news_md", "spacy_fi_experimental_web_md", "fi_core_news_sm"),
                  "sv": ("sv_core_news_lg", "sv_core_news_md", "sv_core_news_sm"),
                  "en": ("en_core_web_lg", "en_core_web_md", "en_core_web_sm")}
ENTITIES = ("EMAIL_ADDRESS", "PHONE_NUMBER", "FI_PERSONAL_IDENTITY_CODE", "IBAN_CODE", "URL", "IP_ADDRESS",
            "CREDIT_CARD", "PERSON", "MENTION", "POLITICAL_AFFILIATION")


def _models() -> dict[str, str | None]:
    """Installed model per language, or None for a blank pipeline."""
    setting = os.environ.get("SEULA_SPACY_MODELS", "")
    if setting == "blank":
        return {lang: None for lang in LANGUAGES}
    chosen = dict(pair.split("=", 1) for pair in setting.split(",") if "=" in pair)
    return {
        lang: chosen.get(lang) or next((m for m in DEFAULT_MODELS[lang] if spacy.util.is_package(m)), None)
        for lang in LANGUAGES
    }


def models_in_use() -> str:
    """The name models this process sieves with (package and version per language; empty for
    blank pipelines): what stored text was read by, for ``flows.collect.resieve_stored_text``."""
    return ",".join(f"{lang}={model}-{spacy.util.get_package_version(model)}"
                    for lang, model in sorted(_models().items()) if model)


def _blank(lang: str) -> str:
    path = seula_home() / "nlp" / f"blank-{lang}"
    if not (path / "config.cfg").exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        spacy.blank(lang).to_disk(path)
    return str(path)


def recognizers(lang: str, names: Gazetteer | None, model: str | None) -> list[EntityRecognizer]:
    """Seula's recognizer set for one language (the US-only and noisy defaults left out)."""
    found: list[EntityRecognizer] = [
        SeulaEmailRecognizer(supported_language=lang),
        UrlRecognizer(supported_language=lang),
        IpRecognizer(supported_language=lang),
        SeulaCreditCardRecognizer(supported_language=lang),
        SeulaIbanRecognizer(supported_language=lang),
        FiPersonalIdentityCodeRecognizer(supported_language=lang),
        SeulaPhoneRecognizer(supported_language=lang),
        MentionRecognizer(supported_language=lang),
        PoliticalAffiliationRecognizer(supported_language=lang),
        FirstNameRecognizer(supported_language=lang),  # names nobody collected (without a model)
    ]
    if names is not None:
        found.append(KeyedNameRecognizer(names.resolve, names.starts, supported_language=lang, starting=names.starting))
    if model is not None:
        found.append(ModelNameRecognizer(model, supported_language=lang))
    return found


def build_analyzer(names: Gazetteer | None = None) -> AnalyzerEngine:
    """An engine for fi, sv and en; ``names`` is the gazetteer PERSON findings come from."""
    models = _models()
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy",
        "models": [{"lang_code": lang, "model_name": _blank(lang)} for lang in LANGUAGES],
    })
    registry = RecognizerRegistry(supported_languages=list(LANGUAGES))
    for lang in LANGUAGES:
        for recognizer in recognizers(lang, names, models[lang]):
            registry.add_recognizer(recognizer)
    return AnalyzerEngine(registry=registry, nlp_engine=provider.create_engine(), supported_languages=list(LANGUAGES))


_shared: dict[str, AnalyzerEngine] = {}


def shared_analyzer(names: Gazetteer) -> AnalyzerEngine:
    """One engine per process (building one takes a second), its gazetteer set to ``names``.

    Runs are sequential within a process, so re-pointing the name recognizers is safe.
    """
    if "engine" not in _shared:
        _shared["engine"] = build_analyzer(Gazetteer.from_names([]))
        # The engine, spaCy and their regexes live as long as the process: moving them out of
        # the collector's sight keeps each full collection from walking them again (tens of
        # milliseconds per collection, and the sieve triggers one every few thousand posts).
        gc.freeze()
    engine = _shared["engine"]
    for rec in engine.registry.recognizers:
        if isinstance(rec, KeyedNameRecognizer):
            rec.resolve, rec.starts, rec.starting = names.resolve, names.starts, names.starting
    return engine
