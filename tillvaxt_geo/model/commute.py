"""Residence allocation: where mine workers would live, under housing capacity.

Pure array computation, no I/O. Two functions of commute time t play
different roles (see ``docs/model.md``):

- **acceptance** a(t) in [0, 1] is absolute: the share of workers willing to
  make that commute daily (Sandow & Westin 2010: willingness drops sharply
  past 45 minutes);
- **preference** p(t) is relative: how the choices of those who accept spread
  over places, calibrated on today's commuting (a gravity model, see
  :mod:`tillvaxt_geo.model.calibration`).

For each open site s with ``workers[s]``:

1. **Local recruits** (share ``recruit_local_share``) are people already
   living in the region. They keep their homes and are spread over zones in
   proportion to ``labour_force[z] * a(t) * p(t)``.
2. **In-movers** (the rest) need a dwelling. Of the ``capacity[k]`` free
   dwellings of housing unit k (vacant dwellings of zones, housing land
   released by the scenario year) at most the share ``a(t[s, k])`` is
   acceptable to workers of site s; within that bound they are allocated in
   proportion to ``free[k] * p(t[s, k])`` by iterative balancing that never
   fills a unit above its capacity.
3. In-movers left without an acceptable dwelling commute long-distance or
   weekly; the dwellings they would need are the housing shortfall.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tillvaxt_geo.errors import ConfigError, ModelError

__all__ = ["Allocation", "allocate_in_movers", "allocate_residences", "recruit_local"]

Array = NDArray[np.float64]


@dataclass(frozen=True)
class Allocation:
    """Where the workers of each site live.

    Attributes
    ----------
    recruits
        Sites × zones: local recruits by home zone.
    movers
        Sites × housing units: in-movers by the unit whose dwelling they take.
    unhoused
        Per site: in-movers without an acceptable dwelling (long-distance or
        weekly commuters).
    iterations
        Balancing rounds used.
    residual
        Workers placed in the last round (0 when fully converged).
    """

    recruits: Array
    movers: Array
    unhoused: Array
    iterations: int
    residual: float

    @property
    def workers(self) -> Array:
        """Per site: every worker, wherever they live."""
        return np.asarray(self.recruits.sum(axis=1) + self.movers.sum(axis=1) + self.unhoused)


def recruit_local(workers: Array, labour_force: Array, acceptance: Array) -> tuple[Array, Array]:
    """Spread each site's local recruits over zones by labour force × weight.

    Parameters
    ----------
    workers
        Per site: workers to recruit among people already living in the region.
    labour_force
        Per zone: employed residents.
    acceptance
        Sites × zones: weight of each zone for each site, ``a(t) * p(t)``.

    Returns
    -------
    tuple of numpy.ndarray
        Sites × zones recruits, and per site the workers who could not be
        recruited (no zone with any acceptance), who become in-movers.
    """
    weights = acceptance * labour_force[np.newaxis, :]
    total = weights.sum(axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        shares = np.where(total > 0, weights / total, 0.0)
    recruits = shares * workers[:, np.newaxis]
    not_found = np.where(total[:, 0] > 0, 0.0, workers)
    return recruits, not_found


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


def allocate_residences(
    workers: Array,
    *,
    recruit_local_share: float,
    labour_force: Array,
    acceptance_zones: Array,
    capacity: Array,
    acceptance_units: Array,
    preference_zones: Array | None = None,
    preference_units: Array | None = None,
    dwellings_per_worker: float = 1.0,
) -> Allocation:
    """Allocate every site's workers to homes: local recruits, in-movers, long-distance.

    Parameters
    ----------
    workers
        Per site: direct workers.
    recruit_local_share
        Share of workers recruited among people already living in the region.
    labour_force
        Per zone: employed residents.
    acceptance_zones
        Sites × zones: a(t) of commuting from each zone.
    capacity
        Per housing unit: free dwellings.
    acceptance_units
        Sites × housing units: a(t) of commuting from each unit.
    preference_zones, preference_units
        Relative weights p(t); all ones (acceptance alone) if omitted.
    dwellings_per_worker
        Dwellings one in-moving worker needs (1.0: one household per worker).

    Returns
    -------
    Allocation
        Workers conserved: recruits + movers + unhoused equals ``workers``.
    """
    if not 0.0 <= recruit_local_share <= 1.0:
        raise ConfigError(f"recruit_local_share must lie in [0, 1], found {recruit_local_share}")
    if dwellings_per_worker <= 0:
        raise ConfigError(f"dwellings_per_worker must be positive, found {dwellings_per_worker}")
    workers = np.asarray(workers, dtype=float)
    if (workers < 0).any():
        raise ConfigError("workers per site must be non-negative")
    acceptance_zones = np.asarray(acceptance_zones, dtype=float)
    acceptance_units = np.asarray(acceptance_units, dtype=float)
    zone_weights = acceptance_zones * (1.0 if preference_zones is None else np.asarray(preference_zones, float))
    recruits, not_found = recruit_local(workers * recruit_local_share, np.asarray(labour_force, float), zone_weights)
    movers_demand = workers * (1.0 - recruit_local_share) + not_found
    placed, unplaced, iterations, residual = allocate_in_movers(
        movers_demand * dwellings_per_worker,
        np.asarray(capacity, float),
        acceptance_units,
        preference=preference_units,
    )
    return Allocation(
        recruits=recruits,
        movers=placed / dwellings_per_worker,
        unhoused=unplaced / dwellings_per_worker,
        iterations=iterations,
        residual=residual,
    )
