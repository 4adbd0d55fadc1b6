"""A run's output set: written into a staging folder, switched in whole, stamped with a manifest (``run.json``).

An output set is the folder ``<out>/<scenario>/`` with ``summary.json``,
``summary.csv``, ``results.gpkg``, ``map.html`` and ``run.json``. It is
all new or all old: :func:`write_output_set` writes every file into a staging
folder beside the target, writes the manifest last (file names, sizes and
SHA-256, the scenario's hash, the package version), and only then switches
the staging folder in — on Linux with one atomic ``renameat2(RENAME_EXCHANGE)``,
elsewhere with two renames that :func:`remove_stale_temporaries` repairs if a
run is killed between them. A reader checks a set with :func:`verify_output_set`;
:func:`output_sets` lists the complete sets of an output folder (for the
index page).
"""

from __future__ import annotations

import contextlib
import ctypes
import errno
import hashlib
import json
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from tillvaxt_geo._version import __version__
from tillvaxt_geo.errors import OutputError, TillvaxtError
from tillvaxt_geo.output.files import (
    _fsync,
    _fsync_directory,
    check_output_dir,
    output_error,
    process_alive,
    remove_stale_temporaries,
)

__all__ = ["MANIFEST", "output_sets", "read_manifest", "verify_output_set", "write_output_set"]

#: the manifest's file name inside an output set
MANIFEST = "run.json"
#: what the manifest's ``format`` key says
MANIFEST_FORMAT = "tillvaxt_geo output set 1"
_STAGING = ".tillvaxt-staging-"
_OLD = ".tillvaxt-old-"


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_output_set(
    folder: str | os.PathLike[str],
    files: Mapping[str, Callable[[Path], object]],
    *,
    scenario: Mapping[str, Any],
) -> dict[str, Path]:
    """Write a set of files into ``folder`` so that it is either all new or all old.

    Parameters
    ----------
    folder
        The set's folder, e.g. ``maps/two_companies``; its parent must be a
        writable folder (:func:`~tillvaxt_geo.output.files.check_output_dir`).
    files
        File name to a function that writes that file at the path it is given.
    scenario
        What the manifest says about the run: ``name``, ``title``, ``sha256``
        (the scenario's hash) and anything else JSON can hold.

    Returns
    -------
    dict
        File name to its final path (``run.json`` included).

    Raises
    ------
    OutputError
        A file or the switch cannot be written; the earlier set is left whole.
    """
    target = Path(folder)
    parent = check_output_dir(target.parent)
    _repair_interrupted_switches(parent)
    remove_stale_temporaries(parent)
    if os.path.lexists(target) and not target.is_dir():
        raise OutputError(
            f"cannot write the output set {target}: a file stands where its folder should be — move it away",
            path=str(target),
        )
    try:
        staging = Path(tempfile.mkdtemp(prefix=f"{_STAGING}{os.getpid()}-", dir=parent))
        umask = os.umask(0o022)
        os.umask(umask)
        staging.chmod(0o777 & ~umask)  # mkdtemp makes it private; the set gets a normal folder's mode
    except OSError as exc:
        raise output_error(exc, parent, action="create a staging folder in") from None
    try:
        entries: dict[str, dict[str, Any]] = {}
        for name, write in files.items():
            if name == MANIFEST or "/" in name or name.startswith("."):
                raise ValueError(f"output set file name {name!r} is reserved or not a plain name")
            path = staging / name
            try:
                write(path)
            except (OSError, TillvaxtError):
                raise
            except Exception as exc:  # a driver's own error (SQLite "disk is full" ...), named with its file
                raise OutputError(
                    f"cannot write {target / name}: {exc} — check free disk space and that the folder is writable; "
                    "the earlier output set is unchanged",
                    path=str(target / name),
                ) from exc
            _fsync(path)
            entries[name] = {"bytes": path.stat().st_size, "sha256": _sha256(path)}
        manifest = {
            "format": MANIFEST_FORMAT,
            "package_version": __version__,
            "created": datetime.now(UTC).isoformat(timespec="seconds"),
            "scenario": dict(scenario),
            "files": entries,
        }
        manifest_path = staging / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        _fsync(manifest_path)
        _fsync_directory(staging)
        _switch(staging, target)
        _fsync_directory(parent)
    except OutputError:
        raise
    except OSError as exc:
        raise output_error(exc, exc.filename or target) from None
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    return {name: target / name for name in [*files, MANIFEST]}


def _switch(staging: Path, target: Path) -> None:
    """Put ``staging`` in place of ``target`` in one step where the system allows; remove the old set."""
    if not os.path.lexists(target):
        try:
            os.rename(staging, target)
            return
        except OSError as exc:
            if exc.errno not in (errno.EEXIST, errno.ENOTEMPTY):
                raise
    if _exchange(staging, target):
        shutil.rmtree(staging, ignore_errors=True)  # now holds the old set
        return
    # two renames; a run killed between them leaves `.tillvaxt-old-<pid>.<name>`, restored on the next run
    old = target.parent / f"{_OLD}{os.getpid()}.{target.name}"
    os.rename(target, old)
    os.rename(staging, target)
    shutil.rmtree(old, ignore_errors=True)


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths atomically with Linux ``renameat2(RENAME_EXCHANGE)``; ``False`` where unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(b))


def _repair_interrupted_switches(directory: str | os.PathLike[str]) -> list[Path]:
    """Put back the old set where a run died between the two renames of a non-atomic switch; drop it otherwise."""
    restored = []
    with contextlib.suppress(OSError):
        for entry in os.scandir(directory):
            if not entry.name.startswith(_OLD):
                continue
            pid_text, _, name = entry.name[len(_OLD) :].partition(".")
            if not pid_text.isdigit() or not name or process_alive(int(pid_text)):
                continue
            target = Path(directory) / name
            if not os.path.lexists(target):
                os.rename(entry.path, target)
                restored.append(target)
            else:
                shutil.rmtree(entry.path, ignore_errors=True)
    return restored


def read_manifest(folder: str | os.PathLike[str]) -> dict[str, Any] | None:
    """The manifest of an output set, or ``None`` when the folder has none (or an unreadable one)."""
    path = Path(folder) / MANIFEST
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT or not isinstance(data.get("files"), dict):
        return None
    return data


def verify_output_set(folder: str | os.PathLike[str]) -> list[str]:
    """Check an output set against its manifest; return what is wrong (empty: complete and unchanged).

    Parameters
    ----------
    folder
        An output set's folder.

    Returns
    -------
    list of str
        One line per problem: no manifest, a file missing, a size or hash
        that differs, a file the manifest does not list.
    """
    root = Path(folder)
    manifest = read_manifest(root)
    if manifest is None:
        return [f"{root}: no readable {MANIFEST}; the set is incomplete or was written by an older version"]
    problems = []
    listed = manifest["files"]
    for name, entry in listed.items():
        path = root / name
        if not path.is_file():
            problems.append(f"{path}: listed in {MANIFEST} but missing")
        elif path.stat().st_size != entry.get("bytes") or _sha256(path) != entry.get("sha256"):
            problems.append(f"{path}: differs from {MANIFEST} (changed after the run, or from another run)")
    for path in sorted(root.iterdir()):
        if path.name not in listed and path.name != MANIFEST:
            problems.append(f"{path}: not part of the set in {MANIFEST}")
    return problems


def output_sets(directory: str | os.PathLike[str]) -> dict[str, dict[str, Any]]:
    """The folders of ``directory`` that hold an output set with a manifest, by folder name, sorted."""
    found: dict[str, dict[str, Any]] = {}
    with contextlib.suppress(OSError):
        for path in sorted(Path(directory).iterdir()):
            if path.name.startswith(".") or not path.is_dir():
                continue
            manifest = read_manifest(path)
            if manifest is not None:
                found[path.name] = manifest
    return found
