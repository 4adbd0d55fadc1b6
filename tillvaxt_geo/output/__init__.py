"""Stage 6, output: atomic files, GeoPackage/CSV/JSON exports, QGIS styles, GeoTIFFs and offline maps.

The only stage that writes files (with the CLI) and the only one that imports
folium (in :mod:`tillvaxt_geo.output.maps`).
"""
