"""The standard metrics of an engagement, computed with DuckDB over its views.

Non-publishable people appear only as counts: no query here returns a pseudonym or a
clear name of someone who is not publishable.
"""

from __future__ import annotations

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from seula.analysis import coverage
from seula.analysis.network import communities, density, follow_graph, interaction_graph, largest, picture, summarise


def totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM posts),
               (SELECT count(*) FROM accounts),
               (SELECT count(*) FROM follows),
               (SELECT count(*) FROM interactions),
               (SELECT count(*) FROM accounts WHERE publishable),
               (SELECT count(*) FROM accounts WHERE NOT publishable),
               (SELECT count(DISTINCT author_key) FROM posts)
        """
    ).fetchall()[0]
    keys = ("posts", "accounts", "follows", "interactions", "publishable", "pseudonymised", "authors")
    return dict(zip(keys, row))


# Days and weeks in UTC, grouped as integers first: casting ten million time stamps to
# dates goes through the time-zone library and costs more than the whole count.
UTC_DAY = "epoch_us(created_at) // 86400000000"
AS_DATE = "DATE '1970-01-01' + CAST({} AS INTEGER)"
MONDAY = "({d} + 3) // 7 * 7 - 3"  # 1970-01-01 was a Thursday


def daily_volume(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"SELECT {AS_DATE.format('d')} AS day, posts FROM (SELECT {UTC_DAY} AS d, count(*) AS posts FROM posts GROUP BY 1) "
        "ORDER BY day"
    ).to_arrow_table()


def weekly_volume(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Posts per ISO week (starting Monday) and platform."""
    return con.sql(
        f"""SELECT {AS_DATE.format('w')} AS week, platform, posts FROM (
              SELECT {MONDAY.format(d=UTC_DAY)} AS w, platform, count(*) AS posts FROM posts GROUP BY 1, 2)
            ORDER BY 1, 2"""
    ).to_arrow_table()


def hashtag_daily(con: duckdb.DuckDBPyConnection, n: int) -> pa.Table:
    """Posts per day for each of the ``n`` most used hashtags (from the partial counts)."""
    return con.sql(
        f"""WITH top AS (SELECT hashtag FROM tag_days_counts GROUP BY 1 ORDER BY sum(posts) DESC, 1 LIMIT $n)
            SELECT {AS_DATE.format('d')} AS day, hashtag, posts FROM tag_days_counts JOIN top USING (hashtag)
            ORDER BY 1, 2""",
        params={"n": n},
    ).to_arrow_table()


def top_hashtags(con: duckdb.DuckDBPyConnection, n: int) -> pa.Table:
    """The ``n`` hashtags the most posts carry (a post that repeats one counts once), from the
    partial counts."""
    return con.sql(
        """
        SELECT hashtag, CAST(sum(posts) AS BIGINT) AS posts FROM tag_days_counts
        GROUP BY hashtag ORDER BY posts DESC, hashtag LIMIT ?
        """,
        params=[n],
    ).to_arrow_table()


def top_accounts(con: duckdb.DuckDBPyConnection, n: int) -> tuple[pa.Table, dict[str, int]]:
    """Most active publishable accounts by name, each with its platform (an organisation on
    X and on Facebook is two accounts, two rows); everyone else summed up as one line.

    Posts are grouped once, by the number derived from their author's pseudonym
    (``lake.schema.pid_key``); both answers come from that far smaller table.
    """
    rows = con.sql(
        """
        WITH per_author AS (
            SELECT author_key, count(*) AS posts, sum(coalesce(like_count, 0)) AS likes,
                   sum(coalesce(repost_count, 0)) AS reposts
            FROM posts GROUP BY 1),
        public AS (SELECT DISTINCT account_key, handle, display_name, platform FROM accounts WHERE publishable)
        SELECT public.account_key IS NOT NULL AS named, handle, display_name, platform, count(author_key) AS accounts,
               CAST(sum(posts) AS BIGINT) AS posts, CAST(sum(likes) AS BIGINT) AS likes,
               CAST(sum(reposts) AS BIGINT) AS reposts
        FROM per_author LEFT JOIN public ON public.account_key = per_author.author_key
        GROUP BY ALL
        """
    ).to_arrow_table()
    named = rows.filter(rows["named"]).sort_by(
        [("posts", "descending"), ("handle", "ascending"), ("platform", "ascending")]).slice(0, n)
    others = rows.filter(pc.invert(rows["named"])).to_pylist()
    return (named.select(["handle", "display_name", "platform", "posts", "likes", "reposts"]),
            {"accounts": others[0]["accounts"] if others else 0, "posts": others[0]["posts"] if others else 0})


def follow_summary(con: duckdb.DuckDBPyConnection, n: int) -> tuple[dict[str, float], pa.Table]:
    """Size and communities (Leiden) of the follow graph, and its most-followed publishable accounts."""
    graph = follow_graph(con)
    member = communities(graph)
    stats = {
        "nodes": graph.vcount(),
        "edges": graph.ecount(),
        "density": density(graph),
        "communities": len(set(member)),
        "largest_community": largest(member),
    }
    in_degree = pa.table({
        "account_pid": graph.vs["name"],
        "followers_in_graph": graph.indegree(),
        "community": member,
    }, schema=pa.schema([("account_pid", pa.string()), ("followers_in_graph", pa.int64()), ("community", pa.int64())]))
    con.register("in_degree", in_degree)
    top = con.sql(
        """
        SELECT a.handle, a.display_name, d.followers_in_graph, d.community
        FROM in_degree d JOIN (SELECT account_pid, min(handle) AS handle, min(display_name) AS display_name
                               FROM accounts WHERE publishable GROUP BY 1) a USING (account_pid)
        ORDER BY d.followers_in_graph DESC, a.handle LIMIT ?
        """,
        params=[n],
    ).to_arrow_table()
    con.unregister("in_degree")
    return stats, top


def analyse(con: duckdb.DuckDBPyConnection, n: int, min_cell: int = 5) -> dict[str, pa.Table]:
    """Every standard metric, as the derived tables the report is rendered from."""
    named, others = top_accounts(con, n)
    graph_stats, followed = follow_summary(con, n)
    network = interaction_graph(con)
    member = communities(network)
    network_stats, central = summarise(network, n, member)
    nodes, links = picture(network, member)
    summary = {**totals(con), **{f"graph_{k}": v for k, v in graph_stats.items()},
               **{f"network_{k}": v for k, v in network_stats.items()},
               "other_accounts": others["accounts"], "other_posts": others["posts"], "min_cell": min_cell}
    return {
        "m_volume_platform": volume_by(con, "platform"),
        "m_sources": coverage.sources(con),
        "m_gaps": coverage.gaps(con),
        "m_weekly_volume": weekly_volume(con),
        "m_hashtag_daily": hashtag_daily(con, min(n, 3)),
        "m_network_nodes": nodes,
        "m_network_links": links,
        "m_volume_lang": volume_by(con, "lang"),
        "m_engagement_daily": engagement_over_time(con),
        "m_top_terms": top_terms(con, n),
        "m_hashtag_pairs": hashtag_pairs(con, n),
        "m_share_of_voice": share_of_voice(con, min_cell),
        "m_central_accounts": pa.Table.from_pylist(central, schema=pa.schema(
            [("handle", pa.string()), ("pagerank", pa.float64()), ("community", pa.int64()), ("bridging_edges", pa.int64())])),
        "m_summary": pa.table({"metric": list(summary), "value": [float(v) for v in summary.values()]}),
        "m_daily_volume": daily_volume(con),
        "m_top_hashtags": top_hashtags(con, n),
        "m_top_accounts": named,
        "m_most_followed": followed,
    }


UNDETERMINED = "und"  # ISO 639's code for "undetermined": no language tag, or the platform's own "und"


def volume_by(con: duckdb.DuckDBPyConnection, column: str) -> pa.Table:
    """Posts per platform, or per language (``UNDETERMINED`` for posts without a language tag)."""
    assert column in ("platform", "lang")
    value = f"coalesce(nullif(lang, ''), '{UNDETERMINED}')" if column == "lang" else "platform"
    return con.sql(f"SELECT {value} AS {column}, count(*) AS posts FROM posts GROUP BY 1 ORDER BY 2 DESC, 1").to_arrow_table()


def engagement_over_time(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        f"""SELECT {AS_DATE.format('d')} AS day, likes, reposts, replies, quotes FROM (
              SELECT {UTC_DAY} AS d, CAST(sum(coalesce(like_count, 0)) AS BIGINT) AS likes,
                     CAST(sum(coalesce(repost_count, 0)) AS BIGINT) AS reposts,
                     CAST(sum(coalesce(reply_count, 0)) AS BIGINT) AS replies,
                     CAST(sum(coalesce(quote_count, 0)) AS BIGINT) AS quotes
              FROM posts GROUP BY 1)
            ORDER BY 1"""
    ).to_arrow_table()


def top_terms(con: duckdb.DuckDBPyConnection, n: int) -> pa.Table:
    """The terms the most posts use: lemmas in each post's language, without stop words,
    hashtags, mentions, pseudonyms or placeholders (``lake.terms``, summed from the partial counts)."""
    return con.sql("SELECT term, posts FROM terms_counts ORDER BY 2 DESC, 1 LIMIT $n", params={"n": n}).to_arrow_table()


def hashtag_pairs(con: duckdb.DuckDBPyConnection, n: int) -> pa.Table:
    """Hashtags used together in the same post."""
    return con.sql(
        "SELECT hashtag_a, hashtag_b, posts FROM tag_pairs_counts ORDER BY 3 DESC, 1, 2 LIMIT $n",
        params={"n": n},
    ).to_arrow_table()


def share_of_voice(con: duckdb.DuckDBPyConnection, min_cell: int) -> pa.Table:
    """Posts by party among accounts whose affiliation is manifestly public; small cells suppressed."""
    from seula.analysis.disclosure import suppress

    rows = con.execute(
        """SELECT f.party, count(DISTINCT f.account_pid), count(p.author_pid)
           FROM affiliations f LEFT JOIN posts p ON p.author_pid = f.account_pid
           GROUP BY 1 ORDER BY 1"""
    ).fetchall() if "affiliations" in {r[0] for r in con.execute("SELECT table_name FROM duckdb_tables() UNION SELECT view_name FROM duckdb_views()").fetchall()} else []
    accounts = suppress({party: a for party, a, _ in rows}, min_cell)
    return pa.table({
        "party": [r[0] for r in rows],
        "accounts": [accounts[r[0]] for r in rows],
        "posts": [r[2] if accounts[r[0]] is not None else None for r in rows],
        "suppressed": [accounts[r[0]] is None for r in rows],
    }, schema=pa.schema([("party", pa.string()), ("accounts", pa.int64()), ("posts", pa.int64()), ("suppressed", pa.bool_())]))
