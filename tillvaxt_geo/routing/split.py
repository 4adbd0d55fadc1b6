"""Splitting the searches of a matrix or an accessibility run over Dask workers, each holding the network once.

The network (with its compiled graphs) is scattered to every worker once and
kept there for later calls with the same client (:func:`scattered_network`);
each task searches from one block of places (the side a serial run searches
from) with the same kernels, and the blocks come back in order, so a matrix
equals the serial one exactly. The numba kernels load from the per-user cache
on each worker process the first time (compiled there once if the cache is cold).
"""

from __future__ import annotations

import dataclasses
import uuid
import weakref
from collections.abc import Callable
from typing import Any

import numpy as np

from tillvaxt_geo.errors import ConfigError, NetworkError
from tillvaxt_geo.network.places import Places
from tillvaxt_geo.network.types import Network

__all__ = ["map_places", "origin_blocks", "scattered_network", "take_places"]

# (client id, id(network)) -> (weak reference to the network, its future on the workers)
_SCATTERED: dict[tuple[str, int], tuple[weakref.ref[Network], Any]] = {}


def scattered_network(client: Any, net: Network) -> Any:
    """The network on every worker of ``client``: scattered on first use, reused by later calls.

    The copy stays on the workers while both the client and the network
    object live; a network garbage-collected here, or a new client, scatters
    anew. Its compiled graphs travel with it, so no worker rebuilds them.
    """
    for key in [k for k, (ref, _) in _SCATTERED.items() if ref() is None]:
        del _SCATTERED[key]
    key = (str(client.id), id(net))
    held = _SCATTERED.get(key)
    if held is not None and held[0]() is net and held[1].status == "finished":
        return held[1]
    future = client.scatter(net, broadcast=True, hash=False)
    _SCATTERED[key] = (weakref.ref(net), future)
    return future


def take_places(places: Places, index: np.ndarray) -> Places:
    """The places at positions ``index``, in that order."""
    return dataclasses.replace(
        places,
        ids=places.ids[index],
        layer=places.layer[index],
        node=places.node[index],
        snap_m=places.snap_m[index],
        xy=places.xy[index],
    )


def origin_blocks(n_origins: int, *, n_workers: int, chunk_size: int | None = None) -> list[np.ndarray]:
    """Consecutive blocks of origin positions: ``chunk_size`` each, or four blocks per worker."""
    if chunk_size is None:
        chunk_size = max(1, -(-n_origins // max(4 * n_workers, 1)))
    if chunk_size < 1:
        raise ConfigError(f"chunk_size must be at least 1 origin, found {chunk_size}")
    return [np.arange(start, min(start + chunk_size, n_origins)) for start in range(0, n_origins, chunk_size)]


def map_places(
    client: Any,
    net: Network,
    places: Places,
    function: Callable[..., Any],
    *args: Any,
    chunk_size: int | None = None,
) -> list[Any]:
    """``function(net, block_of_places, *args)`` for every block of ``places`` on the client's workers, in order.

    Parameters
    ----------
    client
        A ``distributed.Client``.
    net
        The network; scattered to every worker once (:func:`scattered_network`).
    places
        The resolved places to split (the side the searches start from).
    function
        A top-level (picklable) function.
    args
        Further arguments, the same for every block (destinations, mode …).
    chunk_size
        Places per task (default: four tasks per worker).

    Raises
    ------
    NetworkError
        A block failed on its worker (the message names the origins).
    """
    n_workers = len(client.scheduler_info().get("workers", {})) or 1
    blocks = origin_blocks(len(places), n_workers=n_workers, chunk_size=chunk_size)
    remote = scattered_network(client, net)
    token = uuid.uuid4().hex[:12]
    futures = [
        client.submit(function, remote, take_places(places, b), *args, key=f"origins-{token}-{b[0]}", pure=False)
        for b in blocks
    ]
    results = []
    try:
        for block, future in zip(blocks, futures, strict=True):
            try:
                results.append(future.result())
            except (ConfigError, NetworkError):
                raise
            except Exception as exc:
                raise NetworkError(
                    f"places {block[0]}–{block[-1]} failed on their Dask worker ({type(exc).__name__}: {exc}); "
                    "nothing was returned. Check the workers' logs and run again"
                ) from exc
    finally:
        for future in futures:
            future.release()
    return results
