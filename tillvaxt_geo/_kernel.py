"""Compiled Dijkstra kernels (numba): bounded searches whose cost is the part of the graph they reach.

scipy's :func:`~scipy.sparse.csgraph.dijkstra` sets up arrays over the whole
graph for every source and holds the GIL. These kernels keep one workspace
per call and mark its entries with a generation number, so a search touches
only the nodes it reaches; a search for a set of target nodes stops once it
has settled all of them; the length along the shortest path is carried as a
second label. They release the GIL (``nogil``), so chunks of sources run on
several threads of one process (:mod:`tillvaxt_geo._engine`).

Graphs are CSR arrays: ``indptr`` (n + 1), ``indices`` (heads), ``weight``
(seconds, non-negative) and ``length`` (metres) per entry. A batch of
searches is given as sources in CSR form too: search ``s`` starts at the
nodes ``start_node[start_ptr[s]:start_ptr[s + 1]]`` with initial costs
``start_cost`` and lengths ``start_len`` (a place with several entry points,
or one node at cost 0). Nodes farther than ``limit`` seconds are not
reached; ``limit`` may be ``inf``.

Compiled code is cached next to this file (numba ``cache=True``) after the
first use.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit

__all__ = ["Workspace", "per_place", "search_reached", "search_sum", "search_targets"]


# A 4-ary min-heap with lazy deletion: a node is pushed again when its time improves, and stale
# entries are skipped when popped (the node is already settled). Entries are rows (time, node) of one
# int64 array, the time as its IEEE bits: for non-negative doubles the bits order like the values,
# and a row is one cache access. Shallower than a binary heap; together about 20 % faster here.
# Rows past the heap's end hold _EMPTY (larger than any time's bits); a search leaves them so.

_EMPTY = np.iinfo(np.int64).max
_PAD = 4  # rows of _EMPTY after the last possible entry: the children a pop may look at


@njit(cache=True, nogil=True, inline="always")
def _push(heap: np.ndarray, size: int, key: int, node: int) -> int:
    i = size
    while i > 0:
        parent = (i - 1) >> 2
        if heap[parent, 0] <= key:
            break
        heap[i, 0] = heap[parent, 0]
        heap[i, 1] = heap[parent, 1]
        i = parent
    heap[i, 0] = key
    heap[i, 1] = node
    return size + 1


@njit(cache=True, nogil=True, inline="always")
def _pop(heap: np.ndarray, size: int) -> int:
    # Bottom-up: move the hole at the root down to a leaf along the smallest children, picked without
    # branches (rows from ``size`` on hold _EMPTY, so a short last family needs no bounds test), then
    # sift the last row up from there. About a fifth faster than the classic sift-down, whose
    # child comparisons the processor cannot predict.
    size -= 1
    key = heap[size, 0]
    node = heap[size, 1]
    heap[size, 0] = _EMPTY
    if size == 0:
        return 0
    i = 0
    child = 1
    while child < size:
        a = child + (heap[child + 1, 0] < heap[child, 0])
        b = child + 2 + (heap[child + 3, 0] < heap[child + 2, 0])
        best = b if heap[b, 0] < heap[a, 0] else a
        heap[i, 0] = heap[best, 0]
        heap[i, 1] = heap[best, 1]
        i = best
        child = 4 * i + 1
    while i > 0:
        parent = (i - 1) >> 2
        if heap[parent, 0] <= key:
            break
        heap[i, 0] = heap[parent, 0]
        heap[i, 1] = heap[parent, 1]
        i = parent
    heap[i, 0] = key
    heap[i, 1] = node
    return size


class Workspace:
    """Scratch arrays for searches on graphs of up to ``n`` nodes and ``heap`` heap entries.

    Entries are valid only where ``state`` holds the current generation
    (``2 g`` reached, ``2 g + 1`` settled), so a search never clears them.
    The heap's rows are all ``_EMPTY`` between searches.
    One workspace serves one thread at a time: :func:`workspace` lends them.
    """

    def __init__(self, n: int, heap: int) -> None:
        self.n = n
        self.dist = np.empty(n)
        self.plen = np.empty(n)
        self.state = np.zeros(n, dtype=np.int32)
        self.reached = np.empty(n, dtype=np.int64)
        self.gen = np.zeros(1, dtype=np.int64)
        self.heap = np.full((heap + _PAD, 2), _EMPTY, dtype=np.int64)


_POOL: list[Workspace] = []
_POOL_LOCK = threading.Lock()
_POOL_KEEP = 4  # workspaces kept between calls (one per thread of a call is enough)


class workspace:  # noqa: N801 - used as ``with workspace(n, heap) as ws``
    """Borrow a :class:`Workspace` big enough for ``n`` nodes and ``heap`` entries."""

    def __init__(self, n: int, heap: int) -> None:
        self.n, self.heap = n, heap
        self.ws: Workspace | None = None

    def __enter__(self) -> Workspace:
        with _POOL_LOCK:
            for i, ws in enumerate(_POOL):
                if ws.n == self.n and ws.heap.shape[0] - _PAD >= self.heap:
                    self.ws = _POOL.pop(i)
                    break
        if self.ws is None:
            self.ws = Workspace(self.n, self.heap)
        return self.ws

    def __exit__(self, *exc: object) -> None:
        with _POOL_LOCK:
            _POOL.insert(0, self.ws)  # type: ignore[arg-type]
            del _POOL[_POOL_KEEP:]


@njit(cache=True, nogil=True)
def _search(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    length: np.ndarray,
    s_node: np.ndarray,
    s_cost: np.ndarray,
    s_len: np.ndarray,
    limit: float,
    want_len: bool,
    dist: np.ndarray,
    plen: np.ndarray,
    state: np.ndarray,
    gen: np.ndarray,
    heap: np.ndarray,
    target_col: np.ndarray,
    n_targets: int,
    row_t: np.ndarray,
    row_l: np.ndarray,
    reached: np.ndarray,
) -> int:
    """One search; settled nodes go to ``reached`` in settling order (non-decreasing time).

    With ``n_targets > 0``, the time (and length) of every node ``v`` with
    ``target_col[v] >= 0`` is written to ``row_t[target_col[v]]`` and the
    search stops when all targets are settled. Returns the number of nodes
    settled; their times are in ``dist``.
    """
    g = gen[0] + 1
    if g >= 2**29:
        state[:] = 0
        g = 1
    gen[0] = g
    seen, settled = 2 * g, 2 * g + 1
    bits = dist.view(np.int64)
    size = 0
    for j in range(s_node.shape[0]):
        c = s_cost[j]
        if not (np.isfinite(c) and c <= limit):  # inf marks no such entry
            continue
        v = s_node[j]
        if state[v] != seen or c < dist[v]:
            state[v] = seen
            dist[v] = c
            if want_len:
                plen[v] = s_len[j]
            size = _push(heap, size, bits[v], v)
    found = 0
    n_settled = 0
    while size > 0:
        u = heap[0, 1]
        size = _pop(heap, size)
        if state[u] == settled:  # a stale entry: its first (smallest) one settled it
            continue
        state[u] = settled
        k = dist[u]
        reached[n_settled] = u
        n_settled += 1
        if n_targets > 0:
            col = target_col[u]
            if col >= 0:
                row_t[col] = k
                if want_len:
                    row_l[col] = plen[u]
                found += 1
                if found == n_targets:
                    break
        for e in range(indptr[u], indptr[u + 1]):
            v = indices[e]
            nd = k + weight[e]
            if nd > limit:
                continue
            st = state[v]
            if st == settled:
                continue
            if st != seen or nd < dist[v]:
                state[v] = seen
                dist[v] = nd
                if want_len:
                    plen[v] = plen[u] + length[e]
                size = _push(heap, size, bits[v], v)
    heap[:size, 0] = _EMPTY  # stopped early at the last target: leave the heap empty for the next search
    return n_settled


@njit(cache=True, nogil=True)
def _settle(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    s_node: np.ndarray,
    s_cost: np.ndarray,
    limit: float,
    dist: np.ndarray,
    state: np.ndarray,
    gen: np.ndarray,
    heap: np.ndarray,
    reached: np.ndarray,
) -> int:
    """One search without targets or lengths: settled nodes go to ``reached``, their times stay in ``dist``."""
    no_col = np.empty(0, dtype=np.int64)
    no_row = np.empty(0)
    return _search(
        indptr, indices, weight, weight, s_node, s_cost, s_cost, limit, False,
        dist, dist, state, gen, heap, no_col, 0, no_row, no_row, reached,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def search_targets(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    length: np.ndarray,
    start_ptr: np.ndarray,
    start_node: np.ndarray,
    start_cost: np.ndarray,
    start_len: np.ndarray,
    limit: float,
    target_col: np.ndarray,
    n_targets: int,
    want_len: bool,
    dist: np.ndarray,
    plen: np.ndarray,
    state: np.ndarray,
    gen: np.ndarray,
    heap: np.ndarray,
    reached: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Times (s) and path lengths (m) from every search to every target column.

    ``target_col`` has one entry per node: the target column of that node or
    -1. Returns two ``(n_searches, n_targets)`` arrays, ``inf`` / NaN where
    a target is not reached within ``limit``.
    """
    k = start_ptr.shape[0] - 1
    out_t = np.full((k, n_targets), np.inf)
    out_l = np.full((k, n_targets), np.nan)
    for s in range(k):
        a, b = start_ptr[s], start_ptr[s + 1]
        _search(
            indptr, indices, weight, length,
            start_node[a:b], start_cost[a:b], start_len[a:b], limit, want_len,
            dist, plen, state, gen, heap,
            target_col, n_targets, out_t[s], out_l[s], reached,
        )  # fmt: skip
    return out_t, out_l


@njit(cache=True, nogil=True)
def search_reached(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    start_ptr: np.ndarray,
    start_node: np.ndarray,
    start_cost: np.ndarray,
    limit: float,
    dist: np.ndarray,
    state: np.ndarray,
    gen: np.ndarray,
    heap: np.ndarray,
    reached: np.ndarray,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every node each search reaches within ``limit``, in CSR form.

    Returns ``(ptr, node, time_s)``: search ``s`` reaches
    ``node[ptr[s]:ptr[s + 1]]`` at ``time_s[ptr[s]:ptr[s + 1]]`` seconds, in
    the order they were settled (non-decreasing time).
    """
    k = start_ptr.shape[0] - 1
    ptr = np.zeros(k + 1, dtype=np.int64)
    out_node = np.empty(0, dtype=np.int64)  # sized by the first search, then doubled as needed
    out_time = np.empty(0)
    used = 0
    for s in range(k):
        a, b = start_ptr[s], start_ptr[s + 1]
        m = _settle(indptr, indices, weight, start_node[a:b], start_cost[a:b], limit, dist, state, gen, heap, reached)
        if used + m > out_node.shape[0]:
            grow = max(2 * out_node.shape[0], used + m)
            bigger_node = np.empty(grow, dtype=np.int64)
            bigger_time = np.empty(grow)
            bigger_node[:used] = out_node[:used]
            bigger_time[:used] = out_time[:used]
            out_node, out_time = bigger_node, bigger_time
        for i in range(m):
            v = reached[i]
            out_node[used + i] = v
            out_time[used + i] = dist[v]
        used += m
        ptr[s + 1] = used
    return ptr, out_node[:used], out_time[:used]


@njit(cache=True, nogil=True)
def search_sum(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    start_ptr: np.ndarray,
    start_node: np.ndarray,
    start_cost: np.ndarray,
    limit: float,
    node_weight: np.ndarray,
    dist: np.ndarray,
    state: np.ndarray,
    gen: np.ndarray,
    heap: np.ndarray,
    reached: np.ndarray,
) -> np.ndarray:
    """Per search, the sum of ``node_weight`` over the nodes it reaches within ``limit``."""
    k = start_ptr.shape[0] - 1
    out = np.zeros(k)
    for s in range(k):
        a, b = start_ptr[s], start_ptr[s + 1]
        m = _settle(indptr, indices, weight, start_node[a:b], start_cost[a:b], limit, dist, state, gen, heap, reached)
        total = 0.0
        for i in range(m):
            total += node_weight[reached[i]]
        out[s] = total
    return out


@njit(cache=True, nogil=True)
def per_place(
    ptr: np.ndarray, node: np.ndarray, time_s: np.ndarray, search_of: np.ndarray, add_s: np.ndarray, limit: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The results of :func:`search_reached` per place: each place's search, ``add_s`` added, cut at ``limit``.

    Place ``p`` gets the nodes of search ``search_of[p]`` at their times plus
    ``add_s[p]``, those within ``limit``, in the search's order. Returns
    ``(ptr, node, time_s)`` as CSR over places.
    """
    n = search_of.shape[0]
    total = 0
    for p in range(n):
        total += ptr[search_of[p] + 1] - ptr[search_of[p]]
    out_ptr = np.zeros(n + 1, dtype=np.int64)
    out_node = np.empty(total, dtype=np.int64)
    out_time = np.empty(total)
    m = 0
    for p in range(n):
        s = search_of[p]
        for i in range(ptr[s], ptr[s + 1]):
            t = time_s[i] + add_s[p]
            if t <= limit:
                out_node[m] = node[i]
                out_time[m] = t
                m += 1
        out_ptr[p + 1] = m
    return out_ptr, out_node[:m], out_time[:m]
