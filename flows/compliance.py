"""The compliance sweep as a Prefect run: ask each platform which stored posts and accounts it
has since deleted or withdrawn, and remove them (``rights.deletions``) from every engagement."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime

from prefect import flow, get_run_logger

from seula.collectors.facebook.api import GraphApi, make_graph
from seula.collectors.facebook.source import FacebookSource
from seula.collectors.http import Patience, RateLimitStop, Usage
from seula.collectors.x import compliance
from seula.flows import config
from seula.flows.collect import Pipeline, Tally, facebook_token, x_source
from seula.flows.rights import HOOKS
from seula.lake.catalog import refresh_catalog
from seula.lake.home import seula_home
from seula.rights import deletions


@dataclass
class Sweep:
    checked: dict[str, int] = field(default_factory=dict)  # ids asked about, per kind
    withdrawn: int = 0
    removed: dict[str, int] = field(default_factory=dict)
    stopped: str | None = None  # a platform's rate limit ended the sweep early


@flow(name="compliance_sweep", persist_result=False)
def compliance_sweep(engagement_id: str, x_base_url: str | None = None, fb_base_url: str | None = None) -> Sweep:
    """Every stored X tweet and user (X's batch compliance) and every stored Facebook post and
    comment (read again): what the platform withdrew goes, and each sweep is logged."""
    eng = config.load(engagement_id)
    home, sweep = seula_home(), Sweep()
    x_ids, fb_ids = deletions.platform_ids(home, engagement_id, "x"), deletions.platform_ids(home, engagement_id, "facebook")
    if x_ids["post"] or x_ids["account"]:
        started, api = datetime.now(UTC), x_source(eng, x_base_url).api
        found = [*compliance.check(api, "tweets", x_ids["post"]), *compliance.check(api, "users", x_ids["account"])]
        gone = frozenset(d.id for d in found if d.action != "scrub_geo")
        checked = {"tweets": len(x_ids["post"]), "users": len(x_ids["account"])}
        _remove(eng, "x", gone & set(x_ids["post"]), gone & set(x_ids["account"]), checked, started, api.usage, sweep)
    if fb_ids["post"] and eng.platforms.facebook is not None:
        token = facebook_token(fb_base_url)
        started = datetime.now(UTC)
        src = FacebookSource(GraphApi(*make_graph(token, eng.platforms.facebook.graph_version, fb_base_url),
                                      Patience(max_wait=eng.platforms.facebook.max_throttle_wait_seconds)))
        found: list[str] = []
        try:
            found.extend(src.gone(fb_ids["post"]))
        except RateLimitStop as stop:  # the objects read so far still count; the next sweep reads them all again
            sweep.stopped = str(stop)
        _remove(eng, "facebook", frozenset(found), frozenset(), {"facebook objects": len(fb_ids["post"])}, started,
                src.api.usage, sweep)
    get_run_logger().info("compliance sweep: %s checked, %d withdrawn, removed %s", sweep.checked, sweep.withdrawn,
                          sweep.removed or "nothing")
    return sweep


def _remove(eng: config.Engagement, platform: str, posts: frozenset[str], accounts: frozenset[str],
            checked: dict[str, int], started: datetime, usage: Usage, sweep: Sweep) -> None:
    """Apply one platform's answer and log the sweep: what was checked, what left."""
    removed: dict[str, int] = {}
    if posts or accounts:
        home = seula_home()
        removed = deletions.apply(home, deletions.Withdrawn(platform, posts, accounts, f"compliance/{eng.id}"), HOOKS)
        refresh_catalog(home)
    sweep.checked |= checked
    sweep.withdrawn += len(posts | accounts)
    for table, n in removed.items():
        sweep.removed[table] = sweep.removed.get(table, 0) + n
    usage.api_errors = {**{f"checked {k}": n for k, n in checked.items()}, "withdrawn by the platform": len(posts | accounts),
                        **{f"{t} removed": n for t, n in removed.items() if n}}
    Pipeline(eng).log_run(f"compliance/{platform}", platform, started, Tally(stopped=sweep.stopped), usage)
