"""Names in messages and options: close-match hints, short listings, and closed choices parsed from strings.

One home for the small helpers every stage uses when it tells a user what it
expected: :func:`did_you_mean` (a "Did you mean …?" hint), :func:`listed` (the
first few names, then "and N more") and :class:`Choice` (an enum that accepts
its members' names and refuses others with the valid ones listed).
"""

from __future__ import annotations

import difflib
import enum
from collections.abc import Iterable
from typing import Self

from tillvaxt_geo.errors import ConfigError

__all__ = ["CLOSE_MATCH_CUTOFF", "Choice", "close_matches", "did_you_mean", "listed"]

#: similarity (difflib ratio) above which a known name is offered as a hint
CLOSE_MATCH_CUTOFF = 0.5


def close_matches(word: object, candidates: Iterable[object], *, n: int = 3) -> list[str]:
    """The known names closest to ``word``, matched as typed and ignoring case.

    Parameters
    ----------
    word
        What the user wrote.
    candidates
        The valid names.
    n
        At most this many matches.

    Returns
    -------
    list of str
        Up to ``n`` candidates, most similar first, each once.
    """
    pool = sorted({str(c) for c in candidates})
    text = str(word)
    found = difflib.get_close_matches(text, pool, n=n, cutoff=CLOSE_MATCH_CUTOFF)
    lowered = {c.casefold(): c for c in pool}
    found += [
        lowered[m] for m in difflib.get_close_matches(text.casefold(), list(lowered), n=n, cutoff=CLOSE_MATCH_CUTOFF)
    ]
    return list(dict.fromkeys(found))[:n]


def did_you_mean(word: object, candidates: Iterable[object], *, n: int = 3) -> str:
    """A hint `` Did you mean 'a', 'b'?`` for an unknown name, or ``""`` when nothing is close."""
    close = close_matches(word, candidates, n=n)
    return f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""


def listed(items: Iterable[object], *, most: int = 10) -> str:
    """``"a, b, c and 7 more"``: the first ``most`` items, then how many were left out."""
    names = [str(i) for i in items]
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


class Choice(enum.StrEnum):
    """A closed set of options that accepts its members' names (case and surrounding space ignored).

    Subclasses set ``_what = enum.nonmember(("mode", "modes"))``: what one option and
    several are called in messages.
    """

    @classmethod
    def parse(cls, value: object) -> Self:
        """Return the member named ``value``, or raise :class:`ConfigError` listing the valid names."""
        if isinstance(value, cls):
            return value
        try:
            return cls(str(value).strip().lower())
        except ValueError:
            one, many = getattr(cls, "_what", ("value", "values"))
            valid = ", ".join(m.value for m in cls)
            hint = did_you_mean(value, [m.value for m in cls])
            raise ConfigError(f"unknown {one} {value!r}; valid {many}: {valid}.{hint}") from None
