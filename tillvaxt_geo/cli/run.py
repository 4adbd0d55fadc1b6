"""``tillvaxt-geo run``: run scenarios and write summaries, GeoPackages and maps."""

from __future__ import annotations

import time
from pathlib import Path

import click

from tillvaxt_geo.cli._common import (
    LayerCache,
    Progress,
    bundled_scenarios,
    echo_sources,
    format_table,
    lang_option,
    layers_option,
    out_option,
    resolve_scenario,
)
from tillvaxt_geo.figures import table_keys
from tillvaxt_geo.output.export import write_outputs
from tillvaxt_geo.scenario.results import summary_table
from tillvaxt_geo.scenario.run import run_scenario
from tillvaxt_geo.scenario.sweep import with_sweep

__all__ = ["command"]

#: the printed table: the scenario, then the figures the registry marks for it
COLUMNS = ["scenario", *table_keys()]


@click.command(name="run")
@click.argument("scenarios", nargs=-1)
@out_option("DIR/<scenario>/ per scenario and DIR/index.html")
@layers_option("the scenarios' own")
@click.option("--no-map", is_flag=True, help="Skip map.html (faster).")
@lang_option
def command(scenarios: tuple[str, ...], out_dir: Path, layers_path: str | None, no_map: bool, lang: str) -> None:
    """Run SCENARIOS (TOML files or bundled names; none: every bundled scenario).

    Writes per scenario DIR/<scenario>/summary.json, summary.csv, results.gpkg
    and map.html, then DIR/index.html, and prints a comparison table.
    """
    started = time.perf_counter()
    paths = list(scenarios) or [str(p) for p in bundled_scenarios()]
    if not paths:
        raise click.UsageError("no scenario given and no bundled scenarios found")
    loaded = [resolve_scenario(p) for p in paths]
    cache = LayerCache(layers_path)
    results = []
    for scenario in loaded:
        with Progress(f"{scenario.name}: {scenario.title_in(lang)}"):
            result = with_sweep(run_scenario(scenario, cache.get(scenario)))
            write_outputs(result, out_dir, with_map=not no_map, lang=lang)
        results.append(result)
    if not no_map:
        from tillvaxt_geo.output.maps.save import write_index

        entries = [
            {
                "name": r.scenario.name,
                "title": r.scenario.title_in(lang),
                "href": f"{r.scenario.name}/map.html",
                **{k: r.summary.get(k) for k in COLUMNS[1:]},
            }
            for r in results
        ]
        write_index(entries, out_dir / "index.html", lang=lang)
    table = summary_table(results)[COLUMNS]
    click.echo(format_table(table, labels=lang))
    echo_sources(COLUMNS[1:])
    click.echo(f"\n{len(results)} scenario(s) in {time.perf_counter() - started:.1f} s; outputs under {out_dir}/")
