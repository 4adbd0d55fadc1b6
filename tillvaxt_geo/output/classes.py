"""One classification for the web map and the QGIS styles: class limits, colours and legend labels.

Each :class:`Classification` is the single source of the classes of one
quantity: the folium maps (``WORKER_BINS`` and ``UPTAKE_BINS`` of
:mod:`tillvaxt_geo.output.maps.draw`) and the QGIS default styles of
``results.gpkg`` (:mod:`tillvaxt_geo.output.qgis.styles`) are both built from
it, so a zone with 12 workers has the same colour and legend entry in the
browser and in QGIS.

A class holds the values ``lower <= v < upper`` (the map's rule). QGIS's
graduated renderer takes the first range with ``lower <= v <= upper``, so
:meth:`Classification.qgis_breaks` sets each QGIS upper bound to the largest
float below the class's limit: both assign every value to the same class.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["UPTAKE_CLASSES", "WORKER_CLASSES", "Class", "Classification"]

#: upper bound QGIS stores for an open last class ("≥ 150")
QGIS_OPEN_END = 1e12


@dataclass(frozen=True)
class Class:
    """One class: values below ``upper`` (and at or above the previous class's), drawn in ``colour``."""

    upper: float
    colour: str
    label: str

    def rgba(self, alpha: int = 255) -> tuple[int, int, int, int]:
        """The colour as an (r, g, b, a) tuple of 0–255 integers."""
        h = self.colour.lstrip("#")
        return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16), alpha


@dataclass(frozen=True)
class Classification:
    """The classes of one quantity.

    Attributes
    ----------
    key
        What is classified (``workers_resident``, ``housing_uptake``).
    qgis_attribute
        The field, or QGIS expression, the QGIS style classifies by.
    classes
        The classes in increasing order; the last one open-ended (``upper = inf``).
    lowest
        The lower bound of the first class.
    """

    key: str
    qgis_attribute: str
    classes: tuple[Class, ...]
    lowest: float = 0.0

    def bins(self) -> tuple[tuple[float, str, str], ...]:
        """``(upper, colour, label)`` per class, the web map's form."""
        return tuple((c.upper, c.colour, c.label) for c in self.classes)

    def index(self, value: float) -> int:
        """The class of ``value`` (the first whose ``upper`` exceeds it); NaN and values below go to the first."""
        if value != value:
            return 0
        return next((i for i, c in enumerate(self.classes) if value < c.upper), len(self.classes) - 1)

    def qgis_breaks(self) -> list[float]:
        """The ``len(classes) + 1`` bounds of the QGIS ranges, each value in the class :meth:`index` gives."""
        inner = [math.nextafter(c.upper, -math.inf) for c in self.classes[:-1]]
        return [self.lowest, *inner, QGIS_OPEN_END]

    @property
    def labels(self) -> list[str]:
        """Legend labels, in class order."""
        return [c.label for c in self.classes]


#: mine workers living in a zone (map circles, QGIS zones layer)
WORKER_CLASSES = Classification(
    "workers_resident",
    "workers_resident",
    (
        Class(1, "#f0f0f0", "0"),
        Class(10, "#fdd49e", "1–9"),
        Class(50, "#fc8d59", "10–49"),
        Class(150, "#e34a33", "50–149"),
        Class(math.inf, "#990000", "≥ 150"),
    ),
)

#: share of a housing area's capacity taken by in-movers (map fills, QGIS housing_land layer)
UPTAKE_CLASSES = Classification(
    "housing_uptake",
    'coalesce("dwellings_taken", 0) / max(coalesce("capacity_dwellings", 0), 1)',
    (
        Class(1e-9, "#ffffff", "0 %"),
        Class(0.25, "#c7e9c0", "< 25 %"),
        Class(0.75, "#74c476", "25–75 %"),
        Class(math.inf, "#238b45", "≥ 75 %"),
    ),
)
