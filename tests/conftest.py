"""Shared fixtures: small valid layer sets made in code, written to real files."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from shapely.geometry import LineString, Point, Polygon

SWEREF = "EPSG:3006"
# Ludvika resecentrum in SWEREF 99 TM (metres), a base for small layers
X0, Y0 = 510_200.0, 6_668_100.0


def run_cli(*args: str, cwd: Path, timeout: float = 600) -> subprocess.CompletedProcess[str]:
    """Run ``python -m tillvaxt_geo ARGS`` in a subprocess, as a user would."""
    return subprocess.run(
        [sys.executable, "-m", "tillvaxt_geo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def make_zones() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "zone_id": ["a", "b", "c"],
            "name": ["Alby", "Bäcke", "Cederås"],
            "municipality": ["Ludvika", "Ludvika", "Smedjebacken"],
            "population": [1000, 500, 200],
            "dwellings": [480, 240, 95],
            "vacant_dwellings": [20, 10, 4],
            "labour_force": [450, 220, 90],
            "jobs": [600, 100, 50],
        },
        geometry=[Point(X0, Y0), Point(X0 + 5000, Y0), Point(X0 + 10000, Y0 + 2000)],
        crs=SWEREF,
    )


def make_roads() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "road_id": ["r1", "r2", "r3"],
            "ref": ["50", "50", ""],
            "road_class": ["trunk", "trunk", "local"],
            "speed_kmh": [90.0, 80.0, 70.0],
            "oneway": [False, False, False],
        },
        geometry=[
            LineString([(X0, Y0), (X0 + 2500, Y0), (X0 + 5000, Y0)]),
            LineString([(X0 + 5000, Y0), (X0 + 10000, Y0 + 2000)]),
            LineString([(X0 + 5000, Y0), (X0 + 5000, Y0 + 3000)]),
        ],
        crs=SWEREF,
    )


def make_mine_sites() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "site_id": ["m1"],
            "name": ["Gruvan"],
            "company": ["Bolaget AB"],
            "status": ["permitted"],
            "workers_construction_low": [100],
            "workers_construction_high": [200],
            "workers_operation_low": [150],
            "workers_operation_high": [250],
        },
        geometry=[Point(X0 + 5000, Y0 + 3000)],
        crs=SWEREF,
    )


def make_housing() -> gpd.GeoDataFrame:
    return gpd.GeoDataFrame(
        {
            "housing_id": ["h1"],
            "name": ["Nya området"],
            "municipality": ["Ludvika"],
            "capacity_dwellings": [120],
            "status": ["adopted"],
            "available_from": [2027],
        },
        geometry=[Polygon([(X0 + 100, Y0 + 100), (X0 + 400, Y0 + 100), (X0 + 400, Y0 + 400), (X0 + 100, Y0 + 400)])],
        crs=SWEREF,
    )


def small_layer_frames() -> dict[str, gpd.GeoDataFrame]:
    """The small layer set as frames, by layer name."""
    return {
        "zones": make_zones(),
        "roads": make_roads(),
        "mine_sites": make_mine_sites(),
        "housing_land": make_housing(),
    }


def write_layer_dir(directory: Path, frames: dict[str, gpd.GeoDataFrame | pd.DataFrame], suffix: str = ".gpkg") -> Path:
    """Write frames as one file per layer into ``directory``."""
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame in frames.items():
        if isinstance(frame, gpd.GeoDataFrame):
            frame.to_file(directory / f"{name}{suffix}")
        else:
            frame.to_csv(directory / f"{name}.csv", index=False)
    return directory


@pytest.fixture
def layer_frames() -> dict[str, gpd.GeoDataFrame]:
    """A fresh small valid layer set (frames in EPSG:3006)."""
    return small_layer_frames()


@pytest.fixture
def layer_dir(tmp_path: Path) -> Path:
    """A directory of GeoPackage layer files holding the small valid set."""
    return write_layer_dir(tmp_path / "layers", small_layer_frames())
