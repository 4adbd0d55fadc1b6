"""Interactive planning maps: region overview, scenario commute map, comparison and isochrones, saved offline.

Every builder returns a :class:`folium.Map`; :func:`save_map` writes it as one
self-contained HTML file (assets inlined by :mod:`tillvaxt_geo.map_assets`,
which raises if anything would still come from the network) and
:func:`write_index` writes the page that links the scenario maps.

Text from data (feature names and attributes, scenario and layer names)
reaches the page only through :func:`~tillvaxt_geo.map_assets.html_text` or
the HTML pieces built on it, so it shows exactly as typed and never runs.
Frames are in the working CRS and are reprojected to EPSG:4326 here, at the
last moment. Labels are Swedish by default (``lang="sv"``), English with
``lang="en"``.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import JsCode

from tillvaxt_geo._version import __version__
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.io import write_text
from tillvaxt_geo.map_assets import (
    PAGE_CSS,
    card,
    check_lang,
    figure,
    figure_keys,
    html_text,
    index_html,
    js_json,
    label,
    number,
    offline_html,
    png_html,
    provenance_html,
    section,
    share,
    swatch,
    table,
    value_label,
)

__all__ = [
    "OSM_TILES",
    "Basemap",
    "commute_map",
    "comparison_map",
    "isochrone_map",
    "overview_map",
    "render_map",
    "save_map",
    "write_index",
]

#: the one remote URL a saved map may keep, when built with ``basemap="osm"``
OSM_TILES = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
_ALLOWED_ATTR = "_tillvaxt_allowed_urls"
_BIND = JsCode(
    "function(feature, layer) { var p = feature.properties || {};"
    " if (p.t) { layer.bindTooltip(p.t, {sticky: true}); }"
    " if (p.p) { layer.bindPopup(p.p, {maxWidth: 340}); } }"
)
SPEED_CLASSES = ((50, "#9e9e9e", "≤ 50"), (70, "#f4a259", "51–70"), (90, "#e0602b", "71–90"), (999, "#a4161a", "> 90"))
ROAD_WIDTH = {"motorway": 5.0, "trunk": 4.5, "primary": 3.5, "secondary": 2.6, "tertiary": 2.0}
ZONE_FILL = {"settlement": "#2c7fb8", "rural": "#7fcdbb"}
HOUSING_COLOURS = {"adopted": "#1a9850", "proposed": "#fdae61", "assumed": "#9e9ac8"}
SITE_ICONS = {"mine": ("red", "industry", "#d63e2a"), "plant": ("darkred", "gear", "#a23336"),
              "deposit": ("gray", "gem", "#575757")}  # fmt: skip
BAND_COLOURS = ("#1a9850", "#91cf60", "#fee08b", "#fc8d59", "#d73027", "#a50026")
WORKER_BINS = ((1, "#f0f0f0", "0"), (10, "#fdd49e", "1–9"), (50, "#fc8d59", "10–49"),
               (150, "#e34a33", "50–149"), (math.inf, "#990000", "≥ 150"))  # fmt: skip
UPTAKE_BINS = ((1e-9, "#ffffff", "0 %"), (0.25, "#c7e9c0", "< 25 %"), (0.75, "#74c476", "25–75 %"),
               (math.inf, "#238b45", "≥ 75 %"))  # fmt: skip


class Basemap(enum.StrEnum):
    """What is drawn under the data: vector context from the layers, nothing, or online OSM tiles."""

    LAYERS = "layers"
    NONE = "none"
    OSM = "osm"


def _basemap(value: Any) -> Basemap:
    try:
        return Basemap(value)
    except ValueError:
        valid = ", ".join(repr(b.value) for b in Basemap)
        raise ConfigError(f"basemap must be one of {valid}; got {value!r}") from None


class _Panel(MacroElement):
    """A Leaflet control showing fixed HTML that was escaped when it was built."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function() {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html_json }};
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo({{ this._parent.get_name() }});
        })();
        {% endmacro %}"""
    )

    def __init__(self, html: str, *, position: str, css_class: str) -> None:
        super().__init__()
        self._name = "Panel"
        self.position = position
        self.css_class = css_class
        self.html_json = js_json(html)


# ---------------------------------------------------------------- geometry, styles and layers


def _get(row: Any, column: str, default: Any = None) -> Any:
    value = row.get(column, default)
    return default if value is None or (isinstance(value, float) and math.isnan(value)) else value


def _tip(*parts: Any) -> str:
    return html_text(" · ".join(str(p) for p in parts if p not in (None, "")))


def _wgs84(geometry: gpd.GeoSeries, *, points: bool = False) -> gpd.GeoSeries:
    if geometry.crs is None:
        raise ConfigError("a map layer has no CRS; frames must carry their CRS (the working CRS, e.g. EPSG:3006)")
    return (geometry.representative_point() if points else geometry).to_crs(4326)


def _geojson(geometry: gpd.GeoSeries, properties: Sequence[dict[str, Any]]) -> dict[str, Any]:
    """A FeatureCollection with ids 0..n-1 and coordinates rounded to 5 decimals (about 1 m)."""
    rounded = shapely.transform(np.asarray(geometry.values), lambda xy: np.round(xy, 5))
    features = [
        {"type": "Feature", "id": i, "geometry": shapely.geometry.mapping(g), "properties": p}
        for i, (g, p) in enumerate(zip(rounded, properties, strict=True))
        if g is not None and not g.is_empty
    ]
    return {"type": "FeatureCollection", "features": features}


def _vector(
    parent: Any,
    geometry: gpd.GeoSeries,
    styles: Sequence[dict[str, Any]],
    *,
    css: str,
    tips: Sequence[str] = (),
    popups: Sequence[str | None] = (),
    points: bool = False,
) -> None:
    """Add features styled one by one (points as circle markers) with escaped tooltips and popups."""
    if not len(geometry):
        return
    props = [{"t": tips[i] if tips else "", "p": popups[i] if popups else None} for i in range(len(geometry))]
    interactive = bool(len(tips) or len(popups))
    by_id = [{**s, "className": css} for s in styles]
    folium.GeoJson(
        _geojson(geometry, props),
        style_function=lambda f: by_id[f["id"]],
        marker=folium.CircleMarker(class_name=css, interactive=interactive) if points else None,
        on_each_feature=_BIND if interactive else None,
        control=False,
        className=css,
        interactive=interactive,
    ).add_to(parent)


def _circle(radius: float, fill: str, *, colour: str = "#333", weight: float = 1, dash: str | None = None,
            opacity: float = 0.85) -> dict[str, Any]:  # fmt: skip
    return {"radius": float(radius), "color": colour, "weight": weight, "dashArray": dash, "fill": True,
            "fillColor": fill, "fillOpacity": opacity}  # fmt: skip


def _group(m: folium.Map, name: str, *, show: bool = True) -> folium.FeatureGroup:
    group = folium.FeatureGroup(name=html_text(name), show=show)
    group.add_to(m)
    return group


def _radii(values: Any, *, max_px: float, min_px: float = 3.0, ref: Any = None) -> tuple[np.ndarray, float]:
    """Circle radii with areas proportional to ``values``; ``ref`` (default: all values) sets the scale.

    Values above the largest of ``ref`` (external hubs far bigger than the study area's places) are capped at
    1.5 × ``max_px`` so that they do not hide the map.
    """
    v = pd.to_numeric(pd.Series(values), errors="coerce").fillna(0).clip(lower=0).to_numpy(dtype=float)
    r = v if ref is None else pd.to_numeric(pd.Series(ref), errors="coerce").fillna(0).to_numpy(dtype=float)
    k = max_px / math.sqrt(r.max()) if len(r) and r.max() > 0 else 0.0
    return np.clip(k * np.sqrt(v), min_px, 1.5 * max_px), k


def _size_rows(k: float, ref: Any, unit: str, lang: str) -> str:
    """Legend circles for round numbers up to the largest reference value."""
    top = float(pd.to_numeric(pd.Series(ref), errors="coerce").max() or 0)
    refs = [r for r in (100, 1_000, 10_000, 100_000) if r <= top][-2:]
    return "".join(
        swatch(
            "#e5e5e5", f"{number(r, lang)} {unit}", style=f"width:{2 * k * r**0.5:.0f}px;height:{2 * k * r**0.5:.0f}px"
        )
        for r in refs
    )


def _local(zones: Any) -> Any:
    """The zones of the study area (external hubs left out)."""
    if zones is None or "kind" not in zones:
        return zones
    return zones[zones["kind"].astype(str) != "external"]


def _new_map(frames: Sequence[gpd.GeoDataFrame | None], *, basemap: Basemap, title: str) -> folium.Map:
    m = folium.Map(tiles=None, control_scale=True, zoom_control="bottomright", zoom_start=9, location=[60.15, 15.2])
    root: Any = m.get_root()
    root.title = html_text(title)
    root.header.add_child(Element(PAGE_CSS), name="tillvaxt_css")
    if basemap is Basemap.OSM:
        folium.TileLayer(OSM_TILES, attr=html_text("© OpenStreetMap contributors"), name="OpenStreetMap").add_to(m)
        setattr(m, _ALLOWED_ATTR, (OSM_TILES,))
    boxes = [f.to_crs(4326).total_bounds for f in frames if f is not None and len(f) and f.crs is not None]
    if boxes:
        b = np.vstack(boxes)
        m.fit_bounds([[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]], padding=(20, 20))
    return m


def _finish(m: folium.Map, title_html: str, legend: Sequence[str], lang: str) -> folium.Map:
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    _Panel(title_html, position="topleft", css_class="tg-panel tg-title").add_to(m)
    body = f"<details open><summary>{html_text(label('legend', lang))}</summary>{''.join(legend)}</details>"
    _Panel(body, position="bottomright", css_class="tg-panel tg-legend").add_to(m)
    return m


def _light_basemap(m: folium.Map, layers: Any, basemap: Basemap) -> None:
    """Zones, roads and rail from the layers in light grey under everything, not clickable."""
    if basemap is not Basemap.LAYERS or layers is None:
        return
    group = folium.FeatureGroup(name="basemap", control=False).add_to(m)
    zones, roads, rail = (getattr(layers, n, None) for n in ("zones", "roads", "rail_lines"))
    if zones is not None and len(zones):
        areas = zones[zones.geom_type.isin(["Polygon", "MultiPolygon"])]
        style = {"color": "#d9d6cf", "weight": 1, "fillColor": "#e8e5de", "fillOpacity": 0.6}
        _vector(group, _wgs84(areas.geometry), [style] * len(areas), css="tg-base")
    if roads is not None and len(roads):
        styles = [{"color": "#cfcbc2", "weight": 1 + ROAD_WIDTH.get(str(c), 1.5) / 2} for c in roads["road_class"]]
        _vector(group, _wgs84(roads.geometry), styles, css="tg-base")
    if rail is not None and len(rail):
        style = {"color": "#b9b4aa", "weight": 1.5, "dashArray": "5 3"}
        _vector(group, _wgs84(rail.geometry), [style] * len(rail), css="tg-base")


def _roads(m: folium.Map, roads: gpd.GeoDataFrame | None, lang: str, *, show: bool = True) -> str:
    if roads is None or not len(roads):
        return ""
    styles, tips = [], []
    for _, r in roads.iterrows():
        speed = float(_get(r, "speed_kmh", 0))
        colour = next(c for limit, c, _ in SPEED_CLASSES if speed <= limit)
        styles.append({"color": colour, "weight": ROAD_WIDTH.get(str(_get(r, "road_class")), 1.8), "opacity": 0.9})
        name = _get(r, "ref") or _get(r, "name") or ""
        tips.append(_tip(f"{label('road', lang)} {name}".strip(), _get(r, "road_class"), f"{number(speed, lang)} km/h"))
    _vector(_group(m, label("roads", lang), show=show), _wgs84(roads.geometry), styles, css="tg-roads", tips=tips)
    rows = "".join(swatch(c, f"{t} km/h", kind="ln") for _, c, t in SPEED_CLASSES)
    return section(f"{label('roads', lang)} ({label('speed', lang)})", rows)


def _rail(m: folium.Map, layers: Any, lang: str) -> str:
    lines, stations = getattr(layers, "rail_lines", None), getattr(layers, "rail_stations", None)
    rows = ""
    if lines is not None and len(lines):
        style = {"color": "#333", "weight": 2.5, "dashArray": "7 4"}
        tips = [_tip(_get(r, "name")) for _, r in lines.iterrows()]
        _vector(_group(m, label("rail", lang)), _wgs84(lines.geometry), [style] * len(lines), css="tg-rail", tips=tips)
        rows += swatch("#333", label("rail", lang), kind="ln", style="border-top-style:dashed")
    if stations is not None and len(stations):
        # stops served by buses only (GTFS route_type) are drawn small, so that hundreds of them stay readable
        services = getattr(layers, "rail_services", None)
        bus_only: set[str] = set()
        if services is not None and {"station_id", "route_type"} <= set(services.columns):
            types = services.groupby(services["station_id"].astype(str))["route_type"].agg(frozenset)
            bus_only = {sid for sid, kinds in types.items() if kinds == {"bus"}}
        is_bus = [str(sid) in bus_only for sid in stations.index]
        style = _circle(5, "#fff", colour="#222", weight=2, opacity=1)
        bus_style = _circle(2.5, "#fff", colour="#1f618d", weight=1, opacity=1)
        tips = [
            _tip(f"{label('bus_stop' if bus else 'station', lang)}: {_get(r, 'name', '')}")
            for bus, (_, r) in zip(is_bus, stations.iterrows(), strict=True)
        ]
        points = _wgs84(stations.geometry, points=True)
        group = _group(m, label("stations", lang))
        styles = [bus_style if bus else style for bus in is_bus]
        _vector(group, points, styles, css="tg-stations", tips=tips, points=True)
        rows += swatch("#fff", label("stations", lang), style="border:2px solid #222")
        if any(is_bus):
            rows += swatch("#fff", label("bus_stops", lang), style="border:1px solid #1f618d")
    return section(label("rail", lang), rows) if rows else ""


def _site_card(r: Any, lang: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    def span(phase: str) -> str:
        low, high = _get(r, f"workers_{phase}_low"), _get(r, f"workers_{phase}_high")
        return "–" if low is None else f"{number(low, lang)}–{number(high, lang)} {label('people', lang)}"

    return card(_get(r, "name", ""), [
        (label("company", lang), _get(r, "company", "")), (label("status", lang), _get(r, "status", "")),
        (label("kind", lang), value_label(_get(r, "kind", "mine"), lang)), *extra,
        (label("workers_construction", lang), span("construction")),
        (label("workers_operation", lang), span("operation")),
    ])  # fmt: skip


def _sites(m: folium.Map, sites: gpd.GeoDataFrame | None, lang: str, *, name: str, extra: Any = None) -> str:
    """Awesome markers (solid Font Awesome icons) with a name tooltip and a figures popup."""
    if sites is None or not len(sites):
        return ""
    group = _group(m, name)
    for (_, r), pt in zip(sites.iterrows(), _wgs84(sites.geometry, points=True), strict=True):
        colour, icon, _ = SITE_ICONS.get(str(_get(r, "kind", "mine")), SITE_ICONS["mine"])
        folium.Marker(
            [pt.y, pt.x],
            icon=folium.Icon(color=colour, icon=icon, prefix="fa"),
            tooltip=folium.Tooltip(html_text(_get(r, "name", ""))),
            popup=folium.Popup(_site_card(r, lang, extra(r) if extra else ()), max_width=340),
        ).add_to(group)
    kinds = {str(k) for k in sites.get("kind", pd.Series(["mine"]))}
    rows = "".join(swatch(c, value_label(k, lang)) for k, (_, _, c) in SITE_ICONS.items() if k in kinds)
    return section(name, rows)


def _housing(m: folium.Map, housing: gpd.GeoDataFrame, lang: str, *, name: str, colours: Sequence[str],
             popups: Sequence[str], hollow: Sequence[bool] = ()) -> None:  # fmt: skip
    """Housing areas filled in ``colours`` and a circle per area sized by capacity (visible at region scale)."""
    group = _group(m, name)
    tips = [_tip(_get(r, "name"), f"{number(_get(r, 'capacity_dwellings'), lang)} {label('dwellings', lang)}")
            for _, r in housing.iterrows()]  # fmt: skip
    areas = [{"color": c, "weight": 1, "fillColor": c, "fillOpacity": 0.45} for c in colours]
    _vector(group, _wgs84(housing.geometry), areas, css="tg-housing-area", tips=tips, popups=popups)
    radii, _ = _radii(housing["capacity_dwellings"], max_px=14, min_px=4)
    hollow = list(hollow) or [False] * len(housing)
    circles = [_circle(r, c, colour="#555", dash="3 2", opacity=0) if h else _circle(r, c, opacity=0.9)
               for r, c, h in zip(radii, colours, hollow, strict=True)]  # fmt: skip
    points = _wgs84(housing.geometry, points=True)
    _vector(group, points, circles, css="tg-housing", tips=tips, popups=popups, points=True)


def _isochrones(m: folium.Map, iso: gpd.GeoDataFrame | None, names: Mapping[str, str], lang: str) -> str:
    """One layer per origin and mode, bands drawn largest first; only the first mode shown at load."""
    if iso is None or not len(iso):
        return ""
    minutes = sorted({float(x) for x in iso["minutes"]})
    colours = {t: BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i, t in enumerate(minutes)}
    first_mode = str(iso["mode"].iloc[0])
    for (origin, mode), part in iso.groupby(["origin_id", "mode"], sort=False):
        place, how = names.get(str(origin), str(origin)), value_label(mode, lang)
        group = _group(m, f"{label('travel_time_from', lang)} {place} ({how})", show=str(mode) == first_mode)
        part = part.sort_values("minutes", ascending=False)
        times = [float(t) for t in part["minutes"]]
        styles = [{"color": colours[t], "weight": 1, "fillColor": colours[t], "fillOpacity": 0.28} for t in times]
        tips = [_tip(place, how, f"≤ {number(t, lang)} min") for t in times]
        _vector(group, _wgs84(part.geometry.simplify(25)), styles, css="tg-isochrones", tips=tips)
    rows = "".join(swatch(c, f"≤ {number(t, lang)} min", kind="sq") for t, c in colours.items())
    return section(f"{label('travel_time', lang)} (min)", rows)


def _site_names(sites: gpd.GeoDataFrame | None) -> dict[str, str]:
    if sites is None or not len(sites):
        return {}
    ids = sites["site_id"] if "site_id" in sites.columns else sites.index
    return {str(i): str(n) for i, n in zip(ids, sites["name"], strict=True)}


def _colour(value: float, bins: Sequence[tuple[float, str, str]]) -> str:
    return next(c for limit, c, _ in bins if value < limit)


def _zone_card(r: Any, lang: str, extra: Sequence[tuple[str, str]] = ()) -> str:
    return card(_get(r, "name", ""), [
        *extra, (label("municipality", lang), _get(r, "municipality", "")),
        (label("population", lang).capitalize(), f"{number(_get(r, 'population'), lang)} {label('inhabitants', lang)}"),
        (label("dwellings_total", lang), number(_get(r, "dwellings"), lang)),
        (label("vacant_dwellings", lang), number(_get(r, "vacant_dwellings"), lang)),
        (label("labour_force", lang), number(_get(r, "labour_force"), lang)),
        (label("jobs", lang), number(_get(r, "jobs"), lang)),
    ])  # fmt: skip


# ---------------------------------------------------------------- map kinds


def overview_map(layers: Any, *, lang: str = "sv", basemap: str = "layers") -> folium.Map:
    """Map of the region: places sized by population, mine sites, housing land, roads and rail.

    Parameters
    ----------
    layers
        A :class:`~tillvaxt_geo.layers.Layers` (frames in the working CRS).
    lang
        ``"sv"`` (default) or ``"en"`` for labels, legends and popups.
    basemap
        ``"layers"`` (light vector context drawn from the layers), ``"none"``,
        or ``"osm"`` (online OpenStreetMap tiles, the only remote URL allowed).

    Returns
    -------
    folium.Map
        Save it with :func:`save_map`.
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
        A :class:`~tillvaxt_geo.results.ScenarioResult`.
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
    out += table((label(k, lang), figure(k, summary[k], lang)) for k in figure_keys(summary))
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
        Two :class:`~tillvaxt_geo.results.ScenarioResult` on the same zones.
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
        for k in figure_keys({**base.summary, **other.summary})
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


def _outlines(m: folium.Map, base: Any, other: Any, lang: str) -> str:
    """The 30- and 45-minute catchments of both scenarios as outlines (base dashed)."""
    rows = ""
    for result, key, dash, colour in ((base, "base", "6 4", "#555"), (other, "other", None, "#08519c")):
        iso = result.isochrones
        if iso is None or not len(iso):
            continue
        mode = str(iso["mode"].iloc[0])
        part = iso[(iso["mode"].astype(str) == mode).to_numpy() & iso["minutes"].astype(float).isin([30.0, 45.0])]
        times = [float(t) for t in part["minutes"]]
        styles = [{"color": colour, "weight": 2.5 if t == 30 else 1.2, "dashArray": dash, "fill": False} for t in times]
        tips = [_tip(label(key, lang), value_label(mode, lang), f"≤ {number(t, lang)} min") for t in times]
        what = result.scenario.title or result.scenario.name
        name = f"{label('catchment', lang)} 30/45 min – {label(key, lang)}: {what}"
        _vector(_group(m, name), _wgs84(part.geometry.simplify(25)), styles, css=f"tg-outline-{key}", tips=tips)
        rows += swatch(
            colour, f"{label(key, lang)} (30/45 min)", kind="ln", style="border-top-style:dashed" if dash else ""
        )
    return section(label("catchment", lang), rows) if rows else ""


def isochrone_map(
    isochrones: gpd.GeoDataFrame, *, layers: Any = None, lang: str = "sv", basemap: str = "layers"
) -> folium.Map:
    """Map of catchment polygons, one layer per origin and mode.

    Parameters
    ----------
    isochrones
        ``origin_id, mode, minutes, geometry`` in a projected CRS.
    layers
        Optional :class:`~tillvaxt_geo.layers.Layers` for context, site names and markers.
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


# ---------------------------------------------------------------- saving


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write a map as one self-contained, offline HTML file, atomically.

    Parameters
    ----------
    m
        A map from one of the builders (or any folium map).
    path
        Destination ``.html`` file; replaced only once the whole file is written,
        so a failure leaves an earlier file intact.

    Returns
    -------
    pathlib.Path
        The destination.

    Raises
    ------
    tillvaxt_geo.map_assets.RemoteURLError
        If the page would still load anything from the network (only the
        OpenStreetMap tile template of a map built with ``basemap="osm"`` may stay).
    """
    document = offline_html(m.get_root().render(), allowed_urls=getattr(m, _ALLOWED_ATTR, ()))
    return write_text(path, document)


def write_index(
    entries: Sequence[Mapping[str, Any]], path: str | Path, *, lang: str = "sv", title: str | None = None
) -> Path:
    """Write the page that links every scenario map with its headline figures, atomically.

    Parameters
    ----------
    entries
        One mapping per map: ``name``, ``title``, ``href`` (relative to the
        page) and any headline figures (keys of ``summary.json``).
    path
        Destination, usually ``maps/index.html``.
    lang
        ``"sv"`` (default) or ``"en"``.
    title
        Page heading; a default one when ``None``.

    Returns
    -------
    pathlib.Path
        The destination.
    """
    return write_text(path, index_html(entries, lang=check_lang(lang), title=title))
