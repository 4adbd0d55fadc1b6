"""Applying scenario changes to a copy of a layer set: :func:`apply_changes` and one operation per change type.

Each operation takes a layer set and its :class:`~tillvaxt_geo.scenario.changes.Change`
subclass, and returns a new layer set (changed frames are copies) and a note
saying what changed; the layers given are never modified.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import LineString, Point

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import did_you_mean, listed
from tillvaxt_geo.scenario.changes import (
    AddRoad,
    AddService,
    Change,
    ChangeType,
    CloseRoad,
    HousingCapacity,
    HousingRelease,
    RailDepartures,
    RailStop,
    RoadSpeed,
    parse_change,
)

__all__ = [
    "JOIN_M",
    "add_road",
    "add_service",
    "apply_changes",
    "close_road",
    "housing_capacity",
    "housing_release",
    "rail_departures",
    "rail_stop",
    "road_speed",
]

JOIN_M = 50.0  # a new road's end joins an existing road within this many metres
_PLACE_LAYERS = ("zones", "rail_stations", "mine_sites")


def _roads(layers: Layers, change: Change):
    return layers.require("roads", needed_for=change.label)


def _listed(ids: list[str]) -> str:
    return listed(ids, most=8)


# --------------------------------------------------------------------------- roads


def find_place(layers: Layers, name: str, *, label: str) -> Point:
    """The point of a zone, station or mine site named or identified by ``name`` (case-insensitive)."""
    wanted = name.strip().casefold()
    pool: list[str] = []
    for layer in _PLACE_LAYERS:
        frame = getattr(layers, layer)
        if frame is None or len(frame) == 0:
            continue
        ids = [str(i) for i in frame.index]
        names = [str(n) for n in frame["name"]] if "name" in frame.columns else ids
        pool += ids + names
        for fid, fname in zip(ids, names, strict=True):
            if wanted in (fid.casefold(), fname.casefold()):
                return point_of(frame, fid)
    raise ConfigError(f"{label}: no zone, station or mine site named {name!r}.{did_you_mean(name, pool)}")


def route_road_ids(layers: Layers, start: Point, end: Point) -> list[str]:
    """Road ids along the fastest car route between two points, in order."""
    from tillvaxt_geo.network.build import build_network

    net = build_network(Layers(roads=layers.roads, crs=layers.crs))
    (a, b), _ = net.snap_points(np.array([[start.x, start.y], [end.x, end.y]]))
    _, pred = dijkstra(net.car.forward, indices=int(a), return_predecessors=True)
    if a != b and pred[b] < 0:
        return []
    path = [int(b)]
    while path[-1] != a:
        path.append(int(pred[path[-1]]))
    path.reverse()
    g = net.car.forward
    road_ids = net.edges["road_id"].astype(str).to_numpy()
    out: list[str] = []
    for u, v in itertools.pairwise(path):
        row = slice(g.indptr[u], g.indptr[u + 1])
        k = g.indptr[u] + int(np.flatnonzero(g.indices[row] == v)[0])
        rid = road_ids[net.car.forward_edge[k]]
        if not out or out[-1] != rid:
            out.append(rid)
    return out


def road_speed(layers: Layers, change: RoadSpeed) -> tuple[Layers, str]:
    roads = _roads(layers, change)
    label = change.label
    if change.road_ids is not None:
        ids_or_error(label, "road", change.road_ids, roads.index)
        chosen = list(change.road_ids)
    else:
        assert change.ref is not None and change.from_ is not None and change.to is not None
        refs = roads["ref"].fillna("").astype(str) if "ref" in roads.columns else pd.Series("", index=roads.index)
        if change.ref not in set(refs):
            raise ConfigError(f"{label}: no road has ref {change.ref!r}.{did_you_mean(change.ref, set(refs) - {''})}")
        start = find_place(layers, change.from_, label=label)
        end = find_place(layers, change.to, label=label)
        on_route = route_road_ids(layers, start, end)
        if not on_route:
            raise ConfigError(f"{label}: there is no car route from {change.from_!r} to {change.to!r}")
        chosen = [r for r in on_route if refs.loc[r] == change.ref]
        if not chosen:
            seen = sorted({refs.loc[r] for r in on_route} - {""})
            raise ConfigError(
                f"{label}: the car route from {change.from_!r} to {change.to!r} uses no road with ref "
                f"{change.ref!r} (its refs: {', '.join(seen) or 'none'}); give road_ids instead"
            )
    out = roads.copy()
    out.loc[chosen, "speed_kmh"] = float(change.speed_kmh)
    return layers.replace(roads=out), f"speed {change.speed_kmh:g} km/h on {len(chosen)} road(s): {_listed(chosen)}"


def close_road(layers: Layers, change: CloseRoad) -> tuple[Layers, str]:
    roads = _roads(layers, change)
    ids_or_error(change.label, "road", change.road_ids, roads.index)
    out = roads.drop(index=list(change.road_ids))
    return layers.replace(roads=out), f"closed {len(change.road_ids)} road(s): {_listed(list(change.road_ids))}"


def add_road(layers: Layers, change: AddRoad) -> tuple[Layers, str]:
    roads = _roads(layers, change)
    if change.road_id in set(roads.index.astype(str)):
        raise ConfigError(f"{change.label}: a road with id {change.road_id!r} exists already; choose another road_id")
    line = lonlat_to_layers(layers, change.coordinates)
    coords = list(line.coords)
    out = roads.copy()
    joined = []
    for end in (0, -1):
        point = Point(coords[end])
        snapped, out, what = _join(out, point)
        if snapped is not None:
            coords[end] = snapped
        joined.append(what)
    row = {
        "road_id": change.road_id,
        "ref": change.ref or "",
        "road_class": change.road_class or "local",
        "speed_kmh": float(change.speed_kmh),
        "oneway": False,
        "name": "",
        "source": f"scenario {change.label}",
    }
    new = pd.DataFrame([row], index=pd.Index([change.road_id]))
    new["geometry"] = [LineString(coords)]
    out = with_rows(out, new)
    return layers.replace(
        roads=out
    ), f"added road {change.road_id!r} ({LineString(coords).length / 1000:.2f} km); start {joined[0]}, end {joined[1]}"


def _join(roads, point: Point):
    """Join an end point to the nearest road within JOIN_M: at a vertex, or a vertex inserted."""
    if len(roads) == 0:
        return None, roads, "loose (no roads)"
    geoms = roads.geometry.to_numpy()
    dist = shapely.distance(geoms, point)
    k = int(np.nanargmin(dist))
    if not dist[k] <= JOIN_M:
        return None, roads, f"loose (nearest road {dist[k]:,.0f} m away)"
    rid = str(roads.index[k])
    verts = shapely.get_coordinates(geoms[k])
    d = np.hypot(verts[:, 0] - point.x, verts[:, 1] - point.y)
    if d.min() <= JOIN_M:
        v = verts[int(np.argmin(d))]
        return (float(v[0]), float(v[1])), roads, f"joined to a vertex of {rid!r}"
    geom = geoms[k]
    if geom.geom_type != "LineString":
        return None, roads, f"loose (nearest road {rid!r} is a MultiLineString without a vertex within {JOIN_M:g} m)"
    at = geom.interpolate(geom.project(point))
    along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(verts, axis=0).T))])
    i = int(np.searchsorted(along, geom.project(point), side="right"))
    new_coords = [*map(tuple, verts[:i]), (at.x, at.y), *map(tuple, verts[i:])]
    roads = roads.copy()
    roads.loc[roads.index[k], "geometry"] = LineString(new_coords)
    return (at.x, at.y), roads, f"joined to {rid!r} at a new vertex"


# --------------------------------------------------------------------------- rail


def _services(layers: Layers, change: Change) -> pd.DataFrame:
    return layers.require("rail_services", needed_for=change.label)


def _route_services(services: pd.DataFrame, route: str, label: str) -> list[str]:
    routes = services["route"].astype(str) if "route" in services.columns else pd.Series("", index=services.index)
    if route not in set(routes):
        raise ConfigError(f"{label}: no rail service has route {route!r}.{did_you_mean(route, set(routes) - {''})}")
    return sorted(set(services.loc[routes == route, "service_id"].astype(str)))


def rail_departures(layers: Layers, change: RailDepartures) -> tuple[Layers, str]:
    services = _services(layers, change)
    sid = services["service_id"].astype(str)
    if change.service_id is not None:
        ids_or_error(change.label, "rail service", [change.service_id], sid)
        chosen = [change.service_id]
    else:
        assert change.route is not None
        chosen = _route_services(services, change.route, change.label)
    out = services.copy()
    rows = sid.isin(chosen).to_numpy()
    new = float(change.departures_peak_hour)
    old = pd.to_numeric(out.loc[rows, "departures_peak_hour"], errors="coerce")
    if "departures_weekday" in out.columns:
        weekday = pd.to_numeric(out.loc[rows, "departures_weekday"], errors="coerce")
        scaled = np.where(old > 0, weekday * new / old.where(old > 0, 1.0), 10 * new)
        out.loc[rows, "departures_weekday"] = np.round(scaled).astype(int)
    out.loc[rows, "departures_peak_hour"] = new
    return layers.replace(rail_services=out), f"{new:g} departures per peak hour on service(s) {_listed(chosen)}"


def _station_points(layers: Layers, label: str):
    return layers.require("rail_stations", needed_for=label)


def _along_line(layers: Layers, points: list[Point]) -> list[float] | None:
    """Positions of points along one rail line (within 1 km of it), or None."""
    lines = layers.rail_lines
    if lines is None or len(lines) == 0:
        return None
    merged = shapely.line_merge(shapely.union_all(lines.geometry.to_numpy()))
    parts = list(getattr(merged, "geoms", [merged]))
    for part in parts:
        if all(part.distance(p) <= 1000.0 for p in points):
            return [part.project(p) for p in points]
    return None


def _gap(layers: Layers, a: Point, b: Point, c: Point) -> tuple[float, float]:
    """Distances a–b and b–c along a rail line through all three, else straight."""
    along = _along_line(layers, [a, b, c])
    if along is not None:
        return abs(along[1] - along[0]), abs(along[2] - along[1])
    return a.distance(b), b.distance(c)


def rail_stop(layers: Layers, change: RailStop) -> tuple[Layers, str]:
    services = _services(layers, change)
    stations = _station_points(layers, change.label)
    ids_or_error(change.label, "rail station", [change.station_id], stations.index)
    chosen = _route_services(services, change.route, change.label)
    new_pt = point_of(stations, change.station_id)
    dwell = float(change.dwell_min or 0.0)
    out = services.copy()
    out["service_id"] = out["service_id"].astype(str)
    changed, already = [], []
    for sid in chosen:
        rows = out[out["service_id"] == sid].sort_values("stop_sequence")
        if (rows["station_id"].astype(str) == change.station_id).any():
            already.append(sid)
            continue
        pts = [point_of(stations, str(s)) for s in rows["station_id"]]
        best = None
        for k in range(len(rows) - 1):
            d1, d2 = _gap(layers, pts[k], new_pt, pts[k + 1])
            direct = max(pts[k].distance(pts[k + 1]), 1e-9)
            ratio = (new_pt.distance(pts[k]) + new_pt.distance(pts[k + 1])) / direct
            if best is None or ratio < best[0]:
                best = (ratio, k, d1, d2)
        if best is None or best[0] > 2.0:
            raise ConfigError(
                f"{change.label}: station {change.station_id!r} does not lie between two consecutive stops of "
                f"service {sid!r} (route {change.route}); add it with add_service instead"
            )
        _, k, d1, d2 = best
        arr = rows["arrival_min"].to_numpy(float)
        share = d1 / (d1 + d2) if d1 + d2 > 0 else 0.5
        new_row = rows.iloc[[k]].copy()
        new_row["station_id"] = change.station_id
        new_row["arrival_min"] = arr[k] + (arr[k + 1] - arr[k]) * share
        shifted = rows.copy()
        shifted.iloc[k + 1 :, shifted.columns.get_loc("arrival_min")] = arr[k + 1 :] + dwell  # type: ignore[index]
        merged = pd.concat([shifted.iloc[: k + 1], new_row, shifted.iloc[k + 1 :]])
        first = int(rows["stop_sequence"].iloc[0])
        merged["stop_sequence"] = np.arange(first, first + len(merged))
        out = pd.concat([out[out["service_id"] != sid], merged])
        changed.append(sid)
    if not changed:
        raise ConfigError(
            f"{change.label}: every service of route {change.route} already stops at {change.station_id!r}"
        )
    out = out.sort_values(["service_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    note = f"stop at {change.station_id!r} (dwell {dwell:g} min) added to {_listed(changed)}"
    if already:
        note += f"; already stopping: {_listed(already)}"
    return layers.replace(rail_services=out), note


def add_service(layers: Layers, change: AddService) -> tuple[Layers, str]:
    stations = _station_points(layers, change.label)
    services = layers.rail_services
    label = change.label
    back_id = f"{change.service_id}_return"
    if services is not None and {change.service_id, back_id} & set(services["service_id"].astype(str)):
        raise ConfigError(f"{label}: a rail service {change.service_id!r} exists already; choose another service_id")
    new_stations = []
    known = set(stations.index.astype(str))
    for stop in change.stops:
        if stop.startswith("site:"):
            site_id = stop.removeprefix("site:")
            sites = layers.require("mine_sites", needed_for=f"{label} stop {stop!r}")
            ids_or_error(label, "mine site", [site_id], sites.index)
            if stop not in known:
                name = str(sites.loc[site_id, "name"]) if "name" in sites.columns else site_id
                new_stations.append({"station_id": stop, "name": name, "geometry": point_of(sites, site_id)})
                known.add(stop)
        else:
            ids_or_error(label, "rail station (or site:<site_id>)", [stop], known)
    if new_stations:
        frame = pd.DataFrame(new_stations)
        frame.index = pd.Index(frame["station_id"])
        stations = with_rows(stations, frame)
    arrivals = np.concatenate([[0.0], np.cumsum(change.run_times_min)])
    back = np.concatenate([[0.0], np.cumsum(change.run_times_min[::-1])])
    rows = []
    for sid, stops, times in ((change.service_id, change.stops, arrivals), (back_id, change.stops[::-1], back)):
        for k, (st, t) in enumerate(zip(stops, times, strict=True)):
            rows.append(
                {
                    "service_id": sid,
                    "name": change.name or change.service_id,
                    "route": change.route or change.service_id,
                    "stop_sequence": k,
                    "station_id": st,
                    "arrival_min": float(t),
                    "departures_peak_hour": float(change.departures_peak_hour),
                    "departures_weekday": int(change.departures_weekday or 0),
                    "route_type": change.route_type or "bus",
                }
            )
    table = pd.DataFrame(rows)
    out = (
        table
        if services is None
        else pd.concat([services, table[[c for c in table.columns if c in services.columns]]], ignore_index=True)
    )
    path = " – ".join(change.stops)
    note = f"service {change.service_id!r} and {back_id!r}: {path}, {change.departures_peak_hour:g}/peak hour"
    if new_stations:
        note += f"; new stop(s) {', '.join(s['station_id'] for s in new_stations)}"
    return layers.replace(rail_services=out, rail_stations=stations), note


# --------------------------------------------------------------------------- housing


def housing_release(layers: Layers, change: HousingRelease) -> tuple[Layers, str]:
    housing = layers.require("housing_land", needed_for=change.label)
    ids_or_error(change.label, "housing area", change.housing_ids, housing.index)
    out = housing.copy()
    out.loc[list(change.housing_ids), "available_from"] = int(change.available_from)  # type: ignore[arg-type,index]
    return layers.replace(
        housing_land=out
    ), f"{_listed(list(change.housing_ids))} available from {change.available_from}"


def housing_capacity(layers: Layers, change: HousingCapacity) -> tuple[Layers, str]:
    housing = layers.require("housing_land", needed_for=change.label)
    ids_or_error(change.label, "housing area", [change.housing_id], housing.index)
    out = housing.copy()
    out.loc[change.housing_id, "capacity_dwellings"] = int(change.capacity_dwellings)  # type: ignore[arg-type,index]
    return layers.replace(housing_land=out), f"{change.housing_id!r} capacity {change.capacity_dwellings} dwellings"


# --------------------------------------------------------------------------- applying

_OPERATIONS: dict[ChangeType, Callable[[Layers, Any], tuple[Layers, str]]] = {
    ChangeType.ROAD_SPEED: road_speed,
    ChangeType.CLOSE_ROAD: close_road,
    ChangeType.ADD_ROAD: add_road,
    ChangeType.RAIL_DEPARTURES: rail_departures,
    ChangeType.RAIL_STOP: rail_stop,
    ChangeType.ADD_SERVICE: add_service,
    ChangeType.HOUSING_RELEASE: housing_release,
    ChangeType.HOUSING_CAPACITY: housing_capacity,
}


def apply_changes(layers: Layers, changes: Iterable[Change | Mapping[str, Any]]) -> Layers:
    """Apply changes in order to a copy of ``layers``.

    Parameters
    ----------
    layers
        The baseline layer set (left unchanged).
    changes
        :class:`Change` values, or ``[[changes]]`` tables to parse.

    Returns
    -------
    Layers
        The changed copy; ``notes`` gains one line per change.

    Raises
    ------
    ConfigError
        A change names a road, ref, place, route, station, site or housing
        area that does not exist (with close matches), or cannot be applied.
    """
    current = layers
    for i, raw in enumerate(changes):
        change = raw if isinstance(raw, Change) else parse_change(raw, index=i)
        current, note = _OPERATIONS[change.type](current, change)
        current = current.replace(notes=(*current.notes, f"{change.label}: {note}"))
    return current


def lonlat_to_layers(layers: Layers, coordinates: Sequence[tuple[float, float]]) -> LineString:
    """A WGS84 lon/lat polyline as a LineString in the layers' CRS."""
    to_crs = Transformer.from_crs("EPSG:4326", layers.crs, always_xy=True)
    xs, ys = to_crs.transform([c[0] for c in coordinates], [c[1] for c in coordinates])
    return LineString(list(zip(xs, ys, strict=True)))


def ids_or_error(label: str, what: str, wanted: Iterable[str], known: Iterable[str]) -> None:
    """Raise :class:`ConfigError` naming the first unknown id with close matches."""
    pool = [str(k) for k in known]
    known_set = set(pool)
    for item in wanted:
        if str(item) not in known_set:
            raise ConfigError(f"{label}: no {what} {item!r}.{did_you_mean(item, pool)}")


def point_of(frame: gpd.GeoDataFrame, feature: str) -> Point:
    """A feature's point (polygons: the representative point)."""
    geom = frame.geometry.loc[feature]
    return geom if geom.geom_type == "Point" else shapely.point_on_surface(geom)


def with_rows(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """Append rows keeping the frame's type, CRS and column order."""
    out = pd.concat([frame, rows[[c for c in rows.columns if c in frame.columns]]])
    if isinstance(frame, gpd.GeoDataFrame):
        out = gpd.GeoDataFrame(out, geometry=frame.geometry.name, crs=frame.crs)
    return out
