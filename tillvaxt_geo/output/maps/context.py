"""What orients a reader on every map: place-name labels, approximate municipality outlines, a scenario's changes.

:func:`place_labels` writes settlement names next to their circles, sized by
population class (plain text in the page's own fonts, so they show offline);
names of places under 1 000 residents appear from zoom 11. :func:`study_outlines`
draws an approximate outline of each study-area municipality, derived from the
project's own layers (the hull of the municipality's places, buffered) — not an
official boundary, and labelled so. :func:`changed_layer` highlights the roads,
stops and services a scenario changed (:mod:`tillvaxt_geo.output.maps.changed`).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
import shapely
from branca.element import MacroElement
from folium.template import Template

from tillvaxt_geo.output.maps.changed import Changed
from tillvaxt_geo.output.maps.draw import _get, _group, _tip, _vector, _wgs84
from tillvaxt_geo.output.maps.html import html_text, js_json, section, swatch
from tillvaxt_geo.output.maps.labels import label, number

__all__ = ["OUTLINE_BUFFER_M", "PLACE_CLASSES", "changed_layer", "place_labels", "study_outlines"]

#: population classes of place labels: (at least, css class); places below the last show from zoom 11
PLACE_CLASSES = ((10_000, "tg-p1"), (3_000, "tg-p2"), (1_000, "tg-p3"), (0, "tg-p4"))
#: how far the approximate municipality outline reaches beyond the outermost places, metres
OUTLINE_BUFFER_M = 3_500.0
CHANGED_COLOUR = "#c51b8a"


class _Labels(MacroElement):
    """Non-interactive text markers added to a feature group from one escaped JSON array."""

    _template = Template(
        """{% macro script(this, kwargs) %}
        {{ this.items_json }}.forEach(function(p) {
            L.marker([p[0], p[1]], {interactive: false, keyboard: false, icon: L.divIcon({
                className: "tg-place", html: '<span class="' + p[3] + '">' + p[2] + '</span>',
                iconSize: [0, 0], iconAnchor: [-p[4], 9]})}).addTo({{ this._parent.get_name() }});
        });
        {% endmacro %}"""
    )

    def __init__(self, items: Sequence[tuple[float, float, str, str, float]]) -> None:
        super().__init__()
        self._name = "Labels"
        self.items_json = js_json([list(i) for i in items])


def place_labels(m: folium.Map, zones: gpd.GeoDataFrame | None, lang: str, *, radii: Any = None) -> str:
    """Label every settlement and external hub with its name, sized by population; return the legend section.

    ``radii`` (pixels, aligned with ``zones``) puts each label just right of its circle.
    """
    if zones is None or not len(zones) or "name" not in zones.columns:
        return ""
    kinds = zones["kind"].astype(str) if "kind" in zones.columns else pd.Series("settlement", index=zones.index)
    population = pd.to_numeric(zones.get("population"), errors="coerce").fillna(0)
    offsets = pd.Series(list(radii) if radii is not None else [6.0] * len(zones), index=zones.index)
    points = _wgs84(zones.geometry, points=True)
    items = []
    for (idx, r), pt in zip(zones.iterrows(), points, strict=True):
        if kinds.loc[idx] == "rural" or pt is None or pt.is_empty:
            continue
        pop = float(population.loc[idx])
        css = next(c for limit, c in PLACE_CLASSES if pop >= limit)
        if kinds.loc[idx] == "external":
            css += " tg-pext"
        items.append((round(pt.y, 5), round(pt.x, 5), html_text(_get(r, "name", "")), css, float(offsets.loc[idx]) + 3))
    if not items:
        return ""
    group = _group(m, label("place_names", lang))
    group.add_child(_Labels(items))
    sizes = ((f"≥ {number(10_000, lang)}", "tg-p1"), (f"≥ {number(3_000, lang)}", "tg-p2"),
             (f"≥ {number(1_000, lang)}", "tg-p3"))  # fmt: skip
    rows = "".join(f'<span class="tg-place-key {css}">{html_text(text)}</span>' for text, css in sizes)
    rows += f'<span class="tg-muted">{html_text(label("place_note", lang))}</span>'
    return section(f"{label('place_names', lang)} ({label('inhabitants', lang)})", rows, groups=[group.get_name()])


def municipality_outlines(zones: gpd.GeoDataFrame, study_area: Sequence[str]) -> gpd.GeoDataFrame:
    """An approximate outline per study-area municipality: the hull of its places, buffered, without overlaps.

    Derived from the zones layer only (the project's own data); larger municipalities (by population) keep
    the ground where two hulls overlap.
    """
    local = zones[zones["municipality"].astype(str).isin(list(study_area)).to_numpy()]
    if "kind" in local.columns:
        local = local[(local["kind"].astype(str) != "external").to_numpy()]
    pops = local.groupby(local["municipality"].astype(str))["population"].sum().sort_values(ascending=False)
    taken = None
    names, shapes = [], []
    for name in pops.index:
        part = local[local["municipality"].astype(str) == name]
        hull = shapely.convex_hull(shapely.union_all(part.geometry.representative_point().to_numpy()))
        shape = hull.buffer(OUTLINE_BUFFER_M, quad_segs=4)
        if taken is not None:
            shape = shape.difference(taken)
        taken = shape if taken is None else taken.union(shape)
        names.append(name)
        shapes.append(shape.simplify(200))
    return gpd.GeoDataFrame({"municipality": names}, geometry=shapes, crs=zones.crs)


def study_outlines(m: folium.Map, zones: gpd.GeoDataFrame | None, lang: str, *, study_area: Sequence[str]) -> str:
    """Draw the approximate study-area municipality outlines; return the legend section."""
    if zones is None or not len(zones) or "municipality" not in zones.columns or "population" not in zones.columns:
        return ""
    outlines = municipality_outlines(zones, study_area)
    if not len(outlines):
        return ""
    style = {"color": "#3f3a60", "weight": 2, "dashArray": "9 5", "fill": False, "opacity": 0.8}
    tips = [
        _tip(f"{n} {label('municipality_word', lang)}", label("outline_note", lang)) for n in outlines["municipality"]
    ]
    group = _group(m, label("municipalities", lang))
    _vector(group, _wgs84(outlines.geometry), [style] * len(outlines), css="tg-outline-municipality", tips=tips)
    names = ", ".join(str(n) for n in outlines["municipality"])
    row = swatch("#3f3a60", names, kind="ln", style="border-top-style:dashed")
    return section(label("municipalities", lang), row, note=label("outline_note", lang), groups=[group.get_name()])


def changed_layer(m: folium.Map, layers: Any, changed: Changed, lang: str) -> str:
    """Highlight the roads, stops and services a scenario changed; return the legend section (empty if none)."""
    if not changed:
        return ""
    group = _group(m, label("changed", lang))
    rows = ""
    roads = getattr(layers, "roads", None)
    if changed.road_ids and roads is not None and len(roads):
        ids = roads["road_id"].astype(str) if "road_id" in roads.columns else roads.index.astype(str).to_series()
        part = roads[ids.isin(changed.road_ids).to_numpy()]
        if len(part):
            casing = {"color": "#fff", "weight": 10, "opacity": 0.9}
            _vector(group, _wgs84(part.geometry), [casing] * len(part), css="tg-changed-casing")
            style = {"color": CHANGED_COLOUR, "weight": 6, "opacity": 0.95}
            tips = [_tip(label("changed_road", lang), _get(r, "ref") or _get(r, "name") or _get(r, "road_id"),
                         f"{number(_get(r, 'speed_kmh'), lang)} km/h") for _, r in part.iterrows()]  # fmt: skip
            _vector(group, _wgs84(part.geometry), [style] * len(part), css="tg-changed-roads", tips=tips)
            rows += swatch(CHANGED_COLOUR, label("changed_road", lang), kind="ln", style="border-top-width:5px")
    stations = getattr(layers, "rail_stations", None)
    services = getattr(layers, "rail_services", None)
    if changed.service_ids and services is not None and len(services) and stations is not None and len(stations):
        sid = stations["station_id"].astype(str) if "station_id" in stations.columns else stations.index.to_series()
        where = dict(zip(sid, _wgs84(stations.geometry, points=True), strict=True))
        lines, tips = [], []
        chosen = services[services["service_id"].astype(str).isin(changed.service_ids).to_numpy()]
        for service, stops in chosen.sort_values("stop_sequence").groupby("service_id", sort=False):
            pts = [where[s] for s in stops["station_id"].astype(str) if s in where]
            if len(pts) >= 2 and not str(service).endswith("_return"):
                lines.append(shapely.LineString([(p.x, p.y) for p in pts]))
                tips.append(_tip(label("changed_service", lang), _get(stops.iloc[0], "name", service)))
        if lines:
            style = {"color": CHANGED_COLOUR, "weight": 3.5, "dashArray": "2 6", "opacity": 0.95, "lineCap": "round"}
            geo = gpd.GeoSeries(lines, crs=4326)
            _vector(group, geo, [style] * len(lines), css="tg-changed-services", tips=tips)
            rows += swatch(CHANGED_COLOUR, label("changed_service", lang), kind="ln", style="border-top-style:dotted")
    if changed.station_ids and stations is not None and len(stations):
        sid = stations["station_id"].astype(str) if "station_id" in stations.columns else stations.index.to_series()
        part = stations[sid.isin(changed.station_ids).to_numpy()]
        if len(part):
            style = {"radius": 7.0, "color": CHANGED_COLOUR, "weight": 3, "fill": True, "fillColor": "#fff",
                     "fillOpacity": 1}  # fmt: skip
            tips = [_tip(label("changed_stop", lang), _get(r, "name", "")) for _, r in part.iterrows()]
            _vector(group, _wgs84(part.geometry, points=True), [style] * len(part), css="tg-changed-stops", tips=tips,
                    points=True)  # fmt: skip
            rows += swatch("#fff", label("changed_stop", lang), style=f"border:3px solid {CHANGED_COLOUR}")
    return section(label("changed", lang), rows, groups=[group.get_name()]) if rows else ""
