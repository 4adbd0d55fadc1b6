"""The error tree of tillvaxt_geo: one base class, each subclass also a builtin.

Every error raised on purpose by the package derives from :class:`TillvaxtError`
and from the builtin it most resembles, so ``except ValueError`` keeps working
for callers who do not know this package.

Layer validation collects every :class:`Problem` in a layer set before raising
once; the raised error carries them in ``.problems``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "CRSError",
    "ConfigError",
    "LayerError",
    "LayerNotFoundError",
    "ModelError",
    "NetworkError",
    "OutputError",
    "Problem",
    "ResourceError",
    "SchemaError",
    "TillvaxtError",
    "UnreachableError",
    "raise_problems",
]


class TillvaxtError(Exception):
    """Base class of every error raised on purpose by tillvaxt_geo."""


class ConfigError(ValueError, TillvaxtError):
    """A scenario, option or parameter is invalid (unknown key, bad value)."""


class LayerError(ValueError, TillvaxtError):
    """A layer or layer set cannot be used as given."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        super().__init__(message)
        self.problems: tuple[Problem, ...] = tuple(problems)


class LayerNotFoundError(FileNotFoundError, LayerError):
    """A layer file, or a named layer inside a file, does not exist."""

    def __init__(self, message: str, problems: Sequence[Problem] = ()) -> None:
        LayerError.__init__(self, message, problems)


class SchemaError(LayerError):
    """A layer's columns, values, ids or geometries do not match its schema."""


class CRSError(LayerError):
    """A layer has no CRS, or its coordinates cannot lie in the working CRS's area."""


class NetworkError(ValueError, TillvaxtError):
    """The road/rail network cannot be built or searched as asked."""


class UnreachableError(NetworkError):
    """A place lies too far from the network, or cannot be reached at all."""


class ModelError(ValueError, TillvaxtError):
    """The commute or economy model cannot produce a trustworthy result."""


class OutputError(OSError, TillvaxtError):
    """An output file or folder cannot be written (not a folder, read-only, disk full, symlink loop ...).

    The message names the path and the cause; ``.path`` holds the path.
    """

    def __init__(self, message: str, *, path: str | None = None) -> None:
        super().__init__(message)
        self.path = path

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class ResourceError(MemoryError, TillvaxtError):
    """A request would need more memory than the machine can give; raised before allocating."""


@dataclass(frozen=True)
class Problem:
    """One thing wrong with one layer, feature or column.

    Parameters
    ----------
    message
        What was expected, what was found and how to fix it.
    file
        The file the layer was read from, if any.
    layer
        The layer name (``zones``, ``roads`` ...).
    feature_id
        The id of the offending feature, or its row number as ``row N``.
    column
        The offending column, if one.
    kind
        The error class this problem belongs to.
    """

    message: str
    file: str | None = None
    layer: str | None = None
    feature_id: str | None = None
    column: str | None = None
    kind: type[LayerError] = SchemaError

    def __str__(self) -> str:
        where = []
        if self.file:
            where.append(f"file {self.file}")
        if self.layer:
            where.append(f"layer '{self.layer}'")
        if self.feature_id is not None:
            where.append(f"feature {self.feature_id}")
        if self.column:
            where.append(f"column '{self.column}'")
        prefix = ", ".join(where)
        return f"{prefix}: {self.message}" if prefix else self.message


def _common_kind(problems: Sequence[Problem]) -> type[LayerError]:
    kinds = {p.kind for p in problems}
    if len(kinds) == 1:
        return kinds.pop()
    return LayerError


def raise_problems(problems: Iterable[Problem], *, what: str = "layer set") -> None:
    """Raise one error listing every problem, if there are any.

    The error class is the problems' common kind (for example
    :class:`SchemaError` when all of them are schema problems) and
    :class:`LayerError` when they are of several kinds.

    Parameters
    ----------
    problems
        The problems found.
    what
        What was checked, for the first line of the message.
    """
    found = list(problems)
    if not found:
        return
    lines = [f"{len(found)} problem{'s' if len(found) != 1 else ''} in the {what}:"]
    lines += [f"  - {p}" for p in found]
    kind = _common_kind(found)
    raise kind("\n".join(lines), found)
