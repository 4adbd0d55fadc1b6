"""``tillvaxt-geo matrix``: a travel-time matrix as CSV (default zones × mine sites)."""

from __future__ import annotations

import sys
from pathlib import Path

import click
import geopandas as gpd
import numpy as np
import pyogrio

from tillvaxt_geo.data.layers import load_layers
from tillvaxt_geo.errors import ConfigError, LayerNotFoundError
from tillvaxt_geo.naming import did_you_mean
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.network.types import PLACE_LAYERS
from tillvaxt_geo.output.files import write_csv
from tillvaxt_geo.routing.matrix import PlaceSpec, travel_times

__all__ = ["command", "place_argument"]


def place_argument(value: str, *, option: str) -> PlaceSpec:
    """A layer name, or a vector file of points/polygons read as a GeoDataFrame."""
    if value in PLACE_LAYERS:
        return value
    path = Path(value)
    if not path.exists():
        hint = did_you_mean(value, PLACE_LAYERS)
        raise ConfigError(
            f"{option} {value!r} is neither a layer ({', '.join(PLACE_LAYERS)}) nor an existing file.{hint}"
        )
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as exc:
        raise LayerNotFoundError(f"{option} {value}: cannot be read as a vector file ({exc})") from exc
    if not isinstance(frame, gpd.GeoDataFrame):
        raise ConfigError(f"{option} {value}: the file has no geometry; give points or polygons")
    return frame


@click.command(name="matrix")
@click.option(
    "--layers", "layers_path", default=None, help="Layer set (directory or GeoPackage); default: the embedded region."
)
@click.option(
    "--origins",
    default="zones",
    show_default=True,
    help="A layer name (zones, mine_sites, housing_land, rail_stations) or a vector file.",
)
@click.option("--destinations", default="mine_sites", show_default=True, help="A layer name or a vector file.")
@click.option("--mode", type=click.Choice(["car", "pt", "best"]), default="car", show_default=True, help="Travel mode.")
@click.option(
    "--max-time",
    type=click.FloatRange(min=0, min_open=True),
    default=None,
    help="Cutoff in minutes; pairs beyond it are empty.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="CSV file to write (default: print CSV to stdout).",
)
def command(
    layers_path: str | None, origins: str, destinations: str, mode: str, max_time: float | None, out: Path | None
) -> None:
    """Travel times (minutes) and distances (km) between every origin and destination.

    Writes a long table from_id, to_id, mode, travel_time_min, distance_km
    (best mode also names the chosen mode). Unreachable pairs and pairs
    beyond --max-time are kept with empty values.
    """
    layers = load_layers(layers_path)
    o = place_argument(origins, option="--origins")
    d = place_argument(destinations, option="--destinations")
    net = build_network(layers)
    table = travel_times(net, o, d, mode=mode, max_time_min=max_time)
    n_o, n_d = table["from_id"].nunique(), table["to_id"].nunique()
    empty = int(table["travel_time_min"].isna().sum())
    finite = table["travel_time_min"].to_numpy()
    span = f"{np.nanmin(finite):.1f}–{np.nanmax(finite):.1f} min" if np.isfinite(finite).any() else "no pair reachable"
    summary = f"{len(table)} pairs ({n_o} origins × {n_d} destinations, {mode}): {span}, {empty} empty"
    if out is None:
        table.to_csv(sys.stdout, index=False)
        click.echo(summary, err=True)
        return
    write_csv(out, table)
    click.echo(f"Wrote {summary} to {out}")
