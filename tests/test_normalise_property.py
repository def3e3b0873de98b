"""Arbitrary JSON into the X normaliser: a normalised batch or a clear PayloadError, never anything else."""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from seula.collectors.records import Batch
from seula.collectors.x import normalise as wire

SCALARS = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20) | st.from_regex(r"\d{1,19}", fullmatch=True)
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=5), max_leaves=25)
KEYS = st.sampled_from(["id", "text", "author_id", "username", "name", "created_at", "entities", "public_metrics",
                        "referenced_tweets", "lang", "in_reply_to_user_id", "conversation_id", "description"])
TWEETISH = st.dictionaries(KEYS, JSON, max_size=10)
PAGES = st.fixed_dictionaries({}, optional={
    "data": st.lists(TWEETISH, max_size=4) | TWEETISH | JSON,
    "includes": st.fixed_dictionaries({}, optional={"users": st.lists(TWEETISH, max_size=3) | JSON,
                                                    "tweets": st.lists(TWEETISH, max_size=3) | JSON}) | JSON,
    "meta": JSON,
}) | JSON


def batch() -> Batch:
    return Batch("x", "search_recent", None, datetime(2026, 11, 1, tzinfo=UTC))


@settings(max_examples=400, deadline=None)
@given(PAGES)
def test_any_json_gives_a_batch_or_a_payload_error(payload: object) -> None:
    for parse in (
        lambda: wire.tweets_page(payload, batch()),
        lambda: wire.users_page(payload, batch()),
        lambda: wire.follows_page(payload, batch(), "1", "followers"),
        lambda: wire.engaged_users_page(payload, batch(), "1", "2", "like"),
    ):
        try:
            result = parse()
        except wire.PayloadError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert isinstance(result, Batch)
            assert all(isinstance(p.post_id, str) and p.post_id.isdigit() for p in result.posts)
            assert all(isinstance(a.handle, str) for a in result.accounts)
