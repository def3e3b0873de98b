"""Every kind of file X API v2 tools write (tests/data/x-archives: real twarc2 recordings made
by others) imports as what it is (issue 13): accounts from a users file, tweets from pages and
stream lines, a counts file refused in one line, errors and withheld items in the collection
log; a compliance result removes what it names for good; a retweet's counts are its original's."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from typer.testing import CliRunner

from seula.flows.cli import app
from seula.lake.store import Lake
from seula.rights.store import pseudonymiser

ARCHIVES = Path(__file__).parent / "data" / "x-archives"
SEARCH = ARCHIVES / "x_search_recent_brexit_100tweets.jsonl"
SEULA = str(Path(sys.executable).with_name("seula"))


def run(*args: str | Path) -> tuple[int, str, str]:
    out = CliRunner().invoke(app, ["import", "sample", *map(str, args)])
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    return out.exit_code, out.stdout, out.stderr


def rows(home: Path, table: str) -> list[dict]:
    lake = Lake(home)
    return lake.read("sample", table).to_pylist() if table in lake.tables("sample") else []


def log_of(home: Path, name: str) -> list[dict]:
    return [json.loads(r["api_errors"] or "{}") for r in rows(home, "collection_log") if r["task"] == f"import/{name}"]


def data_items(path: Path) -> list[dict]:
    items = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            data = json.loads(line).get("data", [])
        except json.JSONDecodeError:
            continue
        items += [data] if isinstance(data, dict) else data
    return items


def stored_tables(home: Path) -> dict[str, bytes]:
    return {str(p.relative_to(home)): p.read_bytes() for p in (home / "lake").rglob("*.parquet")
            if "collection_log" not in p.parts}


def test_a_users_file_stores_its_accounts_and_logs_its_errors(home: Path) -> None:
    path = ARCHIVES / "x_users_lookup_96users_errors.jsonl"
    code, _, err = run(path)
    assert code == 0, err
    users = {u["id"] for u in data_items(path)}
    assert len(rows(home, "accounts")) == len(users) > 80
    assert not rows(home, "posts")
    assert log_of(home, path.name) == [{"resource-not-found": 7, "not-authorized-for-resource": 1}]
    before = stored_tables(home)
    code, out, _ = run(path)
    assert code == 0 and "nothing new" in out and stored_tables(home) == before


def test_a_counts_file_is_refused_in_one_line_and_stores_nothing(home: Path) -> None:
    code, out, err = run(ARCHIVES / "x_counts_recent_not_tweets.jsonl")
    assert code == 1
    assert [line for line in err.splitlines() if line.strip()] == [(
        "refused x_counts_recent_not_tweets.jsonl: a tweet counts file (numbers of tweets per period): it holds no "
        "posts to import")]
    assert "Traceback" not in out + err and not stored_tables(home)


def test_stream_lines_import_but_the_broken_one(home: Path) -> None:
    path = ARCHIVES / "x_filtered_stream_7tweets_1brokenline.jsonl"
    code, _, err = run(path)
    tweets = {t["id"] for t in data_items(path)}
    assert code == 1 and "x_filtered_stream_7tweets_1brokenline.jsonl:8: not valid JSON" in err
    assert len(rows(home, "posts")) == len(tweets) == 7
    assert log_of(home, path.name) == [{"unreadable line": 1}]


def test_withheld_items_and_errors_are_logged_and_their_posts_kept(home: Path) -> None:
    path = ARCHIVES / "x_tweets_lookup_withheld_5pages.jsonl"
    code, _, err = run(path)
    assert code == 0, err
    withheld = sum(1 for t in data_items(path) if t.get("withheld"))
    assert log_of(home, path.name) == [{"resource-not-found": 5, "withheld": withheld}] and withheld > 0
    assert len(rows(home, "posts")) == len({t["id"] for t in data_items(path)})


def test_a_retweet_carries_no_counts_of_its_own(home: Path) -> None:
    code, _, err = run(SEARCH)
    assert code == 0, err
    retweets = [t for t in data_items(SEARCH) if any(r["type"] == "retweeted" for r in t.get("referenced_tweets", []))]
    assert retweets and all(t["public_metrics"]["retweet_count"] for t in retweets[:3])  # the file repeats the original's
    pseudo = pseudonymiser(Lake(home), "sample")
    wanted = {pseudo.post("x", t["id"]) for t in retweets}
    stored = [p for p in rows(home, "posts") if p["post_pid"] in wanted]
    assert len(stored) == len(retweets)
    assert all(p["repost_count"] is None and p["like_count"] is None for p in stored)


def compliance_file(tmp_path: Path, ids: list[str]) -> Path:
    path = tmp_path / "compliance.jsonl"
    path.write_text("".join(json.dumps({"id": i, "action": "delete", "created_at": "2021-09-22T17:00:00.000Z",
                                        "reason": "deleted"}) + "\n" for i in ids), encoding="utf-8")
    return path


def traces(home: Path, values: set[str]) -> set[str]:
    """Those of ``values`` that stand in any Parquet file, decoded or as bytes."""
    found = set()
    for path in (home / "lake").rglob("*.parquet"):
        decoded, raw = repr(pq.read_table(path).to_pylist()), path.read_bytes()
        found |= {v for v in values if v in decoded or v.encode() in raw}
    return found


def test_a_compliance_result_removes_what_it_names_for_good(home: Path, tmp_path: Path) -> None:
    assert run(SEARCH)[0] == 0
    tweets = data_items(SEARCH)
    gone = [tweets[0]["id"], tweets[1]["id"]]
    author = next(t["author_id"] for t in tweets[5:] if sum(u["author_id"] == t["author_id"] for u in tweets) == 1)
    posts_before = len(rows(home, "posts"))
    pseudo = pseudonymiser(Lake(home), "sample")
    their_post = next(t["id"] for t in tweets if t["author_id"] == author)
    pids = {pseudo.post("x", i) for i in [*gone, their_post]} | {pseudo.account("x", author)}
    assert traces(home, pids) == pids

    code, out, err = run(compliance_file(tmp_path, [*gone, author, "1"]))
    assert code == 0, err
    assert "4 items withdrawn by the platform: removed" in out
    assert len(rows(home, "posts")) == posts_before - 3
    assert not traces(home, pids)
    log = log_of(home, "compliance.jsonl")[0]
    assert log["withdrawn by the platform"] == 4 and log["posts removed"] == 3

    assert run(SEARCH)[0] == 0  # the original pages again: nothing of it comes back
    assert len(rows(home, "posts")) == posts_before - 3
    assert not traces(home, pids)
    assert not (home / "rights" / "deletions.json").read_text(encoding="utf-8").strip("[] \n")


def test_the_real_compliance_file_names_nothing_stored(home: Path) -> None:
    assert run(SEARCH)[0] == 0
    before = stored_tables(home)
    code, out, _ = run(ARCHIVES / "x_compliance_tweets_deletions.jsonl")
    assert code == 0 and "removed none of them stored" in out
    assert {k: v for k, v in stored_tables(home).items() if "findings" not in k and "affiliations" not in k} == \
        {k: v for k, v in before.items() if "findings" not in k and "affiliations" not in k}


def importing(home: Path, path: Path) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"}
    env |= {"SEULA_HOME": str(home), "SEULA_MASTER_KEY": os.environ["SEULA_MASTER_KEY"]}
    return subprocess.Popen([SEULA, "import", "sample", str(path)], cwd=home, env=env, start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


@pytest.mark.slow
def test_a_deletion_killed_half_way_is_finished_by_the_next_run(home: Path, tmp_path: Path) -> None:
    """SIGKILL once the deletion has swapped its first file; `seula requests apply` (run before
    every analysis) finishes it, and the result equals an uninterrupted import's."""
    import shutil

    assert run(SEARCH)[0] == 0
    tweets = data_items(SEARCH)
    ids = [t["id"] for t in tweets[:40]]
    pseudo = pseudonymiser(Lake(home), "sample")
    pids = {pseudo.post("x", i) for i in ids}
    clean = tmp_path / "clean"
    shutil.copytree(home, clean)
    compliance = compliance_file(tmp_path, ids)

    files = {p: p.stat().st_mtime_ns for p in (home / "lake" / "sample").rglob("part-*.parquet")}
    proc = importing(home, compliance)
    deadline = time.monotonic() + 120
    while proc.poll() is None and time.monotonic() < deadline and \
            {p: p.stat().st_mtime_ns for p in (home / "lake" / "sample").rglob("part-*.parquet")} == files:
        time.sleep(0.005)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, "the import finished before it could be killed"
    assert (home / "rights" / "deletions.json").read_text(encoding="utf-8").strip("[] \n")  # journaled, not done

    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"}
    rerun = subprocess.run([SEULA, "requests", "apply"], check=False, cwd=home, capture_output=True, text=True, timeout=300,
                           env=env | {"SEULA_HOME": str(home), "SEULA_MASTER_KEY": os.environ["SEULA_MASTER_KEY"]})
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    baseline = importing(clean, compliance)
    assert baseline.wait(timeout=300) == 0, baseline.stderr.read()[-2000:]  # type: ignore[union-attr]

    assert not traces(home, pids) and not traces(clean, pids)
    assert sorted(p["post_pid"] for p in rows(home, "posts")) == sorted(p["post_pid"] for p in rows(clean, "posts"))
    assert not list(home.rglob("*.tmp"))


GRAPH = Path(__file__).parent / "data" / "facebook-graph"


def graph_objects(path: Path) -> tuple[set[str], set[str], set[str]]:
    return graph_objects_in(json.loads(path.read_text(encoding="utf-8")))


def graph_objects_in(response: object) -> tuple[set[str], set[str], set[str]]:
    """Every object id (posts, comments), person id and person name a saved response holds."""
    objects, people, names = set(), set(), set()

    def walk(value: object) -> None:
        if isinstance(value, dict):
            if isinstance(value.get("id"), str) and ("message" in value or "created_time" in value or "updated_time" in value):
                objects.add(value["id"])
            author = value.get("from")
            if isinstance(author, dict):
                people.add(author["id"])
                names.add(author.get("name") or "")
            for k, v in value.items():
                if k in ("reactions", "likes") and isinstance(v, dict):
                    for p in v.get("data", []):
                        people.add(p["id"])
                        names.add(p.get("name") or "")
                walk(v)
        elif isinstance(value, list):
            for v in value:
                walk(v)

    walk(response)
    return objects, people, {n for n in names if len(n.split()) > 1}


@pytest.mark.parametrize("path", sorted(GRAPH.glob("*.json")), ids=lambda p: p.stem)
def test_a_saved_graph_response_imports_every_object_and_no_identity(home: Path, path: Path) -> None:
    """Posts, 2011 statuses (no created_time), embedded comments, replies, reactions and likes:
    each object once, twice imported adds nothing, and no commenter's id or name is stored."""
    code, _, err = run(path)
    assert code == 0, err
    objects, people, names = graph_objects(path)
    pseudo = pseudonymiser(Lake(home), "sample")
    stored = {p["post_pid"] for p in rows(home, "posts")}
    assert stored == {pseudo.post("facebook", i) for i in objects}
    reactions = [i for i in rows(home, "interactions") if i["kind"].startswith("reaction:")]
    listed = sum(len(v.get("data", [])) for v in _lists(json.loads(path.read_text(encoding="utf-8"))))
    assert len(reactions) == listed
    assert log_of(home, path.name) == [{}] and rows(home, "collection_log")[0]["platform"] == "facebook"
    publishable = {a["account_pid"] for a in rows(home, "accounts") if a["publishable"]}
    private = {p for p in people if pseudo.account("facebook", p) not in publishable}
    assert not traces(home, private | names)
    before = stored_tables(home)
    code, out, _ = run(path)
    assert code == 0 and "nothing new" in out and stored_tables(home) == before


def _lists(value: object) -> list[dict]:
    """The reactions and likes lists anywhere in a response."""
    found = []
    if isinstance(value, dict):
        found += [v for k, v in value.items() if k in ("reactions", "likes") and isinstance(v, dict)]
        for v in value.values():
            found += _lists(v)
    elif isinstance(value, list):
        for v in value:
            found += _lists(v)
    return found


def test_graph_objects_one_per_line_import_and_a_broken_line_is_reported(home: Path, tmp_path: Path) -> None:
    lines = [json.dumps(json.loads(p.read_text(encoding="utf-8"))) for p in sorted(GRAPH.glob("*.json"))]
    path = tmp_path / "graph.jsonl"
    path.write_text("\n".join([lines[0], '{"data": [{"id": "1", "message": "x", "from": {"id": "2"}}', *lines[1:]]) + "\n",
                    encoding="utf-8")
    code, _, err = run(path)
    assert code == 1 and "graph.jsonl:2: not valid JSON" in err
    objects = set().union(*(graph_objects(p)[0] for p in GRAPH.glob("*.json")))
    assert len(rows(home, "posts")) == len(objects)


STATUSES = GRAPH / "fb_page_statuses_2011_25posts_embedded_comments_likes.json"


def test_a_saved_response_cut_short_is_one_line_of_error_and_stores_nothing(home: Path, tmp_path: Path) -> None:
    text = STATUSES.read_text(encoding="utf-8")
    path = tmp_path / "cut.json"
    path.write_text(text[: len(text) // 2], encoding="utf-8")  # a pretty-printed file, cut mid-way
    code, _, err = run(path)
    assert code == 1 and "Traceback" not in err
    assert sum("cut.json" in line for line in err.splitlines()) == 1  # not one per line of the file
    assert "not valid JSON" in err and not rows(home, "posts")


@pytest.mark.parametrize("break_it", [
    lambda post: post.update({"from": "a name, not an object"}),
    lambda post: post.update({"id": 12345}),
    lambda post: post.pop("updated_time", None) or post.pop("created_time", None),
    lambda post: post.update({"created_time": "yesterday"}),
    lambda post: post["comments"]["data"].append(["not", "a", "comment"]),
    lambda post: post["likes"]["data"][0].pop("id"),
], ids=["from-string", "id-number", "no-time", "bad-time", "comment-list", "like-without-id"])
def test_one_broken_post_in_a_saved_response_is_named_and_the_others_kept(home: Path, tmp_path: Path, break_it) -> None:
    value = json.loads(STATUSES.read_text(encoding="utf-8"))
    post = next(p for p in value["data"] if p.get("comments", {}).get("data") and p.get("likes", {}).get("data"))
    index = value["data"].index(post)
    break_it(post)
    path = tmp_path / "statuses.json"
    path.write_text(json.dumps(value), encoding="utf-8")
    code, _, err = run(path)
    assert code == 1 and "Traceback" not in err
    assert f"statuses.json:1: data[{index}]" in err and "a name, not an object" not in err
    others = {o for p in value["data"] if p is not post for o in graph_objects_in(p)[0]}
    pseudo = pseudonymiser(Lake(home), "sample")
    assert {p["post_pid"] for p in rows(home, "posts")} == {pseudo.post("facebook", o) for o in others}
    assert log_of(home, "statuses.json") == [{"unreadable item": 1}]
    before = stored_tables(home)
    assert run(path)[0] == 1 and stored_tables(home) == before  # twice: nothing added, nothing lost
