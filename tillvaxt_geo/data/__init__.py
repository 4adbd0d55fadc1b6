"""Stage 1, data: reading, validating and reprojecting layer files, GTFS feeds, constraints and importers.

Nothing here knows about networks, routing or the model; every other stage
reads its inputs through :func:`tillvaxt_geo.data.layers.load_layers`.
"""
