"""Small road/rail layer sets made in code for the network, routing and edit tests."""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Sequence

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
from shapely.geometry import LineString, Point

from tillvaxt_geo.data.layers import Layers

SWEREF = "EPSG:3006"
X0, Y0 = 510_200.0, 6_668_100.0


def roads_frame(roads: Iterable[Sequence[object]]) -> gpd.GeoDataFrame:
    """Roads from tuples (road_id, coords relative to X0/Y0, speed_kmh, oneway[, ref])."""
    rows = []
    for road in roads:
        rid, coords, speed, oneway = road[:4]
        ref = road[4] if len(road) > 4 else ""
        rows.append(
            {
                "road_id": str(rid),
                "ref": ref,
                "road_class": "local",
                "speed_kmh": speed,
                "oneway": oneway,
                "geometry": LineString([(X0 + x, Y0 + y) for x, y in coords]),  # type: ignore[attr-defined]
            }
        )
    frame = gpd.GeoDataFrame(rows, geometry="geometry", crs=SWEREF)
    frame.index = pd.Index(frame["road_id"])
    return frame


def points_frame(
    layer: str, points: Iterable[tuple[str, float, float]], **columns: Sequence[object]
) -> gpd.GeoDataFrame:
    """Point features (id, x, y relative to X0/Y0) of a place layer with its id column."""
    id_col = {"zones": "zone_id", "mine_sites": "site_id", "rail_stations": "station_id", "housing_land": "housing_id"}[
        layer
    ]
    pts = list(points)
    data: dict[str, object] = {id_col: [p[0] for p in pts], "name": [f"Place {p[0]}" for p in pts]}
    data.update(columns)
    frame = gpd.GeoDataFrame(data, geometry=[Point(X0 + x, Y0 + y) for _, x, y in pts], crs=SWEREF)
    frame.index = pd.Index(frame[id_col].astype(str))
    return frame


def zones_frame(points: Iterable[tuple[str, float, float]], jobs: Sequence[int] | None = None) -> gpd.GeoDataFrame:
    pts = list(points)
    n = len(pts)
    jobs = list(jobs) if jobs is not None else [100] * n
    return points_frame(
        "zones",
        pts,
        municipality=["Ludvika"] * n,
        population=[1000] * n,
        dwellings=[400] * n,
        vacant_dwellings=[10] * n,
        labour_force=[450] * n,
        jobs=jobs,
    )


def services_frame(services: Iterable[tuple[str, str, Sequence[str], Sequence[float], float]]) -> pd.DataFrame:
    """Services from tuples (service_id, route, station ids, arrival minutes, departures per peak hour)."""
    rows = []
    for sid, route, stations, arrivals, per_hour in services:
        for k, (st, arr) in enumerate(zip(stations, arrivals, strict=True)):
            rows.append(
                {
                    "service_id": sid,
                    "name": f"Service {sid}",
                    "route": route,
                    "stop_sequence": k + 1,
                    "station_id": st,
                    "arrival_min": float(arr),
                    "departures_peak_hour": float(per_hour),
                    "departures_weekday": int(per_hour * 10),
                    "route_type": "rail",
                }
            )
    return pd.DataFrame(rows)


def make_layers(
    roads: Iterable[Sequence[object]],
    *,
    zones: Iterable[tuple[str, float, float]] = (),
    sites: Iterable[tuple[str, float, float]] = (),
    stations: Iterable[tuple[str, float, float]] = (),
    services: Iterable[tuple[str, str, Sequence[str], Sequence[float], float]] = (),
) -> Layers:
    """A hand-built :class:`Layers` (no validation), as a user could make one."""
    zones, sites, stations, services = list(zones), list(sites), list(stations), list(services)
    return Layers(
        roads=roads_frame(roads),
        zones=zones_frame(zones) if zones else None,
        mine_sites=points_frame("mine_sites", sites, company=["AB"] * len(sites)) if sites else None,
        rail_stations=points_frame("rail_stations", stations) if stations else None,
        rail_services=services_frame(services) if services else None,
    )


def reference_car_times(
    layers: Layers,
    origins: gpd.GeoDataFrame,
    destinations: gpd.GeoDataFrame,
    *,
    access_speed_kmh: float = 30.0,
) -> np.ndarray:
    """Car travel times in minutes computed straight from the road lines with networkx.

    Independent of the compiled network: nodes are the rounded vertex
    coordinates, places snap to the nearest vertex that has an edge.
    """
    g = nx.MultiDiGraph()
    for _, road in layers.roads.iterrows():  # type: ignore[union-attr]
        coords = [(round(x, 2), round(y, 2)) for x, y in road.geometry.coords]
        v = 1000.0 / 3600.0 * float(road["speed_kmh"])
        for a, b in itertools.pairwise(coords):
            if a == b:
                continue
            t = float(np.hypot(b[0] - a[0], b[1] - a[1])) / v
            g.add_edge(a, b, w=t)
            if not bool(road["oneway"]):
                g.add_edge(b, a, w=t)
    nodes = list(g.nodes)
    xy = np.array(nodes)

    def snap(frame: gpd.GeoDataFrame) -> list[tuple[tuple[float, float], float]]:
        out = []
        for p in frame.geometry:
            d = np.hypot(xy[:, 0] - p.x, xy[:, 1] - p.y)
            i = int(np.argmin(d))
            out.append((nodes[i], float(d[i]) / (access_speed_kmh / 3.6)))
        return out

    so, sd = snap(origins), snap(destinations)
    result = np.full((len(so), len(sd)), np.nan)
    for i, (node, access) in enumerate(so):
        lengths = nx.single_source_dijkstra_path_length(g, node, weight="w")
        for j, (dnode, egress) in enumerate(sd):
            if dnode in lengths:
                result[i, j] = (access + lengths[dnode] + egress) / 60.0
    return result


def nx_times(graph: nx.MultiDiGraph, origins: Sequence[str], destinations: Sequence[str]) -> np.ndarray:
    """Minutes between ``from:``/``to:`` place nodes of a network graph, with networkx's Dijkstra."""
    out = np.full((len(origins), len(destinations)), np.nan)
    for i, o in enumerate(origins):
        lengths = nx.single_source_dijkstra_path_length(graph, o, weight="travel_time_s")
        for j, d in enumerate(destinations):
            if d in lengths:
                out[i, j] = lengths[d] / 60.0
    return out


def mode_view(graph: nx.MultiDiGraph, mode: str) -> nx.MultiDiGraph:
    """The edges of one mode (edge attribute ``car`` / ``pt``) of a full network graph."""
    return nx.subgraph_view(graph, filter_edge=lambda u, v, k: bool(graph[u][v][k][mode]))
