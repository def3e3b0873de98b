"""Networks with igraph: the interaction and follow graphs, their communities, and who bridges them.

Vertex names are account pseudonyms; labels are handles for publishable accounts and the
pseudonym for everyone else, so an exported graph names nobody who may not be named.

Results must not depend on the master key. Pseudonyms change with it, so vertices are
ordered by what the data say about them (a public handle, then the pattern of their links,
refined as Weisfeiler and Lehman do), never by pseudonym, before a seeded Leiden run. Two
accounts that still tie are alike in every link, so swapping them changes no number.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import igraph as ig
import numpy as np
import networkx as nx
import pyarrow as pa

SEED = 2026
_REFINEMENTS = 3  # rounds of colour refinement: enough to tell apart all but look-alike accounts

_INTERACTIONS = """SELECT actor_pid AS src, target_account_pid AS dst, count(*) AS w FROM interactions
                   WHERE target_account_pid IS NOT NULL AND actor_pid <> target_account_pid
                     AND kind IN ('mention', 'reply', 'quote', 'repost')
                   GROUP BY 1, 2"""
_FOLLOWS = "SELECT DISTINCT follower_pid AS src, followee_pid AS dst, 1 AS w FROM follows"


def interaction_graph(con: duckdb.DuckDBPyConnection) -> ig.Graph:
    """Who mentions, replies to, quotes and reposts whom; edge weight = how often."""
    return _graph(con, _INTERACTIONS)


def follow_graph(con: duckdb.DuckDBPyConnection) -> ig.Graph:
    """Who follows whom among the collected accounts."""
    return _graph(con, _FOLLOWS)


def _graph(con: duckdb.DuckDBPyConnection, edges: str) -> ig.Graph:
    con.execute(f"CREATE OR REPLACE TEMP TABLE _edges AS {edges}")
    con.execute("""CREATE OR REPLACE TEMP TABLE _public AS
                   SELECT account_pid AS v, min(handle) AS handle FROM accounts WHERE publishable GROUP BY 1""")
    con.execute("""CREATE OR REPLACE TEMP TABLE _colour AS
                   SELECT v, hash(coalesce(p.handle, '')) AS c FROM (SELECT src AS v FROM _edges UNION SELECT dst FROM _edges)
                   LEFT JOIN _public p USING (v)""")
    for _ in range(_REFINEMENTS):
        # A vertex's next colour: its own and the multisets of (colour, weight) it links to and
        # is linked from, each multiset hashed as a sum so that no order enters.
        con.execute("""CREATE OR REPLACE TEMP TABLE _colour AS
            WITH outs AS (SELECT e.src AS v, sum(hash(c.c, e.w)::HUGEINT) AS o FROM _edges e JOIN _colour c ON c.v = e.dst GROUP BY 1),
                 ins AS (SELECT e.dst AS v, sum(hash(c.c, e.w)::HUGEINT) AS i FROM _edges e JOIN _colour c ON c.v = e.src GROUP BY 1)
            SELECT v, hash(c, coalesce(o, 0), coalesce(i, 0)) AS c FROM _colour LEFT JOIN outs USING (v) LEFT JOIN ins USING (v)""")
    # The pseudonym only breaks ties between accounts the refinement could not tell apart.
    con.execute("""CREATE OR REPLACE TEMP TABLE _vertex AS
                   SELECT row_number() OVER (ORDER BY p.handle NULLS LAST, c, v) - 1 AS i, v, p.handle
                   FROM _colour LEFT JOIN _public p USING (v)""")
    vertices = con.execute("SELECT v, handle FROM _vertex ORDER BY i").fetchnumpy()
    links = con.execute("""SELECT s.i AS s, d.i AS d, e.w FROM _edges e JOIN _vertex s ON s.v = e.src
                           JOIN _vertex d ON d.v = e.dst ORDER BY 1, 2""").fetchnumpy()
    con.execute("DROP TABLE _edges; DROP TABLE _public; DROP TABLE _colour; DROP TABLE _vertex")
    graph = ig.Graph(n=len(vertices["v"]), edges=np.column_stack([links["s"], links["d"]]).tolist(), directed=True)
    names, handles = vertices["v"].tolist(), vertices["handle"].tolist()
    graph.vs["name"] = names
    graph.vs["label"] = [handle or v for v, handle in zip(names, handles)]
    graph.vs["publishable"] = [handle is not None for handle in handles]
    graph.es["weight"] = links["w"].tolist()
    return graph


@contextmanager
def _seeded(seed: int) -> Iterator[None]:
    """igraph draws from Python's random module unless told otherwise: give it its own, seeded."""
    ig.set_random_number_generator(random.Random(seed))
    try:
        yield
    finally:
        ig.set_random_number_generator(random)


def communities(graph: ig.Graph, seed: int = SEED) -> list[int]:
    """Leiden (modularity) community of every vertex, by vertex index; community 0 is the largest."""
    if graph.ecount() == 0:
        return list(range(graph.vcount()))
    undirected = graph.as_undirected(mode="collapse", combine_edges="sum")
    with _seeded(seed):
        # Two iterations (igraph's default): iterating until stable took 30x as long on a million
        # links for a modularity higher in the third decimal.
        found = undirected.community_leiden(objective_function="modularity", weights="weight", n_iterations=2)
    # Largest first; equal sizes by their first vertex, whose place the data decided.
    order = sorted(range(len(found)), key=lambda c: (-len(found[c]), min(found[c])))
    number = {c: i for i, c in enumerate(order)}
    return [number[c] for c in found.membership]


def modularity(graph: ig.Graph, member: list[int]) -> float:
    """Weighted modularity of a partition on the undirected graph."""
    if graph.ecount() == 0:
        return 0.0
    return graph.as_undirected(mode="collapse", combine_edges="sum").modularity(member, weights="weight")


def summarise(graph: ig.Graph, n: int, member: list[int]) -> tuple[dict[str, float], list[dict]]:
    """Size, communities, bridges between them, and the most central public accounts."""
    if graph.vcount() == 0:
        return {"nodes": 0, "edges": 0, "communities": 0, "bridge_edges": 0}, []
    rank = graph.pagerank(weights="weight", directed=True)
    ends = np.array(graph.get_edgelist(), dtype=np.int64).reshape(-1, 2)
    side = np.asarray(member)
    across = ends[side[ends[:, 0]] != side[ends[:, 1]]]
    bridges = len(across)
    bridging = np.bincount(across.ravel(), minlength=graph.vcount()).tolist()
    public = [v for v in range(graph.vcount()) if graph.vs[v]["publishable"]]
    top = sorted(public, key=lambda v: (-round(rank[v], 12), v))[:n]
    stats = {"nodes": graph.vcount(), "edges": graph.ecount(), "communities": len(set(member)), "bridge_edges": bridges}
    return stats, [
        {"handle": graph.vs[v]["label"], "pagerank": round(rank[v], 6), "community": member[v],
         "bridging_edges": bridging[v]} for v in top
    ]


def density(graph: ig.Graph) -> float:
    return round(graph.density(loops=False), 6) if graph.vcount() > 1 else 0.0


def largest(member: list[int]) -> int:
    return max(Counter(member).values(), default=0)


NODES = pa.schema([("x", pa.float64()), ("y", pa.float64()), ("community", pa.int64()), ("degree", pa.int64()),
                   ("handle", pa.string())])
LINKS = pa.schema([("source", pa.int64()), ("target", pa.int64()), ("weight", pa.int64())])


def picture(graph: ig.Graph, member: list[int], limit: int = 120) -> tuple[pa.Table, pa.Table]:
    """A drawable layout of the ``limit`` busiest accounts: positions in [0, 1], handles of public accounts only.

    Nodes are numbered, not named, so the picture carries no pseudonym either.
    """
    degree = graph.strength(weights="weight", mode="all")
    keep = sorted(range(graph.vcount()), key=lambda v: (-degree[v], v))[:limit]
    sub = graph.subgraph(keep).as_undirected(mode="collapse", combine_edges="sum")  # keeps the order of ``keep``
    # Kamada-Kawai spreads a small dense graph more evenly than a spring layout (hubs apart,
    # labels readable), and from a circular start it is deterministic.
    small = nx.Graph()
    small.add_nodes_from(range(sub.vcount()))
    small.add_weighted_edges_from((e.source, e.target, e["weight"]) for e in sub.es)
    layout = (nx.kamada_kawai_layout(small, pos=nx.circular_layout(small)) if len(keep) > 1
              else {i: (0.5, 0.5) for i in range(len(keep))})
    xs = [layout[i][0] for i in range(len(keep))] or [0.0]
    ys = [layout[i][1] for i in range(len(keep))] or [0.0]

    def scale(value: float, values: list[float]) -> float:
        span = max(values) - min(values)
        return round((value - min(values)) / span, 4) if span else 0.5

    kept = sorted(keep)  # igraph's subgraph numbers the kept vertices in index order
    position = {v: i for i, v in enumerate(kept)}
    nodes = pa.Table.from_pylist([
        {"x": scale(layout[position[v]][0], xs), "y": scale(layout[position[v]][1], ys), "community": member[v],
         "degree": int(degree[v]), "handle": graph.vs[v]["label"] if graph.vs[v]["publishable"] else None}
        for v in kept
    ], schema=NODES)
    links = pa.Table.from_pylist([
        {"source": e.source, "target": e.target, "weight": e["weight"]} for e in sub.es
    ], schema=LINKS)
    return nodes, links


def export(graph: ig.Graph, path: Path) -> Path:
    """GEXF or GraphML by the file suffix, with pseudonymous labels for private people."""
    out = nx.DiGraph()
    for vertex in graph.vs:
        out.add_node(vertex["name"], label=vertex["label"], publishable=vertex["publishable"])
    out.add_weighted_edges_from((graph.vs[e.source]["name"], graph.vs[e.target]["name"], e["weight"]) for e in graph.es)
    writer = nx.write_gexf if path.suffix == ".gexf" else nx.write_graphml
    path.parent.mkdir(parents=True, exist_ok=True)
    writer(out, path)
    return path
