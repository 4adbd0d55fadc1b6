"""``tillvaxt-geo run / compare / sweep`` in a subprocess on the embedded region."""

from __future__ import annotations

import html as html_module
import json
from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import run_cli as cli

SUMMARY_KEYS = {
    "scenario",
    "workers_total",
    "workers_living_locally",
    "local_residence_share",
    "workers_within_30_min",
    "workers_within_45_min",
    "in_commuters",
    "housing_shortfall_dwellings",
    "direct_jobs",
    "indirect_jobs",
    "induced_jobs",
    "total_jobs",
    "provenance",
}


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("run")
    result = cli("run", "nio_only", "two_companies", "--out", str(out), cwd=out)
    assert result.returncode == 0, result.stderr
    (out / "stdout.txt").write_text(result.stdout)
    return out


def test_run_writes_every_output(run_dir: Path) -> None:
    for name in ("nio_only", "two_companies"):
        folder = run_dir / name
        summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
        assert set(summary) >= SUMMARY_KEYS
        provenance = summary["provenance"]
        assert provenance["package_version"] and len(provenance["scenario_file_sha256"]) == 64
        assert set(provenance["layer_hashes"]) >= {"zones", "roads", "mine_sites", "housing_land", "rail_services"}
        assert provenance["parameters"]["economy"]["supplier_multiplier"] == 1.8
        raw = (folder / "summary.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbfscenario;figure;")  # UTF-8 BOM and ';' (Swedish Excel, --lang sv)
        csv = pd.read_csv(folder / "summary.csv", sep=";", decimal=",", encoding="utf-8-sig")
        assert set(csv["figure"]) >= SUMMARY_KEYS - {"scenario", "provenance"}
        assert csv["source"].notna().all()
        from openpyxl import load_workbook

        rows = list(load_workbook(folder / "summary.xlsx")["summary"].iter_rows(values_only=True))
        assert rows[0] == ("scenario", "figure", "value", "source")
        book = {r[1]: r[2] for r in rows[1:]}
        assert book["workers_total"] == summary["workers_total"]  # numbers, not text
        layers = {row[0] for row in pyogrio.list_layers(folder / "results.gpkg")}
        assert {"zones", "housing_land", "mine_sites", "isochrones", "per_site", "layer_styles"} <= layers
        html = (folder / "map.html").read_text(encoding="utf-8")
        assert "leaflet" in html.lower() and "https://cdn" not in html
    assert (run_dir / "index.html").exists()
    index = html_module.unescape((run_dir / "index.html").read_text(encoding="utf-8"))
    assert "nio_only/map.html" in index and "two_companies/map.html" in index


def test_run_prints_table_and_sources(run_dir: Path) -> None:
    stdout = (run_dir / "stdout.txt").read_text()
    assert "two_companies" in stdout and "workers_living_locally" in stdout
    assert "Where the figures come from" in stdout


def test_two_companies_more_jobs_than_one(run_dir: Path) -> None:
    one = json.loads((run_dir / "nio_only" / "summary.json").read_text())
    two = json.loads((run_dir / "two_companies" / "summary.json").read_text())
    assert two["total_jobs"] > one["total_jobs"] and two["direct_jobs"] > one["direct_jobs"]


def test_failed_run_leaves_earlier_outputs_intact(run_dir: Path, tmp_path: Path) -> None:
    before = (run_dir / "two_companies" / "summary.json").read_bytes()
    bad = tmp_path / "two_companies.toml"
    bad.write_text('name = "two_companies"\n[mines]\nopen = ["blotbergt"]\n', encoding="utf-8")
    result = cli("run", str(bad), "--out", str(run_dir), cwd=tmp_path)
    assert result.returncode == 1
    assert "unknown mine site 'blotbergt'" in result.stderr and "blotberget" in result.stderr
    assert "Traceback" not in result.stderr
    assert (run_dir / "two_companies" / "summary.json").read_bytes() == before


def test_toml_syntax_error_exit_1_with_line(tmp_path: Path) -> None:
    bad = tmp_path / "broken.toml"
    bad.write_text('name = "broken"\n[mines\n', encoding="utf-8")
    result = cli("run", str(bad), "--out", str(tmp_path), cwd=tmp_path)
    assert result.returncode == 1
    assert "broken.toml" in result.stderr and "line 2" in result.stderr and "Traceback" not in result.stderr


def test_unknown_bundled_name_suggests(tmp_path: Path) -> None:
    result = cli("run", "two_company", cwd=tmp_path)
    assert result.returncode == 1
    assert "Did you mean 'two_companies'" in result.stderr


def test_compare_writes_table(tmp_path: Path) -> None:
    result = cli("compare", "two_companies", "rv66_2plus1", "--out", str(tmp_path), "--no-map", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "compare_two_companies_vs_rv66_2plus1"
    table = pd.read_csv(folder / "comparison.csv", sep=";", decimal=",", encoding="utf-8-sig")
    assert {"figure", "base", "other", "difference", "unit", "difference_unit", "note", "source"} <= set(table.columns)
    rows = table.set_index("figure")
    assert (
        rows.loc["workers_total", "difference"]
        == rows.loc["workers_total", "other"] - rows.loc["workers_total", "base"]
        == 0
    )
    for key, row in rows.iterrows():  # every row adds up as shown, in the file too
        assert round(row["other"] - row["base"], 6) == round(row["difference"], 6), key
        assert len(repr(float(row["difference"]))) < 12, key  # no 15-digit binary noise
    share = rows.loc["local_residence_share"]
    assert share["unit"] == "%" and share["difference_unit"] == "procentenheter"
    assert 50 < share["base"] <= 100  # a percentage, not a 0–1 share
    from openpyxl import load_workbook

    sheet = load_workbook(folder / "comparison.xlsx")["comparison"]
    header = [c.value for c in sheet[1]]
    book = {r[0]: dict(zip(header, r, strict=True)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert book["workers_living_locally"]["difference"] == rows.loc["workers_living_locally", "difference"]
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    assert isinstance(comparison["notes"], list)
    assert "p.e." in result.stdout


def test_compare_says_why_nothing_changes(tmp_path: Path) -> None:
    # the half-hourly train to Borlänge shortens no trip to a mine: no figure moves, and compare says why
    result = cli("compare", "two_companies", "rail_borlange_30min", "--out", str(tmp_path), "--no-map", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    folder = tmp_path / "compare_two_companies_vs_rail_borlange_30min"
    comparison = json.loads((folder / "comparison.json").read_text(encoding="utf-8"))
    assert comparison["notes"], comparison
    assert any("kollektivtrafik" in str(note).lower() for note in comparison["notes"]), comparison["notes"]
    assert "Varför vissa siffror inte ändras" in result.stdout


def test_sweep_writes_grid_heat_map_and_verdict(tmp_path: Path) -> None:
    result = cli("sweep", "two_companies", "--out", str(tmp_path), "--procurement", "0,0.5,1", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "moves total employment most" in result.stdout
    folder = tmp_path / "two_companies"
    assert (folder / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    grid = pd.read_csv(folder / "sweep.csv")
    assert set(grid["local_procurement_share"]) == {0.0, 0.5, 1.0}


def test_sweep_bad_share_is_a_usage_error(tmp_path: Path) -> None:
    result = cli("sweep", "two_companies", "--procurement", "0,2", cwd=tmp_path)
    assert result.returncode == 2


def test_english_map_labels(tmp_path: Path) -> None:
    result = cli("run", "nio_only", "--out", str(tmp_path), "--lang", "en", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    english = (tmp_path / "nio_only" / "map.html").read_text(encoding="utf-8")
    swedish_run = cli("run", "nio_only", "--out", str(tmp_path / "sv"), cwd=tmp_path)
    assert swedish_run.returncode == 0
    swedish = (tmp_path / "sv" / "nio_only" / "map.html").read_text(encoding="utf-8")
    assert "Legend" in english and "Teckenförklaring" not in english
    assert "Teckenförklaring" in swedish
