"""Presidio's own recognizer test cases, run against Seula's detector.

The cases are the ``@pytest.mark.parametrize`` lists of Presidio's analyzer tests for
e-mail, URL, IP, credit card, IBAN, Finnish personal identity code and phone numbers,
extracted with ``ast`` into ``tests/data/presidio/cases.json`` (source commit, licence and
how to regenerate: ``tests/data/presidio/README.md``). A case passes when the set of
(start, end) spans Seula finds for the case's entity type equals Presidio's expected set.
Where Presidio gives fewer positions than its expected count (``positions_complete`` is
false: Presidio itself then checks only the positions given), the count must match and the
given positions must be among those found.

Presidio's phone cases test its recognizer under a configuration of their own (its default
regions, JP and CN added in one test; a leniency per case): those run Seula's phone
recognizer under the same configuration, so what is checked is that Seula's own filtering (a number must stand on its
own) loses none of Presidio's findings. Every other case runs Seula's whole analyzer.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SEULA_HOME", tempfile.mkdtemp(prefix="seula-presidio-cases-"))

import pytest
from presidio_analyzer.predefined_recognizers import PhoneRecognizer

from seula.privacy.analyzer import build_analyzer
from seula.privacy.detect import Detector, Finding
from seula.privacy.recognizers import SeulaPhoneRecognizer

CASES_FILE = Path(__file__).parent / "data" / "presidio" / "cases.json"
CASES: list[dict] = json.loads(CASES_FILE.read_text(encoding="utf-8"))
IBAN_CASES = [c for c in CASES if c["file"] == "test_iban_recognizer.py"]


def case_id(case: dict) -> str:
    # test_<name>_recognizer.py, line -> <name>:<line> (lines are unique within a file)
    return f"{case['file'].removeprefix('test_').removesuffix('_recognizer.py')}:{case['line']}"


@pytest.fixture(scope="module")
def findings_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], list[Finding]]:
    """Seula's findings for one English text; the detector is built once, results cached."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SEULA_HOME", str(tmp_path_factory.mktemp("seula-home")))
        detector = Detector(build_analyzer())
    cache: dict[str, list[Finding]] = {}

    def findings(text: str) -> list[Finding]:
        if text not in cache:
            cache[text] = detector.analyze_batch([text], ["en"])[0]
        return cache[text]

    return findings


def test_cases_were_extracted() -> None:
    files = {c["file"] for c in CASES}
    assert len(files) == 7 and all(c["text"] for c in CASES)


# The phone tests' configurations: Presidio's default regions, JP and CN added in one test.
PHONE_REGIONS = {"test_when_all_phones_then_succeed": PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS + ("JP", "CN")}


def _configured_phone(case: dict) -> list[Finding] | None:
    if case["file"] != "test_phone_recognizer.py" or not (case["test"] in PHONE_REGIONS or "leniency" in case["params"]):
        return None
    recognizer = SeulaPhoneRecognizer("en", PHONE_REGIONS.get(case["test"], PhoneRecognizer.DEFAULT_SUPPORTED_REGIONS),
                                      case["params"].get("leniency", 1))
    return [Finding(r.start, r.end, r.entity_type, r.score, None, None)
            for r in recognizer.analyze(case["text"], ["PHONE_NUMBER"])]


@pytest.mark.parametrize("case", CASES, ids=case_id)
def test_presidio_case(case: dict, findings_of: Callable[[str], list[Finding]]) -> None:
    configured = _configured_phone(case)
    findings = findings_of(case["text"]) if configured is None else configured
    found = {(f.start, f.end) for f in findings if f.entity_type == case["entity"]}
    expected = {(s, e) for s, e in case["expected"]}
    detail = (
        f"\ntext:     {case['text']!r}\nexpected: {sorted(expected)} (count {case['expected_len']})"
        f"\nSeula:    {sorted(found)}\nall:      {[(f.entity_type, f.start, f.end) for f in findings]}"
    )
    if case["positions_complete"]:
        assert found == expected, detail
    else:
        assert len(found) == case["expected_len"] and expected <= found, detail


def test_no_credit_card_inside_an_iban(findings_of: Callable[[str], list[Finding]]) -> None:
    inside = []
    for case in IBAN_CASES:
        findings = findings_of(case["text"])
        ibans = [f for f in findings if f.entity_type == "IBAN_CODE"]
        for card in (f for f in findings if f.entity_type == "CREDIT_CARD"):
            if any(i.start <= card.start and card.end <= i.end for i in ibans):
                inside.append(f"{case['text']!r}: CREDIT_CARD {card.start, card.end} inside IBAN_CODE")
    assert inside == [], "\n".join(inside)
