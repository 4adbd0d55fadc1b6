"""The embedded region on its own network: connections, road distances and car times against FACTS §5."""

from __future__ import annotations

from typing import Any

import pytest

import tillvaxt_geo as tg


@pytest.fixture(scope="module")
def region() -> tuple[Any, Any]:
    layers = tg.load_layers()
    return layers, tg.build_network(layers)


def _car(net: Any, origin: str, destination: str) -> tuple[float, float]:
    row = tg.travel_times(net, [origin], [destination], mode="car").iloc[0]
    return float(row["travel_time_min"]), float(row["distance_km"])


def test_every_place_connects_within_2_km(region: tuple[Any, Any]) -> None:
    layers, net = region
    snaps = net.snaps
    for layer in ("zones", "mine_sites", "housing_land", "rail_stations"):
        part = snaps[snaps["layer"] == layer]
        assert set(part["feature_id"].astype(str)) == set(getattr(layers, layer).index)
        assert (part["snap_distance_m"] <= 2000).all(), part.sort_values("snap_distance_m").tail(3)


def test_services_stop_at_known_stations_with_positive_run_times(region: tuple[Any, Any]) -> None:
    layers, _ = region
    services = layers.rail_services
    assert set(services["station_id"]) <= set(layers.rail_stations.index)
    for service_id, stops in services.groupby("service_id"):
        run_times = stops.sort_values("stop_sequence")["arrival_min"].diff().dropna()
        assert (run_times > 0).all(), service_id


# Known gaps of the embedded geometry, measured 2026-11-27: straightened courses make these routes
# 11–16 % too short (see layers/SOURCES.md). strict=True: the mark must go when the data is fixed.
ROUTE_TOO_SHORT = pytest.mark.xfail(
    strict=True, reason="embedded road geometry straightened: route shorter than the real road (issue 3)"
)

TOO_FAST = pytest.mark.xfail(
    strict=True, reason="rv 66 at 100 km/h all the way with no town sections: 82.7 min for 114.7 km (issue 3)"
)

# Real road distances (FACTS §5.2, §12), ±10 %
DISTANCES_KM = [
    ("zones:ludvika", "zones:borlange", 44.0, 44.0),
    ("zones:smedjebacken", "zones:ludvika", 15.0, 19.0),
    pytest.param("zones:smedjebacken", "zones:fagersta", 40.0, 45.0, marks=ROUTE_TOO_SHORT),  # 35.6 km
    ("zones:ludvika", "zones:vasteras", 110.0, 110.0),
]


@pytest.mark.parametrize(("origin", "destination", "low", "high"), DISTANCES_KM)
def test_road_distances_match_real_ones(
    region: tuple[Any, Any], origin: str, destination: str, low: float, high: float
) -> None:
    _, net = region
    _, km = _car(net, origin, destination)
    assert 0.9 * low <= km <= 1.1 * high, f"{origin} → {destination}: {km:.1f} km, real {low}–{high} km"


@ROUTE_TOO_SHORT  # 16.9 km
def test_ludvika_grangesberg_mine_along_rv50_is_about_21_km(region: tuple[Any, Any]) -> None:
    """Bus 298 "Ludvika – Blötberget – Grängesberg" runs 21.1 km from the station to Gamla Gruvkontoret
    along rv 50 (corridor_waypoints.csv), the ~21 km of FACTS §5.2."""
    _, net = region
    _, km = _car(net, "zones:ludvika", "mine_sites:grangesberg")
    assert 0.9 * 21.1 <= km <= 1.1 * 21.1, f"{km:.1f} km"


# Typical car times from Ludvika (FACTS §5.2), ±1 min for rounding
CAR_TIMES_MIN = [
    ("zones:borlange", 35, 40),
    ("zones:smedjebacken", 13, 15),
    ("zones:grangesberg", 15, 18),
    ("mine_sites:blotberget", 10, 12),
    ("zones:fagersta", 40, 45),
    pytest.param("zones:falun", 55, 60, marks=ROUTE_TOO_SHORT),  # 50.2 min, 59.5 km against ~68
    ("zones:kopparberg", 32, 38),
    ("zones:lindesberg", 55, 65),
    ("zones:sater", 45, 55),
    ("zones:hedemora", 60, 65),
    ("zones:norberg", 45, 55),
    pytest.param("zones:avesta", 65, 75, marks=ROUTE_TOO_SHORT),  # 59.6 min, 77 km against ~85
    pytest.param("zones:vasteras", 85, 95, marks=TOO_FAST),
]


@pytest.mark.parametrize(("destination", "low", "high"), CAR_TIMES_MIN)
def test_car_times_from_ludvika_in_facts_ranges(
    region: tuple[Any, Any], destination: str, low: float, high: float
) -> None:
    _, net = region
    minutes, _ = _car(net, "zones:ludvika", destination)
    assert low - 1 <= minutes <= high + 1, f"Ludvika → {destination}: {minutes:.1f} min, FACTS {low}–{high}"
