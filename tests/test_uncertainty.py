"""Uncertainty runs on a small layer set made in code: the parameter table, sampling, ranges and Sobol indices.

Invariants, not fixed outputs: prepare + evaluate equals run_scenario, a zero
range gives a zero index, a wider range gives a wider output range, the same
seed gives the same figures, a scenario compared with itself differs by zero.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillvaxt_geo import ConfigError, load_layers
from tillvaxt_geo.cli.main import main
from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.figures import FIGURES
from tillvaxt_geo.scenario.config import parse_scenario
from tillvaxt_geo.scenario.engine import map_chunks
from tillvaxt_geo.scenario.parameter_table import (
    PARAMETERS,
    Distribution,
    Kind,
    default_table,
)
from tillvaxt_geo.scenario.run import evaluate, prepare_run, run_scenario, summary_figures
from tillvaxt_geo.scenario.uncertainty import (
    apply_parameters,
    base_samples,
    compare_uncertainty,
    sample_unit,
    uncertainty,
)

FAST = {"commute.decay": {"distribution": "fixed"}}  # no calibration search on the tiny layer set


def scenario(**overrides: Any) -> Any:
    data: dict[str, Any] = {"name": "t", "year": 2030, "mines": {"open": ["m1"]}, "uncertainty": dict(FAST)}
    for key, value in overrides.items():
        data[key] = {**data[key], **value} if isinstance(value, dict) and isinstance(data.get(key), dict) else value
    return parse_scenario(data)


@pytest.fixture
def layers(layer_dir: Path) -> Layers:
    return load_layers(layer_dir)


# --- the prepared run -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {
            "workforce": "high",
            "commute": {"existing_workforce_share": 0.6, "in_mover_share": 0.3, "long_distance_share": 0.1},
        },
    ],
)
def test_prepare_and_evaluate_give_the_figures_of_run_scenario(layers: Layers, overrides: dict[str, Any]) -> None:
    s = scenario(**overrides)
    full = run_scenario(s, layers, isochrone_minutes=(), with_fit=False).summary
    split = summary_figures(s, evaluate(prepare_run(s, layers), s))
    assert {k: full[k] for k in split} == split


def test_evaluate_refuses_a_scenario_prepared_differently(layers: Layers) -> None:
    prepared = prepare_run(scenario(), layers)
    with pytest.raises(ConfigError, match="prepare_run"):
        evaluate(prepared, scenario(year=2021))


def test_for_samples_drops_network_but_evaluates_the_same(layers: Layers) -> None:
    s = scenario()
    prepared = prepare_run(s, layers)
    light = prepared.for_samples()
    assert light.net is None and light.layers is None
    assert evaluate(light, s) == evaluate(prepared, s)


# --- the parameter table ----------------------------------------------------------------------------------------


def test_shipped_table_names_parameters_with_sources() -> None:
    table = default_table()
    assert len(table) >= 10
    for entry in table.entries:
        assert entry.name in PARAMETERS
        assert entry.source.strip(), f"{entry.name} has no source"
    assert any(e.estimated for e in table.entries)


def test_every_shipped_parameter_applies_to_a_scenario() -> None:
    s = scenario()
    for entry in default_table().entries:
        if entry.distribution.kind is Kind.CALIBRATED:
            continue
        low = apply_parameters(s, {entry.name: entry.distribution.value(0.0)}).parameters()
        high = apply_parameters(s, {entry.name: entry.distribution.value(1.0)}).parameters()
        assert low != high, f"{entry.name} does not change the scenario"


@pytest.mark.parametrize(
    ("name", "entry", "match"),
    [
        ("economy.local_procurement_share", {"distribution": "uniform", "min": 0.4, "max": 0.2}, "greater than max"),
        (
            "economy.local_procurement_share",
            {"distribution": "unifrom", "min": 0.1, "max": 0.2},
            "Did you mean 'uniform'",
        ),
        (
            "economy.local_procurment_share",
            {"distribution": "uniform", "min": 0.1, "max": 0.2},
            "local_procurement_share",
        ),
        ("economy.local_procurement_share", {"distribution": "uniform", "min": 0.1, "max": 1.2}, "valid range"),
        ("economy.local_procurement_share", {"distribution": "triangular", "min": 0.1, "max": 0.2}, "needs mode"),
        ("economy.local_procurement_share", {"distribution": "uniform", "min": 0.1, "max": 0.2, "x": 1}, "unknown key"),
        ("workforce", {"distribution": "choice", "values": ["low", "huge"]}, "workforce values"),
        ("commute.in_mover_share", {"distribution": "calibrated", "tolerance": 0.1}, "only commute.decay"),
    ],
)
def test_bad_entries_are_config_errors_naming_the_key(name: str, entry: dict[str, Any], match: str) -> None:
    with pytest.raises(ConfigError, match=match) as info:
        parse_scenario({"name": "t", "uncertainty": {name: entry}})
    assert name in str(info.value)


@given(st.floats(0, 1), st.floats(0, 1), st.floats(0, 10), st.floats(0, 10), st.floats(0, 1))
def test_distribution_values_are_monotone_and_within_bounds(u1: float, u2: float, a: float, w: float, m: float) -> None:
    for dist in (
        Distribution(Kind.UNIFORM, bounds=(a, a + w)),
        Distribution(Kind.TRIANGULAR, bounds=(a, a + m * w, a + w)),
    ):
        lo, hi = sorted((u1, u2))
        assert a - 1e-9 <= dist.value(lo) <= dist.value(hi) + 1e-9 <= a + w + 2e-9


def test_samples_zero_and_too_few_are_config_errors() -> None:
    with pytest.raises(ConfigError, match="samples"):
        base_samples(0, 5)
    with pytest.raises(ConfigError, match=r"at least 2 × \(5 \+ 2\) = 14"):
        base_samples(13, 5)
    assert base_samples(2000, 13) == 128


def test_unit_design_is_seeded_and_fills_the_cube() -> None:
    a, n = sample_unit(3, 200, seed=4)
    b, _ = sample_unit(3, 200, seed=4)
    c, _ = sample_unit(3, 200, seed=5)
    assert a.shape == (n * 5, 3) and np.array_equal(a, b) and not np.array_equal(a, c)
    assert a.min() >= 0 and a.max() <= 1


# --- ranges and indices -----------------------------------------------------------------------------------------

PARAMS = ("economy.local_procurement_share", "economy.household_multiplier", "commute.in_mover_share")


def test_a_parameter_with_zero_range_has_zero_sobol_index(layers: Layers) -> None:
    s = scenario(uncertainty={"economy.household_multiplier": {"distribution": "uniform", "min": 0.5, "max": 0.5}})
    result = uncertainty(s, layers=layers, samples=200, seed=1, only=PARAMS)
    indices = result.sobol[result.sobol["parameter"] == "economy.household_multiplier"]
    defined = {k for k in result.outputs if result.outputs[k].notna().all()}  # no timetable: no pt figures
    assert set(indices["figure"]) == defined and len(defined) >= len([f for f in FIGURES if not f.key.endswith("_pt")])
    assert (indices[["S1", "ST"]].abs().to_numpy() == 0).all()
    assert result.drivers("total_jobs").iloc[0]["ST"] > 0  # something else moves total jobs


def test_widening_one_range_widens_the_output_range(layers: Layers) -> None:
    def spread(low: float, high: float) -> tuple[float, float]:
        entry = {"distribution": "uniform", "min": low, "max": high}
        result = uncertainty(scenario(uncertainty={"economy.local_procurement_share": entry}), layers=layers,
                             samples=200, seed=2, only=PARAMS)  # fmt: skip
        row = result.percentiles.set_index("figure").loc["indirect_jobs"]
        return row["p90"] - row["p10"], row["max"] - row["min"]

    narrow, wide = spread(0.25, 0.35), spread(0.1, 0.6)
    assert wide[0] > narrow[0] and wide[1] > narrow[1]


def test_procurement_drives_indirect_jobs_alone(layers: Layers) -> None:
    result = uncertainty(scenario(), layers=layers, samples=200, seed=3, only=PARAMS)
    top = result.drivers("indirect_jobs").iloc[0]
    assert top["parameter"] == "economy.local_procurement_share" and top["ST"] > 0.9
    hm = result.sobol.query("figure == 'indirect_jobs' and parameter == 'economy.household_multiplier'")
    assert float(hm["ST"].iloc[0]) == 0.0  # indirect = direct × multiplier × procurement: no household term


def test_same_seed_same_figures_other_seed_other(layers: Layers) -> None:
    a = uncertainty(scenario(), layers=layers, samples=100, seed=7, only=PARAMS)
    b = uncertainty(scenario(), layers=layers, samples=100, seed=7, only=PARAMS, chunk_size=5)
    c = uncertainty(scenario(), layers=layers, samples=100, seed=8, only=PARAMS)
    assert a.outputs.equals(b.outputs) and a.sobol.equals(b.sobol)
    assert not a.outputs.equals(c.outputs)


def test_percentiles_are_ordered_and_verdict_names_a_parameter(layers: Layers) -> None:
    result = uncertainty(scenario(), layers=layers, samples=200, seed=1, only=PARAMS)
    p = result.percentiles.dropna()
    assert ((p["min"] <= p["p10"]) & (p["p10"] <= p["p50"]) & (p["p50"] <= p["p90"]) & (p["p90"] <= p["max"])).all()
    assert "80 % range" in result.verdict() and "mostly a question of" in result.verdict()


def test_a_scenario_compared_with_itself_differs_by_zero(layers: Layers) -> None:
    result = compare_uncertainty(scenario(), scenario(), layers=layers, samples=100, seed=1, only=PARAMS)
    finite = result.outputs.to_numpy()[np.isfinite(result.outputs.to_numpy())]
    assert (finite == 0).all()
    assert result.comparison == ("t", "t")


def test_comparison_uses_common_samples(layers: Layers) -> None:
    high = scenario(workforce="high")
    low = scenario(workforce="low")
    diff = compare_uncertainty(low, high, layers=layers, samples=100, seed=1, only=PARAMS)
    alone_low = uncertainty(low, layers=layers, samples=100, seed=1, only=PARAMS)
    alone_high = uncertainty(high, layers=layers, samples=100, seed=1, only=PARAMS)
    expected = alone_high.outputs["total_jobs"] - alone_low.outputs["total_jobs"]
    assert np.allclose(diff.outputs["total_jobs"], expected, atol=0.2)
    assert (diff.outputs["direct_jobs"] == 100).all()  # 250 − 150 workers in every sample


def test_chunk_size_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="chunk_size"):
        map_chunks(lambda shared, rows: rows, None, np.zeros((4, 1)), chunk_size=0)


# --- command line -----------------------------------------------------------------------------------------------


def test_cli_writes_a_complete_result(layer_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "t.toml"
    path.write_text(
        'name = "t"\n[mines]\nopen = ["m1"]\n[uncertainty."commute.decay"]\ndistribution = "fixed"\n', encoding="utf-8"
    )
    main(["uncertainty", str(path), "--serial", "--samples", "150", "--layers", str(layer_dir), "--out", str(tmp_path)])
    out = capsys.readouterr().out
    assert "total_jobs" in out and "[E]" in out and "Where the ranges come from" in out
    document = json.loads((tmp_path / "t" / "uncertainty.json").read_text(encoding="utf-8"))
    assert document["complete"] is True
    assert document["samples"] == document["saltelli_base_samples"] * (len(document["parameters"]) + 2) <= 150
    total = document["figures"]["total_jobs"]
    assert total["p10"] <= total["p50"] <= total["p90"]
    assert all(p["source"] for p in document["parameters"])
    for name in ("uncertainty.csv", "sobol.csv", "samples.csv", "uncertainty.png"):
        assert (tmp_path / "t" / name).stat().st_size > 0


def test_cli_samples_zero_is_a_clear_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["uncertainty", "two_companies", "--samples", "0", "--serial"])
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "--samples" in err and "Traceback" not in err
