"""The report flow: render the client report from the derived tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from analysis.report import render_html
from flows import config
from flows.analyse import compute_metrics
from flows.rights import apply_subject_requests
from lake.files import write_text_atomic
from lake.exports import ExportLog
from lake.home import reports_dir, seula_home
from lake.store import Lake, LakeError
from privacy.keys import master_secret, rights_key
from privacy.rights import person_ref

METRICS = ("m_summary", "m_daily_volume", "m_top_hashtags", "m_top_accounts", "m_most_followed")


def _meta(eng: config.Engagement) -> dict:
    x = eng.platforms.x
    return {
        "id": eng.id, "client": eng.client, "purpose": eng.purpose.value, "legal_basis": eng.legal_basis,
        "start": eng.start, "end": eng.end, "retention_days": eng.retention_days_after_end,
        "queries": [s.query for s in x.search] if x else [], "accounts": len(x.accounts) if x else 0,
    }


@task(name="render-html", persist_result=False, cache_policy=NO_CACHE)
def render_report(engagement_id: str) -> Path:
    eng = config.load(engagement_id)
    home = seula_home()
    lake = Lake(home)
    try:
        tables = {name: lake.read(engagement_id, name) for name in METRICS}
    except LakeError:
        raise LakeError(f"no metrics for {engagement_id!r} yet: run `seula analyse {engagement_id}` first") from None
    now = datetime.now(UTC)
    out = reports_dir(home, engagement_id) / f"report-{now:%Y%m%dT%H%M%S}.html"
    write_text_atomic(render_html(_meta(eng), tables, now), out)
    return out


@flow(name="export_report", persist_result=False)
def export_report(engagement_id: str) -> Path:
    """Apply every request, recompute the metrics on what remains, then render."""
    apply_subject_requests()
    compute_metrics(engagement_id, config.load(engagement_id).report.top_n)
    path = render_report(engagement_id)
    log_export(engagement_id, [path])
    get_run_logger().info("report written to %s", path)
    return path


def log_export(engagement_id: str, files: list[Path]) -> None:
    """Record who receives the files and which people they name (publishable accounts only)."""
    eng = config.load(engagement_id)
    home = seula_home()
    lake = Lake(home)
    named = {h for t in ("m_top_accounts", "m_most_followed") for h in lake.read(engagement_id, t)["handle"].to_pylist() if h}
    accounts = lake.read(engagement_id, "accounts").select(["account_pid", "handle"]).to_pylist()
    key = rights_key(master_secret(home))
    people = sorted({person_ref(key, engagement_id, a["account_pid"]) for a in accounts if a["handle"] in named})
    ExportLog(home).record(engagement_id, [r.name for r in eng.report.recipients], files, people)
