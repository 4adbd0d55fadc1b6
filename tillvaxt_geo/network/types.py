"""The network's value types: options, compiled search graphs and the :class:`Network` itself.

These are the values :func:`tillvaxt_geo.network.build.build_network` returns
and every routing function takes; they hold arrays and tables only and never
build anything themselves (:attr:`Network.graph` builds the networkx export on
demand through :mod:`tillvaxt_geo.network.to_networkx`).
"""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS
from scipy.sparse.csgraph import connected_components
from scipy.spatial import cKDTree

from tillvaxt_geo.errors import ConfigError, NetworkError
from tillvaxt_geo.naming import Choice

if TYPE_CHECKING:
    import networkx as nx

    from tillvaxt_geo.data.layers import Layers

__all__ = ["PLACE_LAYERS", "CompiledGraph", "Frequency", "Network", "NetworkOptions", "snap_candidates"]

#: the layers whose features are snapped to the road network as places
PLACE_LAYERS: tuple[str, ...] = ("zones", "mine_sites", "housing_land", "rail_stations")


class Frequency(Choice):
    """Which departures set the expected wait at a stop."""

    _what = enum.nonmember(("frequency", "frequencies"))

    PEAK = "peak"  # departures_peak_hour
    WEEKDAY = "weekday"  # departures_weekday spread over the service hours


@dataclass(frozen=True)
class NetworkOptions:
    """The options a network was built with (see :func:`build_network`)."""

    max_snap_m: float = 2000.0
    car_access_speed_kmh: float = 30.0
    walk_speed_kmh: float = 5.0
    max_wait_min: float = 30.0
    transfer_penalty_min: float = 5.0
    park_and_ride: bool = True
    frequency: Frequency = Frequency.PEAK
    service_hours: float = 18.0
    max_edge_m: float | None = 250.0
    snap_to_largest_component: bool = True

    @property
    def car_access_mps(self) -> float:
        """Access-link speed of the car mode in metres per second."""
        return self.car_access_speed_kmh / 3.6

    @property
    def walk_mps(self) -> float:
        """Walking speed in metres per second."""
        return self.walk_speed_kmh / 3.6


@dataclass(frozen=True, eq=False)
class CompiledGraph:
    """One mode's search graph: travel times in seconds as CSR, and its transpose.

    Parallel edges are collapsed to the fastest; zero-time edges are kept as
    explicit entries (scipy's csgraph treats explicit zeros in sparse input as
    edges). ``forward_edge`` / ``backward_edge`` give, per stored entry, the
    row of :attr:`Network.edges` it came from.
    """

    forward: sp.csr_matrix
    forward_edge: np.ndarray
    backward: sp.csr_matrix
    backward_edge: np.ndarray

    @property
    def n_nodes(self) -> int:
        """Number of nodes (rows) of the graph."""
        return int(self.forward.shape[0])


@dataclass(frozen=True, eq=False)
class Network:
    """A compiled road + rail network in one projected CRS.

    Attributes
    ----------
    crs
        The network's CRS (projected, metres).
    nodes
        One row per search node: ``x``, ``y`` (CRS units), ``kind`` (road,
        walk, walk_after_ride, entrance, platform, depart, arrive) and ``ref`` (the road
        node a walk node mirrors, the station a stop serves, else -1). Road
        nodes come first, numbered in spatial (Z-order) order.
    edges
        One row per edge: ``tail``, ``head`` (node numbers), ``length_m``,
        ``speed_kmh`` (NaN for waits and transfers), ``travel_time_s``,
        ``road_id`` ('' off the roads), ``kind`` and the modes using it
        (``car``, ``pt``).
    snaps
        The snapping table: ``layer``, ``feature_id``, ``node`` (road node),
        ``snap_distance_m`` and the snapped point ``x``, ``y``.
    car, pt
        The compiled search graphs (``pt`` is ``None`` without services).
    n_road_nodes
        Number of road nodes (node numbers ``0 .. n_road_nodes - 1``).
    stations
        Station id to its (entrance, platform) node numbers.
    options
        The options the network was built with.
    layers
        The layer set it was built from (for names and attributes).
    notes
        What building skipped or assumed, for reports.
    """

    crs: CRS
    nodes: pd.DataFrame
    edges: pd.DataFrame
    snaps: pd.DataFrame
    car: CompiledGraph
    pt: CompiledGraph | None
    n_road_nodes: int
    stations: Mapping[str, tuple[int, int]]
    options: NetworkOptions
    layers: Layers | None = None
    notes: tuple[str, ...] = ()

    def __repr__(self) -> str:
        return (
            f"Network({self.n_road_nodes} road nodes, {int(self.edges['car'].sum())} car edges, "
            f"{len(self.stations)} stations, {len(self.snaps)} snapped places, crs={self.crs.to_string()})"
        )

    @cached_property
    def snap_index(self) -> dict[tuple[str, str], int]:
        """(layer, feature id) to the row of :attr:`snaps`."""
        return {
            (lay, fid): i
            for i, (lay, fid) in enumerate(zip(self.snaps["layer"], self.snaps["feature_id"], strict=True))
        }

    @cached_property
    def _snap_tree(self) -> tuple[cKDTree, np.ndarray]:
        nodes = snap_candidates(self.car, self.n_road_nodes, largest=self.options.snap_to_largest_component)
        xy = self.nodes[["x", "y"]].to_numpy()[nodes]
        return cKDTree(xy), nodes

    def snap_points(self, points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Nearest road node of each point.

        Parameters
        ----------
        points
            ``(n, 2)`` coordinates in the network CRS.

        Returns
        -------
        tuple of numpy.ndarray
            Road node numbers and distances in metres.
        """
        tree, nodes = self._snap_tree
        if len(points) == 0:
            return np.zeros(0, dtype=np.int64), np.zeros(0)
        dist, pos = tree.query(np.asarray(points, dtype=float))
        return nodes[pos].astype(np.int64), np.asarray(dist, dtype=float)

    def compiled(self, mode: str) -> CompiledGraph:
        """The compiled graph of ``"car"`` or ``"pt"``."""
        if mode == "car":
            return self.car
        if mode == "pt":
            if self.pt is None:
                raise NetworkError(
                    "mode 'pt' needs public transport, but this network has none: build it from layers "
                    "with rail_stations and rail_services (a GTFS feed or rail_services.csv)"
                )
            return self.pt
        raise ConfigError(f"unknown compiled mode {mode!r}; valid: car, pt")

    def node_labels(self) -> np.ndarray:
        """A readable label per node, as used in :attr:`graph`.

        ``road:<n>``, ``walk:<n>``, ``walk_after_ride:<n>`` (n the road node),
        ``station:<id>`` (entrance), ``platform:<id>`` and
        ``depart:<service_id>:<k>`` / ``arrive:<service_id>:<k>`` (a stop of a
        service, k its stop_sequence). Snapped places appear in the graph as
        ``from:<layer>:<id>`` (trips start there) and ``to:<layer>:<id>``
        (trips end there).
        """
        kinds = self.nodes["kind"].astype(str).to_numpy()
        refs = self.nodes["ref"].to_numpy()
        labels = np.empty(len(kinds), dtype=object)
        station_names = np.asarray(list(self.stations), dtype=object)
        stop_labels = self.nodes["label"].to_numpy() if "label" in self.nodes.columns else None
        for kind in np.unique(kinds):
            sel = np.flatnonzero(kinds == kind)
            if kind in ("road", "walk", "walk_after_ride"):
                ref = np.arange(len(kinds))[sel] if kind == "road" else refs[sel]
                labels[sel] = [f"{kind}:{r}" for r in ref]
            elif kind in ("entrance", "platform"):
                prefix = "station" if kind == "entrance" else "platform"
                labels[sel] = [f"{prefix}:{s}" for s in station_names[refs[sel]]]
            elif stop_labels is not None:
                labels[sel] = stop_labels[sel]
        return labels

    def to_networkx(self, mode: str | None = None) -> nx.MultiDiGraph:
        """Build the network as a :class:`networkx.MultiDiGraph`.

        Parameters
        ----------
        mode
            ``None`` or ``"best"`` for everything (a shortest path between a
            ``from:`` and a ``to:`` node is then the faster of car and pt),
            ``"car"`` or ``"pt"`` for that mode's edges only.

        Returns
        -------
        networkx.MultiDiGraph
            Nodes carry ``x``, ``y``, ``kind``; edges every column of
            :attr:`edges` but ``tail``/``head`` (weight: ``travel_time_s``).
            Graph attributes: ``crs`` and ``mode``.
        """
        from tillvaxt_geo.network.to_networkx import network_to_networkx

        return network_to_networkx(self, mode=None if mode in (None, "best") else mode)

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The whole network (all modes and snapped places) as a networkx MultiDiGraph, built once."""
        return self.to_networkx(None)


def snap_candidates(car: CompiledGraph, n_road: int, *, largest: bool) -> np.ndarray:
    """Road nodes places may snap to: those with an edge, in the largest component if asked."""
    g = car.forward[:n_road, :n_road]
    degree = np.diff(g.indptr) + np.diff(car.backward[:n_road, :n_road].indptr)
    connected = degree > 0
    if not largest or n_road == 0:
        return np.flatnonzero(connected)
    _, labels = connected_components(g, directed=True, connection="weak")
    sizes = np.bincount(labels[connected]) if connected.any() else np.zeros(1, dtype=np.int64)
    main = int(np.argmax(sizes))
    return np.flatnonzero(connected & (labels == main))
