"""Residence allocation: who fills a site's jobs and where they live, under housing capacity.

Pure array computation, no I/O (see ``docs/model.md``). The workers of each
open site come from three pools, whose shares sum to 1 (:class:`Pools`):

(a) **Today's labour force** (``existing_workforce_share``): people who change
    jobs and keep their homes. They are spread over zones the way today's
    commuting spreads workers over a workplace: the column of the calibrated
    doubly constrained gravity model, ``A[i] · O[i] · p(t[i, s])`` with the
    origin balancing factors ``A`` (:func:`tillvaxt_geo.model.calibration.gravity_model`),
    so a new workplace in Ludvika draws in-commuters as Ludvika's jobs do today.
(b) **In-movers** (``in_mover_share``): they need a dwelling and choose one
    among every zone's vacant stock and the housing land released by the
    scenario year, inside and outside the study area, by a capacity-
    constrained logit (:mod:`tillvaxt_geo.model.choice`); acceptance a(t)
    bounds the share of a unit's dwellings acceptable to a site's workers,
    and no unit is ever filled above its capacity (:func:`allocate_in_movers`).
(c) **Long-distance or weekly commuters** (``long_distance_share``).

In-movers left without an acceptable dwelling become long-distance commuters
too; the dwellings they would need are the housing shortfall. Each pool is
split by mode (:class:`ModeGroup`): workers without a car commute by public
transport, so their weights and acceptance use public-transport times.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tillvaxt_geo.errors import ConfigError, ModelError

__all__ = [
    "Allocation",
    "ModeGroup",
    "Pools",
    "allocate_in_movers",
    "allocate_residences",
    "spread_existing_workforce",
]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Allocation:
    """Where the workers of each site live.

    Attributes
    ----------
    recruits
        Sites × zones: workers from today's labour force, by home zone (pool a).
    movers
        Sites × housing units: in-movers by the unit whose dwelling they take (pool b).
    unhoused
        Per site: in-movers without an acceptable dwelling, who commute
        long-distance or weekly (the housing shortfall).
    long_distance
        Per site: workers commuting long-distance or weekly from the start (pool c).
    iterations
        Balancing rounds used.
    residual
        Workers placed in the last round (0 when fully converged).
    recruits_by_group, movers_by_group
        ``recruits`` and ``movers`` per mode group, in the order given.
    """

    recruits: Array
    movers: Array
    unhoused: Array
    long_distance: Array
    iterations: int
    residual: float
    recruits_by_group: tuple[Array, ...] = ()
    movers_by_group: tuple[Array, ...] = ()

    @property
    def workers(self) -> Array:
        """Per site: every worker, wherever they live."""
        return np.asarray(self.recruits.sum(axis=1) + self.movers.sum(axis=1) + self.unhoused + self.long_distance)


def spread_existing_workforce(workers: Array, origin_weights: Array) -> tuple[Array, Array]:
    """Spread each site's workers from today's labour force over zones in proportion to ``origin_weights``.

    Parameters
    ----------
    workers
        Per site: workers hired among people already living within commuting range.
    origin_weights
        Sites × zones: ``A[i] · O[i] · p(t[i, s])``, the gravity model's column for the site.

    Returns
    -------
    tuple of numpy.ndarray
        Sites × zones workers by home zone, and per site the workers who could
        not be found (no zone with any weight), who become in-movers.
    """
    weights = np.asarray(origin_weights, dtype=float)
    total = weights.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, weights / total, 0.0)
    spread = shares * workers[:, np.newaxis]
    not_found = np.where(total[:, 0] > 0, 0.0, workers)
    return spread, not_found


def allocate_in_movers(
    demand: Array,
    capacity: Array,
    acceptance: Array,
    *,
    preference: Array | None = None,
    tol: float = 1e-9,
    max_iter: int = 10_000,
) -> tuple[Array, Array, int, float]:
    """Allocate in-movers to housing units without exceeding any capacity.

    Each round, every site spreads its unplaced workers over units in
    proportion to ``room[s, k] * preference[s, k]``, where ``room[s, k] =
    min(free[k], capacity[k] * acceptance[s, k] - placed[s, k])`` is the
    still acceptable free capacity, and never proposes more than the room;
    units receiving more proposals than free dwellings accept them pro rata.
    Rounds repeat until nothing more can be placed.

    Parameters
    ----------
    demand
        Per site: in-movers (in dwelling units).
    capacity
        Per housing unit: free dwellings.
    acceptance
        Sites × units: a(t) in [0, 1], the acceptable share of each unit.
    preference
        Sites × units: relative weights p(t) >= 0; ``acceptance`` if omitted.
    tol
        Stop when a round places less than ``tol`` × total demand.
    max_iter
        Upper bound on rounds; reaching it is a :class:`ModelError`.

    Returns
    -------
    tuple
        Sites × units placements, per-site unplaced demand, rounds used, and
        the amount placed in the last round.
    """
    demand = np.asarray(demand, dtype=float)
    capacity = np.asarray(capacity, dtype=float)
    acceptance = np.asarray(acceptance, dtype=float)
    if demand.ndim != 1 or capacity.ndim != 1 or acceptance.shape != (demand.size, capacity.size):
        raise ConfigError(
            f"allocation shapes do not match: demand {demand.shape}, capacity {capacity.shape}, "
            f"acceptance {acceptance.shape}"
        )
    if (demand < 0).any() or (capacity < 0).any():
        raise ConfigError("demand and capacity must be non-negative")
    if ((acceptance < 0) | (acceptance > 1)).any():
        raise ConfigError("acceptance must lie in [0, 1]")
    weights = acceptance if preference is None else np.asarray(preference, dtype=float)
    if weights.shape != acceptance.shape or (weights < 0).any():
        raise ConfigError("preference must be non-negative and shaped like acceptance")
    acceptance = np.where(acceptance < 1e-12, 0.0, acceptance)  # subnormal weights only slow the rounds down
    weights = np.where(weights < 1e-300, 0.0, weights)
    placed = np.zeros_like(acceptance)
    free = capacity.copy()
    unplaced = demand.copy()
    bound = capacity[np.newaxis, :] * acceptance
    scale = max(float(demand.sum()), 1.0)
    last = 0.0
    for iteration in range(1, max_iter + 1):
        room = np.minimum(free[np.newaxis, :], np.maximum(bound - placed, 0.0))
        pull = room * weights
        total_pull = pull.sum(axis=1, keepdims=True)
        with np.errstate(all="ignore"):
            share = np.where(total_pull > 0, pull / total_pull, 0.0)
        proposals = np.minimum(room, share * unplaced[:, np.newaxis])
        load = proposals.sum(axis=0)
        with np.errstate(all="ignore"):
            accept = np.where(load > free, free / load, 1.0)
        accepted = proposals * accept[np.newaxis, :]
        placed += accepted
        took = accepted.sum(axis=0)
        free = np.maximum(free - took, 0.0)
        unplaced = np.maximum(unplaced - accepted.sum(axis=1), 0.0)
        last = float(accepted.sum())
        if last <= tol * scale:
            return placed, unplaced, iteration, last
    raise ModelError(
        f"housing allocation did not converge in {max_iter} rounds (last round placed {last:.3g} workers); "
        "check for extreme capacities or raise max_iter"
    )


@dataclass(frozen=True)
class Pools:
    """Where a site's workers come from; the three shares sum to 1.

    Parameters
    ----------
    existing_workforce
        (a) Share hired among today's labour force within commuting range, who keep their homes.
    in_movers
        (b) Share moving into the region, who choose a dwelling.
    long_distance
        (c) Share commuting weekly or long-distance from the start.
    """

    existing_workforce: float = 0.80
    in_movers: float = 0.08
    long_distance: float = 0.12

    def __post_init__(self) -> None:
        named = {
            "existing_workforce_share": self.existing_workforce,
            "in_mover_share": self.in_movers,
            "long_distance_share": self.long_distance,
        }
        for key, value in named.items():
            if not np.isfinite(value) or not 0.0 <= value <= 1.0:
                raise ConfigError(f"'{key}' must be a share in [0, 1], found {value!r}")
        total = sum(named.values())
        if abs(total - 1.0) > 1e-6:
            listed = ", ".join(f"{k} = {v:g}" for k, v in named.items())
            raise ConfigError(f"the worker pools must sum to 1, found {total:g} ({listed}); adjust one of them")


@dataclass(frozen=True)
class ModeGroup:
    """One group of workers by how they commute, with the weights the model needs for it.

    Parameters
    ----------
    share
        Share of every pool's workers in this group (the groups' shares sum to 1).
    origin_weights
        Sites × zones: pool (a)'s gravity weights with this group's times.
    acceptance_units
        Sites × housing units: a(t) with this group's times (0 beyond the daily limit).
    preference_units
        Sites × housing units: the logit weights (:func:`tillvaxt_geo.model.choice.choice_weights`).
    """

    share: float
    origin_weights: Array
    acceptance_units: Array
    preference_units: Array


def allocate_residences(
    workers: Array,
    *,
    pools: Pools,
    groups: Sequence[ModeGroup],
    capacity: Array,
    dwellings_per_worker: float = 1.0,
) -> Allocation:
    """Allocate every site's workers to homes: today's labour force, in-movers, long-distance.

    Parameters
    ----------
    workers
        Per site: direct workers.
    pools
        Shares of the three pools.
    groups
        The mode groups (car owners, workers without a car …); shares sum to 1.
    capacity
        Per housing unit: free dwellings open to the mine's in-movers.
    dwellings_per_worker
        Dwellings one in-moving worker needs (1.0: one household per worker).

    Returns
    -------
    Allocation
        Workers conserved: recruits + movers + unhoused + long-distance equals ``workers``.
    """
    if dwellings_per_worker <= 0 or not np.isfinite(dwellings_per_worker):
        raise ConfigError(f"dwellings_per_worker must be positive, found {dwellings_per_worker}")
    workers = np.asarray(workers, dtype=float)
    if (workers < 0).any() or not np.isfinite(workers).all():
        raise ConfigError("workers per site must be finite and non-negative")
    if not groups or abs(sum(g.share for g in groups) - 1.0) > 1e-6 or any(g.share < 0 for g in groups):
        raise ConfigError(f"the mode groups' shares must be ≥ 0 and sum to 1, found {[g.share for g in groups]}")
    recruits_by_group: list[Array] = []
    demand_rows: list[Array] = []
    for group in groups:
        spread, not_found = spread_existing_workforce(
            workers * pools.existing_workforce * group.share, group.origin_weights
        )
        recruits_by_group.append(spread)
        demand_rows.append(workers * pools.in_movers * group.share + not_found)
    demand = np.concatenate(demand_rows)
    placed, unplaced, iterations, residual = allocate_in_movers(
        demand * dwellings_per_worker,
        np.asarray(capacity, float),
        np.concatenate([np.asarray(g.acceptance_units, float) for g in groups]),
        preference=np.concatenate([np.asarray(g.preference_units, float) for g in groups]),
    )
    n_sites = len(workers)
    movers_by_group = [placed[k * n_sites : (k + 1) * n_sites] / dwellings_per_worker for k in range(len(groups))]
    unhoused = sum(unplaced[k * n_sites : (k + 1) * n_sites] for k in range(len(groups))) / dwellings_per_worker
    return Allocation(
        recruits=np.asarray(sum(recruits_by_group)),
        movers=np.asarray(sum(movers_by_group)),
        unhoused=np.asarray(unhoused),
        long_distance=workers * pools.long_distance,
        iterations=iterations,
        residual=residual,
        recruits_by_group=tuple(recruits_by_group),
        movers_by_group=tuple(movers_by_group),
    )
