"""Benchmark of the compiled routing engine against networkx on synthetic road-like graphs.

Run ``python benchmarks/bench_routing.py`` (about 1–2 minutes) or
``python benchmarks/bench_routing.py --full`` to run networkx on all 50
searches at 1M too (about 3 more minutes). Seeded grids with perturbed nodes and random removals
(average ~2.7 directed edges per node, two-way roads, some oneway), identical
queries for tillvaxt_geo and networkx, results checked equal. Times are wall
clock from one run on this machine; ratios compare figures from the same run.
Where networkx would take too long it runs a subset of the sources and the
figure is extrapolated linearly (marked ``*``).

Measured:

(a) matrix 1,000 origins × 50 destinations (``time_matrix``): with
    distances (the default), times only (``distance=False``), and with a
    60-min cutoff; networkx runs the same 50 searches on the reversed graph
    (the fast way for it too);
(b) one 30-min isochrone node set (``reached_nodes``, and the same as the
    dense ``road_node_times``; origin already snapped) vs networkx with
    ``cutoff``: time per call of calls back to back, the median of 7
    rounds that alternate with networkx's; and one call alone, right after
    networkx's (its caches cold);
(c) accessibility of every node of a 100k graph (1 km spacing) within 30 min
    (``accessibility``, 1 thread and all cores) vs scipy's Dijkstra called
    directly with the same limit and the same reduction, one thread;
plus the time to compile the network and the peak memory (tracemalloc, the
Python/numpy allocations of build + matrix; and the process's max RSS).
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import shapely
from scipy.sparse.csgraph import dijkstra

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.routing import kernel as _kernel
from tillvaxt_geo.routing.accessibility import accessibility
from tillvaxt_geo.routing.isochrones import reached_nodes, road_node_times
from tillvaxt_geo.routing.matrix import resolve_places, time_matrix

CRS = "EPSG:3006"
X0, Y0 = 400_000.0, 6_500_000.0
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def synthetic_roads(n_directed_edges: int, *, seed: int = 42, spacing_m: float = 400.0) -> gpd.GeoDataFrame:
    """A perturbed grid with random removals: about ``n_directed_edges`` directed edges."""
    rng = np.random.default_rng(seed)
    keep = 0.675  # of the grid's undirected edges: ~2.7 directed edges per node
    side = max(int(np.sqrt(n_directed_edges / (4 * keep))), 3)
    ij = np.arange(side * side).reshape(side, side)
    xy = np.stack(np.meshgrid(np.arange(side), np.arange(side), indexing="ij"), axis=-1).reshape(-1, 2).astype(float)
    xy = X0 + (xy + rng.uniform(-0.3, 0.3, xy.shape)) * spacing_m
    a = np.concatenate([ij[:-1, :].ravel(), ij[:, :-1].ravel()])
    b = np.concatenate([ij[1:, :].ravel(), ij[:, 1:].ravel()])
    sel = rng.random(len(a)) < keep
    a, b = a[sel], b[sel]
    lines = shapely.linestrings(np.stack([xy[a], xy[b]], axis=1))
    n = len(a)
    frame = gpd.GeoDataFrame(
        {
            "road_id": [f"e{i}" for i in range(n)],
            "ref": "",
            "road_class": "local",
            "speed_kmh": rng.choice([30.0, 50.0, 70.0, 90.0], size=n, p=[0.3, 0.4, 0.2, 0.1]),
            "oneway": rng.random(n) < 0.05,
        },
        geometry=lines,
        crs=CRS,
    )
    frame.index = pd.Index(frame["road_id"])
    return frame


def _points(xy: np.ndarray, prefix: str) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame({"id": [f"{prefix}{i}" for i in range(len(xy))]}, geometry=shapely.points(xy), crs=CRS)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _per_call(fn: Callable[[], Any], calls: int) -> tuple[float, Any]:
    """Wall time per call of ``calls`` calls back to back (for the sub-millisecond queries), and the last result."""
    start = time.perf_counter()
    for _ in range(calls):
        out = fn()
    return (time.perf_counter() - start) / calls, out


def _nx_graph(net: Any) -> nx.DiGraph:
    """The car road graph as a plain networkx DiGraph (parallel edges already collapsed to the fastest)."""
    g = net.car.forward.tocoo()
    graph = nx.DiGraph()
    graph.add_weighted_edges_from(zip(g.row.tolist(), g.col.tolist(), g.data.tolist(), strict=True), weight="w")
    return graph


def bench_size(label: str, n_edges: int, *, full: bool, rows: list[dict[str, Any]]) -> None:
    rng = np.random.default_rng(7)
    roads = synthetic_roads(n_edges)
    layers = Layers(roads=roads)
    t_build, net = _timed(lambda: build_network(layers, max_edge_m=None))
    n_car = net.car.forward.nnz
    node_xy = net.nodes[["x", "y"]].to_numpy()[: net.n_road_nodes]
    main = net._snap_tree[1]
    o_nodes = rng.choice(main, 1000, replace=False)
    d_nodes = rng.choice(main, 50, replace=False)
    origins, dests = _points(node_xy[o_nodes], "o"), _points(node_xy[d_nodes], "d")
    print(f"[{label}] {n_car:,} directed edges, {net.n_road_nodes:,} nodes; build {t_build:.2f} s", flush=True)
    t_mat, m = _timed(lambda: time_matrix(net, origins, dests))
    t_fast, _ = _timed(lambda: time_matrix(net, origins, dests, distance=False))
    t_cut, m60 = _timed(lambda: time_matrix(net, origins, dests, max_time_min=60))
    # peak memory of a fresh build + matrix, traced apart from the timings; the search workspaces
    # kept from the timed runs are dropped, so that the traced run allocates its own
    del net, m60
    _kernel._POOL.clear()
    tracemalloc.start()
    net = build_network(layers, max_edge_m=None)
    time_matrix(net, origins, dests)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # networkx: the same 50 searches on the reversed graph (from the destinations)
    graph = _nx_graph(net)
    rev = graph.reverse(copy=False)
    n_nx = 50 if full or n_edges <= 100_000 else 5
    ref = np.full((1000, n_nx), np.nan)
    start = time.perf_counter()
    for j, d in enumerate(d_nodes[:n_nx]):
        lengths = nx.single_source_dijkstra_path_length(rev, int(d), weight="w")
        ref[:, j] = [lengths.get(int(o), np.nan) / 60 for o in o_nodes]
    t_nx = (time.perf_counter() - start) * 50 / n_nx
    start = time.perf_counter()
    for d in d_nodes[:n_nx]:
        nx.single_source_dijkstra_path_length(rev, int(d), cutoff=3600, weight="w")
    t_nx60 = (time.perf_counter() - start) * 50 / n_nx
    # (b): ours and networkx's in alternating rounds, so that both see the same state of this shared machine.
    # Per round: calls back to back (timeit's way: the time per call of a loop), and the first call of
    # ours after networkx's, alone (the caches refilled: what one isolated query costs here)
    one = resolve_places(net, origins.iloc[:1])
    source = int(o_nodes[0])

    def nx_iso_call(g: nx.DiGraph = graph) -> dict:
        return nx.single_source_dijkstra_path_length(g, source, cutoff=1800, weight="w")

    ours, dense, theirs, alone = [], [], [], []
    for _ in range(7):
        elapsed, iso = _timed(lambda: reached_nodes(net, one, max_time_min=30))
        alone.append(elapsed)
        ours.append(_per_call(lambda: reached_nodes(net, one, max_time_min=30), 50)[0])
        elapsed, iso_dense = _per_call(lambda: road_node_times(net, one, max_time_min=30), 20)
        dense.append(elapsed)
        elapsed, nx_iso = _per_call(nx_iso_call, 5)
        theirs.append(elapsed)
    t_iso, t_iso_dense, t_nx_iso, t_alone = (float(np.median(x)) for x in (ours, dense, theirs, alone))
    diff = float(np.nanmax(np.abs(m.time_min[:, :n_nx] - ref)))
    assert diff < 1e-6, diff
    assert set(iso.node.tolist()) == set(nx_iso), "isochrone node sets differ"
    assert set(np.flatnonzero(np.isfinite(iso_dense[0]))) == set(nx_iso), "isochrone node sets differ"
    np.testing.assert_allclose(iso.minutes * 60, [nx_iso[v] for v in iso.node.tolist()])
    star = "" if n_nx == 50 else "*"
    nx_ref = f"networkx{star}"
    rows += [
        {"size": label, "measure": "compile network", "tillvaxt_s": t_build, "reference": "", "reference_s": np.nan},
        {
            "size": label,
            "measure": "(a) 1000×50 matrix + distances",
            "tillvaxt_s": t_mat,
            "reference": nx_ref,
            "reference_s": t_nx,
        },
        {
            "size": label,
            "measure": "(a) 1000×50 matrix, times only",
            "tillvaxt_s": t_fast,
            "reference": nx_ref,
            "reference_s": t_nx,
        },
        {
            "size": label,
            "measure": "(a) 1000×50, 60-min cutoff",
            "tillvaxt_s": t_cut,
            "reference": nx_ref,
            "reference_s": t_nx60,
        },
        {
            "size": label,
            "measure": "(b) 30-min isochrone nodes (reached_nodes)",
            "tillvaxt_s": t_iso,
            "reference": "networkx",
            "reference_s": t_nx_iso,
        },
        {
            "size": label,
            "measure": "(b) the same as a dense array (road_node_times)",
            "tillvaxt_s": t_iso_dense,
            "reference": "networkx",
            "reference_s": t_nx_iso,
        },
        {
            "size": label,
            "measure": "(b) reached_nodes alone, right after networkx",
            "tillvaxt_s": t_alone,
            "reference": "networkx",
            "reference_s": t_nx_iso,
        },
        {
            "size": label,
            "measure": "peak MB build+matrix (tracemalloc)",
            "tillvaxt_s": peak / 2**20,
            "reference": "max RSS MB",
            "reference_s": rss_mb,
        },
    ]
    print(f"[{label}] matrix equal to networkx (max diff {diff:.1e} min), isochrone node sets equal", flush=True)
    del graph, rev


def bench_accessibility(*, rows: list[dict[str, Any]]) -> None:
    roads = synthetic_roads(100_000, spacing_m=1000.0)
    net = build_network(Layers(roads=roads), max_edge_m=None)
    main = net._snap_tree[1]
    xy = net.nodes[["x", "y"]].to_numpy()[main]
    rng = np.random.default_rng(3)
    n_origins = len(main)
    pop = gpd.GeoDataFrame(
        {"id": [f"n{i}" for i in main], "population": rng.integers(0, 500, len(main))},
        geometry=shapely.points(xy),
        crs=CRS,
    )
    origins = pop.iloc[:n_origins]
    acc_times = {}
    for workers in (1, os.cpu_count() or 1):
        acc_times[workers], acc = _timed(
            lambda w=workers: accessibility(net, origins, pop, column="population", max_time_min=30, workers=w)
        )
    # scipy's own Dijkstra, called directly with the same limit, one process, same reduction
    g = net.car.forward
    weights = pop["population"].to_numpy(float)
    start = time.perf_counter()
    ref = np.zeros(n_origins)
    for lo in range(0, n_origins, 64):
        dist = dijkstra(g, indices=main[lo : lo + 64], limit=1800.0)
        ref[lo : lo + 64] = ((dist[:, main] <= 1800.0) * weights).sum(axis=1)
    t_scipy = time.perf_counter() - start
    np.testing.assert_allclose(acc.to_numpy(), ref)
    what = "every node" if n_origins == len(main) else f"{n_origins:,} of {len(main):,} nodes"
    for workers, t_acc in acc_times.items():
        rows.append(
            {
                "size": "100k",
                "measure": f"(c) accessibility, {what}, {workers} thread(s)",
                "tillvaxt_s": t_acc,
                "reference": "scipy csgraph, 1 thread",
                "reference_s": t_scipy,
            }
        )
    print(f"[100k] accessibility equal to scipy ({what})", flush=True)


def bench_region(rows: list[dict[str, Any]]) -> None:
    """The embedded region: build + all zones × all sites in every mode."""
    from tillvaxt_geo.data.layers import load_layers

    layers = load_layers()
    start = time.perf_counter()
    net = build_network(layers)
    for mode in ("car", "pt", "best"):
        time_matrix(net, "zones", "mine_sites", mode=mode)
    elapsed = time.perf_counter() - start
    what = f"{len(layers.zones)}×{len(layers.mine_sites)}"  # type: ignore[arg-type]
    rows.append(
        {
            "size": "region",
            "measure": f"build + {what} matrix, car/pt/best",
            "tillvaxt_s": elapsed,
            "reference": "",
            "reference_s": np.nan,
        }
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10k,100k,1M", help="comma-separated of 10k, 100k, 1M")
    parser.add_argument("--full", action="store_true", help="networkx on all 50 searches at 1M too (no extrapolation)")
    args = parser.parse_args(argv)
    rows: list[dict[str, Any]] = []
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores", flush=True)
    # the first search loads the compiled kernels (numba's cache; compiles them on a fresh install)
    warm = build_network(Layers(roads=synthetic_roads(1_000)), max_edge_m=None)
    pts = _points(warm.nodes[["x", "y"]].to_numpy()[:20], "w")
    pts["population"] = 1.0
    t_load, _ = _timed(
        lambda: (
            time_matrix(warm, pts, pts, max_time_min=5),
            road_node_times(warm, resolve_places(warm, pts), max_time_min=5),
            accessibility(warm, pts, pts, column="population", max_time_min=5),
        )
    )
    rows.append(
        {"size": "", "measure": "load compiled kernels", "tillvaxt_s": t_load, "reference": "", "reference_s": np.nan}
    )
    for label in args.sizes.split(","):
        bench_size(label, SIZES[label], full=args.full, rows=rows)
    if "100k" in args.sizes.split(","):
        bench_accessibility(rows=rows)
    bench_region(rows)
    table = pd.DataFrame(rows)
    table["ratio"] = table["reference_s"] / table["tillvaxt_s"]
    is_memory = table["measure"].str.startswith("peak")
    table.loc[is_memory, "ratio"] = np.nan
    with pd.option_context("display.width", 200, "display.max_columns", 10, "display.float_format", "{:,.4g}".format):
        print()
        print(table.to_string(index=False))
    print("\n* networkx on a subset of the 50 searches, extrapolated linearly.")


if __name__ == "__main__":
    main()
