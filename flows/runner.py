"""Which Prefect task runner a flow's fan-out goes through: ``SEULA_TASK_RUNNER``.

- unset or ``sequential``: one task at a time, in the flow's process (a laptop's default);
- ``threads``: Prefect's thread pool (collection is mostly waiting for HTTP);
- ``dask``: prefect-dask; a local cluster of worker processes by default, or the existing
  scheduler at ``SEULA_DASK_ADDRESS`` (``tcp://host:8786``);
- ``ray``: prefect-ray, where Ray installs (``pip install -e '.[ray]'``); ``SEULA_RAY_ADDRESS``
  names an existing cluster.

Whatever runs the tasks, writes stay safe: each engagement has one writer at a time (the
lake's lock), and in a bucket every change is a Delta commit that cannot lose another's.
"""

from __future__ import annotations

import logging
import os
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # (Prefect is imported when a flow runs: the CLI starts its server first, flows/server.py)
    from prefect.task_runners import TaskRunner

RUNNERS = ("sequential", "threads", "dask", "ray")


class RunnerError(ValueError):
    pass


def _named() -> str:
    return os.environ.get("SEULA_TASK_RUNNER", "").strip().lower() or "sequential"


def chosen() -> str:
    kind = _named()
    if kind not in RUNNERS:
        raise RunnerError(f"SEULA_TASK_RUNNER must be one of {', '.join(RUNNERS)}, not {kind!r}")
    return kind


def in_other_processes() -> bool:
    """Whether the tasks will run in other processes (which need a Prefect server to report to)."""
    return _named() in ("dask", "ray")


def task_runner() -> TaskRunner:
    """The task runner ``SEULA_TASK_RUNNER`` names (read when a flow starts, not at import)."""
    from prefect.task_runners import ThreadPoolTaskRunner

    kind = chosen()
    if kind == "sequential":
        return ThreadPoolTaskRunner(max_workers=1)
    if kind == "threads":
        return ThreadPoolTaskRunner()
    if kind == "dask":
        return _dask()
    return _ray()


def _dask() -> TaskRunner:
    try:
        from prefect_dask import DaskTaskRunner
    except ImportError:
        raise RunnerError("SEULA_TASK_RUNNER=dask needs prefect-dask: pip install -e '.[dask]'") from None
    address = os.environ.get("SEULA_DASK_ADDRESS", "").strip()
    if address:
        return DaskTaskRunner(address=address)
    # Worker processes, not threads: the sieve is Python and holds the interpreter. Dask starts
    # them by spawning, which the Delta log's Rust runtime needs (it does not survive a fork).
    workers = int(os.environ.get("SEULA_DASK_WORKERS", "0")) or os.cpu_count() or 1
    return DaskTaskRunner(cluster_kwargs={"n_workers": workers, "threads_per_worker": 1, "processes": True,
                                          "dashboard_address": None})


def _ray() -> TaskRunner:
    try:
        from prefect_ray import RayTaskRunner
    except ImportError:
        raise RunnerError("SEULA_TASK_RUNNER=ray needs prefect-ray, where Ray installs: pip install -e '.[ray]'") from None
    address = os.environ.get("SEULA_RAY_ADDRESS", "").strip() or None
    # Ray's own start-up lines would land among the command's output; its errors still do.
    return RayTaskRunner(address=address, init_kwargs={"include_dashboard": False, "logging_level": logging.ERROR})
