"""tillvaxt_geo: how many mine workers could live locally, on real roads, rail and housing land.

The public API is re-exported here. Importing the package reads no data,
configures no logging and does not import folium: the map functions and the
heavier modules load on first use.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

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

if TYPE_CHECKING:  # pragma: no cover - for type checkers and IDEs only
    from tillvaxt_geo.data.layers import Layers, load_layers
    from tillvaxt_geo.network.build import build_network
    from tillvaxt_geo.network.report import network_report
    from tillvaxt_geo.network.types import Network
    from tillvaxt_geo.output.maps.builders import comparison_map, overview_map, render_map
    from tillvaxt_geo.output.maps.save import save_map
    from tillvaxt_geo.routing.accessibility import accessibility
    from tillvaxt_geo.routing.isochrones import isochrones, reached_nodes
    from tillvaxt_geo.routing.matrix import Mode, travel_times
    from tillvaxt_geo.scenario.apply import apply_changes
    from tillvaxt_geo.scenario.config import Scenario, load_scenario
    from tillvaxt_geo.scenario.results import ScenarioResult, compare
    from tillvaxt_geo.scenario.run import calibrate_layers, run_scenario
    from tillvaxt_geo.scenario.sweep import sweep_scenario
    from tillvaxt_geo.scenario.uncertainty import UncertaintyResult, compare_uncertainty, uncertainty

#: public name -> module that defines it (imported on first access)
_LAZY = {
    "Layers": "tillvaxt_geo.data.layers",
    "load_layers": "tillvaxt_geo.data.layers",
    "accessibility": "tillvaxt_geo.routing.accessibility",
    "apply_changes": "tillvaxt_geo.scenario.apply",
    "build_network": "tillvaxt_geo.network.build",
    "network_report": "tillvaxt_geo.network.report",
    "Mode": "tillvaxt_geo.routing.matrix",
    "Network": "tillvaxt_geo.network.types",
    "calibrate_layers": "tillvaxt_geo.scenario.run",
    "compare": "tillvaxt_geo.scenario.results",
    "comparison_map": "tillvaxt_geo.output.maps.builders",
    "isochrones": "tillvaxt_geo.routing.isochrones",
    "load_scenario": "tillvaxt_geo.scenario.config",
    "overview_map": "tillvaxt_geo.output.maps.builders",
    "reached_nodes": "tillvaxt_geo.routing.isochrones",
    "render_map": "tillvaxt_geo.output.maps.builders",
    "run_scenario": "tillvaxt_geo.scenario.run",
    "save_map": "tillvaxt_geo.output.maps.save",
    "Scenario": "tillvaxt_geo.scenario.config",
    "ScenarioResult": "tillvaxt_geo.scenario.results",
    "sweep_scenario": "tillvaxt_geo.scenario.sweep",
    "travel_times": "tillvaxt_geo.routing.matrix",
    "uncertainty": "tillvaxt_geo.scenario.uncertainty",
    "compare_uncertainty": "tillvaxt_geo.scenario.uncertainty",
    "UncertaintyResult": "tillvaxt_geo.scenario.uncertainty",
}

__all__ = [
    "CRSError",
    "ConfigError",
    "LayerError",
    "LayerNotFoundError",
    "Layers",
    "Mode",
    "ModelError",
    "Network",
    "NetworkError",
    "Scenario",
    "ScenarioResult",
    "SchemaError",
    "TillvaxtError",
    "UncertaintyResult",
    "UnreachableError",
    "__version__",
    "accessibility",
    "apply_changes",
    "build_network",
    "calibrate_layers",
    "compare",
    "compare_uncertainty",
    "comparison_map",
    "isochrones",
    "load_layers",
    "load_scenario",
    "network_report",
    "overview_map",
    "reached_nodes",
    "render_map",
    "run_scenario",
    "save_map",
    "sweep_scenario",
    "travel_times",
    "uncertainty",
]


def __getattr__(name: str) -> Any:
    """Import the public functions of the heavier modules on first use."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'tillvaxt_geo' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
