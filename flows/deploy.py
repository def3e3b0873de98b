"""``seula deploy``: Prefect deployments made from each engagement's ``schedule:``, on a work pool.

Each engagement's collection, analysis and compliance sweep run when its file says; the
data-subject requests and the retention rules, which serve every engagement and register,
run daily. Deploying again updates the deployments in place (they are named, not numbered).
"""

from __future__ import annotations

import contextlib
import importlib
import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from seula.flows import config

REPO = Path(__file__).resolve().parent.parent
_PER_ENGAGEMENT = {
    "collect": ("seula.flows.collect:collect_engagement", "Collect {id} from where the last run stopped."),
    "analyse": ("seula.flows.analyse:analyse_engagement", "Recompute {id}'s metrics (requests applied first)."),
    "compliance": ("seula.flows.compliance:compliance_sweep",
                   "Ask the platforms what they deleted or withdrew of {id}, and remove it everywhere."),
}
REQUESTS_CRON, RETENTION_CRON, TIMEZONE = "0 5 * * *", "30 4 * * *", "Europe/Helsinki"


@dataclass(frozen=True)
class Planned:
    name: str
    entrypoint: str
    cron: str
    timezone: str
    description: str
    parameters: dict[str, Any] = field(default_factory=dict)


def plan(engagements: list[config.Engagement], x_base_url: str | None = None, fb_base_url: str | None = None,
         requests_cron: str = REQUESTS_CRON, retention_cron: str = RETENTION_CRON) -> list[Planned]:
    """What ``deploy`` creates: every scheduled flow of every engagement, and the two Seula-wide ones."""
    planned = [
        Planned("apply-subject-requests", "seula.flows.rights:apply_requests", requests_cron, TIMEZONE,
                "Apply verified data-subject requests (erasure, objection, restriction, rectification) everywhere."),
        Planned("retention-sweep", "seula.flows.rights:retention_sweep", retention_cron, TIMEZONE,
                "Delete what the retention rules of the three registers say has been kept long enough."),
    ]
    platforms = {k: v for k, v in (("x_base_url", x_base_url), ("fb_base_url", fb_base_url)) if v}
    for eng in engagements:
        for kind, (entrypoint, description) in _PER_ENGAGEMENT.items():
            cron = getattr(eng.schedule, kind)
            if cron:
                parameters = {"engagement_id": eng.id, **(platforms if kind != "analyse" else {})}
                planned.append(Planned(f"{eng.id}-{kind}", entrypoint, cron, eng.schedule.timezone,
                                       description.format(id=eng.id), parameters))
    return planned


def check(planned: list[Planned]) -> None:
    """Every cron line as Prefect reads it, each mistake named with its deployment."""
    from prefect.client.schemas.schedules import CronSchedule
    from pydantic import ValidationError

    problems = []
    for p in planned:
        try:
            CronSchedule(cron=p.cron, timezone=p.timezone)
        except ValidationError:
            problems.append(f"{p.name}: invalid cron line {p.cron!r}")
    if problems:
        raise config.ConfigError("; ".join(problems), problems)


def deploy(planned: list[Planned], pool: str) -> list[str]:
    """Create or update each deployment on ``pool`` (a process work pool, created if missing)."""
    import prefect
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.deployments.runner import EntrypointType
    from prefect.exceptions import ObjectAlreadyExists
    from prefect.schedules import Cron
    from prefect.workers.process import ProcessWorker

    check(planned)
    with get_client(sync_client=True) as client:
        with contextlib.suppress(ObjectAlreadyExists):
            client.create_work_pool(WorkPoolCreate(name=pool, type="process",
                                                   base_job_template=ProcessWorker.get_default_base_job_template()))
    deployments = []
    for p in planned:
        module, name = p.entrypoint.split(":")
        flow = getattr(importlib.import_module(module), name)
        # Entry points as modules of the installed package, not scripts: a script's folder
        # would shadow the rooms (flows/rights.py hiding the rights package).
        deployments.append(flow.to_deployment(
            name=p.name, schedules=[Cron(p.cron, timezone=p.timezone)], parameters=p.parameters,
            description=p.description, work_pool_name=pool, entrypoint_type=EntrypointType.MODULE_PATH,
            job_variables={"working_dir": str(REPO)}))
    with contextlib.redirect_stdout(io.StringIO()):  # Prefect prints its own table of what it applied
        prefect.deploy(*deployments, work_pool_name=pool, build=False, push=False, print_next_steps_message=False,
                       ignore_warnings=True)
    return [f"{d.flow_name}/{d.name}" for d in deployments]
