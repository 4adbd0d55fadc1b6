"""Benchmark: `tillvaxt-geo run` on every bundled scenario, maps excluded, with the share of each stage.

Run: ``python benchmarks/bench_run.py`` (target: under 10 s for all bundled
scenarios on a 2-core machine). Prints per-scenario stage timings and the
total, measured in one run.
"""

from __future__ import annotations

import tempfile
import time
from collections import defaultdict

from tillvaxt_geo.cli._common import LayerCache
from tillvaxt_geo.output.export import write_outputs
from tillvaxt_geo.scenario.config import bundled_scenarios, load_scenario
from tillvaxt_geo.scenario.run import run_scenario


def main() -> None:
    started = time.perf_counter()
    stages: dict[str, float] = defaultdict(float)
    clock = time.perf_counter()
    scenarios = [load_scenario(p) for p in bundled_scenarios()]
    cache = LayerCache()
    layers = cache.get(scenarios[0])
    stages["load layers (once)"] = time.perf_counter() - clock
    with tempfile.TemporaryDirectory() as out:
        for scenario in scenarios:
            result = run_scenario(scenario, cache.get(scenario))
            for key, value in result.summary["provenance"]["timings_s"].items():
                if key != "load_s":
                    stages[key.removesuffix("_s")] += value
            clock = time.perf_counter()
            write_outputs(result, out, with_map=False)
            stages["write outputs"] += time.perf_counter() - clock
    total = time.perf_counter() - started
    print(f"{len(scenarios)} scenarios, {len(layers.zones)} zones, {len(layers.roads)} roads")
    print(f"{'stage':<22}{'seconds':>9}{'share':>8}")
    for stage, seconds in sorted(stages.items(), key=lambda kv: -kv[1]):
        print(f"{stage:<22}{seconds:>9.2f}{100 * seconds / total:>7.1f}%")
    print(f"{'total':<22}{total:>9.2f}  (target < 10 s)")


if __name__ == "__main__":
    main()
