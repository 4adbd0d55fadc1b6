"""Running a scenario end to end: layers → changes → network → travel times → residences → employment.

:func:`run_scenario` is the one function planners' runs and scripts call; it
returns a :class:`~tillvaxt_geo.scenario.results.ScenarioResult` value and writes
nothing. Each step is a function of its own, in pipeline order below
(``docs/architecture.md`` maps every figure to the step that computes it).
"""

from __future__ import annotations

import dataclasses
import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd

from tillvaxt_geo._version import __version__
from tillvaxt_geo.data.layers import Layers, load_layers, local_zones
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.figures import FIGURES
from tillvaxt_geo.model.calibration import CommuteFit, calibrate_decay, commute_fit, intrazonal_times
from tillvaxt_geo.model.commute import Allocation, allocate_residences
from tillvaxt_geo.model.decay import DecayForm
from tillvaxt_geo.model.economy import ECONOMY_SOURCES, employment
from tillvaxt_geo.naming import did_you_mean
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.network.types import Network
from tillvaxt_geo.routing.matrix import time_matrix
from tillvaxt_geo.scenario.apply import apply_changes
from tillvaxt_geo.scenario.config import COMMUTE_SOURCES, Scenario, Workforce
from tillvaxt_geo.scenario.results import ScenarioResult

__all__ = [
    "Evaluated",
    "PreparedRun",
    "SiteTimes",
    "allocate",
    "calibrate_layers",
    "employment_figures",
    "evaluate",
    "evaluate_steps",
    "load_scenario_layers",
    "population_within",
    "prepare_key",
    "prepare_run",
    "provenance",
    "residence_figures",
    "residences",
    "run_scenario",
    "site_times",
    "site_workers",
]

#: the modes of the reach figures (population within 30/45 min of an open site)
ACCESS_MODES = ("car", "pt")

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
            hint = did_you_mean(site, known)
            valid = ", ".join(f"{k} ({names[k]})" for k in known)
            raise ConfigError(
                f"scenario '{scenario.name}' names unknown mine site '{site}'.{hint} Valid sites: {valid}"
            )


def _released_housing(housing: gpd.GeoDataFrame | None, scenario: Scenario) -> pd.Series:
    if housing is None or len(housing) == 0:
        return pd.Series(dtype=bool)
    released = housing["available_from"].astype(int) <= scenario.year
    extra = scenario.housing.extra_release_year
    if extra is not None and extra <= scenario.year:
        released |= housing["status"] == "proposed"
    return released.rename("released")


@dataclass(frozen=True)
class SiteTimes:
    """The travel times of a run, computed once: minutes as open sites × places (NaN unreachable).

    Attributes
    ----------
    zones
        Per mode (the scenario's mode, ``car`` and ``pt`` as computed), sites × zones.
    housing
        Sites × released housing areas, in the scenario's mode.
    mode
        The scenario's commute mode.
    """

    zones: Mapping[str, np.ndarray]
    housing: np.ndarray
    mode: str

    @property
    def commute(self) -> np.ndarray:
        """Sites × zones in the scenario's commute mode."""
        return self.zones[self.mode]


def _minutes(net: Network, layer: str, frame: gpd.GeoDataFrame | None, sites: list[str], mode: str) -> np.ndarray:
    """Sites × features of ``frame`` (a snapped layer) in minutes, from the network's own snapping."""
    if frame is None or len(frame) == 0 or not sites:
        return np.full((len(sites), 0 if frame is None else len(frame)), np.nan)
    origins = [f"{layer}:{i}" for i in frame.index]
    destinations = [f"mine_sites:{s}" for s in sites]
    return time_matrix(net, origins, destinations, mode=mode, distance=False).time_min.T


def site_times(
    net: Network, zones: gpd.GeoDataFrame, sites: list[str], housing: gpd.GeoDataFrame | None, *, mode: str
) -> SiteTimes:
    """Step 3: travel times between the open sites and every zone and released housing area.

    Times are computed once per mode and shared by the allocation, the
    commute bands and :func:`population_within` (car and, when the network has
    a timetable, public transport).
    """
    modes = [mode] + [m for m in ACCESS_MODES if m != mode and (m != "pt" or net.pt is not None)]
    by_mode = {m: _minutes(net, "zones", zones, sites, m) for m in modes}
    return SiteTimes(zones=by_mode, housing=_minutes(net, "housing_land", housing, sites, mode), mode=mode)


def allocate(
    scenario: Scenario,
    workers: np.ndarray,
    zones: gpd.GeoDataFrame,
    free_housing: gpd.GeoDataFrame | None,
    times: SiteTimes,
) -> Allocation:
    """Step 4: where the workers of each open site live (:func:`tillvaxt_geo.model.commute.allocate_residences`)."""
    t_zones = times.commute
    t_housing = times.housing
    limit = scenario.commute.max_time_min
    acceptance = scenario.commute.acceptance
    decay = scenario.commute.decay

    def accept(t: np.ndarray) -> np.ndarray:
        return np.where(np.isfinite(t) & (t <= limit), acceptance(t), 0.0)

    vacant = zones["vacant_dwellings"].to_numpy(float) * scenario.housing.vacant_share_available
    housing_capacity = (
        free_housing["capacity_dwellings"].to_numpy(float) * scenario.housing.land_share_available
        if free_housing is not None
        else np.zeros(0)
    )
    return allocate_residences(
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


@dataclass(frozen=True)
class Residences:
    """Where the workers live, per site (rows) and home (columns), split by how they came."""

    home_zone: np.ndarray  # recruits and in-movers living in each zone
    movers_zones: np.ndarray  # in-movers into vacant dwellings of each zone
    movers_housing: np.ndarray  # in-movers onto each released housing area
    local_zone: np.ndarray  # per zone: local (study area)
    local_housing: np.ndarray  # per released housing area: local


def residences(
    allocation: Allocation, zones: gpd.GeoDataFrame, free_housing: gpd.GeoDataFrame | None, study_area: Sequence[str]
) -> Residences:
    """Step 5: the allocation as homes per zone and housing area, with which homes are local."""
    n_zones = len(zones)
    movers_zones = allocation.movers[:, :n_zones]
    return Residences(
        home_zone=allocation.recruits + movers_zones,
        movers_zones=movers_zones,
        movers_housing=allocation.movers[:, n_zones:],
        local_zone=local_zones(zones, study_area),
        local_housing=(
            free_housing["municipality"].isin(list(study_area)).to_numpy()
            if free_housing is not None
            else np.zeros(0, bool)
        ),
    )


def residence_figures(
    open_sites: gpd.GeoDataFrame,
    workers: np.ndarray,
    allocation: Allocation,
    homes: Residences,
    times: SiteTimes,
    dwellings_per_worker: float,
) -> pd.DataFrame:
    """Step 6: per open site, the residence figures of the registry (workers living locally, within 30/45 min …)."""
    home_zone, movers_housing = homes.home_zone, homes.movers_housing
    t_zones, t_housing = times.commute, times.housing
    local_by_site = home_zone[:, homes.local_zone].sum(axis=1) + movers_housing[:, homes.local_housing].sum(axis=1)
    outside_by_site = home_zone[:, ~homes.local_zone].sum(axis=1) + movers_housing[:, ~homes.local_housing].sum(axis=1)

    def within(minutes: float) -> np.ndarray:
        return (home_zone * (t_zones <= minutes)).sum(axis=1) + (movers_housing * (t_housing <= minutes)).sum(axis=1)

    # worker-minutes of the daily commutes (long-distance commuters excluded)
    zone_part = np.where(home_zone > 0, home_zone * np.nan_to_num(t_zones), 0.0).sum(axis=1)
    housing_part = np.where(movers_housing > 0, movers_housing * np.nan_to_num(t_housing), 0.0).sum(axis=1)
    per_site = pd.DataFrame(
        {
            "site_id": list(open_sites.index),
            "name": open_sites["name"].to_numpy(),
            "company": open_sites["company"].to_numpy(),
            "workers_total": workers,
            "workers_living_locally": local_by_site,
            "workers_within_30_min": within(30),
            "workers_within_45_min": within(45),
            "in_commuters": outside_by_site,
            "long_distance_commuters": allocation.unhoused,
            "housing_shortfall_dwellings": allocation.unhoused * dwellings_per_worker,
            "commute_worker_minutes": np.asarray(zone_part + housing_part),
        }
    )
    daily = per_site["workers_total"] - per_site["long_distance_commuters"]
    per_site["mean_commute_min"] = np.where(
        daily > 0, per_site["commute_worker_minutes"] / daily.clip(lower=1e-9), np.nan
    )
    return per_site


def employment_figures(per_site: pd.DataFrame, scenario: Scenario) -> dict[str, float | None]:
    """Step 7: totals of the residence figures and the jobs they bring (:mod:`tillvaxt_geo.model.economy`)."""
    totals = per_site.drop(columns=["site_id", "name", "company", "mean_commute_min"]).sum()
    total_workers = float(totals["workers_total"])
    daily_total = float((per_site["workers_total"] - per_site["long_distance_commuters"]).sum())
    mean_commute = float(totals["commute_worker_minutes"] / daily_total) if daily_total > 0 else None
    share = float(totals["workers_living_locally"] / total_workers) if total_workers > 0 else None
    if share is not None and 1.0 < share <= 1.0 + 1e-9:
        share = 1.0  # float round-off of the per-zone sums; a real excess still fails in employment()
    jobs = employment(total_workers, share or 0.0, scenario.economy)
    values: dict[str, float | None] = {
        "workers_total": total_workers,
        "workers_living_locally": float(totals["workers_living_locally"]),
        "local_residence_share": share,
        "workers_within_30_min": float(totals["workers_within_30_min"]),
        "workers_within_45_min": float(totals["workers_within_45_min"]),
        "in_commuters": float(totals["in_commuters"]),
        "long_distance_commuters": float(totals["long_distance_commuters"]),
        "housing_shortfall_dwellings": float(totals["housing_shortfall_dwellings"]),
        "mean_commute_min": mean_commute,
        "direct_jobs": jobs.direct_jobs,
        "indirect_jobs": jobs.indirect_jobs,
        "induced_jobs": jobs.induced_jobs,
        "total_jobs": jobs.total_jobs,
    }
    return values


def population_within(zones: gpd.GeoDataFrame, times: SiteTimes) -> dict[str, float | None]:
    """Step 8: people living within 30 and 45 minutes of at least one open site, by car and public transport.

    Counts every zone's population (study area and neighbours) whose travel
    time to its nearest open site is within the limit; the figure a
    Trafikverket discussion asks for when a road or rail service changes.
    Public-transport figures are ``None`` when the layer set has no timetable.
    """
    population = zones["population"].to_numpy(float)

    def within(mode: str, minutes: float) -> float | None:
        t = times.zones.get(mode)
        if t is None:  # no timetable in this layer set
            return None
        nearest = np.nanmin(t, axis=0) if t.shape[0] else np.full(len(zones), np.nan)
        return float(population[np.isfinite(nearest) & (nearest <= minutes)].sum())

    return {
        "population_within_30_min_car": within("car", 30),
        "population_within_45_min_car": within("car", 45),
        "population_within_30_min_pt": within("pt", 30),
        "population_within_45_min_pt": within("pt", 45),
    }


def summary_figures(scenario: Scenario, values: Mapping[str, float | None]) -> dict[str, Any]:
    """The summary's figures: every registered figure, rounded as the registry says."""
    return {"scenario": scenario.name, **{f.key: f.rounded(values.get(f.key)) for f in FIGURES}}


def provenance(
    scenario: Scenario,
    layers: Layers,
    allocation: Allocation,
    constraint_report: Mapping[str, Any],
    fit: Mapping[str, Any],
    timings: Mapping[str, float],
) -> dict[str, Any]:
    """Step 9: where the run's figures come from: version, files, hashes, every parameter and its source."""
    return {
        "package_version": __version__,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "scenario_title": scenario.title,
        "scenario_file": scenario.source_path,
        "scenario_file_sha256": scenario.source_sha256,
        "layer_files": dict(layers.sources),
        "layer_hashes": dict(layers.hashes),
        "working_crs": layers.crs.to_string(),
        "parameters": scenario.parameters(),
        "parameter_sources": {**COMMUTE_SOURCES, **ECONOMY_SOURCES},
        "housing_allocation": {"iterations": allocation.iterations, "residual_workers": allocation.residual},
        "housing_constraints": dict(constraint_report),
        "commute_fit": dict(fit),
        "timings_s": {k: round(v, 3) for k, v in timings.items()},
    }


@dataclass(frozen=True)
class PreparedRun:
    """The part of a run that depends only on layers, changes and network: computed once, evaluated many times.

    :func:`prepare_run` builds it (steps 1–4: layers, changes, network,
    housing constraints and release, :func:`site_times`); :func:`evaluate`
    runs the cheap model steps 5–9 on it for any scenario with the same
    :func:`prepare_key`, e.g. every sample of an uncertainty run.

    Attributes
    ----------
    key
        :func:`prepare_key` of the scenario it was prepared for.
    layers
        The layer set after the scenario's changes (``None`` in :meth:`for_samples`).
    net
        The built network (``None`` in :meth:`for_samples`: evaluation reads only ``times``).
    zones, sites, open_sites
        The zones, every mine site and the open ones (in ``[mines] open`` order).
    housing, released, free_housing
        Housing land after constraints, which areas are released, and those released areas.
    constraint_report
        What each housing area lost to constraints.
    times
        Every travel time the model needs (:class:`SiteTimes`).
    timings
        Seconds per step.
    """

    key: tuple[Any, ...]
    layers: Layers | None
    net: Network | None
    zones: gpd.GeoDataFrame
    sites: gpd.GeoDataFrame
    open_ids: tuple[str, ...]
    open_sites: gpd.GeoDataFrame
    housing: gpd.GeoDataFrame | None
    released: pd.Series
    free_housing: gpd.GeoDataFrame | None
    constraint_report: Mapping[str, Any]
    times: SiteTimes
    timings: Mapping[str, float]

    def for_samples(self) -> PreparedRun:
        """A lighter copy without layers and network, for shipping to workers (evaluation does not read them)."""
        return dataclasses.replace(self, layers=None, net=None)


def prepare_key(scenario: Scenario) -> tuple[Any, ...]:
    """What a :class:`PreparedRun` depends on: layers, changes, open sites, mode, year and housing land.

    Two scenarios with equal keys share one prepared run; every other
    parameter (shares, multipliers, decay, workforce …) is read by
    :func:`evaluate` only.
    """
    h = scenario.housing
    return (
        scenario.layers.path,
        tuple(sorted(scenario.layers.overrides.items())),
        scenario.working_crs,
        repr(scenario.changes),
        tuple(scenario.mines.open),
        scenario.commute.mode,
        scenario.year,
        h.extra_release_year,
        tuple(h.constraints),
        h.mine_buffer_m,
    )


def prepare_run(scenario: Scenario, layers: Layers | None = None) -> PreparedRun:
    """Steps 1–4 of a run: layers, changes, network, housing land and every travel time (:func:`site_times`).

    Parameters
    ----------
    scenario
        The scenario.
    layers
        A layer set to use instead of the one the scenario names.

    Returns
    -------
    PreparedRun
        Everything :func:`evaluate` needs.
    """
    timings: dict[str, float] = {}
    clock = time.perf_counter()
    base = layers if layers is not None else load_scenario_layers(scenario)
    timings["load_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    edited = apply_changes(base, list(scenario.changes)) if scenario.changes else base
    zones = edited.require("zones", needed_for="the commute model")
    sites = edited.require("mine_sites", needed_for="the commute model")
    _check_sites(scenario, sites)
    net = build_network(edited)
    timings["network_s"] = time.perf_counter() - clock

    clock = time.perf_counter()
    housing, constraint_report = _constrain_housing(edited.housing_land, sites, scenario)
    open_ids = list(scenario.mines.open)
    released = _released_housing(housing, scenario)
    free_housing = housing.loc[released] if housing is not None and len(released) else None
    times = site_times(net, zones, open_ids, free_housing, mode=scenario.commute.mode)
    timings["commute_s"] = time.perf_counter() - clock
    return PreparedRun(
        key=prepare_key(scenario),
        layers=edited,
        net=net,
        zones=zones,
        sites=sites,
        open_ids=tuple(open_ids),
        open_sites=sites.loc[open_ids],
        housing=housing,
        released=released,
        free_housing=free_housing,
        constraint_report=constraint_report,
        times=times,
        timings=timings,
    )


@dataclass(frozen=True)
class Evaluated:
    """Steps 5–9 of a run: the workers, where they live, the per-site figures and every headline value."""

    workers: np.ndarray
    allocation: Allocation
    homes: Residences
    per_site: pd.DataFrame
    values: dict[str, float | None]


def evaluate_steps(prepared: PreparedRun, scenario: Scenario) -> Evaluated:
    """Run the model steps (:func:`allocate` … :func:`population_within`) of ``scenario`` on a prepared run.

    Raises
    ------
    ConfigError
        ``scenario`` differs from the prepared one in what the preparation
        depends on (:func:`prepare_key`): prepare it anew.
    """
    if prepare_key(scenario) != prepared.key:
        raise ConfigError(
            f"scenario '{scenario.name}' differs from the prepared run in its layers, changes, open sites, mode, "
            "year or housing land; call prepare_run for it"
        )
    workers = site_workers(prepared.sites, scenario).loc[list(prepared.open_ids)].to_numpy(dtype=float)
    allocation = allocate(scenario, workers, prepared.zones, prepared.free_housing, prepared.times)
    homes = residences(allocation, prepared.zones, prepared.free_housing, scenario.study_area)
    dpw = scenario.commute.dwellings_per_worker
    per_site = residence_figures(prepared.open_sites, workers, allocation, homes, prepared.times, dpw)
    values = {**employment_figures(per_site, scenario), **population_within(prepared.zones, prepared.times)}
    return Evaluated(workers=workers, allocation=allocation, homes=homes, per_site=per_site, values=values)


def evaluate(prepared: PreparedRun, scenario: Scenario) -> dict[str, float | None]:
    """Every headline figure of ``scenario`` on a prepared run, unrounded (the cheap part of :func:`run_scenario`).

    Parameters
    ----------
    prepared
        From :func:`prepare_run` for a scenario with the same :func:`prepare_key`.
    scenario
        The scenario whose parameters are evaluated.

    Returns
    -------
    dict
        Figure key (:data:`tillvaxt_geo.figures.FIGURES`) to value; ``None`` where undefined.
    """
    return evaluate_steps(prepared, scenario).values


def run_scenario(
    scenario: Scenario,
    layers: Layers | None = None,
    *,
    isochrone_minutes: Sequence[float] = (15, 30, 45, 60),
    with_fit: bool = True,
) -> ScenarioResult:
    """Run one scenario and return its result.

    The pipeline, one named step each: load the layers and apply the
    scenario's changes, build the network, compute the travel times once
    (:func:`site_times`), allocate the workers' homes (:func:`allocate`,
    :func:`residences`), the residence figures (:func:`residence_figures`),
    employment (:func:`employment_figures`), reach (:func:`population_within`),
    the fit to today's commuting, the isochrones and :func:`provenance`.

    Parameters
    ----------
    scenario
        The scenario (see :func:`tillvaxt_geo.scenario.config.load_scenario`).
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
    prepared = prepare_run(scenario, layers)
    timings = dict(prepared.timings)
    zones, sites, net, housing = prepared.zones, prepared.sites, prepared.net, prepared.housing
    open_ids, open_sites, times = list(prepared.open_ids), prepared.open_sites, prepared.times
    released, free_housing = prepared.released, prepared.free_housing
    clock = time.perf_counter()
    evaluated = evaluate_steps(prepared, scenario)
    workers, allocation, homes = evaluated.workers, evaluated.allocation, evaluated.homes
    per_site, values = evaluated.per_site, evaluated.values
    timings["commute_s"] += time.perf_counter() - clock
    dpw = scenario.commute.dwellings_per_worker
    edited = prepared.layers
    constraint_report = prepared.constraint_report
    assert net is not None and edited is not None  # prepare_run keeps both; only for_samples() drops them

    clock = time.perf_counter()
    fit = _fit(net, zones, scenario) if with_fit else {}
    timings["fit_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    iso = _isochrones(net, open_sites, isochrone_minutes, scenario.commute.mode)
    timings["isochrones_s"] = time.perf_counter() - clock

    zones_out = zones.copy()
    zones_out["workers_recruited"] = allocation.recruits.sum(axis=0)
    zones_out["workers_moved_in"] = homes.movers_zones.sum(axis=0)
    zones_out["workers_resident"] = zones_out["workers_recruited"] + zones_out["workers_moved_in"]
    zones_out["travel_time_min"] = np.nanmin(times.commute, axis=0) if len(open_ids) else np.nan
    zones_out["local"] = homes.local_zone

    housing_out = _housing_table(housing, released, free_housing, homes.movers_housing, dpw)
    sites_out = sites.copy()
    sites_out["open"] = sites_out.index.isin(open_ids)
    sites_out["workers"] = 0.0
    sites_out.loc[open_ids, "workers"] = workers
    for column in ("workers_living_locally", "workers_within_45_min", "in_commuters", "long_distance_commuters"):
        sites_out[column] = 0.0
        sites_out.loc[open_ids, column] = per_site[column].to_numpy()

    summary = summary_figures(scenario, values)
    summary["provenance"] = provenance(scenario, edited, allocation, constraint_report, fit, timings)
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
    from tillvaxt_geo.data.constraints import apply_constraints, buffer_constraints, read_constraints

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
    ids = [f"zones:{i}" for i in zones.index]
    times = time_matrix(net, ids, ids, mode="car", distance=False).time_min
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
    the diagonal) and searches :func:`tillvaxt_geo.model.calibration.decay_grid`.
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
    zones = layers.require("zones", needed_for="calibration")
    times = _zone_times(build_network(layers), zones)
    return calibrate_decay(zones, times, study_area=study_area, form=form)


def _isochrones(net: Any, sites: gpd.GeoDataFrame, minutes: Sequence[float], mode: str) -> gpd.GeoDataFrame:
    if not len(sites) or not minutes:
        return gpd.GeoDataFrame({"origin_id": [], "mode": [], "minutes": []}, geometry=[], crs=sites.crs)
    from tillvaxt_geo.routing.isochrones import isochrones

    return isochrones(net, sites, minutes=tuple(minutes), mode=mode)
