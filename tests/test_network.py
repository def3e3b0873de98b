"""Networks: communities and centrality are properties of the data, never of the master key or of chance."""

import random
import re
from pathlib import Path

import duckdb
import networkx as nx
import pyarrow as pa
import pytest
from networkx.algorithms.community import louvain_communities

from seula.analysis.network import communities, export, follow_graph, interaction_graph, modularity, picture, summarise
from seula.emulators.x.emulator import XEmulator
from seula.flows.analyse import compute_metrics
from seula.flows.demo import DEMO_RATE_LIMITS
from seula.flows.report import render_report
from seula.lake.catalog import connect
from seula.lake.store import Lake
from tests.test_rights import collect


def lake_con(edges: list[tuple[str, str, int]], public: dict[str, str]) -> duckdb.DuckDBPyConnection:
    """Just the columns the network queries read, as the views show them."""
    con = duckdb.connect()
    rows = [(s, d, "mention") for s, d, w in edges for _ in range(w)]
    con.register("i", pa.table({"actor_pid": [r[0] for r in rows], "target_account_pid": [r[1] for r in rows],
                                "kind": [r[2] for r in rows]}))
    con.execute("CREATE TABLE interactions AS SELECT * FROM i")
    nodes = sorted({v for s, d, _ in edges for v in (s, d)})
    con.register("a", pa.table({"account_pid": nodes, "handle": [public.get(v) for v in nodes],
                                "publishable": [v in public for v in nodes]}))
    con.execute("CREATE TABLE accounts AS SELECT * FROM a")
    con.execute("CREATE TABLE follows AS SELECT actor_pid AS follower_pid, target_account_pid AS followee_pid FROM i")
    return con


def planted(groups: int = 6, size: int = 40, seed: int = 7) -> tuple[list[tuple[str, str, int]], dict[str, str]]:
    """Groups of accounts that mostly talk among themselves; every fifth account is public."""
    rng = random.Random(seed)
    people = [f"p{g}_{i}" for g in range(groups) for i in range(size)]
    edges: dict[tuple[str, str], int] = {}
    for a in people:
        for b in people:
            same = a.split("_")[0] == b.split("_")[0]
            if a != b and rng.random() < (0.15 if same else 0.004):
                edges[(a, b)] = rng.randint(1, 4)
    public = {p: f"org{p}" for p in people[::5]}
    return [(s, d, w) for (s, d), w in edges.items()], public


def renamed(edges: list[tuple[str, str, int]], public: dict[str, str], seed: int
            ) -> tuple[list[tuple[str, str, int]], dict[str, str]]:
    """What another master key does: every pseudonym different, in another order; handles stay."""
    nodes = sorted({v for s, d, _ in edges for v in (s, d)})
    fresh = [f"x_{random.Random(seed + i).getrandbits(64):016x}" for i in range(len(nodes))]
    name = dict(zip(nodes, fresh))
    shuffled = edges[:]
    random.Random(seed).shuffle(shuffled)
    return [(name[s], name[d], w) for s, d, w in shuffled], {name[v]: h for v, h in public.items()}


def outcome(con: duckdb.DuckDBPyConnection) -> tuple:
    graph = interaction_graph(con)
    member = communities(graph)
    stats, top = summarise(graph, 20, member)
    nodes, links = picture(graph, member)
    sizes = sorted((member.count(c) for c in set(member)), reverse=True)
    public = {graph.vs[v]["label"]: member[v] for v in range(graph.vcount()) if graph.vs[v]["publishable"]}
    return stats, top, sizes, public, nodes.to_pylist(), links.to_pylist()


def test_a_known_graph() -> None:
    edges = [("a", "b", 1), ("b", "c", 1), ("c", "a", 1), ("x", "y", 1), ("y", "x", 1), ("c", "x", 1)]
    graph = interaction_graph(lake_con(edges, {v: v for v in "abcxy"}))
    stats, top = summarise(graph, 5, communities(graph))
    reference = nx.DiGraph()
    reference.add_weighted_edges_from(edges)
    expected = nx.pagerank(reference, weight="weight", tol=1e-10, max_iter=1000)
    assert {r["handle"]: r["pagerank"] for r in top} == pytest.approx({k: round(v, 6) for k, v in expected.items()},
                                                                     abs=2e-6)
    assert stats == {"nodes": 5, "edges": 6, "communities": 2, "bridge_edges": 1}
    assert {r["handle"]: r["community"] for r in top} == {"a": 0, "b": 0, "c": 0, "x": 1, "y": 1}


def test_no_edges_and_an_empty_graph() -> None:
    empty = interaction_graph(lake_con([], {}))
    assert summarise(empty, 5, communities(empty)) == ({"nodes": 0, "edges": 0, "communities": 0, "bridge_edges": 0}, [])
    nodes, links = picture(empty, [])
    assert nodes.num_rows == links.num_rows == 0


@pytest.mark.parametrize("key", [1, 2, 3])
def test_another_master_key_gives_the_same_numbers_and_communities(key: int) -> None:
    edges, public = planted()
    assert outcome(lake_con(*renamed(edges, public, key))) == outcome(lake_con(edges, public))


def test_the_same_data_twice_give_the_same_result() -> None:
    edges, public = planted(seed=11)
    assert outcome(lake_con(edges, public)) == outcome(lake_con(edges, public))


def test_leiden_finds_the_planted_groups_at_least_as_well_as_louvain() -> None:
    edges, public = planted()
    graph = interaction_graph(lake_con(edges, public))
    member = communities(graph)
    reference = nx.Graph()
    for s, d, w in edges:
        previous = reference.get_edge_data(s, d, {"weight": 0})["weight"]
        reference.add_edge(s, d, weight=previous + w)
    louvain = louvain_communities(reference, weight="weight", seed=2026)
    assert modularity(graph, member) >= nx.community.modularity(reference, louvain, weight="weight") - 1e-9
    groups = {}
    for v, c in zip(graph.vs["name"], member):
        groups.setdefault(v.split("_")[0], set()).add(c)
    assert len(set(member)) == 6 and all(len(found) == 1 for found in groups.values())


def test_an_exported_graph_names_only_public_accounts(tmp_path: Path) -> None:
    edges, public = planted(groups=2, size=10)
    graph = interaction_graph(lake_con(edges, public))
    written = nx.read_graphml(export(graph, tmp_path / "g.graphml"))
    assert {d["label"] for _, d in written.nodes(data=True) if d["publishable"]} == set(public.values())
    assert all(d["label"] == v for v, d in written.nodes(data=True) if not d["publishable"])
    assert written.number_of_edges() == len(edges)


def metric_tables(home: Path, monkeypatch: pytest.MonkeyPatch, key: str) -> dict[str, list[dict]]:
    monkeypatch.setenv("SEULA_HOME", str(home))
    monkeypatch.setenv("SEULA_MASTER_KEY", key)
    with XEmulator(rate_limits=DEMO_RATE_LIMITS) as emu:
        collect("sample", emu)
    compute_metrics.fn("sample", 10, 3)
    lake = Lake(home)
    tables = ("m_summary", "m_central_accounts", "m_most_followed", "m_network_nodes", "m_network_links")
    html = render_report.fn("sample", "en")[0].read_text(encoding="utf-8")
    return {**{t: lake.read("sample", t).to_pylist() for t in tables},
            "report": re.sub(r"generated [^<·]*", "", html)}  # the report as the client reads it, but for its date


@pytest.mark.slow
def test_the_sample_under_two_master_keys(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    first = metric_tables(tmp_path / "a", monkeypatch, "first-master-key-" + "a" * 32)
    second = metric_tables(tmp_path / "b", monkeypatch, "other-master-key-" + "b" * 32)
    con = connect(tmp_path / "b", "sample")
    assert follow_graph(con).vcount() > 100 and first["m_central_accounts"]
    assert first == second
