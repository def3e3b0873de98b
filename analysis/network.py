"""Networks with networkx: the interaction graph, its communities, and who bridges them.

Node ids are account pseudonyms; labels are handles for publishable accounts and the
pseudonym for everyone else, so an exported graph names nobody who may not be named.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import networkx as nx
import pyarrow as pa
from networkx.algorithms.community import louvain_communities


def interaction_graph(con: duckdb.DuckDBPyConnection) -> nx.DiGraph:
    """Who mentions, replies to, quotes and reposts whom; edge weight = how often."""
    graph = nx.DiGraph()
    rows = con.execute(
        """SELECT actor_pid, target_account_pid, count(*) FROM interactions
           WHERE target_account_pid IS NOT NULL AND actor_pid <> target_account_pid
             AND kind IN ('mention', 'reply', 'quote', 'repost')
           GROUP BY 1, 2"""
    ).fetchall()
    graph.add_weighted_edges_from(rows)
    return labelled(graph, con)


def follow_graph(con: duckdb.DuckDBPyConnection) -> nx.DiGraph:
    """Who follows whom among the collected accounts."""
    graph = nx.DiGraph()
    graph.add_edges_from(con.execute("SELECT follower_pid, followee_pid FROM follows").fetchall())
    return labelled(graph, con)


def labelled(graph: nx.DiGraph, con: duckdb.DuckDBPyConnection) -> nx.DiGraph:
    """Handles as labels for publishable accounts, the pseudonym for everyone else."""
    labels = dict(con.execute("SELECT account_pid, handle FROM accounts WHERE publishable").fetchall())
    for node in graph.nodes:
        graph.nodes[node]["label"] = labels.get(node) or node
        graph.nodes[node]["publishable"] = node in labels
    return graph


def communities(graph: nx.DiGraph, seed: int = 2026) -> dict[str, int]:
    """Louvain community of every node; community 0 is the largest."""
    if graph.number_of_edges() == 0:
        return {node: i for i, node in enumerate(graph.nodes)}
    found = louvain_communities(graph.to_undirected(), weight="weight", seed=seed)
    return {node: i for i, group in enumerate(sorted(found, key=len, reverse=True)) for node in group}


def summarise(graph: nx.DiGraph, n: int, member: dict[str, int]) -> tuple[dict[str, float], list[dict]]:
    """Size, communities, bridges between them, and the most central public accounts."""
    if graph.number_of_nodes() == 0:
        return {"nodes": 0, "edges": 0, "communities": 0, "bridge_edges": 0}, []
    rank = nx.pagerank(graph, weight="weight")
    bridges = [(u, v) for u, v in graph.edges if member[u] != member[v]]
    bridging = {node: 0 for node in graph.nodes}
    for u, v in bridges:
        bridging[u] += 1
        bridging[v] += 1
    top = sorted((node for node in graph.nodes if graph.nodes[node]["publishable"]), key=lambda v: -rank[v])[:n]
    stats = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "communities": len(set(member.values())),
             "bridge_edges": len(bridges)}
    return stats, [
        {"handle": graph.nodes[v]["label"], "pagerank": round(rank[v], 6), "community": member[v],
         "bridging_edges": bridging[v]} for v in top
    ]


NODES = pa.schema([("x", pa.float64()), ("y", pa.float64()), ("community", pa.int64()), ("degree", pa.int64()),
                   ("handle", pa.string())])
LINKS = pa.schema([("source", pa.int64()), ("target", pa.int64()), ("weight", pa.int64())])


def picture(graph: nx.DiGraph, member: dict[str, int], limit: int = 120) -> tuple[pa.Table, pa.Table]:
    """A drawable layout of the ``limit`` busiest accounts: positions in [0, 1], handles of public accounts only.

    Nodes are numbered, not named, so the picture carries no pseudonym either.
    """
    degree = dict(graph.degree(weight="weight"))
    keep = sorted(graph.nodes, key=lambda v: (-degree[v], v))[:limit]
    sub = graph.subgraph(keep).to_undirected()
    # Kamada-Kawai spreads a small dense graph more evenly than a spring layout (hubs apart,
    # labels readable), and from a circular start it is deterministic.
    layout = nx.kamada_kawai_layout(sub, pos=nx.circular_layout(sub)) if len(keep) > 1 else {v: (0.5, 0.5) for v in keep}
    index = {node: i for i, node in enumerate(keep)}
    xs = [layout[v][0] for v in keep] or [0.0]
    ys = [layout[v][1] for v in keep] or [0.0]

    def scale(value: float, values: list[float]) -> float:
        span = max(values) - min(values)
        return round((value - min(values)) / span, 4) if span else 0.5

    nodes = pa.Table.from_pylist([
        {"x": scale(layout[v][0], xs), "y": scale(layout[v][1], ys), "community": member[v], "degree": degree[v],
         "handle": graph.nodes[v]["label"] if graph.nodes[v]["publishable"] else None}
        for v in keep
    ], schema=NODES)
    links = pa.Table.from_pylist([
        {"source": index[u], "target": index[v], "weight": w} for u, v, w in sub.edges(data="weight", default=1)
    ], schema=LINKS)
    return nodes, links


def export(graph: nx.DiGraph, path: Path) -> Path:
    """GEXF or GraphML by the file suffix, with pseudonymous labels for private people."""
    writer = nx.write_gexf if path.suffix == ".gexf" else nx.write_graphml
    path.parent.mkdir(parents=True, exist_ok=True)
    writer(graph, path)
    return path
