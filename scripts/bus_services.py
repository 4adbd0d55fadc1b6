"""Dalatrafik bus services for the embedded GTFS feed (used by ``author_region.py``).

Stops: one stop per Dalatrafik stop area (``hpl_id``; the platforms of both directions averaged) that a bus
line serves. Stopping patterns: the stops along each route shape of the line, in order along the shape.
Weekday departures: ``genomsnitt_veckodag_avgangar`` of the shape, rounded. Run times: the free-flow car
time on the embedded road layer between consecutive stops × ``BUS_TIME_FACTOR`` plus ``DWELL_S`` [E]. Clock
times [E]: a third of a shape's departures (rounded up) in the morning peak 06:00–09:00, the rest over
09:00–19:00, evenly spaced.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import scipy.sparse as sp
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra

TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)

STOP_ON_SHAPE_M = 40.0  # [E] a platform this close to a shape of its line is a stop of that shape
BUS_TIME_FACTOR = 1.25  # [E] bus run time / free-flow car time (acceleration, lower speed on bends)
DWELL_S = 30.0  # [E] per intermediate stop
PEAK = (6 * 60, 9 * 60)  # morning peak of the feed reader (tillvaxt_geo.gtfs DEFAULT_WINDOW)
DAY = (9 * 60, 19 * 60)  # [E] the rest of the service day


@dataclass(frozen=True)
class BusStop:
    station_id: str
    name: str
    lat: float
    lon: float
    x: float
    y: float


@dataclass(frozen=True)
class BusTrip:
    route: str
    shape_id: str
    stops: tuple[str, ...]
    offsets_s: tuple[int, ...]
    starts_min: tuple[int, ...]


def bus_stops(stops: gpd.GeoDataFrame) -> dict[str, BusStop]:
    """Stop areas served by buses: id ``hpl_<hpl_id>``, the most common platform name, mean position."""
    s = stops[stops["linjer"].astype(str).str.contains(r"\d", regex=True)].copy()
    s["x"], s["y"] = s.geometry.x, s.geometry.y
    out = {}
    for hpl, group in s.groupby(s["hpl_id"].astype(str), sort=True):
        name = group["stop_name"].astype(str).value_counts().sort_index().idxmax()
        x, y = float(group["x"].mean()), float(group["y"].mean())
        lon, lat = TO_WGS84.transform(x, y)
        out[f"hpl_{hpl}"] = BusStop(f"hpl_{hpl}", name, round(lat, 6), round(lon, 6), x, y)
    return out


def _lines(value: str) -> set[str]:
    return {v.strip() for v in str(value).split(",") if v.strip()}


def _patterns(shapes: gpd.GeoDataFrame, stops: gpd.GeoDataFrame) -> list[tuple[str, str, int, list[str]]]:
    """(line, shape id, weekday departures, stop ids in order) for every bus shape that runs on weekdays."""
    platforms = stops[stops["linjer"].astype(str).str.contains(r"\d", regex=True)]
    tree = shapely.STRtree(list(platforms.geometry))
    out = []
    for line, shape_id, deps, geom in zip(
        shapes["linjenummer"].astype(str),
        shapes["shape_id"].astype(str),
        shapes["genomsnitt_veckodag_avgangar"].astype(float),
        shapes.geometry,
        strict=True,
    ):
        n = math.floor(deps + 0.5)
        if n < 1:
            continue
        near = tree.query(geom, predicate="dwithin", distance=STOP_ON_SHAPE_M)
        hits = []
        for i in sorted(near):
            row = platforms.iloc[int(i)]
            if line in _lines(row["linjer"]):
                hits.append((geom.project(row.geometry), f"hpl_{row['hpl_id']}"))
        order: list[str] = []
        for _, sid in sorted(hits):
            if sid not in order:
                order.append(sid)
        if len(order) >= 2:
            out.append((line, shape_id, n, order))
    return out


def _clock_times(n: int) -> list[int]:
    peak = min(n, math.ceil(n / 3))
    rest = n - peak
    times = [PEAK[0] + round((k + 0.5) * (PEAK[1] - PEAK[0]) / peak) for k in range(peak)]
    times += [DAY[0] + round((k + 0.5) * (DAY[1] - DAY[0]) / rest) for k in range(rest)]
    return sorted(times)


def _road_graph(road_coords: list[list[tuple[float, float]]], speeds: list[float]) -> tuple[sp.csr_matrix, np.ndarray]:
    """Car travel times in seconds between road vertices (undirected), and vertex coordinates in EPSG:3006."""
    index: dict[tuple[float, float], int] = {}
    rows, cols, secs = [], [], []
    for coords, kmh in zip(road_coords, speeds, strict=True):
        xs, ys = TO_SWEREF.transform(*np.asarray(coords).T)
        ids = []
        for c in coords:
            ids.append(index.setdefault(tuple(c), len(index)))
        seg = np.hypot(np.diff(xs), np.diff(ys))
        for (a, b), m in zip(itertools.pairwise(ids), seg, strict=True):
            rows.append(a)
            cols.append(b)
            secs.append(max(m, 0.01) / (kmh / 3.6))
    n = len(index)
    edges = pd.DataFrame({"a": rows + cols, "b": cols + rows, "s": secs + secs}).groupby(["a", "b"])["s"].min()
    a, b = zip(*edges.index, strict=True)
    g = sp.csr_matrix((edges.to_numpy(), (np.array(a), np.array(b))), shape=(n, n))
    xy = np.zeros((n, 2))
    for (lon, lat), i in index.items():
        xy[i] = TO_SWEREF.transform(lon, lat)
    return g, xy


def bus_trips(
    shapes: gpd.GeoDataFrame,
    stops: gpd.GeoDataFrame,
    stop_table: dict[str, BusStop],
    road_coords: list[list[tuple[float, float]]],
    speeds: list[float],
) -> list[BusTrip]:
    """Weekday bus trips on the road layer's car times (see the module docstring)."""
    patterns = _patterns(shapes, stops)
    graph, xy = _road_graph(road_coords, speeds)
    used = sorted({s for *_, order in patterns for s in order})
    nearest = {}
    for sid in used:
        st = stop_table[sid]
        nearest[sid] = int(np.argmin((xy[:, 0] - st.x) ** 2 + (xy[:, 1] - st.y) ** 2))
    sources = sorted(set(nearest.values()))
    times = dijkstra(graph, directed=False, indices=sources)
    row = {node: i for i, node in enumerate(sources)}
    trips = []
    for line, shape_id, n, order in patterns:
        offsets = [0]
        for a, b in itertools.pairwise(order):
            car = float(times[row[nearest[a]], nearest[b]])
            if not np.isfinite(car):
                raise ValueError(f"bus stops {a} and {b} are not connected on the road layer")
            offsets.append(offsets[-1] + max(30, round(car * BUS_TIME_FACTOR + DWELL_S)))
        trips.append(BusTrip(line, shape_id, tuple(order), tuple(offsets), tuple(_clock_times(n))))
    return trips


def stop_frame(stop_table: dict[str, BusStop], trips: list[BusTrip]) -> pd.DataFrame:
    """The stops used by the trips, sorted by id."""
    used = sorted({s for t in trips for s in t.stops})
    return pd.DataFrame([stop_table[s].__dict__ for s in used])
