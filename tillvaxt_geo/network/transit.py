"""The public-transport part of the network: walk layers, stations, stops and rides.

Called by :func:`tillvaxt_geo.network.build.build_network`; see that module's
docstring for the layered graph. Node numbers (R road nodes, S stations)::

    [0, R)            road nodes (the drive layer of park & ride)
    [R, 2R)           walk, before the first boarding
    [2R, 3R)          walk after a ride (transfers between stations, egress)
    [3R, 3R+S)        station entrances
    [3R+S, 3R+2S)     station platforms
    [3R+2S, +n)       a departure node per stop of each service (n stops in all)
    [3R+2S+n, +n)     an arrival node per stop of each service

The in-vehicle distance of a ride is the straight line between the two
stations (rail_lines carry no timetable, and the time is what is searched).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd

from tillvaxt_geo.errors import NetworkError

if TYPE_CHECKING:
    from tillvaxt_geo.network.roads import RoadGraph
    from tillvaxt_geo.network.types import NetworkOptions

__all__ = ["Transit", "build_transit", "service_waits_min"]

_NEEDED = ("service_id", "stop_sequence", "station_id", "arrival_min")


@dataclass
class Transit:
    """Nodes, edges and station nodes added for public transport."""

    nodes: list[pd.DataFrame] = field(default_factory=list)
    edges: list[dict[str, np.ndarray]] = field(default_factory=list)
    stations: dict[str, tuple[int, int]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)


def _edges(
    tail: np.ndarray,
    head: np.ndarray,
    length: np.ndarray,
    speed: np.ndarray | float,
    time_s: np.ndarray,
    kind: str,
    road: np.ndarray | None = None,
) -> dict[str, np.ndarray]:
    n = len(tail)
    return {
        "tail": np.asarray(tail, dtype=np.int64),
        "head": np.asarray(head, dtype=np.int64),
        "length_m": np.asarray(length, dtype=float),
        "speed_kmh": np.broadcast_to(np.asarray(speed, dtype=float), (n,)).copy(),
        "travel_time_s": np.asarray(time_s, dtype=float),
        "road": np.full(n, -1, dtype=np.int64) if road is None else np.asarray(road, dtype=np.int64),
        "kind": np.full(n, kind, dtype=object),
        "car": np.zeros(n, dtype=bool),
        "pt": np.ones(n, dtype=bool),
    }


def service_waits_min(services: pd.DataFrame, options: NetworkOptions) -> pd.Series:
    """Expected wait per service in minutes, ``NaN`` for a service with no departures.

    Half the headway, capped at ``options.max_wait_min``; the headway comes
    from ``departures_peak_hour`` or, for ``frequency="weekday"``, from
    ``departures_weekday`` over ``options.service_hours``.
    """
    column = "departures_peak_hour" if options.frequency == "peak" else "departures_weekday"
    if column not in services.columns:
        raise NetworkError(
            f"layer 'rail_services' has no column '{column}', needed for frequency='{options.frequency}'"
        )
    per_service = services.sort_values("stop_sequence").groupby("service_id", sort=False)[column].first()
    departures = pd.to_numeric(per_service, errors="coerce")
    bad = departures.isna() | (departures < 0)
    if bad.any():
        raise NetworkError(
            f"rail_services: service(s) {', '.join(map(repr, departures.index[bad][:10]))} have a missing or "
            f"negative {column}; give the number of departures (0 if none)"
        )
    per_hour = departures if column == "departures_peak_hour" else departures / options.service_hours
    with np.errstate(divide="ignore"):
        wait = pd.Series(np.minimum(60.0 / (2.0 * per_hour), options.max_wait_min), index=per_hour.index)
    return wait.where(per_hour > 0)


def build_transit(
    *,
    rg: RoadGraph,
    snaps: pd.DataFrame,
    stations: gpd.GeoDataFrame,
    services: pd.DataFrame,
    options: NetworkOptions,
) -> Transit:
    """Walk layers, station entrances and platforms, and service stops with their edges."""
    out = Transit()
    n_road = len(rg.xy)
    missing = [c for c in _NEEDED if c not in services.columns]
    if missing:
        raise NetworkError(f"layer 'rail_services' lacks column(s) {', '.join(missing)}")
    # walking on every road both ways, before and after riding
    walk_time = rg.seg_length_m / options.walk_mps
    for offset, kind in ((n_road, "walk"), (2 * n_road, "walk_after_ride")):
        out.nodes.append(
            pd.DataFrame({"x": rg.xy[:, 0], "y": rg.xy[:, 1], "kind": kind, "ref": np.arange(n_road), "label": None})
        )
        for a, b in ((rg.seg_tail, rg.seg_head), (rg.seg_head, rg.seg_tail)):
            out.edges.append(
                _edges(a + offset, b + offset, rg.seg_length_m, options.walk_speed_kmh, walk_time, kind, rg.seg_road)
            )
    # stations
    snapped = snaps[snaps["layer"] == "rail_stations"].set_index("feature_id")
    station_ids = [str(s) for s in snapped.index]
    n_st = len(station_ids)
    st_pos = {s: i for i, s in enumerate(station_ids)}
    entrance = 3 * n_road + np.arange(n_st)
    platform = 3 * n_road + n_st + np.arange(n_st)
    out.stations = {s: (int(entrance[i]), int(platform[i])) for i, s in enumerate(station_ids)}
    sx, sy = snapped["x"].to_numpy(float), snapped["y"].to_numpy(float)
    for kind in ("entrance", "platform"):
        out.nodes.append(pd.DataFrame({"x": sx, "y": sy, "kind": kind, "ref": np.arange(n_st), "label": None}))
    road_node = snapped["node"].to_numpy(np.int64)
    d = snapped["snap_distance_m"].to_numpy(float)
    walk_s = d / options.walk_mps
    out.edges.append(_edges(road_node + n_road, entrance, d, options.walk_speed_kmh, walk_s, "station_access"))
    if options.park_and_ride:
        car_s = d / options.car_access_mps
        out.edges.append(_edges(road_node, entrance, d, options.car_access_speed_kmh, car_s, "park_and_ride"))
    out.edges.append(_edges(road_node + 2 * n_road, platform, d, options.walk_speed_kmh, walk_s, "station_access"))
    out.edges.append(_edges(platform, road_node + 2 * n_road, d, options.walk_speed_kmh, walk_s, "station_egress"))
    # services
    table = services.copy()
    table["service_id"] = table["service_id"].astype(str)
    table["station_id"] = table["station_id"].astype(str)
    unknown = sorted(set(table["station_id"]) - set(station_ids))
    if unknown:
        raise NetworkError(
            f"rail_services stop at station(s) not in rail_stations: {', '.join(unknown[:10])}; "
            "add the stations or correct the stop ids"
        )
    table["arrival_min"] = pd.to_numeric(table["arrival_min"], errors="coerce")
    table = table.sort_values(["service_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    waits = service_waits_min(table, options)
    sid = table["service_id"].to_numpy(dtype=object)
    arrival = table["arrival_min"].to_numpy(float)
    same_next = np.zeros(len(table), dtype=bool)
    same_next[:-1] = sid[1:] == sid[:-1]
    bad_time = ~np.isfinite(arrival)
    bad_time[:-1] |= same_next[:-1] & (arrival[1:] < arrival[:-1])
    if bad_time.any():
        raise NetworkError(
            f"rail_services: service(s) {', '.join(map(repr, pd.unique(sid[bad_time])[:10]))} have missing or "
            "decreasing arrival_min; times must not decrease along the stop_sequence"
        )
    no_departures = sorted(str(s) for s in waits.index[waits.isna()])
    if no_departures:
        out.notes.append(
            f"rail services without departures in the {options.frequency} window are not used: "
            + ", ".join(no_departures)
        )
    usable = ~pd.Series(sid).isin(no_departures).to_numpy()
    table = table[usable].reset_index(drop=True)
    sid, arrival, same_next = sid[usable], arrival[usable], same_next[usable]
    n_stops = len(table)
    # each stop is a departure node (boarded, ridden from) and an arrival node (ridden to, alighted
    # from), so no trip can board and alight at the same stop without riding
    depart = 3 * n_road + 2 * n_st + np.arange(n_stops)
    arrive = depart + n_stops
    st = np.array([st_pos[s] for s in table["station_id"]], dtype=np.int64)
    for kind in ("depart", "arrive"):
        labels = [f"{kind}:{s}:{q}" for s, q in zip(table["service_id"], table["stop_sequence"], strict=True)]
        out.nodes.append(pd.DataFrame({"x": sx[st], "y": sy[st], "kind": kind, "ref": st, "label": labels}))
    is_first = np.ones(n_stops, dtype=bool)
    is_first[1:] = sid[1:] != sid[:-1]
    board = np.flatnonzero(same_next)
    wait_s = waits.reindex(sid).to_numpy(float) * 60.0
    zero = np.zeros(len(board))
    out.edges.append(_edges(entrance[st[board]], depart[board], zero, np.nan, wait_s[board], "board"))
    penalty_s = options.transfer_penalty_min * 60.0
    out.edges.append(_edges(platform[st[board]], depart[board], zero, np.nan, wait_s[board] + penalty_s, "transfer"))
    ride_len = np.hypot(sx[st[board + 1]] - sx[st[board]], sy[st[board + 1]] - sy[st[board]])
    ride_s = (arrival[board + 1] - arrival[board]) * 60.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        ride_speed = np.where(ride_s > 0, ride_len / np.where(ride_s > 0, ride_s, 1.0) * 3.6, np.nan)
    out.edges.append(_edges(depart[board], arrive[board + 1], ride_len, ride_speed, ride_s, "ride"))
    stay = np.flatnonzero(~is_first & same_next)
    out.edges.append(_edges(arrive[stay], depart[stay], np.zeros(len(stay)), np.nan, np.zeros(len(stay)), "stay"))
    alight = np.flatnonzero(~is_first)
    out.edges.append(
        _edges(arrive[alight], platform[st[alight]], np.zeros(len(alight)), np.nan, np.zeros(len(alight)), "alight")
    )
    return out
