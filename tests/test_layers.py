"""Loading and validating layer sets: every bad-input case is a small file made here."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import SWEREF, X0, Y0, small_layer_frames, write_layer_dir
from shapely.geometry import LineString, Point, Polygon

from tillvaxt_geo import (
    ConfigError,
    CRSError,
    LayerError,
    LayerNotFoundError,
    SchemaError,
    TillvaxtError,
    load_layers,
)


def _with(name: str, frame: gpd.GeoDataFrame, tmp_path: Path, suffix: str = ".gpkg") -> Path:
    frames = small_layer_frames()
    frames[name] = frame
    return write_layer_dir(tmp_path / "set", frames, suffix=suffix)


# --- valid sets ---------------------------------------------------------------------------


def test_directory_of_gpkg_loads_indexed_by_id(layer_dir: Path) -> None:
    layers = load_layers(layer_dir)
    assert set(layers.present()) == {"zones", "roads", "mine_sites", "housing_land"}
    assert list(layers.zones.index) == ["a", "b", "c"]
    assert layers.roads.crs.to_epsg() == 3006
    # optional columns filled with their defaults
    assert (layers.zones["kind"] == "settlement").all()
    assert layers.roads["oneway"].dtype == bool or set(layers.roads["oneway"]) <= {False, True}
    assert layers.zones["population"].dtype == np.int64
    assert layers.rail_services is None
    assert set(layers.hashes) == set(layers.present())


def test_geojson_in_wgs84_is_reprojected_to_sweref(tmp_path: Path) -> None:
    frames = {k: v.to_crs("EPSG:4326") for k, v in small_layer_frames().items()}
    directory = write_layer_dir(tmp_path / "wgs", frames, suffix=".geojson")
    layers = load_layers(directory)
    assert layers.zones.crs.to_epsg() == 3006
    original = small_layer_frames()["zones"]
    dist = layers.zones.geometry.distance(original.set_index("zone_id").geometry)
    assert float(dist.max()) < 0.01
    assert any("reprojected" in n for n in layers.notes)


def test_single_geopackage_with_named_layers(tmp_path: Path) -> None:
    path = tmp_path / "region.gpkg"
    for name, frame in small_layer_frames().items():
        frame.to_file(path, layer=name)
    layers = load_layers(path)
    assert set(layers.present()) == {"zones", "roads", "mine_sites", "housing_land"}


def test_override_replaces_one_layer(layer_dir: Path, tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"]
    zones["population"] = [7, 8, 9]
    other = tmp_path / "my_zones.geojson"
    zones.to_file(other)
    layers = load_layers(layer_dir, overrides={"zones": other})
    assert list(layers.zones["population"]) == [7, 8, 9]
    assert layers.sources["zones"] == str(other)


def test_other_working_crs(layer_dir: Path) -> None:
    layers = load_layers(layer_dir, crs="EPSG:32633")
    assert layers.crs.to_epsg() == 32633
    assert layers.roads.crs.to_epsg() == 32633


def test_geographic_working_crs_is_refused(layer_dir: Path) -> None:
    with pytest.raises(CRSError, match="geographic"):
        load_layers(layer_dir, crs="EPSG:4326")


def test_require_names_the_missing_layer(layer_dir: Path) -> None:
    layers = load_layers(layer_dir)
    with pytest.raises(LayerNotFoundError, match=r"rail_stations.*is needed for maps"):
        layers.require("rail_stations", needed_for="maps")


# --- files that cannot be read ---------------------------------------------------------------


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(LayerNotFoundError, match="does not exist"):
        load_layers(tmp_path / "nowhere")


def test_directory_without_layers(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    with pytest.raises(LayerNotFoundError, match=r"zones\.geojson"):
        load_layers(tmp_path / "empty")


def test_missing_override_file(layer_dir: Path, tmp_path: Path) -> None:
    with pytest.raises(LayerNotFoundError, match="roads") as info:
        load_layers(layer_dir, overrides={"roads": tmp_path / "no_such_roads.gpkg"})
    assert "no_such_roads.gpkg" in str(info.value)


def test_unknown_override_name(layer_dir: Path) -> None:
    with pytest.raises(ConfigError, match="valid layers: zones"):
        load_layers(layer_dir, overrides={"roadz": layer_dir / "roads.gpkg"})


def test_corrupt_file(tmp_path: Path) -> None:
    directory = write_layer_dir(tmp_path / "set", small_layer_frames())
    (directory / "roads.gpkg").write_bytes(b"this is not a geopackage" * 10)
    with pytest.raises(LayerError) as info:
        load_layers(directory)
    assert "roads.gpkg" in str(info.value)
    assert "cannot be read" in str(info.value)


def test_geopackage_without_the_named_layer(tmp_path: Path, layer_dir: Path) -> None:
    other = tmp_path / "two_layers.gpkg"
    small_layer_frames()["roads"].to_file(other, layer="vagar")
    small_layer_frames()["zones"].to_file(other, layer="omraden")
    with pytest.raises(LayerNotFoundError) as info:
        load_layers(layer_dir, overrides={"roads": other})
    message = str(info.value)
    assert "no layer 'roads'" in message and "vagar" in message and "omraden" in message


def test_shapefile_without_prj_has_no_crs(tmp_path: Path) -> None:
    directory = _with("roads", small_layer_frames()["roads"], tmp_path)
    (directory / "roads.gpkg").unlink()
    small_layer_frames()["roads"].to_file(directory / "roads.shp")
    (directory / "roads.prj").unlink()
    with pytest.raises(CRSError) as info:
        load_layers(directory)
    assert "no CRS" in str(info.value) and ".prj" in str(info.value)
    assert "roads.shp" in str(info.value)


def test_swapped_lat_lon(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"].to_crs("EPSG:4326")
    zones.geometry = gpd.points_from_xy(zones.geometry.y, zones.geometry.x)  # lat as x
    zones = zones.set_crs("EPSG:4326", allow_override=True)
    with pytest.raises(CRSError) as info:
        load_layers(_with("zones", zones, tmp_path))
    assert "swapped" in str(info.value)
    assert "'a'" in str(info.value)


def test_rt90_numbers_labelled_sweref(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"].to_crs("EPSG:3021")  # RT 90 numbers ...
    zones = zones.set_crs(SWEREF, allow_override=True)  # ... labelled SWEREF 99 TM
    with pytest.raises(CRSError, match="RT 90"):
        load_layers(_with("zones", zones, tmp_path))


# --- schema problems ---------------------------------------------------------------------------


def test_missing_column(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"].drop(columns=["labour_force"])
    with pytest.raises(SchemaError) as info:
        load_layers(_with("zones", zones, tmp_path))
    assert "column 'labour_force'" in str(info.value)
    assert "layer 'zones'" in str(info.value)


def test_mistyped_column_names_feature_and_column(tmp_path: Path) -> None:
    roads = small_layer_frames()["roads"]
    roads["speed_kmh"] = roads["speed_kmh"].astype(object)
    roads.loc[1, "speed_kmh"] = "fast"
    with pytest.raises(SchemaError) as info:
        load_layers(_with("roads", roads, tmp_path))
    message = str(info.value)
    assert "column 'speed_kmh'" in message and "'r2'" in message and "'fast'" in message


@pytest.mark.parametrize("speed", [0.0, -30.0, np.nan, 250.0])
def test_bad_speeds(tmp_path: Path, speed: float) -> None:
    roads = small_layer_frames()["roads"]
    roads.loc[2, "speed_kmh"] = speed
    with pytest.raises(SchemaError) as info:
        load_layers(_with("roads", roads, tmp_path))
    assert "'r3'" in str(info.value) and "speed_kmh" in str(info.value)


def test_negative_population_and_capacity_reported_together(tmp_path: Path) -> None:
    frames = small_layer_frames()
    frames["zones"].loc[0, "population"] = -5
    frames["housing_land"].loc[0, "capacity_dwellings"] = -1
    with pytest.raises(SchemaError) as info:
        load_layers(write_layer_dir(tmp_path / "set", frames))
    message = str(info.value)
    assert "2 problems" in message
    assert "population" in message and "capacity_dwellings" in message
    assert len(info.value.problems) == 2
    assert {p.layer for p in info.value.problems} == {"zones", "housing_land"}


def test_duplicate_and_null_ids(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"]
    zones.loc[1, "zone_id"] = "a"
    zones.loc[2, "zone_id"] = None
    with pytest.raises(SchemaError) as info:
        load_layers(_with("zones", zones, tmp_path))
    message = str(info.value)
    assert "duplicates: a" in message
    assert "row 2" in message


def test_vacant_exceeding_dwellings(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"]
    zones.loc[0, "vacant_dwellings"] = 10_000
    with pytest.raises(SchemaError, match=r"vacant_dwellings.*must not exceed"):
        load_layers(_with("zones", zones, tmp_path))


def test_bad_choice(tmp_path: Path) -> None:
    housing = small_layer_frames()["housing_land"]
    housing.loc[0, "status"] = "maybe"
    with pytest.raises(SchemaError, match="'adopted', 'proposed', 'assumed'"):
        load_layers(_with("housing_land", housing, tmp_path))


def test_empty_layer(tmp_path: Path) -> None:
    roads = small_layer_frames()["roads"].iloc[0:0]
    directory = _with("roads", roads, tmp_path, suffix=".geojson")
    with pytest.raises(SchemaError, match="no features"):
        load_layers(directory)


# --- geometry problems -------------------------------------------------------------------------


def _bowtie() -> Polygon:
    return Polygon([(X0, Y0), (X0 + 100, Y0 + 100), (X0 + 100, Y0), (X0, Y0 + 100)])


def test_self_intersecting_housing_polygon_reported_by_id(tmp_path: Path) -> None:
    housing = small_layer_frames()["housing_land"]
    housing.loc[0, "geometry"] = _bowtie()
    with pytest.raises(SchemaError) as info:
        load_layers(_with("housing_land", housing, tmp_path))
    message = str(info.value)
    assert "'h1'" in message and "Self-intersection" in message and "repair" in message


def test_repair_makes_valid_and_reports(tmp_path: Path) -> None:
    housing = small_layer_frames()["housing_land"]
    housing.loc[0, "geometry"] = _bowtie()
    layers = load_layers(_with("housing_land", housing, tmp_path), repair=True)
    geom = layers.housing_land.geometry.iloc[0]
    assert geom.is_valid and geom.geom_type in ("Polygon", "MultiPolygon")
    assert any("h1" in n and "make_valid" in n for n in layers.notes)


def test_wrong_geometry_type(tmp_path: Path) -> None:
    roads = small_layer_frames()["roads"]
    roads.loc[1, "geometry"] = Point(X0, Y0)
    with pytest.raises(SchemaError) as info:
        load_layers(_with("roads", roads, tmp_path, suffix=".geojson"))
    assert "LineString" in str(info.value) and "'r2'" in str(info.value) and "Point" in str(info.value)


def test_null_and_empty_geometry(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"]
    zones.loc[0, "geometry"] = None
    zones.loc[1, "geometry"] = Point()
    with pytest.raises(SchemaError) as info:
        load_layers(_with("zones", zones, tmp_path, suffix=".geojson"))
    assert "missing or empty" in str(info.value)
    assert "'a'" in str(info.value)


def test_errors_are_builtins_too(tmp_path: Path) -> None:
    zones = small_layer_frames()["zones"].drop(columns=["name"])
    with pytest.raises(ValueError):
        load_layers(_with("zones", zones, tmp_path))
    with pytest.raises(TillvaxtError):
        load_layers(_with("zones", zones, tmp_path))
    with pytest.raises(FileNotFoundError):
        load_layers(tmp_path / "missing")


def test_services_table_with_unknown_station(tmp_path: Path) -> None:
    frames: dict[str, gpd.GeoDataFrame | pd.DataFrame] = dict(small_layer_frames())
    frames["rail_stations"] = gpd.GeoDataFrame(
        {"station_id": ["s1", "s2"], "name": ["Ett", "Två"]},
        geometry=[Point(X0, Y0), Point(X0 + 5000, Y0)],
        crs=SWEREF,
    )
    frames["rail_lines"] = gpd.GeoDataFrame(
        {"line_id": ["l1"], "name": ["Banan"]}, geometry=[LineString([(X0, Y0), (X0 + 5000, Y0)])], crs=SWEREF
    )
    frames["rail_services"] = pd.DataFrame(
        {
            "service_id": ["t", "t"],
            "stop_sequence": [0, 1],
            "station_id": ["s1", "s9"],
            "arrival_min": [0.0, 6.0],
            "departures_peak_hour": [2.0, 2.0],
            "departures_weekday": [20, 20],
        }
    )
    with pytest.raises(SchemaError, match="s9"):
        load_layers(write_layer_dir(tmp_path / "set", frames))
    frames["rail_services"].loc[1, "station_id"] = "s2"
    layers = load_layers(write_layer_dir(tmp_path / "set2", frames))
    assert list(layers.rail_services["station_id"]) == ["s1", "s2"]


def test_geojson_file_is_valid_json_not_required_to_be_ordered(tmp_path: Path) -> None:
    """A hand-written GeoJSON with integer ids and string booleans still loads."""
    features = [
        {
            "type": "Feature",
            "properties": {"road_id": 7, "ref": "66", "road_class": "trunk", "speed_kmh": "80", "oneway": "no"},
            "geometry": {"type": "LineString", "coordinates": [[15.18, 60.15], [15.40, 60.13]]},
        }
    ]
    frames = small_layer_frames()
    directory = write_layer_dir(tmp_path / "set", {k: v for k, v in frames.items() if k != "roads"})
    (directory / "roads.geojson").write_text(json.dumps({"type": "FeatureCollection", "features": features}))
    layers = load_layers(directory)
    assert layers.roads.index[0] == "7"
    assert layers.roads["speed_kmh"].iloc[0] == 80.0
    assert not layers.roads["oneway"].iloc[0]
