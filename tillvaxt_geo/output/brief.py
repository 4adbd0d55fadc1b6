"""The Trafikverket brief: two A4 pages, as PDF and as HTML, on what one scenario changes against another.

Page 1 says what changes (the roads, stops and services, on a static map drawn
with matplotlib from the layers — no network, no tiles), and the effect on the
figures a meeting asks about: mine workers living in Ludvika/Smedjebacken,
people within 30 and 45 minutes of the mines by car and by public transport,
and minutes saved. Page 2 lists every figure as base / other / difference,
why a lever moved nothing, and the sources: layer files, scenario files and
their SHA-256 hashes, the package version.

The numbers come from :func:`tillvaxt_geo.scenario.results.compare` (rounded
alike, shares in percentage points), the labels from the figure registry.
Text that comes from data or scenario files (titles, names, notes) is shown as
typed: matplotlib gets it with ``parse_math=False`` (``$x$`` stays ``$x$``),
the HTML page escapes it, and very long text is wrapped and cut.
"""

from __future__ import annotations

import base64
import html
import io
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tillvaxt_geo._version import __version__
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.figures import figure
from tillvaxt_geo.output.classes import WORKER_CLASSES
from tillvaxt_geo.output.files import atomic_path, write_text
from tillvaxt_geo.scenario.levers import changed_roads, commute_savings, new_changes
from tillvaxt_geo.scenario.results import ScenarioResult, compare

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["BRIEF_FIGURES", "Brief", "brief_content", "check_same_region", "write_brief"]

#: the figures on page 1, in order
BRIEF_FIGURES: tuple[str, ...] = (
    "workers_living_locally",
    "local_residence_share",
    "workers_within_30_min",
    "workers_within_45_min",
    "population_within_30_min_car",
    "population_within_45_min_car",
    "population_within_30_min_pt",
    "population_within_45_min_pt",
    "mean_commute_min",
    "total_jobs",
)

#: A4 portrait in inches
A4_IN = (8.27, 11.69)
#: longest user text shown (titles, names, notes); longer text is cut with "…"
MAX_TEXT = 400

_WORDS: Mapping[str, Mapping[str, str]] = {
    "sv": {
        "kind": "Underlag för samtal med Trafikverket",
        "compared": "Jämförelse",
        "with": "mot",
        "changes": "Vad ändras",
        "no_changes": "Inga ändringar av vägar, hållplatser eller trafik mot jämförelsescenariot.",
        "effect": "Effekt",
        "figure": "Mått",
        "base": "Jämförelse",
        "other": "Alternativ",
        "difference": "Skillnad",
        "minutes_saved": "Restid sparad",
        "saved_text": "Medelrestiden för gruvarbetarna ändras med {mean} min; största besparingen för en ort "
        "med gruvarbetare är {best} min ({zones} orter får kortare restid).",
        "why": "Varför vissa siffror inte ändras",
        "all_figures": "Alla mått",
        "sources": "Källor och spårbarhet",
        "scenario_file": "Scenariofil",
        "layers": "Lager",
        "version": "tillvaxt_geo {version}; skapad {created}",
        "map_title": "Ändringen på kartan",
        "legend_changed": "Ändrad väg",
        "legend_new_stop": "Ny/ändrad hållplats",
        "legend_roads": "Vägar",
        "legend_rail": "Järnväg",
        "legend_mine": "Öppen gruva",
        "legend_workers": "Gruvarbetare som bor i orten (alternativet)",
        "scale": "10 km",
        "page": "Sida {n} av 2",
        "pp": "p.e.",
        "method": "Siffrorna är modellberäkningar (pendlingsmodell kalibrerad mot dagens pendling, SCB); "
        "skillnader räknas på oavrundade värden och visas avrundade på samma sätt som värdena.",
    },
    "en": {
        "kind": "Brief for a meeting with Trafikverket",
        "compared": "Comparison",
        "with": "against",
        "changes": "What changes",
        "no_changes": "No change to roads, stops or services against the base scenario.",
        "effect": "Effect",
        "figure": "Figure",
        "base": "Base",
        "other": "Alternative",
        "difference": "Difference",
        "minutes_saved": "Minutes saved",
        "saved_text": "The mine workers' mean commute changes by {mean} min; the largest saving for a zone where "
        "mine workers live is {best} min ({zones} zones get shorter commutes).",
        "why": "Why some figures do not change",
        "all_figures": "All figures",
        "sources": "Sources and provenance",
        "scenario_file": "Scenario file",
        "layers": "Layers",
        "version": "tillvaxt_geo {version}; created {created}",
        "map_title": "The change on the map",
        "legend_changed": "Changed road",
        "legend_new_stop": "New/changed stop",
        "legend_roads": "Roads",
        "legend_rail": "Railway",
        "legend_mine": "Open mine",
        "legend_workers": "Mine workers living in the zone (alternative)",
        "scale": "10 km",
        "page": "Page {n} of 2",
        "pp": "p.p.",
        "method": "Figures are model estimates (a commute model calibrated on today's commuting, SCB); "
        "differences are computed from unrounded values and rounded like the values.",
    },
}


def _words(lang: str) -> Mapping[str, str]:
    if lang not in _WORDS:
        raise ConfigError(f"brief language must be 'sv' or 'en'; got {lang!r}")
    return _WORDS[lang]


def shown_text(text: object, *, limit: int = MAX_TEXT) -> str:
    """User text as shown: control characters removed, cut to ``limit`` characters with "…"."""
    clean = "".join(ch if ch.isprintable() else " " for ch in str(text if text is not None else ""))
    return clean if len(clean) <= limit else clean[: limit - 1].rstrip() + "…"


def check_same_region(
    names: tuple[str, str],
    layer_hashes: tuple[Mapping[str, Any], Mapping[str, Any]],
    crs: tuple[object, object],
) -> None:
    """Refuse to brief two scenarios run on different regions or layer sets.

    Raises
    ------
    ConfigError
        Naming both scenarios and the layers (or working CRS) that differ.
    """
    problems = []
    if str(crs[0]) != str(crs[1]):
        problems.append(f"working CRS {crs[0]} against {crs[1]}")
    a, b = dict(layer_hashes[0]), dict(layer_hashes[1])
    differing = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
    if differing:
        problems.append("layers " + ", ".join(differing) + " differ (other files or contents)")
    if problems:
        raise ConfigError(
            f"cannot brief scenario {names[1]!r} against {names[0]!r}: they use different regions or layer sets "
            f"({'; '.join(problems)}). Run both on the same layers, e.g. with --layers PATH."
        )


def _ids(values: Sequence[Any], limit: int = 5) -> str:
    items = [shown_text(v, limit=40) for v in values]
    return ", ".join(items[:limit]) + (f" (+{len(items) - limit})" if len(items) > limit else "")


#: each change type in words: (Swedish, English) templates over the change's fields
_CHANGE_TEXT: Mapping[str, tuple[str, str]] = {
    "road_speed": ("{where}: {speed_kmh} km/h{sections}", "{where}: {speed_kmh} km/h{sections}"),
    "close_road": ("Vägarna {road_ids} stängs", "Roads {road_ids} closed"),
    "add_road": ("Ny väg {road_id}: {speed_kmh} km/h", "New road {road_id}: {speed_kmh} km/h"),
    "rail_departures": (
        "Linje {line}: {departures_peak_hour} avgångar per riktning och rusningstimme",
        "Line {line}: {departures_peak_hour} departures per direction in the peak hour",
    ),
    "rail_stop": (
        "Linje {route} stannar vid {station_id} ({dwell_min} min uppehåll)",
        "Line {route} stops at {station_id} ({dwell_min} min dwell)",
    ),
    "add_service": (
        "Ny linje {name} ({route_type}): {stops}, {departures_peak_hour} avgångar per rusningstimme",
        "New line {name} ({route_type}): {stops}, {departures_peak_hour} departures in the peak hour",
    ),
    "housing_release": (
        "Bostadsmark {housing_ids} släpps från {available_from}",
        "Housing land {housing_ids} released from {available_from}",
    ),
    "housing_capacity": (
        "Bostadsmark {housing_id}: {capacity_dwellings} bostäder",
        "Housing land {housing_id}: {capacity_dwellings} dwellings",
    ),
}


def describe_change(change: Any, lang: str, roads: Sequence[str] = ()) -> str:
    """One scenario change in words for a meeting, in ``lang`` (names and ids shown as typed)."""
    import dataclasses

    kind = str(getattr(change, "type", ""))
    sv = lang == "sv"
    if kind not in _CHANGE_TEXT or not dataclasses.is_dataclass(change):
        return shown_text(change)
    values: dict[str, str] = {}
    for f in dataclasses.fields(change):
        value = getattr(change, f.name)
        if isinstance(value, bool) or value is None:
            values[f.name] = shown_text(value if value is not None else "")
        elif isinstance(value, int | float):
            text = f"{float(value):g}"
            values[f.name] = text.replace(".", ",") if sv else text
        elif isinstance(value, tuple | list):
            values[f.name] = _ids([str(v).removeprefix("site:") for v in value])
        else:
            values[f.name] = shown_text(value, limit=80)
    values["line"] = values.get("route") or values.get("service_id", "")
    values["name"] = values.get("name") or values.get("service_id", "")
    values["stops"] = " – ".join(str(v).removeprefix("site:") for v in getattr(change, "stops", ()) or ())
    if kind == "road_speed":
        if getattr(change, "ref", None):
            where = f"{'Väg' if sv else 'Road'} {values['ref']} {values['from_']}–{values['to']}"
        else:
            where = f"{'Vägarna' if sv else 'Roads'} {values['road_ids']}"
        values["where"] = where
        values["sections"] = (f" ({len(roads)} vägdelar)" if sv else f" ({len(roads)} road sections)") if roads else ""
    return _CHANGE_TEXT[kind][0 if sv else 1].format(**values)


def _check_results(base: ScenarioResult, other: ScenarioResult) -> None:
    pa, pb = base.summary.get("provenance", {}), other.summary.get("provenance", {})
    check_same_region(
        (base.scenario.name, other.scenario.name),
        (pa.get("layer_hashes", {}), pb.get("layer_hashes", {})),
        (pa.get("working_crs"), pb.get("working_crs")),
    )


@dataclass(frozen=True)
class Brief:
    """What the brief says, in one language, before it is drawn (PDF) or written (HTML)."""

    lang: str
    title: str
    subtitle: str
    changes: tuple[str, ...]
    rows: tuple[tuple[str, str, str, str], ...]  # label, base, other, difference (page 1)
    all_rows: tuple[tuple[str, str, str, str], ...]  # every figure (page 2)
    minutes_saved: str
    notes: tuple[str, ...]
    sources: tuple[str, ...]
    changed_road_ids: tuple[str, ...] = ()
    changed_station_ids: tuple[str, ...] = ()
    words: Mapping[str, str] = field(default_factory=dict)


def _number(value: Any, digits: int, *, sign: bool = False, lang: str = "sv") -> str:
    if value is None or (isinstance(value, float) and value != value):
        return "–"
    text = f"{float(value):,.{digits}f}".replace(",", " ")
    if lang == "sv":
        text = text.replace(".", ",")
    if sign and float(value) > 0:
        text = "+" + text
    return text.replace("-", "−")


def _digits(*values: Any) -> int:
    digits = 0
    for value in values:
        if value is None or value != value:
            continue
        text = repr(float(value))
        if "e" not in text and "." in text and not text.endswith(".0"):
            digits = max(digits, len(text.split(".")[1]))
    return digits


def _rows(
    table: pd.DataFrame, keys: Sequence[str], words: Mapping[str, str], lang: str
) -> list[tuple[str, str, str, str]]:
    rows: list[tuple[str, str, str, str]] = []
    for key in keys:
        row = table.loc[key]
        digits = max(_digits(row["base"], row["other"], row["difference"]), figure(key).shown_digits)
        pct = " %" if row["unit"] == "%" else ""
        diff_unit = f" {words['pp']}" if row["unit"] == "%" else ""
        rows.append(
            (
                str(row["label"]),
                _number(row["base"], digits, lang=lang) + pct,
                _number(row["other"], digits, lang=lang) + pct,
                _number(row["difference"], digits, sign=True, lang=lang) + diff_unit,
            )
        )
    return rows


def _changed_stations(base: ScenarioResult, other: ScenarioResult) -> list[str]:
    """Stations added, or served by a service that is new or changed (stops, times or departures)."""
    a, b = getattr(base.layers, "rail_services", None), getattr(other.layers, "rail_services", None)
    if b is None or not len(b):
        return []
    columns = [c for c in ("service_id", "station_id", "arrival_min", "departures_peak_hour") if c in b.columns]
    rows_b = b[columns].astype(str).apply(tuple, axis=1)
    rows_a = set() if a is None else set(a[[c for c in columns if c in a.columns]].astype(str).apply(tuple, axis=1))
    changed_services = set(b.loc[~rows_b.isin(rows_a), "service_id"].astype(str)) if len(rows_b) else set()
    stations = set(b.loc[b["service_id"].astype(str).isin(changed_services), "station_id"].astype(str))
    sa, sb = getattr(base.layers, "rail_stations", None), getattr(other.layers, "rail_stations", None)
    if sb is not None and "station_id" in sb.columns:
        before = set() if sa is None else set(sa["station_id"].astype(str))
        stations |= set(sb["station_id"].astype(str)) - before
    return sorted(stations)


def brief_content(base: ScenarioResult, other: ScenarioResult, *, lang: str = "sv") -> Brief:
    """What the brief of ``other`` against ``base`` says, in ``lang``.

    Raises
    ------
    ConfigError
        If the two results come from different regions or layer sets, or ``lang`` is not ``sv``/``en``.
    """
    words = _words(lang)
    _check_results(base, other)
    table = compare(base, other, lang=lang)
    roads = changed_roads(base, other)
    changes = [shown_text(describe_change(c, lang, roads)) for c in new_changes(base, other)]
    zones, best = commute_savings(base, other)
    mean = table.loc["mean_commute_min"]
    saved = words["saved_text"].format(
        mean=_number(mean["difference"], _digits(mean["difference"]), sign=True, lang=lang),
        best=_number(best, 1, lang=lang),
        zones=zones,
    )
    sources = []
    for result in (base, other):
        prov = result.summary.get("provenance", {})
        sha = prov.get("scenario_file_sha256") or "–"
        sources.append(
            f"{words['scenario_file']} {shown_text(result.scenario.name, limit=80)}: "
            f"{shown_text(Path(str(prov.get('scenario_file') or '–')).name, limit=120)} (SHA-256 {sha})"
        )
    prov = other.summary.get("provenance", {})
    files, hashes = prov.get("layer_files", {}), prov.get("layer_hashes", {})
    for layer in sorted(set(files) | set(hashes)):
        sources.append(
            f"{words['layers']} {layer}: {shown_text(Path(str(files.get(layer, '–'))).name, limit=80)} "
            f"(SHA-256 {str(hashes.get(layer, '–'))[:16]}…)"
        )
    sources.append(
        words["version"].format(version=prov.get("package_version", __version__), created=prov.get("created", "–"))
    )
    sources.append(words["method"])
    return Brief(
        lang=lang,
        title=shown_text(other.scenario.title or other.scenario.name, limit=160),
        subtitle=(
            f"{words['compared']}: {shown_text(other.scenario.name, limit=60)} {words['with']} "
            f"{shown_text(base.scenario.title or base.scenario.name, limit=120)} "
            f"({shown_text(base.scenario.name, limit=60)})"
        ),
        changes=tuple(changes),
        rows=tuple(_rows(table, BRIEF_FIGURES, words, lang)),
        all_rows=tuple(_rows(table, [str(k) for k in table.index], words, lang)),
        minutes_saved=saved,
        notes=tuple(shown_text(n) for n in table.attrs.get("notes", [])),
        sources=tuple(sources),
        changed_road_ids=tuple(roads),
        changed_station_ids=tuple(_changed_stations(base, other)),
        words=words,
    )


# ---------------------------------------------------------------- drawing (matplotlib, no network)


def _text(target: Any, x: float, y: float, text: str, *, width: int = 95, **kwargs: Any) -> Any:
    """Text drawn as typed: never math-parsed, wrapped at ``width`` characters."""
    if width:
        lines = [textwrap.wrap(line, width=width, break_long_words=True) or [""] for line in text.split("\n")]
        wrapped = "\n".join(part for line in lines for part in line)
    else:
        wrapped = text
    return target.text(x, y, wrapped, parse_math=False, usetex=False, **kwargs)


def _draw_map(ax: Axes, brief: Brief, base: ScenarioResult, other: ScenarioResult) -> None:
    from matplotlib.lines import Line2D

    words = brief.words
    layers = other.layers
    ax.set_axis_off()
    ax.set_aspect("equal")
    roads = getattr(layers, "roads", None)
    rail = getattr(layers, "rail_lines", None)
    stations = getattr(layers, "rail_stations", None)
    zones, sites = other.zones, other.sites
    focus = []
    if roads is not None and len(roads):
        widths = roads["road_class"].map({"motorway": 1.6, "trunk": 1.3, "primary": 1.0}).fillna(0.5).to_numpy()
        roads.plot(ax=ax, color="#9a9a9a", linewidth=widths, zorder=1)
        changed = roads[roads["road_id"].astype(str).isin(brief.changed_road_ids)]
        if len(changed):
            changed.plot(ax=ax, color="#d7191c", linewidth=3.2, zorder=4)
            focus.append(changed.total_bounds)
    if rail is not None and len(rail):
        rail.plot(ax=ax, color="#222222", linewidth=1.0, linestyle=(0, (4, 2)), zorder=2)
    if stations is not None and len(stations) and "station_id" in stations.columns:
        new = stations[stations["station_id"].astype(str).isin(brief.changed_station_ids)]
        if len(new):
            pts = new.geometry.representative_point()
            ax.scatter(pts.x, pts.y, marker="s", s=36, facecolor="none", edgecolor="#d7191c", linewidth=1.6, zorder=6)
            focus.append(new.total_bounds)
    if zones is not None and len(zones):
        pts = zones.geometry.representative_point()
        workers = pd.to_numeric(zones["workers_resident"], errors="coerce").fillna(0).to_numpy()
        population = pd.to_numeric(zones.get("population", 0), errors="coerce").fillna(0).to_numpy(dtype=float)
        sizes = 12 + 180 * np.sqrt(population / max(float(population.max()), 1.0))
        colours = [WORKER_CLASSES.classes[WORKER_CLASSES.index(float(w))].colour for w in workers]
        ax.scatter(pts.x, pts.y, s=sizes, c=colours, edgecolors="#444444", linewidths=0.5, zorder=5)
        local = zones["local"].astype(bool).to_numpy() if "local" in zones.columns else np.ones(len(zones), bool)
        if local.any():
            focus.append(zones[local].total_bounds)
        order = np.argsort(-population)
        for i in order[:12]:
            _text(ax, pts.x.iloc[i], pts.y.iloc[i], shown_text(zones["name"].iloc[i], limit=40), width=0,
                  fontsize=6.5, ha="left", va="bottom", zorder=7, clip_on=True)  # fmt: skip
    if sites is not None and len(sites):
        open_sites = sites[sites["open"].astype(bool).to_numpy()]
        if len(open_sites):
            pts = open_sites.geometry.representative_point()
            ax.scatter(pts.x, pts.y, marker="*", s=150, color="#8b0000", edgecolors="black", linewidths=0.5, zorder=8)
            focus.append(open_sites.total_bounds)
    if focus:
        bounds = np.array(focus, dtype=float)
        x0, y0 = np.nanmin(bounds[:, 0]), np.nanmin(bounds[:, 1])
        x1, y1 = np.nanmax(bounds[:, 2]), np.nanmax(bounds[:, 3])
        pad = max(x1 - x0, y1 - y0, 10_000) * 0.08
        ax.set_xlim(x0 - pad, x1 + pad)
        ax.set_ylim(y0 - pad, y1 + pad)
        # scale bar: 10 km in the lower left corner
        sx, sy = x0 - pad * 0.5, y0 - pad * 0.6
        ax.plot([sx, sx + 10_000], [sy, sy], color="black", linewidth=2, zorder=9)
        _text(ax, sx + 5_000, sy + pad * 0.12, words["scale"], width=0, fontsize=7, ha="center", va="bottom", zorder=9)
    handles = [
        Line2D([], [], color="#d7191c", linewidth=3, label=words["legend_changed"]),
        Line2D([], [], marker="s", color="none", markeredgecolor="#d7191c", label=words["legend_new_stop"]),
        Line2D([], [], color="#9a9a9a", linewidth=1.2, label=words["legend_roads"]),
        Line2D([], [], color="#222222", linewidth=1, linestyle=(0, (4, 2)), label=words["legend_rail"]),
        Line2D([], [], marker="*", color="none", markerfacecolor="#8b0000", markersize=11, label=words["legend_mine"]),
    ]
    handles += [
        Line2D(
            [],
            [],
            marker="o",
            color="none",
            markerfacecolor=c.colour,
            markeredgecolor="#444444",
            markersize=7,
            label=c.label,
        )
        for c in WORKER_CLASSES.classes
    ]
    legend = ax.legend(handles=handles, loc="upper left", fontsize=6.5, frameon=True, framealpha=0.9,
                       title=words["legend_workers"], title_fontsize=6.5)  # fmt: skip
    for t in legend.get_texts():
        t.set_parse_math(False)


def _table(ax: Axes, rows: Sequence[tuple[str, str, str, str]], words: Mapping[str, str], *, font: float) -> None:
    ax.set_axis_off()
    header = (words["figure"], words["base"], words["other"], words["difference"])
    cells = [list(header), *[list(r) for r in rows]]
    table = ax.table(cellText=cells, colWidths=[0.52, 0.16, 0.16, 0.16], loc="upper center", cellLoc="right")
    table.auto_set_font_size(False)
    table.set_fontsize(font)
    for (r, c), cell in table.get_celld().items():
        cell.get_text().set_parse_math(False)
        cell.set_edgecolor("#cccccc")
        cell.set_linewidth(0.4)
        if c == 0:
            cell.get_text().set_horizontalalignment("left")
            setattr(cell, "_loc", "left")  # noqa: B010 (matplotlib keeps the alignment here when it lays out)
        if r == 0:
            cell.set_facecolor("#eeeeee")
            cell.get_text().set_fontweight("bold")
    table.scale(1, 1.35)


def _pages(brief: Brief, base: ScenarioResult, other: ScenarioResult) -> list[Figure]:
    from matplotlib.figure import Figure

    words = brief.words
    first = Figure(figsize=A4_IN)
    _text(first, 0.06, 0.965, words["kind"], fontsize=9, color="#555555", va="top")
    _text(first, 0.06, 0.945, brief.title, width=70, fontsize=15, fontweight="bold", va="top")
    _text(first, 0.06, 0.895, brief.subtitle, width=110, fontsize=8, color="#333333", va="top")
    _text(first, 0.06, 0.86, words["changes"], fontsize=11, fontweight="bold", va="top")
    changes = brief.changes or (words["no_changes"],)
    _text(first, 0.06, 0.84, "\n".join(f"• {c}" for c in changes[:4]), width=120, fontsize=7.5, va="top")
    map_ax = first.add_axes((0.06, 0.43, 0.88, 0.36))
    _draw_map(map_ax, brief, base, other)
    _text(first, 0.06, 0.415, words["effect"], fontsize=11, fontweight="bold", va="top")
    _table(first.add_axes((0.06, 0.1, 0.88, 0.3)), brief.rows, words, font=8)
    _text(first, 0.06, 0.085, f"{words['minutes_saved']}: {brief.minutes_saved}", width=125, fontsize=7.5, va="top")
    _text(first, 0.94, 0.02, words["page"].format(n=1), width=0, fontsize=7, ha="right", color="#777777")

    second = Figure(figsize=A4_IN)
    _text(second, 0.06, 0.965, brief.title, width=90, fontsize=11, fontweight="bold", va="top")
    _text(second, 0.06, 0.93, words["all_figures"], fontsize=11, fontweight="bold", va="top")
    _table(second.add_axes((0.06, 0.55, 0.88, 0.37)), brief.all_rows, words, font=7.5)
    y = 0.52
    if brief.notes:
        _text(second, 0.06, y, words["why"], fontsize=11, fontweight="bold", va="top")
        body = _text(second, 0.06, y - 0.022, "\n".join(f"• {n}" for n in brief.notes[:4]), width=125,
                     fontsize=7.5, va="top")  # fmt: skip
        y -= 0.04 + 0.0125 * body.get_text().count("\n")
    _text(second, 0.06, y, words["sources"], fontsize=11, fontweight="bold", va="top")
    _text(second, 0.06, y - 0.022, "\n".join(brief.sources), width=150, fontsize=6.3, va="top", family="DejaVu Sans")
    _text(second, 0.94, 0.02, words["page"].format(n=2), width=0, fontsize=7, ha="right", color="#777777")
    return [first, second]


def _map_png(brief: Brief, base: ScenarioResult, other: ScenarioResult) -> bytes:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(7.5, 5.2))
    _draw_map(fig.add_axes((0, 0, 1, 1)), brief, base, other)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    return buffer.getvalue()


def _html(brief: Brief, map_png: bytes) -> str:
    e = html.escape
    words = brief.words

    def table(rows: Sequence[tuple[str, str, str, str]]) -> str:
        head = "".join(
            f"<th>{e(h)}</th>" for h in (words["figure"], words["base"], words["other"], words["difference"])
        )
        body = "".join("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in rows)
        return f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"

    changes = brief.changes or (words["no_changes"],)
    image = base64.b64encode(map_png).decode("ascii")
    notes = (
        f"<h2>{e(words['why'])}</h2><ul>" + "".join(f"<li>{e(n)}</li>" for n in brief.notes) + "</ul>"
        if brief.notes
        else ""
    )
    return f"""<!DOCTYPE html>
<html lang="{e(brief.lang)}"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{e(brief.title)}</title>
<style>
@page {{ size: A4; margin: 15mm; }}
body {{ font-family: "DejaVu Sans", Arial, sans-serif; max-width: 190mm; margin: 1em auto; color: #222; }}
.kind {{ color: #555; font-size: 0.9em; }} h1 {{ font-size: 1.5em; margin: 0.2em 0; overflow-wrap: anywhere; }}
.sub {{ color: #333; font-size: 0.9em; overflow-wrap: anywhere; }} h2 {{ font-size: 1.1em; margin-top: 1.2em; }}
table {{ border-collapse: collapse; width: 100%; font-size: 0.9em; }}
th, td {{ border: 1px solid #ccc; padding: 3px 6px; text-align: right; }}
th:first-child, td:first-child {{ text-align: left; }} th {{ background: #eee; }}
img {{ max-width: 100%; border: 1px solid #ddd; }} .sources {{ font-size: 0.75em; overflow-wrap: anywhere; }}
.page2 {{ break-before: page; }} li {{ overflow-wrap: anywhere; }}
</style></head><body>
<section class="page1">
<div class="kind">{e(words["kind"])}</div>
<h1>{e(brief.title)}</h1>
<div class="sub">{e(brief.subtitle)}</div>
<h2>{e(words["changes"])}</h2><ul>{"".join(f"<li>{e(c)}</li>" for c in changes)}</ul>
<h2>{e(words["map_title"])}</h2><img alt="{e(words["map_title"])}" src="data:image/png;base64,{image}">
<h2>{e(words["effect"])}</h2>{table(brief.rows)}
<p><strong>{e(words["minutes_saved"])}:</strong> {e(brief.minutes_saved)}</p>
</section>
<section class="page2">
<h2>{e(words["all_figures"])}</h2>{table(brief.all_rows)}
{notes}
<h2>{e(words["sources"])}</h2><ul class="sources">{"".join(f"<li>{e(s)}</li>" for s in brief.sources)}</ul>
</section>
</body></html>
"""


def write_brief(base: ScenarioResult, other: ScenarioResult, path: str | Path, *, lang: str = "sv") -> dict[str, Path]:
    """Write the brief of ``other`` against ``base``: a two-page A4 PDF at ``path`` and the same as HTML beside it.

    Parameters
    ----------
    base, other
        Two results on the same region and layer set.
    path
        The PDF to write; the HTML page gets the same name with ``.html``.
    lang
        ``"sv"`` (default) or ``"en"``.

    Returns
    -------
    dict
        ``pdf`` and ``html`` paths.

    Raises
    ------
    ConfigError
        If the scenarios use different regions or layer sets (naming both), or ``lang`` is unknown.
    """
    import matplotlib
    from matplotlib.backends.backend_pdf import PdfPages

    brief = brief_content(base, other, lang=lang)
    pdf = Path(path)
    with matplotlib.rc_context({"text.usetex": False, "font.family": "DejaVu Sans", "pdf.fonttype": 42}):
        pages = _pages(brief, base, other)
        map_png = _map_png(brief, base, other)
        with atomic_path(pdf) as tmp:
            metadata = {"Title": brief.title, "Subject": brief.subtitle, "Creator": f"tillvaxt_geo {__version__}"}
            with PdfPages(tmp, metadata=metadata) as document:
                for page in pages:
                    document.savefig(page)
    html_path = write_text(pdf.with_suffix(".html"), _html(brief, map_png))
    return {"pdf": pdf, "html": html_path}
