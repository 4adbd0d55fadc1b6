"""``tillvaxt-geo run``: run scenarios and write summaries, GeoPackages and maps."""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

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
from tillvaxt_geo.errors import ConfigError, OutputError
from tillvaxt_geo.figures import table_keys
from tillvaxt_geo.output.export import write_outputs
from tillvaxt_geo.output.files import check_output_dir
from tillvaxt_geo.output.runset import output_sets
from tillvaxt_geo.scenario.checks import check_scenario_layers
from tillvaxt_geo.scenario.config import Scenario
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
@click.option(
    "--uncertainty",
    "uncertainty_samples",
    type=click.IntRange(min=0),
    default=0,
    show_default=True,
    help="Also sample the parameter table this many times per scenario and show the ranges on the map (0: off).",
)
@lang_option
def command(
    scenarios: tuple[str, ...],
    out_dir: Path,
    layers_path: str | None,
    no_map: bool,
    uncertainty_samples: int,
    lang: str,
) -> None:
    """Run SCENARIOS (TOML files or bundled names; none: every bundled scenario).

    Writes per scenario DIR/<scenario>/summary.json, summary.csv, results.gpkg
    and map.html (with run.json, the manifest of the set, written last), then
    DIR/index.html listing every scenario in DIR, and prints a comparison table.
    Every input and the output folder are checked before anything is computed.
    """
    started = time.perf_counter()
    paths = list(scenarios) or [str(p) for p in bundled_scenarios()]
    if not paths:
        raise click.UsageError("no scenario given and no bundled scenarios found")
    check_output_dir(out_dir)
    loaded = [resolve_scenario(p) for p in paths]
    _check_unique_names(loaded)
    for scenario in loaded:
        folder = out_dir / scenario.name
        if os.path.lexists(folder) and not folder.is_dir():
            raise OutputError(
                f"cannot write scenario '{scenario.name}' into {folder}: a file stands where its folder should be — "
                "move it away or choose another --out",
                path=str(folder),
            )
    cache = LayerCache(layers_path)
    for scenario in loaded:  # the validation pass: every scenario against its layers, before any computation
        check_scenario_layers(scenario, cache.get(scenario))
    results = []
    for scenario in loaded:
        with Progress(f"{scenario.name}: {scenario.title_in(lang)}"):
            result = with_sweep(run_scenario(scenario, cache.get(scenario)))
            if uncertainty_samples:
                from tillvaxt_geo.scenario.uncertainty import with_uncertainty

                result = with_uncertainty(result, cache.get(scenario), samples=uncertainty_samples)
            write_outputs(result, out_dir, with_map=not no_map, lang=lang)
        results.append(result)
    if not no_map:
        from tillvaxt_geo.output.maps.save import write_index

        write_index(_index_entries(out_dir), out_dir / "index.html", lang=lang)
    table = summary_table(results)[COLUMNS]
    click.echo(format_table(table, labels=lang))
    echo_sources(COLUMNS[1:])
    click.echo(f"\n{len(results)} scenario(s) in {time.perf_counter() - started:.1f} s; outputs under {out_dir}/")


def _check_unique_names(loaded: list[Scenario]) -> None:
    """Two scenarios of one run must not write the same folder."""
    seen: dict[str, str] = {}
    for scenario in loaded:
        source = scenario.source_path or scenario.name
        if scenario.name in seen:
            raise ConfigError(
                f"scenarios {seen[scenario.name]} and {source} are both named '{scenario.name}' and would "
                "write the same output folder; give one of them another 'name'"
            )
        seen[scenario.name] = source


def _index_entries(out_dir: Path) -> list[dict[str, Any]]:
    """One index row per complete output set with a map in ``out_dir`` (earlier runs' included)."""
    entries = []
    for name, manifest in output_sets(out_dir).items():
        if "map.html" not in manifest["files"]:
            continue
        try:
            summary = json.loads((out_dir / name / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        scenario = manifest.get("scenario") or {}
        entries.append(
            {
                "name": name,
                "title": str(scenario.get("title") or name),
                "href": f"{name}/map.html",
                **{k: summary.get(k) for k in COLUMNS[1:]},
            }
        )
    return entries
