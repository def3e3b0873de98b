"""Arbitrary JSON into the Facebook normaliser: a normalised batch or a clear PayloadError."""

from datetime import UTC, datetime

from hypothesis import given, settings
from hypothesis import strategies as st

from seula.collectors.facebook import normalise as wire
from seula.collectors.records import Batch

SCALARS = st.none() | st.booleans() | st.integers() | st.text(max_size=25) | st.just("2026-09-01T08:15:00+0000")
JSON = st.recursive(SCALARS, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=5),
                    max_leaves=25)
KEYS = st.sampled_from(["id", "message", "created_time", "permalink_url", "shares", "reactions", "comments", "from",
                        "parent", "name", "type", "username", "fan_count", "about", "reactions_love"])
ITEM = st.dictionaries(KEYS, JSON | st.fixed_dictionaries({"id": st.text(max_size=8)}), max_size=8)
PAGES = st.fixed_dictionaries({}, optional={"data": st.lists(ITEM, max_size=4) | JSON, "paging": JSON}) | JSON | ITEM


@settings(max_examples=400, deadline=None)
@given(PAGES)
def test_any_json_gives_a_batch_or_a_payload_error(payload: object) -> None:
    for parse in (
        lambda b: wire.page(payload, b),
        lambda b: wire.posts_page(payload, b, "1"),
        lambda b: wire.comments_page(payload, b, "1_2", "1"),
        lambda b: wire.reactions_page(payload, b, "1_2", "1"),
    ):
        try:
            result = parse(Batch("facebook", "posts", None, datetime(2026, 11, 1, tzinfo=UTC)))
        except wire.PayloadError as exc:
            assert str(exc) and "\n" not in str(exc)
        else:
            assert isinstance(result, Batch)
