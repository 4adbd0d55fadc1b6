#!/usr/bin/env python3
"""Author the embedded Ludvika–Smedjebacken layer set from facts written in this file and the Dalatrafik data.

Run from anywhere::

    python scripts/author_region.py            # rewrites layers/*.geojson and layers/gtfs/*.txt
    python scripts/author_region.py --out DIR  # writes the same files into DIR instead
    python scripts/author_region.py --dalatrafik DIR  # the Dalatrafik GeoPackages elsewhere

Every number below is copied from the project's region facts sheet and carries
its reference in a comment: ``FACTS §n, Sn`` is a sourced value (section and
source number of the facts sheet, listed in ``layers/SOURCES.md``), ``[D]`` a
value derived from sourced data, ``[E]`` an assumption of ours. The local roads
and the bus services are derived from the Dalatrafik route shapes and stops in
``../shared/region/dalatrafik/`` (CC0; ``bus_roads.py``, ``bus_services.py``
beside this script); the script checks those files first and stops with a
message naming every missing file, layer or column. Output is deterministic
(same input, byte-identical files) and written into a temporary directory
first, so a failed run never leaves half a layer set.

Settlement points come from stop and infobox coordinates; the roads outside
the study area are our own estimates along FACTS waypoints. No other
third-party geometry is copied.

``layers/SOURCES.md`` and ``layers/scenarios/*.toml`` are written by hand.
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import os
import tempfile
from collections import Counter
from pathlib import Path

import bus_roads
import bus_services
from pyproj import Geod, Transformer

ROOT = Path(__file__).resolve().parents[1]
# Dalatrafik route shapes and stops (see its README); the script reads them to derive the local roads.
DALATRAFIK = ROOT.parent / "shared" / "region" / "dalatrafik"
GEOD = Geod(ellps="GRS80")
TO_SWEREF = Transformer.from_crs("EPSG:4326", "EPSG:3006", always_xy=True)
TO_WGS84 = Transformer.from_crs("EPSG:3006", "EPSG:4326", always_xy=True)
MAX_SPACING_KM = 2.0  # a road vertex at least every ~2 km (densified by interpolation)


# ---------------------------------------------------------------------------
# Zones
# ---------------------------------------------------------------------------

# Municipal populations on 2024-12-31 (FACTS §1, S1/S3 Ludvika, S3/S4 Smedjebacken).
MUNICIPAL_POPULATION = {"Ludvika": 26_634, "Smedjebacken": 10_823}

# Household size (persons per occupied dwelling).
# FACTS §7: Sweden 2.2 (S83); Ludvika/Smedjebacken not found, [E] 2.0–2.1;
# Ljusnarsberg 1.9 (S84).
HOUSEHOLD_SIZE_STUDY = 2.05  # [E] middle of the FACTS §7 range 2.0–2.1
HOUSEHOLD_SIZE_EXTERNAL = 2.0  # [E] towns: below the national 2.2, = rental-flat size 2.0 (S83)
HOUSEHOLD_SIZE_KOPPARBERG = 1.9  # FACTS §7, S84 (Ljusnarsberg)

# Vacancy: share of all dwellings that are vacant and available.
# FACTS §7: LudvikaHem 3.7 % in 2019/20 (S78, rentals); market today [E] 1–3 %.
VACANCY_STUDY = 0.02  # [E] middle of the FACTS §7 [E] 1–3 % market range
VACANCY_EXTERNAL = 0.015  # [E] larger, tighter town markets

# Employed residents per resident.
# Not in FACTS. [E] 20–64 share ≈ 55 % × employment rate ≈ 80 % plus a few
# workers under 20 / over 64 ≈ 0.45 (older age structure); hubs 0.47.
EMPLOYMENT_RATE_STUDY = 0.45  # [E]
EMPLOYMENT_RATE_EXTERNAL = 0.47  # [E]

# Commuting shares 2021 (FACTS §12, SCB register data via Region Dalarna charts):
# (out-commuters as share of employed residents, in-commuters as share of jobs).
COMMUTING_2021 = {"Ludvika": (0.182, 0.243), "Smedjebacken": (0.514, 0.254)}

# Settlements of Ludvika and Smedjebacken (FACTS §2; settlements.csv).
# (zone_id, name, municipality, lat, lon, population, pop_year, source of the population, source of the point)
SETTLEMENTS = [
    (
        "ludvika",
        "Ludvika",
        "Ludvika",
        60.15026,
        15.18354,
        15_248,
        2023,
        "FACTS §2, S1 (Ludvika kommun part of the tätort only)",
        "Ludvika resecentrum [D]",
    ),
    ("grangesberg", "Grängesberg", "Ludvika", 60.07576, 15.00559, 3_087, 2023, "FACTS §2, S1", "Grängesberg jvstn [D]"),
    (
        "fredriksberg",
        "Fredriksberg",
        "Ludvika",
        60.14038,
        14.37308,
        505,
        2023,
        "FACTS §2, S1",
        "Fredriksberg centrum [D]",
    ),
    ("sunnansjo", "Sunnansjö", "Ludvika", 60.21735, 14.96043, 561, 2023, "FACTS §2, S1", "Sunnansjö Torget [D]"),
    ("nyhammar", "Nyhammar", "Ludvika", 60.29207, 14.97000, 974, 2023, "FACTS §2, S1", "Nyhammar torget [D]"),
    (
        "grangarde",
        "Grangärde",
        "Ludvika",
        60.26194,
        14.97765,
        200,
        None,
        "[E] assumption: not a tätort in S1 2023, 'a few hundred people' (FACTS §2) -> 200, "
        "taken out of the Ludvika rural remainder",
        "Grangärde torget [D]",
    ),
    ("gonas", "Gonäs", "Ludvika", 60.14688, 15.09356, 326, 2023, "FACTS §2, S1", "Gonäs [D]"),
    ("blotberget", "Blötberget", "Ludvika", 60.12435, 15.06050, 227, 2023, "FACTS §2, S1", "Blötberget centrum [D]"),
    ("haksberg", "Håksberg", "Ludvika", 60.18437, 15.20784, 427, 2023, "FACTS §2, S1", "Håksberg [D]"),
    ("saxdalen", "Saxdalen", "Ludvika", 60.14639, 14.98637, 618, 2023, "FACTS §2, S1", "Saxdalen centrum [D]"),
    ("sorvik", "Sörvik", "Ludvika", 60.18546, 15.15119, 691, 2023, "FACTS §2, S1", "Sörvik [D]"),
    (
        "norrbo_vastansjo",
        "Norrbo och Västansjö",
        "Ludvika",
        60.27000,
        14.95200,
        248,
        2023,
        "FACTS §2, S1",
        "Norrbo/Västansjö stops [D]",
    ),
    (
        "smedjebacken",
        "Smedjebacken",
        "Smedjebacken",
        60.13655,
        15.40652,
        5_235,
        2020,
        "FACTS §2, S4 (includes Morgårdshammar [E])",
        "Smedjebacken resecentrum [D]",
    ),
    (
        "soderbarke",
        "Söderbärke",
        "Smedjebacken",
        60.07039,
        15.55478,
        1_000,
        2020,
        "FACTS §2, S4",
        "Söderbärke busstn [D]",
    ),
    ("vad", "Vad", "Smedjebacken", 60.02751, 15.65926, 300, 2020, "FACTS §2, S4", "Vad village stop [D]"),
    ("hagge", "Hagge", "Smedjebacken", 60.12180, 15.26968, 288, 2020, "FACTS §2, S4", "Hagge Bruk [D]"),
    ("gubbo", "Gubbo", "Smedjebacken", 60.17623, 15.32250, 204, 2020, "FACTS §2, S4", "Gubbo [D]"),
    (
        "bjorsjo",
        "Björsjö",
        "Smedjebacken",
        60.03473,
        15.33717,
        100,
        None,
        "[E] assumption: not a tätort, no figure found (FACTS §2) -> 100, "
        "taken out of the Smedjebacken rural remainder",
        "Björsjö bystugan [D]",
    ),
    # The ~420 residents of Ludvika tätort who live in Smedjebacken kommun (FACTS §2, S11: 421 in 2014).
    # They count in Smedjebacken's total; the point is on rv 66 at Sjöbo/Norsbro, the part of the
    # Ludvika built-up area east of the municipal boundary [E].
    (
        "ludvika_smedjebackens_kommun",
        "Ludvika tätort (del i Smedjebackens kommun)",
        "Smedjebacken",
        60.15520,
        15.25000,
        421,
        2014,
        "FACTS §2, S11 (421 in 2014)",
        "[E] Sjöbo/Norsbro on rv 66 (FACTS §5.1)",
    ),
]

# One rural-remainder zone per municipality (population = municipal total − settlements).
# Placed on a road in the rural belt where the remainder mostly lives [E].
RURAL = [
    (
        "ludvika_landsbygd",
        "Ludvika landsbygd",
        "Ludvika",
        60.20943,
        15.11307,
        "[E] point on rv 66 between Sörvik and Finnsviken (bus 295 waypoint [D])",
    ),
    (
        "smedjebacken_landsbygd",
        "Smedjebacken landsbygd",
        "Smedjebacken",
        60.15543,
        15.52175,
        "[E] point on rv 66 east of Barken, between Smedjebacken and Söderbärke (bus 361 waypoint [D])",
    ),
]

# Neighbouring hubs (kind "external"): tätort populations (FACTS §2).
# (zone_id, name, municipality (kommun), lat, lon, population, year, source, point source)
# The commuting field (issue 14): every municipality within 90 min by car of a mine site is one zone (kind
# "external"), its point at the main town. (zone_id, name, municipality, lat, lon, population, year, source of
# the population, source of the point). Populations are municipal totals: FACTS §1 where it has them [S];
# otherwise [E] SCB figures for 2024-12-31 as recalled, rounded to 10 (not in FACTS; check in SCB BE0101).
# Sala (92 min) and Arboga (96 min) are beyond 90 min on the network, and so are Malung-Sälen, Rättvik, Örebro
# and Filipstad; they are left out.
EXTERNAL = [
    ("borlange", "Borlänge", "Borlänge", 60.48561, 15.43158, 51_425, 2024, "FACTS §1, S3", "Borlänge centrum [D]"),
    ("falun", "Falun", "Falun", 60.60453, 15.63533, 59_945, 2024, "FACTS §1, S3", "Knutpunkten [D]"),
    ("fagersta", "Fagersta", "Fagersta", 60.00417, 15.79333, 13_300, 2024, "[E] SCB as recalled", "wiki [S] S15"),
    ("norberg", "Norberg", "Norberg", 60.06670, 15.91670, 5_517, 2023, "FACTS §1, S6", "de.wiki [S] S6"),
    ("sater", "Säter", "Säter", 60.34705, 15.75233, 11_223, 2024, "FACTS §1, S3", "Säter torget [D]"),
    ("hedemora", "Hedemora", "Hedemora", 60.27451, 15.98001, 15_281, 2024, "FACTS §1, S3", "Hedemora resecentrum [D]"),
    ("avesta", "Avesta", "Avesta", 60.14444, 16.16750, 22_417, 2024, "FACTS §1, S3", "town point [S-weak] (FACTS §2)"),
    ("kopparberg", "Kopparberg", "Ljusnarsberg", 59.86700, 14.98300, 4_369, 2024, "FACTS §1, S5", "wiki [S] S13"),
    ("lindesberg", "Lindesberg", "Lindesberg", 59.59400, 15.23000, 23_141, 2024, "FACTS §1, S5", "[E] town centre"),
    ("vasteras", "Västerås", "Västerås", 59.60750, 16.55213, 158_600, 2024, "[E] SCB as recalled", "Västerås C [D]"),
    ("gagnef", "Gagnef (Djurås)", "Gagnef", 60.55860, 15.13250, 10_190, 2024, "[E] SCB as recalled", "[E] Djurås"),
    ("leksand", "Leksand", "Leksand", 60.73000, 14.99900, 15_980, 2024, "[E] SCB as recalled", "[E] town centre"),
    ("vansbro", "Vansbro", "Vansbro", 60.51200, 14.22400, 6_660, 2024, "[E] SCB as recalled", "[E] town centre"),
    ("hallefors", "Hällefors", "Hällefors", 59.78200, 14.52200, 6_650, 2024, "[E] SCB as recalled", "[E] town centre"),
    ("nora", "Nora", "Nora", 59.51960, 15.03900, 10_530, 2024, "[E] SCB as recalled", "[E] town centre"),
    (
        "skinnskatteberg",
        "Skinnskatteberg",
        "Skinnskatteberg",
        59.83000,
        15.68900,
        4_300,
        2024,
        "[E] SCB as recalled",
        "[E] town centre",
    ),
    ("koping", "Köping", "Köping", 59.51400, 15.99300, 26_700, 2024, "[E] SCB as recalled", "[E] town centre"),
    ("surahammar", "Surahammar", "Surahammar", 59.71734, 16.22060, 10_200, 2024, "[E] SCB as recalled", "rail [D]"),
    (
        "hallstahammar",
        "Hallstahammar",
        "Hallstahammar",
        59.61300,
        16.22900,
        16_600,
        2024,
        "[E] SCB as recalled",
        "[E] town centre",
    ),
]


def _largest_remainder(total: int, weights: list[int]) -> list[int]:
    """Split an integer total in proportion to weights; the parts add up exactly."""
    s = sum(weights)
    raw = [total * w / s for w in weights]
    parts = [math.floor(r) for r in raw]
    left = total - sum(parts)
    order = sorted(range(len(raw)), key=lambda i: (-(raw[i] - parts[i]), i))
    for i in order[:left]:
        parts[i] += 1
    return parts


def _dwellings(population: int, household_size: float, vacancy: float) -> tuple[int, int]:
    """Return (dwellings, vacant): occupied = population / household size; vacant = dwellings × vacancy."""
    occupied = round(population / household_size)
    dwellings = round(occupied / (1.0 - vacancy))
    return dwellings, dwellings - occupied


def zone_features() -> list[dict]:
    rows: list[dict] = []
    for zid, name, muni, lat, lon, pop, year, psrc, csrc in SETTLEMENTS:
        year_txt = f" ({year})" if year else ""
        rows.append(
            dict(
                zone_id=zid,
                name=name,
                municipality=muni,
                lat=lat,
                lon=lon,
                population=pop,
                kind="settlement",
                src=f"population {pop}{year_txt}: {psrc}; point: {csrc}",
            )
        )
    for zid, name, muni, lat, lon, csrc in RURAL:
        settled = sum(r["population"] for r in rows if r["municipality"] == muni)
        pop = MUNICIPAL_POPULATION[muni] - settled
        rows.append(
            dict(
                zone_id=zid,
                name=name,
                municipality=muni,
                lat=lat,
                lon=lon,
                population=pop,
                kind="rural",
                src=f"population {pop} = municipal total {MUNICIPAL_POPULATION[muni]} (2024-12-31, FACTS §1) "
                f"minus the settlement zones (2020/2023 figures; the remainder absorbs the year "
                f"difference) [D]; point: {csrc}",
            )
        )
    # Labour force and jobs of the two study municipalities.
    for muni, (out_share, in_share) in COMMUTING_2021.items():
        members = [r for r in rows if r["municipality"] == muni]
        weights = [r["population"] for r in members]
        labour = round(MUNICIPAL_POPULATION[muni] * EMPLOYMENT_RATE_STUDY)
        # jobs located in the municipality = residents working at home / (1 − in-commuter share of jobs)
        jobs = round(labour * (1.0 - out_share) / (1.0 - in_share))
        for r, lf, jb in zip(
            members, _largest_remainder(labour, weights), _largest_remainder(jobs, weights), strict=True
        ):
            d, v = _dwellings(r["population"], HOUSEHOLD_SIZE_STUDY, VACANCY_STUDY)
            r.update(dwellings=d, vacant_dwellings=v, labour_force=lf, jobs=jb)
            r["src"] += (
                f"; dwellings = population / {HOUSEHOLD_SIZE_STUDY} [E] (FACTS §7, S83) / (1 − {VACANCY_STUDY}) "
                f"and vacant = {VACANCY_STUDY:.0%} of dwellings [E] (FACTS §7, S78); labour_force: {muni} "
                f"employed residents {labour} = population × {EMPLOYMENT_RATE_STUDY} [E], split by population; "
                f"jobs: {muni} total {jobs} = employed residents × (1 − {out_share}) / (1 − {in_share}) "
                f"(FACTS §12, 2021 commuting shares), split by population [E]"
            )
    for zid, name, muni, lat, lon, pop, year, psrc, csrc in EXTERNAL:
        hh = HOUSEHOLD_SIZE_KOPPARBERG if zid == "kopparberg" else HOUSEHOLD_SIZE_EXTERNAL
        hh_src = "FACTS §7, S84 (Ljusnarsberg)" if zid == "kopparberg" else "[E]"
        d, v = _dwellings(pop, hh, VACANCY_EXTERNAL)
        lf = round(pop * EMPLOYMENT_RATE_EXTERNAL)
        year_txt = f" ({year})" if year else ""
        rows.append(
            dict(
                zone_id=zid,
                name=name,
                municipality=muni,
                lat=lat,
                lon=lon,
                population=pop,
                kind="external",
                dwellings=d,
                vacant_dwellings=v,
                labour_force=lf,
                jobs=lf,
                src=f"population {pop}{year_txt}: {muni} kommun, {psrc}; point: {csrc}; dwellings = population / {hh} "
                f"{hh_src} / (1 − {VACANCY_EXTERNAL}) and vacant = {VACANCY_EXTERNAL:.1%} [E]; labour_force = "
                f"population × {EMPLOYMENT_RATE_EXTERNAL} [E]; jobs = labour_force [E] (hub assumed balanced)",
            )
        )
    feats = []
    for r in rows:
        props = {
            k: r[k]
            for k in (
                "zone_id",
                "name",
                "municipality",
                "population",
                "dwellings",
                "vacant_dwellings",
                "labour_force",
                "jobs",
                "kind",
            )
        }
        props["source"] = r["src"]
        feats.append(_feature(props, {"type": "Point", "coordinates": _ll(r["lat"], r["lon"])}))
    return feats


# ---------------------------------------------------------------------------
# Mine sites (FACTS §3, §12)
# ---------------------------------------------------------------------------

# Nordic Iron Ore (NIO) direct operating workforce 200–300 in total: "directly or indirectly 200–250"
# (S24), "~200 direct employees" (S27), "can create 300 new jobs" (S26), "just over 300 people"
# (English organisation page, FACTS §12). Split [E]: Blötberget mine restarts first (S19, S23),
# the Skeppmora concentrator + administration hold the surface jobs (S24, S26), Håksberg is the
# second, smaller mine. Construction workforce: no figure in FACTS, [E] peak about 1–1.5 × the
# operating workforce (contractors), Grängesberg larger (capex US$560 M, S36).
MINE_SITES = [
    dict(
        site_id="blotberget",
        name="Blötberget",
        company="Nordic Iron Ore AB",
        status="concession 2011 (25 yr), environmental permit 2014; closed 1979; not in production (2024–25)",
        workers_construction_low=100,
        workers_construction_high=200,
        workers_operation_low=100,
        workers_operation_high=140,
        kind="mine",
        lat=60.1244,
        lon=15.0605,
        source="point: Blötberget village centre [D] (FACTS §3); status FACTS §3, S18, S19; operation 100–140 = "
        "[E] share of NIO's 200–300 direct jobs (S24, S26, S27, FACTS §12): underground mine at the "
        "420 m level (S23); construction 100–200 [E] assumption (no source)",
    ),
    dict(
        site_id="skeppmora",
        name="Skeppmora (planerat anrikningsverk)",
        company="Nordic Iron Ore AB",
        status="planned concentrator and surface area, 2.5 km decline to Blötberget (S26); not built",
        workers_construction_low=80,
        workers_construction_high=150,
        workers_operation_low=50,
        workers_operation_high=70,
        kind="plant",
        lat=60.122,
        lon=15.118,
        source="point: [E] from the Stugusvägen Skeppmora stop (FACTS §3, S26); operation 50–70 = [E] "
        "concentrator + administration share of NIO's 200–300 direct jobs (S24: concentrator and "
        "administration in-house); construction 80–150 [E] assumption (no source)",
    ),
    dict(
        site_id="haksberg",
        name="Håksberg",
        company="Nordic Iron Ore AB",
        status="concession 2011; closed 1979; planned second mine after Blötberget; not in production",
        workers_construction_low=30,
        workers_construction_high=80,
        workers_operation_low=50,
        workers_operation_high=90,
        kind="mine",
        lat=60.184,
        lon=15.208,
        source="point: Håksberg village [D] (FACTS §3); status FACTS §3, S18, S20; operation 50–90 = [E] share "
        "of NIO's 200–300 direct jobs (S24, S26, S27); construction 30–80 [E] assumption (no source)",
    ),
    dict(
        site_id="grangesberg",
        name="Grängesberg",
        company="Grängesberg Iron AB",
        status="concession 2013 (25 yr), updated PFS 2022 (5.3 Mt/yr ROM, 16 yr); closed 1989; not in production",
        workers_construction_low=300,
        workers_construction_high=600,
        workers_operation_low=250,
        workers_operation_high=400,
        kind="mine",
        lat=60.081,
        lon=14.990,
        source="point: [E] Gamla Gruvkontoret stop (FACTS §3); status S33, S34, S36; operation 250–400 = "
        "[E] FACTS §3 estimate scaled from 5.3 Mt/yr ROM vs NIO's 200–250 at ~3 Mt/yr (no company "
        "figure found, FACTS §12 NF); construction 300–600 [E] assumption (capex US$560 M, S36)",
    ),
    dict(
        site_id="vasman",
        name="Väsmanfältet (Södra Väsmanfältet K nr 1)",
        company="Nordic Iron Ore AB",
        status="deposit: concession 2017 (S29), exploration permit 2019 (S30); no mining plan",
        workers_construction_low=0,
        workers_construction_high=0,
        workers_operation_low=0,
        workers_operation_high=0,
        kind="deposit",
        lat=60.136,
        lon=15.150,
        source="point: [E] south shore of Väsman at Finnäset (FACTS §3, S29); no plan, 0 workers",
    ),
]


def mine_features() -> list[dict]:
    feats = []
    for s in MINE_SITES:
        props = {
            k: s[k]
            for k in (
                "site_id",
                "name",
                "company",
                "status",
                "workers_construction_low",
                "workers_construction_high",
                "workers_operation_low",
                "workers_operation_high",
                "kind",
                "source",
            )
        }
        feats.append(_feature(props, {"type": "Point", "coordinates": _ll(s["lat"], s["lon"])}))
    return feats


# ---------------------------------------------------------------------------
# Housing land (FACTS §7) — approximate footprints around estimated centres
# ---------------------------------------------------------------------------

# (housing_id, name, municipality, capacity, status, available_from, lat, lon, dwellings per ha, source)
# Ludvika: ~3 000 dwellings in plans by 2030 (S75, S76): ~1 000 already in plans + ~2 000 to add.
# Already built and therefore in the existing stock (not housing land): LudvikaHem's 52 flats
# (2020, S78), Bärkehus 37 + Moga 32 (2018) and 36 rental flats (S81).
HOUSING = [
    (
        "vasmanstrand",
        "Väsmanstrand (Svanen + Väsmanstrand)",
        "Ludvika",
        160,
        "adopted",
        2028,
        60.1516,
        15.1838,
        70,
        "capacity ≤160 rental flats, construction starts spring 2026 (FACTS §7, S77); plan adopted 2019 "
        "(ludvika.se, see SOURCES.md); available 2028 [E] (2-yr build); centre [E] between station and lake",
    ),
    (
        "sakofall_ludvika",
        "Sakofall, pågående projekt (Ludvikadelen)",
        "Ludvika",
        50,
        "adopted",
        2026,
        60.1462,
        15.1905,
        60,
        "~100 dwellings under way in Ludvika + Smedjebacken (FACTS §7, S77), split 50/50 [E]; "
        "location [E] central Ludvika",
    ),
    (
        "folkets_hus_parkering",
        "Folkets hus parkering",
        "Ludvika",
        80,
        "proposed",
        2029,
        60.1488,
        15.1878,
        80,
        "candidate area named by the councillors (FACTS §7, S10, S79); capacity 80 [E]; centre [E] central Ludvika",
    ),
    (
        "knutsbo",
        "Knutsbo",
        "Ludvika",
        480,
        "proposed",
        2030,
        60.1365,
        15.2005,
        30,
        "candidate area (FACTS §7, S10, S79); capacity 480 [E] share of the ~2 000 to add (S75); "
        "centre [E] near the Knutsbotjärn stop 60.1352, 15.2028 [D]",
    ),
    (
        "stora_hillanget",
        "Stora Hillänget",
        "Ludvika",
        700,
        "proposed",
        2031,
        60.1512,
        15.2095,
        50,
        "candidate area (FACTS §7, S10, S79); capacity 700 [E] share of the ~2 000 to add (S75); "
        "centre [E] ~60.15, 15.21",
    ),
    (
        "laggarudden",
        "Laggarudden (villor + flerbostadshus)",
        "Ludvika",
        400,
        "proposed",
        2030,
        60.1695,
        15.1575,
        40,
        "candidate area, villas + blocks (FACTS §7, S10, S79); capacity 400 [E]; centre [E] inner part of the "
        "headland on Väsman's east shore ~3 km NW of the centre (ludvika.se Laggarudden etapp 4)",
    ),
    (
        "bysjostrand_ekoby",
        "Bysjöstrands ekoby (Saxhyttan 4:411), Grangärde",
        "Ludvika",
        60,
        "adopted",
        2026,
        60.2745,
        14.9650,
        10,
        "ekobyn Grangärde (FACTS §7, S10, S79; plan adopted by KSUN 2021-03-25 per S79); capacity 60 [E]; "
        "location [E] near Grangärde",
    ),
    (
        "mobergs_vag_sodra",
        "Möbergs väg södra (Saxhyttan 19:27), Nyhammar",
        "Ludvika",
        30,
        "adopted",
        2025,
        60.2885,
        14.9725,
        10,
        "detaljplan adopted 2012 (FACTS §7, S80); capacity 30 villas [E]; location [E] south Nyhammar",
    ),
    (
        "sorvik_10_67",
        "Sörvik 10:67 / 10:68",
        "Ludvika",
        40,
        "adopted",
        2027,
        60.1880,
        15.1475,
        15,
        "land allocation for housing 2020 (FACTS §7, S79); capacity 40 [E]; location [E] Sörvik",
    ),
    (
        "ludvika_ovriga_planer",
        "Ludvika tätort, övriga gällande planer (antaget)",
        "Ludvika",
        700,
        "assumed",
        2027,
        60.1605,
        15.2005,
        35,
        "[E] assumption: the rest of the ~1 000 dwellings already in plans (FACTS §7, S75) not named in FACTS; "
        "change it in housing_land.geojson; footprint [E] north Ludvika east of rv 50",
    ),
    (
        "grangesberg_tillskott",
        "Grängesberg, antaget tillskott",
        "Ludvika",
        300,
        "assumed",
        2032,
        60.0800,
        15.0110,
        30,
        "[E] assumption: part of the ~2 000 to add by 2030 outside Ludvika tätort (S75: 'most are in Ludvika "
        "tätort'); change it in housing_land.geojson; footprint [E] central Grängesberg",
    ),
    # Smedjebacken (FACTS §7, S81, S82)
    (
        "lis_strandnara_tomter",
        "LIS-områden, strandnära tomter",
        "Smedjebacken",
        150,
        "proposed",
        2029,
        60.1560,
        15.4420,
        5,
        "LIS plan with ~150 shoreline plots (FACTS §7, S81); one representative footprint [E] on Barken's "
        "north shore (the plots are spread along several shores)",
    ),
    (
        "kolbacksan_bostadsratter",
        "8 bostadsrätter vid Kolbäcksån",
        "Smedjebacken",
        8,
        "adopted",
        2025,
        60.1383,
        15.4030,
        40,
        "8 bostadsrätter beside Kolbäcksån (FACTS §7, S81); location [E] central Smedjebacken",
    ),
    (
        "brustorpet",
        "Brustorpet, Söderbärke",
        "Smedjebacken",
        20,
        "adopted",
        2026,
        60.0649,
        15.5513,
        8,
        "detaljplan for villas ~1 km from the station (FACTS §7, S82); capacity 20 [E]; stop 60.0649, 15.5513 [D]",
    ),
    (
        "harnas_udde",
        "Harnäs Udde (Harnäs 16:1)",
        "Smedjebacken",
        30,
        "adopted",
        2026,
        60.1530,
        15.2420,
        10,
        "plan by Övre Hillen, 2017 (FACTS §7, S82); capacity 30 [E]; location [E] east of the Ludvika "
        "boundary on rv 66",
    ),
    (
        "timmermannen",
        "kv Timmermannen",
        "Smedjebacken",
        40,
        "adopted",
        2026,
        60.1360,
        15.4105,
        60,
        "central plan, 2019 (FACTS §7, S82); capacity 40 [E]; location [E] central Smedjebacken",
    ),
    (
        "danskbo",
        "Danskbo 2:2 vid Vevungen",
        "Smedjebacken",
        25,
        "proposed",
        2028,
        60.1500,
        15.4190,
        8,
        "plan by lake Vevungen, 2019 (FACTS §7, S82); capacity 25 [E]; location NOT known: placed [E] at "
        "Smedjebacken's north-east edge, move it when the plan map is checked",
    ),
    (
        "berguven_berga_gard",
        "kv Berguven / Berga gård",
        "Smedjebacken",
        40,
        "adopted",
        2027,
        60.1330,
        15.3965,
        25,
        "plan 2020 (FACTS §7, S82); capacity 40 [E]; location [E] Smedjebacken",
    ),
    (
        "sakofall_smedjebacken",
        "Sakofall, pågående projekt (Smedjebackendelen)",
        "Smedjebacken",
        50,
        "adopted",
        2026,
        60.1342,
        15.4150,
        60,
        "~100 dwellings under way in Ludvika + Smedjebacken (FACTS §7, S77), split 50/50 [E]; location [E]",
    ),
]


def housing_features() -> list[dict]:
    feats = []
    for hid, name, muni, cap, status, year, lat, lon, density, src in HOUSING:
        area_m2 = max(cap / density * 10_000.0, 5_000.0)
        x, y = TO_SWEREF.transform(lon, lat)
        w = math.sqrt(area_m2 * 1.3)  # 1.3 : 1 east-west rectangle
        h = area_m2 / w
        corners = [(x - w / 2, y - h / 2), (x + w / 2, y - h / 2), (x + w / 2, y + h / 2), (x - w / 2, y + h / 2)]
        ring = [list(_round_xy(*TO_WGS84.transform(cx, cy))) for cx, cy in corners]
        ring.append(ring[0])  # counter-clockwise exterior (RFC 7946)
        props = dict(
            housing_id=hid,
            name=name,
            municipality=muni,
            capacity_dwellings=cap,
            status=status,
            available_from=year,
            source=f"{src}; footprint approximate: rectangle of {area_m2 / 10_000:.1f} ha "
            f"({density} dwellings/ha [E]) around the stated centre",
        )
        feats.append(_feature(props, {"type": "Polygon", "coordinates": [ring]}))
    return feats


# ---------------------------------------------------------------------------
# Roads (FACTS §5, corridor_waypoints.csv)
# ---------------------------------------------------------------------------

# Junctions and named points (lat, lon); defined once and reused so that connecting
# segments share exactly the same vertex.
N = {
    # rv 50 (FACTS §5.1 table, [D] unless marked)
    "lindesberg": (59.594, 15.230),  # [E] FACTS §2
    "lindesberg_norr": (59.6055, 15.2220),  # [E] northern edge of Lindesberg town (end of the urban stretch)
    "stora": (59.71, 15.13),  # [E] FACTS §5.1
    "kopparberg_syd": (59.8560, 14.9950),  # [E] southern edge of Kopparberg town
    "kopparberg": (59.867, 14.983),  # FACTS §2 (S13)
    "kopparberg_norr": (59.8780, 14.9740),  # [E] northern edge of Kopparberg town
    "stalldalen_syd": (59.9220, 14.9440),  # [E] southern edge of Ställdalen
    "stalldalen": (59.93, 14.94),  # [E] FACTS §5.1
    "stalldalen_norr": (59.9390, 14.9420),  # [E] northern edge of Ställdalen
    "grb_kyrkbacken": (60.0791, 15.0239),  # Grängesberg, Kyrkbacken rv 50 [D]
    "klenshyttan": (60.1026, 15.0987),
    "skeppmora": (60.1227, 15.1228),
    "ovre_finnaset": (60.1341, 15.1492),
    "rondellen_gonasvagen": (60.1326, 15.1758),
    "mossplan": (60.1435, 15.1811),
    "ludvika": (60.1503, 15.1835),  # Ludvika resecentrum
    "ludvika_norr": (60.16089, 15.19379),  # bus 296 waypoint
    "haksberg": (60.18684, 15.20992),  # bus 296 waypoint at Håksberg
    "persbo": (60.205, 15.221),
    "borlange": (60.48258, 15.42696),  # Borlänge resecentrum (bus 296 start)
    "borlange_infart": (60.45442, 15.37151),  # bus 296 waypoint, start of the Borlänge urban stretch
    "falun": (60.60453, 15.63533),  # Knutpunkten (Falun) [D]
    "borlange_centrum_sv": (60.47518, 15.40562),  # bus 296 waypoint, south-west edge of Borlänge centre
    "borlange_centrum_no": (60.4880, 15.4420),  # [E] north-east edge of Borlänge centre on E16
    "falun_centrum": (60.5965, 15.6180),  # [E] south-west edge of Falun centre on E16
    "borlange_e16": (60.5040, 15.4880),  # [E] E16 at Borlänge's north-eastern edge (end of the town stretch)
    "ornas": (60.5170, 15.5330),  # [E] Ornäs, on E16 between Borlänge and Falun
    "falun_sydvast": (60.5790, 15.5890),  # [E] E16 at Falun's south-western edge (start of the town stretch)
    # Grängesberg
    "grb_station": (60.07576, 15.00559),
    "grb_gruvkontoret": (60.08107, 14.99038),  # bus 298 end, Gamla Gruvkontoret
    "blotberget": (60.12435, 15.0605),
    "gonas": (60.14688, 15.09356),
    "saxdalen": (60.14639, 14.98637),
    # rv 66 / lv 245 north-west
    "ludvika_vast": (60.15591, 15.18563),  # bus 295 waypoint
    "laggarudden_avfart": (60.17042, 15.16318),  # [E] on the road between two bus 295 waypoints
    "sorvik": (60.18862, 15.14576),  # bus 295 waypoint at Sörvik
    "ludvika_landsbygd": (60.20943, 15.11307),  # bus 295 waypoint (rural zone point)
    "finnsviken": (60.2370, 15.0120),  # [E] split of rv 66 and lv 245 (buses 295/297 diverge here)
    "grangarde": (60.26397, 14.97947),  # bus 295 waypoint at Grangärde
    "nyhammar": (60.29202, 14.96987),
    "sunnansjo": (60.21862, 14.96157),  # bus 297 waypoint at Sunnansjö
    "fredriksberg": (60.13691, 14.37441),
    # rv 66 east
    "marnas": (60.15186, 15.20267),
    "harnas": (60.1496, 15.2208),
    "sjobo": (60.15517, 15.2532),  # bus 298 waypoint
    "hagge_avfart": (60.14897, 15.27285),  # bus 298 waypoint
    "lernbo": (60.1393, 15.3116),
    "morgardshammar": (60.1472, 15.3746),
    "smedjebacken_rv66": (60.1440, 15.4150),  # [E] rv 66 junction north-east of the centre
    "smedjebacken": (60.13655, 15.40652),
    "smedjebacken_landsbygd": (60.15543, 15.52175),
    "soderbarke_avfart": (60.07375, 15.58099),  # bus 361 waypoint
    "soderbarke": (60.07039, 15.55478),
    "vad": (60.03048, 15.64275),  # bus 361 waypoint by Vad halt
    "fagersta": (60.00689, 15.78565),  # bus 361 waypoint, Fagersta
    "oti": (59.99026, 15.81601),  # Oti/Fagersta, rv 66 x rv 68 (bus 361 end) [D]
    "surahammar": (59.71734, 16.2206),  # rail waypoint [D]
    "vasteras": (59.6075, 16.55213),  # Västerås C [D]
    # other hubs
    "norberg_syd": (60.0600, 15.9080),  # [E] south-western edge of Norberg on rv 68
    "norberg": (60.0667, 15.9167),
    "norberg_ost": (60.0720, 15.9320),  # [E] eastern edge of Norberg on rv 68
    "avesta_infart": (60.1500, 16.1400),  # [E] where rv 68 and rv 70 meet north-west of Avesta (S57)
    "avesta": (60.14444, 16.1675),
    "sater": (60.34705, 15.75233),
    "hedemora": (60.27451, 15.98001),
    # small places
    "hagge": (60.1218, 15.26968),
    "bjorsjo": (60.03473, 15.33717),
    "gubbo": (60.17623, 15.3225),
    "norrbo_vastansjo": (60.2700, 14.9520),
}

# Rail waypoints of Bergslagspendeln Ludvika – Västerås C (corridor_waypoints.csv, [D]); rv 66 and the
# road along the railway south of Surahammar follow them where they share the valley.
PENDELN = [
    (60.15017, 15.18298),
    (60.14744, 15.19407),
    (60.14855, 15.22055),
    (60.15556, 15.24224),
    (60.14334, 15.26145),
    (60.13391, 15.28287),
    (60.12978, 15.30497),
    (60.13887, 15.32846),
    (60.14446, 15.3559),
    (60.14342, 15.38175),
    (60.13654, 15.4055),
    (60.13266, 15.43104),
    (60.12986, 15.45618),
    (60.12056, 15.47618),
    (60.10498, 15.50844),
    (60.09192, 15.52184),
    (60.07437, 15.53613),
    (60.06114, 15.54453),
    (60.0487, 15.55807),
    (60.0401, 15.57918),
    (60.03626, 15.60408),
    (60.03679, 15.62851),
    (60.03031, 15.6513),
    (60.02052, 15.67856),
    (60.0172, 15.70458),
    (60.02708, 15.72372),
    (60.02029, 15.73868),
    (60.0163, 15.7633),
    (60.00626, 15.78104),
    (59.99831, 15.80276),
    (59.99084, 15.81999),
    (59.98431, 15.84319),
    (59.97991, 15.86712),
    (59.96765, 15.89302),
    (59.96207, 15.91857),
    (59.95967, 15.94358),
    (59.9632, 15.96607),
    (59.96272, 15.99171),
    (59.95457, 16.00978),
    (59.94136, 16.02117),
    (59.92937, 16.03622),
    (59.91244, 16.05715),
    (59.89156, 16.07465),
    (59.87636, 16.08319),
    (59.86226, 16.08534),
    (59.85041, 16.09949),
    (59.8384, 16.1248),
    (59.82736, 16.14192),
    (59.81462, 16.16083),
    (59.80219, 16.17118),
    (59.78938, 16.1789),
    (59.78026, 16.19858),
    (59.76718, 16.21026),
    (59.75385, 16.21123),
    (59.73407, 16.21827),
    (59.71734, 16.2206),
    (59.70189, 16.22046),
    (59.67151, 16.21178),
    (59.65862, 16.21985),
    (59.64495, 16.22495),
    (59.62653, 16.22961),
    (59.61466, 16.22014),
    (59.59589, 16.23411),
    (59.58226, 16.24097),
    (59.56932, 16.25057),
    (59.5679, 16.29224),
    (59.56502, 16.33586),
    (59.56585, 16.36456),
    (59.57157, 16.38992),
    (59.58149, 16.41972),
    (59.58714, 16.44383),
    (59.59074, 16.47216),
    (59.59422, 16.49811),
    (59.59818, 16.52539),
    (59.60538, 16.5478),
    (59.6075, 16.55213),
]

S_RV50 = "FACTS §5.1 rv 50 course (S50, S51)"
S_GEO_E = "geometry: [E] straight links between estimated points"
S_URBAN = "speed: urban 40–50 (FACTS §5.2 speed limits [E])"
S_VILLAGE = "speed: through villages 50–60 (FACTS §5.2 speed limits [E])"
S_LOCAL = "speed: local roads 70 (FACTS §5.2 suggested default [E])"

# Corridors outside the study area that no Dalatrafik bus of Ludvika or Smedjebacken traces (rv 50 south of
# Grängesberg and Borlänge–Falun, rv 66 south of Fagersta, rv 68, rv 70, the road along the railway to Västerås),
# kept from the estimated layer, and the [E] roads to the commuting-field zones of issue 14. The roads of the
# study area are the bus roads (scripts/bus_roads.py); each corridor's end joins the nearest bus road.
# Pieces: (key, ref, road_class, speed_kmh, name, source, points). Points are names in N or (lat, lon).
ROADS = [
    # --- riksväg 50, south to north -------------------------------------------------------
    (
        "rv50_lindesberg_infart",
        "50",
        "trunk",
        50.0,
        "Riksväg 50 genom Lindesberg",
        f"{S_RV50}; {S_GEO_E} (Lindesberg [E]); {S_URBAN}: the road through the town to its northern edge [E]",
        ["lindesberg", "lindesberg_norr"],
    ),
    (
        "rv50_lindesberg_kopparberg",
        "50",
        "trunk",
        80.0,
        "Riksväg 50 Lindesberg – Storå – Kopparberg",
        f"{S_RV50}; {S_GEO_E} (Lindesberg, Storå [E]); speed 80 [E] ordinary rural riksväg 80–90, narrow "
        "(FACTS §5.2, ÅVS S53)",
        ["lindesberg_norr", (59.655, 15.185), "stora", (59.765, 15.075), (59.820, 15.025), "kopparberg_syd"],
    ),
    (
        "rv50_kopparberg",
        "50",
        "trunk",
        50.0,
        "Riksväg 50 genom Kopparberg",
        f"{S_RV50}; {S_GEO_E} (Kopparberg, S13); {S_URBAN}: the road through the town, ~1.3 km either side of "
        "the town point [E]",
        ["kopparberg_syd", "kopparberg", "kopparberg_norr"],
    ),
    (
        "rv50_kopparberg_stalldalen",
        "50",
        "trunk",
        80.0,
        "Riksväg 50 Kopparberg – Ställdalen",
        f"{S_RV50}; {S_GEO_E} (Ställdalen [E]); speed 80 [E] ordinary rural riksväg 80–90 (FACTS §5.2)",
        ["kopparberg_norr", (59.900, 14.955), "stalldalen_syd"],
    ),
    (
        "rv50_stalldalen",
        "50",
        "trunk",
        60.0,
        "Riksväg 50 genom Ställdalen",
        f"{S_RV50}; {S_GEO_E} (Ställdalen [E]); {S_VILLAGE}",
        ["stalldalen_syd", "stalldalen", "stalldalen_norr"],
    ),
    (
        "rv50_stalldalen_grangesberg",
        "50",
        "trunk",
        80.0,
        "Riksväg 50 Ställdalen – Grängesberg",
        f"{S_RV50}; {S_GEO_E}; speed 80 [E] ordinary rural riksväg 80–90 (FACTS §5.2)",
        ["stalldalen_norr", (59.975, 14.955), (60.020, 14.985), (60.055, 15.012), "grb_kyrkbacken"],
    ),
    (
        "rv50_borlange_falun_urban_s",
        "50",
        "trunk",
        50.0,
        "Riksväg 50 / E16 genom Borlänge",
        f"FACTS §5.1 (rv 50 shared with E16 Borlänge–Falun, S50); {S_GEO_E}; {S_URBAN}: E16 runs through Borlänge "
        "as a town street with roundabouts (Masergatan–Krokgatan, X3) to the town's north-eastern edge [E]",
        ["borlange_centrum_no", (60.4935, 15.4600), (60.4985, 15.4760), "borlange_e16"],
    ),
    (
        "rv50_borlange_falun",
        "50",
        "trunk",
        80.0,
        "Riksväg 50 / E16 Borlänge – Ornäs – Falun",
        f"FACTS §5.1 (rv 50 shared with E16 Borlänge–Falun, S50); {S_GEO_E} (course past Ornäs [E]); speed 80 [E]: "
        "the lower end of the ordinary riksväg range 80–90 (FACTS §5.2) for a busy commuting road with many "
        "junctions between the two towns (~6 000 cross the Falun/Borlänge boundary daily, FACTS §8, S94)",
        [
            "borlange_e16",
            (60.5100, 15.5100),
            "ornas",
            (60.5290, 15.5480),
            (60.5450, 15.5620),
            (60.5620, 15.5740),
            "falun_sydvast",
        ],
    ),
    (
        "rv50_falun_infart",
        "50",
        "trunk",
        50.0,
        "Riksväg 50 / E16 genom Falun till Knutpunkten",
        f"FACTS §5.1 (rv 50 shared with E16, S50); {S_GEO_E}; {S_URBAN}: E16 runs through Falun as a town street "
        "with roundabouts (Regementsvägen, Norra Järnvägsgatan, Nybrogatan, X3) [E]",
        ["falun_sydvast", (60.5870, 15.5990), (60.5940, 15.6120), "falun_centrum"],
    ),
    (
        "rv50_falun_centrum",
        "50",
        "trunk",
        40.0,
        "Riksväg 50 / E16 Falun centrum – Knutpunkten",
        f"FACTS §5.1 (rv 50 shared with E16, S50); {S_GEO_E}; speed 40 [E]: town centre, the lower end of the urban "
        "range 40–50 (FACTS §5.2)",
        ["falun_centrum", (60.5995, 15.6240), "falun"],
    ),
    # --- riksväg 66 Ludvika – Smedjebacken – Fagersta – Västerås -----------------------------
    (
        "rv66_oti_surahammar",
        "66",
        "trunk",
        100.0,
        "Riksväg 66 Oti – Ängelsberg – Virsbo – Ramnäs – Surahammar",
        "FACTS §5.1 rv 66 (S54): 2+1 mötesfri Västerås–Fagersta; geometry: Bergslagspendeln rail waypoints [D] "
        "(road and railway share the Kolbäcksån valley) [E]; speed 100 (2+1 road, S56; FACTS §5.2 default [E])",
        ["oti", *PENDELN[31:55], "surahammar"],
    ),
    (
        "rv66_surahammar_vasteras",
        "66",
        "trunk",
        100.0,
        "Riksväg 66 Surahammar – Västerås",
        f"FACTS §5.1 rv 66 (S54); {S_GEO_E}; speed 100 (2+1 road, S56; FACTS §5.2 default Oti–Västerås [E])",
        ["surahammar", (59.695, 16.290), (59.668, 16.360), (59.642, 16.430), (59.622, 16.490)],
    ),
    (
        "rv66_vasteras_infart",
        "66",
        "trunk",
        50.0,
        "Riksväg 66 infart Västerås",
        f"FACTS §5.1 rv 66 (S54); {S_GEO_E}; {S_URBAN}",
        [(59.622, 16.490), "vasteras"],
    ),
    # --- riksväg 66 / länsväg 245 north-west of Ludvika ------------------------------------
    # --- riksväg 68 Lindesberg – Fagersta – Norberg – Avesta ------------------------------
    (
        "rv68_lindesberg_oti",
        "68",
        "trunk",
        80.0,
        "Riksväg 68 Lindesberg – Fagersta (Oti)",
        f"FACTS §5.1 rv 68 (S57: narrow, 6–7 m, and winding); {S_GEO_E}; speed 80 [E]: the lower end of the rural "
        "riksväg range 80–90 (FACTS §5.2 suggests 90 for rv 68) because the road is narrow",
        [
            "lindesberg",
            (59.650, 15.330),
            (59.720, 15.430),
            (59.790, 15.530),
            (59.860, 15.630),
            (59.930, 15.730),
            (59.970, 15.790),
            "oti",
        ],
    ),
    (
        "rv68_oti_norberg",
        "68",
        "trunk",
        90.0,
        "Riksväg 68 Fagersta (Oti) – Norberg",
        f"FACTS §5.1 rv 68 (S57; 2+1 Fagersta–Norberg); {S_GEO_E}; speed 90 (FACTS §5.2 default rv 68 [E])",
        ["oti", (60.020, 15.860), (60.048, 15.895), "norberg_syd"],
    ),
    (
        "rv68_norberg",
        "68",
        "trunk",
        50.0,
        "Riksväg 68 genom Norberg",
        f"FACTS §5.1 rv 68 (S57: 'Riksväg 68 vid Norberg'); {S_GEO_E}; {S_URBAN}: the road through the town, "
        "~1 km either side of the town point [E]",
        ["norberg_syd", "norberg", "norberg_ost"],
    ),
    (
        "rv68_norberg_avesta",
        "68",
        "trunk",
        90.0,
        "Riksväg 68 Norberg – Avesta",
        f"FACTS §5.1 rv 68 (S57; 2+1 Norberg–Avesta); {S_GEO_E}; speed 90 (FACTS §5.2 default rv 68 [E], S60)",
        [
            "norberg_ost",
            (60.0780, 15.9650),
            (60.0900, 16.0100),
            (60.1030, 16.0500),
            (60.1180, 16.0900),
            (60.1350, 16.1180),
            "avesta_infart",
        ],
    ),
    (
        "rv68_rv70_avesta",
        "68",
        "trunk",
        50.0,
        "Riksväg 68/70 infart Avesta",
        f"FACTS §5.1 rv 68 (S57: rv 68 and rv 70 share a short stretch at Avesta); {S_GEO_E}; {S_URBAN}: the "
        "town approach to the town point [E]",
        ["avesta_infart", (60.1480, 16.1540), "avesta"],
    ),
    # --- riksväg 70 Borlänge – Säter – Hedemora – Avesta -----------------------------------
    (
        "rv70_borlange_sater",
        "70",
        "trunk",
        90.0,
        "Riksväg 70 Borlänge – Säter",
        f"[E] connects the Säter hub (not in FACTS §5.1); {S_GEO_E}; speed 90 [E] ordinary rural riksväg "
        "80–90 (FACTS §5.2)",
        ["borlange", (60.465, 15.500), (60.440, 15.570), (60.410, 15.640), (60.378, 15.700), "sater"],
    ),
    (
        "rv70_sater_hedemora",
        "70",
        "trunk",
        90.0,
        "Riksväg 70 Säter – Hedemora",
        f"[E] connects the Hedemora hub; {S_GEO_E}; speed 90 [E] (FACTS §5.2)",
        ["sater", (60.330, 15.810), (60.310, 15.870), (60.292, 15.930), "hedemora"],
    ),
    (
        "rv70_hedemora_avesta",
        "70",
        "trunk",
        90.0,
        "Riksväg 70 Hedemora – Avesta",
        f"[E] connects the Avesta hub; {S_GEO_E}; speed 90 [E] (FACTS §5.2)",
        ["hedemora", (60.240, 16.030), (60.205, 16.080), (60.172, 16.128), "avesta_infart"],
    ),
    # --- county and local roads -----------------------------------------------------------
    # --- urban links --------------------------------------------------------------------------
    # --- beyond the region: road along the railway to the Bergslagspendeln stations -----------
    (
        "surahammar_hallstahammar_vasteras",
        "",
        "secondary",
        70.0,
        "Surahammar – Hallstahammar – Kolbäck – Dingtuna – Västerås",
        "[E] road access to the Bergslagspendeln stations south of Surahammar; geometry: rail waypoints [D]; "
        f"{S_LOCAL}",
        ["surahammar", *PENDELN[56:75], "vasteras"],
    ),
    (
        "rv70_borlange_djuras",
        "70",
        "trunk",
        80.0,
        "Riksväg 70 Borlänge – Djurås",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        ["borlange", (60.510, 15.300), (60.540, 15.200), (60.5586, 15.1325)],
    ),
    (
        "rv70_djuras_leksand",
        "70",
        "trunk",
        80.0,
        "Riksväg 70 Djurås – Leksand",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        [(60.5586, 15.1325), (60.620, 15.070), (60.680, 15.020), (60.7300, 14.9990)],
    ),
    (
        "rv66_nyhammar_bjorbo",
        "66",
        "trunk",
        80.0,
        "Riksväg 66 Nyhammar – Björbo",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        ["nyhammar", (60.340, 14.900), (60.400, 14.800), (60.4530, 14.6900)],
    ),
    (
        "e16_bjorbo_vansbro",
        "E16",
        "trunk",
        80.0,
        "E16 Björbo – Vansbro",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        [(60.4530, 14.6900), (60.480, 14.500), (60.500, 14.350), (60.5120, 14.2240)],
    ),
    (
        "rv63_kopparberg_hallefors",
        "63",
        "trunk",
        80.0,
        "Riksväg 63 Kopparberg – Hällefors",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        ["kopparberg", (59.850, 14.850), (59.820, 14.700), (59.7820, 14.5220)],
    ),
    (
        "lindesberg_nora",
        "",
        "secondary",
        80.0,
        "Lindesberg – Nora",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        ["lindesberg", (59.560, 15.150), (59.5196, 15.0390)],
    ),
    (
        "oti_skinnskatteberg",
        "",
        "secondary",
        80.0,
        "Fagersta (Oti) – Skinnskatteberg",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        ["oti", (59.930, 15.780), (59.880, 15.730), (59.8300, 15.6890)],
    ),
    (
        "lv250_oti_koping",
        "250",
        "primary",
        80.0,
        "Länsväg 250 Fagersta – Köping",
        "[E] joins a commuting-field zone (issue 14), not in FACTS §5.1; " + S_GEO_E + "; speed 80 [E] rural road",
        ["oti", (59.900, 15.870), (59.780, 15.930), (59.650, 15.970), (59.5140, 15.9930)],
    ),
]


def _pt(p: str | tuple[float, float]) -> tuple[float, float]:
    """(lon, lat) rounded to 6 decimals, from a node name or a (lat, lon) tuple."""
    lat, lon = N[p] if isinstance(p, str) else p
    return (round(lon, 6), round(lat, 6))


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    return GEOD.inv(a[0], a[1], b[0], b[1])[2] / 1000.0


def _densify(coords: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out = [coords[0]]
    for a, b in itertools.pairwise(coords):
        n = math.ceil(_km(a, b) / MAX_SPACING_KM)
        for i in range(1, n):
            t = i / n
            out.append((round(a[0] + (b[0] - a[0]) * t, 6), round(a[1] + (b[1] - a[1]) * t, 6)))
        out.append(b)
    return out


def _xy(p: tuple[float, float]) -> tuple[float, float]:
    """SWEREF 99 TM metres of a (lon, lat) point."""
    return TO_SWEREF.transform(p[0], p[1])


S_COURSE = "course: shortest bus road through the FACTS §5.1 points"
# Numbered roads on the bus roads: the course runs along the bus roads through these points in order
# (FACTS §5.1 point tables [D]; Vanhäll and Vanbo are Dalatrafik stops on rv 66 [D], issue 14: the real
# rv 66 runs Smedjebacken–Vanhäll–Vanbo–Söderbärke, not the bus-361 detour east of Norra Barken).
COURSES = [
    bus_roads.Course(
        "rv50_syd",
        "50",
        "trunk",
        "Riksväg 50 Grängesberg – Ludvika",
        70.0,
        f"{S_RV50}; {S_COURSE}; rural speed 70 [E] (FACTS §5.2 rural riksväg 80–90, lowered for the villages and "
        "junctions along Väsman; Ludvika–Grängesberg 15–18 min)",
        (
            N["grb_kyrkbacken"],
            N["klenshyttan"],
            N["skeppmora"],
            N["ovre_finnaset"],
            N["rondellen_gonasvagen"],
            N["mossplan"],
            N["ludvika"],
        ),
    ),
    bus_roads.Course(
        "rv50_nord",
        "50",
        "trunk",
        "Riksväg 50 Ludvika – Borlänge",
        80.0,
        f"{S_RV50}; {S_COURSE}; rural speed 80 [E] (FACTS §5.2 suggests 90; rural riksväg 80–90)",
        (
            N["ludvika"],
            (60.1825, 15.2089),
            N["persbo"],
            (60.2254, 15.2296),
            (60.2910, 15.2583),
            (60.343, 15.324),
            (60.386, 15.319),
            (60.427, 15.332),
            N["borlange"],
        ),
    ),
    bus_roads.Course(
        "rv66_ost",
        "66",
        "trunk",
        "Riksväg 66 Ludvika – Smedjebacken – Fagersta",
        80.0,
        "FACTS §5.1 rv 66 course (S54); " + S_COURSE + " and the Vanhäll and Vanbo stops [D]; rural speed 80 "
        "(FACTS §5.2 suggested default Ludvika–Smedjebacken; Smedjebacken–Oti 90, 80 [E] for today's narrow road "
        "that the 2+1 rebuild replaces, S55/S56)",
        (
            N["ludvika"],
            N["harnas"],
            N["sjobo"],
            N["lernbo"],
            N["morgardshammar"],
            N["smedjebacken"],
            (60.12026, 15.47463),
            (60.11331, 15.48238),
            N["vad"],
            N["fagersta"],
            N["oti"],
        ),
    ),
    bus_roads.Course(
        "rv66_nordvast",
        "66",
        "trunk",
        "Riksväg 66 Ludvika – Grangärde – Nyhammar",
        80.0,
        "FACTS §5.1 rv 66 course (S54; shared with lv 245 to Finnsviken); " + S_COURSE + "; rural speed 80 [E]",
        (N["ludvika"], N["sorvik"], N["ludvika_landsbygd"], (60.23464, 14.98879), N["grangarde"], N["nyhammar"]),
    ),
    bus_roads.Course(
        "lv245",
        "245",
        "primary",
        "Länsväg 245 Finnsviken – Sunnansjö – Fredriksberg",
        70.0,
        "FACTS §5.1 lv 245; " + S_COURSE + "; rural speed 70 (FACTS §5.2 local roads 70 [E])",
        ((60.23464, 14.98879), N["sunnansjo"], N["fredriksberg"]),
    ),
]

# Towns and villages: the road within the radius [E] of the centre point (FACTS §2) is driven at the
# FACTS §5.2 urban (40–50) or village (50–60) speed [E]; (name, lat, lon, radius m, numbered road, other road).
PLACES = [
    # Ludvika: the centre streets round the resecentrum at 40 (the lower end of the urban range, as the centre
    # streets of the previous layer), the town at 50 [E]
    bus_roads.Place("Ludvika centrum", *N["ludvika"], 600.0, 40.0, 40.0),
    bus_roads.Place("Ludvika", *N["ludvika"], 2200.0, 50.0, 50.0),
    # Borlänge: centre 40 within 1 km (the lower end of the urban range, as E16 through the centre), the town
    # stretch of rv 50 from the bus-296 waypoint at the start of the built-up area (~4 km out) at 50 [E]
    bus_roads.Place("Borlänge centrum", *N["borlange"], 1000.0, 40.0, 40.0),
    bus_roads.Place("Borlänge", *N["borlange"], 4000.0, 50.0, 50.0),
    bus_roads.Place("Grängesberg", *N["grb_station"], 1300.0, 50.0, 50.0),
    bus_roads.Place("Smedjebacken", *N["smedjebacken"], 1300.0, 50.0, 50.0),
    # Fagersta: rv 66 runs through the town to Oti, 2.5 km from the bus-361 waypoint (S57: four lanes with
    # roundabouts and traffic lights) [E]
    bus_roads.Place("Fagersta", *N["fagersta"], 2800.0, 50.0, 50.0),
    *[
        bus_roads.Place(name, *N[key], 600.0, 60.0, 50.0)
        for name, key in (
            ("Sunnansjö", "sunnansjo"),
            ("Nyhammar", "nyhammar"),
            ("Grangärde", "grangarde"),
            ("Gonäs", "gonas"),
            ("Blötberget", "blotberget"),
            ("Håksberg", "haksberg"),
            ("Saxdalen", "saxdalen"),
            ("Sörvik", "sorvik"),
            ("Norrbo", "norrbo_vastansjo"),
            ("Fredriksberg", "fredriksberg"),
            ("Morgårdshammar", "morgardshammar"),
            ("Söderbärke", "soderbarke"),
            ("Vad", "vad"),
            ("Hagge", "hagge"),
            ("Gubbo", "gubbo"),
            ("Björsjö", "bjorsjo"),
        )
    ],
]


def _kept_pieces() -> list[tuple[str, str, str, float, str, str, list[tuple[float, float]]]]:
    return [
        (key, ref, cls, speed, name, src, _densify([_pt(p) for p in pts]))
        for key, ref, cls, speed, name, src, pts in ROADS
    ]


def road_features(data: bus_roads.Dalatrafik) -> list[dict]:
    kept = _kept_pieces()
    ends_xy: dict[tuple[float, float], tuple[float, float]] = {}
    end_ref: dict[tuple[float, float], str] = {}
    for _, ref, *_rest, coords in kept:
        for c in (coords[0], coords[-1]):
            ends_xy[_round_m(_xy(c))] = c
            end_ref.setdefault(_round_m(_xy(c)), ref)
    bus_lines = bus_roads.derive_centrelines(data)
    bus, links = bus_roads.assemble(bus_lines, sorted(ends_xy), COURSES, PLACES, data.stops)
    pieces = list(kept)
    for i, (link, end) in enumerate(links, 1):
        coords = [ends_xy[end], *bus_roads.to_lonlat(link)[1:]]
        if coords[0] == coords[-1]:
            continue
        ref = end_ref[end]
        pieces.append(
            (
                f"join_{i:02d}",
                ref,
                "trunk" if ref else "secondary",
                50.0,
                "Anslutning till busslinjevägnätet",
                "[E] straight link from the end of a kept corridor to the nearest bus road (a junction); "
                "speed: urban 40–50 (FACTS §5.2 [E])",
                coords,
            )
        )
    counters: Counter[str] = Counter()
    for f in sorted(bus, key=lambda f: (f["ref"] or "~", f["name"], f["geometry"].coords[0])):
        coords = bus_roads.to_lonlat(f["geometry"])
        if len(coords) < 2:
            continue  # shorter than the 6-decimal grid (< 0.1 m): its two ends are one vertex
        stem = f"bus_{f['ref']}" if f["ref"] else "bus_lokal"
        counters[stem] += 1
        pieces.append(
            (f"{stem}_{counters[stem]:03d}", f["ref"], f["road_class"], f["speed_kmh"], f["name"], f["source"], coords)
        )
    return _split_at_junctions(pieces)


def _round_m(xy: tuple[float, float]) -> tuple[float, float]:
    return (round(xy[0], 1), round(xy[1], 1))


def _split_at_junctions(pieces: list) -> list[dict]:
    # a vertex is a junction if it occurs in more than one piece: split pieces there
    seen: Counter[tuple[float, float]] = Counter()
    for *_, coords in pieces:
        seen.update(set(coords))
    feats = []
    for key, ref, cls, speed, name, src, coords in pieces:
        parts, cur = [], [coords[0]]
        for c in coords[1:]:
            cur.append(c)
            if seen[c] > 1 and c != coords[-1]:
                parts.append(cur)
                cur = [c]
        parts.append(cur)
        single = key.startswith(("bus_", "join_")) and len(parts) == 1
        for i, part in enumerate(parts, 1):
            props = dict(
                road_id=key if single else f"{key}_{i:02d}",
                ref=ref,
                road_class=cls,
                speed_kmh=float(speed),
                oneway=False,
                name=name,
                source=src,
            )
            feats.append(_feature(props, {"type": "LineString", "coordinates": [list(c) for c in part]}))
    return feats


# ---------------------------------------------------------------------------
# Rail lines and stations (FACTS §6)
# ---------------------------------------------------------------------------

# (station_id, name, lat, lon, source)
STATIONS = [
    ("falun", "Falun C", 60.6039, 15.6403, "FACTS §6.2 Falun resecentrum [D]"),
    ("borlange", "Borlänge C", 60.4826, 15.4271, "FACTS §6.2 [D]"),
    ("ludvika", "Ludvika", 60.15017, 15.18298, "FACTS §6.2 [D]"),
    ("grangesberg", "Grängesberg", 60.0758, 15.0056, "FACTS §6.2 [D]"),
    ("stalldalen", "Ställdalen", 59.9330, 14.9420, "[E] FACTS §6.2 not located; near FACTS §5.1 Ställdalen [E]"),
    ("kopparberg", "Kopparberg", 59.8720, 14.9930, "[E] FACTS §6.2 not located; near the town point (S13)"),
    ("lindesberg", "Lindesberg", 59.5930, 15.2270, "[E] FACTS §6.2 not located; near the town point [E]"),
    ("smedjebacken", "Smedjebacken", 60.13662, 15.40525, "FACTS §6.2 [D]"),
    ("soderbarke", "Söderbärke", 60.07132, 15.53776, "FACTS §6.2 [D]"),
    ("vad", "Vad", 60.03232, 15.64293, "FACTS §6.2 [D]"),
    ("fagersta_n", "Fagersta Norra", 60.0163, 15.7633, "[E] rail waypoint at km 44.4 of the line-455 shape"),
    (
        "fagersta_c",
        "Fagersta C",
        60.00228,
        15.7919,
        "[E] on the line-455 shape at km 46.7 (FACTS §6.3); town point ~60.004, 15.79 (FACTS §6.2)",
    ),
    ("angelsberg", "Ängelsberg", 59.95865, 16.00075, "[E] on the line-455 shape (~km 61)"),
    ("virsbo", "Virsbo", 59.87636, 16.08319, "[E] rail waypoint at km 71.5"),
    ("ramnas", "Ramnäs", 59.76718, 16.21026, "[E] rail waypoint at km 86.0"),
    ("surahammar", "Surahammar", 59.71734, 16.2206, "[E] rail waypoint at km 91.6"),
    ("hallstahammar", "Hallstahammar", 59.61466, 16.22014, "[E] rail waypoint at km 103.5"),
    ("dingtuna", "Dingtuna", 59.57157, 16.38992, "[E] rail waypoint at km 117.0"),
    ("vasteras_c", "Västerås C", 59.6075, 16.5521, "FACTS §6.2 [D] end of the TiB shape"),
]
STATION_LL = {s[0]: (s[2], s[3]) for s in STATIONS}

# Bergslagsbanan sections; geometry [E] along the road corridor (no rail shape in FACTS for line 53).
RAIL_LINES = [
    (
        "bergslagsbanan_falun_borlange",
        "Bergslagsbanan Falun – Borlänge",
        ["falun", (60.585, 15.600), (60.555, 15.545), (60.525, 15.500), (60.500, 15.460), "borlange"],
    ),
    (
        "bergslagsbanan_borlange_ludvika",
        "Bergslagsbanan Borlänge – Ludvika",
        [
            "borlange",
            (60.46412, 15.38988),
            (60.44162, 15.36298),
            (60.42345, 15.32494),
            (60.39733, 15.31131),
            (60.37264, 15.32045),
            (60.34587, 15.32437),
            (60.32071, 15.30763),
            (60.29889, 15.27675),
            (60.27972, 15.24161),
            (60.25377, 15.23068),
            (60.22674, 15.22978),
            (60.20018, 15.21823),
            (60.18684, 15.20992),
            (60.17414, 15.20242),
            (60.16089, 15.19379),
            "ludvika",
        ],
    ),
    (
        "bergslagsbanan_ludvika_grangesberg",
        "Bergslagsbanan Ludvika – Grängesberg",
        [
            "ludvika",
            (60.1420, 15.1790),
            (60.1330, 15.1650),
            (60.1286, 15.1314),
            (60.1176, 15.11556),
            (60.10563, 15.1034),
            (60.09809, 15.08107),
            (60.08800, 15.04500),
            (60.08000, 15.02000),
            "grangesberg",
        ],
    ),
    (
        "bergslagsbanan_grangesberg_lindesberg",
        "Bergslagsbanan Grängesberg – Ställdalen – Kopparberg – Lindesberg",
        [
            "grangesberg",
            (60.050, 14.995),
            (60.010, 14.975),
            (59.970, 14.950),
            "stalldalen",
            (59.900, 14.960),
            "kopparberg",
            (59.820, 15.030),
            (59.765, 15.080),
            (59.710, 15.135),
            (59.655, 15.190),
            "lindesberg",
        ],
    ),
    ("bergslagspendeln", "Bergslagspendeln Ludvika – Smedjebacken – Fagersta – Västerås", PENDELN),
]


def rail_line_features() -> list[dict]:
    feats = []
    for line_id, name, pts in RAIL_LINES:
        coords = []
        for p in pts:
            lat, lon = STATION_LL[p] if isinstance(p, str) else p
            coords.append((round(lon, 6), round(lat, 6)))
        feats.append(
            _feature(
                {"line_id": line_id, "name": name},
                {"type": "LineString", "coordinates": [list(c) for c in _densify(coords)]},
            )
        )
    return feats


def station_features(bus_stops) -> list[dict]:
    """Railway stations, then the Dalatrafik bus stops served by the feed's bus trips (stop areas, [D])."""
    rail = [
        _feature({"station_id": sid, "name": name}, {"type": "Point", "coordinates": _ll(lat, lon)})
        for sid, name, lat, lon, _src in STATIONS
    ]
    bus = [
        _feature({"station_id": r.station_id, "name": r.name}, {"type": "Point", "coordinates": _ll(r.lat, r.lon)})
        for r in bus_stops.itertuples()
    ]
    return rail + bus


# ---------------------------------------------------------------------------
# GTFS (FACTS §6.3): weekday timetable, run times [E]
# ---------------------------------------------------------------------------

# Stop patterns: (station_id, arrival offset min, departure offset min) from the first departure.
# Line 53 run times from Ludvika (FACTS §6.3 [E]): Grängesberg 13 (12–15), Kopparberg 30, Lindesberg 52 (50–60),
# Borlänge C 35 (35–40; 46.3 km track, 31–35 plausible, FACTS §12), Falun C 56 (55–65).
P53_SOUTH = [
    ("falun", 0, 0),
    ("borlange", 19, 21),
    ("ludvika", 56, 58),
    ("grangesberg", 71, 71),
    ("stalldalen", 81, 81),
    ("kopparberg", 88, 88),
    ("lindesberg", 110, 110),
]
P53_NORTH = [
    ("lindesberg", 0, 0),
    ("kopparberg", 22, 22),
    ("stalldalen", 29, 29),
    ("grangesberg", 39, 39),
    ("ludvika", 52, 54),
    ("borlange", 89, 91),
    ("falun", 110, 110),
]
P53_SHUTTLE_SOUTH = [("borlange", 0, 0), ("ludvika", 35, 35)]
P53_SHUTTLE_NORTH = [("ludvika", 0, 0), ("borlange", 35, 35)]
# Line 55 run times from Ludvika (FACTS §6.3 [E]): Smedjebacken 14 (12–15), Söderbärke 22 (20–24), Vad 29 (27–30),
# Fagersta C 41 (38–45), Västerås C 100 (95–110); stations south of Fagersta by track distance at ~82 km/h [E].
P55_SOUTH = [
    ("ludvika", 0, 0),
    ("smedjebacken", 14, 14),
    ("soderbarke", 22, 22),
    ("vad", 29, 29),
    ("fagersta_n", 38, 38),
    ("fagersta_c", 41, 42),
    ("angelsberg", 52, 52),
    ("virsbo", 59, 59),
    ("ramnas", 70, 70),
    ("surahammar", 74, 74),
    ("hallstahammar", 83, 83),
    ("dingtuna", 92, 92),
    ("vasteras_c", 100, 100),
]
P55_NORTH = [
    ("vasteras_c", 0, 0),
    ("dingtuna", 8, 8),
    ("hallstahammar", 17, 17),
    ("surahammar", 26, 26),
    ("ramnas", 30, 30),
    ("virsbo", 41, 41),
    ("angelsberg", 48, 48),
    ("fagersta_c", 58, 59),
    ("fagersta_n", 62, 62),
    ("vad", 71, 71),
    ("soderbarke", 78, 78),
    ("smedjebacken", 86, 86),
    ("ludvika", 100, 100),
]

# Trips: (route, direction_id, pattern, headsign, [first-stop departure times]).
# Line 53: Ludvika→Borlänge 06:30, 06:58, 07:29 and Borlänge→Ludvika 16:00, 16:31, 16:55 (FACTS §6.3, S71);
# hourly off-peak, 2–3 per hour in the peak [E]; through trains to/from Lindesberg every 2 h (Grängesberg
# 'every 2 h', FACTS §12) [E]. Through trains depart Falun 21 min before their Borlänge time.
# Line 55: 8 weekday departures per direction (FACTS §6.3 [D]); clock times [E].
TRIPS = [
    ("53", 0, P53_SOUTH, "Lindesberg", ["05:39", "07:39", "09:39", "11:39", "13:39", "15:39", "17:39", "19:39"]),
    (
        "53",
        0,
        P53_SHUTTLE_SOUTH,
        "Ludvika",
        ["05:00", "06:31", "07:00", "09:00", "11:00", "13:00", "15:00", "16:31", "16:55", "19:00", "21:00", "22:00"],
    ),
    ("53", 1, P53_NORTH, "Falun", ["05:36", "07:36", "09:36", "11:36", "13:36", "15:36", "17:36", "19:36"]),
    (
        "53",
        1,
        P53_SHUTTLE_NORTH,
        "Borlänge C",
        ["05:30", "06:58", "07:29", "09:30", "11:30", "13:30", "15:30", "16:58", "17:30", "19:30", "21:30"],
    ),
    ("55", 0, P55_SOUTH, "Västerås C", ["05:05", "06:05", "07:05", "09:05", "11:05", "14:05", "16:05", "18:05"]),
    ("55", 1, P55_NORTH, "Ludvika", ["05:15", "06:15", "08:15", "11:15", "14:15", "15:15", "16:15", "18:15"]),
]
ROUTES = [
    ("53", "53", "Bergslagsbanan (Falun – Borlänge – Ludvika – Grängesberg – Kopparberg – Lindesberg)"),
    ("55", "55", "Bergslagspendeln (Ludvika – Smedjebacken – Fagersta – Västerås)"),
]


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02d}:{minutes % 60:02d}:00"


def gtfs_tables(bus_stops, bus_trips) -> dict[str, list[list[str]]]:
    t: dict[str, list[list[str]]] = {}
    t["agency.txt"] = [
        ["agency_id", "agency_name", "agency_url", "agency_timezone", "agency_lang"],
        ["tib", "Tåg i Bergslagen", "https://www.tagibergslagen.se/", "Europe/Stockholm", "sv"],
        ["dalatrafik", "Dalatrafik", "https://www.dalatrafik.se/", "Europe/Stockholm", "sv"],
    ]
    t["feed_info.txt"] = [
        ["feed_publisher_name", "feed_publisher_url", "feed_lang", "feed_start_date", "feed_end_date", "feed_version"],
        [
            "tillvaxt_geo (estimated timetable authored from public facts, not an official feed)",
            "https://example.org/tillvaxt_geo",
            "sv",
            "20250101",
            "20251231",
            "2025-estimate-1",
        ],
    ]
    t["calendar.txt"] = [
        [
            "service_id",
            "monday",
            "tuesday",
            "wednesday",
            "thursday",
            "friday",
            "saturday",
            "sunday",
            "start_date",
            "end_date",
        ],
        ["weekday", "1", "1", "1", "1", "1", "0", "0", "20250101", "20251231"],
    ]
    t["routes.txt"] = [["route_id", "agency_id", "route_short_name", "route_long_name", "route_type"]]
    for rid, short, long_name in ROUTES:
        t["routes.txt"].append([rid, "tib", short, long_name, "2"])
    for line in sorted({trip.route for trip in bus_trips}, key=lambda r: (len(r), r)):
        t["routes.txt"].append([line, "dalatrafik", line, f"Dalatrafik buss {line}", "3"])
    t["stops.txt"] = [["stop_id", "stop_name", "stop_lat", "stop_lon"]]
    for sid, name, lat, lon, _src in STATIONS:
        t["stops.txt"].append([sid, name, f"{lat:.6f}", f"{lon:.6f}"])
    for r in bus_stops.itertuples():
        t["stops.txt"].append([r.station_id, r.name, f"{r.lat:.6f}", f"{r.lon:.6f}"])
    t["trips.txt"] = [["route_id", "service_id", "trip_id", "trip_headsign", "direction_id"]]
    t["stop_times.txt"] = [["trip_id", "arrival_time", "departure_time", "stop_id", "stop_sequence"]]
    trips = []
    for route, direction, pattern, headsign, times in TRIPS:
        for hhmm in times:
            h, m = map(int, hhmm.split(":"))
            trips.append((route, direction, h * 60 + m, pattern, headsign))
    trips.sort(key=lambda r: (r[0], r[1], r[2], r[3][0][0]))
    for route, direction, start, pattern, headsign in trips:
        tag = f"{pattern[0][0]}_{pattern[-1][0]}"
        trip_id = f"{route}_{tag}_{start // 60:02d}{start % 60:02d}"
        t["trips.txt"].append([route, "weekday", trip_id, headsign, str(direction)])
        for seq, (sid, arr, dep) in enumerate(pattern, 1):
            t["stop_times.txt"].append([trip_id, _hhmm(start + arr), _hhmm(start + dep), sid, str(seq)])
    # Dalatrafik buses: one trip per weekday departure of each route shape (scripts/bus_services.py)
    for trip in sorted(bus_trips, key=lambda b: (len(b.route), b.route, b.shape_id)):
        for start in trip.starts_min:
            trip_id = f"{trip.route}_{trip.shape_id}_{start // 60:02d}{start % 60:02d}"
            headsign = next(r.name for r in bus_stops.itertuples() if r.station_id == trip.stops[-1])
            t["trips.txt"].append([trip.route, "weekday", trip_id, headsign, "0"])
            for seq, (sid, off) in enumerate(zip(trip.stops, trip.offsets_s, strict=True), 1):
                clock = _hhmmss(start * 60 + off)
                t["stop_times.txt"].append([trip_id, clock, clock, sid, str(seq)])
    return t


def _hhmmss(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


# ---------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------


def _round_xy(x: float, y: float) -> tuple[float, float]:
    return (round(x, 6), round(y, 6))


def _ll(lat: float, lon: float) -> list[float]:
    return [round(lon, 6), round(lat, 6)]


def _feature(props: dict, geometry: dict) -> dict:
    return {"type": "Feature", "properties": props, "geometry": geometry}


def write_geojson(path: Path, name: str, features: list[dict]) -> None:
    lines = [json.dumps(f, ensure_ascii=False, separators=(",", ":")) for f in features]
    text = '{"type":"FeatureCollection","name":"' + name + '","features":[\n' + ",\n".join(lines) + "\n]}\n"
    path.write_text(text, encoding="utf-8")


def write_csv(path: Path, rows: list[list[str]]) -> None:
    def cell(v: str) -> str:
        return '"' + v.replace('"', '""') + '"' if any(c in v for c in ',"\n') else v

    path.write_text("".join(",".join(cell(v) for v in r) + "\n" for r in rows), encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "layers", help="output directory (default: layers/)")
    parser.add_argument(
        "--dalatrafik", type=Path, default=DALATRAFIK, help=f"Dalatrafik GeoPackages (default: {DALATRAFIK})"
    )
    args = parser.parse_args(argv)
    out: Path = args.out
    try:
        data = bus_roads.read_dalatrafik(args.dalatrafik)
        roads = road_features(data)
        stop_table = bus_services.bus_stops(data.stops)
        trips = bus_services.bus_trips(
            bus_roads.bus_shapes(data),
            data.stops,
            stop_table,
            [[tuple(c) for c in f["geometry"]["coordinates"]] for f in roads],
            [f["properties"]["speed_kmh"] for f in roads],
        )
        stops = bus_services.stop_frame(stop_table, trips)
        layers = {
            "zones": zone_features(),
            "mine_sites": mine_features(),
            "housing_land": housing_features(),
            "roads": roads,
            "rail_lines": rail_line_features(),
            "rail_stations": station_features(stops),
        }
        tables = gtfs_tables(stops, trips)
    except bus_roads.InputError as exc:
        raise SystemExit(f"author_region: {exc}\nnothing was written") from None
    # write everything into a temporary directory first; move into place only when all succeeded
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=out, prefix=".author_region_") as tmp_name:
        tmp = Path(tmp_name)
        (tmp / "gtfs").mkdir()
        for name, feats in layers.items():
            write_geojson(tmp / f"{name}.geojson", name, feats)
        for fname, rows in tables.items():
            write_csv(tmp / "gtfs" / fname, rows)
        (out / "gtfs").mkdir(exist_ok=True)
        for path in sorted(tmp.rglob("*")):
            if path.is_file():
                os.replace(path, out / path.relative_to(tmp))
    counts = ", ".join(f"{k} {len(v)}" for k, v in layers.items())
    print(f"wrote {out}: {counts}")


if __name__ == "__main__":
    main()
