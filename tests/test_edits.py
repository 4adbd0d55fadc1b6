"""Tests of scenario changes: parsing, applying on copies, effects on travel times, bad names."""

from __future__ import annotations

import numpy as np
import pytest
from netfixtures import X0, Y0, make_layers
from pyproj import Transformer

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.routing.matrix import time_matrix, travel_times
from tillvaxt_geo.scenario.apply import apply_changes
from tillvaxt_geo.scenario.changes import ChangeType, CloseRoad, parse_change

ROADS = [
    ("r66a", [(0, 0), (5000, 0)], 60.0, False, "66"),
    ("r66b", [(5000, 0), (10000, 0)], 60.0, False, "66"),
    ("r66c", [(10000, 0), (15000, 0)], 60.0, False, "66"),
    ("side", [(5000, 0), (5000, 4000)], 50.0, False, "245"),
]
STATIONS = [("A", 0, 100), ("B", 10_000, 100), ("C", 15_000, 100), ("M", 5000, 100)]
SERVICES = [
    ("t1", "53", ["A", "B", "C"], [0, 10, 16], 1.0),
    ("t1r", "53", ["C", "B", "A"], [0, 6, 16], 1.0),
    ("x", "99", ["A", "C"], [0, 30], 0.5),
]


def _layers():
    layers = make_layers(
        ROADS,
        zones=[("smed", 0, -50), ("fag", 15_000, -50)],
        sites=[("mine", 5000, 4000)],
        stations=STATIONS,
        services=SERVICES,
    )
    zones = layers.zones.copy()  # type: ignore[union-attr]
    zones["name"] = ["Smedjebacken", "Fagersta"]
    return layers.replace(zones=zones)


def _lonlat(x: float, y: float) -> list[float]:
    lon, lat = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True).transform(X0 + x, Y0 + y)
    return [lon, lat]


def test_parse_change_validates_type_and_keys() -> None:
    change = parse_change({"type": "road_speed", "ref": "66", "from": "A", "to": "B", "speed_kmh": 100}, index=2)
    assert change.type is ChangeType.ROAD_SPEED and change.from_ == "A" and change.index == 2
    assert change.to_dict() == {"type": "road_speed", "ref": "66", "from": "A", "to": "B", "speed_kmh": 100.0}
    with pytest.raises(
        ConfigError,
        match=r"entry 3: unknown change type 'road_sped'.*Did you mean 'road_speed'.*"
        r"Valid types: road_speed, close_road",
    ):
        parse_change({"type": "road_sped"}, index=2)
    with pytest.raises(
        ConfigError, match=r"entry 1 \(close_road\): unknown key\(s\) road_id; valid keys: type, road_ids"
    ):
        parse_change({"type": "close_road", "road_ids": ["a"], "road_id": "a"}, index=0)
    with pytest.raises(ConfigError, match="missing key"):
        parse_change({"type": "housing_capacity", "housing_id": "h"}, index=0)
    with pytest.raises(ConfigError, match="speed_kmh"):
        parse_change({"type": "road_speed", "road_ids": ["a"], "speed_kmh": 0}, index=0)
    with pytest.raises(ConfigError, match="run_times_min"):
        parse_change(
            {
                "type": "add_service",
                "service_id": "s",
                "stops": ["a", "b"],
                "run_times_min": [1, 2],
                "departures_peak_hour": 1,
            }
        )
    with pytest.raises(ConfigError, match=r"\[lon, lat\]"):
        parse_change(
            {"type": "add_road", "road_id": "n", "coordinates": [[6_668_000, 510_000], [1, 1]], "speed_kmh": 50}
        )
    with pytest.raises(ConfigError, match="exactly one of route or service_id"):
        parse_change({"type": "rail_departures", "departures_peak_hour": 2})


def test_road_speed_between_places_changes_only_that_ref_on_the_route() -> None:
    layers = _layers()
    before = layers.roads.copy()  # type: ignore[union-attr]
    edited = apply_changes(
        layers, [{"type": "road_speed", "ref": "66", "from": "smedjebacken", "to": "M", "speed_kmh": 100}]
    )
    speeds = edited.roads["speed_kmh"]  # type: ignore[index]
    assert speeds.loc["r66a"] == 100 and speeds.loc["r66b"] == 60 and speeds.loc["side"] == 50
    # the baseline is untouched
    assert layers.roads.equals(before)  # type: ignore[union-attr]
    assert "r66a" in edited.notes[-1]
    # raising a speed never lengthens a trip
    t0 = time_matrix(build_network(layers), "zones", "mine_sites").time_min
    t1 = time_matrix(build_network(edited), "zones", "mine_sites").time_min
    assert (t1 <= t0 + 1e-9).all() and (t1 < t0).any()


def test_unknown_names_list_close_matches() -> None:
    layers = _layers()
    with pytest.raises(ConfigError, match="Did you mean 'Smedjebacken'"):
        apply_changes(
            layers, [{"type": "road_speed", "ref": "66", "from": "Smedjebaken", "to": "Fagersta", "speed_kmh": 90}]
        )
    with pytest.raises(ConfigError, match=r"no road has ref '67'.*Did you mean '66'"):
        apply_changes(
            layers, [{"type": "road_speed", "ref": "67", "from": "Smedjebacken", "to": "Fagersta", "speed_kmh": 90}]
        )
    with pytest.raises(ConfigError, match=r"no road 'r66x'.*Did you mean"):
        apply_changes(layers, [{"type": "close_road", "road_ids": ["r66x"]}])
    with pytest.raises(ConfigError, match=r"no rail service has route '54'.*'53'"):
        apply_changes(layers, [{"type": "rail_departures", "route": "54", "departures_peak_hour": 2}])
    with pytest.raises(ConfigError, match="no rail station 'Q'"):
        apply_changes(layers, [{"type": "rail_stop", "route": "53", "station_id": "Q"}])
    with pytest.raises(ConfigError, match=r"no mine site 'mien'.*'mine'"):
        apply_changes(
            layers,
            [
                {
                    "type": "add_service",
                    "service_id": "bus",
                    "stops": ["A", "site:mien"],
                    "run_times_min": [5],
                    "departures_peak_hour": 2,
                }
            ],
        )
    with pytest.raises(ConfigError, match=r"entry 1 \(road_speed\).*uses no road with ref '245'"):
        apply_changes(
            layers, [{"type": "road_speed", "ref": "245", "from": "Smedjebacken", "to": "Fagersta", "speed_kmh": 90}]
        )


def test_close_and_add_road() -> None:
    layers = _layers()
    closed = apply_changes(layers, [{"type": "close_road", "road_ids": ["side"]}])
    assert "side" not in closed.roads.index and "side" in layers.roads.index  # type: ignore[union-attr]
    # a shortcut from (0, 0) to the side road's end, its ends within 50 m of existing roads
    change = {
        "type": "add_road",
        "road_id": "shortcut",
        "coordinates": [_lonlat(20, 10), _lonlat(2000, 2000), _lonlat(5030, 2500)],
        "speed_kmh": 80,
    }
    added = apply_changes(layers, [change])
    line = added.roads.geometry.loc["shortcut"]  # type: ignore[union-attr]
    assert line.coords[0] == (X0, Y0)  # joined to the existing vertex
    assert line.coords[-1] == pytest.approx((X0 + 5000, Y0 + 2500), abs=1e-6)  # a vertex inserted into 'side'
    assert len(added.roads.geometry.loc["side"].coords) == 3  # type: ignore[union-attr]
    t0 = time_matrix(build_network(layers), "zones", "mine_sites").time_min
    t1 = time_matrix(build_network(added), "zones", "mine_sites").time_min
    assert t1[0, 0] < t0[0, 0] - 1 and (t1 <= t0 + 1e-9).all()
    with pytest.raises(ConfigError, match="exists already"):
        apply_changes(layers, [{**change, "road_id": "side"}])


def test_rail_departures_and_stop() -> None:
    layers = _layers()
    more = apply_changes(layers, [{"type": "rail_departures", "route": "53", "departures_peak_hour": 4}])
    svc = more.rail_services.groupby("service_id")["departures_peak_hour"].first()  # type: ignore[union-attr]
    assert svc.to_dict() == {"t1": 4.0, "t1r": 4.0, "x": 0.5}
    assert (layers.rail_services.groupby("service_id")["departures_peak_hour"].first() == [1.0, 1.0, 0.5]).all()  # type: ignore[union-attr]
    t0 = time_matrix(
        build_network(layers, park_and_ride=False), ["rail_stations:A"], ["rail_stations:B"], mode="pt"
    ).time_min
    t1 = time_matrix(
        build_network(more, park_and_ride=False), ["rail_stations:A"], ["rail_stations:B"], mode="pt"
    ).time_min
    assert t0[0, 0] == pytest.approx(30 + 10) and t1[0, 0] == pytest.approx(7.5 + 10)
    stop = apply_changes(layers, [{"type": "rail_stop", "route": "53", "station_id": "M", "dwell_min": 1}])
    t1 = stop.rail_services[stop.rail_services["service_id"] == "t1"]  # type: ignore[index]
    assert t1["station_id"].tolist() == ["A", "M", "B", "C"]
    assert t1["arrival_min"].tolist() == pytest.approx([0, 5, 11, 17])
    assert t1["stop_sequence"].tolist() == [1, 2, 3, 4]
    back = stop.rail_services[stop.rail_services["service_id"] == "t1r"]  # type: ignore[index]
    assert back["station_id"].tolist() == ["C", "B", "M", "A"]
    assert back["arrival_min"].tolist() == pytest.approx([0, 6, 11, 17])
    assert len(layers.rail_services) == 8 and len(stop.rail_services) == 10  # type: ignore[arg-type]


def test_add_service_with_site_stop_and_housing() -> None:
    layers = make_layers(
        ROADS, zones=[("z", 0, -50)], sites=[("mine", 5000, 4000)], stations=STATIONS, services=SERVICES
    )
    from netfixtures import points_frame

    housing = points_frame(
        "housing_land", [("h1", 0, 0), ("h2", 100, 0)], capacity_dwellings=[10, 20], available_from=[2030, 2035]
    )
    layers = layers.replace(housing_land=housing)
    change = {
        "type": "add_service",
        "service_id": "gruvbuss",
        "stops": ["M", "site:mine"],
        "run_times_min": [6],
        "departures_peak_hour": 2,
    }
    edited = apply_changes(
        layers,
        [
            change,
            {"type": "housing_release", "housing_ids": ["h2"], "available_from": 2027},
            {"type": "housing_capacity", "housing_id": "h1", "capacity_dwellings": 50},
        ],
    )
    assert "site:mine" in edited.rail_stations.index and "site:mine" not in layers.rail_stations.index  # type: ignore[union-attr]
    services = edited.rail_services
    assert set(services["service_id"]) >= {"gruvbuss", "gruvbuss_return"}  # type: ignore[index]
    assert edited.housing_land.loc["h2", "available_from"] == 2027  # type: ignore[union-attr]
    assert edited.housing_land.loc["h1", "capacity_dwellings"] == 50  # type: ignore[union-attr]
    assert layers.housing_land.loc["h1", "capacity_dwellings"] == 10  # type: ignore[union-attr]
    net = build_network(edited, park_and_ride=False)
    tt = travel_times(net, ["rail_stations:M"], ["mine_sites:mine"], mode="pt").iloc[0]
    walk = lambda m: m / (5 / 3.6) / 60  # noqa: E731
    assert tt["travel_time_min"] == pytest.approx(15 + 6 + walk(0))
    with pytest.raises(ConfigError, match="exists already"):
        apply_changes(edited, [change])
    with pytest.raises(ConfigError, match=r"no housing area 'h3'.*'h1'"):
        apply_changes(layers, [{"type": "housing_capacity", "housing_id": "h3", "capacity_dwellings": 1}])


def test_change_values_are_frozen() -> None:
    change = CloseRoad(road_ids=("a",))
    with pytest.raises(AttributeError):
        change.road_ids = ("b",)  # type: ignore[misc]
    assert np.isnan(float("nan"))
