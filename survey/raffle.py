"""A survey's raffle: drawn reproducibly among the respondents who entered it, logged, and its
data deleted once it is closed (the seed lists "arvontoihin liittyvät tiedot" among the data
kept, for the raffle only)."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from seula.lake.files import read_json, write_json_atomic, write_parquet_atomic
from seula.survey.mapping import SurveyError
from seula.survey.store import CONTACTS, _locked, _read, excluded


def draw(home: Path, survey_id: str, winners: int, seed: int, now: datetime | None = None) -> list[dict[str, Any]]:
    """The winners' contact details. The same entrants and seed always draw the same winners:
    entrants are taken in the order of their keyed pseudonyms, not of the file."""
    if winners < 1:
        raise SurveyError("--winners must be at least 1")
    with _locked(home, survey_id) as where:
        state = read_json(where / "raffle.json", {"log": []})
        if state.get("closed_at"):
            raise SurveyError(f"the raffle of {survey_id!r} is closed: its data are deleted")
        contacts = _read(where, "contacts.parquet", CONTACTS).to_pylist()
        out = excluded(home, survey_id)
        entrants = sorted(c["respondent"] for c in contacts if c["raffle"] and c["respondent"] not in out)
        if len(entrants) < winners:
            raise SurveyError(f"{len(entrants)} respondent(s) entered the raffle: cannot draw {winners}")
        picked = random.Random(seed).sample(entrants, winners)
        at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        state["log"].append({"at": at, "action": "drawn", "seed": seed, "entrants": len(entrants), "winners": winners})
        write_json_atomic({**state, "winners": picked, "seed": seed, "drawn_at": at}, where / "raffle.json")
    by_pid = {c["respondent"]: c for c in contacts}
    return [{k: by_pid[p][k] for k in ("respondent", "name", "email", "phone", "address")} for p in picked]


def close(home: Path, survey_id: str, now: datetime | None = None) -> int:
    """Delete the raffle's data: who entered and who won. The log keeps counts and the seed."""
    with _locked(home, survey_id) as where:
        state = read_json(where / "raffle.json", {"log": []})
        contacts = _read(where, "contacts.parquet", CONTACTS)
        entered = sum(bool(v) for v in contacts["raffle"].to_pylist())
        cleared = contacts.set_column(contacts.schema.get_field_index("raffle"), "raffle",
                                      pa.array([False] * contacts.num_rows, pa.bool_()))
        write_parquet_atomic(cleared, where / "contacts.parquet")
        at = (now or datetime.now(UTC)).isoformat(timespec="seconds")
        state["log"].append({"at": at, "action": "closed", "entries deleted": entered})
        write_json_atomic({"log": state["log"], "closed_at": at}, where / "raffle.json")
    return entered
