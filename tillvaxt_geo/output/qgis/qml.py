"""Building blocks of QGIS style documents (QML): symbols, renderers, class breaks and labeling.

QML is the format of QGIS's "Save Style…" ``.qml`` files; the pieces here
follow QGIS 3.28 syntax (``<Option>`` maps). Documents are built with
:mod:`xml.etree.ElementTree`, so every text that comes from the data (category
values such as road classes) is escaped by the serializer. Symbols are marker,
line or fill symbols after the layer's geometry type (:func:`_symbol_kind`).
:mod:`tillvaxt_geo.output.qgis.styles` composes these into each layer's style.
"""

from __future__ import annotations

import itertools
import xml.etree.ElementTree as ET
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: QGIS version named in the QML documents (QGIS 3.28 "Firenze" syntax: ``<Option>`` maps).
QGIS_VERSION = "3.28"

_DOCTYPE = "<!DOCTYPE qgis PUBLIC 'http://mrcc.com/qgis.dtd' 'SYSTEM'>"

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


def _numeric(frame: pd.DataFrame | None, column: str) -> np.ndarray | None:
    """Finite values of a column as floats, or ``None`` without a frame or column."""
    if frame is None or column not in frame.columns:
        return None
    values = pd.to_numeric(pd.Series(frame[column], copy=False), errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    return values[np.isfinite(values)]


# ---------------------------------------------------------------------------
# Labels
# ---------------------------------------------------------------------------


def _labeling(field: str, kind: str, *, size: float = 8.0, expression: bool = False) -> ET.Element:
    """Simple labels from ``field`` (or a QGIS expression) with a white halo (QGIS ``QgsPalLayerSettings`` XML)."""
    labeling = ET.Element("labeling", type="simple")
    settings = ET.SubElement(labeling, "settings", calloutType="simple")
    style = ET.SubElement(
        settings,
        "text-style",
        fieldName=field,
        isExpression="1" if expression else "0",
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
