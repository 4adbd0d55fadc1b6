"""Importers of real data into tillvaxt_geo layers: OpenStreetMap roads and population grids.

Each importer reads one kind of source file at its edge and returns a layer
that passes its schema (:mod:`tillvaxt_geo.data.schemas`); writing it is the
caller's (or the ``tillvaxt-geo import`` command's) job. GTFS timetables are
read by :mod:`tillvaxt_geo.data.gtfs_services`, which a layer set uses directly.
"""

from __future__ import annotations

__all__: list[str] = []
