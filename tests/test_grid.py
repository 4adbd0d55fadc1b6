"""Tests of population grids and rasters to zones: files made in code."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import rasterio
from affine import Affine
from shapely.geometry import Point, box

from tillvaxt_geo.data.importers.grid import ZoneAssumptions, zones_from_grid, zones_from_population_raster
from tillvaxt_geo.data.schemas import SCHEMAS
from tillvaxt_geo.data.validation import check_frame
from tillvaxt_geo.errors import ConfigError, CRSError, LayerNotFoundError, SchemaError

# 1 km cells around Ludvika, SWEREF 99 TM lower-left corners
X0, Y0 = 510_000, 6_667_000
CELLS = [(X0, Y0, 1200), (X0 + 1000, Y0, 300), (X0, Y0 + 1000, 0), (X0 + 1000, Y0 + 1000, 45)]


def scb_gpkg(path: Path, cells: list[tuple[int, int, int]] = CELLS, *, crs: str | None = "EPSG:3006") -> Path:
    frame = gpd.GeoDataFrame(
        {"Ruta": [f"{x}{y}" for x, y, _ in cells], "Beftotalt": [p for _, _, p in cells]},
        geometry=[box(x, y, x + 1000, y + 1000) for x, y, _ in cells],
        crs=crs,
    )
    frame.to_file(path, driver="GPKG")
    return path


def assert_valid_zones(zones: gpd.GeoDataFrame) -> None:
    _, problems = check_frame(zones, SCHEMAS["zones"], file="test")
    assert problems == []
    assert zones.crs.to_epsg() == 3006


def test_scb_geopackage_to_zones(tmp_path: Path) -> None:
    zones = zones_from_grid(scb_gpkg(tmp_path / "befolkning_1km.gpkg"), municipality="Ludvika")
    assert_valid_zones(zones)
    assert list(zones["zone_id"]) == ["5100006667000", "5110006667000", "5110006668000"]  # empty cell dropped
    assert list(zones["population"]) == [1200, 300, 45]
    assert list(zones["kind"]) == ["settlement", "settlement", "rural"]
    assert set(zones["municipality"]) == {"Ludvika"}
    assert zones.geometry.area.tolist() == pytest.approx([1e6] * 3)


def test_assumptions_derive_dwellings_and_labour_force(tmp_path: Path) -> None:
    assumptions = ZoneAssumptions(persons_per_dwelling=2.0, vacancy_rate=0.05, employment_rate=0.5)
    zones = zones_from_grid(scb_gpkg(tmp_path / "grid.gpkg"), assumptions=assumptions).set_index("zone_id")
    cell = zones.loc["5100006667000"]
    assert cell["dwellings"] == round(600 / 0.95)  # 600 occupied + vacant
    assert cell["vacant_dwellings"] == round(round(600 / 0.95) * 0.05)
    assert cell["labour_force"] == 600
    assert cell["jobs"] == 0
    assert "population / 2" in cell["source"]


@pytest.mark.parametrize("bad", [{"persons_per_dwelling": 0.0}, {"vacancy_rate": 1.0}, {"employment_rate": -0.1}])
def test_bad_assumptions(bad: dict[str, float]) -> None:
    with pytest.raises(ConfigError):
        ZoneAssumptions(**bad)  # type: ignore[arg-type]


def test_keep_empty_cells(tmp_path: Path) -> None:
    zones = zones_from_grid(scb_gpkg(tmp_path / "grid.gpkg"), keep_empty=True)
    assert len(zones) == 4


@pytest.mark.parametrize(
    ("ids", "crs", "size"),
    [
        ([f"E{x}N{y}" for x, y, _ in CELLS], None, None),
        ([f"{x}{y}" for x, y, _ in CELLS], None, None),
    ],
)
def test_csv_with_cell_ids(tmp_path: Path, ids: list[str], crs: str | None, size: float | None) -> None:
    path = tmp_path / "grid.csv"
    pd.DataFrame({"ruta": ids, "pop": [p for *_, p in CELLS]}).to_csv(path, sep=";", index=False)
    zones = zones_from_grid(path).set_index("zone_id")
    assert_valid_zones(zones.reset_index())
    first = zones.loc[ids[0]]
    assert first.geometry.bounds == pytest.approx((X0, Y0, X0 + 1000, Y0 + 1000))


def test_csv_with_inspire_ids_is_reprojected_from_3035(tmp_path: Path) -> None:
    # two 1 km cells in Dalarna, ETRS89-LAEA
    path = tmp_path / "eurostat_grid.csv"
    pd.DataFrame(
        {"GRD_ID": ["CRS3035RES1000mN4160000E4640000", "CRS3035RES1000mN4160000E4641000"], "TOT_P": [10, 20]}
    ).to_csv(path, index=False)
    zones = zones_from_grid(path)
    assert_valid_zones(zones)
    assert zones.geometry.area.tolist() == pytest.approx([1e6, 1e6], rel=0.01)
    short = tmp_path / "short_ids.csv"
    pd.DataFrame({"cell_id": ["1kmN4160E4640", "1kmN4160E4641"], "population": [10, 20]}).to_csv(short, index=False)
    again = zones_from_grid(short)
    assert again.geometry.bounds.to_numpy() == pytest.approx(zones.geometry.bounds.to_numpy())


def test_csv_with_coordinates_needs_a_crs(tmp_path: Path) -> None:
    path = tmp_path / "grid_without_crs.csv"
    pd.DataFrame({"x": [X0 + 125, X0 + 375], "y": [Y0 + 125, Y0 + 125], "population": [5, 7]}).to_csv(path, index=False)
    with pytest.raises(CRSError, match=r"grid_without_crs\.csv.*no CRS.*pass crs"):
        zones_from_grid(path)
    zones = zones_from_grid(path, crs="EPSG:3006")  # centres, 250 m inferred
    assert zones.geometry.iloc[0].bounds == pytest.approx((X0, Y0, X0 + 250, Y0 + 250))
    corners = zones_from_grid(path, crs="EPSG:3006", anchor="lower_left", cell_size_m=250)
    assert corners.geometry.iloc[0].bounds == pytest.approx((X0 + 125, Y0 + 125, X0 + 375, Y0 + 375))


def test_grid_in_another_crs_is_reprojected(tmp_path: Path) -> None:
    cells = gpd.GeoDataFrame(
        {"population": [100]}, geometry=[box(X0, Y0, X0 + 1000, Y0 + 1000)], crs="EPSG:3006"
    ).to_crs("EPSG:3021")  # RT 90
    cells.to_file(tmp_path / "grid_rt90.gpkg", driver="GPKG")
    zones = zones_from_grid(tmp_path / "grid_rt90.gpkg")
    assert zones.crs.to_epsg() == 3006
    assert zones.geometry.iloc[0].bounds == pytest.approx((X0, Y0, X0 + 1000, Y0 + 1000), abs=1.0)


@pytest.mark.filterwarnings("ignore:'crs' was not provided:UserWarning")  # writing the defect on purpose
def test_grid_without_crs_is_an_error(tmp_path: Path) -> None:
    path = scb_gpkg(tmp_path / "grid_without_crs.gpkg", crs=None)
    with pytest.raises(CRSError, match=r"grid_without_crs\.gpkg has no CRS"):
        zones_from_grid(path)


def test_negative_population_names_file_column_and_cell(tmp_path: Path) -> None:
    cells = [*CELLS[:2], (X0 + 2000, Y0, -3)]
    path = scb_gpkg(tmp_path / "grid_negative_population.gpkg", cells)
    with pytest.raises(SchemaError) as info:
        zones_from_grid(path)
    message = str(info.value)
    assert "grid_negative_population.gpkg" in message
    assert "'Beftotalt'" in message and "-3" in message and "5120006667000" in message


def test_missing_population_column(tmp_path: Path) -> None:
    path = tmp_path / "grid_without_population.csv"
    pd.DataFrame({"ruta": ["E510000N6667000"], "folk": [3]}).to_csv(path, index=False)
    with pytest.raises(SchemaError, match=r"no population column.*folk"):
        zones_from_grid(path)
    assert zones_from_grid(path, population_column="folk", cell_size_m=1000)["population"].tolist() == [3]


def test_unknown_id_form(tmp_path: Path) -> None:
    path = tmp_path / "grid_bad_ids.csv"
    pd.DataFrame({"ruta": ["Ludvika-1"], "population": [3]}).to_csv(path, index=False)
    with pytest.raises(SchemaError, match="not in a known form"):
        zones_from_grid(path)


def test_point_grid_and_municipalities(tmp_path: Path) -> None:
    points = gpd.GeoDataFrame(
        {"population": [10, 20, 30]},
        geometry=[Point(X0 + 500, Y0 + 500), Point(X0 + 1500, Y0 + 500), Point(X0 + 2500, Y0 + 500)],
        crs="EPSG:3006",
    )
    points.to_file(tmp_path / "points.gpkg", driver="GPKG")
    kommuner = gpd.GeoDataFrame(
        {"name": ["Ludvika", "Smedjebacken"]},
        geometry=[box(X0 - 5000, Y0 - 5000, X0 + 2000, Y0 + 5000), box(X0 + 2000, Y0 - 5000, X0 + 9000, Y0 + 5000)],
        crs="EPSG:3006",
    )
    zones = zones_from_grid(tmp_path / "points.gpkg", municipalities=kommuner)
    assert list(zones["municipality"]) == ["Ludvika", "Ludvika", "Smedjebacken"]
    assert zones.geometry.iloc[0].bounds == pytest.approx((X0, Y0, X0 + 1000, Y0 + 1000))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(LayerNotFoundError):
        zones_from_grid(tmp_path / "nowhere.gpkg")


# --------------------------------------------------------------------------- rasters


def write_raster(path: Path, values: np.ndarray, *, crs: str | None = "EPSG:3006", nodata: float | None = -1) -> Path:
    transform = Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 100.0 * values.shape[0])
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=transform,
        nodata=nodata,
    ) as ds:
        ds.write(values.astype("float32"), 1)
    return path


def test_population_raster_to_zones_keeps_the_total(tmp_path: Path) -> None:
    rng = np.random.default_rng(3)
    values = rng.uniform(0, 5, size=(20, 20))
    values[0, 0] = -1  # nodata
    path = write_raster(tmp_path / "population.tif", values)
    zones = zones_from_population_raster(path, aggregate=10)
    assert_valid_zones(zones)
    assert len(zones) == 4  # 2 km x 2 km in 1 km blocks
    total = values[values >= 0].sum()
    assert zones["population"].sum() == round(total)
    assert zones.geometry.area.tolist() == pytest.approx([1e6] * 4)
    assert set(zones["zone_id"]) == {f"E{X0 + dx}N{Y0 + dy}" for dx in (0, 1000) for dy in (0, 1000)}


def test_raster_without_crs_is_an_error(tmp_path: Path) -> None:
    path = write_raster(tmp_path / "raster_without_crs.tif", np.ones((4, 4)), crs=None)
    with pytest.raises(CRSError, match=r"raster_without_crs\.tif has no CRS"):
        zones_from_population_raster(path)


def test_raster_with_negative_counts_and_no_nodata(tmp_path: Path) -> None:
    values = np.ones((4, 4))
    values[1, 1] = -9999
    path = write_raster(tmp_path / "raster_negative_without_nodata.tif", values, nodata=None)
    with pytest.raises(SchemaError, match=r"negative.*nodata"):
        zones_from_population_raster(path)
