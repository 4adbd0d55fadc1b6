"""Draw a static overview of the embedded region's layers to docs/region_overview.png.

Run: ``python scripts/region_overview.py``. Two panels: the whole region with
its neighbours, and Ludvika–Smedjebacken up close. Matplotlib only (no
basemap tiles, no network); coordinates are SWEREF 99 TM, axes in km.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch

import tillvaxt_geo as tg

OUT = Path(__file__).resolve().parents[1] / "docs" / "region_overview.png"
ROAD_STYLE = {
    "trunk": ("#c0392b", 2.0),
    "primary": ("#e67e22", 1.4),
    "secondary": ("#7f8c8d", 0.9),
    "local": ("#95a5a6", 0.7),
    "urban": ("#bdc3c7", 0.6),
}
HOUSING_COLOURS = {"adopted": "#27ae60", "proposed": "#f1c40f", "assumed": "#9b59b6"}


def draw(ax: Axes, layers: tg.Layers, *, local: bool) -> None:
    """Draw every layer on ``ax``; ``local`` adds labels for the small places."""
    roads = layers.roads
    for road_class, (colour, width) in ROAD_STYLE.items():
        part = roads[roads["road_class"] == road_class]
        if len(part):
            part.plot(ax=ax, color=colour, linewidth=width * (1.3 if local else 1.0), zorder=2)
    if layers.rail_lines is not None:
        layers.rail_lines.plot(ax=ax, color="black", linewidth=1.0, linestyle=(0, (4, 2)), zorder=3)
    if layers.rail_stations is not None:
        layers.rail_stations.plot(
            ax=ax, marker="s", color="white", edgecolor="black", markersize=14, linewidth=0.8, zorder=4
        )
    for status, colour in HOUSING_COLOURS.items():
        part = layers.housing_land[layers.housing_land["status"] == status]
        if len(part):
            part.plot(ax=ax, color=colour, alpha=0.7, edgecolor="black", linewidth=0.3, zorder=3)
    zones = layers.zones
    study = zones["kind"] != "external"
    sizes = (zones["population"].clip(lower=50) ** 0.5) * (1.2 if local else 0.6)
    zones[study].plot(ax=ax, color="#2980b9", alpha=0.55, markersize=sizes[study], zorder=5)
    zones[~study].plot(ax=ax, color="#7f8c8d", alpha=0.45, markersize=sizes[~study], zorder=5)
    sites = layers.mine_sites
    sites.plot(ax=ax, marker="^", color="#8e0000", edgecolor="white", markersize=90 if local else 45, zorder=6)
    label_zones = zones if local else zones[(zones["population"] >= 3000) | ~study]
    label_zones = label_zones[label_zones["kind"] != "rural"] if local else label_zones
    for _, zone in label_zones.iterrows():
        point = zone.geometry.representative_point()
        ax.annotate(zone["name"], (point.x, point.y), xytext=(4, 3), textcoords="offset points", fontsize=7, zorder=7)
    if local:
        for _, site in sites.iterrows():
            point = site.geometry.representative_point()
            ax.annotate(
                str(site["name"]).split(" (")[0],
                (point.x, point.y),
                xytext=(5, -9),
                textcoords="offset points",
                fontsize=7,
                color="#8e0000",
                zorder=7,
            )
    refs = roads[roads["ref"].fillna("").isin(["50", "66", "68", "70"])]
    for ref, group in refs.groupby("ref"):
        longest = group.loc[group.geometry.length.idxmax()]
        point = longest.geometry.interpolate(0.5, normalized=True)
        ax.annotate(
            ref,
            (point.x, point.y),
            fontsize=7,
            color="white",
            ha="center",
            va="center",
            zorder=8,
            bbox={"boxstyle": "round,pad=0.2", "fc": "#c0392b", "ec": "none"},
        )
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}")
    ax.set_xlabel("easting, km (SWEREF 99 TM)")
    ax.set_ylabel("northing, km")
    ax.grid(color="#ecf0f1", linewidth=0.5, zorder=0)


def main() -> None:
    """Load the embedded layers and write the two-panel overview."""
    layers = tg.load_layers()
    fig, (whole, close) = plt.subplots(
        1, 2, figsize=(18, 9), dpi=100, constrained_layout=True, gridspec_kw={"width_ratios": [1, 1.55]}
    )
    draw(whole, layers, local=False)
    whole.set_title("Region: Ludvika–Smedjebacken and neighbours")
    draw(close, layers, local=True)
    study = layers.zones[layers.zones["kind"] != "external"]
    x0, y0, x1, y1 = study.total_bounds
    pad = 4000
    close.set_xlim(x0 - pad, x1 + pad)
    close.set_ylim(y0 - pad, y1 + pad)
    close.set_title("Ludvika and Smedjebacken")
    whole.add_patch(
        plt.Rectangle((x0 - pad, y0 - pad), x1 - x0 + 2 * pad, y1 - y0 + 2 * pad, fill=False, ec="#2c3e50", lw=1)
    )
    handles = [Line2D([], [], color=c, lw=w * 1.5, label=f"road: {k}") for k, (c, w) in ROAD_STYLE.items()] + [
        Line2D([], [], color="black", lw=1, linestyle=(0, (4, 2)), label="railway"),
        Line2D([], [], marker="s", color="white", markeredgecolor="black", lw=0, label="station"),
        Line2D([], [], marker="o", color="#2980b9", alpha=0.6, lw=0, markersize=9, label="zone (area ∝ population)"),
        Line2D([], [], marker="o", color="#7f8c8d", alpha=0.6, lw=0, markersize=9, label="external hub"),
        Line2D([], [], marker="^", color="#8e0000", lw=0, markersize=9, label="mine site / plant / deposit"),
        *[Patch(color=c, alpha=0.7, label=f"housing land: {k}") for k, c in HOUSING_COLOURS.items()],
    ]
    fig.legend(handles=handles, loc="outside lower center", ncol=6, fontsize=8, frameon=False)
    fig.suptitle("tillvaxt_geo — the embedded region's layers", fontsize=13)
    fig.text(0.01, 0.005, "Layers: tillvaxt_geo embedded region, see layers/SOURCES.md", fontsize=8, color="#555")
    OUT.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(OUT)
    plt.close(fig)
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
