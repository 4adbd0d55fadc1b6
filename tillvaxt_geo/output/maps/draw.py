"""Each layer drawn onto a folium map, with its tooltips, popups and legend section; the map, basemap and panels.

One function per layer (roads, rail, mine sites, housing land, isochrones,
catchment outlines) adds it to a :class:`folium.Map` and returns its legend
section; the small helpers place vectors and circle markers, size circles by
area, and build the zone and site popup cards. :func:`_new_map`,
:func:`_light_basemap` and :func:`_finish` make the map itself: the page style,
the basemap (vector context from the layers, nothing, or online OSM tiles) and
the title and legend panels. :mod:`tillvaxt_geo.output.maps.builders` composes
these into the map kinds.

Text from data (feature names and attributes, scenario and layer names)
reaches the page only through :func:`~tillvaxt_geo.output.maps.html.html_text` or
the HTML pieces built on it, so it shows exactly as typed and never runs.
Frames are in the working CRS and are reprojected to EPSG:4326 here, at the
last moment.
"""

from __future__ import annotations

import enum
import math
from collections.abc import Mapping, Sequence
from typing import Any

import folium
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from branca.element import Element, MacroElement
from folium.template import Template
from folium.utilities import JsCode

from tillvaxt_geo.data.layers import local_zones
from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.output.classes import UPTAKE_CLASSES, WORKER_CLASSES
from tillvaxt_geo.output.maps.html import PAGE_CSS, card, html_text, js_json, pin, section, swatch
from tillvaxt_geo.output.maps.labels import label, number, value_label

__all__ = [
    "OSM_TILES",
    "Basemap",
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
WORKER_BINS = WORKER_CLASSES.bins()  # one classification with the QGIS styles (output/classes.py)
UPTAKE_BINS = UPTAKE_CLASSES.bins()


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
    """A foldable Leaflet control showing fixed HTML that was escaped when it was built.

    Its button (``.tg-fold``) hides and shows the part in ``.tg-body``; the rest (a heading, the headline
    figures) stays. A legend panel also shows each of its sections (``data-groups``) only while one of the
    section's layers is on the map, and the map shows the names of small places (``.tg-p4``) from zoom 11.
    """

    _template = Template(
        """{% macro script(this, kwargs) %}
        (function() {
            var map = {{ this._parent.get_name() }};
            var control = L.control({position: {{ this.position|tojson }}});
            control.onAdd = function() {
                var div = L.DomUtil.create("div", {{ this.css_class|tojson }});
                div.innerHTML = {{ this.html_json }};
                var button = div.querySelector(".tg-fold");
                if (button) {
                    button.addEventListener("click", function() {
                        var folded = div.classList.toggle("tg-folded");
                        button.setAttribute("aria-expanded", folded ? "false" : "true");
                        button.textContent = folded ? "+" : "\u2212";
                        button.title = folded ? {{ this.unfold|tojson }} : {{ this.fold|tojson }};
                    });
                }
                L.DomEvent.disableClickPropagation(div);
                L.DomEvent.disableScrollPropagation(div);
                return div;
            };
            control.addTo(map);
            var div = control.getContainer();
            function sync() {
                div.querySelectorAll("[data-groups]").forEach(function(sec) {
                    var on = sec.getAttribute("data-groups").split(" ").some(function(name) {
                        return window[name] && map.hasLayer(window[name]);
                    });
                    sec.style.display = on ? "" : "none";
                });
                map.getContainer().classList.toggle("tg-zoomed", map.getZoom() >= 11);
            }
            map.on("overlayadd overlayremove zoomend", sync);
            sync();
            setTimeout(sync, 0);
        })();
        {% endmacro %}"""
    )

    def __init__(self, html: str, *, position: str, css_class: str, lang: str = "sv") -> None:
        super().__init__()
        self._name = "Panel"
        self.position = position
        self.css_class = css_class
        self.fold, self.unfold = label("fold", lang), label("unfold", lang)
        self.html_json = js_json(html)


def _fold_button(lang: str) -> str:
    title = html_text(label("fold", lang))
    return f'<button type="button" class="tg-fold" aria-expanded="true" title="{title}">−</button>'


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
    """The local zones: a run's ``local`` column, else :func:`tillvaxt_geo.data.layers.local_zones`."""
    if zones is None:
        return zones
    return zones[zones["local"].astype(bool).to_numpy() if "local" in zones else local_zones(zones)]


#: room kept free for the panels when the map fits its data: title panel on the left, layers and legend right
PAD_TOP_LEFT, PAD_BOTTOM_RIGHT = (350, 30), (285, 30)


def _new_map(frames: Sequence[gpd.GeoDataFrame | None], *, basemap: Basemap, title: str) -> folium.Map:
    m = folium.Map(
        tiles=None,
        control_scale=True,
        zoom_control="bottomleft",
        zoom_start=9,
        location=[60.15, 15.2],
        zoom_snap=0.25,
        zoom_delta=0.5,
    )
    root: Any = m.get_root()
    root.title = html_text(title)
    root.header.add_child(Element(PAGE_CSS), name="tillvaxt_css")
    if basemap is Basemap.OSM:
        folium.TileLayer(OSM_TILES, attr=html_text("© OpenStreetMap contributors"), name="OpenStreetMap").add_to(m)
        setattr(m, _ALLOWED_ATTR, (OSM_TILES,))
    boxes = [f.to_crs(4326).total_bounds for f in frames if f is not None and len(f) and f.crs is not None]
    if boxes:
        b = np.vstack(boxes)
        m.fit_bounds(
            [[b[:, 1].min(), b[:, 0].min()], [b[:, 3].max(), b[:, 2].max()]],
            padding_top_left=PAD_TOP_LEFT,
            padding_bottom_right=PAD_BOTTOM_RIGHT,
        )
    return m


def _finish(m: folium.Map, head_html: str, body_html: str, legend: Sequence[str], lang: str) -> folium.Map:
    """Layer control, the title panel (``head_html`` always shown, ``body_html`` foldable) and the legend."""
    folium.LayerControl(collapsed=False, position="topright").add_to(m)
    title = f"{_fold_button(lang)}{head_html}<div class='tg-body'>{body_html}</div>"
    _Panel(title, position="topleft", css_class="tg-panel tg-title", lang=lang).add_to(m)
    body = (
        f"{_fold_button(lang)}<h2>{html_text(label('legend', lang))}</h2><div class='tg-body'>{''.join(legend)}</div>"
    )
    _Panel(body, position="topright", css_class="tg-panel tg-legend", lang=lang).add_to(m)
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
    group = _group(m, label("roads", lang), show=show)
    _vector(group, _wgs84(roads.geometry), styles, css="tg-roads", tips=tips)
    rows = "".join(swatch(c, f"{t} km/h", kind="ln") for _, c, t in SPEED_CLASSES)
    return section(f"{label('roads', lang)} ({label('speed', lang)})", rows, groups=[group.get_name()])


def _rail(m: folium.Map, layers: Any, lang: str) -> str:
    lines, stations = getattr(layers, "rail_lines", None), getattr(layers, "rail_stations", None)
    rows, groups = "", []
    if lines is not None and len(lines):
        style = {"color": "#333", "weight": 2.5, "dashArray": "7 4"}
        tips = [_tip(_get(r, "name")) for _, r in lines.iterrows()]
        group = _group(m, label("rail", lang))
        groups.append(group.get_name())
        _vector(group, _wgs84(lines.geometry), [style] * len(lines), css="tg-rail", tips=tips)
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
        groups.append(group.get_name())
        styles = [bus_style if bus else style for bus in is_bus]
        _vector(group, points, styles, css="tg-stations", tips=tips, points=True)
        rows += swatch("#fff", label("stations", lang), style="border:2px solid #222")
        if any(is_bus):
            rows += swatch("#fff", label("bus_stops", lang), style="border:1px solid #1f618d")
    return section(label("rail", lang), rows, groups=groups) if rows else ""


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
    rows = "".join(pin(c, icon, value_label(k, lang)) for k, (_, icon, c) in SITE_ICONS.items() if k in kinds)
    return section(name, rows, groups=[group.get_name()])


def _housing(m: folium.Map, housing: gpd.GeoDataFrame, lang: str, *, name: str, colours: Sequence[str],
             popups: Sequence[str], hollow: Sequence[bool] = ()) -> folium.FeatureGroup:  # fmt: skip
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
    return group


def _isochrones(m: folium.Map, iso: gpd.GeoDataFrame | None, names: Mapping[str, str], lang: str) -> str:
    """One layer per origin and mode, bands drawn largest first; only the first mode shown at load."""
    if iso is None or not len(iso):
        return ""
    minutes = sorted({float(x) for x in iso["minutes"]})
    colours = {t: BAND_COLOURS[min(i, len(BAND_COLOURS) - 1)] for i, t in enumerate(minutes)}
    first_mode = str(iso["mode"].iloc[0])
    groups = []
    for (origin, mode), part in iso.groupby(["origin_id", "mode"], sort=False):
        place, how = names.get(str(origin), str(origin)), value_label(mode, lang)
        group = _group(m, f"{label('travel_time_from', lang)} {place} ({how})", show=str(mode) == first_mode)
        groups.append(group.get_name())
        part = part.sort_values("minutes", ascending=False)
        times = [float(t) for t in part["minutes"]]
        styles = [{"color": colours[t], "weight": 1, "fillColor": colours[t], "fillOpacity": 0.28} for t in times]
        tips = [_tip(place, how, f"≤ {number(t, lang)} min") for t in times]
        _vector(group, _wgs84(part.geometry.simplify(25)), styles, css="tg-isochrones", tips=tips)
    rows = "".join(swatch(c, f"≤ {number(t, lang)} min", kind="sq") for t, c in colours.items())
    return section(f"{label('travel_time', lang)} (min)", rows, groups=groups)


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


def _outlines(m: folium.Map, base: Any, other: Any, lang: str) -> str:
    """The 30- and 45-minute catchments of both scenarios as outlines (base dashed)."""
    rows, groups = "", []
    for result, key, dash, colour in ((base, "base", "6 4", "#555"), (other, "other", None, "#08519c")):
        iso = result.isochrones
        if iso is None or not len(iso):
            continue
        mode = str(iso["mode"].iloc[0])
        part = iso[(iso["mode"].astype(str) == mode).to_numpy() & iso["minutes"].astype(float).isin([30.0, 45.0])]
        times = [float(t) for t in part["minutes"]]
        styles = [{"color": colour, "weight": 2.5 if t == 30 else 1.2, "dashArray": dash, "fill": False} for t in times]
        tips = [_tip(label(key, lang), value_label(mode, lang), f"≤ {number(t, lang)} min") for t in times]
        what = scenario_title(result.scenario, lang)
        name = f"{label('catchment', lang)} 30/45 min – {label(key, lang)}: {what}"
        group = _group(m, name)
        groups.append(group.get_name())
        _vector(group, _wgs84(part.geometry.simplify(25)), styles, css=f"tg-outline-{key}", tips=tips)
        rows += swatch(
            colour, f"{label(key, lang)} (30/45 min)", kind="ln", style="border-top-style:dashed" if dash else ""
        )
    return section(label("catchment", lang), rows, groups=groups) if rows else ""


def scenario_title(scenario: Any, lang: str) -> str:
    """A scenario's title in ``lang`` (``[text.sv]``/``[text.en]``), else its title, else its name."""
    title_in = getattr(scenario, "title_in", None)
    return str(title_in(lang) if callable(title_in) else (getattr(scenario, "title", "") or scenario.name))


def scenario_description(scenario: Any, lang: str) -> str:
    """A scenario's description in ``lang``, else its description, else nothing."""
    description_in = getattr(scenario, "description_in", None)
    return str(description_in(lang) if callable(description_in) else (getattr(scenario, "description", "") or ""))
