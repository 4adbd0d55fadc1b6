"""Benchmark: ``run_scenario`` on synthetic regions of 1 000, 5 000 and 20 000 zones — time and peak memory.

Run: ``python benchmarks/bench_zones.py`` (default sizes 1000,5000,20000),
``--sizes 1000,5000`` for others, ``--memory-gib 6`` for the cap on each run's
address space (``resource.setrlimit(RLIMIT_AS)``), ``--timeout-s`` for the
wall-clock limit of one size. Each size runs in a subprocess of its own, so a
size that runs out of memory or time is reported as such (with the error's
last line) and the next size still runs.

The synthetic region: a square grid of two-way roads at 1 km spacing (speeds
50–90 km/h, seeded), one point zone per grid cell centre (population, dwellings,
labour force and jobs drawn from a seeded distribution, two municipalities plus
a third outside the study area), three mine sites on the grid, and one housing
area per 50 zones. Zone × zone work (the fit to today's commuting) grows with
the square of the zone count; this script shows where that stops fitting.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

DEFAULT_SIZES = (1000, 5000, 20000)
X0, Y0 = 500_000.0, 6_650_000.0  # SWEREF 99 TM, central Sweden
SPACING_M = 1000.0


def build_region(n_zones: int, folder: Path, *, seed: int = 7) -> Path:
    """Write a synthetic layer set of about ``n_zones`` zones into ``folder``; return the folder."""
    import geopandas as gpd
    import numpy as np
    from shapely.geometry import LineString, Point, box

    rng = np.random.default_rng(seed)
    side = math.ceil(math.sqrt(n_zones))
    crs = "EPSG:3006"
    # roads: every grid line, split at every crossing (shared vertices become nodes)
    ids, geoms, speeds = [], [], []
    for i in range(side + 1):
        for j in range(side):
            for horizontal in (True, False):
                if horizontal:
                    a = (X0 + j * SPACING_M, Y0 + i * SPACING_M)
                    b = (X0 + (j + 1) * SPACING_M, Y0 + i * SPACING_M)
                else:
                    a = (X0 + i * SPACING_M, Y0 + j * SPACING_M)
                    b = (X0 + i * SPACING_M, Y0 + (j + 1) * SPACING_M)
                ids.append(f"r{len(ids)}")
                geoms.append(LineString([a, b]))
                speeds.append(float(rng.choice([50.0, 70.0, 90.0])))
    roads = gpd.GeoDataFrame(
        {"road_id": ids, "ref": "", "road_class": "local", "speed_kmh": speeds, "oneway": False},
        geometry=geoms,
        crs=crs,
    )
    cells = [(i, j) for i in range(side) for j in range(side)][:n_zones]
    population = rng.integers(50, 3000, size=len(cells))
    municipality = np.where(
        [i < side // 2 for i, _ in cells],
        "Ludvika",
        np.where([j < side // 2 for _, j in cells], "Smedjebacken", "Borlänge"),
    )
    zones = gpd.GeoDataFrame(
        {
            "zone_id": [f"z{k}" for k in range(len(cells))],
            "name": [f"Zone {k}" for k in range(len(cells))],
            "municipality": municipality,
            "population": population,
            "dwellings": (population / 2.1).astype(int),
            "vacant_dwellings": (population / 60).astype(int),
            "labour_force": (population * 0.46).astype(int),
            "jobs": (population * rng.uniform(0.2, 0.7, size=len(cells))).astype(int),
        },
        geometry=[Point(X0 + (j + 0.5) * SPACING_M, Y0 + (i + 0.5) * SPACING_M) for i, j in cells],
        crs=crs,
    )
    corners = [(0.25, 0.25), (0.5, 0.75), (0.75, 0.4)]
    sites = gpd.GeoDataFrame(
        {
            "site_id": ["m1", "m2", "m3"],
            "name": ["Norra", "Mellersta", "Södra"],
            "company": ["A AB", "B AB", "C AB"],
            "status": "permitted",
            "workers_construction_low": [200, 150, 100],
            "workers_construction_high": [400, 300, 200],
            "workers_operation_low": [300, 250, 150],
            "workers_operation_high": [500, 400, 250],
        },
        geometry=[Point(X0 + round(fx * side) * SPACING_M, Y0 + round(fy * side) * SPACING_M) for fx, fy in corners],
        crs=crs,
    )
    picks = rng.choice(len(cells), size=max(len(cells) // 50, 1), replace=False)
    housing = gpd.GeoDataFrame(
        {
            "housing_id": [f"h{k}" for k in range(len(picks))],
            "name": [f"Område {k}" for k in range(len(picks))],
            "municipality": municipality[picks],
            "capacity_dwellings": rng.integers(20, 300, size=len(picks)),
            "status": "adopted",
            "available_from": 2027,
        },
        geometry=[
            box(
                X0 + (cells[k][1] + 0.1) * SPACING_M,
                Y0 + (cells[k][0] + 0.1) * SPACING_M,
                X0 + (cells[k][1] + 0.4) * SPACING_M,
                Y0 + (cells[k][0] + 0.4) * SPACING_M,
            )
            for k in picks
        ],
        crs=crs,
    )
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("roads", roads), ("zones", zones), ("mine_sites", sites), ("housing_land", housing)):
        frame.to_file(folder / f"{name}.gpkg")
    return folder


def _child(n_zones: int, memory_gib: float) -> None:
    """One size, in its own process: build, load, run; print one JSON line."""
    if memory_gib > 0:
        cap = int(memory_gib * 1024**3)
        resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
    from tillvaxt_geo.data.layers import load_layers
    from tillvaxt_geo.scenario.config import parse_scenario
    from tillvaxt_geo.scenario.run import run_scenario

    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        folder = build_region(n_zones, Path(tmp) / "layers")
        build_s = time.perf_counter() - clock
        clock = time.perf_counter()
        layers = load_layers(folder)
        load_s = time.perf_counter() - clock
        scenario = parse_scenario({"name": "bench", "mines": {"open": ["m1", "m2"]}})
        clock = time.perf_counter()
        result = run_scenario(scenario, layers, isochrone_minutes=())
        run_s = time.perf_counter() - clock
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # kB on Linux
    timings = result.summary["provenance"].get("timings_s", {})
    print(
        json.dumps(
            {
                "zones": len(layers.zones),
                "roads": len(layers.roads),
                "build_s": build_s,
                "load_s": load_s,
                "run_s": run_s,
                "peak_rss_bytes": peak,
                "stages_s": timings,
                "workers_living_locally": result.summary.get("workers_living_locally"),
            }
        )
    )


def _measure(n_zones: int, *, memory_gib: float, timeout_s: float) -> dict[str, object]:
    command = [sys.executable, os.path.abspath(__file__), "--child", str(n_zones), "--memory-gib", str(memory_gib)]
    started = time.perf_counter()
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return {"zones": n_zones, "status": f"timed out after {timeout_s:.0f} s"}
    wall_s = time.perf_counter() - started
    if done.returncode != 0:
        last = (done.stderr.strip().splitlines() or ["(no message)"])[-1]
        status = "killed (out of memory?)" if done.returncode < 0 else f"failed: {last[:160]}"
        return {"zones": n_zones, "status": status, "wall_s": wall_s}
    row: dict[str, object] = json.loads(done.stdout.strip().splitlines()[-1])
    row["status"] = "ok"
    row["wall_s"] = wall_s
    return row


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)), help="zone counts, comma-separated")
    parser.add_argument("--memory-gib", type=float, default=6.0, help="address-space cap per size (0: none)")
    parser.add_argument("--timeout-s", type=float, default=1800.0, help="wall-clock limit per size")
    parser.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child is not None:
        _child(args.child, args.memory_gib)
        return
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    print(f"run_scenario on synthetic regions; cap {args.memory_gib:g} GiB address space per size, one subprocess each")
    print(f"{'zones':>7}{'roads':>8}{'run s':>9}{'load s':>8}{'peak RSS':>11}  status")
    base: dict[str, float] | None = None
    for n in sizes:
        row = _measure(n, memory_gib=args.memory_gib, timeout_s=args.timeout_s)
        if row["status"] == "ok":
            run_s = float(row["run_s"])  # type: ignore[arg-type]
            peak = float(row["peak_rss_bytes"])  # type: ignore[arg-type]
            base = base or {"run_s": run_s, "peak": peak, "zones": float(n)}
            ratio = (
                f"  ×{run_s / base['run_s']:.1f} time, ×{peak / base['peak']:.1f} memory vs {base['zones']:.0f} zones"
            )
            print(
                f"{row['zones']:>7}{row['roads']:>8}{run_s:>9.1f}{float(row['load_s']):>8.1f}"  # type: ignore[arg-type]
                f"{peak / 1024**2:>8.0f} MiB  ok{ratio}"
            )
            print(f"         stages: {json.dumps(row.get('stages_s'))}")
        else:
            print(f"{n:>7}{'':>8}{'':>9}{'':>8}{'':>11}  {row['status']}")


if __name__ == "__main__":
    main()
