"""``tillvaxt-geo layers check``: validate a layer set and print what it holds."""

from __future__ import annotations

import click
import pandas as pd

from tillvaxt_geo.data.layers import Layers, load_layers
from tillvaxt_geo.data.schemas import LAYER_NAMES
from tillvaxt_geo.errors import LayerError

__all__ = ["command", "layer_table"]


def layer_table(layers: Layers) -> pd.DataFrame:
    """One row per layer: features, geometry types, CRS and source file.

    Parameters
    ----------
    layers
        A loaded layer set.

    Returns
    -------
    pandas.DataFrame
        Columns layer, features, geometry, crs, source.
    """
    rows = []
    for name in LAYER_NAMES:
        frame = getattr(layers, name)
        if frame is None:
            rows.append({"layer": name, "features": 0, "geometry": "-", "crs": "-", "source": "(absent)"})
            continue
        if "geometry" in frame.columns and hasattr(frame, "geom_type"):
            geometry = ", ".join(sorted(set(frame.geom_type.dropna())))
            crs = layers.crs.to_string()
        else:
            geometry, crs = "table", "-"
        count = frame["service_id"].nunique() if name == "rail_services" else len(frame)
        rows.append(
            {
                "layer": name,
                "features": f"{count} services" if name == "rail_services" else count,
                "geometry": geometry,
                "crs": crs,
                "source": layers.sources.get(name, ""),
            }
        )
    return pd.DataFrame(rows)


@click.group(name="layers")
def command() -> None:
    """Inspect and validate layer sets."""


@command.command(name="check")
@click.argument("path", required=False, type=click.Path(path_type=str))
@click.option("--repair", is_flag=True, help="Repair invalid geometries with make_valid and report what changed.")
@click.option("--crs", default=None, help="Working CRS (projected, metres). Default EPSG:3006.")
def check(path: str | None, repair: bool, crs: str | None) -> None:
    """Validate a layer set (the embedded region without PATH) and print a table.

    PATH is a directory of layer files or a GeoPackage. Every problem found
    is listed; the exit code is 1 when there are any.
    """
    try:
        layers = load_layers(path, crs=crs, repair=repair)
    except LayerError as exc:
        click.echo(str(exc), err=True)
        raise SystemExit(1) from None
    table = layer_table(layers)
    click.echo(f"Layer set: {path or 'embedded Ludvika–Smedjebacken region'}")
    click.echo(table.to_string(index=False))
    for note in layers.notes:
        click.echo(f"note: {note}")
    for line in _network_lines(layers):
        click.echo(line)
    click.echo("OK: no problems found.")


def _network_lines(layers: Layers) -> list[str]:
    """Disconnected road components, when the network module can tell."""
    if layers.roads is None:
        return []
    try:
        from tillvaxt_geo.network.report import network_report
    except ImportError:
        return []
    report = network_report(layers)
    if report is None or len(report) <= 1:
        return ["roads: one connected network."]
    lines = [f"roads: {len(report)} disconnected components (the largest first):"]
    lines.append(report.to_string(index=False))
    return lines
