"""Art. 15 access: a copy of everything stored about the person, and what the notice owes them.

Per engagement: their own rows (accounts, posts, follow edges, interactions), what was
derived about them (findings on their posts and profile, manifestly public affiliations,
the rows of derived tables that carry their pseudonym: communities, centrality), and other
people's posts that mention them or reply to them (the text and date only: the other
writers stay pseudonymous). Then the purposes, legal bases, sources of every platform,
retention, and the recipients who actually received data about them (the export log).
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from seula.lake import schema
from seula.lake.files import write_json_atomic
from seula.lake.store import Lake
from seula.lake.subjects import PID
from seula.rights import registers
from seula.rights.apply import METRIC_PREFIX, recipients, resolve_request
from seula.rights.register import RequestError
from seula.rights.store import register

REGISTER_NOTICE = {
    "social_media_research_register": "Public posts, profiles, follow relationships, likes and shares collected from "
    "social-media APIs for research and statistics; names and handles are published only where already public "
    "and not objected to; political affiliation only where the person made it public.",
    "survey_participants_register": "Respondents' contact details (name, e-mail, phone, address), where they came "
    "from, their consents, their answers (free text sieved) and raffle entries, per survey, kept until the survey's "
    "own retention date; answers are reported only as tables from which no respondent can be identified.",
    "customer_and_marketing_register": "Contacts (name, position, organisation, phone, e-mail, address), the customer "
    "relationship, sales-negotiation notes, marketing consent and the date of last contact; kept for the "
    "relationship, marketing data at most five years after the last contact.",
    "rights": "access, rectification, erasure, restriction, objection to marketing use (HetiL 30 §, GDPR Art. 21); "
    "answer within one month (Art. 12(3)).",
}


def _matching(table: pa.Table, columns: tuple[str, ...], values: set[str], handles: set[str] = frozenset()) -> pa.Table:
    """Rows where a column holds one of ``values`` (or, lower-cased, one of ``handles``)."""
    value_set = pa.array(sorted(values), pa.string())
    handle_set = pa.array(sorted(handles), pa.string())
    mask = pa.array([False] * table.num_rows, pa.bool_())
    for c in columns:
        mask = pc.or_(mask, pc.fill_null(pc.is_in(table[c], value_set=value_set), False))
        if handles:
            mask = pc.or_(mask, pc.fill_null(pc.is_in(pc.utf8_lower(table[c]), value_set=handle_set), False))
    return table.filter(mask)


def _about(lake: Lake, engagement: str, pids: set[str], own_posts: set[str], handles: set[str]) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for name, spec in schema.COLLECTED.items():
        if name in ("identity_index", "quarantine", "collection_log"):
            continue  # keyed hashes, page errors and run counts: nothing about a person to give
        table = lake.read(engagement, name, spec.schema)
        columns = ("author_pid",) if name == "posts" else spec.subject_columns
        rows = _matching(table, columns, pids).to_pylist()
        if name == "interactions":  # others' likes and reposts of their posts
            rows += _matching(table, ("post_pid",), own_posts).to_pylist()
        found[name] = rows
    posts = lake.read(engagement, "posts", schema.POSTS.schema)
    others = posts.filter(pc.invert(pc.fill_null(pc.is_in(posts["author_pid"], value_set=pa.array(sorted(pids), pa.string())), False)))
    found["mentioned_or_replied_to_in"] = [
        {"created_at": p["created_at"], "text": p["text"], "platform": p["platform"],
         "how": "reply" if p["reply_to_account_pid"] in pids else "mention"}
        for p in others.select(["created_at", "text", "platform", "reply_to_account_pid", "mention_pids"]).to_pylist()
        if p["reply_to_account_pid"] in pids or pids & set(p["mention_pids"] or []) or pids & set(PID.findall(p["text"] or ""))
    ]
    for table in lake.tables(engagement):
        if table in ("findings", "affiliations") or table.startswith(METRIC_PREFIX):
            data = lake.read(engagement, table)
            strings = tuple(f.name for f in data.schema if pa.types.is_string(f.type))
            rows = _matching(data, strings, pids | own_posts, handles).to_pylist()  # public accounts are named by handle
            if rows:
                found[table] = rows
    return {k: v for k, v in found.items() if v}


def export_access(home: Path, request_id: str, out: Path, notice: Callable[[str], dict[str, Any]]) -> Path:
    """Write ``access.json`` (and a CSV per table) into ``out``; returns the JSON's path."""
    lake = Lake(home)
    reg = register(home)
    with reg.lock():
        requests, r = reg.get(request_id)
        if r.type != "access":
            raise RequestError(f"{request_id} is a {r.type} request, not an access request")
        if r.identity is None:
            raise RequestError(f"{request_id} is closed: its identity is no longer kept")
        if not r.verified:
            raise RequestError(f"{request_id}: verify the requester's identity first (seula requests verify)")
        resolve_request(lake, r)
        reg.save(requests)
    assert r.targets is not None
    out.mkdir(parents=True, exist_ok=True, mode=0o700)
    package: dict[str, Any] = {"request": request_id, "generated": datetime.now(UTC).isoformat(timespec="seconds"),
                               "engagements": {}}
    for e in lake.engagements():
        found = _about(lake, e, r.targets.pids_in(e), set(r.targets.posts.get(e, [])), set(r.targets.handles))
        if not found:
            continue
        for name, rows in found.items():
            _csv(out / f"{e}-{name}.csv", rows)
        package["engagements"][e] = {"data": found, "notice": notice(e)}
    package["recipients"] = recipients(lake, r.targets)
    package["registers_data"] = registers.records(home, r.targets.registers)
    package["registers"] = REGISTER_NOTICE
    write_json_atomic(package, out / "access.json", mode=0o600)
    reg.change(request_id, lambda req: (setattr(req, "status", "applied"), req.log("applied", "access package written")))
    return out / "access.json"


def _csv(path: Path, rows: list[dict[str, Any]]) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: (json.dumps(v, default=str) if isinstance(v, (list, dict)) else v) for k, v in row.items()}
                         for row in rows)
