"""The standard metrics of an engagement, computed with DuckDB over its views.

Non-publishable people appear only as counts: no query here returns a pseudonym or a
clear name of someone who is not publishable.
"""

from __future__ import annotations

import duckdb
import networkx as nx
import pyarrow as pa


def totals(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    row = con.execute(
        """
        SELECT (SELECT count(*) FROM posts),
               (SELECT count(*) FROM accounts),
               (SELECT count(*) FROM follows),
               (SELECT count(*) FROM interactions),
               (SELECT count(*) FROM accounts WHERE publishable),
               (SELECT count(*) FROM accounts WHERE NOT publishable)
        """
    ).fetchall()[0]
    keys = ("posts", "accounts", "follows", "interactions", "publishable", "pseudonymised")
    return dict(zip(keys, row))


def daily_volume(con: duckdb.DuckDBPyConnection) -> pa.Table:
    return con.sql(
        "SELECT CAST(created_at AS DATE) AS day, count(*) AS posts FROM posts GROUP BY day ORDER BY day"
    ).to_arrow_table()


def top_hashtags(con: duckdb.DuckDBPyConnection, n: int) -> pa.Table:
    return con.sql(
        """
        SELECT tag AS hashtag, count(*) AS posts
        FROM (SELECT unnest(hashtags) AS tag FROM posts)
        GROUP BY tag ORDER BY posts DESC, tag LIMIT ?
        """,
        params=[n],
    ).to_arrow_table()


def top_accounts(con: duckdb.DuckDBPyConnection, n: int) -> tuple[pa.Table, dict[str, int]]:
    """Most active publishable accounts by name; everyone else summed up as one line."""
    named = con.sql(
        """
        SELECT a.handle, a.display_name, count(*) AS posts,
               sum(coalesce(p.like_count, 0)) AS likes, sum(coalesce(p.repost_count, 0)) AS reposts
        FROM posts p JOIN accounts a ON a.account_pid = p.author_pid
        WHERE a.publishable
        GROUP BY a.handle, a.display_name ORDER BY posts DESC, a.handle LIMIT ?
        """,
        params=[n],
    ).to_arrow_table()
    others = con.execute(
        """
        SELECT count(DISTINCT p.author_pid), count(*)
        FROM posts p LEFT JOIN accounts a ON a.account_pid = p.author_pid
        WHERE a.publishable IS NOT TRUE
        """
    ).fetchall()[0]
    return named, {"accounts": others[0], "posts": others[1]}


def follow_graph(con: duckdb.DuckDBPyConnection) -> nx.DiGraph:
    graph = nx.DiGraph()
    graph.add_edges_from(con.execute("SELECT follower_pid, followee_pid FROM follows").fetchall())
    return graph


def follow_summary(con: duckdb.DuckDBPyConnection, n: int) -> tuple[dict[str, float], pa.Table]:
    """Size of the follow graph and its most-followed publishable accounts."""
    graph = follow_graph(con)
    stats = {
        "nodes": graph.number_of_nodes(),
        "edges": graph.number_of_edges(),
        "density": round(nx.density(graph), 6) if graph.number_of_nodes() > 1 else 0.0,
    }
    in_degree = pa.table(
        {"account_pid": list(graph.nodes), "followers_in_graph": [graph.in_degree(v) for v in graph.nodes]}
    )
    con.register("in_degree", in_degree)
    top = con.sql(
        """
        SELECT a.handle, a.display_name, d.followers_in_graph
        FROM in_degree d JOIN (SELECT DISTINCT account_pid, handle, display_name FROM accounts WHERE publishable) a
          USING (account_pid)
        ORDER BY d.followers_in_graph DESC, a.handle LIMIT ?
        """,
        params=[n],
    ).to_arrow_table()
    con.unregister("in_degree")
    return stats, top


def analyse(con: duckdb.DuckDBPyConnection, n: int) -> dict[str, pa.Table]:
    """Every standard metric, as the derived tables the report is rendered from."""
    named, others = top_accounts(con, n)
    graph_stats, followed = follow_summary(con, n)
    summary = {**totals(con), **{f"graph_{k}": v for k, v in graph_stats.items()},
               "other_accounts": others["accounts"], "other_posts": others["posts"]}
    return {
        "m_summary": pa.table({"metric": list(summary), "value": [float(v) for v in summary.values()]}),
        "m_daily_volume": daily_volume(con),
        "m_top_hashtags": top_hashtags(con, n),
        "m_top_accounts": named,
        "m_most_followed": followed,
    }
