"""The analysis flow: the standard metrics, stored as derived tables in the lake."""

from __future__ import annotations

from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from seula.analysis.metrics import analyse
from seula.flows import config
from seula.flows.rights import apply_subject_requests
from seula.lake.catalog import analysis_connection, refresh_catalog
from seula.lake.home import seula_home
from seula.lake.store import Lake


@task(name="compute-metrics", persist_result=False, cache_policy=NO_CACHE)
def compute_metrics(engagement_id: str, top_n: int, min_cell: int = 5) -> dict[str, int]:
    home = seula_home()
    con = analysis_connection(home, engagement_id)
    try:
        tables = analyse(con, top_n, min_cell)
    finally:
        con.close()
    lake = Lake(home)
    for name, table in tables.items():
        lake.replace(engagement_id, name, table)
    return {name: t.num_rows for name, t in tables.items()}


@flow(name="analyse_engagement", persist_result=False)
def analyse_engagement(engagement_id: str) -> dict[str, int]:
    """Metrics on data that every data-subject request has been applied to, first."""
    eng = config.load(engagement_id)
    apply_subject_requests()  # raises, and so stops the analysis, if a request cannot be applied
    rows = compute_metrics(engagement_id, eng.report.top_n, eng.report.min_cell)
    refresh_catalog(seula_home())
    get_run_logger().info("metrics stored: %s", ", ".join(f"{k} ({v} rows)" for k, v in rows.items()))
    return rows
