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
    "calibrate_decay",
    "commute_fit",
    "decay_grid",
    "gravity_flows",
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


def gravity_flows(
    origins: Array,
    destinations: Array,
    acceptance: Array,
    *,
    tol: float = 1e-7,
    max_iter: int = 2000,
) -> tuple[Array, int]:
    """Doubly constrained gravity flows by Furness balancing.

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
    tuple
        The flow matrix and the rounds used.
    """
    o = np.asarray(origins, dtype=float)
    d = np.asarray(destinations, dtype=float)
    if d.sum() <= 0 or o.sum() <= 0:
        raise ModelError("the gravity model needs positive labour force and jobs in the zones")
    d = d * o.sum() / d.sum()
    f = np.asarray(acceptance, dtype=float)
    b = np.ones_like(d)
    flows = np.zeros_like(f)
    for iteration in range(1, max_iter + 1):
        with np.errstate(all="ignore"):
            a = np.where((f * (b * d)).sum(axis=1) > 0, 1.0 / (f * (b * d)).sum(axis=1), 0.0)
            flows = (a * o)[:, None] * f * (b * d)[None, :]
            col = flows.sum(axis=0)
            b_new = np.where(col > 0, b * d / np.where(col > 0, col, 1.0), b)
        if not np.isfinite(flows).all():
            break
        if np.max(np.abs(col - d)) <= tol * max(d.sum(), 1.0):
            return flows, iteration
        b = b_new
    raise ModelError(f"gravity balancing did not converge in {max_iter} rounds; check for isolated zones")


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
    """

    decay: Decay
    home_share: pd.DataFrame
    bands: pd.DataFrame
    mean_time_min: float
    error: float
    iterations: int

    def as_dict(self) -> dict[str, object]:
        """Plain values for summary.json."""
        return {
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
    """Fit a decay by searching candidates for the smallest objective.

    Parameters
    ----------
    zones, times_min, study_area, observed, in_commuters
        As for :func:`commute_fit`.
    form
        Decay form whose default grid (:func:`decay_grid`) is searched.
    candidates
        Decays to try instead of the default grid.

    Returns
    -------
    CommuteFit
        The best candidate's fit.

    Raises
    ------
    ModelError
        No candidate balances the gravity model.
    """
    best: CommuteFit | None = None
    for decay in candidates if candidates is not None else decay_grid(form):
        try:
            fit = commute_fit(
                zones, times_min, decay, study_area=study_area, observed=observed, in_commuters=in_commuters
            )
        except ModelError:  # so steep that some jobs cannot be filled: not a candidate
            continue
        if best is None or fit.error < best.error:
            best = fit
    if best is None:
        raise ModelError("no decay among the candidates balances the gravity model; widen the grid")
    return best
