"""Atomic writes: every output file appears whole or not at all.

A write goes to a temporary file in the destination directory and replaces the
destination with :func:`os.replace` only once it is complete, so a failed or
interrupted run leaves an earlier output intact and readable. Temporary names
carry the writing process's id, so :func:`remove_stale_temporaries` can tell
the leftovers of a killed run from the files of a run still writing. Every
:class:`OSError` on output becomes an :class:`~tillvaxt_geo.errors.OutputError`
naming the path and the cause (:func:`output_error`).
"""

from __future__ import annotations

import contextlib
import errno
import json
import math
import os
import re
import shutil
import tempfile
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd

from tillvaxt_geo.errors import OutputError

__all__ = [
    "GPKG_VERSION",
    "atomic_path",
    "check_output_dir",
    "json_safe",
    "output_error",
    "process_alive",
    "remove_stale_temporaries",
    "replace_gpkg_layer",
    "spreadsheet_safe",
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
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        if dest.is_dir():
            raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(dest))
        fd, tmp_name = tempfile.mkstemp(
            prefix=f".{dest.stem}.{os.getpid()}.", suffix=f"{_TMP_MARK}{dest.suffix}", dir=dest.parent
        )
        os.close(fd)
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(exc, dest) from None
    tmp = Path(tmp_name)
    tmp.unlink()  # drivers such as GPKG refuse to write into an existing empty file
    try:
        yield tmp
        _fsync(tmp)
        os.replace(tmp, dest)
        _fsync_directory(dest.parent)
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(exc, dest) from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()


_TMP_MARK = ".tmp"
# ".<stem>.<pid>.<8 random>.tmp<suffix>": a temporary file of atomic_path
_TMP_FILE = re.compile(r"^\..*\.(\d+)\.[A-Za-z0-9_]{8}\.tmp(\.[A-Za-z0-9]+)?$")
# ".tillvaxt-<kind>-<pid>-...": a staging or replaced folder of an output set
_TMP_DIR = re.compile(r"^\.tillvaxt-(?:staging|probe)-(\d+)[-.]")

_CAUSES: dict[int, str] = {
    errno.ENOSPC: "the disk is full; free some space or choose another --out",
    errno.EDQUOT: "the disk quota is used up; free some space or choose another --out",
    errno.EFBIG: "the file is larger than this system or user may write; free space or raise the file-size limit",
    errno.EROFS: "the file system is read-only; choose a writable folder with --out",
    errno.EACCES: "permission denied; choose a folder you may write to, or change its permissions",
    errno.EPERM: "operation not permitted; choose a folder you may write to, or change its permissions",
    errno.ELOOP: "a symbolic link in the path points (indirectly) to itself; fix the link or choose another --out",
    errno.ENOTDIR: "part of the path is a file where a folder is needed; choose another --out or move the file",
    errno.EEXIST: "a file already stands where a folder is needed; choose another --out or move the file",
    errno.EISDIR: "a folder stands where a file is to be written; move the folder or choose another --out",
    errno.ENAMETOOLONG: "the path is too long; choose a shorter --out",
}


def output_error(exc: OSError, path: str | os.PathLike[str], *, action: str = "write") -> OutputError:
    """Turn an :class:`OSError` on output into an :class:`OutputError` naming the path and the cause.

    Parameters
    ----------
    exc
        The error the operating system raised.
    path
        The output path being written.
    action
        What was being done, for the message (``write``, ``create``, ``replace`` ...).

    Returns
    -------
    OutputError
        To be raised by the caller.
    """
    if isinstance(exc, OutputError):
        return exc
    cause = _CAUSES.get(exc.errno or -1, "check the path and that the folder is writable, or choose another --out")
    reason = exc.strerror or str(exc)
    return OutputError(f"cannot {action} {path}: {reason} — {cause}", path=str(path))


def check_output_dir(path: str | os.PathLike[str]) -> Path:
    """Check, before any computation, that ``path`` is (or can become) a writable folder.

    The folder is created if missing; a probe file is created and removed in it.

    Parameters
    ----------
    path
        The output folder (``--out``).

    Returns
    -------
    pathlib.Path
        The folder.

    Raises
    ------
    OutputError
        The path is a file, a broken or looping symbolic link, read-only,
        full, or not permitted; the message names the path and the cause.
    """
    folder = Path(path)
    try:
        if os.path.lexists(folder):
            if not folder.is_dir():
                # stat follows links: a loop raises ELOOP, a dangling link ENOENT
                os.stat(folder)
                raise OutputError(
                    f"cannot use {folder} as the output folder: it is a file, not a folder — "
                    "choose another --out or move the file",
                    path=str(folder),
                )
        else:
            folder.mkdir(parents=True, exist_ok=True)
        fd, probe = tempfile.mkstemp(prefix=f".tillvaxt-probe-{os.getpid()}-", dir=folder)
        try:
            os.write(fd, b"probe")
        finally:
            os.close(fd)
            os.unlink(probe)
    except OutputError:
        raise
    except FileNotFoundError as exc:
        raise OutputError(
            f"cannot use {folder} as the output folder: {exc.strerror} — it is a symbolic link to a missing "
            "target; fix or remove the link, or choose another --out",
            path=str(folder),
        ) from None
    except OSError as exc:
        raise output_error(exc, folder, action="use as the output folder") from None
    return folder


def process_alive(pid: int) -> bool:
    """Whether a process with this id exists (a stale temporary's writer has gone when not)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError):
        return True
    except OSError:
        return True
    return True


def remove_stale_temporaries(directory: str | os.PathLike[str]) -> list[Path]:
    """Remove the temporary files and folders that killed runs left in ``directory``.

    Only names this package writes (atomic-write temporaries and output-set
    staging folders) whose writing process no longer exists are removed; the
    temporaries of a run still writing are kept.

    Parameters
    ----------
    directory
        An output folder.

    Returns
    -------
    list of pathlib.Path
        What was removed.
    """
    folder = Path(directory)
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        match = _TMP_FILE.match(entry.name) or _TMP_DIR.match(entry.name)
        if match is None or process_alive(int(match.group(1))):
            continue
        target = Path(entry.path)
        try:
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(target)
            else:
                target.unlink()
        except OSError:
            continue
        removed.append(target)
    return removed


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


def json_safe(value: Any) -> Any:
    """JSON-safe values: NaN becomes null, numpy scalars become Python numbers."""
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and not isinstance(value, str | bytes):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


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

    Text cells that a spreadsheet would run as a formula are written as text
    (:func:`spreadsheet_safe`).
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
        spreadsheet_safe(out).to_csv(tmp, index=index, encoding="utf-8-sig", sep=sep, decimal=decimal)
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


_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy whose text cells starting with ``=``, ``+``, ``-``, ``@``, tab or CR begin with ``'``.

    Excel, LibreOffice and Google Sheets run such cells as formulas when a
    CSV file is opened (OWASP "CSV injection"); the leading apostrophe makes
    them show as typed. Numbers (negative ones included) stay numbers.

    Parameters
    ----------
    frame
        The table to write.

    Returns
    -------
    pandas.DataFrame
        The table with such text cells quoted; the same object when none.
    """
    out = frame
    for column in frame.columns:
        values = frame[column]
        if values.dtype != object and not pd.api.types.is_string_dtype(values):
            continue
        risky = values.map(lambda v: isinstance(v, str) and v.startswith(_FORMULA_START))
        if risky.any():
            if out is frame:
                out = frame.copy()
            out[column] = values.where(~risky, "'" + values.astype(str))
    if any(isinstance(c, str) and c.startswith(_FORMULA_START) for c in frame.columns):
        out = out.rename(columns=lambda c: f"'{c}" if isinstance(c, str) and c.startswith(_FORMULA_START) else c)
    return out


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
