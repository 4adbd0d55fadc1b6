"""The road network's connected components, for ``layers check`` and for finding roads that do not join."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import scipy.sparse as sp
from pyproj import CRS, Transformer
from scipy.sparse.csgraph import connected_components

from tillvaxt_geo.data.validation import check_layer_crs
from tillvaxt_geo.network.roads import road_graph

if TYPE_CHECKING:
    from tillvaxt_geo.data.layers import Layers

__all__ = ["network_report"]


def network_report(layers: Layers, *, max_edge_m: float | None = None, roads_listed: int = 5) -> pd.DataFrame:
    """Connected components of the road network, the largest first.

    Parameters
    ----------
    layers
        A layer set with ``roads``.
    max_edge_m
        As in :func:`build_network` (does not change components).
    roads_listed
        How many road ids to name per component.

    Returns
    -------
    pandas.DataFrame
        One row per weakly connected component: ``component`` (0 = the
        largest), ``nodes``, ``length_km``, ``lon``, ``lat`` (a node near the
        component's middle, WGS84), ``roads`` (count) and ``road_ids`` (the
        first few, comma-separated). One row means the roads form one network.
    """
    roads = layers.require("roads", needed_for="the network report")
    check_layer_crs(roads, "roads", layers.crs)
    rg = road_graph(roads, max_edge_m=max_edge_m)
    n = len(rg.xy)
    columns = ["component", "nodes", "length_km", "lon", "lat", "roads", "road_ids"]
    if n == 0:
        return pd.DataFrame(columns=columns)
    g = sp.csr_matrix((np.ones(len(rg.seg_tail)), (rg.seg_tail, rg.seg_head)), shape=(n, n))
    _, labels = connected_components(g, directed=True, connection="weak")
    sizes = np.bincount(labels)
    seg_label = labels[rg.seg_tail]
    length_km = np.bincount(seg_label, weights=rg.seg_length_m, minlength=len(sizes)) / 1000.0
    order = np.lexsort((-length_km, -sizes))
    to_wgs = Transformer.from_crs(CRS.from_user_input(layers.crs), "EPSG:4326", always_xy=True)
    rows = []
    for rank, comp in enumerate(order):
        members = np.flatnonzero(labels == comp)
        centre = rg.xy[members].mean(axis=0)
        near = members[np.argmin(np.hypot(*(rg.xy[members] - centre).T))]
        lon, lat = to_wgs.transform(*rg.xy[near])
        comp_roads = pd.unique(rg.road_ids[rg.seg_road[seg_label == comp]])
        rows.append(
            {
                "component": rank,
                "nodes": int(sizes[comp]),
                "length_km": round(float(length_km[comp]), 3),
                "lon": round(float(lon), 5),
                "lat": round(float(lat), 5),
                "roads": len(comp_roads),
                "road_ids": ", ".join(map(str, comp_roads[:roads_listed]))
                + (" …" if len(comp_roads) > roads_listed else ""),
            }
        )
    return pd.DataFrame(rows, columns=columns)
