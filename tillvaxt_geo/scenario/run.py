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
from tillvaxt_geo.data.layers import Layers, load_layers
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.figures import FIGURES
from tillvaxt_geo.model.calibration import CommuteFit, calibrate_decay, commute_fit
from tillvaxt_geo.model.commute import Allocation
from tillvaxt_geo.model.decay import DecayForm
from tillvaxt_geo.model.economy import ECONOMY_SOURCES
from tillvaxt_geo.naming import did_you_mean
from tillvaxt_geo.network.build import build_network
from tillvaxt_geo.network.types import Network
from tillvaxt_geo.scenario.apply import apply_changes
from tillvaxt_geo.scenario.checks import check_scenario_layers
from tillvaxt_geo.scenario.config import COMMUTE_SOURCES, HOUSING_SOURCES, Scenario, Workforce
from tillvaxt_geo.scenario.residence import (
    Residences,
    SiteTimes,
    allocate,
    breakdown,
    employment_figures,
    housing_zones,
    population_within,
    residence_figures,
    residences,
    site_times,
    zone_context,
    zone_times,
)
from tillvaxt_geo.scenario.results import ScenarioResult

__all__ = [
    "Evaluated",
    "PreparedRun",
    "calibrate_layers",
    "evaluate",
    "evaluate_steps",
    "load_scenario_layers",
    "prepare_key",
    "prepare_run",
    "provenance",
    "run_scenario",
    "run_workplace",
    "site_workers",
    "summary_figures",
]

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
        "parameter_sources": {**COMMUTE_SOURCES, **HOUSING_SOURCES, **ECONOMY_SOURCES},
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
        Every travel time the model needs (:class:`~tillvaxt_geo.scenario.residence.SiteTimes`).
    today
        Car times between zones (:func:`~tillvaxt_geo.scenario.residence.zone_times`), today's commuting.
    housing_zone
        Per released housing area, its zone (:func:`~tillvaxt_geo.scenario.residence.housing_zones`).
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
    today: np.ndarray
    housing_zone: np.ndarray
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
    """Steps 1–4 of a run: layers, changes, network, housing land and every travel time the model needs.

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
    check_scenario_layers(scenario, base)
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
    today = zone_times(net, zones)
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
        today=today,
        housing_zone=housing_zones(zones, free_housing),
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
    zones, free_housing, housing_zone = prepared.zones, prepared.free_housing, prepared.housing_zone
    context = zone_context(zones, prepared.today, scenario)
    allocation = allocate(scenario, workers, zones, free_housing, prepared.times, context, housing_zone)
    homes = residences(allocation, zones, free_housing, housing_zone, scenario.study_area)
    per_site = residence_figures(prepared.open_sites, workers, allocation, homes, prepared.times, scenario)
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
    released, free_housing, today = prepared.released, prepared.free_housing, prepared.today
    clock = time.perf_counter()
    evaluated = evaluate_steps(prepared, scenario)
    workers, allocation, homes = evaluated.workers, evaluated.allocation, evaluated.homes
    per_site, values = evaluated.per_site, evaluated.values
    timings["commute_s"] += time.perf_counter() - clock
    edited = prepared.layers
    constraint_report = prepared.constraint_report
    assert net is not None and edited is not None  # prepare_run keeps both; only for_samples() drops them

    clock = time.perf_counter()
    fit = _fit(zones, today, scenario) if with_fit else {}
    timings["fit_s"] = time.perf_counter() - clock
    clock = time.perf_counter()
    iso = _isochrones(net, open_sites, isochrone_minutes, scenario.commute.mode)
    timings["isochrones_s"] = time.perf_counter() - clock

    dpw = scenario.commute.dwellings_per_worker
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
    summary["breakdown"] = breakdown(zones, allocation, homes, times, scenario)
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


def _fit(zones: gpd.GeoDataFrame, times_min: np.ndarray, scenario: Scenario) -> dict[str, Any]:
    """The scenario decay's fit to today's car commuting between zones."""
    fit = commute_fit(zones, times_min, scenario.commute.decay, study_area=scenario.study_area)
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
    times = zone_times(build_network(layers), zones)
    return calibrate_decay(zones, times, study_area=study_area, form=form)


def _isochrones(net: Any, sites: gpd.GeoDataFrame, minutes: Sequence[float], mode: str) -> gpd.GeoDataFrame:
    if not len(sites) or not minutes:
        return gpd.GeoDataFrame({"origin_id": [], "mode": [], "minutes": []}, geometry=[], crs=sites.crs)
    from tillvaxt_geo.routing.isochrones import isochrones

    return isochrones(net, sites, minutes=tuple(minutes), mode=mode)


def run_workplace(
    scenario: Scenario, layers: Layers, zone_id: str, *, workers: int = 500, site_id: str = "workplace"
) -> ScenarioResult:
    """Fill a hypothetical workplace of ``workers`` jobs at a zone's point, with the scenario's allocation.

    The check of the residence model against today's commuting
    (``docs/model.md``): a new workplace in Ludvika should draw its
    in-commuters as Ludvika's jobs do today.

    Parameters
    ----------
    scenario
        Its parameters are used; its open sites are replaced by the workplace.
    layers
        The layer set; the workplace is added to a copy of its ``mine_sites``.
    zone_id
        The zone whose point the workplace stands on.
    workers
        Jobs at the workplace.
    site_id
        The workplace's id.

    Returns
    -------
    ScenarioResult
        Without isochrones or fit; ``summary["breakdown"]["workers_by_home_municipality"]``
        says where its workers live.
    """
    sites = layers.require("mine_sites", needed_for="a hypothetical workplace")
    zones = layers.require("zones", needed_for="a hypothetical workplace")
    if zone_id not in zones.index:
        raise ConfigError(f"no zone {zone_id!r} for the workplace.{did_you_mean(zone_id, zones.index)}")
    attributes = pd.DataFrame(sites.drop(columns=sites.geometry.name).iloc[[0]])
    attributes.index = pd.Index([site_id], name=sites.index.name)
    if "site_id" in attributes.columns:
        attributes["site_id"] = site_id
    attributes["name"] = "hypothetical workplace"
    row = gpd.GeoDataFrame(attributes, geometry=[zones.loc[zone_id].geometry], crs=sites.crs)
    with_site = layers.replace(mine_sites=gpd.GeoDataFrame(pd.concat([sites, row]), crs=sites.crs))
    mines = dataclasses.replace(scenario.mines, open=(site_id,), workers={site_id: workers})
    return run_scenario(scenario.replace(mines=mines), with_site, isochrone_minutes=(), with_fit=False)
