"""The uncertainty section of a scenario's map page (``run --uncertainty N``)."""

from __future__ import annotations

import html
import re
from pathlib import Path

from conftest import run_cli, small_layer_frames, write_layer_dir

from tillvaxt_geo import load_layers
from tillvaxt_geo.output.maps.builders import render_map
from tillvaxt_geo.scenario.config import parse_scenario
from tillvaxt_geo.scenario.run import run_scenario
from tillvaxt_geo.scenario.uncertainty import with_uncertainty


def test_the_map_shows_each_headline_range_and_its_driver(layer_dir: Path) -> None:
    layers = load_layers(layer_dir)
    scenario = parse_scenario({"name": "t", "year": 2030, "mines": {"open": ["m1"]}})
    result = with_uncertainty(run_scenario(scenario, layers, isochrone_minutes=(), with_fit=False), layers, samples=96)
    page = html.unescape(render_map(result, lang="en").get_root().render())
    assert "Uncertainty: P10–P90 (median)" in page
    row = result.uncertainty.percentiles.set_index("figure").loc["total_jobs"]
    assert row["p10"] <= row["p50"] <= row["p90"] and row["p90"] > row["p10"]  # the workforce range moves jobs
    section = page[page.index("Uncertainty: P10–P90") :]
    low, high = (f"{round(v):,}" for v in (row["p10"], row["p90"]))
    assert re.search(rf"Total jobs.*?{re.escape(low)}–{re.escape(high)}", section, re.DOTALL), section[:2000]
    assert "(ST 0." in section or "(ST 1." in section  # each range names its main driver
    assert "data:image/png;base64," in section
    plain = html.unescape(render_map(result.__class__(**{**result.__dict__, "uncertainty": None})).get_root().render())
    assert "Osäkerhet" not in plain  # no section without a run


def test_run_with_uncertainty_writes_the_section_into_map_html(tmp_path: Path) -> None:
    write_layer_dir(tmp_path / "layers", small_layer_frames())
    scenario = tmp_path / "s.toml"
    scenario.write_text(
        'name = "s"\nyear = 2030\n[layers]\npath = "layers"\n[mines]\nopen = ["m1"]\n', encoding="utf-8"
    )
    result = run_cli(
        "--quiet", "run", str(scenario), "--uncertainty", "64", "--out", str(tmp_path / "out"), cwd=tmp_path
    )
    assert result.returncode == 0, result.stderr
    page = html.unescape((tmp_path / "out" / "s" / "map.html").read_text(encoding="utf-8"))
    assert "Osäkerhet: P10–P90 (median)" in page
