"""The package's architecture: no runtime import cycles, the stage contracts, and docs that match the tree."""

from __future__ import annotations

import importlib
import pkgutil
import re
from pathlib import Path

import networkx as nx
import pytest

import tillvaxt_geo
from tillvaxt_geo.figures import FIGURES

ROOT = Path(__file__).resolve().parents[1]

grimp = pytest.importorskip("grimp", reason="grimp comes with import-linter (pip install -e '.[dev]')")


def _import_graph() -> nx.DiGraph:
    """Module -> module imports of the package, function-level imports included, type-checking ones not."""
    graph = grimp.build_graph("tillvaxt_geo", exclude_type_checking_imports=True, cache_dir=None)
    g = nx.DiGraph()
    for module in graph.modules:
        g.add_node(module)
        for imported in graph.find_modules_directly_imported_by(module):
            g.add_edge(module, imported)
    return g


def _without_package_inits(g: nx.DiGraph) -> nx.DiGraph:
    # importing tillvaxt_geo.x.y imports tillvaxt_geo and tillvaxt_geo.x first; a package __init__ that imports
    # nothing of the stage does not make a cycle, so drop edges into packages whose __init__ imports nothing
    packages = {m for m in g if (ROOT / m.replace(".", "/") / "__init__.py").exists()}
    h = g.copy()
    h.remove_edges_from([(a, b) for a, b in g.edges if b in packages and a.startswith(b + ".")])
    return h


def test_no_runtime_import_cycles() -> None:
    g = _without_package_inits(_import_graph())
    cycles = [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1]
    assert cycles == [], f"import cycles: {cycles}"


def test_the_cycle_check_finds_a_cycle() -> None:
    # the same check on a graph with a known cycle must fail
    g = nx.DiGraph([("a", "b"), ("b", "c"), ("c", "a"), ("c", "d")])
    assert [sorted(c) for c in nx.strongly_connected_components(g) if len(c) > 1] == [["a", "b", "c"]]


def test_every_module_opens_with_its_purpose_and_imports() -> None:
    for info in pkgutil.walk_packages(tillvaxt_geo.__path__, "tillvaxt_geo."):
        module = importlib.import_module(info.name)
        doc = (module.__doc__ or "").strip()
        assert doc, f"{info.name} has no module docstring saying what it owns"


def test_architecture_doc_names_every_module_and_figure() -> None:
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    for info in pkgutil.walk_packages(tillvaxt_geo.__path__, "tillvaxt_geo."):
        if info.ispkg or info.name.endswith("__main__"):
            continue
        short = info.name.removeprefix("tillvaxt_geo.")
        assert f"`{short}`" in text, f"docs/architecture.md does not list the module {short}"
    for fig in FIGURES:
        row = re.search(rf"^\| `{fig.key}` \|[^\n]*`([\w.]+)`", text, re.MULTILINE)
        assert row, f"docs/architecture.md has no row for the figure {fig.key}"
        module, _, function = fig.computed_by.rpartition(".")
        assert row.group(1) == fig.computed_by
        assert callable(getattr(importlib.import_module(module), function)), fig.computed_by
