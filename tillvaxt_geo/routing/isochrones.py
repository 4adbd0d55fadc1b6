"""Isochrones: polygons of the network reached within given minutes, never crow-fly circles.

A band for T minutes is built from the road network reached within T: every
edge whose start is reached contributes the part of it that can be travelled
in the time left (the whole edge, or a piece interpolated at the band edge),
plus the reached nodes and the origin's access link; the lines are then
buffered by ``buffer_m``. Each band is united with the smaller ones, so it
contains them by construction. For ``pt`` the area is what can be reached on
foot (before or after riding): a station's surroundings light up, the track
between stations does not; a car used for park & ride cannot end the trip.
``best`` unites the car and pt bands.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.network.places import Places, connectors
from tillvaxt_geo.network.types import Network
from tillvaxt_geo.routing.matrix import Mode, PlaceSpec, resolve_places
from tillvaxt_geo.routing.search import csr_ptr, node_reach

__all__ = ["ReachedNodes", "isochrones", "reached_nodes", "road_node_times"]


def _minutes(minutes: float | Sequence[float]) -> list[float]:
    values = [minutes] if isinstance(minutes, (int, float)) else list(minutes)
    if not values or any(
        isinstance(m, bool) or not isinstance(m, (int, float)) or not np.isfinite(m) or m <= 0 for m in values
    ):
        raise ConfigError(f"minutes must be positive numbers, got {minutes!r}")
    return sorted({float(m) for m in values})


@dataclass(frozen=True)
class ReachedNodes:
    """Road nodes reached from each origin, as CSR over origins (see :func:`reached_nodes`).

    Origin ``i`` (``origin_ids[i]``) reaches road nodes ``node[ptr[i]:ptr[i + 1]]``
    (rows of ``net.nodes``) in ``minutes[ptr[i]:ptr[i + 1]]``, each node once.
    """

    origin_ids: np.ndarray
    mode: str
    ptr: np.ndarray
    node: np.ndarray
    minutes: np.ndarray

    def __len__(self) -> int:
        return len(self.origin_ids)

    def of(self, i: int) -> tuple[np.ndarray, np.ndarray]:
        """Road nodes and minutes of origin ``i``."""
        a, b = self.ptr[i], self.ptr[i + 1]
        return self.node[a:b], self.minutes[a:b]

    def to_frame(self) -> pd.DataFrame:
        """Long table ``origin_id, mode, node, minutes``."""
        counts = np.diff(self.ptr)
        return pd.DataFrame(
            {
                "origin_id": np.repeat(self.origin_ids.astype(str), counts),
                "mode": self.mode,
                "node": self.node,
                "minutes": self.minutes,
            }
        )


def _pack(place: np.ndarray, node: np.ndarray, seconds: np.ndarray, n_places: int) -> tuple[np.ndarray, ...]:
    """Keep the fastest entry per (place, node), sorted by place, as CSR."""
    order = np.lexsort((seconds, node, place))
    place, node, seconds = place[order], node[order], seconds[order]
    first = np.ones(len(order), dtype=bool)
    first[1:] = (place[1:] != place[:-1]) | (node[1:] != node[:-1])
    place, node, seconds = place[first], node[first], seconds[first]
    ptr = csr_ptr(place, n_places)
    return ptr, node, seconds


def _mode_reach(net: Network, places: Places, mode: str, limit_s: float | None) -> tuple[np.ndarray, ...]:
    """Road nodes reached from each place by ``mode`` ('car' or 'pt'; pt: on foot, either walk layer).

    ``(ptr, node, seconds)`` as CSR over places, node = road node index.
    """
    graph = net.compiled(mode)
    conn = connectors(net, places, mode, role="origin")
    ptr, node, seconds = node_reach(graph, conn, limit_s=limit_s)
    r = net.n_road_nodes
    if mode == "car":
        if (node < r).all():
            return ptr, node, seconds
        place = np.repeat(np.arange(len(places)), np.diff(ptr))
        keep = node < r
        return _pack(place[keep], node[keep], seconds[keep], len(places))
    place = np.repeat(np.arange(len(places)), np.diff(ptr))
    keep = (node >= r) & (node < 3 * r)
    return _pack(place[keep], (node[keep] - r) % r, seconds[keep], len(places))


def reached_nodes(
    net: Network,
    origins: PlaceSpec | Places,
    *,
    mode: str | Mode = Mode.CAR,
    max_time_min: float | None = None,
) -> ReachedNodes:
    """The road nodes each origin reaches, and in how many minutes: an isochrone's node set.

    Costs only what the searches reach (no array over the whole network), so
    a 30-minute set on a national graph is as quick as on a county's. For
    ``pt`` a road node counts as reached on foot (before or after riding);
    ``best`` takes the faster of car and pt per node.

    Parameters
    ----------
    net
        The network.
    origins
        A layer name, GeoDataFrame or ids (see :func:`tillvaxt_geo.routing.matrix.travel_times`).
    mode
        ``"car"``, ``"pt"`` or ``"best"``.
    max_time_min
        Search no further than this (``None``: every reachable node).

    Returns
    -------
    ReachedNodes
        Per origin, its road nodes (rows of ``net.nodes``) and minutes.
    """
    parsed = Mode.parse(mode)
    places = origins if isinstance(origins, Places) else resolve_places(net, origins, role="origins")
    limit_s = None if max_time_min is None else float(max_time_min) * 60.0
    if parsed is Mode.BEST:
        parts = [_mode_reach(net, places, m, limit_s) for m in ("car", "pt")]
        place = np.concatenate([np.repeat(np.arange(len(places)), np.diff(p[0])) for p in parts])
        ptr, node, seconds = _pack(
            place, np.concatenate([p[1] for p in parts]), np.concatenate([p[2] for p in parts]), len(places)
        )
    else:
        ptr, node, seconds = _mode_reach(net, places, parsed.value, limit_s)
    minutes = seconds / 60.0
    if max_time_min is not None and (minutes > max_time_min).any():  # a rounding hair over the limit
        keep = minutes <= max_time_min
        place = np.repeat(np.arange(len(places)), np.diff(ptr))
        ptr = csr_ptr(place[keep], len(places))
        node, minutes = node[keep], minutes[keep]
    return ReachedNodes(origin_ids=places.ids, mode=parsed.value, ptr=ptr, node=node, minutes=minutes)


def road_node_times(
    net: Network,
    origins: PlaceSpec | Places,
    *,
    mode: str | Mode = Mode.CAR,
    max_time_min: float | None = None,
) -> np.ndarray:
    """Minutes from each origin to every road node (NaN beyond the cutoff or unreachable).

    For ``pt`` a road node counts as reached on foot (before or after
    riding); ``best`` is the smaller of car and pt. The dense form of
    :func:`reached_nodes`.

    Parameters
    ----------
    net
        The network.
    origins
        A layer name, GeoDataFrame or ids (see :func:`tillvaxt_geo.routing.matrix.travel_times`).
    mode
        ``"car"``, ``"pt"`` or ``"best"``.
    max_time_min
        Search no further than this.

    Returns
    -------
    numpy.ndarray
        ``(n_origins, n_road_nodes)`` minutes; road node ``i`` is row ``i`` of ``net.nodes``.
    """
    reached = reached_nodes(net, origins, mode=mode, max_time_min=max_time_min)
    out = np.full((len(reached), net.n_road_nodes), np.nan)
    out[np.repeat(np.arange(len(reached)), np.diff(reached.ptr)), reached.node] = reached.minutes
    return out


def _band(
    place_xy: np.ndarray,
    node_xy: np.ndarray,
    time_s: np.ndarray,
    access_s: float,
    access_node: int,
    tails: np.ndarray,
    heads: np.ndarray,
    edge_s: np.ndarray,
    limit_s: float,
    buffer_m: float,
) -> shapely.Geometry:
    t_tail = time_s[tails]
    sel = np.isfinite(t_tail) & (t_tail <= limit_s)
    tail, head, w, t0 = tails[sel], heads[sel], edge_s[sel], t_tail[sel]
    with np.errstate(divide="ignore", invalid="ignore"):
        frac = np.where(w > 0, np.clip((limit_s - t0) / np.where(w > 0, w, 1.0), 0.0, 1.0), 1.0)
    # whole edges once per undirected pair, pieces where the band ends inside an edge
    full = frac >= 1.0
    pair = np.unique(np.sort(np.stack([tail[full], head[full]], axis=1), axis=1), axis=0)
    part = (frac > 0) & ~full
    p0 = np.vstack([node_xy[pair[:, 0]], node_xy[tail[part]]])
    p1 = np.vstack(
        [node_xy[pair[:, 1]], node_xy[tail[part]] + (node_xy[head[part]] - node_xy[tail[part]]) * frac[part, None]]
    )
    parts: list[shapely.Geometry] = []
    if len(p0):
        lines = shapely.multilinestrings(shapely.linestrings(np.stack([p0, p1], axis=1)))
        # merged into long lines and simplified well inside the buffer (a tenth of its width): the buffer of
        # thousands of short road pieces costs seconds, of their simplified courses milliseconds
        merged = shapely.simplify(shapely.line_merge(lines), buffer_m * 0.1, preserve_topology=False)
        parts.extend(shapely.get_parts(merged))  # buffered one by one, then united: faster than one multi-buffer
    # the origin's own access link, as far as the time allows
    share = 1.0 if access_s <= 0 else min(1.0, limit_s / access_s)
    end = place_xy + (node_xy[access_node] - place_xy) * share
    parts.append(
        shapely.linestrings([place_xy, end])
        if share > 0 and not np.allclose(end, place_xy)
        else shapely.points(place_xy)
    )
    geoms = shapely.buffer(np.asarray(parts, dtype=object), buffer_m, quad_segs=4)
    return shapely.union_all(geoms)


def _mode_bands(
    net: Network, places: Places, mode: str, minutes: list[float], buffer_m: float
) -> list[list[shapely.Geometry]]:
    limit_s = max(minutes) * 60.0
    ptr, reached, seconds = _mode_reach(net, places, mode, limit_s)
    node_xy = net.nodes[["x", "y"]].to_numpy()[: net.n_road_nodes]
    edges = net.edges
    kind = edges["kind"].astype(str).to_numpy()
    if mode == "car":
        sel = edges["car"].to_numpy() & (kind == "road")
        offset = 0
        access = places.snap_m / net.options.car_access_mps
    else:
        sel = kind == "walk"
        offset = net.n_road_nodes
        access = places.snap_m / net.options.walk_mps
    tails = edges["tail"].to_numpy()[sel] - offset
    heads = edges["head"].to_numpy()[sel] - offset
    edge_s = edges["travel_time_s"].to_numpy()[sel]
    out = []
    for i in range(len(places)):
        times = np.full(net.n_road_nodes, np.inf)
        times[reached[ptr[i] : ptr[i + 1]]] = seconds[ptr[i] : ptr[i + 1]]
        bands: list[shapely.Geometry] = []
        previous = None
        for m in minutes:
            geom = _band(
                places.xy[i],
                node_xy,
                times,
                access[i],
                int(places.node[i]),
                tails,
                heads,
                edge_s,
                m * 60.0,
                buffer_m,
            )
            if previous is not None:
                geom = shapely.union(previous, geom)
            bands.append(geom)
            previous = geom
        out.append(bands)
    return out


def isochrones(
    net: Network,
    origins: PlaceSpec,
    *,
    minutes: float | Sequence[float] = (15, 30, 45, 60),
    mode: str | Mode = Mode.CAR,
    buffer_m: float = 500.0,
) -> gpd.GeoDataFrame:
    """Areas reachable from each origin within each number of minutes.

    Parameters
    ----------
    net
        The network.
    origins
        A layer name, GeoDataFrame or ids of snapped features.
    minutes
        The bands; each contains the smaller ones.
    mode
        ``"car"``, ``"pt"`` or ``"best"``.
    buffer_m
        Half-width of the corridor drawn around reached roads, in metres.

    Returns
    -------
    geopandas.GeoDataFrame
        One row per origin and band: ``origin_id``, ``mode``, ``minutes``,
        ``geometry`` (polygons in the network CRS), origins in input order,
        bands ascending.

    Raises
    ------
    ConfigError
        Bad minutes, buffer, mode or origin.
    """
    parsed = Mode.parse(mode)
    bands = _minutes(minutes)
    if (
        isinstance(buffer_m, bool)
        or not isinstance(buffer_m, (int, float))
        or not np.isfinite(buffer_m)
        or buffer_m <= 0
    ):
        raise ConfigError(f"buffer_m must be a positive number of metres, got {buffer_m!r}")
    places = resolve_places(net, origins, role="origins")
    if parsed is Mode.BEST:
        car = _mode_bands(net, places, "car", bands, float(buffer_m))
        pt = _mode_bands(net, places, "pt", bands, float(buffer_m))
        geoms = []
        for ca, pa in zip(car, pt, strict=True):
            united: list[shapely.Geometry] = []
            for a, b in zip(ca, pa, strict=True):
                geom = shapely.union(a, b)
                united.append(shapely.union(united[-1], geom) if united else geom)
            geoms.append(united)
    else:
        geoms = _mode_bands(net, places, parsed.value, bands, float(buffer_m))
    rows = [
        {"origin_id": str(places.ids[i]), "mode": parsed.value, "minutes": m, "geometry": geoms[i][k]}
        for i in range(len(places))
        for k, m in enumerate(bands)
    ]
    if not rows:
        return gpd.GeoDataFrame({"origin_id": [], "mode": [], "minutes": []}, geometry=[], crs=net.crs)
    return gpd.GeoDataFrame(rows, geometry="geometry", crs=net.crs)
