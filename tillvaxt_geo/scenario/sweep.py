"""Sensitivity sweep: local procurement share × local residence share × one or two companies.

The seed study (2012) found that employment depends on whether one or two
companies open, and even more on how much is bought locally and how many
workers live locally. The sweep computes total jobs over a grid of both
shares for every company combination, ranks the three levers by how much
they move total employment, and draws the grid as a heat map.
"""

from __future__ import annotations

import dataclasses
import io
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import combinations

import numpy as np
import pandas as pd

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.economy import EconomyParams, employment
from tillvaxt_geo.scenario.results import ScenarioResult

__all__ = ["SweepResult", "heat_map_png", "sweep", "sweep_scenario", "with_sweep"]

DEFAULT_SHARES: tuple[float, ...] = tuple(np.round(np.linspace(0.0, 1.0, 11), 2))


@dataclass(frozen=True)
class SweepResult:
    """A sensitivity sweep and its lever ranking.

    Attributes
    ----------
    table
        Long table: ``companies, local_procurement_share, local_residence_share,
        direct_jobs, indirect_jobs, induced_jobs, total_jobs``.
    levers
        One row per lever: the range of total jobs it spans (``min``,
        ``max``, ``range``) with the other levers at the scenario's values.
    verdict
        One sentence naming the lever that moves total employment most.
    """

    table: pd.DataFrame
    levers: pd.DataFrame
    verdict: str


def sweep(
    workers_by_company: dict[str, float],
    *,
    params: EconomyParams,
    local_residence_share: float,
    procurement_shares: Sequence[float] = DEFAULT_SHARES,
    residence_shares: Sequence[float] = DEFAULT_SHARES,
) -> SweepResult:
    """Total jobs over procurement × residence shares for every company combination.

    Parameters
    ----------
    workers_by_company
        Direct workers of each company's open sites.
    params
        Economy parameters; their procurement share is the scenario value.
    local_residence_share
        The scenario's modelled share of workers living locally.
    procurement_shares, residence_shares
        The grid, each in [0, 1].

    Returns
    -------
    SweepResult
        The grid, the lever ranking and the verdict.
    """
    if not workers_by_company:
        raise ConfigError("the sweep needs at least one open mine; open one in [mines] of the scenario")
    for name, values in (("procurement_shares", procurement_shares), ("residence_shares", residence_shares)):
        if not len(values) or any(not 0.0 <= v <= 1.0 for v in values):
            raise ConfigError(f"{name} must be a non-empty list of shares in [0, 1]")
    companies = sorted(workers_by_company)
    cases = [c for n in range(1, len(companies) + 1) for c in combinations(companies, n)]
    rows = []
    for case in cases:
        direct = sum(workers_by_company[c] for c in case)
        for p in procurement_shares:
            case_params = dataclasses.replace(params, local_procurement_share=float(p))
            for r in residence_shares:
                jobs = employment(direct, float(r), case_params)
                rows.append(
                    {
                        "companies": " + ".join(case),
                        "n_companies": len(case),
                        "local_procurement_share": float(p),
                        "local_residence_share": float(r),
                        "direct_jobs": jobs.direct_jobs,
                        "indirect_jobs": jobs.indirect_jobs,
                        "induced_jobs": jobs.induced_jobs,
                        "total_jobs": jobs.total_jobs,
                    }
                )
    table = pd.DataFrame(rows)
    levers = _rank_levers(workers_by_company, params, local_residence_share, procurement_shares, residence_shares)
    top = levers.iloc[0]
    verdict = (
        f"{top['lever']} moves total employment most: {top['min']:.0f}–{top['max']:.0f} jobs "
        f"(a range of {top['range']:.0f}), against "
        + ", ".join(f"{row.lever} {row.range:.0f}" for row in levers.iloc[1:].itertuples())
        + "."
    )
    return SweepResult(table=table, levers=levers, verdict=verdict)


def _rank_levers(
    workers_by_company: dict[str, float],
    params: EconomyParams,
    residence: float,
    procurement_shares: Sequence[float],
    residence_shares: Sequence[float],
) -> pd.DataFrame:
    all_direct = sum(workers_by_company.values())
    one_company = list(workers_by_company.values())

    def total(direct: float, p: float, r: float) -> float:
        return employment(direct, r, dataclasses.replace(params, local_procurement_share=p)).total_jobs

    p0 = params.local_procurement_share
    by_procurement = [total(all_direct, p, residence) for p in procurement_shares]
    by_residence = [total(all_direct, p0, r) for r in residence_shares]
    by_companies = [total(d, p0, residence) for d in [*one_company, all_direct]]
    rows = [
        ("local procurement share", by_procurement),
        ("local residence share", by_residence),
        ("one or two companies" if len(workers_by_company) > 1 else "the open company", by_companies),
    ]
    levers = pd.DataFrame([{"lever": name, "min": min(v), "max": max(v), "range": max(v) - min(v)} for name, v in rows])
    return levers.sort_values("range", ascending=False, kind="stable").reset_index(drop=True)


def heat_map_png(result: SweepResult, *, title: str = "") -> bytes:
    """Draw total jobs over the two shares, one panel per company combination, as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    table = result.table
    cases = list(dict.fromkeys(table["companies"]))
    fig, axes = plt.subplots(1, len(cases), figsize=(4.2 * len(cases), 3.8), squeeze=False, constrained_layout=True)
    vmax = float(table["total_jobs"].max())
    image = None
    for ax, case in zip(axes[0], cases, strict=True):
        grid = table[table["companies"] == case].pivot(
            index="local_residence_share", columns="local_procurement_share", values="total_jobs"
        )
        image = ax.imshow(
            grid.to_numpy(),
            origin="lower",
            aspect="auto",
            cmap="viridis",
            vmin=0,
            vmax=vmax,
            extent=(grid.columns.min(), grid.columns.max(), grid.index.min(), grid.index.max()),
        )
        ax.set_title(case, fontsize=9, parse_math=False)  # text drawn as typed: no $…$ mathtext
        ax.set_xlabel("local procurement share")
        ax.set_ylabel("local residence share")
    if image is not None:
        fig.colorbar(image, ax=axes[0].tolist(), label="total jobs (direct + indirect + induced)")
    if title:
        fig.suptitle(title, fontsize=10, parse_math=False)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def sweep_scenario(result: ScenarioResult, **kwargs: Sequence[float]) -> SweepResult:
    """Sweep around a scenario result: its open companies, parameters and modelled residence share.

    Parameters
    ----------
    result
        A scenario result with at least one open site.
    **kwargs
        ``procurement_shares`` and/or ``residence_shares`` grids.
    """
    per_site = result.per_site
    by_company = per_site.groupby("company")["workers_total"].sum()
    workers = {str(k): float(v) for k, v in by_company.items() if v > 0}
    share = result.summary.get("local_residence_share")
    return sweep(
        workers,
        params=result.scenario.economy,
        local_residence_share=float(share) if share is not None else 0.0,
        **kwargs,
    )


def with_sweep(result: ScenarioResult) -> ScenarioResult:
    """The result with its sensitivity heat map attached (for the map page); unchanged without open mines."""
    if not (result.per_site["workers_total"] > 0).any():
        return result
    swept = sweep_scenario(result)
    title = f"{result.scenario.title}\n" + textwrap.fill(swept.verdict, width=120)
    return dataclasses.replace(result, sweep_png=heat_map_png(swept, title=title))
