"""The compliance sweep as a Prefect run: ask X which stored tweets and users it has since
deleted or withdrawn, and remove them (``rights.deletions``) from every engagement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect import flow, get_run_logger

from collectors.x import compliance
from collectors.x.api import Usage
from flows import config
from flows.collect import Pipeline, Tally, x_source
from flows.rights import HOOKS
from lake.catalog import refresh_catalog
from lake.home import seula_home
from rights import deletions


@dataclass
class Sweep:
    checked: dict[str, int] = field(default_factory=dict)  # ids asked about, per kind
    withdrawn: int = 0
    removed: dict[str, int] = field(default_factory=dict)


@flow(name="compliance_sweep", persist_result=False)
def compliance_sweep(engagement_id: str, x_base_url: str | None = None) -> Sweep:
    """Every stored X tweet and user, checked with X's batch compliance; what X withdrew goes."""
    eng = config.load(engagement_id)
    home, started, sweep = seula_home(), datetime.now(UTC), Sweep()
    ids = deletions.platform_ids(home, engagement_id, "x")
    api = x_source(eng, x_base_url).api
    found = [*compliance.check(api, "tweets", ids["post"]), *compliance.check(api, "users", ids["account"])]
    gone = frozenset(d.id for d in found if d.action != "scrub_geo")
    sweep.checked = {"tweets": len(ids["post"]), "users": len(ids["account"])}
    sweep.withdrawn = len(gone)
    if gone:
        deletions.record(home, deletions.Withdrawn("x", gone & set(ids["post"]), gone & set(ids["account"]),
                                                   f"compliance/{engagement_id}"))
        sweep.removed = deletions.finish(home, HOOKS)
        refresh_catalog(home)
    usage = Usage(requests=api.usage.requests, retries=api.usage.retries, api_errors={
        **{f"checked {k}": n for k, n in sweep.checked.items()}, "withdrawn by the platform": sweep.withdrawn,
        **{f"{t} removed": n for t, n in sweep.removed.items() if n}})
    Pipeline(eng).log_run("compliance/x", "x", started, Tally(), usage)
    get_run_logger().info("compliance sweep: %s checked, %d withdrawn, removed %s", sweep.checked, sweep.withdrawn,
                          sweep.removed or "nothing")
    return sweep
