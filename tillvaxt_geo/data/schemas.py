"""Declared schemas of the layers: columns, types, id column, geometry types, ranges.

One :class:`LayerSchema` per layer of the data model (DESIGN.md). Validation
(:mod:`tillvaxt_geo.data.validation`) checks a layer against its schema; the
network, model and map code rely on what the schemas promise.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "GEOMETRY_LAYERS",
    "LAYER_NAMES",
    "MAX_SITE_WORKERS",
    "MAX_VERTICES_PER_FEATURE",
    "MAX_ZONE_COUNT",
    "SCHEMAS",
    "TABLE_LAYERS",
    "Column",
    "LayerSchema",
]

POINT = frozenset({"Point"})
POINT_OR_POLYGON = frozenset({"Point", "Polygon", "MultiPolygon"})
POLYGON = frozenset({"Polygon", "MultiPolygon"})
LINE = frozenset({"LineString", "MultiLineString"})


@dataclass(frozen=True)
class Column:
    """One column of a layer schema.

    Parameters
    ----------
    name
        Column name; units are part of the name (``speed_kmh``).
    dtype
        One of ``"str"``, ``"int"``, ``"float"``, ``"bool"``.
    required
        Whether the column must be present. Optional columns get ``default``.
    nullable
        Whether missing values are allowed.
    min, max
        Inclusive bounds for numbers.
    min_exclusive
        Whether ``min`` itself is excluded (speeds must be > 0).
    choices
        The allowed values of a text column.
    default
        Value used when an optional column is absent.
    description
        What the column holds, for documentation and error messages.
    """

    name: str
    dtype: str
    required: bool = True
    nullable: bool = False
    min: float | None = None
    max: float | None = None
    min_exclusive: bool = False
    choices: tuple[str, ...] | None = None
    default: object = None
    description: str = ""

    def expectation(self) -> str:
        """Describe the values this column accepts, for error messages."""
        kind = {"str": "text", "int": "a whole number", "float": "a number", "bool": "true/false"}[self.dtype]
        limits = []
        if self.choices:
            limits.append("one of " + ", ".join(repr(c) for c in self.choices))
        if self.min is not None:
            limits.append(f"{'>' if self.min_exclusive else '>='} {self.min:g}")
        if self.max is not None:
            limits.append(f"<= {self.max:g}")
        return kind + (" " + " and ".join(limits) if limits else "")


@dataclass(frozen=True)
class LayerSchema:
    """The declared shape of one layer.

    Parameters
    ----------
    name
        Layer name, also the file stem in a layer directory.
    id_column
        Column holding unique, non-null feature ids.
    columns
        Every declared column (the id column included).
    geometry_types
        Allowed geometry types; ``None`` for a plain table.
    description
        One line on what the layer holds.
    key_columns
        Columns that together identify a row; the id column alone by default
        (a long-format table such as ``rail_services`` needs two).
    """

    name: str
    id_column: str
    columns: tuple[Column, ...]
    geometry_types: frozenset[str] | None
    description: str = ""
    key_columns: tuple[str, ...] = ()
    column_names: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "column_names", tuple(c.name for c in self.columns))
        if not self.key_columns:
            object.__setattr__(self, "key_columns", (self.id_column,))

    @property
    def is_table(self) -> bool:
        """Whether the layer has no geometry."""
        return self.geometry_types is None

    def column(self, name: str) -> Column:
        """Return the declared column called ``name``."""
        for c in self.columns:
            if c.name == name:
                return c
        raise KeyError(name)


#: Largest count in one zone (residents, dwellings, jobs): 50 million, more than any metropolitan
#: region in Europe; a larger figure is a unit or typing error and would give silently wrong results.
MAX_ZONE_COUNT = 50_000_000
#: Most vertices in one feature's geometry: a 100 km road surveyed every metre has 100 000; more is
#: an unsimplified trace whose splitting into network edges would exhaust memory.
MAX_VERTICES_PER_FEATURE = 200_000
#: Largest workforce of one mine site: LKAB, Sweden's largest mining employer, has about 4 500 staff in all.
MAX_SITE_WORKERS = 20_000


def _count(name: str, description: str, **kw: object) -> Column:
    kw.setdefault("max", MAX_ZONE_COUNT)
    return Column(name, "int", min=0, description=description, **kw)  # type: ignore[arg-type]


def _workers(name: str, description: str) -> Column:
    return _count(name, description, max=MAX_SITE_WORKERS)


ZONES = LayerSchema(
    "zones",
    "zone_id",
    (
        Column("zone_id", "str", description="unique zone id"),
        Column("name", "str", description="place name as written locally"),
        Column("municipality", "str", description="municipality (kommun) name"),
        _count("population", "residents"),
        _count("dwellings", "dwellings (occupied + vacant)"),
        _count("vacant_dwellings", "dwellings available for in-movers"),
        _count("labour_force", "employed residents (workers living in the zone)"),
        _count("jobs", "workplace employment located in the zone"),
        Column(
            "kind",
            "str",
            required=False,
            default="settlement",
            choices=("settlement", "rural", "external"),
            description="settlement, rural remainder, or external hub outside the study area",
        ),
        Column("source", "str", required=False, default="", description="where the figures come from"),
    ),
    POINT_OR_POLYGON,
    "residential areas: settlements, rural remainders, grid cells or external hubs",
)

MINE_SITES = LayerSchema(
    "mine_sites",
    "site_id",
    (
        Column("site_id", "str", description="unique site id"),
        Column("name", "str", description="site name"),
        Column("company", "str", description="operating company"),
        Column("status", "str", description="permit / production status as text"),
        _workers("workers_construction_low", "workers on site in the construction phase, low"),
        _workers("workers_construction_high", "workers on site in the construction phase, high"),
        _workers("workers_operation_low", "direct workers in operation, low"),
        _workers("workers_operation_high", "direct workers in operation, high"),
        Column(
            "kind",
            "str",
            required=False,
            default="mine",
            choices=("mine", "plant", "deposit"),
            description="mine, processing plant, or deposit without a plan",
        ),
        Column("source", "str", required=False, default="", description="where the figures come from"),
    ),
    POINT_OR_POLYGON,
    "mine sites, plants and deposits",
)

HOUSING_LAND = LayerSchema(
    "housing_land",
    "housing_id",
    (
        Column("housing_id", "str", description="unique housing-area id"),
        Column("name", "str", description="project or plan name"),
        Column("municipality", "str", description="municipality (kommun) name"),
        _count("capacity_dwellings", "dwellings the land can take", max=1_000_000),
        Column(
            "status",
            "str",
            choices=("adopted", "proposed", "assumed"),
            description="adopted detaljplan, proposed plan, or assumed by us",
        ),
        Column(
            "available_from",
            "int",
            min=1900,
            max=2200,
            description="first year the dwellings can be occupied",
        ),
        Column("source", "str", required=False, default="", description="where the figures come from"),
    ),
    POLYGON,
    "land for new dwellings",
)

ROADS = LayerSchema(
    "roads",
    "road_id",
    (
        Column("road_id", "str", description="unique road-segment id"),
        Column("ref", "str", nullable=True, description="road number, e.g. '50', '66'"),
        Column("road_class", "str", description="trunk, primary, secondary, local, urban ..."),
        Column("speed_kmh", "float", min=0, max=200, min_exclusive=True, description="travel speed"),
        Column("oneway", "bool", required=False, default=False, description="drivable only along the line"),
        Column("name", "str", required=False, nullable=True, default="", description="street or road name"),
        Column("source", "str", required=False, default="", description="where the speed comes from"),
    ),
    LINE,
    "drivable roads",
)

RAIL_LINES = LayerSchema(
    "rail_lines",
    "line_id",
    (
        Column("line_id", "str", description="unique line id"),
        Column("name", "str", description="line name"),
    ),
    LINE,
    "railway lines (for maps; services carry the timetable)",
)

RAIL_STATIONS = LayerSchema(
    "rail_stations",
    "station_id",
    (
        Column("station_id", "str", description="unique station id (GTFS stop_id)"),
        Column("name", "str", description="station name"),
    ),
    POINT,
    "railway stations and stops",
)

RAIL_SERVICES = LayerSchema(
    "rail_services",
    "service_id",
    (
        Column("service_id", "str", description="one direction of one stopping pattern"),
        Column("name", "str", required=False, default="", description="service name"),
        Column(
            "route",
            "str",
            required=False,
            default="",
            description="route the service belongs to (GTFS route_short_name)",
        ),
        Column("stop_sequence", "int", min=0, description="order of the stop within the service"),
        Column("station_id", "str", description="station served (rail_stations.station_id)"),
        # a trip longer than a day is not a commuting service
        Column("arrival_min", "float", min=0, max=1440, description="minutes after leaving the first stop"),
        Column(
            "departures_peak_hour",
            "float",
            min=0,
            max=60,  # one a minute is more than any bus or train line runs
            description="departures per hour in the peak window, this direction",
        ),
        Column(
            "departures_weekday",
            "int",
            min=0,
            max=1440,  # one a minute around the clock
            description="departures per weekday, this direction",
        ),
        Column("route_type", "str", required=False, default="rail", choices=("rail", "bus"), description="GTFS mode"),
    ),
    None,
    "timetabled services, one row per stop (long format)",
    key_columns=("service_id", "stop_sequence"),
)

SCHEMAS: dict[str, LayerSchema] = {
    s.name: s for s in (ZONES, MINE_SITES, HOUSING_LAND, ROADS, RAIL_LINES, RAIL_STATIONS, RAIL_SERVICES)
}
LAYER_NAMES: tuple[str, ...] = tuple(SCHEMAS)
GEOMETRY_LAYERS: tuple[str, ...] = tuple(n for n, s in SCHEMAS.items() if not s.is_table)
TABLE_LAYERS: tuple[str, ...] = tuple(n for n, s in SCHEMAS.items() if s.is_table)
