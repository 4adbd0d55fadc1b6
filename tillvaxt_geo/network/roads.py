"""Road geometry to graph: shared vertices become nodes, long segments are split, nodes get spatial order.

Used by :mod:`tillvaxt_geo.network.build`; see its docstring for the rules.
"""

from __future__ import annotations

from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from tillvaxt_geo.data.schemas import MAX_VERTICES_PER_FEATURE
from tillvaxt_geo.errors import ConfigError, NetworkError
from tillvaxt_geo.naming import listed

__all__ = ["NODE_PRECISION_M", "RoadGraph", "road_edges", "road_graph"]

NODE_PRECISION_M = 0.01
#: most edges the densification may create: 50 million pieces of 250 m is 12.5 million km of road,
#: more than the world has; a larger request means wrong coordinates and would exhaust memory
MAX_DENSIFIED_EDGES = 50_000_000


@dataclass(frozen=True)
class RoadGraph:
    """Road nodes (coordinates) and segments between them, with per-road speed and oneway."""

    xy: np.ndarray  # (n, 2) node coordinates
    seg_tail: np.ndarray
    seg_head: np.ndarray
    seg_length_m: np.ndarray
    seg_road: np.ndarray  # index into road_ids
    road_ids: np.ndarray  # object array of str
    speed_kmh: np.ndarray  # per road
    oneway: np.ndarray  # per road, bool


def _as_bool(values: pd.Series) -> np.ndarray:
    if pd.api.types.is_bool_dtype(values):
        return values.to_numpy(dtype=bool)
    text = values.astype(object).where(values.notna(), "false").astype(str).str.strip().str.lower()
    return text.isin(["true", "1", "1.0", "yes", "y", "t"]).to_numpy()


def _road_ids(roads: gpd.GeoDataFrame) -> np.ndarray:
    ids = roads["road_id"] if "road_id" in roads.columns else pd.Series(roads.index, index=roads.index)
    return ids.astype(str).to_numpy(dtype=object)


def road_graph(roads: gpd.GeoDataFrame, *, max_edge_m: float | None) -> RoadGraph:
    """Validate roads and split them into segments between (shared) vertices."""
    road_ids = _road_ids(roads)
    if "speed_kmh" not in roads.columns:
        raise NetworkError(
            "layer 'roads' has no column 'speed_kmh'; every road needs a travel speed in km/h "
            f"(roads: {listed(list(road_ids))})"
        )
    speed = pd.to_numeric(roads["speed_kmh"], errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(speed) | (speed <= 0)
    if bad.any():
        found = [
            f"'{r}' ({roads['speed_kmh'].iloc[i]!r})" for i, r in zip(np.flatnonzero(bad), road_ids[bad], strict=True)
        ]
        raise NetworkError(
            f"{int(bad.sum())} road(s) have a missing, zero, negative or non-numeric speed_kmh: {listed(found)}; "
            "give every road a speed > 0 km/h (a missing speed is never treated as 1, as networkx would)"
        )
    oneway = _as_bool(roads["oneway"]) if "oneway" in roads.columns else np.zeros(len(roads), dtype=bool)
    geoms = roads.geometry.to_numpy()
    types = shapely.get_type_id(geoms)
    line_types = (shapely.GeometryType.LINESTRING, shapely.GeometryType.MULTILINESTRING)
    bad_geom = shapely.is_missing(geoms) | shapely.is_empty(geoms) | ~np.isin(types, line_types)
    if bad_geom.any():
        raise NetworkError(
            f"{int(bad_geom.sum())} road(s) have a missing, empty or non-line geometry: "
            f"{listed([repr(r) for r in road_ids[bad_geom]])}; give each road a LineString"
        )
    vertices = shapely.get_num_coordinates(geoms)
    too_long = vertices > MAX_VERTICES_PER_FEATURE
    if too_long.any():
        raise NetworkError(
            f"road(s) {listed([repr(r) for r in road_ids[too_long]])} have up to {int(vertices.max()):,} vertices, "
            f"more than the {MAX_VERTICES_PER_FEATURE:,} allowed per feature; simplify them "
            "(shapely.simplify with 1 m, or ogr2ogr -simplify 1) or split them"
        )
    parts, part_road = shapely.get_parts(geoms, return_index=True)
    coords, part_of = shapely.get_coordinates(parts, return_index=True)
    if not np.isfinite(coords).all():
        rows = np.unique(part_road[part_of[~np.isfinite(coords).all(axis=1)]])
        raise NetworkError(f"road(s) {listed([repr(r) for r in road_ids[rows]])} have NaN or infinite coordinates")
    # vertices -> nodes: equal after rounding to the precision
    q = np.round(coords / NODE_PRECISION_M).astype(np.int64)
    order = np.lexsort((q[:, 1], q[:, 0]))
    qs = q[order]
    new = np.ones(len(order), dtype=bool)
    new[1:] = (qs[1:] != qs[:-1]).any(axis=1)
    group = np.cumsum(new) - 1
    vertex_node = np.empty(len(order), dtype=np.int64)
    vertex_node[order] = group
    xy = coords[order[new]]
    # consecutive vertices of one part form a segment
    same = part_of[:-1] == part_of[1:] if len(part_of) > 1 else np.zeros(0, dtype=bool)
    s = np.flatnonzero(same)
    tail, head = vertex_node[s], vertex_node[s + 1]
    seg_road = part_road[part_of[s]]
    keep = tail != head
    tail, head, seg_road = tail[keep], head[keep], seg_road[keep]
    length = np.hypot(*(xy[head] - xy[tail]).T)
    if max_edge_m is not None and len(length):
        xy, tail, head, length, seg_road = _densify(xy, tail, head, length, seg_road, max_edge_m)
    # renumber nodes in spatial (Z-order) order: faster searches on large graphs
    perm = _zorder(xy)
    rank = np.empty(len(perm), dtype=np.int64)
    rank[perm] = np.arange(len(perm))
    return RoadGraph(
        xy=xy[perm],
        seg_tail=rank[tail],
        seg_head=rank[head],
        seg_length_m=length,
        seg_road=seg_road.astype(np.int64),
        road_ids=road_ids,
        speed_kmh=speed,
        oneway=oneway,
    )


def _densify(
    xy: np.ndarray, tail: np.ndarray, head: np.ndarray, length: np.ndarray, road: np.ndarray, max_edge_m: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split segments longer than ``max_edge_m`` into equal pieces with private nodes."""
    if max_edge_m <= 0 or not np.isfinite(max_edge_m):
        raise ConfigError(f"max_edge_m must be a positive number of metres or None, got {max_edge_m!r}")
    pieces = np.maximum(np.ceil(length / max_edge_m), 1)
    if pieces.sum() > MAX_DENSIFIED_EDGES:
        raise NetworkError(
            f"splitting the roads into pieces of at most {max_edge_m:g} m would make {pieces.sum():,.0f} edges, "
            f"more than {MAX_DENSIFIED_EDGES:,} (the longest segment is {length.max() / 1000:,.0f} km); check the "
            "roads' coordinates and CRS, or build with a larger max_edge_m"
        )
    pieces = pieces.astype(np.int64)
    long = pieces > 1
    if not long.any():
        return xy, tail, head, length, road
    seg = np.flatnonzero(long)
    n_pieces = pieces[seg]
    inner = n_pieces - 1  # new nodes per long segment
    first_new = len(xy) + np.cumsum(inner) - inner
    owner = np.repeat(seg, inner)
    j = np.arange(owner.size) - np.repeat(first_new - len(xy), inner) + 1  # 1 .. pieces-1
    p0, p1 = xy[tail[owner]], xy[head[owner]]
    new_xy = p0 + (p1 - p0) * (j / pieces[owner])[:, None]
    # pieces of a long segment chain its nodes: tail -> new_1 -> ... -> new_{k-1} -> head
    piece_owner = np.repeat(seg, n_pieces)
    k = np.arange(piece_owner.size) - np.repeat(np.cumsum(n_pieces) - n_pieces, n_pieces)
    base = np.repeat(first_new, n_pieces)
    last = np.repeat(n_pieces - 1, n_pieces)
    chain_tail = np.where(k == 0, tail[piece_owner], base + k - 1)
    chain_head = np.where(k == last, head[piece_owner], base + k)
    tails = [tail[~long], chain_tail]
    heads = [head[~long], chain_head]
    lengths = [length[~long], length[piece_owner] / np.repeat(n_pieces, n_pieces)]
    roads = [road[~long], road[piece_owner]]
    return (
        np.vstack([xy, new_xy]),
        np.concatenate(tails),
        np.concatenate(heads),
        np.concatenate(lengths),
        np.concatenate(roads),
    )


def _zorder(xy: np.ndarray) -> np.ndarray:
    """Permutation sorting points along a Z-order (Morton) curve."""
    if len(xy) == 0:
        return np.zeros(0, dtype=np.int64)
    lo = xy.min(axis=0)
    span = max(float((xy.max(axis=0) - lo).max()), 1e-9)
    cells = ((xy - lo) / span * 65535).astype(np.uint64)

    def spread(v: np.ndarray) -> np.ndarray:
        v = (v | (v << np.uint64(8))) & np.uint64(0x00FF00FF)
        v = (v | (v << np.uint64(4))) & np.uint64(0x0F0F0F0F)
        v = (v | (v << np.uint64(2))) & np.uint64(0x33333333)
        return (v | (v << np.uint64(1))) & np.uint64(0x55555555)

    code = spread(cells[:, 0]) | (spread(cells[:, 1]) << np.uint64(1))
    return np.argsort(code, kind="stable")


def road_edges(rg: RoadGraph) -> dict[str, np.ndarray]:
    """Car edges: both directions unless the road is oneway."""
    one = rg.oneway[rg.seg_road]
    back = ~one
    tail = np.concatenate([rg.seg_tail, rg.seg_head[back]])
    head = np.concatenate([rg.seg_head, rg.seg_tail[back]])
    road = np.concatenate([rg.seg_road, rg.seg_road[back]])
    length = np.concatenate([rg.seg_length_m, rg.seg_length_m[back]])
    speed = rg.speed_kmh[road]
    return {
        "tail": tail,
        "head": head,
        "length_m": length,
        "speed_kmh": speed,
        "travel_time_s": length / (speed / 3.6),
        "road": road,
    }
