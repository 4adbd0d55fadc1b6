"""``tillvaxt-geo import``: turn real data (OSM, GTFS, grids, rasters, constraints) into layer files.

Each subcommand reads one source, builds a layer that passes its schema and
writes it atomically (the old file stays if anything fails), then prints
what it wrote. A scenario's ``[layers]`` can point any layer at the result.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import click
import geopandas as gpd
import pandas as pd

from tillvaxt_geo.cli._common import Progress
from tillvaxt_geo.errors import ConfigError

__all__ = ["command"]

VECTOR_DRIVERS = {".gpkg": "GPKG", ".geojson": "GeoJSON", ".json": "GeoJSON", ".fgb": "FlatGeobuf"}


def _write_vector(frame: gpd.GeoDataFrame, path: str, *, layer: str) -> Path:
    """Write one layer to a GeoPackage (as ``layer``), GeoJSON or FlatGeobuf, atomically.

    Into an existing GeoPackage (a whole layer set in one file) only that
    layer is replaced; the others are kept even if the write fails.
    """
    from tillvaxt_geo.output.files import atomic_path, replace_gpkg_layer

    suffix = Path(path).suffix.lower()
    if suffix not in VECTOR_DRIVERS:
        raise ConfigError(f"cannot write {path}: use one of {', '.join(VECTOR_DRIVERS)}")
    if suffix == ".gpkg":
        return replace_gpkg_layer(path, layer, frame)
    import pyogrio

    out = frame.to_crs("EPSG:4326") if suffix in (".geojson", ".json") and frame.crs is not None else frame
    with atomic_path(path) as tmp:
        pyogrio.write_dataframe(out, tmp, driver=VECTOR_DRIVERS[suffix], layer=layer)
    return Path(path)


def _check_input(path: str, *, what: str, folder_ok: bool = False) -> None:
    """Refuse a FIFO, device, dangling link or oversized file before any reader opens it (it could block)."""
    from tillvaxt_geo.data.files import input_file_problem
    from tillvaxt_geo.errors import LayerError, LayerNotFoundError

    trouble = input_file_problem(path, directory_ok=folder_ok)
    if trouble is not None:
        kind = LayerNotFoundError if trouble.startswith("does not exist") else LayerError
        raise kind(f"{what} {path} {trouble}")


def _crs_text(frame: gpd.GeoDataFrame) -> str:
    return frame.crs.to_string() if frame.crs is not None else "no CRS"


def _speeds(values: Sequence[str]) -> dict[str, float]:
    speeds: dict[str, float] = {}
    for item in values:
        key, sep, value = item.partition("=")
        try:
            speeds[key.strip()] = float(value)
        except ValueError:
            sep = ""
        if not sep or not key.strip():
            raise click.BadParameter(f"{item!r}: write CLASS=KMH, e.g. residential=30", param_hint="--speed")
    return speeds


@click.group(name="import")
def command() -> None:
    """Import real data (OpenStreetMap, GTFS, population grids) as layer files."""


@command.command(name="osm")
@click.argument("pbf", type=click.Path(path_type=str))
@click.option("--out", "out", required=True, help="Roads file to write (.gpkg, .geojson or .fgb).")
@click.option("--crs", default=None, help="Projected output CRS, e.g. EPSG:3006. Default: the data's UTM zone.")
@click.option(
    "--speed",
    "speeds",
    multiple=True,
    metavar="CLASS=KMH",
    help="Default speed of a highway class where maxspeed is missing (repeatable; adds the class if new).",
)
@click.option("--no-service-roads", is_flag=True, help="Leave out highway=service.")
@click.option("--no-split", is_flag=True, help="Keep ways whole instead of splitting them at intersections.")
def osm(pbf: str, out: str, crs: str | None, speeds: tuple[str, ...], no_service_roads: bool, no_split: bool) -> None:
    """Import the drivable roads of an OpenStreetMap extract (PBF) as a roads layer."""
    default_speeds = _speeds(speeds) or None  # a usage error comes before any file check
    _check_input(pbf, what="OpenStreetMap extract")
    from tillvaxt_geo.data.importers.osm import import_osm_roads

    with Progress(f"reading {pbf}"):
        roads = import_osm_roads(
            pbf,
            crs=crs,
            default_speeds=default_speeds,
            service_roads=not no_service_roads,
            split_at_intersections=not no_split,
        )
    path = _write_vector(roads, out, layer="roads")
    defaulted = int(roads["source"].str.startswith("default").sum())
    click.echo(
        f"wrote {len(roads)} road segments ({roads['length_m'].sum() / 1000:,.1f} km, {int(roads['oneway'].sum())} "
        f"one-way, {defaulted} with a class-default speed) to {path} (layer 'roads', {_crs_text(roads)})"
    )


def _window(text: str) -> tuple[str, str]:
    start, sep, end = text.partition("-")
    if not sep:
        raise click.BadParameter(f"{text!r}: write START-END, e.g. 06:00-09:00", param_hint="--window")
    return start.strip(), end.strip()


@command.command(name="gtfs")
@click.argument("feed", type=click.Path(path_type=str))
@click.option(
    "--out",
    "outs",
    multiple=True,
    required=True,
    help="Where to write: a .csv gets the rail_services table, a .gpkg/.geojson/.fgb the stations (repeatable).",
)
@click.option("--weekday", default=None, help="Service weekday (default tuesday: the feed's busiest one).")
@click.option("--date", "date", default=None, help="Service date YYYY-MM-DD (instead of --weekday).")
@click.option("--window", default="06:00-09:00", show_default=True, help="Peak window for departures per hour.")
@click.option("--modes", default="rail,bus", show_default=True, help="Route modes to keep: rail, bus or rail,bus.")
@click.option("--all-stations", is_flag=True, help="Write every station of the feed, not only those served.")
def gtfs(
    feed: str,
    outs: tuple[str, ...],
    weekday: str | None,
    date: str | None,
    window: str,
    modes: str,
    all_stations: bool,
) -> None:
    """Import a GTFS feed (directory or .zip) as rail_services and rail_stations layers."""
    _check_input(feed, what="GTFS feed", folder_ok=True)
    from tillvaxt_geo.data import gtfs_services as gtfs_reader
    from tillvaxt_geo.output.files import write_csv

    kinds = {o: "services" if Path(o).suffix.lower() == ".csv" else "stations" for o in outs}
    with Progress(f"reading {feed}"):
        services = gtfs_reader.read_services(
            feed,
            weekday=weekday,
            date=date,
            window=_window(window),
            modes=[m.strip() for m in modes.split(",") if m.strip()],
        )
    for out, kind in kinds.items():
        if kind == "services":
            path = write_csv(out, services, decimals=None)  # a layer file: keep full precision
            click.echo(
                f"wrote {services['service_id'].nunique()} services ({len(services)} stops) for "
                f"{services.attrs.get('service_date', '?')} to {path}"
            )
        else:
            stations = gtfs_reader.read_stations(feed, services=None if all_stations else services)
            path = _write_vector(stations, out, layer="rail_stations")
            click.echo(f"wrote {len(stations)} stations to {path} (layer 'rail_stations', {_crs_text(stations)})")


@command.command(name="grid")
@click.argument("source", type=click.Path(path_type=str))
@click.option("--out", required=True, help="Zones file to write (.gpkg, .geojson or .fgb).")
@click.option("--population-column", default=None, help="Population column (found automatically if not given).")
@click.option("--jobs-column", default=None, help="Column of workplace jobs per cell, if any.")
@click.option("--id-column", default=None, help="Cell id column (E{x}N{y}, SCB Ruta, INSPIRE ids).")
@click.option("--x-column", default=None, help="x coordinate column.")
@click.option("--y-column", default=None, help="y coordinate column.")
@click.option("--cell-size", "cell_size_m", type=float, default=None, help="Cell size in metres (else inferred).")
@click.option("--anchor", type=click.Choice(["auto", "lower_left", "centre"]), default="auto", show_default=True)
@click.option("--crs", default=None, help="CRS of a CSV's coordinates (never assumed).")
@click.option("--working-crs", default="EPSG:3006", show_default=True, help="CRS of the zones written.")
@click.option("--municipality", default="unknown", show_default=True, help="Municipality name for every cell.")
@click.option("--persons-per-dwelling", type=float, default=2.1, show_default=True)
@click.option("--vacancy-rate", type=float, default=0.02, show_default=True)
@click.option("--employment-rate", type=float, default=0.46, show_default=True)
@click.option("--aggregate", type=int, default=1, show_default=True, help="Raster: sum NxN pixels per zone.")
def grid(
    source: str,
    out: str,
    population_column: str | None,
    jobs_column: str | None,
    id_column: str | None,
    x_column: str | None,
    y_column: str | None,
    cell_size_m: float | None,
    anchor: str,
    crs: str | None,
    working_crs: str,
    municipality: str,
    persons_per_dwelling: float,
    vacancy_rate: float,
    employment_rate: float,
    aggregate: int,
) -> None:
    """Import a population grid (GeoPackage, CSV or GeoTIFF raster) as a zones layer."""
    _check_input(source, what="grid source")
    from tillvaxt_geo.data.importers.grid import ZoneAssumptions, zones_from_grid, zones_from_population_raster

    assumptions = ZoneAssumptions(
        persons_per_dwelling=persons_per_dwelling, vacancy_rate=vacancy_rate, employment_rate=employment_rate
    )
    if Path(source).suffix.lower() in (".tif", ".tiff", ".vrt"):
        zones = zones_from_population_raster(
            source, aggregate=aggregate, working_crs=working_crs, assumptions=assumptions, municipality=municipality
        )
    else:
        zones = zones_from_grid(
            source,
            population_column=population_column,
            jobs_column=jobs_column,
            id_column=id_column,
            x_column=x_column,
            y_column=y_column,
            cell_size_m=cell_size_m,
            anchor=anchor,
            crs=crs,
            working_crs=working_crs,
            assumptions=assumptions,
            municipality=municipality,
        )
    path = _write_vector(zones, out, layer="zones")
    click.echo(
        f"wrote {len(zones)} zones ({int(zones['population'].sum()):,} residents, "
        f"{int(zones['dwellings'].sum()):,} dwellings) to {path} (layer 'zones', {_crs_text(zones)})"
    )


@command.command(name="raster-surface")
@click.argument("layers", required=False, type=click.Path(path_type=str))
@click.option("--out", required=True, help="GeoTIFF to write.")
@click.option("--sites", default=None, help="Comma-separated site ids of the open mines (default: every mine).")
@click.option(
    "--mode", "modes", multiple=True, default=("car",), show_default=True, help="car, pt or best (repeatable)."
)
@click.option("--cell-size", "cell_size_m", type=float, default=250.0, show_default=True, help="Cell size in metres.")
@click.option("--max-access-m", type=float, default=None, help="Cells farther from a road are nodata.")
@click.option("--max-time-min", type=float, default=None, help="Times beyond this are nodata.")
@click.option("--crs", default=None, help="Working CRS (default EPSG:3006).")
def raster_surface(
    layers: str | None,
    out: str,
    sites: str | None,
    modes: tuple[str, ...],
    cell_size_m: float,
    max_access_m: float | None,
    max_time_min: float | None,
    crs: str | None,
) -> None:
    """Write minutes to the nearest open mine, per mode, as a GeoTIFF (LAYERS: a layer set; default embedded)."""
    from tillvaxt_geo.data.layers import load_layers
    from tillvaxt_geo.network.build import build_network
    from tillvaxt_geo.output.geotiff import write_geotiff
    from tillvaxt_geo.routing.surfaces import travel_time_surface

    with Progress("building the network"):
        net = build_network(load_layers(layers, crs=crs))
    surface = travel_time_surface(
        net,
        sites=[s.strip() for s in sites.split(",") if s.strip()] if sites else None,
        modes=modes,
        cell_size_m=cell_size_m,
        max_access_m=max_access_m,
        max_time_min=max_time_min,
    )
    path = write_geotiff(surface, out)
    rows, cols = surface.minutes.shape[1:]
    click.echo(
        f"wrote {rows} x {cols} cells of {cell_size_m:g} m, band(s) {', '.join(surface.modes)}, minutes to the "
        f"nearest of {', '.join(surface.site_ids)} to {path} ({surface.crs.to_string()}, nodata -9999)"
    )


def _read_housing(path: str, *, crs: str) -> gpd.GeoDataFrame:
    """Read and validate a housing_land file, in the working CRS."""
    import pyogrio

    from tillvaxt_geo.data.layers import working_crs
    from tillvaxt_geo.data.schemas import SCHEMAS
    from tillvaxt_geo.data.validation import check_frame
    from tillvaxt_geo.errors import CRSError, LayerError, LayerNotFoundError, raise_problems

    if not Path(path).is_file():
        raise LayerNotFoundError(f"housing_land file {path} does not exist")
    try:
        frame = pyogrio.read_dataframe(path)
    except pyogrio.errors.DataSourceError as exc:
        raise LayerError(f"housing_land file {path} cannot be read ({exc})") from exc
    if frame.crs is None:
        raise CRSError(f"housing_land file {path} has no CRS; set it (tillvaxt_geo never assumes one)")
    checked, problems = check_frame(frame, SCHEMAS["housing_land"], file=path)
    raise_problems(problems, what=f"housing_land {path}")
    return gpd.GeoDataFrame(checked).to_crs(working_crs(crs))


@command.command(name="constraints")
@click.argument("constraints", type=click.Path(path_type=str))
@click.option("--housing", required=True, help="housing_land file to reduce.")
@click.option("--out", required=True, help="Adjusted housing_land file to write (.gpkg, .geojson or .fgb).")
@click.option("--report", "report_path", default=None, help="CSV of the reduction per housing area.")
@click.option("--name-column", default=None, help="Column naming each constraint.")
@click.option("--reduction-column", default=None, help="Column with the share of capacity lost (default 1).")
@click.option("--crs", default="EPSG:3006", show_default=True, help="Working CRS (projected) of the output.")
def constraints(
    constraints: str,
    housing: str,
    out: str,
    report_path: str | None,
    name_column: str | None,
    reduction_column: str | None,
    crs: str,
) -> None:
    """Reduce housing-land capacity by constraint polygons or a raster (protected areas, flood zones …)."""
    _check_input(constraints, what="constraints file")
    from tillvaxt_geo.data.constraints import apply_constraints, read_constraints
    from tillvaxt_geo.output.files import write_csv

    housing_land = _read_housing(housing, crs=crs)
    found = read_constraints(constraints, name_column=name_column, reduction_column=reduction_column)
    result = apply_constraints(housing_land, found)
    path = _write_vector(result.housing_land, out, layer="housing_land")
    report = result.report
    click.echo(
        f"wrote {len(report)} housing areas to {path}: capacity {int(report['capacity_before_dwellings'].sum()):,} "
        f"-> {int(report['capacity_after_dwellings'].sum()):,} dwellings "
        f"({int((report['reduction_dwellings'] > 0).sum())} areas reduced)"
    )
    if report_path:
        click.echo(f"wrote the reduction per housing area to {write_csv(report_path, pd.DataFrame(report))}")
