"""``tillvaxt-geo versions``: the versions of the package, Python and the libraries behind it, for bug reports."""

from __future__ import annotations

import importlib
import platform
import sys
from importlib import metadata

import click

from tillvaxt_geo._version import __version__

__all__ = ["command", "versions"]

#: distributions whose versions matter for a report, in the order printed
DISTRIBUTIONS = (
    "numpy",
    "pandas",
    "scipy",
    "shapely",
    "geopandas",
    "pyogrio",
    "pyproj",
    "rasterio",
    "numba",
    "llvmlite",
    "networkx",
    "folium",
    "folium-offline",
    "branca",
    "matplotlib",
    "exactextract",
    "osmium",
    "click",
    "platformdirs",
)


#: native libraries: (name printed, module that reports it, its attribute)
NATIVE = (
    ("GEOS", "shapely", "geos_version_string"),
    ("GDAL (pyogrio)", "pyogrio", "__gdal_version_string__"),
    ("GDAL (rasterio)", "rasterio", "__gdal_version__"),
    ("PROJ", "pyproj", "proj_version_str"),
)


def _native() -> dict[str, str]:
    """The C libraries the geometry and I/O packages were built with (GEOS, GDAL, PROJ)."""
    out: dict[str, str] = {}
    for name, module, attribute in NATIVE:
        try:
            out[name] = str(getattr(importlib.import_module(module), attribute))
        except ImportError:
            out[name] = "not installed"
    return out


def versions() -> dict[str, str]:
    """Package, Python, platform, every library of :data:`DISTRIBUTIONS` and the native libraries.

    Returns
    -------
    dict
        Name to version (``"not installed"`` where missing).
    """
    out = {
        "tillvaxt-geo": __version__,
        "Python": sys.version.split()[0],
        "platform": platform.platform(),
    }
    for name in DISTRIBUTIONS:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    out.update(_native())
    return out


@click.command(name="versions")
def command() -> None:
    """Print the versions of tillvaxt-geo, Python and its libraries (paste them into a bug report)."""
    table = versions()
    width = max(len(k) for k in table)
    for name, version in table.items():
        click.echo(f"{name:<{width}}  {version}")
