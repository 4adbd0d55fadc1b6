"""The figure registry: every headline figure of ``summary.json`` with its unit, rounding, labels and source.

One :class:`Figure` per key, in ``summary.json`` order. The scenario runner
rounds with it, the exports and the CLI table list it, the maps label it and
the docs cite it; nothing else lists figure keys. Keys are written out in full
here so that ``grep`` finds where a figure is defined and where it is used.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import did_you_mean

__all__ = ["FIGURES", "Figure", "figure", "figure_keys", "headline_keys", "round_half_away", "table_keys"]

LANGS = ("sv", "en")


@dataclass(frozen=True)
class Figure:
    """One headline figure.

    Attributes
    ----------
    key
        Its key in ``summary.json``, ``summary.csv`` and the comparison table.
    description
        What it counts and where it comes from (a layer, the model or a parameter).
    unit
        ``workers``, ``share`` (0–1, shown as a percentage), ``minutes``,
        ``jobs``, ``people`` or ``dwellings``.
    digits
        Decimals kept in ``summary.json``.
    label_sv, label_en
        Labels in maps and tables.
    computed_by
        The function that computes it (see ``docs/architecture.md``).
    headline
        Shown in map title blocks and the index page.
    in_run_table
        A column of the table ``tillvaxt-geo run`` prints.
    """

    key: str
    description: str
    unit: str
    digits: int
    label_sv: str
    label_en: str
    computed_by: str
    headline: bool = True
    in_run_table: bool = False

    def label(self, lang: str) -> str:
        """The label in ``lang`` (``"sv"`` or ``"en"``)."""
        return self.label_sv if lang == "sv" else self.label_en

    def rounded(self, value: float | None) -> float | None:
        """``value`` rounded to :attr:`digits` for ``summary.json`` (``None`` stays ``None``)."""
        return None if value is None else round(float(value), self.digits)

    @property
    def shown_digits(self) -> int:
        """Decimals shown in tables, CSV files and briefs: whole counts, shares as percent to 0.1, minutes to 0.1."""
        return 1 if self.unit in ("share", "minutes") else 0

    @property
    def shown_scale(self) -> float:
        """Factor from the stored value to the shown one: 100 for shares (shown in percent), else 1."""
        return 100.0 if self.unit == "share" else 1.0

    def shown_unit(self, lang: str = "en", *, difference: bool = False) -> str:
        """The unit as shown: ``%`` for shares, percentage points (procentenheter) for their differences."""
        if self.unit == "share":
            if difference:
                return "procentenheter" if lang == "sv" else "percentage points"
            return "%"
        if lang == "sv":
            return _UNITS_SV.get(self.unit, self.unit)
        return self.unit

    def shown(self, value: float | None, *, digits: int | None = None) -> float | None:
        """``value`` scaled (shares to percent) and rounded half away from zero to :attr:`shown_digits`.

        Python's ``round`` rounds halves to even (562.5 → 562, 561.5 → 562), which
        makes a difference of one look like none; every table of this package
        rounds with this method instead.
        """
        if value is None or value != value:
            return None
        return round_half_away(float(value) * self.shown_scale, self.shown_digits if digits is None else digits)


_UNITS_SV = {"workers": "arbetare", "jobs": "jobb", "people": "personer", "dwellings": "bostäder", "minutes": "min"}


def round_half_away(value: float, digits: int = 0) -> float:
    """``value`` rounded to ``digits`` decimals with halves away from zero (2.5 → 3, −0.05 → −0.1 at one decimal).

    The decimal text of the float is rounded (``Decimal(repr(value))``), so
    0.1 + 0.2 rounds as 0.3 would; the result is a float (``-0.0`` becomes ``0.0``).
    """
    from decimal import ROUND_HALF_UP, Decimal

    exact = Decimal(repr(float(value))).quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    return float(exact) + 0.0


_RESIDENCE = "tillvaxt_geo.scenario.residence.residence_figures"
_EMPLOYMENT = "tillvaxt_geo.scenario.residence.employment_figures"
_REACH = "tillvaxt_geo.scenario.residence.population_within"

#: every headline figure, in summary.json order
FIGURES: tuple[Figure, ...] = (
    Figure(
        "workers_total",
        "direct workers at the open mines (mine_sites layer, phase and workforce of the scenario)",
        "workers", 1, "Direkt anställda i gruvorna", "Direct mine workers", _RESIDENCE, in_run_table=True,
    ),
    Figure(
        "workers_living_locally", "mine workers living in the study area (commute model)",
        "workers", 1, "Bor i Ludvika/Smedjebacken", "Living in Ludvika/Smedjebacken", _RESIDENCE, in_run_table=True,
    ),
    Figure(
        "local_residence_share", "workers_living_locally / workers_total",
        "share", 4, "Andel som bor lokalt", "Share living locally", _RESIDENCE, in_run_table=True,
    ),
    Figure(
        "workers_within_30_min", "mine workers living within 30 min of their site (commute model, scenario mode)",
        "workers", 1, "Bor inom 30 min", "Living within 30 min", _RESIDENCE,
    ),
    Figure(
        "workers_within_45_min", "mine workers living within 45 min of their site",
        "workers", 1, "Bor inom 45 min", "Living within 45 min", _RESIDENCE,
    ),
    Figure(
        "workers_within_45_min_pt",
        "daily-commuting mine workers whose home is within 45 min of their site by public transport (timetables)",
        "workers", 1, "Bor inom 45 min med kollektivtrafik", "Living within 45 min by public transport", _RESIDENCE,
    ),
    Figure(
        "in_commuters", "mine workers commuting daily from outside the study area",
        "workers", 1, "Dagpendlar in", "Daily in-commuters", _RESIDENCE,
    ),
    Figure(
        "long_distance_commuters", "in-movers without an acceptable dwelling: weekly or long-distance commuting",
        "workers", 1, "Vecko-/långpendlare", "Weekly/long-distance commuters", _RESIDENCE,
    ),
    Figure(
        "workers_moved_in",
        "mine workers moving into the region who find a dwelling (commute model: residential choice)",
        "workers", 1, "Flyttar in och får bostad", "Move in and find a dwelling", _RESIDENCE,
    ),
    Figure(
        "housing_shortfall_dwellings", "dwellings that in-movers would need within acceptable commuting",
        "dwellings", 1, "Bostadsbrist (bostäder)", "Housing shortfall (dwellings)", _RESIDENCE, in_run_table=True,
    ),
    Figure(
        "mean_commute_min", "mean one-way commute of the daily-commuting mine workers, minutes (scenario mode)",
        "minutes", 2, "Medelrestid till gruvan (min)", "Mean commute (min)", _RESIDENCE, headline=False,
    ),
    Figure("direct_jobs", "= workers_total", "jobs", 1, "Direkta jobb", "Direct jobs", _EMPLOYMENT),
    Figure(
        "indirect_jobs", "direct × supplier_multiplier × local_procurement_share (economy parameters)",
        "jobs", 1, "Indirekta jobb", "Indirect jobs", _EMPLOYMENT,
    ),
    Figure(
        "induced_jobs", "(direct + indirect jobs held by local residents) × household_multiplier",
        "jobs", 1, "Inducerade jobb", "Induced jobs", _EMPLOYMENT,
    ),
    Figure(
        "total_jobs", "direct + indirect + induced",
        "jobs", 1, "Jobb totalt", "Total jobs", _EMPLOYMENT, in_run_table=True,
    ),
    Figure(
        "population_within_30_min_car", "residents (zones layer) within 30 min by car of an open site",
        "people", 1, "Invånare inom 30 min (bil)", "Residents within 30 min (car)", _REACH,
    ),
    Figure(
        "population_within_45_min_car", "residents within 45 min by car of an open site",
        "people", 1, "Invånare inom 45 min (bil)", "Residents within 45 min (car)", _REACH, in_run_table=True,
    ),
    Figure(
        "population_within_30_min_pt", "residents within 30 min by public transport (walk + timetabled services)",
        "people", 1, "Invånare inom 30 min (kollektivtrafik)", "Residents within 30 min (public transport)", _REACH,
    ),
    Figure(
        "population_within_45_min_pt", "residents within 45 min by public transport",
        "people", 1, "Invånare inom 45 min (kollektivtrafik)", "Residents within 45 min (public transport)", _REACH,
        in_run_table=True,
    ),
)  # fmt: skip

_BY_KEY: dict[str, Figure] = {f.key: f for f in FIGURES}


def figure(key: str) -> Figure:
    """The registered figure ``key``; an unknown key raises :class:`ConfigError` with close matches."""
    try:
        return _BY_KEY[key]
    except KeyError:
        raise ConfigError(f"unknown figure {key!r}.{did_you_mean(key, _BY_KEY)}") from None


def figure_keys() -> tuple[str, ...]:
    """Every figure key, in summary.json order."""
    return tuple(_BY_KEY)


def headline_keys(summary: Mapping[str, Any] | None = None) -> list[str]:
    """The figures shown in title blocks, in order; with ``summary``, only those it holds."""
    return [f.key for f in FIGURES if f.headline and (summary is None or f.key in summary)]


def table_keys() -> list[str]:
    """The figures of the ``tillvaxt-geo run`` table, in order."""
    return [f.key for f in FIGURES if f.in_run_table]
