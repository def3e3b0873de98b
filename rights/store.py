"""The rights room's stores, keyed and checked: the register, the suppression list, and the
engagement pseudonymisers requests are resolved with.

Every one of them refuses a master key other than the one it was written with: under a
wrong key an erasure would resolve to pseudonyms nobody has and close with nothing done.
"""

from __future__ import annotations

from pathlib import Path

from seula.lake.files import read_json, write_json_atomic
from seula.lake.store import Lake
from seula.privacy.keys import (KeyMaterialError, check_fingerprint, engagement_key, fingerprint, master_secret, rights_key,
                          rotations, rotations_file)
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.redact import scrub
from seula.rights.register import RequestsRegister
from seula.rights.suppression import SuppressionList


def checked_rights_key(home: Path) -> bytes:
    key = rights_key(master_secret(home))
    path = home / "rights" / "key.json"
    recorded, expected = read_json(path, {}).get("fingerprint"), fingerprint(key)
    check_fingerprint(recorded, expected, "the requests register")
    if recorded is None:
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_json_atomic({"fingerprint": expected}, path)
    return key


def pseudonymiser(lake: Lake, engagement: str) -> Pseudonymiser:
    """The engagement's pseudonymiser (its key and rotations), after checking it is the one its
    lake was written with; the first write of a new engagement records it."""
    record = lake.key_record(engagement)
    generation = int(record.get("generation", 0))
    rekeys = rotations(lake.home, engagement)
    if len(rekeys) < generation:
        raise KeyMaterialError(f"the lake of engagement {engagement!r} was re-keyed {generation} time(s) but "
                               f"{rotations_file(lake.home, engagement)} holds {len(rekeys)} rotation key(s): restore it")
    pseudo = Pseudonymiser(engagement_key(master_secret(lake.home), engagement), tuple(rekeys[:generation]))
    check_fingerprint(record.get("fingerprint"), pseudo.fingerprint(), f"the lake of engagement {engagement!r}")
    if "fingerprint" not in record:
        lake.record_key(engagement, {"fingerprint": pseudo.fingerprint(), "generation": generation})
    return pseudo


def register(home: Path) -> RequestsRegister:
    return RequestsRegister(home, checked_rights_key(home), clean_text=scrub)


def suppression(home: Path) -> SuppressionList:
    return SuppressionList(home, checked_rights_key(home))
