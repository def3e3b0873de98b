"""An erasure killed with SIGKILL in the middle of `seula requests apply`: the rerun ends where an
uninterrupted run ends (issue 11, finding 2), and the request closes only when it is true."""

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from seula.emulators.x.emulator import XEmulator
from seula.flows.demo import DEMO_RATE_LIMITS
from seula.rights.store import register
from tests.test_kill import keys
from tests.test_rights import busy_private_person, collect, file_request, rows_about
from tests.test_rights_findings import decoded

SEULA = str(Path(sys.executable).with_name("seula"))


def apply(home: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"}
    env |= {"SEULA_HOME": str(home), "SEULA_MASTER_KEY": os.environ["SEULA_MASTER_KEY"]}
    return subprocess.Popen([SEULA, "requests", "apply"], cwd=home, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def lake_files(home: Path) -> dict[Path, int]:
    return {p: p.stat().st_mtime_ns for p in (home / "lake" / "sample").rglob("part-*.parquet")}


def kill_once_rewriting(proc: subprocess.Popen, home: Path) -> None:
    """SIGKILL as soon as the erasure has swapped its first file (or after two minutes)."""
    before = lake_files(home)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and lake_files(home) == before and proc.poll() is None:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the erasure finished before it could be killed"


@pytest.mark.slow
def test_sigkill_mid_erasure_then_rerun_equals_uninterrupted(home: Path, tmp_path: Path) -> None:
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        collect("sample", emu)
        person, pid = busy_private_person(home, emu)
    request_id = file_request("erasure", person)
    clean = tmp_path / "clean"
    shutil.copytree(home, clean)

    killed = apply(home)
    kill_once_rewriting(killed, home)
    assert register(home).get(request_id)[1].status == "open"  # not done: it must not say so
    assert rows_about(home, pid) != dict.fromkeys(rows_about(home, pid), 0)  # really half-way
    rerun = apply(home)
    assert rerun.wait(timeout=300) == 0, rerun.stderr.read()[-2000:]  # type: ignore[union-attr]
    baseline = apply(clean)
    assert baseline.wait(timeout=300) == 0, baseline.stderr.read()[-2000:]  # type: ignore[union-attr]

    assert keys(home) == keys(clean)
    assert rows_about(home, pid) == dict.fromkeys(rows_about(home, pid), 0)
    assert not list(home.rglob("*.tmp"))
    for folder in (home, clean):
        r = register(folder).get(request_id)[1]
        assert r.status == "closed" and r.identity is None and r.targets is None
        stored = decoded(folder)  # every Parquet value, and every other file's bytes
        assert pid not in stored and person.username not in stored and person.id not in stored
