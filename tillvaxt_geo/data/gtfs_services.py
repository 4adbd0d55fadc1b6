"""GTFS feeds: read a timetable (directory or zip) into the ``rail_services`` layer and station points.

A service in tillvaxt_geo is one direction of one stopping pattern of a route
(``"53_0_a"``: route 53, direction 0, its most frequent pattern), in long
format: one row per stop with the median minutes after leaving the first stop,
the number of departures on the chosen day, and departures per hour in a
peak window. :func:`read_services` is what :func:`tillvaxt_geo.data.layers.load_layers`
calls for a layer set's ``gtfs/`` or ``gtfs.zip``.

Why plain pandas and not gtfs-kit (13.0.1 evaluated): ``import gtfs_kit``
imports folium and takes ~0.9 s (the package keeps folium in the map module
only); ``gtfs_kit.read_feed`` falls back to fetching a URL when a path does not
exist (nothing may be downloaded at run time); it silently skips empty and
missing files, so a feed without ``stop_times.txt`` cannot be reported as such;
and the figures needed here — median run times per stopping pattern,
departures in a window, the busiest date of a weekday — are not among its
``compute_*`` statistics (they are per trip, route or stop), so the pandas
work is the same either way. The reader is ~one vectorised pass over
``stop_times`` and handles calendar.txt and/or calendar_dates.txt, times past
24:00, blank intermediate times (interpolated) and frequencies.txt.

Days are GTFS service days: a trip of Tuesday's service leaving at 24:30 counts
on Tuesday. The peak window is half-open, ``[start, end)``, on the departure
time from the first stop, and may extend past 24:00 (``("23:00", "25:00")``).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import string
from collections.abc import Sequence
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd

from tillvaxt_geo.data.gtfs_tables import (
    LAYER,
    WEEKDAYS,
    Feed,
    active_services,
    choose_service_date,
    feed_period,
    parse_clock,
    parse_integers,
    parse_times,
    read_feed,
    route_mode,
)
from tillvaxt_geo.errors import ConfigError, LayerError, Problem, SchemaError

__all__ = [
    "WEEKDAYS",
    "Feed",
    "choose_service_date",
    "compute_services",
    "read_feed",
    "read_services",
    "read_stations",
    "read_stops",
    "route_mode",
    "service_segments",
]

log = logging.getLogger(__name__)

DEFAULT_WINDOW = ("06:00", "09:00")


# --------------------------------------------------------------------------- services


def _stop_times_seconds(feed: Feed, trip_ids: set[str]) -> pd.DataFrame:
    """Stop times of the given trips, ordered, with times in seconds (blank ones interpolated)."""
    file = str(Path(feed.path) / "stop_times.txt")
    st = feed.stop_times[feed.stop_times["trip_id"].isin(trip_ids)].copy()
    st["row"] = np.arange(len(feed.stop_times))[feed.stop_times["trip_id"].isin(trip_ids).to_numpy()] + 2
    if not len(st):
        raise SchemaError(
            f"file {file}: no stop times for the trips that run (the file holds only its header, or none "
            "of its trip_id values is in trips.txt); a feed needs at least two stop times per trip",
            [Problem("no stop times", file=file, layer=LAYER)],
        )
    st["stop_sequence"] = parse_integers(st["stop_sequence"], file=file, column="stop_sequence")
    st["arr"] = parse_times(st["arrival_time"], file=file, column="arrival_time", trip_ids=st["trip_id"])
    st["dep"] = parse_times(st["departure_time"], file=file, column="departure_time", trip_ids=st["trip_id"])
    st["arr"] = st["arr"].fillna(st["dep"])
    st["dep"] = st["dep"].fillna(st["arr"])
    st = st.sort_values(["trip_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    if st["arr"].isna().any():
        # GTFS allows blank times between timepoints: interpolate linearly by position in the trip
        position = st.groupby("trip_id").cumcount().astype(float)
        known = st["arr"].notna()
        grouped_pos = position.where(known).groupby(st["trip_id"])
        grouped_t = st["arr"].groupby(st["trip_id"])
        p0, p1 = grouped_pos.ffill(), grouped_pos.bfill()
        t0, t1 = grouped_t.ffill(), grouped_t.bfill()
        span = (p1 - p0).replace(0, np.nan)
        filled = t0 + (t1 - t0) * (position - p0) / span
        st["arr"] = st["arr"].fillna(filled)
        st["dep"] = st["dep"].fillna(st["arr"])
        broken = st.loc[st["arr"].isna(), "trip_id"].unique()
        if len(broken):
            log.info(
                "GTFS %s: %d trip(s) lack a time at the first or last stop and are skipped: %s",
                feed.path,
                len(broken),
                ", ".join(map(str, broken[:5])),
            )
            st = st[~st["trip_id"].isin(set(broken))]
    return st


def _check_trip_times(st: pd.DataFrame, *, file: str) -> None:
    """Every trip has at least two stops and times that never go back along it.

    ``st`` is ordered by trip and stop sequence, with a ``row`` column holding
    each stop time's line in the file. A time that goes back would otherwise
    become a negative run time clamped to 0 minutes: a silently wrong, far
    too fast trip.
    """
    if not len(st):
        raise SchemaError(
            f"file {file}: no stop times for the trips that run (the file holds only its header, or none "
            "of its trip_id values is in trips.txt); a feed needs at least two stop times per trip",
            [Problem("no stop times", file=file, layer=LAYER)],
        )
    sizes = st.groupby("trip_id", sort=False)["trip_id"].transform("size")
    if (sizes < 2).any():
        short = st.loc[sizes < 2]
        rows = ", ".join(
            f"row {r} (trip {t})" for r, t in zip(short["row"].head(5), short["trip_id"].head(5), strict=True)
        )
        raise SchemaError(
            f"file {file}, column 'trip_id': a trip needs at least two stops, found one in {rows}; "
            "add the trip's other stops or remove it",
            [Problem("trip with one stop", file=file, layer=LAYER, column="trip_id")],
        )
    same_trip = st["trip_id"].eq(st["trip_id"].shift())
    repeated = same_trip & st["stop_sequence"].eq(st["stop_sequence"].shift())
    if repeated.any():
        wrong = st.loc[repeated]
        rows = ", ".join(
            f"row {r} (trip {t})" for r, t in zip(wrong["row"].head(5), wrong["trip_id"].head(5), strict=True)
        )
        raise SchemaError(
            f"file {file}, column 'stop_sequence': a trip lists one stop_sequence twice at {rows}; the order of "
            "its stops is ambiguous. Number each trip's stops uniquely",
            [Problem("repeated stop_sequence", file=file, layer=LAYER, column="stop_sequence")],
        )
    back = same_trip & (st["arr"] < st["dep"].shift())
    dwell_back = st["dep"] < st["arr"]
    bad = back | dwell_back
    if bad.any():
        wrong = st.loc[bad]
        column = "departure_time" if dwell_back[bad].iloc[0] and not back[bad].iloc[0] else "arrival_time"
        rows = ", ".join(
            f"row {r} (trip {t})" for r, t in zip(wrong["row"].head(5), wrong["trip_id"].head(5), strict=True)
        )
        raise SchemaError(
            f"file {file}, column '{column}': times go back along a trip at {rows}"
            f"{' and more' if len(wrong) > 5 else ''}; each stop's arrival must not come before the previous "
            "stop's departure, nor its departure before its arrival. Fix the times or the stop_sequence",
            [Problem("times go back along a trip", file=file, layer=LAYER, column=column)],
        )


def _first_departures(feed: Feed, first: pd.Series) -> pd.DataFrame:
    """One row per run of each trip: ``trip_id``, ``start_s`` (frequencies.txt expanded)."""
    runs = pd.DataFrame({"trip_id": first.index, "start_s": first.to_numpy()})
    if feed.frequencies is None or not len(feed.frequencies):
        return runs
    file = str(Path(feed.path) / "frequencies.txt")
    freq = feed.frequencies[feed.frequencies["trip_id"].isin(set(first.index))]
    if not len(freq):
        return runs
    start = parse_times(freq["start_time"], file=file, column="start_time", trip_ids=freq["trip_id"])
    end = parse_times(freq["end_time"], file=file, column="end_time", trip_ids=freq["trip_id"])
    headway = parse_integers(freq["headway_secs"], file=file, column="headway_secs").to_numpy()
    if (headway <= 0).any():
        raise SchemaError(f"file {file}, column 'headway_secs': headways must be > 0 seconds")
    n = np.maximum(np.ceil((end - start) / headway), 0).astype(int)
    expanded = pd.DataFrame(
        {
            "trip_id": np.repeat(freq["trip_id"].to_numpy(), n),
            "start_s": np.repeat(start, n) + np.concatenate([np.arange(k) for k in n]) * np.repeat(headway, n)
            if n.sum()
            else np.zeros(0),
        }
    )
    return pd.concat([runs[~runs["trip_id"].isin(set(freq["trip_id"]))], expanded], ignore_index=True)


def _pattern_ids(st: pd.DataFrame) -> pd.Series:
    """Number each trip's station sequence: equal sequences, equal ids (exact, vectorised).

    ``st`` is sorted by trip and stop order. Trips are grouped by length and
    the sequences of each length compared as rows with :func:`numpy.unique`.
    """
    codes, _ = pd.factorize(st["station_id"])
    trip_codes, trip_ids = pd.factorize(st["trip_id"], sort=False)
    lengths = np.bincount(trip_codes)
    starts = np.concatenate([[0], np.cumsum(lengths)[:-1]])
    ids = np.empty(len(lengths), dtype=np.int64)
    offset = 0
    for n in np.unique(lengths):
        rows = np.flatnonzero(lengths == n)
        table = codes[starts[rows][:, None] + np.arange(n)[None, :]]
        unique, inverse = np.unique(table, axis=0, return_inverse=True)
        ids[rows] = offset + inverse.reshape(-1)
        offset += len(unique)
    return pd.Series(ids, index=pd.Index(trip_ids, name="trip_id"))


def _letters(k: int) -> str:
    out = ""
    k += 1
    while k:
        k, r = divmod(k - 1, 26)
        out = string.ascii_lowercase[r] + out
    return out


def compute_services(
    feed: Feed,
    *,
    weekday: str | None = None,
    date: str | dt.date | None = None,
    window: tuple[str, str] = DEFAULT_WINDOW,
    modes: Sequence[str] = ("rail", "bus"),
) -> pd.DataFrame:
    """Turn a feed into services: one row per stop of each direction and stopping pattern.

    Parameters
    ----------
    feed
        The feed (:func:`read_feed`).
    weekday, date
        The service day; see :func:`choose_service_date` (default: the
        busiest Tuesday of the feed).
    window
        Peak window ``(start, end)`` as ``HH:MM``, half-open, on the departure
        from the first stop; hours may pass 24.
    modes
        Which route modes to keep, ``"rail"`` and/or ``"bus"``.

    Returns
    -------
    pandas.DataFrame
        The ``rail_services`` layer: ``service_id, name, route, stop_sequence,
        station_id, arrival_min, departures_peak_hour, departures_weekday,
        route_type``. Stops with a ``parent_station`` are reported as their
        parent. ``.attrs["service_date"]`` holds the day used (ISO text).
    """
    unknown_modes = sorted(set(modes) - {"rail", "bus"})
    if unknown_modes:
        raise ConfigError(f"unknown mode(s) {', '.join(unknown_modes)}; valid modes: rail, bus")
    start_s = parse_clock(window[0], what="window start")
    end_s = parse_clock(window[1], what="window end")
    if end_s <= start_s:
        raise ConfigError(f"window {window[0]}–{window[1]} is empty; the end must come after the start")
    window_h = (end_s - start_s) / 3600.0
    day = choose_service_date(feed, weekday=weekday, date=date)
    root = Path(feed.path)

    routes = feed.routes.copy()
    route_types = parse_integers(routes["route_type"], file=str(root / "routes.txt"), column="route_type")
    routes["mode"] = route_types.map(route_mode)
    skipped = routes[routes["mode"].isna() | ~routes["mode"].isin(list(modes))]
    if len(skipped):
        types = ", ".join(sorted(set(skipped["route_type"].astype(str))))
        log.info("GTFS %s: %d route(s) of type %s skipped (kept: %s)", feed.path, len(skipped), types, ", ".join(modes))
    routes = routes.drop(skipped.index)

    duplicated = feed.trips["trip_id"][feed.trips["trip_id"].duplicated()]
    if len(duplicated):
        raise SchemaError(
            f"file {root / 'trips.txt'}, column 'trip_id': trip ids must be unique, found "
            f"{', '.join(map(str, duplicated.unique()[:5]))} more than once; remove or rename the duplicates",
            [Problem("duplicate trip ids", file=str(root / "trips.txt"), layer=LAYER, column="trip_id")],
        )
    unknown_routes = sorted(set(feed.trips["route_id"]) - set(feed.routes["route_id"]))
    if unknown_routes:
        raise SchemaError(
            f"file {root / 'trips.txt'}, column 'route_id': trips name routes {', '.join(unknown_routes[:5])} "
            "that are not in routes.txt; add the routes or correct the ids",
            [Problem("unknown route", file=str(root / "trips.txt"), layer=LAYER, column="route_id")],
        )
    active = active_services(feed, day)
    trips = feed.trips[feed.trips["service_id"].isin(active) & feed.trips["route_id"].isin(set(routes["route_id"]))]
    if not len(trips):
        period = feed_period(feed)
        raise LayerError(
            f"GTFS feed {feed.path}: no {' or '.join(modes)} trip runs on {day} ({WEEKDAYS[day.weekday()]}); "
            f"the feed has service between {period[0] if period else '?'} and {period[1] if period else '?'}; "
            "choose another date or weekday"
        )
    st = _stop_times_seconds(feed, set(trips["trip_id"]))
    _check_trip_times(st, file=str(root / "stop_times.txt"))
    unknown_trips = set(trips["trip_id"]) - set(st["trip_id"].unique())
    if unknown_trips:
        log.info("GTFS %s: %d active trip(s) have no stop times and are skipped", feed.path, len(unknown_trips))

    parent = feed.stops.set_index("stop_id")["parent_station"]
    parent = parent[~parent.index.duplicated()]
    station = st["stop_id"].map(parent).fillna("")
    st["station_id"] = station.where(station.ne(""), st["stop_id"])
    unknown_stops = sorted(set(st["stop_id"].unique()) - set(feed.stops["stop_id"]))
    if unknown_stops:
        raise SchemaError(
            f"file {root / 'stop_times.txt'}, column 'stop_id': stops {', '.join(unknown_stops[:5])} are not "
            f"in stops.txt; add them or correct the ids",
            [Problem("unknown stop", file=str(root / "stop_times.txt"), layer=LAYER, column="stop_id")],
        )

    grouped = st.groupby("trip_id", sort=False)
    first_dep = grouped["dep"].first()
    st["elapsed_s"] = st["arr"] - st["trip_id"].map(first_dep)
    st["position"] = grouped.cumcount()
    pattern = _pattern_ids(st)
    info = trips.set_index("trip_id").loc[pattern.index, ["route_id", "direction_id"]].copy()
    info["direction_id"] = info["direction_id"].replace("", "0")
    info["pattern"] = pattern
    runs = _first_departures(feed, first_dep)
    runs = runs.merge(info, left_on="trip_id", right_index=True)
    runs["peak"] = (runs["start_s"] >= start_s) & (runs["start_s"] < end_s)
    key = ["route_id", "direction_id", "pattern"]
    counted = runs.groupby(key, sort=False).agg(departures_weekday=("trip_id", "size"), peak=("peak", "sum"))
    counted = counted.reset_index().sort_values(
        ["route_id", "direction_id", "departures_weekday"], ascending=[True, True, False], kind="stable"
    )
    counted["letter"] = counted.groupby(["route_id", "direction_id"]).cumcount().map(_letters)

    routes = routes.set_index("route_id")
    routes = routes[~routes.index.duplicated()]
    short = routes["route_short_name"].where(routes["route_short_name"].ne(""), routes.index.to_series())
    clash = short[short.duplicated(keep=False)].index
    label = short.copy()
    label.loc[clash] = clash  # two routes with one short name: name services by route_id
    counted["service_id"] = (
        counted["route_id"].map(label) + "_" + counted["direction_id"].astype(str) + "_" + counted["letter"]
    )

    info = info.merge(counted[[*key, "service_id"]], on=key, how="left").set_index(pattern.index)
    st["service_id"] = st["trip_id"].map(info["service_id"])
    medians = st.groupby(["service_id", "position"], sort=False).agg(
        station_id=("station_id", "first"), arrival_s=("elapsed_s", "median")
    )
    out = medians.reset_index().rename(columns={"position": "stop_sequence"})
    per_service = counted.set_index("service_id")
    out["route_id"] = out["service_id"].map(per_service["route_id"])
    long_name = routes["route_long_name"].where(routes["route_long_name"].ne(""), short)
    out["name"] = out["route_id"].map(long_name)
    out["route"] = out["route_id"].map(short)
    out["arrival_min"] = (out["arrival_s"] / 60.0).clip(lower=0.0)
    out["departures_peak_hour"] = out["service_id"].map(per_service["peak"]).astype(float) / window_h
    out["departures_weekday"] = out["service_id"].map(per_service["departures_weekday"]).astype("int64")
    out["route_type"] = out["route_id"].map(routes["mode"])
    out = out.sort_values(["service_id", "stop_sequence"], kind="stable").reset_index(drop=True)
    columns = [
        "service_id",
        "name",
        "route",
        "stop_sequence",
        "station_id",
        "arrival_min",
        "departures_peak_hour",
        "departures_weekday",
        "route_type",
    ]
    result = out[columns].copy()
    result["stop_sequence"] = result["stop_sequence"].astype("int64")
    result.attrs["service_date"] = day.isoformat()
    log.info(
        "GTFS %s: %d service(s), %d trip(s) on %s, peak window %s–%s",
        feed.path,
        result["service_id"].nunique(),
        len(runs),
        day,
        window[0],
        window[1],
    )
    return result


def read_services(
    path: str | os.PathLike[str],
    *,
    weekday: str | None = None,
    date: str | dt.date | None = None,
    window: tuple[str, str] = DEFAULT_WINDOW,
    modes: Sequence[str] = ("rail", "bus"),
) -> pd.DataFrame:
    """Read a GTFS feed (directory or zip) into the ``rail_services`` layer.

    Parameters
    ----------
    path
        Feed directory or ``.zip``.
    weekday, date, window, modes
        As in :func:`compute_services`: the busiest Tuesday and 06:00–09:00
        by default.

    Returns
    -------
    pandas.DataFrame
        One row per stop of each service (see :func:`compute_services`).

    Raises
    ------
    LayerNotFoundError, SchemaError, LayerError
        Missing files, columns or unreadable values, each named.
    ConfigError
        A bad weekday, date, window or mode.
    """
    return compute_services(read_feed(path), weekday=weekday, date=date, window=window, modes=modes)


def service_segments(services: pd.DataFrame) -> pd.DataFrame:
    """Run time and peak headway between consecutive stops of each service.

    Parameters
    ----------
    services
        A ``rail_services`` table.

    Returns
    -------
    pandas.DataFrame
        ``service_id, from_station_id, to_station_id, run_time_min,
        departures_peak_hour, headway_peak_min`` (``inf`` without peak departures).
    """
    ordered = services.sort_values(["service_id", "stop_sequence"], kind="stable")
    nxt = ordered.groupby("service_id").shift(-1)
    keep = nxt["station_id"].notna()
    out = pd.DataFrame(
        {
            "service_id": ordered.loc[keep, "service_id"],
            "from_station_id": ordered.loc[keep, "station_id"],
            "to_station_id": nxt.loc[keep, "station_id"],
            "run_time_min": nxt.loc[keep, "arrival_min"] - ordered.loc[keep, "arrival_min"],
            "departures_peak_hour": ordered.loc[keep, "departures_peak_hour"].astype(float),
        }
    )
    with np.errstate(divide="ignore"):
        out["headway_peak_min"] = 60.0 / out["departures_peak_hour"].to_numpy()
    return out.reset_index(drop=True)


# --------------------------------------------------------------------------- stops and stations


def _stop_points(feed: Feed) -> gpd.GeoDataFrame:
    file = str(Path(feed.path) / "stops.txt")
    stops = feed.stops.copy()
    kind = pd.to_numeric(stops["location_type"].replace("", "0"), errors="coerce").fillna(0).astype(int)
    stops = stops[kind.isin([0, 1])].copy()
    stops["location_type"] = kind[stops.index]
    lat = pd.to_numeric(stops["stop_lat"], errors="coerce")
    lon = pd.to_numeric(stops["stop_lon"], errors="coerce")
    bad = lat.isna() | lon.isna() | ~lat.between(-90, 90) | ~lon.between(-180, 180)
    if bad.any():
        raise SchemaError(
            f"file {file}, columns 'stop_lat', 'stop_lon': stops and stations need WGS 84 coordinates "
            f"(latitude -90..90, longitude -180..180); missing or out of range for stops "
            f"{', '.join(stops.loc[bad, 'stop_id'].astype(str).head(5))}",
            [Problem("bad coordinates", file=file, layer="rail_stations", column="stop_lat, stop_lon")],
        )
    return gpd.GeoDataFrame(
        {
            "stop_id": stops["stop_id"].to_numpy(),
            "name": stops["stop_name"].where(stops["stop_name"].ne(""), stops["stop_id"]).to_numpy(),
            "parent_station": stops["parent_station"].to_numpy(),
            "location_type": stops["location_type"].to_numpy(),
        },
        geometry=gpd.points_from_xy(lon, lat),
        crs="EPSG:4326",
    )


def read_stops(path: str | os.PathLike[str]) -> gpd.GeoDataFrame:
    """Read the stops and stations of a GTFS feed as points.

    Parameters
    ----------
    path
        Feed directory or ``.zip``.

    Returns
    -------
    geopandas.GeoDataFrame
        ``stop_id, name, parent_station, location_type, geometry`` in
        EPSG:4326, for stops (location type 0) and stations (1); entrances
        and nodes are left out.
    """
    return _stop_points(read_feed(path))


def read_stations(path: str | os.PathLike[str], *, services: pd.DataFrame | None = None) -> gpd.GeoDataFrame:
    """Read a feed's stations in the ``rail_stations`` schema.

    A station is a stop without a ``parent_station`` (the station itself, or
    a stop that belongs to none), which is how :func:`read_services` names
    the stations it serves.

    Parameters
    ----------
    path
        Feed directory or ``.zip``.
    services
        If given, keep only the stations these services stop at.

    Returns
    -------
    geopandas.GeoDataFrame
        ``station_id, name, geometry`` in EPSG:4326.
    """
    stops = _stop_points(read_feed(path))
    stations = stops[stops["parent_station"].eq("")]
    out = gpd.GeoDataFrame(
        {"station_id": stations["stop_id"].to_numpy(), "name": stations["name"].to_numpy()},
        geometry=stations.geometry.to_numpy(),
        crs="EPSG:4326",
    )
    if services is not None:
        out = out[out["station_id"].isin(set(services["station_id"].astype(str)))]
    return out.reset_index(drop=True)
