"""Scenario results as values: the headline summary, tables, and scenario comparison.

A :class:`ScenarioResult` holds everything a run produced; :func:`compare`
puts two of them side by side as base / other / difference.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import pandas as pd

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.figures import FIGURES, figure_keys
from tillvaxt_geo.scenario.config import Scenario

__all__ = ["ScenarioResult", "compare", "summary_table"]


@dataclass(frozen=True)
class ScenarioResult:
    """Everything one scenario run produced.

    Attributes
    ----------
    scenario
        The scenario run.
    summary
        Headline figures (keys of :data:`tillvaxt_geo.figures.FIGURES`), ``scenario`` and ``provenance``.
    zones
        Zones with ``workers_resident``, ``workers_recruited``, ``workers_moved_in``
        and ``travel_time_min`` (to the nearest open site).
    housing
        Housing land with ``released``, ``capacity_free_dwellings``, ``dwellings_taken``.
    sites
        Mine sites with ``open``, ``workers`` and per-site figures.
    per_site
        One row per open site: the headline figures per site.
    isochrones
        Catchments of the open sites: ``origin_id, mode, minutes, geometry``.
    fit
        The commute model's fit to today's commuting (plain values).
    layers
        The layer set after the scenario's changes.
    allocation
        Iterations and residual of the housing balancing.
    sweep_png
        The sensitivity heat map, when a sweep was run with the scenario.
    """

    scenario: Scenario
    summary: Mapping[str, Any]
    zones: gpd.GeoDataFrame
    housing: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    per_site: pd.DataFrame
    isochrones: gpd.GeoDataFrame
    fit: Mapping[str, Any]
    layers: Layers
    allocation: Mapping[str, Any]
    sweep_png: bytes | None = None

    def figures(self) -> dict[str, float | None]:
        """The headline figures only (no provenance)."""
        return {k: self.summary.get(k) for k in figure_keys()}


def summary_table(results: list[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with the headline figures, for printing and CSV.

    Parameters
    ----------
    results
        Scenario results.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``title`` and every figure of :data:`tillvaxt_geo.figures.FIGURES`.
    """
    rows = [{"scenario": r.scenario.name, "title": r.scenario.title, **r.figures()} for r in results]
    return pd.DataFrame(rows, columns=["scenario", "title", *figure_keys()])


def compare(base: ScenarioResult, other: ScenarioResult) -> pd.DataFrame:
    """Every headline figure as base / other / difference.

    Parameters
    ----------
    base, other
        Two scenario results (e.g. a baseline and an infrastructure change).

    Returns
    -------
    pandas.DataFrame
        Index: figure; columns ``base``, ``other``, ``difference`` and
        ``source`` (what the figure counts).
    """
    rows = []
    for fig in FIGURES:
        a = base.summary.get(fig.key)
        b = other.summary.get(fig.key)
        diff = b - a if a is not None and b is not None else None
        rows.append({"figure": fig.key, "base": a, "other": b, "difference": diff, "source": fig.description})
    table = pd.DataFrame(rows).set_index("figure")
    table.attrs["base"] = base.scenario.name
    table.attrs["other"] = other.scenario.name
    return table
