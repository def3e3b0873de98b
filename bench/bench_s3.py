"""The lake in a bucket (Delta log over Seula's own files) beside the lake in a folder, in one run.

A moto S3 server on loopback (versioning on, as a careful operator keeps a bucket) stands in
for object storage; it is Python serving every request, so the bucket's figures are an upper
bound of what a real store costs per request, not per byte.

1. Appends of one collected page (1,000 posts): into a folder (write + rename); into the
   bucket as today's own layout would do it (one PUT, earlier versions removed, no commit);
   and with the Delta commit that makes the file part of the table.
2. Erasing 1, 10 and 1,000 subjects, and a full rewrite, of the same lake in a folder and in
   the bucket (each on a fresh copy).

Run: .venv/bin/python bench/bench_s3.py [posts]
"""

from __future__ import annotations

import logging
import os
import shutil
import socket
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import boto3
import pyarrow.parquet as pq
from moto.server import ThreadedMotoServer

from bench_erasure import ENGAGEMENT, build, subjects
from seula.lake import location, schema
from seula.lake.delta import DeltaFolder
from seula.lake.files import write_parquet_atomic
from seula.lake.store import Lake
from seula.lake.subjects import Subjects, erase, remaining

POSTS = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
APPENDS = 30
BUCKET = "seula-bench"
SUBJECTS = (1, 10, 1000)


def start_s3() -> ThreadedMotoServer:
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # (a line per request otherwise)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    os.environ |= {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "bench",
                   "AWS_SECRET_ACCESS_KEY": "bench", "AWS_REGION": "eu-north-1"}
    client = boto3.client("s3")
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    return server


@contextmanager
def in_bucket(prefix: str) -> Iterator[None]:
    """``SEULA_LAKE`` pointing at the bucket (any ``Lake`` made meanwhile, here or inside Seula, is there)."""
    os.environ["SEULA_LAKE"] = f"s3://{BUCKET}/{prefix}"
    try:
        yield
    finally:
        del os.environ["SEULA_LAKE"]


def upload(local: Path, lake: Lake) -> None:
    """The folder's files into the bucket, each table committed to its Delta log at once."""
    for spec in (schema.POSTS, schema.FOLLOWS):
        added = []
        for path in sorted((local / "lake" / ENGAGEMENT / spec.name).glob("part-*.parquet")):
            target = lake.table_dir(ENGAGEMENT, spec.name) / path.name
            location.write_bytes(path.read_bytes(), target)
            added.append((target, pq.read_metadata(path).num_rows))
        DeltaFolder(lake.table_dir(ENGAGEMENT, spec.name), spec.schema).commit(added)


def appends(home: Path, page) -> None:  # type: ignore[no-untyped-def]
    def timed(label: str, one) -> None:  # type: ignore[no-untyped-def]
        start = time.perf_counter()
        for i in range(APPENDS):
            one(i)
        print(f"  {label:<48} {(time.perf_counter() - start) / APPENDS * 1000:7.1f} ms per page")

    folder = home / "appends" / "posts"
    folder.mkdir(parents=True)
    with in_bucket("appends"):
        bucket = Lake(home)
    own = bucket.table_dir(ENGAGEMENT, "own_layout")
    delta = DeltaFolder(bucket.table_dir(ENGAGEMENT, "posts"), schema.POSTS.schema)
    print(f"append one page of {page.num_rows:,} posts ({APPENDS} times each):")
    timed("folder: write, rename", lambda i: write_parquet_atomic(page, folder / f"part-{i:05d}.parquet"))
    timed("bucket, own layout: PUT, old versions removed", lambda i: write_parquet_atomic(page, own / f"part-{i:05d}.parquet"))

    def committed(i: int) -> None:
        path = delta.folder / f"part-{i:05d}.parquet"
        write_parquet_atomic(page, path)
        delta.commit([(path, page.num_rows)])

    timed("bucket, Delta: PUT, then one commit", committed)


def full_rewrite(lake: Lake) -> float:
    start = time.perf_counter()
    for spec in (schema.POSTS, schema.FOLLOWS):
        lake.rewrite(ENGAGEMENT, spec, lambda t: t)
    return time.perf_counter() - start


def erased(lake: Lake, who: Subjects) -> tuple[float, int]:
    start = time.perf_counter()
    removed = erase(lake, ENGAGEMENT, who)
    assert not remaining(lake, ENGAGEMENT, who)
    return time.perf_counter() - start, removed.pop("bytes_rewritten", 0)


def main() -> None:
    server = start_s3()
    base = Path(tempfile.mkdtemp(prefix="seula-bench-s3-"))
    try:
        original = base / "original"
        build(original)
        full_rewrite(Lake(original))  # as Seula keeps it: every file with its set of pseudonyms
        files = sorted((original / "lake" / ENGAGEMENT / "posts").glob("part-*.parquet"))
        print(f"{POSTS:,} posts in {len(files)} files (+ follows), "
              f"{sum(p.stat().st_size for p in (original / 'lake').rglob('*.parquet')) / 1e6:,.0f} MB")
        appends(base, pq.read_table(files[0]).slice(0, 1000))
        who = {n: Subjects(frozenset(subjects(original, n))) for n in SUBJECTS}
        runs = 0

        def fresh() -> tuple[Lake, Lake]:
            nonlocal runs
            runs += 1
            local = base / f"local-{runs}"
            shutil.copytree(original, local)
            start = time.perf_counter()
            with in_bucket(f"run-{runs}"):
                bucket = Lake(base)
                upload(original, bucket)
            print(f"  (fresh copies; bucket upload {time.perf_counter() - start:.1f} s)")
            return Lake(local), bucket

        local, bucket = fresh()
        folder_rewrite = full_rewrite(local)
        with in_bucket(f"run-{runs}"):
            bucket_rewrite = full_rewrite(bucket)
        anchors = (folder_rewrite, bucket_rewrite)
        print(f"full rewrite: folder {anchors[0]:.1f} s, bucket {anchors[1]:.1f} s ({anchors[1] / anchors[0]:.1f}x)")
        for n in SUBJECTS:
            local, bucket = fresh()
            a, bytes_a = erased(local, who[n])
            with in_bucket(f"run-{runs}"):
                b, bytes_b = erased(bucket, who[n])
            print(f"erase {n:>5} subject(s): folder {a:6.1f} s ({a / anchors[0]:6.1%} of its full rewrite), "
                  f"bucket {b:6.1f} s ({b / anchors[1]:6.1%}; {b / a:.1f}x the folder), "
                  f"{bytes_a / 1e6:,.1f} / {bytes_b / 1e6:,.1f} MB rewritten")
        versions = boto3.client("s3").get_paginator("list_object_versions")
        old = sum(1 for page in versions.paginate(Bucket=BUCKET) for v in page.get("Versions", []) if not v["IsLatest"])
        print(f"earlier object versions left in the bucket: {old}")
    finally:
        shutil.rmtree(base, ignore_errors=True)
        server.stop()


if __name__ == "__main__":
    main()
