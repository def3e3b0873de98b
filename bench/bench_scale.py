"""A million posts from the X emulator (rate limits out of reach) through the sieve into the lake:
`seula collect` with the tasks one at a time, then fanned out on a Dask local cluster.

The engagement searches each of the world's eleven hashtags (eleven tasks); the emulator
serves from this process, the collections run as `seula collect` subprocesses, each on a
fresh data folder with the same key. Where the time goes is read from the run's
collection log (each task's start and end) and from the command's own wall time.
Run: .venv/bin/python bench/bench_scale.py [posts in the world]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyarrow.parquet as pq
import yaml

from seula.emulators.x.emulator import ENDPOINT_KEYS, XEmulator
from seula.emulators.x.world import build_world

POSTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_200_000
TAGS = ("vaalit", "eduskunta", "helsinki", "ilmasto", "climate", "talous", "sote", "koulutus", "energia",
        "kuntavaalit", "politiikka")
SEULA = str(Path(sys.executable).with_name("seula"))
UNLIMITED = {key: (10**9, 900.0) for key in ENDPOINT_KEYS}  # (headers still count down when limits are only off)


def engagement() -> dict:
    return {"id": "scale", "client": "Bench Oy", "purpose": "research", "legal_basis": "GDPR Art. 6(1)(f)",
            "start": "2026-09-01", "end": "2026-10-12", "retention_days_after_end": 365,
            "platforms": {"x": {"search": [{"query": f"#{tag}"} for tag in TAGS], "accounts": [], "collect": []}},
            "publishable": {"handles": ["demo_uutiset", "ilmastofoorumi", "ainovirtanen", "lauraniemi"]}}


def collect(base: Path, runner: str, url: str) -> tuple[float, int, list[dict]]:
    home = base / runner
    (home / "engagements").mkdir(parents=True)
    (home / "engagements" / "scale.yaml").write_text(yaml.safe_dump(engagement()))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_"))}
    env |= {"SEULA_HOME": str(home), "SEULA_MASTER_KEY": "bench-scale-master-key-" + "x" * 24, "SEULA_TASK_RUNNER": runner,
            "SEULA_DASK_WORKERS": "2"}
    start = time.perf_counter()
    subprocess.run([SEULA, "collect", "scale", "--x-base-url", url], cwd=home, env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - start
    posts = pq.read_table(home / "lake" / "scale" / "posts", columns=["post_pid"]).num_rows
    log = pq.read_table(home / "lake" / "scale" / "collection_log").to_pylist()
    return seconds, posts, log


def main() -> None:
    start = time.perf_counter()
    world = build_world(posts=POSTS)
    print(f"world of {len(world.posts):,} posts built in {time.perf_counter() - start:.0f} s")
    base = Path(tempfile.mkdtemp(prefix="seula-bench-scale-"))
    with XEmulator(world=world, rate_limits=UNLIMITED) as emu:
        results = {}
        for runner in ("sequential", "dask"):
            seconds, posts, log = collect(base, runner, emu.base_url)
            first = min(r["started_at"] for r in log)
            last = max(r["collected_at"] for r in log)
            tasks = sum((r["collected_at"] - r["started_at"]).total_seconds() for r in log)
            fan_out = (last - first).total_seconds()
            results[runner] = seconds
            print(f"{runner:>10}: {seconds:6.0f} s for {posts:,} posts ({posts / seconds:,.0f} posts/s); "
                  f"the {len(log)} search tasks {fan_out:.0f} s from first start to last end "
                  f"({tasks:.0f} task-seconds, {sum(r['requests'] for r in log):,} requests), "
                  f"the rest (start-up, re-sieve, findings, catalog) {seconds - fan_out:.0f} s")
        print(f"speed-up on Dask: {results['sequential'] / results['dask']:.2f}x")


if __name__ == "__main__":
    main()
