"""Writing a scenario's outputs: summary.json, summary.csv, summary.xlsx, results.gpkg and map.html.

Every file is computed in memory first and then written atomically, so a
failed run leaves the previous outputs whole.
"""

from __future__ import annotations

import logging
import math
from pathlib import Path
from typing import Any

import pandas as pd

from tillvaxt_geo.figures import FIGURES
from tillvaxt_geo.output.files import write_csv, write_gpkg, write_json, write_xlsx
from tillvaxt_geo.output.qgis.gpkg import write_layer_styles
from tillvaxt_geo.scenario.results import ScenarioResult

__all__ = ["figures_frame", "json_safe", "write_outputs"]

log = logging.getLogger(__name__)


def json_safe(value: Any) -> Any:
    """JSON-safe values: NaN becomes null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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
        spreadsheet dialect), ``summary_xlsx``, ``gpkg``, ``map``.
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
    paths = {
        "summary_json": write_json(folder / "summary.json", summary),
        "summary_csv": write_csv(folder / "summary.csv", figures_frame(result), locale=lang),
        "summary_xlsx": write_xlsx(folder / "summary.xlsx", {"summary": figures_frame(result)}),
        "gpkg": write_gpkg(
            folder / "results.gpkg", safe_layers, finish=lambda tmp: write_layer_styles(tmp, safe_layers)
        ),
    }
    if map_html is not None:
        from tillvaxt_geo.output.maps.save import save_map

        paths["map"] = save_map(map_html, folder / "map.html")
    log.info("wrote %s", ", ".join(str(p) for p in paths.values()))
    return paths


def _gpkg_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Drop the id index (ids are columns) and turn object columns of mixed types into text."""
    out = frame.reset_index(drop=True)
    for column in out.columns:
        if column != "geometry" and out[column].dtype == object:
            out[column] = out[column].map(
                lambda v: v if v is None or isinstance(v, str | bool | int | float) else str(v)
            )
    return out
