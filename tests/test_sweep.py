"""Sensitivity sweep: monotone in both shares, companies add jobs, the verdict names a lever."""

from __future__ import annotations

import numpy as np
import pytest

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.economy import EconomyParams
from tillvaxt_geo.scenario.sweep import heat_map_png, sweep

WORKERS = {"Nordic Iron Ore AB": 250.0, "Grängesberg Iron AB": 325.0}


def test_sweep_monotone_in_both_shares() -> None:
    result = sweep(WORKERS, params=EconomyParams(), local_residence_share=0.6)
    for _, case in result.table.groupby("companies"):
        grid = case.pivot(index="local_residence_share", columns="local_procurement_share", values="total_jobs")
        values = grid.to_numpy()
        assert (np.diff(values, axis=0) >= -1e-9).all()
        assert (np.diff(values, axis=1) >= -1e-9).all()


def test_two_companies_give_more_jobs_than_either_alone() -> None:
    table = sweep(WORKERS, params=EconomyParams(), local_residence_share=0.6).table
    at = table[(table.local_procurement_share == 0.3) & (table.local_residence_share == 0.5)]
    both = at[at.n_companies == 2]["total_jobs"].iloc[0]
    assert (at[at.n_companies == 1]["total_jobs"] < both).all()


def test_lever_ranking_and_verdict() -> None:
    result = sweep(WORKERS, params=EconomyParams(), local_residence_share=0.6)
    assert list(result.levers["range"]) == sorted(result.levers["range"], reverse=True)
    assert result.levers.iloc[0]["lever"] in result.verdict
    assert set(result.levers["lever"]) == {"local procurement share", "local residence share", "one or two companies"}


def test_heat_map_is_a_png() -> None:
    png = heat_map_png(sweep(WORKERS, params=EconomyParams(), local_residence_share=0.5), title="test")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 5000


def test_no_open_mine() -> None:
    with pytest.raises(ConfigError, match="at least one open mine"):
        sweep({}, params=EconomyParams(), local_residence_share=0.5)


def test_shares_out_of_range() -> None:
    with pytest.raises(ConfigError, match="procurement_shares"):
        sweep(WORKERS, params=EconomyParams(), local_residence_share=0.5, procurement_shares=[0.5, 1.5])


def test_heat_map_title_is_shown_as_typed_not_as_mathematics() -> None:
    """A scenario title with "$…$" (here an unknown TeX command, which mathtext cannot draw) still renders."""
    title = "Väg $\\nosuchcommand{x}$ <b>bold</b> & x_1"
    png = heat_map_png(sweep(WORKERS, params=EconomyParams(), local_residence_share=0.5), title=title)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
