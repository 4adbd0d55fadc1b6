"""Population grids to the ``zones`` layer: SCB-style square grids (vector or CSV) and population rasters.

A grid cell becomes one zone: a square polygon with its population, and
dwellings, vacant dwellings and labour force derived from it by stated
assumptions (:class:`ZoneAssumptions`); ``jobs`` comes from a column when the
grid has one, else 0.

Cells are found from, in order: polygon geometries; point geometries (cell
centres); cell ids; coordinate columns. Cell ids understood:

* ``E{x}N{y}`` — lower-left corner in metres (e.g. ``E524000N6684000``),
  in the CRS given (SWEREF 99 TM, EPSG:3006, when ``crs`` is not given);
* SCB's 13-digit ``Ruta`` — 6 digits of easting then 7 of northing of the
  lower-left corner, SWEREF 99 TM (``5240006684000``);
* INSPIRE / Eurostat ``CRS3035RES1000mN3000000E4000000`` and the short
  ``1kmN3000E4000`` — lower-left corner in EPSG:3035.

Coordinate columns (``x``/``y``, ``easting``/``northing``, ``e``/``n``) are
read as cell centres unless ``anchor="lower_left"``, and need ``crs`` (never
assumed). A grid in another CRS is reprojected to the working CRS.
"""

from __future__ import annotations

import csv
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

from tillvaxt_geo.errors import ConfigError, CRSError, LayerError, LayerNotFoundError, SchemaError, raise_problems

__all__ = [
    "ZoneAssumptions",
    "grid_cells",
    "zones_from_cells",
    "zones_from_grid",
    "zones_from_population_raster",
]

log = logging.getLogger(__name__)

POPULATION_COLUMNS = (
    "population",
    "pop",
    "pop_tot",
    "beftotalt",
    "befolkning",
    "totalbefolkning",
    "tot_p",
    "invanare",
    "value",
)
X_COLUMNS = ("x", "easting", "e", "x_coord", "xcoord")
Y_COLUMNS = ("y", "northing", "n", "y_coord", "ycoord")
ID_COLUMNS = ("ruta", "rutid", "cell_id", "grid_id", "id", "grd_id", "grd_newid")
JOBS_COLUMNS = ("jobs", "employment", "arbetsstallen_sysselsatta", "dagbef")
_ID_PATTERNS = {
    "en": r"^[Ee](\d+(?:\.\d+)?)[Nn](\d+(?:\.\d+)?)$",
    "scb": r"^(\d{6})(\d{7})$",
    "inspire": r"^CRS(\d+)RES(\d+)mN(\d+)E(\d+)$",
    "inspire_short": r"^(\d+)(k?m)N(\d+)E(\d+)$",
}


@dataclass(frozen=True)
class ZoneAssumptions:
    """How dwellings and labour force follow from population, where a grid only gives population.

    Parameters
    ----------
    persons_per_dwelling
        Residents per occupied dwelling; Sweden 2.1–2.2 (SCB, hushållsstatistik),
        rural Dalarna about 2.0 (assumption: 2.1).
    vacancy_rate
        Share of dwellings vacant and available to in-movers (assumption: 2 %).
    employment_rate
        Employed residents per resident, all ages; Sweden ~0.49, Ludvika ~0.45
        (SCB, sysselsättning; assumption: 0.46).
    settlement_min_population
        Cells with at least this many residents are ``settlement``, fewer ``rural``.
    """

    persons_per_dwelling: float = 2.1
    vacancy_rate: float = 0.02
    employment_rate: float = 0.46
    settlement_min_population: int = 200

    def __post_init__(self) -> None:
        if not self.persons_per_dwelling > 0:
            raise ConfigError(f"persons_per_dwelling must be > 0, got {self.persons_per_dwelling}")
        for name in ("vacancy_rate", "employment_rate"):
            value = getattr(self, name)
            if not 0 <= value < 1:
                raise ConfigError(f"{name} must lie in [0, 1), got {value}")

    def describe(self) -> str:
        """One line stating the assumptions, for the ``source`` column."""
        return (
            f"dwellings = occupied (population / {self.persons_per_dwelling:g}) / (1 - {self.vacancy_rate:g}); "
            f"labour_force = population x {self.employment_rate:g} (assumptions)"
        )


def _pick(columns: Sequence[str], wanted: Sequence[str], given: str | None, *, what: str, file: str) -> str | None:
    if given is not None:
        if given not in columns:
            raise SchemaError(f"file {file}: no column '{given}' for {what}; columns: {', '.join(columns)}")
        return given
    lowered = {c.lower(): c for c in columns}
    for name in wanted:
        if name in lowered:
            return lowered[name]
    return None


def _read_table(path: Path) -> pd.DataFrame:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        sample = fh.read(4096)
    try:
        delimiter = csv.Sniffer().sniff(sample, delimiters=",;\t").delimiter
    except csv.Error:
        delimiter = ","
    return pd.read_csv(path, sep=delimiter, encoding="utf-8-sig", dtype={c: str for c in ID_COLUMNS})


def _cells_from_ids(ids: pd.Series, *, file: str, column: str) -> tuple[np.ndarray, np.ndarray, float | None, CRS]:
    """Lower-left corners, cell size (if the ids say) and CRS from cell ids."""
    text = ids.astype(str).str.strip()
    found = [(k, text.str.extract(p)) for k, p in _ID_PATTERNS.items()]
    matching = [(k, parts) for k, parts in found if parts.notna().all(axis=None)]
    if not matching:
        bad = text.iloc[0]
        raise SchemaError(
            f"file {file}, column '{column}': cell ids like {bad!r} are not in a known form "
            "(E{x}N{y}, SCB's 13-digit Ruta, or INSPIRE CRS3035RES1000mN…E…); "
            "give coordinate columns instead, or name the id column with id_column"
        )
    kind, parts = matching[0]
    if kind == "en":
        return parts[0].astype(float).to_numpy(), parts[1].astype(float).to_numpy(), None, CRS.from_epsg(3006)
    if kind == "scb":
        return parts[0].astype(float).to_numpy(), parts[1].astype(float).to_numpy(), None, CRS.from_epsg(3006)
    if kind == "inspire":
        epsg = set(parts[0])
        size = set(parts[1].astype(float))
        if len(epsg) != 1 or len(size) != 1:
            raise SchemaError(f"file {file}, column '{column}': cells of several CRSs or sizes: {epsg}, {size}")
        return (
            parts[3].astype(float).to_numpy(),
            parts[2].astype(float).to_numpy(),
            size.pop(),
            CRS.from_epsg(int(epsg.pop())),
        )
    unit = parts[1].map({"km": 1000.0, "m": 1.0})
    size_units = parts[0].astype(float) * unit
    if size_units.nunique() != 1:
        raise SchemaError(f"file {file}, column '{column}': cells of several sizes: {sorted(set(size_units))}")
    cell = float(size_units.iloc[0])
    return (
        parts[3].astype(float).to_numpy() * cell,
        parts[2].astype(float).to_numpy() * cell,
        cell,
        CRS.from_epsg(3035),
    )


def _infer_cell_size(x: np.ndarray, y: np.ndarray, *, file: str) -> float:
    steps = np.concatenate([np.diff(np.unique(x)), np.diff(np.unique(y))])
    steps = steps[steps > 0]
    if not len(steps):
        raise ConfigError(f"file {file}: cannot infer the cell size from one row or column of cells; pass cell_size_m")
    return float(steps.min())


def grid_cells(
    frame: pd.DataFrame,
    *,
    file: str,
    id_column: str | None = None,
    x_column: str | None = None,
    y_column: str | None = None,
    cell_size_m: float | None = None,
    anchor: str = "auto",
    crs: str | int | CRS | None = None,
) -> tuple[gpd.GeoDataFrame, str]:
    """Square cell polygons and ids for the rows of a grid table or layer.

    Parameters
    ----------
    frame
        A table (CSV) or GeoDataFrame (vector file) of cells.
    file
        Where it came from, for messages.
    id_column, x_column, y_column
        Column names, found automatically when not given.
    cell_size_m
        Cell size in CRS units; inferred when not given.
    anchor
        ``"lower_left"`` or ``"centre"`` for points and coordinates;
        ``"auto"``: centres (ids always give lower-left corners).
    crs
        The CRS of a table's coordinates (a vector file carries its own).

    Returns
    -------
    tuple
        The cells as a GeoDataFrame (``cell_id`` + the input columns, in the
        source CRS) and a description of how they were found.
    """
    if anchor not in ("auto", "lower_left", "centre"):
        raise ConfigError(f"anchor {anchor!r} is not valid; use 'auto', 'lower_left' or 'centre'")
    columns = [str(c) for c in frame.columns if c != "geometry"]
    given_crs = CRS.from_user_input(crs) if crs is not None else None
    ids_col = _pick(columns, ID_COLUMNS, id_column, what="cell ids", file=file)
    if isinstance(frame, gpd.GeoDataFrame) and "geometry" in frame.columns and frame.geometry.notna().any():
        if frame.crs is None:
            raise CRSError(
                f"grid file {file} has no CRS; tillvaxt_geo never assumes one. Set it in the file "
                "(e.g. `ogr2ogr -a_srs EPSG:3006 out.gpkg in.gpkg`)"
            )
        types = set(frame.geom_type.dropna())
        if types <= {"Polygon", "MultiPolygon"}:
            ids = frame[ids_col].astype(str) if ids_col else _corner_ids(frame.geometry.bounds)
            data = frame.drop(columns=["geometry", "cell_id"], errors="ignore")
            cells = gpd.GeoDataFrame(data, geometry=frame.geometry.values, crs=frame.crs)
            cells.insert(0, "cell_id", ids.to_numpy())
            return cells, "polygons"
        if types == {"Point"}:
            x, y = frame.geometry.x.to_numpy(), frame.geometry.y.to_numpy()
            size = cell_size_m or _infer_cell_size(x, y, file=file)
            return _squares(frame, x, y, size, anchor == "lower_left", CRS(frame.crs), ids_col), "points"
        raise SchemaError(f"grid file {file}: expected polygons or points, found {', '.join(sorted(types))}")
    if ids_col is not None and x_column is None:
        x, y, size_from_ids, id_crs = _cells_from_ids(frame[ids_col], file=file, column=ids_col)
        size = cell_size_m or size_from_ids or _size_column(frame) or _infer_cell_size(x, y, file=file)
        source_crs = given_crs or id_crs
        return _squares(frame, x, y, size, True, source_crs, ids_col), f"cell ids in column '{ids_col}'"
    x_col = _pick(columns, X_COLUMNS, x_column, what="x coordinates", file=file)
    y_col = _pick(columns, Y_COLUMNS, y_column, what="y coordinates", file=file)
    if x_col is None or y_col is None:
        raise SchemaError(
            f"grid file {file}: no geometry, cell id column ({', '.join(ID_COLUMNS)}) or coordinate columns "
            f"({'/'.join(X_COLUMNS)} and {'/'.join(Y_COLUMNS)}) found; columns: {', '.join(columns)}. "
            "Name them with id_column or x_column/y_column"
        )
    if given_crs is None:
        raise CRSError(
            f"grid file {file} gives coordinates in columns '{x_col}', '{y_col}' but no CRS; tillvaxt_geo never "
            "assumes one: pass crs (CLI: --crs), e.g. 'EPSG:3006' for SWEREF 99 TM"
        )
    x = pd.to_numeric(frame[x_col], errors="coerce").to_numpy(dtype=float)
    y = pd.to_numeric(frame[y_col], errors="coerce").to_numpy(dtype=float)
    if not (np.isfinite(x).all() and np.isfinite(y).all()):
        raise SchemaError(f"file {file}: columns '{x_col}', '{y_col}' hold missing or non-numeric coordinates")
    size = cell_size_m or _size_column(frame) or _infer_cell_size(x, y, file=file)
    return _squares(frame, x, y, size, anchor == "lower_left", given_crs, ids_col), f"columns '{x_col}', '{y_col}'"


def _size_column(frame: pd.DataFrame) -> float | None:
    for c in frame.columns:
        if str(c).lower() in ("rutstorl", "cell_size", "cellsize", "size_m"):
            sizes = pd.to_numeric(frame[c], errors="coerce").dropna().unique()
            if len(sizes) == 1:
                return float(sizes[0])
    return None


def _corner_ids(bounds: pd.DataFrame) -> pd.Series:
    return (
        "E"
        + bounds["minx"].round().astype("int64").astype(str)
        + "N"
        + bounds["miny"].round().astype("int64").astype(str)
    )


def _squares(
    frame: pd.DataFrame,
    x: np.ndarray,
    y: np.ndarray,
    size: float,
    lower_left: bool,
    crs: CRS,
    ids_col: str | None,
) -> gpd.GeoDataFrame:
    if not size > 0:
        raise ConfigError(f"cell size must be > 0, got {size}")
    x0 = x if lower_left else x - size / 2
    y0 = y if lower_left else y - size / 2
    geoms = shapely.box(x0, y0, x0 + size, y0 + size)
    data = pd.DataFrame(frame.drop(columns="geometry", errors="ignore")).reset_index(drop=True)
    ids = data[ids_col].astype(str) if ids_col else _corner_ids(pd.DataFrame({"minx": x0, "miny": y0}))
    cells = gpd.GeoDataFrame(data.drop(columns="cell_id", errors="ignore"), geometry=geoms, crs=crs)
    cells.insert(0, "cell_id", np.asarray(ids))
    return cells


def zones_from_cells(
    cells: gpd.GeoDataFrame,
    population: pd.Series,
    *,
    file: str,
    population_column: str,
    jobs: pd.Series | None = None,
    working_crs: str | int | CRS = "EPSG:3006",
    assumptions: ZoneAssumptions = ZoneAssumptions(),
    municipality: str = "unknown",
    municipalities: gpd.GeoDataFrame | None = None,
    municipality_column: str = "name",
    keep_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Turn cells and their population into the ``zones`` layer (pure; no I/O).

    Parameters
    ----------
    cells
        Cell polygons with ``cell_id`` (:func:`grid_cells`).
    population
        Residents per cell, aligned with ``cells``.
    file, population_column
        For messages.
    jobs
        Workplace employment per cell, if known (else 0).
    working_crs
        The CRS of the result.
    assumptions
        Dwellings and labour force per resident.
    municipality
        Municipality of cells outside ``municipalities`` (or of all cells).
    municipalities
        Polygons with a ``municipality_column``; each cell takes the one
        holding its centre.
    municipality_column
        The name column of ``municipalities``.
    keep_empty
        Keep cells with no residents.

    Returns
    -------
    geopandas.GeoDataFrame
        The zones, validated against the ``zones`` schema.
    """
    from tillvaxt_geo.data.layers import working_crs as parse_working_crs
    from tillvaxt_geo.data.schemas import SCHEMAS
    from tillvaxt_geo.data.validation import check_frame

    target = parse_working_crs(working_crs)
    pop = pd.to_numeric(population, errors="coerce").to_numpy(dtype=float)
    ids = cells["cell_id"].astype(str).to_numpy()
    bad = ~np.isfinite(pop)
    if bad.any():
        raise SchemaError(
            f"file {file}, column '{population_column}': population is missing or not a number in "
            f"{int(bad.sum())} cell(s), e.g. {', '.join(ids[bad][:5])}; fill them (0 for empty cells)"
        )
    negative = pop < 0
    if negative.any():
        raise SchemaError(
            f"file {file}, column '{population_column}': population must be >= 0, found {pop[negative][0]:g} "
            f"in {int(negative.sum())} cell(s), e.g. {', '.join(ids[negative][:5])}; fix the counts"
        )
    if cells.crs is None:
        raise CRSError(f"grid file {file} has no CRS; set one")
    people = _round_preserving_total(pop)
    job_counts = np.zeros(len(cells), dtype=np.int64)
    if jobs is not None:
        job_counts = _round_preserving_total(
            np.clip(pd.to_numeric(jobs, errors="coerce").fillna(0).to_numpy(), 0, None)
        )
    occupied = people / assumptions.persons_per_dwelling
    dwellings = np.round(occupied / (1 - assumptions.vacancy_rate)).astype(np.int64)
    vacant = np.minimum(np.round(dwellings * assumptions.vacancy_rate).astype(np.int64), dwellings)
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ids,
            "name": ["cell " + i for i in ids],
            "municipality": municipality,
            "population": people,
            "dwellings": dwellings,
            "vacant_dwellings": vacant,
            "labour_force": np.round(people * assumptions.employment_rate).astype(np.int64),
            "jobs": job_counts,
            "kind": np.where(people >= assumptions.settlement_min_population, "settlement", "rural"),
            "source": f"grid {Path(file).name}; {assumptions.describe()}",
        },
        geometry=cells.geometry.to_numpy(),
        crs=cells.crs,
    )
    if not keep_empty:
        zones = zones[zones["population"] > 0]
    if not CRS(zones.crs).equals(target):
        log.info("grid %s: reprojected from %s to %s", file, CRS(zones.crs).to_string(), target.to_string())
        zones = zones.to_crs(target)
    if municipalities is not None:
        zones = _assign_municipality(zones, municipalities, municipality_column)
    zones = zones.reset_index(drop=True)
    checked, problems = check_frame(zones, SCHEMAS["zones"], file=file)
    raise_problems(problems, what=f"zones made from grid {file}")
    log.info(
        "grid %s: %d zone(s), %d residents, %d dwellings (%s)",
        file,
        len(checked),
        int(checked["population"].sum()),
        int(checked["dwellings"].sum()),
        assumptions.describe(),
    )
    return checked


def _round_preserving_total(values: np.ndarray) -> np.ndarray:
    """Round to whole numbers keeping the (rounded) total: largest remainders get the rest."""
    floor = np.floor(values)
    rest = round(float(values.sum() - floor.sum()))
    out = floor.astype(np.int64)
    if rest > 0:
        order = np.argsort(-(values - floor), kind="stable")[:rest]
        out[order] += 1
    return out


def _assign_municipality(zones: gpd.GeoDataFrame, municipalities: gpd.GeoDataFrame, column: str) -> gpd.GeoDataFrame:
    if column not in municipalities.columns:
        raise SchemaError(
            f"municipalities have no column '{column}'; columns: {', '.join(map(str, municipalities.columns))}"
        )
    if municipalities.crs is None:
        raise CRSError("municipalities have no CRS; set one")
    centres = gpd.GeoDataFrame(geometry=zones.geometry.representative_point(), crs=zones.crs)
    joined = gpd.sjoin(centres, municipalities[[column, "geometry"]].to_crs(zones.crs), how="left", predicate="within")
    names = joined[~joined.index.duplicated()][column]
    out = zones.copy()
    out["municipality"] = names.where(names.notna(), out["municipality"]).astype(str).to_numpy()
    return out


def zones_from_grid(
    path: str | os.PathLike[str],
    *,
    population_column: str | None = None,
    jobs_column: str | None = None,
    id_column: str | None = None,
    x_column: str | None = None,
    y_column: str | None = None,
    cell_size_m: float | None = None,
    anchor: str = "auto",
    crs: str | int | CRS | None = None,
    layer: str | None = None,
    working_crs: str | int | CRS = "EPSG:3006",
    assumptions: ZoneAssumptions = ZoneAssumptions(),
    municipality: str = "unknown",
    municipalities: gpd.GeoDataFrame | None = None,
    municipality_column: str = "name",
    keep_empty: bool = False,
) -> gpd.GeoDataFrame:
    """Read an SCB-style population grid (GeoPackage, any vector file, or CSV) into zones.

    Parameters
    ----------
    path
        The grid file.
    population_column, jobs_column, id_column, x_column, y_column
        Column names, found automatically when not given.
    cell_size_m, anchor, crs
        See :func:`grid_cells`.
    layer
        Layer of a multi-layer vector file.
    working_crs, assumptions, municipality, municipalities, municipality_column, keep_empty
        See :func:`zones_from_cells`.

    Returns
    -------
    geopandas.GeoDataFrame
        The zones layer, one zone per inhabited cell.

    Raises
    ------
    LayerNotFoundError
        The file does not exist.
    CRSError
        A vector grid without CRS, or coordinates without ``crs``.
    SchemaError
        No population column, negative or missing population, unknown ids.
    """
    source = Path(path)
    file = str(source)
    if not source.is_file():
        raise LayerNotFoundError(f"grid file {source} does not exist")
    if source.suffix.lower() in (".csv", ".txt", ".tsv"):
        frame: pd.DataFrame = _read_table(source)
    else:
        import pyogrio

        try:
            frame = pyogrio.read_dataframe(source, layer=layer)
        except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
            raise LayerError(f"grid file {source} cannot be read as a vector file ({exc})") from exc
    if not len(frame):
        raise SchemaError(f"grid file {source} has no cells")
    columns = [str(c) for c in frame.columns if c != "geometry"]
    pop_col = _pick(columns, POPULATION_COLUMNS, population_column, what="population", file=file)
    if pop_col is None:
        raise SchemaError(
            f"grid file {source}: no population column (looked for {', '.join(POPULATION_COLUMNS)}); "
            f"columns: {', '.join(columns)}. Name it with population_column (CLI: --population-column)"
        )
    jobs_col = _pick(columns, JOBS_COLUMNS, jobs_column, what="jobs", file=file)
    cells, how = grid_cells(
        frame,
        file=file,
        id_column=id_column,
        x_column=x_column,
        y_column=y_column,
        cell_size_m=cell_size_m,
        anchor=anchor,
        crs=crs,
    )
    log.info("grid %s: %d cell(s) from %s, population from column '%s'", file, len(cells), how, pop_col)
    return zones_from_cells(
        cells,
        cells[pop_col],
        file=file,
        population_column=pop_col,
        jobs=cells[jobs_col] if jobs_col else None,
        working_crs=working_crs,
        assumptions=assumptions,
        municipality=municipality,
        municipalities=municipalities,
        municipality_column=municipality_column,
        keep_empty=keep_empty,
    )


def zones_from_population_raster(
    path: str | os.PathLike[str],
    *,
    band: int = 1,
    aggregate: int = 1,
    working_crs: str | int | CRS = "EPSG:3006",
    assumptions: ZoneAssumptions = ZoneAssumptions(),
    municipality: str = "unknown",
    municipalities: gpd.GeoDataFrame | None = None,
    municipality_column: str = "name",
) -> gpd.GeoDataFrame:
    """Read a population raster (GeoTIFF: residents per pixel) into zones, one per inhabited pixel.

    Parameters
    ----------
    path
        The raster.
    band
        Band holding population counts.
    aggregate
        Sum blocks of ``aggregate`` x ``aggregate`` pixels into one zone
        (e.g. 10 for 100 m pixels to 1 km zones). Fractional counts are
        rounded keeping the total.
    working_crs, assumptions, municipality, municipalities, municipality_column
        See :func:`zones_from_cells`.

    Returns
    -------
    geopandas.GeoDataFrame
        The zones layer; ids ``E{x}N{y}`` of each block's lower-left corner.

    Raises
    ------
    CRSError
        The raster has no CRS.
    SchemaError
        Negative counts that are not the raster's nodata value.
    """
    import rasterio
    from rasterio.errors import RasterioIOError

    source = Path(path)
    file = str(source)
    if not source.is_file():
        raise LayerNotFoundError(f"population raster {source} does not exist")
    if aggregate < 1:
        raise ConfigError(f"aggregate must be a whole number >= 1, got {aggregate}")
    try:
        with rasterio.open(source) as ds:
            if ds.crs is None:
                raise CRSError(
                    f"population raster {source} has no CRS; tillvaxt_geo never assumes one. Set it, e.g. "
                    "`gdal_edit.py -a_srs EPSG:3006 file.tif`"
                )
            if not 1 <= band <= ds.count:
                raise ConfigError(f"population raster {source} has {ds.count} band(s); band {band} does not exist")
            data = ds.read(band, masked=True).astype(float)
            transform = ds.transform
            raster_crs = CRS.from_user_input(ds.crs.to_wkt())
    except RasterioIOError as exc:
        raise LayerError(f"population raster {source} cannot be read ({exc})") from exc
    if transform.b != 0 or transform.d != 0:
        raise LayerError(f"population raster {source} is rotated; warp it to a north-up grid first")
    values = data.filled(0.0)
    values = np.where(np.isfinite(values), values, 0.0)
    if (values < 0).any():
        raise SchemaError(
            f"population raster {source}, band {band}: {int((values < 0).sum())} pixel(s) are negative "
            f"(e.g. {values[values < 0][0]:g}) but not the nodata value; set the nodata value "
            "(`gdal_edit.py -a_nodata`) or fix the counts"
        )
    rows, cols = values.shape
    pad_r, pad_c = (-rows) % aggregate, (-cols) % aggregate
    values = np.pad(values, ((0, pad_r), (0, pad_c)))
    blocks = values.reshape(values.shape[0] // aggregate, aggregate, values.shape[1] // aggregate, aggregate).sum(
        axis=(1, 3)
    )
    r, c = np.nonzero(blocks > 0)
    width, height = transform.a * aggregate, -transform.e * aggregate
    west = transform.c + c * width
    north = transform.f - r * height
    geoms = shapely.box(west, north - height, west + width, north)
    ids = [f"E{x:.0f}N{y:.0f}" for x, y in zip(west, north - height, strict=True)]
    cells = gpd.GeoDataFrame({"cell_id": ids}, geometry=geoms, crs=raster_crs)
    log.info("population raster %s: %d inhabited cell(s) of %g x %g", file, len(cells), width, height)
    return zones_from_cells(
        cells,
        pd.Series(blocks[r, c]),
        file=file,
        population_column=f"band {band}",
        working_crs=working_crs,
        assumptions=assumptions,
        municipality=municipality,
        municipalities=municipalities,
        municipality_column=municipality_column,
    )
