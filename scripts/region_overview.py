"""Draw static overview maps of the embedded region's layers.

Run: ``python scripts/region_overview.py``. Writes two pictures (1600 × 1200 px):

- ``docs/region_overview.png``: the whole region with its neighbouring towns, the
  study area (the Ludvika and Smedjebacken zones) framed;
- ``docs/region_overview_local.png``: Ludvika–Smedjebacken up close, with the
  local roads, the mine sites and the housing land.

Matplotlib only (Agg backend, no basemap tiles, no network). The layers come
from ``tillvaxt_geo.load_layers()``; coordinates are SWEREF 99 TM (EPSG:3006)
metres, the axes are labelled in km.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import geopandas as gpd
import matplotlib.patheffects as pe
import matplotlib.pyplot as plt
import numpy as np
import shapely
from matplotlib.axes import Axes
from matplotlib.lines import Line2D
from matplotlib.patches import Patch, Rectangle

import tillvaxt_geo as tg

DOCS = Path(__file__).resolve().parents[1] / "docs"
OUT_REGION = DOCS / "region_overview.png"
OUT_LOCAL = DOCS / "region_overview_local.png"
FIGSIZE, DPI = (16, 12), 100  # 1600 × 1200 px
SOURCE_NOTE = "Layers: tillvaxt_geo embedded region, see layers/SOURCES.md"

# road_class -> (colour, line width in points, drawing order)
ROAD_STYLE = {
    "trunk": ("#c0392b", 2.4, 6),
    "primary": ("#e67e22", 1.8, 5),
    "secondary": ("#7f8c8d", 1.2, 4),
    "local": ("#a3acb0", 0.9, 3),
    "urban": ("#5d6d7e", 0.8, 3),
}
ROAD_LABEL = {
    "trunk": "riksväg / E16 (trunk)",
    "primary": "länsväg (primary)",
    "secondary": "county road (secondary)",
    "local": "local road",
    "urban": "town street (urban)",
}
HOUSING_COLOURS = {"adopted": "#27ae60", "proposed": "#f1c40f", "assumed": "#9b59b6"}
HOUSING_LABEL = {
    "adopted": "housing land: adopted plan",
    "proposed": "housing land: proposed",
    "assumed": "housing land: assumed",
}
SITE_MARKERS = {"mine": "^", "plant": "s", "deposit": "D"}
SITE_LABEL = {"mine": "mine (planned restart)", "plant": "planned concentrator", "deposit": "deposit (no plan)"}
STUDY_COLOUR, HUB_COLOUR, SITE_COLOUR = "#2471a3", "#7f8c8d", "#7b0000"
HALO = [pe.withStroke(linewidth=2.6, foreground="white")]

# Label offsets in points (dx, dy) where the default (right, slightly up) would collide.
REGION_OFFSETS = {
    "Ludvika": (-8, 9),
    "Smedjebacken": (6, 6),
    "Grängesberg": (-70, -4),
    "Västerås": (-42, 14),
    "Avesta": (8, -4),
    "Fagersta": (8, -10),
    "Kopparberg": (8, -4),
    "Lindesberg": (8, -6),
}
LOCAL_OFFSETS = {
    "Ludvika": (-46, 12),
    "Ludvika tätort (del i Smedjebackens kommun)": (-40, 10),
    "Håksberg": (8, 4),
    "Sörvik": (-40, 6),
    "Grängesberg": (6, 8),
    "Blötberget": (-62, 4),
    "Gonäs": (-18, 9),
    "Saxdalen": (8, -3),
    "Grangärde": (8, -2),
    "Norrbo och Västansjö": (-30, 9),
    "Nyhammar": (8, 2),
    "Sunnansjö": (7, 5),
    "Smedjebacken": (-30, 12),
    "Hagge": (8, -2),
    "Gubbo": (8, 2),
    "Ludvika landsbygd": (8, 4),
    "Smedjebacken landsbygd": (8, 4),
}
SITE_OFFSETS = {
    "blotberget": (-40, -18),
    "skeppmora": (9, -10),
    "haksberg": (8, -12),
    "grangesberg": (-36, -16),
    "vasman": (-20, 10),
}


def _km_axes(ax: Axes) -> None:
    ax.set_aspect("equal")
    ax.xaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}")
    ax.yaxis.set_major_formatter(lambda v, _: f"{v / 1000:.0f}")
    ax.set_xlabel("easting, km (SWEREF 99 TM, EPSG:3006)")
    ax.set_ylabel("northing, km")
    ax.grid(color="#e5e8e8", linewidth=0.6, zorder=0)
    ax.set_facecolor("#fbfcfc")


def _scale_bar(ax: Axes, length_km: float) -> None:
    """A black-and-white scale bar of ``length_km`` in the lower left corner."""
    x0, x1 = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    left, bottom = x0 + 0.04 * (x1 - x0), y0 + 0.04 * (y1 - y0)
    height = 0.008 * (y1 - y0)
    half = length_km * 500.0
    ax.add_patch(Rectangle((left, bottom), half, height, fc="black", ec="black", lw=0.8, zorder=20))
    ax.add_patch(Rectangle((left + half, bottom), half, height, fc="white", ec="black", lw=0.8, zorder=20))
    for frac, text in ((0, "0"), (0.5, f"{length_km / 2:g}"), (1, f"{length_km:g} km")):
        ax.text(
            left + frac * 2 * half,
            bottom + 2.2 * height,
            text,
            ha="center",
            va="bottom",
            fontsize=9,
            zorder=20,
            path_effects=HALO,
        )


def _north_arrow(ax: Axes) -> None:
    ax.annotate(
        "N",
        xy=(0.965, 0.955),
        xytext=(0.965, 0.885),
        xycoords="axes fraction",
        ha="center",
        va="center",
        fontsize=12,
        fontweight="bold",
        arrowprops={"arrowstyle": "-|>", "color": "black", "lw": 1.5},
        zorder=20,
    )


def _draw_roads(ax: Axes, roads: gpd.GeoDataFrame, scale: float) -> None:
    for road_class, (colour, width, order) in ROAD_STYLE.items():
        part = roads[roads["road_class"] == road_class]
        if len(part):
            part.plot(ax=ax, color="white", linewidth=(width + 1.4) * scale, zorder=order)
            part.plot(ax=ax, color=colour, linewidth=width * scale, zorder=order + 0.5, capstyle="round")


def _label_refs(
    ax: Axes,
    roads: gpd.GeoDataFrame,
    *,
    per_ref: int,
    inside: tuple[float, float, float, float],
    avoid: np.ndarray,
    clearance_m: float,
) -> None:
    """Shield labels for the riksväg / länsväg numbers, at the middle of the longest pieces in view.

    A piece whose middle is within ``clearance_m`` of a point of ``avoid`` (labelled places) is skipped.
    """
    x0, y0, x1, y1 = inside
    refs = roads[roads["ref"].fillna("").astype(str).str.len() > 0].copy()
    refs["piece"] = refs["road_id"].str.replace(r"_\d\d$", "", regex=True)
    for ref, group in refs.groupby("ref"):
        pieces = group.dissolve(by="piece")
        pieces["length"] = pieces.geometry.length
        placed = 0
        for _, piece in pieces.sort_values("length", ascending=False).iterrows():
            point = piece.geometry.interpolate(0.5, normalized=True)
            if not (x0 <= point.x <= x1 and y0 <= point.y <= y1):
                continue
            if len(avoid) and np.hypot(avoid[:, 0] - point.x, avoid[:, 1] - point.y).min() < clearance_m:
                continue
            colour = "#c0392b" if ref in {"50", "66", "68", "70"} else "#d35400"
            ax.annotate(
                str(ref),
                (point.x, point.y),
                fontsize=9,
                fontweight="bold",
                color="white",
                ha="center",
                va="center",
                zorder=15,
                bbox={"boxstyle": "round,pad=0.25", "fc": colour, "ec": "white", "lw": 1.0},
            )
            placed += 1
            if placed >= per_ref:
                break


def _draw_rail(ax: Axes, layers: tg.Layers, scale: float) -> None:
    if layers.rail_lines is not None:
        layers.rail_lines.plot(ax=ax, color="white", linewidth=3.0 * scale, zorder=7)
        layers.rail_lines.plot(ax=ax, color="#1c2833", linewidth=1.4 * scale, linestyle=(0, (5, 3)), zorder=7.5)
    if layers.rail_stations is not None:
        bus = layers.rail_stations.index.astype(str).str.startswith("hpl_")  # Dalatrafik stop areas
        layers.rail_stations[bus].plot(ax=ax, marker="o", color="#2471a3", markersize=4 * scale, zorder=8.5)
        layers.rail_stations[~bus].plot(
            ax=ax, marker="s", color="white", edgecolor="#1c2833", markersize=34 * scale, linewidth=1.2, zorder=9
        )


def _zone_sizes(population: np.ndarray, scale: float) -> np.ndarray:
    """Marker area in pt² proportional to population (area ∝ population)."""
    return (6.0 + population / 140.0) * scale


def _draw_zones(ax: Axes, zones: gpd.GeoDataFrame, scale: float, *, label: str, offsets: dict) -> None:
    study = zones["kind"] != "external"
    sizes = _zone_sizes(zones["population"].to_numpy(dtype=float), scale)
    for mask, colour in ((study, STUDY_COLOUR), (~study, HUB_COLOUR)):
        part = zones[mask]
        ax.scatter(
            part.geometry.x,
            part.geometry.y,
            s=sizes[mask.to_numpy()],
            c=colour,
            alpha=0.55,
            edgecolors="white",
            linewidths=1.0,
            zorder=10,
        )
    # the region map names the towns (3 000 inhabitants or more), the close-up every zone
    shown = zones[(zones["population"] >= 3000) & (zones["kind"] != "rural")] if label == "region" else zones
    for _, zone in shown.iterrows():
        name = str(zone["name"])
        dx, dy = offsets.get(name, (7, 4))
        text = name.replace(" (del i Smedjebackens kommun)", "\n(Smedjebackens kommun)")
        bold = zone["population"] >= 3000
        ax.annotate(
            text,
            (zone.geometry.x, zone.geometry.y),
            xytext=(dx, dy),
            textcoords="offset points",
            fontsize=11 if bold else 9,
            fontweight="bold" if bold else "normal",
            fontstyle="italic" if zone["kind"] == "rural" else "normal",
            color="#17202a" if zone["kind"] != "external" else "#424949",
            zorder=16,
            path_effects=HALO,
            clip_on=True,
        )


def _draw_sites(ax: Axes, sites: gpd.GeoDataFrame, scale: float, *, labels: bool) -> None:
    for kind, marker in SITE_MARKERS.items():
        part = sites[sites["kind"] == kind]
        if len(part):
            ax.scatter(
                part.geometry.x,
                part.geometry.y,
                marker=marker,
                s=110 * scale,
                c=SITE_COLOUR,
                edgecolors="white",
                linewidths=1.2,
                zorder=12,
            )
    if labels:
        for site_id, site in sites.iterrows():
            dx, dy = SITE_OFFSETS.get(str(site_id), (7, -12))
            kind = {"mine": "mine", "plant": "plant", "deposit": "deposit"}.get(str(site["kind"]), "")
            ax.annotate(
                f"{str(site['name']).split(' (')[0]} {kind}".strip(),
                (site.geometry.x, site.geometry.y),
                xytext=(dx, dy),
                textcoords="offset points",
                fontsize=9,
                fontstyle="italic",
                color=SITE_COLOUR,
                zorder=16,
                path_effects=HALO,
                clip_on=True,
            )


def _off_map_arrow(ax: Axes, layers: tg.Layers, road_prefix: str, zone_id: str, text: str) -> None:
    """An arrow where a road leaves the view on the left, towards a zone outside it, with its road distance."""
    x0, _ = ax.get_xlim()
    y0, y1 = ax.get_ylim()
    road = layers.roads[layers.roads["road_id"].str.startswith(road_prefix)].geometry.union_all()
    edge = shapely.LineString([(x0, y0), (x0, y1)])
    crossing = road.intersection(edge)
    if crossing.is_empty:
        return
    ey = shapely.get_coordinates(crossing)[:, 1].mean()
    row = tg.travel_times(tg.build_network(layers), ["zones:ludvika"], [f"zones:{zone_id}"], mode="car").iloc[0]
    ax.annotate(
        f"{text}\n({row['distance_km']:.0f} km from Ludvika by road)",
        xy=(x0, ey),
        xytext=(24, -34),
        textcoords="offset points",
        fontsize=9,
        ha="left",
        va="top",
        color="#4d5656",
        arrowprops={"arrowstyle": "-|>", "color": "#4d5656", "lw": 1.2, "shrinkA": 2, "shrinkB": 0},
        zorder=18,
        path_effects=HALO,
    )


def _draw_housing(ax: Axes, housing: gpd.GeoDataFrame) -> None:
    for status, colour in HOUSING_COLOURS.items():
        part = housing[housing["status"] == status]
        if len(part):
            part.plot(ax=ax, color=colour, alpha=0.85, edgecolor="#1c2833", linewidth=0.6, zorder=8)


def _legend(fig: plt.Figure, ax: Axes, *, housing: bool) -> None:
    handles: list = [Line2D([], [], color=c, lw=w * 1.3, label=ROAD_LABEL[k]) for k, (c, w, _) in ROAD_STYLE.items()]
    handles += [
        Line2D([], [], color="#1c2833", lw=1.4, linestyle=(0, (5, 3)), label="railway (Bergslagsbanan, -pendeln)"),
        Line2D([], [], marker="s", color="white", markeredgecolor="#1c2833", lw=0, markersize=8, label="station"),
        Line2D([], [], marker="o", color="#2471a3", lw=0, markersize=3, label="bus stop (Dalatrafik)"),
    ]
    for kind, marker in SITE_MARKERS.items():
        handles.append(
            Line2D([], [], marker=marker, color=SITE_COLOUR, lw=0, markersize=9, label=f"mine site: {SITE_LABEL[kind]}")
        )
    handles += [
        Line2D(
            [], [], marker="o", color=STUDY_COLOUR, alpha=0.6, lw=0, markersize=10, label="zone, Ludvika/Smedjebacken"
        ),
        Line2D([], [], marker="o", color=HUB_COLOUR, alpha=0.6, lw=0, markersize=10, label="neighbouring town (hub)"),
    ]
    for population in (1_000, 10_000, 100_000):
        size = float(np.sqrt(_zone_sizes(np.array([population]), 1.0)[0]))
        handles.append(
            Line2D(
                [],
                [],
                marker="o",
                color="white",
                markeredgecolor="#566573",
                lw=0,
                markersize=size,
                label=f"{population:,} inhabitants".replace(",", " "),
            )
        )
    if housing:
        handles += [Patch(fc=c, ec="#1c2833", alpha=0.85, label=HOUSING_LABEL[k]) for k, c in HOUSING_COLOURS.items()]
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        fontsize=10,
        frameon=False,
        labelspacing=1.0,
        borderaxespad=0.0,
        title="Legend",
        title_fontproperties={"weight": "bold", "size": 11},
    )


def _study_bounds(
    zones: gpd.GeoDataFrame, pad_m: float, *, leave_out: tuple[str, ...] = ()
) -> tuple[float, float, float, float]:
    study = zones[zones["municipality"].isin(["Ludvika", "Smedjebacken"]) & ~zones.index.isin(list(leave_out))]
    x0, y0, x1, y1 = study.total_bounds
    return x0 - pad_m, y0 - pad_m, x1 + pad_m, y1 + pad_m


def _new_figure(title: str, subtitle: str) -> tuple[plt.Figure, Axes]:
    fig = plt.figure(figsize=FIGSIZE, dpi=DPI)
    ax = fig.add_axes((0.06, 0.07, 0.66, 0.83))
    fig.text(0.06, 0.955, title, fontsize=18, fontweight="bold", va="center")
    fig.text(0.06, 0.925, subtitle, fontsize=11, color="#4d5656", va="center")
    fig.text(0.06, 0.015, SOURCE_NOTE, fontsize=9, color="#566573")
    return fig, ax


def region_figure(layers: tg.Layers) -> plt.Figure:
    """The whole embedded region: roads, railways, towns, mine sites; the study area framed."""
    fig, ax = _new_figure(
        "Ludvika–Smedjebacken and its neighbouring towns",
        "tillvaxt_geo embedded region: roads by class with riksväg numbers, railways, stations and bus stops, "
        "zones sized by population, mine sites",
    )
    x0, y0, x1, y1 = layers.roads.total_bounds
    pad = 4_000.0
    ax.set_xlim(x0 - pad, x1 + pad)
    ax.set_ylim(y0 - pad, y1 + pad)
    _draw_roads(ax, layers.roads, 1.0)
    places = np.column_stack([layers.zones.geometry.x, layers.zones.geometry.y])
    _label_refs(ax, layers.roads, per_ref=2, inside=(x0, y0, x1, y1), avoid=places, clearance_m=6_000.0)
    _draw_rail(ax, layers, 0.8)
    _draw_zones(ax, layers.zones, 1.4, label="region", offsets=REGION_OFFSETS)
    _draw_sites(ax, layers.mine_sites, 0.8, labels=False)
    sx0, sy0, sx1, sy1 = _study_bounds(layers.zones, 2_500.0)
    ax.add_patch(
        Rectangle((sx0, sy0), sx1 - sx0, sy1 - sy0, fill=False, ec="#1f618d", lw=1.6, linestyle=(0, (6, 3)), zorder=14)
    )
    ax.annotate(
        "study area: Ludvika + Smedjebacken zones\n(close-up: docs/region_overview_local.png)",
        (sx0, sy1),
        xytext=(2, 6),
        textcoords="offset points",
        fontsize=9,
        color="#1f618d",
        zorder=16,
        path_effects=HALO,
    )
    _km_axes(ax)
    _scale_bar(ax, 20)
    _north_arrow(ax)
    _legend(fig, ax, housing=False)
    _car_time_table(fig, layers)
    return fig


def _car_time_table(fig: plt.Figure, layers: tg.Layers) -> None:
    """Free-flow car times and road distances from Ludvika to the towns, on the layers' own road network."""
    towns = layers.zones[(layers.zones["kind"] == "external") | (layers.zones.index == "smedjebacken")]
    towns = towns.assign(dest=[f"zones:{z}" for z in towns.index])
    grangesberg = layers.zones.loc[["grangesberg"]].assign(dest=["zones:grangesberg"])
    places = list(grangesberg["dest"]) + list(towns["dest"])
    names = dict(zip(places, list(grangesberg["name"]) + list(towns["name"]), strict=True))
    times = tg.travel_times(tg.build_network(layers), ["zones:ludvika"], places, mode="car")
    times = times.assign(name=[names[f"zones:{t}"] for t in times["to_id"]]).sort_values("travel_time_min")
    width = max(len(str(n)) for n in times["name"]) + 1
    lines = [f"{'to':<{width}}{'min':>5}{'km':>6}"]
    lines += [f"{r.name:<{width}}{r.travel_time_min:>5.0f}{r.distance_km:>6.0f}" for r in times.itertuples()]
    fig.text(
        0.745, 0.42, "Car from Ludvika (free flow,\non the layers' road network)", fontsize=11, weight="bold", va="top"
    )
    fig.text(0.745, 0.37, "\n".join(lines), fontsize=8.5, family="monospace", va="top", linespacing=1.25)


def local_figure(layers: tg.Layers) -> plt.Figure:
    """Ludvika–Smedjebacken up close: local roads, mine sites, housing land."""
    fig, ax = _new_figure(
        "Ludvika and Smedjebacken up close",
        "the study area: local roads, the mine sites of Nordic Iron Ore and Grängesberg Iron, "
        "housing land by planning status",
    )
    # Fredriksberg, 35 km west at the end of lv 245, is left out of the frame (an arrow points to it)
    x0, y0, x1, y1 = _study_bounds(layers.zones, 3_000.0, leave_out=("fredriksberg",))
    # keep the figure's aspect: widen the shorter side around the centre
    width, height = x1 - x0, y1 - y0
    target = 0.66 * FIGSIZE[0] / (0.83 * FIGSIZE[1])
    if width / height < target:
        grow = (height * target - width) / 2
        x0, x1 = x0 - grow, x1 + grow
    else:
        grow = (width / target - height) / 2
        y0, y1 = y0 - grow, y1 + grow
    ax.set_xlim(x0, x1)
    ax.set_ylim(y0, y1)
    _draw_roads(ax, layers.roads, 1.2)
    places = np.column_stack(
        [
            np.concatenate([layers.zones.geometry.x, layers.mine_sites.geometry.x]),
            np.concatenate([layers.zones.geometry.y, layers.mine_sites.geometry.y]),
        ]
    )
    _label_refs(ax, layers.roads, per_ref=2, inside=(x0, y0, x1, y1), avoid=places, clearance_m=2_500.0)
    _draw_rail(ax, layers, 1.0)
    _draw_housing(ax, layers.housing_land)
    _draw_zones(ax, layers.zones, 1.6, label="local", offsets=LOCAL_OFFSETS)
    _draw_sites(ax, layers.mine_sites, 1.2, labels=True)
    _off_map_arrow(ax, layers, "lv245_", "fredriksberg", "lv 245 to Fredriksberg")
    _km_axes(ax)
    _scale_bar(ax, 5)
    _north_arrow(ax)
    _legend(fig, ax, housing=True)
    # inset: central Ludvika, where the housing land and three mine sites crowd together
    inset = fig.add_axes((0.74, 0.07, 0.25, 0.33))
    cx, cy = layers.zones.loc["ludvika"].geometry.x, layers.zones.loc["ludvika"].geometry.y
    half = 4_000.0
    inset.set_xlim(cx - half, cx + half)
    inset.set_ylim(cy - half, cy + half)
    _draw_roads(inset, layers.roads, 0.9)
    _draw_rail(inset, layers, 0.8)
    _draw_housing(inset, layers.housing_land)
    _draw_sites(inset, layers.mine_sites, 0.8, labels=False)
    ludvika = layers.zones.loc[["ludvika"]]
    inset.scatter(
        ludvika.geometry.x, ludvika.geometry.y, s=90, c=STUDY_COLOUR, alpha=0.5, edgecolors="white", zorder=10
    )
    for _, area in layers.housing_land.iterrows():
        point = area.geometry.representative_point()
        if abs(point.x - cx) < half * 0.95 and abs(point.y - cy) < half * 0.95:
            inset.annotate(
                str(area["name"]).split(" (")[0].split(",")[0],
                (point.x, point.y),
                xytext=(5, 3),
                textcoords="offset points",
                fontsize=8,
                zorder=16,
                path_effects=HALO,
                clip_on=True,
            )
    inset.set_aspect("equal")
    inset.set_xticks([])
    inset.set_yticks([])
    inset.set_xlabel("")
    inset.set_ylabel("")
    inset.set_facecolor("#fbfcfc")
    inset.set_title("central Ludvika (8 × 8 km)", fontsize=10)
    for spine in inset.spines.values():
        spine.set_edgecolor("#1f618d")
        spine.set_linewidth(1.4)
    ax.add_patch(Rectangle((cx - half, cy - half), 2 * half, 2 * half, fill=False, ec="#1f618d", lw=1.4, zorder=14))
    return fig


def main() -> None:
    """Load the embedded layers and write both pictures."""
    layers = tg.load_layers()
    DOCS.mkdir(parents=True, exist_ok=True)
    for figure, out in ((region_figure(layers), OUT_REGION), (local_figure(layers), OUT_LOCAL)):
        figure.savefig(out, dpi=DPI)
        plt.close(figure)
        print(f"wrote {out}")


if __name__ == "__main__":
    main()
