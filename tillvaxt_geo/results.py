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

from tillvaxt_geo.layers import Layers
from tillvaxt_geo.scenario import Scenario

__all__ = ["FIGURES", "ScenarioResult", "compare", "summary_table"]

#: headline figures of summary.json, in order, with what each counts
FIGURES: dict[str, str] = {
    "workers_total": "direct workers at the open mines (mine_sites layer, phase and workforce of the scenario)",
    "workers_living_locally": "mine workers living in the study area (commute model)",
    "local_residence_share": "workers_living_locally / workers_total",
    "workers_within_30_min": "mine workers living within 30 min of their site (commute model, scenario mode)",
    "workers_within_45_min": "mine workers living within 45 min of their site",
    "in_commuters": "mine workers commuting daily from outside the study area",
    "long_distance_commuters": "in-movers without an acceptable dwelling: weekly or long-distance commuting",
    "housing_shortfall_dwellings": "dwellings that in-movers would need within acceptable commuting",
    "mean_commute_min": "mean one-way commute of the daily-commuting mine workers, minutes (scenario mode)",
    "direct_jobs": "= workers_total",
    "indirect_jobs": "direct × supplier_multiplier × local_procurement_share (economy parameters)",
    "induced_jobs": "(direct + indirect jobs held by local residents) × household_multiplier",
    "total_jobs": "direct + indirect + induced",
    "population_within_30_min_car": "residents (zones layer) within 30 min by car of an open site",
    "population_within_45_min_car": "residents within 45 min by car of an open site",
    "population_within_30_min_pt": "residents within 30 min by public transport (walk + timetabled services)",
    "population_within_45_min_pt": "residents within 45 min by public transport",
}


@dataclass(frozen=True)
class ScenarioResult:
    """Everything one scenario run produced.

    Attributes
    ----------
    scenario
        The scenario run.
    summary
        Headline figures (keys of :data:`FIGURES`), ``scenario`` and ``provenance``.
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
        return {k: self.summary.get(k) for k in FIGURES}


def summary_table(results: list[ScenarioResult]) -> pd.DataFrame:
    """One row per scenario with the headline figures, for printing and CSV.

    Parameters
    ----------
    results
        Scenario results.

    Returns
    -------
    pandas.DataFrame
        Columns ``scenario``, ``title`` and every figure of :data:`FIGURES`.
    """
    rows = [{"scenario": r.scenario.name, "title": r.scenario.title, **r.figures()} for r in results]
    return pd.DataFrame(rows, columns=["scenario", "title", *FIGURES])


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
    for key, source in FIGURES.items():
        a = base.summary.get(key)
        b = other.summary.get(key)
        diff = b - a if a is not None and b is not None else None
        rows.append({"figure": key, "base": a, "other": b, "difference": diff, "source": source})
    table = pd.DataFrame(rows).set_index("figure")
    table.attrs["base"] = base.scenario.name
    table.attrs["other"] = other.scenario.name
    return table
