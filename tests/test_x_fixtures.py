"""Real X API v2 responses (recorded by the tweepy project) through Seula's normaliser and sieve."""

import gzip
import json
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import yaml

from seula.collectors.records import Batch
from seula.collectors.x import normalise as wire
from seula.privacy.policy import PublishabilityPolicy
from seula.privacy.pseudonyms import Pseudonymiser
from seula.privacy.sieve import Sieve

FIXTURES = Path(__file__).resolve().parents[2] / "shared" / "fixtures" / "x-api-v2"
CASSETTES = sorted(FIXTURES.glob("*.yaml"))


def responses(cassette: Path) -> list[tuple[str, dict]]:
    out = []
    for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
        body = interaction["response"]["body"]["string"]
        try:
            body = gzip.decompress(body)
        except (OSError, TypeError):
            pass
        out.append((interaction["request"]["uri"], json.loads(body)))
    return out


def normalise(uri: str, payload: dict) -> Batch:
    endpoint = re.sub(r"\d+", "{id}", uri.split("/2/")[1].split("?")[0])  # as Seula names endpoints: no ids
    batch = Batch("x", endpoint, None, datetime.now(UTC))
    path = uri.split("/2/")[1].split("?")[0].split("/")
    if path[0] == "users" and path[-1] in ("followers", "following"):
        return wire.follows_page(payload, batch, path[1], path[-1])
    if path[0] == "tweets" and path[-1] in ("liking_users", "retweeted_by"):
        return wire.engaged_users_page(payload, batch, path[1], None, "like" if path[-1] == "liking_users" else "repost")  # type: ignore[arg-type]
    if path[0] == "users" and path[-1] not in ("tweets", "mentions"):
        return wire.users_page(payload, batch)
    return wire.tweets_page(payload, batch)


@pytest.mark.skipif(not CASSETTES, reason="shared fixtures not present beside the checkout")
@pytest.mark.parametrize("cassette", CASSETTES, ids=lambda p: p.stem)
def test_real_responses_normalise_and_pass_the_sieve(cassette: Path) -> None:
    for uri, payload in responses(cassette):
        batch = normalise(uri, payload)
        data = payload["data"] if isinstance(payload["data"], list) else [payload["data"]]
        ids = [d["id"] for d in data]
        got = [p.post_id for p in batch.posts] or [a.account_id for a in batch.accounts][: len(ids)]
        assert got == ids
        tables = Sieve("fixtures", Pseudonymiser(b"k" * 32), PublishabilityPolicy(set())).apply(batch).tables
        stored = tables.get("posts") or tables.get("accounts")
        assert stored is not None and stored.num_rows == len(set(ids))
        for d in data:
            assert d["id"] not in repr([t.to_pylist() for t in tables.values()])  # raw ids never stored
