"""The residence model on the embedded region: consistent with today's commuting, and moved by its levers.

Each check runs the same allocation every scenario uses, with default
parameters; the observed figures are SCB register data via Region Dalarna
(FACTS §12), not the model's own output.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from typing import Any

import pytest

import tillvaxt_geo as tg
from tillvaxt_geo.model.calibration import OBSERVED_IN_COMMUTER_SHARE
from tillvaxt_geo.scenario.config import bundled_scenarios
from tillvaxt_geo.scenario.run import run_workplace

TOLERANCE_POINTS = 0.05


@cache
def _layers() -> Any:
    return tg.load_layers()


def _run(scenario: Any, layers: Any = None) -> Any:
    return tg.run_scenario(scenario, layers if layers is not None else _layers(), isochrone_minutes=(), with_fit=False)


@cache
def _base() -> Any:
    return _run(tg.load_scenario("two_companies"))


def _hypothetical_workplace(zone_id: str, workers: int = 500) -> Any:
    """A new workplace of ``workers`` jobs at a zone's point, run through the scenario allocation."""
    return run_workplace(tg.load_scenario("two_companies"), _layers(), zone_id, workers=workers)


@pytest.mark.parametrize("municipality", sorted(OBSERVED_IN_COMMUTER_SHARE))
def test_a_new_workplace_draws_in_commuters_as_todays_jobs_do(municipality: str) -> None:
    zones = _layers().zones
    centre = zones[(zones["municipality"] == municipality) & (zones["kind"] == "settlement")]["population"].idxmax()
    result = _hypothetical_workplace(str(centre))
    homes = result.summary["breakdown"]["workers_by_home_municipality"]
    in_commuters = 1.0 - homes.get(municipality, 0.0) / result.summary["workers_total"]
    observed = OBSERVED_IN_COMMUTER_SHARE[municipality]
    assert abs(in_commuters - observed) <= TOLERANCE_POINTS, (
        f"a 500-job workplace in {municipality} fills {in_commuters:.1%} from other municipalities; "
        f"today's jobs there {observed:.1%} (FACTS §12)"
    )


def test_more_dwellings_in_the_study_area_raise_workers_living_locally() -> None:
    base = _base()
    housing = _layers().housing_land.copy()
    local = housing["municipality"].isin(["Ludvika", "Smedjebacken"]) & (housing["available_from"] <= 2030)
    first = housing.index[local][0]
    share = tg.load_scenario("two_companies").housing.land_share_available
    housing.loc[first, "capacity_dwellings"] = housing.loc[first, "capacity_dwellings"] + round(500 / share)
    more = _run(tg.load_scenario("two_companies"), _layers().replace(housing_land=housing))
    assert more.summary["workers_living_locally"] > base.summary["workers_living_locally"] + 1.0


def test_without_the_study_areas_vacant_stock_fewer_live_locally() -> None:
    # with the default share of new land the in-movers find land instead, so the vacant stock matters
    # where no land is open: the study area's vacant dwellings removed, the in-movers go elsewhere
    scenario = tg.load_scenario("two_companies")
    scenario = scenario.replace(housing=dataclasses.replace(scenario.housing, land_share_available=0.0))
    base = _run(scenario)
    zones = _layers().zones.copy()
    local = zones["municipality"].isin(["Ludvika", "Smedjebacken"])
    zones.loc[local, "vacant_dwellings"] = 0
    none = _run(scenario, _layers().replace(zones=zones))
    assert none.summary["workers_living_locally"] < base.summary["workers_living_locally"] - 0.5
    assert none.summary["in_commuters"] > base.summary["in_commuters"]


def test_without_vacant_stock_or_new_land_a_shortfall_appears() -> None:
    base = _base()
    scenario = tg.load_scenario("two_companies")
    housing = dataclasses.replace(scenario.housing, vacant_share_available=0.0, land_share_available=0.0)
    none = _run(scenario.replace(housing=housing))
    assert none.summary["housing_shortfall_dwellings"] > base.summary["housing_shortfall_dwellings"] + 10
    assert none.summary["workers_living_locally"] < base.summary["workers_living_locally"] - 10


def test_a_faster_road_to_borlange_raises_in_commuters() -> None:
    base = _base()
    roads = _layers().roads.copy()
    toward = roads["ref"].astype(str).isin(["50", "E16"])
    roads.loc[toward, "speed_kmh"] = (roads.loc[toward, "speed_kmh"] * 1.3).clip(upper=120)
    faster = _run(tg.load_scenario("two_companies"), _layers().replace(roads=roads))
    by = faster.summary["breakdown"]["workers_by_home_municipality"]
    before = base.summary["breakdown"]["workers_by_home_municipality"]
    assert faster.summary["in_commuters"] > base.summary["in_commuters"]
    assert by.get("Borlänge", 0.0) > before.get("Borlänge", 0.0)


def test_a_public_transport_link_to_the_mines_lets_more_workers_reach_them_by_public_transport() -> None:
    # the work buses from Ludvika station to the mines (bundled mine_shuttle); the half-hourly train to
    # Borlänge alone shortens no trip to a mine (the direct bus stays faster; docs/model.md)
    base = _base()
    shuttle = _run(tg.load_scenario("mine_shuttle"))
    assert shuttle.summary["workers_within_45_min_pt"] > base.summary["workers_within_45_min_pt"]


# a train that shortens no trip to a mine changes no figure; `compare` says why (docs/model.md)
UNCHANGED = {"rail_borlange_30min"}


@pytest.mark.parametrize(
    "path", [p for p in bundled_scenarios() if p.stem not in ("two_companies", "baseline", *UNCHANGED)]
)
def test_every_alternative_differs_from_two_companies_in_a_headline_figure(path: Any) -> None:
    base = _base().figures()
    other = _run(tg.load_scenario(path)).figures()
    differs = [k for k in base if base[k] is not None and other[k] is not None and abs(other[k] - base[k]) >= 0.05]
    assert differs, f"{path.stem} changes no headline figure of two_companies"


@pytest.mark.parametrize(("column", "what"), [("labour_force", "employed residents"), ("dwellings", "dwellings")])
def test_a_populated_zone_without_workers_or_dwellings_is_named(column: str, what: str) -> None:
    zones = _layers().zones.copy()
    zones.loc["ludvika", column] = 0
    with pytest.raises(tg.ConfigError, match=rf"zones.*'{column}'.*ludvika \(Ludvika\).*no {what}"):
        _run(tg.load_scenario("two_companies"), _layers().replace(zones=zones))
