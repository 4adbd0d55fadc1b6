"""Compiled Dijkstra kernels (numba): bounded searches whose cost is the part of the graph they reach.

scipy's :func:`~scipy.sparse.csgraph.dijkstra` sets up arrays over the whole
graph for every source and holds the GIL. These kernels keep one workspace
per call and mark its entries with a generation number, so a search touches
only the nodes it reaches; a search for a set of target nodes stops once it
has settled all of them; the length along the shortest path is carried as a
second label. The queue is two-level: times are cut into buckets of a
width fitted to the graph's edge times (:func:`bucket_params`), and only
the current bucket is a heap. They release the GIL (``nogil``), so chunks
of sources run on several threads of one process (:mod:`tillvaxt_geo.routing.search`).

Graphs are CSR arrays: ``indptr`` (n + 1), ``indices`` (heads), ``weight``
(seconds, non-negative) and ``length`` (metres) per entry, and the queue's
bucket ``width``; a workspace's arrays (:attr:`Workspace.arrays`) are passed
as ``ws``. A batch of
searches is given as sources in CSR form too: search ``s`` starts at the
nodes ``start_node[start_ptr[s]:start_ptr[s + 1]]`` with initial costs
``start_cost`` and lengths ``start_len`` (a place with several entry points,
or one node at cost 0). Nodes farther than ``limit`` seconds are not
reached; ``limit`` may be ``inf``.

Compiled code is cached (numba ``cache=True``) in a per-user cache directory
after the first use (:mod:`tillvaxt_geo.routing.kernel_cache`), never inside
the installed package.
"""

from __future__ import annotations

import threading

import numpy as np
from numba import njit

from tillvaxt_geo.routing import kernel_cache

kernel_cache.register()  # before the first @njit(cache=True) below: the cache goes to the user's cache directory

__all__ = ["Workspace", "bucket_params", "per_place", "search_reached", "search_sum", "search_targets"]


# The heaps (the current bucket's and the far entries'): 4-ary min-heaps with lazy deletion: a node
# is pushed again when its time improves, and stale entries are skipped when popped (the node is
# already settled). Entries are rows (time, node) of one int64 array, the time as its IEEE bits: for
# non-negative doubles the bits order like the values, and a row is one cache access.
# Rows past the heap's end hold _EMPTY (larger than any time's bits); a search leaves them so.

_EMPTY = np.iinfo(np.int64).max
_PAD = 4  # rows of _EMPTY after the last possible entry: the children a pop may look at
_TOP = 2.0**62  # the last bucket: times beyond it share it (in time order, through the heaps), never overflow


@njit(cache=True, nogil=True, inline="always")
def _sift_up(heap: np.ndarray, i: int, key: int, node: int) -> None:
    """Put row (key, node) into the hole at ``i``, moving larger parents down into it first."""
    while i > 0:
        parent = (i - 1) >> 2
        if heap[parent, 0] <= key:
            break
        heap[i, 0] = heap[parent, 0]
        heap[i, 1] = heap[parent, 1]
        i = parent
    heap[i, 0] = key
    heap[i, 1] = node


@njit(cache=True, nogil=True, inline="always")
def _push(heap: np.ndarray, size: int, key: int, node: int) -> int:
    _sift_up(heap, size, key, node)
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
    _sift_up(heap, i, key, node)
    return size


def bucket_params(weight: np.ndarray) -> tuple[float, int]:
    """Bucket width (s) and bucket count (a power of two) of the search queue for edges of ``weight``.

    A bucket spans 1/32 of the median positive edge time, so the handful of
    entries it holds need only a tiny heap; the buckets together span the
    99th-percentile edge (64 to 4 096 of them). Longer edges and far start
    costs wait in the far heap; the choice affects speed, never results.
    """
    positive = weight[weight > 0]
    if not len(positive):
        return 1.0, 64
    width = float(np.median(positive)) / 32.0
    span = float(np.quantile(positive, 0.99)) / width + 2.0
    return width, int(2 ** np.clip(np.ceil(np.log2(span)), 6, 12))


class Workspace:
    """Scratch arrays for searches on graphs of up to ``n`` nodes, ``heap`` queue entries and ``buckets`` buckets.

    Entries are valid only where ``state`` holds the current generation
    (``2 g`` reached, ``2 g + 1`` settled), so a search never clears them.
    Between searches the heaps' rows are all ``_EMPTY`` and every bucket is
    empty (-1). One workspace serves one thread at a time: :func:`workspace`
    lends them.
    """

    def __init__(self, n: int, heap: int, buckets: int) -> None:
        self.n = n
        self.buckets = buckets
        self.capacity = heap
        self.dist = np.empty(n)
        self.plen = np.empty(n)
        self.state = np.zeros(n, dtype=np.int32)
        self.reached = np.empty(n, dtype=np.int64)
        self.gen = np.zeros(1, dtype=np.int64)
        self.heap = np.full((heap + _PAD, 2), _EMPTY, dtype=np.int64)
        self.far = np.full((heap + _PAD, 2), _EMPTY, dtype=np.int64)
        self.pool = np.empty((heap, 2), dtype=np.int64)  # bucket entries: (node, next entry or -1)
        self.heads = np.full(buckets, -1, dtype=np.int64)
        # what the kernels take as ``ws``, in this order
        self.arrays = (
            self.dist, self.plen, self.state, self.gen, self.heap, self.far, self.pool, self.heads, self.reached,
        )  # fmt: skip


_POOL: list[Workspace] = []
_POOL_LOCK = threading.Lock()
_POOL_KEEP = 4  # workspaces kept between calls (one per thread of a call is enough)


class workspace:  # noqa: N801 - used as ``with workspace(n, heap, buckets) as ws``
    """Borrow a :class:`Workspace` for ``n`` nodes, ``heap`` entries and ``buckets`` buckets."""

    def __init__(self, n: int, heap: int, buckets: int) -> None:
        self.n, self.heap, self.buckets = n, heap, buckets
        self.ws: Workspace | None = None

    def __enter__(self) -> Workspace:
        with _POOL_LOCK:
            for i, ws in enumerate(_POOL):
                if ws.n == self.n and ws.buckets == self.buckets and ws.capacity >= self.heap:
                    self.ws = _POOL.pop(i)
                    break
        if self.ws is None:
            self.ws = Workspace(self.n, self.heap, self.buckets)
        return self.ws

    def __exit__(self, *exc: object) -> None:
        with _POOL_LOCK:
            _POOL.insert(0, self.ws)  # type: ignore[arg-type]
            del _POOL[_POOL_KEEP:]


# The queue of a search: its times are cut into buckets of ``width`` seconds. The current bucket's
# entries sit in ``heap``, so they leave in exact time order; the next ``B - 1`` buckets are linked
# lists of nodes in ``pool`` (a push is three writes); entries beyond them wait in the ``far`` heap
# and move into the buckets as the window passes. A node is listed again when its time improves; a
# listed node is pushed onto the heap with its time then, and skipped when already settled. The
# heap stays a few entries deep, where a heap of the whole frontier took most of a search's time:
# about twice as fast on road graphs.


@njit(cache=True, nogil=True, inline="always")
def _bucket(t: float, inv: float) -> int:
    """The bucket of time ``t`` (buckets ``1 / inv`` seconds wide), saturating at ``_TOP``."""
    return int(min(t * inv, _TOP))


@njit(cache=True, nogil=True, inline="always")
def _list(pool: np.ndarray, heads: np.ndarray, used: int, b: int, v: int) -> int:
    """Add node ``v`` to bucket ``b``'s list as pool entry ``used``; returns the pool entries used."""
    j = b & (heads.shape[0] - 1)
    pool[used, 0] = v
    pool[used, 1] = heads[j]
    heads[j] = used
    return used + 1


@njit(cache=True, nogil=True)
def _search(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    length: np.ndarray,
    width: float,
    s_node: np.ndarray,
    s_cost: np.ndarray,
    s_len: np.ndarray,
    limit: float,
    want_len: bool,
    ws: tuple,
    target_col: np.ndarray,
    n_targets: int,
    row_t: np.ndarray,
    row_l: np.ndarray,
) -> int:
    """One search; settled nodes go to ``reached`` in settling order (non-decreasing time).

    With ``n_targets > 0``, the time (and length) of every node ``v`` with
    ``target_col[v] >= 0`` is written to ``row_t[target_col[v]]`` and the
    search stops when all targets are settled. Returns the number of nodes
    settled; their times are in ``dist``.
    """
    dist, plen, state, gen, heap, far, pool, heads, reached = ws
    g = gen[0] + 1
    if g >= 2**29:
        state[:] = 0
        g = 1
    gen[0] = g
    seen, settled = 2 * g, 2 * g + 1
    bits = dist.view(np.int64)
    inv = 1.0 / width
    n_buckets = heads.shape[0]
    as_time = np.empty(1)  # reads a far entry's key bits back as seconds
    as_bits = as_time.view(np.int64)
    cur = 0  # the current bucket
    size = 0  # entries in the heap (the current bucket)
    fsize = 0  # entries in the far heap
    used = 0  # pool entries used (bucket entries pushed)
    listed = 0  # pool entries not yet moved out of their bucket
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
            fsize = _push(far, fsize, bits[v], v)  # the first step below moves the starts into their buckets
    found = 0
    n_settled = 0
    while True:
        if size == 0:  # the current bucket is done: on to the next one that holds entries
            if listed == 0 and fsize == 0:
                break
            if listed > 0:
                cur += 1
                while heads[cur & (n_buckets - 1)] < 0:
                    cur += 1
            else:
                as_bits[0] = far[0, 0]
                cur = _bucket(as_time[0], inv)
            while fsize > 0:  # far entries the window now covers move into their buckets
                as_bits[0] = far[0, 0]
                b = _bucket(as_time[0], inv)
                if b - cur >= n_buckets:
                    break
                v = far[0, 1]
                key = far[0, 0]
                fsize = _pop(far, fsize)
                if state[v] == settled:
                    continue
                if b == cur:
                    size = _push(heap, size, key, v)
                else:
                    used = _list(pool, heads, used, b, v)
                    listed += 1
            j = cur & (n_buckets - 1)
            p = heads[j]
            heads[j] = -1
            while p >= 0:
                v = pool[p, 0]
                if state[v] != settled:
                    size = _push(heap, size, bits[v], v)
                listed -= 1
                p = pool[p, 1]
            continue
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
                b = _bucket(nd, inv)
                if b == cur:
                    size = _push(heap, size, bits[v], v)
                elif b - cur < n_buckets:
                    used = _list(pool, heads, used, b, v)
                    listed += 1
                else:
                    fsize = _push(far, fsize, bits[v], v)
    # stopped early at the last target: leave the queue empty for the next search
    heap[:size, 0] = _EMPTY
    far[:fsize, 0] = _EMPTY
    if listed > 0:
        heads[:] = -1
    return n_settled


@njit(cache=True, nogil=True)
def _settle(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    width: float,
    s_node: np.ndarray,
    s_cost: np.ndarray,
    limit: float,
    ws: tuple,
) -> int:
    """One search without targets or lengths: settled nodes go to ``reached``, their times stay in ``dist``."""
    no_col = np.empty(0, dtype=np.int64)
    no_row = np.empty(0)
    n_targets = no_col.shape[0]  # 0, but not a literal: one compiled _search serves every kernel
    return _search(
        indptr, indices, weight, weight, width, s_node, s_cost, s_cost, limit, n_targets > 0,
        ws, no_col, n_targets, no_row, no_row,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def search_targets(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    length: np.ndarray,
    width: float,
    start_ptr: np.ndarray,
    start_node: np.ndarray,
    start_cost: np.ndarray,
    start_len: np.ndarray,
    limit: float,
    target_col: np.ndarray,
    n_targets: int,
    want_len: bool,
    ws: tuple,
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
            indptr, indices, weight, length, width,
            start_node[a:b], start_cost[a:b], start_len[a:b], limit, want_len,
            ws, target_col, n_targets, out_t[s], out_l[s],
        )  # fmt: skip
    return out_t, out_l


@njit(cache=True, nogil=True)
def search_reached(
    indptr: np.ndarray,
    indices: np.ndarray,
    weight: np.ndarray,
    width: float,
    start_ptr: np.ndarray,
    start_node: np.ndarray,
    start_cost: np.ndarray,
    limit: float,
    ws: tuple,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every node each search reaches within ``limit``, in CSR form.

    Returns ``(ptr, node, time_s)``: search ``s`` reaches
    ``node[ptr[s]:ptr[s + 1]]`` at ``time_s[ptr[s]:ptr[s + 1]]`` seconds, in
    the order they were settled (non-decreasing time).
    """
    dist, reached = ws[0], ws[8]
    k = start_ptr.shape[0] - 1
    ptr = np.zeros(k + 1, dtype=np.int64)
    out_node = np.empty(0, dtype=np.int64)  # sized by the first search, then doubled as needed
    out_time = np.empty(0)
    used = 0
    for s in range(k):
        a, b = start_ptr[s], start_ptr[s + 1]
        m = _settle(indptr, indices, weight, width, start_node[a:b], start_cost[a:b], limit, ws)
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
    width: float,
    start_ptr: np.ndarray,
    start_node: np.ndarray,
    start_cost: np.ndarray,
    limit: float,
    node_weight: np.ndarray,
    ws: tuple,
) -> np.ndarray:
    """Per search, the sum of ``node_weight`` over the nodes it reaches within ``limit``."""
    reached = ws[8]
    k = start_ptr.shape[0] - 1
    out = np.zeros(k)
    for s in range(k):
        a, b = start_ptr[s], start_ptr[s + 1]
        m = _settle(indptr, indices, weight, width, start_node[a:b], start_cost[a:b], limit, ws)
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
