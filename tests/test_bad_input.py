"""Hostile and broken input, table-driven: every case must end in exit 1 or 2 with a located message, never a traceback.

Each case builds its bad input in code (layer files, GTFS feeds, scenario
files, output paths, FIFOs and links), runs the real command line
(``tillvaxt_geo.cli.main.main``) in-process under an alarm (a hang fails the
case instead of the suite), and checks three things: the exit status is 1 or
2, no traceback reached the user, and the message names what is wrong — the
file, layer, feature, column or key — in the words listed with the case.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import warnings
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
from conftest import X0, Y0, small_layer_frames, write_layer_dir
from shapely.geometry import LineString, Point
from test_gtfs import basic_tables, write_feed

from tillvaxt_geo.cli.main import main

Frames = dict[str, gpd.GeoDataFrame]
TIMEOUT_S = 120  # a case that takes longer hangs


# --------------------------------------------------------------------------- builders


def layers(tmp: Path, change: Callable[[Frames], object] | None = None, *, suffix: str = ".gpkg") -> Path:
    """The small valid layer set, changed by ``change`` (which edits the frames in place), in tmp/layers."""
    frames = small_layer_frames()
    if change is not None:
        change(frames)
    return write_layer_dir(tmp / "layers", frames, suffix=suffix)  # type: ignore[arg-type]


def scenario(tmp: Path, body: str = "", *, head: str = "", name: str = "bad", open_: str = '["m1"]') -> Path:
    """A scenario on tmp/layers (written if missing) with TOML ``body`` appended and ``head`` before any table."""
    if not (tmp / "layers").exists():
        layers(tmp)
    path = tmp / f"{name}.toml"
    path.write_text(
        f'name = "{name}"\n{head}\n[layers]\npath = "layers"\n[mines]\nopen = {open_}\n{body}\n', encoding="utf-8"
    )
    return path


def run(tmp: Path, body: str = "", *, head: str = "", **kw: str) -> list[str]:
    """``run`` of a scenario built by :func:`scenario`, without the map."""
    return ["run", str(scenario(tmp, body, head=head, **kw)), "--out", str(tmp / "out"), "--no-map"]


def check(path: Path) -> list[str]:
    return ["layers", "check", str(path)]


def set_value(layer: str, column: str, value: object, row: int = 0) -> Callable[[Frames], None]:
    def change(frames: Frames) -> None:
        frame = frames[layer]
        if column in frame.columns and frame[column].dtype != object and isinstance(value, str):
            frame[column] = frame[column].astype(object)
        frame.loc[frame.index[row], column] = value

    return change


def feed_layers(tmp: Path, **tables: str | None) -> Path:
    """The small layer set with a GTFS feed (test_gtfs's basic tables, some replaced) in layers/gtfs/."""
    root = layers(tmp)
    write_feed(root / "gtfs", {**basic_tables(), **tables})
    return root


def stop_times(rows: str) -> str:
    return "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + rows


def with_text(tmp: Path, layer: str, old: str, new: str) -> list[str]:
    """The small set with ``layer`` as GeoJSON whose text has ``old`` replaced by ``new`` (GDAL cannot write NUL)."""
    root = layers(tmp, suffix=".geojson")
    path = root / f"{layer}.geojson"
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")
    return check(root)


def fifo(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    os.mkfifo(path)
    return path


def sparse(path: Path, size: int) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        fh.truncate(size)
    return path


def change_toml(**items: object) -> str:
    def value(v: object) -> str:
        if isinstance(v, str) and not v.startswith(("[", "{")) and v not in ("inf", "nan", "-inf"):
            return f'"{v}"'
        return str(v)

    return "[[changes]]\n" + "".join(f"{k} = {value(v)}\n" for k, v in items.items())


# --------------------------------------------------------------------------- the cases


@dataclass(frozen=True)
class Case:
    """One bad input: how to build it (returns the command line) and what the message must name."""

    id: str
    build: Callable[[Path], list[str]]
    names: tuple[str, ...]


def _fifo_zones(tmp: Path) -> list[str]:
    root = layers(tmp)
    (root / "zones.gpkg").unlink()
    fifo(root / "zones.gpkg")
    return check(root)


def _link(tmp: Path, name: str, target: str) -> list[str]:
    root = layers(tmp)
    (root / name).unlink()
    (root / name).symlink_to(target)
    return check(root)


def _truncated(tmp: Path, name: str, keep: float) -> list[str]:
    frames = small_layer_frames()
    root = tmp / "layers"
    suffix = Path(name).suffix
    write_layer_dir(root, {k: v for k, v in frames.items() if k != "zones"})
    frames["zones"].to_file(root / name)
    data = (root / name).read_bytes()
    (root / name).write_bytes(data[: int(len(data) * keep)])
    assert suffix
    return check(root)


def _dropped_table(tmp: Path) -> list[str]:
    root = layers(tmp)
    db = sqlite3.connect(root / "zones.gpkg")
    try:
        db.execute("DROP TABLE zones")
        db.commit()
    finally:
        db.close()
    return check(root)


def _shapefile_zones(tmp: Path) -> list[str]:
    frames = small_layer_frames()
    root = write_layer_dir(tmp / "layers", {k: v for k, v in frames.items() if k != "zones"})
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # geopandas and GDAL warn that they cut the names: the defect itself
        frames["zones"].to_file(root / "zones.shp")
    return check(root)


def _long_road(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        x = np.linspace(X0, X0 + 5000, 250_001)
        frames["roads"].loc[frames["roads"].index[0], "geometry"] = LineString(np.c_[x, np.full_like(x, Y0)])

    return check(layers(tmp, change))


def _nan_point(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        frames["zones"].loc[frames["zones"].index[1], "geometry"] = Point(float("nan"), float("nan"))

    return check(layers(tmp, change))


def _nan_vertex(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # shapely warns of the NaN: the defect itself
            line = LineString([(X0, Y0), (float("nan"), Y0 + 10), (X0 + 5000, Y0)])
        frames["roads"].loc[frames["roads"].index[0], "geometry"] = line

    return check(layers(tmp, change))


def _ambiguous(tmp: Path) -> list[str]:
    root = layers(tmp)
    small_layer_frames()["zones"].to_file(root / "zones.geojson")
    return check(root)


def _no_crs(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        frames["zones"] = frames["zones"].set_crs(None, allow_override=True)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # pyogrio warns that the file has no CRS: the defect itself
        return check(layers(tmp, change))


def _swapped(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        z = frames["zones"]
        frames["zones"] = z.set_geometry(gpd.points_from_xy(z.geometry.y, z.geometry.x), crs=z.crs)

    return check(layers(tmp, change))


def _point_road(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        frames["roads"].loc[frames["roads"].index[2], "geometry"] = Point(X0, Y0)

    return check(layers(tmp, change))


def _case_columns(tmp: Path) -> list[str]:
    def change(frames: Frames) -> None:
        frames["zones"]["NAME"] = frames["zones"]["name"]

    return check(layers(tmp, change, suffix=".geojson"))


def _duplicate_ids(tmp: Path) -> list[str]:
    return check(layers(tmp, set_value("zones", "zone_id", "b", row=0)))


def _rail_services_csv(tmp: Path, column: str, value: object) -> list[str]:
    root = layers(tmp)
    stations = gpd.GeoDataFrame(
        {"station_id": ["s1", "s2"], "name": ["Ett", "Två"]},
        geometry=[Point(X0, Y0), Point(X0 + 5000, Y0)],
        crs="EPSG:3006",
    )
    stations.to_file(root / "rail_stations.gpkg")
    table = pd.DataFrame(
        {
            "service_id": ["x", "x"],
            "stop_sequence": [0, 1],
            "station_id": ["s1", "s2"],
            "arrival_min": [0.0, 10.0],
            "departures_peak_hour": [2.0, 2.0],
            "departures_weekday": [20, 20],
        }
    )
    table.loc[1, column] = value
    table.to_csv(root / "rail_services.csv", index=False)
    return check(root)


def _gtfs(tmp: Path, **tables: str | None) -> list[str]:
    return check(feed_layers(tmp, **tables))


def _gtfs_bytes(tmp: Path, name: str, data: bytes) -> list[str]:
    root = feed_layers(tmp)
    (root / "gtfs" / name).write_bytes(data)
    return check(root)


def _gtfs_fifo(tmp: Path) -> list[str]:
    root = feed_layers(tmp)
    (root / "gtfs" / "stop_times.txt").unlink()
    fifo(root / "gtfs" / "stop_times.txt")
    return check(root)


def _gtfs_zip_garbage(tmp: Path) -> list[str]:
    root = layers(tmp)
    (root / "gtfs.zip").write_bytes(b"PK\x03\x04 not really a zip")
    return check(root)


def _gtfs_zip_header_only(tmp: Path) -> list[str]:
    root = layers(tmp)
    tables = {**basic_tables(), "stop_times.txt": stop_times("")}
    with zipfile.ZipFile(root / "gtfs.zip", "w") as zf:
        for name, text in tables.items():
            if text is not None:
                zf.writestr(name, text)
    return check(root)


def _out(tmp: Path, make: Callable[[Path], Path]) -> list[str]:
    target = make(tmp)
    return ["run", str(scenario(tmp)), "--out", str(target), "--no-map"]


def _out_file(tmp: Path) -> Path:
    (tmp / "afile").write_text("not a folder", encoding="utf-8")
    return tmp / "afile"


def _out_loop(tmp: Path) -> Path:
    (tmp / "loop").symlink_to(tmp / "loop")
    return tmp / "loop"


def _out_dangling(tmp: Path) -> Path:
    (tmp / "dangling").symlink_to(tmp / "nowhere" / "at" / "all")
    return tmp / "dangling"


def _out_under_file(tmp: Path) -> Path:
    (tmp / "afile").write_text("x", encoding="utf-8")
    return tmp / "afile" / "maps"


def _out_set_is_file(tmp: Path) -> Path:
    (tmp / "out").mkdir()
    (tmp / "out" / "bad").write_text("a file where the scenario's folder goes", encoding="utf-8")
    return tmp / "out"


def _two_same_names(tmp: Path) -> list[str]:
    one = scenario(tmp, name="same")
    two = tmp / "copy" / "same.toml"
    two.parent.mkdir()
    two.write_text(one.read_text(encoding="utf-8").replace('path = "layers"', 'path = "../layers"'), encoding="utf-8")
    return ["run", str(one), str(two), "--out", str(tmp / "out"), "--no-map"]


def _scenario_bytes(tmp: Path, data: bytes) -> list[str]:
    path = tmp / "bad.toml"
    path.write_bytes(data)
    return ["run", str(path), "--out", str(tmp / "out"), "--no-map"]


def _scenario_special(tmp: Path, make: Callable[[Path], Path]) -> list[str]:
    return ["run", str(make(tmp)), "--out", str(tmp / "out"), "--no-map"]


def _override_run(tmp: Path, layer: str, target: str) -> list[str]:
    layers(tmp)
    path = tmp / "bad.toml"
    path.write_text(
        f'name = "bad"\n[layers]\npath = "layers"\n{layer} = "{target}"\n[mines]\nopen = ["m1"]\n', encoding="utf-8"
    )
    return ["run", str(path), "--out", str(tmp / "out"), "--no-map"]


def _constraint(tmp: Path, make: Callable[[Path], Path]) -> list[str]:
    target = make(tmp)
    return run(tmp, f'[housing]\nconstraints = ["{target}"]\n')


ROUTE = "[[changes]]\ntype = 'road_speed'\nroad_ids = ['r1']\n"
SERVICE = "[[changes]]\ntype = 'add_service'\nservice_id = 'shuttle'\nstops = ['a', 'b']\n"

CASES: list[Case] = [
    # ---- files that are not regular files, or not there: no hang, no "layer absent"
    Case("layer-is-fifo", _fifo_zones, ("zones.gpkg", "named pipe")),
    Case("layer-override-dev-zero", lambda t: _override_run(t, "zones", "/dev/zero"), ("/dev/zero", "device")),
    Case("layer-override-is-folder", lambda t: _override_run(t, "zones", str(t)), ("zones", "folder")),
    Case("layer-override-missing", lambda t: _override_run(t, "zones", str(t / "nope.gpkg")), ("nope.gpkg",)),
    Case("layer-broken-symlink", lambda t: _link(t, "roads.gpkg", "/nonexistent/roads.gpkg"), ("roads.gpkg", "link")),
    Case("layer-symlink-loop", lambda t: _link(t, "roads.gpkg", "roads.gpkg"), ("roads.gpkg",)),
    Case("layer-set-is-fifo", lambda t: check(fifo(t / "set.gpkg")), ("set.gpkg", "named pipe")),
    Case("layer-set-missing", lambda t: check(t / "no_such_set"), ("no_such_set",)),
    Case("layer-too-large", lambda t: check(sparse(layers(t) / "rail_lines.geojson", 5 * 1024**3)), ("rail_lines",)),
    Case("layer-ambiguous-two-files", _ambiguous, ("zones", "ambiguous")),
    Case("scenario-is-fifo", lambda t: _scenario_special(t, lambda p: fifo(p / "s.toml")), ("s.toml", "named pipe")),
    Case("scenario-is-dev-zero", lambda t: _scenario_special(t, lambda p: Path("/dev/zero")), ("/dev/zero", "device")),
    Case(
        "scenario-too-large",
        lambda t: _scenario_special(t, lambda p: sparse(p / "big.toml", 3 * 1024**2)),
        ("big.toml", "MiB"),
    ),
    Case(
        "scenario-latin1",
        lambda t: _scenario_bytes(t, 'name = "bad"\ntitle = "Gr\xe4ngesberg"\n'.encode("latin-1")),
        ("bad.toml", "UTF-8"),
    ),
    Case("scenario-not-toml", lambda t: _scenario_bytes(t, b'name = "bad\n[mines\n'), ("bad.toml", "TOML")),
    Case("scenario-name-too-long", lambda t: run(t, name="x" * 100), ("name", "64")),
    Case("scenario-unknown-key", lambda t: run(t, head="colour = 'red'"), ("colour", "valid keys")),
    Case("scenario-missing-file", lambda t: ["run", str(t / "gone.toml"), "--out", str(t / "out")], ("gone.toml",)),
    # ---- corrupt layer files: located, not vague
    Case("flatgeobuf-truncated", lambda t: _truncated(t, "zones.fgb", 0.5), ("zones.fgb", "corrupt")),
    Case("geojson-truncated", lambda t: _truncated(t, "zones.geojson", 0.6), ("zones.geojson",)),
    Case("gpkg-truncated", lambda t: _truncated(t, "zones.gpkg", 0.3), ("zones.gpkg",)),
    Case("gpkg-feature-table-dropped", _dropped_table, ("zones.gpkg",)),
    Case(
        "geojson-garbage",
        lambda t: check(_write(layers(t) / "rail_lines.geojson", b"\x00\x01garbage")),
        ("rail_lines.geojson",),
    ),
    Case("geojson-empty-file", lambda t: check(_write(layers(t) / "rail_lines.geojson", b"")), ("rail_lines.geojson",)),
    Case("shapefile-cannot-hold-zones", _shapefile_zones, ("zones.shp", "10 characters", "vacant_dwellings")),
    # ---- layer values: ranges with reasons, text as typed, geometry
    Case(
        "zones-population-1e12",
        lambda t: check(layers(t, set_value("zones", "population", 10**12))),
        ("population", "'a'"),
    ),
    Case("zones-jobs-1e12", lambda t: check(layers(t, set_value("zones", "jobs", 10**12, row=2))), ("jobs", "'c'")),
    Case(
        "zones-labour-negative", lambda t: check(layers(t, set_value("zones", "labour_force", -5))), ("labour_force",)
    ),
    Case(
        "zones-vacant-over-dwellings",
        lambda t: check(layers(t, set_value("zones", "vacant_dwellings", 10_000))),
        ("vacant_dwellings", "'a'"),
    ),
    Case(
        "zones-population-text",
        lambda t: check(layers(t, set_value("zones", "population", "many"))),
        ("population", "many"),
    ),
    Case("zones-duplicate-ids", _duplicate_ids, ("zone_id", "duplicates")),
    Case("zones-empty-id", lambda t: check(layers(t, set_value("zones", "zone_id", ""))), ("zone_id", "row 0")),
    Case(
        "zones-nul-in-name",
        lambda t: with_text(t, "zones", '"Alby"', '"Al\\u0000by"'),
        ("zones.geojson", "feature 'a'", "column 'name'", "NUL"),
    ),
    Case(
        "zones-nul-in-id",
        lambda t: with_text(t, "zones", '"zone_id": "a"', '"zone_id": "a\\u0000x"'),
        ("zones.geojson", "zone_id", "NUL"),
    ),
    Case(
        "zones-escape-in-municipality",
        lambda t: check(layers(t, set_value("zones", "municipality", "Lud\x1b[31mvika"))),
        ("municipality", "control"),
    ),
    Case("zones-name-and-NAME", _case_columns, ("NAME", "case")),
    Case("zones-nan-point", _nan_point, ("zones", "NaN", "'b'")),
    Case("roads-nan-vertex", _nan_vertex, ("roads", "NaN", "'r1'")),
    Case("zones-no-crs", _no_crs, ("zones", "no CRS")),
    Case("zones-swapped-axes", _swapped, ("zones", "swapped")),
    Case("zones-kind-unknown", lambda t: check(layers(t, set_value("zones", "kind", "city"))), ("kind", "city")),
    Case(
        "roads-speed-300",
        lambda t: check(layers(t, set_value("roads", "speed_kmh", 300.0))),
        ("speed_kmh", "'r1'", "200"),
    ),
    Case("roads-speed-zero", lambda t: check(layers(t, set_value("roads", "speed_kmh", 0.0))), ("speed_kmh", "'r1'")),
    Case("roads-speed-inf", lambda t: check(layers(t, set_value("roads", "speed_kmh", float("inf")))), ("speed_kmh",)),
    Case("roads-oneway-maybe", lambda t: check(layers(t, set_value("roads", "oneway", "maybe"))), ("oneway", "maybe")),
    Case("roads-ref-control-char", lambda t: check(layers(t, set_value("roads", "ref", "5\x070"))), ("ref", "'r1'")),
    Case("roads-point-geometry", _point_road, ("roads", "Point", "'r3'")),
    Case("roads-million-vertices", _long_road, ("roads", "vertices", "'r1'")),
    Case(
        "mine-workers-1e9",
        lambda t: check(layers(t, set_value("mine_sites", "workers_operation_high", 10**9))),
        ("workers_operation_high", "'m1'"),
    ),
    Case(
        "mine-low-over-high",
        lambda t: check(layers(t, set_value("mine_sites", "workers_operation_low", 900))),
        ("workers_operation_low", "'m1'"),
    ),
    Case(
        "housing-status-unknown",
        lambda t: check(layers(t, set_value("housing_land", "status", "dreamt"))),
        ("status", "dreamt"),
    ),
    Case(
        "housing-year-3000",
        lambda t: check(layers(t, set_value("housing_land", "available_from", 3000))),
        ("available_from", "'h1'"),
    ),
    Case(
        "housing-capacity-1e12",
        lambda t: check(layers(t, set_value("housing_land", "capacity_dwellings", 10**12))),
        ("capacity_dwellings", "'h1'"),
    ),
    Case(
        "rail-services-departures-1e9",
        lambda t: _rail_services_csv(t, "departures_peak_hour", 1e9),
        ("rail_services.csv", "departures_peak_hour"),
    ),
    Case(
        "rail-services-arrival-negative",
        lambda t: _rail_services_csv(t, "arrival_min", -3.0),
        ("rail_services.csv", "arrival_min"),
    ),
    Case(
        "rail-services-nul-in-service-id",
        lambda t: _rail_services_csv(t, "service_id", "x\x00y"),
        ("rail_services.csv", "service_id", "control"),
    ),
    Case("rail-services-unknown-station", lambda t: _rail_services_csv(t, "station_id", "s9"), ("rail_services", "s9")),
    # ---- GTFS feeds: consistency reported with file, row and column
    Case("gtfs-stop-times-header-only", lambda t: _gtfs(t, **{"stop_times.txt": stop_times("")}), ("stop_times.txt",)),
    Case("gtfs-zip-stop-times-header-only", _gtfs_zip_header_only, ("stop_times.txt",)),
    Case(
        "gtfs-stop-times-latin1",
        lambda t: _gtfs_bytes(t, "stops.txt", b"stop_id,stop_name,stop_lat,stop_lon\nLUD,Gr\xe4ngesberg,60.1,15.1\n"),
        ("stops.txt", "UTF-8"),
    ),
    Case(
        "gtfs-unterminated-quote",
        lambda t: _gtfs_bytes(
            t, "trips.txt", b'route_id,service_id,trip_id,direction_id\nR53,WK,"t0,0\nR53,WK,t1,0\n' + b"x," * 100000
        ),
        ("trips.txt",),
    ),
    Case(
        "gtfs-times-backwards",
        lambda t: _gtfs(
            t,
            **{
                "stop_times.txt": stop_times(
                    "t0,06:00:00,06:00:00,LUD1,1\nt0,05:40:00,05:40:00,SMB,2\nt0,06:30:00,06:30:00,BLG,3\n"
                )
            },
        ),
        ("stop_times.txt", "arrival_time", "row 3", "t0"),
    ),
    Case(
        "gtfs-departure-before-arrival",
        lambda t: _gtfs(
            t,
            **{
                "stop_times.txt": stop_times(
                    "t0,06:00:00,06:00:00,LUD1,1\nt0,06:10:00,06:05:00,SMB,2\nt0,06:30:00,06:30:00,BLG,3\n"
                )
            },
        ),
        ("stop_times.txt", "departure_time", "t0"),
    ),
    Case(
        "gtfs-one-stop-trip",
        lambda t: _gtfs(t, **{"stop_times.txt": stop_times("t0,06:00:00,06:00:00,LUD1,1\n")}),
        ("stop_times.txt", "two stops", "t0"),
    ),
    Case(
        "gtfs-unknown-stop",
        lambda t: _gtfs(
            t, **{"stop_times.txt": stop_times("t0,06:00:00,06:00:00,LUD1,1\nt0,06:10:00,06:10:00,XXX,2\n")}
        ),
        ("stop_times.txt", "XXX", "stops.txt"),
    ),
    Case(
        "gtfs-unknown-route",
        lambda t: _gtfs(t, **{"trips.txt": "route_id,service_id,trip_id,direction_id\nR99,WK,t0,0\n"}),
        ("trips.txt", "R99", "routes.txt"),
    ),
    Case(
        "gtfs-bad-time",
        lambda t: _gtfs(t, **{"stop_times.txt": stop_times("t0,06:00:00,06:00:00,LUD1,1\nt0,6:99:00,6:99:00,SMB,2\n")}),
        ("stop_times.txt", "arrival_time"),
    ),
    Case(
        "gtfs-repeated-stop-sequence",
        lambda t: _gtfs(
            t, **{"stop_times.txt": stop_times("t0,06:00:00,06:00:00,LUD1,1\nt0,06:10:00,06:10:00,SMB,1\n")}
        ),
        ("stop_times.txt", "stop_sequence", "t0"),
    ),
    Case("gtfs-missing-stop-times", lambda t: _gtfs(t, **{"stop_times.txt": None}), ("stop_times.txt",)),
    Case("gtfs-stop-times-is-fifo", _gtfs_fifo, ("stop_times.txt", "named pipe")),
    Case("gtfs-zip-garbage", _gtfs_zip_garbage, ("gtfs.zip",)),
    Case(
        "import-osm-from-fifo",
        lambda t: ["import", "osm", str(fifo(t / "extract.osm.pbf")), "--out", str(t / "roads.gpkg")],
        ("extract.osm.pbf", "named pipe"),
    ),
    Case(
        "import-gtfs-times-backwards",
        lambda t: [
            "import",
            "gtfs",
            str(
                feed_layers(
                    t, **{"stop_times.txt": stop_times("t0,06:00:00,06:00:00,LUD1,1\nt0,05:00:00,05:00:00,SMB,2\n")}
                )
                / "gtfs"
            ),
            "--out",
            str(t / "services.csv"),
        ],
        ("stop_times.txt", "row 3", "t0"),
    ),
    Case(
        "import-grid-from-dev-zero",
        lambda t: ["import", "grid", "/dev/zero", "--out", str(t / "zones.gpkg")],
        ("/dev/zero", "device"),
    ),
    # ---- scenario values: ranges with reasons, finite, typed
    Case("open-site-twice", lambda t: run(t, open_='["m1", "m1"]'), ("'m1'", "more than once")),
    Case("open-unknown-site", lambda t: run(t, open_='["m9"]'), ("unknown mine site 'm9'", "m1")),
    Case("open-not-a-list", lambda t: run(t, open_='"m1"'), ("open", "list")),
    Case("workers-1e12", lambda t: run(t, "[mines.workers]\nm1 = 1000000000000\n"), ("workers", "m1")),
    Case("workers-negative", lambda t: run(t, "[mines.workers]\nm1 = -3\n"), ("workers", "m1")),
    Case("workers-unknown-site", lambda t: run(t, "[mines.workers]\nm7 = 30\n"), ("m7",)),
    Case("working-crs-table", lambda t: run(t, head="working_crs = { epsg = 3006 }"), ("working_crs", "dict")),
    Case("working-crs-geographic", lambda t: run(t, head='working_crs = "EPSG:4326"'), ("EPSG:4326", "geographic")),
    Case("working-crs-unknown", lambda t: run(t, head='working_crs = "EPSG:99999999"'), ("EPSG:99999999",)),
    Case("title-nul", lambda t: run(t, head='title = "Gruva\\u0000n"'), ("title", "control")),
    Case("title-table", lambda t: run(t, head="title = { sv = 'x' }"), ("title", "text")),
    Case("description-escape", lambda t: run(t, head='description = "\\u001b[2J"'), ("description", "control")),
    Case("study-area-atlantis", lambda t: run(t, head='study_area = ["Atlantis"]'), ("Atlantis", "Ludvika")),
    Case("study-area-typo", lambda t: run(t, head='study_area = ["Ludvik"]'), ("Ludvik", "Ludvika")),
    Case("study-area-empty", lambda t: run(t, head="study_area = []"), ("study_area",)),
    Case("year-9999", lambda t: run(t, head="year = 9999"), ("year",)),
    Case(
        "supplier-multiplier-inf",
        lambda t: run(t, "[economy]\nsupplier_multiplier = inf\n"),
        ("supplier_multiplier", "finite"),
    ),
    Case(
        "supplier-multiplier-nan", lambda t: run(t, "[economy]\nsupplier_multiplier = nan\n"), ("supplier_multiplier",)
    ),
    Case(
        "supplier-multiplier-1e6",
        lambda t: run(t, "[economy]\nsupplier_multiplier = 1e6\n"),
        ("supplier_multiplier", "at most"),
    ),
    Case(
        "household-multiplier-1e9",
        lambda t: run(t, "[economy]\nhousehold_multiplier = 1e9\n"),
        ("household_multiplier",),
    ),
    Case(
        "procurement-share-2",
        lambda t: run(t, "[economy]\nlocal_procurement_share = 2\n"),
        ("local_procurement_share",),
    ),
    Case("max-time-inf", lambda t: run(t, "[commute]\nmax_time_min = inf\n"), ("max_time_min",)),
    Case("max-time-1e9", lambda t: run(t, "[commute]\nmax_time_min = 1e9\n"), ("max_time_min", "at most")),
    Case(
        "dwellings-per-worker-1e9",
        lambda t: run(t, "[commute]\ndwellings_per_worker = 1e9\n"),
        ("dwellings_per_worker",),
    ),
    Case("recruit-share-minus", lambda t: run(t, "[commute]\nrecruit_local_share = -0.5\n"), ("recruit_local_share",)),
    Case("mine-buffer-1e12", lambda t: run(t, "[housing]\nmine_buffer_m = 1e12\n"), ("mine_buffer_m",)),
    Case("release-year-1e6", lambda t: run(t, "[housing]\nextra_release_year = 1000000\n"), ("extra_release_year",)),
    Case("constraint-missing", lambda t: _constraint(t, lambda p: p / "nature.gpkg"), ("nature.gpkg", "constraints")),
    Case("constraint-fifo", lambda t: _constraint(t, lambda p: fifo(p / "flood.gpkg")), ("flood.gpkg", "named pipe")),
    # ---- changes: every number in a range with a reason
    Case("road-speed-300", lambda t: run(t, ROUTE + "speed_kmh = 300\n"), ("entry 1", "speed_kmh", "200")),
    Case("road-speed-1e9", lambda t: run(t, ROUTE + "speed_kmh = 1e9\n"), ("speed_kmh", "200")),
    Case("road-speed-inf", lambda t: run(t, ROUTE + "speed_kmh = inf\n"), ("speed_kmh", "finite")),
    Case("road-speed-nan", lambda t: run(t, ROUTE + "speed_kmh = nan\n"), ("speed_kmh",)),
    Case("road-speed-zero", lambda t: run(t, ROUTE + "speed_kmh = 0\n"), ("speed_kmh", "> 0")),
    Case(
        "road-speed-unknown-road",
        lambda t: run(t, "[[changes]]\ntype = 'road_speed'\nroad_ids = ['r99']\nspeed_kmh = 60\n"),
        ("r99",),
    ),
    Case(
        "road-ids-nul",
        lambda t: run(t, '[[changes]]\ntype = "close_road"\nroad_ids = ["r\\u0000"]\n'),
        ("road_ids", "control"),
    ),
    Case(
        "add-road-speed-300",
        lambda t: run(
            t, change_toml(type="add_road", road_id="n1", coordinates="[[15.1, 60.1], [15.2, 60.1]]", speed_kmh=300)
        ),
        ("speed_kmh", "200"),
    ),
    Case(
        "add-road-not-lonlat",
        lambda t: run(
            t,
            change_toml(
                type="add_road", road_id="n1", coordinates="[[510200, 6668100], [515200, 6668100]]", speed_kmh=70
            ),
        ),
        ("coordinate", "WGS84"),
    ),
    Case(
        "bus-zero-minutes",
        lambda t: run(t, SERVICE + "run_times_min = [0]\ndepartures_peak_hour = 4\n"),
        ("run_times_min", "> 0"),
    ),
    Case(
        "bus-1e9-departures",
        lambda t: run(t, SERVICE + "run_times_min = [5]\ndepartures_peak_hour = 1e9\n"),
        ("departures_peak_hour", "60"),
    ),
    Case(
        "bus-weekday-1e9",
        lambda t: run(t, SERVICE + "run_times_min = [5]\ndepartures_peak_hour = 4\ndepartures_weekday = 1000000000\n"),
        ("departures_weekday",),
    ),
    Case(
        "bus-run-times-count",
        lambda t: run(t, SERVICE + "run_times_min = [5, 6]\ndepartures_peak_hour = 4\n"),
        ("run_times_min", "1 run time"),
    ),
    Case(
        "rail-departures-1e9",
        lambda t: run(t, change_toml(type="rail_departures", route="53", departures_peak_hour=1e9)),
        ("departures_peak_hour",),
    ),
    Case(
        "rail-departures-negative",
        lambda t: run(t, change_toml(type="rail_departures", route="53", departures_peak_hour=-1)),
        ("departures_peak_hour",),
    ),
    Case(
        "rail-stop-dwell-1e6",
        lambda t: run(t, change_toml(type="rail_stop", route="53", station_id="SMB", dwell_min=1e6)),
        ("dwell_min",),
    ),
    Case(
        "housing-capacity-change-1e12",
        lambda t: run(t, change_toml(type="housing_capacity", housing_id="h1", capacity_dwellings=10**12)),
        ("capacity_dwellings",),
    ),
    Case(
        "housing-release-year-1e5",
        lambda t: run(t, change_toml(type="housing_release", housing_ids="['h1']", available_from=100000)),
        ("available_from",),
    ),
    Case("change-type-unknown", lambda t: run(t, change_toml(type="teleport")), ("teleport", "road_speed")),
    Case("change-unknown-key", lambda t: run(t, ROUTE + "speed_kmh = 60\ncolour = 'red'\n"), ("colour", "valid keys")),
    # ---- output paths: checked before computing, typed and named
    Case("out-is-a-file", lambda t: _out(t, _out_file), ("afile", "is a file")),
    Case("out-symlink-loop", lambda t: _out(t, _out_loop), ("loop", "symbolic link")),
    Case("out-dangling-symlink", lambda t: _out(t, _out_dangling), ("dangling", "missing")),
    Case("out-under-a-file", lambda t: _out(t, _out_under_file), ("afile",)),
    Case("out-scenario-folder-is-file", lambda t: _out(t, _out_set_is_file), ("bad", "file stands")),
    Case("out-not-permitted", lambda t: _out(t, lambda p: Path("/sys/tillvaxt_out")), ("/sys/tillvaxt_out",)),
    Case("out-name-too-long", lambda t: _out(t, lambda p: p / ("x" * 300)), ("xxxx", "too long")),
    Case("two-scenarios-one-name", _two_same_names, ("same", "both named")),
    Case(
        "compare-out-is-a-file",
        lambda t: ["compare", str(scenario(t)), str(scenario(t, name="other")), "--out", str(_out_file(t))],
        ("afile", "is a file"),
    ),
    Case(
        "sweep-out-is-a-file", lambda t: ["sweep", str(scenario(t)), "--out", str(_out_file(t))], ("afile", "is a file")
    ),
]


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path.parent


# --------------------------------------------------------------------------- running


@pytest.fixture
def alarm() -> Iterator[None]:
    """Fail a case that blocks (a FIFO read, an endless file) instead of hanging the suite."""

    def expired(signum: int, frame: object) -> None:
        raise TimeoutError(f"the command did not finish within {TIMEOUT_S} s: it hangs on its input")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TIMEOUT_S)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def invoke(argv: list[str]) -> int:
    """Run the command line in-process; return its exit status (an escaping exception fails the test)."""
    try:
        main(argv)
    except SystemExit as exc:
        return int(exc.code) if isinstance(exc.code, int) else 1
    return 0


def test_the_catalogue_is_large_and_ids_are_unique() -> None:
    ids = [c.id for c in CASES]
    assert len(ids) >= 80
    assert len(set(ids)) == len(ids)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_refused_with_a_located_message(
    case: Case, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], alarm: None
) -> None:
    monkeypatch.chdir(tmp_path)
    argv = case.build(tmp_path)
    out = tmp_path / "out"
    before = set(out.rglob("*")) if out.is_dir() else set()
    capsys.readouterr()
    status = invoke(argv)
    err = capsys.readouterr().err
    assert status in (1, 2), f"exit {status} for {case.id}; stderr:\n{err}"
    assert "Traceback" not in err
    for name in case.names:
        assert name.lower() in err.lower(), f"{case.id}: message does not name {name!r}:\n{err}"
    if out.is_dir():  # nothing was written for a refused input
        assert set(out.rglob("*")) == before
