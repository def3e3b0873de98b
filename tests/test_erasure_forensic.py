"""Invariant 3, forensically: after an erasure and an analysis, nothing of the person is left.

The demo path as a user runs it (subprocesses, Prefect's own local storage under the data
folder), then `seula requests add/verify` and `seula analyse`, then every byte is read.
"""

import os
import re
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from seula.emulators.x.world import build_world
from seula.flows import config
from seula.flows.collect import policy_for
from seula.privacy.keys import engagement_key
from seula.privacy.pseudonyms import Pseudonymiser

SEULA = str(Path(sys.executable).with_name("seula"))


def seula(home: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"} | {"SEULA_HOME": str(home)}
    run = subprocess.run([SEULA, *args], cwd=home, env=env, capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stderr[-2000:]
    return run


def table_rows(home: Path) -> dict[str, list[dict]]:
    return {p.name: pq.read_table(p).to_pylist() for p in (home / "lake" / "sample").iterdir() if p.is_dir() and any(p.glob("*.parquet"))}


@pytest.fixture(scope="module")
def erased(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, tuple[str, str, str, str], dict, dict]:
    home = tmp_path_factory.mktemp("erasure-home")
    seula(home, "demo")
    pseudo = Pseudonymiser(engagement_key((home / "keys" / "master.key").read_bytes().strip(), "sample"))
    policy = policy_for(config.load_file(config.BUNDLED / "sample" / "engagement.yaml"))
    before = table_rows(home)
    posts = before["posts"]
    authors = {p["author_pid"] for p in posts}
    mentioned = {m for p in posts for m in p["mention_pids"] or []}
    followers = {f["follower_pid"] for f in before["follows"]}
    likers = {i["actor_pid"] for i in before["interactions"] if i["kind"] == "like"}
    for a in build_world().accounts.values():
        pid = pseudo.account("x", a.id)
        if not policy.handle_is_publishable(a.username) and pid in authors & mentioned & followers & likers:
            person = (a.id, a.username, a.name, pid)
            break
    else:
        raise AssertionError("no private account that posted, followed, liked and was mentioned")
    out = seula(home, "requests", "add", "--type", "erasure", "--platform", "x", "--handle", "@" + person[1])
    request_id = re.search(r"R\d{5}", out.stdout).group(0)  # type: ignore[union-attr]
    seula(home, "requests", "verify", request_id, "--method", "platform-message")
    seula(home, "analyse", "sample")
    return home, person, before, table_rows(home)


def test_invariant3_nothing_of_the_person_anywhere(erased) -> None:  # type: ignore[no-untyped-def]
    home, (user_id, handle, name, pid), _, _ = erased
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.suffix == ".db" for p in files) and any(p.name == "seula.log" for p in files)
    decoded = [repr(pq.read_table(p).to_pylist()) for p in home.rglob("*.parquet")]
    for db in home.rglob("*.duckdb"):
        con = duckdb.connect(str(db), read_only=True)
        for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            decoded.append(repr(con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()))
        con.close()
    blobs = [p.read_bytes() for p in files] + [d.encode() for d in decoded]
    for value in (user_id, handle, name, pid):
        pattern = re.compile(rb"(?<![\w])" + re.escape(value.encode()) + rb"(?![\w])")
        assert not any(pattern.search(b) for b in blobs), value


def test_row_counts_drop_by_exactly_the_persons_rows(erased) -> None:  # type: ignore[no-untyped-def]
    _, (_, _, _, pid), before, after = erased
    own = {p["post_pid"] for p in before["posts"] if p["author_pid"] == pid}
    theirs = {
        "posts": len(own),
        "accounts": sum(r["account_pid"] == pid for r in before["accounts"]),
        "follows": sum(pid in (r["follower_pid"], r["followee_pid"]) for r in before["follows"]),
        "interactions": sum(pid in (r["actor_pid"], r["target_account_pid"]) or r["post_pid"] in own
                            for r in before["interactions"]),
        "identity_index": sum(r["account_pid"] == pid for r in before["identity_index"]),
    }
    assert all(theirs[t] > 0 for t in ("posts", "accounts", "follows", "interactions"))
    assert {t: len(before[t]) - len(after[t]) for t in theirs} == theirs
