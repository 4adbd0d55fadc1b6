"""Rasters: travel-time surfaces to the nearest open mine (GeoTIFF), and zonal statistics of any raster.

Travel-time surface
    A regular grid over the road network (cell size and bounds chosen by the
    caller, aligned to multiples of the cell size). Each cell centre is
    linked to its nearest road node, as any origin is in
    :mod:`tillvaxt_geo.routing.matrix` — the access link is travelled at the
    network's access speed (car: ``car_access_speed_kmh``; public transport:
    walking) — and the cell's value is the travel time in minutes from the
    centre to the nearest of the chosen mine sites: min over sites of
    access + network path + egress. Cells farther than ``max_access_m`` from
    every road, and cells that cannot reach any site, are nodata. One band per
    mode, with the mode as the band description, so QGIS shows ``car`` and
    ``pt`` side by side. :func:`write_geotiff` writes it atomically with its
    CRS and nodata value set.

Zonal statistics
    :func:`zonal_statistics` summarises any raster over polygons (zones,
    isochrones, housing land) with exactextract, which weights every pixel
    by the exact share of it the polygon covers. rasterstats (the other
    candidate) counts a pixel fully or not at all (centre-in or
    all-touched), which over- or under-counts population along every edge of
    a small zone or an isochrone. exactextract (ISciences; C++ on GEOS,
    wheels needing only numpy) also runs its loop over features in compiled
    code, where rasterstats loops in Python.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import geopandas as gpd
import numpy as np
import pandas as pd
from affine import Affine
from pyproj import CRS

from tillvaxt_geo.errors import ConfigError, CRSError, LayerError, LayerNotFoundError

if TYPE_CHECKING:
    from tillvaxt_geo.network.types import Network

__all__ = [
    "NODATA",
    "ZONAL_STATS",
    "TravelTimeSurface",
    "travel_time_surface",
    "zonal_statistics",
]

log = logging.getLogger(__name__)

NODATA = -9999.0
ZONAL_STATS: tuple[str, ...] = (
    "sum",
    "mean",
    "min",
    "max",
    "count",
    "median",
    "stdev",
    "majority",
    "minority",
    "variety",
    "weighted_sum",
    "weighted_mean",
)


@dataclass(frozen=True)
class TravelTimeSurface:
    """Minutes to the nearest site per cell and mode.

    Attributes
    ----------
    minutes
        ``(n_modes, rows, cols)`` float32; NaN where no value (nodata).
    transform
        The affine transform of the grid (north up).
    crs
        The grid's CRS (the network's).
    modes
        The mode of each band.
    site_ids
        The sites measured to.
    cell_size_m
        Cell size in metres.
    """

    minutes: np.ndarray
    transform: Affine
    crs: CRS
    modes: tuple[str, ...]
    site_ids: tuple[str, ...]
    cell_size_m: float

    def band(self, mode: str) -> np.ndarray:
        """The minutes of one mode as a ``(rows, cols)`` array."""
        if mode not in self.modes:
            raise ConfigError(f"the surface has no mode {mode!r}; modes: {', '.join(self.modes)}")
        return self.minutes[self.modes.index(mode)]

    def cell_centres(self) -> np.ndarray:
        """``(rows * cols, 2)`` coordinates of the cell centres, row by row from the north."""
        rows, cols = self.minutes.shape[1:]
        return _centres(self.transform, rows, cols)


def _centres(transform: Affine, rows: int, cols: int) -> np.ndarray:
    col, row = np.meshgrid(np.arange(cols) + 0.5, np.arange(rows) + 0.5)
    x = transform.c + transform.a * col
    y = transform.f + transform.e * row
    return np.column_stack([x.ravel(), y.ravel()])


def _default_sites(net: Network) -> list[str]:
    layers = net.layers
    sites = getattr(layers, "mine_sites", None) if layers is not None else None
    if sites is None:
        raise ConfigError("the network has no mine_sites layer; pass the site ids to measure to")
    if "kind" in sites.columns:
        sites = sites[sites["kind"].astype(str) == "mine"]
    return [str(s) for s in sites["site_id"]]


def travel_time_surface(
    net: Network,
    *,
    sites: Sequence[str] | None = None,
    modes: Sequence[str] = ("car",),
    cell_size_m: float = 250.0,
    bounds: tuple[float, float, float, float] | None = None,
    margin_m: float = 1000.0,
    max_access_m: float | None = None,
    max_time_min: float | None = None,
) -> TravelTimeSurface:
    """Compute minutes from every grid cell to the nearest of some mine sites.

    Parameters
    ----------
    net
        A network from :func:`tillvaxt_geo.network.build.build_network` that has
        the sites snapped (its ``mine_sites``) or that can place them.
    sites
        Site ids (``mine_sites.site_id``) of the open mines; default every
        site of kind ``mine``.
    modes
        ``"car"``, ``"pt"``, ``"best"``: one band each.
    cell_size_m
        Cell size in metres (250 matches SCB's finer grid).
    bounds
        ``(minx, miny, maxx, maxy)`` in the network CRS; default the road
        network's extent plus ``margin_m``. Snapped outwards to whole cells.
    margin_m
        Margin around the roads when ``bounds`` is not given.
    max_access_m
        Cells farther than this from every road node are nodata; default
        the network's ``max_snap_m`` (2 km unless built otherwise).
    max_time_min
        Times beyond this are nodata (and searches stop there).

    Returns
    -------
    TravelTimeSurface
        The surface (use :func:`write_geotiff` to save it).
    """
    from tillvaxt_geo.routing.matrix import Mode, time_matrix

    if not cell_size_m > 0:
        raise ConfigError(f"cell_size_m must be > 0, got {cell_size_m}")
    access_m = net.options.max_snap_m if max_access_m is None else float(max_access_m)
    if not access_m > 0:
        raise ConfigError(f"max_access_m must be > 0, got {max_access_m}")
    parsed = [Mode.parse(m).value for m in modes]
    if not parsed:
        raise ConfigError("give at least one mode (car, pt, best)")
    site_ids = list(sites) if sites is not None else _default_sites(net)
    if not site_ids:
        raise ConfigError("no mine sites to measure to; pass site ids")
    if bounds is None:
        road = net.nodes.iloc[: net.n_road_nodes]
        bounds = (
            float(road["x"].min()) - margin_m,
            float(road["y"].min()) - margin_m,
            float(road["x"].max()) + margin_m,
            float(road["y"].max()) + margin_m,
        )
    minx, miny, maxx, maxy = bounds
    if not (maxx > minx and maxy > miny):
        raise ConfigError(f"bounds {bounds} are empty; give (minx, miny, maxx, maxy) with max > min")
    x0 = np.floor(minx / cell_size_m) * cell_size_m
    y1 = np.ceil(maxy / cell_size_m) * cell_size_m
    cols = int(np.ceil((maxx - x0) / cell_size_m))
    rows = int(np.ceil((y1 - miny) / cell_size_m))
    if rows * cols > 50_000_000:
        raise ConfigError(f"the grid would have {rows * cols:,} cells; use a larger cell_size_m or smaller bounds")
    transform = Affine(cell_size_m, 0.0, x0, 0.0, -cell_size_m, y1)
    centres = _centres(transform, rows, cols)
    _, dist = net.snap_points(centres)
    near = np.flatnonzero(dist <= min(access_m, net.options.max_snap_m))
    cells = gpd.GeoDataFrame(
        {"id": [f"c{i}" for i in near]},
        geometry=gpd.points_from_xy(centres[near, 0], centres[near, 1]),
        crs=net.crs,
    )
    out = np.full((len(parsed), rows * cols), np.nan, dtype=np.float32)
    for band, mode in enumerate(parsed):
        targets = [s if s.startswith("mine_sites:") else f"mine_sites:{s}" for s in site_ids]
        matrix = time_matrix(net, cells, targets, mode=mode, max_time_min=max_time_min)
        with np.errstate(invalid="ignore"):
            nearest = np.nanmin(np.where(np.isnan(matrix.time_min), np.inf, matrix.time_min), axis=1)
        out[band, near] = np.where(np.isfinite(nearest), nearest, np.nan).astype(np.float32)
        log.info(
            "travel-time surface, %s: %d of %d cells near a road, %d reach a site (%s)",
            mode,
            len(near),
            rows * cols,
            int(np.isfinite(nearest).sum()),
            ", ".join(site_ids),
        )
    return TravelTimeSurface(
        minutes=out.reshape(len(parsed), rows, cols),
        transform=transform,
        crs=CRS(net.crs),
        modes=tuple(parsed),
        site_ids=tuple(site_ids),
        cell_size_m=float(cell_size_m),
    )


def zonal_statistics(
    raster: str | os.PathLike[str],
    polygons: gpd.GeoDataFrame,
    *,
    stats: Sequence[str] = ("sum", "mean"),
    band: int = 1,
    weights: str | os.PathLike[str] | None = None,
) -> pd.DataFrame:
    """Summarise a raster over polygons, each pixel weighted by the share of it inside.

    Parameters
    ----------
    raster
        A raster file (GeoTIFF …) with a CRS.
    polygons
        Zones, isochrones, housing land … in any CRS (reprojected to the raster's).
    stats
        Any of :data:`ZONAL_STATS` (``sum`` of a population raster gives residents).
    band
        The band to summarise.
    weights
        A second raster for ``weighted_sum`` / ``weighted_mean``.

    Returns
    -------
    pandas.DataFrame
        One column per statistic, indexed like ``polygons``.

    Raises
    ------
    LayerNotFoundError
        The raster does not exist.
    CRSError
        The raster or the polygons have no CRS.
    ConfigError
        An unknown statistic or band.
    """
    import rasterio
    from exactextract import exact_extract
    from exactextract.raster import RasterioRasterSource
    from rasterio.errors import RasterioIOError

    unknown = [s for s in stats if s not in ZONAL_STATS]
    if unknown or not stats:
        raise ConfigError(
            f"unknown statistic(s) {', '.join(unknown) or '(none given)'}; valid: {', '.join(ZONAL_STATS)}"
        )
    source = Path(raster)
    if not source.is_file():
        raise LayerNotFoundError(f"raster {source} does not exist")
    if polygons.crs is None:
        raise CRSError("the polygons have no CRS; set one (tillvaxt_geo never assumes a CRS)")
    if not len(polygons):
        return pd.DataFrame(columns=list(stats), index=polygons.index, dtype=float)
    try:
        with rasterio.open(source) as ds:
            if ds.crs is None:
                raise CRSError(
                    f"raster {source} has no CRS; set it, e.g. `gdal_edit.py -a_srs EPSG:3006 {source.name}`"
                )
            if not 1 <= band <= ds.count:
                raise ConfigError(f"raster {source} has {ds.count} band(s); band {band} does not exist")
            target = polygons.to_crs(ds.crs.to_wkt())
            frame = gpd.GeoDataFrame(geometry=target.geometry.to_numpy(), crs=target.crs)
            values = RasterioRasterSource(ds, band)
            if weights is not None:
                with rasterio.open(Path(weights)) as wds:
                    result = exact_extract(
                        values, frame, list(stats), weights=RasterioRasterSource(wds), output="pandas"
                    )
            else:
                result = exact_extract(values, frame, list(stats), output="pandas")
    except RasterioIOError as exc:
        raise LayerError(f"raster {source} cannot be read ({exc})") from exc
    result.index = polygons.index
    return result.astype(float)
