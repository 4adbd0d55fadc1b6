"""Benchmark of the Dask engine: uncertainty samples per second and a split travel-time matrix on a 1M-edge graph.

Run ``python benchmarks/bench_dask.py`` (needs the dask extra; about 5–10
minutes on 2 cores) or ``--matrix-edges 100000`` for a quicker matrix part.

Measured, each figure from one run on this machine (ratios compare figures of
the same run; results checked equal to the serial run before they are reported):

(a) ``two_companies``: the model evaluations of an uncertainty run (the
    prepared run shipped once per worker, 64 samples per task) serially and on
    a LocalCluster of 1 and 2 worker processes: samples per second, the
    scaling, and the overhead per Dask task (1 sample per task against 64);
    memory (RSS) per worker after the run;
(b) ``two_companies`` end to end, 2 000 samples (the full parameter table,
    calibrated decays included): :func:`tillvaxt_geo.scenario.uncertainty.uncertainty`
    serially and on the LocalCluster of 2, cluster start-up included;
(c) ``time_matrix`` 2 000 origins × 200 destinations on a seeded 1M-edge
    synthetic road graph (``bench_routing.synthetic_roads``): one thread
    serially, and split over a LocalCluster of 1 and 2 workers; the first
    call scatters the network to every worker (kept there) and loads the
    compiled kernels from the per-user cache, timed apart.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))

import dask
from bench_routing import _points, synthetic_roads
from distributed import Client, LocalCluster

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.routing.matrix import time_matrix
from tillvaxt_geo.scenario.config import load_scenario
from tillvaxt_geo.scenario.engine import map_chunks
from tillvaxt_geo.scenario.uncertainty import (
    _evaluate_block,
    _prepare,
    sample_unit,
    uncertainty,
)


def _timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    start = time.perf_counter()
    out = fn()
    return time.perf_counter() - start, out


def _cluster(n: int) -> tuple[LocalCluster, Client]:
    """A LocalCluster configured as ``tillvaxt_geo.scenario.engine.connect`` starts one (memory manager off)."""
    with dask.config.set({"distributed.scheduler.active-memory-manager.start": False}):
        cluster = LocalCluster(
            n_workers=n, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    return cluster, Client(cluster)


def _rss_mb(client: Client) -> str:
    import psutil

    rss = client.run(lambda: psutil.Process().memory_info().rss)
    return ", ".join(f"{v / 2**20:.0f}" for v in rss.values())


def bench_samples(rows: list[dict[str, Any]], *, samples: int) -> None:
    scenario = load_scenario("two_companies")
    prepared, table = _prepare(scenario, None, ())
    shared = [(prepared.for_samples(), scenario, table)]
    unit, _ = sample_unit(len(table), samples, seed=1)
    n = len(unit)
    t_serial, reference = _timed(lambda: map_chunks(_evaluate_block, shared, unit, args=(table.names,)))
    rows.append({"part": "a", "measure": f"{n} samples, serial", "s": t_serial, "per_s": n / t_serial})
    for workers in (1, 2):
        cluster, client = _cluster(workers)
        try:
            _run_chunks(client, shared, unit, table.names, 64)  # warm: workers import and receive the prepared run
            t, out = _run_chunks(client, shared, unit, table.names, 64)
            assert np.array_equal(out, reference, equal_nan=True)
            rows.append(
                {"part": "a", "measure": f"{n} samples, LocalCluster({workers}), 64/task", "s": t, "per_s": n / t}
            )
            if workers == 1:
                few = unit[:200]
                t_one, _ = _run_chunks(client, shared, few, table.names, 1)
                t_64, _ = _run_chunks(client, shared, few, table.names, 64)
                overhead = (t_one - t_64) / (len(few) - 4)
                rows.append({"part": "a", "measure": "overhead per Dask task (1 vs 64 samples/task)", "s": overhead})
            rows.append({"part": "a", "measure": f"RSS per worker, LocalCluster({workers}) (MB)", "s": np.nan,
                         "note": _rss_mb(client)})  # fmt: skip
        finally:
            client.close()
            cluster.close()


def _run_chunks(client: Client, shared: Any, unit: np.ndarray, names: list[str], chunk: int) -> tuple[float, Any]:
    start = time.perf_counter()
    out = map_chunks(_evaluate_block, shared, unit, args=(names,), client=client, chunk_size=chunk)
    return time.perf_counter() - start, out


def bench_end_to_end(rows: list[dict[str, Any]], *, samples: int) -> None:
    scenario = load_scenario("two_companies")
    t_serial, serial = _timed(lambda: uncertainty(scenario, samples=samples, seed=1))
    rows.append({"part": "b", "measure": f"two_companies {serial.samples} samples end to end, serial", "s": t_serial,
                 "per_s": serial.samples / t_serial, "note": serial.verdict()})  # fmt: skip

    def on_cluster() -> Any:
        cluster, client = _cluster(2)
        try:
            return uncertainty(scenario, samples=samples, seed=1, client=client)
        finally:
            client.close()
            cluster.close()

    t_cluster, parallel = _timed(on_cluster)
    assert parallel.outputs.equals(serial.outputs)
    rows.append({"part": "b", "measure": f"two_companies {parallel.samples} samples, LocalCluster(2) incl. start",
                 "s": t_cluster, "per_s": parallel.samples / t_cluster})  # fmt: skip


def bench_matrix(rows: list[dict[str, Any]], *, n_edges: int, n_destinations: int) -> None:
    rng = np.random.default_rng(7)
    t_build, net = _timed(lambda: build_network(Layers(roads=synthetic_roads(n_edges)), max_edge_m=None))
    node_xy = net.nodes[["x", "y"]].to_numpy()[: net.n_road_nodes]
    main = net._snap_tree[1]
    origins = _points(node_xy[rng.choice(main, 2000, replace=False)], "o")
    dests = _points(node_xy[rng.choice(main, n_destinations, replace=False)], "d")
    label = f"2000 × {n_destinations}, {net.car.forward.nnz:,} edges"
    rows.append({"part": "c", "measure": f"build {net.car.forward.nnz:,} edges", "s": t_build})
    time_matrix(net, origins.iloc[:5], dests.iloc[:5], distance=False, workers=1)  # load the kernels here
    t_serial, ref = _timed(lambda: time_matrix(net, origins, dests, distance=False, workers=1))
    rows.append({"part": "c", "measure": f"matrix {label}, serial 1 thread", "s": t_serial})
    for workers in (1, 2):
        cluster, client = _cluster(workers)
        try:
            # first call: scatters the network to every worker (kept for later calls) and loads the kernels there
            start = time.perf_counter()
            time_matrix(net, origins.iloc[:20], dests.iloc[:4], distance=False, client=client)
            t_first = time.perf_counter() - start
            start = time.perf_counter()
            m = time_matrix(net, origins, dests, distance=False, client=client)
            t = time.perf_counter() - start
            assert np.array_equal(m.time_min, ref.time_min, equal_nan=True)
            rows.append({"part": "c", "measure": f"scatter network + load kernels, LocalCluster({workers})",
                         "s": t_first, "note": f"RSS per worker {_rss_mb(client)} MB"})  # fmt: skip
            rows.append({"part": "c", "measure": f"matrix {label}, LocalCluster({workers})", "s": t,
                         "note": f"speed-up {t_serial / t:.2f}× over serial"})  # fmt: skip
        finally:
            client.close()
            cluster.close()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=2000, help="model evaluations per measurement")
    parser.add_argument("--matrix-edges", type=int, default=1_000_000, help="edges of the synthetic graph (0: skip)")
    parser.add_argument("--destinations", type=int, default=200, help="destinations of the matrix")
    parser.add_argument("--parts", default="a,b,c", help="comma-separated of a, b, c")
    args = parser.parse_args(argv)
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores", flush=True)
    rows: list[dict[str, Any]] = []
    parts = args.parts.split(",")
    if "a" in parts:
        bench_samples(rows, samples=args.samples)
    if "b" in parts:
        bench_end_to_end(rows, samples=args.samples)
    if "c" in parts and args.matrix_edges:
        bench_matrix(rows, n_edges=args.matrix_edges, n_destinations=args.destinations)
    table = pd.DataFrame(rows)
    with pd.option_context("display.width", 220, "display.max_colwidth", 200, "display.float_format", "{:,.4g}".format):
        print(table.to_string(index=False))


if __name__ == "__main__":
    main()
