"""``tillvaxt-geo compare``: two scenarios, every figure as base / other / difference."""

from __future__ import annotations

from pathlib import Path

import click

from tillvaxt_geo.cli._common import (
    LayerCache,
    echo_sources,
    format_table,
    lang_option,
    layers_option,
    out_option,
    resolve_scenario,
)
from tillvaxt_geo.output.export import json_safe
from tillvaxt_geo.output.files import check_output_dir, write_csv, write_json
from tillvaxt_geo.scenario.results import compare
from tillvaxt_geo.scenario.run import run_scenario

__all__ = ["command"]


@click.command(name="compare")
@click.argument("base")
@click.argument("other")
@out_option("DIR/compare_<base>_vs_<other>/")
@layers_option("the scenarios' own, for both")
@click.option("--no-map", is_flag=True, help="Skip the comparison map.")
@lang_option
def command(base: str, other: str, out_dir: Path, layers_path: str | None, no_map: bool, lang: str) -> None:
    """Compare scenario OTHER with BASE (TOML files or bundled names).

    Writes comparison.csv, comparison.json and map.html (a difference map)
    and prints every figure as base / other / difference.
    """
    check_output_dir(out_dir)  # a file, a loop, read-only: refused before computing
    cache = LayerCache(layers_path)
    a, b = resolve_scenario(base), resolve_scenario(other)
    result_a = run_scenario(a, cache.get(a))
    result_b = run_scenario(b, cache.get(b))
    table = compare(result_a, result_b)
    folder = out_dir / f"compare_{a.name}_vs_{b.name}"
    write_csv(folder / "comparison.csv", table.reset_index())
    write_json(
        folder / "comparison.json",
        json_safe(
            {
                "base": a.name,
                "other": b.name,
                "figures": table.drop(columns="source").to_dict(orient="index"),
                "provenance": {"base": result_a.summary["provenance"], "other": result_b.summary["provenance"]},
            }
        ),
    )
    if not no_map:
        from tillvaxt_geo.output.maps.builders import comparison_map
        from tillvaxt_geo.output.maps.save import save_map

        save_map(comparison_map(result_a, result_b, lang=lang), folder / "map.html")
    click.echo(f"{a.title}  →  {b.title}")
    shown = table.reset_index()[["figure", "base", "other", "difference"]]
    click.echo(format_table(shown, figure_column="figure"))
    echo_sources(list(shown["figure"]))
    click.echo(f"wrote {folder}/")
