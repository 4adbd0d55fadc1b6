"""Output sets: all new or all old after SIGKILL, a manifest a reader can check, output faults as typed errors."""

from __future__ import annotations

import errno
import hashlib
import html
import json
import os
import random
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest
from conftest import run_cli, small_layer_frames, write_layer_dir

from tillvaxt_geo.errors import OutputError
from tillvaxt_geo.output.files import (
    check_output_dir,
    output_error,
    remove_stale_temporaries,
    spreadsheet_safe,
    write_csv,
    write_text,
)
from tillvaxt_geo.output.runset import MANIFEST, output_sets, read_manifest, verify_output_set, write_output_set

SET_FILES = {"summary.json", "summary.csv", "summary.xlsx", "results.gpkg", "map.html", MANIFEST}


def _scenario(root: Path, title: str, *, name: str = "small") -> Path:
    path = root / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\ntitle = "{title}"\n[layers]\npath = "layers"\n[mines]\nopen = ["m1"]\n', encoding="utf-8"
    )
    return path


def _temporaries(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.name.startswith(".")]


def _set_hash(folder: Path) -> str:
    manifest = read_manifest(folder)
    assert manifest is not None, f"{folder} has no manifest"
    return str(manifest["scenario"]["sha256"])


@pytest.mark.slow
def test_sigkill_at_random_moments_leaves_the_old_or_the_new_complete_set(tmp_path: Path) -> None:
    write_layer_dir(tmp_path / "layers", small_layer_frames())
    out = tmp_path / "out"
    command = [sys.executable, "-m", "tillvaxt_geo", "--quiet", "run", "small.toml", "--out", str(out)]
    _scenario(tmp_path, "run 0")
    started = time.perf_counter()
    first = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600)
    full_s = time.perf_counter() - started
    assert first.returncode == 0, first.stderr
    folder = out / "small"
    assert verify_output_set(folder) == []
    old = _set_hash(folder)

    rng = random.Random(17)
    outcomes = {"old": 0, "new": 0}
    kills = 32
    for i in range(1, kills + 1):
        _scenario(tmp_path, f"run {i}")
        process = subprocess.Popen(command, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        time.sleep(rng.uniform(0.2, full_s * 1.1))
        process.send_signal(signal.SIGKILL)
        process.wait()
        assert sorted(p.name for p in folder.iterdir() if not p.name.startswith(".")) == sorted(SET_FILES)
        assert verify_output_set(folder) == [], f"kill {i}: a mixed or incomplete set"
        found = _set_hash(folder)
        assert found in (old, _scenario_hash(tmp_path))
        outcomes["new" if found != old else "old"] += 1
        old = found
        index = out / "index.html"
        if index.exists():
            assert index.read_text(encoding="utf-8").rstrip().endswith("</html>")

    # every kind of moment was hit: before the switch and after it
    assert outcomes["old"] > 0 and outcomes["new"] > 0, outcomes
    _scenario(tmp_path, "final")
    last = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600)
    assert last.returncode == 0, last.stderr
    assert verify_output_set(folder) == []
    assert _temporaries(out) == [], "temporaries of killed runs were left behind"


def _scenario_hash(root: Path) -> str:
    return hashlib.sha256((root / "small.toml").read_bytes()).hexdigest()


def test_write_output_set_switches_whole_sets_and_lists_them(tmp_path: Path) -> None:
    target = tmp_path / "a"
    write_output_set(target, {"x.txt": lambda p: p.write_text("one")}, scenario={"name": "a", "sha256": "1"})
    assert verify_output_set(target) == []
    # a failing writer leaves the earlier set whole and nothing beside it
    with pytest.raises(OutputError, match=r"y\.txt") as info:
        write_output_set(target, {"x.txt": lambda p: p.write_text("two"), "y.txt": _fail}, scenario={"name": "a"})
    assert "boom" in str(info.value)
    assert (target / "x.txt").read_text() == "one" and verify_output_set(target) == []
    assert _temporaries(tmp_path) == []
    write_output_set(target, {"z.txt": lambda p: p.write_text("three")}, scenario={"name": "a", "sha256": "3"})
    assert sorted(p.name for p in target.iterdir()) == [MANIFEST, "z.txt"]
    write_output_set(tmp_path / "b", {"x.txt": lambda p: p.write_text("b")}, scenario={"name": "b", "sha256": "4"})
    assert list(output_sets(tmp_path)) == ["a", "b"]
    # a changed file is detected
    (target / "z.txt").write_text("edited")
    assert any("differs" in p for p in verify_output_set(target))


def _fail(path: Path) -> None:
    path.write_text("half")
    raise RuntimeError("boom")


def test_stale_temporaries_of_dead_processes_are_removed_and_live_ones_kept(tmp_path: Path) -> None:
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    live = os.getpid()
    stale_file = tmp_path / f".summary.{dead.pid}.abcdefgh.tmp.json"
    stale_dir = tmp_path / f".tillvaxt-staging-{dead.pid}-xyz"
    live_file = tmp_path / f".summary.{live}.abcdefgh.tmp.json"
    unrelated = tmp_path / ".hidden_notes"
    for p in (stale_file, live_file, unrelated):
        p.write_text("x")
    stale_dir.mkdir()
    (stale_dir / "summary.json").write_text("{}")
    removed = remove_stale_temporaries(tmp_path)
    assert sorted(removed) == sorted([stale_file, stale_dir])
    assert live_file.exists() and unrelated.exists()


def test_index_lists_every_scenario_in_the_folder(tmp_path: Path) -> None:
    write_layer_dir(tmp_path / "layers", small_layer_frames())
    out = tmp_path / "out"
    for name in ("first", "second"):
        scenario = _scenario(tmp_path, f"Title {name}", name=name)
        result = run_cli("--quiet", "run", str(scenario), "--out", str(out), cwd=tmp_path)
        assert result.returncode == 0, result.stderr
    index = html.unescape((out / "index.html").read_text(encoding="utf-8"))
    assert "first/map.html" in index and "second/map.html" in index
    assert "Title first" in index
    for name in ("first", "second"):
        assert verify_output_set(out / name) == []
        manifest = json.loads((out / name / MANIFEST).read_text(encoding="utf-8"))
        assert set(manifest["files"]) == SET_FILES - {MANIFEST}
        assert manifest["scenario"]["name"] == name and len(manifest["scenario"]["sha256"]) == 64


def test_dollar_signs_in_a_title_are_drawn_as_typed(tmp_path: Path) -> None:
    from tillvaxt_geo.scenario.sweep import SweepResult, heat_map_png

    table = pd.DataFrame(
        {
            "companies": ["$\\alpha$ one"] * 4,
            "local_residence_share": [0.0, 0.0, 1.0, 1.0],
            "local_procurement_share": [0.0, 1.0, 0.0, 1.0],
            "total_jobs": [1.0, 2.0, 3.0, 4.0],
        }
    )
    result = SweepResult(table=table, levers=pd.DataFrame(), verdict="")
    png = heat_map_png(result, title="Costs $x^{2}$ and $\\frac{a}{b}$ and a lone $")
    assert png.startswith(b"\x89PNG")


def test_csv_cells_that_spreadsheets_would_run_are_quoted(tmp_path: Path) -> None:
    frame = pd.DataFrame(
        {
            "text": ['=HYPERLINK("http://x")', "+1+2", "-cmd", "@SUM(A1)", "\tTab", "plain", "a=b"],
            "value": [-1.5, 2.0, -3.0, 4.0, 5.0, 6.0, 7.0],
        }
    )
    path = write_csv(tmp_path / "t.csv", frame)
    back = pd.read_csv(path)
    assert list(back["text"]) == ['\'=HYPERLINK("http://x")', "'+1+2", "'-cmd", "'@SUM(A1)", "'\tTab", "plain", "a=b"]
    assert list(back["value"]) == list(frame["value"])  # numbers, negative ones too, stay numbers
    assert spreadsheet_safe(frame.iloc[5:]) is not None


@pytest.mark.parametrize(
    ("code", "words"),
    [
        (errno.ENOSPC, "disk is full"),
        (errno.EROFS, "read-only"),
        (errno.EACCES, "permission"),
        (errno.ELOOP, "symbolic link"),
        (errno.EDQUOT, "quota"),
    ],
)
def test_every_output_oserror_names_the_path_and_the_cause(code: int, words: str, tmp_path: Path) -> None:
    error = output_error(OSError(code, os.strerror(code)), tmp_path / "maps" / "x.gpkg")
    assert isinstance(error, OutputError) and isinstance(error, OSError)
    assert str(tmp_path / "maps" / "x.gpkg") in str(error) and words in str(error)


def test_output_folder_faults_are_found_before_computing(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("x")
    with pytest.raises(OutputError, match="is a file"):
        check_output_dir(tmp_path / "file")
    (tmp_path / "loop").symlink_to(tmp_path / "loop")
    with pytest.raises(OutputError, match="loop"):
        check_output_dir(tmp_path / "loop")
    with pytest.raises(OutputError, match="folder stands where a file"):
        write_text(tmp_path, "x")
    assert check_output_dir(tmp_path / "new" / "deeper").is_dir()


def _limit_file_size() -> None:  # runs in the child before exec
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    resource.setrlimit(resource.RLIMIT_FSIZE, (300_000, 300_000))


def test_a_full_disk_during_the_run_is_a_typed_error_and_keeps_the_old_set(tmp_path: Path) -> None:
    write_layer_dir(tmp_path / "layers", small_layer_frames())
    out = tmp_path / "out"
    _scenario(tmp_path, "before")
    command = [sys.executable, "-m", "tillvaxt_geo", "--quiet", "run", "small.toml", "--out", str(out)]
    assert subprocess.run(command, cwd=tmp_path, capture_output=True, check=False, timeout=600).returncode == 0
    before = _set_hash(out / "small")
    _scenario(tmp_path, "after")
    # files may not grow past 300 kB (map.html is larger): writes fail as on a full disk
    full = subprocess.run(
        command, cwd=tmp_path, capture_output=True, text=True, check=False, timeout=600, preexec_fn=_limit_file_size
    )
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr and "cannot write" in full.stderr and str(out) in full.stderr
    assert verify_output_set(out / "small") == [] and _set_hash(out / "small") == before
    assert _temporaries(out) == []
