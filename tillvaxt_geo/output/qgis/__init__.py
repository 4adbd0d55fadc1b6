"""QGIS default styles for the layers of results.gpkg."""
