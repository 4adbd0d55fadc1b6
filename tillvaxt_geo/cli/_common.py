"""Helpers shared by the scenario commands: finding scenarios, caching layers, printing tables."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click
import pandas as pd

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.scenario.config import Scenario, bundled_scenarios, load_scenario
from tillvaxt_geo.scenario.run import load_scenario_layers

F = TypeVar("F", bound=Callable[..., Any])

__all__ = [
    "LayerCache",
    "Progress",
    "bundled_scenarios",
    "format_table",
    "lang_option",
    "layers_option",
    "out_option",
    "resolve_scenario",
]


def out_option(writes: str) -> Callable[[F], F]:
    """The ``--out DIR`` option of the scenario commands (default ``maps``)."""
    return click.option(
        "--out",
        "out_dir",
        default="maps",
        show_default=True,
        type=click.Path(path_type=Path),
        help=f"Output root; writes {writes}.",
    )


lang_option = click.option(
    "--lang", type=click.Choice(["sv", "en"]), default="sv", show_default=True, help="Language of the map labels."
)


def layers_option(what: str = "the scenarios' own") -> Callable[[F], F]:
    """The ``--layers PATH`` option: a layer set replacing the scenario's."""
    return click.option("--layers", "layers_path", default=None, help=f"Use this layer set instead of {what}.")


#: bundled scenarios shown first, in this order; the rest follow by name
def resolve_scenario(arg: str) -> Scenario:
    """Load a scenario from a path, or by the name of a bundled scenario (:func:`load_scenario`)."""
    return load_scenario(arg)


class LayerCache:
    """Load each distinct layer set once when several scenarios share it."""

    def __init__(self, override: str | None = None) -> None:
        self._override = override
        self._cache: dict[tuple[object, ...], Layers] = {}

    def get(self, scenario: Scenario) -> Layers:
        """The layers for ``scenario`` (or the ``--layers`` override)."""
        if self._override is not None:
            scenario = scenario.replace(layers=scenario.layers.__class__(path=self._override))
        key = (scenario.layers.path, tuple(sorted(scenario.layers.overrides.items())), scenario.working_crs)
        if key not in self._cache:
            self._cache[key] = load_scenario_layers(scenario)
        return self._cache[key]


def format_value(value: object, *, share: bool = False, digits: int | None = None, sign: bool = False) -> str:
    """One number for a table: shares as percentages to 0.1, counts with thin thousands, minutes to 0.1.

    Rounding is half away from zero (:func:`tillvaxt_geo.figures.round_half_away`),
    the same rule as the comparison table and the CSV files; ``sign`` writes
    ``+`` before positive numbers (differences).
    """
    from tillvaxt_geo.figures import round_half_away

    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if not isinstance(value, int | float):
        return str(value)
    number = float(value)
    if share:
        number, digits = 100 * number, 1 if digits is None else digits
    elif digits is None:
        digits = 1 if abs(number) < 100 and number != round(number) else 0
    number = round_half_away(number, digits)
    text = f"{number:,.{digits}f}".replace(",", " ")
    if sign and number > 0:
        text = "+" + text
    return f"{text} %" if share else text


def terminal_width(default: int = 100) -> int:
    """Columns of the terminal (``COLUMNS`` when set), or ``default`` when output is not a terminal."""
    import shutil

    return max(40, shutil.get_terminal_size((default, 24)).columns)


def format_table(
    frame: pd.DataFrame,
    *,
    figure_column: str | None = None,
    width: int | None = None,
    labels: str | None = None,
    right: tuple[str, ...] = (),
) -> str:
    """A text table that fits ``width`` columns (the terminal's by default), drawn with rich.

    Numbers get thousands separators and shares percentages; shares are
    recognised by column name, or by the row's figure name when
    ``figure_column`` names a column holding figure names (a long table).
    Long headers and cells wrap instead of widening the table; a wide table
    that still does not fit turns to one row per figure and one column per
    row of ``frame`` (named by its first text column). With
    ``labels`` (``"sv"`` or ``"en"``), figure keys in headers and in
    ``figure_column`` are shown as the figure's label. Columns named in
    ``right`` (numbers already formatted as text) are right-aligned.
    """
    import io

    from rich import box
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    from tillvaxt_geo.figures import figure, figure_keys

    keys = set(figure_keys())

    def name(text: object) -> str:
        return figure(str(text)).label(labels) if labels and str(text) in keys else str(text)

    width = width or terminal_width()
    table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, expand=False, collapse_padding=True)
    shown = {
        column: [
            name(frame.at[i, column])
            if column == figure_column
            else format_value(
                frame.at[i, column],
                share=(str(frame.at[i, figure_column]) if figure_column else str(column)).endswith("share"),
            )
            for i in frame.index
        ]
        for column in frame.columns
    }
    numeric_columns = [
        c for c in frame.columns if c in right or (pd.api.types.is_numeric_dtype(frame[c].dtype) and c != figure_column)
    ]
    text_columns = [c for c in frame.columns if c not in numeric_columns]

    def long_layout() -> str:
        """One row per figure and one column per row of ``frame`` (named by its first text column)."""
        key = text_columns[0]
        long = pd.DataFrame({"": [name(c) for c in numeric_columns]})
        for k in range(len(frame.index)):
            long[str(shown[key][k])] = [shown[c][k] for c in numeric_columns]
        return format_table(long, width=width, right=tuple(long.columns[1:]))

    for column in frame.columns:
        numeric = column in numeric_columns
        longest = max([len(v) for v in shown[column]] or [0])
        table.add_column(
            Text(name(column)),
            justify="right" if numeric else "left",
            overflow="fold",
            min_width=min(longest, 12) if not numeric else None,
        )
    for k in range(len(frame.index)):
        table.add_row(*(Text(shown[column][k]) for column in frame.columns))
    buffer = io.StringIO()
    console = Console(file=buffer, width=width, color_system=None, highlight=False, emoji=False, markup=False)
    console.print(table, crop=False)
    lines = [line.rstrip() for line in buffer.getvalue().splitlines()]
    fits = max((len(line) for line in lines), default=0) <= width
    if not fits and figure_column is None and text_columns and numeric_columns and len(frame) <= 12:
        return long_layout()  # too wide even with wrapped headers: turn it
    return "\n".join(lines).strip("\n")


def echo_sources(columns: list[str]) -> None:
    """Say where each printed figure comes from."""
    from tillvaxt_geo.figures import figure, figure_keys

    click.echo("\nWhere the figures come from:")
    for column in columns:
        if column in figure_keys():
            click.echo(f"  {column}: {figure(column).description}")


class Progress:
    """Progress lines on stderr for steps that take more than a moment (silent with ``--quiet``).

    Use as a context manager around a step: it says what starts, and when it
    ends how long it took.
    """

    def __init__(self, message: str) -> None:
        self.message = message
        ctx = click.get_current_context(silent=True)
        self.quiet = bool(ctx and ctx.find_root().obj and ctx.find_root().obj.get("quiet"))
        self.started = 0.0

    def __enter__(self) -> Progress:
        import time

        self.started = time.perf_counter()
        if not self.quiet:
            click.echo(f"{self.message} …", err=True, nl=False)
        return self

    def __exit__(self, kind: object, *_: object) -> None:
        import time

        if not self.quiet:
            status = f" {time.perf_counter() - self.started:.1f} s" if kind is None else " failed"
            click.echo(status, err=True)
