"""The Facebook collector over real HTTP: facebook-sdk 3.1.0 against the local Graph emulator."""

from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml

from seula.collectors.facebook.api import GraphApi, make_graph
from seula.collectors.http import CollectorError, Patience, RateLimitStop
from seula.emulators.facebook.emulator import FbEmulator
from seula.collectors.facebook.source import FacebookSource
from seula.flows import config
from seula.flows.collect import Pipeline
from tests.collecting import collect_facebook_pages
from seula.lake.store import Lake

TOKEN = "seula-demo-fb-token"
PAGE = "demouutiset"


@pytest.fixture
def fb_home(home: Path) -> Path:
    eng = config.load("sample").model_dump(mode="json")
    eng["platforms"] = {"facebook": {"pages": [PAGE], "engaged_posts_per_page": 200}}
    eng["publishable"] = {"handles": [PAGE]}
    eng.update(id="fb")
    (home / "engagements").mkdir()
    (home / "engagements" / "fb.yaml").write_text(yaml.safe_dump(eng))
    return home


@pytest.fixture
def emu() -> Iterator[FbEmulator]:
    with FbEmulator() as server:
        yield server


def api(emu: FbEmulator, sleeps: list[float] | None = None, **kw: float) -> GraphApi:
    record = sleeps.append if sleeps is not None else (lambda s: None)
    return GraphApi(*make_graph(TOKEN, "v21.0", emu.base_url), Patience(sleep=record, backoff=0.01, **kw))


def test_real_client_collects_a_page_with_comments_and_reactions(fb_home: Path, emu: FbEmulator) -> None:
    tally = collect_facebook_pages("fb", emu.base_url)
    assert tally.stopped is None
    lake = Lake(fb_home)
    world = emu.world
    page = world.page(PAGE)
    own = [p for p in world.posts if p.page_id == page.id]
    comments = [c for c in world.comments if c.post_id in {p.id for p in own}]
    posts = lake.read("fb", "posts").to_pylist()
    assert len(posts) == len(own) + len(comments)  # posts, comments and replies, each once
    assert {v for v in emu.versions_seen} == {"v21.0"}
    kinds = {r["kind"] for r in lake.read("fb", "interactions").to_pylist()}
    assert "reply" in kinds and any(k.startswith("reaction:") for k in kinds)
    page_row = [a for a in lake.read("fb", "accounts").to_pylist() if a["handle"] == PAGE]
    assert page_row and page_row[0]["publishable"]
    stored = repr([lake.read("fb", t).to_pylist() for t in lake.tables("fb")])
    assert not [u.id for u in world.users.values() if u.id in stored]  # commenters pseudonymised
    assert not [e for e in world.planted_emails + world.planted_phones if e in stored]
    assert any(p["reaction_counts"] for p in posts)
    # Incremental: a second run collects nothing twice.
    before = len(emu.request_log)
    assert sum(collect_facebook_pages("fb", emu.base_url).rows.values()) == 0
    assert [k for k, _ in emu.request_log[before:]] == ["page", "posts"]


@pytest.mark.parametrize("fault", ["throttle_4", "throttle_17", "throttle_32", "throttle_613"])
def test_throttling_backs_off_using_the_usage_headers(fb_home: Path, emu: FbEmulator, fault: str) -> None:
    emu.inject("posts", fault)
    sleeps: list[float] = []
    src = FacebookSource(api(emu, sleeps))
    _, page_id = src.page(PAGE)
    posts = [p for b, _ in src.posts(page_id, {}, config.load("fb").window) for p in b.posts]
    assert len(posts) == len([p for p in emu.world.posts if p.page_id == page_id])
    assert len(sleeps) == 1 and sleeps[0] >= 60  # the headers' estimated_time_to_regain_access, not a guess


def test_throttling_beyond_the_bound_stops_with_the_checkpoint_saved(fb_home: Path, emu: FbEmulator) -> None:
    emu.inject("posts", "throttle_4")
    src = FacebookSource(api(emu, max_wait=10))
    _, page_id = src.page(PAGE)
    with pytest.raises(RateLimitStop, match="run again after that"):
        list(src.posts(page_id, {}, config.load("fb").window))


def test_expired_token_is_a_clear_stop(fb_home: Path, emu: FbEmulator) -> None:
    emu.inject("page", "expired_token")
    with pytest.raises(CollectorError) as exc:
        FacebookSource(api(emu)).page(PAGE)
    assert "expired or invalid (code 190)" in str(exc.value) and TOKEN not in str(exc.value)


@pytest.mark.parametrize("fault", [500, 503, "reset"])
def test_server_errors_are_retried(fb_home: Path, emu: FbEmulator, fault: object) -> None:
    emu.inject("page", fault)
    sleeps: list[float] = []
    _, page_id = FacebookSource(api(emu, sleeps)).page(PAGE)
    assert page_id == emu.world.page(PAGE).id and len(sleeps) == 1


@pytest.mark.parametrize("fault", ["malformed", "truncated"])
def test_malformed_bodies_are_one_clear_error(fb_home: Path, emu: FbEmulator, fault: str) -> None:
    emu.inject("page", fault)
    with pytest.raises(CollectorError, match="^page: Facebook sent a body that is not (valid )?JSON$"):
        FacebookSource(api(emu)).page(PAGE)


def test_cursor_paging_survives_next_urls_without_the_token(fb_home: Path) -> None:
    with FbEmulator(drop_token_in_next=True) as emu:
        src = FacebookSource(api(emu))
        _, page_id = src.page(PAGE)
        posts = [p for b, _ in src.posts(page_id, {}, config.load("fb").window) for p in b.posts if p.author_id == page_id]
        assert len(posts) == len([p for p in emu.world.posts if p.page_id == page_id])


def test_interrupted_run_resumes_without_duplicates(fb_home: Path, emu: FbEmulator) -> None:
    pipe = Pipeline(config.load("fb"))
    src = FacebookSource(api(emu))
    batch, page_id = src.page(PAGE)
    pages = src.posts(page_id, {}, config.load("fb").window, kinds=frozenset({"comments"}), engaged_posts=500, page_size=20)
    from seula.flows.collect import Tally

    first, state = next(pages)
    pipe.store(first, Tally())
    pipe.checkpoints.put("facebook/posts/x", state)
    assert state["pending"]  # more pages to come
    collected = Lake(fb_home).read("fb", "posts").num_rows
    resumed = FacebookSource(api(emu)).posts(page_id, pipe.checkpoints.get("facebook/posts/x"), config.load("fb").window,
                                            kinds=frozenset({"comments"}), engaged_posts=500, page_size=20)
    pipe.drain("facebook/posts/x", resumed)
    posts = Lake(fb_home).read("fb", "posts")["post_pid"].to_pylist()
    own = [p for p in emu.world.posts if p.page_id == page_id]
    expected = len(own) + len([c for c in emu.world.comments if c.post_id in {p.id for p in own}])
    assert len(posts) == len(set(posts)) == expected > collected


def test_unreadable_posts_page_is_quarantined(fb_home: Path, emu: FbEmulator) -> None:
    emu.inject("posts", "truncated")
    tally = collect_facebook_pages("fb", emu.base_url)
    assert tally.quarantined == ["posts: Facebook sent a body that is not valid JSON"]
    kept = Lake(fb_home).read("fb", "quarantine").to_pylist()
    assert len(kept) == 1 and kept[0]["platform"] == "facebook"
    assert not [u.id for u in emu.world.users.values() if u.id in (kept[0]["body"] or "")]
    collect_facebook_pages("fb", emu.base_url)  # the checkpoint still points at the page
    own = [p for p in emu.world.posts if p.page_id == emu.world.page(PAGE).id]
    posts = Lake(fb_home).read("fb", "posts").to_pylist()
    assert sum(1 for p in posts if p["reply_to_post_pid"] is None) == len(own)
