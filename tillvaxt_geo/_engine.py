"""The search engine: places as connectors, Dijkstra on the compiled CSR, path distances.

A *place* (a snapped feature or an ad-hoc point) joins a mode's graph
through a few *connectors*: (node, cost in seconds, length in metres). A trip
from place o to place d takes ``min_i,j cost_o,i + D(node_o,i, node_d,j) +
cost_d,j``. The side searched from gets one virtual node per distinct set of
connectors, appended as extra rows of the CSR matrix (out-edges only, so
nothing else changes), and :func:`scipy.sparse.csgraph.dijkstra` runs from
those; the other side's connectors are added arithmetically.

Large jobs run in chunks of sources, on several processes (forked, so the
graph is shared, not copied) because scipy's Dijkstra holds the GIL.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

if TYPE_CHECKING:
    from tillvaxt_geo.network import CompiledGraph, Network

__all__ = ["Connectors", "Places", "connectors", "node_times", "run_search"]

_PARALLEL_WORK = 1e6  # sources x nodes above which several processes pay off
_CHUNK_CELLS = 2**22  # sources x nodes per Dijkstra call (memory bound)


@dataclass(frozen=True)
class Places:
    """Origins or destinations resolved to road nodes.

    ``layer`` is the snapped layer a place belongs to ('' for ad-hoc points),
    ``node`` its road node, ``snap_m`` the distance to it and ``xy`` the
    ``(n, 2)`` coordinates of the place's point.
    """

    ids: np.ndarray
    layer: np.ndarray
    node: np.ndarray
    snap_m: np.ndarray
    xy: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Connectors:
    """Per place, padded ``(n, E)`` arrays of entry nodes, costs (s, inf = none) and lengths (m)."""

    node: np.ndarray
    cost_s: np.ndarray
    length_m: np.ndarray

    def __len__(self) -> int:
        return int(self.node.shape[0])


def connectors(net: Network, places: Places, mode: str, *, role: str) -> Connectors:
    """How places join the graph of ``mode`` as trip origins (``role="origin"``) or destinations.

    car
        The access link to the road node at ``car_access_speed_kmh``.
    pt, origin
        Walking to the node of the walk layer, or (park & ride) driving to
        the road node of the drive layer; a station also enters its own
        entrance at no cost.
    pt, destination
        Walking from the node of either walk layer; a station is also
        reached from its own platform at no cost.
    """
    opts = net.options
    n_road = net.n_road_nodes
    d = places.snap_m.astype(float)
    r = places.node.astype(np.int64)
    cols: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if mode == "car":
        cols.append((r, d / opts.car_access_mps, d))
    elif role == "origin":
        cols.append((r + n_road, d / opts.walk_mps, d))
        if opts.park_and_ride:
            cols.append((r, d / opts.car_access_mps, d))
    else:
        cols.append((r + n_road, d / opts.walk_mps, d))
        cols.append((r + 2 * n_road, d / opts.walk_mps, d))
    if mode == "pt":
        is_station = (places.layer == "rail_stations") & np.isin(places.ids, list(net.stations))
        if is_station.any():
            which = 0 if role == "origin" else 1
            node = np.zeros(len(places), dtype=np.int64)
            node[is_station] = [net.stations[str(s)][which] for s in places.ids[is_station]]
            cost = np.where(is_station, 0.0, np.inf)
            cols.append((node, cost, np.zeros(len(places))))
    return Connectors(
        node=np.column_stack([c[0] for c in cols]).astype(np.int64),
        cost_s=np.column_stack([c[1] for c in cols]).astype(float),
        length_m=np.column_stack([c[2] for c in cols]).astype(float),
    )


@dataclass(frozen=True)
class _Job:
    graph: sp.csr_matrix  # base + one virtual row per distinct source
    lengths: sp.csr_array  # the same entries holding lengths in metres
    sources: np.ndarray  # nodes searched from, one per distinct source
    groups: list[np.ndarray]  # per distinct source, the search places it stands for
    place_cost: np.ndarray  # per search place, seconds to add (its access link when searched from its node)
    place_length: np.ndarray  # per search place, metres to add
    target: Connectors
    limit_s: float
    distance: bool
    n_base: int  # nodes of the graph before virtual rows
    dense: bool  # hand the reducer the times to every node instead of to the targets
    reduce: Callable[[np.ndarray, np.ndarray, np.ndarray | None], Any]


_JOB: _Job | None = None  # set before forking workers; read by _chunk


def _prepare(
    base: sp.csr_matrix, base_len: np.ndarray, conn: Connectors
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, list[np.ndarray], np.ndarray, np.ndarray]:
    """Where to search from: the entry nodes themselves when every place has one, else virtual rows.

    Returns the graph, its entry lengths, the source nodes, the places per
    source, and per place the cost and length added to every result.
    """
    finite = np.isfinite(conn.cost_s)
    if len(conn) and (finite.sum(axis=1) == 1).all():
        col = np.argmax(finite, axis=1)
        rows = np.arange(len(conn))
        node = conn.node[rows, col]
        sources, inverse = np.unique(node, return_inverse=True)
        inverse = inverse.ravel()
        order = np.argsort(inverse, kind="stable")
        groups = np.split(order, np.flatnonzero(np.diff(inverse[order])) + 1)
        return base, base_len, sources, groups, conn.cost_s[rows, col], conn.length_m[rows, col]
    graph, lengths, sources, groups = _augment(base, base_len, conn)
    return graph, lengths, sources, groups, np.zeros(len(conn)), np.zeros(len(conn))


def _augment(
    base: sp.csr_matrix, base_len: np.ndarray, conn: Connectors
) -> tuple[sp.csr_matrix, np.ndarray, np.ndarray, list[np.ndarray]]:
    """Append one out-edge-only virtual row per distinct connector set."""
    key = np.hstack([conn.node, conn.cost_s.view(np.int64), conn.length_m.view(np.int64)])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    inverse = inverse.ravel()
    order = np.argsort(inverse, kind="stable")
    bounds = np.flatnonzero(np.diff(inverse[order])) + 1
    groups = np.split(order, bounds)
    n = base.shape[0]
    u = len(first)
    node = conn.node[first]
    cost = conn.cost_s[first]
    length = conn.length_m[first]
    row = np.repeat(np.arange(u), node.shape[1])
    node, cost, length = node.ravel(), cost.ravel(), length.ravel()
    ok = np.isfinite(cost)
    row, node, cost, length = row[ok], node[ok], cost[ok], length[ok]
    srt = np.lexsort((cost, node, row))
    row, node, cost, length = row[srt], node[srt], cost[srt], length[srt]
    keep = np.ones(len(row), dtype=bool)
    keep[1:] = (row[1:] != row[:-1]) | (node[1:] != node[:-1])
    row, node, cost, length = row[keep], node[keep], cost[keep], length[keep]
    counts = np.bincount(row, minlength=u)
    indptr = np.concatenate([base.indptr.astype(np.int64), base.indptr[-1] + np.cumsum(counts)])
    dtype = base.indices.dtype if n + u < np.iinfo(base.indices.dtype).max else np.int64
    graph = sp.csr_matrix(
        (
            np.concatenate([base.data, cost]),
            np.concatenate([base.indices, node]).astype(dtype),
            indptr.astype(dtype),
        ),
        shape=(n + u, n + u),
    )
    graph.has_sorted_indices = True
    return graph, np.concatenate([base_len, length]), n + np.arange(u), groups


def _tree_lengths(lengths: sp.csr_array, pred: np.ndarray) -> np.ndarray:
    """Length from the root to every node of each shortest-path tree (one tree per row of ``pred``).

    Pointer doubling over the reached nodes only: each node's edge length to
    its parent (looked up by scipy in C++) is summed up the tree in
    log2(depth) vectorised passes. Roots and unreached nodes get 0.
    """
    k, n = pred.shape
    flat = pred.reshape(-1)
    ids = np.flatnonzero(flat >= 0)  # reached nodes that have a parent
    total = np.zeros(k * n)
    if not len(ids):
        return total.reshape(k, n)
    rows, nodes = np.divmod(ids, n)
    parents = flat[ids].astype(np.int64)
    step = np.asarray(lengths[parents, nodes], dtype=float)
    if 2 * len(ids) > k * n:  # most nodes reached: double over the whole arrays, cheaper than compacting
        itype = np.int32 if k * n < 2**31 - 1 else np.int64
        total[ids] = step
        up_all = np.arange(k * n, dtype=itype)
        up_all[ids] = (rows * n + parents).astype(itype)
        while True:
            nxt = up_all[up_all]
            if np.array_equal(nxt, up_all):
                return total.reshape(k, n)
            total += total[up_all]
            up_all = nxt
    # position of each node's parent among ids, -1 where the parent is the root
    parent_flat = rows * n + parents
    where = np.searchsorted(ids, parent_flat)
    where[where == len(ids)] = 0
    up = np.where(ids[where] == parent_flat, where, -1)
    del rows, nodes, parents, parent_flat, where
    active = np.flatnonzero(up >= 0)
    while active.size:
        hop = up[active]
        step[active] += step[hop]
        up[active] = up[hop]
        active = active[up[active] >= 0]
    total[ids] = step
    return total.reshape(k, n)


def _chunk(bounds: tuple[int, int]) -> Any:
    """Run one chunk of the job inherited by a forked worker."""
    assert _JOB is not None
    return _run_chunk(_JOB, bounds)


def _run_chunk(job: _Job, bounds: tuple[int, int]) -> Any:
    lo, hi = bounds
    src = job.sources[lo:hi]
    result = dijkstra(
        job.graph,
        directed=True,
        indices=src,
        limit=job.limit_s,
        return_predecessors=job.distance,
    )
    dist, pred = result if job.distance else (result, None)
    dist = np.atleast_2d(dist)
    if job.dense:
        rows = [job.groups[g] for g in range(lo, hi)]
        place = np.concatenate(rows)
        times = dist[:, : job.n_base]
        if not all(len(r) == 1 for r in rows):
            times = times[np.repeat(np.arange(len(src)), [len(r) for r in rows])]
        if job.place_cost.any():
            times = times + job.place_cost[place, None]
        return job.reduce(place, times, None)
    tgt = job.target
    k, (n_t, e) = len(src), tgt.node.shape
    if e == 1:
        time_s = dist[:, tgt.node[:, 0]]
        if tgt.cost_s.any():
            time_s += tgt.cost_s[None, :, 0]
        best = np.zeros((k, n_t), dtype=np.int64)
    else:
        entry = dist[:, tgt.node.ravel()].reshape(k, n_t, e) + tgt.cost_s[None, :, :]
        best = np.argmin(entry, axis=2)
        time_s = np.take_along_axis(entry, best[:, :, None], axis=2)[:, :, 0]
    del dist
    length = None
    if pred is not None:
        length = np.full((k, n_t), np.nan)
        i, t = np.nonzero(np.isfinite(time_s))
        node = tgt.node[t, best[i, t]]
        length[i, t] = _tree_lengths(job.lengths, np.atleast_2d(pred))[i, node] + tgt.length_m[t, best[i, t]]
    rows = [job.groups[g] for g in range(lo, hi)]
    place = np.concatenate(rows)
    if not all(len(r) == 1 for r in rows):
        which = np.repeat(np.arange(k), [len(r) for r in rows])
        time_s = time_s[which]
        length = None if length is None else length[which]
    if job.place_cost.any():
        time_s += job.place_cost[place, None]
    if length is not None:
        length += job.place_length[place, None]
    return job.reduce(place, time_s, length)


def node_times(
    graph: CompiledGraph, search: Connectors, *, reverse: bool = False, limit_s: float | None = None
) -> np.ndarray:
    """Seconds from each place (as connectors) to every node of the graph, ``inf`` beyond the limit."""
    base = graph.backward if reverse else graph.forward
    n = base.shape[0]
    searched, _, sources, groups, cost, _ = _prepare(base, np.zeros(base.nnz), search)
    limit = np.inf if limit_s is None else float(limit_s)
    dist = np.atleast_2d(dijkstra(searched, directed=True, indices=sources, limit=max(limit - cost.min(), 0.0)))
    out = np.empty((len(search), n))
    for g, rows in enumerate(groups):
        out[rows] = dist[g, :n][None, :] + cost[rows, None]
    out[out > limit] = np.inf
    return out


def _identity(
    place: np.ndarray, time_s: np.ndarray, length: np.ndarray | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return place, time_s, np.full(time_s.shape, np.nan) if length is None else length


def run_search(
    graph: CompiledGraph,
    edge_length: np.ndarray,
    search: Connectors,
    target: Connectors,
    *,
    reverse: bool,
    limit_s: float | None = None,
    distance: bool = True,
    dense: bool = False,
    workers: int | None = None,
    reduce: Callable[[np.ndarray, np.ndarray, np.ndarray | None], Any] | None = None,
) -> Iterator[Any]:
    """Search from every ``search`` place and yield one result per chunk.

    Parameters
    ----------
    graph
        The compiled mode graph.
    edge_length
        Length in metres of every row of the network's edge table.
    search, target
        Connectors of the places searched from and of the places searched for.
    reverse
        Search the transposed graph (``search`` are then trip destinations,
        and their connectors must be destination connectors).
    limit_s
        Stop searching beyond this many seconds (``None``: no limit).
    distance
        Also return the length along each shortest path.
    dense
        Give ``reduce`` the times from each source to every node of the
        graph (``(k, n_nodes)``) instead of to the targets; no distances.
    workers
        Processes to use; ``None`` picks 1 for small jobs and every core for
        large ones.
    reduce
        ``reduce(place_index, time_s, length_m)`` applied to each chunk (in
        the worker); by default the chunk itself is yielded.

    Yields
    ------
    object
        ``reduce``'s result per chunk: by default ``(place_index, time_s,
        length_m)`` with arrays of shape ``(k,)``, ``(k, n_target)``,
        ``(k, n_target)``; unreachable pairs have ``inf`` time.
    """
    global _JOB
    base = graph.backward if reverse else graph.forward
    base_edge = graph.backward_edge if reverse else graph.forward_edge
    aug, entry_len, sources, groups, place_cost, place_length = _prepare(base, edge_length[base_edge], search)
    limit = np.inf if limit_s is None else float(limit_s)
    job = _Job(
        graph=aug,
        lengths=sp.csr_array((entry_len, aug.indices, aug.indptr), shape=aug.shape),
        sources=sources,
        groups=groups,
        place_cost=place_cost,
        place_length=place_length,
        target=target,
        limit_s=max(limit - float(place_cost.min()), 0.0) if len(place_cost) else limit,
        distance=distance and not dense,
        n_base=base.shape[0],
        dense=dense,
        reduce=reduce or _identity,
    )
    n_src, n_nodes = len(sources), aug.shape[0]
    if n_src == 0:
        return
    cores = os.cpu_count() or 1
    if workers is None:
        workers = cores if n_src * n_nodes > _PARALLEL_WORK else 1
    workers = max(1, min(int(workers), n_src))
    per_chunk = max(1, min(256, _CHUNK_CELLS // max(n_nodes, 1)))
    if workers > 1:
        per_chunk = max(1, min(per_chunk, -(-n_src // (4 * workers))))
    chunks = [(lo, min(lo + per_chunk, n_src)) for lo in range(0, n_src, per_chunk)]
    if workers == 1 or len(chunks) == 1:
        for bounds in chunks:
            yield _run_chunk(job, bounds)
        return
    previous, _JOB = _JOB, job
    try:  # the workers are forked here and inherit the job
        pool = multiprocessing.get_context("fork").Pool(min(workers, len(chunks)))
    finally:
        _JOB = previous
    with pool:
        yield from pool.imap(_chunk, chunks)
