"""Housing constraints: protected areas, flood zones and mine safety buffers reduce housing-land capacity.

Each constraint is a polygon with a ``name`` and a ``reduction``: the share
of the capacity lost where it covers housing land (1.0, the default, rules
building out; 0.5 halves it, e.g. a noise zone where only part can be
built). A housing area keeps the capacity of its unconstrained part::

    capacity_after = floor(capacity_before x (1 - lost_share))
    lost_share     = sum over its area of the largest reduction covering it / area

so overlapping constraints never count twice, and rounding down never
promises a dwelling the land cannot take. :func:`apply_constraints` returns
the adjusted ``housing_land`` layer (for a scenario to use in place of the
original) and a report per housing area.

Constraints can be read from a vector file or a raster (non-zero pixels are
constrained) with :func:`read_constraints`, or made around mine sites with
:func:`buffer_constraints`.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS

from tillvaxt_geo.errors import ConfigError, CRSError, LayerError, LayerNotFoundError, SchemaError

__all__ = [
    "ConstraintResult",
    "apply_constraints",
    "buffer_constraints",
    "read_constraints",
]

log = logging.getLogger(__name__)

REPORT_COLUMNS = (
    "housing_id",
    "name",
    "capacity_before_dwellings",
    "capacity_after_dwellings",
    "reduction_dwellings",
    "covered_share",
    "lost_share",
    "constraints",
)


@dataclass(frozen=True)
class ConstraintResult:
    """Housing land after constraints, and what changed.

    Attributes
    ----------
    housing_land
        The layer with ``capacity_dwellings`` reduced; the original is kept
        in ``capacity_before_dwellings`` and the lost share in
        ``constrained_share``.
    report
        One row per housing area: ``housing_id, name,
        capacity_before_dwellings, capacity_after_dwellings,
        reduction_dwellings, covered_share`` (area under any constraint),
        ``lost_share`` (capacity share lost) and ``constraints`` (names,
        ``"; "``-separated).
    """

    housing_land: gpd.GeoDataFrame
    report: pd.DataFrame

    @property
    def total_reduction_dwellings(self) -> int:
        """Dwellings lost over all housing areas."""
        return int(self.report["reduction_dwellings"].sum())


def _checked_constraints(constraints: gpd.GeoDataFrame, crs: CRS) -> gpd.GeoDataFrame:
    if constraints.crs is None:
        raise CRSError("the constraint polygons have no CRS; set one (tillvaxt_geo never assumes a CRS)")
    frame = constraints.copy()
    if "name" not in frame.columns:
        frame["name"] = [f"constraint {i}" for i in range(len(frame))]
    if "reduction" not in frame.columns:
        frame["reduction"] = 1.0
    reduction = pd.to_numeric(frame["reduction"], errors="coerce")
    bad = reduction.isna() | (reduction < 0) | (reduction > 1)
    if bad.any():
        raise SchemaError(
            f"constraint column 'reduction' must be a share in [0, 1]; found {frame.loc[bad, 'reduction'].iloc[0]!r} "
            f"for {', '.join(frame.loc[bad, 'name'].astype(str).head(5))}"
        )
    frame["reduction"] = reduction.astype(float)
    frame["name"] = frame["name"].fillna("").astype(str)
    geoms = frame.geometry.to_numpy()
    polygonal = np.isin(shapely.get_type_id(geoms), [3, 6]) & ~shapely.is_empty(geoms)  # Polygon, MultiPolygon
    if not polygonal.all():
        log.info("constraints: %d non-polygon or empty feature(s) ignored", int((~polygonal).sum()))
        frame = frame[polygonal]
    frame = frame.to_crs(crs)
    frame["geometry"] = shapely.make_valid(frame.geometry.to_numpy())
    return frame


def apply_constraints(
    housing_land: gpd.GeoDataFrame,
    constraints: gpd.GeoDataFrame,
) -> ConstraintResult:
    """Reduce the capacity of housing areas by the share of their area under constraints.

    Parameters
    ----------
    housing_land
        The ``housing_land`` layer (polygons with ``housing_id``,
        ``capacity_dwellings``), in a projected CRS.
    constraints
        Polygons with optional ``name`` and ``reduction`` (share in [0, 1],
        default 1.0); reprojected to the housing land's CRS.

    Returns
    -------
    ConstraintResult
        The adjusted layer and the report.

    Raises
    ------
    CRSError
        A layer has no CRS, or the housing land is not in a projected CRS.
    SchemaError
        Missing columns, or a reduction outside [0, 1].
    """
    missing = [c for c in ("housing_id", "capacity_dwellings") if c not in housing_land.columns]
    if missing:
        raise SchemaError(
            f"housing_land lacks column(s) {', '.join(missing)}; columns: {', '.join(housing_land.columns)}"
        )
    if housing_land.crs is None:
        raise CRSError("housing_land has no CRS; set one")
    crs = CRS(housing_land.crs)
    if not crs.is_projected:
        raise CRSError(f"housing_land is in {crs.to_string()} (degrees); areas need a projected CRS such as EPSG:3006")
    cons = _checked_constraints(constraints, crs)
    housing = housing_land.geometry.to_numpy()
    area = shapely.area(housing)
    lost_area = np.zeros(len(housing))
    covered_area = np.zeros(len(housing))
    names: list[list[str]] = [[] for _ in range(len(housing))]
    if len(cons):
        # the area under each reduction level not already under a larger one
        levels = sorted(set(cons["reduction"]), reverse=True)
        above = None
        for level in levels:
            union = shapely.union_all(cons.geometry[cons["reduction"] == level].to_numpy())
            cumulative = union if above is None else shapely.union(above, union)
            under_cumulative = shapely.area(shapely.intersection(housing, cumulative))
            under_above = shapely.area(shapely.intersection(housing, above)) if above is not None else 0.0
            lost_area += level * (under_cumulative - under_above)
            covered_area = under_cumulative
            above = cumulative
        tree = shapely.STRtree(cons.geometry.to_numpy())
        pairs = tree.query(housing, predicate="intersects")
        overlap = shapely.area(shapely.intersection(housing[pairs[0]], cons.geometry.to_numpy()[pairs[1]]))
        cons_names = cons["name"].to_numpy()
        for h, c, a in zip(pairs[0], pairs[1], overlap, strict=True):
            if a > 0 and cons_names[c] not in names[h]:
                names[h].append(str(cons_names[c]))
    with np.errstate(invalid="ignore", divide="ignore"):
        lost_share = np.where(area > 0, np.clip(lost_area / area, 0.0, 1.0), 0.0)
        covered_share = np.where(area > 0, np.clip(covered_area / area, 0.0, 1.0), 0.0)
    before = pd.to_numeric(housing_land["capacity_dwellings"], errors="coerce").to_numpy(dtype=float)
    if np.isnan(before).any():
        raise SchemaError("housing_land column 'capacity_dwellings' has missing or non-numeric values")
    after = np.floor(before * (1.0 - lost_share) + 1e-9).astype(np.int64)
    before_int = before.astype(np.int64)
    report = pd.DataFrame(
        {
            "housing_id": housing_land["housing_id"].astype(str).to_numpy(),
            "name": housing_land["name"].to_numpy() if "name" in housing_land.columns else "",
            "capacity_before_dwellings": before_int,
            "capacity_after_dwellings": after,
            "reduction_dwellings": before_int - after,
            "covered_share": covered_share,
            "lost_share": lost_share,
            "constraints": ["; ".join(n) for n in names],
        },
        index=housing_land.index,
    )
    adjusted = housing_land.copy()
    adjusted["capacity_before_dwellings"] = before_int
    adjusted["capacity_dwellings"] = after
    adjusted["constrained_share"] = lost_share
    log.info(
        "constraints: %d housing area(s), %d touched, capacity %d -> %d dwellings",
        len(report),
        int((report["reduction_dwellings"] > 0).sum()),
        int(before_int.sum()),
        int(after.sum()),
    )
    return ConstraintResult(housing_land=adjusted, report=report)


def buffer_constraints(
    sites: gpd.GeoDataFrame,
    distance_m: float,
    *,
    name: str = "mine safety buffer",
    reduction: float = 1.0,
    site_ids: Sequence[str] | None = None,
) -> gpd.GeoDataFrame:
    """Constraint polygons around sites, e.g. a safety zone around an open-pit or a shaft.

    Parameters
    ----------
    sites
        ``mine_sites`` (points or polygons, projected CRS).
    distance_m
        Buffer radius in metres.
    name
        Constraint name; the site name is appended.
    reduction
        Share of capacity lost inside.
    site_ids
        Only these sites (``site_id``); default all.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``reduction``, ``site_id`` and the buffers.
    """
    if not distance_m > 0:
        raise ConfigError(f"distance_m must be > 0, got {distance_m}")
    if sites.crs is None or not CRS(sites.crs).is_projected:
        raise CRSError("mine sites need a projected CRS in metres to be buffered; reproject them first")
    chosen = sites
    if site_ids is not None:
        unknown = sorted(set(site_ids) - set(sites["site_id"].astype(str)))
        if unknown:
            raise ConfigError(
                f"unknown site id(s) {', '.join(unknown)}; known: {', '.join(sites['site_id'].astype(str))}"
            )
        chosen = sites[sites["site_id"].astype(str).isin(site_ids)]
    labels = chosen["name"].astype(str) if "name" in chosen.columns else chosen["site_id"].astype(str)
    return gpd.GeoDataFrame(
        {
            "name": [f"{name} {label} ({distance_m:g} m)" for label in labels],
            "reduction": float(reduction),
            "site_id": chosen["site_id"].astype(str).to_numpy(),
        },
        geometry=chosen.geometry.buffer(distance_m).to_numpy(),
        crs=chosen.crs,
    )


def read_constraints(
    path: str | os.PathLike[str],
    *,
    layer: str | None = None,
    name_column: str | None = None,
    reduction_column: str | None = None,
    band: int = 1,
) -> gpd.GeoDataFrame:
    """Read constraint polygons from a vector file, or from a raster where non-zero pixels are constrained.

    Parameters
    ----------
    path
        GeoPackage / GeoJSON / Shapefile, or a GeoTIFF.
    layer
        Layer of a multi-layer vector file.
    name_column
        Column naming each constraint (default ``name``, else the file stem).
    reduction_column
        Column with the share of capacity lost (default ``reduction``, else 1.0).
    band
        Raster band; pixels other than 0 and nodata are constrained, and
        values in (0, 1] are taken as the reduction.

    Returns
    -------
    geopandas.GeoDataFrame
        ``name``, ``reduction`` and polygons, in the file's CRS.
    """
    source = Path(path)
    if not source.is_file():
        raise LayerNotFoundError(f"constraint file {source} does not exist")
    if source.suffix.lower() in (".tif", ".tiff", ".vrt"):
        return _raster_constraints(source, band=band)
    import pyogrio

    try:
        frame = pyogrio.read_dataframe(source, layer=layer)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerError(f"constraint file {source} cannot be read ({exc})") from exc
    if frame.crs is None:
        raise CRSError(f"constraint file {source} has no CRS; set it (tillvaxt_geo never assumes one)")
    out = gpd.GeoDataFrame(geometry=frame.geometry.to_numpy(), crs=frame.crs)
    name_col = name_column or ("name" if "name" in frame.columns else None)
    if name_col is not None and name_col not in frame.columns:
        raise SchemaError(f"constraint file {source} has no column '{name_col}'; columns: {', '.join(frame.columns)}")
    out["name"] = frame[name_col].astype(str).to_numpy() if name_col else source.stem
    red_col = reduction_column or ("reduction" if "reduction" in frame.columns else None)
    if red_col is not None and red_col not in frame.columns:
        raise SchemaError(f"constraint file {source} has no column '{red_col}'; columns: {', '.join(frame.columns)}")
    out["reduction"] = frame[red_col].to_numpy() if red_col else 1.0
    return out[["name", "reduction", "geometry"]]


def _raster_constraints(source: Path, *, band: int) -> gpd.GeoDataFrame:
    import rasterio
    from rasterio.errors import RasterioIOError
    from rasterio.features import shapes

    try:
        with rasterio.open(source) as ds:
            if ds.crs is None:
                raise CRSError(f"constraint raster {source} has no CRS; set it (tillvaxt_geo never assumes one)")
            data = ds.read(band, masked=True)
            transform = ds.transform
            crs = CRS.from_user_input(ds.crs.to_wkt())
    except RasterioIOError as exc:
        raise LayerError(f"constraint raster {source} cannot be read ({exc})") from exc
    values = np.asarray(data.filled(0), dtype=float)
    values = np.where(np.isfinite(values), values, 0.0)
    reduction = np.where((values > 0) & (values <= 1), values, np.where(values != 0, 1.0, 0.0)).astype("float32")
    mask = reduction > 0
    geoms, reductions = [], []
    for geom, value in shapes(reduction, mask=mask, transform=transform):
        geoms.append(shapely.geometry.shape(geom))
        reductions.append(float(value))
    return gpd.GeoDataFrame({"name": source.stem, "reduction": reductions}, geometry=geoms, crs=crs)
