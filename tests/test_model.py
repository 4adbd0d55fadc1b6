"""run_scenario end to end on a small layer set made in code: invariants, not fixed outputs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import geopandas as gpd
import pytest
from conftest import SWEREF, X0, Y0
from shapely.geometry import Point

from tillvaxt_geo import ConfigError, load_layers
from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.scenario.config import parse_scenario
from tillvaxt_geo.scenario.results import compare
from tillvaxt_geo.scenario.run import run_scenario

IN_MOVERS_ONLY = {"existing_workforce_share": 0.0, "in_mover_share": 1.0, "long_distance_share": 0.0}


def scenario(**overrides: Any) -> Any:
    data: dict[str, Any] = {"name": "t", "year": 2030, "workforce": "high", "mines": {"open": ["m1"]}}
    for key, value in overrides.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    return parse_scenario(data)


@pytest.fixture
def layers(layer_dir: Path) -> Layers:
    return load_layers(layer_dir)


def run(layers: Layers, **overrides: Any) -> Any:
    return run_scenario(scenario(**overrides), layers, isochrone_minutes=(), with_fit=False)


def figures(result: Any) -> dict[str, float]:
    return dict(result.summary)


def test_workers_conserved(layers: Layers) -> None:
    s = figures(run(layers))
    assert s["workers_total"] == 250
    parts = s["workers_living_locally"] + s["in_commuters"] + s["long_distance_commuters"]
    assert parts == pytest.approx(s["workers_total"], abs=0.2)
    pools = s["breakdown"]["workers_by_pool"]
    assert s["housing_shortfall_dwellings"] == pytest.approx(pools["in_movers_without_dwelling"], abs=0.2)
    assert s["long_distance_commuters"] == pytest.approx(
        pools["in_movers_without_dwelling"] + pools["long_distance_from_start"], abs=0.2
    )
    assert sum(pools.values()) == pytest.approx(s["workers_total"], abs=0.2)
    assert s["total_jobs"] == pytest.approx(s["direct_jobs"] + s["indirect_jobs"] + s["induced_jobs"], abs=0.2)


def test_mean_commute_is_a_weighted_mean_of_the_times(layers: Layers) -> None:
    result = run(layers)
    times = result.zones["travel_time_min"]
    assert times.min() - 1e-9 <= result.summary["mean_commute_min"] <= times.max() + 1e-9
    # every worker recruited from the site's own zone area: one site, so the mean equals the weighted zone mean
    only_recruits = run(
        layers,
        commute={
            "existing_workforce_share": 1.0,
            "in_mover_share": 0.0,
            "long_distance_share": 0.0,
            "no_car_share": 0.0,
        },
    )
    zones = only_recruits.zones
    expected = (zones["workers_recruited"] * zones["travel_time_min"]).sum() / zones["workers_recruited"].sum()
    assert only_recruits.summary["mean_commute_min"] == pytest.approx(expected, abs=0.01)


def test_no_capacity_exceeded(layers: Layers) -> None:
    result = run(layers, commute=IN_MOVERS_ONLY)
    assert (result.housing["dwellings_taken"] <= result.housing["capacity_dwellings"] + 1e-6).all()
    assert (result.zones["workers_moved_in"] <= result.zones["vacant_dwellings"] + 1e-6).all()


def test_more_housing_land_never_lowers_local_workers(layers: Layers) -> None:
    before = figures(
        run(layers, commute={"existing_workforce_share": 0.2, "in_mover_share": 0.8, "long_distance_share": 0.0})
    )
    housing = layers.housing_land.copy()
    housing["capacity_dwellings"] = housing["capacity_dwellings"] + 200
    after = figures(
        run(
            layers.replace(housing_land=housing),
            commute={"existing_workforce_share": 0.2, "in_mover_share": 0.8, "long_distance_share": 0.0},
        )
    )
    assert after["workers_living_locally"] >= before["workers_living_locally"] - 1e-6
    assert after["housing_shortfall_dwellings"] <= before["housing_shortfall_dwellings"] + 1e-6


def test_faster_road_never_lowers_local_workers_when_all_zones_are_local(layers: Layers) -> None:
    before = figures(
        run(layers, commute={"existing_workforce_share": 0.2, "in_mover_share": 0.8, "long_distance_share": 0.0})
    )
    roads = layers.roads.copy()
    roads["speed_kmh"] = roads["speed_kmh"] * 1.5
    after = figures(
        run(
            layers.replace(roads=roads),
            commute={"existing_workforce_share": 0.2, "in_mover_share": 0.8, "long_distance_share": 0.0},
        )
    )
    assert after["workers_living_locally"] >= before["workers_living_locally"] - 1e-6
    assert after["workers_within_30_min"] >= before["workers_within_30_min"] - 1e-6


def test_higher_procurement_never_lowers_total_jobs(layers: Layers) -> None:
    low = figures(run(layers, economy={"local_procurement_share": 0.2}))
    high = figures(run(layers, economy={"local_procurement_share": 0.4}))
    assert high["total_jobs"] > low["total_jobs"]
    assert high["workers_living_locally"] == low["workers_living_locally"]


def test_two_companies_give_more_jobs_than_one(layers: Layers) -> None:
    sites = layers.mine_sites
    second = gpd.GeoDataFrame(
        {**{c: [sites[c].iloc[0]] for c in sites.columns if c != "geometry"}, "site_id": ["m2"], "company": ["Två AB"]},
        geometry=[Point(X0 + 9000, Y0 + 1500)],
        crs=SWEREF,
        index=["m2"],
    )
    both = layers.replace(mine_sites=gpd.GeoDataFrame(gpd.pd.concat([sites, second]), crs=SWEREF))
    one = figures(run(both))
    two = figures(run(both, mines={"open": ["m1", "m2"]}))
    assert two["total_jobs"] > one["total_jobs"]
    assert two["workers_total"] == 2 * one["workers_total"]


def test_capacity_too_small_gives_a_shortfall(layers: Layers) -> None:
    s = figures(run(layers, commute=IN_MOVERS_ONLY, mines={"open": ["m1"], "workers": {"m1": 5000}}))
    assert s["housing_shortfall_dwellings"] > 4000
    assert s["workers_total"] == 5000


def test_unknown_mine_lists_valid_sites(layers: Layers) -> None:
    with pytest.raises(ConfigError, match=r"unknown mine site 'm9'.*m1 \(Gruvan\)"):
        run(layers, mines={"open": ["m9"]})


def test_no_open_mine_gives_zeros_and_no_share(layers: Layers) -> None:
    s = figures(run(layers, mines={"open": []}))
    assert s["workers_total"] == 0 and s["total_jobs"] == 0
    assert s["local_residence_share"] is None


def test_phase_and_workforce_pick_the_columns(layers: Layers) -> None:
    assert figures(run(layers, workforce="low"))["workers_total"] == 150
    assert figures(run(layers, workforce="mid"))["workers_total"] == 200
    assert figures(run(layers, phase="construction", workforce="high"))["workers_total"] == 200


def test_housing_released_by_year(layers: Layers) -> None:
    early = run(layers, year=2026)  # h1 available from 2027
    late = run(layers, year=2027)
    assert not early.housing.loc["h1", "released"] and late.housing.loc["h1", "released"]
    assert early.housing.loc["h1", "dwellings_taken"] == 0


def test_provenance_and_compare(layers: Layers) -> None:
    a = run(layers)
    b = run(layers, economy={"local_procurement_share": 0.5})
    provenance = a.summary["provenance"]
    assert provenance["parameters"]["economy"]["local_procurement_share"] == 0.3
    assert set(provenance["layer_hashes"]) >= {"zones", "roads"}
    assert "supplier_multiplier" in provenance["parameter_sources"]
    table = compare(a, b)
    assert table.loc["indirect_jobs", "difference_value"] == pytest.approx(
        b.summary["indirect_jobs"] - a.summary["indirect_jobs"]
    )
    assert (
        table.loc["indirect_jobs", "difference"]
        == table.loc["indirect_jobs", "other"] - table.loc["indirect_jobs", "base"]
    )
    assert table.loc["workers_total", "difference"] == 0


def test_default_preference_is_the_calibrated_one() -> None:
    """The default [commute] decay is the best fit on the embedded region, not a guess."""
    from tillvaxt_geo.scenario.config import CommuteParams
    from tillvaxt_geo.scenario.run import calibrate_layers

    fit = calibrate_layers(load_layers(), form="log_logistic")
    default = CommuteParams().decay
    assert fit.decay.form == default.form
    assert fit.decay.midpoint_min == pytest.approx(default.midpoint_min, abs=1.0)
    assert fit.decay.shape == pytest.approx(default.shape, abs=0.5)


def test_housing_constraints_reduce_capacity_and_are_reported(layers: Layers, tmp_path: Path) -> None:
    from shapely.geometry import box

    constraint = gpd.GeoDataFrame(
        {"name": ["Natura 2000"], "reduction": [1.0]},
        geometry=[box(X0 + 100, Y0 + 100, X0 + 250, Y0 + 400)],  # half of housing area h1
        crs=SWEREF,
    )
    path = tmp_path / "natura.gpkg"
    constraint.to_file(path)
    base = run(layers, commute=IN_MOVERS_ONLY)
    constrained = run(layers, commute=IN_MOVERS_ONLY, housing={"constraints": [str(path)]})
    assert constrained.housing.loc["h1", "capacity_dwellings"] == 60  # floor(120 × (1 − 0.5))
    report = constrained.summary["provenance"]["housing_constraints"]
    assert report["reduction_dwellings"] == 60 and report["areas"][0]["housing_id"] == "h1"
    assert constrained.summary["workers_living_locally"] <= base.summary["workers_living_locally"] + 1e-6
    assert (constrained.housing["dwellings_taken"] <= constrained.housing["capacity_dwellings"] + 1e-6).all()


def test_land_share_available_is_monotone(layers: Layers) -> None:
    shares = [0.0, 0.25, 1.0]
    results = [figures(run(layers, commute=IN_MOVERS_ONLY, housing={"land_share_available": s})) for s in shares]
    local = [r["workers_living_locally"] for r in results]
    assert local == sorted(local)
    none = run(layers, commute=IN_MOVERS_ONLY, housing={"land_share_available": 0.0})
    assert (none.housing["dwellings_taken"] == 0).all()
