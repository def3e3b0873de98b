"""Collector throughput against the local X emulator, and the demo end to end.

Run: .venv/bin/python bench/bench_collect.py   (figures go to bench/README.md by hand)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SEULA_HOME", tempfile.mkdtemp(prefix="seula-bench-"))
os.environ.setdefault("SEULA_MASTER_KEY", "bench-master-key-" + "x" * 32)

from seula.collectors.x.api import XApi, make_client  # noqa: E402
from seula.emulators.x.emulator import ENDPOINT_KEYS, XEmulator  # noqa: E402
from seula.collectors.x.source import XSource  # noqa: E402
from seula.flows import config  # noqa: E402
from seula.flows.collect import Pipeline  # noqa: E402

QUERY = "#vaalit OR #eduskunta OR #kuntavaalit OR #ilmasto OR #climate OR #helsinki OR #energia OR #koulutus OR #sote OR #talous OR #politiikka"
UNLIMITED = {key: (1_000_000, 900.0) for key in ENDPOINT_KEYS}


def client_only(emu: XEmulator) -> tuple[int, float]:
    eng = config.load("sample")
    src = XSource(XApi(make_client("seula-demo-token", emu.base_url)))
    start = time.perf_counter()
    posts = sum(len(batch.posts) for batch, _ in src.search(QUERY, {}, eng.window))
    return posts, time.perf_counter() - start


def full_pipeline(emu: XEmulator) -> tuple[int, float]:
    eng = config.load("sample")
    pipe = Pipeline(eng)
    src = XSource(XApi(make_client("seula-demo-token", emu.base_url)))
    start = time.perf_counter()
    tally = pipe.drain("bench", src.search(QUERY, {}, eng.window))
    return tally.rows.get("posts", 0), time.perf_counter() - start


def demo_seconds() -> list[float]:
    home = Path(tempfile.mkdtemp(prefix="seula-bench-demo-"))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_"))} | {"SEULA_HOME": str(home)}
    seula = str(Path(sys.executable).with_name("seula"))
    times = []
    for _ in range(2):
        start = time.perf_counter()
        subprocess.run([seula, "demo"], cwd=home, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - start)
    return times


def main() -> None:
    with XEmulator(rate_limits=UNLIMITED) as emu:
        client_only(emu)  # warm-up
        n, s = client_only(emu)
        print(f"client + normalisation: {n} posts in {s:.2f} s = {n / s:,.0f} posts/s")
        n, s = full_pipeline(emu)
        print(f"client + sieve + lake:  {n} posts in {s:.2f} s = {n / s:,.0f} posts/s")
    first, second = demo_seconds()
    print(f"seula demo, fresh data folder: {first:.1f} s; second (incremental) run: {second:.1f} s")


if __name__ == "__main__":
    main()
