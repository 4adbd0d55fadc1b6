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


def format_value(value: object, *, share: bool = False) -> str:
    """One figure for a table: shares as percentages, counts with thin thousands, minutes to 0.1."""
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    if not isinstance(value, int | float):
        return str(value)
    if share:
        return f"{100 * value:.1f} %"
    if abs(value) < 100 and value != round(value):
        return f"{value:.1f}"
    return f"{value:,.0f}".replace(",", " ")


def format_table(frame: pd.DataFrame, *, figure_column: str | None = None) -> str:
    """A plain-text table with thousands separators and shares as percentages.

    Shares are recognised by column name, or by the row's figure name when
    ``figure_column`` names a column holding figure names (a long table).
    """
    shown = frame.copy().astype(object)
    for column in shown.columns:
        if column == figure_column:
            continue
        for index in shown.index:
            name = str(frame.at[index, figure_column]) if figure_column else str(column)
            shown.at[index, column] = format_value(frame.at[index, column], share=name.endswith("share"))
    return shown.to_string(index=False)


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
