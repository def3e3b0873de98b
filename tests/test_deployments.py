"""prefect.yaml declares real flows on valid schedules, matching the engagement configs."""

import importlib
from pathlib import Path

import yaml
from prefect.client.schemas.schedules import CronSchedule

from flows import config

ROOT = Path(__file__).resolve().parents[1]


def deployments() -> list[dict]:
    return yaml.safe_load((ROOT / "prefect.yaml").read_text())["deployments"]


def test_every_entrypoint_is_a_prefect_flow_with_valid_parameters() -> None:
    for dep in deployments():
        path, name = dep["entrypoint"].split(":")
        flow = getattr(importlib.import_module(path.removesuffix(".py").replace("/", ".")), name)
        assert flow.name == name
        assert set(dep["parameters"]) <= set(flow.parameters.properties)
        if "engagement_id" in dep["parameters"]:
            config.load(dep["parameters"]["engagement_id"])
        for schedule in dep["schedules"]:
            CronSchedule(cron=schedule["cron"], timezone=schedule["timezone"])


def test_each_engagement_collects_on_its_configured_schedule() -> None:
    collect = {d["parameters"]["engagement_id"]: d for d in deployments() if d["entrypoint"].endswith(":collect_engagement")}
    assert "sample" in collect
    for engagement_id, dep in collect.items():
        assert dep["schedules"][0]["cron"] == config.load(engagement_id).schedule


def test_requests_are_applied_daily_and_retention_swept() -> None:
    entrypoints = {d["entrypoint"] for d in deployments()}
    assert {"flows/rights.py:apply_requests", "flows/rights.py:retention_sweep"} <= entrypoints
