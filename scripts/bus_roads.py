"""Local road centrelines derived from Dalatrafik bus-route shapes (used by ``author_region.py``).

Reads the Dalatrafik GeoPackages of the facts sheet (``../shared/region/dalatrafik/``, EPSG:3006) and
turns the many route shapes that trace one road, in both directions, into one centreline per road:

1. Every bus shape (TiB trains left out) is cut into pieces of ``CHUNK_M``; shapes are taken in a fixed
   order (most weekday departures first, then shape id) so the result is deterministic.
2. Greedy conflation: a piece adds only its parts farther than ``SAME_ROAD_M`` from the roads already
   accepted (the other direction of a road runs a few metres beside it). Added parts shorter than
   ``MIN_PART_M`` are the two sides of a roundabout or a bus bay and are dropped. The ends of an added
   part are joined to the nearest point of the accepted road (a real junction) when that is within
   ``JOIN_M``.
3. The accepted parts are split at every junction point and merged into edges between junctions
   (networkx), dead-end spurs shorter than ``SPUR_M`` (turning loops, stands at a terminus) are pruned,
   and each edge is simplified with ``SIMPLIFY_M`` tolerance.

The lengths of the edges are the lengths along the bus shapes (simplification takes off < 0.5 %).
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import networkx as nx
import numpy as np
import pandas as pd
import pyogrio
import shapely
from pyproj import Transformer
from shapely.geometry import LineString, Point
from shapely.ops import substring

GPKG_FILES = ("Kollektivtrafik_Ludvika.gpkg", "Kollektivtrafik_Smedjebacken.gpkg")
SHAPE_LAYER = "linjer"
STOP_LAYER = "hallplatslagen"
SHAPE_COLUMNS = ("shape_id", "linjenummer", "klassificering", "genomsnitt_veckodag_avgangar")
STOP_COLUMNS = ("stop_id", "stop_name", "parent_station", "genomsnitt_veckodag_avgangar", "linjer")
CRS = "EPSG:3006"

CHUNK_M = 400.0  # shapes are conflated piece by piece (an out-and-back shape overlaps itself)
SAME_ROAD_M = 35.0  # [E] two traces closer than this are the same road (directions, bus bays)
MIN_PART_M = 120.0  # [E] shorter new parts are roundabout sides and bus bays, not roads
JOIN_M = 80.0  # [E] a new part's end within this of an accepted road joins it there
COMPONENT_LINK_M = 400.0  # [E] longest straight link that joins a separate piece of bus road
GAP_M = 250.0  # [E] a dead end this close to a road the network reaches only the long way round is joined
SPUR_M = 400.0  # [E] dead ends shorter than this are turning loops / stands, pruned
SIMPLIFY_M = 4.0  # [E] Douglas–Peucker tolerance of the layer


class InputError(ValueError):
    """A shared input file, layer or column is missing or changed."""


@dataclass(frozen=True)
class Dalatrafik:
    """Bus shapes and stops of the study area, EPSG:3006."""

    shapes: gpd.GeoDataFrame
    stops: gpd.GeoDataFrame


def read_dalatrafik(directory: Path) -> Dalatrafik:
    """Read and validate the two GeoPackages; collect every problem, then raise once."""
    problems: list[str] = []
    shapes, stops = [], []
    for name in GPKG_FILES:
        path = directory / name
        if not path.is_file():
            problems.append(f"{path}: file not found (see ../shared/region/dalatrafik/README.md)")
            continue
        layers = {str(row[0]) for row in pyogrio.list_layers(path)}
        for layer, columns, out in ((SHAPE_LAYER, SHAPE_COLUMNS, shapes), (STOP_LAYER, STOP_COLUMNS, stops)):
            if layer not in layers:
                problems.append(f"{path}: layer {layer!r} missing (found {sorted(layers)})")
                continue
            frame = gpd.read_file(path, layer=layer)
            missing = [c for c in columns if c not in frame.columns]
            if missing:
                problems.append(f"{path} layer {layer!r}: columns {missing} missing (found {list(frame.columns)})")
                continue
            if frame.crs is None or frame.crs.to_epsg() != 3006:
                problems.append(f"{path} layer {layer!r}: CRS {frame.crs} (expected EPSG:3006)")
                continue
            out.append(frame)
    if problems:
        raise InputError("cannot author the bus roads:\n  " + "\n  ".join(problems))
    shape_frame = pd.concat(shapes, ignore_index=True).drop_duplicates("shape_id")
    stop_frame = pd.concat(stops, ignore_index=True).drop_duplicates("stop_id")
    shape_frame = shape_frame.sort_values("shape_id").reset_index(drop=True)
    stop_frame = stop_frame.sort_values("stop_id").reset_index(drop=True)
    return Dalatrafik(gpd.GeoDataFrame(shape_frame, crs=CRS), gpd.GeoDataFrame(stop_frame, crs=CRS))


def bus_shapes(data: Dalatrafik) -> gpd.GeoDataFrame:
    """Bus shapes only (trains out), in the conflation order."""
    s = data.shapes
    s = s[s["linjenummer"].astype(str).str.fullmatch(r"\d+")].copy()
    s["departures"] = s["genomsnitt_veckodag_avgangar"].astype(float)
    s["length_m"] = s.length
    return s.sort_values(["departures", "length_m", "shape_id"], ascending=[False, True, True]).reset_index(drop=True)


def _chunks(line: LineString) -> list[LineString]:
    n = max(1, int(np.ceil(line.length / CHUNK_M)))
    step = line.length / n
    return [substring(line, i * step, (i + 1) * step) for i in range(n)]


def _parts(geom: shapely.Geometry) -> list[LineString]:
    if geom.is_empty:
        return []
    if isinstance(geom, LineString):
        return [geom]
    return [g for g in getattr(geom, "geoms", []) if isinstance(g, LineString) and not g.is_empty]


def conflate(lines: list[LineString]) -> tuple[list[LineString], list[tuple[int, float, Point]]]:
    """Greedy conflation; returns accepted parts and the junctions (part index, distance along, point)."""
    accepted: list[LineString] = []
    joins: list[tuple[int, float, Point]] = []
    tree = shapely.STRtree([])
    built = 0
    for line in lines:
        for chunk in _chunks(line):
            if built != len(accepted):
                tree = shapely.STRtree(accepted)
                built = len(accepted)
            near = tree.query(chunk, predicate="dwithin", distance=SAME_ROAD_M) if accepted else []
            if len(near):
                cover = shapely.union_all([accepted[i].buffer(SAME_ROAD_M, quad_segs=4) for i in sorted(near)])
                rest = shapely.line_merge(chunk.difference(cover))
            else:
                rest = chunk
            for part in _parts(rest):
                ends_near = [  # an end cut by an accepted road's buffer (not the end of the chunk)
                    bool(accepted)
                    and len(tree.query(Point(part.coords[e]), predicate="dwithin", distance=SAME_ROAD_M + 1.0)) > 0
                    for e in (0, -1)
                ]
                if part.length < MIN_PART_M and all(ends_near):
                    continue  # a roundabout side or a bus bay between two points of an accepted road
                new_coords = list(part.coords)
                for end in (0, -1):
                    p = Point(new_coords[end])
                    cand = tree.query(p, predicate="dwithin", distance=JOIN_M) if accepted else []
                    if not len(cand):
                        continue
                    best = min(sorted(cand), key=lambda i: accepted[i].distance(p))
                    d = accepted[best].project(p)
                    q = accepted[best].interpolate(d)
                    if q.distance(p) > JOIN_M:
                        continue
                    joins.append((best, d, q))
                    if end == 0:
                        new_coords.insert(0, (q.x, q.y))
                    else:
                        new_coords.append((q.x, q.y))
                accepted.append(LineString(new_coords))
    return accepted, joins


def _key(xy: tuple[float, float]) -> tuple[float, float]:
    return (round(xy[0], 2), round(xy[1], 2))


def centreline_graph(parts: list[LineString], joins: list[tuple[int, float, Point]]) -> nx.MultiGraph:
    """Split parts at their junctions and return a graph of segments keyed by rounded coordinates.

    Junctions closer than a metre along one part are one junction (the two directions of a side road join
    the main road at almost the same point).
    """
    by_part: dict[int, list[float]] = {}
    for i, d, _ in joins:
        by_part.setdefault(i, []).append(d)
    cuts: dict[int, list[float]] = {}
    alias: dict[tuple[float, float], tuple[float, float]] = {}
    for i, ds in by_part.items():
        line = parts[i]
        reps: list[float] = []
        for d in sorted(ds):
            rep = d if not reps or d - reps[-1] >= 1.0 else reps[-1]
            if rep == d:
                reps.append(d)
            if rep <= 0.5:
                target = line.coords[0]
            elif rep >= line.length - 0.5:
                target = line.coords[-1]
            else:
                q = line.interpolate(rep)
                target = (q.x, q.y)
            q = line.interpolate(d)
            alias[_key((q.x, q.y))] = _key(target)
        cuts[i] = [d for d in reps if 0.5 < d < line.length - 0.5]
    g = nx.MultiGraph()
    for i, part in enumerate(parts):
        ds = [0.0, *cuts.get(i, ()), part.length]
        for a, b in itertools.pairwise(ds):
            piece = substring(part, a, b)
            coords = [_key(c) for c in piece.coords]
            coords[0] = alias.get(coords[0], coords[0])
            coords[-1] = alias.get(coords[-1], coords[-1])
            u, v = coords[0], coords[-1]
            if u == v and len(coords) < 4:
                continue
            g.add_edge(u, v, coords=coords)
    return g


def connect_components(g: nx.MultiGraph) -> None:
    """Join each smaller component to the largest by a straight link from a dead end to the nearest vertex.

    Where a bus leaves the road the others use with a wider gap than ``JOIN_M`` (a long bus bay at a
    junction), its part is not joined in ``conflate``; the link is at most ``COMPONENT_LINK_M`` long.
    """
    while nx.number_connected_components(g) > 1:
        comps = sorted(nx.connected_components(g), key=lambda c: (-len(c), min(c)))
        main, rest = comps[0], comps[1:]
        vertices: list[tuple[tuple[float, float], tuple]] = []
        for u, v, k, data in g.edges(keys=True, data=True):
            if u in main:
                vertices += [(c, (u, v, k, j)) for j, c in enumerate(data["coords"])]
        tree = shapely.STRtree([Point(c) for c, _ in vertices])
        best = None
        for comp in rest:
            for n in sorted(comp):
                if g.degree(n) > 1:
                    continue
                j = int(tree.nearest(Point(n)))
                dist = Point(n).distance(Point(vertices[j][0]))
                if best is None or dist < best[0]:
                    best = (dist, n, j)
        if best is None or best[0] > COMPONENT_LINK_M:
            return
        _, n, j = best
        target, (u, v, k, idx) = vertices[j]
        coords = g.edges[u, v, k]["coords"]
        if 0 < idx < len(coords) - 1:
            g.remove_edge(u, v, k)
            g.add_edge(coords[0], target, coords=coords[: idx + 1])
            g.add_edge(target, coords[-1], coords=coords[idx:])
        g.add_edge(n, target, coords=[n, target])


def close_gaps(g: nx.MultiGraph) -> None:
    """Link a dead end to a road vertex within ``GAP_M`` that the network reaches only by a long way round.

    A bus that turns off at a junction with a wide gap between the traces, or whose short part was left out
    as a bus bay, leaves a dead end a few hundred metres from the road it continues on.
    """

    def length(coords: list) -> float:
        return float(LineString(coords).length)

    for _u, _v, _k, data in g.edges(keys=True, data=True):
        data["length"] = length(data["coords"])
    index: list = []
    tree = None
    for n in sorted(x for x in g.nodes if g.degree(x) == 1):
        if g.degree(n) != 1:
            continue
        if tree is None:
            index = []
            for u, v, k, data in sorted(g.edges(keys=True, data=True), key=lambda e: (e[0], e[1], e[2])):
                cs = np.asarray(data["coords"])
                along = np.concatenate([[0.0], np.cumsum(np.hypot(*np.diff(cs, axis=0).T))])
                index += [
                    (tuple(c), (u, v, k), j, float(a))
                    for j, (c, a) in enumerate(zip(data["coords"], along, strict=True))
                ]
            tree = shapely.STRtree([Point(c) for c, *_ in index])
        near = tree.query(Point(n), predicate="dwithin", distance=GAP_M)
        if not len(near):
            continue
        vertices = sorted((Point(n).distance(Point(index[i][0])), i) for i in near)
        reach = nx.single_source_dijkstra_path_length(g, n, cutoff=4 * GAP_M + 400, weight="length")
        for d, i in vertices:
            c, (u, v, k), j, along = index[i]
            total = g.edges[u, v, k]["length"]
            via = min(reach.get(u, np.inf) + along, reach.get(v, np.inf) + total - along)
            if via <= 3 * d + 200:
                continue
            coords = g.edges[u, v, k]["coords"]
            if 0 < j < len(coords) - 1:
                g.remove_edge(u, v, k)
                g.add_edge(coords[0], c, coords=coords[: j + 1], length=length(coords[: j + 1]))
                g.add_edge(c, coords[-1], coords=coords[j:], length=length(coords[j:]))
            g.add_edge(n, c, coords=[n, c], length=d)
            tree = None
            break


def merge_chains(g: nx.MultiGraph) -> list[LineString]:
    """Edges between junctions and dead ends (merging chains of degree-2 nodes)."""
    lines = [LineString(data["coords"]) for _, _, data in g.edges(data=True)]
    merged = shapely.line_merge(shapely.union_all(lines))
    return sorted(_parts(merged), key=lambda ln: (ln.coords[0], ln.length))


def prune_spurs(lines: list[LineString], keep: list[Point]) -> list[LineString]:
    """Drop dead-end lines shorter than SPUR_M (repeatedly), unless a kept point is nearest to them."""
    lines = list(lines)
    while True:
        degree: dict[tuple[float, float], int] = {}
        for ln in lines:
            for c in (ln.coords[0], ln.coords[-1]):
                degree[_key(c)] = degree.get(_key(c), 0) + 1
        drop = set()
        for idx, ln in enumerate(lines):
            ends = [degree[_key(ln.coords[0])], degree[_key(ln.coords[-1])]]
            if ln.length < SPUR_M and min(ends) == 1 and max(ends) > 1:
                if any(ln.distance(p) < 50 for p in keep):
                    continue
                drop.add(idx)
        if not drop:
            return lines
        lines = [ln for i, ln in enumerate(lines) if i not in drop]
        lines = _parts(shapely.line_merge(shapely.union_all(lines)))
        lines = sorted(lines, key=lambda ln: (ln.coords[0], ln.length))


def derive_centrelines(data: Dalatrafik, *, keep: list[Point] = ()) -> list[LineString]:
    """The bus-road network of the study area: LineStrings in EPSG:3006 meeting at shared vertices."""
    shapes = bus_shapes(data)
    parts, joins = conflate(list(shapes.geometry))
    g = centreline_graph(parts, joins)
    connect_components(g)
    close_gaps(g)
    lines = merge_chains(g)
    lines = prune_spurs(lines, list(keep))
    return [shapely.simplify(ln, SIMPLIFY_M) for ln in lines]


# ---------------------------------------------------------------------------
# Assembly: refs, speeds, junctions with the corridors kept from the estimated layer
# ---------------------------------------------------------------------------

TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
CORRIDOR_JOIN_M = 2500.0  # [E] a kept corridor's end within this of a bus road joins it (straight link)
WAYPOINT_SNAP_M = 400.0  # a ref course's waypoint farther than this from every bus road is an input error


@dataclass(frozen=True)
class Course:
    """A numbered road's course through the bus-road network: waypoints (lat, lon) in order."""

    key: str
    ref: str
    road_class: str
    name: str
    rural_kmh: float
    source: str
    waypoints: tuple[tuple[float, float], ...]


@dataclass(frozen=True)
class Place:
    """A town or village whose stretch of road is driven slower: centre (lat, lon), radius, speeds."""

    name: str
    lat: float
    lon: float
    radius_m: float
    kmh_numbered: float
    kmh_local: float


def _xy(lat: float, lon: float) -> tuple[float, float]:
    return TO_SWEREF.transform(lon, lat)


def _cut(line: LineString, distances: set[float]) -> list[LineString]:
    ds = sorted({0.0, line.length, *(d for d in distances if 0.5 < d < line.length - 0.5)})
    return [substring(line, a, b) for a, b in itertools.pairwise(ds)]


def assemble(
    bus_lines: list[LineString],
    kept_ends: list[tuple[float, float]],
    courses: list[Course],
    places: list[Place],
    stops: gpd.GeoDataFrame,
) -> tuple[list[dict], list[tuple[LineString, tuple[float, float]]]]:
    """Bus roads with ref, class, speed and source; and the links that join the kept corridors.

    ``kept_ends`` are the end points (EPSG:3006 x, y) of the corridors kept from the estimated layer. Returns
    feature property dicts with a ``geometry`` LineString (EPSG:3006), and (link, corridor end) pairs.
    """
    tree = shapely.STRtree(bus_lines)
    cuts: dict[int, set[float]] = {}

    def split_at(x: float, y: float, limit: float) -> tuple[float, float] | None:
        p = Point(x, y)
        i = int(tree.nearest(p))
        if bus_lines[i].distance(p) > limit:
            return None
        line = bus_lines[i]
        d = line.project(p)
        if d <= 0.5:
            return line.coords[0]
        if d >= line.length - 0.5:
            return line.coords[-1]
        cuts.setdefault(i, set()).add(d)
        q = line.interpolate(d)
        return (q.x, q.y)

    links = []
    for end in sorted(set(kept_ends)):
        q = split_at(*end, CORRIDOR_JOIN_M)
        if q is not None:
            links.append((LineString([end, q]), end))
    problems = []
    course_nodes: dict[str, list[tuple[float, float]]] = {}
    for c in courses:
        nodes = []
        for lat, lon in c.waypoints:
            q = split_at(*_xy(lat, lon), WAYPOINT_SNAP_M)
            if q is None:
                problems.append(
                    f"{c.name}: waypoint ({lat}, {lon}) is more than {WAYPOINT_SNAP_M:g} m from any bus road"
                )
            else:
                nodes.append(_key(q))
        course_nodes[c.key] = nodes
    if problems:
        raise InputError("cannot place the numbered roads on the bus roads:\n  " + "\n  ".join(problems))
    pieces: list[LineString] = []
    for i, line in enumerate(bus_lines):
        pieces += _cut(line, cuts.get(i, set()))
    g = nx.Graph()
    for idx, piece in enumerate(pieces):
        u, v = _key(piece.coords[0]), _key(piece.coords[-1])
        if g.has_edge(u, v) and g.edges[u, v]["length"] <= piece.length:
            continue
        g.add_edge(u, v, length=piece.length, idx=idx)
    course_of: dict[int, Course] = {}
    for c in courses:
        nodes = course_nodes[c.key]
        for a, b in itertools.pairwise(nodes):
            path = nx.shortest_path(g, a, b, weight="length")
            for u, v in itertools.pairwise(path):
                course_of.setdefault(g.edges[u, v]["idx"], c)
    circles = [(p, Point(*_xy(p.lat, p.lon)).buffer(p.radius_m, quad_segs=16)) for p in places]
    stop_pts = stops.geometry
    stop_tree = shapely.STRtree(list(stop_pts))
    feats = []
    for idx, piece in enumerate(pieces):
        c = course_of.get(idx)
        hours = 0.0
        through = []
        rest = piece
        for place, circle in circles:
            inside = rest.intersection(circle).length
            if inside > 1.0:
                kmh = place.kmh_numbered if c is not None else place.kmh_local
                hours += inside / 1000.0 / kmh
                rest = rest.difference(circle)
                through.append(f"{place.name} {inside / 1000:.1f} km at {kmh:g}")
        rural_kmh = c.rural_kmh if c is not None else LOCAL_KMH
        hours += rest.length / 1000.0 / rural_kmh
        speed = round(piece.length / 1000.0 / hours, 1)
        urban_share = 1.0 - rest.length / piece.length
        if c is not None:
            ref, cls, name = c.ref, c.road_class, c.name
            src = c.source
        else:
            mid = piece.interpolate(0.5, normalized=True)
            stop = stops.iloc[int(stop_tree.nearest(mid))]["stop_name"]
            ref, cls = "", ("urban" if urban_share > 0.5 else "local")
            name = f"Väg vid {stop}"
            src = f"road traced by Dalatrafik buses [D]; rural speed {LOCAL_KMH:g} (FACTS §5.2 local roads 70 [E])"
        if through:
            src += (
                "; speed: length-weighted over " + ", ".join(through) + " (FACTS §5.2 urban 40–50, villages 50–60 [E])"
            )
        src += f"; {SOURCE_NOTE}"
        feats.append(dict(ref=ref, road_class=cls, speed_kmh=speed, name=name, source=src, geometry=piece))
    return feats, links


LOCAL_KMH = 70.0  # FACTS §5.2 suggested default for local roads [E]
SOURCE_NOTE = (
    "geometry: centreline of the Dalatrafik route shapes (Dalatrafik GTFS via Region Dalarna's GIS files (CC0), "
    "2025-05-27), derived by scripts/bus_roads.py"
)


def to_lonlat(line: LineString) -> list[tuple[float, float]]:
    xs, ys = np.asarray(line.coords).T
    lon, lat = TO_WGS84.transform(xs, ys)
    out: list[tuple[float, float]] = []
    for a, b in zip(lon, lat, strict=True):
        p = (round(float(a), 6), round(float(b), 6))
        if not out or out[-1] != p:
            out.append(p)
    return out
