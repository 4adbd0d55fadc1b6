"""Planning maps without a browser: offline single files, escaped data text, atomic saves, sv/en labels."""

from __future__ import annotations

import html
import json
import re
import struct
import subprocess
import sys
import zlib
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import folium
import geopandas as gpd
import pytest
from conftest import SWEREF, X0, Y0, make_housing, make_mine_sites, make_roads, make_zones
from hypothesis import given
from hypothesis import strategies as st
from jinja2.utils import htmlsafe_json_dumps
from shapely.geometry import LineString, Point, Polygon

from tillvaxt_geo.data.layers import Layers
from tillvaxt_geo.errors import ConfigError, TillvaxtError
from tillvaxt_geo.output.maps.assets import RemoteURLError, find_remote_urls
from tillvaxt_geo.output.maps.builders import commute_map, comparison_map, isochrone_map, overview_map, render_map
from tillvaxt_geo.output.maps.draw import OSM_TILES
from tillvaxt_geo.output.maps.html import html_text, js_json
from tillvaxt_geo.output.maps.labels import number, share
from tillvaxt_geo.output.maps.save import save_map, write_index

HOSTILE = "<img src=x onerror=alert(1)>${alert(2)}`</script>\"'\\ https://evil.example/x.js"
INLINED = re.compile(r"<(script|style) data-asset=\"[^\"]*\">.*?</\1>", re.DOTALL)


# ---------------------------------------------------------------- data made in code


def make_layers(*, hostile: bool = False) -> Layers:
    """The small conftest layers plus an external hub, a deposit, a proposed plan, rail and stations."""
    zones = make_zones()
    zones["kind"] = "settlement"
    hub = gpd.GeoDataFrame(
        {"zone_id": ["x"], "name": ["Borlänge"], "municipality": ["Borlänge"], "population": [41734],
         "dwellings": [21000], "vacant_dwellings": [300], "labour_force": [19000], "jobs": [22000],
         "kind": ["external"]},
        geometry=[Point(X0 + 30_000, Y0 + 15_000)], crs=SWEREF,
    )  # fmt: skip
    zones = gpd.GeoDataFrame(gpd.pd.concat([zones, hub], ignore_index=True), crs=SWEREF)
    sites = make_mine_sites()
    deposit = sites.copy()
    deposit["site_id"], deposit["name"], deposit["kind"] = "d1", "Fältet", "deposit"
    deposit["geometry"] = [Point(X0 - 4000, Y0 + 6000)]
    sites["kind"] = "mine"
    sites = gpd.GeoDataFrame(gpd.pd.concat([sites, deposit], ignore_index=True), crs=SWEREF)
    housing = make_housing()
    second = housing.copy()
    second["housing_id"], second["name"], second["status"], second["capacity_dwellings"] = "h2", "Norr", "proposed", 40
    second["geometry"] = [Polygon([(X0 + 9000, Y0 + 2500), (X0 + 9300, Y0 + 2500), (X0 + 9300, Y0 + 2800)])]
    housing = gpd.GeoDataFrame(gpd.pd.concat([housing, second], ignore_index=True), crs=SWEREF)
    roads = make_roads()
    rail = gpd.GeoDataFrame(
        {"line_id": ["l1"], "name": ["Bergslagsbanan"]},
        geometry=[LineString([(X0 - 2000, Y0 - 1000), (X0 + 12_000, Y0 + 1500)])],
        crs=SWEREF,
    )
    stations = gpd.GeoDataFrame(
        {"station_id": ["s1", "s2"], "name": ["Ludvika", "Smedjebacken"]},
        geometry=[Point(X0, Y0 - 500), Point(X0 + 10_500, Y0 + 1400)],
        crs=SWEREF,
    )
    if hostile:
        zones.loc[0, "name"] = HOSTILE
        zones.loc[0, "municipality"] = HOSTILE
        sites.loc[0, "name"] = HOSTILE
        sites.loc[0, "company"] = HOSTILE
        housing.loc[0, "name"] = HOSTILE
        roads.loc[0, "ref"] = HOSTILE
        rail.loc[0, "name"] = HOSTILE
        stations.loc[0, "name"] = HOSTILE
    return Layers(
        zones=zones, mine_sites=sites, housing_land=housing, roads=roads, rail_lines=rail, rail_stations=stations,
        hashes={"zones": "ab" * 32, "roads": "cd" * 32},
    )  # fmt: skip


def tiny_png() -> bytes:
    """A valid 2×2 RGB PNG, made without any library."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    raw = b"".join(b"\x00" + b"\xff\x00\x00\x00\x80\xff" for _ in range(2))
    ihdr = struct.pack(">IIBBBBB", 2, 2, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def make_result(
    layers: Layers,
    *,
    name: str = "baseline",
    title: str = "Bas 2030",
    workers: tuple[float, ...] = (120.0, 40.0, 5.0, 0.0),
    taken: tuple[float, float] = (60.0, 0.0),
    png: bytes | None = None,
    reach_m: float = 3000.0,
) -> Any:
    """A scenario result value with the attributes the maps read (a plain value object)."""
    assert layers.zones is not None and layers.housing_land is not None and layers.mine_sites is not None
    zones = layers.zones.copy()
    zones["workers_resident"] = list(workers)
    zones["travel_time_min"] = [12.0, 8.5, 15.0, float("nan")]
    housing = layers.housing_land.copy()
    housing["released"] = [True, False]
    housing["dwellings_taken"] = list(taken)
    sites = layers.mine_sites.copy()
    sites["open"] = [True, False]
    sites["workers"] = [200, 0]
    sites["workers_living_locally"] = [float(sum(workers[:3])), 0.0]
    site = sites.geometry.iloc[0]
    iso = gpd.GeoDataFrame(
        {
            "origin_id": [sites["site_id"].iloc[0]] * 8,
            "mode": ["car"] * 4 + ["pt"] * 4,
            "minutes": [15, 30, 45, 60] * 2,
        },
        geometry=[site.buffer(reach_m * k) for k in (1, 2, 3, 4)]
        + [site.buffer(reach_m * k / 2) for k in (1, 2, 3, 4)],
        crs=SWEREF,
    )
    summary = {
        "scenario": name, "workers_total": 200, "workers_living_locally": 165.0, "local_residence_share": 0.825,
        "workers_within_30_min": 180.0, "workers_within_45_min": 195.0, "in_commuters": 35.0,
        "housing_shortfall_dwellings": 12.0, "direct_jobs": 200, "indirect_jobs": 144.0, "induced_jobs": 61.5,
        "total_jobs": 1405.5,
        "provenance": {"package_version": "9.9.9", "created": "2030-01-02T03:04:05+00:00",
                       "scenario_file_sha256": "f00d" * 16, "layer_hashes": {"zones": "ab" * 32},
                       "parameters": {"year": 2030, "commute": {"mode": "car", "decay": {"t50_min": 45}}}},
    }  # fmt: skip
    scenario = SimpleNamespace(
        name=name, title=title, description=f"Beskrivning av {name}", year=2030, phase="operation"
    )
    return SimpleNamespace(
        scenario=scenario, summary=summary, zones=zones, housing=housing, sites=sites, isochrones=iso, layers=layers,
        sweep_png=png,
    )  # fmt: skip


@pytest.fixture
def layers() -> Layers:
    return make_layers()


def _own_markup(document: str) -> str:
    """The document without the inlined library assets."""
    return INLINED.sub("", document)


def shows(document: str, text: str) -> bool:
    """Whether ``text`` is in the page as escaped HTML, raw or inside a JSON string (ours or jinja's)."""
    escaped = html_text(text)
    forms = {escaped, js_json(escaped)[1:-1], str(htmlsafe_json_dumps(escaped))[1:-1]}
    return any(form in document for form in forms)


# ---------------------------------------------------------------- escaping


@given(st.text())
def test_html_text_shows_any_text_and_carries_no_special_character(text: str) -> None:
    escaped = html_text(text)
    assert html.unescape(escaped) == text
    assert not set(escaped) & set("<>\"'`$\\{}/\u2028\u2029\n\r")


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(), lambda c: st.lists(c) | st.dictionaries(st.text(), c)
    )
)
def test_js_json_round_trips_and_cannot_close_a_script(value: Any) -> None:
    text = js_json(value)
    assert json.loads(text) == value
    assert not set(text) & set("<>&'\u2028\u2029")


def test_hostile_names_appear_only_escaped_in_the_saved_map(tmp_path: Path) -> None:
    hostile = make_layers(hostile=True)
    result = make_result(hostile, title=HOSTILE, name="x")
    result.scenario.description = HOSTILE
    for m in (overview_map(hostile), commute_map(result), comparison_map(result, result)):
        document = save_map(m, tmp_path / "m.html").read_text(encoding="utf-8")
        own = _own_markup(document)
        for fragment in ("<img", "${alert", "`</script>", "onerror=alert(1)>", "\\ https", "evil.example/"):
            assert fragment not in own
        assert shows(own, HOSTILE)
        assert own.count("</script>") == own.count("<script")  # no script closed early
        assert find_remote_urls(own) == []


def test_isochrone_layer_names_from_data_are_escaped(tmp_path: Path) -> None:
    hostile = make_layers(hostile=True)
    m = isochrone_map(make_result(hostile).isochrones, layers=hostile)
    own = _own_markup(save_map(m, tmp_path / "iso.html").read_text(encoding="utf-8"))
    assert "<img" not in own and "${" not in own
    assert shows(own, HOSTILE)


# ---------------------------------------------------------------- offline


def test_saved_map_has_every_asset_inlined_and_no_remote_url(layers: Layers, tmp_path: Path) -> None:
    document = save_map(overview_map(layers), tmp_path / "overview.html").read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=|<link[^>]+href=", document)
    own = _own_markup(document)
    assert find_remote_urls(own) == []
    assert "L.map(" in own
    names = re.findall(r'data-asset="([^"]*)"', document)
    for asset in (
        "leaflet@1.9.3",
        "jquery-3.7.1",
        "bootstrap@5.2.2",
        "fontawesome-free@6.2.0",
        "awesome-markers 2.0.2",
    ):
        assert any(asset in n for n in names), asset
    styles = re.findall(r'<style data-asset="[^"]*">(.*?)</style>', document, re.DOTALL)
    urls = [u for css in styles for u in re.findall(r"url\(\s*[\"']?([^\"')]*)", css)]
    assert urls and all(u.startswith(("data:", "#")) for u in urls)
    assert "sourceMappingURL" not in document
    assert len(document) < 3_000_000


def test_a_remote_url_is_an_error_naming_it(layers: Layers, tmp_path: Path) -> None:
    m = overview_map(layers)
    folium.TileLayer("https://tiles.example.org/{z}/{x}/{y}.png", attr="x").add_to(m)
    with pytest.raises(RemoteURLError, match=r"tiles\.example\.org") as caught:
        save_map(m, tmp_path / "m.html")
    assert isinstance(caught.value, TillvaxtError) and isinstance(caught.value, ValueError)
    assert caught.value.urls == ("https://tiles.example.org/{z}/{x}/{y}.png",)
    assert not (tmp_path / "m.html").exists()


def test_an_asset_without_offline_copy_is_an_error(layers: Layers, tmp_path: Path) -> None:
    m = overview_map(layers)
    m.get_root().header.add_child(folium.JavascriptLink("//cdn.example.net/plugin.js"))  # type: ignore[attr-defined]
    with pytest.raises(RemoteURLError, match=r"cdn\.example\.net/plugin\.js"):
        save_map(m, tmp_path / "m.html")


def test_osm_basemap_keeps_only_the_tile_template(layers: Layers, tmp_path: Path) -> None:
    m = overview_map(layers, basemap="osm")
    own = _own_markup(save_map(m, tmp_path / "osm.html").read_text(encoding="utf-8"))
    assert find_remote_urls(own) == [OSM_TILES]
    folium.TileLayer("https://tiles.example.org/{z}/{x}/{y}.png", attr="x").add_to(m)
    with pytest.raises(RemoteURLError) as caught:
        save_map(m, tmp_path / "osm.html")
    assert caught.value.urls == ("https://tiles.example.org/{z}/{x}/{y}.png",)


def test_maps_without_osm_have_no_tile_layer(layers: Layers, tmp_path: Path) -> None:
    for basemap in ("layers", "none"):
        own = _own_markup(save_map(overview_map(layers, basemap=basemap), tmp_path / "a.html").read_text("utf-8"))
        assert "L.tileLayer" not in own
    assert "tg-base" in _own_markup(save_map(overview_map(layers), tmp_path / "b.html").read_text("utf-8"))
    assert "tg-base" not in _own_markup(
        save_map(overview_map(layers, basemap="none"), tmp_path / "c.html").read_text("utf-8")
    )


# ---------------------------------------------------------------- atomic saves


def test_failed_save_leaves_the_earlier_file_intact(
    layers: Layers, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "maps" / "map.html"
    save_map(overview_map(layers), target)
    before = target.read_bytes()
    bad = overview_map(layers, lang="en")
    folium.TileLayer("https://tiles.example.org/{z}/{x}/{y}.png", attr="x").add_to(bad)
    with pytest.raises(RemoteURLError):
        save_map(bad, target)
    assert target.read_bytes() == before

    real_write = Path.write_text

    def write_half_then_fail(self: Path, data: str, *args: Any, **kwargs: Any) -> int:
        real_write(self, data[: len(data) // 2], *args, **kwargs)
        raise OSError("disk full")

    monkeypatch.setattr(Path, "write_text", write_half_then_fail)
    with pytest.raises(OSError, match="disk full"):
        save_map(overview_map(layers, lang="en"), target)
    monkeypatch.undo()
    assert target.read_bytes() == before
    assert sorted(p.name for p in target.parent.iterdir()) == ["map.html"]


# ---------------------------------------------------------------- labels, legends, figures


@pytest.mark.parametrize(
    ("lang", "words"),
    [
        ("sv", ["Teckenförklaring", "Vägar", "Järnväg", "Stationer", "Bostadsmark", "invånare", "km/h",
                "antagen detaljplan", "Externa nav", "Gruvor och fyndigheter"]),
        ("en", ["Legend", "Roads", "Railway", "Stations", "Housing land", "residents", "km/h", "adopted plan",
                "External hubs", "Mines and deposits"]),
    ],
)  # fmt: skip
def test_overview_labels_and_legend_units_in_each_language(
    layers: Layers, tmp_path: Path, lang: str, words: list[str]
) -> None:
    own = _own_markup(save_map(overview_map(layers, lang=lang), tmp_path / "o.html").read_text(encoding="utf-8"))
    for word in words:
        assert shows(own, word), word
    other = "Legend" if lang == "sv" else "Teckenförklaring"
    assert other not in own


def test_commute_map_shows_figures_provenance_isochrones_and_sweep(layers: Layers, tmp_path: Path) -> None:
    result = make_result(layers, png=tiny_png())
    own = _own_markup(save_map(render_map(result), tmp_path / "c.html").read_text(encoding="utf-8"))
    for text in ("Bas 2030", "Beskrivning av baseline", "Direkt anställda i gruvorna", "82\u00a0%", "1\u00a0406",
                 "tillvaxt_geo 9.9.9", "2030-01-02", "f00df00df00d", "commute.decay.t50_min", "Känslighetsanalys",
                 "Restid från Gruvan (bil)", "Restid från Gruvan (kollektivtrafik)",
                 "Gruvarbetare som bor här", "Bostadsmark: inflyttning", "Öppna gruvor"):  # fmt: skip
        assert shows(own, text), text
    assert "data:image/png;base64," in own
    en = _own_markup(save_map(commute_map(result, lang="en"), tmp_path / "e.html").read_text(encoding="utf-8"))
    for text in ("Direct mine workers", "82%", "1,406", "Travel time from Gruvan (car)", "Sensitivity analysis"):
        assert shows(en, text), text


def test_commute_map_without_sweep_has_no_image(layers: Layers, tmp_path: Path) -> None:
    own = _own_markup(save_map(commute_map(make_result(layers)), tmp_path / "c.html").read_text(encoding="utf-8"))
    assert "data:image/png" not in own and "Känslighetsanalys" not in own


def test_sweep_that_is_not_a_png_is_refused(layers: Layers) -> None:
    with pytest.raises(ConfigError, match="PNG"):
        commute_map(make_result(layers, png=b"<svg onload=alert(1)>"))


def test_comparison_map_tabulates_base_other_and_difference(layers: Layers, tmp_path: Path) -> None:
    base = make_result(layers)
    other = make_result(layers, name="rv66", title="Rv 66 2+1", workers=(150.0, 40.0, 2.0, 0.0), taken=(90.0, 0.0))
    other.summary = {**other.summary, "workers_living_locally": 190.0, "local_residence_share": 0.955}
    own = _own_markup(save_map(comparison_map(base, other), tmp_path / "cmp.html").read_text(encoding="utf-8"))
    for text in ("Bas 2030 → Rv 66 2+1", "Bas", "Alternativ", "Skillnad", "+25", "+13\u00a0%",
                 "Förändring: gruvarbetare som bor i området", "Förändring: bostäder tagna på bostadsmark",
                 "+30", "−3"):  # fmt: skip
        assert shows(own, text), text


def test_isochrone_map_with_layers_names_the_places(layers: Layers, tmp_path: Path) -> None:
    iso = make_result(layers).isochrones
    own = _own_markup(save_map(isochrone_map(iso, layers=layers), tmp_path / "i.html").read_text(encoding="utf-8"))
    for name in ("Alby", "Bäcke", "Cederås", "Borlänge", "Ortnamn", "Kommuner (ungefärlig gräns)"):
        assert shows(own, name), name


def test_isochrone_map_works_without_layers(layers: Layers, tmp_path: Path) -> None:
    iso = make_result(layers).isochrones
    own = _own_markup(save_map(isochrone_map(iso, lang="en"), tmp_path / "i.html").read_text(encoding="utf-8"))
    assert "Travel time from m1 (car)" in own and "tg-isochrones" in own
    assert find_remote_urls(own) == []


def test_options_are_checked_and_list_the_valid_values(layers: Layers) -> None:
    with pytest.raises(ConfigError, match="'layers', 'none', 'osm'"):
        overview_map(layers, basemap="satellite")
    with pytest.raises(ConfigError, match="'sv', 'en'"):
        overview_map(layers, lang="de")
    with pytest.raises(ConfigError, match="CRS"):
        overview_map(layers.replace(roads=make_roads().set_crs(None, allow_override=True)))


def test_numbers_read_as_planners_write_them() -> None:
    assert number(1234.5, "sv", digits=1) == "1\u00a0234,5"
    assert number(1234.5, "en", digits=1) == "1,234.5"
    assert number(-3, "sv", signed=True) == "−3" and number(0.2, "en", signed=True) == "0"
    assert number(None, "sv") == "–" and number(float("nan"), "en") == "–"
    assert share(0.625, "sv") == "62\u00a0%" and share(0.625, "en") == "62%"


# ---------------------------------------------------------------- index page


def test_index_links_every_map_with_escaped_names_and_figures(tmp_path: Path) -> None:
    entries: list[dict[str, Any]] = [
        {"name": "baseline", "title": "Bas", "href": "baseline/map.html", "workers_total": 1200,
         "local_residence_share": 0.5},
        {"name": HOSTILE, "title": HOSTILE, "href": "odd name/map.html", "workers_total": None},
    ]  # fmt: skip
    page = write_index(entries, tmp_path / "maps" / "index.html").read_text(encoding="utf-8")
    assert '<a href="baseline&#47;map.html">Bas</a>' in page
    assert 'href="odd%20name&#47;map.html"' in page
    assert "<img" not in page and "<script" not in page and html_text(HOSTILE) in page
    assert "1\u00a0200" in page and "50\u00a0%" in page and "Direkt anställda i gruvorna" in page
    assert find_remote_urls(page) == []
    english = write_index(entries, tmp_path / "en.html", lang="en").read_text(encoding="utf-8")
    assert "Direct mine workers" in english and "1,200" in english


@pytest.mark.parametrize("href", ["javascript:alert(1)", "https://evil.example/", "//evil.example/", "/etc/passwd"])
def test_index_refuses_links_that_are_not_relative(tmp_path: Path, href: str) -> None:
    with pytest.raises(ConfigError, match="relative"):
        write_index([{"name": "a", "title": "A", "href": href}], tmp_path / "index.html")
    assert not (tmp_path / "index.html").exists()


def test_only_the_map_module_imports_folium() -> None:
    code = (
        "import sys, tillvaxt_geo, tillvaxt_geo.output.maps.html, tillvaxt_geo.output.maps.labels, "
        "tillvaxt_geo.output.maps.assets, tillvaxt_geo.data.layers; "
        "assert 'folium' not in sys.modules and 'branca' not in sys.modules, 'folium imported'"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# ---------------------------------------------------------------- context: changes, outlines, scenario text


def test_changed_features_are_the_roads_whose_speed_the_scenario_changed() -> None:
    import tillvaxt_geo as tg
    from tillvaxt_geo.data.layers import embedded_path
    from tillvaxt_geo.output.maps.changed import changed_features
    from tillvaxt_geo.scenario.apply import apply_changes

    layers = tg.load_layers()
    folder = embedded_path() / "scenarios"
    rv66 = tg.load_scenario(folder / "rv66_2plus1.toml")
    after = apply_changes(layers, list(rv66.changes))
    before = layers.roads["speed_kmh"].reindex(after.roads.index)
    expected = set(after.roads.index[(after.roads["speed_kmh"] != before).to_numpy()])
    found = changed_features(rv66, after)
    assert expected and set(found.road_ids) == expected
    assert found.lines == ("väg 66 Smedjebacken–Fagersta: 100 km/h",)
    assert changed_features(rv66, after, lang="en").lines == ("road 66 Smedjebacken–Fagersta: 100 km/h",)
    assert not changed_features(tg.load_scenario(folder / "two_companies.toml"), layers)
    shuttle = tg.load_scenario(folder / "mine_shuttle.toml")
    moved = changed_features(shuttle, apply_changes(layers, list(shuttle.changes)))
    assert moved.service_ids and all(s.startswith("site:") for s in moved.station_ids) and moved.station_ids


def test_municipality_outlines_hold_their_places_and_do_not_overlap() -> None:
    import tillvaxt_geo as tg
    from tillvaxt_geo.output.maps.context import municipality_outlines

    zones = tg.load_layers().zones
    outlines = municipality_outlines(zones, ["Ludvika", "Smedjebacken"])
    assert sorted(outlines["municipality"]) == ["Ludvika", "Smedjebacken"]
    a, b = outlines.geometry
    assert a.intersection(b).area < 1e-6 * min(a.area, b.area)
    union = a.union(b)
    local = zones[zones["municipality"].isin(["Ludvika", "Smedjebacken"]).to_numpy()]
    assert all(union.buffer(1).contains(p) for p in local.geometry)
    ludvika = outlines.set_index("municipality").geometry["Ludvika"]
    assert ludvika.contains(zones.loc["grangesberg", "geometry"]) and ludvika.contains(
        zones.loc["fredriksberg", "geometry"]
    )
    assert not any(g.intersects(union) for g in zones[zones["kind"] == "external"].geometry)


def test_maps_show_the_scenario_text_in_the_maps_language_and_sources_apart(layers: Layers, tmp_path: Path) -> None:
    from tillvaxt_geo.scenario.config import parse_scenario

    scenario = parse_scenario({
        "name": "x", "sources": "FACTS §9 S99",
        "text": {"sv": {"title": "Svensk titel", "description": "Svensk text"},
                 "en": {"title": "English title", "description": "English text"}},
    })  # fmt: skip
    result = make_result(layers)
    result.scenario = scenario
    sv = _own_markup(save_map(commute_map(result), tmp_path / "sv.html").read_text(encoding="utf-8"))
    en = _own_markup(save_map(commute_map(result, lang="en"), tmp_path / "en.html").read_text(encoding="utf-8"))
    assert shows(sv, "Svensk titel") and shows(sv, "Svensk text") and not shows(sv, "English title")
    assert shows(en, "English title") and shows(en, "English text") and not shows(en, "Svensk titel")
    assert shows(sv, "FACTS §9 S99") and shows(sv, "Källor") and shows(en, "Sources")
    both = _own_markup(save_map(comparison_map(result, result, lang="en"), tmp_path / "c.html").read_text("utf-8"))
    assert shows(both, "English title → English title") and shows(both, "No change: the alternative gives")


def test_parameters_are_named_in_plain_words_with_their_keys() -> None:
    from tillvaxt_geo.output.maps.html import provenance_html

    page = provenance_html({"parameters": {"economy": {"local_procurement_share": 0.2}, "new_thing": [1, 2]}}, "sv")
    assert "Andel lokala inköp" in page and "economy.local_procurement_share" in page and "0.2" in page
    assert "new_thing" in page and "1, 2" in page
    english = provenance_html({"parameters": {"economy": {"local_procurement_share": 0.2}}}, "en")
    assert "Local procurement share" in english and "Andel" not in english
