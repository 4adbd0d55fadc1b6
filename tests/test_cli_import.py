"""``tillvaxt-geo import …`` in a subprocess: files written, messages printed, exit codes, and loadable results."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import rasterio
from conftest import X0, Y0, make_housing, run_cli
from shapely.geometry import box
from test_gtfs import basic_tables, write_feed

from tillvaxt_geo.data.layers import load_layers


def test_import_osm_writes_a_loadable_roads_layer(tmp_path: Path) -> None:
    pyrosm = pytest.importorskip("pyrosm")
    out = tmp_path / "set" / "roads.gpkg"
    result = run_cli(
        "import", "osm", pyrosm.get_data("helsinki_pbf"), "--out", str(out), "--crs", "EPSG:3067", cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    assert "road segments" in result.stdout and str(out) in result.stdout and "EPSG:3067" in result.stdout
    layers = load_layers(out.parent, crs="EPSG:3067")
    assert layers.roads is not None and len(layers.roads) > 500


def test_import_osm_truncated_pbf_is_one_clean_error(tmp_path: Path) -> None:
    pyrosm = pytest.importorskip("pyrosm")
    data = Path(pyrosm.get_data("test_pbf")).read_bytes()
    bad = tmp_path / "truncated.osm.pbf"
    bad.write_bytes(data[: len(data) // 3])
    result = run_cli("import", "osm", str(bad), "--out", str(tmp_path / "roads.gpkg"), cwd=tmp_path)
    assert result.returncode == 1
    assert "truncated.osm.pbf cannot be read" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "roads.gpkg").exists()


def test_import_osm_bad_speed_option_is_a_usage_error(tmp_path: Path) -> None:
    result = run_cli("import", "osm", "x.pbf", "--out", "r.gpkg", "--speed", "residential", cwd=tmp_path)
    assert result.returncode == 2
    assert "CLASS=KMH" in result.stderr


def test_import_gtfs_writes_services_and_stations(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", basic_tables(), as_zip=True)
    target = tmp_path / "set"
    result = run_cli(
        "import",
        "gtfs",
        str(feed),
        "--out",
        str(target / "rail_services.csv"),
        "--out",
        str(target / "rail_stations.geojson"),
        "--window",
        "06:00-09:00",
        "--modes",
        "rail",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "wrote 2 services" in result.stdout and "2025-03-04" in result.stdout
    assert "wrote 3 stations" in result.stdout
    layers = load_layers(target)
    assert set(layers.require("rail_services")["service_id"]) == {"53_0_a", "53_1_a"}
    assert set(layers.require("rail_stations")["station_id"]) == {"LUD", "SMB", "BLG"}


def test_import_gtfs_without_stop_times_names_the_file(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stop_times.txt"] = None
    feed = write_feed(tmp_path / "feed_without_stop_times", tables)
    result = run_cli("import", "gtfs", str(feed), "--out", str(tmp_path / "s.csv"), cwd=tmp_path)
    assert result.returncode == 1
    assert "stop_times.txt" in result.stderr and "Traceback" not in result.stderr


def test_import_grid_csv_and_negative_population(tmp_path: Path) -> None:
    good = tmp_path / "grid.csv"
    pd.DataFrame({"Ruta": ["5100006667000", "5110006667000"], "Beftotalt": [120, 30]}).to_csv(good, index=False)
    out = tmp_path / "zones.gpkg"
    result = run_cli("import", "grid", str(good), "--out", str(out), "--municipality", "Ludvika", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "wrote 2 zones (150 residents" in result.stdout
    zones = gpd.read_file(out, layer="zones")
    assert set(zones["municipality"]) == {"Ludvika"}

    bad = tmp_path / "grid_negative_population.csv"
    pd.DataFrame({"Ruta": ["5100006667000", "5110006667000"], "Beftotalt": [120, -30]}).to_csv(bad, index=False)
    result = run_cli("import", "grid", str(bad), "--out", str(tmp_path / "z2.gpkg"), cwd=tmp_path)
    assert result.returncode == 1
    assert "grid_negative_population.csv" in result.stderr and "-30" in result.stderr


def test_import_raster_surface_of_the_embedded_region(tmp_path: Path) -> None:
    out = tmp_path / "minutes.tif"
    result = run_cli(
        "import",
        "raster-surface",
        "--out",
        str(out),
        "--mode",
        "car",
        "--mode",
        "pt",
        "--cell-size",
        "1000",
        cwd=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "band(s) car, pt" in result.stdout
    with rasterio.open(out) as ds:
        assert ds.count == 2 and ds.crs.to_epsg() == 3006 and ds.nodata == -9999
        assert ds.descriptions[1] == "pt minutes to nearest mine"


def test_import_constraints(tmp_path: Path) -> None:
    housing = tmp_path / "housing_land.geojson"
    make_housing().to_file(housing, driver="GeoJSON")
    flood = tmp_path / "flood.gpkg"
    gpd.GeoDataFrame(
        {"name": ["flood"]}, geometry=[box(X0 + 100, Y0 + 100, X0 + 250, Y0 + 400)], crs="EPSG:3006"
    ).to_file(flood, driver="GPKG")
    out, report = tmp_path / "adjusted" / "housing_land.gpkg", tmp_path / "report.csv"
    result = run_cli(
        "import", "constraints", str(flood), "--housing", str(housing), "--out", str(out), "--report", str(report),
        cwd=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert "capacity 120 -> 60 dwellings" in result.stdout
    assert pd.read_csv(report)["constraints"].tolist() == ["flood"]
    layers = load_layers(out.parent)
    assert layers.require("housing_land")["capacity_dwellings"].tolist() == [60]
