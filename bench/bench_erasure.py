"""Erasing 1, 10, 100 and 1,000 subjects from a lake of 10 million posts, against a full rewrite.

The lake is laid out as Seula writes it: one file per appended batch (here batches of
10,000 posts, as an archive import writes them), keys and texts holding pseudonyms.
Each erasure runs on a fresh copy, in two rounds, each against its own full rewrite.
Run: .venv/bin/python bench/bench_erasure.py [posts]
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import duckdb
import pyarrow.parquet as pq

from bench_report import key  # the derived author key, in DuckDB's words
from seula.lake import schema
from seula.lake.store import Lake
from seula.lake.subjects import Subjects, erase, remaining

POSTS = int(sys.argv[1]) if len(sys.argv) > 1 else 10_000_000
BATCH = 10_000
ROUNDS = 2
SUBJECTS = (1, 10, 100, 1000)
PEOPLE = 500_000
ENGAGEMENT = "bench"


RANDOM_PERSON = f"CAST(floor(pow(random(), 3) * {PEOPLE}) AS BIGINT)"  # skewed: a few people are prolific


def pid(expr: str) -> str:
    """An account's pseudonym (keyed hashes in the lake: an account's and a post's never share digits)."""
    return f"'u_' || left(md5(CAST({expr} AS VARCHAR)), 20)"


def _select(spec: schema.TableSpec, exprs: dict[str, str]) -> str:
    """A SELECT list in the table's own column order (the lake's schema, defined once)."""
    return ", ".join(f"{exprs[name]} AS {name}" for name in spec.schema.names)


def build(home: Path) -> None:
    lake = Lake(home)
    posts_dir = lake.table_dir(ENGAGEMENT, "posts")
    follows_dir = lake.table_dir(ENGAGEMENT, "follows")
    posts_dir.mkdir(parents=True)
    follows_dir.mkdir(parents=True)
    provenance = {"engagement": "'bench'", "platform": "'x'", "query": "NULL::VARCHAR",
                  "collected_at": "TIMESTAMPTZ '2026-11-01 00:00:00+00'"}
    posts = _select(schema.POSTS, {
        **provenance, "endpoint": "'search_recent'", "post_pid": "'t_' || left(md5('post ' || i), 20)",
        "author_pid": pid("a"), "created_at": "TIMESTAMPTZ '2026-09-01 00:00:00+00' + to_seconds(i % 3000000)",
        "lang": "'fi'", "text": f"'Kiitos @' || {pid('m')} || ' hyvästä keskustelusta #vaalit, lisää huomenna'",
        "conversation_pid": "NULL::VARCHAR", "reply_to_post_pid": "NULL::VARCHAR", "reply_to_account_pid": "NULL::VARCHAR",
        "quote_of_post_pid": "NULL::VARCHAR", "hashtags": "['vaalit']", "mention_pids": f"[{pid('m')}]",
        "like_count": "CAST(i % 50 AS BIGINT)", "repost_count": "CAST(i % 7 AS BIGINT)",
        "reply_count": "CAST(i % 5 AS BIGINT)", "quote_count": "CAST(i % 3 AS BIGINT)", "url": "NULL::VARCHAR",
        "reaction_counts": "NULL::VARCHAR", "terms": "['kiitos', 'hyvästä', 'keskustelusta', 'lisää', 'huomenna']",
        "author_key": key(pid("a")),
    })
    follows = _select(schema.FOLLOWS, {**provenance, "endpoint": "'followers'", "follower_pid": pid(RANDOM_PERSON),
                                       "followee_pid": pid(f"i % {PEOPLE}")})
    con = duckdb.connect()
    for b in range(POSTS // BATCH):
        lo, hi = b * BATCH, (b + 1) * BATCH
        con.execute(f"""COPY (SELECT {posts} FROM (SELECT i, {RANDOM_PERSON} AS a, {RANDOM_PERSON} AS m
                                                  FROM range({lo}, {hi}) t(i)))
                        TO '{posts_dir}/part-{b:08d}-bench.parquet' (FORMAT parquet, COMPRESSION zstd)""")
        if b % 5 == 0:  # a follow graph a fifth the size
            con.execute(f"""COPY (SELECT {follows} FROM range({lo}, {hi}) t(i))
                            TO '{follows_dir}/part-{b:08d}-bench.parquet' (FORMAT parquet, COMPRESSION zstd)""")
    con.close()


def lake_bytes(home: Path) -> int:
    return sum(p.stat().st_size for p in (home / "lake").rglob("*.parquet"))


def full_rewrite(home: Path) -> tuple[float, int]:
    """Every file read and written again through the lake (its footer's set of pseudonyms included)."""
    lake = Lake(home)
    start = time.perf_counter()
    written = 0
    for spec in (schema.POSTS, schema.FOLLOWS):
        for path in lake.rewrite(ENGAGEMENT, spec, lambda t: t):
            written += path.stat().st_size
    return time.perf_counter() - start, written


def plain_rewrite(home: Path) -> float:
    """Every file read and written again by pyarrow alone, as a tool without the set would."""
    start = time.perf_counter()
    for path in sorted((home / "lake" / ENGAGEMENT).glob("*/part-*.parquet")):
        pq.write_table(pq.read_table(path), path, compression="zstd")
    return time.perf_counter() - start


def subjects(home: Path, count: int) -> set[str]:
    """People drawn uniformly among those who posted (each person once, however prolific)."""
    files = str(home / "lake" / ENGAGEMENT / "posts" / "*.parquet")
    rows = duckdb.sql(f"SELECT author_pid FROM (SELECT DISTINCT author_pid FROM read_parquet('{files}')) "
                      f"ORDER BY hash(author_pid) LIMIT {count}").fetchall()
    return {r[0] for r in rows}


def main() -> None:
    base = Path(tempfile.mkdtemp(prefix="seula-bench-erasure-"))
    start = time.perf_counter()
    build(base / "original")
    plain_size = lake_bytes(base / "original")
    full_rewrite(base / "original")  # now as Seula keeps it: every file with its set
    total = lake_bytes(base / "original")
    print(f"built {POSTS:,} posts (+{POSTS // 5:,} follows) in {time.perf_counter() - start:.0f} s; lake {total / 1e6:,.0f} MB "
          f"({plain_size / 1e6:,.0f} MB without the sets)")
    copy = base / "work"

    def fresh() -> Path:
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(base / "original", copy)
        return copy

    print(f"plain pyarrow rewrite (no sets, no derived columns reused): {plain_rewrite(fresh()):.1f} s")
    shares: dict[int, list[float]] = {n: [] for n in SUBJECTS}
    for round_ in range(1, ROUNDS + 1):  # the machine is shared: each round has its own anchor
        seconds, written = full_rewrite(fresh())
        print(f"round {round_}: full rewrite {seconds:.1f} s, {written / 1e6:,.0f} MB written")
        for n in SUBJECTS:
            who = Subjects(frozenset(subjects(fresh(), n)))
            start = time.perf_counter()
            removed = erase(Lake(copy), ENGAGEMENT, who)
            erased = time.perf_counter() - start
            left = remaining(Lake(copy), ENGAGEMENT, who)  # the postcondition a request closes on
            checked = time.perf_counter() - start - erased
            assert not left, left
            rewritten = removed.pop("bytes_rewritten", 0)
            shares[n].append((erased + checked) / seconds)
            print(f"  erase {n:>5} subject(s): {erased + checked:6.1f} s ({erased:.1f} erase + {checked:.1f} check; "
                  f"{shares[n][-1]:.1%} of the round's full rewrite), {rewritten / 1e6:8,.1f} MB rewritten "
                  f"({rewritten / written:.2%}); rows removed {removed}")
    for n, got in shares.items():
        print(f"{n:>5} subject(s): {' / '.join(f'{s:.1%}' for s in got)} of a full rewrite (mean {sum(got) / len(got):.1%})")
    shutil.rmtree(base)


if __name__ == "__main__":
    main()
