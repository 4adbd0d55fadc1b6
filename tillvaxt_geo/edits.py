"""Scenario changes to roads, rail services and housing land, applied to a copy of a layer set.

A scenario's ``[[changes]]`` tables are parsed by :func:`parse_change` into
:class:`Change` values and applied in order by :func:`apply_changes`, which
returns a new :class:`~tillvaxt_geo.layers.Layers`; the layers given are never
modified. Each change adds a line to ``Layers.notes`` saying what it did.

The vocabulary (keys in brackets are optional):

``road_speed``
    ``ref``, ``from``, ``to``, ``speed_kmh`` — the roads with that ref on the
    fastest car route between two places (names or ids of zones, stations or
    mine sites, case-insensitive) get the speed; or ``road_ids`` and
    ``speed_kmh``. Whole road features change: split a road in the layer
    where a change should stop.
``close_road``
    ``road_ids``.
``add_road``
    ``road_id``, ``coordinates`` (``[[lon, lat], ...]`` in WGS84),
    ``speed_kmh``, [``ref``], [``road_class``]. Each end joins the nearest
    existing road within 50 m (``JOIN_M``): at its nearest vertex if one lies
    within 50 m, else at a vertex inserted into that road; an end with no
    road within 50 m stays loose.
``rail_departures``
    ``route`` or ``service_id``, ``departures_peak_hour`` — set on every
    service of the route (both directions): each trip on the route then has
    that frequency. ``departures_weekday`` is scaled by the same factor.
``rail_stop``
    ``route``, ``station_id``, [``dwell_min``] (default 1) — each service of
    the route that passes the station without stopping gets a stop between
    the neighbouring stops where the detour is least; its arrival is
    interpolated by distance (along ``rail_lines`` when the three stations
    lie on one line, else straight), and later stops are shifted by the dwell.
``add_service``
    ``service_id``, ``stops``, ``run_times_min``, ``departures_peak_hour``,
    [``name``], [``route``], [``route_type``] (default bus),
    [``departures_weekday``] (default 10 × the peak figure) — a new service
    in both directions (``<id>`` and ``<id>_return``). A stop
    ``site:<site_id>`` is a new stop at that mine site, added to
    ``rail_stations`` with that id.
``housing_release``
    ``housing_ids``, ``available_from``.
``housing_capacity``
    ``housing_id``, ``capacity_dwellings``.
"""

from __future__ import annotations

import dataclasses
import difflib
import enum
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.layers import Layers

__all__ = ["JOIN_M", "Change", "ChangeType", "apply_changes", "parse_change"]

JOIN_M = 50.0


class ChangeType(enum.StrEnum):
    """The kinds of scenario change."""

    ROAD_SPEED = "road_speed"
    CLOSE_ROAD = "close_road"
    ADD_ROAD = "add_road"
    RAIL_DEPARTURES = "rail_departures"
    RAIL_STOP = "rail_stop"
    ADD_SERVICE = "add_service"
    HOUSING_RELEASE = "housing_release"
    HOUSING_CAPACITY = "housing_capacity"


# per type: (required keys, optional keys); "type" is always allowed
_KEYS: dict[ChangeType, tuple[frozenset[str], frozenset[str]]] = {
    ChangeType.ROAD_SPEED: (frozenset({"speed_kmh"}), frozenset({"ref", "from", "to", "road_ids"})),
    ChangeType.CLOSE_ROAD: (frozenset({"road_ids"}), frozenset()),
    ChangeType.ADD_ROAD: (frozenset({"road_id", "coordinates", "speed_kmh"}), frozenset({"ref", "road_class"})),
    ChangeType.RAIL_DEPARTURES: (frozenset({"departures_peak_hour"}), frozenset({"route", "service_id"})),
    ChangeType.RAIL_STOP: (frozenset({"route", "station_id"}), frozenset({"dwell_min"})),
    ChangeType.ADD_SERVICE: (
        frozenset({"service_id", "stops", "run_times_min", "departures_peak_hour"}),
        frozenset({"name", "route", "route_type", "departures_weekday"}),
    ),
    ChangeType.HOUSING_RELEASE: (frozenset({"housing_ids", "available_from"}), frozenset()),
    ChangeType.HOUSING_CAPACITY: (frozenset({"housing_id", "capacity_dwellings"}), frozenset()),
}


@dataclass(frozen=True)
class Change:
    """One scenario change; the fields its type uses are set, the others are ``None``.

    ``from_`` holds the TOML key ``from``. :meth:`to_dict` gives the TOML form.
    """

    type: ChangeType
    index: int | None = None
    ref: str | None = None
    from_: str | None = None
    to: str | None = None
    speed_kmh: float | None = None
    road_ids: tuple[str, ...] | None = None
    road_id: str | None = None
    coordinates: tuple[tuple[float, float], ...] | None = None
    road_class: str | None = None
    route: str | None = None
    service_id: str | None = None
    departures_peak_hour: float | None = None
    departures_weekday: int | None = None
    station_id: str | None = None
    dwell_min: float | None = None
    name: str | None = None
    route_type: str | None = None
    stops: tuple[str, ...] | None = None
    run_times_min: tuple[float, ...] | None = None
    housing_ids: tuple[str, ...] | None = None
    housing_id: str | None = None
    available_from: int | None = None
    capacity_dwellings: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The change as its ``[[changes]]`` table (set keys only, lists as lists)."""
        out: dict[str, Any] = {"type": self.type.value}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name in ("type", "index") or value is None:
                continue
            if isinstance(value, tuple):
                value = [list(v) if isinstance(v, tuple) else v for v in value]
            out["from" if f.name == "from_" else f.name] = value
        return out

    @property
    def label(self) -> str:
        """How messages name this change."""
        where = f"[[changes]] entry {self.index + 1}" if self.index is not None else "change"
        return f"{where} ({self.type.value})"


# --------------------------------------------------------------------------- parsing


def _close(word: str, candidates: Iterable[str]) -> str:
    pool = sorted({str(c) for c in candidates})
    close = difflib.get_close_matches(str(word), pool, n=3, cutoff=0.5)
    lowered = {c.lower(): c for c in pool}
    close += [lowered[m] for m in difflib.get_close_matches(str(word).lower(), list(lowered), n=3, cutoff=0.5)]
    close = list(dict.fromkeys(close))[:3]
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def _number(
    label: str, key: str, value: Any, *, minimum: float = 0.0, strict: bool = True, whole: bool = False
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ConfigError(f"{label}: '{key}' must be a number, got {value!r}")
    if (strict and value <= minimum) or (not strict and value < minimum):
        raise ConfigError(f"{label}: '{key}' must be {'>' if strict else '>='} {minimum:g}, got {value!r}")
    if whole and float(value) != int(value):
        raise ConfigError(f"{label}: '{key}' must be a whole number, got {value!r}")
    return float(value)


def _text(label: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{label}: '{key}' must be text, got {value!r}")
    return str(value)


def _texts(label: str, key: str, value: Any, *, min_len: int = 1) -> tuple[str, ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) < min_len:
        raise ConfigError(f"{label}: '{key}' must be a list of at least {min_len} id(s), got {value!r}")
    return tuple(_text(label, key, v) for v in value)


def parse_change(mapping: Mapping[str, Any], *, index: int | None = None) -> Change:
    """Validate one ``[[changes]]`` table and return it as a :class:`Change`.

    Parameters
    ----------
    mapping
        The table as read from TOML.
    index
        Its position in the scenario's list (0-based), for messages.

    Returns
    -------
    Change
        The validated change (names are checked against layers only when
        applied).

    Raises
    ------
    ConfigError
        Unknown type or key (listing the valid ones), missing key, bad value.
    """
    where = f"[[changes]] entry {index + 1}" if index is not None else "change"
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"{where} must be a table, got {mapping!r}")
    valid_types = ", ".join(t.value for t in ChangeType)
    raw_type = mapping.get("type")
    if raw_type is None:
        raise ConfigError(f"{where} has no 'type'; valid types: {valid_types}")
    try:
        kind = ChangeType(str(raw_type))
    except ValueError:
        raise ConfigError(
            f"{where}: unknown change type {raw_type!r}.{_close(str(raw_type), [t.value for t in ChangeType])} "
            f"Valid types: {valid_types}"
        ) from None
    label = f"{where} ({kind.value})"
    required, optional = _KEYS[kind]
    keys = set(mapping) - {"type"}
    unknown = sorted(keys - required - optional)
    if unknown:
        raise ConfigError(
            f"{label}: unknown key(s) {', '.join(unknown)}; valid keys: type, {', '.join(sorted(required | optional))}"
        )
    missing = sorted(required - keys)
    if missing:
        raise ConfigError(f"{label}: missing key(s) {', '.join(missing)}")
    m = dict(mapping)
    f: dict[str, Any] = {}
    if kind is ChangeType.ROAD_SPEED:
        f["speed_kmh"] = _number(label, "speed_kmh", m["speed_kmh"])
        by_place = {"ref", "from", "to"} & keys
        if "road_ids" in keys:
            if by_place:
                raise ConfigError(f"{label}: give either road_ids or ref/from/to, not both")
            f["road_ids"] = _texts(label, "road_ids", m["road_ids"])
        elif by_place != {"ref", "from", "to"}:
            raise ConfigError(
                f"{label}: give ref, from and to (or road_ids); missing "
                + ", ".join(sorted({"ref", "from", "to"} - by_place))
            )
        else:
            f.update(
                ref=_text(label, "ref", m["ref"]), from_=_text(label, "from", m["from"]), to=_text(label, "to", m["to"])
            )
    elif kind is ChangeType.CLOSE_ROAD:
        f["road_ids"] = _texts(label, "road_ids", m["road_ids"])
    elif kind is ChangeType.ADD_ROAD:
        f["road_id"] = _text(label, "road_id", m["road_id"])
        f["speed_kmh"] = _number(label, "speed_kmh", m["speed_kmh"])
        f["coordinates"] = _coordinates(label, m["coordinates"])
        f["ref"] = _text(label, "ref", m.get("ref", ""))
        f["road_class"] = _text(label, "road_class", m.get("road_class", "local"))
    elif kind is ChangeType.RAIL_DEPARTURES:
        which = {"route", "service_id"} & keys
        if len(which) != 1:
            raise ConfigError(f"{label}: give exactly one of route or service_id")
        key = which.pop()
        f[key] = _text(label, key, m[key])
        f["departures_peak_hour"] = _number(label, "departures_peak_hour", m["departures_peak_hour"], strict=False)
    elif kind is ChangeType.RAIL_STOP:
        f["route"] = _text(label, "route", m["route"])
        f["station_id"] = _text(label, "station_id", m["station_id"])
        f["dwell_min"] = _number(label, "dwell_min", m.get("dwell_min", 1.0), strict=False)
    elif kind is ChangeType.ADD_SERVICE:
        f["service_id"] = _text(label, "service_id", m["service_id"])
        f["stops"] = _texts(label, "stops", m["stops"], min_len=2)
        runs = m["run_times_min"]
        if isinstance(runs, (str, bytes)) or not isinstance(runs, Sequence) or len(runs) != len(f["stops"]) - 1:
            raise ConfigError(
                f"{label}: 'run_times_min' must list {len(f['stops']) - 1} run time(s), "
                "one per pair of consecutive stops"
            )
        f["run_times_min"] = tuple(_number(label, "run_times_min", r, strict=False) for r in runs)
        f["departures_peak_hour"] = _number(label, "departures_peak_hour", m["departures_peak_hour"], strict=False)
        f["departures_weekday"] = int(
            _number(
                label,
                "departures_weekday",
                m.get("departures_weekday", round(10 * f["departures_peak_hour"])),
                strict=False,
                whole=True,
            )
        )
        f["name"] = _text(label, "name", m.get("name", f["service_id"]))
        f["route"] = _text(label, "route", m.get("route", f["service_id"]))
        route_type = _text(label, "route_type", m.get("route_type", "bus"))
        if route_type not in ("rail", "bus"):
            raise ConfigError(f"{label}: 'route_type' must be 'rail' or 'bus', got {route_type!r}")
        f["route_type"] = route_type
    elif kind is ChangeType.HOUSING_RELEASE:
        f["housing_ids"] = _texts(label, "housing_ids", m["housing_ids"])
        f["available_from"] = int(
            _number(label, "available_from", m["available_from"], minimum=1900, strict=False, whole=True)
        )
    else:
        f["housing_id"] = _text(label, "housing_id", m["housing_id"])
        f["capacity_dwellings"] = int(
            _number(label, "capacity_dwellings", m["capacity_dwellings"], strict=False, whole=True)
        )
    return Change(type=kind, index=index, **f)


def _coordinates(label: str, value: Any) -> tuple[tuple[float, float], ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) < 2:
        raise ConfigError(f"{label}: 'coordinates' must be a list of at least two [lon, lat] pairs")
    out = []
    for pair in value:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ConfigError(f"{label}: each coordinate must be [lon, lat], got {pair!r}")
        lon, lat = (_number(label, "coordinates", v, minimum=-1e9, strict=False) for v in pair)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ConfigError(f"{label}: coordinate {pair!r} is not [lon, lat] in degrees (WGS84)")
        out.append((lon, lat))
    return tuple(out)


# --------------------------------------------------------------------------- applying


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
    from tillvaxt_geo import _edit_ops as ops

    current = layers
    for i, raw in enumerate(changes):
        change = raw if isinstance(raw, Change) else parse_change(raw, index=i)
        handler = {
            ChangeType.ROAD_SPEED: ops.road_speed,
            ChangeType.CLOSE_ROAD: ops.close_road,
            ChangeType.ADD_ROAD: ops.add_road,
            ChangeType.RAIL_DEPARTURES: ops.rail_departures,
            ChangeType.RAIL_STOP: ops.rail_stop,
            ChangeType.ADD_SERVICE: ops.add_service,
            ChangeType.HOUSING_RELEASE: ops.housing_release,
            ChangeType.HOUSING_CAPACITY: ops.housing_capacity,
        }[change.type]
        current, note = handler(current, change)
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
            raise ConfigError(f"{label}: no {what} {item!r}.{_close(str(item), pool)}")


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
