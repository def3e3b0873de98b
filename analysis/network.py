"""Networks with networkx: the interaction graph, its communities, and who bridges them.

Node ids are account pseudonyms; labels are handles for publishable accounts and the
pseudonym for everyone else, so an exported graph names nobody who may not be named.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import networkx as nx
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
    labels = dict(con.execute("SELECT account_pid, handle FROM accounts WHERE publishable").fetchall())
    for node in graph.nodes:
        graph.nodes[node]["label"] = labels.get(node) or node
        graph.nodes[node]["publishable"] = node in labels
    return graph


def summarise(graph: nx.DiGraph, n: int, seed: int = 2026) -> tuple[dict[str, float], list[dict]]:
    """Size, communities (Louvain), bridges between them, and the most central public accounts."""
    if graph.number_of_nodes() == 0:
        return {"nodes": 0, "edges": 0, "communities": 0, "bridge_edges": 0}, []
    rank = nx.pagerank(graph, weight="weight")
    communities = louvain_communities(graph.to_undirected(), weight="weight", seed=seed)
    member = {node: i for i, group in enumerate(communities) for node in group}
    bridges = [(u, v) for u, v in graph.edges if member[u] != member[v]]
    bridging = {node: 0 for node in graph.nodes}
    for u, v in bridges:
        bridging[u] += 1
        bridging[v] += 1
    top = sorted((node for node in graph.nodes if graph.nodes[node]["publishable"]), key=lambda v: -rank[v])[:n]
    stats = {"nodes": graph.number_of_nodes(), "edges": graph.number_of_edges(), "communities": len(communities),
             "bridge_edges": len(bridges)}
    return stats, [
        {"handle": graph.nodes[v]["label"], "pagerank": round(rank[v], 6), "community": member[v],
         "bridging_edges": bridging[v]} for v in top
    ]


def export(graph: nx.DiGraph, path: Path) -> Path:
    """GEXF or GraphML by the file suffix, with pseudonymous labels for private people."""
    writer = nx.write_gexf if path.suffix == ".gexf" else nx.write_graphml
    path.parent.mkdir(parents=True, exist_ok=True)
    writer(graph, path)
    return path
