"""`seula deploy`: Prefect deployments come from each engagement's `schedule:` and really run."""

import importlib
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
import yaml

from seula.flows import config
from seula.flows.deploy import REQUESTS_CRON, RETENTION_CRON, check, plan

REPO = Path(__file__).resolve().parents[1]


def engagement(tmp_path: Path, schedule: object) -> config.Engagement:
    data = yaml.safe_load((REPO / "data" / "sample" / "engagement.yaml").read_text(encoding="utf-8"))
    data.update(id="trial", schedule=schedule)
    data["publishable"].pop("candidates")
    path = tmp_path / "trial.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return config.load_file(path)


def test_every_flow_of_the_sample_on_its_own_schedule() -> None:
    sample = config.load("sample")
    planned = {p.name: p for p in plan([sample], "http://127.0.0.1:8787", None)}
    assert set(planned) == {"apply-subject-requests", "retention-sweep", "sample-collect", "sample-analyse",
                            "sample-compliance"}
    for kind in ("collect", "analyse", "compliance"):
        assert planned[f"sample-{kind}"].cron == getattr(sample.schedule, kind)
        assert planned[f"sample-{kind}"].timezone == "Europe/Helsinki"
    assert planned["sample-collect"].parameters == {"engagement_id": "sample", "x_base_url": "http://127.0.0.1:8787"}
    assert planned["sample-analyse"].parameters == {"engagement_id": "sample"}  # analysis asks no platform
    assert (planned["apply-subject-requests"].cron, planned["retention-sweep"].cron) == (REQUESTS_CRON, RETENTION_CRON)
    for p in planned.values():  # each entry point is a real flow taking those parameters
        module, name = p.entrypoint.split(":")
        flow = getattr(importlib.import_module(module), name)
        assert flow.name == name and set(p.parameters) <= set(flow.parameters.properties)
    check(list(planned.values()))


def test_a_single_cron_line_schedules_the_collection_only(tmp_path: Path) -> None:
    names = {p.name for p in plan([engagement(tmp_path, "15 7 * * 1-5")])}
    assert "trial-collect" in names and "trial-analyse" not in names and "trial-compliance" not in names


def test_no_schedule_no_deployments(tmp_path: Path) -> None:
    assert {p.name for p in plan([engagement(tmp_path, None)])} == {"apply-subject-requests", "retention-sweep"}


def test_schedule_mistakes_are_named(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match=r"schedule.timezone: .*unknown time zone 'Mars/Olympus'"):
        engagement(tmp_path, {"collect": "0 6 * * *", "timezone": "Mars/Olympus"})
    with pytest.raises(config.ConfigError, match=r"schedule.collect"):
        engagement(tmp_path, {"collect": "every morning"})
    with pytest.raises(config.ConfigError, match=r"trial-analyse: invalid cron line '61 6 \* \* \*'"):
        check(plan([engagement(tmp_path, {"analyse": "61 6 * * *"})]))


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.slow
def test_deployed_collection_runs_on_a_worker_against_the_emulators(tmp_path: Path) -> None:
    """A real Prefect server and worker: `seula deploy`, then the scheduled collection run once."""
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SEULA_", "PREFECT_"))}
    env.update(PREFECT_HOME=str(tmp_path / "prefect"), PREFECT_API_URL=f"http://127.0.0.1:{port}/api",
               PREFECT_SERVER_ANALYTICS_ENABLED="false", PREFECT_SERVER_UI_ENABLED="false",
               SEULA_HOME=str(tmp_path / "home"), SEULA_MASTER_KEY="deploy-test-master-key-" + "d" * 32)
    prefect = [sys.executable, "-m", "prefect"]
    server = subprocess.Popen([*prefect, "server", "start", "--port", str(port)], env=env, cwd=tmp_path,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    emulators = subprocess.Popen([sys.executable, "-m", "seula.flows.cli", "emulator", "--x-port", "0", "--fb-port", "0"],
                                 env=env, cwd=REPO, stdout=subprocess.PIPE, text=True)
    try:
        urls = [emulators.stdout.readline().split()[4] for _ in range(2)]  # "X API emulator at URL …"
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(1)
        deployed = subprocess.run([sys.executable, "-m", "seula.flows.cli", "deploy", "--pool", "test-pool",
                                   "--x-base-url", urls[0], "--fb-base-url", urls[1]],
                                  env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert deployed.returncode == 0, deployed.stderr
        assert "5 deployments on work pool 'test-pool'" in deployed.stdout
        again = subprocess.run([sys.executable, "-m", "seula.flows.cli", "deploy", "--pool", "test-pool"],
                               env=env, cwd=REPO, capture_output=True, text=True, timeout=300)
        assert again.returncode == 0, again.stderr  # updated in place, not duplicated
        listed = httpx.post(f"http://127.0.0.1:{port}/api/deployments/filter", json={}, timeout=30).json()
        assert sorted(d["name"] for d in listed) == ["apply-subject-requests", "retention-sweep", "sample-analyse",
                                                    "sample-collect", "sample-compliance"]
        collect = next(d for d in listed if d["name"] == "sample-collect")
        assert [s["schedule"]["cron"] for s in collect["schedules"]] == [config.load("sample").schedule.collect]
        assert collect["work_pool_name"] == "test-pool" and collect["parameters"] == {"engagement_id": "sample"}
        # The second deploy dropped the emulator URLs: deploy once more with them, then run it.
        subprocess.run([sys.executable, "-m", "seula.flows.cli", "deploy", "--pool", "test-pool", "--x-base-url", urls[0],
                        "--fb-base-url", urls[1]], env=env, cwd=REPO, check=True, capture_output=True, timeout=300)
        subprocess.run([*prefect, "deployment", "run", "collect_engagement/sample-collect"], env=env, check=True,
                       capture_output=True, timeout=120)
        worker = subprocess.run([*prefect, "worker", "start", "--pool", "test-pool", "--run-once"], env=env,
                                capture_output=True, text=True, timeout=600)
        assert "Finished in state Completed()" in worker.stdout + worker.stderr, worker.stdout[-3000:] + worker.stderr[-3000:]
        assert list((tmp_path / "home" / "lake" / "sample" / "posts").glob("part-*.parquet"))
    finally:
        for process in (server, emulators):
            process.terminate()
            process.wait(timeout=30)
