"""Tests of the compiled Dijkstra kernels against networkx on random graphs made in code."""

from __future__ import annotations

import itertools

import networkx as nx
import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tillvaxt_geo.routing import kernel


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
    # the queue's buckets: narrow or wide against the edge times, few (most entries in the far heap) or many
    width = draw(st.sampled_from([0.01, 0.7, 5.0, 1000.0]) | st.floats(0.001, 200.0))
    buckets = draw(st.sampled_from([1, 2, 4, 64]))
    return {"n": n, "edges": edges, "searches": searches, "limit": limit, "width": width, "buckets": buckets}


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


def _workspace(n: int, indices: np.ndarray, starts: np.ndarray, buckets: int = 64) -> kernel.Workspace:
    return kernel.Workspace(n, len(indices) + len(starts) + 1, buckets)


def _assert_queue_empty(ws: kernel.Workspace) -> None:
    """Between searches the heaps hold only empty rows and every bucket is empty."""
    assert (ws.heap[:, 0] == kernel._EMPTY).all()
    assert (ws.far[:, 0] == kernel._EMPTY).all()
    assert (ws.heads == -1).all()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(graphs(), st.data())
def test_kernels_equal_networkx(case: dict, data: st.DataObject) -> None:
    n, edges, limit = case["n"], case["edges"], case["limit"]
    indptr, indices, weight, length = _csr(n, edges)
    ptr, node, cost, slen = _starts(case["searches"])
    width = case["width"]
    ws = _workspace(n, indices, node, case["buckets"])
    targets = np.array(data.draw(st.lists(st.integers(0, n - 1), unique=True, max_size=n)), dtype=np.int64)
    target_col = np.full(n, -1, dtype=np.int64)
    target_col[targets] = np.arange(len(targets))
    node_weight = np.arange(1.0, n + 1.0)
    times, lengths = kernel.search_targets(
        indptr, indices, weight, length, width, ptr, node, cost, slen, limit, target_col, len(targets), True, ws.arrays
    )
    _assert_queue_empty(ws)  # also after stopping early at the last target
    r_ptr, r_node, r_time = kernel.search_reached(indptr, indices, weight, width, ptr, node, cost, limit, ws.arrays)
    _assert_queue_empty(ws)
    sums = kernel.search_sum(indptr, indices, weight, width, ptr, node, cost, limit, node_weight, ws.arrays)
    _assert_queue_empty(ws)
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
    width, buckets = kernel.bucket_params(weight)
    ws = _workspace(n, indices, node, buckets)
    _, lengths = kernel.search_targets(
        indptr, indices, weight, length, width, ptr, node, cost, slen, np.inf, target_col, n, True, ws.arrays
    )
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
    width, buckets = kernel.bucket_params(weight)
    fresh = kernel.Workspace(200, len(indices) + 2, buckets)
    old = kernel.Workspace(200, len(indices) + 2, buckets)
    kernel.search_reached(indptr, indices, weight, width, ptr, node, cost, np.inf, old.arrays)
    old.gen[0] = 2**29 - 5  # a few searches before the wrap, with stale marks in the state array
    a = kernel.search_reached(indptr, indices, weight, width, ptr, node, cost, 300.0, fresh.arrays)
    b = kernel.search_reached(indptr, indices, weight, width, ptr, node, cost, 300.0, old.arrays)
    assert old.gen[0] < 100  # wrapped
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)
    ref = sp.csgraph.dijkstra(g, indices=sources, limit=300.0)
    for s in range(30):
        got = np.full(200, np.inf)
        got[a[1][a[0][s] : a[0][s + 1]]] = a[2][a[0][s] : a[0][s + 1]]
        np.testing.assert_allclose(got, ref[s])


def test_workspaces_are_lent_per_size_and_reused() -> None:
    with kernel.workspace(50, 100, 64) as a, kernel.workspace(50, 100, 64) as b:
        assert a is not b  # two threads never share one
    with kernel.workspace(50, 80, 64) as c:
        assert c in (a, b)  # a big enough one is reused
    with kernel.workspace(60, 80, 64) as d:
        assert d.n == 60 and d not in (a, b)
    with kernel.workspace(50, 80, 128) as e:
        assert e.heads.shape == (128,) and e not in (a, b)  # the bucket count is the graph's


@pytest.mark.parametrize(
    ("weight", "width", "buckets"),
    [
        (np.full(100, 32.0), 1.0, 64),  # 1/32 of the median; 32 + 2 buckets span the longest: at least 64
        (np.r_[np.full(99, 3.2), 0.0, 0.0], 0.1, 64),  # zero-time edges do not count
        (np.r_[np.full(50, 3.2), np.full(50, 100.0)], 1.6125, 128),  # median 51.6; p99 100: 62.02 + 2 > 64
        (np.r_[np.full(90, 1.0), np.full(10, 1000.0)], 1 / 32, 4096),  # long edges: capped, the rest go far
        (np.zeros(5), 1.0, 64),  # no positive times at all
        (np.zeros(0), 1.0, 64),
    ],
)
def test_bucket_params(weight: np.ndarray, width: float, buckets: int) -> None:
    got_width, got_buckets = kernel.bucket_params(weight)
    assert got_width == pytest.approx(width)
    assert got_buckets == buckets
    assert got_buckets & (got_buckets - 1) == 0  # a power of two: buckets are picked by a bit mask


def test_times_beyond_the_last_bucket_keep_their_order() -> None:
    """Times whose bucket number would overflow an int64 share the last bucket and still settle in order."""
    edges = [(0, 1, 1e20, 0.0), (1, 2, 1.0, 0.0), (0, 3, 1e25, 0.0), (3, 2, 0.0, 0.0), (2, 4, 2.0, 0.0)]
    edges.append((0, 5, 3.0, 0.0))
    indptr, indices, weight, _ = _csr(6, edges)
    ptr, node, cost, _ = _starts([[(0, 0.0)]])
    ws = _workspace(6, indices, node, 4)
    _, r_node, r_time = kernel.search_reached(indptr, indices, weight, 1e-3, ptr, node, cost, np.inf, ws.arrays)
    ref, _ = _reference(6, edges, [(0, 0.0)], np.inf)
    assert dict(zip(r_node.tolist(), r_time.tolist(), strict=True)) == pytest.approx(ref)
    assert (np.diff(r_time) >= 0).all()
    _assert_queue_empty(ws)
