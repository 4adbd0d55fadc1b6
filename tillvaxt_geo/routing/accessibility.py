"""Accessibility: per zone, the jobs (or people) reachable within T minutes, or decay-weighted.

``A_z = sum over opportunities o reached within T of w_o * f(t_zo)`` with
``f = 1`` (a cumulative count) or a decay function of the travel time in
minutes. Large runs are reduced chunk by chunk, never holding the full
matrix, and spread over the cores.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.network.places import Places, connectors
from tillvaxt_geo.network.types import PLACE_LAYERS, Network
from tillvaxt_geo.routing.matrix import Mode, PlaceSpec, _check_limit, _distinct, resolve_places, time_matrix
from tillvaxt_geo.routing.search import reach_sums, run_search

__all__ = ["accessibility"]

Decay = Callable[[np.ndarray], np.ndarray]


def _weights(net: Network, opportunities: PlaceSpec, column: str) -> tuple[Places, np.ndarray]:
    if isinstance(opportunities, str) and opportunities in PLACE_LAYERS:
        frame = getattr(net.layers, opportunities, None) if net.layers is not None else None
        if frame is None:
            raise ConfigError(f"opportunities: the network has no layer '{opportunities}' to take '{column}' from")
    elif isinstance(opportunities, gpd.GeoDataFrame):
        frame = opportunities
    else:
        raise ConfigError("opportunities must be a layer name or a GeoDataFrame with the weight column")
    if column not in frame.columns:
        raise ConfigError(f"opportunities have no column '{column}'; columns: {', '.join(map(str, frame.columns))}")
    weights = pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float)
    if not np.isfinite(weights).all():
        raise ConfigError(f"opportunities: column '{column}' has missing or non-numeric values")
    places = resolve_places(net, opportunities, role="opportunities")
    return places, weights


def _zone_index(net: Network, zones: PlaceSpec, places: Places) -> pd.Index:
    if isinstance(zones, gpd.GeoDataFrame):
        return zones.index
    if isinstance(zones, str) and zones in PLACE_LAYERS and net.layers is not None:
        frame = getattr(net.layers, zones, None)
        if frame is not None and len(frame) == len(places):
            return frame.index
    return pd.Index(places.ids.astype(str))


def _apply(decay: Decay | None, minutes: np.ndarray, reach: np.ndarray) -> np.ndarray:
    factor = np.zeros(minutes.shape)
    if decay is None:
        factor[reach] = 1.0
    else:
        factor[reach] = np.asarray(decay(minutes[reach]), dtype=float)
    return factor


def accessibility(
    net: Network,
    zones: PlaceSpec,
    opportunities: PlaceSpec,
    *,
    column: str = "jobs",
    mode: str | Mode = Mode.CAR,
    max_time_min: float | None = 30.0,
    decay: Decay | None = None,
    workers: int | None = None,
    client: Any = None,
    chunk_size: int | None = None,
) -> pd.Series:
    """Opportunities reachable from each zone.

    Parameters
    ----------
    net
        The network.
    zones
        Where people start: a layer name, GeoDataFrame or ids.
    opportunities
        A layer name of the network's layer set (e.g. ``"zones"`` for jobs or
        population) or a GeoDataFrame, holding ``column``.
    column
        The weight to sum (``jobs``, ``population`` ...).
    mode
        ``"car"``, ``"pt"`` or ``"best"`` (``best`` builds the full matrix).
    max_time_min
        Count opportunities within this many minutes (``None``: all reachable).
    decay
        A function of travel time in minutes (numpy arrays in, weights out);
        ``None`` counts every opportunity within the time fully.
    workers
        Threads for large runs (``None``: every core for large jobs, one for small ones).
    client
        A ``distributed.Client``: zones are split into blocks computed on its
        workers, each holding the network once (the ``dask`` extra); the
        result equals the serial one up to float rounding (a block may search
        in the other direction). ``decay`` must then be picklable (a
        :class:`~tillvaxt_geo.model.decay.Decay`-like object, not a lambda).
    chunk_size
        Zones per Dask task (default: four tasks per worker).

    Returns
    -------
    pandas.Series
        Indexed like ``zones``, named e.g. ``jobs_within_30_min_car`` or
        ``jobs_weighted_within_30_min_car`` with a decay.

    Raises
    ------
    ConfigError
        Unknown column, mode, zone or opportunity layer, or a bad cutoff.
    """
    parsed = Mode.parse(mode)
    limit = _check_limit(max_time_min)
    if decay is not None and not callable(decay):
        raise ConfigError(f"decay must be a function of minutes, got {decay!r}")
    z_places = resolve_places(net, zones, role="zones")
    o_places, weights = _weights(net, opportunities, column)
    weighted = "_weighted" if decay is not None else ""
    within = f"_within_{limit:g}_min" if limit is not None else ""
    name = f"{column}{weighted}{within}_{parsed.value}"
    index = _zone_index(net, zones, z_places)
    result = np.zeros(len(z_places))
    if len(z_places) and len(o_places):
        if client is not None:
            from tillvaxt_geo.routing.split import map_places

            args = (o_places, weights, parsed.value, limit, decay)
            result = np.concatenate(map_places(client, net, z_places, _zone_block, *args, chunk_size=chunk_size))
        else:
            result = _zone_block(net, z_places, o_places, weights, parsed.value, limit, decay, workers=workers)
    return pd.Series(result, index=index, name=name)


def _zone_block(
    net: Network,
    zones: Places,
    opps: Places,
    weights: np.ndarray,
    mode: str,
    limit: float | None,
    decay: Decay | None,
    *,
    workers: int | None = 1,
) -> np.ndarray:
    """Accessibility of a block of zones (all of them serially, one block per task on Dask)."""
    if mode == Mode.BEST.value:
        minutes = time_matrix(net, zones, opps, mode=mode, max_time_min=limit, workers=workers).time_min
        reach = np.isfinite(minutes)
        return np.asarray((_apply(decay, minutes, reach) * weights[None, :]).sum(axis=1))
    return _single_mode(net, zones, opps, weights, mode, limit, decay, workers)


def _single_mode(
    net: Network,
    zones: Places,
    opps: Places,
    weights: np.ndarray,
    mode: str,
    limit: float | None,
    decay: Decay | None,
    workers: int | None,
) -> np.ndarray:
    graph = net.compiled(mode)
    z_conn = connectors(net, zones, mode, role="origin")
    o_conn = connectors(net, opps, mode, role="destination")
    reverse = _distinct(o_conn) < _distinct(z_conn)
    limit_s = None if limit is None else limit * 60.0
    n_z = len(zones)

    cutoff_s = np.inf if limit is None else limit * 60.0

    def factor(time_s: np.ndarray) -> np.ndarray:
        reach = time_s <= cutoff_s if limit is not None else np.isfinite(time_s)
        if decay is None:
            return reach.astype(float)
        out = np.zeros(time_s.shape)
        out[reach] = np.asarray(decay(time_s[reach] / 60.0), dtype=float)
        return out

    def forward(place: np.ndarray, time_s: np.ndarray, _length: object) -> tuple[np.ndarray, np.ndarray]:
        return place, factor(time_s) @ weights

    def backward(place: np.ndarray, time_s: np.ndarray, _length: object) -> np.ndarray:
        return weights[place] @ factor(time_s)

    edge_length = net.edges["length_m"].to_numpy()
    n_nodes = graph.n_nodes
    target = o_conn if not reverse else z_conn
    plain = target.node.shape[1] == 1 and not target.cost_s.any()

    def search(reduce: Callable[[np.ndarray, np.ndarray, Any], Any], *, dense: bool = False) -> Iterator[Any]:
        """From the zones, or (``reverse``) from the opportunities on the transposed graph."""
        frm, to = (o_conn, z_conn) if reverse else (z_conn, o_conn)
        return run_search(
            graph, edge_length, frm, to, reverse=reverse, limit_s=limit_s, distance=False, dense=dense,
            workers=workers, reduce=reduce,
        )  # fmt: skip

    result = np.zeros(n_z)
    if plain and not reverse:
        # opportunities sit on nodes: sum their weights per node once, reduce on the node times
        node_w = np.bincount(o_conn.node[:, 0], weights=weights, minlength=n_nodes)
        if decay is None:  # cumulative: the kernel sums the weights of the nodes each search settles
            return reach_sums(graph, z_conn, node_w, limit_s=cutoff_s, workers=workers)
        used = np.flatnonzero(node_w)
        dense_w = node_w if 2 * len(used) > n_nodes else None

        def forward_dense(place: np.ndarray, times: np.ndarray, _length: object) -> tuple[np.ndarray, np.ndarray]:
            if dense_w is not None:
                return place, factor(times) @ dense_w
            return place, factor(times[:, used]) @ node_w[used]

        for place, values in search(forward_dense, dense=True):
            result[place] = values
        return result
    if plain and reverse:
        # zones sit on nodes: reduce on the times to the nodes that have zones, then read them off per zone
        zone_node = z_conn.node[:, 0]
        subset = len(zone_node) * 2 < n_nodes
        nodes_used = np.unique(zone_node) if subset else np.arange(n_nodes)

        def backward_dense(place: np.ndarray, times: np.ndarray, _length: object) -> np.ndarray:
            return weights[place] @ factor(times[:, nodes_used] if subset else times)

        per_node = np.zeros(n_nodes)
        for part in search(backward_dense, dense=True):
            per_node[nodes_used] += part
        return per_node[zone_node]
    if reverse:
        for part in search(backward):
            result += part
    else:
        for place, values in search(forward):
            result[place] = values
    return result
