"""The audit's findings on the rights register (issue 11), one regression test each: a request
the register calls done must be done in the stored bytes, whatever came before it."""

import json
import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pyarrow.parquet as pq
import pytest
import yaml
from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.flows import config
from seula.flows.analyse import compute_metrics
from seula.flows.cli import app
from tests.collecting import collect_x_accounts
from seula.flows.report import write_package
from seula.flows.rights import apply_subject_requests
from seula.lake.catalog import connect
from seula.lake.store import Lake
from seula.privacy.keys import KeyMaterialError
from seula.rights.store import register
from tests.test_rights import collect, file_request, lake_home, pid_of, rows_about  # noqa: F401  (fixture)

SEULA = str(Path(sys.executable).with_name("seula"))


def request(type_: str, handle: str, verify: bool = True, **extra: str) -> str:
    """A request as the privacy contact files it: by the handle the person gave."""
    return file_request(type_, handle, verify, **extra)


def decoded(home: Path) -> str:
    """Every Parquet value and every other file of the data folder, as one text."""
    parts = [repr(pq.read_table(p).to_pylist()) for p in home.rglob("*.parquet")]
    parts += [p.read_bytes().decode("utf-8", "replace") for p in home.rglob("*") if p.is_file() and p.suffix != ".parquet"]
    return "\n".join(parts)


def texts(home: Path, engagement: str = "sample") -> str:
    lake = Lake(home)
    posts = lake.read(engagement, "posts").select(["text", "query"]).to_pylist()
    accounts = lake.read(engagement, "accounts").select(["description", "query", "handle", "display_name"]).to_pylist()
    return repr(posts) + repr(accounts)


def nothing_of(home: Path, pid: str, engagement: str = "sample") -> None:
    assert rows_about(home, pid, engagement) == dict.fromkeys(rows_about(home, pid, engagement), 0)


# 1 ------------------------------------------------------------------------------------

def test_objection_then_erasure_of_a_publishable_person_erases_her(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    aino = emu.world.user_by_username("ainovirtanen")
    pid = pid_of(home, aino.id)
    assert rows_about(home, pid)["posts"] > 0
    request("objection", "@ainovirtanen")
    apply_subject_requests.fn()
    assert "ainovirtanen" not in texts(home).lower()  # blanked: her handle is gone from the clear columns
    erasure = request("erasure", "@ainovirtanen")
    apply_subject_requests.fn()
    nothing_of(home, pid)
    assert pid not in decoded(home)
    _, r = register(home).get(erasure)
    assert r.status == "closed" and r.identity is None and r.targets is None
    assert "nothing stored" not in repr(r.audit)
    collect("sample", emu)  # the next collection (her timeline is configured) brings nothing back
    nothing_of(home, pid)


# 2: SIGKILL mid-erasure, see tests/test_rights_kill.py ---------------------------------------

# 3 ------------------------------------------------------------------------------------

def _engagement(home: Path, engagement_id: str) -> None:
    eng = config.load("sample").model_dump(mode="json") | {"id": engagement_id}
    eng["platforms"].pop("facebook")
    eng["platforms"]["x"] |= {"search": [], "collect": ["followers", "following"], "follows_refresh_days": 0}
    (home / "engagements").mkdir(exist_ok=True)
    (home / "engagements" / f"{engagement_id}.yaml").write_text(yaml.safe_dump(eng))


def test_an_erased_configured_account_is_not_collected_again(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    for e in ("cfg", "cfg2"):
        _engagement(home, e)
        collect_x_accounts(e, emu.base_url)
    laura = emu.world.user_by_username("lauraniemi")
    follows = {e: rows_about(home, pid_of(home, laura.id, e), e)["follows"] for e in ("sample", "cfg", "cfg2")}
    assert all(n > 0 for n in follows.values())
    request("erasure", "@lauraniemi")
    apply_subject_requests.fn()
    for e in ("cfg", "cfg2"):  # the follow graph is refreshed on every run here
        collect_x_accounts(e, emu.base_url)
    collect("sample", emu)
    for e in ("sample", "cfg", "cfg2"):
        nothing_of(home, pid_of(home, laura.id, e), e)


# 4 ------------------------------------------------------------------------------------

def test_erasing_a_publishable_person_removes_her_handle_and_name_from_others_texts(
        lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    assert "@ainovirtanen" in texts(home).lower()  # others mention her in clear: she is publishable
    request("erasure", "@ainovirtanen")
    apply_subject_requests.fn()
    stored = texts(home).lower()
    assert "ainovirtanen" not in stored and "aino virtanen" not in stored
    assert "<erased>" in stored
    # Later posts that name her, by handle or by display name, are stored without her.
    other = next(a for a in emu.world.accounts.values() if a.username not in config.load("sample").platforms.x.accounts)  # type: ignore[union-attr]
    emu.world.add_post(other.username, "Aino Virtanen puhui tänään #vaalit, kiitos @ainovirtanen",
                       emu.world.posts[-1].created_at + timedelta(hours=1))
    collect("sample", emu)
    stored = texts(home)
    assert "Aino Virtanen" not in stored and "ainovirtanen" not in stored.lower()
    assert "<erased> puhui tänään #vaalit, kiitos @<erased>" in stored


# 5 ------------------------------------------------------------------------------------

def _count(home: Path, pid: str, engagement: str = "sample") -> int:
    con = connect(home, engagement)
    try:
        return con.execute("SELECT (SELECT count(*) FROM posts WHERE author_pid = $1) + "
                           "(SELECT count(*) FROM follows WHERE follower_pid = $1 OR followee_pid = $1)", [pid]).fetchall()[0][0]
    finally:
        con.close()


def test_restriction_applies_the_moment_it_is_filed_and_derived_tables_follow(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    compute_metrics.fn("sample", 10)
    aino = emu.world.user_by_username("ainovirtanen")
    pid = pid_of(home, aino.id)
    assert _count(home, pid) > 0
    assert "ainovirtanen" in repr(Lake(home).read("sample", "m_top_accounts").to_pylist())
    request_id = request("restriction", "@ainovirtanen", verify=False)  # no apply: the CLI alone
    assert _count(home, pid) == 0
    assert not [t for t in Lake(home).tables("sample") if t.startswith("m_")]  # nothing derived keeps naming her
    out = CliRunner().invoke(app, ["sql", "sample", f"SELECT count(*) FROM read_parquet('{home}/lake/sample/posts/*.parquet')"])
    assert out.exit_code == 1 and "error" in out.output
    assert CliRunner().invoke(app, ["requests", "lift", request_id]).exit_code == 0
    assert _count(home, pid) > 0  # lifting is at once too


def test_objection_keeps_its_marketing_exclusion_and_a_later_restriction_by_handle_applies(
        lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    mkt = config.load("sample").model_dump(mode="json") | {"id": "mkt", "purpose": "marketing"}
    mkt["publishable"]["candidates"] = str(config.BUNDLED / "sample" / "candidates.csv")
    mkt["platforms"].pop("facebook")
    (home / "engagements").mkdir(exist_ok=True)
    (home / "engagements" / "mkt.yaml").write_text(yaml.safe_dump(mkt))
    collect("mkt", emu)
    aino = emu.world.user_by_username("ainovirtanen")
    assert _count(home, pid_of(home, aino.id, "mkt"), "mkt") > 0
    request("objection", "@ainovirtanen")
    for _ in range(3):  # every later run keeps it
        apply_subject_requests.fn()
        assert _count(home, pid_of(home, aino.id, "mkt"), "mkt") == 0
    request("restriction", "@ainovirtanen", verify=False)  # by handle, after the objection blanked it
    assert _count(home, pid_of(home, aino.id)) == 0


# 6 ------------------------------------------------------------------------------------

def test_another_master_key_is_refused_before_anything_is_written(
        lake_home: tuple[Path, XEmulator], monkeypatch: pytest.MonkeyPatch) -> None:
    home, emu = lake_home
    before = sorted((p, p.stat().st_mtime_ns) for p in (home / "lake").rglob("*.parquet"))
    monkeypatch.setenv("SEULA_MASTER_KEY", "a-different-master-key-" + "y" * 32)
    with pytest.raises(KeyMaterialError, match="another master key"):
        collect("sample", emu)
    with pytest.raises(KeyMaterialError, match="another master key"):
        apply_subject_requests.fn()
    out = CliRunner().invoke(app, ["requests", "list"])
    assert out.exit_code == 1 and out.output.count("\n") == 1 and "another master key" in out.output
    assert sorted((p, p.stat().st_mtime_ns) for p in (home / "lake").rglob("*.parquet")) == before


# 7 ------------------------------------------------------------------------------------

def test_a_closed_request_keeps_no_identity_note_or_corrected_value(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    note = "vastaus osoitteesta juha.rantanen@example.fi, puh. 040 123 4567"
    rect = request("rectification", "@ainovirtanen", field="description", value="Uusi kuvaus, juha.rantanen@example.fi",
                   note=note)
    stored = (home / "rights" / "requests.json").read_text()
    assert "juha.rantanen" not in stored and "123 4567" not in stored  # sieved before it is kept
    apply_subject_requests.fn()
    assert CliRunner().invoke(app, ["requests", "close", rect]).exit_code == 0
    _, r = register(home).get(rect)
    assert r.identity is None and r.note is None and r.targets is None and r.rectification == {"field": "description"}
    assert "ainovirtanen" not in (home / "rights" / "requests.json").read_text()
    bad = CliRunner().invoke(app, ["requests", "verify", rect, "--method", "reply from juha.rantanen@example.fi"])
    assert bad.exit_code == 1  # the method is a category; the detail stays out of the register


def test_the_export_log_lists_every_pseudonym_an_export_holds(lake_home: tuple[Path, XEmulator]) -> None:
    from seula.flows.collect import policy_for
    from seula.flows.report import log_export

    home, emu = lake_home
    compute_metrics.fn("sample", 10)
    package = write_package.fn("sample", ["gexf"])  # a graph file: pseudonyms, no handle of a private person
    log_export("sample", package)
    graph = package[0].read_text()
    policy = policy_for(config.load("sample"))
    private = next(a for a in emu.world.accounts.values()
                   if pid_of(home, a.id) in graph and not policy.handle_is_publishable(a.username))
    request("erasure", "@" + private.username)
    apply_subject_requests.fn()
    r = next(r for r in register(home).load() if r.type == "erasure")
    assert [x["files"] for x in r.notify_recipients] == [[p.name for p in package]]


def test_a_quarantined_page_keeps_no_identity(lake_home: tuple[Path, XEmulator]) -> None:
    from seula.flows.collect import collect_x_search

    home, emu = lake_home
    emu.world.add_post("ainovirtanen", "Uusi #vaalit avaus", emu.world.posts[-1].created_at + timedelta(hours=1))
    emu.inject("search_recent", "truncated")
    assert collect_x_search.fn("sample", 0, emu.base_url).quarantined
    body = repr(Lake(home).read("sample", "quarantine").to_pylist())
    assert not [a for a in emu.world.accounts.values() if a.username in body or a.name in body or a.id in body]
    assert not [p for p in emu.world.posts if p.id in body]


# 8 ------------------------------------------------------------------------------------

def test_keys_init_and_an_owner_only_data_folder_whatever_the_umask(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"} | {"SEULA_HOME": str(tmp_path / "h")}
    run = subprocess.run(["sh", "-c", f"umask 022 && {SEULA} keys init && {SEULA} requests add --type access "
                          "--platform x --handle @someone"], env=env, capture_output=True, text=True, timeout=120)
    assert run.returncode == 0, run.stderr
    key = tmp_path / "h" / "keys" / "master.key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and stat.S_IMODE(key.parent.stat().st_mode) == 0o700
    again = subprocess.run([SEULA, "keys", "init"], env=env, capture_output=True, text=True, timeout=60)
    assert again.returncode == 1 and "never overwritten" in again.stderr and "Traceback" not in again.stderr
    for path in [tmp_path / "h", *(tmp_path / "h").rglob("*")]:
        assert not stat.S_IMODE(path.stat().st_mode) & 0o077, path


def test_duckdb_spills_inside_the_data_folder(home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    con = Lake(home).duckdb()
    con.execute("SET memory_limit = '50MB'; SET threads = 1; SET preserve_insertion_order = false")
    assert not (home / "tmp" / "duckdb").exists() or not any((home / "tmp" / "duckdb").iterdir())
    sort = "SELECT count(*) FROM (SELECT md5(CAST(range AS VARCHAR)) v FROM range(3000000) ORDER BY v LIMIT 2999999)"
    assert con.execute(sort).fetchall() == [(2999999,)]  # more than 50 MB to sort: it spilled, and where
    assert con.execute("SELECT current_setting('temp_directory')").fetchall()[0][0] == str(home / "tmp" / "duckdb")
    con.close()
    assert (home / "tmp" / "duckdb").is_dir() and not (tmp_path / ".tmp").exists()


def test_missing_key_error_names_a_command_that_exists(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SEULA_")) or k == "SEULA_SPACY_MODELS"} | {"SEULA_HOME": str(tmp_path)}
    run = subprocess.run([SEULA, "requests", "list"], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 1 and "seula keys init" in run.stderr
    assert subprocess.run([SEULA, "keys", "init"], env=env, capture_output=True, timeout=60).returncode == 0


# Art. 15 ------------------------------------------------------------------------------

def test_access_export_holds_derived_data_others_mentions_recipients_and_every_source(
        lake_home: tuple[Path, XEmulator], tmp_path: Path) -> None:
    home, emu = lake_home
    from seula.flows.report import log_export

    compute_metrics.fn("sample", 10)
    log_export("sample", write_package.fn("sample", ["csv"]))  # a data package for the configured recipients
    access = request("access", "@ainovirtanen")
    out = tmp_path / "access"
    assert CliRunner().invoke(app, ["requests", "export", access, "-o", str(out)]).exit_code == 0
    package = json.loads((out / "access.json").read_text())
    sample = package["engagements"]["sample"]
    pid = pid_of(home, emu.world.user_by_username("ainovirtanen").id)
    assert len(sample["data"]["posts"]) == rows_about(home, pid)["posts"]
    assert sample["data"]["affiliations"] and all(a["account_pid"] == pid for a in sample["data"]["affiliations"])
    assert sample["data"]["mentioned_or_replied_to_in"]
    assert any(t.startswith("m_") for t in sample["data"])  # centrality, top accounts…
    assert package["recipients"] and package["recipients"][0]["recipients"] == ["Demo Client Oy, research team"]
    assert set(sample["notice"]["sources"]) == {"x", "facebook"}


def test_erasing_a_restricted_person_leaves_no_exclusion_naming_them(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    aino = emu.world.user_by_username("ainovirtanen")
    restriction = request("restriction", "@ainovirtanen", verify=False)
    erasure = request("erasure", "@ainovirtanen")
    apply_subject_requests.fn()
    assert register(home).get(erasure)[1].status == "closed"
    r = register(home).get(restriction)[1]
    assert r.status == "closed" and r.targets is None and r.identity is None
    assert pid_of(home, aino.id) not in decoded(home)
