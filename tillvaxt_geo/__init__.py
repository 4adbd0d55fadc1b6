"""tillvaxt_geo: how many mine workers could live locally, on real roads, rail and housing land.

The public API is re-exported here; importing the package reads no data and
configures no logging.
"""

from __future__ import annotations

from tillvaxt_geo._version import __version__
from tillvaxt_geo.errors import (
    ConfigError,
    CRSError,
    LayerError,
    LayerNotFoundError,
    ModelError,
    NetworkError,
    SchemaError,
    TillvaxtError,
    UnreachableError,
)
from tillvaxt_geo.layers import Layers, load_layers

__all__ = [
    "CRSError",
    "ConfigError",
    "LayerError",
    "LayerNotFoundError",
    "Layers",
    "ModelError",
    "NetworkError",
    "SchemaError",
    "TillvaxtError",
    "UnreachableError",
    "__version__",
    "load_layers",
]
