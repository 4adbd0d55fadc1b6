"""Saving maps: :func:`save_map` and the index page (:func:`write_index`), offline HTML written atomically.

:func:`save_map` writes a map as one self-contained HTML file, its assets
inlined by :mod:`tillvaxt_geo.output.maps.assets` (which raises if anything
would still come from the network); :func:`write_index` writes the page that
links the scenario maps. Both replace their file only once it is completely
written (:func:`tillvaxt_geo.output.files.write_text`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import folium

from tillvaxt_geo.output.files import write_text
from tillvaxt_geo.output.maps.assets import offline_html
from tillvaxt_geo.output.maps.draw import _ALLOWED_ATTR
from tillvaxt_geo.output.maps.html import index_html
from tillvaxt_geo.output.maps.labels import check_lang

__all__ = [
    "save_map",
    "write_index",
]


def save_map(m: folium.Map, path: str | Path) -> Path:
    """Write a map as one self-contained, offline HTML file, atomically.

    Parameters
    ----------
    m
        A map from one of the builders (or any folium map).
    path
        Destination ``.html`` file; replaced only once the whole file is written,
        so a failure leaves an earlier file intact.

    Returns
    -------
    pathlib.Path
        The destination.

    Raises
    ------
    tillvaxt_geo.output.maps.assets.RemoteURLError
        If the page would still load anything from the network (only the
        OpenStreetMap tile template of a map built with ``basemap="osm"`` may stay).
    """
    document = offline_html(m.get_root().render(), allowed_urls=getattr(m, _ALLOWED_ATTR, ()))
    return write_text(path, document)


def write_index(
    entries: Sequence[Mapping[str, Any]], path: str | Path, *, lang: str = "sv", title: str | None = None
) -> Path:
    """Write the page that links every scenario map with its headline figures, atomically.

    Parameters
    ----------
    entries
        One mapping per map: ``name``, ``title``, ``href`` (relative to the
        page) and any headline figures (keys of ``summary.json``).
    path
        Destination, usually ``maps/index.html``.
    lang
        ``"sv"`` (default) or ``"en"``.
    title
        Page heading; a default one when ``None``.

    Returns
    -------
    pathlib.Path
        The destination.
    """
    return write_text(path, index_html(entries, lang=check_lang(lang), title=title))
