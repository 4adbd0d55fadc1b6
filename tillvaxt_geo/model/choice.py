"""Residential choice of in-movers: a multinomial logit over places to live, on commute time, size and attractiveness.

An in-moving worker of site s chooses a dwelling among housing units k (the
vacant stock of every zone, inside and outside the study area, and the
housing land released by the scenario year). With ``n[k]`` dwellings free,
the probability of unit k is

``P[s, k] ∝ n[k] · exp(β_t · t[s, k]) · population[k]^β_pop · partner_jobs[k]^β_jobs``

a logit with a size term (``ln n[k]`` with coefficient 1: twice the free
dwellings, twice the chance, as for a unit split in two), the commute time to
the site (β_t < 0), the place's size as a proxy for services, schools and
shops (β_pop ≥ 0) and the jobs within 30 minutes by car, for a partner who
also works (β_jobs ≥ 0). Acceptance a(t) stays an absolute bound: at most
a(t) of a unit's dwellings are acceptable to a site's workers (see
:mod:`tillvaxt_geo.model.commute`, which fills the units round by round under
capacity: the capacity-constrained logit).

Defaults are assumptions [E] with the range a user may try; see
``docs/model.md`` and :data:`CHOICE_SOURCES`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from tillvaxt_geo.errors import ConfigError

__all__ = ["CHOICE_SOURCES", "ChoiceParams", "choice_weights"]

Array = NDArray[np.float64]

#: where each default comes from (shown in provenance.parameter_sources)
CHOICE_SOURCES: dict[str, str] = {
    "choice_time_per_min": (
        "[E] −0.04 per minute (try −0.02 to −0.15): the commute-time coefficient of a residential logit; "
        "with the acceptance bound a(t) it halves the odds of a place 17 min farther; within the range that "
        "keeps a 500-job workplace's in-commuter share within 5 points of today's (scripts/model_checks.py)"
    ),
    "choice_population": (
        "[E] 0.3 (try 0 to 0.6): elasticity of the choice to the place's population, a proxy for services, "
        "schools and shops; 0 makes a village and a town of equal free housing equally likely"
    ),
    "choice_partner_jobs": (
        "[E] 0.3 (try 0 to 0.6): elasticity to the jobs within 30 min by car of the place, for a partner "
        "who works too (dual-earner households are the norm in Sweden)"
    ),
}


@dataclass(frozen=True)
class ChoiceParams:
    """Coefficients of the residential logit (see the module docstring).

    Parameters
    ----------
    time_per_min
        β_t, per minute of commute to the site; must be ≤ 0.
    population
        β_pop, elasticity to the place's population; ≥ 0.
    partner_jobs
        β_jobs, elasticity to the jobs within 30 min of the place; ≥ 0.
    """

    time_per_min: float = -0.04
    population: float = 0.3
    partner_jobs: float = 0.3

    def __post_init__(self) -> None:
        for key, value in (
            ("time_per_min", self.time_per_min),
            ("population", self.population),
            ("partner_jobs", self.partner_jobs),
        ):
            if not np.isfinite(value):
                raise ConfigError(f"choice parameter '{key}' must be a finite number, found {value!r}")
        if self.time_per_min > 0:
            raise ConfigError(
                f"'choice_time_per_min' must be ≤ 0 (a longer commute never makes a place more attractive), "
                f"found {self.time_per_min!r}"
            )
        for key, value in (("choice_population", self.population), ("choice_partner_jobs", self.partner_jobs)):
            if value < 0:
                raise ConfigError(f"'{key}' must be ≥ 0 (a larger place is not less attractive), found {value!r}")


def choice_weights(time_min: Array, population: Array, partner_jobs: Array, params: ChoiceParams) -> Array:
    """Logit weights of each place for each site, without the size term (the allocation adds it).

    Parameters
    ----------
    time_min
        Sites × units: commute time in minutes (NaN: unreachable, weight 0).
    population, partner_jobs
        Per unit: the population and the jobs within 30 minutes of the place it lies in.
    params
        The coefficients.

    Returns
    -------
    numpy.ndarray
        Sites × units, non-negative, scaled so that each row's largest weight is 1.
    """
    t = np.asarray(time_min, dtype=float)
    log_w = (
        params.time_per_min * np.where(np.isfinite(t), t, 0.0)
        + params.population * np.log(np.maximum(np.asarray(population, float), 1.0))[None, :]
        + params.partner_jobs * np.log(np.maximum(np.asarray(partner_jobs, float), 1.0))[None, :]
    )
    log_w = np.where(np.isfinite(t), log_w, -np.inf)
    top = np.max(log_w, axis=1, keepdims=True, initial=-np.inf)
    with np.errstate(invalid="ignore"):
        weights = np.exp(log_w - np.where(np.isfinite(top), top, 0.0))
    return np.where(np.isfinite(t), weights, 0.0)
