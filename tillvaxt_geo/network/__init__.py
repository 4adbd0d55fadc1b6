"""Stage 2, network: roads, rail and bus services compiled into search graphs, with snapped places.

:func:`tillvaxt_geo.network.build.build_network` turns a layer set into a
:class:`tillvaxt_geo.network.types.Network` value.
"""
