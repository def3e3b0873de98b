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
import pyarrow.compute as pc

from seula.lake import schema
from seula.privacy.candidates import CandidateRegister
from seula.privacy.detect import Detector, Finding
from seula.privacy.lang import detect_lang
from seula.privacy.redact import PLACEHOLDERS

_TYPE_OF = {v: k for k, v in PLACEHOLDERS.items()} | {"<URL>": "URL"}
_STORED = re.compile(r"<(?:EMAIL|PHONE|HETU|IBAN|CARD|IP|URL)>|(?<![@\w])u_[0-9a-f]{20}\b")


def _stored_findings(text: str) -> list[Finding]:
    """Placeholders and bare pseudonyms (names that were replaced) in sieved text."""
    return [
        Finding(m.start(), m.end(), _TYPE_OF.get(m.group(), "PERSON"), 1.0)
        for m in _STORED.finditer(text)
    ]


def _rows(subject: str, field: str, pids: list[str], texts: list[str], found: list[list[Finding]]) -> list[dict]:
    return [
        {"subject": subject, "subject_pid": pid, "field": field, "entity_type": f.entity_type, "start": f.start,
         "end": f.end, "score": f.score, "party": f.party, "self_declared": f.self_declared}
        for pid, text, hits in zip(pids, texts, found) for f in sorted({*hits, *_stored_findings(text)})
    ]


def of_posts(detector: Detector, posts: pa.Table) -> pa.Table:
    """The findings in posts' stored text: a function of each post alone (see ``derive``)."""
    rows = posts.select(["post_pid", "text", "lang"]).to_pylist()
    texts = [r["text"] or "" for r in rows]
    found = detector.analyze_batch(texts, [r["lang"] or detect_lang(t) for r, t in zip(rows, texts)])
    return pa.Table.from_pylist(_rows("post", "text", [r["post_pid"] for r in rows], texts, found), schema=schema.FINDINGS)


def of_accounts(detector: Detector, accounts: pa.Table) -> pa.Table:
    """The findings in accounts' stored descriptions."""
    rows = accounts.select(["account_pid", "description"]).to_pylist()
    texts = [r["description"] or "" for r in rows]
    found = detector.analyze_batch(texts, [detect_lang(t) for t in texts])
    return pa.Table.from_pylist(_rows("account", "description", [r["account_pid"] for r in rows], texts, found),
                                schema=schema.FINDINGS)


def affiliations(findings: pa.Table, author_of: dict[str, str | None], accounts: pa.Table,
                 register: CandidateRegister) -> pa.Table:
    """The sensitive-data gate: parties kept about an account only when manifestly public."""
    kept: dict[tuple[str, str], dict] = {}
    for f in findings.filter(pc.equal(findings["entity_type"], "POLITICAL_AFFILIATION")).to_pylist():
        if f["party"] is None:
            continue
        if f["subject"] == "account":
            kept.setdefault((f["subject_pid"], f["party"]), {"basis": "own public profile", "evidence_pid": None})
        elif f["self_declared"] and author_of.get(f["subject_pid"]):
            kept.setdefault((author_of[f["subject_pid"]], f["party"]),  # type: ignore[index]
                            {"basis": "self-declared in own post", "evidence_pid": f["subject_pid"]})
    for r in accounts.select(["account_pid", "handle"]).to_pylist():
        candidate = register.get(r["handle"]) if r["handle"] else None
        if candidate is not None:
            kept[(r["account_pid"], candidate.party)] = {"basis": f"candidate register: {candidate.election}", "evidence_pid": None}
    return pa.Table.from_pylist([{"account_pid": a, "party": p, **v} for (a, p), v in sorted(kept.items())],
                                schema=schema.AFFILIATIONS)


def derive(detector: Detector, posts: pa.Table, accounts: pa.Table, register: CandidateRegister) -> tuple[pa.Table, pa.Table]:
    """Findings and affiliations of a whole engagement at once."""
    findings = pa.concat_tables([of_posts(detector, posts), of_accounts(detector, accounts)])
    author_of = dict(zip(posts["post_pid"].to_pylist(), posts["author_pid"].to_pylist()))
    return findings, affiliations(findings, author_of, accounts, register)
