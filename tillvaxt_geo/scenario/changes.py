"""Scenario changes to roads, rail services and housing land: one small class per change type, parsed from TOML.

A scenario's ``[[changes]]`` tables are parsed by :func:`parse_change` into
:class:`Change` values (one class per type) and applied in order by
:func:`tillvaxt_geo.scenario.apply.apply_changes`, which
returns a new :class:`~tillvaxt_geo.data.layers.Layers`; the layers given are never
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
    existing road within 50 m (``tillvaxt_geo.scenario.apply.JOIN_M``): at its nearest vertex if one lies
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
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from tillvaxt_geo.data.schemas import MAX_VERTICES_PER_FEATURE
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import did_you_mean

__all__ = [
    "CHANGE_CLASSES",
    "AddRoad",
    "AddService",
    "Change",
    "ChangeType",
    "CloseRoad",
    "HousingCapacity",
    "HousingRelease",
    "RailDepartures",
    "RailStop",
    "RoadSpeed",
    "parse_change",
]


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


@dataclass(frozen=True, kw_only=True)
class Change:
    """One scenario change: the base of one small class per change type.

    ``index`` is the change's position in the scenario's ``[[changes]]`` list
    (for messages); :meth:`to_dict` gives the TOML form.
    """

    type: ClassVar[ChangeType]
    index: int | None = None

    def to_dict(self) -> dict[str, Any]:
        """The change as its ``[[changes]]`` table (set keys only, lists as lists)."""
        out: dict[str, Any] = {"type": self.type.value}
        for f in dataclasses.fields(self):
            value = getattr(self, f.name)
            if f.name == "index" or value is None:
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


@dataclass(frozen=True, kw_only=True)
class RoadSpeed(Change):
    """A new speed on the roads of one ref along the car route between two places, or on listed roads.

    ``from_`` holds the TOML key ``from``.
    """

    type: ClassVar[ChangeType] = ChangeType.ROAD_SPEED
    ref: str | None = None
    from_: str | None = None
    to: str | None = None
    speed_kmh: float
    road_ids: tuple[str, ...] | None = None


@dataclass(frozen=True, kw_only=True)
class CloseRoad(Change):
    """Roads removed from the network."""

    type: ClassVar[ChangeType] = ChangeType.CLOSE_ROAD
    road_ids: tuple[str, ...]


@dataclass(frozen=True, kw_only=True)
class AddRoad(Change):
    """A new road along WGS84 coordinates, joined to the nearest roads within ``JOIN_M``."""

    type: ClassVar[ChangeType] = ChangeType.ADD_ROAD
    ref: str = ""
    speed_kmh: float
    road_id: str
    coordinates: tuple[tuple[float, float], ...]
    road_class: str = "local"


@dataclass(frozen=True, kw_only=True)
class RailDepartures(Change):
    """New peak-hour departures on every service of a route, or on one service."""

    type: ClassVar[ChangeType] = ChangeType.RAIL_DEPARTURES
    route: str | None = None
    service_id: str | None = None
    departures_peak_hour: float


@dataclass(frozen=True, kw_only=True)
class RailStop(Change):
    """A new stop at a station on every service of a route that passes it."""

    type: ClassVar[ChangeType] = ChangeType.RAIL_STOP
    route: str
    station_id: str
    dwell_min: float = 1.0


@dataclass(frozen=True, kw_only=True)
class AddService(Change):
    """A new service in both directions (``<id>`` and ``<id>_return``)."""

    type: ClassVar[ChangeType] = ChangeType.ADD_SERVICE
    route: str
    service_id: str
    departures_peak_hour: float
    departures_weekday: int
    name: str
    route_type: str = "bus"
    stops: tuple[str, ...]
    run_times_min: tuple[float, ...]


@dataclass(frozen=True, kw_only=True)
class HousingRelease(Change):
    """Housing areas available from another year."""

    type: ClassVar[ChangeType] = ChangeType.HOUSING_RELEASE
    housing_ids: tuple[str, ...]
    available_from: int


@dataclass(frozen=True, kw_only=True)
class HousingCapacity(Change):
    """A housing area's capacity in dwellings."""

    type: ClassVar[ChangeType] = ChangeType.HOUSING_CAPACITY
    housing_id: str
    capacity_dwellings: int


#: the class of each change type
CHANGE_CLASSES: dict[ChangeType, type[Change]] = {
    cls.type: cls
    for cls in (RoadSpeed, CloseRoad, AddRoad, RailDepartures, RailStop, AddService, HousingRelease, HousingCapacity)
}


# --------------------------------------------------------------------------- parsing

#: Upper limits of the changes' numbers, each with its reason (a figure past it is a typing or unit error).
#: Speeds: the roads layer's own limit (``data.schemas.ROADS``), above any Swedish limit (120 km/h).
MAX_SPEED_KMH = 200.0
#: Departures per hour: one a minute is more than any bus or train line runs.
MAX_DEPARTURES_PEAK_HOUR = 60.0
#: Departures per weekday: one a minute around the clock.
MAX_DEPARTURES_WEEKDAY = 1440
#: Run time between two consecutive stops: ten hours, longer than any regional service.
MAX_RUN_TIME_MIN = 600.0
#: Dwell at a new stop: an hour; a longer stop is a layover, not a dwell.
MAX_DWELL_MIN = 60.0
#: Dwellings of one housing area: a million, more than Stockholm's municipality has.
MAX_CAPACITY_DWELLINGS = 1_000_000
#: Last year a housing area can be released: the schemas' own limit for ``available_from``.
MAX_YEAR = 2200


def _number(
    label: str,
    key: str,
    value: Any,
    *,
    minimum: float = 0.0,
    strict: bool = True,
    whole: bool = False,
    maximum: float | None = None,
) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not np.isfinite(value):
        raise ConfigError(f"{label}: '{key}' must be a finite number, got {value!r}")
    if (strict and value <= minimum) or (not strict and value < minimum):
        raise ConfigError(f"{label}: '{key}' must be {'>' if strict else '>='} {minimum:g}, got {value!r}")
    if maximum is not None and value > maximum:
        raise ConfigError(
            f"{label}: '{key}' must be at most {maximum:g}, got {value!r}; the limits and their reasons are in "
            "tillvaxt_geo.scenario.changes (MAX_*)"
        )
    if whole and float(value) != int(value):
        raise ConfigError(f"{label}: '{key}' must be a whole number, got {value!r}")
    return float(value)


def _text(label: str, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise ConfigError(f"{label}: '{key}' must be text, got {value!r}")
    text = str(value)
    if any(ord(c) < 32 or 127 <= ord(c) < 160 for c in text):
        raise ConfigError(
            f"{label}: '{key}' holds a control character ({text!r}); write it without NUL, tab, newline and the like"
        )
    return text


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
            f"{where}: unknown change type {raw_type!r}.{did_you_mean(raw_type, [t.value for t in ChangeType])} "
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
        f["speed_kmh"] = _number(label, "speed_kmh", m["speed_kmh"], maximum=MAX_SPEED_KMH)
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
        f["speed_kmh"] = _number(label, "speed_kmh", m["speed_kmh"], maximum=MAX_SPEED_KMH)
        f["coordinates"] = _coordinates(label, m["coordinates"])
        f["ref"] = _text(label, "ref", m.get("ref", ""))
        f["road_class"] = _text(label, "road_class", m.get("road_class", "local"))
    elif kind is ChangeType.RAIL_DEPARTURES:
        which = {"route", "service_id"} & keys
        if len(which) != 1:
            raise ConfigError(f"{label}: give exactly one of route or service_id")
        key = which.pop()
        f[key] = _text(label, key, m[key])
        f["departures_peak_hour"] = _number(
            label, "departures_peak_hour", m["departures_peak_hour"], strict=False, maximum=MAX_DEPARTURES_PEAK_HOUR
        )
    elif kind is ChangeType.RAIL_STOP:
        f["route"] = _text(label, "route", m["route"])
        f["station_id"] = _text(label, "station_id", m["station_id"])
        f["dwell_min"] = _number(label, "dwell_min", m.get("dwell_min", 1.0), strict=False, maximum=MAX_DWELL_MIN)
    elif kind is ChangeType.ADD_SERVICE:
        f["service_id"] = _text(label, "service_id", m["service_id"])
        f["stops"] = _texts(label, "stops", m["stops"], min_len=2)
        runs = m["run_times_min"]
        if isinstance(runs, (str, bytes)) or not isinstance(runs, Sequence) or len(runs) != len(f["stops"]) - 1:
            raise ConfigError(
                f"{label}: 'run_times_min' must list {len(f['stops']) - 1} run time(s), "
                "one per pair of consecutive stops"
            )
        # a vehicle needs time to move between two stops: 0 minutes would be teleportation
        f["run_times_min"] = tuple(_number(label, "run_times_min", r, maximum=MAX_RUN_TIME_MIN) for r in runs)
        f["departures_peak_hour"] = _number(
            label, "departures_peak_hour", m["departures_peak_hour"], strict=False, maximum=MAX_DEPARTURES_PEAK_HOUR
        )
        f["departures_weekday"] = int(
            _number(
                label,
                "departures_weekday",
                m.get("departures_weekday", round(10 * f["departures_peak_hour"])),
                strict=False,
                whole=True,
                maximum=MAX_DEPARTURES_WEEKDAY,
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
            _number(
                label, "available_from", m["available_from"], minimum=1900, strict=False, whole=True, maximum=MAX_YEAR
            )
        )
    else:
        f["housing_id"] = _text(label, "housing_id", m["housing_id"])
        f["capacity_dwellings"] = int(
            _number(
                label,
                "capacity_dwellings",
                m["capacity_dwellings"],
                strict=False,
                whole=True,
                maximum=MAX_CAPACITY_DWELLINGS,
            )
        )
    return CHANGE_CLASSES[kind](index=index, **f)


def _coordinates(label: str, value: Any) -> tuple[tuple[float, float], ...]:
    if isinstance(value, (str, bytes)) or not isinstance(value, Sequence) or len(value) < 2:
        raise ConfigError(f"{label}: 'coordinates' must be a list of at least two [lon, lat] pairs")
    if len(value) > MAX_VERTICES_PER_FEATURE:
        raise ConfigError(
            f"{label}: 'coordinates' lists {len(value):,} points, more than the {MAX_VERTICES_PER_FEATURE:,} "
            "a road may have (data.schemas.MAX_VERTICES_PER_FEATURE); simplify the line"
        )
    out = []
    for pair in value:
        if isinstance(pair, (str, bytes)) or not isinstance(pair, Sequence) or len(pair) != 2:
            raise ConfigError(f"{label}: each coordinate must be [lon, lat], got {pair!r}")
        lon, lat = (_number(label, "coordinates", v, minimum=-1e9, strict=False) for v in pair)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ConfigError(f"{label}: coordinate {pair!r} is not [lon, lat] in degrees (WGS84)")
        out.append((lon, lat))
    return tuple(out)
