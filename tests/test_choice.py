"""The in-movers' residential logit: signs, monotonicity, and bad coefficients."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.choice import ChoiceParams, choice_weights


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 80), st.floats(0.1, 40), st.floats(1, 1e5), st.floats(1, 1e5))
def test_nearer_larger_and_better_connected_places_weigh_more(t: float, dt: float, pop: float, jobs: float) -> None:
    params = ChoiceParams()
    w = choice_weights(np.array([[t, t + dt]]), np.array([pop, pop]), np.array([jobs, jobs]), params)
    assert w[0, 0] > w[0, 1]  # nearer
    w = choice_weights(np.array([[t, t]]), np.array([pop, 2 * pop]), np.array([jobs, jobs]), params)
    assert w[0, 1] > w[0, 0]  # larger
    w = choice_weights(np.array([[t, t]]), np.array([pop, pop]), np.array([jobs, 2 * jobs]), params)
    assert w[0, 1] > w[0, 0]  # more jobs for a partner
    assert (w >= 0).all() and w.max() == pytest.approx(1.0)


def test_the_odds_follow_the_coefficients_by_hand() -> None:
    params = ChoiceParams(time_per_min=-0.1, population=0.5, partner_jobs=0.0)
    w = choice_weights(np.array([[10.0, 20.0]]), np.array([100.0, 400.0]), np.array([5.0, 5.0]), params)
    # odds of the second: exp(-0.1 * 10) * (400 / 100) ** 0.5 = 2 e^-1
    assert w[0, 1] / w[0, 0] == pytest.approx(2 * np.exp(-1.0))


def test_unreachable_places_get_no_weight() -> None:
    w = choice_weights(np.array([[np.nan, 5.0]]), np.array([10.0, 10.0]), np.array([1.0, 1.0]), ChoiceParams())
    assert w[0, 0] == 0.0 and w[0, 1] == 1.0
    w = choice_weights(np.array([[np.nan, np.nan]]), np.array([10.0, 10.0]), np.array([1.0, 1.0]), ChoiceParams())
    assert (w == 0).all()


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"time_per_min": 0.05}, "choice_time_per_min"),
        ({"population": -0.1}, "choice_population"),
        ({"partner_jobs": -1.0}, "choice_partner_jobs"),
        ({"population": float("inf")}, "finite"),
    ],
)
def test_wrong_signs_are_config_errors(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        ChoiceParams(**kwargs)
