"""``tillvaxt-geo compare``: two scenarios, every figure as base / other / difference."""

from __future__ import annotations

from pathlib import Path

import click
import pandas as pd

from tillvaxt_geo.cli._common import (
    LayerCache,
    echo_sources,
    format_table,
    format_value,
    lang_option,
    layers_option,
    out_option,
    resolve_scenario,
    terminal_width,
)
from tillvaxt_geo.figures import figure
from tillvaxt_geo.output.files import check_output_dir, json_safe, write_csv, write_json, write_xlsx
from tillvaxt_geo.scenario.results import compare
from tillvaxt_geo.scenario.run import run_scenario

__all__ = ["command", "comparison_files", "shown_comparison"]

#: the columns of comparison.csv / comparison.xlsx
FILE_COLUMNS = ["figure", "label", "base", "other", "difference", "unit", "difference_unit", "note", "source"]


def shown_comparison(table: pd.DataFrame, *, lang: str = "en") -> pd.DataFrame:
    """The comparison as printed: label, base, other and a signed difference with its unit, all as text."""
    rows = []
    for key, row in table.iterrows():
        digits = max(_digits(row), figure(str(key)).shown_digits)
        unit = str(row["unit"])
        suffix = " %" if unit == "%" else ""
        rows.append(
            {
                "figure": row["label"],
                "base": _fmt(row["base"], digits) + suffix,
                "other": _fmt(row["other"], digits) + suffix,
                "difference": _fmt(row["difference"], digits, sign=True)
                + ((" p.e." if lang == "sv" else " p.p.") if unit == "%" else ""),
            }
        )
    return pd.DataFrame(rows, columns=["figure", "base", "other", "difference"])


def _digits(row: pd.Series) -> int:
    """Decimals of a row as rounded by :func:`~tillvaxt_geo.scenario.results.compare` (one per row)."""
    digits = 0
    for column in ("base", "other", "difference"):
        value = row[column]
        if value is None or value != value:
            continue
        text = repr(float(value))
        if "e" not in text and "." in text and not text.endswith(".0"):
            digits = max(digits, len(text.split(".")[1]))
    return digits


def _fmt(value: object, digits: int, *, sign: bool = False) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    return format_value(float(value), digits=digits, sign=sign)  # type: ignore[arg-type]


def comparison_files(folder: Path, table: pd.DataFrame, *, locale: str) -> dict[str, Path]:
    """``comparison.csv`` (spreadsheet dialect of ``locale``) and ``comparison.xlsx`` with the shown values."""
    frame = table.reset_index()[FILE_COLUMNS]
    return {
        "csv": write_csv(folder / "comparison.csv", frame, locale=locale),
        "xlsx": write_xlsx(folder / "comparison.xlsx", {"comparison": frame}),
    }


@click.command(name="compare")
@click.argument("base")
@click.argument("other")
@out_option("DIR/compare_<base>_vs_<other>/")
@layers_option("the scenarios' own, for both")
@click.option("--no-map", is_flag=True, help="Skip the comparison map.")
@lang_option
def command(base: str, other: str, out_dir: Path, layers_path: str | None, no_map: bool, lang: str) -> None:
    """Compare scenario OTHER with BASE (TOML files or bundled names).

    Writes comparison.csv (with --lang sv: `;`-separated with decimal commas,
    as Swedish Excel expects; UTF-8 with BOM), comparison.xlsx,
    comparison.json and map.html (a difference map), and prints every figure
    as base / other / difference, rounded alike so that they add up, with
    shares in percent and their differences in percentage points. When a
    lever of OTHER moves none of its figures, says which and why.
    """
    check_output_dir(out_dir)  # a file, a loop, read-only: refused before computing
    cache = LayerCache(layers_path)
    a, b = resolve_scenario(base), resolve_scenario(other)
    result_a = run_scenario(a, cache.get(a))
    result_b = run_scenario(b, cache.get(b))
    table = compare(result_a, result_b, lang=lang)
    folder = out_dir / f"compare_{a.name}_vs_{b.name}"
    comparison_files(folder, table, locale=lang)
    exact = table[["base_value", "other_value", "difference_value"]].rename(
        columns={"base_value": "base", "other_value": "other", "difference_value": "difference"}
    )
    write_json(
        folder / "comparison.json",
        json_safe(
            {
                "base": a.name,
                "other": b.name,
                "figures": exact.to_dict(orient="index"),
                "shown": table[["base", "other", "difference", "unit", "difference_unit"]].to_dict(orient="index"),
                "notes": list(table.attrs.get("notes", [])),
                "provenance": {"base": result_a.summary["provenance"], "other": result_b.summary["provenance"]},
            }
        ),
    )
    if not no_map:
        from tillvaxt_geo.output.maps.builders import comparison_map
        from tillvaxt_geo.output.maps.save import save_map

        save_map(comparison_map(result_a, result_b, lang=lang), folder / "map.html")
    click.echo(f"{a.title}  →  {b.title}")
    click.echo(
        format_table(shown_comparison(table, lang=lang), width=terminal_width(), right=("base", "other", "difference"))
    )
    notes = table.attrs.get("notes", [])
    if notes:
        click.echo("\nVarför vissa siffror inte ändras:" if lang == "sv" else "\nWhy some figures do not change:")
        for note in notes:
            click.echo(f"  - {note}")
    echo_sources(list(table.index))
    click.echo(f"wrote {folder}/")
