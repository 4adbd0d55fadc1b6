"""Ranges instead of point figures: sample the parameter table, evaluate each sample, P10/P50/P90 and Sobol indices.

:func:`uncertainty` prepares the scenario once (layers, network, travel
times: :func:`tillvaxt_geo.scenario.run.prepare_run`), draws a Saltelli design
of Sobol' sequences over the parameter table (SALib), evaluates the cheap model
steps per sample (:func:`tillvaxt_geo.scenario.run.evaluate`) serially or as
Dask tasks (:mod:`tillvaxt_geo.scenario.engine`), and returns P10/P50/P90 of
every headline figure with SALib's first-order and total Sobol indices: which
assumption drives the range. :func:`compare_uncertainty` does the same for the
difference between two scenarios under common samples.

Each sample's parameter values are a function of its row of the design
(seeded), never of a worker's random state, and results are kept in sample
order, so a fixed seed gives the same figures on any engine.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.errors import ConfigError, ModelError
from tillvaxt_geo.figures import FIGURES, figure_keys
from tillvaxt_geo.model.calibration import commute_fit, decay_grid
from tillvaxt_geo.model.commute import Pools
from tillvaxt_geo.model.decay import Decay
from tillvaxt_geo.naming import did_you_mean
from tillvaxt_geo.scenario.config import Scenario, Workforce
from tillvaxt_geo.scenario.engine import map_chunks
from tillvaxt_geo.scenario.parameter_table import Kind, ParameterTable, UncertainParameter, table_for
from tillvaxt_geo.scenario.results import ScenarioResult
from tillvaxt_geo.scenario.run import PreparedRun, evaluate, prepare_run

__all__ = [
    "PERCENTILES",
    "UncertaintyResult",
    "analyse",
    "apply_parameters",
    "base_samples",
    "calibrated_decays",
    "compare_uncertainty",
    "sample_unit",
    "scenario_table",
    "uncertainty",
    "with_uncertainty",
]

#: the percentiles reported for every figure
PERCENTILES = (10, 50, 90)
FIGURE_KEYS: tuple[str, ...] = figure_keys()
_DIGITS = {f.key: f for f in FIGURES}


def apply_parameters(scenario: Scenario, values: Mapping[str, Any]) -> Scenario:
    """``scenario`` with sampled parameter values, by dotted name (:data:`.parameter_table.PARAMETERS`).

    Raises
    ------
    ConfigError
        A value the parameter does not allow (the dataclasses validate).
    """
    commute, economy, housing, workforce = scenario.commute, scenario.economy, scenario.housing, scenario.workforce
    ordered = sorted(values.items(), key=lambda item: item[0] != "commute.decay")  # a whole decay first
    for name, value in ordered:
        section, _, key = name.partition(".")
        if name == "workforce":
            workforce = Workforce(value)
        elif name == "commute.decay":
            if not isinstance(value, Decay):
                raise ConfigError(f"commute.decay must be sampled from the calibration, found {value!r}")
            commute = dataclasses.replace(commute, decay=value)
        elif key in ("acceptance_midpoint_min", "acceptance_scale_min"):
            acceptance = dataclasses.replace(commute.acceptance, **_one(key.removeprefix("acceptance_"), value))
            commute = dataclasses.replace(commute, acceptance=acceptance)
        elif key in ("in_mover_share", "long_distance_share"):
            pools = commute.pools
            moved = float(value) if key == "in_mover_share" else pools.in_movers
            distant = float(value) if key == "long_distance_share" else pools.long_distance
            # today's labour force takes the rest of 1 (sampled shares are each at most 0.5)
            commute = dataclasses.replace(commute, pools=Pools(round(1.0 - moved - distant, 12), moved, distant))
        elif key.startswith("choice_"):
            choice = dataclasses.replace(commute.choice, **_one(key.removeprefix("choice_"), value))
            commute = dataclasses.replace(commute, choice=choice)
        elif key in ("midpoint_min", "scale_min", "shape"):
            commute = dataclasses.replace(commute, decay=dataclasses.replace(commute.decay, **_one(key, value)))
        elif section == "commute":
            commute = dataclasses.replace(commute, **_one(key, value))
        elif section == "economy":
            economy = dataclasses.replace(economy, **_one(key, value))
        elif section == "housing":
            housing = dataclasses.replace(housing, **_one(key, value))
        else:
            raise ConfigError(f"{name!r} is not a parameter that can be sampled")
    return scenario.replace(commute=commute, economy=economy, housing=housing, workforce=workforce)


def _one(key: str, value: Any) -> dict[str, Any]:
    """One numeric field of a frozen dataclass, for ``dataclasses.replace``."""
    return {key: float(value)}


def scenario_table(scenario: Scenario, *, only: Sequence[str] = ()) -> ParameterTable:
    """The shipped table with the scenario's ``[uncertainty]`` overrides (``only``: just these parameters)."""
    return table_for(scenario.uncertainty, only=only)


def calibrated_decays(prepared: PreparedRun, scenario: Scenario, *, tolerance: float) -> tuple[Decay, ...]:
    """The calibration's decays whose fit to today's commuting is within ``(1 + tolerance)`` × the best.

    Searches the calibration grid (:func:`~tillvaxt_geo.model.calibration.decay_grid`)
    of the scenario's decay form around its parameters (midpoint ½–2×,
    shape/scale ± 1.5), best fit first.
    """
    if prepared.net is None:
        raise ModelError("the calibrated decay needs the prepared run's network; use prepare_run, not for_samples()")
    decay = scenario.commute.decay
    times = prepared.today
    fits = []
    for candidate in decay_grid(decay.form):
        near = decay.midpoint_min / 2 <= candidate.midpoint_min <= decay.midpoint_min * 2
        near &= abs(candidate.shape - decay.shape) <= 1.5 and abs(candidate.scale_min - decay.scale_min) <= 1.5
        if not near:
            continue
        try:
            fits.append(commute_fit(prepared.zones, times, candidate, study_area=scenario.study_area))
        except ModelError:
            continue
    if not fits:
        return (decay,)
    best = min(f.error for f in fits)
    chosen = sorted((f for f in fits if f.error <= best * (1.0 + tolerance)), key=lambda f: f.error)
    return tuple(f.decay for f in chosen)


def _resolve(table: ParameterTable, prepared: PreparedRun, scenario: Scenario) -> ParameterTable:
    """Fill the calibrated entries with their decay sets (needs the network: done once, before sampling)."""
    entries = []
    for entry in table.entries:
        dist = entry.distribution
        if dist.kind is Kind.CALIBRATED and not dist.values:
            decays = calibrated_decays(prepared, scenario, tolerance=dist.tolerance)
            entry = dataclasses.replace(entry, distribution=dataclasses.replace(dist, values=decays))
        entries.append(entry)
    return ParameterTable(tuple(entries))


def base_samples(samples: int, n_parameters: int) -> int:
    """Saltelli base samples N (a power of two) so that N × (parameters + 2) evaluations fit in ``samples``.

    Raises
    ------
    ConfigError
        ``samples`` is below 2 × (parameters + 2), the smallest design that gives Sobol indices.
    """
    if isinstance(samples, bool) or not isinstance(samples, int) or samples < 1:
        raise ConfigError(
            f"'samples' (--samples) must be a whole number of model evaluations >= 1, found {samples!r}; "
            "1000 or more is usual"
        )
    per_base = n_parameters + 2
    if samples < 2 * per_base:
        raise ConfigError(
            f"'samples' (--samples) = {samples} is too few for {n_parameters} parameters: Sobol indices need at least "
            f"2 × ({n_parameters} + 2) = {2 * per_base} evaluations; raise --samples (1000 or more is usual)"
        )
    return int(2 ** math.floor(math.log2(samples / per_base)))


def sample_unit(n_parameters: int, samples: int, *, seed: int) -> tuple[np.ndarray, int]:
    """A Saltelli design on the unit hypercube: (rows × parameters, base N) from scrambled Sobol' sequences (SALib)."""
    from SALib.sample import sobol as sobol_sample

    if n_parameters < 1:
        raise ConfigError("the parameter table is empty: nothing to sample; add entries to [uncertainty]")
    n = base_samples(samples, n_parameters)
    names = [f"x{i}" for i in range(n_parameters)]
    problem = {"num_vars": n_parameters, "names": names, "bounds": [[0.0, 1.0]] * n_parameters}
    unit = sobol_sample.sample(problem, n, calc_second_order=False, scramble=True, seed=seed)
    return np.asarray(unit, dtype=float), n


def _values(table: ParameterTable | None, names: Sequence[str], row: np.ndarray) -> dict[str, Any]:
    if table is None:
        return {}
    present = set(table.names)
    return {name: table[name].distribution.value(u) for name, u in zip(names, row, strict=True) if name in present}


def _evaluate_block(
    shared: Sequence[tuple[PreparedRun, Scenario, ParameterTable]], block: np.ndarray, names: Sequence[str]
) -> np.ndarray:
    """Figures (:data:`FIGURE_KEYS` order, NaN undefined) of every row of ``block``, per prepared scenario."""
    out = np.full((len(block), len(FIGURE_KEYS) * len(shared)), np.nan)
    for r, row in enumerate(block):
        for s, (prepared, scenario, table) in enumerate(shared):
            values = evaluate(prepared, apply_parameters(scenario, _values(table, names, row)))
            for j, key in enumerate(FIGURE_KEYS):
                v = _DIGITS[key].rounded(values.get(key))  # as summary.json: float noise is no variance
                if v is not None:
                    out[r, s * len(FIGURE_KEYS) + j] = v
    return out


def analyse(
    outputs: pd.DataFrame, names: Sequence[str], *, base: int, seed: int, num_resamples: int = 100
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Percentiles and Sobol indices of every figure column of ``outputs`` (rows in Saltelli order).

    Returns
    -------
    percentiles
        One row per figure: ``figure, p10, p50, p90, mean, min, max, n``.
    sobol
        One row per figure and parameter: ``figure, parameter, S1, S1_conf, ST, ST_conf``;
        a figure that no parameter moves has indices 0, one with undefined values none.
    """
    from SALib.analyze import sobol as sobol_analyze

    problem = {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}
    rows, index_rows = [], []
    for key in outputs.columns:
        y = outputs[key].to_numpy(float)
        finite = y[np.isfinite(y)]
        p = np.percentile(finite, PERCENTILES) if len(finite) else [np.nan] * len(PERCENTILES)
        rows.append(
            {
                "figure": key,
                **{f"p{q}": float(v) for q, v in zip(PERCENTILES, p, strict=True)},
                "mean": float(finite.mean()) if len(finite) else np.nan,
                "min": float(finite.min()) if len(finite) else np.nan,
                "max": float(finite.max()) if len(finite) else np.nan,
                "n": len(finite),
            }
        )
        if len(finite) < len(y):
            continue  # undefined in some samples (no timetable, no daily commuters): no indices
        if np.ptp(y) == 0:
            indices = {k: np.zeros(len(names)) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                si = sobol_analyze.analyze(
                    problem, y, calc_second_order=False, num_resamples=num_resamples, print_to_console=False, seed=seed
                )
            indices = {k: np.asarray(si[k], float) for k in ("S1", "S1_conf", "ST", "ST_conf")}
        for i, name in enumerate(names):
            index_rows.append({"figure": key, "parameter": name, **{k: float(v[i]) for k, v in indices.items()}})
    percentiles = pd.DataFrame(rows)
    sobol = pd.DataFrame(index_rows, columns=["figure", "parameter", "S1", "S1_conf", "ST", "ST_conf"])
    return percentiles, sobol


@dataclass(frozen=True)
class UncertaintyResult:
    """An uncertainty run: the samples, the figures per sample, their percentiles and Sobol indices.

    Attributes
    ----------
    name, title
        The scenario's (or ``base_vs_other`` for a comparison).
    table
        The parameters sampled, with distributions and sources (calibrated entries resolved).
    seed
        The seed of the Sobol' sequences.
    base
        Saltelli base samples N; the model ran N × (parameters + 2) times.
    parameters
        Samples × parameters: the values each sample used (decays as text).
    outputs
        Samples × figures (NaN where undefined).
    percentiles
        Per figure: P10, P50, P90, mean, min, max (:func:`analyse`).
    sobol
        Per figure and parameter: first-order (S1) and total (ST) Sobol indices with 95 % confidence.
    engine
        Where it ran: ``serial`` or the Dask scheduler's address and worker count.
    comparison
        For :func:`compare_uncertainty`: ``(base, other)``; figures are other − base.
    """

    name: str
    title: str
    table: ParameterTable
    seed: int
    base: int
    parameters: pd.DataFrame
    outputs: pd.DataFrame
    percentiles: pd.DataFrame
    sobol: pd.DataFrame
    engine: str
    comparison: tuple[str, str] | None = None

    @property
    def samples(self) -> int:
        """Model evaluations (per scenario)."""
        return len(self.outputs)

    def drivers(self, figure: str = "total_jobs") -> pd.DataFrame:
        """The parameters by total Sobol index for ``figure``, largest first."""
        rows = self.sobol[self.sobol["figure"] == figure]
        return rows.sort_values("ST", ascending=False, kind="stable").reset_index(drop=True)

    def verdict(self, figure: str = "total_jobs") -> str:
        """One sentence: the 80 % range of ``figure`` and which assumption drives it."""
        match = self.percentiles[self.percentiles["figure"] == figure]
        if match.empty:
            raise ConfigError(f"no figure {figure!r} in this run.{did_you_mean(figure, self.percentiles['figure'])}")
        row = {str(k): float(v) for k, v in match.iloc[0].drop(["figure", "n"]).items()}
        unit = _DIGITS[figure].unit if figure in _DIGITS else ""
        what = "difference in " if self.comparison else ""
        if not np.isfinite(row["p10"]):
            return f"{what}{figure}: undefined in every sample."
        if unit == "share":
            low, mid, high = (f"{100 * row[k]:.1f}" for k in ("p10", "p50", "p90"))
            text = f"{what}{figure}: {low}–{high} % (80 % range, P10–P90), median {mid} %"
        else:
            low, mid, high = (_n(row[k]) for k in ("p10", "p50", "p90"))
            text = f"{what}{figure}: {low}–{high} {unit} (80 % range, P10–P90), median {mid}"
        drivers = self.drivers(figure)
        drivers = drivers[drivers["ST"] > 0.01]
        if len(drivers):
            top = drivers.iloc[0]
            text += f"; mostly a question of {top['parameter']} (total Sobol index {top['ST']:.2f})"
            if len(drivers) > 1:
                text += ", then " + ", ".join(f"{r.parameter} ({r.ST:.2f})" for r in drivers.iloc[1:3].itertuples())
        return text + "."


def _n(value: float) -> str:
    """A number for a sentence: thin-space thousands, two decimals for shares."""
    if abs(value) < 10 and value != round(value):
        return f"{value:.2f}"
    return f"{value:,.0f}".replace(",", " ")


def _prepare(scenario: Scenario, layers: Layers | None, only: Sequence[str]) -> tuple[PreparedRun, ParameterTable]:
    prepared = prepare_run(scenario, layers)
    table = _resolve(scenario_table(scenario, only=only), prepared, scenario)
    return prepared, table


def _sample_frame(table: ParameterTable, names: Sequence[str], unit: np.ndarray) -> pd.DataFrame:
    rows = []
    for row in unit:
        values = _values(table, names, row)
        rows.append({k: (v.parameters() if isinstance(v, Decay) else v) for k, v in values.items()})
    frame = pd.DataFrame(rows, columns=[n for n in names if n in table.names])
    if "commute.decay" in frame:
        frame["commute.decay"] = frame["commute.decay"].map(lambda d: " ".join(f"{k}={v}" for k, v in d.items()))
    frame.index.name = "sample"
    return frame


def _run(
    cases: Sequence[tuple[Scenario, Layers | None]],
    *,
    samples: int,
    seed: int,
    only: Sequence[str],
    client: Any,
    chunk_size: int,
    progress: Callable[[int, int], None] | None,
) -> tuple[list[tuple[PreparedRun, Scenario, ParameterTable]], list[str], np.ndarray, int, np.ndarray]:
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise ConfigError(f"'seed' must be a whole number >= 0, found {seed!r}")
    shared = []
    names: list[str] = []
    for scenario, layers in cases:
        prepared, table = _prepare(scenario, layers, only)
        shared.append((prepared.for_samples(), scenario, table))
        names += [n for n in table.names if n not in names]
    unit, base = sample_unit(len(names), samples, seed=seed)
    figures = map_chunks(
        _evaluate_block, shared, unit, args=(names,), client=client, chunk_size=chunk_size, progress=progress
    )
    return shared, names, unit, base, figures


def _engine(client: Any) -> str:
    if client is None:
        return "serial"
    info = client.scheduler_info()
    return f"dask {info.get('address', '?')} with {len(info.get('workers', {}))} workers"


def uncertainty(
    scenario: Scenario,
    *,
    samples: int = 1024,
    seed: int = 0,
    layers: Layers | None = None,
    only: Sequence[str] = (),
    client: Any = None,
    chunk_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> UncertaintyResult:
    """P10/P50/P90 of every headline figure of ``scenario`` and the Sobol indices of each parameter.

    Parameters
    ----------
    scenario
        The scenario; its ``[uncertainty]`` tables override the shipped parameter table.
    samples
        Model evaluations wanted; the Saltelli base N is the largest power of
        two with N × (parameters + 2) ≤ ``samples``.
    seed
        Seed of the scrambled Sobol' sequences: the same seed, the same figures on any engine.
    layers
        A layer set to use instead of the scenario's.
    only
        Sample just these parameters (others stay at the scenario's values).
    client
        A ``distributed.Client`` (:func:`tillvaxt_geo.scenario.engine.connect`); ``None`` runs serially.
    chunk_size
        Samples per Dask task.
    progress
        Called with ``(samples done, samples total)``.

    Returns
    -------
    UncertaintyResult
        Samples, figures per sample, percentiles and Sobol indices.

    Raises
    ------
    ConfigError
        Too few samples, a bad seed, or an unknown parameter in ``only``.
    ModelError
        Samples were lost on a failed worker (nothing partial is returned).
    """
    shared, names, unit, base, figures = _run(
        [(scenario, layers)], samples=samples, seed=seed, only=only, client=client, chunk_size=chunk_size,
        progress=progress,
    )  # fmt: skip
    table = shared[0][2]
    outputs = pd.DataFrame(figures, columns=list(FIGURE_KEYS))
    outputs.index.name = "sample"
    percentiles, sobol = analyse(outputs, names, base=base, seed=seed)
    return UncertaintyResult(
        name=scenario.name,
        title=scenario.title,
        table=ParameterTable(tuple(table[n] if n in table.names else _kept(n) for n in names)),
        seed=seed,
        base=base,
        parameters=_sample_frame(table, names, unit),
        outputs=outputs,
        percentiles=percentiles,
        sobol=sobol,
        engine=_engine(client),
    )


def _kept(name: str) -> UncertainParameter:
    from tillvaxt_geo.scenario.parameter_table import Distribution

    return UncertainParameter(name, Distribution(kind=Kind.FIXED), "kept at the scenario's value in this scenario")


def compare_uncertainty(
    base: Scenario,
    other: Scenario,
    *,
    samples: int = 1024,
    seed: int = 0,
    layers: Layers | None = None,
    other_layers: Layers | None = None,
    only: Sequence[str] = (),
    client: Any = None,
    chunk_size: int = 64,
    progress: Callable[[int, int], None] | None = None,
) -> UncertaintyResult:
    """The difference ``other − base`` of every figure under common samples, with its range and drivers.

    Both scenarios evaluate the same rows of one design: a parameter both
    tables hold takes the same quantile in both, so the difference shows what
    the scenarios change, not sampling noise. ``other_layers`` is the other
    scenario's layer set (default: ``layers``); other options as for :func:`uncertainty`.
    """
    cases = [(base, layers), (other, other_layers if other_layers is not None else layers)]
    shared, names, unit, n_base, figures = _run(
        cases, samples=samples, seed=seed, only=only, client=client, chunk_size=chunk_size, progress=progress
    )
    f = len(FIGURE_KEYS)
    outputs = pd.DataFrame(figures[:, f:] - figures[:, :f], columns=list(FIGURE_KEYS))
    outputs.index.name = "sample"
    percentiles, sobol = analyse(outputs, names, base=n_base, seed=seed)
    table = shared[0][2]
    return UncertaintyResult(
        name=f"{base.name}_vs_{other.name}",
        title=f"{other.title} − {base.title}",
        table=ParameterTable(tuple(table[n] if n in table.names else shared[1][2][n] for n in names)),
        seed=seed,
        base=n_base,
        parameters=_sample_frame(table, names, unit),
        outputs=outputs,
        percentiles=percentiles,
        sobol=sobol,
        engine=_engine(client),
        comparison=(base.name, other.name),
    )


def with_uncertainty(
    result: ScenarioResult, layers: Layers | None = None, *, samples: int = 512, seed: int = 1
) -> ScenarioResult:
    """``result`` with the uncertainty of its scenario attached (run serially), for its map page.

    Parameters
    ----------
    result
        A scenario result.
    layers
        The layer set the scenario ran on, *before* its changes (``None``: the scenario's own).
    samples, seed
        As for :func:`uncertainty`.

    Returns
    -------
    ScenarioResult
        The same result with :attr:`~tillvaxt_geo.scenario.results.ScenarioResult.uncertainty` set.
    """
    return dataclasses.replace(
        result, uncertainty=uncertainty(result.scenario, samples=samples, seed=seed, layers=layers)
    )
