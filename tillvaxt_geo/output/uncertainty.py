"""Writing an uncertainty run: uncertainty.json, uncertainty.csv, sobol.csv, samples.csv and the chart.

Everything is computed before anything is written, and every file is written
atomically, so an interrupted or failed run never leaves a partial result that
looks complete; ``uncertainty.json`` is written last and says ``"complete": true``.
"""

from __future__ import annotations

import io
import textwrap
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd

from tillvaxt_geo._version import __version__
from tillvaxt_geo.figures import figure
from tillvaxt_geo.output.files import atomic_path, json_safe, write_csv, write_json
from tillvaxt_geo.scenario.uncertainty import PERCENTILES, UncertaintyResult

__all__ = ["percentile_table", "uncertainty_document", "uncertainty_png", "write_uncertainty"]

#: the figures the verdicts and the chart's range panel describe
KEY_FIGURES = ("total_jobs", "workers_living_locally", "local_residence_share", "housing_shortfall_dwellings")


def percentile_table(result: UncertaintyResult) -> pd.DataFrame:
    """Per figure: label, unit, P10/P50/P90, mean, min, max, the top driver and where the figure comes from."""
    table = result.percentiles.copy()
    table.insert(1, "label", [figure(k).label_en for k in table["figure"]])
    table.insert(2, "unit", [figure(k).unit for k in table["figure"]])
    top = []
    for key in table["figure"]:
        drivers = result.drivers(key)
        drivers = drivers[drivers["ST"] > 0.01]
        top.append(f"{drivers.iloc[0]['parameter']} (ST {drivers.iloc[0]['ST']:.2f})" if len(drivers) else "")
    table["top_driver"] = top
    table["computed_by"] = [figure(k).description for k in table["figure"]]
    if result.comparison:
        table.insert(0, "comparison", f"{result.comparison[1]} − {result.comparison[0]}")
    return table


def uncertainty_document(result: UncertaintyResult) -> dict[str, Any]:
    """The contents of ``uncertainty.json``: ranges, indices, the parameter table with sources, provenance."""
    by_figure: dict[str, Any] = {}
    for row in result.percentiles.to_dict(orient="records"):
        key = str(row["figure"])
        fig = figure(key)
        indices = result.sobol[result.sobol["figure"] == key]
        by_figure[key] = {
            "label_sv": fig.label_sv,
            "label_en": fig.label_en,
            "unit": fig.unit,
            "description": fig.description,
            **{k: row[k] for k in [f"p{q}" for q in PERCENTILES] + ["mean", "min", "max", "n"]},
            "sobol": {
                r["parameter"]: {k: r[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
                for r in indices.to_dict(orient="records")
            },
        }
    verdicts = {k: result.verdict(k) for k in KEY_FIGURES if k in by_figure}
    return json_safe(
        {
            "scenario": result.name,
            "title": result.title,
            "comparison": (
                {"base": result.comparison[0], "other": result.comparison[1], "figures_are": "other − base"}
                if result.comparison
                else None
            ),
            "complete": True,
            "samples": result.samples,
            "saltelli_base_samples": result.base,
            "seed": result.seed,
            "engine": result.engine,
            "method": "Saltelli design of scrambled Sobol' sequences; SALib's Sobol indices (first order S1, total ST)",
            "percentiles": list(PERCENTILES),
            "verdicts": verdicts,
            "parameters": [
                {
                    "name": e.name,
                    "distribution": e.distribution.describe(),
                    "source": e.source,
                    "estimated": e.estimated,
                }
                for e in result.table.entries
            ],
            "figures": by_figure,
            "package_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
        }
    )


def uncertainty_png(result: UncertaintyResult, *, key: str = "total_jobs") -> bytes:
    """A chart as PNG bytes: the distribution of ``key`` with P10/P50/P90, and its Sobol indices as a tornado."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig_info = figure(key)
    values = result.outputs[key].dropna()
    drivers = result.drivers(key).iloc[::-1]
    fig, (left, right) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    left.hist(values, bins=40, color="#8fb3d9", edgecolor="white")
    row = {str(k): v for k, v in result.percentiles[result.percentiles["figure"] == key].iloc[0].items()}
    for q, style in zip(PERCENTILES, (":", "-", ":"), strict=True):
        text = f"{float(row[f'p{q}']):,.0f}".replace(",", " ")
        left.axvline(float(row[f"p{q}"]), color="#1f3b73", linestyle=style, label=f"P{q} {text}")
    left.set_xlabel(f"{fig_info.label_en} ({fig_info.unit})" + (" — difference" if result.comparison else ""))
    left.set_ylabel("samples")
    left.legend(fontsize=8)
    left.set_title(f"{result.samples} samples (seed {result.seed})", fontsize=9)
    y = range(len(drivers))
    right.barh(y, drivers["ST"].clip(lower=0), color="#d98f8f", label="total (ST)")
    right.barh(y, drivers["S1"].clip(lower=0), height=0.4, color="#7a1f1f", label="first order (S1)")
    right.set_yticks(list(y), list(drivers["parameter"]), fontsize=8)
    right.set_xlabel("Sobol index: share of the variance")
    right.set_xlim(0, 1)
    right.legend(fontsize=8, loc="lower right")
    right.set_title("which assumption drives the range", fontsize=9)
    fig.suptitle(textwrap.fill(f"{result.title}: {result.verdict(key)}", width=130), fontsize=9)
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=110)
    plt.close(fig)
    return buffer.getvalue()


def write_uncertainty(result: UncertaintyResult, folder: str | Path) -> list[Path]:
    """Write the run's files into ``folder``; ``uncertainty.json`` (``complete: true``) last.

    Returns
    -------
    list of Path
        ``uncertainty.csv``, ``sobol.csv``, ``samples.csv``, ``uncertainty.png``, ``uncertainty.json``.
    """
    folder = Path(folder)
    document = uncertainty_document(result)
    png = uncertainty_png(result)
    samples = pd.concat([result.parameters, result.outputs], axis=1)
    written = [
        write_csv(folder / "uncertainty.csv", percentile_table(result)),
        write_csv(folder / "sobol.csv", result.sobol),
        write_csv(folder / "samples.csv", samples, index=True),
    ]
    with atomic_path(folder / "uncertainty.png") as tmp:
        tmp.write_bytes(png)
    written.append(folder / "uncertainty.png")
    written.append(write_json(folder / "uncertainty.json", document))
    return written
