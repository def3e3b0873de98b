"""Carrying out requests on stored data: before every analysis and export, daily, and for
restrictions at the moment they are filed.

Every run first resolves each open request it may act on to its durable targets and saves
them, before a file changes. An erasure is a journaled operation: its start and targets are
recorded first, it then works file by file (each file swapped atomically), and it is
repeated until its postcondition holds: a scan of every Parquet file of every engagement
finds none of the targets. Only then does the request close. A crash at any point leaves
the request open with its targets, and the next run ends where an uninterrupted one ends.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa

from seula.lake import schema
from seula.lake.exports import ExportLog
from seula.lake.store import Lake
from seula.lake.subjects import EXCLUSIONS, Subjects, blank_clear_identity, erase, remaining, set_exclusions
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.text import first_word
from seula.rights import registers
from seula.rights.register import PROFILE_FIELDS, Identity, Request, RequestError, RequestsRegister, close_record, person_ref
from seula.rights.store import checked_rights_key, pseudonymiser, register, suppression
from seula.rights.suppression import SuppressionList
from seula.rights.targets import Targets, resolve

METRIC_PREFIX = "m_"
DERIVED = ("findings", "affiliations")  # derived from stored text by the privacy layer
ERASURE_PASSES = 3


class ErasureIncomplete(RequestError):
    """An erasure's postcondition does not hold after every pass: the request stays open."""


@dataclass(frozen=True)
class Hooks:
    """What the rights room needs from the engagements it does not own (given by ``flows``)."""

    purpose: Callable[[str], str | None]  # an engagement's purpose; None if its file is gone
    sieve_text: Callable[[str, str, str], str]  # (engagement, platform, text) -> what may be stored
    rederive: Callable[[str], None]  # findings and affiliations of an engagement, again


def subjects(targets: Targets, engagement: str) -> Subjects:
    return Subjects(frozenset(targets.pids_in(engagement)), frozenset(targets.posts.get(engagement, [])),
                    tuple(targets.handles), tuple(targets.names))


def resolve_request(lake: Lake, r: Request) -> None:
    """Grow ``r.targets`` from the lake as it is now (never shrinks them)."""
    if r.identity is None:
        return
    who = r.identity
    r.targets = resolve(lake, lake.engagements(), lambda e: pseudonymiser(lake, e), who.platform or "x",
                        who.user_id, who.handle, r.targets)
    r.targets.registers = registers.merge(r.targets.registers, registers.find(lake.home, who.email, who.phone, who.name))


def _acts_on(r: Request) -> bool:
    return r.status != "closed" and (r.verified or r.type == "restriction")


def apply_all(home: Path, hooks: Hooks) -> dict[str, int]:
    """Carry out every request that is due; failing here fails the caller (analysis, export)."""
    lake = Lake(home)
    reg, supp = register(home), suppression(home)
    engagements = lake.engagements()
    for e in engagements:
        pseudonymiser(lake, e)  # a wrong key would resolve to nobody: refuse before anything
    done = {"erasures": 0, "objections": 0, "restrictions": 0, "rectifications": 0}
    with reg.lock():
        requests = reg.load()
        for r in requests:
            if _acts_on(r):
                resolve_request(lake, r)
        reg.save(requests)  # the targets are durable before any file changes
        erasures = [r for r in requests if r.type == "erasure" and r.verified and r.status == "open"]
        if erasures:
            _erase(lake, reg, supp, requests, erasures, hooks)
            done["erasures"] = len(erasures)
        for r in requests:
            if not (r.verified and r.status == "open"):
                continue
            if r.type == "objection":
                _object(lake, reg, supp, requests, r)
                done["objections"] += 1
            elif r.type == "rectification":
                _rectify(lake, reg, requests, r, hooks)
                done["rectifications"] += 1
        done["restrictions"] = sum(r.type == "restriction" and not r.lifted for r in requests)
        enforce_exclusions(lake, requests, hooks)
        reg.save(requests)
    return done


def _erase(lake: Lake, reg: RequestsRegister, supp: SuppressionList, requests: list[Request], batch: list[Request],
           hooks: Hooks) -> None:
    """Erase every subject of ``batch`` in one pass over the lake (a file holding several of
    them is rewritten once), repeated until none of them is found anywhere; then close each."""
    for r in batch:
        assert r.targets is not None
        if r.erasure_started is None:
            r.erasure_started = datetime.now(UTC).isoformat(timespec="seconds")
            r.log("erasure begun", "targets recorded")
        supp.add_targets(r.targets)  # before any file changes: no collection meanwhile stores them again
        who = r.identity or Identity()
        supp.add_contact_details(*registers.contact_details(lake.home, r.targets.registers, who.email, who.phone))
    reg.save(requests)
    everyone = functools.reduce(Targets.merge, [r.targets for r in batch if r.targets])
    engagements = lake.engagements()
    left: dict[str, dict[str, int]] = {}
    for _ in range(ERASURE_PASSES):
        for e in engagements:
            lake.sweep_temps(e)  # a killed writer's leftovers may hold the person too
            erase(lake, e, subjects(everyone, e))
            drop_derived(lake, e, also=DERIVED)
            excluded = lake.read(e, "exclusions", EXCLUSIONS).to_pylist()  # a restriction of theirs is moot now
            if any(x["pid"] in everyone.pids_in(e) for x in excluded):
                set_exclusions(lake, e, {x["pid"]: x["reason"] for x in excluded if x["pid"] not in everyone.pids_in(e)})
            if hooks.purpose(e) is not None and lake.files(e, "posts"):
                hooks.rederive(e)
        registers.erase(lake.home, everyone.registers)
        left = {e: found for e in engagements if (found := remaining(lake, e, subjects(everyone, e)))}
        for r in batch:
            who = r.identity or Identity()
            if found := registers.remaining(lake.home, everyone.registers, who.email, who.phone, who.name):
                left[f"registers ({r.id})"] = found
        if not left:
            break
    if left:
        where = "; ".join(f"{e}: {', '.join(f'{t} ({n})' for t, n in found.items())}" for e, found in left.items())
        raise ErasureIncomplete(f"{', '.join(r.id for r in batch)}: erasure incomplete after {ERASURE_PASSES} passes, "
                                f"still stored in {where}")
    now = datetime.now(UTC)
    for r in batch:
        assert r.targets is not None
        exports = _exports_holding(lake, r.targets)
        _notify(r, "erased", exports)
        ExportLog(lake.home).discard_copies(exports)  # our own copies of what was sent: they hold the person too
        for other in requests:  # nothing may keep naming the person, not even another request about them
            if other is not r and other not in batch and _same_person(other, r.targets):
                if other.status != "closed":
                    close_record(other, f"subject erased ({r.id})", now)
                other.targets = None
    for r in batch:
        close_record(r, "erased from every engagement; suppressed from future collections", now)
    reg.save(requests)


def _same_person(r: Request, targets: Targets) -> bool:
    if r.targets and any(r.targets.pids_in(e) & targets.pids_in(e) for e in r.targets.pids):
        return True
    if r.targets and set(registers.export_refs(r.targets.registers)) & set(registers.export_refs(targets.registers)):
        return True
    if r.targets and set(r.targets.registers.get("customers", [])) & set(targets.registers.get("customers", [])):
        return True
    who = r.identity
    return who is not None and (who.platform or "x") == targets.platform and (
        (who.user_id is not None and who.user_id in targets.ids)
        or (who.handle is not None and who.handle.lower() in targets.handles))


def drop_derived(lake: Lake, engagement: str, also: tuple[str, ...] = ()) -> None:
    """Drop the metric tables (and ``also``): they may name or count the person, and are
    computed again, without them, when next needed."""
    for table in lake.tables(engagement):
        if table.startswith(METRIC_PREFIX) or table in also:
            lake.drop(engagement, table)


def _object(lake: Lake, reg: RequestsRegister, supp: SuppressionList, requests: list[Request], r: Request) -> None:
    """Never publishable again, and out of marketing engagements (HetiL 30 §, Art. 21)."""
    assert r.targets is not None
    for scope in ("marketing", "objected"):
        supp.add_targets(r.targets, scope)
    for e in lake.engagements():
        for pid in sorted(p for p in r.targets.pids_in(e) if p.startswith("u_")):
            blank_clear_identity(lake, e, pid, r.targets.handles, r.targets.names, f"objected ({r.id})")
        _index_clear_identity(lake, e, r.targets, pseudonymiser(lake, e))
        drop_derived(lake, e)
    r.status = "applied"
    r.log("applied", "never publishable again; excluded from marketing engagements")
    reg.save(requests)


def _index_clear_identity(lake: Lake, engagement: str, targets: Targets, pseudo: Pseudonymiser) -> None:
    """An objector is no longer publishable: the identity index learns their handle and names
    (as keyed hashes), so later text and later requests still find them."""
    accounts = [p for p in sorted(targets.pids_in(engagement)) if p.startswith("u_")]
    if not accounts:
        return
    stored = {r["account_pid"] for r in lake.read(engagement, "accounts", schema.ACCOUNTS.schema,
                                                    columns=["account_pid"]).to_pylist()}
    pid = next((p for p in accounts if p in stored), None)
    if pid is None:
        return
    entries = [("handle", h) for h in targets.handles] + [("name", n) for n in targets.names] + [
        ("first", w) for n in targets.names if (w := first_word(n))]
    rows = [{"engagement": engagement, "platform": targets.platform, "endpoint": "rights/objection", "query": None,
             "collected_at": datetime.now(UTC), "kind": kind, "token_hash": pseudo.token(kind, value), "account_pid": pid}
            for kind, value in entries]
    if rows:
        lake.append(engagement, schema.IDENTITY_INDEX, schema.conform(schema.IDENTITY_INDEX, rows))


def _rectify(lake: Lake, reg: RequestsRegister, requests: list[Request], r: Request, hooks: Hooks) -> None:
    assert r.targets is not None and r.rectification is not None
    field, given = r.rectification["field"], r.rectification["value"]
    registers.rectify(lake.home, r.targets.registers, field, given)
    for e in lake.engagements() if field in PROFILE_FIELDS else ():
        pids = r.targets.pids_in(e)
        value = hooks.sieve_text(e, r.targets.platform, given) if field == "description" else given

        def fix(table: pa.Table, value: str = value) -> pa.Table | None:
            rows = table.to_pylist()
            hit = [row for row in rows if row["account_pid"] in pids and (row["publishable"] or field == "description")]
            for row in hit:
                row[field] = value
            return pa.Table.from_pylist(rows, schema=table.schema) if hit else None

        lake.rewrite(e, schema.ACCOUNTS, fix)
        drop_derived(lake, e)
    _notify(r, "rectified", _exports_holding(lake, r.targets))
    r.status = "applied"
    r.log("applied", f"{field} corrected")
    reg.save(requests)


def enforce_exclusions(lake: Lake, requests: list[Request], hooks: Hooks) -> None:
    """Who every view, derived table and export of each engagement leaves out: restricted
    people (at once, verified or not) and objectors in marketing engagements. Derived tables
    are dropped when the list changes, so none keeps naming or counting someone it must not."""
    for e in lake.engagements():
        excluded: dict[str, str] = {}
        for r in requests:
            if not r.targets:
                continue
            if r.type == "restriction" and not r.lifted:
                excluded.update({p: f"restriction {r.id}" for p in r.targets.pids_in(e)})
            elif r.type == "objection" and r.verified and hooks.purpose(e) == "marketing":
                excluded.update({p: f"objection {r.id}" for p in r.targets.pids_in(e)})
        if set(excluded) != set(lake.read(e, "exclusions", EXCLUSIONS)["pid"].to_pylist()):
            set_exclusions(lake, e, excluded)
            drop_derived(lake, e)
    in_force = [r for r in requests if r.targets and (
        (r.type == "restriction" and not r.lifted) or (r.type == "objection" and r.verified))]
    registers.enforce(lake.home, functools.reduce(registers.merge, [r.targets.registers for r in in_force
                                                                    if r.type == "restriction"], {}),
                      functools.reduce(registers.merge, [r.targets.registers for r in in_force if r.type == "objection"], {}))
    for r in requests:
        if r.type == "restriction" and not r.lifted and r.targets and not any(
                a["action"] == "recipients to notify (Art. 19)" for a in r.audit):
            _notify(r, "restricted", _exports_holding(lake, r.targets))


def _notify(r: Request, what: str, exports: list[dict]) -> None:
    """Art. 19: the recipients of earlier ``exports`` that held the person are to be told."""
    if exports:
        r.notify_recipients = [_recipient(x) for x in exports]
        r.log("recipients to notify (Art. 19)",
              f"{what}: " + "; ".join(f"{x['at']} {', '.join(x['recipients'])}" for x in r.notify_recipients))


def _exports_holding(lake: Lake, targets: Targets) -> list[dict]:
    """The export-log entries of every earlier export that held any of the person's pseudonyms."""
    key = checked_rights_key(lake.home)
    refs = {person_ref(key, e, p) for e in targets.pids for p in targets.pids_in(e)}
    refs |= {person_ref(key, scope, p) for scope, p in registers.export_refs(targets.registers)}
    return [x for x in ExportLog(lake.home).entries() if refs & set(x["people"])]


def _recipient(entry: dict) -> dict:
    return {"at": entry["at"], "engagement": entry["engagement"], "recipients": entry["recipients"],
            "files": [f["name"] for f in entry["files"]]}


def recipients(lake: Lake, targets: Targets) -> list[dict]:
    """Who received data about the person, export by export (Art. 19, and Art. 15's recipients)."""
    return [_recipient(x) for x in _exports_holding(lake, targets)]


def restrict_now(home: Path, hooks: Hooks) -> None:
    """A restriction (or its lifting) takes effect at once (Art. 18 precaution), not at the next run."""
    lake = Lake(home)
    reg = register(home)
    with reg.lock():
        requests = reg.load()
        for r in requests:
            if r.type == "restriction" and _acts_on(r):
                resolve_request(lake, r)
        enforce_exclusions(lake, requests, hooks)
        reg.save(requests)


def close(home: Path, request_id: str, outcome: str) -> Request:
    """Close a request; a restriction or objection first takes its targets as they are now."""
    lake = Lake(home)
    reg = register(home)
    with reg.lock():
        requests, r = reg.get(request_id)
        if r.type in ("restriction", "objection") and _acts_on(r):
            resolve_request(lake, r)
            reg.save(requests)
    return reg.close(request_id, outcome)
