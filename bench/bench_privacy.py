"""The privacy pass against plain Presidio, side by side, on three corpora.

The anchor is Presidio as a user gets it: an ``AnalyzerEngine`` with its default recognizers
for each post's language (fi, sv or en) and a blank spaCy pipeline, one post at a time. Beside
it: per-post Presidio with Seula's recognizer set (whose findings the batch route must equal),
Seula's batch detection, the whole privacy pass, and the floor: one vectorised RE2 scan
(``pyarrow.compute``) over the same texts for the shapes the patterns look for.

``labelled``: the evaluation corpus (tests/data, 1,400 distinct posts), where nearly every post
holds something to find: the worst case for a route that saves its time on posts with nothing
in them.
``collected``: every text of the sample engagement's two synthetic worlds (X posts, Facebook
posts and comments), the mix a collection run feeds the pass.
``formats``: the formats corpus (tests/data, 1,800 posts in fi, sv and en, values written as
people write them, names of people nobody collected).

Run: .venv/bin/python bench/bench_privacy.py [labelled|collected|formats]   (figures go to bench/README.md by hand)
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SEULA_HOME", tempfile.mkdtemp(prefix="seula-bench-"))
os.environ.setdefault("TLDEXTRACT_PUBLIC_SUFFIX_LIST_URLS", "")

import pyarrow as pa  # noqa: E402
import pyarrow.compute as pc  # noqa: E402
import spacy  # noqa: E402
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry  # noqa: E402
from presidio_analyzer.nlp_engine import NlpEngineProvider  # noqa: E402

from seula.privacy.analyzer import _blank, build_analyzer  # noqa: E402
from seula.privacy.analyzer import _shared as shared_engines  # noqa: E402
from seula.privacy.detect import Detector  # noqa: E402
from seula.privacy.gazetteer import Gazetteer  # noqa: E402
from seula.privacy.lang import SERVED, detect_lang, served  # noqa: E402
from seula.privacy.policy import PublishabilityPolicy  # noqa: E402
from seula.privacy.pseudonyms import Pseudonymiser  # noqa: E402
from seula.privacy.recognizers import phone  # noqa: E402
from seula.privacy.recognizers.phone import _matches  # noqa: E402
from seula.privacy.sieve import Sieve  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy_eval.jsonl"
FORMATS = CORPUS.with_name("formats_eval.jsonl")
MODEL = "spacy_fi_experimental_web_md"  # the [nlp] extra's
# The shapes every pattern type begins with, in one RE2 pattern: what no detector can skip.
FLOOR = r"@\w|\w[.(\[]?(?:at|@)[)\]]?\w|\+?\d[\d ()/-]{6,}\d|[A-Za-z]{2}\d{2}[ ]?[A-Za-z0-9]{4}|https?://|www\.|\p{Lu}\p{Ll}+ \p{Lu}\p{Ll}+"


def plain_presidio() -> AnalyzerEngine:
    """Presidio as it comes: its default recognizers for fi, sv and en, blank spaCy pipelines."""
    provider = NlpEngineProvider(nlp_configuration={
        "nlp_engine_name": "spacy", "models": [{"lang_code": lang, "model_name": _blank(lang)} for lang in SERVED]})
    registry = RecognizerRegistry(supported_languages=list(SERVED))
    registry.load_predefined_recognizers(languages=list(SERVED))
    return AnalyzerEngine(registry=registry, nlp_engine=provider.create_engine(), supported_languages=list(SERVED))


def labelled() -> tuple[list[str], list[str], list[str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[1:]]  # once each: the pass shares work between equal texts
    return [r["text"] for r in records], [r["lang"] for r in records], json.loads(lines[0])["gazetteer"]


def formats() -> tuple[list[str], list[str], list[str]]:
    records = [json.loads(line) for line in FORMATS.read_text(encoding="utf-8").splitlines()]
    return [r["text"] for r in records], [r["lang"] for r in records], []


def collected() -> tuple[list[str], list[str], list[str]]:
    from seula.emulators.facebook.world import build_world as build_fb_world
    from seula.emulators.x.world import build_world

    x, fb = build_world(), build_fb_world()
    texts = [p.text for p in x.posts] + [p.message for p in fb.posts] + [c.message for c in fb.comments]
    langs = [p.lang for p in x.posts] + [detect_lang(t) for t in texts[len(x.posts):]]
    names = [a.name for a in x.accounts.values()] + [u.name for u in fb.users.values()]
    return texts, langs, names


def best(run: Callable[[], object], times: int = 5) -> float:
    """The fastest of a few runs, in seconds: this shared machine's noise only ever adds. Each
    starts cold: the phone matcher's cache (and the pseudonyms') would otherwise hold the
    previous run's answers for the very same texts, which no real run ever has."""
    timings = []
    for _ in range(times):
        _matches.cache_clear()
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def phone_matcher_alone(sieve: Sieve, texts: list[str], langs: list[str]) -> float:
    """The seconds ``phonenumbers``' matcher alone takes over the distinct stretches of digits
    the pass asks it about (recorded from one cold pass): a floor under the pass as long as
    phone numbers are the library's to find."""
    asked: list[tuple[str, str, int]] = []
    matcher = phone._matches.__wrapped__
    phone._matches = lambda window, region, leniency: asked.append((window, region, leniency)) or matcher(window, region, leniency)
    try:
        sieve.pseudo.token.cache_clear()
        sieve.clean_texts("x", list(texts), list(langs))
    finally:
        phone._matches = _matches
    distinct = list(dict.fromkeys(asked))  # the pass's cache answers a repeated stretch
    return best(lambda: [matcher(*call) for call in distinct])


def model_route(texts: list[str], langs: list[str], names: list[str]) -> None:
    """The Finnish posts with the [nlp] extra's model: Presidio with the model as its NLP engine
    (its default recognizers, its spaCy NER on every post) against the pass with the model's
    NER on the posts where a name can stand."""
    fi = [t for t, lang in zip(texts, langs) if lang == "fi"]
    provider = NlpEngineProvider(nlp_configuration={"nlp_engine_name": "spacy", "models": [
        {"lang_code": "fi", "model_name": MODEL}]})
    registry = RecognizerRegistry(supported_languages=["fi"])
    registry.load_predefined_recognizers(languages=["fi"], nlp_engine=provider.create_engine())
    presidio = AnalyzerEngine(registry=registry, nlp_engine=provider.create_engine(), supported_languages=["fi"])
    presidio.analyze(fi[0], language="fi")
    anchor_s = best(lambda: [presidio.analyze(text, language="fi") for text in fi], times=1)
    os.environ.pop("SEULA_SPACY_MODELS")
    shared_engines.clear()  # the next sieve's engine has the model
    sieve = Sieve("bench", Pseudonymiser(b"k" * 32), PublishabilityPolicy(set()))
    for name in names:
        sieve._learn("x", name, name.replace(" ", "_").lower(), name, [])
    sieve.clean_texts("x", fi[:200], ["fi"] * 200)
    pass_s = best(lambda: (sieve.pseudo.token.cache_clear(), sieve.clean_texts("x", list(fi), ["fi"] * len(fi))), times=3)
    print(f"model route, {len(fi)} Finnish posts ({MODEL}):")
    print(f"  Presidio with the model (default recognizers, NER on every post): {len(fi) / anchor_s:8,.0f} posts/s (1x)")
    print(f"  privacy pass, NER where a name can stand                        : {len(fi) / pass_s:8,.0f} posts/s "
          f"({anchor_s / pass_s:.1f}x)")


def main() -> None:
    corpus = sys.argv[1] if len(sys.argv) > 1 else "labelled"
    os.environ["SEULA_SPACY_MODELS"] = "blank"  # the default route first: no model
    texts, langs, names = {"labelled": labelled, "collected": collected, "formats": formats}[corpus]()
    langs = [served(lang, text) for text, lang in zip(texts, langs)]
    detector = Detector(build_analyzer(Gazetteer.from_names(names)))
    detector.analyze_batch(texts[:200], langs[:200])  # warm both routes: compiled patterns, caches
    detector.analyze(texts[0], langs[0])

    presidio = plain_presidio()
    presidio.analyze(texts[0], language=langs[0])
    anchor_s = best(lambda: [presidio.analyze(text, language=lang) for text, lang in zip(texts, langs)], times=3)
    plain_s = best(lambda: [detector.analyzer.analyze(text, language=lang) for text, lang in zip(texts, langs)], times=3)
    column = pa.array(texts)
    floor_s = best(lambda: pc.match_substring_regex(column, FLOOR))
    batch_s = best(lambda: detector.analyze_batch(texts, langs))

    sieve = Sieve("bench", Pseudonymiser(b"k" * 32), PublishabilityPolicy(set()))
    for name in names:  # the people the pass must pseudonymise, as the sieve knows them
        sieve._learn("x", name, name.replace(" ", "_").lower(), name, [])
    sieve.clean_texts("x", texts[:200], langs[:200])  # warm it as the detector was: its engine, compiled patterns
    pass_s = best(lambda: (sieve.pseudo.token.cache_clear(), sieve.clean_texts("x", list(texts), list(langs))))
    batch = detector.analyze_batch(texts, langs)
    matcher_s = phone_matcher_alone(sieve, texts, langs)

    same = batch == [detector.analyze(t, l) for t, l in zip(texts, langs)]
    n = len(texts)
    print(f"{corpus}: {n} posts; batch findings identical to per-post Presidio: {same}")
    print(f"plain Presidio (default recognizers)  : {n / anchor_s:8,.0f} posts/s  (1x, the anchor)")
    print(f"per-post Presidio, Seula's recognizers: {n / plain_s:8,.0f} posts/s  ({anchor_s / plain_s:.1f}x)")
    print(f"batch detection                       : {n / batch_s:8,.0f} posts/s  ({anchor_s / batch_s:.1f}x)")
    print(f"privacy pass (detect+redact+pseudo)   : {n / pass_s:8,.0f} posts/s  ({anchor_s / pass_s:.1f}x)")
    print(f"floor: one RE2 scan (pyarrow.compute) : {n / floor_s:8,.0f} posts/s  ({anchor_s / floor_s:.0f}x; "
          f"the pass takes {pass_s / floor_s:.0f}x the floor's time)")
    print(f"the phonenumbers matcher alone        : {n / matcher_s:8,.0f} posts/s  ({anchor_s / matcher_s:.1f}x: the most "
          f"any pass that asks it about the same stretches of digits can reach)")
    if spacy.util.is_package(MODEL):
        model_route(texts, langs, names)


if __name__ == "__main__":
    main()
