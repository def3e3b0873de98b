"""The collection tasks of every configured account or Page, one after another, outside a flow run."""

from __future__ import annotations

from seula.flows import config
from seula.flows.collect import Tally, collect_facebook_page, collect_x_account


def collect_x_accounts(engagement_id: str, base_url: str) -> Tally:
    x = config.load(engagement_id).platforms.x
    assert x is not None
    tally = Tally()
    for index in range(len(x.accounts)):
        tally.merge(collect_x_account.fn(engagement_id, index, base_url))
    return tally


def collect_facebook_pages(engagement_id: str, base_url: str) -> Tally:
    fb = config.load(engagement_id).platforms.facebook
    assert fb is not None
    tally = Tally()
    for index in range(len(fb.pages)):
        tally.merge(collect_facebook_page.fn(engagement_id, index, base_url))
    return tally
