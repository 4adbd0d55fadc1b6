"""Atomic writes: a failed write leaves the earlier output whole and readable."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pyogrio
import pytest
from conftest import small_layer_frames

from tillvaxt_geo.data.files import file_sha256
from tillvaxt_geo.output.files import atomic_path, write_gpkg, write_json, write_text


def test_interrupted_geopackage_write_keeps_earlier_file(tmp_path: Path) -> None:
    target = tmp_path / "results.gpkg"
    frames = small_layer_frames()
    write_gpkg(target, {"zones": frames["zones"], "roads": frames["roads"]})
    before = file_sha256(target)

    class BoomError(RuntimeError):
        pass

    def failing_layers():
        yield "zones", frames["zones"]
        raise BoomError("disk full")  # fails after the first layer was written

    class FailingMapping(dict):
        def items(self):  # type: ignore[override]
            return failing_layers()

    with pytest.raises(BoomError):
        write_gpkg(target, FailingMapping())
    assert file_sha256(target) == before
    names = {row[0] for row in pyogrio.list_layers(target)}
    assert names == {"zones", "roads"}
    assert len(pyogrio.read_dataframe(target, layer="roads")) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temp file left behind


def test_write_gpkg_table_and_layers(tmp_path: Path) -> None:
    frames = small_layer_frames()
    target = write_gpkg(tmp_path / "out.gpkg", {"zones": frames["zones"], "summary": pd.DataFrame({"a": [1, 2]})})
    assert {row[0] for row in pyogrio.list_layers(target)} == {"zones", "summary"}


def test_atomic_path_failure_leaves_text(tmp_path: Path) -> None:
    target = write_text(tmp_path / "a.txt", "old")
    with pytest.raises(ValueError), atomic_path(target) as tmp:
        tmp.write_text("half")
        raise ValueError("stop")
    assert target.read_text() == "old"


def test_write_json_refuses_nan_and_keeps_old(tmp_path: Path) -> None:
    target = write_json(tmp_path / "s.json", {"x": 1})
    with pytest.raises(ValueError):
        write_json(target, {"x": float("nan")})
    assert target.read_text().strip().startswith("{")
    assert '"x": 1' in target.read_text()


def test_sha256_of_directory_changes_with_content(tmp_path: Path) -> None:
    (tmp_path / "d").mkdir()
    (tmp_path / "d" / "f.txt").write_text("1")
    first = file_sha256(tmp_path / "d")
    (tmp_path / "d" / "f.txt").write_text("2")
    assert file_sha256(tmp_path / "d") != first


def test_import_is_quiet_and_lazy() -> None:
    """`import tillvaxt_geo` loads no folium and sets up no logging handlers."""
    import subprocess
    import sys

    code = (
        "import logging, sys; import tillvaxt_geo as t; "
        "assert 'folium' not in sys.modules; assert not logging.getLogger().handlers; "
        "t.render_map; assert 'folium' in sys.modules; print('ok')"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_replace_one_layer_keeps_the_others(tmp_path: Path) -> None:
    from tillvaxt_geo.output.files import replace_gpkg_layer

    frames = small_layer_frames()
    target = write_gpkg(tmp_path / "set.gpkg", {"zones": frames["zones"], "roads": frames["roads"]})
    roads = frames["roads"].iloc[:2]
    replace_gpkg_layer(target, "roads", roads)
    assert {row[0] for row in pyogrio.list_layers(target)} == {"zones", "roads"}
    assert len(pyogrio.read_dataframe(target, layer="roads")) == 2
    assert len(pyogrio.read_dataframe(target, layer="zones")) == 3


def test_failed_layer_replacement_leaves_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from tillvaxt_geo.output.files import replace_gpkg_layer

    frames = small_layer_frames()
    target = write_gpkg(tmp_path / "set.gpkg", {"zones": frames["zones"], "roads": frames["roads"]})
    before = file_sha256(target)
    real_write = pyogrio.write_dataframe

    def write_then_crash(*args: object, **kwargs: object) -> None:
        real_write(*args, **kwargs)  # the copy now holds the half-done change ...
        raise OSError("disk full")  # ... and the process fails before the rename

    monkeypatch.setattr(pyogrio, "write_dataframe", write_then_crash)
    with pytest.raises(OSError, match="disk full"):
        replace_gpkg_layer(target, "roads", frames["roads"].iloc[:1])
    assert file_sha256(target) == before
    assert len(pyogrio.read_dataframe(target, layer="roads")) == 3
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]
