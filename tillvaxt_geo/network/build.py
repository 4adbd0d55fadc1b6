"""The road + rail network: compiled from layers into sparse arrays, with snapped places.

:func:`build_network` turns a :class:`~tillvaxt_geo.data.layers.Layers` into a
:class:`Network` value: node coordinates, an edge table and, per mode, a CSR
matrix of travel times in seconds (with its transpose) that
:mod:`tillvaxt_geo.routing.matrix` searches. Zones, mine sites, housing land and
stations are snapped to the nearest road node; the snapping table is kept.

Road graph
    Every vertex of every road line is a node; lines meet where they share a
    vertex (coordinates equal after rounding to ``NODE_PRECISION_M``), so
    lines that cross without a shared vertex (bridges, tunnels) do not
    connect. Each pair of consecutive vertices is an edge, split into equal
    pieces no longer than ``max_edge_m`` so that places snap close to where
    they are (the extra nodes belong to their road only and never connect
    to another line). Edges are two-way unless ``oneway``. Of parallel edges
    the fastest is kept.

Public transport (``pt``)
    Built when the layers have ``rail_services`` and ``rail_stations``. The
    search graph has three copies of the road network: *drive* (the car
    roads, for park & ride to a station), *walk* (walking before the first
    boarding) and *walk after ride* (transfers between stations and egress).
    Each station has an *entrance* (reached by walking or driving; boarding
    from it costs the expected wait) and a *platform* (reached by alighting
    or walking after a ride; boarding from it costs the wait plus the
    transfer penalty). Each stop of each service has a departure and an
    arrival node; ride edges between them carry the scheduled run time. So
    the transfer penalty applies to every boarding but the first, a car can
    only be used before the first boarding, and a trip may also be walked end
    to end. Waits are per service: two services of one route are not pooled
    into one combined frequency.

Places
    A place's access link (its snapping distance) is driven at
    ``car_access_speed_kmh`` in the car mode and walked in the pt mode; a
    station is also entered and left at its own entrance and platform. A
    trip from a place to itself takes its access plus egress link.

:attr:`Network.graph` rebuilds all of it, with the snapped places, as a
:class:`networkx.MultiDiGraph` on demand.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS
from scipy.spatial import cKDTree

from tillvaxt_geo.data.validation import check_layer_crs
from tillvaxt_geo.errors import ConfigError, NetworkError, UnreachableError
from tillvaxt_geo.naming import listed
from tillvaxt_geo.network.places import feature_ids, place_points
from tillvaxt_geo.network.roads import road_edges, road_graph
from tillvaxt_geo.network.transit import build_transit
from tillvaxt_geo.network.types import (
    PLACE_LAYERS,
    CompiledGraph,
    Frequency,
    Network,
    NetworkOptions,
    snap_candidates,
)

if TYPE_CHECKING:
    from tillvaxt_geo.data.layers import Layers

__all__ = ["build_network", "compile_csr"]

log = logging.getLogger(__name__)

#: the defaults of :func:`build_network`: one source, the fields of :class:`NetworkOptions`
_DEFAULTS = NetworkOptions()


def compile_csr(
    tail: np.ndarray, head: np.ndarray, time_s: np.ndarray, n_nodes: int
) -> tuple[sp.csr_matrix, np.ndarray]:
    """Build a canonical CSR matrix keeping the fastest of parallel edges.

    ``scipy.sparse.coo_matrix.tocsr`` would add parallel edges together; this
    sorts by (tail, head, time) and keeps the first of each pair instead.

    Returns
    -------
    tuple
        The CSR matrix and, per stored entry, the index into the input arrays.
    """
    tail = np.asarray(tail, dtype=np.int64)
    head = np.asarray(head, dtype=np.int64)
    time_s = np.asarray(time_s, dtype=np.float64)
    order = np.lexsort((time_s, head, tail))
    t, h = tail[order], head[order]
    first = np.ones(len(order), dtype=bool)
    if len(order) > 1:
        first[1:] = (t[1:] != t[:-1]) | (h[1:] != h[:-1])
    keep = order[first]
    counts = np.bincount(tail[keep], minlength=n_nodes)
    indptr = np.zeros(n_nodes + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    index_dtype = np.int32 if n_nodes < 2**31 - 1 and len(keep) < 2**31 - 1 else np.int64
    matrix = sp.csr_matrix(
        (time_s[keep], head[keep].astype(index_dtype), indptr.astype(index_dtype)), shape=(n_nodes, n_nodes)
    )
    matrix.has_sorted_indices = True
    return matrix, keep


def _compile_mode(edges: pd.DataFrame, mask: np.ndarray, n_nodes: int) -> CompiledGraph:
    idx = np.flatnonzero(mask)
    tail = edges["tail"].to_numpy()[idx]
    head = edges["head"].to_numpy()[idx]
    time_s = edges["travel_time_s"].to_numpy()[idx]
    fwd, keep_f = compile_csr(tail, head, time_s, n_nodes)
    bwd, keep_b = compile_csr(head, tail, time_s, n_nodes)
    return CompiledGraph(fwd, idx[keep_f], bwd, idx[keep_b])


# --------------------------------------------------------------------------- places


def _snap_layers(net_snap: Any, layers: Layers, max_snap_m: float) -> pd.DataFrame:
    rows: list[pd.DataFrame] = []
    too_far: list[str] = []
    for layer in PLACE_LAYERS:
        frame = getattr(layers, layer, None)
        if frame is None or len(frame) == 0:
            continue
        check_layer_crs(frame, layer, layers.crs)
        ids = feature_ids(frame, layer)
        xy = place_points(frame)
        bad_geom = ~np.isfinite(xy).all(axis=1)
        if bad_geom.any():
            raise NetworkError(
                f"layer '{layer}': feature(s) {listed([repr(i) for i in ids[bad_geom]])} have no geometry to snap"
            )
        node, dist = net_snap(xy)
        far = dist > max_snap_m
        too_far += [f"{layer} '{i}' ({d:,.0f} m)" for i, d in zip(ids[far], dist[far], strict=True)]
        rows.append(
            pd.DataFrame(
                {"layer": layer, "feature_id": ids, "node": node, "snap_distance_m": dist, "x": xy[:, 0], "y": xy[:, 1]}
            )
        )
    if too_far:
        raise UnreachableError(
            f"{len(too_far)} place(s) lie farther than max_snap_m={max_snap_m:g} m from any road node: "
            f"{listed(too_far)}; add the access road, move the point, or raise max_snap_m"
        )
    if not rows:
        return pd.DataFrame(
            {
                "layer": pd.Series(dtype=object),
                "feature_id": pd.Series(dtype=object),
                "node": pd.Series(dtype=np.int64),
                "snap_distance_m": pd.Series(dtype=float),
                "x": pd.Series(dtype=float),
                "y": pd.Series(dtype=float),
            }
        )
    return pd.concat(rows, ignore_index=True)


# --------------------------------------------------------------------------- build


def build_network(
    layers: Layers,
    *,
    max_snap_m: float = _DEFAULTS.max_snap_m,
    car_access_speed_kmh: float = _DEFAULTS.car_access_speed_kmh,
    walk_speed_kmh: float = _DEFAULTS.walk_speed_kmh,
    max_wait_min: float = _DEFAULTS.max_wait_min,
    transfer_penalty_min: float = _DEFAULTS.transfer_penalty_min,
    park_and_ride: bool = _DEFAULTS.park_and_ride,
    frequency: str | Frequency = _DEFAULTS.frequency,
    service_hours: float = _DEFAULTS.service_hours,
    max_edge_m: float | None = _DEFAULTS.max_edge_m,
    snap_to_largest_component: bool = _DEFAULTS.snap_to_largest_component,
) -> Network:
    """Compile the road + rail network of a layer set.

    Parameters
    ----------
    layers
        Needs ``roads``; uses ``rail_stations`` + ``rail_services`` for public
        transport and snaps ``zones``, ``mine_sites``, ``housing_land`` and
        ``rail_stations``.
    max_snap_m
        A place farther than this from every road node is an error.
    car_access_speed_kmh
        Speed on the link from a place to its road node (car mode and park &
        ride to a station).
    walk_speed_kmh
        Walking speed on every road (both directions, oneway or not) and on
        place and station links, in the pt mode.
    max_wait_min
        Cap on the expected wait at a stop (half the headway).
    transfer_penalty_min
        Added to every boarding after the first.
    park_and_ride
        Allow driving to the first station of a pt trip (never after riding).
    frequency
        ``"peak"``: headway from ``departures_peak_hour``; ``"weekday"``: from
        ``departures_weekday`` spread over ``service_hours``.
    service_hours
        Hours a day services run, for ``frequency="weekday"``.
    max_edge_m
        Split road segments longer than this with extra nodes on their own
        road (``None`` keeps segments whole).
    snap_to_largest_component
        Snap places only to the largest connected road network, so that a
        stray road piece does not capture them.

    Returns
    -------
    Network
        The compiled network.

    Raises
    ------
    NetworkError
        A road has no valid speed or geometry; a service is inconsistent.
    UnreachableError
        A place lies farther than ``max_snap_m`` from the road network.
    LayerNotFoundError
        The layer set has no roads.
    """
    for name, value in (
        ("max_snap_m", max_snap_m),
        ("car_access_speed_kmh", car_access_speed_kmh),
        ("walk_speed_kmh", walk_speed_kmh),
        ("service_hours", service_hours),
    ):
        if not np.isfinite(value) or value <= 0:
            raise ConfigError(f"{name} must be a positive number, got {value!r}")
    for name, value in (("max_wait_min", max_wait_min), ("transfer_penalty_min", transfer_penalty_min)):
        if not np.isfinite(value) or value < 0:
            raise ConfigError(f"{name} must be a number >= 0, got {value!r}")
    options = NetworkOptions(
        max_snap_m=float(max_snap_m),
        car_access_speed_kmh=float(car_access_speed_kmh),
        walk_speed_kmh=float(walk_speed_kmh),
        max_wait_min=float(max_wait_min),
        transfer_penalty_min=float(transfer_penalty_min),
        park_and_ride=bool(park_and_ride),
        frequency=Frequency.parse(frequency),
        service_hours=float(service_hours),
        max_edge_m=None if max_edge_m is None else float(max_edge_m),
        snap_to_largest_component=bool(snap_to_largest_component),
    )
    roads = layers.require("roads", needed_for="building the network")
    check_layer_crs(roads, "roads", layers.crs)
    rg = road_graph(roads, max_edge_m=options.max_edge_m)
    n_road = len(rg.xy)
    if len(rg.seg_tail) == 0:
        raise NetworkError("layer 'roads' has no road segments of non-zero length; the network would be empty")
    car_cols = road_edges(rg)
    n_car = len(car_cols["tail"])
    car_only = CompiledGraph(*_compile_tuple(car_cols["tail"], car_cols["head"], car_cols["travel_time_s"], n_road))
    candidates = snap_candidates(car_only, n_road, largest=options.snap_to_largest_component)
    tree = cKDTree(rg.xy[candidates])

    def snap(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        if len(points) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        dist, pos = tree.query(points)
        return candidates[pos].astype(np.int64), np.asarray(dist, dtype=float)

    snaps = _snap_layers(snap, layers, options.max_snap_m)

    node_parts = [pd.DataFrame({"x": rg.xy[:, 0], "y": rg.xy[:, 1], "kind": "road", "ref": -1, "label": None})]
    edge_parts = [
        {
            "tail": car_cols["tail"],
            "head": car_cols["head"],
            "length_m": car_cols["length_m"],
            "speed_kmh": car_cols["speed_kmh"],
            "travel_time_s": car_cols["travel_time_s"],
            "road": car_cols["road"],
            "kind": np.full(n_car, "road", dtype=object),
            "car": np.ones(n_car, dtype=bool),
            "pt": np.full(n_car, options.park_and_ride),  # the drive layer of park & ride
        }
    ]
    stations: dict[str, tuple[int, int]] = {}
    notes: list[str] = []
    has_pt = layers.rail_services is not None and layers.rail_stations is not None and len(layers.rail_services) > 0
    if layers.rail_services is not None and layers.rail_stations is not None and has_pt:
        transit = build_transit(
            rg=rg,
            snaps=snaps,
            stations=layers.rail_stations,
            services=layers.rail_services,
            options=options,
        )
        node_parts += transit.nodes
        edge_parts += transit.edges
        stations = transit.stations
        notes += transit.notes
    nodes = pd.concat(node_parts, ignore_index=True)
    nodes["kind"] = pd.Categorical(nodes["kind"])
    edges = _edge_frame(edge_parts, rg.road_ids)
    n_nodes = len(nodes)
    car = _compile_mode(edges, edges["car"].to_numpy(), n_road)
    pt = _compile_mode(edges, edges["pt"].to_numpy(), n_nodes) if has_pt else None
    for note in notes:
        log.info(note)
    return Network(
        crs=CRS.from_user_input(layers.crs),
        nodes=nodes,
        edges=edges,
        snaps=snaps,
        car=car,
        pt=pt,
        n_road_nodes=n_road,
        stations=stations,
        options=options,
        layers=layers,
        notes=tuple(notes),
    )


def _compile_tuple(
    tail: np.ndarray, head: np.ndarray, time_s: np.ndarray, n: int
) -> tuple[sp.csr_matrix, np.ndarray, sp.csr_matrix, np.ndarray]:
    fwd, kf = compile_csr(tail, head, time_s, n)
    bwd, kb = compile_csr(head, tail, time_s, n)
    return fwd, kf, bwd, kb


def _edge_frame(parts: list[dict[str, np.ndarray]], road_ids: np.ndarray) -> pd.DataFrame:
    cols = {k: np.concatenate([p[k] for p in parts]) for k in parts[0]}
    road = cols.pop("road").astype(np.int64)
    categories = pd.Index(pd.unique(np.concatenate([road_ids.astype(str), np.array([""], dtype=object)])))
    codes = np.where(
        road >= 0, categories.get_indexer(road_ids.astype(str))[np.maximum(road, 0)], categories.get_loc("")
    )
    frame = pd.DataFrame(
        {
            "tail": cols["tail"].astype(np.int64),
            "head": cols["head"].astype(np.int64),
            "length_m": cols["length_m"].astype(float),
            "speed_kmh": cols["speed_kmh"].astype(float),
            "travel_time_s": cols["travel_time_s"].astype(float),
            "road_id": pd.Categorical.from_codes(codes, categories=categories),
            "kind": pd.Categorical(cols["kind"]),
            "car": cols["car"].astype(bool),
            "pt": cols["pt"].astype(bool),
        }
    )
    bad = ~np.isfinite(frame["travel_time_s"].to_numpy()) | (frame["travel_time_s"].to_numpy() < 0)
    if bad.any():  # cannot happen after the checks above; guard the invariant the search relies on
        raise NetworkError(f"{int(bad.sum())} edge(s) have an invalid travel time; first: {frame[bad].head(3)}")
    return frame
