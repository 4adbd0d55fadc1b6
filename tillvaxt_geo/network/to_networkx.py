"""Export of a compiled network as a networkx MultiDiGraph (built on demand only)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import networkx as nx
import numpy as np

from tillvaxt_geo.network.places import Places, connectors

if TYPE_CHECKING:
    from tillvaxt_geo.network.types import Network

__all__ = ["network_to_networkx", "place_label"]


def place_label(layer: str, feature_id: str, *, end: str) -> str:
    """Graph node of a snapped place: ``from:<layer>:<id>`` (trips start) or ``to:<layer>:<id>`` (trips end)."""
    if end not in ("from", "to"):
        raise ValueError("end must be 'from' or 'to'")
    return f"{end}:{layer}:{feature_id}"


def network_to_networkx(net: Network, *, mode: str | None) -> nx.MultiDiGraph:
    """Build the network (one mode, or all for ``None``) with its snapped places as a MultiDiGraph.

    Place nodes are split in two so that no trip passes through a place:
    ``from:`` nodes have only out-edges, ``to:`` nodes only in-edges. With
    every mode present, the shortest path from a ``from:`` node to a ``to:``
    node is the faster of car and pt.
    """
    labels = net.node_labels()
    nodes = net.nodes
    edges = net.edges
    modes: tuple[str, ...] = ("car", "pt") if mode is None else (mode,)
    if "pt" in modes and net.pt is None:
        modes = tuple(m for m in modes if m != "pt")
        if not modes:
            net.compiled("pt")  # raises the explanatory error
    mask = np.zeros(len(edges), dtype=bool)
    for m in modes:
        mask |= edges[m].to_numpy()
    g = nx.MultiDiGraph(crs=net.crs.to_string(), mode=mode or "best", name="tillvaxt_geo network")
    sel = edges[mask]
    used = np.unique(np.concatenate([sel["tail"].to_numpy(), sel["head"].to_numpy()]))
    kinds = nodes["kind"].astype(str).to_numpy()
    xs, ys = nodes["x"].to_numpy(), nodes["y"].to_numpy()
    g.add_nodes_from(
        (labels[i], {"x": float(xs[i]), "y": float(ys[i]), "kind": kinds[i], "index": int(i)}) for i in used
    )
    attrs = ["length_m", "speed_kmh", "travel_time_s", "road_id", "kind", "car", "pt"]
    columns = {a: sel[a].astype(object).to_numpy() if a in ("road_id", "kind") else sel[a].to_numpy() for a in attrs}
    tails, heads = sel["tail"].to_numpy(), sel["head"].to_numpy()
    g.add_edges_from(
        (
            labels[t],
            labels[h],
            {a: (str(columns[a][k]) if a in ("road_id", "kind") else columns[a][k].item()) for a in attrs},
        )
        for k, (t, h) in enumerate(zip(tails, heads, strict=True))
    )
    _add_places(g, net, labels, modes)
    return g


def _add_places(g: nx.MultiDiGraph, net: Network, labels: np.ndarray, modes: tuple[str, ...]) -> None:
    snaps = net.snaps
    if len(snaps) == 0:
        return
    places = Places(
        ids=snaps["feature_id"].to_numpy(dtype=object),
        layer=snaps["layer"].to_numpy(dtype=object),
        node=snaps["node"].to_numpy(dtype=np.int64),
        snap_m=snaps["snap_distance_m"].to_numpy(dtype=float),
        xy=snaps[["x", "y"]].to_numpy(dtype=float),
    )
    xs, ys = snaps["x"].to_numpy(), snaps["y"].to_numpy()
    for k, (layer, fid) in enumerate(zip(places.layer, places.ids, strict=True)):
        for end in ("from", "to"):
            g.add_node(
                place_label(layer, fid, end=end),
                x=float(xs[k]),
                y=float(ys[k]),
                kind="place",
                layer=layer,
                feature_id=fid,
            )
    for m in modes:
        for role, end in (("origin", "from"), ("destination", "to")):
            conn = connectors(net, places, m, role=role)
            for k, (layer, fid) in enumerate(zip(places.layer, places.ids, strict=True)):
                place = place_label(layer, fid, end=end)
                for node, cost, length in zip(conn.node[k], conn.cost_s[k], conn.length_m[k], strict=True):
                    if not np.isfinite(cost):
                        continue
                    attrs = {
                        "length_m": float(length),
                        "speed_kmh": float(length / cost * 3.6) if cost > 0 else float("nan"),
                        "travel_time_s": float(cost),
                        "road_id": "",
                        "kind": "access" if role == "origin" else "egress",
                        "car": m == "car",
                        "pt": m == "pt",
                    }
                    if role == "origin":
                        g.add_edge(place, labels[node], **attrs)
                    else:
                        g.add_edge(labels[node], place, **attrs)
