"""scenario.results.compare and scenario.levers: base, other and difference rounded alike; why a lever moved nothing."""

from __future__ import annotations

import dataclasses
from decimal import Decimal
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from conftest import SWEREF, X0, Y0, small_layer_frames, write_layer_dir
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely.geometry import LineString

from tillvaxt_geo import load_layers
from tillvaxt_geo.figures import FIGURES, figure, round_half_away
from tillvaxt_geo.scenario.config import parse_scenario
from tillvaxt_geo.scenario.results import ScenarioResult, _shown_row, compare
from tillvaxt_geo.scenario.run import run_scenario


def scenario(**overrides: Any) -> Any:
    data: dict[str, Any] = {"name": "base", "year": 2030, "workforce": "high", "mines": {"open": ["m1"]}}
    data.update(overrides)
    return parse_scenario(data)


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    frames = small_layer_frames()
    spur = gpd.GeoDataFrame(  # a dead end west of Alby: on nobody's way to the mine
        {"road_id": ["spur"], "ref": [""], "road_class": ["local"], "speed_kmh": [50.0], "oneway": [False]},
        geometry=[LineString([(X0, Y0), (X0 - 3000, Y0 - 500)])],
        crs=SWEREF,
    )
    frames["roads"] = pd.concat([frames["roads"], spur], ignore_index=True)
    return load_layers(write_layer_dir(tmp_path_factory.mktemp("layers"), frames))


@pytest.fixture(scope="module")
def base(layers: Any) -> ScenarioResult:
    return run_scenario(scenario(), layers, isochrone_minutes=(), with_fit=False)


def with_figures(result: ScenarioResult, **values: float) -> ScenarioResult:
    return dataclasses.replace(result, summary={**result.summary, **values})


def test_round_half_away_from_zero() -> None:
    assert [round_half_away(v) for v in (562.5, 561.5, -0.5, 0.49999, 2.675)] == [563, 562, -1, 0, 3]
    assert round_half_away(2.675, 2) == 2.68  # the decimal text, not the binary 2.67499999…
    assert round_half_away(-0.04, 1) == 0.0 and str(round_half_away(-0.04, 1)) == "0.0"  # no "-0.0"
    assert round(562.5) == 562  # why: Python's round makes 562.5 and 561.5 both 562


def test_difference_below_the_rounding_step_shows_zero_and_equal_values(base: ScenarioResult) -> None:
    other = with_figures(base, workers_living_locally=562.4, total_jobs=1142.2)
    base_ = with_figures(base, workers_living_locally=562.3, total_jobs=1141.9)
    table = compare(base_, other)
    row = table.loc["workers_living_locally"]
    assert (row["base"], row["other"], row["difference"]) == (562, 562, 0)
    jobs = table.loc["total_jobs"]
    assert (jobs["base"], jobs["other"], jobs["difference"]) == (1142, 1142, 0)
    assert table.loc["workers_living_locally", "difference_value"] == pytest.approx(0.1)


def test_the_issues_562_and_561_no_longer_contradict(base: ScenarioResult) -> None:
    table = compare(with_figures(base, workers_living_locally=562.5), with_figures(base, workers_living_locally=561.5))
    row = table.loc["workers_living_locally"]
    assert (row["base"], row["other"], row["difference"]) == (563, 562, -1)


def test_shares_in_percent_and_their_difference_in_percentage_points(base: ScenarioResult) -> None:
    table = compare(with_figures(base, local_residence_share=0.9782), with_figures(base, local_residence_share=0.9766))
    row = table.loc["local_residence_share"]
    assert row["unit"] == "%" and row["difference_unit"] == "percentage points"
    assert row["base"] - row["other"] == pytest.approx(-row["difference"])
    assert row["difference"] == pytest.approx(-0.16, abs=0.05)  # percentage points, not -0.0016 or -0.2 %
    assert compare(base, base, lang="sv").loc["local_residence_share", "difference_unit"] == "procentenheter"


@settings(max_examples=300, deadline=None)
@given(
    a=st.decimals(min_value=0, max_value=100_000, places=1),
    b=st.decimals(min_value=0, max_value=100_000, places=1),
    key=st.sampled_from([f.key for f in FIGURES]),
)
def test_shown_values_always_add_up_and_stay_near_the_exact_difference(a: Decimal, b: Decimal, key: str) -> None:
    fig = figure(key)
    scale = Decimal("0.00001") if fig.unit == "share" else Decimal(1)  # shares between 0 and 1
    va, vb = float(a * scale), float(b * scale)
    sa, sb, sd = _shown_row(fig, va, vb)
    assert sa is not None and sb is not None and sd is not None
    digits = max(len(repr(x).split(".")[1]) if "." in repr(x) else 0 for x in (sa, sb, sd))
    assert round(sb - sa, digits) == sd
    exact = (vb - va) * fig.shown_scale
    assert abs(sd - exact) <= 0.5 * 10**-(fig.shown_digits) + 1e-9


def test_a_road_on_nobodys_route_is_named_with_the_figures_it_did_not_reach(layers: Any, base: ScenarioResult) -> None:
    changes = [{"type": "road_speed", "road_ids": ["spur"], "speed_kmh": 110}]
    other = run_scenario(scenario(name="spur", changes=changes), layers, isochrone_minutes=(), with_fit=False)
    table = compare(base, other)
    assert (table["difference"].dropna() == 0).all()
    (note,) = table.attrs["notes"]
    assert "spur" in note and "no mine worker's fastest route" in note
    assert "Living in Ludvika/Smedjebacken" in table.loc["workers_living_locally", "note"]
    assert table.loc["direct_jobs", "note"] == ""  # not a figure a road is meant to move
    sv = compare(base, other, lang="sv").attrs["notes"][0]
    assert "snabbaste väg" in sv


def test_a_road_on_the_route_moves_commutes_and_gets_no_no_route_note(layers: Any, base: ScenarioResult) -> None:
    changes = [{"type": "road_speed", "road_ids": ["r3"], "speed_kmh": 20}]
    other = run_scenario(scenario(name="slow", changes=changes), layers, isochrone_minutes=(), with_fit=False)
    table = compare(base, other)
    assert table.loc["mean_commute_min", "difference"] > 0
    assert not any("no mine worker's fastest route" in n for n in table.attrs["notes"])


def test_identical_scenarios_say_no_lever_differs(base: ScenarioResult) -> None:
    table = compare(base, base)
    assert (table["difference"].dropna() == 0).all()
    assert table.attrs["notes"] == [
        "The two scenarios have the same changes and parameters: no lever could change any figure."
    ]


def test_missing_figures_stay_missing(base: ScenarioResult) -> None:
    table = compare(with_figures(base, mean_commute_min=None), base)
    assert table.loc["mean_commute_min", ["base", "difference"]].isna().all()


def test_layers_dir_fixture_is_independent_of_cwd(tmp_path: Path, layers: Any) -> None:
    assert "spur" in set(layers.roads["road_id"])


def test_printed_comparison_keeps_each_figures_precision_and_units(base: ScenarioResult) -> None:
    from tillvaxt_geo.cli.compare import shown_comparison

    table = compare(
        with_figures(base, mean_commute_min=13.0, local_residence_share=0.5, workers_total=562.5),
        with_figures(base, mean_commute_min=13.0, local_residence_share=0.55, workers_total=561.5),
        lang="sv",
    )
    shown = shown_comparison(table, lang="sv").set_index("figure")
    assert list(shown.loc["Medelrestid till gruvan (min)"]) == ["13.0", "13.0", "0.0"]
    assert list(shown.loc["Andel som bor lokalt"]) == ["50.0 %", "55.0 %", "+5.0 p.e."]
    assert list(shown.loc["Direkt anställda i gruvorna"]) == ["563", "562", "-1"]
