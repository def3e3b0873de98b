"""The synthetic Facebook world and the local Graph API emulator."""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import facebook
import pytest
import requests

from seula.emulators.facebook.emulator import FbEmulator
from seula.emulators.facebook.world import PERIOD_END, PERIOD_START, REACTION_TYPES, FbWorld, build_world

TOKEN = "seula-demo-fb-token"
V = "v21.0"
NEWS, CLIMATE, CITY = "100000000000001", "100000000000002", "100000000000003"
FB_TIME = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\+0000")


@pytest.fixture(scope="module")
def world() -> FbWorld:
    return build_world()


@pytest.fixture(scope="module")
def emu(world: FbWorld) -> Iterator[FbEmulator]:
    with FbEmulator(world) as emulator:
        yield emulator


@pytest.fixture
def graph(emu: FbEmulator, monkeypatch: pytest.MonkeyPatch) -> facebook.GraphAPI:
    # facebook-sdk 3.1.0 reads the host at call time and refuses versions above 3.1
    # in its constructor, so point it at the emulator and raise the version after.
    monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", emu.base_url + "/")
    api = facebook.GraphAPI(access_token=TOKEN, version="3.1")
    api.version = V
    return api


def get(emu: FbEmulator, path: str, token: str | None = TOKEN, **params: object
        ) -> requests.Response:
    if token is not None:
        params["access_token"] = token
    return requests.get(f"{emu.base_url}/{V}/{path}", params=params, timeout=5)


def error(resp: requests.Response) -> dict[str, object]:
    body = resp.json()
    assert set(body) == {"error"} and str(body["error"]["fbtrace_id"]).startswith("A")
    return body["error"]


def collect(emu: FbEmulator, path: str, **params: object) -> list[dict[str, object]]:
    """Follow ``paging.next`` with plain requests, as a careful collector would."""
    out: list[dict[str, object]] = []
    resp = get(emu, path, **params)
    while True:
        assert resp.status_code == 200, resp.text
        body = resp.json()
        out += body["data"]
        nxt = body.get("paging", {}).get("next")
        if not nxt:
            return out
        resp = requests.get(nxt, timeout=5)


# --- world -------------------------------------------------------------------

def test_build_world_is_deterministic_and_fast(world: FbWorld) -> None:
    started = time.perf_counter()
    again = build_world(2026)
    assert time.perf_counter() - started < 0.3
    assert again.digest() == world.digest()
    assert build_world(7).digest() != world.digest()


def test_world_shape_and_ground_truth(world: FbWorld) -> None:
    assert [(p.id, p.username, p.name) for p in world.pages.values()] == [
        (NEWS, "demouutiset", "Demo Uutiset"), (CLIMATE, "ilmastofoorumi", "Ilmastofoorumi"),
        (CITY, "helsinkidemo", "Helsingin kaupunki (demo)")]
    assert len(world.users) == 150
    assert all(re.fullmatch(r"[1-9]\d{14,16}", uid) for uid in world.users)
    for page_id in world.pages:
        posts = world.posts_of(page_id)
        assert 60 <= len(posts) <= 120
        assert all(PERIOD_START <= p.created_time <= PERIOD_END for p in posts)
        assert all(p.id.startswith(page_id + "_") for p in posts)
        assert all(p.permalink_url == "https://www.facebook.com/{}/posts/{}".format(
            *p.id.split("_")) for p in posts)
    messages = " ".join(p.message for p in world.posts)
    assert "#" in messages and "Government" in messages and "Hallitus" in messages
    per_post = Counter(c.post_id for c in world.comments)
    assert max(per_post.values()) <= 15
    replies = [c for c in world.comments if c.parent_id is not None]
    assert replies
    for reply in replies:
        parent = world.comment(reply.parent_id or "")
        assert parent is not None and parent.parent_id is None
        assert parent.post_id == reply.post_id and parent.created_time < reply.created_time
    texts = "\n".join(c.message for c in world.comments)
    assert world.planted_emails and world.planted_phones
    assert all(s in texts for s in world.planted_emails + world.planted_phones)
    assert {r.type for r in world.reactions} == set(REACTION_TYPES)
    pairs = [(r.post_id, r.user_id) for r in world.reactions]
    assert len(pairs) == len(set(pairs))  # one reaction per user per post
    assert any(p.shares == 0 for p in world.posts) and any(p.shares for p in world.posts)


# --- reading -------------------------------------------------------------------

def test_page_lookup_by_username_and_id(emu: FbEmulator, world: FbWorld, graph) -> None:
    fields = "id,name,username,fan_count,about,link"
    by_name = get(emu, "demouutiset", fields=fields).json()
    assert by_name == get(emu, NEWS, fields=fields).json()
    page = world.pages[NEWS]
    assert by_name == {"id": NEWS, "name": "Demo Uutiset", "username": "demouutiset",
                       "fan_count": page.fan_count, "about": page.about, "link": page.link}
    assert get(emu, "helsinkidemo").json() == {"id": CITY, "name": "Helsingin kaupunki (demo)"}
    assert graph.get_object("ilmastofoorumi", fields="id,username") == {
        "id": CLIMATE, "username": "ilmastofoorumi"}


def test_sdk_get_all_connections_collects_every_post_once(
        emu: FbEmulator, world: FbWorld, graph) -> None:
    posts = list(graph.get_all_connections(NEWS, "posts", fields="id,created_time", limit=10))
    expected = world.posts_of(NEWS)
    assert [p["id"] for p in posts] == [p.id for p in expected]  # every post, newest first
    assert len({p["id"] for p in posts}) == len(posts)
    assert all(FB_TIME.fullmatch(p["created_time"]) for p in posts)
    # /feed and /published_posts are the same list here.
    assert [p["id"] for p in collect(emu, f"{NEWS}/feed", limit=50)] == [p.id for p in expected]


def test_cursor_paging_matches_the_real_shape(emu: FbEmulator, world: FbWorld) -> None:
    ids = [p.id for p in world.posts_of(CITY)]
    first = get(emu, f"{CITY}/posts", limit=5).json()
    paging = first["paging"]
    assert set(paging) == {"cursors", "next"}  # no "previous" on the first page
    for cursor in paging["cursors"].values():
        assert re.fullmatch(r"[A-Za-z0-9+/]+", cursor) and not any(i in cursor for i in ids)
    query = parse_qs(urlsplit(paging["next"]).query)
    assert query["access_token"] == [TOKEN] and query["after"] == [paging["cursors"]["after"]]
    assert urlsplit(paging["next"]).path == f"/{V}/{CITY}/posts"
    second = requests.get(paging["next"], timeout=5).json()
    assert [p["id"] for p in second["data"]] == ids[5:10]
    assert "previous" in second["paging"]
    back = requests.get(second["paging"]["previous"], timeout=5).json()
    assert [p["id"] for p in back["data"]] == ids[:5]
    last = get(emu, f"{CITY}/posts", limit=100).json()
    assert len(last["data"]) == len(ids) and "next" not in last["paging"]
    empty = get(emu, f"{CITY}/posts", since="2030-01-01").json()
    assert empty == {"data": []}


def test_since_and_until_accept_unix_seconds_and_iso_dates(
        emu: FbEmulator, world: FbWorld) -> None:
    since, until = datetime.fromisoformat("2026-09-10T00:00:00+00:00"), \
        datetime.fromisoformat("2026-09-20T00:00:00+00:00")
    expected = [p.id for p in world.posts_of(NEWS) if since <= p.created_time < until]
    assert expected
    by_unix = collect(emu, f"{NEWS}/posts", since=int(since.timestamp()),
                      until=int(until.timestamp()), limit=7)
    by_iso = collect(emu, f"{NEWS}/posts", since="2026-09-10", until="2026-09-20", limit=7)
    assert [p["id"] for p in by_unix] == [p["id"] for p in by_iso] == expected
    bad = get(emu, f"{NEWS}/posts", since="last tuesday")
    assert bad.status_code == 400 and error(bad)["code"] == 100


def test_post_fields_summaries_and_reaction_aliases(emu: FbEmulator, world: FbWorld) -> None:
    aliases = ",".join(
        f"reactions.type({t}).limit(0).summary(total_count).as(reactions_{t.lower()})"
        for t in REACTION_TYPES)
    fields = ("id,message,created_time,permalink_url,shares,"
              "reactions.limit(0).summary(true),comments.limit(0).summary(true)," + aliases)
    posts = collect(emu, f"{CLIMATE}/posts", fields=fields, limit=100)
    assert len(posts) == len(world.posts_of(CLIMATE))
    for got in posts:
        post = world.post(got["id"])
        assert post is not None
        assert got["message"] == post.message and got["permalink_url"] == post.permalink_url
        assert FB_TIME.fullmatch(got["created_time"])
        assert got.get("shares") == ({"count": post.shares} if post.shares else None)
        reactions = world.reactions_of(post.id)
        assert got["reactions"] == {"data": [], "summary": {
            "total_count": len(reactions), "viewer_reaction": "NONE"}}
        assert got["comments"] == {"data": [], "summary": {
            "order": "chronological", "total_count": len(world.comments_of(post.id)),
            "can_comment": False}}
        by_type = Counter(r.type for r in reactions)
        for t in REACTION_TYPES:
            assert got[f"reactions_{t.lower()}"]["summary"]["total_count"] == by_type[t]


def test_unknown_field_edge_and_bad_syntax_are_code_100_or_2500(emu: FbEmulator) -> None:
    resp = get(emu, "demouutiset", fields="id,bogus")
    assert resp.status_code == 400 and error(resp)["code"] == 100
    assert "nonexisting field (bogus)" in str(error(resp)["message"])
    resp = get(emu, f"{NEWS}/likes")
    assert resp.status_code == 400 and error(resp)["code"] == 100
    resp = get(emu, NEWS, fields="id,{name")
    assert resp.status_code == 400 and error(resp)["code"] == 2500


def test_comments_with_replies(emu: FbEmulator, world: FbWorld, graph) -> None:
    post_id = next(c.post_id for c in world.comments if c.parent_id is not None)
    fields = "id,message,created_time,from,parent"
    top = collect(emu, f"{post_id}/comments", fields=fields, limit=2)
    stream = collect(emu, f"{post_id}/comments", fields=fields, filter="stream", limit=2)
    assert [c["id"] for c in top] == [c.id for c in world.comments_of(post_id)]
    assert [c["id"] for c in stream] == [c.id for c in world.comments_of(post_id, stream=True)]
    assert len(stream) > len(top) and not any("parent" in c for c in top)
    for got in stream:
        comment = world.comment(got["id"])
        assert comment is not None and got["message"] == comment.message
        assert got["from"] == {"name": world.users[comment.from_id].name, "id": comment.from_id}
        assert got.get("parent", {}).get("id") == comment.parent_id
    parent = next(c for c in world.comments if c.post_id == post_id and world.replies_of(c.id))
    replies = list(graph.get_all_connections(parent.id, "comments", fields="id,message"))
    assert [r["id"] for r in replies] == [r.id for r in world.replies_of(parent.id)]
    summary = get(emu, f"{post_id}/comments", summary="true", filter="stream").json()["summary"]
    assert summary["total_count"] == len(stream)


def test_reactions_edge_lists_users_with_types(emu: FbEmulator, world: FbWorld, graph) -> None:
    post = max(world.posts, key=lambda p: len(world.reactions_of(p.id)))
    got = list(graph.get_all_connections(post.id, "reactions", fields="id,name,type", limit=7))
    expected = world.reactions_of(post.id)
    assert [(r["id"], r["type"]) for r in got] == [(r.user_id, r.type) for r in expected]
    assert all(r["name"] == world.users[r["id"]].name for r in got)
    loves = collect(emu, f"{post.id}/reactions", type="LOVE")
    assert len(loves) == sum(r.type == "LOVE" for r in expected)


def test_version_prefix_is_optional_and_recorded(emu: FbEmulator) -> None:
    plain = requests.get(f"{emu.base_url}/demouutiset", params={"access_token": TOKEN}, timeout=5)
    older = requests.get(f"{emu.base_url}/v19.0/demouutiset",
                         params={"access_token": TOKEN}, timeout=5)
    assert plain.json() == older.json() == {"id": NEWS, "name": "Demo Uutiset"}
    assert {"", "v19.0", V} <= emu.versions_seen


# --- errors ------------------------------------------------------------------------

def test_token_is_checked(emu: FbEmulator, graph) -> None:
    bad = get(emu, "demouutiset", token="wrong")
    assert bad.status_code == 400
    assert error(bad)["code"] == 190 and error(bad)["type"] == "OAuthException"
    missing = get(emu, "demouutiset", token=None)
    assert missing.status_code == 400 and error(missing)["code"] == 104
    graph.access_token = "wrong"
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.get_object("demouutiset")
    assert info.value.code == 190


def test_unknown_object_is_code_100(emu: FbEmulator, graph) -> None:
    resp = get(emu, "999999999999999/posts")
    err = error(resp)
    assert resp.status_code == 400 and err["code"] == 100 and err["error_subcode"] == 33
    assert err["type"] == "GraphMethodException"
    assert "Object with ID '999999999999999' does not exist" in str(err["message"])
    with pytest.raises(facebook.GraphAPIError) as info:
        graph.get_object("no-such-page")
    assert info.value.code == 100 and info.value.type == "GraphMethodException"


@pytest.mark.parametrize(("fault", "status", "code"), [
    ("throttle_4", 403, 4), ("throttle_17", 403, 17), ("throttle_32", 403, 32),
    ("throttle_613", 400, 613),
])
def test_throttling_faults(emu: FbEmulator, fault: str, status: int, code: int) -> None:
    emu.inject("posts", fault)
    resp = get(emu, f"{NEWS}/posts")
    err = error(resp)
    assert resp.status_code == status and err["code"] == code and err["is_transient"] is True
    assert f"(#{code})" in str(err["message"])
    assert json.loads(resp.headers["x-app-usage"])["call_count"] == 100
    buc = json.loads(resp.headers["x-business-use-case-usage"])[NEWS][0]
    assert buc["call_count"] == 100 and buc["estimated_time_to_regain_access"] == 5
    assert get(emu, f"{NEWS}/posts").status_code == 200  # one fault per injected item
    assert emu.request_log[-2:] == [("posts", status), ("posts", 200)]


def test_expired_token_and_server_errors(emu: FbEmulator, graph) -> None:
    emu.inject("page", "expired_token", 500, 503)
    err = error(get(emu, "demouutiset"))
    assert (err["code"], err["error_subcode"], err["type"]) == (190, 463, "OAuthException")
    for status in (500, 503):
        resp = get(emu, "demouutiset")
        assert resp.status_code == status and error(resp)["is_transient"] is True
    emu.inject("page", 500)
    with pytest.raises(facebook.GraphAPIError):
        graph.get_object("demouutiset")


def test_malformed_truncated_and_reset(emu: FbEmulator, graph) -> None:
    emu.inject("comments", "malformed", "truncated", "reset")
    post = get(emu, f"{NEWS}/posts", limit=1).json()["data"][0]["id"]
    malformed = get(emu, f"{post}/comments")
    assert malformed.status_code == 200 and "text/html" in malformed.headers["content-type"]
    truncated = get(emu, f"{post}/comments")
    assert truncated.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(truncated.text)
    with pytest.raises(requests.ConnectionError):
        get(emu, f"{post}/comments")
    emu.inject("comments", "malformed")
    with pytest.raises(facebook.GraphAPIError, match="Maintype"):
        graph.get_connections(post, "comments")
    assert [s for k, s in emu.request_log if k == "comments"][-4:] == [200, 200, 0, 200]


def test_deleted_post(emu: FbEmulator, world: FbWorld) -> None:
    full = get(emu, f"{NEWS}/posts", limit=10).json()
    emu.inject("posts", "deleted_post")
    short = get(emu, f"{NEWS}/posts", limit=10).json()
    assert len(short["data"]) == 9 and short["paging"] == full["paging"]
    assert {p["id"] for p in short["data"]} < {p["id"] for p in full["data"]}
    post_id = full["data"][0]["id"]
    for key, path in (("page", post_id), ("comments", f"{post_id}/comments"),
                      ("reactions", f"{post_id}/reactions")):
        emu.inject(key, "deleted_post")
        err = error(get(emu, path))
        assert (err["code"], err["error_subcode"]) == (100, 33)
        assert get(emu, path).status_code == 200


def test_inject_rejects_unknown_keys_and_faults(emu: FbEmulator) -> None:
    with pytest.raises(ValueError):
        emu.inject("feed", 500)
    with pytest.raises(ValueError):
        emu.inject("posts", 429)


# --- usage and the SDK paging bug ------------------------------------------------------

def test_usage_headers_rise_with_use(emu: FbEmulator) -> None:
    emu.reset_usage()
    counts = []
    for _ in range(6):
        resp = get(emu, "ilmastofoorumi")
        app = json.loads(resp.headers["x-app-usage"])
        buc = json.loads(resp.headers["x-business-use-case-usage"])
        assert set(app) == {"call_count", "total_cputime", "total_time"}
        assert set(buc) == {CLIMATE} and buc[CLIMATE][0]["type"] == "pages"
        counts.append((app["call_count"], buc[CLIMATE][0]["call_count"]))
    assert counts == [(1, 1), (1, 1), (2, 2), (2, 2), (3, 3), (3, 3)]  # percent of 200/h
    assert json.loads(get(emu, "nothing-here").headers["x-business-use-case-usage"]) == {}
    emu.reset_usage()
    assert json.loads(get(emu, CITY).headers["x-app-usage"])["call_count"] == 1


def test_enforced_budget_throttles_with_code_4(world: FbWorld) -> None:
    with FbEmulator(world, calls_per_hour=3, enforce_budget=True) as small:
        assert [get(small, NEWS).status_code for _ in range(3)] == [200, 200, 200]
        resp = get(small, NEWS)
        assert resp.status_code == 403 and error(resp)["code"] == 4
        regain = json.loads(resp.headers["x-business-use-case-usage"])[NEWS][0]
        assert 55 <= regain["estimated_time_to_regain_access"] <= 60
        small.reset_usage()
        assert get(small, NEWS).status_code == 200


def test_drop_token_in_next_reproduces_the_sdk_key_error(
        world: FbWorld, monkeypatch: pytest.MonkeyPatch) -> None:
    with FbEmulator(world, drop_token_in_next=True) as broken:
        monkeypatch.setattr(facebook, "FACEBOOK_GRAPH_URL", broken.base_url + "/")
        api = facebook.GraphAPI(access_token=TOKEN, version="3.1")
        api.version = V
        with pytest.raises(KeyError, match="access_token"):
            list(api.get_all_connections(NEWS, "posts", limit=25))
        nxt = get(broken, f"{NEWS}/posts").json()["paging"]["next"]
        assert "access_token" not in parse_qs(urlsplit(nxt).query)
