"""``tillvaxt-geo isochrones``: catchment polygons from a mine site, as GeoPackage, GeoJSON or a map."""

from __future__ import annotations

from pathlib import Path

import click
import pyogrio

from tillvaxt_geo.data.layers import Layers, load_layers
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import did_you_mean
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.output.files import atomic_path, write_gpkg
from tillvaxt_geo.routing.isochrones import isochrones

__all__ = ["command", "find_site"]

SUFFIXES = (".gpkg", ".geojson", ".html")


def find_site(layers: Layers, value: str) -> str:
    """The id of the mine site with id or name ``value`` (case-insensitive)."""
    sites = layers.require("mine_sites", needed_for="isochrones from a site")
    ids = [str(i) for i in sites.index]
    names = [str(n) for n in sites["name"]] if "name" in sites.columns else ids
    wanted = value.strip().casefold()
    for sid, name in zip(ids, names, strict=True):
        if wanted in (sid.casefold(), name.casefold()):
            return sid
    hint = did_you_mean(value, ids + names)
    listed = ", ".join(f"{i} ({n})" for i, n in zip(ids, names, strict=True))
    raise ConfigError(f"no mine site {value!r}.{hint} Sites: {listed}")


def _minutes(ctx: click.Context, param: click.Parameter, value: str) -> list[float]:
    try:
        minutes = [float(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a comma-separated list of minutes, e.g. 15,30,45,60") from None
    if not minutes or any(m <= 0 or m != m for m in minutes):
        raise click.BadParameter(f"{value!r}: give positive minutes, e.g. 15,30,45,60")
    return minutes


def _out(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    if value is not None and value.suffix.lower() not in SUFFIXES:
        raise click.BadParameter(f"{value.name}: the file must end in {', '.join(SUFFIXES)}")
    return value


@click.command(name="isochrones")
@click.option("--from", "site", required=True, help="Mine site id or name, e.g. blotberget or Blötberget.")
@click.option(
    "--layers", "layers_path", default=None, help="Layer set (directory or GeoPackage); default: the embedded region."
)
@click.option("--minutes", default="15,30,45,60", show_default=True, callback=_minutes, help="Comma-separated bands.")
@click.option("--mode", type=click.Choice(["car", "pt", "best"]), default="car", show_default=True, help="Travel mode.")
@click.option(
    "--buffer",
    "buffer_m",
    type=click.FloatRange(min=0, min_open=True),
    default=500.0,
    show_default=True,
    help="Corridor half-width around reached roads, metres.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    callback=_out,
    help="Write .gpkg, .geojson (WGS84) or .html (a map); default: print the areas.",
)
def command(
    site: str, layers_path: str | None, minutes: list[float], mode: str, buffer_m: float, out: Path | None
) -> None:
    """Areas reachable from a mine site within each number of minutes, built from the network."""
    layers = load_layers(layers_path)
    site_id = find_site(layers, site)
    net = build_network(layers)
    iso = isochrones(net, [f"mine_sites:{site_id}"], minutes=minutes, mode=mode, buffer_m=buffer_m)
    bands = ", ".join(f"{m:g}" for m in iso["minutes"])
    what = f"{len(iso)} isochrones ({bands} min, {mode}) from {site_id}"
    if out is None:
        table = iso.drop(columns="geometry").assign(area_km2=(iso.area / 1e6).round(1))
        click.echo(table.to_string(index=False))
        return
    suffix = out.suffix.lower()
    if suffix == ".gpkg":
        write_gpkg(out, {"isochrones": iso})
    elif suffix == ".geojson":
        with atomic_path(out) as tmp:
            pyogrio.write_dataframe(iso.to_crs("EPSG:4326"), tmp, driver="GeoJSON")
    else:
        try:
            from tillvaxt_geo.output.maps.builders import isochrone_map
            from tillvaxt_geo.output.maps.save import save_map
        except ImportError as exc:
            raise ConfigError(
                f"cannot write {out.name}: the map module is not available ({exc}); write .gpkg or .geojson instead"
            ) from exc
        save_map(isochrone_map(iso, layers=layers), out)
    click.echo(f"Wrote {what} to {out}")
