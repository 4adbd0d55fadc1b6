"""The parameter table: every sampled model parameter with its distribution and its source, validated.

The table ships with the package (``scenario/parameters.toml``); a scenario
overrides or adds entries in its ``[uncertainty."<name>"]`` tables. Each entry
maps a point ``u`` of the unit interval to a parameter value
(:meth:`Distribution.value`), so a sample is a row of the unit hypercube and
every engine (serial, Dask) turns the same row into the same values.
"""

from __future__ import annotations

import enum
import math
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from importlib import resources
from typing import Any

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import Choice, did_you_mean

__all__ = [
    "PARAMETERS",
    "Distribution",
    "Kind",
    "ParameterTable",
    "UncertainParameter",
    "default_table",
    "parse_entry",
    "parse_table",
]


class Kind(Choice):
    """The distributions a parameter can take."""

    UNIFORM = "uniform"
    TRIANGULAR = "triangular"
    CHOICE = "choice"
    CALIBRATED = "calibrated"
    FIXED = "fixed"

    _what = enum.nonmember(("distribution", "distributions"))


#: every parameter that can be sampled: dotted TOML path -> (value type, lower bound, upper bound)
PARAMETERS: dict[str, tuple[str, float, float]] = {
    "workforce": ("workforce", 0.0, 0.0),
    "commute.in_mover_share": ("number", 0.0, 0.5),
    "commute.long_distance_share": ("number", 0.0, 0.5),
    "commute.no_car_share": ("number", 0.0, 1.0),
    "commute.choice_time_per_min": ("number", -math.inf, 0.0),
    "commute.choice_population": ("number", 0.0, math.inf),
    "commute.choice_partner_jobs": ("number", 0.0, math.inf),
    "commute.dwellings_per_worker": ("number", 1e-9, math.inf),
    "commute.acceptance_midpoint_min": ("number", 1e-9, math.inf),
    "commute.acceptance_scale_min": ("number", 1e-9, math.inf),
    "commute.max_time_min": ("number", 1e-9, math.inf),
    "commute.midpoint_min": ("number", 1e-9, math.inf),
    "commute.scale_min": ("number", 1e-9, math.inf),
    "commute.shape": ("number", 1e-9, math.inf),
    "commute.decay": ("decay", 0.0, 0.0),
    "economy.supplier_multiplier": ("number", 0.0, math.inf),
    "economy.local_procurement_share": ("number", 0.0, 1.0),
    "economy.household_multiplier": ("number", 0.0, math.inf),
    "economy.indirect_local_residence_share": ("number", 0.0, 1.0),
    "housing.vacant_share_available": ("number", 0.0, 1.0),
    "housing.land_share_available": ("number", 0.0, 1.0),
}

WORKFORCE_VALUES = ("low", "mid", "high")
_KEYS = {
    Kind.UNIFORM: {"min", "max"},
    Kind.TRIANGULAR: {"min", "mode", "max"},
    Kind.CHOICE: {"values"},
    Kind.CALIBRATED: {"tolerance"},
    Kind.FIXED: set(),
}


@dataclass(frozen=True)
class Distribution:
    """One parameter's distribution.

    Attributes
    ----------
    kind
        Uniform, triangular, a choice among values, the calibration's near-best sets, or fixed.
    bounds
        ``(min, max)`` (uniform) or ``(min, mode, max)`` (triangular).
    values
        The choices (``choice``); for ``calibrated``, filled in once the calibration ran.
    tolerance
        ``calibrated``: sets whose objective is within ``(1 + tolerance)`` × the best.
    """

    kind: Kind
    bounds: tuple[float, ...] = ()
    values: tuple[Any, ...] = ()
    tolerance: float = 0.0

    @property
    def width(self) -> float:
        """The numeric range (max − min); choices count their number of values − 1."""
        if self.kind in (Kind.UNIFORM, Kind.TRIANGULAR):
            return self.bounds[-1] - self.bounds[0]
        return float(max(len(self.values) - 1, 0))

    def value(self, u: float) -> Any:
        """The value at quantile ``u`` in [0, 1] (the inverse of the cumulative distribution)."""
        u = min(max(float(u), 0.0), 1.0)
        if self.kind is Kind.UNIFORM:
            low, high = self.bounds
            return low + u * (high - low)
        if self.kind is Kind.TRIANGULAR:
            low, mode, high = self.bounds
            if high == low:
                return low
            split = (mode - low) / (high - low)
            if u < split:
                return low + math.sqrt(u * (high - low) * (mode - low))
            return high - math.sqrt((1.0 - u) * (high - low) * (high - mode))
        if not self.values:
            raise ConfigError(f"a {self.kind.value} distribution has no values to choose from")
        return self.values[min(int(u * len(self.values)), len(self.values) - 1)]

    def describe(self) -> str:
        """The distribution in a few words, e.g. ``uniform 0.2–0.4``."""
        if self.kind is Kind.UNIFORM:
            return f"uniform {self.bounds[0]:g}–{self.bounds[1]:g}"
        if self.kind is Kind.TRIANGULAR:
            return f"triangular {self.bounds[0]:g}–{self.bounds[2]:g}, mode {self.bounds[1]:g}"
        if self.kind is Kind.CALIBRATED:
            n = f"{len(self.values)} sets" if self.values else "sets"
            return f"calibrated: {n} within {100 * self.tolerance:g} % of the best fit"
        if self.kind is Kind.FIXED:
            return "fixed at the scenario's value"
        return "one of " + ", ".join(str(v) for v in self.values)


@dataclass(frozen=True)
class UncertainParameter:
    """One entry of the table: a parameter, its distribution and where the range comes from."""

    name: str
    distribution: Distribution
    source: str

    @property
    def estimated(self) -> bool:
        """The range is an estimate ([E] in its source)."""
        return "[E]" in self.source


@dataclass(frozen=True)
class ParameterTable:
    """The parameters an uncertainty run samples, in table order (fixed entries dropped)."""

    entries: tuple[UncertainParameter, ...]

    @property
    def names(self) -> list[str]:
        """Parameter names, in table order."""
        return [e.name for e in self.entries]

    def __getitem__(self, name: str) -> UncertainParameter:
        for entry in self.entries:
            if entry.name == name:
                return entry
        raise ConfigError(f"the parameter table has no entry {name!r}.{did_you_mean(name, self.names)}")

    def __len__(self) -> int:
        return len(self.entries)

    def merged(self, overrides: Mapping[str, UncertainParameter]) -> ParameterTable:
        """This table with entries replaced or added (a ``fixed`` override removes the parameter)."""
        entries = {e.name: e for e in self.entries}
        entries.update(overrides)
        return ParameterTable(tuple(e for e in entries.values() if e.distribution.kind is not Kind.FIXED))

    def with_range(self, name: str, distribution: Distribution) -> ParameterTable:
        """A copy with one parameter's distribution replaced (e.g. widened, or made a point)."""
        entry = self[name]
        return self.merged({name: UncertainParameter(name, distribution, entry.source)})


def _float(entry: Mapping[str, Any], key: str, where: str) -> float:
    value = entry[key]
    if isinstance(value, bool) or not isinstance(value, int | float) or value != value:
        raise ConfigError(f"'{key}' of {where} must be a number, found {value!r}")
    return float(value)


def parse_entry(name: str, entry: Any, *, where: str) -> UncertainParameter:
    """One ``[uncertainty."<name>"]`` table as a validated :class:`UncertainParameter`.

    Raises
    ------
    ConfigError
        An unknown parameter (close names listed), an unknown distribution,
        missing or unknown keys, min > max, a mode outside the range, or a
        value outside what the parameter allows (a share above 1 …).
    """
    here = f'[uncertainty."{name}"] of {where}'
    if name not in PARAMETERS:
        raise ConfigError(
            f"{here}: {name!r} is not a model parameter.{did_you_mean(name, PARAMETERS)} "
            f"Parameters: {', '.join(PARAMETERS)}"
        )
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{here} must be a table with 'distribution' and its bounds, found {entry!r}")
    raw_kind = entry.get("distribution")
    if raw_kind is None:
        raise ConfigError(f"{here} has no 'distribution'; valid: {', '.join(k.value for k in Kind)}")
    try:
        kind = Kind.parse(raw_kind)
    except ConfigError as exc:
        raise ConfigError(f"{here}: {exc}") from None
    needed = _KEYS[kind]
    allowed = needed | {"distribution", "source"}
    unknown = sorted(set(entry) - allowed)
    if unknown:
        raise ConfigError(f"{here}: unknown key(s) {', '.join(unknown)} for a {kind.value} distribution; valid keys: "
                          f"{', '.join(sorted(allowed))}")  # fmt: skip
    missing = sorted(needed - set(entry))
    if missing:
        raise ConfigError(f"{here}: a {kind.value} distribution needs {', '.join(missing)}")
    source = entry.get("source", "")
    if not isinstance(source, str):
        raise ConfigError(f"{here}: 'source' must be text saying where the range comes from")
    value_type, lowest, highest = PARAMETERS[name]
    if kind is Kind.CALIBRATED and value_type != "decay":
        raise ConfigError(f"{here}: only commute.decay can be 'calibrated'; use uniform or triangular for {name}")
    if value_type == "decay" and kind not in (Kind.CALIBRATED, Kind.FIXED):
        raise ConfigError(f"{here}: commute.decay takes 'calibrated' (with a tolerance) or 'fixed'")
    if value_type == "workforce" and kind not in (Kind.CHOICE, Kind.FIXED):
        raise ConfigError(f"{here}: workforce is a choice among {', '.join(WORKFORCE_VALUES)}")
    distribution = Distribution(kind=kind)
    if kind in (Kind.UNIFORM, Kind.TRIANGULAR):
        keys = ("min", "max") if kind is Kind.UNIFORM else ("min", "mode", "max")
        bounds = tuple(_float(entry, k, here) for k in keys)
        if bounds[0] > bounds[-1]:
            raise ConfigError(f"{here}: min ({bounds[0]:g}) is greater than max ({bounds[-1]:g}); swap them")
        if kind is Kind.TRIANGULAR and not bounds[0] <= bounds[1] <= bounds[2]:
            raise ConfigError(f"{here}: mode ({bounds[1]:g}) must lie between min and max")
        if bounds[0] < lowest or bounds[-1] > highest:
            raise ConfigError(f"{here}: the range {bounds[0]:g}–{bounds[-1]:g} leaves the parameter's valid range "
                              f"{lowest:g}–{highest:g}")  # fmt: skip
        distribution = Distribution(kind=kind, bounds=bounds)
    elif kind is Kind.CHOICE:
        values = entry["values"]
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{here}: 'values' must be a non-empty list")
        if value_type == "workforce":
            bad = [v for v in values if v not in WORKFORCE_VALUES]
            if bad:
                raise ConfigError(f"{here}: workforce values must be among {', '.join(WORKFORCE_VALUES)}, found {bad}")
        else:
            for i in range(len(values)):
                number = _float({"values": values[i]}, "values", here)
                if not lowest <= number <= highest:
                    raise ConfigError(f"{here}: value {number:g} leaves the valid range {lowest:g}–{highest:g}")
        distribution = Distribution(kind=kind, values=tuple(values))
    elif kind is Kind.CALIBRATED:
        tolerance = _float(entry, "tolerance", here)
        if tolerance < 0:
            raise ConfigError(f"{here}: 'tolerance' must be >= 0 (0 keeps only the best fit), found {tolerance:g}")
        distribution = Distribution(kind=kind, tolerance=tolerance)
    return UncertainParameter(name=name, distribution=distribution, source=source)


def parse_table(data: Any, *, where: str) -> dict[str, UncertainParameter]:
    """Parse ``{name: entry}`` (a scenario's ``[uncertainty]`` or the shipped table's ``[parameters]``)."""
    if not isinstance(data, Mapping):
        raise ConfigError(f"[uncertainty] of {where} must be a table of parameter tables")
    return {str(name): parse_entry(str(name), entry, where=where) for name, entry in data.items()}


def default_table() -> ParameterTable:
    """The table shipped with the package (``tillvaxt_geo/scenario/parameters.toml``)."""
    text = resources.files("tillvaxt_geo.scenario").joinpath("parameters.toml").read_text(encoding="utf-8")
    data = tomllib.loads(text)
    entries = parse_table(data.get("parameters", {}), where="the shipped parameters.toml")
    return ParameterTable(tuple(e for e in entries.values() if e.distribution.kind is not Kind.FIXED))


def table_for(overrides: Mapping[str, UncertainParameter] | None = None, *, only: Sequence[str] = ()) -> ParameterTable:
    """The shipped table with a scenario's overrides; ``only`` keeps just those parameters (names checked)."""
    table = default_table().merged(dict(overrides or {}))
    if only:
        for name in only:
            table[name]  # raises with close matches
        table = ParameterTable(tuple(e for e in table.entries if e.name in only))
    return table
