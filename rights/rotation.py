"""``seula keys rotate``: re-key one engagement's pseudonyms (DESIGN invariant 2).

Raw ids are never stored, so new pseudonyms cannot be made from them: a rotation instead
passes every stored pseudonym and identity-index token through a keyed function of a fresh
random secret (``privacy.pseudonyms.rekey``), and later collections derive theirs through
the same chain. Pseudonyms in anything exported before the rotation (data packages,
archives) can then no longer be matched with the lake, with later exports or, from a
platform id, by anyone who learns the master key alone.

The secret is kept outside the lake, beside the master key; the lake records how many
secrets apply to it, so the data folder's swap (``lake.rekey``) and the switch of keys are
one step. The register's targets, the export log's references and the checkpoints are
re-keyed around it: new values are added before the swap and old ones dropped after, so a
crash leaves extra values that match nothing, never missing ones. Erasures made before the
rotation keep holding: the sieve checks every generation of a pseudonym against the
suppression list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyarrow as pa

from seula.lake.checkpoints import Checkpoints
from seula.lake.exports import ExportLog
from seula.lake.rekey import rekey_engagement
from seula.lake.store import Lake
from seula.lake.subjects import PID
from seula.privacy.keys import add_rotation, engagement_key, master_secret, rotations
from seula.privacy.pseudonyms import Pseudonymiser, rekey
from seula.rights.register import person_ref
from seula.rights.store import checked_rights_key, pseudonymiser, register
from seula.rights.targets import Targets


def rotate(home: Path, engagement: str) -> int:
    """Re-key ``engagement``; returns the files rewritten."""
    lake = Lake(home)
    current = pseudonymiser(lake, engagement)  # refuses a wrong master key first
    generation = len(current.rekeys)
    secrets = rotations(home, engagement)
    if len(secrets) == generation:  # else a rotation killed before its swap left one unused
        secrets = add_rotation(home, engagement)
    secret = secrets[generation]
    after = Pseudonymiser(engagement_key(master_secret(home), engagement), tuple(secrets[: generation + 1]))

    def pid(value: str) -> str:
        return value[:2] + rekey(secret, value[2:])

    def token(value: str) -> str:
        return rekey(secret, value)

    key = checked_rights_key(home)
    reg = register(home)
    with reg.lock():
        requests = reg.load()
        before = {r.id: r.targets for r in requests if r.targets and engagement in r.targets.pids}
        for r in requests:
            if r.id in before:
                r.targets = before[r.id].merge(_rekeyed(before[r.id], engagement, pid, token))  # type: ignore[union-attr]
        reg.save(requests)
        stored = _pseudonyms(lake, engagement)
        ExportLog(home).add_refs({person_ref(key, engagement, p): person_ref(key, engagement, pid(p)) for p in stored})
        written = rekey_engagement(lake, engagement, pid, token,
                                   {"fingerprint": after.fingerprint(), "generation": generation + 1})
        for r in requests:
            if r.id in before:
                old = before[r.id]
                assert old is not None
                new = _rekeyed(old, engagement, pid, token)
                r.targets = Targets(old.platform, {**old.pids, **new.pids}, {**old.posts, **new.posts},
                                    {**old.tokens, **new.tokens}, old.ids, old.handles, old.names)
        reg.save(requests)
    Checkpoints(home, engagement).rekey_sources(token)
    return written


def _pseudonyms(lake: Lake, engagement: str) -> set[str]:
    """Every pseudonym stored in the engagement, in any column, list or text."""
    found: set[str] = set()
    for table in lake.tables(engagement):
        data = lake.read(engagement, table)
        for field in data.schema:
            if pa.types.is_string(field.type):
                found.update(PID.findall("\n".join(v for v in data[field.name].to_pylist() if v)))
            elif pa.types.is_list(field.type) and pa.types.is_string(field.type.value_type):
                found.update(PID.findall("\n".join(v for row in data[field.name].to_pylist() if row for v in row if v)))
    return found


def _rekeyed(t: Targets, engagement: str, pid: Callable[[str], str], token: Callable[[str], str]) -> Targets:
    """The engagement's part of ``t``, re-keyed."""
    return Targets(t.platform, {engagement: [pid(p) for p in t.pids.get(engagement, [])]},
                   {engagement: [pid(p) for p in t.posts.get(engagement, [])]},
                   {engagement: [k + ":" + token(v) for k, v in (x.split(":", 1) for x in t.tokens.get(engagement, []))]})
