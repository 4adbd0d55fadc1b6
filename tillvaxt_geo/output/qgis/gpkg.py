"""The layer_styles table of a GeoPackage: each styled layer's QML stored with sqlite3 as its QGIS default style.

:func:`write_layer_styles` stores the document of
:func:`~tillvaxt_geo.output.qgis.styles.style_qml` for each styled layer in
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
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from tillvaxt_geo.output.qgis.qml import _FILL, _LINE, _MARKER, _symbol_kind
from tillvaxt_geo.output.qgis.styles import STYLED_LAYERS, style_qml

__all__ = [
    "LAYER_STYLES_TABLE",
    "write_layer_styles",
]

#: The table QGIS reads layer styles from.
LAYER_STYLES_TABLE = "layer_styles"

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
        class breaks (see :func:`~tillvaxt_geo.output.qgis.styles.style_qml`).
        Layers without a style, layers not in the file and tables without
        geometry are skipped.

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
        zones = frames.get("zones")
        zone_names = [] if zones is None or "name" not in zones.columns else list(zones["name"])
        styles: list[tuple[str, str, str, str]] = []  # (layer, table, geometry column, QML)
        for layer, frame in frames.items():
            found = geometry_columns.get(layer.lower())
            if found is None or layer not in STYLED_LAYERS:
                continue
            table, column, geometry_type = found
            if _symbol_kind(geometry_type) is None:  # GEOMETRY / GEOMETRYCOLLECTION: look at the data
                resolved = _frame_geometry_type(frame)
                if resolved is None:
                    continue
                geometry_type = resolved
            qml = style_qml(layer, geometry_type, frame=frame, zone_names=zone_names)
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
