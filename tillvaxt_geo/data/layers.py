"""Reading a layer set: find the files, read them, validate, reproject to the working CRS.

A layer set is a directory of files named after the layers
(``zones.geojson``, ``roads.gpkg`` …, and ``gtfs/`` or ``rail_services.csv``
for the timetable), or one GeoPackage holding layers of those names. Single
layers can be overridden by path. Every problem in the whole set is collected
and raised once.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import CRS
from pyproj.exceptions import CRSError as PyprojCRSError

from tillvaxt_geo.data.files import file_sha256, input_file_problem
from tillvaxt_geo.data.schemas import GEOMETRY_LAYERS, LAYER_NAMES, SCHEMAS
from tillvaxt_geo.data.validation import check_area_of_use, check_frame, feature_labels
from tillvaxt_geo.errors import (
    ConfigError,
    CRSError,
    LayerError,
    LayerNotFoundError,
    Problem,
    raise_problems,
)

__all__ = ["DEFAULT_CRS", "DEFAULT_STUDY_AREA", "Layers", "embedded_path", "load_layers", "local_zones", "working_crs"]

log = logging.getLogger(__name__)

DEFAULT_CRS = "EPSG:3006"
#: the municipalities whose residents count as living locally, unless a scenario says otherwise
DEFAULT_STUDY_AREA: tuple[str, ...] = ("Ludvika", "Smedjebacken")
VECTOR_SUFFIXES = (".gpkg", ".geojson", ".json", ".shp", ".fgb")
EMBEDDED = "embedded"


@dataclass(frozen=True)
class Layers:
    """A validated layer set in one projected working CRS.

    Attributes are GeoDataFrames (``rail_services`` a DataFrame) or ``None``
    when the set does not have that layer; :meth:`require` raises a clear
    error for code that needs one.

    Attributes
    ----------
    crs
        The working CRS every layer is in.
    sources
        Layer name to the file it was read from.
    hashes
        Layer name to the SHA-256 of that file (or directory).
    notes
        What loading changed (repairs, reprojections), for the report.
    """

    zones: gpd.GeoDataFrame | None = None
    mine_sites: gpd.GeoDataFrame | None = None
    housing_land: gpd.GeoDataFrame | None = None
    roads: gpd.GeoDataFrame | None = None
    rail_lines: gpd.GeoDataFrame | None = None
    rail_stations: gpd.GeoDataFrame | None = None
    rail_services: pd.DataFrame | None = None
    crs: CRS = field(default_factory=lambda: CRS.from_user_input(DEFAULT_CRS))
    sources: Mapping[str, str] = field(default_factory=dict)
    hashes: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    def require(self, name: str, *, needed_for: str = "this computation") -> gpd.GeoDataFrame | pd.DataFrame:
        """Return layer ``name`` or raise :class:`LayerNotFoundError` saying who needs it."""
        if name not in LAYER_NAMES:
            raise ConfigError(f"unknown layer '{name}'; valid layers: {', '.join(LAYER_NAMES)}")
        frame = getattr(self, name)
        if frame is None:
            raise LayerNotFoundError(
                f"layer '{name}' is needed for {needed_for}, but the layer set has none; "
                f"add a file named {name}.gpkg / {name}.geojson to the layer directory or pass it as an override"
            )
        return frame

    def present(self) -> tuple[str, ...]:
        """Names of the layers this set has."""
        return tuple(n for n in LAYER_NAMES if getattr(self, n) is not None)

    def replace(self, **changes: object) -> Layers:
        """Return a copy with some layers (or attributes) replaced."""
        return dataclasses.replace(self, **changes)  # type: ignore[arg-type]


def embedded_path() -> Path:
    """Return the directory of the embedded Ludvika–Smedjebacken layer set.

    The layers are package data (``tillvaxt_geo.region``), found through
    :mod:`importlib.resources`, never through the working directory.
    """
    root = resources.files("tillvaxt_geo.region")
    return Path(str(root))


def working_crs(crs: str | int | CRS | None) -> CRS:
    """Parse and check a working CRS: it must be projected, in metres."""
    try:
        parsed = CRS.from_user_input(crs if crs is not None else DEFAULT_CRS)
    except PyprojCRSError as exc:
        raise ConfigError(f"working CRS {crs!r} is not a CRS pyproj knows ({exc}); use e.g. 'EPSG:3006'") from exc
    if not parsed.is_projected:
        raise CRSError(
            f"working CRS {parsed.to_string()} is geographic (degrees); distances need a projected CRS "
            "in metres, e.g. EPSG:3006 (Sweden), EPSG:3067 (Finland) or a UTM zone"
        )
    unit = parsed.axis_info[0].unit_name if parsed.axis_info else "metre"
    if unit not in ("metre", "meter"):
        raise CRSError(f"working CRS {parsed.to_string()} has units of {unit}; use a CRS in metres")
    return parsed


def _find_in_directory(directory: Path, name: str) -> Path | None:
    if name == "rail_services":
        for candidate in (directory / "gtfs", directory / "gtfs.zip", directory / "rail_services.csv"):
            if os.path.lexists(candidate):  # a dangling link is reported, not taken for an absent layer
                return candidate
        return None
    found = [directory / f"{name}{s}" for s in VECTOR_SUFFIXES if os.path.lexists(directory / f"{name}{s}")]
    if len(found) > 1:
        raise ConfigError(
            f"layer '{name}' is ambiguous in {directory}: {', '.join(p.name for p in found)}; keep one of them"
        )
    return found[0] if found else None


def _read_vector(path: Path, name: str, *, layer: str | None) -> tuple[gpd.GeoDataFrame | None, list[Problem]]:
    """Read one vector layer; turn driver errors (and the driver's warnings before them) into problems."""
    nul = _nul_problem(path, name)
    if nul is not None:
        return None, [nul]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            frame = pyogrio.read_dataframe(path, layer=layer)
            failure: Exception | None = None
        except Exception as exc:  # noqa: BLE001 - any driver failure on this file: corrupt, truncated, not vector
            frame, failure = None, exc
    # NaN coordinates make shapely warn while decoding; validation reports them per feature
    said = [str(w.message) for w in caught if "invalid value encountered" not in str(w.message)]
    if failure is None:
        for message in said:
            log.warning("%s (%s): %s", path, name, message)
        if not isinstance(frame, gpd.GeoDataFrame):
            frame = gpd.GeoDataFrame(frame)
        return frame, []
    driver = f"{failure}" + (f"; the driver said: {'; '.join(dict.fromkeys(said))}" if said else "")
    if isinstance(failure, pyogrio.errors.DataLayerError) and layer is not None:
        available = _list_layers(path)
        return None, [
            Problem(
                f"the file has no layer '{layer}' ({driver}); layers in the file: {available}",
                file=str(path),
                layer=name,
                kind=LayerNotFoundError,
            )
        ]
    return None, [
        Problem(
            f"the file cannot be read: it is corrupt, truncated, empty or not a vector format ({driver}); "
            "export it again from the GIS it came from",
            file=str(path),
            layer=name,
            kind=LayerError,
        )
    ]


def _nul_problem(path: Path, name: str) -> Problem | None:
    """A NUL character in a GeoJSON file: GDAL would silently cut the text at it (two ids could collide)."""
    if path.suffix.lower() not in (".geojson", ".json") or path.stat().st_size > 512 * 1024**2:
        return None
    with open(path, "rb") as fh:
        data = fh.read()
    if b"\\u0000" not in data and b"\x00" not in data:
        return None
    where = ""
    try:
        import json

        doc = json.loads(data.decode("utf-8"))
        hits = [
            f"feature {(f.get('properties') or {}).get(SCHEMAS[name].id_column, f'row {i}')!r}".replace("\x00", "\\0")
            + f", column '{k}'"
            for i, f in enumerate(doc.get("features", []))
            for k, v in (f.get("properties") or {}).items()
            if isinstance(v, str) and "\x00" in v
        ]
        where = f" ({'; '.join(hits[:5])})" if hits else ""
    except (ValueError, AttributeError, TypeError):
        pass
    return Problem(
        f"the file holds a NUL character (\\u0000){where}; GDAL cuts text at it, so ids and names would be "
        "silently shortened (and could collide). Remove it",
        file=str(path),
        layer=name,
    )


def _list_layers(path: Path) -> str:
    try:
        return ", ".join(str(row[0]) for row in pyogrio.list_layers(path)) or "none"
    except Exception:  # noqa: BLE001 - only used to enrich a message
        return "unknown"


def _read_services(path: Path) -> tuple[pd.DataFrame | None, list[Problem]]:
    if path.suffix == ".csv":
        try:
            return pd.read_csv(path, dtype={"service_id": str, "station_id": str, "route": str}), []
        except (OSError, pd.errors.ParserError, UnicodeDecodeError) as exc:
            return None, [Problem(f"the table cannot be read ({exc})", file=str(path), layer="rail_services")]
    from tillvaxt_geo.data import gtfs_services as gtfs  # GTFS feed: directory or zip

    return gtfs.read_services(path), []


def _prepare_geometry_layer(
    frame: gpd.GeoDataFrame,
    name: str,
    *,
    file: str,
    crs: CRS,
    repair: bool,
) -> tuple[gpd.GeoDataFrame, list[Problem], list[str]]:
    schema = SCHEMAS[name]
    problems: list[Problem] = []
    notes: list[str] = []
    if frame.crs is None:
        hint = " (a Shapefile needs its .prj file beside it)" if file.endswith(".shp") else ""
        problems.append(
            Problem(
                f"the layer has no CRS{hint}; tillvaxt_geo never assumes one. Set it in the file, "
                f"e.g. with `ogr2ogr -a_srs EPSG:3006 out.gpkg in.shp` or GeoDataFrame.set_crs",
                file=file,
                layer=name,
                kind=CRSError,
            )
        )
    if repair and len(frame) and "geometry" in frame.columns:
        geoms = frame.geometry.array
        invalid = ~shapely.is_valid(geoms) & ~shapely.is_missing(geoms)
        if invalid.any():
            labels = feature_labels(frame, schema)
            frame = frame.copy()
            fixed = shapely.make_valid(geoms[invalid])
            allowed = schema.geometry_types or frozenset()
            if "Polygon" in allowed:
                fixed = [_polygonal(g) for g in fixed]
            frame.loc[invalid, "geometry"] = fixed
            for label, before, after in zip(labels[invalid], geoms[invalid], fixed, strict=True):
                notes.append(
                    f"{name} {label}: repaired invalid geometry ({shapely.is_valid_reason(before)}) "
                    f"with make_valid; area {before.area:.1f} -> {after.area:.1f} (CRS units)"
                )
    frame, found = check_frame(frame, schema, file=file)
    problems += found
    if frame.crs is not None and not any(p.column == "geometry" for p in found):
        problems += check_area_of_use(frame, source_crs=CRS(frame.crs), working_crs=crs, schema=schema, file=file)
    if frame.crs is not None and not problems:
        if not CRS(frame.crs).equals(crs):
            notes.append(f"{name}: reprojected from {CRS(frame.crs).to_string()} to {crs.to_string()}")
        frame = frame.to_crs(crs)
    return frame, problems, notes


def _polygonal(geom: shapely.Geometry) -> shapely.Geometry:
    """Keep the polygonal part of a make_valid result (it may add lines or points)."""
    if geom.geom_type in ("Polygon", "MultiPolygon"):
        return geom
    parts = [g for g in getattr(geom, "geoms", [geom]) if g.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts) if parts else geom


def load_layers(
    path: str | os.PathLike[str] | None = None,
    *,
    overrides: Mapping[str, str | os.PathLike[str]] | None = None,
    crs: str | int | CRS | None = None,
    repair: bool = False,
) -> Layers:
    """Read, validate and reproject a layer set.

    Parameters
    ----------
    path
        A directory of layer files, a GeoPackage with layers named after the
        layers, or ``None`` for the embedded Ludvika–Smedjebacken region.
    overrides
        Layer name to a file replacing that layer (a GeoPackage may hold it
        as a layer of the same name or as its only layer).
    crs
        Working CRS, projected and in metres; default SWEREF 99 TM (EPSG:3006).
    repair
        Repair invalid geometries with :func:`shapely.make_valid` instead of
        reporting them; what changed is listed in ``Layers.notes``.

    Returns
    -------
    Layers
        Every layer found, validated and in the working CRS.

    Raises
    ------
    LayerNotFoundError
        The path does not exist, or holds none of the layers.
    SchemaError, CRSError, LayerError
        One error listing every problem found in the set.
    """
    target = working_crs(crs)
    root = embedded_path() if path is None or str(path) == EMBEDDED else Path(path)
    overrides = dict(overrides or {})
    unknown = sorted(set(overrides) - set(LAYER_NAMES))
    if unknown:
        raise ConfigError(f"unknown layer override(s) {', '.join(unknown)}; valid layers: {', '.join(LAYER_NAMES)}")
    if not root.exists() and not os.path.islink(root):
        raise LayerNotFoundError(f"layer set {root} does not exist; give a directory of layer files or a GeoPackage")
    trouble = input_file_problem(root, directory_ok=True)
    if trouble is not None:
        raise LayerError(f"layer set {root} {trouble}")

    locations: dict[str, tuple[Path, str | None]] = {}
    if root.is_dir():
        for name in LAYER_NAMES:
            located = _find_in_directory(root, name)
            if located is not None:
                locations[name] = (located, None)
    else:
        available = {str(row[0]) for row in _safe_list_layers(root)}
        for name in LAYER_NAMES:
            if name in available:
                locations[name] = (root, name)
    for name, override in overrides.items():
        p = Path(override)
        layer = None
        if p.suffix == ".gpkg" and input_file_problem(p) is None:
            names = [str(r[0]) for r in _safe_list_layers(p)]
            # the layer of the same name, else the only layer; several others: report them
            layer = name if name in names or len(names) != 1 else names[0]
        locations[name] = (p, layer)
    if not locations:
        raise LayerNotFoundError(
            f"no layers found in {root}; expected files named after the layers "
            f"({', '.join(f'{n}.geojson' for n in GEOMETRY_LAYERS)}, gtfs/ or rail_services.csv) "
            "or a GeoPackage with layers of those names"
        )

    frames: dict[str, object] = {}
    problems: list[Problem] = []
    notes: list[str] = []
    sources: dict[str, str] = {}
    hashes: dict[str, str] = {}
    for name, (file_path, layer) in locations.items():
        file = str(file_path)
        found = _input_problems(file_path, name)
        if found:
            problems += found
            continue
        sources[name] = file
        hashes[name] = file_sha256(file_path)
        if name == "rail_services":
            table, found = _read_services(file_path)
            problems += found
            if table is not None:
                table, found = check_frame(table, SCHEMAS[name], file=file)
                problems += found
                frames[name] = table
            continue
        frame, found = _read_vector(file_path, name, layer=layer)
        problems += found
        if frame is None:
            continue
        frame, found, changed = _prepare_geometry_layer(frame, name, file=file, crs=target, repair=repair)
        problems += found
        notes += changed
        frames[name] = frame
    problems += _cross_layer_problems(frames, sources)
    raise_problems(problems, what=f"layer set {root}")
    for name, frame in frames.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frames[name] = _tidy(frame, name)
    return Layers(
        **frames,  # type: ignore[arg-type]
        crs=target,
        sources=sources,
        hashes=hashes,
        notes=tuple(notes),
    )


def _input_problems(path: Path, name: str) -> list[Problem]:
    """A layer's file (or feed folder and its files) checked before anything opens or hashes it."""
    trouble = input_file_problem(path, directory_ok=name == "rail_services")
    if trouble is not None:
        kind = LayerNotFoundError if trouble.startswith("does not exist") else LayerError
        return [Problem(f"the path {trouble}", file=str(path), layer=name, kind=kind)]
    if not path.is_dir():
        return []
    found = []
    for member in sorted(path.iterdir()):
        trouble = input_file_problem(member)
        if trouble is not None:
            found.append(
                Problem(f"the feed's file {member.name} {trouble}", file=str(member), layer=name, kind=LayerError)
            )
    return found


def _safe_list_layers(path: Path) -> list[tuple[str, str]]:
    try:
        return [tuple(r) for r in pyogrio.list_layers(path)]  # type: ignore[misc]
    except pyogrio.errors.DataSourceError as exc:
        raise LayerNotFoundError(f"{path} cannot be opened as a GeoPackage or vector file ({exc})") from exc


def _tidy(frame: gpd.GeoDataFrame, name: str) -> gpd.GeoDataFrame:
    """Index by id, declared columns first, extra columns kept after them."""
    schema = SCHEMAS[name]
    ordered = [c for c in schema.column_names if c in frame.columns]
    extra = [c for c in frame.columns if c not in ordered and c != "geometry"]
    out = frame[ordered + extra + ["geometry"]].copy()
    out.index = pd.Index(out[schema.id_column].astype(str).to_numpy(), name=None)
    return out


def _cross_layer_problems(frames: Mapping[str, object], sources: Mapping[str, str]) -> list[Problem]:
    """Problems between layers: services naming stations that do not exist."""
    services = frames.get("rail_services")
    stations = frames.get("rail_stations")
    if not isinstance(services, pd.DataFrame) or not isinstance(stations, pd.DataFrame):
        return []
    if "station_id" not in services.columns or "station_id" not in stations.columns:
        return []
    known = set(stations["station_id"].astype(str))
    missing = sorted(set(services["station_id"].dropna().astype(str)) - known)
    if not missing:
        return []
    return [
        Problem(
            f"services stop at stations that are not in rail_stations: {', '.join(missing[:10])}; "
            "add the stations or correct the stop ids",
            file=sources.get("rail_services"),
            layer="rail_services",
            column="station_id",
        )
    ]


def local_zones(zones: pd.DataFrame, study_area: Sequence[str] | None = None) -> np.ndarray:
    """Which zones are local: not an external hub and, given a study area, in one of its municipalities.

    The one definition of "living locally": the scenario run passes its
    ``study_area`` and stores the result as the zones' ``local`` column; maps of
    a plain layer set (no scenario) leave out the external hubs only.

    Parameters
    ----------
    zones
        The zones layer (``municipality``; ``kind`` where present).
    study_area
        Municipality names, or ``None`` for every municipality.

    Returns
    -------
    numpy.ndarray
        One boolean per zone.
    """
    local = np.ones(len(zones), dtype=bool)
    if study_area is not None:
        local &= np.array(zones["municipality"].isin(list(study_area)), dtype=bool)
    if "kind" in zones.columns:
        local &= np.array(zones["kind"].astype(str) != "external", dtype=bool)
    return local
