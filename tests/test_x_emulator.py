"""The synthetic X world and the local X API v2 emulator."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import requests
import tweepy
from requests.adapters import HTTPAdapter

from seula.emulators.x.emulator import XEmulator
from seula.emulators.x.world import World, build_world

TOKEN = "seula-demo-token"
FIXED_HANDLES = (
    "demo_uutiset", "ilmastofoorumi", "helsinki_demo", "ainovirtanen", "mikkolaine_sdp",
    "lauraniemi", "jussiheikkinen", "sannakoskinen", "pekkasalo_vas", "emmalindqvist",
    "mattihyvonen_kd",
)


@pytest.fixture(scope="module")
def world() -> World:
    return build_world()


@pytest.fixture(scope="module")
def emu(world: World) -> Iterator[XEmulator]:
    with XEmulator(world) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def http() -> Iterator[requests.Session]:
    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        yield session


def get(http: requests.Session, emu: XEmulator, path: str, **params: object) -> requests.Response:
    return http.get(emu.base_url + path, params=params, timeout=5)


# --- world -------------------------------------------------------------------

def test_build_world_is_deterministic_and_fast(world: World) -> None:
    started = time.perf_counter()
    again = build_world(2026)
    assert time.perf_counter() - started < 1.0
    assert again.digest() == world.digest()
    assert build_world(7).digest() != world.digest()


def test_world_has_fixed_accounts_and_ground_truth(world: World) -> None:
    for handle in FIXED_HANDLES:
        acc = world.user_by_username(handle)
        assert acc is not None and acc.username == handle
    assert world.user_by_username("emmalindqvist").party == "RKP"  # type: ignore[union-attr]
    assert world.user_by_username("mikkolaine_sdp").kind == "candidate"  # type: ignore[union-attr]
    persons = [a for a in world.accounts.values() if a.kind == "person"]
    assert len(persons) == 280 and not any(a.verified for a in persons)
    assert 2500 <= len(world.posts) <= 3500
    ids = [int(p.id) for p in world.posts]
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    finnish = sum(p.lang == "fi" for p in world.posts) / len(world.posts)
    assert 0.55 < finnish < 0.75
    texts = "\n".join(p.text for p in world.posts)
    assert world.planted_emails and world.planted_phones
    assert all(s in texts for s in world.planted_emails + world.planted_phones)
    for post in world.posts:
        for m in post.mentions:
            assert post.text[m.start:m.end] == "@" + m.username
            assert world.user(m.id).username == m.username  # type: ignore[union-attr]
        if post.in_reply_to_user_id:
            root = world.post(post.conversation_id)
            assert root is not None and not root.in_reply_to_user_id


# --- search --------------------------------------------------------------------

def collect(http: requests.Session, emu: XEmulator, path: str, token_param: str,
            **params: object) -> tuple[list[dict], list[str]]:
    items: list[dict] = []
    tokens: list[str] = []
    while True:
        body = get(http, emu, path, **params).json()
        items += body.get("data", [])
        token = body["meta"].get("next_token")
        if not token:
            return items, tokens
        tokens.append(token)
        params[token_param] = token


def test_search_pagination_returns_each_match_once(http, emu, world) -> None:
    items, tokens = collect(http, emu, "/2/tweets/search/recent", "next_token",
                            query="#ilmasto OR #climate", max_results=10)
    expected = [p.id for p in reversed(world.posts)
                if {h.tag for h in p.hashtags} & {"ilmasto", "climate"}]
    assert [t["id"] for t in items] == expected  # newest first, no gaps or repeats
    assert len(tokens) >= 3
    for token in tokens:  # opaque: never a raw id
        assert not token.isdigit() and not any(t["id"] in token for t in items)
    again = get(http, emu, "/2/tweets/search/recent", query="#ilmasto OR #climate").json()
    assert again["meta"]["next_token"] == tokens[0]  # stable for the same query


@pytest.mark.parametrize(("query", "check"), [
    ("from:ainovirtanen", lambda w, p: w.user(p.author_id).username == "ainovirtanen"),
    ("@lauraniemi -is:reply", lambda w, p: any(m.username == "lauraniemi" for m in p.mentions)
     and not p.in_reply_to_user_id),
    ("is:quote lang:en", lambda w, p: p.lang == "en"
     and any(kind == "quoted" for kind, _ in p.referenced)),
    ('"hyvä pointti"', lambda w, p: "hyvä pointti" in p.text.lower()),
    ("(sähkön OR tuulivoimasta) #energia", lambda w, p: "#energia" in p.text and bool(
        re.search(r"\b(sähkön|tuulivoimasta)\b", p.text.lower()))),
])
def test_search_operators(http, emu, world, query, check) -> None:
    items, _ = collect(http, emu, "/2/tweets/search/all", "next_token", query=query,
                       max_results=500)
    assert [t["id"] for t in items] == [p.id for p in reversed(world.posts) if check(world, p)]
    assert items


def test_search_time_window_and_invalid_query(http, emu, world) -> None:
    start, end = "2026-09-10T00:00:00Z", "2026-09-11T00:00:00Z"
    body = get(http, emu, "/2/tweets/search/all", query="#vaalit", start_time=start,
               end_time=end, max_results=100, **{"tweet.fields": "created_at"}).json()
    assert body["data"] and all(start <= t["created_at"] < end for t in body["data"])
    bad = get(http, emu, "/2/tweets/search/recent", query="(#vaalit OR")
    assert bad.status_code == 400
    assert bad.json()["type"] == "https://api.twitter.com/2/problems/invalid-request"
    assert bad.json()["errors"][0]["parameters"] == {"query": ["(#vaalit OR"]}
    assert get(http, emu, "/2/tweets/search/recent", query="x", max_results=500).status_code == 400


def test_expansions_and_fields_only_when_asked(http, emu, world) -> None:
    plain = get(http, emu, "/2/tweets/search/recent", query="is:reply").json()
    assert "includes" not in plain
    assert set(plain["data"][0]) == {"id", "text", "edit_history_tweet_ids"}
    rich = get(http, emu, "/2/tweets/search/recent", query="is:reply",
               expansions="author_id,referenced_tweets.id",
               **{"tweet.fields": "created_at,author_id,entities,public_metrics,referenced_tweets",
                  "user.fields": "created_at,public_metrics,description"}).json()
    tweet = rich["data"][0]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000Z", tweet["created_at"])
    assert tweet["referenced_tweets"][0]["type"] == "replied_to"
    assert set(tweet["public_metrics"]) >= {"like_count", "retweet_count", "reply_count",
                                            "quote_count"}
    mention = tweet["entities"]["mentions"][0]
    assert set(mention) == {"start", "end", "username", "id"}
    users = {u["id"]: u for u in rich["includes"]["users"]}
    assert {t["author_id"] for t in rich["data"]} <= set(users)
    assert "public_metrics" in next(iter(users.values()))
    assert {t["id"] for t in rich["includes"]["tweets"]} >= {
        t["referenced_tweets"][0]["id"] for t in rich["data"]}


# --- users, graphs, tweets ---------------------------------------------------------

def test_user_lookup_and_not_found_shape(http, emu, world) -> None:
    body = get(http, emu, "/2/users/by/username/AinoVirtanen").json()
    assert body == {"data": {"id": world.user_by_username("ainovirtanen").id,  # type: ignore
                             "name": "Aino Virtanen", "username": "ainovirtanen"}}
    missing = get(http, emu, "/2/users/by/username/ei_ole_olemassa").json()
    assert missing == {"errors": [{
        "value": "ei_ole_olemassa",
        "detail": "Could not find user with username: [ei_ole_olemassa].",
        "title": "Not Found Error", "resource_type": "user", "parameter": "username",
        "resource_id": "ei_ole_olemassa",
        "type": "https://api.twitter.com/2/problems/resource-not-found"}]}
    both = get(http, emu, "/2/users/by", usernames="lauraniemi,nobody_x",
               **{"user.fields": "description,public_metrics,verified"}).json()
    assert [u["username"] for u in both["data"]] == ["lauraniemi"]
    assert "Vihreät" in both["data"][0]["description"]
    assert both["errors"][0]["parameter"] == "usernames"
    by_ids = get(http, emu, "/2/users", ids=f"{both['data'][0]['id']},1").json()
    assert len(by_ids["data"]) == 1 and by_ids["errors"][0]["resource_id"] == "1"
    metrics = both["data"][0]["public_metrics"]
    assert metrics["followers_count"] == len(world.followers_of(both["data"][0]["id"]))


def test_followers_pagination(http, emu, world) -> None:
    uid = world.user_by_username("demo_uutiset").id  # type: ignore[union-attr]
    first = get(http, emu, f"/2/users/{uid}/followers", max_results=50).json()
    assert "previous_token" not in first["meta"]
    second = get(http, emu, f"/2/users/{uid}/followers", max_results=50,
                 pagination_token=first["meta"]["next_token"]).json()
    back = get(http, emu, f"/2/users/{uid}/followers", max_results=50,
               pagination_token=second["meta"]["previous_token"]).json()
    assert back == first
    items, _ = collect(http, emu, f"/2/users/{uid}/followers", "pagination_token",
                       max_results=50)
    assert [u["id"] for u in items] == world.followers_of(uid) and len(items) > 100
    following, _ = collect(http, emu, f"/2/users/{uid}/following", "pagination_token")
    assert {u["id"] for u in following} == {b for a, b in world.follows if a == uid}


def test_timeline_engagement_and_tweet_lookup(http, emu, world) -> None:
    acc = world.user_by_username("lauraniemi")
    assert acc is not None
    items, _ = collect(http, emu, f"/2/users/{acc.id}/tweets", "pagination_token",
                       max_results=5)
    assert [t["id"] for t in items] == [p.id for p in reversed(world.posts_by(acc.id))]
    page1 = get(http, emu, f"/2/users/{acc.id}/tweets", max_results=5).json()
    page2 = get(http, emu, f"/2/users/{acc.id}/tweets", max_results=5,
                pagination_token=page1["meta"]["next_token"]).json()
    assert get(http, emu, f"/2/users/{acc.id}/tweets", max_results=5,
               pagination_token=page2["meta"]["previous_token"]).json() == page1
    garbage = get(http, emu, f"/2/users/{acc.id}/tweets", pagination_token="zzzz")
    assert garbage.status_code == 400
    top = max(world.likes, key=lambda pid: len(world.likes[pid]))
    likers, _ = collect(http, emu, f"/2/tweets/{top}/liking_users", "pagination_token",
                        max_results=10)
    assert [u["id"] for u in likers] == world.likes[top]
    quoted = next(p.referenced[-1][1] for p in world.posts if p.referenced[-1:]
                  and p.referenced[-1][0] == "quoted")
    quotes = get(http, emu, f"/2/tweets/{quoted}/quote_tweets").json()
    assert {t["id"] for t in quotes["data"]} == {p.id for p in world.quotes_of(quoted)}
    one = get(http, emu, f"/2/tweets/{top}", **{"tweet.fields": "public_metrics"}).json()
    assert one["data"]["public_metrics"]["like_count"] == len(world.likes[top])
    many = get(http, emu, "/2/tweets", ids=f"{top},123").json()
    assert [t["id"] for t in many["data"]] == [top]
    assert many["errors"][0]["detail"] == "Could not find tweet with id: [123]."


# --- auth, rate limits, faults -----------------------------------------------------

def test_wrong_or_missing_bearer_token_is_401(emu) -> None:
    url = emu.base_url + "/2/users/by/username/lauraniemi"
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        r = requests.get(url, headers=headers, timeout=5)
        assert r.status_code == 401 and "x-rate-limit-remaining" in r.headers
        assert r.json() == {"title": "Unauthorized", "type": "about:blank", "status": 401,
                            "detail": "Unauthorized"}


def test_rate_limit_window_then_recovery(world, http) -> None:
    with XEmulator(world, rate_limits={"followers": (2, 0.5)}) as emu:
        uid = world.user_by_username("demo_uutiset").id  # type: ignore[union-attr]
        path = f"/2/users/{uid}/followers"
        first, second, third = (get(http, emu, path) for _ in range(3))
        assert (first.status_code, second.status_code, third.status_code) == (200, 200, 429)
        assert first.headers["x-rate-limit-limit"] == "2"
        assert first.headers["x-rate-limit-remaining"] == "1"
        assert third.headers["x-rate-limit-remaining"] == "0"
        assert int(third.headers["x-rate-limit-reset"]) >= int(time.time())
        assert third.json() == {"title": "Too Many Requests", "detail": "Too Many Requests",
                                "type": "about:blank", "status": 429}
        other = get(http, emu, "/2/users/by/username/lauraniemi")  # separate window
        assert other.status_code == 200 and other.headers["x-rate-limit-limit"] == "300"
        time.sleep(0.6)
        assert get(http, emu, path).status_code == 200
        get(http, emu, path)
        assert get(http, emu, path).status_code == 429
        emu.reset_rate_limits()
        assert get(http, emu, path).status_code == 200
    with XEmulator(world, rate_limits={"followers": (1, 60.0)}, rate_limits_enabled=False) as emu:
        for _ in range(3):
            r = get(http, emu, path)
            assert r.status_code == 200 and r.headers["x-rate-limit-remaining"] == "0"


@pytest.mark.parametrize("fault", [429, 500, 503, "malformed", "truncated", "reset"])
def test_injected_fault_then_recovery(http, emu, fault) -> None:
    path, key = "/2/users/by/username/lauraniemi", "user_by_username"
    emu.inject(key, fault)
    if fault == "reset":
        with pytest.raises(requests.ConnectionError):
            get(http, emu, path)
    else:
        r = get(http, emu, path)
        if isinstance(fault, int):
            assert r.status_code == fault and r.json()["status"] == fault
            assert "x-rate-limit-limit" in r.headers
            if fault == 429:
                assert int(r.headers["x-rate-limit-reset"]) <= time.time() + 2
        else:
            assert r.status_code == 200
            with pytest.raises(ValueError):
                r.json()
            if fault == "truncated":
                assert r.text and r.text.startswith('{"data":{')
    assert emu.request_log[-1] == (key, 0 if fault == "reset" else
                                   fault if isinstance(fault, int) else 200)
    assert get(http, emu, path).json()["data"]["username"] == "lauraniemi"


def test_add_post_appears_in_later_since_id_search(http) -> None:
    world = build_world()
    with XEmulator(world) as emu:
        first = get(http, emu, "/2/tweets/search/recent", query="#vaalit").json()
        newest = first["meta"]["newest_id"]
        text = "Kiitos @lauraniemi hyvästä väittelystä! #vaalit"
        post = world.add_post("ainovirtanen", text, datetime(2026, 10, 13, 9, 0, tzinfo=UTC))
        assert int(post.id) > int(world.posts[-2].id)
        later = get(http, emu, "/2/tweets/search/recent", query="#vaalit", since_id=newest,
                    **{"tweet.fields": "entities,author_id"}).json()
        assert [t["id"] for t in later["data"]] == [post.id]
        entities = later["data"][0]["entities"]
        assert entities["mentions"][0]["username"] == "lauraniemi"
        start = text.index("#vaalit")
        assert entities["hashtags"] == [{"start": start, "end": start + 7, "tag": "vaalit"}]


def test_serving_a_page_is_cheap(http, emu) -> None:
    params = {"query": "#vaalit OR #ilmasto OR #sote", "max_results": 100,
              "tweet.fields": "created_at,author_id,entities,public_metrics",
              "expansions": "author_id"}
    get(http, emu, "/2/tweets/search/all", **params)  # warm the query cache
    timings = []
    for _ in range(10):
        started = time.perf_counter()
        assert len(get(http, emu, "/2/tweets/search/all", **params).json()["data"]) == 100
        timings.append(time.perf_counter() - started)
    assert sorted(timings)[5] < 0.05  # generous: includes the client and loopback HTTP


# --- real tweepy -------------------------------------------------------------------

class _ToEmulator(HTTPAdapter):
    """Sends tweepy's https://api.twitter.com requests to the emulator instead."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url

    def send(self, request, **kwargs):  # type: ignore[no-untyped-def, override]
        request.url = request.url.replace("https://api.twitter.com", self.base_url, 1)
        return super().send(request, **kwargs)


def test_real_tweepy_client_talks_to_emulator(emu, world) -> None:
    client = tweepy.Client(bearer_token=TOKEN, return_type=dict)
    client.session.mount("https://api.twitter.com", _ToEmulator(emu.base_url))
    found = client.search_recent_tweets("#vaalit lang:fi", max_results=10,
                                        expansions="author_id", tweet_fields=["created_at"])
    assert len(found["data"]) == 10 and found["includes"]["users"]
    assert found["meta"]["next_token"]
    uid = world.user_by_username("ainovirtanen").id  # type: ignore[union-attr]
    followers = client.get_users_followers(uid, max_results=100)
    assert [u["id"] for u in followers["data"]] == world.followers_of(uid)[:100]
    bad = tweepy.Client(bearer_token="nope", return_type=dict)
    bad.session.mount("https://api.twitter.com", _ToEmulator(emu.base_url))
    with pytest.raises(tweepy.Unauthorized):
        bad.get_user(username="lauraniemi")
