"""Residence allocation: conservation, capacity, monotonicity, a hand-computed case."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from tillvaxt_geo.errors import ConfigError
from tillvaxt_geo.model.commute import allocate_in_movers, allocate_residences, recruit_local

finite = st.floats(0, 1000, allow_nan=False)
shares = st.floats(0, 1, allow_nan=False)


@st.composite
def problems(draw: st.DrawFn) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    n_sites = draw(st.integers(1, 3))
    n_units = draw(st.integers(1, 6))
    demand = draw(arrays(float, n_sites, elements=finite))
    capacity = draw(arrays(float, n_units, elements=finite))
    acceptance = draw(arrays(float, (n_sites, n_units), elements=shares))
    return demand, capacity, acceptance


@settings(max_examples=150, deadline=None)
@given(problems())
def test_in_movers_conserved_and_capacity_never_exceeded(problem: tuple[np.ndarray, ...]) -> None:
    demand, capacity, acceptance = problem
    placed, unplaced, _, residual = allocate_in_movers(demand, capacity, acceptance)
    assert (placed >= -1e-12).all() and (unplaced >= -1e-12).all()
    np.testing.assert_allclose(placed.sum(axis=1) + unplaced, demand, rtol=1e-9, atol=1e-6)
    assert (placed.sum(axis=0) <= capacity + 1e-6).all()
    # acceptance bounds each pair: never more than f × capacity of a unit to one site
    assert (placed <= acceptance * capacity[None, :] + 1e-6).all()
    assert residual <= 1e-6 * max(demand.sum(), 1.0)


@settings(max_examples=100, deadline=None)
@given(problems(), st.integers(0, 10**6))
def test_preference_weights_keep_conservation_and_capacity(problem: tuple[np.ndarray, ...], seed: int) -> None:
    demand, capacity, acceptance = problem
    preference = np.random.default_rng(seed).exponential(size=acceptance.shape)
    placed, unplaced, _, _ = allocate_in_movers(demand, capacity, acceptance, preference=preference)
    np.testing.assert_allclose(placed.sum(axis=1) + unplaced, demand, rtol=1e-9, atol=1e-6)
    assert (placed.sum(axis=0) <= capacity + 1e-6).all()
    assert (placed <= acceptance * capacity[None, :] + 1e-6).all()


def test_preference_steers_in_movers_to_the_preferred_unit() -> None:
    demand = np.array([10.0])
    capacity = np.array([100.0, 100.0])
    acceptance = np.ones((1, 2))
    placed, _, _, _ = allocate_in_movers(demand, capacity, acceptance, preference=np.array([[3.0, 1.0]]))
    np.testing.assert_allclose(placed, [[7.5, 2.5]])


@settings(max_examples=100, deadline=None)
@given(problems(), st.integers(0, 5), st.floats(1, 500))
def test_more_capacity_never_houses_fewer(problem: tuple[np.ndarray, ...], which: int, extra: float) -> None:
    demand, capacity, acceptance = problem
    k = which % capacity.size
    more = capacity.copy()
    more[k] += extra
    housed = allocate_in_movers(demand, capacity, acceptance)[0].sum()
    housed_more = allocate_in_movers(demand, more, acceptance)[0].sum()
    assert housed_more >= housed - 1e-6


@settings(max_examples=100, deadline=None)
@given(problems(), st.floats(0.01, 0.5))
def test_higher_acceptance_never_houses_fewer(problem: tuple[np.ndarray, ...], bump: float) -> None:
    demand, capacity, acceptance = problem
    easier = np.minimum(acceptance + bump, 1.0)
    assert (
        allocate_in_movers(demand, capacity, easier)[0].sum()
        >= allocate_in_movers(demand, capacity, acceptance)[0].sum() - 1e-6
    )


def test_two_zones_one_site_step_decay_by_hand() -> None:
    # 100 workers, 40 % recruited locally. Zone A (labour force 300) is 10 min away,
    # zone B (labour force 100) 50 min: with a 45-min step only A is acceptable.
    step = np.array([[1.0, 0.0]])
    result = allocate_residences(
        np.array([100.0]),
        recruit_local_share=0.4,
        labour_force=np.array([300.0, 100.0]),
        acceptance_zones=step,
        capacity=np.array([25.0, 500.0]),  # vacant dwellings in A and B
        acceptance_units=step,
    )
    # 40 recruits all from A; 60 in-movers, 25 dwellings in A acceptable, B never
    np.testing.assert_allclose(result.recruits, [[40.0, 0.0]])
    np.testing.assert_allclose(result.movers, [[25.0, 0.0]])
    np.testing.assert_allclose(result.unhoused, [35.0])
    np.testing.assert_allclose(result.workers, [100.0])


def test_recruits_split_by_labour_force_times_acceptance() -> None:
    recruits, missing = recruit_local(np.array([90.0]), np.array([100.0, 200.0]), np.array([[1.0, 0.25]]))
    # weights 100 and 50 → 60 and 30
    np.testing.assert_allclose(recruits, [[60.0, 30.0]])
    assert missing[0] == 0.0


def test_nobody_in_reach_all_become_in_movers() -> None:
    result = allocate_residences(
        np.array([50.0]),
        recruit_local_share=1.0,
        labour_force=np.array([100.0]),
        acceptance_zones=np.array([[0.0]]),
        capacity=np.array([10.0]),
        acceptance_units=np.array([[1.0]]),
    )
    assert result.recruits.sum() == 0.0
    assert result.movers.sum() == pytest.approx(10.0)
    assert result.unhoused.sum() == pytest.approx(40.0)


def test_capacity_too_small_is_a_shortfall_not_an_error() -> None:
    result = allocate_residences(
        np.array([1000.0]),
        recruit_local_share=0.0,
        labour_force=np.array([10.0]),
        acceptance_zones=np.array([[1.0]]),
        capacity=np.array([3.0]),
        acceptance_units=np.array([[1.0]]),
    )
    assert result.unhoused[0] == pytest.approx(997.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"recruit_local_share": 1.5}, "recruit_local_share"),
        ({"recruit_local_share": 0.5, "dwellings_per_worker": 0.0}, "dwellings_per_worker"),
    ],
)
def test_bad_parameters(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ConfigError, match=match):
        allocate_residences(
            np.array([10.0]),
            labour_force=np.array([10.0]),
            acceptance_zones=np.array([[1.0]]),
            capacity=np.array([1.0]),
            acceptance_units=np.array([[1.0]]),
            **kwargs,  # type: ignore[arg-type]
        )


def test_negative_workers_refused() -> None:
    with pytest.raises(ConfigError, match="non-negative"):
        allocate_residences(
            np.array([-1.0]),
            recruit_local_share=0.5,
            labour_force=np.array([10.0]),
            acceptance_zones=np.array([[1.0]]),
            capacity=np.array([1.0]),
            acceptance_units=np.array([[1.0]]),
        )
