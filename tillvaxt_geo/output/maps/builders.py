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
from tillvaxt_geo.figures import headline_keys
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
)
from tillvaxt_geo.output.maps.html import card, html_text, png_html, provenance_html, section, swatch, table
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
        _housing(m, housing, lang, name=label("housing", lang), colours=colours, popups=popups)
        rows = "".join(swatch(c, value_label(s, lang)) for s, c in HOUSING_COLOURS.items())
        legend.append(section(label("housing", lang), rows, note=label("size_capacity", lang)))
    legend += [_roads(m, layers.roads, lang), _rail(m, layers, lang)]
    if zones is not None and len(zones):
        radii, k = _radii(zones["population"], max_px=24, ref=_local(zones)["population"])
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
            _vector(_group(m, label(key, lang)), points, styles, css=f"tg-{key}", tips=tips, popups=popups, points=True)
        rows = "".join(swatch(c, value_label(kd, lang)) for kd, c in ZONE_FILL.items())
        rows += swatch("#fff", label("external", lang), style="border:2px dashed #6a51a3")
        rows += _size_rows(k, _local(zones)["population"], label("inhabitants", lang), lang)
        legend.append(section(f"{label('zones', lang)} ({label('population', lang)})", rows))
    legend.append(_sites(m, sites, lang, name=label("mine_sites", lang)))
    provenance = {"package_version": __version__, "layer_hashes": dict(getattr(layers, "hashes", None) or {})}
    title = f"<h1>{html_text(label('overview_title', lang))}</h1>" + provenance_html(provenance, lang)
    return _finish(m, title, legend, lang)


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
    m = _new_map([_local(zones), open_sites], basemap=bm, title=str(scenario.title or scenario.name))
    _light_basemap(m, result.layers, bm)
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
        _housing(m, housing, lang, name=name, colours=colours, popups=popups, hollow=list(~released))
        rows = "".join(swatch(c, t) for _, c, t in UPTAKE_BINS)
        rows += swatch("transparent", label("not_released", lang), style="border:1.5px dashed #555")
        legend.append(section(f"{name} ({label('share_taken', lang)})", rows, note=label("size_capacity", lang)))
    roads = getattr(result.layers, "roads", None)
    legend += [_roads(m, roads, lang, show=bm is not Basemap.LAYERS), _rail(m, result.layers, lang)]
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
        legend.append(section(title, rows, note=label("size_population", lang)))

    def figures(r: Any) -> list[tuple[str, str]]:
        workers, local = _get(r, "workers"), _get(r, "workers_living_locally")
        ratio = float(local) / float(workers) if workers and local is not None else None
        return [
            (label("direct_jobs", lang), f"{number(workers, lang)} {label('people', lang)}"),
            (label("workers_living_locally", lang), f"{number(local, lang)} {label('people', lang)}"),
            (label("local_residence_share", lang), share(ratio, lang)),
        ]

    legend.append(_sites(m, open_sites, lang, name=label("open_sites", lang), extra=figures))
    return _finish(m, _scenario_title(result, lang), legend, lang)


def _scenario_title(result: Any, lang: str) -> str:
    s, summary = result.scenario, result.summary
    meta = f"{label('scenario', lang)}: {s.name} · {label('year', lang)} {s.year} · "
    meta += f"{label('phase', lang)}: {value_label(s.phase, lang)}"
    out = f"<h1>{html_text(s.title or s.name)}</h1><p class='tg-muted'>{html_text(meta)}</p>"
    if s.description:
        out += f"<p>{html_text(s.description)}</p>"
    out += table((label(k, lang), figure(k, summary[k], lang)) for k in headline_keys(summary))
    out += provenance_html(summary.get("provenance") or {}, lang)
    png = getattr(result, "sweep_png", None)
    return out + (png_html(png, label("sweep", lang)) if png else "")


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
    title = f"{base.scenario.title or base.scenario.name} → {other.scenario.title or other.scenario.name}"
    m = _new_map([_local(other.zones)], basemap=bm, title=title)
    _light_basemap(m, other.layers, bm)
    legend = [_outlines(m, base, other, lang)]
    for key, frame_b, frame_o, column, unit in (
        ("diff_housing", base.housing, other.housing, "dwellings_taken", "dwellings"),
        ("diff_workers", base.zones, other.zones, "workers_resident", "people"),
    ):
        if frame_o is None or not len(frame_o) or frame_b is None:
            continue
        before = pd.to_numeric(frame_b[column], errors="coerce").reindex(frame_o.index).fillna(0).to_numpy()
        after = pd.to_numeric(frame_o[column], errors="coerce").fillna(0).to_numpy()
        diff = after - before
        radii, _ = _radii(np.abs(diff), max_px=20)
        fills = ["#2166ac" if d >= 0.5 else "#b2182b" if d <= -0.5 else "#bdbdbd" for d in diff]
        styles = [_circle(r if f != "#bdbdbd" else 3, f) for r, f in zip(radii, fills, strict=True)]
        rows_o = list(frame_o.iterrows())
        popups = [card(_get(r, "name", ""), [
            (label("base", lang), number(b, lang)), (label("other", lang), number(a, lang)),
            (label("difference", lang), number(d, lang, signed=True)),
        ]) for (_, r), b, a, d in zip(rows_o, before, after, diff, strict=True)]  # fmt: skip
        tips = [_tip(_get(r, "name"), f"{number(d, lang, signed=True)} {label(unit, lang)}")
                for (_, r), d in zip(rows_o, diff, strict=True)]  # fmt: skip
        points = _wgs84(frame_o.geometry, points=True)
        css = f"tg-{key.replace('_', '-')}"
        _vector(_group(m, label(key, lang)), points, styles, css=css, tips=tips, popups=popups, points=True)
        rows = "".join(
            swatch(c, label(t, lang)) for t, c in (("more", "#2166ac"), ("fewer", "#b2182b"), ("no_change", "#bdbdbd"))
        )
        legend.append(section(f"{label(key, lang)} ({label(unit, lang)})", rows, note=label("size_change", lang)))
    sites = other.sites
    opened = sites[sites["open"].astype(bool).to_numpy()] if sites is not None else None
    extra = lambda r: [(label("direct_jobs", lang), number(_get(r, "workers"), lang))]  # noqa: E731
    legend.append(_sites(m, opened, lang, name=label("open_sites", lang), extra=extra))
    head = "".join(f"<td><b>{html_text(label(k, lang))}</b></td>" for k in ("base", "other", "difference"))
    rows = "".join(
        f"<tr><th>{html_text(label(k, lang))}</th><td>{html_text(figure(k, base.summary.get(k), lang))}</td>"
        f"<td>{html_text(figure(k, other.summary.get(k), lang))}</td>"
        f"<td>{html_text(figure(k, _minus(other.summary.get(k), base.summary.get(k)), lang, signed=True))}</td></tr>"
        for k in headline_keys({**base.summary, **other.summary})
    )
    names = f"{label('comparison', lang)}: {base.scenario.name} / {other.scenario.name}"
    html = f"<h1>{html_text(title)}</h1><p class='tg-muted'>{html_text(names)}</p>"
    html += f'<table class="tg-t tg-compare"><tr><th></th>{head}</tr>{rows}</table>'
    html += provenance_html(other.summary.get("provenance") or {}, lang)
    return _finish(m, html, legend, lang)


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
    if sites is not None and len(sites):
        ids = sites["site_id"] if "site_id" in sites.columns else sites.index.to_series()
        wanted = sites[ids.astype(str).isin({str(o) for o in isochrones["origin_id"]}).to_numpy()]
        legend.append(_sites(m, wanted, lang, name=label("mine_sites", lang)))
    origins = ", ".join(names.get(str(o), str(o)) for o in dict.fromkeys(isochrones["origin_id"]))
    modes = ", ".join(value_label(x, lang) for x in dict.fromkeys(isochrones["mode"]))
    html = f"<h1>{html_text(label('isochrones_title', lang))}</h1><p>{html_text(origins)}</p>"
    html += f"<p class='tg-muted'>{html_text(modes)}</p>" + provenance_html({"package_version": __version__}, lang)
    return _finish(m, html, legend, lang)
