"""Scenario files: TOML parsed into frozen dataclasses, unknown keys refused.

A scenario says which layers to use, which mines open with how many workers,
the model parameters, and an ordered list of changes (road speeds, rail stops
and departures, new services, housing land). See ``docs/scenarios.md``.
"""

from __future__ import annotations

import dataclasses
import enum
import hashlib
import math
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tillvaxt_geo.data.files import MAX_TEXT_BYTES, input_file_problem
from tillvaxt_geo.data.layers import DEFAULT_STUDY_AREA, embedded_path
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.choice import CHOICE_SOURCES, ChoiceParams
from tillvaxt_geo.model.commute import Pools
from tillvaxt_geo.model.decay import Decay, DecayForm
from tillvaxt_geo.model.economy import EconomyParams
from tillvaxt_geo.naming import did_you_mean

__all__ = [
    "COMMUTE_SOURCES",
    "HOUSING_SOURCES",
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
        "preference p(t) = 1 / (1 + (t / 4.6 min)^2.5), log-logistic: the best of the logistic, exponential and "
        "log-logistic forms calibrated with a doubly constrained gravity model on today's commuting in the "
        "embedded region (home-municipality and in-commuter shares 2021, FACTS §12; If survey bands, FACTS §8); "
        "see docs/model.md. de Vries et al. (FACTS §12): a logistic function of log cost fits commuting best"
    ),
    "acceptance": (
        "acceptance a(t) logistic, midpoint 45 min, scale 5 min: Sandow & Westin 2010 (JTLU 2(3/4):87–107) "
        "find willingness to commute drops sharply past 45 minutes; Milakis et al. 2018 find negative "
        "responses rise sharply at 45 min (FACTS §8, §12)"
    ),
    "existing_workforce_share": (
        "[D] 0.80 (try 0.6–0.9): (a) hired among today's labour force within commuting range, keeping their "
        "homes. Calibrated with long_distance_share so that a 500-job workplace at Ludvika and at Smedjebacken, "
        "run through this allocation, draws today's in-commuters' share of the jobs there (24.3 % and 25.4 %, "
        "SCB 2021, FACTS §12) within 5 points (scripts/model_checks.py, docs/model.md): in a dense labour market "
        "most new jobs are filled by people already living within reach"
    ),
    "in_mover_share": (
        "[D] 0.08 (try 0.03–0.3): (b) moving into the region and choosing a dwelling; the rest of 1 after (a) "
        "and (c). Ludvika's 2023 growth came mostly from labour immigration (+196 from abroad, FACTS §1): "
        "raise it for a recruitment drive from outside the region"
    ),
    "long_distance_share": (
        "[D] 0.12 (try 0.05–0.2): (c) weekly or long-distance commuters; calibrated with (a), and in the range "
        "seen in Malmfälten (Kiruna, Gällivare), where fly-in/fly-out workers are 10–15 % of the mining "
        "workforce (government coordinator P. Larsson's report, 2023 press), many with subcontractors"
    ),
    "no_car_share": (
        "[E] 0.10 (try 0.05–0.20): workers without a car, who commute by public transport where it reaches "
        "within their acceptance; about one Swedish household in five has no car (Trafikanalys, RVU "
        "Sverige), fewer among employed people outside the cities"
    ),
    **CHOICE_SOURCES,
    "dwellings_per_worker": "[E] assumption: each in-moving worker forms one household and needs one dwelling",
    "max_time_min": "[E] assumption: commutes longer than this are never daily (FACTS §8: 4 % of commutes exceed 1 h)",
}


HOUSING_SOURCES: dict[str, str] = {
    "vacant_share_available": (
        "[E] 0.10 (try 0.05–0.35): the share of vacant dwellings open to the mines' in-movers. The mines bring "
        "one or two hundred in-moving households over their hiring years; in the same years Ludvika alone "
        "receives about 1 360 in-movers a year (FACTS §1, 2023), Hitachi Energy hires hundreds (400 in 2021, "
        "half hoped to settle locally; a new factory in Smedjebacken, FACTS §1, S9/S10): the mines' share of "
        "the movers competing for dwellings is about a tenth"
    ),
    "land_share_available": (
        "[E] 0.10 (try 0.05–0.35): the share of housing land released by the scenario year open to the mines' "
        "in-movers; Ludvika's 3 000-dwelling target is mostly for Hitachi Energy's growth (FACTS §7, S75/S76), "
        "reasoned as for vacant_share_available"
    ),
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
    pools
        Shares of the workers hired among today's labour force, moving in, and
        commuting long-distance (:class:`tillvaxt_geo.model.commute.Pools`).
    no_car_share
        Share of workers without a car, who commute by public transport.
    choice
        The in-movers' residential logit (:class:`tillvaxt_geo.model.choice.ChoiceParams`).
    dwellings_per_worker
        Dwellings an in-moving worker needs.
    """

    mode: str = "car"
    decay: Decay = field(default_factory=lambda: Decay(form=DecayForm.LOG_LOGISTIC, midpoint_min=4.6, shape=2.5))
    acceptance: Decay = field(default_factory=lambda: Decay(midpoint_min=45.0, scale_min=5.0))
    max_time_min: float = 90.0
    pools: Pools = field(default_factory=Pools)
    no_car_share: float = 0.10
    choice: ChoiceParams = field(default_factory=ChoiceParams)
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
    vacant_share_available: float = 0.10
    land_share_available: float = 0.10
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
    text: tuple[tuple[str, str, str], ...] = ()
    sources: str = ""

    def title_in(self, lang: str) -> str:
        """The title in ``lang`` (``[text.sv]`` / ``[text.en]``), else :attr:`title`, else :attr:`name`."""
        for code, title, _ in self.text:
            if code == lang and title:
                return title
        return self.title or self.name

    def description_in(self, lang: str) -> str:
        """The description in ``lang`` (``[text.sv]`` / ``[text.en]``), else :attr:`description`."""
        for code, _, description in self.text:
            if code == lang and description:
                return description
        return self.description

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
                "existing_workforce_share": self.commute.pools.existing_workforce,
                "in_mover_share": self.commute.pools.in_movers,
                "long_distance_share": self.commute.pools.long_distance,
                "no_car_share": self.commute.no_car_share,
                "choice_time_per_min": self.commute.choice.time_per_min,
                "choice_population": self.commute.choice.population,
                "choice_partner_jobs": self.commute.choice.partner_jobs,
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
    "text",
    "sources",
    "uncertainty",
}
_TEXT_LANGS = {"sv", "en"}
_TEXT_KEYS = {"title", "description"}
_COMMUTE = {
    "mode",
    "decay",
    "midpoint_min",
    "scale_min",
    "rate_per_min",
    "cutoff_min",
    "shape",
    "max_time_min",
    "existing_workforce_share",
    "in_mover_share",
    "long_distance_share",
    "no_car_share",
    "choice_time_per_min",
    "choice_population",
    "choice_partner_jobs",
    "dwellings_per_worker",
    "acceptance_midpoint_min",
    "acceptance_scale_min",
}
_ECONOMY = {f.name for f in dataclasses.fields(EconomyParams)}
_HOUSING = {f.name for f in dataclasses.fields(HousingParams)}
_MINES = {"open", "workers"}
_NAME = re.compile(r"^[a-z0-9_]{1,64}$")  # a folder name on every file system

#: Upper limits of the scenario's numbers, each with its reason: past them a figure is a typing or
#: unit error, and would otherwise give a silently wrong result.
#: Workers at one site: LKAB, Sweden's largest mining employer, has about 4 500 staff in all.
MAX_SITE_WORKERS = 20_000
#: Minutes of a commute parameter (max time, midpoints, scales): five hours, far past any daily commute.
MAX_COMMUTE_MIN = 300.0
#: Dwellings per in-moving worker: a household of one worker never needs more than a few.
MAX_DWELLINGS_PER_WORKER = 5.0
#: Supplier-chain jobs per mining job: published mining multipliers are 1–3 (Epiroc: 1.8).
MAX_SUPPLIER_MULTIPLIER = 10.0
#: Induced jobs per local worker: national figures are below 1 (Boliden/EY: 0.81).
MAX_HOUSEHOLD_MULTIPLIER = 5.0
#: Safety buffer around a mine: 50 km would rule out the whole region.
MAX_MINE_BUFFER_M = 50_000.0
_MAXIMA: dict[str, float] = {
    "max_time_min": MAX_COMMUTE_MIN,
    "midpoint_min": MAX_COMMUTE_MIN,
    "scale_min": MAX_COMMUTE_MIN,
    "cutoff_min": MAX_COMMUTE_MIN,
    "acceptance_midpoint_min": MAX_COMMUTE_MIN,
    "acceptance_scale_min": MAX_COMMUTE_MIN,
    "rate_per_min": 10.0,  # decay per minute: 10 already makes a 1-minute trip worthless
    "shape": 50.0,  # log-logistic shape: past 50 the curve is a step
    "dwellings_per_worker": MAX_DWELLINGS_PER_WORKER,
    "supplier_multiplier": MAX_SUPPLIER_MULTIPLIER,
    "household_multiplier": MAX_HOUSEHOLD_MULTIPLIER,
    "mine_buffer_m": MAX_MINE_BUFFER_M,
}


def _plain_text(value: Any, key: str, where: str) -> str:
    """A text field of the scenario: a string without control characters (they would corrupt outputs)."""
    if not isinstance(value, str):
        raise ConfigError(f"'{key}' in {where} must be text, found {type(value).__name__} {value!r}")
    bad = [c for c in value if (ord(c) < 32 and c not in "\n\t") or 127 <= ord(c) < 160]
    if bad:
        raise ConfigError(
            f"'{key}' in {where} holds control character(s) {', '.join(sorted({repr(c) for c in bad}))}; "
            "remove them (only newlines and tabs are allowed in text)"
        )
    return value


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


def _number(
    table: Mapping[str, Any], key: str, where: str, *, share: bool = False, positive: bool = False, signed: bool = False
) -> float:
    value = table[key]
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ConfigError(f"'{key}' in {where} must be a number, found {value!r}")
    if not math.isfinite(value):
        raise ConfigError(f"'{key}' in {where} must be a finite number, found {value!r}")
    maximum = _MAXIMA.get(key)
    if maximum is not None and value > maximum:
        raise ConfigError(
            f"'{key}' in {where} must be at most {maximum:g}, found {value!r}; the limits and their reasons are "
            "in tillvaxt_geo.scenario.config (MAX_*)"
        )
    if share and not 0.0 <= value <= 1.0:
        raise ConfigError(f"'{key}' in {where} is a share and must lie in [0, 1], found {value}")
    if positive and value <= 0:
        raise ConfigError(f"'{key}' in {where} must be positive, found {value}")
    if value < 0 and not signed:
        raise ConfigError(f"'{key}' in {where} must not be negative, found {value}")
    return float(value)


def _enum(enum_type: type[enum.StrEnum], value: Any, key: str, where: str) -> Any:
    try:
        return enum_type(value)
    except ValueError:
        valid = ", ".join(e.value for e in enum_type)
        raise ConfigError(f"'{key}' in {where} must be one of {valid}, found {value!r}") from None


def _commute_params(
    mode: str,
    decay: Decay,
    acceptance: Decay,
    commute_table: Mapping[str, Any],
    where: str,
    opt: Any,
    defaults: CommuteParams,
) -> CommuteParams:
    """The [commute] table's parameters (pools, mode split, choice, dwellings) as :class:`CommuteParams`."""
    return CommuteParams(
        mode=mode,
        decay=decay,
        acceptance=acceptance,
        max_time_min=_number(commute_table, "max_time_min", f"[commute] of {where}", positive=True)
        if "max_time_min" in commute_table
        else defaults.max_time_min,
        pools=Pools(
            existing_workforce=opt("existing_workforce_share", defaults.pools.existing_workforce, share=True),
            in_movers=opt("in_mover_share", defaults.pools.in_movers, share=True),
            long_distance=opt("long_distance_share", defaults.pools.long_distance, share=True),
        ),
        no_car_share=opt("no_car_share", defaults.no_car_share, share=True),
        choice=ChoiceParams(
            time_per_min=opt("choice_time_per_min", defaults.choice.time_per_min, signed=True),
            population=opt("choice_population", defaults.choice.population, signed=True),
            partner_jobs=opt("choice_partner_jobs", defaults.choice.partner_jobs, signed=True),
        ),
        dwellings_per_worker=_number(commute_table, "dwellings_per_worker", f"[commute] of {where}", positive=True)
        if "dwellings_per_worker" in commute_table
        else defaults.dwellings_per_worker,
    )


def _parse_text(data: Mapping[str, Any], where: str) -> tuple[tuple[str, str, str], ...]:
    """``[text.sv]`` / ``[text.en]``: a title and a description per language, as (lang, title, description)."""
    table = _table(data, "text", where)
    _check_keys(table, _TEXT_LANGS, f"[text] of {where}")
    out = []
    for lang in ("sv", "en"):
        if lang not in table:
            continue
        sub = _table(table, lang, f"[text] of {where}")
        _check_keys(sub, _TEXT_KEYS, f"[text.{lang}] of {where}")
        for key, value in sub.items():
            if not isinstance(value, str):
                raise ConfigError(f"'{key}' in [text.{lang}] of {where} must be a string, found {value!r}")
        out.append((lang, str(sub.get("title", "")), str(sub.get("description", ""))))
    return tuple(out)


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
        raise ConfigError(f"'name' in {where} must be 1–64 lowercase letters, digits and _, found {name!r}")
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
        if isinstance(count, bool) or not isinstance(count, int) or not 0 <= count <= MAX_SITE_WORKERS:
            raise ConfigError(
                f"workers for site '{site}' in [mines.workers] of {where} must be a whole number >= 0 and <= "
                f"{MAX_SITE_WORKERS} (LKAB, Sweden's largest mining employer, has about 4 500 staff), found {count!r}"
            )
    twice = sorted({s for s in open_sites if open_sites.count(s) > 1})
    if twice:
        raise ConfigError(
            f"'open' in [mines] of {where} lists {', '.join(repr(s) for s in twice)} more than once; "
            "list each site once"
        )
    mines = MinesConfig(open=tuple(open_sites), workers=dict(workers))

    commute_table = _table(data, "commute", where)
    if "recruit_local_share" in commute_table:
        raise ConfigError(
            f"'recruit_local_share' in [commute] of {where} was replaced by three shares that sum to 1: "
            "existing_workforce_share (hired among today's labour force), in_mover_share and long_distance_share "
            "(see docs/model.md)"
        )
    _check_keys(commute_table, _COMMUTE, f"[commute] of {where}")

    def opt(key: str, default: float, *, share: bool = False, signed: bool = False) -> float:
        if key not in commute_table:
            return default
        return _number(commute_table, key, f"[commute] of {where}", share=share, signed=signed)

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
    try:
        commute = _commute_params(mode, decay, acceptance, commute_table, where, opt, defaults)
    except ConfigError as exc:
        message = str(exc)
        raise ConfigError(message if where in message else f"[commute] of {where}: {message}") from None

    economy_table = _table(data, "economy", where)
    _check_keys(economy_table, _ECONOMY, f"[economy] of {where}")
    economy_values = {
        k: _number(economy_table, k, f"[economy] of {where}", share=k.endswith("share")) for k in economy_table
    }
    economy = EconomyParams(**economy_values)

    housing_table = _table(data, "housing", where)
    _check_keys(housing_table, _HOUSING, f"[housing] of {where}")
    release = housing_table.get("extra_release_year")
    if release is not None and (
        isinstance(release, bool) or not isinstance(release, int) or not 1900 <= release <= 2200
    ):
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
        else HousingParams.vacant_share_available,
        land_share_available=_number(housing_table, "land_share_available", f"[housing] of {where}", share=True)
        if "land_share_available" in housing_table
        else HousingParams.land_share_available,
    )

    raw_changes = data.get("changes", [])
    if not isinstance(raw_changes, list):
        raise ConfigError(f"'changes' in {where} must be an array of tables ([[changes]])")
    changes = tuple(_parse_change(c, i, where) for i, c in enumerate(raw_changes))

    study_area = data.get("study_area", list(DEFAULT_STUDY_AREA))
    if not isinstance(study_area, list) or not study_area or not all(isinstance(m, str) for m in study_area):
        raise ConfigError(f"'study_area' in {where} must be a non-empty list of municipality names")
    for municipality in study_area:
        _plain_text(municipality, "study_area", where)
    crs = data.get("working_crs")
    if crs is not None and (isinstance(crs, bool) or not isinstance(crs, str | int)):
        raise ConfigError(
            f"'working_crs' in {where} must be a CRS as text or an EPSG number, e.g. \"EPSG:3006\", "
            f"found {type(crs).__name__} {crs!r}"
        )

    from tillvaxt_geo.scenario.parameter_table import parse_table

    uncertainty = parse_table(_table(data, "uncertainty", where), where=where)

    return Scenario(
        name=name,
        study_area=tuple(study_area),
        title=_plain_text(data.get("title", name), "title", where),
        description=_plain_text(data.get("description", ""), "description", where),
        text=_parse_text(data, where),
        sources=_plain_text(data.get("sources", ""), "sources", where),
        year=year,
        phase=_enum(Phase, data.get("phase", "operation"), "phase", where),
        workforce=_enum(Workforce, data.get("workforce", "mid"), "workforce", where),
        working_crs=None if crs is None else str(crs) if isinstance(crs, str) else f"EPSG:{crs}",
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
    trouble = input_file_problem(p, max_bytes=MAX_TEXT_BYTES)
    if trouble is not None and not trouble.startswith("does not exist"):
        raise ConfigError(f"scenario file {p} {trouble}")
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
