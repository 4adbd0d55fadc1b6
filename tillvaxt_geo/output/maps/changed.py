"""What a scenario changed in its layers: the road, stop and service ids its map highlights, and a line per change.

:func:`changed_features` reads a scenario's ``changes`` (the classes of
:mod:`tillvaxt_geo.scenario.changes`) against the layers after those changes
(``ScenarioResult.layers``) and returns the ids to highlight. A ``road_speed``
change given by ``ref``/``from``/``to`` is resolved as
:func:`tillvaxt_geo.scenario.apply.road_speed` resolves it (roads with that ref
on the fastest car route); a change that cannot be resolved on these layers is
listed but highlights nothing. Pure: no folium, no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from tillvaxt_geo.errors import TillvaxtError
from tillvaxt_geo.output.maps.labels import number

__all__ = ["Changed", "changed_features"]


@dataclass(frozen=True)
class Changed:
    """Ids of the features a scenario changed, and one plain-language line per change.

    Attributes
    ----------
    road_ids
        Roads whose speed changed or that were added (ids of ``roads``).
    station_ids
        Stops added to services, or new stops (ids of ``rail_stations``).
    service_ids
        Services added or given new departures (``service_id`` of ``rail_services``).
    lines
        One line per change, in the map's language.
    """

    road_ids: tuple[str, ...] = ()
    station_ids: tuple[str, ...] = ()
    service_ids: tuple[str, ...] = ()
    lines: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.road_ids or self.station_ids or self.service_ids or self.lines)


_WORDS = {
    "road_speed": ("{what}: {speed} km/h", "{what}: {speed} km/h"),
    "add_road": ("ny väg {what} ({speed} km/h)", "new road {what} ({speed} km/h)"),
    "close_road": ("stängd väg: {what}", "closed road: {what}"),
    "rail_departures": ("linje {what}: {n} avgångar per rusningstimme", "line {what}: {n} departures per peak hour"),
    "rail_stop": ("linje {what}: nytt stopp {stop}", "line {what}: new stop {stop}"),
    "add_service": ("ny linje {what}: {n} avgångar per rusningstimme", "new line {what}: {n} departures per peak hour"),
    "housing_release": ("bostadsmark frisläppt {year}: {what}", "housing land released {year}: {what}"),
    "housing_capacity": ("bostadsmark {what}: {n} bostäder", "housing land {what}: {n} dwellings"),
}
_ROAD = ("väg", "road")


def _ids(values: Iterable[Any] | None) -> list[str]:
    return [str(v) for v in values or ()]


def _road_speed_ids(change: Any, layers: Any) -> list[str]:
    if getattr(change, "road_ids", None) is not None:
        return _ids(change.road_ids)
    roads = getattr(layers, "roads", None)
    if roads is None or not len(roads) or "ref" not in roads.columns:
        return []
    from tillvaxt_geo.scenario.apply import find_place, route_road_ids

    try:
        start = find_place(layers, change.from_, label="map")
        end = find_place(layers, change.to, label="map")
        on_route = route_road_ids(layers, start, end)
    except (TillvaxtError, KeyError, ValueError, IndexError):
        return []
    refs = roads["ref"].fillna("").astype(str)
    return [r for r in on_route if r in refs.index and refs.loc[r] == str(change.ref)]


def changed_features(scenario: Any, layers: Any, *, lang: str = "sv") -> Changed:
    """The features ``scenario``'s changes touched in ``layers`` (the layers after the changes).

    Parameters
    ----------
    scenario
        A :class:`~tillvaxt_geo.scenario.config.Scenario` (or any value with ``changes``).
    layers
        The :class:`~tillvaxt_geo.data.layers.Layers` after the changes.
    lang
        ``"sv"`` or ``"en"`` for :attr:`Changed.lines`.

    Returns
    -------
    Changed
        Empty (false) when the scenario changes nothing.
    """
    i = 0 if lang == "sv" else 1
    roads: list[str] = []
    stations: list[str] = []
    services: list[str] = []
    lines: list[str] = []
    frame = getattr(layers, "rail_services", None)
    for change in getattr(scenario, "changes", None) or ():
        kind = str(getattr(getattr(change, "type", ""), "value", getattr(change, "type", "")))
        words = _WORDS.get(kind, (kind, kind))[i]
        if kind == "road_speed":
            ids = _road_speed_ids(change, layers)
            roads += ids
            where = f" {change.from_}–{change.to}" if getattr(change, "from_", None) else ""
            what = f"{_ROAD[i]} {change.ref}{where}" if getattr(change, "ref", None) else ", ".join(ids)
            text = words.format(what=what, speed=number(change.speed_kmh, lang))
        elif kind == "add_road":
            roads.append(str(change.road_id))
            text = words.format(what=change.ref or change.road_id, speed=number(change.speed_kmh, lang))
        elif kind == "close_road":
            text = words.format(what=", ".join(_ids(change.road_ids)))
        elif kind in ("rail_departures", "add_service", "rail_stop"):
            route = str(getattr(change, "route", None) or getattr(change, "service_id", None) or "")
            if kind == "add_service":
                services += [str(change.service_id), f"{change.service_id}_return"]
                stations += [s for s in _ids(change.stops) if s.startswith("site:")]
                route = str(change.name or change.route or change.service_id)
            elif frame is not None and len(frame) and getattr(change, "route", None):
                services += sorted(
                    {str(s) for s in frame.loc[frame["route"].astype(str) == str(change.route), "service_id"]}
                )
            elif getattr(change, "service_id", None):
                services.append(str(change.service_id))
            if kind == "rail_stop":
                stations.append(str(change.station_id))
            n = number(getattr(change, "departures_peak_hour", None), lang, digits=1)
            text = words.format(
                what=route, n=n.removesuffix(",0").removesuffix(".0"), stop=getattr(change, "station_id", "")
            )
        elif kind == "housing_release":
            text = words.format(what=", ".join(_ids(change.housing_ids)), year=change.available_from)
        elif kind == "housing_capacity":
            text = words.format(what=change.housing_id, n=number(change.capacity_dwellings, lang))
        else:
            text = kind
        lines.append(text)
    unique = lambda xs: tuple(dict.fromkeys(xs))  # noqa: E731
    return Changed(unique(roads), unique(stations), unique(services), tuple(lines))
