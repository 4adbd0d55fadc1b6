"""Places on the network: one point and one id per feature, and the connectors that join a place to a mode's graph.

A *place* (a snapped feature or an ad-hoc point) joins a mode's graph
through a few *connectors*: (node, cost in seconds, length in metres). A trip
from place o to place d takes ``min_i,j cost_o,i + D(node_o,i, node_d,j) +
cost_d,j``; :mod:`tillvaxt_geo.routing.search` runs the searches.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

if TYPE_CHECKING:
    from tillvaxt_geo.network.types import Network

__all__ = ["Connectors", "Places", "connectors", "feature_ids", "place_points"]


def place_points(frame: gpd.GeoDataFrame) -> np.ndarray:
    """One point per feature: the point itself, or a polygon's representative point."""
    geoms = frame.geometry.to_numpy()
    missing = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    points = shapely.point_on_surface(np.where(missing, shapely.Point(np.nan, np.nan), geoms))
    return shapely.get_coordinates(points, include_z=False) if len(points) else np.zeros((0, 2))


def feature_ids(frame: pd.DataFrame, layer: str | None = None) -> np.ndarray:
    """Feature ids as strings: the layer's id column, else a known id column, else the index."""
    from tillvaxt_geo.data.schemas import SCHEMAS

    candidates = [SCHEMAS[layer].id_column] if layer in SCHEMAS else []
    candidates += ["zone_id", "site_id", "housing_id", "station_id", "id"]
    if isinstance(frame.index, pd.RangeIndex):
        for col in candidates:
            if col in frame.columns:
                return frame[col].astype(str).to_numpy(dtype=object)
    return np.asarray([str(i) for i in frame.index], dtype=object)


@dataclass(frozen=True)
class Places:
    """Origins or destinations resolved to road nodes.

    ``layer`` is the snapped layer a place belongs to ('' for ad-hoc points),
    ``node`` its road node, ``snap_m`` the distance to it and ``xy`` the
    ``(n, 2)`` coordinates of the place's point.
    """

    ids: np.ndarray
    layer: np.ndarray
    node: np.ndarray
    snap_m: np.ndarray
    xy: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)


@dataclass(frozen=True)
class Connectors:
    """Per place, padded ``(n, E)`` arrays of entry nodes, costs (s, inf = none) and lengths (m)."""

    node: np.ndarray
    cost_s: np.ndarray
    length_m: np.ndarray

    def __len__(self) -> int:
        return int(self.node.shape[0])


def connectors(net: Network, places: Places, mode: str, *, role: str) -> Connectors:
    """How places join the graph of ``mode`` as trip origins (``role="origin"``) or destinations.

    car
        The access link to the road node at ``car_access_speed_kmh``.
    pt, origin
        Walking to the node of the walk layer, or (park & ride) driving to
        the road node of the drive layer; a station also enters its own
        entrance at no cost.
    pt, destination
        Walking from the node of either walk layer; a station is also
        reached from its own platform at no cost.
    """
    opts = net.options
    n_road = net.n_road_nodes
    d = places.snap_m.astype(float)
    r = places.node.astype(np.int64)
    if mode == "car":  # one entry per place: the common case, kept cheap for single-origin queries
        return Connectors(node=r[:, None], cost_s=(d / opts.car_access_mps)[:, None], length_m=d[:, None])
    cols: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
    if role == "origin":
        cols.append((r + n_road, d / opts.walk_mps, d))
        if opts.park_and_ride:
            cols.append((r, d / opts.car_access_mps, d))
    else:
        cols.append((r + n_road, d / opts.walk_mps, d))
        cols.append((r + 2 * n_road, d / opts.walk_mps, d))
    if mode == "pt":
        is_station = (places.layer == "rail_stations") & np.isin(places.ids, list(net.stations))
        if is_station.any():
            which = 0 if role == "origin" else 1
            node = np.zeros(len(places), dtype=np.int64)
            node[is_station] = [net.stations[str(s)][which] for s in places.ids[is_station]]
            cost = np.where(is_station, 0.0, np.inf)
            cols.append((node, cost, np.zeros(len(places))))
    return Connectors(
        node=np.column_stack([c[0] for c in cols]).astype(np.int64),
        cost_s=np.column_stack([c[1] for c in cols]).astype(float),
        length_m=np.column_stack([c[2] for c in cols]).astype(float),
    )
