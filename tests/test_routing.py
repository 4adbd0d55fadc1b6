"""Tests of travel-time matrices: equality with networkx, invariants, modes, places, public transport."""

from __future__ import annotations

import itertools
import logging

import geopandas as gpd
import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from netfixtures import SWEREF, X0, Y0, make_layers, mode_view, nx_times, reference_car_times
from shapely.geometry import Point

from tillvaxt_geo.errors import ConfigError, CRSError, NetworkError, UnreachableError
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.routing.matrix import Mode, time_matrix, travel_times

GRID = 1000.0


@st.composite
def road_networks(draw: st.DrawFn, *, min_roads: int = 1) -> dict[str, list]:
    """Random road-like networks on a 1 km grid, with places near grid nodes."""
    cells = st.tuples(st.integers(0, 5), st.integers(0, 5))
    n_roads = draw(st.integers(min_roads, 14))
    roads = []
    for i in range(n_roads):
        path = draw(st.lists(cells, min_size=2, max_size=4, unique=True))
        coords = [(x * GRID, y * GRID) for x, y in path]
        speed = draw(st.sampled_from([20.0, 30.0, 50.0, 70.0, 90.0, 110.0]) | st.floats(5.0, 130.0))
        roads.append((f"r{i}", coords, speed, draw(st.booleans())))
    vertices = sorted({c for r in roads for c in r[1]})
    offset = st.floats(-300.0, 300.0)

    def places(prefix: str, n_max: int) -> list[tuple[str, float, float]]:
        n = draw(st.integers(1, n_max))
        return [
            (f"{prefix}{k}", vx + draw(offset), vy + draw(offset))
            for k, (vx, vy) in enumerate(draw(st.lists(st.sampled_from(vertices), min_size=n, max_size=n)))
        ]

    return {"roads": roads, "zones": places("z", 5), "sites": places("s", 3)}


def _ids(frame: gpd.GeoDataFrame, end: str, layer: str) -> list[str]:
    return [f"{end}:{layer}:{i}" for i in frame.index]


def _wide(tt, origins, destinations) -> np.ndarray:
    wide = tt.pivot(index="from_id", columns="to_id", values="travel_time_min")
    return wide.reindex(index=list(origins), columns=list(destinations)).to_numpy(float)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_networks())
def test_car_times_equal_networkx(data: dict) -> None:
    layers = make_layers(data["roads"], zones=data["zones"], sites=data["sites"])
    net = build_network(layers, max_snap_m=1e6, snap_to_largest_component=False, max_edge_m=None)
    tt = travel_times(net, "zones", "mine_sites")
    ours = _wide(tt, layers.zones.index, layers.mine_sites.index)  # type: ignore[union-attr]
    # networkx on net.graph
    ref = nx_times(
        mode_view(net.graph, "car"), _ids(layers.zones, "from", "zones"), _ids(layers.mine_sites, "to", "mine_sites")
    )
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
    assert np.nanmax(np.abs(ours - ref), initial=0.0) < 1e-6
    # an independent graph straight from the lines
    indep = reference_car_times(layers, layers.zones, layers.mine_sites)
    np.testing.assert_array_equal(np.isnan(ours), np.isnan(indep))
    assert np.nanmax(np.abs(ours - indep), initial=0.0) < 1e-6
    # the reverse direction (search from the other side) agrees too
    back = travel_times(net, "mine_sites", "zones")
    ref_back = nx_times(
        net.to_networkx("car"), _ids(layers.mine_sites, "from", "mine_sites"), _ids(layers.zones, "to", "zones")
    )
    ours_back = _wide(back, layers.mine_sites.index, layers.zones.index)  # type: ignore[union-attr]
    assert np.nanmax(np.abs(ours_back - ref_back), initial=0.0) < 1e-6


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(road_networks(), st.data())
def test_adding_a_link_or_raising_a_speed_never_lengthens_a_trip(data: dict, extra: st.DataObject) -> None:
    kwargs = {"max_snap_m": 1e6, "snap_to_largest_component": False, "max_edge_m": None}
    layers = make_layers(data["roads"], zones=data["zones"], sites=data["sites"])
    before = time_matrix(build_network(layers, **kwargs), "zones", "zones").time_min
    # a new link between two existing vertices
    vertices = sorted({c for r in data["roads"] for c in r[1]})
    a, b = extra.draw(st.sampled_from(vertices)), extra.draw(st.sampled_from(vertices))
    roads = [*data["roads"], ("new", [a, (a[0], b[1]), b], extra.draw(st.floats(5, 130)), extra.draw(st.booleans()))]
    added = time_matrix(build_network(make_layers(roads, zones=data["zones"]), **kwargs), "zones", "zones").time_min
    # a faster road
    k = extra.draw(st.integers(0, len(data["roads"]) - 1))
    faster = [(*r[:2], r[2] * 1.5 if i == k else r[2], r[3]) for i, r in enumerate(data["roads"])]
    raised = time_matrix(build_network(make_layers(faster, zones=data["zones"]), **kwargs), "zones", "zones").time_min
    for after in (added, raised):
        reached = ~np.isnan(before)
        assert not np.isnan(after[reached]).any()
        assert (after[reached] <= before[reached] + 1e-9).all()


@settings(max_examples=30, deadline=None)
@given(road_networks())
def test_two_way_networks_are_symmetric(data: dict) -> None:
    roads = [(*r[:3], False) for r in data["roads"]]
    net = build_network(make_layers(roads, zones=data["zones"]), max_snap_m=1e6)
    t = time_matrix(net, "zones", "zones")
    np.testing.assert_allclose(t.time_min, t.time_min.T, atol=1e-9, equal_nan=True)
    np.testing.assert_allclose(np.diag(t.time_min), 2 * net.snaps["snap_distance_m"] / (30 / 3.6) / 60, atol=1e-9)


def _grid_layers(n: int = 12, *, seed: int = 0):
    rng = np.random.default_rng(seed)
    roads = []
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                roads.append(
                    (
                        f"h{i}_{j}",
                        [(i * GRID, j * GRID), ((i + 1) * GRID, j * GRID)],
                        float(rng.uniform(20, 100)),
                        False,
                    )
                )
            if j + 1 < n:
                roads.append(
                    (
                        f"v{i}_{j}",
                        [(i * GRID, j * GRID), (i * GRID, (j + 1) * GRID)],
                        float(rng.uniform(20, 100)),
                        bool(rng.random() < 0.2),
                    )
                )
    zones = [(f"z{k}", *rng.uniform(0, (n - 1) * GRID, 2)) for k in range(40)]
    sites = [(f"s{k}", *rng.uniform(0, (n - 1) * GRID, 2)) for k in range(3)]
    return make_layers(roads, zones=zones, sites=sites)


def test_forward_reverse_and_parallel_searches_agree() -> None:
    net = build_network(_grid_layers())
    a = time_matrix(net, "zones", "mine_sites")  # few destinations: reverse search
    b = time_matrix(net, "mine_sites", "zones")  # few origins: forward search
    ref = nx_times(
        net.to_networkx("car"), _ids(net.layers.zones, "from", "zones"), _ids(net.layers.mine_sites, "to", "mine_sites")
    )  # type: ignore[union-attr]
    assert np.abs(a.time_min - ref).max() < 1e-6
    many = time_matrix(net, "zones", "zones", workers=1)
    forked = time_matrix(net, "zones", "zones", workers=2)
    np.testing.assert_array_equal(many.time_min, forked.time_min)
    np.testing.assert_array_equal(many.distance_km, forked.distance_km)
    assert b.time_min.shape == (3, 40)


def test_distance_is_along_the_fastest_path() -> None:
    # a short slow road and a long fast one: the fast one wins, its length is reported
    roads = [
        ("short", [(0, 0), (4000, 0)], 20.0, False),
        ("long", [(0, 0), (0, 1500), (4000, 1500), (4000, 0)], 100.0, False),
    ]
    net = build_network(make_layers(roads, zones=[("a", 0, -100)], sites=[("m", 4000, -100)]))
    row = travel_times(net, "zones", "mine_sites").iloc[0]
    assert row["travel_time_min"] == pytest.approx(7000 / (100 / 3.6) / 60 + 2 * 100 / (30 / 3.6) / 60)
    assert row["distance_km"] == pytest.approx(7.2)


def test_cutoff_keeps_pairs_as_nan_and_logs(caplog: pytest.LogCaptureFixture) -> None:
    net = build_network(_grid_layers())
    full = time_matrix(net, "zones", "mine_sites").time_min
    with caplog.at_level(logging.INFO, logger="tillvaxt_geo.routing.matrix"):
        tt = travel_times(net, "zones", "mine_sites", max_time_min=8.0)
    assert len(tt) == 40 * 3
    cut = tt["travel_time_min"].to_numpy().reshape(40, 3)
    np.testing.assert_allclose(cut[full <= 8.0], full[full <= 8.0])
    assert np.isnan(cut[full > 8.0]).all()
    n_nan = int((full > 8.0).sum())
    assert n_nan > 0
    assert f"{n_nan} of 120 car trips are beyond the 8-min cutoff" in caplog.text


def test_origins_as_ids_frames_and_layer_names() -> None:
    net = build_network(_grid_layers())
    by_layer = travel_times(net, "zones", "mine_sites")
    by_ids = travel_times(net, ["z0", "zones:z1"], ["s2"])
    assert by_ids["travel_time_min"].tolist() == pytest.approx(
        by_layer.set_index(["from_id", "to_id"]).loc[[("z0", "s2"), ("z1", "s2")], "travel_time_min"].tolist()
    )
    # a GeoDataFrame in another CRS, ids from its column
    pts = gpd.GeoDataFrame({"id": ["p"]}, geometry=[Point(X0 + 10, Y0 + 20)], crs=SWEREF).to_crs("EPSG:4326")
    tt = travel_times(net, pts, "mine_sites")
    assert list(tt["from_id"]) == ["p", "p", "p"]
    assert tt["travel_time_min"].notna().all()
    # the zones layer frame itself uses the network's snapping
    same = travel_times(net, net.layers.zones, net.layers.mine_sites)  # type: ignore[union-attr]
    np.testing.assert_array_equal(same["travel_time_min"], by_layer["travel_time_min"])


def test_bad_places_and_modes() -> None:
    net = build_network(_grid_layers())
    with pytest.raises(ConfigError, match="Did you mean 'z1'"):
        travel_times(net, ["z1x"], "mine_sites")
    with pytest.raises(ConfigError, match="valid modes: car, pt, best"):
        travel_times(net, "zones", "mine_sites", mode="bike")
    with pytest.raises(ConfigError, match="max_time_min"):
        travel_times(net, "zones", "mine_sites", max_time_min=-1)
    far = gpd.GeoDataFrame({"id": ["remote"]}, geometry=[Point(X0 + 50_000, Y0)], crs=SWEREF)
    with pytest.raises(UnreachableError, match=r"'remote' \(39,000 m\)"):
        travel_times(net, far, "mine_sites")
    with pytest.raises(CRSError):
        travel_times(net, gpd.GeoDataFrame({"id": ["x"]}, geometry=[Point(X0, Y0)]), "mine_sites")
    with pytest.raises(NetworkError, match="mode 'pt' needs public transport"):
        travel_times(net, "zones", "mine_sites", mode="pt")
    assert Mode.parse("BEST") is Mode.BEST


# --------------------------------------------------------------------------- public transport

LINE = [("road", [(0, 0), (10_000, 0), (20_000, 0), (30_000, 0)], 30.0, False)]
STATIONS = [("A", 0, 200), ("B", 10_000, 200), ("C", 30_000, 200)]


def _pt_layers(services, *, zones=(("home", 0, -300),), sites=(("mine", 30_000, -300),)):
    return make_layers(LINE, zones=list(zones), sites=list(sites), stations=STATIONS, services=services)


def test_pt_trip_is_walk_wait_ride_walk() -> None:
    layers = _pt_layers([("s1", "53", ["A", "B", "C"], [0, 6, 18], 2.0)])
    net = build_network(layers, park_and_ride=False, max_edge_m=None)
    walk = lambda m: m / (5 / 3.6) / 60  # noqa: E731
    expected = walk(300) + walk(200) + 15.0 + 18.0 + walk(200) + walk(300)
    pt = travel_times(net, "zones", "mine_sites", mode="pt").iloc[0]
    assert pt["travel_time_min"] == pytest.approx(expected)
    assert pt["distance_km"] == pytest.approx((300 + 200 + 30_000 + 200 + 300) / 1000)
    car = travel_times(net, "zones", "mine_sites", mode="car").iloc[0]
    assert car["travel_time_min"] == pytest.approx(2 * 300 / (30 / 3.6) / 60 + 60.0)
    best = travel_times(net, "zones", "mine_sites", mode="best").iloc[0]
    assert best["travel_time_min"] == pytest.approx(min(expected, car["travel_time_min"]))
    assert best["chosen_mode"] == "pt"
    # the wait is capped, and a service without departures is not used
    capped = build_network(
        _pt_layers([("s1", "53", ["A", "B", "C"], [0, 6, 18], 0.25)]), park_and_ride=False, max_wait_min=20
    )
    assert travel_times(capped, "zones", "mine_sites", mode="pt")["travel_time_min"].iloc[0] == pytest.approx(
        expected - 15 + 20
    )
    idle = build_network(_pt_layers([("s1", "53", ["A", "B", "C"], [0, 6, 18], 0.0)]), park_and_ride=False)
    walked = travel_times(idle, "zones", "mine_sites", mode="pt")["travel_time_min"].iloc[0]
    assert walked == pytest.approx(walk(600 + 30_000))
    assert any("without departures" in n for n in idle.notes)


def test_transfer_penalty_applies_only_to_later_boardings() -> None:
    services = [("s1", "1", ["A", "B"], [0, 6], 6.0), ("s2", "2", ["B", "C"], [0, 12], 3.0)]
    net = build_network(_pt_layers(services), park_and_ride=False, transfer_penalty_min=4.0)
    stations = travel_times(net, ["rail_stations:A"], ["rail_stations:C"], mode="pt").iloc[0]
    assert stations["travel_time_min"] == pytest.approx(5.0 + 6.0 + 10.0 + 4.0 + 12.0)
    first_only = travel_times(net, ["rail_stations:A"], ["rail_stations:B"], mode="pt").iloc[0]
    assert first_only["travel_time_min"] == pytest.approx(5.0 + 6.0)
    # networkx on the graph finds the same
    ref = nx_times(mode_view(net.graph, "pt"), ["from:rail_stations:A"], ["to:rail_stations:C"])[0, 0]
    assert ref == pytest.approx(stations["travel_time_min"], abs=1e-6)


def test_park_and_ride_only_before_riding() -> None:
    # home 1.5 km from station A; the mine 1.5 km from C
    services = [("s1", "53", ["A", "C"], [0, 20], 4.0)]
    layers = _pt_layers(services, zones=[("home", 1500, -300)], sites=[("mine", 28_500, -300)])
    walk = lambda m: m / (5 / 3.6) / 60  # noqa: E731
    with_car = build_network(layers)
    t = travel_times(with_car, "zones", "mine_sites", mode="pt")["travel_time_min"].iloc[0]
    drive_to_a = 300 / (30 / 3.6) / 60 + 1500 / (30 / 3.6) / 60 + 200 / (30 / 3.6) / 60
    egress = walk(200) + walk(1500) + walk(300)
    assert t == pytest.approx(drive_to_a + 7.5 + 20 + egress)
    walking = build_network(layers, park_and_ride=False)
    t2 = travel_times(walking, "zones", "mine_sites", mode="pt")["travel_time_min"].iloc[0]
    assert t2 == pytest.approx(walk(300 + 1500 + 200) + 7.5 + 20 + egress)


def test_no_pt_trip_without_a_ride_after_driving() -> None:
    # drive to station B, board and alight there without riding, then walk: not a pt trip
    services = [("s1", "53", ["B", "C"], [0, 20], 6.0)]
    layers = _pt_layers(services, zones=[("home", 0, -300)], sites=[("near_b", 10_500, -300)])
    net = build_network(layers)
    t = travel_times(net, "zones", "mine_sites", mode="pt")["travel_time_min"].iloc[0]
    walk = lambda m: m / (5 / 3.6) / 60  # noqa: E731
    assert t == pytest.approx(walk(300 + 10_500 + 300))
    assert "depart:s1:1" in net.graph and "arrive:s1:2" in net.graph


@st.composite
def pt_networks(draw: st.DrawFn) -> dict:
    data = draw(road_networks(min_roads=2))
    vertices = sorted({c for r in data["roads"] for c in r[1]})
    n_st = draw(st.integers(2, 5))
    stations = [
        (f"st{k}", x + 50.0, y - 50.0)
        for k, (x, y) in enumerate(draw(st.lists(st.sampled_from(vertices), min_size=n_st, max_size=n_st)))
    ]
    services = []
    for s in range(draw(st.integers(1, 4))):
        stops = draw(st.lists(st.sampled_from([p[0] for p in stations]), min_size=2, max_size=4))
        runs = draw(st.lists(st.floats(0.0, 30.0), min_size=len(stops) - 1, max_size=len(stops) - 1))
        arrivals = list(np.concatenate([[0.0], np.cumsum(runs)]))
        services.append((f"svc{s}", f"R{s}", stops, arrivals, draw(st.sampled_from([0.0, 0.5, 1.0, 2.0, 4.0]))))
    data.update(stations=stations, services=services)
    return data


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(pt_networks(), st.booleans())
def test_pt_and_best_equal_networkx(data: dict, park_and_ride: bool) -> None:
    layers = make_layers(
        data["roads"], zones=data["zones"], sites=data["sites"], stations=data["stations"], services=data["services"]
    )
    net = build_network(layers, max_snap_m=1e6, snap_to_largest_component=False, park_and_ride=park_and_ride)
    origins = [*_ids(layers.zones, "from", "zones"), *_ids(layers.rail_stations, "from", "rail_stations")]  # type: ignore[union-attr]
    dests = [*_ids(layers.mine_sites, "to", "mine_sites"), *_ids(layers.rail_stations, "to", "rail_stations")]  # type: ignore[union-attr]
    o_ids = [o.removeprefix("from:") for o in origins]
    d_ids = [d.removeprefix("to:") for d in dests]
    for mode, graph in (("pt", mode_view(net.graph, "pt")), ("best", net.graph), ("car", mode_view(net.graph, "car"))):
        ours = time_matrix(net, o_ids, d_ids, mode=mode).time_min
        ref = nx_times(graph, origins, dests)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
        assert np.nanmax(np.abs(ours - ref), initial=0.0) < 1e-6
    car = time_matrix(net, o_ids, d_ids, mode="car").time_min
    pt = time_matrix(net, o_ids, d_ids, mode="pt").time_min
    best = time_matrix(net, o_ids, d_ids, mode="best").time_min
    np.testing.assert_allclose(best, np.fmin(car, pt))


@pytest.mark.slow
def test_embedded_region_equals_networkx() -> None:
    from tillvaxt_geo.data.layers import load_layers

    layers = load_layers()
    net = build_network(layers)
    graph = net.graph
    origins = _ids(layers.zones, "from", "zones")  # type: ignore[arg-type]
    dests = _ids(layers.mine_sites, "to", "mine_sites")  # type: ignore[arg-type]
    for mode, g in (("car", mode_view(graph, "car")), ("pt", mode_view(graph, "pt")), ("best", graph)):
        ours = time_matrix(net, "zones", "mine_sites", mode=mode).time_min
        ref = nx_times(g, origins, dests)
        np.testing.assert_array_equal(np.isnan(ours), np.isnan(ref))
        assert np.nanmax(np.abs(ours - ref)) < 1e-6


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distances_equal_the_networkx_path_length(seed: int) -> None:
    # random speeds: no ties, so the fastest path is unique and its length well defined
    layers = _grid_layers(9, seed=seed)
    net = build_network(layers)
    graph = mode_view(net.graph, "car")
    m = time_matrix(net, "zones", "mine_sites")
    for i, z in enumerate(m.origins.ids):
        for j, s in enumerate(m.destinations.ids):
            path = nx.dijkstra_path(graph, f"from:zones:{z}", f"to:mine_sites:{s}", weight="travel_time_s")
            length = sum(min(d["length_m"] for d in graph[u][v].values()) for u, v in itertools.pairwise(path))
            assert m.distance_km[i, j] == pytest.approx(length / 1000, abs=1e-9)
