"""Election-candidate registers: a candidate's party is manifestly public (GDPR Art. 9(2)(e))."""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

from seula.privacy.recognizers.political import PARTIES

COLUMNS = ("name", "handle", "party", "election")


class CandidateRegisterError(Exception):
    """The register file is missing, malformed or names an unknown party."""


@dataclass(frozen=True)
class Candidate:
    name: str
    handle: str
    party: str
    election: str


class CandidateRegister:
    def __init__(self, candidates: list[Candidate]) -> None:
        self.by_handle = {c.handle.lower(): c for c in candidates}

    @classmethod
    def load(cls, path: Path) -> CandidateRegister:
        try:
            with open(path, newline="", encoding="utf-8") as fh:
                reader = csv.DictReader(fh)
                missing = set(COLUMNS) - set(reader.fieldnames or [])
                if missing:
                    raise CandidateRegisterError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
                rows = list(reader)
        except OSError as exc:
            raise CandidateRegisterError(f"{path}: cannot read ({exc.strerror})") from None
        candidates = []
        for line, row in enumerate(rows, start=2):
            party = (row["party"] or "").strip().upper()
            if party not in PARTIES:
                raise CandidateRegisterError(f"{path}:{line}: unknown party code {party!r} (use one of {', '.join(PARTIES)})")
            candidates.append(Candidate(row["name"].strip(), row["handle"].strip().lstrip("@"), party, row["election"].strip()))
        return cls(candidates)

    def get(self, handle: str) -> Candidate | None:
        return self.by_handle.get(handle.lower().lstrip("@"))
