"""`seula sql`: read-only, one engagement's views, no key material."""

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from seula.collectors.records import Account, Batch
from seula.flows.cli import app
from seula.lake import schema
from seula.lake.catalog import QueryRefused, connect, read_only_query, refresh_catalog
from seula.lake.store import Lake
from seula.lake.subjects import set_exclusions
from seula.privacy.keys import master_secret
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.sieve import Sieve


def seed_engagement(home: Path, engagement: str, handle: str) -> None:
    sieve = Sieve(engagement, Pseudonymiser(b"k" * 32), PublishabilityPolicy({handle}))
    batch = Batch("x", "users_by_usernames", None, datetime(2026, 10, 1, tzinfo=UTC))
    batch.accounts.append(Account("x", "42", handle, "Name"))
    for name, table in sieve.apply(batch).tables.items():
        Lake(home).append(engagement, schema.STORED[name], table)


@pytest.fixture
def two_engagements(home: Path) -> Path:
    seed_engagement(home, "alpha", "alpha_org")
    seed_engagement(home, "beta", "beta_org")
    master_secret(home, create=True)  # env key wins, but make sure no key file is reachable either
    refresh_catalog(home)
    return home


def test_select_works_and_formats(two_engagements: Path) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["sql", "alpha", "SELECT handle FROM accounts", "--format", "csv"])
    assert out.exit_code == 0, out.output
    assert out.output.splitlines() == ["handle", "alpha_org"]
    out = runner.invoke(app, ["sql", "alpha", "SELECT count(*) AS n FROM posts", "-f", "json"])
    assert json.loads(out.output) == [{"n": 0}]  # one JSON array (JSON Lines is -f nl)


@pytest.mark.parametrize("query", [
    "DELETE FROM accounts",
    "CREATE TABLE t AS SELECT 1",
    "INSERT INTO accounts SELECT * FROM accounts",
    "COPY accounts TO '/tmp/leak.csv'",
    "ATTACH 'other.db'",
    "SELECT 1; DROP VIEW accounts",
])
def test_writes_are_refused(two_engagements: Path, query: str) -> None:
    with pytest.raises(QueryRefused):
        read_only_query(two_engagements, "alpha", query).fetchall()


def test_other_engagements_and_keys_are_out_of_reach(two_engagements: Path) -> None:
    lake = Lake(two_engagements)
    beta_files = str(lake.table_dir("beta", "accounts") / "*.parquet")
    for query in (
        "SELECT * FROM beta.accounts",
        f"SELECT * FROM read_parquet('{beta_files}')",
        f"SELECT * FROM read_text('{two_engagements / 'keys' / 'master.key'}')",
        f"SELECT * FROM read_text('{two_engagements / 'lake' / 'catalog.duckdb'}')",
        "SELECT * FROM read_csv('/etc/passwd')",
        "SET enable_external_access = true",
    ):
        with pytest.raises(QueryRefused):
            read_only_query(two_engagements, "alpha", query).fetchall()


def test_cli_refusal_is_one_line(two_engagements: Path) -> None:
    out = CliRunner().invoke(app, ["sql", "alpha", "DROP VIEW accounts"])
    assert out.exit_code == 1
    assert "only SELECT queries are allowed" in out.output
    out = CliRunner().invoke(app, ["sql", "nope", "SELECT 1"])
    assert out.exit_code == 1 and "unknown engagement 'nope'" in out.output  # no engagement file names it


# --- Restricted people (GDPR Art. 18): not one of their rows is readable by any route ---

_P = Pseudonymiser(b"r" * 32)
BAD, GOOD = _P.account("x", "1"), _P.account("x", "2")
BAD_POST, GOOD_POST = _P.post("x", "10"), _P.post("x", "20")
BAD_TEXT = "restrictedwords of the restricted person"
NOW = datetime(2026, 10, 1, tzinfo=UTC)


def _rows(spec: schema.TableSpec, rows: list[dict]) -> pa.Table:
    provenance = {"engagement": "gamma", "platform": "x", "endpoint": "e", "query": None, "collected_at": NOW}
    return schema.conform(spec, [{**provenance, **r} for r in rows])


@pytest.fixture
def restricted(home: Path) -> Path:
    """Engagement ``gamma``: BAD is restricted; GOOD liked BAD's post (that like is BAD's data too)."""
    lake = Lake(home)
    account = {"publishable": False, "publishable_reason": "private person"}
    lake.append("gamma", schema.ACCOUNTS, _rows(schema.ACCOUNTS, [
        {"account_pid": BAD, "handle": "bad_handle", **account}, {"account_pid": GOOD, "handle": "good_handle", **account}]))
    lake.append("gamma", schema.POSTS, _rows(schema.POSTS, [
        {"post_pid": BAD_POST, "author_pid": BAD, "created_at": NOW, "text": BAD_TEXT},
        {"post_pid": GOOD_POST, "author_pid": GOOD, "created_at": NOW, "text": "a good post"}]))
    # A file from before the derived columns existed: the tables still unite by column name.
    old = _rows(schema.POSTS, [{"post_pid": _P.post("x", "11"), "author_pid": BAD, "created_at": NOW, "text": BAD_TEXT}])
    pq.write_table(old.drop_columns(["terms", "author_key"]), lake.table_dir("gamma", "posts") / "part-00000000000000000001-old.parquet")
    lake.append("gamma", schema.INTERACTIONS, _rows(schema.INTERACTIONS, [
        {"kind": "like", "actor_pid": GOOD, "post_pid": BAD_POST},  # on a restricted person's post
        {"kind": "like", "actor_pid": BAD, "post_pid": GOOD_POST},  # by the restricted person
        {"kind": "like", "actor_pid": GOOD, "post_pid": GOOD_POST}]))
    lake.append("gamma", schema.FOLLOWS, _rows(schema.FOLLOWS, [
        {"follower_pid": GOOD, "followee_pid": BAD}, {"follower_pid": GOOD, "followee_pid": GOOD}]))
    set_exclusions(lake, "gamma", {BAD: "restriction R00001"})
    return home


def _leaks(rows: list[tuple]) -> bool:
    text = repr(rows)
    return BAD in text or BAD_POST in text or "restrictedwords" in text or "bad_handle" in text


def test_views_leave_the_restricted_person_out(restricted: Path) -> None:
    expected = {"accounts": 1, "posts": 1, "interactions": 1, "follows": 1}
    for table, n in expected.items():
        rows = read_only_query(restricted, "gamma", f"SELECT * FROM {table}").fetchall()
        assert len(rows) == n and not _leaks(rows), table
    for query in (
        "SELECT text FROM posts",  # the person column is not asked for, yet still checked
        "SELECT count(*), max(text) FROM posts",
        f"SELECT * FROM posts WHERE author_pid = '{BAD}'",  # the query's own filter adds to the exclusion
        f"SELECT * FROM interactions WHERE post_pid = '{BAD_POST}' OR actor_pid = '{BAD}'",
        "WITH p AS (SELECT * FROM posts) SELECT * FROM p WHERE text LIKE 'restricted%'",
        "SELECT * FROM (SELECT * FROM query_table('posts'))",
        "SELECT * FROM query('SELECT * FROM posts')",
        "SELECT * FROM query_table(['accounts', 'posts'], true)",
    ):
        rows = read_only_query(restricted, "gamma", query).fetchall()
        assert not _leaks(rows), query
    assert read_only_query(restricted, "gamma", "SELECT count(*) FROM posts").fetchall() == [(1,)]


def test_sandbox_shows_what_the_views_show(restricted: Path) -> None:
    views = connect(restricted, "gamma")
    with pytest.raises(QueryRefused):  # who is restricted is not for the analyst either
        read_only_query(restricted, "gamma", "SELECT * FROM exclusions").fetchall()
    for table in sorted(set(schema.COLLECTED) | set(Lake(restricted).tables("gamma")) - {"exclusions"}):
        order = f"SELECT * FROM {table} ORDER BY ALL"
        assert read_only_query(restricted, "gamma", order).fetchall() == views.execute(order).fetchall(), table
        describe = f"SELECT column_name, column_type FROM (DESCRIBE {table})"
        assert (read_only_query(restricted, "gamma", f"SELECT * FROM ({describe})").fetchall()
                == views.execute(describe).fetchall()), table


def _routes(home: Path) -> list[str]:
    lake = Lake(home)
    posts = lake.table_dir("gamma", "posts")
    first = str(lake.files("gamma", "posts")[0])
    return [
        f"SELECT * FROM read_parquet('{posts}/*.parquet')",
        f"SELECT * FROM read_parquet('{posts}/**')",
        f"SELECT * FROM read_parquet('{lake.root}/*/posts/part-*.parquet')",
        f"SELECT * FROM read_parquet(['{first}'])",
        f"SELECT * FROM '{posts}/part-*.parquet'",
        f"SELECT * FROM '{first}'",
        f"SELECT * FROM parquet_scan('{first}')",
        f"SELECT * FROM parquet_metadata('{first}')",
        f"SELECT * FROM read_blob('{first}')",
        f"SELECT * FROM read_text('{first}')",
        f"SELECT * FROM read_csv('{first}')",
        f"SELECT * FROM glob('{lake.root}/**')",
        f"SELECT * FROM query_table('{first}')",
        f"SELECT * FROM query('SELECT * FROM read_parquet(''{first}'')')",
        f"WITH raw AS (SELECT * FROM read_parquet('{posts}/*.parquet')) SELECT * FROM raw",
        f"SELECT * FROM posts UNION ALL SELECT * FROM read_parquet('{posts}/*.parquet', union_by_name = true)",
        f"SELECT * FROM accounts WHERE account_pid IN (SELECT author_pid FROM '{first}')",
        "SELECT * FROM read_parquet('.tmp/*.parquet')",  # DuckDB's spill folder is readable unless there is none
        "SELECT * FROM _excluded",
        "SELECT * FROM _excluded_posts",
        "SET allowed_directories = ['/']",
        "SELECT * FROM python_arrow_scan()",
    ]


def test_no_file_route_around_the_views(restricted: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    lake = Lake(restricted)
    monkeypatch.chdir(restricted)
    (restricted / ".tmp").mkdir()
    shutil.copy(lake.files("gamma", "posts")[0], restricted / ".tmp" / "copy.parquet")
    answered = {}
    for query in _routes(restricted):
        try:
            rows = read_only_query(restricted, "gamma", query).fetchall()
        except QueryRefused:
            continue
        except duckdb.Error as exc:  # not refused, but failed later: still not the one-line refusal
            answered[query] = type(exc).__name__
            continue
        answered[query] = "LEAKS" if _leaks(rows) else f"{len(rows)} rows"
    assert answered == {}


def test_catalog_functions_reveal_no_lake_file(restricted: Path) -> None:
    root = str(Lake(restricted).root)
    for query in ("SELECT * FROM duckdb_views()", "SELECT * FROM duckdb_tables()", "SELECT * FROM duckdb_columns()",
                  "SELECT * FROM duckdb_settings()", "SELECT * FROM information_schema.tables"):
        rows = read_only_query(restricted, "gamma", query).fetchall()
        assert root not in repr(rows) and not _leaks(rows), query
    views = read_only_query(restricted, "gamma", "SELECT view_name FROM duckdb_views() WHERE NOT internal").fetchall()
    assert {v for (v,) in views} == set(schema.COLLECTED)  # no helper view, no list of the restricted
    assert read_only_query(restricted, "gamma", "SELECT current_setting('allowed_directories')").fetchall() == [([],)]
