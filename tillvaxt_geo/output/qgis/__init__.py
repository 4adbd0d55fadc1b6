"""QGIS default styles for the layers of results.gpkg: QML building blocks, per-layer styles, the layer_styles table."""
