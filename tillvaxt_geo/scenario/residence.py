"""The residence steps of a scenario run: travel times once, who fills the jobs, where they live, and the figures.

Called in order by :func:`tillvaxt_geo.scenario.run.run_scenario`:
:func:`site_times` (every travel time the run needs), :func:`zone_context`
(today's commuting: the gravity model's origin factors, jobs within reach of
every place), :func:`allocate` (the three worker pools and the in-movers'
residential choice, :mod:`tillvaxt_geo.model.commute`), :func:`residences`
(homes per zone and housing area, and which are local),
:func:`residence_figures`, :func:`employment_figures`,
:func:`population_within` and :func:`breakdown`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from scipy.spatial import cKDTree

from tillvaxt_geo.data.layers import local_zones
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.calibration import gravity_model, intrazonal_times
from tillvaxt_geo.model.choice import choice_weights
from tillvaxt_geo.model.commute import Allocation, ModeGroup, allocate_residences
from tillvaxt_geo.model.economy import employment
from tillvaxt_geo.network.places import place_points
from tillvaxt_geo.network.types import Network
from tillvaxt_geo.routing.budget import check_matrix_memory
from tillvaxt_geo.routing.matrix import time_matrix
from tillvaxt_geo.scenario.config import Scenario

__all__ = [
    "BANDS_MIN",
    "PARTNER_JOBS_MIN",
    "Residences",
    "SiteTimes",
    "ZoneContext",
    "allocate",
    "breakdown",
    "employment_figures",
    "housing_zones",
    "population_within",
    "residence_figures",
    "residences",
    "site_times",
    "zone_context",
    "zone_times",
]

#: the modes of the reach figures (population within 30/45 min of an open site)
ACCESS_MODES = ("car", "pt")
#: a partner's job counts when it lies within this many minutes by car of the home (residential choice)
PARTNER_JOBS_MIN = 30.0
#: the commute-time bands of the mine workers' breakdown (upper bounds, minutes)
BANDS_MIN = (15.0, 30.0, 45.0, 60.0, 90.0)


# --------------------------------------------------------------------------- travel times


@dataclass(frozen=True)
class SiteTimes:
    """The travel times of a run, computed once: minutes as open sites × places (NaN unreachable).

    Attributes
    ----------
    zones
        Per mode (the scenario's mode, ``car`` and ``pt`` as computed), sites × zones.
    housing
        Per mode, sites × released housing areas.
    mode
        The scenario's commute mode (of workers with a car).
    """

    zones: Mapping[str, np.ndarray]
    housing: Mapping[str, np.ndarray]
    mode: str

    @property
    def commute(self) -> np.ndarray:
        """Sites × zones in the scenario's commute mode."""
        return self.zones[self.mode]

    @property
    def has_pt(self) -> bool:
        """Whether the network has public transport (a timetable)."""
        return "pt" in self.zones


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

    Times are computed once per mode (the scenario's, car, and public
    transport when the network has a timetable) and shared by the allocation,
    the commute bands and :func:`population_within`.
    """
    modes = [mode] + [m for m in ACCESS_MODES if m != mode and (m != "pt" or net.pt is not None)]
    return SiteTimes(
        zones={m: _minutes(net, "zones", zones, sites, m) for m in modes},
        housing={m: _minutes(net, "housing_land", housing, sites, m) for m in modes},
        mode=mode,
    )


def zone_times(net: Network, zones: gpd.GeoDataFrame) -> np.ndarray:
    """Car times between zones in minutes, with intrazonal times on the diagonal (today's commuting).

    Raises
    ------
    ResourceError
        The zone × zone arrays of today's commuting (times, preference,
        flows and the balancing's temporaries: six at once) would not fit in
        memory; the message names the sizes and how to reduce them.
    """
    check_matrix_memory(
        len(zones), len(zones), what="zone × zone arrays of today's commuting (times, preference, flows)", copies=6
    )
    ids = [f"zones:{i}" for i in zones.index]
    times = time_matrix(net, ids, ids, mode="car", distance=False).time_min
    np.fill_diagonal(times, intrazonal_times(zones))
    return times


# --------------------------------------------------------------------------- today's commuting


@dataclass(frozen=True)
class ZoneContext:
    """What today's commuting says about each zone, for the new jobs.

    Attributes
    ----------
    origin_factors
        ``A[i]`` of the calibrated doubly constrained gravity model.
    partner_jobs
        Jobs within :data:`PARTNER_JOBS_MIN` minutes by car of the zone.
    """

    origin_factors: np.ndarray
    partner_jobs: np.ndarray


def zone_context(zones: gpd.GeoDataFrame, times_min: np.ndarray, scenario: Scenario) -> ZoneContext:
    """Step 4a: the gravity model of today's commuting with the scenario's preference, and jobs within reach.

    Parameters
    ----------
    zones
        Zones with ``labour_force`` and ``jobs``.
    times_min
        Zones × zones car times (:func:`zone_times`).
    scenario
        Its ``commute.decay`` is the calibrated preference p(t).
    """
    _check_zones(zones)
    model = gravity_model(
        zones["labour_force"].to_numpy(float), zones["jobs"].to_numpy(float), scenario.commute.decay(times_min)
    )
    jobs = zones["jobs"].to_numpy(float)
    within = np.isfinite(times_min) & (times_min <= PARTNER_JOBS_MIN)
    return ZoneContext(origin_factors=model.origin_factors, partner_jobs=(within * jobs[None, :]).sum(axis=1))


def _check_zones(zones: gpd.GeoDataFrame) -> None:
    """The model needs employed residents and dwellings wherever people live, and some jobs somewhere."""
    populated = zones["population"].to_numpy(float) > 0
    names = zones["name"].astype(str).to_numpy() if "name" in zones else np.asarray(zones.index, dtype=str)
    for column, what in (("labour_force", "employed residents"), ("dwellings", "dwellings")):
        empty = populated & ~(zones[column].to_numpy(float) > 0)
        if empty.any():
            listed = ", ".join(f"{i} ({n})" for i, n in zip(zones.index[empty][:5], names[empty][:5], strict=True))
            raise ConfigError(
                f"layer 'zones', column '{column}': zone(s) {listed} have residents but no {what}; the residence "
                f"model needs {what} wherever people live: give them a value > 0 (or population 0)"
            )
    if not (zones["jobs"].to_numpy(float) > 0).any():
        raise ConfigError("layer 'zones', column 'jobs': no zone has jobs; today's commuting cannot be modelled")


def housing_zones(zones: gpd.GeoDataFrame, housing: gpd.GeoDataFrame | None) -> np.ndarray:
    """Step 4c: for each released housing area, the index of the nearest zone (the place it belongs to).

    Points are :func:`~tillvaxt_geo.network.places.place_points` (a polygon's
    representative point). Computed once per prepared run: it depends on the
    layers only, not on the parameters a sample varies.
    """
    if housing is None or len(housing) == 0:
        return np.zeros(0, dtype=np.int64)
    _, nearest = cKDTree(place_points(zones)).query(place_points(housing))
    return np.asarray(nearest, dtype=np.int64)


# --------------------------------------------------------------------------- allocation


def _groups(scenario: Scenario, times: SiteTimes) -> list[tuple[str, float, np.ndarray, np.ndarray]]:
    """The mode groups: (name, share, sites × zones minutes, sites × housing minutes).

    Workers with a car commute in the scenario's mode; workers without one
    (``no_car_share``) by public transport, when the network has a timetable.
    """
    no_car = scenario.commute.no_car_share if times.has_pt else 0.0
    groups = [("car", 1.0 - no_car, times.zones[times.mode], times.housing[times.mode])]
    if no_car > 0:
        groups.append(("no_car", no_car, times.zones["pt"], times.housing["pt"]))
    return groups


def allocate(
    scenario: Scenario,
    workers: np.ndarray,
    zones: gpd.GeoDataFrame,
    free_housing: gpd.GeoDataFrame | None,
    times: SiteTimes,
    context: ZoneContext,
    housing_zone: np.ndarray,
) -> Allocation:
    """Step 4b: who fills each site's jobs and where they live (:func:`tillvaxt_geo.model.commute.allocate_residences`).

    Pool (a) is spread by the gravity column ``A[i] O[i] p(t)`` within the
    daily limit; pool (b) chooses among the zones' vacant dwellings and the
    released housing land by the residential logit, a(t) bounding each unit;
    pool (c) commutes long-distance. ``housing_zone`` is :func:`housing_zones`:
    a housing area takes the population and partner jobs of its zone.
    """
    commute = scenario.commute
    limit = commute.max_time_min
    labour = zones["labour_force"].to_numpy(float) * context.origin_factors
    population = zones["population"].to_numpy(float)
    unit_population = np.concatenate([population, population[housing_zone]])
    unit_jobs = np.concatenate([context.partner_jobs, context.partner_jobs[housing_zone]])

    def daily(t: np.ndarray) -> np.ndarray:
        return np.isfinite(t) & (t <= limit)

    groups = []
    for _name, share, t_zones, t_housing in _groups(scenario, times):
        t_units = np.concatenate([t_zones, t_housing], axis=1)
        groups.append(
            ModeGroup(
                share=share,
                origin_weights=np.where(daily(t_zones), labour[None, :] * commute.decay(t_zones), 0.0),
                acceptance_units=np.where(daily(t_units), commute.acceptance(t_units), 0.0),
                preference_units=choice_weights(
                    np.where(daily(t_units), t_units, np.nan), unit_population, unit_jobs, commute.choice
                ),
            )
        )
    vacant = zones["vacant_dwellings"].to_numpy(float) * scenario.housing.vacant_share_available
    land = (
        free_housing["capacity_dwellings"].to_numpy(float) * scenario.housing.land_share_available
        if free_housing is not None
        else np.zeros(0)
    )
    return allocate_residences(
        workers,
        pools=commute.pools,
        groups=groups,
        capacity=np.concatenate([vacant, land]),
        dwellings_per_worker=commute.dwellings_per_worker,
    )


@dataclass(frozen=True)
class Residences:
    """Where the daily-commuting workers live, per site (rows) and home (columns), split by how they came."""

    home_zone: np.ndarray  # today's labour force and in-movers living in each zone
    movers_zones: np.ndarray  # in-movers into vacant dwellings of each zone
    movers_housing: np.ndarray  # in-movers onto each released housing area
    local_zone: np.ndarray  # per zone: local (study area)
    local_housing: np.ndarray  # per released housing area: local
    housing_zone: np.ndarray  # per released housing area: the index of the zone it belongs to


def residences(
    allocation: Allocation,
    zones: gpd.GeoDataFrame,
    free_housing: gpd.GeoDataFrame | None,
    housing_zone: np.ndarray,
    study_area: Sequence[str],
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
        housing_zone=housing_zone,
    )


def _by_group(allocation: Allocation, n_zones: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """Per mode group: (sites × zones homes, sites × housing homes)."""
    return [
        (recruits + movers[:, :n_zones], movers[:, n_zones:])
        for recruits, movers in zip(allocation.recruits_by_group, allocation.movers_by_group, strict=True)
    ]


def residence_figures(
    open_sites: gpd.GeoDataFrame,
    workers: np.ndarray,
    allocation: Allocation,
    homes: Residences,
    times: SiteTimes,
    scenario: Scenario,
) -> pd.DataFrame:
    """Step 6: per open site, the residence figures of the registry (workers living locally, within 30/45 min …).

    Each group's workers are timed in their own mode (workers without a car
    by public transport); ``workers_within_45_min_pt`` counts the daily
    commuters whose home is within 45 minutes of their site by public
    transport, whatever their mode.
    """
    home_zone, movers_housing = homes.home_zone, homes.movers_housing
    local_by_site = home_zone[:, homes.local_zone].sum(axis=1) + movers_housing[:, homes.local_housing].sum(axis=1)
    outside_by_site = home_zone[:, ~homes.local_zone].sum(axis=1) + movers_housing[:, ~homes.local_housing].sum(axis=1)
    parts = list(zip(_groups(scenario, times), _by_group(allocation, len(homes.local_zone)), strict=True))

    def within(minutes: float) -> np.ndarray:
        total = np.zeros(len(workers))
        for (_n, _s, t_zones, t_housing), (zone_homes, housing_homes) in parts:
            total += (zone_homes * (t_zones <= minutes)).sum(axis=1) + (housing_homes * (t_housing <= minutes)).sum(
                axis=1
            )
        return total

    minutes = np.zeros(len(workers))
    for (_n, _s, t_zones, t_housing), (zone_homes, housing_homes) in parts:
        minutes += np.where(zone_homes > 0, zone_homes * np.nan_to_num(t_zones), 0.0).sum(axis=1)
        minutes += np.where(housing_homes > 0, housing_homes * np.nan_to_num(t_housing), 0.0).sum(axis=1)
    if times.has_pt:
        pt_zones, pt_housing = times.zones["pt"], times.housing["pt"]
        by_pt = (home_zone * (pt_zones <= 45)).sum(axis=1) + (movers_housing * (pt_housing <= 45)).sum(axis=1)
    else:
        by_pt = np.full(len(workers), np.nan)
    long_distance = allocation.unhoused + allocation.long_distance
    per_site = pd.DataFrame(
        {
            "site_id": list(open_sites.index),
            "name": open_sites["name"].to_numpy(),
            "company": open_sites["company"].to_numpy(),
            "workers_total": workers,
            "workers_living_locally": local_by_site,
            "workers_within_30_min": within(30),
            "workers_within_45_min": within(45),
            "workers_within_45_min_pt": by_pt,
            "in_commuters": outside_by_site,
            "long_distance_commuters": long_distance,
            "workers_moved_in": allocation.movers.sum(axis=1),
            "housing_shortfall_dwellings": allocation.unhoused * scenario.commute.dwellings_per_worker,
            "commute_worker_minutes": minutes,
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
    pt_column = per_site["workers_within_45_min_pt"]
    by_pt = None if len(pt_column) and pt_column.isna().all() else float(pt_column.sum())  # None: no timetable
    return {
        "workers_total": total_workers,
        "workers_living_locally": float(totals["workers_living_locally"]),
        "local_residence_share": share,
        "workers_within_30_min": float(totals["workers_within_30_min"]),
        "workers_within_45_min": float(totals["workers_within_45_min"]),
        "workers_within_45_min_pt": by_pt,
        "in_commuters": float(totals["in_commuters"]),
        "long_distance_commuters": float(totals["long_distance_commuters"]),
        "workers_moved_in": float(totals["workers_moved_in"]),
        "housing_shortfall_dwellings": float(totals["housing_shortfall_dwellings"]),
        "mean_commute_min": mean_commute,
        "direct_jobs": jobs.direct_jobs,
        "indirect_jobs": jobs.indirect_jobs,
        "induced_jobs": jobs.induced_jobs,
        "total_jobs": jobs.total_jobs,
    }


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


def breakdown(
    zones: gpd.GeoDataFrame,
    allocation: Allocation,
    homes: Residences,
    times: SiteTimes,
    scenario: Scenario,
) -> dict[str, Any]:
    """Step 9: where the workers come from and live, as plain tables for ``summary.json``.

    ``workers_by_pool`` (today's labour force, in-movers housed, in-movers
    without a dwelling, long-distance from the start), ``in_commuters_by_
    municipality`` (daily commuters from outside the study area by home
    municipality), ``in_movers_by_zone`` (inside and outside the study area;
    housing land counts in the zone it lies in) and ``commute_time_bands``
    (daily commuters by one-way time, each in their own mode).
    """
    names = zones["name"].astype(str).to_numpy() if "name" in zones else np.asarray(zones.index, dtype=str)
    municipality = zones["municipality"].astype(str).to_numpy()
    n = len(zones)
    on_land = np.bincount(homes.housing_zone, weights=homes.movers_housing.sum(axis=0), minlength=n)
    home = homes.home_zone.sum(axis=0) + on_land
    movers = homes.movers_zones.sum(axis=0) + on_land
    local = homes.local_zone

    def rounded(values: Mapping[str, float]) -> dict[str, float]:
        return {k: round(float(v), 1) for k, v in sorted(values.items(), key=lambda kv: -kv[1]) if v >= 0.05}

    by_municipality = pd.Series(home).groupby(municipality).sum()
    outside = pd.Series(home[~local]).groupby(municipality[~local]).sum()
    bands: dict[str, float] = {}
    lower = 0.0
    groups = list(zip(_groups(scenario, times), _by_group(allocation, n), strict=True))
    for upper in BANDS_MIN:
        count = 0.0
        for (_n, _s, t_zones, t_housing), (zone_homes, housing_homes) in groups:
            count += float((zone_homes * ((t_zones > lower) & (t_zones <= upper))).sum())
            count += float((housing_homes * ((t_housing > lower) & (t_housing <= upper))).sum())
        bands[f"{lower:g}–{upper:g} min"] = round(count, 1)
        lower = upper
    return {
        "workers_by_pool": {
            "existing_workforce": round(float(allocation.recruits.sum()), 1),
            "in_movers_housed": round(float(allocation.movers.sum()), 1),
            "in_movers_without_dwelling": round(float(allocation.unhoused.sum()), 1),
            "long_distance_from_start": round(float(allocation.long_distance.sum()), 1),
        },
        "workers_by_home_municipality": rounded({str(k): v for k, v in by_municipality.items()}),
        "in_commuters_by_municipality": rounded({str(k): v for k, v in outside.items()}),
        "in_movers_by_zone": {
            "inside_study_area": rounded(dict(zip(names[local], movers[local], strict=True))),
            "outside_study_area": rounded(dict(zip(names[~local], movers[~local], strict=True))),
        },
        "commute_time_bands": bands,
    }
