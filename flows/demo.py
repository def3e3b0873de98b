"""``seula demo``: the sample engagement, end to end, against the bundled X and Graph API emulators."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from rich.console import Console

from seula.emulators.facebook.emulator import FbEmulator
from seula.emulators.x.emulator import XEmulator
from seula.flows.analyse import analyse_engagement
from seula.flows.collect import collect_engagement
from seula.flows.report import export_report
from seula.flows.ui import collection_progress
from seula.lake.catalog import connect
from seula.lake.home import seula_home

SAMPLE = "sample"
# The real per-15-minute limits of the engagement endpoints would make the demo wait; the
# emulator still sends real rate-limit headers, with windows wide enough for one run.
DEMO_RATE_LIMITS = {key: (10_000, 900.0) for key in ("liking_users", "retweeted_by", "followers", "following")}
# Likewise the Graph API's hourly app budget: the usage headers stay real, far from 100 %.
DEMO_GRAPH_CALLS_PER_HOUR = 20_000


@dataclass(frozen=True)
class DemoResult:
    report: Path
    new_rows: dict[str, int]
    posts: int
    accounts: int
    follows: int
    pseudonymised: int
    publishable: int

    def summary_line(self) -> str:
        added = sum(self.new_rows.values())
        return (
            f"{self.posts} posts, {self.accounts} accounts, {self.follows} follow edges collected "
            f"({added} new rows this run); {self.pseudonymised} subjects pseudonymised; "
            f"{self.publishable} publishable accounts"
        )


@contextmanager
def emulated(x_port: int = 0, fb_port: int = 0, seed: int = 2026) -> Iterator[tuple[str, str]]:
    """Both platforms' emulators, with limits relaxed for one run: their base URLs (X, Graph API)."""
    with (XEmulator(seed=seed, port=x_port, rate_limits=DEMO_RATE_LIMITS) as x,
          FbEmulator(seed=seed, port=fb_port, calls_per_hour=DEMO_GRAPH_CALLS_PER_HOUR) as fb):
        yield x.base_url, fb.base_url


def run_demo(console: Console | None = None) -> DemoResult:
    # The demo may create its own master key file; real engagements must be given one.
    os.environ["SEULA_DEMO"] = "1"
    with emulated() as (x_base_url, fb_base_url), collection_progress(console or Console(quiet=True)):
        tally = collect_engagement(SAMPLE, x_base_url=x_base_url, fb_base_url=fb_base_url)
    analyse_engagement(SAMPLE)
    report = export_report(SAMPLE)
    con = connect(seula_home(), SAMPLE)
    try:
        posts, accounts, follows, pseudonymised, publishable = con.execute(
            """SELECT (SELECT count(*) FROM posts), (SELECT count(*) FROM accounts), (SELECT count(*) FROM follows),
                      (SELECT count(*) FROM accounts WHERE NOT publishable), (SELECT count(*) FROM accounts WHERE publishable)"""
        ).fetchall()[0]
    finally:
        con.close()
    return DemoResult(report, tally.rows, posts, accounts, follows, pseudonymised, publishable)
