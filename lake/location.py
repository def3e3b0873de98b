"""Where the lake lives, and reading and writing its files wherever that is.

By default the lake is the folder ``lake/`` of the data folder. ``SEULA_LAKE=s3://bucket/prefix``
puts it in S3-compatible object storage instead; the endpoint and credentials come from the
standard ``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and
``AWS_REGION`` variables. Keys, registers, checkpoints, exports and Prefect's home stay in the
local data folder: only the lake moves.

A local lake's paths are ``pathlib.Path``; a bucket's are ``UPath`` (universal-pathlib over
s3fs), which list, glob and delete like paths. Parquet files are read and written through
Arrow's own S3 client, and DuckDB reads them through the s3fs filesystem it is given
(``duckdb_filesystems``): DuckDB's S3 extension cannot be installed offline.
"""

from __future__ import annotations

import os
from functools import cache
from pathlib import Path
from typing import Any, TypeAlias

import pyarrow as pa
import pyarrow.fs as pafs
import pyarrow.parquet as pq
from upath import UPath

LakePath: TypeAlias = Path | UPath
LOG = "_delta_log"  # a Delta table's log, in each collected table's folder in a bucket (``lake.delta``)


def lake_root(home: Path) -> LakePath:
    """The lake: ``SEULA_LAKE`` (an ``s3://`` address) or the data folder's ``lake/``."""
    where = os.environ.get("SEULA_LAKE", "").strip()
    if not where:
        return home / "lake"
    if not where.startswith("s3://") or len(where) <= len("s3://"):
        raise ValueError(f"SEULA_LAKE must be an s3://bucket/prefix address, not {where!r}")
    return UPath(where.rstrip("/"), **_s3fs_options())


def remote(path: LakePath) -> bool:
    return not isinstance(path, Path)


def _endpoint() -> str | None:
    return os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL") or None


def _region() -> str:
    return os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"


def _s3fs_options() -> dict[str, Any]:
    # s3fs caches listings by default: another process's new file would stay unseen.
    return {"use_listings_cache": False, "client_kwargs": {"region_name": _region()}}


@cache
def _arrow_s3(endpoint: str | None, region: str) -> pafs.S3FileSystem:
    options: dict[str, Any] = {"region": region}
    if endpoint:
        scheme, _, host = endpoint.partition("://")
        options.update(endpoint_override=host or scheme, scheme=scheme if host else "https")
    return pafs.S3FileSystem(**options)


def arrow(path: LakePath) -> tuple[pafs.FileSystem | None, str]:
    """Arrow's filesystem for a lake path and the path as it names it (None: a local path)."""
    if not remote(path):
        return None, str(path)
    return _arrow_s3(_endpoint(), _region()), path.path  # type: ignore[union-attr]  ("bucket/key")


def read_table(path: LakePath, columns: list[str] | None = None) -> pa.Table:
    fs, where = arrow(path)
    return pq.read_table(where, columns=columns, filesystem=fs)


def read_metadata(path: LakePath) -> pq.FileMetaData:
    fs, where = arrow(path)
    if fs is None:
        return pq.read_metadata(where)
    with fs.open_input_file(where) as fh:
        return pq.read_metadata(fh)


def read_schema(path: LakePath) -> pa.Schema:
    return read_metadata(path).schema.to_arrow_schema()


def version(path: LakePath) -> tuple[Any, ...]:
    """What identifies a file's present content, for caches: on disk its inode, size and times
    (a rewrite replaces the inode); in a bucket its size and entity tag."""
    if not remote(path):
        stat = path.stat()
        return stat.st_ino, stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns
    info = path.fs.info(str(path))  # type: ignore[union-attr]
    return info.get("size"), info.get("ETag") or info.get("LastModified")


def delete(path: LakePath) -> None:
    """Remove a file for good: in a bucket with versioning, every stored version of it too."""
    if not remote(path):
        path.unlink(missing_ok=True)
        return
    bucket, key = path.fs.split_path(str(path))[:2]  # type: ignore[union-attr]
    client = _boto3()
    versions = client.list_object_versions(Bucket=bucket, Prefix=key)
    gone = [{"Key": v["Key"], "VersionId": v["VersionId"]}
            for v in versions.get("Versions", []) + versions.get("DeleteMarkers", []) if v["Key"] == key]
    if gone:
        client.delete_objects(Bucket=bucket, Delete={"Objects": gone, "Quiet": True})
    else:
        client.delete_object(Bucket=bucket, Key=key)


def delete_old_versions(path: LakePath) -> None:
    """In a bucket with versioning, the versions of ``path`` that an upload has just replaced."""
    bucket, key = path.fs.split_path(str(path))[:2]  # type: ignore[union-attr]
    client = _boto3()
    versions = client.list_object_versions(Bucket=bucket, Prefix=key)
    old = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions.get("Versions", []) + versions.get("DeleteMarkers", [])
           if v["Key"] == key and not v.get("IsLatest") and v["VersionId"] != "null"]
    if old:
        client.delete_objects(Bucket=bucket, Delete={"Objects": old, "Quiet": True})


def delete_tree(folder: LakePath) -> int:
    """Remove every file under ``folder`` (and in a bucket, every version of each); returns how many."""
    if not remote(folder):
        import shutil

        count = sum(1 for p in folder.rglob("*") if p.is_file()) if folder.is_dir() else 0
        shutil.rmtree(folder, ignore_errors=True)
        return count
    bucket, prefix = folder.fs.split_path(str(folder))[:2]  # type: ignore[union-attr]
    client = _boto3()
    count = 0
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix + "/"):
        gone = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in page.get("Versions", []) + page.get("DeleteMarkers", [])]
        count += len(page.get("Versions", []))
        for i in range(0, len(gone), 1000):
            client.delete_objects(Bucket=bucket, Delete={"Objects": gone[i:i + 1000], "Quiet": True})
    return count


def abort_uploads(folder: LakePath) -> int:
    """Abort the multipart uploads a killed writer left under ``folder``: their parts hold
    data (possibly of a person erased since) that no listing shows."""
    if not remote(folder):
        return 0
    bucket, prefix = folder.fs.split_path(str(folder))[:2]  # type: ignore[union-attr]
    client = _boto3()
    uploads = client.list_multipart_uploads(Bucket=bucket, Prefix=prefix + "/").get("Uploads", [])
    for upload in uploads:
        client.abort_multipart_upload(Bucket=bucket, Key=upload["Key"], UploadId=upload["UploadId"])
    return len(uploads)


def _boto3() -> Any:
    import boto3

    return boto3.client("s3", endpoint_url=_endpoint(), region_name=_region())


def write_bytes(data: bytes, target: LakePath) -> None:
    """A small object in a bucket (one PUT: readers see the old object or the new one)."""
    fs, where = arrow(target)
    assert fs is not None
    with fs.open_output_stream(where) as out:
        out.write(data)
    delete_old_versions(target)


def delta_options() -> dict[str, str]:
    """The Delta Lake writer's settings for this endpoint: conditional PUTs keep concurrent
    commits from overwriting each other without a lock service."""
    options = {"AWS_REGION": _region(), "aws_conditional_put": "etag"}
    if endpoint := _endpoint():
        options["AWS_ENDPOINT_URL"] = endpoint
        if endpoint.startswith("http://"):
            options["AWS_ALLOW_HTTP"] = "true"
    return options


def duckdb_filesystems(root: LakePath) -> list[Any]:
    """The fsspec filesystems a DuckDB connection needs to read this lake (none for a folder)."""
    return [root.fs] if remote(root) else []  # type: ignore[union-attr]
