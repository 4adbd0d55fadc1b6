"""Tests of network compilation: nodes, edges, parallel edges, bad speeds, snapping, components."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from netfixtures import X0, Y0, make_layers, mode_view, nx_times
from scipy.sparse.csgraph import dijkstra
from shapely.geometry import Polygon

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.errors import ConfigError, CRSError, LayerNotFoundError, NetworkError, UnreachableError
from tillvaxt_geo.network.build import build_network, compile_csr
from tillvaxt_geo.network.report import network_report
from tillvaxt_geo.routing.matrix import travel_times

CROSS = [
    ("ns", [(0, -1000), (0, 1000)], 50.0, False),
    ("ew", [(-1000, 0), (1000, 0)], 50.0, False),
]


def test_compile_csr_keeps_fastest_parallel_edge_and_zero_time_edges() -> None:
    tail = np.array([0, 0, 0, 1])
    head = np.array([1, 1, 1, 2])
    time = np.array([30.0, 10.0, 20.0, 0.0])
    m, keep = compile_csr(tail, head, time, 3)
    assert m.nnz == 2
    assert m[0, 1] == 10.0  # not 60 (the COO sum)
    assert list(keep) == [1, 3]
    # the zero-time edge is stored and searched
    assert dijkstra(m, indices=0)[2] == 10.0


def test_parallel_roads_keep_the_fastest() -> None:
    layers = make_layers(
        [("slow", [(0, 0), (6000, 0)], 30.0, False), ("fast", [(0, 0), (6000, 0)], 90.0, False)],
        zones=[("a", 0, 0)],
        sites=[("m", 6000, 0)],
    )
    net = build_network(layers, max_edge_m=None)
    tt = travel_times(net, "zones", "mine_sites")
    assert tt["travel_time_min"].iloc[0] == pytest.approx(4.0)
    assert tt["distance_km"].iloc[0] == pytest.approx(6.0)
    # networkx on the MultiDiGraph agrees; it keeps both parallel edges
    g = net.to_networkx("car")
    assert g.number_of_edges("road:0", "road:1") + g.number_of_edges("road:1", "road:0") == 4
    assert nx_times(g, ["from:zones:a"], ["to:mine_sites:m"])[0, 0] == pytest.approx(4.0, abs=1e-9)


def test_crossing_lines_without_shared_vertex_do_not_connect() -> None:
    layers = make_layers(CROSS, zones=[("a", 0, -1000)], sites=[("m", 1000, 0)])
    net = build_network(layers, snap_to_largest_component=False)
    tt = travel_times(net, "zones", "mine_sites")
    assert np.isnan(tt["travel_time_min"].iloc[0])
    assert not nx.has_path(net.graph, "from:zones:a", "to:mine_sites:m")
    report = network_report(layers)
    assert len(report) == 2
    # with a shared vertex at the crossing they connect
    joined = [
        ("ns", [(0, -1000), (0, 0), (0, 1000)], 50.0, False),
        ("ew", [(-1000, 0), (0, 0), (1000, 0)], 50.0, False),
    ]
    tt2 = travel_times(
        build_network(make_layers(joined, zones=[("a", 0, -1000)], sites=[("m", 1000, 0)])), "zones", "mine_sites"
    )
    assert tt2["travel_time_min"].iloc[0] == pytest.approx(2000 / (50 / 3.6) / 60)
    assert len(network_report(make_layers(joined))) == 1


def test_oneway_roads_are_one_way() -> None:
    layers = make_layers(
        [("one", [(0, 0), (3000, 0)], 60.0, True), ("back", [(3000, 0), (3000, 3000), (0, 3000), (0, 0)], 60.0, False)],
        zones=[("a", 0, 0)],
        sites=[("m", 3000, 0)],
    )
    net = build_network(layers)
    out = travel_times(net, "zones", "mine_sites")["travel_time_min"].iloc[0]
    back = travel_times(net, "mine_sites", "zones")["travel_time_min"].iloc[0]
    assert out == pytest.approx(3.0)
    assert back == pytest.approx(9.0)


@pytest.mark.parametrize("bad", [np.nan, 0.0, -30.0, None, "fast"])
def test_bad_speed_names_the_road(bad: object) -> None:
    roads = [("good", [(0, 0), (1000, 0)], 50.0, False), ("broken_road", [(1000, 0), (2000, 0)], bad, False)]
    layers = make_layers(roads)
    with pytest.raises(NetworkError, match="broken_road"):
        build_network(layers)


def test_missing_speed_column_is_an_error() -> None:
    layers = make_layers([("r1", [(0, 0), (1000, 0)], 50.0, False)])
    layers = layers.replace(roads=layers.roads.drop(columns="speed_kmh"))  # type: ignore[union-attr]
    with pytest.raises(NetworkError, match="speed_kmh"):
        build_network(layers)


def test_empty_geometry_names_the_road() -> None:
    layers = make_layers([("r1", [(0, 0), (1000, 0)], 50.0, False), ("r2", [(0, 0), (0, 500)], 50.0, False)])
    roads = layers.roads.copy()  # type: ignore[union-attr]
    roads.loc["r2", "geometry"] = None
    with pytest.raises(NetworkError, match="'r2'"):
        build_network(layers.replace(roads=roads))


def test_far_point_is_unreachable_with_ids_and_distances() -> None:
    layers = make_layers(
        [("r1", [(0, 0), (1000, 0)], 50.0, False)],
        zones=[("near", 0, 100), ("far_away", 0, 5000)],
    )
    with pytest.raises(UnreachableError, match=r"zones 'far_away' \(5,000 m\)"):
        build_network(layers)
    assert (
        build_network(layers, max_snap_m=6000).snaps.set_index("feature_id").loc["far_away", "snap_distance_m"] == 5000
    )


def test_snapping_table_and_polygons() -> None:
    layers = make_layers([("r1", [(0, 0), (2000, 0)], 50.0, False)], zones=[("a", 130, 40)])
    net = build_network(layers, max_edge_m=250)
    row = net.snaps.iloc[0]
    assert row["layer"] == "zones" and row["feature_id"] == "a"
    # densified: 2000 m in 8 pieces of 250 m, the nearest node is at x=250
    assert row["snap_distance_m"] == pytest.approx(np.hypot(120, 40))
    assert net.nodes.loc[row["node"], "x"] == pytest.approx(X0 + 250)
    unsplit = build_network(layers, max_edge_m=None)
    assert unsplit.snaps["snap_distance_m"].iloc[0] == pytest.approx(np.hypot(130, 40))
    # a polygon snaps by its representative point
    square = Polygon([(X0 + 900, Y0 + 100), (X0 + 1100, Y0 + 100), (X0 + 1100, Y0 + 300), (X0 + 900, Y0 + 300)])
    zones = layers.zones.copy()  # type: ignore[union-attr]
    zones.loc["a", "geometry"] = square
    snapped = build_network(layers.replace(zones=zones)).snaps.iloc[0]
    point = square.representative_point()
    assert (snapped["x"], snapped["y"]) == (point.x, point.y)
    assert snapped["snap_distance_m"] == pytest.approx(point.y - Y0)


def test_densified_nodes_do_not_connect_crossing_lines() -> None:
    # the two lines cross at (1000, 0): a densification point of both, but private to each road
    roads = [("a", [(0, 0), (2000, 0)], 50.0, False), ("b", [(1000, -1000), (1000, 1000)], 50.0, False)]
    net = build_network(make_layers(roads), max_edge_m=250)
    assert len(network_report(make_layers(roads), max_edge_m=250)) == 2
    assert nx.number_weakly_connected_components(net.to_networkx("car")) == 2


def test_only_zero_length_roads_is_an_error() -> None:
    with pytest.raises(NetworkError, match="no road segments of non-zero length"):
        build_network(make_layers([("dot", [(0, 0), (0, 0)], 50.0, False)], zones=[("a", 0, 0)]))


def test_no_roads_layer() -> None:
    with pytest.raises(LayerNotFoundError, match="roads"):
        build_network(Layers())


def test_wrong_crs_is_reported() -> None:
    layers = make_layers([("r1", [(0, 0), (1000, 0)], 50.0, False)])
    with pytest.raises(CRSError, match="roads"):
        build_network(layers.replace(roads=layers.roads.to_crs("EPSG:3857")))  # type: ignore[union-attr]


def test_bad_options() -> None:
    layers = make_layers([("r1", [(0, 0), (1000, 0)], 50.0, False)])
    with pytest.raises(ConfigError, match="walk_speed_kmh"):
        build_network(layers, walk_speed_kmh=0)
    with pytest.raises(ConfigError, match="peak, weekday"):
        build_network(layers, frequency="hourly")


def test_graph_has_crs_and_is_cached() -> None:
    net = build_network(make_layers(CROSS, zones=[("a", 0, 0)]))
    g = net.graph
    assert g is net.graph
    assert g.graph["crs"] == "EPSG:3006"
    for _, _, data in g.edges(data=True):
        assert data["travel_time_s"] >= 0 and np.isfinite(data["travel_time_s"])
    assert {"x", "y", "kind"} <= set(g.nodes["road:0"])


def test_network_report_lists_islands() -> None:
    roads = [
        ("main1", [(0, 0), (5000, 0)], 50.0, False),
        ("main2", [(5000, 0), (5000, 5000)], 50.0, False),
        ("island", [(20000, 20000), (20300, 20000)], 30.0, False),
    ]
    report = network_report(make_layers(roads))
    assert list(report.columns) == ["component", "nodes", "length_km", "lon", "lat", "roads", "road_ids"]
    assert len(report) == 2
    assert report["length_km"].tolist() == [10.0, 0.3]
    assert report["road_ids"].iloc[1] == "island"
    assert 14 < report["lon"].iloc[1] < 16 and 59 < report["lat"].iloc[1] < 61


def test_nodes_are_spatially_ordered_and_cover_vertices() -> None:
    rng = np.random.default_rng(3)
    roads = [
        (f"r{i}", [tuple(rng.uniform(0, 10000, 2)), tuple(rng.uniform(0, 10000, 2))], 50.0, False) for i in range(30)
    ]
    net = build_network(make_layers(roads), max_edge_m=None)
    assert net.n_road_nodes == 60
    xy = net.nodes[["x", "y"]].to_numpy()[:60] - [X0, Y0]
    assert pd.DataFrame(xy).duplicated().sum() == 0


def test_zero_length_and_duplicate_vertices_are_dropped() -> None:
    roads = [("r1", [(0, 0), (0, 0), (1000, 0), (1000.001, 0)], 50.0, False)]
    net = build_network(make_layers(roads, zones=[("a", 0, 0)], sites=[("m", 1000, 0)]), max_edge_m=None)
    assert net.n_road_nodes == 2
    assert travel_times(net, "zones", "mine_sites")["travel_time_min"].iloc[0] == pytest.approx(1000 / (50 / 3.6) / 60)


def test_mode_view_matches_car_graph() -> None:
    net = build_network(make_layers(CROSS, zones=[("a", 0, -900)], sites=[("m", 0, 900)]))
    full = mode_view(net.graph, "car")
    car = net.to_networkx("car")
    assert nx_times(full, ["from:zones:a"], ["to:mine_sites:m"]) == pytest.approx(
        nx_times(car, ["from:zones:a"], ["to:mine_sites:m"])
    )
