"""The lake in S3-compatible object storage (``SEULA_LAKE=s3://…``), against a real S3 protocol
server (moto in server mode, on loopback, a bucket with versioning on), driven as a user drives
Seula: the demo's collection and report, a second run, an import, `seula sql`, a restriction
and an erasure. Then every object and every stored version in the bucket is read, as bytes
and decoded, and so is everything in the local data folder.
"""

import io
import logging
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import boto3
import pyarrow.parquet as pq
import pytest
from moto.server import ThreadedMotoServer

from seula.emulators.x.world import build_world
from seula.flows import config
from seula.flows.collect import policy_for
from seula.privacy.keys import engagement_key
from seula.privacy.pseudonyms import Pseudonymiser

SEULA = str(Path(sys.executable).with_name("seula"))
BUCKET = "seula-lake"
ARCHIVE = Path(__file__).parent / "data" / "x-archives" / "x_search_recent_brexit_100tweets.jsonl"

pytestmark = pytest.mark.slow


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def s3() -> Iterator[dict[str, str]]:
    """A moto S3 server on loopback with one versioned bucket; the environment that points at it."""
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # (a line per request otherwise)
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    env = {"AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}", "AWS_ACCESS_KEY_ID": "seula-test",
           "AWS_SECRET_ACCESS_KEY": "seula-test-secret", "AWS_REGION": "eu-north-1"}
    client = client_for(env)
    client.create_bucket(Bucket=BUCKET, CreateBucketConfiguration={"LocationConstraint": "eu-north-1"})
    client.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
    yield env
    server.stop()


def client_for(env: dict[str, str]):  # type: ignore[no-untyped-def]
    return boto3.client("s3", endpoint_url=env["AWS_ENDPOINT_URL"], aws_access_key_id=env["AWS_ACCESS_KEY_ID"],
                        aws_secret_access_key=env["AWS_SECRET_ACCESS_KEY"], region_name=env["AWS_REGION"])


def environment(home: Path, s3: dict[str, str], prefix: str, bucket: str = BUCKET) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_", "AWS_")) or k == "SEULA_SPACY_MODELS"}
    return env | s3 | {"SEULA_HOME": str(home), "SEULA_LAKE": f"s3://{bucket}/{prefix}"}


def seula(home: Path, s3: dict[str, str], *args: str, ok: bool = True, prefix: str = "lake",
          bucket: str = BUCKET) -> subprocess.CompletedProcess[str]:
    run = subprocess.run([SEULA, *args], cwd=home, env=environment(home, s3, prefix, bucket), capture_output=True,
                         text=True, timeout=900)
    if ok:
        assert run.returncode == 0, run.stderr[-2000:]
    return run


def objects(s3: dict[str, str], bucket: str = BUCKET, prefix: str = "") -> dict[tuple[str, str], bytes]:
    """Every stored version of every object in the bucket: (key, version) -> bytes."""
    client = client_for(s3)
    found = {}
    for page in client.get_paginator("list_object_versions").paginate(Bucket=bucket, Prefix=prefix):
        for v in page.get("Versions", []):
            body = client.get_object(Bucket=bucket, Key=v["Key"], VersionId=v["VersionId"])["Body"].read()
            found[(v["Key"], v["VersionId"])] = body
    return found


def keys_under(s3: dict[str, str], bucket: str, prefix: str) -> list[str]:
    return [o["Key"] for page in client_for(s3).get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix)
            for o in page.get("Contents", [])]


def tables(s3: dict[str, str], bucket: str = BUCKET, prefix: str = "lake") -> dict[str, list[dict]]:
    """The sample engagement's collected tables as their Delta logs name them, read with boto3."""
    client = client_for(s3)
    listed = keys_under(s3, bucket, f"{prefix}/sample/")
    found: dict[str, list[dict]] = {}
    from deltalake import DeltaTable

    options = {"AWS_ENDPOINT_URL": s3["AWS_ENDPOINT_URL"], "AWS_ALLOW_HTTP": "true", "AWS_REGION": s3["AWS_REGION"],
               "AWS_ACCESS_KEY_ID": s3["AWS_ACCESS_KEY_ID"], "AWS_SECRET_ACCESS_KEY": s3["AWS_SECRET_ACCESS_KEY"]}
    for table in sorted({k.split("/")[2] for k in listed if "/_delta_log/" in k}):
        uris = DeltaTable(f"s3://{bucket}/{prefix}/sample/{table}", storage_options=options).file_uris()
        found[table] = [row for uri in uris for row in pq.read_table(io.BytesIO(client.get_object(
            Bucket=bucket, Key=uri.removeprefix(f"s3://{bucket}/"))["Body"].read())).to_pylist()]
    return found


@pytest.fixture(scope="module")
def lake(s3: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[dict]]]:
    home = tmp_path_factory.mktemp("s3-home")
    seula(home, s3, "demo")
    return home, tables(s3)


def test_the_demo_collects_into_the_bucket_and_nothing_of_the_lake_stays_local(lake, s3) -> None:  # type: ignore[no-untyped-def]
    home, before = lake
    assert len(before["posts"]) == 1807 and len(before["accounts"]) == 444 and len(before["follows"]) == 965
    assert not list(home.rglob("*.parquet")), "the lake's files belong in the bucket"
    assert list((home / "reports" / "sample").glob("report-*.html"))
    again = seula(home, s3, "demo")  # a second run: nothing new, nothing duplicated
    assert "(0 new rows this run)" in again.stdout
    runs = {"collection_log"}  # (one row per task and run, by design)
    assert {t: len(rows) for t, rows in tables(s3).items() if t not in runs} == \
        {t: len(rows) for t, rows in before.items() if t not in runs}


def test_seula_sql_reads_the_bucket_and_nothing_around_it(lake, s3) -> None:  # type: ignore[no-untyped-def]
    home, before = lake
    out = seula(home, s3, "sql", "sample", "SELECT count(*) AS n FROM posts", "--csv")
    assert out.stdout.splitlines() == ["n", str(len(before["posts"]))]
    around = seula(home, s3, "sql", "sample", f"SELECT count(*) FROM read_parquet('s3://{BUCKET}/lake/sample/posts/*.parquet')",
                   ok=False)
    assert around.returncode != 0 and around.stderr.count("\n") == 1 and "Traceback" not in around.stderr


def test_an_import_goes_into_the_bucket_once(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    seula(tmp_path, s3, "keys", "init", prefix="imports")
    first = seula(tmp_path, s3, "import", "sample", str(ARCHIVE), prefix="imports")
    second = seula(tmp_path, s3, "import", "sample", str(ARCHIVE), prefix="imports")
    assert "nothing new" in second.stdout, second.stdout
    assert "nothing new" not in first.stdout, first.stdout
    keys = [o["Key"] for page in client_for(s3).get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix="imports/sample/posts/")
            for o in page.get("Contents", [])]
    assert any(k.endswith(".parquet") for k in keys) and any("/_delta_log/" in k for k in keys)
    assert not list(tmp_path.rglob("*.parquet"))


def busy_private_person(home: Path, stored: dict[str, list[dict]]) -> tuple[str, str, str, str]:
    """A private account that posted, followed and was mentioned: (id, handle, name, pseudonym)."""
    pseudo = Pseudonymiser(engagement_key((home / "keys" / "master.key").read_bytes().strip(), "sample"))
    policy = policy_for(config.load_file(config.BUNDLED / "sample" / "engagement.yaml"))
    posts = stored["posts"]
    authors = {p["author_pid"] for p in posts}
    mentioned = {m for p in posts for m in p["mention_pids"] or []}
    followers = {f["follower_pid"] for f in stored["follows"]}
    for a in build_world().accounts.values():
        pid = pseudo.account("x", a.id)
        if not policy.handle_is_publishable(a.username) and pid in authors & mentioned & followers:
            return a.id, a.username, a.name, pid
    raise AssertionError("no private account that posted, followed and was mentioned")


@pytest.fixture(scope="module")
def erased(lake, s3):  # type: ignore[no-untyped-def]
    """A private person who posted, followed, liked and was mentioned, erased; then an analysis."""
    home, before = lake
    person = busy_private_person(home, before)
    out = seula(home, s3, "requests", "add", "--type", "erasure", "--platform", "x", "--handle", "@" + person[1])
    request_id = re.search(r"R\d{5}", out.stdout).group(0)  # type: ignore[union-attr]
    seula(home, s3, "requests", "verify", request_id, "--method", "platform-message")
    seula(home, s3, "analyse", "sample")
    status = seula(home, s3, "requests", "show", request_id).stdout
    return home, person, request_id, status


def test_an_erasure_leaves_nothing_in_any_object_or_version_of_the_bucket(erased, s3) -> None:  # type: ignore[no-untyped-def]
    home, (user_id, handle, name, pid), _, status = erased
    assert "closed" in status
    stored = objects(s3)
    decoded = [repr(pq.read_table(io.BytesIO(body)).to_pylist()) for (key, _), body in stored.items()
               if key.endswith(".parquet")]
    local = [p.read_bytes() for p in home.rglob("*") if p.is_file()]
    blobs = list(stored.values()) + [d.encode() for d in decoded] + local
    for value in (user_id, handle, name, pid):
        pattern = re.compile(rb"(?<![\w])" + re.escape(value.encode()) + rb"(?![\w])")
        assert not any(pattern.search(b) for b in blobs), value
    versions = client_for(s3).list_object_versions(Bucket=BUCKET)
    assert not [v for v in versions.get("Versions", []) if not v["IsLatest"]], "an earlier version of a file is still stored"


def test_the_erasure_removed_exactly_the_persons_rows(erased, lake, s3) -> None:  # type: ignore[no-untyped-def]
    _, (_, _, _, pid), _, _ = erased
    _, before = lake
    after = tables(s3)
    own = {p["post_pid"] for p in before["posts"] if p["author_pid"] == pid}
    assert len(before["posts"]) - len(after["posts"]) == len(own) > 0
    assert len(before["follows"]) - len(after["follows"]) == sum(
        pid in (r["follower_pid"], r["followee_pid"]) for r in before["follows"]) > 0


def test_a_restriction_hides_the_person_from_sql_at_once(erased, lake, s3) -> None:  # type: ignore[no-untyped-def]
    home, _, _, _ = erased
    rows = tables(s3)["accounts"]
    handle = next(r["handle"] for r in rows if r["handle"] and r["publishable"] and r["platform"] == "x")
    pid = next(r["account_pid"] for r in rows if r["handle"] == handle and r["platform"] == "x")
    query = f"SELECT count(*) AS n FROM posts WHERE author_pid = '{pid}'"
    assert seula(home, s3, "sql", "sample", query, "--csv").stdout.splitlines()[1] != "0"
    out = seula(home, s3, "requests", "add", "--type", "restriction", "--platform", "x", "--handle", "@" + handle)
    assert re.search(r"R\d{5}", out.stdout)
    assert seula(home, s3, "sql", "sample", query, "--csv").stdout.splitlines() == ["n", "0"]


def test_an_erasure_killed_mid_rewrite_in_the_bucket_ends_as_an_uninterrupted_one(s3, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    """SIGKILL once the erasure has written its first new object (before the table's commit),
    then run it again: the bucket ends as a copy of it erased without interruption, and no
    object or version anywhere holds the person. A bucket of its own: the module's forensic
    test reads every object of the other."""
    bucket, client = "seula-kill", client_for(s3)
    client.create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": s3["AWS_REGION"]})
    client.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
    killed, clean = tmp_path / "killed", tmp_path / "clean"
    killed.mkdir()
    seula(killed, s3, "demo", prefix="killed", bucket=bucket)
    person = busy_private_person(killed, tables(s3, bucket, "killed"))
    out = seula(killed, s3, "requests", "add", "--type", "erasure", "--platform", "x", "--handle", "@" + person[1],
                prefix="killed", bucket=bucket)
    request_id = re.search(r"R\d{5}", out.stdout).group(0)  # type: ignore[union-attr]
    seula(killed, s3, "requests", "verify", request_id, "--method", "platform-message", prefix="killed", bucket=bucket)
    shutil.copytree(killed, clean)
    for key in keys_under(s3, bucket, "killed/"):
        client.copy_object(Bucket=bucket, Key="clean/" + key.removeprefix("killed/"), CopySource={"Bucket": bucket, "Key": key})

    before = set(keys_under(s3, bucket, "killed/sample/"))
    apply = subprocess.Popen([SEULA, "requests", "apply"], cwd=killed, env=environment(killed, s3, "killed", bucket),
                             start_new_session=True, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 300
    while apply.poll() is None and time.monotonic() < deadline and not [
            k for k in set(keys_under(s3, bucket, "killed/sample/")) - before if k.endswith(".parquet")]:
        time.sleep(0.01)
    os.killpg(apply.pid, signal.SIGKILL)
    apply.wait()
    assert apply.returncode == -signal.SIGKILL, "the erasure finished before it could be killed"
    assert "open" in seula(killed, s3, "requests", "show", request_id, prefix="killed", bucket=bucket).stdout

    for home, prefix in ((killed, "killed"), (clean, "clean")):
        seula(home, s3, "requests", "apply", prefix=prefix, bucket=bucket)
        assert "closed" in seula(home, s3, "requests", "show", request_id, prefix=prefix, bucket=bucket).stdout
    rows = {prefix: {t: sorted(map(repr, r)) for t, r in tables(s3, bucket, prefix).items()} for prefix in ("killed", "clean")}
    assert rows["killed"] == rows["clean"]
    assert not {r for r in rows["killed"]["posts"] if person[3] in r}
    stored = objects(s3, bucket, "killed/")
    decoded = [repr(pq.read_table(io.BytesIO(body)).to_pylist()).encode() for (key, _), body in stored.items()
               if key.endswith(".parquet")]
    for value in person:
        pattern = re.compile(rb"(?<![\w])" + re.escape(value.encode()) + rb"(?![\w])")
        assert not any(pattern.search(b) for b in [*stored.values(), *decoded]), value
    versions = client.list_object_versions(Bucket=bucket, Prefix="killed/")
    assert not [v for v in versions.get("Versions", []) if not v["IsLatest"]], "an earlier version of a file is still stored"
