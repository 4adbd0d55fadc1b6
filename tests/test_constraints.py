"""Tests of housing constraints: capacity lost by covered share, overlaps, reports, readers."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import Point, box

from tillvaxt_geo.data.constraints import apply_constraints, buffer_constraints, read_constraints
from tillvaxt_geo.errors import ConfigError, CRSError, LayerNotFoundError, SchemaError

X0, Y0 = 510_000.0, 6_667_000.0
CRS = "EPSG:3006"


def housing() -> gpd.GeoDataFrame:
    """Two 100 m x 100 m housing areas side by side, 100 and 40 dwellings."""
    return gpd.GeoDataFrame(
        {
            "housing_id": ["h1", "h2"],
            "name": ["Norra", "Södra"],
            "municipality": ["Ludvika", "Ludvika"],
            "capacity_dwellings": [100, 40],
            "status": ["adopted", "proposed"],
            "available_from": [2026, 2028],
        },
        geometry=[box(X0, Y0, X0 + 100, Y0 + 100), box(X0 + 100, Y0, X0 + 200, Y0 + 100)],
        crs=CRS,
    )


def constraints(*polygons: tuple[str, float, object]) -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {"name": [n for n, _, _ in polygons], "reduction": [r for _, r, _ in polygons]},
        geometry=[g for _, _, g in polygons],
        crs=CRS,
    )


def test_capacity_falls_by_the_covered_share() -> None:
    flood = ("översvämning", 1.0, box(X0, Y0, X0 + 25, Y0 + 100))  # a quarter of h1
    result = apply_constraints(housing(), constraints(flood))
    report = result.report.set_index("housing_id")
    assert report.loc["h1", "capacity_after_dwellings"] == 75
    assert report.loc["h1", "covered_share"] == pytest.approx(0.25)
    assert report.loc["h1", "constraints"] == "översvämning"
    assert report.loc["h2", "capacity_after_dwellings"] == 40
    assert report.loc["h2", "constraints"] == ""
    assert result.total_reduction_dwellings == 25
    adjusted = result.housing_land.set_index("housing_id")
    assert adjusted.loc["h1", "capacity_dwellings"] == 75
    assert adjusted.loc["h1", "capacity_before_dwellings"] == 100


def test_overlapping_constraints_count_once_with_the_larger_reduction() -> None:
    both = constraints(
        ("natura 2000", 1.0, box(X0, Y0, X0 + 50, Y0 + 100)),
        ("flood", 1.0, box(X0 + 25, Y0, X0 + 75, Y0 + 100)),  # overlaps half of natura 2000
        ("noise", 0.5, box(X0, Y0, X0 + 100, Y0 + 100)),  # under everything
    )
    report = apply_constraints(housing(), both).report.set_index("housing_id")
    # 75 % of h1 fully lost, the remaining 25 % half lost -> 87.5 % lost
    assert report.loc["h1", "lost_share"] == pytest.approx(0.875)
    assert report.loc["h1", "covered_share"] == pytest.approx(1.0)
    assert report.loc["h1", "capacity_after_dwellings"] == 12  # floor(12.5)
    assert report.loc["h1", "constraints"] == "natura 2000; flood; noise"


def test_touching_constraint_is_not_listed() -> None:
    edge = ("next door", 1.0, box(X0 + 200, Y0, X0 + 300, Y0 + 100))  # shares h2's edge only
    report = apply_constraints(housing(), constraints(edge)).report.set_index("housing_id")
    assert report.loc["h2", "constraints"] == ""
    assert report.loc["h2", "capacity_after_dwellings"] == 40


def test_constraints_in_another_crs_are_reprojected() -> None:
    flood = constraints(("flood", 1.0, box(X0, Y0, X0 + 50, Y0 + 100))).to_crs("EPSG:4326")
    report = apply_constraints(housing(), flood).report.set_index("housing_id")
    assert report.loc["h1", "covered_share"] == pytest.approx(0.5, abs=1e-3)


def test_bad_inputs() -> None:
    no_crs = constraints(("flood", 1.0, box(X0, Y0, X0 + 50, Y0 + 100))).set_crs(None, allow_override=True)
    with pytest.raises(CRSError, match="no CRS"):
        apply_constraints(housing(), no_crs)
    with pytest.raises(SchemaError, match="reduction"):
        apply_constraints(housing(), constraints(("bad", 1.5, box(X0, Y0, X0 + 1, Y0 + 1))))
    with pytest.raises(CRSError, match="projected"):
        apply_constraints(housing().to_crs("EPSG:4326"), constraints())
    with pytest.raises(SchemaError, match="capacity_dwellings"):
        apply_constraints(housing().drop(columns="capacity_dwellings"), constraints())


def test_mine_safety_buffer() -> None:
    sites = gpd.GeoDataFrame(
        {"site_id": ["blotberget", "hakansboda"], "name": ["Blötberget", "Håksberg"]},
        geometry=[Point(X0 - 50, Y0 + 50), Point(X0 + 5000, Y0)],
        crs=CRS,
    )
    buffers = buffer_constraints(sites, 100.0, site_ids=["blotberget"])
    assert list(buffers["site_id"]) == ["blotberget"]
    assert buffers["name"].iloc[0] == "mine safety buffer Blötberget (100 m)"
    report = apply_constraints(housing(), buffers).report.set_index("housing_id")
    assert 0 < report.loc["h1", "covered_share"] < 0.5
    with pytest.raises(ConfigError, match="unknown site"):
        buffer_constraints(sites, 100.0, site_ids=["grangesberg"])
    with pytest.raises(ConfigError):
        buffer_constraints(sites, 0.0)


@settings(max_examples=40, deadline=None)
@given(
    boxes=st.lists(
        st.tuples(
            st.floats(-50, 250),
            st.floats(-50, 150),
            st.floats(1, 150),
            st.floats(1, 150),
            st.sampled_from([0.0, 0.25, 0.5, 1.0]),
        ),
        max_size=6,
    )
)
def test_capacity_never_grows_and_more_constraints_never_help(
    boxes: list[tuple[float, float, float, float, float]],
) -> None:
    polys = [(f"c{i}", r, box(X0 + x, Y0 + y, X0 + x + w, Y0 + y + h)) for i, (x, y, w, h, r) in enumerate(boxes)]
    full = apply_constraints(housing(), constraints(*polys)).report
    assert (full["capacity_after_dwellings"] <= full["capacity_before_dwellings"]).all()
    assert (full["capacity_after_dwellings"] >= 0).all()
    assert (full["lost_share"] <= full["covered_share"] + 1e-9).all()
    fewer = apply_constraints(housing(), constraints(*polys[:-1])).report if polys else full
    assert (full["capacity_after_dwellings"] <= fewer["capacity_after_dwellings"]).all()


# --------------------------------------------------------------------------- readers


def test_read_vector_constraints(tmp_path: Path) -> None:
    path = tmp_path / "skydd.gpkg"
    gpd.GeoDataFrame({"namn": ["Natura 2000 Väsman"]}, geometry=[box(X0, Y0, X0 + 50, Y0 + 100)], crs=CRS).to_file(
        path, driver="GPKG"
    )
    read = read_constraints(path, name_column="namn")
    assert list(read["name"]) == ["Natura 2000 Väsman"]
    assert list(read["reduction"]) == [1.0]
    report = apply_constraints(housing(), read).report.set_index("housing_id")
    assert report.loc["h1", "capacity_after_dwellings"] == 50
    with pytest.raises(SchemaError, match="no column 'nosuch'"):
        read_constraints(path, name_column="nosuch")


def _raster(path: Path, values: np.ndarray, *, crs: str | None = CRS) -> Path:
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=values.shape[1],
        height=values.shape[0],
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(25.0, 0.0, X0, 0.0, -25.0, Y0 + 100.0),
        nodata=-1,
    ) as ds:
        ds.write(values.astype("float32"), 1)
    return path


def test_read_raster_constraints(tmp_path: Path) -> None:
    values = np.zeros((4, 8))
    values[:, 0] = 1  # first 25 m column of h1 ruled out
    values[:, 4:6] = 0.5  # half of h2 at half capacity
    read = read_constraints(_raster(tmp_path / "flood.tif", values))
    report = apply_constraints(housing(), read).report.set_index("housing_id")
    assert report.loc["h1", "capacity_after_dwellings"] == 75
    assert report.loc["h2", "lost_share"] == pytest.approx(0.25)
    assert report.loc["h2", "constraints"] == "flood"


def test_raster_constraints_without_crs(tmp_path: Path) -> None:
    with pytest.raises(CRSError, match=r"raster_without_crs\.tif has no CRS"):
        read_constraints(_raster(tmp_path / "raster_without_crs.tif", np.ones((4, 8)), crs=None))


def test_missing_constraint_file(tmp_path: Path) -> None:
    with pytest.raises(LayerNotFoundError):
        read_constraints(tmp_path / "nowhere.gpkg")
