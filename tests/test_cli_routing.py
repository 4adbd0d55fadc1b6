"""Tests of ``tillvaxt-geo matrix`` and ``tillvaxt-geo isochrones``: outputs, exit codes, messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from conftest import small_layer_frames, write_layer_dir

from tillvaxt_geo.cli.main import main


def _run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    try:
        main(argv)
        code = 0
    except SystemExit as exc:
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture
def layer_set(tmp_path: Path) -> Path:
    return write_layer_dir(tmp_path / "layers", small_layer_frames())


def test_matrix_writes_csv(layer_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out" / "matrix.csv"
    code, stdout, err = _run(["matrix", "--layers", str(layer_set), "--out", str(out)], capsys)
    assert code == 0, err
    assert "Wrote 3 pairs (3 origins × 1 destinations, car)" in stdout and str(out) in stdout
    table = pd.read_csv(out, dtype={"from_id": str, "to_id": str})
    assert list(table.columns) == ["from_id", "to_id", "mode", "travel_time_min", "distance_km"]
    assert table["from_id"].tolist() == ["a", "b", "c"]
    assert table["travel_time_min"].notna().all()


def test_matrix_to_stdout_with_files_and_cutoff(
    layer_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    frames = small_layer_frames()
    origins = tmp_path / "homes.geojson"
    frames["zones"][["zone_id", "geometry"]].rename(columns={"zone_id": "id"}).to_crs("EPSG:4326").to_file(origins)
    code, stdout, err = _run(
        ["matrix", "--layers", str(layer_set), "--origins", str(origins), "--destinations", "zones", "--max-time", "4"],
        capsys,
    )
    assert code == 0, err
    lines = stdout.strip().splitlines()
    assert lines[0] == "from_id,to_id,mode,travel_time_min,distance_km"
    assert len(lines) == 1 + 9
    assert "9 pairs" in err and "empty" in err


def test_matrix_errors(layer_set: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["matrix", "--layers", str(layer_set), "--origins", "zone"], capsys)
    assert code == 1 and "Did you mean 'zones'" in err and "Traceback" not in err
    code, _, err = _run(["matrix", "--layers", str(layer_set), "--mode", "bike"], capsys)
    assert code == 2 and "bike" in err
    code, _, err = _run(["matrix", "--layers", str(layer_set), "--mode", "pt"], capsys)
    assert code == 1 and "needs public transport" in err


def test_isochrones_outputs(layer_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    gpkg = tmp_path / "iso.gpkg"
    code, stdout, err = _run(
        ["isochrones", "--layers", str(layer_set), "--from", "gruvan", "--out", str(gpkg), "--minutes", "5,10"], capsys
    )
    assert code == 0, err
    assert "Wrote 2 isochrones (5, 10 min, car) from m1" in stdout
    iso = gpd.read_file(gpkg, layer="isochrones")
    assert iso["minutes"].tolist() == [5.0, 10.0] and iso.crs.to_epsg() == 3006
    geojson = tmp_path / "iso.geojson"
    code, _, err = _run(["isochrones", "--layers", str(layer_set), "--from", "m1", "--out", str(geojson)], capsys)
    assert code == 0, err
    assert pyogrio.read_info(geojson)["crs"] == "EPSG:4326"
    code, stdout, _ = _run(["isochrones", "--layers", str(layer_set), "--from", "m1", "--minutes", "5"], capsys)
    assert code == 0 and "area_km2" in stdout


def test_isochrones_errors(layer_set: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _run(["isochrones", "--layers", str(layer_set), "--from", "Gruvn"], capsys)
    assert code == 1 and "Did you mean" in err and "Gruvan" in err
    code, _, err = _run(["isochrones", "--layers", str(layer_set), "--from", "m1", "--minutes", "a,b"], capsys)
    assert code == 2 and "--minutes" in err
    code, _, err = _run(
        ["isochrones", "--layers", str(layer_set), "--from", "m1", "--out", str(tmp_path / "x.shp")], capsys
    )
    assert code == 2 and ".gpkg" in err
    code, _, err = _run(["isochrones", "--layers", str(layer_set)], capsys)
    assert code == 2 and "--from" in err


def test_no_traceback_in_a_real_process(layer_set: Path, tmp_path: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "tillvaxt_geo", "isochrones", "--layers", str(layer_set), "--from", "nowhere"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        check=False,
    )
    assert proc.returncode == 1
    assert "no mine site 'nowhere'" in proc.stderr and "Traceback" not in proc.stderr
