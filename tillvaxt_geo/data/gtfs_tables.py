"""Reading GTFS feeds: files and columns, value parsing, and the service calendar.

:func:`read_feed` reads the tables :mod:`tillvaxt_geo.data.gtfs_services` needs from a feed
directory or zip, naming every missing file and column at once;
:func:`choose_service_date` turns a weekday or a date into the service day,
from calendar.txt and/or calendar_dates.txt. Times are GTFS times (hours may
pass 24), parsed to seconds after midnight of the service day.
"""

from __future__ import annotations

import datetime as dt
import io
import logging
import os
import zipfile
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np
import pandas as pd

from tillvaxt_geo.errors import ConfigError, LayerError, LayerNotFoundError, Problem, SchemaError, raise_problems

__all__ = [
    "WEEKDAYS",
    "Feed",
    "active_services",
    "choose_service_date",
    "read_feed",
    "route_mode",
]

log = logging.getLogger(__name__)

WEEKDAYS: tuple[str, ...] = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
DEFAULT_WEEKDAY = "tuesday"
LAYER = "rail_services"

# file -> columns the reader needs (GTFS requires more; these are the ones used)
REQUIRED: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_id",),
    "routes.txt": ("route_id", "route_type"),
    "trips.txt": ("route_id", "service_id", "trip_id"),
    "stop_times.txt": ("trip_id", "stop_id", "stop_sequence", "arrival_time", "departure_time"),
}
CALENDAR_COLUMNS = ("service_id", *WEEKDAYS, "start_date", "end_date")
CALENDAR_DATES_COLUMNS = ("service_id", "date", "exception_type")
FREQUENCIES_COLUMNS = ("trip_id", "start_time", "end_time", "headway_secs")
OPTIONAL: dict[str, tuple[str, ...]] = {
    "stops.txt": ("stop_name", "stop_lat", "stop_lon", "parent_station", "location_type"),
    "routes.txt": ("route_short_name", "route_long_name"),
    "trips.txt": ("direction_id",),
}


@dataclass(frozen=True)
class Feed:
    """The GTFS tables the reader uses, as text columns, stripped of surrounding blanks.

    Attributes
    ----------
    path
        The feed directory or zip, for messages.
    stops, routes, trips, stop_times
        The required tables.
    calendar, calendar_dates, frequencies
        The optional tables, ``None`` when the feed has none (at least one of
        ``calendar`` and ``calendar_dates`` is present).
    """

    path: str
    stops: pd.DataFrame
    routes: pd.DataFrame
    trips: pd.DataFrame
    stop_times: pd.DataFrame
    calendar: pd.DataFrame | None = None
    calendar_dates: pd.DataFrame | None = None
    frequencies: pd.DataFrame | None = None


# --------------------------------------------------------------------------- reading


_Source = Path | tuple[zipfile.ZipFile, zipfile.ZipInfo]


def _open_source(source: _Source) -> IO[bytes]:
    if isinstance(source, Path):
        return source.open("rb")
    archive, info = source
    return io.BytesIO(archive.read(info))


@contextmanager
def _opener(path: Path) -> Iterator[dict[str, _Source]]:
    """Yield file name -> a zip member or a path, for the feed's .txt files."""
    if path.is_dir():
        yield {p.name: p for p in path.iterdir() if p.is_file() and p.suffix == ".txt"}
        return
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise LayerError(
            f"GTFS feed {path} is neither a directory nor a readable zip file ({exc}); "
            "give the feed directory or the .zip as published"
        ) from exc
    with archive:
        members = [i for i in archive.infolist() if not i.is_dir() and i.filename.endswith(".txt")]
        # some feeds are zipped with a top folder: accept files one level down when none are at the top
        top = [i for i in members if "/" not in i.filename.strip("/")]
        chosen = top or [i for i in members if i.filename.count("/") == 1]
        yield {Path(i.filename).name: (archive, i) for i in chosen}


_PARSED = frozenset({"arrival_time", "departure_time", "stop_sequence"})


def _read_table(source: _Source, usecols: Sequence[str]) -> pd.DataFrame:
    """Read the wanted columns of one GTFS CSV as stripped text."""
    wanted = set(usecols)
    where = str(source) if isinstance(source, Path) else f"{source[0].filename}:{source[1].filename}"
    try:
        with _open_source(source) as fh:
            frame = pd.read_csv(
                fh,
                dtype=str,
                keep_default_na=False,
                encoding="utf-8-sig",
                usecols=lambda c: c.strip() in wanted,
                skipinitialspace=True,
            )
    except UnicodeDecodeError as exc:
        raise SchemaError(
            f"file {where} is not UTF-8 text (byte {exc.start}: {exc.reason}); GTFS files are UTF-8 — "
            "convert it, e.g. with `iconv -f latin1 -t utf-8`",
            [Problem("not UTF-8", file=where, layer=LAYER)],
        ) from None
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError) as exc:
        raise SchemaError(
            f"file {where} cannot be read as CSV ({str(exc).strip()}); check for an unterminated quote, "
            "rows with too many fields, or an empty file",
            [Problem("not CSV", file=where, layer=LAYER)],
        ) from None
    frame.columns = [str(c).strip() for c in frame.columns]
    for column in frame.columns:
        if column not in _PARSED:  # parsed columns are stripped by their parsers
            frame[column] = frame[column].str.strip()
    return frame


def _header(source: _Source) -> list[str]:
    if isinstance(source, Path):
        with source.open("rb") as fh:
            first = fh.readline()
    else:
        with source[0].open(source[1]) as fh:
            first = fh.readline()
    text = first.decode("utf-8-sig", errors="replace").strip()
    return [c.strip().strip('"') for c in text.split(",")] if text else []


def read_feed(path: str | os.PathLike[str]) -> Feed:
    """Read the tables of a GTFS feed that the services and stations need.

    Parameters
    ----------
    path
        A feed directory or a ``.zip`` (files at the top, or in one folder).

    Returns
    -------
    Feed
        The tables, all columns as text.

    Raises
    ------
    LayerNotFoundError
        The path does not exist, or required files are missing (all named).
    SchemaError
        Required columns are missing (every file and column named).
    LayerError
        The path is neither a directory nor a zip, or files are missing and
        columns too.
    """
    root = Path(path)
    if not root.exists():
        raise LayerNotFoundError(f"GTFS feed {root} does not exist; give a feed directory or a .zip")
    problems: list[Problem] = []
    tables: dict[str, pd.DataFrame | None] = {}
    with _opener(root) as files:
        for name in REQUIRED:
            if name not in files:
                problems.append(
                    Problem(
                        f"the GTFS feed has no {name} (files found: {', '.join(sorted(files)) or 'none'}); "
                        f"it must have {', '.join(REQUIRED)} and calendar.txt or calendar_dates.txt",
                        file=str(root / name),
                        layer=LAYER,
                        kind=LayerNotFoundError,
                    )
                )
        if "calendar.txt" not in files and "calendar_dates.txt" not in files:
            problems.append(
                Problem(
                    "the GTFS feed has neither calendar.txt nor calendar_dates.txt, so no trip has a day to run; "
                    "add one of them",
                    file=str(root / "calendar.txt"),
                    layer=LAYER,
                    kind=LayerNotFoundError,
                )
            )
        wanted = {
            **{n: (REQUIRED[n], OPTIONAL.get(n, ())) for n in REQUIRED},
            "calendar.txt": (CALENDAR_COLUMNS, ()),
            "calendar_dates.txt": (CALENDAR_DATES_COLUMNS, ()),
            "frequencies.txt": (FREQUENCIES_COLUMNS, ()),
        }
        for name, (required, optional) in wanted.items():
            if name not in files:
                tables[name] = None
                continue
            header = _header(files[name])
            missing = [c for c in required if c not in header]
            if missing:
                problems.append(
                    Problem(
                        f"required column(s) {', '.join(missing)} missing (columns found: "
                        f"{', '.join(header) or 'none'}); add them as the GTFS reference defines",
                        file=str(root / name),
                        layer=LAYER,
                        column=", ".join(missing),
                        kind=SchemaError,
                    )
                )
                continue
            tables[name] = _read_table(files[name], (*required, *optional))
    raise_problems(problems, what=f"GTFS feed {root}")
    return Feed(
        path=str(root),
        stops=_with_columns(tables["stops.txt"], OPTIONAL["stops.txt"]),
        routes=_with_columns(tables["routes.txt"], OPTIONAL["routes.txt"]),
        trips=_with_columns(tables["trips.txt"], OPTIONAL["trips.txt"]),
        stop_times=_with_columns(tables["stop_times.txt"], ()),
        calendar=tables["calendar.txt"],
        calendar_dates=tables["calendar_dates.txt"],
        frequencies=tables["frequencies.txt"],
    )


def _with_columns(frame: pd.DataFrame | None, optional: Sequence[str]) -> pd.DataFrame:
    assert frame is not None
    for column in optional:
        if column not in frame.columns:
            frame[column] = ""
    return frame


# --------------------------------------------------------------------------- parsing values


def parse_times(values: pd.Series, *, file: str, column: str, trip_ids: pd.Series) -> np.ndarray:
    """Parse GTFS times ``H:MM:SS`` (hours may pass 24) to seconds; blanks become NaN.

    Vectorised on the characters: right-justified to ``HHH:MM:SS`` and read
    as digits, ~0.3 s per million times.
    """
    text = np.strings.strip(np.asarray(values.to_numpy(dtype=object), dtype=str))
    blank = text == ""
    width = np.strings.str_len(text)
    padded = np.strings.rjust(text, 9, "0").astype("U9")
    chars = padded.view(np.uint32).reshape(-1, 9).astype(np.int64) - ord("0")
    digits = np.delete(chars, [3, 6], axis=1)
    ok = (
        (width <= 9)
        & (chars[:, 3] == ord(":") - ord("0"))
        & (chars[:, 6] == ord(":") - ord("0"))
        & ((digits >= 0) & (digits <= 9)).all(axis=1)
        & (chars[:, 4] <= 5)
        & (chars[:, 7] <= 5)
    )
    bad = ~blank & ~ok
    if bad.any():
        shown = ", ".join("trip " + trip_ids[bad].astype(str).head(5))
        raise SchemaError(
            f"file {file}, column '{column}': expected times as H:MM:SS (hours may pass 24), "
            f"found {str(text[bad][0])!r} for {shown}; fix the times",
            [Problem("bad time", file=file, layer=LAYER, column=column)],
        )
    seconds = (digits[:, 0] * 100 + digits[:, 1] * 10 + digits[:, 2]) * 3600
    seconds += (digits[:, 3] * 10 + digits[:, 4]) * 60 + digits[:, 5] * 10 + digits[:, 6]
    return np.where(blank, np.nan, seconds.astype(float))


def parse_clock(text: str, *, what: str) -> int:
    """Parse ``HH:MM`` or ``HH:MM:SS`` (hours may pass 24) to seconds, for options."""
    pieces = text.strip().split(":")
    if len(pieces) not in (2, 3) or not all(p.isdigit() for p in pieces) or any(int(p) >= 60 for p in pieces[1:]):
        raise ConfigError(f"{what} {text!r} is not a time; write it as HH:MM, e.g. '06:00' (hours may pass 24)")
    h, m, s = (int(p) for p in [*pieces, "0"][:3])
    return h * 3600 + m * 60 + s


def _dates(values: pd.Series, *, file: str, column: str) -> pd.Series:
    parsed = pd.to_datetime(values, format="%Y%m%d", errors="coerce")
    bad = parsed.isna()
    if bad.any():
        raise SchemaError(
            f"file {file}, column '{column}': expected dates as YYYYMMDD, found {values[bad].iloc[0]!r}; fix the dates",
            [Problem("bad date", file=file, layer=LAYER, column=column)],
        )
    return parsed.dt.date


def parse_integers(values: pd.Series, *, file: str, column: str, default: int | None = None) -> pd.Series:
    numbers = pd.to_numeric(values, errors="coerce")
    if numbers.isna().any():  # blanks, padding or garbage: look closer
        text = values.astype(str).str.strip()
        if default is not None:
            text = text.where(text.ne(""), str(default))
        numbers = pd.to_numeric(text, errors="coerce")
    bad = numbers.isna() | (numbers != np.floor(numbers.fillna(0)))
    if bad.any():
        raise SchemaError(
            f"file {file}, column '{column}': expected whole numbers, found {values[bad].iloc[0]!r}; fix the values",
            [Problem("bad number", file=file, layer=LAYER, column=column)],
        )
    return numbers.astype("int64")


def route_mode(route_type: int) -> str | None:
    """Map a GTFS (or extended) route type to ``"rail"``, ``"bus"`` or ``None`` (not used).

    Rail: 2 and the extended 100–117; bus: 3 and 700–717.
    """
    if route_type == 2 or 100 <= route_type <= 117:
        return "rail"
    if route_type == 3 or 700 <= route_type <= 717:
        return "bus"
    return None


# --------------------------------------------------------------------------- calendar


def _weekday_name(value: str) -> str:
    name = value.strip().lower()
    if name not in WEEKDAYS:
        raise ConfigError(f"weekday {value!r} is not a weekday; use one of {', '.join(WEEKDAYS)}")
    return name


def _to_date(value: str | dt.date) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%Y%m%d"):
        try:
            return dt.datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ConfigError(f"date {value!r} is not a date; write it as YYYY-MM-DD, e.g. '2025-03-04'")


def _trips_per_date(feed: Feed, dates: Sequence[dt.date], trips_per_service: pd.Series) -> np.ndarray:
    """Number of trips running on each of ``dates`` (calendar plus exceptions)."""
    if not dates:
        return np.zeros(0)
    day = np.array(dates, dtype="datetime64[D]")
    counts = np.zeros(len(day))
    base = pd.DataFrame(columns=["service_id", "start", "end", *WEEKDAYS])
    if feed.calendar is not None and len(feed.calendar):
        base = _calendar(feed)
        start = base["start"].to_numpy(dtype="datetime64[D]")
        end = base["end"].to_numpy(dtype="datetime64[D]")
        flags = base[list(WEEKDAYS)].to_numpy(dtype=bool)
        trips = base["service_id"].map(trips_per_service).fillna(0).to_numpy()
        weekday_index = np.array([d.weekday() for d in dates])
        for lo in range(0, len(day), 256):  # chunks bound the dates x services matrix
            d = day[lo : lo + 256, None]
            active = flags[:, weekday_index[lo : lo + 256]].T & (start[None, :] <= d) & (d <= end[None, :])
            counts[lo : lo + 256] = active.astype(float) @ trips
    if feed.calendar_dates is not None and len(feed.calendar_dates):
        exceptions = _calendar_dates(feed)
        exceptions = exceptions[exceptions["date"].isin(set(dates))]
        if len(exceptions):
            in_base = _base_active(base, exceptions)
            n = exceptions["service_id"].map(trips_per_service).fillna(0).to_numpy()
            delta = np.where((exceptions["exception_type"] == 1).to_numpy() & ~in_base, n, 0.0)
            delta -= np.where((exceptions["exception_type"] == 2).to_numpy() & in_base, n, 0.0)
            by_date = pd.Series(delta).groupby(exceptions["date"].to_numpy()).sum()
            position = {date: i for i, date in enumerate(dates)}
            for date, v in by_date.items():
                counts[position[date]] += v  # type: ignore[index]
    return counts


def _calendar(feed: Feed) -> pd.DataFrame:
    assert feed.calendar is not None
    file = str(Path(feed.path) / "calendar.txt")
    cal = pd.DataFrame({"service_id": feed.calendar["service_id"]})
    cal["start"] = _dates(feed.calendar["start_date"], file=file, column="start_date")
    cal["end"] = _dates(feed.calendar["end_date"], file=file, column="end_date")
    for name in WEEKDAYS:
        cal[name] = parse_integers(feed.calendar[name], file=file, column=name).eq(1)
    return cal


def _calendar_dates(feed: Feed) -> pd.DataFrame:
    assert feed.calendar_dates is not None
    file = str(Path(feed.path) / "calendar_dates.txt")
    out = pd.DataFrame({"service_id": feed.calendar_dates["service_id"]})
    out["date"] = _dates(feed.calendar_dates["date"], file=file, column="date")
    out["exception_type"] = parse_integers(feed.calendar_dates["exception_type"], file=file, column="exception_type")
    return out


def _base_active(base: pd.DataFrame, exceptions: pd.DataFrame) -> np.ndarray:
    """Whether calendar.txt alone has each (service, date) of ``exceptions`` running."""
    if not len(base):
        return np.zeros(len(exceptions), dtype=bool)
    unique = base.drop_duplicates("service_id")
    merged = exceptions.reset_index(drop=True).merge(unique, on="service_id", how="left")
    weekday = np.array([d.weekday() for d in merged["date"]], dtype=int)
    flags = merged[list(WEEKDAYS)].fillna(False).to_numpy(dtype=bool)
    flag = flags[np.arange(len(merged)), weekday]
    known = merged["start"].notna()
    inside = known & (merged["start"].where(known, merged["date"]) <= merged["date"])
    inside &= merged["date"] <= merged["end"].where(known, merged["date"])
    return flag & inside.to_numpy(dtype=bool)


def feed_period(feed: Feed) -> tuple[dt.date, dt.date] | None:
    lows: list[dt.date] = []
    highs: list[dt.date] = []
    if feed.calendar is not None and len(feed.calendar):
        cal = _calendar(feed)
        lows.append(min(cal["start"]))
        highs.append(max(cal["end"]))
    if feed.calendar_dates is not None and len(feed.calendar_dates):
        added = _calendar_dates(feed)
        added = added[added["exception_type"] == 1]
        if len(added):
            lows.append(min(added["date"]))
            highs.append(max(added["date"]))
    return (min(lows), max(highs)) if lows else None


def _next_weekday(day: dt.date, weekday: int) -> dt.date:
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def choose_service_date(
    feed: Feed,
    *,
    weekday: str | None = None,
    date: str | dt.date | None = None,
) -> dt.date:
    """Choose the service day: ``date`` itself, or the busiest ``weekday`` of the feed.

    The busiest weekday is the date of that weekday, within the feed's
    period, on which most trips run (ties: the earliest), so holidays and a
    feed's short summer timetable do not stand for a normal week. Only the
    dates where the set of running services can change are examined, so a
    feed valid for decades costs no more than one valid for a month.

    Parameters
    ----------
    feed
        The feed.
    weekday
        ``"monday"`` … ``"sunday"``; default ``"tuesday"`` when ``date`` is not given.
    date
        A date (``YYYY-MM-DD`` or ``YYYYMMDD``); its weekday must agree with
        ``weekday`` if both are given.

    Returns
    -------
    datetime.date
        The chosen service day.
    """
    if date is not None:
        day = _to_date(date)
        if weekday is not None and _weekday_name(weekday) != WEEKDAYS[day.weekday()]:
            raise ConfigError(
                f"date {day} is a {WEEKDAYS[day.weekday()]}, not a {weekday}; give only one of date and weekday"
            )
        return day
    wanted = WEEKDAYS.index(_weekday_name(weekday or DEFAULT_WEEKDAY))
    period = feed_period(feed)
    if period is None:
        raise LayerError(f"GTFS feed {feed.path}: calendar.txt and calendar_dates.txt define no day with service")
    first, last = period
    starts = {first}
    if feed.calendar is not None and len(feed.calendar):
        cal = _calendar(feed)
        starts |= set(cal["start"]) | {d + dt.timedelta(days=1) for d in cal["end"]}
    exception_days: set[dt.date] = set()
    if feed.calendar_dates is not None and len(feed.calendar_dates):
        exception_days = set(_calendar_dates(feed)["date"])
        starts |= {d + dt.timedelta(days=1) for d in exception_days}
    candidates = {_next_weekday(d, wanted) for d in starts} | {d for d in exception_days if d.weekday() == wanted}
    ordered = sorted(d for d in candidates if first <= d <= last)
    if not ordered:
        raise LayerError(
            f"GTFS feed {feed.path}: no {WEEKDAYS[wanted]} between {first} and {last}; choose another weekday or a date"
        )
    per_service = feed.trips.groupby("service_id").size()
    counts = _trips_per_date(feed, ordered, per_service)
    if counts.max() <= 0:
        raise LayerError(
            f"GTFS feed {feed.path}: no trip runs on any {WEEKDAYS[wanted]} between {first} and {last}; "
            "choose another weekday or a date"
        )
    best = ordered[int(np.argmax(counts))]
    log.info(
        "GTFS %s: %s is the %s with most trips (%d) between %s and %s",
        feed.path,
        best,
        WEEKDAYS[wanted],
        int(counts.max()),
        first,
        last,
    )
    return best


def active_services(feed: Feed, day: dt.date) -> set[str]:
    """The GTFS service ids running on ``day`` (calendar.txt, then calendar_dates.txt)."""
    active: set[str] = set()
    if feed.calendar is not None and len(feed.calendar):
        cal = _calendar(feed)
        on = cal[WEEKDAYS[day.weekday()]] & (cal["start"] <= day) & (day <= cal["end"])
        active = set(cal.loc[on, "service_id"])
    if feed.calendar_dates is not None and len(feed.calendar_dates):
        exc = _calendar_dates(feed)
        exc = exc[exc["date"] == day]
        active |= set(exc.loc[exc["exception_type"] == 1, "service_id"])
        active -= set(exc.loc[exc["exception_type"] == 2, "service_id"])
    return active
