"""Importing a 100,000-tweet twarc2 file, and a compliance sweep of 100,000 ids against a
1,000,000-post lake (issue 13).

The file is written here: 1,000 search pages of 100 tweets each, with their ``includes.users``,
texts in Finnish, Swedish and English with mentions, hashtags and now and then an e-mail
address or a phone number. Its import runs through ``seula import``'s own code (sieve, lake,
collection log), beside the floor of merely parsing the same lines as JSON.

The lake for the sweep is laid out as Seula writes it (files of 10,000 posts, each post's
platform id sealed beside it), with the engagement's real pseudonyms, so the deletion goes
through ``rights.deletions`` exactly as an imported compliance file or ``seula compliance``
does: ids to pseudonyms, journal, erasure engine, postcondition.

Run: .venv/bin/python bench/bench_import.py [tweets] [lake posts] [ids]
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

os.environ.setdefault("SEULA_HOME", tempfile.mkdtemp(prefix="seula-bench-import-"))
os.environ.setdefault("SEULA_MASTER_KEY", "bench-master-key-" + "x" * 32)
os.environ.setdefault("SEULA_SPACY_MODELS", "blank")  # the default route (no model), as the privacy bench measures

import pyarrow as pa  # noqa: E402

from seula.flows.importer import import_archives  # noqa: E402
from seula.flows.rights import HOOKS  # noqa: E402
from seula.lake import schema  # noqa: E402
from seula.lake.files import write_parquet_atomic  # noqa: E402
from seula.lake.home import seula_home  # noqa: E402
from seula.lake.store import Lake  # noqa: E402
from seula.rights import deletions  # noqa: E402
from seula.rights.store import pseudonymiser  # noqa: E402

TWEETS = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
LAKE_POSTS = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
IDS = int(sys.argv[3]) if len(sys.argv) > 3 else 100_000
PAGE = 100
USERS = 30_000
WORDS = {"fi": "kiitos hyvä keskustelu tänään huomenna vaalit kunta ilmasto koulu talous".split(),
         "sv": "tack bra diskussion idag imorgon val kommun klimat skola ekonomi".split(),
         "en": "thanks good debate today tomorrow election council climate school economy".split()}


def user(i: int) -> dict:
    return {"id": str(10_000_000 + i), "username": f"user_{i}", "name": f"Person {i} Example", "description": "",
            "verified": False, "created_at": "2015-01-01T00:00:00.000Z",
            "public_metrics": {"followers_count": i % 900, "following_count": 50, "tweet_count": 300}}


def tweet(i: int, rng: random.Random, at: datetime) -> tuple[dict, list[int]]:
    lang = rng.choice(("fi", "fi", "sv", "en"))
    author, mentioned = rng.randrange(USERS), rng.randrange(USERS)
    words = rng.choices(WORDS[lang], k=12)
    extra = rng.random()
    tail = " kirjoita matti.meikalainen@example.fi" if extra < 0.02 else " soita 040 123 4567" if extra < 0.04 else ""
    text = f"@user_{mentioned} {' '.join(words)} #{rng.choice(WORDS[lang])}{tail}"
    return {"id": str(1_600_000_000_000_000_000 + i), "author_id": str(10_000_000 + author), "lang": lang, "text": text,
            "created_at": at.strftime("%Y-%m-%dT%H:%M:%S.000Z"), "conversation_id": str(1_600_000_000_000_000_000 + i),
            "entities": {"mentions": [{"start": 0, "end": len(f"@user_{mentioned}"), "username": f"user_{mentioned}",
                                       "id": str(10_000_000 + mentioned)}]},
            "public_metrics": {"retweet_count": i % 7, "reply_count": i % 5, "like_count": i % 50, "quote_count": 0},
            }, [author, mentioned]


def write_file(path: Path) -> None:
    rng, at = random.Random(2026), datetime(2026, 9, 1, tzinfo=UTC)
    with path.open("w", encoding="utf-8") as out:
        for page in range(TWEETS // PAGE):
            data, people = [], set()
            for k in range(PAGE):
                t, who = tweet(page * PAGE + k, rng, at + timedelta(seconds=page * PAGE + k))
                data.append(t)
                people.update(who)
            out.write(json.dumps({"data": data, "includes": {"users": [user(i) for i in sorted(people)]},
                                  "meta": {"result_count": len(data)}}) + "\n")


def parse_only(path: Path) -> float:
    start = time.perf_counter()
    for line in path.read_text(encoding="utf-8").splitlines():
        json.loads(line)
    return time.perf_counter() - start


def build_lake(engagement: str) -> list[str]:
    """A lake of LAKE_POSTS posts under the engagement's own pseudonyms; the tweet ids."""
    lake = Lake(seula_home())
    pseudo = pseudonymiser(lake, engagement)
    ids = [str(1_700_000_000_000_000_000 + i) for i in range(LAKE_POSTS)]
    posts_dir, sealed_dir = lake.table_dir(engagement, "posts"), lake.table_dir(engagement, "platform_ids")
    posts_dir.mkdir(parents=True, exist_ok=True)
    sealed_dir.mkdir(parents=True, exist_ok=True)
    at = datetime(2026, 9, 1, tzinfo=UTC)
    prov = {"engagement": engagement, "platform": "x", "endpoint": "search_recent", "query": "#vaalit", "collected_at": at}
    for b in range(0, LAKE_POSTS, 10_000):
        chunk = ids[b:b + 10_000]
        pids = [pseudo.post("x", i) for i in chunk]
        rows = [{**prov, "post_pid": p, "author_pid": pseudo.account("x", str(n % 50_000)), "created_at": at,
                 "lang": "fi", "text": "kiitos hyvästä keskustelusta #vaalit", "conversation_pid": None,
                 "reply_to_post_pid": None, "reply_to_account_pid": None, "quote_of_post_pid": None,
                 "hashtags": ["vaalit"], "mention_pids": [], "like_count": 1, "repost_count": 0, "reply_count": 0,
                 "quote_count": 0, "url": None, "reaction_counts": None}
                for n, p in zip(range(b, b + len(chunk)), pids)]
        write_parquet_atomic(schema.POSTS.complete(pa.Table.from_pylist(
            rows, schema=pa.schema([f for f in schema.POSTS.schema if f.name not in ("terms", "author_key")]))),
            posts_dir / f"part-{b:010d}-bench.parquet")
        sealed = [{**prov, "kind": "post", "pid": p, "sealed": pseudo.seal("x", "post", i)} for p, i in zip(pids, chunk)]
        write_parquet_atomic(schema.conform(schema.PLATFORM_IDS, sealed), sealed_dir / f"part-{b:010d}-bench.parquet")
    return ids


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="seula-bench-import-file-"))
    path = folder / "search_100k.jsonl"
    write_file(path)
    print(f"twarc2 file: {TWEETS:,} tweets in {TWEETS // PAGE:,} pages, {path.stat().st_size / 1e6:,.0f} MB")
    floor = parse_only(path)
    start = time.perf_counter()
    result = import_archives("sample", [path])
    took = time.perf_counter() - start
    stored = result.tally.rows.get("posts", 0)
    print(f"import: {took:.1f} s, {stored / took:,.0f} posts/s ({stored:,} posts, {result.tally.rows.get('accounts', 0):,} "
          f"accounts); parsing the JSON alone: {floor:.1f} s ({TWEETS / floor:,.0f} tweets/s)")
    start = time.perf_counter()
    again = import_archives("sample", [path])
    print(f"the same file again: {time.perf_counter() - start:.1f} s, {sum(again.tally.rows.values())} new rows")

    start = time.perf_counter()
    ids = build_lake("bench")
    print(f"lake: {LAKE_POSTS:,} posts built in {time.perf_counter() - start:.0f} s")
    gone = frozenset(random.Random(7).sample(ids, IDS))
    start = time.perf_counter()
    deletions.record(seula_home(), deletions.Withdrawn("x", gone, frozenset(), "bench"))
    recorded = time.perf_counter() - start
    removed = deletions.finish(seula_home(), HOOKS)
    total = time.perf_counter() - start
    print(f"compliance sweep of {IDS:,} ids: {total:.1f} s ({recorded:.1f} s to map and journal them, "
          f"{total - recorded:.1f} s to remove and check); removed {removed}")


if __name__ == "__main__":
    main()
