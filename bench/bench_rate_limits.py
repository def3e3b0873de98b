"""How well the X collector uses a rate-limit window: never a 429, little idle time.

The emulator enforces a small window (10 requests per 5 s) so the run crosses several
windows in seconds. Run: .venv/bin/python bench/bench_rate_limits.py
"""

from __future__ import annotations

import math
import os
import tempfile
import time

os.environ.setdefault("SEULA_HOME", tempfile.mkdtemp(prefix="seula-bench-"))

from seula.collectors.http import Patience  # noqa: E402
from seula.collectors.x.api import XApi, make_client  # noqa: E402
from seula.emulators.x.emulator import XEmulator  # noqa: E402
from seula.collectors.x.source import XSource  # noqa: E402
from seula.flows import config  # noqa: E402

LIMIT, WINDOW = 10, 5.0
QUERY = "#vaalit OR #eduskunta OR #kuntavaalit OR #ilmasto OR #climate OR #helsinki OR #energia OR #koulutus OR #sote OR #talous OR #politiikka"


def main() -> None:
    with XEmulator(rate_limits={"search_recent": (LIMIT, WINDOW)}) as emu:
        api = XApi(make_client("seula-demo-token", emu.base_url), Patience(max_wait=60))
        start = time.monotonic()
        posts = sum(len(b.posts) for b, _ in XSource(api).search(QUERY, {}, config.load("sample").window))
        elapsed = time.monotonic() - start
        statuses = [s for k, s in emu.request_log if k == "search_recent"]
    # The least time the limit allows: every window but the last is used up, then waited out.
    least = (math.ceil(len(statuses) / LIMIT) - 1) * WINDOW
    print(f"{posts} posts in {len(statuses)} requests over {elapsed:.1f} s (limit {LIMIT} per {WINDOW:.0f} s window)")
    print(f"429 responses: {statuses.count(429)}; waits: {api.usage.rate_limit_waits} ({api.usage.rate_limit_seconds:.1f} s)")
    print(f"least time the limit allows: {least:.1f} s; spent beyond it: {elapsed - least:.1f} s")


if __name__ == "__main__":
    main()
