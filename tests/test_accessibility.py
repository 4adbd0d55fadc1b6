"""Tests of accessibility: cumulative and decay-weighted sums against the full matrix."""

from __future__ import annotations

import numpy as np
import pytest
from netfixtures import make_layers, zones_frame

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.routing.accessibility import accessibility
from tillvaxt_geo.routing.matrix import time_matrix

GRID = 1000.0


def _layers(n_zones: int = 30, seed: int = 2):
    rng = np.random.default_rng(seed)
    n = 8
    roads = []
    for i in range(n):
        for j in range(n):
            if i + 1 < n:
                roads.append(
                    (
                        f"h{i}_{j}",
                        [(i * GRID, j * GRID), ((i + 1) * GRID, j * GRID)],
                        float(rng.uniform(10, 60)),
                        bool(rng.random() < 0.2),
                    )
                )
            if j + 1 < n:
                roads.append(
                    (f"v{i}_{j}", [(i * GRID, j * GRID), (i * GRID, (j + 1) * GRID)], float(rng.uniform(10, 60)), False)
                )
    pts = [(f"z{k}", *rng.uniform(0, (n - 1) * GRID, 2)) for k in range(n_zones)]
    layers = make_layers(
        roads,
        zones=pts,
        sites=[(f"s{k}", *rng.uniform(0, (n - 1) * GRID, 2)) for k in range(3)],
        stations=[("A", 0, 50), ("B", 7000, 7050)],
        services=[("t", "1", ["A", "B"], [0, 5], 4.0), ("t_r", "1", ["B", "A"], [0, 5], 4.0)],
    )
    zones = zones_frame(pts, jobs=list(rng.integers(0, 500, n_zones)))
    return layers.replace(zones=zones)


@pytest.mark.parametrize("mode", ["car", "pt", "best"])
def test_cumulative_and_decay_equal_the_matrix(mode: str) -> None:
    layers = _layers()
    net = build_network(layers)
    jobs = layers.zones["jobs"].to_numpy(float)  # type: ignore[index]
    t = time_matrix(net, "zones", "zones", mode=mode).time_min
    within = np.where(t <= 12, 1.0, 0.0)
    expected = (within * jobs[None, :]).sum(axis=1)
    acc = accessibility(net, "zones", "zones", column="jobs", mode=mode, max_time_min=12)
    assert acc.name == f"jobs_within_12_min_{mode}"
    assert list(acc.index) == list(layers.zones.index)  # type: ignore[union-attr]
    np.testing.assert_allclose(acc.to_numpy(), expected)
    decay = lambda m: np.exp(-m / 10.0)  # noqa: E731
    weighted = accessibility(net, "zones", "zones", mode=mode, max_time_min=None, decay=decay)
    reach = np.isfinite(t)
    np.testing.assert_allclose(
        weighted.to_numpy(), (np.where(reach, decay(np.where(reach, t, 0)), 0) * jobs).sum(axis=1)
    )
    assert weighted.name == f"jobs_weighted_{mode}"


def test_both_search_directions_and_processes_agree() -> None:
    layers = _layers(n_zones=60)
    net = build_network(layers)
    sites = layers.mine_sites.assign(workers=[100, 200, 300])  # type: ignore[union-attr]
    # few opportunities: searched from them; many: searched from the zones
    few = accessibility(net, "zones", sites, column="workers", max_time_min=10)
    t = time_matrix(net, "zones", "mine_sites").time_min
    np.testing.assert_allclose(few.to_numpy(), ((t <= 10) * [100, 200, 300]).sum(axis=1))
    many = accessibility(net, ["s0", "s1"], "zones", column="population", max_time_min=10, workers=1)
    forked = accessibility(net, ["s0", "s1"], "zones", column="population", max_time_min=10, workers=2)
    back = accessibility(net, "zones", "zones", column="population", max_time_min=10, workers=2)
    np.testing.assert_allclose(many.to_numpy(), forked.to_numpy())
    tz = time_matrix(net, "zones", "zones").time_min
    np.testing.assert_allclose(back.to_numpy(), ((tz <= 10) * 1000).sum(axis=1))
    assert list(many.index) == ["s0", "s1"]


def test_bad_inputs() -> None:
    net = build_network(_layers())
    with pytest.raises(ConfigError, match="no column 'people'"):
        accessibility(net, "zones", "zones", column="people")
    with pytest.raises(ConfigError, match="decay"):
        accessibility(net, "zones", "zones", decay=3)  # type: ignore[arg-type]
    with pytest.raises(ConfigError, match="layer name or a GeoDataFrame"):
        accessibility(net, "zones", ["z1"])


def test_opportunities_on_nodes_use_the_node_sums() -> None:
    import geopandas as gpd
    import shapely

    layers = _layers(n_zones=12)
    net = build_network(layers, max_edge_m=None)
    xy = net.nodes[["x", "y"]].to_numpy()[: net.n_road_nodes]
    rng = np.random.default_rng(5)
    pick = rng.choice(len(xy), 40, replace=False)
    pick = np.concatenate([pick, pick[:5]])  # two opportunities on one node
    opps = gpd.GeoDataFrame(
        {"id": [f"o{i}" for i in range(len(pick))], "jobs": rng.integers(1, 100, len(pick))},
        geometry=shapely.points(xy[pick]),
        crs=net.crs,
    )
    t = time_matrix(net, "zones", opps).time_min
    expected = ((t <= 9) * opps["jobs"].to_numpy()).sum(axis=1)
    got = accessibility(net, "zones", opps, max_time_min=9)  # 12 zones: searched from the zones
    np.testing.assert_allclose(got.to_numpy(), expected)
    on_nodes = opps.iloc[:3]  # few opportunities: searched from them, zones on nodes too
    homes = gpd.GeoDataFrame({"id": [f"h{i}" for i in range(30)]}, geometry=shapely.points(xy[pick[5:35]]), crs=net.crs)
    t2 = time_matrix(net, homes, on_nodes).time_min
    got2 = accessibility(net, homes, on_nodes, max_time_min=9, workers=2)
    np.testing.assert_allclose(got2.to_numpy(), ((t2 <= 9) * on_nodes["jobs"].to_numpy()).sum(axis=1))
    decay = lambda m: 1 / (1 + m)  # noqa: E731
    got3 = accessibility(net, homes, on_nodes, max_time_min=None, decay=decay)
    reach = np.isfinite(t2)
    np.testing.assert_allclose(
        got3.to_numpy(), (np.where(reach, decay(np.where(reach, t2, 0)), 0) * on_nodes["jobs"].to_numpy()).sum(axis=1)
    )
