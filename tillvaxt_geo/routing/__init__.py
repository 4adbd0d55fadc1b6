"""Stage 3, routing: travel-time matrices, isochrones, accessibility and surfaces on a compiled network.

All searches run in :mod:`tillvaxt_geo.routing.search` on the compiled kernels
of :mod:`tillvaxt_geo.routing.kernel`.
"""
