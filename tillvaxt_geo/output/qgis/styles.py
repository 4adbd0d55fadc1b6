"""QGIS default styles for the layers of results.gpkg: the QML document of each styled output layer.

:func:`style_qml` builds a QGIS style document (QML, the format of QGIS's
"Save Style…" ``.qml`` files) for the output layers that have a cartographic
meaning (:data:`STYLED_LAYERS`), from the building blocks of
:mod:`tillvaxt_geo.output.qgis.qml`;
:func:`tillvaxt_geo.output.qgis.gpkg.write_layer_styles` stores one such
document per layer in the GeoPackage as that layer's *default* style, so that
QGIS draws ``results.gpkg`` classified and labelled as soon as the layers are
added.

Feature names are never copied into a style: labels name the ``name`` field
and QGIS reads the text from the features. Symbols follow the layer's geometry
type (a marker, line or fill symbol), so ``zones`` or ``mine_sites`` stored as
polygons still get a matching style.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Callable, Sequence

import pandas as pd

from tillvaxt_geo.output.classes import UPTAKE_CLASSES, WORKER_CLASSES, Classification
from tillvaxt_geo.output.qgis.qml import (
    _DARK,
    _DOCTYPE,
    _FILL,
    _GEOMETRY_CODE,
    _LINE,
    QGIS_VERSION,
    RGBA,
    _categorized,
    _Category,
    _graduated,
    _labeling,
    _Look,
    _numeric,
    _order_by,
    _ramp,
    _single,
    _symbol_kind,
    _with_alpha,
)

__all__ = [
    "STYLED_LAYERS",
    "station_label_expression",
    "style_qml",
]

_GN_YL_RD: tuple[RGBA, ...] = ((26, 152, 80, 255), (254, 224, 139, 255), (215, 48, 39, 255))
_GREY: RGBA = (150, 150, 150, 255)

_Styled = tuple[ET.Element, str | None]


def _has(frame: pd.DataFrame | None, column: str) -> bool:
    return frame is None or column in frame.columns


def _shared_classes(
    frame: pd.DataFrame | None,
    kind: str,
    classification: Classification,
    needs: Sequence[str],
    look: Callable[[RGBA], _Look],
) -> ET.Element:
    """A graduated renderer with the web map's classes, colours and labels (:mod:`tillvaxt_geo.output.classes`)."""
    colours = [c.rgba() for c in classification.classes]
    if not all(_has(frame, column) for column in needs):  # nothing to classify by: one symbol
        return _single(kind, look(colours[len(colours) // 2]))
    breaks = classification.qgis_breaks()
    return _graduated(
        classification.qgis_attribute,
        kind,
        breaks,
        classification.labels,
        [look(c) for c in colours],
        colours,
        "Pretty",
    )


#: marker size of the zones (mm); every point symbol drawn over them is smaller, so they never hide
ZONE_MARKER_MM = 3.5
#: marker size of the rail stations (mm): a hollow square inside the zone circle
STATION_MARKER_MM = 1.8


def _zones(kind: str, frame: pd.DataFrame | None) -> _Styled:
    def look(c: RGBA) -> _Look:
        if kind == _FILL:
            return _Look(_with_alpha(c, 200), outline=_DARK, outline_width=0.26)
        return _Look(c, size=ZONE_MARKER_MM, outline=_DARK, outline_width=0.2)

    renderer = _shared_classes(frame, kind, WORKER_CLASSES, ("workers_resident",), look)
    return renderer, "name" if _has(frame, "name") else None


def _housing_land(kind: str, frame: pd.DataFrame | None) -> _Styled:
    def look(c: RGBA) -> _Look:  # semi-transparent fill, dark outline
        return _Look(_with_alpha(c, 170), size=3.0, outline=(40, 40, 40, 255), outline_width=0.3)

    return _shared_classes(frame, kind, UPTAKE_CLASSES, ("dwellings_taken", "capacity_dwellings"), look), None


def _bool_values(frame: pd.DataFrame | None, column: str) -> tuple[str, str]:
    """How QGIS shows true/false of ``column`` once pyogrio has written it to a GeoPackage.

    A bool column becomes a GDAL boolean field, which QGIS reads as a bool
    ("true"/"false"); an integer column stays 1/0; an object column of Python
    bools is written as text "True"/"False".
    """
    if frame is None or column not in frame.columns:
        return "true", "false"
    dtype = frame[column].dtype
    if pd.api.types.is_bool_dtype(dtype):
        return "true", "false"
    if pd.api.types.is_integer_dtype(dtype) or pd.api.types.is_float_dtype(dtype):
        return "1", "0"
    return "True", "False"


def _mine_sites(kind: str, frame: pd.DataFrame | None) -> _Styled:
    label = "name" if _has(frame, "name") else None
    dark_red: RGBA = (139, 0, 0, 255)
    if kind == _FILL:
        open_look = _Look(_with_alpha(dark_red, 210), outline=(0, 0, 0, 255), outline_width=0.4)
        closed_look = _Look(_with_alpha(_GREY, 150), outline=(90, 90, 90, 255), outline_width=0.2)
    elif kind == _LINE:
        open_look = _Look(dark_red, size=1.2)
        closed_look = _Look(_GREY, size=0.5)
    else:
        open_look = _Look(dark_red, size=6.0, shape="star", outline=(0, 0, 0, 255), outline_width=0.3)
        closed_look = _Look(_GREY, size=3.0, shape="square", outline=(90, 90, 90, 255), outline_width=0.2)
    if not _has(frame, "open"):
        return _single(kind, closed_look), label
    true, false = _bool_values(frame, "open")
    renderer = _categorized(
        "open",
        kind,
        [
            _Category(true, "string", "open", open_look),
            _Category(false, "string", "not open", closed_look),
        ],
    )
    _order_by(renderer, '"open"', ascending=True)  # open sites drawn last, on top
    return renderer, label


def _minutes_text(x: float) -> str:
    """A minute value as QGIS writes a double (15.0 -> "15", 7.5 -> "7.5")."""
    return str(int(x)) if float(x).is_integer() else repr(float(x))


def _isochrones(kind: str, frame: pd.DataFrame | None) -> _Styled:
    values = _numeric(frame, "minutes")
    minutes = sorted({float(v) for v in values}) if values is not None and values.size else [15.0, 30.0, 45.0, 60.0]
    minutes = minutes[:20]
    colors = _ramp(_GN_YL_RD, len(minutes))

    def look(c: RGBA) -> _Look:
        if kind == _FILL:  # fill opacity 0.25, thin outline of the same colour
            return _Look(_with_alpha(c, 64), outline=_with_alpha(c, 200), outline_width=0.3)
        return _Look(c, size=0.6 if kind == _LINE else 2.5, outline=_DARK, outline_width=0.2)

    if not _has(frame, "minutes"):
        return _single(kind, look(colors[0])), None
    # the widest band first: QGIS lists (and, ordered by minutes descending, draws) the small bands on top
    cats = [
        _Category(_minutes_text(m), "double", f"≤ {_minutes_text(m)} min", look(c))
        for m, c in reversed(list(zip(minutes, colors, strict=True)))
    ]
    if values is None:
        cats.append(_Category("", "string", "other", look(_with_alpha(_GREY, 255))))
    renderer = _categorized("minutes", kind, cats)
    _order_by(renderer, '"minutes"', ascending=False)
    return renderer, None


#: Road classes drawn specially: (class, colour, width mm), most important first.
_ROAD_CLASSES: tuple[tuple[str, RGBA, float], ...] = (
    ("motorway", (165, 0, 38, 255), 1.6),
    ("trunk", (215, 25, 28, 255), 1.3),
    ("primary", (253, 141, 60, 255), 0.9),
    ("secondary", (110, 110, 110, 255), 0.5),
    ("local", (150, 150, 150, 255), 0.3),
    ("urban", (150, 150, 150, 255), 0.3),
)
_MAX_EXTRA_CATEGORIES = 20


def _roads(kind: str, frame: pd.DataFrame | None) -> _Styled:
    def look(c: RGBA, width: float) -> _Look:
        if kind == _FILL:
            return _Look(_with_alpha(c, 160), outline=c, outline_width=0.2)
        return _Look(c, size=width if kind == _LINE else 1.0 + 2 * width)

    other = look(_GREY, 0.25)
    if not _has(frame, "road_class"):
        return _single(kind, other), None
    known = {name for name, _, _ in _ROAD_CLASSES}
    cats = [_Category(name, "string", name, look(color, width)) for name, color, width in _ROAD_CLASSES]
    if frame is not None:  # other classes present in the data get their own (thin grey) legend entry
        present = pd.Series(frame["road_class"]).dropna().astype(str).unique().tolist()
        extra = sorted(v for v in present if v and v not in known)[:_MAX_EXTRA_CATEGORIES]
        cats.extend(_Category(v, "string", v, other) for v in extra)
    cats.append(_Category("", "string", "other", other))
    renderer = _categorized("road_class", kind, cats)
    rank = " ".join(f"WHEN '{name}' THEN {len(_ROAD_CLASSES) - i}" for i, (name, _, _) in enumerate(_ROAD_CLASSES))
    _order_by(renderer, f'CASE "road_class" {rank} ELSE 0 END', ascending=True)  # major roads on top
    return renderer, None


def _rail_lines(kind: str, frame: pd.DataFrame | None) -> _Styled:
    black: RGBA = (0, 0, 0, 255)
    if kind == _FILL:
        return _single(kind, _Look((0, 0, 0, 40), outline=black, outline_width=0.4)), None
    return _single(kind, _Look(black, size=0.7 if kind == _LINE else 2.0, dash=True)), None


def _rail_stations(kind: str, frame: pd.DataFrame | None) -> _Styled:
    clear: RGBA = (255, 255, 255, 0)
    black: RGBA = (0, 0, 0, 255)
    if kind == _LINE:
        look = _Look(black, size=0.8)
    else:  # hollow and smaller than a zone circle: the zone's class colour shows whichever is drawn on top
        look = _Look(clear, size=STATION_MARKER_MM, shape="square", outline=black, outline_width=0.4)
    return _single(kind, look), "name" if _has(frame, "name") else None


def _quoted(text: str) -> str:
    """A QGIS expression string literal (single quotes doubled)."""
    return "'" + text.replace("'", "''") + "'"


def station_label_expression(zone_names: Sequence[str]) -> str | None:
    """The rail stations' label: the name, unless a zone of the same name already labels that place.

    Without it QGIS prints "Ludvika Ludvika" where the Ludvika zone and
    Ludvika station lie together. ``None`` when no name is shared (label the
    ``name`` field).
    """
    names = sorted({str(n) for n in zone_names if isinstance(n, str) and n})
    if not names:
        return None
    listed = ", ".join(_quoted(n) for n in names)
    return f'CASE WHEN "name" IN ({listed}) THEN NULL ELSE "name" END'


_STYLERS: dict[str, Callable[[str, pd.DataFrame | None], _Styled]] = {
    "zones": _zones,
    "housing_land": _housing_land,
    "mine_sites": _mine_sites,
    "isochrones": _isochrones,
    "roads": _roads,
    "rail_lines": _rail_lines,
    "rail_stations": _rail_stations,
}

#: Layer names that get a default style; other layers get none.
STYLED_LAYERS: tuple[str, ...] = tuple(_STYLERS)


def style_qml(
    layer: str, geometry_type: str, *, frame: pd.DataFrame | None = None, zone_names: Sequence[str] = ()
) -> str | None:
    """Return the QGIS style (QML document) for an output layer, or None for a layer without one.

    Parameters
    ----------
    layer
        Layer name in ``results.gpkg``: ``zones``, ``housing_land``,
        ``mine_sites``, ``isochrones``, ``roads``, ``rail_lines`` or
        ``rail_stations`` have a style (see :data:`STYLED_LAYERS`).
    geometry_type
        The layer's geometry type, e.g. ``"Point"``, ``"MultiPolygon"`` or a
        GeoPackage name such as ``"MULTILINESTRING"``; it picks marker, line
        or fill symbols.
    frame
        The layer's data. Graduated class breaks (``workers_resident``,
        ``dwellings_taken``) are quantiles of its positive values, isochrone
        categories are its ``minutes`` values, and road classes outside the
        known ones get their own legend entry. Without a frame, or with an
        empty or all-zero column, fixed breaks and the default 15/30/45/60
        minute bands are used. A frame lacking the classified column gets a
        single-symbol style; one lacking ``name`` gets no labels.
    zone_names
        Names of the zones in the same GeoPackage: a rail station of the same
        name is not labelled again (the zone's label names the place).

    Returns
    -------
    str or None
        The QML text (``<!DOCTYPE qgis ...>`` and a ``<qgis version="3.28"
        styleCategories="Symbology|Labeling">`` root), or None when ``layer``
        has no style.

    Raises
    ------
    ValueError
        If ``geometry_type`` names no point, line or polygon type.
    """
    styler = _STYLERS.get(layer)
    if styler is None:
        return None
    kind = _symbol_kind(geometry_type)
    if kind is None:
        raise ValueError(
            f"cannot style layer {layer!r}: geometry type {geometry_type!r} is not a point, line or polygon"
        )
    renderer, label_field = styler(kind, frame)
    root = ET.Element(
        "qgis",
        {
            "version": QGIS_VERSION,
            "styleCategories": "Symbology|Labeling",
            "labelsEnabled": "1" if label_field else "0",
        },
    )
    root.append(renderer)
    if label_field:
        expression = station_label_expression(zone_names) if layer == "rail_stations" else None
        root.append(_labeling(expression or label_field, kind, expression=expression is not None))
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_CODE[kind]
    ET.indent(root, space="  ")
    return _DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"
