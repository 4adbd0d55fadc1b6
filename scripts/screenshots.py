"""Screenshots of each map kind of the embedded region, taken offline in headless Chromium.

Writes ``docs/screenshots/overview.png``, ``commute.png``, ``alternative.png``
(the rv66_2plus1 road change highlighted) and ``comparison.png`` (the last three only
when the scenario model can run), at 1280×720, the smaller of the screens the
maps are tested at. Every page is loaded with
the network cut off, exactly as in ``tests/test_maps_browser.py``; a request,
console error or dialog is an error.

Usage::

    python scripts/screenshots.py [--out docs/screenshots] [--lang sv]
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path
from typing import Any

import tillvaxt_geo
from tillvaxt_geo.data.layers import embedded_path
from tillvaxt_geo.output.maps.builders import commute_map, comparison_map, overview_map
from tillvaxt_geo.output.maps.save import save_map

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]  # fmt: skip
COMMUTE, BASE, OTHER, ALTERNATIVE = "two_companies", "nio_only", "two_companies", "rv66_2plus1"


def shoot(browser: Any, html: Path, png: Path, *, width: int = 1280, height: int = 720) -> None:
    """Open ``html`` with every non-file request blocked and save a screenshot to ``png``."""
    context = browser.new_context(viewport={"width": width, "height": height}, service_workers="block")
    page = context.new_page()
    problems: list[str] = []

    def route(r: Any) -> None:
        if r.request.url.startswith(("file:", "data:")):
            r.continue_()
        else:
            problems.append(f"request {r.request.url}")
            r.abort()

    context.route("**/*", route)
    page.on("console", lambda m: problems.append(f"console {m.text}") if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(f"page error {e}"))
    page.on("dialog", lambda d: problems.append(f"dialog {d.message}"))
    page.goto(html.as_uri(), wait_until="load")
    page.wait_for_selector(".leaflet-container")
    page.evaluate("document.fonts.ready")
    page.wait_for_timeout(800)
    png.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(png))
    context.close()
    if problems:
        raise SystemExit(f"{html.name}: {'; '.join(problems)}")


def scenario_results() -> dict[str, Any] | None:
    """Run the scenarios the commute and comparison screenshots show, or ``None`` if the model cannot run yet."""
    run: Any = getattr(tillvaxt_geo, "run_scenario", None)
    load: Any = getattr(tillvaxt_geo, "load_scenario", None)
    if run is None or load is None:
        try:
            from tillvaxt_geo import model, scenario
        except ImportError as exc:
            print(f"scenario model not available ({exc}); only the overview is made", file=sys.stderr)
            return None
        run, load = model.run_scenario, scenario.load_scenario
    folder = embedded_path() / "scenarios"
    results = {name: run(load(folder / f"{name}.toml")) for name in dict.fromkeys([COMMUTE, BASE, OTHER, ALTERNATIVE])}
    try:
        from tillvaxt_geo.scenario.sweep import heat_map_png, sweep_scenario

        sweep = sweep_scenario(results[COMMUTE])
        png = heat_map_png(sweep, title=results[COMMUTE].scenario.title)
        results[COMMUTE] = dataclasses.replace(results[COMMUTE], sweep_png=png)
    except (ImportError, TypeError, ValueError) as exc:
        print(f"no sensitivity heat map ({exc})", file=sys.stderr)
    return results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=Path(__file__).resolve().parents[1] / "docs" / "screenshots")
    parser.add_argument("--lang", choices=("sv", "en"), default="sv")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright

    maps = {"overview": overview_map(tillvaxt_geo.load_layers(), lang=args.lang)}
    results = scenario_results()
    if results is not None:
        maps["commute"] = commute_map(results[COMMUTE], lang=args.lang)
        maps["alternative"] = commute_map(results[ALTERNATIVE], lang=args.lang)
        maps["comparison"] = comparison_map(results[BASE], results[OTHER], lang=args.lang)
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS, headless=True)
        for name, m in maps.items():
            html = save_map(m, Path(tmp) / f"{name}.html")
            shoot(browser, html, args.out / f"{name}.png")
            print(f"wrote {args.out / f'{name}.png'}  (map {html.stat().st_size / 1e6:.2f} MB)")
        browser.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
