"""Scenario files: TOML parsed into frozen dataclasses, unknown keys refused.

A scenario says which layers to use, which mines open with how many workers,
the model parameters, and an ordered list of changes (road speeds, rail stops
and departures, new services, housing land). See ``docs/scenarios.md``.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tillvaxt_geo.data.layers import DEFAULT_STUDY_AREA, embedded_path
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.decay import Decay, DecayForm
from tillvaxt_geo.model.economy import EconomyParams
from tillvaxt_geo.naming import did_you_mean

__all__ = [
    "COMMUTE_SOURCES",
    "CommuteParams",
    "HousingParams",
    "LayerRef",
    "MinesConfig",
    "Phase",
    "Scenario",
    "Workforce",
    "bundled_scenarios",
    "load_scenario",
    "parse_scenario",
]

COMMUTE_SOURCES: dict[str, str] = {
    "decay": (
        "preference p(t) = 1 / (1 + (t / 7 min)^2.5), log-logistic: the best of the logistic, exponential and "
        "log-logistic forms calibrated with a doubly constrained gravity model on today's commuting in the "
        "embedded region (home-municipality and in-commuter shares 2021, FACTS §12; If survey bands, FACTS §8); "
        "see docs/model.md. de Vries et al. (FACTS §12): a logistic function of log cost fits commuting best"
    ),
    "acceptance": (
        "acceptance a(t) logistic, midpoint 45 min, scale 5 min: Sandow & Westin 2010 (JTLU 2(3/4):87–107) "
        "find willingness to commute drops sharply past 45 minutes; Milakis et al. 2018 find negative "
        "responses rise sharply at 45 min (FACTS §8, §12)"
    ),
    "recruit_local_share": (
        "[E] assumption: half the workforce recruited among people already living within commuting range; "
        "Ludvika's 2023 growth came mostly from labour immigration (FACTS §1), so in-movers are a large share"
    ),
    "dwellings_per_worker": "[E] assumption: each in-moving worker forms one household and needs one dwelling",
    "max_time_min": "[E] assumption: commutes longer than this are never daily (FACTS §8: 4 % of commutes exceed 1 h)",
}


class Phase(enum.StrEnum):
    """Mine phase: which workforce columns of ``mine_sites`` apply."""

    CONSTRUCTION = "construction"
    OPERATION = "operation"


class Workforce(enum.StrEnum):
    """Which end of the sourced workforce range to use."""

    LOW = "low"
    MID = "mid"
    HIGH = "high"


MODES = ("car", "pt", "best")


@dataclass(frozen=True)
class LayerRef:
    """Where a scenario's layers come from: the embedded region or files."""

    path: str = "embedded"
    overrides: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class MinesConfig:
    """Which sites are open, and optional per-site worker overrides."""

    open: tuple[str, ...] = ()
    workers: Mapping[str, int] = field(default_factory=dict)


@dataclass(frozen=True)
class CommuteParams:
    """Parameters of the residence model.

    Parameters
    ----------
    mode
        Travel mode for commute times: ``car``, ``pt`` or ``best``.
    decay
        Preference p(t): relative weight of a place t minutes away.
    acceptance
        Acceptance a(t): share of workers accepting a daily commute of t minutes.
    max_time_min
        Commutes longer than this are not daily (acceptance 0).
    recruit_local_share
        Share of workers recruited among people already living in the region.
    dwellings_per_worker
        Dwellings an in-moving worker needs.
    """

    mode: str = "car"
    decay: Decay = field(default_factory=lambda: Decay(form=DecayForm.LOG_LOGISTIC, midpoint_min=7.0, shape=2.5))
    acceptance: Decay = field(default_factory=lambda: Decay(midpoint_min=45.0, scale_min=5.0))
    max_time_min: float = 90.0
    recruit_local_share: float = 0.5
    dwellings_per_worker: float = 1.0


@dataclass(frozen=True)
class HousingParams:
    """Housing supply options.

    Parameters
    ----------
    extra_release_year
        If set, housing land with status ``proposed`` is released from this
        year (or the scenario year if later), whatever its ``available_from``.
    vacant_share_available
        Share of zones' vacant dwellings open to in-movers.
    land_share_available
        Share of released housing-land capacity open to mine in-movers; the
        rest is taken by other growth (e.g. Hitachi Energy's hires, FACTS §1).
    constraints
        Files of constraint polygons (protected areas, flood zones …) or
        rasters that reduce housing-land capacity where they cover it.
    mine_buffer_m
        A safety buffer around every open mine site that rules out housing.
    """

    extra_release_year: int | None = None
    vacant_share_available: float = 1.0
    land_share_available: float = 1.0
    constraints: tuple[str, ...] = ()
    mine_buffer_m: float = 0.0


@dataclass(frozen=True)
class Scenario:
    """One scenario: layers, open mines, parameters, changes and ranges of the parameters (``[uncertainty]``)."""

    name: str
    title: str = ""
    description: str = ""
    year: int = 2030
    phase: Phase = Phase.OPERATION
    workforce: Workforce = Workforce.MID
    working_crs: str | None = None
    study_area: tuple[str, ...] = DEFAULT_STUDY_AREA
    layers: LayerRef = field(default_factory=LayerRef)
    mines: MinesConfig = field(default_factory=MinesConfig)
    commute: CommuteParams = field(default_factory=CommuteParams)
    economy: EconomyParams = field(default_factory=EconomyParams)
    housing: HousingParams = field(default_factory=HousingParams)
    changes: tuple[Any, ...] = ()
    uncertainty: Mapping[str, Any] = field(default_factory=dict)
    source_path: str | None = None
    source_sha256: str | None = None

    def replace(self, **changes: Any) -> Scenario:
        """Return a copy with some fields replaced."""
        return dataclasses.replace(self, **changes)

    def parameters(self) -> dict[str, Any]:
        """Every model parameter used, as plain values for provenance."""
        return {
            "year": self.year,
            "study_area": list(self.study_area),
            "phase": self.phase.value,
            "workforce": self.workforce.value,
            "open_sites": list(self.mines.open),
            "worker_overrides": dict(self.mines.workers),
            "commute": {
                "mode": self.commute.mode,
                "decay": self.commute.decay.parameters(),
                "acceptance": self.commute.acceptance.parameters(),
                "max_time_min": self.commute.max_time_min,
                "recruit_local_share": self.commute.recruit_local_share,
                "dwellings_per_worker": self.commute.dwellings_per_worker,
            },
            "economy": dataclasses.asdict(self.economy),
            "housing": dataclasses.asdict(self.housing),
            "changes": [_change_dict(c) for c in self.changes],
        }


def _change_dict(change: Any) -> dict[str, Any]:
    if hasattr(change, "to_dict"):
        return dict(change.to_dict())
    if dataclasses.is_dataclass(change) and not isinstance(change, type):
        return {k: v for k, v in dataclasses.asdict(change).items() if v is not None}
    return dict(change)


_TOP = {
    "name",
    "study_area",
    "title",
    "description",
    "year",
    "phase",
    "workforce",
    "working_crs",
    "layers",
    "mines",
    "commute",
    "economy",
    "housing",
    "changes",
    "uncertainty",
}
_COMMUTE = {
    "mode",
    "decay",
    "midpoint_min",
    "scale_min",
    "rate_per_min",
    "cutoff_min",
    "shape",
    "max_time_min",
    "recruit_local_share",
    "dwellings_per_worker",
    "acceptance_midpoint_min",
    "acceptance_scale_min",
}
_ECONOMY = {f.name for f in dataclasses.fields(EconomyParams)}
_HOUSING = {f.name for f in dataclasses.fields(HousingParams)}
_MINES = {"open", "workers"}
_NAME = re.compile(r"^[a-z0-9_]+$")


def _check_keys(table: Mapping[str, Any], valid: set[str], where: str) -> None:
    unknown = sorted(set(table) - valid)
    if unknown:
        raise ConfigError(
            f"unknown key{'s' if len(unknown) > 1 else ''} {', '.join(repr(k) for k in unknown)} in {where}; "
            f"valid keys: {', '.join(sorted(valid))}"
        )


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"'{key}' in {where} must be a table ([{key}]), found {type(value).__name__}")
    return value


def _number(table: Mapping[str, Any], key: str, where: str, *, share: bool = False, positive: bool = False) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"'{key}' in {where} must be a number, found {value!r}")
    if share and not 0.0 <= value <= 1.0:
        raise ConfigError(f"'{key}' in {where} is a share and must lie in [0, 1], found {value}")
    if positive and value <= 0:
        raise ConfigError(f"'{key}' in {where} must be positive, found {value}")
    if value < 0:
        raise ConfigError(f"'{key}' in {where} must not be negative, found {value}")
    return float(value)


def _enum(enum_type: type[enum.StrEnum], value: Any, key: str, where: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        valid = ", ".join(e.value for e in enum_type)
        raise ConfigError(f"'{key}' in {where} must be one of {valid}, found {value!r}") from None


def parse_scenario(data: Mapping[str, Any], *, source: str = "<scenario>", base_dir: Path | None = None) -> Scenario:
    """Build a :class:`Scenario` from parsed TOML data.

    Parameters
    ----------
    data
        The TOML document as a mapping.
    source
        Name of the file, for messages.
    base_dir
        Directory that relative layer paths are resolved against.

    Returns
    -------
    Scenario
        The validated scenario (site ids are checked against the layers at run time).

    Raises
    ------
    ConfigError
        An unknown key, a value of the wrong type or out of range.
    """
    where = f"scenario {source}"
    _check_keys(data, _TOP, where)
    name = data.get("name")
    if not isinstance(name, str) or not _NAME.match(name):
        raise ConfigError(f"'name' in {where} must be lowercase letters, digits and _, found {name!r}")
    year = data.get("year", 2030)
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2200:
        raise ConfigError(f"'year' in {where} must be a year such as 2030, found {year!r}")

    layers_table = _table(data, "layers", where)
    from tillvaxt_geo.data.schemas import LAYER_NAMES

    _check_keys(layers_table, {"path", *LAYER_NAMES}, f"[layers] of {where}")

    def resolve(p: str) -> str:
        return str((base_dir / p).resolve()) if base_dir and not Path(p).is_absolute() else p

    layer_path = str(layers_table.get("path", "embedded"))
    layers = LayerRef(
        path=layer_path if layer_path == "embedded" else resolve(layer_path),
        overrides={k: resolve(str(v)) for k, v in layers_table.items() if k != "path"},
    )

    mines_table = _table(data, "mines", where)
    _check_keys(mines_table, _MINES, f"[mines] of {where}")
    open_sites = mines_table.get("open", [])
    if not isinstance(open_sites, list) or not all(isinstance(s, str) for s in open_sites):
        raise ConfigError(f"'open' in [mines] of {where} must be a list of site ids, found {open_sites!r}")
    workers = _table(mines_table, "workers", f"[mines] of {where}")
    for site, count in workers.items():
        if isinstance(count, bool) or not isinstance(count, int) or count < 0:
            raise ConfigError(f"workers for site '{site}' in [mines.workers] of {where} must be a whole number >= 0")
    mines = MinesConfig(open=tuple(open_sites), workers=dict(workers))

    commute_table = _table(data, "commute", where)
    _check_keys(commute_table, _COMMUTE, f"[commute] of {where}")
    mode = commute_table.get("mode", "car")
    if mode not in MODES:
        raise ConfigError(f"'mode' in [commute] of {where} must be one of {', '.join(MODES)}, found {mode!r}")
    defaults = CommuteParams()
    decay = defaults.decay
    decay_keys = ("decay", "midpoint_min", "scale_min", "rate_per_min", "cutoff_min", "shape")
    if any(k in commute_table for k in decay_keys):
        decay_kwargs: dict[str, Any] = {"form": DecayForm.parse(commute_table.get("decay", decay.form.value))}
        if decay_kwargs["form"] is decay.form:  # same form: unspecified parameters keep the calibrated values
            decay_kwargs.update(midpoint_min=decay.midpoint_min, shape=decay.shape)
        for key in decay_keys[1:]:
            if key in commute_table:
                decay_kwargs[key] = _number(commute_table, key, f"[commute] of {where}", positive=True)
        decay = Decay(**decay_kwargs)
    acceptance = Decay(
        midpoint_min=_number(commute_table, "acceptance_midpoint_min", f"[commute] of {where}", positive=True)
        if "acceptance_midpoint_min" in commute_table
        else defaults.acceptance.midpoint_min,
        scale_min=_number(commute_table, "acceptance_scale_min", f"[commute] of {where}", positive=True)
        if "acceptance_scale_min" in commute_table
        else defaults.acceptance.scale_min,
    )
    commute = CommuteParams(
        mode=mode,
        decay=decay,
        acceptance=acceptance,
        max_time_min=_number(commute_table, "max_time_min", f"[commute] of {where}", positive=True)
        if "max_time_min" in commute_table
        else defaults.max_time_min,
        recruit_local_share=_number(commute_table, "recruit_local_share", f"[commute] of {where}", share=True)
        if "recruit_local_share" in commute_table
        else defaults.recruit_local_share,
        dwellings_per_worker=_number(commute_table, "dwellings_per_worker", f"[commute] of {where}", positive=True)
        if "dwellings_per_worker" in commute_table
        else defaults.dwellings_per_worker,
    )

    economy_table = _table(data, "economy", where)
    _check_keys(economy_table, _ECONOMY, f"[economy] of {where}")
    economy_values = {
        k: _number(economy_table, k, f"[economy] of {where}", share=k.endswith("share")) for k in economy_table
    }
    economy = EconomyParams(**economy_values)

    housing_table = _table(data, "housing", where)
    _check_keys(housing_table, _HOUSING, f"[housing] of {where}")
    release = housing_table.get("extra_release_year")
    if release is not None and (isinstance(release, bool) or not isinstance(release, int)):
        raise ConfigError(f"'extra_release_year' in [housing] of {where} must be a year, found {release!r}")
    constraint_files = housing_table.get("constraints", [])
    if not isinstance(constraint_files, list) or not all(isinstance(c, str) for c in constraint_files):
        raise ConfigError(f"'constraints' in [housing] of {where} must be a list of file paths")
    housing = HousingParams(
        constraints=tuple(resolve(c) for c in constraint_files),
        mine_buffer_m=_number(housing_table, "mine_buffer_m", f"[housing] of {where}")
        if "mine_buffer_m" in housing_table
        else 0.0,
        extra_release_year=release,
        vacant_share_available=_number(housing_table, "vacant_share_available", f"[housing] of {where}", share=True)
        if "vacant_share_available" in housing_table
        else 1.0,
        land_share_available=_number(housing_table, "land_share_available", f"[housing] of {where}", share=True)
        if "land_share_available" in housing_table
        else 1.0,
    )

    raw_changes = data.get("changes", [])
    if not isinstance(raw_changes, list):
        raise ConfigError(f"'changes' in {where} must be an array of tables ([[changes]])")
    changes = tuple(_parse_change(c, i, where) for i, c in enumerate(raw_changes))

    study_area = data.get("study_area", list(DEFAULT_STUDY_AREA))
    if not isinstance(study_area, list) or not study_area or not all(isinstance(m, str) for m in study_area):
        raise ConfigError(f"'study_area' in {where} must be a non-empty list of municipality names")

    from tillvaxt_geo.scenario.parameter_table import parse_table

    uncertainty = parse_table(_table(data, "uncertainty", where), where=where)

    return Scenario(
        name=name,
        study_area=tuple(study_area),
        title=str(data.get("title", name)),
        description=str(data.get("description", "")),
        year=year,
        phase=_enum(Phase, data.get("phase", "operation"), "phase", where),
        workforce=_enum(Workforce, data.get("workforce", "mid"), "workforce", where),
        working_crs=data.get("working_crs"),
        layers=layers,
        mines=mines,
        commute=commute,
        economy=economy,
        housing=housing,
        changes=changes,
        uncertainty=uncertainty,
    )


def _parse_change(raw: Any, index: int, where: str) -> Any:
    if not isinstance(raw, Mapping):
        raise ConfigError(f"[[changes]] entry {index + 1} in {where} must be a table")
    from tillvaxt_geo.scenario.changes import parse_change

    try:
        return parse_change(raw, index=index)
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


#: the bundled scenarios listed first, in this order; the others follow by name
SCENARIO_ORDER = ("baseline", "nio_only", "two_companies", "two_companies_high_integration")


def bundled_scenarios() -> list[Path]:
    """The scenario files bundled with the embedded region: the main cases first, then the alternatives by name."""
    folder = embedded_path() / "scenarios"

    def key(path: Path) -> tuple[int, str]:
        stem = path.stem
        return (SCENARIO_ORDER.index(stem) if stem in SCENARIO_ORDER else len(SCENARIO_ORDER), stem)

    return sorted(folder.glob("*.toml"), key=key)


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario: a TOML file, or the name of a bundled scenario.

    Parameters
    ----------
    path
        A ``.toml`` file (relative layer paths inside it are resolved
        against its directory), or a bundled scenario's name such as
        ``"two_companies"`` (:func:`bundled_scenarios`), as on the command line.

    Returns
    -------
    Scenario
        Stamped with the file path and its SHA-256 for provenance.

    Raises
    ------
    ConfigError
        The file is missing and no bundled scenario has that name (close
        names listed), is not valid TOML (the message gives line and
        column), or holds unknown keys or bad values.
    """
    p = Path(path)
    if not p.is_file() and p.suffix != ".toml" and p.name == str(path):
        bundled = {b.stem: b for b in bundled_scenarios()}
        if str(path) not in bundled:
            raise ConfigError(
                f"'{path}' is neither a scenario file nor a bundled scenario.{did_you_mean(path, bundled)} "
                f"Bundled: {', '.join(bundled)}"
            )
        p = bundled[str(path)]
    try:
        raw = p.read_bytes()
    except FileNotFoundError:
        raise ConfigError(f"scenario file {p} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"scenario file {p} cannot be read: {exc}") from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError(f"scenario file {p} is not UTF-8 text ({exc})") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"scenario file {p} is not valid TOML: {exc}") from None
    scenario = parse_scenario(data, source=str(p), base_dir=p.parent)
    return scenario.replace(source_path=str(p), source_sha256=hashlib.sha256(raw).hexdigest())
