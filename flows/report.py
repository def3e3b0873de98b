"""The report flow: render the client report from the derived tables."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from seula.analysis.network import export as export_graph
from seula.analysis.network import follow_graph, interaction_graph
from seula.analysis.package import FORMATS as PACKAGE_FORMATS
from seula.analysis.package import check
from seula.analysis.package import write as package_write
from seula.analysis.report import render_html, render_pdf
from seula.flows import config
from seula.flows.analyse import compute_metrics
from seula.flows.rights import apply_subject_requests
from seula.lake.subjects import PID
from seula.lake.files import write_bytes_atomic, write_text_atomic
from seula.lake.catalog import connect
from seula.lake.exports import ExportLog
from seula.lake.home import reports_dir, seula_home
from seula.lake.store import Lake, LakeError
from seula.lake.subjects import EXCLUSIONS
from seula.rights.register import person_ref
from seula.rights.store import checked_rights_key

GRAPH_FORMATS = ("gexf", "graphml")  # node labels: handles of publishable accounts, pseudonyms otherwise
METRICS = ("m_summary", "m_daily_volume", "m_top_hashtags", "m_top_accounts", "m_most_followed", "m_volume_lang",
           "m_volume_platform", "m_engagement_daily", "m_top_terms", "m_hashtag_pairs", "m_share_of_voice",
           "m_central_accounts", "m_weekly_volume", "m_hashtag_daily", "m_network_nodes", "m_network_links", "m_sources",
           "m_gaps")
DOCUMENT_FORMATS = ("html", "pdf")


def _checked_metrics(engagement_id: str) -> dict[str, pa.Table]:
    """The metric tables, each checked for what must never leave (see ``analysis.package.check``)."""
    lake = Lake(seula_home())
    try:
        tables = {name: lake.read(engagement_id, name) for name in METRICS}
    except LakeError:
        raise LakeError(f"no metrics for {engagement_id!r} yet: run `seula analyse {engagement_id}` first") from None
    accounts = lake.read(engagement_id, "accounts").select(["handle", "display_name", "publishable"]).to_pylist()
    publishable = {v for a in accounts if a["publishable"] for v in (a["handle"], a["display_name"]) if v}
    excluded = set(lake.read(engagement_id, "exclusions", EXCLUSIONS)["pid"].to_pylist())
    check(tables, publishable, excluded)
    return tables


def _meta(eng: config.Engagement) -> dict:
    return {
        "id": eng.id, "client": eng.client, "purpose": eng.purpose.value, "legal_basis": eng.legal_basis,
        "start": eng.start, "end": eng.end, "retention_days": eng.retention_days_after_end,
    }


@task(name="render-report", persist_result=False, cache_policy=NO_CACHE)
def render_report(engagement_id: str, lang: str | None = None, formats: tuple[str, ...] = ("html",)) -> list[Path]:
    """The report as HTML and/or PDF, both from the same checked tables and the same HTML."""
    eng = config.load(engagement_id)
    tables = _checked_metrics(engagement_id)
    now = datetime.now(UTC)
    html = render_html(_meta(eng), tables, now, lang or eng.report.language)
    stem = reports_dir(seula_home(), engagement_id) / f"report-{now:%Y%m%dT%H%M%S}"
    files = []
    if "html" in formats:
        write_text_atomic(html, stem.with_suffix(".html"))
        files.append(stem.with_suffix(".html"))
    if "pdf" in formats:
        write_bytes_atomic(render_pdf(html), stem.with_suffix(".pdf"))
        files.append(stem.with_suffix(".pdf"))
    return files


@task(name="write-data-package", persist_result=False, cache_policy=NO_CACHE)
def write_package(engagement_id: str, formats: list[str]) -> list[Path]:
    eng = config.load(engagement_id)
    tables = _checked_metrics(engagement_id)
    now = datetime.now(UTC)
    folder = reports_dir(seula_home(), engagement_id) / f"package-{now:%Y%m%dT%H%M%S}"
    meta = {"engagement": eng.id, "client": eng.client, "period": f"{eng.start} – {eng.end}", "purpose": eng.purpose.value}
    graph_formats = [f for f in formats if f in GRAPH_FORMATS]
    graph_files = []
    if graph_formats:
        con = connect(seula_home(), engagement_id)  # views: restricted people are already left out
        try:
            graphs = {"interactions": interaction_graph(con), "follows": follow_graph(con)}
        finally:
            con.close()
        graph_files = [export_graph(g, folder / f"{name}.{suffix}") for suffix in graph_formats for name, g in graphs.items()]
    return package_write(tables, folder, [f for f in formats if f in PACKAGE_FORMATS], meta, graph_files)


@flow(name="export_report", persist_result=False)
def export_report(
    engagement_id: str, formats: list[str] | None = None, recipients: list[str] | None = None, lang: str | None = None,
) -> Path:
    """Apply every request, recompute the metrics on what remains, then render and package."""
    apply_subject_requests()
    eng = config.load(engagement_id)
    compute_metrics(engagement_id, eng.report.top_n, eng.report.min_cell)
    formats = formats or ["html"]
    files: list[Path] = []
    documents = tuple(f for f in formats if f in DOCUMENT_FORMATS)
    if documents:
        files += render_report(engagement_id, lang, documents)
    data = [f for f in formats if f in PACKAGE_FORMATS or f in GRAPH_FORMATS]
    if data:
        files += write_package(engagement_id, data)
    log_export(engagement_id, files, recipients)
    get_run_logger().info("export written: %s", ", ".join(f.name for f in files))
    return files[0]


def log_export(engagement_id: str, files: list[Path], recipients: list[str] | None = None) -> None:
    """Record who receives the files and everyone they hold (Art. 19): a keyed reference for
    every pseudonym in the exported tables and graphs, and for every publishable account they
    name by handle."""
    eng = config.load(engagement_id)
    home = seula_home()
    lake = Lake(home)
    tables = {t: lake.read(engagement_id, t) for t in METRICS if t in lake.tables(engagement_id)}
    named = {h for t in tables.values() if "handle" in t.column_names for h in t["handle"].to_pylist() if h}
    held = {p for t in tables.values() for f in t.schema if pa.types.is_string(f.type)
            for v in t[f.name].to_pylist() if v for p in PID.findall(v)}
    for f in files:
        if f.suffix in (".gexf", ".graphml", ".csv", ".json"):
            held |= set(PID.findall(f.read_text(encoding="utf-8")))
    accounts = lake.read(engagement_id, "accounts").select(["account_pid", "handle"]).to_pylist()
    held |= {a["account_pid"] for a in accounts if a["handle"] in named}
    key = checked_rights_key(home)
    ExportLog(home).record(engagement_id, recipients or [r.name for r in eng.report.recipients], files,
                           sorted({person_ref(key, engagement_id, p) for p in held}))
