"""Atomic writes: every output file appears whole or not at all.

A write goes to a temporary file in the destination directory and replaces the
destination with :func:`os.replace` only once it is complete, so a failed or
interrupted run leaves an earlier output intact and readable.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = [
    "atomic_path",
    "file_sha256",
    "write_csv",
    "write_gpkg",
    "write_json",
    "write_text",
]


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temporary path that replaces ``path`` when the block succeeds.

    The temporary file lies in the same directory (so the final rename is
    atomic) and keeps the destination's suffix (so drivers chosen by
    extension still work). On any exception the temporary file is removed
    and ``path`` is left as it was.

    Parameters
    ----------
    path
        Destination file. Its parent directory is created if needed.

    Yields
    ------
    pathlib.Path
        Where to write.
    """
    dest = Path(path)
    dest.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{dest.stem}.", suffix=f".tmp{dest.suffix}", dir=dest.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers such as GPKG refuse to write into an existing empty file
    try:
        yield tmp
        os.replace(tmp, dest)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write JSON (UTF-8, indented, non-ASCII kept) atomically and return the path."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


def write_csv(path: str | os.PathLike[str], frame: pd.DataFrame, *, index: bool = False) -> Path:
    """Write a DataFrame as UTF-8 CSV atomically and return the path."""
    with atomic_path(path) as tmp:
        frame.to_csv(tmp, index=index, encoding="utf-8")
    return Path(path)


def write_gpkg(
    path: str | os.PathLike[str],
    layers: Mapping[str, gpd.GeoDataFrame | pd.DataFrame],
    *,
    finish: Callable[[Path], object] | None = None,
) -> Path:
    """Write several layers into one GeoPackage atomically.

    Parameters
    ----------
    path
        Destination ``.gpkg`` file; replaced only when every layer is written.
    layers
        Layer name to frame. A frame without geometry becomes an attribute table.
    finish
        Called with the temporary file once the layers are in it, before the
        rename (e.g. to add QGIS styles); a failure there also keeps the old file.

    Returns
    -------
    pathlib.Path
        The destination path.
    """
    import pyogrio

    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            if isinstance(frame, gpd.GeoDataFrame):
                pyogrio.write_dataframe(frame, tmp, layer=name, driver="GPKG")
            else:
                pyogrio.write_dataframe(pd.DataFrame(frame), tmp, layer=name, driver="GPKG")
        if finish is not None:
            finish(tmp)
    return Path(path)


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file (or of every file in a directory, in name order)."""
    p = Path(path)
    h = hashlib.sha256()
    files = sorted(f for f in p.rglob("*") if f.is_file()) if p.is_dir() else [p]
    for f in files:
        if p.is_dir():
            h.update(str(f.relative_to(p)).encode())
        with open(f, "rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
    return h.hexdigest()
