"""The collection tasks of every configured account or Page, one after another, outside a flow run."""

from __future__ import annotations

from typing import Any

from seula.flows import config
from seula.flows.collect import Tally, collect_facebook_page, collect_x_account


def _each(task: Any, engagement_id: str, base_url: str, count: int) -> Tally:
    tally = Tally()
    for index in range(count):
        tally.merge(task.fn(engagement_id, index, base_url))
    return tally


def collect_x_accounts(engagement_id: str, base_url: str) -> Tally:
    x = config.load(engagement_id).platforms.x
    assert x is not None
    return _each(collect_x_account, engagement_id, base_url, len(x.accounts))


def collect_facebook_pages(engagement_id: str, base_url: str) -> Tally:
    fb = config.load(engagement_id).platforms.facebook
    assert fb is not None
    return _each(collect_facebook_page, engagement_id, base_url, len(fb.pages))
