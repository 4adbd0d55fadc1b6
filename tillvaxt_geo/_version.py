"""The package version, single source for pyproject and provenance stamps."""

__version__ = "0.1.0"
