"""``tillvaxt-geo sweep``: which lever moves total employment most."""

from __future__ import annotations

from pathlib import Path

import click

from tillvaxt_geo.cli._common import LayerCache, format_table, layers_option, out_option, resolve_scenario
from tillvaxt_geo.output.files import atomic_path, check_output_dir, write_csv
from tillvaxt_geo.scenario.run import run_scenario
from tillvaxt_geo.scenario.sweep import heat_map_png, sweep_scenario

__all__ = ["command"]


def _shares(text: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise click.BadParameter(f"expected comma-separated shares such as 0,0.25,0.5, found {text!r}") from None
    if not values or any(not 0 <= v <= 1 for v in values):
        raise click.BadParameter("shares must lie in [0, 1]")
    return values


@click.command(name="sweep")
@click.argument("scenario")
@out_option("DIR/<scenario>/sweep.csv, levers.csv and sweep.png")
@click.option(
    "--procurement",
    default="0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1",
    show_default=True,
    help="Local procurement shares to sweep.",
)
@click.option(
    "--residence",
    default="0,0.1,0.2,0.3,0.4,0.5,0.6,0.7,0.8,0.9,1",
    show_default=True,
    help="Local residence shares to sweep.",
)
@layers_option("the scenario's own")
def command(scenario: str, out_dir: Path, procurement: str, residence: str, layers_path: str | None) -> None:
    """Sweep local procurement × local residence share × companies for SCENARIO.

    Prints the lever ranking and the verdict, and writes the grid, the
    ranking and a heat map.
    """
    check_output_dir(out_dir)  # a file, a loop, read-only: refused before computing
    loaded = resolve_scenario(scenario)
    result = run_scenario(loaded, LayerCache(layers_path).get(loaded), isochrone_minutes=(), with_fit=False)
    swept = sweep_scenario(result, procurement_shares=_shares(procurement), residence_shares=_shares(residence))
    folder = out_dir / loaded.name
    write_csv(folder / "sweep.csv", swept.table)
    write_csv(folder / "levers.csv", swept.levers)
    with atomic_path(folder / "sweep.png") as tmp:
        tmp.write_bytes(heat_map_png(swept, title=loaded.title))
    click.echo(format_table(swept.levers))
    click.echo(f"\n{swept.verdict}")
    click.echo(
        "Total jobs = direct + direct × supplier_multiplier × procurement share + induced "
        "(economy parameters of the scenario; see summary.json provenance for sources)."
    )
    click.echo(f"wrote {folder}/sweep.csv, levers.csv, sweep.png")
