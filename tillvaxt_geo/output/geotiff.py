"""Writing a travel-time surface as a GeoTIFF (rasterio), atomically."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from tillvaxt_geo.output.files import atomic_path
from tillvaxt_geo.routing.surfaces import NODATA, TravelTimeSurface

__all__ = ["write_geotiff"]


def write_geotiff(surface: TravelTimeSurface, path: str | os.PathLike[str]) -> Path:
    """Write a surface as a compressed GeoTIFF with CRS, nodata and band names, atomically.

    Parameters
    ----------
    surface
        The surface.
    path
        Destination ``.tif``.

    Returns
    -------
    pathlib.Path
        The path written.
    """
    import rasterio

    n, rows, cols = surface.minutes.shape
    data = np.where(np.isnan(surface.minutes), NODATA, surface.minutes).astype(np.float32)
    with (
        atomic_path(path) as tmp,
        rasterio.open(
            tmp,
            "w",
            driver="GTiff",
            width=cols,
            height=rows,
            count=n,
            dtype="float32",
            crs=surface.crs.to_wkt(),
            transform=surface.transform,
            nodata=NODATA,
            compress="deflate",
            tiled=cols >= 256 and rows >= 256,
        ) as ds,
    ):
        ds.write(data)
        for i, mode in enumerate(surface.modes, start=1):
            ds.set_band_description(i, f"{mode} minutes to nearest mine")
            ds.update_tags(i, mode=mode, unit="minutes")
        ds.update_tags(sites=",".join(surface.site_ids), cell_size_m=f"{surface.cell_size_m:g}")
    return Path(path)
