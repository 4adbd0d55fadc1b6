"""Atomic writes: every output file appears whole or not at all.

A write goes to a temporary file in the destination directory and replaces the
destination with :func:`os.replace` only once it is complete, so a failed or
interrupted run leaves an earlier output intact and readable.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

__all__ = [
    "GPKG_VERSION",
    "atomic_path",
    "replace_gpkg_layer",
    "write_csv",
    "write_gpkg",
    "write_json",
    "write_text",
    "write_xlsx",
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
        _fsync(tmp)
        os.replace(tmp, dest)
        _fsync_directory(dest.parent)
    finally:
        if tmp.exists():
            tmp.unlink()


def _fsync(path: Path) -> None:
    """Flush a written file to disk before it replaces the destination."""
    if path.is_file():
        with open(path, "rb") as fh:
            os.fsync(fh.fileno())


def _fsync_directory(directory: Path) -> None:
    """Make the rename itself durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_text(path: str | os.PathLike[str], text: str) -> Path:
    """Write UTF-8 text atomically and return the path."""
    with atomic_path(path) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(path)


def write_json(path: str | os.PathLike[str], data: Any) -> Path:
    """Write JSON (UTF-8, indented, non-ASCII kept) atomically and return the path."""
    return write_text(path, json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False) + "\n")


#: CSV dialects: (field separator, decimal mark) per locale
CSV_LOCALES: dict[str, tuple[str, str]] = {"sv": (";", ","), "en": (",", ".")}


def write_csv(
    path: str | os.PathLike[str],
    frame: pd.DataFrame,
    *,
    index: bool = False,
    locale: str = "en",
    decimals: int | None = 3,
) -> Path:
    """Write a DataFrame as CSV that spreadsheets open correctly, atomically, and return the path.

    Parameters
    ----------
    path
        Destination file.
    frame
        The table.
    index
        Also write the index.
    locale
        ``"sv"``: fields separated by ``;`` and decimals with a comma, as
        Swedish Excel and LibreOffice expect (they open a comma-separated file
        in one column); ``"en"``: ``,`` and ``.``. Both are UTF-8 *with* a
        byte-order mark, so Excel shows å, ä and ö (pandas and Python's
        ``csv`` with ``encoding="utf-8-sig"`` read it unchanged).
    decimals
        Float columns rounded to at most this many decimals (no 15-digit
        binary noise such as ``-0.0015999999999999348``); ``None`` keeps them.
    """
    if locale not in CSV_LOCALES:
        raise ValueError(f"CSV locale must be one of {sorted(CSV_LOCALES)}; got {locale!r}")
    sep, decimal = CSV_LOCALES[locale]
    out = frame
    if decimals is not None:
        floats = [c for c in frame.columns if pd.api.types.is_float_dtype(frame[c].dtype)]
        if floats:
            out = frame.copy()
            out[floats] = out[floats].round(decimals) + 0.0  # + 0.0 turns -0.0 into 0.0
    with atomic_path(path) as tmp:
        out.to_csv(tmp, index=index, encoding="utf-8-sig", sep=sep, decimal=decimal)
    return Path(path)


def write_xlsx(path: str | os.PathLike[str], sheets: Mapping[str, pd.DataFrame]) -> Path:
    """Write tables as sheets of one Excel workbook (openpyxl) atomically and return the path.

    Numbers stay numbers (Excel and LibreOffice show them in the user's own
    locale); text cells are stored as text, never as formulas, so a cell
    starting with ``=`` shows as typed. Sheet names are cut to Excel's 31 characters.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    book = Workbook()
    book.remove(book.active)  # type: ignore[arg-type]
    for name, frame in sheets.items():
        sheet = book.create_sheet(title=str(name)[:31])
        columns = [str(c) for c in frame.columns]
        sheet.append(columns)
        for row in frame.itertuples(index=False):
            cells: list[Any] = []
            for value in row:
                if value is None or (isinstance(value, float) and value != value):
                    cells.append(None)
                elif hasattr(value, "item") and not isinstance(value, str):
                    cells.append(value.item())
                else:
                    cells.append(value)
            sheet.append(cells)
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for col in sheet.iter_cols(min_row=2):
            for cell in col:
                if isinstance(cell.value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never a formula
        for i, column in enumerate(columns, start=1):
            width = max([len(column), *(len(str(v)) for v in frame.iloc[:, i - 1].head(200))]) + 2
            sheet.column_dimensions[get_column_letter(i)].width = min(width, 60)
        sheet.freeze_panes = "A2"
    with atomic_path(path) as tmp:
        book.save(tmp)
    return Path(path)


#: GeoPackage version written: 1.2 (``application_id`` GPKG, ``user_version`` 10200), which QGIS LTR
#: releases and GDAL 3.6 read without warnings and whose R-tree triggers GDAL 3.6's validator accepts
#: (GDAL 3.7+ writes 1.4 by default, with R-tree triggers that GDAL 3.6's validate_gpkg.py rejects).
GPKG_VERSION = "1.2"


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

    options = {"VERSION": GPKG_VERSION}
    with atomic_path(path) as tmp:
        for name, frame in layers.items():
            data = frame if isinstance(frame, gpd.GeoDataFrame) else pd.DataFrame(frame)
            pyogrio.write_dataframe(data, tmp, layer=name, driver="GPKG", dataset_options=options)
        if finish is not None:
            finish(tmp)
    return Path(path)


def replace_gpkg_layer(path: str | os.PathLike[str], layer: str, frame: gpd.GeoDataFrame | pd.DataFrame) -> Path:
    """Replace (or add) one layer of an existing GeoPackage, keeping every other layer.

    The file is copied to a temporary file beside it, the layer is written
    into the copy, the copy is verified (every earlier layer still there, the
    new layer with the right number of features), and only then does it
    replace the original. A failure at any step leaves the original as it was.

    Parameters
    ----------
    path
        An existing ``.gpkg`` file (a missing one is created).
    layer
        The layer to write.
    frame
        Its content.

    Returns
    -------
    pathlib.Path
        The GeoPackage path.
    """
    import shutil

    import pyogrio

    dest = Path(path)
    if not dest.exists():
        return write_gpkg(dest, {layer: frame})
    before = {str(row[0]) for row in pyogrio.list_layers(dest)}
    with atomic_path(dest) as tmp:
        shutil.copy2(dest, tmp)
        data = frame if isinstance(frame, gpd.GeoDataFrame) else pd.DataFrame(frame)
        pyogrio.write_dataframe(data, tmp, layer=layer, driver="GPKG")
        after = {str(row[0]) for row in pyogrio.list_layers(tmp)}
        written = pyogrio.read_info(tmp, layer=layer)["features"]
        if not before <= after or written != len(frame):
            raise OSError(
                f"verifying {dest} after writing layer '{layer}' failed: layers {sorted(before - after)} lost "
                f"or {written} of {len(frame)} features written; the original file is unchanged"
            )
    return dest
