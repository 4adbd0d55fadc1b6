"""Size and load time of the default region's commute map (targets: < 3 MB, load event < 2 s).

Builds the commute map of one bundled scenario, saves it offline, and opens it
several times in headless Chromium with the network cut off, timing the load
event (``performance.getEntriesByType('navigation')[0].loadEventEnd``).

Usage::

    python benchmarks/bench_maps.py [--scenario two_companies] [--runs 5]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from tillvaxt_geo.data.layers import embedded_path
from tillvaxt_geo.output.maps.builders import commute_map
from tillvaxt_geo.output.maps.save import save_map
from tillvaxt_geo.scenario.config import load_scenario
from tillvaxt_geo.scenario.run import run_scenario

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip


def block(route: Any, blocked: list[str]) -> None:
    """Let the file and inline data through; record and refuse anything else."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        blocked.append(route.request.url)
        route.abort()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scenario", default="two_companies", help="bundled scenario name")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    result = run_scenario(load_scenario(embedded_path() / "scenarios" / f"{args.scenario}.toml"))
    clock = time.perf_counter()
    m = commute_map(result)
    built = time.perf_counter() - clock
    with tempfile.TemporaryDirectory() as tmp:
        clock = time.perf_counter()
        path = save_map(m, Path(tmp) / "map.html")
        saved = time.perf_counter() - clock
        size = path.stat().st_size
        loads: list[float] = []
        blocked: list[str] = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
            for _ in range(args.runs):
                context = browser.new_context(viewport={"width": 1400, "height": 900})
                context.route("**/*", lambda r: block(r, blocked))
                page = context.new_page()
                page.goto(path.as_uri(), wait_until="load")
                loads.append(page.evaluate("performance.getEntriesByType('navigation')[0].loadEventEnd") / 1000)
                assert page.locator(".leaflet-container").count() == 1
                context.close()
            browser.close()
    print(f"scenario            {args.scenario}")
    print(f"build map           {built:.2f} s")
    print(f"save (inline+write) {saved:.2f} s")
    print(f"file size           {size / 1e6:.2f} MB   (target < 3 MB)")
    print(f"load event          median {statistics.median(loads):.2f} s, max {max(loads):.2f} s over {len(loads)} loads"
          "   (target < 2 s)")  # fmt: skip
    print(f"network requests    {len(blocked)}")


if __name__ == "__main__":
    main()
