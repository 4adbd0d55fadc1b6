"""Tests of travel-time surfaces (GeoTIFF) and zonal statistics."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import numpy as np
import pytest
import rasterio
from affine import Affine
from conftest import X0, Y0, make_mine_sites, make_roads, make_zones
from shapely.geometry import box

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.errors import ConfigError, CRSError, LayerNotFoundError
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.output.geotiff import write_geotiff
from tillvaxt_geo.routing.matrix import travel_times
from tillvaxt_geo.routing.surfaces import NODATA, travel_time_surface, zonal_statistics


@pytest.fixture(scope="module")
def net():  # type: ignore[no-untyped-def]
    return build_network(Layers(roads=make_roads(), mine_sites=make_mine_sites(), zones=make_zones()))


def test_surface_cells_equal_routing_from_their_centres(net) -> None:  # type: ignore[no-untyped-def]
    surface = travel_time_surface(net, cell_size_m=500, max_access_m=1000)
    assert surface.modes == ("car",) and surface.site_ids == ("m1",)
    values = surface.band("car").ravel()
    centres = surface.cell_centres()
    known = np.flatnonzero(np.isfinite(values))
    assert len(known) > 20
    rng = np.random.default_rng(5)
    picked = rng.choice(known, 15, replace=False)
    points = gpd.GeoDataFrame(
        {"id": [f"c{i}" for i in picked]},
        geometry=gpd.points_from_xy(centres[picked, 0], centres[picked, 1]),
        crs=net.crs,
    )
    expected = travel_times(net, points, ["mine_sites:m1"])["travel_time_min"].to_numpy()
    assert values[picked] == pytest.approx(expected, rel=1e-6)


def test_cells_far_from_roads_are_nodata(net) -> None:  # type: ignore[no-untyped-def]
    surface = travel_time_surface(net, cell_size_m=500, max_access_m=600)
    _, dist = net.snap_points(surface.cell_centres())
    values = surface.band("car").ravel()
    assert np.isnan(values[dist > 600]).all()
    assert np.isfinite(values[dist <= 600]).all()


def test_grid_is_aligned_and_covers_the_bounds(net) -> None:  # type: ignore[no-untyped-def]
    surface = travel_time_surface(net, cell_size_m=250, bounds=(X0 - 10, Y0 - 10, X0 + 1010, Y0 + 510))
    t = surface.transform
    assert (t.a, t.e) == (250.0, -250.0)
    assert t.c % 250 == 0 and t.f % 250 == 0
    rows, cols = surface.minutes.shape[1:]
    assert t.c <= X0 - 10 and t.c + cols * 250 >= X0 + 1010
    assert t.f >= Y0 + 510 and t.f - rows * 250 <= Y0 - 10


def test_time_cutoff(net) -> None:  # type: ignore[no-untyped-def]
    full = travel_time_surface(net, cell_size_m=500).band("car")
    cut = travel_time_surface(net, cell_size_m=500, max_time_min=3.0).band("car")
    assert np.nanmax(cut) <= 3.0
    assert np.isnan(cut[np.isfinite(full) & (full > 3.0)]).all()


def test_bad_options(net) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(ConfigError, match="cell_size_m"):
        travel_time_surface(net, cell_size_m=0)
    with pytest.raises(ConfigError, match="unknown mode"):
        travel_time_surface(net, modes=("bike",))
    with pytest.raises(ConfigError, match="empty"):
        travel_time_surface(net, bounds=(X0, Y0, X0, Y0 + 10))
    with pytest.raises(ConfigError, match="no mine_sites layer"):
        travel_time_surface(build_network(Layers(roads=make_roads())))


def test_geotiff_has_crs_nodata_and_band_names(net, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    surface = travel_time_surface(net, cell_size_m=500, max_access_m=600)
    path = write_geotiff(surface, tmp_path / "out" / "minutes_to_mine.tif")
    with rasterio.open(path) as ds:
        assert ds.crs.to_epsg() == 3006
        assert ds.nodata == NODATA
        assert ds.descriptions == ("car minutes to nearest mine",)
        assert ds.transform == surface.transform
        data = ds.read(1, masked=True)
    assert data.mask.sum() == np.isnan(surface.band("car")).sum()
    assert data.filled(np.nan) == pytest.approx(surface.band("car"), nan_ok=True)
    assert [p.name for p in path.parent.iterdir()] == ["minutes_to_mine.tif"]  # no temporary left


def test_failed_write_keeps_the_old_file(net, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "minutes.tif"
    path.write_bytes(b"old")
    surface = travel_time_surface(net, cell_size_m=500)
    broken = type(surface)(
        minutes=surface.minutes,
        transform=surface.transform,
        crs=surface.crs,
        modes=("car", "pt"),  # names a second band the data lacks: fails after the data is written
        site_ids=surface.site_ids,
        cell_size_m=surface.cell_size_m,
    )
    with pytest.raises(IndexError):
        write_geotiff(broken, path)
    assert path.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["minutes.tif"]


# --------------------------------------------------------------------------- zonal statistics


def population_raster(path: Path, *, crs: str | None = "EPSG:3006") -> Path:
    values = np.arange(16, dtype="float32").reshape(4, 4)  # 100 m pixels
    with rasterio.open(
        path,
        "w",
        driver="GTiff",
        width=4,
        height=4,
        count=1,
        dtype="float32",
        crs=crs,
        transform=Affine(100.0, 0.0, X0, 0.0, -100.0, Y0 + 400.0),
        nodata=-1,
    ) as ds:
        ds.write(values, 1)
    return path


def test_zonal_sum_weights_partly_covered_pixels(tmp_path: Path) -> None:
    raster = population_raster(tmp_path / "population.tif")
    zones = gpd.GeoDataFrame(
        {"zone_id": ["whole", "quarter"]},
        geometry=[box(X0, Y0 + 200, X0 + 200, Y0 + 400), box(X0 + 50, Y0 + 150, X0 + 150, Y0 + 250)],
        crs="EPSG:3006",
        index=["a", "b"],
    )
    out = zonal_statistics(raster, zones, stats=("sum", "mean", "count"))
    assert list(out.index) == ["a", "b"]
    assert out.loc["a", "sum"] == pytest.approx(0 + 1 + 4 + 5)
    # a quarter of each of pixels 4, 5, 8, 9
    assert out.loc["b", "sum"] == pytest.approx((4 + 5 + 8 + 9) / 4)
    assert out.loc["b", "count"] == pytest.approx(1.0)


def test_zonal_statistics_over_an_isochrone_in_another_crs(tmp_path: Path) -> None:
    raster = population_raster(tmp_path / "population.tif")
    iso = gpd.GeoDataFrame(
        {"site_id": ["m1"], "minutes": [15]}, geometry=[box(X0 - 500, Y0 - 500, X0 + 900, Y0 + 900)], crs="EPSG:3006"
    ).to_crs("EPSG:4326")
    out = zonal_statistics(raster, iso, stats=("sum",))
    assert out["sum"].iloc[0] == pytest.approx(sum(range(16)), rel=1e-6)


def test_zonal_statistics_errors(tmp_path: Path) -> None:
    zones = gpd.GeoDataFrame(geometry=[box(X0, Y0, X0 + 100, Y0 + 100)], crs="EPSG:3006")
    with pytest.raises(CRSError, match=r"raster_without_crs\.tif has no CRS"):
        zonal_statistics(population_raster(tmp_path / "raster_without_crs.tif", crs=None), zones)
    raster = population_raster(tmp_path / "population.tif")
    with pytest.raises(ConfigError, match="unknown statistic"):
        zonal_statistics(raster, zones, stats=("total",))
    with pytest.raises(ConfigError, match="band 2"):
        zonal_statistics(raster, zones, band=2)
    with pytest.raises(CRSError, match="polygons have no CRS"):
        zonal_statistics(raster, zones.set_crs(None, allow_override=True))
    with pytest.raises(LayerNotFoundError):
        zonal_statistics(tmp_path / "nowhere.tif", zones)
