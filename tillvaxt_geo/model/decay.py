"""Commute acceptance f(t): the share of workers who accept a commute of t minutes.

Four forms, chosen by :class:`DecayForm` (strings accepted):

- ``logistic``: ``1 / (1 + exp((t - midpoint_min) / scale_min))`` — the default;
  Sandow & Westin (2010, JTLU 2(3/4):87–107) find willingness to commute drops
  sharply past 45 minutes, and Danish commuting data fit a downward logistic
  better than exponential or power decay (FACTS §12, de Vries et al.).
- ``exponential``: ``exp(-rate_per_min * t)`` (FACTS §8: λ ≈ 0.02–0.1, [E]).
- ``step``: 1 up to ``cutoff_min``, 0 beyond.
- ``log_logistic``: ``1 / (1 + (t / midpoint_min) ** shape)``.

The default parameters are calibrated on today's commuting in the embedded
region (see :mod:`tillvaxt_geo.model.calibration`); every one can be changed in a
scenario's ``[commute]`` table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.naming import Choice

__all__ = ["DEFAULT_DECAY", "Decay", "DecayForm"]


class DecayForm(Choice):
    """The functional forms of commute acceptance."""

    _what = enum.nonmember(("decay form", "decay forms"))

    LOGISTIC = "logistic"
    EXPONENTIAL = "exponential"
    STEP = "step"
    LOG_LOGISTIC = "log_logistic"


@dataclass(frozen=True)
class Decay:
    """A commute-acceptance function with its parameters.

    Parameters
    ----------
    form
        Functional form.
    midpoint_min
        Time at which acceptance is one half (logistic, log-logistic).
    scale_min
        Logistic spread: acceptance falls from 73 % to 27 % over two scales.
    rate_per_min
        Exponential decay rate.
    cutoff_min
        Step cutoff: accepted up to and including this time.
    shape
        Log-logistic steepness.
    """

    form: DecayForm = DecayForm.LOGISTIC
    midpoint_min: float = 36.0
    scale_min: float = 6.0
    rate_per_min: float = 0.05
    cutoff_min: float = 45.0
    shape: float = 4.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "form", DecayForm.parse(self.form))
        checks = {
            "midpoint_min": self.midpoint_min,
            "scale_min": self.scale_min,
            "rate_per_min": self.rate_per_min,
            "cutoff_min": self.cutoff_min,
            "shape": self.shape,
        }
        for key, value in checks.items():
            if not np.isfinite(value) or value <= 0:
                raise ConfigError(f"commute decay parameter '{key}' must be a positive number, found {value!r}")

    def __call__(self, t_min: ArrayLike) -> NDArray[np.float64]:
        """Acceptance in [0, 1] for travel times in minutes; NaN (unreachable) gives 0."""
        t = np.asarray(t_min, dtype=float)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            if self.form is DecayForm.LOGISTIC:
                f = 1.0 / (1.0 + np.exp((t - self.midpoint_min) / self.scale_min))
            elif self.form is DecayForm.EXPONENTIAL:
                f = np.exp(-self.rate_per_min * np.maximum(t, 0.0))
            elif self.form is DecayForm.STEP:
                f = (t <= self.cutoff_min).astype(float)
            else:
                f = 1.0 / (1.0 + (np.maximum(t, 0.0) / self.midpoint_min) ** self.shape)
        return np.where(np.isfinite(t), f, 0.0)

    def parameters(self) -> dict[str, float | str]:
        """The parameters that matter for this form, for reports and provenance."""
        used: dict[DecayForm, tuple[str, ...]] = {
            DecayForm.LOGISTIC: ("midpoint_min", "scale_min"),
            DecayForm.EXPONENTIAL: ("rate_per_min",),
            DecayForm.STEP: ("cutoff_min",),
            DecayForm.LOG_LOGISTIC: ("midpoint_min", "shape"),
        }
        out: dict[str, float | str] = {"form": self.form.value}
        out.update({k: float(getattr(self, k)) for k in used[self.form]})
        return out


DEFAULT_DECAY = Decay()
