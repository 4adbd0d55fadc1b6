"""Invariants of the embedded Ludvika–Smedjebacken region (layers/, see layers/SOURCES.md).

The expected figures are the cited facts only (municipal populations, the settlement list, the
housing target, the sourced workforce ranges); everything else is checked as a property.
"""

from __future__ import annotations

import filecmp
import itertools
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

# FACTS §1 (S1, S3, S4): municipal populations on 2024-12-31.
MUNICIPAL_POPULATION = {"Ludvika": 26_634, "Smedjebacken": 10_823}
# FACTS §2: settlements of the two municipalities. Marnäs (a district of Ludvika town) and
# Morgårdshammar (inside Smedjebacken tätort) are parts of other zones; Laxsjö was not found.
SETTLEMENTS = {
    "Ludvika": [
        "Ludvika",
        "Grängesberg",
        "Fredriksberg",
        "Sunnansjö",
        "Nyhammar",
        "Grangärde",
        "Gonäs",
        "Blötberget",
        "Håksberg",
        "Saxdalen",
        "Sörvik",
        "Norrbo och Västansjö",
    ],
    "Smedjebacken": ["Smedjebacken", "Söderbärke", "Vad", "Hagge", "Gubbo", "Björsjö"],
}
# FACTS §2 tätort populations that are sourced for the study area.
SOURCED_POPULATION = {
    "Ludvika": 15_248,
    "Grängesberg": 3_087,
    "Fredriksberg": 505,
    "Sunnansjö": 561,
    "Nyhammar": 974,
    "Gonäs": 326,
    "Blötberget": 227,
    "Håksberg": 427,
    "Saxdalen": 618,
    "Sörvik": 691,
    "Norrbo och Västansjö": 248,
    "Smedjebacken": 5_235,
    "Söderbärke": 1_000,
    "Vad": 300,
    "Hagge": 288,
    "Gubbo": 204,
}
EXTERNAL_HUBS = [
    "Borlänge",
    "Falun",
    "Fagersta",
    "Norberg",
    "Säter",
    "Hedemora",
    "Avesta",
    "Kopparberg",
    "Lindesberg",
    "Västerås",
]
# FACTS §7 (S75, S76): about 3 000 dwellings in plans in Ludvika by 2030.
LUDVIKA_HOUSING_TARGET = 3_000
MAX_ROAD_DISTANCE_M = 1_000.0

ID_COLUMNS = {
    "zones": "zone_id",
    "mine_sites": "site_id",
    "housing_land": "housing_id",
    "roads": "road_id",
    "rail_lines": "line_id",
    "rail_stations": "station_id",
}


@pytest.fixture(scope="module")
def region():
    from tillvaxt_geo import load_layers

    return load_layers()


def test_all_layers_present_in_sweref(region):
    for name in (*ID_COLUMNS, "rail_services"):
        assert getattr(region, name) is not None, name
    for name in ID_COLUMNS:
        assert getattr(region, name).crs.to_epsg() == 3006, name


@pytest.mark.parametrize("layer", list(ID_COLUMNS))
def test_ids_unique_and_present(region, layer):
    ids = getattr(region, layer)[ID_COLUMNS[layer]]
    assert ids.notna().all()
    assert (ids.astype(str).str.len() > 0).all()
    assert ids.is_unique, ids[ids.duplicated()].tolist()
    assert ids.str.fullmatch(r"[a-z0-9_]+").all(), ids[~ids.str.fullmatch(r"[a-z0-9_]+")].tolist()


@pytest.mark.parametrize("layer", list(ID_COLUMNS))
def test_no_empty_geometries(region, layer):
    geom = getattr(region, layer).geometry
    assert not geom.is_empty.any()
    assert geom.is_valid.all()


def test_municipal_population_totals_are_exact(region):
    z = region.zones
    for municipality, total in MUNICIPAL_POPULATION.items():
        assert int(z.loc[z["municipality"] == municipality, "population"].sum()) == total, municipality


def test_every_settlement_present(region):
    z = region.zones
    for municipality, names in SETTLEMENTS.items():
        here = set(z.loc[(z["municipality"] == municipality) & (z["kind"] == "settlement"), "name"])
        missing = sorted(set(names) - here)
        assert not missing, f"{municipality}: {missing}"


def test_sourced_settlement_populations(region):
    z = region.zones.set_index("name")
    for name, population in SOURCED_POPULATION.items():
        assert int(z.loc[name, "population"]) == population, name


def test_one_rural_remainder_per_study_municipality(region):
    z = region.zones
    rural = z[z["kind"] == "rural"]
    assert sorted(rural["municipality"]) == sorted(MUNICIPAL_POPULATION)
    assert (rural["population"] > 0).all()


def test_external_hubs_flagged(region):
    z = region.zones.set_index("name")
    for hub in EXTERNAL_HUBS:
        assert z.loc[hub, "kind"] == "external", hub
        assert z.loc[hub, "municipality"] not in MUNICIPAL_POPULATION, hub
    study = region.zones[region.zones["municipality"].isin(list(MUNICIPAL_POPULATION))]
    assert not (study["kind"] == "external").any()


def test_zone_counts_consistent(region):
    z = region.zones
    for col in ("population", "dwellings", "vacant_dwellings", "labour_force", "jobs"):
        assert (z[col] >= 0).all(), col
        assert (z[col] == z[col].round()).all(), col
    assert (z["vacant_dwellings"] <= z["dwellings"]).all()
    assert (z["labour_force"] <= z["population"]).all()
    # occupied dwellings house the population at a plausible household size (FACTS §7: 1.9–2.7)
    occupied = z["dwellings"] - z["vacant_dwellings"]
    size = z["population"] / occupied
    assert size.between(1.8, 2.8).all(), size[~size.between(1.8, 2.8)]


def test_every_feature_carries_a_source(region):
    for layer in ("zones", "mine_sites", "housing_land", "roads"):
        src = getattr(region, layer)["source"].astype(str)
        assert (src.str.len() > 10).all(), layer


def test_ludvika_housing_capacity_near_target(region):
    h = region.housing_land
    ludvika = int(h.loc[h["municipality"] == "Ludvika", "capacity_dwellings"].sum())
    assert 0.85 * LUDVIKA_HOUSING_TARGET <= ludvika <= 1.15 * LUDVIKA_HOUSING_TARGET, ludvika
    assert set(h["municipality"]) <= set(MUNICIPAL_POPULATION)
    assert h["available_from"].between(2025, 2032).all()
    assert (h["capacity_dwellings"] > 0).all()


def test_mine_workforce_ranges(region):
    m = region.mine_sites.set_index("site_id")
    for phase in ("construction", "operation"):
        assert (m[f"workers_{phase}_low"] <= m[f"workers_{phase}_high"]).all(), phase
    nio = m[m["company"] == "Nordic Iron Ore AB"]
    # FACTS §3: ~200 direct (S27), 200–250 directly or indirectly (S24), 300 (S26, FACTS §12)
    assert 200 <= nio["workers_operation_low"].sum() <= nio["workers_operation_high"].sum() <= 300
    # FACTS §3 [E]: Grängesberg 250–400
    assert (m.loc["grangesberg", "workers_operation_low"], m.loc["grangesberg", "workers_operation_high"]) == (250, 400)
    deposits = m[m["kind"] == "deposit"]
    assert len(deposits) and (deposits.filter(like="workers_").to_numpy() == 0).all()
    assert set(m.index) >= {"blotberget", "haksberg", "grangesberg", "vasman"}


def _road_vertices(region) -> np.ndarray:
    return np.vstack([np.asarray(g.coords) for g in region.roads.geometry])


@pytest.mark.parametrize("layer", ["zones", "mine_sites", "housing_land", "rail_stations"])
def test_everything_near_a_road_vertex(region, layer):
    vertices = _road_vertices(region)
    frame = getattr(region, layer)
    points = np.column_stack([frame.geometry.centroid.x, frame.geometry.centroid.y])
    distance = np.sqrt(((points[:, None, :] - vertices[None, :, :]) ** 2).sum(axis=2)).min(axis=1)
    far = frame.loc[distance > MAX_ROAD_DISTANCE_M, ID_COLUMNS[layer]].tolist()
    assert not far, f"{layer} farther than {MAX_ROAD_DISTANCE_M:.0f} m from a road vertex: {far}"


def test_road_network_is_one_component(region):
    parent: dict[tuple[float, float], tuple[float, float]] = {}

    def find(a):
        while parent.setdefault(a, a) != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a

    for geom in region.roads.geometry:
        coords = [(round(x, 2), round(y, 2)) for x, y in geom.coords]
        for a, b in itertools.pairwise(coords):
            parent[find(a)] = find(b)
    roots = {find(v) for v in list(parent)}
    assert len(roots) == 1, f"{len(roots)} road components"


def test_roads_valid_values(region):
    r = region.roads
    assert (r["speed_kmh"] > 0).all()
    assert set(r["road_class"]) <= {"trunk", "primary", "secondary", "local", "urban"}
    assert {"50", "66", "68"} <= set(r["ref"])
    assert not r["oneway"].astype(bool).any()


def test_gtfs_stops_are_stations(region):
    stations = set(region.rail_stations["station_id"])
    assert set(region.rail_services["station_id"]) <= stations
    assert set(region.rail_services["route"]) >= {"53", "55"}
    from tillvaxt_geo.data.layers import embedded_path

    stops = embedded_path() / "gtfs" / "stops.txt"
    if stops.exists():
        import pandas as pd

        assert set(pd.read_csv(stops, dtype=str)["stop_id"]) <= stations


def test_services_run_forward(region):
    s = region.rail_services.sort_values(["service_id", "stop_sequence"])
    for sid, group in s.groupby("service_id"):
        assert group["arrival_min"].is_monotonic_increasing, sid
        assert group["arrival_min"].iloc[0] == 0, sid


def test_scenarios_parse_and_name_existing_sites(region):
    from tillvaxt_geo.data.layers import embedded_path
    from tillvaxt_geo.scenario.config import load_scenario

    files = sorted((embedded_path() / "scenarios").glob("*.toml"))
    names = {f.stem for f in files}
    assert {"baseline", "nio_only", "two_companies", "two_companies_high_integration"} <= names
    sites = set(region.mine_sites["site_id"])
    for f in files:
        scenario = load_scenario(f)
        assert scenario.name == f.stem
        assert set(scenario.mines.open) <= sites, f.name


REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "author_region.py"


DALATRAFIK = REPO.parent / "shared" / "region" / "dalatrafik"


@pytest.mark.skipif(not SCRIPT.exists(), reason="authoring script not in this checkout")
@pytest.mark.skipif(not DALATRAFIK.is_dir(), reason="the shared Dalatrafik files (../shared) are not here")
def test_layers_match_authoring_script(tmp_path):
    """The committed layers are exactly what scripts/author_region.py writes."""
    subprocess.run([sys.executable, str(SCRIPT), "--out", str(tmp_path)], check=True, capture_output=True)
    layers = REPO / "layers"
    generated = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file())
    assert generated
    different = [str(p) for p in generated if not filecmp.cmp(tmp_path / p, layers / p, shallow=False)]
    assert not different, f"layers differ from the script's output (re-run the script): {different}"


@pytest.mark.skipif(not SCRIPT.exists(), reason="authoring script not in this checkout")
@pytest.mark.parametrize("defect", ["missing_file", "missing_column"])
def test_authoring_script_refuses_bad_input(tmp_path, defect):
    """A missing shared file or a changed column stops the script with a message naming it; nothing is written."""
    source = tmp_path / "dalatrafik"
    source.mkdir()
    if defect == "missing_column":
        gpd = pytest.importorskip("geopandas")
        from shapely.geometry import LineString, Point

        for name in ("Kollektivtrafik_Ludvika.gpkg", "Kollektivtrafik_Smedjebacken.gpkg"):
            lines = gpd.GeoDataFrame(
                {"shape_id": ["1"], "linjenummer": ["298"], "klassificering": ["Landsbygdstrafik"]},
                geometry=[LineString([(500000, 6660000), (501000, 6660000)])],
                crs="EPSG:3006",
            )
            stops = gpd.GeoDataFrame(
                {
                    "stop_id": ["1"],
                    "stop_name": ["A"],
                    "parent_station": ["p"],
                    "genomsnitt_veckodag_avgangar": [1.0],
                    "linjer": ["298"],
                },
                geometry=[Point(500000, 6660000)],
                crs="EPSG:3006",
            )
            lines.to_file(source / name, layer="linjer")
            stops.to_file(source / name, layer="hallplatslagen")
    out = tmp_path / "out"
    run = subprocess.run(
        [sys.executable, str(SCRIPT), "--out", str(out), "--dalatrafik", str(source)], capture_output=True, text=True
    )
    assert run.returncode != 0
    expected = "file not found" if defect == "missing_file" else "genomsnitt_veckodag_avgangar"
    assert expected in run.stderr, run.stderr
    assert not out.exists() or not any(p.is_file() for p in out.rglob("*"))
