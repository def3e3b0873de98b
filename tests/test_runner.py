"""SEULA_TASK_RUNNER: which Prefect task runner the collection's tasks go through."""

from pathlib import Path

import pytest
from prefect.task_runners import ThreadPoolTaskRunner
from prefect_dask import DaskTaskRunner
from typer.testing import CliRunner

from seula.flows import runner
from seula.flows.cli import app


def test_sequential_is_the_default_and_runs_one_task_at_a_time(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("SEULA_TASK_RUNNER", raising=False)
    chosen = runner.task_runner()
    assert isinstance(chosen, ThreadPoolTaskRunner) and chosen._max_workers == 1


def test_dask_starts_a_local_cluster_of_processes_or_joins_a_given_scheduler(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SEULA_TASK_RUNNER", "Dask")
    monkeypatch.setenv("SEULA_DASK_WORKERS", "3")
    local = runner.task_runner()
    assert isinstance(local, DaskTaskRunner) and local.address is None
    assert local.cluster_kwargs == {"n_workers": 3, "threads_per_worker": 1, "processes": True, "dashboard_address": None}
    monkeypatch.setenv("SEULA_DASK_ADDRESS", "tcp://10.0.0.5:8786")
    assert runner.task_runner().address == "tcp://10.0.0.5:8786"


def test_an_unknown_runner_ends_the_command_with_one_line(monkeypatch: pytest.MonkeyPatch, home: Path) -> None:
    monkeypatch.setenv("SEULA_TASK_RUNNER", "spark")
    out = CliRunner().invoke(app, ["collect", "sample", "--emulate"])
    assert out.exit_code == 1 and "Traceback" not in out.output
    assert out.output.strip().splitlines() == ["error: SEULA_TASK_RUNNER must be one of sequential, threads, dask, ray, not 'spark'"]
