"""Writing a scenario's outputs: summary.json, summary.csv, summary.xlsx, results.gpkg and map.html.

Every file is computed in memory first and then written as one output set
(:func:`tillvaxt_geo.output.runset.write_output_set`): into a staging folder,
stamped with ``run.json``, and switched in whole, so a failed or killed run
leaves the previous set whole and never a mix of old and new files.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import pandas as pd

from tillvaxt_geo.figures import FIGURES
from tillvaxt_geo.output.files import json_safe, write_csv, write_gpkg, write_json, write_xlsx
from tillvaxt_geo.output.qgis.gpkg import write_layer_styles
from tillvaxt_geo.output.runset import write_output_set
from tillvaxt_geo.scenario.results import ScenarioResult

__all__ = ["figures_frame", "scenario_sha256", "write_outputs"]

log = logging.getLogger(__name__)


def figures_frame(result: ScenarioResult) -> pd.DataFrame:
    """Headline figures as rows ``scenario, figure, value, source`` (summary.csv)."""
    rows = [
        {"scenario": result.scenario.name, "figure": f.key, "value": result.summary.get(f.key), "source": f.description}
        for f in FIGURES
    ]
    return pd.DataFrame(rows)


def write_outputs(
    result: ScenarioResult, out_dir: str | Path, *, with_map: bool = True, lang: str = "sv"
) -> dict[str, Path]:
    """Write one scenario's outputs into ``out_dir/<scenario name>/``.

    Parameters
    ----------
    result
        The scenario result.
    out_dir
        The output root (``maps/`` by default on the command line).
    with_map
        Also write ``map.html`` (needs the map module).
    lang
        Map labels: ``"sv"`` (default) or ``"en"``.

    Returns
    -------
    dict
        Output kind to path: ``summary_json``, ``summary_csv`` (the ``lang``'s
        spreadsheet dialect), ``summary_xlsx``, ``gpkg``, ``map`` and
        ``manifest`` (``run.json``).

    Raises
    ------
    tillvaxt_geo.errors.OutputError
        The folder cannot be written (a file in its place, read-only, disk
        full ...); the earlier set in it is left whole.
    """
    folder = Path(out_dir) / result.scenario.name
    summary = json_safe(dict(result.summary))
    layers = {
        "zones": result.zones,
        "housing_land": result.housing,
        "mine_sites": result.sites,
        "per_site": result.per_site,
    }
    if len(result.isochrones):
        layers["isochrones"] = result.isochrones
    for name in ("roads", "rail_lines", "rail_stations"):
        frame = getattr(result.layers, name)
        if frame is not None:
            layers[name] = frame
    map_html = None
    if with_map:
        from tillvaxt_geo.output.maps.builders import render_map

        map_html = render_map(result, lang=lang)
    safe_layers = {k: _gpkg_safe(v) for k, v in layers.items()}
    files: dict[str, Any] = {
        "summary.json": lambda p: write_json(p, summary),
        "summary.csv": lambda p: write_csv(p, figures_frame(result), locale=lang),
        "summary.xlsx": lambda p: write_xlsx(p, {"summary": figures_frame(result)}),
        "results.gpkg": lambda p: write_gpkg(p, safe_layers, finish=lambda tmp: write_layer_styles(tmp, safe_layers)),
    }
    if map_html is not None:
        from tillvaxt_geo.output.maps.save import save_map

        files["map.html"] = lambda p: save_map(map_html, p)
    scenario = result.scenario
    written = write_output_set(
        folder,
        files,
        scenario={"name": scenario.name, "title": scenario.title_in(lang), "sha256": scenario_sha256(scenario)},
    )
    kinds = {"summary.json": "summary_json", "summary.csv": "summary_csv", "summary.xlsx": "summary_xlsx"}
    kinds |= {"results.gpkg": "gpkg"}
    kinds |= {"map.html": "map", "run.json": "manifest"}
    paths = {kinds[name]: path for name, path in written.items()}
    log.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths


def scenario_sha256(scenario: Any) -> str:
    """The scenario's identity for the manifest: its file's SHA-256, else a hash of its parameters."""
    import hashlib
    import json

    if scenario.source_sha256:
        return str(scenario.source_sha256)
    text = json.dumps(json_safe(scenario.parameters()), sort_keys=True, default=str)
    return hashlib.sha256(f"{scenario.name}\n{scenario.title}\n{text}".encode()).hexdigest()


def _gpkg_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the id index (ids are columns) and turn object columns of mixed types into text."""
    out = frame.reset_index(drop=True)
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: v if v is None or isinstance(v, str | bool | int | float) else str(v)
            )
    return out
