"""Data-subject requests, applied automatically: before every analysis and export, and daily.

``apply_subject_requests`` is the one place where verified requests change stored data.
It is idempotent: a crash half-way through an erasure leaves each file old or new, and the
next run (the request is still "open") finishes the job.
"""

from __future__ import annotations

import csv
import json
from datetime import UTC, date, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from flows import config
from flows.collect import Pipeline, derive_findings
from lake import schema
from lake.exports import ExportLog
from lake.files import write_json_atomic
from lake.home import reports_dir, seula_home, state_dir
from lake.store import Lake
from lake.subjects import blank_clear_identity, erase, set_exclusions
from privacy.keys import engagement_key, master_secret, rights_key
from privacy.pseudonyms import Pseudonymiser
from privacy.rights import Identity, Request, RequestError, RequestsRegister, person_ref
from privacy.suppression import SuppressionList

METRIC_PREFIX = "m_"


def register(home: Path | None = None) -> RequestsRegister:
    home = home or seula_home()
    return RequestsRegister(home, rights_key(master_secret(home)))


def suppression(home: Path | None = None) -> SuppressionList:
    home = home or seula_home()
    return SuppressionList(home, rights_key(master_secret(home)))


def resolve(lake: Lake, engagement: str, identity: Identity) -> set[str]:
    """The person's pseudonyms in one engagement: by platform id, or by handle."""
    pseudo = Pseudonymiser(engagement_key(master_secret(lake.home), engagement))
    platform = identity.platform or "x"
    pids: set[str] = set()
    if identity.user_id:
        pids.add(pseudo.account(platform, identity.user_id))
    if identity.handle:
        handle = identity.handle.lstrip("@")
        index = lake.read(engagement, "identity_index", schema.IDENTITY_INDEX.schema)
        token = pseudo.token("handle", handle)
        pids |= set(index.filter(pc.and_(pc.equal(index["kind"], "handle"), pc.equal(index["token_hash"], token)))["account_pid"].to_pylist())
        accounts = lake.read(engagement, "accounts", schema.ACCOUNTS.schema)
        clear = pc.equal(pc.utf8_lower(pc.fill_null(accounts["handle"], "")), handle.lower())
        pids |= set(accounts.filter(clear)["account_pid"].to_pylist())
        pids.add(pseudo.unresolved_handle(platform, handle))  # as met in text only
    return pids


def _purpose(engagement: str) -> str | None:
    try:
        return config.load(engagement).purpose.value
    except config.ConfigError:
        return None  # data of an engagement whose file is gone: treat as not marketing


@task(name="apply-subject-requests", persist_result=False, cache_policy=NO_CACHE)
def apply_subject_requests() -> dict[str, int]:
    """Carry out every verified request on every engagement's data. Failing here fails the caller."""
    home = seula_home()
    lake = Lake(home)
    reg, supp = register(home), suppression(home)
    requests = reg.load()
    engagements = lake.engagements()
    exclusions: dict[str, dict[str, str]] = {e: {} for e in engagements}
    done = {"erasures": 0, "objections": 0, "restrictions": 0, "rectifications": 0}

    for r in requests:
        if r.identity is not None:  # open requests: the pseudonyms of this person, engagement by engagement
            r.subject_pids = {e: sorted(resolve(lake, e, r.identity)) for e in engagements} | {
                e: p for e, p in r.subject_pids.items() if e not in engagements}
        if r.type == "restriction" and not r.lifted:  # applied at once, verified or not
            for e in engagements:
                exclusions[e].update({p: f"restriction {r.id}" for p in r.subject_pids.get(e, [])})
            done["restrictions"] += 1
        if not r.verified or r.status == "closed" and r.type != "objection":
            continue
        if r.type == "erasure" and r.status == "open":
            _erase(lake, supp, r, engagements)
            # Done: nothing may keep naming the person, not even this register (Art. 17).
            r.identity, r.note, r.subject_pids = None, None, {}
            reg.record(requests, r, "closed", "erased from every engagement; suppressed from future collections")
            done["erasures"] += 1
        elif r.type == "objection":
            if r.status == "open" and r.identity is not None:
                for scope in ("marketing", "objected"):
                    supp.add(r.identity.platform or "x", user_id=r.identity.user_id, handle=r.identity.handle, scope=scope)
                for e in engagements:
                    for pid in r.subject_pids.get(e, []):
                        blank_clear_identity(lake, e, pid, f"objected ({r.id})")
                reg.record(requests, r, "applied", "never publishable again; excluded from marketing engagements")
            for e in engagements:
                if _purpose(e) == "marketing":
                    exclusions[e].update({p: f"objection {r.id}" for p in r.subject_pids.get(e, [])})
            done["objections"] += 1
        elif r.type == "rectification" and r.status == "open" and r.rectification:
            _rectify(lake, r, engagements)
            reg.record(requests, r, "applied", "rectified", f"{r.rectification['field']} corrected")
            done["rectifications"] += 1
    reg.save(requests)
    for e in engagements:
        set_exclusions(lake, e, exclusions[e])
    return done


def _erase(lake: Lake, supp: SuppressionList, r: Request, engagements: list[str]) -> None:
    assert r.identity is not None
    supp.add(r.identity.platform or "x", user_id=r.identity.user_id, handle=r.identity.handle)
    for e in engagements:
        pids = set(r.subject_pids.get(e, []))
        supp.add_pseudonyms(e, pids)  # so an archive made before today cannot bring the person back
        lake.sweep_temps(e)  # a killed writer's leftovers may hold the person too
        removed = erase(lake, e, pids)
        r.log("erased", f"{e}: " + (", ".join(f"{n} {t}" for t, n in sorted(removed.items()) if t != "bytes_rewritten")
                                     or "nothing stored"))
        for table in lake.tables(e):
            if table.startswith(METRIC_PREFIX):
                lake.drop(e, table)  # computed again, without the person, by the next analysis
        if "posts" in lake.tables(e) and config_exists(e):
            derive_findings.fn(e)
        else:
            for table in ("findings", "affiliations"):
                lake.drop(e, table)
    # Art. 19: every earlier export that named the person, so its recipients can be told.
    key = rights_key(master_secret(lake.home))
    refs = {person_ref(key, e, p) for e in engagements for p in r.subject_pids.get(e, [])}
    r.notify_recipients = [
        {"at": x["at"], "engagement": x["engagement"], "recipients": x["recipients"], "files": [f["name"] for f in x["files"]]}
        for x in ExportLog(lake.home).entries() if refs & set(x["people"])
    ]
    if r.notify_recipients:
        r.log("recipients to notify (Art. 19)", "; ".join(f"{x['at']} {', '.join(x['recipients'])}" for x in r.notify_recipients))


def config_exists(engagement: str) -> bool:
    return _purpose(engagement) is not None


def _rectify(lake: Lake, r: Request, engagements: list[str]) -> None:
    field, value = r.rectification["field"], r.rectification["value"]  # type: ignore[index]
    for e in engagements:
        pids = set(r.subject_pids.get(e, []))
        if field == "description" and config_exists(e):  # a corrected text is still sieved before it is kept
            value = Pipeline(config.load(e)).sieve.clean_text(r.identity.platform or "x", r.rectification["value"])  # type: ignore[union-attr,index]

        def fix(table: pa.Table) -> pa.Table | None:
            rows = table.to_pylist()
            hit = [row for row in rows if row["account_pid"] in pids and (row["publishable"] or field == "description")]
            for row in hit:
                row[field] = value
            return pa.Table.from_pylist(rows, schema=table.schema) if hit else None

        lake.rewrite(e, schema.ACCOUNTS, fix)


def close_request(request_id: str, outcome: str) -> Request:
    """Close a request, first keeping the pseudonyms a restriction or objection still needs."""
    home = seula_home()
    lake, reg = Lake(home), register(home)
    requests, r = reg.get(request_id)
    if r.identity is not None and r.type in ("restriction", "objection"):
        r.subject_pids = {e: sorted(resolve(lake, e, r.identity)) for e in lake.engagements()}
        reg.save(requests)
    return reg.close(request_id, outcome)


@flow(name="apply_requests", persist_result=False)
def apply_requests() -> dict[str, int]:
    """The daily run of the requests register (also run at the start of every analysis and export)."""
    done = apply_subject_requests()
    get_run_logger().info("requests applied: %s", done)
    return done


def export_access(request_id: str, out: Path) -> Path:
    """Art. 15: everything stored about the person, and the notice information, as JSON and CSV."""
    home = seula_home()
    lake = Lake(home)
    reg = register(home)
    _, r = reg.get(request_id)
    if r.type != "access":
        raise RequestError(f"{request_id} is a {r.type} request, not an access request")
    if r.identity is None:
        raise RequestError(f"{request_id} is closed: its identity is no longer kept")
    if not r.verified:
        raise RequestError(f"{request_id}: verify the requester's identity first (seula requests verify)")
    out.mkdir(parents=True, exist_ok=True)
    package: dict[str, object] = {"request": request_id, "generated": datetime.now(UTC).isoformat(timespec="seconds"),
                                  "engagements": {}}
    for e in lake.engagements():
        pids = resolve(lake, e, r.identity)
        found: dict[str, list[dict]] = {}
        for name, spec in schema.COLLECTED.items():
            if name == "identity_index":
                continue
            table = lake.read(e, name, spec.schema)
            columns = ("author_pid",) if name == "posts" else spec.subject_columns
            mask = pa.array([False] * table.num_rows, pa.bool_())
            for c in columns:
                mask = pc.or_(mask, pc.fill_null(pc.is_in(table[c], value_set=pa.array(sorted(pids), pa.string())), False))
            rows = table.filter(mask).to_pylist()
            if rows:
                found[name] = rows
                _csv(out / f"{e}-{name}.csv", rows)
        if found:
            package["engagements"][e] = {"data": found, "notice": _notice(e)}  # type: ignore[index]
    package["registers"] = REGISTER_NOTICE
    write_json_atomic(package, out / "access.json", mode=0o600)
    reg.record(*reg.get(request_id), "applied", "access package written")
    return out / "access.json"


def _csv(path: Path, rows: list[dict]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: (json.dumps(v, default=str) if isinstance(v, list) else v) for k, v in row.items()} for row in rows)


def _notice(engagement: str) -> dict[str, object]:
    try:
        eng = config.load(engagement)
    except config.ConfigError:
        return {"engagement": engagement, "note": "engagement file no longer available"}
    x = eng.platforms.x
    return {
        "engagement": eng.id, "controller_client": eng.client, "purpose": eng.purpose.value,
        "legal_basis": eng.legal_basis, "period": f"{eng.start} – {eng.end}",
        "sources": {"x": {"searches": [s.query for s in x.search], "accounts": len(x.accounts)}} if x else {},
        "recipients": [rec.name for rec in eng.report.recipients],
        "retention": f"{eng.retention_days_after_end} days after {eng.end}",
    }


REGISTER_NOTICE = {
    "social_media_research_register": "Public posts, profiles, follow relationships, likes and shares collected from "
    "social-media APIs for research and statistics; names and handles are published only where already public "
    "and not objected to; political affiliation only where the person made it public.",
    "survey_participants_register": "Not held by this installation.",
    "customer_and_marketing_register": "Not held by this installation.",
    "rights": "access, rectification, erasure, restriction, objection to marketing use (HetiL 30 §, GDPR Art. 21); "
    "answer within one month (Art. 12(3)).",
}


def sweep_expired(today: date) -> dict[str, int]:
    """Delete each engagement's data once its end date plus retention has passed; files per engagement."""
    home = seula_home()
    lake = Lake(home)
    deleted: dict[str, int] = {}
    for e in lake.engagements():
        try:
            eng = config.load(e)
        except config.ConfigError:
            continue  # no rule known: keep, and say so
        if date.fromordinal(eng.end.toordinal() + eng.retention_days_after_end) < today:
            deleted[e] = lake.drop_engagement(e)
            for folder in (state_dir(home, e), reports_dir(home, e)):
                for path in sorted(folder.rglob("*"), reverse=True) if folder.exists() else []:
                    path.unlink() if path.is_file() else path.rmdir()
                if folder.exists():
                    folder.rmdir()
    return deleted


@flow(name="retention_sweep", persist_result=False)
def retention_sweep(today: date | None = None) -> dict[str, int]:
    """The scheduled retention rule of the research register."""
    deleted = sweep_expired(today or datetime.now(UTC).date())
    get_run_logger().info("retention sweep deleted: %s", deleted or "nothing")
    return deleted
