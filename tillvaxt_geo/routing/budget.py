"""Memory budget of dense origins × destinations arrays: a clear error before allocating one that would not fit.

A zone × zone float64 matrix grows with the square of the zone count: 10 000
zones take 800 MB per copy, 50 000 zones 20 GB. :func:`check_matrix_memory`
estimates the bytes of such a request and compares them with the memory this
process may still use (the smaller of the machine's available memory and the
process's address-space limit), and raises
:class:`~tillvaxt_geo.errors.ResourceError` naming the sizes and how to reduce
them instead of letting NumPy fail (or the system swap) halfway through a run.
"""

from __future__ import annotations

import contextlib
import os

from tillvaxt_geo.errors import ResourceError

__all__ = ["available_memory_bytes", "check_matrix_memory", "matrix_bytes"]

#: share of the available memory one request may take: the run needs the rest for its other arrays
DEFAULT_SHARE = 0.5


def matrix_bytes(n_origins: int, n_destinations: int, *, itemsize: int = 8, copies: int = 1) -> int:
    """Bytes of ``copies`` dense ``n_origins × n_destinations`` arrays of ``itemsize``-byte numbers."""
    for name, value in (("n_origins", n_origins), ("n_destinations", n_destinations), ("copies", copies)):
        if value < 0:
            raise ValueError(f"{name} must be >= 0, found {value}")
    return int(n_origins) * int(n_destinations) * int(itemsize) * int(copies)


def available_memory_bytes() -> int | None:
    """Memory this process may still take: available RAM, capped by ``RLIMIT_AS``; ``None`` if unknown."""
    candidates: list[int] = []
    try:
        with open("/proc/meminfo", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("MemAvailable:"):
                    candidates.append(int(line.split()[1]) * 1024)
                    break
    except (OSError, ValueError, IndexError):
        with contextlib.suppress(ValueError, OSError, AttributeError):
            candidates.append(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    try:
        import resource

        soft, _ = resource.getrlimit(resource.RLIMIT_AS)
        if soft != resource.RLIM_INFINITY:
            used = _resident_bytes()
            candidates.append(max(soft - used, 0))
    except (ImportError, OSError, ValueError):
        pass
    return min(candidates) if candidates else None


def _resident_bytes() -> int:
    """Virtual size of this process (what RLIMIT_AS counts), 0 if unknown."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def check_matrix_memory(
    n_origins: int,
    n_destinations: int,
    *,
    what: str = "origins × destinations matrix",
    itemsize: int = 8,
    copies: int = 1,
    limit_bytes: int | None = None,
    share: float = DEFAULT_SHARE,
) -> int:
    """Raise before allocating when dense arrays of this size would not fit in memory.

    Parameters
    ----------
    n_origins, n_destinations
        The matrix's shape (e.g. zones × zones).
    what
        What the matrix is, for the message (``"calibration zone × zone times"``).
    itemsize
        Bytes per value (8 for float64).
    copies
        How many such arrays the step holds at once.
    limit_bytes
        The budget; by default ``share`` of :func:`available_memory_bytes`
        (no check when that is unknown).
    share
        Share of the available memory one request may take.

    Returns
    -------
    int
        The bytes the request needs.

    Raises
    ------
    ResourceError
        The request exceeds the budget; the message names the sizes and how
        to reduce them.
    """
    need = matrix_bytes(n_origins, n_destinations, itemsize=itemsize, copies=copies)
    if limit_bytes is None:
        available = available_memory_bytes()
        if available is None:
            return need
        limit_bytes = int(available * share)
    if need > limit_bytes:
        rows = max(int(limit_bytes // max(itemsize * copies * max(n_destinations, 1), 1)), 0)
        raise ResourceError(
            f"the {what} would need {_size(need)} ({n_origins:,} × {n_destinations:,} values × {itemsize} bytes"
            f"{f' × {copies} copies' if copies > 1 else ''}), more than the {_size(limit_bytes)} this run may use; "
            f"reduce the zones (aggregate them, e.g. `tillvaxt-geo import grid --aggregate N` for coarser cells, "
            f"or cut the zones layer to the study region) — about {rows:,} origins would fit — "
            "or run on a machine with more memory"
        )
    return need


def _size(n: float) -> str:
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if abs(n) < 1024 or unit == "TiB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n:,.1f} TiB"
