"""The map kinds: region overview, scenario commute map, comparison and isochrones, each a folium map.

Every builder returns a :class:`folium.Map` composed of the layers drawn by
:mod:`tillvaxt_geo.output.maps.draw`, the words and numbers of
:mod:`tillvaxt_geo.output.maps.labels` and the escaped HTML pieces of
:mod:`tillvaxt_geo.output.maps.html`;
:func:`~tillvaxt_geo.output.maps.save.save_map` writes it as one
self-contained, offline HTML file. Labels are Swedish by default
(``lang="sv"``), English with ``lang="en"``.
"""

from __future__ import annotations

from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd

from tillvaxt_geo._version import __version__
from tillvaxt_geo.data.layers import DEFAULT_STUDY_AREA
from tillvaxt_geo.figures import headline_keys
from tillvaxt_geo.output.maps.changed import changed_features
from tillvaxt_geo.output.maps.context import changed_layer, place_labels, study_outlines
from tillvaxt_geo.output.maps.draw import (
    HOUSING_COLOURS,
    UPTAKE_BINS,
    WORKER_BINS,
    ZONE_FILL,
    Basemap,
    _basemap,
    _circle,
    _colour,
    _finish,
    _get,
    _group,
    _housing,
    _isochrones,
    _light_basemap,
    _local,
    _new_map,
    _outlines,
    _radii,
    _rail,
    _roads,
    _site_names,
    _sites,
    _size_rows,
    _tip,
    _vector,
    _wgs84,
    _zone_card,
    scenario_description,
    scenario_title,
)
from tillvaxt_geo.output.maps.html import (
    card,
    headline,
    html_text,
    png_html,
    provenance_html,
    section,
    swatch,
    table,
)
from tillvaxt_geo.output.maps.labels import check_lang, figure, label, number, share, value_label

__all__ = [
    "commute_map",
    "comparison_map",
    "isochrone_map",
    "overview_map",
    "render_map",
]


def overview_map(layers: Any, *, lang: str = "sv", basemap: str = "layers") -> folium.Map:
    """Map of the region: places sized by population, mine sites, housing land, roads and rail.

    Parameters
    ----------
    layers
        A :class:`~tillvaxt_geo.data.layers.Layers` (frames in the working CRS).
    lang
        ``"sv"`` (default) or ``"en"`` for labels, legends and popups.
    basemap
        ``"layers"`` (light vector context drawn from the layers), ``"none"``,
        or ``"osm"`` (online OpenStreetMap tiles, the only remote URL allowed).

    Returns
    -------
    folium.Map
        Save it with :func:`~tillvaxt_geo.output.maps.save.save_map`.
    """
    lang, bm = check_lang(lang), _basemap(basemap)
    zones, sites, housing = layers.zones, layers.mine_sites, layers.housing_land
    m = _new_map([_local(zones), sites, housing], basemap=bm, title=label("overview_title", lang))
    _light_basemap(m, layers, bm)
    legend = []
    if housing is not None and len(housing):
        popups = [card(_get(r, "name", ""), [
            (label("municipality", lang), _get(r, "municipality", "")),
            (label("status", lang), value_label(_get(r, "status", ""), lang)),
            (label("capacity", lang), f"{number(_get(r, 'capacity_dwellings'), lang)} {label('dwellings', lang)}"),
            (label("available_from", lang), _get(r, "available_from", "–")),
        ]) for _, r in housing.iterrows()]  # fmt: skip
        colours = [HOUSING_COLOURS.get(str(s), "#999") for s in housing["status"]]
        group = _housing(m, housing, lang, name=label("housing", lang), colours=colours, popups=popups)
        rows = "".join(swatch(c, value_label(s, lang)) for s, c in HOUSING_COLOURS.items())
        legend.append(section(label("housing", lang), rows, note=label("size_capacity", lang),
                              groups=[group.get_name()]))  # fmt: skip
    legend += [_roads(m, layers.roads, lang), _rail(m, layers, lang)]
    legend.append(study_outlines(m, zones, lang, study_area=DEFAULT_STUDY_AREA))
    if zones is not None and len(zones):
        radii, k = _radii(zones["population"], max_px=24, ref=_local(zones)["population"])
        zone_groups = []
        kinds = zones["kind"].astype(str) if "kind" in zones else pd.Series("settlement", index=zones.index)
        for key, mask in (("zones", kinds != "external"), ("external", kinds == "external")):
            part = zones[mask.to_numpy()]
            ext = key == "external"
            line: dict[str, Any] = {"colour": "#6a51a3", "weight": 2, "dash": "4 3"} if ext else {"colour": "#1d4f73"}
            styles = [_circle(r, "#fff" if ext else ZONE_FILL.get(kd, "#2c7fb8"), opacity=0.55, **line)
                      for r, kd in zip(radii[mask.to_numpy()], kinds[mask], strict=True)]  # fmt: skip
            tips = [_tip(_get(r, "name"), f"{number(_get(r, 'population'), lang)} {label('inhabitants', lang)}")
                    for _, r in part.iterrows()]  # fmt: skip
            popups = [_zone_card(r, lang) for _, r in part.iterrows()]
            points = _wgs84(part.geometry, points=True)
            group = _group(m, label(key, lang))
            zone_groups.append(group.get_name())
            _vector(group, points, styles, css=f"tg-{key}", tips=tips, popups=popups, points=True)
        rows = "".join(swatch(c, value_label(kd, lang)) for kd, c in ZONE_FILL.items())
        rows += swatch("#fff", label("external", lang), style="border:2px dashed #6a51a3")
        rows += _size_rows(k, _local(zones)["population"], label("inhabitants", lang), lang)
        legend.append(section(f"{label('zones', lang)} ({label('population', lang)})", rows, groups=zone_groups))
        legend.append(place_labels(m, zones, lang, radii=radii))
    legend.append(_sites(m, sites, lang, name=label("mine_sites", lang)))
    provenance = {"package_version": __version__, "layer_hashes": dict(getattr(layers, "hashes", None) or {})}
    head = f"<h1>{html_text(label('overview_title', lang))}</h1>"
    return _finish(m, head, provenance_html(provenance, lang), legend, lang)


def commute_map(result: Any, *, lang: str = "sv", basemap: str = "layers") -> folium.Map:
    """Map of one scenario: catchments, where the mine workers live, housing uptake, headline figures.

    Parameters
    ----------
    result
        A :class:`~tillvaxt_geo.scenario.results.ScenarioResult`.
    lang
        ``"sv"`` (default) or ``"en"``.
    basemap
        ``"layers"``, ``"none"`` or ``"osm"`` (see :func:`overview_map`).

    Returns
    -------
    folium.Map
        Isochrones per open site and mode, zones coloured by resident mine
        workers, housing land by uptake, open sites with their figures, a title
        block with the headline figures and provenance, and the sensitivity
        heat map in a folded panel when ``result.sweep_png`` is set.
    """
    lang, bm = check_lang(lang), _basemap(basemap)
    zones, housing, sites, scenario = result.zones, result.housing, result.sites, result.scenario
    open_sites = sites[sites["open"].astype(bool).to_numpy()] if sites is not None else None
    m = _new_map([_local(zones), open_sites], basemap=bm, title=scenario_title(scenario, lang))
    _light_basemap(m, result.layers, bm)
    changed = changed_features(scenario, result.layers, lang=lang)
    legend = [_isochrones(m, result.isochrones, _site_names(sites), lang)]
    if housing is not None and len(housing):
        taken = pd.to_numeric(housing["dwellings_taken"], errors="coerce").fillna(0)
        shares = (taken / housing["capacity_dwellings"].clip(lower=1)).to_numpy()
        released = housing["released"].astype(bool).to_numpy()
        colours = [_colour(s, UPTAKE_BINS) if rel else "#ffffff" for s, rel in zip(shares, released, strict=True)]
        popups = [card(_get(r, "name", ""), [
            (label("capacity", lang), f"{number(_get(r, 'capacity_dwellings'), lang)} {label('dwellings', lang)}"),
            (label("released", lang), label("yes" if rel else "no", lang)),
            (label("dwellings_taken", lang), number(_get(r, "dwellings_taken"), lang)),
            (label("uptake", lang), share(s, lang)),
        ]) for (_, r), s, rel in zip(housing.iterrows(), shares, released, strict=True)]  # fmt: skip
        name = label("housing_uptake", lang)
        group = _housing(m, housing, lang, name=name, colours=colours, popups=popups, hollow=list(~released))
        rows = "".join(swatch(c, t) for _, c, t in UPTAKE_BINS)
        rows += swatch("transparent", label("not_released", lang), style="border:1.5px dashed #555")
        legend.append(section(f"{name} ({label('share_taken', lang)})", rows, note=label("size_capacity", lang),
                              groups=[group.get_name()]))  # fmt: skip
    roads = getattr(result.layers, "roads", None)
    legend += [_roads(m, roads, lang, show=bm is not Basemap.LAYERS), _rail(m, result.layers, lang)]
    legend.append(changed_layer(m, result.layers, changed, lang))
    study_area = getattr(scenario, "study_area", DEFAULT_STUDY_AREA)
    legend.append(study_outlines(m, zones, lang, study_area=study_area))
    if zones is not None and len(zones):
        workers = pd.to_numeric(zones["workers_resident"], errors="coerce").fillna(0).to_numpy()
        radii, _ = _radii(zones["population"], max_px=22, min_px=4, ref=_local(zones)["population"])
        styles = [_circle(r, _colour(w, WORKER_BINS), colour="#444") for r, w in zip(radii, workers, strict=True)]
        rows_z = list(zones.iterrows())
        popups = [_zone_card(r, lang, [
            (label("workers_resident", lang), f"{number(w, lang)} {label('people', lang)}"),
            (label("travel_time_nearest", lang), f"{number(_get(r, 'travel_time_min'), lang)} min"),
        ]) for (_, r), w in zip(rows_z, workers, strict=True)]  # fmt: skip
        tips = [_tip(_get(r, "name"), f"{number(w, lang)} {label('workers_short', lang)}")
                for (_, r), w in zip(rows_z, workers, strict=True)]  # fmt: skip
        group = _group(m, label("workers_resident", lang))
        _vector(
            group, _wgs84(zones.geometry, points=True), styles, css="tg-zones", tips=tips, popups=popups, points=True
        )
        rows = "".join(swatch(c, t) for _, c, t in WORKER_BINS)
        title = f"{label('workers_resident', lang)} ({label('people', lang)})"
        legend.append(section(title, rows, note=label("size_population", lang), groups=[group.get_name()]))
        legend.append(place_labels(m, zones, lang, radii=radii))

    def figures(r: Any) -> list[tuple[str, str]]:
        workers, local = _get(r, "workers"), _get(r, "workers_living_locally")
        ratio = float(local) / float(workers) if workers and local is not None else None
        return [
            (label("direct_jobs", lang), f"{number(workers, lang)} {label('people', lang)}"),
            (label("workers_living_locally", lang), f"{number(local, lang)} {label('people', lang)}"),
            (label("local_residence_share", lang), share(ratio, lang)),
        ]

    legend.append(_sites(m, open_sites, lang, name=label("open_sites", lang), extra=figures))
    head, body = _scenario_panel(result, changed.lines, lang)
    return _finish(m, head, body, legend, lang)


def _headline_rows(summary: Any, lang: str) -> list[tuple[str, str, str]]:
    """The two figures a planner asks first: workers living locally (of all, and the share) and total jobs."""
    rows = []
    if "workers_living_locally" in summary:
        detail = label("of_direct", lang).format(
            total=figure("workers_total", summary.get("workers_total"), lang),
            share=figure("local_residence_share", summary.get("local_residence_share"), lang),
        )
        value = figure("workers_living_locally", summary.get("workers_living_locally"), lang)
        rows.append((value, label("workers_living_locally", lang), detail))
    if "total_jobs" in summary:
        detail = label("jobs_detail", lang).format(
            d=figure("direct_jobs", summary.get("direct_jobs"), lang),
            i=figure("indirect_jobs", summary.get("indirect_jobs"), lang),
            n=figure("induced_jobs", summary.get("induced_jobs"), lang),
        )
        rows.append((figure("total_jobs", summary.get("total_jobs"), lang), label("total_jobs", lang), detail))
    return rows


def _scenario_panel(result: Any, changes: Any, lang: str) -> tuple[str, str]:
    """The title panel of a scenario map: heading and headline figures (always shown), then the rest."""
    s, summary = result.scenario, result.summary
    meta = f"{label('scenario', lang)}: {s.name} · {label('year', lang)} {s.year} · "
    meta += f"{label('phase', lang)}: {value_label(s.phase, lang)}"
    title = scenario_title(s, lang)
    head = f"<h1 title='{html_text(title)}'>{html_text(title)}</h1>" + headline(_headline_rows(summary, lang))
    body = f"<p class='tg-muted'>{html_text(meta)}</p>"
    description = scenario_description(s, lang)
    if description:
        body += f"<p class='tg-desc' title='{html_text(description)}'>{html_text(description)}</p>"
    if changes:
        items = "".join(f"<div>{html_text(c)}</div>" for c in changes)
        body += f"<div class='tg-changes'><b>{html_text(label('changes', lang))}</b>{items}</div>"
    rows = table((label(k, lang), figure(k, summary[k], lang)) for k in headline_keys(summary))
    body += f"<details class='tg-all'><summary>{html_text(label('all_figures', lang))}</summary>{rows}</details>"
    body += provenance_html(summary.get("provenance") or {}, lang, sources=getattr(s, "sources", None))
    body += _uncertainty_html(getattr(result, "uncertainty", None), summary, lang)
    png = getattr(result, "sweep_png", None)
    return head, body + (png_html(png, label("sweep", lang)) if png else "")


def _uncertainty_html(unc: Any, summary: Any, lang: str) -> str:
    """A folded section: P10–P90 (median) of every headline figure and its main driver, with the chart."""
    if unc is None:
        return ""
    from tillvaxt_geo.output.uncertainty import uncertainty_png

    table_rows = []
    shown = set(headline_keys(summary))
    for row in unc.percentiles.itertuples():
        key = str(row.figure)
        if key not in shown or row.p10 != row.p10:
            continue
        low, mid, high = (figure(key, v, lang) for v in (row.p10, row.p50, row.p90))
        drivers = unc.drivers(key)
        drivers = drivers[drivers["ST"] > 0.01]
        driver = f" · {drivers.iloc[0]['parameter']} (ST {drivers.iloc[0]['ST']:.2f})" if len(drivers) else ""
        table_rows.append((label(key, lang), f"{low}–{high} ({mid}){driver}"))
    note = label("uncertainty_note", lang).format(n=unc.samples, seed=unc.seed)
    chart = png_html(uncertainty_png(unc), label("uncertainty_chart", lang))
    title = html_text(label("uncertainty", lang))
    return (
        f"<details class='tg-uncertainty'><summary>{title}</summary>"
        f"<p class='tg-muted'>{html_text(note)}</p>{table(table_rows)}{chart}</details>"
    )


def render_map(result: Any, **kwargs: Any) -> folium.Map:
    """The map of a scenario result: :func:`commute_map` with the same options."""
    return commute_map(result, **kwargs)


def comparison_map(base: Any, other: Any, *, lang: str = "sv", basemap: str = "layers") -> folium.Map:
    """Map of what changes from one scenario to another: workers per zone, housing uptake, figures.

    Parameters
    ----------
    base, other
        Two :class:`~tillvaxt_geo.scenario.results.ScenarioResult` on the same zones.
    lang
        ``"sv"`` (default) or ``"en"``.
    basemap
        ``"layers"``, ``"none"`` or ``"osm"``.

    Returns
    -------
    folium.Map
        A difference layer per zone and per housing area, the 30/45-minute
        catchments of both, the open sites, and a title block with every
        headline figure as base / other / difference.
    """
    lang, bm = check_lang(lang), _basemap(basemap)
    title = f"{scenario_title(base.scenario, lang)} → {scenario_title(other.scenario, lang)}"
    m = _new_map([_local(other.zones)], basemap=bm, title=title)
    _light_basemap(m, other.layers, bm)
    changed = changed_features(other.scenario, other.layers, lang=lang)
    legend = [_outlines(m, base, other, lang)]
    for key, frame_b, frame_o, column, unit in (
        ("diff_housing", base.housing, other.housing, "dwellings_taken", "dwellings"),
        ("diff_workers", base.zones, other.zones, "workers_resident", "people"),
    ):
        if frame_o is None or not len(frame_o) or frame_b is None:
            continue
        legend.append(_difference_layer(m, key, frame_b, frame_o, column, unit, lang))
    legend.append(changed_layer(m, other.layers, changed, lang))
    legend.append(study_outlines(m, other.zones, lang,
                                 study_area=getattr(other.scenario, "study_area", DEFAULT_STUDY_AREA)))  # fmt: skip
    if other.zones is not None and len(other.zones):
        radii, _ = _radii(np.zeros(len(other.zones)), max_px=20, min_px=3)
        legend.append(place_labels(m, other.zones, lang, radii=radii))
    sites = other.sites
    opened = sites[sites["open"].astype(bool).to_numpy()] if sites is not None else None
    extra = lambda r: [(label("direct_jobs", lang), number(_get(r, "workers"), lang))]  # noqa: E731
    legend.append(_sites(m, opened, lang, name=label("open_sites", lang), extra=extra))
    keys = headline_keys({**base.summary, **other.summary})
    # differences of the figures as shown (rounded), so that the table's columns add up as read
    diffs = {k: _minus(_as_shown(k, other.summary.get(k)), _as_shown(k, base.summary.get(k))) for k in keys}
    no_change = html_text(label("no_change", lang))

    def diff_cell(k: str) -> str:
        if _shows_zero(k, diffs[k], lang):
            return f"<td class='tg-muted'>{no_change}</td>"
        return f"<td>{html_text(figure(k, diffs[k], lang, signed=True))}</td>"

    head_row = "".join(f"<td><b>{html_text(label(k, lang))}</b></td>" for k in ("base", "other", "difference"))
    rows = "".join(
        f"<tr><th>{html_text(label(k, lang))}</th><td>{html_text(figure(k, base.summary.get(k), lang))}</td>"
        f"<td>{html_text(figure(k, other.summary.get(k), lang))}</td>{diff_cell(k)}</tr>"
        for k in keys
    )
    names = f"{label('comparison', lang)}: {base.scenario.name} / {other.scenario.name}"
    head = f"<h1 title='{html_text(title)}'>{html_text(title)}</h1>"
    if all(_shows_zero(k, diffs[k], lang) for k in keys):
        head += f"<p class='tg-nochange'>{html_text(label('no_change_any', lang))}</p>"
    else:
        changes_rows = [
            ("±0" if _shows_zero(k, diffs[k], lang) else figure(k, diffs[k], lang, signed=True), label(k, lang),
             f"{figure(k, base.summary.get(k), lang)} → {figure(k, other.summary.get(k), lang)}")
            for k in ("workers_living_locally", "total_jobs")
            if k in diffs
        ]  # fmt: skip
        head += headline(changes_rows)
    body = f"<p class='tg-muted'>{html_text(names)}</p>"
    if changed.lines:
        items = "".join(f"<div>{html_text(c)}</div>" for c in changed.lines)
        body += f"<div class='tg-changes'><b>{html_text(label('changes', lang))}</b>{items}</div>"
    table_html = f'<table class="tg-t tg-compare"><tr><th></th>{head_row}</tr>{rows}</table>'
    body += f"<details class='tg-all'><summary>{html_text(label('all_figures', lang))}</summary>{table_html}</details>"
    body += provenance_html(other.summary.get("provenance") or {}, lang,
                            sources=getattr(other.scenario, "sources", None))  # fmt: skip
    return _finish(m, head, body, legend, lang)


def _as_shown(key: str, value: Any) -> float | None:
    """A figure rounded as the map shows it: shares to whole percent, counts to whole numbers."""
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    from tillvaxt_geo.figures import figure as registered

    return round(x, 2) if registered(key).unit == "share" else float(round(x))


def _shows_zero(key: str, difference: float | None, lang: str) -> bool:
    """Whether a difference reads as zero once rounded as the map shows it (then the map says "no change")."""
    if difference is None:
        return False
    return figure(key, difference, lang, signed=True).strip("+−-%\u00a0 ") == "0"


#: a change this small or smaller counts as no change (people and dwellings are whole numbers)
NO_CHANGE = 0.5


def _difference_layer(m: folium.Map, key: str, frame_b: Any, frame_o: Any, column: str, unit: str,
                      lang: str) -> str:  # fmt: skip
    """Circles sized by the size of the change, on the scale of the figure itself; "no change" where none."""
    before = pd.to_numeric(frame_b[column], errors="coerce").reindex(frame_o.index).fillna(0).to_numpy()
    after = pd.to_numeric(frame_o[column], errors="coerce").fillna(0).to_numpy()
    diff = after - before
    # the scale: the largest value of the figure in either scenario gets the largest circle, so a change of
    # one person is a small circle even when it is the largest change on the map
    ref = max(float(np.abs(before).max(initial=0)), float(np.abs(after).max(initial=0)), 1.0)
    radii, _ = _radii(np.abs(diff), max_px=22, min_px=2.5, ref=[ref])
    moved = np.abs(diff) >= NO_CHANGE
    fills = ["#2166ac" if d > 0 else "#b2182b" for d in diff]
    styles = [_circle(r, f, colour="#222", weight=1, opacity=0.8) if mv else
              _circle(3, "#fff", colour="#8a8a8a", weight=1.2, opacity=1)
              for r, f, mv in zip(radii, fills, moved, strict=True)]  # fmt: skip
    rows_o = list(frame_o.iterrows())
    none = label("no_change", lang)
    popups = [card(_get(r, "name", ""), [
        (label("base", lang), number(b, lang)), (label("other", lang), number(a, lang)),
        (label("difference", lang), number(d, lang, signed=True) if mv else none),
    ]) for (_, r), b, a, d, mv in zip(rows_o, before, after, diff, moved, strict=True)]  # fmt: skip
    tips = [_tip(_get(r, "name"), f"{number(d, lang, signed=True)} {label(unit, lang)}" if mv else none)
            for (_, r), d, mv in zip(rows_o, diff, moved, strict=True)]  # fmt: skip
    points = _wgs84(frame_o.geometry, points=True)
    css = f"tg-{key.replace('_', '-')}"
    group = _group(m, label(key, lang))
    _vector(group, points, styles, css=css, tips=tips, popups=popups, points=True)
    rows = swatch("#2166ac", label("more", lang)) + swatch("#b2182b", label("fewer", lang))
    rows += swatch("#fff", label("no_change", lang), style="border-color:#8a8a8a")
    note = label("size_change_ref", lang).format(n=f"±{number(ref, lang)} {label(unit, lang)}")
    if not moved.any():
        note = f"{label('no_change_layer', lang)}. {note}"
    return section(f"{label(key, lang)} ({label(unit, lang)})", rows, note=note, groups=[group.get_name()])


def _minus(a: Any, b: Any) -> float | None:
    try:
        return float(a) - float(b)
    except (TypeError, ValueError):
        return None


def isochrone_map(
    isochrones: gpd.GeoDataFrame, *, layers: Any = None, lang: str = "sv", basemap: str = "layers"
) -> folium.Map:
    """Map of catchment polygons, one layer per origin and mode.

    Parameters
    ----------
    isochrones
        ``origin_id, mode, minutes, geometry`` in a projected CRS.
    layers
        Optional :class:`~tillvaxt_geo.data.layers.Layers` for context, site names and markers.
    lang
        ``"sv"`` (default) or ``"en"``.
    basemap
        ``"layers"`` (needs ``layers``), ``"none"`` or ``"osm"``.

    Returns
    -------
    folium.Map
    """
    lang, bm = check_lang(lang), _basemap(basemap)
    m = _new_map([isochrones], basemap=bm, title=label("isochrones_title", lang))
    _light_basemap(m, layers, bm)
    sites = getattr(layers, "mine_sites", None)
    names = _site_names(sites)
    legend = [_isochrones(m, isochrones, names, lang)]
    zones = getattr(layers, "zones", None)
    legend.append(study_outlines(m, zones, lang, study_area=DEFAULT_STUDY_AREA))
    legend.append(place_labels(m, zones, lang))
    if sites is not None and len(sites):
        ids = sites["site_id"] if "site_id" in sites.columns else sites.index.to_series()
        wanted = sites[ids.astype(str).isin({str(o) for o in isochrones["origin_id"]}).to_numpy()]
        legend.append(_sites(m, wanted, lang, name=label("mine_sites", lang)))
    origins = ", ".join(names.get(str(o), str(o)) for o in dict.fromkeys(isochrones["origin_id"]))
    modes = ", ".join(value_label(x, lang) for x in dict.fromkeys(isochrones["mode"]))
    head = f"<h1>{html_text(label('isochrones_title', lang))}</h1><p>{html_text(origins)}</p>"
    body = f"<p class='tg-muted'>{html_text(modes)}</p>" + provenance_html({"package_version": __version__}, lang)
    return _finish(m, head, body, legend, lang)
