"""Long road geometries: a 10^6-vertex road or an absurdly long segment is a clear error, not exhausted memory."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
from conftest import X0, Y0, make_roads
from shapely.geometry import LineString

from tillvaxt_geo.data.schemas import MAX_VERTICES_PER_FEATURE
from tillvaxt_geo.errors import NetworkError
from tillvaxt_geo.network.roads import road_graph


def _with_first_road(line: LineString) -> gpd.GeoDataFrame:
    roads = make_roads()
    roads.loc[roads.index[0], "geometry"] = line
    return roads


def test_a_million_vertex_road_is_refused_naming_it() -> None:
    x = np.linspace(X0, X0 + 50_000, 1_000_000)
    roads = _with_first_road(LineString(np.c_[x, np.full_like(x, Y0)]))
    with pytest.raises(NetworkError, match=r"'r1'.*1,000,000 vertices.*simplify"):
        road_graph(roads, max_edge_m=250.0)


def test_a_road_at_the_limit_still_builds() -> None:
    x = np.linspace(X0, X0 + 5_000, MAX_VERTICES_PER_FEATURE)
    graph = road_graph(_with_first_road(LineString(np.c_[x, np.full_like(x, Y0)])), max_edge_m=250.0)
    assert len(graph.seg_length_m) >= MAX_VERTICES_PER_FEATURE - 1
    assert graph.seg_length_m.sum() == pytest.approx(5_000 + 5_000 * np.hypot(1, 0.4) + 3_000, rel=1e-6)


def test_densifying_an_absurdly_long_segment_is_refused_before_allocating() -> None:
    roads = _with_first_road(LineString([(X0, Y0), (X0 + 2e13, Y0)]))  # 20 billion km: wrong coordinates
    with pytest.raises(NetworkError, match=r"would make .* edges"):
        road_graph(roads, max_edge_m=250.0)
