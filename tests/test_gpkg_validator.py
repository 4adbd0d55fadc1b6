"""results.gpkg passes the GeoPackage validator of GDAL 3.6 (Debian bookworm's, the GDAL of QGIS 3.22/3.28 LTR there).

pyogrio bundles a newer GDAL without the Python utilities, so the validator
(``osgeo_utils/samples/validate_gpkg.py`` of ``python3-gdal``) runs in a
subprocess with the system interpreter. ``.ci/run`` installs it; elsewhere the
tests skip with the reason unless ``TILLVAXT_REQUIRE_GDAL_VALIDATOR=1``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pyogrio
import pytest
from test_qgis_styles import make_frames

from tillvaxt_geo.output.files import GPKG_VERSION, write_gpkg
from tillvaxt_geo.output.qgis.gpkg import write_layer_styles

SYSTEM_PYTHON = Path("/usr/bin/python3")
VALIDATOR = Path("/usr/lib/python3/dist-packages/osgeo_utils/samples/validate_gpkg.py")
#: the GDAL whose validator and reader the tests pin (Debian bookworm's python3-gdal)
PINNED_GDAL = "3.6."

_OPEN_SCRIPT = """
import sys
from osgeo import gdal
gdal.UseExceptions()
messages = []
gdal.PushErrorHandler(lambda cls, no, msg: messages.append(msg))
ds = gdal.OpenEx(sys.argv[1], gdal.OF_VECTOR)
names = [ds.GetLayer(i).GetName() for i in range(ds.GetLayerCount())]
for name in names:
    layer = ds.GetLayerByName(name)
    layer.GetFeatureCount()
    for feature in layer:
        pass
print(gdal.__version__)
print(ds.GetMetadataItem("VERSION", "GPKG") or "")
print(",".join(sorted(names)))
print("|".join(messages))
"""


def _have_validator() -> bool:
    if not (SYSTEM_PYTHON.exists() and VALIDATOR.exists()):
        return False
    probe = subprocess.run([str(SYSTEM_PYTHON), "-c", "import osgeo.gdal"], capture_output=True, check=False)
    return probe.returncode == 0


requires_validator = pytest.mark.skipif(
    not _have_validator() and os.environ.get("TILLVAXT_REQUIRE_GDAL_VALIDATOR") != "1",
    reason="GDAL 3.6's validate_gpkg.py is not installed (apt-get install python3-gdal; .ci/run does)",
)


def validate(path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(SYSTEM_PYTHON), str(VALIDATOR), str(path)], capture_output=True, text=True, check=False, timeout=120
    )


def system_gdal_open(path: Path) -> list[str]:
    done = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", _OPEN_SCRIPT, str(path)], capture_output=True, text=True, check=True, timeout=120
    )
    return done.stdout.splitlines()


@pytest.fixture
def results_gpkg(tmp_path: Path) -> Path:
    frames = make_frames()
    path = tmp_path / "results.gpkg"
    write_gpkg(path, frames, finish=lambda tmp: write_layer_styles(tmp, frames))
    return path


@requires_validator
def test_validator_is_the_pinned_gdal() -> None:
    version = subprocess.run(
        [str(SYSTEM_PYTHON), "-c", "from osgeo import gdal; print(gdal.__version__)"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert version.stdout.strip().startswith(PINNED_GDAL), version.stdout


@requires_validator
def test_results_gpkg_with_styles_passes_gdal_36_validator(results_gpkg: Path) -> None:
    done = validate(results_gpkg)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Req" not in done.stdout + done.stderr


@requires_validator
def test_gdal_36_opens_results_gpkg_without_warnings(results_gpkg: Path) -> None:
    version, _, names, messages = (system_gdal_open(results_gpkg) + [""] * 4)[:4]
    assert version.startswith(PINNED_GDAL)
    assert GPKG_VERSION == "1.2"
    assert set(names.split(",")) >= {"zones", "housing_land", "mine_sites", "rail_stations", "layer_styles"}
    assert messages == "", messages


@requires_validator
def test_validator_can_fail_on_a_geopackage_14_written_by_newer_gdal(tmp_path: Path) -> None:
    """The check is real: the bundled GDAL's 1.4 file (newer R-tree triggers) is what GDAL 3.6 rejects."""
    path = tmp_path / "v14.gpkg"
    pyogrio.write_dataframe(
        make_frames()["zones"], path, layer="zones", driver="GPKG", dataset_options={"VERSION": "1.4"}
    )
    done = validate(path)
    assert done.returncode != 0
    assert "rtree" in (done.stdout + done.stderr).lower()


def test_written_geopackage_declares_version_12(results_gpkg: Path) -> None:
    import sqlite3

    with sqlite3.connect(results_gpkg) as conn:
        application_id = conn.execute("PRAGMA application_id").fetchone()[0]
        user_version = conn.execute("PRAGMA user_version").fetchone()[0]
    conn.close()
    assert application_id == 0x47504B47  # "GPKG"
    assert user_version == 10200
