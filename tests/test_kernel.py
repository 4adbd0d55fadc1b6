"""Tests of the compiled Dijkstra kernels against networkx on random graphs made in code."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillvaxt_geo import _kernel


@st.composite
def graphs(draw: st.DrawFn) -> dict:
    """A random directed graph (zero weights and parallel edges allowed) and a batch of multi-start searches."""
    n = draw(st.integers(1, 25))
    n_edges = draw(st.integers(0, 70))
    node = st.integers(0, n - 1)
    weight = st.sampled_from([0.0, 1.0, 2.0, 5.0]) | st.floats(0.0, 100.0)
    edges = [(draw(node), draw(node), draw(weight), draw(st.floats(0.0, 1000.0))) for _ in range(n_edges)]
    searches = []
    for _ in range(draw(st.integers(1, 4))):
        starts = draw(st.lists(st.tuples(node, st.floats(0.0, 50.0) | st.just(np.inf)), min_size=1, max_size=3))
        searches.append(starts)
    limit = draw(st.just(np.inf) | st.floats(0.0, 150.0))
    return {"n": n, "edges": edges, "searches": searches, "limit": limit}


def _csr(n: int, edges: list) -> tuple[np.ndarray, ...]:
    """CSR arrays keeping every edge (parallel ones too), sorted by tail."""
    edges = sorted(edges, key=lambda e: e[0])
    tails = np.array([e[0] for e in edges], dtype=np.int64)
    indptr = np.concatenate([[0], np.cumsum(np.bincount(tails, minlength=n))]).astype(np.int32)
    indices = np.array([e[1] for e in edges], dtype=np.int32)
    weight = np.array([e[2] for e in edges], dtype=float)
    length = np.array([e[3] for e in edges], dtype=float)
    return indptr, indices, weight, length


def _starts(searches: list) -> tuple[np.ndarray, ...]:
    ptr = np.concatenate([[0], np.cumsum([len(s) for s in searches])]).astype(np.int64)
    node = np.array([v for s in searches for v, _ in s], dtype=np.int64)
    cost = np.array([c for s in searches for _, c in s], dtype=float)
    return ptr, node, cost, cost * 10.0  # start lengths: any numbers, carried along


def _reference(n: int, edges: list, starts: list, limit: float) -> tuple[dict[int, float], nx.DiGraph]:
    """networkx Dijkstra from a virtual node joined to the starts by their costs; nodes within the limit."""
    graph = nx.MultiDiGraph()
    graph.add_nodes_from(range(n + 1))
    for u, v, w, length in edges:
        graph.add_edge(u, v, w=w, length=length)
    for v, c in starts:
        if np.isfinite(c):
            graph.add_edge(n, v, w=c, length=c * 10.0)
    dist = nx.single_source_dijkstra_path_length(graph, n, weight="w")
    return {v: t for v, t in dist.items() if v != n and t <= limit}, graph


def _workspace(n: int, indices: np.ndarray, starts: np.ndarray) -> _kernel.Workspace:
    return _kernel.Workspace(n, len(indices) + len(starts) + 1)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.data())
def test_kernels_equal_networkx(case: dict, data: st.DataObject) -> None:
    n, edges, limit = case["n"], case["edges"], case["limit"]
    indptr, indices, weight, length = _csr(n, edges)
    ptr, node, cost, slen = _starts(case["searches"])
    ws = _workspace(n, indices, node)
    targets = np.array(data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n)), dtype=np.int64)
    target_col = np.full(n, -1, dtype=np.int64)
    target_col[targets] = np.arange(len(targets))
    node_weight = np.arange(1.0, n + 1.0)
    times, lengths = _kernel.search_targets(
        indptr, indices, weight, length, ptr, node, cost, slen, limit, target_col, len(targets), True,
        ws.dist, ws.plen, ws.state, ws.gen, ws.heap, ws.reached,
    )  # fmt: skip
    r_ptr, r_node, r_time = _kernel.search_reached(
        indptr, indices, weight, ptr, node, cost, limit, ws.dist, ws.state, ws.gen, ws.heap, ws.reached
    )
    sums = _kernel.search_sum(
        indptr,
        indices,
        weight,
        ptr,
        node,
        cost,
        limit,
        node_weight,
        ws.dist,
        ws.state,
        ws.gen,
        ws.heap,
        ws.reached,
    )
    for s, starts in enumerate(case["searches"]):
        ref, _ = _reference(n, edges, starts, limit)
        # every node reached, once, at networkx's time, in non-decreasing time
        got = dict(zip(r_node[r_ptr[s] : r_ptr[s + 1]].tolist(), r_time[r_ptr[s] : r_ptr[s + 1]].tolist(), strict=True))
        assert len(got) == r_ptr[s + 1] - r_ptr[s]
        assert got.keys() == ref.keys()
        for v, t in ref.items():
            assert got[v] == pytest.approx(t, abs=1e-9)
        assert (np.diff(r_time[r_ptr[s] : r_ptr[s + 1]]) >= 0).all()
        assert sums[s] == pytest.approx(sum(node_weight[v] for v in ref))
        for col, v in enumerate(targets.tolist()):
            if v not in ref:
                assert np.isinf(times[s, col]) and np.isnan(lengths[s, col])
                continue
            assert times[s, col] == pytest.approx(ref[v], abs=1e-9)
            assert np.isfinite(lengths[s, col])  # its value with ties: test_lengths_follow_the_shortest_path


def test_lengths_follow_the_shortest_path() -> None:
    """With continuous random weights (no ties) the length is networkx's shortest path's, start length included."""
    rng = np.random.default_rng(4)
    n = 400
    tails, heads = rng.integers(0, n, 1600), rng.integers(0, n, 1600)
    keep = tails != heads
    weights, lengths_m = rng.uniform(1, 100, keep.sum()), rng.uniform(0, 1000, keep.sum())
    edges = list(zip(tails[keep], heads[keep], weights, lengths_m, strict=True))
    edges = list({(int(u), int(v)): (int(u), int(v), w, d) for u, v, w, d in edges}.values())  # no parallel edges
    indptr, indices, weight, length = _csr(n, edges)
    searches = [[(int(v), float(c))] for v, c in zip(rng.integers(0, n, 20), rng.uniform(0, 10, 20), strict=True)]
    ptr, node, cost, slen = _starts(searches)
    target_col = np.arange(n, dtype=np.int64)
    ws = _workspace(n, indices, node)
    _, lengths = _kernel.search_targets(
        indptr, indices, weight, length, ptr, node, cost, slen, np.inf, target_col, n, True,
        ws.dist, ws.plen, ws.state, ws.gen, ws.heap, ws.reached,
    )  # fmt: skip
    graph = nx.DiGraph()
    graph.add_weighted_edges_from([(u, v, w) for u, v, w, _ in edges], weight="w")
    along = {(u, v): d for u, v, _, d in edges}
    checked = 0
    for s, [(v0, c0)] in enumerate(searches):
        if v0 not in graph:
            continue
        for v, path in nx.single_source_dijkstra_path(graph, v0, weight="w").items():
            expected = c0 * 10.0 + sum(along[a, b] for a, b in itertools.pairwise(path))
            assert lengths[s, v] == pytest.approx(expected, rel=1e-12)
            checked += 1
    assert checked > 1000


def test_generation_wrap_keeps_results_exact() -> None:
    """After 2**29 searches the workspace is cleared, not misread."""
    rng = np.random.default_rng(0)
    g = sp.random(200, 200, density=0.03, random_state=1, format="csr") * 100
    indptr, indices, weight = g.indptr, g.indices, g.data
    sources = rng.integers(0, 200, 30)
    ptr, node, cost = np.arange(31, dtype=np.int64), sources.astype(np.int64), np.zeros(30)
    fresh = _kernel.Workspace(200, len(indices) + 2)
    old = _kernel.Workspace(200, len(indices) + 2)
    _kernel.search_reached(
        indptr, indices, weight, ptr, node, cost, np.inf, old.dist, old.state, old.gen, old.heap, old.reached
    )
    old.gen[0] = 2**29 - 5  # a few searches before the wrap, with stale marks in the state array
    a = _kernel.search_reached(indptr, indices, weight, ptr, node, cost, 300.0, fresh.dist, fresh.state, fresh.gen, fresh.heap, fresh.reached)  # fmt: skip  # noqa: E501
    b = _kernel.search_reached(indptr, indices, weight, ptr, node, cost, 300.0, old.dist, old.state, old.gen, old.heap, old.reached)  # fmt: skip  # noqa: E501
    assert old.gen[0] < 100  # wrapped
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    ref = sp.csgraph.dijkstra(g, indices=sources, limit=300.0)
    for s in range(30):
        got = np.full(200, np.inf)
        got[a[1][a[0][s] : a[0][s + 1]]] = a[2][a[0][s] : a[0][s + 1]]
        np.testing.assert_allclose(got, ref[s])


def test_workspaces_are_lent_per_size_and_reused() -> None:
    with _kernel.workspace(50, 100) as a, _kernel.workspace(50, 100) as b:
        assert a is not b  # two threads never share one
    with _kernel.workspace(50, 80) as c:
        assert c in (a, b)  # a big enough one is reused
    with _kernel.workspace(60, 80) as d:
        assert d.n == 60 and d not in (a, b)
