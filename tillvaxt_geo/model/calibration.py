"""Calibrating commute acceptance on today's commuting with a doubly constrained gravity model.

Existing workers (employed residents per zone) are matched to jobs per zone by
``T[i, j] = A[i] O[i] B[j] D[j] f(t[i, j])`` (Furness balancing). The decay
f(t) is fitted so that the model reproduces, for the study area:

- the share of employed residents who work in their home municipality
  (Ludvika ≈ 82 %, Smedjebacken ≈ 49 %, 2021; SCB register data via Region
  Dalarna, FACTS §12), and
- the survey's commute-time bands (If survey, n = 5 003: ≤5 min 11 %, 6–14
  36 %, 15–29 30 %, 30–44 14 %, 45–59 6 %, ≥60 4 %; FACTS §8, S87), with
  Dalarna's mean one-way commute of 18.1 min (S88) reported beside it.

Pure computation on arrays and frames; the network supplies the times.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd
from numpy.typing import NDArray

from tillvaxt_geo.errors import ModelError
from tillvaxt_geo.model.decay import Decay, DecayForm

__all__ = [
    "OBSERVED_HOME_SHARE",
    "SURVEY_BANDS",
    "CommuteFit",
    "Gravity",
    "Optimisation",
    "calibrate_decay",
    "commute_fit",
    "decay_grid",
    "gravity_flows",
    "gravity_model",
    "intrazonal_times",
]

Array = NDArray[np.float64]

#: share of employed residents working in their home municipality, 2021 (FACTS §12)
OBSERVED_HOME_SHARE: dict[str, float] = {"Ludvika": 0.82, "Smedjebacken": 0.49}
#: in-commuters' share of the jobs located in the municipality, 2021 (FACTS §12)
OBSERVED_IN_COMMUTER_SHARE: dict[str, float] = {"Ludvika": 0.243, "Smedjebacken": 0.254}
#: commute-time bands (label, upper bound in minutes, share), If survey n = 5 003 (FACTS §8, S87)
SURVEY_BANDS: tuple[tuple[str, float, float], ...] = (
    ("≤5 min", 5.5, 0.11),
    ("6–14 min", 14.5, 0.36),
    ("15–29 min", 29.5, 0.30),
    ("30–44 min", 44.5, 0.14),
    ("45–59 min", 59.5, 0.06),
    ("≥60 min", np.inf, 0.04),
)
#: mean one-way commute in Dalarna, minutes (If 2014, FACTS §8, S88)
DALARNA_MEAN_MIN = 18.1


def intrazonal_times(
    zones: pd.DataFrame,
    *,
    urban_density_per_km2: float = 1500.0,
    rural_density_per_km2: float = 5.0,
    urban_speed_kmh: float = 30.0,
    rural_speed_kmh: float = 60.0,
    terminal_min: float = 3.0,
) -> Array:
    """Typical commute time within each zone, from its population and kind.

    A zone is taken as a disc holding its population at a typical density
    ([E] assumption: 1 500 residents/km² in towns, 5 in rural remainders);
    the mean distance between two random points of a disc of radius r is
    0.905 r, driven at a typical speed plus terminal time (parking, walking).

    Parameters
    ----------
    zones
        Zones with ``population`` and ``kind``.

    Returns
    -------
    numpy.ndarray
        Minutes per zone.
    """
    population = zones["population"].to_numpy(dtype=float)
    rural = (zones["kind"] == "rural").to_numpy() if "kind" in zones else np.zeros(len(zones), bool)
    density = np.where(rural, rural_density_per_km2, urban_density_per_km2)
    speed = np.where(rural, rural_speed_kmh, urban_speed_kmh)
    radius_km = np.sqrt(np.maximum(population, 1.0) / density / np.pi)
    return np.asarray(terminal_min + 0.905 * radius_km / speed * 60.0)


@dataclass(frozen=True)
class Gravity:
    """A balanced doubly constrained gravity model ``T[i, j] = A[i] O[i] B[j] D[j] f(t[i, j])``.

    Attributes
    ----------
    flows
        Zones × zones: workers living in i and working in j.
    origin_factors
        ``A[i]``: how much competition for zone i's workers the other jobs in
        reach put up; a new workplace s draws from zone i in proportion to
        ``A[i] O[i] f(t[i, s])``, as today's jobs do.
    destination_factors
        ``B[j] D[j]``: each zone's jobs times its balancing factor.
    iterations
        Furness rounds used.
    """

    flows: Array
    origin_factors: Array
    destination_factors: Array
    iterations: int


def gravity_model(
    origins: Array,
    destinations: Array,
    acceptance: Array,
    *,
    tol: float = 1e-7,
    max_iter: int = 2000,
) -> Gravity:
    """Doubly constrained gravity flows by Furness balancing, with the balancing factors.

    Parameters
    ----------
    origins
        Per zone: employed residents (row totals).
    destinations
        Per zone: jobs (column totals); rescaled to the origins' total.
    acceptance
        Zones × zones: f(t).

    Returns
    -------
    Gravity
        Flows, origin and destination factors, rounds used.

    Raises
    ------
    ModelError
        No labour force or jobs, or the balancing does not converge (isolated zones).
    """
    o = np.asarray(origins, dtype=float)
    d = np.asarray(destinations, dtype=float)
    if d.sum() <= 0 or o.sum() <= 0:
        raise ModelError("the gravity model needs positive labour force and jobs in the zones")
    d = d * o.sum() / d.sum()
    f = np.asarray(acceptance, dtype=float)
    b = np.ones_like(d)
    for iteration in range(1, max_iter + 1):
        with np.errstate(all="ignore"):
            pull = (f * (b * d)).sum(axis=1)
            a = np.where(pull > 0, 1.0 / pull, 0.0)
            flows = (a * o)[:, None] * f * (b * d)[None, :]
            col = flows.sum(axis=0)
            b_new = np.where(col > 0, b * d / np.where(col > 0, col, 1.0), b)
        if not np.isfinite(flows).all():
            break
        if np.max(np.abs(col - d)) <= tol * max(d.sum(), 1.0):
            return Gravity(flows=flows, origin_factors=a, destination_factors=b * d, iterations=iteration)
        b = b_new
    raise ModelError(f"gravity balancing did not converge in {max_iter} rounds; check for isolated zones")


def gravity_flows(
    origins: Array,
    destinations: Array,
    acceptance: Array,
    *,
    tol: float = 1e-7,
    max_iter: int = 2000,
) -> tuple[Array, int]:
    """Doubly constrained gravity flows by Furness balancing (:func:`gravity_model` without the factors).

    Returns
    -------
    tuple
        The flow matrix and the rounds used.
    """
    model = gravity_model(origins, destinations, acceptance, tol=tol, max_iter=max_iter)
    return model.flows, model.iterations


@dataclass(frozen=True)
class CommuteFit:
    """How well a decay reproduces today's commuting.

    Attributes
    ----------
    decay
        The decay evaluated.
    home_share
        Per municipality and measure (share working at home, in-commuters'
        share of jobs): observed and modelled.
    bands
        Per band: survey and modelled share of commutes.
    mean_time_min
        Modelled mean commute of study-area residents.
    error
        The objective (squared share errors + half the squared band errors).
    iterations
        Furness rounds used.
    optimisation
        How the calibration found it (``None`` for a single evaluation).
    """

    decay: Decay
    home_share: pd.DataFrame
    bands: pd.DataFrame
    mean_time_min: float
    error: float
    iterations: int
    optimisation: Optimisation | None = None

    def as_dict(self) -> dict[str, object]:
        """Plain values for summary.json."""
        extra = {"optimisation": self.optimisation.as_dict()} if self.optimisation is not None else {}
        return {
            **extra,
            "decay": self.decay.parameters(),
            "commuting_shares": self.home_share.to_dict(orient="records"),
            "commute_time_bands": self.bands.to_dict(orient="records"),
            "mean_commute_min": round(self.mean_time_min, 2),
            "dalarna_mean_commute_min": DALARNA_MEAN_MIN,
            "objective": round(self.error, 6),
        }


def commute_fit(
    zones: pd.DataFrame,
    times_min: Array,
    decay: Decay,
    *,
    study_area: Sequence[str],
    observed: Mapping[str, float] = OBSERVED_HOME_SHARE,
    in_commuters: Mapping[str, float] = OBSERVED_IN_COMMUTER_SHARE,
    band_weight: float = 0.5,
) -> CommuteFit:
    """Evaluate a decay against today's commuting.

    Parameters
    ----------
    zones
        Zones with ``labour_force``, ``jobs``, ``municipality``.
    times_min
        Zones × zones travel times with intrazonal times on the diagonal.
    decay
        The acceptance function.
    study_area
        Municipalities whose residents the bands and mean describe.
    observed
        Municipality to observed share working in the home municipality.
    in_commuters
        Municipality to observed share of its jobs held by in-commuters.
    band_weight
        Weight of the band errors against the municipal-share errors.

    Returns
    -------
    CommuteFit
        Modelled versus observed figures.
    """
    flows, iterations = gravity_flows(
        zones["labour_force"].to_numpy(float), zones["jobs"].to_numpy(float), decay(times_min)
    )
    municipality = zones["municipality"].to_numpy()
    rows = []
    for name, share in observed.items():
        home = municipality == name
        if not home.any():
            continue
        total = flows[home].sum()
        modelled = flows[np.ix_(home, home)].sum() / total if total > 0 else np.nan
        rows.append(
            {"municipality": name, "measure": "works in home municipality", "observed": share, "modelled": modelled}
        )
    for name, share in in_commuters.items():
        here = municipality == name
        jobs_here = flows[:, here].sum()
        if not here.any() or jobs_here <= 0:
            continue
        modelled = flows[np.ix_(~here, here)].sum() / jobs_here
        rows.append(
            {"municipality": name, "measure": "in-commuters' share of jobs", "observed": share, "modelled": modelled}
        )
    home_share = pd.DataFrame(rows, columns=["municipality", "measure", "observed", "modelled"])
    home_share["modelled"] = home_share["modelled"].astype(float)
    local = np.isin(municipality, list(study_area))
    local_flows = flows[local]
    local_times = times_min[local]
    total = local_flows.sum()
    lower = 0.0
    band_rows = []
    for label, upper, survey in SURVEY_BANDS:
        mask = (local_times >= lower) & (local_times < upper)
        band_rows.append({"band": label, "survey": survey, "modelled": float(local_flows[mask].sum() / total)})
        lower = upper
    bands = pd.DataFrame(band_rows)
    finite = np.isfinite(local_times)
    mean_time = float((local_flows[finite] * local_times[finite]).sum() / local_flows[finite].sum())
    error = float(((home_share["modelled"] - home_share["observed"]) ** 2).sum())
    error += band_weight * float(((bands["modelled"] - bands["survey"]) ** 2).sum())
    return CommuteFit(decay, home_share, bands, mean_time, error, iterations)


def decay_grid(form: DecayForm | str) -> list[Decay]:
    """The default candidates searched for one decay form.

    logistic: midpoint 4–60 min × scale 1–15 min; log-logistic: midpoint
    4–60 min × shape 1–8; exponential: rate 0.01–0.40 per minute; step:
    cutoff 5–90 min.
    """
    form = DecayForm.parse(form)
    midpoints = np.arange(4.0, 61.0, 1.0)
    if form is DecayForm.LOGISTIC:
        return [Decay(form=form, midpoint_min=m, scale_min=s) for m in midpoints for s in np.arange(1.0, 15.5, 0.5)]
    if form is DecayForm.LOG_LOGISTIC:
        return [Decay(form=form, midpoint_min=m, shape=k) for m in midpoints for k in np.arange(1.0, 8.5, 0.5)]
    if form is DecayForm.EXPONENTIAL:
        return [Decay(form=form, rate_per_min=r) for r in np.arange(0.01, 0.405, 0.005)]
    return [Decay(form=form, cutoff_min=c) for c in np.arange(5.0, 91.0, 1.0)]


#: the parameters :func:`calibrate_decay` optimises per form, with the start grid of each (minutes or per minute)
_FREE: dict[DecayForm, tuple[tuple[str, tuple[float, ...]], ...]] = {
    DecayForm.LOG_LOGISTIC: (("midpoint_min", (4.0, 8.0, 15.0, 30.0)), ("shape", (1.5, 2.5, 4.0, 6.0))),
    DecayForm.LOGISTIC: (("midpoint_min", (5.0, 10.0, 20.0, 40.0)), ("scale_min", (1.5, 3.0, 6.0, 12.0))),
    DecayForm.EXPONENTIAL: (("rate_per_min", (0.02, 0.05, 0.1, 0.2, 0.4)),),
}


@dataclass(frozen=True)
class Optimisation:
    """How :func:`calibrate_decay` found its answer: method, iterations, evaluations and seconds."""

    method: str
    iterations: int
    evaluations: int
    seconds: float
    converged: bool

    def as_dict(self) -> dict[str, object]:
        """Plain values for reports."""
        return {
            "method": self.method,
            "iterations": self.iterations,
            "evaluations": self.evaluations,
            "seconds": round(self.seconds, 3),
            "converged": self.converged,
        }


def calibrate_decay(
    zones: pd.DataFrame,
    times_min: Array,
    *,
    study_area: Sequence[str],
    form: DecayForm | str = DecayForm.LOGISTIC,
    candidates: Iterable[Decay] | None = None,
    observed: Mapping[str, float] = OBSERVED_HOME_SHARE,
    in_commuters: Mapping[str, float] = OBSERVED_IN_COMMUTER_SHARE,
) -> CommuteFit:
    """Fit a decay to today's commuting: the smallest objective of :func:`commute_fit`.

    The logistic, log-logistic and exponential forms are fitted with
    :func:`scipy.optimize.minimize` (Nelder–Mead on the logarithms of the
    parameters, so they stay positive), started from the best point of a
    small grid so that a local minimum far from the best is not taken; the
    step form, which has no gradient in its cutoff, is searched on
    :func:`decay_grid`. ``fit.optimisation`` reports iterations, evaluations
    and time.

    Parameters
    ----------
    zones, times_min, study_area, observed, in_commuters
        As for :func:`commute_fit`.
    form
        Decay form to fit.
    candidates
        Decays to search instead (a grid search; no optimiser).

    Returns
    -------
    CommuteFit
        The best fit, with :attr:`CommuteFit.optimisation`.

    Raises
    ------
    ModelError
        No candidate balances the gravity model.
    """
    import time

    from scipy.optimize import minimize

    started = time.perf_counter()
    form = DecayForm.parse(form)
    evaluations = 0

    def fit_of(decay: Decay) -> CommuteFit | None:
        nonlocal evaluations
        evaluations += 1
        try:
            return commute_fit(
                zones, times_min, decay, study_area=study_area, observed=observed, in_commuters=in_commuters
            )
        except ModelError:  # so steep that some jobs cannot be filled: not a candidate
            return None

    def best_of(decays: Iterable[Decay]) -> CommuteFit | None:
        best: CommuteFit | None = None
        for decay in decays:
            fit = fit_of(decay)
            if fit is not None and (best is None or fit.error < best.error):
                best = fit
        return best

    if candidates is not None or form not in _FREE:
        best = best_of(candidates if candidates is not None else decay_grid(form))
        if best is None:
            raise ModelError("no decay among the candidates balances the gravity model; widen the grid")
        run = Optimisation("grid", 0, evaluations, time.perf_counter() - started, True)
        return dataclasses.replace(best, optimisation=run)

    names = [name for name, _ in _FREE[form]]
    start = best_of(
        Decay(form=form, **dict(zip(names, values, strict=True)))
        for values in itertools.product(*(grid for _, grid in _FREE[form]))
    )
    if start is None:
        raise ModelError(f"no {form.value} decay on the start grid balances the gravity model")

    def objective(log_params: Array) -> float:
        fit = fit_of(Decay(form=form, **dict(zip(names, np.exp(log_params).tolist(), strict=True))))
        return fit.error if fit is not None else 1e3

    x0 = np.log([float(getattr(start.decay, n)) for n in names])
    result = minimize(objective, x0, method="Nelder-Mead", options={"xatol": 1e-4, "fatol": 1e-8, "maxiter": 400})
    best = fit_of(Decay(form=form, **dict(zip(names, np.exp(result.x).tolist(), strict=True))))
    if best is None or best.error > start.error:
        best = start
    run = Optimisation("Nelder-Mead", int(result.nit), evaluations, time.perf_counter() - started, bool(result.success))
    return dataclasses.replace(best, optimisation=run)
