"""The re-sieve of stored text with the name model and without it, side by side, on the posts
of a collected lake (bench_scale.py leaves one in its temporary folder; any data folder does).

A re-sieve runs after every collection that learnt someone new, over every stored text. The
model only needs to read text it has not read (``flows.collect.resieve_stored_text``).
Run: SEULA_HOME=<data folder> .venv/bin/python bench/bench_resieve.py ENGAGEMENT [posts]
"""

from __future__ import annotations

import sys
import time

import pyarrow as pa
import pyarrow.parquet as pq

from seula.flows import config
from seula.flows.collect import Pipeline
from seula.privacy.analyzer import models_in_use
from seula.privacy.sieve import resieve_text


def main() -> None:
    engagement, wanted = sys.argv[1], int(sys.argv[2]) if len(sys.argv) > 2 else 100_000
    pipe = Pipeline(config.load(engagement))
    tables, n = [], 0
    for path in pipe.lake.files(engagement, "posts"):
        tables.append(pq.read_table(path))
        n += tables[-1].num_rows
        if n >= wanted:
            break
    posts = pa.concat_tables(tables)
    resieve_text(pipe.sieve, posts.slice(0, 2000), "text")  # engine and model loaded before the clock
    print(f"{posts.num_rows:,} stored posts; name models: {models_in_use() or 'none (blank pipelines)'}")
    timings: dict[bool, float] = {}
    for with_model in (True, False, True, False):  # alternated, each its fastest: caches favour neither
        start = time.perf_counter()
        resieve_text(pipe.sieve, posts, "text", with_model)
        timings[with_model] = min(timings.get(with_model, float("inf")), time.perf_counter() - start)
    for with_model, seconds in timings.items():
        print(f"  re-sieve {'with' if with_model else 'without'} the model: {seconds:6.1f} s "
              f"({posts.num_rows / seconds:,.0f} posts/s)")
    print(f"  without the model: {timings[True] / timings[False]:.1f}x faster")


if __name__ == "__main__":
    main()
