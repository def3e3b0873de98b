"""`seula sql`, `seula tables`, `seula schema`: shaped like sqlite-utils and DuckDB's CLI, and
every mistake one line on stderr with exit code 1."""

import json
import os
import pty
import subprocess
import sys
from pathlib import Path

import pyarrow as pa
import pytest
from typer.testing import CliRunner

from seula.flows.cli import app
from seula.lake.store import Lake
from tests.test_sql import BAD, BAD_POST, restricted, two_engagements  # noqa: F401  (fixtures)

run = CliRunner().invoke


def _fails(result, *words: str) -> str:  # type: ignore[no-untyped-def]
    """The command failed with exit 1 and one line on stderr, "error: …", holding ``words``."""
    lines = result.stderr.splitlines()
    assert result.exit_code == 1, result.output
    assert len(lines) == 1 and lines[0].startswith("error: "), result.stderr
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    for word in words:
        assert word in lines[0], lines[0]
    return lines[0]


@pytest.mark.parametrize("command", [["sql", "nope", "SELECT 1"], ["tables", "nope"], ["schema", "nope"]])
def test_an_unknown_engagement_is_called_unknown(two_engagements: Path, command: list[str]) -> None:
    line = _fails(run(app, command), "unknown engagement 'nope'", "nope.yaml")
    assert "no data yet" not in line


def test_a_known_engagement_without_data_says_so(home: Path) -> None:
    _fails(run(app, ["sql", "sample", "SELECT 1"]), "has no data yet", "seula collect sample")  # the bundled file


@pytest.mark.parametrize(("command", "words"), [
    (["schema", "gamma", "nope"], ("unknown table 'nope'", "accounts", "posts")),
    (["schema", "gamma", "exclusions"], ("unknown table 'exclusions'",)),
    (["sql", "gamma", "SELEC handle FROM accounts"], ("cannot parse query",)),
    (["sql", "gamma", "SELECT nothing FROM accounts"], ("nothing",)),
    (["sql", "gamma", "SELECT CAST(handle AS INTEGER) FROM accounts"], ("Conversion Error",)),  # fails as it runs
    (["sql", "gamma", "DELETE FROM accounts"], ("only SELECT queries are allowed",)),
    (["sql", "gamma", "SELECT 1; DROP VIEW posts"], ("exactly one SELECT",)),
    (["sql", "gamma", "SELECT * FROM accounts WHERE handle = $h"], ("no value for parameter $h", "-p h VALUE")),
    (["sql", "gamma", "SELECT 1", "-p", "h", "x"], ("mismatch",)),  # a value the query never asks for
    (["sql", "gamma", "SELECT 1", "-p", "h"], ("-p NAME VALUE",)),
    (["sql", "gamma", "SELECT 1", "--csv", "--json"], ("choose one output format",)),
])
def test_every_mistake_is_one_line(restricted: Path, command: list[str], words: tuple[str, ...]) -> None:
    _fails(run(app, command), *words)


def test_json_is_one_array_and_nl_one_object_a_line(restricted: Path) -> None:
    query = "SELECT post_pid, created_at, hashtags, like_count FROM posts"
    out = run(app, ["sql", "gamma", query, "--json"])
    assert out.exit_code == 0, out.output
    rows = json.loads(out.stdout)
    assert isinstance(rows, list) and len(rows) == 1 and BAD_POST not in out.stdout
    assert rows[0]["created_at"] == "2026-10-01T00:00:00+00:00" and rows[0]["like_count"] is None
    assert json.loads(run(app, ["sql", "gamma", query + " WHERE false", "-f", "json"]).stdout) == []
    lines = run(app, ["sql", "gamma", "SELECT * FROM range(3) AS t(i)", "--nl"]).stdout.splitlines()
    assert [json.loads(line) for line in lines] == [{"i": 0}, {"i": 1}, {"i": 2}]


def test_csv_and_table_on_request(restricted: Path) -> None:
    out = run(app, ["sql", "gamma", "SELECT handle, [1, 2] AS l, NULL AS n, 'a,b' AS c FROM accounts", "--csv"])
    assert out.stdout.splitlines() == ["handle,l,n,c", 'good_handle,"[1, 2]",,"a,b"']
    out = run(app, ["sql", "gamma", "SELECT '[bold]x' AS markup", "--table"])
    assert "┃ markup" in out.stdout and "[bold]x" in out.stdout  # a value is not read as rich markup


def _seula(home: Path) -> tuple[list[str], dict[str, str]]:
    env = {**os.environ, "SEULA_HOME": str(home)}
    script = Path(sys.executable).with_name("seula")
    return ([str(script)] if script.exists() else [sys.executable, "-m", "seula.flows.cli"]), env


def test_piped_output_is_csv_and_a_terminal_gets_a_table(restricted: Path) -> None:
    command, env = _seula(restricted)
    query = [*command, "sql", "gamma", "SELECT handle FROM accounts"]
    leader, follower = pty.openpty()
    on_terminal = subprocess.Popen(query, stdout=follower, stderr=subprocess.PIPE, env=env)
    os.close(follower)
    piped = subprocess.run(query, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, timeout=60)  # meanwhile
    assert piped.returncode == 0, piped.stderr
    assert piped.stdout.decode().splitlines() == ["handle", "good_handle"]
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other end closed
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert on_terminal.wait(timeout=60) == 0
    assert "good_handle" in seen.decode() and "━" in seen.decode() and "handle," not in seen.decode()


def test_rows_stop_at_the_limit_with_a_line_on_stderr(restricted: Path) -> None:
    out = run(app, ["sql", "gamma", "SELECT * FROM range(1500)", "--csv"])
    assert out.exit_code == 0 and len(out.stdout.splitlines()) == 1 + 1000
    assert out.stderr.strip() == "showing the first 1000 rows of more than 1000 (--limit N for more, --limit 0 for all)"
    out = run(app, ["sql", "gamma", "SELECT * FROM range(5) ORDER BY range DESC", "--limit", "2", "--nl"])
    assert [json.loads(line)["range"] for line in out.stdout.splitlines()] == [4, 3] and "first 2 rows" in out.stderr
    out = run(app, ["sql", "gamma", "SELECT * FROM range(1500)", "--csv", "--limit", "0"])
    assert len(out.stdout.splitlines()) == 1 + 1500 and out.stderr == ""
    out = run(app, ["sql", "gamma", "SELECT * FROM range(2)", "--csv", "--limit", "2"])  # exactly the limit: no more
    assert len(out.stdout.splitlines()) == 1 + 2 and out.stderr == ""


def test_parameters_are_bound_as_values(restricted: Path) -> None:
    def values(*args: str) -> list[dict]:
        out = run(app, ["sql", "gamma", *args, "--json"])
        assert out.exit_code == 0, out.output
        return json.loads(out.stdout)

    query = "SELECT handle FROM accounts WHERE handle = $h"
    assert values(query, "-p", "h", "good_handle") == [{"handle": "good_handle"}]
    assert values(query, "-p", "h", "x' OR '1'='1") == []  # a value, never SQL text
    assert values(query, "-p", "h", "bad_handle") == []  # the restricted person stays out
    assert values("SELECT count(*) AS n FROM range(10) WHERE range < $n", "-p", "n", "3") == [{"n": 3}]
    assert values("SELECT $a || $b AS x", "--param", "a", "-p", "-p", "b", "--2") == [{"x": "-p--2"}]


def test_tables_lists_the_analysts_tables_only(restricted: Path) -> None:
    lake = Lake(restricted)
    lake.replace("gamma", "m_top_terms", pa.table({"term": ["vaalit"], "posts": [3]}))
    assert "exclusions" in lake.tables("gamma")
    out = run(app, ["tables", "gamma", "--csv"])
    listed = out.stdout.splitlines()
    assert listed[0] == "table"
    assert {"accounts", "posts", "follows", "interactions", "collection_log", "m_top_terms"} <= set(listed[1:])
    hidden = {"exclusions", "platform_ids", "identity_index", "quarantine"}
    assert not hidden & set(listed) and not any(t.startswith("_") for t in listed)
    out = run(app, ["schema", "gamma", "--json"])
    assert {r["table"] for r in json.loads(out.stdout)} == set(listed[1:])


def test_counts_leave_the_restricted_person_out(restricted: Path) -> None:
    out = run(app, ["tables", "gamma", "--counts", "--json"])
    counts = {r["table"]: r["rows"] for r in json.loads(out.stdout)}
    assert {t: counts[t] for t in ("accounts", "posts", "interactions", "follows")} == {
        "accounts": 1, "posts": 1, "interactions": 1, "follows": 1}
    stored = {t: Lake(restricted).read("gamma", t).num_rows for t in ("accounts", "posts", "interactions", "follows")}
    assert stored == {"accounts": 2, "posts": 3, "interactions": 3, "follows": 2}  # the lake holds BAD's rows


def test_schema_gives_columns_and_types(restricted: Path) -> None:
    out = run(app, ["schema", "gamma", "posts", "--csv"])
    lines = out.stdout.splitlines()
    assert lines[0] == "table,column,type" and all(line.startswith("posts,") for line in lines[1:])
    assert {"posts,post_pid,VARCHAR", "posts,created_at,TIMESTAMP WITH TIME ZONE", "posts,hashtags,VARCHAR[]"} <= set(lines)
    assert BAD not in out.stdout
