"""Where the compiled routing kernels are cached: a per-user cache directory, never inside the installed package.

numba's ``cache=True`` writes compiled code beside the source file, that is
into ``site-packages/tillvaxt_geo/routing/__pycache__`` of an installed
package: a folder pip does not know about, that survives an uninstall and
can shadow a later editable install. This module gives numba a cache locator
for the kernels of :mod:`tillvaxt_geo.routing.kernel` only, which puts them in
``platformdirs.user_cache_dir("tillvaxt_geo")/numba-<version>`` instead. When
``NUMBA_CACHE_DIR`` is set, numba's own locator for that directory is used, as
numba documents.

:func:`compile_once` runs the first compilation (or the cache load) and says
on stderr, through :mod:`logging`, when the kernels are compiled for the first
time and how long that took.
"""

from __future__ import annotations

import hashlib
import logging
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numba
import platformdirs
from numba.core import caching, config

__all__ = ["cache_dir", "compile_once", "register"]

log = logging.getLogger(__name__)

#: the kernels' source file: only its functions are cached by this module's locator
KERNEL_FILE = Path(__file__).with_name("kernel.py")

# numba >= 0.61 names these without the underscore
_BaseLocator: Any = getattr(caching, "UserProvidedCacheLocator", None) or getattr(caching, "_UserProvidedCacheLocator")  # noqa: B009
_CacheImpl: Any = getattr(caching, "CacheImpl", None) or getattr(caching, "_CacheImpl")  # noqa: B009


def _numba_cache_dir() -> str:
    """``NUMBA_CACHE_DIR`` as numba read it ('' when unset)."""
    return str(getattr(config, "CACHE_DIR", "") or "")


def cache_dir() -> Path:
    """The directory of the compiled kernels: ``NUMBA_CACHE_DIR`` when set, else the per-user cache directory."""
    if _numba_cache_dir():
        return Path(_numba_cache_dir())
    return Path(platformdirs.user_cache_dir("tillvaxt_geo", appauthor=False)) / f"numba-{numba.__version__}"


class _KernelCacheLocator(_BaseLocator):  # type: ignore[misc]
    """numba's cache locator for a user directory, for the functions of ``kernel.py`` only."""

    def __init__(self, py_func: Callable[..., object], py_file: str) -> None:
        self._py_file = py_file
        self._lineno = py_func.__code__.co_firstlineno
        self._cache_path = str(cache_dir() / self.get_suitable_cache_subpath(py_file))

    @classmethod
    def from_function(cls, py_func: Callable[..., object], py_file: str) -> _KernelCacheLocator | None:
        if _numba_cache_dir() or Path(py_file).resolve() != KERNEL_FILE.resolve():
            return None  # NUMBA_CACHE_DIR set, or not ours: numba's own locators decide
        locator = cls(py_func, py_file)
        try:
            locator.ensure_cache_path()
        except OSError:
            return None  # no writable cache directory: numba compiles without caching
        return locator


def register() -> None:
    """Put the kernels' locator first in numba's list (once); call before the kernels are defined."""
    if _KernelCacheLocator not in _CacheImpl._locator_classes:
        _CacheImpl._locator_classes.insert(0, _KernelCacheLocator)


def _stamp() -> Path:
    """A file whose presence says this numba, Python and kernel source were compiled into the cache."""
    source = KERNEL_FILE.stat()
    key = f"{numba.__version__}|{sys.version}|{source.st_size}|{source.st_mtime_ns}"
    return cache_dir() / f"compiled-{hashlib.sha256(key.encode()).hexdigest()[:16]}"


def compile_once(warm_up: Callable[[], object]) -> None:
    """Run ``warm_up`` (which calls every kernel once), announcing a first compilation on stderr.

    Parameters
    ----------
    warm_up
        Calls each kernel with the argument types real searches use.
    """
    stamp = _stamp()
    first = not stamp.exists()
    if first:
        log.warning(
            "tillvaxt_geo: compiling the routing kernels, once after installing or upgrading (about 10 s; cache: %s)",
            cache_dir(),
        )
    started = time.perf_counter()
    warm_up()
    if first:
        log.warning("tillvaxt_geo: routing kernels compiled in %.1f s", time.perf_counter() - started)
        try:
            stamp.parent.mkdir(parents=True, exist_ok=True)
            stamp.touch()
        except OSError:
            pass  # a read-only cache: the notice repeats, the results do not change
