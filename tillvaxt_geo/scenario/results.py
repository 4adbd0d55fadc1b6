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
from tillvaxt_geo.figures import FIGURES, Figure, figure_keys, round_half_away
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
    uncertainty
        The :class:`~tillvaxt_geo.scenario.uncertainty.UncertaintyResult` of the
        scenario, when one was run with it (``tillvaxt-geo run --uncertainty N``);
        the map shows its ranges.
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
    uncertainty: Any = None

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


def _shown_row(fig: Figure, a: float | None, b: float | None) -> tuple[float | None, float | None, float | None]:
    """Base, other and difference as shown: one rounding rule for all three, and they add up.

    The difference is computed from the unrounded values. At the figure's
    shown precision, ``round(other) - round(base)`` can disagree with
    ``round(other - base)`` (562.4 and 562.6 show as 562 and 563 yet differ by
    0.2); such a row is shown with one more decimal, up to two, until the
    three agree; failing that, the difference is that of the shown values
    (within half a unit of the last decimal of the exact one).
    """
    if a is None or b is None or a != a or b != b:
        return fig.shown(a), fig.shown(b), None
    exact = (float(b) - float(a)) * fig.shown_scale
    for extra in range(3):
        digits = fig.shown_digits + extra
        sa, sb = fig.shown(a, digits=digits), fig.shown(b, digits=digits)
        sd = round_half_away(exact, digits)
        if sa is not None and sb is not None and round_half_away(sb - sa, digits) == sd:
            break
    else:  # no precision up to two more decimals agrees: show the difference of the shown values
        if sa is not None and sb is not None:
            sd = round_half_away(sb - sa, digits)
    return sa, sb, sd


def compare(base: ScenarioResult, other: ScenarioResult, *, lang: str = "en") -> pd.DataFrame:
    """Every headline figure as base / other / difference, rounded as shown, and why a lever changed nothing.

    Parameters
    ----------
    base, other
        Two scenario results (e.g. a baseline and an infrastructure change).
    lang
        Language of the ``unit`` and ``note`` columns: ``"en"`` (default) or ``"sv"``.

    Returns
    -------
    pandas.DataFrame
        Index: figure. Columns ``label``; ``base``, ``other`` and
        ``difference`` as shown (shares in percent and their difference in
        percentage points; counts whole; minutes to 0.1; the difference
        computed from the unrounded values, and the three always add up);
        ``unit`` and ``difference_unit``; ``base_value``, ``other_value`` and
        ``difference_value`` at ``summary.json`` precision (shares as 0–1);
        ``note``: which lever of ``other`` did not reach this figure and why
        (empty when none). ``attrs`` holds ``base``, ``other`` (scenario
        names) and ``notes`` (the :class:`~tillvaxt_geo.scenario.levers.LeverNote` texts).
    """
    from tillvaxt_geo.scenario.levers import lever_notes

    rows = []
    for fig in FIGURES:
        a = base.summary.get(fig.key)
        b = other.summary.get(fig.key)
        sa, sb, sd = _shown_row(fig, a, b)
        exact = None if a is None or b is None else round_half_away(float(b) - float(a), fig.digits)
        rows.append(
            {
                "figure": fig.key,
                "label": fig.label(lang),
                "base": sa,
                "other": sb,
                "difference": sd,
                "unit": fig.shown_unit(lang),
                "difference_unit": fig.shown_unit(lang, difference=True),
                "base_value": fig.rounded(a),
                "other_value": fig.rounded(b),
                "difference_value": exact,
                "source": fig.description,
            }
        )
    table = pd.DataFrame(rows).set_index("figure")
    unchanged = [str(k) for k, d in table["difference"].items() if d == 0]
    notes = lever_notes(base, other, unchanged)
    by_figure: dict[str, list[str]] = {}
    for note in notes:
        for key in note.figures:
            by_figure.setdefault(key, []).append(note.text(lang))
    table["note"] = [" ".join(by_figure.get(str(k), [])) for k in table.index]
    table.attrs["base"] = base.scenario.name
    table.attrs["other"] = other.scenario.name
    table.attrs["notes"] = [note.text(lang) for note in notes]
    return table
