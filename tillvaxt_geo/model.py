"""Running a scenario end to end: layers → changes → network → commute model → economy.

:func:`run_scenario` is the one function planners' runs and scripts call; it
returns a :class:`~tillvaxt_geo.results.ScenarioResult` value and writes
nothing.
"""

from __future__ import annotations

import difflib
import logging
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from tillvaxt_geo._version import __version__
from tillvaxt_geo.calibration import CommuteFit, calibrate_decay, commute_fit, intrazonal_times
from tillvaxt_geo.commute import allocate_residences
from tillvaxt_geo.decay import DecayForm
from tillvaxt_geo.economy import ECONOMY_SOURCES, employment
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.layers import Layers, load_layers
from tillvaxt_geo.results import ScenarioResult
from tillvaxt_geo.scenario import COMMUTE_SOURCES, Scenario, Workforce

__all__ = ["calibrate_layers", "load_scenario_layers", "run_scenario", "site_workers", "time_matrix"]

log = logging.getLogger(__name__)


def load_scenario_layers(scenario: Scenario) -> Layers:
    """Load the layer set a scenario names (embedded region by default)."""
    path = None if scenario.layers.path == "embedded" else scenario.layers.path
    return load_layers(path, overrides=dict(scenario.layers.overrides), crs=scenario.working_crs)


def site_workers(sites: pd.DataFrame, scenario: Scenario) -> pd.Series:
    """Direct workers per open site for the scenario's phase and workforce end.

    ``mid`` is the rounded mean of low and high; ``[mines.workers]`` overrides
    a site's figure.
    """
    phase = scenario.phase.value
    low = sites[f"workers_{phase}_low"].astype(float)
    high = sites[f"workers_{phase}_high"].astype(float)
    if scenario.workforce is Workforce.LOW:
        workers = low
    elif scenario.workforce is Workforce.HIGH:
        workers = high
    else:
        workers = ((low + high) / 2.0).round()
    for site, count in scenario.mines.workers.items():
        workers.loc[site] = float(count)
    return workers.rename("workers")


def _check_sites(scenario: Scenario, sites: pd.DataFrame) -> None:
    known = list(sites.index)
    names = dict(zip(sites.index, sites["name"], strict=True))
    for site in [*scenario.mines.open, *scenario.mines.workers]:
        if site not in known:
            close = difflib.get_close_matches(site, known, n=3)
            hint = f" Did you mean {', '.join(close)}?" if close else ""
            valid = ", ".join(f"{k} ({names[k]})" for k in known)
            raise ConfigError(
                f"scenario '{scenario.name}' names unknown mine site '{site}'.{hint} Valid sites: {valid}"
            )


def time_matrix(net: Any, origins: gpd.GeoDataFrame, destinations: gpd.GeoDataFrame, *, mode: str) -> np.ndarray:
    """Travel times in minutes as an origins × destinations array (NaN unreachable)."""
    from tillvaxt_geo.routing import travel_times

    if len(origins) == 0 or len(destinations) == 0:
        return np.full((len(origins), len(destinations)), np.nan)
    table = travel_times(net, origins, destinations, mode=mode)
    wide = table.pivot(index="from_id", columns="to_id", values="travel_time_min")
    wide = wide.reindex(index=[str(i) for i in origins.index], columns=[str(i) for i in destinations.index])
    return wide.to_numpy(dtype=float, copy=True)


def _released_housing(housing: gpd.GeoDataFrame | None, scenario: Scenario) -> pd.Series:
    if housing is None or len(housing) == 0:
        return pd.Series(dtype=bool)
    released = housing["available_from"].astype(int) <= scenario.year
    extra = scenario.housing.extra_release_year
    if extra is not None and extra <= scenario.year:
        released |= housing["status"] == "proposed"
    return released.rename("released")


def run_scenario(
    scenario: Scenario,
    layers: Layers | None = None,
    *,
    isochrone_minutes: Sequence[float] = (15, 30, 45, 60),
    with_fit: bool = True,
) -> ScenarioResult:
    """Run one scenario and return its result.

    Parameters
    ----------
    scenario
        The scenario (see :func:`tillvaxt_geo.scenario.load_scenario`).
    layers
        A layer set to use instead of the one the scenario names.
    isochrone_minutes
        Catchment bands computed for the open sites (empty to skip).
    with_fit
        Also evaluate the commute model against today's commuting.

    Returns
    -------
    ScenarioResult
        Figures, tables and layers of the run, stamped with provenance.
    """
    from tillvaxt_geo.network import build_network

    timings: dict[str, float] = {}
    clock = time.perf_counter()
    base = layers if layers is not None else load_scenario_layers(scenario)
    timings["load_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    edited = base
    if scenario.changes:
        from tillvaxt_geo.edits import apply_changes

        edited = apply_changes(base, list(scenario.changes))
    zones = edited.require("zones", needed_for="the commute model")
    sites = edited.require("mine_sites", needed_for="the commute model")
    housing = edited.housing_land
    _check_sites(scenario, sites)
    net = build_network(edited)
    timings["network_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    housing, constraint_report = _constrain_housing(housing, sites, scenario)
    workers_all = site_workers(sites, scenario)
    open_ids = list(scenario.mines.open)
    open_sites = sites.loc[open_ids]
    workers = workers_all.loc[open_ids].to_numpy(dtype=float)
    released = _released_housing(housing, scenario)
    free_housing = housing.loc[released] if housing is not None and len(released) else None
    mode = scenario.commute.mode
    decay = scenario.commute.decay
    t_zones = time_matrix(net, zones, open_sites, mode=mode).T  # sites × zones
    t_housing = (
        time_matrix(net, free_housing, open_sites, mode=mode).T
        if free_housing is not None and len(free_housing)
        else np.zeros((len(open_ids), 0))
    )
    limit = scenario.commute.max_time_min
    acceptance = scenario.commute.acceptance

    def accept(t: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(t) & (t <= limit), acceptance(t), 0.0)

    vacant = zones["vacant_dwellings"].to_numpy(float) * scenario.housing.vacant_share_available
    housing_capacity = (
        free_housing["capacity_dwellings"].to_numpy(float) * scenario.housing.land_share_available
        if free_housing is not None
        else np.zeros(0)
    )
    allocation = allocate_residences(
        workers,
        recruit_local_share=scenario.commute.recruit_local_share,
        labour_force=zones["labour_force"].to_numpy(float),
        acceptance_zones=accept(t_zones),
        capacity=np.concatenate([vacant, housing_capacity]),
        acceptance_units=accept(np.concatenate([t_zones, t_housing], axis=1)),
        preference_zones=decay(t_zones),
        preference_units=decay(np.concatenate([t_zones, t_housing], axis=1)),
        dwellings_per_worker=scenario.commute.dwellings_per_worker,
    )
    timings["commute_s"] = time.perf_counter() - clock

    n_zones = len(zones)
    movers_zones = allocation.movers[:, :n_zones]
    movers_housing = allocation.movers[:, n_zones:]
    study = list(scenario.study_area)
    local_zone = (zones["municipality"].isin(study) & (zones["kind"] != "external")).to_numpy()
    local_housing = (
        free_housing["municipality"].isin(study).to_numpy() if free_housing is not None else np.zeros(0, bool)
    )
    home_zone = allocation.recruits + movers_zones
    local_by_site = home_zone[:, local_zone].sum(axis=1) + movers_housing[:, local_housing].sum(axis=1)
    outside_by_site = home_zone[:, ~local_zone].sum(axis=1) + movers_housing[:, ~local_housing].sum(axis=1)

    def within(minutes: float) -> np.ndarray:
        return (home_zone * (t_zones <= minutes)).sum(axis=1) + (movers_housing * (t_housing <= minutes)).sum(axis=1)

    def commute_minutes() -> np.ndarray:
        """Per site: worker-minutes of the daily commutes (long-distance commuters excluded)."""
        zone_part = np.where(home_zone > 0, home_zone * np.nan_to_num(t_zones), 0.0).sum(axis=1)
        housing_part = np.where(movers_housing > 0, movers_housing * np.nan_to_num(t_housing), 0.0).sum(axis=1)
        return np.asarray(zone_part + housing_part)

    dpw = scenario.commute.dwellings_per_worker
    per_site = pd.DataFrame(
        {
            "site_id": open_ids,
            "name": open_sites["name"].to_numpy(),
            "company": open_sites["company"].to_numpy(),
            "workers_total": workers,
            "workers_living_locally": local_by_site,
            "workers_within_30_min": within(30),
            "workers_within_45_min": within(45),
            "in_commuters": outside_by_site,
            "long_distance_commuters": allocation.unhoused,
            "housing_shortfall_dwellings": allocation.unhoused * dpw,
            "commute_worker_minutes": commute_minutes(),
        }
    )
    daily = per_site["workers_total"] - per_site["long_distance_commuters"]
    per_site["mean_commute_min"] = np.where(
        daily > 0, per_site["commute_worker_minutes"] / daily.clip(lower=1e-9), np.nan
    )
    totals = per_site.drop(columns=["site_id", "name", "company", "mean_commute_min"]).sum()
    total_workers = float(totals["workers_total"])
    daily_total = float(daily.sum())
    mean_commute = float(totals["commute_worker_minutes"] / daily_total) if daily_total > 0 else None
    share = float(totals["workers_living_locally"] / total_workers) if total_workers > 0 else None
    if share is not None and 1.0 < share <= 1.0 + 1e-9:
        share = 1.0  # float round-off of the per-zone sums; a real excess still fails in employment()
    jobs = employment(total_workers, share or 0.0, scenario.economy)

    reach = _population_within(net, zones, open_sites)

    clock = time.perf_counter()
    fit = _fit(net, zones, scenario) if with_fit else {}
    timings["fit_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    iso = _isochrones(net, open_sites, isochrone_minutes, mode)
    timings["isochrones_s"] = time.perf_counter() - clock

    zones_out = zones.copy()
    zones_out["workers_recruited"] = allocation.recruits.sum(axis=0)
    zones_out["workers_moved_in"] = movers_zones.sum(axis=0)
    zones_out["workers_resident"] = zones_out["workers_recruited"] + zones_out["workers_moved_in"]
    zones_out["travel_time_min"] = np.nanmin(t_zones, axis=0) if len(open_ids) else np.nan
    zones_out["local"] = local_zone

    housing_out = _housing_table(housing, released, free_housing, movers_housing, dpw)
    sites_out = sites.copy()
    sites_out["open"] = sites_out.index.isin(open_ids)
    sites_out["workers"] = 0.0
    sites_out.loc[open_ids, "workers"] = workers
    for column in ("workers_living_locally", "workers_within_45_min", "in_commuters", "long_distance_commuters"):
        sites_out[column] = 0.0
        sites_out.loc[open_ids, column] = per_site[column].to_numpy()

    summary: dict[str, Any] = {
        "scenario": scenario.name,
        "workers_total": round(total_workers, 1),
        "workers_living_locally": round(float(totals["workers_living_locally"]), 1),
        "local_residence_share": round(share, 4) if share is not None else None,
        "workers_within_30_min": round(float(totals["workers_within_30_min"]), 1),
        "workers_within_45_min": round(float(totals["workers_within_45_min"]), 1),
        "in_commuters": round(float(totals["in_commuters"]), 1),
        "long_distance_commuters": round(float(totals["long_distance_commuters"]), 1),
        "housing_shortfall_dwellings": round(float(totals["housing_shortfall_dwellings"]), 1),
        "mean_commute_min": round(mean_commute, 2) if mean_commute is not None else None,
        "direct_jobs": round(jobs.direct_jobs, 1),
        "indirect_jobs": round(jobs.indirect_jobs, 1),
        "induced_jobs": round(jobs.induced_jobs, 1),
        "total_jobs": round(jobs.total_jobs, 1),
        **reach,
    }
    summary["provenance"] = {
        "package_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario_title": scenario.title,
        "scenario_file": scenario.source_path,
        "scenario_file_sha256": scenario.source_sha256,
        "layer_files": dict(edited.sources),
        "layer_hashes": dict(edited.hashes),
        "working_crs": edited.crs.to_string(),
        "parameters": scenario.parameters(),
        "parameter_sources": {**COMMUTE_SOURCES, **ECONOMY_SOURCES},
        "housing_allocation": {"iterations": allocation.iterations, "residual_workers": allocation.residual},
        "housing_constraints": constraint_report,
        "commute_fit": fit,
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }
    return ScenarioResult(
        scenario=scenario,
        summary=summary,
        zones=zones_out,
        housing=housing_out,
        sites=sites_out,
        per_site=per_site,
        isochrones=iso,
        fit=fit,
        layers=edited,
        allocation={"iterations": allocation.iterations, "residual": allocation.residual},
    )


def _constrain_housing(
    housing: gpd.GeoDataFrame | None, sites: gpd.GeoDataFrame, scenario: Scenario
) -> tuple[gpd.GeoDataFrame | None, dict[str, Any]]:
    """Apply the scenario's housing constraints; report what each housing area lost."""
    params = scenario.housing
    if housing is None or (not params.constraints and params.mine_buffer_m <= 0):
        return housing, {}
    from tillvaxt_geo.constraints import apply_constraints, buffer_constraints, read_constraints

    parts = [read_constraints(path).to_crs(housing.crs) for path in params.constraints]
    if params.mine_buffer_m > 0 and scenario.mines.open:
        parts.append(buffer_constraints(sites, params.mine_buffer_m, site_ids=list(scenario.mines.open)))
    if not parts:
        return housing, {}
    constraints = gpd.GeoDataFrame(pd.concat(parts, ignore_index=True), crs=housing.crs)
    result = apply_constraints(housing, constraints)
    changed = result.report[result.report["reduction_dwellings"] > 0]
    report = {
        "files": list(params.constraints),
        "mine_buffer_m": params.mine_buffer_m,
        "reduction_dwellings": result.total_reduction_dwellings,
        "areas": changed.to_dict(orient="records"),
    }
    return result.housing_land, report


ACCESS_MODES = ("car", "pt")
ACCESS_MINUTES = (30, 45)


def _population_within(net: Any, zones: gpd.GeoDataFrame, sites: gpd.GeoDataFrame) -> dict[str, float | None]:
    """People living within 30 and 45 minutes of at least one open site, by car and public transport.

    Counts every zone's population (study area and neighbours) whose travel
    time to its nearest open site is within the limit; the figure a
    Trafikverket discussion asks for when a road or rail service changes.
    Public-transport figures are ``None`` when the layer set has no timetable.
    """
    out: dict[str, float | None] = {}
    population = zones["population"].to_numpy(float)
    for mode in ACCESS_MODES:
        if mode == "pt" and getattr(net, "pt", None) is None:  # no timetable in this layer set
            out.update({f"population_within_{m}_min_pt": None for m in ACCESS_MINUTES})
            continue
        nearest = (
            np.nanmin(time_matrix(net, zones, sites, mode=mode), axis=1) if len(sites) else np.full(len(zones), np.nan)
        )
        for minutes in ACCESS_MINUTES:
            within = np.isfinite(nearest) & (nearest <= minutes)
            out[f"population_within_{minutes}_min_{mode}"] = float(population[within].sum())
    return out


def _housing_table(
    housing: gpd.GeoDataFrame | None,
    released: pd.Series,
    free_housing: gpd.GeoDataFrame | None,
    movers_housing: np.ndarray,
    dwellings_per_worker: float,
) -> gpd.GeoDataFrame:
    if housing is None:
        return gpd.GeoDataFrame({"housing_id": [], "released": [], "dwellings_taken": []}, geometry=[], crs="EPSG:3006")
    out = housing.copy()
    out["released"] = released.reindex(out.index).fillna(False).astype(bool)
    out["dwellings_taken"] = 0.0
    if free_housing is not None and len(free_housing):
        out.loc[free_housing.index, "dwellings_taken"] = movers_housing.sum(axis=0) * dwellings_per_worker
    out["uptake_share"] = np.where(
        out["capacity_dwellings"] > 0, out["dwellings_taken"] / out["capacity_dwellings"].clip(lower=1), 0.0
    )
    return out


def _zone_times(net: Any, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Car times between zones, with intrazonal times on the diagonal."""
    times = time_matrix(net, zones, zones, mode="car")
    np.fill_diagonal(times, intrazonal_times(zones))
    return times


def _fit(net: Any, zones: gpd.GeoDataFrame, scenario: Scenario) -> dict[str, Any]:
    """The scenario decay's fit to today's car commuting between zones."""
    fit = commute_fit(zones, _zone_times(net, zones), scenario.commute.decay, study_area=scenario.study_area)
    return fit.as_dict()


def calibrate_layers(
    layers: Layers,
    *,
    form: DecayForm | str = DecayForm.LOG_LOGISTIC,
    study_area: Sequence[str] = ("Ludvika", "Smedjebacken"),
) -> CommuteFit:
    """Calibrate the preference decay on today's commuting in a layer set.

    Builds the network, computes car times between zones (intrazonal times on
    the diagonal) and searches :func:`tillvaxt_geo.calibration.decay_grid`.
    The embedded region's result is the default of ``[commute] decay``.

    Parameters
    ----------
    layers
        A layer set with zones (labour_force, jobs) and roads.
    form
        The decay form to fit.
    study_area
        Municipalities whose commute-time bands are compared with the survey.

    Returns
    -------
    CommuteFit
        The best decay and its fit.
    """
    from tillvaxt_geo.network import build_network

    zones = layers.require("zones", needed_for="calibration")
    times = _zone_times(build_network(layers), zones)
    return calibrate_decay(zones, times, study_area=study_area, form=form)


def _isochrones(net: Any, sites: gpd.GeoDataFrame, minutes: Sequence[float], mode: str) -> gpd.GeoDataFrame:
    if not len(sites) or not minutes:
        return gpd.GeoDataFrame({"origin_id": [], "mode": [], "minutes": []}, geometry=[], crs=sites.crs)
    from tillvaxt_geo.isochrones import isochrones

    return isochrones(net, sites, minutes=tuple(minutes), mode=mode)
