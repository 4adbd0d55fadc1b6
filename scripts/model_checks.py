#!/usr/bin/env python3
"""Print the residence model's checks on the embedded region as Markdown tables (for docs/model.md).

Run: ``python scripts/model_checks.py``. The same checks are tests
(``tests/test_residence_model.py``); this prints the figures behind them:

1. consistency: a hypothetical 500-job workplace at Ludvika and at
   Smedjebacken, filled with the default parameters, against today's
   in-commuters' share of the jobs there (FACTS §12);
2. levers: the headline figures of ``two_companies`` with more housing land,
   without the vacant stock, with a faster road to Borlänge, and with the
   bundled alternatives;
3. the calibration of the commute preference (fit, time, iterations).
"""

from __future__ import annotations

import dataclasses
import sys
import time
from pathlib import Path
from typing import Any

import tillvaxt_geo as tg
from tillvaxt_geo.model.calibration import OBSERVED_IN_COMMUTER_SHARE
from tillvaxt_geo.scenario.config import bundled_scenarios
from tillvaxt_geo.scenario.run import run_workplace

sys.path.insert(0, str(Path(__file__).resolve().parent))

FIGURES = (
    "workers_living_locally",
    "local_residence_share",
    "in_commuters",
    "long_distance_commuters",
    "housing_shortfall_dwellings",
    "workers_within_45_min_pt",
    "total_jobs",
)


def run(scenario: Any, layers: Any) -> Any:
    return tg.run_scenario(scenario, layers, isochrone_minutes=(), with_fit=False)


def workplace(layers: Any, zone_id: str, workers: int = 500) -> Any:
    return run_workplace(tg.load_scenario("two_companies"), layers, zone_id, workers=workers)


def consistency(layers: Any) -> None:
    print("| workplace (500 jobs) | in-commuters' share, model | today (FACTS §12) | difference |")
    print("|---|---:|---:|---:|")
    zones = layers.zones
    for municipality, observed in sorted(OBSERVED_IN_COMMUTER_SHARE.items()):
        centre = zones[(zones["municipality"] == municipality) & (zones["kind"] == "settlement")]["population"].idxmax()
        result = workplace(layers, str(centre))
        homes = result.summary["breakdown"]["workers_by_home_municipality"]
        share = 1.0 - homes.get(municipality, 0.0) / result.summary["workers_total"]
        print(f"| {municipality} ({centre}) | {share:.1%} | {observed:.1%} | {100 * (share - observed):+.1f} points |")


def levers(layers: Any) -> None:
    base_scenario = tg.load_scenario("two_companies")
    cases: dict[str, Any] = {"two_companies": run(base_scenario, layers)}
    housing = layers.housing_land.copy()
    local = housing["municipality"].isin(["Ludvika", "Smedjebacken"]) & (housing["available_from"] <= 2030)
    first = housing.index[local][0]
    housing.loc[first, "capacity_dwellings"] += round(500 / base_scenario.housing.land_share_available)
    cases["+500 dwellings open to in-movers"] = run(base_scenario, layers.replace(housing_land=housing))
    no_vacant = base_scenario.replace(housing=dataclasses.replace(base_scenario.housing, vacant_share_available=0.0))
    cases["no vacant stock"] = run(no_vacant, layers)
    roads = layers.roads.copy()
    toward = roads["ref"].astype(str).isin(["50", "E16"])
    roads.loc[toward, "speed_kmh"] = (roads.loc[toward, "speed_kmh"] * 1.3).clip(upper=120)
    cases["rv 50 / E16 30 % faster"] = run(base_scenario, layers.replace(roads=roads))
    for path in bundled_scenarios():
        if path.stem not in ("two_companies", "baseline", "nio_only"):
            cases[path.stem] = run(tg.load_scenario(path), layers)
    print("| case | " + " | ".join(FIGURES) + " |")
    print("|---|" + "---:|" * len(FIGURES))
    for name, result in cases.items():
        cells = []
        for key in FIGURES:
            value = result.summary.get(key)
            cells.append("–" if value is None else f"{value:.1%}" if key.endswith("share") else f"{value:,.1f}")
        print(f"| {name} | " + " | ".join(cells) + " |")


def calibration(layers: Any) -> None:
    started = time.perf_counter()
    fit = tg.calibrate_layers(layers)
    print(f"calibrated in {time.perf_counter() - started:.1f} s: {fit.decay.parameters()}, objective {fit.error:.4f}")
    if fit.optimisation is not None:
        print(f"optimisation: {fit.optimisation.as_dict()}")
    print("| municipality | measure | observed | modelled |")
    print("|---|---|---:|---:|")
    for row in fit.home_share.itertuples():
        print(f"| {row.municipality} | {row.measure} | {row.observed:.1%} | {row.modelled:.1%} |")


def main() -> None:
    layers = tg.load_layers()
    print("## Consistency with today's commuting\n")
    consistency(layers)
    print("\n## Levers (two_companies, default parameters)\n")
    levers(layers)
    print("\n## Calibration\n")
    calibration(layers)


if __name__ == "__main__":
    main()
