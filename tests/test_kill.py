"""A collection killed with SIGKILL mid-run: the lake stays consistent, the next run resumes,
and the result has exactly the rows of an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest
import yaml

from seula.emulators.x.emulator import XEmulator
from seula.flows.demo import DEMO_RATE_LIMITS

SEULA = str(Path(sys.executable).with_name("seula"))
KEYS = {"posts": "post_pid", "accounts": "account_pid", "follows": "follower_pid || followee_pid",
        "interactions": "kind || actor_pid || post_pid || coalesce(target_account_pid, '')"}


def start(home: Path, url: str, engagement: str = "sample", flag: str = "--x-base-url") -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"}
    env |= {"SEULA_HOME": str(home), "SEULA_MASTER_KEY": "kill-test-master-key-" + "x" * 32}
    # A session of its own, so the kill can take Prefect's temporary server with it: an
    # orphaned server would outlive the test run.
    return subprocess.Popen([SEULA, "collect", engagement, flag, url], cwd=home, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def keys(home: Path, engagement: str = "sample") -> dict[str, list[str]]:
    out = {}
    for table, key in KEYS.items():
        folder = home / "lake" / engagement / table
        if not list(folder.glob("part-*.parquet")):
            out[table] = []
            continue
        out[table] = [r[0] for r in duckdb.sql(f"SELECT {key} FROM read_parquet('{folder}/part-*.parquet') ORDER BY 1").fetchall()]
    return out


def kill_after(proc: subprocess.Popen, posts: Path, files: int) -> None:
    """SIGKILL the collection once it has written ``files`` posts files (or after two minutes)."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(list(posts.glob("part-*.parquet"))) < files:
        time.sleep(0.01)
    os.killpg(proc.pid, signal.SIGKILL)  # the collection and everything it started
    proc.wait()
    assert proc.returncode == -signal.SIGKILL


def two_homes(tmp_path: Path, eng: dict) -> tuple[Path, Path]:
    """A data folder to kill a collection in, and one for the uninterrupted run, both with ``eng``."""
    homes = tmp_path / "killed", tmp_path / "clean"
    for home in homes:
        (home / "engagements").mkdir(parents=True)
        (home / "engagements" / f"{eng['id']}.yaml").write_text(yaml.safe_dump(eng))
    return homes


@pytest.mark.slow
def test_sigkill_mid_collection_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    from seula.flows import config

    eng = config.load("sample").model_dump(mode="json")
    eng["platforms"].pop("facebook")  # the X collector alone (the sample also has Facebook Pages)
    killed, clean = two_homes(tmp_path, eng)
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        kill_after(start(killed, emu.base_url), killed / "lake" / "sample" / "posts", 6)
        partial = keys(killed)  # every file readable: nothing half-written
        assert 0 < len(partial["posts"])
        resumed = start(killed, emu.base_url)
        assert resumed.wait(timeout=300) == 0, resumed.stderr.read()[-2000:]
        assert not list(killed.rglob("*.tmp"))  # what the killed writer left is swept
        baseline = start(clean, emu.base_url)
        assert baseline.wait(timeout=300) == 0, baseline.stderr.read()[-2000:]
    after, expected = keys(killed), keys(clean)
    assert len(partial["posts"]) < len(expected["posts"])  # killed mid-run, not after it
    assert after == expected
    assert all(len(v) == len(set(v)) for v in after.values())


@pytest.mark.slow
def test_sigkill_mid_facebook_collection_then_resume_equals_uninterrupted(tmp_path: Path) -> None:
    from seula.emulators.facebook.emulator import FbEmulator
    from seula.flows import config

    eng = config.load("sample").model_dump(mode="json")
    eng.update(id="fb", platforms={"facebook": {"pages": ["demouutiset", "ilmastofoorumi", "helsinkidemo"]}},
               publishable={"handles": ["demouutiset", "ilmastofoorumi", "helsinkidemo"]})
    killed, clean = two_homes(tmp_path, eng)
    with FbEmulator(calls_per_hour=1_000_000) as emu:  # the app-usage budget is not what this tests
        kill_after(start(killed, emu.base_url, "fb", "--fb-base-url"), killed / "lake" / "fb" / "posts", 2)
        partial = keys(killed, "fb")["posts"]
        assert partial
        for home in (killed, clean):
            run = start(home, emu.base_url, "fb", "--fb-base-url")
            assert run.wait(timeout=300) == 0, run.stderr.read()[-2000:]  # type: ignore[union-attr]
    assert not list(killed.rglob("*.tmp"))  # what the killed writer left is swept
    after, expected = keys(killed, "fb"), keys(clean, "fb")
    assert len(partial) < len(expected["posts"])  # killed mid-run, not after it
    assert after == expected and all(len(v) == len(set(v)) for v in after.values())
