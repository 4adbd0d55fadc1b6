"""Checks of one layer against its schema, collecting every problem found.

Pure functions on frames: they never read files and never raise for bad data;
they return the cleaned frame and a list of :class:`~tillvaxt_geo.errors.Problem`.
:mod:`tillvaxt_geo.data.layers` raises once for the whole layer set.
"""

from __future__ import annotations

from collections.abc import Iterable

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from tillvaxt_geo.data.schemas import MAX_VERTICES_PER_FEATURE, Column, LayerSchema
from tillvaxt_geo.errors import CRSError, Problem, SchemaError
from tillvaxt_geo.naming import listed

__all__ = ["check_area_of_use", "check_frame", "check_layer_crs", "feature_labels"]

_MAX_LISTED = 5  # features named per problem before "and N more"
_TRUE = {"true", "1", "yes", "y", "t"}
_FALSE = {"false", "0", "no", "n", "f", ""}


def feature_labels(frame: pd.DataFrame, schema: LayerSchema) -> pd.Series:
    """Label each row by its id, or ``row N`` where the id is missing."""
    rows = pd.Series([f"row {i}" for i in range(len(frame))], index=frame.index)
    if schema.id_column not in frame.columns:
        return rows
    ids = frame[schema.id_column]
    labels = ids.astype(object).where(ids.notna(), None)
    out = [f"'{v}'" if v is not None and str(v) != "" else r for v, r in zip(labels, rows, strict=True)]
    return pd.Series(out, index=frame.index)


def _listed(labels: Iterable[str]) -> str:
    return listed(labels, most=_MAX_LISTED)


def _has_control(text: str) -> bool:
    """Whether text holds a C0/C1 control character (NUL, line breaks, escape ...)."""
    return any(ord(ch) < 32 or 127 <= ord(ch) < 160 for ch in text)


def _coerce(values: pd.Series, column: Column) -> tuple[pd.Series, pd.Series]:
    """Convert a column to its declared type; return (converted, bad-row mask)."""
    present = values.notna()
    if column.dtype == "str":
        converted = values.astype(object).where(~present, values.astype(str))
        # ints stored as floats by some drivers: 12.0 -> "12"
        if pd.api.types.is_float_dtype(values):
            as_int = values.dropna()
            if (as_int == np.floor(as_int)).all():
                converted = values.astype(object).where(~present, values.map(lambda v: f"{v:.0f}"))
        return converted, pd.Series(False, index=values.index)
    if column.dtype == "bool":
        if pd.api.types.is_bool_dtype(values):
            return values.astype(object), pd.Series(False, index=values.index)
        text = values.astype(str).str.strip().str.lower()
        ok = text.isin(_TRUE | _FALSE) | ~present
        converted = text.map(lambda v: v in _TRUE).astype(object).where(present, None)
        return converted, present & ~ok
    numbers = pd.to_numeric(values, errors="coerce")
    bad = present & numbers.isna()
    if column.dtype == "int":
        fractional = numbers.notna() & (numbers != np.floor(numbers.fillna(0)))
        bad = bad | fractional
    return numbers.astype(float), bad


def check_frame(frame: pd.DataFrame, schema: LayerSchema, *, file: str | None) -> tuple[pd.DataFrame, list[Problem]]:
    """Check columns, types, ids and values of one layer.

    Parameters
    ----------
    frame
        The layer as read (a GeoDataFrame for geometry layers).
    schema
        The layer's declared schema.
    file
        Where the layer was read from, for messages.

    Returns
    -------
    tuple
        The frame with declared columns converted to their types and
        optional columns filled with defaults, and the problems found.
    """
    problems: list[Problem] = []
    layer = schema.name

    def add(message: str, *, feature: str | None = None, column: str | None = None) -> None:
        problems.append(Problem(message, file=file, layer=layer, feature_id=feature, column=column, kind=SchemaError))

    if len(frame) == 0:
        add("the layer has no features; expected at least one (remove the file to leave the layer out)")
        return frame, problems

    out = frame.copy()
    labels = feature_labels(out, schema)
    by_folded: dict[str, list[str]] = {}
    for c in out.columns:
        by_folded.setdefault(str(c).casefold(), []).append(str(c))
    for names in by_folded.values():
        if len(names) > 1:
            add(
                f"columns {' and '.join(repr(n) for n in names)} differ only in upper/lower case; GeoPackage, "
                "Shapefile and QGIS treat column names case-insensitively, so the results cannot be written. "
                "Rename or drop one of them",
                column=names[0],
            )
    missing = [c.name for c in schema.columns if c.required and c.name not in out.columns]
    shapefile = bool(file and str(file).lower().endswith(".shp"))
    for name in missing:
        have = ", ".join(str(c) for c in out.columns if c != "geometry") or "none"
        hint = ""
        if shapefile and len(name) > 10:
            hint = (
                f" A Shapefile cuts column names to 10 characters ('{name}' becomes '{name[:10]}'), so it cannot "
                f"hold the {layer} layer; save it as GeoPackage (.gpkg) or GeoJSON instead."
            )
        add(
            f"required column is missing (columns found: {have}); add a column '{name}' "
            f"of type {schema.column(name).expectation()}: {schema.column(name).description}.{hint}",
            column=name,
        )
    for c in out.columns:
        if c == "geometry" or not (pd.api.types.is_object_dtype(out[c]) or pd.api.types.is_string_dtype(out[c])):
            continue
        controls = out[c].map(lambda v: isinstance(v, str) and _has_control(v))
        if controls.any():
            first = out.loc[controls, c].iloc[0]
            add(
                f"text holds a control character (NUL, line break, escape …): {first!r} in features "
                f"{_listed(labels[controls])}; remove it — such text would be cut or garble outputs",
                column=str(c),
            )

    for column in schema.columns:
        if column.name not in out.columns:
            if not column.required:
                out[column.name] = column.default  # type: ignore[call-overload]
            continue
        converted, bad = _coerce(out[column.name], column)
        if bad.any():
            found = out.loc[bad, column.name].astype(str).head(1).iloc[0]
            add(
                f"expected {column.expectation()}, found {found!r}; fix the value in features {_listed(labels[bad])}",
                column=column.name,
            )
        out[column.name] = converted
        nulls = converted.isna() & ~bad
        if column.dtype == "float":
            nulls = nulls | (converted.isna() & ~bad)
        if nulls.any() and not column.nullable and column.name not in schema.key_columns:
            add(
                f"missing value (expected {column.expectation()}) in features {_listed(labels[nulls])}",
                column=column.name,
            )
        values = converted[~bad & converted.notna()]
        if column.choices is not None and len(values):
            wrong = ~values.isin(column.choices)
            if wrong.any():
                add(
                    f"expected one of {', '.join(repr(c) for c in column.choices)}, "
                    f"found {values[wrong].iloc[0]!r} in features {_listed(labels[wrong[wrong].index])}",
                    column=column.name,
                )
        if column.dtype in ("int", "float") and len(values):
            v = values.astype(float)
            low = pd.Series(False, index=v.index)
            if column.min is not None:
                low = v <= column.min if column.min_exclusive else v < column.min
            high = v > column.max if column.max is not None else pd.Series(False, index=v.index)
            out_of_range = low | high
            if out_of_range.any():
                first = v[out_of_range].iloc[0]
                add(
                    f"expected {column.expectation()}, found {first:g} in features "
                    f"{_listed(labels[out_of_range[out_of_range].index])}",
                    column=column.name,
                )
        if column.dtype == "int" and not bad.any() and not converted.isna().any():
            out[column.name] = converted.astype("int64")

    for key in schema.key_columns:
        if key in out.columns:
            null_ids = out[key].isna() | (out[key].astype(str).str.strip() == "")
            if null_ids.any():
                add(
                    f"id is missing in {_listed(labels[null_ids])}; give every feature a unique id",
                    column=key,
                )
    keys = [k for k in schema.key_columns if k in out.columns]
    if keys and len(keys) == len(schema.key_columns):
        dup = out.duplicated(subset=keys, keep=False) & out[keys].notna().all(axis=1)
        if dup.any():
            shown = out.loc[dup, keys].astype(str).agg("/".join, axis=1).drop_duplicates()
            add(
                f"ids must be unique, found duplicates: {_listed(shown)}; rename or remove the duplicates",
                column="/".join(keys),
            )

    problems += _cross_checks(out, schema, labels, file)
    if not schema.is_table:
        problems += _check_geometry(out, schema, labels, file)
    return out, problems


def _cross_checks(frame: pd.DataFrame, schema: LayerSchema, labels: pd.Series, file: str | None) -> list[Problem]:
    """Checks that involve two columns (vacant <= dwellings, low <= high)."""
    pairs: list[tuple[str, str]] = []
    if schema.name == "zones":
        pairs = [("vacant_dwellings", "dwellings")]
    elif schema.name == "mine_sites":
        pairs = [
            ("workers_construction_low", "workers_construction_high"),
            ("workers_operation_low", "workers_operation_high"),
        ]
    found = []
    for small, big in pairs:
        if small in frame.columns and big in frame.columns:
            a = pd.to_numeric(frame[small], errors="coerce")
            b = pd.to_numeric(frame[big], errors="coerce")
            wrong = a > b
            if wrong.any():
                found.append(
                    Problem(
                        f"'{small}' must not exceed '{big}'; found {a[wrong].iloc[0]:g} > {b[wrong].iloc[0]:g} "
                        f"in features {_listed(labels[wrong])}",
                        file=file,
                        layer=schema.name,
                        column=small,
                    )
                )
    return found


def _check_geometry(frame: pd.DataFrame, schema: LayerSchema, labels: pd.Series, file: str | None) -> list[Problem]:
    found: list[Problem] = []
    layer = schema.name
    assert schema.geometry_types is not None
    if "geometry" not in frame.columns or not isinstance(frame, gpd.GeoDataFrame):
        return [Problem("the layer has no geometry column", file=file, layer=layer, column="geometry")]
    geoms = frame.geometry.array
    null = shapely.is_missing(geoms) | shapely.is_empty(geoms)
    vertices = np.asarray(shapely.get_num_coordinates(geoms))
    too_long = vertices > MAX_VERTICES_PER_FEATURE
    if too_long.any():
        found.append(
            Problem(
                f"geometry has {int(vertices[too_long].max()):,} vertices, more than the "
                f"{MAX_VERTICES_PER_FEATURE:,} allowed per feature, in features {_listed(labels[too_long])}; "
                "simplify it (e.g. ogr2ogr -simplify 1, or shapely.simplify with 1 m) or split it",
                file=file,
                layer=layer,
                column="geometry",
            )
        )
    if not too_long.any():
        coords, owner = shapely.get_coordinates(geoms, return_index=True)
        nonfinite = np.zeros(len(geoms), dtype=bool)
        nonfinite[np.unique(owner[~np.isfinite(coords).all(axis=1)])] = True
    else:
        nonfinite = np.zeros(len(geoms), dtype=bool)
    if nonfinite.any():
        found.append(
            Problem(
                f"geometry has NaN or infinite coordinates in features {_listed(labels[nonfinite])}; "
                "fix the coordinates (a failed join or conversion often writes NaN)",
                file=file,
                layer=layer,
                column="geometry",
            )
        )
    reported = null.copy()
    null = null | nonfinite | too_long
    if reported.any():
        found.append(
            Problem(
                f"geometry is missing or empty in features {_listed(labels[reported])} (null, no coordinates, "
                "or only NaN ones: GeoPackage stores POINT EMPTY as NaN); "
                "draw a geometry or drop the feature",
                file=file,
                layer=layer,
                column="geometry",
            )
        )
    types = pd.Series(shapely.get_type_id(geoms), index=frame.index)
    type_names = pd.Series(
        [g.geom_type if g is not None else None for g in geoms],
        index=frame.index,
        dtype=object,
    )
    wrong = ~null & ~type_names.isin(schema.geometry_types)
    if wrong.any():
        got = sorted(set(type_names[wrong].dropna()))
        found.append(
            Problem(
                f"expected {' or '.join(sorted(schema.geometry_types))} geometries, found {', '.join(got)} "
                f"in features {_listed(labels[wrong])}",
                file=file,
                layer=layer,
                column="geometry",
            )
        )
    del types
    present = ~null & ~wrong
    invalid = present & ~shapely.is_valid(geoms)
    for idx in frame.index[invalid][: _MAX_LISTED * 2]:
        reason = shapely.is_valid_reason(frame.geometry[idx])
        found.append(
            Problem(
                f"invalid geometry ({reason}); fix it in a GIS, or load with repair=True "
                "(CLI: --repair) to apply shapely.make_valid",
                file=file,
                layer=layer,
                feature_id=labels[idx],
                column="geometry",
            )
        )
    return found


# RT 90 2.5 gon V easting/northing ranges over Sweden, for the likely-cause hint
_RT90_X = (1_200_000, 1_900_000)
_RT90_Y = (6_100_000, 7_700_000)


def check_area_of_use(
    frame: gpd.GeoDataFrame,
    *,
    source_crs: CRS,
    working_crs: CRS,
    schema: LayerSchema,
    file: str | None,
) -> list[Problem]:
    """Check that every feature lies inside the working CRS's area of use.

    ``frame`` is in ``source_crs`` (as read). Features whose coordinates fall
    outside are reported with the likely cause: swapped latitude/longitude,
    RT 90 numbers labelled as SWEREF 99 TM, or a wrong CRS label.
    """
    area = working_crs.area_of_use
    if area is None or len(frame) == 0:
        return []
    geoms = frame.geometry.array
    ok = ~(shapely.is_missing(geoms) | shapely.is_empty(geoms))
    if not ok.any():
        return []
    bounds = shapely.bounds(geoms[ok])
    to_geo = Transformer.from_crs(source_crs, "EPSG:4326", always_xy=True)
    margin = 0.5  # degrees of slack around the declared area
    inside = np.ones(len(bounds), dtype=bool)
    for xcol, ycol in ((0, 1), (2, 3)):
        lon, lat = to_geo.transform(bounds[:, xcol], bounds[:, ycol])
        lon = np.asarray(lon)
        lat = np.asarray(lat)
        inside &= (
            np.isfinite(lon)
            & np.isfinite(lat)
            & (lon >= area.west - margin)
            & (lon <= area.east + margin)
            & (lat >= area.south - margin)
            & (lat <= area.north + margin)
        )
    if inside.all():
        return []
    labels = feature_labels(frame, schema)[ok]
    outside = labels[~inside]
    bad_bounds = bounds[~inside]
    cause = _likely_cause(bad_bounds, source_crs=source_crs, area=area)
    x0, y0 = bad_bounds[0, 0], bad_bounds[0, 1]
    return [
        Problem(
            f"coordinates cannot lie in the area of use of {working_crs.name} "
            f"({area.name}: lon {area.west:g}..{area.east:g}, lat {area.south:g}..{area.north:g}); "
            f"first offending coordinate ({x0:.6g}, {y0:.6g}) in {source_crs.to_string()}. {cause} "
            f"Features: {_listed(outside)}",
            file=file,
            layer=schema.name,
            column="geometry",
            kind=CRSError,
        )
    ]


def _likely_cause(bounds: np.ndarray, *, source_crs: CRS, area: object) -> str:
    x = bounds[:, 0]
    y = bounds[:, 1]
    west, east = area.west, area.east  # type: ignore[attr-defined]
    south, north = area.south, area.north  # type: ignore[attr-defined]
    if source_crs.is_geographic:
        if ((x >= south) & (x <= north) & (y >= west) & (y <= east)).all():
            return (
                "Likely cause: latitude and longitude are swapped (x holds latitudes); "
                "write longitude as x and latitude as y."
            )
        return "Likely cause: the file's CRS label is wrong; set the CRS the coordinates were measured in."
    if (
        source_crs.to_epsg() == 3006
        and ((x >= _RT90_X[0]) & (x <= _RT90_X[1]) & (y >= _RT90_Y[0]) & (y <= _RT90_Y[1])).all()
    ):
        return (
            "Likely cause: these are RT 90 2.5 gon V numbers (EPSG:3021) labelled as SWEREF 99 TM "
            "(EPSG:3006); relabel the file as EPSG:3021 and it will be reprojected."
        )
    if ((y > 0) & (x > 1_000_000) & (x > y)).all():
        return "Likely cause: easting and northing are swapped; write easting as x and northing as y."
    return "Likely cause: the file's CRS label does not match its coordinates; set the right CRS."


def check_layer_crs(frame: gpd.GeoDataFrame, name: str, crs: CRS) -> None:
    """Raise :class:`CRSError` unless a layer is in the layer set's working CRS.

    Parameters
    ----------
    frame
        The layer.
    name
        Its name, for the message.
    crs
        The working CRS it must be in.
    """
    if frame.crs is None:
        raise CRSError(f"layer '{name}' has no CRS; set it (GeoDataFrame.set_crs) — tillvaxt_geo never assumes one")
    if not CRS(frame.crs).equals(crs):
        raise CRSError(
            f"layer '{name}' is in {CRS(frame.crs).to_string()} but the layer set's working CRS is "
            f"{crs.to_string()}; reproject it with to_crs or load the layers with load_layers"
        )
