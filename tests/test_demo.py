"""The README's first command, end to end: `seula demo` twice, then a forensic read of everything."""

import os
import re
import stat
import subprocess
import sys
from pathlib import Path

import duckdb
import pyarrow.parquet as pq
import pytest

from seula.emulators.facebook.world import build_world as build_fb_world
from seula.emulators.x.world import build_world
from seula.flows import config
from seula.flows.collect import policy_for

SEULA = str(Path(sys.executable).with_name("seula"))


def run_demo(home: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_"))}
    env["SEULA_HOME"] = str(home)  # Prefect's home then lives under it too, so it is scanned
    return subprocess.run([SEULA, "demo"], cwd=home, env=env, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[subprocess.CompletedProcess[str]]]:
    home = tmp_path_factory.mktemp("demo-home")
    runs = [run_demo(home), run_demo(home)]
    for run in runs:
        assert run.returncode == 0, run.stderr[-3000:]
    return home, runs


def non_publishable() -> list[tuple[str, ...]]:
    # The sample has no follower rule, so its allowlist and candidate register decide.
    # Facebook users have no handle; none of them is publishable (only the Pages are).
    policy = policy_for(config.load_file(config.BUNDLED / "sample" / "engagement.yaml"))
    # A Facebook user who shares a public figure's name ("Aino Virtanen") is checked by id only.
    accounts = build_world().accounts.values()
    x = [(a.id, a.username, a.name) for a in accounts if not policy.handle_is_publishable(a.username)]
    public_names = {a.name for a in accounts if policy.handle_is_publishable(a.username)}
    return x + [(u.id,) if u.name in public_names else (u.id, u.name) for u in build_fb_world().users.values()]


def every_file(home: Path) -> list[Path]:
    return [p for p in home.rglob("*") if p.is_file()]


def decoded_values(home: Path) -> str:
    """Parquet pages and DuckDB's compressed strings can hide a literal from a byte scan."""
    parts: list[str] = []
    for path in home.rglob("*.parquet"):
        parts.append(repr(pq.read_table(path).to_pylist()))
    for path in home.rglob("*.duckdb"):
        con = duckdb.connect(str(path), read_only=True)
        for schema, table in con.execute("SELECT schema_name, table_name FROM duckdb_tables()").fetchall():
            parts.append(repr(con.execute(f'SELECT * FROM "{schema}"."{table}"').fetchall()))
        con.close()
    return "\n".join(parts)


def any_word(values: list[str]) -> re.Pattern[bytes]:
    # Whole words only: a private handle may be part of a public one ("akoskinen" in "sannakoskinen").
    alternatives = b"|".join(re.escape(v.encode()) for v in sorted(set(values), key=len, reverse=True))
    return re.compile(rb"(?<![\w])(?:" + alternatives + rb")(?![\w])")


def test_demo_prints_report_and_summary(demo: tuple[Path, list]) -> None:
    home, runs = demo
    out = runs[0].stdout
    report = Path(re.search(r"Report: (\S+)", out).group(1))  # type: ignore[union-attr]
    assert report.is_file() and report.is_relative_to(home / "reports" / "sample")
    assert re.search(r"\d+ posts, \d+ accounts, \d+ follow edges collected .*; \d+ subjects pseudonymised; 14 publishable accounts", out)


def test_second_demo_run_collects_nothing_twice(demo: tuple[Path, list]) -> None:
    home, runs = demo
    assert "(0 new rows this run)" in runs[1].stdout
    first = re.search(r"(\d+) posts, (\d+) accounts, (\d+) follow edges", runs[0].stdout).groups()  # type: ignore[union-attr]
    second = re.search(r"(\d+) posts, (\d+) accounts, (\d+) follow edges", runs[1].stdout).groups()  # type: ignore[union-attr]
    assert first == second and int(first[0]) > 500
    con = duckdb.connect()
    for table, key in (("posts", "post_pid"), ("accounts", "account_pid"), ("follows", "follower_pid, followee_pid"),
                       ("interactions", "kind, actor_pid, post_pid, target_account_pid")):
        files = str(home / "lake" / "sample" / table / "*.parquet")
        total, distinct = con.execute(f"SELECT count(*), count(DISTINCT ({key})) FROM read_parquet('{files}')").fetchall()[0]
        assert total == distinct, table


def test_invariant1_no_raw_identifier_of_a_non_publishable_person_on_disk(demo: tuple[Path, list]) -> None:
    home, _ = demo
    files = every_file(home)
    assert any(p.suffix == ".db" for p in files), "Prefect's database should be under the data folder"
    assert any(p.name == "seula.log" for p in files)
    blobs = [(p, p.read_bytes()) for p in files] + [(Path("decoded"), decoded_values(home).encode())]
    pattern = any_word([value for identifiers in non_publishable() for value in identifiers])
    some_id, some_handle, some_name = non_publishable()[0]
    assert pattern.search(f"x @{some_handle} y".encode()) and pattern.search(some_name.encode())  # the scan can fail
    leaks = [f"{m.group(0)!r} in {path}" for path, blob in blobs for m in pattern.finditer(blob)]
    assert leaks == []


def test_no_planted_email_phone_identity_code_or_iban_on_disk(demo: tuple[Path, list]) -> None:
    home, _ = demo
    world, fb = build_world(), build_fb_world()
    planted = (world.planted_emails + world.planted_phones + world.planted_identity_codes + world.planted_ibans
               + fb.planted_emails + fb.planted_phones)
    assert fb.planted_emails and fb.planted_phones
    assert len(world.planted_identity_codes) > 10 and len(world.planted_ibans) > 10
    blob = b"\n".join(p.read_bytes() for p in every_file(home)) + decoded_values(home).encode()
    compact = blob.replace(b" ", b"")  # an IBAN written without its spaces counts too
    assert [v for v in planted if v.encode() in blob or v.replace(" ", "").encode() in compact] == []


def test_publishable_accounts_are_named_in_the_report(demo: tuple[Path, list]) -> None:
    home, _ = demo
    html = max((home / "reports" / "sample").glob("*.html")).read_text()
    assert "Aino Virtanen" in html and "@ainovirtanen" in html
    assert "Posts per day" in html and "<svg" in html


def test_invariant2_key_is_private_and_outside_the_lake(demo: tuple[Path, list]) -> None:
    home, _ = demo
    key_file = home / "keys" / "master.key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_bytes().strip()
    assert [p for p in every_file(home) if p != key_file and key in p.read_bytes()] == []


def test_catalog_has_one_view_per_table(demo: tuple[Path, list]) -> None:
    home, _ = demo
    con = duckdb.connect(str(home / "lake" / "catalog.duckdb"), read_only=True)
    views = {r[0] for r in con.execute("SELECT view_name FROM duckdb_views() WHERE schema_name = 'sample'").fetchall()}
    assert {"posts", "accounts", "follows", "interactions", "m_daily_volume"} <= views
    con.close()
