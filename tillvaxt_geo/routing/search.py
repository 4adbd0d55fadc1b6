"""The search engine: bounded Dijkstra on the compiled CSR from places' connectors, with path distances.

A *place* (a snapped feature or an ad-hoc point) joins a mode's graph
through a few *connectors*: (node, cost in seconds, length in metres). A trip
from place o to place d takes ``min_i,j cost_o,i + D(node_o,i, node_d,j) +
cost_d,j``. The side searched from becomes one search per distinct set of
connectors, started at all its entry nodes with their costs (or, when every
place has a single entry, one search per entry node with the access cost
added afterwards); the other side's connectors are added arithmetically.

The searches are the compiled kernels of :mod:`tillvaxt_geo.routing.kernel`: they
touch only the part of the graph they reach, stop once every target is
settled, carry the path length as a second label and release the GIL, so
large jobs run in chunks of sources on several threads of this process.
"""

from __future__ import annotations

import os
import threading
import weakref
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any

import numpy as np

from tillvaxt_geo.network.places import Connectors
from tillvaxt_geo.network.types import CompiledGraph
from tillvaxt_geo.routing import kernel, kernel_cache

if TYPE_CHECKING:
    import scipy.sparse as sp

    from tillvaxt_geo.network.types import CompiledGraph

__all__ = ["csr_ptr", "ensure_compiled", "node_reach", "reach_sums", "run_search"]

_PARALLEL_WORK = 2e5  # sources x nodes above which a second thread pays off
_CHUNK_CELLS = 2**22  # sources x nodes of dense output per chunk (memory bound)


@dataclass(frozen=True)
class _Starts:
    """The searches to run: per search, its start entries (CSR); per place, the search it stands for."""

    ptr: np.ndarray
    node: np.ndarray
    cost: np.ndarray
    length: np.ndarray
    search_of: np.ndarray  # per place, the index of its search
    place_cost: np.ndarray  # per place, seconds added to every result (its access, when folded)
    place_length: np.ndarray  # per place, metres added to every result

    def __len__(self) -> int:
        return len(self.ptr) - 1

    @cached_property
    def groups(self) -> list[np.ndarray]:
        """Per search, the places it stands for."""
        order = np.argsort(self.search_of, kind="stable")
        return np.split(order, np.flatnonzero(np.diff(self.search_of[order])) + 1)

    def search_limit(self, limit: float) -> float:
        """How far to search so that every place gets ``limit`` including its folded-out access cost."""
        return max(limit - float(self.place_cost.min()), 0.0) if len(self.place_cost) else limit

    def part(self, lo: int, hi: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        a, b = self.ptr[lo], self.ptr[hi]
        return self.ptr[lo : hi + 1] - a, self.node[a:b], self.cost[a:b], self.length[a:b]


def csr_ptr(rows: np.ndarray, n: int) -> np.ndarray:
    """Row pointer of entries sorted by row (values in ``0..n-1``): row ``i`` is ``ptr[i]:ptr[i + 1]``."""
    return np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=n))]).astype(np.int64)


def _starts(conn: Connectors, *, fold: bool = True) -> _Starts:
    """One search per distinct entry node (``fold``: every place has one entry; its cost is added later)
    or per distinct set of connectors (started at every entry with its cost and length)."""
    n = len(conn)
    finite = np.isfinite(conn.cost_s)
    if fold and n and (finite.sum(axis=1) == 1).all():
        col = np.argmax(finite, axis=1)
        rows = np.arange(n)
        node = conn.node[rows, col]
        sources, inverse = np.unique(node, return_inverse=True)
        k = len(sources)
        return _Starts(
            ptr=np.arange(k + 1, dtype=np.int64),
            node=sources.astype(np.int64),
            cost=np.zeros(k),
            length=np.zeros(k),
            search_of=inverse.ravel(),
            place_cost=conn.cost_s[rows, col],
            place_length=conn.length_m[rows, col],
        )
    key = np.hstack([conn.node, conn.cost_s.view(np.int64), conn.length_m.view(np.int64)])
    _, first, inverse = np.unique(key, axis=0, return_index=True, return_inverse=True)
    ok = finite[first]
    return _Starts(
        ptr=np.concatenate([[0], np.cumsum(ok.sum(axis=1))]).astype(np.int64),
        node=conn.node[first][ok].astype(np.int64),
        cost=conn.cost_s[first][ok].astype(float),
        length=conn.length_m[first][ok].astype(float),
        search_of=inverse.ravel(),
        place_cost=np.zeros(n),
        place_length=np.zeros(n),
    )


@dataclass(frozen=True)
class _Csr:
    indptr: np.ndarray
    indices: np.ndarray
    weight: np.ndarray
    length: np.ndarray
    width: float  # the search queue's bucket width (s) and bucket count: kernel.bucket_params
    buckets: int

    @property
    def n(self) -> int:
        return len(self.indptr) - 1

    def workspace(self, starts: _Starts) -> kernel.workspace:
        """Borrow a workspace for searches of ``starts``: a queue entry per edge relaxed plus the starts."""
        return kernel.workspace(self.n, len(self.indices) + len(starts.node) + 1, self.buckets)


_QUEUE: weakref.WeakKeyDictionary[CompiledGraph, tuple[float, int]] = weakref.WeakKeyDictionary()


def _csr(graph: CompiledGraph, reverse: bool, edge_length: np.ndarray | None) -> _Csr:
    base: sp.csr_matrix = graph.backward if reverse else graph.forward
    base_edge = graph.backward_edge if reverse else graph.forward_edge
    weight = np.ascontiguousarray(base.data, dtype=np.float64)
    if graph not in _QUEUE:  # the same edge times either way: one set of queue parameters per graph
        _QUEUE[graph] = kernel.bucket_params(weight)
    width, buckets = _QUEUE[graph]
    return _Csr(
        indptr=np.ascontiguousarray(base.indptr),
        indices=np.ascontiguousarray(base.indices),
        weight=weight,
        length=weight if edge_length is None else np.ascontiguousarray(edge_length[base_edge], dtype=np.float64),
        width=width,
        buckets=buckets,
    )


def _chunks(n_src: int, n_nodes: int, *, dense: bool, workers: int | None) -> tuple[list[tuple[int, int]], int]:
    cores = os.cpu_count() or 1
    if workers is None:
        workers = cores if n_src * n_nodes > _PARALLEL_WORK else 1
    workers = max(1, min(int(workers), n_src))
    per_chunk = max(1, _CHUNK_CELLS // max(n_nodes, 1)) if dense else 4096
    if workers > 1:
        per_chunk = max(1, min(per_chunk, -(-n_src // (4 * workers))))
    return [(lo, min(lo + per_chunk, n_src)) for lo in range(0, n_src, per_chunk)], workers


def _map(fn: Callable[[tuple[int, int]], Any], chunks: list[tuple[int, int]], workers: int) -> Iterator[Any]:
    if workers == 1 or len(chunks) == 1:
        for bounds in chunks:
            yield fn(bounds)
        return
    with ThreadPoolExecutor(min(workers, len(chunks))) as pool:
        yield from pool.map(fn, chunks)


def _reached(csr: _Csr, starts: _Starts, lo: int, hi: int, limit: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    ptr, node, cost, _ = starts.part(lo, hi)
    with csr.workspace(starts) as ws:
        return kernel.search_reached(csr.indptr, csr.indices, csr.weight, csr.width, ptr, node, cost, limit, ws.arrays)


def _dense(csr: _Csr, starts: _Starts, lo: int, hi: int, limit: float, n_out: int) -> np.ndarray:
    """Seconds from searches ``lo:hi`` to nodes ``0:n_out`` (``inf`` where not reached)."""
    ptr, node, time_s = _reached(csr, starts, lo, hi, limit)
    out = np.full((hi - lo, n_out), np.inf)
    row = np.repeat(np.arange(hi - lo), np.diff(ptr))
    keep = node < n_out
    out[row[keep], node[keep]] = time_s[keep]
    return out


_COMPILED = threading.Event()
_COMPILING = threading.Lock()


def _warm_up() -> None:
    """Run every kernel once on a two-node graph, with the argument types of real searches."""
    from tillvaxt_geo.network.build import compile_csr

    tail, head, time_s = np.array([0, 1]), np.array([1, 0]), np.array([1.0, 1.0])
    forward, keep = compile_csr(tail, head, time_s, 2)
    backward, keep_b = compile_csr(head, tail, time_s, 2)
    graph = CompiledGraph(forward, keep, backward, keep_b)
    one = Connectors(node=np.zeros((1, 1), dtype=np.int64), cost_s=np.zeros((1, 1)), length_m=np.zeros((1, 1)))
    for distance in (True, False):
        list(run_search(graph, np.ones(2), one, one, reverse=False, distance=distance))
    list(run_search(graph, np.ones(2), one, one, reverse=False, dense=True))
    node_reach(graph, one, limit_s=10.0)
    reach_sums(graph, one, np.ones(2), limit_s=10.0)


def ensure_compiled() -> None:
    """Compile the kernels (or load them from the cache) once per process, before the first search.

    The first compilation after an install takes about 10 s and is announced
    on stderr (:func:`tillvaxt_geo.routing.kernel_cache.compile_once`).
    """
    if _COMPILED.is_set():
        return
    with _COMPILING:
        if _COMPILED.is_set():
            return
        _COMPILED.set()  # the warm-up runs the entry points below, which call this again
        try:
            kernel_cache.compile_once(_warm_up)
        except BaseException:
            _COMPILED.clear()
            raise


def node_reach(
    graph: CompiledGraph, search: Connectors, *, limit_s: float | None = None
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The nodes each place (as connectors) reaches within ``limit_s``, as CSR over places.

    Returns ``(ptr, node, time_s)``: place ``i`` reaches ``node[ptr[i]:ptr[i + 1]]``
    in ``time_s[ptr[i]:ptr[i + 1]]`` seconds (its access included), each node once;
    nothing is spent on the nodes not reached.
    """
    ensure_compiled()
    csr = _csr(graph, False, None)
    n_places = len(search)
    if not n_places:
        return np.zeros(1, dtype=np.int64), np.zeros(0, dtype=np.int64), np.zeros(0)
    starts = _starts(search)
    limit = np.inf if limit_s is None else float(limit_s)
    search_limit = starts.search_limit(limit)
    ptr, node, time_s = _reached(csr, starts, 0, len(starts), search_limit)
    # a copy of its search's nodes per place, its folded-out access cost added, cut at the limit again
    return kernel.per_place(ptr, node, time_s, starts.search_of, starts.place_cost, limit)


def reach_sums(
    graph: CompiledGraph,
    search: Connectors,
    node_weight: np.ndarray,
    *,
    limit_s: float,
    workers: int | None = None,
) -> np.ndarray:
    """Per place, the sum of ``node_weight`` over the nodes reached within ``limit_s`` (access included)."""
    ensure_compiled()
    csr = _csr(graph, False, None)
    starts = _starts(search, fold=False)
    weights = np.ascontiguousarray(node_weight, dtype=np.float64)
    out = np.zeros(len(search))
    if not len(search):
        return out
    chunks, workers = _chunks(len(starts), csr.n, dense=False, workers=workers)

    def work(bounds: tuple[int, int]) -> tuple[int, np.ndarray]:
        lo, hi = bounds
        ptr, node, cost, _ = starts.part(lo, hi)
        with csr.workspace(starts) as ws:
            sums = kernel.search_sum(
                csr.indptr, csr.indices, csr.weight, csr.width, ptr, node, cost, float(limit_s), weights, ws.arrays
            )
        return lo, sums

    for lo, sums in _map(work, chunks, workers):
        for g, value in enumerate(sums, start=lo):
            out[starts.groups[g]] = value
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
        Threads to use; ``None`` picks 1 for small jobs and every core for
        large ones.
    reduce
        ``reduce(place_index, time_s, length_m)`` applied to each chunk (in
        the worker thread); by default the chunk itself is yielded.

    Yields
    ------
    object
        ``reduce``'s result per chunk: by default ``(place_index, time_s,
        length_m)`` with arrays of shape ``(k,)``, ``(k, n_target)``,
        ``(k, n_target)``; unreachable pairs have ``inf`` time.
    """
    ensure_compiled()
    want_len = distance and not dense
    csr = _csr(graph, reverse, edge_length if want_len else None)
    starts = _starts(search)
    if not len(starts):
        return
    limit = np.inf if limit_s is None else float(limit_s)
    search_limit = starts.search_limit(limit)
    reduce = reduce or _identity
    n_t, e = target.node.shape
    # the target side: its finite entry nodes become the kernel's target columns
    finite = np.isfinite(target.cost_s)
    t_nodes, t_inverse = np.unique(target.node[finite], return_inverse=True)
    column = np.full(target.node.shape, -1, dtype=np.int64)
    column[finite] = t_inverse.ravel()
    target_col = np.full(csr.n, -1, dtype=np.int64)
    target_col[t_nodes] = np.arange(len(t_nodes))
    chunks, workers = _chunks(len(starts), csr.n, dense=dense, workers=workers)

    def places_of(lo: int, hi: int) -> tuple[np.ndarray, np.ndarray | None]:
        rows = starts.groups[lo:hi]
        place = np.concatenate(rows)
        which = None if all(len(r) == 1 for r in rows) else np.repeat(np.arange(hi - lo), [len(r) for r in rows])
        return place, which

    def work(bounds: tuple[int, int]) -> Any:
        lo, hi = bounds
        place, which = places_of(lo, hi)
        if dense:
            times = _dense(csr, starts, lo, hi, search_limit, graph.n_nodes)
            if which is not None:
                times = times[which]
            if starts.place_cost.any():
                times = times + starts.place_cost[place, None]
            return reduce(place, times, None)
        ptr, node, cost, length = starts.part(lo, hi)
        with csr.workspace(starts) as ws:
            out_t, out_l = kernel.search_targets(
                csr.indptr, csr.indices, csr.weight, csr.length, csr.width, ptr, node, cost, length, search_limit,
                target_col, len(t_nodes), want_len, ws.arrays,
            )  # fmt: skip
        k = hi - lo
        padded_t = np.concatenate([out_t, np.full((k, 1), np.inf)], axis=1)  # column -1: no entry
        entry = padded_t[:, column.ravel()].reshape(k, n_t, e) + target.cost_s[None, :, :]
        best = np.argmin(entry, axis=2) if e > 1 else np.zeros((k, n_t), dtype=np.int64)
        time_s = np.take_along_axis(entry, best[:, :, None], axis=2)[:, :, 0]
        length_m = None
        if want_len:
            padded_l = np.concatenate([out_l, np.full((k, 1), np.nan)], axis=1)
            ends = padded_l[:, column.ravel()].reshape(k, n_t, e) + target.length_m[None, :, :]
            length_m = np.take_along_axis(ends, best[:, :, None], axis=2)[:, :, 0]
            length_m[~np.isfinite(time_s)] = np.nan
        if which is not None:
            time_s = time_s[which]
            length_m = None if length_m is None else length_m[which]
        if starts.place_cost.any():
            time_s = time_s + starts.place_cost[place, None]
        if length_m is not None:
            length_m = length_m + starts.place_length[place, None]
        return reduce(place, time_s, length_m)

    yield from _map(work, chunks, workers)
