"""QGIS default styles in results.gpkg: the layer_styles table as QGIS reads it, and valid QML."""

from __future__ import annotations

import hashlib
import itertools
import sqlite3
import xml.etree.ElementTree as ET
from pathlib import Path

import geopandas as gpd
import numpy as np
import pandas as pd
import pyogrio
import pytest
from shapely.geometry import LineString, Point, Polygon

from tillvaxt_geo.output.classes import UPTAKE_CLASSES, WORKER_CLASSES
from tillvaxt_geo.output.qgis.gpkg import write_layer_styles
from tillvaxt_geo.output.qgis.styles import STYLED_LAYERS, style_qml

SWEREF = "EPSG:3006"
X0, Y0 = 510_200.0, 6_668_100.0
NASTY = "<&\"'> Ö]]>"

#: The attribute each classified layer is styled by.
CLASSIFIED_BY = {
    "zones": "workers_resident",
    "housing_land": 'coalesce("dwellings_taken", 0) / max(coalesce("capacity_dwellings", 0), 1)',
    "mine_sites": "open",
    "isochrones": "minutes",
    "roads": "road_class",
}


def _square(x: float, y: float, half: float) -> Polygon:
    return Polygon([(x - half, y - half), (x + half, y - half), (x + half, y + half), (x - half, y + half)])


def make_frames(*, workers: list[float] | None = None) -> dict[str, pd.DataFrame]:
    """Small output layers as the export writes them (EPSG:3006), plus a plain table."""
    workers = [0.0, 12.5, 140.0, 3.0] if workers is None else workers
    zones = gpd.GeoDataFrame(
        {
            "zone_id": ["a", "b", "c", "d"],
            "name": ["Ludvika", NASTY, "Smedjebacken", "Grängesberg"],
            "workers_resident": workers,
        },
        geometry=[Point(X0 + 1000 * i, Y0) for i in range(4)],
        crs=SWEREF,
    )
    housing = gpd.GeoDataFrame(
        {
            "housing_id": ["h1", "h2", "h3"],
            "name": ["Norra", "Södra", NASTY],
            "status": ["adopted", "proposed", "assumed"],
            "dwellings_taken": [0.0, 40.0, 7.5],
            "capacity_dwellings": [50, 40, 100],
        },
        geometry=[_square(X0 + 300 * i, Y0 + 500, 100) for i in range(3)],
        crs=SWEREF,
    )
    sites = gpd.GeoDataFrame(
        {"site_id": ["m1", "m2"], "name": ["Blötberget", NASTY], "open": [True, False], "workers": [250, 0]},
        geometry=[Point(X0 + 5000, Y0 + 3000), Point(X0 + 8000, Y0 + 3000)],
        crs=SWEREF,
    )
    isochrones = gpd.GeoDataFrame(
        {"origin_id": ["m1"] * 4, "mode": ["car"] * 4, "minutes": [15.0, 30.0, 45.0, 60.0]},
        geometry=[_square(X0 + 5000, Y0 + 3000, 1000 * (i + 1)) for i in range(4)],
        crs=SWEREF,
    )
    roads = gpd.GeoDataFrame(
        {
            "road_id": ["r1", "r2", "r3", "r4"],
            "road_class": ["trunk", "primary", "local", NASTY],
            "name": ["Riksväg 50", "", "Storgatan", NASTY],
        },
        geometry=[LineString([(X0, Y0 + i * 100), (X0 + 2000, Y0 + i * 100)]) for i in range(4)],
        crs=SWEREF,
    )
    rail_lines = gpd.GeoDataFrame(
        {"line_id": ["l1"], "name": ["Bergslagsbanan"]},
        geometry=[LineString([(X0, Y0 - 500), (X0 + 9000, Y0 - 500)])],
        crs=SWEREF,
    )
    stations = gpd.GeoDataFrame(
        {"station_id": ["s1", "s2"], "name": ["Ludvika", NASTY]},
        geometry=[Point(X0, Y0 - 500), Point(X0 + 9000, Y0 - 500)],
        crs=SWEREF,
    )
    per_site = pd.DataFrame({"site_id": ["m1"], "workers_resident_total": [150.0]})
    return {
        "zones": zones,
        "housing_land": housing,
        "mine_sites": sites,
        "isochrones": isochrones,
        "roads": roads,
        "rail_lines": rail_lines,
        "rail_stations": stations,
        "per_site": per_site,
    }


def write_gpkg(path: Path, frames: dict[str, pd.DataFrame]) -> Path:
    for name, frame in frames.items():
        pyogrio.write_dataframe(frame, path, layer=name, driver="GPKG")
    return path


def style_rows(path: Path) -> list[tuple[str, str, str, str, str, int, str]]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, useAsDefault, "
            "styleQML FROM layer_styles ORDER BY id"
        ).fetchall()
    conn.close()
    return rows


def geometry_columns(path: Path) -> dict[str, str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT table_name, column_name FROM gpkg_geometry_columns").fetchall()
    conn.close()
    return dict(rows)


def qgis_default_style(path: Path, table: str, geometry_column: str) -> str | None:
    """The style QGIS's OGR provider loads for a layer (its ``loadStyle`` query)."""
    with sqlite3.connect(path) as conn:
        row = conn.execute(
            "SELECT styleQML FROM layer_styles WHERE f_table_schema = '' AND f_table_name = ? "
            "AND f_geometry_column = ? ORDER BY CASE WHEN useAsDefault THEN 1 ELSE 2 END, update_time DESC LIMIT 1",
            (table, geometry_column),
        ).fetchone()
    conn.close()
    return None if row is None else str(row[0])


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def gpkg(tmp_path: Path) -> Path:
    return write_gpkg(tmp_path / "results.gpkg", make_frames())


def test_one_default_row_per_styled_layer_with_the_real_geometry_column(gpkg: Path) -> None:
    frames = make_frames()
    styled = write_layer_styles(gpkg, frames)
    assert styled == [name for name in frames if name in STYLED_LAYERS]
    assert "per_site" not in styled and len(styled) == 7
    columns = geometry_columns(gpkg)
    rows = style_rows(gpkg)
    assert sorted(r[2] for r in rows) == sorted(styled)
    for catalog, schema, table, geometry_column, style_name, default, _ in rows:
        assert (catalog, schema) == ("", "")  # QGIS selects f_table_schema = '' (NULL would never match)
        assert geometry_column == columns[table] == "geom"
        assert style_name == table
        assert default == 1
    for table in styled:  # what QGIS would load for each layer is our default style
        qml = qgis_default_style(gpkg, table, columns[table])
        assert qml is not None and qml.startswith("<!DOCTYPE qgis")


def test_every_style_is_valid_qml_naming_its_attribute(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    geometry_code = {
        "zones": "0",
        "mine_sites": "0",
        "rail_stations": "0",
        "roads": "1",
        "rail_lines": "1",
        "housing_land": "2",
        "isochrones": "2",
    }
    for *_, table, _, _, _, qml in style_rows(gpkg):
        root = ET.fromstring(qml)
        assert root.tag == "qgis"
        assert root.get("version") == "3.28"
        assert root.get("styleCategories") == "Symbology|Labeling"
        assert root.findtext("layerGeometryType") == geometry_code[table]
        renderer = root.find("renderer-v2")
        assert renderer is not None
        if table in CLASSIFIED_BY:
            assert renderer.get("attr") == CLASSIFIED_BY[table]
            assert renderer.get("type") in {"graduatedSymbol", "categorizedSymbol"}
        else:
            assert renderer.get("type") == "singleSymbol"
        # every class has a symbol of the layer's kind
        kinds = {s.get("type") for s in renderer.iter("symbol")}
        assert kinds == {{"0": "marker", "1": "line", "2": "fill"}[geometry_code[table]]}


def test_labels_come_from_the_name_field(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    labelled = {}
    for *_, table, _, _, _, qml in style_rows(gpkg):
        root = ET.fromstring(qml)
        style = root.find("labeling/settings/text-style")
        labelled[table] = None if style is None else style.get("fieldName")
        assert root.get("labelsEnabled") == ("1" if style is not None else "0")
    assert labelled["zones"] == labelled["mine_sites"] == "name"
    # a station named like a zone ("Ludvika") is not labelled twice; other stations keep their name
    nasty_literal = "'" + NASTY.replace("'", "''") + "'"  # a QGIS string literal: quotes doubled
    assert labelled["rail_stations"] == (
        f"CASE WHEN \"name\" IN ({nasty_literal}, 'Grängesberg', 'Ludvika', 'Smedjebacken') THEN NULL ELSE \"name\" END"
    )
    station = next(ET.fromstring(r[-1]) for r in style_rows(gpkg) if r[2] == "rail_stations")
    assert station.find("labeling/settings/text-style").get("isExpression") == "1"  # type: ignore[union-attr]
    assert labelled["roads"] is None and labelled["isochrones"] is None


def test_geopackage_still_opens_and_lists_its_layers(gpkg: Path) -> None:
    frames = make_frames()
    write_layer_styles(gpkg, frames)
    layers = {str(name): geometry for name, geometry in pyogrio.list_layers(gpkg)}
    assert set(frames) <= set(layers)
    assert layers["layer_styles"] is None  # an attribute table, as QGIS/GDAL create it
    zones = pyogrio.read_dataframe(gpkg, layer="zones")
    assert list(zones["name"]) == list(frames["zones"]["name"])
    styles = pyogrio.read_dataframe(gpkg, layer="layer_styles")
    assert len(styles) == 7 and bool(styles["useAsDefault"].all())
    with sqlite3.connect(gpkg) as conn:
        contents = conn.execute(
            "SELECT data_type, identifier FROM gpkg_contents WHERE table_name = 'layer_styles'"
        ).fetchone()
        count = conn.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'").fetchone()
        integrity = conn.execute("PRAGMA integrity_check").fetchone()
    conn.close()
    assert contents == ("attributes", "layer_styles")
    assert count == (7,)
    assert integrity == ("ok",)
    assert pyogrio.read_info(gpkg, layer="layer_styles")["features"] == 7


def test_running_twice_keeps_one_default_row_per_layer(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    first = style_rows(gpkg)
    write_layer_styles(gpkg, make_frames(workers=[1.0, 2.0, 3.0, 4000.0]))
    second = style_rows(gpkg)
    assert len(second) == len(first) == 7
    assert sorted(r[2] for r in second) == sorted(r[2] for r in first)
    zones_qml = next(r[-1] for r in second if r[2] == "zones")
    labels = [e.get("label") for e in ET.fromstring(zones_qml).iter("range")]
    assert labels == WORKER_CLASSES.labels  # fixed classes, shared with the web map, whatever the data
    with sqlite3.connect(gpkg) as conn:
        count = conn.execute("SELECT feature_count FROM gpkg_ogr_contents WHERE table_name = 'layer_styles'").fetchone()
    conn.close()
    assert count == (7,)


def test_earlier_default_of_a_layer_is_replaced_but_other_rows_kept(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    with sqlite3.connect(gpkg) as conn:
        conn.execute(
            "INSERT INTO layer_styles (f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, "
            "styleQML, styleSLD, useAsDefault, description, owner) "
            "VALUES ('', '', 'zones', 'geom', 'mine', '<qgis/>', '', 1, 'saved in QGIS', ''), "
            "('', '', 'zones', 'geom', 'alternative', '<qgis/>', '', 0, 'saved in QGIS', '')"
        )
    conn.close()
    write_layer_styles(gpkg, make_frames())
    zones = [r for r in style_rows(gpkg) if r[2] == "zones"]
    assert [(r[4], r[5]) for r in zones] == [("alternative", 0), ("zones", 1)]
    assert qgis_default_style(gpkg, "zones", "geom") == zones[-1][-1]


def test_all_zero_or_empty_column_still_gives_a_valid_graduated_style(tmp_path: Path) -> None:
    frames = make_frames(workers=[0.0, 0.0, 0.0, 0.0])
    path = write_gpkg(tmp_path / "zero.gpkg", {"zones": frames["zones"]})
    assert write_layer_styles(path, {"zones": frames["zones"]}) == ["zones"]
    qml = style_rows(path)[0][-1]
    ranges = list(ET.fromstring(qml).iter("range"))
    assert len(ranges) == 5
    lowers = [float(r.get("lower", "nan")) for r in ranges]
    uppers = [float(r.get("upper", "nan")) for r in ranges]
    assert lowers[0] == 0.0 and uppers[0] > 0.0  # zero falls in the first class
    assert lowers[1:] == uppers[:-1]
    empty = frames["zones"].iloc[0:0]
    nan = frames["zones"].assign(workers_resident=np.nan)
    for frame in (empty, nan):
        text = style_qml("zones", "Point", frame=frame)
        assert text is not None
        assert len(list(ET.fromstring(text).iter("range"))) == 5


def test_class_breaks_cover_every_value() -> None:
    values = [0.0, 0.4, 1.0, 2.0, 2.0, 5.0, 17.0, 99.5, 3000.7]
    frame = pd.DataFrame({"name": ["x"] * len(values), "workers_resident": values})
    text = style_qml("zones", "Point", frame=frame)
    assert text is not None
    ranges = [(float(r.get("lower", "nan")), float(r.get("upper", "nan"))) for r in ET.fromstring(text).iter("range")]
    assert 2 <= len(ranges) <= 5
    assert all(lo < hi for lo, hi in ranges)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    for v in values:  # QGIS draws a feature only if some range holds lower <= value <= upper
        assert any(lo <= v <= hi for lo, hi in ranges), v


def test_special_characters_in_data_do_not_break_the_xml(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    rows = {r[2]: r[-1] for r in style_rows(gpkg)}
    for qml in rows.values():
        ET.fromstring(qml)
        assert NASTY not in qml  # raw text never appears unescaped
    road_values = [c.get("value") for c in ET.fromstring(rows["roads"]).iter("category")]
    assert NASTY in road_values  # the odd road class round-trips through escaping
    assert "trunk" in road_values and "" in road_values  # "" is QGIS's catch-all category


def test_categories_match_how_qgis_reads_the_values(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    rows = {r[2]: r[-1] for r in style_rows(gpkg)}
    # a bool column is a GDAL boolean field; QGIS reads a bool and matches its text "true"/"false"
    with sqlite3.connect(gpkg) as conn:
        declared = {row[1]: row[2] for row in conn.execute('PRAGMA table_info("mine_sites")')}
    conn.close()
    assert declared["open"] == "BOOLEAN"
    sites = ET.fromstring(rows["mine_sites"])
    assert {c.get("value"): c.get("label") for c in sites.iter("category")} == {"true": "open", "false": "not open"}
    # isochrone bands: widest first, drawn ordered by minutes descending so small bands stay visible
    iso = ET.fromstring(rows["isochrones"])
    assert [c.get("value") for c in iso.iter("category")] == ["60", "45", "30", "15"]
    renderer = iso.find("renderer-v2")
    assert renderer is not None and renderer.get("enableorderby") == "1"
    clause = iso.find("renderer-v2/orderby/orderByClause")
    assert clause is not None and clause.text == '"minutes"' and clause.get("asc") == "0"
    fills = [o.get("value") for o in iso.iter("Option") if o.get("name") == "color"]
    assert fills and all(v is not None and v.endswith(",64") for v in fills)  # fill opacity 0.25


def test_other_layers_get_no_style_and_bad_geometry_types_are_refused() -> None:
    assert style_qml("per_site", "Point") is None
    assert style_qml("summary", "None") is None
    with pytest.raises(ValueError, match="geometry type"):
        style_qml("zones", "Unknown")
    polygon_zones = style_qml("zones", "MULTIPOLYGON")
    assert polygon_zones is not None
    assert ET.fromstring(polygon_zones).findtext("layerGeometryType") == "2"


def test_default_styles_without_frames() -> None:
    geometry = {"zones": "Point", "housing_land": "Polygon", "mine_sites": "Point", "isochrones": "Polygon"}
    geometry |= {"roads": "LineString", "rail_lines": "LineString", "rail_stations": "Point"}
    assert set(geometry) == set(STYLED_LAYERS)
    for layer, geom in geometry.items():
        text = style_qml(layer, geom)
        assert text is not None
        ET.fromstring(text)
    rail = style_qml("rail_lines", "LineString")
    assert rail is not None and 'name="line_style" value="dash"' in rail


def test_failure_half_way_leaves_the_styles_as_they_were(gpkg: Path) -> None:
    write_layer_styles(gpkg, make_frames())
    before = style_rows(gpkg)
    with sqlite3.connect(gpkg) as conn:  # make the insert of the roads style fail inside the transaction
        conn.execute(
            "CREATE TRIGGER fail_roads BEFORE INSERT ON layer_styles WHEN NEW.f_table_name = 'roads' "
            "BEGIN SELECT RAISE(ABORT, 'disk full'); END"
        )
    conn.close()
    with pytest.raises(sqlite3.IntegrityError, match="disk full"):
        write_layer_styles(gpkg, make_frames(workers=[5.0, 6.0, 7.0, 8.0]))
    assert style_rows(gpkg) == before  # zones etc. were deleted and rewritten before roads, then rolled back
    assert not list(gpkg.parent.glob("*-journal"))


def test_failure_on_a_fresh_file_writes_nothing(tmp_path: Path) -> None:
    path = write_gpkg(tmp_path / "fresh.gpkg", make_frames())
    before = sha256(path)
    with sqlite3.connect(path) as conn:  # an unrelated table squats on the name with other columns
        conn.execute("CREATE TABLE layer_styles (id INTEGER PRIMARY KEY, stylename TEXT)")
    conn.close()
    squatted = sha256(path)
    assert squatted != before
    with pytest.raises(ValueError, match="lacks the QGIS columns"):
        write_layer_styles(path, make_frames())
    assert sha256(path) == squatted


def test_refuses_missing_files_and_non_geopackages(tmp_path: Path) -> None:
    missing = tmp_path / "missing.gpkg"
    with pytest.raises(FileNotFoundError):
        write_layer_styles(missing, make_frames())
    assert not missing.exists()
    plain = tmp_path / "plain.sqlite"
    with sqlite3.connect(plain) as conn:
        conn.execute("CREATE TABLE t (a)")
    conn.close()
    with pytest.raises(ValueError, match="not a GeoPackage"):
        write_layer_styles(plain, make_frames())


def test_nothing_to_style_leaves_the_file_untouched(tmp_path: Path) -> None:
    frames = make_frames()
    path = write_gpkg(tmp_path / "table.gpkg", {"per_site": frames["per_site"]})
    before = sha256(path)
    assert write_layer_styles(path, {"per_site": frames["per_site"], "zones": frames["zones"]}) == []
    assert sha256(path) == before


def test_layer_of_mixed_geometry_is_styled_by_its_commonest_kind(tmp_path: Path) -> None:
    zones = make_frames()["zones"]
    shapes = [_square(X0, Y0, 50), _square(X0 + 500, Y0, 50), _square(X0, Y0 + 500, 50), Point(X0, Y0)]
    zones = zones.set_geometry(gpd.GeoSeries(shapes, crs=SWEREF))
    path = write_gpkg(tmp_path / "mixed.gpkg", {"zones": zones})
    with sqlite3.connect(path) as conn:
        declared = conn.execute("SELECT geometry_type_name FROM gpkg_geometry_columns").fetchone()
    conn.close()
    assert declared == ("GEOMETRY",)
    assert write_layer_styles(path, {"zones": zones}) == ["zones"]
    assert ET.fromstring(style_rows(path)[0][-1]).findtext("layerGeometryType") == "2"


def _qgis_class(ranges: list[tuple[float, float, str]], value: float) -> str | None:
    """The label of the range QGIS's graduated renderer draws ``value`` with (the first with lower <= v <= upper)."""
    return next((label for lo, hi, label in ranges if lo <= value <= hi), None)


def _ranges(qml: str) -> list[tuple[float, float, str]]:
    return [
        (float(r.get("lower", "nan")), float(r.get("upper", "nan")), str(r.get("label")))
        for r in ET.fromstring(qml).iter("range")
    ]


def _web_class(value: float, bins: tuple[tuple[float, str, str], ...]) -> str:
    """The web map's rule (output/maps/draw.py ``_colour``): the first class whose limit exceeds the value."""
    return next(label for limit, _, label in bins if value < limit)


def test_qgis_class_breaks_equal_the_web_maps() -> None:
    from tillvaxt_geo.output.maps.draw import UPTAKE_BINS, WORKER_BINS

    values = [0.0, 0.4, 0.999, 1.0, 1.0000001, 9.5, 9.999999, 10.0, 49.9, 50.0, 149.99, 150.0, 3000.7]
    frame = pd.DataFrame({"name": ["x"] * len(values), "workers_resident": values})
    zones = style_qml("zones", "Point", frame=frame)
    assert zones is not None
    ranges = _ranges(zones)
    assert [label for *_, label in ranges] == [label for *_, label in WORKER_BINS]
    colours = [s.find("layer/Option/Option[@name='color']").get("value") for s in ET.fromstring(zones).iter("symbol")]
    expected = [",".join(str(int(h[i : i + 2], 16)) for i in (1, 3, 5)) + ",255" for _, h, _ in WORKER_BINS]
    assert colours[: len(expected)] == expected
    for v in values:  # every value lands in the same class in QGIS and in the browser
        assert _qgis_class(ranges, v) == _web_class(v, WORKER_BINS), v

    housing = style_qml("housing_land", "Polygon", frame=make_frames()["housing_land"])
    assert housing is not None
    h_ranges = _ranges(housing)
    assert [label for *_, label in h_ranges] == [label for *_, label in UPTAKE_BINS]
    for share in (0.0, 1e-10, 0.01, 0.2499, 0.25, 0.5, 0.75, 1.0):
        assert _qgis_class(h_ranges, share) == _web_class(share, UPTAKE_BINS), share
    assert UPTAKE_CLASSES.qgis_attribute in ET.fromstring(housing).find("renderer-v2").get("attr", "")  # type: ignore[union-attr]


def test_station_symbol_never_hides_a_zone_circle() -> None:
    from tillvaxt_geo.output.qgis.styles import STATION_MARKER_MM, ZONE_MARKER_MM

    zones = style_qml("zones", "Point", frame=make_frames()["zones"])
    stations = style_qml("rail_stations", "Point", frame=make_frames()["rail_stations"])
    assert zones is not None and stations is not None

    def props(qml: str) -> list[dict[str, str]]:
        return [
            {o.get("name", ""): o.get("value", "") for o in layer.iter("Option") if o.get("name")}
            for layer in ET.fromstring(qml).iter("layer")
        ]

    zone_sizes = {float(p["size"]) for p in props(zones)}
    (station,) = props(stations)
    assert float(station["size"]) == STATION_MARKER_MM < ZONE_MARKER_MM == min(zone_sizes)
    assert station["color"].endswith(",0")  # hollow: the zone's class colour shows through
