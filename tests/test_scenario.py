"""Scenario files: strict keys, typed values, clear messages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.decay import DecayForm
from tillvaxt_geo.scenario.config import Phase, Workforce, load_scenario, parse_scenario

MINIMAL = 'name = "two"\n[mines]\nopen = ["m1"]\n'


def write(tmp_path: Path, text: str, name: str = "s.toml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_minimal_defaults(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, MINIMAL))
    assert scenario.name == "two" and scenario.mines.open == ("m1",)
    assert scenario.phase is Phase.OPERATION and scenario.workforce is Workforce.MID
    assert scenario.commute.decay.form is DecayForm.LOG_LOGISTIC
    assert scenario.commute.acceptance.form is DecayForm.LOGISTIC
    assert scenario.commute.acceptance(45.0) == 0.5
    assert scenario.layers.path == "embedded"
    assert scenario.source_sha256 and len(scenario.source_sha256) == 64
    assert scenario.study_area == ("Ludvika", "Smedjebacken")


def test_full_file(tmp_path: Path) -> None:
    text = """
name = "full"
title = "Full – åäö"
year = 2028
phase = "construction"
workforce = "high"
study_area = ["Ludvika"]
[layers]
path = "mydata"
roads = "roads.gpkg"
[mines]
open = ["a", "b"]
workers = { a = 120 }
[commute]
mode = "best"
decay = "step"
cutoff_min = 40
existing_workforce_share = 0.25
in_mover_share = 0.7
long_distance_share = 0.05
[economy]
local_procurement_share = 0.4
[housing]
extra_release_year = 2027
"""
    scenario = load_scenario(write(tmp_path, text))
    assert scenario.title == "Full – åäö"
    assert scenario.layers.path == str((tmp_path / "mydata").resolve())
    assert scenario.layers.overrides["roads"] == str((tmp_path / "roads.gpkg").resolve())
    assert scenario.mines.workers == {"a": 120}
    assert scenario.commute.decay(40.0) == 1.0 and scenario.commute.decay(40.5) == 0.0
    assert scenario.economy.local_procurement_share == 0.4
    assert scenario.housing.extra_release_year == 2027
    params = scenario.parameters()
    assert params["commute"]["decay"] == {"form": "step", "cutoff_min": 40.0}
    assert params["commute"]["acceptance"] == {"form": "logistic", "midpoint_min": 45.0, "scale_min": 5.0}


def test_acceptance_parameters(tmp_path: Path) -> None:
    scenario = load_scenario(write(tmp_path, MINIMAL + "[commute]\nacceptance_midpoint_min = 60\n"))
    assert scenario.commute.acceptance(60.0) == 0.5
    with pytest.raises(ConfigError, match="acceptance_scale_min"):
        load_scenario(write(tmp_path, MINIMAL + "[commute]\nacceptance_scale_min = 0\n"))


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("colour = 'red'\n" + MINIMAL, r"unknown key 'colour' in scenario.*valid keys: .*changes"),
        (MINIMAL + "[commute]\nspeed = 3\n", r"unknown key 'speed' in \[commute\].*valid keys"),
        (MINIMAL + "[economy]\nlocal_procurement_share = 1.5\n", "local_procurement_share.*\\[0, 1\\]"),
        (MINIMAL + "[commute]\nrecruit_local_share = 0.5\n", "replaced by three shares"),
        (MINIMAL + "[commute]\nexisting_workforce_share = 0.9\n", "sum to 1"),
        (MINIMAL + "[commute]\nchoice_time_per_min = 0.1\n", "choice_time_per_min"),
        (MINIMAL + "[commute]\nno_car_share = 1.5\n", "no_car_share"),
        (MINIMAL + "[commute]\nscale_min = 0\n", "scale_min"),
        (MINIMAL + "[commute]\nmode = 'bike'\n", "car, pt, best"),
        (MINIMAL + "[commute]\ndecay = 'gauss'\n", "logistic, exponential"),
        ('name = "x"\n[mines]\nopen = ["a"]\nworkers = { a = -5 }\n', "whole number >= 0"),
        ('name = "Bad Name"\n', "lowercase"),
        ('phase = "mining"\n' + MINIMAL, "construction, operation"),
        (MINIMAL.replace('"two"', '"two"\nyear = "soon"'), "year"),
    ],
)
def test_bad_values_are_config_errors(tmp_path: Path, text: str, match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        load_scenario(write(tmp_path, text))


def test_toml_syntax_error_gives_file_line_column(tmp_path: Path) -> None:
    path = write(tmp_path, 'name = "x"\n[mines\nopen = []\n')
    with pytest.raises(ConfigError) as info:
        load_scenario(path)
    message = str(info.value)
    assert str(path) in message and "line 2" in message and "column" in message


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="does not exist"):
        load_scenario(tmp_path / "nope.toml")


def test_parse_without_file() -> None:
    scenario = parse_scenario({"name": "x", "mines": {"open": []}})
    assert scenario.source_path is None and scenario.mines.open == ()


def test_scenario_text_per_language_with_fallbacks_and_unknown_keys_refused() -> None:
    from tillvaxt_geo.scenario.config import parse_scenario

    text = {"sv": {"title": "Svensk", "description": "Beskrivning"}, "en": {"title": "English"}}
    s = parse_scenario({"name": "x", "title": "Standard", "sources": "FACTS §3", "text": text})
    assert (s.title_in("sv"), s.title_in("en"), s.description_in("sv"), s.description_in("en")) == (
        "Svensk", "English", "Beskrivning", "")  # fmt: skip
    assert s.sources == "FACTS §3"
    plain = parse_scenario({"name": "y"})
    assert plain.title_in("en") == "y" and plain.description_in("sv") == ""
    with pytest.raises(ConfigError, match=r"'de'.*valid keys: en, sv"):
        parse_scenario({"name": "x", "text": {"de": {"title": "Deutsch"}}})
    with pytest.raises(ConfigError, match=r"'subtitle'.*\[text\.sv\]"):
        parse_scenario({"name": "x", "text": {"sv": {"subtitle": "?"}}})


def test_bundled_scenarios_have_swedish_and_english_text_without_internal_references() -> None:
    from tillvaxt_geo.scenario.config import bundled_scenarios

    for path in bundled_scenarios():
        s = load_scenario(path)
        for lang in ("sv", "en"):
            text = s.title_in(lang) + " " + s.description_in(lang)
            assert s.title_in(lang) != s.name and s.description_in(lang), (path.name, lang)
            assert not re.search(r"FACTS|§|\[E\]|\bS\d\d\b", text), (path.name, lang, text)
        assert s.title_in("sv") != s.title_in("en"), path.name
