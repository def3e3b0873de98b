"""X's batch compliance through tweepy against the emulator (issue 13): what X reports as
deleted or protected leaves every stored file, sealed ids included, and a later collection
does not bring it back."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.flows.cli import app
from seula.flows.demo import DEMO_RATE_LIMITS
from seula.lake.store import Lake
from seula.rights.deletions import platform_ids
from seula.rights.store import pseudonymiser
from tests.test_rights import collect
from tests.test_x_files_import import traces


def test_a_compliance_sweep_removes_what_x_withdrew_for_good(home: Path) -> None:
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        collect("sample", emu)
        ids = platform_ids(home, "sample", "x")
        assert len(ids["post"]) == len(Lake(home).read("sample", "posts").filter(
            Lake(home).read("sample", "posts")["platform"].to_numpy(zero_copy_only=False) == "x"))
        tweet = ids["post"][0]
        users = {p.author_id for p in emu.world.posts if p.id in set(ids["post"])}
        user = sorted(users - {emu.world.post(tweet).author_id})[0]
        emu.withdraw(tweet, "deleted")
        emu.withdraw(user, "protected")
        pseudo = pseudonymiser(Lake(home), "sample")
        gone = {pseudo.post("x", tweet), pseudo.account("x", user)} | {
            pseudo.post("x", p.id) for p in emu.world.posts if p.author_id == user}
        assert traces(home, gone)

        out = CliRunner().invoke(app, ["compliance", "sample", "--x-base-url", emu.base_url])
        assert out.exit_code == 0, out.output
        assert f"checked {len(ids['post'])} tweets, {len(ids['account'])} users: 2 withdrawn by the platforms" in out.output
        assert {"compliance_jobs", "compliance_upload", "compliance_job", "compliance_download"} >= {
            k for k, _ in emu.request_log if k.startswith("compliance")} and ("compliance_upload", 200) in emu.request_log
        assert not traces(home, gone)
        left = platform_ids(home, "sample", "x")
        assert tweet not in left["post"] and user not in left["account"]

        collect("sample", emu)  # X still serves them here: the suppression list keeps them out
        assert not traces(home, gone)
    log = [r for r in Lake(home).read("sample", "collection_log").to_pylist() if r["task"] == "compliance/x"]
    assert len(log) == 1 and '"withdrawn by the platform": 2' in log[0]["api_errors"]


def test_the_sealed_ids_are_no_table_of_the_analysts_sql(home: Path) -> None:
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        collect("sample", emu)
    assert "platform_ids" in Lake(home).tables("sample")
    for query in ("SELECT count(*) FROM platform_ids",
                  f"SELECT count(*) FROM read_parquet('{home}/lake/sample/platform_ids/*.parquet')"):
        out = CliRunner().invoke(app, ["sql", "sample", query])
        assert out.exit_code == 1 and "Traceback" not in out.output, out.output


def test_a_facebook_recheck_removes_an_object_the_platform_deleted(home: Path) -> None:
    from seula.emulators.facebook.emulator import FbEmulator
    from tests.collecting import collect_facebook_pages

    from seula.flows.demo import DEMO_GRAPH_CALLS_PER_HOUR

    with FbEmulator(calls_per_hour=DEMO_GRAPH_CALLS_PER_HOUR) as fb:
        collect_facebook_pages("sample", fb.base_url)
        ids = platform_ids(home, "sample", "facebook")
        posts = [i for i in ids["post"] if fb.world.post(i) is not None]
        assert posts and len(ids["post"]) == sum(1 for p in Lake(home).read("sample", "posts").to_pylist()
                                                 if p["platform"] == "facebook")
        deleted = posts[0]
        fb.delete(deleted)
        pseudo = pseudonymiser(Lake(home), "sample")
        assert traces(home, {pseudo.post("facebook", deleted)})

        out = CliRunner().invoke(app, ["compliance", "sample", "--fb-base-url", fb.base_url])
        assert out.exit_code == 0, out.output
        assert f"checked {len(ids['post'])} facebook objects: 1 withdrawn by the platforms" in out.output
        assert not traces(home, {pseudo.post("facebook", deleted)})
        assert deleted not in platform_ids(home, "sample", "facebook")["post"]
        collect_facebook_pages("sample", fb.base_url)  # it is no longer served; nor would it be stored
        assert not traces(home, {pseudo.post("facebook", deleted)})
