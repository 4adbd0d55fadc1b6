"""The Trafikverket brief: a real two-page A4 PDF, rendered to PNG with pdftoppm and read back with pdftotext."""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from conftest import run_cli, small_layer_frames, write_layer_dir
from matplotlib.image import imread

from tillvaxt_geo import ConfigError, load_layers
from tillvaxt_geo.output.brief import A4_IN, BRIEF_FIGURES, brief_content, check_same_region, write_brief
from tillvaxt_geo.scenario.config import parse_scenario
from tillvaxt_geo.scenario.results import ScenarioResult
from tillvaxt_geo.scenario.run import run_scenario

needs_poppler = pytest.mark.skipif(
    (shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None)
    and os.environ.get("TILLVAXT_REQUIRE_POPPLER") != "1",
    reason="poppler-utils (pdftoppm, pdftotext) not installed; .ci/run installs it",
)
NASTY_TITLE = "Väg 50 <b>snabbare</b> & $x^2$ $\\frac{1}{0}$ " + "mycket lång titel " * 30


def scenario(**overrides: Any) -> Any:
    data: dict[str, Any] = {"name": "base", "title": "Utgångsläge", "workforce": "high", "mines": {"open": ["m1"]}}
    data.update(overrides)
    return parse_scenario(data)


@pytest.fixture(scope="module")
def layers(tmp_path_factory: pytest.TempPathFactory) -> Any:
    return load_layers(write_layer_dir(tmp_path_factory.mktemp("layers"), small_layer_frames()))


@pytest.fixture(scope="module")
def pair(layers: Any) -> tuple[ScenarioResult, ScenarioResult]:
    base = run_scenario(scenario(), layers, isochrone_minutes=(), with_fit=False)
    changes = [{"type": "road_speed", "road_ids": ["r2"], "speed_kmh": 120}]
    other = run_scenario(
        scenario(name="faster", title="Snabbare väg till Cederås", changes=changes),
        layers,
        isochrone_minutes=(),
        with_fit=False,
    )
    return base, other


def pdf_pages(pdf: Path, tmp_path: Path) -> list[np.ndarray]:
    subprocess.run(["pdftoppm", "-r", "40", "-png", str(pdf), str(tmp_path / "page")], check=True, timeout=120)
    return [imread(p) for p in sorted(tmp_path.glob("page-*.png"))]


def pdf_text(pdf: Path) -> str:
    done = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True, check=True)
    return done.stdout


def red_pixels(image: np.ndarray) -> int:
    rgb = image[..., :3]
    return int(((rgb[..., 0] > 0.75) & (rgb[..., 1] < 0.25) & (rgb[..., 2] < 0.25)).sum())


@needs_poppler
def test_brief_is_two_a4_pages_with_the_change_on_the_map(pair: Any, tmp_path: Path) -> None:
    base, other = pair
    written = write_brief(base, other, tmp_path / "brief.pdf")
    pages = pdf_pages(written["pdf"], tmp_path)
    assert len(pages) == 2
    for page in pages:
        height, width = page.shape[:2]
        assert height / width == pytest.approx(A4_IN[1] / A4_IN[0], rel=0.01)  # A4 portrait
        assert (page[..., :3] < 0.5).any()  # not blank
    assert red_pixels(pages[0]) > 20  # the changed road, drawn in red on page 1's map
    assert red_pixels(pages[1]) == 0  # page 2 has tables and text only


@needs_poppler
def test_brief_text_has_the_figures_in_swedish_and_the_hashes(pair: Any, tmp_path: Path) -> None:
    base, other = pair
    pdf = write_brief(base, other, tmp_path / "brief.pdf")["pdf"]
    text = pdf_text(pdf)
    page1, page2 = text.split("\f")[:2]
    for label in ("Bor i Ludvika/Smedjebacken", "Invånare inom 30 min (bil)", "Invånare inom 45 min (kollektivtrafik)"):
        assert label in page1
    assert "Vad ändras" in page1 and "r2" in page1 and "Restid sparad" in page1
    assert "Källor och spårbarhet" in page2
    for layer, digest in other.summary["provenance"]["layer_hashes"].items():
        assert f"{layer}:" in page2 and digest[:16] in page2
    assert "Sida 1 av 2" in page1 and "Sida 2 av 2" in page2
    english = pdf_text(write_brief(base, other, tmp_path / "brief_en.pdf", lang="en")["pdf"])
    assert "Living in Ludvika/Smedjebacken" in english and "Sources and provenance" in english


def test_brief_rows_come_from_compare_and_add_up(pair: Any) -> None:
    base, other = pair
    brief = brief_content(base, other, lang="en")
    assert len(brief.rows) == len(BRIEF_FIGURES)
    assert brief.changed_road_ids == ("r2",)
    for _, a, b, d in brief.all_rows:
        if "–" in (a, b, d):
            continue
        base_n, other_n, diff_n = (parse_number(x) for x in (a, b, d))
        assert round(other_n - base_n, 6) == round(diff_n, 6), (a, b, d)


def parse_number(text: str) -> float:
    """A number as the brief prints it: '1 142', '97,82 %', '−0,16 p.e.', '+1'."""
    for unit in ("%", "p.p.", "p.e."):
        text = text.replace(unit, "")
    return float(text.replace(" ", "").replace("−", "-").replace("+", "").replace(",", "."))


@needs_poppler
def test_markup_math_and_very_long_titles_are_shown_as_typed(pair: Any, tmp_path: Path) -> None:
    base, other = pair
    other = dataclasses.replace(other, scenario=other.scenario.replace(title=NASTY_TITLE))
    written = write_brief(base, other, tmp_path / "brief.pdf")
    text = " ".join(pdf_text(written["pdf"]).split())
    assert "<b>snabbare</b> & $x^2$ $\\frac{1}{0}$" in text  # not bold, not math, no crash
    assert "…" in text  # cut, not running off the page
    page = written["html"].read_text(encoding="utf-8")
    assert "&lt;b&gt;snabbare&lt;/b&gt; &amp; $x^2$" in page and "<b>snabbare" not in page


def test_different_layer_sets_are_refused_naming_both_scenarios(pair: Any, tmp_path: Path) -> None:
    base, other = pair
    prov = dict(other.summary["provenance"])
    prov["layer_hashes"] = {**prov["layer_hashes"], "zones": "0" * 64}
    moved = dataclasses.replace(other, summary={**other.summary, "provenance": prov})
    with pytest.raises(ConfigError, match=r"'faster' against 'base'.*layers zones differ"):
        write_brief(base, moved, tmp_path / "brief.pdf")
    assert not (tmp_path / "brief.pdf").exists()
    with pytest.raises(ConfigError, match="working CRS EPSG:3006 against EPSG:3067"):
        check_same_region(("a", "b"), ({}, {}), ("EPSG:3006", "EPSG:3067"))


def write_scenario(path: Path, name: str, layers: Path, extra: str = "") -> Path:
    path.write_text(
        f'name = "{name}"\ntitle = "{name} åäö"\nworkforce = "high"\n[layers]\npath = "{layers}"\n'
        f'[mines]\nopen = ["m1"]\n{extra}',
        encoding="utf-8",
    )
    return path


@needs_poppler
def test_cli_brief_writes_pdf_and_html_and_refuses_two_regions(tmp_path: Path) -> None:
    one = write_layer_dir(tmp_path / "one", small_layer_frames())
    frames = small_layer_frames()
    frames["zones"] = frames["zones"].assign(population=frames["zones"]["population"] * 2)
    two = write_layer_dir(tmp_path / "two", frames)
    change = '[[changes]]\ntype = "road_speed"\nroad_ids = ["r2"]\nspeed_kmh = 120\n'
    a = write_scenario(tmp_path / "a.toml", "a", one)
    b = write_scenario(tmp_path / "b.toml", "b", one, change)
    c = write_scenario(tmp_path / "c.toml", "c", two, change)
    done = run_cli("brief", str(a), str(b), "--out", str(tmp_path / "out" / "b.pdf"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out" / "b.pdf").read_bytes()[:5] == b"%PDF-"
    assert "<!DOCTYPE html>" in (tmp_path / "out" / "b.html").read_text(encoding="utf-8")
    refused = run_cli("brief", str(a), str(c), "--out", str(tmp_path / "x.pdf"), cwd=tmp_path)
    assert refused.returncode == 1
    assert "'c' against 'a'" in refused.stderr and "zones" in refused.stderr
    assert "Traceback" not in refused.stderr and not (tmp_path / "x.pdf").exists()


def test_every_change_type_is_described_in_both_languages() -> None:
    from tillvaxt_geo.output.brief import _CHANGE_TEXT, describe_change
    from tillvaxt_geo.scenario.changes import ChangeType

    changes = [
        {"type": "road_speed", "ref": "66", "from": "Smedjebacken", "to": "Fagersta", "speed_kmh": 100},
        {"type": "road_speed", "road_ids": ["r1", "r2"], "speed_kmh": 80.5},
        {"type": "close_road", "road_ids": ["r3"]},
        {"type": "add_road", "road_id": "new", "coordinates": [[15.1, 60.1], [15.2, 60.1]], "speed_kmh": 70},
        {"type": "rail_departures", "route": "53", "departures_peak_hour": 2},
        {"type": "rail_stop", "route": "53", "station_id": "st_x"},
        {
            "type": "add_service",
            "service_id": "bus",
            "stops": ["ludvika", "site:m1"],
            "run_times_min": [9],
            "departures_peak_hour": 2,
            "name": "Gruvbuss $x$",
        },
        {"type": "housing_release", "housing_ids": ["h1"], "available_from": 2027},
        {"type": "housing_capacity", "housing_id": "h1", "capacity_dwellings": 300},
    ]
    assert {str(t) for t in ChangeType} == set(_CHANGE_TEXT)  # a new change type needs words
    parsed = scenario(name="all", changes=changes).changes
    texts = {lang: [describe_change(c, lang, ["r1", "r2"]) for c in parsed] for lang in ("sv", "en")}
    assert texts["sv"][0] == "Väg 66 Smedjebacken–Fagersta: 100 km/h (2 vägdelar)"
    assert texts["en"][1] == "Roads r1, r2: 80.5 km/h (2 road sections)"
    assert texts["sv"][1] == "Vägarna r1, r2: 80,5 km/h (2 vägdelar)"
    assert texts["sv"][4] == "Linje 53: 2 avgångar per riktning och rusningstimme"
    assert texts["en"][6] == "New line Gruvbuss $x$ (bus): ludvika – m1, 2 departures in the peak hour"
    assert texts["en"][7] == "Housing land h1 released from 2027"
    for text in texts["sv"] + texts["en"]:
        assert "{" not in text and "None" not in text
