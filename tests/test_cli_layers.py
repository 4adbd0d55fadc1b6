"""``tillvaxt-geo layers check`` in a subprocess: exit codes and clean messages."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import run_cli, small_layer_frames, write_layer_dir

REPO = Path(__file__).resolve().parents[1]


def test_valid_set_exit_0_and_table(layer_dir: Path, tmp_path: Path) -> None:
    result = run_cli("layers", "check", str(layer_dir), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "zones" in result.stdout and "EPSG:3006" in result.stdout
    assert "OK" in result.stdout


@pytest.mark.parametrize(
    ("defect", "column", "feature"),
    [
        ("negative_population", "population", "'b'"),
        ("zero_speed", "speed_kmh", "'r1'"),
        ("missing_labour_force_column", "labour_force", None),
    ],
)
def test_bad_set_exit_1_without_traceback(tmp_path: Path, defect: str, column: str, feature: str | None) -> None:
    frames = small_layer_frames()
    if defect == "negative_population":
        frames["zones"].loc[1, "population"] = -1
    elif defect == "zero_speed":
        frames["roads"].loc[0, "speed_kmh"] = 0.0
    else:
        frames["zones"] = frames["zones"].drop(columns=["labour_force"])
    directory = write_layer_dir(tmp_path / defect, frames)
    result = run_cli("layers", "check", str(directory), cwd=tmp_path)
    assert result.returncode == 1
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    assert f"column '{column}'" in result.stderr
    if feature:
        assert feature in result.stderr


def test_missing_path_exit_1(tmp_path: Path) -> None:
    result = run_cli("layers", "check", str(tmp_path / "nope"), cwd=tmp_path)
    assert result.returncode == 1
    assert "does not exist" in result.stderr
    assert "Traceback" not in result.stderr


def test_usage_error_exit_2(tmp_path: Path) -> None:
    result = run_cli("layers", "check", "--no-such-option", cwd=tmp_path)
    assert result.returncode == 2
    assert "No such option" in result.stderr


def test_unknown_command_exit_2(tmp_path: Path) -> None:
    result = run_cli("frobnicate", cwd=tmp_path)
    assert result.returncode == 2
