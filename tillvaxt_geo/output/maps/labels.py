"""Swedish and English map text: labels, data values in words, and numbers as planners read them.

Labels of headline figures come from the figure registry (:mod:`tillvaxt_geo.figures`); the other map texts
(layer names, legend titles, popup rows) are here, as ``(Swedish, English)`` pairs.
"""

from __future__ import annotations

import math
from typing import Any

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.figures import figure as registered_figure
from tillvaxt_geo.figures import figure_keys

__all__ = [
    "LABELS",
    "LANGS",
    "PARAM_LABELS",
    "VALUE_LABELS",
    "check_lang",
    "figure",
    "label",
    "number",
    "param_label",
    "share",
    "value_label",
]


LANGS = ("sv", "en")
LABELS: dict[str, tuple[str, str]] = {
    "overview_title": ("Ludvika–Smedjebacken: orter, gruvor, bostadsmark, vägar och järnväg",
                       "Ludvika–Smedjebacken: places, mines, housing land, roads and rail"),
    "isochrones_title": ("Restider", "Travel times"), "index_title": ("Scenariokartor", "Scenario maps"),
    "legend": ("Teckenförklaring", "Legend"), "zones": ("Orter och områden", "Places and areas"),
    "external": ("Externa nav", "External hubs"), "mine_sites": ("Gruvor och fyndigheter", "Mines and deposits"),
    "open_sites": ("Öppna gruvor", "Open mines"), "housing": ("Bostadsmark", "Housing land"),
    "housing_uptake": ("Bostadsmark: inflyttning", "Housing land: uptake"), "roads": ("Vägar", "Roads"),
    "road": ("väg", "road"), "rail": ("Järnväg", "Railway"), "stations": ("Stationer", "Stations"),
    "station": ("Station", "Station"), "bus_stops": ("Busshållplatser", "Bus stops"),
    "bus_stop": ("Busshållplats", "Bus stop"), "speed": ("hastighet", "speed"),
    "population": ("befolkning", "population"),
    "inhabitants": ("invånare", "residents"), "people": ("personer", "people"), "dwellings": ("bostäder", "dwellings"),
    "workers_short": ("gruvarbetare", "mine workers"), "municipality": ("Kommun", "Municipality"),
    "dwellings_total": ("Bostäder", "Dwellings"), "vacant_dwellings": ("Lediga bostäder", "Vacant dwellings"),
    "labour_force": ("Förvärvsarbetande", "Employed residents"), "jobs": ("Arbetsplatser", "Jobs located here"),
    "company": ("Bolag", "Company"), "status": ("Status", "Status"), "kind": ("Typ", "Kind"),
    "workers_construction": ("Anställda, byggfas", "Workers, construction"),
    "workers_operation": ("Anställda, drift", "Workers, operation"), "capacity": ("Kapacitet", "Capacity"),
    "available_from": ("Tillgänglig från (år)", "Available from (year)"),
    "size_capacity": ("cirkelns yta ∝ kapacitet", "circle area ∝ capacity"),
    "size_population": ("cirkelns yta ∝ befolkning", "circle area ∝ population"),
    "size_change": ("Cirkelns yta ∝ förändringens storlek", "Circle area ∝ size of the change"),
    "released": ("Frisläppt i scenariot", "Released in the scenario"), "yes": ("ja", "yes"), "no": ("nej", "no"),
    "dwellings_taken": ("Bostäder tagna av inflyttare", "Dwellings taken by in-movers"),
    "uptake": ("Andel tagen", "Share taken"), "share_taken": ("andel tagen", "share taken"),
    "not_released": ("ej frisläppt", "not released"),
    "workers_resident": ("Gruvarbetare som bor här", "Mine workers living here"),
    "travel_time_nearest": ("Restid till närmaste öppna gruva", "Travel time to the nearest open mine"),
    "travel_time": ("Restid", "Travel time"), "travel_time_from": ("Restid från", "Travel time from"),
    "catchment": ("Pendlingsomland", "Catchment"), "scenario": ("Scenario", "Scenario"), "year": ("år", "year"),
    "phase": ("fas", "phase"), "created": ("skapad", "created"), "scenario_file": ("scenariofil", "scenario file"),
    "parameters": ("Parametrar", "Parameters"), "layer_files": ("Lagerfiler", "Layer files"),
    "sweep": ("Känslighetsanalys", "Sensitivity analysis"),
    "uncertainty": ("Osäkerhet: P10–P90 (median)", "Uncertainty: P10–P90 (median)"),
    "uncertainty_note": (
        "80 % intervall över parametertabellens intervall, {n} körningar (frö {seed}); drivkraft med total Sobol-index",
        "80 % range over the parameter table, {n} samples (seed {seed}); main driver with its total Sobol index",
    ),
    "uncertainty_chart": ("Osäkerhet: diagram", "Uncertainty: chart"), "comparison": ("Jämförelse", "Comparison"),
    "base": ("Bas", "Base"), "other": ("Alternativ", "Alternative"), "difference": ("Skillnad", "Difference"),
    "diff_workers": ("Förändring: gruvarbetare som bor i området", "Change: mine workers living in the area"),
    "diff_housing": ("Förändring: bostäder tagna på bostadsmark", "Change: dwellings taken on housing land"),
    "more": ("fler", "more"), "fewer": ("färre", "fewer"), "no_change": ("ingen förändring", "no change"),
    "housing_shortfall_dwellings": ("Bostadsbrist (bostäder)", "Housing shortfall (dwellings)"),
    "place_names": ("Ortnamn", "Place names"),
    "place_note": ("mindre från zoom 11", "smaller from zoom 11"),
    "municipalities": ("Kommuner (ungefärlig gräns)", "Municipalities (approximate outline)"),
    "municipality_word": ("kommun", "municipality"), "approximate": ("ungefärlig gräns", "approximate outline"),
    "outline_note": ("skal kring orterna i projektets lager, ej officiell gräns",
                     "hull around the places in the project's layers, not an official boundary"),
    "changed": ("Ändrat i scenariot", "Changed in the scenario"), "changed_road": ("ändrad väg", "changed road"),
    "changed_service": ("ny/ändrad linje", "new/changed service"), "changed_stop": ("nytt stopp", "new stop"),
    "changes": ("Ändringar", "Changes"), "all_figures": ("Alla siffror", "All figures"),
    "sources": ("Källor", "Sources"), "fold": ("Fäll ihop", "Fold"), "unfold": ("Fäll ut", "Unfold"),
    "of_direct": ("av {total} direkt anställda · {share}", "of {total} direct mine workers · {share}"),
    "jobs_detail": ("direkta {d} + indirekta {i} + inducerade {n}", "direct {d} + indirect {i} + induced {n}"),
    "no_change_any": ("Ingen förändring: alternativet ger samma siffror som basen.",
                      "No change: the alternative gives the same figures as the base."),
    "no_change_layer": ("ingen förändring i något område", "no change in any area"),
    "size_change_ref": ("cirkelns yta ∝ förändringen; största cirkeln = {n}",
                        "circle area ∝ the change; largest circle = {n}"),
}  # fmt: skip
PARAM_LABELS: dict[str, tuple[str, str]] = {
    "year": ("År", "Year"), "study_area": ("Studieområde (kommuner)", "Study area (municipalities)"),
    "phase": ("Fas", "Phase"), "workforce": ("Arbetsstyrka (låg/mellan/hög)", "Workforce (low/mid/high)"),
    "open_sites": ("Öppna gruvor", "Open mines"), "worker_overrides": ("Egna antal anställda", "Own worker counts"),
    "commute.mode": ("Färdsätt för pendling", "Commuting mode"),
    "commute.decay.form": ("Hur viljan att pendla avtar (form)", "How willingness to commute falls (form)"),
    "commute.decay.midpoint_min": ("Restid där viljan halveras (min)", "Travel time where willingness halves (min)"),
    "commute.decay.shape": ("Hur brant viljan avtar", "How steeply willingness falls"),
    "commute.decay.scale_min": ("Spridning (min)", "Spread (min)"),
    "commute.decay.rate_per_min": ("Avtagande per minut", "Decline per minute"),
    "commute.decay.cutoff_min": ("Längsta restid (min)", "Longest travel time (min)"),
    "commute.acceptance.form": ("Acceptans för daglig pendling (form)", "Acceptance of a daily commute (form)"),
    "commute.acceptance.midpoint_min": ("Restid som hälften accepterar (min)", "Travel time half accept (min)"),
    "commute.acceptance.scale_min": ("Acceptans, spridning (min)", "Acceptance spread (min)"),
    "commute.max_time_min": ("Längsta dagliga pendling (min)", "Longest daily commute (min)"),
    "commute.in_mover_share": ("Andel som flyttar in", "Share moving in"),
    "commute.long_distance_share": ("Andel långpendlare", "Share of long-distance commuters"),
    "commute.no_car_share": ("Andel utan bil", "Share without a car"),
    "commute.choice_time_per_min": ("Bostadsval: restid per minut", "Home choice: per minute of commute"),
    "commute.choice_population": ("Bostadsval: ortens storlek", "Home choice: size of the place"),
    "commute.choice_partner_jobs": ("Bostadsval: jobb för partnern", "Home choice: jobs for a partner"),
    "commute.dwellings_per_worker": ("Bostäder per inflyttad arbetare", "Dwellings per in-moving worker"),
    "economy.supplier_multiplier": ("Underleverantörsmultiplikator", "Supplier multiplier"),
    "economy.local_procurement_share": ("Andel lokala inköp", "Local procurement share"),
    "economy.household_multiplier": ("Hushållsmultiplikator", "Household multiplier"),
    "economy.indirect_local_residence_share": ("Andel indirekt anställda som bor lokalt",
                                               "Share of indirect jobholders living locally"),
    "housing.extra_release_year": ("Extra bostadsmark frisläpps år", "Extra housing land released in"),
    "housing.vacant_share_available": ("Andel lediga bostäder för inflyttare", "Share of vacant dwellings available"),
    "housing.land_share_available": ("Andel bostadsmark för gruvinflyttare",
                                     "Share of housing land for mine in-movers"),
    "housing.constraints": ("Begränsningslager", "Constraint layers"),
    "housing.mine_buffer_m": ("Skyddsavstånd kring gruvor (m)", "Buffer around mines (m)"),
    "changes": ("Ändringar", "Changes"),
}  # fmt: skip
VALUE_LABELS: dict[str, tuple[str, str]] = {
    "settlement": ("tätort", "settlement"), "rural": ("landsbygd", "rural area"),
    "external": ("externt nav", "external hub"), "mine": ("gruva", "mine"), "plant": ("anläggning", "processing plant"),
    "deposit": ("fyndighet", "deposit"), "adopted": ("antagen detaljplan", "adopted plan"),
    "proposed": ("föreslagen", "proposed"), "assumed": ("antagande", "assumed"),
    "construction": ("byggfas", "construction"), "operation": ("drift", "operation"),
    "car": ("bil", "car"), "pt": ("kollektivtrafik", "public transport"), "best": ("bästa färdsätt", "best mode"),
}  # fmt: skip


def check_lang(lang: str) -> str:
    """Return ``lang`` if it is ``"sv"`` or ``"en"``, else raise :class:`~tillvaxt_geo.errors.ConfigError`."""
    if lang not in LANGS:
        raise ConfigError(f"lang must be one of 'sv', 'en'; got {lang!r}")
    return lang


def label(key: str, lang: str) -> str:
    """The label of a figure (:mod:`tillvaxt_geo.figures`) or map text ``key`` in ``lang``.

    The key itself when there is none.
    """
    if key in figure_keys():
        return registered_figure(key).label(lang)
    pair = LABELS.get(key)
    return pair[LANGS.index(lang)] if pair else key


def param_label(key: str, lang: str) -> str:
    """A scenario parameter (dotted key of the provenance) in plain words; unknown keys as given."""
    pair = PARAM_LABELS.get(key)
    return pair[LANGS.index(lang)] if pair else key


def value_label(value: Any, lang: str) -> str:
    """A data value (zone kind, plan status, phase, mode) in words; unknown values as given."""
    text = str(getattr(value, "value", value))
    pair = VALUE_LABELS.get(text)
    return pair[LANGS.index(lang)] if pair else text


# ---------------------------------------------------------------- numbers


def number(value: Any, lang: str, *, digits: int = 0, signed: bool = False) -> str:
    """A number as planners read it: ``1 234,5`` in Swedish, ``1,234.5`` in English, ``–`` if missing."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return "–"
    if not math.isfinite(x):
        return "–"
    text = f"{x:{'+' if signed else ''},.{digits}f}"
    if text.lstrip("+-") == f"{0:.{digits}f}":
        text = text.lstrip("+-")
    if lang == "sv":
        text = text.replace(",", "\u00a0").replace(".", ",").replace("-", "−")
    return text


def share(value: Any, lang: str, *, signed: bool = False) -> str:
    """A share (0–1) as a percentage: ``62 %`` in Swedish, ``62%`` in English."""
    try:
        text = number(float(value) * 100, lang, signed=signed)
    except (TypeError, ValueError):
        return "–"
    return text if text == "–" else text + ("\u00a0%" if lang == "sv" else "%")


def figure(key: str, value: Any, lang: str, *, signed: bool = False) -> str:
    """A headline figure: shares (unit ``share`` in the registry) as percentages, counts as whole numbers."""
    is_share = key in figure_keys() and registered_figure(key).unit == "share"
    return share(value, lang, signed=signed) if is_share else number(value, lang, signed=signed)
