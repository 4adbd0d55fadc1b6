"""Why a comparison shows no change: which lever of the other scenario did not reach which figure.

A scenario differs from its base by levers: road changes, public-transport
changes, housing land, and parameters. Each lever is meant to move some
headline figures. :func:`lever_notes` looks at the two results — the roads
whose speed changed against the commute times of the zones where workers
live, the commute mode against a public-transport change, the housing
released against the in-movers who needed it — and says in words, for each
lever, which of its figures it did not move and why.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tillvaxt_geo.figures import figure

if TYPE_CHECKING:
    from tillvaxt_geo.scenario.results import ScenarioResult

__all__ = ["LEVER_FIGURES", "LeverNote", "changed_roads", "commute_savings", "lever_notes", "new_changes"]

_ROAD = frozenset({"road_speed", "close_road", "add_road"})
_TRANSIT = frozenset({"rail_departures", "rail_stop", "add_service"})
_HOUSING = frozenset({"housing_release", "housing_capacity"})

#: the figures each lever is meant to move
LEVER_FIGURES: Mapping[str, tuple[str, ...]] = {
    "roads": (
        "workers_living_locally",
        "workers_within_30_min",
        "workers_within_45_min",
        "mean_commute_min",
        "population_within_30_min_car",
        "population_within_45_min_car",
    ),
    "public_transport": (
        "workers_living_locally",
        "population_within_30_min_pt",
        "population_within_45_min_pt",
    ),
    "housing": ("workers_living_locally", "housing_shortfall_dwellings", "long_distance_commuters"),
    "economy": ("indirect_jobs", "induced_jobs", "total_jobs"),
}

#: a commute time that moved less than this (minutes) counts as unchanged
_TIME_TOLERANCE_MIN = 0.05


@dataclass(frozen=True)
class LeverNote:
    """One lever of the other scenario and the figures it did not move, with the reason in words.

    Attributes
    ----------
    lever
        ``roads``, ``public_transport``, ``housing``, ``economy`` or ``scenario``.
    figures
        Keys of the figures it did not move (as shown, rounded).
    text_sv, text_en
        The reason, in Swedish and English.
    """

    lever: str
    figures: tuple[str, ...]
    text_sv: str
    text_en: str

    def text(self, lang: str = "en") -> str:
        """The reason in ``lang`` (``"sv"`` or ``"en"``)."""
        return self.text_sv if lang == "sv" else self.text_en


def _key(change: Any) -> Any:
    """A change without its position, so equal changes of two scenarios compare equal."""
    if dataclasses.is_dataclass(change) and not isinstance(change, type):
        return dataclasses.replace(change, index=None)  # type: ignore[type-var]
    return change


def new_changes(base: ScenarioResult, other: ScenarioResult) -> list[Any]:
    """The changes of ``other``'s scenario that ``base``'s does not make, in order."""
    before = [_key(c) for c in base.scenario.changes]
    return [c for c in other.scenario.changes if _key(c) not in before]


def _labels(keys: Iterable[str], lang: str) -> str:
    labels = [figure(k).label(lang) for k in keys]
    if lang == "sv":  # mid-sentence: "bor i Ludvika/Smedjebacken", names keep their capitals
        labels = [label[:1].lower() + label[1:] for label in labels]
    return ", ".join(labels)


def _ids(values: Iterable[Any], limit: int = 6) -> str:
    items = sorted({str(v) for v in values})
    more = len(items) - limit
    return ", ".join(items[:limit]) + (f" (+{more})" if more > 0 else "")


def changed_roads(base: ScenarioResult, other: ScenarioResult) -> list[str]:
    """Road ids added, removed or with another speed in ``other``'s layers."""
    a, b = getattr(base.layers, "roads", None), getattr(other.layers, "roads", None)
    if a is None or b is None or "road_id" not in a.columns or "road_id" not in b.columns:
        return []
    speed_a = pd.Series(a["speed_kmh"].to_numpy(float), index=a["road_id"].astype(str))
    speed_b = pd.Series(b["speed_kmh"].to_numpy(float), index=b["road_id"].astype(str))
    speed_a = speed_a[~speed_a.index.duplicated()]
    speed_b = speed_b[~speed_b.index.duplicated()]
    changed = set(speed_a.index.symmetric_difference(speed_b.index))
    common = speed_a.index.intersection(speed_b.index)
    changed |= set(common[~np.isclose(speed_a[common].to_numpy(), speed_b[common].to_numpy())])
    return sorted(changed)


def commute_savings(base: ScenarioResult, other: ScenarioResult) -> tuple[int, float]:
    """Zones where mine workers live whose commute time changed, and the largest saving in minutes."""
    za, zb = base.zones, other.zones
    if za is None or zb is None or "travel_time_min" not in za.columns or "travel_time_min" not in zb.columns:
        return 0, 0.0
    ta = pd.to_numeric(za["travel_time_min"], errors="coerce")
    tb = pd.to_numeric(zb["travel_time_min"], errors="coerce").reindex(ta.index)
    workers = pd.to_numeric(za.get("workers_resident", pd.Series(1.0, index=za.index)), errors="coerce").fillna(0)
    workers = workers + pd.to_numeric(zb.get("workers_resident", 0.0), errors="coerce").reindex(za.index).fillna(0)
    delta = (ta - tb)[workers > 0].dropna()
    moved = delta[delta.abs() >= _TIME_TOLERANCE_MIN]
    return len(moved), float(moved.max()) if len(moved) else 0.0


def _housing_ids(changes: Sequence[Any]) -> list[str]:
    ids: list[str] = []
    for c in changes:
        ids += list(getattr(c, "housing_ids", ()) or ())
        if getattr(c, "housing_id", None):
            ids.append(str(c.housing_id))
    return ids


def _road_note(base: ScenarioResult, other: ScenarioResult, missed: tuple[str, ...]) -> LeverNote:
    roads = changed_roads(base, other)
    road_text = _ids(roads) if roads else "–"
    mode = str(other.scenario.commute.mode)
    if mode == "pt":
        sv = (
            f"Vägändringen (vägar {road_text}) når inte {_labels(missed, 'sv')}: "
            "pendlingen räknas med kollektivtrafik (commute.mode = pt)."
        )
        en = (
            f"The road change (roads {road_text}) does not reach {_labels(missed, 'en')}: "
            "commutes are modelled by public transport (commute.mode = pt)."
        )
        return LeverNote("roads", missed, sv, en)
    zones, saving = commute_savings(base, other)
    if zones == 0:
        sv = (
            f"Vägarna som ändrades ({road_text}) ligger inte på någon gruvarbetares snabbaste väg till en öppen gruva: "
            f"ingen restid ändrades, så {_labels(missed, 'sv')} är oförändrade."
        )
        en = (
            f"The changed roads ({road_text}) lie on no mine worker's fastest route to an open mine: "
            f"no commute time changed, so {_labels(missed, 'en')} stay the same."
        )
    else:
        saving_sv = f"{saving:.1f}".replace(".", ",")
        sv = (
            f"Vägändringen ({road_text}) kortar restiden för {zones} orter med gruvarbetare, högst "
            f"{saving_sv} min, men ändrar inte {_labels(missed, 'sv')}."
        )
        en = (
            f"The road change ({road_text}) shortens commutes from {zones} zones where mine workers live by up to "
            f"{saving:.1f} min but does not change {_labels(missed, 'en')}."
        )
    return LeverNote("roads", missed, sv, en)


def _transit_note(other: ScenarioResult, missed: tuple[str, ...]) -> LeverNote:
    mode = str(other.scenario.commute.mode)
    worker_figures = tuple(k for k in missed if k.startswith("workers"))
    reach_figures = tuple(k for k in missed if k.startswith("population"))
    sv_parts, en_parts = [], []
    no_car = float(other.scenario.commute.no_car_share)
    if worker_figures and mode == "car" and no_car == 0:
        sv_parts.append(
            "pendlingen räknas med bil för alla (commute.mode = car, no_car_share = 0), så kollektivtrafiken "
            f"når inte {_labels(worker_figures, 'sv')}"
        )
        en_parts.append(
            "every worker commutes by car (commute.mode = car, no_car_share = 0), so public transport cannot "
            f"reach {_labels(worker_figures, 'en')}"
        )
    elif worker_figures:
        sv_parts.append(
            "ingen resa med kollektivtrafik mellan en gruvarbetares möjliga bostad och en gruva blev kortare "
            f"(den snabbaste resan använder inte den ändrade linjen), så {_labels(worker_figures, 'sv')} ändras inte"
        )
        en_parts.append(
            "no public-transport trip between a mine worker's possible home and a mine got shorter (the fastest "
            f"trip does not use the changed service), so {_labels(worker_figures, 'en')} do not change"
        )
    if reach_figures:
        sv_parts.append(
            f"ingen ny invånare kom inom 30/45 minuter med kollektivtrafik ({_labels(reach_figures, 'sv')})"
        )
        en_parts.append(
            f"no further resident got within 30/45 minutes by public transport ({_labels(reach_figures, 'en')})"
        )
    sv = "Kollektivtrafikändringen: " + "; ".join(sv_parts) + "."
    en = "The public-transport change: " + "; ".join(en_parts) + "."
    return LeverNote("public_transport", missed, sv, en)


def _housing_note(
    base: ScenarioResult, other: ScenarioResult, changes: Sequence[Any], missed: tuple[str, ...]
) -> LeverNote:
    ids = _housing_ids(changes)
    id_text = _ids(ids) if ids else "–"
    shortfall = base.summary.get("housing_shortfall_dwellings")
    taken = 0.0
    housing = other.housing
    if housing is not None and "dwellings_taken" in housing.columns and ids:
        keyed = housing.set_index("housing_id") if "housing_id" in housing.columns else housing
        present = [i for i in ids if i in keyed.index]
        taken = float(pd.to_numeric(keyed.loc[present, "dwellings_taken"], errors="coerce").fillna(0).sum())
    if shortfall is not None and float(shortfall) <= 0:
        sv = (
            f"Bostadsmarken som släpps ({id_text}) behövdes inte: ingen inflyttare saknade bostad i "
            f"jämförelsescenariot (bostadsbrist 0), så {_labels(missed, 'sv')} är oförändrade."
        )
        en = (
            f"The housing land released ({id_text}) was not needed: no in-mover lacked a dwelling in the base "
            f"(housing shortfall 0), so {_labels(missed, 'en')} stay the same."
        )
    elif taken <= 0:
        sv = (
            f"Ingen inflyttare valde den släppta bostadsmarken ({id_text}) inom godtagbar pendlingstid: "
            f"{_labels(missed, 'sv')} är oförändrade."
        )
        en = (
            f"No in-mover chose the released housing land ({id_text}) within an acceptable commute: "
            f"{_labels(missed, 'en')} stay the same."
        )
    else:
        sv = (
            f"Bostadsmarken ({id_text}) tog emot {taken:.0f} inflyttare, men de hade annars bott på annan ort i "
            f"regionen: {_labels(missed, 'sv')} är oförändrade."
        )
        en = (
            f"The housing land ({id_text}) took {taken:.0f} in-movers who would otherwise have lived elsewhere in the "
            f"region: {_labels(missed, 'en')} stay the same."
        )
    return LeverNote("housing", missed, sv, en)


def _economy_changed(base: ScenarioResult, other: ScenarioResult) -> list[str]:
    a = base.scenario.parameters().get("economy", {})
    b = other.scenario.parameters().get("economy", {})
    return sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))


def lever_notes(base: ScenarioResult, other: ScenarioResult, unchanged: Iterable[str]) -> list[LeverNote]:
    """For each lever ``other`` adds to ``base``, the figures it is meant to move but did not, and why.

    Parameters
    ----------
    base, other
        Two scenario results.
    unchanged
        Keys of the figures whose shown difference is zero.

    Returns
    -------
    list of LeverNote
        One note per lever that left some of its figures unchanged; a note
        ``scenario`` when the two scenarios differ in no change and no
        parameter yet nothing moved. Empty when every lever moved its figures.
    """
    same = set(unchanged)
    changes = new_changes(base, other)
    kinds = {str(getattr(c, "type", "")) for c in changes}
    notes: list[LeverNote] = []
    levers = {
        "roads": bool(kinds & _ROAD),
        "public_transport": bool(kinds & _TRANSIT),
        "housing": bool(kinds & _HOUSING),
        "economy": bool(_economy_changed(base, other)),
    }
    for lever, present in levers.items():
        if not present:
            continue
        missed = tuple(k for k in LEVER_FIGURES[lever] if k in same)
        if not missed:
            continue
        if lever == "roads":
            notes.append(_road_note(base, other, missed))
        elif lever == "public_transport":
            notes.append(_transit_note(other, missed))
        elif lever == "housing":
            notes.append(_housing_note(base, other, [c for c in changes if str(c.type) in _HOUSING], missed))
        else:
            keys = ", ".join(_economy_changed(base, other))
            notes.append(
                LeverNote(
                    "economy",
                    missed,
                    f"De ändrade ekonomiparametrarna ({keys}) ändrar inte {_labels(missed, 'sv')} i visad avrundning.",
                    f"The changed economy parameters ({keys}) do not change {_labels(missed, 'en')} as rounded.",
                )
            )
    if not any(levers.values()) and base.scenario.parameters() == other.scenario.parameters() and not changes:
        notes.append(
            LeverNote(
                "scenario",
                tuple(sorted(same)),
                "Scenarierna har samma ändringar och parametrar: det finns ingen spak som kan ändra någon siffra.",
                "The two scenarios have the same changes and parameters: no lever could change any figure.",
            )
        )
    return notes
