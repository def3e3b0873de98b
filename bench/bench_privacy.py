"""The privacy pass against plain per-post Presidio, side by side, on two corpora.

``labelled``: the evaluation corpus (tests/data, 1,400 distinct posts), where nearly every post
holds something to find: the worst case for a route that saves its time on posts with nothing
in them.
``collected``: every text of the sample engagement's two synthetic worlds (X posts, Facebook
posts and comments), the mix a collection run feeds the pass.

Run: .venv/bin/python bench/bench_privacy.py [labelled|collected]   (figures go to bench/README.md by hand)
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

from privacy.analyzer import build_analyzer  # noqa: E402
from privacy.detect import Detector  # noqa: E402
from privacy.gazetteer import Gazetteer  # noqa: E402
from privacy.lang import detect_lang  # noqa: E402
from privacy.policy import PublishabilityPolicy  # noqa: E402
from privacy.pseudonyms import Pseudonymiser  # noqa: E402
from privacy.sieve import Sieve  # noqa: E402

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "privacy_eval.jsonl"


def labelled() -> tuple[list[str], list[str], list[str]]:
    lines = CORPUS.read_text(encoding="utf-8").splitlines()
    records = [json.loads(line) for line in lines[1:]]  # once each: the pass shares work between equal texts
    return [r["text"] for r in records], [r["lang"] for r in records], json.loads(lines[0])["gazetteer"]


def collected() -> tuple[list[str], list[str], list[str]]:
    from collectors.facebook.world import build_world as build_fb_world
    from collectors.x.world import build_world

    x, fb = build_world(), build_fb_world()
    texts = [p.text for p in x.posts] + [p.message for p in fb.posts] + [c.message for c in fb.comments]
    langs = [p.lang for p in x.posts] + [detect_lang(t) for t in texts[len(x.posts):]]
    names = [a.name for a in x.accounts.values()] + [u.name for u in fb.users.values()]
    return texts, langs, names


def best(run: Callable[[], object], times: int = 5) -> float:
    """The fastest of a few runs, in seconds: this shared machine's noise only ever adds."""
    timings = []
    for _ in range(times):
        start = time.perf_counter()
        run()
        timings.append(time.perf_counter() - start)
    return min(timings)


def main() -> None:
    corpus = sys.argv[1] if len(sys.argv) > 1 else "labelled"
    texts, langs, names = {"labelled": labelled, "collected": collected}[corpus]()
    detector = Detector(build_analyzer(Gazetteer.from_names(names)))
    detector.analyze_batch(texts[:200], langs[:200])  # warm both routes: compiled patterns, caches
    detector.analyze(texts[0], langs[0])

    plain_s = best(lambda: [detector.analyzer.analyze(text, language=lang) for text, lang in zip(texts, langs)])
    batch_s = best(lambda: detector.analyze_batch(texts, langs))

    sieve = Sieve("bench", Pseudonymiser(b"k" * 32), PublishabilityPolicy(set()))
    for name in names:  # the people the pass must pseudonymise, as the sieve knows them
        sieve._learn("x", name, name.replace(" ", "_").lower(), name, [])
    sieve.clean_texts("x", texts[:200], langs[:200])  # warm it as the detector was: its engine, compiled patterns
    pass_s = best(lambda: sieve.clean_texts("x", list(texts), list(langs)))
    batch = detector.analyze_batch(texts, langs)

    same = batch == [detector.analyze(t, l) for t, l in zip(texts, langs)]
    n = len(texts)
    print(f"{corpus}: {n} posts; batch findings identical to per-post Presidio: {same}")
    print(f"plain per-post AnalyzerEngine.analyze : {n / plain_s:8,.0f} posts/s")
    print(f"batch detection                      : {n / batch_s:8,.0f} posts/s  ({plain_s / batch_s:.1f}x)")
    print(f"privacy pass (detect+redact+pseudo)  : {n / pass_s:8,.0f} posts/s  ({plain_s / pass_s:.1f}x)")


if __name__ == "__main__":
    main()
