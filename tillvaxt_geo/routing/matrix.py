"""Travel-time matrices on a compiled network: modes, places and the long OD table.

Origins and destinations are given as a layer name (``"zones"``,
``"mine_sites"``, ``"housing_land"``, ``"rail_stations"``), a GeoDataFrame of
points or polygons (ids from its id column or index; polygons by their
representative point), or a list of ids of snapped features (``"a"`` or
``"zones:a"`` when an id exists in several layers).

A trip's time is the access link from the origin to its road node, the
shortest path through the mode's graph, and the egress link to the
destination. ``distance_km`` is the length along that same path (the one of
least time): access and egress links, roads, walks, and for rides the straight
line between consecutive stations.
"""

from __future__ import annotations

import enum
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeAlias

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import CRS

from tillvaxt_geo.errors import ConfigError, CRSError, UnreachableError
from tillvaxt_geo.naming import Choice, did_you_mean
from tillvaxt_geo.network.places import Connectors, Places, connectors, feature_ids, place_points
from tillvaxt_geo.network.types import PLACE_LAYERS, Network
from tillvaxt_geo.routing.search import run_search

__all__ = ["Matrix", "Mode", "PlaceSpec", "resolve_places", "time_matrix", "travel_times"]

log = logging.getLogger(__name__)

PlaceSpec: TypeAlias = str | gpd.GeoDataFrame | Sequence[str] | pd.Index | np.ndarray


class Mode(Choice):
    """Travel modes: car, public transport (walk or park & ride, ride, walk), the faster of both."""

    _what = enum.nonmember(("mode", "modes"))

    CAR = "car"
    PT = "pt"
    BEST = "best"


@dataclass(frozen=True)
class Matrix:
    """An origins × destinations result as arrays (minutes, km; NaN unreachable or beyond the cutoff).

    ``chosen`` holds, for ``mode="best"``, which mode ("car"/"pt") won each pair.
    """

    origins: Places
    destinations: Places
    mode: Mode
    time_min: np.ndarray
    distance_km: np.ndarray
    chosen: np.ndarray | None = None


# --------------------------------------------------------------------------- places


def _from_snaps(net: Network, rows: np.ndarray) -> Places:
    snaps = net.snaps
    return Places(
        ids=snaps["feature_id"].to_numpy(dtype=object)[rows],
        layer=snaps["layer"].to_numpy(dtype=object)[rows],
        node=snaps["node"].to_numpy(dtype=np.int64)[rows],
        snap_m=snaps["snap_distance_m"].to_numpy(dtype=float)[rows],
        xy=snaps[["x", "y"]].to_numpy(dtype=float)[rows],
    )


def _layer_rows(net: Network, layer: str) -> np.ndarray:
    return np.flatnonzero(net.snaps["layer"].to_numpy() == layer)


def _ids_places(net: Network, ids: Sequence[Any], role: str) -> Places:
    index = net.snap_index
    by_id: dict[str, list[int]] = {}
    for (_layer, fid), row in index.items():
        by_id.setdefault(fid, []).append(row)
    rows: list[int] = []
    for raw in ids:
        item = str(raw)
        layer, _, fid = item.partition(":")
        if fid and layer in PLACE_LAYERS:
            found_row = index.get((layer, fid))
            if found_row is None:
                known = [f for (lay, f) in index if lay == layer]
                raise ConfigError(f"{role}: no {layer} feature with id {fid!r}.{did_you_mean(fid, known)}")
            rows.append(found_row)
            continue
        found = by_id.get(item, [])
        if not found:
            raise ConfigError(
                f"{role}: {item!r} is neither a snapped feature id nor a layer name "
                f"({', '.join(PLACE_LAYERS)}).{did_you_mean(item, by_id)}"
            )
        if len(found) > 1:
            layers = ", ".join(f"{net.snaps['layer'].iloc[r]}:{item}" for r in found)
            raise ConfigError(f"{role}: id {item!r} exists in several layers; write one of {layers}")
        rows.append(found[0])
    return _from_snaps(net, np.asarray(rows, dtype=np.int64))


def _frame_places(net: Network, frame: gpd.GeoDataFrame, role: str) -> Places:
    if frame.crs is None:
        raise CRSError(f"{role}: the GeoDataFrame has no CRS; set it with set_crs (never assumed)")
    if not CRS(frame.crs).equals(net.crs):
        frame = frame.to_crs(net.crs)
    ids = feature_ids(frame)
    xy = place_points(frame)
    if len(frame) and not np.isfinite(xy).all():
        bad = ids[~np.isfinite(xy).all(axis=1)]
        raise ConfigError(f"{role}: feature(s) {', '.join(map(repr, bad[:10]))} have no geometry")
    # features of a snapped layer, unchanged: use the network's own snapping
    for layer in PLACE_LAYERS:
        rows = [net.snap_index.get((layer, str(i))) for i in ids]
        if len(ids) and all(r is not None for r in rows):
            sel = np.asarray(rows, dtype=np.int64)
            snapped = net.snaps[["x", "y"]].to_numpy()[sel]
            if np.allclose(snapped, xy, rtol=0, atol=1e-6):
                return _from_snaps(net, sel)
    node, dist = net.snap_points(xy)
    far = dist > net.options.max_snap_m
    if far.any():
        listed = ", ".join(f"'{i}' ({d:,.0f} m)" for i, d in zip(ids[far][:10], dist[far][:10], strict=True))
        raise UnreachableError(
            f"{role}: {int(far.sum())} place(s) lie farther than max_snap_m={net.options.max_snap_m:g} m "
            f"from the road network: {listed}; check the CRS and coordinates, or build the network with a "
            "larger max_snap_m"
        )
    return Places(ids=ids, layer=np.full(len(ids), "", dtype=object), node=node, snap_m=dist, xy=xy)


def resolve_places(net: Network, spec: PlaceSpec, *, role: str = "places") -> Places:
    """Turn a layer name, GeoDataFrame or list of ids into places on the network.

    Parameters
    ----------
    net
        The network.
    spec
        A layer name, a GeoDataFrame (any CRS; reprojected), or feature ids.
    role
        Named in error messages (``"origins"``, ``"destinations"``).

    Returns
    -------
    Places
        Ids, layer, road node and snapping distance per place.
    """
    if isinstance(spec, gpd.GeoDataFrame):
        return _frame_places(net, spec, role)
    if isinstance(spec, str):
        if spec in PLACE_LAYERS:
            if net.layers is not None and getattr(net.layers, spec, None) is None:
                raise ConfigError(f"{role}: the network's layer set has no layer '{spec}'")
            return _from_snaps(net, _layer_rows(net, spec))
        return _ids_places(net, [spec], role)
    if isinstance(spec, pd.DataFrame):
        raise ConfigError(f"{role}: a DataFrame without geometry cannot be placed; pass a GeoDataFrame or ids")
    return _ids_places(net, list(spec), role)


# --------------------------------------------------------------------------- matrices


def _check_limit(max_time_min: float | None) -> float | None:
    if max_time_min is None:
        return None
    value = float(max_time_min)
    if not np.isfinite(value) or value <= 0:
        raise ConfigError(f"max_time_min must be a positive number of minutes or None, got {max_time_min!r}")
    return value


def _single_mode(
    net: Network,
    origins: Places,
    destinations: Places,
    mode: str,
    *,
    limit_min: float | None,
    workers: int | None,
    distance: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    graph = net.compiled(mode)
    o_conn = connectors(net, origins, mode, role="origin")
    d_conn = connectors(net, destinations, mode, role="destination")
    n_o, n_d = len(origins), len(destinations)
    time_s = np.full((n_o, n_d), np.inf)
    length = np.full((n_o, n_d), np.nan)
    if n_o == 0 or n_d == 0:
        return time_s, length
    reverse = _distinct(d_conn) < _distinct(o_conn)
    search, target = (d_conn, o_conn) if reverse else (o_conn, d_conn)
    edge_length = net.edges["length_m"].to_numpy()
    limit_s = None if limit_min is None else limit_min * 60.0
    for place, t, dist in run_search(
        graph, edge_length, search, target, reverse=reverse, limit_s=limit_s, workers=workers, distance=distance
    ):
        if reverse:
            time_s[:, place], length[:, place] = t.T, dist.T
        else:
            time_s[place], length[place] = t, dist
    return time_s, length


def _distinct(conn: Connectors) -> int:
    key = np.hstack([conn.node, conn.cost_s.view(np.int64)])
    return len(np.unique(key, axis=0)) if len(key) else 0


def time_matrix(
    net: Network,
    origins: PlaceSpec | Places,
    destinations: PlaceSpec | Places,
    *,
    mode: str | Mode = Mode.CAR,
    max_time_min: float | None = None,
    workers: int | None = None,
    distance: bool = True,
    client: Any = None,
    chunk_size: int | None = None,
) -> Matrix:
    """Travel times and distances as origins × destinations arrays.

    Same parameters as :func:`travel_times`; the result keeps arrays instead
    of a long table (the form the commute model and accessibility use).
    """
    parsed = Mode.parse(mode)
    limit = _check_limit(max_time_min)
    o = origins if isinstance(origins, Places) else resolve_places(net, origins, role="origins")
    d = destinations if isinstance(destinations, Places) else resolve_places(net, destinations, role="destinations")
    if client is not None and len(o) and len(d):
        from tillvaxt_geo.routing.split import map_places

        # split the side the serial run searches from: a block of it is never larger than the other side,
        # so every search runs in the same direction as serially and gives the same minutes to the last bit
        first = "car" if parsed is Mode.BEST else parsed.value
        from_d = _distinct(connectors(net, d, first, role="destination")) < _distinct(
            connectors(net, o, first, role="origin")
        )
        args = (o if from_d else d, parsed.value, limit, distance, from_d)
        parts = map_places(client, net, d if from_d else o, _matrix_block, *args, chunk_size=chunk_size)
        stack = np.hstack if from_d else np.vstack
        chosen_parts = [p.chosen for p in parts]
        return Matrix(
            origins=o,
            destinations=d,
            mode=parsed,
            time_min=stack([p.time_min for p in parts]),
            distance_km=stack([p.distance_km for p in parts]),
            chosen=None if chosen_parts[0] is None else stack([c for c in chosen_parts if c is not None]),
        )
    chosen = None
    if parsed is Mode.BEST:
        car_t, car_l = _single_mode(net, o, d, "car", limit_min=limit, workers=workers, distance=distance)
        pt_t, pt_l = _single_mode(net, o, d, "pt", limit_min=limit, workers=workers, distance=distance)
        use_pt = pt_t < car_t
        time_s = np.where(use_pt, pt_t, car_t)
        length = np.where(use_pt, pt_l, car_l)
        chosen = np.where(np.isfinite(time_s), np.where(use_pt, "pt", "car"), "").astype(object)
    else:
        time_s, length = _single_mode(net, o, d, parsed.value, limit_min=limit, workers=workers, distance=distance)
    time_min = time_s / 60.0
    if limit is not None:
        time_min = np.where(time_min <= limit, time_min, np.inf)
    missing = ~np.isfinite(time_min)
    time_min[missing] = np.nan
    length = np.where(missing, np.nan, length / 1000.0)
    if chosen is not None:
        chosen[missing] = ""
    n_missing = int(missing.sum())
    if n_missing:
        if limit is None:
            log.warning(
                "%d of %d %s trips are unreachable (disconnected network?); kept as NaN",
                n_missing,
                missing.size,
                parsed.value,
            )
        else:
            log.info(
                "%d of %d %s trips are beyond the %g-min cutoff or unreachable; kept as NaN",
                n_missing,
                missing.size,
                parsed.value,
                limit,
            )
    return Matrix(origins=o, destinations=d, mode=parsed, time_min=time_min, distance_km=length, chosen=chosen)


def _matrix_block(
    net: Network, block: Places, other: Places, mode: str, limit: float | None, distance: bool, from_d: bool
) -> Matrix:
    """One block of origins (or of destinations, ``from_d``) on a Dask worker: one thread, the serial path."""
    o, d = (other, block) if from_d else (block, other)
    return time_matrix(net, o, d, mode=mode, max_time_min=limit, workers=1, distance=distance)


def travel_times(
    net: Network,
    origins: PlaceSpec,
    destinations: PlaceSpec,
    *,
    mode: str | Mode = Mode.CAR,
    max_time_min: float | None = None,
    workers: int | None = None,
    distance: bool = True,
    client: Any = None,
    chunk_size: int | None = None,
) -> pd.DataFrame:
    """Travel times between every origin and every destination, as a long table.

    Parameters
    ----------
    net
        A network from :func:`tillvaxt_geo.network.build.build_network`.
    origins, destinations
        Layer names, GeoDataFrames of points/polygons, or lists of ids of
        snapped features.
    mode
        ``"car"``, ``"pt"`` or ``"best"`` (the faster of the two per pair).
    max_time_min
        Stop searching beyond this time; pairs beyond it are NaN.
    workers
        Threads for large matrices (``None``: every core for large jobs, one for small ones).
    distance
        Also measure ``distance_km`` along each path (``False``: the column
        is NaN and large matrices are about a third faster).
    client
        A ``distributed.Client``: origins are split into blocks searched on
        its workers, each holding the network once (the ``dask`` extra);
        the result equals the serial one.
    chunk_size
        Origins per Dask task (default: four tasks per worker).

    Returns
    -------
    pandas.DataFrame
        One row per origin × destination pair (origins outer): ``from_id``,
        ``to_id``, ``mode``, ``travel_time_min``, ``distance_km`` (along the
        fastest path), and for ``mode="best"`` also ``chosen_mode``. Pairs
        unreachable or beyond the cutoff are kept with NaN; their number is
        logged.

    Raises
    ------
    ConfigError
        Unknown mode, layer or id (with close matches).
    UnreachableError
        A GeoDataFrame place lies farther than ``max_snap_m`` from the roads.
    NetworkError
        ``pt`` or ``best`` on a network without public transport.
    """
    m = time_matrix(
        net, origins, destinations, mode=mode, max_time_min=max_time_min, workers=workers, distance=distance,
        client=client, chunk_size=chunk_size,
    )  # fmt: skip
    n_o, n_d = m.time_min.shape
    frame = pd.DataFrame(
        {
            "from_id": np.repeat(m.origins.ids.astype(str), n_d),
            "to_id": np.tile(m.destinations.ids.astype(str), n_o),
            "mode": m.mode.value,
            "travel_time_min": m.time_min.ravel(),
            "distance_km": m.distance_km.ravel(),
        }
    )
    if m.chosen is not None:
        frame["chosen_mode"] = m.chosen.ravel().astype(str)
    return frame
