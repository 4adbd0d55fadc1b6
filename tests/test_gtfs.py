"""Tests of the GTFS reader: feeds written in code, as directories and zips."""

from __future__ import annotations

import logging
import zipfile
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest

from tillvaxt_geo.data import gtfs_services as gtfs
from tillvaxt_geo.errors import ConfigError, LayerError, LayerNotFoundError, SchemaError

STOPS = """stop_id,stop_name,stop_lat,stop_lon,location_type,parent_station
LUD,Ludvika,60.1496,15.1878,1,
LUD1,Ludvika spår 1,60.1496,15.1879,0,LUD
LUD2,Ludvika spår 2,60.1497,15.1879,0,LUD
SMB,Smedjebacken,60.1418,15.4128,,
BLG,Borlänge,60.4858,15.4371,0,
GRB,Grängesberg,60.0770,14.9960,0,
"""

ROUTES = """route_id,route_short_name,route_long_name,route_type
R53,53,Bergslagspendeln,2
RX,X,,3
RF,F,Färjan,4
"""

# a Tuesday-to-Thursday calendar over March 2025; 2025-03-04 is a Tuesday
CALENDAR = """service_id,monday,tuesday,wednesday,thursday,friday,saturday,sunday,start_date,end_date
WK,0,1,1,1,0,0,0,20250301,20250331
"""


def _trip_rows(trip_id: str, stops: list[tuple[str, str]]) -> str:
    return "".join(f"{trip_id},{t},{t},{s},{i + 1}\n" for i, (s, t) in enumerate(stops))


def write_feed(root: Path, tables: dict[str, str | None], *, as_zip: bool = False, folder: str = "") -> Path:
    """Write a feed; a table given as None is left out."""
    if as_zip:
        path = root.with_suffix(".zip")
        with zipfile.ZipFile(path, "w") as zf:
            for name, text in tables.items():
                if text is not None:
                    zf.writestr(f"{folder}{name}", text)
        return path
    root.mkdir(parents=True, exist_ok=True)
    for name, text in tables.items():
        if text is not None:
            (root / name).write_text(text, encoding="utf-8")
    return root


def basic_tables() -> dict[str, str | None]:
    """Route 53 Ludvika -> Borlänge, five trips around the peak, run times 30/32/40/32/30 min."""
    trips = "route_id,service_id,trip_id,direction_id\n"
    stop_times = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
    starts = ["05:59:00", "06:00:00", "07:30:00", "08:59:00", "09:00:00"]
    runs_min = [30, 32, 40, 32, 30]
    for k, (start, run) in enumerate(zip(starts, runs_min, strict=True)):
        h, m, _ = (int(x) for x in start.split(":"))
        mid = h * 60 + m + 10
        end = h * 60 + m + run
        trips += f"R53,WK,t{k},0\n"
        stop_times += _trip_rows(
            f"t{k}",
            [
                ("LUD1", start),
                ("SMB", f"{mid // 60:02d}:{mid % 60:02d}:00"),
                ("BLG", f"{end // 60:02d}:{end % 60:02d}:00"),
            ],
        )
    # the other direction, one trip, stopping at platform 2 of Ludvika
    trips += "R53,WK,back,1\n"
    stop_times += _trip_rows("back", [("BLG", "16:00:00"), ("SMB", "16:20:00"), ("LUD2", "16:31:00")])
    # a bus and a ferry
    trips += "RX,WK,bus1,0\nRF,WK,ferry1,0\n"
    stop_times += _trip_rows("bus1", [("GRB", "07:00:00"), ("LUD", "07:25:00")])
    stop_times += _trip_rows("ferry1", [("SMB", "07:00:00"), ("BLG", "08:00:00")])
    return {
        "stops.txt": STOPS,
        "routes.txt": ROUTES,
        "trips.txt": trips,
        "stop_times.txt": stop_times,
        "calendar.txt": CALENDAR,
    }


def service(frame: pd.DataFrame, service_id: str) -> pd.DataFrame:
    return frame[frame["service_id"] == service_id].sort_values("stop_sequence").reset_index(drop=True)


# --------------------------------------------------------------------------- services


def test_counts_departures_in_half_open_window_and_per_day(tmp_path: Path) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    s = service(out, "53_0_a")
    assert list(s["station_id"]) == ["LUD", "SMB", "BLG"]
    assert list(s["stop_sequence"]) == [0, 1, 2]
    # 06:00, 07:30 and 08:59 are in [06:00, 09:00); 05:59 and 09:00 are not -> 3 trips in 3 hours
    assert s["departures_peak_hour"].iloc[0] == pytest.approx(1.0)
    assert s["departures_weekday"].iloc[0] == 5
    assert out.attrs["service_date"] == "2025-03-04"


def test_run_times_are_medians_over_the_pattern_trips(tmp_path: Path) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    s = service(out, "53_0_a")
    assert list(s["arrival_min"]) == pytest.approx([0.0, 10.0, 32.0])  # median of 30, 32, 40, 32, 30


def test_services_name_route_and_mode(tmp_path: Path) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    assert set(out["service_id"]) == {"53_0_a", "53_1_a", "X_0_a"}
    s = service(out, "53_0_a")
    assert s["name"].iloc[0] == "Bergslagspendeln"
    assert s["route"].iloc[0] == "53"
    assert s["route_type"].iloc[0] == "rail"
    bus = service(out, "X_0_a")
    assert bus["route_type"].iloc[0] == "bus"
    assert bus["name"].iloc[0] == "X"  # no long name: the short name
    assert list(bus["station_id"]) == ["GRB", "LUD"]


def test_platforms_are_reported_as_their_parent_station(tmp_path: Path) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    back = service(out, "53_1_a")
    assert list(back["station_id"]) == ["BLG", "SMB", "LUD"]
    assert back["departures_peak_hour"].iloc[0] == 0.0
    assert back["departures_weekday"].iloc[0] == 1


def test_other_route_types_are_skipped_with_a_log_message(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.INFO, logger="tillvaxt_geo.data.gtfs_services"):
        out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    assert "F" not in set(out["route"])
    assert "route(s) of type 4 skipped" in caplog.text


def test_modes_option_keeps_only_rail(tmp_path: Path) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()), modes=("rail",))
    assert set(out["route_type"]) == {"rail"}


def test_output_passes_the_rail_services_schema(tmp_path: Path) -> None:
    from tillvaxt_geo.data.schemas import SCHEMAS
    from tillvaxt_geo.data.validation import check_frame

    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    _, problems = check_frame(out, SCHEMAS["rail_services"], file="feed")
    assert problems == []


@pytest.mark.parametrize(
    ("window", "expected_per_hour"),
    [
        (("06:00", "09:00"), 1.0),
        (("05:59", "06:00"), 60.0),  # one minute holding one departure
        (("09:00", "10:00"), 1.0),  # 09:00 belongs to the window that starts then
        (("06:00:01", "07:30"), 0.0),
        (("00:00", "24:00"), 5 / 24),
    ],
)
def test_window_edges(tmp_path: Path, window: tuple[str, str], expected_per_hour: float) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()), window=window)
    assert service(out, "53_0_a")["departures_peak_hour"].iloc[0] == pytest.approx(expected_per_hour)


@pytest.mark.parametrize("window", [("09:00", "06:00"), ("07:00", "07:00"), ("6", "9"), ("06:61", "07:00")])
def test_bad_window_is_a_config_error(tmp_path: Path, window: tuple[str, str]) -> None:
    with pytest.raises(ConfigError, match="window"):
        gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()), window=window)


def test_times_past_midnight_count_on_their_service_day(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["trips.txt"] = "route_id,service_id,trip_id\nR53,WK,late1\nR53,WK,late2\n"
    tables["stop_times.txt"] = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + _trip_rows("late1", [("LUD", "23:50:00"), ("BLG", "24:25:00")])
        + _trip_rows("late2", [("LUD", "24:30:00"), ("BLG", "25:05:00")])
    )
    out = gtfs.read_services(write_feed(tmp_path / "feed", tables), window=("23:00", "25:00"))
    s = service(out, "53_0_a")
    assert list(s["arrival_min"]) == pytest.approx([0.0, 35.0])
    assert s["departures_weekday"].iloc[0] == 2
    assert s["departures_peak_hour"].iloc[0] == pytest.approx(1.0)


def test_patterns_split_by_stop_list_most_frequent_first(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["trips.txt"] = "route_id,service_id,trip_id,direction_id\n" + "".join(
        f"R53,WK,{t},0\n" for t in ("s1", "s2", "e1")
    )
    tables["stop_times.txt"] = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + _trip_rows("e1", [("LUD", "07:00:00"), ("BLG", "07:25:00")])
        + _trip_rows("s1", [("LUD", "06:00:00"), ("SMB", "06:10:00"), ("BLG", "06:30:00")])
        + _trip_rows("s2", [("LUD", "08:00:00"), ("SMB", "08:10:00"), ("BLG", "08:30:00")])
    )
    out = gtfs.read_services(write_feed(tmp_path / "feed", tables))
    assert list(service(out, "53_0_a")["station_id"]) == ["LUD", "SMB", "BLG"]
    assert list(service(out, "53_0_b")["station_id"]) == ["LUD", "BLG"]
    assert service(out, "53_0_b")["departures_weekday"].iloc[0] == 1


def test_blank_intermediate_times_are_interpolated(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["trips.txt"] = "route_id,service_id,trip_id\nR53,WK,t\n"
    tables["stop_times.txt"] = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        "t,06:00:00,06:00:00,LUD,1\nt,,,SMB,5\nt,06:40:00,06:40:00,BLG,9\n"
    )
    s = service(gtfs.read_services(write_feed(tmp_path / "feed", tables)), "53_0_a")
    assert list(s["arrival_min"]) == pytest.approx([0.0, 20.0, 40.0])


def test_frequencies_expand_departures(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["trips.txt"] = "route_id,service_id,trip_id\nR53,WK,f\n"
    tables["stop_times.txt"] = "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n" + _trip_rows(
        "f", [("LUD", "00:00:00"), ("BLG", "00:30:00")]
    )
    # every 20 min from 06:00 to 10:00 (end exclusive): 12 runs, 9 of them before 09:00
    tables["frequencies.txt"] = "trip_id,start_time,end_time,headway_secs\nf,06:00:00,10:00:00,1200\n"
    s = service(gtfs.read_services(write_feed(tmp_path / "feed", tables)), "53_0_a")
    assert s["departures_weekday"].iloc[0] == 12
    assert s["departures_peak_hour"].iloc[0] == pytest.approx(3.0)
    assert list(s["arrival_min"]) == pytest.approx([0.0, 30.0])


def test_extended_route_types(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["routes.txt"] = "route_id,route_short_name,route_long_name,route_type\nR53,53,,109\nRX,X,,700\nRF,F,,1000\n"
    out = gtfs.read_services(write_feed(tmp_path / "feed", tables))
    assert set(zip(out["route"], out["route_type"], strict=True)) == {("53", "rail"), ("X", "bus")}


def test_route_mode_mapping() -> None:
    assert [gtfs.route_mode(t) for t in (2, 100, 117, 118, 3, 700, 717, 718, 0, 4)] == [
        "rail",
        "rail",
        "rail",
        None,
        "bus",
        "bus",
        "bus",
        None,
        None,
        None,
    ]


def test_duplicate_short_names_fall_back_to_route_id(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["routes.txt"] = "route_id,route_short_name,route_long_name,route_type\nR53,1,,2\nRX,1,,3\n"
    tables["trips.txt"] = "route_id,service_id,trip_id\nR53,WK,a\nRX,WK,b\n"
    tables["stop_times.txt"] = (
        "trip_id,arrival_time,departure_time,stop_id,stop_sequence\n"
        + _trip_rows("a", [("LUD", "07:00:00"), ("BLG", "07:30:00")])
        + _trip_rows("b", [("LUD", "07:00:00"), ("BLG", "07:50:00")])
    )
    out = gtfs.read_services(write_feed(tmp_path / "feed", tables))
    assert set(out["service_id"]) == {"R53_0_a", "RX_0_a"}


# --------------------------------------------------------------------------- days


def test_calendar_dates_only_feed_uses_the_busiest_tuesday(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["calendar.txt"] = None
    # WK runs 2025-03-04 and -11 (Tuesdays) and -05 (a Wednesday); EXTRA adds a trip on 2025-03-11
    tables["calendar_dates.txt"] = (
        "service_id,date,exception_type\nWK,20250304,1\nWK,20250305,1\nWK,20250311,1\nEX,20250311,1\n"
    )
    tables["trips.txt"] = str(tables["trips.txt"]) + "R53,EX,extra,0\n"
    extra = _trip_rows("extra", [("LUD", "07:00:00"), ("SMB", "07:10:00"), ("BLG", "07:30:00")])
    tables["stop_times.txt"] = str(tables["stop_times.txt"]) + extra
    out = gtfs.read_services(write_feed(tmp_path / "feed", tables))
    assert out.attrs["service_date"] == "2025-03-11"
    assert service(out, "53_0_a")["departures_weekday"].iloc[0] == 6


def test_calendar_exception_removes_service_on_a_date(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["calendar_dates.txt"] = "service_id,date,exception_type\nWK,20250304,2\n"
    with pytest.raises(LayerError, match="no rail or bus trip runs on 2025-03-04"):
        gtfs.read_services(write_feed(tmp_path / "feed", tables), date="2025-03-04")
    # the busiest Tuesday skips the cancelled one
    out = gtfs.read_services(tmp_path / "feed")
    assert out.attrs["service_date"] == "2025-03-11"


def test_date_and_weekday_options(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", basic_tables())
    assert gtfs.read_services(feed, date="20250306").attrs["service_date"] == "2025-03-06"
    assert gtfs.read_services(feed, weekday="Wednesday").attrs["service_date"] == "2025-03-05"
    with pytest.raises(LayerError, match="no rail or bus trip runs on 2025-03-07"):
        gtfs.read_services(feed, date="2025-03-07")  # a Friday
    with pytest.raises(LayerError, match="no trip runs on any saturday between 2025-03-01"):
        gtfs.read_services(feed, weekday="saturday")
    with pytest.raises(ConfigError, match="use one of monday"):
        gtfs.read_services(feed, weekday="tisdag")
    with pytest.raises(ConfigError, match="is a thursday, not a tuesday"):
        gtfs.read_services(feed, date="2025-03-06", weekday="tuesday")
    with pytest.raises(ConfigError, match="YYYY-MM-DD"):
        gtfs.read_services(feed, date="6 March")


def test_busiest_date_search_handles_open_ended_calendars(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["calendar.txt"] = CALENDAR.replace("20250331", "20991231")
    feed = gtfs.read_feed(write_feed(tmp_path / "feed", tables))
    assert gtfs.choose_service_date(feed, weekday="thursday").isoformat() == "2025-03-06"


# --------------------------------------------------------------------------- containers


@pytest.mark.parametrize("folder", ["", "feed_2025/"])
def test_zip_feeds_read_like_directories(tmp_path: Path, folder: str) -> None:
    from_dir = gtfs.read_services(write_feed(tmp_path / "dir", basic_tables()))
    from_zip = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables(), as_zip=True, folder=folder))
    pd.testing.assert_frame_equal(from_dir, from_zip)


def test_bom_and_blanks_around_headers_are_tolerated(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["routes.txt"] = "\ufeff" + ROUTES.replace("route_type", " route_type ")
    assert len(gtfs.read_services(write_feed(tmp_path / "feed", tables)))


# --------------------------------------------------------------------------- bad feeds


def test_feed_without_stop_times_names_the_file(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stop_times.txt"] = None
    with pytest.raises(LayerNotFoundError, match=r"stop_times\.txt") as info:
        gtfs.read_services(write_feed(tmp_path / "no_stop_times", tables))
    assert "no_stop_times" in str(info.value)


def test_zip_without_stop_times_names_the_file(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stop_times.txt"] = None
    with pytest.raises(LayerNotFoundError, match=r"has no stop_times\.txt"):
        gtfs.read_services(write_feed(tmp_path / "no_stop_times", tables, as_zip=True))


def test_feed_without_any_calendar_is_an_error(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["calendar.txt"] = None
    with pytest.raises(LayerNotFoundError, match=r"neither calendar\.txt nor calendar_dates\.txt"):
        gtfs.read_services(write_feed(tmp_path / "no_calendar", tables))


def test_missing_columns_are_named_with_their_files(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["trips.txt"] = "route_id,trip_id\nR53,t0\n"
    tables["stop_times.txt"] = "trip_id,stop_id,stop_sequence\nt0,LUD,1\n"
    with pytest.raises(SchemaError) as info:
        gtfs.read_services(write_feed(tmp_path / "missing_columns", tables))
    message = str(info.value)
    assert "2 problems" in message
    assert "trips.txt" in message and "service_id" in message
    assert "stop_times.txt" in message and "arrival_time, departure_time" in message


def test_missing_files_and_columns_together_are_one_layer_error(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stops.txt"] = None
    tables["routes.txt"] = "route_id\nR53\n"
    with pytest.raises(LayerError) as info:
        gtfs.read_services(write_feed(tmp_path / "broken", tables))
    assert "stops.txt" in str(info.value) and "route_type" in str(info.value)
    assert len(info.value.problems) == 2


def test_bad_time_names_file_column_and_trip(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stop_times.txt"] = tables["stop_times.txt"].replace("07:30:00,07:30:00", "7.30,7.30", 1)  # type: ignore[union-attr]
    with pytest.raises(SchemaError, match=r"stop_times\.txt, column 'arrival_time'.*'7\.30' for trip t2"):
        gtfs.read_services(write_feed(tmp_path / "bad_time", tables))


def test_unknown_stop_in_stop_times(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stop_times.txt"] = tables["stop_times.txt"].replace("SMB", "NOWHERE")  # type: ignore[union-attr]
    with pytest.raises(SchemaError, match=r"NOWHERE are not in stops\.txt"):
        gtfs.read_services(write_feed(tmp_path / "unknown_stop", tables))


def test_bad_calendar_date(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["calendar.txt"] = CALENDAR.replace("20250331", "2025-03-31")
    with pytest.raises(SchemaError, match=r"calendar\.txt, column 'end_date'"):
        gtfs.read_services(write_feed(tmp_path / "bad_date", tables))


def test_duplicate_trip_ids(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["trips.txt"] = str(tables["trips.txt"]) + "R53,WK,t1,0\n"
    with pytest.raises(SchemaError, match=r"trip ids must be unique, found t1"):
        gtfs.read_services(write_feed(tmp_path / "duplicate_trip_ids", tables))


def test_not_a_zip(tmp_path: Path) -> None:
    path = tmp_path / "not_a_zip.zip"
    path.write_text("hello", encoding="utf-8")
    with pytest.raises(LayerError, match="neither a directory nor a readable zip"):
        gtfs.read_services(path)


def test_missing_path(tmp_path: Path) -> None:
    with pytest.raises(LayerNotFoundError, match="does not exist"):
        gtfs.read_services(tmp_path / "nowhere")


# --------------------------------------------------------------------------- stops, stations, segments


def test_read_stops_and_stations(tmp_path: Path) -> None:
    feed = write_feed(tmp_path / "feed", basic_tables())
    stops = gtfs.read_stops(feed)
    assert isinstance(stops, gpd.GeoDataFrame)
    assert stops.crs.to_epsg() == 4326
    assert len(stops) == 6
    lud = stops.set_index("stop_id").loc["LUD"]
    assert (lud.geometry.x, lud.geometry.y) == pytest.approx((15.1878, 60.1496))
    stations = gtfs.read_stations(feed)
    assert set(stations["station_id"]) == {"LUD", "SMB", "BLG", "GRB"}
    served = gtfs.read_stations(feed, services=gtfs.read_services(feed, modes=("rail",)))
    assert set(served["station_id"]) == {"LUD", "SMB", "BLG"}


def test_stops_without_coordinates_are_an_error(tmp_path: Path) -> None:
    tables = basic_tables()
    tables["stops.txt"] = STOPS.replace("60.4858,15.4371", ",")
    with pytest.raises(SchemaError, match="BLG"):
        gtfs.read_stops(write_feed(tmp_path / "stop_without_coordinates", tables))


def test_service_segments_give_run_times_and_headways(tmp_path: Path) -> None:
    out = gtfs.read_services(write_feed(tmp_path / "feed", basic_tables()))
    seg = gtfs.service_segments(out).set_index(["service_id", "from_station_id"])
    assert seg.loc[("53_0_a", "LUD"), "to_station_id"] == "SMB"
    assert seg.loc[("53_0_a", "LUD"), "run_time_min"] == pytest.approx(10.0)
    assert seg.loc[("53_0_a", "SMB"), "run_time_min"] == pytest.approx(22.0)
    assert seg.loc[("53_0_a", "LUD"), "headway_peak_min"] == pytest.approx(60.0)
    assert seg.loc[("53_1_a", "BLG"), "headway_peak_min"] == float("inf")
    assert len(seg) == 5  # 2 + 2 + 1 segments


def test_load_layers_reads_a_gtfs_directory(tmp_path: Path) -> None:
    from tillvaxt_geo.data.layers import load_layers

    root = tmp_path / "layers"
    write_feed(root / "gtfs", basic_tables())
    stations = gtfs.read_stations(root / "gtfs").to_crs("EPSG:3006")
    stations.to_file(root / "rail_stations.geojson", driver="GeoJSON")
    layers = load_layers(root)
    assert layers.rail_services is not None
    assert set(layers.rail_services["service_id"]) == {"53_0_a", "53_1_a", "X_0_a"}
