"""`seula sql`: read-only, one engagement's views, no key material."""

from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from collectors.records import Account, Batch
from flows.cli import app
from lake import schema
from lake.catalog import QueryRefused, read_only_query, refresh_catalog
from lake.store import Lake
from privacy.keys import master_secret
from privacy.policy import PublishabilityPolicy
from privacy.pseudonyms import Pseudonymiser
from privacy.sieve import Sieve


def seed_engagement(home: Path, engagement: str, handle: str) -> None:
    sieve = Sieve(engagement, Pseudonymiser(b"k" * 32), PublishabilityPolicy({handle}))
    batch = Batch("x", "users_by_usernames", None, datetime(2026, 10, 1, tzinfo=UTC))
    batch.accounts.append(Account("x", "42", handle, "Name"))
    for name, table in sieve.apply(batch).tables.items():
        Lake(home).append(engagement, schema.COLLECTED[name], table)


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
    assert out.output.strip() == '{"n": 0}'


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
    assert out.exit_code == 1 and "has no data yet" in out.output
