"""Data-subject rights, carried out on a real collected lake (real tweepy, local emulator)."""

import json
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pyarrow.compute as pc
import pytest
import yaml
from typer.testing import CliRunner

from seula.emulators.x.emulator import XEmulator
from seula.emulators.x.world import Account as WorldAccount
from seula.flows import config
from seula.flows.analyse import compute_metrics
from seula.flows.cli import app
from seula.flows.collect import Pipeline, Tally, collect_x_search, derive_findings, policy_for, x_source
from tests.collecting import collect_x_accounts
from seula.flows.demo import DEMO_RATE_LIMITS
from seula.flows.report import render_report
from seula.flows.rights import apply_subject_requests, sweep_expired
from seula.rights.store import register as rights_register
from seula.lake import schema
from seula.lake.catalog import connect
from seula.lake.store import Lake
from seula.privacy.keys import engagement_key, master_secret
from seula.privacy.pseudonyms import Pseudonymiser
from seula.rights.register import Identity, RequestError, RequestsRegister


def collect(engagement: str, emu: XEmulator) -> None:
    eng = config.load(engagement)
    for i in range(len(eng.platforms.x.search)):  # type: ignore[union-attr]
        collect_x_search.fn(engagement, i, emu.base_url)
    if eng.platforms.x.accounts:  # type: ignore[union-attr]
        collect_x_accounts(engagement, emu.base_url)
    derive_findings.fn(engagement)


@pytest.fixture
def lake_home(home: Path) -> Iterator[tuple[Path, XEmulator]]:
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        collect("sample", emu)
        yield home, emu


def pid_of(home: Path, account_id: str, engagement: str = "sample") -> str:
    return Pseudonymiser(engagement_key(master_secret(home), engagement)).account("x", account_id)


def rows_about(home: Path, pid: str, engagement: str = "sample") -> dict[str, int]:
    lake = Lake(home)
    posts = lake.read(engagement, "posts", schema.POSTS.schema)
    own = set(posts.filter(pc.equal(posts["author_pid"], pid))["post_pid"].to_pylist())
    counts = {"posts": len(own)}
    for name in ("accounts", "follows", "interactions", "identity_index", "platform_ids"):
        table = lake.read(engagement, name, schema.STORED[name].schema).to_pylist()
        spec = schema.STORED[name]
        counts[name] = sum(1 for r in table if pid in [r[c] for c in spec.subject_columns]
                           or name == "interactions" and r["post_pid"] in own or name == "platform_ids" and r["pid"] in own)
    return counts


def busy_private_person(home: Path, emu: XEmulator) -> tuple[WorldAccount, str]:
    """A non-publishable account that posted, followed, liked and was mentioned."""
    policy = policy_for(config.load("sample"))
    lake = Lake(home)
    posts = lake.read("sample", "posts").to_pylist()
    follows = lake.read("sample", "follows").to_pylist()
    likes = [r for r in lake.read("sample", "interactions").to_pylist() if r["kind"] == "like"]
    authors = {p["author_pid"] for p in posts}
    mentioned = {m for p in posts for m in p["mention_pids"] or []}
    followers = {f["follower_pid"] for f in follows}
    likers = {r["actor_pid"] for r in likes}
    for account in emu.world.accounts.values():
        pid = pid_of(home, account.id)
        if not policy.handle_is_publishable(account.username) and pid in authors & mentioned & followers & likers:
            return account, pid
    raise AssertionError("the sample world has no such person")


def file_request(type_: str, account: WorldAccount | str, verify: bool = True, **extra: str) -> str:
    """A request through the CLI, naming the person by platform id (an account) or by handle (a str)."""
    runner = CliRunner()
    who = ["--handle", account] if isinstance(account, str) else ["--user-id", account.id]
    args = ["requests", "add", "--type", type_, "--platform", "x", *who]
    for k, v in extra.items():
        args += [f"--{k.replace('_', '-')}", v]
    out = runner.invoke(app, args)
    assert out.exit_code == 0, out.output
    request_id = re.search(r"(R\d{5})", out.output).group(1)  # type: ignore[union-attr]
    if verify:
        out = runner.invoke(app, ["requests", "verify", request_id, "--method", "signed-email"])
        assert out.exit_code == 0, out.output
    return request_id


def test_erasure_removes_exactly_the_persons_rows_and_suppresses_them(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    lake = Lake(home)
    before = {t: lake.read("sample", t).num_rows for t in ("posts", "accounts", "follows", "interactions", "identity_index", "platform_ids")}
    theirs = rows_about(home, pid)
    assert all(theirs[t] > 0 for t in ("posts", "accounts", "follows", "interactions"))
    file_request("erasure", person)
    apply_subject_requests.fn()
    after = {t: lake.read("sample", t).num_rows for t in before}
    assert {t: before[t] - after[t] for t in before} == theirs
    assert rows_about(home, pid) == dict.fromkeys(theirs, 0)
    everything = b"".join(p.read_bytes() for p in home.rglob("*") if p.is_file())
    decoded = "".join(repr(lake.read("sample", t).to_pylist()) for t in lake.tables("sample"))
    for value in (pid, person.id, person.username, person.name):
        assert value.encode() not in everything and value not in decoded, value
    # Re-collection brings nothing of the person back.
    collect("sample", emu)
    assert rows_about(home, pid) == dict.fromkeys(theirs, 0)
    r = rights_register(home).load()[0]
    assert r.status == "closed" and r.identity is None and r.targets is None


def test_a_collection_running_when_an_erasure_begins_does_not_store_the_person_after_it(
        lake_home: tuple[Path, XEmulator]) -> None:
    """A collection's sieve was made before the erasure; its next page, the person's own
    timeline, arrives after the erasure closed. It is sieved again under the new list."""
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    eng = config.load("sample")
    running = Pipeline(eng)  # (its suppression list read now: nobody erased)
    file_request("erasure", person)
    apply_subject_requests.fn()
    assert rights_register(home).load()[0].status == "closed"
    pages = x_source(eng, emu.base_url).timeline(person.id, {}, eng.window)
    batch, _ = next(pages)
    assert any(p.author_id == person.id for p in batch.posts)
    running.store(batch, Tally())
    assert rows_about(home, pid) == dict.fromkeys(rows_about(home, pid), 0)


def test_a_write_an_erasure_outdated_keeps_the_identity_index_rows_it_prepared(home: Path) -> None:
    """Rows sieved, then an erasure (of someone else) changes the list before they are
    written: they are sieved again. The people they taught the sieve must still reach the
    identity index, or a later erasure by handle would not find them."""
    from seula.collectors.records import Account, Batch

    pipe = Pipeline(config.load("sample"))
    answers = iter([False])  # the first write finds the list changed
    pipe.supp_unchanged = lambda: next(answers, True)
    pipe.store(Batch("x", "users", None, datetime.now(UTC), accounts=[Account("x", "900003", "private_person", "Maija Meikäläinen")]),
               Tally())
    index = Lake(home).read("sample", "identity_index")
    assert sorted(index["kind"].to_pylist()) == ["first", "handle", "handle_pseudonym", "name", "name_pseudonym"]
    assert set(index["account_pid"].to_pylist()) == {pipe.sieve.pseudo.account("x", "900003")}


def test_unverified_erasure_is_not_carried_out(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    file_request("erasure", person, verify=False)
    apply_subject_requests.fn()
    assert rows_about(home, pid)["posts"] > 0


def test_crash_between_file_rewrites_leaves_a_readable_lake_and_rerun_completes(
    lake_home: tuple[Path, XEmulator], monkeypatch: pytest.MonkeyPatch
) -> None:
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    file_request("erasure", person)
    import seula.lake.store as store

    real, calls = store.write_parquet_atomic, {"n": 0}

    def crash_on_second(table, path):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise OSError("power cut")
        return real(table, path)

    monkeypatch.setattr(store, "write_parquet_atomic", crash_on_second)
    with pytest.raises(OSError):
        apply_subject_requests.fn()
    monkeypatch.setattr(store, "write_parquet_atomic", real)
    lake = Lake(home)
    for table in lake.tables("sample"):
        lake.read("sample", table)  # every file readable
    assert not [p for p in home.rglob("*.tmp")]
    assert rights_register(home).load()[0].status == "open"  # not done yet: the next run finishes it
    apply_subject_requests.fn()
    assert rows_about(home, pid) == dict.fromkeys(rows_about(home, pid), 0)


def test_objection_pseudonymises_a_public_account_and_excludes_it_from_marketing(
    lake_home: tuple[Path, XEmulator],
) -> None:
    home, emu = lake_home
    aino = emu.world.user_by_username("ainovirtanen")
    mkt = config.load("sample").model_dump(mode="json") | {"id": "mkt", "purpose": "marketing"}
    mkt["publishable"]["candidates"] = str(config.BUNDLED / "sample" / "candidates.csv")
    (home / "engagements").mkdir()
    (home / "engagements" / "mkt.yaml").write_text(yaml.safe_dump(mkt))
    collect("mkt", emu)
    pid, mkt_pid = pid_of(home, aino.id), pid_of(home, aino.id, "mkt")
    con = connect(home, "mkt")
    assert con.execute("SELECT count(*) FROM posts WHERE author_pid = ?", [mkt_pid]).fetchall()[0][0] > 0
    con.close()

    file_request("objection", aino)
    apply_subject_requests.fn()
    lake = Lake(home)
    account = [r for r in lake.read("sample", "accounts").to_pylist() if r["account_pid"] == pid][0]
    assert (account["handle"], account["display_name"], account["publishable"]) == (None, None, False)
    texts = " ".join(t or "" for t in lake.read("sample", "posts")["text"].to_pylist())
    assert "ainovirtanen" not in texts.lower() and "Aino Virtanen" not in texts
    compute_metrics.fn("sample", 10)
    html = render_report.fn("sample")[0].read_text()
    assert "ainovirtanen" not in html and "Aino Virtanen" not in html
    con = connect(home, "mkt")
    assert con.execute("SELECT count(*) FROM posts WHERE author_pid = ?", [mkt_pid]).fetchall()[0][0] == 0
    con.close()
    # New collections keep it pseudonymous, and keep it out of marketing data.
    new = emu.world.add_post("ainovirtanen", "Uusi aloite #vaalit", emu.world.posts[-1].created_at + timedelta(hours=1))
    collect("sample", emu)
    collect("mkt", emu)
    post_pid = lambda e: Pseudonymiser(engagement_key(master_secret(home), e)).post("x", new.id)  # noqa: E731
    assert post_pid("sample") in lake.read("sample", "posts")["post_pid"].to_pylist()  # research goes on...
    assert "ainovirtanen" not in repr(lake.read("sample", "accounts").to_pylist())  # ...pseudonymously
    assert post_pid("mkt") not in lake.read("mkt", "posts")["post_pid"].to_pylist()  # marketing: never again


def test_restriction_excludes_and_lifting_restores(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    count = "SELECT (SELECT count(*) FROM posts WHERE author_pid = $1) + (SELECT count(*) FROM follows WHERE follower_pid = $1)"
    con = connect(home, "sample")
    stored = con.execute(count, [pid]).fetchall()[0][0]
    con.close()
    request_id = file_request("restriction", person, verify=False)  # a precaution: applied before verification
    apply_subject_requests.fn()
    con = connect(home, "sample")
    assert stored > 0 and con.execute(count, [pid]).fetchall()[0][0] == 0
    con.close()
    assert rows_about(home, pid)["posts"] > 0  # kept, only not processed
    assert CliRunner().invoke(app, ["requests", "close", request_id]).exit_code == 0
    apply_subject_requests.fn()
    con = connect(home, "sample")
    assert con.execute(count, [pid]).fetchall()[0][0] == 0  # closing the request does not lift it
    con.close()
    rights_register(home).lift(request_id)
    apply_subject_requests.fn()
    con = connect(home, "sample")
    assert con.execute(count, [pid]).fetchall()[0][0] == stored
    con.close()


def test_access_export_contains_the_posts_and_the_notice(lake_home: tuple[Path, XEmulator], tmp_path: Path) -> None:
    home, emu = lake_home
    person, pid = busy_private_person(home, emu)
    request_id = file_request("access", person)
    out = tmp_path / "package"
    result = CliRunner().invoke(app, ["requests", "export", request_id, "--output", str(out)])
    assert result.exit_code == 0, result.output
    package = json.loads((out / "access.json").read_text())
    sample = package["engagements"]["sample"]
    assert len(sample["data"]["posts"]) == rows_about(home, pid)["posts"]
    assert sample["notice"]["purpose"] == "research" and "Art. 89" in sample["notice"]["legal_basis"]
    assert sample["notice"]["retention"].startswith("365 days")
    assert (out / "sample-posts.csv").read_text().count("\n") == len(sample["data"]["posts"]) + 1


def test_retention_sweep_deletes_expired_engagements(lake_home: tuple[Path, XEmulator]) -> None:
    home, _ = lake_home
    assert sweep_expired(date(2027, 1, 1)) == {}  # end 2026-10-12 + 365 days: still kept
    deleted = sweep_expired(date(2027, 10, 13))
    assert deleted["sample"] > 0 and "sample" not in Lake(home).engagements()
    assert not (home / "state" / "sample").exists()


# --- deadlines (Art. 12(3)), with a frozen clock ---------------------------------------

def test_due_dates_extensions_and_overdue(tmp_path: Path) -> None:
    def frozen(day: str) -> RequestsRegister:
        return RequestsRegister(tmp_path, b"k" * 32, clock=lambda: datetime.fromisoformat(day).replace(tzinfo=UTC))

    reg = frozen("2026-02-10T12:00:00")
    who = Identity("x", "someone", None, None)
    a = reg.add("erasure", who, received=date(2026, 1, 31))
    assert a.due == date(2026, 2, 28)  # one month; the month's last day
    b = reg.add("access", who, received=date(2026, 2, 9))
    assert reg.extend(a.id, 2, "many engagements").due == date(2026, 4, 30)
    with pytest.raises(RequestError, match="two further months at most"):
        reg.extend(a.id, 1, "more")
    later = frozen("2026-03-20T09:00:00")
    with pytest.raises(RequestError, match="within the first month"):
        later.extend(b.id, 1, "too late")
    overdue, soon = later.due_list()
    assert [r.id for r in overdue] == [b.id] and soon == []
    overdue, soon = frozen("2026-04-25T09:00:00").due_list()
    assert [r.id for r in overdue] == [b.id] and [r.id for r in soon] == [a.id]
    frozen("2026-04-25T09:00:00").close(b.id)
    closed = [r for r in reg.load() if r.id == b.id][0]
    assert closed.identity is None and closed.audit[-1]["action"] == "closed" and closed.identity_hash


def test_cli_list_exits_nonzero_when_overdue(home: Path) -> None:
    runner = CliRunner()
    assert runner.invoke(app, ["requests", "add", "--type", "access", "--platform", "x", "--handle", "@a"]).exit_code == 0
    assert runner.invoke(app, ["requests", "list"]).exit_code == 0
    assert runner.invoke(app, ["requests", "add", "--type", "erasure", "--platform", "x", "--handle", "@b",
                               "--received", "2020-01-01"]).exit_code == 0
    out = runner.invoke(app, ["requests", "list", "--due"])
    assert out.exit_code == 1 and "overdue" in out.output
    bad = runner.invoke(app, ["requests", "add", "--type", "erasure", "--handle", "@c"])
    assert bad.exit_code == 1 and "needs --platform" in bad.output


def test_erasure_lists_the_exports_that_named_the_person(lake_home: tuple[Path, XEmulator]) -> None:
    from seula.flows.report import log_export

    home, emu = lake_home
    compute_metrics.fn("sample", 10)
    first = render_report.fn("sample")[0]
    log_export("sample", [first])
    log_text = (home / "exports" / "log.jsonl").read_text()
    aino = emu.world.user_by_username("ainovirtanen")
    assert "ainovirtanen" not in log_text and pid_of(home, aino.id) not in log_text  # keyed references only
    file_request("erasure", aino)
    apply_subject_requests.fn()
    r = rights_register(home).load()[0]
    assert [x["files"] for x in r.notify_recipients] == [[first.name]]
    assert r.notify_recipients[0]["recipients"] == ["Demo Client Oy, research team"]
    assert "recipients to notify (Art. 19)" in [a["action"] for a in r.audit]


def test_rectification_replaces_the_stored_value_with_an_audit_entry(lake_home: tuple[Path, XEmulator]) -> None:
    home, emu = lake_home
    aino = emu.world.user_by_username("ainovirtanen")
    request_id = file_request("rectification", aino, field="description", value="Kansanedustaja, Helsinki")
    apply_subject_requests.fn()
    pid = pid_of(home, aino.id)
    rows = [r for r in Lake(home).read("sample", "accounts").to_pylist() if r["account_pid"] == pid]
    assert rows and all(r["description"] == "Kansanedustaja, Helsinki" for r in rows)
    _, r = rights_register(home).get(request_id)
    assert r.status == "applied" and r.audit[-1]["detail"] == "description corrected"
    bad = CliRunner().invoke(app, ["requests", "add", "--type", "rectification", "--platform", "x", "--user-id", "1"])
    assert bad.exit_code == 1 and "needs --field" in bad.output
