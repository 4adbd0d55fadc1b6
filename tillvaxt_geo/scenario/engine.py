"""Where samples run: serially in this process, or as Dask tasks on a LocalCluster or a remote scheduler.

Dask is an optional extra (``pip install 'tillvaxt-geo[dask]'``). :func:`connect`
returns a ``distributed.Client`` (a LocalCluster sized to the machine, or an
existing scheduler at an address), :func:`map_chunks` runs one function over
blocks of sample rows and returns the blocks in sample order, whatever the
engine, so a fixed seed gives the same figures serially and on any cluster.
"""

from __future__ import annotations

import logging
import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any

import numpy as np

from tillvaxt_geo.errors import ConfigError, ModelError, TillvaxtError

__all__ = [
    "DASK_HINT",
    "SCHEDULER_ENV",
    "chunk_bounds",
    "connect",
    "dask_available",
    "map_chunks",
]

#: the environment variable naming a scheduler, as Dask's own tools read it
SCHEDULER_ENV = "DASK_SCHEDULER_ADDRESS"
DASK_HINT = "install the dask extra to run in parallel: pip install 'tillvaxt-geo[dask]'"

log = logging.getLogger(__name__)


def dask_available() -> bool:
    """Whether ``dask.distributed`` can be imported."""
    try:
        import distributed  # noqa: F401
    except ImportError:
        return False
    return True


@contextmanager
def connect(scheduler: str | None = None, *, n_workers: int | None = None, timeout_s: float = 10.0) -> Iterator[Any]:
    """A ``distributed.Client``: to ``scheduler`` (or ``$DASK_SCHEDULER_ADDRESS``), else a new LocalCluster.

    The LocalCluster (worker processes, one thread each, bound to
    127.0.0.1, no dashboard, the active memory manager off so that data
    broadcast to every worker stays there) is closed when the block ends; a
    remote cluster is left running, with its own configuration (its memory
    manager may drop idle copies; a worker then fetches one from a peer).

    Parameters
    ----------
    scheduler
        ``tcp://host:8786``; ``None`` reads ``DASK_SCHEDULER_ADDRESS``, and
        without it starts a LocalCluster.
    n_workers
        Workers of the LocalCluster (default: the machine's cores).
    timeout_s
        How long to wait for a scheduler to answer.

    Raises
    ------
    ConfigError
        Dask is not installed, or the scheduler does not answer within ``timeout_s``.
    """
    if not dask_available():
        raise ConfigError(f"Dask is not installed; {DASK_HINT}, or run serially (--serial)")
    from distributed import Client, LocalCluster

    address = scheduler or os.environ.get(SCHEDULER_ENV) or None
    if address:
        try:
            client = Client(address, timeout=f"{timeout_s}s")
        except (OSError, TimeoutError) as exc:
            where = "--scheduler" if scheduler else SCHEDULER_ENV
            raise ConfigError(
                f"no Dask scheduler answered at {address!r} ({where}) within {timeout_s:g} s: {exc}. "
                f"Start one with 'dask scheduler' and 'dask worker {address}', fix the address, "
                f"or unset {SCHEDULER_ENV} to use a local cluster"
            ) from None
        try:
            yield client
        finally:
            client.close()
        return
    workers = n_workers if n_workers is not None else max(os.cpu_count() or 1, 1)
    if workers < 1:
        raise ConfigError(f"a local cluster needs at least one worker, found n_workers={workers}")
    import dask

    # Dask's active memory manager drops replicas of data no task waits for: the prepared run or network
    # broadcast to every worker would then travel again between calls; our own cluster keeps every copy
    with dask.config.set({"distributed.scheduler.active-memory-manager.start": False}):
        cluster = LocalCluster(
            n_workers=workers, threads_per_worker=1, processes=True, host="127.0.0.1", dashboard_address=None
        )
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close()
        cluster.close()


def chunk_bounds(n_rows: int, *, chunk_size: int) -> list[tuple[int, int]]:
    """``[start, stop)`` of consecutive blocks of ``n_rows`` rows, each at most ``chunk_size`` long."""
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be at least 1, found {chunk_size}")
    return [(start, min(start + chunk_size, n_rows)) for start in range(0, n_rows, chunk_size)]


def map_chunks(
    function: Callable[..., np.ndarray],
    shared: Any,
    rows: np.ndarray,
    *,
    args: Sequence[Any] = (),
    client: Any = None,
    chunk_size: int = 64,
    retries: int = 2,
    progress: Callable[[int, int], None] | None = None,
) -> np.ndarray:
    """``function(shared, block, *args)`` over blocks of ``rows``, stacked in row order.

    With a client, ``shared`` (the prepared run) is scattered to every
    worker once and each block is one task (retried ``retries`` times if
    its worker dies); without one, blocks run here in turn.

    Parameters
    ----------
    function
        Top-level (picklable) function returning one result row per input row.
    shared
        The large read-only object every block needs.
    rows
        Samples × parameters.
    args
        Further small arguments of ``function``.
    client
        A ``distributed.Client``, or ``None`` for serial.
    chunk_size
        Rows per task.
    retries
        Retries of a task whose worker died.
    progress
        Called with ``(rows done, rows total)`` as blocks finish.

    Raises
    ------
    ModelError
        Blocks were lost (their workers died past the retries): names the lost samples.
    """
    bounds = chunk_bounds(len(rows), chunk_size=chunk_size)
    total = len(rows)
    if client is None:
        blocks = []
        done = 0
        for start, stop in bounds:
            blocks.append(function(shared, rows[start:stop], *args))
            done += stop - start
            if progress is not None:
                progress(done, total)
        return np.vstack(blocks) if blocks else np.empty((0, 0))

    from distributed import as_completed

    # a fresh key per call (hash=False): with content hashing, a second call with the same data could be
    # handed the key the first call is just releasing, and its tasks would lose their dependency
    remote = client.scatter(shared, broadcast=True, hash=False)
    token = uuid.uuid4().hex[:12]  # keys unique per call: a client never mixes two runs' blocks
    futures = [
        client.submit(
            function, remote, rows[start:stop], *args, pure=False, retries=retries, key=f"samples-{token}-{start}"
        )
        for start, stop in bounds
    ]
    index = {f.key: i for i, f in enumerate(futures)}
    results: list[np.ndarray | None] = [None] * len(futures)
    lost: list[tuple[int, int]] = []
    done = 0
    try:
        for future in as_completed(futures):
            i = index[future.key]
            start, stop = bounds[i]
            try:
                results[i] = future.result()
            except TillvaxtError:
                raise
            except Exception as exc:  # noqa: BLE001 - a lost worker surfaces as several distributed/comm errors
                log.error("samples %d–%d lost: %s", start, stop - 1, exc)
                lost.append((start, stop))
                continue
            done += stop - start
            if progress is not None:
                progress(done, total)
    finally:
        for future in futures:
            future.release()
    if lost:
        spans = ", ".join(f"{a}–{b - 1}" for a, b in sorted(lost))
        raise ModelError(
            f"{sum(b - a for a, b in lost)} of {total} samples were lost when their workers failed "
            f"(samples {spans}) after {retries} retries; nothing was written. Check the workers' logs and run again"
        )
    return np.vstack([r for r in results if r is not None])
