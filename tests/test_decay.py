"""Commute acceptance functions: shapes, monotonicity, parameters."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.decay import Decay, DecayForm

FORMS = list(DecayForm)


@pytest.mark.parametrize("form", FORMS)
@given(t=st.lists(st.floats(0, 600, allow_nan=False), min_size=2, max_size=30))
def test_acceptance_in_unit_interval_and_non_increasing(form: DecayForm, t: list[float]) -> None:
    decay = Decay(form=form)
    times = np.sort(np.asarray(t))
    f = decay(times)
    assert ((f >= 0) & (f <= 1)).all()
    assert (np.diff(f) <= 1e-12).all()


def test_logistic_half_at_midpoint() -> None:
    decay = Decay(form="logistic", midpoint_min=45, scale_min=5)
    assert decay(45.0) == pytest.approx(0.5)
    assert decay(45.0 + 5 * np.log(3)) == pytest.approx(0.25)


def test_step_and_exponential_by_hand() -> None:
    assert list(Decay(form="step", cutoff_min=30)([29.9, 30.0, 30.1])) == [1.0, 1.0, 0.0]
    assert Decay(form="exponential", rate_per_min=0.1)(10.0) == pytest.approx(np.exp(-1.0))
    assert Decay(form="log_logistic", midpoint_min=40, shape=4)(40.0) == pytest.approx(0.5)


def test_unreachable_is_zero() -> None:
    assert Decay()(np.array([np.nan, np.inf]))[0] == 0.0


@pytest.mark.parametrize("key", ["scale_min", "midpoint_min", "rate_per_min", "cutoff_min", "shape"])
@pytest.mark.parametrize("value", [0.0, -1.0, float("nan")])
def test_non_positive_parameters_name_the_key(key: str, value: float) -> None:
    with pytest.raises(ConfigError, match=key):
        Decay(**{key: value})


def test_unknown_form_lists_valid() -> None:
    with pytest.raises(ConfigError, match="logistic, exponential, step, log_logistic"):
        Decay(form="gaussian")  # type: ignore[arg-type]
