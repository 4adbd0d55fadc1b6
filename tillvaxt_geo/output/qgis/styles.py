"""QGIS default styles for the layers of results.gpkg, written into its layer_styles table.

:func:`style_qml` builds a QGIS style document (QML, the format of QGIS's
"Save Style…" ``.qml`` files) for the output layers that have a cartographic
meaning, and :func:`write_layer_styles` stores one such document per layer in
the GeoPackage as that layer's *default* style, so that QGIS draws
``results.gpkg`` classified and labelled as soon as the layers are added.

How QGIS stores and finds styles in a GeoPackage
------------------------------------------------
This follows QGIS's own OGR provider (``QgsOgrProviderMetadata::saveStyle`` /
``loadStyle`` in ``src/core/providers/ogr/qgsogrprovidermetadata.cpp``), the
code that runs for "Save as Default" / "Load Style" on a GeoPackage layer, and
the ``layer_styles`` table of the QGIS GeoPackage extension
(``qgis_geopackage_extension.md`` in pka/qgpkg):

* Styles live in an ordinary table ``layer_styles``. QGIS creates it through
  GDAL as a layer without geometry (``FID=id``), so GDAL gives it the columns
  ``id INTEGER PRIMARY KEY AUTOINCREMENT``, ``f_table_catalog``,
  ``f_table_schema``, ``f_table_name``, ``f_geometry_column``, ``styleName``
  (text), ``styleQML``, ``styleSLD`` (text), ``useAsDefault BOOLEAN``,
  ``description``, ``owner``, ``ui`` (text) and ``update_time DATETIME``
  (defaulting to now), and registers it in ``gpkg_contents`` as an
  ``attributes`` table (plus a ``gpkg_ogr_contents`` row and feature-count
  triggers). We create the same table, registration and triggers with sqlite3.
* When a layer is loaded QGIS selects the rows with ``f_table_schema = ''``,
  ``f_table_name`` equal to the layer (table) name and ``f_geometry_column``
  equal to the layer's geometry column (``geom`` in files written by
  pyogrio/GDAL), taking the first with ``useAsDefault`` true, else the newest
  ``update_time``. ``f_table_schema`` must therefore be the empty string, not
  NULL, or QGIS never finds the row.
* Saving a new default style clears ``useAsDefault`` on the table's earlier
  default; :func:`write_layer_styles` instead deletes the earlier default rows
  (and a row of the same style name), so repeated runs keep exactly one
  default row per layer.

The QML
-------
Documents are built with :mod:`xml.etree.ElementTree`, so every text that comes
from the data (category values such as road classes) is escaped by the
serializer. Feature names are never copied into a style: labels name the
``name`` field and QGIS reads the text from the features. Symbols follow the
layer's geometry type (a marker, line or fill symbol), so ``zones`` or
``mine_sites`` stored as polygons still get a matching style.
"""

from __future__ import annotations

import itertools
import math
import os
import sqlite3
import xml.etree.ElementTree as ET
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "LAYER_STYLES_TABLE",
    "STYLED_LAYERS",
    "style_qml",
    "write_layer_styles",
]

#: The table QGIS reads layer styles from.
LAYER_STYLES_TABLE = "layer_styles"

#: QGIS version named in the QML documents (QGIS 3.28 "Firenze" syntax: ``<Option>`` maps).
QGIS_VERSION = "3.28"

_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"
_DESCRIPTION = "default style written by tillvaxt_geo"

#: ``layer_styles`` as QGIS creates it through GDAL (GDAL's GeoPackage DDL for those fields).
_CREATE_LAYER_STYLES = f"""
CREATE TABLE "{LAYER_STYLES_TABLE}" (
    "id" INTEGER PRIMARY KEY AUTOINCREMENT NOT NULL,
    "f_table_catalog" TEXT(256),
    "f_table_schema" TEXT(256),
    "f_table_name" TEXT(256),
    "f_geometry_column" TEXT(256),
    "styleName" TEXT(30),
    "styleQML" TEXT,
    "styleSLD" TEXT,
    "useAsDefault" BOOLEAN,
    "description" TEXT,
    "owner" TEXT(30),
    "ui" TEXT(30),
    "update_time" DATETIME DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
)
"""

#: GDAL's triggers keeping ``gpkg_ogr_contents.feature_count`` of an attribute table current.
_FEATURE_COUNT_TRIGGERS = (
    f"""CREATE TRIGGER IF NOT EXISTS "trigger_insert_feature_count_{LAYER_STYLES_TABLE}"
AFTER INSERT ON "{LAYER_STYLES_TABLE}" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count + 1
WHERE lower(table_name) = lower('{LAYER_STYLES_TABLE}'); END""",
    f"""CREATE TRIGGER IF NOT EXISTS "trigger_delete_feature_count_{LAYER_STYLES_TABLE}"
AFTER DELETE ON "{LAYER_STYLES_TABLE}" BEGIN UPDATE gpkg_ogr_contents SET feature_count = feature_count - 1
WHERE lower(table_name) = lower('{LAYER_STYLES_TABLE}'); END""",
)

_REQUIRED_COLUMNS = frozenset(
    {"f_table_catalog", "f_table_schema", "f_table_name", "f_geometry_column", "styleName", "styleQML", "styleSLD"}
    | {"useAsDefault", "description", "owner", "ui", "update_time"}
)

_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ','now')"

RGBA = tuple[int, int, int, int]

# ---------------------------------------------------------------------------
# Symbols
# ---------------------------------------------------------------------------

_MARKER, _LINE, _FILL = "marker", "line", "fill"
#: QML ``layerGeometryType``: 0 point, 1 line, 2 polygon.
_GEOMETRY_CODE = {_MARKER: "0", _LINE: "1", _FILL: "2"}
_DARK: RGBA = (50, 50, 50, 255)


@dataclass(frozen=True)
class _Look:
    """How one class is drawn, whatever the symbol type.

    ``size`` is the marker diameter or the line width in millimetres; fills
    use ``color`` for the interior and ``outline``/``outline_width`` for the edge.
    """

    color: RGBA
    size: float = 2.0
    shape: str = "circle"
    outline: RGBA = _DARK
    outline_width: float = 0.2
    dash: bool = False


def _color(rgba: RGBA) -> str:
    return ",".join(str(int(c)) for c in rgba)


def _num(x: float) -> str:
    return f"{x:g}"


def _option_map(parent: ET.Element, props: Mapping[str, str]) -> ET.Element:
    """Append QGIS's ``<Option type="Map">`` of string options to ``parent``."""
    opt = ET.SubElement(parent, "Option", type="Map")
    for key, value in props.items():
        ET.SubElement(opt, "Option", type="QString", name=key, value=value)
    return opt


def _data_defined(parent: ET.Element, tag: str = "data_defined_properties") -> None:
    """Append an empty data-defined property collection."""
    elem = ET.SubElement(parent, tag)
    opt = ET.SubElement(elem, "Option", type="Map")
    ET.SubElement(opt, "Option", type="QString", name="name", value="")
    ET.SubElement(opt, "Option", name="properties")
    ET.SubElement(opt, "Option", type="QString", name="type", value="collection")


def _symbol_layer(kind: str, look: _Look) -> tuple[str, dict[str, str]]:
    if kind == _MARKER:
        return "SimpleMarker", {
            "angle": "0",
            "color": _color(look.color),
            "horizontal_anchor_point": "1",
            "joinstyle": "bevel",
            "name": look.shape,
            "offset": "0,0",
            "offset_unit": "MM",
            "outline_color": _color(look.outline),
            "outline_style": "solid" if look.outline_width > 0 else "no",
            "outline_width": _num(look.outline_width),
            "outline_width_unit": "MM",
            "scale_method": "diameter",
            "size": _num(look.size),
            "size_unit": "MM",
            "vertical_anchor_point": "1",
        }
    if kind == _LINE:
        return "SimpleLine", {
            "capstyle": "square" if look.dash else "round",
            "joinstyle": "round",
            "line_color": _color(look.color),
            "line_style": "dash" if look.dash else "solid",
            "line_width": _num(look.size),
            "line_width_unit": "MM",
            "offset": "0",
            "offset_unit": "MM",
            "use_custom_dash": "0",
        }
    return "SimpleFill", {
        "border_width_unit": "MM",
        "color": _color(look.color),
        "joinstyle": "bevel",
        "offset": "0,0",
        "offset_unit": "MM",
        "outline_color": _color(look.outline),
        "outline_style": "solid" if look.outline_width > 0 else "no",
        "outline_width": _num(look.outline_width),
        "outline_width_unit": "MM",
        "style": "solid",
    }


def _symbol(parent: ET.Element, kind: str, name: str, look: _Look) -> None:
    """Append a one-layer ``<symbol>`` of type ``kind`` drawn as ``look``."""
    sym = ET.SubElement(
        parent,
        "symbol",
        type=kind,
        name=name,
        alpha="1",
        clip_to_extent="1",
        force_rhr="0",
        frame_rate="10",
        is_animated="0",
    )
    _data_defined(sym)
    cls, props = _symbol_layer(kind, look)
    layer = ET.SubElement(sym, "layer", {"class": cls, "enabled": "1", "locked": "0", "pass": "0"})
    _option_map(layer, props)
    _data_defined(layer)


def _ramp(stops: Sequence[RGBA], n: int) -> list[RGBA]:
    """``n`` colours spread evenly along the piecewise-linear ramp through ``stops``."""
    if n <= 0:
        return []
    if n == 1:
        return [stops[len(stops) // 2]]
    out: list[RGBA] = []
    for i in range(n):
        t = i / (n - 1) * (len(stops) - 1)
        j = min(int(t), len(stops) - 2)
        f = t - j
        a, b = stops[j], stops[j + 1]
        c = [round(a[k] + (b[k] - a[k]) * f) for k in range(4)]
        out.append((c[0], c[1], c[2], c[3]))
    return out


def _with_alpha(rgba: RGBA, alpha: int) -> RGBA:
    return (rgba[0], rgba[1], rgba[2], alpha)


# ---------------------------------------------------------------------------
# Renderers
# ---------------------------------------------------------------------------


def _renderer(kind_attr: str, **attrs: str) -> ET.Element:
    base = {"type": kind_attr, "symbollevels": "0", "forceraster": "0", "enableorderby": "0", "referencescale": "-1"}
    base.update(attrs)
    return ET.Element("renderer-v2", base)


def _order_by(renderer: ET.Element, expression: str, *, ascending: bool) -> None:
    """Draw features sorted by ``expression`` (later ones on top)."""
    renderer.set("enableorderby", "1")
    order = ET.SubElement(renderer, "orderby")
    clause = ET.SubElement(order, "orderByClause", asc="1" if ascending else "0", nullsFirst="0")
    clause.text = expression


def _single(kind: str, look: _Look) -> ET.Element:
    renderer = _renderer("singleSymbol")
    symbols = ET.SubElement(renderer, "symbols")
    _symbol(symbols, kind, "0", look)
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


@dataclass(frozen=True)
class _Category:
    value: str
    value_type: str  # QGIS: "string", "double", "long"
    label: str
    look: _Look


def _categorized(attr: str, kind: str, categories: Sequence[_Category]) -> ET.Element:
    renderer = _renderer("categorizedSymbol", attr=attr)
    cats = ET.SubElement(renderer, "categories")
    symbols = ET.SubElement(renderer, "symbols")
    for i, cat in enumerate(categories):
        ET.SubElement(
            cats, "category", value=cat.value, type=cat.value_type, symbol=str(i), label=cat.label, render="true"
        )
        _symbol(symbols, kind, str(i), cat.look)
    source = ET.SubElement(renderer, "source-symbol")
    _symbol(source, kind, "0", categories[-1].look)
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


def _graduated(
    attr: str,
    kind: str,
    breaks: Sequence[float],
    labels: Sequence[str],
    looks: Sequence[_Look],
    ramp: Sequence[RGBA],
    method: str,
) -> ET.Element:
    renderer = _renderer("graduatedSymbol", attr=attr, graduatedMethod="GraduatedColor")
    ranges = ET.SubElement(renderer, "ranges")
    symbols = ET.SubElement(renderer, "symbols")
    for i, (lower, upper) in enumerate(itertools.pairwise(breaks)):
        ET.SubElement(
            ranges,
            "range",
            lower=repr(float(lower)),
            upper=repr(float(upper)),
            symbol=str(i),
            label=labels[i],
            render="true",
        )
        _symbol(symbols, kind, str(i), looks[i])
    source = ET.SubElement(renderer, "source-symbol")
    _symbol(source, kind, "0", looks[0])
    colorramp = ET.SubElement(renderer, "colorramp", type="gradient", name="[source]")
    inner = ";".join(f"{i / (len(ramp) - 1):g};{_color(c)}" for i, c in enumerate(ramp) if 0 < i < len(ramp) - 1)
    _option_map(
        colorramp,
        {
            "color1": _color(ramp[0]),
            "color2": _color(ramp[-1]),
            "discrete": "0",
            "rampType": "gradient",
            "stops": inner,
        },
    )
    method_elem = ET.SubElement(renderer, "classificationMethod", id=method)
    ET.SubElement(method_elem, "symmetricMode", enabled="0", symmetrypoint="0", astride="0")
    ET.SubElement(method_elem, "labelFormat", format="%1 - %2", labelprecision="0", trimtrailingzeroes="1")
    ET.SubElement(method_elem, "parameters")
    ET.SubElement(method_elem, "extraInformation")
    ET.SubElement(renderer, "rotation")
    ET.SubElement(renderer, "sizescale")
    return renderer


# ---------------------------------------------------------------------------
# Class breaks
# ---------------------------------------------------------------------------

#: Upper bound of the open last class of fixed breaks ("250 or more").
_OPEN_END = 1e12


def _nice(x: float) -> float:
    """``x`` rounded to two significant digits (37.4 -> 37, 1234 -> 1200, 0.734 -> 0.73)."""
    if x == 0 or not math.isfinite(x):
        return x
    return round(x, 1 - math.floor(math.log10(abs(x))))


def _fmt(x: float) -> str:
    if float(x).is_integer():
        return str(int(x))
    if abs(x) >= 10:
        return f"{x:.0f}"
    return f"{x:.2f}".rstrip("0").rstrip(".")


def _numeric(frame: pd.DataFrame | None, column: str) -> np.ndarray | None:
    """Finite values of a column as floats, or ``None`` without a frame or column."""
    if frame is None or column not in frame.columns:
        return None
    values = pd.to_numeric(pd.Series(frame[column], copy=False), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values[np.isfinite(values)]


def _class_breaks(
    values: np.ndarray | None, fixed: Sequence[float], classes: int = 5
) -> tuple[list[float], list[str], str]:
    """Class breaks, legend labels and QGIS classification method id.

    Quantiles of the positive values (rounded to two significant digits),
    from ``min(0, smallest)`` up to the largest value, so every value falls in
    a class and zeros fall in the first. Without positive values (no frame, an
    empty or all-zero column) ``fixed`` gives the lower bounds of the classes,
    the last class open-ended.
    """
    positives = values[values > 0] if values is not None else np.array([])
    if values is None or positives.size == 0:
        lowers = [float(b) for b in fixed]
        labels = [f"{_fmt(a)} - {_fmt(b)}" for a, b in itertools.pairwise(lowers)]
        labels.append(f"{_fmt(lowers[-1])} or more")
        return [*lowers, _OPEN_END], labels, "Pretty"
    lo = min(0.0, float(values.min()))
    hi = float(values.max())
    quantiles = np.quantile(positives, [i / classes for i in range(1, classes)])
    inner = sorted({_nice(float(q)) for q in quantiles if lo < _nice(float(q)) < hi})
    breaks = [lo, *inner, hi]
    labels = [f"{_fmt(a)} - {_fmt(b)}" for a, b in itertools.pairwise(breaks)]
    return breaks, labels, "Quantile"


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def _labeling(field: str, kind: str, *, size: float = 8.0) -> ET.Element:
    """Simple labels from ``field`` with a white halo (QGIS ``QgsPalLayerSettings`` XML)."""
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    style = ET.SubElement(
        settings,
        "text-style",
        fieldName=field,
        isExpression="0",
        fontSize=_num(size),
        fontSizeUnit="Point",
        fontWeight="50",
        fontItalic="0",
        textColor="20,20,20,255",
        textOpacity="1",
        blendMode="0",
        multilineHeight="1",
        allowHtml="0",
        textOrientation="horizontal",
    )
    ET.SubElement(style, "families")
    ET.SubElement(
        style,
        "text-buffer",
        bufferDraw="1",
        bufferSize="0.8",
        bufferSizeUnits="MM",
        bufferColor="255,255,255,255",
        bufferOpacity="0.85",
        bufferNoFill="1",
        bufferJoinStyle="128",
        bufferBlendMode="0",
    )
    ET.SubElement(style, "background", shapeDraw="0")
    ET.SubElement(style, "shadow", shadowDraw="0")
    _data_defined(style, "dd_properties")
    ET.SubElement(style, "substitutions")
    ET.SubElement(settings, "text-format", wrapChar="", multilineAlign="3", formatNumbers="0", plussign="0")
    if kind == _MARKER:  # cartographic placement around the point
        placement = {"placement": "6", "dist": "1", "distUnits": "MM", "quadOffset": "4"}
        placement["predefinedPositionOrder"] = "TR,TL,BR,BL,R,L,TSR,BSR"
    elif kind == _LINE:  # parallel, above the line
        placement = {"placement": "2", "placementFlags": "9", "dist": "0.5", "distUnits": "MM"}
    else:  # horizontal, offset from an inside centroid
        placement = {"placement": "1", "centroidInside": "1", "quadOffset": "4", "dist": "0", "distUnits": "MM"}
    ET.SubElement(settings, "placement", placement)
    ET.SubElement(
        settings,
        "rendering",
        drawLabels="1",
        obstacle="1",
        obstacleFactor="1",
        obstacleType="1",
        scaleVisibility="0",
        fontMinPixelSize="3",
        fontMaxPixelSize="10000",
        upsidedownLabels="0",
        labelPerPart="0",
        mergeLines="0",
        displayAll="0",
        zIndex="0",
        unplacedVisibility="0",
    )
    _data_defined(settings, "dd_properties")
    return labeling


# ---------------------------------------------------------------------------
# The layers
# ---------------------------------------------------------------------------

_YL_OR_RD: tuple[RGBA, ...] = ((255, 255, 178, 255), (254, 178, 76, 255), (240, 59, 32, 255), (189, 0, 38, 255))
_YL_GN_BU: tuple[RGBA, ...] = ((255, 255, 204, 255), (65, 182, 196, 255), (37, 52, 148, 255))
_GN_YL_RD: tuple[RGBA, ...] = ((26, 152, 80, 255), (254, 224, 139, 255), (215, 48, 39, 255))
_GREY: RGBA = (150, 150, 150, 255)

_Styled = tuple[ET.Element, str | None]


def _has(frame: pd.DataFrame | None, column: str) -> bool:
    return frame is None or column in frame.columns


def _graduated_layer(
    frame: pd.DataFrame | None,
    kind: str,
    attr: str,
    fixed: Sequence[float],
    stops: Sequence[RGBA],
    look: Callable[[RGBA], _Look],
) -> ET.Element:
    if not _has(frame, attr):  # nothing to classify by: one symbol in the middle colour
        return _single(kind, look(_ramp(stops, 1)[0]))
    breaks, labels, method = _class_breaks(_numeric(frame, attr), fixed)
    colors = _ramp(stops, len(breaks) - 1)
    return _graduated(attr, kind, breaks, labels, [look(c) for c in colors], list(stops), method)


def _zones(kind: str, frame: pd.DataFrame | None) -> _Styled:
    def look(c: RGBA) -> _Look:
        if kind == _FILL:
            return _Look(_with_alpha(c, 200), outline=_DARK, outline_width=0.26)
        return _Look(c, size=3.5, outline=_DARK, outline_width=0.2)

    renderer = _graduated_layer(frame, kind, "workers_resident", (0, 10, 50, 100, 250), _YL_OR_RD, look)
    return renderer, "name" if _has(frame, "name") else None


def _housing_land(kind: str, frame: pd.DataFrame | None) -> _Styled:
    def look(c: RGBA) -> _Look:  # semi-transparent fill, dark outline
        return _Look(_with_alpha(c, 170), size=3.0, outline=(40, 40, 40, 255), outline_width=0.3)

    return _graduated_layer(frame, kind, "dwellings_taken", (0, 5, 20, 50, 100), _YL_GN_BU, look), None


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
    white: RGBA = (255, 255, 255, 255)
    black: RGBA = (0, 0, 0, 255)
    if kind == _LINE:
        look = _Look(black, size=0.8)
    else:
        look = _Look(white, size=2.2, shape="square", outline=black, outline_width=0.4)
    return _single(kind, look), "name" if _has(frame, "name") else None


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


def _symbol_kind(geometry_type: str) -> str | None:
    """Marker, line or fill for an OGC/GeoPackage/shapely geometry type name; None if unknown."""
    t = geometry_type.strip().upper().replace(" ", "").replace("_", "")
    t = t.removesuffix("ZM").removesuffix("Z").removesuffix("M")
    if "POINT" in t:
        return _MARKER
    if "POLYGON" in t or "SURFACE" in t:
        return _FILL
    if "LINESTRING" in t or "CURVE" in t:
        return _LINE
    return None


def style_qml(layer: str, geometry_type: str, *, frame: pd.DataFrame | None = None) -> str | None:
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
        root.append(_labeling(label_field, kind))
    ET.SubElement(root, "blendMode").text = "0"
    ET.SubElement(root, "featureBlendMode").text = "0"
    ET.SubElement(root, "layerGeometryType").text = _GEOMETRY_CODE[kind]
    ET.indent(root, space="  ")
    return _DOCTYPE + "\n" + ET.tostring(root, encoding="unicode") + "\n"


# ---------------------------------------------------------------------------
# Writing into the GeoPackage
# ---------------------------------------------------------------------------


def _table_exists(conn: sqlite3.Connection, name: str) -> bool:
    row = conn.execute("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?", (name,)).fetchone()
    return row is not None


def _geometry_columns(conn: sqlite3.Connection) -> dict[str, tuple[str, str, str]]:
    """Lower-cased table name to (table name, geometry column, geometry type name)."""
    rows = conn.execute("SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns").fetchall()
    return {str(t).lower(): (str(t), str(c), str(g)) for t, c, g in rows}


def _frame_geometry_type(frame: pd.DataFrame) -> str | None:
    """The most common geometry family of a (Geo)DataFrame, for a layer declared as GEOMETRY."""
    import geopandas as gpd

    if not isinstance(frame, gpd.GeoDataFrame) or frame.geometry.name not in frame.columns:
        return None
    kinds = [k for k in (_symbol_kind(str(t)) for t in frame.geom_type.dropna()) if k]
    if not kinds:
        return None
    kind = max(set(kinds), key=kinds.count)
    return {_MARKER: "Point", _LINE: "LineString", _FILL: "Polygon"}[kind]


def _ensure_layer_styles(conn: sqlite3.Connection) -> None:
    """Create ``layer_styles`` as QGIS/GDAL would, or check an existing one has QGIS's columns."""
    if _table_exists(conn, LAYER_STYLES_TABLE):
        have = {str(row[1]).lower() for row in conn.execute(f'PRAGMA table_info("{LAYER_STYLES_TABLE}")')}
        missing = sorted(c for c in _REQUIRED_COLUMNS if c.lower() not in have)
        if missing:
            raise ValueError(f"existing {LAYER_STYLES_TABLE} table lacks the QGIS columns {missing}")
    else:
        conn.execute(_CREATE_LAYER_STYLES)
        if _table_exists(conn, "gpkg_ogr_contents"):
            for trigger in _FEATURE_COUNT_TRIGGERS:
                conn.execute(trigger)
    registered = conn.execute(
        "SELECT 1 FROM gpkg_contents WHERE lower(table_name) = lower(?)", (LAYER_STYLES_TABLE,)
    ).fetchone()
    if registered is None:
        # GDAL registers an attribute table with srs_id 0 (undefined geographic SRS) when that row exists
        has_srs0 = conn.execute("SELECT 1 FROM gpkg_spatial_ref_sys WHERE srs_id = 0").fetchone() is not None
        identifier_taken = (
            conn.execute("SELECT 1 FROM gpkg_contents WHERE identifier = ?", (LAYER_STYLES_TABLE,)).fetchone()
            is not None
        )
        conn.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description, last_change, srs_id) "
            f"VALUES (?, 'attributes', ?, '', {_NOW}, ?)",
            (LAYER_STYLES_TABLE, None if identifier_taken else LAYER_STYLES_TABLE, 0 if has_srs0 else None),
        )
    if _table_exists(conn, "gpkg_ogr_contents"):
        conn.execute(
            "INSERT INTO gpkg_ogr_contents (table_name, feature_count) SELECT ?, NULL "
            "WHERE NOT EXISTS (SELECT 1 FROM gpkg_ogr_contents WHERE lower(table_name) = lower(?))",
            (LAYER_STYLES_TABLE, LAYER_STYLES_TABLE),
        )


def write_layer_styles(path: str | os.PathLike[str], frames: Mapping[str, pd.DataFrame]) -> list[str]:
    """Store a default QGIS style for each styled layer of a GeoPackage in its ``layer_styles`` table.

    Parameters
    ----------
    path
        An existing GeoPackage (e.g. ``results.gpkg`` just written by
        :func:`tillvaxt_geo.output.files.write_gpkg`); it is changed in place.
    frames
        Layer name to the frame written as that layer; the frames give the
        class breaks (see :func:`style_qml`). Layers without a style, layers
        not in the file and tables without geometry are skipped.

    Returns
    -------
    list of str
        The layers that got a default style, in the order of ``frames``.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a GeoPackage, or has a ``layer_styles`` table
        without QGIS's columns.
    sqlite3.Error
        If the database cannot be read or written.

    Notes
    -----
    ``layer_styles`` is created if missing and registered in
    ``gpkg_contents`` as an ``attributes`` table (as QGIS does through GDAL),
    so GDAL and pyogrio list it as a table without geometry. Each styled
    layer's earlier default rows, and an earlier row with the same style name
    (the layer name), are replaced by one row with ``useAsDefault = 1``,
    ``f_table_schema = ''`` and ``f_geometry_column`` set to the layer's
    geometry column from ``gpkg_geometry_columns``. Everything happens in one
    transaction: on any failure the file is left as it was.
    """
    gpkg = Path(path)
    if not gpkg.is_file():
        raise FileNotFoundError(f"no GeoPackage at {gpkg}")
    conn = sqlite3.connect(gpkg, isolation_level=None)  # transactions are managed below
    try:
        if not (_table_exists(conn, "gpkg_contents") and _table_exists(conn, "gpkg_geometry_columns")):
            raise ValueError(f"{gpkg} is not a GeoPackage with vector layers (no gpkg_contents/gpkg_geometry_columns)")
        geometry_columns = _geometry_columns(conn)
        styles: list[tuple[str, str, str, str]] = []  # (layer, table, geometry column, QML)
        for layer, frame in frames.items():
            found = geometry_columns.get(layer.lower())
            if found is None or layer not in _STYLERS:
                continue
            table, column, geometry_type = found
            if _symbol_kind(geometry_type) is None:  # GEOMETRY / GEOMETRYCOLLECTION: look at the data
                resolved = _frame_geometry_type(frame)
                if resolved is None:
                    continue
                geometry_type = resolved
            qml = style_qml(layer, geometry_type, frame=frame)
            if qml is not None:
                styles.append((layer, table, column, qml))
        if not styles:
            return []
        conn.execute("BEGIN IMMEDIATE")
        try:
            _ensure_layer_styles(conn)
            for _, table, column, qml in styles:
                conn.execute(
                    f'DELETE FROM "{LAYER_STYLES_TABLE}" WHERE lower(f_table_name) = lower(?) AND '
                    "(useAsDefault = 1 OR lower(CAST(useAsDefault AS TEXT)) = 'true' OR styleName = ?)",
                    (table, table),
                )
                conn.execute(
                    f'INSERT INTO "{LAYER_STYLES_TABLE}" (f_table_catalog, f_table_schema, f_table_name, '
                    "f_geometry_column, styleName, styleQML, styleSLD, useAsDefault, description, owner, ui, "
                    f"update_time) VALUES ('', '', ?, ?, ?, ?, '', 1, ?, '', NULL, {_NOW})",
                    (table, column, table, qml, _DESCRIPTION),
                )
            if _table_exists(conn, "gpkg_ogr_contents"):
                conn.execute(
                    f'UPDATE gpkg_ogr_contents SET feature_count = (SELECT COUNT(*) FROM "{LAYER_STYLES_TABLE}") '
                    "WHERE lower(table_name) = lower(?)",
                    (LAYER_STYLES_TABLE,),
                )
            conn.execute(
                f"UPDATE gpkg_contents SET last_change = {_NOW} WHERE lower(table_name) = lower(?)",
                (LAYER_STYLES_TABLE,),
            )
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
    finally:
        conn.close()
    return [layer for layer, _, _, _ in styles]
