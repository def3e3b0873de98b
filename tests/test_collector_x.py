"""The X collector over real HTTP: real tweepy client, local emulator, real lake."""

from collections.abc import Iterator
from pathlib import Path

import json

import pytest
import yaml

from seula.collectors.http import CollectorError, MalformedResponse, Patience
from seula.collectors.x.api import XApi, make_client
from seula.emulators.x.emulator import XEmulator
from seula.collectors.x.source import XSource
from seula.flows import config
from seula.flows.collect import Pipeline
from seula.lake.store import Lake

QUERY = "#vaalit OR #eduskunta"


@pytest.fixture(scope="module")
def emu() -> Iterator[XEmulator]:
    with XEmulator() as server:
        yield server


@pytest.fixture(autouse=True)
def fresh_limits(emu: XEmulator) -> None:
    emu.reset_rate_limits()


def engagement() -> config.Engagement:
    return config.load("sample")


def source(emu: XEmulator, sleeps: list[float] | None = None, **kw: float) -> XSource:
    record = sleeps.append if sleeps is not None else (lambda s: None)
    return XSource(XApi(make_client("seula-demo-token", emu.base_url), Patience(sleep=record, backoff=0.01, **kw)))


def collect_search(emu: XEmulator, **kw: float) -> Pipeline:
    eng = engagement()
    pipe = Pipeline(eng)
    tally = pipe.drain("x/search/0", source(emu, **kw).search(QUERY, pipe.checkpoints.get("x/search/0"), eng.window))
    assert tally.stopped is None
    return pipe


def stored(home: Path, table: str, key: str) -> list[str]:
    return sorted(Lake(home).read("sample", table)[key].to_pylist())


def expected_posts(emu: XEmulator) -> int:
    tags = {"vaalit", "eduskunta"}
    return sum(1 for p in emu.world.posts if tags & {h.tag.lower() for h in p.hashtags})


def test_pagination_collects_every_matching_post_once(home: Path, emu: XEmulator) -> None:
    before = len(emu.request_log)
    collect_search(emu)
    pages = [k for k, s in emu.request_log[before:] if k == "search_recent"]
    posts = stored(home, "posts", "post_pid")
    assert len(pages) > 2
    assert len(posts) == len(set(posts)) == expected_posts(emu)


def test_second_run_fetches_nothing_new(home: Path, emu: XEmulator) -> None:
    collect_search(emu)
    before = len(emu.request_log)
    pipe = collect_search(emu)
    assert [k for k, _ in emu.request_log[before:]] == ["search_recent"]  # one empty page, nothing twice
    assert pipe.checkpoints.get("x/search/0")["pending"] is None


def test_new_posts_are_collected_incrementally(home: Path) -> None:
    with XEmulator() as emu:
        collect_search(emu)
        n = len(stored(home, "posts", "post_pid"))
        last = emu.world.posts[-1].created_at
        from datetime import timedelta
        emu.world.add_post("ainovirtanen", "Uusi päivitys #vaalit", last + timedelta(hours=1))
        collect_search(emu)
        assert len(stored(home, "posts", "post_pid")) == n + 1


def test_429_is_waited_out_then_succeeds(home: Path, emu: XEmulator) -> None:
    emu.inject("search_recent", 429)
    sleeps: list[float] = []
    pipe = collect_search(emu, sleeps=sleeps)
    assert len(sleeps) == 1 and 0 < sleeps[0] <= 3
    assert len(stored(home, "posts", "post_pid")) == expected_posts(emu)
    assert pipe.checkpoints.get("x/search/0")["pending"] is None


def test_5xx_and_connection_resets_are_retried(home: Path, emu: XEmulator) -> None:
    emu.inject("search_recent", 503, "reset", 502)
    sleeps: list[float] = []
    collect_search(emu, sleeps=sleeps)
    assert len(sleeps) == 3
    assert len(stored(home, "posts", "post_pid")) == expected_posts(emu)


def test_retries_are_bounded(home: Path, emu: XEmulator) -> None:
    emu.inject("search_recent", 503, 503, 503)
    with pytest.raises(CollectorError, match=r"search_recent: gave up after 3 attempts \(HTTP 503\)"):
        collect_search(emu, max_retries=2)


def first_page_stored(emu: XEmulator) -> tuple[Pipeline, Iterator]:
    """A search whose first page is stored and checkpointed; returns the pipeline and the rest."""
    from seula.flows.collect import Tally

    pipe = Pipeline(engagement())
    pages = source(emu).search(QUERY, {}, engagement().window)
    batch, state = next(pages)
    pipe.store(batch, Tally())
    pipe.checkpoints.put("x/search/0", state)
    return pipe, pages


def test_malformed_page_is_a_clear_error_and_loses_nothing(home: Path, emu: XEmulator) -> None:
    _, pages = first_page_stored(emu)
    first = stored(home, "posts", "post_pid")
    emu.inject("search_recent", "truncated")
    with pytest.raises(MalformedResponse, match="^search_recent: the X API sent a body that is not valid JSON$"):
        next(pages)
    assert stored(home, "posts", "post_pid") == first
    # The next run resumes at the failed page and ends with exactly the full result.
    collect_search(emu)
    posts = stored(home, "posts", "post_pid")
    assert len(posts) == len(set(posts)) == expected_posts(emu)


def test_interrupted_run_resumes_to_exactly_the_uninterrupted_rows(
    home: Path, emu: XEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    calls = {"n": 0}
    real_put = Pipeline.drain.__globals__["Checkpoints"].put

    def crash_after_third_page(self, source, state):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt  # the process is stopped between storing a page and its checkpoint
        return real_put(self, source, state)

    monkeypatch.setattr("seula.lake.checkpoints.Checkpoints.put", crash_after_third_page)
    monkeypatch.setattr(Pipeline, "FLUSH_ROWS", 1)  # a checkpoint per page
    with pytest.raises(KeyboardInterrupt):
        collect_search(emu)
    monkeypatch.undo()
    monkeypatch.setenv("SEULA_HOME", str(home))
    monkeypatch.setenv("SEULA_MASTER_KEY", "test-master-key-" + "x" * 32)
    collect_search(emu)
    resumed = {t: stored(home, t, k) for t, k in (("posts", "post_pid"), ("interactions", "post_pid"), ("accounts", "account_pid"))}

    clean = tmp_path_factory.mktemp("clean")
    monkeypatch.setenv("SEULA_HOME", str(clean))
    collect_search(emu)
    baseline = {t: stored(clean, t, k) for t, k in (("posts", "post_pid"), ("interactions", "post_pid"), ("accounts", "account_pid"))}
    assert resumed == baseline


def test_pages_are_stored_a_flush_at_a_time_with_the_rows_of_one_page_at_a_time(
    home: Path, emu: XEmulator, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    tables = (("posts", "post_pid"), ("interactions", "post_pid"), ("accounts", "account_pid"))
    pipe = collect_search(emu)  # the default flush holds the whole search
    buffered = {t: stored(home, t, k) for t, k in tables}
    assert len(pipe.lake.files("sample", "posts")) == 1
    monkeypatch.setattr(Pipeline, "FLUSH_ROWS", 1)
    monkeypatch.setenv("SEULA_HOME", str(tmp_path_factory.mktemp("per-page")))
    emu.reset_rate_limits()
    per_page = collect_search(emu)
    assert len(per_page.lake.files("sample", "posts")) > 5  # one per page
    assert {t: stored(per_page.lake.home, t, k) for t, k in tables} == buffered


def test_rate_limit_beyond_the_bound_stops_cleanly_and_resumes(home: Path) -> None:
    with XEmulator(rate_limits={"search_recent": (2, 120.0)}) as emu:
        eng = engagement()
        pipe = Pipeline(eng)
        tally = pipe.drain("x/search/0", source(emu, max_wait=5).search(QUERY, {}, eng.window))
        assert tally.stopped and "search_recent: rate limit spent until" in tally.stopped
        assert [s for k, s in emu.request_log if k == "search_recent"] == [200, 200]  # never a 429
        assert pipe.checkpoints.get("x/search/0")["pending"]["next_token"]
    with XEmulator(emu.world) as emu:  # later, with a fresh window
        collect_search(emu)
        posts = stored(home, "posts", "post_pid")
        assert len(posts) == len(set(posts)) == expected_posts(emu)


def test_bad_token_is_one_safe_line(home: Path, emu: XEmulator) -> None:
    api = XApi(make_client("wrong-token", emu.base_url))
    with pytest.raises(CollectorError) as exc:
        api.call("search_recent", api.client.search_recent_tweets, "x")
    assert str(exc.value) == "search_recent: the X API refused the credentials (HTTP 401); check SEULA_X_BEARER_TOKEN"
    assert "wrong-token" not in str(exc.value)


def test_invariant2_two_engagements_never_share_a_pseudonym(home: Path, emu: XEmulator) -> None:
    other = engagement().model_dump(mode="json") | {"id": "other"}
    (home / "engagements").mkdir()
    (home / "engagements" / "other.yaml").write_text(yaml.safe_dump(other))
    collect_search(emu)
    eng = config.load("other")
    pipe = Pipeline(eng)
    pipe.drain("x/search/0", source(emu).search(QUERY, {}, eng.window))
    sample_authors = set(Lake(home).read("sample", "posts")["author_pid"].to_pylist())
    other_authors = set(Lake(home).read("other", "posts")["author_pid"].to_pylist())
    assert len(sample_authors) == len(other_authors) > 10
    assert not sample_authors & other_authors


def test_unreadable_page_is_quarantined_pseudonymised_and_the_run_goes_on(home: Path, emu: XEmulator) -> None:
    pipe, _ = first_page_stored(emu)
    emu.inject("search_recent", "truncated")
    tally = pipe.drain("x/search/0", source(emu).search(QUERY, pipe.checkpoints.get("x/search/0"), engagement().window))
    assert tally.quarantined == ["search_recent: the X API sent a body that is not valid JSON"]
    kept = Lake(home).read("sample", "quarantine").to_pylist()
    assert len(kept) == 1 and kept[0]["error"] == tally.quarantined[0]
    raw_ids = {p.id for p in emu.world.posts} | set(emu.world.accounts)
    body = kept[0]["body"]
    assert not [i for i in raw_ids if i in body]  # its shape only: field names, no value
    assert not [a for a in emu.world.accounts.values() if a.username in body or a.name in body]
    assert '"…"' in body and "0" in body
    collect_search(emu)  # the checkpoint still pointed at the page: the next run fetches it
    assert len(stored(home, "posts", "post_pid")) == expected_posts(emu)


def test_missing_accounts_are_recorded_as_capture_gaps_not_failures(home: Path, emu: XEmulator) -> None:
    other = engagement().model_dump(mode="json") | {"id": "gaps"}
    other["platforms"]["x"] |= {"search": [], "accounts": ["ainovirtanen", "no_such_account_42"], "collect": ["timelines"]}
    (home / "engagements").mkdir()
    (home / "engagements" / "gaps.yaml").write_text(yaml.safe_dump(other))
    from tests.collecting import collect_x_accounts

    tally = collect_x_accounts("gaps", emu.base_url)
    assert tally.rows.get("posts", 0) > 0
    log = Lake(home).read("gaps", "collection_log").to_pylist()
    assert len(log) == 2 and all(row["stopped"] is None for row in log)  # a row per account
    errors = sorted(((json.loads(row["api_errors"] or "{}"), row["requests"]) for row in log), key=lambda e: len(e[0]))
    assert errors[0][0] == {} and errors[0][1] >= 2  # the account found: its lookup and timeline
    assert errors[1] == ({"Not Found Error": 1}, 1)  # the one missing: its lookup alone
    assert "no_such_account_42" not in repr(log)


def test_x_requests_take_slots_of_a_shared_prefect_rate_limit(home: Path, emu: XEmulator,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """SEULA_X_RATE_LIMITS: engagements sharing one app's token pace their requests through
    Prefect global rate limits, one per endpoint; an endpoint without a limit is not paced."""
    import uuid

    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import GlobalConcurrencyLimitCreate

    from seula.flows.collect import x_source

    prefix = f"seulatest{uuid.uuid4().hex[:8]}"
    with get_client(sync_client=True) as client:
        client.create_global_concurrency_limit(GlobalConcurrencyLimitCreate(
            name=f"{prefix}-users_by_usernames", limit=50, slot_decay_per_second=0.001))
    monkeypatch.setenv("SEULA_X_RATE_LIMITS", prefix)
    src = x_source(engagement(), emu.base_url)
    for handle in ("ainovirtanen", "no_such_account_42", "ainovirtanen"):
        src.lookup([handle])
    batch, ids = src.lookup(["ainovirtanen"])
    list(src.timeline(ids["ainovirtanen"], {}, engagement().window))  # (no limit for timelines: not paced)
    with get_client(sync_client=True) as client:
        taken = client.read_global_concurrency_limit_by_name(f"{prefix}-users_by_usernames").active_slots
    assert taken == 4


def test_a_token_comes_from_a_prefect_secret_block_when_the_environment_has_none(
        home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from prefect.blocks.system import Secret

    from seula.flows.collect import X_SECRET, x_token

    monkeypatch.delenv("SEULA_X_BEARER_TOKEN", raising=False)
    monkeypatch.setenv("PREFECT_API_URL", "(this session's server)")  # blocks are asked of a configured server only
    with pytest.raises(CollectorError, match=X_SECRET):
        x_token(None)
    Secret(value="token-from-a-block").save(X_SECRET, overwrite=True)
    try:
        assert x_token(None) == "token-from-a-block"
        monkeypatch.setenv("SEULA_X_BEARER_TOKEN", "token-from-the-environment")
        assert x_token(None) == "token-from-the-environment"
    finally:
        Secret.delete(X_SECRET)
