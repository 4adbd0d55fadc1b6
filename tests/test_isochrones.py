"""Tests of isochrones: built from the reached network, nested bands, consistent with the matrix."""

from __future__ import annotations

import itertools

import geopandas as gpd
import numpy as np
import pytest
import shapely
from netfixtures import SWEREF, make_layers

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.routing.isochrones import isochrones, reached_nodes, road_node_times
from tillvaxt_geo.routing.matrix import travel_times

GRID = 1000.0


def _grid(n: int = 10, *, seed: int = 1, stations: bool = False):
    rng = np.random.default_rng(seed)
    roads = []
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                roads.append(
                    (f"h{i}_{j}", [(i * GRID, j * GRID), ((i + 1) * GRID, j * GRID)], float(rng.uniform(20, 90)), False)
                )
            if j + 1 < n:
                roads.append(
                    (f"v{i}_{j}", [(i * GRID, j * GRID), (i * GRID, (j + 1) * GRID)], float(rng.uniform(20, 90)), False)
                )
    kwargs = {}
    if stations:
        kwargs = {
            "stations": [("A", 0, 100), ("B", 9000, 9100)],
            "services": [("s", "1", ["A", "B"], [0, 8], 4.0), ("s_r", "1", ["B", "A"], [0, 8], 4.0)],
        }
    return make_layers(roads, zones=[("z", 4500, 4500)], sites=[("m", 120, 80)], **kwargs)


def _node_points(net) -> gpd.GeoDataFrame:
    xy = net.nodes[["x", "y"]].to_numpy()[: net.n_road_nodes]
    return gpd.GeoDataFrame({"id": [f"n{i}" for i in range(len(xy))]}, geometry=shapely.points(xy), crs=SWEREF)


@pytest.mark.parametrize("mode", ["car", "pt", "best"])
def test_band_contains_every_node_the_matrix_reaches(mode: str) -> None:
    net = build_network(_grid(stations=True), max_edge_m=None)
    iso = isochrones(net, ["mine_sites:m"], minutes=(10, 30), mode=mode, buffer_m=100)
    band = iso.loc[iso["minutes"] == 30, "geometry"].iloc[0]
    times = travel_times(net, ["mine_sites:m"], _node_points(net), mode=mode)["travel_time_min"].to_numpy()
    pts = shapely.points(net.nodes[["x", "y"]].to_numpy()[: net.n_road_nodes])
    inside = shapely.covers(band, pts)
    assert inside[times <= 30].all()
    assert (times <= 30).sum() >= 3
    if mode == "car":
        # a node inside lies on a reached edge: at most one edge (3 min at 20 km/h) + 100 m beyond the band
        assert np.nanmax(times[inside]) <= 30 + 3 + 0.3 + 1e-6
        # the node times used agree with the matrix
        nodes = road_node_times(net, ["mine_sites:m"], mode=mode)[0]
        np.testing.assert_allclose(nodes, times, atol=1e-9)


@pytest.mark.parametrize("mode", ["car", "pt", "best"])
def test_reached_nodes_are_the_nodes_within_the_cutoff(mode: str) -> None:
    net = build_network(_grid(stations=True), max_edge_m=None)
    origins = ["mine_sites:m", "zones:z"]
    reached = reached_nodes(net, origins, mode=mode, max_time_min=25)
    dense = road_node_times(net, origins, mode=mode)  # no cutoff: every node
    matrix = travel_times(net, origins, _node_points(net), mode=mode)["travel_time_min"].to_numpy()
    for i in range(len(origins)):
        nodes, minutes = reached.of(i)
        assert len(np.unique(nodes)) == len(nodes) > 3
        assert set(nodes.tolist()) == set(np.flatnonzero(dense[i] <= 25).tolist())
        np.testing.assert_allclose(minutes, dense[i][nodes], atol=1e-9)
        if mode == "car":  # a node is a destination at snap distance 0: the matrix agrees
            np.testing.assert_allclose(dense[i], matrix[i * net.n_road_nodes : (i + 1) * net.n_road_nodes], atol=1e-9)
    # the same origin twice shares one search and gets its own copy of the result
    twice = reached_nodes(net, [origins[1], origins[0], origins[1]], mode=mode, max_time_min=25)
    for i, j in ((0, 1), (1, 0), (2, 1)):
        np.testing.assert_array_equal(twice.of(i)[0], reached.of(j)[0])
        np.testing.assert_array_equal(twice.of(i)[1], reached.of(j)[1])
    frame = reached.to_frame()
    assert list(frame.columns) == ["origin_id", "mode", "node", "minutes"]
    assert frame["origin_id"].tolist() == ["m"] * len(reached.of(0)[0]) + ["z"] * len(reached.of(1)[0])
    assert (frame["mode"] == mode).all() and (frame["minutes"] <= 25).all()


def test_bands_are_nested_polygons_in_the_network_crs() -> None:
    net = build_network(_grid())
    iso = isochrones(net, ["mine_sites:m", "zones:z"], minutes=(45, 5, 10), buffer_m=150)
    assert list(iso.columns) == ["origin_id", "mode", "minutes", "geometry"]
    assert iso.crs == net.crs
    assert iso["origin_id"].tolist() == ["m"] * 3 + ["z"] * 3
    assert iso["minutes"].tolist() == [5.0, 10.0, 45.0] * 2
    for _, group in iso.groupby("origin_id"):
        geoms = group.geometry.to_numpy()
        assert all(g.geom_type in ("Polygon", "MultiPolygon") and g.is_valid for g in geoms)
        for small, big in itertools.pairwise(geoms):
            assert shapely.difference(small, big).area < 1e-6
            assert big.area >= small.area - 1e-6


def test_not_a_circle() -> None:
    # one long road: the band is a corridor along it, far smaller than a circle of the same reach
    net = build_network(make_layers([("r", [(0, 0), (50_000, 0)], 60.0, False)], sites=[("m", 0, 0)]))
    band = isochrones(net, ["m"], minutes=30, buffer_m=200).geometry.iloc[0]
    minx, miny, maxx, maxy = band.bounds
    assert maxx - minx == pytest.approx(30_000 + 2 * 200, rel=1e-3)  # 30 km at 60 km/h, interpolated mid-edge
    assert maxy - miny == pytest.approx(400, rel=1e-3)


def test_bad_arguments() -> None:
    net = build_network(_grid())
    with pytest.raises(ConfigError, match="minutes"):
        isochrones(net, ["m"], minutes=(0, 30))
    with pytest.raises(ConfigError, match="buffer_m"):
        isochrones(net, ["m"], buffer_m=-1)
    with pytest.raises(ConfigError, match="Did you mean"):
        isochrones(net, ["mm"])
