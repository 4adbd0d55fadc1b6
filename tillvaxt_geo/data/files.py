"""Input files: checks that a path is a readable regular file of sane size, and its SHA-256 fingerprint for provenance.

Every input is checked with :func:`input_file_problem` before it is opened:
a FIFO, a device such as ``/dev/zero`` or a socket would block or never end
when read, a dangling or looping symbolic link is not an absent layer, and a
file far larger than any layer of a regional model is a mistake (and would
exhaust memory) rather than data.
"""

from __future__ import annotations

import hashlib
import os
import stat
from pathlib import Path

__all__ = ["MAX_INPUT_BYTES", "MAX_TEXT_BYTES", "file_sha256", "input_file_problem"]

#: largest layer or feed file read (4 GiB): a national road network as GeoPackage is about 2 GiB;
#: larger files are refused with their size named instead of being read into memory
MAX_INPUT_BYTES = 4 * 1024**3
#: largest scenario file read (1 MiB): a scenario is a few kilobytes of TOML
MAX_TEXT_BYTES = 1024**2


def input_file_problem(
    path: str | os.PathLike[str], *, max_bytes: int = MAX_INPUT_BYTES, directory_ok: bool = False
) -> str | None:
    """What is wrong with an input path, or ``None`` if it can be read.

    The path is checked with :func:`os.stat` only; nothing is opened, so a
    FIFO or device cannot block the check.

    Parameters
    ----------
    path
        The input file (or folder, with ``directory_ok``).
    max_bytes
        Largest size accepted.
    directory_ok
        Accept a folder (a GTFS feed, a layer set); its files are checked one
        by one by the caller.

    Returns
    -------
    str or None
        A sentence saying what the path is and how to fix it, or ``None``.
    """
    p = Path(path)
    try:
        info = os.stat(p)
    except FileNotFoundError:
        if os.path.islink(p):
            return f"is a symbolic link to {os.readlink(p)!r}, which does not exist; fix or remove the link"
        return "does not exist; check the path"
    except OSError as exc:
        return f"cannot be inspected ({exc.strerror or exc}); check the path and its symbolic links"
    if stat.S_ISDIR(info.st_mode):
        return None if directory_ok else "is a folder, not a file; name the file inside it"
    if not stat.S_ISREG(info.st_mode):
        kind = (
            "a named pipe (FIFO)"
            if stat.S_ISFIFO(info.st_mode)
            else "a device"
            if stat.S_ISCHR(info.st_mode) or stat.S_ISBLK(info.st_mode)
            else "a socket"
            if stat.S_ISSOCK(info.st_mode)
            else "not a regular file"
        )
        return f"is {kind}, not a regular file; only regular files are read (a pipe or device could block forever)"
    if info.st_size > max_bytes:
        return (
            f"is {info.st_size / 1024**2:,.0f} MiB, more than the {max_bytes / 1024**2:,.0f} MiB limit for this input; "
            "cut it to the study region (e.g. ogr2ogr -spat) or check that this is the right file"
        )
    if not os.access(p, os.R_OK):
        return "is not readable (permission denied); change its permissions"
    return None


def file_sha256(path: str | os.PathLike[str]) -> str:
    """Return the SHA-256 hex digest of a file (or of every regular file in a directory, in name order)."""
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
