"""Findings and political affiliations, derived from what the lake stores.

Both are functions of the stored (already sieved) text, so their offsets always match it
and a re-sieve or an erasure only needs them derived again. Detection on sieved text sees
placeholders (``<EMAIL>`` …) and pseudonyms where the personal data were; those count as
findings of the type they replaced.

The sensitive-data gate (invariant 5) lives here: an affiliation is kept about an account
only when it is manifestly public — the account's own profile states it, the account
declares it in its own post, or the account is in the engagement's candidate register.
A party named about someone else stays a finding on the post, never a fact about a person.
"""

from __future__ import annotations

import re

import pyarrow as pa

from lake import schema
from privacy.candidates import CandidateRegister
from privacy.detect import Detector, Finding
from privacy.lang import detect_lang
from privacy.redact import PLACEHOLDERS

_TYPE_OF = {v: k for k, v in PLACEHOLDERS.items()} | {"<URL>": "URL"}
_STORED = re.compile(r"<(?:EMAIL|PHONE|HETU|IBAN|CARD|IP|URL)>|(?<![@\w])u_[0-9a-f]{20}\b")


def _stored_findings(text: str) -> list[Finding]:
    """Placeholders and bare pseudonyms (names that were replaced) in sieved text."""
    return [
        Finding(m.start(), m.end(), _TYPE_OF.get(m.group(), "PERSON"), 1.0)
        for m in _STORED.finditer(text)
    ]


def derive(detector: Detector, posts: pa.Table, accounts: pa.Table, register: CandidateRegister) -> tuple[pa.Table, pa.Table]:
    post_rows = posts.select(["post_pid", "author_pid", "text", "lang"]).to_pylist()
    account_rows = accounts.select(["account_pid", "handle", "description", "publishable_reason"]).to_pylist()
    texts = [r["text"] or "" for r in post_rows] + [r["description"] or "" for r in account_rows]
    langs = [r["lang"] or detect_lang(r["text"] or "") for r in post_rows] + [detect_lang(r["description"] or "") for r in account_rows]
    found = detector.analyze_batch(texts, langs)

    findings: list[dict] = []
    affiliations: dict[tuple[str, str], dict] = {}
    subjects = [("post", r["post_pid"], "text", r["author_pid"]) for r in post_rows] + [
        ("account", r["account_pid"], "description", r["account_pid"]) for r in account_rows
    ]
    for (subject, pid, field, person), text, hits in zip(subjects, texts, found):
        hits = sorted({*hits, *_stored_findings(text)})
        for f in hits:
            findings.append({"subject": subject, "subject_pid": pid, "field": field, "entity_type": f.entity_type,
                             "start": f.start, "end": f.end, "score": f.score, "party": f.party,
                             "self_declared": f.self_declared})
            if f.entity_type != "POLITICAL_AFFILIATION" or f.party is None:
                continue
            if subject == "account":
                affiliations.setdefault((person, f.party), {"basis": "own public profile", "evidence_pid": None})
            elif f.self_declared:
                affiliations.setdefault((person, f.party), {"basis": "self-declared in own post", "evidence_pid": pid})
    for r in account_rows:
        candidate = register.get(r["handle"]) if r["handle"] else None
        if candidate is not None:
            affiliations[(r["account_pid"], candidate.party)] = {
                "basis": f"candidate register: {candidate.election}", "evidence_pid": None}
    return (
        pa.Table.from_pylist(findings, schema=schema.FINDINGS),
        pa.Table.from_pylist(
            [{"account_pid": a, "party": p, **v} for (a, p), v in sorted(affiliations.items())], schema=schema.AFFILIATIONS
        ),
    )
